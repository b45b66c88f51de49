"""Figures export for one territory and school year (core, no Streamlit).

``territory_figures(conn, scope, code, annee)`` returns one dict: the territory, then the keys
every contributor adds (raccrochage first; later subjects append their own contributor to
``CONTRIBUTORS``), and ``masque``, the list of keys masked by the disclosure rule (their value
is ``None``; nested keys are written ``parent.child``).

CLI::

    python -m dashboard.figures --database-url URL --annee 2014-2015 --territoire CODE --out FILE
        [--utilisateur ID]

FILE ends in ``.json`` (nested object), ``.csv`` or ``.xlsx`` (one row, one column per figure,
nested keys flattened as ``parent.child``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from dashboard import auth, db, exports
from dashboard.access import AccessDenied, Scope
from queries import territoires as tq

#: A contributor returns a dict of figures for ``(conn, scope, code, annee)``; an optional
#: ``masque`` list names its masked keys. Contributors are "module:function" paths, imported
#: lazily, so adding a subject is one line here (or ``register_contributor`` at run time).
Contributor = Callable[[Connection, Scope, str, str], dict]
CONTRIBUTORS: list[str | Contributor] = [
    "queries.raccrochage:figures_contribution",
    "queries.absenteisme:figures_contribution",
]

FORMATS = (".json", ".csv", ".xlsx")


def register_contributor(contributor: str | Contributor) -> None:
    """Add a contributor (idempotent)."""
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)


def _resolve(contributor: str | Contributor) -> Contributor:
    if callable(contributor):
        return contributor
    module, _, name = contributor.partition(":")
    return getattr(importlib.import_module(module), name)


def territory_figures(conn: Connection, scope: Scope, code: str, annee: str) -> dict:
    """Every figure of territory ``code`` for school year ``annee``, disclosure applied.

    Raises ``KeyError`` for an unknown territory and ``AccessDenied`` outside the scope.
    """
    territory = tq.resolve_territory(conn, scope, code, annee)
    out: dict = {
        "territoire": territory.code,
        "territoire_nom": territory.nom,
        "niveau": territory.niveau,
        "annee_scolaire": annee,
    }
    masked: list[str] = []
    for contributor in CONTRIBUTORS:
        part = dict(_resolve(contributor)(conn, scope, territory.code, annee))
        masked.extend(part.pop("masque", []))
        out.update(part)
    out["masque"] = masked
    return out


def flatten(figures: dict, prefix: str = "") -> dict:
    """Nested objects flattened as ``parent.child`` keys; lists joined with ", "."""
    flat: dict = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = ", ".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def figures_frame(figures: dict) -> pl.DataFrame:
    """One row, one column per (flattened) figure, typed (integers, fractions, text)."""
    flat = flatten(figures)
    columns = []
    for key, value in flat.items():
        if isinstance(value, bool):
            dtype = pl.Boolean
        elif isinstance(value, int):
            dtype = pl.Int64
        elif isinstance(value, float):
            dtype = pl.Float64
        else:
            dtype = pl.String
        columns.append(pl.Series(key, [value], dtype=dtype))
    return pl.DataFrame(columns)


def render(figures: dict, suffix: str) -> bytes:
    """The export file's bytes for a suffix of ``FORMATS``."""
    if suffix == ".json":
        return (json.dumps(figures, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    frame = figures_frame(figures)
    if suffix == ".csv":
        return exports.to_csv_bytes(frame)
    if suffix == ".xlsx":
        return exports.to_xlsx_bytes(
            {"Chiffres": frame},
            notes={"Chiffres": "Valeurs masquées (secret statistique) : " + (flatten(figures).get("masque") or "aucune")},
        )
    raise ValueError(suffix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
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
    engine = db.make_engine(args.database_url)
    try:
        if not db.is_initialised(engine):
            print("Erreur : la base de données n'est pas initialisée.", file=sys.stderr)
            return 1
        with engine.connect() as conn:
            scope = auth.cli_scope(conn, args.utilisateur)  # AccessDenied for an unknown user
            figures = territory_figures(conn, scope, args.territoire, args.annee)
    except KeyError:
        print(f"Erreur : territoire inconnu « {args.territoire} » pour {args.annee}.", file=sys.stderr)
        return 1
    except AccessDenied as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(figures, out.suffix.lower()))
    print(f"Chiffres de « {figures['territoire_nom']} » ({args.annee}) écrits dans {out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
