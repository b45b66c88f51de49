"""Rules of the two prevention files: référents décrochage and monthly GPDS activity.

``referents``: the school must be known. ``prevention``: the school must be known; the month must
belong to the school year when the file gives one (error) and fall in a school month (July and
August: warning, as for absenteeism); a count of pupils never exceeds the school's enrolment that
month when the absenteeism data already loaded gives it (error); and, cumulated since the start of
the school year for each school, followed ≤ spotted and internal solutions ≤ followed (warnings:
the months before the file may be missing or counted differently). For the totals, the file's rows
are combined with the rows already in the database for the same schools and years (a file row
replaces the stored row of the same school and month).
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.importer.checks import check_known, present, school_year_of_date
from dashboard.importer.references import References
from dashboard.importer.report import WARNING, Issues

#: Counts of pupils (the number of GPDS meetings is not one).
PUPIL_COLUMNS = ("eleves_reperes", "eleves_suivis", "solutions_internes", "signalements_plateforme")
PUPIL_LABELS = {
    "eleves_reperes": "élèves repérés",
    "eleves_suivis": "élèves suivis",
    "solutions_internes": "élèves avec une solution interne",
    "signalements_plateforme": "élèves signalés à la plateforme",
}
# (column reported, smaller cumulated total, larger cumulated total, rule, why)
CHAIN = (
    ("eleves_suivis", "eleves_suivis", "eleves_reperes", "suivis ≤ repérés (cumul annuel)",
     "un élève est suivi par le GPDS après avoir été repéré"),
    ("solutions_internes", "solutions_internes", "eleves_suivis", "solutions internes ≤ suivis (cumul annuel)",
     "une solution interne est trouvée pour un élève suivi"),
)
GROUP = ["uai", "annee_scolaire"]
YEAR_OF_MONTH = "_annee_du_mois"


def derive_referents(rows: pl.DataFrame) -> pl.DataFrame:
    """``formation_suivie``: OUI / NON / empty → true / false / null."""
    answer = pl.col("formation_suivie")
    return rows.with_columns(pl.when(answer.is_null()).then(None).otherwise(answer == "OUI").alias("formation_suivie"))


def derive_prevention(rows: pl.DataFrame) -> pl.DataFrame:
    """The school year of each month; ``annee_scolaire`` is that year unless the file gives one."""
    return rows.with_columns(school_year_of_date("mois").alias(YEAR_OF_MONTH)).with_columns(
        pl.coalesce("annee_scolaire", YEAR_OF_MONTH).alias("annee_scolaire")
    )


def _known_school(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    check_known(rows, "uai", refs.schools(), issues, "établissement connu",
                lambda v: f"L'établissement « {v} » est inconnu : importez-le d'abord (fichier « établissements »).",
                prefix_length=3)


def referents_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    _known_school(rows, refs, issues)


def prevention_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    _known_school(rows, refs, issues)
    stated = present(rows, "mois", "annee_scolaire__brut").filter(pl.col("annee_scolaire").is_not_null())
    outside = stated.filter(pl.col("annee_scolaire") != pl.col(YEAR_OF_MONTH))
    issues.add_rows(outside, "mois", "mois dans l'année scolaire",
                    lambda r: f"{fmt.month_label(r['mois']).capitalize()} n'appartient pas à l'année scolaire "
                              f"{r['annee_scolaire']} (de septembre à août) indiquée sur la ligne.")
    summer = present(rows, "mois").filter(pl.col("mois").str.slice(5, 2).is_in(["07", "08"]))
    issues.add_rows(summer, "mois", "mois de classe",
                    lambda r: f"{fmt.month_label(r['mois']).capitalize()} : l'activité des GPDS se compte de "
                              "septembre à juin.", WARNING)
    check_enrolment(rows, refs, issues)
    check_chain(rows, refs, issues)


def check_enrolment(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    """Error: more pupils in a count than pupils enrolled that month (absenteeism data loaded)."""
    dated = present(rows, "uai", "mois")
    if dated.is_empty():
        return
    enrolment = refs.enrolments(dated[YEAR_OF_MONTH].unique().to_list())
    joined = dated.join(enrolment, on=["uai", "mois"], how="inner")
    for column in PUPIL_COLUMNS:
        over = present(joined, column).filter(pl.col(column) > pl.col("_effectif"))
        issues.add_rows(over, column, "élèves ≤ effectif",
                        lambda r, c=column: f"{fmt.integer(r[c])} {PUPIL_LABELS[c]} en "
                                            f"{fmt.month_label(r['mois'])} pour {fmt.integer(r['_effectif'])} élèves "
                                            "inscrits ce mois-là (données d'absentéisme déjà importées) : un "
                                            "nombre d'élèves ne peut pas dépasser l'effectif de l'établissement.")


NEEDED = ["uai", "mois", "annee_scolaire", *PUPIL_COLUMNS]


def _file_totals(rows: pl.DataFrame, refs: References) -> pl.DataFrame:
    """Complete file rows (one per school and month) plus the stored rows of the same schools and
    years that the file does not replace, in month order."""
    file = rows.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in NEEDED))
    file = file.filter(pl.col("annee_scolaire") == pl.col(YEAR_OF_MONTH))
    file = file.sort("_ligne").unique(subset=["uai", "mois"], keep="first", maintain_order=True)
    file = file.select(*NEEDED, "_ligne")
    if file.is_empty():
        return file
    stored = refs.prevention(file["annee_scolaire"].unique().to_list()).select(NEEDED)
    stored = stored.join(file.select(GROUP).unique(), on=GROUP, how="semi").join(
        file.select("uai", "mois"), on=["uai", "mois"], how="anti")
    stored = stored.with_columns(pl.lit(None, pl.Int64).alias("_ligne"))
    return pl.concat([file, stored], how="vertical_relaxed").sort(*GROUP, "mois")


def check_chain(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    """Warning, once per school and year: the first month where a cumulated total of the chain
    exceeds the one before it."""
    frame = _file_totals(rows, refs)
    if frame.is_empty():
        return
    first_file = pl.when(pl.col("_ligne").is_not_null()).then(pl.col("mois"))
    totals = frame.with_columns(
        *[pl.col(c).cum_sum().over(GROUP).alias(f"cumul_{c}") for c in PUPIL_COLUMNS],
        first_file.min().over(GROUP).alias("_premier_mois_fichier"),
        pl.col("_ligne").forward_fill().over(GROUP).alias("_ligne_attribuee"),
    ).filter(pl.col("mois") >= pl.col("_premier_mois_fichier"))
    for column, small, large, rule, why in CHAIN:
        broken = totals.filter(pl.col(f"cumul_{small}") > pl.col(f"cumul_{large}"))
        broken = broken.sort("mois").unique(subset=GROUP, keep="first", maintain_order=True).sort("_ligne_attribuee")
        issues.add_rows(
            broken, column, rule,
            lambda r, s=small, lg=large, w=why: _explain_chain(r, s, lg, w),
            severity=WARNING,
            value=lambda r, s=small, lg=large: f"{fmt.integer(r[f'cumul_{s}'])} > {fmt.integer(r[f'cumul_{lg}'])}",
            line_column="_ligne_attribuee",
        )


def _explain_chain(row: dict, small: str, large: str, why: str) -> str:
    stored = " (mois déjà enregistré)" if row["_ligne"] is None else ""
    return (
        f"Établissement {row['uai']}, cumul depuis le début de l'année scolaire {row['annee_scolaire']} jusqu'à "
        f"{fmt.month_label(row['mois'])}{stored} : {fmt.integer(row[f'cumul_{small}'])} {PUPIL_LABELS[small]} pour "
        f"{fmt.integer(row[f'cumul_{large}'])} {PUPIL_LABELS[large]}. Il devrait y en avoir au plus autant, car "
        f"{why} : vérifiez que les colonnes ne sont pas inversées et que les mois précédents sont bien importés."
    )
