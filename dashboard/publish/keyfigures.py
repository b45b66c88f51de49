"""The key figures of a territory: one model drawn by Accueil, the Dialogue page, the deck and its
workbook, and the Raccrochage page's « Pour 100 raccrochés ».

``key_figures`` decides every tile once, from the situation as published (``queries.raccrochage``:
values, marks and status already decided): its label, the text shown (or its secrecy mark), its
note, its change on last year (or on the trajectory, or the target) with its direction and tone,
and the figure as a number for the workbook. Channels pick the tiles they show (``DECK``,
``ACCUEIL``) and render them; none computes a figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import fmt
from dashboard.disclosure import marks as disclosure_marks
from dashboard.publish import catalog
from dashboard.publish.columns import Column, Kind
from dashboard.publish.text import cell_text, rounded
from queries import raccrochage_position as position
from queries.raccrochage_rules import rate_definition, rate_name
from queries.statuses import Status

ARROWS = {"up": "▲", "down": "▼", "off": "="}
POINTS = Column("evolution", "Évolution", Kind.POINTS)
ABSENCE = "absenteisme"
#: The deck's key-figures slide (and the Dialogue page's preview), an open and a closed year.
DECK = {False: ("raccroches", "taux_atteinte", "attendu", "projection", "jeunes_signales", "taux_contact",
                "part_solution", ABSENCE),
        True: ("raccroches", "taux_atteinte", "objectif", "ecart_objectif", "jeunes_signales", "taux_contact",
               "part_solution", ABSENCE)}
#: Accueil's two rows of four tiles: against the target, then the funnel.
ACCUEIL = {False: (("raccroches", "taux_atteinte", "attendu", "projection"),
                   ("jeunes_signales", "taux_contact", "part_solution", "contrats_foquale")),
           True: (("raccroches", "taux_atteinte", "objectif", "ecart_objectif"),
                  ("jeunes_signales", "taux_contact", "part_solution", "contrats_foquale"))}


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str | None = None  # a short line under the value
    delta: str | None = None  # the change, formatted: "+18", "−11,3 pt", "+8"
    context: str = ""  # what the change compares with: "par rapport au 31 août 2014"
    direction: str = "off"  # up | down | off
    tone: str = "neutral"  # good | bad | neutral
    source: str = "raccrochage"  # the slide that details it
    kind: str = "count"  # count | expected | rate: what ``number`` is (the workbook writes it so)
    number: float | None = None  # the figure as a number (None when masked or missing)
    change_number: float | None = None  # the change as a number (a count, or a difference of rates)
    mark: str | None = None  # disclosure mark when the figure is masked
    delta_detail: str | None = None  # what the deck adds to the change: "(+4,7 %)"
    change_mark: str | None = None  # the mark of a change on last year hidden by secrecy (this or last year's)
    short_label: str | None = None  # the label in a row of four tiles (Accueil); ``label`` otherwise
    short_context: str | None = None  # the change's context there: "sur un an"
    help: str | None = None  # what the figure is, for a tooltip
    status: Status | None = None  # the status the tile speaks of (a closed year's gap to the target)

    @property
    def full_delta(self) -> str | None:
        """The change with its detail: "+8 (+4,7 %)"."""
        if self.delta is None:
            return None
        return f"{self.delta} {self.delta_detail}" if self.delta_detail else self.delta

    @property
    def change(self) -> str | None:
        """One line for the deck: "▲ +18 par rapport au 31 août 2014"."""
        if self.delta is None:
            return None
        return " ".join(t for t in (ARROWS[self.direction], self.full_delta, self.context) if t)

    @property
    def shown_label(self) -> str:
        return self.short_label or self.label


def _sub(a, b):
    return a - b if a is not None and b is not None else None


def _trend(diff, text: str, higher_is_better: bool | None) -> dict:
    """delta, direction and tone of a difference already formatted as ``text``."""
    if diff is None:
        return {}
    if not text.startswith(("+", "−")):  # zero once rounded for display: no direction
        return {"delta": text, "direction": "off", "tone": "neutral"}
    direction = "up" if diff > 0 else "down"
    tone = "neutral" if higher_is_better is None else ("good" if (diff > 0) == higher_is_better else "bad")
    return {"delta": text, "direction": direction, "tone": tone}


class _Situation:
    """The published situation of one territory: the raw row (status, target, expected level are
    never masked), its shown values and marks."""

    def __init__(self, s: dict, shown: dict, marks: dict[str, str]):
        self.s, self.shown, self.marks = s, shown, marks
        self.since = f"par rapport au {fmt.date_long(s['periode_fin_n1'])}" if s.get("periode_fin_n1") else ""
        self.yearly = "sur un an" if s.get("periode_fin_n1") else None

    def text(self, key: str) -> str:
        """The French text of a figure of the situation, or its secrecy mark."""
        return cell_text(catalog.RACCROCHAGE[key], self.shown[key], self.marks.get(key))

    def figure(self, key: str, kind: str = "count") -> dict:
        """The tile fields of the figure ``key``: kind, number as shown, mark."""
        value = self.shown[key]
        number = value if kind == "expected" else rounded(catalog.RACCROCHAGE[key], value)
        return {"kind": kind, "number": number, "mark": self.marks.get(key)}

    def yearly_change(self, key: str, kind: str, higher_is_better: bool | None) -> dict:
        """The change of ``key`` on the same date last year: delta, direction, tone, number, or the
        mark of the figure hiding it."""
        diff = _sub(self.shown[key], self.shown[f"{key}_n1"])
        text = fmt.signed_number(diff) if kind == "count" else fmt.signed_points(diff)
        hidden = (self.marks.get(key) or self.marks.get(f"{key}_n1")) if diff is None and self.yearly else None
        return {**_trend(diff, text, higher_is_better), **_changed(diff, kind), "change_mark": hidden,
                "short_context": self.yearly}


def _changed(diff, kind: str) -> dict:
    column = catalog.RACCROCHAGE["raccroches"] if kind == "count" else POINTS
    return {"change_number": rounded(column, diff)}


def key_figures(s: dict, shown: dict, marks: dict[str, str], absence: dict | None = None,
                absence_rate: Column | None = None) -> dict[str, Tile]:
    """Every key figure of the territory of situation ``s`` (``shown``/``marks``: after disclosure),
    by key; ``absence``: the absenteeism row of all its schools (``taux``, ``evolution``,
    ``masque``), ``absence_rate``: its declared rate column."""
    t = _Situation(s, shown, marks)
    same_date = "sur un an, même date"
    return {
        "raccroches": Tile(
            "Raccrochés depuis la rentrée", t.text("raccroches"),
            f"au {fmt.date_long(s['periode_fin'])}" if s["periode_fin"] else "aucun bilan reçu", context=t.since,
            short_label="Raccrochés",
            help="Jeunes raccrochés (six types de solution) cumulés depuis le début de l'année scolaire.",
            **t.yearly_change("raccroches", "count", True), **t.figure("raccroches")),
        "taux_atteinte": Tile(
            "Taux d'atteinte de l'objectif", t.text("taux_atteinte") if s["objectif"] is not None else fmt.MISSING,
            f"Objectif : {fmt.integer(s['objectif'])}" if s["objectif"] is not None else "aucun objectif fixé",
            context=same_date, short_label="Taux d'atteinte",
            help=f"Raccrochés depuis la rentrée / objectif de l'année ({fmt.integer(s['objectif'])}).",
            **t.yearly_change("taux_atteinte", "rate", True), **t.figure("taux_atteinte", "rate")),
        "jeunes_signales": Tile(
            "Jeunes signalés", t.text("jeunes_signales"), "depuis la rentrée", context=t.since, source="entonnoir",
            help="Jeunes repérés par le SIEI et les partenaires depuis la rentrée.",
            **t.yearly_change("jeunes_signales", "count", None), **t.figure("jeunes_signales")),
        "taux_contact": Tile(
            "Taux de contact", t.text("taux_contact"), "contactés / signalés", context=same_date, source="entonnoir",
            help="Jeunes contactés / jeunes signalés.",
            **t.yearly_change("taux_contact", "rate", True), **t.figure("taux_contact", "rate")),
        "part_solution": Tile(
            rate_name("part_solution"), t.text("part_solution"), "solutions proposées / signalés", context=same_date,
            source="entonnoir", help=rate_definition("part_solution"),
            **t.yearly_change("part_solution", "rate", True), **t.figure("part_solution", "rate")),
        "contrats_foquale": Tile(
            "Contrats FOQUALE", t.text("contrats_foquale"), "depuis la rentrée", context=t.since,
            help="Contrats FOQUALE signés depuis la rentrée.",
            **t.yearly_change("contrats_foquale", "count", True), **t.figure("contrats_foquale")),
        "contrats_pour_100": Tile(
            "Pour 100 raccrochés", t.text("contrats_pour_100"), "contrats FOQUALE pour 100 raccrochés",
            kind="number", number=rounded(catalog.RACCROCHAGE["contrats_pour_100"], shown["contrats_pour_100"]),
            mark=marks.get("contrats_pour_100")),
        "objectif": Tile(
            "Objectif de l'année", t.text("objectif"),
            "année close" + (", bilans incomplets" if s.get("phase") == position.CLOSED_INCOMPLETE else ""),
            help="Objectif fixé pour ce territoire, ou à défaut somme des objectifs des territoires qui le composent.",
            **t.figure("objectif")),
        **_trajectory_tiles(t),
        ABSENCE: _absence_tile(absence, absence_rate),
    }


def _trajectory_tiles(t: _Situation) -> dict[str, Tile]:
    """The expected level and the projection (an open year), the gap to the target (a closed one)."""
    s, shown = t.s, t.shown
    status = Status.of(s["statut"])
    gap = _sub(shown["raccroches"], s["attendu"])
    trend = {**_trend(gap, fmt.signed_number(gap), True), "tone": status.tone}  # the status decides, not the sign
    detail = f"({fmt.signed_percent(shown['ecart'])})" if gap is not None and shown["ecart"] is not None else None
    diff = _sub(shown["projection"], s["objectif"])
    return {
        "attendu": Tile(
            "Attendu à cette date", t.text("attendu"), status.label if s["attendu"] is not None else "pas de trajectoire",
            context="d'écart à la trajectoire", short_context="d'écart" if gap is not None else None,
            delta_detail=detail,
            help="Somme, sur les réseaux du territoire, de l'objectif × part de l'année habituellement atteinte à la "
                 "date de leur dernier bilan (profil saisonnier des années précédentes, voir Méthodologie).",
            **trend, **t.figure("attendu", "expected"), **_changed(gap, "count")),
        "projection": Tile(
            "Projection en fin d'année", t.text("projection"), status.projection_note, short_label="Projection fin d'année",
            context="par rapport à l'objectif", short_context="écart à l'objectif" if diff is not None else None,
            help="Somme, sur les réseaux du territoire, de leurs raccrochés / part de l'année habituellement atteinte "
                 "à la date de leur dernier bilan.",
            **_trend(diff, fmt.signed_number(diff), True), **t.figure("projection", "expected"),
            **_changed(diff, "count")),
        "ecart_objectif": Tile(
            "Écart à l'objectif", t.text("ecart_objectif"), status.label, tone=status.tone, kind="count",
            number=shown.get("ecart_objectif"), mark=t.marks.get("ecart_objectif"), status=status,
            help="Raccrochés de l'année − objectif : l'année est close, il n'y a plus de projection."),
    }


def _absence_tile(row: dict | None, rate: Column | None) -> Tile:
    label = "Absentéisme (tous établissements)"
    if row is None or rate is None:
        return Tile(label, fmt.MISSING, "aucune donnée", source=ABSENCE)
    mark = disclosure_marks.SECONDARY if row.get("masque") else None
    diff = row.get("evolution")
    return Tile(label, cell_text(rate, row["taux"], mark), "élèves à 4 demi-journées ou plus",
                context="sur un an, mêmes mois", source=ABSENCE, **_trend(diff, fmt.signed_points(diff), False),
                kind="rate", number=None if mark else rounded(rate, row["taux"]), mark=mark,
                change_number=rounded(POINTS, diff))

