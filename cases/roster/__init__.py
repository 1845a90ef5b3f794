"""Household rosters (花名册): reading CSV / XLSX files and validating them row by row.

Pure: no ORM. The database half of ``import_households`` calls ``parse_roster`` and writes
nothing unless ``ParseResult.errors`` is empty (DESIGN.md: "nothing half-imported").

Line numbers are the spreadsheet's row numbers (the header is line 1 unless title rows sit above
it), so an administrator can find the row in Excel. Messages are English msgids translated with
``gettext_lazy`` and evaluated only for rows that have a problem.

By topic, in the order each builds on the ones before:

- ``kinds``: the kinds of roster (households, members), their columns, and the headers each
  column goes by;
- ``messages``: whole-file problems (``RosterError``) and row problems, as the administrator
  reads them;
- ``headers``: finding the header row among the first rows, and mapping its cells;
- ``csv_text`` and ``xlsx``: a CSV file's text (encodings, delimiter) and an XLSX workbook's
  worksheet (zip bombs, hidden rows, columns and worksheets, which worksheet is the roster);
- ``reading``: a file of either format up to its rows (``read_rows``), the others refused;
- ``cells`` and ``places``: one cell validated, and a row's village and cooperative;
- ``rows``: what a parse returns, and the household roster's parser (``parse_roster``).

The names in ``__all__`` are the package's interface. The underscored ones re-exported here
(``_name as _name``) are the parts ``cases.member_roster``, the second kind of roster, builds
its parser from: for it alone.
"""

from .cells import (
    _amount_full as _amount_full,
    _clean as _clean,
    _household_number as _household_number,
    _id_number as _id_number,
    _Invalid as _Invalid,
    _name as _name,
    _optional as _optional,
    _person_name as _person_name,
    _phone as _phone,
    normalize_name,
)
from .csv_text import decode_csv
from .kinds import (
    COLUMNS,
    HOUSEHOLDS,
    KINDS,
    MEMBERS,
    PHONE_VARIANTS,
    PLACE_VARIANTS,
    REQUIRED_COLUMNS,
    RosterKind,
    canonical_column,
)
from .messages import (
    _BLANK_MERGED as _BLANK_MERGED,
    _BLANK_NOTHING_ABOVE as _BLANK_NOTHING_ABOVE,
    _HIDDEN_ROW as _HIDDEN_ROW,
    _WHOLE_ROW as _WHOLE_ROW,
    RosterError,
)
from .places import _Places as _Places
from .reading import (
    MAX_FILE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    _data_lines as _data_lines,
    _open_table as _open_table,
    read_rows,
)
from .rows import (
    ParseResult,
    RosterRow,
    RowError,
    _cells_getter as _cells_getter,
    _hidden_column_errors as _hidden_column_errors,
    _long_row_problem as _long_row_problem,
    _parse_result as _parse_result,
    parse_roster,
)
from .xlsx import MAX_COMPRESSION_RATIO

__all__ = [
    "COLUMNS",
    "HOUSEHOLDS",
    "KINDS",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "MEMBERS",
    "PHONE_VARIANTS",
    "PLACE_VARIANTS",
    "REQUIRED_COLUMNS",
    "ParseResult",
    "RosterError",
    "RosterKind",
    "RosterRow",
    "RowError",
    "canonical_column",
    "decode_csv",
    "normalize_name",
    "parse_roster",
    "read_rows",
]
