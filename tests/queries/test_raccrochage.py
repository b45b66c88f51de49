"""Raccrochage queries on a small hand-made fixture, on SQLite and PostgreSQL.

Fixture (school year 2014-2015, three periods):

* R16-ANG (PSAD P16-ANG): three periods; target 60.
* R16-NCH (PSAD P16-ANG): two periods (one period late); target 20.
* R16-COG (PSAD P16-COG): one period, tiny counts (disclosure); target 13.
* P16-ANG, P16-COG: no target (sum of their networks': 80, 13). Department 16: 120 (its own,
  not the sum 93). Académie: 500. Department 17: no target anywhere below → None.
* History: R16-ANG complete in 2012-2013 and 2013-2014, R86-POI complete in 2013-2014 only;
  target 400 for the académie in 2013-2014.

Every expected figure below is computed by hand in the comments.
"""

from __future__ import annotations

import polars as pl
import pytest

from dashboard import schoolyear
from dashboard.access.scope import AccessDenied, Scope
from dashboard.store import db
from queries import raccrochage as q
from queries import raccrochage_rules, raccrochage_series, raccrochage_situation, statuses, territoires
from tests.support.raccrochage import YEAR, load_fixture

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

FULL = Scope.full()


@pytest.fixture
def engine(db_engine):
    load_fixture(db_engine)
    return db_engine


def _situation(engine, code, annee=YEAR):
    with engine.connect() as conn:
        return raccrochage_situation.situation(conn, FULL, code, annee)


# --- pure functions -----------------------------------------------------------------------------


def test_period_labels():
    assert raccrochage_rules.period_label("2014-10-31") == "sept.–oct. 2014"
    assert raccrochage_rules.period_label("2015-02-28") == "janv.–févr. 2015"
    assert raccrochage_rules.period_label("2015-01-31") == "déc. 2014–janv. 2015"
    assert raccrochage_rules.slot_label(1) == "sept.–oct." and raccrochage_rules.slot_label(11) == "juil.–août"
    assert schoolyear.month_rank("2014-09-30") == 0 and schoolyear.month_rank("2015-08-31") == 11 and schoolyear.month_rank("2015-02-28") == 5


def test_default_profile_is_a_step_function():
    profile = raccrochage_rules.default_profile()
    assert len(profile) == 12
    assert profile[0] == 0.0 and profile[1] == profile[2] == 0.35 and profile[5] == 0.68 and profile[11] == 1.0
    assert list(profile) == sorted(profile)


def test_seasonal_profile_mean_of_complete_previous_years():

    yearly = pl.DataFrame({
        "annee_scolaire": ["2012-2013"] * 6 + ["2013-2014"] * 6 + ["2014-2015"] * 2 + ["2011-2012"] * 2,
        "rang": [1, 3, 5, 7, 9, 11] * 2 + [1, 3] + [1, 3],
        "raccroches": [10, 10, 10, 5, 5, 10, 20, 10, 5, 5, 5, 5, 99, 99, 50, 50],
    })
    profile = raccrochage_rules.seasonal_profile(yearly, "2014-2015")  # 2014-15 is not previous; 2011-12 is incomplete
    assert profile[1] == pytest.approx(0.3) and profile[2] == pytest.approx(0.3)
    assert profile[5] == pytest.approx(0.65) and profile[9] == pytest.approx(0.85) and profile[11] == pytest.approx(1)
    assert profile[0] == 0
    assert raccrochage_rules.seasonal_profile(yearly, "2012-2013") is None  # only an incomplete year before
    assert raccrochage_rules.seasonal_profile(yearly.clear(), "2014-2015") is None


@pytest.mark.parametrize(
    ("cumul", "objectif", "share", "attendu", "ecart", "statut", "projection", "atteint"),
    [
        (30, 60, 0.65, 39.0, -9 / 39, "en_retard", 30 / 0.65, False),
        (41, 80, 0.5, 40.0, 0.025, "sur_trajectoire", 82.0, True),
        (42, 40, 1.0, 40.0, 0.05, "en_avance", 42.0, True),   # +5 % exactly: ahead
        (38, 40, 1.0, 40.0, -0.05, "en_retard", 38.0, False),  # −5 % exactly: behind
        (10, None, 0.5, None, None, "inconnu", 20.0, None),
        (None, 60, 0.5, 30.0, None, "inconnu", None, None),
        (0, 60, 0.0, 0.0, None, "inconnu", None, None),
    ],
)
def test_evaluate_trajectory(cumul, objectif, share, attendu, ecart, statut, projection, atteint):
    out = raccrochage_rules.evaluate_trajectory(cumul, objectif, share)
    assert out["attendu"] == pytest.approx(attendu) if attendu is not None else out["attendu"] is None
    assert out["ecart"] == pytest.approx(ecart) if ecart is not None else out["ecart"] is None
    assert out["statut"] == statut
    assert out["projection"] == pytest.approx(projection) if projection is not None else out["projection"] is None
    assert out["projection_atteint"] == atteint


def test_status_thresholds_in_one_place():
    assert raccrochage_rules.STATUS_THRESHOLDS == {"en_avance": 0.05, "en_retard": -0.05}
    assert raccrochage_rules.status_from_gap(0.0499) == "sur_trajectoire"
    assert raccrochage_rules.status_from_gap(-0.0499) == "sur_trajectoire"
    assert raccrochage_rules.status_from_gap(None) == "inconnu"


def test_published_row_applies_the_decision_and_masks_derived_figures():
    """The only rule at publication: the decided marks of the row, and « s » on the figures derived
    from a masked count. A row without its decision is refused (no per-table fallback rule)."""
    row = {"code": "R", "jeunes_signales": 90, "jeunes_contactes": 3, "raccroches": 30, "taux_contact": 3 / 90,
           **dict(zip(db.SOLUTION_COLUMNS, [12, 0, 6, 5, 2, 5], strict=True)),
           "masque_complementaire": ["jeunes_contactes", "raccroches_service_civique", "raccroches_mlds=s"]}
    out, marks = raccrochage_rules.published_row(row)
    assert out["jeunes_contactes"] is None and out["taux_contact"] is None and out["jeunes_signales"] == 90
    assert out["raccroches_service_civique"] is None and out["raccroches_mlds"] is None
    assert out["raccroches_structure_innovante"] == 0 and out["raccroches_autres"] == 5
    assert marks == {"jeunes_contactes": "primary", "raccroches_service_civique": "primary",
                     "raccroches_mlds": "secondary", "taux_contact": "secondary"}
    with pytest.raises(raccrochage_rules.UndecidedRow):
        raccrochage_rules.published_row({k: v for k, v in row.items() if k != "masque_complementaire"})
    with pytest.raises(raccrochage_rules.UndecidedRow):
        import polars as pl

        raccrochage_rules.published_periods(pl.DataFrame({"periode_fin": ["2014-10-31"], "raccroches": [3]}))


# --- database figures ---------------------------------------------------------------------------


def test_network_totals(engine):
    s = _situation(engine, "R16-ANG")
    assert s["periode_fin"] == "2015-02-28" and s["rang"] == 5
    assert (s["jeunes_signales"], s["jeunes_contactes"], s["entretiens"], s["solutions_proposees"]) == (90, 70, 55, 45)
    assert [s[c] for c in db.SOLUTION_COLUMNS] == [12, 0, 6, 5, 2, 5]
    assert s["raccroches"] == 30 and s["contrats_foquale"] == 22
    assert s["objectif"] == 60 and s["taux_atteinte"] == pytest.approx(0.5)
    assert s["taux_contact"] == pytest.approx(70 / 90) and s["part_solution"] == pytest.approx(45 / 90)


def test_late_network_stops_at_its_last_period(engine):
    s = _situation(engine, "R16-NCH")
    assert s["periode_fin"] == "2014-12-31"
    assert s["raccroches"] == 11 and s["jeunes_signales"] == 30 and s["contrats_foquale"] == 8


@pytest.mark.parametrize(
    ("code", "signales", "raccroches", "objectif", "periode_fin"),
    [
        ("P16-ANG", 120, 41, 80, "2015-02-28"),   # no own target: 60 + 20
        ("P16-COG", 6, 3, 13, "2014-10-31"),      # no own target: its network's
        ("16", 126, 44, 120, "2015-02-28"),       # own target wins over the children's 93
        ("ACAD", 126, 44, 500, "2015-02-28"),
        ("17", None, None, None, None),           # no data, no target anywhere below
    ],
)
def test_aggregates_and_targets(engine, code, signales, raccroches, objectif, periode_fin):
    s = _situation(engine, code)
    assert s["jeunes_signales"] == signales and s["raccroches"] == raccroches
    assert s["objectif"] == objectif and s["periode_fin"] == periode_fin
    if objectif and raccroches is not None:
        assert s["taux_atteinte"] == pytest.approx(raccroches / objectif)
    else:
        assert s["taux_atteinte"] is None


def test_department_solution_split_and_funnel(engine):
    s = _situation(engine, "16")
    assert [s[c] for c in db.SOLUTION_COLUMNS] == [19, 0, 10, 6, 3, 6]
    assert (s["jeunes_contactes"], s["entretiens"], s["solutions_proposees"], s["contrats_foquale"]) == (97, 76, 63, 32)


@pytest.mark.parametrize(
    ("code", "source", "share", "attendu", "statut", "projection"),
    [
        # own history: R16-ANG 2012-13 (.6 at Feb) and 2013-14 (.7) → .65; 60 × .65 = 39; 30 vs 39
        ("R16-ANG", "territoire", 0.65, 39.0, "en_retard", 30 / 0.65),
        # no own history → académie profile at Dec: (.4 + .4) / 2 = .4; 20 × .4 = 8; 11 vs 8 → +37.5 %
        ("R16-NCH", "academie", 0.40, 8.0, "en_avance", 11 / 0.4),
        # académie at Oct: (.2 + .25) / 2 = .225; 13 × .225 = 2.925; 3 vs 2.925 → +2.6 %
        ("R16-COG", "academie", 0.225, 2.925, "sur_trajectoire", 3 / 0.225),
        # an aggregate counts each network at its own last bilan (R16-NCH is late, at December):
        # share = (60 × .65 + 20 × .40) / 80 = 47 / 80; attendu 47 = 39 + 8; projection 30/.65 + 11/.4
        ("P16-ANG", "mixte", 47 / 80, 47.0, "en_retard", 30 / 0.65 + 11 / 0.4),
        # department target 120 (its own): share = (39 + 8 + 13 × .225) / 93; attendu 120 × share
        ("16", "mixte", 49.925 / 93, 120 * 49.925 / 93, "en_retard", 30 / 0.65 + 11 / 0.4 + 3 / 0.225),
        # académie target 500; only these three networks have a target: the same weighted share
        ("ACAD", "mixte", 49.925 / 93, 500 * 49.925 / 93, "en_retard", 30 / 0.65 + 11 / 0.4 + 3 / 0.225),
    ],
)
def test_trajectory_status_projection(engine, code, source, share, attendu, statut, projection):
    s = _situation(engine, code)
    assert s["profil_source"] == source
    assert s["part_profil"] == pytest.approx(share)
    assert s["attendu"] == pytest.approx(attendu)
    assert s["ecart"] == pytest.approx((s["raccroches"] - attendu) / attendu)
    assert s["statut"] == statut
    assert s["projection"] == pytest.approx(projection)
    assert s["projection_atteint"] is (projection >= s["objectif"])


def test_default_profile_without_history(engine):
    s = _situation(engine, "ACAD", "2012-2013")
    assert s["profil_source"] == "defaut" and s["periode_fin"] == "2013-08-31" and s["part_profil"] == 1.0
    assert s["objectif"] is None and s["statut"] == "inconnu"
    # the July–August bilan closes the year; only R16-ANG reported that year: bilans incomplete
    assert s["phase"] == "close_incomplete" and s["projection"] is None and s["attendu"] is None


def test_same_date_last_year(engine):
    s = _situation(engine, "ACAD")
    # each network at its own date: R16-ANG (February) 20+10+5 in 2013-14; R16-NCH and R16-COG
    # have no 2013-14 bilan; R86-POI sent nothing in 2014-15, so it has no date to compare at
    assert s["periode_fin_n1"] == "2014-02-28"
    assert s["raccroches_n1"] == 35 and s["jeunes_signales_n1"] == 105 and s["jeunes_contactes_n1"] == 70
    assert s["solutions_proposees_n1"] == 70 and s["contrats_foquale_n1"] == 35
    assert s["objectif_n1"] == 400 and s["taux_atteinte_n1"] == pytest.approx(35 / 400)
    assert s["taux_contact_n1"] == pytest.approx(70 / 105)
    nch = _situation(engine, "R16-NCH")
    assert nch["raccroches_n1"] is None and nch["objectif_n1"] is None
    ang = _situation(engine, "R16-ANG")
    assert ang["raccroches_n1"] == 35 and ang["periode_fin_n1"] == "2014-02-28"


def test_sub_territories_behind_first(engine):
    with engine.connect() as conn:
        deps = raccrochage_situation.situations(conn, FULL, "ACAD", YEAR)
        psads = raccrochage_situation.situations(conn, FULL, "16", YEAR)
        nets = raccrochage_situation.situations(conn, FULL, "P16-ANG", YEAR)
        all_nets = raccrochage_situation.situations(conn, FULL, "16", YEAR, niveau="reseau")
        none = raccrochage_situation.situations(conn, FULL, "R16-ANG", YEAR)
    assert deps["code"].to_list() == ["16", "17", "79", "86"]
    assert deps["statut"].to_list() == ["en_retard", "inconnu", "inconnu", "inconnu"]
    assert psads["code"].to_list() == ["P16-ANG", "P16-COG"]
    assert psads["statut"].to_list() == ["en_retard", "sur_trajectoire"]
    assert nets["code"].to_list() == ["R16-ANG", "R16-NCH"]
    assert nets["statut"].to_list() == ["en_retard", "en_avance"]
    assert all_nets["code"].to_list() == ["R16-ANG", "R16-COG", "R16-NCH"]
    assert none.is_empty()


def test_period_series_and_history(engine):
    with engine.connect() as conn:
        periods = raccrochage_series.period_series(conn, FULL, "P16-ANG", YEAR)
        history = raccrochage_series.yearly_cumulative(conn, FULL, "P16-ANG", YEAR)
        trajectory = raccrochage_series.target_trajectory(conn, FULL, "P16-ANG", YEAR)
    assert periods["periode_fin"].to_list() == ["2014-10-31", "2014-12-31", "2015-02-28"]
    assert periods["libelle"].to_list() == ["sept.–oct. 2014", "nov.–déc. 2014", "janv.–févr. 2015"]
    assert periods["nb_reseaux"].to_list() == [2, 2, 1]
    assert periods["raccroches"].to_list() == [21, 13, 7]
    assert periods["raccroches_cumul"].to_list() == [21, 34, 41]
    assert periods["jeunes_signales"].to_list() == [60, 40, 20]
    # the trajectory of the PSAD: its networks' profiles weighted by their targets, at each slot:
    # R16-ANG (own: .3 .5 .65 .75 .85 1) × 60 + R16-NCH (académie: .225 .4 .55 .65 .725 1) × 20
    assert periods["attendu"].to_list() == pytest.approx([22.5, 38.0, 50.0])
    by_year = {y: g["raccroches_cumul"].to_list() for (y,), g in history.group_by("annee_scolaire")}
    assert by_year == {"2012-2013": [10, 20, 30, 35, 40, 50], "2013-2014": [20, 30, 35, 40, 45, 50],
                       "2014-2015": [21, 34, 41]}
    assert trajectory["rang"].to_list() == [1, 3, 5, 7, 9, 11]
    assert trajectory["attendu"].to_list() == pytest.approx([22.5, 38, 50, 58, 65.5, 80])
    assert trajectory["libelle"][0] == "sept.–oct."


def test_detail_bundle_matches_functions(engine):
    with engine.connect() as conn:
        d = q.detail(conn, FULL, "16", YEAR)
        assert d.situation == raccrochage_situation.situation(conn, FULL, "16", YEAR)
        assert d.periodes.equals(raccrochage_series.period_series(conn, FULL, "16", YEAR))
        assert d.sous_territoires.equals(raccrochage_situation.situations(conn, FULL, "16", YEAR))
        assert d.reseaux.equals(raccrochage_situation.situations(conn, FULL, "16", YEAR, niveau="reseau"))


def test_disclosure_of_network_and_psad_rows(engine):
    """Every row of every level goes through the year's decision: no count under the threshold is
    shown, a small count is marked « < 5 » (primary), a count masked to protect it « s »."""
    from dashboard.disclosure import marks as disclosure_marks

    with engine.connect() as conn:
        frames = [raccrochage_situation.situations(conn, FULL, "16", YEAR, niveau="reseau"), raccrochage_situation.situations(conn, FULL, "16", YEAR),
                  raccrochage_situation.situations(conn, FULL, "ACAD", YEAR)]
    for frame in frames:
        for row in raccrochage_rules.published_frame(frame).iter_rows(named=True):
            marks = disclosure_marks.decode_marks(row["cellules_masquees"])
            for key in raccrochage_rules.DISCLOSED_COUNTS:
                value = row.get(key)
                assert value is None or not 0 < value < 5, (row["code"], key, value)
                if key in marks and marks[key] == disclosure_marks.PRIMARY:
                    raw = frame.filter(frame["code"] == row["code"])[key][0]
                    assert raw is not None and 0 < raw < 5, (row["code"], key, raw)
    cog = raccrochage_rules.published_frame(frames[0]).filter(frames[0]["code"] == "R16-COG").row(0, named=True)
    assert cog["jeunes_signales"] == 6 and cog["raccroches"] is None and cog["taux_atteinte"] is None
    assert cog["projection"] is None and "raccroches" in cog["cellules_masquees"]
    # a row of the same fixture with disclosure off is unchanged
    import os

    os.environ["DASHBOARD_DISCLOSURE_THRESHOLD"] = "1"
    try:
        with engine.connect() as conn:
            nets = raccrochage_situation.situations(conn, FULL, "16", YEAR, niveau="reseau")
        assert raccrochage_rules.published_frame(nets)["cellules_masquees"].to_list() == ["", "", ""]
    finally:
        del os.environ["DASHBOARD_DISCLOSURE_THRESHOLD"]

def test_no_masked_count_can_be_recomputed_along_the_tree(engine):
    """Complementary suppression: under a shown parent no count is masked for exactly one child,
    a masked parent has a masked child, and a row never has exactly one masked solution type
    next to its shown raccrochés."""
    with engine.connect() as conn:
        index = territoires.territory_index(conn, YEAR)
        rows = {t.code: raccrochage_rules.published_row(raccrochage_situation.situation(conn, FULL, t.code, YEAR))[0] for t in index.values()}
    for parent in index.values():
        kids = [t.code for t in index.values() if t.parent_code == parent.code]
        if not kids:
            continue
        for key in raccrochage_rules.COUNT_COLUMNS:
            hidden = [k for k in kids if rows[k][key] is None]
            if rows[parent.code][key] is not None:
                assert len(hidden) != 1 or len(kids) == 1, (parent.code, key, hidden)
            else:
                assert hidden, (parent.code, key)
    for code, row in rows.items():
        hidden = [c for c in db.SOLUTION_COLUMNS if row[c] is None]
        assert not (len(hidden) == 1 and row["raccroches"] is not None), (code, hidden)


def test_scope_is_checked(engine):
    scope = Scope("reseau", "R86-POI", "r86")
    with engine.connect() as conn:
        with pytest.raises(AccessDenied):
            raccrochage_situation.situation(conn, scope, "R16-ANG", YEAR)
        with pytest.raises(AccessDenied):
            q.detail(conn, scope, "16", YEAR)
        # a network head sees their PSAD's aggregate but not its other network
        assert raccrochage_situation.situations(conn, scope, "P86-POI", YEAR).is_empty()
        assert raccrochage_situation.situation(conn, scope, "R86-POI", YEAR)["code"] == "R86-POI"


# --- demonstration data (both backends) ---------------------------------------------------------------


@pytest.mark.parametrize("annee", ["2014-2015", "2016-2017"])
def test_demo_aggregates_are_sums_of_networks(demo_engine, annee):
    with demo_engine.connect() as conn:
        acad = raccrochage_situation.situation(conn, FULL, "ACAD", annee)
        nets = raccrochage_situation.situations(conn, FULL, "ACAD", annee, niveau="reseau")
        deps = raccrochage_situation.situations(conn, FULL, "ACAD", annee)
        psad = raccrochage_situation.situation(conn, FULL, "P86-POI", annee)
        explicit = raccrochage_rules.explicit_targets(conn, annee)
    assert nets.height == 14 and deps.height == 4
    for column in raccrochage_rules.COUNT_COLUMNS:
        assert acad[column] == nets[column].sum() == deps[column].sum(), column
    if "P86-POI" not in explicit:
        assert psad["objectif"] == sum(explicit.get(r, 0) for r in ("R86-POI", "R86-SVI"))
    assert acad["objectif"] == explicit.get("ACAD", acad["objectif"])
    assert acad["statut"] in statuses.STATUS_ORDER and acad["profil_source"] == "territoire"


def test_demo_calibration_and_freshness(demo_engine):
    with demo_engine.connect() as conn:
        s = raccrochage_situation.situation(conn, FULL, "ACAD", "2014-2015")
        current = raccrochage_situation.situation(conn, FULL, "ACAD", "2016-2017")
        late = raccrochage_situation.situations(conn, FULL, "ACAD", "2016-2017", niveau="reseau").filter(
            pl.col("periode_fin") < current["periode_fin"])
    assert 5400 <= s["jeunes_signales"] <= 6000  # docs/architecture.md, "Domain facts": about 5 700 in 2014-2015
    assert s["periode_fin"] == "2015-08-31"
    assert current["periode_fin"] == "2017-04-30" and late.height == 2
