"""Daily use in Chromium (issue 15): the selection follows the user across every menu click, a
shared URL restores the view, bad addresses explain themselves, and nothing on screen is in
English."""

from __future__ import annotations

import re

import pytest

from dashboard.ui.registry import all_pages
from tests.support.browser import check_visit, page_address, read_page, take_screenshot, visit, wait_for_app

pytestmark = pytest.mark.browser

ENGLISH = ("Upload", "Download plot", "Page not found", "per file", "Browse files", "Copy to clipboard", "Zoom in",
           "Drag and drop", "Autoscale")
VISIBLE_TEXT = "() => document.body.innerText"


def visible_text(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


#: The page's heading holds the word (the page the menu opened is drawn, not the previous one still idle).
HEADING_HOLDS = """word => {
    const heading = document.querySelector('[data-testid=stMainBlockContainer] h1');
    return !!heading && heading.innerText.includes(word);
}"""


#: The address holds the parameter: the run that applied a choice has written it (the choice is applied).
ADDRESS_HOLDS = "parameter => new URLSearchParams(window.location.search).toString().includes(parameter)"


def _choose(page, label: str, option: str, parameter: str) -> None:
    """Choose ``option`` in the sidebar's ``label`` list and wait until the app has applied it: its
    address holds ``parameter`` (right after the click the app may still be idle, its run not begun)."""
    box = page.locator("[data-testid=stSidebar]").get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).first.click()
    page.wait_for_function(ADDRESS_HOLDS, arg=parameter)
    wait_for_app(page)


def test_selection_follows_every_menu_click(server, browser):
    result = visit(browser, f"{server}/")
    page = result.page
    _choose(page, "Année scolaire", "2015-2016", "annee=2015-2016")
    _choose(page, "Territoire", "Vienne (86)", "territoire=86")
    for spec in all_pages():
        page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=spec.title, exact=True).click()
        page.wait_for_function(HEADING_HOLDS, arg=spec.title.split(" ")[0])  # the clicked page's run has drawn
        wait_for_app(page)
        sidebar = page.locator("[data-testid=stSidebar]")
        assert sidebar.get_by_role("combobox", name="Année scolaire").input_value() == "2015-2016", spec.title
        assert "Vienne (86)" in sidebar.get_by_role("combobox", name="Territoire").input_value(), spec.title
        assert "annee=2015-2016" in page.url and "territoire=86" in page.url, (spec.title, page.url)
        text = visible_text(page)
        assert not [word for word in ENGLISH if word in text], (spec.title, [w for w in ENGLISH if w in text])
    check_visit(result, close=True)


def test_a_shared_url_restores_the_view(server, browser):
    result = visit(browser, f"{server}/carte?annee=2014-2015&territoire=P17-SAI&niveau=psad")
    sidebar = result.page.locator("[data-testid=stSidebar]")
    assert sidebar.get_by_role("combobox", name="Année scolaire").input_value() == "2014-2015"
    assert "PSAD Saintes" in sidebar.get_by_role("combobox", name="Territoire").input_value()
    assert "niveau=psad" in result.page.url
    check_visit(result, close=True)


@pytest.mark.parametrize(("query", "notice"), [
    ("annee=1999-2000&territoire=ACAD", "L'année scolaire demandée (« 1999-2000 »)"),
    ("annee=garbage&territoire=ACAD", "L'année scolaire demandée (« garbage »)"),
    ("annee=2016-2017&territoire=XXX", "Le territoire demandé (« XXX »)"),
])
def test_bad_addresses_explain_themselves_in_the_page(server, browser, query, notice):
    result = visit(browser, f"{server}/raccrochage?{query}")
    body = result.page.inner_text("[data-testid=stMainBlockContainer]")
    assert notice in body, body[:400]
    check_visit(result, close=True)


def test_an_unknown_page_says_so_in_french(server, browser):
    result = visit(browser, f"{server}/nimportequoi?annee=2015-2016&territoire=86")
    page = result.page
    page.wait_for_function("() => location.pathname === '/'")
    body = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "La page demandée n'existe pas : voici la page d'accueil." in body, body[:400]
    assert "annee=2015-2016" in page.url and "territoire=86" in page.url
    assert not page.query_selector("[role=dialog]")
    assert "Page not found" not in visible_text(page)
    check_visit(result, close=True)


def test_the_file_uploader_speaks_french(server, browser, tmp_path):
    result = visit(browser, f"{server}/importer")
    page = result.page
    zone = page.locator("[data-testid=stFileUploaderDropzone]").first
    shown = zone.evaluate("e => e.innerText")  # the English texts are hidden…
    assert "Upload" not in shown and "per file" not in shown, shown
    drawn = zone.evaluate("""e => [...e.querySelectorAll('p, span')].map(
        x => getComputedStyle(x, '::after').content).filter(c => c && c !== 'none').join(' ')""")
    assert "Choisir un fichier" in drawn and "20 Mo au plus par fichier" in drawn, drawn  # …French drawn instead
    sample = tmp_path / "objectifs.csv"
    sample.write_text("annee_scolaire;territoire_code;objectif\n2016-2017;R86-POI;150\n", encoding="utf-8")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(sample))
    page.wait_for_selector("[data-testid=stFileChipName]")
    chip = page.locator("[data-testid=stFileChip]").first.evaluate("e => e.innerText")
    assert "objectifs.csv" in chip and not re.search(r"\d+(\.\d+)?\s?[KMG]?B", chip), chip
    check_visit(result, close=True)


def test_territory_codes_are_case_insensitive(server, browser):
    result = visit(browser, f"{server}/raccrochage?annee=2016-2017&territoire=r17-sai")
    sidebar = result.page.locator("[data-testid=stSidebar]")
    assert "Réseau Saintes" in sidebar.get_by_role("combobox", name="Territoire").input_value()
    assert re.search(r"territoire=R17-SAI", result.page.url)
    body = result.page.inner_text("[data-testid=stMainBlockContainer]")
    assert "n'existe pas" not in body
    check_visit(result, close=True)


@pytest.mark.reads_page(lambda spec: page_address(spec.url_path))
@pytest.mark.parametrize("size", [(1280, 800), (1440, 900)], ids=["1280x800", "1440x900"])
@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_screenshots_of_every_page(request, server, browser, spec, size):
    width, height = size
    name = f"{spec.url_path or 'accueil'}-{width}x{height}"
    result = read_page(request, server, browser, width=width, height=height)
    take_screenshot(result, name)
    text = visible_text(result.page)
    assert not [word for word in ENGLISH if word in text], [w for w in ENGLISH if w in text]
    check_visit(result)
