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


Counts = tuple[tuple[str, float], ...]  # (counter, value) pairs: hashable, summed by the million


class Delta(NamedTuple):
    """What a case adds to one object's counters, dated by the instant it counts at (a
    tuple: a rebuild makes tens of millions)."""

    at: str  # ISO instant
    key: ObjectKey
    counts: Mapping[str, float]


Group = tuple[str, tuple["ObjectKey", ...], Counts]  # at, objects, counts

# Keys are made once each and shared: a case names the same few grids, posts and
# departments over and over. Bounded by the city (regions, users, departments).
_REGIONS: dict[str, tuple[ObjectKey, ...]] = {}
_POSTS: dict[int, tuple[ObjectKey, ...]] = {}
_DEPARTMENTS: dict[int, tuple[ObjectKey, ...]] = {}
_DECISIONS: dict[str, Counts] = {
    "return:approve": (("returns", 1),),
    "return:reject": (("shirks", 1),),
    "suspension:approve": (("suspended", 1),),
}
_CALLBACKS: dict[str, Counts] = {}  # by branch, made once each
_DISPOSE = Stage.DISPOSE.value
_SUPERVISOR = Role.SUPERVISOR.value
_OPERATOR = Role.OPERATOR.value
# The counts each timed step adds (the due count, and the on-time count when it was).
_TIMED: dict[str, tuple[str, str]] = {
    Action.FILE.value: ("filed", "filed_on_time"),
    Action.DISPATCH.value: ("dispatch_due", "dispatched_on_time"),
    Action.REQUEST_VERIFICATION.value: ("verify_orders_due", "verify_orders_on_time"),
    Action.ASSIGN_CHECK.value: ("check_orders_due", "check_orders_on_time"),
    Action.CONFIRM_REPORT.value: ("verify_due", "verify_on_time"),
    Action.VERIFY.value: ("check_due", "check_on_time"),
}
_LATE: dict[str, Counts] = {action: ((due, 1),) for action, (due, _) in _TIMED.items()}
_ON_TIME: dict[str, Counts] = {action: ((due, 1), (on, 1)) for action, (due, on) in _TIMED.items()}
_KNOWN = frozenset(action.value for action in Action)
_ONE: dict[str, Counts] = {}  # {name: 1}, made once per name


def _one(name: str) -> Counts:
    found = _ONE.get(name)
    if found is None:
        found = _ONE[name] = ((name, 1),)
    return found


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
        mapping = dict(counts)
        for key in keys:
            yield Delta(at, key, mapping)


def case_groups(case: CaseFacts) -> list[Group]:
    """:func:`case_deltas` with the objects that count the same thing at the same instant
    kept together (what a bulk fold sums: one day lookup per group, not per object)."""
    out: list[Group] = []
    _report(case, out)
    for step in case.steps:
        _step(case, step, out)
    disposals = [run for run in case.runs if run.stage == _DISPOSE]
    for run in disposals:
        if run.department_id is not None:
            _disposal(run, out)
    if disposals:
        _closing(case, disposals[-1], out)
    return out


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


def _report(case: CaseFacts, out: list[Group]) -> None:
    at = case.reported_at
    if at is None:
        return
    patrol = case.reporter_role == _SUPERVISOR
    counts: Counts
    if not patrol:
        counts = _one("public_reports")
    elif case.filed_at or case.voided_at or case.self_disposed:
        counts = (("patrol_reports", 1), ("valid_patrol_reports", 1))
    else:
        counts = _one("patrol_reports")
    keys = regions(case.grid_code)
    if keys:
        out.append((at, keys, counts))
    if patrol:
        keys = _post(case.reporter_id)
    elif case.reporter_role == _OPERATOR:
        keys, counts = _post(case.reporter_id), _one("accepted")
    else:
        return
    if keys:
        out.append((at, keys, counts))


def _step(case: CaseFacts, step: Step, out: list[Group]) -> None:
    action, at = step.action, step.at
    keys: tuple[ObjectKey, ...]
    if action in _TIMED:
        if action == "verify" and step.role != _SUPERVISOR:
            return
        counts = (_LATE if step.on_time is False else _ON_TIME)[action]
        keys = _post(step.by) + regions(case.grid_code) if action == "file" else _post(step.by)
        if keys:
            out.append((at, keys, counts))
        if action == "dispatch":
            if keys:
                out.append((at, keys, _one("dispatched")))
            keys = _department(step.department_id)
            if keys:
                out.append((at, keys, _one("filed")))
        return
    if action == "void":
        keys, counts = _post(case.filed_by) + regions(case.grid_code), _one("voided")
    elif action == "decide":
        keys, counts = _department(step.department_id), _DECISIONS.get(step.branch, ())
    elif action == "callback":
        keys, counts = (
            _department(step.department_id) + regions(case.grid_code),
            _callback(step.branch),
        )
    else:
        if action not in _KNOWN:
            Action(action)  # an unknown action is an error, as it always was
        return
    if keys and counts:
        out.append((at, keys, counts))


def _callback(branch: str) -> Counts:
    """A callback's counts; a dissatisfied one counts whether or not it was redone."""
    found = _CALLBACKS.get(branch)
    if found is None:
        result = branch.split(":", 1)[0]
        if result == CallbackResult.UNREACHABLE:
            found = (("callbacks_unreachable", 1),)
        else:
            found = (("callbacks_reached", 1), (f"callbacks_{result}", 1))
        _CALLBACKS[branch] = found
    return found


def _disposal(run: StageRun, out: list[Group]) -> None:
    at = run.due_at
    if at is None:
        return
    keys = _department(run.department_id)
    if run.extended_hours:
        out.append((at, keys, (("extension_hours", run.extended_hours),)))
    ended_by = run.done_action
    if ended_by == "decide":  # an approved return: the department was not responsible
        return
    counts: Counts
    if ended_by == "report_disposal":
        on_time = run.on_time
        counts = _DISPOSED_ON_TIME if on_time else _DISPOSED
    elif run.done_at is None:
        counts = _OVERDUE  # counted on its due day; a later disposal moves it
    else:
        counts = _DUE
    out.append((at, keys, counts))


_DUE: Counts = (("dispose_due", 1),)
_DISPOSED: Counts = (("dispose_due", 1), ("disposed", 1))
_DISPOSED_ON_TIME: Counts = (("dispose_due", 1), ("disposed", 1), ("disposed_on_time", 1))
_OVERDUE: Counts = (("dispose_due", 1), ("overdue_not_disposed", 1))


def _closing(case: CaseFacts, last: StageRun, out: list[Group]) -> None:
    at = last.due_at
    if at is None:
        return
    delta: list[tuple[str, float]] = [("close_due", 1)]
    if case.reworks:
        delta.append(("reworks", case.reworks))
    if case.failed_checks:
        delta.append(("failed_checks", case.failed_checks))
    closing: list[tuple[str, float]] = [("close_due", 1)]
    if case.closed_at:
        closing.append(("closed", 1))
        if last.on_time:
            closing.append(("closed_on_time", 1))
        if not case.reworks:
            closing.append(("closed_first_time", 1))
        delta += closing[1:]
    keys = _department(last.department_id) + regions(case.grid_code)
    if keys:
        out.append((at, keys, tuple(delta)))
    if case.closed_at:
        lead = _post(case.filed_by)
        if lead:
            out.append((at, lead, tuple(closing)))
        first = next((s for s in case.steps if s.action == "dispatch"), None)
        if first is not None:
            keys = _post(first.by)
            if keys:
                accurate = "wrong_dispatches" if case.wrong_dispatch else "dispatched_accurately"
                out.append((at, keys, _one(accurate)))


def counters(values: Mapping[str, float]) -> Counters:
    return Counters().plus(
        **{k: (v if k == "extension_hours" else int(v)) for k, v in values.items()}
    )
