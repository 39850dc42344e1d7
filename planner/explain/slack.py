"""Which allocation rules are strictly slack at a solution, read from a model already built.

:func:`planner.explain.rules.rule_levels` takes a rule off without a re-solve when each
of its rows holds with room to spare at the solution in hand. That test needs the
allocation model the solution is an optimum of; building it again costs as much as the
plan's own build. Here the test is made on a model that is already there (the plan's,
when the plan is made; a re-solved level's, when it is solved), for every rule family at
once, so each model is built and multiplied out once.

The amounts are turned back into the model's columns as the allocation reads them
(``up``/``down`` from the deviation to the reference, each product's shortfall from its
total, every other slack at zero), and each row's activity is compared with its bounds.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.model import AllocationInputs
from planner.explain import steps as st
from planner.lp.program import LinearProgram

#: The rows each rule step adds.
FAMILIES: Final = {st.CAPACITY_RULE: (f.CAPACITY,), st.FAIRNESS: (f.FAIRNESS,),
                   st.SUPPLY: (f.SUPPLY,), st.MIX: (f.MIX,)}
#: How far inside its bounds a row must be to count as strictly slack (relative to the
#: bound, in the model's units): well above HiGHS's primal feasibility tolerance (1e-7).
MARGIN: Final = 1e-6


def columns_of(lp: LinearProgram, inputs: AllocationInputs, reference: np.ndarray,
               products: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """The model's column values that give ``amounts``, every slack but shortfalls at zero.

    Parameters
    ----------
    lp : LinearProgram
        Built by :func:`planner.allocation.model.build_allocation` from ``inputs``.
    inputs : AllocationInputs
    reference : ndarray
        Each cell's history-shaped reference amount, in cell order.
    products : ndarray
        Each cell's product, in cell order.
    amounts : ndarray
        Each cell's amount, in cell order.

    Returns
    -------
    ndarray
        One value per column of ``lp``.
    """
    s = inputs.scale
    x = np.zeros(lp.n_cols)
    deviation = (amounts - reference) / s
    x[lp.blocks[f.UP].cols()] = np.maximum(deviation, 0.0)
    x[lp.blocks[f.DOWN].cols()] = np.maximum(-deviation, 0.0)
    short = lp.blocks[f.PRODUCT_SHORT]
    totals = pd.Series(amounts).groupby(products).sum()
    target = inputs.products.set_index(n.PRODUCT)["target"]
    product = short.labels[n.PRODUCT]
    x[short.cols()] = np.maximum((target.reindex(product).to_numpy(float)
                                  - totals.reindex(product).fillna(0.0).to_numpy(float)) / s, 0.0)
    return x


def slack_steps(lp: LinearProgram, x: np.ndarray) -> dict[str, bool]:
    """Whether every row of each rule step's families is strictly slack at ``x``.

    A step the model has no rows of is slack (``True``).

    Examples
    --------
    >>> lp = LinearProgram()
    >>> block = lp.add_variables("up", pd.DataFrame({"c": [0, 1]}))
    >>> family = lp.add_constraints("fairness", pd.DataFrame({"t": ["A"]}), np.array([0, 0]),
    ...                             np.array([0, 1]), np.array([1.0, 1.0]), lower=0.0, upper=10.0)
    >>> slack_steps(lp, np.array([2.0, 3.0]))["fairness"]
    True
    >>> slack_steps(lp, np.array([7.0, 3.0]))["fairness"]
    False
    """
    activity = lp.matrix() @ x
    bounds = lp.arrays()
    out: dict[str, bool] = {}
    for step, names in FAMILIES.items():
        holds = True
        for name in names:
            family = lp.families.get(name)
            if family is None:
                continue
            rows = slice(family.start, family.start + family.size)
            lower, upper, act = bounds["lower"][rows], bounds["upper"][rows], activity[rows]
            room = MARGIN * np.maximum(1.0, np.maximum(
                np.abs(np.where(np.isfinite(lower), lower, 0.0)),
                np.abs(np.where(np.isfinite(upper), upper, 0.0))))
            holds = holds and bool(np.all(act - lower > room) and np.all(upper - act > room))
        out[step] = holds
    return out


def slack_at(lp: LinearProgram, inputs: AllocationInputs, reference: np.ndarray,
             products: np.ndarray, amounts: np.ndarray) -> dict[str, bool]:
    """:func:`slack_steps` at the columns that give ``amounts`` (:func:`columns_of`)."""
    return slack_steps(lp, columns_of(lp, inputs, reference, products, amounts))
