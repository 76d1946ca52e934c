"""The duty shifts file: which shift an instant falls in, and files that are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backend.domain.shifts import ShiftError, ShiftPlan

BEIJING = ZoneInfo("Asia/Shanghai")


def local(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("at", "shift", "start", "end"),
    [
        (local(8), "day", local(8), local(16)),
        (local(15, 59), "day", local(8), local(16)),
        (local(16), "evening", local(16), local(0, day=2)),
        (local(23, 59), "evening", local(16), local(0, day=2)),
        (local(0), "night", local(0), local(8)),
        (local(7, 59), "night", local(0), local(8)),
    ],
)
def test_the_default_three_shifts(at: datetime, shift: str, start: datetime, end: datetime) -> None:
    slot = ShiftPlan.load().at(at.astimezone(UTC))
    assert slot.shift.id == shift
    assert (slot.starts_at, slot.ends_at) == (start, end)
    assert slot.starts_at.tzinfo is UTC


def test_the_next_shift_crosses_midnight() -> None:
    plan = ShiftPlan.load()
    evening = plan.at(local(20))
    night = plan.after(evening)
    assert (night.shift.id, night.starts_at) == ("night", local(0, day=2))
    assert plan.after(night).shift.id == "day"
    assert [c.id for c in plan.checklist][:2] == ["video_wall", "phones"]
    assert plan.shifts[0].zh == "夜班" and plan.shifts[1].label() == "08:00-16:00"


def shifts(*spans: tuple[str, str]) -> dict[str, object]:
    return {
        "shifts": [
            {"id": f"s{i}", "zh": "班", "en": "shift", "start": a, "end": b}
            for i, (a, b) in enumerate(spans)
        ]
    }


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (shifts(("00:00", "08:00"), ("09:00", "24:00")), "gap nor overlap"),
        (shifts(("00:00", "12:00"), ("11:00", "24:00")), "gap nor overlap"),
        (shifts(("00:00", "20:00")), "whole day"),
        (shifts(("00:00", "8am")), "not a time of day"),
        (shifts(("08:00", "08:00"), ("00:00", "24:00")), "end after it starts"),
        ({"shifts": []}, "at least one shift"),
        ({**shifts(("00:00", "24:00")), "timezone": "Mars/Base"}, "unknown timezone"),
        ({**shifts(("00:00", "24:00")), "due_within_working_hours": 0}, "more than 0"),
    ],
)
def test_a_bad_file_says_what_is_wrong(data: dict[str, object], says: str) -> None:
    with pytest.raises(ShiftError, match=says):
        ShiftPlan.from_dict(data)


def test_a_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shifts.toml"
    path.write_text('[[shifts]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(ShiftError, match=str(path)):
        ShiftPlan.load(path)
