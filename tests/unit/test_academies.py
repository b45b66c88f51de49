"""The geography of France and the reference table of the académies (issue 27): every department in
exactly one académie, names with their article, the default breakdown of any académie."""

import pytest

import geodata
from dashboard import academie


def test_every_department_of_france_in_exactly_one_academie():
    listed = [d for a in geodata.academies() for d in a.departements]
    assert sorted(listed) == sorted(geodata.all_departement_names())
    assert len(listed) == len(set(listed)) == 101
    assert len(geodata.academies()) == 30


def test_official_codes_names_and_regions():
    by_code = {a.code: a for a in geodata.academies()}
    assert (by_code["13"].nom, by_code["13"].departements) == ("Poitiers", ("16", "17", "79", "86"))
    assert (by_code["14"].nom, by_code["14"].departements) == ("Rennes", ("22", "29", "35", "56"))
    assert by_code["14"].region_academique == "Bretagne"
    assert by_code["70"].nom == "Normandie" and by_code["02"].nom_de == "d'Aix-Marseille"
    assert by_code["28"].nom_de == "de La Réunion"


@pytest.mark.parametrize("wanted", ["rennes", "Rennes", "14", "académie de Rennes", " RENNES "])
def test_an_academie_is_found_by_name_or_code(wanted):
    assert geodata.find_academie(wanted).code == "14"


def test_names_with_accents_articles_and_unknown_names():
    assert geodata.find_academie("orleans-tours").code == "18"
    assert geodata.find_academie("4").nom == "Bordeaux"
    assert geodata.find_academie("la reunion").code == "28"
    assert geodata.find_academie("Gondor") is None


def test_communes_of_france_skip_those_without_geometry_or_population():
    every = set(geodata.all_communes()["insee"])
    assert len(every) > 34_000
    for insee in ("12218", "14581", "69114", "60694", "97601"):  # no geometry, no population
        assert insee not in every
    assert len(geodata.communes("14")) == 1202
    assert len(geodata.communes()) == 1338  # Poitiers by default


def test_the_academie_and_its_departments_named_with_their_article():
    rennes = academie.from_code("14")
    assert (rennes.titre, rennes.sujet, rennes.majuscules) == (
        "Académie de Rennes", "l'académie de Rennes", "ACADÉMIE DE RENNES")
    assert academie.departement_sujet("29") == ("le Finistère", False)
    assert academie.departement_sujet("22") == ("les Côtes-d'Armor", True)
    assert academie.departement_sujet("35") == ("l'Ille-et-Vilaine", False)
    assert academie.departement_sujet("75") == ("Paris", False)
    assert academie.departement_de("22") == "des Côtes-d'Armor"
    assert academie.departement_de("29") == "du Finistère"
    assert academie.departement_de("86") == "de la Vienne"
    assert academie.departement_de("35") == "de l'Ille-et-Vilaine"
    assert academie.departement_sujet("D01", "Synthétique") == ("le département Synthétique", False)
    assert academie.from_code("18").sujet == "l'académie d'Orléans-Tours"


def test_local_reference_figures_are_optional_facts_with_their_source():
    poitiers, rennes = academie.from_code("13"), academie.from_code("14")
    assert poitiers.facts.referents.total == 275 and poitiers.facts.referents.source
    assert poitiers.facts.mlds.text == "17 sites, environ 500 jeunes"
    assert rennes.facts.referents is None and rennes.facts.mlds is None


def test_default_breakdown_of_another_academie_one_psad_and_one_network_per_department():
    mapping = geodata.default_breakdown("14")
    assert len(mapping) == 1202 and mapping["commune_insee"].is_unique
    assert sorted(mapping["reseau_code"].unique()) == ["R22", "R29", "R35", "R56"]
    assert sorted(mapping["psad_code"].unique()) == ["P22", "P29", "P35", "P56"]
    names = dict(zip(mapping["reseau_code"], mapping["reseau_nom"], strict=False))
    assert names["R22"] == "Côtes-d'Armor"
    assert (mapping["reseau_code"].str[1:] == mapping["departement_code"]).all()
