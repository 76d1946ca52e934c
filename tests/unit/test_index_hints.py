"""The queries that must read an index do.

The queue's list of every open case and the start-up snapshot name the partial index of
open cases (``INDEXED BY ix_case_open_due``). It is already in deadline order, so a page
needs no sort. SQLAlchemy's SQLite dialect drops table hints. With a million closed
cases SQLite's planner then picked the state index and sorted every open case for each
page: a median of 29–34 ms a page over HTTP at 20,000 open, against 4–5 ms with
the index named.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import sqlite
from sqlmodel import col

from backend.core.db import Database
from backend.core.schema import upgrade
from backend.models import CaseRow
from backend.services.access import Actor
from backend.services.assessment.notice import failing_query, intake_query
from backend.services.listrows import RowCache
from backend.services.queries import OPEN_STATES, CaseFilter, list_cases
from backend.services.reference import Reference
from backend.services.snapshot import snapshot_lines, snapshot_query
from backend_client.vocab import Role
from tests.conftest import seed_database

LEAD = Actor(1, "lead", "值班长", Role.SHIFT_LEAD, "110112", "110112", None)
HINT = "FROM case_file INDEXED BY ix_case_open_due"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hints")
    path = tmp / "city.db"
    seed_database(f"sqlite:///{path}", tmp, "--backlog", "40", "--seed", "3", "--no-fold")
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


def test_the_notice_reads_the_periods_cases_and_the_reworked_ones_by_index(
    tmp_path: Path,
) -> None:
    """A month's notice read every case three times over, and scanned the table again for
    the ones sent back: 5 s a notice at a million cases (the wallboard asks for two a
    minute), 0.1 s through the indexes."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(url)
    start, end = datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    reported = (col(CaseRow.created_at) >= start, col(CaseRow.created_at) < end)
    wanted = {
        "ix_case_created": intake_query([*reported, col(CaseRow.grid_code).startswith("110112")]),
        "ix_case_rework": failing_query("110112", 3),
    }
    with closing(sqlite3.connect(tmp_path / "empty.db")) as conn:
        for index, stmt in wanted.items():
            sql = str(
                stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
            )
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert any(f"case_file USING INDEX {index}" in step for step in plan), plan
