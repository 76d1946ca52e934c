"""Appeals (申诉) against one deduction of a published period, and their review.

A department's handlers appeal for their department, a street's staff for their street,
within the policy's window (working days after the period was first published). A shift
lead or an administrator, never the appellant, upholds or rejects with a note. Upholding
writes an adjustment (the facts stay the log's) and a new revision of the period. Every
step is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.adjustments import appeal_deadline, deduction, merged
from backend.domain.assessment.facts import CaseFacts
from backend.domain.assessment.tally import ObjectKey, case_deltas
from backend.domain.calendar import WorkingCalendar
from backend.models import AdjustmentRow, AppealRow, AssessmentFactRow, CaseRow, PublicationRow
from backend.services.access import Actor
from backend.services.admin import audit_row
from backend.services.assessment.figures import AssessmentRefused, AssessmentService
from backend.services.assessment.publication import REVIEWERS, Publications, stored, usernames
from backend_client.publication import Appeal, AppealCreate, AppealDecision
from backend_client.vocab import Role

STREET_CODE = 9


class Appeals:
    def __init__(
        self, figures: AssessmentService, publications: Publications, calendar: WorkingCalendar
    ) -> None:
        self.figures, self.publications, self.calendar = figures, publications, calendar
        self.rule = figures.policy.appeal

    def deadline(self, published_at: datetime) -> datetime:
        return appeal_deadline(self.rule, self.calendar, published_at)

    async def file(
        self, session: AsyncSession, actor: Actor, body: AppealCreate, now: datetime
    ) -> Appeal:
        key = _appellant(actor)
        if body.counter not in self.rule.counters:
            raise AssessmentRefused(
                422,
                f"“{body.counter}” is not a deduction one can appeal; appeal one of "
                f"{', '.join(sorted(self.rule.counters))}.",
            )
        period = self.figures.period(body.period)
        first = await self.publications.first(session, period.name)
        latest = await self.publications.latest(session, period.name)
        if first is None or latest is None:
            raise AssessmentRefused(
                404, f"{period.name} has not been published; only published figures are appealed."
            )
        deadline = self.deadline(first.published_at)
        if now > deadline:
            local = deadline.astimezone(self.calendar.tz).strftime("%Y-%m-%d %H:%M")
            raise AssessmentRefused(
                409,
                f"Appeals against {period.name} closed at {local}, {self._window()} "
                "after it was published.",
            )
        case = (await session.exec(select(CaseRow).where(CaseRow.serial == body.serial))).first()
        facts = await session.get(AssessmentFactRow, case.id) if case is not None else None
        if case is None or case.id is None or facts is None:
            raise AssessmentRefused(404, f"No case {body.serial} counts in the assessment.")
        window = period.window(self.figures.tz)
        mine = [
            delta
            for delta in case_deltas(CaseFacts.from_json(facts.facts))
            if delta.key == key and window.holds(delta.at)
        ]
        change = deduction(merged(d.counts for d in mine), body.counter, self.rule)
        if change is None:
            raise AssessmentRefused(
                422,
                f"Case {body.serial} is no {body.counter} deduction against "
                f"{self.figures.object_name(key)} in {period.name}; there is nothing to appeal.",
            )
        needs = {body.counter, self.rule.restores.get(body.counter, body.counter)}
        at = next(d.at for d in mine if needs & set(d.counts))
        earlier = await self._same(session, period.name, key, case.id, body.counter)
        if earlier is not None:
            raise AssessmentRefused(
                409,
                f"Case {body.serial}'s {body.counter} in {period.name} was already appealed "
                f"(appeal {earlier.id}, {earlier.state}).",
            )
        row = AppealRow(
            period=period.name,
            revision=latest.revision,
            case_id=case.id,
            serial=case.serial,
            object_type=key.type,
            object_id=key.id,
            counter=body.counter,
            delta=change,
            at=at,
            reason=body.reason,
            evidence=list(body.evidence),
            appellant_id=actor.id,
            filed_at=now,
        )
        await stored(
            session, row, f"Case {body.serial}'s {body.counter} was appealed a moment ago."
        )
        session.add(self._audit(actor, row, "assessment.appeal.file", now))
        return await self._wire(session, row, first)

    async def decide(
        self,
        session: AsyncSession,
        actor: Actor,
        appeal_id: int,
        body: AppealDecision,
        now: datetime,
    ) -> Appeal:
        if actor.role not in REVIEWERS:
            raise AssessmentRefused(403, "Only a shift lead or an administrator decides appeals.")
        row = await session.get(AppealRow, appeal_id)
        if row is None or not self.figures.sees_object(actor, _key(row)):
            raise AssessmentRefused(404, f"No appeal {appeal_id} in your jurisdiction.")
        if row.appellant_id == actor.id:
            raise AssessmentRefused(403, "You filed this appeal; another reviewer decides it.")
        if row.state != "pending":
            raise AssessmentRefused(409, f"Appeal {appeal_id} was already {row.state}.")
        row.state = "upheld" if body.upheld else "rejected"
        row.reviewer_id, row.decided_at, row.note = actor.id, now, body.note
        session.add(row)
        action = "assessment.appeal.uphold" if body.upheld else "assessment.appeal.reject"
        session.add(self._audit(actor, row, action, now))
        if body.upheld:
            await self._uphold(session, actor, row, now)
        await session.flush()
        first = await self.publications.first(session, row.period)
        assert first is not None
        return await self._wire(session, row, first)

    async def _uphold(
        self, session: AsyncSession, actor: Actor, row: AppealRow, now: datetime
    ) -> None:
        assert row.id is not None
        day = datetime.fromisoformat(row.at).astimezone(self.figures.tz).date().isoformat()
        await stored(
            session,
            AdjustmentRow(
                case_id=row.case_id,
                object_type=row.object_type,
                object_id=row.object_id,
                counter=row.counter,
                delta=row.delta,
                day=day,
                at=row.at,
                reason=row.note,
                appeal_id=row.id,
                made_by=actor.id,
                made_at=now,
            ),
            f"Appeal {row.id} was decided a moment ago by another reviewer.",
        )
        latest = await self.publications.latest(session, row.period)
        assert latest is not None
        await self.publications.revise(
            session, actor, latest, {_key(row): {row.counter: row.delta}}, row.id, now
        )

    async def listed(self, actor: Actor, mine: bool) -> list[Appeal]:
        """The appellant's own (``mine``), or every appeal on an object the actor sees."""
        async with self.figures.db.read() as session:
            query = select(AppealRow).order_by(col(AppealRow.id))
            if mine:
                query = query.where(col(AppealRow.appellant_id) == actor.id)
            rows = [
                row
                for row in (await session.exec(query)).all()
                if mine or self.figures.sees_object(actor, _key(row))
            ]
            firsts: dict[str, PublicationRow | None] = {}
            found = []
            for row in rows:
                if row.period not in firsts:
                    firsts[row.period] = await self.publications.first(session, row.period)
                first = firsts[row.period]
                assert first is not None
                found.append(await self._wire(session, row, first))
            return found

    def _window(self) -> str:
        window = self.rule.window
        return f"{window.amount:g} {window.unit.value.replace('_', ' ')}s"

    def _audit(self, actor: Actor, row: AppealRow, action: str, now: datetime) -> object:
        return audit_row(
            by=actor.username,
            action=action,
            target=f"assessment/{row.period}/appeal/{row.id}",
            now=now,
            serial=row.serial,
            object=f"{row.object_type}:{row.object_id}",
            counter=row.counter,
            delta=row.delta,
            note=row.note,
        )

    async def _same(
        self, session: AsyncSession, period: str, key: ObjectKey, case_id: int, counter: str
    ) -> AppealRow | None:
        query = select(AppealRow).where(
            col(AppealRow.period) == period,
            col(AppealRow.object_type) == key.type,
            col(AppealRow.object_id) == key.id,
            col(AppealRow.case_id) == case_id,
            col(AppealRow.counter) == counter,
        )
        return (await session.exec(query)).first()

    async def _wire(self, session: AsyncSession, row: AppealRow, first: PublicationRow) -> Appeal:
        assert row.id is not None
        ids = {row.appellant_id} | ({row.reviewer_id} if row.reviewer_id else set())
        names = await usernames(session, ids)
        revised = (
            await session.exec(
                select(PublicationRow.revision).where(col(PublicationRow.appeal_id) == row.id)
            )
        ).first()
        return Appeal(
            id=row.id,
            period=row.period,
            revision=row.revision,
            serial=row.serial,
            type=_key(row).type,
            object_id=row.object_id,
            object_name=self.figures.object_name(_key(row)),
            counter=row.counter,
            delta=row.delta,
            reason=row.reason,
            evidence=row.evidence,
            appellant=names.get(row.appellant_id, str(row.appellant_id)),
            filed_at=row.filed_at,
            deadline=self.deadline(first.published_at),
            state=row.state,
            reviewer=names.get(row.reviewer_id) if row.reviewer_id else None,
            decided_at=row.decided_at,
            note=row.note,
            revised_to=revised,
        )


def _key(row: AppealRow) -> ObjectKey:
    return ObjectKey(row.object_type, row.object_id)  # type: ignore[arg-type]


def _appellant(actor: Actor) -> ObjectKey:
    """The object an actor appeals for: a handler's department, a street's staff's street."""
    if actor.is_handler and actor.department_id is not None:
        return ObjectKey("department", str(actor.department_id))
    if actor.role is not Role.LEADER and len(actor.jurisdiction_code) == STREET_CODE:
        return ObjectKey("street", actor.jurisdiction_code)
    raise AssessmentRefused(
        403, "Appeals come from a department's handlers or a street's staff, for their own unit."
    )
