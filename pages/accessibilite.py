"""Page « Déclaration d'accessibilité »: the RGAA's model statement (état de conformité,
résultats des tests, contenus non accessibles, dérogations, voies de recours), from
``dashboard/docs/accessibilite/declaration.md``, with the list of the pages checked (the registry's)."""

from pathlib import Path

import streamlit as st

from dashboard.ui import page as ui
from dashboard.ui.registry import all_pages

STATEMENT = Path(__file__).resolve().parents[1] / "dashboard" / "docs" / "accessibilite" / "declaration.md"


def body() -> None:
    ui.page_context("Déclaration d'accessibilité", with_territory=False)
    text = STATEMENT.read_text(encoding="utf-8").replace("{de_lacademie}", ui.academie().de_lacademie)
    before, marker, after = text.partition("## Retour d'information et contact")
    st.markdown(before)
    st.markdown("\n".join(f"- {spec.title}" for spec in all_pages()))
    st.markdown(marker + after)


ui.run_page(body)
