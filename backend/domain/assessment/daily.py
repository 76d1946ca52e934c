"""Per-day counters (the ``assessment_day`` rows): what cases add to which object on which
local day. The incremental fold and the rebuild both bucket through here, so a day's
counters are one sum however the log was folded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.domain.assessment.counters import COUNTER_FIELDS
from backend.domain.assessment.facts import CaseFacts
from backend.domain.assessment.tally import case_groups

DayKey = tuple[str, str, str]  # local day, object type, object id
Change = dict[DayKey, dict[str, float]]
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
    return defaultdict(lambda: defaultdict(float))


def add_case(change: Change, facts: CaseFacts, sign: int, day_of: LocalDays) -> None:
    """Add (``sign`` +1) or take out (-1) everything ``facts`` counts, by day and object."""
    for at, keys, counts in case_groups(facts):
        day = day_of(at)
        items = counts.items() if sign == 1 else [(n, -v) for n, v in counts.items()]
        for kind, ident in keys:
            bucket = change[(day, kind, ident)]
            for name, value in items:
                bucket[name] += value


def merge(into: Change, part: Mapping[DayKey, Mapping[str, float]]) -> None:
    for key, counts in part.items():
        bucket = into[key]
        for name, value in counts.items():
            bucket[name] += value


def plain(change: Change) -> dict[DayKey, dict[str, float]]:
    """The same sums without the default factories (so they can cross processes)."""
    return {key: dict(counts) for key, counts in change.items()}


def day_rows(change: Mapping[DayKey, Mapping[str, float]]) -> Iterator[DayRow]:
    """Full rows, every counter in column order (integers where the column is), leaving
    out the rows whose counts all came to zero."""
    zeros: list[int | float] = [0.0 if name in _FLOAT_COUNTERS else 0 for name in COUNTER_FIELDS]
    for (day, kind, ident), counts in change.items():
        if any(counts.values()):
            row = zeros.copy()  # a case counts a few counters of each object: set those
            for name, value in counts.items():
                row[_INDEX[name]] = float(value) if name in _FLOAT_COUNTERS else round(value)
            yield (day, kind, ident, *row)
