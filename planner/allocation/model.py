"""Allocation LP: amount per team x product x slot (a week, or its part in one month).

Constraint families, each indexed by real labels:

- ``product_target[product]``: teams' amounts sum to the buffered product target;
- ``capacity[team, week]``: a team's weekly amount within its seats' capacity;
- ``fairness[team]``: a team's uplift over its own (capacity-adjusted) history within
  the band around the overall uplift;
- ``supply[product, month]``: monthly partner supply;
- ``mix[rule]``: margin-tier minimum / maximum share, amount or units;
- ``deviation_up/down[team, product, slot]``: ``dev >= |amount - reference|``.

Every family except deviation is elastic: a slack column with a large penalty lets
the model say by how much a rule must give when the targets cannot all be met. The
builder is pure: inputs in, :class:`planner.lp.LinearProgram` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.lp import LinearProgram

SLACK_PENALTY = 1e3  # per unit of amount, relative to the deviation cost
TARGET_PENALTY = 1e4  # a product shortfall is the last thing to give


@dataclass
class AllocationInputs:
    """Everything the allocation model reads, already in plan terms.

    Attributes
    ----------
    teams : list of str
    products : DataFrame
        ``product, margin_tier, ticket, target`` (target = buffered amount).
    slots : DataFrame
        ``slot, week, week_start, month, month_num, working_days``.
    paths : DataFrame
        ``product, slot, share`` (each product's phasing; sums to 1).
    team_share : DataFrame
        ``team, product, share`` (each product's split over teams; sums to 1).
    capacity : DataFrame
        ``team, week, capacity`` (amount).
    fairness : DataFrame
        ``team, lower, upper`` (team total amount) for teams with history.
    supply : DataFrame
        ``product, month, cap`` (amount, buffered).
    mix : DataFrame
        ``rule, tier, kind (share|amount|units), sense (min|max), value`` (amount and units
        already buffered).
    deviation_weight : float
    """

    teams: list[str]
    products: pd.DataFrame
    slots: pd.DataFrame
    paths: pd.DataFrame
    team_share: pd.DataFrame
    capacity: pd.DataFrame
    fairness: pd.DataFrame
    supply: pd.DataFrame
    mix: pd.DataFrame
    deviation_weight: float = 1.0

    @property
    def scale(self) -> float:
        """Amount unit inside the LP (the mean reference cell), for good numerics."""
        cells = max(len(self.teams) * len(self.paths), 1)
        return float(max(self.products["target"].sum() / cells, 1e-9))


def cells_of(inputs: AllocationInputs) -> pd.DataFrame:
    """Team x product x slot cells with their history-shaped reference amount."""
    paths = inputs.paths.merge(inputs.products[[n.PRODUCT, "target"]], on=n.PRODUCT)
    cells = inputs.team_share.loc[inputs.team_share["share"] > 0].merge(
        paths, on=n.PRODUCT, suffixes=("_team", "_slot"))
    cells["reference"] = cells["target"] * cells["share_team"] * cells["share_slot"]
    cells = cells.merge(inputs.slots[["slot", n.WEEK, n.MONTH]], on="slot")
    order = {t: i for i, t in enumerate(inputs.teams)}
    cells["_t"] = cells[n.TEAM].map(order)
    cells = cells.sort_values(["_t", n.PRODUCT, "slot"], kind="stable").reset_index(drop=True)
    return cells[[n.TEAM, n.PRODUCT, "slot", n.WEEK, n.MONTH, "reference"]]


def _group_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Row code of each cell for a family indexed by ``keys``' columns, and the labels."""
    codes = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    labels = keys.drop_duplicates().reset_index(drop=True)
    return codes, labels


def build_allocation(inputs: AllocationInputs) -> tuple[LinearProgram, pd.DataFrame]:
    """Build the allocation LP.

    Parameters
    ----------
    inputs : AllocationInputs

    Returns
    -------
    (LinearProgram, DataFrame)
        The model (amounts in units of ``inputs.scale``) and its cells.
    """
    s = inputs.scale
    cells = cells_of(inputs)
    lp = LinearProgram()
    amount = lp.add_variables("amount", cells[[n.TEAM, n.PRODUCT, "slot", n.WEEK, n.MONTH]])
    x = amount.cols()
    ref = cells["reference"].to_numpy() / s
    typical = cells.groupby(n.PRODUCT)["reference"].transform("mean").to_numpy() / s
    weight = inputs.deviation_weight / np.maximum(typical, 1e-9)
    dev = lp.add_variables("deviation", cells[[n.TEAM, n.PRODUCT, "slot"]], cost=weight)
    d = dev.cols()
    rows = np.arange(len(cells))
    labels = cells[[n.TEAM, n.PRODUCT, "slot"]]
    lp.add_constraints("deviation_up", labels, np.r_[rows, rows], np.r_[x, d],
                       np.r_[np.ones(len(rows)), -np.ones(len(rows))], upper=ref)
    lp.add_constraints("deviation_down", labels, np.r_[rows, rows], np.r_[x, d],
                       np.ones(2 * len(rows)), lower=ref)
    penalty = SLACK_PENALTY * float(np.mean(weight)) if len(weight) else SLACK_PENALTY

    # product_target[product]
    codes, keys = _group_rows(cells[[n.PRODUCT]])
    targets = keys.merge(inputs.products, on=n.PRODUCT, how="left")["target"].to_numpy() / s
    short = lp.add_variables("product_short", keys, cost=TARGET_PENALTY / SLACK_PENALTY * penalty)
    lp.add_constraints("product_target", keys, np.r_[codes, np.arange(len(keys))],
                       np.r_[x, short.cols()], np.ones(len(x) + len(keys)),
                       lower=targets, upper=targets)

    # capacity[team, week]
    codes, keys = _group_rows(cells[[n.TEAM, n.WEEK]])
    cap = keys.merge(inputs.capacity, on=[n.TEAM, n.WEEK], how="left")["capacity"]
    over = lp.add_variables("capacity_over", keys, cost=penalty)
    lp.add_constraints("capacity", keys, np.r_[codes, np.arange(len(keys))],
                       np.r_[x, over.cols()], np.r_[np.ones(len(x)), -np.ones(len(keys))],
                       upper=cap.fillna(0.0).to_numpy() / s)

    _fairness(lp, inputs, cells, x, penalty, s)
    _supply(lp, inputs, cells, x, penalty, s)
    _mix(lp, inputs, cells, x, penalty, s)
    return lp, cells


def _fairness(lp: LinearProgram, inputs: AllocationInputs, cells: pd.DataFrame,
              x: np.ndarray, penalty: float, s: float) -> None:
    fair = inputs.fairness.loc[inputs.fairness[n.TEAM].isin(set(cells[n.TEAM]))].reset_index(
        drop=True)
    if fair.empty:
        return
    pos = {t: i for i, t in enumerate(fair[n.TEAM])}
    row = cells[n.TEAM].map(pos)
    keep = row.notna().to_numpy()
    k = len(fair)
    under = lp.add_variables("fairness_under", fair[[n.TEAM]], cost=penalty)
    over = lp.add_variables("fairness_over", fair[[n.TEAM]], cost=penalty)
    lp.add_constraints(
        "fairness", fair[[n.TEAM]],
        np.r_[row[keep].to_numpy(int), np.arange(k), np.arange(k)],
        np.r_[x[keep], under.cols(), over.cols()],
        np.r_[np.ones(int(keep.sum())), np.ones(k), -np.ones(k)],
        lower=fair["lower"].to_numpy() / s, upper=fair["upper"].to_numpy() / s,
    )


def _supply(lp: LinearProgram, inputs: AllocationInputs, cells: pd.DataFrame,
            x: np.ndarray, penalty: float, s: float) -> None:
    if inputs.supply.empty:
        return
    keys = inputs.supply[[n.PRODUCT, n.MONTH]].reset_index(drop=True)
    pos = {(p, m): i for i, (p, m) in enumerate(zip(keys[n.PRODUCT], keys[n.MONTH],
                                                     strict=True))}
    row = pd.Series([pos.get(k) for k in zip(cells[n.PRODUCT], cells[n.MONTH], strict=True)],
                    dtype="float")
    keep = row.notna().to_numpy()
    over = lp.add_variables("supply_over", keys, cost=penalty)
    k = len(keys)
    lp.add_constraints(
        "supply", keys, np.r_[row[keep].to_numpy(int), np.arange(k)],
        np.r_[x[keep], over.cols()], np.r_[np.ones(int(keep.sum())), -np.ones(k)],
        upper=inputs.supply["cap"].to_numpy() / s,
    )


def _mix(lp: LinearProgram, inputs: AllocationInputs, cells: pd.DataFrame,
         x: np.ndarray, penalty: float, s: float) -> None:
    if inputs.mix.empty:
        return
    info = cells[[n.PRODUCT]].merge(inputs.products[[n.PRODUCT, n.MARGIN_TIER, "ticket"]],
                                    on=n.PRODUCT, how="left")
    tier = info[n.MARGIN_TIER].to_numpy()
    ticket = info["ticket"].to_numpy(float)
    rows, cols, vals, lower, upper = [], [], [], [], []
    mix = inputs.mix.reset_index(drop=True)
    slack = lp.add_variables("mix_slack", mix[["rule", "tier"]], cost=penalty)
    for i, rule in mix.iterrows():
        inside = (tier == rule["tier"]).astype(float)
        if rule["kind"] == "share":
            coef = inside - rule["value"]  # sum_tier x - share * sum_all x
            bound = 0.0
        elif rule["kind"] == "units":
            coef = inside * s / np.where(ticket > 0, ticket, np.inf)
            bound = rule["value"]
        else:
            coef = inside
            bound = rule["value"] / s
        nz = coef != 0
        rows.append(np.full(int(nz.sum()) + 1, i))
        cols.append(np.r_[x[nz], slack.cols()[i]])
        sign = 1.0 if rule["sense"] == "min" else -1.0
        vals.append(np.r_[coef[nz], sign])
        lower.append(bound if rule["sense"] == "min" else -np.inf)
        upper.append(bound if rule["sense"] == "max" else np.inf)
    lp.add_constraints("mix", mix[["rule", "tier"]], np.concatenate(rows), np.concatenate(cols),
                       np.concatenate(vals), lower=np.array(lower), upper=np.array(upper))
