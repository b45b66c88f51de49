"""Charts with their text alternatives (RGAA 4.1 / WCAG 2.1 AA, criteria 1.1 and 1.3).

Every chart of the app is drawn by ``chart``: the figure, with a short description a screen reader
says for it (Streamlit's ``alt``: its title, its series, and the commentary's sentences about it),
then a toggle « Données du graphique » holding its data as a real table (``st.table``: read cell by
cell, reached with the keyboard). Pictures (a map rendered as an image, a letter's chart) go through
``picture``. The texts are built by ``dashboard.charts.alternative`` (no Streamlit there).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import markup
from dashboard.charts import alternative
from dashboard.charts.common import PLOTLY_CONFIG


def _plain(value) -> str:
    return markup.markdown("" if value is None else str(value))


def data_table(frame: pl.DataFrame, title: str, *, key: str) -> None:
    """``frame`` (texts) in a toggle « Données du graphique », as an HTML table whose names from the data
    are shown as written."""
    shown = frame.rename({c: _plain(c) or " " * (i + 1) for i, c in enumerate(frame.columns)})
    shown = shown.with_columns(pl.col(c).cast(pl.String).map_elements(_plain, return_dtype=pl.String)
                               for c in shown.columns)
    with st.expander(f"Données du graphique : {title}"):
        st.table(shown, hide_index=True, alt=f"Données du graphique « {title} »")


def chart(fig: go.Figure, *, key: str, title: str, sentences: Sequence[str] | str | None = None,
          table: pl.DataFrame | None = None, with_table: bool = True, **kwargs):
    """Draw ``fig`` (its ``st.plotly_chart`` arguments in ``kwargs``) with its description and its data
    table (``table``, or the figure's own read back); returns what ``st.plotly_chart`` returns."""
    kwargs.setdefault("config", PLOTLY_CONFIG)
    event = st.plotly_chart(fig, key=key, alt=alternative.description(fig, title, sentences), **kwargs)
    if with_table:
        frame = table if table is not None else alternative.figure_table(fig)
        if frame is not None and not frame.is_empty():
            data_table(frame, title, key=key)
    return event


def picture(image, *, alt: str, **kwargs) -> None:
    """An image with its text alternative (a map drawn as a picture, a chart of the letter)."""
    st.image(image, alt=alt, **kwargs)
