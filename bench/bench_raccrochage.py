"""Raccrochage query times (median of several runs, ms): the page bundle ``detail`` at académie,
department and network level, ``situation`` and the figures export."""

from __future__ import annotations

import statistics
import time

from dashboard.access.scope import ACADEMIE, Scope
from queries import raccrochage as q
from queries import raccrochage_situation
from queries import territoires as tq

REPEAT = 5


def _median_ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    from queries.figures import territory_figures

    scope = Scope.full("bench")
    with engine.connect() as conn:
        years = tq.school_years(conn)
        annee = "2014-2015" if "2014-2015" in years else years[-1]
        index = tq.territory_index(conn, annee)
    departement = next(t.code for t in index.values() if t.niveau == "departement")
    reseau = next(t.code for t in index.values() if t.niveau == "reseau")
    rows = []
    with engine.connect() as conn:
        for label, code in (("académie", ACADEMIE), (f"département {departement}", departement),
                            (f"réseau {reseau}", reseau)):
            rows.append((f"detail ({label}, {annee})", _median_ms(lambda c=code: q.detail(conn, scope, c, annee)), "ms"))
        rows.append((f"situation (académie, {annee})",
                     _median_ms(lambda: raccrochage_situation.situation(conn, scope, ACADEMIE, annee)), "ms"))
        rows.append((f"situations des réseaux (académie, {annee})",
                     _median_ms(lambda: raccrochage_situation.situations(conn, scope, ACADEMIE, annee, niveau="reseau")), "ms"))
        rows.append((f"territory_figures (réseau {reseau})",
                     _median_ms(lambda: territory_figures(conn, scope, reseau, annee)), "ms"))
    return rows


if __name__ == "__main__":
    import sys

    from dashboard.store import database

    engine = database.make_engine(sys.argv[1] if len(sys.argv) > 1 else None)
    for label, value, unit in run(engine, "academie"):
        print(f"{label:<60}{value:>10.1f} {unit}")
