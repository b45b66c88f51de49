"""Absenteeism query times (median of several runs, ms) for the académie, a department and a
network: the monthly aggregate per type/sector/priority education (both years), the comparison
of sub-territories, the per-school view (table, distribution, concentration).

``python -m bench.bench_absenteisme --database-url URL [--scale academie|national]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from dashboard.access.scope import Scope
from queries import absenteisme as q
from queries import absenteisme_etablissements as qe

TERRITORIES = (("ACAD", "académie"), ("16", "département 16"), ("R86-POI", "réseau R86-POI"))
YEAR = "2014-2015"


def _median_ms(engine, fn, *args, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with engine.connect() as conn:
            started = time.perf_counter()
            fn(conn, *args)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(engine, scale: str, repeat: int = 5) -> list[tuple[str, float, str]]:
    scope = Scope.full()
    rows = []
    with engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM absenteisme").scalar_one()
    rows.append((f"lignes d'absentéisme ({scale})", float(count), "lignes"))
    for code, label in TERRITORIES:
        for name, fn in (("agrégat mensuel (2 années)", q.cube), ("territoires de niveau inférieur", q.children_rates),
                         ("vue établissements", qe.school_view), ("indicateurs de l'export", q.figures_contribution)):
            rows.append((f"{name} — {label}", _median_ms(engine, fn, scope, code, YEAR, repeat=repeat), "ms"))
    return rows


def main(argv: list[str] | None = None) -> int:
    from dashboard.store import database

    parser = argparse.ArgumentParser(description="Temps des requêtes d'absentéisme")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", default="academie")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    for label, value, unit in run(database.make_engine(args.database_url), args.scale, args.repeat):
        print(f"{label:<60}{value:>10.1f} {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
