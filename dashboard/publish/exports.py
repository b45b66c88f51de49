"""Safe CSV and XLSX writing (core, no Streamlit).

Every file the app produces goes through here, so that text cells that would start a
spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) are neutralised with a
leading apostrophe, characters a spreadsheet cannot hold (control characters) are dropped, and
CSVs open cleanly in a French Excel (UTF-8 with BOM, ``;``).

Published figures are written by ``dashboard.publish`` (declared columns: number formats from the
declaration, never from a header); the plain writers here serve technical tables (import reports,
templates, the audit log), written as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

import polars as pl

from dashboard.plaintext import ascii_letters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: characters an XLSX cannot hold (XML 1.0 forbids them) and nobody means to write
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(value):
    """``value`` without the control characters a spreadsheet cannot hold (text only)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS.sub("", value)
    return value


def neutralise(value):
    """Prefix a text that a spreadsheet would read as a formula with an apostrophe."""
    value = clean_text(value)
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
    """An XLSX workbook of technical tables, one sheet per frame (names cut to 31 characters),
    bold headers, widths fitted to content, formulas neutralised, values as they are (General
    format). ``notes`` adds a line under the table."""
    from openpyxl import Workbook  # heavy: loaded when a workbook is written or read
    from openpyxl.styles import Font, PatternFill  # heavy: loaded when a workbook is written or read
    from openpyxl.utils import get_column_letter  # heavy: loaded when a workbook is written or read

    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="000091")
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(sheet_name(name, workbook.sheetnames))
        sheet.append([neutralise(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
        for row in frame.iter_rows():
            sheet.append([neutralise(v) for v in row])
        for idx, column in enumerate(frame.columns, start=1):
            values = [str(column)] + [str(v) for v in frame[column].head(500).to_list() if v is not None]
            sheet.column_dimensions[get_column_letter(idx)].width = min(60, max(10, max(map(len, values)) + 2))
        sheet.freeze_panes = "A2"
        if notes and name in notes:
            sheet.append([])
            sheet.append([neutralise(notes[name])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_name(name: str, taken=()) -> str:
    """A valid, unused sheet name: forbidden characters dropped, cut to 31 characters."""
    cleaned = clean_text("".join(ch for ch in name if ch not in "[]:*?/\\"))[:31] or "Feuille"
    candidate, number = cleaned, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = cleaned[: 31 - len(suffix)] + suffix, number + 1
    return candidate


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A file name built from codes and labels: accents dropped, anything but letters, digits,
    ``-``, ``_`` and ``.`` replaced by ``-`` (never a path: no ``/``, no ``..`` at the start)."""
    ascii_name = ascii_letters(name)
    cleaned = _UNSAFE_FILENAME.sub("-", ascii_name).strip("-.")
    return cleaned or "export"
