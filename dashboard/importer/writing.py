"""Writing a validated file: one table, keyed on its natural key, in the caller's transaction.

Existing rows are loaded once (per school year, or whole for the small tables) and compared with
the file in polars: new keys are inserted, keys whose values differ are updated, identical rows
are left alone, all in bulk (``bulk``). A ``territoires`` file replaces the breakdown of
each of its ``annee_scolaire_debut``: rows of that breakdown absent from the file are deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Table, insert, select

from dashboard.importer import bulk
from dashboard.store import db
from queries import territoires


@dataclass(frozen=True)
class WriteCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0

    @property
    def any_change(self) -> bool:
        return bool(self.added or self.changed or self.deleted)


# Table, then (table column, frame column) pairs: how the checked rows map onto the table.
TARGETS: dict[str, tuple[Table, tuple[tuple[str, str], ...]]] = {
    "territoires": (db.territoires, (
        ("annee_debut", "annee_scolaire_debut"), ("commune_insee", "commune_insee"),
        ("reseau_code", "reseau_code"), ("reseau_nom", "reseau_nom"), ("psad_code", "psad_code"),
        ("psad_nom", "psad_nom"), ("departement_code", "departement_code"),
    )),
    "etablissements": (db.etablissements, tuple((c, c) for c in (
        "uai", "nom", "type", "secteur", "commune_insee", "education_prioritaire", "reseau_code"))),
    "bilans": (db.bilans, tuple((c, c) for c in ("reseau_code", "periode_fin", "annee_scolaire",
                                                   *db.BILAN_COUNT_COLUMNS))),
    "objectifs": (db.objectifs, tuple((c, c) for c in ("annee_scolaire", "territoire_code", "indicateur",
                                                         "objectif"))),
    "absenteisme": (db.absenteisme, tuple((c, c) for c in (
        "uai", "mois", "annee_scolaire", "effectif", "eleves_absenteistes", "demi_journees_non_justifiees"))),
    "mlds_sites": (db.mlds_sites, tuple((c, c) for c in (
        "site_code", "annee_scolaire", "nom", "commune_insee", "places", "jeunes_accueillis"))),
    "referents": (db.referents, tuple((c, c) for c in ("uai", "annee_scolaire", "fonction", "formation_suivie"))),
    "prevention": (db.prevention, tuple((c, c) for c in ("uai", "mois", "annee_scolaire",
                                                           *db.PREVENTION_COUNT_COLUMNS))),
}


def table_frame(conn: Connection, kind: str, rows: pl.DataFrame) -> pl.DataFrame:
    """The checked rows with the table's column names (departments added for a breakdown)."""
    table, mapping = TARGETS[kind]
    if kind == "territoires":
        communes = conn.execute(select(db.communes.c.insee, db.communes.c.departement_code)).all()
        deps = pl.DataFrame(communes, schema=["commune_insee", "departement_code"], orient="row")
        rows = rows.join(deps, on="commune_insee", how="left")
    return rows.select([pl.col(source).alias(target) for target, source in mapping])


def key_columns(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def scope_filter(table: Table, frame: pl.DataFrame):
    """The WHERE clause selecting the stored rows a file can touch (None: the whole table)."""
    for column in ("annee_scolaire", "annee_debut"):
        if column in table.c:
            return table.c[column].in_(frame[column].unique().to_list())
    return None


def stored_rows(conn: Connection, table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    stmt = select(*[table.c[c] for c in frame.columns])
    where = scope_filter(table, frame)
    if where is not None:
        stmt = stmt.where(where)
    return pl.DataFrame(conn.execute(stmt).all(), schema=frame.schema, orient="row")


def diff(new: pl.DataFrame, old: pl.DataFrame, key: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(rows to insert, rows to update, number of unchanged rows)."""
    values = [c for c in new.columns if c not in key]
    joined = new.join(old.with_columns(pl.lit(True).alias("_stored")), on=key, how="left", suffix="__old")
    added = joined.filter(pl.col("_stored").is_null()).select(new.columns)
    existing = joined.filter(pl.col("_stored").is_not_null())
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}__old")) for c in values]) if values else pl.lit(True)
    changed = existing.filter(~same).select(new.columns)
    return added, changed, existing.height - changed.height


def write(conn: Connection, kind: str, rows: pl.DataFrame) -> WriteCounts:
    """Write the checked rows of a valid file; returns what was added, changed, left, deleted."""
    table, _ = TARGETS[kind]
    key = key_columns(table)
    new = table_frame(conn, kind, rows)
    old = stored_rows(conn, table, new)
    added, changed, unchanged = diff(new, old, key)
    gone = old.join(new, on=key, how="anti") if kind == "territoires" else old.clear()
    bulk.insert_rows(conn, table, added)
    bulk.update_rows(conn, table, changed, key)
    bulk.delete_rows(conn, table, gone, key)
    if kind == "territoires":
        territoires.forget_breakdowns()  # the new breakdown is read afresh, this transaction included
    return WriteCounts(added.height, changed.height, unchanged, gone.height)


def log_import(conn: Connection, *, utilisateur: str, fichier: str, sha256: str, kind: str, lignes: int,
               counts: WriteCounts) -> None:
    conn.execute(insert(db.import_log).values(
        utilisateur=utilisateur[:120], fichier=fichier[:255], sha256=sha256, type_fichier=kind, lignes=lignes,
        ajoutees=counts.added, modifiees=counts.changed + counts.deleted, inchangees=counts.unchanged,
    ))


def bump_version(conn: Connection) -> str:
    """A new data version: every cached figure of the app is recomputed."""
    current = db.get_meta(conn, "version")
    version = str(int(current) + 1) if current and current.isdigit() else uuid.uuid4().hex
    db.set_meta(conn, "version", version)
    return version
