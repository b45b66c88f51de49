"""A stored secrecy decision is kept while what it was decided on is unchanged, and decided again, for
that year only, when it changes (``data_fingerprint``): an import of raccrochage bilans no longer
decides absenteeism and the GPDS chain again for every year. On both backends (the fingerprints are
taken from query results, in their order)."""

from __future__ import annotations

import pytest
from sqlalchemy import and_, select, update

from dashboard.importer import writing
from dashboard.store import db
from queries import absenteisme_suppression, prevention_suppression, raccrochage_suppression
from queries import secret_store as store

pytestmark = pytest.mark.all_backends

SUBJECTS = {store.ABSENTEISME: absenteisme_suppression, store.PREVENTION: prevention_suppression,
            store.RACCROCHAGE: raccrochage_suppression}


@pytest.fixture
def decided(monkeypatch):
    """{subject: [years decided (not read back from decisions_secret)]} from now on. The memos are
    emptied first, as in a new process: raccrochage's is keyed by the data's fingerprint, so the same
    change made by an earlier test (on the other backend) would be found there, not decided."""
    for module in SUBJECTS.values():
        module.clear_memo()
    calls = {subject: [] for subject in SUBJECTS}

    def counting(subject, original):
        def decide(conn, annee):
            calls[subject].append(annee)
            return original(conn, annee)
        return decide

    monkeypatch.setattr(absenteisme_suppression, "_decide",
                        counting(store.ABSENTEISME, absenteisme_suppression._decide))
    monkeypatch.setattr(prevention_suppression, "_decide", counting(store.PREVENTION, prevention_suppression._decide))
    monkeypatch.setattr(raccrochage_suppression, "_decide", counting(store.RACCROCHAGE, raccrochage_suppression._decide))
    return calls


def stored(engine, subject: str) -> dict[str, tuple[str, str]]:
    """{school year: (fingerprint, masks)} of the stored decisions of ``subject``."""
    t = db.decisions_secret
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.annee_scolaire, t.c.empreinte, t.c.masques).where(t.c.sujet == subject)).all()
    return {r.annee_scolaire: (r.empreinte, r.masques) for r in rows}


def change_and_store(engine, statement) -> None:
    """Run ``statement`` and what an import does after writing: a new data version, then every year's
    decisions stored (``store_decisions``)."""
    with engine.begin() as conn:
        if statement is not None:
            assert conn.execute(statement).rowcount >= 1
        writing.bump_version(conn)
    raccrochage_suppression.store_decisions(engine)


def first_row(engine, table, annee: str):
    with engine.connect() as conn:
        return conn.execute(select(table.c.uai, table.c.mois).where(table.c.annee_scolaire == annee)
                            .order_by(table.c.uai, table.c.mois).limit(1)).one()


def test_a_new_data_version_that_changes_no_input_decides_nothing_again(writable_demo_engine, decided):
    before = {subject: stored(writable_demo_engine, subject) for subject in SUBJECTS}
    assert all(before.values())
    change_and_store(writable_demo_engine, None)
    assert decided == {subject: [] for subject in SUBJECTS}
    assert {subject: stored(writable_demo_engine, subject) for subject in SUBJECTS} == before


def test_a_changed_bilan_decides_raccrochage_again_but_neither_absenteeism_nor_the_chain(writable_demo_engine, decided):
    before = {subject: stored(writable_demo_engine, subject) for subject in SUBJECTS}
    annee = sorted(before[store.RACCROCHAGE])[-1]
    b = db.bilans
    change_and_store(writable_demo_engine, update(b).where(b.c.annee_scolaire == annee)
                     .values(jeunes_signales=b.c.jeunes_signales + 1))
    assert annee in decided[store.RACCROCHAGE]
    assert decided[store.ABSENTEISME] == [] and decided[store.PREVENTION] == []
    for subject in (store.ABSENTEISME, store.PREVENTION):
        assert stored(writable_demo_engine, subject) == before[subject]


@pytest.mark.parametrize("subject", [store.ABSENTEISME, store.PREVENTION])
def test_a_changed_count_decides_its_own_year_again_and_no_other(writable_demo_engine, decided, subject):
    before = stored(writable_demo_engine, subject)
    annee = sorted(before)[0]
    if subject == store.ABSENTEISME:
        a = db.absenteisme
        uai, mois = first_row(writable_demo_engine, a, annee)
        statement = (update(a).where(and_(a.c.uai == uai, a.c.mois == mois))
                     .values(effectif=a.c.effectif + 40, eleves_absenteistes=a.c.eleves_absenteistes + 7))
    else:
        p = db.prevention
        uai, mois = first_row(writable_demo_engine, p, annee)
        statement = update(p).where(and_(p.c.uai == uai, p.c.mois == mois)).values(eleves_reperes=p.c.eleves_reperes + 7)
    change_and_store(writable_demo_engine, statement)
    assert decided[subject] == [annee]
    after = stored(writable_demo_engine, subject)
    assert after[annee][0] != before[annee][0]
    assert {y: v for y, v in after.items() if y != annee} == {y: v for y, v in before.items() if y != annee}
    assert decided[store.RACCROCHAGE] == []
