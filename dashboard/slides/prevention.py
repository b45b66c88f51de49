"""The deck's prevention slide and sheets: referent coverage, the GPDS chain per 1 000 pupils (a native
bar chart against the académie) and the number of « angles morts », from ``DeckContent.prevention``.

Every number is a figure of the export (``queries.prevention_figures``), written with its declaration
(``dashboard.publish.catalog.FIGURES``): the slide, its workbook sheets, the page and the figures
export say the same thing.
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.charts.common import BLUE_FRANCE, LIGHT_GREY
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, columns
from dashboard.publish import text as publish_text
from dashboard.publish.columns import Column, Kind
from dashboard.slides import style
from dashboard.slides.model import DeckContent
from dashboard.slides.series import ChartSpec, Series, spec_table
from queries.prevention import COVERAGE_TARGET_TEXT

STEPS = {"eleves_reperes": "Élèves repérés", "eleves_suivis": "Suivis par le GPDS",
         "solutions_internes": "Solution interne", "signalements_plateforme": "Signalés à la plateforme"}
PASSAGE = {"eleves_suivis": ("part_suivis", "des repérés"),
           "solutions_internes": ("part_solutions_internes", "des suivis")}
CATEGORY_HEADER = "Étape (pour 1 000 élèves)"
PER_1000 = Column("valeur", "Valeur", Kind.NUMBER, decimals=1, secret=True)
#: The figures of the « Prévention » sheet, in order (declared in ``catalog.FIGURES``).
SHEET_KEYS = ("couverture_referents", "etablissements", "etablissements_avec_referent", "etablissements_declarants",
              "eleves_reperes", "eleves_suivis", "solutions_internes", "signalements_plateforme",
              "eleves_reperes_pour_1000", "eleves_suivis_pour_1000", "solutions_internes_pour_1000",
              "signalements_plateforme_pour_1000", "part_suivis", "part_solutions_internes", "reunions_gpds",
              "angles_morts", "mlds_sites", "mlds_places", "mlds_jeunes_accueillis", "mlds_taux_occupation")


def text(content: DeckContent, key: str) -> str:
    """The French text of a prevention figure of the export, or its secrecy mark."""
    figures = content.prevention.figures
    return publish_text.cell_text(catalog.FIGURES[key], figures[key], (figures.get("secret") or {}).get(key))


def _rounded(values) -> list[float | None]:
    return [publish_text.rounded(PER_1000, v) for v in values]


def chain(content: DeckContent) -> ChartSpec | None:
    """The chain per 1 000 pupils: the territory, then the académie (grey) when it is not the
    académie; the share passed on after each step's name; masked values are gaps."""
    p = content.prevention
    if p is None or not p.figures["etablissements_declarants"]:
        return None
    figures, marks = p.figures, p.figures.get("secret") or {}
    categories = []
    for column, label in STEPS.items():
        if column in PASSAGE and figures[PASSAGE[column][0]] is not None:
            key, of = PASSAGE[column]
            label += f" ({fmt.percent(figures[key], 0)} {of})"
        categories.append(label)
    values = _rounded(figures[f"{c}_pour_1000"] for c in STEPS)
    series = [Series(content.territory.label, values, BLUE_FRANCE, labelled=[v is not None for v in values],
                     marks=[marks.get(f"{c}_pour_1000") for c in STEPS])]
    if p.academie is not None:
        reference = _rounded(p.academie[f"{c}_pour_1000"] for c in STEPS)
        series.append(Series(content.academie_name, reference, LIGHT_GREY, labelled=[v is not None for v in reference],
                             marks=[disclosure_marks.SECONDARY if p.academie[f"masque_{c}"] else None for c in STEPS]))
    return ChartSpec(categories, series, value_format="per1000")


def masked(content: DeckContent) -> bool:
    spec = chain(content)
    return spec is not None and any(m for s in spec.series for m in s.marks)


def _pair(label: str, value: str, detail: str | None = None) -> list[tuple]:
    out = [(label, 0.8, False, style.MUTED), (value, 1.15, True, BLUE_FRANCE)]
    return out + [(detail, 0.75, False, style.MUTED)] if detail else out


def panel(content: DeckContent) -> list[tuple]:
    """The side panel: coverage, schools whose GPDS reported, « angles morts », MLDS."""
    p = content.prevention
    f = p.figures
    out = _pair("Référents décrochage", text(content, "couverture_referents"),
                f"{fmt.integer(f['etablissements_avec_referent'])} établissements sur {fmt.integer(f['etablissements'])}"
                f" ; cible : {COVERAGE_TARGET_TEXT}")
    out += _pair("GPDS actifs", f"{fmt.integer(f['etablissements_declarants'])} établissements",
                 f"ayant déclaré une activité en {content.annee}")
    count = f["angles_morts"]
    out += _pair("Angles morts", f"{fmt.integer(count)} établissement{'s' if count > 1 else ''}",
                 f"sur {fmt.integer(p.spots['etablissements_dixieme'])} dans le dixième le plus touché par "
                 "l'absentéisme de leur type, au GPDS peu ou pas actif")
    if f["mlds_sites"]:
        young = text(content, "mlds_jeunes_accueillis")
        places, sites = f["mlds_places"], f["mlds_sites"]
        detail = (f"{fmt.integer(places)} place{'s' if places and places > 1 else ''}, "
                  f"{fmt.integer(sites)} site{'s' if sites > 1 else ''}")
        if content.territory.code == "ACAD" and content.academie.facts.mlds is not None:
            detail += f" ; référence : {content.academie.facts.mlds.text}"
        out += _pair("Jeunes accueillis en MLDS", young, detail)
    return out


def note(content: DeckContent) -> str:
    out = ("Élèves comptés sur l'année pour 1 000 élèves inscrits (effectif moyen des mois d'activité des GPDS, "
           "établissements sans activité déclarée compris).")
    return out + (" " + disclosure_marks.short_legend() if masked(content) else "")


# --- the figures behind the slide (XLSX) ---------------------------------------------------------------


def figures_table(content: DeckContent) -> columns.Table:
    """« Prévention »: one line per figure, each with its own declaration (a rate, a count, a rate
    per 1 000), masked figures empty and marked."""
    f = content.prevention.figures
    marks_of = f.get("secret") or {}
    keys = [k for k in SHEET_KEYS if k in f]
    frame = pl.DataFrame({"indicateur": [catalog.FIGURES[k].header for k in keys],
                          "valeur": pl.Series([None if f[k] is None else float(f[k]) for k in keys],
                                              dtype=pl.Float64)})
    value = Column("valeur", "Valeur", Kind.COUNT, secret=True)
    cells = [{"valeur": catalog.FIGURES[k].titled("Valeur")} for k in keys]
    marks = [{"valeur": marks_of[k]} if k in marks_of else {} for k in keys]
    return columns.table("Prévention", frame, [Column("indicateur", "Indicateur", Kind.LABEL), value], marks=marks,
                         cells=cells, sources=("prevention",))


def tables(content: DeckContent) -> list[columns.Table]:
    """The prevention sheets of the deck's workbook (none without prevention data)."""
    if content.prevention is None:
        return []
    out = [figures_table(content)]
    spec = chain(content)
    if spec is not None:
        out.append(spec_table("Prévention — GPDS", spec, CATEGORY_HEADER, ("prevention", "absenteisme")))
    return out
