"""A small hand-made raccrochage fixture: bilans and targets whose every figure is computed by hand.

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

from sqlalchemy import insert

from dashboard.store import db

YEAR = "2014-2015"
COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", *db.SOLUTION_COLUMNS,
           "contrats_foquale")

# reseau, periode_fin: signalés, contactés, entretiens, solutions, FI, SI, APP, MLDS, SC, AUT, FOQUALE
CURRENT = {
    ("R16-ANG", "2014-10-31"): (40, 30, 25, 20, 6, 0, 3, 2, 1, 2, 10),   # raccrochés 14
    ("R16-ANG", "2014-12-31"): (30, 25, 20, 15, 4, 0, 2, 2, 0, 1, 7),    # 9
    ("R16-ANG", "2015-02-28"): (20, 15, 10, 10, 2, 0, 1, 1, 1, 2, 5),    # 7
    ("R16-NCH", "2014-10-31"): (20, 15, 12, 10, 3, 0, 2, 1, 1, 0, 5),    # 7
    ("R16-NCH", "2014-12-31"): (10, 8, 6, 5, 2, 0, 1, 0, 0, 1, 3),       # 4
    ("R16-COG", "2014-10-31"): (6, 4, 3, 3, 2, 0, 1, 0, 0, 0, 2),        # 3
}
# raccrochés per bimonthly period (Oct, Dec, Feb, Apr, Jun, Aug) of past years
HISTORY = {
    ("R16-ANG", "2012-2013"): (10, 10, 10, 5, 5, 10),  # 50: shares .2 .4 .6 .7 .8 1
    ("R16-ANG", "2013-2014"): (20, 10, 5, 5, 5, 5),    # 50: shares .4 .6 .7 .8 .9 1
    ("R86-POI", "2013-2014"): (5, 5, 5, 5, 0, 30),     # académie 2013-14: 25 15 10 10 5 35 = 100
}
TARGETS = {
    ("2014-2015", "R16-ANG"): 60,
    ("2014-2015", "R16-NCH"): 20,
    ("2014-2015", "R16-COG"): 13,
    ("2014-2015", "16"): 120,
    ("2014-2015", "ACAD"): 500,
    ("2013-2014", "ACAD"): 400,
}


def _period_ends(annee: str) -> list[str]:
    start = int(annee[:4])
    return [f"{start}-10-31", f"{start}-12-31", f"{start + 1}-02-28", f"{start + 1}-04-30", f"{start + 1}-06-30",
            f"{start + 1}-08-31"]


def fixture_rows() -> tuple[list[dict], list[dict]]:
    bilans = []
    for (reseau, periode), values in CURRENT.items():
        bilans.append({"reseau_code": reseau, "periode_fin": periode, "annee_scolaire": YEAR,
                       **dict(zip(COLUMNS, values, strict=True))})
    for (reseau, annee), series in HISTORY.items():
        for periode, r in zip(_period_ends(annee), series, strict=True):
            counts = dict.fromkeys(COLUMNS, 0)
            counts.update(jeunes_signales=3 * r, jeunes_contactes=2 * r, entretiens=2 * r, solutions_proposees=2 * r,
                          raccroches_formation_initiale=r, contrats_foquale=r)
            bilans.append({"reseau_code": reseau, "periode_fin": periode, "annee_scolaire": annee, **counts})
    objectifs = [{"annee_scolaire": a, "territoire_code": c, "indicateur": "raccroches", "objectif": v}
                 for (a, c), v in TARGETS.items()]
    return bilans, objectifs


def load_fixture(engine) -> None:
    bilans, objectifs = fixture_rows()
    with engine.begin() as conn:
        conn.execute(insert(db.bilans), bilans)
        conn.execute(insert(db.objectifs), objectifs)
        db.set_meta(conn, "version", "fixture")
