"""Comparison of territories: rules on hand-made values, URL round trip, default selection, and
the comparison on the raccrochage + absenteeism fixtures (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import polars as pl
import pytest
from sqlalchemy import insert

from dashboard import fmt
from dashboard.access.scope import AccessDenied, Scope
from dashboard.charts import comparer as charts
from dashboard.charts import comparer_export as export
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.store import db
from queries import comparer as q
from queries import comparer_ranking as qr
from queries import territoires as tq
from tests.support import absenteisme as fixture_abs
from tests.support import raccrochage as fixture_rac

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR = "2014-2015"
FULL = Scope.full()
NBSP = "\u00a0"


# --- difference and colouring rules on hand-made values ------------------------------------------


def test_better_is_defined_for_every_indicator_in_one_place():
    assert {i.key for i in q.INDICATORS} == set(q.BETTER)
    assert q.BETTER["taux_atteinte"] == q.BETTER["taux_contact"] == q.BETTER["part_solution"] == 1
    assert q.BETTER["part_raccroches"] == 1
    assert q.BETTER["signales_10000"] == q.BETTER["absenteisme_LP"] == q.BETTER["absenteisme_global"] == -1
    assert q.BETTER["raccroches"] == q.BETTER["population"] == q.BETTER["part_apprentissage"] == 0
    assert all(i.label.startswith(("Taux", "Part")) for i in q.INDICATORS if i.kind in ("rate", "share"))


@pytest.mark.parametrize(
    ("key", "value", "reference", "expected"),
    [
        ("taux_atteinte", 0.55, 0.50, q.MEILLEUR),  # higher is better
        ("taux_atteinte", 0.45, 0.50, q.MOINS_BON),
        ("taux_contact", 0.5004, 0.50, q.EGAL),  # rounds to 0,0 pt
        ("part_solution", 0.40, 0.46, q.MOINS_BON),
        ("absenteisme_LP", 0.10, 0.12, q.MEILLEUR),  # lower is better
        ("absenteisme_global", 0.08, 0.07, q.MOINS_BON),
        ("signales_10000", 30.0, 35.0, q.MEILLEUR),
        ("signales_10000", 35.04, 35.0, q.EGAL),
        ("raccroches", 300, 3000, q.NEUTRE),
        ("part_mlds", 0.2, 0.1, q.NEUTRE),
        ("population", 1000, 2000, q.NEUTRE),
        ("taux_atteinte", None, 0.5, None),
        ("absenteisme_LP", 0.1, None, None),
    ],
)
def test_verdict(key, value, reference, expected):
    assert q.verdict(key, value, reference) == expected


def test_difference():
    assert q.difference("taux_atteinte", 0.612, 0.600) == pytest.approx(0.012)
    assert q.difference("signales_10000", 32.5, 30.0) == pytest.approx(2.5)
    assert q.difference("raccroches", 300, 1200) == pytest.approx(0.25)  # share of the académie
    assert q.difference("raccroches", 300, 0) is None
    assert q.difference("taux_contact", None, 0.5) is None


def test_cell_texts():
    assert charts.cell_text("taux_atteinte", 0.123, False, 0.012, False) == f"12,3{NBSP}% (+1,2{NBSP}pt)"
    assert charts.cell_text("absenteisme_LP", 0.1, False, -0.025, False) == f"10,0{NBSP}% (−2,5{NBSP}pt)"
    assert charts.cell_text("signales_10000", 32.46, False, -2.54, False) == "32,5 (−2,5)"
    assert charts.cell_text("raccroches", 1234, False, 0.25, False) == f"1{fmt.THOUSANDS}234 (25,0{NBSP}% de l'académie)"
    assert charts.cell_text("taux_atteinte", 0.123, False, None, True) == f"12,3{NBSP}%"  # reference column
    assert charts.cell_text("raccroches", None, True, None, False, disclosure_marks.PRIMARY) == rule.masked_label()
    assert charts.cell_text("raccroches", None, True, None, False, disclosure_marks.SECONDARY) == "s"
    assert charts.cell_text("taux_contact", None, True, None, False) == "s"  # never « < 5 » on a rate
    assert charts.cell_text("absenteisme_EREA", None, False, None, False) == fmt.MISSING


# --- URL round trip and default selection ------------------------------------------------------


def test_url_round_trip():
    codes = ["R86-POI", "R86-SVI", "R86-CHA"]
    url = q.share_url("http://localhost:8501/comparer/", YEAR, codes)
    assert url == "http://localhost:8501/comparer?annee=2014-2015&territoires=R86-POI,R86-SVI,R86-CHA"
    query = url.split("?", 1)[1]
    params = dict(part.split("=", 1) for part in query.split("&"))
    kept, dropped = q.parse_selection(params["territoires"], codes)
    assert kept == codes and dropped == [] and params["annee"] == YEAR
    assert q.share_url("/comparer?x=1", YEAR, kept, {"niveau": "psad"}).endswith("R86-CHA&niveau=psad")


def test_parse_selection_drops_unknown_and_forbidden_codes_and_caps_at_six():
    visible = ["R86-POI", "R86-SVI", "86", "ACAD", "R16-ANG", "R16-NCH", "R16-COG"]
    kept, dropped = q.parse_selection(" R86-POI,XXX,,R86-POI,R17-LRO<script>,86", visible)
    assert kept == ["R86-POI", "86"] and dropped == ["XXX", "R17-LRO<script>"]
    assert q.parse_selection(None, visible) == ([], [])
    assert q.parse_selection(",".join(visible), visible)[0] == visible[:6]


def test_default_selection(db_engine):
    with db_engine.connect() as conn:
        index = {t.code: t for t in tq.visible_territories(conn, FULL, YEAR)}
        ien_79 = {t.code: t for t in tq.visible_territories(conn, Scope("ien-io", "79"), YEAR)}
    assert q.default_selection(index, "ACAD") == ["R86-POI", "R86-SVI", "R86-CHA"]
    assert q.default_selection(index, "86") == ["86", "P86-CHA", "P86-POI"]
    assert q.default_selection(index, "P86-POI") == ["P86-POI", "R86-POI", "R86-SVI"]
    assert q.default_selection(index, "R86-SVI") == ["R86-SVI", "R86-CHA", "R86-POI"]
    assert q.default_selection(index, "17") == ["17", "P17-LRO", "P17-RJO", "P17-ROC", "P17-SAI"]
    assert q.default_selection(index, "P16-COG") == ["P16-COG", "R16-COG"]
    # an IEN-IO of Deux-Sèvres: Vienne is out of reach, the default stays in scope
    assert q.default_selection(ien_79, "ACAD") == ["ACAD", "79"]
    assert set(q.default_selection(ien_79, "79")) <= set(ien_79)



def test_too_many_counts_the_visible_codes_of_the_link():
    visible = ["R86-POI", "R86-SVI", "86", "ACAD", "R16-ANG", "R16-NCH", "R16-COG"]
    assert q.too_many(",".join(visible), visible)
    assert not q.too_many(",".join(visible[:6]) + ",XXX,YYY", visible)
    assert not q.too_many(None, visible)


def test_ranking_choice_keeps_the_link_else_the_first_rankable_level(db_engine):
    with db_engine.connect() as conn:
        index = {t.code: t for t in tq.visible_territories(conn, FULL, YEAR)}
    assert q.ranking_choice(["ACAD", "86", "R86-POI"], index, None, None) == ("departement", "taux_atteinte")
    assert q.ranking_choice(["ACAD"], index, "psad", "raccroches") == ("psad", "raccroches")
    assert q.ranking_choice(["ACAD"], index, "academie", "population") == ("reseau", "taux_atteinte")

# --- the comparison on the fixtures ------------------------------------------------------------


@pytest.fixture
def engine(db_engine):
    fixture_rac.load_fixture(db_engine)
    with db_engine.begin() as conn:
        conn.execute(insert(db.etablissements), [
            dict(uai=u, nom=n, type=t, secteur=s, commune_insee=c, education_prioritaire=ep, reseau_code=r)
            for u, n, t, s, c, ep, r in fixture_abs.SCHOOLS
        ])
        conn.execute(insert(db.absenteisme), [
            dict(uai=uai, mois=m, annee_scolaire=fixture_abs.school_year(m), effectif=eff, eleves_absenteistes=ab)
            for uai, months in fixture_abs.DATA.items() for m, (ab, eff) in months.items()
        ])
    return db_engine


CODES = ("R16-ANG", "R16-NCH", "R16-COG", "16")


def test_comparison_hand_computed(engine, no_secrecy):
    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
    assert [t.code for t in comp.territories] == list(CODES) and comp.reference.code == "ACAD"
    # R16-ANG: 30 raccrochés (14 + 9 + 7) of 60; 90 signalés, 70 contactés, 45 solutions proposées
    assert comp.value("R16-ANG", "raccroches") == 30 and comp.value("R16-ANG", "objectif") == 60
    assert comp.value("R16-ANG", "taux_atteinte") == pytest.approx(0.5)
    assert comp.value("R16-ANG", "taux_contact") == pytest.approx(70 / 90)
    assert comp.value("R16-ANG", "part_solution") == pytest.approx(45 / 90)
    assert comp.value("R16-ANG", "part_formation_initiale") == pytest.approx(12 / 30)
    population = comp.territories[0].population
    assert comp.value("R16-ANG", "signales_10000") == pytest.approx(90 / population * 10_000)
    # académie: 44 raccrochés of 500 → 8,8 %; R16-ANG +41,2 pt, better
    row = comp.cells.filter((pl.col("code") == "R16-ANG") & (pl.col("indicateur") == "taux_atteinte")).row(0, named=True)
    assert row["reference"] == pytest.approx(0.088) and row["ecart"] == pytest.approx(0.412)
    assert row["verdict"] == q.MEILLEUR
    # absenteeism of Collège A (R16-ANG): (10 + 20 + 12) / 300 = 14 %, académie all collèges 5 %
    assert comp.value("R16-ANG", "absenteisme_COLLEGE") == pytest.approx(42 / 300)
    row = comp.cells.filter((pl.col("code") == "R16-ANG") & (pl.col("indicateur") == "absenteisme_COLLEGE"))
    assert row["verdict"][0] == q.MOINS_BON
    assert comp.value("R16-ANG", "absenteisme_LGT") is None  # no LGT in Angoulême: missing, not zero


def test_comparison_masks_the_small_network(engine):
    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
    # R16-COG: 3 raccrochés → masked, and everything derived from it
    for key in ("raccroches", "taux_atteinte", "part_formation_initiale"):
        cell = comp.cells.filter((pl.col("code") == "R16-COG") & (pl.col("indicateur") == key)).row(0, named=True)
        assert cell["valeur"] is None and cell["masque"] and cell["verdict"] is None


def test_comparison_equals_the_figures_export(engine):
    from queries.figures import territory_figures

    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
        for code in (*CODES, "ACAD"):
            figures = territory_figures(conn, FULL, code, YEAR)
            for key in ("raccroches", "objectif", "taux_atteinte", "taux_contact", "part_solution", "part_raccroches"):
                assert comp.value(code, key) == figures[key], (code, key)


def test_texts_and_colours_of_the_table(engine, no_secrecy):
    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
    texts, styles = charts.table_frames(comp)
    assert list(texts.columns) == ["Réseau Angoulême", "Réseau Nord-Charente", "Réseau Cognac", "Charente (16)",
                                   "Académie de Poitiers (référence)"]
    assert texts.loc["Taux d'atteinte de l'objectif", "Réseau Angoulême"] == f"50,0{NBSP}% (+41,2{NBSP}pt)"
    assert texts.loc["Taux d'atteinte de l'objectif", "Académie de Poitiers (référence)"] == f"8,8{NBSP}%"
    assert styles.loc["Taux d'atteinte de l'objectif", "Réseau Angoulême"].endswith(charts.VERDICT_BACKGROUNDS["meilleur"])
    assert styles.loc["Taux d'absentéisme — collèges", "Réseau Angoulême"].endswith(
        charts.VERDICT_BACKGROUNDS["moins_bon"])
    assert styles.loc["Jeunes raccrochés", "Réseau Angoulême"] == ""  # neutral
    assert styles.loc["Taux d'atteinte de l'objectif", "Académie de Poitiers (référence)"] == ""
    # territories reported at different dates: the table says when, and the status at that date
    assert texts.loc["Dernier bilan reçu", "Réseau Angoulême"] == "28/02/2015"
    assert texts.loc["Dernier bilan reçu", "Réseau Nord-Charente"] == "31/12/2014 (provisoire)"
    assert texts.loc["Statut", "Réseau Nord-Charente"] == "En avance"
    charts.styled_table(comp).to_html()  # renders


def test_masked_cells_of_the_table_carry_their_mark(engine):
    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
    texts, _styles = charts.table_frames(comp)
    assert texts.loc["Jeunes raccrochés", "Réseau Cognac"] == rule.masked_label()  # 3: « < 5 »
    assert texts.loc["Taux d'atteinte de l'objectif", "Réseau Cognac"] == "s"  # a rate is never « < 5 »


def test_scope_is_enforced(engine):
    ien_79 = Scope("ien-io", "79")
    with engine.connect() as conn:
        with pytest.raises(AccessDenied):
            q.comparison(conn, ien_79, ("79", "16"), YEAR)
        with pytest.raises(AccessDenied):
            q.trajectories(conn, ien_79, ("R16-ANG",), YEAR)
        with pytest.raises(AccessDenied):
            q.monthly_absenteeism(conn, ien_79, ("R16-ANG",), YEAR)
        with pytest.raises(KeyError):
            q.comparison(conn, FULL, ("R99-XXX", "16"), YEAR)
        values = qr.level_values(conn, ien_79, YEAR, "reseau")
    assert set(values["code"]) == {"R79-NIO", "R79-BRE"}


def test_trajectories_and_absenteeism_series(engine, no_secrecy):
    with engine.connect() as conn:
        traj = q.trajectories(conn, FULL, ("R16-ANG", "R16-COG"), YEAR)
        monthly = q.monthly_absenteeism(conn, FULL, ("R16-ANG", "16"), YEAR)
    ang = traj.filter(pl.col("code") == "R16-ANG").sort("rang")
    assert ang.filter(pl.col("raccroches_cumul").is_not_null())["raccroches_cumul"].to_list() == [14, 23, 30]
    assert ang.filter(pl.col("rang") == 5)["part_realisee"][0] == pytest.approx(30 / 60)
    assert ang["part_attendue"].drop_nulls().max() == pytest.approx(1.0)
    assert set(monthly.filter(pl.col("code") == "16")["groupe"]) == {"COLLEGE", "LP", "LPO"}
    assert monthly.filter((pl.col("code") == "R16-ANG") & (pl.col("mois") == "2014-10"))["taux"][0] == pytest.approx(0.2)
    labels = {"R16-ANG": "Réseau Angoulême", "R16-COG": "Réseau Cognac"}
    assert charts.trajectories_figure(traj, labels).data
    assert charts.absenteeism_figure(monthly, {"R16-ANG": "a", "16": "b"}).data


def test_masked_trajectory_point_is_a_gap_with_its_mark(engine):
    from dashboard.charts.secret_marks import MASKED_POINT_NAME
    from dashboard.disclosure import marks as disclosure_marks
    from dashboard.disclosure import rule

    with engine.connect() as conn:
        traj = q.trajectories(conn, FULL, ("R16-ANG", "R16-COG"), YEAR)
    cog = traj.filter((pl.col("code") == "R16-COG") & (pl.col("rang") == 1)).row(0, named=True)
    assert cog["masque"] and cog["raccroches_cumul"] is None and cog["part_realisee"] is None  # 3 < 5
    assert cog["marque"] == disclosure_marks.PRIMARY
    fig = charts.trajectories_figure(traj, {"R16-ANG": "Réseau Angoulême", "R16-COG": "Réseau Cognac"})
    lines = [t for t in fig.data if t.name == "Raccrochés cumulés"]
    assert list(lines[1].y) == [None]  # Cognac's masked point is a gap…
    marks = [t for t in fig.data if t.name == MASKED_POINT_NAME and t.xaxis == lines[1].xaxis]
    assert [list(t.text) for t in marks] == [[rule.masked_label()]]  # …with its mark on it


def test_ranking(engine):
    with engine.connect() as conn:
        values = qr.level_values(conn, FULL, YEAR, "reseau")
    ranked = qr.ranking(values, "taux_atteinte")
    # Cognac (3 raccrochés) is masked, and around it what would give it away (Nord-Charente, 11)
    shown = ranked.drop_nulls("valeur")["code"].to_list()
    assert "R16-COG" not in shown and "R16-NCH" not in shown
    assert ranked.height == 14
    lower_first = qr.ranking(values, "absenteisme_global").drop_nulls("valeur")["valeur"].to_list()
    assert lower_first == sorted(lower_first)
    fig = charts.ranking_figure(ranked, "taux_atteinte", ["R16-ANG"], 0.088)
    colors = list(fig.data[0].marker.color)
    assert colors[0] == charts.BLUE_FRANCE and colors[1] == charts.LIGHT_GREY


def test_exports(engine, no_secrecy):
    from openpyxl import load_workbook

    with engine.connect() as conn:
        comp = q.comparison(conn, FULL, CODES, YEAR)
        ranked = qr.ranking(qr.level_values(conn, FULL, YEAR, "reseau"), "taux_atteinte")
    workbook = load_workbook(io.BytesIO(export.to_xlsx_bytes(comp, ranked, "taux_atteinte", "Réseaux FOQUALE")))
    assert workbook.sheetnames == ["Indicateurs", "Écarts à l'académie", "Classement", "Notes"]
    values = workbook["Indicateurs"]
    headers = [c.value for c in values[1]]
    assert headers[:4] == ["Code", "Territoire", "Niveau", "Jeunes raccrochés"]
    rate_col = headers.index("Taux d'atteinte de l'objectif") + 1
    assert values.cell(row=2, column=rate_col).value == pytest.approx(0.5)
    assert values.cell(row=2, column=rate_col).number_format == "[$-40C]0.0 %"
    assert values.cell(row=6, column=2).value == "Académie de Poitiers (référence)"
    gaps = workbook["Écarts à l'académie"]
    gap_headers = [c.value for c in gaps[1]]
    col = gap_headers.index("Écart — taux d'atteinte de l'objectif") + 1
    assert gaps.cell(row=2, column=col).value == pytest.approx(41.2)
    assert gaps.cell(row=2, column=col).fill.fgColor.rgb.endswith(charts.VERDICT_BACKGROUNDS["meilleur"][1:])
    ranking = workbook["Classement"]
    assert [c.value for c in ranking[1]][:4] == ["Rang", "Code", "Territoire", "Taux d'atteinte de l'objectif"]
    assert ranking.cell(row=2, column=5).value == "oui"  # R16-ANG, first, is in the comparison
    csv = export.to_csv_bytes(comp).decode("utf-8-sig").splitlines()
    assert csv[0].startswith("Code;Territoire;Niveau;Jeunes raccrochés;Objectif de raccrochage;"
                             "Taux d'atteinte de l'objectif (%);")
    assert csv[1].startswith("R16-ANG;Réseau Angoulême;Réseau FOQUALE;30;60;50,0;")
