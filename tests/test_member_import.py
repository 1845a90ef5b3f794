"""The member-roster import (cases/member_import.py) through the service, ``manage.py
import_members`` and the admin's import page: what is written, what is refused (and that a
refused or interrupted import writes nothing), the query budget, and the sample file."""

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse
from django.utils import translation

from cases import copy_writes, member_import
from cases.importing import RosterError
from cases.member_import import members_import
from cases.models import Household, ImportJob, Member

from .factories import HouseholdFactory, MemberFactory, UserFactory, make_id_number
from .support import (
    MEMBER_HEADER as HEADER,
    ON_POSTGRESQL,
    csv_file,
    member_row,
    postgres_only,
    xlsx_file,
    xlsx_workbook,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample-members.csv"
ENGLISH_HEADER = ["village", "cooperative", "household_no", "head_name", "name", "sex"]
ENGLISH_HEADER += ["relation", "id_number", "birth_date", "phone", "collective_member"]
ENGLISH_HEADER += ["shareholder", "shares", "villager_representative", "member_representative"]
ID_CHEN = make_id_number(1, date(1960, 3, 4))
ID_LI = make_id_number(2, date(1962, 7, 8))
ID_SON = make_id_number(3, date(1990, 1, 2))
ID_WANG = make_id_number(4, date(1970, 5, 6))


def person(name="陈一", number="001", **cells):
    return member_row(name, number, **{"head": "陈一", "relation": "", **cells})


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    return csv_file([header, *rows], encoding)


def xlsx_bytes(rows, header=HEADER):
    return xlsx_file([header, *rows])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(english_client):
    return english_client


@pytest.fixture
def households(yannan_coop, zhennan_coop):
    """Household 001 of 烟南村 东头经济社 with its head 陈一 (ID number, 1 share) and 李二
    (no ID number); 002 with 王五; 001 of 镇南村 上沙经济社, empty."""
    first = HouseholdFactory(
        cooperative=yannan_coop, number="001", head_name="陈一", member_count=4
    )
    MemberFactory(
        household=first,
        name="陈一",
        relation=Member.Relation.HEAD,
        id_number=ID_CHEN,
        birth_date=date(1960, 3, 4),
        phone="13812345678",
        shares=Decimal("1"),
    )
    MemberFactory(
        household=first,
        name="李二",
        relation=Member.Relation.SPOUSE,
        birth_date=None,
        is_shareholder=False,
        shares=0,
    )
    second = HouseholdFactory(cooperative=yannan_coop, number="002", head_name="王五")
    MemberFactory(
        household=second,
        name="王五",
        relation=Member.Relation.HEAD,
        id_number=ID_WANG,
        birth_date=date(1970, 5, 6),
    )
    HouseholdFactory(cooperative=zhennan_coop, number="001", head_name="赵六")
    return first, second


def snapshot():
    """Every member as recorded, and the number of history rows."""
    members = sorted(Member.objects.values_list(*[f.attname for f in Member._meta.fields]))
    return members, Member.history.count()


def run_command(tmp_path, data, filename="members.csv", *args):
    return run_command_named("import_members", tmp_path, data, filename, *args)


def run_command_named(command, tmp_path, data, filename="roster.xlsx", *args):
    path = tmp_path / filename
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- Every rule: the message, and nothing written --------------------------------------------

ROW_ERRORS = {
    "missing name": ([person("")], "The 姓名 cell is blank; it is required."),
    "bad check digit": (
        [person(id=ID_SON[:-1] + ("1" if ID_SON[-1] != "1" else "2"))],
        "The ID number's check digit is wrong (GB 11643)",
    ),
    "Excel's scientific notation": ([person(id="4.40605E+17")], "scientific notation by Excel"),
    "birth date not a date": ([person(birth="1990-02-30")], '"1990-02-30" is not a date'),
    "birth date not the ID number's": (
        [person("陈小", id=ID_SON, birth="1990-01-03")],
        "The birth date 1990-01-03 is not the one in the ID number (its digits 7–14)",
    ),
    "unknown relation": (
        [person("陈小", relation="邻居")],
        'Unknown relation to the head "邻居"; write one of: 户主/本人/户主本人; 配偶/妻/夫/妻子…',
    ),
    "neither yes nor no": ([person(collective="大概")], '"大概" is neither yes nor no'),
    "negative shares": ([person(shares="-2")], '股份 cannot be negative ("-2").'),
    "shares to the thousandth": ([person(shares="1.125")], "more than two decimal places"),
    "shares not a number": ([person(shares="两股")], "is not a number of shares"),
    "shares without being a shareholder": (
        [person(shareholder="否", shares="2")],
        "2.00 shares, but 是否股东 says the person is not a shareholder",
    ),
    "two heads in the file": (
        [person(relation="户主"), person("李二", relation="户主")],
        "Household 001 already has its head on line 3; a household has one head.",
    ),
    "the same person twice in the file": (
        [person("陈小", id=ID_LI), person("陈小小", id=ID_LI)],
        "The same ID number is already on line 3: a person is listed once.",
    ),
    "the same name twice without ID numbers": (
        [person("陈小"), person("陈小")],
        "陈小 of household 001 is also on line 3, and without ID numbers the two cannot be "
        "told apart",
    ),
    "household not found": (
        [person(number="009")],
        "Household 009 of 烟南村 东头经济社 not found: import the household roster first.",
    ),
    "a head who is not the household's": (
        [person("陈小", head="王五")],
        "Household 001 of 烟南村 东头经济社 has the head 陈一, but this row names 王五: check "
        "the household number, or, if the head has changed, import the household roster first.",
    ),
    "the ID number of a member of another household": (
        [person("王五", id=ID_WANG)],
        "This ID number is recorded for 王五 of household 002 (烟南村 东头经济社): a person "
        "belongs to one household.",
    ),
    "a second head, against the database": (
        [person("陈小", relation="长子")] + [person("李二", relation="户主")],
        "Household 001 already has a head, 陈一: a household has one head. Change 陈一's "
        "relation to the head in this file or in the admin.",
    ),
    "no longer a shareholder but holding recorded shares": (
        [person(id=ID_CHEN, shareholder="否")],
        "陈一 holds 1.00 shares in the records: to make them not a shareholder, write 0 under "
        "股份 as well.",
    ),
    "a birth date that is not the recorded ID number's": (
        [person(birth="1961-01-01")],
        "The birth date 1961-01-01 is not the one in 陈一's recorded ID number",
    ),
    "two rows for one recorded member": (
        [person("李二", id=ID_LI), person("李二", id=make_id_number(5))],
        "This row and line 3 are the same member, 李二.",
    ),
    "a name with a character lost to GBK": (
        [person("陈?")],
        'has a "?" where a character was lost',
    ),
    "phone number": ([person(phone="打我电话")], "A phone number is an 11-digit mobile number"),
    "blank household number without fill-down": (
        [person(number="")],
        '"Fill down merged cells" (--fill-down for the command)',
    ),
    "unknown village": ([person(place=("河清社区", "桂花经济社"))], 'Unknown village "河清社区"'),
    "name too long for the column": ([person("陈" * 51)], "at most 50 fit"),
    "shares too many for the column": ([person(shares="1000000")], "at most 999999.99 fit"),
    "unquoted comma shifts the cells": (
        [person(member_rep="否") + ["多出"]],
        "has 16 cells but the header only 15",
    ),
}


@pytest.mark.parametrize("rows, message", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_a_bad_row_is_reported_and_nothing_is_written(households, rows, message):
    before = snapshot()
    good = person("陈新", relation="子", id=ID_SON)  # a good row: one bad row is enough

    report = members_import(data=csv_bytes([good, *rows]), filename="members.csv")

    assert not report.ok
    assert any(message in e.message for e in report.errors), report.errors
    assert all(e.line >= 3 and e.column for e in report.errors)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert snapshot() == before


@pytest.mark.parametrize("head", ["陈一", " 陈　一 ", "陈 一", "\u9648\u4e00\u200b"])
def test_the_head_is_compared_as_names_are_normalised(households, head):
    households[0].head_name = "陈 一"  # recorded padded, as typed in the admin
    households[0].save()

    report = members_import(data=csv_bytes([person("陈小", head=head)]), filename="m.csv")

    assert report.ok, report.errors
    assert report.created == 1


def test_a_wrong_head_is_reported_on_every_line_that_names_it_and_nothing_is_written(
    households, tmp_path
):
    wrong = {"head": "王五"}
    rows = [person("陈小", **wrong), person("陈二", **wrong), person("王六", "002", **wrong)]
    before = snapshot()

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    assert [(e.line, e.column) for e in report.errors] == [(2, "户主"), (3, "户主")]
    assert "has the head 陈一, but this row names 王五" in report.errors[0].message
    assert snapshot() == before
    with pytest.raises(CommandError, match="2 of 3 rows have errors"):
        run_command(tmp_path, csv_bytes(rows))
    assert snapshot() == before


def test_a_second_namesake_in_the_database_needs_the_id_number(households):
    MemberFactory(household=households[0], name="李二", relation=Member.Relation.CHILD)
    before = snapshot()

    report = members_import(data=csv_bytes([person("李二", phone="13900000000")]), filename="m")

    assert [e.message for e in report.errors] == [
        "Household 001 has 2 members named 李二; add the ID number to say which one this is."
    ]
    assert snapshot() == before


def test_an_id_number_in_a_household_the_importer_cannot_see_is_not_named(
    households, cadre_yannan, zhennan_coop
):
    hidden = Household.objects.get(cooperative=zhennan_coop)
    MemberFactory(household=hidden, name="赵六", id_number=ID_SON)
    before = snapshot()

    report = members_import(
        data=csv_bytes([person("陈小", id=ID_SON)]), filename="m.csv", user=cadre_yannan
    )

    [error] = report.errors
    assert error.message == (
        "This ID number is recorded for a member of a household outside your villages: a "
        "person belongs to one household."
    )
    assert snapshot() == before


def test_the_command_lists_every_bad_row_and_exits_with_status_1(households, tmp_path, monkeypatch):
    path = tmp_path / "members.csv"
    path.write_bytes(csv_bytes([person(id=ID_CHEN), person(""), person("陈小", shares="x")]))
    before = snapshot()
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_members", str(path), stderr=err)

    assert err.getvalue().splitlines() == [
        "line 3, 姓名: The 姓名 cell is blank; it is required.",
        'line 4, 股份: "x" is not a number of shares; write a number such as 1 or 1.5.',
    ]
    assert str(caught.value) == "members.csv: 2 of 3 rows have errors; nothing was written."
    assert snapshot() == before
    # As from a shell; run_from_argv closes the connections at the end, the test's too.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", "import_members", str(path)])
    assert exit_status.value.code == 1
    assert snapshot() == before


def test_a_file_that_is_not_a_member_roster_is_one_sentence(households, tmp_path):
    header = ["村", "经济社", "户号", "与户主关系"]
    data = csv_bytes([["烟南村", "东头经济社", "001", "户主"]], header)

    with pytest.raises(CommandError, match=r"lacks the required columns: 姓名/name\.$"):
        run_command(tmp_path, data)
    with pytest.raises(RosterError, match="not a member roster"):
        members_import(data=b"foo,bar\r\n1,2\r\n", filename="m.csv")


# --- The wrong roster: one sentence naming the import that reads it ----------------------------

HOUSEHOLD_HEADER = ["村", "经济社", "户号", "户主", "身份证号", "人口", "承包面积(亩)"]
HOUSEHOLD_ROWS = [["烟南村", "东头经济社", "003", "周七", "", "2", "1.5"]]
MEMBER_ROWS = [
    person("周七", "003", head="周七", relation="户主"),
    person("吴八", "003", head="周七"),
]
INSTRUCTIONS = [["填表说明"], ["一人一行；户号在经济社内唯一。"]]
MEMBERS_GIVEN_TO_HOUSEHOLDS = (
    "This file is a member roster (one person a row), not a household roster: import it with "
    'the command import_members, or in the admin on the "Import roster" page as a member roster.'
)
HOUSEHOLDS_GIVEN_TO_MEMBERS = (
    "This file is a household roster (one household a row), not a member roster: import it with "
    'the command import_households, or in the admin on the "Import roster" page as a household '
    "roster."
)


def wrong_roster(kind: str, file_format: str) -> bytes:
    """A file of the roster that is not ``kind``: a CSV, a workbook of that roster alone, or
    a workbook whose only roster (after an instructions worksheet) is that one."""
    header, rows = (
        (HEADER, MEMBER_ROWS) if kind == "households" else (HOUSEHOLD_HEADER, HOUSEHOLD_ROWS)
    )
    if file_format == "csv":
        return csv_file([header, *rows])
    if file_format == "xlsx":
        return xlsx_file([header, *rows])
    return xlsx_workbook(("说明", INSTRUCTIONS), ("名册", [header, *rows]))


WORKBOOK_SENTENCES = {
    "households": 'None of the worksheets ("说明", "名册") is a household roster: "名册" holds a '
    "member roster (one person a row); import it with the command import_members, or in the "
    'admin on the "Import roster" page as a member roster.',
    "members": 'None of the worksheets ("说明", "名册") is a member roster: "名册" holds a '
    "household roster (one household a row); import it with the command import_households, or "
    'in the admin on the "Import roster" page as a household roster.',
}


def wrong_roster_sentence(kind: str, file_format: str) -> str:
    if file_format == "workbook":
        return WORKBOOK_SENTENCES[kind]
    return MEMBERS_GIVEN_TO_HOUSEHOLDS if kind == "households" else HOUSEHOLDS_GIVEN_TO_MEMBERS


WRONG_ROSTERS = [
    (kind, file_format)
    for kind in ("households", "members")
    for file_format in ("csv", "xlsx", "workbook")
]


def everything():
    return snapshot(), sorted(Household.objects.values_list("number", "head_name"))


@pytest.mark.parametrize("kind, file_format", WRONG_ROSTERS)
def test_the_wrong_roster_is_refused_by_the_command_in_one_sentence(
    households, tmp_path, kind, file_format, monkeypatch
):
    """Before, a member roster given to the household import was refused row by row (each
    household's household number again), and a household roster given to the member import
    for a missing 姓名 column: neither said which file it was, nor which import reads it."""
    filename = "roster.csv" if file_format == "csv" else "roster.xlsx"
    path = tmp_path / filename
    path.write_bytes(wrong_roster(kind, file_format))
    command = f"import_{kind}"
    before = everything()
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command(command, str(path), stderr=err)

    assert str(caught.value) == f"{filename}: {wrong_roster_sentence(kind, file_format)}"
    assert err.getvalue() == ""  # no line of errors
    assert everything() == before
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", command, str(path)])
    assert exit_status.value.code == 1
    assert everything() == before


@pytest.mark.parametrize("kind, file_format", WRONG_ROSTERS)
def test_the_wrong_roster_is_refused_by_the_admin_in_one_sentence(
    households, superuser, client, private_media, kind, file_format
):
    client = logged_in(client, superuser)
    name = "roster.csv" if file_format == "csv" else "roster.xlsx"
    before = everything()

    response = upload(client, wrong_roster(kind, file_format), name, kind=kind)

    job = ImportJob.objects.get()
    page = client.get(response.url).content.decode()
    sentence = wrong_roster_sentence(kind, file_format).replace('"', "&quot;")
    assert f'<p class="errornote">{sentence}</p>' in page
    assert job.status == ImportJob.Status.FAILED and job.error_count == 0
    assert 'value="Import"' not in page
    assert everything() == before
    assert not list((private_media / "imports").iterdir())


def test_the_wrong_roster_sentence_is_translated(households, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(wrong_roster("households", "csv"))

    with translation.override("zh-hans"), pytest.raises(CommandError) as caught:
        call_command("import_households", str(path))

    assert str(caught.value) == (
        "roster.csv: 此文件是成员名册（每人一行），不是户花名册：请用命令 import_members 导入，"
        "或在管理后台的“导入花名册”页面按成员名册导入。"
    )


#: The write paths this database has: simple-history's bulk helpers everywhere, COPY and
#: set-based SQL on PostgreSQL (where it is the default), as for households.
WRITE_PATHS = ["bulk", "copy"] if ON_POSTGRESQL else ["bulk"]


@pytest.fixture(params=WRITE_PATHS)
def write_path(request, monkeypatch):
    """Run the test once per write path; returns the module and the name of the function
    that writes a batch on it."""
    monkeypatch.setattr(copy_writes, "USE_COPY", request.param == "copy")
    return (
        (copy_writes, "copy_write") if request.param == "copy" else (member_import, "bulk_history")
    )


# --- What goes in ----------------------------------------------------------------------------


@pytest.mark.usefixtures("write_path")
def test_created_updated_unchanged_with_history_and_a_second_run_changes_nothing(households, staff):
    rows = [
        person(id=ID_CHEN, relation="户主", phone="13812345678"),  # as recorded
        person("李二", relation="妻", id=ID_LI, collective="是"),  # ID filled in, by name
        person("陈小", relation="长子", id=ID_SON, shares="1.5", member_rep="√"),  # new
    ]
    data = csv_bytes(rows)

    first = members_import(data=data, filename="成员.csv", user=staff)
    history = Member.history.filter(history_user=staff)
    history_after_first = Member.history.count()
    second = members_import(data=data, filename="成员.csv", user=staff)

    assert (first.created, first.updated, first.unchanged) == (1, 1, 1)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Member.history.count() == history_after_first
    assert sorted(history.values_list("name", "history_type")) == [("李二", "~"), ("陈小", "+")]
    assert {h.history_change_reason for h in history} == {"Roster import: 成员.csv"}
    li = Member.objects.get(name="李二")
    assert (li.id_number, li.birth_date, li.relation) == (ID_LI, date(1962, 7, 8), "spouse")
    son = Member.objects.get(name="陈小")
    assert (son.household, son.relation) == (households[0], "child")
    assert son.birth_date == date(1990, 1, 2)
    assert (son.is_shareholder, son.shares, son.is_member_representative) == (
        True,
        Decimal("1.50"),
        True,
    )
    assert son.is_collective_member and not son.is_villager_representative  # the defaults


def test_a_row_without_an_id_number_is_matched_by_name_and_a_row_with_one_by_it(households):
    rows = [
        person("陈一新名", id=ID_CHEN),  # the ID number is the key: the name is corrected
        person("李二", phone="13900001111"),
    ]

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    assert (report.created, report.updated) == (0, 2)
    assert Member.objects.get(id_number=ID_CHEN).name == "陈一新名"
    assert Member.objects.get(name="李二").phone == "13900001111"


def test_a_blank_cell_or_a_missing_column_never_erases_a_recorded_value(households):
    header = ["村", "经济社", "户号", "姓名", "身份证号", "联系电话", "股份"]
    row = ["烟南村", "东头经济社", "001", "陈一", ID_CHEN, "", ""]
    before = Member.objects.get(id_number=ID_CHEN)

    report = members_import(data=csv_bytes([row], header), filename="m.csv")

    after = Member.objects.get(id_number=ID_CHEN)
    assert report.unchanged == 1
    assert (after.phone, after.shares, after.relation) == (before.phone, Decimal("1.00"), "head")


def test_shares_make_a_shareholder_and_no_with_zero_shares_unmakes_one(households):
    rows = [person("李二", shares="2"), person(id=ID_CHEN, shareholder="否", shares="0")]

    members_import(data=csv_bytes(rows), filename="m.csv")

    li, chen = Member.objects.get(name="李二"), Member.objects.get(id_number=ID_CHEN)
    assert (li.is_shareholder, li.shares) == (True, Decimal("2.00"))
    assert (chen.is_shareholder, chen.shares) == (False, Decimal("0.00"))


def test_the_head_may_be_handed_over_in_one_file(households):
    rows = [person(id=ID_CHEN, relation="父亲"), person("陈小", relation="户主", id=ID_SON)]

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    assert report.ok, report.errors
    heads = Member.objects.filter(household=households[0], relation="head")
    assert list(heads.values_list("name", flat=True)) == ["陈小"]


def test_members_not_in_the_file_are_kept_and_their_households_counted(households, tmp_path):
    rows = [person(id=ID_CHEN), person("王五", "002", head="王五", id=ID_WANG)]

    out, _err = run_command(tmp_path, csv_bytes(rows))

    assert Member.objects.filter(name="李二").exists()
    assert "1 household has members who are not in the file; they are kept as they are" in out
    assert "Imported members.csv: 0 created, 0 updated, 2 unchanged." in out


def test_the_recorded_members_are_held_one_chunk_of_households_at_a_time(households, monkeypatch):
    """A district's roster is checked a chunk of households at a time, its recorded members
    let go after each (a re-import of 300,000 members held them all: 898 MB), with the same
    result as all at once: counts, households keeping unlisted members, errors in line order
    and nothing planned once a later chunk has an error."""
    held = []
    recorded_members = member_import._Plan._recorded_members

    def spy(plan, household_ids):
        held.append(len(household_ids))
        return recorded_members(plan, household_ids)

    monkeypatch.setattr(member_import._Plan, "_recorded_members", spy)
    monkeypatch.setattr(member_import, "HOUSEHOLDS_CHECKED_AT_ONCE", 1)
    rows = [
        person(id=ID_CHEN, relation="户主"),
        person("陈小", relation="长子", id=ID_SON),
        person("王五", "002", head="王五", id=ID_WANG, phone="13900002222"),
    ]

    dry = members_import(data=csv_bytes(rows), filename="m.csv", dry_run=True)

    assert held == [1, 1]  # households 001 and 002, one at a time
    assert (dry.created, dry.updated, dry.unchanged) == (1, 1, 1)
    assert dry.households_with_unlisted_members == 1  # 李二 of 001
    bad = [
        person("李二", relation="户主"),  # line 2: a second head of 001
        person("王五", "002", head="王五", id=ID_CHEN),  # line 3: 陈一's ID number
    ]
    before = snapshot()
    refused = members_import(data=csv_bytes(bad), filename="m.csv")
    assert [e.line for e in refused.errors] == [2, 3]
    assert (refused.created, refused.updated) == (0, 0)
    assert snapshot() == before


def rows_held(monkeypatch) -> list[int]:
    """The rows held each time a chunk of households is checked, as the import goes."""
    held = []
    check_households = member_import._Plan._check_households

    def spy(plan, household_ids, rows_of, *args):
        held.append(sum(map(len, rows_of.values())))
        return check_households(plan, household_ids, rows_of, *args)

    monkeypatch.setattr(member_import._Plan, "_check_households", spy)
    return held


def test_the_rows_are_held_one_chunk_of_households_at_a_time(households, monkeypatch):
    """The file's rows are spooled as they are read, and come back to be checked a chunk of
    households at a time, each household once all its rows have come back, wherever they are
    in the file: a roster of 300,000 people held every parsed row at once (488 MB). The
    result is the same as all at once: counts, errors in line order, and nothing written
    while any row has an error."""
    held = rows_held(monkeypatch)
    monkeypatch.setattr(member_import, "HOUSEHOLDS_CHECKED_AT_ONCE", 1)
    monkeypatch.setattr(member_import, "SPOOL_BLOCK", 2, raising=False)
    monkeypatch.setattr(member_import, "PARTITION_ROWS", 2)
    rows = [
        person(id=ID_CHEN, relation="户主"),  # 001
        person("陈小", relation="长子", id=ID_SON),  # 001: complete
        person("王五", "002", head="王五", id=ID_WANG),  # 002
        person("赵六", place=("镇南村", "上沙经济社"), head="赵六"),  # 镇南村 001: complete
        person("王小", "002", head="王五"),  # 002 again, after another household: complete
    ]

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    # 002 comes back after another household: the rows are sorted out into partitions of
    # whole households, two rows at most (001; 002; 镇南村 001), checked one by one.
    assert held == [2, 2, 1]
    assert (report.created, report.updated, report.unchanged) == (3, 0, 2)
    assert [row.name for row in report.preview] == ["陈一", "陈小", "王五", "赵六", "王小"]
    assert Member.objects.filter(name__in=["陈小", "赵六", "王小"]).count() == 3
    bad = [
        person("陈大", shares="1000000"),  # line 2: too many shares for the column
        person("王六", "002", head="王五", relation="户主"),  # line 3: a second head of 002
        person("陈二", number="009"),  # line 4: no such household
        person("陈三"),  # line 5: fine
    ]
    before = snapshot()
    held.clear()
    refused = members_import(data=csv_bytes(bad), filename="m.csv")
    assert [e.line for e in refused.errors] == [2, 3, 4]
    assert (refused.created, refused.updated) == (0, 0)
    assert held == [1, 1]  # 001 (陈三 alone: 陈大's row was refused), then 002
    assert snapshot() == before


def relation_sorted_roster(cooperative, households: int = 60) -> tuple[list[str], list]:
    """Households 000… of ``cooperative``, and a roster of three members each listing every
    head, then every spouse, then every child: no household complete before its last third."""
    heads = [f"户主{n:02d}" for n in range(households)]
    for n, head in enumerate(heads):
        HouseholdFactory(cooperative=cooperative, number=f"{n:03d}", head_name=head)
    relations = [("户主", "{head}"), ("配偶", "{head}妻"), ("长子", "{head}子")]
    rows = [
        member_row(name.format(head=head), f"{n:03d}", head=head, relation=relation)
        for relation, name in relations
        for n, head in enumerate(heads)
    ]
    return heads, rows


def test_a_roster_sorted_by_relation_is_held_a_partition_at_a_time(yannan_coop, monkeypatch):
    """A roster listing every head, then every spouse, then every child (sorted by a column,
    not household after household) left each household incomplete until the last third of
    the file, and so held every row at once. Its rows are sorted out into partitions of whole
    households, and the second pass holds one at a time; the result is the same."""
    heads, rows = relation_sorted_roster(yannan_coop)
    held = rows_held(monkeypatch)
    monkeypatch.setattr(member_import, "PARTITION_ROWS", 30)
    monkeypatch.setattr(member_import, "SPOOL_BLOCK", 7)

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    assert held == [30] * 6  # 180 rows, ten households of three at a time
    assert (report.created, report.updated, len(report.errors)) == (180, 0, 0)
    assert [row.line for row in report.preview] == list(range(2, 2 + len(report.preview)))
    for n, head in enumerate(heads):
        members = Member.objects.filter(household__number=f"{n:03d}")
        assert sorted(members.values_list("name", "relation")) == sorted(
            [(head, "head"), (f"{head}妻", "spouse"), (f"{head}子", "child")]
        )
    rows[-1] = member_row("户主59子", "059", head="户主58", relation="长子")
    refused = members_import(data=csv_bytes(rows), filename="m.csv")
    assert [(e.line, e.column) for e in refused.errors] == [(len(rows) + 1, "户主")]


def test_sorting_a_roster_out_holds_no_more_than_a_partition_in_memory(yannan_coop, monkeypatch):
    """The partitions fill side by side: each writing out only a full block of its own, many
    of them held a block each, a tenth of a large roster. Together they hold no more than
    one partition's rows."""
    _heads, rows = relation_sorted_roster(yannan_coop)
    peak = []  # rows the partitions held in memory together, after each row sorted out

    class Partition(member_import._Spool):
        made: list = []

        def __init__(self, *args):
            super().__init__(*args)
            Partition.made.append(self)

        def add(self, value):
            super().add(value)
            peak.append(sum(len(partition.buffer) for partition in Partition.made))

    monkeypatch.setattr(member_import, "_Spool", Partition)  # the partitions' class alone
    monkeypatch.setattr(member_import, "PARTITION_ROWS", 30)
    monkeypatch.setattr(member_import, "SPOOL_BLOCK", 1000)

    report = members_import(data=csv_bytes(rows), filename="m.csv")

    assert report.created == 180 and len(Partition.made) == 6
    assert len(peak) == 180 and max(peak) <= 30


def test_the_households_counts_are_not_touched(households):
    household = households[0]

    members_import(data=csv_bytes([person("陈小", id=ID_SON, shares="1")]), filename="m.csv")

    household.refresh_from_db()
    assert (household.member_count, household.shareholder_count) == (4, None)


def test_a_gbk_csv_round_trips(households):
    rows = [person("陈䶮", id=ID_SON, relation="孙子")]  # 䶮: GB18030, not GBK
    rows.append(person("关淑仪", relation="儿媳", birth="1991年2月3日"))

    report = members_import(data=csv_bytes(rows, encoding="gb18030"), filename="m.csv")

    assert report.ok and report.created == 2 and report.encoding == "gb18030"
    gbk = members_import(data=csv_bytes(rows[1:], encoding="gbk"), filename="m.csv")
    assert gbk.unchanged == 1
    assert Member.objects.get(id_number=ID_SON).relation == "grandchild"
    assert Member.objects.get(name="关淑仪").birth_date == date(1991, 2, 3)


def test_an_xlsx_with_english_headers_merged_cells_and_date_cells_round_trips(households, tmp_path):
    rows = [
        person("陈小", id=ID_SON, relation="son", shareholder=True, shares=2),
        ["", "", "", "", "陈小妹", "", "daughter", "", date(2001, 9, 9), "", "", "", 0, "", ""],
    ]

    out, _err = run_command(tmp_path, xlsx_bytes(rows, ENGLISH_HEADER), "m.xlsx", "--fill-down")

    assert "Imported m.xlsx: 2 created, 0 updated, 0 unchanged." in out
    sister = Member.objects.get(name="陈小妹")
    assert (sister.household, sister.birth_date, sister.relation) == (
        households[0],
        date(2001, 9, 9),
        "child",
    )
    assert Member.objects.get(name="陈小").shares == Decimal("2.00")


def test_a_dry_run_counts_and_writes_nothing(households, tmp_path):
    before = snapshot()

    out, _err = run_command(tmp_path, csv_bytes([person("陈小")]), "m.csv", "--dry-run")

    assert "Dry run of m.csv, nothing written: 1 would be created, 0 updated" in out
    assert snapshot() == before


# --- All or nothing, and in bulk ---------------------------------------------------------------


def test_an_import_interrupted_half_way_leaves_the_database_as_before(
    households, write_path, monkeypatch
):
    before = snapshot()
    module, name = write_path
    real = getattr(module, name)
    calls = []

    def fail_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, fail_on_the_second_batch)
    rows = [person(f"陈{n}号", relation="孙子") for n in range(30)]

    with pytest.raises(RuntimeError, match="the disk is full"):
        members_import(data=csv_bytes(rows), filename="m.csv", batch_size=10)

    assert len(calls) == 2
    assert snapshot() == before


@pytest.mark.usefixtures("write_path")
def test_progress_is_reported_after_each_batch(households):
    seen = []
    rows = [person(f"陈{n}号") for n in range(25)] + [person("李二", phone="13900001111")]

    members_import(
        data=csv_bytes(rows), filename="m.csv", batch_size=10, progress=lambda *a: seen.append(a)
    )

    assert seen == [(0, 26), (10, 26), (20, 26), (26, 26)]


def nth_id_number(k: int) -> str:
    return make_id_number(k % 1000, date(1950 + k // 1000, 1, 1))


def two_thousand_members(cooperative) -> list[list]:
    """500 households of four people: rows for 2,000 members, half of them already recorded
    (each with an ID number), so that the import creates 1,000 and updates 1,000."""
    Household.objects.bulk_create(
        Household(cooperative=cooperative, number=f"{n:04d}", head_name=f"户主{n}")
        for n in range(500)
    )
    households = Household.objects.filter(cooperative=cooperative).order_by("number")
    Member.objects.bulk_create(
        Member(
            household=household,
            name=f"户主{n}" if j == 0 else f"成员{n}之{j}",
            id_number=nth_id_number(n * 4 + j),
            relation="head" if j == 0 else "child",
        )
        for n, household in enumerate(households)
        for j in range(2)
    )
    return [
        person(
            f"户主{n}" if j == 0 else f"成员{n}之{j}",
            number=f"{n:04d}",
            head=f"户主{n}",
            id=nth_id_number(n * 4 + j),
            relation="户主" if j == 0 else "子",
            phone=f"139{n * 4 + j:08d}",
            shares="1",
        )
        for n in range(500)
        for j in range(4)
    ]


def test_two_thousand_members_import_in_a_bounded_number_of_queries(
    yannan_coop, django_assert_max_num_queries
):
    """SQLite splits each bulk INSERT and UPDATE into statements of at most 999 variables, so
    the budget is the SQLite one; PostgreSQL needs 15 (tested below)."""
    data = csv_bytes(two_thousand_members(yannan_coop))

    with django_assert_max_num_queries(120):
        report = members_import(data=data, filename="m.csv")
    assert (report.created, report.updated, report.unchanged) == (1000, 1000, 0)
    assert Member.objects.count() == 2000 and Member.history.count() == 2000

    with django_assert_max_num_queries(8):
        report = members_import(data=data, filename="m.csv")
    assert report.unchanged == 2000


if ON_POSTGRESQL:

    def test_on_postgresql_two_thousand_members_take_a_handful_of_statements(
        yannan_coop, django_assert_max_num_queries, monkeypatch
    ):
        """The cooperatives, a savepoint and its release, the households, their members, the
        ID numbers elsewhere; to write, per batch of 20,000 members (as for households, and
        whatever the batch of the other databases' path): create a temporary table, COPY,
        insert the new members with their history, update the changed ones with theirs, drop
        the table."""
        monkeypatch.setattr(member_import, "BATCH_SIZE", 100)
        data = csv_bytes(two_thousand_members(yannan_coop))

        with django_assert_max_num_queries(11):
            report = members_import(data=data, filename="m.csv")
        assert (report.created, report.updated) == (1000, 1000)

    def imported_members(path, monkeypatch, user, households):
        """The members and the history rows two imports write on ``path``, from three
        recorded members: a first one that creates, fills in and keeps members, then one that
        changes, keeps and adds members; ids and times left out."""
        monkeypatch.setattr(copy_writes, "USE_COPY", path == "copy")
        Member.objects.all().delete()
        Member.history.all().delete()
        chen, wang = households
        Member.objects.create(
            household=chen,
            name="陈一",
            relation="head",
            id_number=ID_CHEN,
            birth_date=date(1960, 3, 4),
            phone="13812345678",
            is_shareholder=True,
            shares=1,
        )
        Member.objects.create(household=chen, name="李二", relation="spouse")
        Member.objects.create(household=wang, name="王五", relation="head", id_number=ID_WANG)
        first = [
            person(id=ID_CHEN, relation="户主", phone="13812345678"),
            person("李二", relation="妻", id=ID_LI, collective="是"),
            person("陈小", relation="长子", id=ID_SON, shares="1.5", member_rep="√"),
            person("周九", relation="女", collective="否", phone="13900001111"),
            person("王五", "002", head="王五", villager_rep="是"),
        ]
        then = [
            person("陈小", relation="长子", id=ID_SON, shares="2", phone="13700001111"),
            person("周九", relation="孙女", shareholder="是"),
            person("吴十", "002", head="王五", relation="父", birth="1940-02-03"),
        ]
        members_import(data=csv_bytes(first), filename="第一.csv", user=user)
        members_import(data=csv_bytes(then), filename="第二.csv", user=user)
        members = Member.objects.in_bulk()
        history = list(Member.history.filter(history_user=user).order_by("history_date", "name"))
        for record in history:
            assert record.household_id == members[record.id].household_id
        assert len({record.history_date for record in history}) == 2  # one time per import
        skip = {"id", "history_id", "history_date"}
        fields = [f.attname for f in Member.history.model._meta.concrete_fields]
        written = sorted(
            tuple(getattr(m, f.attname) for f in Member._meta.concrete_fields if f.attname != "id")
            for m in members.values()
        )
        return written, [{f: getattr(r, f) for f in fields if f not in skip} for r in history]

    @postgres_only
    def test_copy_writes_the_members_and_history_simple_history_writes(
        households, superuser, monkeypatch
    ):
        by_simple_history = imported_members("bulk", monkeypatch, superuser, households)
        by_copy = imported_members("copy", monkeypatch, superuser, households)

        assert by_copy == by_simple_history
        assert [(r["name"], r["history_type"]) for r in by_copy[1]] == [
            ("周九", "+"),
            ("李二", "~"),
            ("王五", "~"),
            ("陈小", "+"),
            ("吴十", "+"),
            ("周九", "~"),
            ("陈小", "~"),
        ]
        assert {r["history_user_id"] for r in by_copy[1]} == {superuser.pk}
        assert by_copy[1][-1]["history_change_reason"] == "Roster import: 第二.csv"


# --- The admin's import page -------------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def logged_in(client, user):
    user.refresh_from_db()
    client.force_login(user)
    return client


def upload(client, data, name="members.csv", kind="members", **fields):
    return client.post(
        reverse("admin:cases_household_import"),
        {"kind": kind, "file": SimpleUploadedFile(name, data), "encoding": "", **fields},
    )


def test_upload_preview_confirm_done(households, superuser, client, private_media):
    client = logged_in(client, superuser)
    rows = [person(id=ID_CHEN, relation="户主"), person("陈小", relation="长子", id=ID_SON)]

    page = client.get(reverse("admin:cases_household_import") + "?kind=members").content.decode()
    assert re.search(r'value="members"[^>]* checked', page) and "姓名/name" in page
    response = upload(client, csv_bytes(rows))

    job = ImportJob.objects.get()
    assert job.kind == ImportJob.Kind.MEMBERS
    assert response.url == reverse("admin:cases_household_import_job", args=[job.pk])
    preview = client.get(response.url).content.decode()
    assert "2 rows checked, no errors: 1 will be created, 0 updated, 1 unchanged." in preview
    assert "1 household has members who are not in the file" in preview
    assert "陈小" in preview and ID_SON in preview and "child" in preview
    assert not Member.objects.filter(name="陈小").exists()  # nothing written yet

    client.post(response.url)

    done = client.get(response.url).content.decode()
    assert "Imported: 1 created, 0 updated, 1 unchanged." in done
    assert "1 household has members who are not in the file" in done
    assert reverse("admin:cases_member_changelist") in done
    assert Member.objects.get(name="陈小").history.get().history_user == superuser
    assert not list((private_media / "imports").iterdir())


def both_rosters():
    """A township's one workbook: the member roster after the household roster."""
    households = [
        ["村", "经济社", "户号", "户主", "人口"],
        ["烟南村", "东头经济社", "003", "周七", "2"],
    ]
    members = [
        person("周七", "003", head="周七", relation="户主"),
        person("吴八", "003", head="周七"),
    ]
    return xlsx_workbook(("花名册", households), ("成员名册", [HEADER, *members]))


BOTH_SHEETS = (
    'The roster is read from the worksheet "成员名册"; the other worksheets are not imported: '
    '"花名册" (a household roster).'
)


def test_one_workbook_of_both_rosters_imports_its_households_then_its_members(
    yannan_coop, tmp_path
):
    households_out, _err = run_command_named("import_households", tmp_path, both_rosters())
    out, _err = run_command(tmp_path, both_rosters(), "roster.xlsx")

    assert "Imported roster.xlsx: 1 created" in households_out
    assert "Imported roster.xlsx: 2 created, 0 updated, 0 unchanged." in out
    assert BOTH_SHEETS in out
    assert sorted(Member.objects.values_list("household__number", "name", "relation")) == [
        ("003", "吴八", "other"),
        ("003", "周七", "head"),
    ]


def test_the_preview_of_a_workbook_of_both_rosters_names_the_member_worksheet(
    households, superuser, client, private_media
):
    client = logged_in(client, superuser)
    HouseholdFactory(cooperative=households[0].cooperative, number="003", head_name="周七")

    page = client.get(upload(client, both_rosters(), "roster.xlsx").url).content.decode()

    assert "2 rows checked, no errors: 2 will be created, 0 updated, 0 unchanged." in page
    assert BOTH_SHEETS.replace('"', "&quot;") in page
    assert 'value="Import"' in page


def test_the_preview_lists_every_error_and_offers_no_import(
    households, superuser, client, private_media
):
    client = logged_in(client, superuser)

    response = upload(client, csv_bytes([person(number="009"), person("陈小", birth="昨天")]))

    page = client.get(response.url).content.decode()
    assert "2 errors: nothing can be imported" in page
    assert "Household 009 of 烟南村 东头经济社 not found" in page
    assert "&quot;昨天&quot; is not a date" in page
    assert 'value="Import"' not in page
    client.post(response.url)  # a forged confirmation
    assert not Member.objects.filter(name="陈小").exists()


def test_the_preview_masks_numbers_for_a_user_without_the_permission(
    households, client, private_media
):
    importer = UserFactory(username="importer", is_staff=True)
    importer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_member", "change_member", "change_household", "view_all_villages"]
        )
    )
    client = logged_in(client, importer)
    rows = [person("陈小", id=ID_SON, phone="13912345678", relation="子")]

    page = client.get(upload(client, csv_bytes(rows)).url).content.decode()

    assert "no errors" in page
    assert ID_SON not in page and "440605********" in page
    assert "13912345678" not in page and "139****5678" in page
    # Errors quote no number: not the ID number, nor its birth date (digits 7–14, masked).
    rows = [person("陈小", id=ID_SON, birth="1990-01-03"), person("陈大", id=ID_SON)]
    rows.append(person("王五", id=ID_WANG, phone="13912345678"))
    page = client.get(upload(client, csv_bytes(rows)).url).content.decode()
    assert "3 errors" in page and "recorded for 王五 of household 002" in page
    assert all(number not in page for number in (ID_SON, ID_WANG, "19900102", "13912345678"))


def test_the_page_offers_only_the_kinds_a_user_may_import(households, client, private_media):
    households_only = UserFactory(username="h", is_staff=True)
    households_only.user_permissions.add(Permission.objects.get(codename="add_household"))
    members_only = UserFactory(username="m", is_staff=True)
    members_only.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_member", "change_member", "change_household", "view_member"]
        )
    )

    client = logged_in(client, households_only)
    page = client.get(reverse("admin:cases_household_import")).content.decode()
    assert 'value="households"' in page and 'value="members"' not in page
    refused = upload(client, csv_bytes([person("陈小")]))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not ImportJob.objects.exists()

    client = logged_in(client, members_only)
    page = client.get(reverse("admin:cases_household_import")).content.decode()
    assert 'value="members"' in page and 'value="households"' not in page
    assert upload(client, csv_bytes([person("陈小")])).status_code == 302
    job = ImportJob.objects.get()
    members_list = client.get(reverse("admin:cases_member_changelist")).content.decode()
    assert reverse("admin:cases_household_import") + "?kind=members" in members_list

    client = logged_in(client, households_only)  # may not look at a member import
    assert upload(client, csv_bytes([person("陈小")]), kind="households").status_code == 302
    job.user = households_only
    job.save()
    url = reverse("admin:cases_household_import_job", args=[job.pk])
    assert client.get(url).status_code == 403


def test_a_user_without_the_member_permissions_is_refused(
    households, cadre_yannan, client, private_media
):
    client = logged_in(client, cadre_yannan)

    assert client.get(reverse("admin:cases_household_import")).status_code == 403
    assert upload(client, csv_bytes([person("陈小")])).status_code == 403
    members_list = client.get(reverse("admin:cases_member_changelist")).content.decode()
    assert reverse("admin:cases_household_import") not in members_list


# --- The sample file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sample_file_imports_cleanly_into_the_demo(tmp_path):
    call_command("load_demo", verbosity=0)
    before = Member.objects.count()

    out, _err = run_command(tmp_path, SAMPLE.read_bytes(), "sample-members.csv")

    assert "Imported sample-members.csv: 3 created, 3 updated, 26 unchanged." in out
    assert "1 household has members who are not in the file" in out
    assert Member.objects.count() == before + 3
    out, _err = run_command(tmp_path, SAMPLE.read_bytes(), "sample-members.csv")
    assert "0 created, 0 updated, 32 unchanged." in out
