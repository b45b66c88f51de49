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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dashboard.disclosure.cells import Cell, Key

DEFAULT_WIDTH = 3
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
        lp.row_lower_ = np.array([c.value - c.rounding for c in self.rows], dtype=float)
        lp.row_upper_ = np.array([c.value + c.rounding for c in self.rows], dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(values, dtype=float)
        self.solver.passModel(lp)
        self.n = n
        self._cost_columns: list[int] = []

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

    def _solve(self, sense) -> tuple[float, list[int]]:
        highspy = self.highspy
        self.solver.changeObjectiveSense(sense)
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == highspy.HighsModelStatus.kUnbounded:
            return (float("inf") if sense == highspy.ObjSense.kMaximize else float("-inf")), []
        if status != highspy.HighsModelStatus.kOptimal:  # infeasible cannot happen: the true flows satisfy it
            return (float("inf") if sense == highspy.ObjSense.kMaximize else 0.0), []
        duals = self.solver.getSolution().row_dual
        binding = [i for i, d in enumerate(duals) if abs(d) > EPSILON]
        return self.solver.getInfo().objective_function_value, binding

    def interval(self, cell: Cell, width: float | None = None) -> tuple[float, float, list[int]]:
        """(low, high, binding rows) of ``cell``'s sum given every published value. With ``width``,
        the lower bound is only sought when the upper one leaves less than ``width`` above the value
        (the low end is then reported as the value: the interval is wide enough either way)."""
        highspy = self.highspy
        if not self._objective(cell):
            return 0.0, float("inf"), []
        high, binding_high = self._solve(highspy.ObjSense.kMaximize)
        if width is not None and high - cell.value >= width - EPSILON:
            return cell.value, high, binding_high
        low, binding_low = self._solve(highspy.ObjSense.kMinimize)
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
          check: set | None = None) -> list[Finding]:
    """The masked atoms (``check``: only these) narrowed below ``width`` by what is published."""
    width = protection_width() if width is None else width
    findings = []
    for _family, members in _families(cells).items():
        to_check, seen = [], set()
        for cell in members:
            if cell.atom in masked and cell.atom not in seen and (check is None or cell.atom in check):
                seen.add(cell.atom)
                to_check.append(cell)
        if not to_check:
            continue
        model = FamilyModel(published_rows(members, masked))
        for cell in to_check:
            low, high, binding = model.interval(cell, width)
            if cell.value <= EPSILON and high <= EPSILON:
                continue  # a zero known to be zero singles out nobody
            if high - low < width - EPSILON:
                rows = tuple(model.rows[i] for i in binding)
                findings.append(Finding(cell.key, cell.value, low, high, tuple(r.key for r in rows), cell, rows))
    return findings
