"""Creating cases and applying workflow actions: one transaction per change.

Each change loads the case, asks the state machine for a plan, applies the plan's
effects and clock, bumps ``version`` and appends the event — all in one
transaction, so the audit log can never disagree with the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.clock import Clock as TimeSource
from backend.core.clock import system_clock
from backend.core.db import Database
from backend.core.problems import Conflict, Forbidden, Invalid, NotFound
from backend.domain import routing, statemachine, workflow
from backend.domain.casejson import stored_attachment
from backend.domain.statemachine import Effect, Plan
from backend.domain.workflow import FAR_FUTURE
from backend.models import CaseRow, DepartmentRow, EventRow, UserRow
from backend.models.plain import row_of
from backend.services.access import Actor
from backend.services.caserecord import record_columns, record_of, write_record
from backend.services.clockwork import Clockwork
from backend.services.events import Outbox, append_event
from backend.services.newcase import insert_case, next_serial
from backend.services.reference import Reference
from backend.services.views import case_detail, case_summary
from backend_client.eventdata import EventData, MergeData, UnmergeData
from backend_client.labels import both
from backend_client.vocab import Action, CaseState, PendingKind, Role, Stage
from backend_client.wire import (
    TIMELINE_PAGE,
    ActionRequest,
    ActionResult,
    CaseCreate,
    CaseDetail,
    Reporter,
)


@dataclass
class CaseService:
    db: Database
    ref: Reference
    clockwork: Clockwork
    clock: TimeSource = system_clock
    redo_on_dissatisfied: bool = True  # the assessment policy's [callback] rule

    def _local(self, value: datetime) -> str:
        """``value`` as the centre's wall clock (the calendar's timezone), ``HH:MM``."""
        return value.astimezone(self.clockwork.calendar.tz).strftime("%H:%M")

    # --- reading ----------------------------------------------------------------------------

    async def load(
        self, session: AsyncSession, serial: str, actor: Actor, *, lock: bool = False
    ) -> CaseRow:
        """The case, if the actor may see it (else 404): the one scope-checked load of a
        case by serial, for every service that reads or changes one.  ``lock`` takes the
        row lock for a write (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
        writers)."""
        stmt = select(CaseRow).where(CaseRow.serial == serial)
        if lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        case = (await session.exec(stmt)).first()
        if case is None or not actor.sees_case(case.grid_code, case.department_id):
            raise NotFound(f"No case {serial} in your jurisdiction.", serial=serial)
        return case

    async def detail(
        self,
        session: AsyncSession,
        case: CaseRow,
        actor: Actor,
        *,
        timeline_limit: int = TIMELINE_PAGE,
        timeline_before: int | None = None,
    ) -> CaseDetail:
        """The case with one page of its timeline: the newest ``timeline_limit`` events
        (before seq ``timeline_before`` when given), oldest first."""
        stmt = select(EventRow).where(EventRow.case_id == case.id)
        if timeline_before is not None:
            stmt = stmt.where(col(EventRow.seq) < timeline_before)
        newest_first = list(
            await session.exec(stmt.order_by(col(EventRow.seq).desc()).limit(timeline_limit + 1))
        )
        older = None
        if len(newest_first) > timeline_limit:
            newest_first = newest_first[:timeline_limit]
            older = newest_first[-1].seq
        checker = await session.get(UserRow, case.checker_id) if case.checker_id else None
        preview = None
        if case.state == CaseState.FILED.value:
            now = self.clock()
            preview = (
                self.clockwork.preview(case, Stage.SIGN, now),
                self.clockwork.limit_label(case, Stage.DISPOSE),
            )
        detail = case_detail(
            case,
            self.ref,
            actor,
            newest_first[::-1],
            checker.display_name if checker else None,
            preview,
            self.clock(),
        )
        detail.timeline_older = older
        return detail

    async def get(
        self,
        serial: str,
        actor: Actor,
        *,
        timeline_limit: int = TIMELINE_PAGE,
        timeline_before: int | None = None,
    ) -> CaseDetail:
        async with self.db.read() as session:
            case = await self.load(session, serial, actor)
            return await self.detail(
                session,
                case,
                actor,
                timeline_limit=timeline_limit,
                timeline_before=timeline_before,
            )

    # --- creating ---------------------------------------------------------------------------

    async def create(
        self,
        session: AsyncSession,
        actor: Actor,
        body: CaseCreate,
        now: datetime,
        outbox: Outbox | None = None,
    ) -> ActionResult:
        return (await self.create_row(session, actor, body, now, outbox))[1]

    async def create_row(
        self,
        session: AsyncSession,
        actor: Actor,
        body: CaseCreate,
        now: datetime,
        outbox: Outbox | None = None,
    ) -> tuple[CaseRow, ActionResult]:
        """Create the case (the one way a report becomes a case); the new row, and the
        answer :meth:`create` gives."""
        outcome = statemachine.plan_report(actor.role, body.self_disposed)
        category = await self.ref.category(body.category_kind.value, body.category_code)
        if category is None:
            raise Invalid(
                f"Unknown category: {body.category_kind.value} {body.category_code} "
                "is not in the catalogue (GET /api/v1/catalogue lists them).",
                field="category_code",
            )
        grid_code = self._resolve_grid(body)
        if not actor.sees_case(grid_code, actor.department_id):
            raise Forbidden(f"Grid {grid_code} is outside your jurisdiction.")
        grid = self.ref.grid(grid_code)
        assert grid is not None
        serial = await next_serial(
            session, self.db.is_sqlite, self.clockwork.calendar.tz, grid_code[:6], now
        )
        values = {
            "serial": serial,
            "state": (outcome.state or CaseState.REPORTED).value,
            "source": body.source.value,
            "category_kind": body.category_kind.value,
            "category_code": body.category_code,
            "description": body.description,
            "urgency": body.urgency.value,
            "grid_code": grid_code,
            "community_code": grid_code[:12],
            "street_code": grid_code[:9],
            "district_code": grid_code[:6],
            "area_class": grid.area_class,
            "lon": body.lon,
            "lat": body.lat,
            "address": body.address,
            "reporters": [
                Reporter(
                    name=body.reporter_name,
                    phone=body.reporter_phone,
                    email=body.reporter_email,
                    source=body.source,
                    serial=serial,
                )
            ],
            "attachments": [stored_attachment(a) for a in body.attachments],
            "self_disposed": body.self_disposed,
            "deadlines": [],
            "due_key": FAR_FUTURE,
            "created_at": now,
            "updated_at": now,
            "last_actor": actor.display_name,
        }
        reported = record_of(row_of(CaseRow, values))
        opened = workflow.open_case(reported, outcome, now, self.clockwork)
        case = await insert_case(session, values | record_columns(opened.record))
        data = opened.data
        event = await append_event(
            session,
            self.db,
            case=case,
            actor=actor,
            action=Action.REPORT,
            data=data,
            at=now,
            prev_department_id=None,
            outbox=outbox,
        )
        return case, ActionResult(case=case_summary(case, self.ref, now), seq=event.seq or 0)

    def _resolve_grid(self, body: CaseCreate) -> str:
        if body.grid_code is not None:
            if self.ref.grid(body.grid_code) is None:
                raise Invalid(
                    f"Unknown grid {body.grid_code}: no unit grid has that code.", field="grid_code"
                )
            return body.grid_code
        if body.lon is None or body.lat is None:
            raise Invalid("Give the location: a grid_code, or both lon and lat.", field="lon")
        found = self.ref.locate(body.lon, body.lat)
        if found is None:
            raise Invalid(
                f"The point ({body.lon}, {body.lat}) is outside every unit grid.", field="lon"
            )
        return found

    # --- acting -----------------------------------------------------------------------------

    async def act(
        self,
        session: AsyncSession,
        actor: Actor,
        serial: str,
        request: ActionRequest,
        if_match: int | None,
        now: datetime,
        outbox: Outbox | None = None,
    ) -> ActionResult:
        case = await self.load(session, serial, actor, lock=True)
        if if_match is not None and case.version != if_match:
            raise self._stale(case, if_match)
        state = CaseState(case.state)
        pending = PendingKind(case.pending_kind) if case.pending_kind else None
        fields = request.model_dump(exclude={"action", "attachments"}, exclude_none=True)
        fields |= statemachine.policy_fields(request.action, fields, self.redo_on_dissatisfied)
        stage = Stage(case.stage) if case.stage else None
        try:
            plan = statemachine.plan(state, pending, request.action, actor.role, fields, stage)
        except statemachine.IllegalTransition as exc:
            # Name who moved the case last, so a racing operator knows what happened.
            raise Conflict(
                exc.message + f" 最后操作：{case.last_actor} @ {self._local(case.updated_at)}.",
                state=state.value,
                action=request.action.value,
                current_version=case.version,
                last_actor=case.last_actor,
                updated_at=case.updated_at.isoformat(),
            ) from exc
        if actor.is_handler and case.department_id != actor.department_id:
            raise Forbidden("This case is not dispatched to your department.")
        prev_department = case.department_id
        data = await self._apply(session, case, plan, request, actor, now, outbox)
        case.version += 1
        case.updated_at = now
        case.last_actor = actor.display_name
        session.add(case)
        await session.flush()
        event = await append_event(
            session,
            self.db,
            case=case,
            actor=actor,
            action=request.action,
            data=data,
            at=now,
            prev_department_id=prev_department,
            outbox=outbox,
        )
        return ActionResult(case=case_summary(case, self.ref, now), seq=event.seq or 0)

    def _stale(self, case: CaseRow, expected: int) -> Conflict:
        state, at = CaseState(case.state), self._local(case.updated_at)
        return Conflict(
            f"案件已被 {case.last_actor} 于 {at} 修改（现为“{both(state)}”）；"
            f"请刷新后重试。 (Case changed by {case.last_actor}; you had version {expected}, "
            f"it is now {case.version}.)",
            current_version=case.version,
            last_actor=case.last_actor,
            updated_at=case.updated_at.isoformat(),
            state=state.value,
        )

    async def _apply(
        self,
        session: AsyncSession,
        case: CaseRow,
        plan: Plan,
        request: ActionRequest,
        actor: Actor,
        now: datetime,
        outbox: Outbox | None,
    ) -> EventData:
        """Carry out the plan on the row; return the event's data.

        What the plan needs from the database is looked up here; what it does to the
        case, its clock and the event's data is the workflow core's :func:`step`."""
        effects = plan.effects
        department = checker = None
        if Effect.SET_DEPARTMENT in effects:
            dept = await self._dispatch_target(case, request, actor)
            assert dept.id is not None
            department = (dept.id, dept.code)
        if Effect.SET_CHECKER in effects:
            user = await self._checker(session, request.supervisor or "", case)
            assert user.id is not None
            checker = (user.id, user.display_name)
        recorded = request.model_dump(
            mode="json", exclude={"action"}, exclude_none=True, exclude_defaults=True
        )
        move = workflow.Move(
            plan,
            recorded,
            actor.display_name,
            department,
            checker,
            [stored_attachment(a) for a in request.attachments],
        )
        result = workflow.step(record_of(case), move, now, self.clockwork)
        if Effect.MERGE in effects:
            await self._merge(session, case, request.target or "", actor, now, outbox)
        if Effect.UNMERGE in effects:
            await self._unmerge(session, case, actor, now, outbox)
        write_record(case, result.record)
        return result.data

    async def _dispatch_target(
        self, case: CaseRow, request: ActionRequest, actor: Actor
    ) -> DepartmentRow:
        if not request.department_code:
            routed = self.ref.route(case.category_kind, case.category_code, case.grid_code)
            if routed is None:
                raise Invalid(
                    "No department is routed for this case; name one in department_code.",
                    field="department_code",
                )
            return routed
        dept = await self.ref.department_by_code(request.department_code)
        if dept is None:
            raise Invalid(
                f"Unknown department {request.department_code} "
                "(GET /api/v1/departments lists them).",
                field="department_code",
            )
        allowed = sorted(d.code for d in self.ref.dispatch_targets(case, actor.scope_prefix))
        if dept.code not in allowed:
            area = routing.area_of(dept, case.grid_code)
            raise Invalid(
                f"{dept.code} ({dept.name}) does not serve grid {case.grid_code} for "
                f"{case.category_kind} {case.category_code}, and its area, "
                f"{self.ref.name_of(area)} ({area}), is not inside your jurisdiction "
                f"({actor.jurisdiction_code}). Dispatch this case to one of: "
                f"{', '.join(allowed) or 'none'}.",
                field="department_code",
                allowed=allowed,
            )
        return dept

    async def _checker(self, session: AsyncSession, username: str, case: CaseRow) -> UserRow:
        user = (await session.exec(select(UserRow).where(UserRow.username == username))).first()
        if user is None or not user.active or user.role != Role.SUPERVISOR.value:
            raise Invalid(f"{username!r} is not an active supervisor (监督员).", field="supervisor")
        if not case.grid_code.startswith(_prefix_of(user.jurisdiction_code)):
            raise Invalid(
                f"Supervisor {username} does not cover grid {case.grid_code}.", field="supervisor"
            )
        return user

    async def _merge(
        self,
        session: AsyncSession,
        case: CaseRow,
        target_serial: str,
        actor: Actor,
        now: datetime,
        outbox: Outbox | None,
    ) -> None:
        if target_serial == case.serial:
            raise Invalid("A case cannot be merged into itself.", field="target")
        target = await self.load(session, target_serial, actor, lock=True)
        if not CaseState(target.state).is_open:
            raise Conflict(
                f"Case {target_serial} is {both(CaseState(target.state))}; "
                "merge into an open case.",
                state=target.state,
            )
        target.reporters = [*target.reporters, *case.reporters]
        await self._touch_other(
            session, target, actor, now, MergeData(from_=case.serial, role="target"), outbox
        )

    async def _unmerge(
        self,
        session: AsyncSession,
        case: CaseRow,
        actor: Actor,
        now: datetime,
        outbox: Outbox | None,
    ) -> None:
        if not case.merged_into:
            return
        # Out of the actor's scope answers like a case that does not exist: 404, no change.
        target = await self.load(session, case.merged_into, actor, lock=True)
        mine = {(r.serial, r.phone, r.name) for r in case.reporters}
        target.reporters = [r for r in target.reporters if (r.serial, r.phone, r.name) not in mine]
        await self._touch_other(
            session,
            target,
            actor,
            now,
            UnmergeData(from_=case.serial, role="target"),
            outbox,
        )

    async def _touch_other(
        self,
        session: AsyncSession,
        other: CaseRow,
        actor: Actor,
        now: datetime,
        data: MergeData | UnmergeData,
        outbox: Outbox | None,
    ) -> None:
        """A second case changed by the same action gets its own version and event."""
        if not actor.sees_case(other.grid_code, other.department_id):
            raise NotFound(f"No case {other.serial} in your jurisdiction.", serial=other.serial)
        other.version += 1
        other.updated_at = now
        other.last_actor = actor.display_name
        session.add(other)
        await session.flush()
        await append_event(
            session,
            self.db,
            case=other,
            actor=actor,
            action=data.ACTION,
            data=data,
            at=now,
            prev_department_id=other.department_id,
            outbox=outbox,
        )


def _prefix_of(jurisdiction_code: str) -> str:
    from backend.domain.gridcode import kind_for_code_length, scope_prefix

    kind = kind_for_code_length(jurisdiction_code)
    return scope_prefix(kind, jurisdiction_code) if kind else jurisdiction_code


async def count_open(session: AsyncSession) -> int:
    open_states = [s.value for s in CaseState if s.is_open]
    value = (
        await session.exec(select(func.count()).where(col(CaseRow.state).in_(open_states)))
    ).one()
    return int(value)
