"""AppTest (issue 28): the « Déclaration d'accessibilité » page in the RGAA's model form, in the menu of
every page; every chart of the pages carries a text alternative and its data table; the map's
territories can be chosen from a list (a keyboard's way to a click on the map)."""

from __future__ import annotations

import re

import pytest

from dashboard.ui.registry import all_pages
from tests.support.apptest import assert_no_exception

YEAR = "2014-2015"
SECTIONS = ["État de conformité", "Résultats des tests", "Contenus non accessibles", "Non-conformités",
            "Dérogations pour charge disproportionnée", "Établissement de cette déclaration",
            "Retour d'information et contact", "Voies de recours"]


def _text(at) -> str:
    return re.sub(r"\\(.)", r"\1", "\n".join(m.value for m in at.markdown))


def test_the_statement_follows_the_rgaa_model(app_test):
    at = app_test("accessibilite", annee=YEAR, territoire="ACAD")
    assert_no_exception(at)
    assert at.title[0].value == "Déclaration d'accessibilité"
    text = _text(at)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    assert "non conforme" in text and "RGAA" in text and "axe-core" in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    for spec in all_pages():  # the pages checked: every page of the menu
        assert f"- {spec.title}" in text


def test_the_statement_is_in_every_page_menu():
    specs = {spec.url_path: spec for spec in all_pages()}
    assert specs["accessibilite"].title == "Déclaration d'accessibilité"


CHART_PAGES = [("", "ACAD"), ("raccrochage", "ACAD"), ("raccrochage", "R86-POI"), ("absenteisme", "86"),
               ("prevention", "ACAD"), ("comparer", "ACAD"), ("carte", "ACAD")]


@pytest.mark.parametrize(("page", "territory"), CHART_PAGES, ids=lambda v: v or "accueil")
def test_every_chart_has_a_french_text_alternative(app_test, page, territory):
    at = app_test(page, annee=YEAR, territoire=territory)
    assert_no_exception(at)
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        alt = chart.proto.alt
        assert alt.startswith("Graphique (") and len(alt) > 40, alt
        assert not re.search(r"\b(the|and|of|chart|plot)\b", alt), alt
    tables = [e for e in at.expander if e.label.startswith("Données du graphique : ")]
    if page in ("raccrochage", "comparer"):
        assert tables and all(t.table for t in tables)


def test_the_raccrochage_trajectory_says_the_commentary_and_its_table_the_periods(app_test):
    at = app_test("raccrochage", annee=YEAR, territoire="ACAD")
    title = "Raccrochés cumulés et objectif de l'année"  # YEAR is closed: its target, no trajectory
    trajectory = next(c for c in at.get("plotly_chart") if title.lower() in c.proto.alt.lower())
    assert "L'année scolaire est close" in trajectory.proto.alt or "raccrochés" in trajectory.proto.alt
    table = next(e for e in at.expander if e.label == f"Données du graphique : {title}").table[0].value
    columns = [re.sub(r"\\(.)", r"\1", c) for c in table.columns]  # as read: the escapes of names removed
    assert columns[0] == "Période bimestrielle (fin de période)"
    assert len(table) >= 5 and YEAR in columns


def test_the_map_territories_can_be_chosen_from_a_list(app_test):
    at = app_test("carte", annee=YEAR, territoire="ACAD")
    box = next(s for s in at.selectbox if s.label == "Territoire à afficher")
    assert len(box.options) == 14 and box.value is None
    box.select("R86-CHA").run()
    assert_no_exception(at)
    assert at.query_params["selection"] == ["R86-CHA"] or at.query_params["selection"] == "R86-CHA"
    assert "Réseau Châtellerault" in " ".join(s.value for s in at.subheader)
