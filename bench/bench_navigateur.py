"""In Chromium: time from a menu click to the page fully drawn (charts included), per page, at
académie level (warm: each page visited once before), median and max over three rounds, and the
first load of the app. Printed, not pass/fail; skipped without Chromium."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

ROUNDS = 3


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    if scale != "academie" or not Path("/usr/bin/chromium").exists():
        return []
    from playwright.sync_api import sync_playwright

    from dashboard.ui.registry import all_pages
    from tests.support.app_server import streamlit_server
    from tests.support.browser import launch_browser, wait_for_app

    url = str(engine.url)
    rows = []
    with streamlit_server(url) as base, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{base}/?annee=2016-2017&territoire=ACAD", wait_until="domcontentloaded")
        wait_for_app(page)
        rows.append(("premier chargement (Accueil)", time.perf_counter() - started, "s"))
        timings: dict[str, list[float]] = {}
        nav = page.locator("[data-testid=stSidebarNav]")
        for round_ in range(ROUNDS + 1):
            for spec in all_pages():
                started = time.perf_counter()
                nav.get_by_role("link", name=spec.title, exact=True).click()
                page.wait_for_function(
                    """(title) => {
                        const h1 = document.querySelector('[data-testid=stMainBlockContainer] h1');
                        const app = document.querySelector('[data-testid=stApp]');
                        return h1 && h1.innerText.startsWith(title)
                            && app.getAttribute('data-test-script-state') === 'notRunning'
                            && !document.querySelector('[data-testid=stSkeleton]');
                    }""", arg=spec.title.split(" ")[0], timeout=120_000)
                page.wait_for_timeout(50)
                elapsed = time.perf_counter() - started - 0.05
                if round_:  # the first round warms the caches
                    timings.setdefault(spec.url_path or "accueil", []).append(elapsed)
        for name, values in timings.items():
            rows.append((f"clic → page dessinée : {name} (médiane)", statistics.median(values), "s"))
            rows.append((f"clic → page dessinée : {name} (max)", max(values), "s"))
        browser.close()
    return rows
