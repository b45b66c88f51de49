"""Facts the derived geography must hold (docs/architecture.md, "The default breakdown")."""

import pandas as pd
import shapely

import geodata


def test_1338_communes_of_four_departments():
    communes = geodata.communes()
    assert len(communes) == 1338
    assert communes["insee"].is_unique
    assert sorted(communes["departement_code"].unique()) == ["16", "17", "79", "86"]
    assert communes.crs.to_epsg() == 4326


def test_names_carry_their_article():
    names = dict(zip(geodata.communes()["insee"], geodata.communes()["nom"], strict=True))
    assert names["17300"] == "La Rochelle"
    assert names["86194"] == "Poitiers"


def test_breakdown_counts():
    mapping = geodata.default_breakdown()
    assert len(mapping) == 1338 and mapping["commune_insee"].is_unique
    assert mapping["reseau_code"].nunique() == 14
    assert mapping["psad_code"].nunique() == 10
    per_dep_networks = mapping.groupby("departement_code")["reseau_code"].nunique().to_dict()
    per_dep_psad = mapping.groupby("departement_code")["psad_code"].nunique().to_dict()
    assert per_dep_networks == {"16": 3, "17": 6, "79": 2, "86": 3}
    assert per_dep_psad == {"16": 2, "17": 4, "79": 2, "86": 2}


def test_each_network_in_one_psad_and_each_psad_in_one_department():
    mapping = geodata.default_breakdown()
    assert (mapping.groupby("reseau_code")["psad_code"].nunique() == 1).all()
    assert (mapping.groupby("psad_code")["departement_code"].nunique() == 1).all()


def test_network_seats_belong_to_their_network():
    mapping = geodata.default_breakdown().set_index("commune_insee")["reseau_code"]
    for seat, network in {"16015": "R16-ANG", "16292": "R16-NCH", "17300": "R17-LRO", "86165": "R86-SVI"}.items():
        assert mapping[seat] == network


def test_populations_sum_to_communes_total():
    total = geodata.communes()["population"].sum()
    assert 1_700_000 < total < 1_900_000
    for level in (geodata.reseaux(), geodata.psad(), geodata.departements()):
        assert level["population"].sum() == total


def test_shapes_cover_without_gaps_or_overlaps():
    for level, count in ((geodata.reseaux(), 14), (geodata.psad(), 10), (geodata.departements(), 4)):
        assert len(level) == count
        assert level.geometry.is_valid.all()
        lambert = level.to_crs(2154)
        union_area = shapely.union_all(lambert.geometry.to_numpy()).area
        assert abs(lambert.area.sum() - union_area) / union_area < 1e-6  # no overlap


def test_reference_tables_for_database():
    deps, comms, terr = geodata.load_reference_tables()
    assert len(deps) == 4 and len(comms) == 1338 and len(terr) == 1338
    assert pd.Series([t["annee_debut"] for t in terr]).eq(0).all()
