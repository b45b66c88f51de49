"""AppTest of the Accueil and Raccrochage pages.

* On the hand-made fixture of ``test_raccrochage`` (exact values, masked network);
* on the demonstration data, for every level of territory (when ``dashboard.demo`` exists).

The key figures shown must equal the figures export (``queries.figures``, ``dashboard.publish.figures``).
"""

from __future__ import annotations

import pytest

from dashboard import fmt
from dashboard.access.scope import Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.publish import screen
from dashboard.store import database, lifecycle
from queries.figures import territory_figures
from tests.support import ROOT
from tests.support.apptest import assert_no_exception
from tests.support.raccrochage import YEAR, load_fixture

LEVEL_CODES = ["ACAD", "16", "P16-ANG", "R16-ANG"]


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("racc") / "fixture.sqlite"
    engine = database.make_engine(f"sqlite:///{path}")
    lifecycle.init_database(engine)
    load_fixture(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def run_page(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def run(url: str, page: str, **params):
        monkeypatch.setenv(database.ENV_URL, url)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(str(ROOT / "pages" / f"{page}.py"))
            at.run()
        return at

    return run


def _figures(url: str, code: str, annee: str) -> dict:
    engine = database.make_engine(url)
    try:
        with engine.connect() as conn:
            return territory_figures(conn, Scope.full(), code, annee)
    finally:
        engine.dispose()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _count(figures: dict, key: str) -> str:
    """« < 5 » for a count under the threshold, « s » for a count masked to protect another one."""
    if key in figures["masque"]:
        return disclosure_marks.mark_text(figures["secret"][key])
    return fmt.integer(figures[key])


def _rate(figures: dict, key: str) -> str:
    """A masked rate is « s », never « < 5 » (which would read as under 5 %)."""
    return disclosure_marks.SECONDARY_LABEL if key in figures["masque"] else fmt.percent(figures[key])


def check_accueil(at, f: dict) -> None:
    assert_no_exception(at)
    shown = _metrics(at)
    assert shown["Raccrochés"] == _count(f, "raccroches")
    assert shown["Taux d'atteinte"] == _rate(f, "taux_atteinte")
    if f["situation_annee"] in ("close", "close_incomplete"):  # no trajectory once the year is closed
        assert "Attendu à cette date" not in shown and "Projection fin d'année" not in shown
        assert shown["Objectif de l'année"] == fmt.integer(f["objectif"])
        gap = f["ecart_objectif"]
        assert shown["Écart à l'objectif"] == ("s" if "ecart_objectif" in f["masque"] else fmt.signed_number(gap))
    else:
        assert shown["Attendu à cette date"] == fmt.integer(f["niveau_attendu"])
        projection = f["projection_fin_annee"]
        assert shown["Projection fin d'année"] == ("s" if "projection_fin_annee" in f["masque"]
                                                     else fmt.integer(projection))
    assert shown["Jeunes signalés"] == _count(f, "jeunes_signales")
    assert shown["Taux de contact"] == _rate(f, "taux_contact")
    assert shown["Part avec une solution proposée"] == _rate(f, "part_solution")  # its one declared name
    assert shown["Contrats FOQUALE"] == _count(f, "contrats_foquale")


def check_raccrochage(at, f: dict) -> None:
    assert_no_exception(at)
    shown = _metrics(at)
    assert shown["Raccrochés"] == _count(f, "raccroches")
    assert shown["Objectif de l'année"] == fmt.integer(f["objectif"])
    assert shown["Taux d'atteinte"] == _rate(f, "taux_atteinte")
    assert shown["Contrats signés depuis la rentrée"] == _count(f, "contrats_foquale")


# --- hand-made fixture ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [*LEVEL_CODES, "R16-COG", "17"])
def test_accueil_on_fixture(run_page, fixture_url, code):
    at = run_page(fixture_url, "", annee=YEAR, territoire=code)
    f = _figures(fixture_url, code, YEAR)
    check_accueil(at, f)
    assert at.title[0].value == "Accueil"


def test_accueil_exact_values(run_page, fixture_url, monkeypatch, request):
    import streamlit as st

    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")  # hand-computed values, disclosure off
    st.cache_data.clear()  # cached figures depend on the threshold: none shared with other tests
    request.addfinalizer(st.cache_data.clear)
    at = run_page(fixture_url, "", annee=YEAR, territoire="P16-ANG")
    shown = _metrics(at)
    assert shown["Raccrochés"] == "41"
    assert shown["Taux d'atteinte"] == "51,2\u00a0%"  # 41 / 80
    assert shown["Attendu à cette date"] == "47"  # 60 × 0,65 + 20 × 0,40 (R16-NCH at its December bilan)
    assert shown["Projection fin d'année"] == "74"  # 30 / 0,65 + 11 / 0,40
    deltas = {m.label: m.proto.delta for m in at.metric}
    assert deltas["Raccrochés"] == "+6"  # 41 vs 35 at the end of February 2014
    assert deltas["Attendu à cette date"] == "−6"
    # sub-territories: the two networks (a strip of links by status, then the table), the late one
    # named in the one « chiffres provisoires » warning
    assert any("Réseaux FOQUALE" in s.value for s in at.subheader)
    assert any("Réseaux FOQUALE : 1 sur 2 en retard" in m.value for m in at.markdown)
    links = [link.proto.label for link in at.get("page_link")]
    assert any("Angoulême" in label and label.startswith(":orange[") for label in links)  # behind: orange
    assert any("Nord" in w.value for w in at.warning)
    table = next(f.value for f in at.table if "Territoire" in f.value.columns)  # static: headers wrap at 1 280 px
    assert list(table.iloc[:, 0]) == ["Réseau Angoulême", "Réseau Nord-Charente"]


def test_masked_network_on_accueil(run_page, fixture_url):
    at = run_page(fixture_url, "", annee=YEAR, territoire="R16-COG")
    shown = _metrics(at)
    assert shown["Raccrochés"] == "< 5"
    assert shown["Jeunes signalés"] == "6"
    assert shown["Taux de contact"] == "s"


@pytest.mark.parametrize("code", [*LEVEL_CODES, "R16-COG", "17"])
def test_raccrochage_on_fixture(run_page, fixture_url, code):
    at = run_page(fixture_url, "raccrochage", annee=YEAR, territoire=code)
    check_raccrochage(at, _figures(fixture_url, code, YEAR))
    assert at.title[0].value == "Raccrochage"


def test_raccrochage_table_views(run_page, fixture_url):
    at = run_page(fixture_url, "raccrochage", annee=YEAR, territoire="16")
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["PSAD Angoulême", "PSAD Cognac"]
    assert len(at.download_button) == 2
    at.segmented_control(key="raccrochage_vue").set_value("reseaux").run()
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["Réseau Angoulême", "Réseau Cognac", "Réseau Nord-Charente"]
    # the masked cells carry the sort sentinel, never the real small count
    cog = table[table.iloc[:, 0] == "Réseau Cognac"].iloc[0]
    assert cog["Raccrochés"] == screen.MASKED_SORT_VALUE and cog["Jeunes signalés"] == 6


# --- demonstration data ------------------------------------------------------------------------------


def _demo_available() -> bool:
    try:
        import dashboard.demo.generate  # noqa: F401
    except ImportError:
        return False
    return True


demo = pytest.mark.skipif(not _demo_available(), reason="dashboard.demo pas encore disponible")
DEMO_CODES = ["ACAD", "86", "P86-POI", "R86-POI", "R16-NCH"]


@demo
@pytest.mark.parametrize("annee", ["2014-2015", "2016-2017"])
@pytest.mark.parametrize("code", DEMO_CODES)
def test_accueil_on_demo(app_test, demo_sqlite_url, code, annee):
    at = app_test("", annee=annee, territoire=code)
    check_accueil(at, _figures(demo_sqlite_url, code, annee))


@demo
@pytest.mark.parametrize("annee", ["2014-2015", "2016-2017"])
@pytest.mark.parametrize("code", DEMO_CODES)
def test_raccrochage_on_demo(app_test, demo_sqlite_url, code, annee):
    at = app_test("raccrochage", annee=annee, territoire=code)
    check_raccrochage(at, _figures(demo_sqlite_url, code, annee))


@demo
def test_demo_current_year_flags_late_networks(app_test):
    at = app_test("", annee="2016-2017", territoire="ACAD")
    assert_no_exception(at)
    assert any("n'ont pas encore transmis" in w.value for w in at.warning)


# --- presentation: partial data, closed year, wording, tables and charts ---------------------------


def _warnings(at) -> list[str]:
    """The warnings' texts as read (names and punctuation are escaped in the Markdown source)."""
    import re

    return [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]


@pytest.mark.parametrize("page", ["", "raccrochage"])
def test_late_network_makes_the_figures_provisional(run_page, fixture_url, page):
    at = run_page(fixture_url, page, annee=YEAR, territoire="P16-ANG")  # Nord-Charente stops in December
    assert_no_exception(at)
    notes = [w for w in _warnings(at) if w.startswith("Chiffres provisoires")]
    assert len(notes) == 1
    assert "1 réseau n'a pas encore transmis le bilan de la période close le 28 février 2015" in notes[0]
    assert "(Nord-Charente : dernier bilan au 31 décembre 2014)" in notes[0]


@pytest.mark.parametrize("page", ["", "raccrochage"])
def test_late_network_itself_sees_dated_figures(run_page, fixture_url, page):
    at = run_page(fixture_url, page, annee=YEAR, territoire="R16-NCH")
    assert_no_exception(at)
    assert any(w.startswith("Le bilan de la période close le 28 février 2015 n'a pas encore été reçu pour ce réseau "
                            ": ses chiffres s'arrêtent au 31 décembre 2014, son dernier bilan reçu.")
               for w in _warnings(at))
    assert not any("Chiffres provisoires" in w for w in _warnings(at))


def test_up_to_date_territory_has_no_provisional_warning(run_page, fixture_url):
    at = run_page(fixture_url, "", annee=YEAR, territoire="R16-ANG")
    assert_no_exception(at)
    assert not any("pas encore" in w for w in _warnings(at))


def test_late_networks_note_lists_at_most_six_names():
    import polars as pl

    from dashboard.charts import raccrochage_tables

    fresh = pl.DataFrame({"reseau_nom": [f"R{i}" for i in range(9)], "bilan_manquant": [True] * 8 + [False],
                          "derniere_periode": ["2015-02-28"] * 8 + ["2015-04-30"],
                          "periode_attendue": ["2015-04-30"] * 9})
    note = raccrochage_tables.late_networks_note(fresh, "academie")
    assert "8 réseaux n'ont pas encore transmis le bilan de la période close le 30 avril 2015" in note
    assert "(R0, R1, R2, R3, R4, R5 et 2 autres)" in note
    assert raccrochage_tables.late_networks_note(fresh.filter(pl.col("reseau_nom") == "R8"), "reseau") is None
    assert raccrochage_tables.late_networks_note(fresh.clear(), "academie") is None


@demo
def test_closed_year_has_no_projection_in_the_headline(app_test):
    at = app_test("", annee="2014-2015", territoire="ACAD")  # bilans up to 31 August 2015
    assert_no_exception(at)
    headline = " ".join(i.value for i in [*at.info, *at.warning, *at.success]
                        if i.value.startswith("L'année scolaire est close"))
    assert "**objectif non atteint**" in headline
    assert "rythme actuel" not in headline and "trajectoire" not in headline and "attendu" not in headline


def _chart_names(at) -> list[str]:
    import json

    return [t.get("name") or "" for chart in at.get("plotly_chart") for t in json.loads(chart.proto.spec)["data"]]


@demo
def test_a_closed_year_page_speaks_of_the_target(app_test):
    """2015-2016 is closed: the Raccrochage page draws the raccrochés against the year's target (no
    trajectory line, title, caption or help), Accueil links to it by its target."""
    at = app_test("raccrochage", annee="2015-2016", territoire="P16-ANG")
    assert_no_exception(at)
    texts = [*(h.value for h in at.subheader), *(c.value for c in at.caption), *(m.help or "" for m in at.metric),
             *(e.label for e in at.expander), *_chart_names(at)]
    assert "Raccrochés cumulés et objectif de l'année" in texts
    assert not [t for t in texts if "trajectoire" in t.lower()]
    at = app_test("", annee="2015-2016", territoire="P16-ANG")
    assert_no_exception(at)
    links = [link.label for link in at.get("page_link")]
    assert "Objectif, entonnoir et solutions : page Raccrochage" in links, links
    at = app_test("raccrochage", annee="2016-2017", territoire="P16-ANG")  # open: the trajectory stays
    assert "Raccrochés cumulés et trajectoire de l'objectif" in [h.value for h in at.subheader]
    assert any(name.startswith("Trajectoire de l'objectif") for name in _chart_names(at))


@demo
@pytest.mark.parametrize(("code", "subject"), [("ACAD", "L'académie est"), ("86", "La Vienne est"),
                                               ("P86-POI", "La PSAD Poitiers est"), ("R86-POI", "Le réseau Poitiers est")])
def test_headline_names_the_level(app_test, code, subject):
    at = app_test("", annee="2016-2017", territoire=code)
    assert_no_exception(at)
    headline = [i.value for i in [*at.info, *at.warning, *at.success] if i.value.startswith("Au ")]
    assert len(headline) == 1 and f"{subject} **" in headline[0].replace("\\", "")
    assert "au rythme actuel" in headline[0]


@demo
def test_demo_partial_year_flags_provisional_academie_figures(app_test):
    at = app_test("raccrochage", annee="2016-2017", territoire="ACAD")
    assert_no_exception(at)
    notes = [w for w in _warnings(at) if w.startswith("Chiffres provisoires")]
    assert len(notes) == 1 and "2 réseaux" in notes[0]
    assert "Angoulême et Royan : dernier bilan au 28 février 2017" in notes[0]


@demo
@pytest.mark.parametrize("page", ["", "raccrochage"])
def test_last_bilan_column_comes_after_the_status(app_test, page):
    at = app_test(page, annee="2016-2017", territoire="ACAD")
    table = next(f.value for f in [*at.dataframe, *at.table] if "Statut" in f.value.columns)
    assert list(table.columns[:3]) == ["Territoire", "Statut", "Dernier bilan"]


def test_raccrochage_export_keeps_the_column_order():
    from dashboard.charts import raccrochage_tables


    # the last column: the date of the least up-to-date network
    assert raccrochage_tables.EXPORT_COLUMNS[0] == "code" and raccrochage_tables.EXPORT_COLUMNS[-1] == "periode_fin_min"


def test_funnel_overflow_note():
    from dashboard.charts import raccrochage as charts

    row = {"jeunes_signales": 305, "jeunes_contactes": 224, "entretiens": 197, "solutions_proposees": 279,
           "raccroches": 238}
    note = charts.funnel_overflow_note(row)
    assert note.startswith("« Solutions proposées » dépasse ici l'étape précédente (141,6\u00a0%)")
    assert charts.funnel_overflow_note({**row, "solutions_proposees": 190, "raccroches": 180}) is None
    assert charts.funnel_overflow_note({**row, "entretiens": None}) is None  # masked: no comparison


@demo
def test_funnel_overflow_is_explained_on_the_page(app_test):
    at = app_test("raccrochage", annee="2016-2017", territoire="R16-ANG")  # 279 solutions for 197 entretiens
    assert_no_exception(at)
    assert any("dépasse ici l'étape précédente" in c.value for c in at.caption)


def test_chart_legends_read_in_order():
    import polars as pl

    from dashboard.charts import raccrochage as charts
    from dashboard.charts import raccrochage_solutions
    from queries import raccrochage_rules

    periods = pl.DataFrame({"rang": [1], "raccroches_cumul": [10], "libelle": ["sept.–oct. 2014"]})
    history = pl.DataFrame({"annee_scolaire": ["2012-2013", "2013-2014"], "rang": [1, 1],
                            "raccroches_cumul": [5, 8], "periode_fin": ["2012-10-31", "2013-10-31"]})
    trajectory = pl.DataFrame({"rang": [1], "attendu": [9.0], "libelle": ["sept.–oct."], "part_profil": [0.3]})
    fig = charts.trajectory_figure(periods, history, trajectory, YEAR, 30)
    legend = [t.name for t in sorted(fig.data, key=lambda t: t.legendrank)]
    assert legend == [YEAR, "Trajectoire de l'objectif", "2013-2014", "2012-2013"]
    assert fig.data[-1].name == YEAR  # drawn last, on top
    shares = raccrochage_solutions.solution_shares_figure({c: 1 for c in raccrochage_rules.SOLUTION_COLUMNS}, None, YEAR, "2013-2014")
    assert shares.layout.legend.y > 1  # above the bars, clear of the axis title


def test_a_masked_bar_of_a_page_chart_shows_its_mark_where_it_would_stand():
    """A period whose contrats FOQUALE (or raccrochés) are masked: no bar, no value, its mark written
    at the bar's place; a masked share of last year shows its decided mark, not a blank."""
    import polars as pl

    from dashboard.charts import raccrochage_solutions
    from queries import raccrochage_rules

    periods = pl.DataFrame({"libelle": ["sept.–oct.", "nov.–déc."], "contrats_foquale": [12, None],
                            "raccroches": [None, 30], "cellules_masquees": ["raccroches", "contrats_foquale=s"]})
    contracts = raccrochage_solutions.contracts_figure(periods)
    (marks,) = [t for t in contracts.data if getattr(t, "mode", None) == "text"]
    assert list(marks.x) == ["nov.–déc."] and list(marks.text) == [disclosure_marks.SECONDARY_LABEL]
    assert list(marks.y) == [0] and list(contracts.data[0].y) == [12, None]  # the bar holds no value
    flows = raccrochage_solutions.solutions_over_time_figure(periods.with_columns(  # a PSAD: its periods' raccrochés only
        non_publie=pl.lit(", ".join(raccrochage_rules.SOLUTION_COLUMNS)),
        **{c: pl.lit(None, dtype=pl.Int64) for c in raccrochage_rules.SOLUTION_COLUMNS}))
    (marks,) = [t for t in flows.data if getattr(t, "mode", None) == "text"]
    assert list(marks.x) == ["sept.–oct."] and list(marks.text) == [rule.masked_label()]
    current = {c: 10 for c in raccrochage_rules.SOLUTION_COLUMNS}
    previous = dict(current, raccroches_mlds=None)
    shares = raccrochage_solutions.solution_shares_figure(current, previous, YEAR, "2013-2014", current_total=60, previous_total=60,
                                           previous_marks={"raccroches_mlds": disclosure_marks.SECONDARY})
    last_year = shares.data[0]
    assert last_year.text[raccrochage_rules.SOLUTION_COLUMNS.index("raccroches_mlds")] == disclosure_marks.SECONDARY_LABEL


def test_a_masked_point_of_a_line_shows_its_mark_on_the_line():
    """A masked cumulative point (this year or a past year) and a masked period's raccrochés on the
    contrats chart: the line stops there (no value), a grey marker on its path carries the decided
    mark; last year's level at the own dates, masked, is marked too."""
    import polars as pl

    from dashboard.charts import raccrochage as charts
    from dashboard.charts import raccrochage_solutions
    from dashboard.charts.secret_marks import MASKED_POINT_NAME

    periods = pl.DataFrame({"rang": [1, 3, 5], "libelle": ["sept.–oct.", "nov.–déc.", "janv.–févr."],
                            "raccroches_cumul": [10, None, 30], "raccroches": [10, None, 10],
                            "contrats_foquale": [2, 3, 4],
                            "cellules_masquees": ["", "raccroches=s, raccroches_cumul=s", ""]})
    history = pl.DataFrame({"annee_scolaire": ["2013-2014"] * 3, "periode_fin": ["2013-10-31", "2013-12-31",
                                                                                  "2014-02-28"],
                            "rang": [1, 3, 5], "raccroches_cumul": [None, 20, 40], "raccroches": [None, 20, 20],
                            "cellules_masquees": ["raccroches_cumul", "", ""]})
    target = pl.DataFrame({"rang": [1, 3, 5], "attendu": [8.0, 20.0, 33.0], "libelle": ["a", "b", "c"],
                           "part_profil": [0.1, 0.25, 0.4]})
    own = charts.OwnDates(5, 33.0, None, "2013-2014", disclosure_marks.PRIMARY)
    fig = charts.trajectory_figure(periods, history, target, YEAR, 80, own_dates=own)
    marks = [t for t in fig.data if t.name == MASKED_POINT_NAME]
    assert sorted((list(t.x), list(t.text)) for t in marks) == [([1], [rule.masked_label()]),
                                                              ([3], [disclosure_marks.SECONDARY_LABEL])]
    assert [t.showlegend for t in marks].count(True) == 1
    this_year = next(t for t in marks if list(t.x) == [3])
    assert list(this_year.y) == [20]  # midway between the published points around it: no value of its own
    assert list(next(t for t in fig.data if t.name == YEAR).y) == [10, None, 30]
    (previous,) = [t for t in fig.data if t.name == own.previous_name]
    assert list(previous.text) == [rule.masked_label()]
    contracts = raccrochage_solutions.contracts_figure(periods)
    (line,) = [t for t in contracts.data if t.name == MASKED_POINT_NAME]
    assert list(line.x) == ["nov.–déc."] and list(line.text) == [disclosure_marks.SECONDARY_LABEL]
    assert charts.cumul_masked(periods) and not charts.cumul_masked(periods.with_columns(cellules_masquees=pl.lit("")))
