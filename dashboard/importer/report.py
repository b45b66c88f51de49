"""The validation report: every problem with its line, column, value, rule and French explanation.

Errors block the import; warnings (unusual but possible values) are listed and do not block.
The report is a polars frame, downloadable as CSV/XLSX through ``dashboard.exports``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from dashboard import fmt
from dashboard.publish import exports

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


MAX_PER_RULE = 2_000  # problems listed one by one for one rule and column; the others are counted
MAX_LISTED = 20_000  # problems listed one by one in all


@dataclass
class Issues:
    """Collects problems; ``headers`` maps canonical column names to the names written in the file.

    A file with a problem on each of its 500 000 rows must not build 500 000 messages: beyond
    ``MAX_PER_RULE`` problems of one rule and column (or ``MAX_LISTED`` in all), problems are only
    counted in ``hidden`` ((severity, rule, column) → [count, first line])."""

    headers: dict[str, str] = field(default_factory=dict)
    rows: list[tuple] = field(default_factory=list)
    hidden: dict[tuple[str, str, str], list] = field(default_factory=dict)
    listed: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # column → what to add to the explanation of a value that cannot be read (a suggestion)
    hints: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def room(self, severity: str, rule: str, shown: str) -> int:
        return max(0, min(MAX_PER_RULE - self.listed.get((severity, rule, shown), 0), MAX_LISTED - len(self.rows)))

    def hide(self, severity: str, rule: str, shown: str, count: int, first: int | None) -> None:
        entry = self.hidden.setdefault((severity, rule, shown), [0, None])
        entry[0] += count
        if first is not None and (entry[1] is None or first < entry[1]):
            entry[1] = first

    def add(self, line: int | None, column: str, value, rule: str, message: str, severity: str = ERROR) -> None:
        shown = self.headers.get(column, column)
        if not self.room(severity, rule, shown):
            self.hide(severity, rule, shown, 1, line)
            return
        self.listed[(severity, rule, shown)] = self.listed.get((severity, rule, shown), 0) + 1
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
        shown = self.headers.get(column, column)
        room = self.room(severity, rule, shown)
        if frame.height > room:
            rest = frame.slice(room)
            first = rest[line_column].min() if line_column in rest.columns else None
            self.hide(severity, rule, shown, rest.height, first)
            frame = frame.head(room)
        for row in frame.iter_rows(named=True):
            shown = value(row) if value else row.get(f"{column}__brut", row.get(column))
            self.add(row[line_column], column, shown, rule, message(row), severity)

    def frame(self) -> pl.DataFrame:
        frame = pl.DataFrame(self.rows, schema=SCHEMA, orient="row")
        order = pl.when(pl.col("gravite") == ERROR).then(0).otherwise(1)
        return frame.with_row_index("_n").sort(
            order, pl.col("ligne"), pl.col("_n"), nulls_last=False
        ).drop("_n")


HIDDEN_SCHEMA = {"gravite": pl.String, "regle": pl.String, "colonne": pl.String, "nombre": pl.Int64,
                 "premiere": pl.Int64}


def hidden_frame(issues: Issues) -> pl.DataFrame:
    rows = [(sev, rule, col, count, first) for (sev, rule, col), (count, first) in issues.hidden.items()]
    return pl.DataFrame(rows, schema=HIDDEN_SCHEMA, orient="row")


@dataclass(frozen=True)
class Report:
    kind: str | None
    issues: pl.DataFrame
    rows: int  # data rows read
    description: str = ""
    hidden: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HIDDEN_SCHEMA))  # counted, not listed
    set_aside: tuple[tuple[str, int], ...] = ()  # (reason, rows) of rows deliberately left out of the import

    @property
    def errors(self) -> int:
        hidden = self.hidden.filter(pl.col("gravite") == ERROR)["nombre"].sum()
        return self.issues.filter(pl.col("gravite") == ERROR).height + int(hidden or 0)

    @property
    def warnings(self) -> int:
        hidden = self.hidden.filter(pl.col("gravite") == WARNING)["nombre"].sum()
        return self.issues.filter(pl.col("gravite") == WARNING).height + int(hidden or 0)

    @property
    def set_aside_rows(self) -> int:
        return sum(n for _reason, n in self.set_aside)

    def set_aside_text(self) -> str:
        """« 3 519 lignes écartées (hors académie : 3 519) », or an empty string."""
        if not self.set_aside:
            return ""
        total = self.set_aside_rows
        detail = " ; ".join(f"{reason} : {fmt.integer(n)}" for reason, n in self.set_aside)
        return f"{fmt.integer(total)} ligne{s(total)} écartée{s(total)} ({detail})"

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
        aside = f" ; {self.set_aside_text()}" if self.set_aside else ""
        return f"{read} — {verdict}{warn}{aside}."

    def hidden_rows(self) -> pl.DataFrame:
        """One row per rule whose problems are counted but not all listed (same schema as issues)."""
        return self.hidden.select(
            pl.lit(None, pl.Int64).alias("ligne"), "colonne", pl.lit(None, pl.String).alias("valeur"), "regle",
            pl.format("… et {} autres problèmes de cette règle, non détaillés (à partir de la ligne {}) : corrigez "
                      "d'abord ceux qui sont listés, puis vérifiez à nouveau le fichier.",
                      pl.col("nombre").map_elements(fmt.integer, return_dtype=pl.String),
                      pl.col("premiere").cast(pl.String).fill_null("?")).alias("explication"),
            "gravite",
        )

    def display_frame(self) -> pl.DataFrame:
        """The issues with French column headers, errors first."""
        frame = pl.concat([self.issues, self.hidden_rows()]).select(list(DISPLAY_NAMES)) if self.hidden.height \
            else self.issues.select(list(DISPLAY_NAMES))
        return frame.with_columns(
            pl.col("gravite").replace({ERROR: "Erreur", WARNING: "Avertissement"})
        ).rename(DISPLAY_NAMES)

    def by_rule(self) -> pl.DataFrame:
        """How many problems of each rule and column, with the first line concerned (French headers)."""
        grouped = self.issues.group_by(["gravite", "regle", "colonne"], maintain_order=True).agg(
            pl.len().alias("nombre"), pl.col("ligne").min().alias("premiere"),
        )
        if self.hidden.height:
            grouped = pl.concat([grouped.with_columns(pl.col("nombre").cast(pl.Int64)), self.hidden]).group_by(
                ["gravite", "regle", "colonne"], maintain_order=True).agg(
                pl.col("nombre").sum(), pl.col("premiere").min())
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
        hidden = self.issues.height - shown.height + int(self.hidden["nombre"].sum() or 0)
        if hidden > 0:
            out.append(f"… et {fmt.integer(hidden)} autre{s(hidden)} problème{s(hidden)}.")
        return out

    def as_text(self, limit: int | None = None) -> str:
        """Summary then every problem, as plain text."""
        return "\n".join([self.summary(), *self.issue_lines(limit)])


def s(count: int) -> str:
    """The plural mark of a French word for ``count`` (``""`` for 0 and 1)."""
    return "s" if count > 1 else ""
