"""Assessment facts of one case, folded from its events in order (the log is the truth).

:class:`CaseFacts` is what assessment needs to know about a case: when it was reported,
filed, dispatched (to whom, how often), each timed stage run with its due and done times
and who finished it, reworks, returns, shirking, extensions, suspensions, failed checks,
closing, and the callback. The fold reads each event's outcome from the one state-machine
table (:func:`~backend.domain.statemachine.outcome_of`), so it holds no workflow rule of its
own. It is incremental by construction: folding events one at a time onto stored facts
gives what folding them all from nothing gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from backend.domain.statemachine import ClockEffect, Effect, outcome_of
from backend_client.vocab import Action, CaseState, Stage

A = Action
# The fold runs once per logged event (millions on a rebuild): it works on the plain values
# (no enum hashing or .value per event) and remembers each (action, state, branch) outcome
# of the table as the values it sets.
_ACTIONS: dict[str, Action] = {action.value: action for action in Action}
_STATES: dict[str, CaseState] = {state.value: state for state in CaseState}
_MOVES: dict[tuple[str, str, str], _Move | None] = {}
_DEPARTMENT_STAGES = frozenset({Stage.SIGN, Stage.DISPOSE})  # runs timed for a department
_UNTIMED = frozenset({Action.ATTACH.value, Action.COMMENT.value})
_REPORT = Action.REPORT.value
_REPORTED, _SELF_DISPOSED = CaseState.REPORTED.value, CaseState.SELF_DISPOSED.value
_INTAKE, _CHECK, _CALLBACK = Stage.INTAKE.value, Stage.CHECK.value, Stage.CALLBACK.value


class LoggedEvent(NamedTuple):
    """The columns of one event_log row the fold reads (a tuple: cheap to make by the
    million from raw rows)."""

    seq: int
    case_id: int
    action: str
    actor_id: int | None
    actor_role: str
    at: datetime | str  # str: already the instant's ISO text (datetime.isoformat)
    data: Mapping[str, Any]
    grid_code: str
    department_id: int | None  # the case's department after the event
    prev_department_id: int | None = None  # … and before it

    @property
    def concerns(self) -> int | None:
        """The department the event is about: the new one, or the one it just left."""
        return self.department_id if self.department_id is not None else self.prev_department_id


@dataclass
class StageRun:
    stage: str
    started_at: str
    due_at: str | None
    department_id: int | None = None
    done_at: str | None = None
    done_by: int | None = None
    done_role: str | None = None
    done_action: str | None = None
    extended_hours: float = 0.0

    @property
    def on_time(self) -> bool | None:
        """Done by its deadline (None while it runs)."""
        if self.done_at is None or self.due_at is None:
            return None
        return _instant(self.done_at) <= _instant(self.due_at)


@dataclass
class Step:
    """One action on the case, timed against the stage that was running when it came."""

    action: str
    branch: str
    at: str
    by: int | None
    role: str
    stage: str | None  # the stage running before the action
    on_time: bool | None  # at or before that stage's deadline (None: no stage ran)
    department_id: int | None


@dataclass
class CaseFacts:
    grid_code: str = ""
    source: str = ""
    category: str = ""
    state: str = ""
    last_seq: int = 0
    reported_at: str | None = None
    reporter_id: int | None = None
    reporter_role: str | None = None
    self_disposed: bool = False
    verified: bool | None = None
    filed_at: str | None = None
    filed_by: int | None = None
    voided_at: str | None = None
    merged: bool = False
    departments: list[int] = field(default_factory=list)  # each dispatch, in order
    runs: list[StageRun] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    reworks: int = 0
    failed_checks: int = 0
    returns: int = 0
    shirks: int = 0
    suspensions: int = 0
    extension_hours: float = 0.0
    closed_at: str | None = None
    closed_by: int | None = None
    reopened: int = 0
    redone: int = 0  # dissatisfied callbacks that sent the case back for redo (重办)
    merge_snapshot: dict[str, Any] | None = None

    @property
    def wrong_dispatch(self) -> bool:
        """Dispatched to two or more departments (错误派遣)."""
        return len(set(self.departments)) >= 2

    def to_json(self) -> list[Any]:
        """The stored form: the fields in declaration order, runs and steps likewise (half
        the bytes of keyed objects, and half the time to encode, on a million-case rebuild).
        New fields go at the end: :meth:`from_json` gives missing trailing ones their
        defaults, so facts stored before a field was added still read."""
        body = list(self.__dict__.values())
        body[_DEPARTMENTS] = list(self.departments)
        body[_RUNS] = [list(run.__dict__.values()) for run in self.runs]
        body[_STEPS] = [list(step.__dict__.values()) for step in self.steps]
        return body

    @classmethod
    def from_json(cls, data: Sequence[Any] | Mapping[str, Any]) -> CaseFacts:
        """Facts in their stored form, or as keyed objects (how they were stored before)."""
        if isinstance(data, Mapping):
            body = dict(data)
            body["runs"] = [StageRun(**run) for run in body.get("runs", [])]
            body["steps"] = [Step(**step) for step in body.get("steps", [])]
            body["departments"] = list(body.get("departments", []))
            return cls(**body)
        values = list(data)
        values[_DEPARTMENTS] = list(values[_DEPARTMENTS])
        values[_RUNS] = [StageRun(*run) for run in values[_RUNS]]
        values[_STEPS] = [Step(*step) for step in values[_STEPS]]
        return cls(*values)


_FIELDS = tuple(f.name for f in fields(CaseFacts))
_DEPARTMENTS, _RUNS, _STEPS = (_FIELDS.index(name) for name in ("departments", "runs", "steps"))


def fold(events: Iterable[LoggedEvent], facts: CaseFacts | None = None) -> CaseFacts:
    """Apply ``events`` (one case's, in seq order) to ``facts`` (a new case if None)."""
    current = facts if facts is not None else CaseFacts()
    for event in events:
        apply(current, event)
    return current


def apply(facts: CaseFacts, event: LoggedEvent) -> None:
    """Fold one event onto ``facts`` in place. Events at or below ``last_seq`` are skipped,
    so replaying a stretch of log that was already folded changes nothing."""
    if event.seq <= facts.last_seq:
        return
    facts.last_seq = event.seq
    facts.grid_code = event.grid_code
    name = event.action
    if name in _UNTIMED:  # attachments and comments count nothing
        return
    at = event.at
    stamp = at if at.__class__ is str else at.isoformat()  # type: ignore[union-attr]
    if name == _REPORT:
        _report(facts, event, stamp)
        return
    data = event.data
    branch = str(data.get("outcome", "ok"))
    move = _move(name, facts.state, branch)
    if move is None:
        return
    _book(facts, move.action, branch, event, stamp)
    facts.steps.append(_step(facts, move.value, branch, event, stamp))
    if move.state is not None:
        facts.state = move.state
    clock = move.clock
    if clock is ClockEffect.START:
        assert move.stage is not None
        _finish(facts, event, stamp)
        _begin(facts, move.stage, move.for_department, event, stamp)
    elif clock is ClockEffect.STOP:
        _finish(facts, event, stamp)
        if move.awaits_callback and data.get("due_at"):
            _begin(facts, _CALLBACK, False, event, stamp)  # the reporter left a contact
    elif clock is ClockEffect.RESTORE:
        _restore(facts)
    elif facts.runs and facts.runs[-1].done_at is None:
        running = facts.runs[-1]
        if clock is ClockEffect.EXTEND:
            running.extended_hours += float(data.get("hours") or 0)
        if data.get("due_at"):
            running.due_at = str(data["due_at"])


class _Move(NamedTuple):
    """An (action, state, branch) outcome of the table, in the plain values the fold sets."""

    action: Action
    value: str  # the action's value
    state: str | None  # the state after it (None: unchanged)
    clock: ClockEffect
    stage: str | None  # the stage a START begins
    for_department: bool  # that stage is timed for the case's department
    awaits_callback: bool


def _move(action: str, state: str, branch: str) -> _Move | None:
    key = (action, state, branch)
    try:
        return _MOVES[key]
    except KeyError:
        pass
    member = _ACTIONS.get(action) or Action(action)
    outcome = outcome_of(member, _STATES.get(state) or CaseState(state), branch)
    found = _MOVES[key] = (
        None
        if outcome is None
        else _Move(
            member,
            member.value,
            None if outcome.state is None else outcome.state.value,
            outcome.clock,
            None if outcome.stage is None else outcome.stage.value,
            outcome.stage in _DEPARTMENT_STAGES,
            Effect.AWAIT_CALLBACK in outcome.effects,
        )
    )
    return found


def _report(facts: CaseFacts, event: LoggedEvent, stamp: str) -> None:
    data = event.data
    facts.source = str(data.get("source", ""))
    facts.category = str(data.get("category", ""))
    facts.self_disposed = bool(data.get("self_disposed"))
    facts.reported_at = stamp
    facts.reporter_id, facts.reporter_role = event.actor_id, event.actor_role
    facts.state = _SELF_DISPOSED if facts.self_disposed else _REPORTED
    _begin(facts, _CHECK if facts.self_disposed else _INTAKE, False, event, stamp)


def _book(facts: CaseFacts, action: Action, branch: str, event: LoggedEvent, stamp: str) -> None:
    """The counts an event adds, beyond state and stage runs."""
    if action is A.FILE:
        facts.filed_at, facts.filed_by = stamp, event.actor_id
    elif action is A.CONFIRM_REPORT:
        facts.verified = branch == "true"
    elif action is A.DISPATCH and event.department_id is not None:
        facts.departments.append(event.department_id)
    elif action is A.VOID:
        facts.voided_at = stamp
    elif action is A.MERGE:
        facts.merged = True
        facts.merge_snapshot = {
            "state": facts.state,
            "runs": [dict(run.__dict__) for run in facts.runs],
        }
    elif action is A.VERIFY:
        if branch == "pass":
            facts.closed_at, facts.closed_by = stamp, event.actor_id
        elif facts.state != CaseState.SELF_DISPOSED:
            facts.failed_checks += 1
            facts.reworks += 1
    elif action is A.DECIDE:
        _decision(facts, branch)
    elif action is A.REOPEN:
        facts.reopened += 1
        facts.closed_at = facts.closed_by = None
    elif action is A.CALLBACK and branch == "dissatisfied":  # redo (重办)
        facts.redone += 1
        facts.closed_at = facts.closed_by = None


def _step(facts: CaseFacts, action: str, branch: str, event: LoggedEvent, stamp: str) -> Step:
    runs = facts.runs
    running = runs[-1] if runs and runs[-1].done_at is None else None
    on_time = None
    if running is not None and running.due_at is not None:
        on_time = _instant(stamp) <= _instant(running.due_at)
    concerns = event.department_id
    return Step(  # positional, in field order: the fold makes one per logged action
        action,
        branch,
        stamp,
        event.actor_id,
        event.actor_role,
        running.stage if running else None,
        on_time,
        concerns if concerns is not None else event.prev_department_id,  # event.concerns
    )


def _decision(facts: CaseFacts, branch: str) -> None:
    if branch == "return:approve":
        facts.returns += 1
    elif branch == "return:reject":
        facts.shirks += 1  # the centre held the department responsible: 推诿
    elif branch == "suspension:approve":
        facts.suspensions += 1


def _begin(
    facts: CaseFacts, stage: str, for_department: bool, event: LoggedEvent, stamp: str
) -> None:
    due = event.data.get("due_at")
    department = event.department_id if for_department else None
    facts.runs.append(StageRun(stage, stamp, str(due) if due else None, department))


def _finish(facts: CaseFacts, event: LoggedEvent, stamp: str) -> None:
    if not facts.runs or facts.runs[-1].done_at is not None:
        return
    run = facts.runs[-1]
    run.done_at = stamp
    run.done_by, run.done_role, run.done_action = event.actor_id, event.actor_role, event.action
    if run.extended_hours:
        facts.extension_hours += run.extended_hours


def _restore(facts: CaseFacts) -> None:
    snapshot = facts.merge_snapshot or {"state": CaseState.REPORTED.value, "runs": []}
    facts.state = snapshot["state"]
    facts.runs = [StageRun(**run) for run in snapshot["runs"]]
    facts.merged = False
    facts.merge_snapshot = None


_instant = datetime.fromisoformat
