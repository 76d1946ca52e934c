"""The workflow core: one pure step from a case and a planned transition to the next case.

:func:`step` takes a :class:`CaseRecord`, a :class:`Move` (the state machine's
:class:`~backend.domain.statemachine.Plan` plus what the caller looked up for it: the
department, the checker, the request's fields), the time and the :class:`DeadlinePolicy`
(working calendar and time limits), and returns the new record, the event's data and
the stage deadlines.  :func:`open_case` is the same for a report.

Nothing here does I/O: ``CaseService`` copies the result onto its row inside the write
transaction, and the history seeder feeds its generated cases through the same two
functions.  Which action leads where stays in the state machine's table; this module
only carries out an outcome's effects and clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from backend.domain.calendar import WorkingCalendar
from backend.domain.casejson import (
    MergeSnapshot,
    PendingRequest,
    StagePreview,
    StageRecord,
    StoredAttachment,
)
from backend.domain.statemachine import ClockEffect, Effect, Outcome, Plan, pending_kind_for
from backend.domain.timelimits import Deadline, Limit, TimeLimitPolicy
from backend_client.eventdata import EventData, ReportData, parse_data
from backend_client.vocab import (
    AreaClass,
    CallbackResult,
    CaseState,
    CategoryKind,
    PendingKind,
    Source,
    Stage,
    TimeUnit,
    Urgency,
)

DISSATISFIED = CallbackResult.DISSATISFIED.value
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)  # ``due_key`` of a case with no running clock
WORKING_UNITS = frozenset({TimeUnit.WORKING_HOUR, TimeUnit.WORKING_DAY})


def _iso(value: datetime) -> str:
    return value.isoformat() if value.tzinfo is UTC else value.astimezone(UTC).isoformat()


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


class LimitSubject(Protocol):
    """What picks a case's time limits (a :class:`CaseRecord` or a stored row)."""

    @property
    def urgency(self) -> str: ...
    @property
    def area_class(self) -> str: ...
    @property
    def category_kind(self) -> str: ...
    @property
    def category_code(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StageLimit:
    """A stage's limit for one kind of case, with what its records store."""

    limit: Limit
    stage: str
    unit: str
    label: str
    seconds: float


class DeadlinePolicy:
    """The working calendar and the time-limit policy: how long each stage may take."""

    def __init__(self, calendar: WorkingCalendar, policy: TimeLimitPolicy) -> None:
        self.calendar = calendar
        self.policy = policy
        self._limits: dict[tuple[Stage, str, str, str, str], StageLimit] = {}

    def stage_limit(self, subject: LimitSubject, stage: Stage) -> StageLimit:
        """The stage's limit, its stored labels and its length in seconds of its own kind
        of time (clock or working)."""
        key = (
            stage,
            subject.urgency,
            subject.area_class,
            subject.category_kind,
            subject.category_code,
        )
        found = self._limits.get(key)
        if found is None:
            limit = self.policy.limit_for(
                stage,
                urgency=Urgency(subject.urgency),
                area_class=AreaClass(subject.area_class),
                category_kind=CategoryKind(subject.category_kind),
                category_code=subject.category_code,
            )
            found = self._limits[key] = StageLimit(
                limit,
                stage.value,
                limit.unit.value,
                limit.label_zh(),
                limit.amount * self.calendar.unit_seconds(limit.unit),
            )
        return found

    def limit(self, subject: LimitSubject, stage: Stage) -> Limit:
        return self.stage_limit(subject, stage).limit

    def deadline(self, subject: LimitSubject, stage: Stage, now: datetime) -> Deadline:
        return self.policy.deadline_for(self.calendar, stage, now, self.limit(subject, stage))

    def stage_run(
        self, subject: LimitSubject, stage: Stage, now: datetime
    ) -> tuple[StageRecord, datetime, datetime]:
        """The record of a stage run started now (``done_at``/``paused_at`` unset), with
        its warn and due instants (UTC, as the calendar returns them)."""
        found = self.stage_limit(subject, stage)
        due, warn = self.policy.due_and_warn(self.calendar, now, found.limit)
        record: StageRecord = {
            "stage": found.stage,
            "started_at": _iso(now),
            "warn_at": warn.isoformat(),  # the calendar's instants are UTC
            "due_at": due.isoformat(),
            "unit": found.unit,
            "limit_label": found.label,
            "done_at": None,
            "paused_at": None,
        }
        return record, warn, due

    def stage_record(self, subject: LimitSubject, stage: Stage, now: datetime) -> StageRecord:
        """The record a stage run started now would have (``done_at``/``paused_at`` unset)."""
        return self.stage_run(subject, stage, now)[0]

    def preview(self, subject: LimitSubject, stage: Stage, now: datetime) -> StagePreview:
        """What starting ``stage`` now would set, without the run's bookkeeping keys."""
        record = self.stage_record(subject, stage, now)
        del record["done_at"], record["paused_at"]
        return record

    def limit_label(self, subject: LimitSubject, stage: Stage) -> str:
        return self.limit(subject, stage).label_zh()


@dataclass
class CaseRecord:
    """The workflow's view of a case: the fields a transition reads or changes.

    ``stage`` … ``due_key`` are derived from the running record of ``deadlines`` (they
    are indexed columns on the table); :func:`step` keeps them in line.
    """

    state: CaseState
    source: Source
    urgency: Urgency
    area_class: AreaClass
    category_kind: CategoryKind
    category_code: str
    self_disposed: bool = False
    has_contact: bool = False  # a reporter left a phone or email: closing starts a callback
    department_id: int | None = None
    pending_kind: PendingKind | None = None
    pending_detail: PendingRequest | None = None
    rework_count: int = 0
    return_count: int = 0
    extension_seconds: float = 0.0
    supervised: bool = False
    urge_count: int = 0
    verified: bool | None = None
    checker_id: int | None = None
    merged_into: str | None = None
    merge_snapshot: MergeSnapshot | None = None
    attachments: tuple[StoredAttachment, ...] = ()
    deadlines: tuple[StageRecord, ...] = ()
    closed_at: datetime | None = None
    stage: Stage | None = None
    warn_at: datetime | None = None
    deadline_at: datetime | None = None
    paused_at: datetime | None = None
    due_key: datetime = FAR_FUTURE

    def copy(self) -> CaseRecord:
        clone = object.__new__(CaseRecord)
        clone.__dict__.update(self.__dict__)
        return clone

    @property
    def running(self) -> StageRecord | None:
        """The stage run whose clock is going (or paused), if any."""
        if self.deadlines and self.deadlines[-1]["done_at"] is None:
            return self.deadlines[-1]
        return None


@dataclass(slots=True)
class Move:
    """A planned transition and what the caller resolved for it.

    ``fields`` are the request's fields as the event records them (JSON values, no
    ``action``, nothing left at its default); ``department`` is (id, code) for a
    dispatch, ``checker`` (id, display name) for an assigned check; ``actor`` is the
    display name recorded on a pending request.
    """

    plan: Plan
    fields: Mapping[str, Any]
    actor: str = ""
    department: tuple[int, str] | None = None
    checker: tuple[int, str] | None = None
    attachments: Sequence[StoredAttachment] = ()


@dataclass(slots=True)
class Result:
    record: CaseRecord
    data: EventData  # the event's data: the model for the action

    @property
    def deadlines(self) -> tuple[StageRecord, ...]:
        return self.record.deadlines


# --- the clock --------------------------------------------------------------------------------


def _with_running(record: CaseRecord, current: StageRecord | None) -> None:
    """Replace the running stage run by ``current`` and derive the indexed columns."""
    if current is not None:
        record.deadlines = (*record.deadlines[:-1], current)
    _set_columns(record, current)


def _set_columns(record: CaseRecord, current: StageRecord | None) -> None:
    if current is None:
        record.stage = record.warn_at = record.deadline_at = record.paused_at = None
        record.due_key = FAR_FUTURE
        return
    record.stage = Stage(current["stage"])
    record.warn_at = _dt(current["warn_at"])
    record.deadline_at = _dt(current["due_at"])
    paused = current.get("paused_at")
    record.paused_at = _dt(paused) if paused else None
    record.due_key = FAR_FUTURE if paused else record.deadline_at


def _close_running(record: CaseRecord, stamp: str) -> None:
    current = record.running
    if current is not None:
        record.deadlines = (*record.deadlines[:-1], {**current, "done_at": stamp})


def _start(record: CaseRecord, stage: Stage, now: datetime, policy: DeadlinePolicy) -> None:
    current, warn, due = policy.stage_run(record, stage, now)
    _close_running(record, current["started_at"])
    record.deadlines = (*record.deadlines, current)
    record.stage, record.warn_at, record.deadline_at = stage, warn, due
    record.paused_at = None
    record.due_key = due


def _stop(record: CaseRecord, now: datetime) -> None:
    _close_running(record, _iso(now))
    _set_columns(record, None)


def _pause(record: CaseRecord, now: datetime) -> None:
    current = record.running
    if current is not None:
        _with_running(record, {**current, "paused_at": _iso(now)})


def _resume(record: CaseRecord, now: datetime, policy: DeadlinePolicy) -> None:
    current = record.running
    if current is None or not current["paused_at"]:
        return
    unit = TimeUnit(current["unit"])
    paused_at = _dt(current["paused_at"])
    shift = policy.calendar.shift_after_pause
    _with_running(
        record,
        {
            **current,
            "warn_at": _iso(shift(_dt(current["warn_at"]), paused_at, now, unit)),
            "due_at": _iso(shift(_dt(current["due_at"]), paused_at, now, unit)),
            "paused_at": None,
            "paused_seconds": current.get("paused_seconds", 0) + (now - paused_at).total_seconds(),
        },
    )


def _extend(record: CaseRecord, hours: float, policy: DeadlinePolicy) -> None:
    """An approved extension adds ``hours`` of the stage's own kind of time."""
    current = record.running
    if current is None:
        return
    calendar = policy.calendar
    unit = TimeUnit(current["unit"])
    step = TimeUnit.WORKING_HOUR if unit in WORKING_UNITS else TimeUnit.CLOCK_HOUR
    due = calendar.add(_dt(current["due_at"]), hours, step)
    warn = policy.policy.warn_point(calendar, _dt(current["started_at"]), due, unit)
    record.extension_seconds += hours * 3600
    _with_running(
        record,
        {
            **current,
            "due_at": _iso(due),
            "warn_at": _iso(warn),
            "extended_hours": current.get("extended_hours", 0) + hours,
        },
    )


def _restore(record: CaseRecord) -> None:
    """Put back the clock a merged case had; time spent merged does not count."""
    snapshot = record.merge_snapshot or {"state": CaseState.REPORTED.value, "deadlines": []}
    record.state = CaseState(snapshot["state"])
    record.deadlines = tuple(snapshot["deadlines"])
    record.merge_snapshot = None
    record.merged_into = None
    _set_columns(record, record.running)


# --- the step ---------------------------------------------------------------------------------


def open_case(
    record: CaseRecord, outcome: Outcome, now: datetime, policy: DeadlinePolicy
) -> Result:
    """A new case (``record`` with no deadlines yet) reported at ``now``."""
    new = record.copy()
    if outcome.state is not None:
        new.state = outcome.state
    assert outcome.clock is ClockEffect.START and outcome.stage is not None
    _start(new, outcome.stage, now, policy)
    data = ReportData(
        source=new.source,
        urgency=new.urgency,
        category=f"{new.category_kind.value}:{new.category_code}",
        self_disposed=new.self_disposed,
        due_at=new.deadline_at,  # the first stage's deadline, as every later step records it
    )
    return Result(new, data)


def step(record: CaseRecord, move: Move, now: datetime, policy: DeadlinePolicy) -> Result:
    """Carry out ``move`` on ``record`` at ``now``: the new record and the event's data."""
    plan = move.plan
    new = record.copy()
    data: dict[str, Any] = dict(move.fields)
    if plan.branch != "ok":
        data["outcome"] = plan.branch
    if plan.branch.startswith(DISSATISFIED):  # a callback's: was the case redone (重办)?
        data["redo"] = plan.branch == DISSATISFIED
    asked = _apply_effects(new, move, now, data) if plan.effects else record.pending_detail
    if move.attachments:
        new.attachments = (*new.attachments, *move.attachments)
    _run_clock(new, plan.outcome, now, policy, data, asked or {})
    if new.deadline_at is not None:  # the running stage's due
        data["due_at"] = new.deadline_at
    return Result(new, parse_data(plan.rule.action, data))


def _apply_effects(
    new: CaseRecord, move: Move, now: datetime, data: dict[str, Any]
) -> PendingRequest | None:
    """The outcome's book-keeping; returns the pending request a decision answers."""
    plan, fields, effects = move.plan, move.fields, move.plan.effects
    if Effect.SET_DEPARTMENT in effects:
        assert move.department is not None
        new.department_id, data["department"] = move.department
    if Effect.SET_PENDING in effects:
        kind = pending_kind_for(plan.rule.action)
        assert kind is not None
        new.pending_kind = kind
        new.pending_detail = {
            "kind": kind.value,
            "reason": fields.get("reason"),
            "hours": fields.get("hours"),
            "by": move.actor,
            "at": now.isoformat(),
        }
    asked = new.pending_detail
    if Effect.CLEAR_PENDING in effects:
        data["request"] = asked["kind"] if asked else None
        new.pending_kind = new.pending_detail = None
    if Effect.CLEAR_DEPARTMENT in effects:
        new.department_id = None
        new.return_count += 1
    if Effect.REWORK in effects:
        new.rework_count += 1
    if Effect.SUPERVISE in effects:
        new.supervised = True
    if Effect.URGE in effects:
        new.urge_count += 1
    if Effect.MARK_VERIFIED in effects:
        new.verified = bool(fields.get("truthful"))
    if Effect.SET_CHECKER in effects:
        assert move.checker is not None
        new.checker_id, data["checker"] = move.checker
    if Effect.CLOSE in effects:
        new.closed_at = now
    if Effect.MERGE in effects:
        new.merge_snapshot = {"state": new.state.value, "deadlines": list(new.deadlines)}
        new.merged_into = fields.get("target")
    return asked


def _run_clock(
    new: CaseRecord,
    outcome: Outcome,
    now: datetime,
    policy: DeadlinePolicy,
    data: dict[str, Any],
    asked: PendingRequest | dict[str, Any],
) -> None:
    """The outcome's state and what it does to the stage clock; a closing with a
    reporter's contact starts the callback (回访) stage."""
    if outcome.state is not None:
        new.state = outcome.state
    clock = outcome.clock
    if clock is ClockEffect.START:
        assert outcome.stage is not None
        _start(new, outcome.stage, now, policy)
    elif clock is ClockEffect.STOP:
        _stop(new, now)
    elif clock is ClockEffect.PAUSE:
        _pause(new, now)
    elif clock is ClockEffect.RESUME:
        _resume(new, now, policy)
    elif clock is ClockEffect.EXTEND:
        hours = float(asked.get("hours") or 0)
        _extend(new, hours, policy)
        data["hours"] = hours
    elif clock is ClockEffect.RESTORE:
        _restore(new)
    if Effect.AWAIT_CALLBACK in outcome.effects and new.has_contact:
        _start(new, Stage.CALLBACK, now, policy)
