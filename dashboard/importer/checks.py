"""Checks shared by the rules of several kinds of file."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dashboard.importer.references import References, Suggester
from dashboard.importer.report import Issues


def present(rows: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return rows.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in columns))


def check_known(rows: pl.DataFrame, column: str, known: set[str], issues: Issues,
                rule: str, explain: Callable[[str], str], prefix_length: int = 0, suggest=None,
                tail: str = "") -> None:
    """Error for every value of ``column`` that is not in ``known``, with a suggestion (a near code,
    or ``suggest``'s: a ``TerritorySuggester`` also reads names)."""
    bad = present(rows, column).filter(~pl.col(column).is_in(sorted(known)))
    if bad.is_empty():
        return
    suggest = suggest or Suggester(known, prefix_length)
    issues.add_rows(bad, column, rule, lambda r: explain(as_written(r, column)) + suggest.hint(r[column]) + tail)


def as_written(row: dict, column: str):
    """The cell as the user typed it (trimmed), else the parsed value."""
    return row.get(f"{column}__brut") or row[column]


def check_known_by_year(rows: pl.DataFrame, column: str, lookup: Callable[[str], set[str]], issues: Issues,
                        rule: str, explain: Callable[[str, str], str], suggest=None, tail: str = "") -> None:
    """Like ``check_known``, against the codes of each row's school year; ``suggest(annee)``: the
    suggester of that year."""
    valid = present(rows, column, "annee_scolaire")
    for (annee,), group in valid.group_by("annee_scolaire", maintain_order=True):
        check_known(group, column, lookup(annee), issues, rule, lambda v, a=annee: explain(v, a),
                    suggest=suggest(annee) if suggest else None, tail=tail)


CODES_LIST = (" La liste des codes de l'année (code, nom, niveau, territoire parent) se télécharge sur la page "
              "« Importer des données ».")


def commune_exists(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    check_known(rows, "commune_insee", refs.commune_codes(), issues, "commune connue",
                lambda v: f"La commune INSEE « {v} » n'est pas une commune de l'académie.", prefix_length=2)


def school_year_of_date(column: str) -> pl.Expr:
    """``"2014-10-31"`` → ``"2014-2015"`` (September to August)."""
    year = pl.col(column).str.slice(0, 4).cast(pl.Int64)
    start = pl.when(pl.col(column).str.slice(5, 2).cast(pl.Int64) >= 9).then(year).otherwise(year - 1)
    return pl.format("{}-{}", start, start + 1)
