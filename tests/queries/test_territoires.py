"""Territory tree per school year and scope checks."""

import pytest
from sqlalchemy import insert

from dashboard.access.scope import AccessDenied, Scope
from dashboard.store import db
from queries import territoires as tq

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

YEAR = "2014-2015"


def test_tree_of_default_breakdown(db_engine):
    with db_engine.connect() as conn:
        tree = tq.network_tree(conn, YEAR)
        index = tq.territory_index(conn, YEAR)
    assert tree.height == 14
    levels = [t.niveau for t in index.values()]
    assert levels.count("academie") == 1 and levels.count("departement") == 4
    assert levels.count("psad") == 10 and levels.count("reseau") == 14
    assert index["P16-ANG"].reseaux == ("R16-ANG", "R16-NCH")
    assert index["17"].reseaux == ("R17-JON", "R17-LRO", "R17-ROC", "R17-ROY", "R17-SAI", "R17-SJA")
    assert index["ACAD"].population == sum(index[d].population for d in ("16", "17", "79", "86"))
    assert index["R86-SVI"].parent_code == "P86-POI" and index["P86-POI"].parent_code == "86"


def test_newer_breakdown_applies_from_its_year(db_engine):
    with db_engine.begin() as conn:
        conn.execute(insert(db.territoires).values(
            annee_debut=2015, commune_insee="16292", reseau_code="R16-ANG", reseau_nom="Angoulême",
            psad_code="P16-ANG", psad_nom="Angoulême", departement_code="16"))
    with db_engine.connect() as conn:
        old = tq.commune_breakdown(conn, "2014-2015")
        new = tq.commune_breakdown(conn, "2015-2016")
    assert dict(old.select("commune_insee", "reseau_code").iter_rows())["16292"] == "R16-NCH"
    assert dict(new.select("commune_insee", "reseau_code").iter_rows())["16292"] == "R16-ANG"


@pytest.mark.parametrize(
    ("scope", "allowed", "refused"),
    [
        (Scope.full(), ["ACAD", "16", "P79-NIO", "R86-SVI"], []),
        (Scope("ien-io", "79", "ien79"), ["ACAD", "79", "P79-NIO", "R79-BRE"], ["17", "P17-LRO", "R17-LRO"]),
        (Scope("reseau", "R86-POI", "r"), ["ACAD", "86", "P86-POI", "R86-POI"], ["R86-SVI", "16"]),
        (Scope("lecteur", "ACAD", "l"), ["ACAD"], ["16", "R16-ANG"]),
    ],
)
def test_scope(db_engine, scope, allowed, refused):
    with db_engine.connect() as conn:
        for code in allowed:
            assert tq.resolve_territory(conn, scope, code, YEAR).code == code
        for code in refused:
            with pytest.raises(AccessDenied):
                tq.resolve_territory(conn, scope, code, YEAR)
        with pytest.raises(KeyError):
            tq.resolve_territory(conn, scope, "R99-XXX", YEAR)


def test_children_respect_scope(db_engine):
    with db_engine.connect() as conn:
        assert [t.code for t in tq.children(conn, Scope.full(), "ACAD", YEAR)] == ["16", "17", "79", "86"]
        assert tq.children(conn, Scope("ien-io", "79", "x"), "ACAD", YEAR) == []
        assert [t.code for t in tq.children(conn, Scope("ien-io", "79", "x"), "79", YEAR)] == ["P79-BRE", "P79-NIO"]
