"""Re-solve the driver model over many targets (and optionally one lever's cap).

Every solve goes through the same engine and the same steps as a single run
(:class:`planner.drivers.backend.DriverEngine`), so a sweep and a single run of the same
target give the same uplifts: the largest (and smallest) reachable multiple is found
once per setting, and each target is then solved from it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from planner.drivers.backend import DriverEngine
from planner.drivers.rows import revenue_of
from planner.drivers.rules import cell_rules
from planner.drivers.search import floor_point, least_cost, reach
from planner.drivers.tree import DriverTree, build_tree
from planner.errors import ScenarioError
from planner.scenario.values import LeverSpec, MixRule, SupplyRule


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
        Reachable multiples per setting: ``setting, max_multiple, min_multiple`` (the
        largest, and the smallest the levers can fall to).
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


#: Most what-ifs one sweep solves (multiples x settings of the varied cap): a sweep of
#: the sample solves about 20 a second, so this bounds a sweep to minutes.
MAX_WHAT_IFS = 2000


def parse_range(text: str, what: str) -> np.ndarray:
    """``"1:12:0.5"`` -> 1, 1.5, ..., 12 (inclusive); a single number is one value.

    Parameters
    ----------
    text : str
        ``start:stop:step`` or one number.
    what : str
        The option, for messages (``"--multiples"``).

    Returns
    -------
    ndarray

    Raises
    ------
    ScenarioError
        When the text is not ``start:stop:step`` with finite numbers, ``step > 0`` and
        ``stop >= start``, or gives more than :data:`MAX_WHAT_IFS` values.

    Examples
    --------
    >>> parse_range("1:2:0.5", "--multiples").tolist()
    [1.0, 1.5, 2.0]
    >>> parse_range("1:1e9:1e-9", "--multiples")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.ScenarioError: --multiples '1:1e9:1e-9' gives 1e+18 values; ...
    """
    parts = text.split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 3) or not all(math.isfinite(v) for v in values):
        raise ScenarioError(f"{what} {text!r}: write start:stop:step with finite numbers, "
                            "e.g. 1:12:0.5")
    if len(values) == 1:
        return np.array(values)
    start, stop, step = values
    if step <= 0 or stop < start:
        raise ScenarioError(f"{what} {text!r}: write start:stop:step with step > 0 and "
                            "stop >= start, e.g. 1:12:0.5")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_WHAT_IFS:
        raise ScenarioError(f"{what} {text!r} gives {count:.3g} values; a sweep solves at "
                            f"most {MAX_WHAT_IFS}: take a larger step")
    return np.round(start + step * np.arange(count), 10)


def _check_sweep(multiples: np.ndarray, vary: tuple[str, np.ndarray] | None) -> None:
    """Refuse multiples and caps a sweep cannot solve, and sweeps too large to finish."""
    bad = [float(m) for m in np.asarray(multiples, float) if not (math.isfinite(m) and m > 0)]
    if bad or len(multiples) == 0:
        raise ScenarioError(f"--multiples: every multiple must be a finite number above 0 "
                            f"(got {', '.join(f'{b:g}' for b in bad) or 'none'}); e.g. 1:12:0.5")
    if vary is not None:
        caps = [float(c) for c in np.asarray(vary[1], float)
                if not (math.isfinite(c) and c > -1)]
        if caps or len(vary[1]) == 0:
            raise ScenarioError(f"--vary {vary[0]}: every cap must be a finite uplift above "
                                f"-1 (got {', '.join(f'{c:g}' for c in caps) or 'none'}); "
                                "e.g. productivity=0.5:3:0.5")
    total = len(multiples) * (1 if vary is None else len(vary[1]))
    if total > MAX_WHAT_IFS:
        raise ScenarioError(f"the sweep asks for {total} what-ifs; it solves at most "
                            f"{MAX_WHAT_IFS}: take larger steps or fewer caps")


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
                  time_limit: float = 60.0,
                  adjust: Callable[[DriverTree], DriverTree] | None = None) -> SweepResult:
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
    adjust : callable, optional
        Applied to each tree built (``[hiring]`` frees the seats lever:
        :func:`planner.drivers.hiring.with_hiring`).

    Returns
    -------
    SweepResult
    """
    _check_sweep(multiples, vary)
    settings = [(None, specs)] if vary is None else [
        (float(cap), _with_cap(specs, vary[0], float(cap))) for cap in vary[1]]
    rules = cell_rules(mix, supply)
    rows, frontier = [], []
    start = time.perf_counter()
    for setting, lever_specs in settings:
        tree = build_tree(product_segments, products, lever_specs, seat_multiple)
        tree = tree if adjust is None else adjust(tree)
        backend = DriverEngine(tree, time_limit)
        best, cuts = reach(tree, buffer, time_limit, rules, backend=backend)
        top = best.revenue(tree) / history_total if best is not None else 0.0
        bottom = revenue_of(backend.alg, floor_point(tree)) / history_total
        frontier.append({"setting": setting, "max_multiple": top, "min_multiple": bottom})
        names = list(tree.levers)
        for multiple in multiples:
            row: dict[str, object] = {"setting": setting, "multiple": float(multiple)}
            if best is not None and bottom * (1 - 1e-9) <= multiple <= top * (1 + 1e-9):
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
