"""Prevention figures (plotly) for the Prévention page: referent coverage by school type and by
function, the GPDS chain per 1 000 pupils (territory, sub-territories, month by month) and the MLDS
sites. Inputs are the disclosed frames of ``queries.prevention``: a masked value is null and flagged
(``masque_<count>``), drawn as a gap and written with its mark (« < 5 », « s »), never as a zero.

Every name that comes from the data (territories, sites) is escaped (``html.escape``) before it goes
into a label, a category or a hover text: plotly reads a few HTML tags in its texts.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt, schoolyear
from dashboard.charts.common import BLUE_FRANCE, GREY, LIGHT_GREY, OKABE_ITO, empty_figure, french_layout
from dashboard.charts.secret_marks import hbar_marks, line_marks
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.schoolyear import month_rank
from queries.prevention import CHAIN_LABELS, COVERAGE_TARGET_TEXT

COUNTS = tuple(CHAIN_LABELS)
WITH_REFERENT, WITHOUT_REFERENT = BLUE_FRANCE, "#D55E00"
REFERENCE_COLOR = "#9E9E9E"
STEP_COLORS = {"eleves_reperes": BLUE_FRANCE, "eleves_suivis": "#0072B2", "solutions_internes": "#009E73",
               "signalements_plateforme": "#E69F00"}
STEP_SHORT = {"eleves_reperes": "Repérés", "eleves_suivis": "Suivis par le GPDS",
              "solutions_internes": "Solution interne", "signalements_plateforme": "Signalés à la plateforme"}
PASSAGE = {"eleves_suivis": ("part_suivis", "des repérés"),
           "solutions_internes": ("part_solutions_internes", "des suivis")}
PER_1000 = "pour 1 000 élèves"


def per_1000_text(value: float | None) -> str:
    """« 40,9 » (a rate per 1 000 pupils, one decimal)."""
    return fmt.number(value, 1)


def _mark_text(masked: bool, count: bool = False) -> str:
    return rule.masked_label() if count and masked else disclosure_marks.SECONDARY_LABEL


# --- referents ----------------------------------------------------------------------------------


def coverage_figure(by_type: pl.DataFrame) -> go.Figure:
    """Schools with and without a referent per school type (stacked bars; « Ensemble » is in the
    tiles and tables), the coverage and the schools still without one under each type's name."""
    rows = [r for r in by_type.to_dicts() if r["groupe"] != "ENSEMBLE"]
    if not rows or not sum(r["etablissements"] for r in rows):
        return empty_figure("Aucun établissement dans ce territoire.", height=260)
    labels = []
    for r in rows:
        detail = fmt.percent(r["couverture"]) + (f" · {fmt.integer(r['sans_referent'])} sans référent"
                                                 if r["sans_referent"] else "")
        labels.append(f"{html.escape(r['libelle'])}<br><span style='font-size:11px;color:{GREY}'>{detail}</span>")
    fig = go.Figure()
    for key, name, color in (("avec_referent", "Avec un référent", WITH_REFERENT),
                             ("sans_referent", "Sans référent", WITHOUT_REFERENT)):
        hovers = [f"<b>{html.escape(r['libelle'])}</b><br>{name} : {fmt.integer(r[key])} sur "
                  f"{fmt.integer(r['etablissements'])} établissements" for r in rows]
        fig.add_trace(go.Bar(y=labels, x=[r[key] for r in rows], orientation="h", name=name, marker_color=color,
                             customdata=hovers, hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        y=labels, x=[r["etablissements"] for r in rows], mode="text", showlegend=False, hoverinfo="skip",
        text=[f" {fmt.integer(r['avec_referent'])} / {fmt.integer(r['etablissements'])}" for r in rows],
        textposition="middle right", textfont={"size": 12, "color": "#1E1E1E"}, cliponaxis=False,
    ))
    top = max(r["etablissements"] for r in rows)
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(range=[0, top * 1.4], tickformat=",.0f")
    fig.update_yaxes(autorange="reversed")
    fig = french_layout(fig, height=150 + 46 * len(rows))
    fig.update_layout(legend={"y": 1.02, "yanchor": "bottom", "traceorder": "normal"}, margin={"t": 40})
    return fig


GROUP_LINES = {"DIRECTION_ENSEIGNANTS": "Personnels de direction<br>et enseignants"}


def functions_figure(groups: pl.DataFrame, territory_label: str, annee: str, reference_year: int | None = None) -> go.Figure:
    """Share of the referents in each group of functions (CPE; personnels de direction and
    teachers; the others) against the académie's reference count (``reference_year``: Poitiers,
    2014, 275 referents) when it has one."""
    if groups.is_empty() or not groups["referents"].sum():
        return empty_figure("Aucun référent nommé cette année.", height=260)
    labels = [GROUP_LINES.get(g, html.escape(lab)) for g, lab in zip(groups["groupe"], groups["libelle"], strict=True)]
    plain_labels = [html.escape(v) for v in groups["libelle"].to_list()]
    name = f"{html.escape(territory_label)}, {annee}"
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=[p * 100 for p in groups["part"].to_list()], orientation="h", name=name,
        marker_color=BLUE_FRANCE, text=[fmt.percent(p) for p in groups["part"].to_list()], textposition="outside",
        cliponaxis=False,
        customdata=[f"{name}<br>{lab} : {fmt.integer(n)} référents ({fmt.percent(p)})"
                    for lab, n, p in zip(plain_labels, groups["referents"], groups["part"], strict=True)],
        hovertemplate="%{customdata}<extra></extra>",
    ))
    known = groups["part_reference"].is_not_null().all()
    if known:
        total = int(groups["reference"].sum())
        fig.add_trace(go.Bar(
            y=labels, x=[p * 100 for p in groups["part_reference"].to_list()], orientation="h",
            name=f"Académie, {reference_year} ({fmt.integer(total)} référents)", marker_color=REFERENCE_COLOR,
            text=[fmt.percent(p) for p in groups["part_reference"].to_list()], textposition="outside", cliponaxis=False,
            customdata=[f"Académie, {reference_year}<br>{lab} : {fmt.integer(n)} référents sur {fmt.integer(total)} "
                        f"({fmt.percent(p)})"
                        for lab, n, p in zip(plain_labels, groups["reference"], groups["part_reference"], strict=True)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
    top = max([*groups["part"].to_list(), *groups["part_reference"].drop_nulls().to_list()]) * 100
    fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.05, legend={"traceorder": "normal"})
    fig.update_xaxes(ticksuffix="\u00a0%", range=[0, top * 1.3])
    fig.update_yaxes(autorange="reversed")
    return french_layout(fig, height=150 + 40 * 5)


# --- the GPDS chain -------------------------------------------------------------------------------


def chain_figure(row: dict, reference: dict | None = None, reference_label: str = "") -> go.Figure:
    """The chain of one territory per 1 000 pupils, step under step: repérés → suivis → solution
    interne → signalés à la plateforme, the share passed on beside each step's name;
    ``reference`` (the académie's row) in grey under the territory's bar."""
    if not row.get("eleves") and not any(row.get(f"masque_{c}") for c in COUNTS):
        return empty_figure("Aucune activité de GPDS ni effectif pour ce territoire cette année.", height=320)
    labels = []
    for column in COUNTS:
        label = STEP_SHORT[column]
        if column in PASSAGE and row.get(PASSAGE[column][0]) is not None:
            key, of = PASSAGE[column]
            label += f"<br><span style='font-size:11px;color:{GREY}'>{fmt.percent(row[key], 0)} {of}</span>"
        labels.append(label)
    fig = go.Figure()
    series = [(row, html.escape(row["territoire_nom"]), BLUE_FRANCE)]
    if reference is not None:
        series.append((reference, html.escape(reference_label or reference["territoire_nom"]), LIGHT_GREY))
    for data, name, color in series:
        values = [data.get(f"{c}_pour_1000") for c in COUNTS]
        texts = [_mark_text(True) if data.get(f"masque_{c}") else per_1000_text(v)
                 for c, v in zip(COUNTS, values, strict=True)]
        hovers = [f"<b>{name}</b><br>{CHAIN_LABELS[c]} : {t} {PER_1000}"
                  + ("" if data.get(f"masque_{c}") else f" ({fmt.integer(data.get(c))} élèves)")
                  for c, t in zip(COUNTS, texts, strict=True)]
        fig.add_trace(go.Bar(y=labels, x=values, orientation="h", name=name, marker_color=color, text=texts,
                             textposition="outside", cliponaxis=False, customdata=hovers,
                             hovertemplate="%{customdata}<extra></extra>"))
        marks = hbar_marks(labels, [t if data.get(f"masque_{c}") else None for c, t in zip(COUNTS, texts, strict=True)],
                           name)
        if marks is not None:
            fig.add_trace(marks)
    top = max([v for data, _n, _c in series for v in (data.get(f"{c}_pour_1000") for c in COUNTS) if v] + [1])
    fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.05, showlegend=reference is not None)
    fig.update_xaxes(range=[0, top * 1.2], tickformat=",.0f")
    fig.update_yaxes(autorange="reversed")
    fig = french_layout(fig, height=360 if reference is not None else 320)
    fig.update_layout(legend={"y": 1.02, "yanchor": "bottom", "traceorder": "normal"}, margin={"t": 40})
    return fig


def children_figure(chain: pl.DataFrame) -> go.Figure:
    """Pupils spotted and followed per 1 000 pupils in each sub-territory (the territory's own
    rates as dotted lines)."""
    head, subs = chain.head(1).row(0, named=True), chain.slice(1)
    if subs.is_empty():
        return empty_figure("Pas de territoire de niveau inférieur.", height=220)
    names = [html.escape(n) for n in subs["territoire_nom"].to_list()]
    fig = go.Figure()
    for column, color in (("eleves_reperes", BLUE_FRANCE), ("eleves_suivis", "#56B4E9")):
        values = subs[f"{column}_pour_1000"].to_list()
        masked = subs[f"masque_{column}"].to_list()
        texts = [_mark_text(True) if m else per_1000_text(v) for v, m in zip(values, masked, strict=True)]
        fig.add_trace(go.Bar(
            y=names, x=values, orientation="h", name=f"{CHAIN_LABELS[column]} {PER_1000}", marker_color=color,
            text=texts, textposition="outside", cliponaxis=False,
            customdata=[f"<b>{n}</b><br>{CHAIN_LABELS[column]} : {t} {PER_1000}" for n, t in zip(names, texts,
                                                                                                   strict=True)],
            hovertemplate="%{customdata}<extra></extra>",
        ))
        marks = hbar_marks(names, [t if m else None for t, m in zip(texts, masked, strict=True)], CHAIN_LABELS[column])
        if marks is not None:
            fig.add_trace(marks)
        if head.get(f"{column}_pour_1000") is not None:
            fig.add_vline(x=head[f"{column}_pour_1000"], line={"color": color, "width": 2, "dash": "dot"})
    values = [v for c in ("eleves_reperes", "eleves_suivis") for v in subs[f"{c}_pour_1000"].to_list() if v]
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(range=[0, max(values + [1]) * 1.15])
    fig.update_yaxes(autorange="reversed", type="category")
    fig = french_layout(fig, height=130 + 46 * subs.height)
    fig.update_layout(legend={"y": 1.02, "yanchor": "bottom", "traceorder": "normal"}, margin={"t": 40})
    return fig


def month_axis(annee: str, monthly: pl.DataFrame) -> list[str]:
    """September → June (later months when the data have them)."""
    last = max([9, *monthly["rang"].to_list()]) if monthly.height else 9
    return schoolyear.months(annee, last)


def monthly_figure(monthly: pl.DataFrame, annee: str) -> go.Figure:
    """The four steps of the chain per 1 000 pupils enrolled, month by month; a month without
    activity is a gap, a masked month a gap with its mark (a grey marker and « < 5 » / « s »)."""
    if monthly.is_empty():
        return empty_figure("Aucune activité de GPDS déclarée cette année.", height=300)
    months = month_axis(annee, monthly)
    ticks = [fmt.month_name(int(m[5:7]), short=True) for m in months]
    by_rank = {r["rang"]: r for r in monthly.iter_rows(named=True)}
    fig = go.Figure()
    masked_traces = []
    for column in COUNTS:
        ys, hovers, marks = [], [], []
        for mois in months:
            row = by_rank.get(month_rank(mois))
            value = None if row is None else row[f"{column}_pour_1000"]
            ys.append(value)
            decided = disclosure_marks.decode_marks(row.get("cellules_masquees")) if row is not None else {}
            marks.append((decided.get(column) or disclosure_marks.PRIMARY) if row is not None and row[f"masque_{column}"]
                         else None)
            if row is None:
                text = "pas de données"
            elif row[f"masque_{column}"]:
                text = "masqué (secret statistique)"
            else:
                text = f"{per_1000_text(value)} {PER_1000} ({fmt.integer(row[column])} élèves)"
            hovers.append(f"<b>{CHAIN_LABELS[column]}</b> — {fmt.month_label(mois)} : {text}")
        fig.add_trace(go.Scatter(x=ticks, y=ys, mode="lines+markers", name=CHAIN_LABELS[column],
                                 line={"color": STEP_COLORS[column], "width": 2.5}, marker={"size": 7},
                                 connectgaps=False, customdata=hovers, hovertemplate="%{customdata}<extra></extra>"))
        masked_traces.append(line_marks(ticks, ys, marks, CHAIN_LABELS[column], STEP_COLORS[column]))
    for index, trace in enumerate(t for t in masked_traces if t is not None):
        trace.showlegend = index == 0
        fig.add_trace(trace)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=ticks)
    fig.update_yaxes(title_text=f"Élèves {PER_1000} inscrits", rangemode="tozero")
    return french_layout(fig, height=380)


# --- MLDS -----------------------------------------------------------------------------------------


def mlds_figure(sites: pl.DataFrame) -> go.Figure:
    """Places (light bar) and young people (dark bar inside it) of each MLDS site, « accueillis /
    places (occupation) » after the bar; a small number of young people is masked."""
    if sites.is_empty():
        return empty_figure("Aucun site MLDS dans ce territoire.", height=220)
    names = [html.escape(n) for n in sites["nom"].to_list()]
    communes = [html.escape(c) for c in sites["commune_nom"].to_list()]
    places, young = sites["places"].to_list(), sites["jeunes_accueillis"].to_list()
    shown = [rule.masked_label() if j is None else fmt.integer(j) for j in young]
    texts = [f"{j} / {fmt.integer(p)}" + ("" if o is None else f" ({fmt.percent(o)})")
             for j, p, o in zip(shown, places, sites["taux_occupation"].to_list(), strict=True)]
    hovers = [f"<b>{n}</b> ({c})<br>Jeunes accueillis : {j} pour {fmt.integer(p)} places" for n, c, j, p in zip(
        names, communes, shown, places, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=places, orientation="h", name="Places", marker_color="#DADAEF",
                         customdata=hovers, hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Bar(y=names, x=young, orientation="h", name="Jeunes accueillis", marker_color=OKABE_ITO[2],
                         width=0.45, customdata=hovers, hovertemplate="%{customdata}<extra></extra>"))
    top = max(places + [1])
    fig.add_trace(go.Scatter(y=names, x=[p + top * 0.02 for p in places], mode="text", text=texts,
                             textposition="middle right", showlegend=False, hoverinfo="skip", cliponaxis=False,
                             textfont={"size": 12, "color": "#1E1E1E"}))
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(range=[0, top * 1.45])
    fig.update_yaxes(autorange="reversed", type="category")
    fig = french_layout(fig, height=110 + 32 * sites.height)
    fig.update_layout(legend={"y": 1.02, "yanchor": "bottom", "traceorder": "normal"}, margin={"t": 40})
    return fig


TARGET_NOTE = f"Cible : {COVERAGE_TARGET_TEXT}."
