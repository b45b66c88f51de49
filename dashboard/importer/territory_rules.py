"""Rules of a ``territoires`` file: a consistent académie → department → PSAD → network tree.

Every commune of the académie appears once per breakdown (``annee_scolaire_debut``); a network
has one name and lies in exactly one PSAD; a PSAD has one name and lies in one department (the
department of its communes); codes do not collide with each other nor with ``ACAD`` or a
department code.
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.access.scope import ACADEMIE
from dashboard.importer.checks import commune_exists, present
from dashboard.importer.references import References
from dashboard.importer.report import WARNING, Issues

YEAR = "annee_scolaire_debut"
MISSING_LISTED = 20


def check(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    commune_exists(rows, refs, issues)
    with_dep = rows.join(
        refs.communes().select(pl.col("insee").alias("commune_insee"), pl.col("departement_code").alias("_dep")),
        on="commune_insee", how="left",
    ).sort("_ligne")
    reserved_codes(with_dep, refs, issues)
    single(with_dep, [YEAR, "reseau_code"], "psad_code", issues, "un réseau dans une seule PSAD",
           lambda r: f"Le réseau {r['reseau_code']} est rattaché à la PSAD {r['_premier']} ({r['_ou']}) "
                     f"et ici à {r['psad_code']} : un réseau appartient à une seule PSAD.")
    single(with_dep, [YEAR, "reseau_code"], "reseau_nom", issues, "un nom par réseau",
           lambda r: f"Le réseau {r['reseau_code']} s'appelle « {r['_premier']} » ({r['_ou']}) "
                     f"et « {r['reseau_nom']} » ici.")
    single(with_dep, [YEAR, "psad_code"], "psad_nom", issues, "un nom par PSAD",
           lambda r: f"La PSAD {r['psad_code']} s'appelle « {r['_premier']} » ({r['_ou']}) "
                     f"et « {r['psad_nom']} » ici.")
    single(with_dep, [YEAR, "psad_code"], "_dep", issues, "une PSAD dans un seul département",
           lambda r: f"La PSAD {r['psad_code']} regroupe des communes du département {r['_premier']} "
                     f"({r['_ou']}) et, ici, du département {r['_dep']} (commune {r['commune_insee']}) : "
                     "une PSAD appartient à un seul département.",
           reported="psad_code")
    for code, name, label in (("reseau_code", "reseau_nom", "réseaux"), ("psad_code", "psad_nom", "PSAD")):
        shared_names(with_dep, code, name, label, issues)
    completeness(rows, refs, issues)
    vanished_networks(rows, refs, issues)


def single(rows: pl.DataFrame, group: list[str], column: str, issues: Issues, rule: str, explain,
           reported: str | None = None) -> None:
    """Error on every row whose ``column`` differs from the usual value of its ``group``.

    The usual value is the one most rows of the group hold (the earliest on a tie), so one stray
    row is reported, not every row that agrees with each other. In the messages, ``_premier`` is
    that value, ``_premiere_ligne`` its first line and ``_ou`` where it is found (French)."""
    valid = present(rows, *group, column)
    usual = (
        valid.group_by([*group, column]).agg(pl.len().alias("_n"), pl.col("_ligne").min().alias("_premiere_ligne"))
        .sort(["_n", "_premiere_ligne"], descending=[True, False])
        .group_by(group, maintain_order=True).first()
        .select(*group, pl.col(column).alias("_premier"), "_premiere_ligne", "_n")
    )
    marked = valid.join(usual, on=group, how="inner").filter(pl.col(column) != pl.col("_premier")).with_columns(
        pl.when(pl.col("_n") == 1).then(pl.format("ligne {}", "_premiere_ligne"))
        .otherwise(pl.format("{} lignes dont la ligne {}", "_n", "_premiere_ligne")).alias("_ou")
    ).sort("_ligne")
    issues.add_rows(marked, reported or column, rule, explain, value=lambda r: r[reported or column])


def shared_names(rows: pl.DataFrame, code: str, name: str, label: str, issues: Issues) -> None:
    """Warning: two codes with the same (usual) name in one breakdown, often a typo in a code; on
    the first line of the code that covers fewer communes."""
    sizes = present(rows, YEAR, code, name).group_by([YEAR, code]).agg(
        pl.len().alias("_n"), pl.col("_ligne").min().alias("_ligne"), pl.col(name).mode().sort().first().alias(name),
    )
    ranked = sizes.sort(["_n", "_ligne"], descending=[True, False]).with_columns(
        pl.col(code).first().over([YEAR, name]).alias("_principal"),
        pl.col("_n").first().over([YEAR, name]).alias("_n_principal"),
    ).filter(pl.col(code) != pl.col("_principal")).sort("_ligne")
    issues.add_rows(
        ranked, code, "codes et noms",
        lambda r: f"Les {label} {r[code]} ({communes(r['_n'])}) et {r['_principal']} ({communes(r['_n_principal'])}) "
                  f"portent le même nom « {r[name]} » : faute de frappe dans le code ?", WARNING,
        value=lambda r: r[code],
    )


def communes(count: int) -> str:
    return f"{fmt.integer(count)} commune{'s' if count > 1 else ''}"


def reserved_codes(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    """Network and PSAD codes may not be ACAD, a department code, or each other's."""
    reserved = refs.department_codes() | {ACADEMIE}
    for column, label in (("reseau_code", "réseau"), ("psad_code", "PSAD")):
        bad = present(rows, column).filter(pl.col(column).is_in(sorted(reserved)))
        issues.add_rows(bad, column, "code réservé",
                        lambda r, c=column, lb=label: f"« {r[c]} » est réservé (académie ou département) : "
                                                      f"choisissez un autre code de {lb}.")
    for _year, group in present(rows, "reseau_code", "psad_code").group_by(YEAR, maintain_order=True):
        psads = set(group["psad_code"].to_list())
        clash = group.filter(pl.col("reseau_code").is_in(sorted(psads)))
        issues.add_rows(clash, "reseau_code", "codes distincts",
                        lambda r: f"« {r['reseau_code']} » est à la fois un code de réseau et un code de PSAD : "
                                  "chaque territoire doit avoir son propre code.")


def completeness(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    """Every commune of the académie must appear in each breakdown of the file."""
    communes = refs.communes()
    for year in sorted(present(rows, YEAR)[YEAR].unique().to_list()):
        listed = set(present(rows.filter(pl.col(YEAR) == year), "commune_insee")["commune_insee"].to_list())
        missing = communes.filter(~pl.col("insee").is_in(sorted(listed))).sort("insee")
        when = "du découpage par défaut" if year == 0 else f"du découpage applicable à partir de {year}-{year + 1}"
        for row in missing.head(MISSING_LISTED).iter_rows(named=True):
            issues.add(None, "commune_insee", row["insee"], "toutes les communes",
                       f"La commune {row['insee']} ({row['nom']}) manque {when} : chaque commune de l'académie "
                       "doit être rattachée à un réseau.")
        if missing.height > MISSING_LISTED:
            others = missing.height - MISSING_LISTED
            issues.add(None, "commune_insee", None, "toutes les communes",
                       f"… et {fmt.integer(others)} autres communes manquent {when}.")


def vanished_networks(rows: pl.DataFrame, refs: References, issues: Issues) -> None:
    """Warning: networks with bilans in the database that the new breakdown no longer has."""
    for year in sorted(present(rows, YEAR)[YEAR].unique().to_list()):
        codes = set(present(rows.filter(pl.col(YEAR) == year), "reseau_code")["reseau_code"].to_list())
        for code in sorted(refs.used_networks(year) - codes):
            issues.add(None, "reseau_code", code, "réseaux utilisés",
                       f"Le réseau {code} a des bilans enregistrés mais n'existe pas dans ce découpage : "
                       "ses chiffres ne seront plus rattachés à aucun territoire.", WARNING)
