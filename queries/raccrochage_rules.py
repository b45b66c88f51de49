"""Raccrochage rules: the constants, the status thresholds and the default seasonal profile (the
one documented place), periods, targets, the trajectory as pure functions, and the disclosure
of raccrochage figures. ``queries.raccrochage`` re-exports every name."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Connection, select

from dashboard import fmt, schoolyear
from dashboard.disclosure import marks as disclosure_marks
from dashboard.schoolyear import rank_month
from dashboard.store import db
from queries import territoires as tq
from queries.statuses import Status

INDICATOR = "raccroches"
SOLUTION_COLUMNS: tuple[str, ...] = db.SOLUTION_COLUMNS
SOLUTION_KEYS = {column: column.removeprefix("raccroches_") for column in SOLUTION_COLUMNS}
FUNNEL_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches")
COUNT_COLUMNS: tuple[str, ...] = (*db.BILAN_COUNT_COLUMNS, "raccroches")
#: The situation figures the figures export publishes, in its order, each with its key there (a
#: public contract; a dotted key is nested: ``raccroches_par_solution.apprentissage``). Their one
#: declaration (French name, kind) is the situation's, ``dashboard.publish.catalog.RACCROCHAGE``.
EXPORT_KEYS = {
    **{key: key for key in ("periode_fin", *FUNNEL_COLUMNS)},
    **{column: f"raccroches_par_solution.{key}" for column, key in SOLUTION_KEYS.items()},
    **{key: key for key in ("contrats_foquale", "objectif", "taux_atteinte", "taux_contact", "part_solution",
                            "part_raccroches")},
    "attendu": "niveau_attendu", "ecart": "ecart_trajectoire", "statut": "statut_trajectoire",
    "projection": "projection_fin_annee", "profil_source": "profil_saisonnier", "phase": "situation_annee",
    "ecart_objectif": "ecart_objectif", "reseaux_en_retard": "reseaux_en_retard",
}

# --- thresholds and profile: the one documented place ---------------------------------------------

#: Status of a territory from its gap to the trajectory, ``(raccrochés − attendu) / attendu``:
#: ``en_avance`` when gap ≥ +5 %, ``en_retard`` when gap ≤ −5 %, ``sur_trajectoire`` in between,
#: ``inconnu`` when there is no target, no data, or nothing expected yet.
STATUS_THRESHOLDS = {Status.EN_AVANCE: 0.05, Status.EN_RETARD: -0.05}
#: One French name and definition per rate of the funnel: every page, tooltip, deck, file and the
#: map use these (two figures never share a name).
RATE_NAMES = {
    "taux_atteinte": ("Taux d'atteinte", "Jeunes raccrochés depuis la rentrée rapportés à l'objectif de l'année."),
    "taux_contact": ("Taux de contact", "Jeunes contactés rapportés aux jeunes signalés."),
    "part_solution": ("Part avec une solution proposée",
                      "Solutions proposées rapportées aux jeunes signalés (une solution proposée n'est pas encore "
                      "un raccrochage)."),
    "part_raccroches": ("Part des signalés raccrochés",
                        "Jeunes raccrochés (six types de solution) rapportés aux jeunes signalés."),
}


def rate_name(key: str) -> str:
    return RATE_NAMES[key][0]


def rate_definition(key: str) -> str:
    return RATE_NAMES[key][1]


#: The French name of each solution column (charts, decks, files).
SOLUTION_LABELS = {
    "raccroches_formation_initiale": "Formation initiale (EPLE)",
    "raccroches_structure_innovante": "Structure innovante",
    "raccroches_apprentissage": "Apprentissage (CFA)",
    "raccroches_mlds": "Module MLDS",
    "raccroches_service_civique": "Service civique",
    "raccroches_autres": "Autres (E2C, EPIDE, GRETA…)",
}

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
    "contrats_pour_100": ("contrats_foquale", "raccroches"),
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
    start = schoolyear.start_year(annee)
    feb = 29 if (start + 1) % 4 == 0 and ((start + 1) % 100 != 0 or (start + 1) % 400 == 0) else 28
    return [f"{start}-10-31", f"{start}-12-31", f"{start + 1}-02-{feb}", f"{start + 1}-04-30", f"{start + 1}-06-30",
            f"{start + 1}-08-31"]


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


def status_from_gap(gap: float | None) -> Status:
    """``en_avance`` / ``sur_trajectoire`` / ``en_retard`` from the relative gap, ``inconnu`` if None."""
    if gap is None:
        return Status.INCONNU
    if gap >= STATUS_THRESHOLDS[Status.EN_AVANCE]:
        return Status.EN_AVANCE
    if gap <= STATUS_THRESHOLDS[Status.EN_RETARD]:
        return Status.EN_RETARD
    return Status.SUR_TRAJECTOIRE


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


# --- publication: the year's secrecy decision applied ----------------------------------------------
#
# One mechanism: the masks of every published value are decided once per school year by
# ``queries.raccrochage_suppression`` (stored in ``decisions_secret``); the rows of the queries carry
# them (``masque_complementaire`` on a situation row, ``secret`` on a period row), and the functions
# below only apply them — and mask the figures derived from a masked count. There is no other rule:
# a row without its decision is refused, never masked by a guess.


class UndecidedRow(ValueError):
    """A row reached publication without the year's secrecy decision."""


def is_masked_level(niveau: str | None) -> bool:
    return niveau in MASKED_LEVELS


def published_row(row: dict) -> tuple[dict, dict[str, str]]:
    """One situation row as published: the decided marks (``masque_complementaire``) applied, and
    the figures derived from a masked count (rates, gaps, projection) masked « s ». Returns
    (published row, marks)."""
    if row.get("masque_complementaire") is None:
        raise UndecidedRow(f"situation de {row.get('code')} sans décision de secret statistique")
    out = dict(row)
    marks = disclosure_marks.decode_marks(", ".join(row["masque_complementaire"]))
    for key in list(marks):
        if key in out:
            out[key] = None
        else:
            marks.pop(key)
    for key, sources in DERIVED.items():
        if key in out and out[key] is not None and key not in marks and any(s in marks for s in sources):
            out[key] = None
            marks[key] = disclosure_marks.SECONDARY
    return out, marks


def published_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``published_row`` on every row, with a ``cellules_masquees`` column holding the marks of each
    row (``disclosure.marks.encode_marks``)."""
    rows, notes = [], []
    for row in frame.iter_rows(named=True):
        masked_row, marks = published_row(row)
        rows.append(masked_row)
        notes.append(disclosure_marks.encode_marks(marks))
    out = pl.DataFrame(rows, schema=frame.schema) if rows else frame.clear()
    return out.with_columns(pl.Series("cellules_masquees", notes, dtype=pl.String))


PERIOD_FLOW_COLUMNS = ("jeunes_signales", "jeunes_contactes", "entretiens", "solutions_proposees", "raccroches",
                       "contrats_foquale")


def published_periods(periodes: pl.DataFrame) -> pl.DataFrame:
    """A period series (``PERIOD_SCHEMA`` or ``HISTORY_SCHEMA`` with its ``secret`` column) as
    published: the decided marks applied (``cellules_masquees``), the columns not published per
    period at the territory's level listed under ``non_publie``."""
    if "secret" not in periodes.columns:
        raise UndecidedRow("série par période sans décision de secret statistique")
    return _decided_periods(periodes)


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
        notes.append(disclosure_marks.encode_marks(marks))
        hidden.append(", ".join(unpublished))
    schema = {k: v for k, v in periodes.schema.items() if k != "secret"}
    out = pl.DataFrame(rows, schema=schema) if rows else periodes.drop("secret")
    return out.with_columns(pl.Series("cellules_masquees", notes, dtype=pl.String),
                            pl.Series(NOT_PUBLISHED, hidden, dtype=pl.String))
