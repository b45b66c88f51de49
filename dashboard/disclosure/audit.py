"""The audit of everything published: can a masked value be recomputed from the rest?

Every published value is a linear sum of unknown flows (``disclosure.cells``); a masked value is
one whose sum is not published. For each masked value, linear programming (HiGHS) finds the
smallest and the largest value it can take while every published value keeps its published value
and every flow is a count (≥ 0). The masked value is **disclosed** when that interval is narrower
than the protection width (3 young people by default, ``DASHBOARD_DISCLOSURE_WIDTH``). A masked
zero pinned at zero is not a disclosure (a zero singles out nobody). The published values that
bind the bounds (non-zero duals) are the path that reveals it.

The linear programme is ``disclosure.bounds``; the grouping by department that settles most values
at national scale is ``disclosure.locality``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dashboard.disclosure.bounds import EPSILON, FamilyModel, published_rows
from dashboard.disclosure.cells import Cell, Key
from dashboard.disclosure.locality import Locality

DEFAULT_WIDTH = 3
ENV_WIDTH = "DASHBOARD_DISCLOSURE_WIDTH"


def protection_width() -> float:
    value = os.environ.get(ENV_WIDTH)
    try:
        return float(value) if value and float(value) > 0 else DEFAULT_WIDTH
    except ValueError:
        return DEFAULT_WIDTH


@dataclass(frozen=True)
class Finding:
    """A masked value and the interval everything published leaves it."""

    key: Key
    value: float
    low: float
    high: float
    path: tuple[Key, ...]  # the published values that pin it
    cell: Cell | None = field(default=None, compare=False, repr=False)
    binding: tuple[Cell, ...] = field(default=(), compare=False, repr=False)

    @property
    def width(self) -> float:
        return self.high - self.low

    def describe(self) -> str:
        high = "∞" if self.high == float("inf") else f"{self.high:g}"
        path = " ; ".join(k.label() for k in self.path[:8]) + (" ; …" if len(self.path) > 8 else "")
        return (f"{self.key.label()} = {self.value:g} : entre {self.low:g} et {high} d'après {len(self.path)} "
                f"valeurs publiées ({path})")


def _families(cells: Iterable[Cell]) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        out[cell.family].append(cell)
    return out


def audit(cells: Sequence[Cell], masked: set, width: float | None = None,
          check: set | None = None, locality: Locality | None = None) -> list[Finding]:
    """The masked atoms (``check``: only these) narrowed below ``width`` by what is published.

    With ``locality``, each masked value is first bounded in its own groups (``Locality``): wide
    enough there, it is wide enough everywhere (only the width carries over: a zero pinned at zero
    there may be left a narrow interval above zero by the whole system, so it is bounded there).
    Narrower there, it is bounded in its whole family —
    except at national scale when the published values that bound it all lie whole inside its
    groups (none cut by the fixing of the other departments): those values bound it just as much in
    the whole system, so the finding is exact as it stands. At national scale a value left undecided
    there is then settled near its departments when it can be (``_settled_nearby``: a relaxation
    that finds it narrow, or a few partner departments that leave it wide), and only else in its
    whole family."""
    width = protection_width() if width is None else width
    findings = []
    for family, members in _families(cells).items():
        to_check, seen = [], set()
        for cell in members:
            if cell.atom in masked and cell.atom not in seen and (check is None or cell.atom in check):
                seen.add(cell.atom)
                to_check.append(cell)
        if not to_check:
            continue
        whole: FamilyModel | None = None
        local: dict[frozenset, FamilyModel] = {}  # one model per set of groups
        counterparts = None
        for cell in to_check:
            if locality is not None and locality.is_local(family, cell):
                groups = locality.groups(cell)
                if groups not in local:
                    local[groups] = locality.model(family, groups, masked)
                model = local[groups]
                low, high, binding = model.interval(cell, width)
                if high - low >= width - EPSILON:  # wide there, so at least as wide in the whole system
                    continue
                # A zero pinned at zero there proves nothing: the whole system (the other
                # departments free) can leave it a narrow interval above zero, which is a disclosure.
                if locality.wide and all(model.origins[i] is model.rows[i] for i in binding):
                    # bound by whole published values only: the interval is the whole system's
                    if not _protected(cell, low, high, width):
                        rows = tuple(model.rows[i] for i in binding)
                        findings.append(Finding(cell.key, cell.value, low, high, tuple(r.key for r in rows), cell,
                                                rows))
                    continue
            if locality is not None and locality.wide:
                settled = _settled_nearby(family, cell, masked, width, locality, local, counterparts)
                counterparts = settled.counterparts
                if settled.finding is not None:
                    findings.append(settled.finding)
                    continue
                if settled.protected:
                    continue
            if whole is None:
                whole = locality.whole(family, masked) if locality is not None else FamilyModel(
                    published_rows(members, masked))
            low, high, binding = whole.interval(cell, width)
            if not _protected(cell, low, high, width):
                rows = tuple(whole.rows[i] for i in binding)
                findings.append(Finding(cell.key, cell.value, low, high, tuple(r.key for r in rows), cell, rows))
    return findings


@dataclass
class _Nearby:
    finding: Finding | None = None
    protected: bool = False
    counterparts: dict | None = None


def _settled_nearby(family: str, cell: Cell, masked: set, width: float, locality: Locality, local: dict,
                    counterparts: dict | None) -> _Nearby:
    """At national scale, before the whole family's model (thousands of rows, slow to solve): a value
    narrower than the width in a relaxation of the whole system made of its own departments'
    published values (``Locality.outer``) is narrower in the whole system (a finding, exact); a value
    wide enough in its departments and a few partner departments, every other unknown fixed at its
    true value (``Locality.with_partners``), is wide enough in the whole system (protected, a proof).
    Otherwise the whole family decides."""
    groups = locality.groups(cell)
    if cell.value > EPSILON:  # a masked zero may be a zero pinned at zero in the whole system: asked there
        if ("outer", groups) not in local:
            local[("outer", groups)] = locality.outer(family, groups, masked)
        model = local[("outer", groups)]
        low, high, binding = model.interval(cell, width)
        if not _protected(cell, low, high, width):
            rows = tuple({id(c): c for i in binding for c in model.sources[i]}.values())
            return _Nearby(Finding(cell.key, cell.value, low, high, tuple(r.key for r in rows), cell, rows),
                           counterparts=counterparts)
    if counterparts is None:
        counterparts = locality.counterparts(family, masked)
    wider = locality.with_partners(cell, counterparts)
    if wider is not None:
        if wider not in local:
            local[wider] = locality.model(family, wider, masked)
        low, high, _binding = local[wider].interval(cell, width)
        if high - low >= width - EPSILON:
            return _Nearby(protected=True, counterparts=counterparts)
    return _Nearby(counterparts=counterparts)


def _protected(cell: Cell, low: float, high: float, width: float) -> bool:
    """Wide enough, or a zero known to be zero (a zero singles out nobody)."""
    return (cell.value <= EPSILON and high <= EPSILON) or high - low >= width - EPSILON
