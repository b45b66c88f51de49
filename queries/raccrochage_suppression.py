"""The statistical-secrecy decision of a school year, read by every page, export and deck.

``decision(conn, annee)`` builds what the dashboard publishes about raccrochage that year (every
territory of every level, totals, periods, cumulative raccrochés, « même date l'an dernier »,
projections: ``dashboard.disclosure.cells``) from the bilans, and lets
``dashboard.disclosure.suppression`` choose the masks, with the previous school year's masks fixed.
One decision per school year, data version, threshold and protection width: computed once per
process (and persisted in the ``decisions_secret`` table by ``store_decisions``), then only looked up.
Only the pattern of masked values comes out, never a figure. No Streamlit.
"""

from __future__ import annotations

import logging
import threading
import weakref

import polars as pl
from sqlalchemy import Connection, Engine, select

from dashboard.disclosure import audit as disclosure_audit
from dashboard.disclosure import cells as dc
from dashboard.disclosure import rule
from dashboard.disclosure.locality import Locality
from dashboard.disclosure.marks import PRIMARY
from dashboard.disclosure.suppression import Decision, decide
from dashboard.schoolyear import previous_year
from dashboard.store import db
from queries import absenteisme_suppression, prevention_suppression
from queries import raccrochage_networks as nets
from queries import raccrochage_position as position
from queries import secret_store as store
from queries import territoires as tq
from queries.raccrochage_bilans import bilan_rows
from queries.raccrochage_rules import default_profile, seasonal_profile

log = logging.getLogger("dashboard.disclosure")
_MEMO: dict[tuple, Decision] = {}
_LOCK = threading.Lock()


def _bilans(conn: Connection, years: list[str]) -> pl.DataFrame:
    b = db.bilans
    rows = conn.execute(select(b.c.reseau_code, b.c.annee_scolaire, b.c.periode_fin,
                               *[b.c[c] for c in db.BILAN_COUNT_COLUMNS]).where(b.c.annee_scolaire.in_(years))).all()
    schema = {"reseau_code": pl.String, "annee_scolaire": pl.String, "periode_fin": pl.String,
              **{c: pl.Int64 for c in db.BILAN_COUNT_COLUMNS}}
    return pl.DataFrame(rows, schema=schema, orient="row")


def year_data(conn: Connection, annee: str) -> dc.YearData:
    """The flows, the territories and (open year) each network's share of the year for ``annee``."""
    index = tq.territory_index(conn, annee)
    frame = _bilans(conn, [annee])
    flows = {(r["reseau_code"], r["periode_fin"]): {c: int(r[c] or 0) for c in db.BILAN_COUNT_COLUMNS}
             for r in frame.iter_rows(named=True)}
    territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
    state = position.year_state(conn, annee)
    shares: dict[str, float] = {}
    if not state.closed and flows:
        academie = index["ACAD"]
        rows = bilan_rows(conn, academie.reseaux, annee)
        profile = seasonal_profile(rows.filter(pl.col("annee_scolaire") < annee), annee) or default_profile()
        table = nets.network_table(rows, academie.reseaux, annee, profile)
        shares = {code: n.share for code, n in table.items() if n.share}
    return dc.YearData(annee, flows, territories, shares, state.closed)


_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {(version, annee): fingerprint}


def fingerprint(conn: Connection, annee: str) -> str:
    """What a decision depends on: the bilans and the breakdown of ``annee`` and of the year before
    (and the year before's own decision, which depends on its previous year: chained). Memoised per
    database and data version (``meta.version`` changes with every import)."""
    return store.memoised_fingerprint(_FINGERPRINTS, _LOCK, conn, annee, _fingerprint)


def _fingerprint(conn: Connection, annee: str) -> str:

    parts: list[object] = []
    before = _years_before(conn, annee)
    for year in ([before] if before else []) + [annee]:
        parts += [_bilans(conn, [year]).sort("reseau_code", "periode_fin"), position.year_state(conn, year).closed]
    t = db.territoires
    parts.append(conn.execute(select(t.c.annee_debut, t.c.commune_insee, t.c.reseau_code, t.c.psad_code,
                                     t.c.departement_code).order_by(t.c.annee_debut, t.c.commune_insee)).all())
    if before:
        parts.append(fingerprint(conn, before))
    return store.digest(*parts)


#: Raised when the way masks are chosen changes: decisions stored by an earlier release are then
#: chosen again (2: a bound the solver cannot settle is no longer taken as protection; 3: the small
#: gaps between a year's files and the « même date » series of the next year are protected; 4: a zero
#: pinned at zero in its department is bounded in the whole system).
METHOD = 4


def _memo_key(conn: Connection, annee: str) -> tuple:
    return (annee, fingerprint(conn, annee), rule.threshold(), disclosure_audit.protection_width(), METHOD)


def decision(conn: Connection, annee: str) -> Decision:
    """The masks of ``annee`` (and, recursively, of the years before it), cached."""
    key = _memo_key(conn, annee)
    with _LOCK:
        if key in _MEMO:
            return _MEMO[key]
    stored = _stored(conn, annee, key)
    result = stored or _decide(conn, annee)
    with _LOCK:
        _MEMO[key] = result
    return result


def _years_before(conn: Connection, annee: str) -> str | None:
    before = previous_year(annee)
    years = set(tq.school_years(conn))
    return before if before in years else None


def system(conn: Connection, annee: str) -> tuple[list[dc.Cell], dc.YearData, dict]:
    """The published values of ``annee`` and of the previous year (whose masks are fixed), the year's
    data and those fixed masks (atom → mark)."""
    cells, year, fixed, _locality = system_with_locality(conn, annee)
    return cells, year, fixed


def system_with_locality(conn: Connection, annee: str):
    """``system`` and the ``Locality`` of its unknowns (grouped by department, with their values)."""
    year = year_data(conn, annee)
    before = _years_before(conn, annee)
    previous = year_data(conn, before) if before else None
    data = {annee: year, **({before: previous} if previous else {})}
    cells = dc.year_cells(year, data, previous)
    fixed: dict = {}
    if previous is not None:
        past = decision(conn, before)
        previous_cells = dc.year_cells(previous, data, None)
        cells += [c for c in previous_cells if c.key.kind != dc.N1]
        dc.with_atoms(cells)
        fixed = {c.atom: past.marks[c.key] for c in previous_cells if c.key in past.marks}
        cells = _with_small_gaps(cells, fixed)
    else:
        dc.with_atoms(cells)
    locality = Locality(cells, dc.truth(data), dc.department_grouping(data))
    return cells, year, fixed, locality


def _with_small_gaps(cells: list[dc.Cell], fixed: dict) -> list[dc.Cell]:
    """Keep the « même date » gaps (``cells.GAP_N1``) that are small counts, as values to protect
    (masked « < 5 »: never published, never to be recomputed); drop the others (a gap that is no
    small count, or that the previous year publishes itself, is no new disclosure)."""
    limit = rule.threshold()
    own = {c.atom for c in cells if c.key.kind != dc.GAP_N1}
    out = []
    for cell in cells:
        if cell.key.kind != dc.GAP_N1:
            out.append(cell)
        elif 0 < cell.value < limit and cell.atom not in own:
            fixed[cell.atom] = PRIMARY
            out.append(cell)
    return out


def _decide(conn: Connection, annee: str) -> Decision:
    cells, year, fixed, locality = system_with_locality(conn, annee)
    result = decide(cells, annee, year.territories, fixed, locality=locality)
    if result.findings:
        log.warning("Secret statistique %s : %d valeurs masquées encore trop précises", annee, len(result.findings))
    return result


def masks(conn: Connection, annee: str) -> dict[dc.Key, str]:
    """Every masked published key of ``annee`` and its mark."""
    return decision(conn, annee).marks


# --- persistence (decisions_secret table) -----------------------------------------------------------


def _fingerprint_text(key: tuple) -> str:
    """What a stored decision was decided on: data fingerprint, threshold, protection width."""
    return f"{key[1]}|{key[2]}|{key[3]:g}"


def _stored(conn: Connection, annee: str, key: tuple) -> Decision | None:
    found = store.read(conn, store.RACCROCHAGE, annee, METHOD, _fingerprint_text(key))
    if found is None:
        return None
    marks, published, rounds = found
    return Decision(annee, marks, [], published, rounds)


def store_decisions(engine: Engine) -> int:
    """Compute and persist the decision of every school year (after an import, a demo fill, or by
    the ``store`` command), raccrochage, prevention and absenteeism; returns the number of years."""
    with engine.connect() as conn:
        years = tq.school_years(conn)
        results = [(annee, METHOD, _fingerprint_text(_memo_key(conn, annee)), decision(conn, annee))
                   for annee in years]
        gpds = [(annee, prevention_suppression.METHOD, prevention_suppression.fingerprint_text(conn, annee),
                 prevention_suppression.decision(conn, annee)) for annee in years]
        absence = [(annee, absenteisme_suppression.METHOD, absenteisme_suppression.fingerprint_text(conn, annee),
                    absenteisme_suppression.decision(conn, annee)) for annee in years]
    with engine.begin() as conn:
        store.write(conn, store.RACCROCHAGE, results)
        store.write(conn, store.PREVENTION, gpds)
        store.write(conn, store.ABSENTEISME, absence)
    return len(results)


def clear_memo() -> None:
    with _LOCK:
        _MEMO.clear()
        _FINGERPRINTS.clear()
