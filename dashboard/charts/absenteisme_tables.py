"""Absenteeism tables for the Absentéisme page: French display frames (strings through
``dashboard.fmt``, masked values as "< 5"), the school table as a pandas Styler (numeric cells,
French display) and numeric export frames (CSV/XLSX, masked values empty with a "Diffusion"
column). Inputs are the disclosed frames of ``queries.absenteisme*``.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from dashboard import disclosure, fmt
from queries.absenteisme import ALL, EP_LABELS, SECTOR_LABELS, TYPE_LABELS

NO_DATA = fmt.MISSING
MASKED_STATUS = "masqué (secret statistique)"
SORTS = {
    "Taux de l'année (décroissant)": ("taux", True),
    "Évolution (plus forte hausse d'abord)": ("evolution", True),
    "Établissement (A → Z)": ("nom", False),
    "Commune (A → Z)": ("commune", False),
    "Type d'établissement": ("type", False),
}


def _rate(value, masked: bool = False) -> str:
    return disclosure.masked_label() if masked else fmt.percent(value)


def _points(value, masked: bool = False) -> str:
    return disclosure.masked_label() if masked else fmt.signed_points(value)


def group_label(group: str, by: str = "type") -> str:
    if group == ALL:
        return "Tous types"
    return {"type": TYPE_LABELS, "secteur": SECTOR_LABELS, "ep": EP_LABELS}[by].get(group, group)


# --- yearly rate per group ----------------------------------------------------------------------


def yearly_display(yearly: pl.DataFrame, annee: str, previous: str, *, by: str = "type",
                   academie: pl.DataFrame | None = None,
                   references: Mapping[str, dict] | None = None, compact: bool = False) -> pl.DataFrame:
    """One row per group: rate over the year, previous year over the same months, change,
    académie and national reference (when given); mean enrolment and months unless ``compact``."""
    acad = {r["groupe"]: r for r in academie.iter_rows(named=True)} if academie is not None else None
    rows = []
    for r in yearly.iter_rows(named=True):
        row = {
            "Groupe": group_label(r["groupe"], by),
            f"Taux {annee}": _rate(r["taux"], r["masque"]),
            f"Taux {previous}" if compact else f"Taux {previous} (mêmes mois)":
                _rate(r["taux_precedent"], bool(r["masque_precedent"])),
            "Évolution": _points(r["evolution"], r["masque"] or bool(r["masque_precedent"])),
        }
        if acad is not None:
            a = acad.get(r["groupe"])
            row[f"Académie {annee}"] = _rate(a["taux"], a["masque"]) if a else NO_DATA
        if references is not None:
            ref = references.get(r["groupe"])
            row["Référence nationale"] = fmt.percent(ref["taux"]) if ref else NO_DATA
        if not compact:
            row["Effectif moyen"] = fmt.integer(r["effectif_moyen"]) if not r["masque"] else disclosure.masked_label()
            row["Mois"] = fmt.integer(r["nb_mois"])
        rows.append(row)
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}) if rows else pl.DataFrame()
    return frame.rename({"Groupe": "Type d'établissement" if by == "type" else "Groupe"}) if rows else frame


def yearly_export(yearly: pl.DataFrame, annee: str, territory_label: str, by: str = "type") -> pl.DataFrame:
    return yearly.select(
        pl.lit(territory_label).alias("Territoire"),
        pl.lit(annee).alias("Année scolaire"),
        pl.col("groupe").map_elements(lambda g: group_label(g, by), return_dtype=pl.String).alias("Groupe"),
        pl.col("nb_mois").alias("Mois avec données"),
        pl.when(pl.col("masque")).then(None).otherwise(pl.col("effectif_moyen")).alias("Effectif moyen"),
        (pl.col("taux") * 100).round(2).alias("Taux (%)"),
        (pl.col("taux_precedent") * 100).round(2).alias("Taux année précédente, mêmes mois (%)"),
        (pl.col("evolution") * 100).round(2).alias("Évolution (points)"),
        pl.when(pl.col("masque")).then(pl.lit(MASKED_STATUS)).otherwise(pl.lit("")).alias("Diffusion"),
    )


# --- sub-territories ----------------------------------------------------------------------------


def children_display(children: pl.DataFrame, types: list[str]) -> pl.DataFrame:
    """Sub-territories in rows, school types in columns (rate over the year)."""
    groups = [g for g in (*types, ALL) if g in set(children["groupe"])]
    rows = []
    for (_code, name), part in children.group_by("territoire_code", "territoire_nom", maintain_order=True):
        cells = {r["groupe"]: r for r in part.iter_rows(named=True)}
        row = {"Territoire": name}
        for g in groups:
            c = cells.get(g)
            row[group_label(g)] = _rate(c["taux"], c["masque"]) if c else NO_DATA
        rows.append(row)
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}) if rows else pl.DataFrame()


def children_export(children: pl.DataFrame, annee: str) -> pl.DataFrame:
    return children.select(
        pl.col("territoire_code").alias("Code territoire"),
        pl.col("territoire_nom").alias("Territoire"),
        pl.lit(annee).alias("Année scolaire"),
        pl.col("groupe").map_elements(group_label, return_dtype=pl.String).alias("Type d'établissement"),
        pl.when(pl.col("masque")).then(None).otherwise(pl.col("effectif_moyen")).alias("Effectif moyen"),
        (pl.col("taux") * 100).round(2).alias("Taux (%)"),
        pl.when(pl.col("masque")).then(pl.lit(MASKED_STATUS)).otherwise(pl.lit("")).alias("Diffusion"),
    )


# --- schools ------------------------------------------------------------------------------------


def sort_schools(table: pl.DataFrame, sort: str) -> pl.DataFrame:
    column, descending = SORTS.get(sort, next(iter(SORTS.values())))
    return table.sort(column, "nom", descending=[descending, False], nulls_last=True)


#: a masked cell of the school table: sorts below every real value, reveals nothing, printed "< 5"
MASKED_VALUE = -1_000_000


def schools_styled(table: pl.DataFrame, annee: str, previous: str):
    """The school table for ``st.dataframe``: numeric cells (a click on a header sorts numbers, not
    text) shown in French by a pandas Styler. A masked figure holds ``MASKED_VALUE`` and prints
    "< 5"; a missing one (no data the previous year) is null: pass ``placeholder=NO_DATA``."""
    masked = pl.col("masque")
    masked_before = pl.col("masque_precedent").fill_null(False)

    def hide(value: pl.Expr, when: pl.Expr) -> pl.Expr:
        return pl.when(when).then(pl.lit(MASKED_VALUE)).otherwise(value)

    data = table.select(
        pl.col("nom").alias("Établissement"),
        (pl.col("type").replace_strict(TYPE_LABELS, default=pl.col("type"), return_dtype=pl.String)
         + pl.when(pl.col("ep") == "HORS_EP").then(pl.lit("")).otherwise(pl.lit(" (") + pl.col("ep") + pl.lit(")")))
        .alias("Type"),
        pl.col("commune").alias("Commune"),
        hide(pl.col("effectif_moyen"), pl.col("effectif_moyen").is_null()).alias("Effectif moyen"),
        hide(pl.col("absenteistes_moyen"), masked).alias("Absentéistes par mois"),
        hide(pl.col("taux"), masked).alias(f"Taux {annee}"),
        hide(pl.col("taux_precedent"), masked_before).alias(f"Taux {previous}"),
        hide(pl.col("evolution"), masked | masked_before).alias("Évolution"),
    ).to_pandas()
    label = disclosure.masked_label()

    def shown(formatter):
        return lambda v: label if v == MASKED_VALUE else formatter(v)

    formats = {"Effectif moyen": shown(fmt.integer), "Absentéistes par mois": shown(fmt.integer),
               f"Taux {annee}": shown(fmt.percent), f"Taux {previous}": shown(fmt.percent),
               "Évolution": shown(fmt.signed_points)}
    return data.style.hide(axis="index").format(formats, na_rep=NO_DATA)


def schools_export(table: pl.DataFrame, annee: str, previous: str) -> pl.DataFrame:
    return table.select(
        pl.col("uai").alias("UAI"),
        pl.col("nom").alias("Établissement"),
        pl.col("type").replace_strict(TYPE_LABELS, default=pl.col("type")).alias("Type"),
        pl.col("secteur").replace_strict(SECTOR_LABELS, default=pl.col("secteur")).alias("Secteur"),
        pl.when(pl.col("ep") == "HORS_EP").then(pl.lit("")).otherwise(pl.col("ep")).alias("Éducation prioritaire"),
        pl.col("commune").alias("Commune"),
        pl.col("reseau").alias("Réseau FOQUALE"),
        pl.lit(annee).alias("Année scolaire"),
        pl.col("nb_mois").alias("Mois avec données"),
        pl.col("effectif_moyen").alias("Effectif moyen"),
        pl.col("absenteistes_moyen").alias("Absentéistes par mois (moyenne)"),
        (pl.col("taux") * 100).round(2).alias("Taux (%)"),
        (pl.col("taux_precedent") * 100).round(2).alias(f"Taux {previous}, mêmes mois (%)"),
        (pl.col("evolution") * 100).round(2).alias("Évolution (points)"),
        pl.when(pl.col("masque")).then(pl.lit(MASKED_STATUS))
        .when(pl.col("masque_precedent")).then(pl.lit("année précédente " + MASKED_STATUS))
        .otherwise(pl.lit("")).alias("Diffusion"),
    )
