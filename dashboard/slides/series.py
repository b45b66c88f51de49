"""The data of each chart and table of the deck, derived from a ``DeckContent`` in one place.

The PPTX charts, the XLSX "figures behind the deck" and the tests all read these specs, so a
chart, its spreadsheet and the generated sentences cannot disagree. Values are rounded to what
is shown (whole young people, rates to the tenth of a percent); data labels are the chart's own
values under a number format (``pptcharts``), never fixed text. Masked values are ``None``:
python-pptx writes no point for them. Columns and tables are declared in
``dashboard.publish.catalog``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dashboard import fmt
from dashboard.charts import raccrochage as rc
from dashboard.charts import raccrochage_solutions, raccrochage_tables
from dashboard.charts.common import BLUE_FRANCE, LIGHT_GREY, SOLUTION_COLORS
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog, text
from dashboard.publish import columns as publish_columns
from dashboard.publish.columns import Column, Kind
from dashboard.slides import style
from dashboard.slides.model import DeckContent
from queries import absenteisme as aq
from queries import raccrochage_position as position
from queries import raccrochage_rules
from queries.raccrochage_rules import SOLUTION_LABELS
from queries.statuses import Status

ALL_SCHOOLS = "Tous établissements"
SECRET_GREY = "#D0D0D0"
FUNNEL_COLORS = [BLUE_FRANCE, "#3D3DB4", "#6A6AF4", "#9A9AFF", "#009E73"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    color: str
    labelled: list[bool] = field(default_factory=list)  # points that show their value (a linked data label)
    dash: bool = False
    marker: str = "circle"  # circle | diamond | dash (line charts; every series keeps a marker)
    marker_size: int = 8
    width_pt: float = 2.25
    point_colors: list[str] | None = None
    marks: list[str | None] = field(default_factory=list)  # disclosure mark of each masked point
    line: bool = True  # False: markers only (a point, not a path)


@dataclass(frozen=True)
class ChartSpec:
    categories: list[str]
    series: list[Series]
    value_format: str = "count"  # count | percent | per1000 (one decimal)

    def values_of(self, name: str) -> list[float | None]:
        return next(s.values for s in self.series if s.name == name)


COUNT = Column("valeur", "Valeur", Kind.COUNT)
RATE = Column("valeur", "Valeur", Kind.RATE)


def _counts(values) -> list[int | None]:
    """Counts as shown: whole young people (an expected level of 397,18 is 397)."""
    return [text.rounded(COUNT, v) for v in values]


def _rates(values) -> list[float | None]:
    """Rates as shown: fractions rounded to the tenth of a percent (0.031 for « 3,1 % »)."""
    return [text.rounded(RATE, v) for v in values]


def _all(values) -> list[bool]:
    return [v is not None for v in values]


def _period_marks(periods: pl.DataFrame, column: str) -> list[str | None]:
    """The disclosure mark of ``column`` on each period row (None where shown)."""
    if "cellules_masquees" not in periods.columns:
        return [None] * periods.height
    return [disclosure_marks.decode_marks(cells).get(column) for cells in periods["cellules_masquees"].to_list()]


def _masked_marks(values, marks: dict | None = None, keys=None) -> list[str | None]:
    """Marks of masked points: the row's own mark when known, else secondary."""
    out = []
    for index, value in enumerate(values):
        key = keys[index] if keys is not None else None
        mark = (marks or {}).get(key) if key is not None else None
        out.append(None if value is not None else (mark or disclosure_marks.SECONDARY))
    return out


# --- raccrochage --------------------------------------------------------------------------------


def current_name(content: DeckContent) -> str:
    return f"Raccrochés cumulés {content.annee}"


def previous_name(content: DeckContent) -> str:
    return f"{content.annee_n1} (année précédente)"


TARGET_NAME = "Trajectoire de l'objectif"
#: With late networks, the full-date lines say they are at the end of each period, and the
#: territory's own-date levels (the figures of the text beside the chart) are drawn as points.
FULL_DATE = rc.FULL_DATE
OWN_DATE_TARGET_NAME = rc.OWN_DATE_TARGET


def own_dates(content: DeckContent) -> rc.OwnDates | None:
    """The territory's levels at each network's own last bilan when networks are late (``rc.own_dates``)."""
    return rc.own_dates(content.situation, content.shown, content.annee_n1)


def objective_name(objectif: int) -> str:
    return f"Objectif annuel : {fmt.integer(objectif)}"


def closed(content: DeckContent) -> bool:
    """The year of the deck is closed (``queries.raccrochage_position``): its slides speak of the
    target, never of a trajectory."""
    return position.is_closed(content.situation.get("phase"))


def trajectory_sheet(phase: str | None) -> str:
    """The workbook sheet of the trajectory chart: a closed year's chart draws the target alone, so
    its sheet is named for it (the one place that names it; tests read the sheet by this name)."""
    return "Objectif" if position.is_closed(phase) else "Trajectoire"


def trajectory(content: DeckContent) -> ChartSpec | None:
    """Cumulative raccrochés per bimonthly period: this year, the target trajectory (an open year
    only: a closed year draws the target alone), last year."""
    periods, history, target = content.periodes, content.historique, content.trajectoire
    previous = history.filter(pl.col("annee_scolaire") == content.annee_n1)
    ranks = sorted(set(target["rang"].to_list()) | set(periods["rang"].to_list()) | set(previous["rang"].to_list()))
    if not ranks or (periods.is_empty() and previous.is_empty()):
        return None
    current = dict(zip(periods["rang"].to_list(), periods["raccroches_cumul"].to_list(), strict=True))
    last = dict(zip(previous["rang"].to_list(), previous["raccroches_cumul"].to_list(), strict=True))
    expected = dict(zip(target["rang"].to_list(), target["attendu"].to_list(), strict=True))
    objectif = content.situation["objectif"]
    values = _counts(current.get(r) for r in ranks)
    shown = [i for i, v in enumerate(values) if v is not None]
    labelled = [bool(shown) and i == shown[-1] for i in range(len(values))]
    # this year first: the legend reads from it, and PowerPoint reports a line chart with markers
    cumul_marks = dict(zip(periods["rang"].to_list(), _period_marks(periods, "raccroches_cumul"), strict=True))
    series = [Series(current_name(content), values, BLUE_FRANCE, labelled=labelled, width_pt=3.5,
                     marks=[cumul_marks.get(r) for r in ranks])]
    own = own_dates(content)
    suffix = FULL_DATE if own else ""

    def point(value) -> list[float | None]:
        return _counts(value if r == own.rank else None for r in ranks)

    if objectif is not None and not closed(content):
        values = _counts(expected.get(r) for r in ranks)
        series.append(Series(TARGET_NAME + suffix, values, style.TARGET, dash=True, marker="diamond", marker_size=6,
                             width_pt=2.0))
        if own and own.expected is not None:
            series.append(Series(OWN_DATE_TARGET_NAME, point(own.expected), style.TARGET, marker="diamond",
                                 marker_size=13, line=False))
    if objectif is not None:
        series.append(Series(objective_name(objectif), [float(objectif)] * len(ranks), style.TARGET,
                             marker="dash", marker_size=2, width_pt=2.0 if closed(content) else 1.0, dash=True))
    if not previous.is_empty():
        values = _counts(last.get(r) for r in ranks)
        last_marks = dict(zip(previous["rang"].to_list(), _period_marks(previous, "raccroches_cumul"), strict=True))
        name = f"{content.annee_n1} (année précédente, tous réseaux, fin de période)" if own else previous_name(content)
        series.append(Series(name, values, style.PREVIOUS, marker_size=5, width_pt=1.75,
                             marks=[last_marks.get(r) for r in ranks]))
        if own and content.situation.get("periode_fin_n1"):
            mark = content.marks.get("raccroches_n1")
            series.append(Series(own.previous_name, point(own.previous), style.PREVIOUS, marker="square",
                                 marker_size=10, line=False,
                                 marks=[mark if r == own.rank and own.previous is None else None for r in ranks]))
    return ChartSpec([raccrochage_rules.slot_label(r) for r in ranks], series)


def solutions_by_period(content: DeckContent) -> ChartSpec | None:
    """Raccrochés of each period, stacked by type of solution, the masked types of a period in one
    « secret statistique » segment (the bar keeps the period's published total); a PSAD or a
    network shows its periods' raccrochés only (its types are published for the year)."""
    periods = content.periodes
    if periods.is_empty():
        return None
    if not raccrochage_solutions.types_published(periods):
        values = periods["raccroches"].to_list()
        return ChartSpec(periods["libelle"].to_list(),
                         [Series("Raccrochés dans la période", values, BLUE_FRANCE,
                                 marks=_period_marks(periods, "raccroches"))])
    series = [Series(SOLUTION_LABELS[c], periods[c].to_list(), SOLUTION_COLORS[c], marks=_period_marks(periods, c))
              for c in raccrochage_rules.SOLUTION_COLUMNS]
    hidden = raccrochage_solutions.secret_parts(periods)
    if any(v is not None for v in hidden):
        series.append(Series(raccrochage_solutions.SECRET_NAME, hidden, SECRET_GREY))
    return ChartSpec(periods["libelle"].to_list(), series)


def solutions_compare(content: DeckContent) -> ChartSpec | None:
    """Raccrochés by type of solution since the rentrée, against the same date last year."""
    if not content.has_bilans:
        return None
    current = [content.shown[c] for c in raccrochage_rules.SOLUTION_COLUMNS]
    series = []
    if content.solutions_n1:
        previous = [content.solutions_n1.get(c) for c in raccrochage_rules.SOLUTION_COLUMNS]
        series.append(Series(f"{content.annee_n1} (même date)", previous, LIGHT_GREY, labelled=_all(previous),
                             marks=_masked_marks(previous, content.solutions_n1_marks, raccrochage_rules.SOLUTION_COLUMNS)))
    # one colour per year: the legend's two squares are the bars' two colours
    series.append(Series(content.annee, current, BLUE_FRANCE, labelled=_all(current),
                         marks=_masked_marks(current, content.marks, raccrochage_rules.SOLUTION_COLUMNS)))
    return ChartSpec([SOLUTION_LABELS[c] for c in raccrochage_rules.SOLUTION_COLUMNS], series)


def funnel(content: DeckContent) -> ChartSpec | None:
    """Jeunes signalés → contactés → entretiens → solutions proposées → raccrochés, with the
    rate of passage from the previous step."""
    if not content.has_bilans:
        return None
    values = [content.shown[c] for c in raccrochage_rules.FUNNEL_COLUMNS]
    categories = []
    for i, (column, value) in enumerate(zip(raccrochage_rules.FUNNEL_COLUMNS, values, strict=True)):
        label = rc.FUNNEL_LABELS[column]
        if value is not None and i > 0 and values[i - 1]:  # the rate of passage goes with the step's name
            label += f" ({fmt.percent(value / values[i - 1])})"
        categories.append(label)
    spec = Series("Jeunes", values, BLUE_FRANCE, labelled=_all(values), point_colors=FUNNEL_COLORS,
                  marks=_masked_marks(values, content.marks, raccrochage_rules.FUNNEL_COLUMNS))
    return ChartSpec(categories, [spec])


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
    rows = a.par_type.to_dicts() + ([dict(a.ensemble, groupe=aq.ALL)] if a.ensemble else [])
    categories = [ALL_SCHOOLS if r["groupe"] == aq.ALL else aq.TYPE_LABELS.get(r["groupe"], r["groupe"])
                  for r in rows]
    current = _rates(r["taux"] for r in rows)
    previous = _rates(r["taux_precedent"] for r in rows)
    series = []
    if any(v is not None for v in previous):
        series.append(Series(f"{content.annee_n1} (mêmes mois)", previous, LIGHT_GREY, labelled=_all(previous),
                             marks=[disclosure_marks.SECONDARY if r.get("masque_precedent") else None for r in rows]))
    series.append(Series(content.annee, current, BLUE_FRANCE, labelled=_all(current),
                         marks=[disclosure_marks.SECONDARY if r.get("masque") else None for r in rows]))
    refs = _rates(a.references.get(r["groupe"]) for r in rows)
    if any(v is not None for v in refs):
        series.append(Series(reference_name(content), refs, style.REFERENCE, labelled=_all(refs)))
    return ChartSpec(categories, series, value_format="percent")


def _masked_columns(frame: pl.DataFrame) -> set[str]:
    if "cellules_masquees" not in frame.columns:
        return set()
    return {k for cells in frame["cellules_masquees"].to_list() for k in disclosure_marks.decode_marks(cells)}


def masked_on(content: DeckContent, slide: str) -> bool:
    """Whether a chart of ``slide`` has a value hidden by the disclosure rule."""
    if slide == "trajectoire":
        previous = content.historique.filter(pl.col("annee_scolaire") == content.annee_n1)
        own = own_dates(content)
        return "raccroches_cumul" in _masked_columns(content.periodes) | _masked_columns(previous) or bool(
            own and own.previous is None and content.situation.get("periode_fin_n1")
            and content.marks.get("raccroches_n1"))
    if slide == "solutions":
        columns = set(raccrochage_rules.SOLUTION_COLUMNS)
        return bool(columns & (_masked_columns(content.periodes) | set(content.masked))) or any(
            v is None for v in (content.solutions_n1 or {}).values())
    if slide == "entonnoir":
        return bool(set(raccrochage_rules.FUNNEL_COLUMNS) & set(content.masked))
    if slide == "absenteisme" and content.absence is not None:
        ensemble = content.absence.ensemble or {}
        return bool(content.absence.par_type["masque"].any()) or bool(ensemble.get("masque"))
    return False


def masked_points(spec: ChartSpec) -> tuple[int, int]:
    """(masked points, points drawn: with a value or a mark) of the chart."""
    masked = drawn = 0
    for s in spec.series:
        marks = list(s.marks) + [None] * (len(s.values) - len(s.marks))
        masked += sum(1 for m, v in zip(marks, s.values, strict=False) if m and v is None)
        drawn += sum(1 for m, v in zip(marks, s.values, strict=False) if m or v is not None)
    return masked, drawn


def mostly_masked(spec: ChartSpec) -> bool:
    """Half or more of the chart's points are masked: a chart of blanks says nothing, the deck shows
    a table of the values and their marks instead."""
    masked, drawn = masked_points(spec)
    return masked > 0 and 2 * masked >= drawn


#: The category column of each chart's table (slide and workbook sheet).
CATEGORY_HEADERS = {"trajectoire": "Période (fin)", "solutions": "Période", "solutions_n1": "Type de solution",
                    "entonnoir": "Étape", "absenteisme": "Type d'établissement"}


# --- tables ---------------------------------------------------------------------------------------

TABLE_COLUMNS = ("libelle", "statut", "raccroches", "objectif", "taux_atteinte", "attendu", "ecart", "projection",
                 "periode_fin_min")
NUMERIC_KINDS = {"count", "expected", "rate", "relative", "points", "number"}


#: Short headers for the slide (the XLSX keeps the app's full headers).
SLIDE_HEADERS = {"taux_atteinte": "Taux d'atteinte", "attendu": "Attendu", "ecart": "Écart à la trajectoire", "projection": "Projection",
                 "periode_fin_min": "Dernier bilan"}


def table_columns(phase: str | None) -> tuple[str, ...]:
    """The deck table's columns in ``phase``: a closed year the gap to the target, no trajectory."""
    return position.year_columns(TABLE_COLUMNS, phase)


def table_header(phase: str | None = None) -> list[str]:
    return [SLIDE_HEADERS.get(c, catalog.RACCROCHAGE[c].header) for c in table_columns(phase)]


def table_rows(frame: pl.DataFrame) -> list[dict]:
    """Display rows of a sub-territory table: ``cells`` (the French text of ``text``, the
    secrecy mark where masked), ``statut`` (for the colour)."""
    table = raccrochage_tables.situation_table(frame, TABLE_COLUMNS)
    out = []
    for (values, marks), code, statut in zip(table.rows(), frame["code"].to_list(), frame["statut"].to_list(),
                                             strict=True):
        cells = [text.cell_text(c, values[c.key], marks.get(c.key)) for c in table.columns]
        out.append({"code": code, "statut": Status.of(statut).value, "cells": cells})
    return out


def column_kinds(phase: str | None = None) -> list[str]:
    return [str(catalog.RACCROCHAGE[c].kind) for c in table_columns(phase)]


# --- the figures behind the deck (XLSX) -----------------------------------------------------------


#: How a chart's values are declared: counts, rates (fractions), rates per 1 000 pupils.
VALUE_KINDS = {"count": (Kind.COUNT, None), "percent": (Kind.RATE, None), "per1000": (Kind.NUMBER, 1)}


def spec_table(name: str, spec: ChartSpec, category: str,
               sources: tuple[str, ...] = ("raccrochage", "absenteisme")) -> publish_columns.Table:
    """A chart's data as a declared table: the category, one column per series (counts, rates or
    rates per 1 000 as the chart shows them)."""
    kind, decimals = VALUE_KINDS[spec.value_format]
    keys = [f"s{i}" for i in range(len(spec.series))]
    columns = [Column("categorie", category, Kind.LABEL),
               *(Column(k, s.name, kind, decimals=decimals, secret=True) for k, s in zip(keys, spec.series,
                                                                                       strict=True))]
    data = {"categorie": spec.categories,
            **{k: pl.Series(k, [None if v is None else float(v) for v in s.values], dtype=pl.Float64)
               for k, s in zip(keys, spec.series, strict=True)}}
    marks = [{k: s.marks[i] for k, s in zip(keys, spec.series, strict=True) if i < len(s.marks) and s.marks[i]}
             for i in range(len(spec.categories))]
    return publish_columns.table(name, pl.DataFrame(data), columns, marks=marks, sources=sources)
