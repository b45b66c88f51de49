"""Geometry of the map: the shapes of the breakdown in force (simplified, rounded, cached), the
view that frames them, and the territory labels drawn locally into an image layer."""

from __future__ import annotations

import base64
import hashlib
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import geopandas as gpd
import pandas as pd
import polars as pl
import shapely

import geodata
from dashboard.charts.carte_classes import LABEL_COLOR

COORD_DECIMALS = 5
SOURCE_CREDIT = geodata.SOURCE_CREDIT
LEVEL_KEYS = {"reseau": "reseau_code", "psad": "psad_code", "departement": "departement_code"}

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
    """The fingerprint of the breakdown shipped for Poitiers (its shapes are cached by ``geodata``)."""
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

    @cached_property
    def outlines(self) -> tuple[tuple, tuple]:
        """Every shape's rings as one lon/lat polyline (the department borders)."""
        lons, lats = outline_lines(list(self.shapes.geometry))
        return tuple(lons), tuple(lats)

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
_GEOMETRY_LOCK = threading.Lock()


def level_geometry(breakdown: pl.DataFrame | None, level: str) -> LevelGeometry:
    """Shapes of ``level`` for a breakdown (commune_insee, reseau_code, psad_code, departement_code),
    cached: dissolved and simplified once per breakdown (a new import is a new breakdown), whatever
    the académie. ``None`` is the default breakdown of Poitiers (the cached shapes of ``geodata``).
    Departments are the unions of the breakdown's communes by department.
    """
    if level not in LEVEL_KEYS:
        raise ValueError(level)
    fingerprint = default_fingerprint() if breakdown is None else breakdown_fingerprint(breakdown)
    cache_key = (fingerprint, level)
    with _GEOMETRY_LOCK:
        if cache_key in _GEOMETRY_CACHE:
            _GEOMETRY_CACHE.move_to_end(cache_key)
            return _GEOMETRY_CACHE[cache_key]
    if fingerprint == default_fingerprint():
        shapes = {"reseau": geodata.reseaux, "psad": geodata.psad, "departement": geodata.departements}[level]()
    else:
        mapping = breakdown.select("commune_insee", LEVEL_KEYS[level]).to_pandas()
        shapes = geodata.dissolve(mapping, LEVEL_KEYS[level], geodata.DISPLAY_TOLERANCE_M[level])
    built = _build_level(shapes, fingerprint, level)
    with _GEOMETRY_LOCK:
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


def department_outlines(breakdown: pl.DataFrame | None = None) -> tuple[tuple, tuple]:
    """Department borders (and the académie's outline) of a breakdown as one polyline (cached with
    the shapes)."""
    return level_geometry(breakdown, "departement").outlines


def _department_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


@lru_cache(maxsize=128)
def _department_points(departement: str) -> dict[str, tuple[float, float]]:
    every = geodata.all_communes()
    communes = every[every["departement_code"] == departement]
    if communes.empty:
        return {}
    points = communes.to_crs(2154).representative_point().to_crs(4326)
    return {code: (p.x, p.y) for code, p in zip(communes["insee"], points, strict=True)}


class _CommunePoints:
    """Representative point (lon, lat) of every commune of France, computed department by department
    when first asked (an académie's map never pays for the whole country)."""

    def get(self, insee: str, default=None):
        return _department_points(_department_of(insee)).get(insee, default)

    def __getitem__(self, insee: str) -> tuple[float, float]:
        point = self.get(insee)
        if point is None:
            raise KeyError(insee)
        return point

    def __contains__(self, insee: str) -> bool:
        return self.get(insee) is not None


_POINTS = _CommunePoints()


def commune_points() -> _CommunePoints:
    """Representative point (lon, lat) of every commune."""
    return _POINTS


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
    import matplotlib  # heavy: loaded when a chart image is drawn

    matplotlib.use("Agg", force=False)
    import matplotlib.patheffects as pe  # heavy: loaded when a chart image is drawn
    from matplotlib.figure import Figure  # heavy: loaded when a chart image is drawn

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
        axes.text(  # a name as written: ``$…$`` is not mathematics
            lon, _merc(lat), text, ha="center", va="center", fontsize=points, color=LABEL_COLOR,
            fontweight="bold", linespacing=1.0, family=["DejaVu Sans"], parse_math=False,
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
