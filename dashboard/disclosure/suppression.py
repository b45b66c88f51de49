"""The suppression pass: which published values to mask, for one school year, so that the audit
(``disclosure.audit``) finds nothing.

1. **Primary**: every count of young people from 1 to the threshold − 1 (default 5), at every level
   (académie, departments, PSAD, networks) and every period.
2. **Complementary, by the sums readers see**: a territory is the sum of the territories below
   it, raccrochés the sum of the six types, a total the sum of its periods, a cumul the previous
   cumul plus the period: in none of these sums may exactly one term be masked — the smallest
   other term is masked too.
3. **Complementary, by the audit**: while linear programming narrows a masked value below the
   protection width, the smallest published value among those that pin it is masked too.

The previous school year's masks are fixed (it is published already): its values take part in the
audit (the « même date l'an dernier » values tie both years), never in the choice. The result is
deterministic (ties broken by the key). Primary masks are marked « < 5 », complementary ones « s ».
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard.disclosure.audit import Finding, audit, protection_width
from dashboard.disclosure.cells import (
    CUMUL,
    N1,
    PERIOD,
    RACCROCHES,
    SOLUTIONS,
    TOTAL,
    Cell,
    Key,
    period_columns,
)
from dashboard.disclosure.marks import PRIMARY, SECONDARY
from dashboard.disclosure.rule import threshold

MAX_ROUNDS = 60


@dataclass
class Decision:
    """The masks of one school year: every masked published key and its mark."""

    annee: str
    marks: dict[Key, str]
    findings: list[Finding]  # what the audit still finds (empty when the decision holds)
    published: int  # number of published values (atoms) of the year
    rounds: int

    def mark(self, key: Key) -> str | None:
        return self.marks.get(key)


def relations(cells: Sequence[Cell], territories: Mapping[str, tuple[str, tuple[str, ...], str | None]],
              annee: str) -> list[tuple[Cell, list[Cell]]]:
    """The sums readers see among the values of ``annee``: (whole, parts)."""
    by_key = {c.key: c for c in cells if c.key.annee == annee}
    children: dict[str, list[str]] = defaultdict(list)
    for code, (_niveau, _reseaux, parent) in territories.items():
        if parent is not None:
            children[parent].append(code)
    out = []
    for key, whole in by_key.items():
        kids = [by_key.get(Key(annee, child, key.kind, key.periode, key.column)) for child in children[key.code]]
        kids = [k for k in kids if k is not None]
        if kids and key.kind != "projection":
            out.append((whole, kids))
        if key.column == RACCROCHES and key.kind in (TOTAL, PERIOD, N1):
            types = [by_key.get(Key(annee, key.code, key.kind, key.periode, c)) for c in SOLUTIONS]
            out.append((whole, [t for t in types if t is not None]))
        if key.kind == TOTAL and key.column in period_columns(territories[key.code][0]):
            periods = [c for k, c in by_key.items() if k.code == key.code and k.kind == PERIOD and k.column == key.column]
            if periods:
                out.append((whole, periods))
        if key.kind == CUMUL:
            earlier = sorted(k.periode for k in by_key if k.code == key.code and k.kind == CUMUL and k.periode < key.periode)
            flow = by_key.get(Key(annee, key.code, PERIOD, key.periode, RACCROCHES))
            if flow is not None:
                parts = [flow] + ([by_key[Key(annee, key.code, CUMUL, earlier[-1], RACCROCHES)]] if earlier else [])
                out.append((whole, parts))
    return out


def _order(cell: Cell) -> tuple:
    return (cell.value, cell.key.kind == "projection", cell.key.code, cell.key.kind, cell.key.periode, cell.key.column)


def decide(cells: Sequence[Cell], annee: str, territories: Mapping, fixed: Mapping[tuple, str],
           limit: int | None = None, width: float | None = None, relate=relations) -> Decision:
    """The masks of ``annee`` (``cells``: its published values and the previous year's, whose
    atoms masked by its own decision are ``fixed``; ``relate``: the sums readers see among them,
    ``relations`` for raccrochage)."""
    limit = limit or threshold()
    width = protection_width() if width is None else width
    atoms: dict[tuple, list[Cell]] = defaultdict(list)
    for cell in cells:
        atoms[cell.atom].append(cell)
    previous_published = {c.atom for c in cells if c.key.annee != annee and c.atom not in fixed}
    # « même date l'an dernier » values that the previous year's publications already determine:
    # published in effect, never worth masking (and impossible to protect)
    previous_published |= _determined_by(cells, [c for c in cells if c.key.kind == N1],
                                         lambda c: c.key.annee != annee and c.atom not in fixed)

    def decidable(cell: Cell) -> bool:
        return cell.key.annee == annee and cell.atom not in previous_published and cell.value > 0

    masked: dict[tuple, str] = dict(fixed)
    for cell in cells:
        if cell.count and decidable(cell) and 0 < cell.value < limit:
            masked.setdefault(cell.atom, PRIMARY)
    # sums readers see: never exactly one masked term
    sums = relate(cells, territories, annee)
    changed = True
    while changed:
        changed = False
        for whole, parts in sums:
            members = [whole, *parts]
            hidden = [m for m in members if m.atom in masked and m.value > 0]
            if len(hidden) != 1:
                continue
            candidates = sorted((m for m in parts if m.atom not in masked and decidable(m)), key=_order)
            if not candidates and whole.atom not in masked and decidable(whole):
                candidates = [whole]
            if candidates:
                masked[candidates[0].atom] = SECONDARY
                changed = True
    # the audit: every masked value of the year keeps an interval at least ``width`` wide
    check = set(masked)
    rounds, findings, unresolved = 0, [], []
    while check and rounds < MAX_ROUNDS:
        rounds += 1
        findings = audit(cells, set(masked), width, check)
        if not findings:
            break
        check = set()
        for finding in findings:
            pick = _complement(finding, masked, decidable, cells)
            if pick is None:  # nothing left to mask around it: reported by the audit
                unresolved.append(finding)
                continue
            masked[pick.atom] = SECONDARY
            check |= {finding.cell.atom, pick.atom}
    findings = audit(cells, set(masked), width, {f.cell.atom for f in unresolved}) if unresolved else findings
    marks = {c.key: masked[c.atom] for c in cells if c.atom in masked and c.key.annee == annee}
    marks.update({c.key: masked[c.atom] for c in cells if c.atom in masked and c.key.kind == N1})
    published = len({c.atom for c in cells if c.key.annee == annee and c.atom not in masked})
    return Decision(annee, marks, findings, published, rounds)


def _determined_by(cells: Sequence[Cell], targets: Sequence[Cell], published) -> set:
    """Atoms of ``targets`` pinned to one value by the cells for which ``published`` holds."""
    from dashboard.disclosure.audit import EPSILON, FamilyModel

    out = set()
    by_family: dict[str, list[Cell]] = defaultdict(list)
    for cell in targets:
        by_family[cell.family].append(cell)
    for family, members in by_family.items():
        rows = [c for c in cells if c.family == family and published(c)]
        if not rows:
            continue
        model = FamilyModel(rows)
        for cell in members:
            low, high, _ = model.interval(cell)
            if high - low < EPSILON:
                out.add(cell.atom)
    return out


def _complement(finding: Finding, masked: dict, decidable, cells: Sequence[Cell]) -> Cell | None:
    """The value to mask for ``finding``: the smallest published value that pins it, else the
    smallest published value sharing an unknown with it."""
    candidates = sorted((c for c in finding.binding if c.atom not in masked and decidable(c)), key=_order)
    if candidates:
        return candidates[0]
    unknowns = set(finding.cell.coefficients)
    near = [c for c in cells if c.atom not in masked and decidable(c) and c.family == finding.cell.family
            and unknowns & set(c.coefficients)]
    return min(near, key=_order) if near else None
