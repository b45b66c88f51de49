"""The key-figures tiles: large numbers with their change on last year at the same date.

The deck and the page's preview show the same tiles: the deck writes ``change`` ("▲ +18 par
rapport au 31 août 2014"), the page shows ``delta`` and ``context`` in a Streamlit metric.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import fmt
from dashboard.disclosure import marks
from dashboard.publish import catalog
from dashboard.publish import text as publish_text
from dashboard.publish.columns import Column, Kind
from dashboard.slides.model import DeckContent
from queries import raccrochage_position as position
from queries.raccrochage_rules import rate_name
from queries.statuses import STATUS_LABELS

ARROWS = {"up": "▲", "down": "▼", "off": "="}
POINTS = Column("evolution", "Évolution", Kind.POINTS)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    note: str | None = None  # a short line under the value
    delta: str | None = None  # the change, formatted: "+18", "−11,3 pt", "écart +8 (+4,7 %)"
    context: str = ""  # what the change compares with: "par rapport au 31 août 2014"
    direction: str = "off"  # up | down | off
    tone: str = "neutral"  # good | bad | neutral
    source: str = "raccrochage"  # the slide that details it
    kind: str = "count"  # count | expected | rate: what ``number`` is (the workbook writes it so)
    number: float | None = None  # the figure as a number (None when masked or missing)
    change_number: float | None = None  # the change as a number (a count, or a difference of rates)
    mark: str | None = None  # disclosure mark when the figure is masked

    @property
    def change(self) -> str | None:
        """One line for the deck: "▲ +18 par rapport au 31 août 2014"."""
        if self.delta is None:
            return None
        return " ".join(t for t in (ARROWS[self.direction], self.delta, self.context) if t)


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


def _text(content: DeckContent, key: str) -> str:
    """The French text of a figure of the situation, or its secrecy mark."""
    return publish_text.cell_text(catalog.RACCROCHAGE[key], content.shown[key], content.marks.get(key))


def _figure(content: DeckContent, key: str, kind: str = "count") -> dict:
    """The tile fields of the figure ``key``: kind, number as shown, mark."""
    value = content.shown[key]
    number = value if kind == "expected" else publish_text.rounded(catalog.RACCROCHAGE[key], value)
    return {"kind": kind, "number": number, "mark": content.marks.get(key)}


def _changed(diff, kind: str) -> dict:
    column = catalog.RACCROCHAGE["raccroches"] if kind == "count" else POINTS
    return {"change_number": publish_text.rounded(column, diff)}


def tiles(content: DeckContent) -> list[Tile]:
    """Eight tiles (four on raccrochage against the target, three on the funnel, one on
    absenteeism), each with its change on the previous school year when it is known."""
    s, shown = content.situation, content.shown
    since = f"par rapport au {fmt.date_long(s['periode_fin_n1'])}" if s.get("periode_fin_n1") else ""
    same_date = "sur un an, même date"
    out = []
    diff = _sub(shown["raccroches"], shown["raccroches_n1"])
    out.append(Tile("Raccrochés depuis la rentrée", _text(content, "raccroches"),
                    f"au {fmt.date_long(s['periode_fin'])}" if s["periode_fin"] else "aucun bilan reçu",
                    context=since, **_trend(diff, fmt.signed_number(diff), True), **_figure(content, "raccroches"),
                    **_changed(diff, "count")))
    diff = _sub(shown["taux_atteinte"], shown["taux_atteinte_n1"])
    value = _text(content, "taux_atteinte") if s["objectif"] is not None else fmt.MISSING
    note = f"Objectif : {fmt.integer(s['objectif'])}" if s["objectif"] is not None else "aucun objectif fixé"
    out.append(Tile("Taux d'atteinte de l'objectif", value, note, context=same_date,
                    **_trend(diff, fmt.signed_points(diff), True), **_figure(content, "taux_atteinte", "rate"),
                    **_changed(diff, "rate")))
    if position.is_closed(s.get("phase")):
        out += _closed_tiles(content)
    else:
        out += _trajectory_tiles(content)
    diff = _sub(shown["jeunes_signales"], shown["jeunes_signales_n1"])
    out.append(Tile("Jeunes signalés", _text(content, "jeunes_signales"), "depuis la rentrée", context=since,
                    source="entonnoir", **_trend(diff, fmt.signed_number(diff), None),
                    **_figure(content, "jeunes_signales"), **_changed(diff, "count")))
    diff = _sub(shown["taux_contact"], shown["taux_contact_n1"])
    out.append(Tile("Taux de contact", _text(content, "taux_contact"), "contactés / signalés", context=same_date,
                    source="entonnoir", **_trend(diff, fmt.signed_points(diff), True),
                    **_figure(content, "taux_contact", "rate"), **_changed(diff, "rate")))
    diff = _sub(shown["part_solution"], shown["part_solution_n1"])
    out.append(Tile(rate_name("part_solution"), _text(content, "part_solution"),
                    "solutions proposées / signalés", context=same_date, source="entonnoir",
                    **_trend(diff, fmt.signed_points(diff), True), **_figure(content, "part_solution", "rate"),
                    **_changed(diff, "rate")))
    out.append(_absence_tile(content))
    return out


def projection_note(statut: str | None) -> str:
    """What the projection means, in the words of the status rule (``raccrochage_position``)."""
    return {"en_avance": "au rythme actuel : objectif atteint", "en_retard": "au rythme actuel : objectif non atteint",
            "sur_trajectoire": "au rythme actuel : proche de l'objectif"}.get(statut or "", "au rythme actuel")


def _trajectory_tiles(content: DeckContent) -> list[Tile]:
    s, shown = content.situation, content.shown
    gap = _sub(shown["raccroches"], s["attendu"])
    trend = _trend(gap, fmt.signed_number(gap), True)
    if trend and shown["ecart"] is not None:
        trend["delta"] += f" ({fmt.signed_percent(shown['ecart'])})"
    trend["tone"] = {"en_avance": "good", "en_retard": "bad"}.get(s["statut"], "neutral")
    status = STATUS_LABELS[s["statut"] or "inconnu"] if s["attendu"] is not None else "pas de trajectoire"
    out = [Tile("Attendu à cette date", _text(content, "attendu"), status,
                context="d'écart à la trajectoire", **trend, **_figure(content, "attendu", "expected"),
                **_changed(gap, "count"))]
    diff = _sub(shown["projection"], s["objectif"])
    out.append(Tile("Projection en fin d'année", _text(content, "projection"), projection_note(s["statut"]),
                    context="par rapport à l'objectif", **_trend(diff, fmt.signed_number(diff), True),
                    **_figure(content, "projection", "expected"), **_changed(diff, "count")))
    return out


def _closed_tiles(content: DeckContent) -> list[Tile]:
    """A closed year: the target and the gap to it, no trajectory and no projection."""
    s, shown = content.situation, content.shown
    status = STATUS_LABELS.get(s["statut"] or "inconnu", "")
    incomplete = s.get("phase") == position.CLOSED_INCOMPLETE
    tone = {position.REACHED: "good", position.NOT_REACHED: "bad"}.get(s["statut"], "neutral")
    gap = shown.get("ecart_objectif")
    return [
        Tile("Objectif de l'année", _text(content, "objectif"), "année close" + (", bilans incomplets"
                                                                                if incomplete else ""),
             **_figure(content, "objectif")),
        Tile("Écart à l'objectif", _text(content, "ecart_objectif"), status, tone=tone, kind="count",
             number=gap, mark=content.marks.get("ecart_objectif")),
    ]


def _absence_tile(content: DeckContent) -> Tile:
    label = "Absentéisme (tous établissements)"
    a = content.absence
    if a is None or a.ensemble is None:
        return Tile(label, fmt.MISSING, "aucune donnée", source="absenteisme")
    row = a.ensemble
    mark = marks.SECONDARY if row.get("masque") else None
    rate = catalog.absence_columns(content.annee, content.annee_n1)["taux"]
    diff = row.get("evolution")
    return Tile(label, publish_text.cell_text(rate, row["taux"], mark), "élèves à 4 demi-journées ou plus",
                context="sur un an, mêmes mois", source="absenteisme", **_trend(diff, fmt.signed_points(diff), False),
                kind="rate", number=None if mark else publish_text.rounded(rate, row["taux"]), mark=mark,
                change_number=publish_text.rounded(POINTS, diff))
