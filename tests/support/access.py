"""Helpers of the access tests: what a page sends to the browser, territories out of an IEN-IO's scope."""

from __future__ import annotations

import re
from pathlib import Path

from google.protobuf import text_format

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_USERS = ROOT / "config" / "utilisateurs.example.csv"
# Names and codes of Charente-Maritime (17) territories: no table or text may show them to an IEN-IO
# of Deux-Sèvres (maps may draw their outlines, without figures).
OUT_OF_SCOPE_17 = re.compile(
    r"Charente-Maritime|La Rochelle|Rochefort|Saintes|Royan|Haute-Saintonge|Jonzac|Angély"
    r"|\b[RP]17-[A-Z]{3}\b"
)
# A school of Charente-Maritime (UAI 017xxxxX): nowhere, charts included.
SCHOOL_17 = re.compile(r"\b017\d{4}[A-Z]\b")


def territory_box(at):
    boxes = [s for s in at.sidebar.selectbox if s.label == "Territoire"]
    return boxes[0] if boxes else None


def _protos(at, charts: bool) -> list[str]:
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "children", None):
            continue
        if (type(proto).__name__ == "PlotlyChart") == charts:
            out.append(text_format.MessageToString(proto, as_utf8=True))
    return out


def all_text(at) -> str:
    """Everything but charts that the page sends to the browser (text, metrics, tables)."""
    return "\n".join(_protos(at, charts=False))


def chart_text(at) -> str:
    """The plotly charts' specs."""
    return "\n".join(_protos(at, charts=True))
