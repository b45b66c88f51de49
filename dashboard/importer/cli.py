"""Command line: ``python -m dashboard.importer FILE [--kind KIND] [--database-url URL] [--dry-run]
[--correspondance FICHIER.json] [--enregistrer-correspondance [NOM]] [--proposer-correspondance FICHIER.json]``.

``--proposer-correspondance`` writes, instead of importing, the mapping the page would propose
(only the columns whose header names them; every other column left empty, with the first
values of each file column beside), for the data manager to complete and pass to ``--correspondance``.

Exit status: 0 imported (or, with ``--dry-run``, valid), a French summary on stdout; 1 the file was
refused, the report on stdout and nothing written; 2 usage error (bad arguments, file not found,
bad database URL); 3 the database could not answer (unreachable, busy with another writer, or a
concurrent write conflicted): nothing written, try again (``dashboard.dbfailure``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from dashboard.access import audit, auth
from dashboard.access import scope as access
from dashboard.access.scope import AccessDenied
from dashboard.cli import FrenchArgumentParser, os_reason
from dashboard.importer import mapping as mappings
from dashboard.importer.contracts import KIND_LABELS, KINDS
from dashboard.importer.maintenance import backup_database, restore_database, sqlite_path
from dashboard.importer.reading import UnreadableFile
from dashboard.importer.sandbox import read_isolated
from dashboard.importer.service import import_file
from dashboard.store import database, dbfailure, lifecycle

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
SUMMARY_FROM = 20  # problems from which the report starts with a count per rule

def build_parser() -> argparse.ArgumentParser:
    kinds = "\n".join(f"  {k:<15} {KIND_LABELS[k]}" for k in KINDS)
    parser = FrenchArgumentParser(
        prog="python -m dashboard.importer",
        description="Importe un fichier de l'académie (CSV ou XLSX) dans la base du tableau de bord.\n"
                    "Le fichier entier est vérifié ; s'il contient une erreur, rien n'est écrit.",
        epilog=f"Types de fichier :\n{kinds}\n\nCodes de sortie : 0 importé, 1 fichier refusé, 2 erreur d'utilisation, "
               "3 base de données injoignable ou occupée (réessayer).",
        add_help=False,
    )
    parser._positionals.title = "argument"
    parser.add_argument("fichier", metavar="FICHIER", nargs="?", help="fichier à importer (.csv, .xlsx ou .json)")
    parser.add_argument("--restaurer", default=None, metavar="SAUVEGARDE",
                        help="remettre une sauvegarde de la base SQLite à la place de la base (application arrêtée) "
                             "au lieu d'importer")
    parser.add_argument("--kind", "--type", dest="kind", choices=KINDS, default=None, metavar="TYPE",
                        help="type de fichier (voir la liste ci-dessous ; par défaut : reconnu d'après les en-têtes)")
    parser.add_argument("--database-url", default=None, metavar="URL",
                        help="base de données (par défaut : DASHBOARD_DATABASE_URL, secrets.toml ou la base SQLite embarquée)")
    parser.add_argument("--dry-run", action="store_true", help="vérifier seulement, sans rien écrire")
    parser.add_argument("--correspondance", default=None, metavar="FICHIER.json",
                        help="lire le fichier à travers une correspondance de colonnes : un fichier JSON "
                             "(voir la page Méthodologie) ou le nom d'une correspondance enregistrée sur la page "
                             "d'import")
    parser.add_argument("--enregistrer-correspondance", default=None, nargs="?", const="", metavar="NOM",
                        help="après un import réussi, enregistrer la correspondance sous ce nom (elle sera "
                             "proposée pour les fichiers de mêmes en-têtes) ; sans nom : le nom de la "
                             "correspondance, sinon son type et les colonnes du fichier")
    parser.add_argument("--proposer-correspondance", default=None, metavar="FICHIER.json",
                        help="au lieu d'importer, écrire dans ce fichier JSON la correspondance proposée : les "
                             "colonnes dont l'en-tête est reconnu, les autres à compléter (avec les premières "
                             "valeurs de chaque colonne du fichier), à donner ensuite à --correspondance")
    parser.add_argument("--utilisateur", default=None, metavar="ID",
                        help="identifiant (table des utilisateurs) inscrit au journal des imports ; "
                             "par défaut « cli »")
    parser.add_argument("--rapport", default=None, metavar="CHEMIN",
                        help="écrire aussi le rapport complet dans ce fichier (.csv ou .xlsx)")
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.restaurer:
        return restore(args.restaurer, args.database_url)
    if not args.fichier:
        parser.error("the following arguments are required: FICHIER")
    path = Path(args.fichier)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"Impossible de lire le fichier « {path} » : {os_reason(exc)}.", file=sys.stderr)
        return EXIT_USAGE
    if args.proposer_correspondance:
        return write_proposal(data, path.name, args.kind, Path(args.proposer_correspondance))
    try:
        engine = database.make_engine(args.database_url)
        lifecycle.init_database(engine)  # created, or brought to the current schema in place
        with engine.connect() as conn:
            scope = auth.cli_scope(conn, args.utilisateur)
        access.require_importer(scope)
        mapping = load_mapping(engine, args.correspondance) if args.correspondance else None
        if mapping is None and args.correspondance:
            return EXIT_USAGE
        result = import_file(engine, data, path.name, args.kind, utilisateur=scope.utilisateur, dry_run=args.dry_run,
                             mapping=mapping)
        if mapping is not None and args.enregistrer_correspondance is not None and result.written:
            headers = read_isolated(data, path.name, mapping.kind).headers
            name = args.enregistrer_correspondance.strip() or mapping.name or mappings.default_name(mapping.kind, headers)
            mappings.save_profile(engine, replace(mapping, name=name), headers)
            print(f"Correspondance enregistrée sous le nom « {name} ».")
    except AccessDenied as exc:
        audit.record_safely(engine, args.utilisateur or "cli", audit.DENIED, "import (ligne de commande)", None,
                            f"{exc.message} Fichier : {path.name}")
        print(f"Import refusé : {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        explained = dbfailure.explain(exc, dbfailure.CLI_IMPORT)
        if explained is None:
            return unexpected(exc)
        print(explained, file=sys.stderr)
        return dbfailure.EXIT_DATABASE
    if args.rapport:
        try:
            write_report(result.report, Path(args.rapport))
        except OSError as exc:
            print(f"Le rapport n'a pas pu être écrit dans « {args.rapport} » : {os_reason(exc)}.", file=sys.stderr)
    try:
        print_report(result)
    except BrokenPipeError:  # the reader stopped early (``| head``): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK if result.report.ok else EXIT_REFUSED


def unexpected(exc: Exception) -> int:
    """Any other failure, in one French line (never a traceback: the transaction was rolled back)."""
    if isinstance(exc, (SQLAlchemyError, OSError, ImportError)):  # bad URL or driver
        print(f"La base de données n'a pas pu être utilisée ({type(exc).__name__}). "
              "Vérifiez --database-url. Rien n'a été écrit.", file=sys.stderr)
    else:
        print(f"Erreur inattendue pendant l'import ({type(exc).__name__}) : rien n'a été écrit. "
              "Prévenez l'équipe technique en joignant le fichier.", file=sys.stderr)
    return EXIT_USAGE


def restore(backup: str, url: str | None) -> int:
    """``--restaurer``: copy a backup over the SQLite database file (a copy of the current one kept)."""
    source = Path(backup)
    if not source.is_file():
        print(f"Sauvegarde « {source} » introuvable.", file=sys.stderr)
        return EXIT_USAGE
    engine = database.make_engine(url)
    target = sqlite_path(engine)
    if target is None:
        print("La restauration ne concerne que la base SQLite ; pour PostgreSQL, utilisez pg_restore.", file=sys.stderr)
        return EXIT_USAGE
    try:
        current = backup_database(engine, "avant-restauration") if target.exists() else None
    except Exception:  # a damaged database cannot be backed up page by page: kept as it is
        current = target.parent / "sauvegardes" / f"{target.stem}-endommagee-avant-restauration.sqlite"
        current.parent.mkdir(parents=True, exist_ok=True)
        restore_database(target, current)
    engine.dispose()
    restore_database(source, target)
    kept = f" (la base remplacée est gardée dans {current})" if current else ""
    print(f"Base restaurée depuis {source}{kept}. Redémarrez l'application.")
    return EXIT_OK


def write_proposal(data: bytes, filename: str, kind: str | None, target: Path) -> int:
    """``--proposer-correspondance``: the proposed mapping as a JSON file to complete."""

    try:
        raw = read_isolated(data, filename, kind)  # in a capped child process, as every read
    except UnreadableFile as exc:
        print(f"Fichier illisible : {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    kind = kind or mappings.proposed_kind(raw.headers)
    if kind is None:
        print("Aucun en-tête de ce fichier n'est celui d'un type connu : précisez le type avec --type "
              f"({', '.join(KINDS)}).", file=sys.stderr)
        return EXIT_USAGE
    proposal = mappings.propose(raw, kind)
    document = mappings.proposal_document(raw, proposal)
    try:
        target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        print(f"La correspondance n'a pas pu être écrite dans « {target} » : {os_reason(exc)}.", file=sys.stderr)
        return EXIT_USAGE
    missing = mappings.unassigned(proposal)
    print(f"Correspondance proposée ({KIND_LABELS[kind]}) écrite dans {target} : {len(proposal.columns)} colonne"
          f"{'s' if len(proposal.columns) > 1 else ''} associée{'s' if len(proposal.columns) > 1 else ''} d'après "
          "leur en-tête.")
    if missing:
        print(f"À compléter (colonnes obligatoires sans colonne du fichier) : {', '.join(missing)}. Inscrivez pour "
              "chacune l'en-tête de la colonne du fichier qui la contient (voir « exemples »), puis importez avec "
              f"--correspondance {target}.")
    return EXIT_OK


def load_mapping(engine, source: str):
    """The mapping of ``--correspondance``: a JSON file, else a saved mapping's name (None and a
    French message on stderr when neither)."""
    path = Path(source)
    try:
        if path.suffix.lower() == ".json" or path.exists():
            return mappings.Mapping.from_json(path.read_text(encoding="utf-8-sig"))
        with engine.connect() as conn:
            found = mappings.named_profile(conn, source)
        if found is None:
            with engine.connect() as conn:
                names = ", ".join(mappings.profile_names(conn)) or "aucune"
            print(f"Correspondance « {source} » introuvable : ni fichier, ni correspondance enregistrée "
                  f"(enregistrées : {names}).", file=sys.stderr)
        return found
    except OSError as exc:
        print(f"Impossible de lire la correspondance « {source} » : {os_reason(exc)}.", file=sys.stderr)
    except ValueError as exc:
        print(f"La correspondance « {source} » est mal formée : {exc}.", file=sys.stderr)
    return None


def print_report(result) -> None:
    print(result.summary())
    if result.report.issues.height > SUMMARY_FROM:
        print("Problèmes par règle :")
        for line in result.report.rule_lines():
            print(line)
        print("Détail :")
    for line in result.report.issue_lines():
        print(line)


def write_report(report, path: Path) -> None:
    data = report.to_xlsx() if path.suffix.lower() == ".xlsx" else report.to_csv()
    path.write_bytes(data)
