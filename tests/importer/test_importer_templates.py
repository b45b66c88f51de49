"""Codes at hand (issue 24): the list of territories of a school year, XLSX templates with that
list and drop-down lists (territory codes, school years, periods, closed lists, whole numbers), and
the bilans template pre-filled with every network for one period — filled in and imported."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dashboard.importer import contracts, service, template_codes, templates
from dashboard.store import database
from tests.support.libreoffice import office_files

YEAR = "2016-2017"


@pytest.fixture
def codes(engine):
    with engine.connect() as conn:
        return template_codes.codes_for(conn, YEAR, ("2014-2015",))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def validations(sheet) -> dict[str, object]:
    """First column letter of each validation's range → the validation."""
    return {str(v.sqref).split(":")[0].rstrip("0123456789"): v for v in sheet.data_validations.dataValidation}


def list_values(book, formula: str) -> list:
    sheet_name, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in book[sheet_name][f"{first}:{last}"] for c in row]


def test_the_list_of_territories_of_a_year(codes):
    text = templates.territories_csv(codes).decode("utf-8-sig").splitlines()
    assert text[0] == "Code;Nom;Niveau;Code du territoire parent;Territoire parent"
    assert len(text) == 1 + 1 + 4 + 10 + 14
    assert "R17-ROY;Royan;Réseau FOQUALE;P17-RJO;Royan–Jonzac" in text
    assert templates.territories_filename(codes, "xlsx") == "territoires-2016-2017.xlsx"
    sheet = workbook(templates.territories_xlsx(codes))["Liste des territoires"]
    assert [c.value for c in sheet[1]] == ["Code", "Nom", "Niveau", "Code du territoire parent", "Territoire parent"]


@pytest.mark.parametrize("kind", contracts.KINDS)
def test_every_template_lists_the_territories_and_holds_no_formula(codes, kind):
    book = workbook(templates.template_xlsx(kind, codes))
    assert book.sheetnames == [kind, "Explications", "Liste des territoires", "Listes"]
    assert book["Listes"].sheet_state == "hidden"
    assert book["Liste des territoires"]["A7"].value == "P16-ANG"
    for sheet in book.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_drop_down_lists_of_a_bilan(codes):
    book = workbook(templates.template_xlsx("bilans", codes))
    sheet = book["bilans"]
    header = [c.value for c in sheet[1]]
    found = validations(sheet)
    network = found["C"]
    assert header[2] == "reseau_code" and network.type == "list" and network.errorStyle == "stop"
    assert list_values(book, network.formula1) == codes.networks["code"].to_list()
    assert "Haute-Saintonge" in [c.value for c in book["Liste des territoires"]["B"]]
    assert "2016-2017" in list_values(book, found["A"].formula1) and found["A"].errorStyle == "warning"
    assert [d.date().isoformat() for d in list_values(book, found["B"].formula1)] == list(codes.period_ends)
    apprentissage = found[chr(ord("A") + header.index("raccroches_apprentissage"))]
    assert (apprentissage.type, apprentissage.operator, apprentissage.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert "Raccrochés en apprentissage (CFA)" in apprentissage.prompt
    assert (sheet["A2"].value, sheet["C2"].value) == (YEAR, "R16-ANG")  # the example is of the chosen year
    explained = {r[0]: r[5] for r in book["Explications"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert "eple" in explained["raccroches_formation_initiale"].split(", ")
    assert "cfa" in explained["raccroches_apprentissage"].split(", ")


def test_drop_down_lists_of_targets_schools_and_referents(codes):
    book = workbook(templates.template_xlsx("objectifs", codes))
    target = validations(book["objectifs"])["B"]
    assert list_values(book, target.formula1)[:2] == ["ACAD", "16"] and len(list_values(book, target.formula1)) == 29
    book = workbook(templates.template_xlsx("etablissements", codes))
    found = validations(book["etablissements"])
    assert list_values(book, found["C"].formula1) == ["COLLEGE", "LGT", "LP", "LPO", "EREA", "AUTRE"]
    assert found["G"].allow_blank  # the network of a school is optional
    book = workbook(templates.template_xlsx("referents", codes))
    assert "CPE" in list_values(book, validations(book["referents"])["C"].formula1)


@pytest.mark.parametrize("kind", ["etablissements", "bilans", "objectifs", "mlds_sites"])
def test_templates_with_codes_are_valid_files_of_their_kind(engine, codes, kind):
    checked = service.validate(engine, templates.template_xlsx(kind, codes), "modele.xlsx")
    assert checked.kind == kind and checked.ok, checked.report.as_text()


def test_the_prefilled_bilans_of_a_period_filled_in_and_imported(engine, codes):
    book = workbook(templates.template_xlsx("bilans", codes, "2016-12-31"))
    sheet = book["bilans"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["annee_scolaire", "periode_fin", "reseau_code", "reseau_nom"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 14 and ("R17-JON", "Haute-Saintonge") in [(r[2], r[3]) for r in rows]
    assert {r[1].date().isoformat() for r in rows} == {"2016-12-31"}
    assert sheet["B2"].number_format == "DD/MM/YYYY"
    empty = service.validate(engine, templates.template_xlsx("bilans", codes, "2016-12-31"), "bilans.xlsx")
    assert not empty.ok  # nothing filled in: every count is missing
    for row in sheet.iter_rows(min_row=2):
        for cell, value in zip(row[4:], (100, 90, 80, 60, 20, 2, 8, 6, 3, 4, 30), strict=True):
            cell.value = value
    buffer = io.BytesIO()
    book.save(buffer)
    result = service.import_file(engine, buffer.getvalue(), "bilans-decembre.xlsx")
    assert result.written and result.counts.added == 14, result.report.as_text()
    assert result.report.warnings == 0  # the network's name beside its code is not an unknown column
    assert templates.template_filename("bilans", "xlsx", "2016-12-31") == "modele-bilans-2016-12-31.xlsx"


def test_school_years_offered_run_from_the_data_to_next_year():
    import datetime as dt

    years = template_codes.school_years_around(["2013-2014"], today=dt.date(2016, 10, 1))
    assert years == ("2013-2014", "2014-2015", "2015-2016", "2016-2017", "2017-2018")


@office_files("modeles")
def _office_files(demo_sqlite_url: str) -> dict[str, bytes]:
    engine = database.make_engine(demo_sqlite_url)
    with engine.connect() as conn:
        codes = template_codes.codes_for(conn, YEAR)
    engine.dispose()
    return {"bilans.xlsx": templates.template_xlsx("bilans", codes, "2016-12-31"),
            "territoires.xlsx": templates.territories_xlsx(codes)}


@pytest.mark.xdist_group("libreoffice")
def test_templates_as_libreoffice_shows_them(office):
    sheets = office.sheets("modeles", "bilans.xlsx")
    rows = sheets["bilans"]
    assert rows[0][:4] == ["annee_scolaire", "periode_fin", "reseau_code", "reseau_nom"]
    assert ["2016-2017", "31/12/2016", "R17-JON", "Haute-Saintonge"] in [r[:4] for r in rows]
    assert ["R17-ROY", "Royan", "Réseau FOQUALE", "P17-RJO", "Royan–Jonzac"] in sheets["Liste des territoires"]
    listed = office.sheets("modeles", "territoires.xlsx")["Liste des territoires"]
    assert listed[0] == ["Code", "Nom", "Niveau", "Code du territoire parent", "Territoire parent"]
