"""Schema migrations (Alembic), configured in code: no ``alembic.ini`` is needed.

Every schema change is a revision in ``versions/`` that runs on SQLite and PostgreSQL:

* ``0001`` — the schema as shipped before migrations existed (every table but the two below);
* ``0002`` — ``referents`` and ``prevention``;
* ``0004`` — the MLDS letter: ``lettres``, ``lettre_blocs``, ``lettre_destinataires``, ``lettre_envois``.

``upgrade(engine)`` brings a database to the head revision in place, in one transaction (on
PostgreSQL the DDL is transactional too): a database made by a release without Alembic (no
``alembic_version`` table, the revision-1 tables present) is recognised and stamped at ``0001``
first, then upgraded; an older one that lacks a table gets it from revision ``0001``.
``create(engine)`` makes an empty database at head (``metadata.create_all`` then a stamp: the
tests prove that it gives the same schema as the revisions). The version table is unqualified,
so on PostgreSQL it goes to the first schema of the connection's ``search_path``.

For developers, Alembic's own commands work on this configuration, e.g.
``python -c "from dashboard import migrations; migrations.command('history')"``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command as alembic_command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from dashboard.store import db

HERE = Path(__file__).resolve().parent
BASELINE = "0001"
VERSION_TABLE = "alembic_version"


def config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration on this package; ``connection`` is used by ``env.py`` as is."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision."""
    return script_directory().get_current_head()


def baseline_tables() -> tuple[str, ...]:
    """The tables of revision ``0001`` (a database holding all of them predates Alembic)."""
    return script_directory().get_revision(BASELINE).module.TABLES


def current(conn: Connection) -> str | None:
    """The revision a database is at (None: no version table, or an empty one)."""
    return MigrationContext.configure(conn).get_current_revision()


def stamp(conn: Connection, revision: str) -> None:
    """Record ``revision`` as the database's revision, without running anything."""
    MigrationContext.configure(conn).stamp(script_directory(), revision)


@dataclass(frozen=True)
class Outcome:
    before: str | None  # revision before (None: no version table)
    after: str
    adopted: bool  # a database made without Alembic, stamped at the baseline first
    created: bool = False  # an empty database created at head

    @property
    def changed(self) -> bool:
        return self.created or self.before != self.after

    def summary(self) -> str:
        """French summary for the command line."""
        if self.created:
            return f"base créée au schéma courant (révision {self.after})"
        if not self.changed and not self.adopted:
            return f"schéma déjà à jour (révision {self.after})"
        origin = (f"base créée sans migrations, reconnue comme révision {BASELINE}" if self.adopted
                  else f"révision {self.before}" if self.before
                  else "base sans numéro de révision, tables manquantes créées")
        return f"{origin}, mise à jour vers la révision {self.after}"


def is_empty(conn: Connection) -> bool:
    """No version table and none of the application's tables."""
    names = set(inspect(conn).get_table_names())
    return VERSION_TABLE not in names and not names & set(db.metadata.tables)


def upgrade(engine: Engine, revision: str = "head") -> Outcome:
    """Bring the database to ``revision`` (head by default) in place, in one transaction."""
    with engine.begin() as conn:
        return upgrade_connection(conn, revision)


def _begin(conn: Connection) -> None:
    """SQLite: open the transaction now. The sqlite3 driver only opens one before a data change, so
    DDL run first would be committed at once; with an explicit BEGIN the whole upgrade is atomic."""
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")


def upgrade_connection(conn: Connection, revision: str = "head") -> Outcome:
    """``upgrade`` inside the caller's transaction."""
    _begin(conn)
    before = current(conn)
    adopted = False
    if before is None and set(baseline_tables()) <= set(inspect(conn).get_table_names()):
        stamp(conn, BASELINE)
        adopted = True
    alembic_command.upgrade(config(conn), revision)
    return Outcome(before, current(conn), adopted)


def create(engine: Engine) -> Outcome:
    """An empty database → every table of ``db.metadata`` and the head stamp; any other database
    → ``upgrade``. One transaction either way."""
    with engine.begin() as conn:
        if not is_empty(conn):
            return upgrade_connection(conn)
        _begin(conn)
        db.metadata.create_all(conn)
        stamp(conn, "head")
        return Outcome(None, current(conn), False, created=True)


def command(name: str, *args, url: str | None = None, **kwargs):
    """Run one of Alembic's commands (``history``, ``current``, ``heads``…) on this configuration."""
    return getattr(alembic_command, name)(config(url=url), *args, **kwargs)
