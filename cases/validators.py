"""Validation and masking of personal numbers (身份证号, 手机号).

Pure functions: no ORM, safe to import from the importer, forms and models alike.
"""

import re
import unicodedata
from decimal import Decimal
from operator import mul

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: weights of the first 17 digits, and the check character for sum % 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_PHONE_SHAPE = re.compile(r"^(?:1\d{10}|0\d{2,3}-?\d{7,8})$", re.ASCII)
# The ASCII code of "0" times each weight: the check sum over the digits' bytes, minus this.
_ID_ZERO_SUM = ord("0") * sum(_ID_WEIGHTS)
_ID_DIGITS = re.compile(r"\d{17}", re.ASCII)
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_PHONE_JUNK = re.compile(r"[\s()（）]")
_AREA_CODE = re.compile(r"0\d{2,3}-")
#: A decimal number whose whole part may be grouped in threes by commas ("378,000.50").
GROUPED_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+", re.ASCII)
_WAN = Decimal(10_000)


def normalize_text(value: str) -> str:
    """Full-width digits, letters and spaces to half-width (NFKC), surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def parse_yuan(value: str) -> Decimal:
    """An amount in yuan as people write it: ``378000``, ``378,000.50``, full-width
    ``３７８，０００``, with ``¥`` before or ``元`` after it, or in 万 (ten thousand yuan):
    ``37.8万`` is 378000. ``ValueError`` for anything else. The sign is kept: whether a
    negative amount is allowed is the caller's rule."""
    text = normalize_text(value).removeprefix("¥").removesuffix("元").strip()
    factor = 1
    if text.endswith("万"):
        text, factor = text.removesuffix("万").strip(), _WAN
    if not GROUPED_DECIMAL.fullmatch(text):
        raise ValueError(value)
    amount = Decimal(text.replace(",", "")) * factor
    # 37.8万 is 378000.0 to Decimal: written without the decimals it does not have.
    return amount.quantize(1) if amount == amount.to_integral_value() else amount.normalize()


def normalize_id_number(value: str) -> str:
    """Safe normalisation of an ID number: half-width, no spaces inside, trailing ``x`` → ``X``."""
    return _SPACES.sub("", normalize_text(value)).upper()


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if not _ID_DIGITS.fullmatch(first17):
        raise ValueError(f"17 ASCII digits expected, not {first17!r}")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    # The weighted sum over the digits' ASCII codes, less what the codes add to it: in C.
    return _ID_CHECK[(sum(map(mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_ZERO_SUM) % 11]


def id_number_check_ok(value: str) -> bool:
    """Whether ``value``, already of the shape 17 ASCII digits and a digit or X (the caller
    checked), ends in its check character."""
    return _check_char(value[:17]) == value[17:]


def id_number_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 18-character ID number, or ``None`` when it is.

    ``value`` should already be normalised (see ``normalize_id_number``).
    """
    if _SCIENTIFIC.fullmatch(value):
        return str(
            _(
                "The ID number was turned into scientific notation by Excel (%(value)s); "
                "its digits are lost. Format the column as text and re-enter it."
            )
            % {"value": value}
        )
    if len(value) != 18:
        return str(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not _ID_SHAPE.match(value):
        return str(_("An ID number is 17 digits followed by a digit or X."))
    if not id_number_check_ok(value):
        return str(
            _("The ID number's check digit is wrong (GB 11643): it should end in %(c)s.")
            % {"c": id_number_check_char(value[:17])}
        )
    return None


def validate_id_number(value: str) -> None:
    """Model/form validator for 身份证号 (GB 11643 check digit; ``X`` allowed last)."""
    problem = id_number_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_id_number")


def normalize_phone(value: str) -> str:
    """Half-width; spaces and dashes between digit groups removed except an area-code dash."""
    value = normalize_text(value)
    value = _PHONE_JUNK.sub("", value)
    if value.startswith("+86"):
        value = value[3:].lstrip("-")
    area_code = _AREA_CODE.match(value)
    keep = area_code.end() if area_code else 0
    return value[:keep] + value[keep:].replace("-", "")


def phone_problem(value: str) -> str | None:
    """Why ``value`` is not a mainland mobile (11 digits from 1) or landline number."""
    if not _PHONE_SHAPE.match(value):
        return str(
            _("A phone number is an 11-digit mobile number or a landline such as 0757-86501234.")
        )
    return None


def validate_phone(value: str) -> None:
    problem = phone_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_phone")


def mask_id_number(value: str) -> str:
    """``440682199001011234`` → ``440682********1234``: region and last four only."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; a landline keeps its area code and last four."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
