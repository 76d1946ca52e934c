"""Ending an async iterator from outside: the stream of a token that was just revoked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

T = TypeVar("T")


async def until_closed(source: AsyncIterator[T], closed: asyncio.Event) -> AsyncIterator[T]:
    """Yield from ``source`` until it ends or ``closed`` is set, whichever comes first.

    ``source`` runs in one task of its own from start to end (so a generator may hold
    task-bound contexts such as ``asyncio.timeout`` across its yields) and hands over one
    item at a time; when ``closed`` is set that task is cancelled, ending ``source``.
    """
    queue: asyncio.Queue[T] = asyncio.Queue(maxsize=1)

    async def pump() -> None:
        async for item in source:
            await queue.put(item)

    producer = asyncio.ensure_future(pump())
    stop = asyncio.ensure_future(closed.wait())
    get: asyncio.Future[T] | None = None
    try:
        while True:
            get = asyncio.ensure_future(queue.get())
            await asyncio.wait((get, stop, producer), return_when=asyncio.FIRST_COMPLETED)
            if get.done():
                yield get.result()
                continue
            if stop.done():
                return
            while not queue.empty():  # the source ended: hand over what it left
                yield queue.get_nowait()
            producer.result()  # its error, if it failed
            return
    finally:
        for future in (get, stop, producer):
            if future is not None:
                future.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
