"""School lists as the ministry publishes them: the Annuaire de l'éducation (2023 and
current forms), adresse-et-géolocalisation, IPS collèges and lycées, effectifs, DNB.

``prepare`` turns the raw table of an ``etablissements`` file into the contract's columns before
the usual checks run:

* nature codes and labels → the dashboard's types (``natures``); natures outside
  the dashboard's field (CIO, écoles, agricultural or maritime lycées, private schools without a
  contract, other ministries) are **set aside** and counted, not errors;
* sector labels (Public, Privé, « privé sous contrat », PU/PR); priority education from one column
  (REP, REP+, vide, « Hors EP ») or from two 0/1 columns ``rep`` / ``rep_plus``;
* closed schools (``etat``, ``date_fermeture``) set aside with a warning each;
* a national file filtered to the académie: rows of other departments are counted as « hors
  académie »; a school whose commune (or postcode) and department disagree — a leading zero lost
  in a spreadsheet — is an error naming both;
* communes given by name (« ST MAIXENT L ECOLE », « ANGOULEME CEDEX ») resolved within their
  department; codes stored as numbers restored (``16015.0``, ``1269`` → ``01269``);
* a file listing each school once per school year keeps its latest year (older rows set aside);
* a directory listing a school once per site gives one school (``sites``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl

from dashboard import fmt
from dashboard.importer import contracts, places, sites
from dashboard.importer.contracts import CONTRACTS, ColumnSpec, Contract, squash
from dashboard.importer.natures import OUT_OF_FIELD, nature
from dashboard.importer.parsing import parse_date, restore_code
from dashboard.importer.reading import LINE, RawTable
from dashboard.importer.references import References
from dashboard.importer.report import WARNING, Issues

KIND = "etablissements"

# Columns that are not stored but help to read an official file (matched like contract columns).
AUX = Contract("etablissements_aux", "Colonnes utiles des fichiers officiels", "", (
    ColumnSpec("departement_code", contracts.TEXT, "Code du département.", "86",
               aliases=("code_departement", "code_du_departement", "code_dep", "department_number", "dep")),
    ColumnSpec("departement", contracts.TEXT, "Département (nom, ou code).", "Vienne",
               aliases=("libelle_departement", "nom_departement", "nom_du_departement", "department")),
    ColumnSpec("academie", contracts.TEXT, "Académie (non utilisée : le département suffit).", "Poitiers",
               aliases=("libelle_academie", "code_academie", "nom_academie")),
    ColumnSpec("commune_nom", contracts.TEXT, "Nom de la commune.", "Poitiers",
               aliases=("nom_commune", "libelle_commune", "nom_de_la_commune", "ville", "city", "localite",
                        "localite_acheminement_uai", "commune_libelle")),
    ColumnSpec("code_postal", contracts.TEXT, "Code postal.", "86000",
               aliases=("code_postal_uai", "cp", "zip_code", "code_postal_etablissement")),
    ColumnSpec("rep_plus", contracts.TEXT, "1 si REP+.", "0", aliases=("repplus", "rep+", "ep_rep_plus")),
    ColumnSpec("etat", contracts.TEXT, "État (OUVERT, FERMÉ).", "OUVERT",
               aliases=("etat_etablissement_libe", "etat_etablissement", "etat_uai")),
    ColumnSpec("date_fermeture", contracts.TEXT, "Date de fermeture.", "",
               aliases=("date_de_fermeture", "fermeture")),
    ColumnSpec("annee", contracts.TEXT, "Année (rentrée ou session).", "2022",
               aliases=("rentree_scolaire", "annee_scolaire", "session", "rentree", "annee_rentree")),
    ColumnSpec("contrat_prive", contracts.TEXT, "Type de contrat d'un établissement privé.", "",
               aliases=("type_contrat_prive", "secteur_prive_libelle_type_contrat", "libelle_type_contrat")),
    ColumnSpec("ministere", contracts.TEXT, "Ministère de tutelle.", "",
               aliases=("ministere_tutelle", "libelle_ministere")),
    ColumnSpec("nature_libelle", contracts.TEXT, "Libellé de la nature (pour compléter un nom).", "",
               aliases=("libelle_nature", "nature_uai_libe", "denomination_principale", "type_d_etablissement")),
    ColumnSpec("multi_lignes", contracts.TEXT, "1 si l'établissement a une ligne par site (annuaire).", "0",
               aliases=("etablissement_multi_lignes", "multi_sites", "multisite")),
), key=())

def sector(value: str) -> tuple[str | None, bool]:
    """(PUBLIC / PRIVE / None when not recognised, out of field: a private school without a contract)."""
    key = squash(value)
    if "horscontrat" in key or key == "horschamp":
        return "PRIVE", True
    if key in ("public", "pu", "pub", "publique", "etablissementpublic") or key.startswith("public"):
        return "PUBLIC", False
    if key in ("pr", "pri", "prive", "privee") or key.startswith("prive"):
        return "PRIVE", False
    return None, False


TRUE = {"1", "oui", "vrai", "true", "x"}
CLOSED = {"ferme", "fermee", "fermeture", "etablissementferme", "3"}


def is_closed(etat: str | None, closing: str | None, today: dt.date) -> str | None:
    """Why a school is closed (French), or ``None``."""
    if etat and squash(etat) in CLOSED:
        return f"état « {etat} »"
    if closing:
        value, error = parse_date(closing)
        if error is None and value <= today.isoformat():
            return f"fermé le {dt.date.fromisoformat(value).strftime('%d/%m/%Y')}"
    return None


@dataclass(frozen=True)
class Prepared:
    raw: RawTable  # the contract's columns (c0…), rows set aside removed
    positions: dict[str, int]
    set_aside: tuple[tuple[str, int], ...]
    recognised: dict[int, str]  # positions of the file matched by the contract or ``AUX``


def recognise(headers: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    """(contract columns, helper columns) by position in the file."""
    main = contracts.match_headers(headers, CONTRACTS[KIND])
    rest = [h if i not in main else "" for i, h in enumerate(headers)]
    aux = contracts.match_headers(rest, AUX)
    return main, aux


def distinct_map(frame: pl.DataFrame, column: str, fn) -> dict:
    return {v: fn(v) for v in frame[column].drop_nulls().unique().to_list()}


def prepare(raw: RawTable, refs: References, issues: Issues, today: dt.date | None = None) -> Prepared:
    today = today or dt.date.today()
    main, aux = recognise(raw.headers)
    by_name = {name: pos for pos, name in main.items()} | {name: pos for pos, name in aux.items()}
    issues.headers.update({name: raw.headers[pos] for name, pos in by_name.items()})
    columns = {name: pl.col(f"c{pos}").str.strip_chars() for name, pos in by_name.items()}
    t = raw.cells.select(
        *[pl.when(expr == "").then(None).otherwise(expr).alias(name) for name, expr in columns.items()], LINE,
    )
    has = set(by_name)
    t = t.with_columns(pl.lit(None, pl.String).alias(n) for n in (*CONTRACTS[KIND].names, *AUX.names) if n not in has)
    t = with_nature(t, has)
    t = with_sector(t)
    t = with_priority(t, has)
    t = with_names(t, raw, main)
    t = with_places(t, refs, has, issues)
    t, set_aside = set_rows_aside(t, refs, has, issues, today)
    t, merged = sites.merge(t, has, issues)
    set_aside += merged
    contract = CONTRACTS[KIND]
    names = [name for name in contract.names if name in has or derived(name, has)]
    cells = t.select(*[pl.col(name).alias(f"c{i}") for i, name in enumerate(names)], LINE)
    if names:  # rows with none of the contract's columns (a note in another column) are not schools
        cells = cells.filter(pl.any_horizontal(pl.col(f"c{i}").is_not_null() for i in range(len(names))))
    headers = [issues.headers.get(name, name) for name in names]
    prepared = replace(raw, headers=headers, cells=cells, overflow=(), controls=(), control_count=0)
    return Prepared(prepared, {name: i for i, name in enumerate(names)}, set_aside, {**main, **aux})


def derived(name: str, has: set[str]) -> bool:
    """Contract columns that a file may give through helper columns."""
    return (name == "commune_insee" and bool({"commune_nom", "code_postal"} & has)) or (
        name == "education_prioritaire" and "rep_plus" in has)


def with_nature(t: pl.DataFrame, has: set[str]) -> pl.DataFrame:
    found = distinct_map(t, "type", nature)
    kinds = {v: k for v, (k, _out) in found.items() if k}
    out = {v: o for v, (_k, o) in found.items() if o}
    return t.with_columns(
        pl.col("type").replace(kinds).alias("type"),
        pl.col("type").replace_strict(out, default=None, return_dtype=pl.String).alias("_hors_champ"),
    )


def with_sector(t: pl.DataFrame) -> pl.DataFrame:
    found = distinct_map(t, "secteur", sector)
    values = {v: k for v, (k, _o) in found.items() if k}
    out = [v for v, (_k, o) in found.items() if o]
    contract = pl.col("contrat_prive").map_elements(lambda v: "horscontrat" in squash(v), return_dtype=pl.Boolean) \
        if t["contrat_prive"].drop_nulls().len() else pl.lit(False)
    ministry = pl.col("ministere").map_elements(lambda v: "educationnationale" not in squash(v),
                                                return_dtype=pl.Boolean) if t["ministere"].drop_nulls().len() \
        else pl.lit(False)
    field = (pl.when(pl.col("_hors_champ").is_not_null()).then(pl.col("_hors_champ"))
             .when(pl.col("secteur").is_in(out) | contract.fill_null(False)).then(pl.lit("privé hors contrat"))
             .when(ministry.fill_null(False)).then(pl.lit("autre ministère que l'Éducation nationale"))
             .otherwise(None))
    return t.with_columns(field.alias("_hors_champ")).with_columns(pl.col("secteur").replace(values))


def flag(column: str) -> pl.Expr:
    return pl.col(column).map_elements(lambda v: restore_code(v).lower() in TRUE, return_dtype=pl.Boolean) \
        .fill_null(False)


def with_priority(t: pl.DataFrame, has: set[str]) -> pl.DataFrame:
    """REP / REP+ from two 0/1 columns (``rep`` read as the priority column, and ``rep_plus``)."""
    if "rep_plus" not in has:
        return t
    values = {restore_code(v) for v in t["education_prioritaire"].drop_nulls().unique().to_list()}
    if not values <= {"0", "1", ""}:
        return t
    return t.with_columns(
        pl.when(flag("rep_plus")).then(pl.lit("REP+"))
        .when(flag("education_prioritaire")).then(pl.lit("REP")).otherwise(None).alias("education_prioritaire")
    )


def with_names(t: pl.DataFrame, raw: RawTable, main: dict[int, str]) -> pl.DataFrame:
    """A name given as a patronyme alone (« GUEZ DE BALZAC ») gets its nature in front of it."""
    position = next((p for p, n in main.items() if n == "nom"), None)
    if position is None or squash(raw.headers[position]) not in ("patronyme", "patronymeuai"):
        return t
    label = pl.coalesce(pl.col("nature_libelle"), pl.lit(""))
    return t.with_columns(pl.concat_str([label, pl.col("nom")], separator=" ").str.strip_chars().alias("nom"))


def with_places(t: pl.DataFrame, refs: References, has: set[str], issues: Issues) -> pl.DataFrame:
    """Department of every row (``_dep``) and of its commune or postcode (``_dep_lieu``); communes
    given by name resolved to INSEE codes."""
    deps = distinct_map(t, "departement", places.department_code) | distinct_map(t, "departement_code",
                                                                                   places.department_code)
    stated = pl.coalesce("departement_code", "departement")
    if "departement_code" in has:
        issues.headers["departement"] = issues.headers["departement_code"]
    postcodes = distinct_map(t, "code_postal", places.department_of_postcode)
    uai_prefix = pl.col("uai").str.strip_chars().str.to_uppercase()
    prefixes = {p: places.department_of_uai(p + "0000A") for p in
                t.select(uai_prefix.str.slice(0, 3)).to_series().drop_nulls().unique().to_list()}
    valid_uai = uai_prefix.str.contains(r"^\d{7}[A-Z]$")
    t = t.with_columns(
        stated.replace_strict(deps, default=None, return_dtype=pl.String).alias("_dep_colonne"),
        stated.alias("departement"),
        pl.col("code_postal").replace_strict(postcodes, default=None, return_dtype=pl.String).alias("_dep_postal"),
        pl.when(valid_uai).then(uai_prefix.str.slice(0, 3).replace_strict(prefixes, default=None,
                                                                          return_dtype=pl.String))
        .alias("_dep_uai"),
    )
    names = places.CommuneNames(refs.communes())
    t = t.with_columns(pl.coalesce("_dep_colonne", "_dep_postal").alias("_d"))
    if "commune_insee" in has:
        commune = pl.col("commune_insee")
        numeric = commune.str.contains(r"^\d+(?:[.,]0*)?$")
        t = t.with_columns(pl.when(numeric).then(commune.str.extract(r"^(\d+)").str.zfill(5))
                           .otherwise(commune.str.to_uppercase().str.strip_chars()).alias("commune_insee"))
        named = t.filter(commune.str.contains(r"[A-Za-z]{2}") & ~commune.str.contains(r"^2[AB]\d{3}$"))
        source = "commune_insee"
    elif "commune_nom" in has:
        named, source = t, "commune_nom"
        issues.headers["commune_insee"] = issues.headers.get("commune_nom", "commune")
    else:
        named, source = t.clear(), None
    if source is not None:
        pairs = named.select(source, "_d").unique().drop_nulls(source)
        found = pl.DataFrame(
            [(c, d, names.find(c, d)) for c, d in pairs.iter_rows()],
            schema={source: pl.String, "_d": pl.String, "_trouve": pl.String}, orient="row")
        t = t.join(found, on=[source, "_d"], how="left", nulls_equal=True).with_columns(
            pl.coalesce("_trouve", source).alias("commune_insee")).drop("_trouve")
    commune = pl.col("commune_insee")
    commune_dep = (pl.when(commune.str.contains(r"^97\d{3}$")).then(commune.str.slice(0, 3))
                   .when(commune.str.contains(r"^(\d{2}|2[AB])\d{3}$")).then(commune.str.slice(0, 2)))
    return t.with_columns(pl.coalesce(commune_dep, "_dep_postal").alias("_dep_lieu")).with_columns(
        pl.coalesce("_dep_colonne", "_dep_lieu", "_dep_uai").alias("_dep"))


def set_rows_aside(t: pl.DataFrame, refs: References, has: set[str], issues: Issues,
                   today: dt.date) -> tuple[pl.DataFrame, tuple[tuple[str, int], ...]]:
    academie = sorted(refs.department_codes())
    # Commune (or postcode) and department disagree: an error when one of them is in the académie
    # (a school of Ain filed under Charente); two other departments are just « hors académie ».
    disagree = pl.col("_dep_colonne").is_not_null() & pl.col("_dep_lieu").is_not_null() & (
        pl.col("_dep_colonne") != pl.col("_dep_lieu")) & (
        pl.col("_dep_colonne").is_in(academie) | pl.col("_dep_lieu").is_in(academie))
    conflicts = t.filter(disagree)
    place = issues.headers.get("code_postal") if "commune_insee" not in has and "code_postal" in has else None
    issues.add_rows(conflicts, "departement", "commune et département",
                    lambda r: disagreement(r, place), value=lambda r: r["departement"])
    outside = ~disagree & pl.col("_dep").is_not_null() & ~pl.col("_dep").is_in(academie)
    t = t.with_columns(pl.when(outside).then(pl.lit("hors académie")).otherwise(None).alias("_ecart"))
    if {"etat", "date_fermeture"} & has:
        pairs = t.select("etat", "date_fermeture").unique()
        states = pl.DataFrame([(e, d, is_closed(e, d, today)) for e, d in pairs.iter_rows()],
                              schema={"etat": pl.String, "date_fermeture": pl.String, "_ferme": pl.String},
                              orient="row")
        t = t.join(states, on=["etat", "date_fermeture"], how="left", nulls_equal=True)
    else:
        t = t.with_columns(pl.lit(None, pl.String).alias("_ferme"))
    t = t.with_columns(
        pl.when(pl.col("_ecart").is_not_null()).then("_ecart")
        .when(pl.col("_hors_champ").is_not_null()).then(pl.lit(OUT_OF_FIELD))
        .when(pl.col("_ferme").is_not_null()).then(pl.lit("établissement fermé")).otherwise(None).alias("_ecart"))
    if "annee" in has:
        year = pl.col("annee").str.extract(r"(\d{4})").cast(pl.Int64)
        latest = year.max().over("uai")
        older = pl.col("_ecart").is_null() & pl.col("uai").is_not_null() & year.is_not_null() & (year < latest)
        t = t.with_columns(pl.when(older).then(pl.lit("année antérieure")).otherwise("_ecart").alias("_ecart"))
    shut = t.filter(pl.col("_ecart") == "établissement fermé")
    issues.add_rows(shut, "etat" if "etat" in has else "date_fermeture", "établissement fermé",
                    lambda r: f"Établissement fermé ({r['_ferme']}) : la ligne est écartée de l'import.", WARNING,
                    value=lambda r: r["uai"])
    counts = t.filter(pl.col("_ecart").is_not_null()).group_by("_ecart").len()
    order = ["hors académie", OUT_OF_FIELD, "établissement fermé", "année antérieure"]
    found = dict(counts.iter_rows())
    set_aside = tuple((reason_label(reason, t), found[reason]) for reason in order if found.get(reason))
    report_set_aside(t, found, issues)
    return t.filter(pl.col("_ecart").is_null()), set_aside


def reason_label(reason: str, t: pl.DataFrame) -> str:
    return {"année antérieure": "années antérieures d'un même établissement"}.get(reason, reason)


def report_set_aside(t: pl.DataFrame, found: dict, issues: Issues) -> None:
    """One warning per reason, with the detail (departments, natures) of what was set aside."""
    if found.get("hors académie"):
        by_dep = t.filter(pl.col("_ecart") == "hors académie").group_by("_dep").len().sort(["len", "_dep"],
                                                                                           descending=[True, False])
        top = ", ".join(f"{places.department_label(d)} : {fmt.integer(n)}" for d, n in by_dep.head(8).iter_rows())
        more = f", et {fmt.integer(by_dep.height - 8)} autres départements" if by_dep.height > 8 else ""
        issues.add(None, "", None, "hors académie",
                   f"{fmt.integer(found['hors académie'])} lignes concernent d'autres départements que ceux de "
                   f"l'académie ({top}{more}) : elles sont écartées, pas importées.", WARNING)
    if found.get(OUT_OF_FIELD):
        natures = t.filter(pl.col("_ecart") == OUT_OF_FIELD).group_by("_hors_champ").len().sort(
            ["len", "_hors_champ"], descending=[True, False])
        detail = " ; ".join(f"{label} : {fmt.integer(n)}" for label, n in natures.head(10).iter_rows())
        issues.add(None, "", None, OUT_OF_FIELD,
                   f"{fmt.integer(found[OUT_OF_FIELD])} établissements n'entrent pas dans le champ du tableau de "
                   f"bord (collèges, lycées et EREA de l'Éducation nationale, publics ou privés sous contrat) : "
                   f"{detail}. Ils sont écartés, pas importés.", WARNING)
    if found.get("année antérieure"):
        issues.add(None, issues.headers.get("annee", "annee"), None, "année la plus récente",
                   f"Le fichier liste certains établissements pour plusieurs années : seule la ligne de l'année la "
                   f"plus récente de chacun est importée ({fmt.integer(found['année antérieure'])} lignes "
                   "d'années antérieures écartées).", WARNING)


def disagreement(row: dict, postcode_header: str | None) -> str:
    stated = places.department_label(row["_dep_colonne"])
    other = places.department_label(row["_dep_lieu"])
    if postcode_header:
        what = f"Le code postal {restore_code(row['code_postal'] or '', 5)} désigne le département {other}"
    else:
        what = f"La commune {row['commune_insee']} est dans le département {other}"
    return (f"{what}, mais la ligne indique le département {stated} : les deux ne concordent pas (un zéro initial "
            "perdu dans un tableur ?). Corrigez le code de la commune ou le département.")
