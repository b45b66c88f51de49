"""Marks of masked values on the pages' charts: « < 5 » or « s » written where a masked bar would
stand (the bar itself holds no value)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import disclosure
from dashboard.charts.common import GREY


def period_marks(periodes: pl.DataFrame, column: str) -> list[str | None]:
    """The mark text (« < 5 », « s ») of ``column`` on each period row, None where it is shown."""
    if "cellules_masquees" not in periodes.columns:
        return [None] * periodes.height
    return [disclosure.mark_text(m) if (m := disclosure.decode_marks(cells).get(column)) else None
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
    return disclosure.mark_text(mark) if mark else disclosure.masked_label()
