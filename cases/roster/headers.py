"""Finding a roster's header row among its first rows and mapping its cells to columns.

Shared by the CSV delimiter sniffing (``csv_text``), the choice of an XLSX worksheet (``xlsx``)
and the reading of the rows below the header (``reading``).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .kinds import REQUIRED_COLUMNS, RosterKind
from .messages import _EMPTY, _MISSING_COLUMNS, _NOT_ROSTER, RosterError

# The header is the first non-blank row, or one of the next five (title rows above it).
HEADER_SEARCH_ROWS = 6


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


def _best_header(lines: Iterator[tuple[int, Sequence[str]]], kind: RosterKind) -> _Header | None:
    """Consume ``lines`` up to the first header with every required column, and map it; else
    (after ``HEADER_SEARCH_ROWS`` non-blank rows) the row with the most of them, or None."""
    best: _Header | None = None
    looked = 0
    for line, cells in lines:
        if _is_blank(cells):
            continue
        header = _map_header(line, cells, kind)
        if _is_complete(header, kind):
            return header
        if best is None or header.score > best.score:
            best = header
        looked += 1
        if looked == HEADER_SEARCH_ROWS:
            break
    return best


def _looks_like_roster(header: _Header | None) -> bool:
    """A header of two roster columns or more: a roster, if perhaps one lacking a column."""
    return header is not None and len(header.positions) >= 2


def _is_complete(header: _Header | None, kind: RosterKind) -> bool:
    """A header with every column ``kind`` requires."""
    return header is not None and header.score[0] == len(kind.required)


def _find_header(
    lines: Iterator[tuple[int, Sequence[str]]], kind: RosterKind, empty: object = _EMPTY
) -> _Header:
    """Consume ``lines`` up to and including the header row, and map it."""
    best = _best_header(lines, kind)
    if best is None:
        raise RosterError(empty)
    if _is_complete(best, kind):
        return best
    if not _looks_like_roster(best):
        columns = kind.column_names(kind.required)
        raise RosterError(_NOT_ROSTER % {"roster": kind.title, "columns": columns})
    missing = [c for c in kind.required if c not in best.positions]
    raise RosterError(_MISSING_COLUMNS % {"line": best.line, "columns": kind.column_names(missing)})
