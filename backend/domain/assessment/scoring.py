"""Counters → ratios → composite score → grade, as the policy file says.

A ratio with nothing due has no value (``None``, shown as —); in a composite score it
counts as fully met (nothing was due, so nothing was missed). Scores are rounded to two
decimals before grading, the way a published table reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AssessmentPolicy, ObjectKind, RatioRule, Term

MONTH_DAYS = 30


@dataclass(frozen=True)
class RatioValue:
    id: str
    numerator: float
    denominator: float

    @property
    def value(self) -> float | None:
        """The ratio as a fraction, or None when nothing was due."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return None if value is None else round(value * 100, 2)


@dataclass(frozen=True)
class TermScore:
    source: str  # the ratio or band id
    weight: float
    raw: float  # the ratio ×100, its complement, or the band score
    points: float  # raw × weight


@dataclass(frozen=True)
class Score:
    kind: ObjectKind
    composite: float
    grade: str
    terms: tuple[TermScore, ...]
    ratios: Mapping[str, RatioValue]


def ratio(rule: RatioRule, counters: Counters) -> RatioValue:
    numerator = counters.get(rule.numerator)
    if rule.add_to_numerator:
        numerator += counters.get(rule.add_to_numerator)
    if rule.subtract:
        numerator -= counters.get(rule.subtract)
    denominator = counters.get(rule.denominator)
    if rule.add_to_denominator:
        denominator += counters.get(rule.add_to_denominator)
    return RatioValue(id=rule.id, numerator=numerator, denominator=denominator)


def ratios(policy: AssessmentPolicy, counters: Counters) -> dict[str, RatioValue]:
    return {rid: ratio(rule, counters) for rid, rule in policy.ratios.items()}


def score(
    policy: AssessmentPolicy,
    kind: ObjectKind,
    counters: Counters,
    *,
    area_class: str = "A",
    grids: int = 1,
    period_days: float = MONTH_DAYS,
) -> Score:
    """Score one object. ``grids`` is how many unit grids a region spans (bands are per
    grid) and ``period_days`` the period's length (bands are per 30-day month)."""
    values = ratios(policy, counters)
    terms = tuple(
        _term(policy, term, values, counters, area_class, grids, period_days)
        for term in policy.objects[kind].terms
    )
    composite = round(sum(term.points for term in terms), 2)
    return Score(
        kind=kind,
        composite=composite,
        grade=policy.grade(composite),
        terms=terms,
        ratios=values,
    )


def _term(
    policy: AssessmentPolicy,
    term: Term,
    values: Mapping[str, RatioValue],
    counters: Counters,
    area_class: str,
    grids: int,
    period_days: float,
) -> TermScore:
    if term.ratio is not None:
        fraction = values[term.ratio].value
        raw = 100.0 if fraction is None else fraction * 100
        if term.complement:
            raw = 100.0 if fraction is None else 100.0 - raw
        return TermScore(term.ratio, term.weight, raw, raw * term.weight)
    assert term.counter is not None
    band = policy.bands[term.band_for(area_class)]
    count = counters.get(term.counter) * MONTH_DAYS / period_days / max(grids, 1)
    raw = band.score(count)
    return TermScore(band.id, term.weight, raw, raw * term.weight)
