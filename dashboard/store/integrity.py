"""A damaged database is detected and never written to (item 4). Core, no Streamlit.

``check(engine)`` is run at the app's start, before every import (page and command line) and by the
command lines that write: SQLite ``PRAGMA quick_check`` (every page of the file read, about a second
for a national database); PostgreSQL: the connection, then the schema — when the database is at the
head revision, every table of ``db.metadata`` is there. A problem raises ``DatabaseDamaged``
(classified ``dbfailure.DAMAGED``: French message naming the problem and the restore command, exit
code 3), before anything is written.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, inspect, text

from dashboard import fmt
from dashboard.store import db, migrations


class DatabaseDamaged(Exception):
    """The database cannot be trusted: nothing may be written to it. ``detail`` says what was found
    (French, for the user); ``technical`` the database's own words (for the server's log)."""

    def __init__(self, detail: str, technical: str = "") -> None:
        super().__init__(technical or detail)
        self.detail = detail
        self.technical = technical


SQLITE_WORDS = {  # SQLite's own words → what the user reads
    "database disk image is malformed": "SQLite signale que le fichier de la base est malformé",
    "file is not a database": "le fichier n'est pas (ou plus) une base SQLite",
    "malformed database schema": "SQLite signale que le schéma de la base est malformé",
}


def sqlite_finding(text: str) -> str:
    lowered = text.lower()
    for words, french in SQLITE_WORDS.items():
        if words in lowered:
            return french
    return "SQLite signale un fichier endommagé"


def _sqlite(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            rows = [str(r) for r in conn.exec_driver_sql("PRAGMA quick_check").scalars()]
    except Exception as exc:  # "file is not a database", "malformed": the file is damaged
        orig = getattr(exc, "orig", exc)
        if isinstance(orig, sqlite3.DatabaseError) and (
                not isinstance(orig, sqlite3.OperationalError) or "malformed" in str(orig)):
            raise DatabaseDamaged(sqlite_finding(str(orig)), str(orig)) from exc
        raise
    if rows != ["ok"]:
        raise DatabaseDamaged(f"le contrôle d'intégrité de SQLite (quick_check) relève {fmt.integer(len(rows))} "
                              f"problème{'s' if len(rows) > 1 else ''}", " ; ".join(rows))


def _postgresql(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        inspector = inspect(conn)
        if not inspector.has_table("alembic_version"):
            return  # empty (created on first use) or a release before migrations (upgraded in place)
        if migrations.current(conn) != migrations.head():
            return  # an older schema, brought to the current one by ``lifecycle.upgrade_database``
        missing = sorted(set(db.metadata.tables) - set(inspector.get_table_names()))
    if missing:
        raise DatabaseDamaged("le schéma PostgreSQL est à jour mais des tables manquent : " + ", ".join(missing))


def check(engine: Engine) -> None:
    """``DatabaseDamaged`` when the database is damaged; other failures (unreachable, busy) as they come."""
    if engine.dialect.name == "sqlite":
        _sqlite(engine)
    else:
        _postgresql(engine)
