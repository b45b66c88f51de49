"""Raccrochage against targets: totals, targets, seasonal trajectory, status, per-period series.

Everything the Accueil and Raccrochage pages, the figures export and the slides show about
raccrochage comes from here (no Streamlit).

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

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard import disclosure
from dashboard.access.scope import ACADEMIE, Scope
from dashboard.disclosure import cells as dc
from dashboard.schoolyear import month_rank, previous_year, rank_expr
from dashboard.store import db
from queries import raccrochage_networks as nets
from queries import raccrochage_position as position
from queries import raccrochage_suppression as secrecy
from queries import territoires as tq
from queries.raccrochage_bilans import bilan_rows
from queries.raccrochage_rules import (
    COUNT_COLUMNS,
    DEFAULT_PROFILE_POINTS,
    EXPORT_KEYS,
    SOLUTION_COLUMNS,
    default_profile,
    explicit_targets,
    period_label,
    published_frame,
    published_periods,
    published_row,
    resolve_targets,
    seasonal_profile,
    slot_label,
)
from queries.raccrochage_rules import (
    SOLUTION_KEYS as SOLUTION_KEYS,  # re-exported: read as ``raccrochage.SOLUTION_KEYS``
)
from queries.statuses import STATUS_ORDER  # also read as ``raccrochage.STATUS_ORDER``

# --- loading --------------------------------------------------------------------------------------------

def _yearly_raccroches(conn: Connection, reseaux: Sequence[str], before_year: str) -> pl.DataFrame:
    """Raccrochés summed over ``reseaux`` per school year and period, before ``before_year``."""
    b = db.bilans
    total = sum((b.c[c] for c in SOLUTION_COLUMNS[1:]), b.c[SOLUTION_COLUMNS[0]])
    rows = conn.execute(
        select(b.c.annee_scolaire, b.c.periode_fin, func.sum(total))
        .where(b.c.reseau_code.in_(list(reseaux)), b.c.annee_scolaire < before_year)
        .group_by(b.c.annee_scolaire, b.c.periode_fin)
    ).all()
    frame = pl.DataFrame(
        [(a, p, int(v or 0)) for a, p, v in rows],
        schema={"annee_scolaire": pl.String, "periode_fin": pl.String, "raccroches": pl.Int64}, orient="row",
    )
    return frame.with_columns(rank_expr("periode_fin").alias("rang"))


@dataclass(frozen=True)
class _Data:
    annee: str
    territory: tq.Territory
    index: dict[str, tq.Territory]
    rows: pl.DataFrame  # bilans of the territory's networks, every year up to ``annee``
    academie_profile: tuple[float, ...]
    academie_source: str
    targets: dict[str, int | None]
    targets_n1: dict[str, int | None]
    detail_visible: bool
    marks: dict  # the year's secrecy decision: published key → mark (raccrochage_suppression)
    history_marks: dict  # previous school year → its decision (the lines of previous years)
    state: position.YearState  # open or closed, latest period received in the académie
    networks: dict[str, nets.Network]  # every network of the territory at its own last bilan


def _load(conn: Connection, scope: Scope, code: str, annee: str) -> _Data:
    territory = tq.resolve_territory(conn, scope, code, annee)  # scope check first
    index = tq.territory_index(conn, annee)
    rows = bilan_rows(conn, territory.reseaux, annee)
    academie = index[ACADEMIE]
    if territory.code == ACADEMIE:
        acad_yearly = rows.filter(pl.col("annee_scolaire") < annee)
    else:
        acad_yearly = _yearly_raccroches(conn, academie.reseaux, annee)
    profile = seasonal_profile(acad_yearly, annee)
    source = "academie" if profile is not None else "defaut"
    academie_profile = profile or default_profile()
    return _Data(
        annee=annee,
        territory=territory,
        index=index,
        rows=rows,
        academie_profile=academie_profile,
        academie_source=source,
        targets=resolve_targets(index, explicit_targets(conn, annee)),
        targets_n1=resolve_targets(index, explicit_targets(conn, previous_year(annee))),
        detail_visible=tq.can_view_detail(index, scope, territory.code),
        marks=secrecy.masks(conn, annee),
        history_marks={y: secrecy.masks(conn, y) for y in sorted(set(rows["annee_scolaire"].to_list())) if y < annee},
        state=position.year_state(conn, annee),
        networks=nets.network_table(rows, territory.reseaux, annee, academie_profile),
    )


# --- situation of one territory -------------------------------------------------------------------------

SITUATION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.String,
    "nom": pl.String,
    "libelle": pl.String,
    "niveau": pl.String,
    "parent_code": pl.String,
    "nb_reseaux": pl.Int64,
    "periode_fin": pl.String,
    "periode_fin_min": pl.String,  # the oldest last bilan of its networks (None while one has sent none)
    "rang": pl.Int64,
    **{c: pl.Int64 for c in COUNT_COLUMNS},
    "objectif": pl.Int64,
    "taux_atteinte": pl.Float64,
    "part_profil": pl.Float64,
    "profil_source": pl.String,
    "attendu": pl.Float64,
    "ecart": pl.Float64,
    "statut": pl.String,
    "projection": pl.Float64,
    "projection_atteint": pl.Boolean,
    "taux_contact": pl.Float64,
    "part_solution": pl.Float64,
    "part_raccroches": pl.Float64,
    "contrats_pour_100": pl.Float64,  # contrats FOQUALE per 100 raccrochés
    "periode_fin_n1": pl.String,
    "jeunes_signales_n1": pl.Int64,
    "jeunes_contactes_n1": pl.Int64,
    "solutions_proposees_n1": pl.Int64,
    "raccroches_n1": pl.Int64,
    "contrats_foquale_n1": pl.Int64,
    "objectif_n1": pl.Int64,
    "taux_atteinte_n1": pl.Float64,
    "taux_contact_n1": pl.Float64,
    "part_solution_n1": pl.Float64,
    "masque_complementaire": pl.List(pl.String),  # counts masked to protect other territories' cells
    "phase": pl.String,  # raccrochage_position.PHASES
    "ecart_objectif": pl.Int64,  # raccrochés − objectif (the gap that matters once the year is closed)
    "periode_attendue": pl.String,  # latest period received in the académie that year
    "reseaux_en_retard": pl.List(pl.String),  # networks of the territory without that period's bilan
}


def _ratio(numerator: int | None, denominator: int | float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


N1_COLUMNS = nets.N1_COLUMNS


def _situations(data: _Data, territories: Sequence[tq.Territory]) -> list[dict]:
    """The situation of each territory: sums over its networks, each at its own last bilan
    (``raccrochage_networks``), evaluated by ``raccrochage_position``."""
    out = []
    closed = data.state.closed
    for territory in territories:
        members = [data.networks[r] for r in territory.reseaux if r in data.networks]
        reported = [m for m in members if m.counts is not None]
        objectif = data.targets.get(territory.code)
        row: dict = {
            "code": territory.code,
            "nom": territory.nom,
            "libelle": territory.label,
            "niveau": territory.niveau,
            "parent_code": territory.parent_code,
            "nb_reseaux": len(territory.reseaux),
            "objectif": objectif,
            "profil_source": _profile_source(members, data.academie_source),
            "objectif_n1": data.targets_n1.get(territory.code),
        }
        if reported:
            last = max(m.periode_fin for m in reported)
            dates = [m.periode_fin for m in members]
            oldest = None if any(d is None for d in dates) else min(dates)
            row.update({"periode_fin": last, "periode_fin_min": oldest, "rang": month_rank(last),
                        **{c: sum(m.counts[c] for m in reported) for c in COUNT_COLUMNS}})
        else:
            row.update({"periode_fin": None, "periode_fin_min": None, "rang": None, **dict.fromkeys(COUNT_COLUMNS)})
        points = [position.NetworkPoint(m.code, m.counts["raccroches"] if m.counts else None, m.share,
                                        data.targets.get(m.code)) for m in members]
        row["part_profil"] = position.expected_share(points) if reported else None
        row.update(position.evaluate(points, objectif, closed))
        row["taux_atteinte"] = _ratio(row["raccroches"], row["objectif"])
        row["taux_contact"] = _ratio(row["jeunes_contactes"], row["jeunes_signales"])
        row["part_solution"] = _ratio(row["solutions_proposees"], row["jeunes_signales"])
        row["part_raccroches"] = _ratio(row["raccroches"], row["jeunes_signales"])
        per_one = _ratio(row["contrats_foquale"], row["raccroches"])
        row["contrats_pour_100"] = None if per_one is None else 100 * per_one
        # same date last year: each network's previous school year cumulated up to its own rank
        previous = [m for m in reported if m.counts_n1 is not None]
        row["periode_fin_n1"] = max(m.periode_fin_n1 for m in previous) if previous else None
        row.update({f"{c}_n1": sum(m.counts_n1[c] for m in previous) if previous else None for c in N1_COLUMNS})
        row["taux_atteinte_n1"] = _ratio(row["raccroches_n1"], row["objectif_n1"])
        row["taux_contact_n1"] = _ratio(row["jeunes_contactes_n1"], row["jeunes_signales_n1"])
        row["part_solution_n1"] = _ratio(row["solutions_proposees_n1"], row["jeunes_signales_n1"])
        row["masque_complementaire"] = _decided_marks(data, territory.code)
        row["phase"] = data.state.phase([m.periode_fin for m in members])
        row["periode_attendue"] = data.state.latest
        row["reseaux_en_retard"] = sorted(m.code for m in members
                                          if m.periode_fin is None or (data.state.latest is not None
                                                                       and m.periode_fin < data.state.latest))
        out.append({key: row[key] for key in SITUATION_SCHEMA})
    return out


def _decided_marks(data: _Data, code: str) -> list[str]:
    """The year's secrecy decision for the figures of one territory's situation row, encoded
    (``disclosure.encode_marks``): totals, « même date l'an dernier » (``*_n1``), projection."""
    out: dict[str, str] = {}
    for column in dc.TOTAL_COLUMNS:
        mark = data.marks.get(dc.Key(data.annee, code, dc.TOTAL, "", column))
        if mark:
            out[column] = mark
    for column in dc.N1_COLUMNS:
        mark = data.marks.get(dc.Key(data.annee, code, dc.N1, "", column))
        if mark:
            out[f"{column}_n1"] = mark
    mark = data.marks.get(dc.Key(data.annee, code, dc.PROJECTION, "", dc.RACCROCHES))
    if mark:
        out["projection"] = mark
    return [part.strip() for part in disclosure.encode_marks(out).split(",") if part.strip()]


def _profile_source(members: Sequence[nets.Network], academie_source: str) -> str:
    """Whose history the trajectory follows: the networks' own, the académie's, or a mix."""
    own = [m.own_profile for m in members]
    if own and all(own):
        return "territoire"
    return "mixte" if any(own) else academie_source


def _situation(data: _Data, territory: tq.Territory) -> dict:
    return _situations(data, [territory])[0]


def _situations_frame(data: _Data, territories: Sequence[tq.Territory]) -> pl.DataFrame:
    frame = pl.DataFrame(_situations(data, territories), schema=SITUATION_SCHEMA)
    return sort_by_status(frame)


def sort_by_status(frame: pl.DataFrame) -> pl.DataFrame:
    """Behind first, then on trajectory, ahead, unknown; by gap within a status (a closed year: not
    reached first, by gap to the target)."""
    if frame.is_empty():
        return frame
    order = pl.col("statut").replace_strict(STATUS_ORDER, default=9, return_dtype=pl.Int64)
    return frame.sort([order, pl.col("ecart"), pl.col("ecart_objectif"), pl.col("code")], nulls_last=True)


def _below(data: _Data, niveau: str | None) -> list[tq.Territory]:
    if not data.detail_visible:
        return []
    if niveau == "reseau":
        if data.territory.niveau == "reseau":
            return []
        return [data.index[r] for r in data.territory.reseaux if r in data.index]
    return [t for t in data.index.values() if t.parent_code == data.territory.code]


# --- public query functions -------------------------------------------------------------------------------


def situation(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Where territory ``code`` stands on ``annee`` (raw figures, not masked): totals since the
    rentrée, target, expected level, gap, status, projection, same date last year.
    Keys: ``SITUATION_SCHEMA``."""
    data = _load(conn, scope, code, annee)
    return _situation(data, data.territory)


def situations(conn: Connection, scope: Scope, code: str, annee: str, niveau: str | None = None) -> pl.DataFrame:
    """One row per territory one level below ``code`` (or, with ``niveau="reseau"``, per network
    of ``code``), behind their trajectory first (raw figures, not masked)."""
    data = _load(conn, scope, code, annee)
    return _situations_frame(data, _below(data, niveau))


PERIOD_SCHEMA: dict[str, pl.DataType] = {
    "periode_fin": pl.String,
    "rang": pl.Int64,
    "libelle": pl.String,
    "nb_reseaux": pl.Int64,
    **{c: pl.Int64 for c in COUNT_COLUMNS},
    "raccroches_cumul": pl.Int64,
    "attendu": pl.Float64,
}


def _period_series(data: _Data) -> pl.DataFrame:
    current = data.rows.filter(pl.col("annee_scolaire") == data.annee)
    if current.is_empty():
        return pl.DataFrame(schema={**PERIOD_SCHEMA, SECRET_COLUMN: pl.String})
    profile = _profile_for(data, data.territory)
    objectif = data.targets.get(data.territory.code)
    per = (
        current.group_by("periode_fin", "rang")
        .agg(pl.len().cast(pl.Int64).alias("nb_reseaux"), *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .sort("periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().alias("raccroches_cumul"))
    )
    out = per.with_columns(
        pl.col("periode_fin").map_elements(period_label, return_dtype=pl.String).alias("libelle"),
        pl.col("rang").map_elements(lambda r: objectif * profile[r] if objectif is not None else None,
                                    return_dtype=pl.Float64).alias("attendu"),
    ).select(list(PERIOD_SCHEMA)).cast(PERIOD_SCHEMA)
    code, niveau = data.territory.code, data.territory.niveau
    secret = [_period_marks(data.marks, data.annee, code, niveau, p) for p in out["periode_fin"].to_list()]
    return out.with_columns(pl.Series(SECRET_COLUMN, secret, dtype=pl.String))


SECRET_COLUMN = "secret"  # the decided marks of a period row (``disclosure.encode_marks``)


def _period_marks(marks: dict, annee: str, code: str, niveau: str, periode: str) -> str:
    """The decided marks of one period of a territory: its published columns (by level) and its
    cumulative raccrochés; the columns not published per period are marked « not published »."""
    out = {}
    published = dc.period_columns(niveau)
    for column in (*SOLUTION_COLUMNS, "raccroches", "contrats_foquale"):
        mark = marks.get(dc.Key(annee, code, dc.PERIOD, periode, column))
        if mark:
            out[column] = mark
        elif column not in published:
            out[column] = NOT_PUBLISHED
    mark = marks.get(dc.Key(annee, code, dc.CUMUL, periode, dc.RACCROCHES))
    if mark:
        out["raccroches_cumul"] = mark
    return ", ".join(f"{k}:{m}" for k, m in out.items())


NOT_PUBLISHED = "non_publie"


def _profile_for(data: _Data, territory: tq.Territory) -> tuple[float, ...]:
    """The territory's trajectory as shares of the year: at each month rank, the share its networks'
    own profiles expect, weighted by their targets (``raccrochage_position.expected_share``)."""
    members = [data.networks[r] for r in territory.reseaux if r in data.networks]
    if not members:
        return data.academie_profile
    out = []
    for rank in range(12):
        points = [position.NetworkPoint(m.code, 0, m.profile[rank], data.targets.get(m.code)) for m in members]
        out.append(position.expected_share(points))
    return tuple(out)


def period_series(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Per bimonthly period of ``annee``: the period's counts (flows), cumulative raccrochés and
    the expected level on the target trajectory. Columns: ``PERIOD_SCHEMA``."""
    return _period_series(_load(conn, scope, code, annee))


HISTORY_SCHEMA = {"annee_scolaire": pl.String, "periode_fin": pl.String, "rang": pl.Int64,
                  "raccroches": pl.Int64, "raccroches_cumul": pl.Int64}


def _history(data: _Data) -> pl.DataFrame:
    if data.rows.is_empty():
        return pl.DataFrame(schema=HISTORY_SCHEMA).with_columns(pl.lit(None, dtype=pl.String).alias(SECRET_COLUMN))
    out = (
        data.rows.group_by("annee_scolaire", "periode_fin", "rang")
        .agg(pl.col("raccroches").sum())
        .sort("annee_scolaire", "periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().over("annee_scolaire").alias("raccroches_cumul"))
        .select(list(HISTORY_SCHEMA))
        .cast(HISTORY_SCHEMA)
    )
    code, niveau = data.territory.code, data.territory.niveau
    secret = []
    for annee, periode in out.select("annee_scolaire", "periode_fin").iter_rows():
        marks = data.marks if annee == data.annee else data.history_marks.get(annee, {})
        secret.append(_period_marks(marks, annee, code, niveau, periode) if marks is not None else "")
    return out.with_columns(pl.Series(SECRET_COLUMN, secret, dtype=pl.String))


def yearly_cumulative(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Cumulative raccrochés per period for every school year up to ``annee`` (for the
    previous-years lines). Columns: ``HISTORY_SCHEMA``."""
    return _history(_load(conn, scope, code, annee))


TRAJECTORY_SCHEMA = {"rang": pl.Int64, "libelle": pl.String, "part_profil": pl.Float64, "attendu": pl.Float64}
DEFAULT_SLOTS = tuple(sorted(DEFAULT_PROFILE_POINTS))


def _target_trajectory(data: _Data) -> pl.DataFrame:
    profile = _profile_for(data, data.territory)
    objectif = data.targets.get(data.territory.code)
    slots = sorted(set(DEFAULT_SLOTS) | set(data.rows["rang"].to_list()))
    return pl.DataFrame(
        [(r, slot_label(r), profile[r], objectif * profile[r] if objectif is not None else None) for r in slots],
        schema=TRAJECTORY_SCHEMA, orient="row",
    )


def target_trajectory(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """The target trajectory: profile share and expected level at the end of each period slot."""
    return _target_trajectory(_load(conn, scope, code, annee))


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
        return frame.with_columns(pl.Series("cellules_masquees", [disclosure.encode_marks(self.marks)],
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
    data = _load(conn, scope, code, annee)
    children, networks = _below(data, None), _below(data, "reseau")
    unique = {t.code: t for t in (data.territory, *children, *networks)}
    rows = {row["code"]: row for row in _situations(data, list(unique.values()))}  # one pass for all
    sit = rows[data.territory.code]

    def frame(territories):
        return sort_by_status(pl.DataFrame([rows[t.code] for t in territories], schema=SITUATION_SCHEMA))

    raw = Detail(
        situation=sit,
        periodes=_period_series(data),
        historique=_history(data),
        trajectoire=_target_trajectory(data),
        sous_territoires=frame(children),
        reseaux=frame(networks),
        profil_source=sit["profil_source"],
        solutions_n1=_solutions_same_date_last_year(data, data.territory),
        solutions_n1_marks=solutions_n1_marks(data.marks, data.annee, data.territory.code),
    )
    return replace(raw, publie=publish(raw))


def published_situations(conn: Connection, scope: Scope, code: str, annee: str,
                         niveau: str | None = None) -> pl.DataFrame:
    """``situations`` as published (the year's decision applied, ``cellules_masquees``)."""
    return published_frame(situations(conn, scope, code, annee, niveau))


def _solutions_same_date_last_year(data: _Data, territory: tq.Territory) -> dict | None:
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
    or a network, for which they are not published: ``disclosure.cells.n1_columns``)."""
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
