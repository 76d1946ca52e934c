"""The SQLite writer on the event loop's thread: it commits, it waits for a write lock
held elsewhere without stopping the loop, and it gives up with the usual error."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from backend.core import sqlite_inline
from backend.core.db import Database


async def _insert(db: Database, value: int) -> None:
    async with db.write() as session:
        await (await session.connection()).execute(text("INSERT INTO t VALUES (:v)"), {"v": value})


async def _values(db: Database) -> list[int]:
    async with db.read() as session:
        rows = await (await session.connection()).execute(text("SELECT x FROM t ORDER BY x"))
        return [row[0] for row in rows]


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'w.db'}")
    async with database.write() as session:
        await (await session.connection()).execute(text("CREATE TABLE t (x INTEGER)"))
    return database


async def test_a_write_commits_and_readers_see_it(db: Database) -> None:
    await _insert(db, 1)
    await _insert(db, 2)
    assert await _values(db) == [1, 2]
    await db.dispose()


async def test_a_busy_write_lock_is_waited_for_while_the_loop_serves_others(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write, say an admin command
    write = asyncio.create_task(_insert(db, 7))
    served = 0
    for _ in range(50):  # the loop keeps running other work meanwhile
        await asyncio.sleep(0)
        served += 1
    assert served == 50
    assert not write.done()
    other.execute("COMMIT")
    await asyncio.wait_for(write, timeout=10)  # bounds a failure only
    assert await _values(db) == [7]
    other.close()
    await db.dispose()


async def test_a_lock_held_too_long_gives_the_usual_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT_SECONDS", 0.05)
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"):
        await _insert(db, 8)
    other.execute("ROLLBACK")
    await _insert(db, 9)  # the writer is usable again
    assert await _values(db) == [9]
    other.close()
    await db.dispose()
