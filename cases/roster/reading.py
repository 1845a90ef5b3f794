"""Reading a roster file up to its rows: the size limits, CSV or XLSX by content (not by name),
refusing the other spreadsheet formats Excel opens, and ``read_rows``.

``_open_table`` and ``_data_lines`` are what every kind's parser reads through (``rows``,
``cases.member_roster``).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from .csv_text import _codec_name, _csv_lines, _NotText, _sniff_delimiter, decode_csv
from .headers import _find_header, _Header
from .kinds import HOUSEHOLDS, RosterKind
from .messages import (
    _CORRUPT,
    _EMPTY,
    _ENCRYPTED,
    _HTML,
    _OLD_EXCEL,
    _TOO_LARGE,
    _WORD,
    _XML_2003,
    RosterError,
    _size_text,
)
from .xlsx import _Hidden, _xlsx_sheet

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024


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
    sheet: str = ""  # XLSX: the worksheet read
    sheets_not_read: list[str] = field(default_factory=list)  # XLSX: the others, quoted


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
    if data.startswith(b"PK\x03\x04"):  # a zip: XLSX
        sheet = _xlsx_sheet(data, max_uncompressed_bytes, kind)
        return _Table(
            "xlsx",
            "",
            sheet.header,
            sheet.lines,
            hidden=sheet.hidden,
            sheet=sheet.title,
            sheets_not_read=sheet.not_read,
        )
    _refuse_other_spreadsheets(data)
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
    header = _find_header(lines, kind, _EMPTY)
    return _Table("csv", used, header, lines, delimiter)


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MARKUP_SAMPLE = 4096
_HTML_TAGS = (b"<html", b"<table", b"<!doctype html")
_SPREADSHEET_XML = b"urn:schemas-microsoft-com:office:spreadsheet"


def _refuse_other_spreadsheets(data: bytes) -> None:
    """``RosterError`` for the files, not XLSX, that Excel opens and township and government
    systems save under an .xls (or .xlsx) name, each with what it is and what to do:

    - OLE2 (Office 97–2003 container): a password-protected workbook (Excel encrypts an
      .xlsx into an OLE2 file with an ``EncryptedPackage`` stream); a Word 97–2003 document
      (a ``WordDocument`` stream and no workbook: a .doc renamed .xls, or a roster typed as a
      Word table); otherwise an Excel 97–2003 .xls (BIFF; WPS's .et alike);
    - an HTML table ("export to Excel" of many web systems; also Excel's web page and
      single-file web page (MHTML) saves), in any encoding, UTF-16 included;
    - an Excel 2003 XML spreadsheet (SpreadsheetML).

    Read as CSV they gave "binary data" or "not a roster", which sent the administrator
    looking at the columns. Judged before decoding anything: an OLE2 file by its directory
    entries, markup by its first 4 KB. The zips that are not XLSX (OpenDocument, Word) are
    ``xlsx._refuse_other_documents``'s.
    """
    if data.startswith(_OLE2):
        if _ole2_has_stream(data, "EncryptedPackage"):
            raise RosterError(_ENCRYPTED)
        if _ole2_has_stream(data, "WordDocument") and not any(
            _ole2_has_stream(data, name) for name in ("Workbook", "Book")
        ):
            raise RosterError(_WORD)
        raise RosterError(_OLD_EXCEL)
    head = data[:_MARKUP_SAMPLE]
    if b"\x00" in head:  # UTF-16: its ASCII characters are a byte and a NUL
        head = head.replace(b"\x00", b"")
    head = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if head.startswith(b"<"):
        if _SPREADSHEET_XML in head:
            raise RosterError(_XML_2003)
        if any(tag in head for tag in _HTML_TAGS):
            raise RosterError(_HTML)
    elif head.startswith(b"mime-version:") and b"text/html" in head:
        raise RosterError(_HTML)


def _ole2_has_stream(data: bytes, name: str) -> bool:
    """Whether the OLE2 file ``data`` has a directory entry of a stream named ``name``.

    Directory entries are 128 bytes, in sectors of 512 or 4,096 bytes after a header of one
    sector, so each begins at a multiple of 128 in the file: the name in UTF-16LE with its
    terminating NUL, its length in bytes at +64, the entry's type (2, a stream) at +66
    ([MS-CFB] 2.6). A cell's text that happens to hold the name is no such entry.
    """
    pattern = (name + "\0").encode("utf-16-le")
    found = data.find(pattern)
    while found != -1:
        length, kind = data[found + 64 : found + 66], data[found + 66 : found + 67]
        if found % 128 == 0 and int.from_bytes(length, "little") == len(pattern) and kind == b"\2":
            return True
        found = data.find(pattern, found + 1)
    return False


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
