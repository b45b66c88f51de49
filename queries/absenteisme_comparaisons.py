"""Fair comparisons of absenteeism between sectors (public / private) and priority-education
groups (REP+, REP, hors EP).

Rates differ far more between school types than between these groups, and the groups do not have
the same type mix: every REP school is a collège, while the « hors éducation prioritaire » group
holds every lycée professionnel. A rate over all types mixed then compares type mixes, not
groups, and can reverse the true order (Simpson's paradox). Two fair comparisons are offered:

* **within one school type** (``Cube.monthly(by, (type,))`` / ``Cube.yearly``; collèges by
  default, since REP schools are collèges);
* **all types, rate standardised on the type mix** (indirect standardisation): for a group,
  the absentees expected if each of its schools had the territory's rate for its type are
  ``E = Σ_type effectif(group, type) × taux(territory, type)``; the standardised rate is the
  territory's rate × observed / expected. It is the group's rate « at the territory's type mix »:
  above the territory's rate when the group does worse than the territory's schools of the same
  types.

Every rate is still a ratio of sums over the same months; a group's standardised rate is masked
on the disclosure rule of its own (mean monthly) counts, like its crude rate.
"""

from __future__ import annotations

import polars as pl

from queries.absenteisme import (
    MONTHLY_SCHEMA,
    Cube,
    _comparable_previous,
    _group_rank,
    _grouped,
    _small,
    _with_previous,
)
from queries.absenteisme_suppression import RATE_DECIMALS

DEFAULT_TYPE = "COLLEGE"
STANDARDISED = "STANDARDISE"  # the « all types, standardised » choice

YEARLY_SCHEMA = {"groupe": pl.String, "nb_mois": pl.Int64, "effectif_moyen": pl.Int64, "taux": pl.Float64,
                 "masque": pl.Boolean, "taux_precedent": pl.Float64, "masque_precedent": pl.Boolean,
                 "evolution": pl.Float64}


def default_choice(types: list[str]) -> str:
    """The comparison shown first: within collèges when the territory has some."""
    return DEFAULT_TYPE if DEFAULT_TYPE in types else (types[0] if types else STANDARDISED)


def groups_within(cube: Cube, by: str, school_type: str) -> list[str]:
    """Groups (sectors or priority-education groups) that have schools of ``school_type`` in the
    selected year: a comparison needs at least two."""
    current = cube.sums.filter((pl.col("annee_scolaire") == cube.annee) & (pl.col("type") == school_type))
    return sorted(set(_grouped(current, by)["groupe"]))


def _standardise(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``frame``: sums per groupe, type and ``keys`` (period). Per groupe and ``keys``: observed
    and expected absentees, enrolment, standardised rate (before disclosure)."""
    by_type = frame.group_by("type", *keys).agg(pl.sum("effectif").alias("eff_t"), pl.sum("absenteistes").alias("abs_t"))
    overall = frame.group_by(keys).agg((pl.sum("absenteistes") / pl.sum("effectif")).alias("taux_territoire"))
    rate_t = pl.when(pl.col("eff_t") > 0).then(pl.col("abs_t") / pl.col("eff_t")).otherwise(0.0)
    out = (
        frame.join(by_type.with_columns(rate_t.alias("taux_type")), on=["type", *keys])
        .group_by("groupe", *keys)
        .agg(pl.sum("effectif"), pl.sum("absenteistes"), (pl.col("effectif") * pl.col("taux_type")).sum().alias("attendus"))
        .join(overall, on=keys)
    )
    return out.with_columns(
        pl.when(pl.col("attendus") > 0)
        .then(pl.col("taux_territoire") * pl.col("absenteistes") / pl.col("attendus"))
        .otherwise(pl.when(pl.col("absenteistes") == 0).then(0.0)).alias("taux_brut_standardise")
    )


def monthly_standardised(cube: Cube, by: str) -> pl.DataFrame:
    """Monthly rate per group (``by`` = secteur or ep), all school types, standardised on the
    territory's type mix of that month. Columns: ``MONTHLY_SCHEMA``."""
    frame = _grouped(cube.sums, by).group_by("groupe", "type", "annee_scolaire", "mois", "rang").agg(
        pl.sum("effectif"), pl.sum("absenteistes"))
    out = _standardise(frame, ["annee_scolaire", "mois", "rang"])
    masked = _small(pl.col("absenteistes"), pl.col("effectif"))
    out = out.with_columns(pl.when(masked).then(None).otherwise(pl.col("taux_brut_standardise").round(RATE_DECIMALS)).alias("taux"),
                           masked.alias("masque"))
    return out.select(list(MONTHLY_SCHEMA)).cast(MONTHLY_SCHEMA).sort(_group_rank(), "annee_scolaire", "rang")


def yearly_standardised(cube: Cube, by: str) -> pl.DataFrame:
    """Standardised rate over the school year per group, with the previous year's standardised
    rate over the same months and the change; same columns as ``Cube.yearly``."""
    frame = _comparable_previous(_grouped(cube.sums, by), cube.annee)
    months = frame.group_by("groupe", "annee_scolaire").agg(pl.col("mois").n_unique().alias("nb_mois"))
    sums = frame.group_by("groupe", "type", "annee_scolaire").agg(pl.sum("effectif"), pl.sum("absenteistes"))
    out = _standardise(sums, ["annee_scolaire"]).join(months, on=["groupe", "annee_scolaire"])
    masked = _small(pl.col("absenteistes") / pl.col("nb_mois"), pl.col("effectif") / pl.col("nb_mois"))
    out = out.with_columns(
        pl.when(masked).then(None).otherwise(pl.col("taux_brut_standardise").round(RATE_DECIMALS)).alias("taux"),
        masked.alias("masque"),
        (pl.col("effectif") / pl.col("nb_mois")).round(0).cast(pl.Int64).alias("effectif_moyen"),
    )
    yearly = _with_previous(out.drop("effectif", "absenteistes", "attendus", "taux_territoire", "taux_brut_standardise"),
                            ["groupe"], cube.annee)
    return yearly.select(list(YEARLY_SCHEMA)).cast(YEARLY_SCHEMA).sort(_group_rank())
