"""Publishing a period (考核发布): its figures frozen with the policy version they used.

A shift lead or an administrator publishes a period once (revision 1): every family's
ranking and the notice, as the API answered them at that moment, are stored, and later
events do not move them. An upheld appeal adds a revision: the rankings scored again with
the adjustment, the notice as first published. Readers get the frozen figures cut to
their jurisdiction by the live figures' own rule, with the published ranks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.domain.assessment.periods import NamedPeriod
from backend.domain.assessment.tally import ObjectKey
from backend.models import PublicationRow, UserRow
from backend.models.publication import PublishedFigures
from backend.services.access import Actor
from backend.services.admin import audit_row
from backend.services.assessment.figures import FAMILY_TYPES, AssessmentRefused, AssessmentService
from backend.services.events import head_seq
from backend_client.assessment import Notice, ObjectFamily, Ranking
from backend_client.publication import Publication, PublicationCreate, PublicationInfo
from backend_client.vocab import Role

REVIEWERS = frozenset({Role.SHIFT_LEAD, Role.ADMIN})


@dataclass(frozen=True)
class Frozen:
    """The figures a publication will hold, read before its write transaction begins."""

    period: NamedPeriod
    rankings: list[Ranking]
    notice: Notice | None


class Publications:
    def __init__(self, figures: AssessmentService) -> None:
        self.figures = figures

    async def freeze(self, actor: Actor, body: PublicationCreate) -> Frozen:
        """The publisher's figures for the period, holding every event written so far."""
        if actor.role not in REVIEWERS:
            raise AssessmentRefused(403, "Only a shift lead or an administrator publishes.")
        period = self.figures.period(body.period)
        async with self.figures.db.read() as session:
            head = await head_seq(session)
        families: list[ObjectFamily] = [body.family] if body.family else list(FAMILY_TYPES)
        rankings = [
            await self.figures.ranking(actor, body.period, family, after=head)
            for family in families
        ]
        notice = await self.figures.notice(actor, body.period)
        return Frozen(period, rankings, notice)

    async def publish(
        self, session: AsyncSession, actor: Actor, frozen: Frozen, now: datetime
    ) -> Publication:
        name = frozen.period.name
        latest = await self.latest(session, name)
        if latest is not None:
            raise AssessmentRefused(
                409,
                f"{name} is already published (revision {latest.revision}); "
                "only an upheld appeal revises it.",
            )
        row = PublicationRow(
            period=name,
            revision=1,
            policy_version=self.figures.policy.version,
            published_by=actor.id,
            published_at=now,
            reason="published",
            figures=PublishedFigures(rankings=frozen.rankings, notice=frozen.notice),
        )
        await stored(session, row, f"{name} was published a moment ago by someone else.")
        session.add(_audit(actor, row, now))
        return await self._wire(session, actor, row)

    async def revise(
        self,
        session: AsyncSession,
        actor: Actor,
        latest: PublicationRow,
        changes: Mapping[ObjectKey, Mapping[str, float]],
        appeal_id: int,
        now: datetime,
    ) -> PublicationRow:
        """Revision N+1: the latest figures with ``changes``, each family scored again."""
        figures = latest.figures
        row = PublicationRow(
            period=latest.period,
            revision=latest.revision + 1,
            policy_version=latest.policy_version,
            published_by=actor.id,
            published_at=now,
            appeal_id=appeal_id,
            reason=f"appeal {appeal_id} upheld",
            figures=PublishedFigures(
                rankings=[self.figures.rescored(r, changes) for r in figures.rankings],
                notice=figures.notice,
            ),
        )
        await stored(
            session,
            row,
            f"{latest.period} was revised a moment ago by another decision; decide again.",
        )
        session.add(_audit(actor, row, now))
        return row

    async def latest(
        self, session: AsyncSession, period: str, revision: int | None = None
    ) -> PublicationRow | None:
        query = select(PublicationRow).where(col(PublicationRow.period) == period)
        if revision is not None:
            query = query.where(col(PublicationRow.revision) == revision)
        query = query.order_by(col(PublicationRow.revision).desc()).limit(1)
        return (await session.exec(query)).first()

    async def first(self, session: AsyncSession, period: str) -> PublicationRow | None:
        return await self.latest(session, period, revision=1)

    async def read(
        self, actor: Actor, period_text: str, revision: int | None = None
    ) -> Publication:
        period = self.figures.period(period_text)
        async with self.figures.db.read() as session:
            row = await self.latest(session, period.name, revision)
            if row is None:
                which = f"revision {revision} of " if revision is not None else ""
                raise AssessmentRefused(404, f"No {which}{period.name} has been published.")
            return await self._wire(session, actor, row)

    async def ranking(self, actor: Actor, period_text: str, family: ObjectFamily) -> Ranking:
        """The latest published ranking of one family (``rankings?published=true``)."""
        publication = await self.read(actor, period_text)
        for ranking in publication.rankings:
            if ranking.family == family:
                return ranking
        raise AssessmentRefused(
            404, f"{publication.period.name} was published without the {family} ranking."
        )

    async def listed(self, actor: Actor) -> list[PublicationInfo]:
        """Every revision of every published period, newest period first."""
        async with self.figures.db.read() as session:
            rows = (
                await session.exec(
                    select(PublicationRow).order_by(
                        col(PublicationRow.published_at).desc(), col(PublicationRow.revision)
                    )
                )
            ).all()
            names = await usernames(session, {row.published_by for row in rows})
        return [_info(row, names, [r.family for r in row.figures.rankings]) for row in rows]

    async def _wire(self, session: AsyncSession, actor: Actor, row: PublicationRow) -> Publication:
        rankings, notice = row.figures.rankings, row.figures.notice
        names = await usernames(session, {row.published_by})
        info = _info(row, names, [r.family for r in rankings])
        return Publication(
            **info.model_dump(),
            rankings=await self.figures.visible(actor, rankings),
            notice=None if actor.is_handler else notice,
        )


async def stored(session: AsyncSession, row: SQLModel, clash: str) -> None:
    """Insert ``row`` now; a unique key another writer took first is a 409 with ``clash``."""
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        raise AssessmentRefused(409, clash) from exc


def _audit(actor: Actor, row: PublicationRow, now: datetime) -> Any:
    return audit_row(
        by=actor.username,
        action="assessment.publish" if row.revision == 1 else "assessment.revise",
        target=f"assessment/{row.period}",
        now=now,
        revision=row.revision,
        policy_version=row.policy_version,
        appeal_id=row.appeal_id,
    )


async def usernames(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.exec(select(UserRow).where(col(UserRow.id).in_(ids)))
    return {user.id: user.username for user in rows.all() if user.id is not None}


def _info(row: PublicationRow, names: Mapping[int, str], families: list[Any]) -> PublicationInfo:
    return PublicationInfo(
        period=row.figures.rankings[0].period,
        revision=row.revision,
        policy_version=row.policy_version,
        published_by=names.get(row.published_by, str(row.published_by)),
        published_at=row.published_at,
        appeal_id=row.appeal_id,
        reason=row.reason,
        families=families,
    )
