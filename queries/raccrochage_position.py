"""A territory's position in the school year (docs/architecture.md, "Rules across the layers"): the one model every page, the map, the
comparison, the deck, the commentary and the figures export read.

Phases:

* ``en_cours`` — the year is open and every network of the territory sent the latest bilan
  received in the académie: trajectory status, expected level and projection;
* ``provisoire`` — the year is open but some networks have not sent it yet (« chiffres
  provisoires »): the same figures, each network counted **at its own last bilan**;
* ``close`` — the year is closed (the July–August bilan has been received by a network, or a later
  school year has bilans) and every network sent its last bilan: no projection, no trajectory,
  « objectif atteint / non atteint », the final rate and the gap to the target;
* ``close_incomplete`` — closed, but some networks' last bilans are missing.

Aggregates respect each network's own date: a territory's raccrochés are the sum of its
networks' (each up to its last bilan), its **expected level** the sum of its networks' expected
levels at their own last bilan (scaled to the territory's own target when it differs from the sum
of its networks' targets: the expected share of the year is the networks' shares weighted by their
targets), its **projection** the sum of its networks' projections. The status then
follows one rule linking the gap and the projection, so that the headline never contradicts itself:

* ``en_avance`` when the gap to the trajectory is at least +5 % **and** the projection reaches the
  target;
* ``en_retard`` when the gap is at most −5 % **and** the projection falls short of the target;
* ``sur_trajectoire`` otherwise (« proche de l'objectif »).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from dashboard.schoolyear import month_rank
from dashboard.store import db
from queries.raccrochage_rules import STATUS_THRESHOLDS
from queries.statuses import Status

OPEN, PROVISIONAL, CLOSED, CLOSED_INCOMPLETE = "en_cours", "provisoire", "close", "close_incomplete"
PHASES = (OPEN, PROVISIONAL, CLOSED, CLOSED_INCOMPLETE)
PHASE_LABELS = {
    OPEN: "Année en cours",
    PROVISIONAL: "Chiffres provisoires",
    CLOSED: "Année close",
    CLOSED_INCOMPLETE: "Année close, bilans incomplets",
}
#: Rank of the last bimonthly period of a school year (July–August).
LAST_RANK = 11
REACHED, NOT_REACHED = Status.ATTEINT, Status.NON_ATTEINT


@dataclass(frozen=True)
class YearState:
    """What the académie's bilans say about a school year (a date, never a figure)."""

    annee: str
    latest: str | None  # last day of the latest period received by any network
    closed: bool

    def phase(self, own_dates: Sequence[str | None]) -> str:
        """The phase of a territory whose networks' last bilans are ``own_dates``."""
        if self.latest is None:  # nothing received in the académie that year
            return CLOSED if self.closed else OPEN
        late = any(d is None or (self.latest is not None and d < self.latest) for d in own_dates)
        if self.closed:
            return CLOSED_INCOMPLETE if late else CLOSED
        return PROVISIONAL if late else OPEN


def year_state(conn: Connection, annee: str) -> YearState:
    """Closed when a network sent the July–August bilan or a later school year has bilans."""
    b = db.bilans
    latest = conn.execute(select(func.max(b.c.periode_fin)).where(b.c.annee_scolaire == annee)).scalar()
    later = conn.execute(select(func.count()).select_from(b).where(b.c.annee_scolaire > annee)).scalar()
    closed = bool(later) or (latest is not None and month_rank(latest) == LAST_RANK)
    return YearState(annee, latest, closed)


def is_closed(phase: str | None) -> bool:
    return phase in (CLOSED, CLOSED_INCOMPLETE)


#: The figures of a trajectory (situation columns): without meaning once the year is closed, where
#: the gap to the target (``ecart_objectif``) takes their place.
TRAJECTORY_FIGURES = ("attendu", "ecart", "projection")
CLOSED_GAP = "ecart_objectif"
NOT_APPLICABLE = "sans objet"


def year_columns(columns: Sequence[str], phase: str | None) -> tuple[str, ...]:
    """The situation columns a table of ``phase`` shows: an open year its trajectory (expected
    level, gap, projection), a closed year the gap to the target in their place."""
    if not is_closed(phase):
        return tuple(c for c in columns if c != CLOSED_GAP)
    out: list[str] = []
    for column in columns:
        if column in TRAJECTORY_FIGURES:
            if CLOSED_GAP not in out and CLOSED_GAP not in columns:
                out.append(CLOSED_GAP)
        else:
            out.append(column)
    return tuple(out)


def not_applicable(phase: str | None) -> tuple[str, ...]:
    """The trajectory figures that have no meaning in ``phase`` (written « sans objet »), with the
    seasonal profile the trajectory is drawn from."""
    return (*TRAJECTORY_FIGURES, "profil_source") if is_closed(phase) else ()


# --- the trajectory of an aggregate (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class NetworkPoint:
    """One network at its own last bilan: raccrochés since the rentrée, the share of the year its
    seasonal profile expects by then, its target."""

    code: str
    raccroches: int | None  # None: no bilan this year
    share: float | None  # None: no bilan this year
    objectif: int | None

    @property
    def attendu(self) -> float | None:
        if self.objectif is None:
            return None
        return self.objectif * (self.share or 0.0)

    @property
    def projection(self) -> float | None:
        return self.raccroches / self.share if self.raccroches is not None and self.share else None


def expected_share(points: Sequence[NetworkPoint]) -> float | None:
    """The share of the year expected by the networks' own dates, weighted by their targets (a
    network without any bilan counts for 0; a network without a target has no weight); when no
    network has a target, the mean share of the networks that reported."""
    weighted = [p for p in points if p.objectif is not None]
    total = sum(p.objectif for p in weighted)
    if weighted and total > 0:
        return sum(p.objectif * (p.share or 0.0) for p in weighted) / total
    reported = [p.share for p in points if p.share is not None]
    return sum(reported) / len(reported) if reported else None


def status(ecart: float | None, projection: float | None, objectif: int | None) -> Status:
    """The status from the gap and the projection (the headline rule of the module docstring)."""
    if ecart is None:
        return Status.INCONNU
    reaches = projection is None or objectif is None or projection >= objectif
    if ecart >= STATUS_THRESHOLDS[Status.EN_AVANCE] and reaches:
        return Status.EN_AVANCE
    falls_short = projection is None or objectif is None or projection < objectif
    if ecart <= STATUS_THRESHOLDS[Status.EN_RETARD] and falls_short:
        return Status.EN_RETARD
    return Status.SUR_TRAJECTOIRE


def closed_status(raccroches: int | None, objectif: int | None) -> Status:
    if raccroches is None or objectif is None:
        return Status.INCONNU
    return REACHED if raccroches >= objectif else NOT_REACHED


def evaluate(points: Sequence[NetworkPoint], objectif: int | None, closed: bool) -> dict:
    """Expected level, gap, status, projection of a territory made of ``points`` (one network or
    many), for a target ``objectif``; a closed year has no trajectory: only reached or not."""
    reported = [p for p in points if p.raccroches is not None]
    cumul = sum(p.raccroches for p in reported) if reported else None
    gap_to_target = cumul - objectif if cumul is not None and objectif is not None else None
    if closed:
        return {"attendu": None, "ecart": None, "projection": None, "projection_atteint": None,
                "statut": closed_status(cumul, objectif), "ecart_objectif": gap_to_target}
    share = expected_share(points) if reported else None
    attendu = objectif * share if objectif is not None and share is not None else None
    projections = [p.projection for p in reported]
    projection = sum(projections) if projections and all(v is not None for v in projections) else None
    ecart = (cumul - attendu) / attendu if cumul is not None and attendu else None
    return {
        "attendu": attendu,
        "ecart": ecart,
        "projection": projection,
        "projection_atteint": (projection >= objectif) if projection is not None and objectif is not None else None,
        "statut": status(ecart, projection, objectif),
        "ecart_objectif": gap_to_target,
    }
