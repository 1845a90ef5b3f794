"""A year's holiday notice, pasted in the admin: read, checked, shown, and entered whole.

The 2025 and 2026 notices are read as published and compared, day by day, with the calendar
library's data for those years (tests/test_workdays.py holds that data to the notices). The
2027 arrangement below is invented: the library does not know 2027, which is the point.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.holiday_notice import NoticeError, parse_notice
from cases.models import WorkdayOverride
from cases.procedures import calendar_to_enter, stage_flags, township_calendar
from cases.services import calendar_enter_notice

from .factories import acquisition_project

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
"""

NOTICE_2026 = """一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""

#: Invented for the tests; 2027-01-01 is a Friday, 2027-10-01 a Friday.
NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月6日（周六）至12日（周五）放假调休，共7天。2月20日（周六）上班。
三、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def _days(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize(("year", "text"), [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_a_published_notice_gives_the_library_s_calendar_day_by_day(year, text):
    adjustments = parse_notice(text, year).adjustments()
    read = {d: adjustments[d][0] if d in adjustments else d.weekday() < 5 for d in _days(year)}
    official = {d: chinese_calendar.is_workday(d) for d in _days(year)}
    assert [d for d in read if read[d] != official[d]] == []


#: The 2025 notice as published on gov.cn, pasted whole: title, preamble, items, the closing
#: paragraph, the signature, its date and the publication mark.
NOTICE_2025_WHOLE = NOTICE_2025 + "\n国务院办公厅\n2024年11月11日\n（此件公开发布）\n"


def test_a_notice_pasted_whole_sets_its_signed_date_aside():
    notice = parse_notice(NOTICE_2025_WHOLE, 2025)
    assert notice.signed_on == date(2024, 11, 11)
    assert notice.adjustments() == parse_notice(NOTICE_2025, 2025).adjustments()
    assert parse_notice(NOTICE_2025, 2025).signed_on is None


@pytest.mark.parametrize(
    "text",
    [
        # the notice's own year: a holiday whose 放假 is missing, not a signature
        "一、元旦：1月1日放假。\n二、国庆节：\n2027年10月1日",
        # not the last dated line: what follows it is still the notice
        "一、元旦：1月1日放假。\n2026年11月4日\n二、春节：2月6日至12日放假。",
    ],
)
def test_a_lone_date_that_is_not_under_the_signature_is_refused(text):
    with pytest.raises(NoticeError) as refused:
        parse_notice(text, 2027)
    assert any("neither days off" in m for m in refused.value.messages), refused.value.messages


def test_each_holiday_keeps_its_name_and_make_up_days():
    notice = parse_notice(NOTICE_2026, 2026)
    names = [h.name for h in notice.holidays]
    assert names == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    spring = notice.holidays[1]
    assert (spring.days_off[0], spring.days_off[-1], len(spring.days_off)) == (
        date(2026, 2, 15),
        date(2026, 2, 23),
        9,
    )
    assert spring.workdays == [date(2026, 2, 14), date(2026, 2, 28)]
    assert notice.adjustments()[date(2026, 2, 14)] == (True, "春节, make-up day")


def test_iso_dates_typed_one_holiday_a_line_read_the_same():
    typed = (
        "元旦：2027-01-01 至 2027-01-03 放假\n"
        "春节：2027-02-06 至 2027-02-12 放假。2027-02-20 上班\n"
    )
    notice = parse_notice(typed, 2027)
    assert notice.days_off == parse_notice(NOTICE_2027, 2027).days_off[:10]
    assert notice.workdays == [date(2027, 2, 20)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "一、春节：2月6日（周六）至12日（周五）放假调休，共8天。",
            "春节: the notice says 8 days off, but its dates give 7.",
        ),
        (
            "一、春节：2月6日至12日放假。2月22日（周一）上班。",
            "春节: the make-up working day 2027-02-22 is a weekday, not a weekend.",
        ),
        (
            "一、元旦：1月1日放假。\n二、春节：1月1日放假。",
            "2027-01-01 is named twice (元旦, 春节).",
        ),
        ("一、元旦：1月1日放假。\n国务院办公厅 2026年11月4日", "“国务院办公厅 2026年11月4日”"),
        ("一、元旦：3日放假。", "“3日”: a day without its month."),
        ("一、元旦：2月30日放假。", "“2月30日” is not a date."),
        ("一、春节：2月12日至6日放假。", "春节: the days off end before they start."),
        ("节假日期间，各地区要妥善安排好值班。", "No days off found"),
        ("一、元旦：2026年1月1日放假。", "None of these days is in 2027"),
    ],
)
def test_a_notice_that_does_not_add_up_is_refused_with_where(text, message):
    with pytest.raises(NoticeError) as refused:
        parse_notice(text, 2027)
    assert any(message in m for m in refused.value.messages), refused.value.messages


def test_every_problem_of_a_notice_is_listed_at_once():
    text = "一、元旦：3日放假。\n二、春节：2月6日至12日放假，共8天。"
    with pytest.raises(NoticeError) as refused:
        parse_notice(text, 2027)
    assert len(refused.value.messages) == 2


# --- entering a year ------------------------------------------------------------------------


def test_entering_a_year_makes_its_deadlines_computable(db, yannan):
    project = acquisition_project(start=date(2026, 11, 2), villages=[yannan])
    before = stage_flags(project, date(2026, 12, 7))
    assert before.unknown_years == [2027]
    assert calendar_enter_notice(notice=parse_notice(NOTICE_2027, 2027)) == 20
    assert township_calendar().knows_year(2027)
    after = stage_flags(project, date(2026, 12, 7))
    assert after.unknown_years == []
    planned_in_2027 = [r for r in after.rows if r.planned_start and r.planned_start.year == 2027]
    assert planned_in_2027 and all(r.stage.planned_start is None for r in planned_in_2027)
    # Planned only now, in the future: they are not said to be waiting for anything.
    assert [r.stage.order for r in planned_in_2027 if r.waiting_for] == []
    assert not township_calendar().is_workday(date(2027, 2, 8))  # a Monday of the holiday
    assert township_calendar().is_workday(date(2027, 2, 20))  # a make-up Saturday


def test_entering_a_year_again_replaces_what_was_entered_for_it(db):
    WorkdayOverride.objects.create(date=date(2027, 5, 3), is_workday=False, note="劳动节")
    WorkdayOverride.objects.create(date=date(2028, 1, 3), is_workday=False, note="元旦")
    calendar_enter_notice(notice=parse_notice(NOTICE_2027, 2027))
    assert not WorkdayOverride.objects.filter(date=date(2027, 5, 3)).exists()
    assert WorkdayOverride.objects.filter(date__year=2027).count() == 20
    assert WorkdayOverride.objects.filter(date=date(2028, 1, 3)).exists()  # another year


def test_a_year_the_library_knows_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValidationError, match="built in"):
        calendar_enter_notice(notice=parse_notice(NOTICE_2026, 2026))
    assert not WorkdayOverride.objects.exists()


def test_a_day_of_another_year_is_dropped_when_the_calendar_agrees_and_refused_when_not(db):
    agrees = "一、元旦：2026年12月26日（周六）至2027年1月1日（周五）放假，共7天。"
    with pytest.raises(ValidationError) as refused:
        calendar_enter_notice(notice=parse_notice(agrees, 2027))
    assert "2026-12-28 is in 2026" in " ".join(refused.value.messages)
    assert not WorkdayOverride.objects.exists()
    weekend = "一、元旦：1月1日（周五）放假，共1天。2026年12月26日（周六）至27日（周日）放假。"
    assert calendar_enter_notice(notice=parse_notice(weekend, 2027)) == 1
    assert list(WorkdayOverride.objects.values_list("date", flat=True)) == [date(2027, 1, 1)]


# --- the admin page -------------------------------------------------------------------------


@pytest.fixture
def client(english_client):
    """The admin page's messages are read in English."""
    return english_client


def _notice_url():
    return reverse("admin:cases_workdayoverride_notice")


def test_the_admin_reads_the_notice_shows_it_and_saves_only_on_confirm(client, township_admin):
    client.force_login(township_admin)
    changelist = client.get(reverse("admin:cases_workdayoverride_changelist")).content.decode()
    assert _notice_url() in changelist
    assert client.get(_notice_url()).status_code == 200
    checked = client.post(_notice_url(), {"year": 2027, "text": NOTICE_2027, "check": "1"})
    page = checked.content.decode()
    assert "2027-02-06" in page and "2027-02-20" in page and 'name="confirm"' in page
    assert not WorkdayOverride.objects.exists()
    saved = client.post(_notice_url(), {"year": 2027, "text": NOTICE_2027, "confirm": "1"})
    assert saved.status_code == 302 and saved["Location"].endswith("?date__year=2027")
    assert WorkdayOverride.objects.filter(date__year=2027).count() == 20


def test_the_admin_shows_the_date_it_set_aside(client, township_admin):
    client.force_login(township_admin)
    text = NOTICE_2027 + "国务院办公厅\n2026年11月4日\n"
    page = client.post(_notice_url(), {"year": 2027, "text": text, "check": "1"}).content.decode()
    assert "The notice is dated 2026-11-04" in page and 'name="confirm"' in page


def test_the_admin_shows_every_problem_keeps_the_text_and_writes_nothing(client, township_admin):
    client.force_login(township_admin)
    bad = "一、春节：2月6日（周六）至12日（周五）放假调休，共8天。"
    response = client.post(_notice_url(), {"year": 2027, "text": bad, "confirm": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "the notice says 8 days off, but its dates give 7" in page
    assert "至12日（周五）放假调休" in page  # what was pasted is still there
    assert 'name="confirm"' not in page
    assert not WorkdayOverride.objects.exists()


def test_the_admin_says_what_a_second_entry_replaces(client, township_admin):
    WorkdayOverride.objects.create(date=date(2027, 5, 3), is_workday=False, note="劳动节")
    client.force_login(township_admin)
    page = client.post(_notice_url(), {"year": 2027, "text": NOTICE_2027, "check": "1"})
    assert "They replace the 1 adjustment already entered for 2027." in page.content.decode()


def test_only_who_may_add_and_delete_adjustments_enters_a_notice(client, staff):
    client.force_login(staff)
    assert client.get(_notice_url()).status_code == 403
    response = client.post(_notice_url(), {"year": 2027, "text": NOTICE_2027, "confirm": "1"})
    assert response.status_code == 403
    assert not WorkdayOverride.objects.exists()


# --- the reminder on the home page ----------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 10, 31), None),  # 2026 is known; 2027 not needed yet
        (date(2026, 11, 1), 2027),  # from November, next year's notice is out
        (date(2027, 3, 1), 2027),  # nobody entered it: this year is needed all the more
        (date(2025, 12, 1), None),  # the library knows 2026
    ],
)
def test_the_year_to_enter_is_this_one_else_next_one_from_november(db, today, year):
    assert calendar_to_enter(today) == year


def test_a_year_entered_is_no_longer_to_enter(db):
    calendar_enter_notice(notice=parse_notice(NOTICE_2027, 2027))
    assert calendar_to_enter(date(2026, 12, 7)) is None


def test_the_home_page_reminds_who_may_enter_the_year(client, township_admin, staff, monkeypatch):
    monkeypatch.setattr("cases.views.core.timezone.localdate", lambda: date(2026, 12, 7))
    client.force_login(township_admin)
    page = client.get(reverse("home")).content.decode()
    assert "The official holiday calendar for 2027 is not entered" in page
    assert _notice_url() in page
    client.force_login(staff)  # may not enter it: not told
    assert (
        "The official holiday calendar for 2027" not in client.get(reverse("home")).content.decode()
    )
    calendar_enter_notice(notice=parse_notice(NOTICE_2027, 2027))
    client.force_login(township_admin)
    assert (
        "The official holiday calendar for 2027" not in client.get(reverse("home")).content.decode()
    )
