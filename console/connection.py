"""The console's link to the centre: snapshot first, then the stream from ``as_of_seq``.

On ``resync`` it reloads the snapshot; the stream's own reconnects resume with
``Last-Event-ID``, so a server restart loses nothing.  Events are batched per
event-loop turn so a burst costs the UI one repaint.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from textual.message import Message

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError
from backend_client.events import EventFollower, ResyncNeeded, StreamState
from backend_client.wire import CaseSummary, Event
from console.messages import CaseEvents, LinkChanged, LoadFailed, SnapshotLoaded

PAGE = 5000
BATCH_WINDOW = 0.05  # seconds to gather a burst of events into one UI update


async def load_snapshot(client: CitygridClient) -> tuple[list[CaseSummary], int]:
    """All open cases; ``as_of_seq`` is the first page's (later pages may be newer, and
    events older than the rows are then ignored by version)."""
    cases: list[CaseSummary] = []
    as_of: int | None = None
    cursor: str | None = None
    while True:
        page = await client.cases(state="open", limit=PAGE, cursor=cursor)
        if as_of is None:
            as_of = page.as_of_seq
        cases.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return cases, as_of


async def run_link(client: CitygridClient, post: Callable[[Message], object]) -> None:
    """Load, follow, reload on resync — until cancelled."""
    while True:
        try:
            offset = await client.measure_offset()
            me = await client.me()
            cases, as_of = await load_snapshot(client)
        except CitygridError as exc:
            post(LoadFailed(str(exc)))
            post(LinkChanged("offline", 3.0, datetime.now(UTC), str(exc)))
            await asyncio.sleep(3.0)
            continue
        post(SnapshotLoaded(cases, as_of, me, offset))
        follower = EventFollower(client, after=as_of)
        if await _follow(follower, post):
            continue  # resync: reload the snapshot


async def _follow(follower: EventFollower, post: Callable[[Message], object]) -> bool:
    """Forward events in small batches; True when the server asked for a resync."""
    batch: list[Event] = []
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
            if isinstance(item, Event):
                batch.append(item)
                if flush_task is None or flush_task.done():
                    flush_task = asyncio.create_task(flush_later())
            elif isinstance(item, ResyncNeeded):
                flush()
                return True
            elif isinstance(item, StreamState):
                flush()
                post(LinkChanged(item.state, item.retry_in, item.since, item.error))
    except CitygridError as exc:
        post(LinkChanged("offline", 0.0, datetime.now(UTC), str(exc)))
        raise
    finally:
        if flush_task is not None:
            flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flush_task
        flush()
    return False
