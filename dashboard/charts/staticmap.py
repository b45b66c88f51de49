"""The map as a PNG, without a browser (geopandas + matplotlib, Agg backend): for slides.

Same classes, palette, legend and labels as the interactive map (``dashboard.charts.carte``):
only the projection differs (Lambert-93, the French reference, instead of Web Mercator).

Usage (the slides call this)::

    png = render_map_png(conn, scope, "2014-2015", level="reseau", indicator="taux_atteinte",
                         highlight="R86-POI")

``conn`` may be a SQLAlchemy ``Connection`` or ``Engine``. With ``highlight``, that territory
(any level: a network, a PSAD, a department) gets a thick outline and the rest of the map is faded.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.patheffects as pe
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from sqlalchemy import Connection, Engine

import geodata
from dashboard.access.scope import Scope
from dashboard.charts import carte_classes as mapclasses
from dashboard.charts import carte_geometry as mapgeo
from queries import carte as q
from queries import carte_values
from queries import territoires as tq

LAMBERT = 2154
FONT = "DejaVu Sans"
FADED_ALPHA = 0.35
HIGHLIGHT_COLOR = "#000000"
MISSING_HATCH = "////"


def render_map_png(
    conn: Connection | Engine,
    scope: Scope,
    annee: str,
    level: str = "reseau",
    indicator: str = "taux_atteinte",
    highlight: str | None = None,
    *,
    type_etab: str | None = None,
    code: str | None = None,
    width_px: int = 1600,
    dpi: int = 200,
    title: str | None = None,
) -> bytes:
    """The map of ``indicator`` at ``level`` for ``annee`` as PNG bytes.

    ``highlight``: code of a territory to outline (others faded); ``code``: the territory the
    scope is checked against (default: the user's own territory); ``title``: None for the default
    title (indicator, level, year), "" for none. Raises ``AccessDenied`` outside the scope.
    """
    if isinstance(conn, Engine):
        with conn.connect() as connection:
            return render_map_png(
                connection, scope, annee, level, indicator, highlight, type_etab=type_etab, code=code,
                width_px=width_px, dpi=dpi, title=title,
            )
    focus = code or q.default_focus(scope)
    data = q.map_data(conn, scope, focus, annee, level, indicator, type_etab)
    territory = tq.resolve_territory(conn, scope, highlight, annee) if highlight else None
    return render_data_png(data, highlight=territory, width_px=width_px, dpi=dpi, title=title)


LEVEL_PHRASES = {"reseau": "Par réseau FOQUALE", "psad": "Par PSAD", "departement": "Par département"}


def default_title(data: q.MapData) -> str:
    """Two lines: the indicator, then the level and the school year."""
    return f"{data.label}\n{LEVEL_PHRASES[data.level]} · année scolaire {data.annee}"


def _highlight_geometry(data: q.MapData, territory: tq.Territory):
    """Shape of the highlighted territory: the union of its networks' shapes."""
    if territory.niveau == "academie":
        return None
    if territory.niveau in mapgeo.LEVEL_KEYS:
        geometry = mapgeo.level_geometry(data.breakdown, territory.niveau)
        shapes = geometry.shapes.set_index("code")
        if territory.code in shapes.index:
            return shapes.to_crs(LAMBERT).geometry[territory.code]
    networks = mapgeo.level_geometry(data.breakdown, "reseau").shapes
    part = networks[networks["code"].isin(territory.reseaux)].to_crs(LAMBERT)
    return shapely.union_all(part.geometry.to_numpy()) if len(part) else None


def render_data_png(
    data: q.MapData,
    highlight: tq.Territory | None = None,
    *,
    width_px: int = 1600,
    dpi: int = 200,
    title: str | None = None,
) -> bytes:
    """Render a ``MapData`` (from ``queries.carte.map_data``) to PNG bytes. Names are drawn as
    written (``$…$`` in a name is not read as mathematics)."""
    with matplotlib.rc_context({"text.parse_math": False}):
        return _render_data_png(data, highlight, width_px=width_px, dpi=dpi, title=title)


def _frame(data: q.MapData):
    """(network shapes, department shapes, bounds west/east/south/north) in Lambert-93, padded by 2 %."""
    shapes = mapgeo.level_geometry(data.breakdown, data.level).shapes.to_crs(LAMBERT).set_index("code")
    departments = mapgeo.level_geometry(data.breakdown, "departement").shapes.to_crs(LAMBERT)
    west, south, east, north = departments.total_bounds
    pad_x, pad_y = (east - west) * 0.02, (north - south) * 0.02
    return shapes, departments, (west - pad_x, east + pad_x, south - pad_y, north + pad_y)


def _draw(axes, data: q.MapData, highlight: tq.Territory | None, shapes, departments, scale: float,
          label_pt: float):
    """The territories, their borders, the outline of ``highlight`` and the labels (``label_pt``
    points, with a white halo) on ``axes``; returns the classes (for the legend)."""
    classed = mapclasses.classed_for(data)
    rows = {r["code"]: r for r in data.values.iter_rows(named=True)}
    target = _highlight_geometry(data, highlight) if highlight is not None else None
    codes = [c for c in shapes.index if c in rows]
    drawn = shapes.loc[codes]
    inside = {
        c: target is None or g.intersection(target).area > 0.01 * min(g.area, target.area)
        for c, g in drawn.geometry.items()
    }
    faces = [to_rgba(classed.color_of(c), 1.0 if inside[c] else FADED_ALPHA) for c in codes]
    edges = [
        to_rgba(mapclasses.OUT_OF_SCOPE_LINE if rows[c]["etat"] == carte_values.OUT_OF_SCOPE else "white", 1.0 if inside[c] else 0.6)
        for c in codes
    ]
    drawn.plot(ax=axes, color=faces, edgecolor=edges, linewidth=0.8 * scale)
    hatched = [c for c in codes if rows[c]["etat"] in (carte_values.MASKED, carte_values.MISSING)]
    if hatched:
        shapes.loc[hatched].plot(ax=axes, facecolor="none", edgecolor="#9A9A9A", hatch=MISSING_HATCH, linewidth=0)
    departments.boundary.plot(ax=axes, color=mapclasses.DEPARTMENT_BORDER_COLOR, linewidth=1.3 * scale)
    if target is not None:
        boundary = shapely.boundary(target)
        axes.plot(*_line_xy(boundary), color="white", linewidth=5.0 * scale, solid_joinstyle="round")
        axes.plot(*_line_xy(boundary), color=HIGHLIGHT_COLOR, linewidth=2.8 * scale, solid_joinstyle="round")

    import geopandas as gpd  # heavy: loaded when a static map is drawn

    geometry = mapgeo.level_geometry(data.breakdown, data.level)
    points = gpd.GeoSeries([shapely.Point(*geometry.label_points[c]) for c in codes], crs=4326).to_crs(LAMBERT)
    texts = []
    for code, point in zip(codes, points, strict=True):
        faded = not inside[code]
        texts.append(axes.text(
            point.x, point.y, mapclasses.map_label(mapgeo.short_name(rows[code]["nom"]), classed.group_of(code)),
            ha="center", va="center",
            fontsize=label_pt, fontweight="bold", family=FONT, linespacing=1.0,
            color="#555555" if faded else mapclasses.LABEL_COLOR,
            path_effects=[pe.withStroke(linewidth=label_pt * 0.3, foreground="white")], zorder=5,
        ))
    separate_labels(axes, texts, scale)
    return classed, target


LABEL_GAP_PX = 2.0  # the least room between two labels' boxes (their white halo), in pixels
LEADER_FROM = 0.6  # a label moved further than this many times its height gets a line to its place


def label_boxes(axes, texts) -> list:
    """The labels' boxes on the figure (pixels, ``matplotlib.transforms.Bbox``)."""
    figure = axes.figure
    if not hasattr(figure.canvas, "get_renderer"):
        FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def _overlap(a, b) -> tuple[float, float]:
    return min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)


def separate_labels(axes, texts, scale: float = 1.0, rounds: int = 200) -> None:
    """Nudge labels apart until no two boxes intersect: each overlapping pair is pushed away from
    each other along the direction where they overlap least, half the overlap each, the labels
    kept inside the figure; a label moved far from its territory's point gets a thin leader line."""
    if not texts:
        return
    figure = axes.figure
    to_display, to_data = axes.transData, axes.transData.inverted()
    anchors = [to_display.transform(t.get_position()) for t in texts]
    width, height = figure.bbox.width, figure.bbox.height
    for _ in range(rounds):
        boxes = [b.padded(LABEL_GAP_PX / 2) for b in label_boxes(axes, texts)]
        moves = [[0.0, 0.0] for _ in texts]
        for i, a in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                b = boxes[j]
                dx, dy = _overlap(a, b)
                if dx <= 0 or dy <= 0:
                    continue
                if dy <= dx:  # push apart vertically
                    sign = 1.0 if a.y0 + a.y1 >= b.y0 + b.y1 else -1.0
                    moves[i][1] += sign * (dy / 2 + 0.5)
                    moves[j][1] -= sign * (dy / 2 + 0.5)
                else:
                    sign = 1.0 if a.x0 + a.x1 >= b.x0 + b.x1 else -1.0
                    moves[i][0] += sign * (dx / 2 + 0.5)
                    moves[j][0] -= sign * (dx / 2 + 0.5)
        if not any(m[0] or m[1] for m in moves):
            break
        for text, box, (mx, my) in zip(texts, boxes, moves, strict=True):
            mx = min(max(mx, -box.x0), width - box.x1)  # stay inside the figure
            my = min(max(my, -box.y0), height - box.y1)
            x, y = to_display.transform(text.get_position())
            text.set_position(to_data.transform((x + mx, y + my)))
    for text, anchor, box in zip(texts, anchors, label_boxes(axes, texts), strict=True):
        x, y = to_display.transform(text.get_position())
        if ((x - anchor[0]) ** 2 + (y - anchor[1]) ** 2) ** 0.5 > LEADER_FROM * box.height:
            (ax0, ay0), (ax1, ay1) = to_data.transform(anchor), text.get_position()
            axes.plot([ax0, ax1], [ay0, ay1], color=mapclasses.LABEL_COLOR, linewidth=0.8 * scale, zorder=4)
            axes.plot([ax0], [ay0], marker="o", markersize=2.5 * scale, color=mapclasses.LABEL_COLOR, zorder=4)


METHODS = {"seuils": "Classes à seuils fixes", "statut": "Statut à la date du dernier bilan de chaque réseau"}


def _method(classed) -> str:
    return METHODS.get(classed.classification.method, "Classes par quantiles")


def _render_data_png(data: q.MapData, highlight: tq.Territory | None, *, width_px: int, dpi: int,
                     title: str | None) -> bytes:
    shapes, departments, (west, east, south, north) = _frame(data)
    title_text = default_title(data) if title is None else title
    top = 0.1 if title_text else 0.02
    bottom = 0.045
    map_frac = 0.66  # the legend takes the right-hand third
    map_ratio = (north - south) / (east - west)
    width_in = width_px / dpi
    height_in = width_in * map_frac * map_ratio / (1 - top - bottom)
    figure = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
    axes = figure.add_axes((0.01, bottom, map_frac, 1 - top - bottom))
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect("equal")
    axes.axis("off")
    scale = width_in / 8.0  # font sizes are tuned for an 8-inch-wide image
    classed, target = _draw(axes, data, highlight, shapes, departments, scale, 7.2 * scale)

    handles = []
    for entry in classed.legend():
        if entry.kind == "missing":
            handles.append(Patch(facecolor=entry.color, edgecolor="#9A9A9A", hatch=MISSING_HATCH, label=entry.label))
        elif entry.kind == "out":
            handles.append(Patch(facecolor=entry.color, edgecolor=mapclasses.OUT_OF_SCOPE_LINE, label=entry.label))
        else:
            handles.append(Patch(facecolor=entry.color, edgecolor="#BBBBBB", label=entry.label))
    if highlight is not None and target is not None:
        handles.append(Patch(facecolor="none", edgecolor=HIGHLIGHT_COLOR, linewidth=2.0, label=highlight.label))
    legend_title = "\n".join(textwrap.wrap(data.label, 30))
    legend = figure.legend(
        handles=handles, title=legend_title, loc="upper left", bbox_to_anchor=(map_frac + 0.03, 1 - top - 0.02),
        frameon=False, borderpad=0.4, labelspacing=0.7, handlelength=1.8, handleheight=1.3,
        prop={"family": FONT, "size": 7.4 * scale}, title_fontproperties={"family": FONT, "size": 7.8 * scale,
                                                                          "weight": "bold"},
    )
    legend._legend_box.align = "left"
    figure.text(map_frac + 0.03, bottom + 0.02, _method(classed), ha="left", va="bottom", fontsize=6.0 * scale,
                family=FONT, color="#666666")
    if title_text:
        lines = title_text.split("\n", 1)
        figure.text(0.02, 1 - top * 0.38, lines[0], ha="left", va="center", fontsize=10.5 * scale,
                    fontweight="bold", family=FONT, color="#1E1E1E")
        if len(lines) > 1:
            figure.text(0.02, 1 - top * 0.78, lines[1], ha="left", va="center", fontsize=8.0 * scale,
                        family=FONT, color="#444444")
    credit = f"{geodata.SOURCE_CREDIT} Découpage en réseaux et PSAD indicatif."
    figure.text(0.98, bottom / 2, credit, ha="right", va="center", fontsize=5.0 * scale, family=FONT,
                color="#666666")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


# --- the map of a slide: the map alone, at the size it is shown ------------------------------------------


@dataclass(frozen=True)
class SlideMap:
    """A map drawn for a slide: the PNG holds the map and its labels only, drawn at its printed size
    (``width_in`` × ``height_in``, labels at ``label_pt`` points once placed at that size); the legend,
    the method and the source are the slide's own text (editable, never shrunk with the picture)."""

    png: bytes
    width_in: float
    height_in: float
    label_pt: float
    legend_title: str
    legend: tuple[tuple[str, str, str], ...]  # (kind « class » | « missing » | « out » | « outline », colour, label)
    method: str
    label_boxes: tuple[tuple[float, float, float, float], ...] = ()  # each label's (x0, y0, x1, y1), inches


def render_slide_map(conn: Connection, scope: Scope, annee: str, *, level: str, indicator: str,
                     highlight: str | None, code: str, box_in: tuple[float, float], label_pt: float,
                     dpi: int = 200) -> SlideMap:
    """The map of ``indicator`` at ``level`` as large as fits ``box_in`` (inches, width × height)
    keeping its proportions, labels at ``label_pt`` points at that size."""
    data = q.map_data(conn, scope, code, annee, level, indicator, None)
    territory = tq.resolve_territory(conn, scope, highlight, annee) if highlight else None
    with matplotlib.rc_context({"text.parse_math": False}):
        shapes, departments, (west, east, south, north) = _frame(data)
        ratio = (north - south) / (east - west)
        width_in, height_in = box_in[0], box_in[0] * ratio
        if height_in > box_in[1]:
            width_in, height_in = box_in[1] / ratio, box_in[1]
        figure = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_xlim(west, east)
        axes.set_ylim(south, north)
        axes.set_aspect("equal")
        axes.axis("off")
        classed, target = _draw(axes, data, territory, shapes, departments, width_in / 8.0, label_pt)
        boxes = tuple((b.x0 / dpi, b.y0 / dpi, b.x1 / dpi, b.y1 / dpi) for b in label_boxes(axes, axes.texts))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    legend = [(e.kind, e.color, mapclasses.map_label(e.label, e.label) if e.kind == "class" else e.label)
              for e in classed.legend()]
    if territory is not None and target is not None:
        legend.append(("outline", HIGHLIGHT_COLOR, territory.label))
    return SlideMap(buffer.getvalue(), width_in, height_in, label_pt, data.label, tuple(legend), _method(classed),
                    boxes)


def _line_xy(boundary) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    lines = [boundary] if boundary.geom_type == "LineString" else list(boundary.geoms)
    for line in lines:
        x, y = line.xy
        xs.extend(list(x) + [float("nan")])
        ys.extend(list(y) + [float("nan")])
    return xs, ys
