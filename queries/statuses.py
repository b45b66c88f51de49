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
    def arrow(self) -> str:
        """The icon as a text character (« ↘ »): the strip's legend, the mark after a name on the map."""
        return _ARROWS[self]

    @property
    def marker(self) -> str:
        """The symbol before the label in a sentence or a hover text (« ▼ En retard »)."""
        return _MARKERS[self]

    @property
    def tone(self) -> str:
        """good | bad | neutral: the colour of a key figure's change, the kind of an alert box."""
        return _TONES.get(self, "neutral")

    @property
    def tint(self) -> str:
        """The named colour of Streamlit's coloured text and deltas (« :orange[…] »)."""
        return _TINTS[self]

    @property
    def order(self) -> int:
        return list(Status).index(self)

    @property
    def closed(self) -> bool | None:
        """True for the statuses of a closed year, False for those of an open one, None for « inconnu »."""
        return None if self is Status.INCONNU else self in (Status.ATTEINT, Status.NON_ATTEINT)

    @property
    def trajectory_words(self) -> str | None:
        """« en retard sur » (sa trajectoire): the open statuses in a sentence; None otherwise."""
        return _WORDS.get(self, (None, None, None))[0]

    @property
    def projection_note(self) -> str:
        """What the projection at the current pace means, under a key figure."""
        note = _WORDS.get(self, (None, None, None))[1]
        return f"au rythme actuel : {note}" if note else "au rythme actuel"

    @property
    def projection_clause(self) -> str | None:
        """The end of the projection's sentence (« : l'objectif ne serait pas atteint »)."""
        return _WORDS.get(self, (None, None, None))[2]

    @classmethod
    def of(cls, value: str | None) -> Status:
        """The status of a row (None: « inconnu »)."""
        return cls(value or cls.INCONNU)

    @classmethod
    def of_year(cls, closed: bool) -> tuple[Status, ...]:
        """The statuses a territory can have in an open or a closed year, worst first, then « inconnu »."""
        return tuple(s for s in cls if s.closed in (closed, None))


_LABELS = {Status.EN_AVANCE: "En avance", Status.SUR_TRAJECTOIRE: "Sur la trajectoire", Status.EN_RETARD: "En retard",
           Status.INCONNU: "Données insuffisantes", Status.ATTEINT: "Objectif atteint",
           Status.NON_ATTEINT: "Objectif non atteint"}
_COLORS = {Status.EN_AVANCE: "#009E73", Status.SUR_TRAJECTOIRE: "#0072B2", Status.EN_RETARD: "#D55E00",
           Status.INCONNU: UNKNOWN_GREY, Status.ATTEINT: "#009E73", Status.NON_ATTEINT: "#D55E00"}
_ICONS = {Status.EN_RETARD: "south_east", Status.NON_ATTEINT: "close", Status.SUR_TRAJECTOIRE: "east",
          Status.EN_AVANCE: "north_east", Status.ATTEINT: "check", Status.INCONNU: "remove"}
_ARROWS = {Status.EN_RETARD: "↘", Status.NON_ATTEINT: "✗", Status.SUR_TRAJECTOIRE: "→", Status.EN_AVANCE: "↗",
           Status.ATTEINT: "✓", Status.INCONNU: "–"}
_MARKERS = {Status.EN_RETARD: "▼", Status.NON_ATTEINT: "✗", Status.SUR_TRAJECTOIRE: "●", Status.EN_AVANCE: "▲",
            Status.ATTEINT: "✓", Status.INCONNU: "○"}
_TONES = {Status.EN_AVANCE: "good", Status.ATTEINT: "good", Status.EN_RETARD: "bad", Status.NON_ATTEINT: "bad"}
_TINTS = {Status.EN_RETARD: "orange", Status.NON_ATTEINT: "orange", Status.SUR_TRAJECTOIRE: "blue",
          Status.EN_AVANCE: "green", Status.ATTEINT: "green", Status.INCONNU: "gray"}
#: (position against the trajectory, the projection under a key figure, the projection in a sentence)
_WORDS = {Status.EN_RETARD: ("en retard sur", "objectif non atteint", " : l'objectif ne serait pas atteint"),
          Status.SUR_TRAJECTOIRE: ("sur", "proche de l'objectif", ", proche de l'objectif"),
          Status.EN_AVANCE: ("en avance sur", "objectif atteint", " : l'objectif serait atteint")}


def icon_meanings() -> dict[str, str]:
    """Material icon name → the status it stands for, in French (« close » → « objectif non atteint »)."""
    return {s.icon: s.label.lower() for s in _ICONS}


#: Views for the declarations that take a mapping (keys are the statuses' plain strings).
STATUS_LABELS: dict[str, str] = {s.value: s.label for s in _LABELS}
STATUS_COLORS: dict[str, str] = {s.value: s.color for s in _COLORS}
STATUS_ICONS: dict[str, str] = {s.value: s.icon for s in _ICONS}
STATUS_ORDER: dict[str, int] = {s.value: s.order for s in Status}
