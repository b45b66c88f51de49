"""Every test's fixtures (declared once here) and the choice of backends.

A test runs on SQLite; a test marked ``all_backends`` (its behaviour depends on the database: SQL,
migrations, locks, failures, concurrency) runs on SQLite and, when ``DASHBOARD_TEST_POSTGRES_URL``
is set, on PostgreSQL too. See ``tests/README.md``.
"""

from __future__ import annotations

from tests.support.databases import BACKENDS

pytest_plugins = [
    "tests.support.fixtures",  # databases: db_engine, bare_engine, demo_engine, demo_sqlite_url…
    "tests.support.apptest",  # app_test, run_app
    "tests.support.browser",  # browser, server
    "tests.support.libreoffice",  # office: files opened as users open them
    "tests.support.rennes",  # the second académie: rennes_engine, rennes_sqlite_url, rennes_server
    "tests.support.timeline",  # DASHBOARD_TEST_TIMELINE=folder: where a run's time goes
]


def pytest_generate_tests(metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        every = metafunc.definition.get_closest_marker("all_backends") is not None
        metafunc.parametrize("backend", BACKENDS if every else ["sqlite"], indirect=True, scope="session")
