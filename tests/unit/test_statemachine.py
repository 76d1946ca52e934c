"""The state machine, exhaustively: every (state, action, role) either plans or refuses."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from backend.domain import statemachine as sm
from backend_client.vocab import Action, CaseState, PendingKind, Role, Stage

# Every field any action can need, filled, so only state/role decide.
FULL = {
    "department_code": "HW",
    "reason": "r",
    "note": "n",
    "hours": 4.0,
    "approve": True,
    "passed": True,
    "truthful": True,
    "target": "X",
    "supervisor": "sup001",
}

EXPECTED_ALLOWED = {
    # (state, action) -> roles, written out by hand from the workflow in domain.md §4
    (CaseState.REPORTED, Action.REQUEST_VERIFICATION): {"operator", "shift_lead", "admin"},
    (CaseState.VERIFYING, Action.CONFIRM_REPORT): {"supervisor", "shift_lead", "admin"},
    (CaseState.REPORTED, Action.FILE): {"operator", "shift_lead", "admin"},
    (CaseState.FILED, Action.DISPATCH): {"dispatcher", "shift_lead", "admin"},
    (CaseState.DISPATCHED, Action.SIGN): {"handler", "admin"},
    (CaseState.IN_PROGRESS, Action.REPORT_DISPOSAL): {"handler", "admin"},
    (CaseState.DISPOSED, Action.ASSIGN_CHECK): {"operator", "shift_lead", "admin"},
    (CaseState.CHECKING, Action.VERIFY): {"supervisor", "operator", "shift_lead", "admin"},
    (CaseState.DISPOSED, Action.VERIFY): {"operator", "shift_lead", "admin"},
    (CaseState.SELF_DISPOSED, Action.VERIFY): {"operator", "shift_lead", "admin"},
    (CaseState.CLOSED, Action.REOPEN): {"shift_lead", "admin"},
    (CaseState.SUSPENDED, Action.RESUME): {"handler", "dispatcher", "shift_lead", "admin"},
}


@pytest.mark.parametrize(("state", "action"), list(EXPECTED_ALLOWED))
def test_core_loop_roles(state: CaseState, action: Action) -> None:
    allowed = {r.value for r in Role if _plans(state, None, action, r)}
    assert allowed == EXPECTED_ALLOWED[(state, action)]


def _plans(state: CaseState, pending: PendingKind | None, action: Action, role: Role) -> bool:
    try:
        sm.plan(state, pending, action, role, FULL)
    except sm.TransitionError:
        return False
    return True


def test_every_combination_is_decided_by_the_table() -> None:
    """plan() agrees with allowed_actions() for every state, pending, action and role."""
    pendings: list[PendingKind | None] = [None, *PendingKind]
    for state, pending, action, role in itertools.product(CaseState, pendings, Action, Role):
        planned = _plans(state, pending, action, role)
        listed = action in sm.allowed_actions(state, pending, role)
        assert planned == listed, (state, pending, action, role)


def test_leader_is_read_only() -> None:
    for state, action in itertools.product(CaseState, Action):
        assert not _plans(state, None, action, Role.LEADER)
    with pytest.raises(sm.RoleForbidden):
        sm.plan_report(Role.LEADER, self_disposed=False)


def test_refusal_names_state_and_action() -> None:
    with pytest.raises(sm.IllegalTransition) as err:
        sm.plan(CaseState.CLOSED, None, Action.DISPATCH, Role.DISPATCHER, FULL)
    assert "已结案" in err.value.message and "派遣" in err.value.message
    assert "closed" in err.value.message and "dispatch" in err.value.message


def test_role_refusal_names_role() -> None:
    with pytest.raises(sm.RoleForbidden) as err:
        sm.plan(CaseState.FILED, None, Action.DISPATCH, Role.HANDLER, FULL)
    assert "handler" in err.value.message


def test_missing_fields_are_named() -> None:
    with pytest.raises(sm.MissingField) as err:
        sm.plan(CaseState.REPORTED, None, Action.VOID, Role.SHIFT_LEAD, {})
    assert err.value.missing == ["reason"]


@pytest.mark.parametrize(
    ("pending", "approve", "state"),
    [
        (PendingKind.RETURN, True, CaseState.FILED),
        (PendingKind.RETURN, False, CaseState.IN_PROGRESS),
        (PendingKind.EXTENSION, True, CaseState.IN_PROGRESS),
        (PendingKind.SUSPENSION, True, CaseState.SUSPENDED),
        (PendingKind.SUSPENSION, False, CaseState.IN_PROGRESS),
    ],
)
def test_decisions(pending: PendingKind, approve: bool, state: CaseState) -> None:
    fields = {**FULL, "approve": approve}
    plan = sm.plan(CaseState.IN_PROGRESS, pending, Action.DECIDE, Role.DISPATCHER, fields)
    assert plan.next_state is state
    assert sm.Effect.CLEAR_PENDING in plan.effects


def test_failed_check_is_rework_with_new_sign_clock() -> None:
    plan = sm.plan(
        CaseState.CHECKING, None, Action.VERIFY, Role.SUPERVISOR, {**FULL, "passed": False}
    )
    assert plan.next_state is CaseState.DISPATCHED
    assert sm.Effect.REWORK in plan.effects
    assert plan.outcome.clock is sm.ClockEffect.START and plan.outcome.stage is not None


def test_self_disposed_report_only_needs_review() -> None:
    assert sm.plan_report(Role.SUPERVISOR, self_disposed=True).state is CaseState.SELF_DISPOSED
    with pytest.raises(sm.TransitionError):
        sm.plan_report(Role.OPERATOR, self_disposed=True)
    plan = sm.plan(CaseState.SELF_DISPOSED, None, Action.VERIFY, Role.SHIFT_LEAD, FULL)
    assert plan.next_state is CaseState.CLOSED


def test_no_new_request_while_one_is_pending() -> None:
    with pytest.raises(sm.IllegalTransition):
        sm.plan(
            CaseState.IN_PROGRESS, PendingKind.EXTENSION, Action.REQUEST_RETURN, Role.HANDLER, FULL
        )


class WorkflowMachine(RuleBasedStateMachine):
    """Random walks through the workflow: the model never reaches a state that has no exit
    except the terminal ones, and terminal states only leave by reopen/unmerge."""

    def __init__(self) -> None:
        super().__init__()
        self.state = CaseState.REPORTED
        self.pending: PendingKind | None = None
        self.steps = 0

    @rule(
        action=st.sampled_from(list(Action)), role=st.sampled_from(list(Role)), flag=st.booleans()
    )
    def act(self, action: Action, role: Role, flag: bool) -> None:
        fields = {**FULL, "approve": flag, "passed": flag, "truthful": flag}
        try:
            plan = sm.plan(self.state, self.pending, action, role, fields)
        except sm.TransitionError:
            assert action not in sm.allowed_actions(self.state, self.pending, role)
            return
        assert action in sm.allowed_actions(self.state, self.pending, role)
        if sm.Effect.SET_PENDING in plan.effects:
            self.pending = sm.pending_kind_for(action)
        if sm.Effect.CLEAR_PENDING in plan.effects:
            self.pending = None
        if plan.outcome.clock is sm.ClockEffect.RESTORE:
            self.state = CaseState.REPORTED  # the model's stand-in for "state before merge"
        else:
            self.state = plan.next_state
        self.steps += 1

    @precondition(lambda self: self.state in {CaseState.CLOSED, CaseState.VOIDED})
    @rule()
    def terminal_exits(self) -> None:
        exits = {a for r in Role for a in sm.allowed_actions(self.state, None, r)}
        assert exits <= {Action.REOPEN, Action.COMMENT}
        due = {a for r in Role for a in sm.allowed_actions(self.state, None, r, Stage.CALLBACK)}
        assert due <= {Action.REOPEN, Action.COMMENT, Action.CALLBACK}

    @invariant()
    def pending_only_with_a_department(self) -> None:
        if self.pending is not None:
            assert self.state in {CaseState.DISPATCHED, CaseState.IN_PROGRESS}

    @invariant()
    def open_states_have_an_exit(self) -> None:
        if self.state.is_open:
            exits = {a for r in Role for a in sm.allowed_actions(self.state, self.pending, r)}
            assert exits - {Action.COMMENT, Action.SUPERVISE, Action.URGE}


TestWorkflow = WorkflowMachine.TestCase
TestWorkflow.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)


# --- callback (回访) ------------------------------------------------------------------------

CALLBACK_ROLES = {"operator", "shift_lead", "admin"}


def _callback(result: str, stage: Stage | None = Stage.CALLBACK, **extra: object) -> sm.Plan:
    fields = {"result": result, **extra}
    return sm.plan(CaseState.CLOSED, None, Action.CALLBACK, Role.OPERATOR, fields, stage)


def test_callback_roles_and_only_while_due() -> None:
    for role in Role:
        allowed = Action.CALLBACK in sm.allowed_actions(
            CaseState.CLOSED, None, role, Stage.CALLBACK
        )
        assert allowed is (role.value in CALLBACK_ROLES), role
        assert Action.CALLBACK not in sm.allowed_actions(CaseState.CLOSED, None, role)
    with pytest.raises(sm.IllegalTransition, match="no callback is due"):
        _callback("satisfied", stage=None)
    with pytest.raises(sm.IllegalTransition):  # an open case is not called back
        sm.plan(
            CaseState.IN_PROGRESS, None, Action.CALLBACK, Role.OPERATOR,
            {"result": "basic"}, Stage.CALLBACK,
        )  # fmt: skip
    with pytest.raises(sm.RoleForbidden):
        sm.plan(
            CaseState.CLOSED, None, Action.CALLBACK, Role.SUPERVISOR,
            {"result": "basic"}, Stage.CALLBACK,
        )  # fmt: skip
    with pytest.raises(sm.MissingField):
        sm.plan(CaseState.CLOSED, None, Action.CALLBACK, Role.OPERATOR, {}, Stage.CALLBACK)


def test_callback_branches() -> None:
    for result in ("satisfied", "basic"):
        plan = _callback(result)
        assert (plan.branch, plan.next_state) == (result, CaseState.CLOSED)
        assert plan.outcome.clock is sm.ClockEffect.STOP
    unreachable = _callback("unreachable")
    assert unreachable.outcome.clock is sm.ClockEffect.KEEP  # still due: try again
    redo = _callback("dissatisfied", redo=True)
    assert (redo.next_state, redo.outcome.stage) == (CaseState.FILED, Stage.INTAKE)
    assert redo.outcome.clock is sm.ClockEffect.START
    kept = _callback("dissatisfied", redo=False)
    assert (kept.branch, kept.next_state) == ("dissatisfied:kept", CaseState.CLOSED)
    assert kept.outcome.clock is sm.ClockEffect.STOP


def test_every_closing_awaits_a_callback() -> None:
    closings = [
        o for r in sm.RULES for o in r.outcomes.values() if o.state is CaseState.CLOSED
        and sm.Effect.CLOSE in o.effects
    ]  # fmt: skip
    assert closings and all(sm.Effect.AWAIT_CALLBACK in o.effects for o in closings)
