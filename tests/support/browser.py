"""Browser tests: Streamlit servers and Debian's Chromium, one of each per test process.

Every page is opened by its URL; a page fails on any exception block, on any console error
(except the two probe URLs Streamlit's frontend tries first on a deep link, docs/architecture.md, "Pages") and on
any request leaving localhost. A screenshot of each page goes to ``var/screenshots/``.

Waits are on the app's own state (``data-test-script-state``, skeletons, charts drawn), never a fixed
pause. Each test process takes its ports in a range of its own (``port_range``), so parallel workers
never race for one.
"""

from __future__ import annotations

import contextlib
import itertools
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

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PROBES = ("/_stcore/health", "/_stcore/host-config")


PORTS_PER_WORKER = 400
_next_port = itertools.count()


def port_range() -> range:
    """This test process's ports: pytest-xdist worker ``gwN`` takes the N-th range of its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    start = 20_000 + index * PORTS_PER_WORKER
    return range(start, start + PORTS_PER_WORKER)


def free_port() -> int:
    """A port of this process's range that nothing listens on."""
    ports = port_range()
    for _ in range(len(ports)):
        port = ports[next(_next_port) % len(ports)]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


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
            wait_until_healthy(base, proc, log_path)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_until_healthy(base: str, proc: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    """Poll the server's health endpoint until it answers (the process started listening)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200:
                return
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text())
        time.sleep(0.1)  # polling interval of a readiness probe, not a wait for the app
    raise RuntimeError(f"streamlit did not start in {timeout:.0f} s")


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


#: The app is idle and drawn: the script has run, no element is still loading (skeleton, spinner),
#: every Plotly chart has drawn its figure, and every map has loaded its style and sources.
APP_DRAWN = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (!document.querySelector('[data-testid=stMainBlockContainer] h1')) return false;
    if (document.querySelector('[data-testid=stSkeleton], [data-testid=stSpinner]')) return false;
    for (const chart of document.querySelectorAll('[data-testid=stPlotlyChart]')) {
        const gd = chart.querySelector('.js-plotly-plot');
        if (!gd || !gd._fullLayout || !gd.querySelector('.main-svg')) return false;
        const map = gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
        if (gd._fullLayout.map && !(map && map.loaded())) return false;
    }
    return true;
}"""


def wait_for_app(page, timeout_ms: int = 90_000) -> None:
    """Wait until the script has run and the page is drawn (``APP_DRAWN``), twice in a row across
    two animation frames, so that a rerun the drawing itself triggers is waited for too."""
    page.wait_for_selector("[data-testid=stApp]", timeout=timeout_ms)
    page.wait_for_function(APP_DRAWN, timeout=timeout_ms)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_function(APP_DRAWN, timeout=timeout_ms)


class PageTab:
    """A visit's tab in the context shared by the visits that send no header of their own: closing
    it closes the tab (and its listeners), not the context, whose cache the next visit reuses (the
    app's scripts are then neither downloaded nor compiled again). Each tab opens its own Streamlit
    session."""

    def __init__(self, page):
        self.page = page

    def close(self) -> None:
        self.page.close()

    def cookies(self, *args, **kwargs):
        return self.page.context.cookies(*args, **kwargs)


_shared_contexts: dict[int, object] = {}


def shared_context(browser):
    """This browser's context for the visits that send no header of their own (created once)."""
    context = _shared_contexts.get(id(browser))
    if context is None:
        context = browser.new_context(locale="fr-FR")
        _shared_contexts[id(browser)] = context
    return context


def visit(browser, url: str, screenshot_name: str | None = None, extra_headers: dict | None = None,
          width: int = 1440, height: int = 1000, context_options: dict | None = None) -> PageVisit:
    """Open ``url`` in a new tab and record what a test must check. The tab belongs to the context
    shared by plain visits (``PageTab``); a visit that sends headers (an identity) or sets context
    options (``http_credentials``: another browser user) gets a fresh context of its own, as a
    separate user's browser would be."""
    result = PageVisit(url)
    if extra_headers or context_options:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                      extra_http_headers=extra_headers or {}, **(context_options or {}))
        page = context.new_page()
    else:
        page = shared_context(browser).new_page()
        page.set_viewport_size({"width": width, "height": height})
        context = PageTab(page)

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
        if id(chromium) in _shared_contexts:
            _shared_contexts.pop(id(chromium)).close()
        chromium.close()


@pytest.fixture(scope="session")
def server_database_url(databases, tmp_path_factory) -> str:
    """The database of ``server``: this process's own copy of the demonstration data."""
    return databases.sqlite.copy("demo", tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="session")
def server(server_database_url):
    """The app on the demonstration database, in local mode: one per test process, shared by every
    browser test that does not need another configuration."""
    with streamlit_server(server_database_url, extra_env={"DASHBOARD_AUTH_MODE": "local"}) as base:
        yield base


def territory_options(page) -> list[str]:
    """Texts of the sidebar « Territoire » selectbox options (react-aria combobox)."""
    combo = page.get_by_role("combobox", name="Territoire")
    box = page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").filter(has=combo)
    box.locator("button[aria-label='Ouvrir la liste']").click()  # Streamlit's « Open », in French (francais.js)
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
