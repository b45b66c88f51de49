"""Raccrochage figures (plotly) for the Accueil, Raccrochage and Dialogue de gestion pages: the
trajectory of cumulative raccrochés against the target, the funnel from signalled young people to
raccrochés, the achievement of the territories below. Inputs are the frames of
``queries.raccrochage`` *after* disclosure (masked values are nulls: charts draw gaps and marks).
The types of solution are drawn by ``raccrochage_solutions``, the tables and notes beside the
figures are ``raccrochage_tables``.

French everywhere: period labels are French strings on categorical axes, counts in hovers use
``%{y:,.0f}`` (separators from ``french_layout``), rates are preformatted with ``dashboard.fmt``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt
from dashboard.charts.common import (
    BLUE_FRANCE,
    GREY,
    LIGHT_GREY,
    chart_text,
    empty_figure,
    french_layout,
    legend_on_top,
)
from dashboard.charts.raccrochage_tables import frame_phase, status_text
from dashboard.charts.secret_marks import add_line_marks, line_marks, period_marks
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.publish import screen
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries.statuses import STATUS_COLORS

TARGET_COLOR = "#D55E00"
FUNNEL_LABELS = {
    "jeunes_signales": "Jeunes signalés",
    "jeunes_contactes": "Jeunes contactés",
    "entretiens": "Entretiens",
    "solutions_proposees": "Solutions proposées",
    "raccroches": "Raccrochés",
}
#: a figure masked by the disclosure rule (« s »), a count under the threshold being « < 5 »
MASKED_TEXT = disclosure_marks.SECONDARY_LABEL
#: placeholder for missing values in ``st.dataframe`` (pass as ``placeholder=``)
TABLE_PLACEHOLDER = screen.PLACEHOLDER
MASKED_NOTE = ("Valeurs masquées (secret statistique) : leur marque est écrite à la place de la barre ; une courbe "
               "s'interrompt au point masqué, marqué d'un cercle gris et de sa marque.")


LINE_MASKED_NOTE = ("Un cercle gris marqué « < 5 » ou « s » signale un point masqué (secret statistique) : la courbe "
                    "s'y interrompt, le point ne porte aucune valeur.")


def cumul_masked(*frames: pl.DataFrame) -> bool:
    """Whether a cumulative point of these period series is masked (its mark drawn on the chart)."""
    return any("raccroches_cumul" in disclosure_marks.decode_marks(cells) for frame in frames
               if "cellules_masquees" in frame.columns for cells in frame["cellules_masquees"].to_list())


def _count_text(value, masked: bool = False) -> str:
    return rule.masked_label() if masked else fmt.integer(value)


_empty = empty_figure


# --- trajectory -----------------------------------------------------------------------------------


OWN_DATE_TARGET = "Attendu à la date des bilans reçus"
FULL_DATE = " (tous réseaux, fin de période)"


@dataclass(frozen=True)
class OwnDates:
    """The territory's levels at each network's own last bilan (``queries.raccrochage`` situation)."""

    rank: int
    expected: float | None
    previous: float | None  # last year at the same dates, as published (None when masked or absent)
    previous_year: str
    previous_mark: str | None = None  # its decided mark when masked (« < 5 » or « s »)

    @property
    def previous_name(self) -> str:
        return f"{self.previous_year} à la date des bilans reçus"


def own_dates(situation: dict, shown: dict, previous_year: str, marks: dict | None = None) -> OwnDates | None:
    """The own-date points of a territory whose networks are late (phase « provisoire »), else None
    (``marks``: the situation's decided marks, for last year's level when it is masked)."""
    if situation.get("phase") != position.PROVISIONAL or situation.get("rang") is None:
        return None
    previous = shown.get("raccroches_n1") if situation.get("periode_fin_n1") else None
    mark = (marks or {}).get("raccroches_n1") if situation.get("periode_fin_n1") and previous is None else None
    return OwnDates(situation["rang"], situation.get("attendu"), previous, previous_year, mark)


def trajectory_figure(
    periodes: pl.DataFrame,
    historique: pl.DataFrame,
    trajectoire: pl.DataFrame,
    annee: str,
    objectif: int | None,
    *,
    previous_years: int = 4,
    own_dates: OwnDates | None = None,
    closed: bool = False,
) -> go.Figure:
    """Cumulative raccrochés per bimonthly period of ``annee`` against the target trajectory (an
    open year; ``closed``: the year's target alone, no trajectory),
    the previous school years as lighter lines. x: period slots of the school year.
    ``own_dates``: with late networks, the level expected of the territory and last year's level,
    both at its networks' own dates (the figures of the text), marked at the last period; the
    full-date lines are then labelled as such."""
    if periodes.is_empty() and historique.is_empty():
        return _empty("Aucun bilan reçu pour ce territoire.", height=320)
    fig = go.Figure()
    years = sorted(y for y in historique["annee_scolaire"].unique().to_list() if y < annee)[-previous_years:]
    suffix = FULL_DATE if own_dates is not None else ""
    masked_traces = []
    for age, year in enumerate(reversed(years)):
        rows = historique.filter(pl.col("annee_scolaire") == year).sort("rang")
        masked_traces.append(line_marks(rows["rang"].to_list(), rows["raccroches_cumul"].to_list(),
                                        period_marks(rows, "raccroches_cumul"), f"{year} : raccrochés cumulés",
                                        LIGHT_GREY if age else GREY))
        fig.add_trace(go.Scatter(
            x=rows["rang"].to_list(), y=rows["raccroches_cumul"].to_list(), name=year + ("" if age else suffix),
            mode="lines+markers", marker={"size": 4},  # a point between two masked ones stays visible
            line={"color": LIGHT_GREY if age else GREY, "width": 1.5, "dash": "solid"},
            opacity=max(0.35, 0.9 - 0.18 * age), legendrank=10 + age,
            customdata=[raccrochage_rules.period_label(p) for p in rows["periode_fin"].to_list()],
            hovertemplate=f"<b>{year}</b><br>%{{customdata}}<br>%{{y:,.0f}} raccrochés cumulés<extra></extra>",
        ))
    if objectif is not None and not trajectoire.is_empty() and not closed:
        fig.add_trace(go.Scatter(
            x=trajectoire["rang"].to_list(), y=trajectoire["attendu"].to_list(), mode="lines",
            name="Trajectoire de l'objectif" + suffix, line={"color": TARGET_COLOR, "width": 2, "dash": "dash"},
            legendrank=2,
            customdata=[[label, fmt.percent(share, 0)] for label, share
                        in zip(trajectoire["libelle"].to_list(), trajectoire["part_profil"].to_list(), strict=True)],
            hovertemplate="<b>Trajectoire de l'objectif</b><br>fin %{customdata[0]} : %{y:,.0f} attendus"
                          "<br>(%{customdata[1]} de l'objectif)<extra></extra>",
        ))
    if objectif is not None and not trajectoire.is_empty():  # a closed year: the target line alone, drawn firmer
        fig.add_hline(y=objectif, line={"color": TARGET_COLOR, "width": 2 if closed else 1,
                                        "dash": "dash" if closed else "dot"},
                      annotation_text=f"Objectif {annee} : {fmt.integer(objectif)}",
                      annotation_position="top left", annotation_font_color=TARGET_COLOR)
    if own_dates is not None and own_dates.expected is not None and objectif is not None and not closed:
        fig.add_trace(go.Scatter(
            x=[own_dates.rank], y=[round(own_dates.expected)], mode="markers", name=OWN_DATE_TARGET, legendrank=3,
            marker={"symbol": "diamond-open", "size": 13, "color": TARGET_COLOR, "line": {"width": 2.5, "color": TARGET_COLOR}},
            hovertemplate=f"<b>{OWN_DATE_TARGET}</b><br>%{{y:,.0f}} (chaque réseau à la date de son "
                          "dernier bilan)<extra></extra>",
        ))
    if own_dates is not None and own_dates.previous is not None:
        fig.add_trace(go.Scatter(
            x=[own_dates.rank], y=[own_dates.previous], mode="markers", name=own_dates.previous_name, legendrank=4,
            marker={"symbol": "square-open", "size": 11, "color": GREY, "line": {"width": 2.5, "color": GREY}},
            hovertemplate=f"<b>{own_dates.previous_name}</b><br>%{{y:,.0f}} raccrochés cumulés (chaque réseau "
                          "à la même date que son dernier bilan)<extra></extra>",
        ))
    elif own_dates is not None and own_dates.previous_mark:  # last year's level at the same dates, masked
        fig.add_trace(go.Scatter(
            x=[own_dates.rank], y=[0], mode="markers+text", name=own_dates.previous_name, legendrank=4,
            text=[disclosure_marks.mark_text(own_dates.previous_mark)], textposition="top center",
            textfont={"color": GREY, "size": 13},
            marker={"symbol": "square-open", "size": 11, "color": GREY, "line": {"width": 2.5, "color": GREY}},
            hovertemplate=f"<b>{own_dates.previous_name}</b> : masqué (secret statistique)<extra></extra>",
        ))
    if not periodes.is_empty():
        masked_traces.append(line_marks(periodes["rang"].to_list(), periodes["raccroches_cumul"].to_list(),
                                        period_marks(periodes, "raccroches_cumul"), f"{annee} : raccrochés cumulés",
                                        BLUE_FRANCE))
        fig.add_trace(go.Scatter(
            x=periodes["rang"].to_list(), y=periodes["raccroches_cumul"].to_list(), name=annee,
            mode="lines+markers", line={"color": BLUE_FRANCE, "width": 3}, marker={"size": 8}, legendrank=1,
            customdata=periodes["libelle"].to_list(),
            hovertemplate=f"<b>{annee}</b><br>%{{customdata}}<br>%{{y:,.0f}} raccrochés cumulés<extra></extra>",
            connectgaps=False,
        ))
    add_line_marks(fig, masked_traces)
    ranks = sorted(set(trajectoire["rang"].to_list()) | set(historique["rang"].to_list()))
    fig.update_xaxes(tickmode="array", tickvals=ranks, ticktext=[raccrochage_rules.slot_label(r) for r in ranks],
                     title_text="Période bimestrielle (fin de période)", range=[min(ranks) - 0.5, max(ranks) + 0.5])
    fig.update_yaxes(title_text="Raccrochés cumulés depuis la rentrée", rangemode="tozero", tickformat=",.0f")
    return french_layout(fig, height=420)


# --- funnel ---------------------------------------------------------------------------------------


def funnel_figure(situation: dict, masked: Sequence[str] = ()) -> go.Figure:
    """Jeunes signalés → contactés → entretiens → solutions proposées → raccrochés, with the
    conversion rate from the previous step under each stage's name."""
    values = [situation.get(c) for c in raccrochage_rules.FUNNEL_COLUMNS]
    if all(v is None for v in values) and not masked:
        return _empty("Aucun bilan reçu pour ce territoire.", height=340)
    texts, labels, hovers = [], [], []
    for i, (column, value) in enumerate(zip(raccrochage_rules.FUNNEL_COLUMNS, values, strict=True)):
        is_masked = column in masked
        texts.append(_count_text(value, is_masked))
        rate = None
        if i > 0 and not is_masked and value is not None and values[i - 1]:
            rate = value / values[i - 1]
        label = FUNNEL_LABELS[column]
        if rate is not None:
            labels.append(f"{label}<br><span style='font-size:11px;color:{GREY}'>{fmt.percent(rate)} de l'étape "
                          "précédente</span>")
            hovers.append(f"<b>{label}</b> : {texts[-1]}<br>{fmt.percent(rate)} de l'étape précédente")
        else:
            labels.append(label)
            hovers.append(f"<b>{label}</b> : {texts[-1]}")
    fig = go.Figure(go.Funnel(
        y=labels,
        x=[v if v is not None else 0 for v in values],
        text=texts, textinfo="text", textposition="inside", insidetextfont={"color": "white", "size": 14},
        marker={"color": [BLUE_FRANCE, "#3D3DB4", "#6A6AF4", "#8C8CF0", "#009E73"]},
        connector={"line": {"color": LIGHT_GREY}},
        customdata=hovers,
        hovertemplate="%{customdata}<extra></extra>",
    ))
    return french_layout(fig, height=360)


def funnel_overflow_note(situation: dict) -> str | None:
    """A caption when a stage counts more than the one before it: the reader expects a funnel."""
    values = [situation.get(c) for c in raccrochage_rules.FUNNEL_COLUMNS]
    for i, column in enumerate(raccrochage_rules.FUNNEL_COLUMNS[1:], start=1):
        if values[i] is not None and values[i - 1] and values[i] > values[i - 1]:
            return (f"« {FUNNEL_LABELS[column]} » dépasse ici l'étape précédente "
                    f"({fmt.percent(values[i] / values[i - 1])}) : chaque étape est un décompte des bilans, pas le "
                    "suivi d'une même cohorte (plusieurs propositions pour un jeune, jeune suivi avant la rentrée…).")
    return None


# --- sub-territories ----------------------------------------------------------------------------


def achievement_figure(situations: pl.DataFrame) -> go.Figure:
    """Bullet-style chart: rate of achievement of each territory (bar, coloured by status) and
    the rate expected at this date on its trajectory (black tick). Behind first, at the top."""
    rows = situations.filter(pl.col("objectif").is_not_null() & pl.col("taux_atteinte").is_not_null())
    if rows.is_empty():
        return _empty("Aucun objectif ou aucune donnée pour les territoires du niveau inférieur.", height=260)
    names = [chart_text(n) for n in rows["libelle"].to_list()]
    rates = [v * 100 for v in rows["taux_atteinte"].to_list()]
    expected = [a / o * 100 if a is not None and o else None
                for a, o in zip(rows["attendu"].to_list(), rows["objectif"].to_list(), strict=True)]
    statuses = rows["statut"].to_list()
    closed = position.is_closed(frame_phase(rows))
    hover = [
        f"<b>{n}</b><br>Taux d'atteinte : {fmt.percent(r / 100)}<br>"
        + ("" if closed else
           f"Attendu à cette date : {fmt.percent(e / 100) if e is not None else fmt.MISSING}<br>")
        + status_text(s)
        for n, r, e, s in zip(names, rates, expected, statuses, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=rates, orientation="h", name="Taux d'atteinte de l'objectif",
        marker_color=[STATUS_COLORS[s] for s in statuses], customdata=hover,
        text=[fmt.percent(r / 100) for r in rates], textposition="inside", insidetextanchor="start",
        insidetextfont={"color": "white"}, hovertemplate="%{customdata}<extra></extra>",
    ))
    if not closed and any(e is not None for e in expected):
        fig.add_trace(go.Scatter(
            y=names, x=expected, mode="markers", name="Attendu à cette date (trajectoire)",
            marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#1E1E1E"}},
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        ))
    else:
        expected = []
    fig.add_vline(x=100, line={"color": GREY, "width": 1, "dash": "dot"})
    fig.update_yaxes(autorange="reversed", type="category")
    top = max([*rates, *(e for e in expected if e is not None), 100])
    fig.update_xaxes(title_text="Part de l'objectif annuel", ticksuffix="\u00a0%", range=[0, top * 1.1])
    return legend_on_top(french_layout(fig, height=max(240, 110 + 42 * len(names))))


def achievement_caption(closed: bool) -> str:
    if closed:
        return ("Barre : part de l'objectif annuel atteinte sur l'année close, couleur selon que l'objectif est "
                "atteint ou non ; pointillés : 100 % de l'objectif.")
    return ("Barre : part de l'objectif annuel atteinte, couleur selon le statut ; trait noir : part attendue à "
            "cette date sur la trajectoire.")


def ranking_caption(closed: bool) -> str:
    """How the sub-territory tables are ordered (``queries.raccrochage.sort_by_status``)."""
    if closed:
        return "Classement : objectif non atteint d'abord, puis objectif atteint, données insuffisantes."
    return "Classement : en retard d'abord, puis sur la trajectoire, en avance, données insuffisantes."


