"""The interval a set of published values leaves a masked value: one HiGHS linear programme per
family of unknowns (``FamilyModel``), every flow a count (≥ 0), every published value kept within
its rounding; its bounds and the published values that bind them (non-zero duals). Used by the
audit (``disclosure.audit``) and the suppression (``disclosure.suppression``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

import numpy as np

from dashboard.disclosure.cells import Cell

EPSILON = 1e-6


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
        import highspy  # heavy (the HiGHS solver): loaded when the first model is built

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


def published_rows(cells: Sequence[Cell], masked: set) -> list[Cell]:
    """One row per published atom (an atom is published when none of its cells is masked)."""
    seen, rows = set(), []
    for cell in cells:
        if cell.atom in masked or cell.atom in seen:
            continue
        seen.add(cell.atom)
        rows.append(cell)
    return rows
