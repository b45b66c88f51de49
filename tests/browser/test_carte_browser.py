"""Browser test of the map (Chromium): click a network on the map, get its key figures beside it
and the selection in the URL, follow the link to its Raccrochage page — with no request leaving
localhost (no tiles, no fonts, no glyphs) and no console error. Screenshots in var/screenshots/."""

from __future__ import annotations

import pytest

from tests.support.browser import SCREENSHOTS, check_visit, visit, wait_for_app

pytestmark = pytest.mark.browser

YEAR = "2014-2015"


def _label_point(code: str, level: str = "reseau") -> tuple[float, float]:
    from dashboard.charts import carte_geometry as mapgeo

    return mapgeo.level_geometry(None, level).label_points[code]


def _screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is on screen, asked to the MapLibre map plotly drew."""
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot"
        " && gd._fullLayout.map._subplot.map && gd._fullLayout.map._subplot.map.loaded(); }",
        timeout=30_000,
    )
    point = page.evaluate(
        """([lon, lat]) => {
            const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
            const p = map.project([lon, lat]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [lon, lat],
    )
    return point[0], point[1]


def test_click_a_network_shows_its_figures_and_keeps_it_in_the_url(server, browser):
    result = visit(browser, f"{server}/carte?annee={YEAR}&territoire=ACAD", screenshot_name="carte-academie")
    page = result.page
    x, y = _screen_point(page, *_label_point("R86-CHA"))
    page.mouse.click(x, y)
    page.wait_for_function("() => window.location.search.includes('selection=R86-CHA')", timeout=30_000)
    page.get_by_text("Voir sa page Raccrochage").wait_for(timeout=30_000)
    wait_for_app(page)
    panel = page.inner_text("[data-testid=stMainBlockContainer]")
    assert "Réseau Châtellerault" in panel
    assert "Taux d'atteinte" in panel and "Raccrochés" in panel
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "carte-selection.png"), full_page=True)
    page.get_by_text("Voir sa page Raccrochage").click()
    page.wait_for_function("() => window.location.pathname.endsWith('/raccrochage')", timeout=30_000)
    wait_for_app(page)
    assert "territoire=R86-CHA" in page.url and f"annee={YEAR}" in page.url
    check_visit(result)
    result.context.close()


def test_deep_link_with_selection_and_layers_offline(server, browser):
    result = visit(
        browser, f"{server}/carte?annee={YEAR}&territoire=86&niveau=psad&indicateur=absenteisme&selection=P86-POI",
    )
    page = result.page
    for label in ("Établissements", "Sites MLDS", "Sièges de réseau"):
        page.get_by_role("button", name=label).click()
        wait_for_app(page)
    page.wait_for_timeout(1500)  # let MapLibre draw every layer
    page.screenshot(path=str(SCREENSHOTS / "carte-couches.png"), full_page=True)
    assert "PSAD Poitiers" in page.inner_text("[data-testid=stMainBlockContainer]")
    check_visit(result)
    result.context.close()
