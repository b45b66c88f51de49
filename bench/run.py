"""``make bench``: figures printed, not pass/fail.

* page run times (median cold and warm, AppTest in-process) for every registered page, at
  académie scale (demo database) and at national scale (``--scale national`` demo database,
  generated once under ``var/``; the map page is measured at académie scale only);
* every ``bench/bench_*.py`` module's own figures (query times, map payload, import, decks).

Usage: ``python -m bench.run [--scale academie|national|all] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
ACADEMIE_DB = VAR / "bench-academie.sqlite"
NATIONAL_DB = VAR / "bench-national.sqlite"
NATIONAL_SKIP_PAGES = {"carte"}


def ensure_database(path: Path, scale: str):
    from dashboard import db, demo

    engine = db.make_engine(f"sqlite:///{path}")
    if not db.is_initialised(engine):
        print(f"… génération de la base {scale} ({path.name})", flush=True)
        started = time.perf_counter()
        db.init_database(engine)
        demo.fill(engine, scale=scale)
        print(f"  générée en {time.perf_counter() - started:.1f} s", flush=True)
    return engine


def time_page(url: str, url_path: str, page_file: str, repeat: int, params: dict[str, str]) -> tuple[float, float]:
    """(median cold ms, median warm ms) of one page run with AppTest."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DASHBOARD_DATABASE_URL"] = url
    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        for key, value in params.items():
            at.query_params[key] = value
        if url_path:
            at.switch_page(str(ROOT / "pages" / page_file))
        started = time.perf_counter()
        at.run()
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - started) * 1000)
        if at.exception:
            print(f"  ! exception sur {url_path or 'accueil'} : {at.exception[0].value}", flush=True)
    return statistics.median(cold), statistics.median(warm)


def bench_pages(url: str, scale: str, repeat: int) -> None:
    from dashboard.pages_registry import all_pages

    print(f"\n## Pages ({scale}) — temps d'exécution médian, ms (froid = caches vidés)")
    print(f"{'page':<24}{'froid':>10}{'chaud':>10}")
    for spec in all_pages():
        if scale == "national" and spec.url_path in NATIONAL_SKIP_PAGES:
            continue
        cold, warm = time_page(url, spec.url_path, spec.file, repeat, {"annee": "2014-2015", "territoire": "ACAD"})
        print(f"{spec.url_path or 'accueil':<24}{cold:>10.0f}{warm:>10.0f}", flush=True)


def bench_modules(engine, scale: str) -> None:
    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"\n## {info.name.removeprefix('bench_')} ({scale})")
        try:
            rows = module.run(engine, scale)
        except Exception as exc:  # noqa: BLE001 - a bench prints, it does not fail
            print(f"  ! {type(exc).__name__}: {exc}")
            continue
        for label, value, unit in rows:
            print(f"  {label:<60}{value:>12,.1f} {unit}".replace(",", " "))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesures de performance du tableau de bord")
    parser.add_argument("--scale", choices=["academie", "national", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    scales = ["academie", "national"] if args.scale == "all" else [args.scale]
    for scale in scales:
        path = ACADEMIE_DB if scale == "academie" else NATIONAL_DB
        engine = ensure_database(path, scale)
        print(f"\n# Échelle : {scale} ({path})")
        bench_pages(f"sqlite:///{path}", scale, args.repeat)
        bench_modules(engine, scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
