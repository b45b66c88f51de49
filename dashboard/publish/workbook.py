"""XLSX as Excel users expect, from declared tables (``publish.columns``).

Numbers are numbers: counts integers (``#,##0``), rates fractions with a percentage format
(``0.0 %``) so that Excel computes with them, relative gaps signed percentages, differences of
rates as numbers of points (``+1.2`` shown « +1,2 pt »), expected and projected counts kept as computed and
shown rounded to a whole, dates real dates. A masked cell is empty, shaded, and listed in the last
column « Secret statistique »; never a fake number. Header row frozen and wrapped, widths fitted to
what is shown, a last sheet « Notes » with the provenance. Text is neutralised (no formula) and
cleaned of the characters Excel cannot hold.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from dashboard.publish import exports
from dashboard.publish.columns import NUMERIC, Column, Kind, Table, masked_summary
from dashboard.publish.provenance import Provenance
from dashboard.publish.text import is_missing, value_text

MASKED_HEADER = "Secret statistique"
MASKED_FILL = "E6E6E6"
HEADER_FILL = "000091"
NOTES_SHEET = "Notes"


MINUS = '"\u2212"'  # the true minus sign of the French texts, as a literal of the format


#: The French locale tag (fr-FR) every number format carries, as the deck charts do
#: (``slides.pptcharts``): LibreOffice then writes « 2 148 » and « 12,3 % » whatever its own locale
#: (untagged, an English LibreOffice shows « 2,148 », read 2,148 in French); Excel keeps its own separators.
FRENCH = "[$-40C]"


def _signed(body: str, suffix: str = "") -> str:
    return f"+{body}{suffix};{MINUS}{body}{suffix};{body}{suffix}"


def _french(code: str) -> str:
    """``code`` with the French locale tag at the head of each section (positive;negative;zero)."""
    return ";".join(FRENCH + section for section in code.split(";"))


def number_format(column: Column) -> str:
    """The Excel number format of a declared column; LibreOffice (whatever its locale) and Excel in
    French show the text of ``publish.text`` (« 2 148 », « 78,2 % », « +1,2 pt », « −3,1 % »)."""
    code = _number_format(column)
    return _french(code) if column.kind in NUMERIC else code


def _number_format(column: Column) -> str:
    places = column.places
    decimals = ("." + "0" * places) if places else ""
    kind = column.kind
    if kind in (Kind.COUNT, Kind.EXPECTED):
        return _signed("#,##0") if column.signed else "#,##0"
    if kind == Kind.RATE:
        return f"0{decimals} %"
    if kind == Kind.RELATIVE:
        return _signed(f"0{decimals}", " %")
    if kind == Kind.POINTS:
        return _signed(f"0{decimals}", '" pt"')
    if kind == Kind.NUMBER:
        return _signed(f"#,##0{decimals}") if column.signed else f"#,##0{decimals}"
    if kind == Kind.DATE:
        return "dd/mm/yyyy"
    return "@"


def header(column: Column) -> str:
    return column.header


def cell_value(column: Column, value):
    """The value written in the cell (a number, a date, or cleaned text)."""
    if is_missing(value):
        return None
    kind = column.kind
    if kind == Kind.COUNT:
        return int(round(value))
    if kind in (Kind.EXPECTED, Kind.RATE, Kind.NUMBER) and not column.signed:
        return float(value)
    if kind == Kind.POINTS:  # a number of points, rounded as shown (a change of 0,04 pt is « 0,0 pt »)
        return round(float(value) * 100, column.places)
    if kind == Kind.RELATIVE:  # likewise: the sign shown is the sign of the rounded value
        return round(float(value), column.places + 2)
    if column.signed:
        return round(float(value), column.places)
    if kind == Kind.DATE:
        return dt.date.fromisoformat(str(value)[:10])
    return exports.neutralise(exports.clean_text(value_text(column, value)))


def _width(texts: list[str]) -> float:
    return min(60.0, max(8.0, max((len(t) for t in texts), default=0) + 2))


def _write_table(workbook, table: Table) -> None:
    from openpyxl.styles import (  # heavy: loaded when a workbook is written or read
        Alignment,
        Font,
        PatternFill,
    )
    from openpyxl.utils import get_column_letter  # heavy: loaded when a workbook is written or read

    sheet = workbook.create_sheet(exports.sheet_name(table.name, workbook.sheetnames))
    columns = list(table.columns)
    headers = [header(c) for c in columns] + ([MASKED_HEADER] if table.has_secret else [])
    sheet.append([exports.neutralise(exports.clean_text(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    masked_fill = PatternFill("solid", fgColor=MASKED_FILL)
    fills = table.fills or tuple({} for _ in range(table.frame.height))
    shown: list[list[str]] = [[] for _ in headers]
    for r, ((values, marks), row_fills) in enumerate(zip(table.rows(), fills, strict=True), start=2):
        for c, column in enumerate(columns, start=1):
            cell = sheet.cell(row=r, column=c)
            if column.key in marks:
                cell.fill = masked_fill
                continue
            value = values[column.key]
            declared = table.column_at(r - 2, column)
            cell.value = cell_value(declared, value)
            if cell.value is not None:
                cell.number_format = number_format(declared)
                shown[c - 1].append(value_text(declared, value))
            if column.key in row_fills:
                cell.fill = PatternFill("solid", fgColor=row_fills[column.key].lstrip("#"))
        if table.has_secret:
            summary = masked_summary(table, marks)
            sheet.cell(row=r, column=len(columns) + 1, value=summary or None)
            shown[-1].append(summary)
    for index, texts in enumerate(shown):
        # the header on one line up to 30 characters, wrapped beyond
        width = max(_width(texts[:500]), min(32.0, len(headers[index]) + 2))
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    longest = max((len(h) for h in headers), default=0)
    if longest > 30:
        sheet.row_dimensions[1].height = 15 * min(4, -(-longest // 28))
    sheet.freeze_panes = "A2"
    total = sum(sheet.column_dimensions[get_column_letter(i + 1)].width for i in range(len(headers)))
    printable(sheet, pages_wide=max(1, -(-int(total) // PAGE_WIDTH)))
    if table.note:
        sheet.append([])
        sheet.append([exports.neutralise(exports.clean_text(table.note))])


PAGE_WIDTH = 190  # characters of column width that stay readable on a landscape A4 page


def printable(sheet, pages_wide: int = 1) -> None:
    """Printed (or converted to PDF) in landscape, ``pages_wide`` pages across, header repeated."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = pages_wide
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"


def write_notes(workbook, provenance: Provenance) -> None:
    from openpyxl.styles import Alignment, Font  # heavy: loaded when a workbook is written or read

    sheet = workbook.create_sheet(NOTES_SHEET)
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = 110
    for label, text in provenance.lines():
        sheet.append([label, exports.neutralise(exports.clean_text(text))])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(vertical="top")
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[sheet.max_row].height = 15 * max(1, -(-len(text) // 100))
    printable(sheet)


def xlsx_bytes(tables: Sequence[Table], provenance: Provenance | None = None) -> bytes:
    """One sheet per table, then « Notes » (when a provenance is given)."""
    from openpyxl import Workbook  # heavy: loaded when a workbook is written or read

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        _write_table(workbook, table)
    if provenance is not None:
        write_notes(workbook, provenance)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
