"""The dialogue de gestion deck on the demonstration data (SQLite and PostgreSQL): slides,
native charts with the queries' values, French tables, sentences consistent with the figures,
disclosure at network level, text that fits its boxes."""

from __future__ import annotations

import dataclasses
import io
import re

import polars as pl
import pytest
from openpyxl import load_workbook
from pptx.enum.chart import XL_CHART_TYPE

from dashboard import fmt
from dashboard.access.scope import Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.slides import content as slides_content
from dashboard.slides import deck as slides_deck
from dashboard.slides import series
from dashboard.slides import workbook as deck_workbook
from queries import absenteisme as aq
from queries import raccrochage_rules, raccrochage_series, raccrochage_situation
from queries.figures import territory_figures
from queries.statuses import STATUS_COLORS
from tests.support.decks import (
    categories,
    charts_of,
    data_labels,
    fixed_label_texts,
    open_deck,
    overflowing_shapes,
    series_values,
    slide_texts,
    slide_title,
    table_of,
)

ANNEE = "2014-2015"
SCOPE = Scope.full("test")


@pytest.fixture(scope="module")
def acad(demo_engine):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "ACAD", ANNEE)
        figures = territory_figures(conn, SCOPE, "ACAD", ANNEE)
        periods = raccrochage_series.period_series(conn, SCOPE, "ACAD", ANNEE)
        trajectory = raccrochage_series.target_trajectory(conn, SCOPE, "ACAD", ANNEE)
        children = raccrochage_situation.situations(conn, SCOPE, "ACAD", ANNEE)
        absence = aq.figures_contribution(conn, SCOPE, "ACAD", ANNEE)
    data = slides_deck.render(content)
    return {"content": content, "prs": open_deck(data), "data": data, "figures": figures, "periods": periods,
            "trajectory": trajectory, "children": children, "absence": absence}


def _slide(deck, key):
    plan = slides_deck.slide_plan(deck["content"])
    return list(deck["prs"].slides)[plan.index(key)]


def test_deck_is_16_9_with_the_expected_slides(acad):
    prs, content = acad["prs"], acad["content"]
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    plan = slides_deck.slide_plan(content)
    assert plan == ["titre", "chiffres", "points", "trajectoire", "solutions", "entonnoir", "absenteisme", "prevention",
                    "carte", "territoires", "reseaux", "sources"]
    titles = slides_deck.slide_titles(content)
    assert [slide_title(s) for s in prs.slides] == [titles[k] for k in plan]
    assert titles["chiffres"] == f"Chiffres clés au {fmt.date_long(acad['figures']['periode_fin'])}"


def test_title_slide_names_territory_year_date_and_demo(acad):
    text = " ".join(slide_texts(_slide(acad, "titre")))
    assert "Dialogue de gestion 2014-2015" in text
    assert "Académie de Poitiers" in text
    assert fmt.date_long(acad["figures"]["periode_fin"]) in text
    assert "Données de démonstration" in text


def test_key_figures_match_the_figures_export(acad):
    text = slide_texts(_slide(acad, "chiffres"))
    f = acad["figures"]
    assert f["situation_annee"] == "close"  # 2014-2015: the bilan of July–August closes the year
    for value in (fmt.integer(f["raccroches"]), fmt.percent(f["taux_atteinte"]), fmt.integer(f["jeunes_signales"]),
                  fmt.percent(f["taux_contact"]), fmt.percent(f["part_solution"]),
                  fmt.integer(f["objectif"]), fmt.signed_number(f["ecart_objectif"])):
        assert value in text
    if acad["absence"]["absenteisme_global"] is not None:
        assert fmt.percent(acad["absence"]["absenteisme_global"]) in text


def test_closed_year_deck_has_no_projection_wording(acad):
    """A closed year has no trajectory: no projection, no expected level, « objectif atteint / non
    atteint » instead, on every slide and in the commentary."""
    content = acad["content"]
    texts = " ".join(t for key in slides_deck.slide_plan(content) for t in slide_texts(_slide(acad, key)))
    highlights = " ".join(h.text for h in content.highlights)
    for wording in ("Projection en fin d'année", "au rythme actuel", "Attendu à cette date", "se terminerait"):
        assert wording not in texts and wording not in highlights, wording
    assert ("objectif atteint" in highlights) or ("objectif non atteint" in highlights)


def test_trajectory_is_a_native_line_chart_with_the_query_values(acad):
    (chart,) = charts_of(_slide(acad, "trajectoire"))
    assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    values = series_values(chart)
    content = acad["content"]
    ranks = sorted(set(acad["trajectory"]["rang"].to_list()))
    assert categories(chart) == [raccrochage_rules.slot_label(r) for r in ranks]
    current = dict(zip(acad["periods"]["rang"].to_list(), acad["periods"]["raccroches_cumul"].to_list(), strict=True))
    assert values[series.current_name(content)] == [current.get(r) for r in ranks]
    # a closed year: the target, no trajectory (the open year's trajectory: test_one_story)
    assert not any("rajectoire" in name for name in values), list(values)
    objective = series.objective_name(acad["figures"]["objectif"])
    assert values[objective] == [acad["figures"]["objectif"]] * len(ranks)
    assert series.previous_name(content) in values
    assert fmt.integer(acad["figures"]["raccroches"]) in data_labels(chart)
    assert fixed_label_texts(chart) == []  # labels show the chart's values, no fixed text


def test_solutions_and_funnel_charts(acad):
    stacked, compare = charts_of(_slide(acad, "solutions"))
    assert stacked.chart_type == XL_CHART_TYPE.COLUMN_STACKED
    values = series_values(stacked)
    for column in raccrochage_rules.SOLUTION_COLUMNS:
        assert values[series.SOLUTION_LABELS[column]] == acad["periods"][column].to_list()
    assert categories(stacked) == acad["periods"]["libelle"].to_list()
    by_solution = acad["figures"]["raccroches_par_solution"]
    current = series_values(compare)[ANNEE]
    assert current == [by_solution[raccrochage_rules.SOLUTION_KEYS[c]] for c in raccrochage_rules.SOLUTION_COLUMNS]
    (funnel,) = charts_of(_slide(acad, "entonnoir"))
    assert funnel.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    (values,) = series_values(funnel).values()
    assert values == [acad["figures"][c] for c in raccrochage_rules.FUNNEL_COLUMNS]
    assert fmt.integer(acad["figures"]["jeunes_contactes"]) in data_labels(funnel)
    contact = fmt.percent(acad["figures"]["jeunes_contactes"] / acad["figures"]["jeunes_signales"])
    assert categories(funnel)[1] == f"Jeunes contactés ({contact})"
    assert fixed_label_texts(funnel) == [] and fixed_label_texts(compare) == []


def test_absenteeism_chart_matches_the_query(acad):
    (chart,) = charts_of(_slide(acad, "absenteisme"))
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    values = series_values(chart)[ANNEE]
    names = categories(chart)
    by_type = acad["absence"]["absenteisme_par_type"]
    for name, value in zip(names, values, strict=True):
        if name == series.ALL_SCHOOLS:
            assert value == round(acad["absence"]["absenteisme_global"], 3)  # rounded as shown: « 2,8 % »
        else:
            code = next(k for k, v in aq.TYPE_LABELS.items() if v == name)
            assert value == round(by_type[code], 3)
    reference = next(n for n in series_values(chart) if n.startswith("Référence nationale"))
    assert any(v is not None for v in series_values(chart)[reference])


def test_map_slide_holds_the_static_map(acad):
    slide = _slide(acad, "carte")
    pictures = [s for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"


def test_territory_table_is_french_and_coloured(acad):
    table = table_of(_slide(acad, "territoires"))
    children = acad["children"]
    assert len(table.rows) == children.height + 1
    header = [c.text for c in table.rows[0].cells]
    assert header[:3] == ["Territoire", "Statut", "Raccrochés"]
    for row, expected in zip(list(table.rows)[1:], children.iter_rows(named=True), strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0] == expected["libelle"]
        assert cells[2] == fmt.integer(expected["raccroches"])
        assert re.fullmatch(r"\d{1,3},\d\u00a0%", cells[4]), cells[4]
        status_fill = str(row.cells[1].fill.fore_color.rgb)
        assert "#" + status_fill == STATUS_COLORS[expected["statut"]].upper()
    networks = table_of(_slide(acad, "reseaux"))
    assert len(networks.rows) == 15


def test_highlights_are_generated_and_traceable(acad):
    content = acad["content"]
    sentences = [h.text for h in content.highlights]
    assert 3 <= len(sentences) <= 6
    points = " ".join(slide_texts(_slide(acad, "points")))
    for sentence in sentences:
        assert sentence in points
    f = acad["figures"]
    assert fmt.integer(f["raccroches"]) in sentences[0] and fmt.percent(f["taux_atteinte"]) in sentences[0]
    others = " ".join(t for key in slides_deck.slide_plan(content) if key not in ("points", "sources")
                      for t in slide_texts(_slide(acad, key)))
    number = re.compile(r"(?<![+\u2212\d])\d[\d\u202f]*(?:,\d+)?(?:\u00a0%)?")
    for sentence in sentences:
        for token in number.findall(sentence):
            if re.fullmatch(r"\d{4}", token) or len(token) <= 2:
                continue  # years, day numbers
            assert token in others, (token, sentence)
    assert len({h.slide for h in content.highlights}) >= 3


def test_absenteeism_highlight_says_when_the_national_reference_is_estimated(acad):
    """LPO and EREA are not published by the DEPP: their reference is an estimate, and the sentence
    says so; a published one is not called an estimate."""
    from dashboard.slides import commentary

    content = acad["content"]
    a = content.absence
    assert {"LPO", "EREA"} <= a.references_estimees and "COLLEGE" not in a.references_estimees
    for groupe in ("EREA", "COLLEGE"):
        rows = a.par_type.with_columns(
            evolution=pl.when(pl.col("groupe") == groupe).then(0.05).otherwise(0.0001))
        forced = dataclasses.replace(content, absence=dataclasses.replace(a, par_type=rows))
        text = commentary.absenteeism(forced).text
        estimated = "pour une référence nationale estimée de" in text
        assert estimated == (groupe == "EREA"), text


def test_figures_behind_the_deck_as_xlsx(acad):
    workbook = load_workbook(io.BytesIO(deck_workbook.xlsx_bytes(acad["content"])))
    trajectory = series.trajectory_sheet(acad["content"].situation["phase"])
    assert {"Chiffres clés", trajectory, "Solutions par période", "Entonnoir", "Absentéisme", "Territoires",
            "Réseaux", "Points saillants"} <= set(workbook.sheetnames)
    sheet = workbook[trajectory]
    header = [c.value for c in sheet[1]]
    column = header.index(series.current_name(acad["content"])) + 1
    cells = [row[column - 1].value for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row)
             if row[0].value is not None and not str(row[0].value).startswith("Cellules")]
    (chart,) = charts_of(_slide(acad, "trajectoire"))
    assert cells == series_values(chart)[series.current_name(acad["content"])]


# --- network level: disclosure, long names -----------------------------------------------------


@pytest.fixture
def strict_threshold(monkeypatch):
    monkeypatch.setenv(rule.ENV_THRESHOLD, "40")
    return 40


def _mark_labels(chart) -> dict[str, dict[int, str]]:
    """Series name → {point index: fixed label text} (the marks written on masked bars)."""
    out = {}
    for plotted in chart.plots[0].series:
        points = plotted._element.xpath("./c:dLbls/c:dLbl")
        out[plotted.name] = {int(d.xpath("./c:idx/@val")[0]): "".join(d.xpath(".//a:t/text()")) for d in points
                             if d.xpath(".//a:t/text()")}
    return out


def test_a_masked_bar_carries_its_mark_and_the_slide_says_why(demo_engine):
    """Nord-Charente 2016-2017 (the issue's deck): the masked types of solution, absenteeism rates
    and GPDS step are written « < 5 » / « s » where their bars would be (the point itself keeps no
    value), the note under the charts explains the marks, and the comparison with last year, not
    published for a network, says so."""
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "R16-NCH", "2016-2017", with_map=False)
    prs = open_deck(slides_deck.render(content))
    plan = slides_deck.slide_plan(content)
    specs = {"solutions": series.solutions_compare(content), "absenteisme": series.absence(content),
             "entonnoir": series.funnel(content)}
    seen = 0
    for key, spec in specs.items():
        slide = list(prs.slides)[plan.index(key)]
        if series.mostly_masked(spec):  # half of its bars masked or more: a table of values and marks
            cells = [c.text for s in slide.shapes if s.has_table for row in s.table.rows for c in row.cells]
            marks = [disclosure_marks.mark_text(m) for s in spec.series for m, v in zip(s.marks, s.values, strict=False)
                     if m and v is None]
            assert marks and all(m in cells for m in marks), key
            assert disclosure_marks.short_legend() in " ".join(slide_texts(slide))
            seen += len(marks)
            continue
        chart = charts_of(slide)[-1]
        labels, values = _mark_labels(chart), series_values(chart)
        for s in spec.series:
            expected = {i: disclosure_marks.mark_text(m) for i, (m, v) in enumerate(zip(s.marks, s.values, strict=False))
                        if m and v is None}
            assert labels[s.name] == expected, (key, s.name)
            assert all(values[s.name][i] is None for i in expected)  # a mark, never a value
            seen += len(expected)
        if any(s.marks for s in spec.series if any(s.marks)):
            assert disclosure_marks.short_legend() in " ".join(slide_texts(list(prs.slides)[plan.index(key)]))
    assert seen >= 3
    texts = " ".join(slide_texts(list(prs.slides)[plan.index("solutions")]))
    assert "non publiée pour une PSAD ou un réseau" in texts


def test_a_masked_point_of_the_trajectory_carries_its_mark(demo_engine):
    """Nord-Charente 2014-2015: cumulative raccrochés masked at two periods. The line has no value
    there; a markers-only series (outside the deck's workbook) puts a grey marker on the line's
    path with the decided mark as its label, one legend entry, and the note under the chart says why."""
    from dashboard.charts.secret_marks import MASKED_POINT_NAME

    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "R16-NCH", ANNEE, with_map=False)
    spec = series.trajectory(content)
    current = spec.series[0]
    expected = {i: disclosure_marks.mark_text(m) for i, (m, v) in enumerate(zip(current.marks, current.values, strict=False))
                if m and v is None}
    assert expected
    slide = list(open_deck(slides_deck.render(content)).slides)[slides_deck.slide_plan(content).index("trajectoire")]
    (chart,) = charts_of(slide)
    plotted = [p for p in chart.plots[0].series if p.name == MASKED_POINT_NAME]
    labels = {}
    for p in plotted:
        for d in p._element.xpath("./c:dLbls/c:dLbl"):
            labels[int(d.xpath("./c:idx/@val")[0])] = "".join(d.xpath(".//a:t/text()"))
    assert labels == expected
    assert all(series_values(chart)[current.name][i] is None for i in expected)  # a mark, never a value
    legend = chart.legend._element.xpath("./c:legendEntry/c:idx/@val")
    assert len(plotted) - len(legend) == 1
    assert "Point masqué" in " ".join(slide_texts(slide))
    sheet = deck_workbook.sheets(content)[series.trajectory_sheet(content.situation["phase"])]
    assert MASKED_POINT_NAME not in [c.header for c in sheet.columns]


def test_network_deck_masks_small_counts(demo_engine, strict_threshold):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "R17-ROC", ANNEE, with_map=False)
    prs = open_deck(slides_deck.render(content))
    plan = slides_deck.slide_plan(content)
    assert "territoires" not in plan and "carte" not in plan
    masked_seen = False
    marks = {disclosure_marks.mark_text(m) for m in (disclosure_marks.PRIMARY, disclosure_marks.SECONDARY)}
    for key in ("trajectoire", "solutions", "entonnoir"):
        slide = list(prs.slides)[plan.index(key)]
        for chart in charts_of(slide):
            for values in series_values(chart).values():
                counts = [v for v in values if v is not None]
                masked_seen |= len(counts) < len(values)
                if key == "trajectoire":
                    continue  # cumulative sums and targets: checked through the periods below
                assert all(v == 0 or v >= strict_threshold for v in counts), (key, values)
        for shape in (s for s in slide.shapes if s.has_table):  # a mostly masked chart: its table
            cells = [c.text for row in list(shape.table.rows)[1:] for c in list(row.cells)[1:]]
            masked_seen |= bool(marks & set(cells))
            if key != "trajectoire":
                counts = [int(re.sub(r"\D", "", c)) for c in cells if re.fullmatch(r"[\d\s]+", c)]
                assert all(v == 0 or v >= strict_threshold for v in counts), (key, cells)
    assert masked_seen
    periods = content.periodes
    assert all(v is None or v == 0 or v >= strict_threshold for c in raccrochage_rules.SOLUTION_COLUMNS for v in periods[c].to_list())
    sentences = " ".join(h.text for h in content.highlights)
    for key in content.masked:
        if key in raccrochage_rules.SOLUTION_COLUMNS:
            raw = content.situation[key]
            assert f"« {series.SOLUTION_LABELS[key]} » : {fmt.integer(raw)} " not in sentences


def test_long_territory_names_fit(demo_engine):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "R17-ROC", ANNEE, with_map=False)
    assert content.territory.label == "Réseau Rochefort–Marennes-Oléron"
    longer = dataclasses.replace(content.territory, nom="Rochefort–Marennes-Oléron–Île d'Aix–Saint-Pierre-d'Oléron "
                                                        "et Bourcefranc-le-Chapus")
    prs = open_deck(slides_deck.render(dataclasses.replace(content, territory=longer)))
    assert overflowing_shapes(prs) == []


def test_deck_of_a_year_without_bilans(demo_engine):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, SCOPE, "79", "2011-2012", with_map=False)
    plan = slides_deck.slide_plan(content)
    assert plan[:3] == ["titre", "chiffres", "points"] and plan[-1] == "sources"
    assert "trajectoire" not in plan
    prs = open_deck(slides_deck.render(content))
    assert len(prs.slides) == len(plan)
    assert "Aucun bilan" in " ".join(slide_texts(list(prs.slides)[2]))


def test_scope_is_enforced(demo_engine):
    from dashboard.access.scope import AccessDenied

    network_user = Scope.for_role("reseau", "R86-POI", "r")
    with demo_engine.connect() as conn:
        with pytest.raises(AccessDenied):
            slides_content.gather(conn, network_user, "R17-ROC", ANNEE, with_map=False)
        with pytest.raises(KeyError):
            slides_content.gather(conn, SCOPE, "R99-XXX", ANNEE, with_map=False)
        own = slides_content.gather(conn, network_user, "R86-POI", ANNEE, with_map=False)
    assert own.sous_territoires.is_empty() and own.reseaux.is_empty()


def test_long_tables_continue_on_the_next_slides(acad):
    import polars as pl

    from dashboard.slides import deck

    content = acad["content"]
    three = dataclasses.replace(content, reseaux=pl.concat([content.reseaux] * 3))  # 42 rows: 3 slides
    plan = slides_deck.slide_plan(three)
    assert plan.count("reseaux") == 3
    prs = open_deck(slides_deck.render(three))
    titles = [slide_title(s) for s in prs.slides]
    base = slides_deck.slide_titles(three)["reseaux"]
    assert [t for t in titles if t.startswith(base)] == [f"{base} ({i}/3)" for i in (1, 2, 3)]
    assert all(len(table_of(s).rows) <= deck.ROWS_PER_SLIDE + 1 for s in prs.slides if s.shapes and any(
        sh.has_table for sh in s.shapes))
    many = dataclasses.replace(content, reseaux=pl.concat([content.reseaux] * 4))  # 56 rows: left out
    assert "reseaux" not in slides_deck.slide_plan(many)
    prs = open_deck(slides_deck.render(many))
    assert any("56 réseaux FOQUALE du territoire figurent dans le classeur" in t for s in prs.slides
               for t in slide_texts(s))


def test_scoped_user_deck_holds_no_out_of_scope_territory(demo_engine):
    from queries import territoires as tq

    user = Scope.for_role("ien-io", "79", "ien79")
    with demo_engine.connect() as conn:
        own = slides_content.gather(conn, user, "79", ANNEE, with_map=False)
        academie = slides_content.gather(conn, user, "ACAD", ANNEE, with_map=False)
        others = [t for t in tq.territory_index(conn, ANNEE).values()
                  if t.niveau in ("psad", "reseau") and t.code not in ("P79-NIO", "P79-BRE", "R79-NIO", "R79-BRE")]
    texts = " ".join(t for s in open_deck(slides_deck.render(own)).slides for t in slide_texts(s))
    assert "PSAD Niort" in texts and "Réseau Nord Deux-Sèvres" in texts
    for territory in others:
        assert territory.label not in texts, territory.label
    assert "territoires" not in slides_deck.slide_plan(academie) and "reseaux" not in slides_deck.slide_plan(academie)
    texts = " ".join(t for s in open_deck(slides_deck.render(academie)).slides for t in slide_texts(s))
    for territory in others:
        assert territory.label not in texts, territory.label


def test_table_status_cells_in_bold_stay_on_one_line():
    """The status column is written in bold: its width is measured in bold, so "Sur la
    trajectoire" never wraps and the rows never grow past the slide."""
    from pptx.util import Emu, Inches

    from dashboard.slides import style
    from dashboard.slides import tables as t

    columns = [[f"Réseau {n}" for n in ("Rochefort–Marennes-Oléron", "Niort")], ["Sur la trajectoire", "En avance"],
               ["156", "329"]]
    size, widths = t._layout(["Territoire", "Statut", "Raccrochés"], columns, Inches(9), {0, 1})
    usable = Emu(widths[1] - 2 * t.CELL_MARGIN_X).pt * 0.95
    assert style.line_count(["Sur la trajectoire"], usable, size, bold=True) == 1
