"""Exports of the comparison (core, no Streamlit): XLSX with one sheet per view and CSV.

Every column is declared (``dashboard.publish.catalog.indicator_column`` / ``gap_column``):
counts are integers, rates and shares fractions (percentages in the XLSX, percentages with one
decimal in the CSV), differences from the académie in points; masked values are empty cells,
marked « < 5 » or « s » in the last column. Sheets: « Indicateurs » (one row per territory, the
académie last), « Écarts à l'académie » (cells better / worse than the académie coloured as on
screen), « Classement » (the ranking view), then « Notes ».
"""

from __future__ import annotations

import polars as pl

from dashboard.access.scope import ACADEMIE
from dashboard.charts import comparer as charts
from dashboard.disclosure import marks as disclosure_marks
from dashboard.disclosure import rule
from dashboard.publish import catalog, csvfile, workbook
from dashboard.publish import columns as publish_columns
from dashboard.publish import provenance as publish_provenance
from dashboard.publish.columns import Column, Kind
from queries import comparer as q
from queries import territoires as tq

SHEET_VALUES, SHEET_GAPS, SHEET_RANKING = "Indicateurs", "Écarts à l'académie", "Classement"
SOURCES = ("raccrochage", "absenteisme", "prevention", "population")
NOTE = ("Taux rapportés à la population municipale des communes du territoire (INSEE) ; élèves repérés par les "
        "GPDS rapportés aux élèves inscrits. "
        "Cellules vides : donnée absente ou masquée (secret statistique, seuil {seuil}).")
GAPS_NOTE = ("Écart à la valeur de l'académie (en points pour les taux et les parts ; pour 10 000 habitants ou pour "
             "1 000 élèves pour les taux rapportés à une population ; pour les effectifs, part de l'académie). Fond "
             "vert : mieux que l'académie ; fond orange : moins bien.")
IDENTITY = (Column("code", "Code", Kind.CODE), Column("territoire", "Territoire", Kind.LABEL),
            Column("niveau", "Niveau", Kind.LABEL))


def value_column(indicator: q.Indicator) -> Column:
    return catalog.indicator_column(indicator.key, indicator.label, indicator.kind)


def difference_column(indicator: q.Indicator) -> Column:
    return catalog.gap_column(indicator.key, indicator.label, indicator.kind)


def _cells(comp: q.Comparison) -> dict:
    return {(r["indicateur"], r["code"]): r for r in comp.cells.iter_rows(named=True)}


def values_table(comp: q.Comparison) -> publish_columns.Table:
    """« Indicateurs »: one row per territory (académie last), one column per indicator."""
    cells = _cells(comp)
    records, marks = [], []
    for territory, is_reference in charts.table_columns(comp):
        record = {"code": territory.code, "territoire": charts.column_label(territory, is_reference),
                  "niveau": tq.LEVEL_LABELS[territory.niveau]}
        row_marks = {}
        for ind in q.INDICATORS:
            cell = cells[(ind.key, territory.code)]
            record[ind.key] = cell["valeur"]
            if cell["masque"]:
                row_marks[ind.key] = charts.cell_mark(comp, territory.code, ind)
        records.append(record)
        marks.append(row_marks)
    schema = {"code": pl.String, "territoire": pl.String, "niveau": pl.String,
              **{i.key: pl.Float64 for i in q.INDICATORS}}
    return publish_columns.table(SHEET_VALUES, pl.DataFrame(records, schema=schema, orient="row"),
                         [*IDENTITY, *(value_column(i) for i in q.INDICATORS)], marks=marks,
                         note=NOTE.format(seuil=rule.threshold()), sources=SOURCES)


def gaps_table(comp: q.Comparison) -> publish_columns.Table:
    """« Écarts à l'académie »: differences, coloured by verdict (better / worse)."""
    cells = _cells(comp)
    records, marks, fills = [], [], []
    for territory, is_reference in charts.table_columns(comp):
        if is_reference:
            continue
        record = {"code": territory.code, "territoire": territory.label}
        row_marks, row_fills = {}, {}
        for ind in q.INDICATORS:
            cell = cells[(ind.key, territory.code)]
            record[ind.key] = cell["ecart"]
            if cell["masque"]:
                row_marks[ind.key] = disclosure_marks.SECONDARY
            elif cell["verdict"] in charts.VERDICT_BACKGROUNDS:
                row_fills[ind.key] = charts.VERDICT_BACKGROUNDS[cell["verdict"]]
        records.append(record)
        marks.append(row_marks)
        fills.append(row_fills)
    schema = {"code": pl.String, "territoire": pl.String, **{i.key: pl.Float64 for i in q.INDICATORS}}
    return publish_columns.table(SHEET_GAPS, pl.DataFrame(records, schema=schema, orient="row"),
                         [*IDENTITY[:2], *(difference_column(i) for i in q.INDICATORS)], marks=marks,
                         note=GAPS_NOTE, fills=fills, sources=SOURCES)


def ranking_table(ranked: pl.DataFrame, indicator: str, selected: list[str], level_label: str = "",
                  annee: str = "") -> publish_columns.Table:
    """« Classement »: rank, territory, value of the indicator, selected or not."""
    ind = q.INDICATOR_INDEX[indicator]
    chosen = set(selected)
    frame = pl.DataFrame({
        "rang": ranked["rang"].to_list(),
        "code": ranked["code"].to_list(),
        "territoire": ranked["libelle"].to_list(),
        ind.key: [None if v is None else float(v) for v in ranked["valeur"].to_list()],
        "compare": ["oui" if c in chosen else "" for c in ranked["code"].to_list()],
    }, schema={"rang": pl.Int64, "code": pl.String, "territoire": pl.String, ind.key: pl.Float64,
               "compare": pl.String})
    marks = [{ind.key: disclosure_marks.SECONDARY} if m else {} for m in ranked["masque"].to_list()]
    columns = [Column("rang", "Rang", Kind.NUMBER), *IDENTITY[:2], value_column(ind),
               Column("compare", "Dans la comparaison", Kind.LABEL)]
    note = f"{ind.label} — {level_label} ({annee}). " + NOTE.format(seuil=rule.threshold())
    return publish_columns.table(SHEET_RANKING, frame, columns, marks=marks, note=note, sources=SOURCES)


def provenance(comp: q.Comparison, demo: bool = False) -> publish_provenance.Provenance:
    names = ", ".join(t.label for t in comp.territories)
    return publish_provenance.Provenance(title=f"Comparaison de territoires — {comp.annee}", territory=names, annee=comp.annee,
                              data_date="raccrochés et jeunes signalés : cumuls jusqu'au dernier bilan reçu par "
                                        "chaque territoire", sources=SOURCES, demo=demo)


def to_csv_bytes(comp: q.Comparison, demo: bool = False) -> bytes:
    """The « Indicateurs » view as CSV."""
    return csvfile.csv_bytes(values_table(comp), provenance(comp, demo))


def to_xlsx_bytes(comp: q.Comparison, ranked: pl.DataFrame | None = None, indicator: str | None = None,
                  level_label: str = "", demo: bool = False) -> bytes:
    """The comparison workbook: « Indicateurs », « Écarts à l'académie », « Classement », « Notes »."""
    tables = [values_table(comp), gaps_table(comp)]
    if ranked is not None and indicator is not None:
        tables.append(ranking_table(ranked, indicator, [t.code for t in comp.territories], level_label, comp.annee))
    return workbook.xlsx_bytes(tables, provenance(comp, demo))


def basename(comp: q.Comparison) -> str:
    codes = "-".join(t.code for t in comp.territories if t.code != ACADEMIE) or ACADEMIE
    return f"comparaison-{codes}-{comp.annee}"
