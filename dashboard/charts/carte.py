"""The map: geometry of the breakdown in force, classes and legend, and the plotly figure.

Shared with the static map (``dashboard.staticmap``): the shapes, the classes (fixed thresholds
for the rate of achievement, quantiles for the other indicators), the palette, the French legend
and the label positions are computed here once, so both maps say the same thing.

Offline by construction: ``Choroplethmap`` on ``map_style="white-bg"`` (no tiles). Territory
names are *not* drawn with ``Scattermap`` text: MapLibre would fetch font glyphs from the
internet for any text layer (the white-bg style points its glyphs to a remote server). The labels
are instead rendered locally (matplotlib) into a transparent PNG placed on the map as an image
layer (a ``data:`` URI), drawn at the size of the opening zoom.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import polars as pl
import shapely

import geodata
from dashboard import disclosure, fmt
from dashboard.charts.common import (
    BLUE_FRANCE,
    FONT_FAMILY,
    SCHOOL_TYPE_COLORS,
    SCHOOL_TYPE_LABELS,
    french_layout,
)
from queries.carte import INDICATORS, MASKED, MISSING, OK, OUT_OF_SCOPE, MapData

COORD_DECIMALS = 5
SOURCE_CREDIT = geodata.SOURCE_CREDIT
LEVEL_KEYS = {"reseau": "reseau_code", "psad": "psad_code", "departement": "departement_code"}

# --- classes and palette ----------------------------------------------------------------------------

#: Rate of achievement of the raccrochage target: fixed thresholds (fractions).
FIXED_THRESHOLDS = (0.8, 1.0)
#: ColorBrewer RdYlBu, 3 classes (colour-blind safe): behind, close, reached.
FIXED_COLORS = ("#FC8D59", "#FFFFBF", "#91BFDB")
FIXED_LABELS = ("Moins de 80 %", "De 80 % à moins de 100 %", "100 % ou plus")
#: Other indicators: quantile classes (at most this many), ColorBrewer YlGnBu (colour-blind safe).
QUANTILE_CLASSES = 4
QUANTILE_PALETTES = {
    1: ("#7FCDBB",),
    2: ("#C7E9B4", "#2C7FB8"),
    3: ("#EDF8B1", "#7FCDBB", "#2C7FB8"),
    4: ("#FFFFCC", "#A1DAB4", "#41B6C4", "#225EA8"),
    5: ("#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494"),
}
MISSING_COLOR = "#D4D4D4"
MISSING_LABEL = "Données insuffisantes"
OUT_OF_SCOPE_COLOR = "#FFFFFF"
OUT_OF_SCOPE_LINE = "#9E9E9E"
OUT_OF_SCOPE_LABEL = "Hors de votre périmètre"
BORDER_COLOR = "#FFFFFF"
DEPARTMENT_BORDER_COLOR = "#3A3A3A"
SELECTION_COLOR = "#000000"
FOCUS_COLOR = BLUE_FRANCE
MLDS_COLOR = "#5A2D82"
SEAT_COLOR = "#1E1E1E"
LABEL_COLOR = "#1E1E1E"
#: Display precision of class bounds, per kind of indicator (fractions for rates).
STEPS = {"rate": 0.001, "per10k": 0.1, "count": 1.0}


def format_value(value: float | None, kind: str) -> str:
    """An indicator value the French way: "12,3 %", "1 234", "23,4"."""
    if value is None:
        return fmt.MISSING
    if kind == "rate":
        return fmt.percent(value, 1)
    if kind == "per10k":
        return fmt.number(value, 1)
    return fmt.integer(value)


@dataclass(frozen=True)
class MapClass:
    label: str
    color: str
    lower: float | None  # included (None: no lower bound)
    upper: float | None  # excluded, but included for the last class (None: no upper bound)


@dataclass(frozen=True)
class Classification:
    method: str  # "seuils" | "quantiles"
    classes: tuple[MapClass, ...]

    def index_of(self, value: float | None) -> int | None:
        """The class of ``value`` (None for a missing value or when there is no class)."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or not self.classes:
            return None
        last = len(self.classes) - 1
        for i, cls in enumerate(self.classes):
            above = cls.lower is None or value >= cls.lower - 1e-12
            if cls.upper is None:
                below = True
            elif i == last:
                below = value <= cls.upper + 1e-12
            else:
                below = value < cls.upper - 1e-12
            if above and below:
                return i
        # outside the computed range (cannot happen for the values the classes were built on)
        return 0 if self.classes[0].lower is not None and value < self.classes[0].lower else last

    @property
    def description(self) -> str:
        if self.method == "seuils":
            return "Classes à seuils fixes : moins de 80 %, de 80 % à moins de 100 %, 100 % ou plus de l'objectif."
        n = len(self.classes)
        if n <= 1:
            return "Une seule classe : toutes les valeurs affichées sont égales."
        return (
            f"Classes par quantiles ({n} classes d'effectifs voisins) des territoires affichés ; "
            "borne inférieure incluse, borne supérieure exclue (sauf pour la dernière classe)."
        )


def _snap(value: float, step: float, how: str) -> float:
    units = round(value / step, 6)
    units = math.floor(units) if how == "floor" else math.ceil(units) if how == "ceil" else round(units)
    return round(units * step, 10)


def classify(values: Sequence[float | None], indicator: str, n_classes: int = QUANTILE_CLASSES) -> Classification:
    """Classes for the shown values of ``indicator`` (None values are ignored)."""
    spec = INDICATORS[indicator]
    if spec.method == "seuils":
        low, high = FIXED_THRESHOLDS
        classes = (
            MapClass(FIXED_LABELS[0], FIXED_COLORS[0], None, low),
            MapClass(FIXED_LABELS[1], FIXED_COLORS[1], low, high),
            MapClass(FIXED_LABELS[2], FIXED_COLORS[2], high, None),
        )
        return Classification("seuils", classes)
    shown = np.array([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], float)
    if shown.size == 0:
        return Classification("quantiles", ())
    step = STEPS[spec.kind]
    lowest, highest = _snap(float(shown.min()), step, "floor"), _snap(float(shown.max()), step, "ceil")
    k = max(1, min(n_classes, len(np.unique(shown))))
    inner = [_snap(float(q), step, "round") for q in np.quantile(shown, [i / k for i in range(1, k)])] if k > 1 else []
    breaks = sorted({lowest, *[b for b in inner if lowest < b < highest], highest})
    if len(breaks) == 1:
        only = breaks[0]
        return Classification(
            "quantiles", (MapClass(format_value(only, spec.kind), QUANTILE_PALETTES[1][0], only, only),)
        )
    pairs = list(zip(breaks[:-1], breaks[1:], strict=True))
    palette = QUANTILE_PALETTES[min(len(pairs), max(QUANTILE_PALETTES))]
    classes = tuple(
        MapClass(f"De {format_value(lo, spec.kind)} à {format_value(hi, spec.kind)}", palette[i], lo, hi)
        for i, (lo, hi) in enumerate(pairs)
    )
    return Classification("quantiles", classes)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str
    kind: str  # "class" | "missing" | "out"


def legend_entries(classification: Classification, states: Sequence[str]) -> list[LegendEntry]:
    """The legend, in order: every class, then "Données insuffisantes" and "Hors de votre
    périmètre" when some territory is in that state."""
    out = [LegendEntry(c.label, c.color, "class") for c in classification.classes]
    if any(s in (MASKED, MISSING) for s in states):
        out.append(LegendEntry(MISSING_LABEL, MISSING_COLOR, "missing"))
    if OUT_OF_SCOPE in states:
        out.append(LegendEntry(OUT_OF_SCOPE_LABEL, OUT_OF_SCOPE_COLOR, "out"))
    return out


@dataclass(frozen=True)
class ClassedValues:
    """Per territory: its class (or None) and what to show."""

    classification: Classification
    classes: dict[str, int | None]  # code -> class index (None: masked, missing or out of scope)
    states: dict[str, str]
    values: dict[str, float | None]

    def color_of(self, code: str) -> str:
        state = self.states.get(code, MISSING)
        if state == OUT_OF_SCOPE:
            return OUT_OF_SCOPE_COLOR
        idx = self.classes.get(code)
        return MISSING_COLOR if idx is None else self.classification.classes[idx].color

    def group_of(self, code: str) -> str:
        """Legend group: the class label, MISSING_LABEL or OUT_OF_SCOPE_LABEL."""
        state = self.states.get(code, MISSING)
        if state == OUT_OF_SCOPE:
            return OUT_OF_SCOPE_LABEL
        idx = self.classes.get(code)
        return MISSING_LABEL if idx is None else self.classification.classes[idx].label

    def legend(self) -> list[LegendEntry]:
        return legend_entries(self.classification, list(self.states.values()))


def classed_values(values: pl.DataFrame, indicator: str) -> ClassedValues:
    """Classes of the territories of ``values`` (a frame from ``queries.carte.indicator_values``)."""
    shown = values.filter(pl.col("etat") == OK)
    classification = classify(shown["valeur"].to_list(), indicator)
    classes, states, vals = {}, {}, {}
    for row in values.iter_rows(named=True):
        states[row["code"]] = row["etat"]
        vals[row["code"]] = row["valeur"]
        classes[row["code"]] = classification.index_of(row["valeur"]) if row["etat"] == OK else None
    return ClassedValues(classification, classes, states, vals)


# --- geometry --------------------------------------------------------------------------------------


def breakdown_fingerprint(breakdown: pl.DataFrame | pd.DataFrame) -> str:
    """A stable key of a commune → network → PSAD breakdown (to cache its shapes)."""
    frame = breakdown if isinstance(breakdown, pl.DataFrame) else pl.from_pandas(breakdown)
    rows = frame.select("commune_insee", "reseau_code", "psad_code").sort("commune_insee")
    digest = hashlib.sha1()
    for column in rows.columns:
        digest.update("\x1f".join(rows[column].cast(pl.String).fill_null("").to_list()).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def default_fingerprint() -> str:
    return breakdown_fingerprint(geodata.default_breakdown())


@dataclass(frozen=True)
class LevelGeometry:
    """Shapes of one level of one breakdown, ready to draw."""

    fingerprint: str
    level: str
    shapes: gpd.GeoDataFrame  # code, population, geometry (WGS84), sorted by code
    features: dict[str, dict]  # code -> GeoJSON feature (id = code, rounded coordinates)
    label_points: dict[str, tuple[float, float]]  # code -> (lon, lat)
    bounds: dict[str, tuple[float, float, float, float]]  # code -> (west, south, east, north)

    def geojson(self, codes: Sequence[str]) -> dict:
        return {"type": "FeatureCollection", "features": [self.features[c] for c in codes if c in self.features]}


def _round_ring(ring: Sequence[Sequence[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y, *_ in ring:
        point = [round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def rounded_geometry(geom) -> dict:
    """GeoJSON geometry with coordinates rounded to 5 decimals (about 1 m)."""
    polygons = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    rings = []
    for poly in polygons:
        shell = _round_ring(poly.exterior.coords)
        if len(shell) < 4:
            continue
        holes = [r for r in (_round_ring(i.coords) for i in poly.interiors) if len(r) >= 4]
        rings.append([shell, *holes])
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def _label_point(geom_lambert) -> shapely.Point:
    """Pole of inaccessibility of the largest part: the label sits well inside the shape."""
    parts = [geom_lambert] if geom_lambert.geom_type == "Polygon" else list(geom_lambert.geoms)
    largest = max(parts, key=lambda p: p.area)
    return shapely.ops.polylabel(largest, tolerance=250.0)


def _build_level(shapes: gpd.GeoDataFrame, fingerprint: str, level: str) -> LevelGeometry:
    shapes = shapes.sort_values("code", ignore_index=True)
    lambert = shapes.to_crs(2154)
    points = gpd.GeoSeries([_label_point(g) for g in lambert.geometry], crs=2154).to_crs(4326)
    features, labels, bounds = {}, {}, {}
    for code, geom, point in zip(shapes["code"], shapes.geometry, points, strict=True):
        features[code] = {"type": "Feature", "id": code, "geometry": rounded_geometry(geom)}
        labels[code] = (round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS))
        bounds[code] = tuple(float(b) for b in geom.bounds)
    return LevelGeometry(fingerprint, level, shapes, features, labels, bounds)


_GEOMETRY_CACHE: OrderedDict[tuple[str, str], LevelGeometry] = OrderedDict()
_GEOMETRY_CACHE_SIZE = 12


def level_geometry(breakdown: pl.DataFrame | None, level: str) -> LevelGeometry:
    """Shapes of ``level`` for a breakdown (commune_insee, reseau_code, psad_code), cached.

    The default breakdown reuses the cached, simplified shapes of ``geodata``; another breakdown
    (imported by the académie) is dissolved once with the same tolerance and kept in the cache.
    Departments never depend on the breakdown.
    """
    if level not in LEVEL_KEYS:
        raise ValueError(level)
    fingerprint = default_fingerprint() if breakdown is None else breakdown_fingerprint(breakdown)
    if level == "departement":
        fingerprint = default_fingerprint()
    cache_key = (fingerprint, level)
    if cache_key in _GEOMETRY_CACHE:
        _GEOMETRY_CACHE.move_to_end(cache_key)
        return _GEOMETRY_CACHE[cache_key]
    if fingerprint == default_fingerprint():
        shapes = {"reseau": geodata.reseaux, "psad": geodata.psad, "departement": geodata.departements}[level]()
    else:
        mapping = breakdown.select("commune_insee", LEVEL_KEYS[level]).to_pandas()
        shapes = geodata.dissolve(mapping, LEVEL_KEYS[level], geodata.DISPLAY_TOLERANCE_M[level])
    built = _build_level(shapes, fingerprint, level)
    _GEOMETRY_CACHE[cache_key] = built
    while len(_GEOMETRY_CACHE) > _GEOMETRY_CACHE_SIZE:
        _GEOMETRY_CACHE.popitem(last=False)
    return built


def outline_lines(geoms: Sequence) -> tuple[list[float | None], list[float | None]]:
    """Rings of ``geoms`` as one lon/lat polyline with None breaks (rounded to 5 decimals)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for geom in geoms:
        polygons = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
        for poly in polygons:
            for ring in (poly.exterior, *poly.interiors):
                coords = _round_ring(ring.coords)
                lons.extend(c[0] for c in coords)
                lats.extend(c[1] for c in coords)
                lons.append(None)
                lats.append(None)
    return lons, lats


@lru_cache(maxsize=1)
def department_outlines() -> tuple[tuple, tuple]:
    """Department borders (and the académie's outline) as one polyline."""
    lons, lats = outline_lines(list(geodata.departements().geometry))
    return tuple(lons), tuple(lats)


@lru_cache(maxsize=1)
def commune_points() -> dict[str, tuple[float, float]]:
    """Representative point (lon, lat) of every commune."""
    communes = geodata.communes()
    points = communes.to_crs(2154).representative_point().to_crs(4326)
    return {code: (p.x, p.y) for code, p in zip(communes["insee"], points, strict=True)}


def spread_points(communes: Sequence[str], spacing_m: float = 900.0) -> list[tuple[float, float]]:
    """Positions for points located by commune only: the commune's representative point, the
    n-th point of a commune placed on a sunflower spiral around it (no two points overlap)."""
    base = commune_points()
    seen: dict[str, int] = {}
    out = []
    for insee in communes:
        lon, lat = base.get(insee, (float("nan"), float("nan")))
        n = seen.get(insee, 0)
        seen[insee] = n + 1
        if n:
            radius = spacing_m * math.sqrt(n)
            angle = n * 2.399963  # golden angle
            lat += radius * math.sin(angle) / 111_320.0
            lon += radius * math.cos(angle) / (111_320.0 * math.cos(math.radians(lat)))
        out.append((round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS)))
    return out


def territory_outline(breakdown: pl.DataFrame | None, level: str, code: str) -> tuple[list, list]:
    geometry = level_geometry(breakdown, level)
    if code not in geometry.features:
        return [], []
    return outline_lines([geometry.shapes.set_index("code").geometry[code]])


# --- view (centre and zoom) ----------------------------------------------------------------------


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _inv_merc(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def view_for_bounds(
    bounds: tuple[float, float, float, float], width_px: int = 720, height_px: int = 600, padding: float = 0.06
) -> tuple[dict, float]:
    """(center, zoom) of a MapLibre map showing ``bounds`` (west, south, east, north) in a
    ``width_px`` × ``height_px`` frame."""
    west, south, east, north = bounds
    dx = max(east - west, 1e-3) * (1 + 2 * padding)
    dy = max(_merc(north) - _merc(south), 1e-5) * (1 + 2 * padding)
    zoom_x = math.log2(width_px * 360.0 / (512.0 * dx))
    zoom_y = math.log2(height_px * 2 * math.pi / (512.0 * dy))
    zoom = round(min(zoom_x, zoom_y, 11.0), 2)
    center = {"lon": round((west + east) / 2, 5), "lat": round(_inv_merc((_merc(south) + _merc(north)) / 2), 5)}
    return center, zoom


def merge_bounds(boxes: Sequence[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# --- labels -------------------------------------------------------------------------------------------


def short_name(name: str, width: int = 16) -> str:
    """A territory name for a map label: split in two balanced lines when long."""
    if len(name) <= width:
        return name
    best = None
    for i, char in enumerate(name):
        if char in " –-" and 0 < i < len(name) - 1:
            cut = i if char == " " else i + 1
            head, tail = name[:cut].rstrip(), name[cut:].lstrip()
            score = max(len(head), len(tail))
            if best is None or score < best[0]:
                best = (score, head, tail)
    return f"{best[1]}\n{best[2]}" if best else name


LABEL_FONT_PX = 12


@lru_cache(maxsize=32)
def _label_image(
    labels: tuple[tuple[str, float, float], ...], bounds: tuple[float, float, float, float], zoom: float,
    font_px: int, scale: float,
) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.patheffects as pe
    from matplotlib.figure import Figure

    west, south, east, north = bounds
    world = 512.0 * 2**zoom
    width = (east - west) * world / 360.0 * scale
    height = (_merc(north) - _merc(south)) * world / (2 * math.pi) * scale
    dpi = 100
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(west, east)
    axes.set_ylim(_merc(south), _merc(north))
    axes.axis("off")
    points = font_px * scale * 72 / dpi
    for text, lon, lat in labels:
        axes.text(
            lon, _merc(lat), text, ha="center", va="center", fontsize=points, color=LABEL_COLOR,
            fontweight="bold", linespacing=1.0, family=["DejaVu Sans"],
            path_effects=[pe.withStroke(linewidth=2.6 * scale, foreground="white")],
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", transparent=True, dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def label_layer(
    labels: Sequence[tuple[str, float, float]], bounds: tuple[float, float, float, float], zoom: float,
    font_px: int = LABEL_FONT_PX, max_side_px: int = 2400,
) -> dict:
    """An image layer (transparent PNG, data URI) with the labels drawn at ``zoom``."""
    west, south, east, north = bounds
    world = 512.0 * 2**zoom
    side = max((east - west) * world / 360.0, (_merc(north) - _merc(south)) * world / (2 * math.pi))
    scale = round(min(2.0, max_side_px / max(side, 1.0)), 3)
    source = _label_image(tuple(labels), tuple(bounds), round(zoom, 2), font_px, scale)
    return {
        "sourcetype": "image",
        "source": source,
        "coordinates": [[west, north], [east, north], [east, south], [west, south]],
        "below": "",
    }


# --- the figure --------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    """Plotly legend titles do not wrap: break a long title on spaces (``<br>``)."""
    import textwrap

    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width))


def _hover_lines(row: dict, indicator: str, label: str) -> str:
    spec = INDICATORS[indicator]
    name = html.escape(row["nom"])
    head = f"<b>{name}</b>"
    state = row["etat"]
    if state == OUT_OF_SCOPE:
        return f"{head}<br>Hors de votre périmètre"
    if state == MASKED:
        return f"{head}<br>{html.escape(label)} : valeur masquée (effectif inférieur à {disclosure.threshold()})"
    if state == MISSING:
        return f"{head}<br>{html.escape(label)} : pas de donnée"
    lines = [head, f"{html.escape(label)} : <b>{format_value(row['valeur'], spec.kind)}</b>"]
    if spec.kind != "count" and row["numerateur"] is not None:
        den = row["denominateur"]
        lines.append(f"{spec.numerator} : {fmt.integer(row['numerateur'])} · {spec.denominator} : {fmt.integer(den)}")
    return "<br>".join(lines)


def _school_hover(row: dict) -> str:
    kind = SCHOOL_TYPE_LABELS.get(row["type"], row["type"])
    sector = "public" if row["secteur"] == "PUBLIC" else "privé sous contrat"
    ep = f" · {row['education_prioritaire']}" if row.get("education_prioritaire") else ""
    if row["effectif_masque"]:
        enrolment = disclosure.masked_label()
    elif row["effectif"] is None:
        enrolment = fmt.MISSING
    else:
        enrolment = f"{fmt.integer(row['effectif'])} élèves"
    return (
        f"<b>{html.escape(row['nom'])}</b><br>{kind} · {sector}{ep}<br>"
        f"Commune : {html.escape(row['commune_nom'])}<br>Effectif : {enrolment}"
    )


def _mlds_hover(row: dict) -> str:
    accueillis = disclosure.masked_label() if row["jeunes_accueillis"] is None else fmt.integer(row["jeunes_accueillis"])
    return (
        f"<b>Site MLDS — {html.escape(row['nom'])}</b><br>Commune : {html.escape(row['commune_nom'])}<br>"
        f"Places : {fmt.integer(row['places'])}<br>Jeunes accueillis : {accueillis}<br>"
        f"Taux d'occupation : {fmt.percent(row['taux_occupation'], 0)}"
    )


def _school_size(effectif: int | None) -> float:
    if effectif is None:
        return 5.0
    return round(5.0 + 13.0 * math.sqrt(min(effectif, 2500) / 2500.0), 1)


def focus_bounds(data: MapData, geometry: LevelGeometry) -> tuple[float, float, float, float]:
    """Bounds of the focus territory (its networks' shapes), or of the whole académie."""
    if data.focus.niveau == "academie":
        return merge_bounds(list(geometry.bounds.values()))
    networks = level_geometry(data.breakdown, "reseau")
    boxes = [networks.bounds[r] for r in data.focus.reseaux if r in networks.bounds]
    return merge_bounds(boxes) if boxes else merge_bounds(list(geometry.bounds.values()))


def focus_outline(data: MapData) -> tuple[list, list]:
    """Outline of the focus territory (the union of its networks)."""
    if data.focus.niveau == "academie":
        return [], []
    if data.focus.niveau in LEVEL_KEYS:
        return territory_outline(data.breakdown, data.focus.niveau, data.focus.code)
    return [], []


MAP_HEIGHT = 640
LEGEND_PLACEHOLDER = "__classe_vide_"


def _legend_placeholder(rank: int) -> dict:
    """A 1-metre triangle in the mid-Atlantic: gives an empty class its legend swatch."""
    lon, lat = -35.0 - rank * 0.01, 0.0
    ring = [[lon, lat], [lon + 0.00001, lat], [lon, lat + 0.00001], [lon, lat]]
    return {"type": "Feature", "id": f"{LEGEND_PLACEHOLDER}{rank}", "geometry": {"type": "Polygon", "coordinates": [ring]}}


def map_figure(
    data: MapData,
    *,
    selected: str | None = None,
    height: int = MAP_HEIGHT,
    width_hint: int = 640,
    labels: bool = True,
) -> go.Figure:
    """The choropleth of ``data`` with department borders, labels and the optional layers."""
    geometry = level_geometry(data.breakdown, data.level)
    classed = classed_values(data.values, data.indicator)
    rows = {r["code"]: r for r in data.values.iter_rows(named=True)}
    legend = classed.legend()
    point_layers = any(f is not None and not f.is_empty() for f in (data.schools, data.mlds))
    fill_opacity = 0.6 if point_layers else 0.92

    traces: list = []
    for rank, entry in enumerate(legend):
        codes = [c for c in geometry.features if c in rows and classed.group_of(c) == entry.label]
        if not codes and entry.kind != "class":
            continue
        out = entry.kind == "out"
        geojson = geometry.geojson(codes)
        customdata = [[c, _hover_lines(rows[c], data.indicator, data.label)] for c in codes]
        if not codes:  # an empty class keeps its legend entry (as on the static map): a speck in the ocean
            geojson = {"type": "FeatureCollection", "features": [_legend_placeholder(rank)]}
            codes, customdata = [f"{LEGEND_PLACEHOLDER}{rank}"], [["", ""]]
        traces.append(
            go.Choroplethmap(
                geojson=geojson,
                locations=codes,
                z=[rank] * len(codes),
                colorscale=[[0, entry.color], [1, entry.color]],
                zmin=rank - 0.5,
                zmax=rank + 0.5,
                showscale=False,
                marker={"opacity": 1.0 if out else fill_opacity,
                        "line": {"color": OUT_OF_SCOPE_LINE if out else BORDER_COLOR, "width": 1.2 if out else 0.8}},
                name=entry.label,
                legendgroup=entry.label,
                showlegend=True,
                legendrank=100 + rank,
                customdata=customdata,
                hovertemplate="%{customdata[1]}<extra></extra>",
                hoverinfo="skip" if codes[0].startswith(LEGEND_PLACEHOLDER) else None,
            )
        )
    lons, lats = department_outlines()
    traces.append(
        go.Scattermap(lon=list(lons), lat=list(lats), mode="lines", line={"color": DEPARTMENT_BORDER_COLOR, "width": 2.2},
                      hoverinfo="skip", showlegend=False, name="Limites départementales")
    )
    f_lons, f_lats = focus_outline(data)
    if f_lons:
        traces.append(
            go.Scattermap(lon=f_lons, lat=f_lats, mode="lines", line={"color": FOCUS_COLOR, "width": 3.2},
                          hoverinfo="skip", showlegend=True, name=f"Territoire filtré : {html.escape(data.focus.label)}",
                          legend="legend2", legendrank=300)
        )
    if selected and selected in geometry.features:
        s_lons, s_lats = territory_outline(data.breakdown, data.level, selected)
        traces.append(
            go.Scattermap(lon=s_lons, lat=s_lats, mode="lines", line={"color": SELECTION_COLOR, "width": 3.6},
                          hoverinfo="skip", showlegend=False, name="Territoire sélectionné")
        )
    _add_point_layers(traces, data)

    bounds = focus_bounds(data, geometry)
    center, zoom = view_for_bounds(bounds, width_hint, height)
    layers = []
    if labels:
        all_bounds = merge_bounds(list(geometry.bounds.values()))
        margin = 0.15
        image_bounds = (all_bounds[0] - margin, all_bounds[1] - margin, all_bounds[2] + margin, all_bounds[3] + margin)
        texts = tuple(
            (short_name(rows[c]["nom"]), *geometry.label_points[c]) for c in geometry.features if c in rows
        )
        layers.append(label_layer(texts, image_bounds, zoom))
    fig = french_layout(go.Figure(), height=height)
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom, "layers": layers},
        margin={"l": 0, "r": 0, "t": 0, "b": 0, "autoexpand": True},
        legend={
            "title": {"text": f"<b>{_wrap(data.label, 34)}</b>", "font": {"size": 12}},
            "orientation": "v", "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.92)", "bordercolor": "#CCCCCC", "borderwidth": 1,
            "font": {"size": 12}, "itemclick": False, "itemdoubleclick": False,
        },
        legend2={
            "orientation": "v", "x": 0.99, "xanchor": "right", "y": 0.01, "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.92)", "bordercolor": "#CCCCCC", "borderwidth": 1,
            "font": {"size": 11}, "tracegroupgap": 4, "groupclick": "toggleitem",
        },
        uirevision=f"{data.level}-{data.focus.code}",
        hoverlabel={"bgcolor": "white", "font": {"family": FONT_FAMILY, "size": 13}},
        meta={"indicateur": data.indicator, "niveau": data.level, "classes": classed.classification.method},
    )
    return go.Figure(data=traces, layout=fig.layout)


def _add_point_layers(traces: list, data: MapData) -> None:
    if data.schools is not None and not data.schools.is_empty():
        positions = spread_points(data.schools["commune_insee"].to_list())
        frame = data.schools.with_columns(
            pl.Series("lon", [p[0] for p in positions]), pl.Series("lat", [p[1] for p in positions])
        )
        for kind, color in SCHOOL_TYPE_COLORS.items():
            part = frame.filter(pl.col("type") == kind)
            if part.is_empty():
                continue
            rows = list(part.iter_rows(named=True))
            traces.append(
                go.Scattermap(
                    lon=part["lon"].to_list(), lat=part["lat"].to_list(), mode="markers",
                    marker={"color": color, "size": [_school_size(r["effectif"]) for r in rows], "opacity": 0.9},
                    name=SCHOOL_TYPE_LABELS[kind], legendgroup="etablissements",
                    legendgrouptitle={"text": "Établissements (taille : effectif)", "font": {"size": 11}},
                    legend="legend2", legendrank=400,
                    customdata=[[r["uai"], _school_hover(r)] for r in rows],
                    hovertemplate="%{customdata[1]}<extra></extra>",
                )
            )
    if data.mlds is not None and not data.mlds.is_empty():
        positions = spread_points(data.mlds["commune_insee"].to_list(), spacing_m=1500.0)
        rows = list(data.mlds.iter_rows(named=True))
        traces.append(
            go.Scattermap(
                lon=[p[0] for p in positions], lat=[p[1] for p in positions], mode="markers",
                marker={"color": MLDS_COLOR, "size": [round(8 + 12 * math.sqrt(min(r["places"], 80) / 80), 1) for r in rows],
                        "opacity": 0.85},
                name="Sites MLDS (taille : places)", legend="legend2", legendrank=500,
                customdata=[[r["site_code"], _mlds_hover(r)] for r in rows],
                hovertemplate="%{customdata[1]}<extra></extra>",
            )
        )
    if data.seats is not None and not data.seats.is_empty():
        base = commune_points()
        rows = list(data.seats.iter_rows(named=True))
        lons = [round(base[r["commune_insee"]][0], COORD_DECIMALS) for r in rows]
        lats = [round(base[r["commune_insee"]][1], COORD_DECIMALS) for r in rows]
        traces.append(
            go.Scattermap(
                lon=lons, lat=lats, mode="markers", marker={"color": SEAT_COLOR, "size": 13},
                name="Siège de réseau", legend="legend2", legendrank=600,
                customdata=[[r["reseau_code"], f"<b>Siège du réseau {html.escape(r['reseau_nom'])}</b><br>"
                             f"{html.escape(r['commune_nom'])}"] for r in rows],
                hovertemplate="%{customdata[1]}<extra></extra>",
            )
        )
        traces.append(
            go.Scattermap(lon=lons, lat=lats, mode="markers", marker={"color": "#FFFFFF", "size": 6},
                          hoverinfo="skip", showlegend=False, name="Siège de réseau (centre)")
        )


def selected_code(points: Sequence[dict], codes: Sequence[str]) -> str | None:
    """The territory a plotly selection event points at (first point on a territory)."""
    wanted = set(codes)
    for point in points or []:
        location = point.get("location")
        if location in wanted:
            return location
        custom = point.get("customdata")
        if isinstance(custom, list | tuple) and custom and custom[0] in wanted:
            return custom[0]
    return None


def values_table(values: pl.DataFrame, indicator: str, label: str) -> pl.DataFrame:
    """The map's figures as a table (French headers, masked values as "< 5")."""
    spec = INDICATORS[indicator]
    shown = values.filter(pl.col("etat") != OUT_OF_SCOPE)

    def cell(row: dict) -> str:
        if row["etat"] == MASKED:
            return disclosure.masked_label()
        return format_value(row["valeur"], spec.kind)

    return pl.DataFrame(
        {
            "Code": shown["code"],
            "Territoire": shown["nom"],
            label: [cell(r) for r in shown.iter_rows(named=True)],
            "valeur": shown["valeur"],
        }
    ).sort("valeur", descending=True, nulls_last=True).drop("valeur")
