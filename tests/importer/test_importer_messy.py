"""Messy real-world files, as Excel users produce them (exploratory testing of issue 3): every
problem reported at once and in the user's words, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from dashboard.importer import contracts, service
from dashboard.importer.parsing import parse_date, parse_month, parse_school_year, parse_start_year
from dashboard.importer.reading import UnreadableFile, read_file
from dashboard.importer.report import ERROR, WARNING
from tests.support.importer import (
    ABSENCE_HEADER,
    BILAN_HEADER,
    bilan,
    bilans_file,
    csv_bytes,
    issues,
    snapshot,
    territoires_file,
)


def check(engine, data: bytes, kind: str | None = None, name: str = "fichier.csv"):
    return service.validate(engine, data, name, kind)


def rules(checked) -> list[tuple]:
    return [(p["ligne"], p["regle"], p["gravite"]) for p in checked.report.issues.to_dicts()]


def xlsx(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- bilans: the funnel is checked up to the first unreadable period ---------------------------------


def test_funnel_is_checked_before_a_period_with_an_unreadable_count(engine):
    data = bilans_file(
        bilan(periode="2014-10-31", jeunes_contactes=500),
        bilan(periode="2014-12-31", entretiens=-3),
        bilan(periode="2015-02-28"),
    )
    found = rules(check(engine, data))
    assert (2, "contactés ≤ signalés (cumul annuel)", ERROR) in found
    assert (3, "positif ou nul", ERROR) in found


def test_an_identical_repeated_row_does_not_hide_the_funnel(engine):
    data = bilans_file(bilan(periode="2014-10-31", jeunes_contactes=500), bilan(periode="2014-10-31",
                                                                              jeunes_contactes=500))
    found = rules(check(engine, data))
    assert (2, "contactés ≤ signalés (cumul annuel)", ERROR) in found
    assert (3, "ligne en double", ERROR) in found


def test_funnel_stops_at_two_different_rows_for_one_period(engine):
    data = bilans_file(
        bilan(periode="2014-10-31", entretiens=95),
        bilan(periode="2014-12-31", jeunes_signales=1),
        bilan(periode="2014-12-31"),
    )
    found = rules(check(engine, data))
    assert (2, "entretiens ≤ contactés (cumul annuel)", ERROR) in found
    assert (4, "lignes en conflit", ERROR) in found
    assert not [f for f in found if f[1] == "contactés ≤ signalés (cumul annuel)"]  # unknown from 31/12 on


# --- territoires: one stray row is reported, not every row that agrees -----------------------------------


def test_breakdown_reports_the_stray_row_not_the_majority(engine):
    data = territoires_file(engine, 2018, change={"16015": {"psad_code": "P17-LRO"}})
    result = check(engine, data)
    errors = [p for p in issues(result, severity=ERROR)]
    assert len(errors) == 3, errors
    assert {p["regle"] for p in errors} == {"un réseau dans une seule PSAD", "un nom par PSAD",
                                           "une PSAD dans un seul département"}
    assert len({p["ligne"] for p in errors}) == 1
    assert "lignes dont la ligne" in errors[0]["explication"]


def test_breakdown_code_typo_gives_a_warning(engine):
    data = territoires_file(engine, 2018, change={"16015": {"reseau_code": "R16-ANGG"}})
    result = check(engine, data)
    assert result.ok
    [warning] = issues(result, "codes et noms")
    assert warning["gravite"] == WARNING and warning["valeur"] == "R16-ANGG"
    assert "R16-ANG" in warning["explication"] and "1 commune" in warning["explication"]


# --- headers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, headers", [
    ("bilans", ["Année scolaire", "Date de fin de période", "Réseau FOQUALE", "Nombre de jeunes signalés",
                "Nb jeunes contactés", "Nb entretiens", "Nb solutions proposées", "Raccrochés en formation initiale",
                "Raccrochés structure innovante", "Raccrochés en apprentissage", "Raccrochés MLDS",
                "Raccrochés service civique", "Raccrochés autres solutions", "Contrats FOQUALE signés"]),
    ("absenteisme", ["N° UAI", "Mois", "Effectifs", "Nombre d'élèves absentéistes",
                     "Nb demi-journées d'absence non justifiées"]),
    ("mlds_sites", ["Code du site", "Nom du site", "Code commune", "Nombre de places", "Nb jeunes accueillis",
                    "Année scolaire"]),
    ("objectifs", ["Année scolaire", "Code territoire", "Indicateur", "Objectif annuel"]),
    ("etablissements", ["N° UAI", "Nom de l'établissement", "Type d'établissement", "Secteur",
                        "Code INSEE commune", "Éducation prioritaire", "Code réseau FOQUALE"]),
    ("territoires", ["Code INSEE", "Réseau FOQUALE", "Nom du réseau", "Code PSAD", "Nom de la PSAD",
                     "Année de début"]),
])
def test_usual_french_headers_are_recognised(kind, headers):
    contract = contracts.CONTRACTS[kind]
    assert contracts.guess_kind(headers) == kind
    assert sorted(contracts.match_headers(headers, contract).values()) == sorted(contract.names)


def test_missing_column_still_reports_every_other_problem(engine):
    data = csv_bytes(["annee_scolaire", "territoire_code", "indicateur"],
                     [["2014-2015", "R86-PIO", ""], ["2014/15", "ACAD", ""]])
    result = check(engine, data)
    assert result.kind == "objectifs"
    found = {p["regle"] for p in issues(result)}
    assert {"colonne obligatoire", "territoire connu"} <= found
    assert result.report.errors == 2


def test_no_recognisable_header_is_said_plainly(engine):
    result = check(engine, csv_bytes(["a", "b", "c"], [[1, 2, 3]]))
    [problem] = issues(result)
    assert "Aucun des en-têtes de colonnes attendus" in problem["explication"]
    assert service.ImportResult(None, result.report, False, service.WriteCounts(), "f", "x").summary() \
        .startswith("Fichier refusé : ")


def test_two_row_header_with_merged_cells(engine):
    rows = [["Absentéisme — janvier 2015"],
            ["UAI", "Mois", "Élèves", None, "Demi-journées non justifiées"],
            [None, None, "inscrits", "absentéistes", None],
            ["0860001J", "2015-01", 500, 20, 100]]
    data = xlsx({"Feuil1": rows}, {"Feuil1": ["A1:E1", "C2:D2", "A2:A3", "B2:B3", "E2:E3"]})
    result = check(engine, data, name="absences.xlsx")
    assert result.kind == "absenteisme" and result.ok, issues(result)
    assert result.rows["effectif"].to_list() == [500] and result.rows["_ligne"].to_list() == [4]


def test_data_sheet_after_a_notice_sheet(engine):
    data = xlsx({"Notice": [["Absentéisme de janvier 2015"], ["Contact : SAIO"]],
                 "Données": [["UAI", "Mois", "Effectif", "Élèves absentéistes"], ["0860001J", "2015-01", 500, 20]]})
    result = check(engine, data, name="absences.xlsx")
    assert result.ok and result.raw.description == "XLSX, feuille « Données »"


# --- what people upload by mistake ------------------------------------------------------------------------


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data, expected", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"<html><body><table><tr><td>uai</td></tr></table></body></html>", "page web"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "XML"),
    (zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), ".ods"),
    (zipped({"word/document.xml": "<x/>"}), "traitement de texte"),
    (zipped({"notes.txt": "uai;mois"}), "archive"),
    (bytes(range(1, 32)) * 40, "binaire"),
])
def test_other_formats_are_named(data, expected):
    with pytest.raises(UnreadableFile) as caught:
        read_file(data, "fichier.csv")
    assert expected in caught.value.message


@pytest.mark.parametrize("body, line, expected", [
    ('0860001J;"2015-01;500;20\r\n0860002K;2015-01;500;20\r\n', 2, "guillemet"),
    ("0860001J;2015-01;" + "9" * 150_000 + ";20\r\n", 2, "131\u202f072 caractères"),
    ("0860001J;2015-01;" + "9" * 200_000 + ";20\r\n", 2, "200\u202f000 caractères"),  # the line limit
])
def test_broken_quotes_are_reported_with_their_line(engine, body, line, expected):
    data = (";".join(ABSENCE_HEADER[:4]) + "\r\n" + body).encode()
    result = check(engine, data)
    [problem] = issues(result)
    assert problem["ligne"] == line and expected in problem["explication"]


# --- rows that are not data --------------------------------------------------------------------------------


def test_total_row_and_note_row_are_reported_once_each(engine):
    rows = [["0860001J", "2015-01", "500", "20"], ["TOTAL", "", "1 000", "40"], ["Données provisoires", "", "", ""]]
    result = check(engine, csv_bytes(ABSENCE_HEADER[:4], rows))
    assert rules(result) == [(3, "ligne de total", ERROR), (4, "ligne incomplète", ERROR)]


# --- values ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("31/10/14", "2014-10-31"), ("31-10-14", "2014-10-31"), ("31 octobre 2014", "2014-10-31"),
    ("1er décembre 2014", "2014-12-01"), ("28 févr. 2015", "2015-02-28"),
])
def test_short_and_written_dates(text, expected):
    assert parse_date(text) == (expected, None)


@pytest.mark.parametrize("parse, text", [
    (parse_date, "31/10/1014"), (parse_date, "25000"), (parse_month, "0001-01"), (parse_month, "01/1015"),
    (parse_school_year, "1014-1015"), (parse_start_year, "1014"),
])
def test_implausible_years(parse, text):
    assert parse(text) == (None, "annee_hors_plage")


def test_explanations_name_the_column_and_value_as_written(engine):
    header = ["Année scolaire", "Fin de période", "Réseau", "Jeunes signalés", "Jeunes contactés", "Nb entretiens",
              *BILAN_HEADER[6:]]
    data = csv_bytes(header, [bilan(reseau="r86-pOl", entretiens=-3, periode="31/10/2014"),
                              bilan(periode="31/12/2014", entretiens="12,5")])
    result = check(engine, data)
    by_rule = {p["regle"]: p for p in issues(result)}
    assert "« Nb entretiens » ne peut pas être négatif" in by_rule["positif ou nul"]["explication"]
    assert "« 12,5 » n'est pas un nombre entier : « Nb entretiens »" in by_rule["nombre entier"]["explication"]
    assert "« r86-pOl » n'existe pas" in by_rule["réseau connu"]["explication"]
    assert "Vouliez-vous dire « R86-POI » (Poitiers) ?" in by_rule["réseau connu"]["explication"]


def test_duplicate_key_is_named_with_the_file_headers(engine):
    header = ["Année scolaire", "Fin de période", "Réseau", *BILAN_HEADER[3:]]
    result = check(engine, csv_bytes(header, [bilan(), bilan()]))
    [double] = issues(result, "ligne en double")
    assert double["colonne"] == "Réseau + Fin de période"
    assert "« Réseau » + « Fin de période »" in double["explication"]


def test_excel_error_cell_and_decimal_comma_in_xlsx(engine):
    rows = [ABSENCE_HEADER[:4], ["0860001J", "2015-01", "#N/A", 20], ["0860002K", "2015-01", 300.5, 20]]
    result = check(engine, xlsx({"absenteisme": rows}), name="absences.xlsx")
    by_rule = {p["regle"]: p for p in issues(result)}
    assert "erreur de formule Excel" in by_rule["nombre"]["explication"]
    assert by_rule["nombre entier"]["valeur"] == "300,5"


def test_refused_messy_file_writes_nothing_and_fixed_file_imports(engine):
    before = snapshot(engine)
    messy = csv_bytes(ABSENCE_HEADER[:4], [["0860001J", "2015-01", "1 020", "20"], ["TOTAL", "", "1 020", "20"]],
                      encoding="cp1252")
    assert not service.import_file(engine, messy, "absences.csv").written
    assert snapshot(engine) == before
    fixed = csv_bytes(ABSENCE_HEADER[:4], [["0860001J", "2015-01", "1\u00a0020", "20"]], encoding="cp1252")
    result = service.import_file(engine, fixed, "absences.csv")
    assert result.written and result.counts.added == 1


def test_report_counts_problems_per_rule(engine):
    rows = [["0860001J", f"2015-{m:02d}", 10, 20] for m in range(1, 13)] + [["0860001Z", "2015-01", 10, 2]]
    report = check(engine, csv_bytes(ABSENCE_HEADER[:4], rows)).report
    counts = {(r["Règle"], r["Nombre"]) for r in report.by_rule().to_dicts()}
    assert ("absentéistes ≤ effectif", 12) in counts and ("lettre de contrôle UAI", 1) in counts
    assert any(line.startswith("  12 × erreur [absentéistes ≤ effectif]") for line in report.rule_lines())


def test_two_row_header_is_named_on_the_page_text():
    rows = [["UAI", "Mois", "Élèves", None], [None, None, "inscrits", "absentéistes"], ["0860001J", "2015-01", 5, 1]]
    raw = read_file(xlsx({"Feuil1": rows}), "absences.xlsx")
    assert raw.header_lines == "lignes 1 et 2" and raw.headers[2:] == ["Élèves inscrits", "Élèves absentéistes"]
    assert read_file(csv_bytes(ABSENCE_HEADER, [["0860001J", "2015-01", 5, 1, 4]])).header_lines == "ligne 1"


def test_a_row_saved_with_another_separator_is_explained(engine):
    data = csv_bytes(ABSENCE_HEADER[:4], [["0860001J", "2015-01", 500, 20]]) + b"0860002K,2015-01,500,20\r\n"
    [problem] = issues(check(engine, data))
    assert (problem["ligne"], problem["regle"]) == (3, "ligne incomplète")
    assert "séparée par des virgules" in problem["explication"]
