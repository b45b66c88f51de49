"""A database's life: created at the current schema, upgraded in place, initialised with the
reference geography of its académie. Core, no Streamlit; the command line is ``python -m dashboard.db``.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select

import geodata
from dashboard.store import integrity, migrations
from dashboard.store.database import UnknownAcademie, resolve_academie
from dashboard.store.db import (
    ACADEMIE_KEY,
    communes,
    departements,
    get_meta,
    set_meta,
    territoires,
)


def create_schema(engine: Engine) -> migrations.Outcome:
    """An empty database → the current schema, stamped at the head revision; an existing one →
    upgraded in place (``dashboard.store.migrations``)."""
    return migrations.create(engine)


def upgrade_database(engine: Engine) -> migrations.Outcome:
    """Bring an existing database to the current schema in place."""
    return migrations.upgrade(engine)


def load_reference_geography(engine: Engine, academie: str | None = None) -> None:
    """Load the académie's departments, communes and default breakdown shipped in ``geodata/`` and
    store the académie (official code) in ``meta``. A database that already holds a geography keeps
    it; asking it for another académie is refused (``UnknownAcademie``)."""
    code = resolve_academie(academie)
    deps, comms, terr = geodata.load_reference_tables(code)
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(communes)).scalar_one():
            stored = get_meta(conn, ACADEMIE_KEY) or geodata.DEFAULT_ACADEMIE
            if academie is not None and stored != code:
                raise UnknownAcademie(
                    f"Cette base sert déjà l'académie {geodata.academie(stored).nom_de} : créez une autre base "
                    f"(--database-url) pour l'académie {geodata.academie(code).nom_de}.")
            return
        conn.execute(insert(departements), deps)
        conn.execute(insert(communes), comms)
        conn.execute(insert(territoires), terr)
        set_meta(conn, ACADEMIE_KEY, code)


def init_database(engine: Engine, academie: str | None = None) -> migrations.Outcome:
    """Create (or upgrade) the schema and load the reference geography of ``academie`` (code or
    name; Poitiers by default) (idempotent). A damaged database is refused first, untouched
    (``integrity.check``: ``integrity.DatabaseDamaged``)."""
    resolve_academie(academie)  # an unknown académie changes nothing
    integrity.check(engine)
    outcome = create_schema(engine)
    load_reference_geography(engine, academie)
    return outcome
