"""Import history, backups of the SQLite database, and removal of the demonstration data.

From demonstration to real data, reversibly: check the real file first (the page
checks every file before writing; the command line has ``--dry-run``), save a copy of the SQLite
database (``backup_database``, done again automatically before the demonstration data is
cleared), clear the demonstration data, import the real files. To go back, stop the app and put
the copy back in place of the database file (``restore_database`` does it from the command line).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, delete

from dashboard.importer.writing import bump_version
from dashboard.store import db, integrity
from queries import donnees

DEMO_TABLES = ("absenteisme", "bilans", "objectifs", "mlds_sites", "referents", "prevention", "etablissements")


def recent_imports(engine: Engine, limit: int = 20) -> pl.DataFrame:
    """The ``limit`` most recent imports, newest first (read live, not cached)."""
    with engine.connect() as conn:
        return donnees.import_history(conn, limit)


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database).resolve()


def backup_folder(engine: Engine) -> Path | None:
    path = sqlite_path(engine)
    return None if path is None else path.parent / "sauvegardes"


def backup_database(engine: Engine, label: str = "sauvegarde") -> Path | None:
    """A consistent copy of the SQLite database (SQLite's online backup), in ``sauvegardes/``
    beside it; None when the database is not a SQLite file (PostgreSQL: use ``pg_dump``)."""
    path = sqlite_path(engine)
    if path is None:
        return None
    folder = backup_folder(engine)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{label}-{stamp}.sqlite"
    source = sqlite3.connect(str(path))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


def restore_database(backup: Path, target: Path) -> None:
    """Put a backup back in place of the database file (the app must be stopped)."""
    shutil.copyfile(backup, target)


def clear_demo_data(engine: Engine) -> dict[str, int]:
    """Delete every row of the demonstration tables and mark the database as real (``demo`` = "0").

    Only while ``demo`` is "1" (otherwise nothing is deleted and ``{}`` is returned). Rows imported
    since the demonstration data was loaded are deleted too: clear first, then import."""
    integrity.check(engine)
    with engine.begin() as conn:
        if db.get_meta(conn, "demo") != "1":
            return {}
        deleted = {name: conn.execute(delete(db.metadata.tables[name])).rowcount for name in DEMO_TABLES}
        db.set_meta(conn, "demo", "0")
        bump_version(conn)
    return deleted
