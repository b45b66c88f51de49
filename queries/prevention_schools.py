"""What the prevention queries share: the schools of a territory (each with its network that school
year), their GPDS activity and enrolment per month, and the disclosure of counts of pupils.

A school belongs to a network through ``etablissements.reseau_code`` or, when null, through its
commune's network in the breakdown of the selected school year (as for absenteeism).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.schoolyear import month_rank
from dashboard.store import db
from queries.territoires import Territory, school_in_networks, with_school_network

SCHOOL_SCHEMA = {"uai": pl.String, "nom": pl.String, "type": pl.String, "secteur": pl.String, "ep": pl.String,
                 "commune_insee": pl.String, "commune": pl.String, "reseau": pl.String}
GPDS_COUNTS = db.PREVENTION_COUNT_COLUMNS
#: Counts of pupils: masked under the disclosure threshold (the number of GPDS meetings is not one).
PUPIL_COUNTS = ("eleves_reperes", "eleves_suivis", "solutions_internes", "signalements_plateforme")
#: The marks of a row's masked counts (``dashboard.disclosure.encode_marks``), as in the other subjects.
MARKS_COLUMN = "cellules_masquees"


def schools(conn: Connection, annee: str, reseaux: tuple[str, ...]) -> pl.DataFrame:
    """The schools of these networks that school year: ``SCHOOL_SCHEMA``, sorted by type and name."""
    e, c = db.etablissements, db.communes
    rows = conn.execute(
        select(e.c.uai, e.c.nom, e.c.type, e.c.secteur, func.coalesce(e.c.education_prioritaire, "HORS_EP"),
               e.c.commune_insee, c.c.nom, e.c.reseau_code)
        .select_from(e.join(c, c.c.insee == e.c.commune_insee))
    ).all()
    frame = pl.DataFrame(rows, orient="row", schema={**{k: pl.String for k in SCHOOL_SCHEMA if k != "reseau"},
                                                     "reseau_code": pl.String})
    frame = with_school_network(conn, frame, annee)
    return frame.filter(pl.col("reseau").is_in(list(reseaux))).select(list(SCHOOL_SCHEMA)).sort("type", "nom")


def owners(territory: Territory, subs: list[Territory]) -> pl.DataFrame:
    """network → territory code, for ``territory`` itself and each of ``subs`` (a network appears
    once per level)."""
    pairs = [(r, territory.code) for r in territory.reseaux] + [(r, t.code) for t in subs for r in t.reseaux]
    return pl.DataFrame(pairs, orient="row", schema={"reseau": pl.String, "territoire_code": pl.String})


def gpds_months(conn: Connection, annee: str) -> list[str]:
    """The months of the school year with GPDS activity anywhere in the database. Enrolment is
    averaged over these months for every territory, so that pupils add up like the counts."""
    p = db.prevention
    return sorted(conn.execute(select(p.c.mois).distinct().where(p.c.annee_scolaire == annee)).scalars())


def _of_territory(table, territory: Territory, annee: str):
    inner = db.etablissements.alias("etab_territoire")
    return table.c.uai.in_(select(inner.c.uai).where(school_in_networks(territory.reseaux, annee, inner)))


def monthly_activity(conn: Connection, territory: Territory, annee: str) -> pl.DataFrame:
    """GPDS counts per school and month of the school year: uai, mois, the five counts."""
    p = db.prevention
    rows = conn.execute(
        select(p.c.uai, p.c.mois, *[p.c[c] for c in GPDS_COUNTS])
        .where(p.c.annee_scolaire == annee, _of_territory(p, territory, annee))
    ).all()
    return pl.DataFrame(rows, orient="row", schema={"uai": pl.String, "mois": pl.String,
                                                    **{c: pl.Int64 for c in GPDS_COUNTS}})


def monthly_enrolment(conn: Connection, territory: Territory, annee: str, months: list[str]) -> pl.DataFrame:
    """Enrolment and absentees per school and month (``months`` only): uai, mois, effectif, absenteistes."""
    a = db.absenteisme
    rows = conn.execute(
        select(a.c.uai, a.c.mois, a.c.effectif, a.c.eleves_absenteistes)
        .where(a.c.annee_scolaire == annee, a.c.mois.in_(months or ["-"]), _of_territory(a, territory, annee))
    ).all()
    return pl.DataFrame(rows, orient="row", schema={"uai": pl.String, "mois": pl.String, "effectif": pl.Int64,
                                                    "absenteistes": pl.Int64})


def with_rank(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("mois").map_elements(month_rank, return_dtype=pl.Int64).alias("rang"))


# --- disclosure -----------------------------------------------------------------------------------


def rate_per_1000(frame: pl.DataFrame, column: str, pupils: str = "eleves") -> pl.Expr:
    """``column`` per 1 000 ``pupils``; null when the count is masked or the pupils are too few."""
    small = pl.col(pupils).is_null() | (pl.col(pupils) < rule.threshold())
    return (pl.when(pl.col(column).is_null() | small).then(None)
            .otherwise(pl.col(column) / pl.col(pupils) * 1000).alias(f"{column}_pour_1000"))


def share(numerator: str, denominator: str, name: str) -> pl.Expr:
    """``numerator / denominator`` (a fraction); null when either is masked or the denominator is 0."""
    num, den = pl.col(numerator), pl.col(denominator)
    return pl.when(num.is_null() | den.is_null() | (den == 0)).then(None).otherwise(num / den).alias(name)


def apply_marks(frame: pl.DataFrame, row_marks: list[dict[str, str]], columns=PUPIL_COUNTS) -> pl.DataFrame:
    """The counts a decision masks (``row_marks``: per row, count → mark, from
    ``queries.prevention_suppression``) → null, with ``masque_<count>`` and the row's marks; a count
    under the threshold is masked « < 5 » even if the decision does not name it."""
    limit = rule.threshold()
    marks = [dict(m) for m in row_marks]
    for column in columns:
        for row, value in enumerate(frame[column].to_list()):
            if rule.is_small(value, limit):
                marks[row].setdefault(column, disclosure_marks.PRIMARY)
    out = frame
    for column in columns:
        hidden = [column in m for m in marks]
        values = [None if h else v for v, h in zip(frame[column].to_list(), hidden, strict=True)]
        out = out.with_columns(pl.Series(column, values, dtype=pl.Int64),
                               pl.Series(f"masque_{column}", hidden, dtype=pl.Boolean))
    return out.with_columns(pl.Series(
        MARKS_COLUMN, [disclosure_marks.encode_marks({c: m[c] for c in columns if c in m}) or None for m in marks],
        dtype=pl.String))

