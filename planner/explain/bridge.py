"""Each team's bridge from last year to its target, per product, in exact cents.

For a team ``t`` and product ``p`` (``b`` = 1 + buffer, ``T_p`` the company's product
target, ``s_tp`` the allocation's history-shaped share, ``g_t`` the team's capacity
growth, ``x_tp`` the allocation's exact amount, ``y_tp`` the plan's target):

- ``last_year``: what the team sold, ``h_tp``;
- ``levers``: ``T_p s_tp / g_t - h_tp``, the company's product multiples with the
  team's capacity held at last year's, on the team's own mix;
- capacity steps: ``T_p s_tp (1 - 1 / g_t)`` split by the parts of the team's capacity
  change (:mod:`planner.explain.capacity`);
- ``new_business``: ``T_p s_tp - h_tp`` where the team or product sold nothing last year
  (its share comes from planned capacity, not history);
- rule steps: the change of ``x_tp`` as the rules are added (:mod:`planner.explain.rules`),
  divided by ``b`` (the buffer comes after);
- ``buffer``: ``x_tp (1 - 1 / b)``;
- ``whole_units``: ``y_tp - x_tp``, whole units of fixed-ticket products and cents (and
  the cents the other steps were rounded by).

Every step is rounded to cents and ``whole_units`` takes what that leaves, so the steps
of each team and product add up to its target to the cent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs, inputs_of
from planner.explain.rules import rule_levels
from planner.explain.shared import positions
from planner.plan_result import PlanResult

CENTS = "cents"


def growth(ex: ExplainInputs) -> pd.Series:
    """Each team's planned over last year's capacity, as the allocation uses it."""
    cap = ex.capacity.set_index(n.TEAM)
    g = (cap["planned"] / cap["history"]).replace([np.inf, -np.inf], np.nan)
    return g.fillna(1.0)


def _grid(series: pd.Series, index: pd.MultiIndex) -> np.ndarray:
    return series.reindex(index).fillna(0.0).to_numpy(float)


def exact_steps(result: PlanResult, ex: ExplainInputs) -> pd.DataFrame:
    """The steps per team x product before rounding to cents.

    Returns
    -------
    DataFrame
        Indexed by ``(team, product)`` with one column per step of
        :data:`~planner.explain.steps.STEPS` and ``target`` (the plan's).
    """
    a = ex.allocation
    b = 1.0 + ex.buffer
    teams = list(result.teams)
    target = result.plan.groupby([n.TEAM, n.PRODUCT])[n.AMOUNT].sum()
    hist = result.history_teams.groupby([n.TEAM, n.PRODUCT])[n.AMOUNT].sum()
    hist = hist.loc[hist.index.get_level_values(0).isin(teams)]
    share = a.team_share.set_index([n.TEAM, n.PRODUCT])["share"]
    keys = pd.MultiIndex.from_tuples(
        sorted(set(target.index) | set(hist.index)
               | set(share.loc[share > 0].index.intersection(target.index))),
        names=[n.TEAM, n.PRODUCT])
    keys = keys[keys.get_level_values(0).isin(teams)]
    products = a.products.set_index(n.PRODUCT)["target_amount"]
    t_p = products.reindex(keys.get_level_values(1)).fillna(0.0).to_numpy(float)
    u = t_p * _grid(share, keys)  # the history-shaped team target before the buffer
    h = _grid(hist, keys)
    g = growth(ex).reindex(keys.get_level_values(0)).fillna(1.0).to_numpy(float)
    lever_branch = (h > 0) & (g > 0)
    out = pd.DataFrame(0.0, index=keys, columns=[*st.STEPS, "target"])
    out[st.LAST_YEAR] = h
    level = np.where(lever_branch, u / np.where(g > 0, g, 1.0), 0.0)
    out[st.LEVERS] = np.where(lever_branch, level - h, 0.0)
    out[st.NEW] = np.where(lever_branch, 0.0, u - h)
    capacity = np.where(lever_branch, u - level, 0.0)
    parts = ex.capacity.set_index(n.TEAM)[list(st.CAPACITY_STEPS)]
    parts = parts.reindex(keys.get_level_values(0)).fillna(0.0).to_numpy(float)
    change = parts.sum(axis=1)
    weight = np.divide(parts, change[:, None], out=np.zeros_like(parts),
                       where=np.abs(change[:, None]) > 0)
    for j, step in enumerate(st.CAPACITY_STEPS):
        out[step] = capacity * weight[:, j]
    levels = rule_levels(ex)
    before = b * u
    for step in st.RULE_STEPS:
        now = _grid(levels[step], keys)
        out[step] = (now - before) / b
        before = now
    out[st.BUFFER] = before * (1.0 - 1.0 / b)
    out["target"] = _grid(target, keys)
    out[st.WHOLE_UNITS] = out["target"] - before
    return out


def bridge(result: PlanResult) -> pd.DataFrame:
    """Every team's bridge, per product and step, in exact cents.

    Parameters
    ----------
    result : PlanResult
        A plan run's result (made by :func:`planner.pipeline.run_plan`).

    Returns
    -------
    DataFrame
        ``team, product, step, cents, amount`` in team (plan order), product and step
        order; rows of a zero step are left out, except ``last_year`` (one row per team
        and product). The cents of a team and product add up to its target's exactly.

    Raises
    ------
    PlannerError
        ``result`` carries no explanation inputs.
    """
    ex = inputs_of(result)
    cached = ex.cache.get("bridge")
    if isinstance(cached, pd.DataFrame):
        return cached
    exact = exact_steps(result, ex)
    cents = np.rint(exact[list(st.STEPS)].to_numpy(float) * 100.0).astype(np.int64)
    whole = st.STEPS.index(st.WHOLE_UNITS)
    target = np.rint(exact["target"].to_numpy(float) * 100.0).astype(np.int64)
    cents[:, whole] = target - (cents.sum(axis=1) - cents[:, whole])
    frame = pd.DataFrame(cents, index=exact.index, columns=list(st.STEPS))
    long = frame.reset_index().melt(id_vars=[n.TEAM, n.PRODUCT], var_name="step",
                                    value_name=CENTS)
    long = long.loc[(long[CENTS] != 0) | (long["step"] == st.LAST_YEAR)]
    long = long.assign(_t=positions(long[n.TEAM], list(result.teams)),
                       _s=positions(long["step"], st.STEPS))
    long = long.sort_values(["_t", "_s", n.PRODUCT], kind="stable").drop(columns=["_t", "_s"])
    long[n.AMOUNT] = long[CENTS] / 100.0
    out = long.reset_index(drop=True)[[n.TEAM, n.PRODUCT, "step", CENTS, n.AMOUNT]]
    ex.cache["bridge"] = out
    return out
