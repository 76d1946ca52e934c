"""Keeps the assessment projection current: folds committed events into case facts and
per-day counters, in batches, each batch one transaction with the cursor.

The projection is derived only from ``event_log``: :meth:`Projector.rebuild` clears it and
folds the whole log again, in bulk (:mod:`backend.services.assessment.rebuild`); the
incremental path (woken after every committed write, and polling so it also sees other
workers' writes) folds what is new. A batch replaces each
touched case's old contributions by its new ones, so the day counters always equal the
sum over the current facts. On PostgreSQL one worker folds at a time (an advisory lock);
seq order is commit order, so nothing below the cursor can still appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Dialect, Table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.domain.assessment.daily import (
    Change,
    DayKey,
    LocalDays,
    add_case,
    by_month,
    by_object,
    new_change,
)
from backend.domain.assessment.facts import CaseFacts, LoggedEvent, fold
from backend.models import (
    AssessmentCursorRow,
    AssessmentFactRow,
    assessment_day,
    assessment_month,
)
from backend.models.assessment import COUNTER_COLUMNS
from backend.services.assessment.rebuild import LOGGED, encode, logged_events
from backend.services.assessment.rebuild import rebuild as rebuild_projection
from backend.services.assessment.rebuild_store import FOLD_LOCK_KEY, FactRow

log = logging.getLogger("citygrid.assessment")
BATCH = 5_000
SETTLE_SECONDS = 1.0  # a write's fold waits this long for more commits to join it
_IN_CHUNK = 500  # ids per IN (…) list
YIELD_EVERY = 250  # cases folded between two turns of the event loop (~10-30 ms)
MAX_SHAPES = 16  # more distinct sets of moved counters than this: write whole rows

T = TypeVar("T")
FACT_TABLE: Table = AssessmentFactRow.__table__  # type: ignore[attr-defined]
CURSOR_TABLE: Table = AssessmentCursorRow.__table__  # type: ignore[attr-defined]
_READ = (  # the new events, as the driver gives them (no result processing per row)
    f"SELECT {LOGGED} FROM event_log WHERE seq > {{mark}} ORDER BY seq LIMIT {{mark}}"
)
_FACT_COLUMNS = ("case_id", "facts", "last_seq")
_KEY_COLUMNS = ("object_type", "object_id")


class Projector:
    def __init__(self, db: Database, tz: ZoneInfo, poll_interval: float = 1.0) -> None:
        self.db, self.tz, self.poll_interval = db, tz, poll_interval
        self._wake = asyncio.Event()
        self._upserts: dict[tuple[str, tuple[str, ...]], _Upsert] = {}
        self._shapes: dict[tuple[str, ...], tuple[str, ...]] = {}  # counters as met → sorted
        self._mark = "?" if db.is_sqlite else "%s"  # the driver's parameter marker
        self._read = _READ.format(mark=self._mark)
        self._urgent = asyncio.Event()  # a read is waiting for the figures: fold now
        self._task: asyncio.Task[None] | None = None
        self._day = LocalDays(tz)  # instant → local day, for the instants seen lately
        self._progress = asyncio.Event()  # replaced (after being set) whenever a batch commits

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="assessment-projector")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def notify(self, urgent: bool = False) -> None:
        """A write committed: fold it soon (``urgent``: a read waits for it, fold now)."""
        self._wake.set()
        if urgent:
            self._urgent.set()

    async def _run(self) -> None:
        while True:
            # Let the writes of the next moment gather: one fold for many commits, so the
            # projection holds the (SQLite: only) write lock about once a second, not once
            # per write, and pays its fixed cost per batch over many events. A read that
            # waits for the figures does not wait for the settle.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._urgent.wait(), SETTLE_SECONDS)
            self._urgent.clear()
            try:
                while True:
                    folded = await self.catch_up()
                    if folded:
                        self._advanced()
                    if folded < BATCH:
                        break
                    await asyncio.sleep(0)  # let requests run between batches
            except Exception:  # a failed batch rolled back; the next pass retries it
                log.exception("assessment projection batch failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    def _advanced(self) -> None:
        event, self._progress = self._progress, asyncio.Event()
        event.set()

    async def folded_through(self) -> int:
        """The last event seq the projection holds."""
        async with self.db.read() as session:
            cursor = await session.get(AssessmentCursorRow, 1)
        return cursor.seq if cursor is not None else 0

    async def wait_past(self, seq: int, within: float) -> int | None:
        """Wait until every event up to ``seq`` is folded; the cursor, or None on timeout.
        Another worker may be the one folding, so the cursor is read again at each of
        this worker's batches and at least every poll interval."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (through := await self.folded_through()) < seq:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            self.notify(urgent=True)
            progress = self._progress
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(progress.wait(), min(remaining, self.poll_interval))
        return through

    async def catch_up(self, limit: int = BATCH) -> int:
        """Fold up to ``limit`` new events; returns how many were folded."""
        async with self.db.write() as session:
            if not await self._exclusive(session):
                return 0
            cursor = await session.get(AssessmentCursorRow, 1)
            start = cursor.seq if cursor is not None else 0
            connection = await session.connection()
            rows = (await connection.exec_driver_sql(self._read, (start, limit))).all()
            if not rows:
                return 0
            events = list(logged_events(rows, self.db.is_sqlite))
            await self._fold(session, events)
            last = events[-1].seq
            if cursor is None:
                session.add(AssessmentCursorRow(id=1, seq=last))
            else:
                cursor.seq = last
            return len(events)

    async def rebuild(self) -> int:
        """Clear the projection and fold the whole log again; returns the events folded.
        One transaction holding the fold lock, folded in bulk (see :mod:`.rebuild`)."""
        folded = await asyncio.to_thread(rebuild_projection, self.db.url, self.tz)
        self._advanced()
        return folded

    async def _exclusive(self, session: AsyncSession, wait: bool = False) -> bool:
        if self.db.is_sqlite:
            return True  # BEGIN IMMEDIATE already holds the only write lock
        connection = await session.connection()
        if wait:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FOLD_LOCK_KEY})
            return True
        taken = await connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": FOLD_LOCK_KEY}
        )
        return bool(taken.scalar_one())

    async def _fold(self, session: AsyncSession, events: Sequence[LoggedEvent]) -> None:
        by_case: dict[int, list[LoggedEvent]] = defaultdict(list)
        for event in events:
            by_case[event.case_id].append(event)
        stored = await self._facts(session, list(by_case))
        change = new_change()
        rows: list[FactRow] = []
        for count, (case_id, case_events) in enumerate(by_case.items(), start=1):
            if count % YIELD_EVERY == 0:  # a backlog's batch: let requests run meanwhile
                await asyncio.sleep(0)
            old = stored.get(case_id)
            if old is not None:
                add_case(change, old, -1, self._day)
            new = fold(case_events, old)  # old's contributions are already taken out
            add_case(change, new, +1, self._day)
            rows.append((case_id, encode(new.to_json()), new.last_seq))
        await self._put_facts(session, rows)
        await self._put_days(session, change)

    async def _facts(self, session: AsyncSession, case_ids: list[int]) -> dict[int, CaseFacts]:
        found: dict[int, CaseFacts] = {}
        connection = await session.connection()
        for chunk in _chunks(case_ids):
            marks = ", ".join(self._mark for _ in chunk)
            sql = f"SELECT case_id, facts FROM assessment_fact WHERE case_id IN ({marks})"
            rows = await connection.exec_driver_sql(sql, tuple(chunk))
            # SQLite gives the facts as JSON text; PostgreSQL's driver has parsed them
            for case_id, facts in cast(list[tuple[int, Any]], rows.all()):
                found[case_id] = CaseFacts.from_json(
                    orjson.loads(facts) if isinstance(facts, str) else facts
                )
        return found

    def _insert(self) -> Any:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    async def _put_facts(self, session: AsyncSession, rows: list[FactRow]) -> None:
        """Upsert the facts rows (case id, facts as JSON text, last seq)."""
        if not rows:
            return
        connection = await session.connection()
        upsert = self._upserts.get(("facts", ()))
        if upsert is None:
            stmt = self._insert()(FACT_TABLE)
            stmt = stmt.on_conflict_do_update(
                index_elements=["case_id"],
                set_={"facts": stmt.excluded.facts, "last_seq": stmt.excluded.last_seq},
            )
            upsert = self._upserts[("facts", ())] = _Upsert.of(
                stmt, connection.dialect, _FACT_COLUMNS
            )
        await upsert.run(connection, rows)

    async def _put_days(self, session: AsyncSession, change: Change) -> None:
        """Add ``change`` to the day counters and to their months' counters."""
        days = by_object(change)
        await self._add_to(session, assessment_day, "day", days)
        await self._add_to(session, assessment_month, "month", by_month(days))

    async def _add_to(
        self,
        session: AsyncSession,
        table: Table,
        when: str,
        change: Mapping[DayKey, Mapping[str, float]],
    ) -> None:
        """Upsert ``change`` into ``table``. A batch of new events moves few counters, so the
        rows are grouped by the counters they move and each group's statement binds and sets
        only those (the others keep their value, or their default 0 on a new row); a batch
        that moves many different sets (a rebuild's) writes whole rows in one statement."""
        shapes: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for (at, kind, ident), counts in change.items():
            if 0 in counts.values():  # a case taken out and put back: leave out what is 0
                counts = {name: value for name, value in counts.items() if value}
                if not counts:
                    continue
            names = self._sorted(tuple(counts))
            shapes[names].append((at, kind, ident, *map(counts.__getitem__, names)))
        if len(shapes) > MAX_SHAPES:
            shapes = {
                COUNTER_COLUMNS: [
                    _whole(names, row) for names, rows in shapes.items() for row in rows
                ]
            }
        connection = await session.connection()
        for names, rows in shapes.items():
            await self._upsert(connection.dialect, table, when, names).run(connection, rows)

    def _sorted(self, met: tuple[str, ...]) -> tuple[str, ...]:
        """The counters a row moves, in one order whatever order they were met in."""
        names = self._shapes.get(met)
        if names is None:
            names = self._shapes[met] = tuple(sorted(met))
        return names

    def _upsert(self, dialect: Dialect, table: Table, when: str, names: tuple[str, ...]) -> _Upsert:
        """The upsert that adds ``names`` to a row of ``table``, compiled once per shape and
        run through the driver as it is (no statement to build, key or look up per batch)."""
        key = (table.name, names)
        upsert = self._upserts.get(key)
        if upsert is None:
            stmt = self._insert()(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[when, *_KEY_COLUMNS],
                set_={name: table.c[name] + stmt.excluded[name] for name in names},
            )
            upsert = self._upserts[key] = _Upsert.of(stmt, dialect, (when, *_KEY_COLUMNS, *names))
        return upsert


_ZERO_ROW = tuple(0 for _ in COUNTER_COLUMNS)
_COUNTER_INDEX = {name: i for i, name in enumerate(COUNTER_COLUMNS)}


def _whole(names: tuple[str, ...], row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row of the counters ``names`` as a row of every counter (the others 0)."""
    counters = list(_ZERO_ROW)
    for name, value in zip(names, row[3:], strict=True):
        counters[_COUNTER_INDEX[name]] = value
    return (*row[:3], *counters)


@dataclass(frozen=True)
class _Upsert:
    """A compiled statement run through the driver with rows given as tuples of
    ``columns``: SQLite's ``?`` binds them in its own order, PostgreSQL's named binds."""

    sql: str
    columns: tuple[str, ...]
    order: tuple[int, ...] | None  # SQLite: the row's positions in bind order

    @classmethod
    def of(cls, stmt: Any, dialect: Dialect, columns: tuple[str, ...]) -> _Upsert:
        compiled = cast(SQLCompiler, stmt.compile(dialect=dialect, column_keys=list(columns)))
        binds = compiled.positiontup
        order = None if binds is None else tuple(columns.index(name) for name in binds)
        return cls(compiled.string, columns, order)

    async def run(self, connection: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        if self.order is None:
            await connection.exec_driver_sql(
                self.sql, [dict(zip(self.columns, row, strict=True)) for row in rows]
            )
        elif self.order == tuple(range(len(self.columns))):
            await connection.exec_driver_sql(self.sql, list(rows))
        else:
            order = self.order
            await connection.exec_driver_sql(
                self.sql, [tuple(row[i] for i in order) for row in rows]
            )


def _chunks(items: Iterable[T], size: int = _IN_CHUNK) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
