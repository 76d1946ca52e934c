"""The case state machine: the only place that knows which action may move a case where.

Each row of ``RULES`` says: this action, from these states, by these roles, needs
these request fields, and leads to this outcome.  An outcome names the next state
and what happens to the stage clock.  Actions whose result depends on the request
(verify pass/fail, decide approve/reject) have one outcome per *branch*.

Everything here is pure data plus two functions, :func:`plan` and
:func:`allowed_actions`; the service layer applies the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from backend_client.labels import both
from backend_client.vocab import Action, CallbackResult, CaseState, PendingKind, Role, Stage

S = CaseState
A = Action
R = Role


class ClockEffect(StrEnum):
    """What an outcome does to the running stage deadline."""

    KEEP = "keep"  # leave the current stage clock alone
    START = "start"  # start the outcome's ``stage`` from now
    STOP = "stop"  # no stage is running any more (closed, voided, merged)
    PAUSE = "pause"  # suspension approved (挂账)
    RESUME = "resume"  # suspension ended: shift the due date by the paused span
    EXTEND = "extend"  # extension approved: push the due date by the granted hours
    RESTORE = "restore"  # unmerge: put back the clock the case had before merging


class Effect(StrEnum):
    """Book-keeping beyond state and clock."""

    SET_PENDING = "set_pending"
    CLEAR_PENDING = "clear_pending"
    SET_DEPARTMENT = "set_department"
    CLEAR_DEPARTMENT = "clear_department"  # approved return: counts as a wrong dispatch
    REWORK = "rework"  # failed check: same department again, rework +1
    SUPERVISE = "supervise"
    URGE = "urge"
    SET_CHECKER = "set_checker"
    MERGE = "merge"
    UNMERGE = "unmerge"
    MARK_VERIFIED = "mark_verified"
    CLOSE = "close"
    AWAIT_CALLBACK = "await_callback"  # closed: start the callback stage if there is a contact


SAME = None  # an outcome that keeps the state


@dataclass(frozen=True)
class Outcome:
    state: CaseState | None  # None: unchanged
    clock: ClockEffect = ClockEffect.KEEP
    stage: Stage | None = None  # the stage started when clock is START
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Rule:
    action: Action
    sources: frozenset[CaseState]
    roles: frozenset[Role]
    outcomes: dict[str, Outcome]  # branch -> outcome; single-branch rules use "ok"
    requires: tuple[str, ...] = ()
    pending: bool | None = None  # True: a request must be waiting; False: none may be
    note: str = ""
    during: Stage | None = None  # only while this stage runs (a callback that is due)


OPEN = frozenset(s for s in CaseState if s.is_open)
ALL = frozenset(CaseState)
BEFORE_DISPATCH = frozenset({S.REPORTED, S.VERIFYING, S.FILED, S.SELF_DISPOSED})
WITH_DEPARTMENT = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED, S.DISPOSED, S.CHECKING})

CENTRE = frozenset({R.OPERATOR, R.DISPATCHER, R.SHIFT_LEAD, R.ADMIN})
INTAKE_DESK = frozenset({R.OPERATOR, R.SHIFT_LEAD, R.ADMIN})
DISPATCH_DESK = frozenset({R.DISPATCHER, R.SHIFT_LEAD, R.ADMIN})
LEADS = frozenset({R.SHIFT_LEAD, R.ADMIN})
DEPARTMENT = frozenset({R.HANDLER, R.ADMIN})
EVERYONE_BUT_LEADER = frozenset(Role) - {R.LEADER}


def _one(outcome: Outcome) -> dict[str, Outcome]:
    return {"ok": outcome}


def _rule(
    action: Action,
    sources: frozenset[CaseState] | set[CaseState],
    roles: frozenset[Role] | set[Role],
    outcomes: dict[str, Outcome] | Outcome,
    requires: tuple[str, ...] = (),
    pending: bool | None = None,
    during: Stage | None = None,
) -> Rule:
    table = outcomes if isinstance(outcomes, dict) else _one(outcomes)
    return Rule(
        action, frozenset(sources), frozenset(roles), table, requires, pending, during=during
    )


INTAKE_AGAIN = Outcome(S.REPORTED, ClockEffect.START, Stage.INTAKE)
CLOSED_OK = Outcome(S.CLOSED, ClockEffect.STOP, effects=(Effect.CLOSE, Effect.AWAIT_CALLBACK))
CALLBACK_DONE = Outcome(SAME, ClockEffect.STOP)
CB = CallbackResult

RULES: tuple[Rule, ...] = (
    # Creation is modelled as a transition from "no state" (None is not a CaseState, so
    # report has its own source set handled by ``plan_report``).
    _rule(
        A.REQUEST_VERIFICATION,
        {S.REPORTED},
        INTAKE_DESK,
        Outcome(S.VERIFYING, ClockEffect.START, Stage.VERIFY),
    ),
    _rule(
        A.CONFIRM_REPORT,
        {S.VERIFYING},
        {R.SUPERVISOR, R.SHIFT_LEAD, R.ADMIN},
        {
            "true": Outcome(S.REPORTED, ClockEffect.START, Stage.INTAKE, (Effect.MARK_VERIFIED,)),
            "false": Outcome(S.REPORTED, ClockEffect.START, Stage.INTAKE, (Effect.MARK_VERIFIED,)),
        },
        requires=("truthful",),
    ),
    _rule(A.FILE, {S.REPORTED}, INTAKE_DESK, Outcome(S.FILED, ClockEffect.KEEP)),
    _rule(
        A.VOID,
        BEFORE_DISPATCH,
        LEADS,
        Outcome(S.VOIDED, ClockEffect.STOP, effects=(Effect.CLOSE,)),
        requires=("reason",),
    ),
    _rule(
        A.DISPATCH,
        {S.FILED},
        DISPATCH_DESK,
        Outcome(S.DISPATCHED, ClockEffect.START, Stage.SIGN, (Effect.SET_DEPARTMENT,)),
    ),
    _rule(
        A.SIGN,
        {S.DISPATCHED},
        DEPARTMENT,
        Outcome(S.IN_PROGRESS, ClockEffect.START, Stage.DISPOSE),
        pending=False,
    ),
    _rule(
        A.REQUEST_RETURN,
        {S.DISPATCHED, S.IN_PROGRESS},
        DEPARTMENT,
        Outcome(SAME, effects=(Effect.SET_PENDING,)),
        requires=("reason",),
        pending=False,
    ),
    _rule(
        A.REQUEST_EXTENSION,
        {S.IN_PROGRESS},
        DEPARTMENT,
        Outcome(SAME, effects=(Effect.SET_PENDING,)),
        requires=("hours", "reason"),
        pending=False,
    ),
    _rule(
        A.REQUEST_SUSPENSION,
        {S.IN_PROGRESS},
        DEPARTMENT,
        Outcome(SAME, effects=(Effect.SET_PENDING,)),
        requires=("reason",),
        pending=False,
    ),
    _rule(
        A.DECIDE,
        {S.DISPATCHED, S.IN_PROGRESS},
        DISPATCH_DESK,
        {
            "return:approve": Outcome(
                S.FILED,
                ClockEffect.START,
                Stage.INTAKE,
                (Effect.CLEAR_PENDING, Effect.CLEAR_DEPARTMENT),
            ),
            "return:reject": Outcome(SAME, effects=(Effect.CLEAR_PENDING,)),
            "extension:approve": Outcome(SAME, ClockEffect.EXTEND, effects=(Effect.CLEAR_PENDING,)),
            "extension:reject": Outcome(SAME, effects=(Effect.CLEAR_PENDING,)),
            "suspension:approve": Outcome(
                S.SUSPENDED, ClockEffect.PAUSE, effects=(Effect.CLEAR_PENDING,)
            ),
            "suspension:reject": Outcome(SAME, effects=(Effect.CLEAR_PENDING,)),
        },
        requires=("approve",),
        pending=True,
    ),
    _rule(
        A.RESUME,
        {S.SUSPENDED},
        {R.HANDLER, R.DISPATCHER, R.SHIFT_LEAD, R.ADMIN},
        Outcome(S.IN_PROGRESS, ClockEffect.RESUME),
    ),
    _rule(
        A.REPORT_DISPOSAL,
        {S.IN_PROGRESS},
        DEPARTMENT,
        Outcome(S.DISPOSED, ClockEffect.START, Stage.CHECK),
        requires=("note",),
        pending=False,
    ),
    _rule(
        A.ASSIGN_CHECK,
        {S.DISPOSED},
        INTAKE_DESK,
        Outcome(S.CHECKING, ClockEffect.KEEP, effects=(Effect.SET_CHECKER,)),
        requires=("supervisor",),
    ),
    _rule(
        A.VERIFY,
        {S.CHECKING},
        {R.SUPERVISOR, R.OPERATOR, R.SHIFT_LEAD, R.ADMIN},
        {
            "pass": CLOSED_OK,
            "fail": Outcome(S.DISPATCHED, ClockEffect.START, Stage.SIGN, (Effect.REWORK,)),
        },
        requires=("passed",),
    ),
    _rule(
        A.VERIFY,
        {S.DISPOSED},
        INTAKE_DESK,
        {
            "pass": CLOSED_OK,
            "fail": Outcome(S.DISPATCHED, ClockEffect.START, Stage.SIGN, (Effect.REWORK,)),
        },
        requires=("passed",),
    ),
    _rule(
        A.VERIFY,
        {S.SELF_DISPOSED},
        INTAKE_DESK,
        {
            "pass": CLOSED_OK,
            "fail": INTAKE_AGAIN,
        },
        requires=("passed",),
    ),
    _rule(
        A.REOPEN, {S.CLOSED}, LEADS, Outcome(S.FILED, ClockEffect.START, Stage.INTAKE), ("reason",)
    ),
    _rule(
        A.MERGE,
        BEFORE_DISPATCH,
        CENTRE,
        Outcome(S.MERGED, ClockEffect.STOP, effects=(Effect.MERGE,)),
        requires=("target",),
    ),
    _rule(
        A.UNMERGE,
        {S.MERGED},
        CENTRE,
        Outcome(SAME, ClockEffect.RESTORE, effects=(Effect.UNMERGE,)),
    ),
    _rule(A.SUPERVISE, OPEN, LEADS, Outcome(SAME, effects=(Effect.SUPERVISE,))),
    _rule(A.URGE, WITH_DEPARTMENT, DISPATCH_DESK, Outcome(SAME, effects=(Effect.URGE,))),
    _rule(A.COMMENT, ALL, EVERYONE_BUT_LEADER, Outcome(SAME), requires=("note",)),
    # 回访: a closed case whose reporter left a contact has a running callback stage. The
    # result stops it, except an unreachable reporter (try again while it is due). A
    # dissatisfied reporter sends the case back for redo (重办: filed, intake again) when
    # the centre's policy redoes (the caller says so in ``redo``), else it just stops.
    _rule(
        A.CALLBACK,
        {S.CLOSED},
        INTAKE_DESK,
        {
            CB.SATISFIED.value: CALLBACK_DONE,
            CB.BASIC.value: CALLBACK_DONE,
            CB.DISSATISFIED.value: Outcome(S.FILED, ClockEffect.START, Stage.INTAKE),
            f"{CB.DISSATISFIED.value}:kept": CALLBACK_DONE,
            CB.UNREACHABLE.value: Outcome(SAME),
        },
        requires=("result",),
        during=Stage.CALLBACK,
    ),
)

REPORT_ROLES = frozenset({R.SUPERVISOR, R.OPERATOR, R.SHIFT_LEAD, R.ADMIN})
REPORT_OUTCOME = Outcome(S.REPORTED, ClockEffect.START, Stage.INTAKE)
SELF_DISPOSED_OUTCOME = Outcome(S.SELF_DISPOSED, ClockEffect.START, Stage.CHECK)

_BY_ACTION: dict[Action, list[Rule]] = {}
for _r in RULES:
    _BY_ACTION.setdefault(_r.action, []).append(_r)


class TransitionError(Exception):
    """Base for refusals; ``message`` is a sentence for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(TransitionError):
    def __init__(self, state: CaseState, action: Action, hint: str = "") -> None:
        self.state, self.action = state, action
        text = f"案件当前为“{both(state)}”，不能{both(action)}。"
        super().__init__(text + (f" {hint}" if hint else ""))


class RoleForbidden(TransitionError):
    def __init__(self, role: Role, action: Action) -> None:
        self.role, self.action = role, action
        super().__init__(f"{both(role)} 无权{both(action)}。")


class MissingField(TransitionError):
    def __init__(self, action: Action, missing: list[str]) -> None:
        self.action, self.missing = action, missing
        super().__init__(f"{both(action)} needs: {', '.join(missing)}.")


@dataclass(frozen=True)
class Plan:
    rule: Rule
    branch: str
    outcome: Outcome
    next_state: CaseState
    effects: tuple[Effect, ...] = field(default=())


def _branch(action: Action, fields: dict[str, object], pending: PendingKind | None) -> str:
    if action is A.VERIFY:
        return "pass" if fields.get("passed") else "fail"
    if action is A.CONFIRM_REPORT:
        return "true" if fields.get("truthful") else "false"
    if action is A.DECIDE:
        assert pending is not None
        return f"{pending.value}:{'approve' if fields.get('approve') else 'reject'}"
    if action is A.CALLBACK:
        result = CallbackResult(str(fields["result"]))
        if result is CB.DISSATISFIED and fields.get("redo") is False:
            return f"{result.value}:kept"
        return result.value
    return "ok"


def policy_fields(
    action: Action, fields: Mapping[str, object], redo_on_dissatisfied: bool
) -> dict[str, object]:
    """What the centre's policy adds to a request: a dissatisfied callback says whether
    the case is redone (重办), which picks its branch."""
    if action is A.CALLBACK and fields.get("result") == CB.DISSATISFIED:
        return {"redo": redo_on_dissatisfied}
    return {}


NOT_DUE = (
    "没有待办的回访：报告人未留联系方式，或回访已完成 "
    "(no callback is due: the reporter left no contact, or it was already recorded)."
)


def plan(
    state: CaseState,
    pending: PendingKind | None,
    action: Action,
    role: Role,
    fields: dict[str, object],
    stage: Stage | None = None,
) -> Plan:
    """Decide what ``action`` does to a case in ``state``, or raise a TransitionError.

    ``fields`` are the request fields that were given (None values count as absent).
    ``stage`` is the case's running stage (a rule ``during`` a stage needs it).
    Checks run in the order an operator would want to hear about them: is the action
    possible at all in this state, may this role do it, is anything missing.
    """
    if action is A.REPORT:
        raise IllegalTransition(state, action, "上报会新建案件 (a report creates a new case).")
    if action is A.ATTACH:
        raise IllegalTransition(
            state, action, "照片用 POST /cases/{serial}/attachments 上传 (upload photos there)."
        )
    rules = [r for r in _BY_ACTION.get(action, []) if state in r.sources]
    if not rules:
        raise IllegalTransition(state, action)
    permitted = [r for r in rules if role in r.roles]
    if not permitted:
        raise RoleForbidden(role, action)
    rule = permitted[0]
    if rule.during is not None and stage is not rule.during:
        raise IllegalTransition(state, action, NOT_DUE)
    if rule.pending is True and pending is None:
        raise IllegalTransition(
            state, action, "没有待审批的申请 (nothing is waiting for a decision)."
        )
    if rule.pending is False and pending is not None:
        raise IllegalTransition(
            state, action, f"已有待审批的{both(pending)}申请 (a request is waiting)."
        )
    missing = [name for name in rule.requires if fields.get(name) in (None, "")]
    if missing:
        raise MissingField(action, missing)
    branch = _branch(action, fields, pending)
    outcome = rule.outcomes[branch]
    next_state = outcome.state if outcome.state is not None else state
    return Plan(rule, branch, outcome, next_state, outcome.effects)


def plan_report(role: Role, self_disposed: bool) -> Outcome:
    """The outcome of creating a case; a supervisor may report it as already fixed."""
    if role not in REPORT_ROLES:
        raise RoleForbidden(role, A.REPORT)
    if self_disposed:
        if role not in {R.SUPERVISOR, R.ADMIN}:
            raise TransitionError(
                "只有监督员可以上报自处置案件 (only a supervisor can self-dispose)."
            )
        return SELF_DISPOSED_OUTCOME
    return REPORT_OUTCOME


ATTACH_ROLES = EVERYONE_BUT_LEADER


def check_attach(state: CaseState, role: Role) -> None:
    """May this role add a photo to a case in ``state``?  Anyone who works cases may,
    while the case is open; a closed case's evidence is frozen."""
    if role not in ATTACH_ROLES:
        raise RoleForbidden(role, A.ATTACH)
    if not state.is_open:
        raise IllegalTransition(state, A.ATTACH)


def allowed_actions(
    state: CaseState, pending: PendingKind | None, role: Role, stage: Stage | None = None
) -> list[Action]:
    """Actions this role could take now (field requirements aside), in table order."""
    seen: list[Action] = []
    for rule in RULES:
        if rule.action in seen or state not in rule.sources or role not in rule.roles:
            continue
        if rule.during is not None and stage is not rule.during:
            continue
        if rule.pending is True and pending is None:
            continue
        if rule.pending is False and pending is not None:
            continue
        seen.append(rule.action)
    return seen


def pending_kind_for(action: Action) -> PendingKind | None:
    return {
        A.REQUEST_RETURN: PendingKind.RETURN,
        A.REQUEST_EXTENSION: PendingKind.EXTENSION,
        A.REQUEST_SUSPENSION: PendingKind.SUSPENSION,
    }.get(action)


def outcome_of(action: Action, state: CaseState, branch: str) -> Outcome | None:
    """The outcome a logged event had: its action, the state it left and its branch.

    For reading the log back (assessment facts); None when the table has no such move,
    which a log written by :func:`plan` never holds.
    """
    for rule in _BY_ACTION.get(action, []):
        if state in rule.sources:
            return rule.outcomes.get(branch)
    return None
