"""Reading an uploaded file into rows of text: CSV (any usual encoding and separator) or XLSX.

The header row is the first row (among the first ``HEADER_SEARCH_ROWS``) that looks most like a
contract's header, so title rows above it are skipped. Every row keeps its line number as the
user sees it in the spreadsheet (title and blank rows counted). Blank rows are dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import polars as pl

from dashboard.importer import contracts

HEADER_SEARCH_ROWS = 30
SEPARATORS = (";", ",", "\t", "|")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
LINE = "_ligne"  # the line-number column of a raw frame


class UnreadableFile(Exception):
    """The file cannot be read at all; ``message`` is for the user (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RawTable:
    headers: list[str]  # as written in the file (stripped)
    cells: pl.DataFrame  # text cells ``c0``, ``c1``… (one per header) and ``_ligne``; blank rows dropped
    header_line: int
    description: str  # "CSV, UTF-8, séparateur point-virgule" / "XLSX, feuille « bilans »"
    overflow: tuple[int, ...] = ()  # lines holding values to the right of the last header

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
    """The table in ``data`` (CSV or XLSX, guessed from the content)."""
    if not data or not data.strip():
        raise UnreadableFile("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data, kind)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            "Ce fichier est au format Excel 97-2003 (.xls), qui n'est pas pris en charge : "
            "enregistrez-le au format .xlsx ou .csv."
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide.")
    return read_csv(data, kind)


# --- CSV ------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 avec BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if b"\x00" in data[:4096]:
        raise UnreadableFile("Ce fichier n'est ni un CSV ni un classeur XLSX (contenu binaire).")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def split_records(text: str, separator: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    if limit is None:
        return list(reader)
    out = []
    for record in reader:
        out.append(record)
        if len(out) >= limit:
            break
    return out


def sniff_separator(text: str, kind: str | None) -> str:
    """The separator whose header row matches the most column names; else the most frequent one."""
    best, best_score = None, 0
    for separator in SEPARATORS:
        records = split_records(text, separator, HEADER_SEARCH_ROWS)
        score = max((contracts.header_score(r, kind) for r in records), default=0)
        if score > best_score:
            best, best_score = separator, score
    if best is not None:
        return best
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(SEPARATORS, key=first.count) if any(s in first for s in SEPARATORS) else ";"


def read_csv(data: bytes, kind: str | None = None) -> RawTable:
    text, encoding = decode(data)
    separator = sniff_separator(text, kind)
    try:
        records = split_records(text, separator)
    except csv.Error as exc:
        raise UnreadableFile(f"Le fichier CSV est mal formé ({exc}).") from exc
    description = f"CSV, {encoding}, séparateur {SEPARATOR_NAMES[separator]}"
    return build_table(records, kind, description)


# --- XLSX -----------------------------------------------------------------------------------------


def cell_text(value) -> str | None:
    """An Excel cell as text: dates in ISO form, whole numbers without ``.0``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
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
    """The sheet named like the kind, else the first one (fast reader, openpyxl as a fallback)."""
    from dashboard.importer import xlsx

    try:
        name, records = xlsx.read_sheet(data, lambda names: pick_sheet(names, kind))
    except Exception:  # noqa: BLE001 - unusual workbook: let openpyxl try
        name, records = read_xlsx_openpyxl(data, kind)
    return build_table(records, kind, f"XLSX, feuille « {name} »")


def read_xlsx_openpyxl(data: bytes, kind: str | None) -> tuple[str, list[list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of openpyxl means "not a readable workbook"
        raise UnreadableFile("Ce classeur n'a pas pu être lu : est-ce bien un fichier .xlsx ?") from exc
    try:
        if not workbook.sheetnames:
            raise UnreadableFile("Ce classeur ne contient aucune feuille.")
        index = pick_sheet(workbook.sheetnames, kind)
        sheet = workbook.worksheets[index]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # some writers store wrong dimensions
        records = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        return workbook.sheetnames[index], records
    finally:
        workbook.close()


# --- common ---------------------------------------------------------------------------------------


def is_blank(record) -> bool:
    return all(c is None or not str(c).strip() for c in record)


def find_header(records: list[list], kind: str | None) -> int:
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


def build_table(records: list, kind: str | None, description: str) -> RawTable:
    header_index = find_header(records, kind)
    header = [str(c).strip() if c is not None else "" for c in records[header_index]]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise UnreadableFile("La ligne d'en-tête est vide.")
    width = len(header)
    first = header_index + 2  # spreadsheet line of the first data row
    body = records[header_index + 1:]
    overflow = tuple(first + i for i, r in enumerate(body) if len(r) > width and not is_blank(r[width:]))
    padding = [None] * width
    body = [r if len(r) == width else (list(r[:width]) + padding)[:width] for r in body]
    names = [f"c{i}" for i in range(width)]
    columns = list(zip(*body, strict=True)) if body else [()] * width
    cells = pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)}
    ).with_columns(pl.int_range(first, first + len(body), dtype=pl.Int64).alias(LINE))
    blank = pl.all_horizontal(pl.col(n).is_null() | (pl.col(n).str.strip_chars() == "") for n in names)
    return RawTable(header, cells.filter(~blank), header_index + 1, description, overflow)
