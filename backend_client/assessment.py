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


# Every counter's name (the keys of ``RankedObject.counters``), in Chinese and English.
COUNTER_LABELS: dict[str, tuple[str, str]] = {
    "patrol_reports": ("监督员上报数", "supervisor reports"),
    "public_reports": ("公众举报数", "public reports"),
    "valid_patrol_reports": ("监督员有效上报数", "valid supervisor reports"),
    "verify_due": ("应核实数", "verifications due"),
    "verify_on_time": ("按时核实数", "verified on time"),
    "check_due": ("应核查数", "checks due"),
    "check_on_time": ("按时核查数", "checked on time"),
    "verify_orders_due": ("应执行核实指令数", "verify orders due"),
    "verify_orders_on_time": ("按时执行核实指令数", "verify orders on time"),
    "check_orders_due": ("应执行核查指令数", "check orders due"),
    "check_orders_on_time": ("按时执行核查指令数", "check orders on time"),
    "accepted": ("受理数", "accepted"),
    "filed": ("立案数", "filed"),
    "filed_on_time": ("按时立案数", "filed on time"),
    "voided": ("作废数", "voided"),
    "dispatch_due": ("应派遣数", "dispatches due"),
    "dispatched": ("派遣数", "dispatched"),
    "dispatched_on_time": ("按时派遣数", "dispatched on time"),
    "dispatched_accurately": ("准确派遣数", "dispatched accurately"),
    "wrong_dispatches": ("错误派遣数", "wrong dispatches"),
    "dispose_due": ("应处置数", "disposals due"),
    "disposed": ("处置数", "disposed"),
    "disposed_on_time": ("按时处置数", "disposed on time"),
    "overdue_not_disposed": ("超时未处置数", "overdue, not disposed"),
    "close_due": ("应结案数", "closings due"),
    "closed": ("结案数", "closed"),
    "closed_on_time": ("按期结案数", "closed on time"),
    "closed_first_time": ("一次性结案数", "closed first time"),
    "reworks": ("返工数", "reworks"),
    "returns": ("回退数", "returns"),
    "shirks": ("推诿数", "shirking"),
    "extension_hours": ("延期时长（小时）", "extension hours"),
    "suspended": ("挂账数", "suspended"),
    "callbacks_reached": ("回访接通数", "callbacks reached"),
    "callbacks_satisfied": ("回访满意数", "callbacks satisfied"),
    "callbacks_basic": ("回访基本满意数", "callbacks basically satisfied"),
    "callbacks_dissatisfied": ("回访不满意数", "callbacks dissatisfied"),
    "callbacks_unreachable": ("回访未接通数", "callbacks unreachable"),
    "failed_checks": ("核查不通过数", "failed checks"),
}


def counter_label(name: str, lang: str) -> str:
    """A counter's name in ``lang`` (``zh``/``en``); the id itself if it has none."""
    pair = COUNTER_LABELS.get(name)
    if pair is None:
        return name
    return pair[0] if lang.startswith("zh") else pair[1]
