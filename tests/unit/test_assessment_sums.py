"""A period's counters read from whole months plus ragged days equal the same period read
day by day; a ranking encoded from plain data is byte for byte what pydantic writes for
its model; and the ranking cache answers only for exactly the same inputs."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.db import Database
from backend.core.schema import upgrade
from backend.domain.assessment.adjustments import adjusted
from backend.domain.assessment.counters import Counters
from backend.domain.assessment.daily import month_of
from backend.domain.assessment.policy import AssessmentPolicy, ObjectKind
from backend.domain.assessment.scoring import score
from backend.domain.assessment.tally import ObjectKey
from backend.models import assessment_day, assessment_month
from backend.models.assessment import COUNTER_COLUMNS
from backend.services.assessment.ranked import (
    Pieces,
    Subject,
    encode,
    piece,
    ranked,
    ranked_json,
)
from backend.services.assessment.ranking_cache import EncodedRanking, RankingCache, RankingKey
from backend.services.assessment.sums import counters_of, period_rows, split
from backend_client.assessment import ObjectType, PeriodInfo, Ranking
from tests.conftest import drop_pg_database, fresh_pg_database

D = date


@pytest.mark.parametrize(
    ("first", "last", "months", "ragged"),
    [
        (D(2026, 11, 1), D(2026, 11, 30), ["2026-11"], []),
        (D(2026, 10, 1), D(2026, 12, 31), ["2026-10", "2026-11", "2026-12"], []),
        (D(2026, 11, 30), D(2026, 12, 6), [], [(D(2026, 11, 30), D(2026, 11, 30)),
                                              (D(2026, 12, 1), D(2026, 12, 6))]),
        (D(2026, 11, 1), D(2026, 11, 15), [], [(D(2026, 11, 1), D(2026, 11, 15))]),
        (D(2026, 1, 20), D(2026, 3, 31), ["2026-02", "2026-03"],
         [(D(2026, 1, 20), D(2026, 1, 31))]),
        (D(2028, 2, 1), D(2028, 2, 29), ["2028-02"], []),  # a leap February, whole
        (D(2026, 12, 1), D(2027, 1, 30), ["2026-12"], [(D(2027, 1, 1), D(2027, 1, 30))]),
    ],
)  # fmt: skip
def test_split_takes_whole_months_and_leaves_the_ragged_ends(
    first: date, last: date, months: list[str], ragged: list[tuple[date, date]]
) -> None:
    assert split(first, last) == (months, ragged)


async def _random_counters(db: Database, rng: random.Random) -> None:
    """Day rows over Oct–Dec 2026 and the month rows that sum them, as the fold keeps them."""
    rows = []
    start = D(2026, 10, 1)
    for offset in range(92):
        day = (start + timedelta(days=offset)).isoformat()
        for ident in rng.sample(["110112001", "110112002", "110112003", "110112004"], 3):
            counts = {name: rng.randint(0, 4) for name in COUNTER_COLUMNS}
            counts["extension_hours"] = rng.choice((0.0, 4.0, 16.5))
            rows.append({"day": day, "object_type": "street", "object_id": ident, **counts})
    months: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["day"][:7], row["object_type"], row["object_id"])
        held = months.setdefault(key, dict.fromkeys(COUNTER_COLUMNS, 0))
        for name in COUNTER_COLUMNS:
            held[name] += row[name]
    month_rows = [
        {"month": month, "object_type": kind, "object_id": ident, **counts}
        for (month, kind, ident), counts in months.items()
    ]
    async with db.write() as session:
        connection = await session.connection()
        await connection.execute(assessment_day.insert(), rows)
        await connection.execute(assessment_month.insert(), month_rows)


async def _day_by_day(db: Database, first: date, last: date) -> dict[ObjectKey, Counters]:
    table = assessment_day
    async with db.read() as session:
        rows = (
            await (await session.connection()).execute(
                select(table).where(
                    table.c.day >= first.isoformat(), table.c.day <= last.isoformat()
                )
            )
        ).all()
    found: dict[ObjectKey, Counters] = {}
    for _day, kind, ident, *values in rows:
        key = ObjectKey(kind, ident)
        found[key] = found.get(key, Counters()) + Counters(*values)
    return found


@pytest.fixture
def sums_url(backend_name: str, tmp_path: Path) -> Iterator[str]:
    """An empty, upgraded database on each backend (the sums are read as SQL-built text)."""
    url = f"sqlite:///{tmp_path / 'sums.db'}" if backend_name == "sqlite" else fresh_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        if backend_name == "postgres":
            drop_pg_database(url)


async def period_sums(
    session: AsyncSession,
    first: date,
    last: date,
    types: Sequence[ObjectType],
    changes: Mapping[ObjectKey, Mapping[str, float]],
) -> dict[ObjectKey, Counters]:
    """Every object's counters for the days ``first``..``last``, with ``changes`` (upheld
    appeals) added, composed as the figures service composes them."""
    rows = await period_rows(session, first, last, types)
    sums = {key: counters_of(row) for key, row in rows.items()}
    for key, change in changes.items():
        sums[key] = adjusted(sums.get(key, Counters()), change)
    return sums


async def test_months_and_ragged_days_sum_to_the_days(sums_url: str) -> None:
    url = sums_url
    db = Database(url)
    try:
        await _random_counters(db, random.Random(8))
        change = {ObjectKey("street", "110112001"): {"closed": -1.0}}
        for first, last in [
            (D(2026, 11, 1), D(2026, 11, 30)),
            (D(2026, 10, 1), D(2026, 12, 31)),
            (D(2026, 10, 28), D(2026, 12, 3)),
            (D(2026, 11, 30), D(2026, 12, 6)),
            (D(2026, 12, 5), D(2026, 12, 5)),
        ]:
            async with db.read() as session:
                plain = await period_sums(session, first, last, ["street"], {})
                appealed = await period_sums(session, first, last, ["street"], change)
            expected = await _day_by_day(db, first, last)
            assert plain == expected
            key = ObjectKey("street", "110112001")
            assert appealed[key].closed == expected[key].closed - 1
            async with db.read() as session:
                assert await period_sums(session, first, last, ["grid"], {}) == {}
    finally:
        await db.dispose()


def test_a_day_counts_in_its_month() -> None:
    assert month_of("2026-11-30") == "2026-11"


def _key(through: int, viewer: str = "110112", family: str = "region") -> RankingKey:
    return RankingKey("2026-11", family, "v1", through, (), 0, (viewer, False, None, 1))  # type: ignore[arg-type]


def _answer(key: RankingKey, size: int = 0) -> EncodedRanking:
    ranking = Ranking(
        period=PeriodInfo(name="2026-11", first=D(2026, 11, 1), last=D(2026, 11, 30)),
        through_seq=key.through_seq,
        family=key.family,
        policy_version="v1" + "x" * size,
        objects=[],
    )
    return EncodedRanking(ranking.model_dump_json().encode(), key.etag)


def test_the_cache_answers_only_the_same_inputs_and_forgets_what_the_log_passed() -> None:
    cache = RankingCache()
    old, street = _key(10), _key(10, viewer="110112001")
    cache.put(old, _answer(old))
    cache.put(street, _answer(street))
    assert cache.get(old) is not None and cache.get(_key(11)) is None
    assert _key(10).etag == old.etag != street.etag != _key(11).etag
    new = _key(11)
    cache.put(new, _answer(new))
    assert cache.get(old) is None  # the same question at a later cursor replaced it
    assert cache.get(street) is not None  # another reader's answer stays
    assert len(cache) == 2


def test_the_cache_stays_within_its_bytes() -> None:
    first = _answer(_key(1, "a"), 400)
    cache = RankingCache(max_bytes=len(first.body) * 2)
    for viewer in "abcd":
        key = _key(1, viewer)
        cache.put(key, _answer(key, 400))
        assert cache.held_bytes <= cache.max_bytes
    assert len(cache) == 2
    assert cache.get(_key(1, "a")) is None and cache.get(_key(1, "d")) is not None


def test_spliced_pieces_encode_as_the_model_does() -> None:
    policy = AssessmentPolicy.load()
    rng = random.Random(3)
    scored = []
    for i in range(40):
        kind: ObjectKind = ("department", "region", "supervisor", "shift_lead", "operator")[i % 5]
        values: dict[str, Any] = {name: rng.randint(0, 3) for name in COUNTER_COLUMNS}
        values["extension_hours"] = rng.choice((0, 4.5, 1 / 3))
        counters = Counters(**({} if i % 7 == 0 else values))  # 0, 7, …: nothing was due
        subject = Subject(ObjectKey("street", f"110112{i:03d}"), f"街道“{i}”", kind, kind)
        scored.append((subject, counters, score(policy, kind, counters, grids=30)))
    objects = ranked_json(policy, [piece(policy, *item) for item in scored])
    period = _period().model_dump(mode="json")
    wire = {"period": period, "through_seq": 9, "family": "region", "policy_version": "v"}
    body = encode(wire)[:-1] + b',"objects":' + objects + b"}"
    model = Ranking.model_validate_json(body)
    assert model.model_dump_json().encode() == body
    by_group: dict[str, list[float]] = {}
    for item in model.objects:
        by_group.setdefault(item.group, []).append(item.composite)
    for item in model.objects:  # ranks as the group's sorted composites give them
        composites = by_group[item.group]
        assert composites == sorted(composites, reverse=True)
        assert item.rank == composites.index(item.composite) + 1
        assert item.group_size == len(composites)
    assert model.objects == ranked(policy, scored)
    assert EncodedRanking(body, '"x"').ranking == model


def test_pieces_are_scored_again_only_when_their_counters_move() -> None:
    policy = AssessmentPolicy.load()
    pieces = Pieces()
    subject = Subject(ObjectKey("street", "110112001"), "街道", "street", "region")
    calls: list[Counters] = []

    def made(counters: Counters) -> Any:
        def make() -> Any:
            calls.append(counters)
            return piece(policy, subject, counters, score(policy, "region", counters))

        return make

    first, moved = Counters(closed=1, close_due=2), Counters(closed=2, close_due=2)
    one = pieces.get(("2026-11", "v"), subject, first, made(first))
    assert pieces.get(("2026-11", "v"), subject, first, made(first)) is one
    two = pieces.get(("2026-11", "v"), subject, moved, made(moved))
    assert two is not one and calls == [first, moved]
    pieces.get(("2026-12", "v"), subject, first, made(first))  # another period
    assert calls == [first, moved, first]


def _period() -> PeriodInfo:
    return PeriodInfo(name="2026-11", first=D(2026, 11, 1), last=D(2026, 11, 30))
