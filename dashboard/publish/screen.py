"""Declared tables on screen: a pandas Styler for ``st.dataframe`` whose cells keep their numeric
values (a click on a header sorts numbers, not text) and show the French text of
``publish.text`` — the same text as the deck and the LibreOffice view of the workbook.

Streamlit draws a null cell as its placeholder whatever the Styler says: a masked cell holds the
sentinel ``MASKED_SORT_VALUE`` (it sorts below every real value and reveals nothing) and shows its
mark (« < 5 », « s »). A coded column with an ``order`` (the status) holds that order, so it sorts
as the declaration says, and shows its label in its colour.
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from dashboard import fmt, markup
from dashboard.publish.columns import Table
from dashboard.publish.text import cell_text, value_text

MASKED_SORT_VALUE = -1_000_000
PLACEHOLDER = fmt.MISSING


def styler(table: Table, headers: dict[str, str] | None = None, markdown: bool = False):
    """The Styler of ``table`` (``headers`` overrides some headers on screen); ``markdown`` for
    ``st.table``, which reads its cells as Markdown: every text escaped (``dashboard.markup``)."""
    escape = (lambda text: markup.markdown(text) if text is not None else text) if markdown else (lambda text: text)
    columns = list(table.columns)
    data: dict[str, list] = {}
    for column in columns:
        values = table.frame[column.key].to_list()
        if column.order is not None:
            values = [column.order.get(v, max(column.order.values()) + 1) if v is not None else None for v in values]
        if column.numeric or column.order is not None:
            values = [MASKED_SORT_VALUE if column.key in marks else v for v, marks in zip(values, table.marks,
                                                                                            strict=True)]
        data[column.key] = values
    frame = pd.DataFrame(data)
    labels = [(headers or {}).get(c.key, c.header) for c in columns]
    frame.columns = labels
    styler = frame.style.hide(axis="index")
    for column, label in zip(columns, labels, strict=True):
        decode = {o: code for code, o in column.order.items()} if column.order is not None else None

        def show(value, column=column, decode=decode):
            if decode is not None:
                value = decode.get(value, value)
            return escape(value_text(column, value))

        styler = styler.format(show, subset=[label], na_rep=PLACEHOLDER)
    for row, overrides in enumerate(table.cells):  # a cell declared apart from its column (``Table.cells``)
        for key, declared in overrides.items():
            column = next((c for c in columns if c.key == key), None)
            if column is None or key in table.marks[row]:
                continue
            text = escape(value_text(declared, table.frame[key][row]))
            styler = styler.format(lambda _v, text=text: text,
                                   subset=pd.IndexSlice[[frame.index[row]], [labels[columns.index(column)]]])
    for row, marks in enumerate(table.marks):
        for key, mark in marks.items():
            column = next((c for c in columns if c.key == key), None)
            if column is None:
                continue
            label = labels[columns.index(column)]
            text = escape(cell_text(column, None, mark))
            styler = styler.format(lambda _v, text=text: text, subset=pd.IndexSlice[[frame.index[row]], [label]])
    for column, label in zip(columns, labels, strict=True):
        if column.colors is not None:
            decode = {o: code for code, o in (column.order or {}).items()}
            colors = column.colors

            def color(value, decode=decode, colors=colors):
                code = decode.get(value, value)
                return f"color: {colors[code]}; font-weight: bold" if code in colors else ""

            styler = styler.map(color, subset=[label])
    return styler


def display_frame(table: Table) -> pl.DataFrame:
    """The table as French text (every cell a string): for ``st.table`` and for tests."""
    rows = []
    for values, marks in table.rows():
        rows.append([cell_text(c, values[c.key], marks.get(c.key)) for c in table.columns])
    return pl.DataFrame(rows, schema={c.header: pl.String for c in table.columns}, orient="row")
