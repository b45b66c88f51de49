"""Command lines in French: argparse's usage, help and errors as a French user reads them.

Every ``python -m dashboard.…`` command builds its parser with ``FrenchArgumentParser``.
"""

from __future__ import annotations

import argparse
import errno
import re
import sys

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
