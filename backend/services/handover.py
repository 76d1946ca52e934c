"""Shift handover (交接班): build the record for the current shift, sign, acknowledge.

A handover belongs to the outgoing lead's jurisdiction.  Whoever may see that
jurisdiction (a district lead sees its streets' handovers) may read it; only a shift lead
(值班长) writes; leaders read; department handlers see none.  The snapshot is computed
with the author's scope, so it holds only cases the author may see.  Every step writes an
audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.core.problems import Conflict, Forbidden, Invalid, NotFound
from backend.domain.calendar import WorkingCalendar
from backend.domain.shifts import Shift, ShiftPlan, ShiftSlot
from backend.models import CaseRow, EventRow, HandoverRow
from backend.services.access import Actor
from backend.services.admin import audit_row
from backend.services.events import event_scope
from backend.services.queries import OPEN_STATES_CLAUSE, scope_clauses
from backend.services.reference import Reference
from backend_client.vocab import Action, CaseState, Role, TimeUnit
from backend_client.wire import (
    HANDOVER_LIST_CASES,
    CaseRef,
    CheckEntry,
    CheckItemDef,
    CurrentShift,
    Handover,
    HandoverCreate,
    HandoverSnapshot,
    ShiftInfo,
)

WRITERS = frozenset({Role.SHIFT_LEAD})


def shift_info(shift: Shift) -> ShiftInfo:
    start, end = shift.label().split("-")
    return ShiftInfo(id=shift.id, zh=shift.zh, en=shift.en, start=start, end=end)


def sees_handover(actor: Actor, row: HandoverRow) -> bool:
    return not actor.is_handler and row.scope_prefix.startswith(actor.scope_prefix)


def handover_wire(row: HandoverRow) -> Handover:
    status = "draft"
    if row.acknowledged_at is not None:
        status = "acknowledged"
    elif row.signed_at is not None:
        status = "signed"
    return Handover(
        id=row.id or 0,
        status=status,
        jurisdiction_code=row.jurisdiction_code,
        shift=row.shift,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        to_shift=row.to_shift,
        author=row.author,
        author_name=row.author_name,
        created_at=row.created_at,
        notes=row.notes,
        checklist=row.checklist,
        snapshot=row.snapshot,
        signed_at=row.signed_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_by_name=row.acknowledged_by_name,
        version=row.version,
    )


@dataclass
class HandoverService:
    db: Database
    plan: ShiftPlan
    calendar: WorkingCalendar
    ref: Reference

    # --- the shift ----------------------------------------------------------------------------

    async def current(self, session: AsyncSession, actor: Actor, now: datetime) -> CurrentShift:
        refuse_handlers(actor)
        slot = self.plan.at(now)
        row = await self._for_slot(session, actor.jurisdiction_code, slot)
        return CurrentShift(
            shift=shift_info(slot.shift),
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            next=shift_info(self.plan.after(slot).shift),
            lead=actor.display_name if actor.role is Role.SHIFT_LEAD else None,
            handover_id=row.id if row is not None else None,
            checklist=[CheckItemDef(id=c.id, zh=c.zh, en=c.en) for c in self.plan.checklist],
            due_within_working_hours=self.plan.due_within_working_hours,
        )

    async def _for_slot(
        self, session: AsyncSession, jurisdiction: str, slot: ShiftSlot
    ) -> HandoverRow | None:
        stmt = select(HandoverRow).where(
            HandoverRow.jurisdiction_code == jurisdiction, HandoverRow.starts_at == slot.starts_at
        )
        return (await session.exec(stmt)).first()

    # --- writes -------------------------------------------------------------------------------

    async def build(
        self, session: AsyncSession, actor: Actor, body: HandoverCreate, now: datetime
    ) -> Handover:
        """Build this shift's handover (version 1), or rebuild its unsigned draft."""
        refuse_non_writers(actor)
        checklist = self._checklist(body.checklist)
        slot = self.plan.at(now)
        row = await self._for_slot(session, actor.jurisdiction_code, slot)
        created = row is None
        if row is not None and row.signed_at is not None:
            raise Conflict(
                f"The {slot.shift.en} handover was signed by {row.author_name} at "
                f"{_local(row.signed_at, self.plan)}; it can no longer change. The incoming "
                "lead acknowledges it.",
                handover=row.id,
            )
        snapshot = await self.snapshot(session, actor, slot, now)
        if row is None:
            row = HandoverRow(
                jurisdiction_code=actor.jurisdiction_code,
                scope_prefix=actor.scope_prefix,
                shift=shift_info(slot.shift),
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                to_shift=shift_info(self.plan.after(slot).shift),
                author_id=actor.id,
                author=actor.username,
                author_name=actor.display_name,
                created_at=now,
                updated_at=now,
                checklist=checklist,
                snapshot=snapshot,
            )
        else:
            row.version += 1
            row.author_id, row.author, row.author_name = (
                actor.id,
                actor.username,
                actor.display_name,
            )
        row.notes = body.notes
        row.checklist = checklist
        row.snapshot = snapshot
        row.updated_at = now
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError as exc:  # another lead built it between our look and insert
            raise Conflict(
                f"Another lead built the {slot.shift.en} handover a moment ago; open it again "
                "to see it and add your notes.",
            ) from exc
        self._audit(session, actor, "handover.build" if created else "handover.rebuild", row, now)
        return handover_wire(row)

    async def sign(
        self, session: AsyncSession, actor: Actor, handover_id: int, now: datetime
    ) -> Handover:
        refuse_non_writers(actor)
        row = await self._load(session, actor, handover_id, lock=True)
        if row.signed_at is not None:
            raise Conflict(
                f"Handover {handover_id} was already signed at {_local(row.signed_at, self.plan)}.",
                handover=handover_id,
            )
        if row.author_id != actor.id:
            raise Forbidden(
                f"Handover {handover_id} is {row.author_name}'s; the outgoing lead who built "
                "it signs it (build your own with POST /handovers).",
                handover=handover_id,
            )
        row.signed_at = now
        row.updated_at = now
        row.version += 1
        session.add(row)
        self._audit(session, actor, "handover.sign", row, now)
        return handover_wire(row)

    async def acknowledge(
        self, session: AsyncSession, actor: Actor, handover_id: int, now: datetime
    ) -> Handover:
        refuse_non_writers(actor)
        row = await self._load(session, actor, handover_id, lock=True)
        if row.signed_at is None:
            raise Conflict(
                f"Handover {handover_id} is not signed yet; {row.author_name} signs it first.",
                handover=handover_id,
            )
        if row.acknowledged_at is not None:
            raise Conflict(
                f"Handover {handover_id} was already acknowledged by "
                f"{row.acknowledged_by_name} at {_local(row.acknowledged_at, self.plan)}.",
                handover=handover_id,
            )
        if row.author_id == actor.id:
            raise Forbidden(
                f"You signed handover {handover_id} yourself; the incoming shift's lead "
                "acknowledges it.",
                handover=handover_id,
            )
        row.acknowledged_at = now
        row.acknowledged_by_id = actor.id
        row.acknowledged_by = actor.username
        row.acknowledged_by_name = actor.display_name
        row.updated_at = now
        row.version += 1
        session.add(row)
        self._audit(session, actor, "handover.acknowledge", row, now)
        return handover_wire(row)

    def _audit(
        self, session: AsyncSession, actor: Actor, action: str, row: HandoverRow, now: datetime
    ) -> None:
        session.add(
            audit_row(
                by=actor.username,
                action=action,
                target=f"handover:{row.id}",
                now=now,
                shift=row.shift.id,
                starts_at=row.starts_at.isoformat(),
                jurisdiction=row.jurisdiction_code,
                version=row.version,
            )
        )

    def _checklist(self, given: list[CheckEntry]) -> list[CheckEntry]:
        """Every item of the plan's checklist in its order, unchecked unless given."""
        known = {item.id for item in self.plan.checklist}
        by_id: dict[str, CheckEntry] = {}
        for entry in given:
            if entry.id not in known:
                names = ", ".join(sorted(known))
                raise Invalid(
                    f"Unknown checklist item {entry.id!r}; the items are: {names}.",
                    field="checklist",
                )
            if entry.id in by_id:
                raise Invalid(f"Checklist item {entry.id!r} is given twice.", field="checklist")
            by_id[entry.id] = entry
        return [by_id.get(item.id, CheckEntry(id=item.id)) for item in self.plan.checklist]

    # --- reads --------------------------------------------------------------------------------

    async def _load(
        self, session: AsyncSession, actor: Actor, handover_id: int, *, lock: bool = False
    ) -> HandoverRow:
        stmt = select(HandoverRow).where(HandoverRow.id == handover_id)
        if lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        row = (await session.exec(stmt)).first()
        if row is None or not sees_handover(actor, row):
            raise NotFound(f"No handover {handover_id} in your jurisdiction.", handover=handover_id)
        return row

    async def get(self, session: AsyncSession, actor: Actor, handover_id: int) -> HandoverRow:
        refuse_handlers(actor)
        return await self._load(session, actor, handover_id)

    async def page(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        status: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> list[Handover]:
        refuse_handlers(actor)
        stmt = select(HandoverRow)
        if actor.scope_prefix:
            stmt = stmt.where(col(HandoverRow.scope_prefix).startswith(actor.scope_prefix))
        if status == "draft":
            stmt = stmt.where(col(HandoverRow.signed_at).is_(None))
        elif status == "signed":
            stmt = stmt.where(
                col(HandoverRow.signed_at).is_not(None),
                col(HandoverRow.acknowledged_at).is_(None),
            )
        elif status == "acknowledged":
            stmt = stmt.where(col(HandoverRow.acknowledged_at).is_not(None))
        if since is not None:
            stmt = stmt.where(col(HandoverRow.ends_at) > since)
        if until is not None:
            stmt = stmt.where(col(HandoverRow.starts_at) < until)
        stmt = stmt.order_by(col(HandoverRow.starts_at).desc(), col(HandoverRow.id)).limit(limit)
        return [handover_wire(r) for r in await session.exec(stmt)]

    async def snapshot(
        self, session: AsyncSession, actor: Actor, slot: ShiftSlot, now: datetime
    ) -> HandoverSnapshot:
        """Open work as ``actor`` sees it at ``now``, and what the shift did so far."""
        scope = scope_clauses(actor)
        open_scope = [OPEN_STATES_CLAUSE, *scope]
        by_state = {
            state: int(n)
            for state, n in await session.exec(
                select(CaseRow.state, func.count()).where(*open_scope).group_by(CaseRow.state)
            )
        }
        horizon = self.calendar.add(now, self.plan.due_within_working_hours, TimeUnit.WORKING_HOUR)
        due = [*open_scope, col(CaseRow.due_key) >= now, col(CaseRow.due_key) <= horizon]
        late = [*open_scope, col(CaseRow.due_key) >= slot.starts_at, col(CaseRow.due_key) < now]
        pending = {
            kind: int(n)
            for kind, n in await session.exec(
                select(CaseRow.pending_kind, func.count())
                .where(*open_scope, col(CaseRow.pending_kind).is_not(None))
                .group_by(CaseRow.pending_kind)
            )
            if kind
        }
        in_shift = [col(EventRow.at) >= slot.starts_at, col(EventRow.at) <= now]
        return HandoverSnapshot(
            as_of=now,
            open_total=sum(by_state.values()),
            open_by_state=by_state,
            due_within_working_hours=self.plan.due_within_working_hours,
            due_soon=await self._count(session, due),
            due_soon_cases=await self._cases(session, due),
            pending=pending,
            supervised=await self._count(session, [*open_scope, col(CaseRow.supervised).is_(True)]),
            urged=await self._count(session, [*open_scope, col(CaseRow.urge_count) > 0]),
            went_overdue=await self._count(session, late),
            went_overdue_cases=await self._cases(session, late),
            filed=await self._events(session, actor, Action.FILE, in_shift),
            dispatched=await self._events(session, actor, Action.DISPATCH, in_shift),
            closed=await self._count(
                session,
                [
                    *scope,
                    col(CaseRow.state) == CaseState.CLOSED.value,
                    col(CaseRow.closed_at) >= slot.starts_at,
                    col(CaseRow.closed_at) <= now,
                ],
            ),
        )

    async def _count(self, session: AsyncSession, where: list[ColumnElement[bool]]) -> int:
        return int((await session.exec(select(func.count()).where(*where))).one())

    async def _cases(
        self, session: AsyncSession, where: list[ColumnElement[bool]]
    ) -> list[CaseRef]:
        stmt = (
            select(CaseRow)
            .where(*where)
            .order_by(col(CaseRow.due_key), col(CaseRow.id))
            .limit(HANDOVER_LIST_CASES)
        )
        return [
            CaseRef(
                serial=c.serial,
                state=CaseState(c.state),
                grid_code=c.grid_code,
                category_name=self.ref.category_name(c.category_kind, c.category_code),
                deadline_at=c.deadline_at,
            )
            for c in await session.exec(stmt)
        ]

    async def _events(
        self,
        session: AsyncSession,
        actor: Actor,
        action: Action,
        where: list[ColumnElement[bool]],
    ) -> int:
        stmt = select(func.count()).where(
            col(EventRow.action) == action.value, *where, *event_scope(actor)
        )
        return int((await session.exec(stmt)).one())


def refuse_handlers(actor: Actor) -> None:
    if actor.is_handler:
        raise Forbidden("Shift handovers are the command centre's; department handlers see none.")


def refuse_non_writers(actor: Actor) -> None:
    refuse_handlers(actor)
    if actor.role not in WRITERS:
        raise Forbidden(
            f"Only a shift lead (值班长) builds, signs or acknowledges a handover; you are "
            f"signed in as {actor.role.value}, which reads them only."
        )


def _local(value: datetime, plan: ShiftPlan) -> str:
    return value.astimezone(plan.tz).strftime("%Y-%m-%d %H:%M")


def replay_window(row: HandoverRow, now: datetime) -> tuple[datetime, datetime]:
    """The shift's events: from its start to its end, or to now while it runs."""
    return row.starts_at, min(row.ends_at, now)
