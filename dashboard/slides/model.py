"""What a deck shows, as data: ``DeckContent`` (gathered by ``content.gather``, drawn by ``deck``,
tabulated by ``workbook``), its map's key, highlights, absenteeism and prevention parts."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from dashboard import academie as academie_of
from dashboard.academie import Academie
from queries import territoires as tq


@dataclass(frozen=True)
class MapKey:
    """What the slide writes beside the map (``staticmap.SlideMap``): the legend, the method, the
    map's printed size (the picture is placed at that size, so its labels are ``label_pt``)."""

    title: str
    legend: tuple[tuple[str, str, str], ...]  # (kind, colour, label)
    method: str
    width_in: float
    height_in: float
    label_pt: float
    label_boxes: tuple[tuple[float, float, float, float], ...] = ()  # each label's box on the map, inches


@dataclass(frozen=True)
class Highlight:
    """One generated sentence and the slide whose figures it quotes."""

    text: str
    slide: str  # a key of ``deck.SLIDE_TITLES``


@dataclass(frozen=True)
class Absence:
    """Absenteeism of the territory: yearly rates per school type, masked by the query module."""

    par_type: pl.DataFrame  # groupe, taux, taux_precedent, evolution, masque (types present, in order)
    ensemble: dict | None  # the same columns for all schools
    references: dict[str, float]  # school type → national rate (fraction)
    reference_annee: str | None  # school year of the national references used
    reference_source: str | None
    reference_estimee: bool  # some references of that year are estimated (LPO, EREA), not published
    mois: tuple[str, str] | None  # first and last month with data this year
    references_estimees: frozenset[str] = frozenset()  # school types whose national rate is estimated


@dataclass(frozen=True)
class Prevention:
    """Prevention of the territory (``queries.prevention_figures`` and ``queries.prevention``):
    referent coverage, the GPDS chain per 1 000 pupils against the académie, « angles morts »."""

    figures: dict  # ``figures_contribution``: the export's keys, ``masque``, ``secret``
    chain: dict  # the territory's row of ``queries.prevention.chain``
    academie: dict | None  # the académie's row (None when the territory is the académie)
    spots: dict  # ``blind_spot_counts``


@dataclass(frozen=True)
class DeckContent:
    territory: tq.Territory
    annee: str
    annee_n1: str
    demo: bool
    generated_on: str  # ISO date of generation
    situation: dict  # raw (status, target, expected level are never masked)
    shown: dict  # after disclosure
    masked: tuple[str, ...]
    marks: dict  # masked key → disclosure mark (PRIMARY « < 5 », SECONDARY « s »)
    periodes: pl.DataFrame  # rq.PERIOD_SCHEMA, disclosed
    historique: pl.DataFrame  # rq.HISTORY_SCHEMA, disclosed
    trajectoire: pl.DataFrame  # rq.TRAJECTORY_SCHEMA
    solutions_n1: dict | None  # solution column → raccrochés at the same date last year, disclosed
    sous_territoires: pl.DataFrame  # rq.SITUATION_SCHEMA + cellules_masquees, one level below
    reseaux: pl.DataFrame  # every network of the territory, when they are not the level below
    absence: Absence | None
    map_png: bytes | None
    highlights: tuple[Highlight, ...] = field(default=())
    late: tuple[tuple[str, str | None], ...] = field(default=())  # networks without the latest bilan: (name, last)
    prevention: Prevention | None = None  # None: no referent nor GPDS activity declared that year
    solutions_n1_marks: dict = field(default_factory=dict)  # the decided marks of ``solutions_n1``
    academie: Academie = field(default_factory=lambda: academie_of.from_code(None))  # the database's
    map_key: MapKey | None = None  # the legend and size of ``map_png``

    @property
    def academie_name(self) -> str:
        """« Académie de Rennes »: the deck's banner and the reference series."""
        return self.academie.titre

    @property
    def periode_fin(self) -> str | None:
        """Date of the data: the last bilan period received."""
        return self.situation.get("periode_fin")

    @property
    def has_bilans(self) -> bool:
        return self.periode_fin is not None
