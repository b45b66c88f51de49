"""Domain rules per kind of file: codes that must exist, consistency between columns, warnings.

Each rule looks only at rows whose values it needs were parsed (an unparseable value is already
reported once). ``derive`` fills defaults and derived columns before the rules run.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from dashboard import fmt
from dashboard.importer import funnel, prevention_rules, territory_rules
from dashboard.importer.checks import (
    CODES_LIST,
    check_known,
    check_known_by_year,
    commune_exists,
    present,
    school_year_of_date,
)
from dashboard.importer.references import References, TerritorySuggester
from dashboard.importer.report import WARNING, Issues

KNOWN_INDICATORS = ("raccroches",)
HIGH_ABSENTEEISM = 0.5


def derive(kind: str, rows: pl.DataFrame) -> pl.DataFrame:
    """Defaults (empty indicator → raccroches, empty start year → 0) and derived columns."""
    if kind == "objectifs":
        return rows.with_columns(
            pl.when(pl.col("indicateur__brut").is_null()).then(pl.lit("raccroches"))
            .otherwise(pl.col("indicateur")).alias("indicateur")
        )
    if kind == "territoires":
        return rows.with_columns(
            pl.when(pl.col("annee_scolaire_debut__brut").is_null()).then(pl.lit(0, pl.Int64))
            .otherwise(pl.col("annee_scolaire_debut")).alias("annee_scolaire_debut")
        )
    if kind == "absenteisme":
        return rows.with_columns(school_year_of_date("mois").alias("annee_scolaire"))
    if kind == "referents":
        return prevention_rules.derive_referents(rows)
    if kind == "prevention":
        return prevention_rules.derive_prevention(rows)
    return rows


def apply(kind: str, rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    RULES[kind](rows, refs, issues)


#: Territory-code columns of each kind: a value that is not written as a code (« Haute Saintonge »)
#: still gets the territory it names suggested.
CODE_COLUMNS = {"bilans": "reseau_code", "etablissements": "reseau_code", "objectifs": "territoire_code"}


def code_hints(kind: str, refs: References) -> dict[str, Callable[[str], str]]:
    """Column → the suggestion added to a code that cannot be read (a name with spaces or accents)."""
    column = CODE_COLUMNS.get(kind)
    if column is None:
        return {}
    cache: dict[str, TerritorySuggester] = {}

    def hint(value: str) -> str:
        if "all" not in cache:
            names = dict(refs.all_network_names())
            if kind == "objectifs":
                for annee in refs.breakdown_years():
                    names |= refs.territory_names(annee)
            cache["all"] = TerritorySuggester(names)
        return cache["all"].hint(value) + CODES_LIST

    return {column: hint}


# --- per kind -------------------------------------------------------------------------------------


def bilans_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    check_known_by_year(rows, "reseau_code", refs.networks, issues, "réseau connu",
                        lambda v, a: f"Le réseau « {v} » n'existe pas dans le découpage de {a}.",
                        suggest=lambda a: TerritorySuggester(refs.territory_names(a, networks_only=True)),
                        tail=CODES_LIST)
    dated = present(rows, "periode_fin", "annee_scolaire")
    outside = dated.filter(school_year_of_date("periode_fin") != pl.col("annee_scolaire"))
    issues.add_rows(outside, "periode_fin", "période dans l'année scolaire",
                    lambda r: f"La période close le {fmt.date_long(r['periode_fin'])} n'appartient pas à l'année "
                              f"scolaire {r['annee_scolaire']} (du 1er septembre au 31 août).")
    as_date = pl.col("periode_fin").str.to_date("%Y-%m-%d")
    not_month_end = present(rows, "periode_fin").filter(as_date != as_date.dt.month_end())
    issues.add_rows(not_month_end, "periode_fin", "fin de période",
                    lambda r: f"Le {fmt.date_long(r['periode_fin'])} n'est pas un dernier jour de mois : "
                              "une période bimestrielle se termine normalement en fin de mois.", WARNING)
    counts = list(funnel.COUNTS)
    zero = present(rows, *counts).filter(pl.sum_horizontal(counts) == 0)
    issues.add_rows(zero, "jeunes_signales", "période vide",
                    lambda r: "Toutes les valeurs de cette période sont à zéro : vérifiez qu'il ne s'agit pas "
                              "d'une ligne non remplie.", WARNING)
    funnel.check(rows, refs, issues)


def absenteisme_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    check_known(rows, "uai", refs.schools(), issues, "établissement connu",
                lambda v: f"L'établissement « {v} » est inconnu : importez-le d'abord (fichier « établissements »).",
                prefix_length=3)
    both = present(rows, "effectif", "eleves_absenteistes")
    over = both.filter(pl.col("eleves_absenteistes") > pl.col("effectif"))
    issues.add_rows(over, "eleves_absenteistes", "absentéistes ≤ effectif",
                    lambda r: f"Plus d'élèves absentéistes ({fmt.integer(r['eleves_absenteistes'])}) que d'élèves "
                              f"inscrits ({fmt.integer(r['effectif'])}).")
    rate = pl.col("eleves_absenteistes") / pl.col("effectif")
    high = both.filter((pl.col("effectif") > 0) & (rate > HIGH_ABSENTEEISM) & (rate <= 1))
    issues.add_rows(high, "eleves_absenteistes", "taux plausible",
                    lambda r: f"Taux d'absentéisme de {fmt.percent(r['eleves_absenteistes'] / r['effectif'])} : "
                              "inhabituel (plus de 50 %), à vérifier.", WARNING)
    empty = present(rows, "effectif").filter(pl.col("effectif") == 0)
    issues.add_rows(empty, "effectif", "effectif non nul",
                    lambda r: "Effectif nul : l'établissement était-il fermé ce mois-là ?", WARNING)
    summer = present(rows, "mois").filter(pl.col("mois").str.slice(5, 2).is_in(["07", "08"]))
    issues.add_rows(summer, "mois", "mois de classe",
                    lambda r: f"{fmt.month_label(r['mois']).capitalize()} : l'absentéisme se mesure de septembre "
                              "à juin.", WARNING)
    half_days = present(rows, "demi_journees_non_justifiees", "eleves_absenteistes").filter(
        pl.col("demi_journees_non_justifiees") < 4 * pl.col("eleves_absenteistes")
    )
    issues.add_rows(half_days, "demi_journees_non_justifiees", "demi-journées ≥ 4 × absentéistes",
                    lambda r: f"{fmt.integer(r['eleves_absenteistes'])} élèves absentéistes ont chacun au moins "
                              f"4 demi-journées d'absence, soit au moins {fmt.integer(4 * r['eleves_absenteistes'])} "
                              f"demi-journées ; le fichier en compte {fmt.integer(r['demi_journees_non_justifiees'])}.",
                    WARNING)


def etablissements_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    commune_exists(rows, refs, issues)
    check_known(rows, "reseau_code", refs.all_networks(), issues, "réseau connu",
                lambda v: f"Le réseau « {v} » n'existe dans aucun découpage territorial chargé.",
                suggest=TerritorySuggester(refs.all_network_names()), tail=CODES_LIST)


def objectifs_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    check_known_by_year(rows, "territoire_code", refs.territories, issues, "territoire connu",
                        lambda v, a: f"Le territoire « {v} » n'existe pas en {a} (ACAD, code de département, "
                                     "de PSAD ou de réseau attendu).",
                        suggest=lambda a: TerritorySuggester(refs.territory_names(a)), tail=CODES_LIST)
    other = present(rows, "indicateur").filter(~pl.col("indicateur").is_in(KNOWN_INDICATORS))
    issues.add_rows(other, "indicateur", "indicateur connu",
                    lambda r: f"L'indicateur « {r['indicateur']} » n'est pas affiché par le tableau de bord "
                              "(seul « raccroches » l'est) : l'objectif sera enregistré sans être utilisé.", WARNING)


def mlds_rules(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    commune_exists(rows, refs, issues)
    over = present(rows, "places", "jeunes_accueillis").filter(pl.col("jeunes_accueillis") > pl.col("places"))
    issues.add_rows(over, "jeunes_accueillis", "accueillis ≤ places",
                    lambda r: f"{fmt.integer(r['jeunes_accueillis'])} jeunes accueillis pour "
                              f"{fmt.integer(r['places'])} places : possible avec des entrées et sorties en cours "
                              "d'année, à vérifier.", WARNING)


RULES: dict[str, Callable[[pl.DataFrame, References, Issues], None]] = {
    "territoires": territory_rules.check,
    "etablissements": etablissements_rules,
    "bilans": bilans_rules,
    "objectifs": objectifs_rules,
    "absenteisme": absenteisme_rules,
    "mlds_sites": mlds_rules,
    "referents": prevention_rules.referents_rules,
    "prevention": prevention_rules.prevention_rules,
}
