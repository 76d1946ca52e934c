"""Appeals' adjustments (申诉调整): what an upheld appeal changes in one object's counters.

The facts stay derived only from the event log. An upheld appeal writes an explicit,
audited adjustment (case, object, counter, delta), and the figures add the adjustments on
top of the log-derived counters. Which deductions may be appealed, and what upholding one
changes, is the policy's (``[appeal] restores`` and ``withdraws``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from backend.domain.assessment.counters import Counters
from backend.domain.assessment.policy import AppealRule
from backend.domain.calendar import WorkingCalendar


def merged(counts: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """What several deltas of one case add up to, counter by counter."""
    total: dict[str, float] = defaultdict(float)
    for delta in counts:
        for name, value in delta.items():
            total[name] += value
    return dict(total)


def deduction(counts: Mapping[str, float], counter: str, rule: AppealRule) -> float | None:
    """The change to ``counter`` that upholding an appeal makes, given what the case adds
    to the appellant's object in the period; None when the case is no deduction there.

    A withdrawn penalty comes off by what the case added (an overdue, two reworks); a
    restored count is added once, when the case has the count it needs and missed this
    one (closed, but not on time)."""
    if counter in rule.withdraws:
        value = counts.get(counter, 0)
        return -value if value > 0 else None
    base = rule.restores.get(counter)
    if base is None:
        return None
    return 1.0 if counts.get(base, 0) > 0 and not counts.get(counter) else None


def adjusted(counters: Counters, changes: Mapping[str, float]) -> Counters:
    """``counters`` with the adjustments added; a counter never goes below zero."""
    values = {
        name: max(0.0, counters.get(name) + value) - counters.get(name)
        for name, value in changes.items()
        if value
    }
    return counters.plus(
        **{name: (v if name == "extension_hours" else round(v)) for name, v in values.items()}
    )


def appeal_deadline(rule: AppealRule, calendar: WorkingCalendar, published: datetime) -> datetime:
    """The last instant to appeal a period first published at ``published``: the policy's
    window (working days) on the centre's working calendar."""
    return calendar.add(published, rule.window.amount, rule.window.unit)
