"""The territory tree (``queries.territoires``), read by every query module: the earlier read (a
correlated subquery per commune, kept here only to measure it), today's read (a grouped subquery
joined once) and the call the product makes (read once per data version, then from memory), on the
bench database and, when ``DASHBOARD_TEST_POSTGRES_URL`` names a server, on a PostgreSQL copy of it.
Also the demonstration fill (académie) that the tests used to time."""

from __future__ import annotations

import os
import statistics
import time

from sqlalchemy import and_, func, select

from dashboard import schoolyear
from dashboard.store import database, db, lifecycle
from queries import territoires as tq

REPEAT = 7


def _median_ms(fn, repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def correlated_tree(conn, annee: str):
    """The tree as it was read before: the latest breakdown of each row looked up per row."""
    t, c, d = db.territoires, db.communes, db.departements
    t2 = db.territoires.alias("t2")
    latest = (select(func.max(t2.c.annee_debut))
              .where(and_(t2.c.commune_insee == t.c.commune_insee, t2.c.annee_debut <= schoolyear.start_year(annee)))
              .scalar_subquery())
    stmt = (select(t.c.reseau_code, func.max(t.c.reseau_nom), func.max(t.c.psad_code), func.max(t.c.psad_nom),
                   func.max(t.c.departement_code), func.max(d.c.nom), func.sum(c.c.population))
            .select_from(t.join(c, c.c.insee == t.c.commune_insee).join(d, d.c.code == t.c.departement_code))
            .where(t.c.annee_debut == latest).group_by(t.c.reseau_code).order_by(t.c.reseau_code))
    return conn.execute(stmt).all()


def _tree_rows(engine, label: str) -> list[tuple[str, float, str]]:
    with engine.connect() as conn:
        annee = tq.school_years(conn)[-1] if tq.school_years(conn) else "2014-2015"
        tq.forget_breakdowns()
        return [
            (f"arbre des territoires, {label} : requête corrélée (avant)", _median_ms(lambda: correlated_tree(conn, annee)),
             "ms"),
            (f"arbre des territoires, {label} : requête groupée (lecture)",
             _median_ms(lambda: tq._read_network_tree(conn, annee)), "ms"),  # measured alone
            (f"arbre des territoires, {label} : appel du produit (mémorisé)",
             _median_ms(lambda: tq.network_tree(conn, annee)), "ms"),
            (f"index des territoires, {label} : appel du produit (mémorisé)",
             _median_ms(lambda: tq.territory_index(conn, annee)), "ms"),
        ]


def _postgres_copy(engine):
    """A PostgreSQL database with the bench database's geography and breakdown, or None."""
    if not os.environ.get("DASHBOARD_TEST_POSTGRES_URL"):
        return None, None
    from tests.support.databases import Databases

    databases = Databases()
    url, drop_database = databases.empty_postgres()
    target = database.make_engine(url)
    lifecycle.create_schema(target)
    with engine.connect() as src, target.begin() as dst:
        for table in (db.departements, db.communes, db.territoires):
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(table.insert(), rows)

    def drop() -> None:
        target.dispose()
        drop_database()
        databases.close()

    return target, drop


def _demo_fill_rows() -> list[tuple[str, float, str]]:
    import tempfile
    from pathlib import Path

    from dashboard.demo import generate as demo

    with tempfile.TemporaryDirectory() as tmp:
        engine = database.make_engine(f"sqlite:///{Path(tmp) / 'demo.sqlite'}")
        lifecycle.init_database(engine)
        started = time.perf_counter()
        demo.fill(engine)
        seconds = time.perf_counter() - started
        engine.dispose()
    return [("données de démonstration (académie) : remplissage, secret compris", seconds, "s")]


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    rows = _tree_rows(engine, f"SQLite ({scale})")
    target, drop = _postgres_copy(engine)
    if target is not None:
        try:
            rows += _tree_rows(target, f"PostgreSQL ({scale})")
        finally:
            drop()
    if scale == "academie":
        rows += _demo_fill_rows()
    return rows
