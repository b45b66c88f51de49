"""One figure, every channel (issue 12): on the demonstration data, for the académie, a
department, a PSAD and a network, in an open year (2016-2017, late networks) and a closed one
(2014-2015), the figure read from the page (AppTest), the CSV, the XLSX (type and number format),
the PPTX (table text, chart values and the chart's embedded workbook) and the figures export is
the same number, to display rounding — counts, rates, points and masked cells. Then every
workbook the app produces is opened with LibreOffice (French) and shows the page's texts."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dashboard import fmt, schoolyear
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.charts import absenteisme_tables as abs_tables
from dashboard.charts import carte as carte_charts
from dashboard.charts import comparer_export, raccrochage_tables
from dashboard.charts import prevention_tables as ptables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, csvfile, figures, provenance, workbook
from dashboard.publish import columns as publish_columns
from dashboard.publish import text as publish_text
from dashboard.slides import content as slides_content
from dashboard.slides import deck as slides_deck
from dashboard.slides import keyfigures, series
from dashboard.slides import prevention as deck_prevention
from dashboard.slides import workbook as deck_workbook
from dashboard.slides.tables import value_text
from dashboard.store import database
from queries import absenteisme as aq
from queries import absenteisme_etablissements as qe
from queries import carte_values, raccrochage_rules
from queries import comparer as qcmp
from queries import comparer_ranking as qr
from queries import figures as figures_query
from queries import prevention as pq
from queries import prevention_figures as pf
from queries import raccrochage as rq
from tests.support.apptest import assert_no_exception
from tests.support.decks import categories, charts_of, open_deck, series_values, table_of
from tests.support.libreoffice import office_files, plain

FULL = Scope.full("canaux")
OPEN, CLOSED = "2016-2017", "2014-2015"
CODES = ("ACAD", "86", "P17-SAI", "R17-SJA")
PARENT = {"86": ACADEMIE, "P17-SAI": "17", "R17-SJA": "P17-SAI"}
KEYS = ("raccroches", "taux_atteinte", "jeunes_signales", "taux_contact", "raccroches_par_solution.apprentissage",
        "raccroches_par_solution.structure_innovante", "raccroches_par_solution.service_civique")
SITUATION_KEY = {"raccroches_par_solution.apprentissage": "raccroches_apprentissage",
                 "raccroches_par_solution.structure_innovante": "raccroches_structure_innovante",
                 "raccroches_par_solution.service_civique": "raccroches_service_civique"}


def _expected_text(f: dict, key: str) -> str:
    """What every channel must show for figure ``key`` of the export ``f``."""
    flat = figures.flatten({k: v for k, v in f.items() if k not in ("secret",)})
    return publish_text.cell_text(catalog.figure_column(key), flat[key], f["secret"].get(key))


@pytest.fixture(scope="module")
def world(demo_sqlite_url):
    engine = database.make_engine(demo_sqlite_url)
    out = {}
    with engine.connect() as conn:
        for annee in (OPEN, CLOSED):
            for code in CODES:
                f = figures_query.territory_figures(conn, FULL, code, annee)
                content = slides_content.gather(conn, FULL, code, annee, with_map=False)
                out[(code, annee)] = {"figures": f, "content": content}
            for code, parent in PARENT.items():
                out[(code, annee)]["parent"] = slides_content.gather(conn, FULL, parent, annee, with_map=False)
    engine.dispose()
    return out


@pytest.mark.parametrize("annee", [OPEN, CLOSED])
@pytest.mark.parametrize("code", CODES)
def test_page_files_deck_and_export_hold_the_same_figure(world, app_test, annee, code, tmp_path):
    w = world[(code, annee)]
    f, content = w["figures"], w["content"]
    flat = figures.flatten({k: v for k, v in f.items() if k != "secret"})
    # the page (Accueil, then Raccrochage): the metric texts
    at = app_test("", annee=annee, territoire=code)
    assert_no_exception(at)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Raccrochés"].value == _expected_text(f, "raccroches")
    assert metrics["Taux d'atteinte"].value == _expected_text(f, "taux_atteinte")
    assert metrics["Jeunes signalés"].value == _expected_text(f, "jeunes_signales")
    assert metrics["Taux de contact"].value == _expected_text(f, "taux_contact")
    # points: the change of the rate of achievement on last year, same date
    tiles = {t.label: t for t in keyfigures.tiles(content)}
    rate_tile = tiles["Taux d'atteinte de l'objectif"]
    if rate_tile.delta is not None:
        assert metrics["Taux d'atteinte"].proto.delta == rate_tile.delta
    # the figures export: JSON rounded as shown, CSV and XLSX lines
    data = figures.published(f)
    published_flat = figures.flatten({k: v for k, v in data.items() if k not in ("secret", "masque")})
    rows = {r[0]: r for r in _csv_rows(figures.render(f, ".csv"))}
    sheet = load_workbook(io.BytesIO(figures.render(f, ".xlsx")))["Chiffres"]
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    for key in KEYS:
        column = catalog.figure_column(key)
        if key in f["masque"]:
            assert published_flat[key] is None and rows[key][2] == "" and cells[key][2].value is None
            assert rows[key][3] == cells[key][3].value == disclosure_marks.mark_text(f["secret"][key])
            continue
        assert published_flat[key] == publish_text.rounded(column, flat[key])
        assert rows[key][2] == csvfile.cell(column, flat[key])
        assert cells[key][2].value == pytest.approx(flat[key]) and cells[key][2].number_format == \
            workbook.number_format(column)
        if column.kind == publish_columns.Kind.RATE:  # « 78,2 » in the CSV is the page's « 78,2 % »
            assert fmt.percent(float(rows[key][2].replace(",", ".")) / 100) == _expected_text(f, key)
    # the deck: its tiles are the page's texts
    assert tiles["Raccrochés depuis la rentrée"].value == _expected_text(f, "raccroches")
    assert tiles["Taux d'atteinte de l'objectif"].value == _expected_text(f, "taux_atteinte")
    # the deck's chart of solutions (values and the chart's own workbook) holds the export's counts
    deck = open_deck(slides_deck.render(content))
    plan = slides_deck.slide_plan(content)
    if "solutions" in plan:
        slide = deck.slides[plan.index("solutions")]
        expected = [flat[f"raccroches_par_solution.{raccrochage_rules.SOLUTION_KEYS[c]}"] for c in raccrochage_rules.SOLUTION_COLUMNS]
        labels = [series.SOLUTION_LABELS[c] for c in raccrochage_rules.SOLUTION_COLUMNS]
        compare = next((c for c in charts_of(slide) if categories(c) == labels), None)
        if compare is not None:
            current = series_values(compare)[annee]
            assert current == expected
            embedded = load_workbook(io.BytesIO(compare.part.chart_workbook.xlsx_part.blob)).active
            column = [c.value for c in embedded[chr(ord("A") + len(compare.plots[0].series))][1:]]
            assert column == expected
        else:  # mostly masked: a table of each value or its mark (issue 25)
            spec = series.solutions_compare(content)
            table = next(s.table for s in slide.shapes if s.has_table
                         and s.table.cell(0, 0).text == series.CATEGORY_HEADERS["solutions_n1"])
            assert spec.values_of(annee) == expected
            current = spec.series[-1]
            assert [list(r.cells)[-1].text for r in list(table.rows)[1:]] == [
                value_text(v, m, "count") for v, m in zip(current.values, current.marks, strict=True)]
    # the parent's table (page download CSV and XLSX, deck table): the territory's row
    if code in PARENT:
        parent = w["parent"]
        frame = parent.sous_territoires if code in parent.sous_territoires["code"].to_list() else parent.reseaux
        table = raccrochage_tables.export_table(frame)
        index = frame["code"].to_list().index(code)
        body = _csv_rows(csvfile.csv_bytes(table))
        header = body[0]
        line = dict(zip(header, body[index + 1], strict=True))
        book = load_workbook(io.BytesIO(workbook.xlsx_bytes([table])))["Raccrochage"]
        xrow = {c.value: v for c, v in zip(book[1], book[index + 2], strict=True)}
        for key, export_key in (("raccroches", "raccroches"), ("taux_atteinte", "taux_atteinte"),
                                *((SITUATION_KEY[k], k) for k in KEYS if k in SITUATION_KEY)):
            column = catalog.RACCROCHAGE[key]
            masked = export_key in f["masque"]
            assert line[csvfile.header(column)] == ("" if masked else csvfile.cell(column, flat[export_key]))
            if masked:
                assert xrow[column.header].value is None
                assert disclosure_marks.mark_text(f["secret"][export_key]) in line["Secret statistique"]
            else:
                assert xrow[column.header].value == pytest.approx(flat[export_key])
                assert xrow[column.header].number_format == workbook.number_format(column)
        slide_rows = {r["code"]: r["cells"] for r in series.table_rows(frame)}
        columns = series.table_columns(parent.situation["phase"])
        assert slide_rows[code][columns.index("raccroches")] == _expected_text(f, "raccroches")
        assert slide_rows[code][columns.index("taux_atteinte")] == _expected_text(f, "taux_atteinte")
        parent_deck = open_deck(slides_deck.render(parent))
        parent_plan = slides_deck.slide_plan(parent)
        key = "territoires" if frame is parent.sous_territoires else "reseaux"
        if key in parent_plan:
            texts = [[c.text for c in r.cells] for r in table_of(parent_deck.slides[parent_plan.index(key)]).rows]
            assert slide_rows[code] in texts


PREVENTION_KEYS = ("eleves_reperes_pour_1000", "signalements_plateforme", "signalements_plateforme_pour_1000",
                   "part_suivis")


@pytest.mark.parametrize("annee", [OPEN, CLOSED])
@pytest.mark.parametrize("code", CODES)
def test_a_prevention_figure_is_the_same_in_every_channel(world, app_test, demo_sqlite_url, annee, code):
    """Issue 17: the Prévention page (tiles, the GPDS table's CSV and XLSX), the figures export, the
    deck's prevention chart and sheet and the comparison's CSV hold the same figures, masked alike."""
    w = world[(code, annee)]
    f, content = w["figures"], w["content"]
    at = app_test("prevention", annee=annee, territoire=code)
    assert_no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Couverture en référents"] == _expected_text(f, "couverture_referents")
    assert metrics["Repérés pour 1 000"] == _expected_text(f, "eleves_reperes_pour_1000")
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        chain = pq.chain(conn, FULL, code, annee)
        other = "R86-SVI" if code != "R86-SVI" else "R86-POI"
        comp = qcmp.comparison(conn, FULL, [code, other], annee)
    engine.dispose()
    table = ptables.chain_table(chain)
    body = _csv_rows(csvfile.csv_bytes(table))
    line = dict(zip(body[0], body[1], strict=True))  # the territory's own row comes first
    book = load_workbook(io.BytesIO(workbook.xlsx_bytes([table])))[table.name]
    xrow = {c.value: v for c, v in zip(book[1], book[2], strict=True)}
    export_rows = {r[0]: r for r in _csv_rows(figures.render(f, ".csv"))}
    comparison = {r[0]: r for r in _csv_rows(comparer_export.to_csv_bytes(comp))}
    comparison_header = _csv_rows(comparer_export.to_csv_bytes(comp))[0]
    for key in PREVENTION_KEYS:
        column, declared = catalog.PREVENTION_CHAIN[key], catalog.FIGURES[key]
        assert (column.kind, column.places, column.secret) == (declared.kind, declared.places, declared.secret)
        masked = key in f["masque"]
        text = "" if masked else csvfile.cell(column, f[key])
        assert line[csvfile.header(column)] == text == export_rows[key][2], key
        if masked:
            assert xrow[column.header].value is None
            assert disclosure_marks.mark_text(f["secret"][key]) in line["Secret statistique"]
            assert export_rows[key][3] == disclosure_marks.mark_text(f["secret"][key])
        else:
            assert xrow[column.header].value == pytest.approx(f[key])
            assert xrow[column.header].number_format == workbook.number_format(declared)
    indicator = qcmp.INDICATOR_INDEX["eleves_reperes_pour_1000"]
    cell = comparison[code][comparison_header.index(comparer_export.value_column(indicator).header)]
    assert cell == ("" if "eleves_reperes_pour_1000" in f["masque"] else
                    csvfile.cell(catalog.FIGURES["eleves_reperes_pour_1000"], f["eleves_reperes_pour_1000"]))
    if content.prevention is not None:
        spec = deck_prevention.chain(content)
        assert spec.values_of(content.territory.label) == [
            None if f[k] is None else publish_text.rounded(catalog.FIGURES[k], f[k]) for k in pf.RATES_PER_1000]
        sheet = {t.name: t for t in deck_workbook.tables(content)}["Prévention"]
        shown = {values["indicateur"]: (values["valeur"], marks) for values, marks in sheet.rows()}
        for key in PREVENTION_KEYS:
            value, marks = shown[catalog.FIGURES[key].header]
            assert (value is None and "valeur" in marks) if key in f["masque"] else value == pytest.approx(f[key])


def test_channels_cover_masked_cells(world):
    """The territories above include masked figures (primary and secondary) on the keys checked."""
    marks = {f["figures"]["secret"].get(k) for f in world.values() for k in KEYS}
    assert {disclosure_marks.PRIMARY, disclosure_marks.SECONDARY} <= marks
    prevention = {f["figures"]["secret"].get(k) for f in world.values() for k in PREVENTION_KEYS}
    assert {disclosure_marks.PRIMARY, disclosure_marks.SECONDARY} <= prevention


def _csv_rows(data: bytes) -> list[list[str]]:
    import csv

    text = data.decode("utf-8-sig").split("\r\n\r\n")[0]
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# --- every workbook, as LibreOffice shows it ---------------------------------------------------------


def _expected_sheet(table: publish_columns.Table) -> list[list[str]]:
    rows = [[workbook.header(c) for c in table.columns] + (["Secret statistique"] if table.has_secret else [])]
    for index, (values, marks) in enumerate(table.rows()):
        line = []
        for column in table.columns:
            declared = table.column_at(index, column)
            value = values[column.key]
            shown = "" if column.key in marks or publish_text.is_missing(value) else publish_text.value_text(declared, value)
            line.append(plain(shown))
        if table.has_secret:
            line.append(plain(publish_columns.masked_summary(table, marks)))
        rows.append(line)
    return rows


def _workbooks(demo_sqlite_url, annee: str) -> dict[str, tuple[list[publish_columns.Table], bytes]]:
    engine = database.make_engine(demo_sqlite_url)
    out = {}
    with engine.connect() as conn:
        detail = rq.detail(conn, FULL, ACADEMIE, annee)
        racc = [raccrochage_tables.export_table(detail.publie.sous_territoires),
                raccrochage_tables.export_table(detail.publie.reseaux, "Réseaux")]
        prov = provenance.Provenance("Raccrochage", annee=annee, demo=True)
        out["raccrochage"] = (racc, workbook.xlsx_bytes(racc, prov))
        yearly = abs_tables.yearly_export(aq.yearly_rates(conn, FULL, "P86-POI", annee, "type"), annee, "PSAD")
        subs = abs_tables.children_export(aq.children_rates(conn, FULL, "86", annee), annee)
        schools = abs_tables.schools_export(qe.school_view(conn, FULL, "R86-SVI", annee).table, annee,
                                            schoolyear.previous_year(annee))
        for name, t in (("absenteisme-types", yearly), ("absenteisme-territoires", subs),
                        ("absenteisme-etablissements", schools)):
            out[name] = ([t], workbook.xlsx_bytes([t], prov))
        comp = qcmp.comparison(conn, FULL, ["P17-SAI", "R17-SAI", "R17-SJA"], annee)
        ranked = qr.ranking(qr.level_values(conn, FULL, annee, "reseau"), "raccroches")
        tables = [comparer_export.values_table(comp), comparer_export.gaps_table(comp),
                  comparer_export.ranking_table(ranked, "raccroches", [t.code for t in comp.territories], "Réseaux",
                                                annee)]
        out["comparaison"] = (tables, comparer_export.to_xlsx_bytes(comp, ranked, "raccroches", "Réseaux"))
        values = carte_values.indicator_values(conn, FULL, ACADEMIE, annee, "reseau", "taux_atteinte")
        carte = carte_charts.values_table(values, "taux_atteinte", "Taux d'atteinte")
        out["carte"] = ([carte], workbook.xlsx_bytes([carte], prov))
        content = slides_content.gather(conn, FULL, "P17-SAI", annee, with_map=False)
        out["presentation"] = (deck_workbook.tables(content), deck_workbook.xlsx_bytes(content))
        cover = pq.coverage(conn, FULL, "P17-SAI", annee)
        gpds = [ptables.chain_table(pq.chain(conn, FULL, "P17-SAI", annee)),
                ptables.monthly_table(pq.monthly_chain(conn, FULL, "P17-SAI", annee))]
        referents = [ptables.coverage_table(cover.by_type), ptables.functions_table(cover.by_function),
                     ptables.territory_coverage_table(cover.by_territory)]
        spots = [ptables.blind_spots_table(pq.blind_spots(conn, FULL, "17", annee))]
        mlds = pq.mlds(conn, FULL, "P17-SAI", annee)
        sites = [ptables.mlds_sites_table(mlds.sites), ptables.mlds_totals_table(mlds.totals)]
        for name, group in (("prevention-gpds", gpds), ("prevention-referents", referents),
                            ("prevention-angles-morts", spots), ("prevention-mlds", sites)):
            out[name] = (group, workbook.xlsx_bytes(group, prov))
    engine.dispose()
    return out


def _figures_export(demo_sqlite_url: str) -> dict:
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        f = figures_query.territory_figures(conn, FULL, "R17-SJA", OPEN)
    engine.dispose()
    return f


@office_files("canaux")
def _office_files(demo_sqlite_url: str) -> dict[str, bytes]:
    """Every workbook of both years and the figures export, for LibreOffice."""
    out = {f"{annee}-{name}.xlsx": data for annee in (OPEN, CLOSED)
           for name, (_tables, data) in _workbooks(demo_sqlite_url, annee).items()}
    out["chiffres.xlsx"] = figures.render(_figures_export(demo_sqlite_url), ".xlsx")
    return out


@pytest.mark.xdist_group("libreoffice")
@pytest.mark.parametrize("annee", [OPEN, CLOSED])
def test_every_workbook_shows_the_page_texts_in_libreoffice(demo_sqlite_url, office, annee):
    masked_seen = 0
    for name, (tables, _data) in _workbooks(demo_sqlite_url, annee).items():
        shown = office.sheets("canaux", f"{annee}-{name}.xlsx")
        assert "Notes" in shown, name
        for table in tables:
            sheet = shown[table.name[:31]]
            expected = _expected_sheet(table)
            assert sheet[:len(expected)] == expected, (name, table.name)
            masked_seen += sum(bool(m) for m in table.marks)
    assert masked_seen > 0


@pytest.mark.xdist_group("libreoffice")
def test_figures_export_workbook_in_libreoffice(demo_sqlite_url, office):
    f = _figures_export(demo_sqlite_url)
    shown = office.sheets("canaux", "chiffres.xlsx")
    lines = {row[0]: row for row in shown["Chiffres"][1:]}
    for line in figures.lines(f):
        expected = "" if line.mark or publish_text.is_missing(line.value) else publish_text.value_text(line.column,
                                                                                                line.value)
        assert lines[line.column.key][2] == plain(expected), line.column.key
    assert lines["raccroches"][2] == plain(_expected_text(f, "raccroches")) or "raccroches" in f["masque"]
