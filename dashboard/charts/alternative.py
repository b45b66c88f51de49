"""Text alternatives of a chart (RGAA 4.1 criteria 1.3 and 1.8): the short description a
screen reader says for it, and the table of what it draws, read back from the figure itself.

The figure is what the page shows: its values were decided by ``queries/`` (rounding, secrecy marks)
and the chart builders only drew them. This module computes nothing: it reads the figure's traces back —
the text a bar carries when it has one (a masked value's mark, a rate as written), else the drawn
value in French format — so that the table says exactly what the chart says. Core, no Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt

KINDS = {"bar": "barres", "scatter": "courbes", "funnel": "entonnoir", "heatmap": "grille colorée",
         "choroplethmap": "carte", "scattermap": "carte"}
_TAG = re.compile(r"<[^>]+>")
NOT_DRAWN = "non représenté"


def _clean(value) -> str:
    """A label of the figure as plain text (Plotly's « <br> » and « <b> » out)."""
    if value is None:
        return ""
    return _TAG.sub(" ", str(value)).replace("\u00a0", " ").strip().replace("  ", " ")


def _axis(fig: go.Figure, trace, letter: str):
    name = getattr(trace, f"{letter}axis", None) or letter
    return fig.layout[f"{letter}axis{name[1:]}" if name != letter else f"{letter}axis"]


def _ticks(axis) -> dict:
    """Tick values drawn as other texts (a period's rank shown as « fin oct. »)."""
    if axis is not None and axis.tickvals is not None and axis.ticktext is not None:
        return {v: _clean(t) for v, t in zip(axis.tickvals, axis.ticktext, strict=False)}
    return {}


_FORMAT = re.compile(r"%\{(?P<letter>[xyz]):[^}]*?\.(?P<decimals>\d)f")


def _decimals(trace, letter: str, axis) -> int | None:
    """The decimals the chart shows a value with: its hover text's format (« %{y:,.0f} »), else its
    axis's (« ,.0f »); None when neither says."""
    found = _FORMAT.search(str(trace.hovertemplate or ""))
    if found and found["letter"] == letter:
        return int(found["decimals"])
    tickformat = str(axis.tickformat or "") if axis is not None else ""
    match = re.search(r"\.(\d)~?f", tickformat)
    return int(match[1]) if match else None


def _value_text(value, axis, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return fmt.MISSING
    if isinstance(value, int | float):
        suffix = (axis.ticksuffix or "") if axis is not None else ""
        if "%" in suffix:
            return fmt.number(value, 1 if decimals is None else decimals) + "\u00a0%"
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 1
        return fmt.number(value, decimals)
    return _clean(value)


def _texts(trace, n: int) -> list[str | None]:
    text = trace.text
    if text is None or isinstance(text, str):
        return [None] * n
    return [(_clean(t) or None) for t in list(text)[:n]] + [None] * max(0, n - len(text))


def _series(fig: go.Figure, trace) -> tuple[str, list[str], list[str]] | None:
    """(series name, category labels, cell texts) of one trace, or None for a trace that only
    writes labels (mode « text ») or draws no data."""
    kind = trace.type
    if kind == "scatter" and (trace.mode or "") == "text":
        return None
    if kind in ("bar", "funnel") and (trace.orientation == "h" or kind == "funnel"):
        categories, values, value_axis, category_axis = trace.y, trace.x, _axis(fig, trace, "x"), _axis(fig, trace, "y")
        letter = "x"
    elif kind in ("bar", "scatter"):
        categories, values, value_axis, category_axis = trace.x, trace.y, _axis(fig, trace, "y"), _axis(fig, trace, "x")
        letter = "y"
    else:
        return None
    if categories is None or values is None:
        return None
    categories, values = list(categories), list(values)
    ticks = _ticks(category_axis)
    labels = [ticks.get(c, _clean(c)) for c in categories]
    texts = _texts(trace, len(values))
    decimals = _decimals(trace, letter, value_axis)
    cells = [t if t is not None else _value_text(v, value_axis, decimals) for v, t in zip(values, texts, strict=False)]
    return _clean(trace.name) or "Valeur", labels, cells


def _category_title(fig: go.Figure) -> str:
    for trace in fig.data:
        if trace.type in ("bar", "funnel") and (trace.orientation == "h" or trace.type == "funnel"):
            return _clean(_axis(fig, trace, "y").title.text) or ""
        if trace.type in ("bar", "scatter"):
            return _clean(_axis(fig, trace, "x").title.text) or ""
    return ""


def _heatmap_table(fig: go.Figure, trace) -> pl.DataFrame | None:
    if trace.z is None or trace.x is None or trace.y is None:
        return None
    columns = [_clean(x) for x in trace.x]
    texts = trace.text if trace.text is not None and not isinstance(trace.text, str) else None
    rows = []
    for i, label in enumerate(trace.y):
        z = list(trace.z[i])
        cells = [(_clean(texts[i][j]) if texts is not None and _clean(texts[i][j]) else _value_text(z[j], None))
                 for j in range(len(columns))]
        rows.append([_clean(label), *cells])
    head = _clean(fig.layout.yaxis.title.text) or "Catégorie"
    return pl.DataFrame(rows, schema={name: pl.String for name in [head, *columns]}, orient="row")


def figure_table(fig: go.Figure, first_column: str | None = None) -> pl.DataFrame | None:
    """The figure's data as a table of texts: one row per category (period, territory, stage…),
    one column per series, each cell as the chart writes or draws it. None for a figure whose
    table the page gives itself (a map) or that draws nothing."""
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    if heatmaps:
        return _heatmap_table(fig, heatmaps[0])
    ordered = sorted(fig.data, key=lambda t: t.legendrank if t.legendrank is not None else 1000)  # as the legend
    series = [s for s in (_series(fig, t) for t in ordered) if s is not None]
    if not series:
        return None
    order: list[str] = []
    columns: dict[str, dict[str, str]] = {}
    for name, labels, cells in series:
        while name in columns:
            name += " "
        columns[name] = {}
        for label, cell in zip(labels, cells, strict=False):
            if label not in order:
                order.append(label)
            columns[name][label] = cell
    head = first_column or _category_title(fig) or "Catégorie"
    data = {head: order}
    for name, cells in columns.items():
        data[name.strip() if name.strip() not in data else name] = [cells.get(label, NOT_DRAWN) for label in order]
    return pl.DataFrame(data, schema={k: pl.String for k in data})


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def description(fig: go.Figure, title: str, sentences: Sequence[str] | str | None = None) -> str:
    """What a screen reader says for the chart: its title and kind, its series, then the page's own
    sentences about it (the commentary's, ``dashboard.narrative``) when there are."""
    kinds = [KINDS.get(t.type, "graphique") for t in fig.data if t.type in KINDS]
    kind = ", ".join(dict.fromkeys(kinds)) or "graphique"
    names = [_clean(t.name) for t in fig.data if _clean(t.name)]
    text = f"Graphique ({kind}) : {_sentence(title)}"
    if len(names) > 1:
        text += " Séries : " + ", ".join(dict.fromkeys(names)) + "."
    if isinstance(sentences, str):
        sentences = [sentences]
    for sentence in sentences or ():
        if sentence:
            text += " " + _sentence(sentence)
    return text + " Données détaillées dans le tableau qui suit le graphique."
