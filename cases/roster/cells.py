"""Validating one cell: normalising text, names and free text, and the field parsers (ID number,
phone, head count, area, household number, a person's name). The first four have a fast path
for a cell already clean and a full path that alone builds messages.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal

from cases.validators import (
    GROUPED_DECIMAL,
    id_number_check_ok,
    id_number_problem,
    normalize_id_number,
    normalize_phone,
    normalize_text,
    phone_problem,
)

from .messages import (
    _BLANK,
    _LOST_CHARACTER,
    _NEGATIVE,
    _NOT_AREA,
    _NOT_COUNT,
    _TOO_PRECISE,
)


class _Invalid(Exception):
    """A cell's problem, raised by the field parsers below with the message already built."""


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
