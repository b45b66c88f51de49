"""Downloadable templates: for each kind, a CSV and an XLSX with the expected header and one
example row; the XLSX has a second sheet « Explications » describing every column in French."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard import exports
from dashboard.importer import contracts
from dashboard.importer.contracts import CONTRACTS, ColumnSpec

EXPLANATIONS_SHEET = "Explications"


def _dtype(spec: ColumnSpec) -> pl.DataType:
    if spec.kind in (contracts.COUNT, contracts.START_YEAR):
        return pl.Int64
    if spec.kind == contracts.DATE:
        return pl.Date
    return pl.String


def _example(spec: ColumnSpec):
    if spec.example in ("", None):
        return None
    if spec.kind == contracts.DATE:
        return dt.date.fromisoformat(str(spec.example))
    return spec.example


def template_frame(kind: str) -> pl.DataFrame:
    """The header and one example row of ``kind``."""
    contract = CONTRACTS[kind]
    return pl.DataFrame(
        {spec.name: [_example(spec)] for spec in contract.columns},
        schema={spec.name: _dtype(spec) for spec in contract.columns},
    )


def explanations_frame(kind: str) -> pl.DataFrame:
    """One row per column: name, required, format, meaning, example."""
    contract = CONTRACTS[kind]
    return pl.DataFrame(
        {
            "Colonne": [c.name for c in contract.columns],
            "Obligatoire": ["oui" if c.required else "non" for c in contract.columns],
            "Format": [c.format_help for c in contract.columns],
            "Explication": [c.description for c in contract.columns],
            "Exemple": ["" if c.example in ("", None) else str(c.example) for c in contract.columns],
        }
    )


def notes(kind: str) -> str:
    contract = CONTRACTS[kind]
    key = " + ".join(contract.key)
    return (
        f"Une ligne = {contract.row_is}. La ligne 2 de la feuille « {kind} » est un exemple à remplacer. "
        f"Les lignes sont identifiées par {key} : réimporter un fichier corrigé remplace les lignes de même clé. "
        "Les en-têtes peuvent être écrits avec ou sans accents, majuscules ou espaces ; une ligne de titre "
        "au-dessus des en-têtes est acceptée. Nombres : « 1 234 » ou « 1234 » ; dates : 31/10/2014."
    )


def template_csv(kind: str) -> bytes:
    """``;``-separated UTF-8 CSV (with BOM) holding the header and the example row."""
    frame = template_frame(kind).with_columns(
        pl.col(pl.Date).dt.strftime("%d/%m/%Y")
    )
    return exports.to_csv_bytes(frame)


def template_xlsx(kind: str) -> bytes:
    """XLSX: sheet ``kind`` (header + example row) and sheet « Explications »."""
    return exports.to_xlsx_bytes(
        {kind: template_frame(kind), EXPLANATIONS_SHEET: explanations_frame(kind)},
        notes={EXPLANATIONS_SHEET: notes(kind)},
    )


def template_filename(kind: str, extension: str) -> str:
    return f"modele-{kind.replace('_', '-')}.{extension}"
