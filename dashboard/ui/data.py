"""The app's data: its engine (the embedded database created, upgraded and filled with demonstration
data on first start), the data version, and the cached query every page runs (``query``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

import streamlit as st
from sqlalchemy import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import academie as academie_of
from dashboard.demo import generate as demo
from dashboard.store import database, db, lifecycle
from dashboard.ui import uploads as ui_uploads

log = logging.getLogger("dashboard")


# --- engine and data version --------------------------------------------------------------------


def engine() -> Engine:
    """The app's engine; the embedded default is created and filled with demo data on first start,
    and an existing database is brought to the current schema (``lifecycle.upgrade_database``)."""
    return _engine_for(database.resolve_database_url())


@st.cache_resource(show_spinner="Préparation de la base de données (premier démarrage ou mise à jour)…")
def _engine_for(url: str) -> Engine:
    eng = database.make_engine(url)
    fresh = not database.is_initialised(eng)
    # creates the schema (with the académie of ``DASHBOARD_ACADEMIE``), or upgrades it in place
    outcome = lifecycle.init_database(eng, database.start_academie() if fresh else None)
    if fresh and database.is_default_database(url):
        demo.fill(eng)
    elif demo.complete(eng):  # a demonstration database from a release without the newer tables
        log.info("Données de démonstration complétées après la mise à jour du schéma")
    if outcome.changed and not fresh:
        log.info("Schéma de la base mis à jour : %s", outcome.summary())
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
    url = database.resolve_database_url()
    return _cached_query(url, fn.__module__, fn.__name__, data_version(), args, tuple(sorted(kwargs.items())))


def academie():
    """The académie of the database (``dashboard.academie.Academie``): its names with their article."""
    return query(academie_of.of_connection)


def query_uncached(fn: Callable, *args, **kwargs):
    """``fn(conn, *args, **kwargs)`` read afresh (what was just written must show at once)."""
    with engine().connect() as conn:
        return fn(conn, *args, **kwargs)


def clear_caches() -> None:
    """After an import: every cached figure is recomputed."""
    _cached_query.clear()


def discard_uploads() -> None:
    """Drop the files this session sent (after an import: the server's memory goes back)."""
    if (ctx := get_script_run_ctx()) is not None:
        ui_uploads.discard_session_files(ctx.session_id)
