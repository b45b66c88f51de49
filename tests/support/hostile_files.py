"""The hostile files of issue 30, made on demand (never committed): each ``(name, build)`` writes one
file to a path. Used by ``tests/test_importer_sandbox.py`` and by ``bench/bench_hostile.py``, which
prints what each costs (peak memory and processor time of the reading child, of the answering
process, and the memory kept after the answer).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

CELL = 32_767  # Excel's longest cell

HEADER = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>uai</t></is></c><c r="B1" t="inlineStr"><is><t>nom</t>'
          b"</is></c></row>")


def workbook(path: Path, rows, shared: list[str]) -> None:
    """A minimal XLSX (sheet « etablissements ») whose sheet XML is streamed from ``rows``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
                                                'org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                         'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                         '<sheets><sheet name="etablissements" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
                         'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        items = "".join(f"<si><t>{s}</t></si>" for s in shared)
        archive.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         f'2006/main">{items}</sst>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            sheet.write(HEADER)
            for row in rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")


def shared_string_bomb(cells: int) -> Callable[[Path], None]:
    """One 32 767-character shared string referenced by ``cells`` cells (issue 30, item 1: 790 000
    cells in about 2 Mo, expanding to 26 Go of text)."""

    def build(path: Path) -> None:
        rows = (f'<row r="{n}"><c r="B{n}" t="s"><v>0</v></c></row>'.encode() for n in range(2, cells + 2))
        workbook(path, rows, ["x" * CELL])

    return build


def text_file(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)

    return build


DEEP_OBJECT = ("".join('{"a":' for _ in range(5000)) + "1" + "}" * 5000).encode()
FIXTURE_LIST_PK = json.dumps([{"model": "annuaire.ecole", "pk": [n], "fields": {"nom": "x"}} for n in range(3)]).encode()
MIXED = ("uai;nom;type;secteur;commune_insee\r\n".encode() + "0860001J;Collège Émile;COLLEGE;PUBLIC;86194\r\n".encode()
         + "0860002K;Lycée Ève;LP;PUBLIC;86194\r\n".encode("cp1252"))

#: (file name, builder, what the answer must hold)
FILES: list[tuple[str, Callable[[Path], None], str]] = [
    ("bombe-textes-partages.xlsx", shared_string_bomb(790_000), "caractères de texte"),
    ("bombe-textes-partages-53ko.xlsx", shared_string_bomb(20_000), "caractères de texte"),
    ("liste-profonde.json", text_file(b"[" * 100_000 + b"]" * 100_000), "niveaux"),
    ("objet-profond.json", text_file(DEEP_OBJECT), "niveaux"),
    ("fixture-pk-liste.json", text_file(FIXTURE_LIST_PK), "chemin [0].pk"),
    ("entier-4400-chiffres.json", text_file(b'[{"uai": ' + b"9" * 4400 + b"}]"), "chiffres"),
    ("encodages-melanges.csv", text_file(MIXED), "deux encodages"),
]
