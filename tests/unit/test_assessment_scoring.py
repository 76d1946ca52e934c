"""Golden figures for the assessment policy, worked out by hand (domain reference §6)."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AssessmentPolicy, AssessmentPolicyError
from backend.domain.assessment.scoring import ratio, score

POLICY = AssessmentPolicy.load()


def _raw() -> dict[str, Any]:
    text = resources.files("backend").joinpath("data", "assessment.toml").read_text("utf-8")
    return tomllib.loads(text)


def _percent(rid: str, counters: Counters) -> float | None:
    return ratio(POLICY.ratios[rid], counters).percent


def test_tianmen_december_2016() -> None:
    # 1,054 accepted, 996 filed, 972 due to close, 911 closed, 737 closed on time.
    month = Counters(accepted=1054, filed=996, close_due=972, closed=911, closed_on_time=737)
    assert _percent("closing_rate", month) == 93.72
    assert _percent("on_time_closing_rate", month) == 75.82


def test_tongzhou_first_half_2018() -> None:
    half = Counters(
        dispose_due=176_250, disposed=172_673, close_due=176_250, closed_on_time=171_545
    )
    assert _percent("disposal_rate", half) == 97.97
    assert _percent("on_time_closing_rate", half) == 97.33


def test_accurate_dispatch_divides_by_dispatched_not_on_time() -> None:
    # The published SQL divides by 按时派遣数 and would give 90 / 60 = 150%.
    counters = Counters(dispatched=100, dispatched_on_time=60, dispatched_accurately=90)
    assert _percent("dispatch_accuracy_rate", counters) == 90.0


def test_accurate_filing_subtracts_voided() -> None:
    assert _percent("filing_accuracy_rate", Counters(filed=200, voided=10)) == 95.0


def test_discovery_and_satisfaction() -> None:
    counters = Counters(
        patrol_reports=918,
        public_reports=82,
        callbacks_reached=50,
        callbacks_satisfied=40,
        callbacks_basic=5,
        callbacks_unreachable=7,
    )
    assert _percent("discovery_rate", counters) == 91.8
    assert _percent("satisfaction_rate", counters) == 90.0


def test_nothing_due_has_no_value_and_scores_full() -> None:
    assert _percent("closing_rate", Counters()) is None
    lead = score(POLICY, "shift_lead", Counters())
    assert lead.composite == 100.0
    assert lead.grade == "A"


def test_department_composite_by_hand() -> None:
    # 120 filed → 7.5; closing 90% × 0.3 = 27; on-time disposal 80% × 0.3 = 24;
    # rework 5% → (100 − 5) × 0.3 = 28.5. Total 87.0 → B.
    counters = Counters(
        filed=120, close_due=100, closed=90, dispose_due=100, disposed_on_time=80, reworks=5
    )
    result = score(POLICY, "department", counters)
    assert [term.points for term in result.terms] == pytest.approx([7.5, 27.0, 24.0, 28.5])
    assert result.composite == 87.0
    assert result.grade == "B"


@pytest.mark.parametrize(
    ("filed", "points"),
    [(0, 10), (50, 10), (51, 9), (100, 9), (200, 7.5), (500, 6), (1000, 4), (1001, 0)],
)
def test_department_filed_band(filed: int, points: float) -> None:
    result = score(POLICY, "department", Counters(filed=filed))
    assert result.terms[0].points == points


def test_region_composite_by_class() -> None:
    # discovery 90% × 0.1 = 9; closing 100% × 0.3 = 30; on time 80% × 0.4 = 32.
    # 3 filed: class 1 (<5) → 75 × 0.2 = 15; class 2 (<4) → 90 × 0.2 = 18.
    counters = Counters(
        patrol_reports=9, public_reports=1, filed=3, close_due=5, closed=5, closed_on_time=4
    )
    assert score(POLICY, "region", counters, area_class="A").composite == 86.0
    assert score(POLICY, "region", counters, area_class="B").composite == 89.0
    assert score(POLICY, "region", counters, area_class="C").composite == 89.0


def test_region_bands_per_grid_and_per_month() -> None:
    street = Counters(filed=30)
    per_grid = score(POLICY, "region", street, grids=10)
    assert per_grid.terms[1].raw == 75  # 3 per grid
    week = score(POLICY, "region", Counters(filed=1), period_days=7)
    assert week.terms[1].raw == 60  # 1 a week ≈ 4.3 a month: not < 5


@pytest.mark.parametrize(
    ("accepted", "band"), [(300, 0), (301, 60), (500, 60), (501, 75), (2000, 90), (2001, 100)]
)
def test_operator_accepted_band(accepted: int, band: float) -> None:
    assert score(POLICY, "operator", Counters(accepted=accepted)).terms[0].raw == band


def test_shift_lead_uses_filing_on_time_not_closing_twice() -> None:
    counters = Counters(filed=100, filed_on_time=60, voided=0, close_due=100, closed_on_time=100)
    # 60 × 0.25 + 100 × 0.40 + 100 × 0.35 = 90
    assert score(POLICY, "shift_lead", counters).composite == 90.0


def test_supervisor_uses_own_verification_and_check() -> None:
    counters = Counters(
        patrol_reports=100,
        valid_patrol_reports=80,
        verify_due=10,
        verify_on_time=5,
        check_due=10,
        check_on_time=10,
        verify_orders_due=10,
        verify_orders_on_time=0,
    )
    # 80 × 0.25 + 50 × 0.40 + 100 × 0.35 = 75 → B
    result = score(POLICY, "supervisor", counters)
    assert result.composite == 75.0
    assert result.grade == "B"


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (100, "A"),
        (90, "A"),
        (89.99, "B"),
        (75, "B"),
        (74.99, "C"),
        (60, "C"),
        (40, "D"),
        (39.99, "E"),
        (0, "E"),
    ],
)
def test_grades(value: float, grade: str) -> None:
    assert POLICY.grade(value) == grade


def test_published_region_weights_summing_to_70_are_refused() -> None:
    data = _raw()
    data["objects"]["region"]["terms"][3]["weight"] = 0.10
    with pytest.raises(AssessmentPolicyError, match="best possible score is 70"):
        AssessmentPolicy.from_dict(data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["ratios"]["closing_rate"].update(numerator="closings"), "not a counter"),
        (lambda d: d["bands"]["department_filed"].update(steps=[[100, 9], [50, 10]]), "rising"),
        (lambda d: d["grades"].update(B=95), "A > B > C > D"),
        (lambda d: d["objects"].pop("dispatcher"), "objects.dispatcher is missing"),
        (lambda d: d["objects"]["department"]["terms"][1].update(ratio="speed"), "no ratio"),
        (lambda d: d["targets"].update(disposal_rate=95), "fraction"),
        (lambda d: d["callback"].update(limit="2 weeks"), "callback.limit"),
        (lambda d: d["ratios"]["closing_rate"].pop("source"), "'source' is missing"),
    ],
)
def test_bad_policy_files_are_refused_with_a_sentence(edit: Any, message: str) -> None:
    data = copy.deepcopy(_raw())
    edit(data)
    with pytest.raises(AssessmentPolicyError, match=message):
        AssessmentPolicy.from_dict(data)


def test_every_ratio_and_band_names_its_source() -> None:
    data = _raw()
    for table in ("ratios", "bands"):
        for rid, body in data[table].items():
            assert body["source"].strip(), f"{table}.{rid} has no source"
