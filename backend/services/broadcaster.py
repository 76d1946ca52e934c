"""The stream's fan-out: one :class:`Broadcaster` per worker.

It tails the event table — woken in-process after a local commit, by LISTEN for other
workers' commits, and by a slow poll as a safety net — keeps a ring of recent events
pre-encoded as SSE frames, and hands them to every subscriber that may see them.  The
table is the truth; NOTIFY is only a wake-up.

Seq gaps are harmless by design.  On PostgreSQL the seq comes from a sequence, and a
transaction that rolls back (a refused action, a crash) has burnt its value, so the
log has gaps.  Nothing treats a gap as loss: readers ask for ``seq > last``, the
advisory lock makes every committed seq visible before any later one, the ring
takes a local commit whose predecessor never arrives by reading the table, and
clients only compare seqs (``tests/api/test_stream.py::test_a_seq_gap_is_not_a_loss``).

Catch-up is cheap for the rest of the server: it reads ``BLOCK`` seqs at a time,
filtered by scope in SQL and shared by clients of the same scope, encodes an event only
when it is sent (once per worker, shared through a :class:`BoundedCache`), writes at
most ``CHUNK_BYTES`` at a time and lets other requests run between steps.  A client
more than ``stream_max_backlog`` behind, or ahead of the log, gets ``resync`` and its
stream ends.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from typing import Any, Generic, TypeVar

from sqlmodel import col, select

from backend.core.config import Settings
from backend.core.db import Database
from backend.models import CaseRow, EventRow
from backend.services.access import Actor, Sight
from backend.services.events import (
    NOTIFY_CHANNEL,
    ahead_resync,
    events_after,
    head_seq,
    sight_columns,
)
from backend.services.reference import Reference
from backend.services.sse import (
    PING,
    Published,
    chunks,
    gone_frame,
    publish,
    resync_frame,
    sight_of,
)
from backend_client.wire import Resync

log = logging.getLogger("citygrid.events")
K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Least recently used entries go first once their weights pass ``budget``."""

    def __init__(self, budget: int, weigh: Callable[[V], int]) -> None:
        self.budget = budget
        self.size = 0
        self._weigh = weigh
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if key in self._items:
            return
        self._items[key] = value
        self.size += self._weigh(value)
        while self.size > self.budget and self._items:
            _, old = self._items.popitem(last=False)
            self.size -= self._weigh(old)


def scope_key(actor: Actor) -> tuple[str, int | None]:
    """Actors with equal keys get the same rows from :func:`event_scope`."""
    return actor.scope_prefix, actor.department_id if actor.is_handler else None


class Broadcaster:
    """Per-worker fan-out.  Local commits hand their events over directly (``offer``);
    the pump reads the table for everything else (other workers, gaps, restarts)."""

    FETCH_BATCH = 200  # events the pump reads (and encodes) at a time
    READ_RETRY_S = 1.0  # the pump's pause after a failed read, before it reads again
    BLOCK = 200  # seqs per catch-up read from the table
    ENCODE_BATCH = 10  # events encoded between turns for other requests
    RING_BATCH = 256  # events per step through the ring
    CHUNK_BYTES = 64 * 1024  # the most one write to a client carries (unless one frame is more)
    FRAME_CACHE_BYTES = 32 * 1024 * 1024
    BLOCK_CACHE_ROWS = 100_000

    def __init__(self, db: Database, ref: Reference, settings: Settings) -> None:
        self._db = db
        self._ref = ref
        self._settings = settings
        self._seqs: list[int] = []
        self._ring: list[Published] = []
        self._pending: dict[int, Published] = {}
        self._frames: BoundedCache[tuple[int, int], bytes] = BoundedCache(
            self.FRAME_CACHE_BYTES, len
        )
        self._blocks: BoundedCache[tuple[tuple[str, int | None], int, int], list[Any]] = (
            BoundedCache(self.BLOCK_CACHE_ROWS, len)
        )
        self._catchup = asyncio.Semaphore(1)  # table reads for catching-up clients
        self.head_seq = 0
        self._news = asyncio.Event()  # replaced by a fresh one each time the head moves
        self._wake = asyncio.Event()
        self._must_read = False  # a wake-up that needs the table whatever the head says
        self._notified_upto = 0  # the highest seq a NOTIFY has announced
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
        self._must_read = True
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
            try:
                async with asyncio.timeout(self._settings.stream_poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                self._must_read = True
            self._wake.clear()
            if not self._needs_read():
                continue
            try:
                await self._fetch_new()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event pump failed; retrying")
                self._must_read = True  # the next turn reads again, whatever wakes it
                await asyncio.sleep(self.READ_RETRY_S)

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
            await asyncio.sleep(0)  # a burst from other workers: let requests in between

    def _needs_read(self) -> bool:
        """Whether the pump's wake-up needs the table (and forget the reason): not when
        every event a NOTIFY announced was offered meanwhile by this worker."""
        needed = self._must_read or self.head_seq < self._notified_upto
        self._must_read = False
        return needed

    def _trim(self) -> None:
        size = self._settings.stream_ring_size
        if len(self._ring) > 2 * size:
            del self._ring[:-size]
            del self._seqs[:-size]

    async def _listen(self) -> None:
        await self._db.listen(NOTIFY_CHANNEL, self._notified)

    def _notified(self, payload: str | None) -> None:
        """A NOTIFY carries the seq of the event committed.  Seqs commit in order, so one
        at or below the head is already in the ring: no read.  One above wakes the pump,
        which reads only if this worker has not offered it by the time the pump runs
        (its own commit's hand-off often lands between the two)."""
        if payload is None or not payload.isdigit():
            self.poke()  # (re)connected, or a NOTIFY of unknown form: read the table
            return
        seq = int(payload)
        if seq > self.head_seq:
            self._notified_upto = max(self._notified_upto, seq)
            self._wake.set()

    async def _read_range(self, actor: Actor, after: int, upto: int) -> tuple[list[bytes], int]:
        """The frames ``actor`` receives of events in (after, upto], up to the end of
        ``after``'s block of ``BLOCK`` seqs, and the seq read to.

        What decides sight is read per block, filtered by scope in SQL, and shared by
        every client of the same scope; an event is encoded only when someone receives
        it, once per worker (:attr:`_frames`).  One client at a time reads (the rest
        wait their turn and then find the work done), each turn is followed by a pause
        as long, and encoding goes in small slices with a turn for other requests after
        each."""
        first = after // self.BLOCK * self.BLOCK
        upper = min(first + self.BLOCK, upto)
        async with self._catchup:
            started = time.perf_counter()
            key = (scope_key(actor), first, upper)
            block = self._blocks.get(key)
            if block is None:
                async with self._db.read() as session:
                    stmt = sight_columns(first, upper, actor, self.BLOCK)
                    block = list((await session.exec(stmt)).all())
                if upper == first + self.BLOCK:  # a whole block of committed seqs: final
                    self._blocks.put(key, block)
            rows = [r for r in block if r.seq > after]
            sights = [sight_of(actor, r, r.case_grid_code, r.case_department_id) for r in rows]
            hits: dict[int, bytes] = {}
            missing: list[int] = []
            for r, sight in zip(rows, sights, strict=True):
                if sight is Sight.FULL:
                    hit = self._frames.get((r.seq, r.version))
                    if hit is None:
                        missing.append(r.seq)
                    else:
                        hits[r.seq] = hit
            fresh: dict[int, Published] = {}
            for i in range(0, len(missing), self.ENCODE_BATCH):
                stmt = (
                    select(EventRow, CaseRow)
                    .join(CaseRow, col(CaseRow.id) == col(EventRow.case_id))
                    .where(col(EventRow.seq).in_(missing[i : i + self.ENCODE_BATCH]))
                )
                async with self._db.read() as session:
                    pairs = (await session.exec(stmt)).all()
                for row, case in pairs:
                    item = publish(row, case, self._ref)
                    fresh[item.seq] = item
                    self._frames.put((item.seq, case.version), item.frame)
                await asyncio.sleep(0)
            # Hold the turn as long again: catch-up takes at most about half the worker.
            await asyncio.sleep(time.perf_counter() - started)
        frames: list[bytes] = []
        for r, sight in zip(rows, sights, strict=True):
            frame: bytes | None = None
            if r.seq in fresh:  # judged again on the row it carries (it may have moved)
                frame = fresh[r.seq].frame_for(actor)
            elif sight is Sight.FULL:
                frame = hits.get(r.seq)  # None only if the event vanished between the reads
            elif sight is Sight.GONE:
                frame = gone_frame(r.seq, r.serial)
            if frame is not None:
                frames.append(frame)
        return frames, upper

    async def stream(self, actor: Actor, after: int | None) -> AsyncGenerator[bytes, None]:
        """SSE bytes for every event after ``after`` that ``actor`` may see, in seq
        order, forever, in writes of at most ``CHUNK_BYTES``; between steps other
        requests get their turn.

        ``after=None`` means "from now".  A client too far behind, or ahead of the log
        (a restored database), gets one ``resync`` and the stream ends: it reloads its
        snapshot and reconnects from the resync's ``head_seq``.
        """
        cursor = self.head_seq if after is None else after
        if cursor > self.head_seq:
            async with self._db.read() as session:
                table_head = await head_seq(session)  # this worker's ring may lag the table
            if cursor > table_head:
                yield resync_frame(ahead_resync(table_head))
                return
            self.poke()
        while True:
            if self.head_seq - cursor > self._settings.stream_max_backlog:
                yield resync_frame(Resync(reason="too far behind", head_seq=self.head_seq))
                return
            ring_start = self._seqs[0] if self._seqs else self.head_seq + 1
            if cursor + 1 < ring_start and cursor < self.head_seq:
                frames, cursor = await self._read_range(
                    actor, cursor, min(ring_start - 1, self.head_seq)
                )
            else:
                start = bisect.bisect_right(self._seqs, cursor)
                step = self._ring[start : start + self.RING_BATCH]
                if not step:
                    news = self._news
                    try:
                        async with asyncio.timeout(self._settings.ping_interval):
                            await news.wait()
                    except TimeoutError:
                        yield PING
                    continue
                cursor = step[-1].seq
                frames = [f for f in (i.frame_for(actor) for i in step) if f is not None]
            for chunk in chunks(frames, self.CHUNK_BYTES):
                yield chunk
            await asyncio.sleep(0)  # let other requests in between steps
