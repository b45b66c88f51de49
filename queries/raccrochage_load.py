"""The inputs of one raccrochage query, loaded once (``load``): the territory within the user's
scope, its networks' bilans of every year up to the school year, the targets of the year and of the
previous one, the académie's seasonal profile, the year's secrecy decisions and the year's state.

``raccrochage_situation``, ``raccrochage_series`` and ``raccrochage.detail`` compute from a ``Data``;
the definitions are in ``queries.raccrochage``'s docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.access.scope import ACADEMIE, Scope
from dashboard.schoolyear import previous_year, rank_expr
from dashboard.store import db
from queries import raccrochage_networks as nets
from queries import raccrochage_position as position
from queries import raccrochage_suppression as secrecy
from queries import territoires as tq
from queries.raccrochage_bilans import bilan_rows
from queries.raccrochage_rules import (
    SOLUTION_COLUMNS,
    default_profile,
    explicit_targets,
    resolve_targets,
    seasonal_profile,
)


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
class Data:
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


def load(conn: Connection, scope: Scope, code: str, annee: str) -> Data:
    """Everything a raccrochage query of territory ``code`` reads (raises ``AccessDenied`` outside ``scope``)."""
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
    return Data(
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
