"""Streamlit side of the app: engine, user, shared sidebar filters, cached queries, errors.

This module and ``app.py`` are the only ones in ``dashboard`` that import Streamlit.
Pages call ``page_context()`` first, then ``query()`` for data, then ``dashboard.charts``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st
from sqlalchemy import Engine

from dashboard import db, exports, fmt, publish, ui_access
from dashboard.access import ACADEMIE, ROLE_LABELS, AccessDenied, Scope
from queries import territoires as tq

log = logging.getLogger("dashboard")

GENERIC_ERROR = (
    "Une erreur inattendue est survenue. Elle a été consignée pour l'équipe technique ; "
    "réessayez ou changez de sélection."
)


# --- engine and data version --------------------------------------------------------------------

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def engine() -> Engine:
    """The app's engine; the embedded default is created and filled with demo data on first start."""
    return _engine_for(db.resolve_database_url())


@st.cache_resource(show_spinner="Préparation de la base de données (premier démarrage)…")
def _engine_for(url: str) -> Engine:
    eng = db.make_engine(url)
    if not db.is_initialised(eng):
        db.init_database(eng)
        if db.is_default_database(url):
            from dashboard import demo

            demo.fill(eng)
    return eng


def data_version() -> str:
    """Changes whenever data is imported: part of every cache key."""
    with engine().connect() as conn:
        return db.get_meta(conn, "version") or "0"


def is_demo() -> bool:
    with engine().connect() as conn:
        return db.get_meta(conn, "demo") == "1"


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached_query(url: str, module: str, name: str, version: str, args: tuple, kwargs: tuple):
    fn = getattr(importlib.import_module(module), name)
    with _engine_for(url).connect() as conn:
        return fn(conn, *args, **dict(kwargs))


def query(fn: Callable, *args, **kwargs):
    """Run ``fn(conn, *args, **kwargs)`` from ``queries/``, cached until the next import."""
    url = db.resolve_database_url()
    return _cached_query(url, fn.__module__, fn.__name__, data_version(), args, tuple(sorted(kwargs.items())))


def query_uncached(fn: Callable, *args, **kwargs):
    """``fn(conn, *args, **kwargs)`` read afresh (what was just written must show at once)."""
    with engine().connect() as conn:
        return fn(conn, *args, **kwargs)


def clear_caches() -> None:
    """After an import: every cached figure is recomputed."""
    _cached_query.clear()


# --- user ---------------------------------------------------------------------------------------


def current_scope() -> Scope:
    """The user's scope (``dashboard.auth``): local mode → ``recteur``; proxy mode → the trusted
    header's user in the ``utilisateurs`` table. Unknown user: "Accès non autorisé" page, then stop."""
    return ui_access.current_scope(engine())


def has_access() -> bool:
    """Whether the user may use the dashboard at all (the navigation is hidden otherwise)."""
    return ui_access.lookup_access(engine()).scope is not None


# --- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    scope: Scope
    annee: str
    territory: tq.Territory
    years: tuple[str, ...]
    demo: bool

    @property
    def previous_year(self) -> str:
        start = int(self.annee[:4]) - 1
        return f"{start}-{start + 1}"


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


def _year_selector(years: list[str]) -> str:
    wanted = _param("annee")
    default = wanted if wanted in years else years[-1]
    annee = st.sidebar.selectbox(
        "Année scolaire", years, index=years.index(default), key="filtre_annee", placeholder="Choisir…",
    )
    st.query_params["annee"] = annee
    return annee


def _territory_selector(scope: Scope, annee: str) -> tq.Territory:
    territories = query(tq.visible_territories, scope, annee)
    if not territories:
        st.warning(f"Votre territoire ({scope.territoire_code}) n'existe pas dans le découpage de l'année {annee} : "
                   "choisissez une autre année scolaire ou demandez au SAIO de mettre à jour votre profil.")
        st.stop()
    index = {t.code: t for t in territories}
    wanted = _param("territoire")
    if wanted and wanted not in index:
        st.sidebar.warning("Le territoire demandé n'existe pas ou n'est pas accessible ; affichage par défaut.")
        wanted = None
    default = wanted or (scope.territoire_code if scope.territoire_code in index else territories[0].code)
    codes = [t.code for t in territories]
    labels = {t.code: ("    " * tq.LEVELS.index(t.niveau)) + t.label for t in territories}
    code = st.sidebar.selectbox(
        "Territoire",
        codes,
        index=codes.index(default),
        format_func=lambda c: labels[c],
        key=f"filtre_territoire_{annee}",
        help="Académie, département, PSAD ou réseau FOQUALE (découpage indicatif, voir Méthodologie).",
        placeholder="Choisir…",
    )
    st.query_params["territoire"] = code
    return index[code]


def demo_notice() -> None:
    st.info(
        "**Données de démonstration** — chiffres générés, calibrés sur les ordres de grandeur publiés ; "
        "les établissements sont fictifs (pseudonymes) et situés dans des communes réelles. "
        "Importez les fichiers de l'académie pour les remplacer (page « Importer des données »).",
        icon="ℹ️",
    )


def page_context(title: str, *, with_territory: bool = True) -> PageContext:
    """Title, sidebar filters (kept in the URL) and the demonstration notice."""
    scope = current_scope()
    st.title(title)
    with engine().connect() as conn:
        years = tq.school_years(conn)
    demo = is_demo()
    if demo:
        demo_notice()
    st.sidebar.caption(f"Connecté : {ROLE_LABELS.get(scope.role, scope.role)} ({scope.utilisateur})")
    if not years:
        years = ["2014-2015"]
    annee = _year_selector(years)
    if with_territory:
        territory = _territory_selector(scope, annee)
    else:
        territory = query(tq.resolve_territory, scope, ACADEMIE if not scope.aggregates_only else ACADEMIE, annee)
    ctx = PageContext(scope, annee, territory, tuple(years), demo)
    # --- access (issue 9): local-mode notice and one audit row per page view
    ui_access.access_notice(scope)
    audit_view(ctx, title)
    return ctx


# --- rendering helpers --------------------------------------------------------------------------

MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"


def plain(text: str) -> str:
    """Text from the data (names of schools, territories, files…) for Markdown: every character
    Markdown or HTML could read as markup is escaped, so it shows as written and never as a link,
    an image or emphasis."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text))



def provenance(ctx: PageContext, title: str, *, sources: Sequence[str] = ("raccrochage",),
               data_date: str | None = None) -> publish.Provenance:
    """The provenance of a file downloaded from a page: title, territory, year, demo notice."""
    return publish.Provenance(title=title, territory=ctx.territory.label, annee=ctx.annee, data_date=data_date,
                              sources=tuple(sources), demo=ctx.demo)


def download_buttons(data: publish.Table | Sequence[publish.Table] | pl.DataFrame, basename: str,
                     sheet: str = "Données", key: str | None = None, ctx: PageContext | None = None,
                     source: publish.Provenance | None = None) -> None:
    """CSV and XLSX download buttons. Published figures come as declared tables
    (``dashboard.publish``: the CSV holds the first one, the XLSX every one and a « Notes » sheet
    from ``source``); a plain frame (an import report) is written as it is. The files are built
    only when clicked, and, given the page context, each download is recorded in the audit log."""
    if isinstance(data, pl.DataFrame):
        def build_csv() -> bytes:
            return exports.to_csv_bytes(data)

        def build_xlsx() -> bytes:
            return exports.to_xlsx_bytes({sheet: data})
    else:
        tables = [data] if isinstance(data, publish.Table) else list(data)
        if source is None and ctx is not None:
            sources = list(dict.fromkeys(s for t in tables for s in t.sources))
            source = provenance(ctx, f"{tables[0].name} — {ctx.territory.label} — {ctx.annee}", sources=sources)

        def build_csv() -> bytes:
            return publish.csv_bytes(tables[0], source)

        def build_xlsx() -> bytes:
            return publish.xlsx_bytes(tables, source)
    left, right = st.columns(2)
    for column, label, extension, build, mime in (
        (left, "Télécharger (CSV)", "csv", build_csv, "text/csv"),
        (right, "Télécharger (XLSX)", "xlsx", build_xlsx, XLSX_MIME),
    ):
        name = f"{safe_filename(basename)}.{extension}"
        audit = {"on_click": audit_export, "args": (ctx, name)} if ctx is not None else {}
        column.download_button(label, build, name, mime, key=f"{key or basename}_{extension}", width="stretch",
                               **audit)


def safe_filename(name: str) -> str:
    """A file name built from codes and labels: letters, digits, ``-``, ``_`` and ``.`` only."""
    return exports.safe_filename(name)


def freshness_alert(fresh: pl.DataFrame) -> None:
    """Whether every network of the table sent the bilan of the latest period received that year
    (the table of ``queries.donnees.bilan_freshness``)."""
    if fresh.is_empty():
        st.info("Le détail par réseau n'est pas accessible avec votre profil.")
        return
    expected = fresh["periode_attendue"].drop_nulls()
    late = fresh.filter(pl.col("en_retard"))
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
            + ", ".join(late["reseau_nom"].to_list()) + f". {tail} dernier bilan reçu."
        )


# --- access and audit (issue 9; implementation in dashboard/ui_access.py) ------------------------


def audit_view(ctx: PageContext, page: str) -> None:
    """Record a view of ``page`` (territory, year) in the audit log; called by ``page_context``."""
    ui_access.audit_view(engine(), ctx, page)


def audit_export(ctx: PageContext, what: str, page: str | None = None) -> None:
    """Record an export (file name, deck...) in the audit log. Usable as a download button's
    callback: ``st.download_button(..., on_click=ui.audit_export, args=(ctx, "fichier.csv"))``."""
    ui_access.audit_export(engine(), ctx, what, page)


def render_audit_log(ctx: PageContext) -> None:
    """The "Journal des consultations" section; renders nothing unless recteur or CSAIO."""
    ui_access.render_audit_log(engine(), ctx)


def unauthorized_page(ident: str | None = None) -> None:
    """The "Accès non autorisé" page, then ``st.stop()``."""
    ui_access.unauthorized_page(ident)


def run_page(body: Callable[[], None]) -> None:
    """Run a page body; no traceback ever reaches the user."""
    try:
        body()
    except AccessDenied as exc:
        st.error(f"Accès non autorisé : {exc.message}")
    except Exception:  # noqa: BLE001 - last-resort guard, logged server-side
        log.exception("Erreur dans une page")
        st.error(GENERIC_ERROR)
