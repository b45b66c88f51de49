"""Helpers for browser tests: a streamlit server on a free port and Debian's Chromium.

Every page is opened by its URL; a page fails on any exception block, on any console error
(except the two probe URLs Streamlit's frontend tries first on a deep link, DESIGN §6) and on
any request leaving localhost. A screenshot of each page goes to ``var/screenshots/``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PROBES = ("/_stcore/health", "/_stcore/host-config")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(database_url: str, extra_env: dict[str, str] | None = None, extra_args: list[str] | None = None):
    """Run ``streamlit run dashboard/app.py`` on a free port; yields the base URL."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_DATABASE_URL": database_url, **(extra_env or {})}
    log_path = ROOT / "var" / f"streamlit-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", *(extra_args or [])],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                with contextlib.suppress(OSError):
                    if urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200:
                        break
                if proc.poll() is not None:
                    raise RuntimeError(log_path.read_text())
                time.sleep(0.3)
            else:
                raise RuntimeError("streamlit did not start in 60 s")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class PageVisit:
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    screenshot: Path | None = None


def is_probe(url: str) -> bool:
    return urlparse(url).path.endswith(PROBES)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait until the script has run and the app is idle."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid=stMainBlockContainer] h1') !== null;
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)  # let charts and late frontend errors surface
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state') === 'notRunning'"
        " && !document.querySelector('[data-testid=stSkeleton]')",  # elements still loading
        timeout=timeout_ms,
    )


def visit(browser, url: str, screenshot_name: str | None = None, extra_headers: dict | None = None,
          width: int = 1440, height: int = 1000, context_options: dict | None = None) -> PageVisit:
    """Open ``url`` in a fresh context (more Playwright options in ``context_options``, e.g.
    ``http_credentials``) and record what a test must check."""
    result = PageVisit(url)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                  extra_http_headers=extra_headers or {}, **(context_options or {}))
    page = context.new_page()

    def on_console(msg):
        if msg.type == "error":
            location = (msg.location or {}).get("url", "")
            if not is_probe(location):
                result.console_errors.append(f"{msg.text} @ {location}")

    def on_request(request):
        host = urlparse(request.url).hostname or ""
        if request.url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL_HOSTS:
            result.external_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
    page.on("request", on_request)
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page)
    result.exceptions = [el.inner_text() for el in page.query_selector_all("[data-testid=stException]")]
    if screenshot_name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        result.screenshot = SCREENSHOTS / f"{screenshot_name}.png"
        page.screenshot(path=str(result.screenshot), full_page=True)
    result.page = page  # type: ignore[attr-defined]
    result.context = context  # type: ignore[attr-defined]
    return result


# --- fixtures shared by the browser test modules (registered in conftest's pytest_plugins) -------


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(demo_sqlite_url):
    """The app on the demonstration database, in local mode."""
    with streamlit_server(demo_sqlite_url) as base:
        yield base


def territory_options(page) -> list[str]:
    """Texts of the sidebar « Territoire » selectbox options (react-aria combobox)."""
    combo = page.get_by_role("combobox", name="Territoire")
    box = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has=combo)
    box.locator("button[aria-label=Open]").click()
    page.wait_for_selector("[role=listbox] [role=option]")
    options = [o.inner_text().strip() for o in page.query_selector_all("[role=listbox] [role=option]")]
    page.keyboard.press("Escape")
    return options


def check_visit(result, close: bool = False) -> None:
    """Fail on any exception block, page error, console error or request leaving localhost."""
    assert not result.exceptions, result.exceptions
    assert not result.page_errors, result.page_errors
    assert not result.console_errors, result.console_errors
    assert not result.external_requests, result.external_requests
    if close:
        result.context.close()
