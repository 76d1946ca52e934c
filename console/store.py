"""The console's in-memory model of the open cases, fed by the snapshot and the stream.

- ``CaseStore`` holds one queue row per open case (``cases``), and beside them the closed
  cases the console keeps (``closed``): those whose callback (回访) is due and those a
  temporary view pinned (the cases behind an assessment figure). It applies events only when their
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
from console.queues import (
    QUEUES,
    Predicate,
    Queue,
    awaits_callback,
    is_overdue,
    queue_keys,
    queues_holding,
)
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
    new: QueueRow | None  # None: the case left the cases the console holds


@dataclass
class CaseStore:
    cases: dict[str, QueueRow] = field(default_factory=dict)  # the open cases
    closed: dict[str, QueueRow] = field(default_factory=dict)  # callbacks due, pinned rows
    pinned: frozenset[str] = frozenset()
    as_of_seq: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {q.key: 0 for q in QUEUES})
    _deadlines: list[tuple[datetime, str, int]] = field(default_factory=list)
    _watched: set[tuple[str, int]] = field(default_factory=set)  # (serial, version) in the heap
    _became_overdue: list[QueueRow] = field(default_factory=list)

    def keeps(self, case: QueueRow) -> bool:
        """Open, a callback due, or pinned by a temporary view."""
        return case.state.is_open or awaits_callback(case) or case.serial in self.pinned

    def get(self, serial: str) -> QueueRow | None:
        return self.cases.get(serial) or self.closed.get(serial)

    def rows(self) -> Iterable[QueueRow]:
        yield from self.cases.values()
        yield from self.closed.values()

    def _put(self, case: QueueRow) -> None:
        into, other = (self.cases, self.closed) if case.state.is_open else (self.closed, self.cases)
        other.pop(case.serial, None)
        into[case.serial] = case

    def _pop(self, serial: str) -> QueueRow | None:
        return self.cases.pop(serial, None) or self.closed.pop(serial, None)

    def load(self, cases: Iterable[QueueRow], as_of_seq: int, now: datetime) -> None:
        """The first snapshot page: everything again (pinned rows stay until unpinned)."""
        self.cases = {}
        self.closed = {s: c for s, c in self.closed.items() if s in self.pinned}
        for case in cases:
            if self.keeps(case):
                self._put(case)
        self.as_of_seq = as_of_seq
        self._deadlines = []
        self._watched = set()
        self.recount(now)

    def recount(self, now: datetime) -> None:
        self.counts = {q.key: 0 for q in QUEUES}
        for case in self.rows():
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
            held = self.get(case.serial)
            if (held is not None and held.version >= case.version) or not self.keeps(case):
                continue
            if held is not None:
                self._count(held, now, -1)
            if not case.state.is_open:  # a callback due or a pinned case: counted alone
                self._put(case)
                self._count(case, now, 1)
            else:
                self.closed.pop(case.serial, None)
                held_cases[case.serial] = case
                kind = (
                    case.state,
                    case.pending is not None,
                    is_overdue(case, now),
                    case.supervised,
                )
                kinds[kind] = kinds.get(kind, 0) + 1
            self._watch(case, now)
            added.append(case)
        for kind, n in kinds.items():
            for key in queue_keys(*kind):
                self.counts[key] += n
        return added

    def _watch(self, case: QueueRow, now: datetime) -> None:
        timed = case.state.is_open and case.deadline_at and not case.paused_at
        if timed and case.deadline_at is not None and case.deadline_at > now:
            key = (case.serial, case.version)
            if key not in self._watched:  # a dropped case can come back at the same version
                self._watched.add(key)
                heapq.heappush(self._deadlines, (case.deadline_at, case.serial, case.version))

    def apply(self, case: QueueRow, now: datetime) -> Change | None:
        """Take a newer version of a case; ignore stale or repeated ones."""
        self._advance(now)  # counts must reflect deadlines passed before this change
        old = self.get(case.serial)
        if old is not None and case.version <= old.version:
            return None
        new: QueueRow | None = case if self.keeps(case) else None
        if old is None and new is None:
            return None
        if old is not None:
            self._count(old, now, -1)
        if new is not None:
            self._count(new, now, 1)
        if new is None:
            self._pop(case.serial)
        else:
            self._put(new)
            self._watch(new, now)
        return Change(case.serial, old, new)

    def drop(self, serial: str, now: datetime) -> Change | None:
        """The user lost sight of a case (``CaseGone``): its row goes, whatever version."""
        self._advance(now)
        old = self._pop(serial)
        if old is None:
            return None
        self._count(old, now, -1)
        return Change(serial, old, None)

    def pin(self, serials: Iterable[str], rows: Iterable[QueueRow], now: datetime) -> None:
        """Keep these cases, in any state, until :meth:`unpin` (a temporary view's rows,
        fetched by serial); the stream then keeps them current like the open ones."""
        self.pinned = frozenset(serials)
        self.add_many((r for r in rows if r.serial in self.pinned), now)

    def unpin(self) -> None:
        """Let the pinned closed cases go (those whose callback is due stay)."""
        self.pinned = frozenset()
        self.closed = {s: c for s, c in self.closed.items() if awaits_callback(c)}

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
        held = self.get(text)
        if held is not None:
            return held
        if is_digits(text):
            suffix = text.zfill(6)
            matches = [c for c in self.rows() if c.serial.endswith(suffix)]
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
        self._keys = sorted(key(c) for c in self.store.rows() if self.accepts(c, now))

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
        row = self.store.get(self.key_at(index))
        assert row is not None, "a view holds only rows its store holds"
        return row

    def index_of(self, key: str) -> int | None:
        case = self.store.get(key)
        if case is None:
            return None
        sort_key = self._key(case)
        i = bisect.bisect_left(self._keys, sort_key)
        if i < len(self._keys) and self._keys[i] == sort_key:
            return len(self._keys) - 1 - i if self.descending else i
        return None

    def serials(self) -> list[str]:
        return [self.key_at(i) for i in range(len(self))]
