"""Load, measured (issue 18, item 6): 10, then 20 Chromium pages opened at the same time — half on
Accueil, half on Comparer, each a session of its own — through nginx in front of one app process,
then of two (the production topology of ``tests/proxy_stack.py``, proxy mode). Not pass/fail.

For each load, two phases: the pages opened in new browsers (« navigateur neuf »: every script and
style of the frontend fetched and compiled, as on a user's first visit), then the same pages
reloaded at the same time (« navigateur chaud »: the frontend comes from the browser's cache, as on
every later visit). Printed per phase and page: time from opening to the page fully drawn (charts
included), median and max, and for the app processes: CPU seconds spent, resident memory (peak and
after). On this machine the browsers share the cores with the server: the CPU seconds of the
server are the figure that carries over to production, where each user's browser has its own.

Bounded: every phase gives up after ``TIMEOUT_S``; skipped without Chromium or nginx. The database
is a PostgreSQL database of its own filled with the demonstration data when a server answers on
127.0.0.1:5432 (the production set-up), else the bench's SQLite database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

LOADS = (10, 20)
PAGES = {"accueil": "/?annee=2016-2017&territoire=ACAD",
         "comparer": "/comparer?annee=2016-2017&territoires=R86-POI,R86-SVI,86"}
PROCESSES = (1, 2)
TIMEOUT_S = 240
USER, PASSWORD = "recteur", "mdp-bench"
DRAWN = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    const h1 = document.querySelector('[data-testid=stMainBlockContainer] h1');
    if (!app || !h1 || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid=stSkeleton]')) return false;
    return [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'));
}"""
TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


class Watch:
    """CPU seconds and peak summed resident memory of ``pids`` while running (sampled every 0.2 s)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.peak, self.cpu, self._stop = pids, 0.0, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(rss_mb(p) for p in self.pids))
            self._stop.wait(0.2)

    def __enter__(self) -> Watch:
        self._cpu0 = sum(cpu_s(p) for p in self.pids)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        self.cpu = sum(cpu_s(p) for p in self.pids) - self._cpu0


async def _drawn(page, url: str | None) -> float | None:
    """Seconds from opening ``url`` (None: reloading) to the page fully drawn, or None past the limit."""
    started = time.perf_counter()
    try:
        if url is None:
            await page.reload(wait_until="domcontentloaded", timeout=TIMEOUT_S * 1000)
        else:
            await page.goto(url, wait_until="domcontentloaded", timeout=TIMEOUT_S * 1000)
        await page.wait_for_function(DRAWN, timeout=TIMEOUT_S * 1000, polling=100)
        return time.perf_counter() - started
    except Exception:  # a page that never draws is counted, not raised
        return None


async def _load(base: str, sessions: int, pids: list[int]) -> list[tuple[str, str, list, Watch]]:
    """(phase, page name, times, watch) for new browsers, then the same pages reloaded."""
    from playwright.async_api import async_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    names = [list(PAGES)[i % len(PAGES)] for i in range(sessions)]
    out = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = []
        for _ in names:
            context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR",
                                                http_credentials={"username": USER, "password": PASSWORD})
            pages.append(await context.new_page())
        for phase, first in (("navigateur neuf", True), ("navigateur chaud", False)):
            with Watch(pids) as watch:
                times = await asyncio.gather(*[_drawn(page, base + PAGES[name] if first else None)
                                               for page, name in zip(pages, names, strict=True)])
            for name in PAGES:
                out.append((phase, name, [t for t, n in zip(times, names, strict=True) if n == name], watch))
        await browser.close()
    return out


def _warm_up(base: str, stack) -> None:
    """Each process computes its caches once: sequential visits until each served both pages."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_browser

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        for name, path in PAGES.items():
            for _ in range(4 * len(stack.apps)):
                context = browser.new_context(http_credentials={"username": USER, "password": PASSWORD})
                page = context.new_page()
                page.goto(base + path, wait_until="domcontentloaded")
                with contextlib.suppress(Exception):
                    page.wait_for_function(DRAWN, timeout=TIMEOUT_S * 1000)
                context.close()
                served = {row[1] for row in stack.requests() if row[4] in ("/", "/comparer") and row[1] != "-"
                          and (row[4] == "/") == (name == "accueil")}
                if len(served) >= len(stack.apps):
                    break
        browser.close()


@contextlib.contextmanager
def _database(engine):
    """(label, URL): a PostgreSQL database of its own when a server answers, else the bench's SQLite."""
    from sqlalchemy import create_engine

    from tests.support.proxy_stack import PG_ADMIN_URL, demo_postgres_database

    try:
        create_engine(PG_ADMIN_URL).connect().close()
    except Exception:  # no PostgreSQL here
        yield "SQLite", str(engine.url)
        return
    with demo_postgres_database(PG_ADMIN_URL, prefix="pilotage_bench") as url:
        yield "PostgreSQL", url


def _stopped(*_args) -> None:
    raise SystemExit(143)  # SIGTERM: the stack and the database are cleaned up on the way out


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    if scale != "academie" or not Path("/usr/bin/chromium").exists() or not (
            shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        return []
    from tests.support.proxy_stack import production_stack

    previous = signal.signal(signal.SIGTERM, _stopped)
    rows: list[tuple[str, float, str]] = []
    try:
        with _database(engine) as (label, url):
            print(f"  (base {label} ; nginx devant 1 puis 2 processus, mode proxy ; moitié Accueil, moitié "
                  "Comparer)", flush=True)
            for processes in PROCESSES:
                with production_stack(url, {USER: PASSWORD}, apps=processes) as stack:
                    pids = [app.proc.pid for app in stack.apps]
                    _warm_up(stack.base, stack)
                    rows.append((f"{processes} processus : mémoire résidente au repos (caches chauds)",
                                 sum(map(rss_mb, pids)), "Mo"))
                    for sessions in LOADS:
                        for phase, name, times, watch in asyncio.run(_load(stack.base, sessions, pids)):
                            head = f"{processes} proc. · {sessions} pages · {phase} · {name}"  # no comma (run.py)
                            drawn = [t for t in times if t is not None]
                            if drawn:
                                rows.append((f"{head} : dessinée (médiane)", statistics.median(drawn), "s"))
                                rows.append((f"{head} : dessinée (max)", max(drawn), "s"))
                            if len(drawn) < len(times):
                                rows.append((f"{head} : non dessinées en {TIMEOUT_S} s", len(times) - len(drawn), ""))
                            if name == list(PAGES)[-1]:  # once per phase: the server for both pages
                                tail = f"{processes} proc. · {sessions} pages · {phase}"
                                rows.append((f"{tail} : CPU des processus", watch.cpu, "s"))
                                rows.append((f"{tail} : mémoire résidente (pic)", watch.peak, "Mo"))
                        rows.append((f"{processes} proc. · {sessions} pages : mémoire résidente (après)",
                                     sum(map(rss_mb, pids)), "Mo"))
                        print(f"  … {processes} processus, {sessions} pages mesurées", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return rows
