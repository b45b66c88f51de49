"""Raccrochage rules: the constants, the status thresholds and the default seasonal profile (the
one documented place), periods, targets, the trajectory as pure functions, and the disclosure
of raccrochage figures. ``queries.raccrochage`` re-exports every name."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, select

from dashboard import db, disclosure, fmt
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
STATUS_ORDER = {"en_retard": 0, "non_atteint": 1, "sur_trajectoire": 2, "en_avance": 3, "atteint": 4, "inconnu": 5}

#: Cumulative share of the year's raccrochés at the end of each bimonthly period (rank of the
#: period's last month: 1 = October … 11 = August), used when no territory has any history.
#: Most solutions are found around the rentrée.
DEFAULT_PROFILE_POINTS = {1: 0.35, 3: 0.55, 5: 0.68, 7: 0.80, 9: 0.92, 11: 1.0}

#: A previous school year enters the profile when it has data up to June at least (rank 9).
COMPLETE_YEAR_FROM_RANK = 9

#: Levels whose counts are subject to the disclosure rule (a PSAD holds one or two networks).
MASKED_LEVELS = frozenset({"reseau", "psad"})

PROFILE_SOURCES = {"territoire": "historique du territoire", "academie": "historique de l'académie",
                   "defaut": "profil par défaut",
                   "mixte": "historique de chaque réseau, à défaut celui de l'académie"}

# Derived figures and the counts they are built on: masked when one of these is masked.
DERIVED = {
    "taux_contact": ("jeunes_contactes", "jeunes_signales"),
    "part_solution": ("solutions_proposees", "jeunes_signales"),
    "part_raccroches": ("raccroches", "jeunes_signales"),
    "taux_atteinte": ("raccroches",),
    "projection": ("raccroches",),
    "ecart": ("raccroches",),
    "ecart_objectif": ("raccroches",),
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


def period_ends(annee: str) -> list[str]:
    """The six bimonthly period ends of a school year (ISO dates): October, December, February,
    April, June and August."""
    start = tq.start_year(annee)
    feb = 29 if (start + 1) % 4 == 0 and ((start + 1) % 100 != 0 or (start + 1) % 400 == 0) else 28
    return [f"{start}-10-31", f"{start}-12-31", f"{start + 1}-02-{feb}", f"{start + 1}-04-30", f"{start + 1}-06-30",
            f"{start + 1}-08-31"]


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


# --- disclosure ---------------------------------------------------------------------------------------


def is_masked_level(niveau: str | None) -> bool:
    return niveau in MASKED_LEVELS


def disclose_marks(row: dict, niveau: str | None, limit: int | None = None) -> tuple[dict, dict[str, str]]:
    """Apply the disclosure rule to one row of figures (situation, period...) of a territory of
    level ``niveau``: counts under the threshold → None (mark ``PRIMARY``), secondary suppression
    of the solution split, the row's ``masque_complementaire`` keys (``raccrochage_suppression``:
    cells masked so that no other territory's masked count can be recomputed) and figures
    derived from a masked count → None (mark ``SECONDARY``). Returns (masked row, marks).

    Académie and department rows are returned unchanged.
    """
    out = dict(row)
    if "masque_complementaire" in row and row.get("masque_complementaire") is not None \
            and row.get("phase") is not None:
        return _decided(out, row["masque_complementaire"])
    if not is_masked_level(niveau):
        return out, {}
    limit = limit or disclosure.threshold()
    marks: dict[str, str] = {}
    complementary = set(row.get("masque_complementaire") or ())  # protects the cells of other territories
    for key in DISCLOSED_COUNTS:
        if key not in out:
            continue
        if disclosure.is_small(out[key], limit):
            marks[key] = disclosure.PRIMARY
        elif key in complementary:
            marks[key] = disclosure.SECONDARY
        if key in marks:
            out[key] = None
    present = [c for c in SOLUTION_COLUMNS if c in row]
    if len(present) == len(SOLUTION_COLUMNS) and all(row[c] is not None for c in present):
        for column, original, kept in zip(present, [row[c] for c in present],
                                          disclosure.suppress_cells([row[c] for c in present], limit), strict=True):
            if kept is None and original is not None and column not in marks:
                out[column] = None
                marks[column] = disclosure.SECONDARY
    for key, sources in DERIVED.items():
        if key in out and out[key] is not None and key not in marks and any(s in marks for s in sources):
            out[key] = None
            marks[key] = disclosure.SECONDARY
    return out, marks


def _decided(out: dict, encoded) -> tuple[dict, dict[str, str]]:
    """Apply the year's secrecy decision (every level, ``raccrochage_suppression``) to a situation
    row, then mask the figures derived from a masked count."""
    marks = disclosure.decode_marks(", ".join(encoded))
    for key in list(marks):
        if key in out:
            out[key] = None
        else:
            marks.pop(key)
    for key, sources in DERIVED.items():
        if key in out and out[key] is not None and key not in marks and any(s in marks for s in sources):
            out[key] = None
            marks[key] = disclosure.SECONDARY
    return out, marks


def disclose(row: dict, niveau: str | None, limit: int | None = None) -> tuple[dict, list[str]]:
    """``disclose_marks`` with the masked keys as a list."""
    out, marks = disclose_marks(row, niveau, limit)
    return out, list(marks)


def disclose_frame(frame: pl.DataFrame, niveau: str | None = None, limit: int | None = None) -> pl.DataFrame:
    """``disclose_marks`` on every row (level from the ``niveau`` column, else ``niveau``), with a
    ``cellules_masquees`` column holding the marks of each row (``disclosure.encode_marks``)."""
    rows, notes = [], []
    for row in frame.iter_rows(named=True):
        masked_row, marks = disclose_marks(row, row.get("niveau", niveau), limit)
        rows.append(masked_row)
        notes.append(disclosure.encode_marks(marks))
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
    if "secret" in periodes.columns:
        return _decided_periods(periodes)
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
    return out.with_columns(pl.Series("cellules_masquees", _period_marks(periodes, out, checked, limit),
                                      dtype=pl.String))


def _period_marks(before: pl.DataFrame, after: pl.DataFrame, checked: list[str], limit: int) -> list[str]:
    """Encoded marks of each period row: a small count is primary, any other masked cell secondary."""
    notes = []
    for old, new in zip(before.select(checked).iter_rows(), after.select(checked).iter_rows(), strict=True):
        marks = {c: disclosure.PRIMARY if disclosure.is_small(b, limit) else disclosure.SECONDARY
                 for c, b, a in zip(checked, old, new, strict=True) if a is None and b is not None}
        notes.append(disclosure.encode_marks(marks))
    return notes


NOT_PUBLISHED = "non_publie"
#: Columns never published per period (only as totals since the rentrée): nulled, not marked.
UNPUBLISHED_PERIOD_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees")


def _decided_periods(periodes: pl.DataFrame) -> pl.DataFrame:
    """Apply the decided marks of each period row (the ``secret`` column, ``col:mark`` pairs): a
    masked value is null and listed in ``cellules_masquees``; a column not published per period at
    the territory's level (the types of solution of a PSAD or a network) is null and listed under
    ``non_publie``."""
    rows, notes, hidden = [], [], []
    for row in periodes.iter_rows(named=True):
        row = dict(row)
        marks, unpublished = {}, []
        for part in (row.pop("secret") or "").split(","):
            if ":" not in part:
                continue
            key, mark = (x.strip() for x in part.split(":", 1))
            if key not in row:
                continue
            row[key] = None
            if mark == NOT_PUBLISHED:
                unpublished.append(key)
            else:
                marks[key] = mark
        for key in UNPUBLISHED_PERIOD_COLUMNS:
            if key in row:
                row[key] = None
        rows.append(row)
        notes.append(disclosure.encode_marks(marks))
        hidden.append(", ".join(unpublished))
    schema = {k: v for k, v in periodes.schema.items() if k != "secret"}
    out = pl.DataFrame(rows, schema=schema) if rows else periodes.drop("secret")
    return out.with_columns(pl.Series("cellules_masquees", notes, dtype=pl.String),
                            pl.Series(NOT_PUBLISHED, hidden, dtype=pl.String))


def disclose_history(historique: pl.DataFrame, niveau: str | None, limit: int | None = None) -> pl.DataFrame:
    """``disclose_periods`` for every school year of a ``HISTORY_SCHEMA`` frame."""
    if "secret" in historique.columns:
        return _decided_periods(historique)
    if historique.is_empty() or not is_masked_level(niveau):
        return historique.with_columns(pl.lit("", dtype=pl.String).alias("cellules_masquees"))
    parts = [disclose_periods(group.sort("periode_fin"), niveau, limit)
             for _, group in historique.group_by("annee_scolaire", maintain_order=True)]
    return pl.concat(parts).sort("annee_scolaire", "periode_fin")
