"""Prevention in the other channels (issue 17), on the demonstration data (SQLite and PostgreSQL):
the figures export and its declarations, every territory of a level at once (map, ranking) equal
to the territory's own figures, the comparison's direction of « better », the map's classes and
hover texts, the deck's slide and sheets (read back, and through LibreOffice), the CLIs on a
database of the previous release, no small count of pupils in what the Prévention page lets users
download, data names escaped in the charts."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import fmt
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.charts import carte as carte_charts
from dashboard.charts import comparer as comparer_charts
from dashboard.charts import prevention as charts
from dashboard.charts import prevention_tables as tables
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.publish import catalog
from dashboard.publish import text as publish_text
from dashboard.publish.columns import Kind
from dashboard.publish.figures import flatten, render
from dashboard.slides import content as slides_content
from dashboard.slides import deck
from dashboard.slides import prevention as deck_prevention
from dashboard.slides import workbook as slides_workbook
from dashboard.store import database
from queries import carte as qc
from queries import carte_values
from queries import comparer as qcmp
from queries import prevention as q
from queries import prevention_figures as pf
from queries import territoires as tq
from queries.figures import territory_figures
from tests.support import cli
from tests.support.decks import charts_of, open_deck, series_values, slide_texts, slide_title
from tests.support.libreoffice import office_files
from tests.support.migrations import build_release_database, revision_of

FULL = Scope.full("prevention")
CLOSED, CURRENT = "2014-2015", "2016-2017"
CODES = ("ACAD", "86", "P86-POI", "R86-POI", "R86-SVI", "P17-SAI")
LEVELS = ("reseau", "psad", "departement")
RATES = pf.RATES_PER_1000


# --- the figures export -----------------------------------------------------------------------------


def test_every_prevention_key_is_declared():
    for key in pf.FIGURE_KEYS:
        assert key in catalog.FIGURES, key
    columns = catalog.FIGURES
    assert columns["couverture_referents"].kind == Kind.RATE and not columns["couverture_referents"].secret
    for key in RATES:
        assert (columns[key].kind, columns[key].places, columns[key].secret) == (Kind.NUMBER, 1, True)
    for key in q.CHAIN_LABELS:  # counts of pupils
        assert columns[key].kind == Kind.COUNT and columns[key].secret
    for key in ("etablissements", "etablissements_avec_referent", "angles_morts", "reunions_gpds", "mlds_places"):
        assert columns[key].kind == Kind.COUNT and not columns[key].secret  # schools, meetings, places


@pytest.mark.parametrize("annee", [CLOSED, CURRENT])
def test_export_is_the_territory_row_of_the_page(demo_engine, annee):
    with demo_engine.connect() as conn:
        for code in CODES:
            figures = territory_figures(conn, FULL, code, annee)
            row = q.chain(conn, FULL, code, annee).row(0, named=True)
            cover = q.coverage(conn, FULL, code, annee).by_type.row(-1, named=True)
            totals = q.mlds(conn, FULL, code, annee).totals.row(0, named=True)
            assert figures["couverture_referents"] == pytest.approx(cover["couverture"])
            assert figures["etablissements_avec_referent"] == cover["avec_referent"]
            for key in (*q.CHAIN_LABELS, *RATES, "part_suivis", "part_solutions_internes"):
                assert figures[key] == (pytest.approx(row[key]) if row[key] is not None else None), (code, key)
            assert figures["angles_morts"] == q.blind_spot_counts(conn, FULL, code, annee)["angles_morts"]
            assert (figures["mlds_sites"], figures["mlds_places"]) == (totals["sites"], totals["places"])
            for key in figures["masque"]:
                assert flatten(figures)[key] is None, (code, key)
            marks = disclosure_marks.decode_marks(row["cellules_masquees"])
            for count in q.CHAIN_LABELS:
                if row[f"masque_{count}"]:  # « < 5 » for a small count, « s » to protect another one
                    assert figures["secret"][count] == marks[count]
                    assert figures["secret"][f"{count}_pour_1000"] == disclosure_marks.SECONDARY


def test_masked_figures_in_the_export_files(demo_engine):
    """Réseau Sud-Vienne, 2016-2017: too few pupils passed on to the platform."""
    with demo_engine.connect() as conn:
        figures = territory_figures(conn, FULL, "R86-SVI", CURRENT)
    assert figures["signalements_plateforme"] is None
    assert figures["secret"]["signalements_plateforme"] == disclosure_marks.PRIMARY
    data = json.loads(render(figures, ".json"))
    assert data["signalements_plateforme"] is None and data["secret"]["signalements_plateforme"] == "< 5"
    assert data["eleves_reperes_pour_1000"] == round(figures["eleves_reperes_pour_1000"], 1)
    lines = {r.split(";")[0]: r.split(";") for r in render(figures, ".csv").decode("utf-8-sig").splitlines() if r}
    assert lines["signalements_plateforme"][2:] == ["", "< 5"]
    assert lines["eleves_reperes_pour_1000"][2] == f"{figures['eleves_reperes_pour_1000']:.1f}".replace(".", ",")
    sheet = load_workbook(io.BytesIO(render(figures, ".xlsx")))["Chiffres"]
    cells = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert cells["eleves_reperes_pour_1000"][2].number_format == "[$-40C]#,##0.0"
    assert cells["couverture_referents"][2].number_format == "[$-40C]0.0 %"


def test_coverage_is_unknown_without_a_referents_file(db_engine):
    with db_engine.connect() as conn:
        figures = territory_figures(conn, FULL, ACADEMIE, CLOSED)
        values = pf.level_values(conn, FULL, CLOSED, "departement")
    assert figures["couverture_referents"] is None and figures["etablissements_avec_referent"] == 0
    assert values["couverture_referents"].null_count() == values.height


# --- every territory of a level (map, ranking) --------------------------------------------------------


@pytest.mark.parametrize("annee", [CLOSED, CURRENT])
@pytest.mark.parametrize("level", LEVELS)
def test_level_values_equal_each_territory_figures(demo_engine, level, annee):
    with demo_engine.connect() as conn:
        bulk = pf.level_figures(pf.level_values(conn, FULL, annee, level))
        codes = [t.code for t in tq.territory_index(conn, annee).values() if t.niveau == level]
        assert sorted(bulk) == sorted(codes)
        for code in codes:
            own = pf.figures_contribution(conn, FULL, code, annee)
            for key in ("couverture_referents", *RATES, "part_suivis", "part_solutions_internes"):
                assert bulk[code][key] == (pytest.approx(own[key]) if own[key] is not None else None), (code, key)
            assert sorted(bulk[code]["masque"]) == sorted(k for k in own["masque"] if not k.startswith("mlds"))


def test_level_values_keep_to_the_scope(demo_engine):
    ien = Scope.for_role("ien-io", "79", "ien79")
    with demo_engine.connect() as conn:
        assert sorted(pf.level_values(conn, ien, CLOSED, "reseau")["territoire_code"]) == ["R79-BRE", "R79-NIO"]
        values = carte_values.indicator_values(conn, ien, "79", CLOSED, "reseau", "couverture_referents")
    states = dict(values.select("code", "etat").iter_rows())
    assert states["R79-NIO"] == carte_values.OK and states["R17-LRO"] == carte_values.OUT_OF_SCOPE
    assert values.filter(pl.col("etat") == carte_values.OUT_OF_SCOPE)["valeur"].null_count() == 12


# --- comparison -------------------------------------------------------------------------------------


def test_comparison_directions_and_exports(demo_engine):
    assert qcmp.BETTER["couverture_referents"] == qcmp.BETTER["part_suivis"] == 1
    assert qcmp.BETTER["eleves_reperes_pour_1000"] == 0  # spotted pupils: need and activity, no judgement
    with demo_engine.connect() as conn:
        comp = qcmp.comparison(conn, FULL, ("R86-POI", "R86-SVI"), CLOSED)
        figures = territory_figures(conn, FULL, "R86-SVI", CLOSED)
    cells = {(r["indicateur"], r["code"]): r for r in comp.cells.iter_rows(named=True)}
    cover = cells[("couverture_referents", "R86-SVI")]
    assert cover["valeur"] == pytest.approx(figures["couverture_referents"])
    assert cover["verdict"] == (qcmp.MEILLEUR if cover["valeur"] > cover["reference"] else qcmp.MOINS_BON)
    assert cells[("eleves_reperes_pour_1000", "R86-SVI")]["verdict"] == qcmp.NEUTRE
    spotted = cells[("eleves_reperes_pour_1000", "R86-SVI")]
    assert comparer_charts.cell_text("eleves_reperes_pour_1000", spotted["valeur"], False, spotted["ecart"], False) \
        == f"{fmt.number(spotted['valeur'], 1)} ({fmt.signed_number(spotted['ecart'], 1)})"
    texts, _styles = comparer_charts.table_frames(comp)
    assert "Élèves repérés par les GPDS pour 1 000 élèves" in texts.index


# --- map ----------------------------------------------------------------------------------------------


def test_map_classes_and_hover_texts(demo_engine):
    with demo_engine.connect() as conn:
        data = qc.map_data(conn, FULL, ACADEMIE, CLOSED, "psad", "eleves_reperes_pour_1000")
    assert data.label == "Élèves repérés par les GPDS pour 1 000 élèves"
    from dashboard.charts.carte_classes import MISSING_LABEL, OUT_OF_SCOPE_LABEL

    legend = [trace.name for trace in carte_charts.map_figure(data, labels=False).data
              if trace.type == "choroplethmap" and trace.name not in (MISSING_LABEL, OUT_OF_SCOPE_LABEL)]
    assert legend and all(name.startswith("De ") and "," in name and "%" not in name for name in legend)
    table = carte_charts.values_table(data.values, data.indicator, data.label)
    assert table.columns[2].kind == Kind.NUMBER and table.columns[2].places == 1 and table.sources == (
        "prevention", "absenteisme")
    row = data.values.filter(pl.col("etat") == carte_values.OK).row(0, named=True)
    hover = carte_charts._hover_lines(row, data.indicator, data.label)
    assert f"Élèves repérés : {fmt.integer(row['numerateur'])}" in hover
    assert f"Élèves inscrits (effectif moyen) : {fmt.integer(row['denominateur'])}" in hover


# --- the deck -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def decks(demo_sqlite_url):
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        out = {code: slides_content.gather(conn, FULL, code, CURRENT, with_map=False) for code in ("ACAD", "R86-SVI")}
        out["figures"] = {code: territory_figures(conn, FULL, code, CURRENT) for code in ("ACAD", "R86-SVI")}
    engine.dispose()
    return out


def test_deck_slide_holds_the_export(decks):
    for code in ("ACAD", "R86-SVI"):
        content, figures = decks[code], decks["figures"][code]
        plan = deck.slide_plan(content)
        assert plan.index("prevention") == plan.index("absenteisme") + 1
        prs = open_deck(deck.render(content))
        slide = prs.slides[plan.index("prevention")]
        (chart,) = charts_of(slide)
        values = series_values(chart)
        assert list(values) == [content.territory.label, *(["Académie de Poitiers"] if code != "ACAD" else [])]
        expected = [None if figures[k] is None else round(figures[k], 1) for k in RATES]
        assert values[content.territory.label] == expected  # the masked rate is a gap
        embedded = load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob)).active
        assert [c.value for c in embedded["B"][1:]] == expected
        texts = " ".join(slide_texts(slide))
        assert fmt.percent(figures["couverture_referents"]) in texts
        assert f"{figures['angles_morts']} établissement" in texts
        assert fmt.number(figures["eleves_reperes_pour_1000"], 1) in texts
        if figures["masque"]:
            assert disclosure_marks.short_legend() in texts


def test_deck_workbook_sheets(decks):
    content, figures = decks["R86-SVI"], decks["figures"]["R86-SVI"]
    book = load_workbook(io.BytesIO(slides_workbook.xlsx_bytes(content)))
    assert {"Prévention", "Prévention — GPDS"} <= set(book.sheetnames)
    lines = {r[0].value: r for r in book["Prévention"].iter_rows(min_row=2) if r[0].value}
    for key in deck_prevention.SHEET_KEYS:
        line = lines[catalog.FIGURES[key].header]
        if key in figures["masque"]:
            assert line[1].value is None and disclosure_marks.mark_text(figures["secret"][key]) in line[2].value
        elif figures[key] is not None:
            assert line[1].value == pytest.approx(figures[key])
            from dashboard.publish import workbook

            assert line[1].number_format == workbook.number_format(catalog.FIGURES[key]), key


def test_no_prevention_slide_without_prevention_data(demo_engine):
    with demo_engine.connect() as conn:
        content = slides_content.gather(conn, FULL, "79", "2011-2012", with_map=False)
    assert content.prevention is None and "prevention" not in deck.slide_plan(content)
    assert deck_prevention.tables(content) == []
    assert "Prévention" not in load_workbook(io.BytesIO(slides_workbook.xlsx_bytes(content))).sheetnames


@office_files("prevention")
def _office_files(demo_sqlite_url: str) -> dict[str, bytes]:
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        content = slides_content.gather(conn, FULL, "R86-SVI", CURRENT, with_map=False)
    engine.dispose()
    return {"R86-SVI.pptx": deck.render(content)}


@pytest.mark.xdist_group("libreoffice")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler absent")
def test_prevention_slide_through_libreoffice(decks, office):
    content, figures = decks["R86-SVI"], decks["figures"]["R86-SVI"]
    pdf = office.pdf("prevention", "R86-SVI.pptx")
    page = deck.slide_plan(content).index("prevention") + 1
    text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Prévention : référents, GPDS et angles morts" in text
    assert fmt.number(figures["eleves_reperes_pour_1000"], 1) in text  # « 12,0 »: a French decimal comma
    assert "Suivis par le GPDS" in text and "Académie de Poitiers" in text


# --- CLIs on a database of the previous release ------------------------------------------------------------


@pytest.mark.parametrize("command", ["figures", "slides"])
def test_clis_upgrade_a_release_database_before_reading(tmp_path, demo_sqlite_url, command):
    from dashboard.store import migrations

    url = f"sqlite:///{tmp_path / 'release.sqlite'}"
    engine = database.make_engine(url)
    build_release_database(engine, demo_sqlite_url)
    engine.dispose()
    out = tmp_path / ("chiffres.json" if command == "figures" else "deck.pptx")
    done = cli.run_cli(f"dashboard.{command}", "--database-url", url, "--annee", CLOSED, "--territoire", "86",
                       "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    engine = database.make_engine(url)
    assert revision_of(engine) == migrations.head()
    engine.dispose()
    if command == "figures":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["couverture_referents"] is None and data["etablissements_avec_referent"] == 0
        assert data["etablissements"] > 0
    else:
        assert "Prévention" not in " ".join(slide_title(s) for s in open_deck(out.read_bytes()).slides)


# --- what the Prévention page lets users download ---------------------------------------------------------


def _small(values) -> list:
    limit = rule.threshold()
    return [v for v in values if v is not None and 0 < v < limit]


@pytest.mark.parametrize("annee", [CLOSED, CURRENT])
def test_page_downloads_hold_no_small_count_of_pupils(demo_engine, annee):
    with demo_engine.connect() as conn:
        for code in CODES:
            chain = q.chain(conn, FULL, code, annee)
            monthly = q.monthly_chain(conn, FULL, code, annee)
            for table in (tables.chain_table(chain), tables.monthly_table(monthly)):
                for count in q.CHAIN_LABELS:
                    assert not _small(table.frame[count].to_list()), (code, annee, table.name, count)
            spots = q.blind_spots(conn, FULL, code, annee)
            assert not _small(tables.blind_spots_table(spots).frame["eleves_reperes"].to_list())
            sites = tables.mlds_sites_table(q.mlds(conn, FULL, code, annee).sites)
            assert not _small(sites.frame["jeunes_accueillis"].to_list())
            for row, marks in tables.chain_table(chain).rows():
                for count in q.CHAIN_LABELS:
                    if row[count] is None and count in marks:
                        assert marks[f"{count}_pour_1000"] == disclosure_marks.SECONDARY


def test_complementary_masks_hold_in_every_table(demo_engine):
    """A count masked in a parent's table (« s ») is masked on the territory's own page and in every
    file too: one decision per year over the whole tree (``queries.prevention_suppression``)."""
    leaks = []
    with demo_engine.connect() as conn:
        for annee in (CLOSED, CURRENT):
            for territory in tq.visible_territories(conn, FULL, annee):
                if territory.niveau == "reseau":
                    continue
                for row in q.chain(conn, FULL, territory.code, annee).slice(1).iter_rows(named=True):
                    for key, mark in disclosure_marks.decode_marks(row["cellules_masquees"]).items():
                        own = pf.figures_contribution(conn, FULL, row["territoire_code"], annee)
                        if mark == disclosure_marks.SECONDARY and own[key] is not None:
                            leaks.append((annee, territory.code, row["territoire_code"], key))
    assert not leaks, leaks


@pytest.mark.parametrize("annee", [CLOSED, CURRENT])
def test_the_audit_recovers_no_masked_count_of_the_chain(demo_engine, annee):
    """Everything the chain publishes (every territory's year and months) read as linear sums: no
    masked count is narrowed below the protection width; small counts are all masked."""
    from dashboard.disclosure import cells as dc
    from dashboard.disclosure.audit import audit
    from queries import prevention_suppression as ps

    with demo_engine.connect() as conn:
        decision = ps.decision(conn, annee)
        index = tq.territory_index(conn, annee)
        territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
        cells = ps.year_cells(annee, territories, ps.flows(conn, annee))
    assert not decision.findings
    masked = {c.atom for c in cells if c.key in decision.marks}
    assert not audit(cells, masked)
    small = [c.key for c in cells if 0 < c.value < rule.threshold()]
    assert small and all(decision.marks.get(k) == disclosure_marks.PRIMARY for k in small)
    assert any(m == disclosure_marks.SECONDARY for m in decision.marks.values())
    assert dc.PERIOD in {k.kind for k in decision.marks} <= {dc.TOTAL, dc.PERIOD}


def test_a_leaky_publication_is_caught_with_the_exact_value():
    """Two networks under one PSAD, one month: the PSAD and one network shown, the other masked
    alone — the audit finds its exact value; the decision masks a complement."""
    from dashboard.disclosure.audit import audit
    from queries import prevention_suppression as ps

    territories = {"P": ("psad", ("R1", "R2"), None), "R1": ("reseau", ("R1",), "P"),
                   "R2": ("reseau", ("R2",), "P")}
    counts = {"R1": 3, "R2": 40}
    flow = {(r, "2016-10"): {c: counts[r] for c in q.CHAIN_LABELS} for r in ("R1", "R2")}
    cells = ps.year_cells(CURRENT, territories, flow)
    lone = {c.atom for c in cells if c.key.code == "R1"}
    found = audit(cells, lone)
    assert found and {f.value for f in found} == {3.0} and all(f.high - f.low < 1e-6 for f in found)
    from dashboard.disclosure.suppression import decide

    decision = decide(cells, CURRENT, territories, {}, relate=ps.chain_relations)
    assert not decision.findings
    assert {k.code for k, m in decision.marks.items() if m == disclosure_marks.SECONDARY} & {"R2", "P"}


# --- names from the data are text, never markup ------------------------------------------------------------


def test_chart_texts_escape_names_from_the_data():
    name = "<b>Réseau</b> <a href='x'>piège</a>"
    row = {"territoire_nom": name, "eleves": 1000.0, "part_suivis": 0.5, "part_solutions_internes": 0.5,
           **{c: 10 for c in q.CHAIN_LABELS}, **{f"{c}_pour_1000": 10.0 for c in q.CHAIN_LABELS},
           **{f"masque_{c}": False for c in q.CHAIN_LABELS}}
    chain = pl.DataFrame([row, {**row, "territoire_nom": "<script>x</script>"}]).with_columns(
        pl.lit("psad").alias("niveau"))
    sites = pl.DataFrame({"nom": ["<i>Site</i>"], "commune_nom": ["<b>Ville</b>"], "places": [10],
                          "jeunes_accueillis": [8], "taux_occupation": [0.8]})
    for figure in (charts.chain_figure(row, row, name), charts.children_figure(chain), charts.mlds_figure(sites),
                   charts.functions_figure(q.function_groups(pl.DataFrame({"fonction": ["CPE"], "referents": [3]})),
                                           name, CLOSED)):
        spec = figure.to_json()
        for raw in ("<b>Réseau</b>", "<a href", "<script>", "<i>Site</i>", "<b>Ville</b>"):
            assert raw not in spec, raw
    assert publish_text.cell_text(catalog.FIGURES["eleves_reperes_pour_1000"], 40.92) == "40,9"
