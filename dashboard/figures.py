"""Figures export for one territory and school year (core, no Streamlit).

``territory_figures(conn, scope, code, annee)`` returns one dict: the territory, then the keys
every contributor adds (raccrochage first; later subjects append their own contributor to
``CONTRIBUTORS``), ``masque``, the list of keys masked by the disclosure rule (their value is
``None``; nested keys are written ``parent.child``) and ``secret``, the mark of each masked key
(``disclosure.PRIMARY``: a count under the threshold; ``SECONDARY``: masked to protect another).

Every key is declared in ``dashboard.publish.catalog.FIGURES`` (kind, rounding, secrecy): the
JSON holds the values rounded as shown (rates as fractions, 0.782 for « 78,2 % »), the CSV and the
XLSX one line per figure (key, French label, value with its format), then the provenance.

CLI::

    python -m dashboard.figures --database-url URL --annee 2014-2015 --territoire CODE --out FILE
        [--utilisateur ID]

FILE ends in ``.json`` (nested object), ``.csv`` or ``.xlsx`` (one row, one column per figure,
nested keys flattened as ``parent.child``).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from dashboard import audit, auth, db, dbfailure, disclosure, fmt, publish
from dashboard.access import AccessDenied, Scope
from dashboard.cli import FrenchArgumentParser
from dashboard.publish import catalog, records
from queries import territoires as tq

#: A contributor returns a dict of figures for ``(conn, scope, code, annee)``; an optional
#: ``masque`` list names its masked keys. Contributors are "module:function" paths, imported
#: lazily, so adding a subject is one line here (or ``register_contributor`` at run time).
Contributor = Callable[[Connection, Scope, str, str], dict]
CONTRIBUTORS: list[str | Contributor] = [
    "queries.raccrochage:figures_contribution",
    "queries.absenteisme:figures_contribution",
    "queries.prevention_figures:figures_contribution",
]

FORMATS = (".json", ".csv", ".xlsx")
CLI_PAGE = "chiffres (ligne de commande)"  # the audit log's « page » of this command


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
        "donnees_de_demonstration": db.get_meta(conn, "demo") == "1",
    }
    masked: list[str] = []
    marks: dict[str, str] = {}
    not_applicable: list[str] = []
    for contributor in CONTRIBUTORS:
        part = dict(_resolve(contributor)(conn, scope, territory.code, annee))
        keys = part.pop("masque", [])
        not_applicable.extend(part.pop("sans_objet", []) or [])
        part_marks = part.pop("secret", {}) or {}
        masked.extend(k for k in keys if k not in masked)
        marks.update({k: part_marks.get(k, disclosure.SECONDARY) for k in keys})
        out.update(part)
    out["masque"] = masked
    out["secret"] = marks
    out["sans_objet"] = not_applicable  # figures without meaning here (a closed year's trajectory)
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
    flat = flatten({k: v for k, v in figures.items() if k not in ("secret", "sans_objet")})
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


def _nest(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        parent, _, child = key.partition(".")
        if child:
            out.setdefault(parent, {})[child] = value
        else:
            out[key] = value
    return out


#: The keys that describe the figures rather than hold one.
LISTS = ("masque", "secret", "sans_objet")


def published(figures: dict) -> dict:
    """The figures as published: every value rounded as its declaration shows it, the marks as
    « < 5 » / « s »."""
    flat = flatten({k: v for k, v in figures.items() if k not in LISTS})
    rounded = {key: publish.rounded(catalog.figure_column(key), value) for key, value in flat.items()}
    out = _nest(rounded)
    out["masque"] = list(figures.get("masque") or [])
    out["sans_objet"] = list(figures.get("sans_objet") or [])
    out["secret"] = {k: disclosure.mark_text(m) for k, m in (figures.get("secret") or {}).items()}
    return out


def lines(figures: dict) -> list[records.Line]:
    """One declared line per figure (masked ones carry their mark)."""
    marks = figures.get("secret") or {}
    not_applicable = set(figures.get("sans_objet") or ())
    flat = flatten({k: v for k, v in figures.items() if k not in LISTS})
    return [records.Line(catalog.figure_column(key), value, marks.get(key), key in not_applicable)
            for key, value in flat.items()]


def provenance(figures: dict) -> publish.Provenance:
    date = figures.get("periode_fin")
    return publish.Provenance(
        title=f"Chiffres clés — {figures['territoire_nom']} — {figures['annee_scolaire']}",
        territory=figures["territoire_nom"], annee=figures["annee_scolaire"],
        data_date=f"bilans reçus jusqu'au {fmt.date_long(date)}" if date else "aucun bilan reçu",
        sources=("raccrochage", "absenteisme", "prevention"), demo=bool(figures.get("donnees_de_demonstration")),
    )


def render(figures: dict, suffix: str) -> bytes:
    """The export file's bytes for a suffix of ``FORMATS``."""
    if suffix == ".json":
        return (json.dumps(published(figures), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if suffix == ".csv":
        return records.csv_bytes(lines(figures), provenance(figures))
    if suffix == ".xlsx":
        return records.xlsx_bytes(lines(figures), provenance(figures))
    raise ValueError(suffix)


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
    engine = None
    try:
        engine = db.make_engine(args.database_url)
        if not db.is_initialised(engine):
            print("Erreur : la base de données n'est pas initialisée.", file=sys.stderr)
            return 1
        db.init_database(engine)  # an older database is brought to the current schema in place
        with engine.connect() as conn:
            scope = auth.cli_scope(conn, args.utilisateur)  # AccessDenied for an unknown user
            figures = territory_figures(conn, scope, args.territoire, args.annee)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(render(figures, out.suffix.lower()))
        audit.record_safely(engine, scope.utilisateur, audit.EXPORT, CLI_PAGE, figures["territoire"],
                            f"chiffres {out.suffix.lower()[1:].upper()} (ligne de commande) ; annee={args.annee}")
    except KeyError:
        print(f"Erreur : territoire inconnu « {args.territoire} » pour {args.annee}.", file=sys.stderr)
        return 1
    except AccessDenied as exc:
        audit.record_safely(engine, args.utilisateur or "cli", audit.DENIED, CLI_PAGE, args.territoire[:20],
                            f"{exc.message} (ligne de commande, annee={args.annee})")
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        if dbfailure.kind(exc):
            return dbfailure.cli_exit(exc)
        print(f"Erreur : le fichier « {out} » n'a pas pu être écrit ({exc.strerror or exc}).", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one French line, never a traceback
        return dbfailure.cli_exit(exc)
    finally:
        if engine is not None:
            engine.dispose()
    print(f"Chiffres de « {figures['territoire_nom']} » ({args.annee}) écrits dans {out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
