"""Per-day counters (the ``assessment_day`` rows): what cases add to which object on which
local day. The incremental fold and the rebuild both bucket through here, so a day's
counters are one sum however the log was folded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.domain.assessment.counters import COUNTER_FIELDS
from backend.domain.assessment.facts import CaseFacts
from backend.domain.assessment.tally import Counts, ObjectKey, case_groups

DayKey = tuple[str, str, str]  # local day (or month), object type, object id
Sums = dict[DayKey, dict[str, float]]  # each object's counters by day (or month)
GroupKey = tuple[str, tuple[ObjectKey, ...], Counts]  # local day, objects, counts
Change = dict[GroupKey, int]  # how many times each group came (taken out: negative)
DayRow = tuple[str | int | float, ...]  # day, object type, object id, every counter in order
_UTC_SUFFIXES = ("Z", "+00:00")
_FLOAT_COUNTERS = frozenset({"extension_hours"})
_MAX_REMEMBERED = 200_000
_INDEX = {name: i for i, name in enumerate(COUNTER_FIELDS)}


class LocalDays:
    """Instant (ISO text) → local date (ISO text) in the centre's zone, remembered.

    A UTC instant is remembered by its minute: every zone's offset is a whole number of
    minutes, so the local day of an instant depends on nothing finer, and a rebuild meets
    the same minutes again and again.
    """

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._seen: dict[str, str] = {}

    def __call__(self, at: str) -> str:
        key = at[:16] if at.endswith(_UTC_SUFFIXES) else at
        day = self._seen.get(key)
        if day is None:
            day = datetime.fromisoformat(at).astimezone(self.tz).date().isoformat()
            if len(self._seen) > _MAX_REMEMBERED:
                self._seen.clear()
            self._seen[key] = day
        return day


def new_change() -> Change:
    return defaultdict(int)


def add_case(change: Change, facts: CaseFacts, sign: int, day_of: LocalDays) -> None:
    """Add (``sign`` +1) or take out (-1) everything ``facts`` counts, by day and object.

    What is kept is how many times each (day, objects, counts) group came: one dict update
    a group; the per-object counters are summed from that by :func:`by_object`."""
    last, day = None, ""
    for at, keys, counts in case_groups(facts):
        if at != last:  # a case's groups come several to an instant
            last, day = at, day_of(at)
        change[(day, keys, counts)] += sign


def merge(into: Change, part: Mapping[GroupKey, int]) -> None:
    for key, times in part.items():
        into[key] += times


def plain(change: Change) -> dict[GroupKey, int]:
    """The same groups without the default factory, those that came to nothing left out
    (so they can cross processes)."""
    return {key: times for key, times in change.items() if times}


def by_object(change: Mapping[GroupKey, int]) -> Sums:
    """Each object's counters by day, summed from the groups."""
    sums: Sums = {}
    for (day, keys, counts), times in change.items():
        if not times:
            continue
        if times != 1:
            counts = tuple((name, value * times) for name, value in counts)
        for kind, ident in keys:
            _add(sums, (day, kind, ident), counts)
    return sums


def month_of(day: str) -> str:
    """The month row a day's counters also count in: 2026-11-30 → 2026-11."""
    return day[:7]


def add_sums(into: Sums, part: Mapping[DayKey, Mapping[str, float]]) -> None:
    """Add one part's per-object counters (:func:`by_object` of its groups) to ``into``."""
    for key, counts in part.items():
        _add(into, key, counts.items())


def by_month(days: Mapping[DayKey, Mapping[str, float]]) -> Sums:
    """The same counters summed per local month (the ``assessment_month`` rows)."""
    months: Sums = {}
    for (day, kind, ident), counts in days.items():
        _add(months, (month_of(day), kind, ident), counts.items())
    return months


def _add(sums: Sums, key: DayKey, counts: Iterable[tuple[str, float]]) -> None:
    bucket = sums.get(key)
    if bucket is None:
        sums[key] = dict(counts)
        return
    for name, value in counts:
        bucket[name] = bucket.get(name, 0) + value


def rows_of(sums: Mapping[DayKey, Mapping[str, float]]) -> list[DayRow]:
    """Full rows in key order (what the table's primary key sorts by, so they go in as
    appends), every counter in column order (integers where the column is), leaving out
    the rows whose counts all came to zero."""
    zeros: list[int | float] = [0.0 if name in _FLOAT_COUNTERS else 0 for name in COUNTER_FIELDS]
    index, floats = _INDEX, _FLOAT_COUNTERS
    rows: list[DayRow] = []
    for key in sorted(sums):  # a million keys: sorting the keys alone, then one lookup each
        row = zeros.copy()  # a case counts a few counters of each object: set those
        live = False
        for name, value in sums[key].items():
            if value:  # a zero is already in place, in the column's type
                live = True
                if value.__class__ is not int or name in floats:
                    value = float(value) if name in floats else round(value)
                row[index[name]] = value
        if live:
            rows.append((*key, *row))
    return rows
