"""CLI: the dialogue de gestion deck of one territory, or of every FOQUALE network.

    python -m dashboard.slides --database-url URL --annee 2014-2015 --territoire CODE --out FILE.pptx
        [--template MODELE.pptx] [--utilisateur ID]
    python -m dashboard.slides --database-url URL --annee 2014-2015 --tous-reseaux --out-dir DOSSIER
        [--template MODELE.pptx] [--utilisateur ID]

Exit codes: 0 done, 1 refused (unknown territory or user, outside the user's scope, database not
initialised, unreadable template) or unexpected failure, 2 usage error, 3 the database could not
answer (unreachable or busy: try again). Messages are in French, on stderr; with
``--tous-reseaux`` a progress bar is drawn on stderr.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from dashboard import fmt
from dashboard.access import audit, auth
from dashboard.access.scope import AccessDenied
from dashboard.cli import FrenchArgumentParser, run_with_database
from dashboard.slides.build import build_deck, check_template, deck_filename
from queries import territoires as tq

YEAR = re.compile(r"^\d{4}-\d{4}$")
BAR_WIDTH = 20


class Refused(Exception):
    """A French message for the user; exit code 1."""


def _parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m dashboard.slides",
        description="Génère la présentation (PPTX) du dialogue de gestion d'un territoire, ou de chaque réseau "
                    "FOQUALE.",
    )
    parser.add_argument("--database-url", default=None, help="URL de la base (par défaut : configuration)")
    parser.add_argument("--annee", required=True, help="année scolaire, par exemple 2014-2015")
    parser.add_argument("--territoire", help="ACAD, un département (16), une PSAD (P16-ANG) ou un réseau (R16-ANG)")
    parser.add_argument("--out", help="fichier de sortie .pptx (avec --territoire)")
    parser.add_argument("--tous-reseaux", action="store_true", help="une présentation par réseau FOQUALE, plus celle du territoire de l'utilisateur (l'académie)")
    parser.add_argument("--out-dir", help="dossier de sortie (avec --tous-reseaux)")
    parser.add_argument("--template", help="modèle PowerPoint de l'académie (.pptx) dont les dispositions sont utilisées")
    parser.add_argument("--utilisateur", default=None, help="identifiant de l'utilisateur (périmètre d'accès)")
    return parser


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not YEAR.match(args.annee) or int(args.annee[5:]) != int(args.annee[:4]) + 1:
        parser.error("l'année scolaire s'écrit comme 2014-2015")
    if args.tous_reseaux:
        if args.territoire or args.out:
            parser.error("--tous-reseaux s'emploie avec --out-dir, sans --territoire ni --out")
        if not args.out_dir:
            parser.error("--tous-reseaux demande --out-dir DOSSIER")
    else:
        if not args.territoire or not args.out:
            parser.error("indiquez --territoire CODE et --out FICHIER.pptx (ou --tous-reseaux --out-dir DOSSIER)")
        if args.out_dir:
            parser.error("--out-dir s'emploie avec --tous-reseaux")
        if Path(args.out).suffix.lower() != ".pptx":
            parser.error("le fichier de sortie doit se terminer par .pptx")
    if args.template and Path(args.template).suffix.lower() != ".pptx":
        parser.error("le modèle doit être un fichier .pptx")


def _scope(conn, utilisateur: str | None):
    return auth.cli_scope(conn, utilisateur)


def _template(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Refused(f"modèle illisible « {path} » ({exc.strerror or exc}).") from exc
    problem = check_template(data)
    if problem:
        raise Refused(f"« {path} » : {problem[0].lower()}{problem[1:]}")
    return data


def progress_bar(done: int, total: int, label: str = "") -> str:
    filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
    return f"[{'#' * filled}{' ' * (BAR_WIDTH - filled)}] {done}/{total} {label}".rstrip()


def _write_progress(done: int, total: int, label: str) -> None:
    end = "\n" if done == total else ""
    sys.stderr.write("\r" + progress_bar(done, total, label).ljust(BAR_WIDTH + 30) + end)
    sys.stderr.flush()


def _audit(engine, scope, code: str, annee: str) -> None:
    try:
        audit.record(engine, scope.utilisateur, audit.EXPORT, "dialogue-de-gestion", code,
                     f"annee={annee}; presentation PPTX (ligne de commande)")
    except Exception:  # auditing never blocks an export
        pass


def _one(engine, conn, scope, args, template) -> int:
    try:
        data = build_deck(conn, scope, args.territoire, args.annee, template)
    except KeyError as exc:
        raise Refused(f"territoire inconnu « {args.territoire} » pour {args.annee}.") from exc
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    _audit(engine, scope, args.territoire, args.annee)
    print(f"Présentation de « {args.territoire} » ({args.annee}) écrite dans {out}.")
    return 0


def _all_networks(engine, conn, scope, args, template) -> int:
    """One deck per network of the scope, then the deck of the scope's own territory when it
    lies above the networks (the académie for the rector): the whole dialogue de gestion."""
    visible = tq.visible_territories(conn, scope, args.annee)
    networks = [t for t in visible if t.niveau == "reseau"]  # visible networks lie inside the scope
    if not networks:
        raise Refused("aucun réseau FOQUALE n'est accessible avec ce périmètre.")
    own = [t for t in visible if t.code == scope.territoire_code and t.niveau != "reseau"]
    decks = networks + own
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    _write_progress(0, len(decks), "")
    for index, territory in enumerate(decks, start=1):
        data = build_deck(conn, scope, territory.code, args.annee, template)
        (out_dir / deck_filename(territory.code, args.annee)).write_bytes(data)
        _audit(engine, scope, territory.code, args.annee)
        _write_progress(index, len(decks), territory.code)
    elapsed = time.perf_counter() - start
    plural = "s" if len(networks) > 1 else ""
    summary = f"{len(networks)} présentation{plural} de réseau"
    if own:
        summary += f" et celle de « {own[0].label} »"
    print(f"{summary} écrites dans {out_dir} ({fmt.number(elapsed, 0)} s).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _check_usage(parser, args)
    try:
        template = _template(args.template)
    except Refused as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    return run_with_database(args.database_url, lambda engine: _run(engine, args, template),
                             lambda exc, engine: _refusal(exc, engine, args))


def _run(engine, args, template: bytes | None) -> int:
    with engine.connect() as conn:
        scope = _scope(conn, args.utilisateur)
        if args.tous_reseaux:
            return _all_networks(engine, conn, scope, args, template)
        return _one(engine, conn, scope, args, template)


def _refusal(exc: Exception, engine, args) -> int | None:
    """The French message of a refusal of this command (exit code 1); None for any other failure."""
    if isinstance(exc, Refused):
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    if isinstance(exc, AccessDenied):
        if engine is not None:
            audit.record_safely(engine, args.utilisateur or "cli", audit.DENIED, "dialogue-de-gestion",
                                (args.territoire or "")[:20] or None,
                                f"{exc.message} (présentation PPTX, ligne de commande, annee={args.annee})")
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    sys.stderr.write("\n")  # after a progress bar
    return None


if __name__ == "__main__":
    sys.exit(main())
