"""What the administrator is told: the messages of whole-file problems (raised as
``RosterError``) and of row problems, and how they write a file size.

English msgids translated with ``gettext_lazy``, evaluated only for rows that have a problem.
"""

from django.utils.translation import gettext_lazy as _

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
# Files that are not XLSX though Excel opens them, often named .xls or .xlsx
# (``reading._refuse_other_spreadsheets``).
_OLD_EXCEL = _(
    "This is an Excel 97–2003 workbook (.xls), a format the import cannot read; open it in "
    "Excel or WPS, save it as an Excel workbook (.xlsx) or CSV, and import that file."
)
_ENCRYPTED = _(
    "This Excel workbook is protected by a password, so it cannot be read; open it in Excel or "
    "WPS, remove the password, save it as an Excel workbook (.xlsx) or CSV, and import that "
    "file."
)
_HTML = _(
    "This file is a web page (an HTML table) saved under an Excel name, not an Excel workbook; "
    "open it in Excel or WPS, save it as an Excel workbook (.xlsx) or CSV, and import that file."
)
_XML_2003 = _(
    "This file is an Excel 2003 XML spreadsheet, not an Excel workbook (.xlsx); open it in "
    "Excel or WPS, save it as an Excel workbook (.xlsx) or CSV, and import that file."
)
_ODS = _(
    "This file is an OpenDocument spreadsheet (.ods, as LibreOffice and WPS save), a format the "
    "import cannot read; open it in Excel or WPS, save it as an Excel workbook (.xlsx) or CSV, "
    "and import that file."
)
_ODT = _(
    "This file is an OpenDocument text document (.odt), not a spreadsheet; copy the roster's "
    "table into Excel or WPS, save it as an Excel workbook (.xlsx) or CSV, and import that file."
)
_WORD = _(
    "This file is a Word document, not a spreadsheet; copy the roster's table into Excel or "
    "WPS, save it as an Excel workbook (.xlsx) or CSV, and import that file."
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
_EMPTY_SHEET = _("The worksheet %(sheet)s is empty.")
_NO_VISIBLE_SHEET = _(
    "Every worksheet of the workbook is hidden, and hidden worksheets are never imported: "
    "unhide the roster's worksheet in Excel or WPS and import the file again."
)
_ON_HIDDEN_SHEET = _(
    "The %(roster)s is on a hidden worksheet (%(sheets)s), and hidden worksheets are never "
    'imported: unhide it in Excel or WPS (right-click a worksheet tab, then "Unhide") and '
    "import the file again."
)
_SEVERAL_SHEETS = _(
    "Several worksheets look like a %(roster)s (%(sheets)s), and only one can be imported at "
    "a time: keep the roster on one visible worksheet (delete or hide the others: hidden "
    "worksheets are never imported), or save each worksheet as its own file."
)
_NO_ROSTER_SHEET = _(
    "None of the worksheets (%(sheets)s) is a %(roster)s: none has, in its first rows, a "
    "header with the columns %(columns)s."
)
# A roster of the other kind, given to an import (``headers._other_kind``): which import reads
# it, by the command's name and the admin page's ("Import roster", as its link is named).
_OTHER_KIND = _(
    "This file is a %(other)s (%(layout)s), not a %(roster)s: import it with the command "
    '%(command)s, or in the admin on the "%(page)s" page as a %(other)s.'
)
_OTHER_ROSTER_SHEET = _(
    "None of the worksheets (%(sheets)s) is a %(roster)s: %(sheet)s holds a %(other)s "
    '(%(layout)s); import it with the command %(command)s, or in the admin on the "%(page)s" '
    "page as a %(other)s."
)
_IMPORT_PAGE = _("Import roster")
_ON_SHEET = _("Worksheet %(sheet)s: %(problem)s")
_SHEET_NAME = _('"%(sheet)s"')
_HIDDEN_SHEET_NAME = _('"%(sheet)s" (hidden)')
_OTHER_KIND_SHEET_NAME = _('"%(sheet)s" (a %(roster)s)')
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
    "This row is hidden in Excel (hidden, filtered out, or of zero height), so it would be "
    "imported unseen: unhide it, or clear the filter, to import it; or delete it."
)
_LOST_CHARACTER = _(
    '"%(value)s" has a "?" where a character was lost: Excel writes "?" for a character the '
    'encoding of its CSV (GBK) cannot hold. Save the roster as "CSV UTF-8" or XLSX and import '
    "it again."
)


def _other_kind_args(kind, other) -> dict:
    """The arguments of ``_OTHER_KIND`` and ``_OTHER_ROSTER_SHEET``: a file for the import of
    ``kind`` (a ``kinds.RosterKind``) that holds a roster of the kind ``other``."""
    return {
        "roster": kind.title,
        "other": other.title,
        "layout": other.layout,
        "command": other.command,
        "page": _IMPORT_PAGE,
    }


class RosterError(Exception):
    """A problem with the whole file; ``str(error)`` is one sentence for the administrator."""


def _size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"
