"""Données chargées: bilan freshness stays inside the user's scope; the page renders."""

from __future__ import annotations

import re

import pytest

from dashboard.access.scope import Scope
from queries import donnees as q

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR = "2014-2015"


def test_freshness_lists_every_network_for_the_rector(demo_engine):
    with demo_engine.connect() as conn:
        fresh = q.bilan_freshness(conn, Scope.full("recteur"), "ACAD", YEAR)
    assert fresh.height == 14
    assert set(fresh["periode_attendue"]) == {"2015-08-31"}


def test_freshness_at_academie_shows_a_department_user_only_their_networks(demo_engine):
    scope = Scope.for_role("ien-io", "79", "ien79")
    with demo_engine.connect() as conn:
        fresh = q.bilan_freshness(conn, scope, "ACAD", YEAR)
        own = q.bilan_freshness(conn, scope, "79", YEAR)
    assert fresh.height > 0
    assert set(fresh["departement_nom"]) == {"Deux-Sèvres"}
    assert fresh["reseau_code"].to_list() == own["reseau_code"].to_list()


def test_freshness_shows_no_network_to_an_aggregates_reader(demo_engine):
    with demo_engine.connect() as conn:
        fresh = q.bilan_freshness(conn, Scope.for_role("lecteur", None, "lect"), "ACAD", YEAR)
    assert fresh.is_empty()


def test_donnees_page_lists_the_import_history_and_freshness(app_test):
    at = app_test("donnees", annee=YEAR, territoire="ACAD")
    assert not at.exception
    texts = " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)
    assert "Historique des imports" in texts and "Fraîcheur des bilans" in texts
    assert "Journal des consultations" in texts  # local mode: the rector reads the audit log


def test_methodologie_page_shows_the_national_reference_rates(app_test):
    at = app_test("methodologie")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "| Année scolaire | Collège | LGT | LP | LPO | EREA |" in text
    assert "2013-2014" in text and "DEPP" in text


def test_donnees_page_puts_late_networks_first(app_test):
    at = app_test("donnees", annee="2016-2017", territoire="ACAD")
    assert not at.exception
    fresh = next(t.value for t in at.table if "État" in t.value.columns).reset_index()
    assert [e.startswith("Bilan manquant (attendu depuis le ") for e in fresh["État"][:2]] == [True, True]
    assert set(fresh["État"][2:]) == {"À jour"} and not any("retard" in e.lower() for e in fresh["État"])
    assert set(fresh["Réseau"][:2]) == {"Angoulême", "Royan"}


def test_import_history_names_the_kind_of_file(app_test, tmp_path):
    from sqlalchemy import select

    from dashboard import fmt
    from dashboard.importer import service
    from dashboard.store import database, db, lifecycle

    url = f"sqlite:///{tmp_path / 'imports.sqlite'}"
    engine = database.make_engine(url)
    lifecycle.init_database(engine)
    data = "annee_scolaire;territoire_code;indicateur;objectif\n2014-2015;R86-POI;raccroches;250\n".encode()
    assert service.import_file(engine, data, "objectifs.csv", None, utilisateur="local").written
    engine.dispose()
    at = app_test("donnees", database_url=url, annee="2014-2015", territoire="ACAD")
    assert not at.exception
    history = next(t.value for t in at.dataframe if "Empreinte du fichier" in t.value.columns)
    assert list(history["Type"]) == ["Objectifs"]
    # the moment of the import in Paris time, in French (« 06/12/2026 à 15:22 »), never raw ISO UTC
    with engine.connect() as conn:
        stored = conn.execute(select(db.import_log.c.horodatage)).scalar_one()
    assert list(history["Date (heure de Paris)"]) == [fmt.date_time(stored)]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}", history["Date (heure de Paris)"][0])


def test_methodologie_has_a_table_of_contents_linking_every_section(app_test):
    at = app_test("methodologie")
    assert not at.exception
    headers = [h.value for h in at.header]
    assert headers[0] == "Sources des données" and "Règle de diffusion (secret statistique)" in headers
    contents = next(m.value for m in at.markdown if m.value.startswith("**Sommaire**"))
    assert "[Règle de diffusion (secret statistique)](#diffusion)" in contents
    assert "[Absentéisme](#absenteisme)" in contents
    assert {h.proto.anchor for h in at.header} >= {"sources", "absenteisme", "diffusion"}


def test_methodologie_summary_first_detail_folded_no_module_names(app_test):
    """Issue 25, item 8: each subject opens with a short summary (what the figures mean, where they come
    from, secrecy), the technical detail is folded in an expander, and no module or file of the code is
    quoted."""
    import re

    at = app_test("methodologie")
    assert not at.exception
    expanders = [e.label for e in at.expander]
    assert len(expanders) >= 10 and all(label.startswith("Méthode détaillée") for label in expanders)
    everything = " ".join(m.value for m in at.markdown)
    assert not re.search(r"python -m|dashboard[./]\w|queries[./]\w|\w+\.py\b|tests/", everything)
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "dashboard" / "docs" / "methodologie"
    for path in sorted(docs.glob("*.md")):
        summary = path.read_text(encoding="utf-8").partition("<!-- détail -->")[0]
        assert len(re.findall(r"\w+", summary)) <= 170, path.name  # one screen
    briefs = everything
    for words in ("secret statistique", "bilans bimestriels", "trajectoire", "< 5"):
        assert words in briefs
