"""Audit log: one row per view or export, listed for the recteur and the CSAIO only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dashboard import fmt
from dashboard.access import audit
from dashboard.access.scope import ACADEMIE, AccessDenied, Scope
from dashboard.store import db

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md


def test_record_and_recent(db_engine):
    audit.record(db_engine, "ien79", audit.VIEW, "Accueil", "79", "annee=2014-2015")
    with db_engine.begin() as conn:  # inside the caller's transaction
        audit.record(conn, "ien79", audit.EXPORT, "Raccrochage", "R79-NIO", "raccrochage.csv")
    audit.record(db_engine, "inconnu", audit.DENIED)
    with db_engine.connect() as conn:
        frame = audit.recent(conn, Scope.full("recteur"))
    assert frame["action"].to_list() == [audit.DENIED, audit.EXPORT, audit.VIEW]  # newest first
    assert frame["territoire_code"].to_list() == [None, "R79-NIO", "79"]
    assert frame.row(1, named=True)["page"] == "Raccrochage"
    stamp = frame["horodatage"][0]
    now = dt.datetime.now(fmt.PARIS)
    assert abs((now - stamp).total_seconds()) < 120  # written in UTC, read in Paris time
    shown = audit.display_frame(frame)
    assert shown.columns == ["Date (heure de Paris)", "Utilisateur", "Action", "Page", "Territoire", "Détail"]
    assert shown["Action"].to_list() == ["Accès refusé", "Export", "Consultation"]
    assert shown["Date (heure de Paris)"][0] == stamp.strftime("%d/%m/%Y %H:%M:%S")


def test_recent_filters_and_limit(db_engine):
    for i in range(12):
        audit.record(db_engine, f"u{i % 3}", audit.VIEW if i % 2 else audit.EXPORT, "Carte", ACADEMIE)
    with db_engine.connect() as conn:
        scope = Scope("csaio", ACADEMIE, "c")
        assert audit.recent(conn, scope, limit=5).height == 5
        assert audit.recent(conn, scope, action=audit.EXPORT).height == 6
        assert set(audit.recent(conn, scope, utilisateur="u1")["utilisateur"]) == {"u1"}
        assert audit.recent(conn, scope, utilisateur="personne").is_empty()


@pytest.mark.parametrize("scope", [Scope("dasen", "17", "d"), Scope("ien-io", "79", "i"), Scope("psad", "P86-POI", "p"),
                                   Scope("reseau", "R16-ANG", "r"), Scope("lecteur", ACADEMIE, "l")])
def test_only_recteur_and_csaio_may_list(db_engine, scope):
    audit.record(db_engine, "x", audit.VIEW, "Accueil", ACADEMIE)
    with db_engine.connect() as conn, pytest.raises(AccessDenied):
        audit.recent(conn, scope)


def test_long_values_are_clipped(db_engine):
    audit.record(db_engine, "u" * 500, "a" * 100, "p" * 100, "t" * 50, "d" * 5000)
    with db_engine.connect() as conn:
        row = audit.recent(conn, Scope.full()).row(0, named=True)
        count = conn.execute(select(func.count()).select_from(db.audit_log)).scalar_one()
    assert count == 1
    assert len(row["utilisateur"]) == 120 and len(row["detail"]) == 2000 and len(row["territoire_code"]) == 20
