"""The data of each chart and table of the deck, derived from a ``DeckContent`` in one place.

The PPTX charts, the XLSX "figures behind the deck" and the tests all read these specs, so a
chart, its spreadsheet and the generated sentences cannot disagree. Masked values are ``None``:
python-pptx writes no point for them, so a chart shows a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dashboard import disclosure, fmt
from dashboard.charts import raccrochage as rc
from dashboard.charts.common import BLUE_FRANCE, LIGHT_GREY, SOLUTION_COLORS, SOLUTION_LABELS, STATUS_LABELS
from dashboard.slides import style
from dashboard.slides.content import DeckContent
from queries import raccrochage as rq

ALL_SCHOOLS = "Tous établissements"
FUNNEL_COLORS = [BLUE_FRANCE, "#3D3DB4", "#6A6AF4", "#9A9AFF", "#009E73"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    color: str
    labels: list[str | None] = field(default_factory=list)  # custom data label per point ("" = none)
    dash: bool = False
    marker: str = "circle"  # circle | diamond | dash (line charts; every series keeps a marker)
    marker_size: int = 8
    width_pt: float = 2.25
    point_colors: list[str] | None = None


@dataclass(frozen=True)
class ChartSpec:
    categories: list[str]
    series: list[Series]
    value_format: str = "count"  # count | percent

    def values_of(self, name: str) -> list[float | None]:
        return next(s.values for s in self.series if s.name == name)


def _count_label(value) -> str | None:
    return None if value is None else fmt.integer(value)


def _rate_label(value) -> str | None:
    return None if value is None else fmt.percent(value)


# --- raccrochage --------------------------------------------------------------------------------


def current_name(content: DeckContent) -> str:
    return f"Raccrochés cumulés {content.annee}"


def previous_name(content: DeckContent) -> str:
    return f"{content.annee_n1} (année précédente)"


TARGET_NAME = "Trajectoire de l'objectif"


def objective_name(objectif: int) -> str:
    return f"Objectif annuel : {fmt.integer(objectif)}"


def trajectory(content: DeckContent) -> ChartSpec | None:
    """Cumulative raccrochés per bimonthly period: this year, the target trajectory, last year."""
    periods, history, target = content.periodes, content.historique, content.trajectoire
    previous = history.filter(pl.col("annee_scolaire") == content.annee_n1)
    ranks = sorted(set(target["rang"].to_list()) | set(periods["rang"].to_list()) | set(previous["rang"].to_list()))
    if not ranks or (periods.is_empty() and previous.is_empty()):
        return None
    current = dict(zip(periods["rang"].to_list(), periods["raccroches_cumul"].to_list(), strict=True))
    last = dict(zip(previous["rang"].to_list(), previous["raccroches_cumul"].to_list(), strict=True))
    expected = dict(zip(target["rang"].to_list(), target["attendu"].to_list(), strict=True))
    objectif = content.situation["objectif"]
    values = [current.get(r) for r in ranks]
    shown = [i for i, v in enumerate(values) if v is not None]
    labels = [_count_label(v) if shown and i == shown[-1] else None for i, v in enumerate(values)]
    # this year first: the legend reads from it, and PowerPoint reports a line chart with markers
    series = [Series(current_name(content), values, BLUE_FRANCE, labels=labels, width_pt=3.5)]
    if objectif is not None:
        values = [expected.get(r) for r in ranks]
        series.append(Series(TARGET_NAME, values, style.TARGET, dash=True, marker="diamond", marker_size=6,
                             width_pt=2.0))
        series.append(Series(objective_name(objectif), [float(objectif)] * len(ranks), style.TARGET,
                             marker="dash", marker_size=2, width_pt=1.0, dash=True))
    if not previous.is_empty():
        values = [last.get(r) for r in ranks]
        series.append(Series(previous_name(content), values, style.PREVIOUS, marker_size=5, width_pt=1.75))
    return ChartSpec([rq.slot_label(r) for r in ranks], series)


def solutions_by_period(content: DeckContent) -> ChartSpec | None:
    """Raccrochés of each period, stacked by type of solution."""
    periods = content.periodes
    if periods.is_empty():
        return None
    series = [Series(SOLUTION_LABELS[c], periods[c].to_list(), SOLUTION_COLORS[c]) for c in rq.SOLUTION_COLUMNS]
    return ChartSpec(periods["libelle"].to_list(), series)


def solutions_compare(content: DeckContent) -> ChartSpec | None:
    """Raccrochés by type of solution since the rentrée, against the same date last year."""
    if not content.has_bilans:
        return None
    current = [content.shown[c] for c in rq.SOLUTION_COLUMNS]
    series = []
    if content.solutions_n1:
        previous = [content.solutions_n1.get(c) for c in rq.SOLUTION_COLUMNS]
        series.append(Series(f"{content.annee_n1} (même date)", previous, LIGHT_GREY,
                             labels=[_count_label(v) for v in previous]))
    series.append(Series(content.annee, current, BLUE_FRANCE, labels=[_count_label(v) for v in current],
                         point_colors=[SOLUTION_COLORS[c] for c in rq.SOLUTION_COLUMNS]))
    return ChartSpec([SOLUTION_LABELS[c] for c in rq.SOLUTION_COLUMNS], series)


def funnel(content: DeckContent) -> ChartSpec | None:
    """Jeunes signalés → contactés → entretiens → solutions proposées → raccrochés, with the
    rate of passage from the previous step."""
    if not content.has_bilans:
        return None
    values = [content.shown[c] for c in rq.FUNNEL_COLUMNS]
    labels = []
    for i, value in enumerate(values):
        text = _count_label(value)
        if text is not None and i > 0 and values[i - 1]:
            text += f" ({fmt.percent(value / values[i - 1])})"
        labels.append(text)
    spec = Series("Jeunes", values, BLUE_FRANCE, labels=labels, point_colors=FUNNEL_COLORS)
    return ChartSpec([rc.FUNNEL_LABELS[c] for c in rq.FUNNEL_COLUMNS], [spec])


# --- absenteeism ----------------------------------------------------------------------------------


def reference_name(content: DeckContent) -> str:
    year = content.absence.reference_annee if content.absence else None
    return f"Référence nationale {year} (public)" if year else "Référence nationale (public)"


def absence(content: DeckContent) -> ChartSpec | None:
    """Rate of absenteeism over the school year per school type: this year, last year over the
    same months, the national reference."""
    a = content.absence
    if a is None:
        return None
    from queries import absenteisme as aq

    rows = a.par_type.to_dicts() + ([dict(a.ensemble, groupe=aq.ALL)] if a.ensemble else [])
    categories = [ALL_SCHOOLS if r["groupe"] == aq.ALL else aq.TYPE_LABELS.get(r["groupe"], r["groupe"])
                  for r in rows]
    current = [r["taux"] for r in rows]
    previous = [r["taux_precedent"] for r in rows]
    series = []
    if any(v is not None for v in previous):
        series.append(Series(f"{content.annee_n1} (mêmes mois)", previous, LIGHT_GREY,
                             labels=[_rate_label(v) for v in previous]))
    series.append(Series(content.annee, current, BLUE_FRANCE, labels=[_rate_label(v) for v in current]))
    refs = [a.references.get(r["groupe"]) for r in rows]
    if any(v is not None for v in refs):
        series.append(Series(reference_name(content), refs, style.REFERENCE, labels=[_rate_label(v) for v in refs]))
    return ChartSpec(categories, series, value_format="percent")


def _masked_columns(frame: pl.DataFrame) -> set[str]:
    if "cellules_masquees" not in frame.columns:
        return set()
    return {k.strip() for cells in frame["cellules_masquees"].to_list() for k in (cells or "").split(",") if k.strip()}


def masked_on(content: DeckContent, slide: str) -> bool:
    """Whether a chart of ``slide`` has a value hidden by the disclosure rule."""
    if slide == "trajectoire":
        previous = content.historique.filter(pl.col("annee_scolaire") == content.annee_n1)
        return "raccroches_cumul" in _masked_columns(content.periodes) | _masked_columns(previous)
    if slide == "solutions":
        columns = set(rq.SOLUTION_COLUMNS)
        return bool(columns & (_masked_columns(content.periodes) | set(content.masked))) or any(
            v is None for v in (content.solutions_n1 or {}).values())
    if slide == "entonnoir":
        return bool(set(rq.FUNNEL_COLUMNS) & set(content.masked))
    if slide == "absenteisme" and content.absence is not None:
        ensemble = content.absence.ensemble or {}
        return bool(content.absence.par_type["masque"].any()) or bool(ensemble.get("masque"))
    return False


# --- tables ---------------------------------------------------------------------------------------

TABLE_COLUMNS = ("libelle", "statut", "raccroches", "objectif", "taux_atteinte", "attendu", "ecart", "projection",
                 "periode_fin")
NUMERIC_KINDS = {"count", "number", "rate", "gap"}


#: Short headers for the slide (the XLSX keeps the app's full headers).
SLIDE_HEADERS = {"attendu": "Attendu", "ecart": "Écart", "projection": "Projection", "periode_fin": "Dernier bilan"}


def table_header() -> list[str]:
    return [SLIDE_HEADERS.get(c, rc.TABLE_COLUMNS[c][0]) for c in TABLE_COLUMNS]


def table_rows(frame: pl.DataFrame) -> list[dict]:
    """Display rows of a sub-territory table: ``cells`` (French strings, "< 5" where masked),
    ``statut`` (for the colour)."""
    out = []
    for row in frame.iter_rows(named=True):
        masked = {k.strip() for k in (row.get("cellules_masquees") or "").split(",") if k.strip()}
        cells = []
        for column in TABLE_COLUMNS:
            kind = rc.TABLE_COLUMNS[column][1]
            value = row[column]
            if column in masked:
                cells.append(disclosure.masked_label() if kind == "count" else rc.MASKED_TEXT)
            elif kind in ("count", "number"):
                cells.append(fmt.integer(value))
            elif kind == "rate":
                cells.append(fmt.percent(value))
            elif kind == "gap":
                cells.append(fmt.signed_percent(value))
            elif kind == "date":
                cells.append(fmt.date_short(value) if value else fmt.MISSING)
            elif kind == "status":
                cells.append(STATUS_LABELS[value or "inconnu"])
            else:
                cells.append(str(value) if value is not None else fmt.MISSING)
        out.append({"code": row["code"], "statut": row["statut"] or "inconnu", "cells": cells})
    return out


def column_kinds() -> list[str]:
    return [rc.TABLE_COLUMNS[c][1] for c in TABLE_COLUMNS]


# --- the figures behind the deck (XLSX) -----------------------------------------------------------


def _spec_frame(spec: ChartSpec, category: str) -> pl.DataFrame:
    data = {category: spec.categories}
    for s in spec.series:
        data[s.name] = pl.Series(s.name, [None if v is None else float(v) for v in s.values], dtype=pl.Float64)
    return pl.DataFrame(data)


def key_figures_frame(content: DeckContent) -> pl.DataFrame:
    from dashboard.slides import keyfigures

    rows = [(t.label, t.value, t.change or "", t.source) for t in keyfigures.tiles(content)]
    return pl.DataFrame(rows, schema={"Indicateur": pl.String, "Valeur": pl.String, "Évolution": pl.String,
                                      "Source": pl.String}, orient="row")


def sheets(content: DeckContent) -> dict[str, pl.DataFrame]:
    """One sheet per slide's data, French headers, masked values empty."""
    out: dict[str, pl.DataFrame] = {"Chiffres clés": key_figures_frame(content)}
    for name, builder, category in (
        ("Trajectoire", trajectory, "Période (fin)"),
        ("Solutions par période", solutions_by_period, "Période"),
        ("Solutions N et N-1", solutions_compare, "Type de solution"),
        ("Entonnoir", funnel, "Étape"),
        ("Absentéisme", absence, "Type d'établissement"),
    ):
        spec = builder(content)
        if spec is not None:
            out[name] = _spec_frame(spec, category)
    if not content.sous_territoires.is_empty():
        out["Territoires"] = rc.export_frame(content.sous_territoires, TABLE_COLUMNS)
    if not content.reseaux.is_empty():
        out["Réseaux"] = rc.export_frame(content.reseaux, TABLE_COLUMNS)
    out["Points saillants"] = pl.DataFrame({"Phrase": [h.text for h in content.highlights]}, schema={"Phrase": pl.String})
    return out


def xlsx_bytes(content: DeckContent) -> bytes:
    from dashboard import exports

    note = (f"Cellules vides : valeur masquée (secret statistique, effectif inférieur à "
            f"{disclosure.threshold()}) ou sans donnée.")
    data = sheets(content)
    return exports.to_xlsx_bytes(data, notes={name: note for name in data})
