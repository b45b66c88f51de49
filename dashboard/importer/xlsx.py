"""A fast reader for the cells of one XLSX sheet (values only), streaming the sheet's XML.

openpyxl builds a Python object per cell and needs minutes-long passes on 100 000-row sheets;
this reader keeps only what the importer needs: each row's cells as text (shared and inline
strings, numbers, booleans, cached formula results — formulas themselves are ignored) with
date-formatted numbers turned into ISO dates, row numbers preserved (missing rows come back
empty). The sheet's XML is scanned with regular expressions, chunk by chunk, within the bounds of
``limits`` (decompressed size, rows, columns, cells); ``reading`` falls back to openpyxl when this
reader fails on an unusual file.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from dashboard.importer import limits

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BUILTIN_DATE_IDS = {i for i, code in BUILTIN_FORMATS.items() if is_date_format(code)} | set(range(27, 37)) | set(
    range(50, 59)
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str):
    return [child for child in element if _local(child.tag) == name]


def _xml(archive: zipfile.ZipFile, path: str, limit: int = limits.MAX_SMALL_PART_BYTES):
    return etree.fromstring(read_part(archive, path, limit), parser=etree.XMLParser(resolve_entities=False))


def read_part(archive: zipfile.ZipFile, path: str, limit: int, what: str = "une partie du classeur") -> bytes:
    """The decompressed bytes of one part, refused once over ``limit`` (declared or actual size)."""
    if archive.getinfo(path).file_size > limit:
        raise limits.part_too_big(limit, what)
    with archive.open(path) as stream:
        return limits.BoundedStream(stream, limit, what).read()


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
    """The shared strings, bounded in decompressed size and in number."""
    path = "xl/sharedStrings.xml"
    if path not in archive.namelist():
        return []
    data = read_part(archive, path, limits.MAX_SHARED_STRINGS_BYTES, "la table des textes du classeur")
    out = [item_text(m.group(1)) for m in SHARED_ITEM.finditer(data)]
    if len(out) > limits.MAX_SHARED_STRINGS:
        raise limits.too_many_strings()
    return [text[: limits.MAX_CELL_CHARS] for text in out]


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


EMPTY: tuple = ()
CHUNK_BYTES = 1 << 22  # decompressed XML processed at a time
MAX_ROW_XML = 8 << 20  # one row's XML (beyond: a row of far too many cells)
ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?\s*'
                       rb"(?:/>|><v>([^<]*)</v></c>|>(.*?)</c>)", re.S)
SHARED_ITEM = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)


def xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return html.unescape(text) if "&" in text else text


def item_text(raw: bytes) -> str:
    """The text of a string item (``<si>`` or ``<is>``): its ``<t>`` runs, phonetic runs left out."""
    if not raw:
        return ""
    return "".join(xml_text(t) for t in TEXT.findall(PHONETIC.sub(b"", raw)))


class SheetScanner:
    """Rows of a sheet's XML read with regular expressions, chunk by chunk: several times faster
    than building an element per cell (lxml), which matters for 100 000-row sheets."""

    def __init__(self, prefix: bytes, strings: list[str], dates: set[int], epoch) -> None:
        p = re.escape(prefix)
        self.row = re.compile(rb"<" + p + rb"row\b([^>]*?)(?:/>|>(.*?)</" + p + rb"row>)", re.S)
        self.cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
        self.value = re.compile(rb"<" + p + rb"v(?:\s[^>]*)?>([^<]*)</" + p + rb"v>")
        self.inline = re.compile(rb"<" + p + rb"is\b[^>]*>(.*?)</" + p + rb"is>", re.S)
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.plain = prefix == b""

    def cell_value(self, attributes: dict, inner: bytes | None) -> str | None:
        if not inner:
            return None
        kind = attributes.get(b"t", b"n")
        if kind == b"inlineStr":
            found = self.inline.search(inner)
            return item_text(found.group(1)) if found else None
        found = self.value.search(inner)
        if found is None:
            return None
        value = found.group(1)
        if kind == b"s":
            index = int(value)
            return self.strings[index] if 0 <= index < len(self.strings) else None
        if kind == b"b":
            return "VRAI" if value.strip() == b"1" else "FAUX"
        if kind in (b"str", b"e", b"d"):
            return xml_text(value)
        try:
            return number_text(value.decode("ascii").strip(), int(attributes.get(b"s", b"0") or 0) in self.dates,
                               self.epoch)
        except (ValueError, OverflowError):
            return xml_text(value)

    def fast_cells(self, body: bytes, number: int) -> list | None:
        """The usual form (``<c r="B2" s="3" t="s"><v>7</v></c>``, attributes in that order, no
        prefix) in one regular expression; ``None`` when the row holds another form."""
        found = FAST_CELL.findall(body)
        if len(found) != body.count(b"<c"):
            return None
        out: list = []
        strings, dates = self.strings, self.dates
        for letters, style, kind, value, inner in found:
            if inner:
                text = self.cell_value({b"t": kind or b"n", b"s": style or b"0"}, inner)
            elif not value:
                continue
            elif kind == b"s":
                index = int(value)
                text = strings[index] if index < len(strings) else None
            elif not kind or kind == b"n":
                if value.isdigit() and not (style and int(style) in dates):
                    text = value.decode("ascii")
                else:
                    text = self.cell_value({b"s": style or b"0"}, b"<v>" + value + b"</v>")
            else:
                text = self.cell_value({b"t": kind, b"s": style or b"0"}, b"<v>" + value + b"</v>")
            if text is None or text == "":
                continue
            position = column_index(letters.decode("ascii"))
            if position >= limits.MAX_COLUMNS:
                raise limits.too_many_columns(position + 1, number)
            if position > len(out):
                out.extend([None] * (position - len(out)))
            text = text[: limits.MAX_CELL_CHARS]
            if position < len(out):
                out[position] = text
            else:
                out.append(text)
        return out

    def cells(self, body: bytes, number: int) -> list:
        if self.plain:
            fast = self.fast_cells(body, number)
            if fast is not None:
                return fast
        out: list = []
        for match in self.cell.finditer(body):
            attributes = dict(ATTRIBUTE.findall(match.group(1)))
            value = self.cell_value(attributes, match.group(2))
            if value is None or value == "":
                continue
            reference = attributes.get(b"r")
            position = column_index(reference.decode("ascii")) if reference else len(out)
            if position >= limits.MAX_COLUMNS:
                raise limits.too_many_columns(position + 1, number)
            if position > len(out):
                out.extend([None] * (position - len(out)))
            value = value[: limits.MAX_CELL_CHARS]
            if position < len(out):
                out[position] = value
            else:
                out.append(value)
        return out

    def rows(self, xml: bytes):
        """(row number or None, cells) for every complete row in ``xml``."""
        for match in self.row.finditer(xml):
            attributes = dict(ATTRIBUTE.findall(match.group(1)))
            number = int(attributes[b"r"]) if attributes.get(b"r", b"").isdigit() else None
            yield number, match.group(2)


def sheet_prefix(head: bytes) -> bytes:
    """The namespace prefix of the sheet's elements (``b""`` or ``b"x:"``)."""
    found = re.search(rb"<(\w+:)?sheetData\b", head)
    return (found.group(1) or b"") if found else b""


def rows(archive: zipfile.ZipFile, path: str, strings: list[str], dates: set[int], epoch,
         max_rows: int | None = None) -> Iterator:
    """Every row of the sheet from row 1, as lists of text cells (``None`` when empty), streamed.

    Bounded while streaming (``limits``): decompressed size, rows, columns holding a value, cells.
    Empty cells are never materialised: a row is as long as its last filled cell (a formatted but
    empty cell in column XFD costs nothing), and missing rows are one shared empty tuple."""
    if archive.getinfo(path).file_size > limits.MAX_XLSX_PART_BYTES:
        raise limits.part_too_big(limits.MAX_XLSX_PART_BYTES)
    count = cells_read = text_read = 0
    scanner = None
    buffer = b""
    with archive.open(path) as raw:
        stream = limits.BoundedStream(raw, limits.MAX_XLSX_PART_BYTES)
        while True:
            chunk = stream.read(CHUNK_BYTES)
            buffer += chunk
            if scanner is None:
                if b"sheetData" not in buffer and chunk:
                    continue
                scanner = SheetScanner(sheet_prefix(buffer), strings, dates, epoch)
                start = buffer.find(b"sheetData")
                buffer = buffer[max(0, start - 8):]
                row_start = b"<" + sheet_prefix(buffer) + b"row"
                cell_start = b"<" + sheet_prefix(buffer) + b"c"
            cut = len(buffer) if not chunk else buffer.rfind(row_start)
            if cut <= 0:
                if len(buffer) > MAX_ROW_XML:
                    raise limits.too_many_cells(limits.MAX_XLSX_CELLS)
                if not chunk:
                    break
                continue
            complete, buffer = buffer[:cut], buffer[cut:]
            for number, body in scanner.rows(complete):
                number = number or count + 1
                if number > limits.MAX_ROWS:
                    raise limits.too_many_rows()
                while count < number - 1:
                    count += 1
                    yield EMPTY
                    if max_rows is not None and count >= max_rows:
                        return
                cells = scanner.cells(body, number) if body else EMPTY
                cells_read += body.count(cell_start) if body else 0  # every cell element, filled or not
                if cells_read > limits.MAX_XLSX_CELLS:
                    raise limits.too_many_cells(limits.MAX_XLSX_CELLS)
                text_read += sum(map(len, filter(None, cells)))  # shared strings count once per cell
                if text_read > limits.MAX_TEXT_CHARS:
                    raise limits.too_much_text(number)
                count += 1
                yield cells or EMPTY
                if max_rows is not None and count >= max_rows:
                    return
            if not chunk:
                break


class Workbook:
    """An open workbook: its sheets, shared strings and date styles read once."""

    def __init__(self, data: bytes) -> None:
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.sheets = sheets(self.archive)
        if not self.sheets:
            raise ValueError("no sheet")
        self.names = [name for name, _ in self.sheets]
        self.strings = shared_strings(self.archive)
        self.dates = date_styles(self.archive)
        self.epoch = CALENDAR_MAC_1904 if uses_1904(self.archive) else CALENDAR_WINDOWS_1900

    def rows(self, index: int, max_rows: int | None = None):
        """The rows of sheet ``index``: a list of the first ``max_rows``, else a stream of all."""
        found = rows(self.archive, self.sheets[index][1], self.strings, self.dates, self.epoch, max_rows)
        return list(found) if max_rows is not None else found

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
