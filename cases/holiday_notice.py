"""The State Council's yearly holiday notice (国务院办公厅关于某年部分节假日安排的通知), read.

Each November the State Council publishes next year's holidays and make-up working days (调休),
and ``chinese_calendar`` only learns them with its next release. Until then the township enters
the year in "Working-day adjustments" (``WorkdayOverride``), and since a year counts as entered
from its first adjustment, it must be entered whole, at once: an administrator pastes the
notice's arrangement and this module turns it into days off and make-up days, checking it as
it goes. Pure module: no ORM.

The notice's items are read as published, one holiday an item::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。

* a sentence with 放假 (or 休) gives the days off: one date, or a range written 至 / 到 / ~ /
  — (``23日`` takes the month before it, ``2018年12月30日`` its own year, a bare ``1月1日``
  the notice's year); ``共N天`` must count the range, or the item is refused as mistyped;
* a sentence with 上班 gives make-up working days, each of which must be a Saturday or a
  Sunday (a weekday is a working day anyway: it would be a typo);
* ISO dates (``2027-01-01``) are read too, so a list typed by hand works the same way;
* the holiday's name is the text before the item's colon, without its numbering.

A day named twice, a day both off and at work, or a notice with no days off is refused, each
with the item it is in. What is not understood is never guessed at: a sentence with a date
but neither 放假 nor 上班 is refused with its text. The one exception is the notice's date at
its foot, under the signature (``国务院办公厅`` / ``2025年11月4日``): a line holding only a
date written with its year, before the year the notice is for, after which no line holds a
date, is the date the notice was signed (a notice is published the year before), and is set
aside (``Notice.signed_on``) so that the notice can be pasted whole.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

#: The numbering of a notice's items: 一、 二、 … 十、 or 1. / 1、 / (1).
_ITEM_START = re.compile(
    r"(?:^|\n|(?<=[。；;]))\s*(?:[一二三四五六七八九十]+、|\d+[、.．]|[（(]\d+[)）])"
)
_DATE = re.compile(
    r"(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*日"
)
_RANGE_WORDS = re.compile(r"^\s*(?:[（(][^）)]*[）)])?\s*(?:至|到|~|～|—|–|-)\s*$")
_DAYS_COUNT = re.compile(r"共\s*(\d+)\s*天")
_SENTENCE = re.compile(r"[^。；;\n]+")
#: A line holding only a date with its year: the notice's own date, under its signature.
_SIGNED_LINE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


class NoticeError(ValueError):
    """The notice could not be read; ``messages`` says where and why, one line each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Holiday:
    """One item of the notice: its name, its days off and its make-up working days."""

    name: str
    days_off: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)

    def spans(self) -> list[tuple[date, date, int]]:
        """The days off as runs of consecutive days: (first, last, number of days)."""
        runs: list[list[date]] = []
        for day in sorted(self.days_off):
            if runs and day - runs[-1][-1] == timedelta(days=1):
                runs[-1].append(day)
            else:
                runs.append([day])
        return [(run[0], run[-1], len(run)) for run in runs]


@dataclass
class Notice:
    year: int
    holidays: list[Holiday]
    #: The date under the signature, when the notice was pasted with it.
    signed_on: date | None = None

    @property
    def days_off(self) -> list[date]:
        return sorted(d for h in self.holidays for d in h.days_off)

    @property
    def workdays(self) -> list[date]:
        return sorted(d for h in self.holidays for d in h.workdays)

    def adjustments(self) -> dict[date, tuple[bool, str]]:
        """Every day the notice names: ``date → (is a working day, note)``."""
        found: dict[date, tuple[bool, str]] = {}
        for h in self.holidays:
            found.update({d: (False, h.name) for d in h.days_off})
            found.update(
                {d: (True, _("%(holiday)s, make-up day") % {"holiday": h.name}) for d in h.workdays}
            )
        return dict(sorted(found.items()))


def _signed_on(text: str, year: int) -> tuple[str, date | None]:
    """The text without the date under its signature, and that date: the last line that holds
    a date, when it holds nothing else and names its year (``2025年11月4日``), a year before
    ``year`` (a lone ``2027年10月1日`` in 2027's notice is a holiday missing its 放假: refused)."""
    lines = text.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if not _DATE.search(lines[index]):
            continue
        found = _SIGNED_LINE.match(lines[index])
        if found is None or int(found[1]) >= year:
            return text, None
        try:
            signed = date(*(int(part) for part in found.groups()))
        except ValueError:
            return text, None  # not a date: the reader says so, with its text
        return "\n".join(lines[:index] + lines[index + 1 :]), signed
    return text, None


def _items(text: str) -> list[str]:
    """The notice's items: split at its numbering, else one item a non-empty line."""
    starts = [m.start() for m in _ITEM_START.finditer(text)]
    if not starts:
        return [line.strip() for line in text.split("\n") if line.strip()]
    # Text before the first item (the notice's title and preamble) is not an item.
    bounds = [*starts, len(text)]
    return [
        text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()
    ]


def _name(item: str) -> tuple[str, str]:
    """The holiday's name (before the colon, without numbering) and the rest of the item."""
    item = _ITEM_START.sub("", item, count=1).strip()
    for colon in ("：", ":"):
        if colon in item:
            head, rest = item.split(colon, 1)
            return head.strip(), rest
    return "", item


class _Reader:
    """Dates of one item in order: a date without year or month takes the one before it."""

    def __init__(self, year: int, item: str) -> None:
        self.year, self.month, self.item = year, None, item

    def dates(self, sentence: str) -> list[tuple[date, re.Match]]:
        found = []
        for m in _DATE.finditer(sentence):
            if m["iso"]:
                y, mo, d = int(m["iy"]), int(m["im"]), int(m["id"])
            else:
                y = int(m["y"]) if m["y"] else self.year
                mo = int(m["m"]) if m["m"] else self.month
                d = int(m["d"])
                if mo is None:
                    raise NoticeError(
                        [_("“%(text)s”: a day without its month.") % {"text": m.group(0)}]
                    )
            try:
                day = date(y, mo, d)
            except ValueError:
                raise NoticeError([_("“%(text)s” is not a date.") % {"text": m.group(0)}]) from None
            self.year, self.month = y, mo
            found.append((day, m))
        return found


def _days_off(sentence: str, dates: list[tuple[date, re.Match]], name: str) -> list[date]:
    if len(dates) == 2 and _RANGE_WORDS.match(sentence[dates[0][1].end() : dates[1][1].start()]):
        first, last = dates[0][0], dates[1][0]
        if last < first:
            raise NoticeError(
                [_("%(holiday)s: the days off end before they start.") % {"holiday": name}]
            )
        days = [first + timedelta(n) for n in range((last - first).days + 1)]
    else:
        days = [d for d, _m in dates]
    count = _DAYS_COUNT.search(sentence)
    if count and int(count[1]) != len(days):
        raise NoticeError(
            [
                _("%(holiday)s: the notice says %(said)s days off, but its dates give %(count)s.")
                % {"holiday": name, "said": count[1], "count": len(days)}
            ]
        )
    return days


def parse_notice(text: str, year: int) -> Notice:
    """The holidays of ``year``'s notice in ``text``; ``NoticeError`` lists every problem."""
    holidays: list[Holiday] = []
    errors: list[str] = []
    text, signed_on = _signed_on(text.replace("\r\n", "\n").replace("\r", "\n"), year)
    for item in _items(text):
        name, rest = _name(item)
        holiday = Holiday(name or _("holiday"))
        reader = _Reader(year, item)
        try:
            for sentence in _SENTENCE.findall(rest):
                dates = reader.dates(sentence)
                if not dates:
                    continue
                if "上班" in sentence:
                    holiday.workdays += [d for d, _m in dates]
                elif "放假" in sentence or "休" in sentence:
                    holiday.days_off += _days_off(sentence, dates, holiday.name)
                else:
                    raise NoticeError(
                        [
                            _("“%(text)s”: neither days off (放假) nor a working day (上班).")
                            % {"text": sentence.strip()}
                        ]
                    )
        except NoticeError as exc:
            errors += exc.messages
            continue
        if holiday.days_off or holiday.workdays:
            holidays.append(holiday)
    notice = Notice(year, holidays, signed_on)
    errors += _check(notice, items_refused=bool(errors))
    if errors:
        raise NoticeError(errors)
    return notice


def _check(notice: Notice, items_refused: bool) -> list[str]:
    """What is wrong across the items read; "no days off" only when no item was refused."""
    errors = []
    if not notice.days_off and not items_refused:
        errors.append(
            _("No days off found: paste the notice's items, e.g. “一、元旦：1月1日放假，共1天。”")
        )
    seen: dict[date, str] = {}
    for h in notice.holidays:
        for d in h.days_off + h.workdays:
            if d in seen:
                errors.append(
                    _("%(day)s is named twice (%(first)s, %(second)s).")
                    % {"day": d.isoformat(), "first": seen[d], "second": h.name}
                )
            seen[d] = h.name
        for d in h.workdays:
            if d.weekday() < 5:
                errors.append(
                    _("%(holiday)s: the make-up working day %(day)s is a weekday, not a weekend.")
                    % {"holiday": h.name, "day": d.isoformat()}
                )
    years = {d.year for d in seen}
    if notice.year not in years and seen:
        errors.append(
            _("None of these days is in %(year)s: check the year.") % {"year": notice.year}
        )
    return errors
