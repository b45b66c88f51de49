"""The validation report: every problem with its line, column, value, rule and French explanation.

Errors block the import; warnings (unusual but possible values) are listed and do not block.
The report is a polars frame, downloadable as CSV/XLSX through ``dashboard.exports``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from dashboard import exports, fmt

ERROR = "erreur"
WARNING = "avertissement"

SCHEMA = {
    "ligne": pl.Int64,
    "colonne": pl.String,
    "valeur": pl.String,
    "regle": pl.String,
    "explication": pl.String,
    "gravite": pl.String,
}
DISPLAY_NAMES = {
    "gravite": "Gravité",
    "ligne": "Ligne",
    "colonne": "Colonne",
    "valeur": "Valeur",
    "regle": "Règle",
    "explication": "Explication",
}


@dataclass
class Issues:
    """Collects problems; ``headers`` maps canonical column names to the names written in the file."""

    headers: dict[str, str] = field(default_factory=dict)
    rows: list[tuple] = field(default_factory=list)

    def add(self, line: int | None, column: str, value, rule: str, message: str, severity: str = ERROR) -> None:
        shown = self.headers.get(column, column)
        text = None if value is None else str(value)
        self.rows.append((line, shown, text, rule, message, severity))

    def add_rows(
        self,
        frame: pl.DataFrame,
        column: str,
        rule: str,
        message: Callable[[dict], str],
        severity: str = ERROR,
        value: Callable[[dict], object] | None = None,
        line_column: str = "_ligne",
    ) -> None:
        """One problem per row of ``frame`` (already filtered to the offending rows)."""
        for row in frame.iter_rows(named=True):
            shown = value(row) if value else row.get(f"{column}__brut", row.get(column))
            self.add(row[line_column], column, shown, rule, message(row), severity)

    def frame(self) -> pl.DataFrame:
        frame = pl.DataFrame(self.rows, schema=SCHEMA, orient="row")
        order = pl.when(pl.col("gravite") == ERROR).then(0).otherwise(1)
        return frame.with_row_index("_n").sort(
            order, pl.col("ligne"), pl.col("_n"), nulls_last=False
        ).drop("_n")


@dataclass(frozen=True)
class Report:
    kind: str | None
    issues: pl.DataFrame
    rows: int  # data rows read
    description: str = ""

    @property
    def errors(self) -> int:
        return self.issues.filter(pl.col("gravite") == ERROR).height

    @property
    def warnings(self) -> int:
        return self.issues.filter(pl.col("gravite") == WARNING).height

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> str:
        """One French sentence: rows read, errors, warnings."""
        n, e, w = self.rows, self.errors, self.warnings
        read = f"{fmt.integer(n)} ligne{s(n)} de données lue{s(n)}"
        if e == 0:
            verdict = "aucune erreur : le fichier peut être importé"
        else:
            verdict = (f"{fmt.integer(e)} erreur{s(e)} : rien ne sera importé tant qu'elle{s(e)} "
                       f"{'ne seront' if e > 1 else 'ne sera'} pas corrigée{s(e)}")
        warn = f" ; {fmt.integer(w)} avertissement{s(w)} (non bloquant{s(w)})" if w else ""
        return f"{read} — {verdict}{warn}."

    def display_frame(self) -> pl.DataFrame:
        """The issues with French column headers, errors first."""
        frame = self.issues.select(list(DISPLAY_NAMES))
        return frame.with_columns(
            pl.col("gravite").replace({ERROR: "Erreur", WARNING: "Avertissement"})
        ).rename(DISPLAY_NAMES)

    def by_rule(self) -> pl.DataFrame:
        """How many problems of each rule and column, with the first line concerned (French headers)."""
        grouped = self.issues.group_by(["gravite", "regle", "colonne"], maintain_order=True).agg(
            pl.len().alias("nombre"), pl.col("ligne").min().alias("premiere"),
        )
        return grouped.with_columns(
            pl.col("gravite").replace({ERROR: "Erreur", WARNING: "Avertissement"})
        ).rename({"gravite": "Gravité", "regle": "Règle", "colonne": "Colonne", "nombre": "Nombre",
                  "premiere": "Première ligne"})

    def rule_lines(self) -> list[str]:
        """One plain-text line per rule and column (for long reports on the command line)."""
        out = []
        for gravity, rule, column, count, first in self.by_rule().iter_rows():
            where = f", colonne « {column} »" if column else ""
            line = f", première ligne {first}" if first is not None else ""
            out.append(f"  {fmt.integer(count)} × {gravity.lower()} [{rule}]{where}{line}")
        return out

    def to_csv(self) -> bytes:
        return exports.to_csv_bytes(self.display_frame())

    def to_xlsx(self) -> bytes:
        return exports.to_xlsx_bytes({"Rapport": self.display_frame()}, notes={"Rapport": self.summary()})

    def issue_lines(self, limit: int | None = None) -> list[str]:
        """One plain-text line per problem (``limit`` at most), for the command line."""
        shown = self.issues if limit is None else self.issues.head(limit)
        out = []
        for row in shown.iter_rows(named=True):
            where = f"ligne {row['ligne']}" if row["ligne"] is not None else "fichier"
            column = f", colonne « {row['colonne']} »" if row["colonne"] else ""
            value = f", valeur « {row['valeur']} »" if row["valeur"] not in (None, "") else ""
            label = "ERREUR" if row["gravite"] == ERROR else "avertissement"
            out.append(f"- {label} ({where}{column}{value}) [{row['regle']}] {row['explication']}")
        hidden = self.issues.height - shown.height
        if hidden > 0:
            out.append(f"… et {fmt.integer(hidden)} autre{s(hidden)} problème{s(hidden)}.")
        return out

    def as_text(self, limit: int | None = None) -> str:
        """Summary then every problem, as plain text."""
        return "\n".join([self.summary(), *self.issue_lines(limit)])


def s(count: int) -> str:
    """The plural mark of a French word for ``count`` (``""`` for 0 and 1)."""
    return "s" if count > 1 else ""
