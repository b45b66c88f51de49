"""Where secrecy decisions live: the ``decisions_secret`` table, one row per subject (raccrochage,
prevention, absenteeism), school year and method version. A row holds the masked published keys
and their marks, and what they were decided on (``empreinte``: data fingerprint, threshold,
protection width); a row whose fingerprint no longer matches is decided again. No Streamlit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

import polars as pl
from sqlalchemy import Connection, and_, delete, insert, select

from dashboard.disclosure import cells as dc
from dashboard.disclosure.suppression import Decision
from dashboard.store import db

RACCROCHAGE, PREVENTION, ABSENTEISME = "raccrochage", "prevention", "absenteisme"


def digest(*parts: object) -> str:
    """The fingerprint of what a decision is decided on: sha256 of its inputs, in their order (a table
    as CSV, anything else as its ``repr``), 32 hex digits. Equal inputs, equal fingerprint: the stored
    decision is reused; any change, of a value or of an order, and it is decided again."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update((part.write_csv() if isinstance(part, pl.DataFrame) else repr(part)).encode())
        hashed.update(b"\x1f")
    return hashed.hexdigest()[:32]


def memoised_fingerprint(memo, lock, conn: Connection, annee: str, compute) -> str:
    """``compute(conn, annee)``, the fingerprint of a year's inputs, remembered in ``memo`` per database
    and data version (``meta.version`` changes with every import); ``lock`` is not held while computing
    (a fingerprint may take the previous year's)."""
    key = (db.get_meta(conn, "version") or "0", annee)
    with lock:
        known = memo.setdefault(conn.engine, {}).get(key)
    if known is None:
        known = compute(conn, annee)
        with lock:
            memo.setdefault(conn.engine, {})[key] = known
    return known


def encode_marks(marks: dict) -> str:
    """The decided marks as JSON rows [annee, code, kind, periode, column, mark], sorted."""
    rows = sorted([k.annee, k.code, k.kind, k.periode, k.column, m] for k, m in marks.items())
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def decode_marks(text: str) -> dict:
    return {dc.Key(a, c, k, p, col): m for a, c, k, p, col, m in json.loads(text)}


def read(conn: Connection, sujet: str, annee: str, methode: int, empreinte: str):
    """(marks, published values, rounds) of the stored decision, or None when there is none for
    this fingerprint (or the table is missing: a database not yet upgraded)."""
    t = db.decisions_secret
    try:
        row = conn.execute(select(t.c.empreinte, t.c.masques, t.c.valeurs_publiees, t.c.tours).where(
            and_(t.c.sujet == sujet, t.c.annee_scolaire == annee, t.c.methode == methode))).first()
    except Exception:  # a database without the table decides again (never fails a page)
        return None
    if row is None or row.empreinte != empreinte:
        return None
    return decode_marks(row.masques), row.valeurs_publiees, row.tours


def write(conn: Connection, sujet: str, decisions: Iterable[tuple[str, int, str, object]]) -> None:
    """Replace the stored decisions of ``sujet`` for the given (annee, methode, empreinte, decision)."""
    t = db.decisions_secret
    now = dt.datetime.now(dt.UTC)
    for annee, methode, empreinte, decision in decisions:
        conn.execute(delete(t).where(and_(t.c.sujet == sujet, t.c.annee_scolaire == annee, t.c.methode == methode)))
        conn.execute(insert(t).values(sujet=sujet, annee_scolaire=annee, methode=methode, empreinte=empreinte,
                                      valeurs_publiees=decision.published, tours=decision.rounds,
                                      masques=encode_marks(decision.marks), decidee_le=now))


def stored_years(conn: Connection, sujet: str) -> list[str]:
    t = db.decisions_secret
    return sorted(conn.execute(select(t.c.annee_scolaire).where(t.c.sujet == sujet).distinct()).scalars())


def stored_or_decided(conn: Connection, sujet: str, annee: str, methode: int, empreinte: str, memo, lock, key,
                      decide):
    """The decision of ``sujet`` in ``annee``: from ``memo`` (per engine, under ``lock``), else the stored row
    for this fingerprint, else ``decide(conn, annee)``; remembered under ``key``."""
    with lock:
        known = memo.setdefault(conn.engine, {})
        if key in known:
            return known[key]
    found = read(conn, sujet, annee, methode, empreinte)
    result = Decision(annee, found[0], [], found[1], found[2]) if found else decide(conn, annee)
    with lock:
        memo.setdefault(conn.engine, {})[key] = result
    return result
