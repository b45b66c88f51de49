"""Files are read where they cannot hurt (issue 30, item 1): the reading runs in a child process
whose memory and processor time are capped; a workbook's text is bounded (shared strings ×
references); past a cap or a bound the user reads the French message naming it, and the answering
process's memory goes back down. The hostile files are made by the tests (``tests/support/hostile_files.py``).

Memory is measured in a fresh process (``tests.support.hostile_probe``); these tests are grouped apart
(``xdist_group("memory")``) so that no other test shares their process or their measurements."""

from __future__ import annotations

import sys
import types

import pytest
from sqlalchemy import func, select

from dashboard import fmt
from dashboard.importer import limits, reading, sandbox, service
from dashboard.store import database, db
from tests.support import cli
from tests.support.hostile_files import FILES, shared_string_bomb
from tests.support.hostile_probe import probe

MEMORY = pytest.mark.xdist_group("memory")
TEXT_BOUND = f"{fmt.integer(limits.MAX_TEXT_CHARS)} caractères de texte"


@MEMORY
@pytest.mark.parametrize(("name", "build", "expected"), FILES, ids=[f[0] for f in FILES])
def test_every_hostile_file_is_answered_in_french_within_the_bounds(probe_url, tmp_path, name, build,
                                                                   expected):
    path = tmp_path / name
    build(path)
    assert path.stat().st_size <= 20 * 1024 * 1024
    result = probe(probe_url, path)  # bounds of issue 18: answering process's peak, memory kept after
    path.unlink()
    assert result["errors"] == 1 and expected in result["message"], result
    assert result["child_peak_mb"] is not None  # read in the capped child, which reported its cost


@MEMORY
def test_the_two_megabyte_workbook_of_the_issue_is_refused_by_the_text_bound(probe_url, tmp_path):
    path = tmp_path / "bombe.xlsx"
    shared_string_bomb(790_000)(path)
    assert path.stat().st_size < 5_000_000
    result = probe(probe_url, path)
    assert result["message"].startswith("Lues, les cellules de ce classeur dépassent") and TEXT_BOUND in result["message"]
    assert result["cap"] is None  # the bound answered first: the cap is only the safety net


def big_csv() -> bytes:
    lines = ["uai;mois;effectif;eleves_absenteistes;demi_journees_non_justifiees"]
    lines += [f"0860001J;20{10 + n % 90:02d}-{1 + n % 12:02d};{500 + n % 400};{n % 30};{n % 30 * 5}"
              for n in range(560_000)]
    return ("\r\n".join(lines) + "\r\n").encode()


@MEMORY
def test_a_read_over_the_memory_cap_is_stopped_and_the_cap_named():
    with pytest.raises(reading.UnreadableFile) as refused:
        sandbox.read_isolated(big_csv(), "absenteisme.csv", memory_mb=64)
    assert refused.value.message == sandbox.memory_refusal(64)
    assert sandbox.last_stats["cap"] == "memory"
    assert "64 Mo de mémoire, la limite d'un import" in refused.value.message


def test_a_read_over_the_processor_cap_is_stopped_and_the_cap_named():
    with pytest.raises(reading.UnreadableFile) as refused:
        sandbox.read_isolated(big_csv(), "absenteisme.csv", cpu_seconds=1)
    assert refused.value.message == sandbox.time_refusal(1) and sandbox.last_stats["cap"] == "time"


def test_the_same_file_within_the_caps_is_read():
    raw = sandbox.read_isolated(big_csv(), "absenteisme.csv")
    assert raw.row_count == 560_000 and raw.headers[0] == "uai"
    assert sandbox.last_stats["cpu_seconds"] > 0 and "cap" not in sandbox.last_stats


def test_validation_reads_through_the_child(db_engine):
    sandbox.last_stats.clear()
    checked = service.validate(db_engine, b"annee_scolaire;territoire_code;indicateur;objectif\r\n"
                                           b"2014-2015;R86-POI;raccroches;40\r\n", "objectifs.csv")
    assert checked.ok and sandbox.last_stats.get("peak_mb")


def test_a_read_does_not_run_the_calling_program_again(monkeypatch, tmp_path):
    """Under ``streamlit run`` the page being drawn is ``__main__``: multiprocessing would run it again
    in the reading child (the app's entrypoint, its access check and database) before the read."""
    ran = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    page.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", page)
    raw = sandbox.read_isolated(b"annee_scolaire;territoire_code\r\n2014-2015;R86-POI\r\n", "objectifs.csv")
    assert raw.row_count == 1
    assert not ran.exists()


def test_the_bomb_through_the_import_page_is_refused_and_nothing_written(app_test, writable_demo_url, tmp_path):
    path = tmp_path / "bombe.xlsx"
    shared_string_bomb(20_000)(path)
    at = app_test("importer", database_url=writable_demo_url, timeout=120)
    at.file_uploader[0].set_value(("bombe.xlsx", path.read_bytes(),
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    at.run()
    assert not at.exception
    assert any("rien ne sera importé" in e.value for e in at.error)
    explained = [str(v) for frame in at.dataframe for v in frame.value.to_dict("list").get("Explication", [])]
    assert any(TEXT_BOUND in e for e in explained), explained
    assert not any(b.label == "Importer ce fichier" for b in at.button)
    engine = database.make_engine(writable_demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(db.import_log)).scalar_one() == 0
    engine.dispose()


def test_the_command_line_answers_the_bomb_in_french(probe_url, tmp_path):
    path = tmp_path / "bombe.xlsx"
    shared_string_bomb(790_000)(path)
    done = cli.run_cli("dashboard.importer", str(path), "--database-url", probe_url)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "memory allocation" not in done.stderr
    assert TEXT_BOUND in done.stdout
