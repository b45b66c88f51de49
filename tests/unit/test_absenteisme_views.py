"""Absenteeism charts, tables and national references (no database)."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard import schoolyear
from dashboard.charts import absenteisme as charts
from dashboard.charts import absenteisme_tables as tables
from dashboard.charts.secret_marks import MASKED_POINT_NAME
from dashboard.publish import csvfile
from queries import absenteisme as q

YEAR, PREV = "2014-2015", "2013-2014"


def monthly(rows) -> pl.DataFrame:
    """rows: (groupe, annee, mois, taux or None, masque)."""
    return pl.DataFrame(
        [{"groupe": g, "annee_scolaire": a, "mois": m, "rang": schoolyear.month_rank(m), "effectif": 100,
          "absenteistes": None if t is None else round(t * 100), "taux": t, "masque": k} for g, a, m, t, k in rows],
        schema=q.MONTHLY_SCHEMA,
    )


MONTHLY = monthly([
    ("COLLEGE", YEAR, "2014-09", 0.02, False), ("COLLEGE", YEAR, "2014-10", 0.03, False),
    ("COLLEGE", YEAR, "2015-01", 0.04, False),  # no Nov, Dec: gaps
    ("LP", YEAR, "2014-09", None, True), ("LP", YEAR, "2014-10", 0.12, False),
    ("COLLEGE", PREV, "2013-09", 0.015, False),
])


def test_month_axis_is_the_school_year_in_french():
    assert charts.month_axis(YEAR) == schoolyear.months(YEAR)
    assert [charts.month_tick(m) for m in charts.month_axis(YEAR)] == [
        "sept.", "oct.", "nov.", "déc.", "janv.", "févr.", "mars", "avr.", "mai", "juin"]


def test_monthly_small_multiples_have_gaps_not_zeros():
    refs = {"COLLEGE": {"taux": 0.029, "source": "DEPP", "statut": "interpolé"}}
    fig = charts.monthly_by_type(MONTHLY, YEAR, PREV, ["COLLEGE", "LGT", "LP"], territory_label="Charente (16)",
                                 references=refs)
    assert [a.text for a in fig.layout.annotations] == ["Collège", "LP"]  # LGT absent: no panel
    current = [t for t in fig.data if t.name == "Charente (16), 2014-2015"]
    college, lp = current
    assert college.y[:5] == (2.0, 3.0, None, None, 4.0) and college.connectgaps is False
    assert lp.y[0] is None and "masqué" in lp.customdata[0] and lp.customdata[2] == "pas de données"
    assert college.customdata[0] == "2,0\u00a0%"
    prev = [t for t in fig.data if t.name == PREV][0]
    assert prev.line.dash == "dot" and prev.y[0] == pytest.approx(1.5)
    ref = [t for t in fig.data if t.name == "Référence nationale"]
    assert len(ref) == 1 and ref[0].y == (pytest.approx(2.9), pytest.approx(2.9))


def test_heatmap_blank_for_missing_and_masked():
    fig = charts.heatmap(MONTHLY, YEAR, ["COLLEGE", "LP"])
    heat = fig.data[0]
    assert list(heat.y) == ["Collège", "LP"] and heat.x[0] == "sept."
    assert heat.z[0][2] is None and heat.text[0][2] == ""  # no data in November
    assert heat.z[1][0] is None and heat.text[1][0] == "s"  # a masked rate, never « < 5 » (read as 5 %)
    assert heat.text[0][0] == "2,0\u00a0%"


def test_empty_selection_draws_a_message():
    fig = charts.monthly_by_type(MONTHLY, YEAR, PREV, ["EREA"], territory_label="x")
    assert fig.layout.annotations[0].text.startswith("Aucune donnée")


def yearly(rows, enrolment=None) -> pl.DataFrame:
    enrolment = enrolment or {}
    return pl.DataFrame(
        [{"groupe": g, "nb_mois": 9, "effectif_moyen": enrolment.get(g, 500), "taux": t, "masque": m,
          "taux_precedent": p, "masque_precedent": mp, "evolution": None if t is None or p is None else t - p}
         for g, t, m, p, mp in rows],
        schema_overrides={"effectif_moyen": pl.Int64},
    )


def test_yearly_table_in_french_with_masks():
    frame = yearly([("COLLEGE", 0.031, False, 0.029, False), ("LP", None, True, 0.1, False),
                    ("LPO", 0.12, False, None, True), ("EREA", None, True, None, False)],
                   enrolment={"LP": 157, "EREA": None})
    refs = {"COLLEGE": {"taux": 0.0294, "statut": "publié"}, "LPO": {"taux": 0.072, "statut": "estimé"}}
    table = tables.yearly_display(frame, YEAR, PREV, references=refs)
    rows = table.to_dicts()
    assert rows[0] == {"Type d'établissement": "Collège", "Taux 2014-2015": "3,1\u00a0%",
                       "Taux 2013-2014 (mêmes mois)": "2,9\u00a0%", "Évolution": "+0,2\u00a0pt",
                       "Référence nationale": "2,9\u00a0%", "Effectif moyen": "500", "Mois": "9"}
    # a lycée of 157 pupils with few absentees: its rate is masked, its enrolment is not small
    assert rows[1]["Taux 2014-2015"] == "s" and rows[1]["Évolution"] == "s"  # the exports' mark
    assert rows[1]["Effectif moyen"] == "157"
    assert rows[2]["Taux 2013-2014 (mêmes mois)"] == "s" and rows[2]["Évolution"] == "s"
    assert rows[2]["Référence nationale"] == "7,2\u00a0% (estimé)"
    assert rows[3]["Effectif moyen"] == "< 5 élèves"  # a count under the threshold says so
    assert not [v for row in rows for v in row.values() if v == "< 5"]  # never a bare « < 5 » next to rates
    export = tables.yearly_export(frame, YEAR, "Charente (16)")
    header, *rows = csvfile.rows(export)
    rate = header.index(f"Taux {YEAR} (%)")
    assert [r[rate] for r in rows] == ["3,1", "", "12,0", ""]  # percentages, one decimal, masked cell empty
    assert [r[-1] for r in rows][:3] == ["", f"Taux {YEAR} (s), Évolution (s)",
                                         f"Taux {PREV} (mêmes mois) (s), Évolution (s)"]
    assert export.frame["taux"].to_list() == [0.031, None, 0.12, None]  # the XLSX keeps fractions
    assert export.frame["effectif_moyen"].to_list()[:2] == [500, 157]  # the enrolment is not small


def test_legend_once_per_series_and_no_empty_previous_year():
    fig = charts.monthly_by_type(MONTHLY, YEAR, PREV, ["COLLEGE", "LP"], territory_label="x",
                                 academie=MONTHLY)
    shown = [t.name for t in fig.data if t.showlegend]
    # the masked month of the fixture: one legend entry says what its grey disc is (issue 23)
    assert shown == [PREV, "Académie, 2014-2015", "x, 2014-2015", MASKED_POINT_NAME]
    assert [t.name for t in fig.data].count(PREV) == 1  # LP has no 2013-2014 data: no dotted line


def test_school_table_sorts_numbers_and_prints_french():
    table = pl.DataFrame({
        "nom": ["Collège A", "Lycée B", "Collège C"], "type": ["COLLEGE", "LP", "COLLEGE"],
        "ep": ["REP+", "HORS_EP", "HORS_EP"], "commune": ["Niort", "Melle", "Thouars"],
        "effectif_moyen": [400, 250, None], "absenteistes_moyen": [12, 40, None], "taux": [0.031, 0.162, None],
        "masque": [False, False, True], "taux_precedent": [0.029, None, 0.02], "masque_precedent": [False, None, False],
        "evolution": [0.002, None, None],
    })
    styler = tables.schools_styled(table, YEAR, PREV)
    data = styler.data
    assert list(data.columns) == ["Établissement", "Type", "Commune", "Effectif moyen", "Absentéistes par mois",
                                  f"Taux {YEAR}", f"Taux {PREV}", "Évolution"]
    assert list(data["Type"]) == ["Collège (REP+)", "LP", "Collège"]
    assert data[f"Taux {YEAR}"].tolist()[:2] == [0.031, 0.162]  # numbers: sorted as numbers
    assert data.loc[2, f"Taux {YEAR}"] == data.loc[2, "Évolution"] == tables.MASKED_VALUE
    assert data.loc[2, "Effectif moyen"] == tables.MASKED_VALUE
    rows = [line.split(";") for line in styler.to_string(delimiter=";").splitlines()[1:]]
    assert rows[0][3:] == ["400", "12", "3,1\u00a0%", "2,9\u00a0%", "+0,2\u00a0pt"]
    assert rows[1][6:] == ["—", "—"]  # no previous year: a dash, not « s »
    assert rows[2][3:] == ["< 5 élèves", "< 5 élèves", "s", "2,0\u00a0%", "s"]
