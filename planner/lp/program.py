"""A small labelled LP container: variables and constraint families indexed by data labels.

In the spirit of linopy: every variable block and constraint family has a name and a
frame of labels (team, product, week, ...), so a solution, a dual or a binding row
can be reported in the user's words. The matrix is assembled with numpy/scipy and
handed to HiGHS (highspy) directly: no per-variable Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

if TYPE_CHECKING:
    from planner.lp.highs import SolveStatus

INF = float("inf")


@dataclass
class Block:
    """A block of variables: ``labels`` has one row per variable, in column order."""

    name: str
    labels: pd.DataFrame
    start: int

    @property
    def size(self) -> int:
        """Number of variables."""
        return len(self.labels)

    def cols(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Column indices of the block's variables (all, or at ``positions``)."""
        base = np.arange(self.start, self.start + self.size)
        return base if positions is None else base[positions]


@dataclass
class Family:
    """A named family of constraints ``lower <= A x <= upper``, one label row each."""

    name: str
    labels: pd.DataFrame
    start: int

    @property
    def size(self) -> int:
        """Number of rows."""
        return len(self.labels)


@dataclass
class LinearProgram:
    """Minimise ``c x`` subject to ``lower <= A x <= upper`` and variable bounds."""

    blocks: dict[str, Block] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    _cost: list[np.ndarray] = field(default_factory=list)
    _lb: list[np.ndarray] = field(default_factory=list)
    _ub: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _vals: list[np.ndarray] = field(default_factory=list)
    _lower: list[np.ndarray] = field(default_factory=list)
    _upper: list[np.ndarray] = field(default_factory=list)
    n_cols: int = 0
    n_rows: int = 0
    #: :meth:`matrix` as last built; dropped whenever a column, row or coefficient is added.
    _matrix: sp.csc_matrix | None = field(default=None, repr=False, compare=False)

    def add_variables(self, name: str, labels: pd.DataFrame, *, lower: float | np.ndarray = 0.0,
                      upper: float | np.ndarray = INF,
                      cost: float | np.ndarray = 0.0) -> Block:
        """Add one variable per row of ``labels``.

        Parameters
        ----------
        name : str
            Block name, e.g. ``"amount"``.
        labels : DataFrame
            One row of labels per variable.
        lower, upper, cost : float or ndarray
            Bounds and objective coefficients.

        Returns
        -------
        Block
        """
        n = len(labels)
        block = Block(name, labels.reset_index(drop=True), self.n_cols)
        self.blocks[name] = block
        self._lb.append(np.broadcast_to(np.asarray(lower, float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(upper, float), (n,)).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, float), (n,)).copy())
        self.n_cols += n
        self._matrix = None
        return block

    def add_constraints(self, name: str, labels: pd.DataFrame, rows: np.ndarray,
                        cols: np.ndarray, vals: np.ndarray, *,
                        lower: float | np.ndarray = -INF,
                        upper: float | np.ndarray = INF) -> Family:
        """Add a family of rows given as coordinates.

        Parameters
        ----------
        name : str
            Family name, e.g. ``"capacity"``.
        labels : DataFrame
            One row of labels per constraint.
        rows : ndarray of int
            Row position within the family (0-based) of each coefficient.
        cols : ndarray of int
            Global column index of each coefficient.
        vals : ndarray of float
            The coefficients.
        lower, upper : float or ndarray
            Row bounds.

        Returns
        -------
        Family
        """
        n = len(labels)
        family = Family(name, labels.reset_index(drop=True), self.n_rows)
        self.families[name] = family
        self._rows.append(np.asarray(rows, np.int64) + self.n_rows)
        self._cols.append(np.asarray(cols, np.int64))
        self._vals.append(np.asarray(vals, float))
        self._lower.append(np.broadcast_to(np.asarray(lower, float), (n,)).copy())
        self._upper.append(np.broadcast_to(np.asarray(upper, float), (n,)).copy())
        self.n_rows += n
        self._matrix = None
        return family

    def add_terms(self, family: str, rows: np.ndarray, cols: np.ndarray,
                  vals: np.ndarray) -> None:
        """Add coefficients to rows a family already has (columns added after it).

        ``rows`` are 0-based within the family, ``cols`` global column indices; a
        coefficient at a (row, column) already set is added to it.
        """
        self._rows.append(np.asarray(rows, np.int64) + self.families[family].start)
        self._cols.append(np.asarray(cols, np.int64))
        self._vals.append(np.asarray(vals, float))
        self._matrix = None

    def matrix(self) -> sp.csc_matrix:
        """The constraint matrix (CSC), built once until the model changes.

        The solve and the reading of a solution (slack, duals) share it: at 400 teams the
        allocation's is some six million coefficients, a third of a second to build.
        Callers only read it.
        """
        if self._matrix is None:
            self._matrix = self._build_matrix()
        return self._matrix

    def _build_matrix(self) -> sp.csc_matrix:
        """The constraint matrix from the coordinates (duplicates added up)."""
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int64)
        vals = np.concatenate(self._vals) if self._vals else np.zeros(0)
        return sp.csc_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))

    def set_col_bounds(self, block: str, positions: np.ndarray, lower: float | np.ndarray,
                       upper: float | np.ndarray) -> None:
        """Change the bounds of some variables of a block (e.g. fix them to a value).

        ``positions`` are 0-based within the block, in its label order.
        """
        i = list(self.blocks).index(block)
        self._lb[i][positions] = lower
        self._ub[i][positions] = upper

    def set_row_bounds(self, family: str, positions: np.ndarray, lower: float | np.ndarray,
                       upper: float | np.ndarray) -> None:
        """Change the bounds of some rows of a family (e.g. free them with +-inf).

        ``positions`` are 0-based within the family, in its label order.
        """
        i = list(self.families).index(family)
        self._lower[i][positions] = lower
        self._upper[i][positions] = upper

    def arrays(self) -> dict[str, np.ndarray]:
        """Cost, bounds and row bounds as flat arrays."""
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)  # noqa: E731
        return {"cost": cat(self._cost), "lb": cat(self._lb), "ub": cat(self._ub),
                "lower": cat(self._lower), "upper": cat(self._upper)}


@dataclass
class Solution:
    """Primal values, row activities and duals of a solved LinearProgram."""

    status: SolveStatus
    objective: float
    x: np.ndarray
    activity: np.ndarray
    duals: np.ndarray

    def values(self, lp: LinearProgram, block: str) -> pd.DataFrame:
        """The block's labels with a ``value`` column."""
        b = lp.blocks[block]
        return b.labels.assign(value=self.x[b.start:b.start + b.size])

    def rows(self, lp: LinearProgram, family: str) -> pd.DataFrame:
        """The family's labels with ``activity``, ``lower``, ``upper`` and ``dual``."""
        f = lp.families[family]
        arrays = lp.arrays()
        sl = slice(f.start, f.start + f.size)
        return f.labels.assign(activity=self.activity[sl], lower=arrays["lower"][sl],
                               upper=arrays["upper"][sl], dual=self.duals[sl])
