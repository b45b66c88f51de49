"""Native, editable PowerPoint charts from ``series.ChartSpec`` (python-pptx).

The data go into the chart's embedded workbook (editable in PowerPoint and LibreOffice), rounded
to what is shown; data labels show the point's own value under a number format (a user who
corrects a value in the chart data sees the new label): counts with a thousands separator that
does not depend on the viewer's locale (a narrow no-break space), rates as "12,3 %" (a French
format: a comma in LibreOffice whatever its locale, the viewer's separator in PowerPoint). Masked
values are absent points (nothing in the chart's data), and a masked bar carries its mark as a data
label (« < 5 », « s »: ``Series.marks``) drawn at zero height; a line has a gap there, and a grey
marker on its path carries the mark (its note says why).
"""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_MARK,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Pt

from dashboard import fmt
from dashboard.charts.raccrochage_solutions import SECRET_NAME
from dashboard.charts.secret_marks import MASKED_FILL, MASKED_POINT_NAME, on_path
from dashboard.disclosure import marks as disclosure_marks
from dashboard.slides import style
from dashboard.slides.layout import Box, set_alt_text
from dashboard.slides.series import ChartSpec, Series

#: Counts: "1 234" from 1 000 up (narrow no-break space), plain below; locale-independent.
COUNT_FORMAT = '[>=1000]#"\u202f"##0;0'
#: The formats of decimals carry the French locale (``[$-40C]``, fr-FR): LibreOffice then writes
#: « 3,1 % » whatever its own locale, and PowerPoint writes the viewer's separator (a comma in French).
FRENCH = "[$-40C]"
#: Rates stored as fractions: "12 %" on axes, "12,3 %" on labels.
PERCENT_AXIS_FORMAT = FRENCH + '0"\u00a0"%'
PERCENT_DATA_FORMAT = FRENCH + '0.0"\u00a0"%'
#: Rates per 1 000 pupils: one decimal, whole numbers on axes.
DECIMAL_DATA_FORMAT = FRENCH + "0.0"
DECIMAL_AXIS_FORMAT = FRENCH + "0"
DATA_FORMATS = {"percent": PERCENT_DATA_FORMAT, "per1000": DECIMAL_DATA_FORMAT}
AXIS_FORMATS = {"percent": PERCENT_AXIS_FORMAT, "per1000": DECIMAL_AXIS_FORMAT}

KINDS = {
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "stacked": XL_CHART_TYPE.COLUMN_STACKED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
}
GRID = "#E3E3E3"
MARKERS = {"circle": XL_MARKER_STYLE.CIRCLE, "diamond": XL_MARKER_STYLE.DIAMOND, "dash": XL_MARKER_STYLE.DASH,
           "square": XL_MARKER_STYLE.SQUARE}
AXIS = "#BBBBBB"


KIND_WORDS = {"line": "courbes", "column": "colonnes", "stacked": "colonnes empilées", "bar": "barres"}


def _value_text(value, value_format: str) -> str:
    if value is None:
        return "non publié"
    if value_format == "percent":
        return fmt.percent(value)
    if value_format == "per1000":
        return fmt.number(value, 1)
    return fmt.integer(value)


def describe(spec: ChartSpec, kind: str, title: str) -> str:
    """The chart's alternative text: its title and kind, then each series' values by category, as
    the chart's labels show them (values rounded and masked by the content, never computed here)."""
    parts = [f"Graphique ({KIND_WORDS.get(kind, 'graphique')}) : {title.strip().rstrip('.')}."]
    for s in spec.series:
        values = "; ".join(f"{category} : {_value_text(value, spec.value_format)}"
                           for category, value in zip(spec.categories, s.values, strict=False))
        parts.append(f"{s.name} — {values}.")
    return " ".join(parts)


def add_chart(slide, box: Box, spec: ChartSpec, kind: str, *, font_pt: float = 12, legend: bool = True,
              value_axis: bool = True, label_pt: float | None = None, headroom: float = 1.0, title: str = ""):
    """Add ``spec`` as a native chart of ``kind`` (line, column, stacked, bar) in ``box``, its
    alternative text said from ``title`` and its series (``describe``)."""
    number_format = DATA_FORMATS.get(spec.value_format, COUNT_FORMAT)
    data = CategoryChartData(number_format=number_format)
    data.categories = spec.categories
    for s in spec.series:
        data.add_series(s.name, [None if v is None else float(v) for v in s.values])
    masked_points = _masked_points(spec) if kind == "line" else []
    for s, _source in masked_points:
        data.add_series(s.name, [None if v is None else float(v) for v in s.values])
    frame = slide.shapes.add_chart(KINDS[kind], box.x, box.y, box.w, box.h, data)
    set_alt_text(frame, describe(spec, kind, title or "graphique"), name=f"Graphique : {title}" if title else None)
    chart = frame.chart
    chart.font.name = style.FONT
    chart.font.size = Pt(font_pt)
    chart.font.color.rgb = style.rgb(style.TEXT)
    chart.has_title = False
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(font_pt - 1)
    _style_axes(chart, spec, kind, font_pt, value_axis, headroom)
    plot = chart.plots[0]
    # a stacked chart with a « secret statistique » segment shows its masked parts there
    secret_segment = any(s.name == SECRET_NAME for s in spec.series)
    if kind in ("column", "bar", "stacked"):
        plot.gap_width = 60 if kind == "stacked" else 45
        if kind != "stacked":
            plot.overlap = -5
    for s, series in zip(spec.series, list(plot.series)[:len(spec.series)], strict=True):
        if kind == "line":
            _style_line(series, s)
        else:
            _style_bar(series, s)
        _labels(series, s, kind, label_pt or font_pt - 1, number_format)
        if kind != "line" and not (kind == "stacked" and secret_segment):
            _marks(chart, series, s, kind, label_pt or font_pt - 1)
    if masked_points:
        _draw_masked_points(chart, list(plot.series)[len(spec.series):], masked_points, label_pt or font_pt - 1)
    if _blanks_drawn(chart):  # a blank that is not masked (no data) is drawn at zero: no « 0 » label on it
        for s, series in zip(spec.series, list(plot.series)[:len(spec.series)], strict=True):
            for index, value in enumerate(s.values):
                if value is None and not (index < len(s.marks) and s.marks[index]):
                    _no_label(series, index)
    return frame


def _masked_points(spec: ChartSpec) -> list[tuple[Series, Series]]:
    """For a line chart, one markers-only series per line with masked points: each masked point on
    the line's path (``secret_marks.on_path``: midway between the published points around it, the
    point itself holding no value), to carry its mark. Not part of the spec (nor of its workbook)."""
    out = []
    for s in spec.series:
        masked = [i for i, (m, v) in enumerate(zip(s.marks, s.values, strict=False)) if m and v is None]
        if not masked:
            continue
        values = [on_path(s.values, i) if i in masked else None for i in range(len(s.values))]
        marks = [s.marks[i] if i in masked else None for i in range(len(s.values))]
        out.append((Series(MASKED_POINT_NAME, values, s.color, marks=marks, line=False), s))
    return out


def _draw_masked_points(chart, plotted, masked_points, label_pt: float) -> None:
    """Grey markers ringed in the line's colour, the mark (« < 5 », « s ») above them; one legend entry for them all."""
    for index, (series, (s, _source)) in enumerate(zip(plotted, masked_points, strict=True)):
        series.smooth = False
        series.format.line.fill.background()
        marker = series.marker
        marker.style = XL_MARKER_STYLE.CIRCLE
        marker.size = 9
        marker.format.fill.solid()  # a grey disc (LibreOffice draws no marker border: the fill says it)
        marker.format.fill.fore_color.rgb = style.rgb(MASKED_FILL)
        marker.format.line.color.rgb = style.rgb(s.color)
        marker.format.line.width = Pt(2)
        for point, mark in enumerate(s.marks):
            if not mark:
                continue
            label = series.points[point].data_label
            label.has_text_frame = True
            label.text_frame.text = disclosure_marks.mark_text(mark)
            run = label.text_frame.paragraphs[0].runs[0]
            run.font.size = Pt(label_pt)
            run.font.name = style.FONT
            run.font.bold = True
            run.font.color.rgb = style.rgb(style.MUTED)
            label.position = XL_LABEL_POSITION.ABOVE
        if index and chart.has_legend:
            _hide_legend_entry(chart, series.index)


def _hide_legend_entry(chart, series_index: int) -> None:
    legend = chart.legend._element  # python-pptx has no legend entry API
    entry = legend.makeelement(qn("c:legendEntry"), {})
    idx = entry.makeelement(qn("c:idx"), {"val": str(series_index)})
    delete = entry.makeelement(qn("c:delete"), {"val": "1"})
    entry.append(idx)
    entry.append(delete)
    position = legend.find(qn("c:legendPos"))
    if position is not None:
        position.addnext(entry)
    else:
        legend.insert(0, entry)


def _blanks_drawn(chart) -> bool:
    blanks = chart._chartSpace.find(qn("c:chart")).find(qn("c:dispBlanksAs"))
    return blanks is not None and blanks.get("val") == "zero"


def _no_label(series, index: int) -> None:
    dlbl = series.points[index].data_label._get_or_add_dLbl()  # python-pptx has no delete
    for child in list(dlbl):
        if child.tag != qn("c:idx"):
            dlbl.remove(child)
    dlbl.append(dlbl.makeelement(qn("c:delete"), {"val": "1"}))


def _marks(chart, series, s, kind: str, label_pt: float) -> None:
    """The mark of each masked bar (« < 5 », « s ») as its data label. The point keeps no value (the
    chart's data and workbook stay empty there); blanks are drawn as zero so the label has a place."""
    masked = [(i, m) for i, (m, v) in enumerate(zip(s.marks, s.values, strict=False)) if m and v is None]
    if not masked:
        return
    _blanks_as_zero(chart)
    for index, mark in masked:
        label = series.points[index].data_label
        label.has_text_frame = True
        label.text_frame.text = disclosure_marks.mark_text(mark)
        _label_font(label.text_frame.paragraphs[0].runs[0].font, s, kind, label_pt)
        label.text_frame.paragraphs[0].runs[0].font.color.rgb = style.rgb(style.MUTED)
        if kind in ("bar", "column"):
            label.position = XL_LABEL_POSITION.OUTSIDE_END
        else:
            label.position = XL_LABEL_POSITION.INSIDE_BASE


def _blanks_as_zero(chart) -> None:
    element = chart._chartSpace.find(qn("c:chart"))  # no python-pptx API for dispBlanksAs
    blanks = element.find(qn("c:dispBlanksAs"))
    if blanks is None:
        blanks = element.makeelement(qn("c:dispBlanksAs"), {})
        anchor = element.find(qn("c:plotVisOnly"))
        if anchor is not None:
            anchor.addnext(blanks)
        else:
            element.append(blanks)
    blanks.set("val", "zero")


def _style_axes(chart, spec: ChartSpec, kind: str, font_pt: float, value_axis: bool, headroom: float) -> None:
    values = chart.value_axis
    values.has_major_gridlines = value_axis
    if value_axis:
        values.major_gridlines.format.line.color.rgb = style.rgb(GRID)
        values.major_gridlines.format.line.width = Pt(0.75)
    values.format.line.fill.background()
    values.tick_labels.font.size = Pt(font_pt - 1)
    values.tick_labels.font.color.rgb = style.rgb(style.MUTED)
    values.tick_labels.number_format = AXIS_FORMATS.get(spec.value_format, COUNT_FORMAT)
    values.tick_labels.number_format_is_linked = False
    values.major_tick_mark = XL_TICK_MARK.NONE
    values.minimum_scale = 0
    top = _max_value(spec, kind)
    if top and headroom > 1.0:
        values.maximum_scale = top * headroom
    if not value_axis:
        values.visible = False
    categories = chart.category_axis
    categories.format.line.color.rgb = style.rgb(AXIS)
    categories.tick_labels.font.size = Pt(font_pt - 1)
    categories.major_tick_mark = XL_TICK_MARK.NONE
    categories.has_major_gridlines = False
    if kind == "bar":
        categories.reverse_order = True  # first category at the top


def _max_value(spec: ChartSpec, kind: str) -> float | None:
    if kind == "stacked":
        sums = [sum(v for v in column if v is not None) for column in zip(*(s.values for s in spec.series), strict=True)]
        return max(sums, default=None)
    values = [v for s in spec.series for v in s.values if v is not None]
    return max(values, default=None)


def _style_line(series, s) -> None:
    series.smooth = False
    line = series.format.line
    if not s.line:
        line.fill.background()
    else:
        line.color.rgb = style.rgb(s.color)
        line.width = Pt(s.width_pt)
    if s.line and s.dash:
        line.dash_style = MSO_LINE_DASH_STYLE.DASH
    marker = series.marker
    marker.style = MARKERS[s.marker]
    marker.size = s.marker_size
    marker.format.fill.solid()
    marker.format.fill.fore_color.rgb = style.rgb(s.color)
    marker.format.line.color.rgb = style.rgb("#FFFFFF" if s.marker == "circle" else s.color)


def _style_bar(series, s) -> None:
    series.invert_if_negative = False
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = style.rgb(s.color)
    series.format.line.fill.background()
    if s.point_colors:
        for index, color in enumerate(s.point_colors):
            point = series.points[index]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = style.rgb(color)
            point.format.line.fill.background()


def _labels(series, s, kind: str, label_pt: float, number_format: str) -> None:
    """Data labels linked to the values (``showVal`` under ``number_format``) on the points of
    ``s.labelled``: the whole series when every point with a value is labelled, else point by point."""
    flags = [bool(f) and v is not None for f, v in zip(s.labelled, s.values, strict=False)]
    if not any(flags):
        return
    with_value = [v is not None for v in s.values]
    if flags == with_value[:len(flags)] and len(flags) == len(s.values):
        labels = series.data_labels
        labels.show_value = True
        labels.number_format = number_format
        labels.number_format_is_linked = False
        _label_font(labels.font, s, kind, label_pt)
        if kind in ("bar", "column"):
            labels.position = XL_LABEL_POSITION.OUTSIDE_END
        elif kind == "line":
            labels.position = XL_LABEL_POSITION.ABOVE
        return
    for index, flag in enumerate(flags):
        if not flag:
            continue
        label = series.points[index].data_label
        dlbl = label._get_or_add_dLbl()
        fmt_element = dlbl.makeelement(qn("c:numFmt"), {"formatCode": number_format, "sourceLinked": "0"})
        dlbl.spPr.addprevious(fmt_element) if dlbl.spPr is not None else dlbl.insert(1, fmt_element)
        _label_font(label.font, s, kind, label_pt)
        if kind == "line":  # right of the point, above it at the last category
            last = index == len(s.values) - 1
            label.position = XL_LABEL_POSITION.ABOVE if last else XL_LABEL_POSITION.RIGHT
        elif kind in ("bar", "column"):
            label.position = XL_LABEL_POSITION.OUTSIDE_END


def _label_font(font, s, kind: str, label_pt: float) -> None:
    font.size = Pt(label_pt)
    font.name = style.FONT
    font.bold = kind == "line"
    font.color.rgb = style.rgb(s.color if kind == "line" else style.TEXT)
