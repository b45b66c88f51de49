"""AppTest of the Accueil and Raccrochage pages.

* On the hand-made fixture of ``test_raccrochage`` (exact values, masked network);
* on the demonstration data, for every level of territory (when ``dashboard.demo`` exists).

The key figures shown must equal the figures export (``dashboard.figures``).
"""

from __future__ import annotations

import pytest

from dashboard import db, disclosure, fmt
from dashboard.access import Scope
from dashboard.figures import territory_figures
from tests.conftest import ROOT, assert_no_exception
from tests.test_raccrochage import YEAR, load_fixture

LEVEL_CODES = ["ACAD", "16", "P16-ANG", "R16-ANG"]


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("racc") / "fixture.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.init_database(engine)
    load_fixture(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture
def run_page(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def run(url: str, page: str, **params):
        monkeypatch.setenv(db.ENV_URL, url)
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
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return territory_figures(conn, Scope.full(), code, annee)
    finally:
        engine.dispose()


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _count(figures: dict, key: str) -> str:
    return disclosure.masked_label() if key in figures["masque"] else fmt.integer(figures[key])


def _rate(figures: dict, key: str) -> str:
    return "masqué" if key in figures["masque"] else fmt.percent(figures[key])


def check_accueil(at, f: dict) -> None:
    assert_no_exception(at)
    shown = _metrics(at)
    assert shown["Raccrochés depuis la rentrée"] == _count(f, "raccroches")
    assert shown["Taux d'atteinte de l'objectif"] == _rate(f, "taux_atteinte")
    assert shown["Niveau attendu à cette date"] == fmt.integer(f["niveau_attendu"])
    assert shown["Projection en fin d'année"] == fmt.integer(f["projection_fin_annee"])
    assert shown["Jeunes signalés"] == _count(f, "jeunes_signales")
    assert shown["Taux de contact"] == _rate(f, "taux_contact")
    assert shown["Avec solution proposée"] == _rate(f, "part_solution")
    assert shown["Contrats FOQUALE signés"] == _count(f, "contrats_foquale")


def check_raccrochage(at, f: dict) -> None:
    assert_no_exception(at)
    shown = _metrics(at)
    assert shown["Raccrochés depuis la rentrée"] == _count(f, "raccroches")
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


def test_accueil_exact_values(run_page, fixture_url):
    at = run_page(fixture_url, "", annee=YEAR, territoire="P16-ANG")
    shown = _metrics(at)
    assert shown["Raccrochés depuis la rentrée"] == "41"
    assert shown["Taux d'atteinte de l'objectif"] == "51,2\u00a0%"  # 41 / 80
    assert shown["Niveau attendu à cette date"] == "52"  # 80 × 0,65
    assert shown["Projection en fin d'année"] == "63"  # 41 / 0,65
    deltas = {m.label: m.proto.delta for m in at.metric}
    assert deltas["Raccrochés depuis la rentrée"] == "+6"  # 41 vs 35 at the end of February 2014
    assert deltas["Niveau attendu à cette date"] == "−11"
    # sub-territories: the two networks, the late one flagged in the freshness box
    assert any("Réseaux FOQUALE" in s.value for s in at.subheader)
    assert any("Nord-Charente" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["Réseau Angoulême", "Réseau Nord-Charente"]


def test_masked_network_on_accueil(run_page, fixture_url):
    at = run_page(fixture_url, "", annee=YEAR, territoire="R16-COG")
    shown = _metrics(at)
    assert shown["Raccrochés depuis la rentrée"] == "< 5"
    assert shown["Jeunes signalés"] == "6"
    assert shown["Taux de contact"] == "masqué"


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
    assert cog["Raccrochés"] == -1 and cog["Jeunes signalés"] == 6


# --- demonstration data ------------------------------------------------------------------------------


def _demo_available() -> bool:
    try:
        import dashboard.demo  # noqa: F401
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
    assert any("n'ont pas transmis" in w.value for w in at.warning)
