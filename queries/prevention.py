"""Prevention: référents décrochage, GPDS activity, blind spots, MLDS sites.

* ``coverage`` — schools with a named referent out of all schools, by school type, by function and
  per sub-territory, against « un référent dans chaque établissement ».
* ``chain`` and ``monthly_chain`` — the GPDS chain repérés → suivis → solutions internes →
  signalés à la plateforme, as counts and per 1 000 pupils, for the territory and each
  sub-territory, and month by month. Pupils are the **mean monthly enrolment** (absenteeism data)
  over the months with GPDS activity that school year (``GPDS_MONTHS_TEXT``), the same months for
  every territory: every rate is a **ratio of sums**, and an aggregate's counts and pupils are the
  sums of its parts'. Schools that report nothing count in the pupils (their pupils are not spotted).
* ``blind_spots`` (``queries.prevention_blind_spots``) — schools whose absenteeism is in the top
  tenth of their type while their GPDS reports little or nothing (``BLIND_SPOT_RULE``).
* ``mlds`` — MLDS sites (places, young people, occupancy) and the territory's total against
  « 17 sites, environ 500 jeunes » for the académie.

Disclosure: a count of pupils between 1 and the threshold minus one is null with ``masque_<count>``
true, and so is every rate or share built on it; complementary masks are chosen once per school
year over the whole territorial tree and the months (``queries.prevention_suppression``: no masked
count can be recomputed from the union of every page and file). Counts of schools and referents are not
counts of pupils and are shown as they are. Scope: ``resolve_territory`` first (``AccessDenied``
outside the scope); sub-territories, school lists and sites only where the scope sees the detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, select

from dashboard import academie, fmt
from dashboard.academie import Facts, ReferentsFact
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.store import db
from queries import prevention_suppression as suppression
from queries.absenteisme import ALL, MAIN_TYPES, TYPE_LABELS
from queries.carte_layers import mlds_sites
from queries.prevention_blind_spots import (  # noqa: F401 - re-exported
    BLIND_SPOT_MIN_SPOTTED_PER_ABSENTEE,
    BLIND_SPOT_RULE,
    BLIND_SPOT_TOP_SHARE,
    blind_spot_counts,
    blind_spots,
)
from queries.prevention_schools import (
    GPDS_COUNTS,
    MARKS_COLUMN,
    PUPIL_COUNTS,
    apply_marks,
    gpds_months,
    monthly_activity,
    monthly_enrolment,
    owners,
    rate_per_1000,
    schools,
    share,
    with_rank,
)
from queries.territoires import (
    Territory,
    can_view_detail,
    children,
    commune_breakdown,
    resolve_territory,
    territory_index,
)

COVERAGE_TARGET = 1.0
COVERAGE_TARGET_TEXT = "un référent dans chaque établissement"
FUNCTION_LABELS = {
    "CPE": "CPE",
    "PERSONNEL_DE_DIRECTION": "Personnel de direction",
    "ENSEIGNANT": "Enseignant",
    "PROFESSEUR_DOCUMENTALISTE": "Professeur documentaliste",
    "DDFPT": "DDFPT (chef de travaux)",
    "ASSISTANT_EDUCATION": "Assistant d'éducation",
    "PSYEN": "Psychologue de l'Éducation nationale",
    "AUTRE": "Autre fonction",
}
CHAIN_LABELS = {
    "eleves_reperes": "Élèves repérés",
    "eleves_suivis": "Élèves suivis par le GPDS",
    "solutions_internes": "Solutions internes",
    "signalements_plateforme": "Signalés à la plateforme",
}
GPDS_MONTHS_TEXT = ("Taux pour 1 000 élèves : élèves comptés dans le mois (ou cumulés sur l'année) rapportés à "
                    "l'effectif moyen des mêmes mois (données d'absentéisme), établissements sans activité déclarée "
                    "compris.")
#: Three groups of functions, those of the académie's reference count when it has one
#: (``dashboard.academie.Facts.referents``: Poitiers, 2014).
REFERENT_GROUPS = {
    "CPE": ("CPE",),
    "DIRECTION_ENSEIGNANTS": ("PERSONNEL_DE_DIRECTION", "ENSEIGNANT"),
    "AUTRES": ("PROFESSEUR_DOCUMENTALISTE", "DDFPT", "ASSISTANT_EDUCATION", "PSYEN", "AUTRE"),
}
REFERENT_GROUP_LABELS = {"CPE": "CPE", "DIRECTION_ENSEIGNANTS": "Personnels de direction et enseignants",
                         "AUTRES": "Autres fonctions"}


def academie_facts(conn: Connection) -> Facts:
    """The local reference figures of the database's académie (each optional, with its source)."""
    return academie.of_connection(conn).facts


def referents_reference_text(reference: ReferentsFact) -> str:
    """« 275 référents dans l'académie en 2014, dont 120 CPE et 109 personnels de direction et enseignants »."""
    groups = reference.groupes
    return (f"{fmt.integer(reference.total)} référents dans l'académie en {reference.annee}, dont "
            f"{fmt.integer(groups['CPE'])} CPE et {fmt.integer(groups['DIRECTION_ENSEIGNANTS'])} personnels de "
            f"direction et enseignants ({reference.source})")


# --- referent coverage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Referent coverage of a territory for a school year (see ``coverage``)."""

    by_type: pl.DataFrame  # groupe (types, then ENSEMBLE), libelle, etablissements, avec_referent, sans_referent, couverture, cible
    by_function: pl.DataFrame  # fonction, libelle, referents, part, formes, formation_connue, part_formes
    by_territory: pl.DataFrame  # territoire_code, territoire_nom, etablissements, avec_referent, couverture (sub-territories)


def _referents(conn: Connection, annee: str) -> pl.DataFrame:
    r = db.referents
    rows = conn.execute(select(r.c.uai, r.c.fonction, r.c.formation_suivie).where(r.c.annee_scolaire == annee)).all()
    return pl.DataFrame(rows, orient="row", schema={"uai": pl.String, "fonction": pl.String,
                                                    "formation_suivie": pl.Boolean})


def referents_declared(conn: Connection, annee: str) -> bool:
    """Whether any referent is declared that school year in the database: without a referents file
    the coverage is unknown (None), not 0 %."""
    r = db.referents
    return conn.execute(select(r.c.uai).where(r.c.annee_scolaire == annee).limit(1)).first() is not None


def _coverage_of(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.group_by(keys, maintain_order=True).agg(
        pl.len().alias("etablissements"), pl.col("fonction").is_not_null().sum().alias("avec_referent"),
    ).with_columns(
        (pl.col("etablissements") - pl.col("avec_referent")).alias("sans_referent"),
        (pl.col("avec_referent") / pl.col("etablissements")).alias("couverture"),
        pl.lit(COVERAGE_TARGET).alias("cible"),
    )


def coverage(conn: Connection, scope: Scope, code: str, annee: str) -> Coverage:
    """Schools of the territory with a named referent that school year, out of all its schools."""
    territory = resolve_territory(conn, scope, code, annee)
    subs = children(conn, scope, code, annee)
    frame = schools(conn, annee, territory.reseaux).join(_referents(conn, annee), on="uai", how="left")
    types = [t for t in (*MAIN_TYPES, "AUTRE") if t in set(frame["type"])]
    by_type = pl.concat([
        _coverage_of(frame.filter(pl.col("type") == t).with_columns(pl.lit(t).alias("groupe")), ["groupe"])
        for t in types
    ] + [_coverage_of(frame.with_columns(pl.lit(ALL).alias("groupe")), ["groupe"])], how="vertical_relaxed")
    by_type = by_type.with_columns(
        pl.col("groupe").replace_strict({**TYPE_LABELS, ALL: "Ensemble"}, default=pl.col("groupe")).alias("libelle"),
        pl.col("etablissements", "avec_referent", "sans_referent").cast(pl.Int64))
    named = frame.filter(pl.col("fonction").is_not_null())
    by_function = pl.DataFrame({"fonction": list(db.REFERENT_FUNCTIONS)}).join(
        named.group_by("fonction").agg(
            pl.len().alias("referents"), pl.col("formation_suivie").sum().alias("formes"),
            pl.col("formation_suivie").is_not_null().sum().alias("formation_connue")),
        on="fonction", how="left",
    ).fill_null(0).with_columns(
        pl.col("fonction").replace_strict(FUNCTION_LABELS).alias("libelle"),
        (pl.col("referents") / max(1, named.height)).alias("part"),
        pl.when(pl.col("formation_connue") > 0).then(pl.col("formes") / pl.col("formation_connue")).alias("part_formes"),
    ).select("fonction", "libelle", "referents", "part", "formes", "formation_connue", "part_formes").with_columns(
        pl.col("referents", "formes", "formation_connue").cast(pl.Int64))
    by_territory = _coverage_by_territory(frame, territory, subs)
    return Coverage(by_type.select("groupe", "libelle", "etablissements", "avec_referent", "sans_referent",
                                   "couverture", "cible"), by_function, by_territory)


def function_groups(by_function: pl.DataFrame, reference: ReferentsFact | None = None) -> pl.DataFrame:
    """``Coverage.by_function`` in three groups of functions (CPE; personnels de direction and
    teachers; the other functions): groupe, libelle, referents, part (of the territory's referents),
    reference (the académie's reference count, when it has one), part_reference (its share)."""
    counts = dict(by_function.select("fonction", "referents").iter_rows())
    named = max(1, sum(counts.values()))
    known = reference.groupes if reference is not None else {}
    total = sum(known.values())
    rows = [(group, REFERENT_GROUP_LABELS[group], sum(counts.get(f, 0) for f in functions),
             sum(counts.get(f, 0) for f in functions) / named, known.get(group),
             known[group] / total if group in known and total else None)
            for group, functions in REFERENT_GROUPS.items()]
    return pl.DataFrame(rows, orient="row", schema={"groupe": pl.String, "libelle": pl.String,
                                                    "referents": pl.Int64, "part": pl.Float64,
                                                    "reference": pl.Int64, "part_reference": pl.Float64})


def _coverage_by_territory(frame: pl.DataFrame, territory: Territory, subs: list[Territory]) -> pl.DataFrame:
    schema = {"territoire_code": pl.String, "territoire_nom": pl.String, "etablissements": pl.Int64,
              "avec_referent": pl.Int64, "sans_referent": pl.Int64, "couverture": pl.Float64}
    if not subs:
        return pl.DataFrame(schema=schema)
    mapped = frame.join(owners(territory, subs).filter(pl.col("territoire_code") != territory.code), on="reseau")
    names = pl.DataFrame({"territoire_code": [t.code for t in subs], "territoire_nom": [t.label for t in subs],
                          "_ordre": list(range(len(subs)))})
    out = names.join(_coverage_of(mapped, ["territoire_code"]), on="territoire_code", how="left").sort("_ordre")
    return out.select(list(schema)).cast(schema).with_columns(
        pl.col("etablissements", "avec_referent", "sans_referent").fill_null(0))


def schools_without_referent(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The schools of the territory with no named referent that school year (detail scope only:
    empty otherwise): uai, nom, type, commune, reseau, gpds_actif (some GPDS activity reported)."""
    territory = resolve_territory(conn, scope, code, annee)
    schema = {"uai": pl.String, "nom": pl.String, "type": pl.String, "commune": pl.String, "reseau": pl.String,
              "gpds_actif": pl.Boolean}
    if not can_view_detail(territory_index(conn, annee), scope, code):
        return pl.DataFrame(schema=schema)
    frame = schools(conn, annee, territory.reseaux).join(_referents(conn, annee), on="uai", how="anti")
    active = set(monthly_activity(conn, territory, annee)["uai"].to_list())
    return frame.with_columns(pl.col("uai").is_in(sorted(active)).alias("gpds_actif")).select(list(schema))


# --- GPDS chain -----------------------------------------------------------------------------------


def _school_months(conn: Connection, territory: Territory, annee: str) -> tuple[pl.DataFrame, list[str]]:
    """Per school and month of the GPDS months: the counts (0 for a school without a report that
    month), enrolment, and ``declare`` (the school reported that month)."""
    months = gpds_months(conn, annee)
    enrolment = monthly_enrolment(conn, territory, annee, months).drop("absenteistes")
    activity = monthly_activity(conn, territory, annee).with_columns(pl.lit(True).alias("declare"))
    keys = pl.concat([enrolment.select("uai", "mois"), activity.select("uai", "mois")]).unique()
    frame = keys.join(enrolment, on=["uai", "mois"], how="left").join(activity, on=["uai", "mois"], how="left")
    return frame.with_columns(pl.col("effectif", *GPDS_COUNTS).fill_null(0), pl.col("declare").fill_null(False)), months


def _chain_sums(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.group_by(keys, maintain_order=True).agg(
        pl.col("uai").filter(pl.col("declare")).n_unique().alias("etablissements_declarants"),
        pl.sum("effectif").alias("effectif_cumule"), *[pl.sum(c) for c in GPDS_COUNTS],
    )


def _disclosed_chain(frame: pl.DataFrame, marks: dict[tuple[str, str], str]) -> pl.DataFrame:
    """Rows of ``chain_sums`` with the year's masks (``marks``: (territory, count) → mark, the
    decision of ``queries.prevention_suppression``), rates and shares."""
    limit = rule.threshold()
    row_marks = [{c: marks[(code, c)] for c in PUPIL_COUNTS if (code, c) in marks}
                 for code in frame["territoire_code"].to_list()]
    out = apply_marks(frame, row_marks)
    out = out.with_columns(pl.when((pl.col("eleves") > 0) & (pl.col("eleves") < limit)).then(None)
                           .otherwise(pl.col("eleves")).alias("eleves"))
    return out.with_columns(
        *[rate_per_1000(out, c) for c in PUPIL_COUNTS],
        share("eleves_suivis", "eleves_reperes", "part_suivis"),
        share("solutions_internes", "eleves_suivis", "part_solutions_internes"),
    )


CHAIN_COLUMNS = ["territoire_code", "territoire_nom", "niveau", "etablissements", "etablissements_declarants",
                 "nb_mois", "effectif_cumule", "eleves", *GPDS_COUNTS,
                 *[f"{c}_pour_1000" for c in PUPIL_COUNTS], "part_suivis", "part_solutions_internes",
                 *[f"masque_{c}" for c in PUPIL_COUNTS], MARKS_COLUMN]


def chain_sums(conn: Connection, annee: str, base: Territory, listed: list[Territory]) -> pl.DataFrame:
    """The chain's raw sums (before disclosure) of each of ``listed`` (territories inside ``base``,
    in that order): territoire_code, territoire_nom, niveau, etablissements, etablissements_declarants,
    the counts, effectif_cumule, nb_mois and eleves (``chain``'s columns, without rates and masks)."""
    school_list = schools(conn, annee, base.reseaux)
    months_frame, months = _school_months(conn, base, annee)
    owner = owners(listed[0], listed[1:])
    per_school = school_list.select("uai", "reseau").join(owner, on="reseau")
    frame = months_frame.join(per_school, on="uai")
    counts = per_school.group_by("territoire_code").agg(pl.len().alias("etablissements"))
    rows = _chain_sums(frame, ["territoire_code"])
    names = pl.DataFrame({"territoire_code": [t.code for t in listed], "territoire_nom": [t.label for t in listed],
                          "niveau": [t.niveau for t in listed], "_ordre": list(range(len(listed)))})
    table = names.join(counts, on="territoire_code", how="left").join(rows, on="territoire_code", how="left")
    return table.with_columns(pl.col("etablissements", "etablissements_declarants", "effectif_cumule", *GPDS_COUNTS)
                              .fill_null(0).cast(pl.Int64),
                              pl.lit(len(months), pl.Int64).alias("nb_mois")).with_columns(
        (pl.col("effectif_cumule") / max(1, len(months))).alias("eleves")).sort("_ordre").drop("_ordre")


def disclosed_chain(conn: Connection, annee: str, table: pl.DataFrame) -> pl.DataFrame:
    """``chain_sums`` rows after disclosure (the year's decision: the same masks on every page and
    in every file), with rates and shares (``CHAIN_COLUMNS``)."""
    return _disclosed_chain(table, suppression.total_marks(conn, annee)).select(CHAIN_COLUMNS)


def chain(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The GPDS chain over the school year for the territory (first row) and each sub-territory
    (where the scope sees the detail): ``CHAIN_COLUMNS``. ``eleves`` is the mean monthly enrolment
    over ``nb_mois`` GPDS months (``effectif_cumule`` / ``nb_mois``), ``<count>_pour_1000`` the
    count per 1 000 of them, ``part_suivis`` suivis / repérés, ``part_solutions_internes``
    solutions internes / suivis; ``etablissements`` counts every school of the territory,
    ``etablissements_declarants`` those that reported some activity."""
    territory = resolve_territory(conn, scope, code, annee)
    subs = children(conn, scope, code, annee)
    table = chain_sums(conn, annee, territory, [territory, *subs])
    return disclosed_chain(conn, annee, table)


MONTHLY_COLUMNS = ["mois", "rang", "etablissements_declarants", "effectif", *GPDS_COUNTS,
                   *[f"{c}_pour_1000" for c in PUPIL_COUNTS], *[f"masque_{c}" for c in PUPIL_COUNTS], MARKS_COLUMN]


def monthly_chain(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The GPDS chain of the territory month by month (``MONTHLY_COLUMNS``): counts of the month
    and rates per 1 000 pupils enrolled that month; months add up to ``chain``'s year."""
    territory = resolve_territory(conn, scope, code, annee)
    frame, _months = _school_months(conn, territory, annee)
    in_territory = schools(conn, annee, territory.reseaux).select("uai")
    frame = frame.join(in_territory, on="uai")
    rows = frame.group_by("mois").agg(
        pl.col("uai").filter(pl.col("declare")).n_unique().alias("etablissements_declarants"),
        pl.sum("effectif"), *[pl.sum(c) for c in GPDS_COUNTS]).sort("mois")
    marks = suppression.month_marks(conn, annee)
    rows = apply_marks(rows, [{c: marks[(territory.code, m, c)] for c in PUPIL_COUNTS
                               if (territory.code, m, c) in marks} for m in rows["mois"].to_list()])
    rows = rows.with_columns(*[rate_per_1000(rows, c, "effectif") for c in PUPIL_COUNTS])
    schema = {**{c: pl.Int64 for c in MONTHLY_COLUMNS}, "mois": pl.String,
              **{f"{c}_pour_1000": pl.Float64 for c in PUPIL_COUNTS},
              **{f"masque_{c}": pl.Boolean for c in PUPIL_COUNTS}, MARKS_COLUMN: pl.String}
    return with_rank(rows).select(MONTHLY_COLUMNS).cast(schema)


# --- MLDS sites -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mlds:
    sites: pl.DataFrame  # ``queries.carte.mlds_sites``: the sites of the territory (detail scope only)
    totals: pl.DataFrame  # territoire_code, territoire_nom, sites, places, jeunes_accueillis, taux_occupation,
    #                       masque, reference_sites, reference_jeunes (the territory, then the académie)


def _mlds_totals(conn: Connection, territory: Territory, annee: str) -> dict:
    m = db.mlds_sites
    network = dict(commune_breakdown(conn, annee).select("commune_insee", "reseau_code").iter_rows())
    rows = conn.execute(select(m.c.commune_insee, m.c.places, m.c.jeunes_accueillis)
                        .where(m.c.annee_scolaire == annee)).all()
    kept = [r for r in rows if network.get(r.commune_insee) in territory.reseaux]
    young = sum(r.jeunes_accueillis for r in kept)
    places = sum(r.places for r in kept)
    # a site with few young people is masked on the map and in the list: the total that holds it is
    # masked too (« s »), or it would be that total minus the sites shown
    small = rule.is_small(young)
    holds_masked_site = any(rule.is_small(r.jeunes_accueillis) for r in kept)
    mark = disclosure_marks.PRIMARY if small else (disclosure_marks.SECONDARY if holds_masked_site else None)
    reference = academie.of_connection(conn).facts.mlds if territory.code == ACADEMIE else None
    return {"territoire_code": territory.code, "territoire_nom": territory.label, "sites": len(kept),
            "places": places, "jeunes_accueillis": None if mark else young,
            "taux_occupation": None if mark or not places else young / places, "masque": mark is not None,
            "marque": mark,
            "reference_sites": reference.sites if reference else None,
            "reference_jeunes": reference.jeunes if reference else None}


MLDS_TOTAL_SCHEMA = {"territoire_code": pl.String, "territoire_nom": pl.String, "sites": pl.Int64,
                     "places": pl.Int64, "jeunes_accueillis": pl.Int64, "taux_occupation": pl.Float64,
                     "masque": pl.Boolean, "marque": pl.String, "reference_sites": pl.Int64,
                     "reference_jeunes": pl.Int64}


def mlds(conn: Connection, scope: Scope, code: str, annee: str) -> Mlds:
    """MLDS sites of the territory (places, young people, occupancy) and the totals of the territory
    and of the académie, the latter against « 17 sites, environ 500 jeunes »."""
    territory = resolve_territory(conn, scope, code, annee)
    rows = [_mlds_totals(conn, territory, annee)]
    if territory.code != ACADEMIE:
        rows.append(_mlds_totals(conn, resolve_territory(conn, scope, ACADEMIE, annee), annee))
    return Mlds(mlds_sites(conn, scope, code, annee), pl.DataFrame(rows, schema=MLDS_TOTAL_SCHEMA))


# --- one figure per indicator (deck, comparison, export) -------------------------------------------


def summary(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """The territory's key prevention figures: coverage (fraction), schools and referents, the
    chain per 1 000 pupils (None when masked), the number of blind spots (None when the scope
    does not see schools), MLDS totals; ``masque`` names the figures hidden by disclosure."""
    cover = coverage(conn, scope, code, annee).by_type.filter(pl.col("groupe") == ALL).row(0, named=True)
    row = chain(conn, scope, code, annee).row(0, named=True)
    spots = blind_spot_counts(conn, scope, code, annee)
    totals = mlds(conn, scope, code, annee).totals.row(0, named=True)
    return {
        "couverture_referents": cover["couverture"],
        "etablissements": cover["etablissements"],
        "etablissements_avec_referent": cover["avec_referent"],
        "etablissements_declarants": row["etablissements_declarants"],
        **{c: row[c] for c in PUPIL_COUNTS},
        **{f"{c}_pour_1000": row[f"{c}_pour_1000"] for c in PUPIL_COUNTS},
        "angles_morts": spots["angles_morts"],
        "mlds_sites": totals["sites"], "mlds_places": totals["places"],
        "mlds_jeunes_accueillis": totals["jeunes_accueillis"],
        "masque": [c for c in PUPIL_COUNTS if row[f"masque_{c}"]] + (["mlds_jeunes_accueillis"] if totals["masque"]
                                                                      else []),
    }
