"""Absenteeism per school: the school table (disclosure applied), the distribution of school
rates per type and the share of absentees held by the worst tenth of schools.

Only for a territory whose detail the scope may see (``can_view_detail``); per-school rows are
fetched for the selected territory and year only (and the previous year's same months).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, and_, func, or_, select

from dashboard.access.scope import AccessDenied, Scope
from dashboard.schoolyear import previous_year, same_month_last_year
from dashboard.store import db
from queries import absenteisme_suppression as secrecy
from queries.absenteisme import (
    ALL,
    DIMENSIONS,
    MAIN_TYPES,
    _rates_of_sums,
    _schools_of,
    _with_previous,
    apply_decision,
)
from queries.territoires import (
    Territory,
    can_view_detail,
    resolve_territory,
    territory_index,
    with_school_network,
)

WORST_SHARE = 0.10  # the worst tenth of schools
MIN_SCHOOLS_CONCENTRATION = 10
MIN_SCHOOLS_DISTRIBUTION = 10
QUANTILES = (10, 25, 50, 75, 90)


SCHOOL_KEYS = ["uai", "nom", "type", "secteur", "ep", "commune", "reseau"]


def _school_rows(conn: Connection, territory: Territory, annee: str) -> pl.DataFrame:
    """Per school and year: sums over the months of the current year (previous year restricted
    to the same calendar months). Raw counts: callers mask before display."""
    a, e, c = db.absenteisme, db.etablissements, db.communes
    in_territory = _schools_of(territory, annee)
    months = conn.execute(
        select(a.c.mois).distinct().where(in_territory, a.c.annee_scolaire == annee)
    ).scalars().all()
    prev_months = [same_month_last_year(m) for m in months]
    sums = (
        select(a.c.uai, a.c.annee_scolaire, func.count().label("nb_mois"),
               func.sum(a.c.effectif).label("effectif"), func.sum(a.c.eleves_absenteistes).label("absenteistes"))
        .where(in_territory, or_(a.c.annee_scolaire == annee,
                                 and_(a.c.annee_scolaire == previous_year(annee), a.c.mois.in_(prev_months or ["-"]))))
        .group_by(a.c.uai, a.c.annee_scolaire)
        .subquery("sommes")
    )
    stmt = select(
        sums.c.uai, e.c.nom, e.c.type, e.c.secteur, DIMENSIONS["ep"].label("ep"), c.c.nom.label("commune"),
        e.c.reseau_code, e.c.commune_insee, sums.c.annee_scolaire, sums.c.nb_mois, sums.c.effectif,
        sums.c.absenteistes,
    ).select_from(sums.join(e, e.c.uai == sums.c.uai).join(c, c.c.insee == e.c.commune_insee))
    rows = [(*r[:10], int(r[10]), int(r[11])) for r in conn.execute(stmt).all()]
    schema = {**{k: pl.String for k in ("uai", "nom", "type", "secteur", "ep", "commune", "reseau_code",
                                         "commune_insee", "annee_scolaire")},
              "nb_mois": pl.Int64, "effectif": pl.Int64, "absenteistes": pl.Int64}
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return with_school_network(conn, frame, annee).select(
        *SCHOOL_KEYS[:6], "reseau",
        "annee_scolaire", "nb_mois", "effectif", "absenteistes",
    )


def _detail_territory(conn: Connection, scope: Scope, code: str, annee: str) -> Territory:
    territory = resolve_territory(conn, scope, code, annee)
    if not can_view_detail(territory_index(conn, annee), scope, code):
        raise AccessDenied("Le détail par établissement n'est pas accessible pour ce territoire.")
    return territory


def schools(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """One row per school of the territory with data in the selected year: rate over the year,
    previous year's rate over the same months, change. Disclosure applied: ``masque`` true ⇒
    ``taux``, ``absenteistes_moyen`` and ``evolution`` are null (``effectif_moyen`` too when small);
    ``masque_precedent`` likewise nulls ``taux_precedent`` and ``evolution``."""
    territory = _detail_territory(conn, scope, code, annee)
    return _school_table(_school_rows(conn, territory, annee), annee, secrecy.marks(conn, annee),
                         secrecy.marks(conn, previous_year(annee)))


def _school_table(raw: pl.DataFrame, annee: str, marks: dict | None = None,
                  previous_marks: dict | None = None) -> pl.DataFrame:
    """The school list: the years' secrecy decisions applied (a school masked to protect another is
    masked « s », its mark in ``marque``)."""
    rates = _rates_of_sums(raw)
    school = pl.lit(secrecy.SCHOOL)
    rates = pl.concat([
        apply_decision(rates.filter(pl.col("annee_scolaire") == annee), marks or {}, pl.col("uai"), school),
        apply_decision(rates.filter(pl.col("annee_scolaire") != annee), previous_marks or {}, pl.col("uai"), school),
    ])
    yearly = rates.with_columns(
        pl.when(pl.col("masque")).then(None)
        .otherwise((pl.col("absenteistes") / pl.col("nb_mois")).round(0).cast(pl.Int64))
        .alias("absenteistes_moyen"),
    )
    marque = yearly.filter(pl.col("annee_scolaire") == annee).select("uai", "marque")
    out = _with_previous(yearly.drop("effectif", "absenteistes", "marque"), ["uai"], annee).join(
        marque, on="uai", how="left")
    out = out.with_columns(
        pl.when(pl.col("masque") | pl.col("masque_precedent").fill_null(False)).then(None)
        .otherwise(pl.col("evolution")).alias("evolution")
    )
    return out.select(*SCHOOL_KEYS, "nb_mois", "effectif_moyen", "absenteistes_moyen", "taux", "masque",
                      "marque", "taux_precedent", "masque_precedent", "evolution").sort("type", "nom")


def distribution(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Quantiles (10, 25, 50, 75, 90 %) of the yearly school rates per type, over every school
    with pupils (masked ones included: an aggregate), given where a type has at least
    ``MIN_SCHOOLS_DISTRIBUTION`` schools. Columns: type, etablissements, non_diffuses, q10 … q90."""
    territory = _detail_territory(conn, scope, code, annee)
    raw = _school_rows(conn, territory, annee)
    return _distribution(raw, _school_table(raw, annee, secrecy.marks(conn, annee)), annee)


def _current_rates(raw: pl.DataFrame, annee: str) -> pl.DataFrame:
    return raw.filter((pl.col("annee_scolaire") == annee) & (pl.col("effectif") > 0)).with_columns(
        (pl.col("absenteistes") / pl.col("effectif")).alias("taux")
    )


def _distribution(raw: pl.DataFrame, table: pl.DataFrame, annee: str) -> pl.DataFrame:
    rates = _current_rates(raw, annee)
    rows = []
    for school_type in [t for t in (*MAIN_TYPES, "AUTRE") if t in set(rates["type"])]:
        part = rates.filter(pl.col("type") == school_type)["taux"]
        enough = part.len() >= MIN_SCHOOLS_DISTRIBUTION
        quantiles = {f"q{q}": (secrecy.round_rate(part.quantile(q / 100, "linear")) if enough else None)
                     for q in QUANTILES}
        hidden = table.filter((pl.col("type") == school_type) & pl.col("masque")).height
        rows.append({"type": school_type, "etablissements": part.len(), "non_diffuses": hidden, **quantiles})
    schema = {"type": pl.String, "etablissements": pl.Int64, "non_diffuses": pl.Int64,
              **{f"q{q}": pl.Float64 for q in QUANTILES}}
    return pl.DataFrame(rows, schema=schema)


def concentration(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Share of all absentees (summed over the year) held by the worst tenth of schools (ranked
    by yearly rate), per type and for all schools (``ENSEMBLE``). Computed from raw counts; given
    only where there are at least ``MIN_SCHOOLS_CONCENTRATION`` schools."""
    territory = _detail_territory(conn, scope, code, annee)
    return _concentration(_school_rows(conn, territory, annee), annee)


def _concentration(raw: pl.DataFrame, annee: str) -> pl.DataFrame:
    raw = _current_rates(raw, annee)
    rows = []
    for group in [t for t in (*MAIN_TYPES, "AUTRE") if t in set(raw["type"])] + [ALL]:
        part = raw if group == ALL else raw.filter(pl.col("type") == group)
        n = part.height
        worst = max(1, math.ceil(n * WORST_SHARE))
        total = part["absenteistes"].sum()
        share = None
        if n >= MIN_SCHOOLS_CONCENTRATION and total > 0:
            share = secrecy.round_rate(part.sort("taux", descending=True).head(worst)["absenteistes"].sum() / total)
        rows.append({"groupe": group, "etablissements": n, "etablissements_dixieme": worst, "part": share})
    schema = {"groupe": pl.String, "etablissements": pl.Int64, "etablissements_dixieme": pl.Int64,
              "part": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class SchoolView:
    table: pl.DataFrame  # ``schools``
    concentration: pl.DataFrame  # ``concentration``
    distribution: pl.DataFrame  # ``distribution``


def school_view(conn: Connection, scope: Scope, code: str, annee: str) -> SchoolView:
    """The three school-level frames from one per-school SQL query."""
    territory = _detail_territory(conn, scope, code, annee)
    raw = _school_rows(conn, territory, annee)
    table = _school_table(raw, annee)
    return SchoolView(table, _concentration(raw, annee), _distribution(raw, table, annee))
