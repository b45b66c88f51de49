"""``python -m dashboard.figures --database-url URL --annee 2014-2015 --territoire CODE --out FILE
[--utilisateur ID]``: FILE ends in ``.json`` (nested object), ``.csv`` or ``.xlsx`` (one line per
figure), as ``dashboard.publish.figures`` renders it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dashboard.access import audit, auth
from dashboard.access.scope import AccessDenied
from dashboard.cli import FrenchArgumentParser, run_with_database
from dashboard.publish.figures import FORMATS, render
from dashboard.store import dbfailure
from queries.figures import territory_figures

CLI_PAGE = "chiffres (ligne de commande)"  # the audit log's « page » of this command


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(
        prog="python -m dashboard.figures",
        description="Exporte les chiffres clés d'un territoire pour une année scolaire (JSON, CSV ou XLSX).",
    )
    parser.add_argument("--database-url", default=None, help="URL de la base (par défaut : configuration)")
    parser.add_argument("--annee", required=True, help="année scolaire, par exemple 2014-2015")
    parser.add_argument("--territoire", required=True, help="ACAD, un département (16), une PSAD ou un réseau")
    parser.add_argument("--out", required=True, help="fichier de sortie .json, .csv ou .xlsx")
    parser.add_argument("--utilisateur", default=None, help="identifiant de l'utilisateur (périmètre d'accès)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        parser.error("le fichier de sortie doit se terminer par .json, .csv ou .xlsx")
    if len(args.annee) != 9 or args.annee[4] != "-" or not (args.annee[:4] + args.annee[5:]).isdigit():
        parser.error("l'année scolaire s'écrit comme 2014-2015")

    def export(engine) -> int:
        with engine.connect() as conn:
            scope = auth.cli_scope(conn, args.utilisateur)  # AccessDenied for an unknown user
            figures = territory_figures(conn, scope, args.territoire, args.annee)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(render(figures, out.suffix.lower()))
        audit.record_safely(engine, scope.utilisateur, audit.EXPORT, CLI_PAGE, figures["territoire"],
                            f"chiffres {out.suffix.lower()[1:].upper()} (ligne de commande) ; annee={args.annee}")
        print(f"Chiffres de « {figures['territoire_nom']} » ({args.annee}) écrits dans {out}.")
        return 0

    def refusal(exc: Exception, engine) -> int | None:
        if isinstance(exc, KeyError):
            print(f"Erreur : territoire inconnu « {args.territoire} » pour {args.annee}.", file=sys.stderr)
            return 1
        if isinstance(exc, AccessDenied):
            audit.record_safely(engine, args.utilisateur or "cli", audit.DENIED, CLI_PAGE, args.territoire[:20],
                                f"{exc.message} (ligne de commande, annee={args.annee})")
            print(f"Erreur : {exc.message}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and not dbfailure.kind(exc):
            print(f"Erreur : le fichier « {out} » n'a pas pu être écrit ({exc.strerror or exc}).", file=sys.stderr)
            return 1
        return None

    return run_with_database(args.database_url, export, refusal)


if __name__ == "__main__":
    sys.exit(main())
