"""Fixtures of the access tests, loaded with ``pytest_plugins = ["tests.access_fixtures"]``: a
writable app database and an AppTest runner that sets the authentication mode and the request
headers (AppTest cannot set ``st.context.headers``, so ``dashboard.ui_access.request_headers`` is
replaced)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import auth, db, ui_access
from tests.access_helpers import EXAMPLE_USERS, ROOT, has_demo


@pytest.fixture(scope="session")
def _base_app_db(tmp_path_factory) -> Path:
    """Geography only (no indicator data): used while the demo generator is not there."""
    path = tmp_path_factory.mktemp("access") / "base.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.init_database(engine)
    engine.dispose()
    return path


@pytest.fixture
def app_db_url(request, tmp_path) -> str:
    """A private, writable app database: a demo copy when demo data exist, else geography only."""
    if has_demo():
        return request.getfixturevalue("writable_demo_url")
    dst = tmp_path / "app.sqlite"
    shutil.copy(request.getfixturevalue("_base_app_db"), dst)
    return f"sqlite:///{dst}"


@pytest.fixture
def run_app(app_db_url, monkeypatch):
    """``run_app(url_path, mode="proxy", user="ien79", **query_params)`` → AppTest after its run.

    ``user`` is sent in ``X-Remote-User`` (None: no header); ``headers`` overrides all headers.
    """
    from streamlit.testing.v1 import AppTest

    from tests.conftest import _page_file

    def run(url_path: str = "", mode: str = "proxy", user: str | None = None, headers: dict | None = None,
            users_file: Path | None = EXAMPLE_USERS, timeout: float = 90, **params):
        monkeypatch.setenv(db.ENV_URL, app_db_url)
        monkeypatch.setenv(auth.ENV_MODE, mode)
        if users_file is None:
            monkeypatch.delenv(auth.ENV_USERS_FILE, raising=False)
        else:
            monkeypatch.setenv(auth.ENV_USERS_FILE, str(users_file))
        sent = headers if headers is not None else ({"X-Remote-User": user} if user else {})
        monkeypatch.setattr(ui_access, "request_headers", lambda: sent)
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=timeout)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        if url_path:
            at.switch_page(str(ROOT / "pages" / _page_file(url_path)))
            at.run()
        return at

    return run
