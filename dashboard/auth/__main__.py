"""Users of the dashboard, from the command line.


    python -m dashboard.auth load-users FICHIER.csv [--database-url URL]
    python -m dashboard.auth list-users [--database-url URL]
    python -m dashboard.auth secret-proxy --app FICHIER --nginx FICHIER.conf
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine

from dashboard.access.auth import UsersFileInvalid, list_users, load_users_file, write_proxy_secret
from dashboard.access.scope import ROLE_LABELS
from dashboard.cli import FrenchArgumentParser, os_reason
from dashboard.store import database, dbfailure, integrity


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(prog="python -m dashboard.auth", description="Utilisateurs du tableau de bord")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load-users", help="remplace la table des utilisateurs par un fichier CSV")
    load.add_argument("fichier", type=Path)
    load.add_argument("--database-url", default=None)
    show = sub.add_parser("list-users", help="affiche les utilisateurs enregistrés")
    show.add_argument("--database-url", default=None)
    secret = sub.add_parser("secret-proxy", help="écrit un nouveau secret partagé entre nginx et l'application")
    secret.add_argument("--app", type=Path, required=True, help="fichier lu par l'application (DASHBOARD_PROXY_SECRET_FILE)")
    secret.add_argument("--nginx", type=Path, required=True, help="fichier inclus par nginx (proxy_set_header)")
    args = parser.parse_args(argv)
    if args.command == "secret-proxy":
        write_proxy_secret(args.app, args.nginx)
        print(f"Secret écrit dans {args.app} (application) et {args.nginx} (nginx) : rechargez nginx et "
              "redémarrez l'application.")
        return 0
    engine = None
    try:
        engine = database.make_engine(args.database_url)
        return _run(engine, args)
    except Exception as exc:  # one French line, never a traceback
        return dbfailure.cli_exit(exc)
    finally:
        if engine is not None:
            engine.dispose()


def _run(engine: Engine, args: argparse.Namespace) -> int:
    if not database.is_initialised(engine):
        print("Erreur : la base de données n'est pas initialisée (python -m dashboard.db init).", file=sys.stderr)
        return 1
    if args.command == "list-users":
        with engine.connect() as conn:
            for user in list_users(conn):
                label = ROLE_LABELS.get(user["role"], user["role"])
                print(f"{user['identifiant']}\t{user['nom'] or ''}\t{label}\t{user['territoire_code'] or ''}")
        return 0
    integrity.check(engine)  # a damaged database is never written to
    try:
        count = load_users_file(engine, args.fichier)
    except UsersFileInvalid as exc:
        print(f"Fichier refusé, rien n'a été modifié :\n{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Fichier illisible : {os_reason(exc)}.", file=sys.stderr)
        return 1
    print(f"{count} utilisateur(s) enregistré(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
