"""French for the texts Streamlit's frontend writes in English and offers no setting for.

* The file uploader's button, size line and file sizes: a static stylesheet
  (``dashboard/static/pilotage.css``, layout and texts only, no data in it) draws the French text in their place.
* The file uploader's errors (« File must be 20.0MB or smaller. », a refused upload), its labels
  read by screen readers, and the « Connection error » dialog shown when the server stops
  answering: a static script (``dashboard/static/francais.js``, no data in it) rewrites exactly these
  English texts in French as they appear (item 6).
* Accessibility: the same script names what Streamlit leaves unnamed or names in English
  (the menu's lists, « ? » helps, heading anchors, icons that carry a status, charts: see its header).
* The « Page not found » dialog, shown by the frontend when an address names no page: the
  entrypoint records the miss instead, and ``page_context`` says it in French in the page body.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from queries.statuses import icon_meanings

STYLESHEET = Path(__file__).resolve().parents[1] / "static" / "pilotage.css"
SCRIPT = Path(__file__).resolve().parents[1] / "static" / "francais.js"
PAGE_NOT_FOUND = "page_introuvable"  # session flag, set for the run that fell back to Accueil
PAGE_NOT_FOUND_NOTICE = ("La page demandée n'existe pas : voici la page d'accueil. Choisissez une page dans le menu "
                         "de gauche.")


def _record_page_not_found(_ctx) -> None:
    st.session_state[PAGE_NOT_FOUND] = True


def apply() -> None:
    """The stylesheet for this run, and the French handling of an address that names no page."""
    if STYLESHEET.is_file():
        st.html(STYLESHEET)  # a file of the package: only style rules, rendered outside the page's layout
    if SCRIPT.is_file():  # a file of the package, no data: installed once per page load (guarded)
        st.sidebar.html(f"<script>{script_text()}</script>", unsafe_allow_javascript=True, width=1)
    try:
        from streamlit.commands import navigation  # Streamlit's internals: guarded for another layout
    except ImportError:  # pragma: no cover - another Streamlit layout: its own dialog stays
        return
    if hasattr(navigation, "send_page_not_found"):
        navigation.send_page_not_found = _record_page_not_found


def script_text() -> str:
    """The static script, after the meanings of the status icons (constants of the app, no data):
    what a screen reader says for an icon that carries a status."""
    meanings = json.dumps(icon_meanings(), ensure_ascii=False)
    return f"window.__pilotageIcones = {meanings};\n" + SCRIPT.read_text(encoding="utf-8")


def page_not_found_notice() -> str | None:
    """The notice of a run that fell back to Accueil from an unknown address (once)."""
    return PAGE_NOT_FOUND_NOTICE if st.session_state.pop(PAGE_NOT_FOUND, False) else None
