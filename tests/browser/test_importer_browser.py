"""The Importer page's mapping step and the Données page in Chromium (issue 16), at 1280×800 and
1440×900: a file with unknown headers gets the proposed mapping — its unnamed column chosen by the
user (issue 24) —, applied and checked; the académie's own bilans are recognised with a suggestion
for a network given by its name, and the codes are at hand; no exception, no console error, no
request leaving localhost. Screenshots in ``var/screenshots/``."""

from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_visit, visit, wait_for_app
from tests.support.importer import HUMAN, NEW_A, PERIODS, RECTORAT, people_csv

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1440, 900)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_mapping_step_in_the_browser(server, browser, tmp_path, size):
    width, height = size
    result = visit(browser, f"{server}/importer", width=width, height=height)
    page = result.page
    page.screenshot(path=str(SCREENSHOTS / f"importer-{width}x{height}.png"), full_page=False)
    path = tmp_path / "rectorat.csv"
    path.write_bytes(RECTORAT)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    page.get_by_text("Correspondance des colonnes").first.wait_for(timeout=60_000)
    wait_for_app(page)
    main = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Premières valeurs" in main and "Lire le fichier avec cette correspondance" in main
    assert "Colonnes obligatoires encore sans colonne du fichier : uai." in main
    heading = page.get_by_text("Correspondance des colonnes").first
    heading.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"importer-correspondance-{width}x{height}.png"), full_page=False)
    page.locator("[data-testid=stSelectbox]").filter(has_text="uai (obligatoire)").locator("input").click()
    page.get_by_role("option", name="Numéro", exact=True).click()
    page.get_by_text(f"Premières valeurs : {NEW_A}").first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_text("Lire le fichier avec cette correspondance").click()
    page.get_by_text("Vérification avec la correspondance").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert "aucune erreur" in page.inner_text("[data-testid=stMainBlockContainer]")
    page.get_by_text("Vérification avec la correspondance").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"importer-verification-{width}x{height}.png"), full_page=False)
    result.exceptions = [el.inner_text() for el in page.query_selector_all("[data-testid=stException]")]
    check_visit(result, close=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_donnees_page_in_the_browser(server, browser, size):
    width, height = size
    result = visit(browser, f"{server}/donnees", width=width, height=height)
    page = result.page
    main = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Ce qui est chargé, par type de fichier" in main
    assert "Passer des données de démonstration aux données réelles" in main
    page.screenshot(path=str(SCREENSHOTS / f"donnees-{width}x{height}.png"), full_page=False)
    page.get_by_text("Ce qui est chargé, par type de fichier").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"donnees-types-{width}x{height}.png"), full_page=False)
    page.get_by_text("Passer des données de démonstration aux données réelles").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"donnees-passage-{width}x{height}.png"), full_page=False)
    check_visit(result, close=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_academie_bilans_and_the_codes_in_the_browser(server, browser, tmp_path, size):
    width, height = size
    result = visit(browser, f"{server}/importer", width=width, height=height)
    page = result.page
    page.get_by_text("Codes et modèles de fichiers").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(SCREENSHOTS / f"importer-codes-{width}x{height}.png"), full_page=False)
    page.get_by_text("Bilans d'une période, pré-remplis").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SCREENSHOTS / f"importer-prerempli-{width}x{height}.png"), full_page=False)
    path = tmp_path / "bilans.csv"
    path.write_bytes(people_csv(HUMAN, [PERIODS[0], PERIODS[1], PERIODS[2][:2] + ["Royan"] + PERIODS[2][3:]]))
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    page.get_by_text("Rapport de vérification").first.wait_for(timeout=60_000)
    wait_for_app(page)
    main = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Bilans bimestriels" in main and "Correspondance des colonnes" not in main
    page.get_by_text("Rapport de vérification").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"importer-bilans-royan-{width}x{height}.png"), full_page=False)
    result.exceptions = [el.inner_text() for el in page.query_selector_all("[data-testid=stException]")]
    check_visit(result, close=True)
