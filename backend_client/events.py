"""Following ``/events/stream`` for as long as you like, across disconnects and restarts.

httpx-sse has no reconnection of its own, so :class:`EventFollower` does it: it sends
``Last-Event-ID`` with the last seq it saw, honours the server's ``retry:`` hint,
backs off exponentially with jitter up to a short cap (so it is back within about
``backoff_max`` of the server answering again), skips keep-alive comments (they surface as
events with empty data) and reads with no read timeout (the server pings every 15 s).
Besides events it yields :class:`~backend_client.wire.CaseGone` (you lost sight of a
case: drop its row), :class:`StreamState` changes for a status bar, and
:class:`ResyncNeeded` when the server says the client cannot go on event by event (too
far behind, or ahead of a restored log); the server then ends the stream and the
follower reconnects from the resync's head.

Seqs only ever grow, but not by one: on PostgreSQL a rolled-back transaction burns
a seq, so the log has gaps.  A gap is never a loss — the server delivers every
committed event after ``Last-Event-ID`` in order — so nothing here counts seqs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx
from httpx_sse import SSEError, aconnect_sse
from pydantic import ValidationError

from backend_client.client import CitygridClient
from backend_client.errors import ApiError, Unavailable, error_from_response
from backend_client.text import is_digits
from backend_client.wire import GONE_EVENT, CaseGone, Event, Resync

log = logging.getLogger("citygrid.events")

STREAM_PATH = "/events/stream"
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)
DEFAULT_RETRY = 1.0  # seconds, until the server sends its ``retry:`` hint
# A refused connection costs the server nothing, and an operator waits for the console to
# come back: retry at most this long apart (jittered, so a room of consoles spreads out).
BACKOFF_MAX = 1.5

StateName = Literal["live", "reconnecting", "stale"]


@dataclass(frozen=True)
class ResyncNeeded:
    """Reload your snapshot (``GET /cases``); the stream continues from ``head_seq``."""

    head_seq: int
    reason: str = ""


@dataclass(frozen=True)
class StreamState:
    """``live`` on each (re)connect; ``reconnecting`` then ``stale`` while disconnected.

    ``since`` is when this state began (the connect, or the first failure);
    ``retry_in`` is the wait before the next attempt; ``error`` says what went wrong.
    """

    state: StateName
    retry_in: float
    since: datetime
    error: str = ""


FollowItem = Event | CaseGone | ResyncNeeded | StreamState


def _now() -> datetime:
    return datetime.now(UTC)


def backoff_delay(base: float, attempt: int, cap: float, rng: random.Random) -> float:
    """``base`` doubled per failed attempt plus up to 25% jitter; once that reaches
    ``cap``, a wait between 75% and 100% of the cap (jittered below it, so clients that
    went down together do not retry in step)."""
    jitter = rng.random()
    delay = base * 2.0**attempt * (1.0 + 0.25 * jitter)
    return delay if delay < cap else cap * (1.0 - 0.25 * jitter)


class EventFollower:
    """``async for item in EventFollower(api, after=page.as_of_seq).items(): ...``"""

    def __init__(
        self,
        client: CitygridClient,
        *,
        after: int | None,
        backoff_max: float = BACKOFF_MAX,
        stale_after: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._last_seq = after
        self._backoff_max = backoff_max
        self._stale_after = stale_after
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._retry_base = DEFAULT_RETRY

    @property
    def last_seq(self) -> int | None:
        """The seq of the last event (or resync head) seen; None before the first."""
        return self._last_seq

    async def items(self) -> AsyncGenerator[FollowItem, None]:
        """Events and state changes, forever.  Raises on 401/403 and other 4xx answers."""
        attempt = 0
        down_since: datetime | None = None
        while True:
            try:
                if self._last_seq is None:
                    # Pin "from now" to a seq, so a reconnect cannot skip what happened
                    # between the first connect and the first event.
                    self._last_seq = (await self._client.health()).head_seq
                async with aclosing(self._connect()) as stream:
                    async for item in stream:
                        if isinstance(item, StreamState):
                            attempt, down_since = 0, None
                        yield item
                error = "the server closed the stream"
            except ApiError as exc:
                if exc.status < 500 and exc.status not in (408, 429):
                    raise
                error = str(exc)
            except (Unavailable, httpx.TransportError, SSEError) as exc:
                error = str(exc) or type(exc).__name__
            now = _now()
            down_since = down_since or now
            wait = backoff_delay(self._retry_base, attempt, self._backoff_max, self._rng)
            attempt += 1
            stale = (now - down_since).total_seconds() >= self._stale_after
            log.info("event stream down (%s); retrying in %.1fs", error, wait)
            yield StreamState("stale" if stale else "reconnecting", wait, down_since, error)
            await self._sleep(wait)

    async def _connect(self) -> AsyncGenerator[FollowItem, None]:
        headers = {"Last-Event-ID": str(self._last_seq)} if self._last_seq is not None else {}
        async with aconnect_sse(
            self._client.http, "GET", STREAM_PATH, headers=headers, timeout=STREAM_TIMEOUT
        ) as source:
            response = source.response
            if not response.is_success:
                await response.aread()
                raise error_from_response(response)
            yield StreamState("live", 0.0, _now())
            async for sse in source.aiter_sse():
                if sse.retry is not None and sse.retry > 0:
                    self._retry_base = sse.retry / 1000
                if not sse.data:
                    continue  # a keep-alive comment
                item = self._decode(sse.event, sse.data, sse.id)
                if item is not None:
                    yield item

    def _decode(self, name: str, data: str, sse_id: str) -> FollowItem | None:
        try:
            if name == "resync":
                resync = Resync.model_validate_json(data)
                self._last_seq = resync.head_seq
                return ResyncNeeded(resync.head_seq, resync.reason)
            event: Event | CaseGone = (
                CaseGone.model_validate_json(data)
                if name == GONE_EVENT
                else Event.model_validate_json(data)
            )
        except ValidationError as exc:
            log.warning("skipping an unreadable %r event (id %s): %s", name, sse_id, exc)
            if is_digits(sse_id):
                self._last_seq = int(sse_id)
            return None
        if self._last_seq is not None and event.seq <= self._last_seq:
            return None  # already seen (a replay after reconnecting)
        self._last_seq = event.seq
        return event


__all__ = [
    "BACKOFF_MAX",
    "EventFollower",
    "FollowItem",
    "ResyncNeeded",
    "StreamState",
    "backoff_delay",
]
