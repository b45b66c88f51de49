"""The bilans as read from the database: one row per network and period, with ``raccroches`` (the
solutions summed) and ``rang`` (the month's rank in the school year)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection, select

from dashboard.schoolyear import rank_expr
from dashboard.store import db
from queries.raccrochage_rules import SOLUTION_COLUMNS

BILAN_SCHEMA = {
    "reseau_code": pl.String,
    "annee_scolaire": pl.String,
    "periode_fin": pl.String,
    **{c: pl.Int64 for c in db.BILAN_COUNT_COLUMNS},
}


def with_derived(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.sum_horizontal(list(SOLUTION_COLUMNS)).cast(pl.Int64).alias("raccroches"),
        rank_expr("periode_fin").alias("rang"),
    )


def bilan_rows(conn: Connection, reseaux: Sequence[str], until_year: str | None = None) -> pl.DataFrame:
    """Bilan rows of ``reseaux`` (every school year up to ``until_year``), with ``raccroches``
    and ``rang``. Internal: callers check the scope first."""
    b = db.bilans
    stmt = select(b.c.reseau_code, b.c.annee_scolaire, b.c.periode_fin,
                  *[b.c[c] for c in db.BILAN_COUNT_COLUMNS]).where(b.c.reseau_code.in_(list(reseaux)))
    if until_year:
        stmt = stmt.where(b.c.annee_scolaire <= until_year)
    rows = conn.execute(stmt).all()
    return with_derived(pl.DataFrame(rows, schema=BILAN_SCHEMA, orient="row"))
