"""The second académie (issue 27): Rennes, its demonstration database, its app server, and the real
Annuaire sample of Ille-et-Vilaine (read in ``../shared/realdata/``, skipped with the reason when
that folder is absent). Fixtures registered in ``tests/conftest.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import ROOT

#: ``../shared/realdata/`` beside the checkout; ``DASHBOARD_REALDATA`` names it when the checkout lives
#: elsewhere (a git worktree).
REALDATA = Path(os.environ.get("DASHBOARD_REALDATA") or ROOT.parent / "shared" / "realdata")
ANNUAIRE = "annuaire_education_2023_ille-et-vilaine_second_degre_ECHANTILLON.csv"
YEAR = "2014-2015"
DEPARTMENTS = {"22": "Côtes-d'Armor", "29": "Finistère", "35": "Ille-et-Vilaine", "56": "Morbihan"}


def annuaire_bytes() -> bytes:
    path = REALDATA / ANNUAIRE
    if not path.is_file():
        pytest.skip(f"données réelles absentes ({path}) : l'Annuaire d'Ille-et-Vilaine n'est pas importé")
    return path.read_bytes()


@pytest.fixture(scope="session")
def rennes_sqlite_url(databases, tmp_path_factory) -> str:
    """A session-wide copy of the Rennes demonstration database (copy it again before writing)."""
    return databases.sqlite.copy("rennes", tmp_path_factory.mktemp("rennes"))


@pytest.fixture
def rennes_engine(databases, backend, tmp_path):
    """A private copy of the Rennes demonstration database on the test's backend."""
    engine, cleanup = databases.new_engine(backend, "rennes", tmp_path)
    yield engine
    cleanup()


@pytest.fixture(scope="session")
def rennes_server(databases, tmp_path_factory):
    """The app on the Rennes demonstration database, in local mode (one per worker that asks)."""
    from tests.support.app_server import streamlit_server

    url = databases.sqlite.copy("rennes", tmp_path_factory.mktemp("rennes-server"))
    with streamlit_server(url, extra_env={"DASHBOARD_AUTH_MODE": "local"}) as base:
        yield base
