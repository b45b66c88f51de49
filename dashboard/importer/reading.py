"""Reading an uploaded file into rows of text: CSV (any usual encoding and separator) or XLSX.

The header row is the first row (among the first ``HEADER_SEARCH_ROWS``) that looks most like a
contract's header, so title rows above it are skipped. Every row keeps its line number as the
user sees it in the spreadsheet (title and blank rows counted). Blank rows are dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from dashboard.importer import contracts, limits, textfile, xlsx
from dashboard.importer.limits import LimitExceeded
from dashboard.importer.textfile import HEADER_SEARCH_ROWS, SEPARATOR_NAMES, SEPARATORS  # noqa: F401

LINE = "_ligne"  # the line-number column of a raw frame
MAX_LISTED = 50  # cells cleaned of control characters listed one by one


class UnreadableFile(Exception):
    """The file cannot be read at all; ``message`` is for the user (French)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # the spreadsheet line concerned, when there is one


@dataclass(frozen=True)
class RawTable:
    headers: list[str]  # as written in the file (stripped)
    cells: pl.DataFrame  # text cells ``c0``, ``c1``… (one per header) and ``_ligne``; blank rows dropped
    header_line: int
    description: str  # "CSV, UTF-8, séparateur point-virgule" / "XLSX, feuille « bilans »"
    overflow: tuple[int, ...] = ()  # lines holding values to the right of the last header
    header_rows: int = 1  # 2 when the header is written on two rows (merged group labels)
    controls: tuple[tuple[int, int], ...] = ()  # (line, column position) of cells whose control characters were removed
    control_count: int = 0  # how many such cells (``controls`` lists the first ``MAX_LISTED``)

    @property
    def header_lines(self) -> str:
        """``"ligne 3"`` or ``"lignes 3 et 4"`` (French)."""
        if self.header_rows == 1:
            return f"ligne {self.header_line}"
        return f"lignes {self.header_line} et {self.header_line + 1}"

    @property
    def is_csv(self) -> bool:
        return self.description.startswith("CSV")

    @property
    def row_count(self) -> int:
        return self.cells.height

    def preview(self, rows: int = 20) -> pl.DataFrame:
        """The first rows as read, with the file's headers (made unique) and the line numbers."""
        names, seen = [], set()
        for index, header in enumerate(self.headers):
            name = header or f"(colonne {index + 1})"
            while name in seen:
                name += " "
            seen.add(name)
            names.append(name)
        head = self.cells.head(rows)
        return head.select(pl.col(LINE).alias("Ligne"), *[pl.col(f"c{i}").alias(n) for i, n in enumerate(names)])


def read_file(data: bytes, filename: str = "", kind: str | None = None) -> RawTable:
    """The table in ``data`` (CSV, XLSX or JSON, guessed from the content), read within ``limits``."""
    if not data or not data.strip():
        raise UnreadableFile("Le fichier est vide.")
    try:
        if data[:4] == b"PK\x03\x04":
            refuse_other_archives(data)
            return read_xlsx(data, kind)
        refuse_other_formats(data)
        if filename.lower().endswith((".xlsx", ".xlsm")):
            raise UnreadableFile("Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide.")
        if filename.lower().endswith(".json") or textfile.looks_like_json(data):
            return read_json(data, kind)
        return read_csv(data, kind)
    except LimitExceeded as exc:
        raise UnreadableFile(exc.message, exc.line) from exc


ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream of a password-protected workbook
SAVE_AS = "ouvrez-le dans le tableur et enregistrez-le au format .xlsx ou .csv (séparateur point-virgule)."


def refuse_other_formats(data: bytes) -> None:
    """A clear message for the files people upload by mistake (they are not CSV)."""
    head = data[:2048].lstrip().lower()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if ENCRYPTED_PACKAGE in data:  # an encrypted OOXML workbook is stored in an OLE container
            raise UnreadableFile("Ce classeur est protégé par un mot de passe (chiffré) : le tableau de bord ne peut pas "
                                 "le lire. Ouvrez-le dans le tableur, retirez le mot de passe (Fichier › Informations › "
                                 "Protéger le classeur › Chiffrer avec mot de passe, effacer le mot de passe), "
                                 "enregistrez-le et importez-le à nouveau.")
        raise UnreadableFile("Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas pris en charge : " + SAVE_AS)
    if data[:5] == b"%PDF-":
        raise UnreadableFile("Ce fichier est un PDF : ses tableaux ne peuvent pas être lus. Exportez les données "
                             "depuis le tableur au format .xlsx ou .csv.")
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<table" in head):
        raise UnreadableFile("Ce fichier est une page web (HTML), pas un CSV : " + SAVE_AS)
    if head.startswith(b"<?xml"):
        raise UnreadableFile("Ce fichier est au format XML (par ex. « Feuille de calcul XML 2003 ») : " + SAVE_AS)
    if data.startswith(b"{\\rtf"):
        raise UnreadableFile("Ce fichier est un document texte mis en forme (RTF), pas un tableau : " + SAVE_AS)


def refuse_other_archives(data: bytes) -> None:
    """ZIP files that are not XLSX workbooks: OpenDocument spreadsheets, Word documents, archives."""

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile("Ce classeur est endommagé ou incomplet : enregistrez-le à nouveau depuis le tableur.") from exc
    if "xl/workbook.xml" in names:
        return
    if "opendocument.spreadsheet" in mimetype:
        raise UnreadableFile("Ce classeur est au format OpenDocument (.ods, LibreOffice ou OpenOffice) : "
                             "enregistrez-le au format .xlsx ou .csv.")
    if "word/document.xml" in names or "opendocument.text" in mimetype:
        raise UnreadableFile("Ce fichier est un document de traitement de texte, pas un tableau : " + SAVE_AS)
    raise UnreadableFile("Ce fichier est une archive compressée (ZIP), pas un classeur Excel : extrayez-en le "
                         "fichier .xlsx ou .csv à importer.")


# --- CSV and JSON -------------------------------------------------------------------------------


def read_csv(data: bytes, kind: str | None = None) -> RawTable:
    try:
        text, encoding = textfile.decode(data)
        textfile.check_line_lengths(data)
        separator = textfile.sniff_separator(text, kind)
        records = textfile.records(text, separator, strict=True)
        description = f"CSV, {encoding}, séparateur {SEPARATOR_NAMES[separator]}"
        widest = textfile.widest_line(data, separator) if encoding.startswith(("UTF-8", "Windows", "ISO")) else None
        table = build_table(records, kind, description, check=CONTROL.search(text) is not None,
                            chunks=lambda stream, rows: textfile.chunks(records, rows, widest))
        del text
        names = [c for c in table.cells.columns if c != LINE]
        broken = table.cells.filter(pl.any_horizontal(
            pl.col(n).str.contains("\n", literal=True) & pl.col(n).str.contains(separator, literal=True)
            for n in names)) if names else table.cells.clear()
        if broken.height:
            raise textfile.unclosed_quote(int(broken[LINE].min()))
        return table
    except textfile.Unreadable as exc:
        raise UnreadableFile(exc.message, exc.line) from exc


def read_json(data: bytes, kind: str | None = None) -> RawTable:
    try:
        return build_table(textfile.json_records(data), kind, "JSON, liste d'enregistrements")
    except textfile.Unreadable as exc:
        raise UnreadableFile(exc.message, exc.line) from exc


# --- XLSX -----------------------------------------------------------------------------------------


def cell_text(value) -> str | None:
    """An Excel cell as text: dates in ISO form, whole numbers without ``.0``, a decimal comma."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")  # French display
    if not isinstance(value, (str, int)):
        return None  # an array formula or another object: no value to read
    return str(value)


def pick_sheet(names: list[str], kind: str | None) -> int:
    """The sheet named like the kind (or like any kind when none given), else the first one."""
    wanted = [kind] if kind else list(contracts.KINDS)
    keys = {contracts.squash(k) for k in wanted} | {contracts.squash(contracts.KIND_LABELS[k]) for k in wanted}
    for index, name in enumerate(names):
        if contracts.squash(name) in keys:
            return index
    return 0


def read_xlsx(data: bytes, kind: str | None = None) -> RawTable:
    """The sheet whose first rows read best as a header (report sheets, pivot tables and notices
    before the data are passed over); on a tie, the sheet named like the kind, else the first.
    Fast streaming reader, openpyxl as a fallback for unusual workbooks; both bounded."""
    try:
        with xlsx.Workbook(data) as workbook:
            named = pick_sheet(workbook.names, kind)
            ranks = [header_rank(workbook.rows(i, HEADER_SEARCH_ROWS), kind) for i in range(len(workbook.names))]
            best = max(range(len(ranks)), key=lambda i: (ranks[i], i == named, -i))
            name = workbook.names[best]
            table = build_table(workbook.rows(best), kind, f"XLSX, feuille « {name} »")
            return table
    except LimitExceeded as exc:
        raise UnreadableFile(exc.message, exc.line) from exc
    except UnreadableFile:
        raise
    except Exception:  # unusual workbook: let openpyxl try
        name, records = read_xlsx_openpyxl(data, kind)
    return build_table(records, kind, f"XLSX, feuille « {name} »")


def header_rank(records, kind: str | None) -> int:
    """How well the best of the first rows of a sheet reads as a header."""
    rows = ([str(c) if c is not None else "" for c in r] for r in list(records)[:HEADER_SEARCH_ROWS])
    return max((contracts.header_score(r, kind) for r in rows), default=0)


def read_xlsx_openpyxl(data: bytes, kind: str | None) -> tuple[str, list[list]]:
    from openpyxl import load_workbook  # heavy: loaded when a workbook is written or read

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure of openpyxl means "not a readable workbook"
        raise UnreadableFile("Ce classeur n'a pas pu être lu : est-ce bien un fichier .xlsx ?") from exc
    try:
        if not workbook.sheetnames:
            raise UnreadableFile("Ce classeur ne contient aucune feuille.")
        index = pick_sheet(workbook.sheetnames, kind)
        sheet = workbook.worksheets[index]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store wrong dimensions
        records, cells, text = [], 0, 0
        for row in sheet.iter_rows(values_only=True, max_col=limits.MAX_COLUMNS):
            record = [cell_text(v) for v in row]
            while record and record[-1] in (None, ""):
                record.pop()
            cells += len(record)
            text += sum(len(c) for c in record if c)
            records.append(record)
            if text > limits.MAX_TEXT_CHARS:
                raise UnreadableFile(limits.too_much_text(len(records)).message, len(records))
            if len(records) > limits.MAX_ROWS:
                raise UnreadableFile(limits.too_many_rows().message)
            if cells > limits.MAX_CELLS:
                raise UnreadableFile(limits.too_many_cells().message)
        return workbook.sheetnames[index], records
    finally:
        workbook.close()


# --- common ---------------------------------------------------------------------------------------


def is_blank(record) -> bool:
    return all(c is None or not str(c).strip() for c in record)


def find_header(records: list, kind: str | None) -> int:
    """Index of the header row: best match among the first rows, else the first non-blank row."""
    best, best_score = None, 0
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        cells = [str(c) if c is not None else "" for c in record]
        score = contracts.header_score(cells, kind)
        if score > best_score:
            best, best_score = index, score
    if best is not None:
        return best
    for index, record in enumerate(records):
        if not is_blank(record):
            return index
    raise UnreadableFile("Le fichier ne contient aucune ligne.")


#: Invisible characters removed from every cell and header (counted in the report): control
#: characters, and (item 10) the marks that reorder or hide text — bidirectional overrides
#: and isolates (U+202A-U+202E, U+2066-U+2069, LRM/RLM, ALM) and zero-width characters (U+200B-U+200D,
#: word joiner, invisible operators, BOM), which make « Collège » show as another name or two names
#: look alike. Non-breaking spaces (French numbers) are kept.
INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f" + INVISIBLE + "]")
CONTROL_PATTERN = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F" + INVISIBLE + "]"


def texts(record) -> list[str]:
    return [" ".join(CONTROL.sub("", str(c)).split()) if c is not None else "" for c in record]


def two_row_header(top: list[str], below: list[str]) -> list[str]:
    """A header written on two rows, a group label merged over several columns above the labels
    of these columns (« Élèves » over « inscrits » and « absentéistes »), read as one row: the
    group label is carried over the empty (merged) cells to its right and joined to each label."""
    out, group = [], ""
    for index in range(max(len(top), len(below))):
        upper = top[index] if index < len(top) else ""
        lower = below[index] if index < len(below) else ""
        group = upper or (group if lower else "")
        out.append(" ".join(part for part in (group, lower) if part))
    return out


CHUNK_CELLS = 200_000  # cells kept as Python objects before they go into a polars frame


def batched(stream, size: int):
    while chunk := list(itertools.islice(stream, size)):
        yield chunk


def build_table(records: Iterable, kind: str | None, description: str, check: bool = True,
                chunks=None) -> RawTable:
    """The table of ``records`` (any iterable of rows): header found among the first rows, then
    the body streamed into polars chunk by chunk (never the whole file as Python objects).
    ``check``: look for control characters (skipped when the caller knows there are none);
    ``chunks(stream, rows)``: how to cut the rest of ``records`` into lists of rows (the CSV reader
    checks its limits per chunk)."""
    stream = iter(records)
    head = list(itertools.islice(stream, HEADER_SEARCH_ROWS + 1))
    if not head:
        raise UnreadableFile("Le fichier ne contient aucune ligne.")
    header_index = find_header(head, kind)
    header = texts(head[header_index])
    data_index = header_index + 1
    if data_index < len(head) and not is_blank(head[data_index]):
        joined = two_row_header(header, texts(head[data_index]))
        if contracts.header_score(joined, kind) > contracts.header_score(header, kind):
            header, data_index = joined, data_index + 1
    while header and not header[-1]:
        header.pop()
    if not header:
        raise UnreadableFile("La ligne d'en-tête est vide.")
    width = len(header)
    first = data_index + 1  # spreadsheet line of the first data row
    names = [f"c{i}" for i in range(width)]
    chunk_rows = max(100, CHUNK_CELLS // width)
    frames: list[pl.DataFrame] = []
    overflow: list[int] = []
    controls: list[tuple[int, int]] = []
    control_count = 0
    padding = [None] * width
    body = itertools.chain([head[data_index:]], (chunks or batched)(stream, chunk_rows))
    line = first
    for chunk in body:
        if not chunk:
            continue
        if set(map(len, chunk)) != {width}:  # short, long or blank rows (rare): fixed one by one
            fixed = []
            for index, record in enumerate(chunk):
                if len(record) != width:
                    if len(record) > width and not is_blank(record[width:]):
                        overflow.append(line + index)
                    record = (list(record[:width]) + padding)[:width]
                fixed.append(record)
            chunk = fixed
        columns = list(zip(*chunk, strict=True))
        frame = pl.DataFrame(
            {name: pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)}
        ).with_columns(pl.int_range(line, line + len(chunk), dtype=pl.Int64).alias(LINE))
        line += len(chunk)
        del columns, chunk
        flags = frame.select(pl.col(n).str.contains(CONTROL_PATTERN).any() for n in names).row(0) if check else ()
        dirty = [n for n, found in zip(names, flags, strict=False) if found]
        for index, name in enumerate(names):
            if name in dirty:
                found = frame.filter(pl.col(name).str.contains(CONTROL_PATTERN))[LINE]
                control_count += found.len()
                controls.extend((at, index) for at in found.head(max(0, MAX_LISTED - len(controls))).to_list())
        if dirty:
            frame = frame.with_columns(pl.col(n).str.replace_all(CONTROL_PATTERN, "") for n in dirty)
        frames.append(frame)
    if frames:
        cells = pl.concat(frames, rechunk=True)
        del frames
        blank = pl.all_horizontal(pl.col(n).is_null() | (pl.col(n).str.strip_chars() == "") for n in names)
        cells = cells.filter(~blank)
    else:
        cells = pl.DataFrame({n: pl.Series(n, [], dtype=pl.String) for n in names}).with_columns(
            pl.Series(LINE, [], dtype=pl.Int64))
    return RawTable(header, cells, header_index + 1, description, tuple(overflow), data_index - header_index,
                    tuple(controls), control_count)
