"""Fair absenteeism comparisons (``queries.absenteisme_comparaisons``) on a Simpson's-paradox
fixture (SQLite and PostgreSQL): the REP collège is worse than the other collèges, but with every
school type mixed the « hors éducation prioritaire » group, which holds the lycée professionnel,
looks worse. Within collèges, and with rates standardised on the type mix, REP is worse."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from dashboard.access.scope import Scope
from dashboard.store import db
from queries import absenteisme as q
from queries import absenteisme_comparaisons as qc

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR, PREV = "2014-2015", "2013-2014"
FULL = Scope.full()

SCHOOLS = [  # uai, type, education_prioritaire, effectif, absentees per month this year, last year
    ("0860101A", "COLLEGE", "REP", 1000, 50, 40),
    ("0860102B", "COLLEGE", None, 1000, 30, 30),
    ("0860103C", "COLLEGE", None, 1000, 30, 30),
    ("0860104D", "COLLEGE", None, 1000, 30, 30),
    ("0860105E", "COLLEGE", None, 1000, 30, 30),
    ("0860106F", "LP", None, 1000, 150, 150),
    ("0860107G", "COLLEGE", "REP+", 100, 3, 3),  # 3 absentees a month: masked
]
MONTHS = {YEAR: ("2014-09", "2014-10"), PREV: ("2013-09", "2013-10")}


@pytest.fixture
def engine(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.etablissements), [
            dict(uai=u, nom=f"{t} {u}", type=t, secteur="PUBLIC", commune_insee="86194", education_prioritaire=ep,
                 reseau_code=None) for u, t, ep, *_ in SCHOOLS])
        conn.execute(insert(db.absenteisme), [
            dict(uai=u, mois=m, annee_scolaire=year, effectif=eff, eleves_absenteistes=now if year == YEAR else before)
            for u, _, _, eff, now, before in SCHOOLS for year, months in MONTHS.items() for m in months])
    return db_engine


def rate_of(frame, group, column="taux"):
    row = frame.filter(frame["groupe"] == group)
    assert row.height == 1, frame
    return row[column][0]


def standardised(overall_abs, overall_eff, observed, expected):
    return overall_abs / overall_eff * observed / expected


# this year: collèges 173 absentees / 5 100 pupils, LP 150 / 1 000; all schools 323 / 6 100
COLLEGE_RATE, LP_RATE = 173 / 5100, 150 / 1000
REP_STD = standardised(323, 6100, 50, 1000 * COLLEGE_RATE)
HORS_EP_STD = standardised(323, 6100, 270, 4000 * COLLEGE_RATE + 1000 * LP_RATE)


def test_all_types_mixed_would_mislead(engine):
    """The fixture is a Simpson's paradox: the crude rate over every type reverses the order."""
    with engine.connect() as conn:
        crude = q.cube(conn, FULL, "86", YEAR).yearly("ep")
    assert rate_of(crude, "REP") == pytest.approx(0.05)
    assert rate_of(crude, "HORS_EP") == pytest.approx(270 / 5000)
    assert rate_of(crude, "REP") < rate_of(crude, "HORS_EP")


def test_rep_against_the_other_colleges_within_type(engine):
    with engine.connect() as conn:
        cube = q.cube(conn, FULL, "86", YEAR)
    yearly = cube.yearly("ep", ("COLLEGE",))
    assert rate_of(yearly, "REP") == pytest.approx(0.05) and rate_of(yearly, "HORS_EP") == pytest.approx(0.03)
    assert rate_of(yearly, "REP") > rate_of(yearly, "HORS_EP")
    assert rate_of(yearly, "REP+", "masque") and rate_of(yearly, "REP+") is None
    monthly = cube.monthly("ep", ("COLLEGE",))
    sept = monthly.filter((monthly["mois"] == "2014-09") & (monthly["groupe"] == "REP"))
    assert sept["taux"][0] == pytest.approx(0.05)
    assert qc.default_choice(["COLLEGE", "LP"]) == "COLLEGE" and qc.default_choice(["LP"]) == "LP"
    assert qc.groups_within(cube, "ep", "COLLEGE") == ["HORS_EP", "REP", "REP+"]
    assert qc.groups_within(cube, "ep", "LP") == ["HORS_EP"]  # no LP in priority education: nothing to compare
    assert qc.groups_within(cube, "secteur", "COLLEGE") == ["PUBLIC"]


def test_rates_standardised_on_the_type_mix(engine):
    with engine.connect() as conn:
        cube = q.cube(conn, FULL, "86", YEAR)
    yearly = qc.yearly_standardised(cube, "ep")
    assert rate_of(yearly, "REP") == pytest.approx(round(REP_STD, 3))  # 7,8 %: above the territory's 5,3 %
    assert rate_of(yearly, "HORS_EP") == pytest.approx(round(HORS_EP_STD, 3))  # 5,0 %
    assert rate_of(yearly, "REP") > rate_of(yearly, "HORS_EP")  # the true order, all types kept
    assert rate_of(yearly, "REP+", "masque") and rate_of(yearly, "REP+") is None  # masked on its own counts
    assert list(yearly["groupe"]) == ["REP+", "REP", "HORS_EP"]
    assert rate_of(yearly, "REP", "nb_mois") == 2 and rate_of(yearly, "REP", "effectif_moyen") == 1000
    # last year on the same months: REP had 40 absentees, the collèges 163 / 5 100, all schools 313 / 6 100
    before = standardised(313, 6100, 40, 1000 * 163 / 5100)
    assert rate_of(yearly, "REP", "taux_precedent") == pytest.approx(round(before, 3))
    assert rate_of(yearly, "REP", "evolution") == pytest.approx(round(REP_STD, 3) - round(before, 3))  # of published rates
    monthly = qc.monthly_standardised(cube, "ep")
    for mois in MONTHS[YEAR]:
        rep = monthly.filter((monthly["mois"] == mois) & (monthly["groupe"] == "REP"))
        assert rep["taux"][0] == pytest.approx(round(REP_STD, 3)) and not rep["masque"][0]
    assert monthly.schema == q.MONTHLY_SCHEMA


def test_standardising_a_single_type_gives_its_crude_rate(engine):
    """Within one type, the expected absentees are the type's rate × the group's pupils: the
    standardised rate is the crude one (a check of the formula)."""
    with engine.connect() as conn:
        cube = q.cube(conn, FULL, "86", YEAR)
    only_colleges = q.Cube(cube.annee, cube.sums.filter(cube.sums["type"] == "COLLEGE"))
    yearly = qc.yearly_standardised(only_colleges, "ep")
    assert rate_of(yearly, "REP") == pytest.approx(0.05) and rate_of(yearly, "HORS_EP") == pytest.approx(0.03)
    sector = qc.yearly_standardised(cube, "secteur")
    assert rate_of(sector, "PUBLIC") == pytest.approx(round(323 / 6100, 3))  # one group: the territory's own rate
