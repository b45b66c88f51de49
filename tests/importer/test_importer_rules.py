"""One test per validation rule (columns, values, domain rules, duplicates), SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from dashboard.importer import service
from dashboard.importer.report import ERROR, WARNING
from tests.support.importer import (
    BILAN_HEADER,
    FIXTURES,
    bilan,
    bilans_file,
    communes_of,
    csv_bytes,
    territoires_file,
)


def problems(engine, data: bytes, kind: str | None = None) -> list[dict]:
    return service.validate(engine, data, "fichier.csv", kind).report.issues.to_dicts()


def only(engine, data: bytes, rule: str, severity: str = ERROR, kind: str | None = None) -> dict:
    """The single problem of the file, which must be ``rule``."""
    found = problems(engine, data, kind)
    assert [(p["regle"], p["gravite"]) for p in found] == [(rule, severity)], found
    return found[0]


# --- columns and cells ------------------------------------------------------------------------------


def test_missing_required_column(engine):
    header = [c for c in BILAN_HEADER if c != "entretiens"]
    row = [v for c, v in zip(BILAN_HEADER, bilan(), strict=True) if c != "entretiens"]
    problem = only(engine, csv_bytes(header, [row]), "colonne obligatoire", kind="bilans")
    assert problem["colonne"] == "entretiens" and problem["ligne"] == 1


def test_duplicated_column(engine):
    data = csv_bytes([*BILAN_HEADER, "Entretiens"], [[*bilan(), 5]])
    assert only(engine, data, "colonne en double")["colonne"] == "Entretiens"


def test_unknown_column_is_a_warning(engine):
    data = csv_bytes([*BILAN_HEADER, "Commentaire"], [[*bilan(), "RAS"]])
    assert only(engine, data, "colonne inconnue", WARNING)["colonne"] == "Commentaire"


def test_empty_required_cell(engine):
    problem = only(engine, bilans_file(bilan(entretiens=None)), "valeur obligatoire")
    assert (problem["ligne"], problem["colonne"]) == (2, "entretiens")


def test_column_reported_as_written_in_the_file(engine):
    header = ["Année scolaire", "Fin de période", "Réseau", "Jeunes signalés", *BILAN_HEADER[4:]]
    problem = only(engine, csv_bytes(header, [bilan(jeunes_signales="beaucoup")]), "nombre")
    assert (problem["colonne"], problem["valeur"]) == ("Jeunes signalés", "beaucoup")


@pytest.mark.parametrize("value, rule", [("douze", "nombre"), ("-3", "positif ou nul"), ("12,5", "nombre entier"),
                                         ("99999999999", "nombre plausible")])
def test_counts_are_whole_and_not_negative(engine, value, rule):
    problem = only(engine, bilans_file(bilan(contrats_foquale=value)), rule)
    assert (problem["colonne"], problem["valeur"]) == ("contrats_foquale", value)


@pytest.mark.parametrize("row, rule", [
    (bilan(periode="le 31 octobre"), "date"),
    (bilan(periode="31/02/2015"), "date"),
    (bilan(annee="2014"), "année scolaire"),
    (bilan(annee="2014-2016"), "année scolaire"),
    (bilan(reseau="R86 POI"), "code"),
])
def test_unreadable_values(engine, row, rule):
    only(engine, bilans_file(row), rule)


def test_text_too_long(engine):
    data = csv_bytes(["site_code", "nom", "commune_insee", "places", "jeunes_accueillis", "annee_scolaire"],
                     [["S1", "x" * 201, "86194", 10, 8, "2014-2015"]])
    only(engine, data, "longueur")


# --- codes that must exist ------------------------------------------------------------------------


def test_unknown_network_with_suggestion(engine):
    problem = only(engine, bilans_file(bilan(reseau="R86-POIT")), "réseau connu")
    assert "Vouliez-vous dire « R86-POI » (Poitiers) ?" in problem["explication"]


def test_network_codes_are_those_of_the_rows_school_year(engine):
    change = {"86194": {"reseau_code": "R86-PTR", "reseau_nom": "Poitiers-Ville"}}
    result = service.import_file(engine, territoires_file(engine, 2015, change), "decoupage-2015.csv")
    assert result.written, result.report.as_text()
    assert problems(engine, bilans_file(bilan(reseau="R86-PTR"))) != []
    later = bilan(reseau="R86-PTR", annee="2015-2016", periode="2015-10-31")
    assert problems(engine, bilans_file(later)) == []


def test_unknown_school_with_suggestion(engine):
    data = csv_bytes(["uai", "mois", "effectif", "eleves_absenteistes"], [["0860003L", "2015-01", 500, 10]])
    problem = only(engine, data, "établissement connu")
    assert "importez-le d'abord" in problem["explication"] and "Vouliez-vous dire" in problem["explication"]


def test_uai_control_letter(engine):
    data = csv_bytes(["uai", "mois", "effectif", "eleves_absenteistes"], [["0860001K", "2015-01", 500, 10]])
    problem = only(engine, data, "lettre de contrôle UAI")
    assert "la lettre attendue est J (0860001J)" in problem["explication"]


def test_uai_format(engine):
    data = csv_bytes(["uai", "mois", "effectif", "eleves_absenteistes"], [["86-0001", "2015-01", 500, 10]])
    only(engine, data, "format UAI")


def test_unknown_commune_with_suggestion(engine):
    data = csv_bytes(["uai", "nom", "type", "secteur", "commune_insee"],
                     [["0860009T", "Collège Test", "COLLEGE", "PUBLIC", "86999"]])
    problem = only(engine, data, "commune connue")
    assert "académie" in problem["explication"] and "Vouliez-vous dire" in problem["explication"]


def test_school_network_must_exist(engine):
    data = csv_bytes(["uai", "nom", "type", "secteur", "commune_insee", "reseau_code"],
                     [["0860009T", "Collège Test", "COLLEGE", "PUBLIC", "86194", "R86-XXX"]])
    only(engine, data, "réseau connu")


def test_school_type_must_be_allowed(engine):
    data = csv_bytes(["uai", "nom", "type", "secteur", "commune_insee"],
                     [["0860009T", "Collège Test", "Lycée", "PUBLIC", "86194"]])  # which lycée?
    problem = only(engine, data, "valeur permise")
    assert "COLLEGE, LGT, LP, LPO, EREA, AUTRE" in problem["explication"]


def test_a_nature_outside_the_field_is_set_aside_not_refused(engine):
    """Issue 16: an agricultural lycée (another ministry) is counted « hors champ », not an error."""
    data = csv_bytes(["uai", "nom", "type", "secteur", "commune_insee"],
                     [["0860009T", "Lycée Test", "Lycée agricole", "PUBLIC", "86194"]])
    checked = service.validate(engine, data, "etablissements.csv")
    assert checked.ok and checked.report.set_aside == (("hors champ", 1),)


def test_target_territories_of_every_level(engine):
    rows = [["2014-2015", code, "", 10] for code in ("academie", "16", "P16-ANG", "r16-ang")]
    assert problems(engine, csv_bytes(["annee_scolaire", "territoire_code", "indicateur", "objectif"], rows)) == []
    bad = csv_bytes(["annee_scolaire", "territoire_code", "objectif"], [["2014-2015", "P16-ANGO", 10]])
    assert "« P16-ANG »" in only(engine, bad, "territoire connu")["explication"]


def test_unknown_indicator_is_a_warning(engine):
    data = csv_bytes(["annee_scolaire", "territoire_code", "indicateur", "objectif"], [["2014-2015", "ACAD", "signales", 10]])
    only(engine, data, "indicateur connu", WARNING)


# --- domain rules ----------------------------------------------------------------------------------


def test_period_inside_its_school_year(engine):
    problem = only(engine, bilans_file(bilan(periode="2015-10-31")), "période dans l'année scolaire")
    assert "31 octobre 2015" in problem["explication"] and "2014-2015" in problem["explication"]


def test_period_not_at_month_end_is_a_warning(engine):
    only(engine, bilans_file(bilan(periode="2014-10-30")), "fin de période", WARNING)


def test_empty_period_is_a_warning(engine):
    zeros = {c: 0 for c in BILAN_HEADER[3:]}
    only(engine, bilans_file(bilan(**zeros)), "période vide", WARNING)


def test_funnel_holds_on_cumulated_totals_not_per_period(engine):
    october = bilan(jeunes_signales=100, jeunes_contactes=50, entretiens=40)
    december = bilan(periode="2014-12-31", jeunes_signales=10, jeunes_contactes=40, entretiens=40)
    assert problems(engine, bilans_file(october, december)) == []  # December alone: 40 > 10, cumul: 90 ≤ 110


def test_funnel_contactes_le_signales(engine):
    october = bilan(jeunes_signales=100, jeunes_contactes=90)
    december = bilan(periode="2014-12-31", jeunes_signales=0, jeunes_contactes=20, entretiens=0,
                     solutions_proposees=0, **{c: 0 for c in BILAN_HEADER[7:14]})
    problem = only(engine, bilans_file(october, december), "contactés ≤ signalés (cumul annuel)")
    assert (problem["ligne"], problem["colonne"], problem["valeur"]) == (3, "jeunes_contactes", "110 > 100")
    assert "31 décembre 2014" in problem["explication"]


def test_funnel_entretiens_le_contactes(engine):
    problem = only(engine, bilans_file(bilan(entretiens=95)), "entretiens ≤ contactés (cumul annuel)")
    assert problem["valeur"] == "95 > 90"


def test_funnel_raccroches_le_solutions(engine):
    problem = only(engine, bilans_file(bilan(solutions_proposees=40)), "raccrochés ≤ solutions (cumul annuel)")
    assert problem["valeur"] == "43 > 40" and "six types" in problem["explication"]


def test_funnel_combines_file_and_stored_rows(engine):
    assert service.import_file(engine, bilans_file(bilan(jeunes_signales=100, jeunes_contactes=90)), "oct.csv").written
    december = bilan(periode="2014-12-31", jeunes_signales=0, jeunes_contactes=20, entretiens=0,
                     solutions_proposees=0, **{c: 0 for c in BILAN_HEADER[7:14]})
    problem = only(engine, bilans_file(december), "contactés ≤ signalés (cumul annuel)")
    assert problem["valeur"] == "110 > 100"


def test_funnel_file_row_replaces_stored_row_and_breaks_a_later_period(engine):
    quiet = {c: 0 for c in BILAN_HEADER[6:13]}
    stored = bilans_file(bilan(jeunes_signales=100, jeunes_contactes=90),
                         bilan(periode="2014-12-31", jeunes_signales=0, jeunes_contactes=5, entretiens=0, **quiet))
    assert service.import_file(engine, stored, "bilans.csv").written
    corrected = bilan(jeunes_signales=80, jeunes_contactes=80, entretiens=60)
    problem = only(engine, bilans_file(corrected), "contactés ≤ signalés (cumul annuel)")
    assert problem["ligne"] == 2 and problem["valeur"] == "85 > 80"
    assert "déjà enregistrée" in problem["explication"]


def test_absentees_not_above_enrolment(engine):
    data = csv_bytes(["uai", "mois", "effectif", "eleves_absenteistes"], [["0860001J", "2015-01", 50, 51]])
    assert "51" in only(engine, data, "absentéistes ≤ effectif")["explication"]


@pytest.mark.parametrize("row, rule", [
    (["0860001J", "2015-01", 100, 60, 300], "taux plausible"),
    (["0860001J", "2015-01", 0, 0, 0], "effectif non nul"),
    (["0860001J", "2015-07", 100, 5, 30], "mois de classe"),
    (["0860001J", "2015-01", 100, 5, 10], "demi-journées ≥ 4 × absentéistes"),
])
def test_absenteeism_warnings(engine, row, rule):
    header = ["uai", "mois", "effectif", "eleves_absenteistes", "demi_journees_non_justifiees"]
    only(engine, csv_bytes(header, [row]), rule, WARNING)


def test_mlds_more_young_people_than_places_is_a_warning(engine):
    data = csv_bytes(["site_code", "nom", "commune_insee", "places", "jeunes_accueillis", "annee_scolaire"],
                     [["S1", "PAQI", "86194", 10, 12, "2014-2015"]])
    only(engine, data, "accueillis ≤ places", WARNING)


# --- duplicates ----------------------------------------------------------------------------------------


def test_identical_rows(engine):
    problem = only(engine, bilans_file(bilan(), bilan()), "ligne en double")
    assert problem["ligne"] == 3 and "ligne 2" in problem["explication"]


def test_conflicting_rows(engine):
    problem = only(engine, bilans_file(bilan(), bilan(contrats_foquale=31)), "lignes en conflit")
    assert problem["ligne"] == 3 and "R86-POI / 2014-10-31" in problem["valeur"]


def test_every_problem_is_listed_at_once(engine):
    found = problems(engine, (FIXTURES / "bilans-erreurs.csv").read_bytes())
    assert [p["ligne"] for p in found] == [2, 3, 4, 5, 7, 8, 9]
    assert all(p["gravite"] == ERROR and p["explication"] for p in found)


# --- territoires --------------------------------------------------------------------------------------


def test_breakdown_must_list_every_commune(engine):
    data = territoires_file(engine)
    lines = data.decode().splitlines()
    found = problems(engine, ("\r\n".join(lines[:1] + lines[2:]) + "\r\n").encode())
    assert [p["regle"] for p in found] == ["toutes les communes"]
    assert found[0]["ligne"] is None and "manque" in found[0]["explication"]


@pytest.mark.parametrize("change, rule", [
    ({"16015": {"psad_code": "P16-COG"}}, "un réseau dans une seule PSAD"),
    ({"16015": {"reseau_nom": "Angoulême-Centre"}}, "un nom par réseau"),
    ({"16015": {"psad_nom": "Angoulême-Centre"}}, "un nom par PSAD"),
    ({"16015": {"reseau_code": "R17-LRO", "reseau_nom": "La Rochelle", "psad_code": "P17-LRO",
                "psad_nom": "La Rochelle"}}, "une PSAD dans un seul département"),
    ({"16015": {"reseau_code": "16"}}, "code réservé"),
    ({"16015": {"reseau_code": "P16-COG"}}, "codes distincts"),
])
def test_breakdown_consistency(engine, change, rule):
    found = problems(engine, territoires_file(engine, change=change))
    assert rule in {p["regle"] for p in found}, found
    assert all(p["gravite"] == ERROR for p in found if p["regle"] == rule)


def test_breakdown_dropping_a_network_with_bilans_warns(engine):
    assert service.import_file(engine, bilans_file(bilan(reseau="R16-NCH")), "b.csv").written
    merged = {row: {"reseau_code": "R16-ANG", "reseau_nom": "Angoulême"} for row in communes_of(engine, "R16-NCH")}
    found = problems(engine, territoires_file(engine, change=merged))
    assert [(p["regle"], p["gravite"], p["valeur"]) for p in found] == [("réseaux utilisés", WARNING, "R16-NCH")]



# --- shape of the file ------------------------------------------------------------------------------------


def test_unquoted_decimal_comma_in_a_comma_separated_file(engine):
    data = b"uai,mois,effectif,eleves_absenteistes,demi_journees_non_justifiees\n0860001J,2015-01,500,20,80,5\n"
    found = problems(engine, data)
    assert [(p["ligne"], p["regle"], p["gravite"]) for p in found] == [(2, "nombre de cellules", ERROR)]


def test_header_without_rows(engine):
    assert only(engine, csv_bytes(BILAN_HEADER, []), "lignes de données")["ligne"] == 1
