"""« Angles morts »: schools with much absenteeism and a GPDS that reports little or nothing.

The rule, in constants and in one French sentence for the page (``BLIND_SPOT_RULE``):

* **much absenteeism** — the school's absenteeism rate over the school year (absentees summed over
  the months with data / enrolment summed the same way) ranks it among the top tenth
  (``BLIND_SPOT_TOP_SHARE``, at least one school) of the schools **of its type in the whole
  académie** that year (every school with pupils, ranked by rate; ties share a rank);
* **little or nothing reported** — over the same school year its GPDS has spotted no pupil (no
  activity reported at all, or only zeros), or fewer pupils than ``BLIND_SPOT_MIN_SPOTTED_PER_ABSENTEE``
  times its absentee pupils in an average month (mean monthly absentees).

The list is computed from raw counts; what it shows follows the disclosure rule of the absenteeism
school table (a rate built on a few absentees is masked) and of counts of pupils (« < 5 »).
"""

from __future__ import annotations

import math

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.access.scope import AccessDenied, Scope
from dashboard.disclosure import rule
from dashboard.store import db
from queries.absenteisme import _rates_of_sums
from queries.prevention_schools import schools
from queries.territoires import can_view_detail, resolve_territory, territory_index

BLIND_SPOT_TOP_SHARE = 0.10
BLIND_SPOT_MIN_SPOTTED_PER_ABSENTEE = 0.25
BLIND_SPOT_RULE = (
    "Un établissement est un « angle mort » quand son taux d'absentéisme sur l'année le classe dans le dixième des "
    "établissements de son type les plus touchés de l'académie, alors que son GPDS n'a repéré aucun élève sur "
    "l'année, ou moins d'un élève pour quatre élèves absentéistes d'un mois moyen."
)
NO_ACTIVITY = "aucune activité déclarée"
NONE_SPOTTED = "aucun élève repéré"
FEW_SPOTTED = "peu d'élèves repérés"

BLIND_SPOT_SCHEMA = {
    "uai": pl.String, "nom": pl.String, "type": pl.String, "secteur": pl.String, "commune": pl.String,
    "reseau": pl.String, "nb_mois": pl.Int64, "effectif_moyen": pl.Int64, "absenteistes_moyen": pl.Int64,
    "taux": pl.Float64, "masque": pl.Boolean, "rang_type": pl.Int64, "etablissements_type": pl.Int64,
    "eleves_reperes": pl.Int64, "masque_eleves_reperes": pl.Boolean, "motif": pl.String, "referent": pl.String,
}  # fmt: skip


def flagged_schools(conn: Connection, annee: str) -> pl.DataFrame:
    """Every school of the académie with pupils that school year, from raw counts: uai, type,
    nb_mois, effectif, absenteistes (sums over the months), taux_brut, rang_type,
    etablissements_type, dixieme (in the top tenth of its type), eleves_reperes (over the year,
    0 without a report), declare (some GPDS activity reported), angle_mort, motif."""
    a, e, p = db.absenteisme, db.etablissements, db.prevention
    rows = conn.execute(
        select(a.c.uai, e.c.type, func.count().label("nb_mois"), func.sum(a.c.effectif),
               func.sum(a.c.eleves_absenteistes))
        .select_from(a.join(e, e.c.uai == a.c.uai)).where(a.c.annee_scolaire == annee)
        .group_by(a.c.uai, e.c.type)
    ).all()
    rates = pl.DataFrame([(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows], orient="row",
                         schema={"uai": pl.String, "type": pl.String, "nb_mois": pl.Int64, "effectif": pl.Int64,
                                 "absenteistes": pl.Int64}).filter(pl.col("effectif") > 0)
    spotted = pl.DataFrame(
        conn.execute(select(p.c.uai, func.sum(p.c.eleves_reperes)).where(p.c.annee_scolaire == annee)
                     .group_by(p.c.uai)).all(),
        orient="row", schema={"uai": pl.String, "eleves_reperes": pl.Int64},
    ).with_columns(pl.lit(True).alias("declare"))
    out = rates.with_columns((pl.col("absenteistes") / pl.col("effectif")).alias("taux_brut")).with_columns(
        pl.col("taux_brut").rank("min", descending=True).over("type").cast(pl.Int64).alias("rang_type"),
        pl.len().over("type").cast(pl.Int64).alias("etablissements_type"),
    ).with_columns(
        (pl.col("rang_type") <= pl.col("etablissements_type").map_elements(_tenth, return_dtype=pl.Int64))
        .alias("dixieme"),
    ).join(spotted, on="uai", how="left").with_columns(pl.col("eleves_reperes").fill_null(0),
                                                       pl.col("declare").fill_null(False))
    few = pl.col("eleves_reperes") < BLIND_SPOT_MIN_SPOTTED_PER_ABSENTEE * pl.col("absenteistes") / pl.col("nb_mois")
    return out.with_columns((pl.col("dixieme") & ((pl.col("eleves_reperes") == 0) | few)).alias("angle_mort")).with_columns(
        pl.when(~pl.col("angle_mort")).then(None)
        .when(~pl.col("declare")).then(pl.lit(NO_ACTIVITY))
        .when(pl.col("eleves_reperes") == 0).then(pl.lit(NONE_SPOTTED))
        .otherwise(pl.lit(FEW_SPOTTED)).alias("motif"),
    )


def _tenth(count: int) -> int:
    return max(1, math.ceil(count * BLIND_SPOT_TOP_SHARE))


def blind_spots(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The blind spots of the territory (``BLIND_SPOT_SCHEMA``), by type then rank; ``AccessDenied``
    when the scope may not see its schools. ``taux`` and ``absenteistes_moyen`` are null when
    ``masque`` (a few absentees, as in the absenteeism school table); ``eleves_reperes`` is null
    when under the threshold (``masque_eleves_reperes``); ``referent``: the referent's function
    that year (null: none named)."""
    territory = resolve_territory(conn, scope, code, annee)
    if not can_view_detail(territory_index(conn, annee), scope, code):
        raise AccessDenied("La liste des établissements n'est pas accessible pour ce territoire.")
    listed = schools(conn, annee, territory.reseaux)
    flagged = flagged_schools(conn, annee).filter(pl.col("angle_mort")).drop("type")
    r = db.referents
    referents = pl.DataFrame(conn.execute(select(r.c.uai, r.c.fonction).where(r.c.annee_scolaire == annee)).all(),
                             orient="row", schema={"uai": pl.String, "referent": pl.String})
    out = _rates_of_sums(listed.join(flagged, on="uai")).join(referents, on="uai", how="left")
    limit = rule.threshold()
    small = (pl.col("eleves_reperes") > 0) & (pl.col("eleves_reperes") < limit)
    out = out.with_columns(
        pl.when(pl.col("masque")).then(None)
        .otherwise((pl.col("absenteistes") / pl.col("nb_mois")).round(0).cast(pl.Int64)).alias("absenteistes_moyen"),
        pl.when(small).then(None).otherwise(pl.col("eleves_reperes")).alias("eleves_reperes"),
        small.alias("masque_eleves_reperes"),
    )
    return out.select(list(BLIND_SPOT_SCHEMA)).cast(BLIND_SPOT_SCHEMA).sort("type", "rang_type", "nom")


def blind_spot_counts(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Counts of schools of the territory (any scope that may open it: no school is named):
    ``etablissements_dixieme`` (in the top tenth of their type), ``angles_morts``, and the blind
    spots per reason (``motifs``)."""
    territory = resolve_territory(conn, scope, code, annee)
    listed = schools(conn, annee, territory.reseaux).select("uai")
    flagged = flagged_schools(conn, annee).join(listed, on="uai")
    spots = flagged.filter(pl.col("angle_mort"))
    reasons = dict(spots.group_by("motif").len().iter_rows())
    return {"etablissements_dixieme": int(flagged["dixieme"].sum()), "angles_morts": spots.height,
            "motifs": {m: int(reasons.get(m, 0)) for m in (NO_ACTIVITY, NONE_SPOTTED, FEW_SPOTTED)}}
