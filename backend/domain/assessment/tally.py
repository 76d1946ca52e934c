"""Counters per evaluation object and period, from the cases' facts.

Which case counts where (ASSUMPTIONS, written down once here):

- A report counts in the period it came in, for its grid (and the grid's community and
  street) and for the supervisor or operator who took it.
- Filing, dispatching, verification and check orders, on-site verifications and checks
  count in the period they happened, for whoever did them, on time when they came before
  the deadline of the stage that was running.
- A disposal stage (处置) counts for its department in the period of its deadline: due,
  disposed (reported back), disposed on time; one that is past its deadline at the end of
  the period and not disposed is overdue-not-disposed.
- A case is due to close (应结案) in the period of its last disposal deadline, for its
  last department and its regions: closed, closed on time (its last disposal was on time
  and it closed), closed first time (closed with no rework), reworks and failed checks.
- A department's 立案数 (the volume its band scores) is the cases dispatched to it.
- Returns, shirking (a refused return), extensions and suspensions count for the
  department in the period the decision was taken.
- The shift lead who filed a case answers for its closing (结案): the closing counts go
  to them, whoever did the final check.
- A callback (回访) counts in the period it was recorded, for the department that disposed
  of the case (its department when it closed) and its regions: reached, satisfied, basic,
  dissatisfied (redone or not), or unreachable (each attempt).
- A wrong dispatch (two or more departments) counts for the first dispatcher when the
  case closes; a case closed with one department counts as dispatched accurately.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.facts import CaseFacts, StageRun, Step
from backend_client.vocab import Action, CallbackResult, Role, Source, Stage

ObjectType = Literal["grid", "community", "street", "department", "post"]
REGION_PREFIX: dict[ObjectType, int] = {"grid": 15, "community": 12, "street": 9}
PUBLIC_SOURCES = frozenset(s.value for s in Source) - {Source.SUPERVISOR.value}


class ObjectKey(NamedTuple):
    """An evaluation object (a tuple: hashed and compared in C, by the million)."""

    type: ObjectType
    id: str  # a region code, a department id or a user id, as text


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    def holds(self, stamp: str | None) -> bool:
        return stamp is not None and self.start <= datetime.fromisoformat(stamp) < self.end

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400


class Delta(NamedTuple):
    """What a case adds to one object's counters, dated by the instant it counts at (a
    tuple: a rebuild makes tens of millions)."""

    at: str  # ISO instant
    key: ObjectKey
    counts: Mapping[str, float]


Group = tuple[str, tuple["ObjectKey", ...], Mapping[str, float]]  # at, objects, counts

# Keys are made once each and shared: a case names the same few grids, posts and
# departments over and over. Bounded by the city (regions, users, departments).
_REGIONS: dict[str, tuple[ObjectKey, ...]] = {}
_POSTS: dict[int, tuple[ObjectKey, ...]] = {}
_DEPARTMENTS: dict[int, tuple[ObjectKey, ...]] = {}
_ACTIONS: dict[str, Action] = {action.value: action for action in Action}
_DECISIONS: dict[str, Mapping[str, float]] = {
    "return:approve": {"returns": 1},
    "return:reject": {"shirks": 1},
    "suspension:approve": {"suspended": 1},
}


def tally(facts: Iterable[CaseFacts], period: Period) -> dict[ObjectKey, Counters]:
    """Every object's counters for ``period``."""
    sums: dict[ObjectKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for case in facts:
        for delta in case_deltas(case):
            if period.holds(delta.at):
                bucket = sums[delta.key]
                for name, value in delta.counts.items():
                    bucket[name] += value
    return {key: counters(values) for key, values in sums.items()}


def case_deltas(case: CaseFacts) -> Iterator[Delta]:
    """Everything one case adds to which objects, and when; the drill-down reads this too."""
    for at, keys, counts in case_groups(case):
        for key in keys:
            yield Delta(at, key, counts)


def case_groups(case: CaseFacts) -> Iterator[Group]:
    """:func:`case_deltas` with the objects that count the same thing at the same instant
    kept together (what a bulk fold sums: one day lookup per group, not per object)."""
    yield from _report(case)
    for step in case.steps:
        yield from _step(case, step)
    for run in case.runs:
        if run.stage == Stage.DISPOSE and run.department_id is not None:
            yield from _disposal(run)
    yield from _closing(case)


def regions(grid_code: str) -> tuple[ObjectKey, ...]:
    """The grid's own key and those of the regions above it."""
    found = _REGIONS.get(grid_code)
    if found is None:
        found = _REGIONS[grid_code] = tuple(
            ObjectKey(kind, grid_code[:length])
            for kind, length in REGION_PREFIX.items()
            if len(grid_code) >= length
        )
    return found


def _post(user: int | None) -> tuple[ObjectKey, ...]:
    if user is None:
        return ()
    found = _POSTS.get(user)
    if found is None:
        found = _POSTS[user] = (ObjectKey("post", str(user)),)
    return found


def _department(department: int | None) -> tuple[ObjectKey, ...]:
    if department is None:
        return ()
    found = _DEPARTMENTS.get(department)
    if found is None:
        found = _DEPARTMENTS[department] = (ObjectKey("department", str(department)),)
    return found


def _each(at: str, keys: tuple[ObjectKey, ...], counts: Mapping[str, float]) -> Iterator[Group]:
    if counts and keys:
        yield at, keys, counts


def _report(case: CaseFacts) -> Iterator[Group]:
    at = case.reported_at
    if at is None:
        return
    patrol = case.reporter_role == Role.SUPERVISOR
    delta: dict[str, float] = {"patrol_reports" if patrol else "public_reports": 1}
    if patrol and (case.filed_at or case.voided_at or case.self_disposed):
        delta["valid_patrol_reports"] = 1
    yield from _each(at, regions(case.grid_code), delta)
    if patrol:
        yield from _each(at, _post(case.reporter_id), delta)
    elif case.reporter_role == Role.OPERATOR:
        yield from _each(at, _post(case.reporter_id), {"accepted": 1})


def _timed(due: str, on_time: str, step: Step) -> dict[str, float]:
    return {due: 1, on_time: 1} if step.on_time is not False else {due: 1}


def _step(case: CaseFacts, step: Step) -> Iterator[Group]:
    action, at = _ACTIONS.get(step.action) or Action(step.action), step.at
    if action is Action.FILE:
        delta = _timed("filed", "filed_on_time", step)
        yield from _each(at, _post(step.by) + regions(case.grid_code), delta)
    elif action is Action.VOID:
        yield from _each(at, _post(case.filed_by) + regions(case.grid_code), {"voided": 1})
    elif action is Action.DISPATCH:
        yield from _each(at, _post(step.by), _timed("dispatch_due", "dispatched_on_time", step))
        yield from _each(at, _post(step.by), {"dispatched": 1})
        yield from _each(at, _department(step.department_id), {"filed": 1})
    elif action is Action.REQUEST_VERIFICATION:
        yield from _each(
            at, _post(step.by), _timed("verify_orders_due", "verify_orders_on_time", step)
        )
    elif action is Action.ASSIGN_CHECK:
        yield from _each(
            at, _post(step.by), _timed("check_orders_due", "check_orders_on_time", step)
        )
    elif action is Action.CONFIRM_REPORT:
        yield from _each(at, _post(step.by), _timed("verify_due", "verify_on_time", step))
    elif action is Action.VERIFY and step.role == Role.SUPERVISOR:
        yield from _each(at, _post(step.by), _timed("check_due", "check_on_time", step))
    elif action is Action.DECIDE:
        yield from _each(at, _department(step.department_id), _decision(step.branch))
    elif action is Action.CALLBACK:
        keys = _department(step.department_id) + regions(case.grid_code)
        yield from _each(at, keys, _callback(step.branch))


def _callback(branch: str) -> Mapping[str, float]:
    """A callback's counts; a dissatisfied one counts whether or not it was redone."""
    result = branch.split(":", 1)[0]
    if result == CallbackResult.UNREACHABLE:
        return {"callbacks_unreachable": 1}
    return {"callbacks_reached": 1, f"callbacks_{result}": 1}


def _decision(branch: str) -> Mapping[str, float]:
    return _DECISIONS.get(branch, {})


def _disposal(run: StageRun) -> Iterator[Group]:
    at = run.due_at
    if at is None:
        return
    keys = _department(run.department_id)
    if run.extended_hours:
        yield from _each(at, keys, {"extension_hours": run.extended_hours})
    ended_by = run.done_action
    if ended_by == Action.DECIDE:  # an approved return: the department was not responsible
        return
    delta: dict[str, float] = {"dispose_due": 1}
    if ended_by == Action.REPORT_DISPOSAL:
        delta["disposed"] = 1
        if run.on_time:
            delta["disposed_on_time"] = 1
    elif run.done_at is None:
        delta["overdue_not_disposed"] = 1  # counted on its due day; a later disposal moves it
    yield from _each(at, keys, delta)


def _closing(case: CaseFacts) -> Iterator[Group]:
    disposals = [run for run in case.runs if run.stage == Stage.DISPOSE]
    last = disposals[-1] if disposals else None
    at = last.due_at if last is not None else None
    if last is None or at is None:
        return
    delta: dict[str, float] = {"close_due": 1}
    if case.reworks:
        delta["reworks"] = case.reworks
    if case.failed_checks:
        delta["failed_checks"] = case.failed_checks
    if case.closed_at:
        delta["closed"] = 1
        if last.on_time:
            delta["closed_on_time"] = 1
        if not case.reworks:
            delta["closed_first_time"] = 1
    keys = _department(last.department_id) + regions(case.grid_code)
    yield from _each(at, keys, delta)
    if case.closed_at:
        lead = _post(case.filed_by)
        yield from _each(
            at, lead, {k: v for k, v in delta.items() if k.startswith(("close", "closed"))}
        )
        first = next((s for s in case.steps if s.action == Action.DISPATCH), None)
        if first is not None:
            accurate = (
                {"wrong_dispatches": 1} if case.wrong_dispatch else {"dispatched_accurately": 1}
            )
            yield from _each(at, _post(first.by), accurate)


def counters(values: Mapping[str, float]) -> Counters:
    return Counters().plus(
        **{k: (v if k == "extension_hours" else int(v)) for k, v in values.items()}
    )
