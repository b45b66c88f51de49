"""The environment is the one the product is tested with: every locked version installed, and the
Streamlit internals the product patches still where it patches them (an upgrade that moves them fails
here, loudly, instead of silently dropping a French dialog or the upload guard)."""

from __future__ import annotations

import importlib.metadata
import inspect
from pathlib import Path

import pytest

CONSTRAINTS = Path(__file__).resolve().parents[2] / "constraints.txt"


def locked() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name] = version
    return pins


def test_the_lock_pins_every_dependency_to_one_version():
    pins = locked()
    assert {"streamlit", "polars", "plotly", "SQLAlchemy", "alembic", "python-pptx", "openpyxl", "typst"} <= set(pins)
    assert all(version for version in pins.values()), [n for n, v in pins.items() if not v]


@pytest.mark.parametrize("name", ["streamlit", "polars", "plotly", "SQLAlchemy", "alembic", "python-pptx",
                                  "openpyxl", "highspy", "psycopg", "typst"])
def test_the_installed_version_is_the_locked_one(name):
    assert importlib.metadata.version(name) == locked()[name], (
        f"{name} {importlib.metadata.version(name)} installé, {locked()[name]} attendu : relancez make install")


def test_the_streamlit_internals_the_product_patches_are_where_it_patches_them():
    from streamlit.commands import navigation
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    from dashboard.ui import french as ui_french

    # dashboard/ui_french.py: the French « page introuvable » (replaced once an app ran in this process)
    found = navigation.send_page_not_found
    assert found is ui_french._record_page_not_found or list(inspect.signature(found).parameters) == ["ctx"]
    assert "send_page_not_found(ctx)" in inspect.getsource(navigation._navigation)  # still called where it was
    # dashboard/ui_uploads.py: the upload guard wraps this method (wrapped once an app ran in this process)
    add_file = inspect.unwrap(MemoryUploadedFileManager.add_file)
    assert list(inspect.signature(add_file).parameters)[:3] == ["self", "session_id", "file"]
