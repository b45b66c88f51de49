"""Imports a data manager can trust (issue 24), with files as people make them — a title line,
human headers, Windows-1252, decimal commas, the data on a sheet that is not the first:

* the usual headers of a bilan (« EPLE », « CFA », « Autres », « Contrats »…) are read as the
  columns they name, and nothing else is: a column whose header names nothing stays unassigned;
* a mapping (page or ``--correspondance``) that swaps columns is refused by the plausibility rules,
  which name the file's columns;
* an unknown territory code gets « Vouliez-vous dire « R17-ROY » (Royan) ? », from a name or a
  near code.
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import select

from dashboard.importer import contracts, report, service
from dashboard.importer import mapping as mappings
from dashboard.importer.reading import read_file
from dashboard.store import database, db, lifecycle
from tests.support import cli
from tests.support.importer import HUMAN, PERIODS, people_csv, people_xlsx

EXPECTED = {  # what the database holds for the first period
    "jeunes_signales": 120, "jeunes_contactes": 95, "entretiens": 80, "solutions_proposees": 60,
    "raccroches_formation_initiale": 20, "raccroches_structure_innovante": 2, "raccroches_apprentissage": 8,
    "raccroches_mlds": 6, "raccroches_service_civique": 3, "raccroches_autres": 4, "contrats_foquale": 30,
}


def stored_bilan(engine, network: str, end: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(db.bilans).where(db.bilans.c.reseau_code == network,
                                                   db.bilans.c.periode_fin == end)).mappings().one()
    return dict(row)


# --- the issue's file: headers as the académie writes them -----------------------------------------


def test_the_issue_file_is_read_column_by_column_as_its_headers_say(engine):
    data = people_csv(HUMAN, PERIODS)
    raw = read_file(data, "bilans.csv")
    assert mappings.proposed_kind(raw.headers) == "bilans"
    proposal = mappings.propose(raw, "bilans")
    assert {k: proposal.columns[k] for k in ("raccroches_formation_initiale", "raccroches_apprentissage",
                                             "raccroches_autres", "contrats_foquale")} == {
        "raccroches_formation_initiale": "EPLE", "raccroches_apprentissage": "CFA", "raccroches_autres": "Autres",
        "contrats_foquale": "Contrats"}
    assert mappings.unassigned(proposal) == []
    result = service.import_file(engine, data, "bilans.csv")
    assert result.kind == "bilans" and result.written, result.report.as_text()
    got = stored_bilan(engine, "R86-POI", "2016-10-31")
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert stored_bilan(engine, "R86-POI", "2016-12-31")["contrats_foquale"] == 25


def test_the_same_table_on_the_second_sheet_of_a_workbook(engine):
    rows = [[r[0], r[1], r[2], *[float(v.replace(",", ".")) for v in r[3:]]] for r in PERIODS]
    result = service.import_file(engine, people_xlsx(HUMAN, rows), "bilans.xlsx")
    assert result.written, result.report.as_text()
    assert "Saisie 2016-2017" in result.report.description
    got = stored_bilan(engine, "R86-POI", "2016-10-31")
    assert {k: got[k] for k in EXPECTED} == EXPECTED


def test_headers_naming_nothing_stay_unassigned_and_abbreviations_are_read():
    header = ["Année", "Fin", "Réseau", "Nb jeunes sign.", "Contactés", "Entretiens", "Solutions", "Retour lycée",
              "Struct. innov.", "Apprentis", "MLDS", "Serv. civ.", "Autres", "Contr. FOQUALE"]
    raw = read_file(people_csv(header, PERIODS[:1]), "bilans.csv")
    proposal = mappings.propose(raw, "bilans")
    assert mappings.unassigned(proposal) == ["periode_fin", "raccroches_formation_initiale"]
    assert (proposal.columns["jeunes_signales"], proposal.columns["raccroches_structure_innovante"],
            proposal.columns["raccroches_service_civique"], proposal.columns["contrats_foquale"]) == (
        "Nb jeunes sign.", "Struct. innov.", "Serv. civ.", "Contr. FOQUALE")
    assert mappings.sample_values(raw, "Retour lycée") == ["20"]


def test_a_header_naming_two_columns_is_left_to_the_user():
    raw = read_file(people_csv(["Année scolaire", "Rac."], [["2016-2017", "3"]]), "x.csv")
    assert "raccroches_formation_initiale" not in mappings.propose(raw, "bilans").columns
    assert not contracts.loose_match("Ra", contracts.BILANS.column("raccroches_mlds"))


def test_the_kind_proposed_is_the_one_the_report_names(engine):
    header = [*HUMAN[:6], *[f"Colonne {n}" for n in range(7, 15)]]
    data = people_csv(header, [PERIODS[0]])
    checked = service.validate(engine, data, "bilans.csv")
    assert checked.kind is None
    assert "S'il s'agit d'un fichier « Bilans bimestriels »" in checked.report.issues["explication"][0]
    assert mappings.proposed_kind(read_file(data, "bilans.csv").headers) == "bilans"
    assert mappings.proposed_kind(["Colonne A", "Colonne B"]) is None


def test_a_saved_mapping_is_named_after_its_kind_and_the_file_columns():
    name = mappings.default_name("bilans", HUMAN)
    assert name.startswith("Bilans bimestriels — Année scolaire, Date de fin, Réseau, Signalés, Contactés")
    assert len(name) <= 80 and name.endswith("…")
    assert mappings.default_name("objectifs", ["Année", "Code"]) == "Objectifs — Année, Code"


# --- plausibility --------------------------------------------------------------------------------------


def swapped(**changes: str) -> mappings.Mapping:
    """The mapping of the issue's file with some columns swapped (what a careless choice does)."""
    columns = dict(zip(contracts.BILANS.names, HUMAN, strict=True)) | changes
    return mappings.Mapping("bilans", columns, name="Bilans")


def plausibility_errors(result) -> list[dict]:
    return result.report.issues.filter(pl.col("regle").str.ends_with("(vraisemblance)")).to_dicts()


def test_a_mapping_that_swaps_the_funnel_is_refused_naming_the_columns(engine):
    data = people_csv(HUMAN, PERIODS)
    made = swapped(jeunes_signales="Entretiens", entretiens="Signalés")
    result = service.import_file(engine, data, "bilans.csv", mapping=made)
    assert not result.written
    errors = {e["regle"]: e for e in plausibility_errors(result)}
    assert set(errors) == {"contactés ≤ signalés (vraisemblance)", "entretiens ≤ contactés (vraisemblance)"}
    error = errors["contactés ≤ signalés (vraisemblance)"]
    assert error["gravite"] == report.ERROR
    assert error["explication"].startswith("Sur 3 lignes sur 3, il y a plus de jeunes contactés que de jeunes "
                                           "signalés (en cumul depuis le début de l'année scolaire)")
    assert "« Entretiens » (lue comme jeunes_signales)" in error["explication"]
    assert "les colonnes ont probablement été mal associées" in error["explication"]


def test_contracts_above_raccroches_on_most_lines_are_refused(engine):
    made = swapped(contrats_foquale="Signalés", jeunes_signales="Contrats", jeunes_contactes="Solutions",
                   solutions_proposees="Contactés")
    result = service.validate(engine, people_csv(HUMAN, PERIODS), "bilans.csv", mapping=made)
    rules = {e["regle"] for e in plausibility_errors(result)}
    assert "contrats FOQUALE ≤ raccrochés (vraisemblance)" in rules
    assert not result.ok


def test_contracts_above_raccroches_on_one_line_only_warn(engine):
    rows = [PERIODS[0][:13] + ["60"], PERIODS[1][:13] + ["0,0"], PERIODS[2]]  # 60 contracts for 43 raccrochés
    result = service.validate(engine, people_csv(HUMAN, rows), "bilans.csv")
    assert result.ok, result.report.as_text()
    [warning] = result.report.issues.filter(pl.col("regle") == "contrats FOQUALE ≤ raccrochés").to_dicts()
    assert (warning["ligne"], warning["gravite"], warning["valeur"]) == (3, report.WARNING, "60 > 43")


def test_absentees_and_enrolment_swapped_are_refused_naming_both(engine):
    header = ["N° UAI", "Mois", "Élèves absentéistes", "Effectif"]  # in the other order than the template
    rows = [["0860001J", f"2015-{m:02d}", "18", "650"] for m in (1, 2, 3)]
    made = mappings.Mapping("absenteisme", {"uai": "N° UAI", "mois": "Mois", "effectif": "Élèves absentéistes",
                                            "eleves_absenteistes": "Effectif"})
    result = service.validate(engine, people_csv(header, rows, "Absentéisme"), "abs.csv", mapping=made)
    [error] = plausibility_errors(result)
    assert "« Effectif » (lue comme eleves_absenteistes)" in error["explication"]
    assert "« Élèves absentéistes » (lue comme effectif)" in error["explication"]


def test_right_files_break_no_plausibility_rule(demo_engine):
    """The demonstration bilans (six periods of fourteen networks, five years) pass as they are."""
    with demo_engine.connect() as conn:
        frame = pl.DataFrame([dict(r) for r in conn.execute(select(db.bilans)).mappings()])
    data = frame.with_columns(pl.col(c).cast(pl.String) for c in db.BILAN_COUNT_COLUMNS).write_csv(
        separator=";").encode()
    result = service.validate(demo_engine, data, "demo.csv", "bilans")
    assert plausibility_errors(result) == []
    assert result.report.issues.filter(pl.col("regle") == "contrats FOQUALE ≤ raccrochés").is_empty()


# --- territory codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("written, hint", [
    ("Royan", "Vouliez-vous dire « R17-ROY » (Royan) ?"),
    ("royan", "Vouliez-vous dire « R17-ROY » (Royan) ?"),
    ("R17-JOM", "Vouliez-vous dire « R17-JON » (Haute-Saintonge) ?"),
    ("Haute Saintonge", "Vouliez-vous dire « R17-JON » (Haute-Saintonge) ?"),
    ("Saint-Jean-d'Angely", "Vouliez-vous dire « R17-SJA » (Saint-Jean-d'Angély) ?"),
])
def test_an_unknown_network_is_answered_with_the_network_it_names(engine, written, hint):
    rows = [PERIODS[0][:2] + [written] + PERIODS[0][3:]]
    result = service.validate(engine, people_csv(HUMAN, rows), "bilans.csv")
    [problem] = result.report.issues.filter(pl.col("gravite") == report.ERROR).to_dicts()
    assert hint in problem["explication"]
    assert "La liste des codes de l'année" in problem["explication"]


def test_an_unknown_target_territory_names_every_territory_of_that_name(engine):
    data = people_csv(["Année scolaire", "Territoire", "Objectif"], [["2016-2017", "Poitiers", "250"]])
    [problem] = service.validate(engine, data, "objectifs.csv").report.issues.to_dicts()
    assert "Vouliez-vous dire « P86-POI » (PSAD Poitiers) ou « R86-POI » (Poitiers) ?" in problem["explication"]


# --- the command line -------------------------------------------------------------------------------


def run_cli(*args: str):
    return cli.run_cli("dashboard.importer", *args)


def test_the_command_line_proposes_refuses_a_swap_and_names_a_saved_mapping(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    engine = database.make_engine(url)
    lifecycle.init_database(engine)
    header = [*HUMAN[:7], "Retour lycée", *HUMAN[8:]]
    source = tmp_path / "bilans.csv"
    source.write_bytes(people_csv(header, PERIODS))
    proposal = tmp_path / "proposition.json"
    done = run_cli(str(source), "--proposer-correspondance", str(proposal))
    assert done.returncode == 0, done.stderr
    assert "À compléter (colonnes obligatoires sans colonne du fichier) : raccroches_formation_initiale" in done.stdout
    document = json.loads(proposal.read_text(encoding="utf-8"))
    assert document["colonnes"]["raccroches_formation_initiale"] == ""
    assert document["colonnes"]["contrats_foquale"] == "Contrats"
    assert document["exemples"]["Retour lycée"] == ["20", "18,0", "15"]
    incomplete = run_cli(str(source), "--database-url", url, "--correspondance", str(proposal))
    assert incomplete.returncode == 1 and "raccroches_formation_initiale" in incomplete.stdout
    document["colonnes"] |= {"raccroches_formation_initiale": "Signalés", "jeunes_signales": "Retour lycée"}
    proposal.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    wrong = run_cli(str(source), "--database-url", url, "--correspondance", str(proposal))
    assert wrong.returncode == 1, wrong.stdout
    assert "(vraisemblance)" in wrong.stdout and "« Retour lycée » (lue comme jeunes_signales)" in wrong.stdout
    document["colonnes"] |= {"raccroches_formation_initiale": "Retour lycée", "jeunes_signales": "Signalés"}
    proposal.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    right = run_cli(str(source), "--database-url", url, "--correspondance", str(proposal),
                    "--enregistrer-correspondance")
    assert right.returncode == 0, right.stdout + right.stderr
    assert "Correspondance enregistrée sous le nom « Bilans bimestriels — Année scolaire, Date de fin" in right.stdout
    with engine.connect() as conn:
        assert mappings.profile_names(conn) == [document["nom"]]
    assert stored_bilan(engine, "R86-POI", "2016-10-31")["raccroches_formation_initiale"] == 20
    engine.dispose()
