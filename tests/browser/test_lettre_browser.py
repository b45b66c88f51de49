"""The « Lettre de la MLDS » page opened by its URL in Chromium, at the two screen sizes of the
team's checks: no exception, no console error, the letter's preview drawn with its charts. The page is only
read: opened once (``read_page``) for this test and ``test_browser_selection``'s screenshots of it."""

from __future__ import annotations

import pytest

from tests.support.browser import check_visit, page_address, read_page, take_screenshot

pytestmark = pytest.mark.browser


@pytest.mark.reads_page(lambda: page_address("lettre"))  # the académie in the year in progress (2016-2017)
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1440, 900)])
def test_letter_page_opens_by_url(request, server, browser, width, height):
    result = read_page(request, server, browser, width=width, height=height)
    take_screenshot(result, f"lettre-{width}x{height}")
    main = result.page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Lettre en préparation" in main and "Diffusion" in main and "Lettres publiées" in main
    assert "Lettre de la MLDS (brouillon) — bilan au 30 avril 2017" in main
    assert "Chiffres provisoires" in main and "Données de démonstration" in main
    images = result.page.query_selector_all("[data-testid=stMainBlockContainer] [data-testid=stImage] img")
    assert len(images) == 2  # the two charts, each followed by its text description
    assert all(img.evaluate("i => i.complete && i.naturalWidth > 0") for img in images)
    assert main.count("Description du graphique : Graphique en barres") == 2
    check_visit(result)
