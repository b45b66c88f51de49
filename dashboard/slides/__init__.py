"""Slide decks for the dialogue de gestion (python-pptx; core, no Streamlit).

* ``gather(conn, scope, code, annee)`` — the deck's content (scope checked, disclosure applied);
* ``render(content, template=None)`` — the PPTX bytes (16:9, native editable charts);
* ``build_deck(conn, scope, code, annee, template=None)`` — both in one call;
* ``figures_xlsx(content)`` — the figures behind the deck, one sheet per slide.

CLI: ``python -m dashboard.slides --help``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.slides.content import gather
from dashboard.slides.deck import render, slide_plan, slide_titles
from dashboard.slides.model import DeckContent, Highlight
from dashboard.slides.workbook import xlsx_bytes as figures_xlsx

__all__ = ["DeckContent", "Highlight", "build_deck", "check_template", "deck_filename", "figures_xlsx", "gather",
           "render", "slide_plan", "slide_titles"]


def build_deck(conn: Connection, scope: Scope, code: str, annee: str,
               template: str | Path | bytes | None = None) -> bytes:
    """The PPTX of territory ``code`` for ``annee``. Raises ``AccessDenied`` outside the scope and
    ``KeyError`` for an unknown territory."""
    return render(gather(conn, scope, code, annee), template)


def deck_filename(code: str, annee: str, suffix: str = ".pptx") -> str:
    return f"dialogue-de-gestion-{annee}-{code}{suffix}"


def check_template(data: bytes) -> str | None:
    """None when ``data`` is a usable PowerPoint template, else a French explanation."""
    import io

    from pptx import Presentation

    try:
        prs = Presentation(io.BytesIO(data))
    except Exception:  # any parsing error means "not a usable template"
        return "Ce fichier n'est pas un modèle PowerPoint (.pptx) lisible."
    if not len(prs.slide_layouts):
        return "Ce modèle ne contient aucune disposition de diapositive."
    return None
