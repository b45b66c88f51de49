"""The printable letter (PDF) with Typst (the ``typst`` package: the compiler in a self-contained
wheel, offline, no system library): ``templates/lettre.typ`` lays out ``layout.sections``.

The data goes in as one JSON string (``sys.inputs``), so a text written in the app is set as text and
never read as Typst markup. Charts are PNG files beside the template, with their text alternative;
the PDF is tagged (PDF/UA-1: title, language, headings, table headers, image alternatives).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dashboard.lettre import charts as letter_charts
from dashboard.lettre import layout

TEMPLATE = Path(__file__).resolve().parent / "templates" / "lettre.typ"


class PdfError(Exception):
    """The PDF could not be produced (French ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def data(view: dict, charts: list[letter_charts.Chart]) -> dict:
    files = {c.key: f"{c.key}.png" for c in charts}
    sections = layout.sections(view, charts)
    for section in sections:
        for block in section["blocs"]:
            if block["type"] == "image":
                block["fichier"] = files[block["cle"]]
    return {"heading": layout.heading(view), "sections": sections,
            "footer_line": f"{view['titre']} — {view['academie_nom']}"}


def render(view: dict, charts: list[letter_charts.Chart] | None = None) -> bytes:
    """The PDF bytes of a reader's view of the letter."""
    import typst  # heavy (the Typst compiler): loaded when a letter is set as PDF

    charts = letter_charts.charts(view["academie"]) if charts is None else charts
    payload = json.dumps(data(view, charts), ensure_ascii=False)
    with tempfile.TemporaryDirectory(prefix="lettre-") as folder:
        root = Path(folder)
        (root / "lettre.typ").write_bytes(TEMPLATE.read_bytes())
        for chart in charts:
            (root / f"{chart.key}.png").write_bytes(chart.png)
        try:
            return typst.compile(str(root / "lettre.typ"), root=str(root), sys_inputs={"data": payload},
                                 pdf_standards=["ua-1"])
        except Exception as exc:  # the compiler's message, said in French by the caller
            raise PdfError(f"La lettre n'a pas pu être mise en page en PDF ({exc}).") from exc
