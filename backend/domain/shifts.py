"""Duty shifts (班次) and the handover checklist, from ``backend/data/shifts.toml``.

Pure data and wall-clock arithmetic, no framework imports.  Shifts are local times that
cover the day without gaps or overlaps; :meth:`ShiftPlan.at` answers which shift an
instant falls in, with that shift's start and end as UTC instants.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend_client.vocab import DEFAULT_TIMEZONE

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "shifts.toml"
_DAY_MINUTES = 24 * 60


class ShiftError(ValueError):
    """The shifts data is invalid; the message says where and what is wrong."""


@dataclass(frozen=True)
class Shift:
    id: str
    zh: str
    en: str
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, > start (1440 = midnight)

    def label(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True)
class CheckItem:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class ShiftSlot:
    """One occurrence of a shift: the shift and its start and end instants (UTC)."""

    shift: Shift
    starts_at: datetime
    ends_at: datetime


class ShiftPlan:
    def __init__(
        self,
        shifts: list[Shift],
        checklist: list[CheckItem],
        *,
        timezone: str = DEFAULT_TIMEZONE,
        due_within_working_hours: float = 4.0,
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ShiftError(f"unknown timezone {timezone!r}") from exc
        if not shifts:
            raise ShiftError("[[shifts]] must list at least one shift")
        ordered = sorted(shifts, key=lambda s: s.start)
        if ordered[0].start != 0 or ordered[-1].end != _DAY_MINUTES:
            raise ShiftError("the shifts must cover the whole day, from 00:00 to 24:00")
        for before, after in itertools.pairwise(ordered):
            if before.end != after.start:
                raise ShiftError(
                    f"shift {before.id!r} ends at {before.label()[-5:]} but the next shift "
                    f"{after.id!r} starts at {after.label()[:5]}: shifts must neither leave a "
                    "gap nor overlap"
                )
        ids = [s.id for s in shifts] + [c.id for c in checklist]
        if len(set(ids)) != len(ids):
            raise ShiftError("shift and checklist ids must be unique")
        if due_within_working_hours <= 0:
            raise ShiftError("due_within_working_hours must be more than 0")
        self.shifts = ordered
        self.checklist = list(checklist)
        self.due_within_working_hours = float(due_within_working_hours)

    @classmethod
    def load(cls, path: Path | None = None) -> ShiftPlan:
        source = path or DEFAULT_PATH
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ShiftError(f"{source}: {exc}") from exc
        try:
            return cls.from_dict(data)
        except ShiftError as exc:
            raise ShiftError(f"{source}: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShiftPlan:
        shifts = [
            Shift(
                id=_text(item, "id", f"shifts[{i}]"),
                zh=_text(item, "zh", f"shifts[{i}]"),
                en=_text(item, "en", f"shifts[{i}]"),
                start=_minutes(item.get("start"), f"shifts[{i}].start"),
                end=_minutes(item.get("end"), f"shifts[{i}].end"),
            )
            for i, item in enumerate(data.get("shifts", []))
        ]
        for shift in shifts:
            if shift.end <= shift.start:
                raise ShiftError(f"shift {shift.id!r} must end after it starts")
        checklist = [
            CheckItem(
                id=_text(item, "id", f"checklist[{i}]"),
                zh=_text(item, "zh", f"checklist[{i}]"),
                en=_text(item, "en", f"checklist[{i}]"),
            )
            for i, item in enumerate(data.get("checklist", []))
        ]
        return cls(
            shifts,
            checklist,
            timezone=str(data.get("timezone", DEFAULT_TIMEZONE)),
            due_within_working_hours=float(data.get("due_within_working_hours", 4)),
        )

    def at(self, instant: datetime) -> ShiftSlot:
        """The shift ``instant`` (timezone-aware) falls in."""
        local = instant.astimezone(self.tz)
        minute = local.hour * 60 + local.minute
        shift = next(s for s in self.shifts if s.start <= minute < s.end)
        return self._slot(shift, local.date())

    def after(self, slot: ShiftSlot) -> ShiftSlot:
        """The shift that takes over from ``slot``."""
        return self.at(slot.ends_at)

    def _slot(self, shift: Shift, day: date) -> ShiftSlot:
        def instant(minutes: int) -> datetime:
            moment = datetime.combine(day, time(0), self.tz) + timedelta(minutes=minutes)
            # Wall-clock arithmetic in the zone, then to UTC (no DST in Asia/Shanghai, but
            # a centre elsewhere may have it).
            return moment.replace(tzinfo=None).replace(tzinfo=self.tz).astimezone(UTC)

        return ShiftSlot(shift, instant(shift.start), instant(shift.end))

    def shift(self, shift_id: str) -> Shift | None:
        return next((s for s in self.shifts if s.id == shift_id), None)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ShiftError(f"{where}.{key} must be a non-empty string")
    return value


def _minutes(value: object, where: str) -> int:
    if isinstance(value, str) and value == "24:00":
        return _DAY_MINUTES
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    if isinstance(value, str):
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.hour * 60 + parsed.minute
    raise ShiftError(f'{where}: {value!r} is not a time of day (expected "HH:MM", or "24:00")')
