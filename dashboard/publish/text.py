"""French display text of a declared value: what the page, the deck's tables and tiles and the
LibreOffice rendering of a workbook show (« 2 148 », « 78,2 % », « +1,2 pt », « < 5 », « s »)."""

from __future__ import annotations

import math

from dashboard import fmt
from dashboard.disclosure import marks
from dashboard.publish.columns import Column, Kind


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def value_text(column: Column, value) -> str:
    """The French text of an unmasked value (``fmt.MISSING`` when there is none)."""
    if is_missing(value):
        return fmt.MISSING
    kind, places = column.kind, column.places
    if kind in (Kind.COUNT, Kind.EXPECTED):
        return fmt.signed_number(value) if column.signed else fmt.integer(value)
    if kind == Kind.RATE:
        return fmt.percent(value, places)
    if kind == Kind.RELATIVE:
        return fmt.signed_percent(value, places)
    if kind == Kind.POINTS:
        return fmt.signed_points(value, places)
    if kind == Kind.NUMBER:
        return fmt.signed_number(value, places) if column.signed else fmt.number(value, places)
    if kind == Kind.DATE:
        return fmt.date_short(value)
    if column.labels is not None:
        return column.labels.get(value, str(value))
    return str(value)


def cell_text(column: Column, value, mark: str | None = None) -> str:
    """The French text of a cell: its mark when it is masked (« < 5 » for a small count, « s »
    otherwise — a rate is never marked « < 5 », which would read as under 5 %)."""
    if mark is not None:
        if column.kind == Kind.COUNT and mark == marks.PRIMARY:
            return marks.mark_text(marks.PRIMARY)
        return marks.SECONDARY_LABEL
    return value_text(column, value)


def rounded(column: Column, value):
    """The value as shown, as a number: counts and expected counts to a whole, rates to the
    fraction of their shown percentage (0.782 for « 78,2 % »), points likewise, other numbers to
    their decimals. Text and dates unchanged."""
    if is_missing(value):
        return None
    kind, places = column.kind, column.places
    if kind in (Kind.COUNT, Kind.EXPECTED):
        return int(round(value))
    if kind in (Kind.RATE, Kind.RELATIVE, Kind.POINTS):
        return round(float(value), places + 2)
    if kind == Kind.NUMBER:
        return round(float(value), places) if places else int(round(value))
    return value
