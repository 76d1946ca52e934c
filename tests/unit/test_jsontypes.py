"""Typed JSON columns: models in, the same JSON text stored, models out, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, cast, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel, col
from sqlmodel import select as sqlmodel_select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.domain.casejson import MergeSnapshot, PendingRequest, StageRecord
from backend.models import EventRow
from backend.models.jsontypes import EventDataJSON, JSONOf, PlainJSONOf, event_data, plain_json
from backend.seed.history.rows import to_json
from backend_client.eventdata import DispatchData, EventData, MergeData, ReportData
from backend_client.vocab import Source, Urgency
from backend_client.wire import Reporter, ShiftInfo
from tests.conftest import BACKENDS, PG_AVAILABLE, drop_pg_database, fresh_pg_database

DUE = datetime(2026, 12, 1, 20, 0, 21, 737581, tzinfo=UTC)
REPORT = ReportData(
    source=Source.HOTLINE,
    urgency=Urgency.NORMAL,
    category="matter:09016",
    self_disposed=False,
    due_at=DUE,
    note="井盖缺失",
)
MERGE = MergeData(from_="2026-110112-000001", role="target")
REPORTERS = [Reporter(name="张三", phone="13800000000", source=Source.HOTLINE, serial="S-1")]

probe = Table(
    "typed_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("action", String(32), nullable=False),
    Column("data", EventDataJSON(), nullable=False),
    Column("reporters", JSONOf(list[Reporter]), nullable=False),
    Column("shift", JSONOf(ShiftInfo), nullable=True),
)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgres" and not PG_AVAILABLE:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    url = f"sqlite:///{tmp_path / 'probe.db'}" if request.param == "sqlite" else fresh_pg_database()
    database = Database(url)
    try:
        async with database.writer.begin() as conn:
            await conn.run_sync(probe.metadata.create_all)
        yield database
    finally:
        await database.dispose()
        if request.param == "postgres":
            drop_pg_database(url)


async def _insert(db: Database, action: str, data: EventData, shift: ShiftInfo | None) -> None:
    async with db.writer.begin() as conn:
        await conn.execute(
            insert(probe).values(action=action, data=data, reporters=REPORTERS, shift=shift)
        )


async def test_models_are_stored_as_their_json_text_and_read_back_as_models(db: Database) -> None:
    shift = ShiftInfo(id="day", zh="白班", en="day", start="08:00", end="16:00")
    await _insert(db, "report", REPORT, shift)
    await _insert(db, "merge", MERGE, None)
    async with db.reader.connect() as conn:
        rows = (await conn.execute(select(probe).order_by(probe.c.id))).all()
        texts = (await conn.execute(select(cast(probe.c.data, Text)).order_by(probe.c.id))).all()
        plain = (await conn.execute(select(plain_json(probe.c.data)).order_by(probe.c.id))).all()
    (_, action, stored, reporters, read_shift), (_, merge_action, merge_stored, _, no_shift) = rows
    assert event_data(action, stored) == REPORT
    assert isinstance(event_data(merge_action, merge_stored), MergeData)
    assert event_data(merge_action, merge_stored) == MERGE
    assert reporters == REPORTERS and isinstance(reporters[0], Reporter)
    assert read_shift == shift and no_shift is None
    # the very text the history seeder writes for the same data (EventData.json_text)
    assert [t for (t,) in texts] == [REPORT.json_text(), MERGE.json_text()]
    assert [p for (p,) in plain] == [
        REPORT.wire(),
        {"from": "2026-110112-000001", "role": "target"},
    ]


async def test_a_stored_value_of_the_wrong_shape_is_refused_when_read(db: Database) -> None:
    await _insert(db, "report", REPORT, None)
    wrong = Table("typed_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("reporters", JSONOf(list[ShiftInfo])))  # fmt: skip
    with pytest.raises(ValueError, match="validation error"):
        async with db.reader.connect() as conn:
            (await conn.execute(select(wrong.c.reporters))).all()


@pytest.fixture
async def event_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    # the event table alone (no foreign-key enforcement on this bare engine)
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=[EventRow.__table__])  # type: ignore[attr-defined]
    yield engine
    await engine.dispose()


async def test_an_event_row_loads_its_data_as_its_actions_model(event_engine: AsyncEngine) -> None:
    at = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    dispatch = DispatchData(department="D-06", due_at=DUE)
    async with AsyncSession(event_engine) as session:
        for action, data in (("report", REPORT), ("dispatch", dispatch)):
            session.add(
                EventRow(case_id=1, serial="S-1", action=action, actor_name="lead",
                         actor_role="lead", at=at, data=data, grid_code="110112001001001")
            )  # fmt: skip
        await session.commit()
    async with AsyncSession(event_engine) as session:
        loaded = (await session.exec(sqlmodel_select(EventRow).order_by(col(EventRow.seq)))).all()
        assert [row.data for row in loaded] == [REPORT, dispatch]
        assert isinstance(loaded[0].data, ReportData) and isinstance(loaded[1].data, DispatchData)
        assert not session.dirty  # parsing on load does not mark the rows changed
        session.expire(loaded[1])
        await session.refresh(loaded[1])
        assert loaded[1].data == dispatch


# The case's JSON columns the workflow core fills: plain dicts in, the seeder's text stored.
RUN: StageRecord = {
    "stage": "dispose",
    "started_at": "2026-12-01T01:00:00+00:00",
    "warn_at": "2026-12-01T05:00:00+00:00",
    "due_at": "2026-12-01T09:00:00+00:00",
    "unit": "working_hour",
    "limit_label": "8工作小时",
    "done_at": None,
    "paused_at": None,
    "extended_hours": 8.0,  # set before paused_seconds: the order they were set in stays
    "paused_seconds": 3600.5,
}
PENDING: PendingRequest = {
    "kind": "extension",
    "reason": "需要协调",
    "hours": 8.0,
    "by": "王五",
    "at": "2026-12-01T02:00:00+00:00",
}
SNAPSHOT: MergeSnapshot = {"state": "dispatched", "deadlines": [RUN]}

case_probe = Table(
    "case_json_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("deadlines", PlainJSONOf(list[StageRecord]), nullable=False),
    Column("pending", PlainJSONOf(PendingRequest, none_as_json=True), nullable=True),
    Column("snapshot", PlainJSONOf(MergeSnapshot, none_as_json=True), nullable=True),
)


async def test_case_json_is_stored_as_the_seeder_encodes_it(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.run_sync(case_probe.metadata.create_all)
        await conn.execute(
            insert(case_probe).values(deadlines=[RUN], pending=PENDING, snapshot=SNAPSHOT)
        )
        await conn.execute(insert(case_probe).values(deadlines=[], pending=None, snapshot=None))
    columns = (case_probe.c.deadlines, case_probe.c.pending, case_probe.c.snapshot)
    async with db.reader.connect() as conn:
        rows = (await conn.execute(select(*columns).order_by(case_probe.c.id))).all()
        texts = (
            await conn.execute(select(*(cast(c, Text) for c in columns)).order_by(case_probe.c.id))
        ).all()
    assert [tuple(r) for r in rows] == [([RUN], PENDING, SNAPSHOT), ([], None, None)]
    assert list(rows[0][0][0]) == list(RUN)  # keys read back in their stored order
    # None is JSON null, as the plain JSON columns stored it and the seeder writes it
    assert [tuple(t) for t in texts] == [
        (to_json([RUN]), to_json(PENDING), to_json(SNAPSHOT)),
        ("[]", "null", "null"),
    ]


async def test_a_stage_run_with_an_unknown_key_is_refused_when_read(db: Database) -> None:
    untyped = Table("case_json_probe", MetaData(), Column("id", Integer, primary_key=True),
                    Column("deadlines", JSON, nullable=False))  # fmt: skip
    async with db.writer.begin() as conn:
        await conn.run_sync(case_probe.metadata.create_all)
        await conn.execute(insert(untyped).values(deadlines=[{**RUN, "colour": "red"}]))
    with pytest.raises(ValueError, match="colour"):
        async with db.reader.connect() as conn:
            (await conn.execute(select(case_probe.c.deadlines))).all()
