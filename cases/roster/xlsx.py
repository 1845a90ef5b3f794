"""An XLSX roster: refusing a zip bomb before openpyxl opens it, reading a worksheet's cells as
the text Excel shows with the rows and columns Excel hides, and choosing the worksheet that
holds the roster (never a hidden one).
"""

import io
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from typing import NamedTuple

import openpyxl
from openpyxl.worksheet._reader import WorkSheetParser

from cases.wording import join_list

from .headers import (
    HEADER_SEARCH_ROWS,
    _find_header,
    _Header,
    _headers_by_kind,
    _is_blank,
    _is_complete,
    _looks_like_roster,
    _other_kind,
)
from .kinds import RosterKind
from .messages import (
    _BOMB_RATIO,
    _BOMB_SIZE,
    _CORRUPT,
    _EMPTY_SHEET,
    _HIDDEN_SHEET_NAME,
    _NO_ROSTER_SHEET,
    _NO_SHEET,
    _NO_VISIBLE_SHEET,
    _ODS,
    _ODT,
    _ON_HIDDEN_SHEET,
    _ON_SHEET,
    _OTHER_KIND_SHEET_NAME,
    _OTHER_ROSTER_SHEET,
    _SEVERAL_SHEETS,
    _SHEET_NAME,
    _WORD,
    RosterError,
    _other_kind_args,
    _size_text,
)

# Worksheet XML compresses 10 to 30:1; a zip bomb compresses 1000:1. Members under
# _RATIO_FLOOR are too small for their ratio to matter.
MAX_COMPRESSION_RATIO = 200
_RATIO_FLOOR = 1024 * 1024


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
    """Refuse a zip bomb before openpyxl decompresses anything, and a zip that is another
    document (``_refuse_other_documents``).

    The sizes are the ones the central directory declares; ``zipfile`` never inflates a member
    beyond its declared size (and fails its CRC check if the data disagrees), so they bound
    what openpyxl can be made to read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise RosterError(_CORRUPT) from exc
    with archive:
        total = sum(member.file_size for member in members)
        if total > max_uncompressed_bytes:
            sizes = {"size": _size_text(total), "limit": _size_text(max_uncompressed_bytes)}
            raise RosterError(_BOMB_SIZE % sizes)
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
                raise RosterError(_BOMB_RATIO % {"ratio": ratio})
        _refuse_other_documents(archive)


#: OpenDocument files are zips whose ``mimetype`` member names their kind (templates too:
#: ``…spreadsheet-template``).
_OPENDOCUMENT = (
    ("application/vnd.oasis.opendocument.spreadsheet", _ODS),
    ("application/vnd.oasis.opendocument.text", _ODT),
)


def _refuse_other_documents(archive: zipfile.ZipFile) -> None:
    """``RosterError`` saying what a zip that is not an XLSX is, if it is a document the
    administrator may have saved or renamed as one: an OpenDocument spreadsheet (.ods) or text
    (.odt), or a Word document (.docx, its ``word/document.xml``). Otherwise openpyxl's failure
    says the XLSX is damaged, which sent the administrator to repair a file that is fine.
    Read after the zip bomb checks: the ``mimetype`` member is a few bytes."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100].decode("ascii").strip()
        except Exception:  # damaged: openpyxl says so
            mimetype = ""
        for prefix, message in _OPENDOCUMENT:
            if mimetype.startswith(prefix):
                raise RosterError(message)
    if "word/document.xml" in names:
        raise RosterError(_WORD)


@dataclass
class _Hidden:
    """What Excel hides in the worksheet read, filled in by ``_sheet_lines`` as it reads:
    the numbers of hidden rows (hidden by hand, filtered out, or of zero height) and the
    indexes (from 0) of hidden columns (hidden, or of zero width), known from the first row
    on."""

    rows: set[int] = field(default_factory=set)
    columns: set[int] = field(default_factory=set)


_XML_TRUE = ("1", "true")
_MAX_XLSX_COLUMNS = 16384


def _size(value: str | None) -> float | None:
    """A row height or column width as the XML writes it, or None (absent or unreadable)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _row_is_hidden(attrs: Mapping[str, str] | None, zero_height: bool) -> bool:
    """Whether Excel shows a ``<row>`` (its attributes; None when it has none but ``r``):
    not when ``hidden="1"``, nor at a height of 0 (``ht="0"``, or ``customHeight="1"``
    without ``ht``, which Excel reads as 0, and openpyxl writes for a height of 0), nor
    without a height of its own when the sheet's rows are zero-height by default
    (``<sheetFormatPr zeroHeight="1">``, Excel's "hide every row but these")."""
    if not attrs:
        return zero_height
    if attrs.get("hidden") in _XML_TRUE:
        return True
    height = _size(attrs.get("ht"))
    if height is None:
        return zero_height or attrs.get("customHeight") in _XML_TRUE
    return height <= 0


def _hidden_columns(column_dimensions: Mapping[str, Mapping[str, str]]) -> set[int]:
    """The indexes (from 0) of the columns ``<col min max hidden="1">`` hides, or a width of
    0 (``width="0"``) makes invisible."""
    hidden: set[int] = set()
    for attrs in column_dimensions.values():
        width = _size(attrs.get("width"))
        if attrs.get("hidden") in _XML_TRUE or (width is not None and width <= 0):
            low = int(attrs["min"])
            high = min(int(attrs.get("max", low)), _MAX_XLSX_COLUMNS)
            hidden.update(range(low - 1, high))
    return hidden


def _open_workbook(data: bytes, max_uncompressed_bytes: int):
    """The workbook, opened read-only (streaming); ``close()`` it when done."""
    _check_zip(data, max_uncompressed_bytes)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, XML errors...
        raise RosterError(_CORRUPT) from exc
    if not workbook.worksheets:
        workbook.close()
        raise RosterError(_NO_SHEET)
    return workbook


def _sheet_lines(workbook, sheet, hidden: _Hidden) -> Iterator[tuple[int, list[str]]]:
    """A worksheet's (row number, cell texts); rows absent from the XML (blank) are not
    yielded. Closing the iterator closes the sheet's part, not the workbook.

    The rows come from openpyxl's streaming worksheet parser, the one its read-only
    ``iter_rows`` uses, which drops what the parser learns besides the cells: the attributes of
    ``<row hidden="1">`` (or of zero height) and of ``<col hidden="1">`` and the sheet's
    ``<sheetFormatPr zeroHeight="1">`` (which precede the rows). Read here, they fill
    ``hidden`` (``_row_is_hidden``, ``_hidden_columns``); a row's attributes are dropped once
    read, so memory stays flat.
    """
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
            columns_read = zero_height = False
            for line, cells in parser.parse():
                if not columns_read:  # <sheetFormatPr>, <cols> come before the first <row>
                    hidden.columns = _hidden_columns(parser.column_dimensions)
                    sheet_format = getattr(parser, "sheet_format", None)
                    zero_height = bool(sheet_format and sheet_format.zeroHeight)
                    columns_read = True
                attributes = row_attributes.popitem()[1] if row_attributes else None
                if (attributes or zero_height) and _row_is_hidden(attributes, zero_height):
                    hidden.rows.add(line)
                if not cells:
                    continue
                # As openpyxl's read-only rows: as wide as the last cell.
                width = cells[-1]["column"]
                texts = [""] * width
                for cell in cells:
                    column, value = cell["column"], cell["value"]
                    if column <= width:
                        texts[column - 1] = value if value.__class__ is str else _cell_text(value)
                yield line, texts
    except Exception as exc:
        raise RosterError(_CORRUPT) from exc


def _closing(lines: Iterator, workbook) -> Iterator:
    """``lines``, closing ``workbook`` once they are read (or abandoned)."""
    try:
        yield from lines
    finally:
        workbook.close()


class _Sheet(NamedTuple):
    """The worksheet a roster is read from."""

    title: str
    header: _Header
    lines: Iterator[tuple[int, list[str]]]  # below the header
    hidden: _Hidden
    not_read: list[str]  # the other worksheets' names as messages quote them


def _sheet_names(sheets, mark_hidden: bool = True) -> str:
    """ "花名册", "说明" (hidden): worksheets as the messages name them."""
    names = [
        (_HIDDEN_SHEET_NAME if mark_hidden and sheet.sheet_state != "visible" else _SHEET_NAME)
        % {"sheet": sheet.title}
        for sheet in sheets
    ]
    return join_list(names)


def _xlsx_sheet(data: bytes, max_uncompressed_bytes: int, kind: RosterKind) -> _Sheet:
    """The worksheet holding the roster, read up to its header.

    Decision: what Excel shows is what is imported, so a hidden (or "very hidden") worksheet
    is never read. With one visible worksheet, it is read, with its own errors (as before
    workbooks of several worksheets were thought of). With several, the roster is the one
    whose first rows hold a complete header of ``kind`` (every required column) and are not
    another kind's roster (``_other_kind``): a workbook with a 说明 (instructions) or 汇总
    (totals) worksheet before its roster, or with a household roster and a member roster
    (townships keep both in one file), is read without being rearranged, each import taking
    its own. Two complete ones of ``kind`` (a roster per cooperative, or last year's copy) are
    refused, naming them: the import reads one, and choosing for the administrator could
    import the wrong one. With none, the first that looks like a roster of ``kind``
    (``_looks_like_roster``) gives its error, naming its worksheet; when only another kind's
    roster is there, the message says so, and which import reads it. With one visible
    worksheet of another kind's roster, ``_find_header`` says so alike. When the roster is not
    found but a hidden worksheet holds one, the message says so. The worksheets not read are
    named in ``_Sheet.not_read`` (another kind's roster as such), for the import's notice: the
    preview says which worksheet it shows.

    Cost: with one visible worksheet, none; with several, the first rows of each are read
    once more (the header search stops after a few rows).
    """
    workbook = _open_workbook(data, max_uncompressed_bytes)
    other_kinds: dict = {}  # worksheet → the other kind of roster it holds
    try:
        visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
        concealed = [s for s in workbook.worksheets if s.sheet_state != "visible"]
        chosen, on_sheet = (visible[0], False) if len(visible) == 1 else (None, True)
        if chosen is None:
            headers = []  # (worksheet, its header of ``kind``), another kind's rosters left out
            for sheet in visible:
                probed = _probe(workbook, sheet)
                if other := _other_kind(probed, kind):
                    other_kinds[sheet] = other
                else:
                    headers.append((sheet, probed[kind]))
            rosters = [sheet for sheet, header in headers if _is_complete(header, kind)]
            if len(rosters) > 1:
                sheets = _sheet_names(rosters)
                raise RosterError(_SEVERAL_SHEETS % {"roster": kind.title, "sheets": sheets})
            if not rosters:
                _refuse_hidden_roster(workbook, concealed, kind)
                if not visible:
                    raise RosterError(_NO_VISIBLE_SHEET)
                near = [(sheet, header) for sheet, header in headers if _looks_like_roster(header)]
                # The one with the most required columns (the first of equals).
                rosters = [max(near, key=lambda pair: pair[1].score)[0]] if near else []
            if not rosters and other_kinds:
                sheet, other = next(iter(other_kinds.items()))
                raise RosterError(
                    _OTHER_ROSTER_SHEET
                    % {
                        "sheets": _sheet_names(visible),
                        "sheet": _sheet_names([sheet]),
                        **_other_kind_args(kind, other),
                    }
                )
            if not rosters:
                columns = kind.column_names(kind.required)
                raise RosterError(
                    _NO_ROSTER_SHEET
                    % {"sheets": _sheet_names(visible), "roster": kind.title, "columns": columns}
                )
            chosen = rosters[0]
        hidden = _Hidden()
        lines = _sheet_lines(workbook, chosen, hidden)
        empty = _EMPTY_SHEET % {"sheet": _sheet_names([chosen])}
        try:
            header = _find_header(lines, kind, empty)
        except RosterError as exc:
            lines.close()
            _refuse_hidden_roster(workbook, concealed, kind)
            if on_sheet:  # the worksheet with the most of a roster, but not all
                problem = {"sheet": _sheet_names([chosen]), "problem": exc}
                raise RosterError(_ON_SHEET % problem) from exc
            raise
    except BaseException:
        workbook.close()
        raise
    not_read = [
        _OTHER_KIND_SHEET_NAME % {"sheet": sheet.title, "roster": other_kinds[sheet].title}
        if sheet in other_kinds
        else _sheet_names([sheet])
        for sheet in workbook.worksheets
        if sheet is not chosen
    ]
    return _Sheet(chosen.title, header, _closing(lines, workbook), hidden, not_read)


def _probe(workbook, sheet) -> dict[RosterKind, _Header | None]:
    """For each kind of roster, the header the first rows of ``sheet`` come closest to
    (``_headers_by_kind``); the rows are read once."""
    lines = _sheet_lines(workbook, sheet, _Hidden())
    try:
        first = list(islice(((n, c) for n, c in lines if not _is_blank(c)), HEADER_SEARCH_ROWS))
    finally:
        lines.close()
    return _headers_by_kind(first)


def _refuse_hidden_roster(workbook, concealed: list, kind: RosterKind) -> None:
    """``RosterError`` naming the hidden worksheets that look like a roster of ``kind`` (not
    another kind's), if any: the roster the administrator meant is there, and is not imported
    unseen."""
    rosters = []
    for sheet in concealed:
        probed = _probe(workbook, sheet)
        if _looks_like_roster(probed[kind]) and not _other_kind(probed, kind):
            rosters.append(sheet)
    if rosters:
        raise RosterError(
            _ON_HIDDEN_SHEET
            % {"roster": kind.title, "sheets": _sheet_names(rosters, mark_hidden=False)}
        )
