"""The live service and the history seeder write the same workflow.

Each seed plays one random sequence of legal actions on one case twice: through
``CaseService`` (a real SQLite database seeded with the demo city) and through the history
generator's path (state machine, workflow core, row encoder).  After every action the
event's data and the case's stage deadlines must agree field by field.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Text, cast
from sqlmodel import col, select

from backend.core.db import Database
from backend.domain import statemachine as sm
from backend.domain.calendar import WorkingCalendar
from backend.domain.gridcode import kind_for_code_length, scope_prefix
from backend.domain.timelimits import TimeLimitPolicy
from backend.domain.workflow import DeadlinePolicy
from backend.models import CaseRow, EventRow, UserRow
from backend.seed.history.case import _CaseRun
from backend.seed.history.generator import _Generator
from backend.seed.history.reference import _load_reference
from backend.seed.history.rows import CASE_COLUMNS, us
from backend.services.access import Actor
from backend.services.cases import CaseService
from backend.services.clockwork import Clockwork
from backend.services.reference import Reference
from backend_client.eventdata import parse_data
from backend_client.vocab import Action, CallbackResult, CaseState, Role
from backend_client.wire import ActionRequest, AttachmentRef, CaseCreate
from tests.conftest import seed_database

A = Action
START = datetime(2026, 3, 2, 1, 17, 5, 250_000, tzinfo=UTC)  # a Monday, in office hours
STEPS = 40
SEEDS = 18  # enough walks to reach every callback branch too
# Mostly forward: detours that do not move the case come up now and then.
WEIGHTS = {A.COMMENT: 0.05, A.SUPERVISE: 0.1, A.URGE: 0.15, A.VOID: 0.1, A.REOPEN: 0.5,
           A.CALLBACK: 4.0}  # fmt: skip
SKIPPED = {A.REPORT, A.MERGE, A.UNMERGE}  # merging needs a second case: the API tests cover it
# Delays between actions: minutes, hours, days (weekends and holidays included).
DELAYS = (90, 1_800, 4 * 3600, 26 * 3600, 3 * 86_400 + 17)
# The case's JSON columns the workflow core fills (the seeder encodes them itself).
CORE_JSON = ("attachments", "pending_detail", "merge_snapshot", "deadlines")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("equivalence")
    path = tmp / "city.db"
    seed_database(f"sqlite:///{path}", tmp)
    return path


def _fields(rng: random.Random, action: Action, run: _CaseRun) -> dict[str, Any] | None:
    """Request fields for ``action`` (as the event records them); None: not possible here."""
    flip = rng.random() < 0.5
    match action:
        case A.CONFIRM_REPORT:
            return {"note": "现场核实。", "truthful": flip}
        case A.VOID | A.REOPEN | A.REQUEST_RETURN | A.REQUEST_SUSPENSION:
            return {"reason": f"理由{rng.randrange(100)}"}
        case A.REQUEST_EXTENSION:
            return {"reason": "需要协调。", "hours": rng.choice((4.0, 8.0, 16.5, 48.0))}
        case A.DECIDE:
            return {"approve": flip, "note": "同意。" if flip else "不同意。"}
        case A.VERIFY:
            return {"passed": flip}
        case A.REPORT_DISPOSAL:
            photo = f"photo://after-{rng.randrange(1000)}.jpg"
            return {"note": "已处置。", "attachments": [{"ref": photo, "phase": "after"}]}
        case A.ASSIGN_CHECK:
            return None if run.supervisor is None else {"supervisor": run.supervisor.username}
        case A.COMMENT | A.REQUEST_VERIFICATION:
            return {"note": "备注。"}
        case A.DISPATCH if flip:
            return {"department_code": rng.choice(run.gen.ref.departments).code}
        case A.DISPATCH:
            return {} if run.routed is not None else None
        case A.CALLBACK:
            result = rng.choice(list(CallbackResult))
            if result is CallbackResult.DISSATISFIED:
                return {"result": result.value, "redo": run.gen.redo_on_dissatisfied}
            return {"result": result.value}
        case _:
            return {}


class Live:
    """The case through the real service on the real database."""

    def __init__(self, db: Database, service: CaseService, actor: Actor) -> None:
        self.db, self.service, self.actor = db, service, actor
        self.serial = ""

    async def create(self, run: _CaseRun, now: datetime) -> None:
        record = run.record
        body = CaseCreate(
            source=record.source,
            category_kind=record.category_kind,
            category_code=record.category_code,
            description="测试",
            urgency=record.urgency,
            grid_code=run.grid.code,
            attachments=[AttachmentRef.model_validate(a) for a in record.attachments],
            self_disposed=record.self_disposed,
            reporter_phone=run.phone,
        )
        async with self.db.write() as session:
            made = await self.service.create(session, self.actor, body, now)
        self.serial = made.case.serial

    async def act(self, action: Action, fields: dict[str, Any], now: datetime) -> None:
        asked = {k: v for k, v in fields.items() if k != "redo"}  # the service adds it
        request = ActionRequest.model_validate({"action": action, **asked})
        async with self.db.write() as session:
            await self.service.act(session, self.actor, self.serial, request, None, now)

    async def stored_json(self) -> dict[str, str]:
        """The text in the case's JSON columns the workflow core fills."""
        columns = [cast(getattr(CaseRow, name), Text) for name in CORE_JSON]
        async with self.db.read() as session:
            texts = (
                await session.exec(select(*columns).where(CaseRow.serial == self.serial))
            ).one()
        return dict(zip(CORE_JSON, texts, strict=True))

    async def last(self) -> tuple[CaseRow, EventRow, str]:
        async with self.db.read() as session:
            case = (await session.exec(select(CaseRow).where(CaseRow.serial == self.serial))).one()
            event = (
                await session.exec(
                    select(EventRow)
                    .where(EventRow.case_id == case.id)
                    .order_by(col(EventRow.seq).desc())
                )
            ).first()
            assert event is not None
            stored = (  # the text in the column, as the database holds it
                await session.exec(
                    select(cast(EventRow.data, Text)).where(EventRow.seq == event.seq)
                )
            ).one()
            assert isinstance(stored, str)
            return case, event, stored


def _compare(step: str, case: CaseRow, event: EventRow, live_text: str, run: _CaseRun) -> None:
    generated = run.events[-1]
    assert event.action == generated[2], step
    assert event.data.wire() == json.loads(generated[7]), step
    assert event.data == parse_data(event.action, json.loads(generated[7])), step
    assert live_text == generated[7], step  # the service stores the seeder's very bytes
    assert event.department_id == generated[9], step
    assert event.prev_department_id == generated[10], step
    record = run.record
    assert case.deadlines == list(record.deadlines), step
    assert case.state == record.state.value, step
    assert case.pending_detail == record.pending_detail, step
    for name in ("rework_count", "return_count", "urge_count", "extension_seconds",
                 "supervised", "verified", "department_id"):  # fmt: skip
        assert getattr(case, name) == getattr(record, name), f"{step}: {name}"
    assert case.attachments == list(record.attachments), step


def _compare_json(step: str, stored: dict[str, str], run: _CaseRun) -> None:
    """The case's JSON columns hold the seeder's very bytes (key order, keys left out)."""
    seeded = dict(zip(CASE_COLUMNS, run.row(), strict=True))
    assert stored == {name: seeded[name] for name in CORE_JSON}, step


async def _actor(db: Database) -> tuple[Actor, int]:
    async with db.read() as session:
        user = (await session.exec(select(UserRow).where(UserRow.role == "admin"))).first()
    assert user is not None and user.id is not None
    kind = kind_for_code_length(user.jurisdiction_code)
    assert kind is not None
    prefix = scope_prefix(kind, user.jurisdiction_code)
    return (
        Actor(user.id, user.username, user.display_name, Role.ADMIN, user.jurisdiction_code,
              prefix, None),
        user.id,
    )  # fmt: skip


@pytest.fixture
def case_db(city: Path, tmp_path: Path) -> Path:
    path = tmp_path / "case.db"
    shutil.copy(city, path)
    return path


@dataclass
class Move:
    label: str
    action: Action
    fields: dict[str, Any]
    now: datetime
    plan: sm.Plan


def _start(path: Path, seed: int) -> tuple[random.Random, _CaseRun]:
    """The seeded random source and the seeder's run of one case, before its report.
    Most reporters leave a phone (closing then starts a callback); odd seeds play a
    centre that does not redo dissatisfied cases."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        ref = _load_reference(lambda sql: conn.execute(sql).fetchall(), random.Random(seed))
    finally:
        conn.close()
    policy = DeadlinePolicy(WorkingCalendar.load(), TimeLimitPolicy.load())
    gen = _Generator(ref, policy, us(START + timedelta(days=999)), seed % 2 == 0)
    run = _CaseRun(gen, rng, 1, "", us(START), rng.randrange(len(ref.grids)), 0)
    run.operator = run.dispatcher = run.lead = gen.admin
    run.self_disposed = run.by_supervisor = rng.random() < 0.2
    run.report()
    if rng.random() < 0.75:
        run.phone = f"1380000{seed:04d}"
        run.record.has_contact = True
    return rng, run


def _walk(rng: random.Random, run: _CaseRun) -> Iterator[Move]:
    """A random legal sequence of actions (mostly forward, now and then a detour), each
    applied to ``run`` through the seeder's path before it is yielded."""
    now = START
    for i in range(STEPS):
        record = run.record
        if record.state is CaseState.VOIDED:
            return
        choices = [
            a
            for a in sm.allowed_actions(record.state, record.pending_kind, Role.ADMIN, record.stage)
            if a not in SKIPPED
        ]
        action = rng.choices(choices, [WEIGHTS.get(a, 1.0) for a in choices])[0]
        fields = _fields(rng, action, run)
        if fields is None:
            continue
        now += timedelta(seconds=rng.choice(DELAYS) + rng.random())
        plan = sm.plan(record.state, record.pending_kind, action, Role.ADMIN, fields, record.stage)
        department = checker = None
        if sm.Effect.SET_DEPARTMENT in plan.effects:
            code = fields.get("department_code")
            departments = run.gen.ref.departments
            department = next(d for d in departments if d.code == code) if code else run.routed
        if sm.Effect.SET_CHECKER in plan.effects:
            checker = run.supervisor
        stored = tuple(  # as the case keeps them: the reference a client sends
            AttachmentRef.model_validate(a).model_dump(mode="json")
            for a in fields.get("attachments", ())
        )
        at = run.act(us(now), action, run.gen.admin, fields, department=department,
                     checker=checker, attachments=stored)  # fmt: skip
        assert at == us(now)
        yield Move(f"step {i}: {action.value} from {record.state.value}", action, fields, now, plan)


@pytest.mark.parametrize("seed", range(SEEDS))
async def test_service_and_seeder_write_the_same_events_and_deadlines(
    case_db: Path, seed: int
) -> None:
    rng, run = _start(case_db, seed)
    policy = run.gen.policy
    db = Database(f"sqlite:///{case_db}")
    try:
        service_ref = Reference(db)
        await service_ref.load()
        clockwork = Clockwork(policy.calendar, policy.policy)
        redo = run.gen.redo_on_dissatisfied
        service = CaseService(db, service_ref, clockwork, redo_on_dissatisfied=redo)
        actor, admin_id = await _actor(db)
        assert run.gen.admin.id == admin_id
        live = Live(db, service, actor)
        await live.create(run, START)
        case, event, text = await live.last()
        _compare("report", case, event, text, run)
        _compare_json("report", await live.stored_json(), run)
        for move in _walk(rng, run):
            await live.act(move.action, move.fields, move.now)
            case, event, text = await live.last()
            _compare(move.label, case, event, text, run)
            _compare_json(move.label, await live.stored_json(), run)
    finally:
        await db.dispose()


def test_the_walks_cover_the_workflow(city: Path) -> None:
    """The comparison above is only as good as its walks: together they take every
    action and branch (merging aside) and every clock effect but the unmerge's."""
    branches: set[tuple[Action, str]] = set()
    clocks: set[sm.ClockEffect] = set()
    for seed in range(SEEDS):
        rng, run = _start(city, seed)
        for move in _walk(rng, run):
            branches.add((move.action, move.plan.branch))
            clocks.add(move.plan.outcome.clock)
    expected = {
        (rule.action, branch)
        for rule in sm.RULES
        if rule.action not in SKIPPED
        for branch in rule.outcomes
    }
    assert expected - branches == set()
    assert clocks == set(sm.ClockEffect) - {sm.ClockEffect.RESTORE}
