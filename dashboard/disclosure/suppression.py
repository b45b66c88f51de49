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
from dashboard.disclosure.bounds import EPSILON, FamilyModel
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
from dashboard.disclosure.locality import Locality
from dashboard.disclosure.marks import PRIMARY, SECONDARY
from dashboard.disclosure.rule import threshold

#: A safety net only: every round masks at least one more value or stops (a national year needs ~60).
MAX_ROUNDS = 400


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
    periods_of: dict[tuple[str, str], list[Cell]] = defaultdict(list)  # (code, column) → its period values
    cumuls_of: dict[str, list[str]] = defaultdict(list)  # code → the periods of its cumulative values
    for key, cell in by_key.items():
        if key.kind == PERIOD:
            periods_of[(key.code, key.column)].append(cell)
        elif key.kind == CUMUL:
            cumuls_of[key.code].append(key.periode)
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
            periods = periods_of.get((key.code, key.column))
            if periods:
                out.append((whole, periods))
        if key.kind == CUMUL:
            earlier = sorted(p for p in cumuls_of[key.code] if p < key.periode)
            flow = by_key.get(Key(annee, key.code, PERIOD, key.periode, RACCROCHES))
            if flow is not None:
                parts = [flow] + ([by_key[Key(annee, key.code, CUMUL, earlier[-1], RACCROCHES)]] if earlier else [])
                out.append((whole, parts))
    return out


def _order(cell: Cell) -> tuple:
    return (cell.value, cell.key.kind == "projection", cell.key.code, cell.key.kind, cell.key.periode, cell.key.column)


def decide(cells: Sequence[Cell], annee: str, territories: Mapping, fixed: Mapping[tuple, str],
           limit: int | None = None, width: float | None = None, relate=relations,
           locality: Locality | None = None, primary: Mapping[tuple, str] | None = None) -> Decision:
    """The masks of ``annee`` (``cells``: its published values and the previous year's, whose
    atoms masked by its own decision are ``fixed``; ``relate``: the sums readers see among them,
    ``relations`` for raccrochage; ``locality``: where the unknowns lie, to bound a masked value in
    its own department first — the decision is the same, found faster; ``primary``: the atoms to
    mask first when the subject's rule is not « a count from 1 to the threshold − 1 »)."""
    limit = limit or threshold()
    width = protection_width() if width is None else width
    previous_published = {c.atom for c in cells if c.key.annee != annee and c.atom not in fixed}
    # « même date l'an dernier » values that the previous year's publications already determine:
    # published in effect, never worth masking (and impossible to protect); settled when first asked
    pinned = _Pinned(cells, lambda c: c.key.annee != annee and c.atom not in fixed, locality)

    def decidable(cell: Cell) -> bool:
        if cell.key.annee != annee or cell.value <= 0 or cell.atom in previous_published:
            return False
        return cell.key.kind != N1 or not pinned(cell)

    masked: dict[tuple, str] = dict(fixed)
    for cell in cells:
        small = cell.atom in primary if primary is not None else cell.count and 0 < cell.value < limit
        if small and decidable(cell):
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
    neighbours = _Neighbours(cells)
    while check and rounds < MAX_ROUNDS:
        rounds += 1
        findings = audit(cells, set(masked), width, check, locality)
        if not findings:
            break
        check = set()
        for finding in findings:
            pick = _complement(finding, masked, decidable, neighbours)
            if pick is None:  # nothing left to mask around it: reported by the audit
                unresolved.append(finding)
                continue
            masked[pick.atom] = SECONDARY
            check |= {finding.cell.atom, pick.atom}
    if check and rounds >= MAX_ROUNDS:  # stopped with values not yet checked: what they leave is reported
        unresolved += audit(cells, set(masked), width, check, locality)
    if unresolved:
        findings = audit(cells, set(masked), width, {f.cell.atom for f in unresolved}, locality)
    marks = {c.key: masked[c.atom] for c in cells if c.atom in masked and c.key.annee == annee}
    marks.update({c.key: masked[c.atom] for c in cells if c.atom in masked and c.key.kind == N1})
    published = len({c.atom for c in cells if c.key.annee == annee and c.atom not in masked})
    return Decision(annee, marks, findings, published, rounds)


class _Pinned:
    """Whether a value is pinned to one value by the cells for which ``published`` holds (one model
    per family, built when first needed; with a ``Locality``, a value left free in its own
    department is free in the whole system, and only the others need the whole family)."""

    def __init__(self, cells: Sequence[Cell], published, locality: Locality | None):
        self.cells = cells
        self.published = published
        self.locality = locality
        self.models: dict[str, FamilyModel | None] = {}
        self.local: dict[tuple, FamilyModel] = {}
        self.known: dict[tuple, bool] = {}
        self._hidden: set | None = None

    def __call__(self, cell: Cell) -> bool:
        if cell.atom not in self.known:
            self.known[cell.atom] = self._pinned(cell)
        return self.known[cell.atom]

    def _pinned(self, cell: Cell) -> bool:
        family = cell.family
        if self.locality is not None and self.locality.is_local(family, cell):
            if self._hidden is None:  # every atom the previous year does not publish
                shown = {c.atom for c in self.cells if self.published(c)}
                self._hidden = {c.atom for c in self.cells} - shown
            groups = self.locality.groups(cell)
            if (family, groups) not in self.local:
                self.local[(family, groups)] = self.locality.model(family, groups, self._hidden)
            low, high, _ = self.local[(family, groups)].interval(cell, 2 * EPSILON)
            if high - low >= EPSILON:
                return False
        if family not in self.models:
            rows = [c for c in self.cells if c.family == family and self.published(c)]
            self.models[family] = FamilyModel(rows) if rows else None
        model = self.models[family]
        if model is None:
            return False
        unsettled = model.unsettled
        low, high, _ = model.interval(cell, 2 * EPSILON)
        # a bound the solver could not settle proves nothing: the value stays one to decide
        return model.unsettled == unsettled and high - low < EPSILON


class _Neighbours:
    """The published values sharing an unknown with a given one (indexed when first needed)."""

    def __init__(self, cells: Sequence[Cell]):
        self.cells = cells
        self.by_unknown: dict | None = None

    def of(self, cell: Cell) -> list[Cell]:
        if self.by_unknown is None:
            self.by_unknown = defaultdict(list)
            for other in self.cells:
                for unknown in other.coefficients:
                    self.by_unknown[unknown].append(other)
        seen, out = set(), []
        for unknown in cell.coefficients:
            for other in self.by_unknown.get(unknown, ()):
                if id(other) not in seen:
                    seen.add(id(other))
                    out.append(other)
        return out


def _complement(finding: Finding, masked: dict, decidable, neighbours: _Neighbours) -> Cell | None:
    """The value to mask for ``finding``: the smallest published value that pins it, else the
    smallest published value sharing an unknown with it."""
    candidates = sorted((c for c in finding.binding if c.atom not in masked and decidable(c)), key=_order)
    if candidates:
        return candidates[0]
    near = [c for c in neighbours.of(finding.cell) if c.atom not in masked and decidable(c)]
    return min(near, key=_order) if near else None
