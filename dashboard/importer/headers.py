"""Header text as the importer compares it: accents, case,
spaces, underscores and the little words of French headers ignored; the words of a header, in any
order or abbreviated, for the column-mapping proposal.
"""

from __future__ import annotations

import functools
import re

from dashboard.plaintext import without_accents


@functools.lru_cache(maxsize=8192)
def squash(text: str) -> str:
    """Lower case, no accent, letters, digits and ``+`` only: ``" Jeunes signalés "`` → ``"jeunessignales"``."""
    plain = without_accents(text).lower()
    return "".join(ch for ch in plain if ch.isalnum() or ch == "+")


FILLER_WORDS = frozenset({"nb", "nbre", "nombre", "n", "no", "num", "de", "du", "des", "d", "la", "le", "les", "l",
                          "en", "a", "au", "aux"})


@functools.lru_cache(maxsize=8192)
def loosen(text: str) -> str:
    """``squash`` without the little words: ``"Nombre d'élèves absentéistes"`` → ``"elevesabsenteistes"``."""
    plain = without_accents(text).lower()
    words = re.split(r"[^a-z0-9+]+", plain)
    return "".join(w for w in words if w and w not in FILLER_WORDS)


def header_keys(header: str) -> tuple[str, ...]:
    bare = re.sub(r"\(.*?\)", "", header)
    return squash(header), squash(bare), loosen(header), loosen(bare)


def words(text: str) -> tuple[str, ...]:
    """The words of a header without accents, case, remarks in parentheses and little words:
    ``"Struct. innov. (nb)"`` → ``("struct", "innov")``."""
    plain = without_accents(re.sub(r"\(.*?\)", "", str(text))).lower()
    return tuple(w for w in re.split(r"[^a-z0-9+]+", plain) if w and w not in FILLER_WORDS)


def abbreviates(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Each word of ``short`` is ``full``'s word in the same place, or its first three letters or
    more (« Struct. innov. » → structure innovante); never a shorter cut, which says too little."""
    return len(short) == len(full) and all(s == f or (len(s) >= 3 and f.startswith(s)) for s, f in
                                           zip(short, full, strict=True))


def loose_match(header: str, spec) -> bool:
    """A header that names ``spec`` in other words than ``match_headers`` reads: the same words in
    another order (« Code commune INSEE »), or each word abbreviated (« Contr. FOQUALE »)."""
    found = words(header)
    if not found:
        return False
    for name in (spec.name, *spec.aliases):
        target = words(name)
        if sorted(found) == sorted(target) or abbreviates(found, target):
            return True
    return False
