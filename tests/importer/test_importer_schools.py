"""Unit tests of issue 16: the nature-code map, code restoration, departments and communes, the
column mapping (core and command line), and a synthetic 65 000-row national directory with the
Annuaire de l'éducation's real columns, filtered and imported in ≤ 10 s."""

from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard.importer import mapping as mappings
from dashboard.importer import natures, places, schools, service
from dashboard.importer.parsing import parse_code, parse_insee, restore_code
from dashboard.importer.reading import read_file
from dashboard.store import database, db, lifecycle
from tests.support import cli
from tests.support.annuaire import national_directory
from tests.support.importer import csv_bytes

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md


@pytest.mark.parametrize("value, expected", [
    ("340", ("COLLEGE", None)), ("300", ("LGT", None)), ("302", ("LGT", None)), ("306", ("LPO", None)),
    ("320", ("LP", None)), ("334", ("LP", None)), ("335", ("LGT", None)), ("370", ("EREA", None)),
    ("340.0", ("COLLEGE", None)),
    ("COLLEGE", ("COLLEGE", None)), ("Collège", ("COLLEGE", None)), ("LEGT", ("LGT", None)),
    ("LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", ("LGT", None)), ("LYCEE D ENSEIGNEMENT GENERAL", ("LGT", None)),
    ("LYCEE POLYVALENT", ("LPO", None)), ("LPO LYCEE DES METIERS", ("LPO", None)),
    ("LYCEE PROFESSIONNEL", ("LP", None)), ("SECTION D ENSEIGNEMENT PROFESSIONNEL", ("LP", None)),
    ("SECTION ENSEIGT GENERAL ET TECHNOLOGIQUE", ("LGT", None)), ("LYCEE GEN.ET TECHNOL.PRIVE", ("LGT", None)),
    ("ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE", ("EREA", None)), ("EREA", ("EREA", None)),
    ("841", (None, "nature 841")), ("151", (None, "nature 151")),
    ("CENTRE D INFORMATION ET D ORIENTATION", (None, "CENTRE D INFORMATION ET D ORIENTATION")),
    ("Information et orientation", (None, "Information et orientation")),
    ("LYCÉE AGRICOLE EDOUARD HERRIOT", (None, "LYCÉE AGRICOLE EDOUARD HERRIOT")),
    ("Lycée", (None, None)), ("n'importe quoi", (None, None)),
])
def test_nature_codes_and_labels(value, expected):
    assert natures.nature(value) == expected


@pytest.mark.parametrize("value, expected", [
    ("Public", ("PUBLIC", False)), ("PU", ("PUBLIC", False)), ("public", ("PUBLIC", False)),
    ("Privé", ("PRIVE", False)), ("privé sous contrat", ("PRIVE", False)), ("PR", ("PRIVE", False)),
    ("Privé hors contrat", ("PRIVE", True)), ("mixte", (None, False)),
])
def test_sector_labels(value, expected):
    assert schools.sector(value) == expected


@pytest.mark.parametrize("text, width, expected", [
    ("16015.0", 5, "16015"), ("16015", 5, "16015"), ("1269.0", 5, "01269"), ("1269", 5, "01269"),
    ("16.0", None, "16"), ("16,0", None, "16"), ("016", None, "016"), (" 86194 ", 5, "86194"),
    ("2A004", 5, "2A004"), ("R86-POI", None, "R86-POI"), ("16.5", None, "16.5"),
])
def test_codes_stored_as_numbers_are_restored(text, width, expected):
    assert restore_code(text, width) == expected


def test_codes_restored_as_each_column_requires():
    assert parse_insee("16015.0") == ("16015", None) and parse_insee("1269.0") == ("01269", None)
    assert parse_code("16.0") == ("16", None)
    assert [places.department_code(v) for v in ("16.0", "016", "16", "1.0", "1", "2A", "971", "DEUX-SEVRES",
                                                 "Ille-et-Vilaine", "20", "xyz")] == [
        "16", "16", "16", "01", "01", "2A", "971", "79", "35", None, None]
    assert places.department_of_postcode("1600") == "01" and places.department_of_postcode("16016") == "16"
    assert places.department_of_uai("0010059J") == "01" and places.department_of_uai("6200001A") == "2A"


def test_commune_names_are_resolved_within_their_department(db_engine):
    from dashboard.importer.references import References

    with db_engine.connect() as conn:
        names = places.CommuneNames(References(conn).communes())
    assert names.find("ST MAIXENT L ECOLE", "79") == "79270"
    assert names.find("SAINT-MAIXENT-L'ECOLE", "79") == "79270"
    assert names.find("ANGOULÊME CEDEX", "16") == "16015"
    assert names.find("LA ROCHEFOUCAULD EN ANGOUM", "16") == "16281"  # cut at 26 characters
    assert names.find("MONTEMBOEUF", "16") == "16225"  # œ
    assert names.find("POITIERS", "16") is None and names.find("MANSLE", "16") is None


def school_rows(rows: list[list], header=("uai", "nom", "code_nature", "secteur", "code_commune",
                                          "code_departement", "etat", "rep", "rep_plus")) -> bytes:
    return csv_bytes(list(header), rows)


def test_a_school_whose_commune_and_department_disagree_is_an_error_naming_both(db_engine):
    data = school_rows([["0860001J", "Collège A", "340", "Public", "1053", "016", "OUVERT", "0", "0"],
                        ["0860002K", "Collège B", "340", "Public", "86194", "086", "OUVERT", "1", "0"]])
    result = service.import_file(db_engine, data, "x.csv")
    [problem] = result.report.issues.filter(pl.col("regle") == "commune et département").to_dicts()
    assert problem["ligne"] == 2 and "01053" in problem["explication"] and "01 (Ain)" in problem["explication"]
    assert "16 (Charente)" in problem["explication"]
    assert not result.written


def test_closed_and_out_of_field_schools_are_set_aside_with_counts(db_engine):
    data = school_rows([
        ["0860001J", "Collège A", "340", "Public", "86194", "86", "OUVERT", "0", "1"],
        ["0860002K", "Lycée B", "306", "Privé", "86194", "86", "FERMÉ", "0", "0"],
        ["0860003L", "CIO de Poitiers", "841", "Public", "86194", "86", "OUVERT", "0", "0"],
        ["0350001A", "Collège de Rennes", "340", "Public", "35238", "35", "OUVERT", "0", "0"],
    ])
    result = service.import_file(db_engine, data, "x.csv")
    assert result.written and result.counts.added == 1
    assert dict(result.report.set_aside) == {"hors académie": 1, "hors champ": 1, "établissement fermé": 1}
    [closed] = result.report.issues.filter(pl.col("regle") == "établissement fermé").to_dicts()
    assert closed["ligne"] == 3 and closed["gravite"] == "avertissement"
    with db_engine.connect() as conn:
        assert conn.execute(select(db.etablissements.c.education_prioritaire)).scalar_one() == "REP+"


def test_bad_school_files_still_get_the_line_by_line_report_and_change_nothing(db_engine):
    data = school_rows([["0860001X", "Collège A", "Lycée", "Public", "86194", "86", "OUVERT", "0", "0"]])
    result = service.import_file(db_engine, data, "x.csv")
    rules = {(p["ligne"], p["regle"]) for p in result.report.issues.to_dicts() if p["gravite"] == "erreur"}
    assert rules == {(2, "lettre de contrôle UAI"), (2, "valeur permise")}
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() == 0


# --- the mapping -------------------------------------------------------------------------------------


FOREIGN = csv_bytes(["Numéro", "Établissement", "Catégorie d'établissement", "Statut", "Code commune INSEE"],
                    [["0860001J", "Collège A", "Collège", "Public", "86194"],
                     ["0860002K", "Lycée B", "Lycée pro", "Privé", "86194"]])


def test_the_proposal_reads_headers_only_and_leaves_the_rest_to_the_user():
    """Issue 24: values never choose a column (« Numéro » holds UAI, but nothing in its header says
    so); the same words in another order do (« Code commune INSEE »)."""
    raw = read_file(FOREIGN, "x.csv", "etablissements")
    proposal = mappings.propose(raw, "etablissements")
    assert proposal.columns == {"nom": "Établissement", "secteur": "Statut", "commune_insee": "Code commune INSEE"}
    assert mappings.unassigned(proposal) == ["uai", "type"]
    chosen = mappings.Mapping("etablissements", {**proposal.columns, "type": "Catégorie d'établissement"})
    assert mappings.propose_values(raw, chosen) == {"type": {"Lycée pro": ""}}  # « Collège » is understood


def test_a_mapping_is_applied_saved_and_proposed_again(db_engine):
    raw = read_file(FOREIGN, "x.csv", "etablissements")
    made = mappings.Mapping("etablissements", {**mappings.propose(raw, "etablissements").columns,
                                               "uai": "Numéro", "type": "Catégorie d'établissement"},
                            values={"type": {"Lycée pro": "LP"}}, name="Établissements du rectorat")
    assert not service.validate(db_engine, FOREIGN, "x.csv").ok
    result = service.import_file(db_engine, FOREIGN, "x.csv", mapping=made)
    assert result.written and result.counts.added == 2
    mappings.save_profile(db_engine, made, raw.headers)
    shuffled = csv_bytes(["Code commune INSEE", "Statut", "Numéro", "Établissement", "Catégorie d'établissement"],
                         [["86194", "Public", "0860001J", "Collège A", "Collège"]])
    with db_engine.connect() as conn:
        assert mappings.profile_for(conn, read_file(shuffled, "y.csv").headers) == made
        assert mappings.profile_names(conn) == ["Établissements du rectorat"]
    assert mappings.Mapping.from_json(made.to_json()) == made


def test_a_mapping_naming_a_missing_column_is_refused_in_french(db_engine):
    made = mappings.Mapping("etablissements", {"uai": "UAI absente"})
    result = service.validate(db_engine, FOREIGN, "x.csv", mapping=made)
    assert not result.ok and "UAI absente" in result.report.issues["explication"][0]


def test_the_command_line_takes_a_mapping_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = database.make_engine(url)
    lifecycle.init_database(engine)
    source = tmp_path / "etablissements.csv"
    source.write_bytes(FOREIGN)
    made = mappings.Mapping("etablissements", {"uai": "Numéro", "nom": "Établissement",
                                               "type": "Catégorie d'établissement", "secteur": "Statut",
                                               "commune_insee": "Code commune INSEE"},
                            values={"type": {"Lycée pro": "LP"}})
    mapping_file = tmp_path / "correspondance.json"
    mapping_file.write_text(made.to_json(), encoding="utf-8")

    def run(*args):
        return cli.run_cli("dashboard.importer", str(source), "--database-url", url, *args)

    refused = run()
    assert refused.returncode == 1
    done = run("--correspondance", str(mapping_file), "--enregistrer-correspondance", "Rectorat")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 lignes ajoutées" in done.stdout
    again = run("--correspondance", "Rectorat")
    assert again.returncode == 0 and "rien n'a changé" in again.stdout
    bad = run("--correspondance", "Inconnue")
    assert bad.returncode == 2 and "introuvable" in bad.stderr and "Traceback" not in bad.stderr
    broken = tmp_path / "casse.json"
    broken.write_text(json.dumps({"type_fichier": "etablissements", "colonnes": {"inconnue": "x"}}))
    assert run("--correspondance", str(broken)).returncode == 2
    engine.dispose()


# --- a national directory of 65 000 rows -------------------------------------------------------------


def test_a_national_directory_of_65000_rows_is_filtered_and_imported(databases, tmp_path):
    """Its time: ``make bench`` (bench_importer, « annuaire national »)."""
    engine = database.make_engine(databases.sqlite.copy("geo", tmp_path))
    with engine.connect() as conn:
        communes = sorted(conn.execute(select(db.communes.c.insee)).scalars())[::7]
    data, inside = national_directory(65_000, communes)
    result = service.import_file(engine, data, "fr-en-annuaire-education.csv")
    assert result.written, result.report.as_text(20)
    assert result.counts.added == inside
    aside = dict(result.report.set_aside)
    assert aside["hors académie"] == 65_000 - inside - aside.get("hors champ", 0)
    engine.dispose()
