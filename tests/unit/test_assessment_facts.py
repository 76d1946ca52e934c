"""Assessment facts folded from the log, and the counters they give per object."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain import statemachine as sm
from backend.domain.assessment.facts import CaseFacts, LoggedEvent, fold
from backend.domain.assessment.tally import ObjectKey, Period, tally
from backend.domain.calendar import WorkingCalendar
from backend.domain.timelimits import TimeLimitPolicy
from backend.domain.workflow import CaseRecord, DeadlinePolicy, Move, open_case, step
from backend_client.vocab import (
    Action,
    AreaClass,
    CallbackResult,
    CaseState,
    CategoryKind,
    Role,
    Source,
    Urgency,
)

A = Action
POLICY = DeadlinePolicy(WorkingCalendar.load(), TimeLimitPolicy.load())
GRID = "110112001002003"
START = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in Beijing
NOVEMBER = Period(datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC))
ROLE_USER = {Role.SUPERVISOR: 11, Role.OPERATOR: 12, Role.DISPATCHER: 13, Role.SHIFT_LEAD: 14}
DEPARTMENTS = (7, 8)


@dataclass
class Walk:
    """One case played through the workflow core, with the log rows it would write."""

    record: CaseRecord
    events: list[LoggedEvent]
    now: datetime

    def log(
        self, action: Action, role: Role, data: dict[str, Any], before: int | None = None
    ) -> None:
        user = ROLE_USER.get(role, 90)
        self.events.append(
            LoggedEvent(
                seq=len(self.events) + 1,
                case_id=1,
                action=action.value,
                actor_id=user,
                actor_role=role.value,
                at=self.now,
                data=data,
                grid_code=GRID,
                department_id=self.record.department_id,
                prev_department_id=before,
            )
        )


def report(role: Role = Role.SUPERVISOR, at: datetime = START) -> Walk:
    record = CaseRecord(
        state=CaseState.REPORTED,
        source=Source.SUPERVISOR if role is Role.SUPERVISOR else Source.HOTLINE,
        urgency=Urgency.NORMAL,
        area_class=AreaClass.A,
        category_kind=CategoryKind.MATTER,
        category_code="09016",
    )
    walk = Walk(record, [], at)
    outcome = sm.plan_report(role, False)
    result = open_case(record, outcome, at, POLICY)
    walk.record = result.record
    walk.log(A.REPORT, role, result.data.wire())
    return walk


def act(walk: Walk, action: Action, role: Role, after: timedelta, **fields: Any) -> None:
    walk.now += after
    record = walk.record
    plan = sm.plan(record.state, record.pending_kind, action, role, fields, record.stage)
    department = None
    if action is A.DISPATCH:
        code = fields.pop("department")
        department = (code, f"D{code}")
    checker = (ROLE_USER[Role.SUPERVISOR], "监督员") if action is A.ASSIGN_CHECK else None
    move = Move(plan, fields, actor="x", department=department, checker=checker)
    before = walk.record.department_id
    result = step(walk.record, move, walk.now, POLICY)
    walk.record = result.record
    walk.log(action, role, result.data.wire(), before)


MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def closed_on_time() -> Walk:
    walk = report()
    act(walk, A.FILE, Role.SHIFT_LEAD, 5 * MINUTE)
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=7)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    act(walk, A.REPORT_DISPOSAL, Role.HANDLER, 2 * HOUR, note="已处置。")
    act(walk, A.ASSIGN_CHECK, Role.OPERATOR, 10 * MINUTE, supervisor="s")
    act(walk, A.VERIFY, Role.SUPERVISOR, 20 * MINUTE, passed=True)
    return walk


def late_with_rework() -> Walk:
    walk = report(Role.OPERATOR)
    act(walk, A.FILE, Role.SHIFT_LEAD, 50 * MINUTE)  # the intake limit is 30 minutes
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=8)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    act(walk, A.REPORT_DISPOSAL, Role.HANDLER, 2 * HOUR, note="已处置。")
    act(walk, A.ASSIGN_CHECK, Role.OPERATOR, 10 * MINUTE, supervisor="s")
    act(walk, A.VERIFY, Role.SUPERVISOR, 20 * MINUTE, passed=False)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    act(walk, A.REPORT_DISPOSAL, Role.HANDLER, 5 * DAY, note="再处置。")  # past its limit
    act(walk, A.VERIFY, Role.OPERATOR, 30 * MINUTE, passed=True)
    return walk


def test_a_case_closed_on_time() -> None:
    facts = fold(closed_on_time().events)
    assert facts.state == CaseState.CLOSED
    assert [run.stage for run in facts.runs] == ["intake", "sign", "dispose", "check"]
    assert all(run.on_time for run in facts.runs)
    assert facts.departments == [7] and not facts.wrong_dispatch
    counters = tally([facts], NOVEMBER)
    department = counters[ObjectKey("department", "7")]
    assert (department.dispose_due, department.disposed, department.disposed_on_time) == (1, 1, 1)
    assert (department.close_due, department.closed, department.closed_on_time) == (1, 1, 1)
    assert department.filed == 1  # dispatched to it
    grid = counters[ObjectKey("grid", GRID)]
    assert (grid.patrol_reports, grid.filed, grid.filed_on_time, grid.closed_first_time) == (
        1,
        1,
        1,
        1,
    )
    supervisor = counters[ObjectKey("post", "11")]
    assert (supervisor.patrol_reports, supervisor.valid_patrol_reports) == (1, 1)
    assert (supervisor.check_due, supervisor.check_on_time) == (1, 1)
    assert counters[ObjectKey("post", "13")].dispatched_accurately == 1


def test_a_late_case_with_rework() -> None:
    facts = fold(late_with_rework().events)
    assert facts.reworks == 1 and facts.failed_checks == 1
    counters = tally([facts], NOVEMBER)
    department = counters[ObjectKey("department", "8")]
    assert (department.dispose_due, department.disposed, department.disposed_on_time) == (2, 2, 1)
    assert (department.close_due, department.closed, department.closed_on_time) == (1, 1, 0)
    assert department.closed_first_time == 0 and department.reworks == 1
    lead = counters[ObjectKey("post", "14")]
    assert (lead.filed, lead.filed_on_time) == (1, 0)
    assert counters[ObjectKey("post", "12")].accepted == 1
    assert counters[ObjectKey("street", GRID[:9])].public_reports == 1


def test_overdue_not_disposed_at_period_end() -> None:
    walk = report(at=datetime(2026, 11, 26, 1, 30, tzinfo=UTC))
    act(walk, A.FILE, Role.SHIFT_LEAD, 5 * MINUTE)
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=7)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    department = tally([fold(walk.events)], NOVEMBER)[ObjectKey("department", "7")]
    assert (department.dispose_due, department.disposed, department.overdue_not_disposed) == (
        1,
        0,
        1,
    )


def test_shirking_and_an_approved_return() -> None:
    walk = report()
    act(walk, A.FILE, Role.SHIFT_LEAD, 5 * MINUTE)
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=7)
    act(walk, A.REQUEST_RETURN, Role.HANDLER, 10 * MINUTE, reason="不归我们管。")
    act(walk, A.DECIDE, Role.DISPATCHER, 10 * MINUTE, approve=False)
    act(walk, A.REQUEST_RETURN, Role.HANDLER, 10 * MINUTE, reason="确实不归我们管。")
    act(walk, A.DECIDE, Role.DISPATCHER, 10 * MINUTE, approve=True)
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=8)
    facts = fold(walk.events)
    assert (facts.shirks, facts.returns, facts.wrong_dispatch) == (1, 1, True)
    counters = tally([facts], NOVEMBER)
    assert (
        counters[ObjectKey("department", "7")].shirks,
        counters[ObjectKey("department", "7")].returns,
    ) == (1, 1)


def _random_walk(seed: int) -> Walk:
    """Random legal moves through the one state-machine table and workflow core."""
    rng = random.Random(seed)
    walk = report(rng.choice([Role.SUPERVISOR, Role.OPERATOR]))
    walk.record.has_contact = rng.random() < 0.7  # closing then starts a callback
    roles = [Role.OPERATOR, Role.DISPATCHER, Role.SHIFT_LEAD, Role.SUPERVISOR, Role.HANDLER]
    for _ in range(rng.randrange(1, 30)):
        role = rng.choice(roles)
        allowed = [
            a
            for a in sm.allowed_actions(
                walk.record.state, walk.record.pending_kind, role, walk.record.stage
            )
            if a not in (A.MERGE, A.UNMERGE)
        ]
        if not allowed:
            continue
        action = rng.choice(allowed)
        fields: dict[str, Any] = {
            "reason": "理由", "note": "备注", "hours": 8.0, "approve": rng.random() < 0.5,
            "passed": rng.random() < 0.6, "truthful": rng.random() < 0.8, "supervisor": "s",
            "result": rng.choice(list(CallbackResult)).value,
        }  # fmt: skip
        if action is A.DISPATCH:
            fields["department"] = rng.choice(DEPARTMENTS)
        wanted = {name: fields[name] for name in fields if name in _requires(action)}
        if action is A.DISPATCH:
            wanted["department"] = fields["department"]
        act(walk, action, role, timedelta(minutes=rng.choice((3, 40, 300, 2000))), **wanted)
    return walk


def _requires(action: Action) -> set[str]:
    return {name for rule in sm.RULES if rule.action is action for name in rule.requires}


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(0, 40))
def test_folding_in_two_parts_equals_folding_at_once(seed: int, cut: int) -> None:
    events = _random_walk(seed).events
    whole = fold(events)
    first = fold(events[:cut])
    stored = CaseFacts.from_json(first.to_json())  # as the projection keeps it
    assert fold(events[cut:], stored) == whole
    assert fold(events, CaseFacts.from_json(whole.to_json())) == whole  # replays change nothing


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_stored_facts_read_back_equal_through_json_text(seed: int) -> None:
    facts = fold(_random_walk(seed).events)
    stored = json.loads(json.dumps(facts.to_json()))
    assert isinstance(stored, list)  # positional: no key names in every row
    assert CaseFacts.from_json(stored) == facts


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_facts_stored_as_keyed_objects_still_read(seed: int) -> None:
    facts = fold(_random_walk(seed).events)
    keyed = json.loads(json.dumps(asdict(facts)))  # the form stored before positions
    assert CaseFacts.from_json(keyed) == facts


def test_facts_stored_before_a_field_was_added_read_with_its_default() -> None:
    facts = fold(_random_walk(7).events)
    older = facts.to_json()[:-1]  # as if the last field had not existed yet
    older[_RUNS_AT] = [run[:-1] for run in older[_RUNS_AT]]
    read = CaseFacts.from_json(older)
    assert read.merge_snapshot is None
    assert [run.extended_hours for run in read.runs] == [0.0] * len(facts.runs)
    assert read.runs[0].stage == facts.runs[0].stage and read.state == facts.state


_RUNS_AT = [f.name for f in fields(CaseFacts)].index("runs")
