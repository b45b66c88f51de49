"""Calibration of the demonstration data (issue 2 §4), on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import uai
from dashboard.demo import __main__ as demo_cli
from dashboard.demo import generate as demo
from dashboard.demo.bilans import period_ends
from dashboard.demo.schools import MONTHLY_PROFILE, load_reference_rates
from dashboard.store import database, db
from tests.support import cli
from tests.support.demo import YEARS, dump, frame

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

TYPES = {"COLLEGE", "LGT", "LP", "LPO", "EREA"}
NAME_RE = re.compile(
    r"^(Collège|Lycée général et technologique|Lycée professionnel|Lycée polyvalent|EREA) n° \d+ — (.+)$"
)


@pytest.fixture(scope="module")
def data(demo_engine) -> dict[str, pl.DataFrame]:
    with demo_engine.connect() as conn:
        out = {name: frame(conn, db.metadata.tables[name]) for name in
               ("etablissements", "communes", "territoires", "bilans", "objectifs", "absenteisme", "mlds_sites")}
    out["bilans"] = out["bilans"].with_columns(pl.sum_horizontal(db.SOLUTION_COLUMNS).alias("raccroches"))
    out["absenteisme"] = out["absenteisme"].join(
        out["etablissements"].select("uai", "type", "secteur", "education_prioritaire"), on="uai")
    return out


# --- schools -------------------------------------------------------------------------------------


def test_about_330_schools_of_every_type_and_sector(data):
    schools = data["etablissements"]
    assert 320 <= schools.height <= 340
    assert set(schools["type"]) == TYPES
    assert set(schools["secteur"]) == {"PUBLIC", "PRIVE"}
    assert 0.55 <= (schools["type"] == "COLLEGE").mean() <= 0.65
    assert 0.15 <= (schools["secteur"] == "PRIVE").mean() <= 0.25
    assert 1 <= (schools["type"] == "EREA").sum() <= 8
    ep = schools.filter(pl.col("education_prioritaire").is_not_null())
    assert {"REP", "REP+"} <= set(ep["education_prioritaire"])
    assert set(ep["type"]) == {"COLLEGE"} and set(ep["secteur"]) == {"PUBLIC"}


def test_priority_schools_mostly_in_larger_communes(data):
    schools = data["etablissements"].join(
        data["communes"].select(pl.col("insee").alias("commune_insee"), "population"), on="commune_insee")
    ep = schools.filter(pl.col("education_prioritaire").is_not_null())
    assert (ep["population"] >= 8000).mean() > 0.6


def test_schools_named_after_their_real_commune_and_network(data):
    schools = data["etablissements"]
    names = dict(zip(data["communes"]["insee"], data["communes"]["nom"], strict=True))
    network = dict(zip(data["territoires"]["commune_insee"], data["territoires"]["reseau_code"], strict=True))
    for row in schools.iter_rows(named=True):
        match = NAME_RE.match(row["nom"])
        assert match, row["nom"]
        assert match.group(2) == names[row["commune_insee"]]
        assert row["reseau_code"] == network[row["commune_insee"]]
    assert schools["nom"].is_unique


def test_schools_placed_in_proportion_to_population(data):
    per_commune = data["etablissements"].group_by("commune_insee").len()
    top = data["communes"].sort("population", descending=True).head(3)["insee"].to_list()
    counts = dict(zip(per_commune["commune_insee"], per_commune["len"], strict=True))
    assert all(counts.get(insee, 0) >= 8 for insee in top)  # Poitiers, La Rochelle, Niort


def test_every_uai_valid_and_in_the_fictitious_blocks(data):
    schools = data["etablissements"].join(
        data["communes"].select(pl.col("insee").alias("commune_insee"), "departement_code"), on="commune_insee")
    assert schools["uai"].is_unique
    for row in schools.iter_rows(named=True):
        assert uai.is_valid_uai(row["uai"]), row["uai"]
        assert row["uai"][:4] in {"0169", "0179", "0799", "0869"}
        assert row["uai"][:4] == f"0{row['departement_code']}9"


# --- bilans and targets ----------------------------------------------------------------------------


def _yearly(bilans: pl.DataFrame) -> dict[str, dict]:
    totals = bilans.group_by("annee_scolaire").agg(pl.sum("jeunes_signales", "raccroches"))
    return {r["annee_scolaire"]: r for r in totals.iter_rows(named=True)}


def test_2014_2015_totals_match_the_academie(data):
    year = _yearly(data["bilans"])["2014-2015"]
    assert 5400 <= year["jeunes_signales"] <= 6000
    assert 0.43 <= year["raccroches"] / year["jeunes_signales"] <= 0.49


def test_solution_share_rises_slowly(data):
    yearly = _yearly(data["bilans"])
    shares = [yearly[y]["raccroches"] / yearly[y]["jeunes_signales"] for y in YEARS[:4]]
    assert 0.37 <= shares[0] <= 0.43
    assert shares == sorted(shares)


def test_funnel_holds_cumulatively_per_network_and_year(data):
    b = data["bilans"].sort("reseau_code", "periode_fin")
    cum = b.with_columns(
        pl.col("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches")
        .cum_sum().over("reseau_code", "annee_scolaire")
    )
    assert (cum["jeunes_contactes"] <= cum["jeunes_signales"]).all()
    assert (cum["entretiens"] <= cum["jeunes_contactes"]).all()
    assert (cum["raccroches"] <= cum["solutions_proposees"]).all()
    foquale_types = pl.col("raccroches_formation_initiale") + pl.col("raccroches_mlds") + pl.col(
        "raccroches_structure_innovante")
    assert b.select((pl.col("contrats_foquale") <= foquale_types).all()).item()
    totals = b.select(pl.sum("jeunes_signales", "jeunes_contactes", "entretiens"))
    assert 0.75 <= totals["jeunes_contactes"][0] / totals["jeunes_signales"][0] <= 0.85
    assert 0.60 <= totals["entretiens"][0] / totals["jeunes_signales"][0] <= 0.70


def test_periods_and_the_year_in_progress(data):
    b = data["bilans"]
    for year in YEARS:
        ends = set(b.filter(pl.col("annee_scolaire") == year)["periode_fin"])
        expected = period_ends(int(year[:4]))
        assert ends == set(expected if year != "2016-2017" else expected[:4])
    assert "2016-02-29" in set(b["periode_fin"])
    last = b.filter(pl.col("annee_scolaire") == "2016-2017").group_by("reseau_code").agg(pl.max("periode_fin"))
    assert last.height == 14
    assert sorted(last["periode_fin"].value_counts().iter_rows()) == [("2017-02-28", 2), ("2017-04-30", 12)]
    complete = b.filter(pl.col("annee_scolaire") != "2016-2017").group_by("reseau_code", "annee_scolaire").len()
    assert set(complete["len"]) == {6}


def test_seasonal_profiles(data):
    per = (data["bilans"].filter(pl.col("annee_scolaire") == "2014-2015")
           .group_by("periode_fin").agg(pl.sum("jeunes_signales", "raccroches")).sort("periode_fin"))
    signales, raccroches = per["jeunes_signales"].to_list(), per["raccroches"].to_list()
    assert (signales[1] + signales[3]) / sum(signales) > 0.55  # SIEI campaigns: Nov-Dec, Mar-Apr
    assert raccroches[0] == max(raccroches) and raccroches[1] == sorted(raccroches)[-2]  # rentrée
    assert raccroches[5] < 0.12 * sum(raccroches)  # summer


def test_solution_split(data):
    totals = data["bilans"].select(pl.sum(*db.SOLUTION_COLUMNS, "raccroches")).row(0, named=True)
    expected = dict(zip(db.SOLUTION_COLUMNS, (0.45, 0.04, 0.15, 0.15, 0.08, 0.13), strict=True))
    for column, share in expected.items():
        assert totals[column] / totals["raccroches"] == pytest.approx(share, abs=0.03), column


def test_targets_per_network_department_and_academie(data):
    targets = data["objectifs"]
    assert set(targets["indicateur"]) == {"raccroches"}
    tree = data["territoires"].select("reseau_code", "psad_code", "departement_code").unique()
    assert not set(targets["territoire_code"]) & set(tree["psad_code"])
    for year in YEARS:
        t = dict(targets.filter(pl.col("annee_scolaire") == year).select("territoire_code", "objectif").iter_rows())
        networks = tree.select("reseau_code", "departement_code").unique()
        assert set(networks["reseau_code"]) <= set(t)
        for dep in ("16", "17", "79", "86"):
            members = networks.filter(pl.col("departement_code") == dep)["reseau_code"]
            assert t[dep] == sum(t[code] for code in members)
        assert t["ACAD"] == sum(t[dep] for dep in ("16", "17", "79", "86"))


def test_some_networks_ahead_and_some_behind(data):
    b = data["bilans"].filter(pl.col("annee_scolaire") == "2015-2016").group_by("reseau_code").agg(
        pl.sum("raccroches"))
    t = data["objectifs"].filter(pl.col("annee_scolaire") == "2015-2016")
    ratio = b.join(t, left_on="reseau_code", right_on="territoire_code").select(
        pl.col("raccroches") / pl.col("objectif"))
    assert (ratio.to_series() > 1.03).sum() >= 2 and (ratio.to_series() < 0.97).sum() >= 2


# --- absenteeism -----------------------------------------------------------------------------------


def _rates(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
    return frame.group_by(*keys).agg(
        (pl.sum("eleves_absenteistes") / pl.sum("effectif")).alias("taux"), pl.sum("eleves_absenteistes"))


def test_yearly_rates_by_type_match_the_national_references(data):
    references = load_reference_rates()
    public = _rates(data["absenteisme"].filter(pl.col("secteur") == "PUBLIC"), "annee_scolaire", "type")
    # the year in progress stops in April: its rate is the reference's share of September-April
    in_progress = MONTHLY_PROFILE[:demo.CURRENT_MONTHS].mean()
    for row in public.iter_rows(named=True):
        if row["type"] in ("COLLEGE", "LGT", "LP"):
            share = in_progress if row["annee_scolaire"] == YEARS[-1] else 1.0
            expected = references[(row["annee_scolaire"], row["type"])] * share
            assert row["taux"] == pytest.approx(expected, abs=0.005), row
    rates = {(r["annee_scolaire"], r["type"]): r["taux"] for r in public.iter_rows(named=True)}
    for year in YEARS:
        assert rates[(year, "COLLEGE")] < rates[(year, "LGT")] < rates[(year, "LPO")] < rates[(year, "LP")]


def test_private_lower_and_priority_education_higher(data):
    a = data["absenteisme"].filter(pl.col("type") == "COLLEGE")
    sector = dict(_rates(a, "secteur").select("secteur", "taux").iter_rows())
    assert sector["PRIVE"] < sector["PUBLIC"]
    ep = dict(_rates(a.filter(pl.col("secteur") == "PUBLIC").with_columns(
        pl.col("education_prioritaire").fill_null("HORS_EP")), "education_prioritaire").select(
        "education_prioritaire", "taux").iter_rows())
    assert ep["HORS_EP"] < ep["REP"] < ep["REP+"]


def test_months_september_to_may_and_year_in_progress(data):
    a = data["absenteisme"]
    per_school = a.group_by("uai", "annee_scolaire").len()
    assert set(per_school.filter(pl.col("annee_scolaire") != "2016-2017")["len"]) == {9}
    assert set(per_school.filter(pl.col("annee_scolaire") == "2016-2017")["len"]) == {8}
    assert a["mois"].max() == "2017-04"
    assert {m[5:] for m in a["mois"]} == {"09", "10", "11", "12", "01", "02", "03", "04", "05"}
    assert (a["eleves_absenteistes"] <= a["effectif"]).all()
    assert (a["demi_journees_non_justifiees"] >= 6 * a["eleves_absenteistes"]).all()


def test_enrolment_by_type(data):
    a = data["absenteisme"].filter(pl.col("mois") == "2014-10", pl.col("secteur") == "PUBLIC")
    mean = dict(a.group_by("type").agg(pl.mean("effectif")).iter_rows())
    for school_type, size in {"COLLEGE": 330, "LGT": 640, "LP": 290, "LPO": 800, "EREA": 90}.items():
        assert mean[school_type] == pytest.approx(size, rel=0.25), school_type


def test_about_133_000_pupils(data):
    total = data["absenteisme"].filter(pl.col("mois") == "2014-10")["effectif"].sum()
    assert 125_000 <= total <= 141_000  # docs/architecture.md, "Domain facts": about 133 000 pupils in secondary schools


def test_monthly_profile_rises_from_september_to_march(data):
    for year in YEARS[:4]:
        monthly = _rates(data["absenteisme"].filter(pl.col("annee_scolaire") == year), "mois").sort("mois")
        rates = monthly["taux"].to_list()  # September … May
        assert rates[0] < rates[2] < rates[4] < rates[6]
        assert rates[6] == max(rates) and rates[8] < rates[6]
        assert rates[0] / (sum(rates) / 9) == pytest.approx(0.55, abs=0.1)


def test_absenteeism_concentrated(data):
    yearly = _rates(data["absenteisme"], "annee_scolaire", "uai")
    for year in YEARS:
        schools = yearly.filter(pl.col("annee_scolaire") == year).sort("taux", descending=True)
        worst = math.ceil(schools.height / 10)
        share = schools["eleves_absenteistes"].head(worst).sum() / schools["eleves_absenteistes"].sum()
        assert 0.40 <= share <= 0.60, (year, share)
        assert 0.35 <= (schools["taux"] < 0.02).mean() <= 0.65


# --- MLDS and meta ---------------------------------------------------------------------------------


def test_17_mlds_sites_with_about_500_places(data):
    sites = data["mlds_sites"]
    assert sites["site_code"].n_unique() == 17
    assert all(re.fullmatch(r"MLDS-(16|17|79|86)-\d\d", code) for code in sites["site_code"])
    assert all(re.fullmatch(r"(Site MLDS|PAQI) (de |d'|du |des ).+", nom) for nom in sites["nom"])
    assert set(sites["annee_scolaire"]) == set(YEARS)
    places = sites.group_by("annee_scolaire").agg(pl.sum("places"), pl.sum("jeunes_accueillis"))
    for row in places.iter_rows(named=True):
        assert 450 <= row["places"] <= 550
        assert 0.70 <= row["jeunes_accueillis"] / row["places"] <= 1.05
    occupancy = sites["jeunes_accueillis"] / sites["places"]
    assert occupancy.min() >= 0.65 and occupancy.max() <= 1.1


def test_demo_flag_and_version(demo_engine):
    with demo_engine.connect() as conn:
        assert db.get_meta(conn, "demo") == "1"
        assert db.get_meta(conn, "version")


# --- determinism, speed, CLI (SQLite) --------------------------------------------------------------

def test_same_seed_same_rows(databases, tmp_path):
    # ``first`` is the session's demonstration template: ``demo.fill`` with the default seed on the
    # default breakdown, as ``second`` is filled here (its time: ``make bench``, bench_demo)
    first = database.make_engine(databases.sqlite.copy("demo", tmp_path))
    second, other = (database.make_engine(databases.sqlite.copy("geo", tmp_path)) for _ in range(2))
    demo.fill(second)
    demo.fill(other, seed=7)
    try:
        assert dump(first) == dump(second)
        assert dump(first)["bilans"] != dump(other)["bilans"]
        with first.connect() as a, second.connect() as b:
            assert db.get_meta(a, "version") != db.get_meta(b, "version")
    finally:
        for engine in (first, second, other):
            engine.dispose()


def test_cli_fills_once_and_summarises_in_french(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    first = cli.run_subprocess("dashboard.demo", "--database-url", url)  # the command's smoke test
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Données de démonstration écrites" in out and "Établissements : 330" in out
    assert "Référents décrochage (lignes par année) : 1\u202f596" in out and "Relevés mensuels des GPDS" in out
    assert demo_cli.main(["--database-url", url]) == 0
    assert "contient déjà des données" in capsys.readouterr().out
    engine = database.make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() == 330
    engine.dispose()


def test_unknown_scale_refused(databases, tmp_path):
    engine = database.make_engine(databases.sqlite.copy("geo", tmp_path))
    with pytest.raises(ValueError):
        demo.fill(engine, scale="monde")
    engine.dispose()


@pytest.mark.slow
def test_national_scale_is_a_superset(databases, tmp_path):
    engine = database.make_engine(databases.sqlite.copy("geo", tmp_path))
    demo.fill(engine, scale="national")
    from queries.territoires import network_tree

    with engine.connect() as conn:
        tree = network_tree(conn, "2014-2015")
        assert 480 <= tree.height <= 520 and 340 <= tree["psad_code"].n_unique() <= 380
        assert 6800 <= conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() <= 7200
        schools = frame(conn, db.etablissements)
        bilans = frame(conn, db.bilans)
        targets = frame(conn, db.objectifs)
        acad = conn.execute(select(func.count()).select_from(db.etablissements).where(
            db.etablissements.c.uai.like("0%"))).scalar_one()
        referents = conn.execute(select(func.count()).select_from(db.referents)).scalar_one()
        reporting = conn.execute(select(func.count(db.prevention.c.uai.distinct()))
                                 .where(db.prevention.c.annee_scolaire == "2014-2015")).scalar_one()
    engine.dispose()
    assert 0.95 * 5 * len(schools) <= referents <= 0.99 * 5 * len(schools)
    assert 0.8 * len(schools) <= reporting <= 0.92 * len(schools)
    assert acad == 330 and all(uai.is_valid_uai(code) for code in schools["uai"])
    cum = bilans.sort("reseau_code", "periode_fin").with_columns(
        pl.sum_horizontal(db.SOLUTION_COLUMNS).alias("raccroches")).with_columns(
        pl.col("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches")
        .cum_sum().over("reseau_code", "annee_scolaire"))
    assert (cum["jeunes_contactes"] <= cum["jeunes_signales"]).all()
    assert (cum["entretiens"] <= cum["jeunes_contactes"]).all()
    assert (cum["raccroches"] <= cum["solutions_proposees"]).all()
    year = targets.filter(pl.col("annee_scolaire") == "2014-2015")
    deps = year.filter(~pl.col("territoire_code").str.starts_with("R") & (pl.col("territoire_code") != "ACAD"))
    assert deps.height == 100
    assert year.filter(pl.col("territoire_code") == "ACAD")["objectif"][0] == deps["objectif"].sum()
