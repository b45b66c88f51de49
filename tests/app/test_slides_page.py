"""AppTest of the « Dialogue de gestion » page on the demonstration data."""

from __future__ import annotations

import pytest

from dashboard import fmt
from dashboard.access.scope import Scope
from dashboard.store import database
from queries.figures import territory_figures
from tests.support.apptest import assert_no_exception

ANNEE = "2014-2015"


def _figures(url: str, code: str) -> dict:
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            return territory_figures(conn, Scope.full(), code, ANNEE)
    finally:
        engine.dispose()


@pytest.mark.parametrize("code", ["ACAD", "17", "P17-ROC", "R17-ROC"])
def test_page_previews_the_deck(app_test, demo_sqlite_url, code):
    at = app_test("dialogue-de-gestion", annee=ANNEE, territoire=code)
    assert_no_exception(at)
    figures = _figures(demo_sqlite_url, code)
    metrics = {m.label: m.value for m in at.metric}
    if "raccroches" not in figures["masque"]:
        assert metrics["Raccrochés depuis la rentrée"] == fmt.integer(figures["raccroches"])
    assert metrics["Jeunes signalés"] in (fmt.integer(figures["jeunes_signales"]), "< 5")
    import re

    markdown = re.sub(r"\\(.)", r"\1", " ".join(m.value for m in at.markdown))  # as read: escapes removed
    assert "Points saillants" in " ".join(h.value for h in at.subheader)
    closed = figures["situation_annee"] in ("close", "close_incomplete")
    opening = f"L'année {figures['annee_scolaire']} est close" if closed else f"Au {fmt.date_long(figures['periode_fin'])}"
    assert opening in markdown
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Télécharger la présentation (PPTX)", "Télécharger les chiffres (XLSX)"]


def test_page_on_the_year_in_progress(app_test):
    at = app_test("dialogue-de-gestion", annee="2016-2017", territoire="R16-ANG")
    assert_no_exception(at)
    assert len(at.get("download_button")) == 2


@pytest.mark.parametrize(("annee", "tab"), [("2015-2016", "Objectif"), ("2016-2017", "Trajectoire")])
def test_the_preview_names_the_chart_as_the_year_does(app_test, annee, tab):
    """A closed year's preview tab and chart speak of the target (the workbook's sheet name), an
    open year's of the trajectory."""
    import json

    at = app_test("dialogue-de-gestion", annee=annee, territoire="P16-ANG")
    assert_no_exception(at)
    labels = [t.label for t in at.tabs]
    assert tab in labels and ({"Objectif", "Trajectoire"} - {tab}).isdisjoint(labels), labels
    names = [t.get("name") or "" for chart in at.get("plotly_chart") for t in json.loads(chart.proto.spec)["data"]]
    assert any(n.startswith("Trajectoire de l'objectif") for n in names) == (tab == "Trajectoire"), names
