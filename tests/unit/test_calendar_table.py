"""The calendar's window table gives exactly what a walk over the office windows gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.calendar import WorkingCalendar
from backend_client.vocab import TimeUnit

CALENDAR = WorkingCalendar.load()
LOW, HIGH = datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)


def walk_forward(calendar: WorkingCalendar, start: datetime, budget: timedelta) -> datetime:
    """The plain walk, day by day and window by window (the table's reference)."""
    day = start.astimezone(calendar.tz).date()
    while True:
        for window_start, window_end in calendar._windows(day):
            begin = max(window_start, start)
            if begin >= window_end:
                continue
            if budget <= window_end - begin:
                return begin + budget
            budget -= window_end - begin
        day += timedelta(days=1)


def walk_between(calendar: WorkingCalendar, a: datetime, b: datetime) -> float:
    total = timedelta(0)
    day, last = a.astimezone(calendar.tz).date(), b.astimezone(calendar.tz).date()
    while day <= last:
        for start, end in calendar._windows(day):
            low, high = max(start, a), min(end, b)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total.total_seconds()


instants = st.datetimes(
    min_value=LOW.replace(tzinfo=None), max_value=HIGH.replace(tzinfo=None)
).map(lambda d: d.replace(tzinfo=UTC))
# Budgets that end exactly on a window's edge are the interesting ones: whole quarter hours.
budgets = st.one_of(
    st.integers(1, 400 * 4).map(lambda q: timedelta(minutes=15 * q)),
    st.integers(1, 10**12).map(lambda us: timedelta(microseconds=us)),
)


@settings(max_examples=400, deadline=None)
@given(instants, budgets)
def test_adding_working_time_matches_the_walk(start: datetime, budget: timedelta) -> None:
    fresh = WorkingCalendar.load()  # a table built around this start, then grown
    seconds = budget.total_seconds()
    expected = walk_forward(fresh, start, budget)
    assert fresh.add_seconds(start, seconds, TimeUnit.WORKING_HOUR) == CALENDAR.add_seconds(
        start, seconds, TimeUnit.WORKING_HOUR
    )
    assert fresh._forward(start, budget) == expected


@settings(max_examples=400, deadline=None)
@given(instants, instants)
def test_working_seconds_between_matches_the_walk(a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    assert CALENDAR.working_seconds_between(a, b) == walk_between(CALENDAR, a, b)


@settings(max_examples=400, deadline=None)
@given(
    instants,
    st.floats(0.01, 400.0),
    st.sampled_from(list(TimeUnit)),
    st.sampled_from([0.0, 0.5, 0.8, 1.0]),
)
def test_span_is_add_and_fraction_point(
    start: datetime, amount: float, unit: TimeUnit, fraction: float
) -> None:
    due = CALENDAR.add(start, amount, unit)
    point = CALENDAR.fraction_point(start, due, unit, fraction)
    assert CALENDAR.span(start, amount, unit, fraction) == (due, point)


def test_edges_of_a_window() -> None:
    # Mon 2026-03-02, office 08:30-12:00 and 13:30-17:30 Beijing time (00:30-04:00 UTC ...).
    morning_end = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    at_start = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert CALENDAR._forward(at_start, timedelta(hours=3, minutes=30)) == morning_end
    assert CALENDAR._forward(morning_end, timedelta(microseconds=1)) == datetime(
        2026, 3, 2, 5, 30, 0, 1, tzinfo=UTC
    )
    assert CALENDAR.working_seconds_between(at_start, morning_end) == 3.5 * 3600
