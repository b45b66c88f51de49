"""Page « Carte » with AppTest on the demonstration data: every level, every indicator, the
layers, the selection kept in the URL and the key figures beside the map."""

from __future__ import annotations

import json

import pytest

from queries import carte as q
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


@pytest.mark.parametrize("level", q.MAP_LEVELS)
def test_every_indicator_at_every_level(app_test, level):
    at = app_test("carte", annee=YEAR, territoire="ACAD")
    at.segmented_control(key="carte_niveau").set_value(level).run()
    assert_no_exception(at)
    for indicator in q.INDICATORS:
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
