"""Statistical disclosure control: the rule for every page, export and deck.

* A count under ``threshold()`` (default 5) at school or network level is masked ("< 5").
* A rate whose numerator or denominator is under the threshold is masked too.
* Secondary suppression: when a table holds cells that add up to a shown total, a single masked
  cell could be recomputed by subtraction; the smallest other cell is then masked as well.

Masked values are ``None`` (null) in frames: charts draw gaps, tables print ``"< 5"``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import polars as pl

from dashboard import fmt

DEFAULT_THRESHOLD = 5
ENV_THRESHOLD = "DASHBOARD_DISCLOSURE_THRESHOLD"


def threshold() -> int:
    """The disclosure threshold: ``DASHBOARD_DISCLOSURE_THRESHOLD`` or 5."""
    value = os.environ.get(ENV_THRESHOLD)
    return int(value) if value and value.isdigit() and int(value) > 0 else DEFAULT_THRESHOLD


def masked_label(limit: int | None = None) -> str:
    return f"< {limit or threshold()}"


def is_small(count: int | float | None, limit: int | None = None) -> bool:
    """True when a (non-zero) count is under the threshold. Zero is not disclosive."""
    limit = limit or threshold()
    return count is not None and 0 < count < limit


def mask_rate(
    frame: pl.DataFrame, rate: str, numerator: str, denominator: str, limit: int | None = None
) -> pl.DataFrame:
    """Null the ``rate`` column where its numerator or denominator is under the threshold."""
    limit = limit or threshold()
    num, den = pl.col(numerator), pl.col(denominator)
    # a null (already masked) numerator or denominator masks the rate too: rate × base would
    # give the masked count back
    small = num.is_null() | den.is_null() | ((num > 0) & (num < limit)) | (den < limit)
    return frame.with_columns(pl.when(small).then(None).otherwise(pl.col(rate)).alias(rate))


def suppress_cells(values: Sequence[int | None], limit: int | None = None) -> list[int | None]:
    """Primary and secondary suppression of cells that sum to a shown total.

    Cells under the threshold are masked; if exactly one cell is masked and others remain,
    the smallest other non-zero cell is masked too, so the masked cell cannot be recovered
    by subtracting the others from the total. Likewise when the masked cells' sum pins each of
    them (all of them 1, or all of them ``limit - 1``: [1, 1, 20] with a total of 22). Zeros
    stay visible (a zero singles out nobody).
    """
    limit = limit or threshold()
    out: list[int | None] = [None if is_small(v, limit) else v for v in values]
    while _recoverable(values, out, limit):
        candidates = [(v, i) for i, v in enumerate(out) if v is not None and v > 0]
        if not candidates:
            break
        out[min(candidates)[1]] = None
    return out


def _recoverable(values: Sequence[int | None], out: Sequence[int | None], limit: int) -> bool:
    """Whether the masked cells of ``out`` could be recomputed from the total and the shown cells."""
    masked = [values[i] for i, v in enumerate(out) if v is None and values[i] is not None]
    if len(masked) == 1:
        return True
    if len(masked) < 2 or any(v >= limit for v in masked):
        return False  # a suppressed cell at or above the threshold leaves the split open
    return len(set(masked)) == 1 and masked[0] in (1, limit - 1)


def suppress_row_cells(frame: pl.DataFrame, columns: Sequence[str], limit: int | None = None) -> pl.DataFrame:
    """Apply ``suppress_cells`` across ``columns`` of every row (cells summing to a row total)."""
    rows = [suppress_cells(list(row), limit) for row in frame.select(columns).iter_rows()]
    replaced = pl.DataFrame(rows, schema={c: pl.Int64 for c in columns}, orient="row")
    return frame.with_columns([replaced[c] for c in columns])


def suppress_column_cells(frame: pl.DataFrame, column: str, limit: int | None = None) -> pl.DataFrame:
    """Apply ``suppress_cells`` down one column (rows summing to a column total)."""
    values = suppress_cells(frame[column].to_list(), limit)
    return frame.with_columns(pl.Series(column, values, dtype=pl.Int64))


def suppress_table(
    frame: pl.DataFrame, columns: Sequence[str], limit: int | None = None, *, rows: bool = True, cols: bool = True
) -> pl.DataFrame:
    """Suppression in a two-way table whose rows (cells of ``columns``) and/or columns add up to
    shown totals: primary masking, then secondary masking repeated along rows and columns until
    no masked cell can be recomputed from a row or a column total."""
    limit = limit or threshold()
    grid = [list(row) for row in frame.select(columns).iter_rows()]
    out = [[None if is_small(v, limit) else v for v in row] for row in grid]
    lines = []
    if rows:
        lines += [[(r, c) for c in range(len(columns))] for r in range(len(grid))]
    if cols:
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(columns))]
    changed = True
    while changed:
        changed = False
        for line in lines:
            values = [grid[r][c] for r, c in line]
            shown = [out[r][c] for r, c in line]
            if _recoverable(values, shown, limit):
                candidates = [(v, k) for k, v in enumerate(shown) if v is not None and v > 0]
                if candidates:
                    r, c = line[min(candidates)[1]]
                    out[r][c] = None
                    changed = True
    replaced = pl.DataFrame(out, schema={c: pl.Int64 for c in columns}, orient="row")
    return frame.with_columns([replaced[c] for c in columns])


def format_count(value: int | None, was_masked: bool) -> str:
    """Display a possibly masked count: ``"< 5"`` when masked."""
    return masked_label() if was_masked else fmt.integer(value)
