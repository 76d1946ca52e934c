"""Assessment figures read from the projection: rankings per object family, and the cases
behind any counter (drill-down). Scoped like everything else: a user sees the regions of
their jurisdiction, the departments that serve it (a department's own staff only their
own), and the posts of its people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from itertools import accumulate
from typing import Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.domain.assessment.adjustments import adjusted
from backend.domain.assessment.counters import COUNTER_NAMES, Counters
from backend.domain.assessment.facts import CaseFacts
from backend.domain.assessment.periods import BadPeriod, NamedPeriod, parse_period
from backend.domain.assessment.policy import AssessmentPolicy, ObjectKind
from backend.domain.assessment.scoring import score
from backend.domain.assessment.tally import REGION_PREFIX, ObjectKey, case_deltas
from backend.models import (
    AssessmentCursorRow,
    AssessmentFactRow,
    CaseRow,
    EventRow,
    UserRow,
)
from backend.services.access import Actor
from backend.services.assessment.adjusting import adjusted_cases, adjustments_in
from backend.services.assessment.deflate import Deflater
from backend.services.assessment.export import csv_bytes, xlsx_bytes
from backend.services.assessment.notice import draft_notice
from backend.services.assessment.projector import Projector
from backend.services.assessment.ranked import (
    Piece,
    Pieces,
    Subject,
    encode,
    in_runs,
    piece,
    ranked,
    ranked_objects,
)
from backend.services.assessment.ranking_cache import (
    Adjusted,
    EncodedRanking,
    RankingCache,
    RankingKey,
)
from backend.services.assessment.sums import Row, counters_of, period_rows
from backend.services.events import head_seq
from backend.services.reference import Reference
from backend_client.assessment import (
    FigureCase,
    FigureCases,
    Notice,
    ObjectFamily,
    ObjectType,
    PeriodInfo,
    RankedObject,
    Ranking,
)
from backend_client.vocab import Role

FAMILY_TYPES: dict[ObjectFamily, tuple[ObjectType, ...]] = {
    "region": ("grid", "community", "street"),
    "department": ("department",),
    "post": ("post",),
}
POST_KINDS: dict[str, ObjectKind] = {
    Role.SUPERVISOR.value: "supervisor",
    Role.OPERATOR.value: "operator",
    Role.DISPATCHER.value: "dispatcher",
    Role.SHIFT_LEAD.value: "shift_lead",
}
DISTRICT_SCOPE = 6  # a scope this short or shorter sees every department
DRILL_LIMIT = 2_000
WAIT_SECONDS = 5.0  # how long a read that names `after` waits for the projection


class AssessmentRefused(Exception):
    """A request the figures cannot answer; ``status`` 404 (not visible) or 422 (bad)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class AssessmentService:
    def __init__(
        self,
        db: Database,
        ref: Reference,
        policy: AssessmentPolicy,
        tz: ZoneInfo,
        projector: Projector,
    ) -> None:
        self.db, self.ref, self.policy, self.tz = db, ref, policy, tz
        self.projector = projector
        self._cache = RankingCache()
        self._pieces = Pieces()
        self._deflater = Deflater()
        self._grid_counts: dict[str, int] = {}
        self._grid_counts_of: object = None  # the regions mapping the counts were made from
        self._region_subjects: dict[ObjectKey, Subject] = {}
        self._region_subjects_of: object = None  # likewise, for the regions' subjects

    async def _wait(self, after: int | None) -> None:
        if after is None:
            return
        async with self.db.read() as session:
            head = await head_seq(session)
        if after > head:
            raise AssessmentRefused(
                422, f"No event {after} has been written yet (the log ends at {head})."
            )
        if await self.projector.wait_past(after, WAIT_SECONDS) is None:
            raise AssessmentRefused(
                503,
                f"The figures have not yet caught up with event {after}; ask again in a moment.",
            )

    async def _through(self, session: AsyncSession) -> int:
        stmt = select(col(AssessmentCursorRow.seq)).where(col(AssessmentCursorRow.id) == 1)
        seq = (await (await session.connection()).execute(stmt)).scalar()
        return int(seq) if seq is not None else 0

    def period(self, text: str) -> NamedPeriod:
        try:
            return parse_period(text)
        except BadPeriod as exc:
            raise AssessmentRefused(422, str(exc)) from exc

    async def ranking(
        self, actor: Actor, period_text: str, family: ObjectFamily, after: int | None = None
    ) -> Ranking:
        return (await self.ranking_answer(actor, period_text, family, after)).ranking

    async def ranking_answer(
        self, actor: Actor, period_text: str, family: ObjectFamily, after: int | None = None
    ) -> EncodedRanking:
        """The ranking with its JSON and ETag; computed once per state of its inputs."""
        period = self.period(period_text)
        await self._wait(after)
        types = FAMILY_TYPES[family]
        async with self.db.read() as session:
            through = await self._through(session)
            changes = await adjustments_in(session, period, types)
            users = await self._users(session) if family == "post" else {}
            key = RankingKey(
                period.name,
                family,
                self.policy.version,
                through,
                _frozen(changes),
                _people(users),
                (actor.scope_prefix, actor.is_handler, actor.department_id, actor.id),
            )
            if (cached := self._cache.get(key)) is not None:
                return cached
            rows = await period_rows(session, period.first, period.last, types)
        stamps: dict[ObjectKey, tuple[Row | None, tuple[tuple[str, float], ...] | None]]
        stamps = {obj: (row, None) for obj, row in rows.items()}
        for obj, change in changes.items():  # upheld appeals: their objects' stamps say so
            stamps[obj] = (rows.get(obj), tuple(sorted(change.items())))
        days, held = period.days, (period.name, self.policy.version)
        pieces = [
            self._pieces.get(
                held,
                subject,
                stamp,
                partial(self._piece, subject, stamp[0], changes.get(obj), days),
            )
            for obj, stamp in stamps.items()
            if (subject := self._subject(obj, users)) is not None
        ]
        envelope = {
            "period": _info(period).model_dump(mode="json"),
            "through_seq": through,
            "family": family,
            "policy_version": self.policy.version,
        }
        objects = ranked_objects(
            self.policy, pieces, lambda item: self._sees(actor, item.subject, users)
        )
        parts = in_runs(encode(envelope)[:-1] + b',"objects":[', objects, b"]}")
        cuts = tuple(accumulate(len(part) for part in parts))
        answer = EncodedRanking(b"".join(parts), key.etag, cuts, self._deflater)
        self._cache.put(key, answer)
        return answer

    def _piece(
        self, subject: Subject, row: Row | None, change: Mapping[str, float] | None, days: float
    ) -> Piece:
        """One object scored and encoded from its summed row and its upheld appeals' change."""
        counters = Counters() if row is None else counters_of(row)
        if change is not None:
            counters = adjusted(counters, change)
        result = score(
            self.policy,
            subject.kind,
            counters,
            area_class=subject.area_class,
            grids=subject.grids,
            period_days=days,
        )
        return piece(self.policy, subject, counters, result)

    async def cases_behind(
        self,
        actor: Actor,
        period_text: str,
        type_: ObjectType,
        ident: str,
        counter: str,
        after: int | None = None,
    ) -> FigureCases:
        period = self.period(period_text)
        if counter not in COUNTER_NAMES:
            raise AssessmentRefused(
                422, f"“{counter}” is not a counter; use one of the names in a ranking's counters."
            )
        key = ObjectKey(type_, ident)
        await self._wait(after)
        async with self.db.read() as session:
            through = await self._through(session)
            users = await self._users(session) if type_ == "post" else {}
            subject = self._subject(key, users)
            if subject is None or not self._sees(actor, subject, users):
                raise AssessmentRefused(404, "No such object in your jurisdiction.")
            serials = await self._candidates(session, key)
            facts = await self._facts(session, list(serials))
            adjustments = await adjusted_cases(session, period, key, counter)
        window = period.window(self.tz)
        found: list[FigureCase] = []
        for case_id, case in facts.items():
            for delta in case_deltas(case):
                if delta.key == key and window.holds(delta.at) and delta.counts.get(counter):
                    found.append(
                        FigureCase(
                            serial=serials[case_id], counted=delta.counts[counter], at=delta.at
                        )
                    )
        found.extend(adjustments)  # an upheld appeal's change shows as its own row
        found.sort(key=lambda item: (item.at, item.serial))
        return FigureCases(
            period=_info(period),
            through_seq=through,
            type=type_,
            id=ident,
            counter=counter,
            total=sum(item.counted for item in found),
            cases=found[:DRILL_LIMIT],
        )

    async def notice(self, actor: Actor, period_text: str, after: int | None = None) -> Notice:
        """The draft notice (通报) for the period, over the actor's jurisdiction."""
        if actor.is_handler:
            raise AssessmentRefused(
                403, "The notice is the centre's; your department's figures are in the rankings."
            )
        regions = await self.ranking(actor, period_text, "region", after)
        departments = await self.ranking(actor, period_text, "department")
        period = self.period(period_text)
        window = period.window(self.tz)
        rule = self.policy.notice
        async with self.db.read() as session:
            notice = await draft_notice(
                session,
                self.ref,
                period,
                (window.start, window.end),
                actor.scope_prefix,
                regions,
                departments,
                failed_checks=rule.failed_checks,
                bottom=rule.bottom,
                top=(rule.top_categories, rule.top_grids),
            )
        target = round(self.policy.targets.on_time_closing_rate * 100, 2)
        return notice.model_copy(update={"on_time_target": target})

    async def export(self, actor: Actor, period_text: str, fmt: Literal["xlsx", "csv"]) -> bytes:
        rankings = [await self.ranking(actor, period_text, family) for family in FAMILY_TYPES]
        if fmt == "csv":
            return csv_bytes(rankings)
        notice = None if actor.is_handler else await self.notice(actor, period_text)
        return xlsx_bytes(rankings, notice)

    # --- reading ----------------------------------------------------------------------------

    async def _users(self, session: AsyncSession) -> dict[str, UserRow]:
        return {str(user.id): user for user in (await session.exec(select(UserRow))).scalars()}  # type: ignore[call-overload]

    async def _candidates(self, session: AsyncSession, key: ObjectKey) -> dict[int, str]:
        """The cases that could count for ``key``: id → serial."""
        if key.type in REGION_PREFIX:
            stmt = select(col(CaseRow.id), col(CaseRow.serial)).where(
                col(CaseRow.grid_code).startswith(key.id)
            )
        else:
            ident = int(key.id)
            who = (
                or_(col(EventRow.department_id) == ident, col(EventRow.prev_department_id) == ident)
                if key.type == "department"
                else col(EventRow.actor_id) == ident
            )
            stmt = select(col(EventRow.case_id), col(EventRow.serial)).where(who).distinct()
        rows = (await (await session.connection()).execute(stmt)).all()
        return {case_id: serial for case_id, serial in rows if case_id is not None}

    async def _facts(self, session: AsyncSession, case_ids: list[int]) -> dict[int, CaseFacts]:
        found: dict[int, CaseFacts] = {}
        for start in range(0, len(case_ids), 500):
            chunk = case_ids[start : start + 500]
            rows = await (await session.connection()).execute(
                select(col(AssessmentFactRow.case_id), col(AssessmentFactRow.facts)).where(
                    col(AssessmentFactRow.case_id).in_(chunk)
                )
            )
            for case_id, facts in rows.all():
                found[case_id] = CaseFacts.from_json(facts)
        return found

    # --- frozen figures ----------------------------------------------------------------------

    async def visible(self, actor: Actor, rankings: Sequence[Ranking]) -> list[Ranking]:
        """Frozen rankings cut to what ``actor`` may see, with their published ranks."""
        async with self.db.read() as session:
            users = await self._users(session)
        return [
            ranking.model_copy(
                update={
                    "objects": [
                        item for item in ranking.objects if self._sees_frozen(actor, item, users)
                    ]
                }
            )
            for ranking in rankings
        ]

    def object_name(self, key: ObjectKey) -> str:
        """A region's or a department's name (its id if the reference data lacks it)."""
        subject = self._subject(key, {})
        return subject.name if subject is not None else f"{key.type} {key.id}"

    def sees_object(self, actor: Actor, key: ObjectKey) -> bool:
        """Whether ``actor`` may see a region's or a department's figures."""
        subject = self._subject(key, {})
        return subject is not None and self._sees(actor, subject, {})

    def _sees_frozen(self, actor: Actor, item: RankedObject, users: dict[str, UserRow]) -> bool:
        if item.type == "post" and item.id not in users:
            return False
        return self._sees(actor, self._frozen_subject(item), users)

    def _frozen_subject(self, item: RankedObject) -> Subject:
        key = ObjectKey(item.type, item.id)
        region = self.ref.regions.get(item.id) if item.type in REGION_PREFIX else None
        area_class = region.area_class if region is not None else "A"
        return Subject(
            key,
            item.name,
            item.group,
            cast(ObjectKind, item.kind),
            area_class,
            self._grids(key),
        )

    def rescored(
        self, ranking: Ranking, changes: Mapping[ObjectKey, Mapping[str, float]]
    ) -> Ranking:
        """A frozen ranking with ``changes`` added to its objects' counters, scored and
        ranked again (an upheld appeal's revision); every other figure stays as frozen."""
        days = (ranking.period.last - ranking.period.first).days + 1
        scored = []
        for item in ranking.objects:
            subject = self._frozen_subject(item)
            counters = adjusted(Counters(), item.counters)
            counters = adjusted(counters, changes.get(subject.key, {}))
            result = score(
                self.policy,
                subject.kind,
                counters,
                area_class=subject.area_class,
                grids=subject.grids,
                period_days=days,
            )
            scored.append((subject, counters, result))
        return ranking.model_copy(update={"objects": ranked(self.policy, scored)})

    # --- who is what ------------------------------------------------------------------------

    def _subject(self, key: ObjectKey, users: dict[str, UserRow]) -> Subject | None:
        if key.type in REGION_PREFIX:
            if self._region_subjects_of is not self.ref.regions:
                self._region_subjects, self._region_subjects_of = {}, self.ref.regions
            if (known := self._region_subjects.get(key)) is not None:
                return known  # made from the same (frozen) region info
            region = self.ref.regions.get(key.id)
            if region is None:
                return None
            made = Subject(
                key, region.name, key.type, "region", region.area_class, self._grids(key)
            )
            self._region_subjects[key] = made
            return made
        if key.type == "department":
            department = self.ref.department(int(key.id))
            if department is None:
                return None
            return Subject(key, department.name, department.kind, "department")
        user = users.get(key.id)
        if user is None or user.role not in POST_KINDS:
            return None
        return Subject(key, user.display_name, user.role, POST_KINDS[user.role])

    def _grids(self, key: ObjectKey) -> int:
        """How many unit grids a region spans (at least 1); counted once per region set."""
        if key.type == "grid":
            return 1
        if self._grid_counts_of is not self.ref.regions:
            counts: dict[str, int] = {}
            for code in self.ref.regions:
                if len(code) == REGION_PREFIX["grid"]:
                    for length in REGION_PREFIX.values():
                        counts[code[:length]] = counts.get(code[:length], 0) + 1
            self._grid_counts, self._grid_counts_of = counts, self.ref.regions
        return self._grid_counts.get(key.id, 0) or 1

    def _sees(self, actor: Actor, subject: Subject, users: dict[str, UserRow]) -> bool:
        key = subject.key
        if key.type in REGION_PREFIX:  # a department's staff see their department's only
            within = key.id.startswith(actor.scope_prefix) or actor.scope_prefix.startswith(key.id)
            return within and not actor.is_handler
        if key.type == "department":
            if actor.is_handler:
                return actor.department_id == int(key.id)
            department = self.ref.department(int(key.id))
            region = (department.region_code if department else None) or ""
            return len(actor.scope_prefix) <= DISTRICT_SCOPE or region.startswith(
                actor.scope_prefix
            )
        if actor.is_handler:
            return False
        user = users[key.id]
        return actor.id == user.id or user.jurisdiction_code.startswith(actor.scope_prefix)


def _frozen(changes: Mapping[ObjectKey, Mapping[str, float]]) -> Adjusted:
    return tuple(
        (key.type, key.id, tuple(sorted(change.items()))) for key, change in sorted(changes.items())
    )


def _people(users: Mapping[str, UserRow]) -> int:
    return hash(
        tuple(
            (ident, user.role, user.display_name, user.jurisdiction_code)
            for ident, user in sorted(users.items())
        )
    )


def _info(period: NamedPeriod) -> PeriodInfo:
    return PeriodInfo(name=period.name, first=period.first, last=period.last)
