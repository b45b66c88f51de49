"""``python -m dashboard.db init --database-url URL`` creates an empty database at the current
schema (with the default territorial breakdown); ``python -m dashboard.db upgrade`` brings an
existing database to the current schema in place, without losing a row.
"""

from __future__ import annotations

import sys

from dashboard.academie import of_engine
from dashboard.cli import FrenchArgumentParser
from dashboard.demo import generate as demo
from dashboard.store import dbfailure, integrity
from dashboard.store.database import UnknownAcademie, is_initialised, make_engine
from dashboard.store.lifecycle import init_database, upgrade_database


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(prog="python -m dashboard.db", description="Base de données du tableau de bord")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="crée une base vide au schéma courant (avec le découpage territorial "
                                       "par défaut) ; une base existante est mise à jour")
    init.add_argument("--database-url", default=None)
    init.add_argument("--academie", default=None,
                      help="l'académie servie, par son nom ou son code officiel (rennes, 14) ; Poitiers par défaut")
    upgrade = sub.add_parser("upgrade", help="met à jour le schéma d'une base existante, sans perdre de ligne")
    upgrade.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    try:
        engine = make_engine(args.database_url)
    except Exception as exc:  # a French message, never a traceback
        return dbfailure.cli_exit(exc)
    target = engine.url.render_as_string(hide_password=True)
    try:
        if args.command == "init":
            outcome = init_database(engine, args.academie)
            print(f"Base initialisée : {target} ({outcome.summary()}), {of_engine(engine).sujet}.")
        else:
            integrity.check(engine)  # a damaged database is never written to
            if not is_initialised(engine):
                print(f"La base {target} est vide : créez-la avec « python -m dashboard.db init ».",
                      file=sys.stderr)
                return 1
            outcome = upgrade_database(engine)
            print(f"Base {target} : {outcome.summary()}.")
            if demo.complete(engine):
                print("Données de démonstration complétées (référents décrochage, activité des GPDS).")
    except UnknownAcademie as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # a French message, never a traceback
        if dbfailure.kind(exc):
            return dbfailure.cli_exit(exc)
        reason = getattr(exc, "orig", None) or exc
        print(f"Échec sur la base {target} ({type(exc).__name__}) : {reason}. Le schéma est modifié en une "
              "seule transaction : il est resté tel qu'il était.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
