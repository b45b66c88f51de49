"""What is loaded: counts per kind and school year, bilan freshness per network, import history."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.access.scope import Scope
from dashboard.store import db
from queries.territoires import can_view_detail, network_tree, resolve_territory, territory_index

KIND_LABELS = {
    "bilans": "Bilans bimestriels",
    "objectifs": "Objectifs",
    "absenteisme": "Absentéisme mensuel",
    "mlds_sites": "Sites MLDS",
    "referents": "Référents décrochage",
    "prevention": "Activité des GPDS (relevés mensuels)",
}


def counts_by_year(conn: Connection, scope: Scope) -> pl.DataFrame:
    """Rows per kind of data and school year (académie-wide counts of rows, no figures)."""
    del scope  # row counts carry no figure: visible to every role
    frames = []
    for name, label in KIND_LABELS.items():
        table = db.metadata.tables[name]
        rows = conn.execute(
            select(table.c.annee_scolaire, func.count().label("lignes"))
            .group_by(table.c.annee_scolaire)
            .order_by(table.c.annee_scolaire)
        ).all()
        frames.append(
            pl.DataFrame(rows, schema={"annee_scolaire": pl.String, "lignes": pl.Int64}, orient="row").with_columns(
                pl.lit(label).alias("donnees")
            )
        )
    long = pl.concat(frames)
    if long.is_empty():
        return pl.DataFrame(schema={"Données": pl.String})
    wide = long.pivot(on="annee_scolaire", index="donnees", values="lignes", sort_columns=True)
    return wide.rename({"donnees": "Données"}).fill_null(0)


def reference_counts(conn: Connection) -> dict[str, int]:
    """Counts of reference rows: communes, schools, breakdowns, departments."""
    def count(table) -> int:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()

    return {
        "communes": count(db.communes),
        "etablissements": count(db.etablissements),
        "departements": count(db.departements),
        "decoupages": conn.execute(select(func.count(db.territoires.c.annee_debut.distinct()))).scalar_one(),
    }


def bilan_freshness(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> pl.DataFrame:
    """Per network of the territory: last period received, periods received, and whether it is
    missing the latest period received by any network that year.

    Only the networks whose detail the scope may see are listed: a department's IEN-IO looking at
    the académie sees the freshness of its own networks, a reader of aggregates sees none.
    """
    territory = resolve_territory(conn, scope, code, annee_scolaire)
    index = territory_index(conn, annee_scolaire)
    reseaux = [r for r in territory.reseaux if can_view_detail(index, scope, r)]
    b = db.bilans
    rows = conn.execute(
        select(b.c.reseau_code, func.max(b.c.periode_fin), func.count())
        .where(b.c.annee_scolaire == annee_scolaire, b.c.reseau_code.in_(reseaux))
        .group_by(b.c.reseau_code)
    ).all()
    latest_overall = conn.execute(
        select(func.max(b.c.periode_fin)).where(b.c.annee_scolaire == annee_scolaire)
    ).scalar_one_or_none()
    received = pl.DataFrame(
        rows, schema={"reseau_code": pl.String, "derniere_periode": pl.String, "periodes_recues": pl.Int64},
        orient="row",
    )
    tree = network_tree(conn, annee_scolaire).filter(pl.col("reseau_code").is_in(reseaux))
    out = tree.select("reseau_code", "reseau_nom", "psad_nom", "departement_nom").join(
        received, on="reseau_code", how="left"
    )
    return out.with_columns(
        pl.col("periodes_recues").fill_null(0),
        # « bilan manquant », never « en retard » (a word kept for the trajectory)
        (pl.col("derniere_periode").is_null() | (pl.col("derniere_periode") < pl.lit(latest_overall))).alias(
            "bilan_manquant"
        ),
        pl.lit(latest_overall, dtype=pl.String).alias("periode_attendue"),
    ).sort("reseau_code")


def utc_text(value) -> str | None:
    """A stored moment as ``"2026-12-06 14:22:02"`` in UTC (PostgreSQL returns it in the session's
    time zone, SQLite as written: UTC); pages show it in Paris time (``fmt.date_time``)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return str(value)[:19]


def import_history(conn: Connection, limit: int = 50) -> pl.DataFrame:
    """The most recent imports, newest first."""
    log = db.import_log
    rows = conn.execute(
        select(
            log.c.horodatage, log.c.utilisateur, log.c.fichier, log.c.type_fichier, log.c.lignes,
            log.c.ajoutees, log.c.modifiees, log.c.inchangees, log.c.sha256,
        )
        .order_by(log.c.id.desc())
        .limit(limit)
    ).all()
    schema = {
        "horodatage": pl.String, "utilisateur": pl.String, "fichier": pl.String, "type_fichier": pl.String,
        "lignes": pl.Int64, "ajoutees": pl.Int64, "modifiees": pl.Int64, "inchangees": pl.Int64,
        "sha256": pl.String,
    }
    data = [dict(zip(schema, [utc_text(r[0]), *r[1:]], strict=True)) for r in rows]
    return pl.DataFrame(data, schema=schema)


def is_demo(conn: Connection) -> bool:
    return db.get_meta(conn, "demo") == "1"
