"""Streamlit side of the app: engine, user, shared sidebar filters, cached queries, errors.

This module, its ``ui_*`` companions (access, downloads) and ``app.py`` are the only ones in
``dashboard`` that import Streamlit.
Pages call ``page_context()`` first, then ``query()`` for data, then ``dashboard.charts``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

import polars as pl
import streamlit as st

from dashboard import fmt, markup
from dashboard.access.scope import ACADEMIE, ROLE_LABELS, AccessDenied, Scope
from dashboard.store import dbfailure
from dashboard.ui import access as ui_access
from dashboard.ui import french as ui_french
from dashboard.ui.context import PageContext
from dashboard.ui.data import (  # noqa: F401 - the page kit: pages call ``ui.query``, ``ui.engine``…
    academie,
    clear_caches,
    data_version,
    discard_uploads,
    engine,
    is_demo,
    query,
    query_uncached,
)
from dashboard.ui.downloads import (  # noqa: F401 - the page kit: pages call ``ui.download_button``…
    XLSX_MIME,
    download_button,
    download_buttons,
    provenance,
    safe_filename,
)
from dashboard.ui.registry import PAGES, PAGES_DIR
from queries import territoires as tq

log = logging.getLogger("dashboard")

GENERIC_ERROR = (
    "Une erreur inattendue est survenue. Elle a été consignée pour l'équipe technique ; "
    "réessayez ou changez de sélection."
)


# --- user ---------------------------------------------------------------------------------------


#: The session's access, looked up once per script run: set by ``has_access`` inside ``run_app``,
#: cleared when the run ends (a page run on its own looks it up).
_RUN_ACCESS: ContextVar[ui_access.Access | None] = ContextVar("run_access", default=None)


def _access() -> ui_access.Access:
    return _RUN_ACCESS.get() or ui_access.lookup_access(engine())


def current_scope() -> Scope:
    """The user's scope (``dashboard.access.auth.resolve_scope``): local mode → ``recteur``; proxy
    mode → the trusted header's user in the ``utilisateurs`` table. Unknown user: "Accès non
    autorisé" page, then stop."""
    return ui_access.current_scope(engine(), _access())


def has_access() -> bool:
    """Whether the user may use the dashboard at all (the navigation is hidden otherwise). Tells
    the upload guard who this session is (``ui_uploads``: only importers may send files)."""
    access = ui_access.lookup_access(engine())
    _RUN_ACCESS.set(access)
    ui_access.register_uploads(engine(), access)
    return access.scope is not None


# --- filters ------------------------------------------------------------------------------------


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


#: Characters the sidebar's territory field shows whole at 1 280 px; a longer path is repeated below it.
SIDEBAR_FIELD_CHARS = 26
SELECTION = "selection_partagee"  # session: {"annee", "territoire", "ecrit": (annee, code), "avis": [...]}
YEAR_KEY, TERRITORY_KEY = "filtre_annee", "filtre_territoire"


def hierarchy_label(index: dict[str, tq.Territory], territory: tq.Territory) -> str:
    """« Charente (16) › PSAD Angoulême › Réseau Nord-Charente »: where a territory sits, readable
    in the closed list too."""
    chain, current = [territory.label], territory
    while current.parent_code and current.parent_code in index and index[current.parent_code].niveau != "academie":
        current = index[current.parent_code]
        chain.append(current.label)
    return " › ".join(reversed(chain))


def _matching(codes: list[str], wanted: str | None) -> str | None:
    """The code of ``codes`` equal to ``wanted`` whatever its case (« r17-sai » is « R17-SAI »)."""
    if not wanted:
        return None
    folded = {c.casefold(): c for c in codes}
    return folded.get(wanted.strip().casefold())


def shared_selection() -> None:
    """The school year and the territory, chosen once in the sidebar by the entrypoint and shared by
    every page: kept in the session across menu clicks, written in every page's URL. A link (a
    shared URL, an in-page link) that asks for another year or territory wins over the session; a
    year or territory it asks for that does not exist or is out of the scope is explained in the
    page body (``page_context``)."""
    scope = current_scope()
    with engine().connect() as conn:
        years = tq.school_years(conn) or ["2014-2015"]
    state = st.session_state.setdefault(SELECTION, {})
    notices: list[str] = []
    url = (_param("annee"), _param("territoire"))
    from_url = url != (None, None) and url != state.get("ecrit")
    annee = st.session_state.get(YEAR_KEY) if st.session_state.get(YEAR_KEY) in years else years[-1]
    if from_url and url[0] is not None:
        if url[0] in years:
            annee = url[0]
        else:
            notices.append(f"L'année scolaire demandée (« {url[0]} ») n'existe pas dans les données chargées : "
                           f"affichage de l'année {annee}.")
    st.session_state[YEAR_KEY] = annee
    annee = st.sidebar.selectbox("Année scolaire", years, key=YEAR_KEY, placeholder="Choisir…")
    territories = query(tq.visible_territories, scope, annee)
    if not territories:
        st.session_state[SELECTION] = dict(state, annee=annee, territoire=None, avis=notices)
        return
    index = {t.code: t for t in territories}
    codes = [t.code for t in territories]
    default = scope.territoire_code if scope.territoire_code in index else codes[0]
    code = st.session_state.get(TERRITORY_KEY) if st.session_state.get(TERRITORY_KEY) in index else default
    denied = None
    if from_url and url[1] is not None:
        found = _matching(codes, url[1])
        if found:
            code = found
        else:
            denied = url[1] if _exists(url[1], annee) else None  # out of scope: « accès refusé » (page_context)
            notices.append(f"Le territoire demandé (« {url[1]} ») n'existe pas en {annee} ou n'est pas accessible avec "
                           f"votre profil : affichage de « {index[code].label} ».")
    st.session_state[TERRITORY_KEY] = code
    labels = {t.code: hierarchy_label(index, t) for t in territories}
    code = st.sidebar.selectbox(
        "Territoire", codes, key=TERRITORY_KEY, format_func=lambda c: labels[c],
        help="Académie, département, PSAD ou réseau FOQUALE (découpage indicatif, voir Méthodologie). Tapez un nom "
             "pour le trouver.",
        placeholder="Choisir…",
    )
    if len(labels[code]) > SIDEBAR_FIELD_CHARS:  # the field cuts it at 1 280 px: said in full below
        st.sidebar.caption(markup.markdown(labels[code]))
    st.query_params["annee"] = annee
    st.query_params["territoire"] = code
    st.session_state[SELECTION] = {"annee": annee, "territoire": code, "ecrit": (annee, code), "avis": notices,
                                   "refus": denied}


def _exists(code: str, annee: str) -> bool:
    """Whether ``code`` names a territory of ``annee`` at all (whoever may see it)."""
    try:
        query(tq.resolve_territory, Scope.full(), code.strip().upper(), annee)
    except KeyError:
        return False
    return True


def _selection(scope: Scope) -> tuple[str, tq.Territory | None, list[str]]:
    """The shared selection (``shared_selection``), written again in this page's URL."""
    state = st.session_state.get(SELECTION) or {}
    annee, code = state.get("annee"), state.get("territoire")
    if annee is None:  # a page run without the entrypoint (tests of one page): read the URL
        shared_selection()
        state = st.session_state.get(SELECTION) or {}
        annee, code = state.get("annee"), state.get("territoire")
    territory = query(tq.resolve_territory, scope, code, annee) if code else None
    st.query_params["annee"] = annee
    if code:
        st.query_params["territoire"] = code
    return annee, territory, list(state.get("avis") or [])


def demo_notice() -> None:
    st.info(
        "**Données de démonstration** — chiffres générés, établissements fictifs (voir « Importer des données »).",
        icon="ℹ️",
    )


def page_context(title: str, *, with_territory: bool = True) -> PageContext:
    """Title, the shared selection (year and territory, chosen in the sidebar by the entrypoint and
    kept in the URL), its notices in the page body, and the demonstration notice."""
    scope = current_scope()
    st.title(title)
    audit_banner = st.empty()  # filled after this view is recorded (A log that cannot be written)
    with engine().connect() as conn:
        years = tq.school_years(conn) or ["2014-2015"]
    demo = is_demo()
    if demo:
        demo_notice()
    st.sidebar.caption(f"Connecté : {ROLE_LABELS.get(scope.role, scope.role)} ({plain(scope.utilisateur)})")
    annee, territory, notices = _selection(scope)
    missing_page = ui_french.page_not_found_notice()
    for notice in [missing_page] if missing_page else []:
        st.warning(notice, icon=":material/link_off:")
    for notice in notices:
        st.warning(plain(notice), icon=":material/link_off:")
    if territory is None:
        if with_territory:
            st.warning(f"Votre territoire ({plain(scope.territoire_code or '')}) n'existe pas dans le découpage de "
                       f"l'année {annee} : choisissez une autre année scolaire ou demandez au SAIO de mettre à jour "
                       "votre profil.")
            st.stop()
        territory = query(tq.resolve_territory, scope, ACADEMIE, annee)
    ctx = PageContext(scope, annee, territory, tuple(years), demo)
    # --- access: local-mode notice and one audit row per page view
    ui_access.access_notice(scope)
    audit_view(ctx, title)
    if denied := (st.session_state.get(SELECTION) or {}).pop("refus", None):
        ui_access.audit_denied(engine(), scope, title, denied, "territoire demandé dans l'adresse, hors périmètre")
    if notice := ui_access.audit_failure_notice(scope):
        audit_banner.error(notice, icon=":material/history_toggle_off:")
    return ctx


# --- rendering helpers --------------------------------------------------------------------------

def plain(text: str) -> str:
    """Text from the data (names of schools, territories, files, users…) for Markdown: shown as
    written, never as a link, an image, emphasis, an emoji or an icon (``dashboard.markup``)."""
    return markup.markdown(text)


def freshness_alert(fresh: pl.DataFrame) -> None:
    """Whether every network of the table sent the bilan of the latest period received that year
    (the table of ``queries.donnees.bilan_freshness``)."""
    if fresh.is_empty():
        st.info("Le détail par réseau n'est pas accessible avec votre profil.")
        return
    expected = fresh["periode_attendue"].drop_nulls()
    late = fresh.filter(pl.col("bilan_manquant"))
    if expected.is_empty():
        st.warning("Aucun bilan reçu pour cette année scolaire.")
    elif late.is_empty():
        st.success(f"Tous les réseaux du territoire ont transmis le bilan de la période close le "
                   f"{fmt.date_long(expected[0])}.")
    else:
        one = late.height == 1
        subject = "1 réseau n'a" if one else f"{late.height} réseaux n'ont"
        tail = "Ses chiffres s'arrêtent à son" if one else "Leurs chiffres s'arrêtent à leur"
        st.warning(
            f"**{subject} pas transmis le bilan de la période close le {fmt.date_long(expected[0])}** : "
            + ", ".join(plain(name) for name in late["reseau_nom"].to_list()) + f". {tail} dernier bilan reçu."
        )


# --- access and audit (implementation in dashboard/ui_access.py) ------------------------


def audit_view(ctx: PageContext, page: str) -> None:
    """Record a view of ``page`` (territory, year) in the audit log; called by ``page_context``."""
    ui_access.audit_view(engine(), ctx, page)


def audit_export(ctx: PageContext, what: str, page: str | None = None) -> None:
    """Record an export (file name, deck...) in the audit log, during the page's run. A download
    button records its own downloads (``download_button``, given the page context)."""
    ui_access.audit_export(engine(), ctx, what, page)


def render_audit_log(ctx: PageContext) -> None:
    """The "Journal des consultations" section; renders nothing unless recteur or CSAIO."""
    ui_access.render_audit_log(engine(), ctx)


def unauthorized_page(ident: str | None = None) -> None:
    """The "Accès non autorisé" page, then ``st.stop()``."""
    ui_access.unauthorized_page(ident)


def failure_text(exc: BaseException, fallback: str = GENERIC_ERROR, where: str = dbfailure.PAGE,
                 context: str = "Erreur dans une page") -> str:
    """The French message for a failure caught on a page: the database's own when it could not
    answer (unreachable, busy, conflicting write: ``dashboard.dbfailure``, logged in one line), else
    ``fallback`` (logged with its traceback for the technical team)."""
    explained = dbfailure.explain(exc, where)
    if explained is None:
        log.error("%s", context, exc_info=exc)
        return fallback
    log.warning("%s : base de données %s (%s: %s)", context, dbfailure.kind(exc), type(exc).__name__,
                str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    return explained


def entry_access() -> tuple[bool, str | None]:
    """``has_access`` for the entrypoint: (allowed, None), or (False, the French message) when the
    database cannot answer — no traceback ever reaches the user."""
    try:
        return has_access(), None
    except Exception as exc:  # last-resort guard, logged server-side
        return False, failure_text(exc, context="Erreur à l'ouverture de l'application")


def failure_page(message: str) -> None:
    """The app's title and ``message``, and nothing else: the script stops here."""
    st.title("Pilotage du décrochage")
    st.error(message, icon=":material/cloud_off:")
    st.stop()


def run_selection() -> None:
    """``shared_selection`` for the entrypoint: no traceback ever reaches the user (a failure is
    said by the page itself, which meets it again)."""
    try:
        shared_selection()
    except AccessDenied:
        pass
    except Exception as exc:  # last-resort guard, logged server-side
        failure_text(exc, context="Erreur dans la sélection partagée")


def run_app(default_page: str = "") -> None:
    """The app: page set-up, the page list (``pages_registry``), access, the shared selection, then
    the page the address names. ``default_page`` is the ``url_path`` of the page served at « / »
    (Accueil; a test harness makes it the page under test, drawn by one script run)."""
    st.set_page_config(page_title="Pilotage du décrochage", page_icon="🎓", layout="wide",
                       initial_sidebar_state="auto")  # narrow screens and 200 % zoom: folded, content first
    pages = {
        section: [
            st.Page(PAGES_DIR / spec.file, title=spec.title, url_path=spec.url_path or None,
                    default=spec.url_path == default_page, icon=spec.icon)
            for spec in specs
        ]
        for section, specs in PAGES.items()
    }
    ui_french.apply()  # French for the few frontend texts Streamlit writes in English
    token = _RUN_ACCESS.set(None)
    try:
        # An unknown user sees the "accès non autorisé" page and nothing else: not even the page list;
        # a database that cannot answer is said in French on its own page.
        allowed, failure = entry_access()
        navigation = st.navigation(pages, position="sidebar" if allowed else "hidden", expanded=True)
        if failure:
            failure_page(failure)
        if allowed:
            st.set_page_config(page_title=f"Pilotage du décrochage — {academie().nom}")  # the browser tab
            run_selection()  # the year and territory, shared by every page (sidebar, under the menu)
        navigation.run()
    finally:
        _RUN_ACCESS.reset(token)


def run_page(body: Callable[[], None]) -> None:
    """Run a page body; no traceback ever reaches the user. A database that cannot answer says
    so (unreachable, busy, conflicting write) with the advice that fits."""
    try:
        body()
    except AccessDenied as exc:
        st.error(f"Accès non autorisé : {exc.message}")
        scope = _access().scope
        ui_access.audit_denied(engine(), scope or "(inconnu)", ui_access.last_page(), None, exc.message)
    except Exception as exc:  # last-resort guard, logged server-side
        message = failure_text(exc)
        st.error(message, icon=None if message == GENERIC_ERROR else ":material/cloud_off:")
