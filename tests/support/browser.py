"""Browser tests: a Streamlit server and Debian's Chromium per test process.

Every page is opened by its URL; a page fails on any exception block, on any console error
(except the two probe URLs Streamlit's frontend tries first on a deep link, docs/architecture.md, "Pages") and on
any request leaving localhost. A screenshot of each page goes to ``var/screenshots/``.

A test that only reads a page (its heading, its text, axe-core's findings, what a screen reader says,
a screenshot) is marked ``reads_page(address)`` and opens it with ``shared_visit``: the tests that read
the same address are put one after another in the collection and form one ``xdist_group``, so one
worker runs them in a row and opens the page once; its console errors, page errors and requests are
recorded over the tab's whole life.
A test that clicks, types or scrolls opens its own tab (``visit``).

Waits are on the app's own state (``data-test-script-state``, skeletons, charts drawn), never a fixed
pause. The app servers themselves: ``tests/support/app_server.py``.
"""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from dashboard.demo.generate import CURRENT_YEAR
from dashboard.schoolyear import school_year
from tests.support.app_server import ROOT, streamlit_server

SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PROBES = ("/_stcore/health", "/_stcore/host-config")


@dataclass
class PageVisit:
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    shared: bool = False  # opened by ``shared_visit``: other tests read it too; never closed by a test


def is_probe(url: str) -> bool:
    return urlparse(url).path.endswith(PROBES)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


#: The app is idle and drawn: the script has run, no element is still loading (skeleton, spinner) nor
#: left from a previous run (Streamlit fades such a « stale » element out, then back in: read in the
#: middle, its text is pale), no transition or animation of a finite length is under way (a message
#: fading in), every Plotly chart has drawn its figure, and every map has loaded its style and sources.
APP_DRAWN = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (!document.querySelector('[data-testid=stMainBlockContainer] h1')) return false;
    if (document.querySelector('[data-testid=stSkeleton], [data-testid=stSpinner], [data-stale=true]')) return false;
    for (const animation of document.getAnimations()) {
        const timing = animation.effect && animation.effect.getComputedTiming();
        if (animation.playState === 'running' && timing && timing.endTime !== Infinity) return false;
    }
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
    """The context of the visits that send no header of their own, created once per browser: a
    Chromium of its own on a profile on disk (``launch_persistent_context``), because Chromium keeps
    the compiled code of the app's scripts (V8's code cache) for a profile on disk only, not for the
    private contexts ``browser.new_context`` makes — each visit then spends about a fifth less CPU
    (tests/README.md). ``browser`` stays the Chromium of the visits with an identity of their own."""
    context = _shared_contexts.get(id(browser))
    if context is None:
        profile = tempfile.mkdtemp(prefix="chromium-profile-")
        context = browser.browser_type.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="fr-FR")
        context.on("close", lambda *_: shutil.rmtree(profile, ignore_errors=True))
        _shared_contexts[id(browser)] = context
    return context


def user_context(browser, extra_headers: dict | None = None, width: int = 1440, height: int = 1000,
                 **context_options):
    """A private context of ``browser``: another user's browser, with the headers it sends (an
    identity) and its options (``http_credentials``…)."""
    return browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                               extra_http_headers=extra_headers or {}, **context_options)


def visit(browser, url: str, screenshot_name: str | None = None, extra_headers: dict | None = None,
          width: int = 1440, height: int = 1000, context_options: dict | None = None,
          context=None) -> PageVisit:
    """Open ``url`` in a new tab and record what a test must check. The tab belongs to the context
    shared by plain visits (``PageTab``); a visit that sends headers (an identity) or sets context
    options (``http_credentials``: another browser user) gets a fresh context of its own, as a
    separate user's browser would be; ``context`` is such a context the test made (``user_context``)."""
    result = PageVisit(url)
    if context is None and (extra_headers or context_options):
        context = user_context(browser, extra_headers, width, height, **(context_options or {}))
    if context is not None:
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
    result.exceptions = exception_blocks(page)
    result.page = page  # type: ignore[attr-defined]
    result.context = context  # type: ignore[attr-defined]
    if screenshot_name:
        take_screenshot(result, screenshot_name)
    return result


def exception_blocks(page) -> list[str]:
    """Texts of the exception blocks the page shows now."""
    return [el.inner_text() for el in page.query_selector_all("[data-testid=stException]")]


def take_screenshot(result: PageVisit, name: str) -> Path:
    """The whole page as drawn now, in ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    result.screenshot = SCREENSHOTS / f"{name}.png"
    result.page.screenshot(path=str(result.screenshot), full_page=True)  # type: ignore[attr-defined]
    return result.screenshot


#: The years of the pages only read (``reads_page``): at académie level the year in progress (figures
#: provisional, a network late), where every reader of a page reads it — its screenshots, its heading,
#: axe-core, what a screen reader says, the letter's preview — from one load; at the lower levels a
#: closed year (``test_browser``'s levels, axe-core at network level).
YEAR_IN_PROGRESS = school_year(CURRENT_YEAR)  # the demonstration data's year in progress: 2016-2017
CLOSED_YEAR = "2014-2015"


def page_address(path: str, territory: str = "ACAD", year: str = YEAR_IN_PROGRESS) -> str:
    """The address (path and query) of a page read at a territory and year: by default the académie in
    the year in progress, the address every reader of the page at académie level shares."""
    return f"/{path}?annee={year}&territoire={territory}"


_shared_visits: dict[tuple[int, str], PageVisit] = {}

#: Every chart shown is drawn at its container's width (a hidden one, in a tab not shown, is 0 wide):
#: the layout has followed the last change of the window's size.
CHARTS_FIT = """() => {
    for (const chart of document.querySelectorAll('[data-testid=stPlotlyChart]')) {
        const svg = chart.querySelector('.js-plotly-plot .main-svg');
        const width = chart.getBoundingClientRect().width;
        if (width > 0 && (!svg || Math.abs(svg.getBoundingClientRect().width - width) > 1)) return false;
    }
    return true;
}"""


def resize(page, width: int, height: int, timeout_ms: int = 90_000) -> None:
    """Give the tab the window size ``width`` × ``height``, as a user resizing the window, and wait
    until the app has drawn itself again at that size (``wait_for_app``, every chart fitted)."""
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(CHARTS_FIT, timeout=timeout_ms)
    wait_for_app(page)
    page.wait_for_function(CHARTS_FIT, timeout=timeout_ms)


def shared_visit(browser, url: str, width: int = 1440, height: int = 1000) -> PageVisit:
    """``url`` opened once for the tests that only read it (no click, no typing, no scrolling), marked
    ``reads_page``: the first call opens it (``visit``); the next ones get the same tab back, still idle
    and drawn (``wait_for_app``), its exception blocks read again; a reader that asks for another window
    size gets the tab resized (``resize``), as a user resizing the window, not a second load. Its console
    errors, page errors and requests leaving localhost are those of the tab's whole life so far. The
    readers of one page run one after another (their ``xdist_group``): asking for another page closes
    the tab of the previous one, so one page stays open at a time; ``browser`` closes the last at the
    session's end. A test never closes it (``check_visit`` without ``close``)."""
    key = (id(browser), url)
    result = _shared_visits.get(key)
    if result is None:
        close_shared_visits(browser)
        result = visit(browser, url, width=width, height=height)
        result.shared = True
        _shared_visits[key] = result
        return result
    page = result.page  # type: ignore[attr-defined]
    if page.is_closed():
        raise RuntimeError(f"the shared visit of {url} was closed by a test")
    if page.viewport_size != {"width": width, "height": height}:
        resize(page, width, height)
    wait_for_app(page)
    result.exceptions = exception_blocks(page)
    return result


def read_page(request, server: str, browser, width: int = 1440, height: int = 1000) -> PageVisit:
    """The page the running test reads, at the address its ``reads_page`` marker names (the marker is
    the one place the address is written: the collection groups the readers by it), opened once
    (``shared_visit``)."""
    address = page_read_by(request.node)
    if address is None:
        raise RuntimeError(f"{request.node.nodeid} reads a shared page without a reads_page marker")
    return shared_visit(browser, server + address, width=width, height=height)


def close_shared_visits(browser) -> None:
    """Close this browser's shared tab."""
    for key in [k for k in _shared_visits if k[0] == id(browser)]:
        _shared_visits.pop(key).context.close()  # type: ignore[attr-defined]


def page_read_by(item) -> str | None:
    """The address (path and query) of the page the test ``item`` reads: its ``reads_page`` marker's
    function called with the test's parameters it names; None for a test without the marker."""
    marker = item.get_closest_marker("reads_page")
    if marker is None:
        return None
    address = marker.args[0]
    params = item.callspec.params if hasattr(item, "callspec") else {}
    return address(**{name: params[name] for name in inspect.signature(address).parameters})


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (``--dist loadgroup``)
def pytest_collection_modifyitems(items) -> None:
    """The tests that read the same page (``reads_page``) run one after another, so that the page is
    opened once (``shared_visit``): each joins the first of them in the collection's order (the order
    is otherwise kept: an order that already runs them together is left as it is), and they form one
    ``xdist_group``, named after the address, which one worker runs."""
    first: dict[str, int] = {}
    places = []
    for index, item in enumerate(items):
        address = page_read_by(item)
        if address is not None:
            item.add_marker(pytest.mark.xdist_group("page-" + re.sub(r"[^A-Za-z0-9]+", "-", address).strip("-")))
        places.append((first.setdefault(address, index) if address is not None else index, index))
    items[:] = [items[index] for _, index in sorted(places)]


# --- fixtures shared by the browser test modules (registered in conftest's pytest_plugins) -------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium for the whole session: the visits with an identity of their own open private
    contexts in it; the plain visits use ``shared_context`` (a second Chromium, on a profile on disk)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        close_shared_visits(chromium)
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
    """Fail on any exception block, page error, console error or request leaving localhost. ``close``
    closes the visit's tab (never a shared visit's: ``shared_visit``)."""
    if close and result.shared:
        raise RuntimeError(f"{result.url} is a shared visit: closed by shared_visit or the session's end, never by a test")
    assert not result.exceptions, result.exceptions
    assert not result.page_errors, result.page_errors
    assert not result.console_errors, result.console_errors
    assert not result.external_requests, result.external_requests
    if close:
        result.context.close()
