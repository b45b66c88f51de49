"""Nothing acts unrecorded (issue 30, items 7 and 8): every refused access (a page, a territory in the
address, a command line) is an « accès refusé » row with who, what and when; a figures export by
command line is an « export » row; when the log cannot be written, the rector and the CSAIO see it on
every page until it can again."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import select

from dashboard.access import audit
from dashboard.store import database, db
from dashboard.ui import access as ui_access
from tests.support import ROOT
from tests.support import cli as command_line


def rows(url: str, action: str | None = None) -> list[tuple]:
    engine = database.make_engine(url)
    log = db.audit_log
    with engine.connect() as conn:
        found = conn.execute(select(log.c.horodatage, log.c.utilisateur, log.c.action, log.c.page,
                                    log.c.territoire_code, log.c.detail).order_by(log.c.id)).all()
    engine.dispose()
    return [tuple(r) for r in found if action is None or r.action == action]


def cli(module: str, *args: str) -> subprocess.CompletedProcess:
    """The command in this process (``tests.support.cli``)."""
    return command_line.run_cli(module, *args)


def test_an_ien_io_opening_the_import_page_is_recorded_once(run_app, app_db_url):
    at = run_app("importer", user="ien79")
    at.run()  # a rerun of the same refusal: one row
    denied = rows(app_db_url, audit.DENIED)
    assert len(denied) == 1, denied
    when, who, _, page, _, what = denied[0]
    assert who == "ien79" and page == "Importer des données" and when is not None
    assert "réservé au recteur et au CSAIO" in what


@pytest.mark.parametrize("page", ["", "raccrochage", "carte", "absenteisme", "prevention"])
def test_an_out_of_scope_territory_in_the_address_is_recorded(run_app, app_db_url, page):
    run_app(page, user="ien79", annee="2014-2015", territoire="17")
    denied = rows(app_db_url, audit.DENIED)
    assert [(r[1], r[4]) for r in denied] == [("ien79", "17")], denied
    assert "hors périmètre" in denied[0][5]


def test_an_unknown_territory_in_the_address_is_not_an_access_refusal(run_app, app_db_url):
    run_app("", user="ien79", annee="2014-2015", territoire="R99-XXX")
    assert rows(app_db_url, audit.DENIED) == []


@pytest.fixture
def cli_url(writable_demo_url) -> str:
    """A writable demonstration database with the example users loaded."""
    from dashboard.access import auth

    engine = database.make_engine(writable_demo_url)
    auth.load_users_file(engine, ROOT / "config" / "utilisateurs.example.csv")
    engine.dispose()
    return writable_demo_url


def test_a_figures_export_by_command_line_is_recorded(cli_url, tmp_path):
    writable_demo_url = cli_url
    done = cli("dashboard.figures", "--database-url", writable_demo_url, "--annee", "2014-2015", "--territoire", "79",
               "--out", str(tmp_path / "chiffres.csv"), "--utilisateur", "ien79")
    assert done.returncode == 0, done.stderr
    [row] = rows(writable_demo_url, audit.EXPORT)
    assert row[1:5] == ("ien79", audit.EXPORT, "chiffres (ligne de commande)", "79")
    assert "CSV" in row[5] and "annee=2014-2015" in row[5]


@pytest.mark.parametrize(("module", "args", "who"), [
    ("dashboard.figures", ["--annee", "2014-2015", "--territoire", "17", "--out", "{tmp}/c.json",
                           "--utilisateur", "ien79"], "ien79"),
    ("dashboard.figures", ["--annee", "2014-2015", "--territoire", "86", "--out", "{tmp}/c.json",
                           "--utilisateur", "personne"], "personne"),
    ("dashboard.slides", ["--annee", "2014-2015", "--territoire", "17", "--out", "{tmp}/d.pptx",
                          "--utilisateur", "ien79"], "ien79"),
    ("dashboard.importer", ["{tmp}/objectifs.csv", "--utilisateur", "lecteur"], "lecteur"),
])
def test_a_refused_command_line_is_recorded(cli_url, tmp_path, module, args, who):
    writable_demo_url = cli_url
    (tmp_path / "objectifs.csv").write_bytes(b"annee_scolaire;territoire_code;indicateur;objectif\r\n"
                                             b"2014-2015;R86-POI;raccroches;40\r\n")
    done = cli(module, *[a.format(tmp=tmp_path) for a in args], "--database-url", writable_demo_url)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    denied = rows(writable_demo_url, audit.DENIED)
    assert len(denied) == 1 and denied[0][1] == who, denied
    assert "ligne de commande" in (denied[0][3] or "") + (denied[0][5] or "")


@pytest.fixture
def read_only_url(demo_sqlite_url, tmp_path):
    path = tmp_path / "lecture-seule.sqlite"
    shutil.copy(demo_sqlite_url.split("///", 1)[1], path)
    ui_access._AUDIT_FAILURE.clear()
    yield f"sqlite:///file:{path}?mode=ro&uri=true"
    ui_access._AUDIT_FAILURE.clear()


def test_a_log_that_cannot_be_written_is_shown_to_the_rector_on_every_page(app_test, read_only_url):
    for page in ("", "raccrochage", "donnees"):
        at = app_test(page, database_url=read_only_url, annee="2014-2015")
        assert not at.exception
        notices = [e.value for e in at.error]
        assert any("journal des consultations ne peut plus être écrit" in n and "lecture seule" in n
                   for n in notices), notices
        assert at.metric or page == "donnees"  # the page itself still works


def test_the_notice_is_for_the_rector_and_the_csaio_only():
    from dashboard.access.scope import Scope

    ui_access._AUDIT_FAILURE.update(since=__import__("datetime").datetime(2026, 1, 5, 9, 30), reason="disque plein")
    try:
        assert "05/01/2026 à 09:30 (disque plein)" in ui_access.audit_failure_notice(Scope("csaio", "ACAD", "c"))
        assert ui_access.audit_failure_notice(Scope("ien-io", "79", "i")) is None
    finally:
        ui_access._AUDIT_FAILURE.clear()
