"""Page « Méthodologie et sources »: every markdown file of dashboard/docs/methodologie, in order,
with the table of national absenteeism reference rates after the absenteeism method.

A file's first line is its ``## `` title: drawn as a header with a fixed anchor (the file name
without its number) so that the table of contents at the top of the page links to it. What comes
before the line ``<!-- détail -->`` is the subject's summary, read first (what each
figure means, where it comes from, how secrecy works); the technical detail after it is folded in an
expander.
"""

from pathlib import Path

import streamlit as st

from dashboard.publish import methodologie
from dashboard.ui import page as ui
from queries.absenteisme_references import references_markdown
from queries.territoires import breakdown_summary

DOCS = Path(__file__).resolve().parents[1] / "dashboard" / "docs" / "methodologie"


DETAIL = "<!-- détail -->"


def split(text: str) -> tuple[str, str]:
    """(summary, technical detail) of a section's text."""
    summary, _, detail = text.partition(DETAIL)
    return summary.strip(), detail.strip()


def sections() -> list[tuple[str, str | None, str]]:
    """(file name, title or None, text below the title) of every file, in order."""
    out = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        if first.startswith("## "):
            out.append((path.name, first[3:].strip(), rest))
        else:
            out.append((path.name, None, text))
    return out


def anchor(name: str) -> str:
    """``40-absenteisme.md`` → ``absenteisme``."""
    return Path(name).stem.split("-", 1)[-1]


def body() -> None:
    ui.page_context("Méthodologie et sources", with_territory=False)
    parts = sections()
    academie, summary = ui.academie(), ui.query(breakdown_summary)
    st.markdown("**Sommaire** — " + " · ".join(f"[{title}](#{anchor(name)})" for name, title, _ in parts if title))
    st.caption("Chaque rubrique commence par l'essentiel ; la méthode détaillée est repliée dessous.")
    for name, title, text in parts:
        if title:
            st.header(title, anchor=anchor(name))
        brief, detail = split(methodologie.render(text, academie, summary))
        st.markdown(brief)
        if detail or name.startswith("40-"):
            with st.expander(f"Méthode détaillée — {title}" if title else "Méthode détaillée"):
                st.markdown(detail)
                if name.startswith("40-"):  # the absenteeism method, then its national reference rates
                    st.markdown(references_markdown())
        st.divider()


ui.run_page(body)
