"""Household rosters (花名册): reading CSV / XLSX files and validating them row by row.

Pure: no ORM. The database half of ``import_households`` calls ``parse_roster`` and writes
nothing unless ``ParseResult.errors`` is empty (DESIGN.md: "nothing half-imported").

Line numbers are the spreadsheet's row numbers (the header is line 1 unless title rows sit above
it), so an administrator can find the row in Excel. Messages are English msgids translated with
``gettext_lazy`` and evaluated only for rows that have a problem.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from typing import NamedTuple

import openpyxl
from django.utils.translation import gettext_lazy as _
from openpyxl.worksheet._reader import WorkSheetParser

from cases.validators import (
    GROUPED_DECIMAL,
    id_number_check_ok,
    id_number_problem,
    normalize_id_number,
    normalize_phone,
    normalize_text,
    phone_problem,
)
from cases.wording import join_list

__all__ = [
    "COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "REQUIRED_COLUMNS",
    "ParseResult",
    "RosterError",
    "RosterRow",
    "RowError",
    "canonical_column",
    "decode_csv",
    "normalize_name",
    "parse_roster",
    "read_rows",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
# Worksheet XML compresses 10 to 30:1; a zip bomb compresses 1000:1. Members under
# _RATIO_FLOOR are too small for their ratio to matter.
MAX_COMPRESSION_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
# The header is the first non-blank row, or one of the next five (title rows above it).
HEADER_SEARCH_ROWS = 6


@dataclass(frozen=True)
class RosterKind:
    """One kind of roster: its columns (canonical names, in the order parsers read them),
    those it requires, and the headers each goes by: the documented Chinese one (used in
    messages as "村/village"), the column's own name, and the variants seen in township files,
    separated by spaces. ``not_imported``: headers known to carry nothing the app keeps
    (性别), dropped without being named as unrecognised.

    Headers are compared after ``_header_key`` (NFKC, case-folded, without spaces,
    underscores, dashes, dots, stars and colons), so "承包面积（亩）", " Household No. " and
    "户号*" need no entry of their own. A parenthesised suffix is also dropped when nothing
    matches ("人口(人)" is 人口), except for the area, whose unit must be 亩.
    """

    title: object  # "household roster", lazily translated, for messages
    rows_noun: object  # "household rows"
    columns: tuple[str, ...]
    required: tuple[str, ...]
    chinese: Mapping[str, str]
    variants: Mapping[str, str]
    not_imported: str = ""
    index: dict[str, str | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index: dict[str, str | None] = {}
        for column in self.columns:
            for variant in (column, self.chinese[column], *self.variants[column].split()):
                index.setdefault(_header_key(variant), column)
        for header in self.not_imported.split():
            index.setdefault(_header_key(header), None)
        object.__setattr__(self, "index", index)

    def canonical(self, header: str) -> str | None:
        """The canonical column name for a header cell as written, or ``None``."""
        key = _header_key(header)
        column = self.index.get(key)
        if column is None and key not in self.index and (match := _HEADER_UNIT.fullmatch(key)):
            column = self.index.get(match[1])
            if column == "contracted_mu":  # 承包面积(平方米) is not in mu
                column = None
        return column

    def is_not_imported(self, header: str) -> bool:
        key = _header_key(header)
        return key in self.index and self.index[key] is None

    def column_names(self, columns: Iterable[str]) -> str:
        """ "村/village, 户号/household_no": the headers to write, in both languages."""
        return ", ".join(f"{self.chinese[c]}/{c}" for c in columns)


_HEADER_JUNK = re.compile(r"[\s_\-.*:]+")
_HEADER_UNIT = re.compile(r"(.+?)\(.*\)")


def _header_key(text: str) -> str:
    return _HEADER_JUNK.sub("", normalize_text(text).casefold())


#: Headers of the columns a household roster and a member roster share.
PLACE_VARIANTS = {
    "village": "村名 村委会 村(社区) 村/社区 村居 社区 所属村 行政村 village_name community",
    "cooperative": "社 经济合作社 合作社 股份合作经济社 经济社名称 所属经济社 村民小组 小组 组 "
    "coop co-op cooperative_name economic_cooperative",
    "household_no": "户编号 户序号 household_number household hh_no",
}
PHONE_VARIANTS = (
    "电话 手机 手机号 手机号码 电话号码 联系方式 联系电话号码 phone_number mobile telephone tel"
)

HOUSEHOLDS = RosterKind(
    title=_("household roster"),
    rows_noun=_("household rows"),
    columns=(
        "village",
        "cooperative",
        "household_no",
        "head_name",
        "id_number",
        "phone",
        "members",
        "shareholders",
        "contracted_mu",
        "address",
        "notes",
    ),
    required=("village", "cooperative", "household_no", "head_name"),
    chinese={
        "village": "村",
        "cooperative": "经济社",
        "household_no": "户号",
        "head_name": "户主",
        "id_number": "身份证号",
        "phone": "联系电话",
        "members": "人口",
        "shareholders": "股东数",
        "contracted_mu": "承包面积(亩)",
        "address": "地址",
        "notes": "备注",
    },
    variants={
        **PLACE_VARIANTS,
        "head_name": "户主姓名 户主名 户代表 户代表姓名 姓名 head head_of_household "
        "household_head name",
        "id_number": "身份证 身份证号码 户主身份证号 户主身份证号码 公民身份号码 证件号码 "
        "id_card id_card_number",
        "phone": PHONE_VARIANTS,
        "members": "人口数 家庭人口 户籍人口 人数 家庭人数 member_count population",
        "shareholders": "股东人数 股东 shareholder_count",
        "contracted_mu": "承包面积 承包地面积 承包地面积(亩) 承包面积(mu) 面积(亩) "
        "contracted_area contracted_area(mu) area(mu)",
        "address": "住址 家庭住址 家庭地址 联系地址",
        "notes": "说明 note remark remarks comment comments",
    },
)
COLUMNS = HOUSEHOLDS.columns
REQUIRED_COLUMNS = HOUSEHOLDS.required
CHINESE_HEADERS = HOUSEHOLDS.chinese


def canonical_column(header: str) -> str | None:
    """The canonical household-roster column for a header cell as written, or ``None``."""
    return HOUSEHOLDS.canonical(header)


# Whole-file problems.
_EMPTY = _("The file is empty: it has no rows.")
_BINARY = _(
    "The file contains binary data, so it is not a CSV roster; export the roster from Excel "
    "as CSV or XLSX."
)
# The admin's form and the command name the same options differently; messages name both.
_UNDECODABLE = _(
    "The file is neither UTF-8 nor GBK/GB18030 text; save it again as CSV or XLSX, or name "
    'its encoding ("Encoding" on the import page, --encoding for the command).'
)
_WRONG_ENCODING = _(
    "The file cannot be read as %(encoding)s: byte %(position)d is not valid in that "
    'encoding; check the encoding ("Encoding" on the import page, --encoding for the command).'
)
_UNKNOWN_ENCODING = _("Unknown encoding %(encoding)s; use for example utf-8, gbk or gb18030.")
_OLD_EXCEL = _(
    "This is an old .xls or password-protected Excel workbook; open it in Excel and save it "
    "as .xlsx (without a password) or CSV."
)
_TOO_LARGE = _("The file is too large (%(size)s); the limit is %(limit)s.")
_BOMB_SIZE = _(
    "The XLSX file would expand to %(size)s when opened, more than the limit of %(limit)s; "
    "it is refused as a possible zip bomb."
)
_BOMB_RATIO = _(
    "The XLSX file holds a part compressed %(ratio)d:1, far beyond any spreadsheet; it is "
    "refused as a possible zip bomb."
)
_CORRUPT = _(
    "The XLSX file is damaged or not an Excel workbook; open it in Excel and save it again."
)
_NO_SHEET = _("The XLSX workbook has no worksheet.")
_EMPTY_SHEET = _(
    'The first worksheet ("%(sheet)s") is empty; the roster must be on the first worksheet.'
)
_HIDDEN_COLUMN = _(
    "This column is hidden in Excel, so it would be imported unseen: unhide it to import it, "
    "or delete it."
)
_BAD_CSV = _("The CSV file cannot be read at line %(line)d: %(detail)s.")
_UNCLOSED_QUOTE = _(
    'The quotation mark (") opened on line %(line)d is never closed, so the rest of the file '
    "would be read as one cell; close it or remove it."
)
_NOT_ROSTER = _(
    "This is not a %(roster)s: none of its first rows is a header with the columns %(columns)s."
)
_MISSING_COLUMNS = _("The header on line %(line)d lacks the required columns: %(columns)s.")
_NO_ROWS = _("The file has a header (line %(line)d) but no %(rows)s below it.")

# Row problems.
_BLANK = _("The %(column)s cell is blank; it is required.")
_BLANK_MERGED = _(
    'The %(column)s cell is blank. If it belongs to a merged cell, import with "Fill down '
    'merged cells" (--fill-down for the command) to take the value above.'
)
_BLANK_NOTHING_ABOVE = _(
    "The %(column)s cell is blank and there is no value above it to fill down."
)
_BLANK_NEW_VILLAGE = _(
    "The %(column)s cell is blank, and the row above is in another village, so it cannot be "
    "filled down."
)
_UNKNOWN_VILLAGE = _('Unknown village "%(village)s"; known villages: %(known)s.')
_UNKNOWN_COOPERATIVE = _(
    'Village "%(village)s" has no cooperative "%(cooperative)s"; its cooperatives: %(known)s.'
)
_DUPLICATE = _(
    "Household number %(number)s of %(village)s %(cooperative)s is already on line %(first)d."
)
_NOT_AREA = _('"%(value)s" is not an area in mu; write a number such as 1.5.')
_NEGATIVE = _('%(column)s cannot be negative ("%(value)s").')
_TOO_PRECISE = _('"%(value)s" has more than two decimal places; areas are kept to 0.01 mu.')
_NOT_COUNT = _('"%(value)s" is not a whole number of people.')
_EXTRA_CELLS = _(
    "This row has %(cells)d cells but the header only %(header)d: a value holding the "
    'separator (%(delimiter)s) must be in double quotes ("…"), or the values after it land in '
    "the wrong columns."
)
_COLUMN_NUMBER = _("column %(number)d")
_WHOLE_ROW = _("whole row")
_HIDDEN_ROW = _(
    "This row is hidden in Excel (hidden, or filtered out), so it would be imported unseen: "
    "unhide it, or clear the filter, to import it; or delete it."
)
_LOST_CHARACTER = _(
    '"%(value)s" has a "?" where a character was lost: Excel writes "?" for a character the '
    'encoding of its CSV (GBK) cannot hold. Save the roster as "CSV UTF-8" or XLSX and import '
    "it again."
)


class RosterError(Exception):
    """A problem with the whole file; ``str(error)`` is one sentence for the administrator."""


class _NotText(RosterError):
    """Binary data: no text encoding ``decode_csv`` knows reads it."""


class RosterRow(NamedTuple):
    """One valid household row, normalised. Areas are in 亩 (mu), to 0.01.

    A named tuple rather than a frozen dataclass: as immutable, three times cheaper to build
    and half the memory, which counts at 100,000 rows.
    """

    line: int
    village: str
    cooperative: str
    household_no: str
    head_name: str
    id_number: str = ""
    phone: str = ""
    members: int | None = None
    shareholders: int | None = None
    contracted_mu: Decimal | None = None
    address: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RowError:
    """What is wrong in one cell: ``column`` is the header as written in the file."""

    line: int
    column: str
    message: str


@dataclass(frozen=True)
class ParseResult:
    """Valid ``rows`` and the ``errors`` of the others.

    ``total_lines`` counts the household rows read (blank rows excluded), valid or not.
    ``encoding`` is the CSV's text encoding, "" for XLSX. ``columns`` are the canonical names
    of the recognised columns in file order; ``ignored_columns`` the headers not recognised.
    """

    rows: list[RosterRow]
    errors: list[RowError]
    encoding: str
    columns: list[str]
    total_lines: int
    file_format: str = "csv"
    header_line: int = 1
    ignored_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # canonical column → as written

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    """A cell's problem, raised by the field parsers below with the message already built."""


# --- Decoding and reading ---------------------------------------------------------------


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        raise RosterError(_UNKNOWN_ENCODING % {"encoding": encoding}) from None


def decode_csv(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding used to read it.

    Without ``encoding``: a UTF-8 BOM means utf-8-sig, a UTF-16 BOM (Excel's "Unicode text")
    utf-16; NUL bytes mean UTF-16 without a BOM (``_utf16_codec``) or binary data; otherwise
    strict UTF-8, then GB18030 (a superset of GBK, which Chinese Excel writes). Raises
    ``RosterError`` for binary data or text in none of these.
    """
    if encoding:
        name = _codec_name(encoding)
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            raise RosterError(
                _WRONG_ENCODING % {"encoding": encoding, "position": exc.start}
            ) from exc
    else:
        text = name = ""
        if data.startswith(codecs.BOM_UTF8):
            candidates = ("utf-8-sig",)
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ("utf-16",)
        elif b"\x00" in data:
            codec = _utf16_codec(data)
            if codec is None:
                raise _NotText(_BINARY)
            candidates = (codec,)
        else:
            candidates = ("utf-8", "gb18030")
        for name in candidates:
            try:
                text = data.decode(name)
                break
            except UnicodeDecodeError:
                pass
        else:
            raise RosterError(_UNDECODABLE)
    if "\x00" in text:
        raise _NotText(_BINARY)
    return text.removeprefix("\ufeff"), name


_UTF16_SAMPLE = 4096


def _utf16_codec(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when ``data`` reads as UTF-16 text without a BOM, else None.

    Some tools export "Unicode text" so. Every ASCII character of it (delimiters, digits, line
    breaks) holds a NUL byte: at odd offsets in UTF-16LE, at even ones in BE. A CJK character
    U+xx00 puts one on the other side (一 U+4E00, 开, 最, 退: common), so "mostly" is twice as
    many. Binary data has NULs on both sides, or does not decode to printable text. Judged on
    the first 4 KB.
    """
    sample = data[:_UTF16_SAMPLE]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if (even + odd) * 20 < len(sample):  # under 5% NULs: under 10% ASCII characters
        return None
    if odd >= 2 * even:
        codec = "utf-16-le"
    elif even >= 2 * odd:
        codec = "utf-16-be"
    else:
        return None
    try:  # not final: the sample may end inside a character
        text = codecs.getincrementaldecoder(codec)().decode(sample)
    except UnicodeDecodeError:
        return None
    unprintable = sum(1 for c in text if not c.isprintable() and c not in "\t\r\n")
    return codec if unprintable * 100 <= len(text) else None


def _cell_text(value: object) -> str:
    """An XLSX cell as the text Excel shows (15 significant digits).

    A number of more than 15 digits has lost digits in Excel (an ID number typed as a number
    becomes 4.40682199001011E+17), so it is written in scientific notation, which
    ``id_number_problem`` refuses, never as digits that merely look right.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        text = str(value)
        return text if len(text.lstrip("-")) <= 15 else format(value, ".15g")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))  # 12.0 → "12"
        return format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _check_zip(data: bytes, max_uncompressed_bytes: int) -> None:
    """Refuse a zip bomb before openpyxl decompresses anything.

    The sizes are the ones the central directory declares; ``zipfile`` never inflates a member
    beyond its declared size (and fails its CRC check if the data disagrees), so they bound
    what openpyxl can be made to read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise RosterError(_CORRUPT) from exc
    total = sum(member.file_size for member in members)
    if total > max_uncompressed_bytes:
        raise RosterError(
            _BOMB_SIZE % {"size": _size_text(total), "limit": _size_text(max_uncompressed_bytes)}
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
            raise RosterError(_BOMB_RATIO % {"ratio": ratio})


@dataclass
class _Hidden:
    """What Excel hides in the first worksheet, filled in by ``_xlsx_lines`` as it reads:
    the numbers of hidden rows (hidden by hand, or filtered out) and the indexes (from 0) of
    hidden columns, known from the first row on."""

    rows: set[int] = field(default_factory=set)
    columns: set[int] = field(default_factory=set)


_XML_TRUE = ("1", "true")
_MAX_XLSX_COLUMNS = 16384


def _hidden_columns(column_dimensions: Mapping[str, Mapping[str, str]]) -> set[int]:
    """The indexes (from 0) of the columns ``<col min max hidden="1">`` hides."""
    hidden: set[int] = set()
    for attrs in column_dimensions.values():
        if attrs.get("hidden") in _XML_TRUE:
            low = int(attrs["min"])
            high = min(int(attrs.get("max", low)), _MAX_XLSX_COLUMNS)
            hidden.update(range(low - 1, high))
    return hidden


def _xlsx_lines(
    data: bytes, max_uncompressed_bytes: int, hidden: _Hidden
) -> tuple[str, Iterator[tuple[int, list[str]]]]:
    """The first worksheet's title, and its (row number, cell texts); rows absent from the
    XML (blank) are not yielded.

    The rows come from openpyxl's streaming worksheet parser, the one its read-only
    ``iter_rows`` uses, which drops what the parser learns besides the cells: the attributes of
    ``<row hidden="1">`` and of ``<col hidden="1">`` (which precede the rows). Read here, they
    fill ``hidden``; a row's attributes are dropped once read, so memory stays flat.
    """
    _check_zip(data, max_uncompressed_bytes)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors...
        raise RosterError(_CORRUPT) from exc
    if not workbook.worksheets:
        workbook.close()
        raise RosterError(_NO_SHEET)
    sheet = workbook.worksheets[0]

    def lines() -> Iterator[tuple[int, list[str]]]:
        try:
            with sheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    sheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                row_attributes = parser.row_dimensions  # of the row just read, if any
                columns_read = False
                for line, cells in parser.parse():
                    if not columns_read:  # <cols> comes before the first <row>
                        hidden.columns = _hidden_columns(parser.column_dimensions)
                        columns_read = True
                    if row_attributes and row_attributes.popitem()[1].get("hidden") in _XML_TRUE:
                        hidden.rows.add(line)
                    if not cells:
                        continue
                    # As openpyxl's read-only rows: as wide as the last cell.
                    width = cells[-1]["column"]
                    texts = [""] * width
                    for cell in cells:
                        column, value = cell["column"], cell["value"]
                        if column <= width:
                            texts[column - 1] = (
                                value if value.__class__ is str else _cell_text(value)
                            )
                    yield line, texts
        except Exception as exc:
            raise RosterError(_CORRUPT) from exc
        finally:
            workbook.close()

    return sheet.title, lines()


def _csv_lines(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells): a record with a quoted line break is one spreadsheet row.

    A quotation mark opened and never closed makes ``csv`` read the rest of the file, without
    complaint, into one cell: every household below it would silently vanish into an address.
    So the last record is read again, strictly, and an unclosed quote is refused with its line.
    """
    consumed = 0

    def pieces() -> Iterator[str]:
        nonlocal consumed
        for piece in io.StringIO(text, newline=""):
            consumed += len(piece)
            yield piece

    reader = csv.reader(pieces(), delimiter=delimiter)
    line = start = last_start = 0
    try:
        for line, cells in enumerate(reader, start=1):
            last_start, start = start, consumed
            yield line, cells
    except csv.Error as exc:
        raise RosterError(_BAD_CSV % {"line": line + 1, "detail": exc}) from exc
    tail = text[last_start:]
    if '"' in tail:
        try:
            strict = csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True)
            for _cells in strict:
                pass
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise RosterError(_UNCLOSED_QUOTE % {"line": line}) from exc


@dataclass
class _Header:
    line: int
    positions: dict[str, int]  # canonical column → cell index
    written: dict[str, str]  # canonical column → header as written
    ignored: list[str]
    cells: tuple[str, ...] = ()  # as written, to recognise a repeated header row
    required: tuple[str, ...] = REQUIRED_COLUMNS

    @property
    def score(self) -> tuple[int, int]:
        return sum(c in self.positions for c in self.required), len(self.positions)


def _map_header(line: int, cells: Sequence[str], kind: RosterKind) -> _Header:
    header = _Header(line, {}, {}, [], tuple(cell.strip() for cell in cells), kind.required)
    for index, cell in enumerate(cells):
        written = cell.strip()
        if not written:
            continue
        column = kind.canonical(written)
        if column is None and kind.is_not_imported(written):
            continue
        if column is None or column in header.positions:  # a second 电话 column: first wins
            header.ignored.append(written)
        else:
            header.positions[column] = index
            header.written[column] = written
    return header


def _is_blank(cells: Sequence[str]) -> bool:
    return not "".join(cells).strip()


def _find_header(
    lines: Iterator[tuple[int, Sequence[str]]], kind: RosterKind, empty: object = _EMPTY
) -> _Header:
    """Consume ``lines`` up to and including the header row, and map it."""
    best: _Header | None = None
    looked = 0
    for line, cells in lines:
        if _is_blank(cells):
            continue
        header = _map_header(line, cells, kind)
        if header.score[0] == len(kind.required):
            return header
        if best is None or header.score > best.score:
            best = header
        looked += 1
        if looked == HEADER_SEARCH_ROWS:
            break
    if best is None:
        raise RosterError(empty)
    if len(best.positions) < 2:
        columns = kind.column_names(kind.required)
        raise RosterError(_NOT_ROSTER % {"roster": kind.title, "columns": columns})
    missing = [c for c in kind.required if c not in best.positions]
    raise RosterError(_MISSING_COLUMNS % {"line": best.line, "columns": kind.column_names(missing)})


_SNIFF_CHARS = 64 * 1024


def _sniff_delimiter(text: str, kind: RosterKind) -> str:
    """The delimiter among , tab ; ， under which the first rows hold the best header.

    The full-width comma ， is what a roster typed in Notepad with a Chinese input method is
    separated by; a comma-separated file with ， in an address still has its header only
    under ",", so it keeps ",".
    """
    sample = text[:_SNIFF_CHARS]
    best, best_score = ",", (0, 0)
    for delimiter in (",", "\t", ";", "，"):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        score = (-1, -1)
        try:
            rows = [r for r in islice(reader, 50) if not _is_blank(r)][:HEADER_SEARCH_ROWS]
        except csv.Error:
            continue
        for row in rows:
            score = max(score, _map_header(0, row, kind).score)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass
class _Table:
    file_format: str
    encoding: str
    header: _Header
    lines: Iterator[tuple[int, Sequence[str]]]  # the lines below the header, blank ones too
    delimiter: str = ""
    # CSV lines with values beyond the header's last cell → their number of cells, filled in
    # by ``_data_lines`` as it reads.
    long_rows: dict[int, int] = field(default_factory=dict)
    hidden: _Hidden = field(default_factory=_Hidden)  # XLSX only


def _open_table(
    data: bytes,
    filename: str,
    encoding: str | None,
    max_file_bytes: int,
    max_uncompressed_bytes: int,
    kind: RosterKind = HOUSEHOLDS,
) -> _Table:
    if encoding:
        _codec_name(encoding)  # a mistyped --encoding is reported even for an XLSX file
    if len(data) > max_file_bytes:
        raise RosterError(
            _TOO_LARGE % {"size": _size_text(len(data)), "limit": _size_text(max_file_bytes)}
        )
    if not data.strip():
        raise RosterError(_EMPTY)
    # The content decides, not the name: administrators rename a CSV to .xlsx (or save it
    # so) for an upload form to take it, and an XLSX may arrive as .csv or .bin.
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .xls, encrypted .xlsx
        raise RosterError(_OLD_EXCEL)
    hidden = _Hidden()
    if data.startswith(b"PK\x03\x04"):  # a zip: XLSX
        sheet, lines = _xlsx_lines(data, max_uncompressed_bytes, hidden)
        file_format, used, empty = "xlsx", "", _EMPTY_SHEET % {"sheet": sheet}
        delimiter = ""
    else:
        try:
            text, used = decode_csv(data, encoding)
        except _NotText as exc:
            if filename.lower().endswith((".xlsx", ".xlsm")):  # neither a zip nor text
                raise RosterError(_CORRUPT) from exc
            raise
        if not text.strip():
            raise RosterError(_EMPTY)
        delimiter = _sniff_delimiter(text, kind)
        lines = _csv_lines(text, delimiter)
        file_format, empty = "csv", _EMPTY
    header = _find_header(lines, kind, empty)
    return _Table(file_format, used, header, lines, delimiter, hidden=hidden)


def _data_lines(table: _Table) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows below the header, each padded or cut to one cell per column.

    A row is blank when all its recognised columns are: a template's pre-numbered 序号 column
    does not make an empty row a household. A copy of the header row (pasted page headers) is
    skipped too.

    A CSV record with values beyond the header's last cell is noted in ``table.long_rows``:
    a value holding an unquoted delimiter (一巷1号,二楼) shifts every cell after it, so the
    row is refused rather than read into the wrong columns. Not for XLSX, whose cells cannot
    shift; a value under no header there is an unnamed column.
    """
    positions = table.header.positions
    width = max(positions.values()) + 1
    recognised = itemgetter(*positions.values())
    header_cells = recognised([*table.header.cells, *[""] * width])
    padding = [""] * width
    limit = len(table.header.cells) if table.file_format == "csv" else None
    for line, cells in table.lines:
        if limit is not None and len(cells) > limit and "".join(cells[limit:]).strip():
            table.long_rows[line] = len(cells)
        row = list(cells[:width])
        if len(row) < width:
            row.extend(padding[len(row) :])
        cells_read = recognised(row)
        if "".join(cells_read).strip() and cells_read != header_cells:
            yield line, row


def read_rows(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    kind: RosterKind = HOUSEHOLDS,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {canonical column: cell text as read}) for each non-blank row.

    Whole-file problems (``RosterError``) are raised by this call, before iterating, except
    damage deep inside an XLSX sheet, which surfaces while iterating.
    """
    table = _open_table(data, filename, encoding, max_file_bytes, max_uncompressed_bytes, kind)
    columns = list(table.header.positions.items())

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for line, cells in _data_lines(table):
            yield line, {column: cells[index] for column, index in columns}

    return rows()


# --- Validating ----------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_FREE_TEXT = {
    **_ZERO_WIDTH,
    0x3000: " ",
    **{0xFF10 + i: chr(0x30 + i) for i in range(10)},
    **{0xFF21 + i: chr(0x41 + i) for i in range(26)},
    **{0xFF41 + i: chr(0x61 + i) for i in range(26)},
}
_FREE_TEXT_CHARS = re.compile("[" + re.escape("".join(map(chr, _FREE_TEXT))) + "]")
_HAN = "\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}]) (?=[{_HAN}])")
_PLAIN_AREA = re.compile(r"\d+(?:\.\d{1,2})?", re.ASCII)
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?", re.ASCII)
_WHOLE_FLOAT = re.compile(r"\d+\.0+", re.ASCII)
_CENT = Decimal("0.01")
_is_nfkc = unicodedata.is_normalized
# What rosters write in an optional cell that has no value.
_PLACEHOLDERS = frozenset({"无", "暂无", "/", "-", "--", "—", "——", "n/a", "na", "none"})


def _clean(value: str) -> str:
    """NFKC (full-width digits, letters, spaces to half-width), zero-width characters removed,
    surrounding spaces stripped. Plain ASCII, most cells, needs only the strip."""
    if value.isascii():
        return value.strip()
    value = normalize_text(value)
    if not value.isprintable():
        value = value.translate(_ZERO_WIDTH).strip()
    return value


def _name(value: str) -> str:
    """Village, cooperative, household number, head: one space at most, and none between
    Chinese characters ("张　三", padded to align two-character names, is 张三)."""
    # Fast path: a printable value has no whitespace but ASCII spaces; without those, and
    # already in NFKC, ``_name_full`` would return it unchanged (tests/test_roster.py checks).
    if value.isprintable() and " " not in value and _is_nfkc("NFKC", value):
        return value
    return _name_full(value)


def _name_full(value: str) -> str:
    value = _clean(value)
    if " " in value or not value.isprintable():
        value = " ".join(value.split())
        if " " in value:
            value = _SPACE_BETWEEN_HAN.sub("", value)
    return value


def normalize_name(value: str) -> str:
    """A village or cooperative name as ``parse_roster`` compares it: the key under which the
    database half looks a row's village and cooperative up."""
    return _name(value)


def _free_text(value: str) -> str:
    """Address, notes: full-width digits, letters and spaces to half-width; punctuation kept."""
    value = value.strip()
    if not value.isascii() and _FREE_TEXT_CHARS.search(value):
        value = value.translate(_FREE_TEXT).strip()
    return value


def _optional(value: str) -> str:
    value = _clean(value)
    if len(value) <= 4 and value.lower() in _PLACEHOLDERS:
        return ""
    return value


def _unwrap(value: str) -> str:
    """Undo the tricks that keep Excel from eating digits: ="0757…" and a leading '."""
    if value.startswith('="') and value.endswith('"'):
        return value[2:-1]
    return value.removeprefix("'")


# Fast paths: cells already in their final form, the bulk of a roster, need no normalising
# (for an ID number only the check character is verified). Any other cell, and every cell with
# a problem, takes the full path (``_<field>_full``), which alone builds messages. The property
# tests in tests/test_roster.py check that both paths agree.
_CLEAN_ID = re.compile(r"\d{17}[\dX]", re.ASCII)
_CLEAN_PHONE = re.compile(r"1\d{10}|0\d{9,11}", re.ASCII)


def _id_number(value: str) -> str:
    if _CLEAN_ID.fullmatch(value) and id_number_check_ok(value):
        return value
    return _id_number_full(value)


def _checked(value: str, normalize: Callable[[str], str], problem: Callable) -> str:
    """The full path of a personal number: blank, or normalised and valid, or ``_Invalid``."""
    value = _optional(value)
    if not value:
        return ""
    value = normalize(_unwrap(value))
    reason = problem(value)
    if reason:
        raise _Invalid(reason)
    return value


def _id_number_full(value: str) -> str:
    return _checked(value, normalize_id_number, id_number_problem)


def _phone(value: str) -> str:
    if _CLEAN_PHONE.fullmatch(value):
        return value
    return _phone_full(value)


def _phone_full(value: str) -> str:
    return _checked(value, normalize_phone, phone_problem)


def _count(value: str, column: str) -> int | None:
    if value.isascii() and value.isdigit():
        return int(value)
    return _count_full(value, column)


def _count_full(value: str, column: str) -> int | None:
    text = _optional(value)
    if not text:
        return None
    text = text.removesuffix("人").rstrip()
    if not _INTEGER.fullmatch(text):
        raise _Invalid(str(_NOT_COUNT % {"value": value.strip()}))
    number = int(Decimal(text))
    if number < 0:
        raise _Invalid(str(_NEGATIVE % {"column": column, "value": value.strip()}))
    return number


def _area(value: str, column: str) -> Decimal | None:
    if _PLAIN_AREA.fullmatch(value):
        return Decimal(value).quantize(_CENT)
    return _area_full(value, column)


def _area_full(value: str, column: str) -> Decimal | None:
    return _amount_full(value, column, "亩", _NOT_AREA, _TOO_PRECISE)


def _amount_full(
    value: str, column: str, unit: str, not_a_number: object, too_precise: object
) -> Decimal | None:
    """A non-negative number to 0.01, optionally followed by its ``unit`` (亩, 股)."""
    text = _optional(value)
    if not text:
        return None
    text = text.removesuffix(unit).rstrip()
    if not GROUPED_DECIMAL.fullmatch(text):
        raise _Invalid(str(not_a_number % {"value": value.strip()}))
    amount = Decimal(text.replace(",", ""))
    if amount < 0:
        raise _Invalid(str(_NEGATIVE % {"column": column, "value": value.strip()}))
    if amount.normalize().as_tuple().exponent < -2:
        raise _Invalid(str(too_precise % {"value": value.strip()}))
    return abs(amount).quantize(_CENT)  # abs: "-0" is 0.00


def _known_text(names: Iterable[str]) -> str:
    """The first ten names, joined as the language joins a list (、 in Chinese)."""
    names = sorted(names)
    if not names:
        return "—"
    return join_list(names[:10] + (["…"] if len(names) > 10 else []))


class _Places:
    """The village and cooperative of each row in turn, as every kind of roster names them:
    normalised (a roster names a handful, 100,000 times over: each cell is read once), filled
    down from the row above when asked (merged cells; a cooperative only within the same
    village), and checked against the known cooperatives.

    ``known_cooperatives``: village name → its cooperatives' names, or ``None`` for no check.
    Names are compared after normalisation (NFKC, spaces), as the rows carry them.
    """

    def __init__(
        self,
        written: Mapping[str, str],
        fill_down: bool,
        known_cooperatives: Mapping[str, Iterable[str]] | None,
    ):
        self.written = written
        self.fill_down = fill_down
        self.known = None
        if known_cooperatives is not None:
            self.known = {
                _name(village): {_name(c) for c in cooperatives}
                for village, cooperatives in known_cooperatives.items()
            }
        self.names: dict[str, str] = {}
        self.village = self.cooperative = ""
        # (village cell, cooperative cell) → (village, cooperative), for the pairs of cells
        # already read that name a known place by themselves: the rest of the file repeats them.
        self.places: dict[tuple[str, str], tuple[str, str]] = {}

    def read(
        self, village_cell: str, cooperative_cell: str, error: Callable[[str, object], None]
    ) -> tuple[str, str, bool]:
        """(village, cooperative, whether both are those of the row above); the problems go
        to ``error(column, message)``."""
        cells = (village_cell, cooperative_cell)
        place = self.places.get(cells)
        if place is not None:
            village, cooperative = place
            same = village == self.village and cooperative == self.cooperative
            self.village, self.cooperative = place
            return village, cooperative, same
        problems: list[tuple[str, object]] = []
        village, cooperative, same = self._read(village_cell, cooperative_cell, problems.append)
        for problem in problems:
            error(*problem)
        if not problems and village_cell.strip() and cooperative_cell.strip():
            self.places[cells] = (village, cooperative)
        return village, cooperative, same

    def _read(self, village_cell: str, cooperative_cell: str, problem) -> tuple[str, str, bool]:
        names, written, fill_down = self.names, self.written, self.fill_down
        village_above, cooperative_above = self.village, self.cooperative
        village = names.get(village_cell)
        if village is None:
            village = names[village_cell] = _name(village_cell)
        cooperative = names.get(cooperative_cell)
        if cooperative is None:
            cooperative = names[cooperative_cell] = _name(cooperative_cell)
        village_filled = False
        if not village:
            if fill_down and village_above:
                village, village_filled = village_above, True
            else:
                message = _BLANK_NOTHING_ABOVE if fill_down else _BLANK_MERGED
                problem(("village", message % {"column": written["village"]}))
        if not cooperative:
            if fill_down and cooperative_above and (village_filled or village == village_above):
                cooperative = cooperative_above
            elif fill_down and cooperative_above and village:
                problem(("cooperative", _BLANK_NEW_VILLAGE % {"column": written["cooperative"]}))
            else:
                message = _BLANK_NOTHING_ABOVE if fill_down else _BLANK_MERGED
                problem(("cooperative", message % {"column": written["cooperative"]}))
        self.village, self.cooperative = village, cooperative

        known = self.known
        if known is not None and village:
            if village not in known:
                known_text = _known_text(known)
                problem(("village", _UNKNOWN_VILLAGE % {"village": village, "known": known_text}))
            elif cooperative and cooperative not in known[village]:
                problem(
                    (
                        "cooperative",
                        _UNKNOWN_COOPERATIVE
                        % {
                            "village": village,
                            "cooperative": cooperative,
                            "known": _known_text(known[village]),
                        },
                    )
                )
        same = bool(village) and village == village_above and cooperative == cooperative_above
        return village, cooperative, same


def _cells_getter(header: "_Header", columns: Sequence[str]) -> Callable:
    """The cells of ``columns`` from a row with one blank cell appended, which stands for the
    columns the file lacks."""
    absent = max(header.positions.values()) + 1
    return itemgetter(*(header.positions.get(c, absent) for c in columns))


def _household_number(cell: str) -> str:
    number = _name(cell)
    if "." in number and _WHOLE_FLOAT.fullmatch(number):
        number = number.partition(".")[0]  # 12.0 from a numeric cell → 12
    return number


def _person_name(
    cell: str, column: str, written: Mapping[str, str], error: Callable[[str, object], None]
) -> str:
    """A person's name (the head's, a member's): required, and without the "?" of a lost
    character."""
    name = _name(cell)
    if not name:
        error(column, _BLANK % {"column": written[column]})
    elif "?" in name or "\ufffd" in name:
        # Decision: no name holds "?"; it is what Excel writes, saving "CSV" in GBK, for a
        # character GBK lacks (刘䶮 → 刘?). Imported, it would overwrite the right name.
        error(column, _LOST_CHARACTER % {"value": name})
    return name


def _hidden_column_errors(table: "_Table") -> list[RowError]:
    """Decision: what Excel hides is not imported unseen, nor silently left out: a hidden row
    (``_HIDDEN_ROW``, checked by each parser) or a hidden roster column (once, on the header's
    line: these errors) is an error, so nothing is written until the file shows what it
    imports."""
    header = table.header
    return [
        RowError(header.line, header.written[column], str(_HIDDEN_COLUMN))
        for column, index in header.positions.items()
        if index in table.hidden.columns
    ]


def _long_row_problem(table: "_Table", line: int) -> tuple[str, object]:
    """The error of a CSV row with values beyond the header's last cell (``_data_lines``)."""
    cells_in_header = len(table.header.cells)
    return (
        str(_COLUMN_NUMBER % {"number": cells_in_header + 1}),
        _EXTRA_CELLS
        % {
            "cells": table.long_rows[line],
            "header": cells_in_header,
            "delimiter": table.delimiter.replace("\t", "Tab"),
        },
    )


def parse_roster(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    fill_down: bool = False,
    known_cooperatives: Mapping[str, Iterable[str]] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
) -> ParseResult:
    """Read and validate a roster; every row is checked and every problem reported.

    ``fill_down``: a blank village / cooperative (a merged cell) takes the value of the row
    above; a blank cooperative is filled only within the same village.
    ``known_cooperatives``: village name → its cooperatives' names; rows naming others are
    errors. Names are compared after normalisation (NFKC, spaces), as the rows carry them.
    Raises ``RosterError`` for a problem with the whole file.
    """
    table = _open_table(data, filename, encoding, max_file_bytes, max_uncompressed_bytes)
    header = table.header
    written = header.written
    cells_of = _cells_getter(header, COLUMNS)

    rows: list[RosterRow] = []
    errors: list[RowError] = []
    first_line: dict[tuple[str, str, str], int] = {}
    total = 0
    problems: list[tuple[str, object]] = []  # (column, lazy message) of the current row
    long_rows = table.long_rows
    hidden_rows = table.hidden.rows
    errors.extend(_hidden_column_errors(table))
    places = _Places(written, fill_down, known_cooperatives).read

    def error(column: str, message: object) -> None:
        problems.append((column, message))

    for line, cells in _data_lines(table):
        total += 1
        cells.append("")
        (
            village_cell,
            cooperative_cell,
            number_cell,
            head_cell,
            id_cell,
            phone_cell,
            members_cell,
            shareholders_cell,
            area_cell,
            address_cell,
            notes_cell,
        ) = cells_of(cells)
        problems.clear()
        if hidden_rows and line in hidden_rows:
            error(str(_WHOLE_ROW), _HIDDEN_ROW)

        village, cooperative, _same = places(village_cell, cooperative_cell, error)
        number = _household_number(number_cell)
        if not number:
            error("household_no", _BLANK % {"column": written["household_no"]})
        elif village and cooperative:
            key = (village, cooperative, number)
            first = first_line.setdefault(key, line)
            if first != line:
                error(
                    "household_no",
                    _DUPLICATE
                    % {
                        "number": number,
                        "village": village,
                        "cooperative": cooperative,
                        "first": first,
                    },
                )
        head = _person_name(head_cell, "head_name", written, error)

        id_number = phone = ""
        members = shareholders = area = None
        try:
            id_number = _id_number(id_cell)
        except _Invalid as exc:
            error("id_number", exc)
        try:
            phone = _phone(phone_cell)
        except _Invalid as exc:
            error("phone", exc)
        try:
            members = _count(members_cell, written.get("members", ""))
        except _Invalid as exc:
            error("members", exc)
        try:
            shareholders = _count(shareholders_cell, written.get("shareholders", ""))
        except _Invalid as exc:
            error("shareholders", exc)
        try:
            area = _area(area_cell, written.get("contracted_mu", ""))
        except _Invalid as exc:
            error("contracted_mu", exc)
        if long_rows and line in long_rows:
            error(*_long_row_problem(table, line))

        if problems:
            errors.extend(RowError(line, written.get(c, c), str(m)) for c, m in problems)
            continue
        rows.append(
            RosterRow(
                line=line,
                village=village,
                cooperative=cooperative,
                household_no=number,
                head_name=head,
                id_number=id_number,
                phone=phone,
                members=members,
                shareholders=shareholders,
                contracted_mu=area,
                address=_free_text(address_cell),
                notes=_free_text(notes_cell),
            )
        )

    return _parse_result(table, HOUSEHOLDS, rows, errors, total)


def _parse_result(
    table: "_Table", kind: RosterKind, rows: list, errors: list[RowError], total: int
) -> ParseResult:
    """What a parser of ``kind`` read from ``table``; ``RosterError`` if it read no row."""
    header = table.header
    if total == 0:
        raise RosterError(_NO_ROWS % {"line": header.line, "rows": kind.rows_noun})
    return ParseResult(
        rows=rows,
        errors=errors,
        encoding=table.encoding,
        columns=sorted(header.positions, key=header.positions.__getitem__),
        total_lines=total,
        file_format=table.file_format,
        header_line=header.line,
        ignored_columns=header.ignored,
        headers=dict(header.written),
    )
