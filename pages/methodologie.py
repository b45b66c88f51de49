"""Page « Méthodologie et sources »: every markdown file of dashboard/docs/methodologie, in order,
with the table of national absenteeism reference rates after the absenteeism method."""

from pathlib import Path

import streamlit as st

from dashboard import ui
from queries.absenteisme_references import references_markdown

DOCS = Path(__file__).resolve().parents[1] / "dashboard" / "docs" / "methodologie"


def body() -> None:
    ui.page_context("Méthodologie et sources", with_territory=False)
    for path in sorted(DOCS.glob("*.md")):
        st.markdown(path.read_text(encoding="utf-8"))
        if path.name.startswith("40-"):  # the absenteeism method, then its national reference rates
            st.markdown(references_markdown())
        st.divider()


ui.run_page(body)
