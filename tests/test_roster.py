"""Roster parsing and validation (cases/roster/): pure, no database.

Every file is built in code: CSV bytes in each encoding Chinese Excel writes, XLSX with openpyxl
into memory, zip bombs with zipfile.
"""

import io
import tracemalloc
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import given, strategies as st

if not settings.configured:
    settings.configure(USE_I18N=False)

from cases import roster  # noqa: E402 (needs settings for messages)
from cases.member_roster import parse_members  # noqa: E402
from cases.roster import (  # noqa: E402
    ParseResult,
    RosterError,
    RosterRow,
    RowError,
    canonical_column,
    cells as roster_cells,  # the field parsers' fast and full paths
    decode_csv,
    parse_roster,
    read_rows,
    xlsx as roster_xlsx,  # where openpyxl is looked up
)
from cases.validators import id_number_check_char  # noqa: E402

from .support import (  # noqa: E402
    MEMBER_HEADER,
    csv_file,
    member_row,
    ole2_file,
    xlsx_file,
    xlsx_workbook,
    zip_part_replaced,
)

ID_ZHANG = "440682199001011239"
ID_LI = "440682198512034569"
ID_WITH_X = "44068219850600008X"

HEADER = ["村", "经济社", "户号", "户主", "身份证号", "联系电话", "人口", "股东数"]
HEADER += ["承包面积(亩)", "地址", "备注"]
ROSTER = [
    HEADER,
    ["烟南村", "村尾经济社", "1", "张三", ID_ZHANG, "13812345678", "4", "3", "1.5", "一巷1号", ""],
    ["烟南村", "村尾经济社", "2", "李四", ID_LI, "0757-86501234", "3", "3", "0.75", "", "外出务工"],
    ["英明社区", "南洋经济社", "1", "陈五", "", "", "", "", "", "", ""],
]
YANNAN = {"village": "烟南村", "cooperative": "村尾经济社"}
EXPECTED = [
    RosterRow(
        line=2,
        **YANNAN,
        household_no="1",
        head_name="张三",
        id_number=ID_ZHANG,
        phone="13812345678",
        members=4,
        shareholders=3,
        contracted_mu=Decimal("1.50"),
        address="一巷1号",
    ),
    RosterRow(
        line=3,
        **YANNAN,
        household_no="2",
        head_name="李四",
        id_number=ID_LI,
        phone="0757-86501234",
        members=3,
        shareholders=3,
        contracted_mu=Decimal("0.75"),
        notes="外出务工",
    ),
    RosterRow(
        line=4, village="英明社区", cooperative="南洋经济社", household_no="1", head_name="陈五"
    ),
]


@pytest.fixture(autouse=True)
def english():
    """The assertions read the English msgids, whatever LANGUAGE_CODE the suite runs with."""
    with translation.override("en"):
        yield


# The roster files of these tests, as Excel writes them (tests/support.py).
csv_bytes = csv_file
xlsx_bytes = xlsx_file


def sheet_xml_replaced(data, old, new):
    """The XLSX ``data`` with ``old`` replaced by ``new`` in its first worksheet's XML."""
    return zip_part_replaced(data, "xl/worksheets/sheet1.xml", old, new)


def one_household(**cells):
    """A roster with a single household; ``cells`` override its values by canonical name."""
    values = dict(zip(roster.COLUMNS, ROSTER[1], strict=True))
    values.update(cells)
    return csv_bytes([HEADER, [values[c] for c in roster.COLUMNS]])


def only_error(result: ParseResult) -> RowError:
    assert result.rows == []
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def zip_bytes(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


# --- Encodings and formats -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_in_every_encoding_excel_writes_reads_the_same_rows(codec, reported):
    result = parse_roster(csv_bytes(ROSTER, codec), "花名册.csv")

    assert result.rows == EXPECTED
    assert result.errors == []
    assert result.encoding == reported
    assert result.file_format == "csv"
    assert result.total_lines == 3
    assert result.columns == list(roster.COLUMNS)


def test_gb18030_characters_outside_gbk_survive():
    rows = [HEADER[:4] + ["地址"], ["烟南村", "村尾经济社", "9", "刘䶮", "𠀀村一巷"]]
    data = csv_bytes(rows, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")

    result = parse_roster(data, "roster.csv")

    assert result.encoding == "gb18030"
    assert [(r.head_name, r.address) for r in result.rows] == [("刘䶮", "𠀀村一巷")]


def test_excel_unicode_text_is_utf16_with_tabs():
    data = b"\xff\xfe" + csv_bytes(ROSTER, "utf-16-le", delimiter="\t")

    result = parse_roster(data, "roster.txt")

    assert result.rows == EXPECTED
    assert result.encoding == "utf-16"


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_sniffed(delimiter):
    data = csv_bytes(ROSTER, delimiter=delimiter)

    assert parse_roster(data, "roster.csv").rows == EXPECTED


def test_xlsx_reads_the_same_rows_as_csv():
    result = parse_roster(xlsx_bytes(ROSTER), "花名册.xlsx")

    assert result.rows == EXPECTED
    assert result.file_format == "xlsx"
    assert result.encoding == ""


@pytest.mark.parametrize("filename", ["upload.bin", "roster.csv", "roster.txt"])
def test_xlsx_is_recognised_by_content_whatever_its_name(filename):
    result = parse_roster(xlsx_bytes(ROSTER), filename)

    assert result.rows == EXPECTED
    assert result.file_format == "xlsx"


@pytest.mark.parametrize("filename", ["roster.xlsx", "ROSTER.XLSX", "roster.xlsm", "roster.xls"])
@pytest.mark.parametrize("codec", ["utf-8-sig", "gbk"])
def test_csv_renamed_to_an_excel_name_is_read_as_csv(filename, codec):
    result = parse_roster(csv_bytes(ROSTER, codec), filename)

    assert result.rows == EXPECTED
    assert result.file_format == "csv"


# Excel's "Unicode Text" is UTF-16LE with a BOM, separated by tabs; other tools write UTF-16
# without a BOM, either byte order, with commas. ROSTER's 一 (U+4E00) puts a NUL byte on the
# "wrong" side of its code unit.
@pytest.mark.parametrize("delimiter", ["\t", ","])
@pytest.mark.parametrize(
    ("bom", "codec", "reported"),
    [
        (b"\xff\xfe", "utf-16-le", "utf-16"),
        (b"\xfe\xff", "utf-16-be", "utf-16"),
        (b"", "utf-16-le", "utf-16-le"),
        (b"", "utf-16-be", "utf-16-be"),
    ],
)
def test_utf16_with_or_without_bom_in_either_byte_order_is_read(bom, codec, reported, delimiter):
    data = bom + csv_bytes(ROSTER, codec, delimiter=delimiter)

    result = parse_roster(data, "roster.txt")

    assert result.rows == EXPECTED
    assert result.encoding == reported
    assert result.headers["head_name"] == "户主"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_of_chinese_only_cells_is_read(codec):
    # Per row 5 ASCII characters (delimiters, line break) against 2 NULs of 一 and 开.
    numbers = [a + b for a in "甲乙丙丁戊己庚辛壬癸" for b in "甲乙丙丁戊己庚辛壬癸"]
    rows = [["村", "经济社", "户号", "户主"]]
    rows += [["烟南村", "村尾经济社", number, "王一开"] for number in numbers]

    result = parse_roster(csv_bytes(rows, codec), "花名册.csv")

    assert result.errors == []
    assert [r.household_no for r in result.rows] == numbers
    assert result.encoding == codec


def test_xlsx_numeric_cells_become_the_text_excel_shows():
    rows = [
        HEADER,
        ["烟南村", "村尾经济社", 12, "张三", ID_ZHANG, 13812345678, 4, 3.0, 1.5, "", ""],
        ["烟南村", "村尾经济社", 13.0, "李四", "", "", 3, 3, 2, "", ""],
    ]

    result = parse_roster(xlsx_bytes(rows), "roster.xlsx")

    assert result.errors == []
    first, second = result.rows
    assert (first.household_no, first.phone, first.members, first.shareholders) == (
        "12",
        "13812345678",
        4,
        3,
    )
    assert first.contracted_mu == Decimal("1.50")
    assert (second.household_no, second.contracted_mu) == ("13", Decimal("2.00"))


@pytest.mark.parametrize("number", [440682199001011239, 4.40682199001011e17])
def test_xlsx_id_number_stored_as_a_number_is_refused_as_digits_are_lost(number):
    rows = [HEADER[:5], ["烟南村", "村尾经济社", "1", "张三", number]]

    error = only_error(parse_roster(xlsx_bytes(rows), "roster.xlsx"))

    assert (error.line, error.column) == (2, "身份证号")
    assert "scientific notation" in error.message
    assert "4.40682199001011E+17" in error.message


def test_xlsx_line_numbers_count_blank_rows_and_title_rows():
    rows = [
        ["九江镇烟南村农户花名册"],
        [],
        HEADER[:4],
        ["烟南村", "村尾经济社", "1", "张三"],
        [],
        [],
        ["烟南村", "村尾经济社", "", "李四"],
    ]

    result = parse_roster(xlsx_bytes(rows), "roster.xlsx")

    assert result.header_line == 3
    assert [r.line for r in result.rows] == [4]
    assert [(e.line, e.column) for e in result.errors] == [(7, "户号")]


HIDDEN_ROW = (
    "This row is hidden in Excel (hidden, filtered out, or of zero height), so it would be "
    "imported unseen: unhide it, or clear the filter, to import it; or delete it."
)
HIDDEN_COLUMN = (
    "This column is hidden in Excel, so it would be imported unseen: unhide it to import it, "
    "or delete it."
)


def test_hidden_xlsx_rows_are_errors_on_their_lines_and_blank_or_title_ones_are_not():
    rows = [["九江镇烟南村农户花名册"], *ROSTER[:2], [], ROSTER[2], ROSTER[3]]
    # Hidden: the title (line 1), household 1 (line 3), a blank row (4), household 英明 (6).
    data = xlsx_bytes(rows, hidden_rows=[1, 3, 4, 6])

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [
        RowError(3, "whole row", HIDDEN_ROW),
        RowError(6, "whole row", HIDDEN_ROW),
    ]
    assert result.total_lines == 3
    assert not result.ok


@pytest.mark.parametrize(
    "true",
    [
        b'hidden="true"',
        b'hidden="1" ht="0" customHeight="1"',
        # Of zero height: Excel shows nothing of it, though not "hidden".
        b'ht="0" customHeight="1"',
        b'ht="0.0"',
        b'customHeight="true"',  # no ht: Excel reads 0
    ],
)
def test_a_hidden_row_is_found_however_the_xml_says_it(true):
    data = sheet_xml_replaced(xlsx_bytes(ROSTER, hidden_rows=[3]), b'hidden="1"', true)

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [RowError(3, "whole row", HIDDEN_ROW)]


def test_a_row_of_zero_height_is_hidden_and_rows_with_a_height_are_not():
    data = xlsx_bytes(ROSTER, heights={2: 0, 3: 22.5, 4: 0.75})

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [RowError(2, "whole row", HIDDEN_ROW)]
    assert [r.line for r in result.rows] == [3, 4]


def test_when_rows_are_zero_height_by_default_only_those_given_a_height_are_seen():
    """``<sheetFormatPr zeroHeight="1">``: Excel shows the rows that have a height of their
    own (here the header and line 3); the others (2 and 4) are hidden."""
    data = xlsx_bytes(ROSTER, heights={1: 15, 3: 15}, zero_height=True)

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [
        RowError(2, "whole row", HIDDEN_ROW),
        RowError(4, "whole row", HIDDEN_ROW),
    ]
    assert [r.line for r in result.rows] == [3]


def test_a_column_of_zero_width_is_hidden():
    data = sheet_xml_replaced(
        xlsx_bytes(ROSTER, hidden_columns=["E"]), b'hidden="1" width="13"', b'width="0"'
    )

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [RowError(1, "身份证号", HIDDEN_COLUMN)]


def test_a_hidden_row_with_a_bad_cell_gets_both_errors():
    rows = [*ROSTER[:2], ["烟南村", "村尾经济社", "", "李四"]]

    result = parse_roster(xlsx_bytes(rows, hidden_rows=[3]), "roster.xlsx")

    assert [(e.line, e.column) for e in result.errors] == [(3, "whole row"), (3, "户号")]


def test_a_hidden_roster_column_is_reported_once_on_the_header_line():
    rows = [["花名册"], [*HEADER, "序号"], *[[*r, n] for n, r in enumerate(ROSTER[1:], 1)]]
    # E: 身份证号; from K (备注) to M: 备注 and 序号 (not a roster column) and beyond.
    data = xlsx_bytes(rows, hidden_columns=["E", ("K", "M")])

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [
        RowError(2, "身份证号", HIDDEN_COLUMN),
        RowError(2, "备注", HIDDEN_COLUMN),
    ]


def test_hidden_columns_beyond_the_roster_are_no_error():
    # Excel hides every unused column to the right as one <col min="12" max="16384">.
    data = sheet_xml_replaced(
        xlsx_bytes(ROSTER, hidden_columns=["L"]), b'min="12" max="12"', b'min="12" max="16384"'
    )

    result = parse_roster(data, "roster.xlsx")

    assert result.rows == EXPECTED
    assert result.errors == []


def test_read_rows_gives_line_numbers_and_raw_cells_by_canonical_column():
    rows = [
        ["花名册"],
        ["Village", "Cooperative", "Household No", "Head", "序号"],
        ["烟南村", "村尾经济社", " 1 ", "张三", "1"],
        [],
        ["", "", "", "", "2"],
        ["烟南村", "村尾经济社", "2", "李四", "3"],
    ]

    result = list(read_rows(csv_bytes(rows), "roster.csv"))

    assert [line for line, _ in result] == [3, 6]
    assert result[0][1] == {
        "village": "烟南村",
        "cooperative": "村尾经济社",
        "household_no": " 1 ",
        "head_name": "张三",
    }


def test_a_quoted_line_break_stays_in_one_spreadsheet_row():
    rows = [HEADER[:4] + ["地址"], [*YANNAN.values(), "1", "张三", "一巷\n1号"]]
    rows.append([*YANNAN.values(), "", "李四", ""])

    result = parse_roster(csv_bytes(rows), "roster.csv")

    assert result.rows[0].address == "一巷\n1号"
    assert [(e.line, e.column) for e in result.errors] == [(3, "户号")]


def test_xlsx_dates_become_iso_text():
    rows = [HEADER[:4] + ["备注"], [*YANNAN.values(), "1", "张三", datetime(2024, 3, 5)]]

    (row,) = parse_roster(xlsx_bytes(rows), "roster.xlsx").rows

    assert row.notes == "2024-03-05"


# --- Headers -------------------------------------------------------------------------------


def test_english_headers_in_any_case_with_spaces():
    header = [
        " Village ",
        "COOPERATIVE",
        "Household_No",
        "head name",
        "ID Number",
        "Phone",
        "Members",
        "Shareholders",
        "Contracted_Mu",
        "Address",
        "notes",
    ]

    result = parse_roster(csv_bytes([header, *ROSTER[1:]]), "roster.csv")

    assert result.rows == EXPECTED
    assert result.columns == list(roster.COLUMNS)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("承包面积（亩）", "contracted_mu"),
        (" 承包面积 (亩) ", "contracted_mu"),
        ("承包面积", "contracted_mu"),
        ("户主姓名", "head_name"),
        ("户主（代表）", "head_name"),
        ("电话", "phone"),
        ("手机", "phone"),
        ("联系电话(手机)", "phone"),
        ("社", "cooperative"),
        ("经济合作社", "cooperative"),
        ("村(社区)", "village"),
        ("户号*", "household_no"),
        ("身份证号码", "id_number"),
        ("人口(人)", "members"),
        ("ＶＩＬＬＡＧＥ", "village"),
        ("Contracted area (mu)", "contracted_mu"),
        ("承包面积(平方米)", None),
        ("序号", None),
    ],
)
def test_header_variants(header, column):
    assert canonical_column(header) == column


def test_header_variants_in_a_file_keep_the_header_as_written_for_errors():
    header = ["村名", "经济合作社", "户号*", "户主姓名", "手机", "承包面积（亩）", "序号"]
    data = csv_bytes([header, ["烟南村", "村尾经济社", "1", "张三", "138", "-2", "1"]])

    result = parse_roster(data, "roster.csv")

    assert result.columns == [
        "village",
        "cooperative",
        "household_no",
        "head_name",
        "phone",
        "contracted_mu",
    ]
    assert result.ignored_columns == ["序号"]
    assert [(e.line, e.column) for e in result.errors] == [(2, "手机"), (2, "承包面积（亩）")]


def test_title_rows_above_the_header_are_skipped():
    data = csv_bytes([["九江镇烟南村农户花名册"], ["制表：2024年3月"], *ROSTER])

    result = parse_roster(data, "roster.csv")

    assert result.header_line == 3
    assert [r.line for r in result.rows] == [4, 5, 6]


def test_wrong_headers_name_the_missing_columns():
    data = csv_bytes([["户主", "身份证号", "电话"], ["张三", ID_ZHANG, "13812345678"]])

    with pytest.raises(RosterError) as caught:
        parse_roster(data, "roster.csv")

    message = str(caught.value)
    assert "line 1" in message
    assert "村/village" in message
    assert "经济社/cooperative" in message
    assert "户号/household_no" in message
    assert "head_name" not in message


def test_a_file_without_any_roster_header_is_not_a_roster():
    data = csv_bytes([["name", "age", "city"], ["Zhang", "30", "Foshan"]])

    with pytest.raises(RosterError, match="not a household roster"):
        parse_roster(data, "people.csv")


def test_a_chinese_refusal_lists_the_columns_as_chinese_lists_them():
    """A Chinese message named the columns to write with ", " between them."""
    data = csv_bytes([["日期", "金额", "说明"], ["2024-01-01", "100", "办公用品"]])

    with translation.override("zh-hans"), pytest.raises(RosterError) as caught:
        parse_roster(data, "notes.csv")

    assert "村/village、经济社/cooperative、户号/household_no、户主/head_name" in str(caught.value)


def test_a_repeated_header_row_is_not_a_household():
    result = parse_roster(csv_bytes([*ROSTER[:3], HEADER, ROSTER[3]]), "roster.csv")

    assert [r.line for r in result.rows] == [2, 3, 5]
    assert result.errors == []
    assert result.total_lines == 3


def test_header_without_rows_is_refused():
    with pytest.raises(RosterError, match="no household rows"):
        parse_roster(csv_bytes([HEADER]), "template.csv")


# --- Row validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"household_no": " "}, "户号", "户号 cell is blank"),
        ({"head_name": ""}, "户主", "户主 cell is blank"),
        ({"id_number": "4.40682E+17"}, "身份证号", "scientific notation"),
        ({"id_number": "4.40682199001011e+17"}, "身份证号", "scientific notation"),
        ({"id_number": "440682199001011230"}, "身份证号", "check digit"),
        ({"id_number": "44068219900101123"}, "身份证号", "18 characters"),
        ({"phone": "138123"}, "联系电话", "phone number"),
        ({"phone": "打不通"}, "联系电话", "phone number"),
        ({"members": "-1"}, "人口", "人口 cannot be negative"),
        ({"members": "三"}, "人口", '"三" is not a whole number'),
        ({"members": "2.5"}, "人口", "not a whole number"),
        ({"shareholders": "-2"}, "股东数", "股东数 cannot be negative"),
        ({"contracted_mu": "-1.5"}, "承包面积(亩)", "cannot be negative"),
        ({"contracted_mu": "一亩半"}, "承包面积(亩)", "not an area in mu"),
        ({"contracted_mu": "1,5"}, "承包面积(亩)", "not an area in mu"),
        ({"contracted_mu": "1.234"}, "承包面积(亩)", "more than two decimal places"),
    ],
)
def test_each_bad_cell_is_reported_with_line_column_and_reason(cells, column, fragment):
    error = only_error(parse_roster(one_household(**cells), "roster.csv"))

    assert error.line == 2
    assert error.column == column
    assert fragment in error.message


def test_every_bad_row_is_reported_not_only_the_first():
    data = csv_bytes(
        [
            HEADER,
            ["烟南村", "村尾经济社", "1", "张三", "4.40682E+17", "", "-1", "", "", "", ""],
            ["烟南村", "村尾经济社", "2", "李四", "", "", "", "", "", "", ""],
            ["烟南村", "村尾经济社", "", "", "", "12345", "", "", "x", "", ""],
        ]
    )

    result = parse_roster(data, "roster.csv")

    assert [r.line for r in result.rows] == [3]
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "身份证号"),
        (2, "人口"),
        (4, "户号"),
        (4, "户主"),
        (4, "联系电话"),
        (4, "承包面积(亩)"),
    ]
    assert result.total_lines == 3
    assert not result.ok


def test_safe_normalisation_of_full_width_spaces_and_case():
    data = one_household(
        village=" 烟南村 ",
        household_no="１２",
        head_name="张　三",
        id_number=" ４４０６８２１９８５０６０００ ０８ｘ",
        phone="138-1234-5678",
        members="４",
        contracted_mu="１，２３４．５",
        address="一巷１２号",
    )

    (row,) = parse_roster(data, "roster.csv").rows

    assert row.village == "烟南村"
    assert row.household_no == "12"
    assert row.head_name == "张三"
    assert row.id_number == ID_WITH_X
    assert row.phone == "13812345678"
    assert row.members == 4
    assert row.contracted_mu == Decimal("1234.50")
    assert row.address == "一巷12号"


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("1.5", "1.50"),
        ("１．５", "1.50"),
        ("1,234.5", "1234.50"),
        ("2亩", "2.00"),
        ("0", "0.00"),
        ("1.500", "1.50"),
        (" ", None),
        ("无", None),
    ],
)
def test_areas_accepted(text, area):
    (row,) = parse_roster(one_household(contracted_mu=text), "roster.csv").rows

    assert row.contracted_mu == (Decimal(area) if area else None)


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.booleans())
def test_any_area_to_the_hundredth_round_trips(area, full_width):
    text = f"{area:,.2f}"
    if full_width:
        text = text.translate(str.maketrans("0123456789.,", "０１２３４５６７８９．，"))

    (row,) = parse_roster(one_household(contracted_mu=text), "roster.csv").rows

    assert row.contracted_mu == area


def test_excel_text_tricks_and_placeholders_in_optional_cells():
    data = one_household(id_number=f'="{ID_ZHANG}"', phone="'13812345678", members="无")

    (row,) = parse_roster(data, "roster.csv").rows

    assert (row.id_number, row.phone, row.members) == (ID_ZHANG, "13812345678", None)


def test_household_number_keeps_leading_zeros_written_as_text():
    (row,) = parse_roster(one_household(household_no="007"), "roster.csv").rows

    assert row.household_no == "007"


# --- Merged cells, duplicates, known villages --------------------------------------------

MERGED = [
    HEADER[:4],
    ["烟南村", "村尾经济社", "1", "张三"],
    ["", "", "2", "李四"],
    ["", "新基经济社", "1", "王五"],
    ["", "", "2", "赵六"],
    ["英明社区", "", "1", "陈七"],
]


def test_fill_down_takes_village_and_cooperative_from_the_row_above():
    result = parse_roster(csv_bytes(MERGED[:5]), "roster.csv", fill_down=True)

    assert result.errors == []
    assert [(r.village, r.cooperative, r.household_no) for r in result.rows] == [
        ("烟南村", "村尾经济社", "1"),
        ("烟南村", "村尾经济社", "2"),
        ("烟南村", "新基经济社", "1"),
        ("烟南村", "新基经济社", "2"),
    ]


def test_fill_down_does_not_carry_a_cooperative_into_another_village():
    result = parse_roster(csv_bytes(MERGED), "roster.csv", fill_down=True)

    error = result.errors[-1]
    assert (error.line, error.column) == (6, "经济社")
    assert "another village" in error.message


def test_fill_down_needs_a_value_above():
    data = csv_bytes([HEADER[:4], ["", "村尾经济社", "1", "张三"]])

    error = only_error(parse_roster(data, "roster.csv", fill_down=True))

    assert (error.line, error.column) == (2, "村")
    assert "no value above" in error.message


def test_without_fill_down_blank_merged_cells_are_errors_that_suggest_it():
    result = parse_roster(csv_bytes(MERGED[:5]), "roster.csv")

    assert [r.line for r in result.rows] == [2]
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "村"),
        (3, "经济社"),
        (4, "村"),
        (5, "村"),
        (5, "经济社"),
    ]
    assert all("--fill-down" in e.message for e in result.errors)


def test_fill_down_works_on_xlsx_merged_cells():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in MERGED[:3]:
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    out = io.BytesIO()
    workbook.save(out)

    result = parse_roster(out.getvalue(), "roster.xlsx", fill_down=True)

    assert [(r.line, r.village, r.cooperative) for r in result.rows] == [
        (2, "烟南村", "村尾经济社"),
        (3, "烟南村", "村尾经济社"),
    ]


def test_duplicate_household_number_names_the_earlier_line():
    data = csv_bytes(
        [
            HEADER[:4],
            ["烟南村", "村尾经济社", "7", "张三"],
            ["烟南村", "新基经济社", "7", "李四"],
            ["英明社区", "村尾经济社", "7", "王五"],
            ["烟南村", "村尾经济社", "７ ", "赵六"],
        ]
    )

    result = parse_roster(data, "roster.csv")

    assert [r.line for r in result.rows] == [2, 3, 4]
    (error,) = result.errors
    assert (error.line, error.column) == (5, "户号")
    assert "line 2" in error.message
    assert "村尾经济社" in error.message


KNOWN = {"烟南村": {"村尾经济社", "新基经济社"}, "英明社区": {"南洋经济社"}}


def test_known_villages_and_cooperatives_are_checked():
    data = csv_bytes(
        [
            HEADER[:4],
            ["烟南村", "村尾经济社", "1", "张三"],
            ["烟南", "村尾经济社", "2", "李四"],
            ["英明社区", "村尾经济社", "3", "王五"],
            [" 英明社区", "南洋经济社 ", "4", "赵六"],
        ]
    )

    result = parse_roster(data, "roster.csv", known_cooperatives=KNOWN)

    assert [r.line for r in result.rows] == [2, 5]
    village_error, cooperative_error = result.errors
    assert (village_error.line, village_error.column) == (3, "村")
    assert 'Unknown village "烟南"' in village_error.message
    assert "烟南村" in village_error.message
    assert (cooperative_error.line, cooperative_error.column) == (4, "经济社")
    assert '"英明社区" has no cooperative "村尾经济社"' in cooperative_error.message
    assert "南洋经济社" in cooperative_error.message


def test_the_known_cooperatives_are_listed_as_the_language_lists_them():
    """A Chinese message listed the names with ", " ("东头经济社, 新基经济社"), and said
    "没有“南洋经济社”经济社" of a name that ends in 经济社 already."""
    data = csv_bytes([HEADER[:4], ["烟南村", "南洋经济社", "1", "张三"]])
    with translation.override("zh-hans"):
        (error,) = parse_roster(data, "roster.csv", known_cooperatives=KNOWN).errors
        assert str(error.message) == (
            "“烟南村”没有名为“南洋经济社”的经济社；其经济社有：新基经济社、村尾经济社。"
        )
    with translation.override("en"):
        (error,) = parse_roster(data, "roster.csv", known_cooperatives=KNOWN).errors
        assert "its cooperatives: 新基经济社, 村尾经济社." in str(error.message)


# --- Whole-file problems -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"  \r\n\r\n", b"\xef\xbb\xbf", b",,,\r\n,,\r\n", b"\xff\xfe"]
)
def test_empty_file(data):
    with pytest.raises(RosterError, match="empty"):
        parse_roster(data, "roster.csv")


def test_a_workbook_of_one_empty_worksheet():
    with pytest.raises(RosterError, match='^The worksheet "说明" is empty.$'):
        parse_roster(xlsx_workbook(("说明", [])), "roster.xlsx")


# --- Which worksheet: the visible one that holds a roster -------------------------------------

INSTRUCTIONS = [["填表说明"], ["每户一行；户号在经济社内唯一。"]]
OLD_ROSTER = [HEADER, ["烟南村", "村尾经济社", "9", "旧户主", "", "", "", "", "", "", ""]]


def test_the_roster_worksheet_is_read_after_an_instructions_worksheet():
    data = xlsx_workbook(("说明", INSTRUCTIONS), ("花名册", ROSTER))

    result = parse_roster(data, "roster.xlsx")

    assert result.rows == EXPECTED
    assert (result.sheet, result.sheets_not_read) == ("花名册", ['"说明"'])


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_worksheet_is_never_read(state):
    data = xlsx_workbook(("旧名册", OLD_ROSTER, {"state": state}), ("花名册", ROSTER))

    result = parse_roster(data, "roster.xlsx")

    assert result.rows == EXPECTED
    assert (result.sheet, result.sheets_not_read) == ("花名册", ['"旧名册" (hidden)'])


def test_a_single_worksheet_is_read_as_before_and_names_no_other():
    result = parse_roster(xlsx_workbook(("花名册", ROSTER)), "roster.xlsx")

    assert (result.sheet, result.sheets_not_read) == ("花名册", [])


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_roster_only_on_a_hidden_worksheet_is_refused_naming_it(state):
    instructions, blank = ("说明", INSTRUCTIONS), ("空白", [])
    for visible in ([instructions], [blank], [instructions, blank]):
        data = xlsx_workbook(*visible, ("花名册", ROSTER, {"state": state}))

        with pytest.raises(RosterError) as caught:
            parse_roster(data, "roster.xlsx")

        assert str(caught.value).startswith(
            'The household roster is on a hidden worksheet ("花名册"), and hidden worksheets '
            "are never imported: unhide it in Excel or WPS"
        )


TOTALS = [["村", "经济社", "户数", "人数"], ["烟南村", "村尾经济社", "2", "7"]]
LACKING_NUMBER = [[c for n, c in enumerate(row) if n != 2] for row in OLD_ROSTER]  # no 户号


def test_several_visible_worksheets_with_a_roster_are_refused_naming_them():
    # One per cooperative; a totals worksheet, or a copy lacking a column, is no roster.
    data = xlsx_workbook(
        ("说明", INSTRUCTIONS),
        ("东头", ROSTER),
        ("汇总", TOTALS),
        ("旧名册", LACKING_NUMBER),
        ("村尾", ROSTER),
    )

    with pytest.raises(RosterError) as caught:
        parse_roster(data, "roster.xlsx")

    assert str(caught.value).startswith(
        'Several worksheets look like a household roster ("东头", "村尾"), and only one can be '
        "imported at a time"
    )


def test_a_totals_worksheet_before_the_roster_is_passed_over():
    result = parse_roster(xlsx_workbook(("汇总", TOTALS), ("花名册", ROSTER)), "roster.xlsx")

    assert result.rows == EXPECTED
    assert result.sheets_not_read == ['"汇总"']


def test_with_no_complete_roster_the_worksheet_nearest_one_gives_its_error_naming_it():
    data = xlsx_workbook(("说明", INSTRUCTIONS), ("汇总", TOTALS), ("花名册", LACKING_NUMBER))

    with pytest.raises(RosterError) as caught:
        parse_roster(data, "roster.xlsx")

    assert str(caught.value) == (
        'Worksheet "花名册": The header on line 1 lacks the required columns: 户号/household_no.'
    )


def test_a_second_roster_on_a_hidden_worksheet_is_no_ambiguity():
    data = xlsx_workbook(("花名册", ROSTER), ("旧名册", OLD_ROSTER, {"state": "hidden"}))

    assert parse_roster(data, "roster.xlsx").rows == EXPECTED


def test_several_worksheets_none_a_roster():
    data = xlsx_workbook(("说明", INSTRUCTIONS), ("空白", []))

    with pytest.raises(RosterError, match='None of the worksheets \\("说明", "空白"\\) is a house'):
        parse_roster(data, "roster.xlsx")


def all_hidden(data: bytes, states=("hidden", "veryHidden")) -> bytes:
    """The workbook ``data`` of two worksheets with both hidden, as Excel never saves one."""
    for number, state in enumerate(states, 1):
        old = f'sheetId="{number}" state="visible"'.encode()
        new = f'sheetId="{number}" state="{state}"'.encode()
        data = zip_part_replaced(data, "xl/workbook.xml", old, new)
    return data


def test_a_workbook_whose_worksheets_are_all_hidden():
    roster_hidden = all_hidden(xlsx_workbook(("说明", INSTRUCTIONS), ("花名册", ROSTER)))
    nothing = all_hidden(xlsx_workbook(("说明", INSTRUCTIONS), ("空白", [])))

    with pytest.raises(RosterError, match='on a hidden worksheet \\("花名册"\\)'):
        parse_roster(roster_hidden, "roster.xlsx")
    with pytest.raises(RosterError, match="^Every worksheet of the workbook is hidden"):
        parse_roster(nothing, "roster.xlsx")


def test_the_hidden_rows_and_lines_are_those_of_the_worksheet_read():
    data = xlsx_workbook(
        ("说明", INSTRUCTIONS, {"hidden_rows": [2]}), ("花名册", ROSTER, {"hidden_rows": [3]})
    )

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == [RowError(3, "whole row", HIDDEN_ROW)]
    assert [r.line for r in result.rows] == [2, 4]


# --- A workbook of a household roster and a member roster -------------------------------------

#: 村尾经济社's members, as townships keep them beside the household roster (户主 and 姓名).
MEMBER_SHEET = [
    MEMBER_HEADER,
    member_row("张三", "1", place=["烟南村", "村尾经济社"], head="张三", relation="户主"),
    member_row("王芳", "1", place=["烟南村", "村尾经济社"], head="张三", relation="妻"),
]
#: A member roster without 户主: its 姓名 is every column a household roster requires.
BARE_MEMBER_SHEET = [["村", "经济社", "户号", "姓名", "与户主关系", "出生日期"]]
BARE_MEMBER_SHEET += [["烟南村", "村尾经济社", "1", "张三", "户主", "1990-01-01"]]


@pytest.mark.parametrize("members", [MEMBER_SHEET, BARE_MEMBER_SHEET], ids=["户主", "no 户主"])
@pytest.mark.parametrize("members_first", [False, True])
def test_the_household_import_reads_the_household_roster_beside_a_member_roster(
    members, members_first
):
    sheets = [("花名册", ROSTER), ("成员名册", members)]
    data = xlsx_workbook(*(sheets[::-1] if members_first else sheets))

    result = parse_roster(data, "roster.xlsx")

    assert not result.errors
    assert result.rows == EXPECTED
    assert (result.sheet, result.sheets_not_read) == ("花名册", ['"成员名册" (a member roster)'])


def test_a_household_roster_that_calls_the_head_name_is_still_a_household_roster():
    """姓名 is the head's name in many household rosters: with 人口 and 股东数 beside it, the
    worksheet is a household roster for both imports."""
    named = [["姓名" if cell == "户主" else cell for cell in row] for row in ROSTER]
    data = xlsx_workbook(("花名册", named), ("成员名册", MEMBER_SHEET))

    households = parse_roster(data, "roster.xlsx")
    members = parse_members(data, "roster.xlsx")

    assert (households.sheet, households.rows) == ("花名册", EXPECTED)
    assert (members.sheet, members.sheets_not_read) == (
        "成员名册",
        ['"花名册" (a household roster)'],
    )
    assert [row.name for row in members.rows] == ["张三", "王芳"]


@pytest.mark.parametrize(
    "twice, once, parse_twice, parse_once, refused",
    [
        (
            ("东头", "村尾", ROSTER),
            ("成员名册", MEMBER_SHEET),
            parse_roster,
            parse_members,
            'like a household roster ("东头", "村尾")',
        ),
        (
            ("东头成员", "村尾成员", MEMBER_SHEET),
            ("花名册", ROSTER),
            parse_members,
            parse_roster,
            'like a member roster ("东头成员", "村尾成员")',
        ),
    ],
    ids=["households", "members"],
)
def test_two_rosters_of_a_kind_beside_one_of_the_other_are_refused_naming_the_two(
    twice, once, parse_twice, parse_once, refused
):
    first, second, rows = twice
    data = xlsx_workbook((first, rows), once, (second, rows))

    with pytest.raises(RosterError) as caught:
        parse_twice(data, "roster.xlsx")

    assert refused in str(caught.value)
    assert parse_once(data, "roster.xlsx").sheet == once[0]


def test_a_bare_name_roster_is_either_kind_and_beside_a_household_roster_is_refused():
    """村, 经济社, 户号, 姓名 and nothing else could be households or members: not chosen for
    the administrator."""
    bare = [["村", "经济社", "户号", "姓名"], ["烟南村", "村尾经济社", "1", "张三"]]
    data = xlsx_workbook(("花名册", ROSTER), ("名单", bare))

    with pytest.raises(RosterError, match=r'like a household roster \("花名册", "名单"\)'):
        parse_roster(data, "roster.xlsx")
    assert parse_members(data, "roster.xlsx").sheet == "名单"


def test_a_workbook_holding_only_a_member_roster_is_no_household_roster_and_says_so():
    data = xlsx_workbook(("说明", INSTRUCTIONS), ("成员名册", MEMBER_SHEET))

    with pytest.raises(RosterError) as caught:
        parse_roster(data, "roster.xlsx")

    assert str(caught.value) == (
        'None of the worksheets ("说明", "成员名册") is a household roster: "成员名册" holds a '
        "member roster (one person a row); import it with the command import_members, or in "
        'the admin on the "Import roster" page as a member roster.'
    )


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_beside_a_member_roster_a_hidden_household_roster_is_still_never_read(state):
    data = xlsx_workbook(("花名册", ROSTER, {"state": state}), ("成员名册", MEMBER_SHEET))
    with_instructions = xlsx_workbook(
        ("说明", INSTRUCTIONS), ("花名册", ROSTER, {"state": state}), ("成员名册", MEMBER_SHEET)
    )

    # The one visible worksheet is a member roster: the household roster is the hidden one.
    for workbook in (data, with_instructions):
        with pytest.raises(
            RosterError, match=r'household roster is on a hidden worksheet \("花名册"'
        ):
            parse_roster(workbook, "roster.xlsx")
    assert parse_members(with_instructions, "roster.xlsx").sheets_not_read == [
        '"说明"',
        '"花名册" (hidden)',
    ]


def test_a_hidden_member_roster_is_not_taken_for_a_hidden_household_roster():
    data = xlsx_workbook(("说明", INSTRUCTIONS), ("成员名册", MEMBER_SHEET, {"state": "hidden"}))
    data_two = xlsx_workbook(
        ("说明", INSTRUCTIONS), ("空白", []), ("成员名册", MEMBER_SHEET, {"state": "hidden"})
    )

    for workbook in (data, data_two):
        with pytest.raises(RosterError) as caught:
            parse_roster(workbook, "roster.xlsx")
        assert "hidden worksheet" not in str(caught.value)
    with pytest.raises(RosterError, match=r'member roster is on a hidden worksheet \("成员名册"'):
        parse_members(data_two, "roster.xlsx")


# --- Files Excel opens that are not XLSX ------------------------------------------------------

HTML_TABLE = (
    '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta http-equiv='
    '"Content-Type" content="text/html; charset=gb2312"></head><body><table border="1">'
    + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in ROSTER)
    + "</table></body></html>"
)
SPREADSHEET_XML = (
    '<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?>\r\n<Workbook xmlns='
    '"urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:'
    'spreadsheet"><Worksheet ss:Name="花名册"><Table><Row><Cell><Data ss:Type="String">村</Data>'
    "</Cell></Row></Table></Worksheet></Workbook>"
)
MHTML = (
    "MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; "
    'boundary="----=_NextPart_01"\r\n\r\n------=_NextPart_01\r\nContent-Type: text/html; '
    'charset="utf-8"\r\n\r\n' + HTML_TABLE
)
BIFF_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00" + bytes(12)  # BIFF8 workbook globals
WORD_FIB = b"\xec\xa5\xc1\x00" + bytes(28)  # a Word 97 document's first bytes


def opendocument(mimetype: str) -> bytes:
    """An OpenDocument file as LibreOffice and WPS save it: a zip whose first member,
    stored, is ``mimetype``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body><w:tbl/></w:body></w:document>")
    return out.getvalue()


NOT_XLSX = {
    "HTML table, GBK": (HTML_TABLE.encode("gbk"), r"web page \(an HTML table\)"),
    "HTML table, UTF-8 with BOM": (b"\xef\xbb\xbf\r\n" + HTML_TABLE.encode(), "web page"),
    "HTML table, UTF-16": (HTML_TABLE.encode("utf-16"), "web page"),
    "bare HTML table": ("<table><tr><td>村</td><td>户号</td></tr></table>".encode(), "web page"),
    "doctype": (("<!DOCTYPE html>\n" + HTML_TABLE).encode(), "web page"),
    "single-file web page": (MHTML.encode(), "web page"),
    "Excel 2003 XML": (SPREADSHEET_XML.encode(), "Excel 2003 XML spreadsheet"),
    "Excel 97-2003": (ole2_file({"Workbook": BIFF_BOF}), r"Excel 97–2003 workbook \(\.xls\)"),
    "Excel 5 (Book stream)": (ole2_file({"Book": BIFF_BOF}), "Excel 97–2003 workbook"),
    "password-protected": (
        ole2_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 8}),
        "protected by a password",
    ),
    "OpenDocument spreadsheet": (
        opendocument("application/vnd.oasis.opendocument.spreadsheet"),
        r"^This file is an OpenDocument spreadsheet \(\.ods",
    ),
    "OpenDocument spreadsheet template": (
        opendocument("application/vnd.oasis.opendocument.spreadsheet-template"),
        "OpenDocument spreadsheet",
    ),
    "OpenDocument text": (
        opendocument("application/vnd.oasis.opendocument.text"),
        r"^This file is an OpenDocument text document \(\.odt\), not a spreadsheet; copy",
    ),
    "Word 97-2003 .doc": (
        ole2_file({"WordDocument": WORD_FIB, "1Table": bytes(8)}),
        r"^This file is a Word document, not a spreadsheet; copy the roster's table",
    ),
    "Word .docx": (docx(), "^This file is a Word document"),
}


@pytest.mark.parametrize("filename", ["花名册.xls", "roster.xlsx", "roster.csv"])
@pytest.mark.parametrize("data, message", NOT_XLSX.values(), ids=NOT_XLSX.keys())
def test_files_excel_opens_that_are_not_xlsx_get_one_sentence_saying_what_they_are(
    data, message, filename
):
    with pytest.raises(RosterError, match=message) as caught:
        parse_roster(data, filename)

    sentence = str(caught.value)
    assert sentence.endswith("save it as an Excel workbook (.xlsx) or CSV, and import that file.")
    assert "Excel or WPS" in sentence


@pytest.mark.parametrize(
    "streams",
    [
        # A workbook with a Word document embedded in it: a workbook.
        {"Workbook": BIFF_BOF, "WordDocument": WORD_FIB},
        {"Book": BIFF_BOF, "WordDocument": WORD_FIB},
        # A cell's text that holds the stream's name is no directory entry.
        {"Workbook": BIFF_BOF + "见WordDocument".encode("utf-16-le")},
    ],
)
def test_an_excel_workbook_that_mentions_a_word_document_is_still_an_excel_workbook(streams):
    with pytest.raises(RosterError, match=r"^This is an Excel 97–2003 workbook \(\.xls\)"):
        parse_roster(ole2_file(streams), "花名册.xls")


def test_a_zip_that_is_no_document_is_still_a_damaged_xlsx():
    for mimetype in ("application/vnd.oasis.opendocument.presentation", "text/plain"):
        with pytest.raises(RosterError, match="^The XLSX file is damaged"):
            parse_roster(opendocument(mimetype), "roster.xlsx")


def test_a_csv_that_mentions_html_is_still_a_csv():
    rows = [HEADER, [*ROSTER[1][:9], "<table> 一巷1号", ""]]

    assert parse_roster(csv_bytes(rows), "roster.csv").rows[0].address == "<table> 一巷1号"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "村,经济社\n烟南村\x00".encode(),
        # NULs all on one side, as in UTF-16, but the rest is not text.
        b"\x01\x00\x02\x00\x1b\x00" * 100,
        "村,经济社\n".encode("utf-16-le") + b"\x00\xd8" * 20,  # lone surrogates
    ],
)
def test_binary_file(data):
    with pytest.raises(RosterError, match="binary data"):
        parse_roster(data, "roster.csv")


def test_text_in_no_known_encoding():
    with pytest.raises(RosterError, match="neither UTF-8 nor GBK"):
        parse_roster(b"\x80\xfd\xff village", "roster.csv")


@pytest.mark.parametrize("filename", ["roster.xls", "roster.xlsx", "roster.csv"])
def test_old_xls_workbook(filename):
    with pytest.raises(RosterError, match=r"Excel 97–2003 workbook \(\.xls\)"):
        parse_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, filename)


def test_explicit_encoding():
    data = csv_bytes(ROSTER, "gbk")

    assert parse_roster(data, "roster.csv", encoding="GBK").encoding == "gbk"
    assert parse_roster(data, "roster.csv", encoding="cp936").rows == EXPECTED
    with pytest.raises(RosterError, match="cannot be read as utf-8"):
        parse_roster(data, "roster.csv", encoding="utf-8")


def test_unknown_encoding_name():
    with pytest.raises(RosterError, match="Unknown encoding gbkk"):
        parse_roster(csv_bytes(ROSTER), "roster.csv", encoding="gbkk")


def test_decode_csv_reports_the_encoding_used():
    assert decode_csv("村".encode()) == ("村", "utf-8")
    assert decode_csv("\ufeff村".encode()) == ("村", "utf-8-sig")
    assert decode_csv("村".encode("gbk")) == ("村", "gb18030")
    assert decode_csv("村".encode("big5"), "big5") == ("村", "big5")


def test_oversized_file():
    data = csv_bytes(ROSTER)

    with pytest.raises(RosterError, match="too large"):
        parse_roster(data, "roster.csv", max_file_bytes=len(data) - 1)
    with pytest.raises(RosterError, match="too large"):
        parse_roster(xlsx_bytes(ROSTER), "roster.xlsx", max_file_bytes=1000)


def test_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl opened a zip bomb")

    monkeypatch.setattr(roster_xlsx.openpyxl, "load_workbook", must_not_open)
    # A real bomb would hold 600 MB of zeros; the limit is lowered so the test stays fast.
    bomb = zip_bytes(
        {"[Content_Types].xml": "<Types/>", "xl/worksheets/sheet1.xml": "0" * 6_000_000}
    )
    assert len(bomb) < 20_000

    with pytest.raises(RosterError, match="zip bomb") as caught:
        parse_roster(bomb, "roster.xlsx", max_uncompressed_bytes=5_000_000)
    assert "5.7 MB" in str(caught.value)


def test_zip_bomb_is_refused_by_its_compression_ratio_within_the_size_limit(monkeypatch):
    monkeypatch.setattr(roster_xlsx.openpyxl, "load_workbook", pytest.fail)
    bomb = zip_bytes({"xl/worksheets/sheet1.xml": b"\0" * 20_000_000})

    with pytest.raises(RosterError, match="compressed [0-9]+:1"):
        parse_roster(bomb, "roster.xlsx")


def test_a_large_ordinary_workbook_is_not_mistaken_for_a_bomb():
    rows = [HEADER] + [
        ["烟南村", "村尾经济社", str(n), f"户主{n}", "", "", "3", "2", "1.25", "", ""]
        for n in range(1, 3_001)
    ]

    data = xlsx_bytes(rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 1024 * 1024

    result = parse_roster(data, "roster.xlsx")

    assert result.errors == []
    assert len(result.rows) == 3_000


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"PK\x03\x04" + b"garbage" * 20, "roster.xlsx"),
        (xlsx_bytes(ROSTER)[:2000], "roster.xlsx"),
        (zip_bytes({"hello.txt": "not a workbook"}), "roster.xlsx"),
        (zip_bytes({"[Content_Types].xml": "<Types><<<", "xl/workbook.xml": "<"}), "r.xlsx"),
        # Named a workbook, and neither a zip nor text.
        (b"\x00\x01garbage\x00" * 50, "roster.xlsx"),
    ],
)
def test_corrupt_xlsx(data, filename):
    with pytest.raises(RosterError, match="damaged or not an Excel workbook"):
        parse_roster(data, filename)


def test_corrupt_sheet_inside_a_valid_workbook():
    good = xlsx_bytes(ROSTER)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            dst.writestr(item, content)

    with pytest.raises(RosterError, match="damaged"):
        parse_roster(out.getvalue(), "roster.xlsx")


# --- Fast paths give what the full path gives ----------------------------------------------

# Cells near the fast paths' edges: digits (ASCII and full-width), x / X, spaces of every
# width, zero-width characters, scientific notation, Chinese names, placeholders, units.
CELL_ALPHABET = st.sampled_from(
    [*"0123456789", *"０１２３４５６７８９", "x", "X", "ｘ", "E", "e", "+", "-", ".", ",", "'"]
    + [" ", "\u3000", "\t", "\u200b", "\xa0", "人", "亩", "张", "三", "无", "=", '"', "A", "a"]
)
valid_id_numbers = st.text("0123456789", min_size=17, max_size=17).map(
    lambda digits: digits + id_number_check_char(digits)
)
cells = st.one_of(
    st.text(CELL_ALPHABET, max_size=20),
    st.text(max_size=8),
    st.integers(min_value=0, max_value=10**18).map(str),
    st.builds(
        lambda number, pad, x: pad + number.replace("X", x) + pad,
        valid_id_numbers,
        st.sampled_from(["", " ", "\u3000"]),
        st.sampled_from(["X", "x"]),
    ),
    st.from_regex(r"1\d{10}|0\d{9,11}", fullmatch=True),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False).map(str),
)


def outcome(parse, value, *args):
    """What a field parser makes of a cell: its value, or its message."""
    try:
        return "value", parse(value, *args)
    except roster_cells._Invalid as exc:
        return "invalid", str(exc)


@pytest.mark.parametrize(
    "fast, full, args",
    [
        (roster_cells._name, roster_cells._name_full, ()),
        (roster_cells._id_number, roster_cells._id_number_full, ()),
        (roster_cells._phone, roster_cells._phone_full, ()),
        (roster_cells._count, roster_cells._count_full, ("人口",)),
        (roster_cells._area, roster_cells._area_full, ("承包面积(亩)",)),
    ],
    ids=["name", "id_number", "phone", "count", "area"],
)
@given(value=cells)
def test_a_fast_path_gives_what_the_full_path_gives(fast, full, args, value):
    assert outcome(fast, value, *args) == outcome(full, value, *args)


@pytest.mark.parametrize(
    "cell, expected",
    [
        (ID_ZHANG, ID_ZHANG),
        (ID_WITH_X, ID_WITH_X),
        (ID_WITH_X.lower(), ID_WITH_X),  # x: full path, upper-cased
        ("４４０６８２１９９００１０１１２３９", ID_ZHANG),  # full-width: full path
        (f" {ID_ZHANG} ", ID_ZHANG),
        ("13812345678", "13812345678"),
        ("０７５７-８６５０１２３４", "0757-86501234"),
    ],
)
def test_clean_and_unclean_cells_are_read_alike(cell, expected):
    column = roster_cells._id_number if len(expected) == 18 else roster_cells._phone
    assert column(cell) == expected


def test_a_clean_looking_id_number_with_a_wrong_check_digit_gets_the_full_message():
    with pytest.raises(roster_cells._Invalid, match="should end in 9"):
        roster_cells._id_number(ID_ZHANG[:17] + "1")


def test_a_csv_is_read_line_by_line_without_a_copy_of_its_text():
    """A CSV's records are read from its decoded text without copying it first: io.StringIO
    held a second copy at four bytes a character, 74 MB of a member roster of 300,000 people.
    The lines are those io.StringIO(newline="") gives, whatever ends them."""
    from cases.roster.csv_text import _csv_lines

    text = "村,经济社,户号,户主\r\n" + "烟南村,东头经济社,1,张三\r\n" * 20_000
    tracemalloc.start()
    try:
        records = sum(1 for _record in _csv_lines(text, ","))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert records == 20_001
    assert peak < len(text)  # under a byte a character: no copy of the text
    endings = 'a,b\r\nc,"d\re"\rf,g\nh,i'
    assert list(_csv_lines(endings, ",")) == [
        (1, ["a", "b"]),
        (2, ["c", "d\re"]),
        (3, ["f", "g"]),
        (4, ["h", "i"]),
    ]
