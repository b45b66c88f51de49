"""Honest failures (item 4): a database that cannot answer says why, in French, with the
advice that fits, instead of « Une erreur inattendue ». Core, no Streamlit.

Three failures are told apart, on SQLite and PostgreSQL:

* ``UNREACHABLE`` — no connection: server stopped or restarting, wrong host or port, SQLite file
  that cannot be opened;
* ``BUSY`` — the database is held by another writer: SQLite write lock (« database is locked »),
  PostgreSQL lock or statement timeout, no free connection;
* ``CONFLICT`` — a concurrent write changed the same rows during the transaction: unique or foreign
  key violation after validation, serialization failure, deadlock.

and three that are no retry's business (items 4 and 7), where nothing is written:

* ``DAMAGED`` — the database is damaged (SQLite « database disk image is malformed », a failed
  ``integrity.check``, PostgreSQL data corruption): the message names it and the restore command;
* ``FULL`` — no space left on the database's disk;
* ``READ_ONLY`` — the database cannot be written (file or disk read-only, PostgreSQL read-only).

``explain(exc, where)`` gives the sentence for a page (``PAGE``), the importer page (``IMPORT``), an
export command (``CLI``) or the import command (``CLI_IMPORT``); None when ``exc`` is not one of these (a bug: the caller keeps its
generic message and logs the traceback).
"""

from __future__ import annotations

import errno
import sqlite3
import sys

import psycopg
from sqlalchemy import exc as sa

from dashboard.store.integrity import DatabaseDamaged, sqlite_finding

UNREACHABLE, BUSY, CONFLICT = "injoignable", "occupee", "conflit"
DAMAGED, FULL, READ_ONLY = "endommagee", "disque_plein", "lecture_seule"
#: Where the failure is told: a page, the importer page, an export command, the import command.
PAGE, IMPORT, CLI, CLI_IMPORT = "page", "import", "cli", "cli-import"
#: Exit status of the command lines when the database cannot answer (try again later).
EXIT_DATABASE = 3

_REASONS = {
    UNREACHABLE: "La base de données est injoignable (serveur arrêté ou en cours de redémarrage, adresse ou "
                 "port incorrects)",
    BUSY: "La base de données est occupée par une autre écriture (un import ou une sauvegarde en cours) et n'a "
          "pas répondu à temps",
    CONFLICT: "Une autre écriture a modifié les mêmes données au même moment (deux imports simultanés, par "
              "exemple)",
}
#: Failures that retrying does not cure: what to do instead, for every channel.
_FIX = {
    DAMAGED: ("La base de données est endommagée : rien n'y est écrit tant qu'elle n'est pas réparée. Restaurez la "
              "dernière sauvegarde, application arrêtée : « python -m dashboard.importer --restaurer SAUVEGARDE » "
              "(les sauvegardes sont dans le dossier « sauvegardes » à côté de la base ; pour PostgreSQL : "
              "pg_restore). Prévenez l'équipe technique."),
    FULL: ("Le disque de la base de données est plein : rien n'a été écrit. Libérez de la place sur ce disque (ou "
           "agrandissez-le), puis réessayez ; prévenez l'équipe technique."),
    READ_ONLY: ("La base de données est en lecture seule (droits du fichier, disque monté en lecture seule ou serveur "
                "PostgreSQL en lecture seule) : rien n'a été écrit. Prévenez l'équipe technique."),
}
_AGAIN = {  # how to try again, by channel
    PAGE: ("Réessayez dans quelques minutes en rechargeant la page ; si cela dure, prévenez l'équipe technique.",
           "Réessayez dans un instant en rechargeant la page."),
    IMPORT: ("Réessayez l'import dans quelques minutes ; si cela dure, prévenez l'équipe technique.",
             "Réessayez l'import dans un instant."),
    CLI: ("Vérifiez --database-url, puis relancez la commande dans quelques minutes.",
          "Relancez la commande dans un instant."),
}
_AGAIN[CLI_IMPORT] = _AGAIN[CLI]
_REREAD = " : le fichier sera vérifié à nouveau contre les données à jour."


def message(failure: str, where: str = PAGE, detail: str | None = None) -> str:
    """The reason, what was kept (an import writes nothing), and how to try again (or what to do)."""
    if failure in _FIX:
        return _FIX[failure] + (f" (Constat : {detail})" if detail else "")
    later, soon = _AGAIN[where]
    importing = where in (IMPORT, CLI_IMPORT)
    again = later if failure == UNREACHABLE else soon
    if failure == CONFLICT and importing:
        again = again.rstrip(".") + _REREAD
    return f"{_REASONS[failure]}. " + ("Rien n'a été écrit. " if importing else "") + again


# PostgreSQL SQLSTATE: connection exceptions (08…), shutdown and start-up (57P01-57P03).
_PG_UNREACHABLE = ("08", "57P01", "57P02", "57P03")
# lock not available, query cancelled (lock or statement timeout), too many connections
_PG_BUSY = ("55P03", "57014", "53300")
# integrity constraint violations (23…), serialization failure, deadlock
_PG_CONFLICT = ("23", "40001", "40P01")
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
_SQLITE_UNREACHABLE = ("unable to open database file",)
_SQLITE_DAMAGED = ("database disk image is malformed", "file is not a database", "malformed database schema")
_SQLITE_FULL = ("database or disk is full",)
_SQLITE_READ_ONLY = ("attempt to write a readonly database",)
_PG_DAMAGED = ("XX001", "XX002")  # data corrupted, index corrupted
_PG_FULL = ("53100",)  # disk full
_PG_READ_ONLY = ("25006",)  # read-only SQL transaction (a standby, default_transaction_read_only)


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _kind_of_one(exc: BaseException) -> str | None:
    if isinstance(exc, DatabaseDamaged):
        return DAMAGED
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FULL
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return READ_ONLY
    if isinstance(exc, sa.TimeoutError):  # no free connection in the pool
        return BUSY
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return UNREACHABLE
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        text = str(orig).lower()
        for markers, found in ((_SQLITE_DAMAGED, DAMAGED), (_SQLITE_FULL, FULL), (_SQLITE_READ_ONLY, READ_ONLY)):
            if any(text.startswith(m) for m in markers):
                return found
        if any(text.startswith(m) for m in _SQLITE_BUSY):
            return BUSY
        if any(text.startswith(m) for m in _SQLITE_UNREACHABLE):
            return UNREACHABLE
        if isinstance(orig, sqlite3.IntegrityError):
            return CONFLICT
        return None
    if isinstance(orig, psycopg.Error):
        state = orig.sqlstate or ""
        if not state and isinstance(orig, psycopg.OperationalError):
            return UNREACHABLE  # no SQLSTATE: the connection itself failed or was lost
        for states, found in ((_PG_DAMAGED, DAMAGED), (_PG_FULL, FULL), (_PG_READ_ONLY, READ_ONLY)):
            if state.startswith(states):
                return found
        if state.startswith(_PG_UNREACHABLE):
            return UNREACHABLE
        if state.startswith(_PG_BUSY):
            return BUSY
        if state.startswith(_PG_CONFLICT):
            return CONFLICT
    return None


def kind(exc: BaseException) -> str | None:
    """``UNREACHABLE``, ``BUSY``, ``CONFLICT`` or None, looking through the chain of causes."""
    for one in _chain(exc):
        found = _kind_of_one(one)
        if found:
            return found
    return None


def explain(exc: BaseException, where: str = PAGE) -> str | None:
    """The French sentence for ``exc`` (reason and advice), or None when it is not a database
    failure of the three kinds."""
    failure = kind(exc)
    if failure is None:
        return None
    return message(failure, where, detail(exc) if failure == DAMAGED else None)


def detail(exc: BaseException) -> str | None:
    """What was found, for a damaged database (the integrity check's finding, or SQLite's words)."""
    for one in _chain(exc):
        if isinstance(one, DatabaseDamaged):
            return one.detail
        orig = getattr(one, "orig", None)
        if orig is not None and isinstance(orig, sqlite3.Error):
            return sqlite_finding(str(orig))
    return None


def cli_exit(exc: BaseException, where: str = CLI) -> int:
    """``exc`` in one French line on stderr for a command line (never a traceback); the exit status:
    ``EXIT_DATABASE`` when the database could not answer, else 1."""
    explained = explain(exc, where)
    if explained:
        print(f"Erreur : {explained}", file=sys.stderr)
        return EXIT_DATABASE
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    print(f"Erreur inattendue ({type(exc).__name__}{' : ' + detail if detail else ''}). Prévenez l'équipe "
          "technique.", file=sys.stderr)
    return 1
