"""Member rosters (成员名册 / 股东名册): one row a person, the household's columns repeated.

Pure: no ORM. The reading, the header mapping, the cell normalisation and the whole-file
messages are ``cases.roster``'s (this module is its second kind's parser; ``MEMBERS``, its
columns and headers, is ``cases.roster.kinds``'s, beside the first kind's); what is new here
is the person's cells and the checks of one row against the others of the file. What needs
the database (the household exists, the person is in no other household, one head per
household once the file is applied) is ``cases.member_import``'s.

Line numbers are the spreadsheet's, as for households.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roster import (
    _BLANK_MERGED,
    _BLANK_NOTHING_ABOVE,
    _HIDDEN_ROW,
    _WHOLE_ROW,
    MAX_FILE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    MEMBERS,
    ParseResult,
    RowError,
    _amount_full,
    _cells_getter,
    _clean,
    _data_lines,
    _hidden_column_errors,
    _household_number,
    _id_number,
    _Invalid,
    _long_row_problem,
    _name,
    _open_table,
    _optional,
    _parse_result,
    _person_name,
    _phone,
    _Places,
)

__all__ = ["MEMBERS", "RELATION_WORDS", "MemberRow", "parse_members"]

#: Relation to the head, as rosters write it → ``Member.Relation``. The groups are those of
#: the household relation codes of GB/T 4761 (家庭关系代码): 女婿 and 儿媳 are in the children's
#: group, 公公 and 岳母 in the parents', 嫂 and 妹夫 in the siblings'. The first words of each
#: group are the ones an error message offers.
_RELATION_GROUPS = {
    "head": "户主 本人 户主本人 head self",
    "spouse": "配偶 妻 夫 妻子 丈夫 老婆 老公 spouse wife husband",
    "child": "子女 子 女 儿子 女儿 长子 次子 三子 四子 五子 独子 独生子 长女 次女 三女 四女 "
    "五女 独女 独生女 养子 养女 继子 继女 其他儿子 其他女儿 女婿 儿媳 儿媳妇 child son daughter",
    "parent": "父母 父 母 父亲 母亲 继父 继母 养父 养母 公公 婆婆 岳父 岳母 parent father mother",
    "grandchild": "孙子女 孙子 孙女 外孙 外孙子 外孙女 孙 曾孙 曾孙子 曾孙女 孙媳妇 孙女婿 "
    "grandchild grandson granddaughter",
    "sibling": "兄弟姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹 兄弟 姐妹 嫂 嫂子 弟媳 姐夫 妹夫 "
    "sibling brother sister",
    "other": "其他 其它 祖父 祖母 外祖父 外祖母 爷爷 奶奶 外公 外婆 伯父 伯母 叔父 叔叔 婶母 "
    "舅父 舅舅 舅母 姨父 姨母 姑父 姑母 侄子 侄女 外甥 外甥女 其他亲属 非亲属 other",
}
RELATION_WORDS = {
    word.casefold(): code for code, words in _RELATION_GROUPS.items() for word in words.split()
}
_RELATION_HINT = "; ".join(
    "/".join(chinese[:4]) + ("…" if len(chinese) > 4 else "")
    for chinese in (
        [w for w in words.split() if not w.isascii()] for words in _RELATION_GROUPS.values()
    )
)

#: Yes / no cells; a blank cell (or - and /) keeps what is recorded.
_YES = frozenset({"是", "有", "y", "yes", "1", "√", "✓", "✔", "true", "对"})
_NO = frozenset({"否", "无", "非", "不是", "n", "no", "0", "×", "✗", "✘", "false"})
_KEEP = frozenset({"", "/", "-", "--", "—", "——"})

_ISO_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_DIGITS_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHINESE_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_MONTH = re.compile(r"(\d{4})(?:[-/.]|年)(\d{1,2})月?")
_FIRST_YEAR = 1900
_LOW_32 = (1 << 32) - 1

_BLANK_NEW_HOUSEHOLD = _(
    "The %(column)s cell is blank, and the row above is in another village or cooperative, "
    "so it cannot be filled down."
)
_UNKNOWN_RELATION = _(
    'Unknown relation to the head "%(value)s"; write one of: %(words)s (or head, spouse, '
    "child, parent, grandchild, sibling, other)."
)
_NOT_YES_NO = _(
    '"%(value)s" is neither yes nor no: write 是 or 否 (Y / N, 1 / 0, √ / ×), or leave the cell '
    "blank to keep what is recorded."
)
_NOT_DATE = _(
    '"%(value)s" is not a date: write it as 1990-01-02, 1990/1/2, 1990.1.2, 19900102 or '
    "1990年1月2日."
)
_IMPOSSIBLE_BIRTH = _('"%(value)s" cannot be a birth date: it is before 1900 or after today.')
_ONLY_MONTH = _(
    '"%(value)s" is a year and month only: write the whole date (a vote counts who is 18 on its '
    "day), or the ID number, from which it is read."
)
_ID_NOT_BIRTH = _(
    "The ID number's digits 7–14 are not a possible birth date, so the number is mistyped."
)
_BIRTH_DISAGREES = _(
    "The birth date %(value)s is not the one in the ID number (its digits 7–14); correct one "
    "of them."
)
_NOT_SHARES = _('"%(value)s" is not a number of shares; write a number such as 1 or 1.5.')
_SHARES_TOO_PRECISE = _('"%(value)s" has more than two decimal places; shares are kept to 0.01.')
_SHARES_NOT_SHAREHOLDER = _(
    "%(shares)s shares, but %(column)s says the person is not a shareholder: only a shareholder "
    "holds shares (write 0 shares, or 是 under %(column)s)."
)
_DUPLICATE_PERSON = _("The same ID number is already on line %(first)d: a person is listed once.")
_SAME_NAME = _(
    "%(name)s of household %(number)s is also on line %(first)d, and without ID numbers the two "
    "cannot be told apart; add the ID numbers."
)
_TWO_HEADS = _(
    "Household %(number)s already has its head on line %(first)d; a household has one head."
)


class MemberRow(NamedTuple):
    """One valid member row, normalised. ``None`` (or "") is a blank cell: keep what is
    recorded. ``birth_date`` is read from the ID number when its cell is blank."""

    line: int
    village: str
    cooperative: str
    household_no: str
    name: str
    head_name: str = ""
    relation: str = ""  # a ``Member.Relation`` value
    id_number: str = ""
    birth_date: date | None = None
    phone: str = ""
    is_collective_member: bool | None = None
    is_shareholder: bool | None = None
    shares: Decimal | None = None
    is_villager_representative: bool | None = None
    is_member_representative: bool | None = None

    @property
    def household(self) -> tuple[str, str, str]:
        return self.village, self.cooperative, self.household_no


def _relation(value: str) -> str:
    text = _optional(value)
    if not text:
        return ""
    code = RELATION_WORDS.get(text.casefold())
    if code is None:
        raise _Invalid(str(_UNKNOWN_RELATION % {"value": text, "words": _RELATION_HINT}))
    return code


def _yes_no(value: str) -> bool | None:
    text = _clean(value).casefold()
    if text in _KEEP:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Invalid(str(_NOT_YES_NO % {"value": value.strip()}))


class _Month(NamedTuple):
    """A birth "date" of a year and month only (出生年月 1990.01)."""

    year: int
    month: int


def _birth_date(value: str, today: date) -> date | _Month | None:
    text = _optional(value)
    if not text:
        return None
    match = _ISO_DAY.fullmatch(text) or _DIGITS_DAY.fullmatch(text) or _CHINESE_DAY.fullmatch(text)
    if match is None:
        if (month := _MONTH.fullmatch(text)) and 1 <= int(month[2]) <= 12:
            return _Month(int(month[1]), int(month[2]))
        raise _Invalid(str(_NOT_DATE % {"value": text}))
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        raise _Invalid(str(_NOT_DATE % {"value": text})) from None
    if day.year < _FIRST_YEAR or day > today:
        raise _Invalid(str(_IMPOSSIBLE_BIRTH % {"value": text}))
    return day


def id_number_birth_date(id_number: str) -> date | None:
    """The birth date an 18-character ID number carries in its digits 7–14, if it is one."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def _shares(value: str, column: str) -> Decimal | None:
    return _amount_full(value, column, "股", _NOT_SHARES, _SHARES_TOO_PRECISE)


def parse_members(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    fill_down: bool = False,
    known_cooperatives: Mapping[str, Iterable[str]] | None = None,
    today: date | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES,
    rows_to: Callable[[MemberRow], object] | None = None,
) -> ParseResult:
    """Read and validate a member roster; every row is checked and every problem reported.

    ``rows_to``: each valid row is given to it, in line order, instead of being kept in the
    result's ``rows`` (left empty): ``cases.member_import`` spools them, so that a roster of
    300,000 people is never held at once. What the checks across rows keep (``_FileChecks``)
    is keys, not rows.

    ``fill_down``: a blank village, cooperative, household number or head (merged cells,
    one household over several rows) takes the value of the row above; a household number
    only within the same village and cooperative, a head only with the household number.
    ``known_cooperatives`` as for ``parse_roster``. ``today`` bounds birth dates (default:
    the township's today). Raises ``RosterError`` for a problem with the whole file.
    """
    today = today or timezone.localdate()
    table = _open_table(
        data, filename, encoding, max_file_bytes, max_uncompressed_bytes, kind=MEMBERS
    )
    written = table.header.written
    cells_of = _cells_getter(table.header, MEMBERS.columns)
    places = _Places(written, fill_down, known_cooperatives).read
    seen = _FileChecks()

    rows: list[MemberRow] = []
    keep = rows.append if rows_to is None else rows_to
    errors: list[RowError] = _hidden_column_errors(table)
    problems: list[tuple[str, object]] = []
    number_above = head_above = ""
    total = 0

    def error(column: str, message: object) -> None:
        problems.append((column, message))

    def cell(parse: Callable, value: str, column: str, *args):
        try:
            return parse(value, *args)
        except _Invalid as exc:
            error(column, exc)
            return None

    for line, cells in _data_lines(table):
        total += 1
        cells.append("")
        (
            village_cell,
            cooperative_cell,
            number_cell,
            head_cell,
            name_cell,
            relation_cell,
            id_cell,
            birth_cell,
            phone_cell,
            collective_cell,
            shareholder_cell,
            shares_cell,
            villager_rep_cell,
            member_rep_cell,
        ) = cells_of(cells)
        problems.clear()
        if line in table.hidden.rows:
            error(str(_WHOLE_ROW), _HIDDEN_ROW)

        village, cooperative, same_place = places(village_cell, cooperative_cell, error)
        number, head = _household_number(number_cell), _name(head_cell)
        if not number:
            if fill_down and number_above and same_place:
                number, head = number_above, head or head_above
            elif fill_down and number_above and village and cooperative:
                error("household_no", _BLANK_NEW_HOUSEHOLD % {"column": written["household_no"]})
            else:
                message = _BLANK_NOTHING_ABOVE if fill_down else _BLANK_MERGED
                error("household_no", message % {"column": written["household_no"]})
        number_above, head_above = number, head

        name = _person_name(name_cell, "name", written, error)
        relation = cell(_relation, relation_cell, "relation") or ""
        id_number = cell(_id_number, id_cell, "id_number") or ""
        birth = cell(_birth_date, birth_cell, "birth_date", today)
        birth = _birth_and_id(birth, id_number, birth_cell, today, error)
        phone = cell(_phone, phone_cell, "phone") or ""
        collective = cell(_yes_no, collective_cell, "collective_member")
        shareholder = cell(_yes_no, shareholder_cell, "shareholder")
        shares = cell(_shares, shares_cell, "shares", written.get("shares", ""))
        if shares:  # more than 0
            if shareholder is False:
                column = written["shareholder"]
                error("shares", _SHARES_NOT_SHAREHOLDER % {"shares": shares, "column": column})
            shareholder = True
        villager_rep = cell(_yes_no, villager_rep_cell, "villager_representative")
        member_rep = cell(_yes_no, member_rep_cell, "member_representative")
        if table.long_rows and line in table.long_rows:
            error(*_long_row_problem(table, line))
        if village and cooperative and number and name:
            seen.check(line, (village, cooperative, number), name, id_number, relation, error)

        if problems:
            errors.extend(RowError(line, written.get(c, c), str(m)) for c, m in problems)
            continue
        keep(
            MemberRow(
                line=line,
                village=village,
                cooperative=cooperative,
                household_no=number,
                name=name,
                head_name=head,
                relation=relation,
                id_number=id_number,
                birth_date=birth,
                phone=phone,
                is_collective_member=collective,
                is_shareholder=shareholder,
                shares=shares,
                is_villager_representative=villager_rep,
                is_member_representative=member_rep,
            )
        )
    return _parse_result(table, MEMBERS, rows, errors, total)


def _birth_and_id(
    birth: date | _Month | None,
    id_number: str,
    birth_cell: str,
    today: date,
    error: Callable[[str, object], None],
) -> date | None:
    """The row's birth date, checked against (or, when blank, read from) its ID number."""
    from_id = None
    if id_number:
        from_id = id_number_birth_date(id_number)
        if from_id is None or from_id.year < _FIRST_YEAR or from_id > today:
            error("id_number", _ID_NOT_BIRTH)
            from_id = None
    if birth is None:
        return from_id
    value = _clean(birth_cell)
    if isinstance(birth, _Month):
        if from_id is None:
            if not id_number:
                error("birth_date", _ONLY_MONTH % {"value": value})
            return None
        if (from_id.year, from_id.month) != birth:
            error("birth_date", _BIRTH_DISAGREES % {"value": value})
        return from_id
    if from_id is not None and birth != from_id:
        error("birth_date", _BIRTH_DISAGREES % {"value": value})
    return birth


class _FileChecks:
    """A row against the rows above it: the same person (ID number) twice, two people of one
    household who cannot be told apart (the same name, one of them without an ID number),
    two heads of one household.

    Kept for every row of the file, so kept small: one household key for all its rows (a
    row's own would keep its village, cooperative and number alive, 280 bytes a row), and
    two line numbers in one integer."""

    def __init__(self):
        self.id_lines: dict[str, int] = {}
        self.households: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        # (household, name) → its first line << 32 | the first line without an ID number, or 0
        self.name_lines: dict[tuple, int] = {}
        self.head_lines: dict[tuple[str, str, str], int] = {}

    def check(self, line, household, name, id_number, relation, error) -> None:
        if id_number:
            first = self.id_lines.setdefault(id_number, line)
            if first != line:
                error("id_number", _DUPLICATE_PERSON % {"first": first})
        household = self.households.setdefault(household, household)
        key = (household, name)
        lines = self.name_lines.get(key, line << 32)
        first, first_without_id = lines >> 32, lines & _LOW_32
        other = first if not id_number else first_without_id
        if first != line and other:
            error("name", _SAME_NAME % {"name": name, "number": household[2], "first": other})
        if not first_without_id and not id_number:
            first_without_id = line
        self.name_lines[key] = first << 32 | first_without_id
        if relation == "head":
            first = self.head_lines.setdefault(household, line)
            if first != line:
                error("relation", _TWO_HEADS % {"number": household[2], "first": first})
