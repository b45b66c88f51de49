"""Honest failures (issue 18, item 4): a database that is unreachable, busy with another writer, or
changed by a concurrent write says so in French, with the advice that fits, on every page, in the
importer and in the command lines, instead of « Une erreur inattendue » or a traceback.

The failures are real ones: a PostgreSQL port where nothing listens, a SQLite file locked by
another connection, two PostgreSQL transactions writing the same key."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, insert, select, text

from dashboard.importer import service
from dashboard.store import database, db, dbfailure
from dashboard.ui.page import GENERIC_ERROR
from tests.support import ROOT, cli
from tests.support.apptest import assert_no_exception
from tests.support.databases import PG_URL
from tests.support.importer import bilan, bilans_file

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

UNREACHABLE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/pilotage"  # nothing listens on port 1
needs_pg = pytest.mark.skipif(not PG_URL, reason="DASHBOARD_TEST_POSTGRES_URL non défini")


def sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


class SqliteWriter:
    """Another connection holding the SQLite write lock: ``exclusive`` (nobody reads either) or
    reserved (an uncommitted write: readers read, writers wait)."""

    def __init__(self, url: str, exclusive: bool = False) -> None:
        self.conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
        if not exclusive:
            self.conn.execute("UPDATE meta SET valeur = valeur WHERE cle = 'demo'")

    def __enter__(self) -> SqliteWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.conn.rollback()
        self.conn.close()


# --- what each real failure is -------------------------------------------------------------------


def _raised(fn) -> BaseException:
    try:
        fn()
    except Exception as exc:  # the failure under test
        return exc
    raise AssertionError("no failure")


def test_postgresql_unreachable():
    engine = database.make_engine(UNREACHABLE_URL)
    exc = _raised(lambda: database.is_initialised(engine))
    assert dbfailure.kind(exc) == dbfailure.UNREACHABLE
    assert dbfailure.explain(exc).startswith("La base de données est injoignable")


def test_sqlite_file_that_cannot_be_opened(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'absent' / 'x.sqlite'}")
    assert dbfailure.kind(_raised(lambda: engine.connect().close())) == dbfailure.UNREACHABLE


def test_sqlite_locked_by_another_writer(writable_demo_url):
    engine = create_engine(writable_demo_url, connect_args={"timeout": 0.2})
    with SqliteWriter(writable_demo_url, exclusive=True):
        exc = _raised(lambda: engine.connect().execute(text("SELECT count(*) FROM bilans")).all())
    assert dbfailure.kind(exc) == dbfailure.BUSY
    assert "occupée par une autre écriture" in dbfailure.explain(exc)


def test_other_failures_keep_the_generic_message(writable_demo_url):
    engine = database.make_engine(writable_demo_url)
    with engine.connect() as conn:
        exc = _raised(lambda: conn.execute(text("SELECT * FROM absente")))
    assert dbfailure.kind(exc) is None and dbfailure.kind(ValueError("x")) is None


@pytest.mark.parametrize(("failure", "where", "words"), [
    (dbfailure.UNREACHABLE, dbfailure.PAGE, "rechargeant la page"),
    (dbfailure.BUSY, dbfailure.IMPORT, "Rien n'a été écrit. Réessayez l'import dans un instant."),
    (dbfailure.CONFLICT, dbfailure.IMPORT, "vérifié à nouveau contre les données à jour"),
    (dbfailure.UNREACHABLE, dbfailure.CLI, "relancez la commande"),
])
def test_each_failure_has_its_advice(failure, where, words):
    assert words in dbfailure.message(failure, where)


# --- concurrent writes on PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def pg_engine(databases, tmp_path):
    engine, cleanup = databases.new_engine("postgresql", "geo", tmp_path)
    yield engine
    cleanup()


def _wait_until_blocked_by(engine, holder, thread=None, outcome=None, timeout: float = 60) -> None:
    """Until another session waits for a lock held by the ``holder`` connection (or ``thread``,
    which should be that session, has ended: its outcome is then the failure)."""
    pid = holder.execute(text("SELECT pg_backend_pid()")).scalar_one()
    deadline = time.time() + timeout
    with engine.connect() as conn:
        while time.time() < deadline:
            blocked = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                                   {"pid": pid}).scalar_one()
            conn.rollback()  # pg_stat_activity is a snapshot taken once per transaction: a new one each time
            if blocked:
                return
            if thread is not None and not thread.is_alive():
                raise AssertionError(f"the other transaction ended without waiting: {outcome}")
            time.sleep(0.05)
    with engine.connect() as conn:
        sessions = conn.execute(text(
            "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid), left(query, 80) "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).all()
    raise AssertionError(f"no session waits for the lock of {pid}: {sessions}")


def _in_thread(fn):
    outcome = {}

    def run():
        try:
            outcome["value"] = fn()
        except Exception as exc:  # reported to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


@needs_pg
def test_set_meta_is_an_upsert_under_two_concurrent_transactions(pg_engine):
    first = pg_engine.connect()
    try:
        transaction = first.begin()
        db.set_meta(first, "version", "premier")  # a new key, not committed yet
        thread, outcome = _in_thread(lambda: _set_meta_in_own_transaction(pg_engine, "second"))
        _wait_until_blocked_by(pg_engine, first, thread, outcome)
        transaction.commit()
    finally:
        first.close()
    thread.join(60)
    assert not thread.is_alive() and "error" not in outcome, outcome
    with pg_engine.connect() as conn:
        assert db.get_meta(conn, "version") == "second"
        assert conn.execute(select(db.meta.c.cle).where(db.meta.c.cle == "version")).all() == [("version",)]


def _set_meta_in_own_transaction(engine, value: str) -> None:
    with engine.begin() as conn:
        db.set_meta(conn, "version", value)


@needs_pg
def test_concurrent_import_of_the_same_rows_is_a_conflict_and_writes_nothing(pg_engine):
    other = pg_engine.connect()
    try:
        transaction = other.begin()
        values = dict(zip(["annee_scolaire", "periode_fin", "reseau_code", *db.BILAN_COUNT_COLUMNS], bilan(),
                          strict=True))
        other.execute(insert(db.bilans), [values])  # the same key as the file's, not committed yet
        thread, outcome = _in_thread(lambda: service.import_file(pg_engine, bilans_file(bilan()), "bilans.csv"))
        _wait_until_blocked_by(pg_engine, other, thread, outcome)
        transaction.commit()
    finally:
        other.close()
    thread.join(90)
    assert not thread.is_alive()
    failure = outcome.get("error")
    assert failure is not None, outcome
    assert dbfailure.kind(failure) == dbfailure.CONFLICT
    assert "Rien n'a été écrit" in dbfailure.explain(failure, dbfailure.IMPORT)
    with pg_engine.connect() as conn:
        assert conn.execute(select(db.import_log)).all() == []  # the import's transaction was rolled back
    # tried again, the file is checked against the rows now there: nothing left to write
    again = service.import_file(pg_engine, bilans_file(bilan()), "bilans.csv")
    assert again.written and not again.counts.any_change


@needs_pg
def test_serialization_failure_is_a_conflict(pg_engine):
    a, b = pg_engine.connect(), pg_engine.connect()
    try:
        for conn in (a, b):
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
            conn.execute(select(db.meta)).all()
        a.execute(insert(db.meta).values(cle="a", valeur="1"))
        b.execute(insert(db.meta).values(cle="b", valeur="1"))
        a.commit()
        exc = _raised(b.commit)
    finally:
        b.close()
        a.close()
    assert dbfailure.kind(exc) == dbfailure.CONFLICT


@needs_pg
def test_lock_timeout_is_busy(pg_engine):
    holder = pg_engine.connect()
    try:
        holder.execute(text("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE"))
        with pg_engine.connect() as conn:
            conn.execute(text("SET lock_timeout = '200ms'"))
            exc = _raised(lambda: conn.execute(select(db.meta)).all())
    finally:
        holder.close()
    assert dbfailure.kind(exc) == dbfailure.BUSY


# --- pages ---------------------------------------------------------------------------------------


def test_every_page_says_the_database_is_unreachable(app_test):
    from dashboard.ui.registry import all_pages

    expected = dbfailure.message(dbfailure.UNREACHABLE, dbfailure.PAGE)
    for spec in all_pages():
        at = app_test(spec.url_path, database_url=UNREACHABLE_URL)
        assert not at.exception, spec.title
        assert [e.value for e in at.error] == [expected], spec.title


def _unreachable_body_page():
    from sqlalchemy import text

    from dashboard.store import database
    from dashboard.ui import page as ui

    def body():
        with database.make_engine("postgresql+psycopg://postgres@127.0.0.1:1/pilotage").connect() as conn:
            conn.execute(text("SELECT 1"))

    ui.run_page(body)


def test_a_page_that_loses_its_database_says_so():
    """The database went away after the app started: the page body meets the failure."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_unreachable_body_page, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [dbfailure.message(dbfailure.UNREACHABLE)]


def test_pages_say_the_database_is_busy(app_test, writable_demo_url):
    with SqliteWriter(writable_demo_url, exclusive=True):
        at = app_test("raccrochage", database_url=writable_demo_url)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [dbfailure.message(dbfailure.BUSY, dbfailure.PAGE)] and GENERIC_ERROR not in errors


def test_importer_page_says_busy_then_imports_when_tried_again(writable_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(database.ENV_URL, writable_demo_url)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "pages" / "importer.py")).run()
    at.file_uploader[0].set_value(("bilans.csv", bilans_file(bilan(periode="2017-06-30", annee="2016-2017")),
                                   "text/csv"))
    at.run()
    with SqliteWriter(writable_demo_url):  # an uncommitted write: the check reads, the import must wait
        at.button(key="confirmer_import").click()
        at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [dbfailure.message(dbfailure.BUSY, dbfailure.IMPORT)]
    at.button(key="confirmer_import").click()
    at.run()
    assert_no_exception(at)
    assert any(s.value.startswith("Import réussi (Bilans") for s in at.success), [s.value for s in at.success]


def test_importer_page_says_a_concurrent_write_conflicted(writable_demo_url, monkeypatch):
    """The exception a concurrent import raises (a real one, from SQLite) reaches the page."""
    from streamlit.testing.v1 import AppTest

    from dashboard.importer import service

    conn = sqlite3.connect(sqlite_path(writable_demo_url))
    conflict = _raised(lambda: conn.execute("INSERT INTO meta (cle, valeur) SELECT cle, valeur FROM meta"))
    conn.close()

    def import_file(*args, **kwargs):
        raise conflict

    monkeypatch.setattr(service, "import_file", import_file)
    monkeypatch.setenv(database.ENV_URL, writable_demo_url)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "pages" / "importer.py")).run()
    at.file_uploader[0].set_value(("bilans.csv", bilans_file(bilan(periode="2017-06-30", annee="2016-2017")),
                                   "text/csv"))
    at.run()
    at.button(key="confirmer_import").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [dbfailure.message(dbfailure.CONFLICT, dbfailure.IMPORT)]


# --- command lines -------------------------------------------------------------------------------


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(database.ENV_URL, None)
    return cli.run_cli(module, *args, env=env)


@pytest.mark.parametrize(("module", "args"), [
    ("dashboard.figures", ["--annee", "2014-2015", "--territoire", "86", "--out", "{tmp}/c.json"]),
    ("dashboard.slides", ["--annee", "2014-2015", "--territoire", "86", "--out", "{tmp}/d.pptx"]),
    ("dashboard.slides", ["--annee", "2014-2015", "--tous-reseaux", "--out-dir", "{tmp}/decks"]),
    ("dashboard.importer", ["{tmp}/bilans.csv"]),
])
def test_command_lines_say_the_database_is_unreachable(module, args, tmp_path):
    (tmp_path / "bilans.csv").write_bytes(bilans_file(bilan()))
    done = run_module(module, *[a.format(tmp=tmp_path) for a in args], "--database-url", UNREACHABLE_URL)
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "La base de données est injoignable" in done.stderr and "relancez la commande" in done.stderr


def test_import_command_says_the_database_is_busy(writable_demo_url, tmp_path):
    path = tmp_path / "bilans.csv"
    path.write_bytes(bilans_file(bilan(periode="2017-06-30", annee="2016-2017")))
    with SqliteWriter(writable_demo_url):
        done = run_module("dashboard.importer", str(path), "--database-url", writable_demo_url)
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip() == dbfailure.message(dbfailure.BUSY, dbfailure.CLI_IMPORT)
    engine = database.make_engine(writable_demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(db.import_log)).all() == []
    engine.dispose()


def test_unknown_failures_of_the_exports_are_one_french_line(tmp_path):
    done = run_module("dashboard.figures", "--annee", "2014-2015", "--territoire", "86", "--out",
                      str(tmp_path / "c.json"), "--database-url", f"sqlite:///{tmp_path / uuid.uuid4().hex}.txt",
                      )
    # a new empty SQLite file: not initialised, said in French
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "n'est pas initialisée" in done.stderr
