"""``python -m dashboard.demo [--database-url URL] [--academie NOM] [--scale academie|national] [--seed N]``:
a database filled with demonstration data (created first when empty); a database that holds bilans
is left as it is."""

from __future__ import annotations

import sys
import time

from sqlalchemy import func, select

from dashboard import fmt
from dashboard.academie import of_engine
from dashboard.cli import FrenchArgumentParser
from dashboard.demo.generate import DEFAULT_SEED, SCALES, SUMMARY_LABELS, fill, table_counts
from dashboard.store import database, db, dbfailure, lifecycle


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(prog="python -m dashboard.demo",
                                     description="Remplit une base avec des données de démonstration")
    parser.add_argument("--database-url", default=None, help="URL SQLAlchemy de la base (défaut : base embarquée)")
    parser.add_argument("--academie", default=None,
                        help="l'académie d'une base à créer, par son nom ou son code officiel (rennes, 14) ; "
                             "Poitiers par défaut")
    parser.add_argument("--scale", choices=SCALES, default="academie",
                        help="academie (environ 330 établissements) ou national (environ 7 000, pour les mesures)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="graine du générateur (défaut : 20131)")
    args = parser.parse_args(argv)
    try:
        engine = database.make_engine(args.database_url)
    except Exception as exc:  # a French message, never a traceback
        return dbfailure.cli_exit(exc)
    target = engine.url.render_as_string(hide_password=True)
    try:
        lifecycle.init_database(engine, args.academie)
        with engine.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(db.bilans)).scalar_one()
        if existing:
            print(f"La base {target} contient déjà des données ({fmt.integer(existing)} bilans) : "
                  "rien n'a été écrit.")
            return 0
        started = time.perf_counter()
        fill(engine, scale=args.scale, seed=args.seed,
             progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        elapsed = time.perf_counter() - started
    except database.UnknownAcademie as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # a French message, never a traceback
        if dbfailure.kind(exc):
            return dbfailure.cli_exit(exc)
        print(f"Échec du remplissage de la base {target} ({type(exc).__name__}) : rien n'a été écrit.",
              file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    echelle = "nationale (synthétique)" if args.scale == "national" else "académique"
    print(f"Données de démonstration écrites dans {target} ({of_engine(engine).titre.lower()}, échelle {echelle}, "
          f"graine {args.seed}, "
          f"{fmt.number(elapsed, 1)} s) :")
    for name, count in table_counts(engine).items():
        print(f"  {SUMMARY_LABELS[name]} : {fmt.integer(count)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
