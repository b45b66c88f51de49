"""Raccrochage by type of solution (plotly): per period (stacked, or the period's raccrochés
alone where the types are not published), the shares of the year against the same date last
year, and the FOQUALE contracts per period. Inputs are published frames (masked values null).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt
from dashboard.charts.common import (
    BLUE_FRANCE,
    GREY,
    LIGHT_GREY,
    SOLUTION_COLORS,
    empty_figure,
    french_layout,
    legend_on_top,
)
from dashboard.charts.secret_marks import add_line_marks, line_marks, mark_of, mark_trace, period_marks
from queries import raccrochage_rules
from queries.raccrochage_rules import SOLUTION_LABELS

# --- solutions ------------------------------------------------------------------------------------


SECRET_COLOR = "#E0E0E0"
SECRET_NAME = "Secret statistique"


def types_published(periodes: pl.DataFrame) -> bool:
    """Whether the periods carry their split by type of solution (not for a PSAD or a network,
    whose periods hold too few young people per type: ``disclosure.cells.period_columns``)."""
    if "non_publie" not in periodes.columns:
        return True
    return not any(raccrochage_rules.SOLUTION_COLUMNS[0] in (cells or "") for cells in periodes["non_publie"].to_list())


def secret_parts(periodes: pl.DataFrame) -> list[int | None]:
    """Per period, the raccrochés of the masked types (the period's published total minus its
    shown types), so a stacked bar keeps its true height: None when nothing is masked or the
    total itself is masked."""
    out = []
    for row in periodes.iter_rows(named=True):
        shown = [row[c] for c in raccrochage_rules.SOLUTION_COLUMNS]
        if row["raccroches"] is None or all(v is not None for v in shown):
            out.append(None)
        else:
            out.append(row["raccroches"] - sum(v for v in shown if v is not None))
    return out


def solutions_over_time_figure(periodes: pl.DataFrame) -> go.Figure:
    """Raccrochés per period, stacked by type of solution; the masked types of a period form one
    grey « secret statistique » segment, so the bar keeps the period's published total. A PSAD or
    a network shows its periods' raccrochés only (its split by type is published for the year)."""
    if periodes.is_empty():
        return empty_figure("Aucun bilan reçu pour ce territoire.", height=320)
    fig = go.Figure()
    labels = periodes["libelle"].to_list()
    if not types_published(periodes):
        fig.add_trace(go.Bar(
            x=labels, y=periodes["raccroches"].to_list(), name="Raccrochés dans la période", marker_color=BLUE_FRANCE,
            hovertemplate="%{x}<br>Raccrochés : %{y:,.0f}<extra></extra>",
        ))
        marks = mark_trace(labels, period_marks(periodes, "raccroches"), "Raccrochés")
        if marks is not None:
            fig.add_trace(marks)
    else:
        for column in raccrochage_rules.SOLUTION_COLUMNS:
            fig.add_trace(go.Bar(
                x=labels, y=periodes[column].to_list(), name=SOLUTION_LABELS[column],
                marker_color=SOLUTION_COLORS[column],
                hovertemplate=f"%{{x}}<br>{SOLUTION_LABELS[column]} : %{{y:,.0f}}<extra></extra>",
            ))
        hidden = secret_parts(periodes)
        if any(v is not None for v in hidden):
            fig.add_trace(go.Bar(
                x=labels, y=hidden, name=SECRET_NAME,
                marker={"color": SECRET_COLOR, "pattern": {"shape": "/", "fgcolor": GREY, "size": 6}},
                hovertemplate="%{x}<br>Types masqués (secret statistique) : %{y:,.0f} au total<extra></extra>",
            ))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title_text=None)
    fig.update_yaxes(title_text="Raccrochés dans la période", tickformat=",.0f")
    return french_layout(fig, height=380)


def solution_shares_figure(
    current: dict, previous: dict | None, annee: str, previous_label: str,
    current_total: int | None = None, previous_total: int | None = None,
    current_marks: dict | None = None, previous_marks: dict | None = None,
) -> go.Figure:
    """Share of each type of solution among the raccrochés, this year vs the same date last year.

    ``current``/``previous`` map solution columns to counts (None when masked); shares are taken
    over the total (given, or the sum of the cells when none is masked): a masked cell has no share.
    """
    def shares(counts: dict, total: int | None) -> list[float | None]:
        if total is None and all(v is not None for v in counts.values()):
            total = sum(counts.values())
        return [counts[c] / total * 100 if total and counts.get(c) is not None else None for c in raccrochage_rules.SOLUTION_COLUMNS]

    labels = [SOLUTION_LABELS[c] for c in raccrochage_rules.SOLUTION_COLUMNS]
    cur = shares(current, current_total)
    if all(v is None for v in cur):
        return empty_figure("Répartition non disponible (aucun raccroché ou valeurs masquées).", height=340)
    fig = go.Figure()
    if previous:
        prev = shares(previous, previous_total)
        fig.add_trace(go.Bar(
            y=labels, x=prev, orientation="h", name=previous_label, marker_color=LIGHT_GREY,
            text=[fmt.percent(v / 100) if v is not None else mark_of(previous, previous_marks, c)
                  for v, c in zip(prev, raccrochage_rules.SOLUTION_COLUMNS, strict=True)], textposition="outside",
            hovertemplate=f"%{{y}}<br>{previous_label} : %{{text}}<extra></extra>",
        ))
    fig.add_trace(go.Bar(
        y=labels, x=cur, orientation="h", name=annee,
        marker_color=[SOLUTION_COLORS[c] for c in raccrochage_rules.SOLUTION_COLUMNS],
        text=[fmt.percent(v / 100) if v is not None else mark_of(current, current_marks, c)
              for v, c in zip(cur, raccrochage_rules.SOLUTION_COLUMNS, strict=True)],
        textposition="outside",
        hovertemplate=f"%{{y}}<br>{annee} : %{{text}}<extra></extra>",
    ))
    top = max([v for v in cur if v is not None] + [v for v in (shares(previous, previous_total) if previous else [])
                                                      if v is not None])
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="Part des raccrochés", ticksuffix="\u00a0%", range=[0, top * 1.25])
    return legend_on_top(french_layout(fig, height=380))


def contracts_figure(periodes: pl.DataFrame) -> go.Figure:
    """Contrats FOQUALE signed per period (bars) and raccrochés of the period (line)."""
    if periodes.is_empty():
        return empty_figure("Aucun bilan reçu pour ce territoire.", height=300)
    labels = periodes["libelle"].to_list()
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=periodes["contrats_foquale"].to_list(), name="Contrats FOQUALE signés",
        marker_color=SOLUTION_COLORS["raccroches_mlds"],
        hovertemplate="%{x}<br>Contrats FOQUALE : %{y:,.0f}<extra></extra>",
    ))
    marks = mark_trace(labels, period_marks(periodes, "contrats_foquale"), "Contrats FOQUALE")
    if marks is not None:
        fig.add_trace(marks)
    fig.add_trace(go.Scatter(
        x=labels, y=periodes["raccroches"].to_list(), name="Raccrochés dans la période", mode="lines+markers",
        line={"color": BLUE_FRANCE, "width": 2},
        hovertemplate="%{x}<br>Raccrochés : %{y:,.0f}<extra></extra>",
    ))
    add_line_marks(fig, [line_marks(labels, periodes["raccroches"].to_list(), period_marks(periodes, "raccroches"),
                                     "Raccrochés dans la période", BLUE_FRANCE)])
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Nombre dans la période", tickformat=",.0f", rangemode="tozero")
    return french_layout(fig, height=300)


