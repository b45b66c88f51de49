"""Statistical secrecy: the suppression pass and the audit of one school year (s), the masks read
by a page from the stored decision (ms). At national scale, the latest (open) year's decision and
audit of raccrochage (with the previous year's files and its « même date » series), of the GPDS
chain and of absenteeism (printed, however long: the académie target is ≤ 10 s per year; the
national base's raccrochage decisions are computed once when ``bench.run`` generates it)."""

from __future__ import annotations

import time

from dashboard.disclosure import audit
from dashboard.disclosure.locality import Locality


class Clock:
    """Wall-clock and CPU seconds of a step: on a shared machine the CPU time is the steadier figure."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def rows(self, label: str) -> list[tuple[str, float, str]]:
        return [(label, self.wall, "s"), (f"{label} (CPU)", self.cpu, "s")]


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
            with Clock() as system:
                cells, year, fixed, locality = secrecy.system_with_locality(conn, annee)
            with Clock() as deciding:
                decision = secrecy._decide(conn, annee)
            masked = set(fixed) | {c.atom for c in cells if c.key in decision.marks}
            with Clock() as auditing:
                findings = audit.audit(cells, masked, locality=locality)
            name = f"{annee}{' (ouverte)' if annee == years[-1] else ''}"
            rows += [(f"{name} : valeurs publiées", float(decision.published), "valeurs"),
                     (f"{name} : masquées", float(len(decision.marks)), "valeurs"),
                     *system.rows(f"{name} : construction du système"),
                     *deciding.rows(f"{name} : décision (suppression + audit)"),
                     *auditing.rows(f"{name} : audit complet"),
                     (f"{name} : valeurs recalculables", float(len(findings)), "valeurs")]
        rows += _other_subjects(conn, years[-1])
        if scale == "academie":
            secrecy.store_decisions(engine)
        secrecy.clear_memo()
        started = time.perf_counter()
        secrecy.masks(conn, years[-1])
        rows.append(("masques lus par une page (décision enregistrée)", (time.perf_counter() - started) * 1000, "ms"))
    return rows


def _other_subjects(conn, annee: str) -> list[tuple[str, float, str]]:
    """The GPDS chain's and absenteeism's decision and audit of ``annee`` (decided afresh)."""
    from dashboard.disclosure import cells as dc
    from dashboard.disclosure import rule
    from queries import absenteisme_suppression as absence
    from queries import prevention_suppression as prevention
    from queries import territoires as tq

    rows = []
    with Clock() as deciding:
        chain = prevention._decide(conn, annee)
    index = tq.territory_index(conn, annee)
    territories = {t.code: (t.niveau, tuple(t.reseaux), t.parent_code) for t in index.values()}
    flow = prevention.flows(conn, annee)
    cells = prevention.year_cells(annee, territories, flow)
    data = {annee: dc.YearData(annee, flow, territories)}
    locality = Locality(cells, dc.truth(data), dc.department_grouping(data))
    masked = {c.atom for c in cells if c.key in chain.marks}
    with Clock() as auditing:
        findings = audit.audit(cells, masked, locality=locality)
    rows += [(f"{annee} prévention : masquées", float(len(chain.marks)), "valeurs"),
             *deciding.rows(f"{annee} prévention : choix des masques"),
             *auditing.rows(f"{annee} prévention : audit complet"),
             (f"{annee} prévention : valeurs recalculables", float(len(findings)), "valeurs")]
    with Clock() as deciding:
        rates = absence._decide(conn, annee)
    cells, _territories, _primary, locality = absence.system(conn, annee)
    masked = {c.atom for c in cells if c.key in rates.marks}
    with Clock() as auditing:
        findings = audit.audit(cells, masked, float(rule.threshold()), locality=locality)
    rows += [(f"{annee} absentéisme : publiées", float(len({c.atom for c in cells}) - len(masked)), "valeurs"),
             (f"{annee} absentéisme : masquées", float(len(masked)), "valeurs"),
             *deciding.rows(f"{annee} absentéisme : choix des masques"),
             *auditing.rows(f"{annee} absentéisme : audit complet"),
             (f"{annee} absentéisme : valeurs recalculables", float(len(findings)), "valeurs")]
    return rows
