"""The two prevention files (issue 17), SQLite and PostgreSQL: ``referents`` (one school, one school
year) and ``prevention`` (one school, one month). Every rule with a bad file (French report naming
line, column and rule; nothing written), good files imported twice (the second time changes
nothing), templates, kind detection."""

from __future__ import annotations

import pytest

from dashboard.importer import contracts, service, templates
from dashboard.importer.report import ERROR, WARNING
from tests.support.importer import (
    absence,
    absences_file,
    csv_bytes,
    issues,
    snapshot,
    table_rows,
)

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

REFERENT_HEADER = ["N° UAI", "Année scolaire", "Fonction du référent", "Formation suivie"]
GPDS_HEADER = ["UAI", "Mois", "Élèves repérés", "Élèves suivis", "Réunions GPDS", "Solutions internes",
               "Signalements plateforme"]
GPDS_COLUMNS = ("eleves_reperes", "eleves_suivis", "reunions_gpds", "solutions_internes", "signalements_plateforme")


def referents_file(*rows: list) -> bytes:
    return csv_bytes(REFERENT_HEADER, list(rows))


def gpds(uai: str = "0860001J", mois: str = "2015-01", reperes=6, suivis=4, reunions=2, internes=2,
         plateforme=0, annee: str | None = None) -> list:
    return [uai, mois, reperes, suivis, reunions, internes, plateforme, *([] if annee is None else [annee])]


def prevention_file(*rows: list) -> bytes:
    with_year = any(len(r) > len(GPDS_HEADER) for r in rows)
    return csv_bytes([*GPDS_HEADER, *(["Année scolaire"] if with_year else [])], list(rows))


def refused(engine, data: bytes, kind: str, rule: str) -> dict:
    """Import ``data``: refused, nothing written, and ``rule`` is the only error of the report."""
    before = snapshot(engine)
    result = service.import_file(engine, data, "fichier.csv", kind)
    assert not result.written and "Rien n'a été écrit" in result.summary()
    errors = issues(result, severity=ERROR)
    assert [e["regle"] for e in errors] == [rule], errors
    assert snapshot(engine) == before
    return errors[0]


def data_rows(engine, name: str) -> list[dict]:
    key = ("uai", "annee_scolaire") if name == "referents" else ("uai", "mois")
    return sorted(table_rows(engine, name), key=lambda r: tuple(r[k] for k in key))


# --- referents ----------------------------------------------------------------------------------------


GOOD_REFERENTS = referents_file(
    ["0860001J", "2014-2015", "Chef d'établissement", "oui"],
    ["0860002K", "2014-2015", "Chef de travaux", "Non"],
    ["0160003S", "2014-2015", "Psy-EN", ""],
    ["0170004M", "2014/2015", "CPE", "x"],
    ["0860001J", "2015-2016", "Professeur documentaliste", "non"],
)


def test_good_referents_file_imported_twice_changes_nothing_the_second_time(engine):
    first = service.import_file(engine, GOOD_REFERENTS, "referents.csv")
    assert first.kind == "referents" and first.written, first.report.issues
    assert (first.counts.added, first.counts.changed) == (5, 0)
    assert first.summary().startswith("Import réussi (Référents décrochage) : 5 lignes ajoutées")
    rows = data_rows(engine, "referents")
    assert [(r["uai"], r["annee_scolaire"], r["fonction"], r["formation_suivie"]) for r in rows] == [
        ("0160003S", "2014-2015", "PSYEN", None),
        ("0170004M", "2014-2015", "CPE", True),
        ("0860001J", "2014-2015", "PERSONNEL_DE_DIRECTION", True),
        ("0860001J", "2015-2016", "PROFESSEUR_DOCUMENTALISTE", False),
        ("0860002K", "2014-2015", "DDFPT", False),
    ]
    before = snapshot(engine)
    second = service.import_file(engine, GOOD_REFERENTS, "referents.csv")
    assert second.written and (second.counts.added, second.counts.changed, second.counts.unchanged) == (0, 0, 5)
    assert "rien n'a changé" in second.summary()
    after = snapshot(engine)
    assert after.pop("import_log") != before.pop("import_log")  # the import is logged all the same
    assert after == before


def test_a_new_function_replaces_the_school_year_row(engine):
    service.import_file(engine, GOOD_REFERENTS, "referents.csv")
    result = service.import_file(engine, referents_file(["0860001J", "2014-2015", "Principal adjoint", "non"]),
                                  "correction.csv", "referents")
    assert (result.counts.added, result.counts.changed, result.counts.unchanged) == (0, 1, 0)
    row = next(r for r in data_rows(engine, "referents") if r["uai"] == "0860001J" and r["annee_scolaire"] == "2014-2015")
    assert (row["fonction"], row["formation_suivie"]) == ("PERSONNEL_DE_DIRECTION", False)
    assert len(data_rows(engine, "referents")) == 5


@pytest.mark.parametrize("label, code", [
    ("CPE", "CPE"), ("Conseillère principale d'éducation", "CPE"),
    ("Personnel de direction", "PERSONNEL_DE_DIRECTION"), ("Chef d'établissement", "PERSONNEL_DE_DIRECTION"),
    ("PRINCIPAL", "PERSONNEL_DE_DIRECTION"), ("Proviseur", "PERSONNEL_DE_DIRECTION"),
    ("proviseure adjointe", "PERSONNEL_DE_DIRECTION"), ("Enseignant", "ENSEIGNANT"), ("Professeur", "ENSEIGNANT"),
    ("Professeur documentaliste", "PROFESSEUR_DOCUMENTALISTE"), ("Documentaliste", "PROFESSEUR_DOCUMENTALISTE"),
    ("Chef de travaux", "DDFPT"), ("DDFPT", "DDFPT"), ("AED", "ASSISTANT_EDUCATION"),
    ("Assistant d'éducation", "ASSISTANT_EDUCATION"), ("COP", "PSYEN"), ("Psy-EN", "PSYEN"), ("PsyEN", "PSYEN"),
    ("Psychologue de l'Éducation nationale", "PSYEN"), ("Autre", "AUTRE"), ("infirmière", "AUTRE"),
    ("ASSISTANT_EDUCATION", "ASSISTANT_EDUCATION"),
])
def test_functions_written_in_french(engine, label, code):
    checked = service.validate(engine, referents_file(["0860001J", "2014-2015", label, ""]), "r.csv", "referents")
    assert checked.ok, checked.report.issues
    assert checked.rows["fonction"].to_list() == [code]


def test_unknown_function_is_refused(engine):
    problem = refused(engine, referents_file(["0860001J", "2014-2015", "CPE", "oui"],
                                             ["0860002K", "2014-2015", "Gardien", "oui"]), "referents", "valeur permise")
    assert (problem["ligne"], problem["colonne"], problem["valeur"]) == (3, "Fonction du référent", "Gardien")
    assert problem["explication"].startswith("« Gardien » n'est pas permis pour « Fonction du référent »")
    assert "PSYEN (COP, psychologue de l'Éducation nationale)" in problem["explication"]


@pytest.mark.parametrize("value, expected", [("oui", True), ("OUI", True), ("O", True), ("Non", False),
                                             ("n", False), ("", None)])
def test_training_yes_no_or_empty(engine, value, expected):
    checked = service.validate(engine, referents_file(["0860001J", "2014-2015", "CPE", value]), "r.csv")
    assert checked.ok, checked.report.issues
    assert checked.rows["formation_suivie"].to_list() == [expected]


def test_training_other_answer_is_refused(engine):
    problem = refused(engine, referents_file(["0860001J", "2014-2015", "CPE", "peut-être"]), "referents",
                      "valeur permise")
    assert problem["colonne"] == "Formation suivie" and "oui ou non" in problem["explication"]


def test_referent_of_an_unknown_school_is_refused(engine):
    problem = refused(engine, referents_file(["0860003L", "2014-2015", "CPE", "oui"]), "referents",
                      "établissement connu")
    assert problem["ligne"] == 2 and "importez-le d'abord" in problem["explication"]


def test_two_referents_for_one_school_year_are_refused(engine):
    problem = refused(engine, referents_file(["0860001J", "2014-2015", "CPE", "oui"],
                                             ["0860001J", "2014-2015", "Enseignant", "oui"]), "referents",
                      "lignes en conflit")
    assert problem["ligne"] == 3 and "ligne 2" in problem["explication"]


def test_no_names_a_name_column_is_ignored_with_a_warning(engine):
    data = csv_bytes([*REFERENT_HEADER, "Nom du référent"], [["0860001J", "2014-2015", "CPE", "oui", "Mme X"]])
    result = service.import_file(engine, data, "r.csv")
    assert result.written and "Mme X" not in str(table_rows(engine, "referents"))
    assert [i["regle"] for i in issues(result, severity=WARNING)] == ["colonne inconnue"]


# --- prevention -----------------------------------------------------------------------------------------

GOOD_PREVENTION = prevention_file(
    gpds("0860001J", "2014-09", 5, 3, 2, 1, 0),
    gpds("0860001J", "octobre 2014", 4, 4, 1, 2, 0),
    gpds("0860002K", "2014-09", 8, 5, 2, 3, 1),
    gpds("0860002K", "2014-10", 0, 0, 0, 0, 0),
    gpds("0170004M", "2015-06", 3, 1, 1, 0, 1),
)


def test_good_prevention_file_imported_twice_changes_nothing_the_second_time(engine):
    first = service.import_file(engine, GOOD_PREVENTION, "gpds.csv")
    assert first.kind == "prevention" and first.written, first.report.issues
    assert first.report.issues.is_empty()
    assert first.summary().startswith("Import réussi (Activité des GPDS) : 5 lignes ajoutées")
    rows = data_rows(engine, "prevention")
    assert [(r["uai"], r["mois"], r["annee_scolaire"]) for r in rows][:2] == [
        ("0170004M", "2015-06", "2014-2015"), ("0860001J", "2014-09", "2014-2015")]
    assert [rows[2][c] for c in GPDS_COLUMNS] == [4, 4, 1, 2, 0]
    before = snapshot(engine)
    second = service.import_file(engine, GOOD_PREVENTION, "gpds.csv")
    assert (second.counts.added, second.counts.changed, second.counts.unchanged) == (0, 0, 5)
    after = snapshot(engine)
    after.pop("import_log"), before.pop("import_log")
    assert after == before


def test_a_corrected_month_replaces_its_row_only(engine):
    service.import_file(engine, GOOD_PREVENTION, "gpds.csv")
    result = service.import_file(engine, prevention_file(gpds("0860002K", "2014-10", 2, 1, 1, 1, 0)), "c.csv")
    assert (result.counts.added, result.counts.changed, result.counts.unchanged) == (0, 1, 0)
    assert len(data_rows(engine, "prevention")) == 5


def test_stated_school_year_must_contain_the_month(engine):
    good = service.validate(engine, prevention_file(gpds(mois="2015-01", annee="2014-2015")), "p.csv")
    assert good.ok, good.report.issues
    problem = refused(engine, prevention_file(gpds(mois="2015-01", annee="2014-2015"),
                                              gpds(mois="2016-02", annee="2014-2015")), "prevention",
                      "mois dans l'année scolaire")
    assert (problem["ligne"], problem["colonne"]) == (3, "Mois")
    assert problem["explication"] == ("Février 2016 n'appartient pas à l'année scolaire 2014-2015 (de septembre à "
                                      "août) indiquée sur la ligne.")


def test_summer_month_is_a_warning_as_for_absenteeism(engine):
    result = service.import_file(engine, prevention_file(gpds(mois="2015-07")), "p.csv")
    assert result.written
    [warning] = issues(result, severity=WARNING)
    assert (warning["regle"], warning["ligne"], warning["colonne"]) == ("mois de classe", 2, "Mois")
    assert warning["explication"].startswith("Juillet 2015 :")


@pytest.mark.parametrize("column, position", [("eleves_reperes", 2), ("eleves_suivis", 3),
                                              ("solutions_internes", 5), ("signalements_plateforme", 6)])
def test_more_pupils_than_enrolled_is_refused(engine, column, position):
    assert service.import_file(engine, absences_file(absence("0860001J", "2015-01", effectif=30, absents=3)),
                                "abs.csv").written
    counts = {"eleves_reperes": 0, "eleves_suivis": 0, "solutions_internes": 0, "signalements_plateforme": 0,
              column: 31}
    row = gpds(mois="2015-01", reperes=counts["eleves_reperes"], suivis=counts["eleves_suivis"], reunions=1,
               internes=counts["solutions_internes"], plateforme=counts["signalements_plateforme"])
    problem = refused(engine, prevention_file(row), "prevention", "élèves ≤ effectif")
    assert (problem["ligne"], problem["colonne"], problem["valeur"]) == (2, GPDS_HEADER[position], "31")
    assert "pour 30 élèves inscrits ce mois-là" in problem["explication"]


def test_enrolment_checked_only_where_absenteeism_gives_it(engine):
    service.import_file(engine, absences_file(absence("0860001J", "2015-01", effectif=30, absents=3)), "abs.csv")
    # 40 GPDS meetings is not a count of pupils; February has no enrolment loaded.
    checked = service.validate(engine, prevention_file(gpds(mois="2015-01", reunions=40),
                                                        gpds(mois="2015-02", reperes=35, suivis=0, internes=0)), "p.csv")
    assert checked.ok, checked.report.issues


def test_duplicate_school_month_is_refused(engine):
    same = refused(engine, prevention_file(gpds(mois="2015-01"), gpds(mois="janvier 2015")), "prevention",
                   "ligne en double")
    assert same["ligne"] == 3
    other = refused(engine, prevention_file(gpds(mois="2015-01"), gpds(mois="2015-01", reperes=9)), "prevention",
                    "lignes en conflit")
    assert other["ligne"] == 3 and "une seule ligne par clé" in other["explication"]


def test_gpds_of_an_unknown_school_is_refused(engine):
    problem = refused(engine, prevention_file(gpds(uai="0860003L")), "prevention", "établissement connu")
    assert problem["colonne"] == "UAI"


def test_more_followed_than_spotted_over_the_year_is_a_warning(engine):
    data = prevention_file(gpds(mois="2014-09", reperes=2, suivis=1, internes=0),
                           gpds(mois="2014-10", reperes=0, suivis=3, internes=0),  # cumul 4 > 2
                           gpds(mois="2014-11", reperes=0, suivis=3, internes=0),  # same school-year: once
                           gpds("0860002K", "2014-09", reperes=1, suivis=1, internes=0))
    result = service.import_file(engine, data, "p.csv")
    assert result.written  # a warning does not block
    [warning] = issues(result, severity=WARNING)
    assert (warning["regle"], warning["ligne"], warning["colonne"], warning["valeur"]) == (
        "suivis ≤ repérés (cumul annuel)", 3, "Élèves suivis", "4 > 2")
    assert warning["explication"].startswith("Établissement 0860001J, cumul depuis le début de l'année scolaire "
                                             "2014-2015 jusqu'à octobre 2014 : 4 élèves suivis pour 2 élèves repérés.")
    assert "un élève est suivi par le GPDS après avoir été repéré" in warning["explication"]


def test_months_already_loaded_count_in_the_yearly_totals(engine):
    service.import_file(engine, prevention_file(gpds(mois="2014-09", reperes=5, suivis=0, internes=0),
                                                 gpds(mois="2014-10", reperes=0, suivis=4, internes=0)), "a.csv")
    alone = service.validate(engine, prevention_file(gpds(mois="2014-11", reperes=0, suivis=1, internes=0)), "b.csv")
    assert alone.report.issues.is_empty()  # 5 followed for 5 spotted since September
    lowered = service.validate(engine, prevention_file(gpds(mois="2014-09", reperes=1, suivis=0, internes=0)), "c.csv")
    [warning] = issues(lowered, severity=WARNING)
    assert warning["ligne"] == 2 and "jusqu'à octobre 2014 (mois déjà enregistré) : 4 élèves suivis pour 1" in \
        warning["explication"]


def test_more_internal_solutions_than_followed_is_a_warning(engine):
    result = service.validate(engine, prevention_file(gpds(reperes=3, suivis=1, internes=2)), "p.csv")
    [warning] = issues(result, severity=WARNING)
    assert (warning["regle"], warning["colonne"]) == ("solutions internes ≤ suivis (cumul annuel)", "Solutions internes")
    assert result.ok


# --- both kinds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["referents", "prevention"])
def test_templates_are_valid_files_of_their_kind(engine, kind):
    for data, name in ((templates.template_csv(kind), "modele.csv"), (templates.template_xlsx(kind), "modele.xlsx")):
        checked = service.validate(engine, data, name)
        assert checked.kind == kind and checked.ok, checked.report.issues
    assert templates.template_filename(kind, "csv") == f"modele-{kind}.csv"


@pytest.mark.parametrize("header, kind", [
    (["UAI", "Année scolaire", "Fonction"], "referents"),
    (["Code RNE", "Année", "Fonction du référent décrochage", "Formation"], "referents"),
    (["uai", "mois", "eleves_reperes", "eleves_suivis", "reunions_gpds", "solutions_internes",
      "signalements_plateforme"], "prevention"),
    (["N° UAI", "Mois", "Nombre d'élèves repérés", "Nombre d'élèves suivis", "Nombre de réunions du GPDS",
      "Solutions internes", "Signalements PSAD"], "prevention"),
])
def test_kind_recognised_from_french_headers(header, kind):
    assert contracts.CONTRACTS[kind].kind == kind
    from dashboard.importer.contracts import guess_kind

    assert guess_kind(header) == kind
