"""Database engines: SQLite (WAL, BEGIN IMMEDIATE) by default, PostgreSQL via psycopg 3.

SQLite has one writer.  Writes go through ``writer`` (its transactions begin with
``BEGIN IMMEDIATE`` so a read-then-write never fails on upgrade; its statements run on
the event loop's thread, :mod:`backend.core.sqlite_inline`), reads through ``reader``
with plain deferred transactions so they never queue behind writers.
PostgreSQL uses one engine for both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.sqlite_inline import Checkpointer, begin_immediate, inline_creator

log = logging.getLogger("citygrid.db")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)


class HintingSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, writing a table hint (``with_hint(table, "INDEXED BY …",
    "sqlite")``) after the table's name. SQLAlchemy's own drops every table hint on
    SQLite: it writes them only for MySQL, Oracle and SQL Server."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    else:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}[backend]
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def sync_engine(url: str) -> Engine:
    """A synchronous engine for the command line's short transactions (admin, seeding)."""
    engine = create_engine(sync_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def _sqlite_hooks(engine: AsyncEngine, inline_writer: bool) -> None:
    engine.sync_engine.dialect.statement_compiler = HintingSQLiteCompiler

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        if inline_writer:  # waits in begin_immediate, checkpoints in Checkpointer
            cursor.execute("PRAGMA busy_timeout=0")
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if inline_writer:
            begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.writer = create_async_engine(
                self.url,
                pool_size=1,
                max_overflow=0,
                async_creator=inline_creator(parsed.database or ":memory:"),
            )
            self.reader = create_async_engine(self.url, pool_size=4, max_overflow=4)
            self._checkpointer: Checkpointer | None = Checkpointer(parsed.database or ":memory:")
            _sqlite_hooks(self.writer, inline_writer=True)
            _sqlite_hooks(self.reader, inline_writer=False)
        else:
            self.writer = create_async_engine(self.url, pool_size=10, max_overflow=10)
            self.reader = self.writer
            self._checkpointer = None
        self._write_sessions = async_sessionmaker(
            self.writer, class_=AsyncSession, expire_on_commit=False
        )
        self._read_sessions = async_sessionmaker(
            self.reader, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self._write_sessions() as session, session.begin():
            yield session
        if self._checkpointer is not None:
            self._checkpointer.committed()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read session whose statements all see one snapshot (event head and rows agree).

        SQLite's deferred read transaction already is one; PostgreSQL needs REPEATABLE READ.
        """
        async with self._read_sessions() as session:
            if not self.is_sqlite:
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    async def listen(self, channel: str, on_notify: Callable[[str | None], None]) -> None:
        """PostgreSQL: call ``on_notify`` with the payload of every NOTIFY on ``channel``,
        and with ``None`` each time the LISTEN connection is (re)established (a
        notification may have been missed meanwhile).  Runs until cancelled, reconnecting
        with a backoff."""
        import psycopg

        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        backoff = 1.0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {channel}")
                    on_notify(None)
                    backoff = 1.0
                    async for notification in conn.notifies():
                        on_notify(notification.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("LISTEN %s lost (%s); reconnecting in %.0fs", channel, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.wait()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
