"""The Absentéisme page with AppTest on demonstration data: every view at every level, scoped
users (proxy mode, ``config/utilisateurs.example.csv``), a database without absenteeism."""

from __future__ import annotations

import pytest

from dashboard.charts import absenteisme_tables as tables
from tests.support.access import OUT_OF_SCOPE_17, SCHOOL_17, all_text, chart_text
from tests.support.apptest import assert_no_exception

VIEWS = ["Par type d'établissement", "Secteur et éducation prioritaire", "Territoires", "Établissements"]
TERRITORIES = ["ACAD", "16", "P16-ANG", "R86-POI"]


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


@pytest.mark.parametrize("territoire", TERRITORIES)
def test_default_view(app_test, territoire):
    at = app_test("absenteisme", annee="2014-2015", territoire=territoire)
    assert_no_exception(at)
    assert at.title[0].value == "Absentéisme"
    assert [m.label for m in at.metric] == ["Collège", "LGT", "LP", "LPO", "EREA"]
    # a rate, or its secrecy mark where the year's decision masks it (« s »: protects a small count)
    assert all(m.value.endswith("\u00a0%") or m.value in ("s", "< 5") for m in at.metric)
    assert sum(m.value.endswith("\u00a0%") for m in at.metric) >= 3
    assert "Taux mensuel par type d'établissement" in subheaders(at)
    assert len(at.get("plotly_chart")) == 2  # small multiples and heatmap
    assert at.dataframe[0].value.shape[0] == 5


@pytest.mark.parametrize("territoire", TERRITORIES)
@pytest.mark.parametrize("vue", VIEWS[1:])
def test_every_view(app_test, territoire, vue):
    at = app_test("absenteisme", annee="2014-2015", territoire=territoire, vue=vue)
    assert_no_exception(at)
    if vue == "Territoires" and territoire == "R86-POI":
        assert "niveau le plus fin" in at.info[-1].value
    elif vue == "Territoires":
        assert "taux sur l'année 2014-2015" in subheaders(at)[0]
        assert " de Académie" not in subheaders(at)[0] and " de PSAD" not in subheaders(at)[0]
        assert at.dataframe[0].value.shape[0] >= 2
    elif vue == "Établissements":
        assert subheaders(at)[-1] == "Établissements"
        table = at.dataframe[0].value
        assert list(table.columns)[:3] == ["Établissement", "Type", "Commune"]
        assert len(at.get("download_button")) == 2
    else:
        assert subheaders(at) == ["Public et privé sous contrat", "Éducation prioritaire"]


def test_partial_year_and_first_year(app_test):
    at = app_test("absenteisme", annee="2016-2017", territoire="86")
    assert_no_exception(at)
    assert any("à avril 2017" in c.value for c in at.caption)
    assert any("sommés de septembre 2016 à avril 2017 ; 2015-2016 sur les mêmes mois" in c.value for c in at.caption)
    first = app_test("absenteisme", annee="2012-2013", territoire="ACAD", vue="Établissements")
    assert_no_exception(first)
    assert all(m.delta in ("", None) for m in first.metric)  # no previous year


def test_school_table_masks_small_counts(app_test):
    """Cells hold numbers (a click on a header sorts numbers, not text); a masked school holds the
    sentinel, printed "< 5" by the table's Styler (``test_absenteisme_views``), never its figures."""
    at = app_test("absenteisme", annee="2014-2015", territoire="ACAD", vue="Établissements")
    table = at.dataframe[0].value
    masked = table[table["Taux 2014-2015"] == tables.MASKED_VALUE]
    assert len(masked) > 0  # small collèges
    assert (masked["Absentéistes par mois"] == tables.MASKED_VALUE).all()
    assert (masked["Évolution"] == tables.MASKED_VALUE).all()
    shown = table[table["Taux 2014-2015"] != tables.MASKED_VALUE]
    assert shown["Taux 2014-2015"].between(0, 1).all()
    assert not (shown["Absentéistes par mois"] == tables.MASKED_VALUE).any()
    assert at.dataframe[0].proto.placeholder == "—"  # no data the previous year: a dash, not "None"


def test_school_table_type_filter_and_legible_captions(app_test):
    at = app_test("absenteisme", annee="2014-2015", territoire="16", vue="Établissements")
    assert_no_exception(at)
    assert not at.multiselect  # the same type pills as the other views (no English placeholder)
    at.pills(key="abs_types_etab").set_value(["LP"]).run()
    assert_no_exception(at)
    assert set(at.dataframe[0].value["Type"].str.slice(0, 2)) == {"LP"}
    captions = " ".join(c.value for c in at.caption)
    assert "établissement(s)" not in captions and "établissements n'ont pas de point" in captions


def test_sort_selector(app_test):
    at = app_test("absenteisme", annee="2014-2015", territoire="16", vue="Établissements")
    at.selectbox(key="abs_tri_etab").select("Établissement (A → Z)").run()
    assert_no_exception(at)
    names = list(at.dataframe[0].value["Établissement"])
    assert names == sorted(names)


def test_ien_io_sees_their_department_only(run_app):
    at = run_app("absenteisme", user="ien79", annee="2014-2015", territoire="79", vue="Établissements")
    assert_no_exception(at)
    assert not OUT_OF_SCOPE_17.search(all_text(at)) and not SCHOOL_17.search(all_text(at) + chart_text(at))
    assert len(at.dataframe[0].value) > 0


def test_scoped_user_gets_aggregates_but_no_detail_above_their_territory(run_app):
    at = run_app("absenteisme", user="reseau16ang", annee="2014-2015", territoire="16", vue="Établissements")
    assert_no_exception(at)
    assert "pas accessible" in at.info[-1].value and not at.dataframe
    at = run_app("absenteisme", user="lecteur", annee="2014-2015", territoire="ACAD", vue="Territoires")
    assert_no_exception(at)
    assert "pas accessible" in at.info[-1].value


def test_database_without_absenteeism(app_test, db_engine):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("AppTest runs on SQLite")
    at = app_test("absenteisme", database_url=str(db_engine.url), annee="2014-2015", territoire="ACAD")
    assert_no_exception(at)
    assert any("Aucune donnée d'absentéisme" in i.value for i in at.info)


def _ep_rates(table) -> dict[str, float]:
    """The view's table → priority-education group label → rate (a fraction) from its French text."""
    rate_column = [c for c in table.columns if c.endswith("2014-2015")][0]
    return {row["Groupe"]: float(row[rate_column].replace("\u00a0%", "").replace(",", ".")) / 100
            for _, row in table.iterrows()
            if row["Comparaison"] == "Éducation prioritaire" and row[rate_column].endswith("%")}


def test_priority_education_compared_within_colleges_by_default(app_test):
    at = app_test("absenteisme", annee="2014-2015", territoire="ACAD", vue="Secteur et éducation prioritaire")
    assert_no_exception(at)
    assert at.radio(key="abs_comparaison").value == "COLLEGE"
    assert any("au sein des collèges" in i.value for i in at.info)
    ep = _ep_rates(at.dataframe[0].value)
    assert ep["REP"] > ep["Hors éducation prioritaire"]  # all types mixed, REP would look better
    assert set(at.dataframe[0].value["Comparaison"]) == {"Secteur", "Éducation prioritaire"}
    assert any("collèges seulement" in c.value for c in at.caption)
    text = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert "< 5" not in text.replace("< 5 élèves", "")


def test_standardised_comparison_says_so(app_test):
    at = app_test("absenteisme", annee="2014-2015", territoire="ACAD", vue="Secteur et éducation prioritaire")
    at.radio(key="abs_comparaison").set_value("STANDARDISE").run()
    assert_no_exception(at)
    assert any("taux standardisés sur la structure par type" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert "Taux standardisé 2014-2015" in table.columns
    ep = _ep_rates(table)
    assert ep["REP"] > ep["Hors éducation prioritaire"]


def test_a_type_without_priority_education_says_there_is_nothing_to_compare(app_test):
    at = app_test("absenteisme", annee="2014-2015", territoire="ACAD", vue="Secteur et éducation prioritaire")
    at.radio(key="abs_comparaison").set_value("LP").run()
    assert_no_exception(at)
    assert any("pas de comparaison possible" in i.value and "lycées professionnels" in i.value for i in at.info)
    assert set(at.dataframe[0].value["Comparaison"]) == {"Secteur"}  # public / private only
    assert [r.value for r in at.radio] and at.radio(key="abs_comparaison").value == "LP"


def test_network_masks_say_what_they_mask(app_test):
    """Saintes (R17-SAI) has one small lycée professionnel with few absentees: its rate reads
    « s » in the table and « secret statistique » on its tile (never « < 5 », read as 5 %), with the
    reason; its mean enrolment stays shown."""
    at = app_test("absenteisme", annee="2014-2015", territoire="R17-SAI")
    assert_no_exception(at)
    tiles = {m.label: m for m in at.metric}
    assert tiles["LP"].value == "s" and tiles["LP"].delta == "secret statistique"  # the mark, where the rate would be
    assert all(m.value != "< 5" for m in at.metric)
    assert "moins de 5 élèves absentéistes par mois en moyenne" in tiles["LP"].proto.help
    table = at.dataframe[0].value
    lp = table[table["Type d'établissement"] == "LP"].iloc[0]
    assert lp["Taux 2014-2015"] == "s" and lp["Évolution"] == "s"
    assert int(lp["Effectif moyen"].replace("\u202f", "").replace("\u00a0", "")) >= 100  # not « < 5 »
    assert any("« s » un taux ou une évolution non diffusés" in c.value for c in at.caption)  # the mark explained
    at = app_test("absenteisme", annee="2014-2015", territoire="R17-SAI", vue="Établissements")
    captions = " ".join(c.value for c in at.caption)
    assert "« s » un taux ou une évolution non diffusés" in captions and "« < 5 élèves » signale" in captions
