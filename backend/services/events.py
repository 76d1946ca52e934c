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
    outbox: Outbox | None = None,
) -> EventRow:
    if not db.is_sqlite:
        connection = await session.connection()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK_KEY})
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
        await (await session.connection()).execute(
            text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": str(row.seq)}
        )
    if outbox is not None:
        outbox.add(row, case)
    return row


class Outbox:
    """Events written by one transaction, encoded for the stream once it commits."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.items: list[Published] = []

    def add(self, row: EventRow, case: CaseRow) -> None:
        self.items.append(publish(row, case, self.ref))


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
    frame: bytes  # the whole SSE frame (id, event, data), encoded once per worker

    def visible_to(self, actor: Actor) -> bool:
        return actor.sees_event(self.grid_code, self.department_id, self.prev_department_id)


PING = b": ping\n\n"


def sse_frame(seq: int, event: str, data: str) -> bytes:
    return f"id: {seq}\nevent: {event}\ndata: {data}\n\n".encode()


def publish(row: EventRow, case: CaseRow, ref: Reference) -> Published:
    seq = row.seq or 0
    return Published(
        seq=seq,
        action=row.action,
        grid_code=row.grid_code,
        department_id=row.department_id,
        prev_department_id=row.prev_department_id,
        frame=sse_frame(seq, row.action, event_wire(row, case, ref).model_dump_json()),
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
    """Per-worker fan-out.  Local commits hand their events over directly (``offer``);
    the pump reads the table for everything else (other workers, gaps, restarts)."""

    FETCH_BATCH = 1000

    def __init__(self, db: Database, ref: Reference, settings: Settings) -> None:
        self._db = db
        self._ref = ref
        self._settings = settings
        self._seqs: list[int] = []
        self._ring: list[Published] = []
        self._pending: dict[int, Published] = {}
        self.head_seq = 0
        self._news = asyncio.Event()  # replaced by a fresh one each time the head moves
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
        """Something was committed elsewhere: look for new events now."""
        self._wake.set()

    def offer(self, items: list[Published]) -> None:
        """Events this worker just committed.  Taken in seq order; a gap (another
        worker's commit, or a commit whose hand-off comes later) is read from the table."""
        for item in items:
            if item.seq > self.head_seq:
                self._pending[item.seq] = item
        moved = False
        while self.head_seq + 1 in self._pending:
            self._append(self._pending.pop(self.head_seq + 1))
            moved = True
        if moved:
            self._announce()
        if self._pending:
            self.poke()

    def _append(self, item: Published) -> None:
        self._seqs.append(item.seq)
        self._ring.append(item)
        self.head_seq = item.seq

    def _announce(self) -> None:
        self._trim()
        news, self._news = self._news, asyncio.Event()
        news.set()

    async def _pump(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.stream_poll_interval):
                    await self._wake.wait()
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
            moved = False
            for row, case in rows:
                seq = row.seq or 0
                if seq <= self.head_seq:
                    continue  # handed over directly while we were reading
                item = self._pending.pop(seq, None) or publish(row, case, self._ref)
                self._append(item)
                moved = True
            for seq in [s for s in self._pending if s <= self.head_seq]:
                del self._pending[seq]
            if moved:
                self._announce()
            if len(rows) < self.FETCH_BATCH:
                return

    def _trim(self) -> None:
        size = self._settings.stream_ring_size
        if len(self._ring) > 2 * size:
            del self._ring[:-size]
            del self._seqs[:-size]

    async def _listen(self) -> None:
        await self._db.listen(NOTIFY_CHANNEL, self.poke)

    async def _read_range(self, after: int, limit: int) -> list[Published]:
        async with self._db.read() as session:
            rows = (await session.exec(events_after(after, limit))).all()
        return [publish(row, case, self._ref) for row, case in rows]

    async def stream(self, actor: Actor, after: int | None) -> AsyncIterator[bytes]:
        """SSE bytes for every event after ``after`` that ``actor`` may see, in seq
        order, forever: one write per wake-up however many events it carries.

        ``after=None`` means "from now".  A client too far behind gets one ``resync``
        and continues from the head; it reloads its snapshot and drops the duplicates.
        """
        cursor = self.head_seq if after is None else after
        if self.head_seq - cursor > self._settings.stream_max_backlog:
            yield _resync("too far behind", self.head_seq)
            cursor = self.head_seq
        while True:
            ring_start = self._seqs[0] if self._seqs else self.head_seq + 1
            if cursor + 1 < ring_start and cursor < self.head_seq:
                batch = await self._read_range(cursor, 500)
                if not batch:
                    yield _resync("events no longer kept", self.head_seq)
                    cursor = self.head_seq
                    continue
                chunk = b"".join(i.frame for i in batch if i.visible_to(actor))
                cursor = batch[-1].seq
                if chunk:
                    yield chunk
                continue
            start = bisect.bisect_right(self._seqs, cursor)
            fresh = self._ring[start:]
            if fresh:
                cursor = fresh[-1].seq
                chunk = b"".join(i.frame for i in fresh if i.visible_to(actor))
                if chunk:
                    yield chunk
                continue
            news = self._news
            try:
                async with asyncio.timeout(self._settings.ping_interval):
                    await news.wait()
            except TimeoutError:
                yield PING


def _resync(reason: str, head: int) -> bytes:
    return sse_frame(head, "resync", Resync(reason=reason, head_seq=head).model_dump_json())
