"""Re-solve the driver model over many targets (and optionally one lever's cap).

The LP stays in HiGHS between solves (:class:`planner.drivers.engine.DriverEngine`):
the largest reachable multiple is found once per setting, and each target then
re-solves from it with a warm-started basis.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.drivers.engine import DriverEngine
from planner.drivers.mix import cell_rules
from planner.drivers.model import least_cost, reach
from planner.drivers.tree import build_tree
from planner.errors import ScenarioError
from planner.scenario.model import LeverSpec, MixRule, SupplyRule


@dataclass
class SweepResult:
    """Required uplift per lever over target multiples.

    Attributes
    ----------
    table : DataFrame
        One row per (setting, multiple): ``multiple``, the varied ``setting`` (when
        any), ``feasible``, ``achieved_multiple`` and ``uplift_<lever>`` columns (NaN
        when out of reach).
    frontier : DataFrame
        Largest reachable multiple per setting: ``setting, max_multiple``.
    seconds : float
        Wall time of all the solves.
    """

    table: pd.DataFrame
    frontier: pd.DataFrame
    seconds: float

    @property
    def what_ifs(self) -> int:
        """Number of (setting, multiple) pairs solved."""
        return len(self.table)


def parse_range(text: str, what: str) -> np.ndarray:
    """``"1:12:0.5"`` -> 1, 1.5, ..., 12 (inclusive); a single number is one value.

    Raises
    ------
    ScenarioError
        When the text is not ``start:stop:step`` with ``step > 0`` and ``stop >= start``.
    """
    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1:
        return np.array(values)
    if len(values) != 3 or values[2] <= 0 or values[1] < values[0]:
        raise ScenarioError(f"{what} {text!r}: write start:stop:step with step > 0, "
                            "e.g. 1:12:0.5")
    start, stop, step = values
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    return np.round(start + step * np.arange(count), 10)


def _with_cap(specs: tuple[LeverSpec, ...], lever: str, cap: float) -> tuple[LeverSpec, ...]:
    from planner.drivers.levers import merge_levers

    merged = merge_levers(specs)
    if lever not in {s.name for s in merged}:
        raise ScenarioError(f"--vary: no lever named {lever!r} (levers: "
                            f"{', '.join(s.name for s in merged)})")
    return tuple(replace(s, cap=cap, fixed=None) if s.name == lever else s for s in merged)


def sweep_drivers(product_segments: pd.DataFrame, products: pd.DataFrame,
                  specs: tuple[LeverSpec, ...], seat_multiple: float, history_total: float,
                  multiples: np.ndarray, *, buffer: float = 0.10, mix: tuple[MixRule, ...] = (),
                  supply: tuple[SupplyRule, ...] = (),
                  vary: tuple[str, np.ndarray] | None = None,
                  time_limit: float = 60.0) -> SweepResult:
    """Solve the driver model for every multiple (x every value of one lever's cap).

    Parameters
    ----------
    product_segments, products : DataFrame
        Baselines (see :func:`planner.drivers.tree.build_tree`).
    specs : tuple of LeverSpec
        The scenario's levers.
    seat_multiple : float
        Planned over last year's seat capacity.
    history_total : float
        Last year's revenue: targets are ``multiple * history_total``.
    multiples : ndarray
        Target multiples to solve.
    buffer : float
        Over-assignment buffer capacity must cover.
    mix : tuple of MixRule
        Margin-tier rules.
    supply : tuple of SupplyRule
        Partner supply (caps each product's yearly target).
    vary : (str, ndarray), optional
        A lever name and the caps to try for it.
    time_limit : float
        Seconds per LP.

    Returns
    -------
    SweepResult
    """
    settings = [(None, specs)] if vary is None else [
        (float(cap), _with_cap(specs, vary[0], float(cap))) for cap in vary[1]]
    rules = cell_rules(mix, supply)
    rows, frontier = [], []
    start = time.perf_counter()
    for setting, lever_specs in settings:
        tree = build_tree(product_segments, products, lever_specs, seat_multiple)
        backend = DriverEngine(tree, time_limit)
        best, cuts = reach(tree, buffer, time_limit, rules, backend=backend)
        top = best.revenue(tree) / history_total if best is not None else 0.0
        frontier.append({"setting": setting, "max_multiple": top})
        names = list(tree.levers)
        for multiple in multiples:
            row: dict[str, object] = {"setting": setting, "multiple": float(multiple)}
            if best is not None and multiple <= top * (1 + 1e-9):
                point, _ = least_cost(tree, multiple * history_total, best, list(cuts), buffer,
                                      time_limit, rules, backend=backend)
                row.update(feasible=True,
                           achieved_multiple=point.revenue(tree) / history_total,
                           **{f"uplift_{k}": math.expm1(point.x[k]) for k in names})
            else:
                row.update(feasible=False, achieved_multiple=np.nan,
                           **{f"uplift_{k}": np.nan for k in names})
            rows.append(row)
    seconds = time.perf_counter() - start
    table = pd.DataFrame(rows)
    front = pd.DataFrame(frontier)
    if vary is None:
        table = table.drop(columns="setting")
        front = front.drop(columns="setting")
    else:
        table = table.rename(columns={"setting": f"cap_{vary[0]}"})
        front = front.rename(columns={"setting": f"cap_{vary[0]}"})
    return SweepResult(table, front, seconds)
