"""Issue 23, item 2: absenteeism protected like raccrochage. A careful reader takes what the
dashboard publishes about absenteeism — each territory's rate and mean enrolment per school type
(Absentéisme page, « Territoires » workbook), the school list (« Établissements » workbook) — and
subtracts the shown schools of a group from the group: the issue's two attacks, the exact one
(full-precision rates × enrolment × months) and the rounded one (every published figure taken as
the interval its rounding leaves). No masked school may come out to within an interval narrower
than the threshold."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select

from dashboard.access.scope import Scope
from dashboard.disclosure import rule
from dashboard.store import db
from queries import absenteisme as aq
from queries import absenteisme_etablissements as ae
from queries import territoires as tq

FULL = Scope("academie", "ACAD", "test")
RATE_HALF_STEP = 0.0005  # a rate published at 0,1 % (fraction to 3 decimals)


def _published_interval(rate: float | None, enrolment: int | None, months: int, count: int | None = None,
                        exact: bool = False) -> tuple[float, float] | None:
    """Absent pupil-months a reader can deduce from a published rate, mean enrolment and months (and
    a school's mean monthly absentees); None when the rate is not published."""
    if rate is None or enrolment is None:
        return None
    half = 0.0 if exact else RATE_HALF_STEP
    spread = 0.0 if exact else 0.5
    low, high = (rate - half) * (enrolment - spread) * months, (rate + half) * (enrolment + spread) * months
    if count is not None and not exact:
        low, high = max(low, (count - 0.5) * months), min(high, (count + 0.5) * months)
    return low, high


def _truth(conn, annee: str) -> dict[str, float]:
    a = db.absenteisme
    rows = conn.execute(select(a.c.uai, func.sum(a.c.eleves_absenteistes), func.count())
                        .where(a.c.annee_scolaire == annee).group_by(a.c.uai)).all()
    return {uai: absent / months for uai, absent, months in rows}


def attack(conn, annee: str, exact: bool = False) -> list[str]:
    """Every masked school whose mean monthly absentees the subtraction pins to less than the
    threshold (a school with no absentee at all is no disclosure)."""
    limit = rule.threshold()
    index = tq.territory_index(conn, annee)
    truth = _truth(conn, annee)
    found = []
    for territory in index.values():
        try:
            schools = ae.schools(conn, FULL, territory.code, annee)
        except Exception:  # a territory without schools
            continue
        if schools.is_empty():
            continue
        groups = aq.yearly_rates(conn, FULL, territory.code, annee, "type").vstack(
            aq.yearly_rates(conn, FULL, territory.code, annee, ""))
        members: dict[str, list[dict]] = defaultdict(list)
        for row in schools.iter_rows(named=True):
            members[row["type"]].append(row)
            members[aq.ALL].append(row)
        for group in groups.iter_rows(named=True):
            inside = members.get(group["groupe"], [])
            hidden = [s for s in inside if s["masque"]]
            if not hidden or group["taux"] is None:
                continue
            whole = _published_interval(group["taux"], group["effectif_moyen"], group["nb_mois"], exact=exact)
            shown = [_published_interval(s["taux"], s["effectif_moyen"], s["nb_mois"], s["absenteistes_moyen"],
                                         exact) for s in inside if not s["masque"]]
            if whole is None or any(s is None for s in shown):
                continue
            high = whole[1] - sum(s[0] for s in shown)
            low = whole[0] - sum(s[1] for s in shown)
            for school in hidden:
                months, true = school["nb_mois"], truth.get(school["uai"], 0)
                if true == 0:
                    continue
                hi = high / months
                if exact:  # the point the subtraction gives: the true value recovered?
                    if len(hidden) == 1 and abs(hi - true) < 0.01:
                        found.append(f"{annee} {territory.code} {group['groupe']} {school['uai']} {school['nom']}: "
                                     f"{hi:.3f} (vrai {true:.3f})")
                    continue
                # alone: pinned between low and high; with others: between 0 and high
                lo = max(0.0, low) / months if len(hidden) == 1 else 0.0
                assert lo - 1e-9 <= true <= hi + 1e-9, (school["uai"], lo, hi, true)  # what a reader knows holds
                if hi - lo < limit - 1e-9:
                    found.append(f"{annee} {territory.code} {group['groupe']} {school['uai']} "
                                 f"{school['nom']}: {lo:.2f}–{hi:.2f} (vrai {true:.3f})")
    return found


@pytest.fixture(scope="module")
def conn(demo_engine):
    with demo_engine.connect() as connection:
        yield connection


def _absence_years(conn) -> list[str]:
    return sorted(conn.execute(select(db.absenteisme.c.annee_scolaire).distinct()).scalars())


def test_published_rates_are_rounded_to_their_declared_precision(conn):
    annee = _absence_years(conn)[-1]
    rates = [r for r in aq.yearly_rates(conn, FULL, "ACAD", annee, "type")["taux"].to_list() if r is not None]
    rates += [r for r in ae.schools(conn, FULL, "16", annee)["taux"].to_list() if r is not None]
    rates += [r for r in aq.monthly_rates(conn, FULL, "16", annee, "")["taux"].to_list() if r is not None]
    assert rates and all(r == round(r, 3) for r in rates)


def test_the_exact_subtraction_recovers_no_masked_school(conn):
    """The issue's first attack: rate × mean enrolment × months of a group minus its shown schools."""
    leaks = [leak for annee in _absence_years(conn) for leak in attack(conn, annee, exact=True)]
    assert leaks == [], leaks[:10]


def test_the_rounded_interval_recovers_no_masked_school(conn):
    """The issue's second attack: from the rounded published figures, the interval a masked school is
    left (Niort's EREA minus the EREA of Niort pinned « EREA n° 3 Saint-Maixent » to 3,76–4,04)."""
    leaks = [leak for annee in _absence_years(conn) for leak in attack(conn, annee)]
    assert leaks == [], leaks[:10]


def test_a_school_masked_to_protect_another_is_marked_s(conn):
    annee = _absence_years(conn)[-1]
    schools = ae.schools(conn, FULL, "ACAD", annee)
    marks = set(schools.filter(schools["masque"])["marque"].to_list())
    assert {"primary", "secondary"} <= marks
