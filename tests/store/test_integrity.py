"""A damaged database is detected and never written to; disk full and read-only said as such; no
command line shows a traceback (issue 30, items 4 and 7). Damaged files are made by the tests (a
copy of the demonstration database with 200 Ko overwritten)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from dashboard.importer import service
from dashboard.store import database, dbfailure, integrity, lifecycle
from tests.support import ROOT, cli
from tests.support.importer import csv_bytes

RESTORE = "python -m dashboard.importer --restaurer SAUVEGARDE"
OBJECTIFS = b"annee_scolaire;territoire_code;indicateur;objectif\r\n2014-2015;R86-POI;raccroches;40\r\n"


def damage(path, offset: int, size: int) -> None:
    """``size`` bytes of the file overwritten from ``offset``."""
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write((bytes(range(256)) * (size // 256 + 1))[:size])


def page_size(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


def data_page(path, table: str) -> int:
    """A leaf page of ``table`` (the middle one), read from SQLite's own page map."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        pages = [n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                                            "ORDER BY pageno", (table,))]
    return pages[len(pages) // 2]


@pytest.fixture
def damaged_url(databases, tmp_path) -> str:
    """A copy of the demonstration database with the records at the end of one data page of the
    absenteeism table overwritten (its page header intact: SQLite can read the file and list the damage)."""
    path = tmp_path / "endommagee.sqlite"
    shutil.copy(databases.sqlite.path("demo"), path)
    size = page_size(path)
    damage(path, data_page(path, "absenteisme") * size - 600, 600)
    return f"sqlite:///{path}"


def digest(url: str) -> str:
    return hashlib.sha256(open(url.split("///", 1)[1], "rb").read()).hexdigest()


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    """The command in this process (``tests.support.cli``: a traceback is written as Python would);
    each command's subprocess smoke test lives beside its other tests."""
    return cli.run_cli(module, *args)


def test_the_integrity_check_finds_the_damage(damaged_url):
    engine = database.make_engine(damaged_url)
    with pytest.raises(integrity.DatabaseDamaged) as found:
        integrity.check(engine)
    assert "quick_check" in found.value.detail and dbfailure.kind(found.value) == dbfailure.DAMAGED
    engine.dispose()


def test_a_damaged_schema_is_found_before_the_check_can_run(databases, tmp_path):
    """The page SQLite must read before it can check anything (the schema's, after the file header)
    damaged: the database says it is malformed."""
    path = tmp_path / "schema-endommage.sqlite"
    shutil.copy(databases.sqlite.path("demo"), path)
    damage(path, 100, page_size(path) - 100)
    engine = database.make_engine(f"sqlite:///{path}")
    with pytest.raises(integrity.DatabaseDamaged) as found:
        integrity.check(engine)
    assert "malformé" in found.value.detail and dbfailure.kind(found.value) == dbfailure.DAMAGED
    engine.dispose()


def test_an_import_into_a_damaged_database_writes_nothing(damaged_url):
    before = digest(damaged_url)
    engine = database.make_engine(damaged_url)
    with pytest.raises(integrity.DatabaseDamaged):
        service.import_file(engine, OBJECTIFS, "objectifs.csv")
    engine.dispose()
    assert digest(damaged_url) == before


def test_the_import_command_refuses_a_damaged_database_with_exit_3(damaged_url, tmp_path):
    before = digest(damaged_url)
    path = tmp_path / "objectifs.csv"
    path.write_bytes(OBJECTIFS)
    done = run("dashboard.importer", str(path), "--database-url", damaged_url)
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Import réussi" not in done.stdout
    assert "endommagée" in done.stderr and RESTORE in done.stderr
    assert digest(damaged_url) == before


@pytest.mark.parametrize("command", [
    ("dashboard.figures", "--annee", "2014-2015", "--territoire", "86", "--out", "{tmp}/c.json"),
    ("dashboard.slides", "--annee", "2014-2015", "--territoire", "86", "--out", "{tmp}/d.pptx"),
    ("dashboard.demo",),
    ("dashboard.db", "upgrade"),
    ("dashboard.auth", "load-users", str(ROOT / "config" / "utilisateurs.example.csv")),
])
def test_every_writing_command_refuses_a_damaged_database(damaged_url, tmp_path, command):
    before = digest(damaged_url)
    module, *args = command
    done = run(module, *[a.format(tmp=tmp_path) for a in args], "--database-url", damaged_url)
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stderr
    assert "Traceback" not in done.stderr and "endommagée" in done.stderr and RESTORE in done.stderr
    assert digest(damaged_url) == before


def test_the_restore_command_puts_a_backup_back_and_imports_work_again(damaged_url, demo_sqlite_url, tmp_path):
    backup = tmp_path / "sauvegarde.sqlite"
    shutil.copy(demo_sqlite_url.split("///", 1)[1], backup)
    done = run("dashboard.importer", "--restaurer", str(backup), "--database-url", damaged_url)
    assert done.returncode == 0 and "Base restaurée" in done.stdout, done.stderr
    engine = database.make_engine(damaged_url)
    integrity.check(engine)
    assert service.import_file(engine, OBJECTIFS, "objectifs.csv").written
    engine.dispose()


def test_the_app_names_the_damage_and_the_restore_command(app_test, damaged_url):
    at = app_test(database_url=damaged_url)
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("endommagée" in m and RESTORE in m for m in messages), messages


@pytest.mark.parametrize("command", [
    ("dashboard.auth", "list-users"), ("dashboard.auth", "load-users", str(ROOT / "config" / "utilisateurs.example.csv")),
    ("dashboard.db", "init"), ("dashboard.db", "upgrade"), ("dashboard.demo",),
    ("dashboard.disclosure", "audit"), ("dashboard.disclosure", "store"),
], ids=lambda c: " ".join(c[:2]).replace("dashboard.", ""))
def test_every_other_command_says_the_database_is_unreachable_without_a_traceback(command):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/absente?connect_timeout=2"
    done = run(*command, "--database-url", url)
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "injoignable" in done.stderr


def test_a_postgresql_schema_missing_a_table_is_damaged(db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's schema check")
    integrity.check(db_engine)
    with db_engine.begin() as conn:
        conn.execute(text("DROP TABLE prevention"))
    with pytest.raises(integrity.DatabaseDamaged) as found:
        service.import_file(db_engine, OBJECTIFS, "objectifs.csv")
    assert "prevention" in found.value.detail


# --- disk full, read-only -------------------------------------------------------------------------


def test_a_full_disk_is_named_and_nothing_is_written(tmp_path):
    url = f"sqlite:///{tmp_path / 'pleine.sqlite'}"
    engine = database.make_engine(url)
    lifecycle.init_database(engine)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection, _record):  # the file may not grow any more: SQLite says the disk is full
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    engine.dispose()
    from dashboard import uai

    schools = [[uai.make_uai(f"086{n:04d}"), f"Collège numéro {n} de la Vienne", "COLLEGE", "PUBLIC", "86194"]
               for n in range(3000)]
    data = csv_bytes(["uai", "nom", "type", "secteur", "commune_insee"], schools)
    with pytest.raises((OperationalError, sqlite3.OperationalError)) as failure:  # the driver's own, in bulk
        service.import_file(engine, data, "etablissements.csv")
    assert dbfailure.kind(failure.value) == dbfailure.FULL
    text_ = dbfailure.explain(failure.value, dbfailure.IMPORT)
    assert text_.startswith("Le disque de la base de données est plein : rien n'a été écrit.")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM etablissements")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM import_log")).scalar_one() == 0
    engine.dispose()


def test_a_read_only_database_is_named_on_the_command_line(demo_sqlite_url, tmp_path):
    path = tmp_path / "lecture.sqlite"
    shutil.copy(demo_sqlite_url.split("///", 1)[1], path)
    data = tmp_path / "objectifs.csv"
    data.write_bytes(OBJECTIFS)
    done = run("dashboard.importer", str(data), "--database-url", f"sqlite:///file:{path}?mode=ro&uri=true")
    assert done.returncode == dbfailure.EXIT_DATABASE, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "lecture seule" in done.stderr


@pytest.mark.parametrize(("error", "failure"), [
    (sqlite3.OperationalError("database or disk is full"), dbfailure.FULL),
    (sqlite3.OperationalError("attempt to write a readonly database"), dbfailure.READ_ONLY),
    (sqlite3.DatabaseError("database disk image is malformed"), dbfailure.DAMAGED),
    (sqlite3.DatabaseError("file is not a database"), dbfailure.DAMAGED),
    (OSError(28, os.strerror(28)), dbfailure.FULL),
    (OSError(30, os.strerror(30)), dbfailure.READ_ONLY),
])
def test_failures_that_retrying_does_not_cure_are_told_apart(error, failure):
    wrapped = OperationalError("INSERT", {}, error) if isinstance(error, sqlite3.Error) else error
    assert dbfailure.kind(wrapped) == failure
    message = dbfailure.explain(wrapped, dbfailure.PAGE)
    assert "Réessayez dans un instant" not in message and "rien n'a été écrit" in message.lower() or \
        "rien n'y est écrit" in message
    assert "malformed" not in message and "readonly" not in message


def test_postgresql_disk_full_and_read_only_states(db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's SQLSTATE")
    with db_engine.connect() as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        with pytest.raises(Exception) as failure:
            conn.execute(text("INSERT INTO meta (cle, valeur) VALUES ('x', 'y')"))
    assert dbfailure.kind(failure.value) == dbfailure.READ_ONLY
