"""Reading files and French values: encodings, separators, decimals, headers, XLSX, dates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from dashboard.importer import contracts, parsing, service, templates
from dashboard.importer.reading import UnreadableFile, read_file
from tests.support.importer import (
    BILAN_HEADER,
    FIXTURES,
    bilan,
    issues,
    table_rows,
)

# --- every encoding × separator × thousands/decimal convention ---------------------------------------

ENCODINGS = {"utf-8": "utf-8", "utf-8 avec BOM": "utf-8-sig", "windows-1252": "cp1252"}
SEPARATORS = [";", ",", "\t"]
SIGNALES = {  # how 1 234 is written
    "simple": "1234",
    "espace": "1 234",
    "insécable": "1\u00a0234",
    "fine insécable": "1\u202f234",
    "virgule décimale": "1234,0",
    "milliers et décimale": "1 234,00",
}


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("sep", SEPARATORS, ids=["point-virgule", "virgule", "tabulation"])
@pytest.mark.parametrize("written", SIGNALES)
def test_every_encoding_separator_and_number_format(engine, encoding, sep, written):
    value = SIGNALES[written]
    if encoding == "windows-1252" and "\u202f" in value:
        pytest.skip("Windows-1252 has no narrow no-break space")
    header = ["Année scolaire", "Fin de période", "Réseau", "Jeunes signalés", *BILAN_HEADER[4:]]
    row = bilan(jeunes_signales=value)
    cells = [f'"{c}"' if sep in str(c) else str(c) for c in row]
    text = "\r\n".join([sep.join(header), sep.join(cells)]) + "\r\n"
    result = service.import_file(engine, text.encode(ENCODINGS[encoding]), "bilans.csv")
    assert result.written, result.report.as_text()
    assert table_rows(engine, "bilans")[0]["jeunes_signales"] == 1234


def test_sniffed_description_names_encoding_and_separator():
    raw = read_file((FIXTURES / "bilans-windows1252.csv").read_bytes(), "b.csv")
    assert raw.description == "CSV, Windows-1252, séparateur point-virgule"
    raw = read_file((FIXTURES / "absenteisme-utf8-bom-virgule.csv").read_bytes(), "a.csv")
    assert raw.description == "CSV, UTF-8 avec BOM, séparateur virgule"
    assert raw.headers[3] == "Élèves absentéistes"


# --- XLSX ---------------------------------------------------------------------------------------------


def workbook_bytes(rows: list[list], title: str = "Feuil1", extra_first: str | None = None) -> bytes:
    wb = Workbook()
    if extra_first:
        wb.active.title = extra_first
        ws = wb.create_sheet(title)
    else:
        ws = wb.active
        ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_title_row_and_trailing_empty_rows(engine):
    data = (FIXTURES / "etablissements-titre.xlsx").read_bytes()
    raw = read_file(data, "etablissements.xlsx")
    assert raw.header_line == 3
    assert raw.row_count == 5
    assert raw.cells["_ligne"].to_list() == [4, 5, 6, 7, 8]
    result = service.import_file(engine, data, "etablissements.xlsx")
    assert result.written, result.report.as_text()
    assert result.counts.added == 1 and result.counts.unchanged == 4  # 4 of them are already loaded


def test_xlsx_line_numbers_count_title_rows_in_the_report(engine):
    rows = [["Bilans du réseau de Poitiers"], [], BILAN_HEADER, bilan(), bilan(periode="2014-12-31", entretiens=-1)]
    result = service.import_file(engine, workbook_bytes(rows), "bilans.xlsx")
    assert not result.written
    [problem] = issues(result)
    assert (problem["ligne"], problem["colonne"], problem["valeur"]) == (5, "entretiens", "-1")


def test_xlsx_date_cells_and_numeric_cells(engine):
    row = bilan()
    row[1] = dt.datetime(2014, 10, 31)
    row[3] = 1234.0
    result = service.import_file(engine, workbook_bytes([BILAN_HEADER, row]), "bilans.xlsx")
    assert result.written, result.report.as_text()
    stored = table_rows(engine, "bilans")[0]
    assert (stored["periode_fin"], stored["jeunes_signales"]) == ("2014-10-31", 1234)


def test_xlsx_sheet_named_like_the_kind_is_preferred():
    data = (FIXTURES / "mlds_sites.xlsx").read_bytes()
    raw = read_file(data, "sites.xlsx")
    assert raw.description == "XLSX, feuille « mlds_sites »"
    assert raw.row_count == 2


def test_xlsx_inline_strings_gaps_and_1904_dates():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = Workbook(write_only=True)
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.create_sheet("bilans")
    sheet.append(["Bilans"])
    sheet.append([])
    sheet.append(BILAN_HEADER)
    row = bilan()
    row[1] = dt.date(2014, 10, 31)
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = read_file(buffer.getvalue(), "bilans.xlsx")
    assert raw.header_line == 3 and raw.cells["_ligne"].to_list() == [4]
    assert raw.cells.row(0)[:4] == ("2014-2015", "2014-10-31", "R86-POI", "100")


def test_xlsx_falls_back_to_openpyxl(monkeypatch):
    from dashboard.importer import xlsx

    def broken(*_args):
        raise KeyError("xl/workbook.xml")

    monkeypatch.setattr(xlsx, "Workbook", broken)
    raw = read_file((FIXTURES / "etablissements-titre.xlsx").read_bytes(), "etablissements.xlsx")
    assert raw.header_line == 3 and raw.row_count == 5


@pytest.mark.parametrize("data, name, expected", [
    (b"", "vide.csv", "vide"),
    (b"   \r\n  ", "vide.csv", "vide"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "ancien.xls", ".xls"),
    (b"PK\x03\x04pas un classeur", "casse.xlsx", "classeur"),
    (b"\x00\x01\x02binaire", "image.csv", "binaire"),
    (b"juste du texte", "faux.xlsx", ".xlsx"),
])
def test_unreadable_files_give_a_french_message(data, name, expected):
    with pytest.raises(UnreadableFile) as caught:
        read_file(data, name)
    assert expected in caught.value.message


def test_unreadable_file_is_a_report_not_an_exception(engine):
    result = service.import_file(engine, b"\x00\x01\x02", "image.png")
    assert not result.written
    assert issues(result)[0]["regle"] == "fichier lisible"


# --- headers and kinds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["jeunes_signales", "Jeunes signalés", "JEUNES SIGNALES", " jeunes  signalés ",
                                    "Jeunes_Signalés", "Jeunes signalés (période)"])
def test_headers_match_whatever_case_accents_spaces(header):
    assert contracts.match_headers([header], contracts.BILANS) == {0: "jeunes_signales"}


def test_exact_header_wins_over_alias():
    # "reseau" is an alias of reseau_code, but the real column is present further right
    matched = contracts.match_headers(["Réseau", "nom", "uai", "reseau_code"], contracts.ETABLISSEMENTS)
    assert matched[3] == "reseau_code" and 0 not in matched


@pytest.mark.parametrize("kind", contracts.KINDS)
def test_kind_guessed_from_template_headers(kind):
    raw = read_file(templates.template_csv(kind), "modele.csv")
    assert contracts.guess_kind(raw.headers) == kind


def test_unknown_kind_is_reported(engine):
    result = service.import_file(engine, b"a;b;c\n1;2;3\n", "inconnu.csv")
    assert not result.written and result.kind is None
    assert issues(result)[0]["regle"] == "type de fichier"


# --- values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2014-10-31", "2014-10-31"), ("31/10/2014", "2014-10-31"), ("1/9/2014", "2014-09-01"),
    ("31.10.2014", "2014-10-31"), ("2014-10-31 00:00:00", "2014-10-31"), ("41943", "2014-10-31"),
])
def test_dates(text, expected):
    assert parsing.parse_date(text) == (expected, None)


@pytest.mark.parametrize("text, code", [("31/02/2014", "date_impossible"), ("demain", "date"), ("2014", "date")])
def test_bad_dates(text, code):
    assert parsing.parse_date(text) == (None, code)


@pytest.mark.parametrize("text", ["2015-01", "01/2015", "1/2015", "janvier 2015", "Janv. 2015", "janv.-15",
                                  "2015-01-01", "01/01/2015"])
def test_months(text):
    assert parsing.parse_month(text) == ("2015-01", None)


@pytest.mark.parametrize("text, expected", [
    ("2014-2015", ("2014-2015", None)), ("2014/2015", ("2014-2015", None)), ("2014 - 2015", ("2014-2015", None)),
    ("2014-15", ("2014-2015", None)), ("2014-2016", (None, "annee_non_consecutive")), ("14-15", (None, "annee_scolaire")),
])
def test_school_years(text, expected):
    assert parsing.parse_school_year(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("0860001J", ("0860001J", None)), (" 0860001j ", ("0860001J", None)),
    ("0860001K", (None, "cle_uai")), ("860001J", (None, "format_uai")), ("08600010", (None, "format_uai")),
])
def test_uai(text, expected):
    assert parsing.parse_uai(text) == expected


@pytest.mark.parametrize("text, expected", [("86194", ("86194", None)), ("1001", ("01001", None)),
                                            ("2A004", ("2A004", None)), ("86 194", (None, "format_insee"))])
def test_insee(text, expected):
    assert parsing.parse_insee(text) == expected


def test_enums_accept_usual_spellings():
    spec = contracts.ETABLISSEMENTS.column("type")
    parse = parsing.enum_parser(spec)
    assert parse("Collège") == ("COLLEGE", None)
    assert parse("lycée professionnel") == ("LP", None)
    assert parse("LEGT") == ("LGT", None)
    assert parse("Lycée") == (None, "choix")
    ep = parsing.enum_parser(contracts.ETABLISSEMENTS.column("education_prioritaire"))
    assert ep("REP+") == ("REP+", None) and ep("hors EP") == (None, None) and ep("REP++") == (None, "choix")
