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

from dashboard import fmt
from dashboard.importer import contracts

HEADER_SEARCH_ROWS = 30
SEPARATORS = (";", ",", "\t", "|")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
LINE = "_ligne"  # the line-number column of a raw frame


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
    """The table in ``data`` (CSV or XLSX, guessed from the content)."""
    if not data or not data.strip():
        raise UnreadableFile("Le fichier est vide.")
    if data[:4] == b"PK\x03\x04":
        refuse_other_archives(data)
        return read_xlsx(data, kind)
    refuse_other_formats(data)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("Ce fichier porte l'extension .xlsx mais n'est pas un classeur Excel valide.")
    return read_csv(data, kind)


SAVE_AS = "ouvrez-le dans le tableur et enregistrez-le au format .xlsx ou .csv (séparateur point-virgule)."


def refuse_other_formats(data: bytes) -> None:
    """A clear message for the files people upload by mistake (they are not CSV)."""
    head = data[:2048].lstrip().lower()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
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
    import zipfile

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


# --- CSV ------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 avec BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    sample = data[:4096]
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    if b"\x00" in sample or control > len(sample) // 20:
        raise UnreadableFile("Ce fichier n'est ni un CSV ni un classeur XLSX (contenu binaire : une image, "
                             "un document ?).")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


def split_records(text: str, separator: str, limit: int | None = None, strict: bool = False) -> list[list[str]]:
    """The CSV records (``limit`` at most). ``strict``: a malformed file raises ``UnreadableFile``
    (French, with its line), else what could be read is returned (enough to sniff a separator)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    out: list[list[str]] = []
    try:
        for record in reader:
            if strict and any("\n" in field and separator in field for field in record):
                raise UnreadableFile(
                    f"Ligne {len(out) + 1} : un guillemet (\") ouvert n'est pas refermé, si bien que les lignes "
                    "suivantes sont lues comme une seule cellule. Retirez ce guillemet ou refermez-le.",
                    len(out) + 1,
                )
            out.append(record)
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as exc:
        if not strict:
            return out
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(
                f"Ligne {len(out) + 1} : une cellule dépasse {fmt.integer(csv.field_size_limit())} caractères ; "
                "un guillemet (\") ouvert n'est sans doute jamais refermé.", len(out) + 1,
            ) from exc
        raise UnreadableFile(f"Le fichier CSV est mal formé à la ligne {len(out) + 1} : vérifiez les guillemets "
                             "de cette ligne.", len(out) + 1) from exc
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
    records = split_records(text, separator, strict=True)
    description = f"CSV, {encoding}, séparateur {SEPARATOR_NAMES[separator]}"
    return build_table(records, kind, description)


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
    """The sheet named like the kind, else the first one, else (when that one has no recognisable
    header, e.g. a notice sheet) the sheet with the best header (fast reader, openpyxl as a fallback)."""
    from dashboard.importer import xlsx

    names: list[str] = []

    def pick(found: list[str]) -> int:
        names.extend(found)
        return pick_sheet(found, kind)

    try:
        name, records = xlsx.read_sheet(data, pick)
        score = header_rank(records, kind)
        for index, other in enumerate(names):
            if score >= 2 or other == name:
                continue
            candidate = xlsx.read_sheet(data, lambda _names, i=index: i)
            if (rank := header_rank(candidate[1], kind)) > score:
                (name, records), score = candidate, rank
    except Exception:  # noqa: BLE001 - unusual workbook: let openpyxl try
        name, records = read_xlsx_openpyxl(data, kind)
    return build_table(records, kind, f"XLSX, feuille « {name} »")


def header_rank(records: list[list], kind: str | None) -> int:
    """How well the best of the first rows of a sheet reads as a header."""
    rows = ([str(c) if c is not None else "" for c in r] for r in records[:HEADER_SEARCH_ROWS])
    return max((contracts.header_score(r, kind) for r in rows), default=0)


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


def texts(record) -> list[str]:
    return [" ".join(str(c).split()) if c is not None else "" for c in record]


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


def build_table(records: list, kind: str | None, description: str) -> RawTable:
    header_index = find_header(records, kind)
    header = texts(records[header_index])
    data_index = header_index + 1
    if data_index < len(records) and not is_blank(records[data_index]):
        joined = two_row_header(header, texts(records[data_index]))
        if contracts.header_score(joined, kind) > contracts.header_score(header, kind):
            header, data_index = joined, data_index + 1
    while header and not header[-1]:
        header.pop()
    if not header:
        raise UnreadableFile("La ligne d'en-tête est vide.")
    width = len(header)
    first = data_index + 1  # spreadsheet line of the first data row
    body = records[data_index:]
    overflow = tuple(first + i for i, r in enumerate(body) if len(r) > width and not is_blank(r[width:]))
    padding = [None] * width
    body = [r if len(r) == width else (list(r[:width]) + padding)[:width] for r in body]
    names = [f"c{i}" for i in range(width)]
    columns = list(zip(*body, strict=True)) if body else [()] * width
    cells = pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.String) for name, values in zip(names, columns, strict=True)}
    ).with_columns(pl.int_range(first, first + len(body), dtype=pl.Int64).alias(LINE))
    blank = pl.all_horizontal(pl.col(n).is_null() | (pl.col(n).str.strip_chars() == "") for n in names)
    return RawTable(header, cells.filter(~blank), header_index + 1, description, overflow,
                    data_index - header_index)
