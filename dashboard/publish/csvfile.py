"""CSV for French Excel: ``;``, UTF-8 with BOM, decimal comma, CRLF; values rounded as shown.

One convention for every CSV (written on the Méthodologie page): rates, shares and relative gaps
are **percentages with their shown decimals** and « (%) » in the header (« 78,2 »); differences
of rates are **points** with « (points) » in the header; counts are integers, expected and
projected counts rounded to a whole. A masked cell is empty and listed in the last column,
« Secret statistique ». The file ends, after an empty line, with its provenance (source, date,
secrecy rule, « données de démonstration »). Formula-looking text is neutralised.
"""

from __future__ import annotations

import csv
import io

from dashboard.publish import exports
from dashboard.publish.columns import Column, Kind, Table, masked_summary
from dashboard.publish.provenance import Provenance
from dashboard.publish.text import is_missing, rounded, value_text

MASKED_HEADER = "Secret statistique"
PERCENT_KINDS = (Kind.RATE, Kind.RELATIVE)


def header(column: Column) -> str:
    if column.kind in PERCENT_KINDS:
        return f"{column.header} (%)"
    if column.kind == Kind.POINTS:
        return f"{column.header} (points)"
    return column.header


def _decimal(value: float, places: int) -> str:
    text = f"{value:.{places}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text.replace(".", ",")


def cell(column: Column, value) -> str:
    """The CSV text of an unmasked value."""
    if is_missing(value):
        return ""
    kind = column.kind
    if kind in (Kind.COUNT, Kind.EXPECTED):
        return str(rounded(column, value))
    if kind in (*PERCENT_KINDS, Kind.POINTS):
        return _decimal(float(value) * 100, column.places)
    if kind == Kind.NUMBER:
        return _decimal(float(value), column.places)
    if kind == Kind.DATE:
        return value_text(column, value)
    return exports.clean_text(value_text(column, value))


def rows(table: Table) -> list[list[str]]:
    """Header and body rows (before neutralisation)."""
    out = [[header(c) for c in table.columns] + ([MASKED_HEADER] if table.has_secret else [])]
    for index, (values, marks) in enumerate(table.rows()):
        line = ["" if c.key in marks else cell(table.column_at(index, c), values[c.key]) for c in table.columns]
        if table.has_secret:
            line.append(masked_summary(table, marks))
        out.append(line)
    return out


def csv_bytes(table: Table, provenance: Provenance | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    numeric = [c.numeric for c in table.columns] + [False]
    for index, line in enumerate(rows(table)):
        # numbers stay numbers ("-1,2" is not a formula); text is neutralised
        writer.writerow([v if (index and numeric[i] and v) else exports.neutralise(v) for i, v in enumerate(line)])
    if provenance is not None:
        writer.writerow([])
        for label, text in provenance.lines():
            writer.writerow([exports.neutralise(f"{label} : {text}")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
