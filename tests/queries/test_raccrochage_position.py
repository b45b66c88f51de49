"""The position of a territory in the school year (``queries.raccrochage_position``): phases with
late networks, a closed year and a year closed with a missing bilan; aggregates that add up their
networks at their own dates; one rule linking the status and the projection; the sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from dashboard.access.scope import Scope
from dashboard.publish import narrative
from dashboard.store import db
from queries import raccrochage_position as position
from queries import raccrochage_situation
from queries.raccrochage_position import NetworkPoint

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

FULL = Scope.full()
ZERO = dict.fromkeys(db.BILAN_COUNT_COLUMNS, 0)


def _bilan(reseau: str, annee: str, periode_fin: str, raccroches: int) -> dict:
    return {"reseau_code": reseau, "annee_scolaire": annee, "periode_fin": periode_fin,
            **ZERO, "jeunes_signales": 3 * raccroches, "raccroches_formation_initiale": raccroches}


ENDS = {"2015-2016": ["2015-10-31", "2015-12-31", "2016-02-29", "2016-04-30", "2016-06-30", "2016-08-31"],
        "2016-2017": ["2016-10-31", "2016-12-31", "2017-02-28", "2017-04-30"]}


@pytest.fixture
def engine(db_engine):
    """Charente, two school years: 2015-2016 closed, but R16-COG's last bilan (July–August) is
    missing; 2016-2017 open at April, R16-NCH late (stopped in February)."""
    rows = []
    for reseau, per_period in (("R16-ANG", 20), ("R16-NCH", 10), ("R16-COG", 8)):
        ends = ENDS["2015-2016"] if reseau != "R16-COG" else ENDS["2015-2016"][:5]
        rows += [_bilan(reseau, "2015-2016", end, per_period) for end in ends]
        ends = ENDS["2016-2017"] if reseau != "R16-NCH" else ENDS["2016-2017"][:3]
        rows += [_bilan(reseau, "2016-2017", end, per_period) for end in ends]
    targets = [{"annee_scolaire": a, "territoire_code": c, "indicateur": "raccroches", "objectif": v}
               for a in ("2015-2016", "2016-2017") for c, v in (("R16-ANG", 110), ("R16-NCH", 70), ("R16-COG", 40))]
    with db_engine.begin() as conn:
        conn.execute(insert(db.bilans), rows)
        conn.execute(insert(db.objectifs), targets)
    return db_engine


def _situation(engine, code, annee):
    with engine.connect() as conn:
        return raccrochage_situation.situation(conn, FULL, code, annee)


def test_phases(engine):
    assert _situation(engine, "R16-ANG", "2016-2017")["phase"] == position.OPEN
    assert _situation(engine, "R16-NCH", "2016-2017")["phase"] == position.PROVISIONAL
    assert _situation(engine, "16", "2016-2017")["phase"] == position.PROVISIONAL
    assert _situation(engine, "R16-ANG", "2015-2016")["phase"] == position.CLOSED
    assert _situation(engine, "R16-COG", "2015-2016")["phase"] == position.CLOSED_INCOMPLETE
    assert _situation(engine, "16", "2015-2016")["phase"] == position.CLOSED_INCOMPLETE
    late = _situation(engine, "16", "2016-2017")
    assert "R16-NCH" in late["reseaux_en_retard"] and "R16-ANG" not in late["reseaux_en_retard"]
    assert late["periode_attendue"] == "2017-04-30"


def test_closed_year_has_no_trajectory_only_reached_or_not(engine):
    ang = _situation(engine, "R16-ANG", "2015-2016")  # 6 × 20 = 120 ≥ 110
    assert (ang["raccroches"], ang["statut"], ang["ecart_objectif"]) == (120, "atteint", 10)
    assert ang["attendu"] is None and ang["projection"] is None and ang["ecart"] is None
    cog = _situation(engine, "R16-COG", "2015-2016")  # 5 × 8 = 40 ≥ 40, last bilan missing
    assert cog["statut"] == "atteint" and cog["ecart_objectif"] == 0
    dep = _situation(engine, "16", "2015-2016")  # 120 + 60 + 40 = 220 ≥ 220
    assert (dep["raccroches"], dep["objectif"], dep["statut"]) == (220, 220, "atteint")


def test_late_network_is_counted_at_its_own_date(engine):
    """Charente in April: R16-NCH stopped in February; its expected level is taken in February."""
    with engine.connect() as conn:
        nets = {r["code"]: r for r in raccrochage_situation.situations(conn, FULL, "16", "2016-2017", niveau="reseau")
                .iter_rows(named=True)}
        dep = raccrochage_situation.situation(conn, FULL, "16", "2016-2017")
    assert nets["R16-NCH"]["periode_fin"] == "2017-02-28" and nets["R16-ANG"]["periode_fin"] == "2017-04-30"
    assert dep["raccroches"] == sum(n["raccroches"] for n in nets.values())
    assert dep["attendu"] == pytest.approx(sum(n["attendu"] for n in nets.values()))
    assert dep["projection"] == pytest.approx(sum(n["projection"] for n in nets.values()))
    assert dep["raccroches_n1"] == sum(n["raccroches_n1"] for n in nets.values())


def test_headline_rule_links_status_and_projection():
    assert position.status(0.08, 120.0, 100) == "en_avance"
    assert position.status(0.08, 95.0, 100) == "sur_trajectoire"  # ahead of the trajectory, short of the target
    assert position.status(-0.08, 90.0, 100) == "en_retard"
    assert position.status(-0.08, 101.0, 100) == "sur_trajectoire"
    assert position.status(0.01, 90.0, 100) == "sur_trajectoire"
    assert position.status(None, 90.0, 100) == "inconnu"


points = st.lists(
    st.builds(NetworkPoint, code=st.just("r"),
              raccroches=st.one_of(st.none(), st.integers(0, 400)),
              share=st.floats(0.05, 1.0),
              objectif=st.integers(1, 500)),
    min_size=1, max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(points)
def test_an_aggregate_is_the_sum_of_its_networks_at_their_own_dates(networks):
    networks = [p if p.raccroches is not None else NetworkPoint(p.code, None, None, p.objectif) for p in networks]
    target = sum(p.objectif for p in networks)
    out = position.evaluate(networks, target, closed=False)
    reported = [p for p in networks if p.raccroches is not None]
    if not reported:
        assert out["attendu"] is None and out["statut"] == "inconnu"
        return
    assert out["attendu"] == pytest.approx(sum(p.attendu for p in networks))
    assert out["projection"] == pytest.approx(sum(p.projection for p in reported))
    # the headline never contradicts itself
    if out["statut"] == "en_avance":
        assert out["projection"] >= target and out["ecart"] >= 0.05
    if out["statut"] == "en_retard":
        assert out["projection"] < target and out["ecart"] <= -0.05


@settings(max_examples=100, deadline=None)
@given(points, st.integers(1, 2000))
def test_an_own_target_scales_the_expected_level(networks, own_target):
    networks = [p for p in networks if p.raccroches is not None] or [NetworkPoint("r", 1, 0.5, 10)]
    out = position.evaluate(networks, own_target, closed=False)
    weights = sum(p.objectif for p in networks)
    assert out["attendu"] == pytest.approx(own_target * sum(p.attendu for p in networks) / weights)


def test_sentences_follow_the_phase_and_agree_in_french():
    base = {"code": "79", "nom": "Deux-Sèvres", "niveau": "departement", "periode_fin": "2017-04-30",
            "raccroches": 486, "objectif": 576, "taux_atteinte": 486 / 576, "attendu": 448.0, "ecart": 0.084,
            "projection": 624.0, "statut": "en_avance", "phase": position.OPEN, "ecart_objectif": -90}
    text = narrative.plain(narrative.headline(base, base, {}))
    assert "Les Deux-Sèvres sont en avance sur leur trajectoire" in text and "l'objectif serait atteint" in text
    near = dict(base, statut="sur_trajectoire", ecart=-0.02, projection=560.0)
    text = narrative.plain(narrative.headline(near, near, {}))
    assert "proche de l'objectif" in text and "ne serait pas atteint" not in text
    closed = dict(base, phase=position.CLOSED, statut="non_atteint", attendu=None, projection=None, ecart=None)
    text = narrative.plain(narrative.headline(closed, closed, {}))
    assert text.startswith("L'année scolaire est close") and "objectif non atteint (−90)" in text
    assert "rythme" not in text and "attendu" not in text
    charente = dict(base, code="16", nom="Charente", statut="en_retard", ecart=-0.11, projection=436.0)
    assert "La Charente est en retard sur sa trajectoire" in narrative.plain(narrative.headline(charente, charente, {}))


def test_late_note_names_the_networks_and_their_dates():
    s = {"phase": position.PROVISIONAL, "periode_attendue": "2017-04-30"}
    note = narrative.late_networks_note(s, [("Angoulême", "2017-02-28"), ("Royan", "2017-02-28")])
    assert note.startswith("Chiffres provisoires : 2 réseaux")
    assert "Angoulême et Royan : dernier bilan au 28 février 2017" in note
    assert narrative.late_networks_note({"phase": position.OPEN}, [("x", None)]) is None
