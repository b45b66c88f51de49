"""Page « Carte » with AppTest on the demonstration data: every level, every indicator, the
layers, the selection kept in the URL and the key figures beside the map."""

from __future__ import annotations

import json

import pytest

from queries import carte_values
from tests.support.apptest import assert_no_exception

YEAR = "2014-2015"


def _chart_json(at) -> str:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return charts[0].proto.spec


def test_page_opens_on_the_network_map(app_test):
    at = app_test("carte", annee=YEAR, territoire="ACAD")
    assert_no_exception(at)
    assert at.title[0].value == "Carte"
    spec = _chart_json(at)
    assert '"choroplethmap"' in spec and '"white-bg"' in spec
    assert "https://" not in spec and "http://" not in spec
    assert at.query_params["niveau"] == "reseau" and at.query_params["indicateur"] == "taux_atteinte"
    assert any("Cliquez sur un territoire" in i.value for i in at.info)


@pytest.mark.parametrize("level", carte_values.MAP_LEVELS)
def test_every_indicator_at_every_level(app_test, level):
    at = app_test("carte", annee=YEAR, territoire="ACAD")
    at.segmented_control(key="carte_niveau").set_value(level).run()
    assert_no_exception(at)
    for indicator in carte_values.INDICATORS:
        at.selectbox(key="carte_indicateur").set_value(indicator).run()
        assert_no_exception(at)
        assert at.query_params["niveau"] == level and at.query_params["indicateur"] == indicator
        spec = _chart_json(at)
        assert '"choroplethmap"' in spec
    at.selectbox(key="carte_type").set_value("LP").run()
    assert_no_exception(at)
    assert at.query_params["type"] == "LP"


def test_layers_and_a_focused_territory(app_test):
    at = app_test("carte", annee=YEAR, territoire="86")
    at.pills(key="carte_couches").set_value(["etablissements", "mlds", "sieges"]).run()
    assert_no_exception(at)
    spec = _chart_json(at)
    names = [trace.get("name", "") for trace in json.loads(spec)["data"]]
    assert {"Collège", "Sites MLDS (taille : places)", "Siège de réseau", "Territoire filtré : Vienne (86)"} <= set(names)
    assert len(spec) < 600_000


@pytest.mark.parametrize("territoire", ["ACAD", "86", "P86-POI", "R86-POI"])
def test_selection_from_the_url_shows_key_figures_and_links(app_test, territoire):
    at = app_test("carte", annee=YEAR, territoire=territoire, selection="R86-POI", niveau="reseau")
    assert_no_exception(at)
    assert any("Réseau Poitiers" in s.value for s in at.subheader)
    labels = [m.label for m in at.metric]
    assert {"Taux d'atteinte", "Raccrochés", "Signalés", "Absentéisme"} <= set(labels)
    assert at.query_params["selection"] == "R86-POI"
    links = at.get("page_link")
    assert any("Raccrochage" in link.proto.label for link in links)
    assert any("Comparer avec PSAD Poitiers" in link.proto.label for link in links)
    # the selection can be cleared
    at.button(key="carte_effacer").click().run()
    assert_no_exception(at)
    assert "selection" not in at.query_params


def test_unknown_selection_is_ignored(app_test):
    at = app_test("carte", annee=YEAR, territoire="ACAD", selection="NIMPORTE", niveau="pays", indicateur="x")
    assert_no_exception(at)
    assert "selection" not in at.query_params
    assert at.query_params["niveau"] == "reseau" and at.query_params["indicateur"] == "taux_atteinte"


def test_values_table_is_downloadable(app_test):
    at = app_test("carte", annee=YEAR, territoire="ACAD", niveau="psad", indicateur="raccroches")
    assert_no_exception(at)
    frames = at.dataframe
    assert frames and frames[0].value.shape[0] == 10



def _table(at):
    frame = at.dataframe[0].value
    return frame.data if hasattr(frame, "data") else frame  # a Styler on screen


def test_values_table_follows_the_territory_and_names_its_columns(app_test):
    """Issue 25, item 5: Vienne chosen → Vienne's networks only; the rate under its own name, the
    status in a column of its own (never percentages under « Statut par rapport à la trajectoire »)."""
    at = app_test("carte", annee="2016-2017", territoire="86", niveau="reseau")
    assert_no_exception(at)
    table = _table(at)
    assert len(table) >= 2 and all(code.startswith("R86-") for code in table["Code"])
    assert "Statut par rapport à la trajectoire" not in table.columns
    assert {"Territoire", "Taux d'atteinte de l'objectif de raccrochage", "Statut"} <= set(table.columns)
    assert any(c.value.replace("\\", "").startswith("Vienne (86) :") and "réseaux" in c.value for c in at.caption)


def test_a_territory_clicked_then_a_lower_level_zooms_into_it(app_test):
    at = app_test("carte", annee="2016-2017", territoire="ACAD", niveau="departement", selection="86")
    assert_no_exception(at)
    assert "zoom" not in at.query_params
    at.segmented_control(key="carte_niveau").set_value("psad").run()
    assert_no_exception(at)
    assert at.query_params["zoom"] == "86"
    spec = json.loads(_chart_json(at))
    assert any(trace.get("name") == "Territoire agrandi" for trace in spec["data"])
    assert all(code.startswith("P86-") for code in _table(at)["Code"])
    assert any("Carte agrandie sur Vienne (86)" in c.value.replace("\\", "") for c in at.caption)
    at.button(key="carte_dezoomer").click().run()  # back to the whole map
    assert_no_exception(at)
    assert "zoom" not in at.query_params and len(_table(at)) == 10


def test_going_back_up_a_level_ends_the_zoom(app_test):
    at = app_test("carte", annee="2016-2017", territoire="ACAD", niveau="departement", selection="86")
    at.segmented_control(key="carte_niveau").set_value("reseau").run()
    assert at.query_params["zoom"] == "86"
    at.segmented_control(key="carte_niveau").set_value("departement").run()
    assert_no_exception(at)
    assert "zoom" not in at.query_params


def test_the_map_says_it_is_loading_until_it_is_drawn(app_test):
    """The placeholder's words, and the stylesheet that keeps them in the map's place while it loads."""
    from dashboard.ui import french as ui_french

    at = app_test("carte", annee="2016-2017", territoire="ACAD")
    assert_no_exception(at)
    css = ui_french.STYLESHEET.read_text(encoding="utf-8")
    assert ".st-key-carte_chargement" in css and 'content: "Chargement de la carte…"' in css
    assert at.get("plotly_chart")  # the placeholder was replaced by the map


@pytest.mark.parametrize(("annee", "closed"), [("2015-2016", True), ("2016-2017", False)])
def test_the_colouring_help_speaks_as_the_year_does(app_test, annee, closed):
    """A closed year's status is the target reached or not: no trajectory in the help of « Couleurs »."""
    at = app_test("carte", annee=annee, territoire="ACAD")
    assert_no_exception(at)
    (control,) = [c for c in at.get("button_group") if c.proto.label == "Couleurs"]
    assert ("trajectoire" in control.proto.help) != closed, control.proto.help
    assert ("objectif de l'année atteint ou non" in control.proto.help) == closed
