"""Absenteeism queries on a small hand-computed fixture (SQLite and PostgreSQL).

Territory "16" has collèges, one LP and one LPO but no LGT (the only LGT is in Poitiers, 86);
no school of "16" has data for November 2014 (the LGT has): both are missing, not zero.
"""

import math

import pytest
from sqlalchemy import insert

from dashboard import schoolyear
from dashboard.access.scope import AccessDenied, Scope
from dashboard.store import db
from queries import absenteisme as q
from queries import absenteisme_etablissements as qe
from tests.support.absenteisme import load_fixture

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR, PREV = "2014-2015", "2013-2014"
FULL = Scope.full()

@pytest.fixture
def engine(db_engine):
    load_fixture(db_engine)
    return db_engine


def published(value: float):
    """A rate as published: at its declared precision (0,1 %: a fraction to 3 decimals)."""
    return pytest.approx(round(value, 3), abs=1e-12)


@pytest.fixture(autouse=True)
def arithmetic_only(request, monkeypatch):
    """These tests check the arithmetic (ratios of sums, comparable months, membership) and the
    primary rule on a hand fixture; the year's complementary masks (``absenteisme_suppression``) are
    checked by ``test_complementary_masks_of_the_hand_fixture`` and tests/publish/test_absenteisme_secret.py."""
    if "complementary" not in request.node.name:
        from queries import absenteisme_suppression

        monkeypatch.setattr(absenteisme_suppression, "marks", lambda conn, annee: {})


def cell(frame, **filters):
    for key, value in filters.items():
        frame = frame.filter(frame[key] == value)
    assert frame.height <= 1, frame
    return frame.row(0, named=True) if frame.height else None


def test_monthly_rate_is_ratio_of_sums(engine):
    with engine.connect() as conn:
        monthly = q.monthly_rates(conn, FULL, "16", YEAR)
    sept = cell(monthly, groupe="COLLEGE", annee_scolaire=YEAR, mois="2014-09")
    assert sept["taux"] == published(43 / 1140)
    assert sept["taux"] != pytest.approx((10 / 100 + 30 / 1000 + 3 / 40) / 3)  # not a mean of rates
    assert (sept["effectif"], sept["absenteistes"], sept["rang"]) == (1140, 43, 0)
    assert cell(monthly, groupe="COLLEGE", annee_scolaire=YEAR, mois="2015-01")["taux"] == published(54 / 1140)
    assert cell(monthly, groupe="LP", annee_scolaire=YEAR, mois="2014-10")["taux"] == published(0.3)
    assert cell(monthly, groupe="COLLEGE", annee_scolaire=PREV, mois="2013-11")["taux"] == published(0.09)


def test_missing_month_and_absent_type_have_no_row(engine):
    with engine.connect() as conn:
        dep = q.monthly_rates(conn, FULL, "16", YEAR)
        acad = q.monthly_rates(conn, FULL, "ACAD", YEAR)
        yearly = q.yearly_rates(conn, FULL, "16", YEAR)
    current = dep.filter(dep["annee_scolaire"] == YEAR)
    assert "2014-11" not in set(current["mois"])  # gap, not zero
    assert "LGT" not in set(dep["groupe"]) and "LGT" not in set(yearly["groupe"])
    assert cell(acad, groupe="LGT", mois="2014-11")["taux"] == published(0.05)
    assert cell(acad, groupe="COLLEGE", mois="2014-11") is None
    lpo = current.filter(current["groupe"] == "LPO")
    assert lpo["mois"].to_list() == ["2014-09", "2014-10"] and lpo["taux"].to_list() == [0.0, 0.0]


def test_yearly_rates_and_change_on_comparable_months(engine):
    with engine.connect() as conn:
        yearly = q.yearly_rates(conn, FULL, "16", YEAR)
        overall = q.yearly_rates(conn, FULL, "16", YEAR, by="")
    college = cell(yearly, groupe="COLLEGE")
    assert college["taux"] == published(170 / 3420)
    assert college["taux_precedent"] == published(103 / 3300)  # Nov 2013 left out: no Nov 2014
    assert college["evolution"] == published(round(170 / 3420, 3) - round(103 / 3300, 3))  # of the published rates
    assert college["nb_mois"] == 3 and college["effectif_moyen"] == 1140
    lp = cell(yearly, groupe="LP")
    assert (lp["taux"], lp["taux_precedent"]) == (published(0.25), published(110 / 600))
    assert cell(yearly, groupe="LPO")["taux_precedent"] is None
    assert cell(overall, groupe="ENSEMBLE")["taux"] == published(320 / 4120)


def test_sector_and_priority_education(engine):
    with engine.connect() as conn:
        sector = q.yearly_rates(conn, FULL, "16", YEAR, by="secteur", types=("COLLEGE",))
        ep = q.monthly_rates(conn, FULL, "16", YEAR, by="ep")
    assert cell(sector, groupe="PRIVE")["taux"] == published(120 / 3000)
    assert cell(sector, groupe="PUBLIC")["taux"] == published((42 + 8) / (300 + 120))
    assert cell(ep, groupe="REP", mois="2014-09")["taux"] == published(0.1)
    assert cell(ep, groupe="HORS_EP", mois="2014-09")["taux"] == published(70 / 1250)
    rep_plus = cell(ep, groupe="REP+", mois="2014-09")  # 3 absentees: masked
    assert rep_plus["masque"] and rep_plus["taux"] is None


def test_network_membership_explicit_or_through_commune(engine):
    with engine.connect() as conn:
        ang = q.yearly_rates(conn, FULL, "R16-ANG", YEAR)
        nch = q.yearly_rates(conn, FULL, "R16-NCH", YEAR)
    assert set(ang["groupe"]) == {"COLLEGE"}  # LP C sits in Angoulême but belongs to R16-NCH
    assert cell(ang, groupe="COLLEGE")["taux"] == published(42 / 300)
    assert set(nch["groupe"]) == {"COLLEGE", "LP"}
    small = cell(nch, groupe="COLLEGE")  # only Collège D: 8 absentees over 3 months
    assert small["masque"] and small["taux"] is None and small["evolution"] is None


def test_breakdown_of_the_selected_year_applies(engine):
    with engine.begin() as conn:
        conn.execute(insert(db.territoires).values(
            annee_debut=2014, commune_insee="16102", reseau_code="R16-ANG", reseau_nom="Angoulême",
            psad_code="P16-ANG", psad_nom="Angoulême", departement_code="16"))
    with engine.connect() as conn:
        now = q.yearly_rates(conn, FULL, "R16-ANG", YEAR)
        before = q.yearly_rates(conn, FULL, "R16-ANG", PREV)
    assert cell(now, groupe="COLLEGE")["taux"] == published((42 + 120) / 3300)
    assert cell(before, groupe="COLLEGE")["taux"] == published(32 / 400)  # Collège B not yet in R16-ANG


def test_schools_table_and_disclosure(engine):
    with engine.connect() as conn:
        table = qe.schools(conn, FULL, "16", YEAR)
    assert set(table["uai"]) == {"0160001A", "0160002B", "0160003C", "0160004D", "0160005F"}
    a = cell(table, uai="0160001A")
    assert (a["taux"], a["taux_precedent"], a["evolution"]) == (
        published(42 / 300), published(23 / 300), published(19 / 300))
    assert (a["reseau"], a["commune"], a["effectif_moyen"], a["absenteistes_moyen"]) == ("R16-ANG", "Angoulême", 100, 14)
    d = cell(table, uai="0160004D")  # 3, 3, 2 absentees: masked, and so is anything derived
    assert d["masque"] and d["taux"] is None and d["absenteistes_moyen"] is None and d["evolution"] is None
    assert d["effectif_moyen"] == 40  # the enrolment itself is not small
    f = cell(table, uai="0160005F")  # zero absentees is not disclosive
    assert not f["masque"] and f["taux"] == 0.0 and f["absenteistes_moyen"] == 0
    assert table.filter(table["masque"]).height == 1  # masks what it should and no more


def test_threshold_comes_from_disclosure(engine, monkeypatch):
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "15")
    with engine.connect() as conn:
        table = qe.schools(conn, FULL, "16", YEAR)
    assert set(table.filter(table["masque"])["uai"]) == {"0160001A", "0160004D"}  # 14/month < 15


def test_children_rates(engine):
    with engine.connect() as conn:
        subs = q.children_rates(conn, FULL, "16", YEAR)
        none = q.children_rates(conn, FULL, "R16-ANG", YEAR)
    assert none.is_empty()
    assert subs["territoire_code"].unique(maintain_order=True).to_list() == ["P16-ANG", "P16-COG"]
    assert cell(subs, territoire_code="P16-ANG", groupe="COLLEGE")["taux"] == published(50 / 420)
    assert cell(subs, territoire_code="P16-ANG", groupe="ENSEMBLE")["taux"] == published(200 / 1020)
    assert cell(subs, territoire_code="P16-COG", groupe="LPO")["taux"] == 0.0
    assert cell(subs, territoire_code="P16-COG", groupe="LP") is None


def test_concentration_and_distribution(engine, monkeypatch):
    monkeypatch.setattr(qe, "MIN_SCHOOLS_CONCENTRATION", 3)
    monkeypatch.setattr(qe, "MIN_SCHOOLS_DISTRIBUTION", 3)
    with engine.connect() as conn:
        conc = qe.concentration(conn, FULL, "16", YEAR)
        dist = qe.distribution(conn, FULL, "16", YEAR)
        view = qe.school_view(conn, FULL, "16", YEAR)
    overall = cell(conc, groupe="ENSEMBLE")
    assert (overall["etablissements"], overall["etablissements_dixieme"]) == (5, 1)
    assert overall["part"] == published(150 / 320)  # LP C, the worst rate, holds 150 of 320
    assert cell(conc, groupe="LP")["part"] is None  # one LP: too few schools
    college = cell(dist, type="COLLEGE")  # quantiles over every school (an aggregate), masked included
    assert (college["etablissements"], college["non_diffuses"]) == (3, 1)
    assert college["q50"] == published(8 / 120)
    assert college["q25"] == published((120 / 3000 + 8 / 120) / 2)
    assert cell(dist, type="LP")["q50"] is None  # too few schools
    assert view.concentration.equals(conc) and view.distribution.equals(dist)


def test_scope(engine):
    network = Scope("reseau", "R16-NCH", "r")
    with engine.connect() as conn:
        assert q.detail_allowed(conn, network, "R16-NCH", YEAR)
        assert not q.detail_allowed(conn, network, "16", YEAR)
        assert qe.schools(conn, network, "R16-NCH", YEAR)["uai"].to_list() == ["0160004D", "0160003C"]
        assert q.children_rates(conn, network, "16", YEAR).is_empty()
        assert q.yearly_rates(conn, network, "ACAD", YEAR).height == 4  # académie aggregates stay visible
        with pytest.raises(AccessDenied):
            qe.schools(conn, network, "16", YEAR)
        with pytest.raises(AccessDenied):
            q.monthly_rates(conn, network, "R16-ANG", YEAR)
        with pytest.raises(AccessDenied):
            qe.concentration(conn, Scope("lecteur", "ACAD", "l"), "ACAD", YEAR)


def test_figures_contribution(engine):
    with engine.connect() as conn:
        figures = q.figures_contribution(conn, FULL, "16", YEAR)
        empty = q.figures_contribution(conn, FULL, "79", YEAR)
    par_type = figures["absenteisme_par_type"]
    assert list(par_type) == ["COLLEGE", "LGT", "LP", "LPO", "EREA"]
    assert par_type["COLLEGE"] == published(170 / 3420) and par_type["LP"] == published(0.25)
    assert par_type["LPO"] == 0.0 and par_type["LGT"] is None and par_type["EREA"] is None
    assert figures["absenteisme_global"] == published(320 / 4120)
    assert figures["masque"] == []
    assert empty == {"absenteisme_par_type": dict.fromkeys(q.MAIN_TYPES), "absenteisme_global": None, "masque": []}


def test_school_year_months():
    assert schoolyear.months(YEAR)[:2] == ["2014-09", "2014-10"]
    assert schoolyear.months(YEAR)[-1] == "2015-06" and len(schoolyear.months(YEAR)) == 10
    assert [schoolyear.month_rank(m) for m in ("2014-09", "2014-12", "2015-01", "2015-06")] == [0, 3, 4, 9]
    assert not math.isnan(schoolyear.month_rank("2015-08"))


def test_complementary_masks_of_the_hand_fixture(engine):
    """Collège D (2 to 3 absentees a month) is masked « < 5 »; so that the collèges of Charente
    cannot give it back by subtraction, another collège is masked « s »."""
    with engine.connect() as conn:
        table = qe.schools(conn, FULL, "16", YEAR)
    colleges = table.filter(table["type"] == "COLLEGE")
    assert cell(colleges, uai="0160004D")["marque"] == "primary"
    assert "secondary" in colleges["marque"].to_list()
