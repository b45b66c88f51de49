"""Accessibility (issue 28, RGAA 4.1 / WCAG 2.1 AA) in Chromium: axe-core's WCAG 2.0/2.1 A and AA
rules find no violation on any page, at académie and network level, on the import page in each of
its states (empty, file with errors, column mapping, success) and on the map with a territory
selected. axe-core comes from the test set-up (``tests/support/accessibility.py``)."""

from __future__ import annotations

import pytest

from dashboard.pages_registry import all_pages
from tests.support.accessibility import axe_violations, describe, require_axe
from tests.support.browser import check_visit, streamlit_server, visit, wait_for_app
from tests.support.importer import RECTORAT, bilan, bilans_file

pytestmark = pytest.mark.browser

YEAR = "2014-2015"
LEVELS = {"academie": "ACAD", "reseau": "R86-POI"}


@pytest.fixture(autouse=True)
def _axe_installed():
    require_axe()


def assert_no_violation(page, name: str) -> None:
    violations = axe_violations(page, name)
    assert not violations, f"{name} :\n{describe(violations)}"


@pytest.mark.parametrize("level", LEVELS, ids=str)
@pytest.mark.parametrize("spec", all_pages(), ids=lambda s: s.url_path or "accueil")
def test_no_axe_violation_on_any_page(server, browser, spec, level):
    name = f"{spec.url_path or 'accueil'}-{level}"
    result = visit(browser, f"{server}/{spec.url_path}?annee={YEAR}&territoire={LEVELS[level]}")
    assert_no_violation(result.page, name)
    check_visit(result, close=True)


def test_no_axe_violation_on_the_map_with_a_territory_selected(server, browser):
    result = visit(browser, f"{server}/carte?annee={YEAR}&territoire=ACAD&selection=R86-CHA")
    result.page.get_by_text("Voir sa page Raccrochage").first.wait_for(timeout=30_000)
    assert_no_violation(result.page, "carte-selection")
    check_visit(result, close=True)


@pytest.fixture(scope="module")
def import_server(databases, tmp_path_factory):
    """The app on a copy of the demonstration data of its own: the import's success writes to it."""
    url = databases.sqlite.copy("demo", tmp_path_factory.mktemp("import-a11y"))
    with streamlit_server(url, extra_env={"DASHBOARD_AUTH_MODE": "local"}) as base:
        yield base


def _upload(page, path, wait_text: str) -> None:
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    page.get_by_text(wait_text).first.wait_for(timeout=60_000)
    wait_for_app(page)


def test_no_axe_violation_on_the_import_page_in_each_state(import_server, browser, tmp_path):
    result = visit(browser, f"{import_server}/importer")
    page = result.page
    assert_no_violation(page, "importer-vide")
    wrong = tmp_path / "bilans-erreurs.csv"
    wrong.write_bytes(bilans_file(bilan(reseau="R99-INCONNU")))
    _upload(page, wrong, "Rapport de vérification")
    assert_no_violation(page, "importer-erreurs")
    page.get_by_role("button", name="Retirer bilans-erreurs.csv").click()
    wait_for_app(page)
    mapping = tmp_path / "rectorat.csv"
    mapping.write_bytes(RECTORAT)
    _upload(page, mapping, "Correspondance des colonnes")
    assert_no_violation(page, "importer-correspondance")
    page.get_by_role("button", name="Retirer rectorat.csv").click()
    wait_for_app(page)
    right = tmp_path / "bilans.csv"
    right.write_bytes(bilans_file(bilan(reseau="R86-POI", periode="2015-06-30", annee="2014-2015")))
    _upload(page, right, "Rapport de vérification")
    page.get_by_role("button", name="Importer ce fichier").click()
    page.get_by_text("importé").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert_no_violation(page, "importer-succes")
    check_visit(result, close=True)
