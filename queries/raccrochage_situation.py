"""The situation of a territory against its target: totals since the rentrée, target, expected
level, gap, status, projection, same date last year, phase and late networks, one row per territory
(``SITUATION_SCHEMA``); the rows of the territories below it, sorted by status.

Sums over the networks each at its own last bilan (``raccrochage_networks``), evaluated by
``raccrochage_position``; the marks are the year's secrecy decision (``raccrochage_suppression``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import Scope
from dashboard.disclosure import cells as dc
from dashboard.disclosure import marks
from dashboard.schoolyear import month_rank
from queries import raccrochage_networks as nets
from queries import raccrochage_position as position
from queries import territoires as tq
from queries.raccrochage_load import Data, load
from queries.raccrochage_rules import COUNT_COLUMNS, published_frame
from queries.statuses import STATUS_ORDER

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


def situation_rows(data: Data, territories: Sequence[tq.Territory]) -> list[dict]:
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
        row.update({f"{c}_n1": sum(m.counts_n1[c] for m in previous) if previous else None for c in nets.N1_COLUMNS})
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


def _decided_marks(data: Data, code: str) -> list[str]:
    """The year's secrecy decision for the figures of one territory's situation row, encoded
    (``marks.encode_marks``): totals, « même date l'an dernier » (``*_n1``), projection."""
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
    return [part.strip() for part in marks.encode_marks(out).split(",") if part.strip()]


def _profile_source(members: Sequence[nets.Network], academie_source: str) -> str:
    """Whose history the trajectory follows: the networks' own, the académie's, or a mix."""
    own = [m.own_profile for m in members]
    if own and all(own):
        return "territoire"
    return "mixte" if any(own) else academie_source


def _situation(data: Data, territory: tq.Territory) -> dict:
    return situation_rows(data, [territory])[0]


def _situations_frame(data: Data, territories: Sequence[tq.Territory]) -> pl.DataFrame:
    frame = pl.DataFrame(situation_rows(data, territories), schema=SITUATION_SCHEMA)
    return sort_by_status(frame)


def sort_by_status(frame: pl.DataFrame) -> pl.DataFrame:
    """Behind first, then on trajectory, ahead, unknown; by gap within a status (a closed year: not
    reached first, by gap to the target)."""
    if frame.is_empty():
        return frame
    order = pl.col("statut").replace_strict(STATUS_ORDER, default=9, return_dtype=pl.Int64)
    return frame.sort([order, pl.col("ecart"), pl.col("ecart_objectif"), pl.col("code")], nulls_last=True)


def below(data: Data, niveau: str | None) -> list[tq.Territory]:
    if not data.detail_visible:
        return []
    if niveau == "reseau":
        if data.territory.niveau == "reseau":
            return []
        return [data.index[r] for r in data.territory.reseaux if r in data.index]
    return [t for t in data.index.values() if t.parent_code == data.territory.code]


def situation(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Where territory ``code`` stands on ``annee`` (raw figures, not masked): totals since the
    rentrée, target, expected level, gap, status, projection, same date last year.
    Keys: ``SITUATION_SCHEMA``."""
    data = load(conn, scope, code, annee)
    return _situation(data, data.territory)


def situations(conn: Connection, scope: Scope, code: str, annee: str, niveau: str | None = None) -> pl.DataFrame:
    """One row per territory one level below ``code`` (or, with ``niveau="reseau"``, per network
    of ``code``), behind their trajectory first (raw figures, not masked)."""
    data = load(conn, scope, code, annee)
    return _situations_frame(data, below(data, niveau))


def published_situations(conn: Connection, scope: Scope, code: str, annee: str,
                         niveau: str | None = None) -> pl.DataFrame:
    """``situations`` as published (the year's decision applied, ``cellules_masquees``)."""
    return published_frame(situations(conn, scope, code, annee, niveau))
