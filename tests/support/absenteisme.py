"""A small hand-computed absenteeism fixture.

Territory "16" has collèges, one LP and one LPO but no LGT (the only LGT is in Poitiers, 86);
no school of "16" has data for November 2014 (the LGT has): both are missing, not zero.
"""

from __future__ import annotations

from sqlalchemy import insert

from dashboard.store import db

SCHOOLS = [
    # uai, nom, type, secteur, commune, education_prioritaire, reseau_code (None: commune's network)
    ("0160001A", "Collège A", "COLLEGE", "PUBLIC", "16015", "REP", None),  # → R16-ANG
    ("0160002B", "Collège B", "COLLEGE", "PRIVE", "16102", None, None),  # → R16-COG
    ("0160003C", "LP C", "LP", "PUBLIC", "16015", None, "R16-NCH"),  # explicit network
    ("0160004D", "Collège D", "COLLEGE", "PUBLIC", "16292", "REP+", None),  # → R16-NCH, small counts
    ("0160005F", "LPO F", "LPO", "PUBLIC", "16102", None, None),  # → R16-COG, zero absentees
    ("0860001E", "LGT E", "LGT", "PUBLIC", "86194", None, None),  # → R86-POI
]
DATA = {  # uai: {mois: (absentéistes, effectif)}
    "0160001A": {"2014-09": (10, 100), "2014-10": (20, 100), "2015-01": (12, 100),
                 "2013-09": (5, 100), "2013-10": (8, 100), "2013-11": (9, 100), "2014-01": (10, 100)},
    "0160002B": {"2014-09": (30, 1000), "2014-10": (50, 1000), "2015-01": (40, 1000),
                 "2013-09": (20, 1000), "2013-10": (30, 1000), "2014-01": (30, 1000)},
    "0160003C": {"2014-09": (40, 200), "2014-10": (60, 200), "2015-01": (50, 200),
                 "2013-09": (30, 200), "2013-10": (40, 200), "2014-01": (40, 200)},
    "0160004D": {"2014-09": (3, 40), "2014-10": (3, 40), "2015-01": (2, 40)},
    "0160005F": {"2014-09": (0, 50), "2014-10": (0, 50)},
    "0860001E": {"2014-09": (20, 500), "2014-11": (25, 500), "2015-01": (30, 500), "2013-09": (10, 500)},
}


def school_year(mois: str) -> str:
    start = int(mois[:4]) if int(mois[5:]) >= 9 else int(mois[:4]) - 1
    return f"{start}-{start + 1}"


def load_fixture(engine) -> None:
    """The schools and their monthly counts."""
    with engine.begin() as conn:
        conn.execute(insert(db.etablissements), [
            dict(uai=u, nom=n, type=t, secteur=s, commune_insee=c, education_prioritaire=ep, reseau_code=r)
            for u, n, t, s, c, ep, r in SCHOOLS
        ])
        conn.execute(insert(db.absenteisme), [
            dict(uai=uai, mois=m, annee_scolaire=school_year(m), effectif=eff, eleves_absenteistes=ab)
            for uai, months in DATA.items() for m, (ab, eff) in months.items()
        ])
