"""Command lines in French: argparse's usage, help and errors as a French user reads them.

Every ``python -m dashboard.…`` command builds its parser with ``FrenchArgumentParser``; the
commands that read the database run their work through ``run_with_database`` (the database opened,
checked and brought to the current schema, every failure one French line, never a traceback).
"""

from __future__ import annotations

import argparse
import errno
import re
import sys
from collections.abc import Callable

from sqlalchemy import Engine

from dashboard.store import database, dbfailure, lifecycle

EXIT_USAGE = 2

TRANSLATIONS = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.*)", r"arguments non reconnus : \1"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", r"argument \1 : choix invalide \2 (choisir parmi \3)"),
    (r"argument (\S+): expected one argument", r"l'argument \1 attend une valeur"),
    (r"argument (\S+): expected at least one argument", r"l'argument \1 attend au moins une valeur"),
    (r"argument (\S+): not allowed with argument (\S+)", r"l'argument \1 ne peut pas être donné avec \2"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"argument \1 : valeur invalide \3"),
    (r"one of the arguments (.*) is required", r"un des arguments \1 est obligatoire"),
    (r"ambiguous option: (\S+) could match (.*)", r"option ambiguë : \1 peut désigner \2"),
)


def french_message(message: str) -> str:
    """argparse's English error message in French."""
    for pattern, replacement in TRANSLATIONS:
        message = re.sub(pattern, replacement, message)
    return message


class FrenchHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with its usage, help and messages in French."""

    def __init__(self, *args, add_help: bool = True, **kwargs):
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("title", "commandes")
        kwargs.setdefault("parser_class", FrenchArgumentParser)
        kwargs.setdefault("metavar", "commande")
        return super().add_subparsers(**kwargs)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog} : erreur : {french_message(message)}\n")


OS_REASONS = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOSPC: "plus de place sur le disque",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in French."""
    return OS_REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


def run_with_database(database_url: str | None, run: Callable[[Engine], int],
                      refusal: Callable[[Exception, Engine | None], int | None] | None = None) -> int:
    """The exit code of ``run(engine)`` on the database ``database_url`` names (the configuration's
    when None): a database not initialised is refused, an older one is brought to the current schema
    first. An exception ``refusal`` explains (it prints its French message) ends with the code it
    returns; any other one is one French line (``dbfailure.cli_exit``). The engine is disposed."""
    engine = None
    try:
        engine = database.make_engine(database_url)
        if not database.is_initialised(engine):
            print("Erreur : la base de données n'est pas initialisée.", file=sys.stderr)
            return 1
        lifecycle.init_database(engine)  # an older database is brought to the current schema in place
        return run(engine)
    except Exception as exc:  # one French line, never a traceback
        code = refusal(exc, engine) if refusal is not None else None
        return dbfailure.cli_exit(exc) if code is None else code
    finally:
        if engine is not None:
            engine.dispose()
