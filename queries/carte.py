"""Everything the map draws, in one call (``map_data``: the indicator's values, the breakdown
and the point layers asked for), the key figures of the territory beside the map, and which
territory a map zooms into.

Every function takes ``(conn, scope, code, annee_scolaire, ...)`` where ``code`` is the territory
in focus (the sidebar's): it is resolved first (``AccessDenied`` outside the scope). The values and
their states are ``queries.carte_values``; the point layers ``queries.carte_layers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection

from dashboard.access.scope import ACADEMIE, Scope
from queries import figures as figures_query
from queries.carte_layers import context_mlds_sites, context_network_seats, context_schools, map_context
from queries.carte_values import COLOURINGS, context_values, indicator_label
from queries.raccrochage_position import is_closed
from queries.territoires import Territory, resolve_territory

# --- key figures of one territory (side panel) --------------------------------------------------


KEY_FIGURES = (
    "jeunes_signales", "raccroches", "objectif", "taux_atteinte", "part_raccroches", "signales_10000",
    "absenteisme_global", "couverture_referents", "eleves_reperes_pour_1000", "statut_trajectoire", "situation_annee",
)  # fmt: skip


def territory_figures(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> dict:
    """The figures export of one territory (``queries.figures.territory_figures``)."""
    return dict(figures_query.territory_figures(conn, scope, code, annee_scolaire))


def key_figures(conn: Connection, scope: Scope, code: str, annee_scolaire: str) -> dict:
    """Key figures of one territory for the panel beside the map: the figures export's values
    (masked ones are None and listed in ``masque``) plus jeunes signalés per 10 000 inhabitants.

    Keys: ``territoire``, ``nom``, ``niveau``, ``label``, ``parent_code``, ``population``,
    ``masque`` and every key of ``KEY_FIGURES``.
    """
    territory = resolve_territory(conn, scope, code, annee_scolaire)
    figures = territory_figures(conn, scope, code, annee_scolaire)
    masked = list(figures.get("masque") or [])
    signales = figures.get("jeunes_signales")
    per10k = signales / territory.population * 10_000 if signales is not None and territory.population else None
    if signales is None and "jeunes_signales" in masked:
        masked.append("signales_10000")
    out = {
        "territoire": territory.code,
        "nom": territory.nom,
        "niveau": territory.niveau,
        "label": territory.label,
        "parent_code": territory.parent_code,
        "population": territory.population,
        "signales_10000": per10k,
        "masque": masked,
    }
    for key in KEY_FIGURES:
        if key != "signales_10000":
            out[key] = figures.get(key)
    return out


# --- everything the map needs, in one call ------------------------------------------------------


@dataclass(frozen=True)
class MapData:
    """What a map (interactive or static) draws: values, breakdown, and the optional layers."""

    annee: str
    level: str
    indicator: str
    type_etab: str | None
    focus: Territory
    values: pl.DataFrame
    breakdown: pl.DataFrame  # commune_insee → reseau_code, psad_code, departement_code
    schools: pl.DataFrame | None = None
    mlds: pl.DataFrame | None = None
    seats: pl.DataFrame | None = None
    colouring: str = "taux"  # COLOURINGS: "statut" for the rate of achievement coloured by status

    @property
    def by_status(self) -> bool:
        return self.indicator == "taux_atteinte" and self.colouring == "statut"

    @property
    def closed(self) -> bool:
        phases = {p for p in self.values["phase"].to_list() if p}
        return bool(phases) and all(is_closed(p) for p in phases)

    @property
    def label(self) -> str:
        if self.by_status:
            return "Objectif de raccrochage de l'année" if self.closed else "Statut par rapport à la trajectoire"
        return indicator_label(self.indicator, self.type_etab)


def map_data(
    conn: Connection,
    scope: Scope,
    code: str,
    annee_scolaire: str,
    level: str = "reseau",
    indicator: str = "taux_atteinte",
    type_etab: str | None = None,
    layers: tuple[str, ...] = (),
    colouring: str = "statut",
) -> MapData:
    """Values for ``level`` and ``indicator`` plus the layers asked for ("etablissements",
    "mlds", "sieges"), for the focus territory ``code``; the rate of achievement is coloured by
    status at the date unless ``colouring`` is "taux" (fixed bands of the annual rate)."""
    ctx = map_context(conn, scope, code, annee_scolaire)
    return MapData(
        annee=annee_scolaire,
        level=level,
        indicator=indicator,
        type_etab=type_etab,
        focus=ctx.territory,
        values=context_values(conn, scope, ctx, level, indicator, type_etab),
        breakdown=ctx.breakdown,
        schools=context_schools(conn, scope, ctx) if "etablissements" in layers else None,
        mlds=context_mlds_sites(conn, scope, ctx) if "mlds" in layers else None,
        seats=context_network_seats(conn, scope, ctx) if "sieges" in layers else None,
        colouring=colouring if colouring in COLOURINGS else "statut",
    )


LEVEL_RANK = {"reseau": 0, "psad": 1, "departement": 2, "academie": 3}


def codes_within(breakdown: pl.DataFrame, level: str, territory: Territory) -> list[str]:
    """The territories of ``level`` inside ``territory`` (those holding one of its networks): the
    académie holds them all; a department its PSAD and networks; a network its PSAD and department."""
    column = f"{level}_code"
    if column not in breakdown.columns:
        return []
    inside = breakdown if territory.niveau == "academie" else breakdown.filter(
        pl.col("reseau_code").is_in(list(territory.reseaux)))
    return sorted(c for c in inside[column].unique().to_list() if c)


def zoom_target(level: str, previous_level: str | None, selected: Territory | None,
                current: Territory | None) -> Territory | None:
    """The territory a map of ``level`` zooms into: the selected territory when the level has just
    gone below it (a department clicked, then « PSAD » chosen), kept while the level stays below
    it; none once the level is back at or above it."""
    if (selected is not None and previous_level is not None and level != previous_level
            and LEVEL_RANK.get(selected.niveau, 0) > LEVEL_RANK[level]):
        return selected
    if current is not None and LEVEL_RANK.get(current.niveau, 0) > LEVEL_RANK[level]:
        return current
    return None


def default_focus(scope: Scope) -> str:
    """The territory a map opens on for ``scope`` when none is given."""
    return ACADEMIE if scope.aggregates_only else scope.territoire_code
