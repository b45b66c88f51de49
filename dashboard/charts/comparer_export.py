"""Exports of the comparison (core, no Streamlit): XLSX with one sheet per view and CSV.

Spreadsheet users get **numbers**, not display strings, so they can sort, chart and compute:
counts as integers, rates and shares as fractions (shown as "12,3 %" in the XLSX, whose
columns start with "Taux"/"Part"; in the CSV they stay fractions with a decimal comma, as in
the figures export), differences from the académie in percentage points. Masked values
(statistical disclosure) are empty cells, listed in the last column.

Sheets: « Indicateurs » (one row per territory, the académie last), « Écarts à l'académie »
(cells better / worse than the académie coloured as on screen), « Classement » (the ranking view).
"""

from __future__ import annotations

import io

import polars as pl

from dashboard import exports
from dashboard.access import ACADEMIE
from dashboard.charts import comparer as charts
from queries import comparer as q
from queries import territoires as tq

SHEET_VALUES, SHEET_GAPS, SHEET_RANKING = "Indicateurs", "Écarts à l'académie", "Classement"
MASKED_COLUMN = "Valeurs masquées (secret statistique)"
NOTE = ("Taux rapportés à la population municipale des communes du territoire (INSEE). "
        "Cellules vides : donnée absente ou masquée (secret statistique, seuil {seuil}).")


def _dtype(kind: str) -> pl.DataType:
    return pl.Int64 if kind == "count" else pl.Float64


def gap_header(indicator: q.Indicator) -> str:
    if indicator.kind == "count":
        return f"Part de l'académie — {indicator.label[0].lower()}{indicator.label[1:]}"
    if indicator.kind == "per10k":
        return f"Écart — {indicator.label[0].lower()}{indicator.label[1:]}"
    return f"Écart en points — {indicator.label[0].lower()}{indicator.label[1:]}"


def values_frame(comp: q.Comparison) -> pl.DataFrame:
    """« Indicateurs »: one row per territory (académie last), one numeric column per indicator."""
    cells = {(r["indicateur"], r["code"]): r for r in comp.cells.iter_rows(named=True)}
    records = []
    for territory, is_reference in charts.table_columns(comp):
        record = {"Code": territory.code, "Territoire": charts.column_label(territory, is_reference),
                  "Niveau": tq.LEVEL_LABELS[territory.niveau]}
        masked = []
        for ind in q.INDICATORS:
            cell = cells[(ind.key, territory.code)]
            value = cell["valeur"]
            record[ind.label] = None if value is None else (round(value) if ind.kind == "count" else value)
            if cell["masque"]:
                masked.append(ind.label)
        record[MASKED_COLUMN] = ", ".join(masked)
        records.append(record)
    schema = {"Code": pl.String, "Territoire": pl.String, "Niveau": pl.String,
              **{i.label: _dtype(i.kind) for i in q.INDICATORS}, MASKED_COLUMN: pl.String}
    return pl.DataFrame(records, schema=schema)


def gaps_frame(comp: q.Comparison) -> tuple[pl.DataFrame, list[list[str | None]]]:
    """« Écarts à l'académie » (differences in points, per 10 000, or share of the académie for
    counts) and the verdict of every cell, for colouring."""
    cells = {(r["indicateur"], r["code"]): r for r in comp.cells.iter_rows(named=True)}
    records, verdicts = [], []
    for territory, is_reference in charts.table_columns(comp):
        if is_reference:
            continue
        record = {"Code": territory.code, "Territoire": territory.label}
        row_verdicts = []
        for ind in q.INDICATORS:
            cell = cells[(ind.key, territory.code)]
            gap = None if cell["masque"] else cell["ecart"]
            if gap is not None and ind.kind in ("rate", "share"):
                gap = round(gap * 100, 6)
            record[gap_header(ind)] = gap
            row_verdicts.append(cell["verdict"])
        records.append(record)
        verdicts.append(row_verdicts)
    schema = {"Code": pl.String, "Territoire": pl.String, **{gap_header(i): pl.Float64 for i in q.INDICATORS}}
    return pl.DataFrame(records, schema=schema), verdicts


def ranking_frame(ranked: pl.DataFrame, indicator: str, selected: list[str]) -> pl.DataFrame:
    """« Classement »: rank, territory, value of the indicator, selected or not."""
    ind = q.INDICATOR_INDEX[indicator]
    chosen = set(selected)
    return pl.DataFrame(
        {
            "Rang": ranked["rang"].to_list(),
            "Code": ranked["code"].to_list(),
            "Territoire": ranked["libelle"].to_list(),
            ind.label: [None if v is None else (round(v) if ind.kind == "count" else v)
                        for v in ranked["valeur"].to_list()],
            "Dans la comparaison": ["oui" if c in chosen else "" for c in ranked["code"].to_list()],
            "Valeur masquée": ["oui" if m else "" for m in ranked["masque"].to_list()],
        },
        schema={"Rang": pl.Int64, "Code": pl.String, "Territoire": pl.String, ind.label: _dtype(ind.kind),
                "Dans la comparaison": pl.String, "Valeur masquée": pl.String},
    )


def to_csv_bytes(comp: q.Comparison) -> bytes:
    """The « Indicateurs » view as CSV (numbers; rates as fractions with a decimal comma)."""
    return exports.to_csv_bytes(values_frame(comp))


def to_xlsx_bytes(comp: q.Comparison, ranked: pl.DataFrame | None = None, indicator: str | None = None,
                  level_label: str = "") -> bytes:
    """The comparison workbook: « Indicateurs », « Écarts à l'académie », « Classement »."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    from dashboard import disclosure

    gaps, verdicts = gaps_frame(comp)
    sheets = {SHEET_VALUES: values_frame(comp), SHEET_GAPS: gaps}
    note = NOTE.format(seuil=disclosure.threshold())
    notes = {SHEET_VALUES: note,
             SHEET_GAPS: "Écart à la valeur de l'académie (en points pour les taux et les parts ; pour les effectifs, "
                         "part de l'académie). Fond vert : mieux que l'académie ; fond orange : moins bien."}
    if ranked is not None and indicator is not None:
        sheets[SHEET_RANKING] = ranking_frame(ranked, indicator, [t.code for t in comp.territories])
        notes[SHEET_RANKING] = f"{q.INDICATOR_INDEX[indicator].label} — {level_label} ({comp.annee}). " + note
    workbook = load_workbook(io.BytesIO(exports.to_xlsx_bytes(sheets, notes=notes)))
    sheet = workbook[SHEET_GAPS]
    fills = {v: PatternFill("solid", fgColor=c.lstrip("#")) for v, c in charts.VERDICT_BACKGROUNDS.items()}
    for r, row_verdicts in enumerate(verdicts, start=2):
        for c, (ind, verdict) in enumerate(zip(q.INDICATORS, row_verdicts, strict=True), start=3):
            cell = sheet.cell(row=r, column=c)
            if ind.kind == "count":
                cell.number_format = "0.0%"
            else:
                cell.number_format = '+#,##0.0;-#,##0.0;0.0'
            if verdict in fills:
                cell.fill = fills[verdict]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def basename(comp: q.Comparison) -> str:
    codes = "-".join(t.code for t in comp.territories if t.code != ACADEMIE) or ACADEMIE
    return f"comparaison-{codes}-{comp.annee}"
