"""Ending an async iterator from outside: the stream of a token that was just revoked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def until_closed(source: AsyncIterator[T], closed: asyncio.Event) -> AsyncIterator[T]:
    """Yield from ``source`` until it ends or ``closed`` is set, whichever comes first;
    a ``source`` waiting for its next item is cancelled and closed."""
    stop = asyncio.ensure_future(closed.wait())
    pending: asyncio.Future[T] | None = None
    try:
        while not closed.is_set():
            pending = asyncio.ensure_future(anext(source))
            await asyncio.wait((pending, stop), return_when=asyncio.FIRST_COMPLETED)
            if not pending.done():
                break
            try:
                item = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield item
    finally:
        stop.cancel()
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
