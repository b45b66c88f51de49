"""Browser tests (Chromium): every registered page opened by its URL, at every territory level: the
académie in the year in progress, the lower levels in a closed year (``page_address``).

Fails on any exception block, any console error (but the two probe URLs of docs/architecture.md, "Pages"), any page
error and any request leaving localhost. Screenshots land in ``var/screenshots/``. The pages are only read
(``reads_page``): each is opened once (``read_page``) for these tests and the accessibility tests that
read the same address.
"""

from __future__ import annotations

import pytest

from dashboard.ui.registry import all_pages
from tests.support.browser import CLOSED_YEAR, check_visit, page_address, read_page, take_screenshot, visit

pytestmark = pytest.mark.browser

LOWER_LEVELS = ["86", "P86-POI", "R86-POI"]


@pytest.mark.reads_page(lambda spec: page_address(spec.url_path))
@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_page_opens_by_url(request, server, browser, spec):
    name = spec.url_path or "accueil"
    result = read_page(request, server, browser)
    take_screenshot(result, name)
    heading = result.page.query_selector("[data-testid=stMainBlockContainer] h1").inner_text()
    assert spec.title.split(" ")[0] in heading
    assert "Données de démonstration" in result.page.inner_text("[data-testid=stMainBlockContainer]")
    check_visit(result)


@pytest.mark.reads_page(lambda spec, territory: page_address(spec.url_path, territory, CLOSED_YEAR))
@pytest.mark.parametrize("territory", LOWER_LEVELS)
@pytest.mark.parametrize("spec", [s for s in all_pages() if s.url_path not in {"importer", "methodologie"}],
                         ids=lambda s: s.url_path or "accueil")
def test_page_at_each_level(request, server, browser, spec, territory):
    result = read_page(request, server, browser)
    check_visit(result)


def test_filters_round_trip_in_url(server, browser):
    result = visit(browser, f"{server}/donnees?annee=2013-2014&territoire=R79-NIO")
    page = result.page
    assert "annee=2013-2014" in page.url and "territoire=R79-NIO" in page.url
    sidebar = page.locator("[data-testid=stSidebar]")
    assert sidebar.get_by_role("combobox", name="Année scolaire").input_value() == "2013-2014"
    assert "Niort" in sidebar.get_by_role("combobox", name="Territoire").input_value()
    check_visit(close=True, result=result)
