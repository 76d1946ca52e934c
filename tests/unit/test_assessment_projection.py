"""The assessment projection kept current batch by batch equals the one rebuilt from the log.

Random histories go through the real ``CaseService`` on a seeded SQLite city (history
cases included); the projector folds them in random batch sizes as they come, like the
server's background folder. Rebuilding from nothing must then give the same case facts and
the same day counters, row for row.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import col

from backend.core.db import Database
from backend.core.problems import ApiProblem
from backend.domain import statemachine as sm
from backend.domain.calendar import WorkingCalendar
from backend.domain.gridcode import kind_for_code_length, scope_prefix
from backend.domain.timelimits import TimeLimitPolicy
from backend.models import (
    AssessmentFactRow,
    CaseRow,
    UserRow,
    assessment_day,
    assessment_month,
)
from backend.services.access import Actor
from backend.services.assessment.projector import Projector
from backend.services.cases import CaseService
from backend.services.clockwork import Clockwork
from backend.services.reference import Reference
from backend_client.vocab import Action, Role
from backend_client.wire import ActionRequest, CaseCreate
from tests.conftest import seed_database

A = Action
TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 1, 17, tzinfo=UTC)
DELAYS = (60, 1_500, 4 * 3600, 26 * 3600)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("projection")
    path = tmp / "city.db"
    seed_database(f"sqlite:///{path}", tmp, "--history", "150")
    return path


def _fields(rng: random.Random, action: Action, supervisor: str) -> dict[str, Any]:
    flip = rng.random() < 0.5
    return {
        A.CONFIRM_REPORT: {"note": "现场核实。", "truthful": rng.random() < 0.8},
        A.VOID: {"reason": "重复。"},
        A.REOPEN: {"reason": "复发。"},
        A.REQUEST_RETURN: {"reason": "不归我们管。"},
        A.REQUEST_SUSPENSION: {"reason": "等待施工。"},
        A.REQUEST_EXTENSION: {"reason": "需要协调。", "hours": rng.choice((4.0, 8.0, 16.5))},
        A.DECIDE: {"approve": flip, "note": "审批。"},
        A.VERIFY: {"passed": rng.random() < 0.6},
        A.REPORT_DISPOSAL: {"note": "已处置。"},
        A.ASSIGN_CHECK: {"supervisor": supervisor},
        A.COMMENT: {"note": "备注。"},
        A.REQUEST_VERIFICATION: {"note": "请核实。"},
    }.get(action, {})


Rows = list[tuple[Any, ...]]


async def _snapshot(db: Database) -> tuple[dict[int, Any], Rows, Rows]:
    async with db.read() as session:
        facts = {
            row.case_id: row.facts
            for row in (await session.exec(select(AssessmentFactRow))).scalars()  # type: ignore[call-overload]
        }
        tables = [
            (
                await (await session.connection()).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
            ).all()
            for table in (assessment_day, assessment_month)
        ]
    days, months = (
        [
            (*row[:3], *(round(value, 6) for value in row[3:]))
            for row in rows
            if any(row[3:])  # taking a case's old contribution out may leave a row of zeros
        ]
        for rows in tables
    )
    return facts, days, months


def _by_month(days: Rows) -> Rows:
    """The day counters summed per (month, object): what ``assessment_month`` must hold."""
    sums: dict[tuple[str, str, str], list[float]] = {}
    for day, kind, ident, *values in days:
        bucket = sums.setdefault((day[:7], kind, ident), [0.0] * len(values))
        for i, value in enumerate(values):
            bucket[i] += value
    return [(*key, *(round(v, 6) for v in values)) for key, values in sorted(sums.items())]


async def _play(db: Database, seed: int, batches: list[int], projector: Projector) -> None:
    rng = random.Random(seed)
    ref = Reference(db)
    await ref.load()
    calendar = WorkingCalendar.load()
    service = CaseService(db, ref, Clockwork(calendar, TimeLimitPolicy.load()))
    async with db.read() as session:
        users = (await session.exec(select(UserRow))).scalars().all()  # type: ignore[call-overload]
    admin = next(u for u in users if u.role == "admin")
    supervisor = next(u.username for u in users if u.role == "supervisor")
    kind = kind_for_code_length(admin.jurisdiction_code)
    assert kind is not None
    scope = scope_prefix(kind, admin.jurisdiction_code)
    actor = Actor(admin.id, admin.username, admin.display_name, Role.ADMIN,
                  admin.jurisdiction_code, scope, None)  # fmt: skip
    grids = [code for code in ref.regions if len(code) == 15]
    now = START
    serials: list[str] = []
    for step in range(60):
        now += timedelta(seconds=rng.choice(DELAYS))
        if not serials or rng.random() < 0.2:
            body = CaseCreate(
                source=rng.choice(["supervisor", "hotline"]),
                category_kind="matter",
                category_code="06042",
                description="测试",
                grid_code=rng.choice(grids),
            )
            async with db.write() as session:
                made = await service.create(session, actor, body, now)
            serials.append(made.case.serial)
        else:
            serial = rng.choice(serials)
            async with db.read() as session:
                case = (
                    await session.exec(select(CaseRow).where(col(CaseRow.serial) == serial))
                ).scalar_one()  # type: ignore[call-overload]
            allowed = [
                a
                for a in sm.allowed_actions(case.state, case.pending_kind, Role.ADMIN)
                if a not in (A.MERGE, A.UNMERGE)
            ]
            if not allowed:
                continue
            action = rng.choice(allowed)
            request = ActionRequest.model_validate(
                {"action": action, **_fields(rng, action, supervisor)}
            )
            try:
                async with db.write() as session:
                    await service.act(session, actor, serial, request, None, now)
            except ApiProblem:
                continue  # e.g. no routed department for a dispatch: nothing was written
        if batches[step % len(batches)] and step % 3 == 0:
            await projector.catch_up(limit=batches[step % len(batches)])


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10**6), batches=st.lists(st.integers(1, 40), min_size=1, max_size=4))
async def test_incremental_equals_rebuilt(city: Path, seed: int, batches: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.db"
        shutil.copy(city, path)
        db = Database(f"sqlite:///{path}")
        try:
            projector = Projector(db, TZ)
            await projector.catch_up(limit=97)  # part of the history, before the live writes
            await _play(db, seed, batches, projector)
            while await projector.catch_up() > 0:
                pass
            incremental = await _snapshot(db)
            assert incremental[0] and incremental[1]
            assert incremental[2] == _by_month(incremental[1])  # months are their days' sums
            await projector.rebuild()
            assert await _snapshot(db) == incremental
        finally:
            await db.dispose()
