import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, strategies as st

from cases.validators import (
    id_number_check_char,
    id_number_problem,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    validate_id_number,
)

from .factories import make_id_number

# Check digits computed by hand with the GB 11643 weights.
VALID = ["11010519491231002X", "440524188001010014", "440605198005170010"]


@pytest.mark.parametrize("number", VALID)
def test_valid_id_numbers_pass(number):
    validate_id_number(number)


@given(first17=st.text("0123456789", min_size=17, max_size=17))
def test_the_check_character_is_the_gb_11643_one(first17):
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # the standard's definition of W_i
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    assert id_number_check_char(first17) == "10X98765432"[total % 11]


def test_the_check_character_needs_17_ascii_digits():
    with pytest.raises(ValueError):
        id_number_check_char("１１０１０５１９４９１２３１００２")


def test_generated_id_numbers_pass():
    for n in range(50):
        assert id_number_problem(make_id_number(n)) is None


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("110105194912310021", "check digit"),
        ("44052418800101001", "18 characters"),
        ("4405241880010100141", "18 characters"),
        ("44052418800101001A", "17 digits"),
        ("4.40682E+17", "scientific notation"),
    ],
)
def test_invalid_id_numbers_are_refused_with_the_reason(number, words):
    with pytest.raises(ValidationError) as err:
        validate_id_number(number)
    assert words in " ".join(err.value.messages)


def test_lower_case_x_and_full_width_digits_are_normalised():
    assert normalize_id_number(" １１０１０５１９４９１２３１００２x ") == "11010519491231002X"


def test_masks_keep_only_region_and_last_four():
    assert mask_id_number("44060519800517123X") == "440605********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == ""


def test_digits_of_other_scripts_are_not_digits():
    # "४" is a Devanagari digit: \d matches it without re.ASCII.
    assert id_number_problem("4406051980051700१" + "0") is not None
