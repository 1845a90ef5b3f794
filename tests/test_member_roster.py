"""Member rosters (cases/member_roster.py): reading and checking one person a row, no database.

The reading itself (encodings, XLSX safety, separators) is cases/roster/'s and tested in
tests/test_roster.py; here, that a member roster goes through it, and the member's columns.
"""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from cases import roster
from cases.member_roster import MEMBERS, RELATION_WORDS, MemberRow, parse_members
from cases.roster import RosterError, parse_roster
from cases.validators import id_number_check_char

from .factories import make_id_number
from .support import MEMBER_HEADER as HEADER, csv_file, member_row, xlsx_file, xlsx_workbook

TODAY = date(2025, 6, 1)
PLACE = ["烟南村", "东头经济社"]


ID_ZHANG = make_id_number(1, date(1960, 3, 4))
ID_LI = make_id_number(2, date(1962, 7, 8))


def person(name="张三", number="001", **cells):
    return member_row(name, number, **{"head": "张三", "relation": "户主", **cells})


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    return csv_file([header, *rows], encoding)


def xlsx_bytes(rows, header=HEADER):
    return xlsx_file([header, *rows])


def parse(rows, header=HEADER, **kwargs):
    return parse_members(csv_bytes(rows, header), "members.csv", today=TODAY, **kwargs)


def only_error(result):
    assert result.rows == [], result.rows
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- Reading ---------------------------------------------------------------------------------


def test_a_member_roster_reads_every_column():
    rows = [
        person(
            id=ID_ZHANG,
            phone="13812345678",
            collective="是",
            shareholder="是",
            shares="1.5",
            villager_rep="√",
            member_rep="否",
        ),
        person("李四", relation="妻", id=ID_LI, shareholder="否", shares="0"),
    ]

    result = parse(rows)

    assert result.errors == []
    assert result.rows == [
        MemberRow(
            line=2,
            village="烟南村",
            cooperative="东头经济社",
            household_no="001",
            name="张三",
            head_name="张三",
            relation="head",
            id_number=ID_ZHANG,
            birth_date=date(1960, 3, 4),
            phone="13812345678",
            is_collective_member=True,
            is_shareholder=True,
            shares=Decimal("1.50"),
            is_villager_representative=True,
            is_member_representative=False,
        ),
        MemberRow(
            line=3,
            village="烟南村",
            cooperative="东头经济社",
            household_no="001",
            name="李四",
            head_name="张三",
            relation="spouse",
            id_number=ID_LI,
            birth_date=date(1962, 7, 8),
            is_shareholder=False,
            shares=Decimal("0.00"),
        ),
    ]
    assert result.ignored_columns == []  # 性别 is known, and not kept


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_gbk_or_bom_csv_and_an_xlsx_read_alike(encoding):
    rows = [person(id=ID_ZHANG, shares="2"), person("李四", relation="妻", id=ID_LI)]

    from_csv = parse_members(csv_bytes(rows, encoding=encoding), "m.csv", today=TODAY)
    from_xlsx = parse_members(xlsx_bytes(rows), "m.xlsx", today=TODAY)

    assert from_csv.rows == from_xlsx.rows and len(from_csv.rows) == 2
    assert from_csv.encoding == {"gbk": "gb18030"}.get(encoding, encoding)


def test_english_headers_and_variants():
    header = ["Village", "Coop", "Household No", "Name", "Relationship", "ID Card", "DOB"]
    header += ["Mobile", "Collective Member", "Is Shareholder", "Share Count"]
    row = [*PLACE, "001", "张三", "head", ID_ZHANG, "", "13812345678", "y", "yes", "2"]

    result = parse([row], header)

    assert result.errors == [] and result.ignored_columns == []
    assert result.rows[0].shares == Decimal("2.00") and result.rows[0].is_shareholder


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("姓名", "name"),
        ("股东姓名", "name"),
        ("户主", "head_name"),
        ("与户主关系", "relation"),
        ("关系", "relation"),
        ("出生年月", "birth_date"),
        ("是否集体经济组织成员", "collective_member"),
        ("集体成员", "collective_member"),
        ("是否股东", "shareholder"),
        ("股东", "shareholder"),
        ("股份", "shares"),
        ("配股数", "shares"),
        ("股数", "shares"),
        ("股份（股）", "shares"),
        ("村民代表", "villager_representative"),
        ("成员代表", "member_representative"),
        ("户主身份证号", None),  # the head's, not the person's
        ("性别", None),
    ],
)
def test_member_header_variants(header, column):
    assert MEMBERS.canonical(header) == column


def test_the_household_roster_still_reads_姓名_as_the_head_and_股东_as_a_count():
    """Each kind has its own vocabulary: the same header means another column."""
    assert roster.canonical_column("姓名") == "head_name"
    assert roster.canonical_column("股东") == "shareholders"


def test_a_household_roster_is_not_a_member_roster_and_says_which_import_reads_it():
    household_roster = [["村", "经济社", "户号", "户主", "人口"], [*PLACE, "001", "张三", "4"]]

    with pytest.raises(RosterError, match="This file is a household roster .* import_households"):
        parse_members(csv_bytes(household_roster[1:], household_roster[0]), "h.csv")


def test_a_header_without_姓名_lacks_the_required_column():
    header = ["村", "经济社", "户号", "与户主关系"]

    with pytest.raises(RosterError, match=r"lacks the required columns: 姓名/name\."):
        parse_members(csv_bytes([[*PLACE, "001", "户主"]], header), "m.csv")


def test_a_file_without_a_member_header_is_not_a_member_roster():
    with pytest.raises(RosterError, match="This is not a member roster"):
        parse([["x", "y"]], ["foo", "bar"])


def test_a_header_without_rows_says_member_rows():
    with pytest.raises(RosterError, match="no member rows below it"):
        parse([])


def test_unknown_headers_are_named_but_性别_and_年龄_are_not():
    header = [*HEADER, "年龄", "签名"]
    result = parse([person() + ["60", ""]], header)

    assert result.ignored_columns == ["签名"]


# --- Cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("户主", "head"),
        ("本人", "head"),
        ("配偶", "spouse"),
        ("妻", "spouse"),
        ("夫", "spouse"),
        ("妻子", "spouse"),
        ("丈夫", "spouse"),
        ("子", "child"),
        ("女", "child"),
        ("儿子", "child"),
        ("女儿", "child"),
        ("长子", "child"),
        ("次女", "child"),
        ("儿媳", "child"),  # GB/T 4761: in the children's group
        ("父", "parent"),
        ("母亲", "parent"),
        ("岳母", "parent"),
        ("孙子", "grandchild"),
        ("孙女", "grandchild"),
        ("外孙", "grandchild"),
        ("兄", "sibling"),
        ("妹妹", "sibling"),
        ("嫂", "sibling"),
        ("祖母", "other"),
        ("侄子", "other"),
        ("其他", "other"),
        ("Spouse", "spouse"),
        ("daughter", "child"),
        ("", ""),  # blank: keep what is recorded
    ],
)
def test_relation_words(word, code):
    (row,) = parse([person(relation=word)]).rows

    assert row.relation == code


def test_every_relation_word_is_a_member_relation():
    from cases.models import Member

    assert set(RELATION_WORDS.values()) == set(Member.Relation.values)


def test_an_unknown_relation_lists_the_accepted_words():
    error = only_error(parse([person(relation="邻居")]))

    assert error.column == "与户主关系"
    assert error.message.startswith('Unknown relation to the head "邻居"; write one of: ')
    for words in (
        "户主/本人/户主本人;",
        "配偶/妻/夫/妻子…",
        "子女/子/女/儿子…",
        "其他/其它/祖父/祖母…",
    ):
        assert words in error.message
    assert error.message.endswith("(or head, spouse, child, parent, grandchild, sibling, other).")


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("√", True),
        ("×", False),
        ("TRUE", True),
        ("false", False),
        ("", None),
        ("/", None),
    ],
)
def test_yes_no_cells(cell, value):
    (row,) = parse([person(villager_rep=cell)]).rows

    assert row.is_villager_representative is value


def test_a_yes_no_cell_that_is_neither():
    error = only_error(parse([person(member_rep="也许")]))

    assert error.column == "成员代表"
    assert error.message.startswith('"也许" is neither yes nor no: write 是 or 否')


def test_xlsx_boolean_and_date_cells():
    rows = [person(birth=datetime(1960, 3, 4), collective=True, shareholder=False)]

    (row,) = parse_members(xlsx_bytes(rows), "m.xlsx", today=TODAY).rows

    assert row.birth_date == date(1960, 3, 4)
    assert (row.is_collective_member, row.is_shareholder) == (True, False)


@pytest.mark.parametrize(
    "cell",
    ["1960-03-04", "1960/3/4", "1960.3.4", "19600304", "1960年3月4日", "1960-03-04 00:00:00"],
)
def test_birth_dates_in_the_usual_forms(cell):
    (row,) = parse([person(birth=cell)]).rows

    assert row.birth_date == date(1960, 3, 4)


@pytest.mark.parametrize("cell", ["1960-13-04", "1960/2/30", "三月四日", "04/03/1960", "1960"])
def test_a_birth_date_that_is_not_a_date(cell):
    error = only_error(parse([person(birth=cell)]))

    assert error.column == "出生日期"
    assert error.message == (
        f'"{cell}" is not a date: write it as 1990-01-02, 1990/1/2, 1990.1.2, 19900102 or '
        "1990年1月2日."
    )


@pytest.mark.parametrize("cell", ["1899-12-31", "2025-06-02"])
def test_a_birth_date_before_1900_or_after_today_is_impossible(cell):
    error = only_error(parse([person(birth=cell)]))

    assert error.message == f'"{cell}" cannot be a birth date: it is before 1900 or after today.'


def test_a_blank_birth_date_is_read_from_the_id_number():
    (row,) = parse([person(id=ID_ZHANG)]).rows

    assert row.birth_date == date(1960, 3, 4)


def test_a_birth_date_that_disagrees_with_the_id_number():
    error = only_error(parse([person(id=ID_ZHANG, birth="1960-03-05")]))

    assert error.column == "出生日期"
    assert error.message == (
        "The birth date 1960-03-05 is not the one in the ID number (its digits 7–14); correct "
        "one of them."
    )


def test_a_year_and_month_takes_the_day_from_the_id_number():
    (row,) = parse([person(id=ID_ZHANG, birth="1960.03")]).rows

    assert row.birth_date == date(1960, 3, 4)
    error = only_error(parse([person(birth="1960年3月")]))
    assert "is a year and month only: write the whole date" in error.message
    error = only_error(parse([person(id=ID_ZHANG, birth="1960.04")]))
    assert "is not the one in the ID number" in error.message


def test_an_id_number_whose_digits_7_to_14_are_no_date_is_mistyped():
    """The check digit can be right by chance (1 in 11) on a mistyped number."""
    first17 = "44060519601304001"  # month 13
    error = only_error(parse([person(id=first17 + id_number_check_char(first17))]))

    assert error.column == "身份证号"
    assert "digits 7–14 are not a possible birth date" in error.message


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (ID_ZHANG[:-1] + ("0" if ID_ZHANG[-1] != "0" else "1"), "check digit is wrong"),
        ("4.40605E+17", "scientific notation by Excel"),
        ("44060519600304", "has 18 characters; this one has 14"),
    ],
)
def test_a_bad_id_number(cell, message):
    error = only_error(parse([person(id=cell)]))

    assert error.column == "身份证号" and message in error.message


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ("-1", '股份 cannot be negative ("-1").'),
        ("1.255", '"1.255" has more than two decimal places; shares are kept to 0.01.'),
        ("一股", '"一股" is not a number of shares; write a number such as 1 or 1.5.'),
    ],
)
def test_shares_are_a_non_negative_number_to_the_hundredth(shares, message):
    error = only_error(parse([person(shares=shares)]))

    assert (error.column, error.message) == ("股份", message)


def test_shares_with_their_unit_and_zero():
    first, second = parse([person(shares="2股"), person("李四", relation="妻", shares="0")]).rows

    assert (first.shares, second.shares) == (Decimal("2.00"), Decimal("0.00"))


def test_shares_make_a_shareholder_of_a_blank_shareholder_cell():
    first, second = parse([person(shares="1"), person("李四", relation="妻", shares="0")]).rows

    assert first.is_shareholder is True
    assert second.is_shareholder is None  # 0 shares say nothing: keep what is recorded


def test_shares_with_shareholder_no_are_refused():
    error = only_error(parse([person(shareholder="否", shares="1.5")]))

    assert error.column == "股份"
    assert error.message == (
        "1.50 shares, but 是否股东 says the person is not a shareholder: only a shareholder "
        "holds shares (write 0 shares, or 是 under 是否股东)."
    )


@pytest.mark.parametrize("name", ["", "  ", "刘?"])
def test_a_missing_or_damaged_name(name):
    error = only_error(parse([person(name)]))

    assert error.column == "姓名"


# --- The rows of one file together ---------------------------------------------------------


def test_the_same_person_twice_in_the_file():
    result = parse([person(id=ID_ZHANG), person("张三丰", relation="子", id=ID_ZHANG)])

    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "身份证号", "The same ID number is already on line 2: a person is listed once.")
    ]


def test_two_people_of_one_name_in_one_household_need_id_numbers():
    result = parse([person(), person(relation="子")])

    assert [(e.line, e.column) for e in result.errors] == [(3, "姓名")]
    assert result.errors[0].message == (
        "张三 of household 001 is also on line 2, and without ID numbers the two cannot be told "
        "apart; add the ID numbers."
    )
    with_ids = parse([person(id=ID_ZHANG), person(relation="子", id=ID_LI)])
    assert with_ids.errors == []
    one_without = parse([person(id=ID_ZHANG), person(relation="子")])
    assert [e.line for e in one_without.errors] == [3]
    other_household = parse([person(), person(number="002", relation="户主")])
    assert other_household.errors == []


def test_one_head_per_household_in_the_file():
    result = parse([person(), person("李四", relation="户主"), person("王五", number="002")])

    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (3, "与户主关系", "Household 001 already has its head on line 2; a household has one head.")
    ]


# --- Merged household cells ----------------------------------------------------------------


def test_fill_down_takes_the_household_and_its_head_from_the_row_above():
    rows = [
        person(),
        ["", "", "", "", "李四", "女", "妻", "", "", "", "", "", "", "", ""],
        person("王五", number="002", head="王五"),
        ["", "", "", "", "王小五", "男", "子", "", "", "", "", "", "", "", ""],
    ]

    result = parse(rows, fill_down=True)

    assert result.errors == []
    assert [(r.household_no, r.head_name, r.name) for r in result.rows] == [
        ("001", "张三", "张三"),
        ("001", "张三", "李四"),
        ("002", "王五", "王五"),
        ("002", "王五", "王小五"),
    ]


def test_without_fill_down_a_blank_household_number_suggests_it():
    rows = [person(), person("李四", number="", relation="妻")]

    error = only_error(parse(rows[1:]))
    assert 'import with "Fill down merged cells" (--fill-down for the command)' in error.message
    result = parse(rows)
    assert [(e.line, e.column) for e in result.errors] == [(3, "户号")]


def test_fill_down_does_not_carry_a_household_into_another_cooperative():
    rows = [person(), person("李四", number="", relation="妻", place=("烟南村", "西头经济社"))]

    result = parse(rows, fill_down=True)

    assert [(e.line, e.column) for e in result.errors] == [(3, "户号")]
    assert "the row above is in another village or cooperative" in result.errors[0].message


def test_known_villages_and_cooperatives_are_checked_as_for_households():
    result = parse([person(place=("镇南村", "上沙经济社"))], known_cooperatives={"烟南村": []})

    assert result.errors[0].message.startswith('Unknown village "镇南村"')


def test_the_household_roster_parser_refuses_a_member_file_naming_the_member_import():
    """A member file has every column a household roster requires, but read as one, each
    household's second person was refused as its household number again: now the file is
    refused in one sentence."""
    rows = [person(), person("李四", relation="妻")]

    with pytest.raises(RosterError, match="This file is a member roster .* import_members"):
        parse_roster(csv_bytes(rows), "members.csv")


def test_rows_and_columns_hidden_in_excel_are_errors_as_for_households():
    rows = [person(), person("李四", relation="妻")]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(rows)))
    workbook.active.row_dimensions[3].hidden = True
    workbook.active.column_dimensions["M"].hidden = True  # 股份
    out = io.BytesIO()
    workbook.save(out)

    result = parse_members(out.getvalue(), "m.xlsx", today=TODAY)

    assert [(e.line, e.column) for e in result.errors] == [(1, "股份"), (3, "whole row")]
    assert [r.name for r in result.rows] == ["张三"]


def test_rows_of_zero_height_are_hidden_rows_as_for_households():
    rows = [HEADER, person(), person("李四", relation="妻"), person("王五", relation="子")]

    result = parse_members(xlsx_file(rows, heights={3: 0}), "m.xlsx", today=TODAY)
    hidden_by_default = parse_members(
        xlsx_file(rows, heights={1: 15, 2: 15, 4: 15}, zero_height=True), "m.xlsx", today=TODAY
    )

    for parsed in (result, hidden_by_default):
        assert [(e.line, e.column) for e in parsed.errors] == [(3, "whole row")]
        assert [r.name for r in parsed.rows] == ["张三", "王五"]


def test_in_a_workbook_with_both_rosters_each_import_reads_its_own():
    """A household roster (no 姓名) is no member roster; a member roster has every column a
    household roster requires (户主 the head, 姓名 one more name), but more of a member
    roster's: each import reads its own worksheet (tests/test_roster.py has the cases)."""
    households = [
        ["村", "经济社", "户号", "户主", "人口"],
        ["烟南村", "东头经济社", "001", "张三", "2"],
    ]
    members = [HEADER, person(), person("李四", relation="妻")]
    data = xlsx_workbook(("户", households), ("成员", members))

    result = parse_members(data, "m.xlsx", today=TODAY)
    household_result = parse_roster(data, "m.xlsx")

    assert [r.name for r in result.rows] == ["张三", "李四"]
    assert (result.sheet, result.sheets_not_read) == ("成员", ['"户" (a household roster)'])
    assert [r.head_name for r in household_result.rows] == ["张三"]
    assert household_result.sheets_not_read == ['"成员" (a member roster)']
