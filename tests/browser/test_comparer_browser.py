"""Browser test (Chromium) of the comparison page: a shared link opens the same comparison."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.support.browser import check_visit, visit

pytestmark = pytest.mark.browser

NETWORKS = ("Réseau Poitiers", "Réseau Sud-Vienne", "Réseau Châtellerault")
QUERY = "annee=2014-2015&territoires=R86-POI,R86-SVI,R86-CHA"


def _comparison(page) -> tuple[list[str], list[str]]:
    """(table column headers, chips of the multiselect)."""
    main = "[data-testid=stMainBlockContainer]"
    page.wait_for_selector(f"{main} [data-testid=stTable] thead th", timeout=60_000)
    headers = [h.inner_text().strip() for h in page.query_selector_all(f"{main} [data-testid=stTable] thead th")]
    tags = page.query_selector_all(f"{main} [data-testid=stMultiSelect] [data-tag]")
    chips = [(tag.get_attribute("aria-label") or "").strip() for tag in tags]
    return headers, chips


def test_shared_link_opens_the_same_comparison(server, browser):
    result = visit(browser, f"{server}/comparer?{QUERY}", screenshot_name="comparer-trois-reseaux", height=3800,
                   context_options={"permissions": ["clipboard-read", "clipboard-write"]})
    check_visit(result)
    page = result.page
    headers, chips = _comparison(page)
    for name in NETWORKS:
        assert name in headers, headers
        assert any(name in chip for chip in chips), chips
    assert "Académie de Poitiers (référence)" in headers
    text = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Taux rapportés à la population municipale des communes du territoire (INSEE)" in text
    assert "territoires=R86-POI,R86-SVI,R86-CHA" in unquote(page.url)  # Streamlit writes "," as %2C

    # « Copier le lien » copies the link to the clipboard and says so; it reproduces the view in a
    # fresh browser context
    page.get_by_role("button", name="Copier le lien").click()
    toast = page.wait_for_selector("[data-testid=stToast]", timeout=10_000)
    assert "copié dans le presse-papiers" in toast.inner_text()
    link = page.evaluate("() => navigator.clipboard.readText()").strip()
    assert link.startswith(f"{server}/comparer?annee=2014-2015&territoires=R86-POI,R86-SVI,R86-CHA"), link
    assert link == page.inner_text(".st-key-lien_partage code").strip()
    result.context.close()

    again = visit(browser, link)
    check_visit(again)
    assert _comparison(again.page) == (headers, chips)
    again.context.close()


def test_forged_link_drops_foreign_codes(server, browser):
    result = visit(browser, f"{server}/comparer?annee=2014-2015&territoires=R86-POI,NOPE,R79-NIO")
    check_visit(result)
    headers, _chips = _comparison(result.page)
    assert "Réseau Poitiers" in headers and "Réseau Niort" in headers
    assert "ignoré" in result.page.inner_text("[data-testid=stMainBlockContainer]")
    result.context.close()
