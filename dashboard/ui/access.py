"""Streamlit side of access control: the user's scope, the unauthorized page, the audit log.

``dashboard.ui`` delegates here (``current_scope``, ``audit_view``, ``audit_export``,
``render_audit_log``); the rules themselves live in the core modules ``access``, ``auth`` and
``audit``. Request headers are read only in proxy mode (``request_headers``; tests replace it,
since AppTest cannot set ``st.context.headers``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from dashboard import fmt
from dashboard.access import audit, auth
from dashboard.access.scope import Scope
from dashboard.publish import exports
from dashboard.store import dbfailure
from dashboard.ui import uploads as ui_uploads
from queries import territoires as tq

log = logging.getLogger("dashboard.access")

UNAUTHORIZED_TITLE = "Accès non autorisé"
LOCAL_NOTICE = "Mode local : vous êtes recteur (accès à toute l'académie)"
_LAST_VIEW = "_audit_derniere_consultation"
_LAST_PAGE = "_audit_derniere_page"
_LAST_DENIED = "_audit_dernier_refus"
_DENIED_ROWS = "_audit_refus_inscrits"


def last_page() -> str | None:
    """The page of this session's last recorded view."""
    return st.session_state.get(_LAST_PAGE)


def request_headers() -> Mapping[str, str]:
    """Headers of the request that opened this session (the websocket handshake), when it came
    through the proxy: it carries the proxy's secret (``auth.from_proxy``). Any other request has no
    headers to trust (its « X-Remote-User » is nobody's). ``auth.AuthConfigError`` when proxy mode
    has no secret."""
    headers = st.context.headers
    config = auth.load_config()
    if config.proxy and not auth.from_proxy(headers, auth.proxy_secret(config)):
        log.warning("Requête sans le secret du proxy : en-tête d'identité ignoré")
        return {}
    return headers


# --- identity ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _sync_users(_engine: Engine, url: str, path: str, stamp: tuple[int, int]) -> str | None:
    """Load the users file into the table once per file version; the error text, or None."""
    try:
        count = auth.load_users_file(_engine, Path(path))
    except auth.UsersFileInvalid as exc:
        log.error("Fichier des utilisateurs %s refusé, table inchangée :\n%s", path, exc)
        return str(exc)
    log.info("Fichier des utilisateurs %s chargé : %d utilisateur(s)", path, count)
    return None


def sync_users_file(engine: Engine, path: Path) -> None:
    """(Re)load ``path`` into the ``utilisateurs`` table when it changed since the last load."""
    try:
        stat = Path(path).stat()
    except OSError:
        log.error("Fichier des utilisateurs introuvable : %s (table inchangée)", path)
        return
    _sync_users(engine, engine.url.render_as_string(hide_password=True), str(path),
                (stat.st_mtime_ns, stat.st_size))


@dataclass(frozen=True)
class Access:
    """Who is asking: their scope (None when unknown), the identifier received, and whether the
    authentication configuration itself is invalid (then nobody gets in)."""

    scope: Scope | None
    ident: str | None = None
    configuration_error: bool = False


def lookup_access(engine: Engine) -> Access:
    """The user's access, without rendering anything."""
    try:
        config = auth.load_config()
    except auth.AuthConfigError as exc:
        log.error("Configuration d'authentification invalide, accès fermé : %s", exc)
        return Access(None, configuration_error=True)
    if not config.proxy:
        return Access(auth.resolve_scope(None, config, {}))
    if config.users_file:
        sync_users_file(engine, config.users_file)
    try:
        headers = request_headers()
    except auth.AuthConfigError as exc:
        log.error("Configuration d'authentification invalide, accès fermé : %s", exc)
        return Access(None, configuration_error=True)
    with engine.connect() as conn:
        return Access(auth.resolve_scope(conn, config, headers), auth.identity_from_headers(headers, config.header))


def register_uploads(engine: Engine, access: Access) -> None:
    """This session's user for the upload guard (``ui_uploads``), installed once per process."""
    # Streamlit's runtime: only inside a running app
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ui_uploads.install(lambda user, detail: _safe_record(engine, user, audit.DENIED, ui_uploads.PAGE, None, detail))
    ctx = get_script_run_ctx()
    if ctx is not None:
        scope = access.scope
        ui_uploads.register(ctx.session_id, scope.utilisateur if scope else access.ident,
                            bool(scope and scope.can_import))


def current_scope(engine: Engine, access: Access | None = None) -> Scope:
    """The user's scope (``access``, else looked up); renders the unauthorized page and stops the
    script when there is none."""
    access = access or lookup_access(engine)
    if access.configuration_error:
        unauthorized_page(None, configuration=True)
    if access.scope is None:
        _record_denied(engine, access.ident)
        unauthorized_page(access.ident)
    return access.scope


def unauthorized_page(ident: str | None, configuration: bool = False) -> None:
    """The French "Accès non autorisé" page, and nothing else: the script stops here."""
    st.title(UNAUTHORIZED_TITLE)
    if configuration:
        st.error("La configuration de l'authentification est invalide : l'accès au tableau de bord est fermé. "
                 "L'administrateur trouvera le détail dans le journal du serveur.", icon="🔒")
        st.stop()
    st.error("Vous n'êtes pas autorisé à consulter ce tableau de bord.", icon="🔒")
    st.markdown(
        "L'accès est réservé aux personnes inscrites dans la liste des utilisateurs de l'académie, avec leur "
        "rôle et leur territoire. Si vous pensez devoir y accéder, adressez-vous au SAIO ou à l'administrateur "
        "du tableau de bord en lui indiquant votre identifiant."
    )
    if ident:
        st.text(f"Identifiant transmis : {ident}")
    else:
        st.caption("Aucun identifiant n'a été transmis par le service d'authentification de l'académie.")
    st.stop()


def access_notice(scope: Scope) -> None:
    """Sidebar note in local mode: the user is the rector."""
    if scope.utilisateur == auth.LOCAL_USER:
        st.sidebar.caption(LOCAL_NOTICE)


# --- audit log -----------------------------------------------------------------------------------


#: Whether the audit log of this process could not be written (item 7): since when and why.
#: Set by a failed write, cleared by the next one that works; the rector and the CSAIO see it on
#: every page meanwhile (``audit_failure_notice``).
_AUDIT_FAILURE: dict = {}
_FAILURE_LOCK = threading.Lock()
_FAILURE_REASONS = {dbfailure.READ_ONLY: "base de données en lecture seule", dbfailure.FULL: "disque plein",
                    dbfailure.DAMAGED: "base de données endommagée", dbfailure.UNREACHABLE: "base injoignable",
                    dbfailure.BUSY: "base occupée"}


def _safe_record(engine: Engine, *args) -> bool:
    """Write one audit row; never breaks a page. False when it could not be written (remembered
    for the notice of ``audit_failure_notice``, logged server-side)."""
    try:
        audit.record(engine, *args)
    except Exception as exc:  # auditing must never break a page; logged server-side
        log.exception("Écriture impossible dans le journal des consultations")
        with _FAILURE_LOCK:
            _AUDIT_FAILURE.setdefault("since", dt.datetime.now(fmt.PARIS))
            _AUDIT_FAILURE["reason"] = _FAILURE_REASONS.get(dbfailure.kind(exc) or "", "erreur de la base de données")
        return False
    if _AUDIT_FAILURE:
        with _FAILURE_LOCK:
            _AUDIT_FAILURE.clear()
        log.info("Journal des consultations de nouveau écrit")
    return True


def audit_failure_notice(scope: Scope) -> str | None:
    """For the rector and the CSAIO, while the audit log cannot be written: since when, why."""
    with _FAILURE_LOCK:
        failure = dict(_AUDIT_FAILURE)
    if not failure or not scope.can_read_audit:
        return None
    return (f"Le journal des consultations ne peut plus être écrit depuis le {failure['since']:%d/%m/%Y à %H:%M} "
            f"({failure['reason']}) : les consultations, les exports et les accès refusés ne sont pas enregistrés. "
            "Prévenez l'équipe technique ; ce message reste affiché tant que le journal ne peut pas être écrit.")


def audit_denied(engine: Engine, scope_or_ident, page: str | None, territoire: str | None, what: str) -> None:
    """One « accès refusé » row: who (their identifier), what (page, territory, what was refused), when."""
    who = scope_or_ident.utilisateur if isinstance(scope_or_ident, Scope) else (scope_or_ident or "(aucun)")
    seen = st.session_state.setdefault(_DENIED_ROWS, set())
    if (who, page, territoire, what) in seen:  # once per session (a rerun of the same refusal)
        return
    seen.add((who, page, territoire, what))
    log.warning("Accès refusé à %r : %s (page %s, territoire %s)", who, what, page, territoire)
    _safe_record(engine, who, audit.DENIED, page, territoire, what)


def _record_denied(engine: Engine, ident: str | None) -> None:
    key = ident or ""
    if st.session_state.get(_LAST_DENIED) == key:
        return
    st.session_state[_LAST_DENIED] = key
    log.warning("Accès refusé à l'identifiant %r", ident)
    _safe_record(engine, ident or "(aucun)", audit.DENIED, None, None, None)


def audit_view(engine: Engine, ctx, page: str) -> None:
    """One row per page view: page, territory, school year (not again on reruns of the same view)."""
    key = (ctx.scope.utilisateur, page, ctx.territory.code, ctx.annee)
    st.session_state[_LAST_PAGE] = page
    if st.session_state.get(_LAST_VIEW) == key:
        return
    if _safe_record(engine, ctx.scope.utilisateur, audit.VIEW, page, ctx.territory.code, f"annee={ctx.annee}"):
        st.session_state[_LAST_VIEW] = key  # not written: tried again on the next run


def export_recorder(engine: Engine, ctx, what: str):
    """A function recording, when called, the export of ``what`` from this page (user, page,
    territory and year taken now): for a file built when its download button is clicked, outside
    the script run (no session state there)."""
    page = st.session_state.get(_LAST_PAGE)
    args = (ctx.scope.utilisateur, audit.EXPORT, page, ctx.territory.code, f"{what} ; annee={ctx.annee}")

    def record() -> None:
        _safe_record(engine, *args)

    return record


def audit_export(engine: Engine, ctx, what: str, page: str | None = None) -> None:
    """One row per export (a downloaded file, a deck): usable as a download button's ``on_click``."""
    page = page or st.session_state.get(_LAST_PAGE)
    _safe_record(engine, ctx.scope.utilisateur, audit.EXPORT, page, ctx.territory.code,
                 f"{what} ; annee={ctx.annee}")


def render_audit_log(engine: Engine, ctx, limit: int = 500) -> None:
    """The "Journal des consultations" section (recteur and CSAIO only; nothing for other roles)."""
    if not ctx.scope.can_read_audit:
        return
    st.subheader("Journal des consultations")
    st.caption("Qui a consulté ou exporté quel territoire, et les accès refusés : "
               f"les {limit} dernières lignes, les plus récentes d'abord (heure de Paris).")
    left, right = st.columns(2)
    actions = ["", audit.VIEW, audit.EXPORT, audit.DENIED]
    action = left.selectbox("Action", actions, key="journal_action",
                            format_func=lambda a: audit.ACTION_LABELS.get(a, "Toutes les actions"), placeholder="Choisir…")
    wanted = right.text_input("Utilisateur (identifiant)", key="journal_utilisateur", max_chars=120)
    with engine.connect() as conn:
        frame = audit.recent(conn, ctx.scope, limit=limit, action=action or None,
                             utilisateur=auth.normalise_identifier(wanted) if wanted.strip() else None)
    if frame.is_empty():
        st.caption("Aucune ligne ne correspond à cette sélection.")
        return
    with engine.connect() as conn:
        index = tq.territory_index(conn, ctx.annee) if getattr(ctx, "annee", None) else {}
    # the académie and the departments by their name (« Vienne (86) »), the others with their code
    names = {t.code: t.label if t.niveau in ("academie", "departement") else f"{t.label} ({t.code})"
             for t in index.values()}
    shown = audit.display_frame(frame, names)
    st.dataframe(shown, hide_index=True, width="stretch")
    record = export_recorder(engine, ctx, "journal-des-consultations.csv")

    def build() -> bytes:
        data = exports.to_csv_bytes(shown)
        record()
        return data

    # no rerun on click: see ``dashboard.ui.download_button``
    st.download_button("Télécharger le journal (CSV)", build, "journal-des-consultations.csv", "text/csv",
                       key="journal_csv", on_click="ignore")
