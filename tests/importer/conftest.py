"""The importer tests' database: one per backend and test module (reference geography and
``SCHOOLS``), reset after each test."""

from __future__ import annotations

import pytest

from tests.support.importer import SCHOOLS, reset


@pytest.fixture(scope="module", name="shared_engine")
def shared_engine_fixture(databases, backend, tmp_path_factory):
    """One database per backend and test module (reference geography and ``SCHOOLS``)."""
    engine, cleanup = databases.new_engine(backend, "geo", tmp_path_factory.mktemp("import"))
    reset(engine)
    yield engine
    cleanup()


@pytest.fixture(name="engine")
def engine_fixture(shared_engine):
    """The module's database, reset after each test."""
    yield shared_engine
    reset(shared_engine)


@pytest.fixture(scope="module")
def probe_url(databases, tmp_path_factory) -> str:
    """A database for the hostile-file probes: the breakdown and ``SCHOOLS``."""
    from sqlalchemy import insert

    from dashboard.store import database, db

    url = databases.sqlite.copy("geo", tmp_path_factory.mktemp("hostile"))
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(db.etablissements), SCHOOLS)
    engine.dispose()
    return url
