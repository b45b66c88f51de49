"""``python -m dashboard.disclosure audit --annee 2016-2017 [--database-url URL]``

Rebuilds everything the dashboard publishes about raccrochage (with the previous year's files; then
again with the « même date » series that the next school year's files show of it), the GPDS chain of the Prévention page and absenteeism (every
school and group rate, rounded as published) for a school year (every territory,
level and period; totals, periods, cumulative raccrochés, « même date l'an dernier »,
projections) with the masks the pages, files and decks apply, and checks by linear programming
that no masked value can be narrowed below the protection width from the rest. Prints the number
of published and masked values and every disclosed value with the published values that reveal
it; exit code 1 if there is one. ``store`` computes and saves the decisions of every school year
(done after each import)."""

from __future__ import annotations

import sys
import time

from dashboard import fmt
from dashboard.cli import FrenchArgumentParser
from dashboard.disclosure import audit as disclosure_audit
from dashboard.disclosure import cells as dc
from dashboard.disclosure import rule
from dashboard.store import database, dbfailure
from queries import absenteisme_suppression as absence
from queries import prevention_suppression as prevention
from queries import raccrochage_suppression as secrecy
from queries import territoires as tq


def _audit(args) -> int:
    engine = database.make_engine(args.database_url)
    try:
        with engine.connect() as conn:
            years = [args.annee] if args.annee else __import__("queries.territoires").territoires.school_years(conn)
            status = 0
            for annee in years:
                start = time.perf_counter()
                decision = secrecy.decision(conn, annee)
                cells, _year, fixed, locality = secrecy.system_with_locality(conn, annee)
                masked = set(fixed) | {c.atom for c in cells if c.key in decision.marks}
                findings = disclosure_audit.audit(cells, masked, args.largeur, locality=locality)
                own = [c for c in cells if c.key.annee == annee]
                published = len({c.atom for c in own if c.atom not in masked})
                hidden = len({c.atom for c in own if c.atom in masked})
                _report(f"{annee} :", published, hidden, findings, args.largeur, time.perf_counter() - start)
                status = status or (1 if findings else 0)
                status = _audit_same_date(conn, annee, args.largeur) or status
                status = _audit_prevention(conn, annee, args.largeur) or status
                status = _audit_absenteeism(conn, annee) or status
    finally:
        engine.dispose()
    return status


def _audit_same_date(conn, annee: str, width: float | None) -> int:
    """The values of ``annee`` again, with what the next school year's files add about it (its
    « même date l'an dernier » series, each network cut at its own last bilan): the next year's
    system, its decision applied, each masked value of ``annee`` bounded. 1 if one is disclosed, 0
    otherwise (and when there is no next year)."""
    following = f"{int(annee[:4]) + 1}-{int(annee[5:]) + 1}"
    if following not in tq.school_years(conn):
        return 0
    start = time.perf_counter()
    decision = secrecy.decision(conn, following)
    cells, _year, fixed, locality = secrecy.system_with_locality(conn, following)
    masked = set(fixed) | {c.atom for c in cells if c.key in decision.marks}
    own = {c.atom for c in cells if c.key.annee == annee}
    findings = disclosure_audit.audit(cells, masked, width, check=own & masked, locality=locality)
    same_date = {c.atom for c in cells if c.key.kind == dc.N1}
    _report(f"{annee}, avec la série « même date » de {following} :", len(same_date - masked),
            len(own & masked), findings, width, time.perf_counter() - start)
    return 1 if findings else 0


def _audit_prevention(conn, annee: str, width: float | None) -> int:
    """The same audit for the GPDS chain (Prévention: every territory's year and months); 1 if a
    masked count is disclosed, 0 otherwise (and when no prevention data is loaded that year)."""
    start = time.perf_counter()
    decision = prevention.decision(conn, annee)
    index = tq.territory_index(conn, annee)
    territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
    cells = prevention.year_cells(annee, territories, prevention.flows(conn, annee))
    if not any(c.value for c in cells):
        return 0
    masked = {c.atom for c in cells if c.key in decision.marks}
    findings = disclosure_audit.audit(cells, masked, width)
    published = len({c.atom for c in cells if c.atom not in masked})
    _report(f"{annee}, prévention (GPDS) :", published, len(masked), findings, width, time.perf_counter() - start)
    return 1 if findings else 0


def _audit_absenteeism(conn, annee: str) -> int:
    """The same audit for absenteeism (every school and group rate, as rounded when published; the
    protection width is the threshold, in absent pupils a month); 1 if a masked rate is disclosed."""
    start = time.perf_counter()
    decision = absence.decision(conn, annee)
    cells, _territories, _primary, locality = absence.system(conn, annee)
    if not cells:
        return 0
    width = float(rule.threshold())
    masked = {c.atom for c in cells if c.key in decision.marks}
    findings = disclosure_audit.audit(cells, masked, width, locality=locality)
    published = len({c.atom for c in cells if c.atom not in masked})
    _report(f"{annee}, absentéisme :", published, len(masked), findings, width, time.perf_counter() - start)
    return 1 if findings else 0


def _report(what: str, published: int, hidden: int, findings, width: float | None, seconds: float) -> None:
    """One line per audit (published and masked values, disclosed ones, time), then each disclosed value."""
    print(f"{what} {fmt.integer(published)} valeurs publiées, {fmt.integer(hidden)} masquées (secret statistique), "
          f"{len(findings)} recalculable{'s' if len(findings) > 1 else ''} à moins de "
          f"{fmt.number(width or disclosure_audit.protection_width(), 0)} près ({fmt.number(seconds, 1)} s).")
    for finding in findings:
        print("  - " + finding.describe())


def _store(args) -> int:
    engine = database.make_engine(args.database_url)
    try:
        count = secrecy.store_decisions(engine)
    finally:
        engine.dispose()
    print(f"Secret statistique : décisions enregistrées pour {count} années scolaires.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = FrenchArgumentParser(prog="python -m dashboard.disclosure",
                                     description="Secret statistique : audit de tout ce qui est publié.")
    commands = parser.add_subparsers(dest="commande", required=True)
    audit = commands.add_parser("audit", help="vérifie qu'aucune valeur masquée n'est recalculable")
    audit.add_argument("--annee", help="année scolaire (par défaut : toutes)")
    audit.add_argument("--database-url", default=None, help="URL de la base (par défaut : configuration)")
    audit.add_argument("--largeur", type=float, default=None,
                       help="largeur de protection en jeunes (par défaut 3, ou DASHBOARD_DISCLOSURE_WIDTH)")
    store = commands.add_parser("store", help="calcule et enregistre les masques de chaque année")
    store.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    if args.commande == "audit" and args.annee and (len(args.annee) != 9 or args.annee[4] != "-"):
        parser.error("l'année scolaire s'écrit comme 2016-2017")
    try:
        return _audit(args) if args.commande == "audit" else _store(args)
    except Exception as exc:  # one French line, never a traceback
        return dbfailure.cli_exit(exc)


if __name__ == "__main__":
    sys.exit(main())
