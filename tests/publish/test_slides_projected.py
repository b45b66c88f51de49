"""The deck read when projected (issue 25), on every demonstration year and every kind of deck
(the académie, one département, one PSAD, one network; open and closed years): no text under 10 pt,
no text taller or wider than its box, every shape inside the slide, the map as tall as the slide
allows with labels and legend of 10 pt or more, legends that match the bars, mostly masked charts
shown as tables with their marks, and the deck's workbook saying what the slides say."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pptx.util import Emu, Inches

from dashboard.access.scope import Scope
from dashboard.charts.secret_marks import MASKED_POINT_NAME
from dashboard.disclosure import marks as disclosure_marks
from dashboard.slides import content as slides_content
from dashboard.slides import deck as deck_module
from dashboard.slides import pptcharts, series
from dashboard.slides import workbook as slides_workbook
from dashboard.slides.tables import value_text
from tests.support.decks import (
    MIN_PT,
    categories,
    charts_of,
    open_deck,
    overflowing_shapes,
    series_values,
    shapes_outside,
    slide_texts,
    small_texts,
)

SCOPE = Scope.full("test")
DEMO_YEARS = ("2012-2013", "2013-2014", "2014-2015", "2015-2016", "2016-2017")
OPEN, CLOSED = "2016-2017", "2015-2016"
KINDS = {"académie": "ACAD", "département": "16", "PSAD": "P16-ANG", "réseau": "R16-ANG"}
MAP_YEARS = (OPEN, CLOSED)  # the map is drawn for these (slower): the others are checked without it

_decks: dict = {}


def _deck(engine, code: str, annee: str):
    """(content, presentation) of a deck, built once per test process."""
    key = (code, annee)
    if key not in _decks:
        with engine.connect() as conn:
            content = slides_content.gather(conn, SCOPE, code, annee, with_map=annee in MAP_YEARS)
        _decks[key] = (content, open_deck(deck_module.render(content)))
    return _decks[key]


def _slide(content, prs, key: str):
    return list(prs.slides)[deck_module.slide_plan(content).index(key)]


def test_the_demonstration_years_are_all_checked(demo_engine):
    with demo_engine.connect() as conn:
        years = conn.execute(sa.text("SELECT DISTINCT annee_scolaire FROM bilans ORDER BY 1")).scalars().all()
    assert tuple(years) == DEMO_YEARS


@pytest.mark.parametrize("annee", DEMO_YEARS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_text_is_10_pt_or_more_and_fits_its_box(demo_engine, kind, annee):
    """Footnotes, panels, tables, chart labels, ticks and legends, the map's legend and source: 10 pt
    or more; no text overflows its box (a conservative estimate with Arial's metrics); no shape
    leaves the slide."""
    content, prs = _deck(demo_engine, KINDS[kind], annee)
    assert small_texts(prs) == []
    assert overflowing_shapes(prs) == []
    assert shapes_outside(prs) == []


@pytest.mark.parametrize("code", ["ACAD", "P16-ANG"])
@pytest.mark.parametrize("annee", MAP_YEARS)
def test_the_map_is_large_with_legible_labels_and_a_native_legend(demo_engine, code, annee):
    content, prs = _deck(demo_engine, code, annee)
    slide = _slide(content, prs, "carte")
    (picture,) = [s for s in slide.shapes if s.shape_type == 13]
    key = content.map_key
    # as tall as the content area allows (the académie is taller than wide)
    assert picture.height >= 0.7 * prs.slide_height
    # the picture is placed at the size it was drawn for: its labels keep their size
    label_pt = key.label_pt * picture.width / Inches(key.width_in)
    assert label_pt >= MIN_PT
    # the legend is the slide's own text, each entry next to its colour
    texts = slide_texts(slide)
    assert key.title in texts
    for _, _, label in key.legend:
        assert label in texts
    legend_boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text in
                    {label for _, _, label in key.legend} | {key.title}]
    left = min(picture.left, *(s.left for s in legend_boxes))
    right = max(picture.left + picture.width, *(s.left + s.width for s in legend_boxes))
    top = min(picture.top, *(s.top for s in legend_boxes))
    bottom = max(picture.top + picture.height, *(s.top + s.height for s in legend_boxes))
    assert (right - left) * (bottom - top) >= 0.5 * prs.slide_width * prs.slide_height  # map and legend
    if code != "ACAD":
        assert ("outline", "#000000", content.territory.label) in key.legend
    assert "IGN" in " ".join(texts)  # the source, in native text of 10 pt or more (checked above)


def _intersect(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


@pytest.mark.parametrize("code", ["ACAD", "P16-ANG"])
@pytest.mark.parametrize("annee", MAP_YEARS)
def test_no_two_map_labels_overlap(demo_engine, code, annee):
    """At 11 pt « Rochefort–Marennes-Oléron » and « Saint-Jean-d'Angély » met: labels are nudged
    apart until no two boxes intersect, every label inside the map."""
    content, _ = _deck(demo_engine, code, annee)
    key = content.map_key
    boxes = key.label_boxes
    assert len(boxes) == 14  # every network of the académie is labelled
    assert not [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if _intersect(boxes[i], boxes[j])]
    assert all(0 <= x0 and 0 <= y0 and x1 <= key.width_in and y1 <= key.height_in for x0, y0, x1, y1 in boxes)


def test_labels_drawn_on_one_point_are_set_apart():
    from matplotlib.figure import Figure

    from dashboard.charts import staticmap

    figure = Figure(figsize=(4, 4), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 10)
    axes.set_ylim(0, 10)
    names = ("Rochefort–Marennes-Oléron", "Saint-Jean-d'Angély", "Saintes", "Royan", "Cognac")
    texts = [axes.text(5, 5, name, ha="center", va="center", fontsize=11) for name in names]
    staticmap.separate_labels(axes, texts)
    boxes = [(b.x0, b.y0, b.x1, b.y1) for b in staticmap.label_boxes(axes, texts)]
    assert not [(i, j) for i in range(5) for j in range(i + 1, 5) if _intersect(boxes[i], boxes[j])]
    assert len(axes.lines) >= 2  # labels moved far from their point get a leader line


@pytest.mark.parametrize("annee", [OPEN, CLOSED])
def test_chart_decimals_carry_the_french_locale(demo_engine, annee):
    """A chart's rates and decimals are formatted in French (``[$-40C]``): LibreOffice writes
    « 3,1 % » even in an English locale, where « 3.1 % » was read (checked by hand: issue 25)."""
    _, prs = _deck(demo_engine, "16", annee)
    codes = {code for slide in prs.slides for chart in charts_of(slide)
             for code in chart._chartSpace.xpath(".//c:numFmt/@formatCode")}
    decimals = {code for code in codes if "%" in code or "." in code or code in ("0", pptcharts.DECIMAL_AXIS_FORMAT)}
    assert {pptcharts.PERCENT_DATA_FORMAT, pptcharts.DECIMAL_DATA_FORMAT} <= decimals, codes
    assert all(code.startswith(pptcharts.FRENCH) for code in decimals), decimals
    assert codes - decimals <= {pptcharts.COUNT_FORMAT, "General"}, codes


def _fills(plotted) -> tuple[str | None, set[str]]:
    """(the series' fill colour, the colours of its points that override it)."""
    ser = plotted._element
    own = ser.xpath("./c:spPr/a:solidFill/a:srgbClr/@val")
    points = set(ser.xpath("./c:dPt/c:spPr/a:solidFill/a:srgbClr/@val"))
    return (own[0] if own else None), points


@pytest.mark.parametrize("annee", [OPEN, CLOSED])
@pytest.mark.parametrize("kind", list(KINDS))
def test_legends_match_the_bars(demo_engine, kind, annee):
    """A legend has one square per series: it is shown only with two series or more, each of one
    colour (a chart coloured point by point, the funnel, has no legend), all colours different."""
    _, prs = _deck(demo_engine, KINDS[kind], annee)
    for number, slide in enumerate(prs.slides, start=1):
        for chart in charts_of(slide):
            plotted = list(chart.plots[0].series)
            if not chart.has_legend:
                continue
            assert len(plotted) > 1, (number, plotted[0].name)
            colours = []
            for s in plotted:
                own, points = _fills(s)
                assert points <= {own}, (number, s.name, points)
                colours.append(own)
            bars = [c for c in colours if c is not None]  # line series carry their colour on the line
            assert len(bars) == len(set(bars)), (number, colours)


def _mark_labels(chart) -> int:
    return len(chart._chartSpace.xpath(".//c:dLbl[.//a:t]"))


@pytest.mark.parametrize("annee", DEMO_YEARS)
@pytest.mark.parametrize("kind", ["PSAD", "réseau"])
def test_no_chart_is_mostly_masked(demo_engine, kind, annee):
    """Half of a chart's bars masked or more: a table of the values and their marks instead."""
    _, prs = _deck(demo_engine, KINDS[kind], annee)
    for number, slide in enumerate(prs.slides, start=1):
        for chart in charts_of(slide):
            values = [v for s in series_values(chart).values() for v in s]
            masked = _mark_labels(chart)
            assert 2 * masked < masked + sum(v is not None for v in values), number


def test_a_mostly_masked_chart_becomes_a_table_with_its_marks(demo_engine):
    """PSAD Angoulême 2016-2017: raccrochés by type since the rentrée, half of them masked, are a
    table (each value or its mark) under a sentence that says why."""
    content, prs = _deck(demo_engine, "P16-ANG", OPEN)
    spec = series.solutions_compare(content)
    assert series.mostly_masked(spec)
    slide = _slide(content, prs, "solutions")
    assert deck_module.MASKED_TABLE_TEXT in slide_texts(slide)
    tables = [s.table for s in slide.shapes if s.has_table]
    assert len(tables) == 1
    rows = [[c.text for c in row.cells] for row in tables[0].rows]
    assert rows[0] == [series.CATEGORY_HEADERS["solutions_n1"], *(s.name for s in spec.series)]
    expected = [[name, *(value_text(s.values[i], s.marks[i], spec.value_format) for s in spec.series)]
                for i, name in enumerate(spec.categories)]
    assert rows[1:] == expected
    marks = {disclosure_marks.mark_text(m) for s in spec.series for m in s.marks if m}
    assert marks and marks <= {c for row in rows[1:] for c in row}
    assert all(categories(chart) != spec.categories for chart in charts_of(slide))  # no chart of it left


CHART_SHEETS = ("Solutions par période", "Solutions N et N-1", "Entonnoir", "Absentéisme",
                "Prévention — GPDS")


def _sheet(workbook, name: str) -> tuple[list[str], list[list]]:
    rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
    header = rows[0]
    if header[-1] == "Secret statistique":
        rows = [r[:-1] for r in rows]
    body = [r for r in rows[1:] if r[0] is not None and not str(r[0]).startswith("Cellules")]
    return rows[0], body


def data_series(chart) -> dict:
    """The chart's series of values, without the markers that only show where a point is masked (they
    carry a mark, not a figure: the workbook leaves them out)."""
    return {name: values for name, values in series_values(chart).items() if name != MASKED_POINT_NAME}


@pytest.mark.parametrize(("code", "annee"), [("ACAD", OPEN), ("P16-ANG", OPEN), ("P16-ANG", CLOSED),
                                             ("R16-ANG", OPEN)])
def test_the_workbook_says_what_the_slides_show(demo_engine, code, annee):
    """Each chart sheet of the deck's workbook is a chart of the slides (same series, categories and
    values, masked values empty) or, when the slide shows a table instead, that table's cells."""
    content, prs = _deck(demo_engine, code, annee)
    workbook = load_workbook(io.BytesIO(slides_workbook.xlsx_bytes(content)))
    charts = [c for s in prs.slides for c in charts_of(s)]
    tables = [[[c.text for c in row.cells] for row in s.table.rows] for sl in prs.slides for s in sl.shapes
              if s.has_table]
    for name in (series.trajectory_sheet(content.situation["phase"]), *CHART_SHEETS):
        if name not in workbook.sheetnames:
            continue
        header, body = _sheet(workbook, name)
        names, cats = header[1:], [r[0] for r in body]
        columns = {n: [r[i + 1] for r in body] for i, n in enumerate(names)}
        match = [c for c in charts if categories(c) == cats and list(data_series(c)) == names]
        if match:
            values = data_series(match[0])
            assert {n: [None if v is None else float(v) for v in columns[n]] for n in names} == values, name
            continue
        table = next((t for t in tables if t[0] == header), None)
        assert table is not None, f"« {name} » : ni graphique ni tableau sur les diapositives"
        assert [r[0] for r in table[1:]] == cats
        for row, sheet_row in zip(table[1:], body, strict=True):
            for text, value in zip(row[1:], sheet_row[1:], strict=True):
                assert value is None or text == value_text(value, None, "count" if isinstance(value, int) else
                                                           "percent"), (name, row)


def test_notes_are_written_at_10_pt_or_more_even_when_asked_smaller():
    """``Deck.fill`` never writes under 10 pt, whatever its caller asks: a note that does not fit
    overflows (and the tests above catch it) rather than shrinking."""
    from dashboard.slides.layout import Box, Deck

    deck = Deck()
    slide, area = deck.content_slide("Essai")
    shape = deck.text(slide, Box(area.x, area.y, area.w, Inches(0.3)), ["Une note " * 60], max_pt=11, min_pt=6)
    sizes = [r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs]
    assert min(sizes) >= MIN_PT
    assert Emu(shape.height).pt < 40
