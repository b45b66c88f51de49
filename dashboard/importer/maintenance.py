"""Import history and removal of the demonstration data."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, delete

from dashboard import db
from dashboard.importer.writing import bump_version
from queries import donnees

DEMO_TABLES = ("absenteisme", "bilans", "objectifs", "mlds_sites", "etablissements")


def recent_imports(engine: Engine, limit: int = 20) -> pl.DataFrame:
    """The ``limit`` most recent imports, newest first (read live, not cached)."""
    with engine.connect() as conn:
        return donnees.import_history(conn, limit)


def clear_demo_data(engine: Engine) -> dict[str, int]:
    """Delete every row of the demonstration tables and mark the database as real (``demo`` = "0").

    Only while ``demo`` is "1" (otherwise nothing is deleted and ``{}`` is returned). Rows imported
    since the demonstration data was loaded are deleted too: clear first, then import."""
    with engine.begin() as conn:
        if db.get_meta(conn, "demo") != "1":
            return {}
        deleted = {name: conn.execute(delete(db.metadata.tables[name])).rowcount for name in DEMO_TABLES}
        db.set_meta(conn, "demo", "0")
        bump_version(conn)
    return deleted
