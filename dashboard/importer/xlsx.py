"""A fast reader for the cells of one XLSX sheet (values only), streaming the sheet's XML.

openpyxl builds a Python object per cell and needs minutes-long passes on 100 000-row sheets;
this reader keeps only what the importer needs: each row's cells as text (shared and inline
strings, numbers, booleans, cached formula results) with date-formatted numbers turned into ISO
dates, row numbers preserved (missing rows come back empty). ``reading`` falls back to openpyxl
when this reader fails on an unusual file.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BUILTIN_DATE_IDS = {i for i, code in BUILTIN_FORMATS.items() if is_date_format(code)} | set(range(27, 37)) | set(
    range(50, 59)
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _text(element) -> str:
    """Concatenated ``<t>`` texts of a string item, phonetic runs (``rPh``) left out."""
    parts = []
    for node in element.iter():
        if _local(node.tag) == "t" and _local(node.getparent().tag) != "rPh":
            parts.append(node.text or "")
    return "".join(parts)


def _xml(archive: zipfile.ZipFile, path: str):
    return etree.fromstring(archive.read(path))


def sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, path of its XML in the archive), in workbook order."""
    workbook = _xml(archive, "xl/workbook.xml")
    rels = _xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    out = []
    for sheet in workbook.iter("{*}sheet"):
        target = targets[sheet.get(f"{{{REL_NS}}}id")]
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name"), path))
    return out


def shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    return [_text(item) for item in _xml(archive, "xl/sharedStrings.xml") if _local(item.tag) == "si"]


def date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles (``s`` attribute) that display a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    styles = _xml(archive, "xl/styles.xml")
    custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter("{*}numFmt")}
    dated = BUILTIN_DATE_IDS | {i for i, code in custom.items() if is_date_format(code)}
    out = set()
    for xfs in styles.iter("{*}cellXfs"):
        for index, xf in enumerate(_children(xfs, "xf")):
            if int(xf.get("numFmtId", 0)) in dated:
                out.add(index)
    return out


def uses_1904(archive: zipfile.ZipFile) -> bool:
    for props in _xml(archive, "xl/workbook.xml").iter("{*}workbookPr"):
        return props.get("date1904") in ("1", "true")
    return False


_COLUMNS: dict[str, int] = {}


def column_index(reference: str) -> int:
    """``"C12"`` → 2 (memoised on the letters)."""
    letters = reference.rstrip("0123456789")
    if letters not in _COLUMNS:
        index = 0
        for ch in letters.upper():
            index = index * 26 + (ord(ch) - 64)
        _COLUMNS[letters] = index - 1
    return _COLUMNS[letters]


def number_text(raw: str, is_date: bool, epoch) -> str:
    value = float(raw)
    if is_date:
        moment = from_excel(value, epoch=epoch)
        if isinstance(moment, dt.datetime):
            return moment.date().isoformat() if moment.time() == dt.time(0) else moment.isoformat(sep=" ")
        return str(moment)
    return str(int(value)) if value.is_integer() else raw.replace(".", ",")  # as a French spreadsheet shows it


class CellReader:
    """Turns ``<c>`` elements of one sheet into text (the sheet's namespace resolved once)."""

    def __init__(self, namespace: str, strings: list[str], dates: set[int], epoch) -> None:
        self.v, self.t, self.inline = f"{namespace}v", f"{namespace}t", f"{namespace}is"
        self.strings, self.dates, self.epoch = strings, dates, epoch

    def __call__(self, cell) -> str | None:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(self.inline)
            return None if inline is None else "".join(inline.itertext(self.t))
        value = cell.findtext(self.v)
        if value is None:
            return None
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return "VRAI" if value == "1" else "FAUX"
        if kind in ("str", "e", "d"):
            return value
        return number_text(value, int(cell.get("s", 0)) in self.dates, self.epoch)


def rows(archive: zipfile.ZipFile, path: str, strings: list[str], dates: set[int], epoch) -> list[list]:
    """Every row of the sheet from row 1, as lists of text cells (``None`` when empty)."""
    out: list[list] = []
    read = None
    with archive.open(path) as stream:
        for _event, row in etree.iterparse(stream, tag="{*}row", huge_tree=True):
            if read is None:
                namespace = row.tag[: row.tag.index("}") + 1] if row.tag.startswith("{") else ""
                read, cell_tag = CellReader(namespace, strings, dates, epoch), f"{namespace}c"
            number = int(row.get("r", len(out) + 1))
            while len(out) < number - 1:
                out.append([])
            cells: list = []
            for cell in row.iterchildren(cell_tag):
                reference = cell.get("r")
                position = column_index(reference) if reference else len(cells)
                if position > len(cells):
                    cells.extend([None] * (position - len(cells)))
                cells.append(read(cell))
            out.append(cells)
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
    return out


def read_sheet(data: bytes, pick) -> tuple[str, list[list]]:
    """(sheet name, rows) of the sheet chosen by ``pick(names) -> index``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        available = sheets(archive)
        if not available:
            raise ValueError("no sheet")
        name, path = available[pick([n for n, _ in available])]
        epoch = CALENDAR_MAC_1904 if uses_1904(archive) else CALENDAR_WINDOWS_1900
        return name, rows(archive, path, shared_strings(archive), date_styles(archive), epoch)
