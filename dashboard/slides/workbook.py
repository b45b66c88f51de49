"""The figures behind a deck as a workbook: one declared table per slide (« Chiffres clés », each
chart's series, prevention, territories, highlights), for the XLSX download beside the deck."""

from __future__ import annotations

import polars as pl

from dashboard import fmt
from dashboard.charts import raccrochage_tables
from dashboard.publish import columns, workbook
from dashboard.publish import provenance as publish_provenance
from dashboard.publish.columns import Column, Kind
from dashboard.slides import keyfigures, prevention, series
from dashboard.slides.model import DeckContent

#: The « Chiffres clés » sheet: the figure and its change as numbers, each cell with its format
#: (a count on one row, a rate on the next: ``Table.cells``).
KEY_FIGURE_COLUMNS = (
    Column("indicateur", "Indicateur", Kind.LABEL),
    Column("valeur", "Valeur", Kind.COUNT, secret=True),
    Column("evolution", "Évolution", Kind.COUNT, secret=True, signed=True),
    Column("comparaison", "Par rapport à", Kind.LABEL),
    Column("note", "Note", Kind.LABEL),
)
TILE_KINDS = {"count": (Kind.COUNT, Kind.COUNT), "expected": (Kind.EXPECTED, Kind.COUNT),
              "rate": (Kind.RATE, Kind.POINTS)}


def key_figures_table(content: DeckContent) -> columns.Table:
    records, marks, cells = [], [], []
    value_col, change_col = KEY_FIGURE_COLUMNS[1], KEY_FIGURE_COLUMNS[2]
    for tile in keyfigures.tiles(content):
        value_kind, change_kind = TILE_KINDS[tile.kind]
        records.append({"indicateur": tile.label, "valeur": tile.number, "evolution": tile.change_number,
                        "comparaison": tile.context or None, "note": tile.note})
        marks.append({"valeur": tile.mark} if tile.mark else {})
        cells.append({"valeur": Column("valeur", "Valeur", value_kind, secret=True),
                      "evolution": Column("evolution", "Évolution", change_kind, secret=True, signed=True)}
                     if (value_kind, change_kind) != (value_col.kind, change_col.kind) else {})
    schema = {"indicateur": pl.String, "valeur": pl.Float64, "evolution": pl.Float64, "comparaison": pl.String,
              "note": pl.String}
    return columns.table("Chiffres clés", pl.DataFrame(records, schema=schema, orient="row"), KEY_FIGURE_COLUMNS,
                         marks=marks, cells=cells, sources=("raccrochage", "absenteisme"))


def tables(content: DeckContent) -> list[columns.Table]:
    """One table per slide's data, declared columns, masked values empty and marked."""
    out = [key_figures_table(content)]
    for name, builder, key in (
        (series.trajectory_sheet(content.situation.get("phase")), series.trajectory, "trajectoire"),
        ("Solutions par période", series.solutions_by_period, "solutions"),
        ("Solutions N et N-1", series.solutions_compare, "solutions_n1"),
        ("Entonnoir", series.funnel, "entonnoir"),
        ("Absentéisme", series.absence, "absenteisme"),
    ):
        spec = builder(content)
        if spec is not None:
            out.append(series.spec_table(name, spec, series.CATEGORY_HEADERS[key]))
    out += prevention.tables(content)
    if not content.sous_territoires.is_empty():
        out.append(raccrochage_tables.export_table(content.sous_territoires, "Territoires"))
    if not content.reseaux.is_empty():
        out.append(raccrochage_tables.export_table(content.reseaux, "Réseaux"))
    out.append(columns.table("Points saillants", pl.DataFrame({"phrase": [h.text for h in content.highlights]},
                                                              schema={"phrase": pl.String}),
                             [Column("phrase", "Phrase", Kind.LABEL)]))
    return out


def sheets(content: DeckContent) -> dict[str, columns.Table]:
    """The tables of ``tables`` by sheet name."""
    return {t.name: t for t in tables(content)}


def provenance(content: DeckContent) -> publish_provenance.Provenance:
    date = content.periode_fin
    return publish_provenance.Provenance(
        title=f"Dialogue de gestion {content.annee} — {content.territory.label} — chiffres de la présentation",
        territory=content.territory.label, annee=content.annee,
        data_date=f"bilans reçus jusqu'au {fmt.date_long(date)}" if date else "aucun bilan reçu",
        sources=("raccrochage", "absenteisme", "references", *(("prevention",) if content.prevention else ())),
        demo=content.demo,
    )


def xlsx_bytes(content: DeckContent) -> bytes:
    return workbook.xlsx_bytes(tables(content), provenance(content))
