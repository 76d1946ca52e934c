"""One history case played step by step: its path decided by the demo's random choices,
every planned transition carried out by the workflow core, as the live service does.

A step picks the next action, its time and its request fields; :meth:`_CaseRun.act` asks
the state machine for the plan (through the generator, which remembers plans) and
:func:`backend.domain.workflow.step` for the new record and the event's data, and encodes
the event row from that.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backend.domain import statemachine
from backend.domain.casejson import StoredAttachment
from backend.domain.statemachine import ClockEffect
from backend.domain.workflow import FAR_FUTURE, CaseRecord, Move, open_case, step
from backend.seed import behaviour as B
from backend.seed.history.reference import _Dept, _User
from backend.seed.history.rows import (
    FAR_FUTURE_TEXT,
    US,
    Row,
    instant,
    sql_time,
    sql_us,
    to_json,
    us,
)
from backend_client.eventdata import EventData
from backend_client.vocab import Action, CaseState, PendingKind, Role, Stage

if TYPE_CHECKING:
    from backend.seed.history.generator import _Generator

A = Action
_CAPS = (0, 2 * 3600 * US, 600 * US)  # by hurry: no cap, then ever shorter delays
_ROLES = {role.value: role for role in Role}
_ACTIONS = {action: action.value for action in Action}
_Z, _Z_SIZE = B.Z, B.Z_SIZE

StopAt = tuple[frozenset[CaseState], PendingKind | None]  # where a backlog case waits


class Stopped(Exception):
    """The case reached the state it was asked to stop at (see ``_CaseRun.stop``)."""


class _CaseRun:
    """One case from report to its end.  Times are µs since the epoch.

    The open backlog (:mod:`backend.seed.history.backlog`) plays the same chain with
    ``force`` (detours taken whatever the dice say: ``verify``, ``return``,
    ``extension``, ``suspension``) and ``stop``: the first event that leaves the case in
    one of those states, with that pending request, raises :class:`Stopped`."""

    force: frozenset[str] = frozenset()
    stop: StopAt | None = None

    def __init__(
        self,
        gen: _Generator,
        rng: random.Random,
        cid: int,
        serial: str,
        t0: int,
        gi: int,
        hurry: int,
    ) -> None:
        self.gen, self.rng, self.r = gen, rng, rng.random
        self.cid, self.serial, self.t0 = cid, serial, t0
        r = self.r
        self.grid = grid = gen.ref.grids[gi]
        self.cat = gen.categories[bisect_left(gen.category_cum, r() * gen.category_cum[-1])]
        self.source = B.SOURCES[bisect_left(gen.source_cum, r() * gen.source_cum[-1])][0]
        self.urgent = r() < B.URGENT_SHARE
        self.supervisor = gen.ref.supervisors.get(grid.code[:9])
        self.routed = gen.route(self.cat.kind, self.cat.code, grid.code)
        self.pace = 0.4 if self.urgent else 1.0
        self.cap = _CAPS[hurry]
        self.events: list[Row] = []
        self.last = t0
        self.last_actor = ""
        self.started = t0
        self.redone = False
        self.record = gen.blank(self.cat, self.source, self.urgent, grid.area)
        self.sluggish = grid.code[:9] in B.SLUGGISH_STREETS  # and its department's, at dispatch

    # --- timing: the demo's delays --------------------------------------------------------

    def _z(self) -> float:
        return _Z[int(self.r() * _Z_SIZE)]

    def lognormal(self, median_s: float, sigma: float = 0.7) -> int:
        value = median_s * self.pace * math.exp(sigma * self._z())
        delay = int(value * US) + int(self.r() * US)
        return min(delay, self.cap) if self.cap else delay

    def on_time(self, median: float) -> float:
        return min(0.97, median * math.exp(0.8 * self._z()))

    def overdue(self) -> float:
        return 1.0 + 0.3 * math.exp(0.9 * self._z())

    def point(self, start: int, stage: Stage, fraction: float) -> int:
        """The instant ``fraction`` of the stage's limit after ``start`` (working time
        stays in office hours)."""
        policy = self.gen.policy
        limit = policy.stage_limit(self.record, stage)
        amount = int(limit.seconds * US * fraction) + int(self.r() * US)
        if self.cap:
            return start + min(amount, self.cap)
        return us(policy.calendar.add_seconds(instant(start), amount / US, limit.limit.unit))

    def due(self) -> int:
        assert self.record.deadline_at is not None
        return us(self.record.deadline_at)

    # --- the core ---------------------------------------------------------------------------

    def act(
        self,
        t: int,
        action: Action,
        user: _User | None,
        fields: dict[str, Any],
        *,
        department: _Dept | None = None,
        checker: _User | None = None,
        attachments: tuple[StoredAttachment, ...] = (),
    ) -> int:
        """``action`` by ``user`` (the admin when there is none) at ``t`` or just after the
        previous event; returns the event's time."""
        if t <= self.last and self.events:
            t = self.last + US + int(self.r() * 30 * US)
        who = user or self.gen.admin
        record = self.record
        plan = self.gen.plan(record, action, _ROLES[who.role], fields)
        move = Move(
            plan,
            fields,
            who.name,
            (department.id, department.code) if department else None,
            (checker.id, checker.name) if checker else None,
            attachments,
        )
        now = instant(t)
        result = step(record, move, now, self.gen.policy)
        if plan.outcome.clock is ClockEffect.START:
            self.started = t  # the running stage's start
        self._emit(t, action, who, result.data, result.record)
        return t

    def _emit(
        self, t: int, action: Action, who: _User, data: EventData, record: CaseRecord
    ) -> None:
        self.events.append(
            (
                self.cid,
                self.serial,
                _ACTIONS[action],
                who.id,
                who.name,
                who.role,
                sql_us(t),
                data.json_text(),  # what the service stores (``EventData.wire()``)
                self.grid.code,
                record.department_id,
                self.record.department_id,
            )
        )
        self.record = record
        self.last, self.last_actor = t, who.name
        stop = self.stop
        if stop is not None and record.state in stop[0] and record.pending_kind is stop[1]:
            raise Stopped

    def chance(self, share: float, detour: str) -> bool:
        """The dice (always rolled, so a forced run draws as the free one does), or a
        forced detour."""
        return self.r() < share or detour in self.force

    # --- the chain --------------------------------------------------------------------------

    def play(self) -> _CaseRun:
        gen, r = self.gen, self.r
        self.operator = gen.operators[int(r() * len(gen.operators))]
        self.dispatcher = gen.dispatchers[int(r() * len(gen.dispatchers))]
        self.lead = gen.leads[int(r() * len(gen.leads))]
        self.by_supervisor = self.source == "supervisor" and self.supervisor is not None
        self.self_disposed = self.by_supervisor and r() < B.SELF_DISPOSED_SHARE
        t = self.report()
        if self.self_disposed:
            t, done = self.check_self_disposal(t)
            if done:
                return self
        t, voided = self.pre_dispatch_void(t)
        if not voided:
            self.dispatch_and_dispose(self.file(t))
        return self

    def report(self) -> int:
        r, grid, cat, t0 = self.r, self.grid, self.cat, self.t0
        reporter = self.supervisor if self.by_supervisor else self.operator
        assert reporter is not None
        self.caller = self.phone = ""
        attachments: tuple[StoredAttachment, ...] = ()
        if self.by_supervisor or self.source == "video":
            photo = f"photo://{grid.code}/{self.rng.getrandbits(32):08x}-before.jpg"
            attachments = ({"ref": photo, "phase": "before", "note": ""},)
        if self.by_supervisor:
            tail = B.FIXED_ON_THE_SPOT if self.self_disposed else B.PATROL_NOTES[int(r() * 4)]
            self.description = B.PATROL_DESCRIPTION.format(
                place=grid.place, category=cat.name, note=tail
            )
        elif self.source == "hotline":
            self.caller = B.SURNAMES[int(r() * len(B.SURNAMES))] + B.CALLER_TITLES[int(r() * 2)]
            self.phone = "1" + B.PHONE_SECOND_DIGITS[int(r() * 4)] + f"{int(r() * 1e9):09d}"
            note = B.HOTLINE_NOTES[int(r() * 4)]
            self.description = B.HOTLINE_DESCRIPTION.format(
                place=grid.place, category=cat.name, note=note
            )
        else:
            self.description = f"{grid.place}{cat.name}，{B.OTHER_SOURCE_NOTE}"
        self.lon, self.lat = grid.points[int(r() * len(grid.points))]
        self.record.self_disposed = self.self_disposed
        self.record.has_contact = bool(self.phone)
        self.record.attachments = attachments
        outcome = statemachine.plan_report(Role(reporter.role), self.self_disposed)
        now = instant(t0)
        opened = open_case(self.record, outcome, now, self.gen.policy)
        self._emit(t0, A.REPORT, reporter, opened.data, opened.record)
        return t0

    def check_self_disposal(self, t: int) -> tuple[int, bool]:
        """A supervisor's on-the-spot fix is verified; a few were not fixed after all."""
        t += self.lognormal(3600)
        if self.r() < 0.95:
            self.act(t, A.VERIFY, self.operator, {"note": B.SELF_DISPOSAL_PASSED, "passed": True})
            return t, True
        fields = {"note": B.SELF_DISPOSAL_FAILED, "passed": False}
        return self.act(t, A.VERIFY, self.operator, fields), False

    def pre_dispatch_void(self, t: int) -> tuple[int, bool]:
        """Public reports may go to a supervisor to verify; untrue ones and a few others are
        voided before filing.  True when the case was voided."""
        r = self.r
        verified: bool | None = None
        public = not self.by_supervisor
        if public and self.chance(B.VERIFY_PUBLIC_SHARE, "verify") and self.supervisor:
            assert self.supervisor is not None
            t = self.act(
                t + self.lognormal(900), A.REQUEST_VERIFICATION, self.operator,
                {"note": B.VERIFICATION_REQUEST},
            )  # fmt: skip
            t = self.point(t, Stage.VERIFY, self.on_time(0.4))
            verified = r() < B.TRUTHFUL_SHARE
            note = B.FOUND_TRUE if verified else B.FOUND_UNTRUE
            t = self.act(t, A.CONFIRM_REPORT, self.supervisor, {"note": note, "truthful": verified})
            if verified:
                return t, False
        elif r() >= B.VOID_SHARE:
            return t, False
        reason = (
            B.UNTRUE_VOID_REASON
            if verified is False
            else B.VOID_REASONS[int(r() * len(B.VOID_REASONS))]
        )
        return self.act(t + self.lognormal(1200), A.VOID, self.lead, {"reason": reason}), True

    def file(self, t: int) -> int:
        return self.act(t + self.lognormal(180), A.FILE, self.operator, {})

    def dispatch_and_dispose(self, t: int) -> None:
        gen, grid = self.gen, self.grid.code
        target = self.routed or gen.offices.get(grid[:9]) or gen.ref.departments[0]
        if self.chance(B.RETURN_SHARE, "return"):
            t = self.wrong_dispatch(t, target)
        t = self.act(t + self.lognormal(240), A.DISPATCH, self.dispatcher, {}, department=target)
        self.sluggish = self.sluggish or target.code in B.SLUGGISH_DEPARTMENTS
        handler = gen.ref.handlers.get(target.id)
        by_supervisor = self.supervisor is not None and self.r() < B.ASSIGN_CHECK_SHARE
        for round_ in range(B.MAX_ROUNDS):
            t = self.sign(t, handler)
            if round_ == 0 and self.chance(B.EXTENSION_SHARE, "extension"):
                t = self.extension(t, handler)
            if round_ == 0 and "suspension" in self.force:  # the history has none
                t = self.suspension(t, handler)
            t = self.disposal(t, handler, round_)
            t, passed = self.check(t, round_, by_supervisor)
            if passed:
                break
        if self.record.stage is Stage.CALLBACK:
            t = self.callback(t)
            if self.record.state is CaseState.FILED and not self.redone:  # 重办
                self.redone = True
                self.dispatch_and_dispose(t)

    def wrong_dispatch(self, t: int, target: _Dept) -> int:
        """Dispatched to the wrong unit first, which asks to return the case."""
        gen, r = self.gen, self.r
        wrong = gen.offices.get(self.grid.code[:9])
        if (wrong is None or wrong.id == target.id) and gen.professional:
            wrong = gen.professional[int(r() * len(gen.professional))]
        if wrong is None or wrong.id == target.id:
            return t
        t = self.act(
            t + self.lognormal(240), A.DISPATCH, self.dispatcher,
            {"department_code": wrong.code}, department=wrong,
        )  # fmt: skip
        t = self.point(t, Stage.SIGN, self.on_time(0.5))
        t = self.act(
            t, A.REQUEST_RETURN, gen.ref.handlers.get(wrong.id), {"reason": B.RETURN_REASON}
        )
        decision = {"note": B.APPROVED, "approve": True}
        return self.act(t + self.lognormal(1800), A.DECIDE, self.dispatcher, decision)

    def sign(self, t: int, handler: _User | None) -> int:
        late = self.r() < (B.LATE_SIGN_SLUGGISH if self.sluggish else B.LATE_SIGN_SHARE)
        at = self.point(t, Stage.SIGN, self.overdue() if late else self.on_time(0.35))
        return self.act(at, A.SIGN, handler, {})

    def extension(self, t: int, handler: _User | None) -> int:
        r = self.r
        hours = B.EXTENSION_HOURS[int(r() * len(B.EXTENSION_HOURS))]
        t = self.act(
            self.point(t, Stage.DISPOSE, 0.2 + 0.4 * r()), A.REQUEST_EXTENSION, handler,
            {"reason": B.EXTENSION_REASON, "hours": hours},
        )  # fmt: skip
        t += self.lognormal(2700)
        if r() < B.EXTENSION_APPROVE:
            decision = {"note": B.APPROVED, "approve": True}
        else:
            decision = {"note": B.REJECTED, "approve": False}
        return self.act(t, A.DECIDE, self.dispatcher, decision)

    def suspension(self, t: int, handler: _User | None) -> int:
        """Suspended (挂账) while something outside the department's hands is awaited."""
        t = self.act(
            self.point(t, Stage.DISPOSE, 0.1 + 0.2 * self.r()), A.REQUEST_SUSPENSION, handler,
            {"reason": B.SUSPENSION_REASON},
        )  # fmt: skip
        decision = {"note": B.APPROVED, "approve": True}
        t = self.act(t + self.lognormal(2700), A.DECIDE, self.dispatcher, decision)
        return self.act(t + self.lognormal(86_400), A.RESUME, handler, {})

    def disposal(self, t: int, handler: _User | None, round_: int) -> int:
        """The disposal report, late for a few (and then urged or supervised)."""
        r = self.r
        start, due = self.started, self.due()
        late = r() < (B.LATE_DISPOSE_SLUGGISH if self.sluggish else B.LATE_DISPOSE_SHARE)
        fraction = self.overdue() if late else self.on_time(0.35)
        if self.cap:
            disposed = self.point(start, Stage.DISPOSE, fraction)
        else:
            disposed = self.within(start, due, fraction)
        disposed = max(disposed, t + 60 * US + int(r() * 600 * US))
        if disposed > due:
            gap = disposed - max(due, t)
            if r() < B.URGE_LATE:
                at = max(due, t) + int(gap * 0.3 * r()) + US
                t = self.act(at, A.URGE, self.dispatcher, {"note": B.URGE_NOTE})
            if r() < B.SUPERVISE_LATE:
                at = t + int((disposed - t) * 0.5 * r()) + US
                t = self.act(at, A.SUPERVISE, self.lead, {"note": B.SUPERVISE_LATE_NOTE})
        elif (
            self.source in ("media", "leader")
            and not self.record.supervised
            and r() < B.SUPERVISE_HIGH_PROFILE
        ):
            at = t + int((disposed - t) * 0.2 * r()) + US
            t = self.act(at, A.SUPERVISE, self.lead, {"note": B.SUPERVISE_HIGH_PROFILE_NOTE})
        after = f"photo://{self.serial}/after-{round_ + 1}.jpg"
        fields = {
            "note": B.DISPOSAL_NOTE,
            "attachments": [{"ref": after, "phase": "after"}],
        }
        stored: tuple[StoredAttachment, ...] = ({"ref": after, "phase": "after", "note": ""},)
        return self.act(disposed, A.REPORT_DISPOSAL, handler, fields, attachments=stored)

    def within(self, start: int, due: int, fraction: float) -> int:
        """The instant ``fraction`` of the stage's own time from ``start`` to ``due``."""
        calendar = self.gen.policy.calendar
        unit = self.gen.policy.limit(self.record, Stage.DISPOSE).unit
        begin = instant(start)
        seconds = calendar.elapsed(begin, instant(due), unit) * fraction + self.r()
        return us(calendar.add_seconds(begin, seconds, unit))

    def check(self, t: int, round_: int, by_supervisor: bool) -> tuple[int, bool]:
        """A supervisor's site check or the operator's call-back; True when it passed."""
        r = self.r
        again, first = (
            (B.FAIL_AGAIN_SLUGGISH, B.FAIL_FIRST_SLUGGISH)
            if self.sluggish
            else (B.FAIL_AGAIN, B.FAIL_FIRST)
        )
        fails = round_ < B.MAX_ROUNDS - 1 and r() < (again if round_ else first)
        checker: _User
        if by_supervisor and self.supervisor is not None:
            checker = self.supervisor
            t = self.act(
                t + self.lognormal(600), A.ASSIGN_CHECK, self.operator,
                {"supervisor": checker.username}, checker=checker,
            )  # fmt: skip
            t = self.point(t, Stage.CHECK, self.on_time(0.4))
            note = B.CHECK_FAILED if fails else B.CHECK_PASSED
        else:
            t += self.lognormal(1800)
            checker = self.operator
            note = B.CALL_BACK_FAILED if fails else B.CALL_BACK_PASSED
        return self.act(t, A.VERIFY, checker, {"note": note, "passed": not fails}), not fails

    def callback(self, t: int) -> int:
        """回访 of a closed case whose caller left a phone: most are satisfied; an
        unreachable caller is tried once more; a dissatisfied one has the case redone
        (重办) where the policy says so (once: the redone case's caller is content).
        A callback that would come after the history's end is left due."""
        r = self.r
        for _ in range(2):
            at = t + self.lognormal(B.CALLBACK_DELAY)
            if at >= self.gen.end_us - 60 * US:
                return t
            roll = r()
            result = B.callback_result(roll)
            if self.redone and result == "dissatisfied":
                result = "basic"
            fields: dict[str, Any] = {"result": result}
            if result == "dissatisfied":
                fields["redo"] = self.gen.redo_on_dissatisfied
            t = self.act(at, A.CALLBACK, self.operator, fields)
            if result != "unreachable" or r() >= B.CALLBACK_RETRY:
                return t
        return t

    # --- the case row -----------------------------------------------------------------------

    def row(self) -> Row:
        rec, grid, serial = self.record, self.grid, self.serial
        code = grid.code
        stage = rec.stage.value if rec.stage is not None else None
        pending = rec.pending_kind.value if rec.pending_kind is not None else None
        reporter = {"name": self.caller, "phone": self.phone, "source": self.source}
        return (
            self.cid, serial, rec.state.value, self.source, rec.category_kind.value,
            rec.category_code, self.description, rec.urgency.value, code, code[:12], code[:9],
            code[:6], grid.area, self.lon, self.lat,
            f"{grid.street_name}{grid.community_name}网格{code[-3:]}号",
            to_json([{**reporter, "serial": serial}]), to_json(list(rec.attachments)),
            rec.department_id, pending, to_json(rec.pending_detail), rec.rework_count,
            rec.return_count, rec.extension_seconds, rec.supervised, rec.urge_count, None,
            "null", rec.verified, rec.self_disposed, rec.checker_id, stage,
            _sql(rec.warn_at), _sql(rec.deadline_at), _sql(rec.paused_at),
            FAR_FUTURE_TEXT if rec.due_key == FAR_FUTURE else sql_time(rec.due_key),
            to_json(list(rec.deadlines)), len(self.events), sql_us(self.t0),
            sql_us(self.last),
            sql_time(rec.closed_at) if rec.closed_at else None, self.last_actor,
        )  # fmt: skip


def _sql(value: datetime | None) -> str | None:
    return None if value is None else sql_time(value)
