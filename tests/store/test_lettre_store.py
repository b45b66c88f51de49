"""The letter's tables on SQLite and PostgreSQL: a draft is saved and replaced, published once with its
number and frozen files, recipients replace each other, sendings and their audit rows are written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from dashboard.access import audit
from dashboard.access.scope import Scope
from dashboard.lettre import recipients, sending, store
from dashboard.store import db

pytestmark = pytest.mark.all_backends

EDITOR = Scope("csaio", "ACAD", "csaio")
YEAR, PERIOD = "2016-2017", "2017-04-30"


@pytest.fixture
def demo_copy(databases, backend, tmp_path):
    engine, cleanup = databases.new_engine(backend, "demo", tmp_path)
    yield engine
    cleanup()


def test_draft_publication_and_sending_rows(demo_copy, tmp_path):
    engine = demo_copy
    first = store.save_draft(engine, EDITOR, YEAR, PERIOD, [{"genre": "editorial", "texte": "Premier jet."}])
    again = store.save_draft(engine, EDITOR, YEAR, PERIOD, [
        {"genre": "editorial", "titre": "Le mot de la coordination", "texte": "Version revue."},
        {"genre": "agenda", "titre": "Comité de pilotage", "date_evenement": "2017-06-20", "texte": ""},
        {"genre": "pratique", "titre": "", "texte": ""},  # an empty block is dropped
    ])
    assert again == first
    with engine.connect() as conn:
        kept = store.blocks(conn, first)
    assert [(b["genre"], b["rang"], b["texte"]) for b in kept] == [("agenda", 1, ""), ("editorial", 1, "Version revue.")]
    recipients.replace(engine, EDITOR, "email;role;territoire_code\na@ac-poitiers.fr;recteur;\n".encode())
    assert recipients.replace(engine, EDITOR, "email;role;territoire_code\nb@ac-poitiers.fr;psad;P86-POI\n"
                                                  "c@ac-poitiers.fr;dasen;17\n".encode()) == 2

    row = store.publish(engine, EDITOR, YEAR, PERIOD)

    assert (row["numero"], row["statut"], row["publiee_par"]) == (1, "publiee", "csaio")
    with engine.connect() as conn:
        html, pdf_bytes = store.published_files(conn, row["id"])
        content = store.published_content(conn, row["id"])
        assert [r["email"] for r in recipients.listed(conn)] == ["b@ac-poitiers.fr", "c@ac-poitiers.fr"]
    assert "Le mot de la coordination" in html and "Comité de pilotage" in html and pdf_bytes.startswith(b"%PDF")
    assert content["editorial"]["texte"] == "Version revue."
    outcomes = sending.distribute(engine, EDITOR, row["id"], dry_run_dir=tmp_path / "essai")
    assert [o.sent for o in outcomes] == [True, True]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.lettre_envois)).scalar_one() == 2
        assert audit.recent(conn, Scope.full(), action=sending.DRY_RUN_ACTION).height == 2
        assert audit.recent(conn, Scope.full(), action=store.PUBLISH_ACTION).height == 1
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one letter per period
        conn.execute(insert(db.lettres).values(annee_scolaire=YEAR, periode_fin=PERIOD, statut="brouillon",
                                               modifiee_le=db.func.now(), modifiee_par="x"))
