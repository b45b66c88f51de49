"""Calibration of the demonstration referents and GPDS activity (issue 17), on SQLite and PostgreSQL:
275 referents in 2014 (120 CPE, 109 heads of school and teachers, the rest others), one in almost
every school; GPDS activity rising with absenteeism, about one school in eight silent."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.demo import generate as demo
from dashboard.store import database, db
from tests.support.demo import YEARS, dump, frame

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md


@pytest.fixture(scope="module")
def data(demo_engine) -> dict[str, pl.DataFrame]:
    with demo_engine.connect() as conn:
        out = {name: frame(conn, db.metadata.tables[name])
               for name in ("etablissements", "absenteisme", "referents", "prevention")}
    out["absenteisme"] = out["absenteisme"].join(out["etablissements"].select("uai", "type"), on="uai")
    return out


OTHER_FUNCTIONS = {"PROFESSEUR_DOCUMENTALISTE", "DDFPT", "ASSISTANT_EDUCATION", "PSYEN", "AUTRE"}


def test_a_referent_in_almost_every_school_every_year(data):
    schools = set(data["etablissements"]["uai"])
    referents = data["referents"]
    assert set(referents["annee_scolaire"]) == set(YEARS)
    assert set(referents["uai"]) <= schools
    for year in YEARS:
        named = referents.filter(pl.col("annee_scolaire") == year)
        assert named["uai"].is_unique().all()
        assert 0.95 <= named.height / len(schools) <= 0.99, (year, named.height)
    first, last = (referents.filter(pl.col("annee_scolaire") == y).height for y in (YEARS[0], YEARS[-1]))
    assert last >= first  # the gap closes over the years


def test_referent_functions_follow_the_academie_mix(data):
    """275 referents in 2014: 120 CPE, 109 heads of school, directors and teachers, the rest others."""
    referents = data["referents"].join(data["etablissements"].select("uai", "type"), on="uai")
    year = referents.filter(pl.col("annee_scolaire") == "2014-2015")
    share = year["fonction"].value_counts(normalize=True)
    shares = dict(zip(share["fonction"], share["proportion"], strict=True))
    assert abs(shares["CPE"] - 120 / 275) < 0.02
    assert abs(shares["PERSONNEL_DE_DIRECTION"] + shares["ENSEIGNANT"] - 109 / 275) < 0.02
    assert abs(sum(shares.get(f, 0) for f in OTHER_FUNCTIONS) - 46 / 275) < 0.02
    assert {"PROFESSEUR_DOCUMENTALISTE", "DDFPT", "ASSISTANT_EDUCATION", "PSYEN"} <= set(shares)
    assert set(referents.filter(pl.col("fonction") == "DDFPT")["type"]) <= {"LP", "LPO"}
    kept = referents.filter(pl.col("annee_scolaire").is_in(["2013-2014", "2014-2015"])).pivot(
        on="annee_scolaire", index="uai", values="fonction").drop_nulls()
    assert (kept["2013-2014"] == kept["2014-2015"]).mean() > 0.75  # most keep their function


def test_more_referents_trained_over_the_years(data):
    trained = data["referents"].group_by("annee_scolaire").agg(
        pl.col("formation_suivie").mean().alias("formes"), pl.col("formation_suivie").is_null().mean().alias("inconnu")
    ).sort("annee_scolaire")
    assert trained["formes"].is_sorted() and trained["formes"][0] < 0.5 < trained["formes"][-1]
    assert (trained["inconnu"] > 0).all() and (trained["inconnu"] < 0.2).all()


def _gpds_by_school(data) -> pl.DataFrame:
    """Per school and year: absenteeism sums and GPDS sums (null when the school reported nothing)."""
    absences = data["absenteisme"].group_by("annee_scolaire", "uai", "type").agg(
        pl.sum("effectif"), pl.sum("eleves_absenteistes"), pl.len().alias("mois"))
    gpds = data["prevention"].group_by("annee_scolaire", "uai").agg(
        pl.sum(c) for c in db.PREVENTION_COUNT_COLUMNS)
    return absences.join(gpds, on=["annee_scolaire", "uai"], how="left")


def test_about_one_school_in_eight_reports_no_gpds_activity(data):
    per_school = _gpds_by_school(data)
    for year in YEARS:
        silent = per_school.filter(pl.col("annee_scolaire") == year)["eleves_reperes"].is_null().mean()
        assert 0.08 <= silent <= 0.18, (year, silent)
    without_referent = per_school.join(data["referents"], on=["annee_scolaire", "uai"], how="anti")
    assert without_referent["eleves_reperes"].is_null().mean() > 0.3


def test_gpds_chain_never_grows_and_counts_stay_within_enrolment(data):
    rows = data["prevention"].join(data["absenteisme"].select("uai", "mois", "effectif"), on=["uai", "mois"],
                                   how="left")
    assert rows["effectif"].null_count() == 0  # a month of GPDS activity is a month of absenteeism data
    assert (rows["eleves_suivis"] <= rows["eleves_reperes"]).all()
    assert (rows["solutions_internes"] <= rows["eleves_suivis"]).all()
    assert (rows["signalements_plateforme"] <= rows["eleves_suivis"]).all()
    assert (rows["eleves_reperes"] <= rows["effectif"]).all()
    assert rows["reunions_gpds"].max() <= 4
    months = set(rows.filter(pl.col("annee_scolaire") == "2016-2017")["mois"])
    assert max(months) == "2017-04"


def test_gpds_activity_rises_with_absenteeism(data):
    year = _gpds_by_school(data).filter((pl.col("annee_scolaire") == "2014-2015")
                                        & pl.col("eleves_reperes").is_not_null())
    year = year.with_columns((pl.col("eleves_absenteistes") / pl.col("effectif")).alias("taux"),
                             (pl.col("eleves_reperes") / pl.col("effectif") * pl.col("mois") * 1000).alias("pour_1000"))
    assert year.select(pl.corr("taux", "pour_1000", method="spearman")).item() > 0.5
    low, high = year["taux"].quantile(0.25), year["taux"].quantile(0.75)
    assert (year.filter(pl.col("taux") >= high)["pour_1000"].median()
            > 3 * year.filter(pl.col("taux") <= low)["pour_1000"].median())
    yearly = _gpds_by_school(data).group_by("annee_scolaire").agg(
        (pl.col("eleves_reperes").sum() / (pl.col("effectif").sum() / 9) * 1000).alias("pour_1000"))
    assert yearly["pour_1000"].min() > 20 and yearly["pour_1000"].max() < 60  # about 4 % of pupils a year


def test_few_pupils_passed_on_to_the_platform_mostly_from_lycees(data):
    rows = data["prevention"].join(data["etablissements"].select("uai", "type"), on="uai")
    assert rows["signalements_plateforme"].sum() < 0.06 * rows["eleves_reperes"].sum()
    lycees = rows.filter(pl.col("type") != "COLLEGE")["signalements_plateforme"].sum()
    assert lycees > 0.8 * rows["signalements_plateforme"].sum()
    assert rows["solutions_internes"].sum() > 0.4 * rows["eleves_suivis"].sum()


def test_complete_adds_the_rows_a_fresh_fill_writes(databases, tmp_path):
    """A demonstration database upgraded from a release without the prevention tables."""
    engine = database.make_engine(databases.sqlite.copy("demo", tmp_path))  # a fresh ``demo.fill``
    try:
        expected = dump(engine)
        with engine.begin() as conn:
            conn.execute(db.referents.delete())
            conn.execute(db.prevention.delete())
            version = db.get_meta(conn, "version")
        assert demo.complete(engine) is True
        assert dump(engine) == expected
        assert demo.complete(engine) is False  # rows present: nothing written
        with engine.begin() as conn:
            assert db.get_meta(conn, "version") != version
            conn.execute(db.referents.delete())
            db.set_meta(conn, "demo", "0")
        assert demo.complete(engine) is False  # real data: never completed with demonstration rows
    finally:
        engine.dispose()
