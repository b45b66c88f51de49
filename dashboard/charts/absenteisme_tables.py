"""Absenteeism tables for the Absentéisme page: French display frames (strings through
``dashboard.fmt``), the school table as a pandas Styler (numeric cells, French display) and numeric
export frames (CSV/XLSX, masked values empty with a "Diffusion" column). Inputs are the disclosed
frames of ``queries.absenteisme*``.

Masked values say what is masked: a count under the threshold reads « < 5 élèves »
(``masked_count``); a rate or a change that is not disclosed carries the project's mark of a figure
derived from a masked count, « s » (``MASKED_RATE``, as in the CSV/XLSX exports), explained by
``masked_legend`` — never « < 5 », which would read as « under 5 % ».
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from dashboard import fmt
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.publish import catalog
from dashboard.publish import columns as publish_columns
from dashboard.schoolyear import previous_year
from queries.absenteisme import ALL, EP_LABELS, SECTOR_LABELS, TYPE_LABELS
from queries.absenteisme_references import reference_text

NO_DATA = fmt.MISSING
MASKED_STATUS = "masqué (secret statistique)"
SORTS = {
    "Taux de l'année (décroissant)": ("taux", True),
    "Évolution (plus forte hausse d'abord)": ("evolution", True),
    "Établissement (A → Z)": ("nom", False),
    "Commune (A → Z)": ("commune", False),
    "Type d'établissement": ("type", False),
}


MASKED_RATE = disclosure_marks.SECONDARY_LABEL  # « s »


def masked_count() -> str:
    """A count under the threshold: « < 5 élèves »."""
    return f"{rule.masked_label()} élèves"


def mask_reason(row: Mapping) -> str:
    """Why a group's or a school's rate is masked, in French: its pupils or its absentees are few."""
    limit = rule.threshold()
    if row.get("effectif_moyen") is None:
        return f"moins de {limit} élèves"
    return f"moins de {limit} élèves absentéistes par mois en moyenne"


def masked_legend() -> str:
    """The caption that explains both marks."""
    limit = rule.threshold()
    return (f"Secret statistique : « {masked_count()} » signale un effectif ou un nombre d'élèves inférieur à {limit} ; "
            f"« {MASKED_RATE} » un taux ou une évolution non diffusés, calculés sur moins de {limit} élèves absentéistes "
            f"par mois en moyenne (ou sur moins de {limit} élèves).")


def _rate(value, masked: bool = False) -> str:
    return MASKED_RATE if masked else fmt.percent(value)


def _points(value, masked: bool = False) -> str:
    return MASKED_RATE if masked else fmt.signed_points(value)


def _count(value) -> str:
    """A disclosed count (null: under the threshold)."""
    return masked_count() if value is None else fmt.integer(value)


def group_label(group: str, by: str = "type") -> str:
    if group == ALL:
        return "Tous types"
    return {"type": TYPE_LABELS, "secteur": SECTOR_LABELS, "ep": EP_LABELS}[by].get(group, group)


# --- yearly rate per group ----------------------------------------------------------------------


def yearly_display(yearly: pl.DataFrame, annee: str, previous: str, *, by: str = "type",
                   academie: pl.DataFrame | None = None, references: Mapping[str, dict] | None = None,
                   compact: bool = False, rate_label: str = "Taux") -> pl.DataFrame:
    """One row per group: rate over the year, previous year over the same months, change,
    académie and national reference (when given, « estimé » where nothing is published); mean
    enrolment (« < 5 élèves » only when the enrolment itself is small) and months unless
    ``compact``. ``rate_label`` names the rate (« Taux standardisé »)."""
    acad = {r["groupe"]: r for r in academie.iter_rows(named=True)} if academie is not None else None
    rows = []
    for r in yearly.iter_rows(named=True):
        row = {
            "Groupe": group_label(r["groupe"], by),
            f"{rate_label} {annee}": _rate(r["taux"], r["masque"]),
            f"{rate_label} {previous}" if compact else f"{rate_label} {previous} (mêmes mois)":
                _rate(r["taux_precedent"], bool(r["masque_precedent"])),
            "Évolution": _points(r["evolution"], r["masque"] or bool(r["masque_precedent"])),
        }
        if acad is not None:
            a = acad.get(r["groupe"])
            row[f"Académie {annee}"] = _rate(a["taux"], a["masque"]) if a else NO_DATA
        if references is not None:
            row["Référence nationale"] = reference_text(references.get(r["groupe"]))
        if not compact:
            row["Effectif moyen"] = _count(r["effectif_moyen"])
            row["Mois"] = fmt.integer(r["nb_mois"])
        rows.append(row)
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}) if rows else pl.DataFrame()
    return frame.rename({"Groupe": "Type d'établissement" if by == "type" else "Groupe"}) if rows else frame


COMPARISON_LABELS = {"secteur": "Secteur", "ep": "Éducation prioritaire"}


def groups_display(parts: list[tuple[str, pl.DataFrame]], annee: str, previous: str, *,
                   rate_label: str = "Taux") -> pl.DataFrame:
    """The comparisons of the « Secteur et éducation prioritaire » view in one table: for each
    (``by``, yearly frame), one row per group (compact ``yearly_display``) under its comparison."""
    frames = [yearly_display(yearly, annee, previous, by=by, compact=True, rate_label=rate_label)
              .select(pl.lit(COMPARISON_LABELS[by]).alias("Comparaison"), pl.all())
              for by, yearly in parts if yearly.height]
    return pl.concat(frames) if frames else pl.DataFrame()


def yearly_export(yearly: pl.DataFrame, annee: str, territory_label: str, by: str = "type") -> publish_columns.Table:
    """The yearly rates per group as a declared table (rates as fractions, masked cells marked)."""
    previous = previous_year(annee)
    frame = yearly.with_columns(
        pl.lit(territory_label).alias("territoire"),
        pl.lit(annee).alias("annee_scolaire"),
        pl.col("groupe").map_elements(lambda g: group_label(g, by), return_dtype=pl.String),
    )
    return _absence_table("Absentéisme par type" if by == "type" else "Absentéisme", frame, annee, previous,
                          ("territoire", "annee_scolaire", "groupe", "nb_mois", "effectif_moyen", "taux",
                           "taux_precedent", "evolution"))


def _marks(row: dict) -> dict[str, str]:
    """Disclosure marks of an absenteeism row: the rate of the year (and what is built on it) when
    ``masque``, the previous year's rate when ``masque_precedent``."""
    out = {}
    if row.get("masque"):  # the mean monthly absentees (or the enrolment) is under the threshold
        out.update({"taux": disclosure_marks.SECONDARY, "evolution": disclosure_marks.SECONDARY,
                    "absenteistes_moyen": disclosure_marks.PRIMARY})
        if row.get("effectif_moyen") is None:
            out["effectif_moyen"] = disclosure_marks.PRIMARY
    if row.get("masque_precedent"):
        out.update({"taux_precedent": disclosure_marks.SECONDARY, "evolution": disclosure_marks.SECONDARY})
    return out


def _absence_table(name: str, frame: pl.DataFrame, annee: str, previous: str, keys: tuple[str, ...]) -> publish_columns.Table:
    columns = catalog.absence_columns(annee, previous)
    marks = [_marks(r) for r in frame.iter_rows(named=True)]
    return publish_columns.table(name, frame, [columns[k] for k in keys if k in frame.columns], marks=marks,
                         sources=("absenteisme",))


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


def children_export(children: pl.DataFrame, annee: str) -> publish_columns.Table:
    frame = children.rename({"territoire_nom": "territoire"}).with_columns(
        pl.lit(annee).alias("annee_scolaire"),
        pl.col("groupe").map_elements(group_label, return_dtype=pl.String),
    )
    table = _absence_table("Territoires", frame, annee, previous_year(annee),
                           ("territoire_code", "territoire", "annee_scolaire", "groupe", "effectif_moyen", "taux"))
    return table


# --- schools ------------------------------------------------------------------------------------


def sort_schools(table: pl.DataFrame, sort: str) -> pl.DataFrame:
    column, descending = SORTS.get(sort, next(iter(SORTS.values())))
    return table.sort(column, "nom", descending=[descending, False], nulls_last=True)


#: a masked cell of the school table: sorts below every real value, reveals nothing, printed
#: « < 5 élèves » (a count) or « masqué » (a rate, a change)
MASKED_VALUE = -1_000_000


def schools_styled(table: pl.DataFrame, annee: str, previous: str):
    """The school table for ``st.dataframe``: numeric cells (a click on a header sorts numbers, not
    text) shown in French by a pandas Styler. A masked figure holds ``MASKED_VALUE`` and prints
    « < 5 élèves » (enrolment, absentees) or « s » (rates, change); a missing one (no data the
    previous year) is null: pass ``placeholder=NO_DATA``."""
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
    def shown(formatter, label):
        return lambda v: label if v == MASKED_VALUE else formatter(v)

    count, rate = masked_count(), MASKED_RATE
    formats = {"Effectif moyen": shown(fmt.integer, count), "Absentéistes par mois": shown(fmt.integer, count),
               f"Taux {annee}": shown(fmt.percent, rate), f"Taux {previous}": shown(fmt.percent, rate),
               "Évolution": shown(fmt.signed_points, rate)}
    return data.style.hide(axis="index").format(formats, na_rep=NO_DATA)


def schools_export(table: pl.DataFrame, annee: str, previous: str) -> publish_columns.Table:
    frame = table.with_columns(
        pl.col("type").replace_strict(TYPE_LABELS, default=pl.col("type")),
        pl.col("secteur").replace_strict(SECTOR_LABELS, default=pl.col("secteur")),
        pl.when(pl.col("ep") == "HORS_EP").then(pl.lit("")).otherwise(pl.col("ep")).alias("ep"),
        pl.lit(annee).alias("annee_scolaire"),
    )
    return _absence_table("Établissements", frame, annee, previous,
                          ("uai", "nom", "type", "secteur", "ep", "commune", "reseau", "annee_scolaire", "nb_mois",
                           "effectif_moyen", "absenteistes_moyen", "taux", "taux_precedent", "evolution"))
