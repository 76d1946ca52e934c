"""Assessment periods (考核周期) named the way offices write them, in the centre's local time.

``2026-11`` a month, ``2026-W48`` an ISO week, ``2026-Q4`` a quarter, ``2026`` a year,
``2026-11-01..2026-11-15`` a custom range of whole days (both ends included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.domain.assessment.tally import Period

MAX_DAYS = 366 * 2
_Y = "(?:19[0-9]{2}|2[0-9]{3})"  # years 1900-2999
_DAY = f"{_Y}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_MONTH = re.compile(f"^({_Y})-(0[1-9]|1[0-2])$")
_WEEK = re.compile(f"^({_Y})-W(0[1-9]|[1-4][0-9]|5[0-3])$")
_QUARTER = re.compile(f"^({_Y})-Q([1-4])$")
_YEAR = re.compile(f"^({_Y})$")
_RANGE = re.compile(f"^({_DAY})\\.\\.({_DAY})$")
PERIOD_PATTERN = "|".join(p.pattern for p in (_MONTH, _WEEK, _QUARTER, _YEAR, _RANGE))


class BadPeriod(ValueError):
    """The period text is not one the office uses; the message shows the forms."""

    def __init__(self, text: str, why: str = "") -> None:
        super().__init__(
            f"“{text}” is not a period{': ' + why if why else ''}. Write a month (2026-11), "
            "a week (2026-W48), a quarter (2026-Q4), a year (2026) or a range of days "
            "(2026-11-01..2026-11-15)."
        )


@dataclass(frozen=True)
class NamedPeriod:
    name: str
    first: date  # local, inclusive
    last: date  # local, inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def window(self, tz: ZoneInfo) -> Period:
        start = datetime.combine(self.first, time(), tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), tz).astimezone(UTC)
        return Period(start, end)

    def previous(self, count: int) -> list[NamedPeriod]:
        """The ``count`` periods of the same kind before this one, oldest first."""
        found: list[NamedPeriod] = []
        current = self
        for _ in range(count):
            current = parse_period(_before(current))
            found.append(current)
        return found[::-1]


def parse_period(text: str) -> NamedPeriod:
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return NamedPeriod(text, first, following - timedelta(days=1))
    if match := _WEEK.match(text):
        try:
            first = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise BadPeriod(text, f"{match[1]} has no week {int(match[2])}") from exc
        return NamedPeriod(text, first, first + timedelta(days=6))
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        last = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
        return NamedPeriod(text, first, last)
    if match := _YEAR.match(text):
        year = int(match[1])
        return NamedPeriod(text, date(year, 1, 1), date(year, 12, 31))
    if match := _RANGE.match(text):
        try:
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError as exc:
            raise BadPeriod(text, "a date does not exist") from exc
        if last < first:
            raise BadPeriod(text, "it ends before it starts")
        if (last - first).days + 1 > MAX_DAYS:
            raise BadPeriod(text, f"a range is at most {MAX_DAYS} days")
        return NamedPeriod(text, first, last)
    raise BadPeriod(text)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _before(period: NamedPeriod) -> str:
    name, first = period.name, period.first
    if _MONTH.match(name):
        return month_of(first - timedelta(days=1))
    if _WEEK.match(name):
        year, week, _ = (first - timedelta(days=7)).isocalendar()
        return f"{year:04d}-W{week:02d}"
    if _QUARTER.match(name):
        prior = first - timedelta(days=1)
        return f"{prior.year:04d}-Q{(prior.month - 1) // 3 + 1}"
    if _YEAR.match(name):
        return f"{first.year - 1:04d}"
    span = timedelta(days=period.days)
    return f"{(first - span).isoformat()}..{(period.last - span).isoformat()}"
