"""Working-time arithmetic of ``backend.domain.calendar`` (fixed datetimes, no sleeps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.calendar import CalendarError, WorkingCalendar
from backend_client.vocab import TimeUnit

SH = ZoneInfo("Asia/Shanghai")
WH = TimeUnit.WORKING_HOUR
WD = TimeUnit.WORKING_DAY
HOUR = 3600.0


def sh(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.load()


# 2026-03-02 is a Monday with no holidays that week.


def test_default_file_loads(cal: WorkingCalendar) -> None:
    assert cal.tz == SH
    assert cal.office_hours == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    assert cal.seconds_per_day == 7.5 * HOUR
    assert 2026 in cal.years


def test_results_are_utc(cal: WorkingCalendar) -> None:
    result = cal.add(sh(3, 2, 10), 1, WH)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 2, 3, tzinfo=UTC)


def test_working_hours_across_lunch(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 2, 11), 2, WH) == sh(3, 2, 14, 30)
    assert cal.working_seconds_between(sh(3, 2, 11), sh(3, 2, 14, 30)) == 2 * HOUR


def test_working_hours_across_a_night(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 2, 16, 30), 2, WH) == sh(3, 3, 9, 30)
    assert cal.elapsed(sh(3, 2, 16, 30), sh(3, 3, 9, 30), WH) == 2 * HOUR


def test_working_hours_across_a_weekend(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 6, 17), 1, WH) == sh(3, 9, 9)
    assert cal.working_seconds_between(sh(3, 6, 17), sh(3, 9, 9)) == HOUR


def test_budget_ending_at_window_end_returns_that_end(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 2, 8, 30), 3.5, WH) == sh(3, 2, 12)
    assert cal.add(sh(3, 2, 8, 30), 7.5, WH) == sh(3, 2, 17, 30)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (sh(3, 2, 7), sh(3, 2, 9, 30)),  # before office hours
        (sh(3, 2, 12, 30), sh(3, 2, 14, 30)),  # lunch break
        (sh(3, 2, 18), sh(3, 3, 9, 30)),  # evening
        (sh(3, 7, 10), sh(3, 9, 9, 30)),  # Saturday
    ],
)
def test_start_outside_working_time_counts_from_next_window(
    cal: WorkingCalendar, start: datetime, due: datetime
) -> None:
    assert cal.add(start, 1, WH) == due


def test_spring_festival_2026(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2026, 2, 13))
    assert not any(cal.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    # Sat 2026-02-14 is a swapped working day, then nine days off, back on Tue 02-24.
    assert cal.add(sh(2, 13, 16, 30), 2, WH) == sh(2, 14, 9, 30)
    assert cal.add(sh(2, 14, 17), 1, WH) == sh(2, 24, 9)
    assert cal.working_seconds_between(sh(2, 14, 17), sh(2, 24, 9)) == HOUR


def test_swapped_saturday_after_spring_festival_counts(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(date(2026, 2, 28))
    assert not cal.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert cal.add(sh(2, 27, 17), 1, WH) == sh(2, 28, 9)


def test_working_days_across_national_day(cal: WorkingCalendar) -> None:
    # Wed 09-30 10:00 leaves 6 h; Oct 1–7 off; Thu+Fri 15 h; Sat 10-10 is a swapped workday.
    assert cal.is_working_day(date(2026, 9, 20))
    assert cal.add(sh(9, 30, 10), 3, WD) == sh(10, 10, 10)
    assert cal.elapsed(sh(9, 30, 10), sh(10, 10, 10), WD) == 3 * 7.5 * HOUR


def test_five_working_days_is_one_week(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 2, 10), 5, WD) == sh(3, 9, 10)


def test_fractional_working_day(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 2, 8, 30), 0.5, WD) == sh(3, 2, 13, 45)


def test_clock_units_ignore_the_calendar(cal: WorkingCalendar) -> None:
    assert cal.add(sh(3, 6, 17), 2, TimeUnit.CLOCK_HOUR) == sh(3, 6, 19)
    assert cal.add(sh(3, 6, 17), 3, TimeUnit.NATURAL_DAY) == sh(3, 9, 17)
    assert cal.add(sh(2, 14, 17), 0.5, TimeUnit.CLOCK_HOUR) == sh(2, 14, 17, 30)
    assert cal.elapsed(sh(3, 6, 17), sh(3, 9, 17), TimeUnit.NATURAL_DAY) == 72 * HOUR


def test_years_not_in_file_fall_back_to_monday_to_friday(cal: WorkingCalendar) -> None:
    assert 2027 not in cal.years
    assert cal.is_working_day(date(2027, 1, 1))  # a Friday; no holiday data for 2027
    assert not cal.is_working_day(date(2027, 1, 2))


def test_elapsed_is_signed_and_between_is_not(cal: WorkingCalendar) -> None:
    assert cal.working_seconds_between(sh(3, 3, 9), sh(3, 2, 9)) == 0
    assert cal.elapsed(sh(3, 3, 9), sh(3, 2, 9), WH) == -7.5 * HOUR
    assert cal.elapsed(sh(3, 3, 9), sh(3, 2, 9), TimeUnit.CLOCK_HOUR) == -24 * HOUR


def test_fraction_point_at_80_percent(cal: WorkingCalendar) -> None:
    start = sh(3, 2, 8, 30)
    due = cal.add(start, 10, WH)
    assert due == sh(3, 3, 11)
    assert cal.fraction_point(start, due, WH, 0.8) == sh(3, 3, 9)
    assert cal.fraction_point(sh(3, 2), sh(3, 2, 10), TimeUnit.CLOCK_HOUR, 0.8) == sh(3, 2, 8)


def test_shift_after_pause_spanning_a_weekend(cal: WorkingCalendar) -> None:
    # Paused Fri 16:30 with 1 h (Fri) + 3.5 h (Mon) = 4.5 h left; resumed Mon 09:00.
    new_due = cal.shift_after_pause(sh(3, 9, 12), sh(3, 6, 16, 30), sh(3, 9, 9), WH)
    assert new_due == sh(3, 9, 15)
    clock_due = cal.shift_after_pause(sh(3, 6, 20), sh(3, 6, 18), sh(3, 9, 8), TimeUnit.CLOCK_HOUR)
    assert clock_due == sh(3, 9, 10)


def test_shift_after_pause_when_already_overdue(cal: WorkingCalendar) -> None:
    # Due Fri 16:00, paused Mon 09:30: overdue by 1.5 h (Fri) + 1 h (Mon) = 2.5 working hours.
    due, paused, resumed = sh(3, 6, 16), sh(3, 9, 9, 30), sh(3, 10, 10)
    new_due = cal.shift_after_pause(due, paused, resumed, WH)
    assert new_due == sh(3, 9, 16, 30)
    assert cal.elapsed(new_due, resumed, WH) == 2.5 * HOUR
    clock_due = cal.shift_after_pause(sh(3, 2, 10), sh(3, 2, 12), sh(3, 2, 15), TimeUnit.CLOCK_HOUR)
    assert clock_due == sh(3, 2, 13)


def test_shift_after_pause_rejects_resume_before_pause(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="before"):
        cal.shift_after_pause(sh(3, 9), sh(3, 6), sh(3, 5), WH)


def test_naive_datetimes_are_rejected(cal: WorkingCalendar) -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, 1, WH)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, 1, TimeUnit.CLOCK_HOUR)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.elapsed(sh(3, 2), naive, WH)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_seconds_between(naive, sh(3, 3))


def test_constructor_defaults_and_custom_hours() -> None:
    plain = WorkingCalendar()
    assert plain.is_working_day(date(2026, 2, 17))  # no holiday data at all
    short = WorkingCalendar(office_hours=[(time(9), time(12))])
    assert short.add(sh(3, 2, 11), 2, WH) == sh(3, 3, 10)
    assert short.add(sh(3, 2, 9), 1, WD) == sh(3, 2, 12)


GOOD_HEADER = (
    'timezone = "Asia/Shanghai"\noffice_hours = [["08:30", "12:00"], ["13:30", "17:30"]]\n'
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("timezone = ", "not valid TOML"),
        ('timezone = "Mars/Olympus"', "unknown timezone 'Mars/Olympus'"),
        ('office_hours = [["08:30", "12:00"], ["11:00", "17:30"]]', "must not overlap"),
        ('office_hours = [["13:30", "17:30"], ["08:30", "12:00"]]', "must be sorted"),
        ('office_hours = [["12:00", "08:30"]]', "does not end after it starts"),
        ('office_hours = [["8h", "12:00"]]', "'8h' is not a time of day"),
        ('office_hours = "08:30-17:30"', "list of"),
        (GOOD_HEADER + '[years.2026]\nholidays = ["2026-02-30"]', "'2026-02-30' is not a date"),
        (GOOD_HEADER + '[years.2026]\nholidays = ["2027-01-01"]', "2027-01-01 is not in 2026"),
        (
            GOOD_HEADER + '[years.2026]\nholidays = ["2026-02-14"]\nworkdays = ["2026-02-14"]',
            "2026-02-14 is listed both as a holiday and as a working day",
        ),
        (GOOD_HEADER + '[years.2026]\nworkdays = ["2026-02-13"]', "is a Friday"),
        (GOOD_HEADER + '[years.2026]\nholiday = ["2026-01-01"]', "unknown key 'holiday'"),
        (GOOD_HEADER + '[years.26]\nholidays = ["2026-01-01"]', "years.26 is not"),
        ('timezon = "Asia/Shanghai"', "unknown key 'timezon'"),
    ],
)
def test_bad_file_gives_calendar_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        WorkingCalendar.load(path)
    assert problem in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_gives_calendar_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="cannot read"):
        WorkingCalendar.load(tmp_path / "nope.toml")


# -- properties ------------------------------------------------------------------------------

_CAL = WorkingCalendar.load()
starts = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(SH)
)
hours = st.floats(min_value=0, max_value=400, allow_nan=False)


@given(start=starts, amount=hours)
def test_elapsed_inverts_add(start: datetime, amount: float) -> None:
    due = _CAL.add(start, amount, WH)
    assert _CAL.elapsed(start, due, WH) == pytest.approx(amount * HOUR, abs=1e-3)
    assert due >= start


@given(start=starts, a=hours, b=hours)
def test_add_is_monotonic(start: datetime, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert _CAL.add(start, low, WH) <= _CAL.add(start, high, WH)


@given(start=starts, seconds=st.floats(min_value=1, max_value=400 * HOUR))
def test_subtracting_undoes_adding(start: datetime, seconds: float) -> None:
    due = _CAL.add_seconds(start, seconds, WH)
    back = _CAL.add_seconds(due, -seconds, WH)
    # Back lands at the start, or (start outside office hours) at the next window start.
    assert _CAL.working_seconds_between(start, back) == pytest.approx(0, abs=1e-3)
    assert back >= start - timedelta(microseconds=1)
