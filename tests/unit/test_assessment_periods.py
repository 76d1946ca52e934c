"""Assessment periods as offices write them, in the centre's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.domain.assessment.periods import BadPeriod, parse_period

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-11-01..2026-11-15", date(2026, 11, 1), date(2026, 11, 15)),
    ],
)
def test_periods(text: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert (period.first, period.last) == (first, last)


def test_a_month_is_local_midnight_to_local_midnight() -> None:
    window = parse_period("2026-11").window(SHANGHAI)
    assert window.start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 30, 16, tzinfo=UTC)


def test_previous_periods_for_trends() -> None:
    assert [p.name for p in parse_period("2026-01").previous(3)] == [
        "2025-10",
        "2025-11",
        "2025-12",
    ]
    assert [p.name for p in parse_period("2026-W01").previous(1)] == ["2025-W52"]
    assert [p.name for p in parse_period("2026-Q1").previous(1)] == ["2025-Q4"]
    assert [p.name for p in parse_period("2026-11-01..2026-11-15").previous(1)] == [
        "2026-10-17..2026-10-31"
    ]


@pytest.mark.parametrize(
    "text",
    ["2026-13", "0000-01", "1899-12", "2026-W54", "2025-W53", "2026-Q5", "26-11",
     "2026-02-30..2026-03-01", "2026-03-01..2026-02-01", "2020-01-01..2026-01-01", ""],
)  # fmt: skip
def test_bad_periods_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(BadPeriod, match="Write a month"):
        parse_period(text)
