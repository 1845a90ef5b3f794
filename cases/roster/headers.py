"""Finding a roster's header row among its first rows and mapping its cells to columns.

Shared by the CSV delimiter sniffing (``csv_text``), the choice of an XLSX worksheet (``xlsx``)
and the reading of the rows below the header (``reading``).
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .kinds import KINDS, REQUIRED_COLUMNS, RosterKind
from .messages import (
    _EMPTY,
    _MISSING_COLUMNS,
    _NOT_ROSTER,
    _OTHER_KIND,
    RosterError,
    _other_kind_args,
)

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


def _headers_by_kind(
    first: Iterable[tuple[int, Sequence[str]]],
) -> dict[RosterKind, _Header | None]:
    """For each kind of roster, the header the non-blank rows ``first`` (the first of a file or
    worksheet) come closest to (``_best_header``)."""
    first = list(first)
    return {each: _best_header(iter(first), each) for each in KINDS}


def _other_kind(headers: Mapping[RosterKind, _Header | None], kind: RosterKind):
    """The kind of roster other than ``kind`` that a file's or worksheet's ``headers``
    (``_headers_by_kind``) say it holds, or None: a complete header of that kind with more of
    its columns than the header of ``kind`` has of ``kind``'s.

    A member roster has every column a household roster requires (户主, or 姓名 taken for the
    head's name), but more of a member roster's (姓名 beside 户主, 与户主关系, 出生日期 …); a
    household roster that calls the head 姓名 has a member roster's required columns, but more
    of a household roster's (人口, 股东数, 承包面积). Decision: a tie (村, 经济社, 户号, 姓名 and
    nothing else) could be either, and stays a roster of both kinds: read alone, it is read as
    the kind imported; with a roster of ``kind`` beside it in a workbook, the two are refused
    as several, naming them.
    """
    own = headers[kind]
    count = len(own.positions) if own else 0
    for other, header in headers.items():
        if other is not kind and _is_complete(header, other) and len(header.positions) > count:
            return other
    return None


def _kept(lines: Iterator[tuple[int, Sequence[str]]], kept: list) -> Iterator:
    """``lines``, keeping the non-blank ones read in ``kept``."""
    for line, cells in lines:
        if not _is_blank(cells):
            kept.append((line, cells))
        yield line, cells


def _find_header(
    lines: Iterator[tuple[int, Sequence[str]]], kind: RosterKind, empty: object = _EMPTY
) -> _Header:
    """Consume ``lines`` up to and including the header row, and map it.

    Decision: a roster of another kind (``_other_kind``: a member roster given to the household
    import, or the reverse) is refused in one sentence naming the import that reads it. Read
    as the kind asked for, it gave an error on nearly every row (a member roster's household
    number repeats for each person) or a missing column, and nothing said which file it was.
    """
    first: list[tuple[int, Sequence[str]]] = []
    best = _best_header(_kept(lines, first), kind)
    if best is None:
        raise RosterError(empty)
    if other := _other_kind(_headers_by_kind(first), kind):
        raise RosterError(_OTHER_KIND % _other_kind_args(kind, other))
    if _is_complete(best, kind):
        return best
    if not _looks_like_roster(best):
        columns = kind.column_names(kind.required)
        raise RosterError(_NOT_ROSTER % {"roster": kind.title, "columns": columns})
    missing = [c for c in kind.required if c not in best.positions]
    raise RosterError(_MISSING_COLUMNS % {"line": best.line, "columns": kind.column_names(missing)})
