"""Downloadable templates: for each kind, a CSV and an XLSX with the expected header and one
example row; the XLSX has a second sheet « Explications » describing every column in French, with
the other headers the import accepts for it. Given the codes of a school year
(``template_codes.codes_for``), the XLSX also lists the territories and offers drop-down lists;
a bilan template can come pre-filled with every network for one period."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dashboard.importer import contracts, template_codes
from dashboard.importer.contracts import CONTRACTS, ColumnSpec
from dashboard.importer.template_codes import TERRITORIES_SHEET, Codes
from dashboard.publish import exports

EXPLANATIONS_SHEET = "Explications"


def _dtype(spec: ColumnSpec) -> pl.DataType:
    if spec.kind in (contracts.COUNT, contracts.START_YEAR):
        return pl.Int64
    if spec.kind == contracts.DATE:
        return pl.Date
    return pl.String


def _example(spec: ColumnSpec, kind: str = "", codes: Codes | None = None):
    """The example value of a column; with the codes of a year, that year's (its first network…)."""
    if codes is not None:
        found = template_codes.example(kind, spec, codes)
        if found is not None:
            return found
    if spec.example in ("", None):
        return None
    if spec.kind == contracts.DATE:
        return dt.date.fromisoformat(str(spec.example))
    return spec.example


def template_frame(kind: str, codes: Codes | None = None) -> pl.DataFrame:
    """The header and one example row of ``kind``."""
    contract = CONTRACTS[kind]
    return pl.DataFrame(
        {spec.name: [_example(spec, kind, codes)] for spec in contract.columns},
        schema={spec.name: _dtype(spec) for spec in contract.columns},
    )


def accepted_headers(spec: ColumnSpec) -> str:
    """The other headers the import reads as this column (« eple, cfa… »), as a reader writes them."""
    return ", ".join(dict.fromkeys(a.replace("_", " ") for a in spec.aliases))


def explanations_frame(kind: str) -> pl.DataFrame:
    """One row per column: name, required, format, meaning, example, other headers accepted."""
    contract = CONTRACTS[kind]
    return pl.DataFrame(
        {
            "Colonne": [c.name for c in contract.columns],
            "Obligatoire": ["oui" if c.required else "non" for c in contract.columns],
            "Format": [c.format_help for c in contract.columns],
            "Explication": [c.description for c in contract.columns],
            "Exemple": ["" if c.example in ("", None) else str(c.example) for c in contract.columns],
            "Autres en-têtes acceptés": [accepted_headers(c) for c in contract.columns],
        }
    )


def notes(kind: str, prefilled: bool = False) -> str:
    contract = CONTRACTS[kind]
    key = " + ".join(contract.key)
    first = (f"La feuille « {kind} » contient une ligne par réseau de l'année : complétez les nombres (la colonne "
             "reseau_nom aide à se repérer ; elle n'est pas importée)." if prefilled else
             f"La ligne 2 de la feuille « {kind} » est un exemple à remplacer.")
    return (
        f"Une ligne = {contract.row_is}. {first} "
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


def template_xlsx(kind: str, codes: Codes | None = None, periode_fin: str | None = None) -> bytes:
    """XLSX: sheet ``kind`` (header + example row) and sheet « Explications »; with ``codes``, the
    « Liste des territoires » sheet and the drop-down lists, and, for a bilan with ``periode_fin``, one row
    per network of the year for that period instead of the example."""
    prefilled = codes is not None and kind == "bilans" and periode_fin is not None
    data = template_codes.prefilled_bilans(codes, periode_fin) if prefilled else template_frame(kind, codes)
    sheets = {kind: data, EXPLANATIONS_SHEET: explanations_frame(kind)}
    sheet_notes = {EXPLANATIONS_SHEET: notes(kind, prefilled)}
    if codes is not None:
        sheets[TERRITORIES_SHEET] = template_codes.territory_frame(codes)
        sheet_notes[TERRITORIES_SHEET] = template_codes.territory_notes(codes)
    base = exports.to_xlsx_bytes(sheets, notes=sheet_notes)
    return base if codes is None else template_codes.with_codes(base, kind, codes)


def template_filename(kind: str, extension: str, periode_fin: str | None = None) -> str:
    period = f"-{periode_fin}" if periode_fin else ""
    return f"modele-{kind.replace('_', '-')}{period}.{extension}"


def territories_csv(codes: Codes) -> bytes:
    return exports.to_csv_bytes(template_codes.territory_frame(codes))


def territories_xlsx(codes: Codes) -> bytes:
    return exports.to_xlsx_bytes({TERRITORIES_SHEET: template_codes.territory_frame(codes)},
                                 notes={TERRITORIES_SHEET: template_codes.territory_notes(codes)})


def territories_filename(codes: Codes, extension: str) -> str:
    return f"territoires-{codes.annee}.{extension}"
