"""The académie de Rennes in Chromium (issue 27): every page opened by its URL on the Rennes
demonstration database, with no error and no « Poitiers » anywhere on screen; the selector, the
browser tab and the sentences say the académie de Rennes and its departments. One server of that
configuration per run (``xdist_group``)."""

from __future__ import annotations

import pytest

from dashboard.ui.registry import all_pages
from tests.support.browser import check_visit, territory_options, visit
from tests.support.rennes import YEAR

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("rennes")]


def _screen(result) -> str:
    return result.page.inner_text("body")


@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_every_page_opens_on_rennes_without_poitiers(rennes_server, browser, spec):
    name = spec.url_path or "accueil"
    result = visit(browser, f"{rennes_server}/{spec.url_path}?annee={YEAR}&territoire=ACAD",
                   screenshot_name=f"rennes-{name}")
    screen = _screen(result)
    assert "Poitiers" not in screen
    assert "Données de démonstration" in screen
    check_visit(close=True, result=result)


@pytest.mark.parametrize("territory", ["35", "P22", "R29"])
@pytest.mark.parametrize("path", ["", "raccrochage", "carte", "prevention", "comparer"])
def test_pages_at_each_level_of_the_default_breakdown(rennes_server, browser, path, territory):
    result = visit(browser, f"{rennes_server}/{path}?annee={YEAR}&territoire={territory}")
    assert "Poitiers" not in _screen(result)
    check_visit(close=True, result=result)


def test_selector_tab_and_sentences_name_the_academie_de_rennes(rennes_server, browser):
    result = visit(browser, f"{rennes_server}/?annee={YEAR}&territoire=ACAD")
    options = territory_options(result.page)
    assert options[0] == "Académie de Rennes"
    assert {"Côtes-d'Armor (22)", "Finistère (29)", "Ille-et-Vilaine (35)", "Morbihan (56)"} <= set(options)
    assert "Rennes" in result.page.title()
    check_visit(close=True, result=result)
    department = visit(browser, f"{rennes_server}/?annee=2016-2017&territoire=35")  # the year in progress
    screen = _screen(department)
    assert "L'Ille-et-Vilaine" in screen  # « L'Ille-et-Vilaine est en retard sur sa trajectoire… »
    assert "département Ille-et-Vilaine" not in screen
    check_visit(close=True, result=department)


def test_methodology_describes_the_academie_from_its_data(rennes_server, browser):
    result = visit(browser, f"{rennes_server}/methodologie", width=1280, height=800)
    screen = _screen(result)
    assert "L'académie de Rennes compte 4 départements" in screen
    assert "4 PSAD" in screen and "4 réseaux FOQUALE" in screen
    assert "275 référents" not in screen and "Vienne" not in screen
    check_visit(close=True, result=result)
