"""``python -m dashboard.importer``: exit status 0 (imported), 1 (refused), 2 (usage), on both backends."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import insert

from dashboard.store import database, db
from tests.support import cli
from tests.support.importer import FIXTURES, SCHOOLS, snapshot

pytestmark = pytest.mark.all_backends


def prepared_database(databases, backend: str, tmp_path_factory):
    """(URL usable from another process, cleanup) of a database with the reference geography and
    ``SCHOOLS``."""
    url, cleanup = databases.new_url(backend, "geo", tmp_path_factory.mktemp("cli"))
    engine = database.make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(db.etablissements), SCHOOLS)
    engine.dispose()
    return url, cleanup


@pytest.fixture(scope="module")
def database_url(databases, backend, tmp_path_factory):
    """A prepared database on each backend."""
    url, cleanup = prepared_database(databases, backend, tmp_path_factory)
    yield url
    cleanup()


@pytest.fixture(scope="module")
def sqlite_url(databases, tmp_path_factory):
    """A prepared SQLite database (for the checks that do not depend on the backend)."""
    url, cleanup = prepared_database(databases, "sqlite", tmp_path_factory)
    yield url
    cleanup()


def run_cli(*args: str, process: bool = False) -> subprocess.CompletedProcess:
    """The command, in this process (``process=True``: as a real one, the smoke test)."""
    env = {k: v for k, v in os.environ.items() if k != database.ENV_URL}
    run = cli.run_subprocess if process else cli.run_cli
    return run("dashboard.importer", *args, env=env)


def test_imported_exit_0(database_url):
    engine = database.make_engine(database_url)
    done = run_cli(str(FIXTURES / "objectifs.csv"), "--database-url", database_url, process=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Import réussi (Objectifs) : 4 lignes ajoutées")
    assert len(snapshot(engine)["objectifs"]) == 4
    again = run_cli(str(FIXTURES / "objectifs.csv"), "--kind", "objectifs", "--database-url", database_url)
    assert again.returncode == 0 and "0 ligne ajoutée, 0 modifiée, 4 inchangées" in again.stdout
    engine.dispose()


def test_prevention_kinds_from_the_command_line(database_url, tmp_path):
    referents = tmp_path / "referents.csv"
    referents.write_text("uai;annee_scolaire;fonction;formation_suivie\n0860001J;2014-2015;Proviseur adjoint;oui\n"
                         "0860002K;2014-2015;Chef de travaux;\n", encoding="utf-8")
    gpds = tmp_path / "gpds.csv"
    gpds.write_text("UAI;Mois;Élèves repérés;Élèves suivis;Réunions GPDS;Solutions internes;Signalements plateforme\n"
                    "0860001J;2014-10;4;2;1;1;0\n", encoding="utf-8")
    done = run_cli(str(referents), "--kind", "referents", "--database-url", database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Import réussi (Référents décrochage) : 2 lignes ajoutées")
    again = run_cli(str(referents), "--kind", "referents", "--database-url", database_url)
    assert again.returncode == 0 and "0 ligne ajoutée, 0 modifiée, 2 inchangées" in again.stdout
    done = run_cli(str(gpds), "--database-url", database_url)
    assert done.returncode == 0 and done.stdout.startswith("Import réussi (Activité des GPDS) : 1 ligne ajoutée")
    engine = database.make_engine(database_url)
    assert len(snapshot(engine)["referents"]) == 2 and len(snapshot(engine)["prevention"]) == 1
    engine.dispose()


def test_refused_exit_1_prints_the_report_and_writes_nothing(database_url, tmp_path):
    engine = database.make_engine(database_url)
    before = snapshot(engine)
    report = tmp_path / "rapport.xlsx"
    done = run_cli(str(FIXTURES / "bilans-erreurs.csv"), "--database-url", database_url, "--rapport", str(report))
    assert done.returncode == 1
    assert done.stdout.startswith("Fichier refusé (Bilans bimestriels)")
    assert "ligne 2, colonne « reseau_code », valeur « R86-POIT »" in done.stdout
    assert "Vouliez-vous dire « R86-POI » (Poitiers) ?" in done.stdout
    assert report.read_bytes()[:2] == b"PK"
    assert snapshot(engine) == before
    engine.dispose()


def test_dry_run_writes_nothing(sqlite_url):
    engine = database.make_engine(sqlite_url)
    before = snapshot(engine)
    done = run_cli(str(FIXTURES / "bilans-windows1252.csv"), "--dry-run", "--database-url", sqlite_url)
    assert done.returncode == 0 and done.stdout.startswith("Vérification seule (Bilans bimestriels)")
    assert snapshot(engine) == before
    engine.dispose()


@pytest.mark.parametrize("args, message", [
    ([], "arguments obligatoires manquants"),
    (["fichier.csv", "--kind", "bilan"], "choix invalide"),
    (["fichier.csv", "--inconnu"], "arguments non reconnus"),
])
def test_usage_errors_exit_2(args, message):
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr and "utilisation :" in done.stderr


def test_missing_file_exit_2(sqlite_url, tmp_path):
    done = run_cli(str(tmp_path / "absent.csv"), "--database-url", sqlite_url)
    assert done.returncode == 2 and "Impossible de lire le fichier" in done.stderr


def test_unknown_user_exit_2(sqlite_url):
    done = run_cli(str(FIXTURES / "objectifs.csv"), "--database-url", sqlite_url, "--utilisateur", "inconnu")
    assert done.returncode == 2 and "Import refusé" in done.stderr


def test_user_is_logged_and_must_be_allowed_to_import(sqlite_url):
    engine = database.make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(db.utilisateurs.delete())
        conn.execute(insert(db.utilisateurs), [
            {"identifiant": "saio.data", "nom": "SAIO", "role": "csaio", "territoire_code": "ACAD"},
            {"identifiant": "reseau.poitiers", "nom": "Réseau", "role": "reseau", "territoire_code": "R86-POI"},
        ])
    denied = run_cli(str(FIXTURES / "mlds_sites.xlsx"), "--database-url", sqlite_url, "--utilisateur",
                     "reseau.poitiers")
    assert denied.returncode == 2 and "réservé" in denied.stderr
    done = run_cli(str(FIXTURES / "mlds_sites.xlsx"), "--database-url", sqlite_url, "--utilisateur", "saio.data")
    assert done.returncode == 0, done.stdout + done.stderr
    with engine.connect() as conn:
        users = set(conn.execute(db.import_log.select().with_only_columns(db.import_log.c.utilisateur)).scalars())
    assert "saio.data" in users
    engine.dispose()


def test_malformed_file_is_refused_with_a_french_report_not_a_crash(database_url, tmp_path):
    engine = database.make_engine(database_url)
    before = snapshot(engine)
    path = tmp_path / "absences.csv"
    path.write_bytes(b"uai;mois;effectif;eleves_absenteistes\r\n0860001J;2015-01;" + b"9" * 200_000 + b";20\r\n")
    done = run_cli(str(path), "--database-url", database_url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ligne 2" in done.stdout and "guillemet" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert snapshot(engine) == before
    engine.dispose()


def test_long_report_starts_with_a_count_per_rule(sqlite_url, tmp_path):
    path = tmp_path / "absences.csv"
    rows = "".join(f"0860001J;2015-{m:02d};10;20\r\n" for m in range(1, 13)) * 2
    path.write_text("uai;mois;effectif;eleves_absenteistes\r\n" + rows, encoding="cp1252")
    done = run_cli(str(path), "--dry-run", "--database-url", sqlite_url)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[1] == "Problèmes par règle :"
    # issue 24: absentees above enrolment on every line first says the columns are probably swapped
    assert lines[2] == "  1 × erreur [absentéistes ≤ effectif (vraisemblance)], colonne « eleves_absenteistes »"
    assert lines[3] == "  24 × erreur [absentéistes ≤ effectif], colonne « eleves_absenteistes », première ligne 2"
    assert "Détail :" in lines and len([x for x in lines if x.startswith("- ")]) == 41
