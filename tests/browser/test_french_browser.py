"""Streamlit's own English texts in French, in Chromium (issue 30, item 6): the uploader's error for a
file over 20 Mo and its labels read by screen readers, and the dialog shown when the server dies.
Screenshots at 1280×800 and 1440×900 in ``var/screenshots/``."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.app_server import ROOT, free_port
from tests.support.browser import SCREENSHOTS, check_visit, visit

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1440, 900)]
ENGLISH = ("Error", "File must", "or smaller", "Remove ", "Add files", "file upload", "Help for")


@pytest.fixture
def own_server(demo_sqlite_url, tmp_path):
    """The app on a copy of the demo database, in a process this test may kill: (base URL, process)."""
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_url.split("///", 1)[1], copy)
    port = free_port()
    log = (ROOT / "var" / f"streamlit-{port}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "DASHBOARD_DATABASE_URL": f"sqlite:///{copy}"}, stdout=out,
            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200:
                break
        assert proc.poll() is None, log.read_text()
        time.sleep(0.3)
    try:
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def labels(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate(
        "e => [...e.querySelectorAll('[aria-label]')].map(x => x.getAttribute('aria-label'))")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_file_over_20_mo_is_refused_in_french(server, browser, size):
    width, height = size
    result = visit(browser, f"{server}/importer", width=width, height=height)
    page = result.page
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": "absenteisme-national.csv", "mimeType": "text/csv", "buffer": b"x" * (21 * 1024 * 1024)}])
    alert = page.locator("[data-testid=stFileUploader] [role=alert]")
    alert.wait_for(state="attached", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stFileUploader] [role=alert]')"
                           ".textContent.includes('Error')")
    text = alert.text_content().strip()
    assert text.startswith("Erreur : le fichier dépasse 20 Mo, la limite d'un import."), text
    uploader = page.locator("[data-testid=stFileUploader]").inner_text()
    found = labels(page, "[data-testid=stFileUploader]")
    assert not [e for e in ENGLISH for t in [uploader, text, *found] if e in t], (uploader, found)
    assert "Retirer absenteisme-national.csv" in found and "Choisir un fichier à importer" in found
    page.locator("[data-testid=stFileUploader]").scroll_into_view_if_needed()
    page.locator("[data-testid=stFileChipIconError]").hover()  # the message shows in a tooltip
    page.locator("[role=tooltip]").filter(has_text="Erreur : le fichier dépasse 20 Mo").wait_for(timeout=10_000)
    page.wait_for_function("""() => document.getAnimations().every(a => a.playState !== 'running')
        && [...document.querySelectorAll('[role=tooltip]')].some(t => {
            for (let e = t; e; e = e.parentElement) { if (getComputedStyle(e).opacity !== '1') { return false; } }
            return true; })""")  # faded in: the screenshot shows it as the user reads it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"import-trop-gros-{width}x{height}.png"))
    check_visit(result, close=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_connection_lost_dialog_is_in_french(own_server, browser, size):
    base, proc = own_server
    width, height = size
    result = visit(browser, f"{base}/raccrochage?annee=2014-2015&territoire=ACAD", width=width, height=height)
    page = result.page
    proc.send_signal(signal.SIGKILL)  # the process dies, as a process killed by its memory would
    proc.wait(10)
    dialog = page.locator("[role=dialog]")
    dialog.wait_for(timeout=90_000)
    page.wait_for_function("() => !document.querySelector('[role=dialog]').innerText.includes('Connection')")
    text = dialog.inner_text()
    assert text.startswith("Connexion au serveur perdue") and "ne répond plus" in text, text
    assert "internet" not in text and "Streamlit" not in text
    assert labels(page, "[role=dialog]") == ["Fermer"]
    page.screenshot(path=str(SCREENSHOTS / f"connexion-perdue-{width}x{height}.png"))
    result.context.close()  # the console holds the lost connection's errors: expected here


#: Streamlit's English texts that reached a page once (issue 25, item 7).
ENGLISH_ON_PAGES = ("Select all", "matches", "Skip to main content", "Download as CSV", "Search", "Fullscreen",
                    "Show/hide columns", "Copy to clipboard", "No results")


def _page_texts(page) -> list[str]:
    """What a reader or a screen reader gets: texts, aria-labels and titles of the whole page."""
    return page.evaluate("""() => [document.body.innerText,
        ...[...document.querySelectorAll('[aria-label], [title]')].flatMap(
            e => [e.getAttribute('aria-label') || '', e.getAttribute('title') || ''])]""")


def test_comparer_multiselect_speaks_french_and_adds_only_what_is_highlighted(server, browser):
    """Typing « Poitiers » offers territories, never « Select 2 matches »; Entrée adds one territory."""
    result = visit(browser, f"{server}/comparer?annee=2016-2017&territoires=R16-ANG,R17-ROY")
    check_visit(result)
    page = result.page
    box = page.locator("[data-testid=stMultiSelect]").first
    box.locator("input").click()
    box.locator("input").fill("Poitiers")
    page.wait_for_selector("[role=listbox] [role=option]")
    options = [o.inner_text().strip() for o in page.query_selector_all("[role=listbox] [role=option]")]
    assert options and not [o for o in options if "Select" in o or "résultats" in o], options
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stMultiSelect] [data-tag]').length === 3")
    chips = page.query_selector_all("[data-testid=stMultiSelect] [data-tag]")
    assert len(chips) == 3
    page.keyboard.press("Escape")
    found = [t for t in _page_texts(page) for e in ENGLISH_ON_PAGES if e in t]
    assert not found, found
    result.context.close()


def test_skip_link_and_table_toolbar_in_french(server, browser):
    result = visit(browser, f"{server}/?annee=2016-2017")
    check_visit(result)
    page = result.page
    page.keyboard.press("Tab")  # the skip link shows on the first Tab
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    grid.hover()
    page.wait_for_selector("[data-testid=stElementToolbar] button", state="attached")
    toolbar = [b.get_attribute("aria-label") or b.inner_text()
               for b in page.query_selector_all("[data-testid=stElementToolbar] button")]
    assert toolbar and "Télécharger en CSV" in toolbar and "Rechercher" in toolbar, toolbar
    texts = _page_texts(page)
    assert any("Aller au contenu principal" in t for t in texts)
    found = [t for t in texts for e in ENGLISH_ON_PAGES if e in t]
    assert not found, found
    result.context.close()
