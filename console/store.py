"""The console's in-memory model of the open cases, fed by the snapshot and the stream.

- ``CaseStore`` holds one queue row per open case, applies events only when their
  version is newer (so replays and snapshot overlaps are harmless), keeps every
  queue's count incrementally, and keeps a deadline heap so the "overdue" queue and
  overdue alerts need no scan.
- ``QueueView`` is the table's model: one queue, filtered and sorted, updated by
  bisect on each change instead of being rebuilt.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backend_client.text import is_digits
from backend_client.vocab import CaseState
from console.queues import QUEUES, Predicate, Queue, is_overdue, queue_keys, queues_holding
from console.rows import QueueRow

FAR = datetime(9999, 12, 31, tzinfo=UTC)
BATCH_MERGE = 256  # above this many rows, QueueView.add merges with a sort
STATE_ORDER = {s: i for i, s in enumerate(CaseState)}

SortKey = Callable[[QueueRow], tuple[Any, ...]]
SORTS: dict[str, SortKey] = {
    "deadline": lambda c: (FAR if c.paused_at or not c.deadline_at else c.deadline_at, c.serial),
    "serial": lambda c: (c.serial,),
    "grid": lambda c: (c.grid_code, c.serial),
    "category": lambda c: (c.category_code, c.serial),
    "source": lambda c: (c.source.value, c.serial),
    "department": lambda c: (c.department_code or "~", c.serial),
    "state": lambda c: (STATE_ORDER[c.state], c.serial),
    "rework": lambda c: (c.rework_count, c.serial),
    "created": lambda c: (c.created_at, c.serial),
}


@dataclass
class Change:
    serial: str
    old: QueueRow | None
    new: QueueRow | None  # None: the case left the open set


@dataclass
class CaseStore:
    cases: dict[str, QueueRow] = field(default_factory=dict)
    as_of_seq: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {q.key: 0 for q in QUEUES})
    _deadlines: list[tuple[datetime, str, int]] = field(default_factory=list)
    _watched: set[tuple[str, int]] = field(default_factory=set)  # (serial, version) in the heap
    _became_overdue: list[QueueRow] = field(default_factory=list)

    def load(self, cases: Iterable[QueueRow], as_of_seq: int, now: datetime) -> None:
        self.cases = {c.serial: c for c in cases if c.state.is_open}
        self.as_of_seq = as_of_seq
        self._deadlines = []
        self._watched = set()
        self.recount(now)

    def recount(self, now: datetime) -> None:
        self.counts = {q.key: 0 for q in QUEUES}
        for case in self.cases.values():
            self._count(case, now, 1)
            self._watch(case, now)

    def _count(self, case: QueueRow, now: datetime, sign: int) -> None:
        for key in queues_holding(case, now):
            self.counts[key] += sign

    def add_many(self, cases: Iterable[QueueRow], now: datetime) -> list[QueueRow]:
        """Snapshot pages after the first: add what is new or newer; return what was added."""
        added: list[QueueRow] = []
        kinds: dict[tuple[CaseState, bool, bool, bool], int] = {}  # counted once per kind
        held_cases = self.cases
        for case in cases:
            held = held_cases.get(case.serial)
            if (held is not None and held.version >= case.version) or not case.state.is_open:
                continue
            if held is not None:
                self._count(held, now, -1)
            held_cases[case.serial] = case
            kind = (case.state, case.pending is not None, is_overdue(case, now), case.supervised)
            kinds[kind] = kinds.get(kind, 0) + 1
            self._watch(case, now)
            added.append(case)
        for kind, n in kinds.items():
            for key in queue_keys(*kind):
                self.counts[key] += n
        return added

    def _watch(self, case: QueueRow, now: datetime) -> None:
        if case.deadline_at and not case.paused_at and case.deadline_at > now:
            key = (case.serial, case.version)
            if key not in self._watched:  # a dropped case can come back at the same version
                self._watched.add(key)
                heapq.heappush(self._deadlines, (case.deadline_at, case.serial, case.version))

    def apply(self, case: QueueRow, now: datetime) -> Change | None:
        """Take a newer version of a case; ignore stale or repeated ones."""
        self._advance(now)  # counts must reflect deadlines passed before this change
        old = self.cases.get(case.serial)
        if old is not None and case.version <= old.version:
            return None
        new: QueueRow | None = case if case.state.is_open else None
        if old is None and new is None:
            return None
        if old is not None:
            self._count(old, now, -1)
        if new is not None:
            self._count(new, now, 1)
        if new is None:
            del self.cases[case.serial]
        else:
            self.cases[case.serial] = new
            self._watch(new, now)
        return Change(case.serial, old, new)

    def drop(self, serial: str, now: datetime) -> Change | None:
        """The user lost sight of a case (``CaseGone``): its row goes, whatever version."""
        self._advance(now)
        old = self.cases.pop(serial, None)
        if old is None:
            return None
        self._count(old, now, -1)
        return Change(serial, old, None)

    def _advance(self, now: datetime) -> None:
        while self._deadlines and self._deadlines[0][0] <= now:
            _due, serial, version = heapq.heappop(self._deadlines)
            self._watched.discard((serial, version))
            case = self.cases.get(serial)
            if case is None or case.version != version or not is_overdue(case, now):
                continue
            self._became_overdue.append(case)
            self.counts["overdue"] += 1

    def newly_overdue(self, now: datetime) -> list[QueueRow]:
        """Cases whose deadline passed since the last call (each reported once)."""
        self._advance(now)
        out, self._became_overdue = self._became_overdue, []
        return out

    def find(self, text: str) -> QueueRow | None:
        """A case by full serial or by its trailing sequence digits (``123`` → …-000123)."""
        text = text.strip()
        if text in self.cases:
            return self.cases[text]
        if is_digits(text):
            suffix = text.zfill(6)
            matches = [c for s, c in self.cases.items() if s.endswith(suffix)]
            if len(matches) == 1:
                return matches[0]
        return None


class QueueView:
    """One queue, filtered and sorted: the LineTable's model (TableModel protocol)."""

    def __init__(
        self,
        store: CaseStore,
        queue: Queue,
        *,
        sort: str = "deadline",
        descending: bool = False,
        text_filter: Predicate | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.sort = sort
        self.descending = descending
        self.text_filter = text_filter
        self._keys: list[tuple[Any, ...]] = []

    def _key(self, case: QueueRow) -> tuple[Any, ...]:
        return SORTS[self.sort](case)

    def accepts(self, case: QueueRow, now: datetime) -> bool:
        if not self.queue.holds(case, now):
            return False
        return self.text_filter is None or self.text_filter(case, now)

    def rebuild(self, now: datetime) -> None:
        key = SORTS[self.sort]
        self._keys = sorted(key(c) for c in self.store.cases.values() if self.accepts(c, now))

    def update(self, change: Change, now: datetime) -> bool:
        """Apply one store change; True if the visible rows changed membership or order."""
        moved = False
        if change.old is not None:
            moved |= self._remove(self._key(change.old))
        if change.new is not None and self.accepts(change.new, now):
            bisect.insort(self._keys, self._key(change.new))
            moved = True
        return moved

    def add(self, cases: Iterable[QueueRow], now: datetime) -> bool:
        """New rows (a snapshot page, cases gone overdue).  Keys are unique per case
        version; a large batch is merged with one sort instead of an insert each."""
        keys = [self._key(c) for c in cases if self.accepts(c, now)]
        if len(keys) > BATCH_MERGE:
            # Two sorted runs: the sort merges them in C.  A key already held appears
            # twice, side by side; the check for that is one C-level pass too.
            keys.sort()
            merged = self._keys + keys
            merged.sort()
            if any(map(operator.eq, merged, itertools.islice(merged, 1, None))):
                merged = sorted(set(merged))
            added = len(merged) != len(self._keys)
            self._keys = merged
            return added
        added = False
        for key in keys:
            i = bisect.bisect_left(self._keys, key)
            if i == len(self._keys) or self._keys[i] != key:
                self._keys.insert(i, key)
                added = True
        return added

    def _remove(self, key: tuple[Any, ...]) -> bool:
        i = bisect.bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            del self._keys[i]
            return True
        return False

    # --- TableModel ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def _at(self, index: int) -> tuple[Any, ...]:
        return self._keys[len(self._keys) - 1 - index if self.descending else index]

    def key_at(self, index: int) -> str:
        serial: str = self._at(index)[-1]
        return serial

    def row_at(self, index: int) -> QueueRow:
        return self.store.cases[self.key_at(index)]

    def index_of(self, key: str) -> int | None:
        case = self.store.cases.get(key)
        if case is None:
            return None
        sort_key = self._key(case)
        i = bisect.bisect_left(self._keys, sort_key)
        if i < len(self._keys) and self._keys[i] == sort_key:
            return len(self._keys) - 1 - i if self.descending else i
        return None

    def serials(self) -> list[str]:
        return [self.key_at(i) for i in range(len(self))]
