"""Prevention tables (Prévention page, downloads, deck workbook) as declared tables: every column
is declared in ``dashboard.publish.catalog`` (``PREVENTION_*``), every renderer (screen Styler, CSV,
XLSX) reads that declaration. Inputs are the disclosed frames of ``queries.prevention``: a masked
count carries its mark (« < 5 » under the threshold, « s » for a complementary mask), a rate or a
share built on it « s » (``queries.prevention_figures.chain_marks``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard import fmt
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog
from dashboard.publish import columns as publish_columns
from queries.absenteisme import TYPE_LABELS
from queries.prevention_figures import chain_marks

SOURCES = ("prevention",)
SOURCES_WITH_ABSENCE = ("prevention", "absenteisme")
COVERAGE_COLUMNS = ("groupe", "etablissements", "avec_referent", "sans_referent", "couverture", "cible")
TERRITORY_COVERAGE_COLUMNS = ("territoire_code", "territoire", "etablissements", "avec_referent", "sans_referent",
                              "couverture")
FUNCTION_COLUMNS = ("libelle", "referents", "part", "formes", "formation_connue", "part_formes")
GROUP_COLUMNS = ("libelle", "referents", "part", "reference", "part_reference")
COUNTS = catalog.PUPIL_COUNTS
RATES = tuple(f"{c}_pour_1000" for c in COUNTS)
#: The chain on screen: the rates first (territories of every size compare), then the counts.
CHAIN_SCREEN = ("territoire", *RATES, "part_suivis", "eleves")
CHAIN_EXPORT = ("territoire_code", "territoire", "etablissements", "etablissements_declarants", "nb_mois", "eleves",
                *COUNTS, "reunions_gpds", *RATES, "part_suivis", "part_solutions_internes")
MONTH_COLUMNS = ("mois", "etablissements_declarants", "effectif", *COUNTS, "reunions_gpds", *RATES)
BLIND_SPOT_SCREEN = ("nom", "commune", "taux", "rang_libelle", "eleves_reperes", "motif", "referent")
BLIND_SPOT_EXPORT = ("uai", "nom", "type", "secteur", "commune", "reseau", "effectif_moyen", "absenteistes_moyen",
                     "taux", "rang_type", "etablissements_type", "eleves_reperes", "motif", "referent")
WITHOUT_REFERENT_COLUMNS = ("uai", "nom", "type", "commune", "reseau", "gpds_actif")
MLDS_SITE_COLUMNS = ("site_code", "nom", "commune_nom", "reseau_code", "places", "jeunes_accueillis",
                     "taux_occupation")
MLDS_TOTAL_COLUMNS = ("territoire", "sites", "places", "jeunes_accueillis", "taux_occupation", "reference_sites",
                      "reference_jeunes")


def _columns(declared: dict, keys: Sequence[str]) -> list:
    return [declared[k] for k in keys]


# --- referents ------------------------------------------------------------------------------------


def coverage_table(by_type: pl.DataFrame) -> publish_columns.Table:
    """Referent coverage by school type, then all schools (``Coverage.by_type``)."""
    frame = by_type.with_columns(pl.col("libelle").alias("groupe"))
    return publish_columns.table("Référents par type", frame, _columns(catalog.PREVENTION_COVERAGE, COVERAGE_COLUMNS),
                         sources=SOURCES)


def territory_coverage_table(by_territory: pl.DataFrame) -> publish_columns.Table:
    """Referent coverage of each sub-territory (``Coverage.by_territory``)."""
    frame = by_territory.rename({"territoire_nom": "territoire"})
    return publish_columns.table("Référents par territoire", frame,
                         _columns(catalog.PREVENTION_COVERAGE, TERRITORY_COVERAGE_COLUMNS), sources=SOURCES)


def functions_table(by_function: pl.DataFrame) -> publish_columns.Table:
    """Referents by function, with their training (``Coverage.by_function``)."""
    return publish_columns.table("Référents par fonction", by_function,
                         _columns(catalog.PREVENTION_FUNCTIONS, FUNCTION_COLUMNS), sources=SOURCES)


def groups_table(groups: pl.DataFrame) -> publish_columns.Table:
    """The three groups of functions against the académie's 2014 reference (``function_groups``)."""
    return publish_columns.table("Référence académique", groups, _columns(catalog.PREVENTION_FUNCTIONS, GROUP_COLUMNS),
                         sources=SOURCES)


def without_referent_table(frame: pl.DataFrame) -> publish_columns.Table:
    """The schools without a named referent (detail scope)."""
    return publish_columns.table("Sans référent", frame, _columns(catalog.PREVENTION_SCHOOLS, WITHOUT_REFERENT_COLUMNS),
                         sources=SOURCES)


# --- the GPDS chain ---------------------------------------------------------------------------------


def _marks(frame: pl.DataFrame) -> list[dict[str, str]]:
    return [chain_marks(r) for r in frame.iter_rows(named=True)]


def chain_table(chain: pl.DataFrame, columns: Sequence[str] = CHAIN_EXPORT,
                name: str = "Activité des GPDS") -> publish_columns.Table:
    """The chain of the territory and its sub-territories (``queries.prevention.chain``)."""
    frame = chain.rename({"territoire_nom": "territoire"})
    return publish_columns.table(name, frame, _columns(catalog.PREVENTION_CHAIN, columns), marks=_marks(frame),
                         sources=SOURCES_WITH_ABSENCE)


def monthly_table(monthly: pl.DataFrame) -> publish_columns.Table:
    """The chain month by month (``queries.prevention.monthly_chain``)."""
    frame = monthly.with_columns(pl.col("mois").map_elements(fmt.month_label, return_dtype=pl.String))
    # a month's pupils are its enrolment: the rates per 1 000 are built on « effectif »
    return publish_columns.table("GPDS par mois", frame, _columns(catalog.PREVENTION_CHAIN, MONTH_COLUMNS),
                         marks=_marks(frame), sources=SOURCES_WITH_ABSENCE)


# --- angles morts -----------------------------------------------------------------------------------


def blind_spots_table(spots: pl.DataFrame, columns: Sequence[str] = BLIND_SPOT_EXPORT) -> publish_columns.Table:
    """The « angles morts » (``queries.prevention.blind_spots``): a rate built on few absentees is
    « s », a small count « < 5 »."""
    frame = spots.with_columns(
        pl.col("referent").fill_null(catalog.NO_REFERENT),
        pl.format("{} {} / {}", pl.col("type").replace_strict(TYPE_LABELS, default=pl.col("type")), pl.col("rang_type"),
                  pl.col("etablissements_type")).alias("rang_libelle"),
    )
    marks = []
    for row in frame.iter_rows(named=True):
        mark = {}
        if row["masque"]:
            mark.update({"taux": disclosure_marks.SECONDARY, "absenteistes_moyen": disclosure_marks.PRIMARY})
        if row["masque_eleves_reperes"]:
            mark["eleves_reperes"] = disclosure_marks.PRIMARY
        marks.append(mark)
    return publish_columns.table("Angles morts", frame, _columns(catalog.PREVENTION_SCHOOLS, columns), marks=marks,
                         sources=SOURCES_WITH_ABSENCE)


# --- MLDS ---------------------------------------------------------------------------------------------


def _mlds_marks(frame: pl.DataFrame, masked: Sequence[bool], marks: Sequence[str | None] | None = None
                ) -> list[dict[str, str]]:
    marks = marks or [disclosure_marks.PRIMARY] * len(masked)
    return [{"jeunes_accueillis": mark or disclosure_marks.PRIMARY, "taux_occupation": disclosure_marks.SECONDARY} if m else {}
            for m, mark in zip(masked, marks, strict=True)]


def mlds_sites_table(sites: pl.DataFrame) -> publish_columns.Table:
    """The MLDS sites of the territory (detail scope): a small number of young people is « < 5 »."""
    masked = [j is None for j in sites["jeunes_accueillis"].to_list()]
    return publish_columns.table("Sites MLDS", sites, _columns(catalog.PREVENTION_MLDS, MLDS_SITE_COLUMNS),
                         marks=_mlds_marks(sites, masked), sources=SOURCES)


def mlds_totals_table(totals: pl.DataFrame) -> publish_columns.Table:
    """The territory's MLDS totals (then the académie's), against « 17 sites, environ 500 jeunes »."""
    frame = totals.rename({"territoire_nom": "territoire"})
    return publish_columns.table("MLDS", frame, _columns(catalog.PREVENTION_MLDS, MLDS_TOTAL_COLUMNS),
                         marks=_mlds_marks(frame, frame["masque"].to_list(), frame["marque"].to_list()),
                         sources=SOURCES)
