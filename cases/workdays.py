"""Working-day arithmetic on China's official calendar, and statutory periods.

Pure module: no ORM. Working days follow the State Council's yearly holiday notice, i.e.
statutory holidays are days off and weekend make-up days (调休) are working days. The data
comes from the ``chinese_calendar`` package; the township can supply *overrides* (date → is
a working day) for years the package does not know yet, e.g. from the notice for next year
published in November. A year nobody knows raises ``UnknownCalendarYear``: we never guess.

Counting conventions (民法典):

* art. 201 — a period counted in days or months starts on the day *after* ``start``;
  ``start`` itself never counts.
* art. 202 — a period in months ends on the corresponding day of the last month, or on that
  month's last day if there is no corresponding day (Jan 31 + 1 month → Feb 28/29).
* art. 203 — if the last day of the period is a statutory rest day (法定休假日, including
  weekends not made up), the period ends on the day after the rest days, which is the next
  working day. Applied to calendar-day and month periods; a working-day period already ends
  on a working day.
"""

import calendar
import datetime
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"
MONTHS = "months"
UNITS = [
    (CALENDAR_DAYS, _("calendar days")),  # 自然日
    (WORKING_DAYS, _("working days")),  # 工作日
    (MONTHS, _("months")),  # 月
]
_UNIT_CODES = frozenset(code for code, _label in UNITS)

_NO_OVERRIDES: Mapping[date, bool] = MappingProxyType({})
_ONE_DAY = timedelta(days=1)


class UnknownCalendarYear(LookupError):
    """The official holiday calendar of ``year`` is neither in the library nor entered."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year
        self.message = format_lazy(
            _(
                "The official holiday calendar for {year} is not known yet; enter its notice "
                "in the admin: “Working-day adjustments” → “Enter a year's holiday notice”."
            ),
            year=year,
        )

    def __str__(self) -> str:
        return str(self.message)


@lru_cache(maxsize=8192)
def _library_is_workday(d: date) -> bool | None:
    """The library's answer for ``d``, or ``None`` if it has no data for ``d.year``."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime.datetime) else d


def _check_amount(n: int) -> None:
    if n < 0:
        raise ValueError(f"a period cannot be negative: {n}")


def _days_after(start: date, end: date) -> Iterator[date]:
    """The days in (start, end]."""
    d = start + _ONE_DAY
    while d <= end:
        yield d
        d += _ONE_DAY


class WorkCalendar:
    """China's official working-day calendar, with the township's overrides on top.

    ``overrides`` maps a date to whether it is a working day; it wins over the library.
    ``known_years`` are years whose exceptions (holidays and make-up days) the township has
    fully entered in ``overrides``: there, a date without an override is a working day if
    and only if it is Monday to Friday. Other years not in the library are unknown.
    """

    def __init__(
        self, overrides: Mapping[date, bool] = _NO_OVERRIDES, known_years: Iterable[int] = ()
    ) -> None:
        self.overrides: Mapping[date, bool] = MappingProxyType(dict(overrides))
        self.known_years: frozenset[int] = frozenset(known_years)

    def knows_year(self, year: int) -> bool:
        """Whether every date of ``year`` can be answered."""
        return year in self.known_years or _library_is_workday(date(year, 1, 1)) is not None

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; raises ``UnknownCalendarYear`` if nobody knows."""
        d = _as_date(d)
        if d in self.overrides:
            return self.overrides[d]
        answer = _library_is_workday(d)
        if answer is not None:
            return answer
        if d.year in self.known_years:
            return d.weekday() < 5
        raise UnknownCalendarYear(d.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start``; ``start`` itself is never counted.

        Per 民法典 art. 201 a period in days starts the next day, so for "公告期不少于十个
        工作日" posted on ``start``, ``add_working_days(start, 10)`` is the period's last day,
        whether or not ``start`` is a working day. ``n == 0`` returns ``start``; ``n < 0``
        raises ``ValueError``.
        """
        start = _as_date(start)
        _check_amount(n)
        d, remaining = start, n
        while remaining:
            d += _ONE_DAY
            if self.is_workday(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days in (start, end]; 0 if ``end <= start``."""
        return sum(1 for d in _days_after(_as_date(start), _as_date(end)) if self.is_workday(d))

    @staticmethod
    def add_calendar_days(start: date, n: int) -> date:
        """``start`` plus ``n`` calendar days (no holiday adjustment)."""
        _check_amount(n)
        return _as_date(start) + timedelta(days=n)

    @staticmethod
    def add_months(start: date, n: int) -> date:
        """The corresponding day ``n`` months after ``start``, clamped to month end (art. 202)."""
        _check_amount(n)
        start = _as_date(start)
        year, month0 = divmod(start.month - 1 + n, 12)
        year += start.year
        last_day = calendar.monthrange(year, month0 + 1)[1]
        return date(year, month0 + 1, min(start.day, last_day))

    def _nominal_end(self, start: date, amount: int, unit: str) -> date:
        """The period's last day before the art. 203 extension."""
        if unit == CALENDAR_DAYS:
            return self.add_calendar_days(start, amount)
        if unit == MONTHS:
            return self.add_months(start, amount)
        if unit == WORKING_DAYS:
            return self.add_working_days(start, amount)
        raise ValueError(f"unknown period unit: {unit!r}")

    def period_end(self, start: date, amount: int, unit: str) -> date:
        """The last day of a period of ``amount`` ``unit`` counted from the day after ``start``.

        ``unit`` is ``CALENDAR_DAYS``, ``WORKING_DAYS`` or ``MONTHS``. For calendar days and
        months, a last day that is not a working day moves to the next working day
        (民法典 art. 203). ``amount == 0`` returns ``start`` unchanged.
        """
        start = _as_date(start)
        end = self._nominal_end(start, amount, unit)
        if amount and unit != WORKING_DAYS:
            while not self.is_workday(end):
                end += _ONE_DAY
        return end

    def elapsed(self, start: date, end: date, amount: int, unit: str) -> bool:
        """Whether a minimum period of ``amount`` ``unit`` from ``start`` is complete by ``end``.

        Same as ``end >= period_end(start, amount, unit)``: the period's last day counts as
        complete. It only consults the calendar up to ``end``, so it answers ``False`` when
        the period would end in a year that is not known yet.
        """
        start, end = _as_date(start), _as_date(end)
        _check_amount(amount)
        if unit not in _UNIT_CODES:
            raise ValueError(f"unknown period unit: {unit!r}")
        if not amount or end < start:
            return end >= start
        if unit == WORKING_DAYS:
            count = 0
            for d in _days_after(start, end):
                if self.is_workday(d):
                    count += 1
                    if count == amount:
                        return True
            return False
        nominal = self._nominal_end(start, amount, unit)
        if end < nominal:
            return False
        # art. 203: complete once a working day on or after the nominal last day is reached.
        return any(self.is_workday(d) for d in _days_after(nominal - _ONE_DAY, end))

    def warnings_for(self, start: date, end: date) -> list[int]:
        """The years from ``start`` to ``end`` (inclusive, either order) that are not known."""
        low, high = sorted((_as_date(start).year, _as_date(end).year))
        return [year for year in range(low, high + 1) if not self.knows_year(year)]


def default_calendar() -> WorkCalendar:
    """The official calendar from the library alone, without township overrides."""
    return WorkCalendar()
