"""Shared fixtures: throwaway databases on SQLite and PostgreSQL, demo data, AppTest factory.

* ``db_engine`` — a fresh database (schema + default breakdown), parametrised over SQLite and,
  when ``DASHBOARD_TEST_POSTGRES_URL`` is set, PostgreSQL (each test in its own schema).
* ``demo_engine`` — a session-wide database filled with demonstration data (read only!),
  SQLite and PostgreSQL likewise.
* ``demo_sqlite_url`` — URL of a session-wide SQLite demo database (for AppTest and browser tests).
* ``app_test`` — factory: ``app_test("carte", territoire="R86-POI")`` runs a page with AppTest.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from dashboard import db

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("DASHBOARD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_engine_in_new_schema():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    from sqlalchemy import create_engine

    url = PG_URL if "+psycopg" in PG_URL else PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


def _drop_pg_schema(schema: str) -> None:
    admin = db.make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def make_backend_engine(backend: str, tmp_path: Path):
    """(engine, cleanup) for a new, empty database on ``backend``."""
    if backend == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.sqlite'}")
        return engine, engine.dispose
    engine, schema = _pg_engine_in_new_schema()

    def cleanup():
        engine.dispose()
        _drop_pg_schema(schema)

    return engine, cleanup


@pytest.fixture(params=BACKENDS)
def db_engine(request, tmp_path):
    """A fresh database with the schema and the default breakdown, on each backend."""
    engine, cleanup = make_backend_engine(request.param, tmp_path)
    db.init_database(engine)
    yield engine
    cleanup()


@pytest.fixture(params=BACKENDS)
def bare_engine(request, tmp_path):
    """A fresh database with the schema only (no geography), on each backend."""
    engine, cleanup = make_backend_engine(request.param, tmp_path)
    db.create_schema(engine)
    yield engine
    cleanup()


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory) -> str:
    """A session-wide SQLite database with demonstration data (copy it before writing)."""
    from dashboard import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.init_database(engine)
    demo.fill(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="session", params=BACKENDS)
def demo_engine(request, demo_sqlite_url, tmp_path_factory):
    """Demonstration data on each backend, shared by the session: never write to it."""
    if request.param == "sqlite":
        engine = db.make_engine(demo_sqlite_url)
        yield engine
        engine.dispose()
        return
    from dashboard import demo

    engine, schema = _pg_engine_in_new_schema()
    db.init_database(engine)
    demo.fill(engine)
    yield engine
    engine.dispose()
    _drop_pg_schema(schema)


@pytest.fixture
def writable_demo_url(demo_sqlite_url, tmp_path) -> str:
    """A private copy of the SQLite demo database, safe to write to, with an empty audit log (the
    shared database logs the page views of the app tests that run on it)."""
    src = Path(demo_sqlite_url.split("///", 1)[1])
    dst = tmp_path / "demo-copy.sqlite"
    shutil.copy(src, dst)
    url = f"sqlite:///{dst}"
    engine = db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(db.audit_log.delete())
    engine.dispose()
    return url


@pytest.fixture
def app_test(demo_sqlite_url, monkeypatch):
    """Factory running one page of the app with AppTest on the demo database.

    ``app_test("raccrochage", annee="2014-2015", territoire="R86-POI")`` returns the AppTest
    after its first run. Pass ``database_url=`` to use another database.
    """
    from streamlit.testing.v1 import AppTest

    def run(url_path: str = "", database_url: str | None = None, timeout: float = 60, **params):
        monkeypatch.setenv(db.ENV_URL, database_url or demo_sqlite_url)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=timeout)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        if url_path:
            at.switch_page(str(ROOT / "pages" / _page_file(url_path)))
            at.run()
        return at

    return run


def _page_file(url_path: str) -> str:
    from dashboard.pages_registry import all_pages

    for spec in all_pages():
        if spec.url_path == url_path:
            return spec.file
    raise KeyError(url_path)


def assert_no_exception(at) -> None:
    """No exception element and no generic error message on the page."""
    from dashboard.ui import GENERIC_ERROR

    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert GENERIC_ERROR not in errors, errors


@pytest.fixture
def no_secrecy(monkeypatch):
    """Disclosure off (threshold 1): hand-computed values on the tiny fixtures, whose 44 young
    people would otherwise be masked almost everywhere by the secrecy rule."""
    monkeypatch.setenv("DASHBOARD_DISCLOSURE_THRESHOLD", "1")
