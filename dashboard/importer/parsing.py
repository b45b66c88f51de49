"""Converting cells as read (text) into typed values, French conventions included.

Counts are converted with vectorised polars expressions (files hold up to hundreds of thousands
of them); every other kind of value has few distinct values per file and is parsed once per
distinct value in Python. A parser returns ``(value, None)`` or ``(None, error_code)``; the
error codes are explained to the user by ``messages.PARSE_ERRORS``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import polars as pl

from dashboard import fmt, schoolyear, uai
from dashboard.importer import contracts
from dashboard.importer.contracts import ColumnSpec
from dashboard.plaintext import without_accents

MAX_INT = 2_147_483_647
YEARS = range(2000, 2100)  # years a date, a month or a school year may fall in
EXCEL_EPOCH = dt.date(1899, 12, 30)

Parsed = tuple[object, str | None]


# --- counts (vectorised) --------------------------------------------------------------------------


def count_number(name: str) -> pl.Expr:
    """The number in a count cell, as Float64 (null when not a number); named ``<name>__num``.

    Spaces of any kind (thousands separators: space, no-break, narrow no-break) are ignored and a
    decimal comma is read as a point, so ``"1 234"`` and ``"12,0"`` are whole numbers."""
    cleaned = pl.col(name).str.replace_all(r"\s", "").str.replace(",", ".", literal=True)
    return cleaned.cast(pl.Float64, strict=False).alias(f"{name}__num")


def count_exprs(name: str) -> tuple[pl.Expr, pl.Expr]:
    """(value as Int64, error code) for a count column, from ``<name>__num`` (see ``count_number``)."""
    raw, number = pl.col(name), pl.col(f"{name}__num")
    error = (
        pl.when(raw.is_null()).then(None)
        .when(number.is_null() | number.is_nan() | number.is_infinite()).then(pl.lit("nombre"))
        .when(number < 0).then(pl.lit("negatif"))
        .when(number != number.floor()).then(pl.lit("entier"))
        .when(number > MAX_INT).then(pl.lit("trop_grand"))
        .otherwise(None)
    )
    value = pl.when(error.is_null() & raw.is_not_null()).then(number).otherwise(None).cast(pl.Int64)
    return value, error


# --- one distinct value at a time -----------------------------------------------------------------


def snake(text: str) -> str:
    """``" Raccrochés "`` → ``"raccroches"``; other characters become ``_``."""
    plain = without_accents(text).lower().strip()
    return re.sub(r"[^a-z0-9+]+", "_", plain).strip("_")


def parse_date(text: str) -> Parsed:
    """ISO, dd/mm/yyyy or dd/mm/yy (also with ``-`` or ``.``), ISO with a time, « 31 octobre 2014 »,
    or an Excel serial number."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?", text):
        day, month, year = (int(g) for g in match.groups())
        year += 2000 if len(match[3]) == 2 else 0
    elif match := re.fullmatch(r"(\d{1,2})(?:er)?\s+([^\d\s.]+)\.?\s+(\d{4})", text):
        day, month, year = int(match[1]), MONTH_WORDS.get(snake(match[2])), int(match[3])
        if month is None:
            return None, "date"
    elif re.fullmatch(r"\d{5}(?:[.,]0+)?", text) and 20000 <= int(text[:5]) <= 80000:
        moment = EXCEL_EPOCH + dt.timedelta(days=int(text[:5]))
        return (moment.isoformat(), None) if moment.year in YEARS else (None, "annee_hors_plage")
    else:
        return None, "date"
    if year not in YEARS:
        return None, "annee_hors_plage"
    try:
        return dt.date(year, month, day).isoformat(), None
    except ValueError:
        return None, "date_impossible"


MONTH_WORDS = {
    **{snake(m): i for i, m in enumerate(fmt.MONTHS, start=1)},
    **{snake(m): i for i, m in enumerate(fmt.MONTHS_SHORT, start=1)},
    "fev": 2, "avri": 4, "juil": 7, "aou": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12, "janv": 1, "fevr": 2,
}  # fmt: skip


def parse_month(text: str) -> Parsed:
    """``2014-01``, ``01/2014``, ``janvier 2014``, ``janv.-14``, or any date (its month)."""
    text = text.strip()
    if match := re.fullmatch(r"(\d{4})[-/](\d{1,2})", text):
        year, month = int(match[1]), int(match[2])
    elif match := re.fullmatch(r"(\d{1,2})[-/.](\d{4})", text):
        month, year = int(match[1]), int(match[2])
    elif match := re.fullmatch(r"([^\d\s.\-/]+)\.?[\s\-/]*(\d{2}|\d{4})", text):
        month = MONTH_WORDS.get(snake(match[1]))
        if month is None:
            return None, "mois"
        year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
    else:
        value, error = parse_date(text)
        return (value[:7], None) if value else (None, "annee_hors_plage" if error == "annee_hors_plage" else "mois")
    if not 1 <= month <= 12:
        return None, "mois"
    if year not in YEARS:
        return None, "annee_hors_plage"
    return f"{str(year).zfill(4)}-{str(month).zfill(2)}", None


def parse_school_year(text: str) -> Parsed:
    """``2014-2015``, ``2014/2015``, ``2014 - 2015`` or ``2014-15``: two consecutive years."""
    match = re.fullmatch(r"(\d{4})\s*[-/–]\s*(\d{4}|\d{2})", text.strip())
    if not match:
        return None, "annee_scolaire"
    start = int(match[1])
    end = int(match[2]) if len(match[2]) == 4 else (start // 100) * 100 + int(match[2])
    if end != start + 1:
        return None, "annee_non_consecutive"
    if start not in YEARS:
        return None, "annee_hors_plage"
    return schoolyear.school_year(start), None


def parse_start_year(text: str) -> Parsed:
    """``2014`` or ``2014-2015`` → 2014 (a year of rentrée)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}(?:[.,]0+)?", text):
        return (int(text[:4]), None) if int(text[:4]) in YEARS else (None, "annee_hors_plage")
    value, error = parse_school_year(text)
    if error == "annee_hors_plage":
        return None, error
    return (int(value[:4]), None) if value else (None, "annee_debut")


NUMBER_CODE = re.compile(r"(\d+)[.,]0*")


def restore_code(text: str, width: int | None = None) -> str:
    """A code a spreadsheet stored as a number, as the column requires: ``"16015.0"`` → ``"16015"``,
    ``"16.0"`` → ``"16"``; with ``width``, lost leading zeros are put back (``"1269"`` → ``"01269"``
    for a 5-character INSEE code). Anything else is returned trimmed."""
    value = text.strip()
    if match := NUMBER_CODE.fullmatch(value):
        value = match[1]
    if width and value.isdigit() and len(value) < width:
        value = value.zfill(width)
    return value


CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def parse_code(text: str) -> Parsed:
    """An identifier: letters, digits and ``-`` only (``R86-POI``), upper-cased. Anything else
    (``/``, ``.``, accents, quotes) is refused: codes become file names and URL parameters."""
    code = restore_code(text).upper()
    if re.search(r"\s", code):
        return None, "code_espace"
    if snake(code) in {"academie", "academie_de_poitiers"}:
        return "ACAD", None
    if not CODE_PATTERN.fullmatch(code):
        return None, "code_caracteres"
    return code, None


def parse_uai(text: str) -> Parsed:
    code = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[0-9]{7}[A-Z]", code):
        return None, "format_uai"
    if not uai.is_valid_uai(code):
        return None, "cle_uai"
    return code, None


def parse_insee(text: str) -> Parsed:
    code = restore_code(text).upper()
    if re.fullmatch(r"[0-9]{4}", code):
        code = "0" + code  # Excel drops the leading zero of 01001…09999
    if not re.fullmatch(r"[0-9]{5}|2[AB][0-9]{3}", code):
        return None, "commune_nom" if re.search(r"[A-Z]{3}", code) else "format_insee"
    return code, None


ENUM_ALIASES = {
    "COLLEGE": ("college", "clg"),
    "LGT": ("lgt", "legt", "lyceegeneralettechnologique", "lyceegeneral", "lyceegeneraltechnologique"),
    "LP": ("lp", "lyceeprofessionnel", "lyp"),
    "LPO": ("lpo", "lyceepolyvalent"),
    "EREA": ("erea",),
    "AUTRE": ("autre", "autres"),
    "PUBLIC": ("public", "pu", "pub"),
    "PRIVE": ("prive", "pr", "privesouscontrat", "pri", "privesouscontratdassociation", "privesouscontratsimple"),
    "REP+": ("rep+", "repplus"),
    "REP": ("rep",),
}
NO_PRIORITY = {"", "non", "horsep", "hors", "aucun", "aucune", "sans", "0", "horsrep", "horseducationprioritaire",
               "nonep", "sansobjet"}


def enum_parser(spec: ColumnSpec) -> Callable[[str], Parsed]:
    lookup = {contracts.squash(choice): choice for choice in spec.choices}
    for choice in spec.choices:
        for alias in ENUM_ALIASES.get(choice, ()):
            lookup[alias] = choice
    for label, choice in spec.value_aliases:
        lookup[contracts.squash(label)] = choice
    optional = not spec.required

    def parse(text: str) -> Parsed:
        key = contracts.squash(text)
        if key in lookup:
            return lookup[key], None
        if optional and key in NO_PRIORITY:
            return None, None
        return None, "choix"

    return parse


def text_parser(spec: ColumnSpec) -> Callable[[str], Parsed]:
    def parse(text: str) -> Parsed:
        value = " ".join(text.split())
        if spec.max_len and len(value) > spec.max_len:
            return None, "trop_long"
        return value, None

    return parse


def parse_indicator(text: str) -> Parsed:
    value = snake(text)
    return (value, None) if value else (None, None)


def value_parser(spec: ColumnSpec) -> tuple[Callable[[str], Parsed], pl.DataType]:
    """The per-value parser of a non-count column and its polars type."""
    simple = {
        contracts.DATE: (parse_date, pl.String),
        contracts.MONTH: (parse_month, pl.String),
        contracts.SCHOOL_YEAR: (parse_school_year, pl.String),
        contracts.START_YEAR: (parse_start_year, pl.Int64),
        contracts.UAI: (parse_uai, pl.String),
        contracts.INSEE: (parse_insee, pl.String),
        contracts.INDICATOR: (parse_indicator, pl.String),
    }
    if spec.kind in simple:
        return simple[spec.kind]
    if spec.kind == contracts.ENUM:
        return enum_parser(spec), pl.String
    if spec.kind == contracts.CODE:
        parse_one = text_parser(spec)

        def parse(text: str) -> Parsed:
            value, error = parse_code(text)
            return parse_one(value) if error is None else (None, error)

        return parse, pl.String
    return text_parser(spec), pl.String


def mapped_exprs(frame: pl.DataFrame, spec: ColumnSpec) -> tuple[pl.Expr, pl.Expr]:
    """(value, error code) of a non-count column, parsing each distinct cell once."""
    parse, dtype = value_parser(spec)
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for text in frame[spec.name].drop_nulls().unique().to_list():
        value, error = parse(text)
        if error is None:
            values[text] = value
        else:
            errors[text] = error
    col = pl.col(spec.name)
    value = col.replace_strict(values, default=None, return_dtype=dtype) if values else pl.lit(None, dtype=dtype)
    error = col.replace_strict(errors, default=None, return_dtype=pl.String) if errors else pl.lit(None, pl.String)
    return value, error


def column_exprs(frame: pl.DataFrame, spec: ColumnSpec) -> tuple[pl.Expr, pl.Expr]:
    """(value, error code) expressions for one contract column of a frame of cleaned text."""
    if spec.kind == contracts.COUNT:
        return count_exprs(spec.name)
    return mapped_exprs(frame, spec)


def clean_text(name: str) -> pl.Expr:
    """Cells trimmed (any kind of space); empty cells become null."""
    col = pl.col(name).str.strip_chars()
    return pl.when(col == "").then(None).otherwise(col).alias(name)
