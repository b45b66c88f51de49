"""The funnel of the bilans, checked on totals cumulated over the school year.

Bilans hold flows per two-month period, so a period may show more interviews than contacts (the
contact came earlier). What must hold is the funnel on the totals since the start of the school
year, at every period, for every network: contactés ≤ signalés, entretiens ≤ contactés, and the
raccrochés of all six kinds ≤ solutions proposées. The file's rows are combined with the rows
already in the database for the same networks and years (a file row replaces the database row of
the same network and period), so a period already loaded can break because of the file.

A row that cannot be read (a count missing or invalid) or two different rows for one period make
the totals unknown from that period on: the periods before it are still checked, so a file shows
every funnel problem at once. Identical repeated rows count once (they are reported as doubles).
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.importer.references import References
from dashboard.importer.report import Issues
from dashboard.store import db

COUNTS = db.BILAN_COUNT_COLUMNS
GROUP = ["reseau_code", "annee_scolaire"]
KEY = ["reseau_code", "periode_fin"]
NEEDED = [*KEY, "annee_scolaire", *COUNTS]
RACCROCHES = "raccroches"
CUTOFF = "_coupure"

# (column reported, smaller cumulated total, larger cumulated total, rule, French labels)
RULES = (
    ("jeunes_contactes", "jeunes_contactes", "jeunes_signales", "contactés ≤ signalés (cumul annuel)",
     "jeunes contactés", "jeunes signalés"),
    ("entretiens", "entretiens", "jeunes_contactes", "entretiens ≤ contactés (cumul annuel)",
     "entretiens", "jeunes contactés"),
    ("solutions_proposees", RACCROCHES, "solutions_proposees", "raccrochés ≤ solutions (cumul annuel)",
     "raccrochés (six types de solution)", "solutions proposées"),
)


def file_rows(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(complete rows the totals can be computed from, cut-off period per group).

    A group (network, school year) with an undated row is left out; otherwise its totals are known
    up to the first period that holds an incomplete row or two different rows (the cut-off)."""
    grouped = rows.filter(pl.col("reseau_code").is_not_null() & pl.col("annee_scolaire").is_not_null())
    undated = grouped.filter(pl.col("periode_fin").is_null()).select(GROUP).unique()
    dated = grouped.filter(pl.col("periode_fin").is_not_null()).join(undated, on=GROUP, how="anti")
    dated = dated.sort("_ligne").unique(subset=NEEDED, keep="first", maintain_order=True)
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in NEEDED) & ~pl.struct(KEY).is_duplicated()
    cutoff = dated.filter(~complete).group_by(GROUP).agg(pl.col("periode_fin").min().alias(CUTOFF))
    kept = before_cutoff(dated.filter(complete), cutoff)
    return kept.select(*NEEDED, "_ligne"), cutoff


def before_cutoff(frame: pl.DataFrame, cutoff: pl.DataFrame) -> pl.DataFrame:
    joined = frame.join(cutoff, on=GROUP, how="left")
    return joined.filter(pl.col(CUTOFF).is_null() | (pl.col("periode_fin") < pl.col(CUTOFF))).drop(CUTOFF)


def combined(file: pl.DataFrame, cutoff: pl.DataFrame, refs: References) -> pl.DataFrame:
    """File rows plus the database rows of the same groups that the file does not replace."""
    stored = refs.bilans(file["annee_scolaire"].unique().to_list())
    stored = stored.join(file.select(GROUP).unique(), on=GROUP, how="semi").join(file.select(KEY), on=KEY, how="anti")
    stored = before_cutoff(stored.select(NEEDED), cutoff).with_columns(pl.lit(None, pl.Int64).alias("_ligne"))
    return pl.concat([file, stored], how="vertical_relaxed").sort([*GROUP, "periode_fin"])


def cumulated(frame: pl.DataFrame) -> pl.DataFrame:
    """Running totals since the start of the school year, the first period of the file per group,
    and the file line each period is attributed to (its own, else the previous file row)."""
    solutions = list(db.SOLUTION_COLUMNS)
    first_file = pl.when(pl.col("_ligne").is_not_null()).then(pl.col("periode_fin"))
    return frame.with_columns(pl.sum_horizontal(solutions).alias(RACCROCHES)).with_columns(
        *[pl.col(c).cum_sum().over(GROUP).alias(f"cumul_{c}") for c in
          ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", RACCROCHES)],
        first_file.min().over(GROUP).alias("premiere_periode_fichier"),
        pl.col("_ligne").forward_fill().over(GROUP).alias("ligne_attribuee"),
    ).filter(pl.col("periode_fin") >= pl.col("premiere_periode_fichier"))


def check(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    file, cutoff = file_rows(rows)
    if file.is_empty():
        return
    totals = cumulated(combined(file, cutoff, refs))
    for column, small, large, rule, small_label, large_label in RULES:
        broken = totals.filter(pl.col(f"cumul_{small}") > pl.col(f"cumul_{large}"))
        broken = broken.unique(subset=["ligne_attribuee"], keep="first", maintain_order=True)
        issues.add_rows(
            broken, column, rule,
            lambda r, s=small, lg=large, sl=small_label, ll=large_label: explain(r, s, lg, sl, ll),
            value=lambda r, s=small, lg=large: f"{fmt.integer(r[f'cumul_{s}'])} > {fmt.integer(r[f'cumul_{lg}'])}",
            line_column="ligne_attribuee",
        )


def explain(row: dict, small: str, large: str, small_label: str, large_label: str) -> str:
    stored = " (période déjà enregistrée, modifiée par ce fichier)" if row["_ligne"] is None else ""
    return (
        f"Réseau {row['reseau_code']}, cumul depuis le début de l'année scolaire {row['annee_scolaire']} "
        f"au {fmt.date_long(row['periode_fin'])}{stored} : {fmt.integer(row[f'cumul_{small}'])} {small_label} "
        f"pour {fmt.integer(row[f'cumul_{large}'])} {large_label}. Il ne peut pas y avoir plus de {small_label} "
        f"que de {large_label}."
    )
