"""Download buttons (issue 18, item 4), in Chromium: on one page, several buttons clicked one right
after the other each deliver their file, and each download is recorded in the audit log.

The cause of « Deferred file … not found »: a click reran the page (the audit callback), the rerun
gave every file built on click a new id, and a second button clicked during the rerun still sent
the old one. Clicks no longer rerun the page (``dashboard.ui.download_button``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.access import audit
from dashboard.importer.contracts import KINDS
from dashboard.store import database, db
from tests.support.browser import check_visit, visit

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: Pauses between two clicks, in ms: at once, during the rerun a click used to start, after it. (A
#: dozen clicks in the same millisecond lose a download or two in Chromium itself, whatever the
#: server: no hand clicks that fast, so the dozen templates are clicked 150 ms apart at least.)
PAUSES = (0, 250, 600)
CASES = [
    *[("/raccrochage?annee=2014-2015&territoire=86", 2, pause) for pause in PAUSES],  # files built on click
    *[("/comparer?annee=2014-2015&territoires=R86-POI,R86-SVI,86", 2, pause) for pause in PAUSES],
    # the templates (CSV and XLSX of every import kind), the list of territories (CSV, XLSX) and the
    # pre-filled bilans (issue 24), one after another
    *[("/importer", 2 * len(KINDS) + 3, pause) for pause in (150, 600)],
]


def exports_logged(url: str) -> list[str]:
    engine = database.make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(db.audit_log.c.detail).where(db.audit_log.c.action == audit.EXPORT)).scalars()
        found = list(rows)
    engine.dispose()
    return found


def click_each(page, buttons, pause_ms: int) -> list:
    """Click every button, ``pause_ms`` apart; the downloads, in the order they arrive."""
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    for i in range(buttons.count()):
        buttons.nth(i).click()
        page.wait_for_timeout(pause_ms)
    deadline = 60_000
    waited = 0
    while len(downloads) < buttons.count() and waited < deadline:
        page.wait_for_timeout(250)
        waited += 250
    return downloads


def check_file(download, extensions: tuple[str, ...]) -> str:
    name = download.suggested_filename
    assert download.failure() is None, (name, download.failure())
    data = Path(download.path()).read_bytes()
    assert name.endswith(extensions), name
    if name.endswith((".xlsx", ".pptx")):
        assert data[:2] == b"PK", name  # a zip: a workbook or a deck
    else:
        assert data and b"\x00" not in data, name
    return name


@pytest.mark.parametrize(("path", "wanted", "pause"), CASES)
def test_every_button_delivers_its_file_one_after_another(server, server_database_url, browser, path, wanted,
                                                         pause):
    before = len(exports_logged(server_database_url))
    result = visit(browser, server + path)
    page = result.page
    buttons = page.locator("[data-testid=stDownloadButton] button")
    assert buttons.count() == wanted
    downloads = click_each(page, buttons, pause)
    names = [check_file(d, (".csv", ".xlsx")) for d in downloads]
    assert len(names) == wanted and len(set(names)) == wanted, names
    if path != "/importer":  # a page's figures: every download is in the audit log
        logged = exports_logged(server_database_url)[before:]
        assert sorted(d.split(" ", 1)[0] for d in logged) == sorted(names), logged
    check_visit(result, close=True)


def test_deck_and_its_figures_one_after_the_other(server, browser):
    result = visit(browser, server + "/dialogue-de-gestion?annee=2014-2015&territoire=R86-POI")
    buttons = result.page.locator("[data-testid=stDownloadButton] button")
    downloads = click_each(result.page, buttons, 250)
    names = [check_file(d, (".pptx", ".xlsx")) for d in downloads]
    assert sorted(Path(n).suffix for n in names) == [".pptx", ".xlsx"], names
    check_visit(result, close=True)


def test_every_download_button_of_the_app_goes_through_ui_download_button():
    """No click reruns a page: a ``download_button`` is only ever made by ``ui.download_button``
    (and the audit log's, which does the same)."""
    made = []
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/**/*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\.download_button\(", line) and "ui.download_button(" not in line:
                made.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert sorted(made) == sorted([
        "dashboard/ui/downloads.py: container.download_button(label, build, file_name, mime, key=key, on_click=\"ignore\", "
        "**options)",
        "dashboard/ui/access.py: st.download_button(\"Télécharger le journal (CSV)\", build, "
        "\"journal-des-consultations.csv\", \"text/csv\",",
    ]), made
