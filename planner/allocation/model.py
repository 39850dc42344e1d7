"""Allocation LP: amount per team x product x slot (a week, or its part in one month).

Constraint families, each indexed by real labels:

- ``product_target[product]``: teams' amounts sum to the buffered product target;
- ``week_split[team, product, week]``: a week straddling two months is split between
  them by working days;
- ``capacity[team, week]``: a team's weekly amount within its seats' capacity;
- with ``smoothness > 0``: ``team_week[team, week]`` defines the week's deviation ``D``
  (amount minus reference) and ``smoothness[team, week]`` costs
  ``|D(week) - D(previous week)|`` (capacity then bounds ``D``);
- ``fairness[team]``: a team's uplift over its own (capacity-adjusted) history within
  the band around the overall uplift;
- ``supply[product, month]``: monthly partner supply;
- ``mix[rule]``: margin-tier minimum / maximum share, amount or units;
- ``stretch[team]``: a team's year within its expected outcome + k sd
  (:mod:`planner.allocation.stretch`, with ``max_stretch_sigma``).

The amount of a cell is ``reference + up - down`` with ``up >= 0`` and
``0 <= down <= reference``, both costed: the objective is the weighted absolute
deviation from the history-shaped reference, with no deviation rows at all, so the
LP has one row per rule. A mix rule is a sum over products of their totals, and each
``product_target`` row fixes a product's total at ``target - product_short``: the mix
rows are written over those few shortfall columns instead of over every cell (the
same feasible set and optimum, without a dense row of ~2 x cells coefficients).
At 400 teams x 40 products x 57 slots dual simplex without presolve solves the LP in
seconds; interior point takes about a minute (``benchmarks/allocation.py``).
Every rule family is elastic: a slack column with a large penalty lets the model say by
how much a rule must give when the targets cannot all be met (``week_split`` needs none:
it holds whatever the amounts of the week). The builder is pure:
inputs in, :class:`planner.lp.program.LinearProgram` out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.hiring_rows import HiringInputs, add_hiring
from planner.allocation.stretch import add_stretch
from planner.lp.program import LinearProgram

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
        Weight of the deviation from the history-shaped reference.
    smoothness : float
        Weight of week-to-week changes in a team's deviation (0: off).
    stretch : DataFrame or None
        ``team, limit``: each team's largest yearly amount (``max_stretch_sigma``).
    hiring : HiringInputs or None
        Hire columns and ``hire_cover`` rows (``[hiring]``, :mod:`.hiring_rows`).
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
    smoothness: float = 0.0
    stretch: pd.DataFrame | None = None
    hiring: HiringInputs | None = None

    @property
    def scale(self) -> float:
        """Amount unit inside the LP (the mean reference cell), for good numerics."""
        cells = max(len(self.teams) * len(self.paths), 1)
        return float(max(self.products["target"].sum() / cells, 1e-9))


def cells_of(inputs: AllocationInputs) -> pd.DataFrame:
    """Team x product x slot cells with their history-shaped reference amount.

    Ordered by the team's position in ``inputs.teams`` (unknown teams last), product and
    slot; ``team, product, slot, week, month, reference``.
    """
    return _cell_table(inputs)[0]


@dataclass
class _Codes:
    """Each cell's integer code per label column, and the labels those codes stand for."""

    codes: dict[str, np.ndarray]
    uniques: dict[str, pd.Index]
    cells: pd.DataFrame

    def _composite(self, cols: list[str], parts: list[np.ndarray]) -> np.ndarray:
        key = np.zeros(len(parts[0]), np.int64)
        for col, part in zip(cols, parts, strict=True):
            key = key * (len(self.uniques[col]) + 1) + part
        return key

    def groups(self, cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
        """Row of each cell in a family over ``cols`` (rows in order of first appearance)."""
        key = self._composite(cols, [self.codes[c] for c in cols])
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        labels = self.cells[cols].iloc[first[order]].reset_index(drop=True)
        return rank[inverse.ravel()], labels

    def rows(self, keys: pd.DataFrame) -> np.ndarray:
        """Row of each cell in a family indexed by ``keys`` (-1 when absent)."""
        cols = list(keys.columns)
        cell_parts, key_parts = [], []
        for col in cols:
            where = self.uniques[col].get_indexer(keys[col])  # key label -> cell code
            key_parts.append(np.where(where >= 0, where, len(self.uniques[col])))
            cell_parts.append(self.codes[col])
        return pd.Index(self._composite(cols, key_parts)).get_indexer(
            self._composite(cols, cell_parts)).astype(np.int64)


@dataclass
class _CellOrder:
    """Which team share and which product path each cell is, in the cells' order."""

    share: pd.DataFrame
    paths: pd.DataFrame
    i_share: np.ndarray
    i_path: np.ndarray

    def reference(self) -> np.ndarray:
        """Each cell's history-shaped reference amount: target x team share x path share."""
        return (self.paths["target"].to_numpy(float)[self.i_path]
                * self.share["share"].to_numpy(float)[self.i_share]
                ) * self.paths["share"].to_numpy(float)[self.i_path]


def _cell_order(inputs: AllocationInputs) -> _CellOrder:
    """The cells as positions in the team shares and the product paths.

    Same rows and order as merging team shares with paths and slots and sorting by
    (team position, product, slot), stably: the merge order is rebuilt from positions.
    """
    paths = inputs.paths.merge(inputs.products[[n.PRODUCT, "target"]], on=n.PRODUCT)
    paths = paths.merge(inputs.slots[["slot", n.WEEK, n.MONTH]], on="slot")
    share = inputs.team_share.loc[inputs.team_share["share"] > 0]
    products = pd.Index(pd.unique(paths[n.PRODUCT])).sort_values()
    path_product = products.get_indexer(paths[n.PRODUCT])
    share_product = products.get_indexer(share[n.PRODUCT])
    counts = np.bincount(path_product, minlength=len(products))
    grouped = np.argsort(path_product, kind="stable")  # path rows by product, in order
    starts = np.cumsum(counts) - counts
    per = np.where(share_product >= 0, counts[np.maximum(share_product, 0)], 0)
    i_share = np.repeat(np.arange(len(share)), per)
    offset = np.arange(len(i_share)) - np.repeat(np.cumsum(per) - per, per)
    i_path = grouped[starts[share_product[i_share]] + offset]
    team_pos = pd.Index(inputs.teams).get_indexer(share[n.TEAM])
    team_pos = np.where(team_pos >= 0, team_pos, len(inputs.teams))[i_share]
    _, slot_rank = np.unique(paths["slot"].to_numpy(), return_inverse=True)
    key = (team_pos * (len(products) + 1) + path_product[i_path]) * (len(paths) + 1)
    order = np.argsort(key + slot_rank.ravel()[i_path], kind="stable")
    return _CellOrder(share, paths, i_share[order], i_path[order])


def cell_reference(inputs: AllocationInputs) -> np.ndarray:
    """``cells_of(inputs)["reference"]`` as an array, without making the cells' labels."""
    return _cell_order(inputs).reference()


def _cell_table(inputs: AllocationInputs) -> tuple[pd.DataFrame, _Codes]:
    """The cells (as :func:`cells_of`) and their label codes, without per-cell hashing."""
    order = _cell_order(inputs)
    share, paths, i_share, i_path = order.share, order.paths, order.i_share, order.i_path
    left = share[[n.TEAM, n.PRODUCT]].iloc[i_share].reset_index(drop=True)
    right = paths[["slot", n.WEEK, n.MONTH]].iloc[i_path].reset_index(drop=True)
    cells = pd.concat([left, right], axis=1).assign(reference=order.reference())
    codes: dict[str, np.ndarray] = {}
    uniques: dict[str, pd.Index] = {}
    for col, frame, rows in ((n.TEAM, share, i_share), (n.PRODUCT, share, i_share),
                             ("slot", paths, i_path), (n.WEEK, paths, i_path),
                             (n.MONTH, paths, i_path)):
        code, labels = pd.factorize(frame[col])
        codes[col], uniques[col] = code[rows].astype(np.int64), pd.Index(labels)
    return cells, _Codes(codes, uniques, cells)


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
    cells, labels_of = _cell_table(inputs)
    lp = LinearProgram()
    ref = cells["reference"].to_numpy() / s
    typical = cells["reference"].groupby(labels_of.codes[n.PRODUCT]).transform(
        "mean").to_numpy() / s
    weight = inputs.deviation_weight / np.maximum(typical, 1e-9)
    labels = cells[[n.TEAM, n.PRODUCT, "slot", n.WEEK, n.MONTH]]
    up = lp.add_variables(f.UP, labels, cost=weight)
    down = lp.add_variables(f.DOWN, labels, upper=ref, cost=weight)
    grid = _Cells(up.cols(), down.cols(), ref)
    penalty = SLACK_PENALTY * float(np.mean(weight)) if len(weight) else SLACK_PENALTY
    ones = np.ones(len(cells))

    codes, keys = labels_of.groups([n.PRODUCT])
    targets = keys.merge(inputs.products, on=n.PRODUCT, how="left")["target"].to_numpy() / s
    short = lp.add_variables(f.PRODUCT_SHORT, keys, cost=TARGET_PENALTY / SLACK_PENALTY * penalty)
    totals = _Totals(keys, short.cols(), targets)
    grid.add_family(lp, f.PRODUCT_TARGET, keys, codes, ones, targets, targets,
                    [(short.cols(), 1.0)])
    _week_split(lp, grid, inputs, cells, labels_of)

    codes, keys = labels_of.groups([n.TEAM, n.WEEK])
    cap = keys.merge(inputs.capacity, on=[n.TEAM, n.WEEK], how="left")["capacity"]
    cap = cap.fillna(0.0).to_numpy() / s
    over = lp.add_variables(f.CAPACITY_OVER, keys, cost=penalty)
    smooth = inputs.smoothness * float(np.mean(weight)) if len(weight) else 0.0
    if smooth > 0:
        _capacity_smooth(lp, grid, keys, codes, cap, over.cols(), smooth)
    else:
        grid.add_family(lp, f.CAPACITY, keys, codes, ones, np.full(len(keys), -np.inf), cap,
                        [(over.cols(), -1.0)])
    _fairness(lp, grid, inputs, labels_of, penalty, s)
    _supply(lp, grid, inputs, labels_of, penalty, s)
    _mix(lp, totals, inputs, penalty, s)
    add_stretch(lp, grid, inputs, labels_of, penalty, s)
    add_hiring(lp, grid, inputs, labels_of, penalty, s, inputs.hiring)
    return lp, cells


def _week_split(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs,
                cells: pd.DataFrame, labels_of: _Codes) -> None:
    """Hold each straddling week's two month parts in the ratio of their working days.

    ``week_split[team, product, week]``: ``d_b x_a - d_a x_b = 0`` (``d`` the parts'
    working days, as shares of the week's) for every team x product x week with a part
    in each of two months, so the plan splits such a week by working days whatever the
    other rules move.
    """
    codes, keys = labels_of.groups([n.TEAM, n.PRODUCT, n.WEEK])
    size = np.bincount(codes, minlength=len(keys))
    pairs = np.flatnonzero(size == 2)
    if not len(pairs):
        return
    row_of = np.full(len(keys), -1, np.int64)
    row_of[pairs] = np.arange(len(pairs))
    rows = row_of[codes]
    days = cells["slot"].map(inputs.slots.set_index("slot")[n.WORKING_DAYS]).to_numpy(float)
    inside = rows >= 0
    total = np.bincount(rows[inside], weights=days[inside], minlength=len(pairs))
    # the earlier slot of a pair is its first part: coefficient +share of the other part
    first = np.full(len(pairs), np.iinfo(np.int64).max)
    slot = cells["slot"].to_numpy(np.int64)
    np.minimum.at(first, rows[inside], slot[inside])
    share = np.zeros(len(cells))
    share[inside] = days[inside] / total[rows[inside]]
    coef = np.zeros(len(cells))
    is_first = inside & (slot == first[np.maximum(rows, 0)])
    coef[is_first] = 1.0 - share[is_first]
    coef[inside & ~is_first] = -(1.0 - share[inside & ~is_first])
    zero = np.zeros(len(pairs))
    grid.add_family(lp, f.WEEK_SPLIT, keys.iloc[pairs].reset_index(drop=True), rows, coef,
                    zero, zero, [])


def _capacity_smooth(lp: LinearProgram, grid: _Cells, keys: pd.DataFrame, codes: np.ndarray,
                     cap: np.ndarray, over: np.ndarray, cost: float) -> None:
    """Add capacity rows with smoothness.

    ``team_week`` rows define each team-week's deviation ``D`` (amount minus
    reference); ``capacity`` and ``smoothness`` are short rows on ``D``, the latter
    costing ``|D(week) - D(previous week)|`` so that volume a binding rule moves is
    spread over weeks instead of piled into one.
    """
    reference = np.bincount(codes, weights=grid.ref, minlength=len(keys))
    deviation = lp.add_variables(f.WEEK_DEVIATION, keys, lower=-np.inf).cols()
    grid.add_family(lp, f.TEAM_WEEK, keys, codes, np.ones(len(grid.ref)), reference, reference,
                    [(deviation, -1.0)])
    k = np.arange(len(keys))
    lp.add_constraints(f.CAPACITY, keys, np.r_[k, k], np.r_[deviation, over],
                       np.r_[np.ones(len(k)), -np.ones(len(k))], upper=cap - reference)
    order = keys.assign(_i=k).sort_values([n.TEAM, n.WEEK], kind="stable")
    same = order[n.TEAM].to_numpy()[1:] == order[n.TEAM].to_numpy()[:-1]
    now, before = order["_i"].to_numpy()[1:][same], order["_i"].to_numpy()[:-1][same]
    if not len(now):
        return
    pairs = keys.iloc[now].reset_index(drop=True)
    up = lp.add_variables(f.SMOOTH_UP, pairs, cost=cost)
    down = lp.add_variables(f.SMOOTH_DOWN, pairs, cost=cost)
    j = np.arange(len(pairs))
    lp.add_constraints(f.SMOOTHNESS, pairs, np.r_[j, j, j, j],
                       np.r_[deviation[now], deviation[before], up.cols(), down.cols()],
                       np.r_[np.ones(len(j)), -np.ones(len(j)), -np.ones(len(j)),
                             np.ones(len(j))], lower=0.0, upper=0.0)


def _fairness(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, labels_of: _Codes,
              penalty: float, s: float) -> None:
    present = labels_of.uniques[n.TEAM][np.unique(labels_of.codes[n.TEAM])]
    fair = inputs.fairness.loc[inputs.fairness[n.TEAM].isin(present)].reset_index(drop=True)
    if fair.empty:
        return
    keys = fair[[n.TEAM]]
    under = lp.add_variables(f.FAIRNESS_UNDER, keys, cost=penalty)
    over = lp.add_variables(f.FAIRNESS_OVER, keys, cost=penalty)
    grid.add_family(lp, f.FAIRNESS, keys, labels_of.rows(keys), np.ones(len(grid.ref)),
                    fair["lower"].to_numpy(float) / s, fair["upper"].to_numpy(float) / s,
                    [(under.cols(), 1.0), (over.cols(), -1.0)])


def _supply(lp: LinearProgram, grid: _Cells, inputs: AllocationInputs, labels_of: _Codes,
            penalty: float, s: float) -> None:
    if inputs.supply.empty:
        return
    keys = inputs.supply[[n.PRODUCT, n.MONTH]].reset_index(drop=True)
    over = lp.add_variables(f.SUPPLY_OVER, keys, cost=penalty)
    grid.add_family(lp, f.SUPPLY, keys, labels_of.rows(keys), np.ones(len(grid.ref)),
                    np.full(len(keys), -np.inf), inputs.supply["cap"].to_numpy(float) / s,
                    [(over.cols(), -1.0)])


@dataclass
class _Totals:
    """Each product's total amount as ``target - short`` (its ``product_target`` row)."""

    keys: pd.DataFrame  # product, in product_target row order
    short: np.ndarray  # the product_short column of each
    target: np.ndarray  # in units of the scale


def _mix(lp: LinearProgram, totals: _Totals, inputs: AllocationInputs, penalty: float,
         s: float) -> None:
    if inputs.mix.empty:
        return
    info = totals.keys.merge(inputs.products[[n.PRODUCT, n.MARGIN_TIER, "ticket"]],
                             on=n.PRODUCT, how="left")
    tier = info[n.MARGIN_TIER].to_numpy()
    ticket = info["ticket"].to_numpy(float)
    mix = inputs.mix.reset_index(drop=True)
    labels = mix[["rule", "tier"]]
    slack = lp.add_variables(f.MIX_SLACK, labels, cost=penalty).cols()
    rows, cols, vals = [], [], []
    lower, upper = np.full(len(mix), -np.inf), np.full(len(mix), np.inf)
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
        # sum_p coef_p * (target_p - short_p) (+-slack) within the rule's bound
        keep = coef != 0
        shift = float(np.sum(coef[keep] * totals.target[keep]))
        rows.append(np.full(int(keep.sum()) + 1, i, np.int64))
        cols.append(np.append(totals.short[keep], slack[i]))
        vals.append(np.append(-coef[keep], 1.0 if minimum else -1.0))
        if minimum:
            lower[i] = bound - shift
        else:
            upper[i] = bound - shift
    lp.add_constraints(f.MIX, labels, np.concatenate(rows), np.concatenate(cols),
                       np.concatenate(vals), lower=lower, upper=upper)
