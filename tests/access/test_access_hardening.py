"""Hardening (issue 9): server configuration, no HTML from user text, bound SQL, no traceback."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("dashboard", "pages", "queries", "geodata", "bench")


def _sources() -> list[Path]:
    files = [ROOT / "dashboard" / "app.py"]
    for folder in SOURCE_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return sorted(set(files))


def test_streamlit_server_configuration():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True
    assert 1 <= server["maxUploadSize"] <= 50  # Mo
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


def test_streamlit_reads_that_configuration():
    """What the server really runs with (``streamlit config show`` from the project folder)."""
    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    active = {line.split("=", 1)[0].strip(): line.split("=", 1)[1].strip()
              for line in out.splitlines() if "=" in line and not line.startswith("#")}
    assert active["enableXsrfProtection"] == "true"
    assert active["showErrorDetails"] == '"none"'
    assert int(active["maxUploadSize"]) <= 50


@pytest.mark.parametrize("pattern", [
    r"unsafe_allow_html\s*=\s*True",
    r"\bst\.html\(",
    r"components\.v1\.html|components\.html\(",
])
def test_no_html_rendering_of_text(pattern):
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in _sources()
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(pattern, line) and f"{p.relative_to(ROOT)}:{line.strip()}" not in STYLESHEET_CALL]
    assert not offenders, offenders


#: The one HTML call allowed: the package's static stylesheet (a file path, no data in it).
STYLESHEET_CALL = {"dashboard/ui/french.py:st.html(STYLESHEET)  # a file of the package: only style rules, "
                   "rendered outside the page's layout"}


def test_the_stylesheet_holds_only_style_rules():
    from dashboard.ui import french as ui_french

    css = ui_french.STYLESHEET.read_text(encoding="utf-8")
    assert ui_french.STYLESHEET.suffix == ".css" and "<" not in css and "@import" not in css and "url(" not in css


SQL_BUILT_FROM_STRINGS = [
    r"""(?<!st\.)\btext\(\s*f["']""",              # text(f"... {value}")
    r"""(?<!st\.)\btext\([^)]*(%|\.format\()""",   # text("..." % x), text("...".format(x))
    r"""exec_driver_sql\(\s*f["']""",
    r"""\.execute\(\s*f["']""",
    r"""\btext\(\s*["'][^"']*["']\s*\+""",        # text("..." + x)
]


# Files allowed to build SQL text, because they interpolate identifiers only, never values.
SQL_TEXT_ALLOWED = {
    # bulk import: table and column names from the SQLAlchemy schema, quoted by the dialect's
    # identifier preparer; every value goes through placeholders (executemany) or COPY
    "dashboard/importer/bulk.py",
    # benchmark set-up: a generated schema name (uuid), like tests/conftest.py
    "bench/bench_importer.py",
}


@pytest.mark.parametrize("pattern", SQL_BUILT_FROM_STRINGS)
def test_no_sql_built_from_strings_outside_tests(pattern):
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in _sources()
                 if str(p.relative_to(ROOT)) not in SQL_TEXT_ALLOWED
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if re.search(pattern, line)]
    assert not offenders, offenders


def test_the_greps_catch_what_they_look_for():
    assert re.search(SQL_BUILT_FROM_STRINGS[0], 'conn.execute(text(f"SELECT * FROM t WHERE c = {x}"))')
    assert re.search(SQL_BUILT_FROM_STRINGS[1], 'text("SELECT %s" % x)')
    assert not re.search(SQL_BUILT_FROM_STRINGS[0], 'text("SELECT 1")')
    assert not re.search(SQL_BUILT_FROM_STRINGS[0], 'st.text(f"Lecture : {x}")')
    assert re.search(r"unsafe_allow_html\s*=\s*True", "st.markdown(x, unsafe_allow_html = True)")


def _failing_page():
    from dashboard.ui import page as ui

    def body():
        import streamlit as st

        st.title("Page en erreur")
        raise RuntimeError("détail interne : /srv/secret.py ligne 12")

    ui.run_page(body)


def _denied_page():
    from dashboard.access.scope import AccessDenied
    from dashboard.ui import page as ui

    def body():
        raise AccessDenied()

    ui.run_page(body)


def test_errors_are_logged_server_side_without_traceback_for_the_user(caplog):
    from streamlit.testing.v1 import AppTest

    from dashboard.ui.page import GENERIC_ERROR

    with caplog.at_level(logging.ERROR, logger="dashboard"):
        at = AppTest.from_function(_failing_page, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == [GENERIC_ERROR]
    shown = "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None) is not None)
    assert "Traceback" not in shown and "secret.py" not in shown and "RuntimeError" not in shown
    records = [r for r in caplog.records if r.name == "dashboard"]
    assert records and records[-1].exc_info and "secret.py" in str(records[-1].exc_info[1])


def test_access_denied_is_a_french_message():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_denied_page, default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Accès non autorisé : Accès non autorisé à ce territoire."]
