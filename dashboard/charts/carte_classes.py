"""Classes of the map: fixed thresholds for the rate of achievement, quantiles for the other
indicators, the colour-blind-safe palettes and the French legend (shared with the static map)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from dashboard import fmt
from dashboard.charts.common import BLUE_FRANCE
from queries.carte_values import INDICATORS, MASKED, MISSING, OK, OUT_OF_SCOPE
from queries.statuses import Status

# --- classes and palette ----------------------------------------------------------------------------

#: Rate of achievement of the raccrochage target: fixed thresholds (fractions).
FIXED_THRESHOLDS = (0.8, 1.0)
#: ColorBrewer RdYlBu, 3 classes (colour-blind safe): behind, close, reached.
FIXED_COLORS = ("#FC8D59", "#FFFFBF", "#91BFDB")
FIXED_LABELS = ("Moins de 80 %", "De 80 % à moins de 100 %", "100 % ou plus")
#: Other indicators: quantile classes (at most this many), ColorBrewer YlGnBu (colour-blind safe).
QUANTILE_CLASSES = 4
QUANTILE_PALETTES = {
    1: ("#7FCDBB",),
    2: ("#C7E9B4", "#2C7FB8"),
    3: ("#EDF8B1", "#7FCDBB", "#2C7FB8"),
    4: ("#FFFFCC", "#A1DAB4", "#41B6C4", "#225EA8"),
    5: ("#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494"),
}
MISSING_COLOR = "#D4D4D4"
MISSING_LABEL = "Données insuffisantes"
OUT_OF_SCOPE_COLOR = "#FFFFFF"
OUT_OF_SCOPE_LINE = "#9E9E9E"
OUT_OF_SCOPE_LABEL = "Hors de votre périmètre"
BORDER_COLOR = "#FFFFFF"
DEPARTMENT_BORDER_COLOR = "#3A3A3A"
SELECTION_COLOR = "#000000"
FOCUS_COLOR = BLUE_FRANCE
MLDS_COLOR = "#5A2D82"
SEAT_COLOR = "#1E1E1E"
LABEL_COLOR = "#1E1E1E"
#: The mark written after a territory's name on the map when it is coloured by status: the status never
#: rests on colour alone (WCAG 1.4.1), on the interactive map as on the deck's.
STATUS_MARKS = {s.label: s.arrow for s in (Status.ATTEINT, Status.NON_ATTEINT, Status.EN_AVANCE, Status.SUR_TRAJECTOIRE,
                                            Status.EN_RETARD)}


def map_label(name: str, group: str) -> str:
    """A territory's label on the map: its name, then its status mark when the map shows statuses."""
    mark = STATUS_MARKS.get(group)
    return f"{name} {mark}" if mark else name


def marks_legend(groups) -> str | None:
    """« Symboles : ✓ objectif atteint, ✗ objectif non atteint. » for the statuses drawn, or None."""
    shown = [f"{STATUS_MARKS[g]} {g.lower()}" for g in STATUS_MARKS if g in set(groups)]
    return f"Symboles après le nom : {', '.join(shown)}." if shown else None


#: Display precision of class bounds, per kind of indicator (fractions for rates).
STEPS = {"rate": 0.001, "per10k": 0.1, "per1000": 0.1, "count": 1.0}


def format_value(value: float | None, kind: str) -> str:
    """An indicator value the French way: "12,3 %", "1 234", "23,4"."""
    if value is None:
        return fmt.MISSING
    if kind == "rate":
        return fmt.percent(value, 1)
    if kind in ("per10k", "per1000"):
        return fmt.number(value, 1)
    return fmt.integer(value)


@dataclass(frozen=True)
class MapClass:
    label: str
    color: str
    lower: float | None  # included (None: no lower bound)
    upper: float | None  # excluded, but included for the last class (None: no upper bound)


@dataclass(frozen=True)
class Classification:
    method: str  # "seuils" | "quantiles" | "statut"
    classes: tuple[MapClass, ...]
    codes: tuple[str, ...] = ()  # "statut": the status of each class

    def index_of(self, value: float | None) -> int | None:
        """The class of ``value`` (None for a missing value or when there is no class)."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or not self.classes:
            return None
        last = len(self.classes) - 1
        for i, cls in enumerate(self.classes):
            above = cls.lower is None or value >= cls.lower - 1e-12
            if cls.upper is None:
                below = True
            elif i == last:
                below = value <= cls.upper + 1e-12
            else:
                below = value < cls.upper - 1e-12
            if above and below:
                return i
        # outside the computed range (cannot happen for the values the classes were built on)
        return 0 if self.classes[0].lower is not None and value < self.classes[0].lower else last

    @property
    def description(self) -> str:
        if self.method == "statut" and self.codes == CLOSED_STATUSES:
            return ("Année close : objectif atteint ou non atteint (raccrochés de l'année rapportés à l'objectif), "
                    "chaque réseau à son dernier bilan.")
        if self.method == "statut":
            return ("Couleur : statut par rapport à la trajectoire de l'objectif à la date du dernier bilan de chaque "
                    "réseau (en retard à partir de −5 % si la projection manque l'objectif, en avance à partir de "
                    "+5 % si elle l'atteint). Le taux d'atteinte annuel est disponible en option.")
        if self.method == "seuils":
            return "Classes à seuils fixes : moins de 80 %, de 80 % à moins de 100 %, 100 % ou plus de l'objectif."
        n = len(self.classes)
        if n <= 1:
            return "Une seule classe : toutes les valeurs affichées sont égales."
        return (
            f"Classes par quantiles ({n} classes d'effectifs voisins) des territoires affichés ; "
            "borne inférieure incluse, borne supérieure exclue (sauf pour la dernière classe)."
        )


def _snap(value: float, step: float, how: str) -> float:
    units = round(value / step, 6)
    units = math.floor(units) if how == "floor" else math.ceil(units) if how == "ceil" else round(units)
    return round(units * step, 10)


OPEN_STATUSES = tuple(s.value for s in Status.of_year(False) if s is not Status.INCONNU)
CLOSED_STATUSES = tuple(s.value for s in Status.of_year(True) if s is not Status.INCONNU)


def status_classes(closed: bool) -> Classification:
    """Categorical classes of the raccrochage status: the trajectory in an open year, reached or
    not once the year is closed (colours and labels of ``charts.common``)."""
    codes = CLOSED_STATUSES if closed else OPEN_STATUSES
    classes = tuple(MapClass(Status(c).label, Status(c).color, None, None) for c in codes)
    return Classification("statut", classes, codes)


def classify(values: Sequence[float | None], indicator: str, n_classes: int = QUANTILE_CLASSES) -> Classification:
    """Classes for the shown values of ``indicator`` (None values are ignored)."""
    spec = INDICATORS[indicator]
    if spec.method == "seuils":
        low, high = FIXED_THRESHOLDS
        classes = (
            MapClass(FIXED_LABELS[0], FIXED_COLORS[0], None, low),
            MapClass(FIXED_LABELS[1], FIXED_COLORS[1], low, high),
            MapClass(FIXED_LABELS[2], FIXED_COLORS[2], high, None),
        )
        return Classification("seuils", classes)
    shown = np.array([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], float)
    if shown.size == 0:
        return Classification("quantiles", ())
    step = STEPS[spec.kind]
    lowest, highest = _snap(float(shown.min()), step, "floor"), _snap(float(shown.max()), step, "ceil")
    k = max(1, min(n_classes, len(np.unique(shown))))
    inner = [_snap(float(q), step, "round") for q in np.quantile(shown, [i / k for i in range(1, k)])] if k > 1 else []
    breaks = sorted({lowest, *[b for b in inner if lowest < b < highest], highest})
    if len(breaks) == 1:
        only = breaks[0]
        return Classification(
            "quantiles", (MapClass(format_value(only, spec.kind), QUANTILE_PALETTES[1][0], only, only),)
        )
    pairs = list(zip(breaks[:-1], breaks[1:], strict=True))
    palette = QUANTILE_PALETTES[min(len(pairs), max(QUANTILE_PALETTES))]
    classes = tuple(
        MapClass(f"De {format_value(lo, spec.kind)} à {format_value(hi, spec.kind)}", palette[i], lo, hi)
        for i, (lo, hi) in enumerate(pairs)
    )
    return Classification("quantiles", classes)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str
    kind: str  # "class" | "missing" | "out"


def legend_entries(classification: Classification, states: Sequence[str]) -> list[LegendEntry]:
    """The legend, in order: every class, then "Données insuffisantes" and "Hors de votre
    périmètre" when some territory is in that state."""
    out = [LegendEntry(c.label, c.color, "class") for c in classification.classes]
    if any(s in (MASKED, MISSING) for s in states):
        out.append(LegendEntry(MISSING_LABEL, MISSING_COLOR, "missing"))
    if OUT_OF_SCOPE in states:
        out.append(LegendEntry(OUT_OF_SCOPE_LABEL, OUT_OF_SCOPE_COLOR, "out"))
    return out


@dataclass(frozen=True)
class ClassedValues:
    """Per territory: its class (or None) and what to show."""

    classification: Classification
    classes: dict[str, int | None]  # code -> class index (None: masked, missing or out of scope)
    states: dict[str, str]
    values: dict[str, float | None]

    def color_of(self, code: str) -> str:
        state = self.states.get(code, MISSING)
        if state == OUT_OF_SCOPE:
            return OUT_OF_SCOPE_COLOR
        idx = self.classes.get(code)
        return MISSING_COLOR if idx is None else self.classification.classes[idx].color

    def group_of(self, code: str) -> str:
        """Legend group: the class label, MISSING_LABEL or OUT_OF_SCOPE_LABEL."""
        state = self.states.get(code, MISSING)
        if state == OUT_OF_SCOPE:
            return OUT_OF_SCOPE_LABEL
        idx = self.classes.get(code)
        return MISSING_LABEL if idx is None else self.classification.classes[idx].label

    def legend(self) -> list[LegendEntry]:
        return legend_entries(self.classification, list(self.states.values()))


def classed_values(values: pl.DataFrame, indicator: str, by_status: bool = False,
                   closed: bool = False) -> ClassedValues:
    """Classes of the territories of ``values`` (a frame from ``queries.carte.indicator_values``);
    ``by_status``: coloured by the raccrochage status (a masked rate keeps its status colour)."""
    if by_status:
        classification = status_classes(closed)
        classes, states, vals = {}, {}, {}
        for row in values.iter_rows(named=True):
            status = row.get("statut")
            known = row["etat"] in (OK, MASKED) and status in classification.codes
            states[row["code"]] = row["etat"] if row["etat"] == OUT_OF_SCOPE else (OK if known else MISSING)
            vals[row["code"]] = row["valeur"]
            classes[row["code"]] = classification.codes.index(status) if known else None
        return ClassedValues(classification, classes, states, vals)
    shown = values.filter(pl.col("etat") == OK)
    classification = classify(shown["valeur"].to_list(), indicator)
    classes, states, vals = {}, {}, {}
    for row in values.iter_rows(named=True):
        states[row["code"]] = row["etat"]
        vals[row["code"]] = row["valeur"]
        classes[row["code"]] = classification.index_of(row["valeur"]) if row["etat"] == OK else None
    return ClassedValues(classification, classes, states, vals)


def classed_for(data) -> ClassedValues:
    """The classes of a ``queries.carte.MapData``: by status for the rate of achievement unless the
    annual-rate bands were asked for."""
    return classed_values(data.values, data.indicator, by_status=data.by_status, closed=data.closed)
