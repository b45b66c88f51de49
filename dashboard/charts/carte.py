"""The map's plotly figure (geometry in ``carte_geometry``, classes and legend in ``carte_classes``).

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

import math
import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt, markup
from dashboard.charts.carte_classes import (
    BORDER_COLOR,
    DEPARTMENT_BORDER_COLOR,
    FOCUS_COLOR,
    MLDS_COLOR,
    OUT_OF_SCOPE_LINE,
    SEAT_COLOR,
    SELECTION_COLOR,
    classed_for,
    format_value,
    map_label,
)
from dashboard.charts.carte_geometry import (
    COORD_DECIMALS,
    LEVEL_KEYS,
    LevelGeometry,
    commune_points,
    department_outlines,
    label_layer,
    level_geometry,
    merge_bounds,
    short_name,
    spread_points,
    territory_outline,
    view_for_bounds,
)
from dashboard.charts.common import (
    FONT_FAMILY,
    SCHOOL_TYPE_COLORS,
    SCHOOL_TYPE_LABELS,
    french_layout,
)
from dashboard.disclosure import rule
from dashboard.publish import catalog
from dashboard.publish import columns as publish_columns
from dashboard.publish.columns import Column, Kind
from queries.carte import MapData
from queries.carte_values import INDICATORS, MASKED, MISSING, OUT_OF_SCOPE, indicator_label

# --- the figure --------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> str:
    """Plotly legend titles do not wrap: break a long title on spaces (``<br>``)."""

    return "<br>".join(markup.plotly(line) for line in textwrap.wrap(text, width))


def _hover_lines(row: dict, indicator: str, label: str, status: str | None = None) -> str:
    """The tooltip of a territory: its value under the value's own name (``label``), and, when the map
    is coloured by status, the status in a line of its own (never a percentage under a status title)."""
    spec = INDICATORS[indicator]
    name = markup.plotly(row["nom"])
    head = f"<b>{name}</b>"
    state = row["etat"]
    if state == OUT_OF_SCOPE:
        return f"{head}<br>Hors de votre périmètre"
    status_line = f"<br>Statut : {markup.plotly(status)}" if status else ""
    if state == MASKED:  # the status is published (the map is coloured by it), the value is not
        return (f"{head}<br>{markup.plotly(label)} : valeur masquée (effectif inférieur à {rule.threshold()})"
                f"{status_line}")
    if state == MISSING:
        return f"{head}<br>{markup.plotly(label)} : pas de donnée"
    lines = [head, f"{markup.plotly(label)} : <b>{format_value(row['valeur'], spec.kind)}</b>"]
    if spec.kind != "count" and row["numerateur"] is not None:
        den = row["denominateur"]
        lines.append(f"{spec.numerator} : {fmt.integer(row['numerateur'])} · {spec.denominator} : {fmt.integer(den)}")
    return "<br>".join(lines) + status_line


def _school_hover(row: dict) -> str:
    kind = SCHOOL_TYPE_LABELS.get(row["type"], row["type"])
    sector = "public" if row["secteur"] == "PUBLIC" else "privé sous contrat"
    ep = f" · {row['education_prioritaire']}" if row.get("education_prioritaire") else ""
    if row["effectif_masque"]:
        enrolment = rule.masked_label()
    elif row["effectif"] is None:
        enrolment = fmt.MISSING
    else:
        enrolment = f"{fmt.integer(row['effectif'])} élèves"
    return (
        f"<b>{markup.plotly(row['nom'])}</b><br>{kind} · {sector}{ep}<br>"
        f"Commune : {markup.plotly(row['commune_nom'])}<br>Effectif : {enrolment}"
    )


def _mlds_hover(row: dict) -> str:
    accueillis = rule.masked_label() if row["jeunes_accueillis"] is None else fmt.integer(row["jeunes_accueillis"])
    return (
        f"<b>Site MLDS — {markup.plotly(row['nom'])}</b><br>Commune : {markup.plotly(row['commune_nom'])}<br>"
        f"Places : {fmt.integer(row['places'])}<br>Jeunes accueillis : {accueillis}<br>"
        f"Taux d'occupation : {fmt.percent(row['taux_occupation'], 0)}"
    )


def _school_size(effectif: int | None) -> float:
    if effectif is None:
        return 5.0
    return round(5.0 + 13.0 * math.sqrt(min(effectif, 2500) / 2500.0), 1)


def focus_bounds(data: MapData, geometry: LevelGeometry, view=None) -> tuple[float, float, float, float]:
    """Bounds of the territory in view (``view``, else the focus territory: its networks' shapes),
    or of the whole académie."""
    territory = view or data.focus
    if territory.niveau == "academie":
        return merge_bounds(list(geometry.bounds.values()))
    networks = level_geometry(data.breakdown, "reseau")
    boxes = [networks.bounds[r] for r in territory.reseaux if r in networks.bounds]
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
    view=None,
    height: int = MAP_HEIGHT,
    width_hint: int = 640,
    labels: bool = True,
) -> go.Figure:
    """The choropleth of ``data`` with department borders, labels and the optional layers; ``view``
    (a territory above the map's level, e.g. a department clicked before choosing « PSAD ») is
    zoomed into and outlined."""
    geometry = level_geometry(data.breakdown, data.level)
    classed = classed_for(data)
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
        value_name = indicator_label(data.indicator, data.type_etab)
        status = entry.label if data.by_status else None
        customdata = [[c, _hover_lines(rows[c], data.indicator, value_name, status)] for c in codes]
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
    lons, lats = department_outlines(data.breakdown)
    traces.append(
        go.Scattermap(lon=list(lons), lat=list(lats), mode="lines", line={"color": DEPARTMENT_BORDER_COLOR, "width": 2.2},
                      hoverinfo="skip", showlegend=False, name="Limites départementales")
    )
    f_lons, f_lats = focus_outline(data)
    if f_lons:
        traces.append(
            go.Scattermap(lon=f_lons, lat=f_lats, mode="lines", line={"color": FOCUS_COLOR, "width": 3.2},
                          hoverinfo="skip", showlegend=True, name=f"Territoire filtré : {markup.plotly(data.focus.label)}",
                          legend="legend2", legendrank=300)
        )
    if view is not None and view.code != data.focus.code and view.niveau in LEVEL_KEYS:
        v_lons, v_lats = territory_outline(data.breakdown, view.niveau, view.code)
        traces.append(
            go.Scattermap(lon=v_lons, lat=v_lats, mode="lines", line={"color": SELECTION_COLOR, "width": 3.6},
                          hoverinfo="skip", showlegend=False, name="Territoire agrandi")
        )
    if selected and selected in geometry.features:
        s_lons, s_lats = territory_outline(data.breakdown, data.level, selected)
        traces.append(
            go.Scattermap(lon=s_lons, lat=s_lats, mode="lines", line={"color": SELECTION_COLOR, "width": 3.6},
                          hoverinfo="skip", showlegend=False, name="Territoire sélectionné")
        )
    _add_point_layers(traces, data)

    bounds = focus_bounds(data, geometry, view)
    center, zoom = view_for_bounds(bounds, width_hint, height)
    layers = []
    if labels:
        all_bounds = merge_bounds(list(geometry.bounds.values()))
        margin = 0.15
        image_bounds = (all_bounds[0] - margin, all_bounds[1] - margin, all_bounds[2] + margin, all_bounds[3] + margin)
        texts = tuple(
            (map_label(short_name(rows[c]["nom"]), classed.group_of(c)), *geometry.label_points[c])
            for c in geometry.features if c in rows
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
        uirevision=f"{data.level}-{data.focus.code}-{view.code if view is not None else ''}",
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
                customdata=[[r["reseau_code"], f"<b>Siège du réseau {markup.plotly(r['reseau_nom'])}</b><br>"
                             f"{markup.plotly(r['commune_nom'])}"] for r in rows],
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


def values_table(values: pl.DataFrame, indicator: str, label: str, *, codes: Sequence[str] | None = None,
                 status: bool = False) -> publish_columns.Table:
    """The map's figures as a declared table (the indicator's kind, masked values marked): the
    territory's name, the indicator under its own name (``label``) and, when the map is coloured
    by status, the status beside it; only the territories ``codes`` when given (those of the
    territory in view)."""
    spec = INDICATORS[indicator]
    shown = values.filter(pl.col("etat") != OUT_OF_SCOPE)
    if codes is not None:
        shown = shown.filter(pl.col("code").is_in(list(codes)))
    shown = shown.sort("valeur", descending=True, nulls_last=True)
    columns = [Column("code", "Code", Kind.CODE), Column("nom", "Territoire", Kind.LABEL),
               catalog.indicator_column("valeur", label, spec.kind)]
    if status and "statut" in shown.columns:
        columns.append(catalog.RACCROCHAGE["statut"])
    marks = [{"valeur": m} if e == MASKED else {} for e, m in zip(shown["etat"].to_list(), shown["marque"].to_list(),
                                                                   strict=True)]
    sources = {"absenteisme": ("absenteisme",), "couverture_referents": ("prevention",),
               "eleves_reperes_pour_1000": ("prevention", "absenteisme")}.get(indicator, ("raccrochage", "population"))
    return publish_columns.table("Carte", shown, columns, marks=marks, sources=sources)
