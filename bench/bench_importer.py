"""Import speed: a 100 000-row absenteeism file, validated and imported (issue 3: < 20 s); a
national school directory of 65 000 rows with the Annuaire's 69 columns, filtered to the académie
and imported (issue 16: ≤ 10 s); hostile files answered within 15 s and 300 Mo (issue 18, measured
in a fresh process each).

The file is generated in a temporary directory from the schools of the bench database (French
conventions: ``;``, Windows-1252, thousands separated by spaces). It is imported into a scratch
copy of the reference tables (never into the bench database itself): on SQLite always, and on
PostgreSQL too when ``DASHBOARD_BENCH_POSTGRES_URL`` or ``DASHBOARD_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
import uuid
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, create_engine, insert, select, text

from dashboard.importer import service
from dashboard.store import database, db, lifecycle

ROWS = 100_000
REFERENCE_TABLES = ("departements", "communes", "territoires", "etablissements")
MONTHS = ("09", "10", "11", "12", "01", "02", "03", "04", "05", "06")
FIRST_YEAR = 2031  # years no bench database holds: every row is new on the first import


def absenteeism_frame(uais: list[str], rows: int = ROWS) -> pl.DataFrame:
    """``rows`` monthly rows over the schools, school year after school year."""
    records = []
    year = FIRST_YEAR
    while len(records) < rows:
        for month in MONTHS:
            calendar_year = year if month >= "09" else year + 1
            for index, uai in enumerate(uais):
                effectif = 300 + (index * 37) % 1500
                absents = (index * 7 + int(month)) % 60
                records.append((uai, f"{calendar_year}-{month}", effectif, absents, absents * 5))
                if len(records) >= rows:
                    break
            if len(records) >= rows:
                break
        year += 1
    return pl.DataFrame(records, orient="row",
                        schema=["uai", "mois", "effectif", "eleves_absenteistes", "demi_journees_non_justifiees"])


def french_csv(frame: pl.DataFrame) -> bytes:
    """As an Excel export would write it: ``;``, Windows-1252, month as ``01/2032``, ``1 234``."""
    out = frame.with_columns(
        (pl.col("mois").str.slice(5, 2) + "/" + pl.col("mois").str.slice(0, 4)).alias("mois"),
        pl.col("effectif").map_elements(lambda v: f"{v:,}".replace(",", " "), return_dtype=pl.String),
    ).rename({"eleves_absenteistes": "Élèves absentéistes", "demi_journees_non_justifiees": "Demi-journées non justifiées"})
    buffer = io.StringIO()
    out.write_csv(buffer, separator=";")
    return buffer.getvalue().encode("cp1252")


def xlsx_bytes(frame: pl.DataFrame) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("absenteisme")
    sheet.append(["Absentéisme mensuel — fichier de test"])
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def copy_reference(source: Engine, target: Engine) -> None:
    """Schema plus the reference tables of ``source`` (no indicators)."""
    lifecycle.create_schema(target)
    with source.connect() as src, target.begin() as dst:
        for name in REFERENCE_TABLES:
            table = db.metadata.tables[name]
            rows = [dict(r) for r in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(insert(table), rows)


def scratch_targets(tmp: Path):
    """(label, engine, cleanup) for SQLite and, when configured, PostgreSQL."""
    sqlite = database.make_engine(f"sqlite:///{tmp / 'bench-import.sqlite'}")
    yield "SQLite", sqlite, sqlite.dispose
    url = os.environ.get("DASHBOARD_BENCH_POSTGRES_URL") or os.environ.get("DASHBOARD_TEST_POSTGRES_URL")
    if not url:
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = database.make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = url.replace("postgresql://", "postgresql+psycopg://", 1) if "+psycopg" not in url else url
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})

    def cleanup() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    yield "PostgreSQL", engine, cleanup


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def measure(label: str, target: Engine, data: bytes, frame: pl.DataFrame) -> list[tuple[str, float, str]]:
    """Validation, first import, identical re-import and corrected file on one database."""
    out = []
    seconds, _ = timed(lambda: service.validate(target, data, "absenteisme.csv"))
    out.append((f"{label} : validation seule (CSV)", seconds, "s"))
    seconds, result = timed(lambda: service.import_file(target, data, "absenteisme.csv"))
    if not result.written:
        return [*out, (f"{label} : fichier refusé ({result.report.errors} erreurs)", 0.0, "")]
    out.append((f"{label} : validation et import (CSV, {result.counts.added} ajoutées)", seconds, "s"))
    seconds, again = timed(lambda: service.import_file(target, data, "absenteisme.csv"))
    out.append((f"{label} : réimport identique ({again.counts.unchanged} inchangées)", seconds, "s"))
    changed = french_csv(frame.with_columns(pl.col("effectif") + 1))
    seconds, fixed = timed(lambda: service.import_file(target, changed, "corrige.csv"))
    out.append((f"{label} : fichier corrigé ({fixed.counts.changed} modifiées)", seconds, "s"))
    return out


def national_directory(tmp: Path) -> list[tuple[str, float, str]]:
    """The 65 000-row directory of ``tests.test_importer_schools`` into a scratch database."""
    from tests.support.annuaire import national_directory as directory

    target = database.make_engine(f"sqlite:///{tmp / 'annuaire.sqlite'}")
    lifecycle.init_database(target)
    with target.connect() as conn:
        communes = sorted(conn.execute(select(db.communes.c.insee)).scalars())[::7]
    data, _inside = directory(65_000, communes)
    seconds, result = timed(lambda: service.import_file(target, data, "fr-en-annuaire-education.csv"))
    again, _ = timed(lambda: service.import_file(target, data, "fr-en-annuaire-education.csv"))
    target.dispose()
    return [
        (f"annuaire national 65 000 lignes ({len(data) / 1e6:.0f} Mo) : filtré et importé", seconds, "s"),
        ("  … établissements de l'académie ajoutés / écartés", float(result.counts.added), "lignes"),
        ("  … lignes écartées (hors académie, hors champ)", float(result.report.set_aside_rows), "lignes"),
        ("annuaire national : réimport identique", again, "s"),
    ]


def hostile_files(tmp: Path) -> list[tuple[str, float, str]]:
    """A few hostile files validated in a fresh process: time and peak memory growth."""
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    url = f"sqlite:///{tmp / 'hostile.sqlite'}"
    lifecycle.init_database(database.make_engine(url))
    files = {
        "10 000 colonnes (CSV de 60 Ko)": (";".join(f"c{i}" for i in range(10_000)) + "\n").encode(),
        "une ligne de 19 Mo": b"uai;mois;" + b"9" * 19_000_000,
        "560 000 lignes d'absentéisme (CSV de 20 Mo)": ("uai;mois;effectif;eleves_absenteistes\n" + "".join(
            f"0860001J;20{10 + n % 90:02d}-{1 + n % 12:02d};500;20\n" for n in range(560_000))).encode(),
    }
    out = []
    for label, data in files.items():
        path = tmp / "hostile.csv"
        path.write_bytes(data)
        done = subprocess.run([sys.executable, "-m", "tests.support.hostile_probe", url, str(path)], cwd=root,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            out.append((f"fichier hostile « {label} » : échec de la mesure", 0.0, ""))
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        out.append((f"fichier hostile « {label} » : réponse", figures["seconds"], "s"))
        out.append(("  … mémoire résidente, pic au-dessus du repos", figures["peak_mb"], "Mo"))
        out.append(("  … mémoire résidente gardée après la réponse", figures["after_mb"], "Mo"))
    return out


def run(engine: Engine, scale: str) -> list[tuple[str, float, str]]:
    with engine.connect() as conn:
        uais = sorted(conn.execute(select(db.etablissements.c.uai)).scalars())
    if not uais:
        return [("aucun établissement dans la base : mesure impossible", 0.0, "")]
    frame = absenteeism_frame(uais)
    data = french_csv(frame)
    out: list[tuple[str, float, str]] = [("lignes du fichier d'absentéisme", float(frame.height), "lignes")]
    with tempfile.TemporaryDirectory() as tmp:
        for label, target, cleanup in scratch_targets(Path(tmp)):
            try:
                copy_reference(engine, target)
                out += measure(label, target, data, frame)
                if label == "SQLite":
                    workbook = xlsx_bytes(frame)
                    seconds, _ = timed(lambda t=target, w=workbook: service.validate(t, w, "absenteisme.xlsx"))
                    out.append(("SQLite : validation seule (même fichier en XLSX)", seconds, "s"))
            finally:
                cleanup()
        if scale == "academie":
            out += national_directory(Path(tmp))
            out += hostile_files(Path(tmp))
    return out


if __name__ == "__main__":
    bench_engine = database.make_engine(os.environ.get("DASHBOARD_BENCH_URL"))
    for row in run(bench_engine, "academie"):
        print(row)
