"""Exports are safe (issue 3 §5): no cell of a CSV/XLSX the app produces starts a spreadsheet formula."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard.importer import contracts, templates
from dashboard.importer.report import Issues, Report
from dashboard.publish import exports

DANGEROUS = ["=1+1", "+33 5 49 00 00 00", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x","clic")']
HARMLESS = ["Poitiers", "R86-POI", "1 234", "a=b", "", " =espace d'abord"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_neutralise_prefixes_formula_starts(value):
    assert exports.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [*HARMLESS, None, 12, -3, 2.5])
def test_neutralise_leaves_the_rest_alone(value):
    assert exports.neutralise(value) == value


def frame() -> pl.DataFrame:
    return pl.DataFrame({
        "=en-tête": ["ok", *DANGEROUS],
        "nombre": [1.5, -2.0, None, 3.0, 4.0, 5.0, 6.0, 7.0],
        "entier": [-1, 2, 3, 4, 5, 6, 7, 8],
    })


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_neutralises_text_cells_and_headers():
    rows = read_csv(exports.to_csv_bytes(frame()))
    assert rows[0] == ["'=en-tête", "nombre", "entier"]
    assert [r[0] for r in rows[1:]] == ["ok", *["'" + v for v in DANGEROUS]]


def test_csv_keeps_numbers_as_numbers_in_french():
    rows = read_csv(exports.to_csv_bytes(frame()))
    assert rows[1][1:] == ["1,5", "-1"]  # negative numbers are numbers, not formulas
    assert rows[2][1] == "-2,0" and rows[3][1] == ""


def test_xlsx_never_holds_a_formula():
    data = exports.to_xlsx_bytes({"Données": frame()}, notes={"Données": "=note dangereuse"})
    sheet = load_workbook(io.BytesIO(data))["Données"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "'=en-tête" in texts and "'=note dangereuse" in texts
    assert all(not t.startswith(exports.FORMULA_PREFIXES) for t in texts)
    assert sheet["C2"].value == -1 and sheet["B3"].value == -2.0


def test_xlsx_sheet_names_are_cleaned_and_cut():
    data = exports.to_xlsx_bytes({"Bilans [2014/2015] : réseaux de l'académie de Poitiers": frame()})
    [name] = load_workbook(io.BytesIO(data)).sheetnames
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_import_report_exports_neutralise_values_from_the_file():
    issues = Issues()
    issues.add(2, "jeunes_signales", "=1+1", "nombre", "« =1+1 » n'est pas un nombre.")
    report = Report("bilans", issues.frame(), 1)
    rows = read_csv(report.to_csv())
    assert rows[1][3] == "'=1+1" and rows[1][5].startswith("« =1+1 »")
    sheet = load_workbook(io.BytesIO(report.to_xlsx()))["Rapport"]
    assert sheet["D2"].value == "'=1+1" and sheet["D2"].data_type == "s"


@pytest.mark.parametrize("kind", contracts.KINDS)
def test_templates_are_plain_data(kind):
    workbook = load_workbook(io.BytesIO(templates.template_xlsx(kind)))
    assert workbook.sheetnames == [kind, "Explications"]
    for sheet in workbook.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    explained = [row[0] for row in workbook["Explications"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert set(contracts.CONTRACTS[kind].names) <= set(explained)
