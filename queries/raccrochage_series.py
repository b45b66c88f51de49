"""The raccrochage series of a territory: per bimonthly period of the school year (flows,
cumulative raccrochés, expected level: ``PERIOD_SCHEMA``), the cumulative raccrochés of every
previous school year (``HISTORY_SCHEMA``) and the target trajectory (``TRAJECTORY_SCHEMA``), each
period row with its decided secrecy marks (``SECRET_COLUMN``).
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.disclosure import cells as dc
from queries import raccrochage_position as position
from queries import territoires as tq
from queries.raccrochage_load import Data, load
from queries.raccrochage_rules import (
    COUNT_COLUMNS,
    DEFAULT_PROFILE_POINTS,
    SOLUTION_COLUMNS,
    period_label,
    slot_label,
)

PERIOD_SCHEMA: dict[str, pl.DataType] = {
    "periode_fin": pl.String,
    "rang": pl.Int64,
    "libelle": pl.String,
    "nb_reseaux": pl.Int64,
    **{c: pl.Int64 for c in COUNT_COLUMNS},
    "raccroches_cumul": pl.Int64,
    "attendu": pl.Float64,
}


def period_frame(data: Data) -> pl.DataFrame:
    current = data.rows.filter(pl.col("annee_scolaire") == data.annee)
    if current.is_empty():
        return pl.DataFrame(schema={**PERIOD_SCHEMA, SECRET_COLUMN: pl.String})
    profile = _profile_for(data, data.territory)
    objectif = data.targets.get(data.territory.code)
    per = (
        current.group_by("periode_fin", "rang")
        .agg(pl.len().cast(pl.Int64).alias("nb_reseaux"), *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .sort("periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().alias("raccroches_cumul"))
    )
    out = per.with_columns(
        pl.col("periode_fin").map_elements(period_label, return_dtype=pl.String).alias("libelle"),
        pl.col("rang").map_elements(lambda r: objectif * profile[r] if objectif is not None else None,
                                    return_dtype=pl.Float64).alias("attendu"),
    ).select(list(PERIOD_SCHEMA)).cast(PERIOD_SCHEMA)
    code, niveau = data.territory.code, data.territory.niveau
    secret = [_period_marks(data.marks, data.annee, code, niveau, p) for p in out["periode_fin"].to_list()]
    return out.with_columns(pl.Series(SECRET_COLUMN, secret, dtype=pl.String))


SECRET_COLUMN = "secret"  # the decided marks of a period row (``disclosure.encode_marks``)


def _period_marks(marks: dict, annee: str, code: str, niveau: str, periode: str) -> str:
    """The decided marks of one period of a territory: its published columns (by level) and its
    cumulative raccrochés; the columns not published per period are marked « not published »."""
    out = {}
    published = dc.period_columns(niveau)
    for column in (*SOLUTION_COLUMNS, "raccroches", "contrats_foquale"):
        mark = marks.get(dc.Key(annee, code, dc.PERIOD, periode, column))
        if mark:
            out[column] = mark
        elif column not in published:
            out[column] = NOT_PUBLISHED
    mark = marks.get(dc.Key(annee, code, dc.CUMUL, periode, dc.RACCROCHES))
    if mark:
        out["raccroches_cumul"] = mark
    return ", ".join(f"{k}:{m}" for k, m in out.items())


NOT_PUBLISHED = "non_publie"


def _profile_for(data: Data, territory: tq.Territory) -> tuple[float, ...]:
    """The territory's trajectory as shares of the year: at each month rank, the share its networks'
    own profiles expect, weighted by their targets (``raccrochage_position.expected_share``)."""
    members = [data.networks[r] for r in territory.reseaux if r in data.networks]
    if not members:
        return data.academie_profile
    out = []
    for rank in range(12):
        points = [position.NetworkPoint(m.code, 0, m.profile[rank], data.targets.get(m.code)) for m in members]
        out.append(position.expected_share(points))
    return tuple(out)


def period_series(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Per bimonthly period of ``annee``: the period's counts (flows), cumulative raccrochés and
    the expected level on the target trajectory. Columns: ``PERIOD_SCHEMA``."""
    return period_frame(load(conn, scope, code, annee))


HISTORY_SCHEMA = {"annee_scolaire": pl.String, "periode_fin": pl.String, "rang": pl.Int64,
                  "raccroches": pl.Int64, "raccroches_cumul": pl.Int64}


def history_frame(data: Data) -> pl.DataFrame:
    if data.rows.is_empty():
        return pl.DataFrame(schema=HISTORY_SCHEMA).with_columns(pl.lit(None, dtype=pl.String).alias(SECRET_COLUMN))
    out = (
        data.rows.group_by("annee_scolaire", "periode_fin", "rang")
        .agg(pl.col("raccroches").sum())
        .sort("annee_scolaire", "periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().over("annee_scolaire").alias("raccroches_cumul"))
        .select(list(HISTORY_SCHEMA))
        .cast(HISTORY_SCHEMA)
    )
    code, niveau = data.territory.code, data.territory.niveau
    secret = []
    for annee, periode in out.select("annee_scolaire", "periode_fin").iter_rows():
        marks = data.marks if annee == data.annee else data.history_marks.get(annee, {})
        secret.append(_period_marks(marks, annee, code, niveau, periode) if marks is not None else "")
    return out.with_columns(pl.Series(SECRET_COLUMN, secret, dtype=pl.String))


def yearly_cumulative(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Cumulative raccrochés per period for every school year up to ``annee`` (for the
    previous-years lines). Columns: ``HISTORY_SCHEMA``."""
    return history_frame(load(conn, scope, code, annee))


TRAJECTORY_SCHEMA = {"rang": pl.Int64, "libelle": pl.String, "part_profil": pl.Float64, "attendu": pl.Float64}
DEFAULT_SLOTS = tuple(sorted(DEFAULT_PROFILE_POINTS))


def trajectory_frame(data: Data) -> pl.DataFrame:
    profile = _profile_for(data, data.territory)
    objectif = data.targets.get(data.territory.code)
    slots = sorted(set(DEFAULT_SLOTS) | set(data.rows["rang"].to_list()))
    return pl.DataFrame(
        [(r, slot_label(r), profile[r], objectif * profile[r] if objectif is not None else None) for r in slots],
        schema=TRAJECTORY_SCHEMA, orient="row",
    )


def target_trajectory(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The target trajectory: profile share and expected level at the end of each period slot."""
    return trajectory_frame(load(conn, scope, code, annee))
