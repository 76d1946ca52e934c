"""The index the open-cases queries name reaches SQLite.

The queue's list of every open case and the start-up snapshot name the partial index of
open cases (``INDEXED BY ix_case_open_due``). It is already in deadline order, so a page
needs no sort. SQLAlchemy's SQLite dialect drops table hints. With a million closed
cases SQLite's planner then picked the state index and sorted every open case for each
page: a median of 29–34 ms a page over HTTP at 20,000 open, against 4–5 ms with
the index named.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from backend.core.db import Database
from backend.services.access import Actor
from backend.services.listrows import RowCache
from backend.services.queries import OPEN_STATES, CaseFilter, list_cases
from backend.services.reference import Reference
from backend.services.snapshot import snapshot_lines, snapshot_query
from backend_client.vocab import Role
from tests.conftest import REPO

LEAD = Actor(1, "lead", "值班长", Role.SHIFT_LEAD, "110112", "110112", None)
HINT = "FROM case_file INDEXED BY ix_case_open_due"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hints")
    path = tmp / "city.db"
    subprocess.run(
        [sys.executable, "-m", "citygrid", "seed", "--database", f"sqlite:///{path}",
         "--backlog", "40", "--seed", "3", "--no-fold", "--tokens-out", str(tmp / "t.json")],
        check=True, cwd=REPO, capture_output=True,
    )  # fmt: skip
    return path


@pytest.fixture
async def db(store: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{store}")
    try:
        yield database
    finally:
        await database.dispose()


def test_both_engines_write_the_named_index_after_the_table(db: Database) -> None:
    for engine in (db.writer, db.reader):
        assert HINT in str(snapshot_query(True).compile(engine.sync_engine))


def plans(store: Path, statements: list[tuple[str, Any]]) -> list[str]:
    with closing(sqlite3.connect(store)) as conn:
        return [
            " / ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in statements
            if "case_file" in sql and HINT in sql
        ]


async def test_the_open_list_and_the_snapshot_read_the_open_index_without_a_sort(
    db: Database, store: Path
) -> None:
    sent: list[tuple[str, Any]] = []

    @event.listens_for(db.reader.sync_engine, "before_cursor_execute")
    def _record(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        sent.append((sql, params))

    ref = Reference(db)
    await ref.load()
    now = datetime.now(UTC)
    async with db.snapshot() as session:
        page = await list_cases(
            session, RowCache(ref), LEAD, CaseFilter(states=list(OPEN_STATES)),
            sort="deadline", cursor=None, limit=20, now=now,
        )  # fmt: skip
    assert b'"serial"' in page
    lines = [line async for line in snapshot_lines(db, ref, LEAD, now)]
    assert len(lines) >= 3  # the head, a batch, the end

    used = plans(store, sent)
    assert len(used) == 2, [sql for sql, _ in sent]  # the page's ids, the snapshot's rows
    for plan in used:
        assert "USING INDEX ix_case_open_due" in plan
        assert "TEMP B-TREE" not in plan
