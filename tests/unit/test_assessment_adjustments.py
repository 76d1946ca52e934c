"""What an upheld appeal changes: the deduction, the adjusted counters, the new score,
and the appeal window on the working calendar, worked out by hand."""

from __future__ import annotations

import copy
import tomllib
from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.domain.assessment.adjustments import adjusted, appeal_deadline, deduction, merged
from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AssessmentPolicy, AssessmentPolicyError
from backend.domain.assessment.scoring import ratio
from backend.domain.calendar import WorkingCalendar

POLICY = AssessmentPolicy.load()
RULE = POLICY.appeal
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_penalty_comes_off_by_what_the_case_added() -> None:
    assert deduction({"close_due": 1, "closed": 1, "reworks": 2}, "reworks", RULE) == -2
    assert (
        deduction({"dispose_due": 1, "overdue_not_disposed": 1}, "overdue_not_disposed", RULE) == -1
    )
    assert deduction({"close_due": 1, "closed": 1}, "reworks", RULE) is None


def test_a_missed_count_is_restored_once_when_the_case_has_its_base() -> None:
    late = {"close_due": 1, "closed": 1}
    assert deduction(late, "closed_on_time", RULE) == 1
    assert deduction({**late, "closed_on_time": 1}, "closed_on_time", RULE) is None
    assert deduction({"close_due": 1}, "closed_on_time", RULE) is None  # not closed at all
    assert deduction(late, "closed", RULE) is None  # not a deduction one can appeal


def test_merged_adds_a_cases_deltas_counter_by_counter() -> None:
    assert merged([{"filed": 1}, {"filed": 1, "voided": 1}, {}]) == {"filed": 2, "voided": 1}


def test_adjusted_adds_and_never_goes_below_zero() -> None:
    before = Counters(close_due=10, closed=9, closed_on_time=7, reworks=1, extension_hours=4.5)
    after = adjusted(before, {"closed_on_time": 1, "reworks": -3, "extension_hours": -1.5})
    assert after == Counters(
        close_due=10, closed=9, closed_on_time=8, reworks=0, extension_hours=3.0
    )
    assert adjusted(before, {}) == before


def test_an_upheld_late_closing_raises_the_on_time_rate_by_one_case() -> None:
    # Tianmen's month: 972 due, 737 on time (75.82%); one more on time is 738/972.
    month = Counters(accepted=1054, filed=996, close_due=972, closed=911, closed_on_time=737)
    rule = POLICY.ratios["on_time_closing_rate"]
    assert ratio(rule, month).percent == pytest.approx(75.82, abs=0.005)
    revised = adjusted(
        month, {"closed_on_time": deduction({"closed": 1}, "closed_on_time", RULE) or 0}
    )
    value = ratio(rule, revised)
    assert (value.numerator, value.denominator, value.percent) == (738, 972, 75.93)
    assert ratio(POLICY.ratios["closing_rate"], revised) == ratio(
        POLICY.ratios["closing_rate"], month
    )


def test_the_window_is_five_working_days_on_the_calendar() -> None:
    calendar = WorkingCalendar.load()
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # no holiday in the next week
    assert appeal_deadline(RULE, calendar, friday) == datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
    # National Day: published the day before the holiday, the window waits it out.
    before_holiday = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    deadline = appeal_deadline(RULE, calendar, before_holiday).astimezone(SHANGHAI)
    assert deadline.date() > datetime(2026, 10, 7).date()


def _raw() -> dict[str, Any]:
    text = resources.files("backend").joinpath("data", "assessment.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"withdraws": ["reworks", "closed_on_time"]}, "either restored or withdrawn"),
        ({"withdraws": ["no_such_counter"]}, "not a counter"),
        ({"restores": {"closed_on_time": "nothing"}}, "not a counter"),
        ({"withdraws": "reworks"}, "a list"),
    ],
)
def test_the_policy_refuses_bad_appeal_rules(change: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(_raw())
    data["appeal"].update(change)
    with pytest.raises(AssessmentPolicyError, match=message):
        AssessmentPolicy.from_dict(data)
