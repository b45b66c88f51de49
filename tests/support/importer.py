"""Helpers of the importer tests: files built in memory as people make them, database snapshots, and
the reference state the importer tests' shared database is reset to (``tests/importer/conftest.py``)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from sqlalchemy import delete, insert, select

from dashboard.store import db
from dashboard.uai import make_uai

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
DATA_TABLES = ("territoires", "etablissements", "bilans", "objectifs", "absenteisme", "mlds_sites", "referents",
               "prevention")
BILAN_HEADER = ["annee_scolaire", "periode_fin", "reseau_code", *db.BILAN_COUNT_COLUMNS]
ABSENCE_HEADER = ["uai", "mois", "effectif", "eleves_absenteistes", "demi_journees_non_justifiees"]

SCHOOLS = [
    {"uai": "0860001J", "nom": "Collège Les Castors", "type": "COLLEGE", "secteur": "PUBLIC",
     "commune_insee": "86194", "education_prioritaire": "REP", "reseau_code": None},
    {"uai": "0860002K", "nom": "Lycée professionnel du Clain", "type": "LP", "secteur": "PUBLIC",
     "commune_insee": "86194", "education_prioritaire": None, "reseau_code": "R86-POI"},
    {"uai": "0160003S", "nom": "Collège Saint-Exupéry", "type": "COLLEGE", "secteur": "PRIVE",
     "commune_insee": "16015", "education_prioritaire": None, "reseau_code": None},
    {"uai": "0170004M", "nom": "Lycée polyvalent de l'Océan", "type": "LPO", "secteur": "PUBLIC",
     "commune_insee": "17300", "education_prioritaire": "REP+", "reseau_code": None},
]

# A valid period: 100 signalés, 90 contactés, 80 entretiens, 60 solutions, 43 raccrochés.
BILAN_COUNTS = dict(zip(db.BILAN_COUNT_COLUMNS, (100, 90, 80, 60, 20, 2, 8, 6, 3, 4, 30), strict=True))


def csv_bytes(header: list[str], rows: list[list], sep: str = ";", encoding: str = "utf-8") -> bytes:
    """A CSV file as a spreadsheet exports it (values written as given, ``None`` → empty)."""
    lines = [sep.join(header)]
    for row in rows:
        lines.append(sep.join("" if v is None else str(v) for v in row))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def bilan(reseau: str = "R86-POI", periode: str = "2014-10-31", annee: str = "2014-2015", **counts) -> list:
    values = {**BILAN_COUNTS, **counts}
    return [annee, periode, reseau, *[values[c] for c in db.BILAN_COUNT_COLUMNS]]


def bilans_file(*rows: list, **kwargs) -> bytes:
    return csv_bytes(BILAN_HEADER, list(rows), **kwargs)


def absence(uai: str = "0860001J", mois: str = "2015-01", effectif=500, absents=20, demi=None) -> list:
    return [uai, mois, effectif, absents, demi]


def absences_file(*rows: list, **kwargs) -> bytes:
    return csv_bytes(ABSENCE_HEADER, list(rows), **kwargs)


def schools_file(schools: list[dict] = SCHOOLS) -> bytes:
    header = list(schools[0])
    return csv_bytes(header, [[s[c] for c in header] for s in schools])


def territoires_file(engine, annee_debut: int | None = None, change: dict | None = None) -> bytes:
    """The default breakdown as a ``territoires`` file (one row per commune), optionally changed:
    ``change={"16015": {"reseau_code": "R16-XXX"}}``."""
    t = db.territoires
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.commune_insee, t.c.reseau_code, t.c.reseau_nom, t.c.psad_code, t.c.psad_nom)
            .where(t.c.annee_debut == 0).order_by(t.c.commune_insee)
        ).mappings().all()
    header = ["commune_insee", "reseau_code", "reseau_nom", "psad_code", "psad_nom"]
    if annee_debut is not None:
        header.append("annee_scolaire_debut")
    out = []
    for row in rows:
        values = {**row, **(change or {}).get(row["commune_insee"], {})}
        out.append([values[c] for c in header[:5]] + ([annee_debut] if annee_debut is not None else []))
    return csv_bytes(header, out)


def communes_of(engine, network: str) -> list[str]:
    """Communes of ``network`` in the default breakdown."""
    t = db.territoires
    with engine.connect() as conn:
        return list(conn.execute(select(t.c.commune_insee).where(t.c.annee_debut == 0, t.c.reseau_code == network))
                    .scalars())


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the data tables, the import log size and the meta version (sorted, comparable)."""
    out = {}
    with engine.connect() as conn:
        for name in DATA_TABLES:
            table = db.metadata.tables[name]
            out[name] = sorted(tuple(r) for r in conn.execute(select(table)).all())
        out["import_log"] = [conn.execute(select(db.import_log.c.id)).all().__len__()]
        out["version"] = [db.get_meta(conn, "version")]
    return out


def table_rows(engine, name: str) -> list[dict]:
    table = db.metadata.tables[name]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings().all()]


def issues(result, rule: str | None = None, severity: str | None = None) -> list[dict]:
    """The report's problems (optionally one rule / one severity) as dicts."""
    frame = result.report.issues
    if rule is not None:
        frame = frame.filter(pl.col("regle") == rule)
    if severity is not None:
        frame = frame.filter(pl.col("gravite") == severity)
    return frame.to_dicts()


def reset(engine) -> None:
    """Back to the reference state: default breakdown, the schools of ``SCHOOLS``, nothing else."""
    with engine.begin() as conn:
        for name in ("bilans", "objectifs", "absenteisme", "mlds_sites", "referents", "prevention", "etablissements",
                     "import_log", "meta"):
            conn.execute(delete(db.metadata.tables[name]))
        conn.execute(delete(db.territoires).where(db.territoires.c.annee_debut != 0))
        conn.execute(insert(db.etablissements), SCHOOLS)


#: A schools file as a rectorat writes it: its own headers, a mapping needed.
NEW_A, NEW_B = make_uai("0860101"), make_uai("0860102")
RECTORAT = (
    "Numéro;Établissement;Catégorie;Statut;Code commune INSEE\r\n"
    f"{NEW_A};Collège A;Collège;Public;86194\r\n"
    f"{NEW_B};Lycée B;LP;Privé;86194\r\n"
).encode()


# --- files as people make them (issue 24) ------------------------------------------------------------

TITLE = "Bilans bimestriels des réseaux FOQUALE — année 2016-2017"
HUMAN = ["Année scolaire", "Date de fin", "Réseau", "Signalés", "Contactés", "Entretiens", "Solutions", "EPLE",
         "Structure innovante", "CFA", "MLDS", "Service civique", "Autres", "Contrats"]
# Six periods of one network, counts as a spreadsheet exports them (decimal commas): every period a
# different figure per kind of solution, so that a swap of two columns would change what is stored.
PERIODS = [
    ["2016-2017", "31/10/2016", "R86-POI", "120", "95", "80", "60", "20", "2", "8", "6", "3", "4", "30"],
    ["2016-2017", "31/12/2016", "R86-POI", "110,0", "90,0", "70,0", "55,0", "18,0", "1,0", "7,0", "5,0", "2,0", "3,0",
     "25,0"],
    ["2016-2017", "28/02/2017", "R17-ROY", "100", "85", "60", "50", "15", "1", "6", "4", "2", "5", "20"],
]
def people_csv(header: list[str], rows: list[list[str]], title: str = TITLE) -> bytes:
    """``;``-separated, Windows-1252, a title line above the header, as Excel saves it."""
    lines = [title, ";".join(header), *(";".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def people_xlsx(header: list[str], rows: list[list]) -> bytes:
    """A workbook whose first sheet is a note, the table on the second one under a title."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Saisie du SAIO — ne pas modifier la feuille suivante sans prévenir."])
    sheet = workbook.create_sheet("Saisie 2016-2017")
    sheet.append([TITLE])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
