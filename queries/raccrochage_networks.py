"""Each network at its own last bilan: the building block of every raccrochage aggregate.

``network_table`` reads the bilan rows a territory's networks sent (every school year up to the
selected one) and gives, per network: its counts since the rentrée up to its last bilan, the rank
of that bilan, its seasonal profile (its own complete previous years, else the académie's), its
counts at the same date last year (the previous year cumulated up to the same rank). Aggregates
(``queries.raccrochage``) are sums over these rows, each network at its own date
(``queries.raccrochage_position``). No Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.schoolyear import previous_year, rank_expr
from queries.raccrochage_rules import COMPLETE_YEAR_FROM_RANK, COUNT_COLUMNS, SOLUTION_COLUMNS

N1_COLUMNS = ("jeunes_signales", "jeunes_contactes", "solutions_proposees", "raccroches", "contrats_foquale")
#: Every count kept at the same date last year (the situation's ``*_n1`` and the types of solution).
N1_COUNTS = (*N1_COLUMNS, *SOLUTION_COLUMNS)


@dataclass(frozen=True)
class Network:
    code: str
    periode_fin: str | None  # last bilan received this year (None: none)
    rang: int | None
    counts: dict | None  # COUNT_COLUMNS → sums since the rentrée (None: no bilan)
    profile: tuple[float, ...]  # cumulative share of the year at each month rank
    own_profile: bool  # the profile comes from the network's own history
    periode_fin_n1: str | None
    counts_n1: dict | None  # N1_COLUMNS → same date last year

    @property
    def share(self) -> float | None:
        return self.profile[self.rang] if self.rang is not None else None


def network_profiles(rows: pl.DataFrame, annee: str) -> dict[str, tuple[float, ...]]:
    """Per network, the mean cumulative share of a year's raccrochés at each month rank over its
    complete previous school years (``COMPLETE_YEAR_FROM_RANK``); networks without any are absent."""
    history = (
        rows.filter(pl.col("annee_scolaire") < annee)
        .group_by("reseau_code", "annee_scolaire", "rang")
        .agg(pl.col("raccroches").sum())
    )
    if history.is_empty():
        return {}
    complete = (
        history.group_by("reseau_code", "annee_scolaire")
        .agg(pl.col("raccroches").sum().alias("total"), pl.col("rang").max().alias("rang_max"))
        .filter((pl.col("total") > 0) & (pl.col("rang_max") >= COMPLETE_YEAR_FROM_RANK))
    )
    grid = complete.select("reseau_code", "annee_scolaire", "total").join(
        pl.DataFrame({"rang": list(range(12))}, schema={"rang": pl.Int64}), how="cross"
    )
    shares = (
        grid.join(history, on=["reseau_code", "annee_scolaire", "rang"], how="left")
        .with_columns(pl.col("raccroches").fill_null(0))
        .sort("reseau_code", "annee_scolaire", "rang")
        .with_columns((pl.col("raccroches").cum_sum().over("reseau_code", "annee_scolaire") / pl.col("total"))
                      .alias("part"))
        .group_by("reseau_code", "rang")
        .agg(pl.col("part").mean())
        .sort("reseau_code", "rang")
    )
    out: dict[str, tuple[float, ...]] = {}
    for (code,), group in shares.group_by("reseau_code", maintain_order=True):
        out[code] = tuple(group["part"].to_list())
    return out


def network_table(rows: pl.DataFrame, reseaux, annee: str, academie_profile: tuple[float, ...]) -> dict[str, Network]:
    """Every network of ``reseaux`` at its own last bilan of ``annee`` (``rows``: their bilans with
    ``raccroches`` and ``rang``, every year up to ``annee``)."""
    current = (
        rows.filter(pl.col("annee_scolaire") == annee)
        .group_by("reseau_code")
        .agg(pl.col("periode_fin").max(), *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .with_columns(rank_expr("periode_fin").alias("rang"))
    )
    ranks = current.select("reseau_code", pl.col("rang").alias("rang_courant"))
    n1 = (
        rows.filter(pl.col("annee_scolaire") == previous_year(annee))
        .join(ranks, on="reseau_code")
        .filter(pl.col("rang") <= pl.col("rang_courant"))
        .group_by("reseau_code")
        .agg(pl.col("periode_fin").max(), *[pl.col(c).sum() for c in N1_COUNTS])
    )
    profiles = network_profiles(rows, annee)
    by_code = {r["reseau_code"]: r for r in current.iter_rows(named=True)}
    n1_by_code = {r["reseau_code"]: r for r in n1.iter_rows(named=True)}
    out = {}
    for code in reseaux:
        cur, prev = by_code.get(code), n1_by_code.get(code)
        out[code] = Network(
            code=code,
            periode_fin=cur["periode_fin"] if cur else None,
            rang=cur["rang"] if cur else None,
            counts={c: int(cur[c]) for c in COUNT_COLUMNS} if cur else None,
            profile=profiles.get(code, academie_profile),
            own_profile=code in profiles,
            periode_fin_n1=prev["periode_fin"] if prev else None,
            counts_n1={c: int(prev[c]) for c in N1_COUNTS} if prev else None,
        )
    return out
