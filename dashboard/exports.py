"""CSV and XLSX exports (core, no Streamlit).

Every file the app produces goes through here, so that text cells that would start a
spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) are neutralised with a
leading apostrophe, and CSVs open cleanly in a French Excel (UTF-8 with BOM, ``;``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _text_safe(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            starts = pl.any_horizontal([col.str.starts_with(p) for p in FORMULA_PREFIXES])
            exprs.append(pl.when(starts).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """``;``-separated UTF-8 CSV with BOM, decimal comma for floats, formulas neutralised."""
    safe = _text_safe(frame)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in safe.columns])
    for row in safe.iter_rows():
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",") if value == value else ""
    return value


def to_xlsx_bytes(sheets: Mapping[str, pl.DataFrame], notes: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook, one sheet per frame (names cut to 31 characters), bold headers,
    widths fitted to content, formulas neutralised. ``notes`` adds a line under the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="000091")
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(_sheet_name(name))
        sheet.append([neutralise(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
        for row in frame.iter_rows():
            sheet.append([neutralise(v) for v in row])
        for idx, column in enumerate(frame.columns, start=1):
            values = [str(column)] + [str(v) for v in frame[column].head(500).to_list() if v is not None]
            sheet.column_dimensions[get_column_letter(idx)].width = min(60, max(10, max(map(len, values)) + 2))
            if frame.schema[column] == pl.Float64:
                for cells in sheet.iter_rows(min_row=2, min_col=idx, max_col=idx):
                    for cell in cells:
                        cell.number_format = "0.0%" if _looks_like_rate(column) else "#,##0.0"
        sheet.freeze_panes = "A2"
        if notes and name in notes:
            sheet.append([])
            sheet.append([neutralise(notes[name])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _looks_like_rate(column: str) -> bool:
    lowered = column.lower()
    return lowered.startswith(("taux", "part")) or "%" in lowered


def _sheet_name(name: str) -> str:
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return cleaned[:31] or "Feuille"
