"""The event log's head seq, read once for every request waiting on it.

``GET /health`` answers the head seq, and clients rely on it being current: a client
that wrote an event and then asks for the head gets that event's seq or a later one,
whichever worker it asks.  So the value cannot come from a cache.  But it need not be
read once per request either: every request waiting at the same time can share one
read, as long as that read began after each of them arrived.  :class:`HeadReader`
runs at most one read at a time; requests that arrive while one is running join the
next, which starts as soon as the running one ends.  Under load one table read
answers a whole batch of requests.

On SQLite the read itself is a lookup at the end of the seq index: it runs on the
event loop, on a connection of its own that never waits (busy timeout 0), which costs
a few microseconds where the pooled, threaded read costs several thread hand-offs.  If
that connection ever finds the database busy it answers nothing and the pooled read
runs instead.
"""

from __future__ import annotations

import asyncio
import sqlite3

from sqlalchemy import make_url
from sqlalchemy.dialects import sqlite

from backend.core.db import Database
from backend.services.events import HEAD_QUERY

HEAD_SQL = str(HEAD_QUERY.compile(dialect=sqlite.dialect()))


class HeadReader:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._next: asyncio.Future[int] | None = None  # the read that has not begun yet
        self._task: asyncio.Task[None] | None = None
        self._path = _sqlite_file(db)
        self._quick: sqlite3.Connection | None = None

    async def read(self) -> int:
        """The largest committed seq (0 for an empty log), read after this call began."""
        quick = self._read_quick()
        if quick is not None:
            return quick
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_consume)
        waiting = self._next
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="head-read")
        return await asyncio.shield(waiting)

    async def _run(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    value = await self._query()
                except asyncio.CancelledError:
                    waiting.cancel()
                    raise
                except Exception as exc:
                    waiting.set_exception(exc)
                else:
                    waiting.set_result(value)
        finally:
            self._task = None
            if self._next is not None:  # cancelled with requests still waiting
                self._next.cancel()
                self._next = None

    def _read_quick(self) -> int | None:
        if self._path is None:
            return None
        try:
            if self._quick is None:
                self._quick = sqlite3.connect(
                    self._path, timeout=0, isolation_level=None, check_same_thread=False
                )
            row = self._quick.execute(HEAD_SQL).fetchone()
        except sqlite3.Error:
            return None  # busy, or not there yet: the pooled read decides
        return int(row[0] or 0)

    def close(self) -> None:
        if self._quick is not None:
            self._quick.close()
            self._quick = None

    async def _query(self) -> int:
        async with self._db.reader.connect() as conn:
            value = (await conn.execute(HEAD_QUERY)).scalar()
        return int(value or 0)


def _sqlite_file(db: Database) -> str | None:
    """The database file, when it is SQLite on disk (a second connection sees it)."""
    if not db.is_sqlite:
        return None
    name = make_url(db.url).database
    return None if not name or name == ":memory:" or name.startswith("file:") else name


def _consume(future: asyncio.Future[int]) -> None:
    """Mark a failed read's error as seen (its waiters may all have gone)."""
    if not future.cancelled():
        future.exception()
