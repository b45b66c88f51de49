"""Helpers of the demonstration-data tests: its school years, a table as a frame, every indicator
row of a database (to compare two fills)."""

from __future__ import annotations

import polars as pl
from sqlalchemy import select

from dashboard.store import db

YEARS = ["2012-2013", "2013-2014", "2014-2015", "2015-2016", "2016-2017"]
INDICATOR_TABLES = ("etablissements", "bilans", "objectifs", "absenteisme", "mlds_sites", "referents", "prevention")


def frame(conn, table) -> pl.DataFrame:
    result = conn.execute(select(table))
    return pl.DataFrame([dict(r) for r in result.mappings()], infer_schema_length=None)


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every indicator table, in key order."""
    with engine.connect() as conn:
        out = {}
        for name in INDICATOR_TABLES:
            table = db.metadata.tables[name]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
        return out
