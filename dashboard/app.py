"""Entrypoint: ``streamlit run dashboard/app.py``.

Pages are registered by absolute path with an explicit ``url_path`` (DESIGN §5): the entrypoint
lives in ``dashboard/`` so Streamlit's legacy ``pages/`` discovery never switches on.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import ui, ui_french  # noqa: E402
from dashboard.pages_registry import PAGES  # noqa: E402

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

st.set_page_config(
    page_title="Pilotage du décrochage — Poitiers",
    page_icon="🎓",
    layout="wide",
    initial_sidebar_state="expanded",
)

pages = {
    section: [
        st.Page(ROOT / "pages" / spec.file, title=spec.title, url_path=spec.url_path or None,
                default=spec.default, icon=spec.icon)
        for spec in specs
    ]
    for section, specs in PAGES.items()
}
ui_french.apply()  # French for the few frontend texts Streamlit writes in English
# An unknown user sees the "accès non autorisé" page and nothing else: not even the page list; a
# database that cannot answer is said in French on its own page.
allowed, failure = ui.entry_access()
navigation = st.navigation(pages, position="sidebar" if allowed else "hidden", expanded=True)
if failure:
    ui.failure_page(failure)
if allowed:
    ui.run_selection()  # the year and territory, shared by every page (sidebar, under the menu)
navigation.run()
