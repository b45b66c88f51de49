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

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard import db, disclosure, fmt
from dashboard.access import ACADEMIE, Scope
from queries import territoires as tq

INDICATOR = "raccroches"
SOLUTION_COLUMNS: tuple[str, ...] = db.SOLUTION_COLUMNS
SOLUTION_KEYS = {column: column.removeprefix("raccroches_") for column in SOLUTION_COLUMNS}
FUNNEL_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches")
COUNT_COLUMNS: tuple[str, ...] = (*db.BILAN_COUNT_COLUMNS, "raccroches")

# --- thresholds and profile: the one documented place ---------------------------------------------

#: Status of a territory from its gap to the trajectory, ``(raccrochés − attendu) / attendu``:
#: ``en_avance`` when gap ≥ +5 %, ``en_retard`` when gap ≤ −5 %, ``sur_trajectoire`` in between,
#: ``inconnu`` when there is no target, no data, or nothing expected yet.
STATUS_THRESHOLDS = {"en_avance": 0.05, "en_retard": -0.05}
STATUS_ORDER = {"en_retard": 0, "sur_trajectoire": 1, "en_avance": 2, "inconnu": 3}

#: Cumulative share of the year's raccrochés at the end of each bimonthly period (rank of the
#: period's last month: 1 = October … 11 = August), used when no territory has any history.
#: Most solutions are found around the rentrée.
DEFAULT_PROFILE_POINTS = {1: 0.35, 3: 0.55, 5: 0.68, 7: 0.80, 9: 0.92, 11: 1.0}

#: A previous school year enters the profile when it has data up to June at least (rank 9).
COMPLETE_YEAR_FROM_RANK = 9

#: Levels whose counts are subject to the disclosure rule (a PSAD holds one or two networks).
MASKED_LEVELS = frozenset({"reseau", "psad"})

PROFILE_SOURCES = {"territoire": "historique du territoire", "academie": "historique de l'académie",
                   "defaut": "profil par défaut"}

# Derived figures and the counts they are built on: masked when one of these is masked.
DERIVED = {
    "taux_contact": ("jeunes_contactes", "jeunes_signales"),
    "part_solution": ("solutions_proposees", "jeunes_signales"),
    "part_raccroches": ("raccroches", "jeunes_signales"),
    "taux_atteinte": ("raccroches",),
    "projection": ("raccroches",),
    "ecart": ("raccroches",),
    "taux_contact_n1": ("jeunes_contactes_n1", "jeunes_signales_n1"),
    "part_solution_n1": ("solutions_proposees_n1", "jeunes_signales_n1"),
    "taux_atteinte_n1": ("raccroches_n1",),
    **{f"part_{c}": (c,) for c in SOLUTION_COLUMNS},
}
DISCLOSED_COUNTS = (*COUNT_COLUMNS, "raccroches_cumul",
                    *(f"{c}_n1" for c in ("jeunes_signales", "jeunes_contactes", "solutions_proposees",
                                          "raccroches", "contrats_foquale")))


# --- periods ----------------------------------------------------------------------------------------


def month_rank(periode_fin: str) -> int:
    """Rank of a date's month in the school year: September 0 … August 11."""
    return (int(periode_fin[5:7]) - 9) % 12


def rank_month(rank: int) -> int:
    """Calendar month of a rank: 0 → 9 (September), 11 → 8 (August)."""
    return (rank + 8) % 12 + 1


def slot_label(rank: int) -> str:
    """The bimonthly period ending in the month of ``rank``, without year: ``"sept.–oct."``."""
    end = rank_month(rank)
    start = (end - 2) % 12 + 1
    return f"{fmt.month_name(start, short=True)}–{fmt.month_name(end, short=True)}"


def period_label(periode_fin: str) -> str:
    """``"2014-10-31"`` → ``"sept.–oct. 2014"``; ``"2015-01-31"`` → ``"déc. 2014–janv. 2015"``."""
    end = dt.date.fromisoformat(periode_fin[:10])
    start_month = (end.month - 2) % 12 + 1
    start_year = end.year if start_month < end.month else end.year - 1
    start_name, end_name = fmt.month_name(start_month, short=True), fmt.month_name(end.month, short=True)
    if start_year == end.year:
        return f"{start_name}–{end_name} {end.year}"
    return f"{start_name} {start_year}–{end_name} {end.year}"


def previous_year(annee: str) -> str:
    start = tq.start_year(annee) - 1
    return f"{start}-{start + 1}"


# --- targets ------------------------------------------------------------------------------------------


def explicit_targets(conn: Connection, annee: str) -> dict[str, int]:
    """Targets as imported for that school year, by territory code."""
    o = db.objectifs
    rows = conn.execute(
        select(o.c.territoire_code, o.c.objectif).where(o.c.annee_scolaire == annee, o.c.indicateur == INDICATOR)
    ).all()
    return {code: int(value) for code, value in rows}


def resolve_targets(index: dict[str, tq.Territory], explicit: dict[str, int]) -> dict[str, int | None]:
    """The target of every territory: its own, else the sum of its children's (recursively)."""
    kids: dict[str, list[str]] = {}
    for territory in index.values():
        if territory.parent_code is not None:
            kids.setdefault(territory.parent_code, []).append(territory.code)
    resolved: dict[str, int | None] = {}

    def target(code: str) -> int | None:
        if code in resolved:
            return resolved[code]
        if code in explicit:
            value: int | None = explicit[code]
        else:
            values = [v for v in (target(child) for child in kids.get(code, [])) if v is not None]
            value = sum(values) if values else None
        resolved[code] = value
        return value

    for code in index:
        target(code)
    return resolved


# --- seasonal profile and trajectory (pure functions) ---------------------------------------------------


def default_profile() -> tuple[float, ...]:
    """``DEFAULT_PROFILE_POINTS`` as a step function over the 12 month ranks."""
    out, current = [], 0.0
    for rank in range(12):
        current = DEFAULT_PROFILE_POINTS.get(rank, current)
        out.append(current)
    return tuple(out)


def seasonal_profile(yearly: pl.DataFrame, annee: str) -> tuple[float, ...] | None:
    """Mean cumulative share of the year's raccrochés at the end of each month rank (0..11),
    over the complete school years before ``annee``; ``None`` when there is none.

    ``yearly`` has columns ``annee_scolaire``, ``rang``, ``raccroches`` (any granularity).
    """
    if yearly.is_empty():
        return None
    prev = (
        yearly.filter(pl.col("annee_scolaire") < annee)
        .group_by("annee_scolaire", "rang")
        .agg(pl.col("raccroches").sum())
    )
    shares = []
    for (_year,), group in sorted(prev.group_by("annee_scolaire"), key=lambda item: item[0]):
        total = group["raccroches"].sum()
        if total <= 0 or group["rang"].max() < COMPLETE_YEAR_FROM_RANK:
            continue
        by_rank = dict(zip(group["rang"].to_list(), group["raccroches"].to_list(), strict=True))
        cumul, row = 0, []
        for rank in range(12):
            cumul += by_rank.get(rank, 0)
            row.append(cumul / total)
        shares.append(row)
    if not shares:
        return None
    return tuple(sum(column) / len(shares) for column in zip(*shares, strict=True))


def status_from_gap(gap: float | None) -> str:
    """``en_avance`` / ``sur_trajectoire`` / ``en_retard`` from the relative gap, ``inconnu`` if None."""
    if gap is None:
        return "inconnu"
    if gap >= STATUS_THRESHOLDS["en_avance"]:
        return "en_avance"
    if gap <= STATUS_THRESHOLDS["en_retard"]:
        return "en_retard"
    return "sur_trajectoire"


def evaluate_trajectory(cumul: int | None, objectif: int | None, share: float | None) -> dict:
    """Expected level, gap, status and projection for ``cumul`` raccrochés at a date whose
    cumulative profile share is ``share``."""
    attendu = objectif * share if objectif is not None and share is not None else None
    ecart = (cumul - attendu) / attendu if cumul is not None and attendu else None
    projection = cumul / share if cumul is not None and share else None
    return {
        "attendu": attendu,
        "ecart": ecart,
        "statut": status_from_gap(ecart),
        "projection": projection,
        "projection_atteint": (projection >= objectif) if projection is not None and objectif is not None else None,
    }


# --- loading --------------------------------------------------------------------------------------------

_BILAN_SCHEMA = {
    "reseau_code": pl.String,
    "annee_scolaire": pl.String,
    "periode_fin": pl.String,
    **{c: pl.Int64 for c in db.BILAN_COUNT_COLUMNS},
}


def _with_derived(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.sum_horizontal(list(SOLUTION_COLUMNS)).cast(pl.Int64).alias("raccroches"),
        ((pl.col("periode_fin").str.slice(5, 2).cast(pl.Int64) - 9) % 12).alias("rang"),
    )


def bilan_rows(conn: Connection, reseaux: Sequence[str], until_year: str | None = None) -> pl.DataFrame:
    """Bilan rows of ``reseaux`` (every school year up to ``until_year``), with ``raccroches``
    and ``rang``. Internal: callers check the scope first."""
    b = db.bilans
    stmt = select(b.c.reseau_code, b.c.annee_scolaire, b.c.periode_fin,
                  *[b.c[c] for c in db.BILAN_COUNT_COLUMNS]).where(b.c.reseau_code.in_(list(reseaux)))
    if until_year:
        stmt = stmt.where(b.c.annee_scolaire <= until_year)
    rows = conn.execute(stmt).all()
    return _with_derived(pl.DataFrame(rows, schema=_BILAN_SCHEMA, orient="row"))


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
    return frame.with_columns(((pl.col("periode_fin").str.slice(5, 2).cast(pl.Int64) - 9) % 12).alias("rang"))


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
    return _Data(
        annee=annee,
        territory=territory,
        index=index,
        rows=rows,
        academie_profile=profile or default_profile(),
        academie_source=source,
        targets=resolve_targets(index, explicit_targets(conn, annee)),
        targets_n1=resolve_targets(index, explicit_targets(conn, previous_year(annee))),
        detail_visible=tq.can_view_detail(index, scope, territory.code),
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
}


def _ratio(numerator: int | None, denominator: int | float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


N1_COLUMNS = ("jeunes_signales", "jeunes_contactes", "solutions_proposees", "raccroches", "contrats_foquale")


def _situations(data: _Data, territories: Sequence[tq.Territory]) -> list[dict]:
    """The situation of each territory (vectorised: one pass over the bilan rows for all)."""
    if not territories:
        return []
    annee, prev_year = data.annee, previous_year(data.annee)
    members = pl.DataFrame([(t.code, r) for t in territories for r in t.reseaux],
                           schema={"code": pl.String, "reseau_code": pl.String}, orient="row")
    per = (
        data.rows.join(members, on="reseau_code", how="inner")
        .group_by("code", "annee_scolaire", "periode_fin", "rang")
        .agg([pl.col(c).sum() for c in COUNT_COLUMNS])
    )
    current = (
        per.filter(pl.col("annee_scolaire") == annee)
        .group_by("code")
        .agg(pl.col("periode_fin").max(), *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .with_columns(((pl.col("periode_fin").str.slice(5, 2).cast(pl.Int64) - 9) % 12).alias("rang"))
    )
    ranks = current.select("code", pl.col("rang").alias("rang_courant"))
    # seasonal profile of each territory at its current rank: mean over complete previous years
    history = per.filter(pl.col("annee_scolaire") < annee)
    complete = (
        history.group_by("code", "annee_scolaire")
        .agg(pl.col("raccroches").sum().alias("total"), pl.col("rang").max().alias("rang_max"))
        .filter((pl.col("total") > 0) & (pl.col("rang_max") >= COMPLETE_YEAR_FROM_RANK))
    )
    reached = (
        history.join(ranks, on="code")
        .filter(pl.col("rang") <= pl.col("rang_courant"))
        .group_by("code", "annee_scolaire")
        .agg(pl.col("raccroches").sum().alias("atteint"))
    )
    shares = (
        complete.join(reached, on=["code", "annee_scolaire"], how="left")
        .with_columns((pl.col("atteint").fill_null(0) / pl.col("total")).alias("part"))
        .group_by("code")
        .agg(pl.col("part").mean())
    )
    own_history = set(complete["code"].to_list())
    n1 = (
        per.filter(pl.col("annee_scolaire") == prev_year)
        .join(ranks, on="code")
        .filter(pl.col("rang") <= pl.col("rang_courant"))
        .group_by("code")
        .agg(pl.col("periode_fin").max(), *[pl.col(c).sum() for c in N1_COLUMNS])
    )
    by_code = {r["code"]: r for r in current.iter_rows(named=True)}
    share_by_code = dict(shares.select("code", "part").iter_rows())
    n1_by_code = {r["code"]: r for r in n1.iter_rows(named=True)}
    out = []
    for territory in territories:
        code = territory.code
        row: dict = {
            "code": code,
            "nom": territory.nom,
            "libelle": territory.label,
            "niveau": territory.niveau,
            "parent_code": territory.parent_code,
            "nb_reseaux": len(territory.reseaux),
            "objectif": data.targets.get(code),
            "profil_source": "territoire" if code in own_history else data.academie_source,
            "objectif_n1": data.targets_n1.get(code),
        }
        cur = by_code.get(code)
        if cur is None:
            row.update({"periode_fin": None, "rang": None, **dict.fromkeys(COUNT_COLUMNS), "part_profil": None})
        else:
            rank = cur["rang"]
            share = share_by_code[code] if code in own_history else data.academie_profile[rank]
            row.update({"periode_fin": cur["periode_fin"], "rang": rank,
                        **{c: int(cur[c]) for c in COUNT_COLUMNS}, "part_profil": share})
        row.update(evaluate_trajectory(row["raccroches"], row["objectif"], row["part_profil"]))
        row["taux_atteinte"] = _ratio(row["raccroches"], row["objectif"])
        row["taux_contact"] = _ratio(row["jeunes_contactes"], row["jeunes_signales"])
        row["part_solution"] = _ratio(row["solutions_proposees"], row["jeunes_signales"])
        row["part_raccroches"] = _ratio(row["raccroches"], row["jeunes_signales"])
        # same date last year: the previous school year cumulated up to the same month rank
        prev = n1_by_code.get(code)
        row["periode_fin_n1"] = prev["periode_fin"] if prev else None
        row.update({f"{c}_n1": int(prev[c]) if prev else None for c in N1_COLUMNS})
        row["taux_atteinte_n1"] = _ratio(row["raccroches_n1"], row["objectif_n1"])
        row["taux_contact_n1"] = _ratio(row["jeunes_contactes_n1"], row["jeunes_signales_n1"])
        row["part_solution_n1"] = _ratio(row["solutions_proposees_n1"], row["jeunes_signales_n1"])
        out.append({key: row[key] for key in SITUATION_SCHEMA})
    return out


def _situation(data: _Data, territory: tq.Territory) -> dict:
    return _situations(data, [territory])[0]


def _situations_frame(data: _Data, territories: Sequence[tq.Territory]) -> pl.DataFrame:
    frame = pl.DataFrame(_situations(data, territories), schema=SITUATION_SCHEMA)
    return sort_by_status(frame)


def sort_by_status(frame: pl.DataFrame) -> pl.DataFrame:
    """Behind first, then on trajectory, ahead, unknown; by gap within a status."""
    if frame.is_empty():
        return frame
    order = pl.col("statut").replace_strict(STATUS_ORDER, default=9, return_dtype=pl.Int64)
    return frame.sort([order, pl.col("ecart"), pl.col("code")], nulls_last=True)


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
        return pl.DataFrame(schema=PERIOD_SCHEMA)
    profile = _profile_for(data, data.territory)
    objectif = data.targets.get(data.territory.code)
    per = (
        current.group_by("periode_fin", "rang")
        .agg(pl.len().cast(pl.Int64).alias("nb_reseaux"), *[pl.col(c).sum() for c in COUNT_COLUMNS])
        .sort("periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().alias("raccroches_cumul"))
    )
    return per.with_columns(
        pl.col("periode_fin").map_elements(period_label, return_dtype=pl.String).alias("libelle"),
        pl.col("rang").map_elements(lambda r: objectif * profile[r] if objectif is not None else None,
                                    return_dtype=pl.Float64).alias("attendu"),
    ).select(list(PERIOD_SCHEMA)).cast(PERIOD_SCHEMA)


def _profile_for(data: _Data, territory: tq.Territory) -> tuple[float, ...]:
    rows = data.rows.filter(pl.col("reseau_code").is_in(list(territory.reseaux)))
    return seasonal_profile(rows.select("annee_scolaire", "rang", "raccroches"), data.annee) or data.academie_profile


def period_series(conn: Connection, scope: Scope, code: str, annee: str) -> pl.DataFrame:
    """Per bimonthly period of ``annee``: the period's counts (flows), cumulative raccrochés and
    the expected level on the target trajectory. Columns: ``PERIOD_SCHEMA``."""
    return _period_series(_load(conn, scope, code, annee))


HISTORY_SCHEMA = {"annee_scolaire": pl.String, "periode_fin": pl.String, "rang": pl.Int64,
                  "raccroches": pl.Int64, "raccroches_cumul": pl.Int64}


def _history(data: _Data) -> pl.DataFrame:
    if data.rows.is_empty():
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    return (
        data.rows.group_by("annee_scolaire", "periode_fin", "rang")
        .agg(pl.col("raccroches").sum())
        .sort("annee_scolaire", "periode_fin")
        .with_columns(pl.col("raccroches").cum_sum().over("annee_scolaire").alias("raccroches_cumul"))
        .select(list(HISTORY_SCHEMA))
        .cast(HISTORY_SCHEMA)
    )


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
class Detail:
    """Everything the raccrochage pages show for one territory and school year (raw, unmasked)."""

    situation: dict
    periodes: pl.DataFrame  # PERIOD_SCHEMA
    historique: pl.DataFrame  # HISTORY_SCHEMA
    trajectoire: pl.DataFrame  # TRAJECTORY_SCHEMA
    sous_territoires: pl.DataFrame  # SITUATION_SCHEMA, one level below
    reseaux: pl.DataFrame  # SITUATION_SCHEMA, every network of the territory
    profil_source: str
    solutions_n1: dict | None  # solution columns → raccrochés, same date last year (None: no data)


def detail(conn: Connection, scope: Scope, code: str, annee: str) -> Detail:
    """One call for a page: situation, period series, history, trajectory, sub-territories."""
    data = _load(conn, scope, code, annee)
    children, networks = _below(data, None), _below(data, "reseau")
    unique = {t.code: t for t in (data.territory, *children, *networks)}
    rows = {row["code"]: row for row in _situations(data, list(unique.values()))}  # one pass for all
    sit = rows[data.territory.code]

    def frame(territories):
        return sort_by_status(pl.DataFrame([rows[t.code] for t in territories], schema=SITUATION_SCHEMA))

    return Detail(
        situation=sit,
        periodes=_period_series(data),
        historique=_history(data),
        trajectoire=_target_trajectory(data),
        sous_territoires=frame(children),
        reseaux=frame(networks),
        profil_source=sit["profil_source"],
        solutions_n1=_solutions_same_date_last_year(data, sit["rang"]),
    )


def _solutions_same_date_last_year(data: _Data, rank: int | None) -> dict | None:
    if rank is None:
        return None
    prev = data.rows.filter((pl.col("annee_scolaire") == previous_year(data.annee)) & (pl.col("rang") <= rank))
    if prev.is_empty():
        return None
    return {c: int(v) for c, v in prev.select([pl.col(c).sum() for c in SOLUTION_COLUMNS]).row(0, named=True).items()}


# --- disclosure ---------------------------------------------------------------------------------------


def is_masked_level(niveau: str | None) -> bool:
    return niveau in MASKED_LEVELS


def disclose(row: dict, niveau: str | None, limit: int | None = None) -> tuple[dict, list[str]]:
    """Apply the disclosure rule to one row of figures (situation, period...) of a territory of
    level ``niveau``: counts under the threshold → None, secondary suppression of the solution
    split, figures derived from a masked count → None. Returns (masked row, masked keys).

    Académie and department rows are returned unchanged.
    """
    out = dict(row)
    if not is_masked_level(niveau):
        return out, []
    limit = limit or disclosure.threshold()
    masked: list[str] = []
    for key in DISCLOSED_COUNTS:
        if key in out and disclosure.is_small(out[key], limit):
            out[key] = None
            masked.append(key)
    present = [c for c in SOLUTION_COLUMNS if c in row]
    if len(present) == len(SOLUTION_COLUMNS) and all(row[c] is not None for c in present):
        for column, original, kept in zip(present, [row[c] for c in present],
                                          disclosure.suppress_cells([row[c] for c in present], limit), strict=True):
            if kept is None and original is not None and column not in masked:
                out[column] = None
                masked.append(column)
    for key, sources in DERIVED.items():
        if key in out and out[key] is not None and key not in masked and any(s in masked for s in sources):
            out[key] = None
            masked.append(key)
    return out, masked


def disclose_frame(frame: pl.DataFrame, niveau: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """``disclose`` on every row (level from the ``niveau`` column, else ``niveau``), with a
    ``cellules_masquees`` column listing the masked columns of each row."""
    rows, notes = [], []
    for row in frame.iter_rows(named=True):
        masked_row, keys = disclose(row, row.get("niveau", niveau), limit)
        rows.append(masked_row)
        notes.append(", ".join(keys))
    out = pl.DataFrame(rows, schema=frame.schema) if rows else frame.clear()
    return out.with_columns(pl.Series("cellules_masquees", notes, dtype=pl.String))


PERIOD_FLOW_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches",
                       "contrats_foquale")


def _mask_cumulative(flows_masked: list[bool], cumul: list[int | None], limit: int) -> list[bool]:
    """Which cumulative values to mask so that no masked flow can be recomputed from two
    consecutive shown cumulatives: every cumulative from the first masked flow up to (not
    including) the last one, plus cumulatives under the threshold."""
    masked_at = [i for i, m in enumerate(flows_masked) if m]
    out = [disclosure.is_small(c, limit) for c in cumul]
    if masked_at:
        for i in range(masked_at[0], masked_at[-1]):
            out[i] = True
    return out


def disclose_periods(periodes: pl.DataFrame, niveau: str | None, limit: int | None = None) -> pl.DataFrame:
    """The disclosure rule on a per-period series of one territory (``PERIOD_SCHEMA``), for a
    network or a PSAD; unchanged (plus an empty ``cellules_masquees``) above.

    Per-period flows add up to the year's totals, and the period × solution cells add up both to
    the period's raccrochés and to the year's raccrochés of each type: each flow column gets
    secondary suppression down the periods, the solution cells in both directions
    (``disclosure.suppress_table``), and the cumulative raccrochés are masked wherever two shown
    cumulatives would give a masked flow away.
    """
    if periodes.is_empty() or not is_masked_level(niveau):
        return periodes.with_columns(pl.lit("", dtype=pl.String).alias("cellules_masquees"))
    limit = limit or disclosure.threshold()
    out = periodes
    for column in PERIOD_FLOW_COLUMNS:
        if column in out.columns:
            out = out.with_columns(pl.Series(column, disclosure.suppress_cells(out[column].to_list(), limit),
                                             dtype=pl.Int64))
    if all(c in out.columns for c in SOLUTION_COLUMNS):
        out = disclosure.suppress_table(out, list(SOLUTION_COLUMNS), limit)
    if "raccroches_cumul" in out.columns:
        flows_masked = [v is None and o is not None
                        for v, o in zip(out["raccroches"].to_list(), periodes["raccroches"].to_list(), strict=True)]
        hide = _mask_cumulative(flows_masked, periodes["raccroches_cumul"].to_list(), limit)
        out = out.with_columns(pl.Series("raccroches_cumul", [None if h else v for h, v in
                                                              zip(hide, periodes["raccroches_cumul"].to_list(),
                                                                  strict=True)], dtype=pl.Int64))
    checked = [c for c in (*PERIOD_FLOW_COLUMNS, *SOLUTION_COLUMNS, "raccroches_cumul") if c in out.columns]
    notes = []
    for before, after in zip(periodes.select(checked).iter_rows(), out.select(checked).iter_rows(), strict=True):
        notes.append(", ".join(c for c, b, a in zip(checked, before, after, strict=True) if a is None and b is not None))
    return out.with_columns(pl.Series("cellules_masquees", notes, dtype=pl.String))


def disclose_history(historique: pl.DataFrame, niveau: str | None, limit: int | None = None) -> pl.DataFrame:
    """``disclose_periods`` for every school year of a ``HISTORY_SCHEMA`` frame."""
    if historique.is_empty() or not is_masked_level(niveau):
        return historique.with_columns(pl.lit("", dtype=pl.String).alias("cellules_masquees"))
    parts = [disclose_periods(group.sort("periode_fin"), niveau, limit)
             for _, group in historique.group_by("annee_scolaire", maintain_order=True)]
    return pl.concat(parts).sort("annee_scolaire", "periode_fin")


# --- figures export contribution -------------------------------------------------------------------------

EXPORT_DECIMALS = 6


def figures_contribution(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """The raccrochage keys of the figures export (``dashboard.figures``), masked at network/PSAD
    level: masked keys are None and listed in ``masque``."""
    sit = situation(conn, scope, code, annee)
    masked_sit, keys = disclose(sit, sit["niveau"])
    out = {
        "periode_fin": masked_sit["periode_fin"],
        "jeunes_signales": masked_sit["jeunes_signales"],
        "jeunes_contactes": masked_sit["jeunes_contactes"],
        "entretiens": masked_sit["entretiens"],
        "solutions_proposees": masked_sit["solutions_proposees"],
        "raccroches": masked_sit["raccroches"],
        "raccroches_par_solution": {SOLUTION_KEYS[c]: masked_sit[c] for c in SOLUTION_COLUMNS},
        "contrats_foquale": masked_sit["contrats_foquale"],
        "objectif": masked_sit["objectif"],
        "taux_atteinte": masked_sit["taux_atteinte"],
        "taux_contact": masked_sit["taux_contact"],
        "part_solution": masked_sit["part_solution"],
        "part_raccroches": masked_sit["part_raccroches"],
        "niveau_attendu": masked_sit["attendu"],
        "ecart_trajectoire": masked_sit["ecart"],
        "statut_trajectoire": masked_sit["statut"],
        "projection_fin_annee": masked_sit["projection"],
        "profil_saisonnier": masked_sit["profil_source"],
    }
    renamed = {"attendu": "niveau_attendu", "ecart": "ecart_trajectoire", "projection": "projection_fin_annee",
               **{c: f"raccroches_par_solution.{SOLUTION_KEYS[c]}" for c in SOLUTION_COLUMNS}}
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = round(value, EXPORT_DECIMALS)  # 38.99999999999999 → 39.0
    exported = set(out) | {f"raccroches_par_solution.{key}" for key in SOLUTION_KEYS.values()}
    out["masque"] = [renamed.get(k, k) for k in keys if renamed.get(k, k) in exported]
    return out
