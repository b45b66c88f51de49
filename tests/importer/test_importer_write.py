"""Writing: round trips for every kind, idempotence, corrections, log, version, atomicity."""

from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard.importer import bulk, maintenance, service, templates, writing
from dashboard.store import db
from queries.territoires import network_tree
from tests.support.importer import (
    BILAN_HEADER,
    SCHOOLS,
    absence,
    absences_file,
    bilan,
    bilans_file,
    communes_of,
    snapshot,
    table_rows,
    territoires_file,
)

pytestmark = pytest.mark.all_backends  # SQL: see tests/README.md

# --- round trips: template → filled → imported → read back --------------------------------------------

FILLED = {
    "etablissements": [["0860009T", "Collège Jean Moulin", "COLLEGE", "PUBLIC", "86194", "REP", "R86-POI"],
                       ["0790005B", "EREA de Niort", "EREA", "PUBLIC", "79191", None, None]],
    "bilans": [bilan(), bilan(reseau="R16-ANG", periode="2014-12-31")],
    "objectifs": [["2014-2015", "ACAD", "raccroches", 2600], ["2014-2015", "R86-POI", "raccroches", 300]],
    "absenteisme": [["0860001J", "2015-01", 650, 18, 110], ["0160003S", "2014-10", 400, 6, None]],
    "mlds_sites": [["PAQI-86-01", "PAQI de Poitiers", "86194", 30, 28, "2014-2015"],
                   ["PAQI-16-01", "PAQI d'Angoulême", "16015", 24, 20, "2014-2015"]],
}
EXPECTED_BACK = {  # what the database then holds (the table's own column names)
    "etablissements": [("0860009T", "Collège Jean Moulin", "COLLEGE", "PUBLIC", "86194", "REP", "R86-POI"),
                       ("0790005B", "EREA de Niort", "EREA", "PUBLIC", "79191", None, None)],
    "bilans": [("R86-POI", "2014-10-31", "2014-2015", *bilan()[3:]),
               ("R16-ANG", "2014-12-31", "2014-2015", *bilan()[3:])],
    "objectifs": [("2014-2015", "ACAD", "raccroches", 2600), ("2014-2015", "R86-POI", "raccroches", 300)],
    "absenteisme": [("0860001J", "2015-01", "2014-2015", 650, 18, 110), ("0160003S", "2014-10", "2014-2015", 400, 6, None)],
    "mlds_sites": [("PAQI-86-01", "2014-2015", "PAQI de Poitiers", "86194", 30, 28),
                   ("PAQI-16-01", "2014-2015", "PAQI d'Angoulême", "16015", 24, 20)],
}


def filled_xlsx(kind: str, rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(templates.template_xlsx(kind)))
    sheet = workbook[kind]
    sheet.delete_rows(2)
    for row in rows:
        sheet.append(row)
    assert workbook.sheetnames == [kind, "Explications"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_csv(kind: str, rows: list[list]) -> bytes:
    header = templates.template_csv(kind).decode("utf-8-sig").splitlines()[0]
    lines = [header] + [";".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def stored(engine, kind: str) -> list[tuple]:
    table = db.metadata.tables[kind]
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(table)).all()]
    if kind == "etablissements":
        rows = [r for r in rows if r[0] not in {s["uai"] for s in SCHOOLS}]
    return sorted(rows, key=str)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", sorted(FILLED))
def test_round_trip(engine, kind, fmt):
    data = (filled_xlsx if fmt == "xlsx" else filled_csv)(kind, FILLED[kind])
    result = service.import_file(engine, data, f"{kind}.{fmt}")
    assert result.written, result.report.as_text()
    assert result.kind == kind and result.counts.added == 2
    assert stored(engine, kind) == sorted(EXPECTED_BACK[kind], key=str)


def test_round_trip_territoires(engine):
    change = {insee: {"reseau_nom": "Poitiers-Ville"} for insee in communes_of(engine, "R86-POI")}
    data = territoires_file(engine, annee_debut=2016, change=change)
    header = templates.template_csv("territoires").decode("utf-8-sig").splitlines()[0]
    assert data.decode().splitlines()[0] == header
    result = service.import_file(engine, data, "territoires.csv")
    assert result.written, result.report.as_text()
    assert result.counts.added == 1338
    with engine.connect() as conn:
        names = dict(network_tree(conn, "2016-2017").select("reseau_code", "reseau_nom").iter_rows())
        before = dict(network_tree(conn, "2015-2016").select("reseau_code", "reseau_nom").iter_rows())
    assert names["R86-POI"] == "Poitiers-Ville" and before["R86-POI"] == "Poitiers"


def test_breakdown_replaces_the_default_one(db_engine):
    moved = {"16292": {"reseau_code": "R16-ANG", "reseau_nom": "Angoulême"}}  # Ruffec joins Angoulême
    result = service.import_file(db_engine, territoires_file(db_engine, change=moved), "decoupage.csv")
    assert result.written, result.report.as_text()
    assert (result.counts.added, result.counts.changed, result.counts.unchanged) == (0, 1, 1337)
    with db_engine.connect() as conn:
        row = conn.execute(select(db.territoires.c.reseau_code).where(
            db.territoires.c.commune_insee == "16292", db.territoires.c.annee_debut == 0)).scalar_one()
    assert row == "R16-ANG"


# --- idempotence, corrections, log, version -------------------------------------------------------------


def test_reimport_changes_nothing(engine):
    data = bilans_file(bilan(), bilan(periode="2014-12-31"), bilan(reseau="R16-ANG"))
    first = service.import_file(engine, data, "bilans.csv", utilisateur="saio")
    before = snapshot(engine)
    second = service.import_file(engine, data, "bilans.csv", utilisateur="saio")
    assert (first.counts.added, first.counts.changed) == (3, 0)
    assert (second.counts.added, second.counts.changed, second.counts.unchanged) == (0, 0, 3)
    after = snapshot(engine)
    assert after["bilans"] == before["bilans"] and after["version"] == before["version"]
    assert after["import_log"][0] == before["import_log"][0] + 1
    assert "rien n'a changé" in second.summary()


def test_corrected_file_replaces_rows_and_counts_them(engine):
    service.import_file(engine, bilans_file(bilan(), bilan(periode="2014-12-31")), "v1.csv")
    corrected = bilans_file(bilan(contrats_foquale=31), bilan(periode="2014-12-31"), bilan(periode="2015-02-28"))
    result = service.import_file(engine, corrected, "v2.csv")
    assert (result.counts.added, result.counts.changed, result.counts.unchanged) == (1, 1, 1)
    assert "1 ligne ajoutée, 1 modifiée, 1 inchangée" in result.summary()
    values = {r["periode_fin"]: r["contrats_foquale"] for r in table_rows(engine, "bilans")}
    assert values == {"2014-10-31": 31, "2014-12-31": 30, "2015-02-28": 30}


def test_import_is_logged(engine):
    data = absences_file(absence(), absence(uai="0160003S"))
    service.import_file(engine, data, "absences janvier.csv", utilisateur="marie.curie")
    [log] = table_rows(engine, "import_log")
    assert log["utilisateur"] == "marie.curie" and log["fichier"] == "absences janvier.csv"
    assert log["sha256"] == hashlib.sha256(data).hexdigest() and log["type_fichier"] == "absenteisme"
    assert (log["lignes"], log["ajoutees"], log["modifiees"], log["inchangees"]) == (2, 2, 0, 0)
    assert log["horodatage"] is not None
    assert maintenance.recent_imports(engine).height == 1


def test_version_changes_only_when_rows_change(engine):
    with engine.connect() as conn:
        assert db.get_meta(conn, "version") is None
    service.import_file(engine, bilans_file(bilan()), "b.csv")
    version = snapshot(engine)["version"][0]
    assert version is not None
    service.import_file(engine, bilans_file(bilan()), "b.csv")
    assert snapshot(engine)["version"][0] == version
    service.import_file(engine, bilans_file(bilan(contrats_foquale=1)), "b.csv")
    assert snapshot(engine)["version"][0] != version


def test_refused_and_dry_run_write_nothing(engine):
    before = snapshot(engine)
    refused = service.import_file(engine, bilans_file(bilan(entretiens=-1)), "b.csv")
    dry = service.import_file(engine, bilans_file(bilan()), "b.csv", dry_run=True)
    assert not refused.written and not dry.written and dry.report.ok
    assert snapshot(engine) == before
    assert "Rien n'a été écrit" in refused.summary() and "Vérification seule" in dry.summary()


# --- atomicity ---------------------------------------------------------------------------------------------


def boom(*_args, **_kwargs):
    raise RuntimeError("panne de la base au milieu de l'import")


@pytest.mark.parametrize("target", ["log_import", "update_rows"])
def test_failure_midway_leaves_the_database_unchanged(db_engine, monkeypatch, target):
    service.import_file(db_engine, bilans_file(bilan()), "v1.csv")
    before = snapshot(db_engine)
    if target == "log_import":  # after the table was written
        monkeypatch.setattr(writing, "log_import", boom)
    else:  # after the inserts, before the updates
        monkeypatch.setattr(bulk, "update_rows", boom)
    data = bilans_file(bilan(contrats_foquale=31), bilan(periode="2014-12-31"), bilan(reseau="R16-ANG"))
    with pytest.raises(RuntimeError):
        service.import_file(db_engine, data, "v2.csv")
    assert snapshot(db_engine) == before


# --- property: any file imports completely or changes nothing ----------------------------------------------

NETWORKS = ["R86-POI", "R16-ANG", "R17-LRO"] * 3 + ["R86-POIT"]  # one in ten unknown
PERIODS = ["2014-10-31", "31/12/2014", "2015-02-28", "30/04/2015", "2015-06-30"] * 2 + ["2015-10-31", "hier"]
MUTANTS = ["", "-1", "abc", "1,5", "1 000", "0", "999"]


def counts(k: int) -> list[str]:
    """A valid period: funnel and solutions hold whatever the scale ``k``."""
    return [str(v) for v in (4 * k, 3 * k, 2 * k, 2 * k, *[k // 3] * 6, k)]


def mutate(values: list[str], position: int, dice: int, mutant: str) -> list[str]:
    """One row in eight gets a mutant value in one cell."""
    if dice == 4:  # not a boundary value: hypothesis favours those
        values = [*values]
        values[position] = mutant
    return values


cell_counts = st.builds(mutate, st.integers(0, 60).map(counts), st.integers(0, 10), st.integers(0, 7),
                        st.sampled_from(MUTANTS))
row = st.tuples(st.sampled_from(NETWORKS), st.sampled_from(PERIODS), cell_counts)

def with_duplicate(rows: list, dice: int) -> list:
    """One file in ten repeats its first row."""
    return [*rows, rows[0]] if dice == 5 else rows


rows_spec = st.builds(with_duplicate, st.lists(row, min_size=1, max_size=3, unique_by=lambda r: r[:2]),
                      st.integers(0, 9))
file_spec = st.tuples(rows_spec, st.sampled_from([";", ","]), st.sampled_from(["utf-8", "cp1252"]),
                      st.integers(0, 14).map(lambda n: n != 7))


def build(rows, sep, encoding, keep_every_column) -> bytes:
    header = list(BILAN_HEADER) if keep_every_column else [c for c in BILAN_HEADER if c != "entretiens"]
    lines = [sep.join(header)]
    for reseau, periode, counts in rows:
        values = dict(zip(BILAN_HEADER, ["2014-2015", periode, reseau, *counts], strict=True))
        lines.append(sep.join(f'"{values[c]}"' if sep in values[c] else values[c] for c in header))
    return ("\n".join(lines) + "\n").encode(encoding)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=file_spec)
def test_any_file_imports_completely_or_changes_nothing(db_engine, spec):
    data = build(*spec)
    before = snapshot(db_engine)
    result = service.import_file(db_engine, data, "aleatoire.csv")
    after = snapshot(db_engine)
    if not result.written:
        assert after == before
        return
    checked = service.validate(db_engine, data, "aleatoire.csv")
    keys = {(r["reseau_code"], r["periode_fin"]) for r in checked.rows.iter_rows(named=True)}
    expected = {(r["reseau_code"], r["periode_fin"]): tuple(r[c] for c in BILAN_HEADER[3:])
                for r in checked.rows.iter_rows(named=True)}
    now = {(r[0], r[1]): r[3:] for r in after["bilans"]}
    assert all(now[k] == expected[k] for k in keys)
    assert [r for r in after["bilans"] if (r[0], r[1]) not in keys] == \
        [r for r in before["bilans"] if (r[0], r[1]) not in keys]
    assert result.counts.added + result.counts.changed + result.counts.unchanged == len(keys)
    assert after["import_log"][0] == before["import_log"][0] + 1


# --- demonstration data ---------------------------------------------------------------------------------


def test_clear_demo_data_only_while_demo(engine):
    service.import_file(engine, bilans_file(bilan()), "b.csv")
    assert maintenance.clear_demo_data(engine) == {}  # real data: nothing is deleted
    assert len(table_rows(engine, "bilans")) == 1
    with engine.begin() as conn:
        db.set_meta(conn, "demo", "1")
    version = snapshot(engine)["version"][0]
    deleted = maintenance.clear_demo_data(engine)
    assert deleted["bilans"] == 1 and deleted["etablissements"] == len(SCHOOLS)
    after = snapshot(engine)
    assert after["bilans"] == [] and after["etablissements"] == [] and after["version"][0] != version
    assert len(after["territoires"]) == 1338
    with engine.connect() as conn:
        assert db.get_meta(conn, "demo") == "0"
