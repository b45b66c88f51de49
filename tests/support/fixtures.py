"""Database fixtures, on copies of templates built once (``tests.support.databases``).

* ``backend`` — "sqlite", or each backend for a test marked ``all_backends`` (its behaviour depends
  on the database: SQL, migrations, locks, failures, concurrency; see ``tests/README.md``).
* ``db_engine`` — a fresh database with the schema and the default breakdown.
* ``bare_engine`` — a fresh database with the schema only (no geography).
* ``demo_engine`` — demonstration data shared by the session: never write to it.
* ``demo_sqlite_url`` — URL of the session's SQLite demonstration database (for AppTest and browser
  tests; copy it before writing: ``writable_demo_url``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dashboard.store import database
from dashboard.ui import uploads as upload_guard
from tests.support.databases import Databases


@pytest.fixture(scope="session")
def databases():
    """Templates and copies of this test process."""
    found = Databases()
    yield found
    found.close()


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The backend of this test (parametrised by ``pytest_generate_tests`` in ``tests/conftest.py``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_engine(databases, backend, tmp_path):
    """A fresh database with the schema and the default breakdown."""
    engine, cleanup = databases.new_engine(backend, "geo", tmp_path)
    yield engine
    cleanup()


@pytest.fixture
def bare_engine(databases, backend, tmp_path):
    """A fresh database with the schema only (no geography)."""
    engine, cleanup = databases.new_engine(backend, "bare", tmp_path)
    yield engine
    cleanup()


@pytest.fixture
def writable_demo_engine(databases, backend, tmp_path):
    """A private copy of the demonstration data (its secrecy decisions stored) on the test's backend."""
    engine, cleanup = databases.new_engine(backend, "demo", tmp_path)
    yield engine
    cleanup()


@pytest.fixture(scope="session")
def demo_sqlite_url(databases, tmp_path_factory) -> str:
    """A session-wide SQLite database with demonstration data (copy it before writing)."""
    return databases.sqlite.copy("demo", tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_engine(databases, backend, demo_sqlite_url, tmp_path_factory):
    """Demonstration data on the test's backend, shared by the session: never write to it."""
    if backend == "sqlite":
        engine = database.make_engine(demo_sqlite_url)
        yield engine
        engine.dispose()
        return
    engine, cleanup = databases.new_engine(backend, "demo", tmp_path_factory.mktemp("demo-pg"))
    yield engine
    cleanup()


@pytest.fixture
def writable_demo_url(databases, tmp_path) -> str:
    """A private copy of the demonstration database, safe to write to, with an empty audit log."""
    return databases.sqlite.copy("demo", tmp_path)


def empty_database(databases: Databases, backend: str, folder: Path):
    """(engine, cleanup) of a new database with nothing in it (no schema): migrations start there."""
    if backend == "sqlite":
        engine = database.make_engine(f"sqlite:///{folder / f'empty-{uuid.uuid4().hex[:8]}.sqlite'}")
        return engine, engine.dispose
    url, drop = databases.empty_postgres()
    engine = database.make_engine(url)

    def cleanup() -> None:
        engine.dispose()
        drop()

    return engine, cleanup


@pytest.fixture
def no_secrecy(monkeypatch):
    """Disclosure off (threshold 1): hand-computed values on the tiny fixtures, whose 44 young
    people would otherwise be masked almost everywhere by the secrecy rule."""
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")


@pytest.fixture(autouse=True)
def fresh_upload_counts():
    """Each test starts as a new app process would, with no file sent yet: the upload guard
    (``dashboard.ui.uploads``) counts each user's files in memory for ten minutes, and the page tests
    of one worker would otherwise add up to its limit and be refused, depending on their order."""
    yield
    with upload_guard._lock:  # the guard's per-process memory
        upload_guard._sends.clear()
