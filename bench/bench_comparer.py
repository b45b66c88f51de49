"""Comparison page query times (median of several runs, ms, uncached): the table of 3 networks,
of 6 territories of mixed levels, the small-multiples series, and the ranking across all networks."""

from __future__ import annotations

import statistics
import time

from dashboard.access.scope import ACADEMIE, Scope
from queries import comparer as q
from queries import comparer_ranking as qr
from queries import territoires as tq

REPEAT = 3


def _median_ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _selections(index: dict[str, tq.Territory]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Three networks (Vienne's when present, else the first department's) and six territories
    of every level (académie, a department, a PSAD, three networks)."""
    three = tuple(c for c in q.ACADEMIE_DEFAULT if c in index)
    if len(three) < 3:
        department = next(t.code for t in index.values() if t.niveau == "departement")
        psads = {t.code for t in index.values() if t.parent_code == department}
        three = tuple(t.code for t in index.values() if t.niveau == "reseau" and t.parent_code in psads)[:3]
    first = index[three[0]]
    psad = index[first.parent_code]
    six = (ACADEMIE, psad.parent_code, psad.code, *three)[: q.MAX_TERRITORIES]
    return three, six


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    scope = Scope.full("bench")
    with engine.connect() as conn:
        years = tq.school_years(conn)
        annee = "2014-2015" if "2014-2015" in years else years[-1]
        index = tq.territory_index(conn, annee)
    three, six = _selections(index)
    networks = sum(1 for t in index.values() if t.niveau == "reseau")
    rows = []
    with engine.connect() as conn:
        rows.append((f"tableau de comparaison, 3 réseaux ({annee})",
                     _median_ms(lambda: q.comparison(conn, scope, three, annee)), "ms"))
        rows.append((f"tableau de comparaison, 6 territoires ({annee})",
                     _median_ms(lambda: q.comparison(conn, scope, six, annee)), "ms"))
        rows.append(("trajectoires, 6 territoires", _median_ms(lambda: q.trajectories(conn, scope, six, annee)), "ms"))
        rows.append(("absentéisme mensuel, 6 territoires",
                     _median_ms(lambda: q.monthly_absenteeism(conn, scope, six, annee)), "ms"))
        rows.append((f"classement des {networks} réseaux (tous indicateurs)",
                     _median_ms(lambda: qr.level_values(conn, scope, annee, "reseau"), repeat=1), "ms"))
    return rows


if __name__ == "__main__":
    import sys

    from dashboard.store import database

    engine = database.make_engine(sys.argv[1] if len(sys.argv) > 1 else None)
    for label, value, unit in run(engine, "academie"):
        print(f"{label:<60}{value:>10.1f} {unit}")
