"""What is loaded, per import kind (rows, demonstration or imported, last import) and what each page
still lacks: the « Données chargées » page."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.importer.contracts import CONTRACTS
from dashboard.importer.writing import TARGETS
from dashboard.store import db
from queries.donnees import is_demo, utc_text

# The import kinds each page needs to show real figures (kinds added later are listed with none).
PAGE_NEEDS = {
    "Accueil": ("territoires", "bilans", "objectifs", "etablissements", "absenteisme"),
    "Raccrochage": ("territoires", "bilans", "objectifs"),
    "Carte": ("territoires", "bilans", "objectifs", "etablissements", "absenteisme", "referents", "prevention",
              "mlds_sites"),
    "Absentéisme": ("etablissements", "absenteisme"),
    "Prévention": ("etablissements", "referents", "prevention", "absenteisme", "mlds_sites"),
    "Comparer des territoires": ("territoires", "bilans", "objectifs", "etablissements", "absenteisme", "referents",
                                 "prevention"),
    "Dialogue de gestion": ("territoires", "bilans", "objectifs", "etablissements", "absenteisme", "referents",
                            "prevention", "mlds_sites"),
}
DEMO_KINDS = ("etablissements", "bilans", "objectifs", "absenteisme", "mlds_sites", "referents", "prevention")
LOADED, DEMO, MIXED, DEFAULT, EMPTY = "importées", "démonstration", "démonstration et importées", "par défaut", "vide"


def kind_status(conn: Connection) -> pl.DataFrame:
    """One row per import kind: ``type_fichier``, ``libelle``, ``lignes``, ``nature`` (importées,
    démonstration, démonstration et importées, par défaut — the shipped breakdown —, vide),
    ``dernier_import`` (date) and ``dernier_fichier``."""
    demo = is_demo(conn)
    log = db.import_log
    last = {
        kind: (utc_text(when), name) for kind, when, name in conn.execute(
            select(log.c.type_fichier, log.c.horodatage, log.c.fichier)
            .where(log.c.id.in_(select(func.max(log.c.id)).group_by(log.c.type_fichier)))
        ).all()
    }
    rows = []
    for kind, contract in CONTRACTS.items():
        table = TARGETS[kind][0] if kind in TARGETS else db.metadata.tables.get(kind)
        count = conn.execute(select(func.count()).select_from(table)).scalar_one() if table is not None else 0
        imported = kind in last
        if count == 0:
            nature = EMPTY
        elif kind == "territoires" and not imported:
            nature = DEFAULT
        elif demo and kind in DEMO_KINDS:
            nature = MIXED if imported else DEMO
        else:
            nature = LOADED
        when, name = last.get(kind, (None, None))
        rows.append((kind, contract.label, count, nature, when, name))
    schema = {"type_fichier": pl.String, "libelle": pl.String, "lignes": pl.Int64, "nature": pl.String,
              "dernier_import": pl.String, "dernier_fichier": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def missing_by_page(status: pl.DataFrame) -> pl.DataFrame:
    """Per page: the kinds it needs that hold no real data yet (``manquant``: labels, empty when
    the page shows real figures)."""
    natures = dict(status.select("type_fichier", "nature").iter_rows())
    labels = dict(status.select("type_fichier", "libelle").iter_rows())
    rows = []
    for page, kinds in PAGE_NEEDS.items():
        present = [k for k in kinds if k in natures]
        missing = [labels[k] for k in present if natures[k] in (EMPTY, DEMO)]
        indicative = [labels[k] for k in present if natures[k] == DEFAULT]
        rows.append((page, ", ".join(labels[k] for k in present), ", ".join(missing), ", ".join(indicative)))
    return pl.DataFrame(rows, schema=["page", "besoins", "manquant", "indicatif"], orient="row")
