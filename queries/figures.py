"""The figures of one territory and school year, disclosure applied: what the figures export, the
map's panel, the comparison and the MLDS letter publish (``territory_figures``).

Every key is declared once in ``dashboard.publish.catalog.FIGURES`` (kind, rounding, secrecy);
``dashboard.publish.figures`` renders the result as JSON, CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.store import db
from queries import absenteisme, prevention_figures, raccrochage
from queries import territoires as tq

#: A contributor returns a dict of figures for ``(conn, scope, code, annee)``; an optional
#: ``masque`` list names its masked keys (``secret``: their marks; ``sans_objet``: figures without
#: meaning there). Adding a subject is one line here (or ``register_contributor`` at run time).
Contributor = Callable[[Connection, Scope, str, str], dict]
CONTRIBUTORS: list[Contributor] = [
    raccrochage.figures_contribution,
    absenteisme.figures_contribution,
    prevention_figures.figures_contribution,
]


def register_contributor(contributor: Contributor) -> None:
    """Add a contributor (idempotent)."""
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)


def territory_figures(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Every figure of territory ``code`` for school year ``annee``, disclosure applied.

    Raises ``KeyError`` for an unknown territory and ``AccessDenied`` outside the scope.
    """
    territory = tq.resolve_territory(conn, scope, code, annee)
    out: dict = {
        "territoire": territory.code,
        "territoire_nom": territory.nom,
        "niveau": territory.niveau,
        "annee_scolaire": annee,
        "donnees_de_demonstration": db.get_meta(conn, "demo") == "1",
    }
    masked: list[str] = []
    marks: dict[str, str] = {}
    not_applicable: list[str] = []
    for contributor in CONTRIBUTORS:
        part = dict(contributor(conn, scope, territory.code, annee))
        keys = part.pop("masque", [])
        not_applicable.extend(part.pop("sans_objet", []) or [])
        part_marks = part.pop("secret", {}) or {}
        masked.extend(k for k in keys if k not in masked)
        marks.update({k: part_marks.get(k, disclosure_marks.SECONDARY) for k in keys})
        out.update(part)
    out["masque"] = masked
    out["secret"] = marks
    out["sans_objet"] = not_applicable  # figures without meaning here (a closed year's trajectory)
    return out
