"""Text as people send it, read once: the bytes of a CSV decoded whatever the spreadsheet wrote
(``decode``: UTF-8 with or without BOM, UTF-16, Windows-1252; binary or mixed encodings refused in
French) and French words compared without their accents (``without_accents``). Used by the
importer, the users file and the MLDS letter's recipients. Core, no Streamlit.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from dashboard import fmt


def without_accents(text: str) -> str:
    """``"Collège Sévigné"`` → ``"College Sevigne"``: accents dropped, every other character kept."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ascii_letters(text: str) -> str:
    """``without_accents`` then only ASCII (a ligature or a typographic quote is dropped)."""
    return without_accents(text).encode("ascii", "ignore").decode("ascii")


class Unreadable(Exception):
    """The text cannot be read as a table; ``message`` is French."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


BINARY = ("Ce fichier n'est ni un CSV ni un classeur XLSX (contenu binaire : une image, un document ?).")


def utf16_without_bom(sample: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when the zero bytes fall on every other byte (ASCII text
    written in UTF-16 without its byte-order mark), else ``None``."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / max(1, len(odd))
    if zero_odd > 0.3 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.3 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 (with or without BOM), UTF-16 (with or without BOM), else
    Windows-1252. A NUL byte anywhere else, or a mostly binary start, is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise Unreadable(BINARY) from exc
    if not bom and (encoding := utf16_without_bom(data[:4096])):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return text, "UTF-16 sans BOM"
    sample = data[:4096]
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    if b"\x00" in sample or control > len(sample) // 20:
        raise Unreadable(BINARY)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = line_of(data, nul)
        raise Unreadable(f"Ligne {line} : le fichier contient un caractère nul (octet 0), qui n'a pas sa place dans "
                         "un fichier texte : le fichier est sans doute endommagé ou n'est pas un CSV. Enregistrez-le "
                         "à nouveau depuis le tableur.", line)
    try:
        return data.decode("utf-8"), "UTF-8 avec BOM" if bom else "UTF-8"
    except UnicodeDecodeError:
        refuse_mixed_encodings(data)
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1"


NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")
LISTED_LINES = 10  # lines named one by one in the mixed-encoding message


def line_list(lines: list[int]) -> str:
    """« 3, 5 et 8 » or « 3, 5, 8… (12 lignes) »."""
    shown = ", ".join(fmt.integer(n) for n in lines[:LISTED_LINES])
    if len(lines) > LISTED_LINES:
        return f"{shown}… ({fmt.integer(len(lines))} lignes)"
    if len(lines) > 1:
        head, _, last = shown.rpartition(", ")
        return f"{head} et {last}"
    return shown


def refuse_mixed_encodings(data: bytes) -> None:
    """A file that is not UTF-8 as a whole but holds lines that are (lines copied from two sources):
    read as Windows-1252, their accents would be mangled (« CollÃ¨ge »). Refused, naming the lines
    of each encoding."""
    utf8, other, line, last = [], [], 1, 0
    for found in NON_ASCII_LINE.finditer(data):
        line += data.count(b"\n", last, found.start())
        last = found.start()
        try:
            found.group().decode("utf-8")
        except UnicodeDecodeError:
            other.append(line)
        else:
            utf8.append(line)
    if utf8 and other:
        first = min(utf8[0], other[0])
        raise Unreadable(
            f"Le fichier mélange deux encodages de caractères : ligne{'s' if len(utf8) > 1 else ''} "
            f"{line_list(utf8)} en UTF-8, ligne{'s' if len(other) > 1 else ''} {line_list(other)} en Windows-1252. "
            "Lus ensemble, leurs accents seraient déformés (« Collège » deviendrait « CollÃ¨ge ») : rien n'est lu. "
            "Ouvrez le fichier dans le tableur, corrigez ces lignes et enregistrez-le en « CSV UTF-8 ».", first)


def csv_records(text: str, columns: tuple[str, ...], header_key, expected: str, optional: tuple[str, ...] = ("nom",)
                ) -> tuple[list[tuple[int, dict]], list[tuple[int, str, str]]]:
    """The non-empty rows of a small CSV (``;`` or ``,``) as ``(line, {column: stripped text})``, the
    header read through ``header_key``; or the problems ``(line, column, message)`` that stop the reading
    (an empty file, a missing column): the users file and the letter's recipients read this way."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [(1, "", f"le fichier est vide (en-tête attendu : {expected})")]
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in lines[0] else ",")
    header = [header_key(h) for h in next(reader)]
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        return [], [(1, c, "colonne obligatoire absente") for c in missing]
    records = []
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            records.append((number, {c: (values[header.index(c)].strip()
                                         if c in header and header.index(c) < len(values) else "") for c in columns}))
    return records, []
