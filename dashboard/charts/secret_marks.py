"""Marks of masked values on the pages' charts: « < 5 » or « s » written where a masked bar would
stand (the bar itself holds no value)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard.charts.common import GREY
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule


def period_marks(periodes: pl.DataFrame, column: str) -> list[str | None]:
    """The mark text (« < 5 », « s ») of ``column`` on each period row, None where it is shown."""
    if "cellules_masquees" not in periodes.columns:
        return [None] * periodes.height
    return [disclosure_marks.mark_text(m) if (m := disclosure_marks.decode_marks(cells).get(column)) else None
            for cells in periodes["cellules_masquees"].to_list()]


def mark_trace(labels: list, marks: list[str | None], what: str) -> go.Scatter | None:
    """The marks of masked bars written where the bars would stand (a text trace at zero: the bar
    itself holds no value)."""
    at = [(x, m) for x, m in zip(labels, marks, strict=True) if m]
    if not at:
        return None
    return go.Scatter(x=[x for x, _ in at], y=[0] * len(at), mode="text", text=[m for _, m in at],
                      textposition="top center", textfont={"color": GREY, "size": 13}, showlegend=False,
                      hovertemplate=f"%{{x}}<br>{what} : masqué (secret statistique)<extra></extra>")


def mark_of(counts: dict, marks: dict | None, column: str) -> str:
    """The mark of a masked count where its bar would be (« < 5 », or « s » when decided so)."""
    if counts.get(column) is not None:
        return ""
    mark = (marks or {}).get(column)
    return disclosure_marks.mark_text(mark) if mark else rule.masked_label()


MASKED_POINT_NAME = "Valeur masquée (secret statistique)"
#: A masked point: a grey disc ringed in its line's colour (the grey of the « secret statistique » segments).
MASKED_FILL = "#D0D0D0"


def on_path(values: list, index: int) -> float:
    """Where a masked point of a line is drawn: midway between the published points around it (the
    value lies somewhere there; nothing is computed from it), beside the one there is at an end."""
    before = next((values[i] for i in range(index - 1, -1, -1) if values[i] is not None), None)
    after = next((values[i] for i in range(index + 1, len(values)) if values[i] is not None), None)
    if before is not None and after is not None:
        return (before + after) / 2
    return before if before is not None else (after if after is not None else 0.0)


def line_marks(x: list, y: list, marks: list[str | None], what: str, color: str = GREY, *,
               legend: bool = True) -> go.Scatter | None:
    """The masked points of a line: a grey marker on the line's path with its mark (« < 5 », « s »)
    above it; the line itself stops there (the point holds no value). None when nothing is masked."""
    at = [(i, m) for i, m in enumerate(marks) if m and (i >= len(y) or y[i] is None)]
    if not at:
        return None
    values = list(y)
    return go.Scatter(
        x=[x[i] for i, _ in at], y=[on_path(values, i) for i, _ in at], mode="markers+text",
        text=[disclosure_marks.mark_text(m) if m in (disclosure_marks.PRIMARY, disclosure_marks.SECONDARY) else m for _, m in at],
        textposition="top center", textfont={"color": GREY, "size": 13},
        marker={"symbol": "circle", "size": 10, "color": MASKED_FILL, "line": {"width": 2, "color": color}},
        name=MASKED_POINT_NAME, legendgroup="secret", showlegend=legend,
        hovertemplate=f"{what} : masqué (secret statistique)<extra></extra>",
    )


def hbar_marks(labels: list, marks: list[str | None], what: str) -> go.Scatter | None:
    """The marks of masked horizontal bars written at the axis, where each bar would start (a text
    trace: the bar itself holds no value, and plotly writes no text for a bar without one)."""
    at = [(y, m) for y, m in zip(labels, marks, strict=True) if m]
    if not at:
        return None
    return go.Scatter(x=[0] * len(at), y=[y for y, _ in at], mode="text", text=[m for _, m in at],
                      textposition="middle right", textfont={"color": GREY, "size": 13}, showlegend=False,
                      hovertemplate=f"%{{y}}<br>{what} : masqué (secret statistique)<extra></extra>")


def add_line_marks(fig: go.Figure, traces: list) -> None:
    """The masked points of the lines (``line_marks``), one legend entry for all."""
    shown = [t for t in traces if t is not None]
    for index, trace in enumerate(shown):
        trace.showlegend = index == 0
        trace.legendrank = 20
        fig.add_trace(trace)
