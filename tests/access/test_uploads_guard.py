"""Uploads bounded per user (issue 30, item 2), on Streamlit's own file store: a session without
import rights keeps nothing; an importer keeps a bounded number of files and bytes, and sends a
bounded number per window; each refusal goes to the audit log. The same attack through nginx is
replayed in ``tests/test_proxy_browser.py``."""

from __future__ import annotations

import threading

import pytest
from starlette.exceptions import HTTPException
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from dashboard.ui import uploads as ui_uploads


@pytest.fixture
def store(monkeypatch):
    """A fresh file store behind the guard, a clean registry, the refusals collected."""
    monkeypatch.setattr(ui_uploads, "_sessions", {})
    monkeypatch.setattr(ui_uploads, "_sends", __import__("collections").defaultdict(__import__("collections").deque))
    refused: list[tuple[str, str]] = []
    done = threading.Event()

    def recorder(user, detail):
        refused.append((user, detail))
        done.set()

    ui_uploads.install(recorder)
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    manager.refused, manager.recorded = refused, done
    return manager


def send(manager, session: str, size: int, name: str = "f.csv", file_id: str | None = None):
    file_id = file_id or f"{session}-{len(manager.file_storage.get(session, {}))}-{size}-{name}"
    manager.add_file(session, UploadedFileRec(file_id, name, "text/csv", b"x" * size))


def wait_recorded(manager) -> None:
    assert manager.recorded.wait(10)
    manager.recorded.clear()


@pytest.mark.parametrize(("user", "may_import"), [("inconnu", False), ("lecteur", False), ("ien79", False)])
def test_a_session_without_import_rights_keeps_nothing(store, user, may_import):
    ui_uploads.register("s1", user, may_import)
    with pytest.raises(HTTPException) as refused:
        send(store, "s1", 19 * 1024 * 1024)
    assert refused.value.status_code == 403 and "réservé au recteur et au CSAIO" in refused.value.detail
    assert store.file_storage.get("s1", {}) == {}
    wait_recorded(store)
    assert store.refused[0][0] == user and "refusé et effacé" in store.refused[0][1]


def test_a_session_the_script_never_saw_keeps_nothing(store):
    with pytest.raises(HTTPException) as refused:
        send(store, "inconnue", 1000)
    assert refused.value.status_code == 403 and not store.file_storage.get("inconnue")


def test_an_importer_keeps_two_files_per_session(store):
    ui_uploads.register("s1", "csaio", True)
    send(store, "s1", 1000)
    send(store, "s1", 1000)
    with pytest.raises(HTTPException) as refused:
        send(store, "s1", 1000)
    assert refused.value.status_code == 429 and len(store.file_storage["s1"]) == 2
    send(store, "s1", 2000, file_id=next(iter(store.file_storage["s1"])))  # replacing a file is allowed


def test_an_importer_holds_at_most_45_megabytes_across_sessions(store):
    for session in ("s1", "s2", "s3"):
        ui_uploads.register(session, "csaio", True)
    send(store, "s1", 19 * 1024 * 1024)
    send(store, "s2", 19 * 1024 * 1024)
    with pytest.raises(HTTPException) as refused:
        send(store, "s3", 19 * 1024 * 1024)
    assert refused.value.status_code == 429 and "45 Mo" in refused.value.detail
    ui_uploads.register("s4", "recteur", True)
    send(store, "s4", 19 * 1024 * 1024)  # another user's bound is their own


def test_an_importer_sends_at_most_twenty_files_per_ten_minutes(store):
    ui_uploads.register("s1", "csaio", True)
    for _ in range(ui_uploads.MAX_SENDS):
        send(store, "s1", 10, file_id="même")  # the same slot, replaced
    with pytest.raises(HTTPException) as refused:
        send(store, "s1", 10, file_id="même")
    assert refused.value.status_code == 429 and "20 fichiers envoyés en 10 minutes" in refused.value.detail
    ui_uploads.admit("s1", 10, {}, now=__import__("time").monotonic() + ui_uploads.WINDOW_SECONDS + 1)


def test_the_guard_is_installed_once():
    ui_uploads.install(lambda *_: None)
    ui_uploads.install(lambda *_: None)
    wrapped = MemoryUploadedFileManager.add_file
    assert wrapped.pilotage_guard and not getattr(wrapped.__closure__[0].cell_contents, "pilotage_guard", False)
