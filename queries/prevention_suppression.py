"""The statistical-secrecy decision of a school year for the GPDS chain (with its
audit), read by the Prévention page, the figures export, the map, the comparison and the deck.

What the dashboard publishes about the chain, for every territory of every level (académie,
departments, PSAD, networks) and each count of pupils (repérés, suivis, solutions internes,
signalés à la plateforme): the year's total (a territory's own row, and its row in its parent's
table) and the count of each GPDS month (the monthly chart and table). Each is a sum of unknown
flows (network × month), read as ``dashboard.disclosure.cells.Cell``; the sums readers see are a
territory = the sum of the territories below it, and a year = the sum of its months.
``dashboard.disclosure.suppression.decide`` masks every count from 1 to the threshold − 1, then
complementary cells until the audit (linear programming over everything above) narrows no masked
count below the protection width. One decision per school year, stored with the fingerprint of its
inputs (``data_fingerprint``): an import that changes none of them keeps it. No Streamlit.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence

import polars as pl
from sqlalchemy import Connection, select

from dashboard.disclosure import audit as disclosure_audit
from dashboard.disclosure import cells as dc
from dashboard.disclosure import rule
from dashboard.disclosure.locality import Locality
from dashboard.disclosure.suppression import Decision, decide, relations
from dashboard.store import db
from queries import secret_store as store
from queries.prevention_schools import PUPIL_COUNTS, gpds_months, schools
from queries.territoires import territory_index

_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {key: Decision}
_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {(version, annee): digest}
_LOCK = threading.Lock()


def flows(conn: Connection, annee: str) -> dict[tuple[str, str], dict[str, int]]:
    """{(network, month): {count of pupils: value}} over the GPDS months of ``annee`` (0 where a
    network's schools reported nothing that month)."""
    index = territory_index(conn, annee)
    reseaux = tuple(r for t in index.values() for r in t.reseaux)
    months = gpds_months(conn, annee)
    school_network = schools(conn, annee, reseaux).select("uai", "reseau")
    p = db.prevention
    rows = conn.execute(select(p.c.uai, p.c.mois, *[p.c[c] for c in PUPIL_COUNTS])
                        .where(p.c.annee_scolaire == annee)).all()
    activity = pl.DataFrame(rows, orient="row", schema={"uai": pl.String, "mois": pl.String,
                                                        **{c: pl.Int64 for c in PUPIL_COUNTS}})
    sums = activity.join(school_network, on="uai").group_by("reseau", "mois").agg(
        *[pl.sum(c) for c in PUPIL_COUNTS])
    out = {(r, m): dict.fromkeys(PUPIL_COUNTS, 0) for r in sorted(set(reseaux)) for m in months}
    for row in sums.iter_rows(named=True):
        if (row["reseau"], row["mois"]) in out:
            out[(row["reseau"], row["mois"])] = {c: int(row[c] or 0) for c in PUPIL_COUNTS}
    return out


def year_cells(annee: str, territories: Mapping[str, tuple[str, tuple[str, ...], str | None]],
               flow: Mapping[tuple[str, str], Mapping[str, int]]) -> list[dc.Cell]:
    """Every published count of the chain in ``annee``: each territory's total and months."""
    months = sorted({m for (_r, m) in flow})
    out: list[dc.Cell] = []
    for code, (_niveau, reseaux, _parent) in territories.items():
        present = [r for r in reseaux if any((r, m) in flow for m in months)]
        if not present:
            continue
        for column in PUPIL_COUNTS:
            total = {(annee, r, m, column): 1.0 for r in present for m in months}
            out.append(dc.Cell(dc.Key(annee, code, dc.TOTAL, "", column), total,
                               float(sum(flow[(r, m)][column] for r in present for m in months))))
            for m in months:
                month = {(annee, r, m, column): 1.0 for r in present}
                out.append(dc.Cell(dc.Key(annee, code, dc.PERIOD, m, column), month,
                                   float(sum(flow[(r, m)][column] for r in present))))
    return dc.with_atoms(out)


def chain_relations(cells: Sequence[dc.Cell], territories: Mapping, annee: str) -> list[tuple[dc.Cell, list[dc.Cell]]]:
    """The sums readers see: a territory is the sum of those below it (every kind), and a year's
    total the sum of its months."""
    out = relations(cells, territories, annee)
    months: dict[tuple[str, str], list[dc.Cell]] = {}
    totals: dict[tuple[str, str], dc.Cell] = {}
    for cell in cells:
        k = cell.key
        if k.annee != annee:
            continue
        if k.kind == dc.PERIOD:
            months.setdefault((k.code, k.column), []).append(cell)
        elif k.kind == dc.TOTAL:
            totals[(k.code, k.column)] = cell
    out += [(whole, months[key]) for key, whole in totals.items() if months.get(key)]
    return out


#: Raised when the way the chain's masks are chosen changes (stored decisions are then chosen again;
#: 2: a zero pinned at zero in its department is bounded in the whole system).
METHOD = 2


def data_fingerprint(conn: Connection, annee: str) -> str:
    """The fingerprint of what the decision of ``annee`` is decided on — exactly the inputs of ``_decide``,
    in their order: the year's territories (level, networks, parent) and its flows (network × GPDS month ×
    count of pupils). An import that changes none of them (a bilan, absenteeism, another year's activity)
    keeps the stored decision instead of deciding it again. Memoised per database and data version."""
    return store.memoised_fingerprint(_FINGERPRINTS, _LOCK, conn, annee, _data_fingerprint)


def _data_fingerprint(conn: Connection, annee: str) -> str:
    territories = [(t.code, t.niveau, tuple(t.reseaux), t.parent_code) for t in territory_index(conn, annee).values()]
    return store.digest(territories, flows(conn, annee))


def fingerprint_text(conn: Connection, annee: str) -> str:
    """What a stored decision was decided on: its inputs' fingerprint, the threshold, the protection width."""
    return f"{data_fingerprint(conn, annee)}|{rule.threshold()}|{disclosure_audit.protection_width():g}"


def decision(conn: Connection, annee: str) -> Decision:
    """The masks of the chain in ``annee``: stored (``decisions_secret``), else decided and cached
    per database, data version, threshold and width."""
    key = (db.get_meta(conn, "version") or "0", annee, rule.threshold(), disclosure_audit.protection_width())
    return store.stored_or_decided(conn, store.PREVENTION, annee, METHOD, fingerprint_text(conn, annee), _MEMO, _LOCK,
                                   key, _decide)


def _decide(conn: Connection, annee: str) -> Decision:
    index = territory_index(conn, annee)
    territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
    flow = flows(conn, annee)
    cells = year_cells(annee, territories, flow)
    data = {annee: dc.YearData(annee, flow, territories)}
    locality = Locality(cells, dc.truth(data), dc.department_grouping(data))
    return decide(cells, annee, territories, {}, relate=chain_relations, locality=locality)


def total_marks(conn: Connection, annee: str) -> dict[tuple[str, str], str]:
    """(territory code, count) → mark of the masked yearly counts."""
    return {(k.code, k.column): m for k, m in decision(conn, annee).marks.items() if k.kind == dc.TOTAL}


def month_marks(conn: Connection, annee: str) -> dict[tuple[str, str, str], str]:
    """(territory code, month, count) → mark of the masked monthly counts."""
    return {(k.code, k.periode, k.column): m for k, m in decision(conn, annee).marks.items() if k.kind == dc.PERIOD}


def clear_memo() -> None:
    with _LOCK:
        _MEMO.clear()
        _FINGERPRINTS.clear()
