"""Working-day arithmetic on the official calendar (cases.workdays), without the database.

Expected dates are worked out by hand from the State Council notices; the library's data for
the make-up days (调休) they rely on is asserted first.
"""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from django.conf import settings
from hypothesis import given, settings as hypothesis_settings, strategies as st

from cases.workdays import (
    CALENDAR_DAYS,
    MONTHS,
    UNITS,
    WORKING_DAYS,
    UnknownCalendarYear,
    WorkCalendar,
    default_calendar,
)

CAL = default_calendar()
# Dates whose periods (up to 60 working days / 3 months) stay inside the library's years.
KNOWN_DATES = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 8, 31))
no_db = hypothesis_settings(database=None, max_examples=200, deadline=None)


@pytest.fixture(scope="module", autouse=True)
def plain_settings() -> None:
    """Lazy messages need settings to be evaluated with str(); no translation here."""
    if not settings.configured:
        settings.configure(USE_I18N=False)


@pytest.mark.parametrize(
    ("day", "holiday", "name"),
    [
        (date(2024, 9, 29), False, "National Day"),  # Sunday, make-up workday
        (date(2024, 10, 12), False, "National Day"),  # Saturday, make-up workday
        (date(2024, 10, 7), True, "National Day"),
        (date(2024, 2, 4), False, "Spring Festival"),  # Sunday
        (date(2024, 2, 18), False, "Spring Festival"),  # Sunday
        (date(2025, 1, 26), False, "Spring Festival"),  # Sunday
        (date(2025, 2, 8), False, "Spring Festival"),  # Saturday
        (date(2025, 9, 28), False, "National Day"),  # Sunday
        (date(2025, 10, 11), False, "National Day"),  # Saturday
        (date(2025, 10, 8), True, "National Day"),
    ],
)
def test_library_data_the_expectations_rely_on(day: date, holiday: bool, name: str) -> None:
    assert chinese_calendar.get_holiday_detail(day) == (holiday, name)
    assert CAL.is_workday(day) is not holiday


def test_is_workday_follows_weekends_holidays_and_make_up_days() -> None:
    assert CAL.is_workday(date(2024, 10, 12))  # make-up Saturday
    assert not CAL.is_workday(date(2024, 10, 19))  # ordinary Saturday
    assert not CAL.is_workday(date(2024, 10, 1))  # National Day, a Tuesday
    assert CAL.is_workday(date(2024, 10, 8))
    assert CAL.is_workday(datetime(2025, 2, 8, 15, 30))  # datetimes are taken by their date


def test_years_the_library_knows() -> None:
    assert CAL.knows_year(2004) and CAL.knows_year(2024) and CAL.knows_year(2026)
    assert not CAL.knows_year(2003) and not CAL.knows_year(2099)


@pytest.mark.parametrize(
    ("posted", "tenth_working_day"),
    [
        # Fri; Sun 9-29 (make-up), Mon 9-30, [10-1..7 off], 10-8..11, Sat 10-12, 10-14..16.
        (date(2024, 9, 27), date(2024, 10, 16)),
        # Fri; Sun 9-28, 9-29, 9-30, [10-1..8 off], 10-9, 10-10, Sat 10-11, 10-13..16.
        (date(2025, 9, 26), date(2025, 10, 16)),
        # Fri; Sun 2-4, 2-5..9, [2-10..17 off], Sun 2-18, 2-19..21.
        (date(2024, 2, 2), date(2024, 2, 21)),
        # Fri; Sun 1-26, 1-27, [1-28..2-4 off], 2-5..7, Sat 2-8, 2-10..13.
        (date(2025, 1, 24), date(2025, 2, 13)),
    ],
)
def test_ten_working_days_across_national_day_and_spring_festival(
    posted: date, tenth_working_day: date
) -> None:
    assert CAL.add_working_days(posted, 10) == tenth_working_day
    assert CAL.period_end(posted, 10, WORKING_DAYS) == tenth_working_day
    assert CAL.working_days_between(posted, tenth_working_day) == 10
    assert CAL.add_working_days(posted, 9) < tenth_working_day


def test_make_up_saturday_counts_as_a_working_day() -> None:
    assert CAL.add_working_days(date(2024, 10, 11), 1) == date(2024, 10, 12)
    assert CAL.add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 8)
    assert CAL.working_days_between(date(2024, 10, 11), date(2024, 10, 13)) == 1


def test_start_day_is_not_counted_even_when_it_is_a_holiday() -> None:
    assert CAL.add_working_days(date(2024, 10, 1), 1) == date(2024, 10, 8)
    assert CAL.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 8)


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert CAL.working_days_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert CAL.working_days_between(date(2024, 10, 8), date(2024, 10, 8)) == 0
    assert CAL.working_days_between(date(2024, 10, 9), date(2024, 10, 8)) == 0


def test_working_day_boundary_9_vs_10() -> None:
    posted = date(2024, 9, 27)
    assert not CAL.elapsed(posted, date(2024, 10, 15), 10, WORKING_DAYS)  # 9th working day
    assert CAL.elapsed(posted, date(2024, 10, 16), 10, WORKING_DAYS)  # 10th
    assert CAL.elapsed(posted, date(2024, 10, 17), 10, WORKING_DAYS)


def test_thirty_calendar_days_boundary() -> None:
    start = date(2025, 3, 3)
    assert CAL.period_end(start, 30, CALENDAR_DAYS) == date(2025, 4, 2)  # a Wednesday
    assert not CAL.elapsed(start, date(2025, 4, 1), 30, CALENDAR_DAYS)  # day 29
    assert CAL.elapsed(start, date(2025, 4, 2), 30, CALENDAR_DAYS)  # day 30


def test_art_203_calendar_days_ending_on_a_holiday_move_to_next_working_day() -> None:
    start = date(2024, 9, 6)
    assert CAL.add_calendar_days(start, 30) == date(2024, 10, 6)  # National Day holiday
    assert CAL.period_end(start, 30, CALENDAR_DAYS) == date(2024, 10, 8)
    assert not CAL.elapsed(start, date(2024, 10, 7), 30, CALENDAR_DAYS)
    assert CAL.elapsed(start, date(2024, 10, 8), 30, CALENDAR_DAYS)
    # An ordinary Saturday moves to Monday; a make-up Saturday is a working day and stays.
    assert CAL.period_end(date(2024, 10, 19), 7, CALENDAR_DAYS) == date(2024, 10, 28)
    assert CAL.period_end(date(2024, 9, 12), 30, CALENDAR_DAYS) == date(2024, 10, 12)


def test_month_end_clamping() -> None:
    assert CAL.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert CAL.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert CAL.add_months(date(2024, 3, 31), 1) == date(2024, 4, 30)
    assert CAL.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert CAL.add_months(date(2024, 5, 15), 12) == date(2025, 5, 15)
    assert CAL.period_end(date(2025, 1, 31), 1, MONTHS) == date(2025, 2, 28)  # a Friday


def test_art_203_month_period_ending_on_a_holiday() -> None:
    assert CAL.period_end(date(2024, 9, 1), 1, MONTHS) == date(2024, 10, 8)
    assert not CAL.elapsed(date(2024, 9, 1), date(2024, 10, 7), 1, MONTHS)
    assert CAL.elapsed(date(2024, 9, 1), date(2024, 10, 8), 1, MONTHS)
    # 2025-09-28 is a make-up Sunday: a working day, so no extension.
    assert CAL.period_end(date(2025, 8, 28), 1, MONTHS) == date(2025, 9, 28)


def test_unknown_year_raises_with_the_year_in_the_message() -> None:
    with pytest.raises(UnknownCalendarYear) as excinfo:
        CAL.is_workday(date(2099, 3, 2))
    assert excinfo.value.year == 2099
    assert isinstance(excinfo.value, LookupError)
    assert "2099" in str(excinfo.value)
    assert "admin" in str(excinfo.value)
    with pytest.raises(UnknownCalendarYear):
        CAL.add_working_days(date(2026, 12, 28), 10)
    with pytest.raises(UnknownCalendarYear):
        CAL.period_end(date(2099, 1, 1), 30, CALENDAR_DAYS)


def test_warnings_for_lists_unknown_years() -> None:
    assert CAL.warnings_for(date(2099, 1, 1), date(2099, 12, 31)) == [2099]
    assert CAL.warnings_for(date(2026, 12, 1), date(2028, 1, 5)) == [2027, 2028]
    assert CAL.warnings_for(date(2028, 1, 5), date(2026, 12, 1)) == [2027, 2028]
    assert CAL.warnings_for(date(2024, 1, 1), date(2026, 12, 31)) == []


def test_elapsed_answers_false_without_looking_into_an_unknown_year() -> None:
    posted = date(2026, 12, 28)  # the 10th working day falls in 2027
    assert not CAL.elapsed(posted, date(2026, 12, 31), 10, WORKING_DAYS)
    assert not CAL.elapsed(posted, date(2026, 12, 31), 30, CALENDAR_DAYS)
    with pytest.raises(UnknownCalendarYear):
        CAL.elapsed(posted, date(2027, 1, 20), 10, WORKING_DAYS)


def test_overrides_make_an_unknown_year_computable() -> None:
    # A made-up notice for 2099: Jan 1-3 (Thu-Sat) off, Sunday Jan 4 a make-up workday.
    overrides = {date(2099, 1, 1): False, date(2099, 1, 2): False, date(2099, 1, 4): True}
    cal = WorkCalendar(overrides=overrides, known_years=[2099])
    assert cal.warnings_for(date(2098, 12, 1), date(2099, 12, 31)) == [2098]
    assert not cal.is_workday(date(2099, 1, 1))
    assert not cal.is_workday(date(2099, 1, 3))  # ordinary Saturday
    assert cal.is_workday(date(2099, 1, 4))  # make-up Sunday
    assert cal.is_workday(date(2099, 1, 5))  # ordinary Monday
    assert cal.add_working_days(date(2098, 12, 31), 2) == date(2099, 1, 5)
    overrides[date(2099, 1, 5)] = False  # the calendar keeps its own copy
    assert cal.is_workday(date(2099, 1, 5))


def test_overrides_without_known_year_answer_only_their_own_dates() -> None:
    cal = WorkCalendar(overrides={date(2099, 1, 1): False})
    assert not cal.is_workday(date(2099, 1, 1))
    assert cal.warnings_for(date(2099, 1, 1), date(2099, 1, 1)) == [2099]
    with pytest.raises(UnknownCalendarYear):
        cal.is_workday(date(2099, 1, 5))


def test_overrides_win_over_the_library() -> None:
    cal = WorkCalendar(overrides={date(2024, 10, 8): False, date(2024, 10, 19): True})
    assert not cal.is_workday(date(2024, 10, 8))
    assert cal.is_workday(date(2024, 10, 19))
    assert cal.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 9)


def test_zero_amount_returns_start() -> None:
    holiday = date(2024, 10, 3)
    assert CAL.add_working_days(holiday, 0) == holiday
    assert CAL.add_working_days(date(2099, 5, 1), 0) == date(2099, 5, 1)  # no lookup needed
    for unit, _label in UNITS:
        assert CAL.period_end(holiday, 0, unit) == holiday
        assert CAL.elapsed(holiday, holiday, 0, unit)
        assert not CAL.elapsed(holiday, holiday - timedelta(days=1), 0, unit)


def test_negative_amounts_and_unknown_units_are_rejected() -> None:
    start = date(2024, 5, 6)
    with pytest.raises(ValueError):
        CAL.add_working_days(start, -1)
    with pytest.raises(ValueError):
        CAL.add_calendar_days(start, -1)
    with pytest.raises(ValueError):
        CAL.add_months(start, -1)
    for unit in (CALENDAR_DAYS, WORKING_DAYS, MONTHS):
        with pytest.raises(ValueError):
            CAL.period_end(start, -1, unit)
        with pytest.raises(ValueError):
            CAL.elapsed(start, start, -1, unit)
    with pytest.raises(ValueError):
        CAL.period_end(start, 1, "weeks")
    with pytest.raises(ValueError):
        CAL.elapsed(start, start, 0, "weeks")


def test_unit_choices_are_translatable_labels() -> None:
    assert [code for code, _label in UNITS] == [CALENDAR_DAYS, WORKING_DAYS, MONTHS]
    assert [str(label) for _code, label in UNITS] == ["calendar days", "working days", "months"]


@no_db
@given(start=KNOWN_DATES, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_and_working_days_between_agree(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n:
        assert CAL.is_workday(end)
        assert CAL.working_days_between(start, end - timedelta(days=1)) == n - 1


@no_db
@given(
    start=KNOWN_DATES,
    offset=st.integers(min_value=-5, max_value=130),
    amount=st.integers(min_value=0, max_value=40),
    unit=st.sampled_from([CALENDAR_DAYS, WORKING_DAYS, MONTHS]),
)
def test_elapsed_means_on_or_after_period_end(
    start: date, offset: int, amount: int, unit: str
) -> None:
    amount = min(amount, 3) if unit == MONTHS else amount
    end = start + timedelta(days=offset)
    assert CAL.elapsed(start, end, amount, unit) == (end >= CAL.period_end(start, amount, unit))


@no_db
@given(start=st.dates(), n=st.integers(min_value=0, max_value=240))
def test_add_months_lands_on_corresponding_day_or_month_end(start: date, n: int) -> None:
    if start.year + (start.month - 1 + n) // 12 > date.max.year:
        with pytest.raises(ValueError):  # beyond date.max
            CAL.add_months(start, n)
        return
    end = CAL.add_months(start, n)
    assert (end.year - start.year) * 12 + end.month - start.month == n
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
