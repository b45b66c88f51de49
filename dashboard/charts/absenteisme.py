"""Absenteeism figures (plotly) for the Absentéisme page. Inputs are the disclosed frames of
``queries.absenteisme`` / ``queries.absenteisme_etablissements`` (masked rates are nulls).

The x axis of monthly charts is the school year, September to June, as French month names on a
categorical axis; a month without data (or masked) is a gap, never a zero (``connectgaps=False``).
Rates are plotted in percent (``ticksuffix`` " %", French separators from ``french_layout``);
hover texts are preformatted with ``dashboard.fmt``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboard import fmt, schoolyear
from dashboard.charts.absenteisme_tables import MASKED_RATE
from dashboard.charts.common import (
    BLUE_FRANCE,
    GREY,
    LIGHT_GREY,
    OKABE_ITO,
    SCHOOL_TYPE_COLORS,
    chart_text,
    empty_figure,
    french_layout,
)
from dashboard.charts.secret_marks import line_marks, mark_trace
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.schoolyear import month_rank
from queries.absenteisme import ALL, EP_LABELS, SECTOR_LABELS, TYPE_LABELS
from queries.absenteisme_references import reference_text

PERCENT_SUFFIX = "\u00a0%"
REFERENCE_COLOR = "#000000"
SECTOR_COLORS = {"PUBLIC": "#0072B2", "PRIVE": "#E69F00"}
EP_COLORS = {"REP+": "#D55E00", "REP": "#CC79A7", "HORS_EP": "#0072B2"}
MASKED_NOTE = ("Taux masqués (secret statistique : moins de {n} élèves absentéistes, ou moins de {n} élèves) : "
               "la courbe s'interrompt au mois masqué, marqué d'un cercle gris et de sa marque ; notés « s » dans la carte "
               "de chaleur et les tableaux.")
MASKED_HOVER = "masqué (secret statistique)"
HEATMAP_SCALE = [[0.0, "#FFF7EC"], [0.35, "#FDBB84"], [0.7, "#EF6548"], [1.0, "#990000"]]


def month_axis(annee: str, frame: pl.DataFrame | None = None) -> list[str]:
    """Months of the school year on the x axis: September → June (later months if data has them)."""
    last = 9
    if frame is not None and not frame.is_empty():
        last = max(last, int(frame["rang"].max()))
    return schoolyear.months(annee, last)


def month_tick(mois: str) -> str:
    """Short French month name for an axis tick: "sept.", "oct."…"""
    return fmt.month_name(int(mois[5:7]), short=True)


def _empty(message: str, height: int = 300) -> go.Figure:
    return empty_figure(message, height)


def _series(frame: pl.DataFrame, months: Sequence[str]) -> tuple[list, list]:
    """(y in percent with None gaps, hover texts) on the ``months`` axis, matched by month rank."""
    by_rank = {r["rang"]: r for r in frame.iter_rows(named=True)}
    ys, texts = [], []
    for mois in months:
        row = by_rank.get(month_rank(mois))
        if row is None:
            ys.append(None)
            texts.append("pas de données")
        elif row["taux"] is None:
            ys.append(None)
            texts.append(MASKED_HOVER if row["masque"] else "pas de données")
        else:
            ys.append(row["taux"] * 100)
            texts.append(fmt.percent(row["taux"]))
    return ys, texts


def _marks(frame: pl.DataFrame, months: Sequence[str]) -> list[str | None]:
    """The mark of each masked month of ``frame`` on the ``months`` axis (its decided mark, « s » for
    a rate when none is given), None where the rate is shown or absent."""
    by_rank = {r["rang"]: r for r in frame.iter_rows(named=True)}
    out = []
    for mois in months:
        row = by_rank.get(month_rank(mois))
        masked = row is not None and row["taux"] is None and row.get("masque")
        out.append((row.get("marque") or disclosure_marks.SECONDARY) if masked else None)
    return out


def _line(x, y, texts, name: str, label: str, color: str, *, dash: str = "solid", width: float = 2.5,
          group: str | None = None, mode: str = "lines+markers") -> go.Scatter:
    return go.Scatter(
        x=x, y=y, name=name, mode=mode, connectgaps=False, legendgroup=group or name,
        line={"color": color, "dash": dash, "width": width}, marker={"size": 5 if dash == "solid" else 4},
        customdata=texts, hovertemplate=f"{label}<br>%{{x}} : %{{customdata}}<extra></extra>",
    )


def _percent_axes(fig: go.Figure) -> None:
    fig.update_yaxes(ticksuffix=PERCENT_SUFFIX, rangemode="tozero", tickformat=",.1~f")


def has_masked(frame: pl.DataFrame) -> bool:
    return "masque" in frame.columns and bool(frame["masque"].any())


def masked_note() -> str:
    return MASKED_NOTE.format(n=rule.threshold())


# --- monthly series per school type -------------------------------------------------------------


def monthly_by_type(monthly: pl.DataFrame, annee: str, previous: str, types: Sequence[str], *,
                    territory_label: str, academie: pl.DataFrame | None = None,
                    references: Mapping[str, dict] | None = None, columns: int = 3) -> go.Figure:
    """Small multiples, one panel per school type: the selected year (solid), the previous year
    (dotted), the académie (grey, when given) and the national reference (dashed black line)."""
    types = [t for t in types if t in set(monthly["groupe"])]
    if not types:
        return _empty("Aucune donnée d'absentéisme pour cette sélection.")
    territory_label = chart_text(territory_label)
    months = month_axis(annee, monthly)
    x = [month_tick(m) for m in months]
    columns = min(columns, len(types))
    rows = math.ceil(len(types) / columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[TYPE_LABELS.get(t, t) for t in types],
                        horizontal_spacing=0.06, vertical_spacing=0.16 if rows > 1 else 0.1)
    references = references or {}
    in_legend: set[str] = set()

    def add(trace: go.Scatter, row: int, col: int) -> None:
        trace.showlegend = trace.legendgroup not in in_legend
        in_legend.add(trace.legendgroup)
        fig.add_trace(trace, row=row, col=col)

    for i, school_type in enumerate(types):
        row, col = i // columns + 1, i % columns + 1
        color = SCHOOL_TYPE_COLORS.get(school_type, GREY)
        label = TYPE_LABELS.get(school_type, school_type)
        part = monthly.filter(pl.col("groupe") == school_type)
        before = part.filter(pl.col("annee_scolaire") == previous)
        if not before.is_empty():
            y, texts = _series(before, months)
            add(_line(x, y, texts, previous, f"{label} — {territory_label}, {previous}", color, dash="dot",
                      width=2, group="prev"), row, col)
            if (marks := line_marks(x, y, _marks(before, months), f"{label}, {previous}", color)) is not None:
                add(marks, row, col)
        if academie is not None:
            acad = academie.filter((pl.col("groupe") == school_type) & (pl.col("annee_scolaire") == annee))
            if not acad.is_empty():
                y, texts = _series(acad, months)
                add(_line(x, y, texts, f"Académie, {annee}", f"{label} — académie, {annee}", GREY, width=1.5,
                          group="acad", mode="lines"), row, col)
        current = part.filter(pl.col("annee_scolaire") == annee)
        y, texts = _series(current, months)
        add(_line(x, y, texts, f"{territory_label}, {annee}", f"{label} — {territory_label}, {annee}", color,
                  group="cur"), row, col)
        if (marks := line_marks(x, y, _marks(current, months), f"{label}, {annee}", color)) is not None:
            add(marks, row, col)
        ref = references.get(school_type)
        if ref:
            add(go.Scatter(
                x=[x[0], x[-1]], y=[ref["taux"] * 100] * 2, mode="lines", name="Référence nationale",
                legendgroup="ref", line={"color": REFERENCE_COLOR, "dash": "dash", "width": 1.2},
                hovertemplate=f"{label} — référence nationale {annee} : {reference_text(ref)}<extra></extra>",
            ), row, col)
    _percent_axes(fig)
    fig.update_xaxes(categoryorder="array", categoryarray=x)
    return french_layout(fig, height=300 * rows + 80)


def heatmap(monthly: pl.DataFrame, annee: str, types: Sequence[str]) -> go.Figure:
    """School type × month heatmap of the selected year's rates (blank: no data or masked)."""
    current = monthly.filter(pl.col("annee_scolaire") == annee)
    types = [t for t in types if t in set(current["groupe"])]
    if not types:
        return _empty("Aucune donnée d'absentéisme pour cette sélection.", height=200)
    months = month_axis(annee, current)
    z, text = [], []
    for school_type in types:
        y, _ = _series(current.filter(pl.col("groupe") == school_type), months)
        by_rank = {r["rang"]: r for r in current.filter(pl.col("groupe") == school_type).iter_rows(named=True)}
        z.append(y)
        text.append([
            MASKED_RATE if (r := by_rank.get(month_rank(m))) and r["masque"]
            else ("" if v is None else fmt.percent(v / 100)) for m, v in zip(months, y, strict=True)
        ])
    labels = [TYPE_LABELS.get(t, t) for t in types]
    fig = go.Figure(go.Heatmap(
        z=z, x=[month_tick(m) for m in months], y=labels, text=text, texttemplate="%{text}",
        colorscale=HEATMAP_SCALE, hoverongaps=False, xgap=2, ygap=2,
        colorbar={"title": {"text": "Taux"}, "ticksuffix": PERCENT_SUFFIX},
        hovertemplate="%{y}, %{x} : %{text}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(showgrid=False, side="top")
    return french_layout(fig, height=90 + 48 * len(types))


# --- sector and priority education --------------------------------------------------------------


def group_lines(monthly: pl.DataFrame, annee: str, by: str, rate_label: str = "Taux") -> go.Figure:
    """Monthly rate of the selected year per sector (``by="secteur"``) or priority education
    group (``by="ep"``); ``rate_label`` names the rate in the hover and on the axis."""
    labels, colors = (SECTOR_LABELS, SECTOR_COLORS) if by == "secteur" else (EP_LABELS, EP_COLORS)
    current = monthly.filter(pl.col("annee_scolaire") == annee)
    if current.is_empty():
        return _empty("Aucune donnée pour cette sélection.")
    months = month_axis(annee, current)
    x = [month_tick(m) for m in months]
    fig = go.Figure()
    for group in [g for g in labels if g in set(current["groupe"])]:
        rows = current.filter(pl.col("groupe") == group)
        y, texts = _series(rows, months)
        fig.add_trace(_line(x, y, texts, labels[group], f"{rate_label} — {labels[group]}, {annee}", colors[group]))
        marks = line_marks(x, y, _marks(rows, months), f"{rate_label} — {labels[group]}", colors[group],
                           legend=not any(t.legendgroup == "secret" for t in fig.data))
        if marks is not None:
            fig.add_trace(marks)
    _percent_axes(fig)
    fig.update_yaxes(title_text=rate_label)
    fig.update_xaxes(categoryorder="array", categoryarray=x)
    return french_layout(fig, height=360)


# --- territories one level below ----------------------------------------------------------------


def children_bars(children: pl.DataFrame, parent: pl.DataFrame, parent_label: str,
                  types: Sequence[str]) -> go.Figure:
    """Grouped bars: rate over the year per school type (x) for each sub-territory, with the
    selected territory's rate as a black tick per type."""
    groups = [t for t in (*types, ALL) if t in set(children["groupe"])]
    if not groups:
        return _empty("Aucune donnée pour les territoires de niveau inférieur.")
    x = [TYPE_LABELS.get(g, "Tous types") for g in groups]
    fig = go.Figure()
    names = children.select("territoire_code", "territoire_nom").unique(maintain_order=True)
    parent_label = chart_text(parent_label)
    for i, (code, name) in enumerate(names.iter_rows()):
        name = chart_text(name)
        part = {r["groupe"]: r for r in children.filter(pl.col("territoire_code") == code).iter_rows(named=True)}
        y = [(part[g]["taux"] * 100 if g in part and part[g]["taux"] is not None else None) for g in groups]
        texts = [_rate_text(part.get(g)) for g in groups]
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=OKABE_ITO[i % len(OKABE_ITO)],
                             customdata=texts, hovertemplate=f"{name}<br>%{{x}} : %{{customdata}}<extra></extra>"))
        marks = mark_trace(x, [MASKED_RATE if g in part and part[g]["taux"] is None and part[g].get("masque") else None
                               for g in groups], f"{name}, taux")
        if marks is not None:
            fig.add_trace(marks)
    ref = {r["groupe"]: r for r in parent.iter_rows(named=True)}
    y = [(ref[g]["taux"] * 100 if g in ref and ref[g]["taux"] is not None else None) for g in groups]
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="markers", name=parent_label, customdata=[_rate_text(ref.get(g)) for g in groups],
        marker={"symbol": "line-ew-open", "size": 40, "color": "#000000", "line": {"width": 3, "color": "#000000"}},
        hovertemplate=f"{parent_label}<br>%{{x}} : %{{customdata}}<extra></extra>",
    ))
    _percent_axes(fig)
    fig.update_layout(barmode="group", bargap=0.25)
    return french_layout(fig, height=420)


def _rate_text(row: dict | None) -> str:
    if row is None:
        return "pas d'établissement"
    if row["masque"]:
        return MASKED_HOVER
    return fmt.percent(row["taux"])


# --- schools ------------------------------------------------------------------------------------


def distribution_box(table: pl.DataFrame, dist: pl.DataFrame, types: Sequence[str]) -> go.Figure:
    """Distribution across schools of the yearly rate, one box per type: the box spans the
    quartiles and the whiskers the 10th and 90th percentiles of every school (``dist``); the
    points are the schools whose rate is disclosed (``table``)."""
    shown = table.filter(pl.col("taux").is_not_null())
    stats = {r["type"]: r for r in dist.iter_rows(named=True)}
    types = [t for t in types if t in set(shown["type"]) or (stats.get(t) or {}).get("q50") is not None]
    if not types:
        return _empty("Aucun établissement dont le taux est diffusable.")
    fig = go.Figure()
    for school_type in types:
        label = TYPE_LABELS.get(school_type, school_type)
        color = SCHOOL_TYPE_COLORS.get(school_type, GREY)
        q = stats.get(school_type) or {}
        if q.get("q50") is not None:
            hover = (f"{label} ({fmt.integer(q['etablissements'])} établissements)<br>"
                     f"90 % sous {fmt.percent(q['q90'])}<br>75 % sous {fmt.percent(q['q75'])}<br>"
                     f"médiane {fmt.percent(q['q50'])}<br>25 % sous {fmt.percent(q['q25'])}<br>"
                     f"10 % sous {fmt.percent(q['q10'])}")
            fig.add_trace(go.Box(
                x=[label], lowerfence=[q["q10"] * 100], q1=[q["q25"] * 100], median=[q["q50"] * 100],
                q3=[q["q75"] * 100], upperfence=[q["q90"] * 100], name=label, showlegend=False,
                line={"color": color}, fillcolor="rgba(0,0,0,0)", hoverinfo="skip",
            ))
            fig.add_trace(go.Scatter(x=[label], y=[q["q50"] * 100], mode="markers", showlegend=False,
                                     marker={"size": 26, "color": color, "opacity": 0},
                                     hovertemplate=hover + "<extra></extra>"))
        part = shown.filter(pl.col("type") == school_type)
        fig.add_trace(go.Box(
            x=[label] * part.height, y=(part["taux"] * 100).to_list(), name=label, boxpoints="all", jitter=0.5,
            pointpos=0, line={"width": 0, "color": "rgba(0,0,0,0)"}, fillcolor="rgba(0,0,0,0)", showlegend=False,
            marker={"color": color, "size": 5, "opacity": 0.55}, hoveron="points",
            customdata=[f"{chart_text(n)} ({chart_text(c)}) : {fmt.percent(t)}"
                        for n, c, t in part.select("nom", "commune", "taux").iter_rows()],
            hovertemplate="%{customdata}<extra></extra>",
        ))
    _percent_axes(fig)
    fig.update_layout(boxmode="overlay")
    fig.update_xaxes(categoryorder="array", categoryarray=[TYPE_LABELS.get(t, t) for t in types])
    return french_layout(fig, height=440)


def concentration_bars(conc: pl.DataFrame) -> go.Figure:
    """Share of all absentees held by the worst tenth of schools, per type and overall."""
    shown = conc.filter(pl.col("part").is_not_null())
    if shown.is_empty():
        return _empty("Trop peu d'établissements pour calculer la concentration.", height=200)
    labels = [TYPE_LABELS.get(g, "Tous types") for g in shown["groupe"]]
    texts = [fmt.percent(p, 0) for p in shown["part"]]
    hovers = [f"{lab} : les {fmt.integer(k)} établissements les plus touchés (sur {fmt.integer(n)}) "
              f"regroupent {fmt.percent(p)} des élèves absentéistes"
              for lab, k, n, p in zip(labels, shown["etablissements_dixieme"], shown["etablissements"],
                                      shown["part"], strict=True)]
    colors = [BLUE_FRANCE if g == ALL else SCHOOL_TYPE_COLORS.get(g, LIGHT_GREY) for g in shown["groupe"]]
    fig = go.Figure(go.Bar(
        x=(shown["part"] * 100).to_list(), y=labels, orientation="h", marker_color=colors, text=texts,
        textposition="outside", customdata=hovers, hovertemplate="%{customdata}<extra></extra>",
    ))
    fig.update_xaxes(ticksuffix=PERCENT_SUFFIX, range=[0, 100])
    fig.update_yaxes(autorange="reversed")
    return french_layout(fig, height=80 + 40 * shown.height)
