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
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Dialect, Table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col, select
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
    EventRow,
    assessment_day,
    assessment_month,
)
from backend.models.assessment import COUNTER_COLUMNS
from backend.models.jsontypes import plain_json
from backend.services.assessment.rebuild import rebuild as rebuild_projection
from backend.services.assessment.rebuild_store import FOLD_LOCK_KEY

log = logging.getLogger("citygrid.assessment")
BATCH = 5_000
SETTLE_SECONDS = 1.0  # a write's fold waits this long for more commits to join it
_IN_CHUNK = 500  # ids per IN (…) list
YIELD_EVERY = 250  # cases folded between two turns of the event loop (~10-30 ms)
MAX_SHAPES = 16  # more distinct sets of moved counters than this: write whole rows

T = TypeVar("T")
FACT_TABLE: Table = AssessmentFactRow.__table__  # type: ignore[attr-defined]
CURSOR_TABLE: Table = AssessmentCursorRow.__table__  # type: ignore[attr-defined]
LOGGED_COLUMNS = tuple(  # the event_log columns a LoggedEvent holds, in its field order
    plain_json(EventRow.data) if name == "data" else col(getattr(EventRow, name))
    for name in (
        "seq",
        "case_id",
        "action",
        "actor_id",
        "actor_role",
        "at",
        "data",
        "grid_code",
        "department_id",
        "prev_department_id",
    )
)  # fmt: skip  (the fold reads data as the plain JSON object, not as models)


class Projector:
    def __init__(self, db: Database, tz: ZoneInfo, poll_interval: float = 1.0) -> None:
        self.db, self.tz, self.poll_interval = db, tz, poll_interval
        self._wake = asyncio.Event()
        self._upserts: dict[tuple[str, tuple[str, ...]], SQLCompiler] = {}
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
            rows = (
                await (await session.connection()).execute(
                    select(*LOGGED_COLUMNS)
                    .where(col(EventRow.seq) > start)
                    .order_by(col(EventRow.seq))
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            events = [LoggedEvent(*row) for row in rows]  # plain rows: no ORM objects
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
        rows: list[dict[str, Any]] = []
        for count, (case_id, case_events) in enumerate(by_case.items(), start=1):
            if count % YIELD_EVERY == 0:  # a backlog's batch: let requests run meanwhile
                await asyncio.sleep(0)
            old = stored.get(case_id)
            if old is not None:
                add_case(change, old, -1, self._day)
            new = fold(case_events, old)  # old's contributions are already taken out
            add_case(change, new, +1, self._day)
            rows.append({"case_id": case_id, "facts": new.to_json(), "last_seq": new.last_seq})
        await self._put_facts(session, rows)
        await self._put_days(session, change)

    async def _facts(self, session: AsyncSession, case_ids: list[int]) -> dict[int, CaseFacts]:
        found: dict[int, CaseFacts] = {}
        connection = await session.connection()
        for chunk in _chunks(case_ids):
            rows = await connection.execute(
                select(col(AssessmentFactRow.case_id), col(AssessmentFactRow.facts)).where(
                    col(AssessmentFactRow.case_id).in_(chunk)
                )
            )
            for case_id, facts in rows.all():  # plain rows: no ORM objects
                found[case_id] = CaseFacts.from_json(facts)
        return found

    def _insert(self) -> Any:
        return sqlite_insert if self.db.is_sqlite else pg_insert

    async def _put_facts(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        stmt = self._insert()(FACT_TABLE)
        stmt = stmt.on_conflict_do_update(
            index_elements=["case_id"],
            set_={"facts": stmt.excluded.facts, "last_seq": stmt.excluded.last_seq},
        )
        await (await session.connection()).execute(stmt, rows)

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
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for (at, kind, ident), counts in change.items():
            names = tuple(sorted(name for name, value in counts.items() if value))
            if names:
                row = {when: at, "object_type": kind, "object_id": ident}
                shapes[names].append(row | {name: counts[name] for name in names})
        if len(shapes) > MAX_SHAPES:
            zero = dict.fromkeys(COUNTER_COLUMNS, 0)
            shapes = {COUNTER_COLUMNS: [zero | row for rows in shapes.values() for row in rows]}
        connection = await session.connection()
        for names, rows in shapes.items():
            compiled = self._upsert(connection.dialect, table, when, names)
            if compiled.positiontup is not None:  # SQLite's ?: the values in bind order
                order = compiled.positiontup
                await connection.exec_driver_sql(
                    compiled.string, [tuple(row[name] for name in order) for row in rows]
                )
            else:
                await connection.exec_driver_sql(compiled.string, rows)

    def _upsert(
        self, dialect: Dialect, table: Table, when: str, names: tuple[str, ...]
    ) -> SQLCompiler:
        """The upsert that adds ``names`` to a row of ``table``, compiled once per shape and
        run through the driver as it is (no statement to build, key or look up per batch)."""
        key = (table.name, names)
        compiled = self._upserts.get(key)
        if compiled is None:
            stmt = self._insert()(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[when, "object_type", "object_id"],
                set_={name: table.c[name] + stmt.excluded[name] for name in names},
            )
            compiled = cast(
                SQLCompiler,
                stmt.compile(
                    dialect=dialect, column_keys=[when, "object_type", "object_id", *names]
                ),
            )
            self._upserts[key] = compiled
        return compiled


def _chunks(items: Iterable[T], size: int = _IN_CHUNK) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
