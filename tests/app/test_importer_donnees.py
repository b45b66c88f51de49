"""The Données page lists, per import kind, what is loaded (demonstration or real, rows, last
import) and what each page still lacks; the way from demonstration to real data is reversible
(a backup of the SQLite file, restored from the command line) — issue 16."""

from __future__ import annotations

import polars as pl
from sqlalchemy import func, select

from dashboard.importer import maintenance, service
from dashboard.importer import status as import_status
from dashboard.store import database, db
from tests.support import ROOT, cli
from tests.support.apptest import assert_no_exception
from tests.support.importer import schools_file


def status(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        frame = import_status.kind_status(conn)
    return {r["type_fichier"]: (r["nature"], r["lignes"], r["dernier_fichier"]) for r in frame.to_dicts()}


def test_kinds_are_demo_then_real_after_clearing_and_importing(writable_demo_url):
    engine = database.make_engine(writable_demo_url)
    before = status(engine)
    assert before["territoires"][0] == "par défaut" and before["bilans"][0] == "démonstration"
    assert before["etablissements"][1] > 0
    with engine.connect() as conn:
        missing = import_status.missing_by_page(import_status.kind_status(conn))
    assert "Bilans bimestriels" in missing.filter(pl.col("page") == "Accueil")["manquant"][0]
    # the deck carries absenteeism and prevention slides: their files are listed as what it lacks
    deck = missing.filter(pl.col("page") == "Dialogue de gestion")["manquant"][0]
    assert "Absentéisme mensuel" in deck and "Activité des GPDS" in deck
    backup = maintenance.backup_database(engine)
    assert backup is not None and backup.exists() and backup.parent.name == "sauvegardes"
    maintenance.clear_demo_data(engine)
    result = service.import_file(engine, schools_file(), "etablissements.csv")
    assert result.written
    after = status(engine)
    assert after["etablissements"] == ("importées", 4, "etablissements.csv")
    assert after["bilans"][0] == "vide"
    with engine.connect() as conn:
        page = import_status.missing_by_page(import_status.kind_status(conn)).filter(pl.col("page") == "Absentéisme").row(0, named=True)
    assert page["manquant"] == "Absentéisme mensuel"
    engine.dispose()
    # back to the demonstration data: the backup put back in place of the database file
    path = writable_demo_url.split("///", 1)[1]
    done = cli.run_cli("dashboard.importer", "--restaurer", str(backup), "--database-url", writable_demo_url)
    assert done.returncode == 0, done.stderr
    restored = database.make_engine(f"sqlite:///{path}")
    assert status(restored)["bilans"][0] == "démonstration"
    with restored.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() == before[
            "etablissements"][1]
    restored.dispose()


def test_donnees_page_lists_kinds_and_the_way_to_real_data(writable_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(database.ENV_URL, writable_demo_url)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.run()
    at.switch_page(str(ROOT / "pages" / "donnees.py"))
    at.run()
    assert_no_exception(at)
    headings = [h.value for h in at.subheader]
    assert "Ce qui est chargé, par type de fichier" in headings
    assert "Ce qui manque pour que chaque page montre des chiffres réels" in headings
    kinds = at.dataframe[0].value
    assert list(kinds.columns) == ["Fichier", "Nature des données", "Lignes", "Dernier import", "Dernier fichier"]
    assert "Démonstration" in set(kinds["Nature des données"])
    pages = at.table[0].value  # a static table: the lists of files wrap
    assert list(pages.columns) == ["Situation", "Fichiers utilisés"]
    assert pages.loc["Accueil", "Situation"].startswith("À importer : ")
    assert at.expander[0].label == "Passer des données de démonstration aux données réelles"
    at.button(key="sauvegarder_base").click()
    at.run()
    assert_no_exception(at)
    assert "Sauvegarde créée." in [s.value for s in at.success]
