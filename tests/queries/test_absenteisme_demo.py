"""Calibration of the demonstration absenteeism (docs/architecture.md, "Domain facts"; Méthodologie), measured on the
generated data: national rates by school type, half of the schools under about 2 %, the worst
tenth holding about half of the absentee pupils, the monthly rise of 2022-2023 scaled to each
year, no implausible school; and the generator is deterministic."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from sqlalchemy import select

from dashboard.demo import generate as demo
from dashboard.demo import schools as ds
from dashboard.store import database, db

FULL_YEARS = ["2012-2013", "2013-2014", "2014-2015", "2015-2016"]
CURRENT = "2016-2017"  # in progress: September to April


@pytest.fixture(scope="module")
def rows(demo_sqlite_url) -> pl.DataFrame:
    engine = database.make_engine(demo_sqlite_url)
    a, e = db.absenteisme, db.etablissements
    with engine.connect() as conn:
        result = conn.execute(select(a.c.uai, a.c.annee_scolaire, a.c.mois, a.c.effectif, a.c.eleves_absenteistes,
                                     e.c.type, e.c.secteur, e.c.education_prioritaire).join_from(a, e, a.c.uai == e.c.uai))
        frame = pl.DataFrame([dict(r) for r in result.mappings()], infer_schema_length=None)
    engine.dispose()
    return frame


def rates(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
    return frame.group_by(*keys).agg(pl.sum("eleves_absenteistes").alias("absents"), pl.sum("effectif"),
                                     (pl.sum("eleves_absenteistes") / pl.sum("effectif")).alias("taux"))


def school_rates(rows: pl.DataFrame, annee: str) -> pl.DataFrame:
    return rates(rows.filter(pl.col("annee_scolaire") == annee), "uai", "type").sort("taux", descending=True)


def test_public_rates_by_type_are_the_national_references(rows):
    references = ds.load_reference_rates()
    public = {(r["annee_scolaire"], r["type"]): r["taux"]
              for r in rates(rows.filter(pl.col("secteur") == "PUBLIC"), "annee_scolaire", "type").iter_rows(named=True)}
    share = ds.MONTHLY_PROFILE[:demo.CURRENT_MONTHS].mean()  # September-April of a year with a high May
    assert share == pytest.approx(0.93, abs=0.01)
    tolerance = {"COLLEGE": 0.003, "LGT": 0.003, "LP": 0.004, "LPO": 0.004, "EREA": 0.015}  # 5 EREA only
    for year in (*FULL_YEARS, CURRENT):
        for school_type, tol in tolerance.items():
            expected = references[(year, school_type)] * (share if year == CURRENT else 1.0)
            assert public[(year, school_type)] == pytest.approx(expected, abs=tol), (year, school_type)
    # the published levels, not the former interpolation: 2016-2017 collèges 2,7 % (not 3,22 %)
    assert references[("2016-2017", "COLLEGE")] == pytest.approx(0.027)
    assert references[("2012-2013", "LP")] == pytest.approx(0.118)


def test_half_of_the_schools_under_two_percent(rows):
    shares = [(school_rates(rows, year)["taux"] < 0.02).mean() for year in (*FULL_YEARS, CURRENT)]
    assert all(0.45 <= s <= 0.60 for s in shares), shares
    assert 0.48 <= float(np.mean(shares)) <= 0.58, shares


def test_the_worst_tenth_holds_about_half_of_the_absentees(rows):
    shares = []
    for year in (*FULL_YEARS, CURRENT):
        schools = school_rates(rows, year)
        worst = math.ceil(schools.height / 10)
        shares.append(schools["absents"].head(worst).sum() / schools["absents"].sum())
    assert all(0.43 <= s <= 0.57 for s in shares), shares
    assert 0.45 <= float(np.mean(shares)) <= 0.55, shares


def test_monthly_rise_of_2022_2023_scaled_to_each_year(rows):
    """National 2022-2023: 3,6 % in September, 12 % at the March peak, 10,9 % in May for a 7,0 %
    mean: September at about half of the year's mean, March at about 1,7 times."""
    for year in FULL_YEARS:
        monthly = rates(rows.filter(pl.col("annee_scolaire") == year), "mois").sort("mois")["taux"].to_list()
        mean = sum(monthly) / len(monthly)
        assert monthly[0] / mean == pytest.approx(3.6 / 7.0, abs=0.04), year
        assert monthly[6] == max(monthly) and monthly[6] / mean == pytest.approx(12.0 / 7.0, abs=0.08), year
        assert monthly[8] / mean == pytest.approx(10.9 / 7.0, abs=0.08), year
        assert monthly[0] < monthly[2] < monthly[4] < monthly[6]  # it rises through the year


def test_no_implausible_school(rows):
    yearly = rates(rows, "annee_scolaire", "uai", "type")
    worst = dict(yearly.group_by("type").agg(pl.max("taux")).iter_rows())
    assert worst["LP"] <= 0.42  # the worst lycée professionnel: about 40 %, not 56 %
    for school_type in ("COLLEGE", "LGT", "LPO", "EREA"):
        assert worst[school_type] <= ds.CEILING[school_type] + 0.02, school_type
    monthly = rows.select((pl.col("eleves_absenteistes") / pl.col("effectif")).max()).item()
    assert monthly <= 0.70  # no month at 80 %


def test_priority_education_higher_within_colleges_and_the_mix_would_reverse_it(rows):
    collèges = rows.filter((pl.col("type") == "COLLEGE") & (pl.col("secteur") == "PUBLIC"))
    ep = dict(rates(collèges.with_columns(pl.col("education_prioritaire").fill_null("HORS_EP")),
                    "education_prioritaire").select("education_prioritaire", "taux").iter_rows())
    assert ep["HORS_EP"] < ep["REP"] < ep["REP+"]
    mixed = dict(rates(rows.with_columns(pl.col("education_prioritaire").fill_null("HORS_EP")),
                       "education_prioritaire").select("education_prioritaire", "taux").iter_rows())
    assert mixed["REP"] < mixed["HORS_EP"]  # every type mixed: the lycées professionnels are all « hors EP »


def test_generator_is_deterministic():
    schools = [ds.School(f"0169{i:03d}A", f"École {i}", t, s, "16015", ep, "R16-ANG", 300.0, p)
               for i, (t, s, ep, p) in enumerate([("COLLEGE", "PUBLIC", "REP", 1.3), ("LP", "PUBLIC", None, 0.8),
                                                  ("LGT", "PRIVE", None, 2.5), ("COLLEGE", "PUBLIC", None, 0.2)])]
    first = ds.absenteeism_rows(np.random.default_rng(7), schools, [2013, 2014], 2014, 8)
    again = ds.absenteeism_rows(np.random.default_rng(7), schools, [2013, 2014], 2014, 8)
    other = ds.absenteeism_rows(np.random.default_rng(8), schools, [2013, 2014], 2014, 8)
    assert first == again and first != other
    assert len(first) == 4 * (9 + 8)


def test_bounded_rates_and_profiles():
    ceiling = np.array([0.4, 0.4, 0.2])
    raw = np.array([0.01, 0.3, 5.0])
    out = ds.bounded(raw, ceiling)
    assert out[0] == pytest.approx(0.01, rel=1e-3) and out[1] < 0.3 and out[2] <= 0.2
    rate, size = np.array([0.02, 0.1, 0.38]), np.array([300.0, 500.0, 250.0])
    profiles = ds.school_profiles(rate, np.array([0.2, 0.35, 0.4]), size)
    assert np.allclose(profiles.mean(axis=1), 1.0)  # each school keeps its yearly rate
    swing = profiles.max(axis=1) - profiles.min(axis=1)
    assert swing[2] < swing[1] < swing[0]  # chronic absenteeism is less seasonal
    together = (rate[:, None] * size[:, None] * profiles).sum(axis=0) / (rate * size).sum()
    assert np.allclose(together, ds.MONTHLY_PROFILE)  # all schools together follow the published shape
