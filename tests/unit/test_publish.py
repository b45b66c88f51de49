"""The declaration of published columns and its renderers (``dashboard.publish``): one kind, one
rounding, one secrecy mark per column, the same text and number in every channel."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from dashboard import fmt
from dashboard.disclosure import marks
from dashboard.publish import catalog, csvfile, provenance, screen, workbook
from dashboard.publish import columns as publish_columns
from dashboard.publish import text as publish_text
from dashboard.publish.columns import NUMERIC, Column, Kind

ROOT = Path(__file__).resolve().parents[2]
NBSP, THIN = fmt.NBSP, fmt.THOUSANDS

COLUMNS = [
    Column("code", "Code", Kind.CODE),
    Column("nom", "Territoire", Kind.LABEL),
    Column("n", "Raccrochés", Kind.COUNT, secret=True),
    Column("rate", "Taux d'atteinte", Kind.RATE, secret=True),
    Column("gap", "Écart à la trajectoire", Kind.RELATIVE, secret=True),
    Column("pts", "Évolution", Kind.POINTS, secret=True),
    Column("exp", "Attendu", Kind.EXPECTED),
    Column("day", "Dernier bilan", Kind.DATE),
]
FRAME = pl.DataFrame({
    "code": ["R86-POI", "R86-SVI", "=HACK"],
    "nom": ["Réseau Poitiers", "Réseau Sud-Vienne", "@formule"],
    "n": [2148, 3, 12],
    "rate": [0.78249, 0.5, 0.1],
    "gap": [-0.0312, 0.01, 0.0],
    "pts": [0.0123, -0.004, 0.0],
    "exp": [397.18, 12.5, 3.49],
    "day": ["2017-04-30", "2017-02-28", None],
})
MARKS = [{}, {"n": marks.PRIMARY, "rate": marks.SECONDARY}, {}]


def table() -> publish_columns.Table:
    return publish_columns.table("Raccrochage", FRAME, COLUMNS, marks=MARKS)


def test_a_masked_cell_never_carries_its_value():
    t = table()
    assert t.frame["n"][1] is None and t.frame["rate"][1] is None
    assert t.frame["n"][0] == 2148


def test_text_of_every_kind():
    t = table()
    texts = screen.display_frame(t).row(0)
    assert texts == ("R86-POI", "Réseau Poitiers", f"2{THIN}148", f"78,2{NBSP}%", f"−3,1{NBSP}%",
                     f"+1,2{NBSP}pt", "397", "30/04/2017")
    masked = screen.display_frame(t).row(1)
    assert masked[2] == "< 5" and masked[3] == "s"  # a rate is never « < 5 » (it would read « under 5 % »)


def test_rounded_is_the_number_shown():
    rate, count, expected = COLUMNS[3], COLUMNS[2], COLUMNS[6]
    assert publish_text.rounded(rate, 0.78249) == 0.782 and publish_text.rounded(count, 3.0) == 3
    assert publish_text.rounded(expected, 397.18) == 397 and publish_text.rounded(expected, None) is None


def _csv(data: bytes) -> tuple[list[list[str]], str]:
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    body, _, footer = text.partition("\r\n\r\n")
    return list(csv.reader(io.StringIO(body), delimiter=";")), footer


def test_csv_one_convention_percent_points_whole_counts():
    rows, footer = _csv(csvfile.csv_bytes(table(), provenance.Provenance("Titre", demo=True)))
    assert rows[0] == ["Code", "Territoire", "Raccrochés", "Taux d'atteinte (%)", "Écart à la trajectoire (%)",
                       "Évolution (points)", "Attendu", "Dernier bilan", "Secret statistique"]
    assert rows[1] == ["R86-POI", "Réseau Poitiers", "2148", "78,2", "-3,1", "1,2", "397", "30/04/2017", ""]
    assert rows[2][2:4] == ["", ""] and rows[2][-1] == "Raccrochés (< 5), Taux d'atteinte (s)"
    assert rows[3][:2] == ["'=HACK", "'@formule"]  # formulas neutralised, numbers left alone
    assert "Données de démonstration" in footer and "Secret statistique" in footer


def test_xlsx_numbers_are_numbers_with_formats():
    book = load_workbook(io.BytesIO(workbook.xlsx_bytes([table()], provenance.Provenance("Titre", annee="2016-2017"))))
    assert book.sheetnames == ["Raccrochage", "Notes"]
    sheet = book["Raccrochage"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=False)}
    assert row["Raccrochés"].value == 2148 and row["Raccrochés"].number_format == "[$-40C]#,##0"
    assert row["Taux d'atteinte"].value == pytest.approx(0.78249) and row["Taux d'atteinte"].number_format == "[$-40C]0.0 %"
    assert row["Écart à la trajectoire"].number_format.startswith("[$-40C]+0.0 %")
    assert row["Évolution"].value == 1.2 and '" pt"' in row["Évolution"].number_format  # points as shown
    assert row["Attendu"].value == pytest.approx(397.18) and row["Attendu"].number_format == "[$-40C]#,##0"
    assert row["Dernier bilan"].value == dt.datetime(2017, 4, 30)
    masked = {h: c for h, c in zip(header, sheet[3], strict=False)}
    assert masked["Raccrochés"].value is None and masked["Raccrochés"].fill.fgColor.rgb.endswith(workbook.MASKED_FILL)
    assert masked["Secret statistique"].value == "Raccrochés (< 5), Taux d'atteinte (s)"
    assert sheet.freeze_panes == "A2"
    notes = {r[0].value: r[1].value for r in book["Notes"].iter_rows()}
    assert notes["Année scolaire"] == "2016-2017" and "Secret statistique" in notes


@pytest.mark.parametrize("kind", sorted(NUMERIC))
@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("decimals", [None, 0, 1, 2])
def test_every_number_format_carries_the_french_locale(kind, signed, decimals):
    """Counts, rates and decimals: each section (positive;negative;zero) of the format starts with
    the fr-FR tag ``[$-40C]``, so LibreOffice shows « 2 148 » and « 12,3 % » whatever its locale;
    text and dates keep theirs."""
    code = workbook.number_format(Column("x", "X", kind, decimals=decimals, signed=signed))
    sections = code.split(";")
    assert all(section.startswith(workbook.FRENCH) for section in sections), code
    assert all(section.count("[$-") == 1 for section in sections), code
    assert not workbook.number_format(Column("d", "D", Kind.DATE)).startswith("[$")
    assert workbook.number_format(Column("t", "T", Kind.LABEL)) == "@"


def test_every_number_cell_of_a_written_workbook_is_french():
    """Every numeric cell of a workbook written from declared tables carries the tag."""
    book = load_workbook(io.BytesIO(workbook.xlsx_bytes([table()], provenance.Provenance("Titre", annee="2016-2017"))))
    numbers = [c for row in book["Raccrochage"].iter_rows(min_row=2) for c in row
               if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
    assert numbers and all(c.number_format.startswith(workbook.FRENCH) for c in numbers)


def test_xlsx_text_is_cleaned_of_characters_excel_cannot_hold():
    frame = pl.DataFrame({"nom": ["Collège\x01 n° 3\x0b"]})
    data = workbook.xlsx_bytes([publish_columns.table("T", frame, [Column("nom", "Nom", Kind.LABEL)])])
    assert load_workbook(io.BytesIO(data))["T"]["A2"].value == "Collège n° 3"


def test_the_kind_not_the_header_decides_the_format():
    """A count whose header starts with « Taux » is a count; a rate called « Effectif » a rate."""
    frame = pl.DataFrame({"a": [12], "b": [0.25]})
    columns = [Column("a", "Taux de quelque chose", Kind.COUNT), Column("b", "Effectif", Kind.RATE)]
    t = publish_columns.table("T", frame, columns)
    assert csvfile.rows(t)[1] == ["12", "25,0"]
    sheet = load_workbook(io.BytesIO(workbook.xlsx_bytes([t])))["T"]
    assert sheet["A2"].number_format == "[$-40C]#,##0" and sheet["B2"].number_format == "[$-40C]0.0 %"


def test_no_module_decides_a_format_from_a_column_name():
    """Nothing in the product looks at a header to choose a number format."""
    pattern = re.compile(r"""(startswith\(\(?["'](taux|part)|["']%["']\s+in\s+\w*(col|head|name|label)|"""
                         r"""_looks_like_rate)""", re.IGNORECASE)
    offenders = []
    for folder in ("dashboard", "queries", "pages"):
        for path in (ROOT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if pattern.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders


#: Counts that are not counts of people, or are published references: never masked.
NOT_PEOPLE = ("objectif", "nb_mois", "effectif_moyen",
              # prevention: schools, referents (one per school, no name), GPDS meetings, MLDS sites and places,
              # the académie's published references (275 referents, 17 sites, about 500 young people)
              "etablissements", "etablissements_avec_referent", "etablissements_declarants", "avec_referent",
              "sans_referent", "referents", "formes", "formation_connue", "reference", "etablissements_type",
              "reunions_gpds", "angles_morts", "mlds_sites", "mlds_places", "sites", "places", "reference_sites",
              "reference_jeunes")


def test_every_catalog_column_has_a_kind_and_a_french_header():
    for columns in (catalog.RACCROCHAGE, catalog.PERIODS, catalog.FIGURES,
                    catalog.absence_columns("2016-2017", "2015-2016"), catalog.PREVENTION_COVERAGE,
                    catalog.PREVENTION_FUNCTIONS, catalog.PREVENTION_CHAIN, catalog.PREVENTION_SCHOOLS,
                    catalog.PREVENTION_MLDS):
        for key, column in columns.items():
            assert column.key == key and isinstance(column.kind, Kind) and column.header
            if column.kind == Kind.COUNT and key not in NOT_PEOPLE:
                assert column.secret, key  # counts of people are subject to secrecy


def test_per_row_declarations_in_one_column():
    frame = pl.DataFrame({"label": ["Raccrochés", "Taux"], "value": [2148.0, 0.782]})
    columns = [Column("label", "Indicateur", Kind.LABEL), Column("value", "Valeur", Kind.COUNT)]
    t = publish_columns.table("T", frame, columns, cells=[{}, {"value": Column("value", "Valeur", Kind.RATE)}])
    sheet = load_workbook(io.BytesIO(workbook.xlsx_bytes([t])))["T"]
    assert (sheet["B2"].value, sheet["B2"].number_format) == (2148, "[$-40C]#,##0")
    assert (sheet["B3"].value, sheet["B3"].number_format) == (pytest.approx(0.782), "[$-40C]0.0 %")
    assert csvfile.rows(t)[1:] == [["Raccrochés", "2148"], ["Taux", "78,2"]]
