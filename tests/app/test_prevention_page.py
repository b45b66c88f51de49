"""The Prévention page with AppTest on demonstration data: every tab at every level, a closed year
and the current one, the tiles equal the figures export, scoped users (proxy mode,
``config/utilisateurs.example.csv``) see the school lists only in their detail scope."""

from __future__ import annotations

import pytest

from dashboard import fmt
from dashboard.access.scope import Scope
from dashboard.publish import screen
from dashboard.store import database, db
from queries import prevention as q
from queries.prevention_figures import figures_contribution
from tests.support.access import OUT_OF_SCOPE_17, SCHOOL_17, all_text, chart_text
from tests.support.apptest import assert_no_exception

VIEWS = ["Référents", "Activité des GPDS", "Angles morts", "Sites MLDS"]
TERRITORIES = ["ACAD", "86", "P86-POI", "R86-POI"]
CLOSED, CURRENT = "2014-2015", "2016-2017"
TILES = ["Couverture en référents", "Repérés pour 1 000", "Angles morts", "Jeunes en MLDS"]
FULL = Scope.full("test")


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def export(url: str, code: str, annee: str) -> dict:
    engine = database.make_engine(url)
    with engine.connect() as conn:
        figures = figures_contribution(conn, FULL, code, annee)
    engine.dispose()
    return figures


@pytest.mark.parametrize("annee", [CLOSED, CURRENT])
@pytest.mark.parametrize("territoire", TERRITORIES)
def test_tiles_equal_the_figures_export(app_test, demo_sqlite_url, territoire, annee):
    at = app_test("prevention", annee=annee, territoire=territoire)
    assert_no_exception(at)
    assert at.title[0].value == "Prévention"
    tiles = {m.label: m for m in at.metric}
    assert list(tiles) == TILES
    figures = export(demo_sqlite_url, territoire, annee)
    assert tiles["Couverture en référents"].value == fmt.percent(figures["couverture_referents"])
    assert tiles["Repérés pour 1 000"].value == fmt.number(figures["eleves_reperes_pour_1000"], 1)
    assert tiles["Repérés pour 1 000"].delta == f"{fmt.integer(figures['eleves_reperes'])} élèves"
    assert tiles["Angles morts"].value == fmt.integer(figures["angles_morts"])
    assert tiles["Jeunes en MLDS"].value == fmt.integer(figures["mlds_jeunes_accueillis"])
    missing = figures["etablissements"] - figures["etablissements_avec_referent"]
    assert tiles["Couverture en référents"].delta == (f"{missing} sans référent" if missing else "complète")
    assert subheaders(at)[:2] == ["Par type d'établissement", "Par fonction"]
    assert len(at.get("plotly_chart")) == 2
    assert any(c.value == f"Cible : {q.COVERAGE_TARGET_TEXT}." for c in at.caption)
    keys = [b.key for b in at.get("download_button")]
    assert {"prev_referents_csv", "prev_referents_xlsx"} <= set(keys)


@pytest.mark.parametrize("territoire", TERRITORIES)
@pytest.mark.parametrize("vue", VIEWS[1:])
def test_every_tab_at_every_level(app_test, territoire, vue):
    at = app_test("prevention", annee=CLOSED, territoire=territoire, vue=vue)
    assert_no_exception(at)
    heads = subheaders(at)
    if vue == "Activité des GPDS":
        assert heads[:2] == ["Du repérage à la solution", "Mois par mois"] and heads[-1] == "Chiffres de l'année"
        charts = at.get("plotly_chart")
        assert len(charts) == (2 if territoire == "R86-POI" else 3)  # no level below a network
        table = at.dataframe[0].value
        assert list(table.columns)[:2] == ["Territoire", "Repérés /1 000"]
        assert table.shape[0] == (1 if territoire == "R86-POI" else {"ACAD": 5, "86": 3, "P86-POI": 3}[territoire])
        assert " de Académie" not in " ".join(heads)
    elif vue == "Angles morts":
        assert q.BLIND_SPOT_RULE in [i.value for i in at.info]
        assert heads == ["Établissements « angles morts »"]
        table = at.dataframe[0].value
        assert list(table.columns) == ["Établissement", "Commune", "Absentéisme", "Rang", "Repérés", "Motif",
                                       "Référent"]
    else:
        labels = [m.label for m in at.metric][4:]
        assert labels[:4] == ["Sites", "Places", "Jeunes accueillis", "Taux d'occupation"]
        assert heads == ["Places et jeunes accueillis par site"]
        if territoire == "ACAD":
            assert [m.delta for m in at.metric][4:7] == ["référence : 17", "", "référence : environ 500"]
        else:  # the territory, then the académie against its reference
            assert len(labels) == 8


def test_blind_spots_list_equals_the_query(app_test, demo_sqlite_url):
    at = app_test("prevention", annee=CLOSED, territoire="ACAD", vue="Angles morts")
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        spots = q.blind_spots(conn, FULL, "ACAD", CLOSED)
        counts = q.blind_spot_counts(conn, FULL, "ACAD", CLOSED)
    engine.dispose()
    table = at.dataframe[0].value
    assert table["Établissement"].tolist() == spots["nom"].to_list()
    masked = spots["masque_eleves_reperes"].to_list()
    assert [v == screen.MASKED_SORT_VALUE for v in table["Repérés"]] == masked  # « < 5 », never the count
    assert any(masked)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{counts['angles_morts']} angles morts** parmi les {counts['etablissements_dixieme']}" in text


def test_masked_counts_are_marked_in_the_gpds_table(app_test):
    """Réseau Sud-Vienne, 2016-2017: too few pupils passed on to the platform — the rate is « s »
    on screen (the sentinel, printed by the Styler), the legend says why."""
    at = app_test("prevention", annee=CURRENT, territoire="R86-SVI", vue="Activité des GPDS")
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert table["Signalés /1 000"].tolist() == [screen.MASKED_SORT_VALUE]
    assert table["Repérés /1 000"].tolist()[0] > 0
    assert any(c.value.startswith("Secret statistique : « < 5 »") for c in at.caption)


def test_referents_tab_lists_schools_without_one(app_test, demo_sqlite_url):
    at = app_test("prevention", annee=CLOSED, territoire="86")
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        missing = q.schools_without_referent(conn, FULL, "86", CLOSED)
    engine.dispose()
    [expander] = [e for e in at.expander if e.label.startswith("Établissements sans référent")]
    assert expander.label == f"Établissements sans référent ({missing.height})"
    assert sorted(expander.dataframe[0].value["Établissement"]) == sorted(missing["nom"].to_list())
    assert "PSAD : couverture en référents" in subheaders(at)


def test_a_year_without_prevention_data(app_test, writable_demo_url):
    """A database whose referents and GPDS activity were not imported for the year: no 0 %, no
    error, the tabs say there is nothing."""
    engine = database.make_engine(writable_demo_url)
    with engine.begin() as conn:
        conn.execute(db.referents.delete().where(db.referents.c.annee_scolaire == CLOSED))
        conn.execute(db.prevention.delete().where(db.prevention.c.annee_scolaire == CLOSED))
        db.set_meta(conn, "version", "vide-prevention")
    engine.dispose()
    for vue in VIEWS:
        at = app_test("prevention", database_url=writable_demo_url, annee=CLOSED, territoire="ACAD", vue=vue)
        assert_no_exception(at)
        tiles = {m.label: m for m in at.metric}
        assert tiles["Couverture en référents"].value == fmt.MISSING
        assert tiles["Repérés pour 1 000"].value == fmt.MISSING


# --- scoped users (proxy mode) ---------------------------------------------------------------------


@pytest.mark.parametrize("vue", VIEWS)
@pytest.mark.parametrize("territoire", ["ACAD", "79", "R79-NIO"])
def test_ien79_sees_nothing_of_charente_maritime(run_app, territoire, vue):
    at = run_app("prevention", user="ien79", territoire=territoire, annee=CLOSED, vue=vue)
    assert_no_exception(at)
    leaks = sorted(set(OUT_OF_SCOPE_17.findall(all_text(at))) | set(SCHOOL_17.findall(chart_text(at))))
    assert not leaks, leaks
    if vue == "Angles morts" and territoire == "ACAD":  # the académie's list names schools of every department
        assert not at.dataframe and any("n'est pas accessible avec vos droits" in i.value for i in at.info)
    if vue == "Angles morts" and territoire == "79":
        assert at.dataframe and all(n for n in at.dataframe[0].value["Établissement"])


@pytest.mark.parametrize("user", ["lecteur", "reseau16ang"])
def test_other_roles(run_app, user):
    territoire = {"lecteur": "ACAD", "reseau16ang": "R16-ANG"}[user]
    at = run_app("prevention", user=user, territoire=territoire, annee=CURRENT, vue="Angles morts")
    assert_no_exception(at)
    listed = bool(at.dataframe)
    assert listed == (user == "reseau16ang")  # a reader of aggregates sees the count, not the schools
    assert "angle" in " ".join(m.value for m in at.markdown)
    at = run_app("prevention", user=user, territoire=territoire, annee=CURRENT, vue="Sites MLDS")
    assert_no_exception(at)
    assert bool(at.get("plotly_chart")) == (user == "reseau16ang")
