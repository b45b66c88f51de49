"""Bounds on what a file may hold, checked while it is read: before anything big is built.

A file over one of these limits is refused at once with a French message giving the limit. The
limits are far above the académie's real files (the widest real dataset, the lycées' headcounts,
has 175 columns; the national school directory about 65 000 rows × 69 columns) and low enough
that any file of the upload cap (20 Mo) is answered in seconds with a bounded memory.
"""

from __future__ import annotations

from dashboard import fmt

MAX_COLUMNS = 250  # columns holding a value (trailing empty cells do not count)
MAX_LINE_CHARS = 200_000  # characters on one physical line of a CSV
MAX_ROWS = 1_000_000  # rows of a sheet or records of a CSV
MAX_CELLS = 6_000_000  # cells read (rows × their columns)
MAX_CELL_CHARS = 32_767  # characters in one cell (Excel's own limit)
MAX_XLSX_PART_BYTES = 100 * 1024 * 1024  # decompressed size of one sheet's XML
MAX_XLSX_CELLS = 800_000  # cell elements of a sheet, filled or not (XML is slower to read than CSV)
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # decompressed size of the shared strings
MAX_SHARED_STRINGS = 2_000_000  # distinct strings of a workbook
MAX_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook.xml, styles.xml, relationships
MAX_JSON_BYTES = 30 * 1024 * 1024
#: Characters of text in the cells read from a workbook: a shared string is stored once and
#: may be referenced by every cell, so a 2 Mo workbook could otherwise expand to gigabytes of text
#: (one 32 767-character string × 790 000 cells). A CSV holds at most its own size in text.
MAX_TEXT_CHARS = 60_000_000


def mib(size: int) -> str:
    return f"{fmt.integer(size // (1024 * 1024))} Mo"


class LimitExceeded(Exception):
    """Raised by the readers; ``reading`` turns it into ``UnreadableFile`` (French message)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class TooManyColumns(LimitExceeded):
    """A row wider than ``MAX_COLUMNS``: with another separator, the file may not be."""


def too_many_columns(count: int, line: int | None = None) -> TooManyColumns:
    where = f"La ligne {line} compte" if line else "Le tableau compte"
    return TooManyColumns(
        f"{where} {fmt.integer(count)} colonnes remplies : le tableau de bord en lit "
        f"{fmt.integer(MAX_COLUMNS)} au plus. Supprimez les colonnes inutiles (ou les cellules remplies loin à "
        "droite du tableau) et réessayez.", line)


def line_too_long(line: int) -> LimitExceeded:
    return LimitExceeded(
        f"La ligne {line} dépasse {fmt.integer(MAX_LINE_CHARS)} caractères : ce n'est pas un tableau lisible "
        "(fichier sans retour à la ligne, ou guillemet jamais refermé).", line)


def too_many_rows() -> LimitExceeded:
    return LimitExceeded(
        f"Le fichier dépasse {fmt.integer(MAX_ROWS)} lignes, la limite d'un import : découpez-le (par exemple "
        "par année scolaire ou par département).")


def too_many_cells(limit: int = MAX_CELLS) -> LimitExceeded:
    csv = " (ou enregistrez-le en CSV, lu plus vite)" if limit != MAX_CELLS else ""
    return LimitExceeded(
        f"Le fichier dépasse {fmt.integer(limit)} cellules (lignes × colonnes), la limite d'un import : "
        f"supprimez les colonnes inutiles ou découpez le fichier{csv}.")


def too_much_text(line: int | None = None) -> LimitExceeded:
    return LimitExceeded(
        f"Lues, les cellules de ce classeur dépassent {fmt.integer(MAX_TEXT_CHARS)} caractères de texte, la limite "
        "d'un import : un même long texte est sans doute répété dans un très grand nombre de cellules. Supprimez ces "
        "textes (ou les colonnes inutiles), ou enregistrez le tableau utile en CSV.", line)


def part_too_big(limit: int, what: str = "une feuille du classeur") -> LimitExceeded:
    return LimitExceeded(
        f"Décompressée, {what} dépasse {mib(limit)}, la limite d'un import : ce classeur est anormalement gros "
        "pour son contenu (cellules vides mises en forme sur des milliers de lignes ?). Copiez le tableau utile "
        "dans un nouveau classeur, ou enregistrez-le en CSV.")


def too_many_strings() -> LimitExceeded:
    return LimitExceeded(
        f"Le classeur contient plus de {fmt.integer(MAX_SHARED_STRINGS)} textes différents, la limite d'un "
        "import : découpez-le ou enregistrez-le en CSV.")


class BoundedStream:
    """A binary stream that raises ``part_too_big`` once more than ``limit`` bytes were read."""

    def __init__(self, stream, limit: int, what: str = "une feuille du classeur") -> None:
        self.stream, self.limit, self.what, self.read_bytes = stream, limit, what, 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit + 1 - self.read_bytes
        chunk = self.stream.read(max(0, min(size, self.limit + 1 - self.read_bytes)) or 1)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise part_too_big(self.limit, self.what)
        return chunk

    def close(self) -> None:
        self.stream.close()
