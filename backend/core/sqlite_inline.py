"""The SQLite writer's connection, run on the event loop's own thread.

aiosqlite runs every call (each statement, each fetch, ``COMMIT``) on a worker thread
and hands the answer back through the event loop: about a dozen thread hops per write,
each of which waits for the operating system to schedule the other thread while the
single write connection is held.  A write statement on a local WAL database takes
microseconds, so the writer runs them inline instead: :class:`InlineConnection` keeps
aiosqlite's interface (SQLAlchemy's ``sqlite+aiosqlite`` dialect drives it unchanged)
but calls :mod:`sqlite3` directly.  Reads keep aiosqlite's threads: a long list query
must not hold up the loop.

Nor may a checkpoint (it writes the WAL back into the database and syncs it: tens of
milliseconds on a busy disk): the writer's ``wal_autocheckpoint`` is 0 and
:class:`Checkpointer` runs a ``PASSIVE`` checkpoint on a thread of its own, on its own
connection, every :data:`CHECKPOINT_EVERY` commits (what SQLite's default would do, by
pages, inside the commit).

Waiting for the write lock must not block the loop either (another process, such as an
admin command, may hold it): the writer's ``busy_timeout`` is 0 and
:func:`begin_immediate` retries ``BEGIN IMMEDIATE`` with asynchronous sleeps, for as long
as the readers' ``busy_timeout`` would have waited.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.util import await_

CHECKPOINT_EVERY = 250  # commits between checkpoints (about SQLite's 1,000 pages of intake)
BUSY_WAIT_SECONDS = 10.0  # the same as PRAGMA busy_timeout=10000 on the other connections
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


class _InlineQueue:
    """Stands in for aiosqlite's queue to its thread (SQLAlchemy puts the isolation level
    setter on it directly): runs each call at once and settles its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to whoever awaits the future
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection without its thread: each call runs where it is awaited."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, 64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:  # no thread to start
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()

    def try_begin_immediate(self) -> bool:
        """``BEGIN IMMEDIATE``: False if another connection holds the write lock."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return False
            raise
        return True


def inline_creator(path: str) -> Callable[[], Any]:
    """``async_creator`` for ``create_async_engine``: a new inline connection to ``path``."""

    async def create() -> InlineConnection:
        def connector() -> sqlite3.Connection:
            return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

        return await InlineConnection(connector)._connect()

    return create


def begin_immediate(conn: Any) -> None:
    """``BEGIN IMMEDIATE`` on an inline connection (from SQLAlchemy's ``begin`` event, in
    its greenlet), waiting for a busy write lock with ``asyncio.sleep`` so that the loop
    serves everything else meanwhile."""
    inline = conn.connection.driver_connection
    assert isinstance(inline, InlineConnection)
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    pause = _FIRST_PAUSE
    while not inline.try_begin_immediate():
        if time.monotonic() >= deadline:
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, locked)
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, _LONGEST_PAUSE)


class Checkpointer:
    """Copies the WAL back into the database off the event loop, now and then."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._commits = 0
        self._running: asyncio.Task[None] | None = None

    def committed(self) -> None:
        """A write committed: start a checkpoint if enough have since the last one."""
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._running is not None:
            return
        self._commits = 0
        self._running = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            await asyncio.to_thread(self._run)
        finally:
            self._running = None

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout=1000")
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    async def wait(self) -> None:
        """Let a running checkpoint finish (at shutdown)."""
        if self._running is not None:
            await asyncio.shield(self._running)
