"""Schema, constraints and engine resolution, on SQLite and PostgreSQL."""

import subprocess
import sys

import pytest
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from dashboard.store import database, db, lifecycle

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

BILAN = {
    "reseau_code": "R16-ANG", "periode_fin": "2014-10-31", "annee_scolaire": "2014-2015",
    **{c: 1 for c in db.BILAN_COUNT_COLUMNS},
}


def test_schema_has_every_contract_table(db_engine):
    tables = set(inspect(db_engine).get_table_names())
    assert {"territoires", "etablissements", "bilans", "objectifs", "absenteisme", "mlds_sites",
            "import_log", "communes", "departements", "meta"} <= tables


def test_reference_geography_loaded(db_engine):
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.communes)).scalar_one() == 1338
        assert conn.execute(select(func.count()).select_from(db.departements)).scalar_one() == 4
        assert conn.execute(select(func.count(db.territoires.c.reseau_code.distinct()))).scalar_one() == 14


def test_init_is_idempotent(db_engine):
    lifecycle.init_database(db_engine)
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.communes)).scalar_one() == 1338


def test_one_bilan_per_network_and_period(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.bilans).values(**BILAN))
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(insert(db.bilans).values(**BILAN))


def test_negative_counts_refused(db_engine):
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(insert(db.bilans).values(**{**BILAN, "jeunes_signales": -1}))


def test_absentees_cannot_exceed_enrolment(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.etablissements).values(
            uai="0169001A", nom="Collège test", type="COLLEGE", secteur="PUBLIC", commune_insee="16015"))
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(insert(db.absenteisme).values(
            uai="0169001A", mois="2014-10", annee_scolaire="2014-2015", effectif=10, eleves_absenteistes=11))


def test_school_type_is_constrained(db_engine):
    with pytest.raises(IntegrityError), db_engine.begin() as conn:
        conn.execute(insert(db.etablissements).values(
            uai="0169002B", nom="X", type="UNIVERSITE", secteur="PUBLIC", commune_insee="16015"))


def test_url_resolution_order(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    monkeypatch.delenv(database.ENV_URL, raising=False)
    monkeypatch.setattr(database, "SECRETS_PATH", secrets)
    assert database.resolve_database_url() == database.default_sqlite_url()
    secrets.write_text('[connections.pilotage]\nurl = "sqlite:///from-secrets.sqlite"\n')
    assert database.read_secrets_url(secrets) == "sqlite:///from-secrets.sqlite"
    monkeypatch.setattr(database, "read_secrets_url", lambda path=secrets: "sqlite:///from-secrets.sqlite")
    assert database.resolve_database_url() == "sqlite:///from-secrets.sqlite"
    monkeypatch.setenv(database.ENV_URL, "sqlite:///from-env.sqlite")
    assert database.resolve_database_url() == "sqlite:///from-env.sqlite"
    assert database.resolve_database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"


def test_cli_init_creates_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    done = subprocess.run([sys.executable, "-m", "dashboard.db", "init", "--database-url", url],
                          capture_output=True, text=True, check=True)
    assert "Base initialisée" in done.stdout
    engine = database.make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.bilans)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(db.communes)).scalar_one() == 1338
