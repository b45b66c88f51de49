"""The shape of a JSON file, checked before and after it is parsed (item 3): every JSON the
importer cannot use is answered in French with its line or its path and the rule it breaks.

Before parsing, on the text with its strings blanked out (``check_bounds``, vectorised): nesting
depth (a 100 000-deep list would exhaust Python's stack) and the length of numbers (a 4 400-digit
integer is refused by Python itself). After parsing, a Django fixture's records (``check_fixture``):
``model`` a text, ``pk`` a number or a text, ``fields`` an object.
"""

from __future__ import annotations

import json
import re

from dashboard import fmt
from dashboard.importer import limits
from dashboard.importer.limits import LimitExceeded

MAX_DEPTH = 20  # nested lists and objects: a list of records needs 2 or 3 levels
MAX_DIGITS = 30  # digits in a number (a count, a code: never more than a few tens)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
BLOCK = 1 << 22  # characters whose depth is computed at a time (bounded temporary arrays)
NUMBER_RULE = f"un nombre compte {MAX_DIGITS} chiffres au plus"
SCALARS = (str, int, float, bool)


def blank_strings(text: str) -> str:
    """``text`` with the content of every string replaced by spaces (same length, same lines):
    brackets and digits inside strings then no longer count."""
    return STRING.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)


def line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def too_deep(line: int | None) -> str:
    where = f"Ligne {line} : l" if line else "L"
    return (f"{where}e fichier JSON imbrique des listes ou des objets sur plus de {MAX_DEPTH} niveaux : un fichier "
            "d'enregistrements n'en demande que deux ou trois (une liste d'objets). Ce n'est pas un export de "
            "données lisible ; exportez le tableau en CSV.")


def deepest(code, start: int, depth: int):
    """(position where the depth first passes ``MAX_DEPTH`` or None, depth at the end) of a block."""
    import numpy as np  # only for this conversion (polars does not need it)

    step = (code == 91).astype(np.int8) + (code == 123) - (code == 93) - (code == 125)
    levels = np.cumsum(step, dtype=np.int32) + depth
    over = np.flatnonzero(levels > MAX_DEPTH)
    return (start + int(over[0]) if len(over) else None), (int(levels[-1]) if len(levels) else depth)


def check_bounds(text: str) -> None:
    """Nesting depth and number length, before ``json.loads`` builds anything."""
    import numpy as np  # only for this conversion (polars does not need it)

    plain = blank_strings(text)
    depth = 0
    for start in range(0, len(plain), BLOCK):
        code = np.frombuffer(plain[start:start + BLOCK].encode("ascii", "replace"), dtype=np.uint8)
        found, depth = deepest(code, start, depth)
        if found is not None:
            line = line_at(plain, found)
            raise LimitExceeded(too_deep(line), line)
    if (number := re.search(r"\d{%d,}" % (MAX_DIGITS + 1), plain)) is not None:
        line = line_at(plain, number.start())
        digits = len(number.group())
        raise LimitExceeded(
            f"Ligne {line} : un nombre de {fmt.integer(digits)} chiffres n'est pas une valeur d'un fichier de "
            f"l'académie (effectif, code, date) : la règle est {NUMBER_RULE}. Vérifiez la cellule d'origine.", line)


def is_key(value) -> bool:
    """A value that can name a record (a number or a text), not a list or an object."""
    return value is None or isinstance(value, SCALARS)


def kind_of(value) -> str:
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    return "une valeur vide" if value is None else "une valeur"


def check_fixture(items: list[dict]) -> None:
    """A Django fixture (``model``, ``pk``, ``fields``): each record's parts of the expected type,
    else refused with the record's path (``[12].pk``) and the rule."""
    for index, item in enumerate(items):
        where = f"Enregistrement n° {fmt.integer(index + 1)} (chemin [{index}]"
        if not isinstance(item.get("model"), str):
            raise LimitExceeded(f"{where}.model) : « model » est {kind_of(item.get('model'))} ; dans un export "
                                "Django, c'est le nom du modèle, un texte.")
        if not is_key(item.get("pk")):
            raise LimitExceeded(f"{where}.pk) : la clé « pk » est {kind_of(item.get('pk'))} ; dans un export "
                                "Django, la clé d'un enregistrement est un nombre ou un texte.")
        fields = item.get("fields")
        if fields is not None and not isinstance(fields, dict):
            raise LimitExceeded(f"{where}.fields) : « fields » est {kind_of(fields)} ; dans un export Django, "
                                "c'est un objet { nom : valeur }.")
    if len(items) > limits.MAX_ROWS:
        raise limits.too_many_rows()


FRENCH = (
    ("Expecting value", "une valeur est attendue"),
    ("Expecting property name enclosed in double quotes", "un nom entre guillemets droits (\") est attendu"),
    ("Expecting ',' delimiter", "une virgule est attendue"),
    ("Expecting ':' delimiter", "deux-points (:) sont attendus"),
    ("Unterminated string starting at", "un texte n'est pas refermé par un guillemet"),
    ("Invalid control character at", "un caractère de contrôle se trouve dans un texte"),
    ("Invalid \\escape", "une séquence d'échappement (\\) n'est pas valide"),
    ("Invalid \\uXXXX escape", "une séquence \\uXXXX n'est pas valide"),
    ("Extra data", "des données suivent la fin du document"),
)


def french(exc: json.JSONDecodeError) -> str:
    """The parser's reason, in French."""
    for english, text in FRENCH:
        if exc.msg.startswith(english):
            return text
    return "syntaxe invalide"
