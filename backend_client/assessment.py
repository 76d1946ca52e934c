"""The wire schema of assessment (考核评价): rankings, figures and the cases behind them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from backend_client.wire import WireModel

ObjectType = Literal["grid", "community", "street", "department", "post"]
ObjectFamily = Literal["region", "department", "post"]


class PeriodInfo(WireModel):
    name: str  # as asked: 2026-11, 2026-W48, 2026-Q4, 2026, 2026-11-01..2026-11-15
    first: date  # local dates, both included
    last: date


class Figure(WireModel):
    """One ratio (×100%), with its base numbers so a reader can check it."""

    id: str
    zh: str
    en: str
    numerator: float
    denominator: float
    percent: float | None  # None: nothing was due


class ScoreTerm(WireModel):
    source: str  # the ratio or band it scores
    weight: float
    raw: float
    points: float


class RankedObject(WireModel):
    type: ObjectType
    id: str  # region code, department id or user id
    name: str
    group: str  # what it is ranked among: region kind, department kind or post role
    kind: str  # the evaluation object whose composite applies (region, department, …)
    rank: int  # 1 is best, within its group; ties share a rank
    group_size: int
    bottom: bool  # among the bottom units of its group, who must report
    composite: float
    grade: Literal["A", "B", "C", "D", "E"]
    counters: dict[str, float]
    figures: list[Figure]
    terms: list[ScoreTerm]

    def key_figures(self) -> list[Figure]:
        """The figures, those its composite scores first (in the policy's term order)."""
        scored = {term.source: i for i, term in enumerate(self.terms)}
        return sorted(self.figures, key=lambda f: scored.get(f.id, len(scored)))


class Ranking(WireModel):
    period: PeriodInfo
    through_seq: int  # the figures hold every event up to this seq
    family: ObjectFamily
    policy_version: str
    objects: list[RankedObject]


class FigureCase(WireModel):
    serial: str
    counted: float  # what the case adds to the counter
    at: str  # the instant it counts at (ISO 8601)


class FigureCases(WireModel):
    """The cases behind one counter of one object in one period (drill-down)."""

    period: PeriodInfo
    through_seq: int
    type: ObjectType
    id: str
    counter: str
    total: float
    cases: list[FigureCase]


class CountedItem(WireModel):
    code: str
    name: str
    count: int


class NamedUnit(WireModel):
    type: ObjectType
    id: str
    name: str
    group: str
    composite: float
    grade: Literal["A", "B", "C", "D", "E"]
    rank: int
    group_size: int


class FailedChecksCase(WireModel):
    serial: str
    failed_checks: int
    department: str  # the unit the case counts against


class Notice(WireModel):
    """The draft monthly notice (通报): the period's figures as a leader publishes them."""

    period: PeriodInfo
    policy_version: str
    accepted: int
    by_source: dict[str, int]
    filed: int
    close_due: int
    closed: int
    closed_on_time: int
    closing_rate: float | None  # percent
    on_time_closing_rate: float | None
    on_time_target: float | None = None  # percent: the policy's on-time closing target
    top_categories: list[CountedItem]
    top_grids: list[CountedItem]
    bottom_units: list[NamedUnit]
    failed_checks: list[FailedChecksCase]
    text_zh: str
