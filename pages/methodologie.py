"""Page « Méthodologie et sources »: every markdown file of dashboard/docs/methodologie, in order."""

from pathlib import Path

import streamlit as st

from dashboard import ui

DOCS = Path(__file__).resolve().parents[1] / "dashboard" / "docs" / "methodologie"


def body() -> None:
    ui.page_context("Méthodologie et sources", with_territory=False)
    for path in sorted(DOCS.glob("*.md")):
        st.markdown(path.read_text(encoding="utf-8"))
        st.divider()


ui.run_page(body)
