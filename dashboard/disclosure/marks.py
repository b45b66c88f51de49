"""Marks of masked cells, the same in every channel.

* ``PRIMARY`` — a count under the threshold: « < 5 »;
* ``SECONDARY`` — a cell masked so that no small count can be recomputed from the rest of what is
  published, or a figure (rate, gap, projection) derived from a masked count: « s ».

Frames carry the marks of a row in a text column (``cellules_masquees``): the masked keys,
comma-separated, a secondary one suffixed ``=s`` (``"raccroches, raccroches_mlds=s"``).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.disclosure.rule import masked_label, threshold

PRIMARY = "primary"
SECONDARY = "secondary"
SECONDARY_LABEL = "s"
_SUFFIX = "=s"


def mark_text(mark: str) -> str:
    """« < 5 » for a primary mark, « s » for a secondary one."""
    return SECONDARY_LABEL if mark == SECONDARY else masked_label()


def encode_marks(marks: Mapping[str, str]) -> str:
    return ", ".join(key + (_SUFFIX if mark == SECONDARY else "") for key, mark in marks.items())


def decode_marks(text: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if part.endswith(_SUFFIX):
            out[part[: -len(_SUFFIX)]] = SECONDARY
        else:
            out[part] = PRIMARY
    return out


def legend(prefix: bool = True) -> str:
    """The sentence every channel shows under a table or chart with masked values."""
    limit = threshold()
    text = (f"« < {limit} » signale un effectif inférieur à {limit} ; « {SECONDARY_LABEL} » une valeur masquée pour "
            "qu'aucun petit effectif ne puisse être recalculé à partir des autres chiffres publiés (ou calculée à "
            "partir d'un effectif masqué).")
    return f"Secret statistique : {text}" if prefix else text[0].upper() + text[1:]


def short_legend() -> str:
    """The legend in one short sentence (slides, captions under charts)."""
    limit = threshold()
    return (f"« < {limit} » : effectif inférieur à {limit} ; « {SECONDARY_LABEL} » : valeur masquée pour en protéger "
            "une autre (secret statistique).")
