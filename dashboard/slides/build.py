"""A deck in one call: the PPTX of a territory and school year (``build_deck``: ``content.gather``
then ``deck.render``), its file name, and whether an uploaded PowerPoint template can be used.
"""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.slides.content import gather
from dashboard.slides.deck import render


def build_deck(conn: Connection, scope: Scope, code: str, annee: str,
               template: str | Path | bytes | None = None) -> bytes:
    """The PPTX of territory ``code`` for ``annee``. Raises ``AccessDenied`` outside the scope and
    ``KeyError`` for an unknown territory."""
    return render(gather(conn, scope, code, annee), template)


def deck_filename(code: str, annee: str, suffix: str = ".pptx") -> str:
    return f"dialogue-de-gestion-{annee}-{code}{suffix}"


def check_template(data: bytes) -> str | None:
    """None when ``data`` is a usable PowerPoint template, else a French explanation."""

    from pptx import Presentation  # heavy: loaded when a template is checked

    try:
        prs = Presentation(io.BytesIO(data))
    except Exception:  # any parsing error means "not a usable template"
        return "Ce fichier n'est pas un modèle PowerPoint (.pptx) lisible."
    if not len(prs.slide_layouts):
        return "Ce modèle ne contient aucune disposition de diapositive."
    return None
