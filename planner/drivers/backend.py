"""The driver LP kept inside HiGHS: the one way every driver solve is made.

Single runs, sweeps, comparisons and the unreachable diagnosis all solve through
:class:`DriverEngine`, so they cannot disagree. The columns (one per stretch-cost
piece of each lever) never change; each solve swaps in the rows from
:mod:`planner.drivers.rows` and the objective.

Scaling: each row is divided by its largest coefficient (revenue rows would otherwise
carry coefficients in the billions next to log-uplift rows near 1), and a revenue
objective by its largest entry, so HiGHS sees numbers near 1; duals are scaled back.
Every solve starts from a clean basis, so the same rows always give the same point,
whatever was solved before. That makes a solve a pure function of its rows, objective
and raised caps: the engine keeps the answers it found (:data:`KEPT_ANSWERS`) and
answers a problem it has solved before without HiGHS; the least-cost search's nudges
often lead back to the LPs of its first descent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from planner.capacity import kept
from planner.drivers.rows import Algebra, Row
from planner.drivers.tree import DriverTree
from planner.errors import ModelError
from planner.lp.highs import SolveStatus, new_highs, require_solved, run_highs, status_of

#: In a revenue objective (scaled so its largest entry is 1), a lever adding some revenue
#: is valued at no less than this: HiGHS treats smaller costs as noise. A lever on under
#: 0.01% of the revenue still rises to its cap where nothing else needs the capacity.
SMALLEST_GRADIENT = 1e-4
#: Row coefficients below this (after scaling each row to a largest entry of 1) are
#: dropped, as HiGHS itself would drop them.
SMALLEST_COEF = 1e-9

STEP = "driver model"
#: Answers an engine keeps (one per distinct LP; a what-if solves about a hundred).
KEPT_ANSWERS = 4096
#: Engines a memo keeps (:func:`engine_for`), one per set of levers.
KEPT_ENGINES = 32


@dataclass(frozen=True)
class _Answer:
    """A solved LP: the log-uplifts (None: infeasible) and its rows' duals."""

    x: np.ndarray | None
    names: tuple[str, ...]
    row_dual: np.ndarray
    row_scale: np.ndarray


class DriverEngine:
    """A persistent HiGHS model over the levers' stretch-cost pieces.

    Parameters
    ----------
    tree : DriverTree
        Levers with their bounds and stretch-cost pieces.
    time_limit : float
        Seconds per solve before HiGHS gives up.
    log_file : Path, optional
        Write HiGHS's log of every solve there (never to the terminal).
    """

    def __init__(self, tree: DriverTree, time_limit: float = 60.0,
                 log_file: Path | None = None) -> None:
        levers = list(tree.levers.values())
        self.alg = Algebra.of(tree)  # the tree as arrays, built once per engine
        self.lo = np.array([lv.lo for lv in levers])
        lever_of, upper, cost = [], [], []
        for i, lever in enumerate(levers):
            for width, slope in ([] if lever.fixed else lever.pieces):
                lever_of.append(i)
                upper.append(width)
                cost.append(slope)
        self.lever_of = np.array(lever_of, dtype=np.int64)
        self.upper = np.array(upper, dtype=float)
        self.cost = np.array(cost, dtype=float)
        self.last_piece = {lv.name: int(np.flatnonzero(self.lever_of == i)[-1])
                           for i, lv in enumerate(levers) if not lv.fixed}
        self.hi = {lv.name: lv.hi for lv in levers}
        self.time_limit = float(time_limit)
        self.names: list[str] = []
        self.row_scale = np.zeros(0)
        self._answers: dict[str, Any] = {}  # the LPs answered (:func:`kept`)
        self._last: _Answer | None = None
        self._objective: bytes | None = None  # the objective HiGHS holds (None: unset)
        self._upper: np.ndarray | None = None  # the column bounds HiGHS holds
        self.memo: dict[Hashable, Any] = {}  # what callers keep per engine (reach points)
        self.keep_answers = log_file is None  # a log shows every solve
        self._problem: tuple[list[Row], np.ndarray | None, dict[str, float] | None] = ([], None,
                                                                                     None)
        self.h = new_highs(self.time_limit)
        # A few rows over a hundred bounded columns: presolve costs more than the solve
        # (it took 60% of a what-if's time) and finds the same vertex.
        self.h.setOptionValue("presolve", "off")
        if log_file is not None:
            self.h.setOptionValue("log_to_console", False)
            self.h.setOptionValue("log_file", str(log_file))
            self.h.setOptionValue("output_flag", True)
        n = len(self.cost)
        if n:
            self.h.addVars(n, np.zeros(n), self.upper)

    def _set_rows(self, rows: list[Row]) -> None:
        current = self.h.getNumRow()
        if current:
            self.h.deleteRows(current, np.arange(current, dtype=np.int32))
        inf = highspy.kHighsInf
        lower, upper, starts, index, value, scale = [], [], [0], [], [], []
        for row in rows:
            coef = row.coef[self.lever_of]
            rhs = row.rhs - float(row.coef @ self.lo)
            biggest = float(np.max(np.abs(coef), initial=0.0))
            factor = biggest if biggest > 0 else max(abs(rhs), 1.0)
            coef, rhs = coef / factor, rhs / factor
            nz = np.flatnonzero(np.abs(coef) > SMALLEST_COEF)
            index.append(nz)
            value.append(coef[nz])
            starts.append(starts[-1] + len(nz))
            lower.append(rhs if row.sense == ">=" else -inf)
            upper.append(rhs if row.sense == "<=" else inf)
            scale.append(factor)
        if rows:
            self.h.addRows(len(rows), np.array(lower), np.array(upper), int(starts[-1]),
                           np.array(starts[:-1], dtype=np.int32),
                           np.concatenate(index).astype(np.int32), np.concatenate(value))
        self.names = [row.name for row in rows]
        self.row_scale = np.array(scale, dtype=float)

    def _set_objective(self, objective: np.ndarray | None) -> None:
        key = b"cost" if objective is None else objective.tobytes()
        if key == self._objective:
            return
        self._objective = key
        n = len(self.cost)
        cols = np.arange(n, dtype=np.int32)
        if objective is None:
            self.h.changeObjectiveSense(highspy.ObjSense.kMinimize)
            self.h.changeColsCost(n, cols, self.cost)
            return
        gradient = objective[self.lever_of]
        biggest = float(np.max(np.abs(gradient), initial=0.0)) or 1.0
        scaled = gradient / biggest
        small = (np.abs(scaled) > 0) & (np.abs(scaled) < SMALLEST_GRADIENT)
        scaled[small] = np.sign(scaled[small]) * SMALLEST_GRADIENT
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.changeColsCost(n, cols, scaled)

    def solve(self, rows: list[Row], objective: np.ndarray | None = None,
              raise_cap: dict[str, float] | None = None) -> np.ndarray | None:
        """Solve for the levers' log-uplifts under ``rows``.

        Parameters
        ----------
        rows : list of Row
            Constraints over the levers' log-uplifts.
        objective : ndarray, optional
            Maximise ``objective . x`` (a revenue gradient; levers it does not touch,
            such as productivity, are left anywhere the rows allow); by default
            minimise the stretch cost.
        raise_cap : dict of str to float, optional
            Higher log caps to try, by lever name.

        Returns
        -------
        ndarray or None
            One log-uplift per lever (fixed ones included); None when no point meets
            the rows.

        Raises
        ------
        ModelError
            When HiGHS stops without an answer (time or iteration limit, solver error).
        """
        n = len(self.cost)
        self._problem = (rows, objective, raise_cap)
        if not n:  # every lever fixed: the rows hold at the fixed point or they do not
            x = self.lo.copy() if _holds(rows, self.lo) else None
            found = _Answer(x, tuple(row.name for row in rows), np.zeros(len(rows)),
                            np.ones(len(rows)))
        elif self.keep_answers:
            found = kept(self._answers, "answers", _problem_key(rows, objective, raise_cap),
                         lambda: self._run(rows, objective, raise_cap), KEPT_ANSWERS)
        else:
            found = self._run(rows, objective, raise_cap)
        self._last = found
        return None if found.x is None else found.x.copy()

    def _run(self, rows: list[Row], objective: np.ndarray | None,
             raise_cap: dict[str, float] | None) -> _Answer:
        """Solve in HiGHS from a clean basis (the same rows always give the same point)."""
        self._set_rows(rows)
        self._set_objective(objective)
        n = len(self.cost)
        upper = self.upper.copy()
        for name, hi in (raise_cap or {}).items():
            if name in self.last_piece:
                upper[self.last_piece[name]] += max(0.0, hi - self.hi[name])
        if self._upper is None or not np.array_equal(upper, self._upper):
            self.h.changeColsBounds(n, np.arange(n, dtype=np.int32), np.zeros(n), upper)
            self._upper = upper
        self.h.clearSolver()
        run_highs(self.h)
        status = status_of(self.h)
        require_solved(status, STEP, self.time_limit)
        names = tuple(self.names)
        if status is SolveStatus.INFEASIBLE:
            return _Answer(None, names, np.zeros(len(names)), self.row_scale)
        if status is not SolveStatus.OPTIMAL:  # every column is bounded
            raise ModelError(f"{STEP}: HiGHS found the model {status.value}; run with --debug "
                             "and report the scenario")
        solution = self.h.getSolution()
        z = np.asarray(solution.col_value)
        x = self.lo + np.bincount(self.lever_of, weights=z, minlength=len(self.lo))
        return _Answer(x, names, np.asarray(solution.row_dual, dtype=float), self.row_scale)

    def duals(self) -> dict[str, float]:
        """Duals of the last solve's rows, in the rows' own units.

        The sign follows HiGHS: for a minimisation, ``>=`` rows have duals of at least 0.
        """
        last = self._last
        if last is None or not last.names:
            return {}
        return dict(zip(last.names, map(float, last.row_dual / last.row_scale), strict=True))

    def write_model(self, path: Path) -> Path:
        """Write the last model solved as an MPS or LP file (by suffix), for other solvers.

        Parameters
        ----------
        path : Path
            ``.mps`` or ``.lp`` file.

        Returns
        -------
        Path
        """
        if len(self.cost):  # HiGHS may hold another problem when this one was kept
            self._run(*self._problem)
        self.h.writeModel(str(path))
        return Path(path)


def engine_for(tree: DriverTree, time_limit: float, memo: dict[str, Any] | None
               ) -> DriverEngine:
    """The engine over ``tree``, kept in ``memo`` (a capacity's memo) when one is given.

    ``planner serve`` solves many what-ifs over the same levers: their engine, and the
    LPs it has answered, carry over. An engine is found by its tree object, which the
    same memo keeps (:func:`planner.pipeline.run_drivers`).
    """
    if memo is None:
        return DriverEngine(tree, time_limit)
    return kept(memo, "driver_engines", float(time_limit),
                lambda: DriverEngine(tree, time_limit), KEPT_ENGINES, owner=tree)


def _problem_key(rows: list[Row], objective: np.ndarray | None,
                 raise_cap: dict[str, float] | None) -> bytes:
    """A digest of everything a solve reads: the rows, the objective, the raised caps."""
    digest = hashlib.blake2b(digest_size=20)
    for row in rows:
        digest.update(row.name.encode())
        digest.update(row.sense.encode())
        digest.update(np.float64(row.rhs).tobytes())
        digest.update(np.ascontiguousarray(row.coef, dtype=float).tobytes())
    digest.update(b"|objective|")
    if objective is not None:
        digest.update(np.ascontiguousarray(objective, dtype=float).tobytes())
    digest.update(repr(sorted((raise_cap or {}).items())).encode())
    return digest.digest()


def _holds(rows: list[Row], x: np.ndarray) -> bool:
    """Whether every row holds at ``x`` (to a relative 1e-9)."""
    for row in rows:
        got = float(row.coef @ x)
        slack = got - row.rhs if row.sense == ">=" else row.rhs - got
        if slack < -1e-9 * max(1.0, abs(row.rhs)):
            return False
    return True
