"""Audit log: who viewed or exported which territory, kept in the database (core, no Streamlit).

``record`` writes one row (one INSERT); ``recent`` lists the latest rows, for the roles allowed to
read the log (``recteur``, ``csaio``) only. Timestamps are written in UTC by the application, so
SQLite and PostgreSQL hold the same values; ``recent`` returns them in Paris time.
"""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl
from sqlalchemy import Connection, Engine, insert, select

from dashboard import fmt
from dashboard.access.scope import Scope, require_audit_reader
from dashboard.store import db

VIEW = "consultation"
EXPORT = "export"
DENIED = "acces_refuse"
ACTION_LABELS = {VIEW: "Consultation", EXPORT: "Export", DENIED: "Accès refusé",
                 # the MLDS letter (dashboard.lettre)
                 "publication_lettre": "Publication de la lettre", "envoi_lettre": "Envoi de la lettre",
                 "essai_lettre": "Essai d'envoi de la lettre"}
_LIMITS = {"utilisateur": 120, "action": 40, "page": 60, "territoire_code": 20, "detail": 2000}

SCHEMA = {
    "horodatage": pl.Datetime("us", "Europe/Paris"),
    "utilisateur": pl.String,
    "action": pl.String,
    "page": pl.String,
    "territoire_code": pl.String,
    "detail": pl.String,
}


def _clip(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    return str(value)[: _LIMITS[name]]


def record(
    engine_or_conn: Engine | Connection,
    utilisateur: str,
    action: str,
    page: str | None = None,
    territoire_code: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one row. With an engine, in its own transaction; with a connection, in the caller's."""
    values = {
        "horodatage": dt.datetime.now(dt.UTC),  # SQLite keeps it naive (UTC), PostgreSQL aware
        "utilisateur": _clip("utilisateur", utilisateur) or "(inconnu)",
        "action": _clip("action", action),
        "page": _clip("page", page),
        "territoire_code": _clip("territoire_code", territoire_code),
        "detail": _clip("detail", detail),
    }
    statement = insert(db.audit_log).values(**values)
    if isinstance(engine_or_conn, Engine):
        with engine_or_conn.begin() as conn:
            conn.execute(statement)
    else:
        engine_or_conn.execute(statement)


def record_safely(engine: Engine, utilisateur: str, action: str, page: str | None = None,
                  territoire_code: str | None = None, detail: str | None = None) -> bool:
    """``record`` in its own transaction; False (logged) when the log could not be written. For
    the command lines, whose own work must not fail because the log cannot be written."""

    try:
        record(engine, utilisateur, action, page, territoire_code, detail)
        return True
    except Exception:  # the log cannot be written: said, never blocking
        logging.getLogger("dashboard.audit").exception("Écriture impossible dans le journal des consultations")
        return False


def recent(
    conn: Connection,
    scope: Scope,
    limit: int = 200,
    action: str | None = None,
    utilisateur: str | None = None,
) -> pl.DataFrame:
    """The latest ``limit`` rows, newest first (``AccessDenied`` unless recteur or CSAIO)."""
    require_audit_reader(scope)
    log = db.audit_log
    stmt = select(log.c.horodatage, log.c.utilisateur, log.c.action, log.c.page, log.c.territoire_code,
                  log.c.detail)
    if action:
        stmt = stmt.where(log.c.action == action)
    if utilisateur:
        stmt = stmt.where(log.c.utilisateur == utilisateur)
    rows = conn.execute(stmt.order_by(log.c.id.desc()).limit(max(1, min(int(limit), 10_000)))).all()
    data = [(fmt.paris_time(r[0]), *r[1:]) for r in rows]
    return pl.DataFrame(data, schema=SCHEMA, orient="row")


def display_frame(frame: pl.DataFrame, names: dict[str, str] | None = None) -> pl.DataFrame:
    """French column names and labels for display and export (dates as "31/10/2014 14:05"): the
    territory by its name (``names``: code → the text to show), « année scolaire 2016-2017 »
    for the stored ``annee=2016-2017``."""
    names = names or {}
    return frame.select(
        pl.col("horodatage").dt.strftime("%d/%m/%Y %H:%M:%S").alias("Date (heure de Paris)"),
        pl.col("utilisateur").alias("Utilisateur"),
        pl.col("action").replace_strict(ACTION_LABELS, default=pl.col("action")).alias("Action"),
        pl.col("page").alias("Page"),
        pl.col("territoire_code").replace(names).alias("Territoire"),
        pl.col("detail").str.replace_all(r"annee=(\d{4}-\d{4})", "année scolaire $1").alias("Détail"),
    )
