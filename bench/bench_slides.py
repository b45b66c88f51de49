"""Deck generation times: one deck for the académie and for one network (ms, with the parts:
gathering the figures, the static map, rendering the PPTX), and the 14 network decks of the
académie in one run (s). At national scale, one deck for the académie only. Measured after one
warm-up deck (imports and the map's geometry cache, built once per process)."""

from __future__ import annotations

import dataclasses
import time

from dashboard.access.scope import ACADEMIE, Scope
from dashboard.slides import build, deck
from dashboard.slides import content as slides_content
from queries import territoires as tq

NETWORK = "R17-ROC"  # the longest name of the académie


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _one(conn, scope: Scope, code: str, annee: str) -> tuple[float, float, float, float]:
    """(total, figures, map, PPTX) in ms for one deck."""
    started = time.perf_counter()
    content = slides_content.gather(conn, scope, code, annee, with_map=False)
    figures = _ms(started)
    step = time.perf_counter()
    from dashboard.slides.content import _map_png

    map_png = _map_png(conn, scope, content.territory, annee)
    map_ms = _ms(step)
    step = time.perf_counter()
    deck.render(dataclasses.replace(content, map_png=map_png))
    render = _ms(step)
    return _ms(started), figures, map_ms, render


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    scope = Scope.full("bench")
    with engine.connect() as conn:
        years = tq.school_years(conn)
        annee = "2014-2015" if "2014-2015" in years else years[-1]
        index = tq.territory_index(conn, annee)
        slides_content.gather(conn, scope, ACADEMIE, annee)  # warm-up: imports, map geometry caches (steady state)
        rows = []
        targets = [("académie", ACADEMIE)]
        if scale != "national" and NETWORK in index:
            targets.append((f"réseau {NETWORK}", NETWORK))
        for label, code in targets:
            total, figures, map_ms, render = _one(conn, scope, code, annee)
            rows += [
                (f"présentation {label} ({annee}) : total", total, "ms"),
                (f"présentation {label} : chiffres (requêtes)", figures, "ms"),
                (f"présentation {label} : carte statique", map_ms, "ms"),
                (f"présentation {label} : PPTX", render, "ms"),
            ]
        if scale != "national":
            networks = [t.code for t in index.values() if t.niveau == "reseau"]
            started = time.perf_counter()
            for code in networks:
                build.build_deck(conn, scope, code, annee)
            rows.append((f"{len(networks)} présentations de réseau (une exécution)", time.perf_counter() - started,
                         "s"))
    return rows


if __name__ == "__main__":
    import sys

    from dashboard.store import database

    engine = database.make_engine(sys.argv[1] if len(sys.argv) > 1 else None)
    for label, value, unit in run(engine, sys.argv[2] if len(sys.argv) > 2 else "academie"):
        print(f"{label:<60}{value:>10.1f} {unit}")
