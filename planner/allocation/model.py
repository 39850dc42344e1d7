"""Allocation LP: amount per team x product x slot (a week, or its part in one month).

Constraint families, each indexed by real labels:

- ``product_target[product]``: teams' amounts sum to the buffered product target;
- ``capacity[team, week]``: a team's weekly amount within its seats' capacity;
- ``fairness[team]``: a team's uplift over its own (capacity-adjusted) history within
  the band around the overall uplift;
- ``supply[product, month]``: monthly partner supply;
- ``mix[rule]``: margin-tier minimum / maximum share, amount or units;
The amount of a cell is ``reference + up - down`` with ``up >= 0`` and
``0 <= down <= reference``, both costed: the objective is the weighted absolute
deviation from the history-shaped reference, with no deviation rows at all, so the
LP has one row per rule and HiGHS' interior point stays fast at 400 teams x 40
products x 52 weeks. Every family is elastic: a slack column with a large penalty lets
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


@dataclass
class _Cells:
    """Cell columns: amount = reference + up - down (all in units of the scale)."""

    up: np.ndarray
    down: np.ndarray
    ref: np.ndarray

    def add_family(self, lp: LinearProgram, name: str, labels: pd.DataFrame, rows: np.ndarray,
                   coef: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   slack: list[tuple[np.ndarray, float]]) -> None:
        """Add ``lower <= sum coef * amount (+ slacks) <= upper`` per row of ``labels``.

        ``rows`` gives each cell's row (-1: not in the family); ``slack`` lists
        (column per row, sign) pairs.
        """
        k = len(labels)
        keep = (rows >= 0) & (coef != 0)
        r, c = rows[keep], coef[keep]
        shift = np.bincount(r, weights=c * self.ref[keep], minlength=k)
        all_rows = [r, r] + [np.arange(k) for _ in slack]
        all_cols = [self.up[keep], self.down[keep]] + [cols for cols, _ in slack]
        all_vals = [c, -c] + [np.full(k, sign) for _, sign in slack]
        lp.add_constraints(name, labels, np.concatenate(all_rows), np.concatenate(all_cols),
                           np.concatenate(all_vals), lower=lower - shift, upper=upper - shift)


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
    ref = cells["reference"].to_numpy() / s
    typical = cells.groupby(n.PRODUCT)["reference"].transform("mean").to_numpy() / s
    weight = inputs.deviation_weight / np.maximum(typical, 1e-9)
    labels = cells[[n.TEAM, n.PRODUCT, "slot", n.WEEK, n.MONTH]]
    up = lp.add_variables("up", labels, cost=weight)
    down = lp.add_variables("down", labels, upper=ref, cost=weight)
    grid = _Cells(up.cols(), down.cols(), ref)
    penalty = SLACK_PENALTY * float(np.mean(weight)) if len(weight) else SLACK_PENALTY
    ones = np.ones(len(cells))

    codes, keys = _group_rows(cells[[n.PRODUCT]])
    targets = keys.merge(inputs.products, on=n.PRODUCT, how="left")["target"].to_numpy() / s
    short = lp.add_variables("product_short", keys, cost=TARGET_PENALTY / SLACK_PENALTY * penalty)
    grid.add_family(lp, "product_target", keys, codes, ones, targets, targets,
                    [(short.cols(), 1.0)])

    codes, keys = _group_rows(cells[[n.TEAM, n.WEEK]])
    cap = keys.merge(inputs.capacity, on=[n.TEAM, n.WEEK], how="left")["capacity"]
    over = lp.add_variables("capacity_over", keys, cost=penalty)
    grid.add_family(lp, "capacity", keys, codes, ones, np.full(len(keys), -np.inf),
                    cap.fillna(0.0).to_numpy() / s, [(over.cols(), -1.0)])

    _fairness(lp, grid, inputs, cells, penalty, s)
    _supply(lp, grid, inputs, cells, penalty, s)
    _mix(lp, grid, inputs, cells, penalty, s)
    return lp, cells


def _rows_of(cells: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """Row of each cell in a family indexed by ``keys`` (-1 when absent)."""
    cols = list(keys.columns)
    pos = pd.Series(np.arange(len(keys)), index=pd.MultiIndex.from_frame(keys))
    found = pd.MultiIndex.from_frame(cells[cols]) if len(cols) > 1 else pd.Index(cells[cols[0]])
    if len(cols) == 1:
        pos.index = pos.index.get_level_values(0)
    return pos.reindex(found).fillna(-1).to_numpy(np.int64)


def _fairness(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, cells: pd.DataFrame,
              penalty: float, s: float) -> None:
    fair = inputs.fairness.loc[inputs.fairness[n.TEAM].isin(set(cells[n.TEAM]))].reset_index(
        drop=True)
    if fair.empty:
        return
    keys = fair[[n.TEAM]]
    under = lp.add_variables("fairness_under", keys, cost=penalty)
    over = lp.add_variables("fairness_over", keys, cost=penalty)
    grid.add_family(lp, "fairness", keys, _rows_of(cells, keys), np.ones(len(cells)),
                    fair["lower"].to_numpy(float) / s, fair["upper"].to_numpy(float) / s,
                    [(under.cols(), 1.0), (over.cols(), -1.0)])


def _supply(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, cells: pd.DataFrame,
            penalty: float, s: float) -> None:
    if inputs.supply.empty:
        return
    keys = inputs.supply[[n.PRODUCT, n.MONTH]].reset_index(drop=True)
    over = lp.add_variables("supply_over", keys, cost=penalty)
    grid.add_family(lp, "supply", keys, _rows_of(cells, keys), np.ones(len(cells)),
                    np.full(len(keys), -np.inf), inputs.supply["cap"].to_numpy(float) / s,
                    [(over.cols(), -1.0)])


def _mix(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, cells: pd.DataFrame,
         penalty: float, s: float) -> None:
    if inputs.mix.empty:
        return
    info = cells[[n.PRODUCT]].merge(inputs.products[[n.PRODUCT, n.MARGIN_TIER, "ticket"]],
                                    on=n.PRODUCT, how="left")
    tier = info[n.MARGIN_TIER].to_numpy()
    ticket = info["ticket"].to_numpy(float)
    mix = inputs.mix.reset_index(drop=True)
    slack = lp.add_variables("mix_slack", mix[["rule", "tier"]], cost=penalty)
    for i, rule in mix.iterrows():
        inside = (tier == rule["tier"]).astype(float)
        if rule["kind"] == "share":
            coef, bound = inside - rule["value"], 0.0  # sum_tier x - share * sum_all x
        elif rule["kind"] == "units":
            coef = inside * s / np.where(ticket > 0, ticket, np.inf)
            bound = rule["value"]
        else:
            coef, bound = inside, rule["value"] / s
        minimum = rule["sense"] == "min"
        grid.add_family(
            lp, f"mix_{i}", mix.loc[[i], ["rule", "tier"]], np.zeros(len(cells), np.int64), coef,
            np.array([bound if minimum else -np.inf]), np.array([np.inf if minimum else bound]),
            [(slack.cols()[[i]], 1.0 if minimum else -1.0)])
