"""Validating a roster's rows: what a parse returns (``RosterRow``, ``RowError``,
``ParseResult``), the household roster's parser (``parse_roster``), and the steps every kind's
parser shares (``cases.member_roster`` takes them too).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from .cells import (
    _area,
    _count,
    _free_text,
    _household_number,
    _id_number,
    _Invalid,
    _person_name,
    _phone,
)
from .headers import _Header
from .kinds import COLUMNS, HOUSEHOLDS, RosterKind
from .messages import (
    _BLANK,
    _COLUMN_NUMBER,
    _DUPLICATE,
    _EXTRA_CELLS,
    _HIDDEN_COLUMN,
    _HIDDEN_ROW,
    _NO_ROWS,
    _WHOLE_ROW,
    RosterError,
)
from .places import _Places
from .reading import MAX_FILE_BYTES, MAX_UNCOMPRESSED_BYTES, _data_lines, _open_table, _Table


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
    ``sheet``: the XLSX worksheet read; ``sheets_not_read``: the workbook's others, as
    messages name them ('"说明"', '"旧名册" (hidden)').
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
    sheet: str = ""
    sheets_not_read: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cells_getter(header: _Header, columns: Sequence[str]) -> Callable:
    """The cells of ``columns`` from a row with one blank cell appended, which stands for the
    columns the file lacks."""
    absent = max(header.positions.values()) + 1
    return itemgetter(*(header.positions.get(c, absent) for c in columns))


def _hidden_column_errors(table: _Table) -> list[RowError]:
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


def _long_row_problem(table: _Table, line: int) -> tuple[str, object]:
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
    table: _Table, kind: RosterKind, rows: list, errors: list[RowError], total: int
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
        sheet=table.sheet,
        sheets_not_read=table.sheets_not_read,
    )
