"""The bulk rebuild, on SQLite and PostgreSQL: folded by worker processes over case-id
ranges or by this process alone, it gives the same facts and day counters as the
incremental fold did batch by batch over the same log, and sets the cursor to the log's
end so the incremental fold carries on from there.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from backend.core.db import Database
from backend.models import (
    AssessmentCursorRow,
    AssessmentFactRow,
    EventRow,
    assessment_day,
    assessment_month,
)
from backend.services.assessment.projector import Projector
from backend.services.assessment.rebuild import rebuild
from backend.services.assessment.rebuild_store import HEAD_SQL, Store, stage_facts, writer_for
from tests.conftest import REPO, drop_pg_database, fresh_pg_database

TZ = ZoneInfo("Asia/Shanghai")
HISTORY = 120


@pytest.fixture(scope="module")
def url(backend_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp(f"rebuild-{backend_name}")
    target = f"sqlite:///{tmp / 'city.db'}" if backend_name == "sqlite" else fresh_pg_database()
    try:
        subprocess.run(
            [sys.executable, "-m", "citygrid", "seed", "--database", target, "--history",
             str(HISTORY), "--no-fold", "--tokens-out", str(tmp / "tokens.json")],
            check=True, cwd=REPO, capture_output=True,
        )  # fmt: skip
        yield target
    finally:
        if backend_name == "postgres":
            drop_pg_database(target)


Snapshot = tuple[dict[int, Any], list[tuple[Any, ...]], list[tuple[Any, ...]], int | None]


async def _snapshot(db: Database) -> Snapshot:
    async with db.read() as session:
        facts = {
            row.case_id: (row.facts, row.last_seq)
            for row in (await session.exec(select(AssessmentFactRow))).scalars()  # type: ignore[call-overload]
        }
        sums = [
            (
                await (await session.connection()).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
            ).all()
            for table in (assessment_day, assessment_month)
        ]
        cursor = await session.get(AssessmentCursorRow, 1)
    days, months = (
        [
            (*row[:3], *(round(value, 6) for value in row[3:]))
            for row in rows
            if any(row[3:])  # taking a case's old contribution out may leave a row of zeros
        ]
        for rows in sums
    )
    return facts, days, months, cursor.seq if cursor is not None else None


async def test_rebuilt_in_parallel_and_alone_equals_incremental(url: str) -> None:
    db = Database(url)
    try:
        projector = Projector(db, TZ)
        for size in (7, 130, 1, 999, 5_000):  # cases cut in two by batch ends, folded onto
            await projector.catch_up(limit=size)
        while await projector.catch_up() > 0:
            pass
        incremental = await _snapshot(db)
        async with db.read() as session:
            head, events = (
                await session.exec(select(func.max(EventRow.seq), func.count()))  # type: ignore[call-overload]
            ).one()
        assert len(incremental[0]) >= HISTORY and incremental[1]
        assert incremental[3] == head and incremental[2]

        parallel = rebuild(db.url, TZ, workers=2, range_cases=17, parallel_from=0)
        assert await _snapshot(db) == incremental
        alone = rebuild(db.url, TZ, workers=1)
        assert await _snapshot(db) == incremental
        assert parallel == alone == events
    finally:
        await db.dispose()


def test_a_failed_rebuild_leaves_no_stage_files_beside_the_database(url: str) -> None:
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL stages nothing on disk")
    database = Path(Store.of(url).target)
    writer = writer_for(Store.of(url))
    writer.start()
    written = writer.stage_for(1)
    assert written is not None
    stage_facts(written, [(1, "[]", 1)])  # a worker got this far, then the rebuild failed
    shadow = cast(Any, writer).shadow  # the new facts, until the swap
    assert _tables(database, "assessment_fact%") == ["assessment_fact", shadow]
    writer.close()
    assert not list(database.parent.glob(f"{database.name}.rebuild-*"))
    assert _tables(database, "assessment_fact%") == ["assessment_fact"]  # no shadow left


def _tables(database: Path, like: str) -> list[str]:
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name",
            (like,),
        ).fetchall()
    return [name for (name,) in rows]


def test_the_logs_head_is_read_from_its_indexes_not_by_a_scan(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "log.db")) as conn:
        conn.execute(
            "CREATE TABLE event_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER)"
        )
        conn.execute("CREATE INDEX ix_event_log_case_id ON event_log (case_id)")
        assert conn.execute(HEAD_SQL).fetchone() == (None, None, None)
        conn.executemany("INSERT INTO event_log (case_id) VALUES (?)", [(3,), (1,), (2,)])
        assert conn.execute(HEAD_SQL).fetchone() == (3, 1, 3)
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {HEAD_SQL}")]
    assert not [step for step in plan if step.startswith("SCAN event_log")], plan
