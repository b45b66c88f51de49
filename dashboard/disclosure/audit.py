"""The audit of everything published: can a masked value be recomputed from the rest?

Every published value is a linear sum of unknown flows (``disclosure.cells``); a masked value is
one whose sum is not published. For each masked value, linear programming (HiGHS) finds the
smallest and the largest value it can take while every published value keeps its published value
and every flow is a count (≥ 0). The masked value is **disclosed** when that interval is narrower
than the protection width (3 young people by default, ``DASHBOARD_DISCLOSURE_WIDTH``). A masked
zero pinned at zero is not a disclosure (a zero singles out nobody). The published values that
bind the bounds (non-zero duals) are the path that reveals it.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dashboard.disclosure.cells import Cell, Key, Var

DEFAULT_WIDTH = 3
#: From this many departments on (national scale, ``Locality.wide``), a finding bounded by values
#: lying whole in its department is taken as it stands; an académie (4 departments) is decided
#: exactly as without locality.
WIDE_FROM_GROUPS = 20
#: At national scale, the partner departments a department's masked value is first bounded with.
PARTNERS = 3
ENV_WIDTH = "DASHBOARD_DISCLOSURE_WIDTH"
EPSILON = 1e-6


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


@contextlib.contextmanager
def _quiet():
    """HiGHS prints its banner on stdout when a solver is created: keep the command's output clean."""
    try:
        saved = os.dup(1)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class FamilyModel:
    """One HiGHS model for the published values of one family of unknowns."""

    def __init__(self, published: Sequence[Cell]):
        import highspy

        self.highspy = highspy
        variables = sorted({v for cell in published for v in cell.coefficients})
        self.index = {v: i for i, v in enumerate(variables)}
        self.rows = list(published)
        with _quiet():
            self.solver = highspy.Highs()
        self.solver.setOptionValue("output_flag", False)
        # successive objectives on the same constraints: primal simplex from the previous basis
        self.solver.setOptionValue("presolve", "off")
        self.solver.setOptionValue("simplex_strategy", 4)
        lp = highspy.HighsLp()
        n = max(1, len(variables))
        lp.num_col_, lp.num_row_ = n, len(self.rows)
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, highspy.kHighsInf)
        starts, indices, values = [0], [], []
        for cell in self.rows:
            for var, coefficient in cell.coefficients.items():
                indices.append(self.index[var])
                values.append(coefficient)
            starts.append(len(indices))
        lp.row_lower_ = np.array([c.value + c.offset - c.rounding for c in self.rows], dtype=float)
        lp.row_upper_ = np.array([c.value + c.offset + c.rounding for c in self.rows], dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        self.solver.passModel(lp)
        self.n = n
        self._cost_columns: list[int] = []
        self.unsettled = 0  # bounds the solver could not settle (taken as pinned)
        self.origins: list[Cell] = self.rows

    def _objective(self, cell: Cell) -> bool:
        """Set the objective to ``cell``'s sum; False when one of its unknowns appears nowhere else
        (it is then free: the cell is unbounded above)."""
        columns, costs = [], []
        for var, coefficient in cell.coefficients.items():
            if var not in self.index:
                return False
            columns.append(self.index[var])
            costs.append(coefficient)
        if self._cost_columns:
            self.solver.changeColsCost(len(self._cost_columns), np.array(self._cost_columns, dtype=np.int32),
                                       np.zeros(len(self._cost_columns)))
        self.solver.changeColsCost(len(columns), np.array(columns, dtype=np.int32), np.array(costs, dtype=float))
        self._cost_columns = columns
        return True

    def _solve(self, sense) -> tuple[float, list[int]] | None:
        """(optimum, binding rows), or None when the solver gives no answer it can stand by."""
        highspy = self.highspy
        self.solver.changeObjectiveSense(sense)
        for attempt in range(2):
            if attempt:  # from scratch, without the previous basis
                self.solver.clearSolver()
            self.solver.run()
            status = self.solver.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                return (float("inf") if sense == highspy.ObjSense.kMaximize else float("-inf")), []
            if status == highspy.HighsModelStatus.kOptimal:
                duals = self.solver.getSolution().row_dual
                binding = np.flatnonzero(np.abs(np.asarray(duals)) > EPSILON).tolist()
                return self.solver.getInfo().objective_function_value, binding
        self.unsettled += 1
        return None

    def interval(self, cell: Cell, width: float | None = None) -> tuple[float, float, list[int]]:
        """(low, high, binding rows) of ``cell``'s sum given every published value. With ``width``,
        the lower bound is only sought when the upper one leaves less than ``width`` above the value
        (the low end is then reported as the value: the interval is wide enough either way). When
        the solver cannot settle a bound, the value is taken as pinned: a mask is never trusted on
        an answer that was not given."""
        highspy = self.highspy
        if not self._objective(cell):
            return 0.0, float("inf"), []
        upper = self._solve(highspy.ObjSense.kMaximize)
        if upper is None:
            return cell.value, cell.value, []
        high, binding_high = upper
        if width is not None and high - cell.value >= width - EPSILON:
            return cell.value, high, binding_high
        lower = self._solve(highspy.ObjSense.kMinimize)
        if lower is None:
            return cell.value, cell.value, []
        low, binding_low = lower
        return max(0.0, low), high, sorted(set(binding_low) | set(binding_high))


def _families(cells: Iterable[Cell]) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        out[cell.family].append(cell)
    return out


def published_rows(cells: Sequence[Cell], masked: set) -> list[Cell]:
    """One row per published atom (an atom is published when none of its cells is masked)."""
    seen, rows = set(), []
    for cell in cells:
        if cell.atom in masked or cell.atom in seen:
            continue
        seen.add(cell.atom)
        rows.append(cell)
    return rows


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


class Locality:
    """The unknowns grouped by where they lie (the department of their network), with their true
    values.

    A masked value is first bounded in a system restricted to its own groups, every other unknown
    fixed at its true value. That system's solutions are solutions of the whole one (the true flows
    satisfy both), so an interval at least the protection width there is at least as wide in the
    whole system: a proof of protection at the cost of a small linear programme. At national scale
    (a hundred departments) most masked values are settled so. A value narrower there is bounded in
    its whole family (``audit``)."""

    def __init__(self, cells: Sequence[Cell], truth: Mapping[Var, float], group: Callable[[Var], str]):
        self.truth = truth
        self._groups: dict[int, frozenset] = {}
        self._slices: dict[int, dict[str, dict[Var, float]]] = {}
        self._members: dict[tuple[str, str], list[Cell]] = defaultdict(list)
        self._family_groups: dict[str, set] = defaultdict(set)
        self._family_cells: dict[str, list[Cell]] = defaultdict(list)
        self._whole_models: dict[str, FamilyModel] = {}
        self._atoms: dict | None = None
        #: the last model of each kind and set of groups, with the masks it was built for
        self._models: dict[tuple, tuple[frozenset, FamilyModel]] = {}
        networks: dict[tuple[str, str], set] = defaultdict(set)  # (group, year) → its networks
        for var in truth:
            networks[(group(var), var[0])].add(var[1])
        self._covering: set[int] = set()  # cells covering a whole group: bounded in the whole system
        for cell in cells:
            self._family_cells[cell.family].append(cell)
            slices: dict[str, dict[Var, float]] = defaultdict(dict)
            for var, coefficient in cell.coefficients.items():
                slices[group(var)][var] = coefficient
            self._groups[id(cell)] = frozenset(slices)
            if len(slices) > 1:
                self._slices[id(cell)] = dict(slices)
            for name, part in slices.items():
                self._members[(cell.family, name)].append(cell)
                years = {v[0] for v in part}
                if any({v[1] for v in part if v[0] == y} >= networks[(name, y)] for y in years):
                    self._covering.add(id(cell))
            self._family_groups[cell.family] |= set(slices)
        #: many groups (national scale, ``WIDE_FROM_GROUPS``)
        self.wide = max((len(g) for g in self._family_groups.values()), default=0) >= WIDE_FROM_GROUPS

    def is_local(self, family: str, cell: Cell) -> bool:
        """True when ``cell`` lies in some of its family's groups, not all, and covers none of them
        (a department's own values are protected by its neighbours: bounded in the whole system)."""
        groups = self._groups.get(id(cell))
        return (groups is not None and id(cell) not in self._covering
                and len(groups) < len(self._family_groups[family]))

    def whole(self, family: str, masked: set) -> FamilyModel:
        """The whole family's model without the masked rows, built afresh for each audit (a model
        kept through the rounds with its masked rows freed was seen to trust narrow values at
        national scale)."""
        return FamilyModel(published_rows(self._family_cells[family], masked))

    def groups(self, cell: Cell) -> frozenset:
        return self._groups[id(cell)]

    def _kept(self, kind: str, family: str, groups: frozenset, masked: set) -> tuple[tuple, FamilyModel | None]:
        """The model of ``kind`` last built for ``groups`` when the masks among their values are the
        same (the suppression masks a few values per round: most departments' models are unchanged)."""
        hidden = frozenset(m.atom for name in groups for m in self._members[(family, name)] if m.atom in masked)
        key = (kind, family, groups)
        kept = self._models.get(key)
        return key + (hidden,), (kept[1] if kept is not None and kept[0] == hidden else None)

    def model(self, family: str, groups: frozenset, masked: set) -> FamilyModel:
        """The published values of ``groups`` (not in ``masked``), the other unknowns fixed at their
        true values."""
        key, kept = self._kept("inner", family, groups, masked)
        if kept is not None:
            return kept
        origins, seen = [], set()
        for name in sorted(groups):
            for member in self._members[(family, name)]:
                if member.atom in masked or member.atom in seen:
                    continue
                seen.add(member.atom)
                origins.append(member)
        model = FamilyModel([self._restricted(member, groups) for member in origins])
        model.origins = origins  # the published value each row stands for
        self._models[key[:3]] = (key[3], model)
        return model

    def counterparts(self, family: str, masked: set) -> dict:
        """The masked values of ``family`` lying in one group, by (year, kind, period, column): the
        same figure masked in other departments, largest first (its own ``with_partners``)."""
        out = defaultdict(list)
        seen = set()
        for cell in self._family_cells[family]:
            if cell.atom in masked and cell.atom not in seen and len(self._groups[id(cell)]) == 1:
                seen.add(cell.atom)
                k = cell.key
                out[(k.annee, k.kind, k.periode, k.column)].append((-cell.value, next(iter(self._groups[id(cell)]))))
        return {k: sorted(v) for k, v in out.items()}

    def with_partners(self, cell: Cell, counterparts: dict, limit: int = PARTNERS) -> frozenset | None:
        """``cell``'s groups and up to ``limit`` departments where the same figure is masked too (a
        department's value masked can move only against the same value of another department, the
        académie's figure being published), or None when there is none."""
        groups = self._groups[id(cell)]
        k = cell.key
        extra = []
        for _v, g in counterparts.get((k.annee, k.kind, k.periode, k.column), ()):
            if g not in groups and g not in extra:
                extra.append(g)
                if len(extra) >= limit:
                    break
        return frozenset(groups | set(extra)) if extra else None

    def outer(self, family: str, groups: frozenset, masked: set) -> FamilyModel:
        """A relaxation of the whole family for a value of ``groups``: the published values lying whole
        inside ``groups``, and each published value reaching beyond them whose part outside is made of
        published values (it then says exactly what its part inside sums to). Every row is implied by
        what is published, so an interval narrower than the width here is narrower in the whole system;
        ``sources`` gives the published values each row stands for."""
        key, kept = self._kept("outer", family, groups, masked)
        if kept is not None and all(a not in masked for a in kept.outside):
            return kept
        rows, sources, seen = [], [], set()
        for name in sorted(groups):
            for member in self._members[(family, name)]:
                if member.atom in masked or member.atom in seen:
                    continue
                if self._groups[id(member)] <= groups:
                    seen.add(member.atom)
                    rows.append(member)
                    sources.append((member,))
                    continue
                if not member.count:
                    continue
                outside = self._published_parts(family, member, groups, masked)
                if outside is not None:
                    seen.add(member.atom)
                    rows.append(self._restricted(member, groups))
                    sources.append((member, *outside))
        model = FamilyModel(rows)
        model.sources = sources
        model.outside = [c.atom for row in sources for c in row[1:]]  # published outside: still so to reuse it
        self._models[key[:3]] = (key[3], model)
        return model

    def _published_parts(self, family: str, cell: Cell, groups: frozenset, masked: set):
        """The published values making up ``cell``'s part outside ``groups``, or None."""
        if self._atoms is None:
            self._atoms = {}
            for other in self._family_cells_all():
                self._atoms.setdefault(other.atom, other)
        out = []
        for name, part in self._slices[id(cell)].items():
            if name in groups:
                continue
            atom = (tuple(sorted(part)),)
            other = self._atoms.get(atom)
            if other is None or atom in masked:
                return None
            out.append(other)
        return out

    def _family_cells_all(self):
        for members in self._family_cells.values():
            yield from members

    def _restricted(self, cell: Cell, groups: frozenset) -> Cell:
        slices = self._slices.get(id(cell))
        if slices is None or self._groups[id(cell)] <= groups:
            return cell
        coefficients = {v: w for name in groups & self._groups[id(cell)] for v, w in slices[name].items()}
        value = sum(w * self.truth[v] for v, w in coefficients.items())
        return Cell(cell.key, coefficients, value, cell.rounding, cell.count, cell.atom, cell.offset,
                    cell.family_name)
