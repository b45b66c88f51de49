"""UAI control letter (dashboard/uai.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import uai


def test_check_letter_known_values():
    assert uai.check_letter("0000000") == "A"
    assert uai.check_letter("0000022") == "Z"
    assert uai.check_letter("0000023") == "A"
    assert uai.check_letter("0750654") == "D"  # lycée Henri-IV, Paris: 0750654D
    assert uai.check_letter("0169001") == uai.CHECK_LETTERS[169001 % 23]


def test_alphabet_has_no_i_o_q():
    assert len(uai.CHECK_LETTERS) == 23
    assert not set("IOQ") & set(uai.CHECK_LETTERS)


@pytest.mark.parametrize("prefix", ["016900", "01690011", "0169OO1", "", "０１６９００１", "-169001"])
def test_check_letter_rejects_bad_prefixes(prefix):
    with pytest.raises(ValueError):
        uai.check_letter(prefix)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0750654D", True),
        ("0750654E", False),
        ("0750654d", False),  # normalise first
        (" 0750654D", False),
        ("750654D", False),
        ("0750654DD", False),
        ("07506540", False),
        ("", False),
        (None, False),
        (750654, False),
    ],
)
def test_is_valid_uai(value, valid):
    assert uai.is_valid_uai(value) is valid


def test_normalize_then_validate():
    assert uai.normalize_uai(" 0750654d ") == "0750654D"
    assert uai.is_valid_uai(uai.normalize_uai(" 0750654d "))


@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_made_uai_is_valid_and_every_other_letter_is_not(number):
    prefix = f"{number:07d}"
    code = uai.make_uai(prefix)
    assert uai.is_valid_uai(code)
    for letter in uai.CHECK_LETTERS:
        if letter != code[-1]:
            assert not uai.is_valid_uai(prefix + letter)
