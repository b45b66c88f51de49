"""The figures export of one territory and school year, rendered (core, no Streamlit): the figures
come from ``queries.figures.territory_figures``; here they are rounded as declared
(``dashboard.publish.catalog.FIGURES``) and written as JSON (nested object, rates as fractions:
0.782 for « 78,2 % »), CSV or XLSX (one line per figure: key, French label, value with its format,
then the provenance). The command line is ``python -m dashboard.figures``.
"""

from __future__ import annotations

import json

from dashboard import fmt
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, records, text
from dashboard.publish import provenance as publish_provenance

FORMATS = (".json", ".csv", ".xlsx")


def flatten(figures: dict, prefix: str = "") -> dict:
    """Nested objects flattened as ``parent.child`` keys; lists joined with ", "."""
    flat: dict = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = ", ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def _nest(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        parent, _, child = key.partition(".")
        if child:
            out.setdefault(parent, {})[child] = value
        else:
            out[key] = value
    return out


#: The keys that describe the figures rather than hold one.
LISTS = ("masque", "secret", "sans_objet")


def published(figures: dict) -> dict:
    """The figures as published: every value rounded as its declaration shows it, the marks as
    « < 5 » / « s »."""
    flat = flatten({k: v for k, v in figures.items() if k not in LISTS})
    rounded = {key: text.rounded(catalog.figure_column(key), value) for key, value in flat.items()}
    out = _nest(rounded)
    out["masque"] = list(figures.get("masque") or [])
    out["sans_objet"] = list(figures.get("sans_objet") or [])
    out["secret"] = {k: disclosure_marks.mark_text(m) for k, m in (figures.get("secret") or {}).items()}
    return out


def lines(figures: dict) -> list[records.Line]:
    """One declared line per figure (masked ones carry their mark)."""
    marks = figures.get("secret") or {}
    not_applicable = set(figures.get("sans_objet") or ())
    flat = flatten({k: v for k, v in figures.items() if k not in LISTS})
    return [records.Line(catalog.figure_column(key), value, marks.get(key), key in not_applicable)
            for key, value in flat.items()]


def provenance(figures: dict) -> publish_provenance.Provenance:
    date = figures.get("periode_fin")
    return publish_provenance.Provenance(
        title=f"Chiffres clés — {figures['territoire_nom']} — {figures['annee_scolaire']}",
        territory=figures["territoire_nom"], annee=figures["annee_scolaire"],
        data_date=f"bilans reçus jusqu'au {fmt.date_long(date)}" if date else "aucun bilan reçu",
        sources=("raccrochage", "absenteisme", "prevention"), demo=bool(figures.get("donnees_de_demonstration")),
    )


def render(figures: dict, suffix: str) -> bytes:
    """The export file's bytes for a suffix of ``FORMATS``."""
    if suffix == ".json":
        return (json.dumps(published(figures), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if suffix == ".csv":
        return records.csv_bytes(lines(figures), provenance(figures))
    if suffix == ".xlsx":
        return records.xlsx_bytes(lines(figures), provenance(figures))
    raise ValueError(suffix)
