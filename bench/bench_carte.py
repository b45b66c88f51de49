"""Map figures: JSON size of the figure sent to the browser per level, figure build time (cold:
geometry and label caches emptied; warm), indicator query time, static PNG render time.

Measured at académie scale only (the map shows one académie): ``run`` returns [] at national scale.
"""

from __future__ import annotations

import statistics
import time

from dashboard.access.scope import Scope
from queries import carte as q
from queries import carte_values
from queries import territoires as tq

LAYERS = ("etablissements", "mlds", "sieges")
LEVEL_NAMES = {"reseau": "réseaux", "psad": "PSAD", "departement": "départements"}


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _clear_geometry_caches() -> None:
    import geodata
    from dashboard.charts import carte_geometry as mapgeo

    mapgeo._GEOMETRY_CACHE.clear()
    mapgeo._label_image.cache_clear()
    mapgeo._department_points.cache_clear()
    geodata._default_level.cache_clear()


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    if scale != "academie":
        return []
    from dashboard.charts import carte as charts
    from dashboard.charts.staticmap import render_data_png

    scope = Scope.full()
    rows: list[tuple[str, float, str]] = []
    with engine.connect() as conn:
        years = tq.school_years(conn)
        annee = "2014-2015" if "2014-2015" in years else (years[-1] if years else "2014-2015")
        for level in carte_values.MAP_LEVELS:
            name = LEVEL_NAMES[level]
            started = time.perf_counter()
            data = q.map_data(conn, scope, "ACAD", annee, level, "taux_atteinte", None, LAYERS)
            rows.append((f"Requête des valeurs et couches — {name}", _ms(started), "ms"))
            _clear_geometry_caches()
            started = time.perf_counter()
            figure = charts.map_figure(data, selected=None)
            cold = _ms(started)
            warm = []
            for _ in range(3):
                started = time.perf_counter()
                figure = charts.map_figure(data, selected=None)
                warm.append(_ms(started))
            size_layers = len(figure.to_json()) / 1000
            bare = q.map_data(conn, scope, "ACAD", annee, level, "taux_atteinte")
            size = len(charts.map_figure(bare).to_json()) / 1000
            rows.append((f"Taille JSON de la figure — {name}", size, "Ko"))
            rows.append((f"Taille JSON de la figure — {name}, toutes couches", size_layers, "Ko"))
            rows.append((f"Construction de la figure — {name}, à froid", cold, "ms"))
            rows.append((f"Construction de la figure — {name}, à chaud", statistics.median(warm), "ms"))
            started = time.perf_counter()
            render_data_png(bare, width_px=1600, dpi=200)
            rows.append((f"Carte statique PNG 1600 px — {name}", _ms(started), "ms"))
        started = time.perf_counter()
        carte_values.indicator_values(conn, scope, "ACAD", annee, "reseau", "absenteisme")
        rows.append(("Requête absentéisme — réseaux", _ms(started), "ms"))
    return rows
