"""Statistical secrecy: the suppression pass and the audit of one school year (s), the masks read
by a page from the stored decision (ms). At national scale, the latest year's decision and audit
(printed, however long: the académie target is ≤ 10 s per year; the national base's decisions are
computed once when ``bench.run`` generates it)."""

from __future__ import annotations

import time

from dashboard.disclosure import audit


def run(engine, scale: str) -> list[tuple[str, float, str]]:
    from queries import raccrochage_suppression as secrecy
    from queries import territoires as tq

    rows = []
    with engine.connect() as conn:
        years = tq.school_years(conn)
        chosen = years[-2:] if scale == "academie" else years[-1:]
        for annee in years:  # previous years' decisions first (each year's depends on the one before)
            if annee not in chosen:
                secrecy.decision(conn, annee)
        for annee in chosen:
            secrecy.clear_memo()
            started = time.perf_counter()
            cells, year, fixed, locality = secrecy.system_with_locality(conn, annee)
            system_s = time.perf_counter() - started
            started = time.perf_counter()
            decision = secrecy._decide(conn, annee)
            decide_s = time.perf_counter() - started
            masked = set(fixed) | {c.atom for c in cells if c.key in decision.marks}
            started = time.perf_counter()
            findings = audit.audit(cells, masked, locality=locality)
            audit_s = time.perf_counter() - started
            rows += [(f"{annee} : valeurs publiées / masquées", float(decision.published), "valeurs"),
                     (f"{annee} : masquées", float(len(decision.marks)), "valeurs"),
                     (f"{annee} : construction du système", system_s, "s"),
                     (f"{annee} : choix des masques (suppression + audit)", decide_s, "s"),
                     (f"{annee} : audit complet", audit_s, "s"),
                     (f"{annee} : valeurs recalculables", float(len(findings)), "valeurs")]
        if scale == "academie":
            secrecy.store_decisions(engine)
        secrecy.clear_memo()
        started = time.perf_counter()
        secrecy.masks(conn, years[-1])
        rows.append(("masques lus par une page (décision enregistrée)", (time.perf_counter() - started) * 1000, "ms"))
    return rows
