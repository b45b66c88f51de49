"""One record as key / label / value lines (the figures export of one territory): each line is
declared by its own ``Column``, so every value is written with its kind's rounding and format —
the same rules as the tables (``csvfile``, ``workbook``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.disclosure import marks
from dashboard.publish import csvfile, exports, workbook
from dashboard.publish.columns import Column
from dashboard.publish.provenance import Provenance
from dashboard.publish.text import value_text

HEADERS = ("Clé", "Indicateur", "Valeur", "Secret statistique")


@dataclass(frozen=True)
class Line:
    column: Column
    value: object
    mark: str | None = None  # disclosure mark when masked
    not_applicable: bool = False  # a figure without meaning here: written « sans objet »


NOT_APPLICABLE = "sans objet"


def csv_bytes(lines: Sequence[Line], provenance: Provenance | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in lines:
        value = "" if line.mark else csvfile.cell(line.column, line.value)
        value = value if line.column.numeric else exports.neutralise(value)
        if line.not_applicable:
            value = NOT_APPLICABLE
        mark = marks.mark_text(line.mark) if line.mark else ""
        writer.writerow([line.column.key, exports.neutralise(csvfile.header(line.column)), value, mark])
    if provenance is not None:
        writer.writerow([])
        for label, text in provenance.lines():
            writer.writerow([exports.neutralise(f"{label} : {text}")])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(lines: Sequence[Line], provenance: Provenance | None = None, sheet: str = "Chiffres") -> bytes:
    from openpyxl import Workbook  # heavy: loaded when a workbook is written or read
    from openpyxl.styles import Font, PatternFill  # heavy: loaded when a workbook is written or read

    book = Workbook()
    book.remove(book.active)
    page = book.create_sheet(exports.sheet_name(sheet))
    page.append(list(HEADERS))
    for cell in page[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=workbook.HEADER_FILL)
    widths = [len(h) for h in HEADERS]
    for row, line in enumerate(lines, start=2):
        page.cell(row=row, column=1, value=line.column.key)
        page.cell(row=row, column=2, value=exports.neutralise(workbook.header(line.column)))
        target = page.cell(row=row, column=3)
        if line.mark:
            target.fill = PatternFill("solid", fgColor=workbook.MASKED_FILL)
            page.cell(row=row, column=4, value=marks.mark_text(line.mark))
        elif line.not_applicable:
            target.value = NOT_APPLICABLE
        else:
            target.value = workbook.cell_value(line.column, line.value)
            if target.value is not None:
                target.number_format = workbook.number_format(line.column)
        texts = (line.column.key, workbook.header(line.column), value_text(line.column, line.value))
        widths = [max(w, len(str(t))) for w, t in zip(widths, texts, strict=False)] + widths[len(texts):]
    for letter, width in zip("ABCD", widths, strict=True):
        page.column_dimensions[letter].width = min(60, width + 2)
    page.freeze_panes = "A2"
    workbook.printable(page)
    if provenance is not None:
        workbook.write_notes(book, provenance)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
