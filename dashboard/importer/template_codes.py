"""Codes at hand in the XLSX templates.

``codes_for(conn, annee)`` gathers what a file of that school year may name: the territories of its
breakdown (code, name, level, parent), the school years, the six bimonthly period ends. A template
built with them (``template_xlsx``) carries:

* a « Liste des territoires » sheet: the list of codes, the same one the Import page offers for download;
* drop-down lists (data validation) on the kind's sheet: network or territory codes, school years,
  period ends, every closed list (school type, sector, priority education, referent function…),
  and whole numbers ≥ 0 in the count columns, each with a French input message saying what the
  column holds (the six kinds of solution of a bilan, for instance);
* for a bilan, optionally, one row per network of that year for a chosen period, with the
  network's name beside its code (an informative column the import accepts and ignores).

The lists live on a hidden « Listes » sheet; the workbook holds no formula.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, select

from dashboard import fmt, schoolyear
from dashboard.importer import contracts
from dashboard.importer.contracts import CONTRACTS, ColumnSpec
from dashboard.publish import exports
from dashboard.store import db
from queries import raccrochage_rules
from queries import territoires as tq

TERRITORIES_SHEET = "Liste des territoires"
LISTS_SHEET = "Listes"
LAST_ROW = 10_000  # rows of the kind's sheet covered by the drop-down lists
NETWORK_NAME = "reseau_nom"  # informative column of a pre-filled bilan (``BILANS.informative``)
TERRITORY_HEADERS = {"code": "Code", "nom": "Nom", "niveau": "Niveau", "parent_code": "Code du territoire parent",
                     "parent_nom": "Territoire parent"}
#: Columns holding a territory code, and which codes they take (networks only, or every level).
TERRITORY_COLUMNS = {("bilans", "reseau_code"): "reseaux", ("etablissements", "reseau_code"): "reseaux",
                     ("objectifs", "territoire_code"): "territoires"}


@dataclass(frozen=True)
class Codes:
    annee: str
    territories: pl.DataFrame  # code, nom, niveau, parent_code, parent_nom (``queries.territoires``)
    years: tuple[str, ...]
    period_ends: tuple[str, ...]  # ISO dates of the school year's six bimonthly periods
    commune: tuple[str, str, str] | None = None  # (insee, nom, department) of the académie's largest commune

    @property
    def networks(self) -> pl.DataFrame:
        return self.territories.filter(pl.col("niveau") == "Réseau FOQUALE")


def school_years_around(years: list[str] | tuple[str, ...], today: dt.date | None = None) -> tuple[str, ...]:
    """The school years a template offers: those of the data, and up to the next one from today."""
    today = today or dt.date.today()
    current = schoolyear.start_year(schoolyear.school_year_of(today))
    starts = {int(y[:4]) for y in years} | {current - 1, current, current + 1}
    return tuple(f"{y}-{y + 1}" for y in range(min(starts), max(starts) + 1))


def codes_for(conn: Connection, annee: str, years: list[str] | tuple[str, ...] = ()) -> Codes:
    return Codes(annee, tq.territory_list(conn, annee), school_years_around([*years, annee]),
                 tuple(raccrochage_rules.period_ends(annee)), _largest_commune(conn))


def _largest_commune(conn: Connection) -> tuple[str, str, str] | None:
    """The académie's most populous commune: the example commune of its templates."""

    c = db.communes
    row = conn.execute(select(c.c.insee, c.c.nom, c.c.departement_code)
                       .order_by(c.c.population.desc(), c.c.insee).limit(1)).first()
    return tuple(row) if row is not None else None


def period_label(periode_fin: str) -> str:
    """« 31/12/2016 (nov.–déc. 2016) »: a period as the list of periods shows it."""
    return f"{fmt.date_short(periode_fin)} ({raccrochage_rules.period_label(periode_fin)})"


def territory_frame(codes: Codes) -> pl.DataFrame:
    """The list of codes as downloaded and as the « Liste des territoires » sheet shows it (French headers)."""
    return codes.territories.rename(TERRITORY_HEADERS)


def territory_notes(codes: Codes) -> str:
    return (f"Découpage territorial de l'année scolaire {codes.annee} : {fmt.integer(codes.networks.height)} réseaux "
            "FOQUALE. Un fichier de bilans nomme un réseau par son code ; un fichier d'objectifs nomme un territoire "
            "de n'importe quel niveau (ACAD pour l'académie).")


def prefilled_bilans(codes: Codes, periode_fin: str) -> pl.DataFrame:
    """One row per network of the year for the period ending ``periode_fin``, counts to fill."""
    contract = CONTRACTS["bilans"]
    networks = codes.networks
    n = networks.height
    columns: dict[str, pl.Series] = {}
    for spec in contract.columns:
        if spec.name == "annee_scolaire":
            columns[spec.name] = pl.Series([codes.annee] * n, dtype=pl.String)
        elif spec.name == "periode_fin":
            columns[spec.name] = pl.Series([dt.date.fromisoformat(periode_fin)] * n, dtype=pl.Date)
        elif spec.name == "reseau_code":
            columns[spec.name] = networks["code"]
            columns[NETWORK_NAME] = networks["nom"]
        else:
            columns[spec.name] = pl.Series([None] * n, dtype=pl.Int64)
    return pl.DataFrame(columns)


def example(kind: str, spec: ColumnSpec, codes: Codes):
    """The example value of a column that depends on the year: the year, its first period end, its
    first network (or territory); ``None`` for the others."""
    months = any(c.kind == contracts.MONTH for c in CONTRACTS[kind].columns)
    if spec.kind == contracts.SCHOOL_YEAR and not months:  # a month example says its own year
        return codes.annee
    if spec.kind == contracts.DATE and kind == "bilans":
        return dt.date.fromisoformat(codes.period_ends[0])
    which = TERRITORY_COLUMNS.get((kind, spec.name))
    if which == "reseaux" and spec.required and codes.networks.height:
        return codes.networks["code"][0]
    if which == "territoires" and codes.networks.height:
        return codes.networks["code"][0]
    return _instance_example(kind, spec, codes)


def _instance_example(kind: str, spec: ColumnSpec, codes: Codes):
    """Examples that name the instance's own places: its largest commune, the network holding it."""
    if codes.commune is None:
        return None
    insee, nom, departement = codes.commune
    if spec.kind == contracts.INSEE:
        return insee
    if kind == "territoires" and codes.networks.height:
        network = codes.networks.row(0, named=True)
        return {"reseau_code": network["code"], "reseau_nom": network["nom"], "psad_code": network["parent_code"],
                "psad_nom": network["parent_nom"]}.get(spec.name)
    if kind == "mlds_sites" and spec.name == "nom":
        return f"PAQI – {nom}"
    if spec.name == "departement_code":
        return departement
    if spec.name == "commune_nom":
        return nom
    return None


def lists(kind: str, codes: Codes) -> dict[str, list]:
    """The values of each drop-down list of ``kind`` (column name → values)."""
    out: dict[str, list] = {}
    for spec in CONTRACTS[kind].columns:
        which = TERRITORY_COLUMNS.get((kind, spec.name))
        if which == "reseaux":
            out[spec.name] = codes.networks["code"].to_list()
        elif which == "territoires":
            out[spec.name] = codes.territories["code"].to_list()
        elif spec.kind == contracts.SCHOOL_YEAR:
            out[spec.name] = list(codes.years)
        elif spec.kind == contracts.DATE and kind == "bilans":
            out[spec.name] = [dt.date.fromisoformat(d) for d in codes.period_ends]
        elif spec.kind == contracts.ENUM:
            out[spec.name] = list(spec.choices)
        elif spec.kind == contracts.INDICATOR:
            out[spec.name] = ["raccroches"]
    return out


def prompt(spec: ColumnSpec, more: str = "") -> str:
    """The input message of a column (Excel keeps 255 characters at most)."""
    text = f"{spec.description} {spec.format_help[:1].upper()}{spec.format_help[1:]}.{more}"
    return text if len(text) <= 255 else text[:254] + "…"


def add_validations(workbook, kind: str, codes: Codes, header: list[str]) -> None:
    """Drop-down lists and whole-number checks on ``kind``'s sheet, the lists on a hidden sheet."""
    from openpyxl.utils import get_column_letter  # heavy: loaded when a workbook is written or read
    from openpyxl.worksheet.datavalidation import DataValidation  # heavy: loaded with a workbook

    sheet = workbook[kind]
    values = lists(kind, codes)
    store = workbook.create_sheet(LISTS_SHEET)
    store.sheet_state = "hidden"
    specs = {spec.name: spec for spec in CONTRACTS[kind].columns}
    for index, (name, items) in enumerate(values.items(), start=1):
        letter = get_column_letter(index)
        store.cell(1, index, name)
        for row, item in enumerate(items, start=2):
            cell = store.cell(row, index, exports.neutralise(item))
            if isinstance(item, dt.date):
                cell.number_format = "DD/MM/YYYY"
        if name not in header:
            continue
        spec = specs[name]
        territory = (kind, name) in TERRITORY_COLUMNS
        check = DataValidation(
            type="list", formula1=f"{LISTS_SHEET}!${letter}$2:${letter}${len(items) + 1}",
            allow_blank=not spec.required, showDropDown=False, showInputMessage=True, showErrorMessage=True,
            errorStyle="warning" if spec.kind == contracts.SCHOOL_YEAR else "stop",
            promptTitle=name[:32], prompt=prompt(spec, f" Liste : feuille « {TERRITORIES_SHEET} »." if territory else ""),
            errorTitle="Valeur hors de la liste",
            error=("Ce code n'existe pas dans le découpage de l'année : choisissez-le dans la liste (feuille "
                   "« Liste des territoires »)." if territory else "Choisissez une valeur de la liste."),
        )
        column = get_column_letter(header.index(name) + 1)
        check.add(f"{column}2:{column}{LAST_ROW}")
        sheet.add_data_validation(check)
    for name, spec in specs.items():
        if spec.kind != contracts.COUNT or name not in header:
            continue
        column = get_column_letter(header.index(name) + 1)
        whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                               allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop",
                               promptTitle=name[:32], prompt=prompt(spec), errorTitle="Nombre entier attendu",
                               error="Saisissez un nombre entier positif ou nul, sans décimale.")
        whole.add(f"{column}2:{column}{LAST_ROW}")
        sheet.add_data_validation(whole)


def format_dates(sheet, header: list[str], kind: str) -> None:
    from openpyxl.utils import get_column_letter  # heavy: loaded when a workbook is written or read

    for spec in CONTRACTS[kind].columns:
        if spec.kind == contracts.DATE and spec.name in header:
            letter = get_column_letter(header.index(spec.name) + 1)
            sheet.column_dimensions[letter].width = max(sheet.column_dimensions[letter].width or 0, 14)
            for row in range(2, max(sheet.max_row, 2) + 1):
                sheet[f"{letter}{row}"].number_format = "DD/MM/YYYY"


def printable(workbook) -> None:
    """Every sheet printed in landscape (a bilan has 15 columns)."""
    for sheet in workbook.worksheets:
        sheet.page_setup.orientation = "landscape"


def with_codes(base: bytes, kind: str, codes: Codes) -> bytes:
    """``base`` (a template made by ``exports.to_xlsx_bytes``) with its drop-down lists."""
    from openpyxl import load_workbook  # heavy: loaded when a workbook is written or read

    workbook = load_workbook(io.BytesIO(base))
    sheet = workbook[kind]
    header = [cell.value for cell in sheet[1]]
    format_dates(sheet, header, kind)
    add_validations(workbook, kind, codes, header)
    printable(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
