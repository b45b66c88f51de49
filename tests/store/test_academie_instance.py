"""An instance is an académie, chosen at creation (issue 27): ``python -m dashboard.db init --academie``
stores it in the database with its departments and communes; ``python -m dashboard.demo --academie``
fills it from its own geography, deterministically; the texts read it."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import academie
from dashboard.access.scope import Scope
from dashboard.demo import generate as demo
from dashboard.publish import narrative
from dashboard.store import database, db, lifecycle
from queries import territoires as tq
from tests.support import cli
from tests.support.rennes import DEPARTMENTS, YEAR

FULL = Scope.full()


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("wanted", ["rennes", "14"])
def test_init_creates_the_academie_named_by_name_or_code(tmp_path, wanted):
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    result = cli.run_cli("dashboard.db", "init", "--database-url", url, "--academie", wanted)
    assert result.returncode == 0, result.stderr
    assert "l'académie de Rennes" in result.stdout
    engine = database.make_engine(url)
    with engine.connect() as conn:
        assert db.get_meta(conn, "academie") == "14"
        assert dict(conn.execute(select(db.departements.c.code, db.departements.c.nom)).all()) == DEPARTMENTS
        index = tq.territory_index(conn, YEAR)
    assert _count(engine, db.communes) == 1202
    assert index["ACAD"].nom == "Académie de Rennes"
    assert sorted(t.code for t in index.values() if t.niveau == "reseau") == ["R22", "R29", "R35", "R56"]
    engine.dispose()


def test_unknown_academie_is_refused_in_french_and_nothing_is_created(tmp_path):
    path = tmp_path / "x.sqlite"
    result = cli.run_cli("dashboard.db", "init", "--database-url", f"sqlite:///{path}", "--academie", "Gondor")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Académie inconnue : « Gondor »" in result.stderr and "Rennes (14)" in result.stderr
    assert not path.exists() or path.stat().st_size == 0


def test_a_database_keeps_its_academie(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    assert cli.run_cli("dashboard.db", "init", "--database-url", url).returncode == 0  # Poitiers by default
    again = cli.run_cli("dashboard.db", "init", "--database-url", url, "--academie", "rennes")
    assert again.returncode == 2
    assert "sert déjà l'académie de Poitiers" in again.stderr
    engine = database.make_engine(url)
    assert academie.of_engine(engine).code == "13" and _count(engine, db.communes) == 1338
    engine.dispose()


def test_demo_fills_the_academie_from_its_own_geography(rennes_engine):
    with rennes_engine.connect() as conn:
        communes = set(conn.execute(select(db.communes.c.insee)).scalars())
        schools = pl.DataFrame(conn.execute(select(db.etablissements.c.uai, db.etablissements.c.commune_insee)).all(),
                               orient="row", schema=["uai", "commune_insee"])
        sites = conn.execute(select(db.mlds_sites.c.site_code, db.mlds_sites.c.commune_insee).distinct()).all()
        networks = set(conn.execute(select(db.bilans.c.reseau_code).distinct()).scalars())
        assert db.get_meta(conn, "demo") == "1"
    assert set(schools["commune_insee"]) <= communes and schools.height > 300
    assert {uai[:4] for uai in schools["uai"]} == {"0229", "0299", "0359", "0569"}
    assert {code.split("-")[1] for code, _ in sites} == set(DEPARTMENTS)
    assert {insee for _, insee in sites} <= communes
    assert networks == {"R22", "R29", "R35", "R56"}


def test_demo_is_deterministic(databases, tmp_path):
    rows = []
    # the first: the session's Rennes template (``init_database(engine, "rennes")`` then ``demo.fill``),
    # the second made the same way here
    for name in ("template", "b"):
        if name == "template":
            engine = database.make_engine(databases.sqlite.copy("rennes", tmp_path))
        else:
            engine = database.make_engine(f"sqlite:///{tmp_path / name}.sqlite")
            lifecycle.init_database(engine, "rennes")
            demo.fill(engine)
        with engine.connect() as conn:
            rows.append((conn.execute(select(db.etablissements).order_by(db.etablissements.c.uai)).all(),
                         conn.execute(select(db.mlds_sites).order_by(db.mlds_sites.c.site_code,
                                                                     db.mlds_sites.c.annee_scolaire)).all(),
                         conn.execute(select(db.bilans).order_by(db.bilans.c.reseau_code,
                                                                 db.bilans.c.periode_fin)).all()))
        engine.dispose()
    assert rows[0] == rows[1]


def test_demo_command_creates_the_academie(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    result = cli.run_cli("dashboard.demo", "--academie", "rennes", "--database-url", url)
    assert result.returncode == 0, result.stderr
    assert "académie de rennes" in result.stdout.lower() and "Communes : 1\u202f202" in result.stdout


def test_sentences_name_the_departments_with_their_article():
    assert narrative.subject("departement", "35", "Ille-et-Vilaine") == ("l'Ille-et-Vilaine", False)
    assert narrative.subject("departement", "22", "Côtes-d'Armor") == ("les Côtes-d'Armor", True)
    assert narrative.subject("departement", "29", "Finistère") == ("le Finistère", False)
