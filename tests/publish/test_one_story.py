"""Issue 25: every page and every slide tells the same story. An open year with late networks
(demonstration data, 2016-2017: PSAD Angoulême's networks at 28 February) and a closed year
(2015-2016), read in the deck (python-pptx), its workbook (openpyxl) and the page's figure."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dashboard import fmt, schoolyear
from dashboard.access.scope import Scope
from dashboard.charts import raccrochage as rc
from dashboard.slides import content as slides_content
from dashboard.slides import deck as slides_deck
from dashboard.slides import series, workbook
from queries import raccrochage as rq
from queries import raccrochage_position as position
from queries import raccrochage_rules, raccrochage_series
from tests.support.decks import categories, charts_of, open_deck, series_values, slide_texts

OPEN, CLOSED = "2016-2017", "2015-2016"
SCOPE = Scope.full("test")


def _deck(engine, code: str, annee: str) -> dict:
    with engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, code, annee, with_map=False)
        detail = rq.detail(conn, SCOPE, code, annee)
    return {"content": content, "prs": open_deck(slides_deck.render(content)), "detail": detail}


@pytest.fixture(scope="module")
def late_psad(demo_engine):
    return _deck(demo_engine, "P16-ANG", OPEN)


def _slide(deck, key):
    plan = slides_deck.slide_plan(deck["content"])
    return list(deck["prs"].slides)[plan.index(key)]


def _last(values):
    return [v for v in values if v is not None][-1]


def test_the_deck_trajectory_draws_the_numbers_of_its_text(late_psad):
    content = late_psad["content"]
    s = content.situation
    assert s["phase"] == position.PROVISIONAL  # the demonstration data keep Angoulême late in 2016-2017
    (chart,) = charts_of(_slide(late_psad, "trajectoire"))
    values = series_values(chart)
    text = " ".join(" ".join(slide_texts(_slide(late_psad, "trajectoire"))).split())
    # the expected level at each network's own date: a point at the last period, the panel's figure
    expected = values[series.OWN_DATE_TARGET_NAME]
    assert [v for v in expected if v is not None] == [round(s["attendu"])]
    assert categories(chart)[expected.index(round(s["attendu"]))] == raccrochage_rules.slot_label(s["rang"])
    assert f"{series.OWN_DATE_TARGET_NAME} {fmt.integer(s['attendu'])}" in text
    # last year at the same dates: a point, the panel's figure
    own = series.own_dates(content)
    previous = values[own.previous_name]
    assert [v for v in previous if v is not None] == [content.shown["raccroches_n1"]]
    assert f"{own.previous_name} {fmt.integer(content.shown['raccroches_n1'])}" in text
    # this year's last point is the text's raccrochés
    assert _last(values[series.current_name(content)]) == content.shown["raccroches"]
    # the full-date lines say what they are
    assert series.TARGET_NAME + series.FULL_DATE in values
    assert any(name.startswith(content.annee_n1) and "fin de période" in name for name in values)


def test_the_trajectoire_sheet_holds_the_own_date_points(late_psad):
    content = late_psad["content"]
    sheet = load_workbook(io.BytesIO(workbook.xlsx_bytes(content)))[series.trajectory_sheet(content.situation["phase"])]
    header = [c.value for c in sheet[1]]
    assert series.OWN_DATE_TARGET_NAME in header
    column = header.index(series.OWN_DATE_TARGET_NAME)
    cells = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value is not None]
    assert cells == [round(content.situation["attendu"])]


def test_the_page_figure_marks_both_own_date_levels(late_psad):
    d = late_psad["detail"]
    s, shown = d.situation, d.publie.situation
    own = rc.own_dates(s, shown, schoolyear.previous_year(OPEN))
    fig = rc.trajectory_figure(d.publie.periodes, d.publie.historique, d.trajectoire, OPEN, s["objectif"],
                               own_dates=own)
    traces = {t.name: t for t in fig.data}
    assert list(traces[rc.OWN_DATE_TARGET].y) == [round(s["attendu"])]
    assert list(traces[own.previous_name].y) == [shown["raccroches_n1"]]
    assert "Trajectoire de l'objectif" + rc.FULL_DATE in traces


def test_an_up_to_date_territory_keeps_plain_lines(demo_engine):
    """Vienne in 2016-2017 (open, every network at the latest bilan): the trajectory is one plain
    line, the query's expected levels rounded as shown."""
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "86", OPEN, with_map=False)
        target = raccrochage_series.target_trajectory(conn, SCOPE, "86", OPEN)
    assert content.situation["phase"] == position.OPEN and series.own_dates(content) is None
    chart = charts_of(open_deck(slides_deck.render(content)).slides[3])[0]
    values = series_values(chart)
    assert series.OWN_DATE_TARGET_NAME not in values
    expected = dict(zip(target["rang"].to_list(), target["attendu"].to_list(), strict=True))
    labels = {raccrochage_rules.slot_label(r): round(v) for r, v in expected.items()}
    assert values[series.TARGET_NAME] == [labels.get(c) for c in categories(chart)]


# --- item 2: a closed year speaks of the target -------------------------------------------------

KINDS = {"académie": "ACAD", "département": "16", "PSAD": "P16-ANG", "réseau": "R16-ANG"}


def _every_text(prs) -> list[str]:
    """Every text a reader meets in a deck: shapes, tables, chart titles, series names (legends),
    categories and labels, the alternative texts of charts and pictures."""
    out = []
    for slide in prs.slides:
        out += slide_texts(slide)  # shapes, tables, chart labels and series names
        out += [shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr") or "" for shape in slide.shapes]
        for chart in charts_of(slide):
            out += chart._chartSpace.xpath(".//a:t/text()") + categories(chart)
    return out


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_closed_year_deck_never_speaks_of_a_trajectory(demo_engine, kind):
    """2015-2016 is closed: slide 4 draws the raccrochés against the year's target, its title, legend
    and panel, the tables, the map and « Sources et méthode » speak of the target, not a trajectory."""
    deck = _deck(demo_engine, KINDS[kind], CLOSED)
    content, prs = deck["content"], deck["prs"]
    assert position.is_closed(content.situation["phase"])
    texts = _every_text(prs)
    assert not [t for t in texts if "trajectoire" in t.lower()]
    title = slide_texts(_slide(deck, "trajectoire"))[0]
    assert title == "Raccrochés cumulés et objectif de l'année"
    (chart,) = charts_of(_slide(deck, "trajectoire"))
    assert series.objective_name(content.situation["objectif"]) in series_values(chart)
    method = " ".join(slide_texts(_slide(deck, "sources")))
    assert "objectif de l'année atteint ou non" in method.lower()


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_closed_year_workbook_never_speaks_of_a_trajectory(demo_engine, kind):
    """The deck's workbook of a closed year: the chart of slide 4 in a sheet named for the target
    (``series.trajectory_sheet``), and no sheet name, header or cell about a trajectory."""
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, KINDS[kind], CLOSED, with_map=False)
    book = load_workbook(io.BytesIO(workbook.xlsx_bytes(content)))
    name = series.trajectory_sheet(content.situation["phase"])
    assert name == "Objectif" and name in book.sheetnames and "Trajectoire" not in book.sheetnames
    header = [c.value for c in book[name][1]]
    assert series.objective_name(content.situation["objectif"]) in header
    words = [*book.sheetnames, *(c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
                                 if isinstance(c.value, str))]
    assert not [w for w in words if "trajectoire" in w.lower()]


def test_an_open_year_deck_keeps_its_trajectory(late_psad):
    assert slide_texts(_slide(late_psad, "trajectoire"))[0] == "Raccrochés cumulés et trajectoire de l'objectif"
    assert "Trajectoire : objectif" in " ".join(slide_texts(_slide(late_psad, "sources")))


@pytest.fixture(scope="module")
def closed_acad(demo_engine):
    return _deck(demo_engine, "ACAD", CLOSED)


def test_a_closed_year_deck_table_gives_the_gap_to_the_target(closed_acad):
    content = closed_acad["content"]
    assert position.is_closed(content.situation["phase"])
    plan = slides_deck.slide_plan(content)
    for key in ("territoires", "reseaux"):
        slide = list(closed_acad["prs"].slides)[plan.index(key)]
        title = slide_texts(slide)[0]
        assert "par rapport à l'objectif" in title and "trajectoire" not in title, title
        table = next(s for s in slide.shapes if s.has_table).table
        header = [c.text for c in table.rows[0].cells]
        assert "Écart à l'objectif" in header
        assert not {"Attendu", "Écart à la trajectoire", "Projection"} & set(header), header
        gaps = [r.cells[header.index("Écart à l'objectif")].text for r in list(table.rows)[1:]]
        assert all(g and g != "—" for g in gaps), gaps


def test_a_closed_year_workbook_and_export_say_sans_objet(demo_engine, closed_acad):
    from dashboard.publish import figures, records
    from queries import figures as figures_query

    book = load_workbook(io.BytesIO(workbook.xlsx_bytes(closed_acad["content"])))
    header = [c.value for c in book["Territoires"][1]]
    assert "Écart à l'objectif" in header and "Écart à la trajectoire" not in header
    with demo_engine.connect() as conn:
        data = figures_query.territory_figures(conn, SCOPE, "ACAD", CLOSED)
    assert data["sans_objet"] == ["niveau_attendu", "ecart_trajectoire", "projection_fin_annee", "profil_saisonnier"]
    csv_text = figures.render(data, ".csv").decode("utf-8-sig")
    for key in data["sans_objet"]:
        line = next(row for row in csv_text.splitlines() if row.startswith(key + ";"))
        assert line.split(";")[2] == records.NOT_APPLICABLE, line
    sheet = load_workbook(io.BytesIO(figures.render(data, ".xlsx")))["Chiffres"]
    values = {row[0].value: row[2].value for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert all(values[key] == records.NOT_APPLICABLE for key in data["sans_objet"])
    with demo_engine.connect() as conn:
        assert figures_query.territory_figures(conn, SCOPE, "ACAD", OPEN)["sans_objet"] == []


def test_a_closed_year_achievement_chart_has_no_trajectory_legend(closed_acad):
    d = closed_acad["detail"]
    fig = rc.achievement_figure(d.publie.sous_territoires)
    assert [t.name for t in fig.data] == ["Taux d'atteinte de l'objectif"]
    assert "trajectoire" not in rc.ranking_caption(True) and "trajectoire" not in rc.achievement_caption(True)
