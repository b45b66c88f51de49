"""Données chargées: bilan freshness stays inside the user's scope; the page renders."""

from __future__ import annotations

from dashboard.access import Scope
from queries import donnees as q

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
