"""Plausibility of a whole file: relations between columns that hold on nearly every line
of a right file, so that one broken on most lines means the columns were matched wrongly — by a
column mapping, or by a file whose columns were swapped — and the file is refused with the columns
named, instead of importing figures under the wrong headings.

Counts of flows (bilans, GPDS activity) are compared on their totals cumulated since the start of
the school year, line after line, within the file: a period may show more interviews than contacts
(the contact came earlier), a whole year may not. A month's absenteeism is a stock, compared line
by line. A rule broken on a few lines only is left to the rules of its kind (``funnel``,
``prevention_rules``, ``rules``), except « contrats FOQUALE ≤ raccrochés », which has no other
rule and warns on each line that breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard import fmt
from dashboard.importer.report import ERROR, WARNING, Issues
from dashboard.store import db

MIN_LINES = 3  # below this, « most lines » says nothing about the columns
LINE = "_ligne"


@dataclass(frozen=True)
class Rule:
    name: str  # the rule as the report shows it
    small: tuple[str, ...]  # columns whose (summed) value must not exceed …
    large: tuple[str, ...]  # … the (summed) value of these
    small_label: str
    large_label: str
    group: tuple[str, ...] = ()  # cumulated within these groups, in ``order``; () = line by line
    order: str = ""
    warn_each_line: bool = False  # lines breaking it (a minority) each get a warning


_BILANS = {"group": ("reseau_code", "annee_scolaire"), "order": "periode_fin"}
_GPDS = {"group": ("uai", "annee_scolaire"), "order": "mois"}

RULES: dict[str, tuple[Rule, ...]] = {
    "bilans": (
        Rule("contactés ≤ signalés", ("jeunes_contactes",), ("jeunes_signales",), "jeunes contactés",
             "jeunes signalés", **_BILANS),
        Rule("entretiens ≤ contactés", ("entretiens",), ("jeunes_contactes",), "entretiens", "jeunes contactés",
             **_BILANS),
        Rule("raccrochés ≤ solutions", db.SOLUTION_COLUMNS, ("solutions_proposees",),
             "raccrochés (six types de solution)", "solutions proposées", **_BILANS),
        Rule("contrats FOQUALE ≤ raccrochés", ("contrats_foquale",), db.SOLUTION_COLUMNS, "contrats FOQUALE",
             "raccrochés (six types de solution)", warn_each_line=True, **_BILANS),
    ),
    "absenteisme": (
        Rule("absentéistes ≤ effectif", ("eleves_absenteistes",), ("effectif",), "élèves absentéistes",
             "élèves inscrits"),
    ),
    "prevention": (
        Rule("suivis ≤ repérés", ("eleves_suivis",), ("eleves_reperes",), "élèves suivis", "élèves repérés", **_GPDS),
        Rule("solutions internes ≤ suivis", ("solutions_internes",), ("eleves_suivis",),
             "élèves avec une solution interne", "élèves suivis", **_GPDS),
    ),
}


def sides(rows: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """``_petit`` and ``_grand`` of every line whose values are all read, cumulated when the rule is."""
    needed = [*rule.small, *rule.large, *rule.group, *([rule.order] if rule.order else [])]
    if any(c not in rows.columns for c in needed):
        return pl.DataFrame()
    complete = rows.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in needed))
    small, large = pl.sum_horizontal(rule.small), pl.sum_horizontal(rule.large)
    if not rule.group:
        return complete.select(LINE, small.alias("_petit"), large.alias("_grand"))
    ordered = complete.sort([*rule.group, rule.order, LINE])
    return ordered.select(
        LINE,
        small.cum_sum().over(list(rule.group)).alias("_petit"),
        large.cum_sum().over(list(rule.group)).alias("_grand"),
    )


def check(kind: str, rows: pl.DataFrame, issues: Issues, headers: dict[str, str]) -> None:
    """Apply the plausibility rules of ``kind``; ``headers``: the file's header of each column."""
    for rule in RULES.get(kind, ()):
        values = sides(rows, rule)
        if values.is_empty():
            continue
        broken = values.filter(pl.col("_petit") > pl.col("_grand")).sort(LINE)
        if broken.is_empty():
            continue
        if values.height >= MIN_LINES and 2 * broken.height > values.height:
            issues.add(None, ", ".join(rule.small), None, f"{rule.name} (vraisemblance)",
                       most_lines(rule, broken.height, values.height, headers), ERROR)
        elif rule.warn_each_line:
            issues.add_rows(broken, rule.small[0], rule.name, lambda r, ru=rule: one_line(ru, r), WARNING,
                            value=lambda r: f"{fmt.integer(r['_petit'])} > {fmt.integer(r['_grand'])}")


def named(columns: tuple[str, ...], headers: dict[str, str]) -> str:
    """« Contrats » (contrats_foquale), … : the file's headers, with the column each was read as."""
    out = []
    for column in columns:
        header = headers.get(column, column)
        out.append(f"« {header} »" if header == column else f"« {header} » (lue comme {column})")
    return ", ".join(out)


def de(label: str) -> str:
    """« de jeunes signalés », « d'élèves inscrits »."""
    return f"d'{label}" if label[:1].lower() in "aeéèêiîoôuh" else f"de {label}"


def most_lines(rule: Rule, broken: int, total: int, headers: dict[str, str]) -> str:
    how = " (en cumul depuis le début de l'année scolaire)" if rule.group else ""
    return (
        f"Sur {fmt.integer(broken)} lignes sur {fmt.integer(total)}, il y a plus {de(rule.small_label)} que "
        f"{de(rule.large_label)}{how}, ce qui ne peut pas arriver dans un fichier juste : les colonnes ont "
        f"probablement été mal associées. Colonnes en cause : {named(rule.small, headers)} d'une part, "
        f"{named(rule.large, headers)} d'autre part. Vérifiez quelle colonne du fichier contient quoi (ou la "
        "correspondance des colonnes) : rien n'est importé."
    )


def one_line(rule: Rule, row: dict) -> str:
    how = "en cumul depuis le début de l'année scolaire" if rule.group else "sur la ligne"
    return (f"{fmt.integer(row['_petit'])} {rule.small_label} pour {fmt.integer(row['_grand'])} "
            f"{rule.large_label} ({how}) : un contrat FOQUALE est signé par un jeune raccroché, à vérifier.")
