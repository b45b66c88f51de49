"""UAI codes (unité administrative immatriculée): 7 digits followed by a control letter.

The control letter is ``CHECK_LETTERS[int(first seven digits) % 23]`` (the alphabet without
I, O and Q). Used by the demonstration data and by the importer.
"""

from __future__ import annotations

import re

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI_RE = re.compile(r"^[0-9]{7}[A-Z]$")


def check_letter(prefix7: str) -> str:
    """The control letter of a UAI whose first seven characters are ``prefix7`` (digits)."""
    if len(prefix7) != 7 or not prefix7.isascii() or not prefix7.isdigit():
        raise ValueError(f"a UAI starts with exactly seven digits, got {prefix7!r}")
    return CHECK_LETTERS[int(prefix7) % 23]


def make_uai(prefix7: str) -> str:
    """The full UAI (seven digits + control letter)."""
    return prefix7 + check_letter(prefix7)


def normalize_uai(value: str) -> str:
    """``value`` without surrounding blanks, upper-cased ("0169001a " → "0169001A")."""
    return str(value).strip().upper()


def is_valid_uai(uai: str) -> bool:
    """True for seven digits followed by the right control letter (upper case, no blanks)."""
    if not isinstance(uai, str) or not _UAI_RE.match(uai):
        return False
    return uai[7] == check_letter(uai[:7])
