"""AppTest fixtures: one script run draws the page under test.

The script is ``tests/support/page_harness.py``: the app's own entry point (``ui.run_app``) with the
page under test served at « / », so that the first run draws it (not Accueil first, then the page).
The shared selection comes from the query parameters, as from a shared address.

* ``app_test("carte", annee=…, territoire=…)`` — the page on the session's demonstration database,
  in local mode (the rector).
* ``run_app("carte", mode="proxy", user="ien79", …)`` — the page on a private, writable copy, with
  the authentication mode and the request headers set (AppTest cannot send headers, so
  ``dashboard.ui_access.request_headers`` is replaced).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from dashboard.access import auth
from dashboard.store import database
from dashboard.ui import access as ui_access
from dashboard.ui.registry import all_pages

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).resolve().parent / "page_harness.py"
APP = ROOT / "dashboard" / "app.py"
EXAMPLE_USERS = ROOT / "config" / "utilisateurs.example.csv"
PAGE_ENV = "PILOTAGE_TEST_PAGE"


def pytest_configure(config) -> None:
    scan_installed_components_once()


def scan_installed_components_once() -> None:
    """Streamlit's AppTest looks for custom components (v2) in every installed distribution's metadata at
    the first run of each AppTest: about 0,45 s of a page test's 1 s here. The installed packages do not
    change during a test run, so this process scans them once and every AppTest registers that same
    result (what a server does: it scans once, at its start)."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    if getattr(scan, "scanned_once", False):
        return
    found: list = []

    @functools.wraps(scan)
    def once(max_workers: int | None = None):
        if not found:
            found.append(scan(max_workers))
        return list(found[0])

    once.scanned_once = True  # type: ignore[attr-defined]
    manifest_scanner.scan_component_manifests = once


def page_file(url_path: str) -> str:
    """The file in ``pages/`` of the page served at ``url_path``."""
    for spec in all_pages():
        if spec.url_path == url_path:
            return spec.file
    raise KeyError(url_path)


def page_app(monkeypatch, url_path: str, timeout: float, params: dict):
    """The AppTest of page ``url_path`` after its first run."""
    from streamlit.testing.v1 import AppTest

    page_file(url_path)  # an unknown page is a test error, not Accueil
    monkeypatch.setenv(PAGE_ENV, url_path)
    at = AppTest.from_file(str(HARNESS), default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def assert_no_exception(at) -> None:
    """No exception element and no generic error message on the page."""
    from dashboard.ui.page import GENERIC_ERROR

    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert GENERIC_ERROR not in errors, errors


@pytest.fixture
def app_test(demo_sqlite_url, monkeypatch):
    """Factory running one page of the app with AppTest on the demo database.

    ``app_test("raccrochage", annee="2014-2015", territoire="R86-POI")`` returns the AppTest
    after its first run. Pass ``database_url=`` to use another database.
    """

    def run(url_path: str = "", database_url: str | None = None, timeout: float = 60, **params):
        monkeypatch.setenv(database.ENV_URL, database_url or demo_sqlite_url)
        return page_app(monkeypatch, url_path, timeout, params)

    return run


@pytest.fixture
def app_db_url(writable_demo_url) -> str:
    """A private, writable app database (a copy of the demonstration database)."""
    return writable_demo_url


@pytest.fixture
def run_app(app_db_url, monkeypatch):
    """``run_app(url_path, mode="proxy", user="ien79", **query_params)`` → AppTest after its run.

    ``user`` is sent in ``X-Remote-User`` (None: no header); ``headers`` overrides all headers.
    """

    def run(url_path: str = "", mode: str = "proxy", user: str | None = None, headers: dict | None = None,
            users_file: Path | None = EXAMPLE_USERS, timeout: float = 90, **params):
        monkeypatch.setenv(database.ENV_URL, app_db_url)
        monkeypatch.setenv(auth.ENV_MODE, mode)
        if users_file is None:
            monkeypatch.delenv(auth.ENV_USERS_FILE, raising=False)
        else:
            monkeypatch.setenv(auth.ENV_USERS_FILE, str(users_file))
        sent = headers if headers is not None else ({"X-Remote-User": user} if user else {})
        monkeypatch.setattr(ui_access, "request_headers", lambda: sent)
        return page_app(monkeypatch, url_path, timeout, params)

    return run
