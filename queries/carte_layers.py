"""The map's context and point layers: the focus territory checked once against the scope, then
schools (type, enrolment), MLDS sites (places, occupancy) and network seats, each limited to
the networks whose detail the scope may see. ``queries.carte.map_data`` draws them with the values."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, func, select

from dashboard.access.scope import Scope
from dashboard.disclosure import rule
from dashboard.store import db
from geodata.networks import NETWORKS
from queries.territoires import (
    Territory,
    can_view,
    can_view_detail,
    commune_breakdown,
    resolve_territory,
    territory_index,
    with_school_network,
)

# --- context: the focus territory, checked once ---------------------------------------------------


@dataclass(frozen=True)
class MapContext:
    annee: str
    territory: Territory  # the focus territory (scope already checked)
    index: dict[str, Territory]
    breakdown: pl.DataFrame  # commune_insee → reseau_code, psad_code, departement_code


def map_context(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> MapContext:
    territory = resolve_territory(conn, scope, code, annee_scolaire)  # AccessDenied outside the scope
    return MapContext(annee_scolaire, territory, territory_index(conn, annee_scolaire),
                    commune_breakdown(conn, annee_scolaire))


def _network_of(ctx: MapContext) -> dict[str, str]:
    return dict(ctx.breakdown.select("commune_insee", "reseau_code").iter_rows())


# --- point layers -------------------------------------------------------------------------------


def _detail_networks(scope: Scope, ctx: MapContext) -> tuple[str, ...]:
    """Networks of the focus territory when the scope may see its detail, else none."""
    if not can_view_detail(ctx.index, scope, ctx.territory.code):
        return ()
    return ctx.territory.reseaux


SCHOOL_SCHEMA = {
    "uai": pl.String, "nom": pl.String, "type": pl.String, "secteur": pl.String,
    "education_prioritaire": pl.String, "commune_insee": pl.String, "commune_nom": pl.String,
    "reseau_code": pl.String, "effectif": pl.Int64, "effectif_masque": pl.Boolean,
}  # fmt: skip


def schools(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> pl.DataFrame:
    """Schools of the focus territory with their enrolment (latest month of the school year).

    Empty when the scope may not see the territory's detail. Enrolment under the disclosure
    threshold is masked (``effectif`` null, ``effectif_masque`` true).
    """
    return context_schools(conn, scope, map_context(conn, scope, code, annee_scolaire))


def context_schools(conn: Connection, scope: Scope, ctx: MapContext) -> pl.DataFrame:
    reseaux, annee_scolaire = _detail_networks(scope, ctx), ctx.annee
    if not reseaux:
        return pl.DataFrame(schema=SCHOOL_SCHEMA)
    e, c, a = db.etablissements, db.communes, db.absenteisme
    rows = conn.execute(
        select(e.c.uai, e.c.nom, e.c.type, e.c.secteur, e.c.education_prioritaire, e.c.commune_insee,
               c.c.nom.label("commune_nom"), e.c.reseau_code)
        .select_from(e.join(c, c.c.insee == e.c.commune_insee))
        .order_by(e.c.uai)
    ).all()
    columns = ("uai", "nom", "type", "secteur", "education_prioritaire", "commune_insee", "commune_nom", "reseau_code")
    frame = pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
    selected = (with_school_network(conn, frame, annee_scolaire, out="reseau_code")
                .filter(pl.col("reseau_code").is_in(list(reseaux))).to_dicts())
    if not selected:
        return pl.DataFrame(schema=SCHOOL_SCHEMA)
    latest = (
        select(a.c.uai, func.max(a.c.mois).label("mois"))
        .where(a.c.annee_scolaire == annee_scolaire)
        .group_by(a.c.uai)
        .subquery()
    )
    enrolment = dict(
        conn.execute(
            select(a.c.uai, a.c.effectif).select_from(
                a.join(latest, (latest.c.uai == a.c.uai) & (latest.c.mois == a.c.mois))
            )
        ).all()
    )
    limit = rule.threshold()
    for r in selected:
        value = enrolment.get(r["uai"])
        r["effectif_masque"] = rule.is_small(value, limit)
        r["effectif"] = None if r["effectif_masque"] else value
    return pl.DataFrame(selected, schema=SCHOOL_SCHEMA)


MLDS_SCHEMA = {
    "site_code": pl.String, "nom": pl.String, "commune_insee": pl.String, "commune_nom": pl.String,
    "reseau_code": pl.String, "places": pl.Int64, "jeunes_accueillis": pl.Int64, "taux_occupation": pl.Float64,
}  # fmt: skip


def mlds_sites(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> pl.DataFrame:
    """MLDS sites of the focus territory that school year: places, young people, occupancy.

    A count of young people under the threshold is masked, and the occupancy with it.
    """
    return context_mlds_sites(conn, scope, map_context(conn, scope, code, annee_scolaire))


def context_mlds_sites(conn: Connection, scope: Scope, ctx: MapContext) -> pl.DataFrame:
    reseaux, annee_scolaire = _detail_networks(scope, ctx), ctx.annee
    if not reseaux:
        return pl.DataFrame(schema=MLDS_SCHEMA)
    m, c = db.mlds_sites, db.communes
    breakdown = _network_of(ctx)  # a site belongs to its commune's network
    rows = conn.execute(
        select(m.c.site_code, m.c.nom, m.c.commune_insee, c.c.nom.label("commune_nom"), m.c.places,
               m.c.jeunes_accueillis)
        .select_from(m.join(c, c.c.insee == m.c.commune_insee))
        .where(m.c.annee_scolaire == annee_scolaire)
        .order_by(m.c.site_code)
    ).mappings().all()
    limit = rule.threshold()
    out = []
    for r in rows:
        network = breakdown.get(r["commune_insee"])
        if network not in reseaux:
            continue
        accueillis = r["jeunes_accueillis"]
        small = rule.is_small(accueillis, limit)
        out.append({
            **r,
            "reseau_code": network,
            "jeunes_accueillis": None if small else accueillis,
            "taux_occupation": None if small or not r["places"] else accueillis / r["places"],
        })
    return pl.DataFrame(out, schema=MLDS_SCHEMA)


SEAT_SCHEMA = {"reseau_code": pl.String, "reseau_nom": pl.String, "commune_insee": pl.String, "commune_nom": pl.String}


def known_seats() -> dict[str, str]:
    """Seat commune (INSEE) of each network of the default breakdown (docs/architecture.md, "The default breakdown")."""
    return {row[3]: row[5] for row in NETWORKS}


def network_seats(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> pl.DataFrame:
    """Seat commune of every network of the focus territory.

    The seat of docs/architecture.md, "The default breakdown" when the network still holds that commune; otherwise (an imported
    breakdown) the network's most populous commune.
    """
    return context_network_seats(conn, scope, map_context(conn, scope, code, annee_scolaire))


def context_network_seats(conn: Connection, scope: Scope, ctx: MapContext) -> pl.DataFrame:
    index, breakdown = ctx.index, ctx.breakdown
    reseaux = [r for r in ctx.territory.reseaux if r in index]
    c = db.communes
    communes = pl.DataFrame(
        conn.execute(select(c.c.insee, c.c.nom, c.c.population)).all(),
        schema={"commune_insee": pl.String, "commune_nom": pl.String, "population": pl.Int64}, orient="row",
    ).join(breakdown.select("commune_insee", "reseau_code"), on="commune_insee")
    seats = known_seats()
    rows = []
    for reseau in sorted(reseaux):
        if not can_view(index, scope, reseau):
            continue
        members = communes.filter(pl.col("reseau_code") == reseau)
        seat = seats.get(reseau)
        match = members.filter(pl.col("commune_insee") == seat) if seat else members.head(0)
        if match.is_empty():
            match = members.sort("population", descending=True).head(1)
        if match.is_empty():
            continue
        rows.append({"reseau_code": reseau, "reseau_nom": index[reseau].nom,
                     "commune_insee": match["commune_insee"][0], "commune_nom": match["commune_nom"][0]})
    return pl.DataFrame(rows, schema=SEAT_SCHEMA)
