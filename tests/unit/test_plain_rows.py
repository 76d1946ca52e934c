"""A case reported through the service's plain-row path (Core inserts of rows built
without the ORM's instance events) is stored exactly as the ORM model would store it.

The same report goes into two copies of the same database: once as the service writes
it, once with the rows built by the model's constructor and the case flushed by the
ORM.  Every column of the case and of its first event must hold the same stored value.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.domain.calendar import WorkingCalendar
from backend.domain.timelimits import TimeLimitPolicy
from backend.models import CaseRow, EventRow, UserRow
from backend.models.plain import row_of
from backend.services import cases, events
from backend.services.access import Actor
from backend.services.cases import CaseService
from backend.services.clockwork import Clockwork
from backend.services.reference import Reference
from backend_client.vocab import Role
from backend_client.wire import CaseCreate
from tests.conftest import seed_database

NOW = datetime(2026, 3, 2, 1, 17, 5, 250_000, tzinfo=UTC)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("plain")
    path = tmp / "city.db"
    seed_database(f"sqlite:///{path}", tmp)
    return path


def _bodies(path: Path) -> list[CaseCreate]:
    conn = sqlite3.connect(path)
    try:
        grid = conn.execute("SELECT code FROM region WHERE kind = 'grid' LIMIT 1").fetchone()[0]
        (kind, code), (kind2, code2) = conn.execute(
            "SELECT kind, code FROM category WHERE length(code) = 5 ORDER BY code LIMIT 2"
        ).fetchall()
    finally:
        conn.close()
    hotline = CaseCreate.model_validate(
        {"source": "hotline", "category_kind": kind, "category_code": code,
         "description": "井盖缺失 (a manhole cover is missing)", "grid_code": grid,
         "urgency": "urgent", "reporter_name": "张三", "reporter_phone": "13800000000",
         "address": "某路1号"}
    )  # fmt: skip
    patrol = CaseCreate.model_validate(
        {"source": "supervisor", "category_kind": kind2, "category_code": code2,
         "description": "已自行处置。", "grid_code": grid, "lon": 116.65, "lat": 39.9,
         "self_disposed": True,
         "attachments": [{"ref": "photo://before-1.jpg", "phase": "before"}]}
    )  # fmt: skip
    return [hotline, patrol]


async def _orm_insert(session: AsyncSession, values: dict[str, Any]) -> CaseRow:
    """The ORM's way: the model's constructor, then a flush."""
    case = CaseRow(**values)
    session.add(case)
    await session.flush()
    return case


async def _report(path: Path, body: CaseCreate) -> None:
    db = Database(f"sqlite:///{path}")
    try:
        ref = Reference(db)
        await ref.load()
        clockwork = Clockwork(WorkingCalendar.load(), TimeLimitPolicy.load())
        service = CaseService(db, ref, clockwork)
        async with db.read() as session:
            user = (await session.exec(select(UserRow).where(UserRow.role == "admin"))).first()
        assert user is not None and user.id is not None
        actor = Actor(user.id, user.username, user.display_name, Role.ADMIN,
                      user.jurisdiction_code, "", None)  # fmt: skip
        async with db.write() as session:
            await service.create(session, actor, body, NOW)
    finally:
        await db.dispose()


def _stored(path: Path, table: str) -> dict[str, Any]:
    """The newest row of ``table``, each column as the database holds it."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        key = "seq" if table == "event_log" else "id"
        row = conn.execute(f"SELECT * FROM {table} ORDER BY {key} DESC LIMIT 1").fetchone()
        names = row.keys()
        types = conn.execute(
            f"SELECT {', '.join(f'typeof({k})' for k in names)} FROM {table} WHERE {key} = ?",
            (row[key],),
        ).fetchone()
        return {k: (row[k], types[i]) for i, k in enumerate(names)}
    finally:
        conn.close()


@pytest.mark.parametrize("which", [0, 1], ids=["hotline", "self-disposed supervisor"])
async def test_a_plain_row_case_is_stored_as_the_orm_stores_it(
    city: Path, tmp_path: Path, which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _bodies(city)[which]
    plain, orm = tmp_path / "plain.db", tmp_path / "orm.db"
    shutil.copy(city, plain)
    shutil.copy(city, orm)
    await _report(plain, body)
    with monkeypatch.context() as m:
        m.setattr(cases, "insert_case", _orm_insert)
        m.setattr(events, "row_of", lambda model, values: model(**values))
        await _report(orm, body)
    for table in ("case_file", "event_log"):
        stored, expected = _stored(plain, table), _stored(orm, table)
        assert stored.keys() == expected.keys()
        for column, value in expected.items():
            assert stored[column] == value, f"{table}.{column}"


def test_a_plain_row_has_the_model_defaults_and_needs_every_required_field() -> None:
    row = row_of(EventRow, {"case_id": 1, "serial": "s", "action": "comment",
                            "actor_name": "n", "actor_role": "admin", "at": NOW,
                            "data": None, "grid_code": "g"})  # fmt: skip
    assert (row.seq, row.actor_id, row.department_id) == (None, None, None)
    with pytest.raises(TypeError, match="needs at, serial"):
        row_of(EventRow, {"case_id": 1, "action": "comment", "actor_name": "n",
                          "actor_role": "admin", "data": None, "grid_code": "g"})  # fmt: skip
