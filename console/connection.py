"""The console's link to the centre: snapshot first, then the stream from ``as_of_seq``.

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
import random
from collections.abc import Callable
from datetime import UTC, datetime

from textual.message import Message

from backend_client.client import CitygridClient
from backend_client.errors import CitygridError, Unauthorized
from backend_client.events import (
    BACKOFF_MAX,
    DEFAULT_RETRY,
    EventFollower,
    ResyncNeeded,
    StreamState,
    backoff_delay,
)
from backend_client.wire import CaseGone, Event, FeedItem, Me
from console.localtime import use_zone
from console.messages import CaseEvents, LinkChanged, LoadFailed, SnapshotLoaded, TokenRefused
from console.rows import QueueRow

PAGE = 5000
FIRST_PAGE = 500  # a few screens of the most urgent cases: paint those, load the rest behind
BATCH_WINDOW = 0.05  # seconds to gather a burst of events into one UI update


async def run_link(
    client: CitygridClient,
    post: Callable[[Message], object],
    *,
    rng: random.Random | None = None,
) -> None:
    """Load page by page (the console paints after the first), follow, reload on resync.

    Returns only when the server refuses the token (after posting :class:`TokenRefused`).
    """
    rng = rng or random.Random()
    failures = 0
    while True:
        try:
            offset, server_time = await client.measure_clock()
            use_zone(server_time.timezone)
            me = await client.me()
            as_of = await _load_pages(client, me, offset, post)
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


# What the console holds: the open cases, then the closed ones whose callback is due.
SNAPSHOT_QUERIES: tuple[dict[str, str], ...] = (
    {"state": "open"},
    {"state": "closed", "stage": "callback"},
)


async def _load_pages(
    client: CitygridClient, me: Me, offset: float, post: Callable[[Message], object]
) -> int:
    """Open cases, most urgent first, then the callbacks due.  Returns the first page's
    ``as_of_seq``: later pages may be newer, and the events in between are then ignored
    by version."""
    as_of: int | None = None
    for n, query in enumerate(SNAPSHOT_QUERIES, start=1):
        cursor: str | None = None
        while True:
            limit = FIRST_PAGE if as_of is None else PAGE
            page = await client.cases_raw(**query, sort="deadline", limit=limit, cursor=cursor)
            rows = [QueueRow.from_json(item) for item in page["items"]]
            cursor = page.get("next_cursor")
            first = as_of is None
            if as_of is None:
                as_of = int(page["as_of_seq"])
            last = cursor is None and n == len(SNAPSHOT_QUERIES)
            post(SnapshotLoaded(rows, as_of, me, offset, first=first, last=last))
            if cursor is None:
                break
    assert as_of is not None
    return as_of


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
