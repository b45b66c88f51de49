"""Helpers for the slide-deck tests: read a PPTX back with python-pptx."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Emu

from dashboard import fmt
from dashboard.slides import style


def open_deck(data: bytes):
    return Presentation(io.BytesIO(data))


def slide_title(slide) -> str:
    title = slide.shapes.title
    return title.text_frame.text if title is not None else ""


def charts_of(slide) -> list:
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def series_values(chart) -> dict[str, list]:
    """Series name → values (None for an absent point), read from the chart part's XML."""
    out = {}
    for series in chart.plots[0].series:
        ser = series._element
        count = int(ser.xpath("./c:val//c:ptCount/@val")[0])
        values: list = [None] * count
        for pt in ser.xpath("./c:val//c:pt"):
            values[int(pt.get("idx"))] = float(pt.xpath("./c:v")[0].text)
        out[series.name] = values
    return out


def categories(chart) -> list[str]:
    return [str(c) for c in chart.plots[0].categories]


def fixed_label_texts(chart) -> list[str]:
    """Fixed (custom) data-label texts: a deck has none, its labels show the values."""
    return [t for t in chart._chartSpace.xpath(".//c:dLbl//a:t/text()")]


def _label_text(value: float, format_code: str) -> str:
    from dashboard.slides import pptcharts

    if format_code == pptcharts.COUNT_FORMAT:
        return fmt.integer(value)
    if format_code == pptcharts.PERCENT_DATA_FORMAT:
        return fmt.percent(value)
    if format_code == pptcharts.DECIMAL_DATA_FORMAT:  # a rate per 1 000 pupils
        return fmt.number(value, 1)
    raise AssertionError(f"unexpected label number format {format_code!r}")


def data_labels(chart) -> list[str]:
    """The text every shown data label displays (its point's value under its number format, as a
    French PowerPoint shows it), series by series."""
    out = []
    for series in chart.plots[0].series:
        ser = series._element
        values = list(series.values)
        whole = ser.xpath("./c:dLbls[c:showVal/@val='1']/c:numFmt/@formatCode")
        points = {int(d.xpath("./c:idx/@val")[0]): d for d in ser.xpath("./c:dLbls/c:dLbl")}
        for index, value in enumerate(values):
            if value is None:
                continue
            dlbl = points.get(index)
            if dlbl is not None and dlbl.xpath("./c:tx/c:rich"):  # a fixed text (a mark): shown as written
                out.append("".join(dlbl.xpath("./c:tx/c:rich//a:t/text()")))
            elif dlbl is not None and dlbl.xpath("./c:showVal/@val") == ["1"]:
                out.append(_label_text(value, dlbl.xpath("./c:numFmt/@formatCode")[0]))
            elif whole and dlbl is None:
                out.append(_label_text(value, whole[0]))
    return out


def slide_texts(slide) -> list[str]:
    """Texts of shapes, table cells and chart labels of a slide."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out.extend(cell.text for row in shape.table.rows for cell in row.cells)
        if shape.has_chart:
            out.extend(data_labels(shape.chart))
            out.extend(s.name for s in shape.chart.plots[0].series)
    return out


def table_of(slide):
    return next(shape.table for shape in slide.shapes if shape.has_table)


def overflowing_shapes(prs) -> list[str]:
    """Text shapes whose text, at its own font sizes and wrapped on words, is taller or wider
    than the box (measured with the deck's own metrics)."""
    problems = []
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            frame = shape.text_frame
            inset_x = (frame.margin_left or 0) + (frame.margin_right or 0)
            inset_y = (frame.margin_top or 0) + (frame.margin_bottom or 0)
            width_pt = Emu(shape.width - inset_x).pt * 0.97
            height = 0.0
            for paragraph in frame.paragraphs:
                runs = [r for r in paragraph.runs if r.text]
                if not runs:
                    continue
                size = max(r.font.size.pt for r in runs if r.font.size is not None)
                bold = any(r.font.bold for r in runs)
                lines = style.line_count([paragraph.text], width_pt, size, bold)
                if lines is None:
                    problems.append(f"diapositive {number} : mot trop long dans « {paragraph.text[:40]} »")
                    lines = 1
                height += lines * size * style.LINE_SPACING
                if paragraph.space_after is not None:
                    height += paragraph.space_after.pt
            if height > Emu(shape.height - inset_y).pt + 1:
                problems.append(f"diapositive {number} : « {frame.text[:40]} » ({height:.0f} pt)")
    return problems


MIN_PT = 10.0  # the smallest text a projected slide may hold (issue 25)


def _chart_sizes(chart) -> list[float]:
    """Every font size written in a chart part (text properties, legend, axes, data labels), in pt."""
    space = chart._chartSpace
    return [int(v) / 100 for v in space.xpath(".//a:defRPr/@sz | .//a:rPr/@sz | .//a:endParaRPr/@sz")]


def small_texts(prs, minimum: float = MIN_PT) -> list[str]:
    """Texts set under ``minimum`` points anywhere on any slide: text boxes, table cells, charts
    (labels, ticks, legends). A chart without any size falls back to the application's default
    (10 pt in PowerPoint and LibreOffice), so it is reported too."""
    problems = []
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            frames = []
            if shape.has_text_frame:
                frames.append(shape.text_frame)
            if getattr(shape, "has_table", False) and shape.has_table:
                frames.extend(cell.text_frame for row in shape.table.rows for cell in row.cells)
            for frame in frames:
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        if not run.text.strip():
                            continue
                        size = run.font.size
                        if size is None or size.pt < minimum:
                            problems.append(f"diapositive {number} : « {run.text[:40]} » "
                                            f"({'taille héritée' if size is None else f'{size.pt:g} pt'})")
            if getattr(shape, "has_chart", False) and shape.has_chart:
                sizes = _chart_sizes(shape.chart)
                if not sizes:
                    problems.append(f"diapositive {number} : graphique sans taille de texte")
                problems += [f"diapositive {number} : graphique, texte à {s:g} pt" for s in sizes if s < minimum]
    return problems


def shapes_outside(prs) -> list[str]:
    """Shapes that do not lie wholly inside the slide."""
    problems = []
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if shape.left < 0 or shape.top < 0 or shape.left + shape.width > prs.slide_width \
                    or shape.top + shape.height > prs.slide_height:
                problems.append(f"diapositive {number} : « {shape.name} » dépasse de la diapositive")
    return problems
