"""A driver LP kept inside HiGHS between solves, for fast what-ifs.

The columns (one per stretch-cost piece of each lever) never change; each solve
swaps in the rows from :mod:`planner.drivers.linear` and the objective, and HiGHS
warm-starts from the previous basis. Used by :mod:`planner.drivers.sweep`; single
runs use :class:`planner.drivers.model.PulpBackend`.
"""

from __future__ import annotations

import highspy
import numpy as np

from planner.drivers.linear import Row
from planner.drivers.tree import DriverTree
from planner.errors import ModelError


class HighsBackend:
    """Implements :class:`planner.drivers.model.Backend` on one persistent HiGHS model."""

    def __init__(self, tree: DriverTree, time_limit: float = 60.0) -> None:
        levers = list(tree.levers.values())
        self.lo = np.array([lv.lo for lv in levers])
        lever_of, upper, cost = [], [], []
        for i, lever in enumerate(levers):
            for width, slope in ([] if lever.fixed else lever.pieces):
                lever_of.append(i)
                upper.append(width)
                cost.append(slope)
        self.lever_of = np.array(lever_of, dtype=np.int64)
        self.upper = np.array(upper)
        self.cost = np.array(cost)
        self.last_piece = {lv.name: int(np.flatnonzero(self.lever_of == i)[-1])
                           for i, lv in enumerate(levers) if not lv.fixed}
        self.hi = {lv.name: lv.hi for lv in levers}
        self.names: list[str] = []
        self.time_limit = float(time_limit)
        self.h = self._new_highs()
        n = len(self.cost)
        self.h.addVars(n, np.zeros(n), self.upper)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), self.cost)

    def _new_highs(self) -> highspy.Highs:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", self.time_limit)
        return h

    def _set_rows(self, rows: list[Row]) -> None:
        current = self.h.getNumRow()
        if current:
            self.h.deleteRows(current, np.arange(current, dtype=np.int32))
        inf = highspy.kHighsInf
        lower, upper, starts, index, value = [], [], [0], [], []
        for row in rows:
            coef = row.coef[self.lever_of]
            rhs = row.rhs - float(row.coef @ self.lo)
            nz = np.flatnonzero(coef)
            index.append(nz)
            value.append(coef[nz])
            starts.append(starts[-1] + len(nz))
            lower.append(rhs if row.sense == ">=" else -inf)
            upper.append(rhs if row.sense == "<=" else inf)
        if rows:
            self.h.addRows(len(rows), np.array(lower), np.array(upper), int(starts[-1]),
                           np.array(starts[:-1], dtype=np.int32),
                           np.concatenate(index).astype(np.int32), np.concatenate(value))
        self.names = [row.name for row in rows]

    def solve(self, rows: list[Row], objective: np.ndarray | None = None,
              raise_cap: dict[str, float] | None = None) -> np.ndarray | None:
        """Swap in the rows and objective, warm-start, and return the log-uplifts."""
        self._set_rows(rows)
        n = len(self.cost)
        cols = np.arange(n, dtype=np.int32)
        if objective is None:
            self.h.changeObjectiveSense(highspy.ObjSense.kMinimize)
            self.h.changeColsCost(n, cols, self.cost)
        else:
            self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
            self.h.changeColsCost(n, cols, objective[self.lever_of] - 1e-9 * self.cost)
        upper = self.upper.copy()
        for name, hi in (raise_cap or {}).items():
            if name in self.last_piece:
                upper[self.last_piece[name]] += max(0.0, hi - self.hi[name])
        self.h.changeColsBounds(n, cols, np.zeros(n), upper)
        self.h.run()
        status = self.h.getModelStatus()
        settled = (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible)
        if status not in settled:  # a warm start that went astray: a fresh HiGHS, same model
            fresh = self._new_highs()
            fresh.passModel(self.h.getLp())
            self.h = fresh
            self.h.run()
            status = self.h.getModelStatus()
        if status in (highspy.HighsModelStatus.kInfeasible,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return None
        if status != highspy.HighsModelStatus.kOptimal:
            raise ModelError(f"driver model: HiGHS ended with status "
                             f"'{self.h.modelStatusToString(status)}'")
        z = np.asarray(self.h.getSolution().col_value)
        return self.lo + np.bincount(self.lever_of, weights=z, minlength=len(self.lo))

    def duals(self) -> dict[str, float]:
        """Duals of the last solve's rows (HiGHS sign convention, as PuLP reports them)."""
        return dict(zip(self.names, map(float, self.h.getSolution().row_dual), strict=True))
