"""The append-only event log and its fan-out to stream subscribers.

Writing: :func:`append_event` runs inside the transaction that changes the case.
On PostgreSQL it first takes a transaction-scoped advisory lock, so event seqs
commit in seq order (otherwise a reader following ``seq > last`` could skip a
slow transaction's row), and it sends ``NOTIFY`` with only the seq.  On SQLite
the single writer gives the same guarantee.

Reading: one :class:`Broadcaster` per worker tails the table — woken in-process
after a local commit, by LISTEN for other workers' commits, and by a slow poll as
a safety net — keeps a ring of recent events pre-encoded as JSON, and hands them
to every subscriber that may see them.  The table is the truth; NOTIFY is only a
wake-up.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.config import Settings
from backend.core.db import Database
from backend.models import CaseRow, EventRow
from backend.services.access import Actor
from backend.services.reference import Reference
from backend.services.views import event_wire
from backend_client.vocab import Action
from backend_client.wire import Resync

log = logging.getLogger("citygrid.events")

NOTIFY_CHANNEL = "citygrid_events"
APPEND_LOCK_KEY = 47_678_0005  # any constant; names the event-append critical section


async def append_event(
    session: AsyncSession,
    db: Database,
    *,
    case: CaseRow,
    actor: Actor,
    action: Action,
    data: dict[str, Any],
    at: datetime,
    prev_department_id: int | None,
) -> EventRow:
    if not db.is_sqlite:
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
    assert case.id is not None
    row = EventRow(
        case_id=case.id,
        serial=case.serial,
        action=action.value,
        actor_id=actor.id,
        actor_name=actor.display_name,
        actor_role=actor.role.value,
        at=at,
        data=data,
        grid_code=case.grid_code,
        department_id=case.department_id,
        prev_department_id=prev_department_id,
    )
    session.add(row)
    await session.flush()
    if not db.is_sqlite:
        await session.execute(
            text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": str(row.seq)}
        )
    return row


async def head_seq(session: AsyncSession) -> int:
    value = (await session.exec(select(func.max(EventRow.seq)))).one()
    return int(value or 0)


@dataclass(frozen=True)
class Published:
    seq: int
    action: str
    grid_code: str
    department_id: int | None
    prev_department_id: int | None
    json: str  # the wire Event, encoded once per worker

    def visible_to(self, actor: Actor) -> bool:
        return actor.sees_event(self.grid_code, self.department_id, self.prev_department_id)


@dataclass(frozen=True)
class Ping:
    pass


StreamItem = Published | Resync | Ping


def publish(row: EventRow, case: CaseRow, ref: Reference) -> Published:
    return Published(
        seq=row.seq or 0,
        action=row.action,
        grid_code=row.grid_code,
        department_id=row.department_id,
        prev_department_id=row.prev_department_id,
        json=event_wire(row, case, ref).model_dump_json(),
    )


def events_after(after: int, limit: int) -> Any:
    """Events with their case's current row, in seq order."""
    return (
        select(EventRow, CaseRow)
        .join(CaseRow, col(CaseRow.id) == col(EventRow.case_id))
        .where(col(EventRow.seq) > after)
        .order_by(col(EventRow.seq))
        .limit(limit)
    )


class Broadcaster:
    FETCH_BATCH = 1000

    def __init__(self, db: Database, ref: Reference, settings: Settings) -> None:
        self._db = db
        self._ref = ref
        self._settings = settings
        self._seqs: list[int] = []
        self._ring: list[Published] = []
        self.head_seq = 0
        self._changed = asyncio.Condition()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        async with self._db.read() as session:
            self.head_seq = await head_seq(session)
        self._tasks.append(asyncio.create_task(self._pump(), name="event-pump"))
        if not self._db.is_sqlite:
            self._tasks.append(asyncio.create_task(self._listen(), name="event-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def poke(self) -> None:
        """Something was committed: look for new events now."""
        self._wake.set()

    async def _pump(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.stream_poll_interval)
            self._wake.clear()
            try:
                await self._fetch_new()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event pump failed; retrying")
                await asyncio.sleep(1.0)

    async def _fetch_new(self) -> None:
        while True:
            async with self._db.read() as session:
                rows = (await session.exec(events_after(self.head_seq, self.FETCH_BATCH))).all()
            if not rows:
                return
            for row, case in rows:
                item = publish(row, case, self._ref)
                self._seqs.append(item.seq)
                self._ring.append(item)
            self._trim()
            self.head_seq = self._seqs[-1]
            async with self._changed:
                self._changed.notify_all()
            if len(rows) < self.FETCH_BATCH:
                return

    def _trim(self) -> None:
        size = self._settings.stream_ring_size
        if len(self._ring) > 2 * size:
            del self._ring[:-size]
            del self._seqs[:-size]

    async def _listen(self) -> None:
        import psycopg

        dsn = make_url(self._db.url).set(drivername="postgresql").render_as_string(False)
        backoff = 1.0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.poke()  # catch up on anything committed while not listening
                    backoff = 1.0
                    async for _ in conn.notifies():
                        self.poke()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN connection lost (%s); reconnecting in %.0fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _read_range(self, after: int, limit: int) -> list[Published]:
        async with self._db.read() as session:
            rows = (await session.exec(events_after(after, limit))).all()
        return [publish(row, case, self._ref) for row, case in rows]

    async def stream(self, actor: Actor, after: int | None) -> AsyncIterator[StreamItem]:
        """Every event after ``after`` that ``actor`` may see, in seq order, forever.

        ``after=None`` means "from now".  A client too far behind gets one ``Resync``
        and continues from the head; it reloads its snapshot and drops the duplicates.
        """
        cursor = self.head_seq if after is None else after
        if self.head_seq - cursor > self._settings.stream_max_backlog:
            yield Resync(reason="too far behind", head_seq=self.head_seq)
            cursor = self.head_seq
        while True:
            ring_start = self._seqs[0] if self._seqs else self.head_seq + 1
            if cursor + 1 < ring_start and cursor < self.head_seq:
                batch = await self._read_range(cursor, 500)
                if not batch:
                    yield Resync(reason="events no longer kept", head_seq=self.head_seq)
                    cursor = self.head_seq
                    continue
                for item in batch:
                    if item.visible_to(actor):
                        yield item
                cursor = batch[-1].seq
                continue
            start = bisect.bisect_right(self._seqs, cursor)
            fresh = self._ring[start:]
            if fresh:
                for item in fresh:
                    if item.visible_to(actor):
                        yield item
                cursor = fresh[-1].seq
                continue
            if not await self._wait_beyond(cursor):
                yield Ping()

    async def _wait_beyond(self, cursor: int) -> bool:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.head_seq > cursor),
                    self._settings.ping_interval,
                )
            except TimeoutError:
                return False
        return True
