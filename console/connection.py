"""The console's link to the centre: snapshot first, then the stream from ``as_of_seq``.

The snapshot is ``GET /cases/snapshot``: every open case, streamed in batches from one
database snapshot; each batch is decoded in a worker thread and posted as it arrives, so
the most urgent page paints first and the rest fills in without blocking the UI.

On ``resync`` it reloads the snapshot; the stream's own reconnects resume with
``Last-Event-ID``, so a server restart loses nothing.  Events are batched per
event-loop turn so a burst costs the UI one repaint.

A refused token (401, at any step) ends the link: retrying cannot help until the
operator has a new token, so the console says so (:class:`TokenRefused`) and keeps the
last view on screen.  Any other failure is retried with the follower's backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import AsyncGenerator, Callable, Iterator
from datetime import UTC, datetime

from textual.message import Message

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError, ProtocolError, Unauthorized, Unavailable
from backend_client.events import (
    BACKOFF_MAX,
    DEFAULT_RETRY,
    EventFollower,
    ResyncNeeded,
    StreamState,
    backoff_delay,
)
from backend_client.snapshot import (
    SNAPSHOT_COLUMNS,
    SNAPSHOT_PATH,
    SnapshotEnd,
    SnapshotHead,
    parse_line,
    snapshot_lines,
)
from backend_client.wire import CaseGone, Event, FeedItem, Me
from console.localtime import use_zone
from console.messages import CaseEvents, LinkChanged, LoadFailed, SnapshotLoaded, TokenRefused
from console.rows import QueueRow

PAGE = 500  # callbacks due per page, after the snapshot of open cases

READ_AHEAD = 4  # snapshot lines (batches of up to 5,000 rows) read ahead of the decoding
SKEW = "The server's snapshot has other columns (is it the same citygrid version?)."
BATCH_WINDOW = 0.05  # seconds to gather a burst of events into one UI update


async def run_link(
    client: CitygridClient,
    post: Callable[[Message], object],
    *,
    rng: random.Random | None = None,
) -> None:
    """Load the snapshot (the console paints its first batch), follow, reload on resync.

    Returns only when the server refuses the token (after posting :class:`TokenRefused`).
    """
    rng = rng or random.Random()
    failures = 0
    while True:
        try:
            offset, server_time = await client.measure_clock()
            use_zone(server_time.timezone)
            me = await client.me()
            as_of = await _load_snapshot(client, me, offset, post)
            failures = 0
            await _follow(EventFollower(client, after=as_of), post)
        except Unauthorized as exc:
            post(TokenRefused(str(exc)))
            return
        except CitygridError as exc:
            # Unreachable, or an answer the follower does not retry (403, 404...): say so
            # once per outage, then load the snapshot again after the usual backoff.
            wait = backoff_delay(DEFAULT_RETRY, failures, BACKOFF_MAX, rng)
            if failures == 0:
                post(LoadFailed(str(exc)))
            failures += 1
            post(LinkChanged("offline", wait, datetime.now(UTC), str(exc)))
            await asyncio.sleep(wait)


def _decode(line: bytes) -> SnapshotHead | SnapshotEnd | list[QueueRow]:
    """One snapshot line, in a worker thread: a batch becomes queue rows there, so the UI
    thread only takes them into the model."""
    item = parse_line(line)
    if isinstance(item, list):
        return [QueueRow.from_values(values) for values in item]
    return item


async def _read_ahead(lines: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """The lines, with up to ``READ_AHEAD`` more read while one is being decoded, so the
    server keeps sending instead of waiting for the console."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()  # bounded by ``room``
    room = asyncio.Semaphore(READ_AHEAD)

    async def read() -> None:
        try:
            async with contextlib.aclosing(lines):
                async for line in lines:
                    await room.acquire()
                    queue.put_nowait(line)
        finally:
            queue.put_nowait(None)  # the end, or a failure that ``await reader`` raises

    reader = asyncio.create_task(read())
    try:
        while (line := await queue.get()) is not None:
            room.release()
            yield line
        await reader
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def _load_snapshot(
    client: CitygridClient, me: Me, offset: float, post: Callable[[Message], object]
) -> int:
    """Every open case, most urgent first, from one database snapshot; returns its
    ``as_of_seq`` (the stream resumes there and misses nothing).  Each batch is decoded
    off the event loop and posted as it comes: the first paints at once."""
    with collector_paused():
        return await _load_batches(client, me, offset, post)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a snapshot loads.  A load makes hundreds of
    thousands of rows, times and keys that all stay alive and hold no reference cycles:
    the collector's passes over the growing heap found nothing, and were a sixth of the
    console's CPU from start to 100,000 cases loaded.  Back on when the load ends,
    completed or failed."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


async def _load_batches(
    client: CitygridClient, me: Me, offset: float, post: Callable[[Message], object]
) -> int:
    as_of: int | None = None
    first = True
    count = 0
    async with contextlib.aclosing(_read_ahead(snapshot_lines(client.http))) as lines:
        async for line in lines:
            item = await asyncio.to_thread(_decode, line)
            if isinstance(item, SnapshotHead):
                if item.columns != list(SNAPSHOT_COLUMNS):
                    raise ProtocolError(SKEW)
                as_of = item.as_of_seq
            elif as_of is None:
                raise ProtocolError(f"{SNAPSHOT_PATH}: rows before the head line.")
            elif isinstance(item, SnapshotEnd):
                if item.count != count:
                    raise ProtocolError(
                        f"{SNAPSHOT_PATH}: {count} rows, the end says {item.count}."
                    )
                post(SnapshotLoaded([], as_of, me, offset, first=first, last=False))
                await _load_callbacks(client, me, offset, as_of, post)
                return as_of
            else:
                count += len(item)
                post(SnapshotLoaded(item, as_of, me, offset, first=first, last=False))
                first = False
    raise Unavailable(f"{SNAPSHOT_PATH}: the answer was cut off before its end.")


async def _load_callbacks(
    client: CitygridClient, me: Me, offset: float, as_of: int, post: Callable[[Message], object]
) -> None:
    """The closed cases whose callback (回访) is due, after the open ones: read after the
    snapshot, so a page may be newer than ``as_of``; the events in between then arrive
    again from the stream and are ignored by version."""
    cursor: str | None = None
    while True:
        page = await client.cases(
            state="closed", stage="callback", sort="deadline", limit=PAGE, cursor=cursor
        )
        rows = [QueueRow.from_summary(item) for item in page.items]
        cursor = page.next_cursor
        post(SnapshotLoaded(rows, as_of, me, offset, first=False, last=cursor is None))
        if cursor is None:
            return


async def _follow(follower: EventFollower, post: Callable[[Message], object]) -> None:
    """Forward events in small batches; returns when the server asked for a resync.
    Raises what the follower does not retry (a refused token, a 4xx answer)."""
    batch: list[FeedItem] = []
    flush_task: asyncio.Task[None] | None = None

    async def flush_later() -> None:
        await asyncio.sleep(BATCH_WINDOW)
        flush()

    def flush() -> None:
        nonlocal batch
        if batch:
            post(CaseEvents(batch))
            batch = []

    try:
        async for item in follower.items():
            if isinstance(item, Event | CaseGone):
                batch.append(item)
                if flush_task is None or flush_task.done():
                    flush_task = asyncio.create_task(flush_later())
            elif isinstance(item, ResyncNeeded):
                flush()
                return
            elif isinstance(item, StreamState):
                flush()
                post(LinkChanged(item.state, item.retry_in, item.since, item.error))
    finally:
        if flush_task is not None:
            flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flush_task
        flush()
