"""Text files: decoding (UTF-8, UTF-16 with or without BOM, Windows-1252), CSV records streamed
within the ``limits``, and JSON lists of records (Django fixtures included).

Every reader yields records (lists of text cells) one at a time, so nothing larger than one
record is built before the limits are checked.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator

from dashboard import fmt
from dashboard.importer import contracts, jsonshape, limits
from dashboard.importer.limits import LimitExceeded, TooManyColumns
from dashboard.plaintext import BINARY, Unreadable, decode, line_of  # noqa: F401 - read as ``textfile.decode``…

SEPARATORS = (";", ",", "\t", "|")
SEPARATOR_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
HEADER_SEARCH_ROWS = 30
FIELD_LIMIT = 131_072  # characters: a quoted cell over this is an unclosed quote
csv.field_size_limit(FIELD_LIMIT)


BLOCK = 1 << 20  # bytes scanned at a time by ``line_stats`` (bounded temporary arrays)


def line_stats(data: bytes, separator: str | None = None) -> tuple[int, int, int]:
    """(longest line in bytes, its line number, most ``separator`` bytes on one line) of ``data``,
    lines ended by LF (or by CR alone in old Mac files); vectorised, block by block."""
    import numpy as np  # only for this conversion (polars does not need it)

    raw = np.frombuffer(data, dtype=np.uint8)
    end_byte = 10 if b"\n" in data else 13
    mark = ord(separator) if separator else None
    previous, lines, longest, longest_line, widest, carry = -1, 0, 0, 1, 0, 0
    for offset in range(0, len(raw), BLOCK):
        block = raw[offset:offset + BLOCK]
        ends = np.flatnonzero(block == end_byte) + offset
        marks = np.flatnonzero(block == mark) + offset if mark is not None else np.empty(0, dtype=np.int64)
        if len(ends):
            gaps = np.diff(np.concatenate(([previous], ends))) - 1
            at = int(np.argmax(gaps))
            if gaps[at] > longest:
                longest, longest_line = int(gaps[at]), lines + at + 1
            counts = np.bincount(np.searchsorted(ends, marks), minlength=len(ends) + 1)
            counts[0] += carry
            widest, carry = max(widest, int(counts[:-1].max())), int(counts[-1])
            previous, lines = int(ends[-1]), lines + len(ends)
        else:
            carry += len(marks)
    if len(raw) - previous - 1 > longest:
        longest, longest_line = len(raw) - previous - 1, lines + 1
    return longest, longest_line, max(widest, carry)


def check_line_lengths(data: bytes) -> None:
    """Refuse at once a file with a physical line over ``MAX_LINE_CHARS`` bytes."""
    if len(data) <= limits.MAX_LINE_CHARS:
        return
    longest, line, _ = line_stats(data)
    if longest > limits.MAX_LINE_CHARS:
        raise limits.line_too_long(line)


def lf_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` ended by LF (CR LF included), newline kept, without copying the text."""
    start, size, find = 0, len(text), text.find
    while start < size:
        end = find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def bounded_lines(text: str) -> Iterator[str]:
    """The physical lines of ``text``; a line over ``MAX_LINE_CHARS`` stops the reading."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > limits.MAX_LINE_CHARS:
            raise limits.line_too_long(number)
        yield line


def trimmed(record: list[str]) -> list[str]:
    """Without its trailing empty cells."""
    end = len(record)
    while end and not record[end - 1].strip():
        end -= 1
    return record if end == len(record) else record[:end]


class Records:
    """The CSV records of ``text``, checked against the limits as they come: one at a time for the
    first rows (``__next__``), then by chunks (``chunks``, limits checked per chunk at C speed).
    Line lengths were checked on the bytes (``check_line_lengths``); an unclosed quote is
    detected on the whole table (``unclosed_quote``)."""

    def __init__(self, text: str, separator: str, strict: bool = False) -> None:
        if not strict:
            source = bounded_lines(text)
        elif "\n" in text:
            source = lf_lines(text)  # a StringIO would hold a 4-bytes-per-character copy of the text
        else:
            source = io.StringIO(text, newline="")  # old Mac files: lines ended by CR only
        self.reader = csv.reader(source, delimiter=separator)
        self.strict = strict
        self.text = text
        self.lines_cut_at_line_feeds = strict and "\n" in text  # ``lf_lines``: a lone CR stays inside a line
        self.count = self.cells = 0

    def __iter__(self):
        return self

    def failed(self, exc: csv.Error) -> Unreadable:
        """Why ``csv.reader`` refused the record ending at its current line. With this dialect it refuses
        a record for two reasons only: a carriage return alone inside an unquoted cell (possible only
        when lines are cut at line feeds), else a cell longer than ``FIELD_LIMIT``."""
        line = self.reader.line_num or self.count + 1
        if not self.lone_carriage_return(line):
            return Unreadable(
                f"Ligne {line} : une cellule dépasse {fmt.integer(FIELD_LIMIT)} caractères ; "
                "un guillemet (\") ouvert n'est sans doute jamais refermé.", line)
        return Unreadable(f"Le fichier CSV est mal formé à la ligne {line} : vérifiez les guillemets de cette ligne.",
                          line)

    def lone_carriage_return(self, line: int) -> bool:
        """Whether physical line ``line`` holds a carriage return before its end."""
        if not self.lines_cut_at_line_feeds:
            return False
        start = 0
        for _ in range(line - 1):
            start = self.text.find("\n", start) + 1
            if not start:
                return False
        end = self.text.find("\n", start)
        return "\r" in self.text[start:end if end >= 0 else len(self.text)].rstrip("\r")

    def check(self, chunk: list[list[str]]) -> None:
        self.count += len(chunk)
        if self.count > limits.MAX_ROWS:
            raise limits.too_many_rows()
        widest = max(map(len, chunk))
        if widest > limits.MAX_COLUMNS:
            for offset, record in enumerate(chunk):
                if len(record) > limits.MAX_COLUMNS and len(trimmed(record)) > limits.MAX_COLUMNS:
                    raise limits.too_many_columns(len(trimmed(record)), self.count - len(chunk) + offset + 1)
        self.cells += sum(map(len, chunk))
        if self.cells > limits.MAX_CELLS:
            raise limits.too_many_cells()

    def __next__(self) -> list[str]:
        try:
            record = next(self.reader)
        except csv.Error as exc:
            if not self.strict:
                raise StopIteration from exc
            raise self.failed(exc) from exc
        self.check([record])
        return record

    def chunk(self, rows: int) -> list[list[str]]:
        try:
            found = list(itertools.islice(self.reader, rows))
        except csv.Error as exc:
            raise self.failed(exc) from exc
        if found:
            self.check(found)
        return found


def records(text: str, separator: str, limit: int | None = None, strict: bool = False):
    """The CSV records (``limit`` at most), checked against the limits as they come."""
    found = Records(text, separator, strict)
    return found if limit is None else itertools.islice(found, limit)


def chunks(found: Records, rows: int, widest: int | None):
    """The rest of ``found`` by chunks of at most about ``rows`` × header width cells: ``widest``
    (the most separators on one line) keeps a chunk of over-wide lines small."""
    if widest is not None:
        rows = max(1, min(rows, 200_000 // (widest + 1)))
    while chunk := found.chunk(rows):
        yield chunk


def widest_line(data: bytes, separator: str) -> int:
    """The most ``separator`` bytes on one physical line (quotes ignored: an upper bound of the
    cells of a record)."""
    return line_stats(data, separator)[2]


def unclosed_quote(line: int) -> Unreadable:
    return Unreadable(
        f"Ligne {line} : un guillemet (\") ouvert n'est pas refermé, si bien que les lignes "
        "suivantes sont lues comme une seule cellule. Retirez ce guillemet ou refermez-le.", line,
    )


def split_records(text: str, separator: str, limit: int | None = None, strict: bool = False) -> list[list[str]]:
    return list(records(text, separator, limit, strict))


def sniff_separator(text: str, kind: str | None) -> str:
    """The separator whose header row matches the most column names; else the most frequent one.
    A separator that would give more columns than the limit is not the file's."""
    best, best_score = None, 0
    for separator in SEPARATORS:
        try:
            head = split_records(text, separator, HEADER_SEARCH_ROWS)
        except TooManyColumns:
            continue
        score = max((contracts.header_score(r, kind) for r in head), default=0)
        if score > best_score:
            best, best_score = separator, score
    if best is not None:
        return best
    first = next((line for line in bounded_lines(text) if line.strip()), "")
    return max(SEPARATORS, key=first.count) if any(s in first for s in SEPARATORS) else ";"


# --- JSON -----------------------------------------------------------------------------------------


def looks_like_json(data: bytes) -> bool:
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"[", b"{")


def flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = ", ".join("" if v is None else str(v) for v in value)
    else:
        out[prefix] = value


def django_records(items: list[dict]) -> list[dict]:
    """A Django fixture (``model``, ``pk``, ``fields``): the records of its largest model, each
    foreign key named like another model of the fixture replaced by that record's fields
    (``department`` → ``department.number``, ``department.name``)."""
    by_model: dict[str, dict] = {}
    for item in items:
        by_model.setdefault(str(item.get("model", "")), {})[item.get("pk")] = item.get("fields") or {}
    main = max(by_model, key=lambda m: len(by_model[m]))
    short = {model.rsplit(".", 1)[-1].lower(): rows for model, rows in by_model.items() if model != main}
    out = []
    for pk, fields in by_model[main].items():
        record: dict = {"pk": pk}
        for key, value in fields.items():
            target = short.get(key.lower())
            if target is not None and jsonshape.is_key(value) and value in target:
                flatten({k: v for k, v in target[value].items() if not isinstance(v, (dict, list))}, key, record)
            else:
                flatten(value, key, record)
        out.append(record)
    return out


def json_records(data: bytes) -> Iterator[list]:
    """Header then rows of a JSON list of objects (or an object holding one such list)."""
    if len(data) > limits.MAX_JSON_BYTES:
        raise LimitExceeded(f"Un fichier JSON de plus de {limits.mib(limits.MAX_JSON_BYTES)} ne peut pas être "
                            "importé : enregistrez-le en CSV.")
    text, _encoding = decode(data)
    jsonshape.check_bounds(text)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"Ligne {exc.lineno} : ce fichier JSON est mal formé ({jsonshape.french(exc)}, colonne "
                         f"{exc.colno}).", exc.lineno) from exc
    except RecursionError as exc:  # bounded by ``check_bounds``: a safety net
        raise LimitExceeded(jsonshape.too_deep(None)) from exc
    except ValueError as exc:  # a number too long for Python (bounded by ``check_bounds`` too)
        raise Unreadable(f"Ce fichier JSON contient une valeur illisible ({jsonshape.NUMBER_RULE}).") from exc
    if isinstance(parsed, dict):
        lists = [v for v in parsed.values() if isinstance(v, list)]
        parsed = max(lists, key=len) if lists else [parsed]
    items = [item for item in parsed if isinstance(item, dict)] if isinstance(parsed, list) else []
    if not items:
        raise Unreadable("Ce fichier JSON ne contient pas de liste d'enregistrements (objets { … }).")
    if len(items) > limits.MAX_ROWS:
        raise limits.too_many_rows()
    if all("model" in item and "fields" in item for item in items):
        jsonshape.check_fixture(items)
        items = django_records(items)
    flat = []
    for item in items:
        record: dict = {}
        flatten(item, "", record)
        flat.append(record)
    header: dict[str, None] = {}
    for record in flat:
        header.update(dict.fromkeys(record))
        if len(header) > limits.MAX_COLUMNS:
            raise limits.too_many_columns(len(header))
    if len(header) * len(flat) > limits.MAX_CELLS:
        raise limits.too_many_cells()
    names = list(header)
    yield names
    for record in flat:
        yield ["" if record.get(n) is None else str(record.get(n)) for n in names]
