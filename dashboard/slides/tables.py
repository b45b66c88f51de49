"""Native PowerPoint tables: French-formatted cells, status colours, sizes that fit the slide."""

from __future__ import annotations

from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboard import fmt
from dashboard.charts.common import BLUE_FRANCE
from dashboard.disclosure import marks
from dashboard.slides import style
from dashboard.slides.layout import Box
from queries.statuses import Status

CELL_MARGIN_X = Inches(0.06)
CELL_MARGIN_Y = Inches(0.03)
ZEBRA = "#F5F5FA"
MAX_PT, MIN_PT = 16.0, style.MIN_PT


HEADER_SCALE = 0.9  # header text, relative to the body (never under ``style.MIN_PT``)


def header_pt(size: float) -> float:
    return max(style.MIN_PT, round(size * HEADER_SCALE * 2) / 2)


def _needs(header: list[str], columns: list[list[str]], bold_columns: set[int]) -> list[float]:
    """Width (pt, at 1 pt) each column needs: its widest body cell on one line (bold where the
    cells are bold), its longest header word (headers wrap between words)."""
    out = []
    for index, texts in enumerate(columns):
        body = [style.text_width_pt(t, 1.0, bold=index in bold_columns) for t in texts]
        words = [style.text_width_pt(w, 1.0, bold=True) for w in header[index].split(" ")]  # headers: 10 pt at least
        out.append(max(body + words + [1.0]))
    return out


def _layout(header: list[str], columns: list[list[str]], width: int,
            bold_columns: set[int]) -> tuple[float, list[int]]:
    """(largest body size, column widths): widths follow what each column needs at that size;
    what is left is shared in proportion."""
    needs = _needs(header, columns, bold_columns)
    margins = Emu(2 * CELL_MARGIN_X).pt
    usable = Emu(width).pt * 0.95 - margins * len(needs)
    size = max(MIN_PT, min(MAX_PT, int(usable / sum(needs) * 2) / 2))
    widths_pt = [n * size / 0.95 + margins for n in needs]
    spare = max(0.0, Emu(width).pt - sum(widths_pt))
    widths_pt = [w + spare * w / sum(widths_pt) for w in widths_pt]
    widths = [int(Pt(w)) for w in widths_pt]
    widths[-1] += width - sum(widths)
    return size, widths


def _header_lines(header: list[str], widths: list[int], size: float) -> int:
    lines = 1
    for text, width in zip(header, widths, strict=True):
        usable = Emu(width - 2 * CELL_MARGIN_X).pt * 0.95
        lines = max(lines, style.line_count([text], usable, header_pt(size), bold=True) or 3)
    return lines


def add_table(slide, box: Box, header: list[str], rows: list[dict], kinds: list[str],
              status_column: int | None = None):
    """A table of ``rows`` (``{"cells": [...], "statut": ...}``) under ``header``; numbers
    right-aligned; the status cell filled with its colour. Returns the graphic frame.

    Sizes: the largest font at which cells stay on one line and the table fits ``box``; column
    widths follow their content; rows get some air (up to twice the text height) when there are
    few of them."""
    columns = [[r["cells"][i] for r in rows] for i in range(len(header))]
    size, widths = _layout(header, columns, box.w, {0} if status_column is None else {0, status_column})
    margin_pt = Emu(2 * CELL_MARGIN_Y).pt
    available = Emu(box.h).pt
    while True:
        head_pt = _header_lines(header, widths, size) * header_pt(size) * style.LINE_SPACING + margin_pt + 4
        row_pt = size * style.LINE_SPACING + margin_pt + 4
        if head_pt + row_pt * len(rows) <= available or size <= MIN_PT:
            break
        size -= 0.5
    if rows:
        row_pt = max(row_pt, min(row_pt * 1.9, (available - head_pt) / len(rows)))
    row_height, header_height = Pt(row_pt), Pt(head_pt)
    height = header_height + row_height * len(rows)
    frame = slide.shapes.add_table(len(rows) + 1, len(header), box.x, box.y, box.w, height)
    table = frame.table
    table.first_row = True
    table.horz_banding = False
    for index, width in enumerate(widths):
        table.columns[index].width = width
    table.rows[0].height = header_height
    for index in range(1, len(rows) + 1):
        table.rows[index].height = row_height
    for col, text in enumerate(header):
        _cell(table.cell(0, col), text, header_pt(size), bold=True, color="#FFFFFF", fill=BLUE_FRANCE,
              align=PP_ALIGN.LEFT if col == 0 else PP_ALIGN.CENTER)
    for r, row in enumerate(rows, start=1):
        fill = ZEBRA if r % 2 == 0 else "#FFFFFF"
        for col, text in enumerate(row["cells"]):
            numeric = kinds[col] in ("count", "number", "rate", "gap")
            if col == status_column:
                color = Status.of(row["statut"]).color
                _cell(table.cell(r, col), text, size, bold=True, color=style.readable_on(color), fill=color,
                      align=PP_ALIGN.CENTER)
            else:
                _cell(table.cell(r, col), text, size, bold=col == 0, color=style.TEXT, fill=fill,
                      align=PP_ALIGN.RIGHT if numeric else (PP_ALIGN.LEFT if col == 0 else PP_ALIGN.CENTER))
    return frame


def _cell(cell, text: str, size: float, *, bold: bool, color: str, fill: str, align) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = style.rgb(fill)
    cell.margin_left = cell.margin_right = CELL_MARGIN_X
    cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = style.FONT
    run.font.color.rgb = style.rgb(color)


def value_text(value, mark: str | None, value_format: str) -> str:
    """A chart value as its label shows it, or its secrecy mark, or « — » when there is none."""
    if value is None:
        return marks.mark_text(mark) if mark else fmt.MISSING
    if value_format == "percent":
        return fmt.percent(value)
    if value_format == "per1000":
        return fmt.number(value, 1)
    return fmt.integer(value)


def add_spec_table(slide, box: Box, spec, category: str):
    """The values of a chart (``series.ChartSpec``) as a table: one row per category, one column
    per series, a masked value written as its mark (« < 5 », « s »)."""
    header = [category, *(s.name for s in spec.series)]
    rows = []
    for index, name in enumerate(spec.categories):
        cells = [name]
        for s in spec.series:
            mark = s.marks[index] if index < len(s.marks) else None
            cells.append(value_text(s.values[index], mark, spec.value_format))
        rows.append({"cells": cells, "statut": None})
    kinds = ["label", *(["rate" if spec.value_format == "percent" else "count"] * len(spec.series))]
    return add_table(slide, box, header, rows, kinds)
