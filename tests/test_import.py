"""The roster import (cases/importing.py) through the service and through
``manage.py import_households``: what is written, what is refused, and that a refused or
interrupted import writes nothing."""

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from cases import copy_writes, household_writes, importing, roster
from cases.importing import RosterError, households_import
from cases.models import Household, ImportJob
from cases.roster import RosterRow

from .factories import CooperativeFactory, HouseholdFactory, UserFactory, make_id_number
from .support import (
    MEMBER_HEADER,
    ON_POSTGRESQL,
    csv_file,
    member_row,
    ole2_file,
    xlsx_file,
    xlsx_workbook,
)


@pytest.fixture
def client(english_client):
    """These tests read the pages' messages in English."""
    return english_client


HEADER = ["村", "经济社", "户号", "户主", "身份证号", "联系电话", "人口", "股东数"]
HEADER += ["承包面积(亩)", "地址", "备注"]
ENGLISH_HEADER = ["village", "cooperative", "household_no", "head_name", "id_number", "phone"]
ENGLISH_HEADER += ["members", "shareholders", "contracted_mu", "address", "notes"]
ID_1 = make_id_number(1)
ID_2 = make_id_number(2)


def row(number="1", head="张三", village="烟南村", cooperative="东头经济社", **cells):
    values = {
        "id": ID_1 if number == "1" else "",
        "phone": "13812345678",
        "members": "4",
        "shareholders": "3",
        "mu": "1.5",
        "address": "一巷1号",
        "notes": "",
        **cells,
    }
    return [village, cooperative, number, head, *values.values()]


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    return csv_file([header, *rows], encoding)


def xlsx_bytes(rows, header=HEADER):
    return xlsx_file([header, *rows])


def ods_file():
    """An OpenDocument spreadsheet: a zip whose first member, stored, is its ``mimetype``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        mimetype = "application/vnd.oasis.opendocument.spreadsheet"
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    return out.getvalue()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def coops(yannan_coop, zhennan_coop):
    return yannan_coop, zhennan_coop


def counts():
    return Household.objects.count(), Household.history.count()


#: The write paths this database has: simple-history's bulk helpers everywhere, COPY and
#: set-based SQL on PostgreSQL (where it is the default).
WRITE_PATHS = ["bulk", "copy"] if ON_POSTGRESQL else ["bulk"]


@pytest.fixture(params=WRITE_PATHS)
def write_path(request, monkeypatch):
    """Run the test once per write path; returns the name of the function that writes a batch."""
    monkeypatch.setattr(copy_writes, "USE_COPY", request.param == "copy")
    return {"bulk": "bulk_write", "copy": "copy_write"}[request.param]


def run_command(tmp_path, data, filename="roster.csv", *args):
    path = tmp_path / filename
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- Bad input: every class, through the service and through the command ------------------

ROW_ERRORS = {
    "unknown village": ([row(village="河清社区")], {}, "Unknown village"),
    "unknown cooperative": (
        [row(cooperative="村尾经济社")],
        {},
        'Village "烟南村" has no cooperative "村尾经济社"',
    ),
    "missing head name": ([row(head="")], {}, "cell is blank; it is required"),
    "bad check digit": ([row(id=ID_1[:-1] + ("1" if ID_1[-1] != "1" else "2"))], {}, "check"),
    "scientific-notation ID": ([row(id="4.40682E+17")], {}, "scientific notation"),
    "duplicate in file": ([row("7"), row("7", head="李四")], {}, "is already on line 2"),
    "negative area": ([row(mu="-1.5")], {}, "cannot be negative"),
    "non-numeric area": ([row(mu="一亩半")], {}, "is not an area in mu"),
    "non-numeric phone": ([row(phone="call me")], {}, "phone number is"),
    "blank village without --fill-down": (
        [row("1"), row("2", village="")],
        {},
        '"Fill down merged cells" (--fill-down for the command)',
    ),
    "too many members for the column": ([row(members="40000")], {}, "at most 32767 fit"),
    "area too large for the column": ([row(mu="123456789")], {}, "at most 99999999.99 mu fit"),
    "head name too long": ([row(head="张" * 51)], {}, "at most 50 fit"),
    # Excel's GBK "CSV" writes 刘? for 刘䶮; imported, it would overwrite the right name.
    "character lost to GBK": ([row(head="刘?")], {}, 'has a "?" where a character was lost'),
    # 一巷1号,二楼 unquoted: 二楼 lands in 备注 and the note falls off the end.
    "unquoted comma shifts the cells": (
        [row(address="一巷1号", notes="二楼") + ["门口有树"]],
        {},
        "has 12 cells but the header only 11",
    ),
}


@pytest.mark.parametrize("rows, kwargs, message", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_a_bad_row_is_reported_by_the_service_and_nothing_is_written(coops, rows, kwargs, message):
    HouseholdFactory(cooperative=coops[0], number="1", head_name="旧户主")
    before = counts()

    report = households_import(data=csv_bytes(rows), filename="roster.csv", **kwargs)

    assert not report.ok
    assert any(message in e.message for e in report.errors), report.errors
    assert all(e.line >= 2 and e.column for e in report.errors)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert counts() == before
    assert Household.objects.get(number="1").head_name == "旧户主"


@pytest.mark.parametrize("rows, kwargs, message", ROW_ERRORS.values(), ids=ROW_ERRORS.keys())
def test_a_bad_row_makes_the_command_fail_with_its_line_column_and_reason(
    coops, tmp_path, rows, kwargs, message
):
    # A good row first: one bad row is enough for nothing to be written.
    data = csv_bytes([row("100", head="王五"), *rows])
    before = counts()

    with pytest.raises(CommandError, match="nothing was written") as caught:
        run_command(tmp_path, data)

    assert counts() == before
    assert "Traceback" not in str(caught.value)


def test_the_command_lists_every_bad_row_with_line_and_column(coops, tmp_path, capsys):
    data = csv_bytes([row("1"), row("2", head=""), row("3", phone="call me")])
    path = tmp_path / "roster.csv"
    path.write_bytes(data)
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_households", str(path), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 3, 户主: The 户主 cell is blank")
    assert lines[1].startswith("line 4, 联系电话: A phone number is")
    assert str(caught.value) == "roster.csv: 2 of 3 rows have errors; nothing was written."


WHOLE_FILE_ERRORS = {
    "wrong headers": ("name,age\r\n张三,40\r\n".encode(), "roster.csv", "not a household roster"),
    "empty": (b"", "roster.csv", "The file is empty"),
    "binary": (b"\x00\x01\x02garbage\x00" * 100, "roster.csv", "binary data"),
    "zip bomb": (zip_bomb(), "roster.xlsx", "zip bomb"),
    "damaged xlsx": (b"PK\x03\x04 not really a zip", "roster.xlsx", "damaged"),
    # What government systems' "export to Excel" saves: an HTML table, named .xls.
    "web page named .xls": (
        '<html><head><meta charset="gbk"></head><body><table><tr><td>村</td><td>经济社</td>'
        "<td>户号</td><td>户主</td></tr></table></body></html>".encode("gbk"),
        "花名册.xls",
        r"This file is a web page \(an HTML table\) saved under an Excel name",
    ),
    "Excel 97–2003 .xls": (
        ole2_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"}),
        "花名册.xls",
        r"This is an Excel 97–2003 workbook \(\.xls\), a format the import cannot read",
    ),
    # LibreOffice's and WPS's own format, named as it is saved.
    "OpenDocument spreadsheet": (
        ods_file(),
        "花名册.ods",
        r"This file is an OpenDocument spreadsheet \(\.ods, as LibreOffice and WPS save\)",
    ),
    "Word document named .xls": (
        ole2_file({"WordDocument": b"\xec\xa5\xc1\x00", "1Table": b"\x00"}),
        "花名册.xls",
        r"This file is a Word document, not a spreadsheet; copy the roster",
    ),
    "roster on a hidden worksheet": (
        xlsx_workbook(("说明", [["填表说明"]]), ("花名册", [HEADER, row()], {"state": "hidden"})),
        "roster.xlsx",
        r'The household roster is on a hidden worksheet \("花名册"\)',
    ),
    "two roster worksheets": (
        xlsx_workbook(("东头", [HEADER, row("1")]), ("村尾", [HEADER, row("2")])),
        "roster.xlsx",
        r'Several worksheets look like a household roster \("东头", "村尾"\)',
    ),
    # The rows below an unclosed quote would vanish into one address cell.
    "unclosed quote": (
        csv_bytes([row("1")])
        + '烟南村,东头经济社,2,李四,,,,,,"一巷\r\n'.encode()
        + csv_bytes([row("3")])[len(csv_bytes([])) :],
        "roster.csv",
        r"opened on line 3 is never closed",
    ),
}


@pytest.mark.parametrize(
    "data, filename, message", WHOLE_FILE_ERRORS.values(), ids=WHOLE_FILE_ERRORS.keys()
)
def test_a_file_that_is_not_a_roster_gets_one_sentence(coops, tmp_path, data, filename, message):
    before = counts()

    with pytest.raises(RosterError, match=message):
        households_import(data=data, filename=filename)
    with pytest.raises(CommandError, match=message) as caught:
        run_command(tmp_path, data, filename)

    assert str(caught.value).startswith(f"{filename}: ")
    assert "\n" not in str(caught.value)
    assert counts() == before


def test_an_oversize_xlsx_is_refused_by_the_service_and_the_command(coops, tmp_path, monkeypatch):
    data = xlsx_bytes([row()])
    monkeypatch.setattr(roster, "MAX_FILE_BYTES", len(data) - 1)

    with pytest.raises(RosterError, match="too large"):
        households_import(data=data, filename="roster.xlsx")
    with pytest.raises(CommandError, match="too large"):
        run_command(tmp_path, data, "roster.xlsx")
    assert counts() == (0, 0)


def test_an_xlsx_with_an_impossible_uncompressed_size_is_refused(coops, monkeypatch):
    data = xlsx_bytes([row()])
    monkeypatch.setattr(roster, "MAX_UNCOMPRESSED_BYTES", 1000)

    with pytest.raises(RosterError, match="zip bomb"):
        households_import(data=data, filename="roster.xlsx")


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_households", str(tmp_path / "nope.csv"))


def test_a_wrong_encoding_option_is_one_sentence(coops, tmp_path):
    with pytest.raises(CommandError, match="Unknown encoding klingon"):
        run_command(tmp_path, csv_bytes([row()]), "roster.csv", "--encoding", "klingon")


def test_fill_down_takes_the_village_and_cooperative_above(coops, tmp_path):
    data = csv_bytes([row("1"), row("2", village="", cooperative="")])

    run_command(tmp_path, data, "roster.csv", "--fill-down")

    assert sorted(Household.objects.values_list("cooperative__name", "number")) == [
        ("东头经济社", "1"),
        ("东头经济社", "2"),
    ]


# --- Files that go in -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_every_encoding_chinese_excel_writes_round_trips(coops, encoding):
    rows = [row("1", head="张三", address="一巷1号"), row("2", head="李四", notes="外出务工")]

    report = households_import(data=csv_bytes(rows, encoding=encoding), filename="roster.csv")

    assert report.ok and report.created == 2
    assert report.encoding == {"gbk": "gb18030"}.get(encoding, encoding)
    zhang = Household.objects.get(number="1")
    assert (zhang.head_name, zhang.address, zhang.head_id_number) == ("张三", "一巷1号", ID_1)
    assert Household.objects.get(number="2").notes == "外出务工"


def test_a_gb18030_only_character_round_trips(coops):
    # 䶮 (U+4DAE) is in GB18030 but not in GBK.
    data = csv_bytes([row("1", head="刘䶮")], encoding="gb18030")

    households_import(data=data, filename="roster.csv")

    assert Household.objects.get().head_name == "刘䶮"


def test_xlsx_with_english_headers_round_trips(coops, tmp_path):
    rows = [row("1"), row("2", village="镇南村", cooperative="上沙经济社", mu="0.75")]

    out, _err = run_command(tmp_path, xlsx_bytes(rows, ENGLISH_HEADER), "roster.xlsx")

    assert "2 created, 0 updated, 0 unchanged" in out
    household = Household.objects.get(cooperative=coops[1])
    assert household.contracted_mu == Decimal("0.75")
    assert (household.member_count, household.shareholder_count) == (4, 3)


@pytest.mark.usefixtures("write_path")
def test_the_file_carries_member_and_shareholder_counts(coops):
    households_import(data=csv_bytes([row(members="5", shareholders="2")]), filename="r.csv")

    household = Household.objects.get()
    assert (household.member_count, household.shareholder_count) == (5, 2)


# --- Upsert -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("write_path")
def test_rows_are_classified_created_updated_unchanged_and_a_second_run_changes_nothing(
    coops, staff
):
    HouseholdFactory(
        cooperative=coops[0],
        number="1",
        head_name="张三",
        head_id_number=ID_1,
        phone="13812345678",
        member_count=4,
        shareholder_count=3,
        contracted_mu=Decimal("1.50"),
        address="一巷1号",
    )
    HouseholdFactory(cooperative=coops[0], number="2", head_name="李四", member_count=2)
    data = csv_bytes([row("1"), row("2", head="李四", members="6"), row("3", head="王五")])

    first = households_import(data=data, filename="roster.csv", user=staff)
    first_changed_at = Household.objects.get(number="2").updated_at
    history_before = Household.history.count()
    second = households_import(data=data, filename="roster.csv", user=staff)

    assert (first.created, first.updated, first.unchanged) == (1, 1, 1)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Household.objects.get(number="2").member_count == 6
    assert Household.objects.get(number="1").updated_at < first_changed_at  # never touched
    assert Household.history.count() == history_before  # the second run wrote no history
    history = Household.history.filter(number__in=["2", "3"], history_user=staff)
    assert sorted(history.values_list("number", "history_type")) == [("2", "~"), ("3", "+")]
    assert history.first().history_change_reason == "Roster import: roster.csv"


@pytest.mark.usefixtures("write_path")
def test_a_blank_cell_or_a_missing_column_never_erases_a_recorded_value(coops):
    HouseholdFactory(cooperative=coops[0], number="1", head_name="张三", phone="13812345678")
    without_phone = [c for c in HEADER if c != "联系电话"]
    cells = ["烟南村", "东头经济社", "1", "张三", "", "4", "3", "", "", ""]
    data = csv_bytes([cells], without_phone)

    report = households_import(data=data, filename="roster.csv")

    household = Household.objects.get()
    assert household.phone == "13812345678"
    assert household.contracted_mu == Decimal("1.50")
    assert report.updated == 1  # member count 3 → 4


def test_the_same_household_number_in_two_cooperatives_is_two_households(coops):
    data = csv_bytes([row("1"), row("1", village="镇南村", cooperative="上沙经济社")])

    report = households_import(data=data, filename="roster.csv")

    assert report.created == 2


def test_a_dry_run_counts_and_writes_nothing(coops, tmp_path):
    HouseholdFactory(cooperative=coops[0], number="1", head_name="旧户主")
    before = counts()

    out, _err = run_command(tmp_path, csv_bytes([row("1"), row("2")]), "r.csv", "--dry-run")

    assert "Dry run of r.csv, nothing written: 1 would be created, 1 updated" in out
    assert counts() == before


def test_villages_outside_the_users_scope_are_unknown(coops, cadre_yannan):
    data = csv_bytes([row("1", village="镇南村", cooperative="上沙经济社")])

    report = households_import(data=data, filename="roster.csv", user=cadre_yannan)

    [error] = report.errors
    assert error.message == 'Unknown village "镇南村"; known villages: 烟南村.'
    assert counts() == (0, 0)


def test_names_are_matched_after_normalisation(db):
    CooperativeFactory(village__name="烟南村", name="东头　经济社")  # an ideographic space

    report = households_import(data=csv_bytes([row()]), filename="roster.csv")

    assert report.ok and report.created == 1


# --- All or nothing, and in bulk --------------------------------------------------------------


def test_an_import_interrupted_half_way_leaves_the_database_as_before(
    coops, write_path, monkeypatch
):
    HouseholdFactory(cooperative=coops[0], number="1", head_name="旧户主")
    before = counts()
    real = getattr(household_writes, write_path)
    calls = []

    def fail_after_writing_the_second_batch(*args, **kwargs):
        calls.append(1)
        real(*args, **kwargs)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(household_writes, write_path, fail_after_writing_the_second_batch)
    rows = [row("1", head="新户主")] + [row(str(n), head=f"户主{n}") for n in range(2, 31)]

    with pytest.raises(RuntimeError, match="the disk is full"):
        households_import(data=csv_bytes(rows), filename="roster.csv", batch_size=10)

    assert len(calls) == 2
    assert counts() == before
    assert Household.objects.get().head_name == "旧户主"


def test_a_blank_roster_cell_is_the_default_of_its_household_field():
    """The COPY path writes a blank cell as read, where the generic path leaves the field's
    default: both must be the same value."""
    blank = RosterRow(line=2, village="", cooperative="", household_no="", head_name="")
    for column, name in importing.OPTIONAL_FIELDS.items():
        assert getattr(blank, column) == Household._meta.get_field(name).get_default()


@pytest.mark.usefixtures("write_path")
def test_every_character_a_cell_may_hold_is_written_as_read(coops):
    """Quotes, commas, line breaks, tabs, backslashes and COPY's own markers (a lone \\. line,
    \\N) are data like any other."""
    notes = '他说："好，行", 就签\n\\.\n\\N\t反斜杠\\'
    address = '"一巷", 1号\\'
    data = csv_bytes([row("1", notes=notes, address=address), row("2", notes="\\.", phone="")])

    households_import(data=data, filename="roster.csv")

    first, second = Household.objects.order_by("number")
    assert (first.notes, first.address) == (notes, address)
    assert (second.notes, second.phone, second.head_id_number) == ("\\.", "", "")


def test_a_household_deleted_while_the_import_runs_stops_it_with_one_sentence(
    coops, write_path, monkeypatch
):
    HouseholdFactory(cooperative=coops[0], number="1", head_name="旧户主")
    before = counts()
    real = getattr(household_writes, write_path)

    def delete_then_write(*args, **kwargs):
        Household.objects.filter(number="1").delete()  # someone else, meanwhile
        real(*args, **kwargs)

    monkeypatch.setattr(household_writes, write_path, delete_then_write)

    with pytest.raises(RosterError, match="Someone changed these households"):
        households_import(data=csv_bytes([row("1", head="新户主")]), filename="roster.csv")

    assert counts() == before
    assert Household.objects.get().head_name == "旧户主"


def test_a_thousand_rows_import_in_a_bounded_number_of_queries(
    coops, django_assert_max_num_queries
):
    """PostgreSQL needs 8 queries per pass; SQLite splits each INSERT and UPDATE into
    statements of at most 999 variables, so the budget is the SQLite one."""
    rows = [row(str(n), head=f"户主{n}", id="") for n in range(1, 1001)]
    data = csv_bytes(rows)

    with django_assert_max_num_queries(40):
        report = households_import(data=data, filename="roster.csv", batch_size=500)
    assert report.created == 1000
    assert Household.history.count() == 1000

    changed = csv_bytes([r[:3] + [r[3] + "改"] + r[4:] for r in rows])
    with django_assert_max_num_queries(40):
        report = households_import(data=changed, filename="roster.csv", batch_size=500)
    assert report.updated == 1000
    assert Household.history.count() == 2000


if ON_POSTGRESQL:  # the COPY path exists on PostgreSQL only

    def test_on_postgresql_a_thousand_rows_take_a_handful_of_statements(
        coops, django_assert_max_num_queries
    ):
        """Per pass: the cooperatives, a savepoint and its release (the test's transaction),
        the households already there, and to write: create the temporary table, COPY, insert
        or update with history, drop the table."""
        rows = [row(str(n), head=f"户主{n}", id="") for n in range(1, 1001)]
        with django_assert_max_num_queries(8):
            report = households_import(data=csv_bytes(rows), filename="roster.csv")
        assert report.created == 1000

        changed = [r[:3] + [r[3] + "改"] + r[4:] for r in rows]
        with django_assert_max_num_queries(8):
            report = households_import(data=csv_bytes(changed), filename="roster.csv")
        assert report.updated == 1000

        with django_assert_max_num_queries(4):
            report = households_import(data=csv_bytes(changed), filename="roster.csv")
        assert report.unchanged == 1000
        assert Household.history.count() == 2000

    def imported_history(path, monkeypatch, user):
        """The history rows two imports write on ``path``: a first one, then one that
        changes, keeps and adds households; ids and times compared to the households'."""
        monkeypatch.setattr(copy_writes, "USE_COPY", path == "copy")
        first = [row("1"), row("2", head="李四", id=ID_2, mu="", notes="外出务工"), row("3")]
        then = [row("1"), row("2", head="李四改", phone="", members="5"), row("4", mu="0")]
        households_import(data=csv_bytes(first), filename="第一.csv", user=user)
        households_import(data=csv_bytes(then), filename="第二.csv", user=user)
        history = list(Household.history.order_by("history_date", "number"))
        households = Household.objects.in_bulk()
        for record in history:
            assert record.created_at == households[record.id].created_at
            assert record.number == households[record.id].number
        assert len({record.history_date for record in history}) == 2  # one time per import
        skip = {"history_id", "id", "created_at", "history_date"}
        fields = [f.attname for f in Household.history.model._meta.concrete_fields]
        return [{f: getattr(record, f) for f in fields if f not in skip} for record in history]

    def test_copy_writes_the_history_simple_history_writes(coops, superuser, monkeypatch):
        by_simple_history = imported_history("bulk", monkeypatch, superuser)
        Household.objects.all().delete()
        Household.history.all().delete()

        by_copy = imported_history("copy", monkeypatch, superuser)

        assert by_copy == by_simple_history
        assert [(r["number"], r["history_type"]) for r in by_copy] == [
            ("1", "+"),
            ("2", "+"),
            ("3", "+"),
            ("2", "~"),
            ("4", "+"),
        ]
        assert {r["history_user_id"] for r in by_copy} == {superuser.pk}
        assert by_copy[-1]["history_change_reason"] == "Roster import: 第二.csv"


def test_progress_is_reported_after_each_batch(coops):
    seen = []
    rows = [row(str(n), id="") for n in range(1, 26)]

    households_import(
        data=csv_bytes(rows), filename="r.csv", batch_size=10, progress=lambda *a: seen.append(a)
    )

    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]


def test_the_command_shows_a_progress_bar_on_long_files(coops, tmp_path, monkeypatch):
    monkeypatch.setattr("cases.management.commands.import_households.PROGRESS_FROM_ROWS", 10)
    monkeypatch.setattr(importing, "BATCH_SIZE", 5)
    rows = [row(str(n), id="") for n in range(1, 51)]

    out, _err = run_command(tmp_path, csv_bytes(rows))

    progress = [line for line in out.splitlines() if "/50" in line]
    assert progress[-1].strip() == "100%  50/50"
    assert len(progress) <= 11
    assert "50 created, 0 updated, 0 unchanged" in out


# --- The admin's import page ----------------------------------------------------------------


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client_for(client):
    def log_in(user):
        user.refresh_from_db()  # the factory's password is not saved without a role
        client.force_login(user)
        return client

    return log_in


def upload(client, data, name="roster.csv", **fields):
    return client.post(
        reverse("admin:cases_household_import"),
        {"file": SimpleUploadedFile(name, data), "encoding": "", **fields},
    )


def test_the_household_list_links_to_the_import_page(coops, superuser, admin_client_for):
    client = admin_client_for(superuser)

    page = client.get(reverse("admin:cases_household_changelist")).content.decode()

    assert reverse("admin:cases_household_import") in page
    assert "Import roster" in page


def test_upload_preview_confirm_done(coops, superuser, admin_client_for, private_media):
    client = admin_client_for(superuser)
    HouseholdFactory(cooperative=coops[0], number="2", head_name="旧户主")

    response = upload(client, csv_bytes([row("1"), row("2", head="李四")]))

    job = ImportJob.objects.get()
    assert response.url == reverse("admin:cases_household_import_job", args=[job.pk])
    preview = client.get(response.url).content.decode()
    assert "2 rows checked, no errors: 1 will be created, 1 updated, 0 unchanged." in preview
    assert "张三" in preview and ID_1 in preview
    assert Household.objects.get(number="2").head_name == "旧户主"  # nothing written yet
    assert list((private_media / "imports").glob("*.upload"))

    client.post(response.url)

    done = client.get(response.url).content.decode()
    assert "Imported: 1 created, 1 updated, 0 unchanged." in done
    assert Household.objects.get(number="2").head_name == "李四"
    assert not list((private_media / "imports").iterdir())  # the upload is deleted


def test_the_same_file_uploaded_again_offers_nothing_to_import(
    coops, superuser, admin_client_for, private_media
):
    """An office sends last month's roster again: the check says that nothing would change,
    offers no import, which would only say "imported", and deletes the copy."""
    client = admin_client_for(superuser)
    data = csv_bytes([row("1"), row("2", head="李四")])
    client.post(upload(client, data).url)

    response = upload(client, data)

    page = client.get(response.url).content.decode()
    assert "2 rows checked, no errors: 0 will be created, 0 updated, 2 unchanged." in page
    assert "Nothing to import: every household in the file is recorded as the file has it" in page
    assert 'value="Import"' not in page
    assert not list((private_media / "imports").glob("*.upload"))
    client.post(response.url)  # a forged confirmation
    assert ImportJob.objects.latest("started_at").status == ImportJob.Status.CHECKED


def test_the_recent_imports_say_which_file_still_waits_for_import(
    coops, superuser, admin_client_for, private_media
):
    """The list said "checked" alike of a file nobody has imported yet, one with errors and
    one with nothing to import: an administrator back from lunch could not tell which one
    still needed "Import"."""
    client = admin_client_for(superuser)
    data = csv_bytes([row("1")])
    client.post(upload(client, data).url)
    upload(client, data, "again.csv")
    upload(client, csv_bytes([row("2", head=""), row("3", mu="-1")]), "broken.csv")
    upload(client, csv_bytes([row("4")]), "new.csv")

    page = client.get(reverse("admin:cases_household_import"), HTTP_ACCEPT_LANGUAGE="zh-CN")

    text = page.content.decode()
    assert re.search(r">new\.csv</a> · 户花名册 · 已检查，尚未导入：请打开后点击“导入” ·", text)
    assert re.search(r">broken\.csv</a> · 户花名册 · 已检查：有2处错误，不能导入 ·", text)
    assert re.search(r">again\.csv</a> · 户花名册 · 已检查：无需导入 ·", text)
    assert re.search(r">roster\.csv</a> · 户花名册 · 已导入 ·", text)


def test_blank_merged_cells_are_summed_up_with_a_link_to_upload_again_filled_down(
    coops, superuser, admin_client_for, private_media
):
    """A workbook with merged village and cooperative cells, checked without fill-down, gave
    the same advice in every one of its errors, two a row, and nowhere in one line."""
    client = admin_client_for(superuser)
    rows = [row("1"), row("2", village="", cooperative=""), row("3", village="", cooperative="")]

    page = client.get(upload(client, csv_bytes(rows)).url).content.decode()

    assert "4 of these errors are blank cells, as merged cells leave below their first row" in page
    link = reverse("admin:cases_household_import") + "?kind=households&amp;fill_down=1"
    assert f'<a href="{link}">Upload it again with fill-down ticked</a>' in page
    form = client.get(reverse("admin:cases_household_import"), {"fill_down": "1"})
    assert 'id="id_fill_down" checked' in form.content.decode()
    job = ImportJob.objects.get()
    chinese = client.get(
        reverse("admin:cases_household_import_job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).content.decode()
    assert "其中4处错误是空白单元格" in chinese  # checked in English, read in Chinese


def test_other_errors_get_no_fill_down_hint(coops, superuser, admin_client_for, private_media):
    client = admin_client_for(superuser)

    page = client.get(upload(client, csv_bytes([row("1", mu="-1")])).url).content.decode()

    assert "1 error: nothing can be imported" in page and "fill-down ticked" not in page
    form = client.get(reverse("admin:cases_household_import")).content.decode()
    assert 'id="id_fill_down" checked' not in form


def test_the_preview_shows_every_error_and_offers_no_import(
    coops, superuser, admin_client_for, private_media
):
    client = admin_client_for(superuser)
    response = upload(client, csv_bytes([row("1"), row("2", head=""), row("3", mu="-1")]))

    page = client.get(response.url).content.decode()

    assert "2 errors: nothing can be imported" in page
    assert "The 户主 cell is blank" in page and "cannot be negative" in page
    assert 'value="Import"' not in page
    client.post(response.url)  # a forged confirmation
    assert counts() == (0, 0)
    assert ImportJob.objects.get().status == ImportJob.Status.CHECKED


def test_a_file_that_is_not_a_roster_fails_with_its_sentence(
    coops, superuser, admin_client_for, private_media
):
    client = admin_client_for(superuser)

    response = upload(client, b"\x00\x01garbage\x00" * 50, "roster.csv")

    assert "binary data, so it is not a CSV roster" in client.get(response.url).content.decode()
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_the_status_is_polled_as_json(coops, superuser, admin_client_for, private_media):
    client = admin_client_for(superuser)
    response = upload(client, csv_bytes([row("1")]))

    status = client.get(response.url + "status/").json()

    assert status == {"status": "checked", "done": 0, "total": 0}


def test_the_preview_masks_numbers_for_a_user_without_the_permission(
    coops, admin_client_for, private_media
):
    importer = UserFactory(username="importer", is_staff=True)
    importer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_household", "view_household", "view_all_villages"]
        )
    )
    client = admin_client_for(importer)

    response = upload(client, csv_bytes([row("1")]))

    page = client.get(response.url).content.decode()
    assert "no errors" in page
    assert ID_1 not in page and "138****5678" in page


def test_a_user_without_add_household_is_refused(
    coops, cadre_yannan, admin_client_for, private_media
):
    client = admin_client_for(cadre_yannan)

    assert client.get(reverse("admin:cases_household_import")).status_code == 403
    assert upload(client, csv_bytes([row("1")])).status_code == 403
    assert not ImportJob.objects.exists()


def test_another_users_job_is_not_found(coops, superuser, staff, admin_client_for, private_media):
    job = ImportJob.objects.create(user=staff, filename="theirs.csv")
    staff.user_permissions.add(Permission.objects.get(codename="add_household"))
    client = admin_client_for(superuser)

    assert client.get(reverse("admin:cases_household_import_job", args=[job.pk])).status_code == 404


def test_rows_outside_the_importers_villages_are_refused(
    coops, cadre_yannan, admin_client_for, private_media
):
    cadre_yannan.user_permissions.add(Permission.objects.get(codename="add_household"))
    client = admin_client_for(cadre_yannan)

    response = upload(client, csv_bytes([row("1", village="镇南村", cooperative="上沙经济社")]))

    page = client.get(response.url).content.decode()
    assert "Unknown village" in page and "known villages: 烟南村" in page
    assert counts() == (0, 0)


def test_an_upload_over_the_limit_is_refused_by_the_form(
    coops, superuser, admin_client_for, private_media, monkeypatch
):
    monkeypatch.setattr(roster, "MAX_FILE_BYTES", 10)
    client = admin_client_for(superuser)

    response = upload(client, csv_bytes([row("1")]))

    assert response.status_code == 200
    assert "The file is too large" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_background_job_speaks_the_language_of_the_request_that_started_it(settings, monkeypatch):
    """A new thread speaks LANGUAGE_CODE (Chinese): the job must be run in the request's
    language, or an administrator reading English gets every stored message in Chinese."""
    settings.IMPORT_JOBS_IN_THREAD = True
    heard = []
    monkeypatch.setattr(
        importing, "_run", lambda job_id, dry_run: heard.append(translation.get_language())
    )
    started = []
    real_thread = importing.threading.Thread

    def thread(*args, **kwargs):
        started.append(real_thread(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(importing.threading, "Thread", thread)

    with translation.override("en"):
        importing._start(1, dry_run=True)
    started[0].join(timeout=10)

    assert heard == ["en"]


def test_rows_refused_at_the_import_after_a_clean_check_are_listed_not_imported(
    coops, superuser, admin_client_for, private_media
):
    """A cooperative renamed between the check and the confirmation: nothing is written, and
    the page lists the error rather than saying "Imported: 0 created"."""
    client = admin_client_for(superuser)
    response = upload(client, csv_bytes([row("1")]))
    coops[0].name = "东头新经济社"
    coops[0].save()

    client.post(response.url)

    job = ImportJob.objects.get()
    page = client.get(response.url).content.decode()
    assert job.status == ImportJob.Status.CHECKED and job.error_count == 1
    assert "Imported" not in page and 'value="Import"' not in page
    assert "changed after the check" in page and "has no cooperative" in page
    assert counts() == (0, 0)
    assert not list((private_media / "imports").iterdir())  # it can never be imported


def test_the_upload_of_a_file_with_errors_is_deleted_after_the_check(
    coops, superuser, admin_client_for, private_media
):
    """A file with errors can never be imported; its copy, personal numbers and all, goes."""
    client = admin_client_for(superuser)

    upload(client, csv_bytes([row("1", head="")]))

    assert ImportJob.objects.get().error_count == 1
    assert not list((private_media / "imports").iterdir())


def test_trailing_empty_cells_beyond_the_header_are_not_a_shifted_row(coops):
    """Hand-made CSVs often end rows with extra commas; only values beyond the header count."""
    report = households_import(
        data=csv_bytes([row("1") + ["", " "]]), filename="roster.csv", dry_run=True
    )

    assert report.ok and report.created == 1


def test_columns_not_imported_are_named_by_the_command_and_the_preview(
    coops, tmp_path, superuser, admin_client_for, private_media
):
    """身分证号 (a variant the importer does not know) and a second 联系电话 column are read by
    nobody: the administrator is told which, rather than losing the column in silence."""
    header = ["村", "经济社", "户号", "户主", "身分证号", "联系电话", "联系电话"]
    data = csv_bytes([["烟南村", "东头经济社", "1", "张三", ID_1, "", "13812345678"]], header)

    out, _err = run_command(tmp_path, data, "roster.csv", "--dry-run")
    client = admin_client_for(superuser)
    page = client.get(upload(client, data).url).content.decode()

    notice = "These columns are not imported, as their headers are not recognised"
    for text in (out, page):
        assert notice in text and "身分证号, 联系电话" in text
    response = client.post(  # the check runs in the uploader's language
        reverse("admin:cases_household_import"),
        {"file": SimpleUploadedFile("roster.csv", data), "encoding": ""},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    chinese = client.get(response.url, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "身分证号、联系电话" in chinese


def test_the_import_page_names_its_own_fill_down_option_not_only_the_commands(
    coops, superuser, admin_client_for, private_media
):
    """The page has a "Fill down merged cells" box, not a --fill-down flag."""
    client = admin_client_for(superuser)

    page = client.get(upload(client, csv_bytes([row("1"), row("2", village="")])).url)

    assert "import with &quot;Fill down merged cells&quot;" in page.content.decode()


@pytest.mark.parametrize("delimiter", ["\t", ";", "，"])
def test_a_roster_separated_by_tabs_semicolons_or_full_width_commas_is_read(coops, delimiter):
    """The address holds the other separators, which must not win the sniffing."""
    address = "一巷" + "".join({",", ";", "，"} - {delimiter}) + "1号"
    data = csv_bytes([row("1", address="ADDRESS")]).decode().replace(",", delimiter)

    report = households_import(
        data=data.replace("ADDRESS", address).encode(), filename="roster.csv", dry_run=True
    )

    assert report.ok and report.created == 1, report.errors
    assert report.preview[0].id_number == ID_1 and report.preview[0].address == address


def test_an_upload_left_unconfirmed_is_deleted_with_its_preview_after_a_day(
    coops, superuser, admin_client_for, private_media, settings
):
    """A checked upload nobody imports (a roster, ID numbers and all) does not stay for ever:
    after IMPORT_UPLOAD_HOURS the file, its preview and its errors go; the job says why."""
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from cases.importing import import_job_confirm

    client = admin_client_for(superuser)
    upload(client, csv_bytes([row("1")]))
    old = ImportJob.objects.get()
    assert old.status == ImportJob.Status.CHECKED and ID_1 in str(old.preview)
    ImportJob.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=25))

    upload(client, csv_bytes([row("2")]))  # every upload ends the stale ones first

    old.refresh_from_db()
    assert old.status == ImportJob.Status.EXPIRED
    assert (old.preview, old.errors) == ([], [])
    assert "deleted 24 hours after it was sent" in old.message
    assert not import_job_confirm(job=old, user=superuser)
    assert Household.objects.count() == 0
    fresh = ImportJob.objects.exclude(pk=old.pk).get()
    assert fresh.status == ImportJob.Status.CHECKED
    assert [p.name for p in (private_media / "imports").glob("*.upload")] == [
        f"{fresh.token}.upload"
    ]
    page = client.get(reverse("admin:cases_household_import_job", args=[old.pk])).content.decode()
    assert "upload the file again" in page

    settings.IMPORT_UPLOAD_HOURS = 1
    ImportJob.objects.filter(pk=fresh.pk).update(started_at=timezone.now() - timedelta(hours=2))
    out = io.StringIO()
    call_command("expire_import_uploads", stdout=out)
    assert "1 import job(s) ended" in out.getvalue()
    assert not list((private_media / "imports").glob("*.upload"))


@pytest.mark.parametrize(
    "rows, said, not_said",
    [
        ([row("1"), row("1")], "The check found 1 error.", "upload the file again to import"),
        ([row("1")], "There was nothing to import", "without being imported"),
    ],
    ids=["with errors", "nothing to import"],
)
def test_an_expired_check_says_what_it_had_found(
    coops, superuser, admin_client_for, private_media, rows, said, not_said
):
    """A file with errors is to be corrected before it is sent again, and one that changed
    nothing needs nothing: neither is told "upload the file again to import it"."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.importing import import_jobs_expire

    client = admin_client_for(superuser)
    if said.startswith("There was nothing"):  # the same file, imported before
        client.post(upload(client, csv_bytes(rows)).url)
    upload(client, csv_bytes(rows))
    job = ImportJob.objects.order_by("pk").last()
    assert job.status == ImportJob.Status.CHECKED and (job.error_count or job.changes_nothing)
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=25))

    assert import_jobs_expire() == 1

    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED and job.errors == []
    assert said in job.message and not_said not in job.message
    page = client.get(reverse("admin:cases_household_import_job", args=[job.pk])).content.decode()
    assert said in page
    listing = client.get(reverse("admin:cases_household_import")).content.decode()
    assert f"{job.filename} · household roster · expired ·" in " ".join(strip_tags(listing).split())


# --- What the file is: read from its content, whatever its name ----------------------------


def utf16_bytes(rows, codec, bom=b""):
    """A roster as some tools' "Unicode text": UTF-16 in ``codec``, with or without a BOM."""
    return bom + csv_bytes(rows).decode().encode(codec)


def hidden_rows_xlsx(rows, hidden):
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(rows)))
    for number in hidden:
        workbook.active.row_dimensions[number].hidden = True
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TWO_ROWS = [row("1"), row("2", head="李四")]
BY_CONTENT = {
    "CSV renamed .xlsx": (csv_bytes(TWO_ROWS, encoding="gbk"), "花名册.xlsx"),
    "XLSX named .csv": (xlsx_bytes(TWO_ROWS), "花名册.csv"),
    "UTF-16LE without BOM": (utf16_bytes(TWO_ROWS, "utf-16-le"), "roster.txt"),
    "UTF-16BE without BOM": (utf16_bytes(TWO_ROWS, "utf-16-be"), "roster.csv"),
}


@pytest.mark.parametrize("data, filename", BY_CONTENT.values(), ids=BY_CONTENT.keys())
def test_the_command_reads_a_file_by_its_content_not_its_name(coops, tmp_path, data, filename):
    out, _err = run_command(tmp_path, data, filename)

    assert f"Imported {filename}: 2 created, 0 updated, 0 unchanged." in out
    assert sorted(Household.objects.values_list("number", "head_name", "head_id_number")) == [
        ("1", "张三", ID_1),
        ("2", "李四", ""),
    ]


@pytest.mark.parametrize("data, filename", BY_CONTENT.values(), ids=BY_CONTENT.keys())
def test_the_admin_reads_an_upload_by_its_content_not_its_name(
    coops, superuser, admin_client_for, private_media, data, filename
):
    client = admin_client_for(superuser)

    response = upload(client, data, filename)
    preview = client.get(response.url).content.decode()
    client.post(response.url)

    assert "2 rows checked, no errors: 2 will be created, 0 updated, 0 unchanged." in preview
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    assert Household.objects.get(number="2").head_name == "李四"


def test_a_hidden_worksheet_is_not_imported_and_the_summary_says_which_was(coops, tmp_path):
    """The first worksheet, hidden, holds last year's roster: household 9 and another head of
    household 1."""
    data = xlsx_workbook(
        ("去年", [HEADER, row("1", head="旧户主"), row("9")], {"state": "hidden"}),
        ("说明", [["填表说明：每户一行"]]),
        ("花名册", [HEADER, row("1"), row("2", head="李四")]),
    )

    out, _err = run_command(tmp_path, data, "roster.xlsx")

    assert "Imported roster.xlsx: 2 created, 0 updated, 0 unchanged." in out
    assert (
        'The roster is read from the worksheet "花名册"; the other worksheets are not imported: '
        '"去年" (hidden), "说明".'
    ) in out
    assert sorted(Household.objects.values_list("number", "head_name")) == [
        ("1", "张三"),
        ("2", "李四"),
    ]


def test_the_preview_names_the_worksheet_read(coops, superuser, admin_client_for, private_media):
    client = admin_client_for(superuser)
    data = xlsx_workbook(("说明", [["填表说明"]]), ("花名册", [HEADER, row("1")]))

    page = client.get(upload(client, data, "roster.xlsx").url).content.decode()

    assert "The roster is read from the worksheet &quot;花名册&quot;" in page
    assert 'value="Import"' in page


def both_rosters():
    """A township's one workbook: the household roster, then the member roster of the same
    households (户主 and 姓名, one row a person)."""
    members = [
        member_row("张三", "1", head="张三", relation="户主", id=ID_1),
        member_row("王芳", "1", head="张三", relation="配偶"),
        member_row("李四", "2", head="李四", relation="户主"),
    ]
    return xlsx_workbook(
        ("花名册", [HEADER, row("1"), row("2", head="李四")]),
        ("成员名册", [MEMBER_HEADER, *members]),
    )


BOTH_SHEETS = (
    'The roster is read from the worksheet "花名册"; the other worksheets are not imported: '
    '"成员名册" (a member roster).'
)


def test_from_a_workbook_of_both_rosters_the_command_imports_the_households(coops, tmp_path):
    out, _err = run_command(tmp_path, both_rosters(), "roster.xlsx")

    assert "Imported roster.xlsx: 2 created, 0 updated, 0 unchanged." in out
    assert BOTH_SHEETS in out
    assert sorted(Household.objects.values_list("number", "head_name")) == [
        ("1", "张三"),
        ("2", "李四"),
    ]


def test_the_preview_of_a_workbook_of_both_rosters_names_the_household_worksheet(
    coops, superuser, admin_client_for, private_media
):
    client = admin_client_for(superuser)

    page = client.get(upload(client, both_rosters(), "roster.xlsx").url).content.decode()

    assert "2 rows checked, no errors: 2 will be created, 0 updated, 0 unchanged." in page
    assert BOTH_SHEETS.replace('"', "&quot;") in page
    assert 'value="Import"' in page


@pytest.mark.parametrize(
    "data, message",
    [
        WHOLE_FILE_ERRORS[k][::2]
        for k in (
            "web page named .xls",
            "Excel 97–2003 .xls",
            "OpenDocument spreadsheet",
            "Word document named .xls",
        )
    ],
)
def test_the_admin_says_what_a_file_that_is_not_xlsx_is(
    coops, superuser, admin_client_for, private_media, data, message
):
    client = admin_client_for(superuser)

    page = client.get(upload(client, data, "花名册.xls").url).content.decode()

    assert re.search(message, page)
    assert "save it as an Excel workbook (.xlsx) or CSV, and import that file." in page
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED


def test_the_command_reports_the_utf16_byte_order_it_read(coops, tmp_path):
    out, _err = run_command(tmp_path, utf16_bytes([row("1")], "utf-16-be"), "roster.txt")

    assert "Read as utf-16-be." in out


def test_hidden_rows_make_the_command_fail_with_their_lines_and_write_nothing(coops, tmp_path):
    HouseholdFactory(cooperative=coops[0], number="2", head_name="旧户主")
    data = hidden_rows_xlsx([row("1"), row("2", head="李四"), row("3")], hidden=[3])
    before = counts()
    err = io.StringIO()
    path = tmp_path / "roster.xlsx"
    path.write_bytes(data)

    with pytest.raises(CommandError, match="1 of 3 rows have errors; nothing was written"):
        call_command("import_households", str(path), stderr=err)

    assert err.getvalue().startswith("line 3, whole row: This row is hidden in Excel")
    assert counts() == before
    assert Household.objects.get(number="2").head_name == "旧户主"


def test_the_preview_lists_hidden_rows_and_offers_no_import(
    coops, superuser, admin_client_for, private_media
):
    client = admin_client_for(superuser)
    data = hidden_rows_xlsx([row("1"), row("2"), row("3")], hidden=[2, 4])

    page = client.get(upload(client, data, "roster.xlsx").url).content.decode()

    assert "2 errors: nothing can be imported" in page
    assert page.count("This row is hidden in Excel (hidden, filtered out, or of zero height)") == 2
    assert 'value="Import"' not in page
    assert counts() == (0, 0)
