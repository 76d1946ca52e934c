"""Callbacks (回访) in the assessment facts and counters: who they count for, and how."""

from __future__ import annotations

from backend.domain.assessment.facts import fold
from backend.domain.assessment.policy import AssessmentPolicy
from backend.domain.assessment.tally import ObjectKey, tally
from backend.domain.timelimits import TimeLimitPolicy
from backend_client.vocab import Action, AreaClass, CategoryKind, Role, Stage, Urgency
from tests.unit.test_assessment_facts import (
    DAY,
    GRID,
    HOUR,
    MINUTE,
    NOVEMBER,
    Walk,
    act,
    report,
)

A = Action


def closed_with_contact() -> Walk:
    walk = report(Role.OPERATOR)
    walk.record.has_contact = True
    act(walk, A.FILE, Role.SHIFT_LEAD, 5 * MINUTE)
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=7)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    act(walk, A.REPORT_DISPOSAL, Role.HANDLER, 2 * HOUR, note="已处置。")
    act(walk, A.VERIFY, Role.OPERATOR, 20 * MINUTE, passed=True)
    return walk


def test_closing_with_a_contact_starts_a_callback_run() -> None:
    facts = fold(closed_with_contact().events)
    assert facts.runs[-1].stage == Stage.CALLBACK and facts.runs[-1].done_at is None
    assert facts.closed_at is not None


def test_each_result_counts_for_the_department_and_the_regions() -> None:
    walks = []
    for result in ("satisfied", "basic", "unreachable"):
        walk = closed_with_contact()
        act(walk, A.CALLBACK, Role.OPERATOR, HOUR, result=result)
        walks.append(walk)
    retried = walks[-1]  # the unreachable reporter is tried again and answers
    act(retried, A.CALLBACK, Role.OPERATOR, HOUR, result="satisfied")
    facts = [fold(w.events) for w in walks]
    assert all(f.runs[-1].stage == Stage.CALLBACK and f.runs[-1].on_time for f in facts)
    counters = tally(facts, NOVEMBER)
    for key in (
        ObjectKey("department", "7"),
        ObjectKey("grid", GRID),
        ObjectKey("street", GRID[:9]),
    ):
        got = counters[key]
        assert (got.callbacks_reached, got.callbacks_satisfied, got.callbacks_basic) == (3, 2, 1)
        assert (got.callbacks_dissatisfied, got.callbacks_unreachable) == (0, 1)
    assert counters[ObjectKey("post", "12")].callbacks_reached == 0  # not the operator's


def test_a_dissatisfied_callback_redoes_the_case_and_counts_once() -> None:
    walk = closed_with_contact()
    act(walk, A.CALLBACK, Role.OPERATOR, DAY, result="dissatisfied", redo=True)
    facts = fold(walk.events)
    assert (facts.state, facts.redone, facts.closed_at) == ("filed", 1, None)
    assert [r.stage for r in facts.runs][-2:] == ["callback", "intake"]
    act(walk, A.DISPATCH, Role.DISPATCHER, 5 * MINUTE, department=7)
    act(walk, A.SIGN, Role.HANDLER, 20 * MINUTE)
    act(walk, A.REPORT_DISPOSAL, Role.HANDLER, 2 * HOUR, note="重办完毕。")
    act(walk, A.VERIFY, Role.OPERATOR, 20 * MINUTE, passed=True)
    act(walk, A.CALLBACK, Role.OPERATOR, HOUR, result="basic")
    facts = fold(walk.events)
    assert facts.closed_at is not None and facts.state == "closed"
    department = tally([facts], NOVEMBER)[ObjectKey("department", "7")]
    assert (department.callbacks_reached, department.callbacks_dissatisfied) == (2, 1)
    assert department.callbacks_basic == 1


def test_a_kept_dissatisfied_callback_counts_and_stops() -> None:
    walk = closed_with_contact()
    act(walk, A.CALLBACK, Role.OPERATOR, DAY, result="dissatisfied", redo=False)
    facts = fold(walk.events)
    assert facts.state == "closed" and facts.runs[-1].done_at is not None
    assert tally([facts], NOVEMBER)[ObjectKey("department", "7")].callbacks_dissatisfied == 1


def test_the_callback_limit_agrees_with_the_assessment_policy() -> None:
    """One figure in two files: the stage limit the clock runs and the policy's rule."""
    wanted = AssessmentPolicy.load().callback.limit
    limits = TimeLimitPolicy.load()
    for urgency in Urgency:
        for area in AreaClass:
            got = limits.limit_for(
                Stage.CALLBACK,
                urgency=urgency,
                area_class=area,
                category_kind=CategoryKind.MATTER,
                category_code="",
            )
            assert (got.amount, got.unit) == (wanted.amount, wanted.unit)
