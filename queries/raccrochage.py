"""Raccrochage against targets: totals, targets, seasonal trajectory, status, per-period series.

Everything the Accueil and Raccrochage pages, the figures export and the slides show about
raccrochage comes from here (no Streamlit). This module owns ``detail`` (one territory and school
year, raw and with the year's secrecy decision applied: ``Published``) and the raccrochage keys of
the figures export; the parts it assembles live beside it: ``raccrochage_load`` (what a query
reads), ``raccrochage_situation`` (one row per territory), ``raccrochage_series`` (periods,
previous years, trajectory), ``raccrochage_rules``, ``_networks``, ``_position``, ``_suppression``.

Definitions (documented for users in ``dashboard/docs/methodologie/30-raccrochage.md``):

* **raccrochés** — sum of the six solution columns of the bilans (``db.SOLUTION_COLUMNS``).
  Bilans hold flows per two-month period; totals since the rentrée are sums over the school
  year's periods, and a PSAD, department or the académie is the sum of its networks.
* **objectif** — the target set at a level is used at that level; a level without one gets the
  sum of its children's targets (recursively; ``None`` when there is no target anywhere below).
* **seasonal profile** — share of a year's raccrochés reached at the end of each month of the
  school year (rank 0 = September … 11 = August), averaged over the previous *complete* school
  years of the same territory; fallback: the académie's profile, then ``DEFAULT_PROFILE_POINTS``.
* **niveau attendu** (expected level) at the last period received = objectif × profile share at
  that period; **projection** to the end of the year at the current pace = raccrochés / share.
* **statut** from the gap (raccrochés − attendu) / attendu and ``STATUS_THRESHOLDS``.
* **same date last year** — the previous school year cumulated up to the period ending in the same
  month.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.disclosure import cells as dc
from dashboard.disclosure import marks as disclosure_marks
from queries import raccrochage_position as position
from queries import territoires as tq
from queries.raccrochage_load import Data, load
from queries.raccrochage_rules import (
    EXPORT_KEYS,
    SOLUTION_COLUMNS,
    published_frame,
    published_periods,
    published_row,
)
from queries.raccrochage_series import history_frame, period_frame, trajectory_frame
from queries.raccrochage_situation import SITUATION_SCHEMA, below, situation, situation_rows, sort_by_status

# --- one territory and school year, raw and published -----------------------------------------------------


@dataclass(frozen=True)
class Published:
    """What every channel shows of one territory and school year: the figures with the year's
    secrecy decision applied (masked values None, their marks beside them)."""

    situation: dict  # SITUATION_SCHEMA, masked values None
    marks: dict[str, str]  # key of ``situation`` → « primary » / « secondary »
    periodes: pl.DataFrame  # PERIOD_SCHEMA + cellules_masquees, non_publie
    historique: pl.DataFrame  # HISTORY_SCHEMA + cellules_masquees, non_publie
    sous_territoires: pl.DataFrame  # SITUATION_SCHEMA + cellules_masquees
    reseaux: pl.DataFrame  # SITUATION_SCHEMA + cellules_masquees
    solutions_n1: dict | None  # types of solution at the same date last year (None: not published)
    solutions_n1_marks: dict[str, str]

    @property
    def any_masked(self) -> bool:
        return bool(self.marks) or any(self.periodes["cellules_masquees"].to_list()) or any(
            self.historique["cellules_masquees"].to_list())

    def own_frame(self) -> pl.DataFrame:
        """The territory's own row as a one-row published frame (a network's table)."""
        row = {k: self.situation.get(k) for k in SITUATION_SCHEMA}
        frame = pl.DataFrame([row], schema=SITUATION_SCHEMA)
        return frame.with_columns(pl.Series("cellules_masquees", [disclosure_marks.encode_marks(self.marks)],
                                            dtype=pl.String))


@dataclass(frozen=True)
class Detail:
    """Everything the raccrochage pages show for one territory and school year: the raw rows (for
    the rules of the queries layer) and ``publie``, what channels render."""

    situation: dict
    periodes: pl.DataFrame  # PERIOD_SCHEMA
    historique: pl.DataFrame  # HISTORY_SCHEMA
    trajectoire: pl.DataFrame  # TRAJECTORY_SCHEMA
    sous_territoires: pl.DataFrame  # SITUATION_SCHEMA, one level below
    reseaux: pl.DataFrame  # SITUATION_SCHEMA, every network of the territory
    profil_source: str
    solutions_n1: dict | None  # solution columns → raccrochés, same date last year (None: no data)
    solutions_n1_marks: dict = field(default_factory=dict)  # their decided secrecy marks
    publie: Published | None = None


def publish(detail_: Detail) -> Published:
    """The year's decision applied to every part of ``detail_`` (``raccrochage_rules.published_*``)."""
    shown, marks = published_row(detail_.situation)
    return Published(
        situation=shown,
        marks=marks,
        periodes=published_periods(detail_.periodes),
        historique=published_periods(detail_.historique),
        sous_territoires=published_frame(detail_.sous_territoires),
        reseaux=published_frame(detail_.reseaux),
        solutions_n1=_published_solutions_n1(detail_),
        solutions_n1_marks=detail_.solutions_n1_marks,
    )


def detail(conn: Connection, scope: Scope, code: str, annee: str) -> Detail:
    """One call for a page: situation, period series, history, trajectory, sub-territories (raw),
    and ``publie``: the same with the year's secrecy decision applied."""
    data = load(conn, scope, code, annee)
    children, networks = below(data, None), below(data, "reseau")
    unique = {t.code: t for t in (data.territory, *children, *networks)}
    rows = {row["code"]: row for row in situation_rows(data, list(unique.values()))}  # one pass for all
    sit = rows[data.territory.code]

    def frame(territories):
        return sort_by_status(pl.DataFrame([rows[t.code] for t in territories], schema=SITUATION_SCHEMA))

    raw = Detail(
        situation=sit,
        periodes=period_frame(data),
        historique=history_frame(data),
        trajectoire=trajectory_frame(data),
        sous_territoires=frame(children),
        reseaux=frame(networks),
        profil_source=sit["profil_source"],
        solutions_n1=_solutions_same_date_last_year(data, data.territory),
        solutions_n1_marks=solutions_n1_marks(data.marks, data.annee, data.territory.code),
    )
    return replace(raw, publie=publish(raw))


def _solutions_same_date_last_year(data: Data, territory: tq.Territory) -> dict | None:
    """Raccrochés by type of solution at the same date last year: each network of the territory up
    to the rank of its own last bilan (raw), with the decided marks under ``"secret"``."""
    members = [data.networks[r] for r in territory.reseaux if r in data.networks]
    previous = [m for m in members if m.counts is not None and m.counts_n1 is not None]
    if not previous:
        return None
    out = {c: sum(m.counts_n1[c] for m in previous) for c in SOLUTION_COLUMNS}
    return out


def _published_solutions_n1(detail_: Detail) -> dict | None:
    """The types of solution at the same date last year, masked as decided (None: no data, or a PSAD
    or a network, for which they are not published: ``dc.n1_columns``)."""
    if detail_.solutions_n1 is None or detail_.situation["niveau"] in dc.SMALL_LEVELS:
        return None
    return {c: None if c in detail_.solutions_n1_marks else v for c, v in detail_.solutions_n1.items()}


def solutions_n1_marks(data_marks: dict, annee: str, code: str) -> dict[str, str]:
    """The decided marks of the types of solution at the same date last year."""
    return {c: m for c in SOLUTION_COLUMNS
            if (m := data_marks.get(dc.Key(annee, code, dc.N1, "", c)))}

# --- figures export contribution -------------------------------------------------------------------------


def figures_contribution(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """The raccrochage keys of the figures export (``queries.figures``), masked at network/PSAD
    level: masked keys are None, listed in ``masque`` and marked in ``secret``."""
    masked_sit, marks = published_row(situation(conn, scope, code, annee))
    out: dict = {}
    for column, key in EXPORT_KEYS.items():
        parent, _, child = key.partition(".")
        if child:
            out.setdefault(parent, {})[child] = masked_sit[column]
        else:
            out[key] = masked_sit[column]
    secret = {EXPORT_KEYS[k]: mark for k, mark in marks.items() if k in EXPORT_KEYS}
    out["masque"] = list(secret)
    out["secret"] = secret
    # a closed year has no trajectory: its figures are « sans objet », not missing
    out["sans_objet"] = [EXPORT_KEYS[k] for k in position.not_applicable(masked_sit["phase"])]
    return out
