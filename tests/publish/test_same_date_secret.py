"""Issue 23, item 3: the « même date l'an dernier » series is part of the audit. The issue's attack:
the académie's 2015-2016 deck shows the flows by type of solution up to April (structure innovante
107, service civique 173), the 2016-2017 deck's « 2015-2016 (même date) » shows 106 and 172 (each
network stops at its own last bilan): the difference, 1 young person of Angoulême and Royan in
March–April 2016, is a small count given away. Replayed here from what the pages publish, for every
territory and school year."""

from __future__ import annotations

import pytest

from dashboard import schoolyear
from dashboard.access.scope import Scope
from dashboard.disclosure import rule
from queries import raccrochage as rq
from queries import territoires as tq

FULL = Scope("academie", "ACAD", "test")


def _published_up_to(periods, column: str, last: str) -> int | None:
    """The previous year's own files: ``column`` summed over its published periods up to ``last``
    (None when one of them is masked or not published per period)."""
    rows = periods.filter(periods["periode_fin"] <= last)
    if rows.is_empty() or column not in rows.columns:
        return None
    total = 0
    for value, marks, hidden in rows.select(column, "cellules_masquees", "non_publie").iter_rows():
        if value is None or column in (marks or "") or column in (hidden or ""):
            return None
        total += value
    return total


def attack(conn, annee: str) -> list[str]:
    """Small counts a reader gets by subtracting next year's « même date » values from this year's."""
    before = schoolyear.previous_year(annee)
    limit = rule.threshold()
    found = []
    for territory in tq.territory_index(conn, annee).values():
        now = rq.detail(conn, FULL, territory.code, annee).publie
        last = now.situation.get("periode_fin_n1")
        if last is None:
            continue
        try:
            then = rq.detail(conn, FULL, territory.code, before).publie
        except KeyError:
            continue
        # the previous year's month of ``last`` (its own periods end on the same month)
        last_then = next((p for p in sorted(then.periodes["periode_fin"].to_list())
                          if p[5:7] == last[5:7]), None)
        if last_then is None:
            continue
        same_date = dict(now.solutions_n1 or {})
        same_date["raccroches"] = now.situation.get("raccroches_n1")
        for column, value in same_date.items():
            own = _published_up_to(then.periodes, column, last_then)
            if value is None or own is None:
                continue
            if 0 < own - value < limit:
                found.append(f"{annee} {territory.code} {column}: {own} − {value} = {own - value}")
    return found


@pytest.fixture(scope="module")
def conn(demo_engine):
    with demo_engine.connect() as connection:
        yield connection


def test_no_small_count_between_a_year_and_the_next_years_same_date(conn):
    years = tq.school_years(conn)
    leaks = [leak for annee in years[1:] for leak in attack(conn, annee)]
    assert leaks == [], leaks[:10]


def test_a_masked_same_date_value_is_marked_where_it_would_be(conn):
    """Where the comparison would disclose, the value is masked and marked (« s »), not absent."""
    years = tq.school_years(conn)
    marked = 0
    for annee in years[1:]:
        for territory in tq.territory_index(conn, annee).values():
            p = rq.detail(conn, FULL, territory.code, annee).publie
            for column in ("raccroches_n1", "jeunes_signales_n1", "contrats_foquale_n1"):
                if column in p.marks:
                    assert p.situation[column] is None
                    marked += 1
    assert marked
