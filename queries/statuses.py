"""The status of a territory against its trajectory (raccrochage): one vocabulary for every channel.

``Status`` is decided in ``queries.raccrochage_rules.status_from_gap`` (open year) and
``queries.raccrochage_position`` (closed year: atteint / non atteint); pages, maps, decks and files
show its ``label``, ``color`` and ``icon``. The dictionaries below are views of the enumeration, for
the declarations that take a mapping (``publish.columns.Column``).
"""

from __future__ import annotations

from enum import StrEnum

#: The grey of « données insuffisantes »: darker than the light grey of last year's bars (WCAG 1.4.11).
UNKNOWN_GREY = "#8A8A8A"


class Status(StrEnum):
    """Worst first (``order``). Every colour stands out from the white background by at least 3:1
    (WCAG 1.4.11, chart elements); a status never rests on colour alone (``icon``, ``label``)."""

    EN_RETARD = "en_retard"
    NON_ATTEINT = "non_atteint"
    SUR_TRAJECTOIRE = "sur_trajectoire"
    EN_AVANCE = "en_avance"
    ATTEINT = "atteint"
    INCONNU = "inconnu"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def color(self) -> str:
        return _COLORS[self]

    @property
    def icon(self) -> str:
        """The Material icon beside a territory's name where its status shows (Accueil's strip)."""
        return _ICONS[self]

    @property
    def order(self) -> int:
        return list(Status).index(self)


_LABELS = {Status.EN_AVANCE: "En avance", Status.SUR_TRAJECTOIRE: "Sur la trajectoire", Status.EN_RETARD: "En retard",
           Status.INCONNU: "Données insuffisantes", Status.ATTEINT: "Objectif atteint",
           Status.NON_ATTEINT: "Objectif non atteint"}
_COLORS = {Status.EN_AVANCE: "#009E73", Status.SUR_TRAJECTOIRE: "#0072B2", Status.EN_RETARD: "#D55E00",
           Status.INCONNU: UNKNOWN_GREY, Status.ATTEINT: "#009E73", Status.NON_ATTEINT: "#D55E00"}
_ICONS = {Status.EN_RETARD: "south_east", Status.NON_ATTEINT: "close", Status.SUR_TRAJECTOIRE: "east",
          Status.EN_AVANCE: "north_east", Status.ATTEINT: "check", Status.INCONNU: "remove"}

#: Views for the declarations that take a mapping (keys are the statuses' plain strings).
STATUS_LABELS: dict[str, str] = {s.value: s.label for s in _LABELS}
STATUS_COLORS: dict[str, str] = {s.value: s.color for s in _COLORS}
STATUS_ICONS: dict[str, str] = {s.value: s.icon for s in _ICONS}
STATUS_ORDER: dict[str, int] = {s.value: s.order for s in Status}
