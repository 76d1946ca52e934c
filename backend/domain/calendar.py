"""Working-time calendar: office hours, public holidays and swapped working days (调休).

Pure deadline arithmetic, no framework imports.  Every public method takes
timezone-aware datetimes and returns UTC ones; working time is worked out on
the local (office) calendar, by whole days, never minute by minute.
"""

from __future__ import annotations

import math
import tomllib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend_client.text import is_digits
from backend_client.vocab import DEFAULT_TIMEZONE, TimeUnit

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "calendar-cn.toml"
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)
CLOCK_UNITS = frozenset({TimeUnit.CLOCK_HOUR, TimeUnit.NATURAL_DAY})
_ONE_DAY = timedelta(days=1)
_ONE_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MARGIN_DAYS = 400  # how far a rebuilt window table reaches past what was asked for
_FILE_KEYS = ("timezone", "office_hours", "years")


class CalendarError(ValueError):
    """The calendar data is invalid; the message says where and what is wrong."""


def to_utc(dt: datetime) -> datetime:
    """Convert an aware datetime to UTC; naive datetimes are refused (their zone is a guess)."""
    if dt.tzinfo is UTC:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} given; pass a timezone-aware datetime")
    return dt.astimezone(UTC)


def _is_clock(unit: TimeUnit) -> bool:
    return unit is TimeUnit.CLOCK_HOUR or unit is TimeUnit.NATURAL_DAY


class WorkingCalendar:
    """Office windows on working days: Mon–Fri minus holidays, plus swapped workdays."""

    def __init__(
        self,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        office_hours: Sequence[tuple[time, time]] = DEFAULT_OFFICE_HOURS,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        years: Iterable[int] = (),
    ) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(f"unknown timezone {timezone!r}") from exc
        self.office_hours = tuple(office_hours)
        if not self.office_hours:
            raise CalendarError("office_hours must list at least one window")
        previous_end: time | None = None
        for start, end in self.office_hours:
            if start >= end:
                raise CalendarError(
                    f"office window {start:%H:%M}-{end:%H:%M} does not end after it starts"
                )
            if previous_end is not None and start < previous_end:
                raise CalendarError(
                    f"office windows must be sorted and must not overlap: {start:%H:%M} starts "
                    f"before the previous window ends at {previous_end:%H:%M}"
                )
            previous_end = end
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        if both := sorted(self.holidays & self.workdays):
            raise CalendarError(f"{both[0]} is listed both as a holiday and as a working day")
        if weekdays := sorted(d for d in self.workdays if d.weekday() < 5):
            raise CalendarError(
                f"swapped working day {weekdays[0]} is a {weekdays[0]:%A}, which is a working day "
                "anyway; only Saturdays and Sundays can be swapped"
            )
        # Years whose official schedule is on file; other years are plain Mon–Fri.
        self.years = frozenset(years) | {d.year for d in self.holidays | self.workdays}
        self.seconds_per_day = sum(
            (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
            for s, e in self.office_hours
        )
        self._table: _WindowTable | None = None
        # (amount, unit, fraction) -> the span's working µs and its fraction's (see span)
        self._spans: dict[tuple[float, TimeUnit, float], tuple[int, int]] = {}

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> WorkingCalendar:
        """Load a calendar TOML file (default ``backend/data/calendar-cn.toml``)."""
        path = path or DEFAULT_PATH
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except OSError as exc:
            raise CalendarError(f"{path}: cannot read the calendar file ({exc.strerror})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise CalendarError(f"{path}: not valid TOML: {exc}") from exc
        try:
            return cls.from_dict(data)
        except CalendarError as exc:
            raise CalendarError(f"{path}: {exc}") from exc

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingCalendar:
        """Build a calendar from the parsed TOML structure (see ``calendar-cn.toml``)."""
        if unknown := sorted(set(data) - set(_FILE_KEYS)):
            raise CalendarError(f"unknown key {unknown[0]!r}; expected {', '.join(_FILE_KEYS)}")
        timezone = data.get("timezone", DEFAULT_TIMEZONE)
        if not isinstance(timezone, str):
            raise CalendarError("timezone must be a string such as 'Asia/Shanghai'")
        office_hours = DEFAULT_OFFICE_HOURS
        if "office_hours" in data:
            raw = data["office_hours"]
            if not isinstance(raw, list) or not all(
                isinstance(w, list) and len(w) == 2 for w in raw
            ):
                raise CalendarError('office_hours must be a list of ["HH:MM", "HH:MM"] pairs')
            office_hours = tuple(
                (_parse_time(s, "office_hours"), _parse_time(e, "office_hours")) for s, e in raw
            )
        years = data.get("years", {})
        if not isinstance(years, dict):
            raise CalendarError("years must be a table of [years.YYYY] tables")
        holidays: list[date] = []
        workdays: list[date] = []
        for key, table in years.items():
            if not (is_digits(key) and len(key) == 4) or not isinstance(table, dict):
                raise CalendarError(f"years.{key} is not a [years.YYYY] table")
            if unknown := sorted(set(table) - {"holidays", "workdays"}):
                raise CalendarError(f"years.{key}: unknown key {unknown[0]!r}")
            for name, target in (("holidays", holidays), ("workdays", workdays)):
                where = f"years.{key}.{name}"
                items = table.get(name, [])
                if not isinstance(items, list):
                    raise CalendarError(f"{where} must be a list of dates")
                for item in items:
                    day = _parse_date(item, where)
                    if day.year != int(key):
                        raise CalendarError(f"{where}: {day} is not in {key}")
                    target.append(day)
        return cls(
            timezone=timezone,
            office_hours=office_hours,
            holidays=holidays,
            workdays=workdays,
            years=(int(k) for k in years),
        )

    # -- queries -----------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        if d in self.holidays:
            return False
        return d in self.workdays or d.weekday() < 5

    def unit_seconds(self, unit: TimeUnit) -> float:
        """Length of one ``unit`` in (clock or working) seconds."""
        if unit is TimeUnit.WORKING_DAY:
            return self.seconds_per_day
        return 86400.0 if unit is TimeUnit.NATURAL_DAY else 3600.0

    def add(self, start: datetime, amount: float, unit: TimeUnit) -> datetime:
        """The instant ``amount`` units after ``start``; a working day is a day of office hours."""
        return self.add_seconds(start, amount * self.unit_seconds(unit), unit)

    def add_seconds(self, start: datetime, seconds: float, unit: TimeUnit) -> datetime:
        """Add clock seconds (clock units) or working seconds (working units); may be negative."""
        start = to_utc(start)
        if not math.isfinite(seconds):
            raise ValueError(f"cannot add {seconds} seconds")
        budget = timedelta(seconds=seconds)
        if not budget or _is_clock(unit):
            return start + budget
        if budget > _ZERO:
            return self._forward(start, budget)
        return self._backward(start, -budget)

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        a, b = to_utc(a), to_utc(b)
        if b <= a:
            return 0.0
        low, high = (a - _EPOCH) // _ONE_US, (b - _EPOCH) // _ONE_US
        table = self._covering(low, high)
        return (table.pos(high) - table.pos(low)) / 1_000_000

    def elapsed(self, a: datetime, b: datetime, unit: TimeUnit) -> float:
        """Seconds of ``unit`` time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        a, b = to_utc(a), to_utc(b)
        if _is_clock(unit):
            return (b - a).total_seconds()
        if b >= a:
            return self.working_seconds_between(a, b)
        return -self.working_seconds_between(b, a)

    def fraction_point(
        self, start: datetime, due: datetime, unit: TimeUnit, fraction: float
    ) -> datetime:
        """The instant when ``fraction`` of the unit time from ``start`` to ``due`` is used up."""
        return self.add_seconds(start, self.elapsed(start, due, unit) * fraction, unit)

    def span(
        self, start: datetime, amount: float, unit: TimeUnit, fraction: float
    ) -> tuple[datetime, datetime]:
        """``add(start, amount, unit)`` and the ``fraction_point`` of that span: the same
        arithmetic, with one table lookup for the start (a stage's due and warn points)."""
        start = to_utc(start)
        steps = self._spans.get((amount, unit, fraction))
        if steps is None:
            seconds = amount * self.unit_seconds(unit)
            budget = timedelta(seconds=seconds) if math.isfinite(seconds) else _ZERO
            if budget <= _ZERO or _is_clock(unit):
                due = self.add_seconds(start, seconds, unit)
                return due, self.fraction_point(start, due, unit, fraction)
            step = budget // _ONE_US
            # pos(at(w)) == w, so the working time from start to due is exactly ``step``.
            part = timedelta(seconds=step / 1_000_000 * fraction) // _ONE_US
            steps = self._spans[(amount, unit, fraction)] = (step, part)
        step, part = steps
        t = (start - _EPOCH) // _ONE_US
        table = self._covering(t, t)
        base = table.pos(t)
        if base + step > table.total:  # past the table: the general path grows it
            due = self._forward(start, timedelta(microseconds=step))
            return due, self.fraction_point(start, due, unit, fraction)
        due = _EPOCH + _ONE_US * table.at(base + step)
        if part <= 0:
            return due, start + timedelta(microseconds=part)
        return due, _EPOCH + _ONE_US * table.at(base + part)

    def shift_after_pause(
        self, due: datetime, paused_at: datetime, resumed_at: datetime, unit: TimeUnit
    ) -> datetime:
        """New due date after a suspension (挂账) from ``paused_at`` to ``resumed_at``.

        The unit time left at the pause is granted again from the resume; a case already
        overdue at the pause stays overdue by the same amount.
        """
        if to_utc(resumed_at) < to_utc(paused_at):
            raise ValueError("resumed_at is before paused_at")
        return self.add_seconds(resumed_at, self.elapsed(paused_at, due, unit), unit)

    # -- internals ---------------------------------------------------------------------------

    def _local_date(self, dt: datetime) -> date:
        return dt.astimezone(self.tz).date()

    def _windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The office windows of a local date as UTC instants (none on a day off)."""
        if not self.is_working_day(day):
            return []
        return [
            (
                datetime.combine(day, start, self.tz).astimezone(UTC),
                datetime.combine(day, end, self.tz).astimezone(UTC),
            )
            for start, end in self.office_hours
        ]

    # Budgets are timedeltas (whole microseconds), so window boundaries compare exactly.

    def _forward(self, start: datetime, budget: timedelta) -> datetime:
        """The instant ``budget`` of office time after ``start``: where the working time
        used since the table's start reaches ``pos(start) + budget`` (a budget that ends
        on a window's end returns that end)."""
        t = (start - _EPOCH) // _ONE_US
        step = budget // _ONE_US
        table = self._covering(t, t)
        goal = table.pos(t) + step
        days = 0
        while goal > table.total:  # runs past the table: grow it (rare; doubles each time)
            days = 2 * days or math.ceil(2 * step / 1e6 / max(self.seconds_per_day, 1.0)) + 7
            table = self._covering(t, t + days * _DAY_US)
            goal = table.pos(t) + step
        return _EPOCH + _ONE_US * table.at(goal)

    def _covering(self, low: int, high: int) -> _WindowTable:
        """A window table reaching from instant ``low`` to ``high`` (µs since the epoch)."""
        table = self._table
        if table is not None and table.low <= low and high < table.high:
            return table
        first = self._local_date(_EPOCH + timedelta(microseconds=low))
        last = self._local_date(_EPOCH + timedelta(microseconds=high))
        if table is not None:
            first, last = min(first, table.first), max(last, table.last)
        margin = timedelta(days=_MARGIN_DAYS)
        table = self._table = _WindowTable(self, first - margin, last + margin)
        return table

    def _backward(self, end: datetime, budget: timedelta) -> datetime:
        day = self._local_date(end)
        while True:
            for window_start, window_end in reversed(self._windows(day)):
                finish = min(window_end, end)
                if finish <= window_start:
                    continue
                if budget <= finish - window_start:
                    return finish - budget
                budget -= finish - window_start
            day -= _ONE_DAY


class _WindowTable:
    """The office windows of the local dates ``first`` … ``last`` as microseconds since
    the epoch, each with the working time before it.

    ``pos(t)`` is the working time (µs) before instant ``t`` since the table's start and
    ``at(w)`` the earliest instant with ``pos == w``: lookups instead of a walk day by
    day, and exact, since all of it is whole microseconds.
    """

    def __init__(self, calendar: WorkingCalendar, first: date, last: date) -> None:
        self.first, self.last = first, last
        tz = calendar.tz
        self.low = (datetime.combine(first, time(), tz) - _EPOCH) // _ONE_US
        self.high = (datetime.combine(last + _ONE_DAY, time(), tz) - _EPOCH) // _ONE_US
        starts: list[int] = []
        ends: list[int] = []
        cum: list[int] = []
        total = 0
        day = first
        while day <= last:
            for begin, end in calendar._windows(day):
                s, e = (begin - _EPOCH) // _ONE_US, (end - _EPOCH) // _ONE_US
                starts.append(s)
                ends.append(e)
                cum.append(total)
                total += e - s
            day += _ONE_DAY
        self.starts, self.ends, self.cum = starts, ends, cum
        self.cum_end = [c + (e - s) for s, e, c in zip(starts, ends, cum, strict=True)]
        self.total = total

    def pos(self, t: int) -> int:
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cum[i] + ((t if t < end else end) - self.starts[i])

    def at(self, w: int) -> int:
        i = bisect_left(self.cum_end, w)
        return self.starts[i] + (w - self.cum[i])


def _parse_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarError(f'{where}: {value!r} is not a date (expected "YYYY-MM-DD")')


def _parse_time(value: object, where: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarError(f'{where}: {value!r} is not a time of day (expected "HH:MM")')
