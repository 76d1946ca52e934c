"""The head seq for ``GET /health``: always read after the request arrived, shared by
the requests that wait together, and on SQLite read without a thread hop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.core.db import Database
from backend.core.schema import upgrade
from backend.services.head import HeadReader


def add_events(path: Path, *seqs: int) -> None:
    """Commit event rows from another connection (as another worker or process would)."""
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO event_log (seq, case_id, serial, action, actor_name, actor_role, at,"
            " data, grid_code) VALUES (?, 1, 'S', 'report', 'x', 'lead', '2026-12-01', '{}', 'g')",
            [(s,) for s in seqs],
        )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[Path, Database]]:
    path = tmp_path / "head.db"
    upgrade(f"sqlite:///{path}")
    db = Database(f"sqlite:///{path}")
    yield path, db
    await db.dispose()


class Gated(HeadReader):
    """Every table read waits for the test to let it finish (as a slow database would)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.reads = 0
        self.head = 0
        self.begun: asyncio.Queue[asyncio.Event] = asyncio.Queue()  # one gate per read

    def _read_quick(self) -> int | None:
        return None

    async def _query(self) -> int:
        self.reads += 1
        gate = asyncio.Event()
        self.begun.put_nowait(gate)
        seen = self.head  # what a read beginning now sees
        await gate.wait()
        return seen


async def test_the_head_includes_every_commit_made_before_the_read(
    store: tuple[Path, Database],
) -> None:
    path, db = store
    head = HeadReader(db)
    try:
        assert await head.read() == 0
        add_events(path, 1, 2, 3)
        assert await head.read() == 3
        add_events(path, 4)
        assert await head.read() == 4
    finally:
        head.close()


async def test_requests_arriving_during_a_read_share_the_next_one(
    store: tuple[Path, Database],
) -> None:
    _, db = store
    head = Gated(db)
    head.head = 5
    first = asyncio.create_task(head.read())
    running = await head.begun.get()
    head.head = 6  # committed while the first read runs: the later requests must see it
    later = [asyncio.create_task(head.read()) for _ in range(10)]
    running.set()
    assert await first == 5
    (await head.begun.get()).set()  # the second read begins once the first has answered
    assert await asyncio.gather(*later) == [6] * 10  # not the first read's answer
    assert head.reads == 2  # ten requests, one read


async def test_a_failed_read_fails_every_request_waiting_on_it(
    store: tuple[Path, Database],
) -> None:
    _, db = store

    class Broken(Gated):
        async def _query(self) -> int:
            raise sqlite3.OperationalError("database is locked")

    head = Broken(db)
    results = await asyncio.gather(*(head.read() for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)


async def test_without_the_quick_connection_the_pooled_read_answers(
    store: tuple[Path, Database], tmp_path: Path
) -> None:
    path, db = store
    add_events(path, 1, 2)
    head = HeadReader(db)
    head._path = str(tmp_path / "no such dir" / "head.db")  # the quick connection cannot open
    try:
        assert await head.read() == 2
    finally:
        head.close()


async def test_on_sqlite_the_quick_connection_answers_without_the_pool(
    store: tuple[Path, Database],
) -> None:
    path, db = store

    class NoPool(HeadReader):
        async def _query(self) -> int:
            raise AssertionError("the pooled read ran")

    add_events(path, 7)
    head = NoPool(db)
    try:
        assert await head.read() == 7
    finally:
        head.close()
