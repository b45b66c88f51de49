"""``queries.prevention`` on SQLite and PostgreSQL: referent coverage, the GPDS chain (ratio of sums,
an aggregate equals the sum of its parts, months add up to the year), the « angles morts » rule on
a small hand-built académie, MLDS totals, disclosure and scope."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from dashboard.access.scope import AccessDenied, Scope
from dashboard.disclosure import marks
from dashboard.store import db
from dashboard.uai import make_uai
from queries import prevention as q
from queries.prevention_blind_spots import FEW_SPOTTED, NO_ACTIVITY, NONE_SPOTTED

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR = "2014-2015"
MONTHS = ["2014-09", "2014-10", "2014-11", "2014-12", "2015-01", "2015-02", "2015-03", "2015-04", "2015-05"]
FULL = Scope.full()
COUNTS = ("eleves_reperes", "eleves_suivis", "reunions_gpds", "solutions_internes", "signalements_plateforme")

# 20 collèges (400 pupils; collège i has 2·i absentees every month): even i in Poitiers (R86-POI),
# odd i in Angoulême (R16-ANG). 11 LP in Niort (R79-NIO, 200 pupils; LP j has 4·j absentees).
COLLEGE = {i: make_uai(f"086{i:04d}") if i % 2 == 0 else make_uai(f"016{i:04d}") for i in range(1, 21)}
LP = {j: make_uai(f"079{j:04d}") for j in range(1, 12)}
A, B, C = COLLEGE[20], COLLEGE[19], COLLEGE[18]  # the two top-tenth collèges, and the third
LP_EXACT, LP_ZERO = LP[11], LP[10]  # the two top-tenth LP


def _gpds(uai: str, mois: str, reperes=0, suivis=0, internes=0, plateforme=0, reunions=1) -> dict:
    return {"uai": uai, "mois": mois, "annee_scolaire": YEAR, "eleves_reperes": reperes, "eleves_suivis": suivis,
            "reunions_gpds": reunions, "solutions_internes": internes, "signalements_plateforme": plateforme}


def build(engine) -> None:
    schools, absences, activity, referents = [], [], [], []
    for i, uai in COLLEGE.items():
        schools.append({"uai": uai, "nom": f"Collège {i}", "type": "COLLEGE", "secteur": "PUBLIC",
                        "commune_insee": "86194" if i % 2 == 0 else "16015"})
        absences += [{"uai": uai, "mois": m, "annee_scolaire": YEAR, "effectif": 400, "eleves_absenteistes": 2 * i}
                     for m in [*MONTHS, "2015-06"]]
        if i not in (20, 18):  # A and C report nothing
            activity += [_gpds(uai, m, reperes=1 if (i == 19 and k == 0) else (0 if i == 19 else i), suivis=0)
                         for k, m in enumerate(MONTHS)]
        if i not in (20, 1):
            referents.append({"uai": uai, "annee_scolaire": YEAR, "fonction": "CPE", "formation_suivie": i % 3 == 0})
    for j, uai in LP.items():
        schools.append({"uai": uai, "nom": f"LP {j}", "type": "LP", "secteur": "PUBLIC", "commune_insee": "79191"})
        absences += [{"uai": uai, "mois": m, "annee_scolaire": YEAR, "effectif": 200, "eleves_absenteistes": 4 * j}
                     for m in [*MONTHS, "2015-06"]]
        if j == 11:  # exactly a quarter of its 44 mean monthly absentees: not a blind spot
            activity += [_gpds(uai, m, reperes=11 if k == 0 else 0) for k, m in enumerate(MONTHS)]
        elif j == 10:  # reports, but only zeros
            activity += [_gpds(uai, m, reunions=0) for m in MONTHS]
        else:
            activity += [_gpds(uai, m, reperes=j, suivis=1) for m in MONTHS]
        if j != 10:
            referents.append({"uai": uai, "annee_scolaire": YEAR, "fonction": "DDFPT" if j <= 5 else "PSYEN",
                              "formation_suivie": None})
    # internal solutions of September: 3 in Angoulême (a small count), 50 in Poitiers, 40 in Niort;
    # one pupil passed on to the platform, in Niort
    for row in activity:
        if row["mois"] == "2014-09" and row["uai"] in (COLLEGE[1], COLLEGE[2], LP[1]):
            row["solutions_internes"] = {COLLEGE[1]: 3, COLLEGE[2]: 50, LP[1]: 40}[row["uai"]]
            row["eleves_suivis"] = max(row["eleves_suivis"], row["solutions_internes"])
        if row["mois"] == "2014-09" and row["uai"] == LP[2]:
            row["signalements_plateforme"] = 1
    with engine.begin() as conn:
        conn.execute(insert(db.etablissements), schools)
        conn.execute(insert(db.absenteisme), absences)
        conn.execute(insert(db.prevention), activity)
        conn.execute(insert(db.referents), referents)
        conn.execute(insert(db.mlds_sites), [
            {"site_code": "MLDS-86-01", "annee_scolaire": YEAR, "nom": "PAQI de Poitiers", "commune_insee": "86194",
             "places": 10, "jeunes_accueillis": 3},
            {"site_code": "MLDS-16-01", "annee_scolaire": YEAR, "nom": "PAQI d'Angoulême", "commune_insee": "16015",
             "places": 20, "jeunes_accueillis": 18},
        ])


@pytest.fixture
def engine(db_engine):
    build(db_engine)
    return db_engine


def rows_by_code(frame) -> dict[str, dict]:
    return {r["territoire_code"]: r for r in frame.to_dicts()}


# --- angles morts ---------------------------------------------------------------------------------


def test_blind_spots_follow_the_stated_rule(engine):
    with engine.connect() as conn:
        spots = q.blind_spots(conn, FULL, "ACAD", YEAR)
    found = {r["uai"]: r for r in spots.to_dicts()}
    # top tenth: 2 of 20 collèges (A, B), 2 of 11 LP (ceil 1.1); C is third: not in the top tenth
    assert set(found) == {A, B, LP_ZERO}
    assert found[A]["motif"] == NO_ACTIVITY and found[A]["referent"] is None
    assert found[B]["motif"] == FEW_SPOTTED and found[B]["referent"] == "CPE"  # 1 spotted < 38 / 4
    assert found[LP_ZERO]["motif"] == NONE_SPOTTED and found[LP_ZERO]["eleves_reperes"] == 0
    assert (found[A]["rang_type"], found[A]["etablissements_type"]) == (1, 20)
    assert (found[LP_ZERO]["rang_type"], found[LP_ZERO]["etablissements_type"]) == (2, 11)
    assert found[A]["taux"] == pytest.approx(40 / 400) and found[A]["absenteistes_moyen"] == 40
    assert found[A]["nb_mois"] == 10 and found[A]["effectif_moyen"] == 400
    # B's single spotted pupil is a count under the threshold
    assert found[B]["eleves_reperes"] is None and found[B]["masque_eleves_reperes"] is True
    assert list(spots["type"]) == ["COLLEGE", "COLLEGE", "LP"]


def test_blind_spot_rule_is_stated_in_french_with_its_constants():
    assert q.BLIND_SPOT_TOP_SHARE == 0.10 and q.BLIND_SPOT_MIN_SPOTTED_PER_ABSENTEE == 0.25
    assert "dixième des établissements de son type" in q.BLIND_SPOT_RULE
    assert "moins d'un élève pour quatre élèves absentéistes d'un mois moyen" in q.BLIND_SPOT_RULE


def test_blind_spots_ranked_academie_wide_and_listed_per_territory(engine):
    with engine.connect() as conn:
        poitiers = q.blind_spots(conn, FULL, "R86-POI", YEAR)
        angouleme = q.blind_spots(conn, FULL, "16", YEAR)
        counts = q.blind_spot_counts(conn, FULL, "ACAD", YEAR)
        niort = q.blind_spot_counts(conn, FULL, "R79-NIO", YEAR)
    assert poitiers["uai"].to_list() == [A] and poitiers["rang_type"].to_list() == [1]
    assert angouleme["uai"].to_list() == [B]
    assert counts == {"etablissements_dixieme": 4, "angles_morts": 3,
                      "motifs": {NO_ACTIVITY: 1, NONE_SPOTTED: 1, FEW_SPOTTED: 1}}
    assert niort["etablissements_dixieme"] == 2 and niort["angles_morts"] == 1


def test_blind_spot_list_needs_the_detail_scope(engine):
    reader = Scope.for_role("lecteur", None, "lecteur")
    network = Scope.for_role("reseau", "R16-ANG", "reseau")
    with engine.connect() as conn:
        with pytest.raises(AccessDenied):
            q.blind_spots(conn, reader, "ACAD", YEAR)
        with pytest.raises(AccessDenied):
            q.blind_spots(conn, network, "R86-POI", YEAR)
        assert q.blind_spots(conn, network, "R16-ANG", YEAR)["uai"].to_list() == [B]
        assert q.blind_spot_counts(conn, reader, "ACAD", YEAR)["angles_morts"] == 3  # counts name no school


# --- referent coverage -----------------------------------------------------------------------------


def test_coverage_by_type_function_and_territory(engine):
    with engine.connect() as conn:
        cover = q.coverage(conn, FULL, "ACAD", YEAR)
        missing = q.schools_without_referent(conn, FULL, "ACAD", YEAR)
    by_type = {r["groupe"]: r for r in cover.by_type.to_dicts()}
    assert list(by_type) == ["COLLEGE", "LP", "ENSEMBLE"]
    assert (by_type["COLLEGE"]["etablissements"], by_type["COLLEGE"]["avec_referent"]) == (20, 18)
    assert (by_type["LP"]["avec_referent"], by_type["LP"]["sans_referent"]) == (10, 1)
    assert by_type["ENSEMBLE"]["couverture"] == pytest.approx(28 / 31) and by_type["ENSEMBLE"]["cible"] == 1.0
    assert by_type["ENSEMBLE"]["libelle"] == "Ensemble" and by_type["COLLEGE"]["libelle"] == "Collège"
    functions = {r["fonction"]: r for r in cover.by_function.to_dicts()}
    assert list(functions) == list(db.REFERENT_FUNCTIONS)
    assert (functions["CPE"]["referents"], functions["DDFPT"]["referents"], functions["PSYEN"]["referents"]) == \
        (18, 5, 5)
    assert functions["CPE"]["part"] == pytest.approx(18 / 28)
    assert functions["CPE"]["formes"] == 6 and functions["CPE"]["part_formes"] == pytest.approx(6 / 18)
    assert functions["PSYEN"]["formation_connue"] == 0 and functions["PSYEN"]["part_formes"] is None
    assert functions["AUTRE"]["referents"] == 0
    territories = rows_by_code(cover.by_territory)
    assert [t for t in territories] == ["16", "17", "79", "86"]
    assert territories["17"]["etablissements"] == 0 and territories["17"]["couverture"] is None
    assert sum(t["etablissements"] for t in territories.values()) == 31
    assert sum(t["avec_referent"] for t in territories.values()) == 28
    assert set(missing["uai"]) == {A, COLLEGE[1], LP_ZERO}
    assert dict(zip(missing["uai"], missing["gpds_actif"], strict=True)) == {A: False, COLLEGE[1]: True,
                                                                              LP_ZERO: True}
    assert q.COVERAGE_TARGET_TEXT == "un référent dans chaque établissement"


def test_coverage_outside_the_detail_scope(engine):
    ien = Scope.for_role("ien-io", "79", "ien")
    with engine.connect() as conn:
        cover = q.coverage(conn, ien, "ACAD", YEAR)  # the académie aggregate, no sub-territory
        assert cover.by_territory.is_empty() and cover.by_type["etablissements"].to_list()[-1] == 31
        assert q.schools_without_referent(conn, ien, "ACAD", YEAR).is_empty()
        with pytest.raises(AccessDenied):
            q.coverage(conn, ien, "86", YEAR)


# --- the GPDS chain ---------------------------------------------------------------------------------


def test_an_aggregate_equals_the_sum_of_its_parts(engine, no_secrecy):
    with engine.connect() as conn:
        academie = rows_by_code(q.chain(conn, FULL, "ACAD", YEAR))
        vienne = rows_by_code(q.chain(conn, FULL, "86", YEAR))
    parts = [academie[c] for c in ("16", "17", "79", "86")]
    for column in ("etablissements", "etablissements_declarants", "effectif_cumule", *COUNTS):
        assert academie["ACAD"][column] == sum(p[column] for p in parts), column
    assert academie["ACAD"]["eleves"] == pytest.approx(sum(p["eleves"] for p in parts))
    assert set(vienne) == {"86", "P86-POI", "P86-CHA"}
    for column in ("effectif_cumule", *COUNTS):
        assert vienne["86"][column] == vienne["P86-POI"][column] + vienne["P86-CHA"][column], column
    assert academie["86"]["eleves_reperes"] == vienne["86"]["eleves_reperes"]


def test_rates_are_ratios_of_sums_over_the_gpds_months(engine, no_secrecy):
    with engine.connect() as conn:
        rows = rows_by_code(q.chain(conn, FULL, "ACAD", YEAR))
    acad = rows["ACAD"]
    # pupils: mean monthly enrolment over the 9 GPDS months (June has absenteeism data, no GPDS activity)
    assert acad["nb_mois"] == 9 and acad["effectif_cumule"] == 9 * (20 * 400 + 11 * 200)
    assert acad["eleves"] == 20 * 400 + 11 * 200
    spotted = acad["eleves_reperes"]
    assert acad["eleves_reperes_pour_1000"] == pytest.approx(spotted / 10_200 * 1000)
    parts = [rows[c] for c in ("16", "79", "86")]
    mean_of_rates = sum(p["eleves_reperes_pour_1000"] for p in parts) / len(parts)
    assert acad["eleves_reperes_pour_1000"] != pytest.approx(mean_of_rates)  # not a mean of rates
    assert acad["part_suivis"] == pytest.approx(acad["eleves_suivis"] / spotted)
    assert rows["17"]["etablissements"] == 0 and rows["17"]["eleves_reperes_pour_1000"] is None
    assert acad["etablissements"] == 31 and acad["etablissements_declarants"] == 29


def test_months_add_up_to_the_year(engine, no_secrecy):
    with engine.connect() as conn:
        year = q.chain(conn, FULL, "ACAD", YEAR).row(0, named=True)
        months = q.monthly_chain(conn, FULL, "ACAD", YEAR)
    assert months["mois"].to_list() == MONTHS and months["rang"].to_list() == list(range(9))
    for column in COUNTS:
        assert months[column].sum() == year[column], column
    assert months["effectif"].sum() == year["effectif_cumule"]
    september = months.row(0, named=True)
    assert september["eleves_reperes_pour_1000"] == pytest.approx(september["eleves_reperes"] / 10_200 * 1000)


def test_small_counts_and_their_rates_are_masked(engine):
    with engine.connect() as conn:
        rows = rows_by_code(q.chain(conn, FULL, "ACAD", YEAR))
        months = q.monthly_chain(conn, FULL, "R79-NIO", YEAR)
    # one pupil passed on to the platform, in Niort: masked at every level, rates too
    for code in ("ACAD", "79"):
        assert rows[code]["signalements_plateforme"] is None and rows[code]["masque_signalements_plateforme"]
        assert rows[code]["signalements_plateforme_pour_1000"] is None
    assert rows["16"]["signalements_plateforme"] == 0 and not rows["16"]["masque_signalements_plateforme"]
    # 3 internal solutions in Angoulême: masked, and the smallest other department with it, so that
    # the académie total shown cannot give the 3 back
    assert rows["ACAD"]["solutions_internes"] == 93
    assert rows["16"]["solutions_internes"] is None and rows["16"]["solutions_internes_pour_1000"] is None
    assert rows["16"]["part_solutions_internes"] is None
    assert rows["79"]["solutions_internes"] is None and rows["79"]["masque_solutions_internes"]
    assert rows["86"]["solutions_internes"] == 50
    september = months.row(0, named=True)
    assert september["signalements_plateforme"] is None and september["masque_signalements_plateforme"]
    assert september["reunions_gpds"] == 10  # meetings are not pupils: never masked


def test_chain_scope(engine):
    ien = Scope.for_role("ien-io", "79", "ien")
    with engine.connect() as conn:
        assert q.chain(conn, ien, "ACAD", YEAR)["territoire_code"].to_list() == ["ACAD"]
        codes = q.chain(conn, ien, "79", YEAR)["territoire_code"].to_list()
        assert codes[0] == "79" and sorted(codes[1:]) == ["P79-BRE", "P79-NIO"]
        with pytest.raises(AccessDenied):
            q.chain(conn, ien, "R86-POI", YEAR)
        with pytest.raises(AccessDenied):
            q.monthly_chain(conn, ien, "16", YEAR)


# --- MLDS ------------------------------------------------------------------------------------------------


def test_mlds_totals_against_the_academie_reference(engine):
    with engine.connect() as conn:
        vienne = q.mlds(conn, FULL, "86", YEAR)
        academie = q.mlds(conn, FULL, "ACAD", YEAR)
    totals = rows_by_code(vienne.totals)
    assert list(totals) == ["86", "ACAD"]
    assert (totals["86"]["sites"], totals["86"]["places"]) == (1, 10)
    assert totals["86"]["jeunes_accueillis"] is None and totals["86"]["taux_occupation"] is None  # 3 young people
    assert totals["86"]["reference_sites"] is None
    assert totals["86"]["marque"] == marks.PRIMARY
    acad = totals["ACAD"]
    # 21 young people in the académie, 18 on the site shown: the total is masked too (« s »), or the
    # Vienne site's 3 would be 21 − 18
    assert (acad["sites"], acad["places"], acad["jeunes_accueillis"], acad["taux_occupation"]) == (2, 30, None, None)
    assert acad["masque"] and acad["marque"] == marks.SECONDARY
    assert (acad["reference_sites"], acad["reference_jeunes"]) == (17, 500)
    with engine.connect() as conn:
        assert q.academie_facts(conn).mlds.text == "17 sites, environ 500 jeunes"
    assert vienne.sites["site_code"].to_list() == ["MLDS-86-01"]
    assert vienne.sites["jeunes_accueillis"].to_list() == [None]
    assert academie.totals.height == 1


def test_summary_for_the_other_channels(engine):
    with engine.connect() as conn:
        figures = q.summary(conn, FULL, "ACAD", YEAR)
    assert figures["couverture_referents"] == pytest.approx(28 / 31)
    assert figures["angles_morts"] == 3 and figures["mlds_sites"] == 2
    assert figures["signalements_plateforme"] is None and "signalements_plateforme" in figures["masque"]
    assert figures["eleves_reperes_pour_1000"] > 0


# --- on the demonstration data ------------------------------------------------------------------------


def test_demo_chain_adds_up_and_blind_spots_are_few(demo_engine):
    with demo_engine.connect() as conn:
        rows = rows_by_code(q.chain(conn, FULL, "ACAD", YEAR))
        spots = q.blind_spot_counts(conn, FULL, "ACAD", YEAR)
        cover = q.coverage(conn, FULL, "ACAD", YEAR).by_type.row(-1, named=True)
        totals = q.mlds(conn, FULL, "ACAD", YEAR).totals.row(0, named=True)
    parts = [rows[c] for c in ("16", "17", "79", "86")]
    for column in ("eleves_reperes", "eleves_suivis", "solutions_internes", "effectif_cumule"):
        assert rows["ACAD"][column] == sum(p[column] for p in parts)
    assert 20 < rows["ACAD"]["eleves_reperes_pour_1000"] < 60
    assert 0.95 <= cover["couverture"] < 1.0
    assert 1 <= spots["angles_morts"] <= spots["etablissements_dixieme"] // 2
    assert totals["sites"] == 17 and 450 <= totals["places"] <= 550
