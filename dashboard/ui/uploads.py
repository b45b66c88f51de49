"""Uploads bounded per user (item 2): Streamlit keeps every file sent to its upload
endpoint (``/_stcore/upload_file/<session>/<file>``) in memory until the session ends, whoever sent
it. This guard stands in front of Streamlit's file store (``MemoryUploadedFileManager.add_file``,
called once a file has arrived, before it is kept):

* a session that has not shown the importing user (unknown, refused, or a role without import
  rights: everyone but the rector and the CSAIO) gets ``403`` and the file is dropped at once;
* an importing user keeps at most ``MAX_FILES_PER_SESSION`` files per session and
  ``MAX_BYTES_PER_USER`` across their sessions, and sends at most ``MAX_SENDS`` files per
  ``WINDOW_SECONDS``: beyond, ``429`` and the file is dropped;
* each refusal is an « accès refusé » row of the audit log (written off the server's event loop).

nginx bounds the same path per user before the app (``config/nginx-pilotage.conf``: rate and
concurrent requests). The script registers each session's user on every run (``register``).
"""

from __future__ import annotations

import collections
import logging
import threading
import time

from starlette.exceptions import HTTPException

from dashboard import fmt

log = logging.getLogger("dashboard.uploads")

MAX_FILES_PER_SESSION = 2  # the uploader takes one file; a second while the first is replaced
MAX_BYTES_PER_USER = 45 * 1024 * 1024  # held in memory across the user's sessions (two 20 Mo files)
MAX_SENDS = 20  # files sent by one user …
WINDOW_SECONDS = 600  # … per ten minutes
PAGE = "Importer des données"

_lock = threading.Lock()
_sessions: dict[str, tuple[str, bool]] = {}  # session id → (user identifier, may import)
_sends: dict[str, collections.deque] = collections.defaultdict(collections.deque)
_recorder = None  # (user, detail) → None: writes an « accès refusé » row


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def register(session_id: str, user: str | None, may_import: bool) -> None:
    """This session's user, as the script just established it."""
    with _lock:
        _sessions[session_id] = (user or "(inconnu)", may_import)
        if len(_sessions) > MAX_SESSIONS_KEPT:
            _prune()


MAX_SESSIONS_KEPT = 2000


def _prune() -> None:
    """Forget the sessions that ended (their files went with them)."""
    try:
        from streamlit import runtime  # Streamlit's internals: guarded for another layout

        if runtime.exists():
            active = runtime.get_instance().is_active_session
            for sid in [s for s in _sessions if not active(s)]:
                del _sessions[sid]
    except Exception:  # bookkeeping only
        log.exception("Sessions terminées non oubliées")


def admit(session_id: str, size: int, held: dict[str, int], now: float | None = None) -> None:
    """``Refused`` unless the session's user may send a file of ``size`` bytes now; ``held``: bytes
    each session holds already (the store's state, session id → bytes, files counted separately)."""
    now = time.monotonic() if now is None else now
    with _lock:
        user, may_import = _sessions.get(session_id, ("(inconnu)", False))
        if not may_import:
            raise Refused(403, "Envoi de fichier refusé : l'import de données est réservé au recteur et au CSAIO.")
        sends = _sends[user]
        while sends and now - sends[0] > WINDOW_SECONDS:
            sends.popleft()
        if len(sends) >= MAX_SENDS:
            raise Refused(429, f"Envoi de fichier refusé : {MAX_SENDS} fichiers envoyés en "
                               f"{WINDOW_SECONDS // 60} minutes, la limite d'un utilisateur. Réessayez plus tard.")
        mine = sum(b for sid, b in held.items() if _sessions.get(sid, ("",))[0] == user)
        if mine + size > MAX_BYTES_PER_USER:
            raise Refused(429, f"Envoi de fichier refusé : vos fichiers en attente dépasseraient "
                               f"{fmt.integer(MAX_BYTES_PER_USER // (1024 * 1024))} Mo. Importez ou retirez d'abord "
                               "le fichier en cours.")
        sends.append(now)


def user_of(session_id: str) -> str:
    with _lock:
        return _sessions.get(session_id, ("(inconnu)", False))[0]


def _guarded_add_file(original):
    def add_file(self, session_id, file) -> None:
        with self._lock:
            storage = self.file_storage.get(session_id, {})
            replacing = file.file_id in storage
            count = len(storage) - replacing
            held = {sid: sum(len(f.data) for fid, f in files.items() if not (sid == session_id and fid == file.file_id))
                    for sid, files in self.file_storage.items()}
        try:
            if count >= MAX_FILES_PER_SESSION:
                raise Refused(429, f"Envoi de fichier refusé : {MAX_FILES_PER_SESSION} fichiers au plus en attente "
                                   "par session.")
            admit(session_id, len(file.data), held)
        except Refused as refused:
            _refuse(session_id, file, refused)
        original(self, session_id, file)

    add_file.pilotage_guard = True
    return add_file


def _refuse(session_id: str, file, refused: Refused):

    user = user_of(session_id)
    detail = f"{refused.message} Fichier « {file.name[:80]} » ({fmt.integer(len(file.data))} octets), refusé et effacé."
    log.warning("Envoi refusé (%s) : %s", user, detail)
    if _recorder is not None:
        threading.Thread(target=_recorder, args=(user, detail), daemon=True, name="audit-envoi").start()
    raise HTTPException(status_code=refused.status, detail=refused.message)


def install(recorder) -> None:
    """Guard Streamlit's file store (once per process); ``recorder(user, detail)`` writes the
    refusal to the audit log."""
    global _recorder
    _recorder = recorder
    try:
        from streamlit.runtime.memory_uploaded_file_manager import (
            MemoryUploadedFileManager,  # Streamlit's internals: guarded for another layout
        )
    except ImportError:  # pragma: no cover - another Streamlit layout
        log.error("Garde des envois de fichiers non installée (Streamlit inattendu)")
        return
    with _lock:
        if not getattr(MemoryUploadedFileManager.add_file, "pilotage_guard", False):
            MemoryUploadedFileManager.add_file = _guarded_add_file(MemoryUploadedFileManager.add_file)


def discard_session_files(session_id: str) -> None:
    """Drop every file this session holds (after an import: its memory goes back)."""
    try:
        from streamlit import runtime  # Streamlit's internals: guarded for another layout

        if runtime.exists():
            runtime.get_instance().uploaded_file_mgr.remove_session_files(session_id)
    except Exception:  # a best effort: the files go with the session anyway
        log.exception("Fichiers envoyés non effacés")
