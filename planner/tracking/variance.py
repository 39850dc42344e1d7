"""The variance of each team x product x month split into effects that sum exactly.

**By driver** (transactions with customer ids and segments, and the plan's drivers):
a cell's revenue is a sum over customer segments of

    customers x conversion x mix_s x repurchase_s x ticket_s

with ``customers`` the reachable base, ``conversion`` buyers per reachable customer,
``mix_s`` segment ``s``'s share of the buyers, ``repurchase_s`` units per buyer and
``ticket_s`` amount per unit. The target side takes the plan's amount for the cell,
split over segments as the driver model plans the product (its planned segment
amounts, repurchase, ticket and conversion); the actual side counts buyers, units and
amounts in the transactions. The actual base is the planned one grown as the
customers table of the actuals says (the segment's stock that month over the base the
plan counted on); without a customers table the base is the planned one, so the
change in buyers shows as conversion. Each segment's change ``A_s - T_s`` is split
over the factors by the logarithmic mean (LMDI): ``L(A_s, T_s) x ln(f_A / f_T)``,
whose terms add up to the change exactly. A segment planned but without buyers, or
with buyers but not planned, or with net returns, changes the mix; a cell without any
buyers misses its target through conversion, and a cell without a target is mix.

**By volume, price and mix** (otherwise): within a team's month, ``V_p`` is product
``p``'s actual units at its planned price (the actual amount when the actuals have no
units, as team workbooks); ``volume_p = T_p (V / T - 1)`` is the team's month moving
at the planned mix, ``mix_p = V_p - T_p V / T`` the shift between products and
``price_p = A_p - V_p`` the change of price. They add up to ``A_p - T_p``.

Examples
--------
>>> effects = lmdi(np.array([120.0]), np.array([100.0]),
...                np.array([[1.2, 1.0]]), np.array([[1.0, 1.0]]))
>>> round(float(effects.sum()), 9), [round(float(v), 6) for v in effects[0]]
(20.0, [20.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.errors import ModelError
from planner.tracking.columns import ACTUAL, DRIVER_EFFECTS, TARGET, VARIANCE, VOLUME_EFFECTS

DRIVERS, VOLUME = "drivers", "volume"
TOLERANCE = 1e-6


def log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Logarithmic mean ``(a - b) / (ln a - ln b)`` (``a`` where ``a == b``); a, b > 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    same = np.isclose(a, b, rtol=1e-12, atol=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (np.log(a) - np.log(b))
    return np.where(same, a, out)


def lmdi(actual: np.ndarray, target: np.ndarray, f_actual: np.ndarray,
         f_target: np.ndarray) -> np.ndarray:
    """Split ``actual - target`` per row over factors whose product is each side.

    Parameters
    ----------
    actual, target : ndarray, shape (k,)
        Positive values.
    f_actual, f_target : ndarray, shape (k, m)
        Positive factors; each row multiplies out to ``actual`` / ``target``.

    Returns
    -------
    ndarray, shape (k, m)
        Effects; each row sums to ``actual - target``.
    """
    weight = log_mean(actual, target)
    return weight[:, None] * (np.log(f_actual) - np.log(f_target))


def _exact(frame: pd.DataFrame, effects: tuple[str, ...]) -> pd.DataFrame:
    """Check the effects add up; put the float residue into ``mix``."""
    residue = frame[VARIANCE].to_numpy() - frame[list(effects)].to_numpy().sum(axis=1)
    scale = np.maximum(np.maximum(frame[ACTUAL].abs(), frame[TARGET].abs()).to_numpy(), 1.0)
    if np.any(np.abs(residue) > TOLERANCE * scale):
        worst = int(np.argmax(np.abs(residue) / scale))
        raise ModelError(f"variance effects do not add up for {frame.iloc[worst].to_dict()} "
                         f"(off by {residue[worst]:.6g}); please report this")
    frame["mix"] = frame["mix"].to_numpy() + residue
    return frame


def volume_price_mix(cells: pd.DataFrame, planned_price: pd.Series) -> pd.DataFrame:
    """Volume, price and mix effects per team x product x month.

    Parameters
    ----------
    cells : DataFrame
        ``team, product, month, target, actual, units`` (units NaN when unknown).
    planned_price : Series
        Planned amount per unit, by product.

    Returns
    -------
    DataFrame
        ``cells`` with ``variance, volume, price, mix``.
    """
    out = cells.copy()
    price = out[n.PRODUCT].map(planned_price).to_numpy(float)
    units = out[n.UNITS].to_numpy(float)
    known = np.isfinite(units) & np.isfinite(price) & (price > 0)
    at_plan = np.where(known, units * np.where(known, price, 0.0), out[ACTUAL].to_numpy(float))
    out["_v"] = at_plan
    group = out.groupby([n.TEAM, n.MONTH], sort=False)
    v_total = group["_v"].transform("sum").to_numpy(float)
    t_total = group[TARGET].transform("sum").to_numpy(float)
    target = out[TARGET].to_numpy(float)
    ratio = np.divide(v_total, t_total, out=np.ones(len(out)), where=t_total != 0)
    out[VARIANCE] = out[ACTUAL] - out[TARGET]
    out["volume"] = np.where(t_total != 0, target * (ratio - 1.0), 0.0)
    out["price"] = out[ACTUAL].to_numpy(float) - at_plan
    out["mix"] = at_plan - target - out["volume"].to_numpy()
    out = out.drop(columns="_v")
    return _exact(out, VOLUME_EFFECTS)


def driver_effects(cells: pd.DataFrame, segments: pd.DataFrame, planned: pd.DataFrame,
                   base_growth: pd.DataFrame | None) -> pd.DataFrame:
    """Customers, conversion, repurchase, ticket and mix effects per cell.

    Parameters
    ----------
    cells : DataFrame
        ``team, product, month, target, actual``.
    segments : DataFrame
        Actual ``team, product, month, segment, amount, units, buyers``.
    planned : DataFrame
        The plan's drivers per ``product, segment``: ``amount, conversion, repurchase,
        ticket`` (amount: the planned revenue, for the segment split).
    base_growth : DataFrame or None
        ``product, segment, month, growth``: the actual reachable base over the planned
        one (1 when absent).

    Returns
    -------
    DataFrame
        ``cells`` with ``variance`` and one column per effect of
        :data:`~planner.tracking.columns.DRIVER_EFFECTS`.
    """
    keys = [n.TEAM, n.PRODUCT, n.MONTH]
    drivers = planned[[n.AMOUNT, "conversion", "repurchase", "ticket"]].astype(float)
    plan = planned.loc[(drivers > 0).all(axis=1) & np.isfinite(drivers).all(axis=1)].copy()
    plan["w"] = plan[n.AMOUNT] / plan.groupby(n.PRODUCT)[n.AMOUNT].transform("sum")
    t_side = cells[keys + [TARGET]].merge(plan[[n.PRODUCT, n.SEGMENT, "w", "conversion",
                                                "repurchase", "ticket"]], on=n.PRODUCT)
    t_side["t_amount"] = t_side[TARGET] * t_side["w"]
    t_side["t_buyers"] = t_side["t_amount"] / (t_side["repurchase"] * t_side["ticket"])
    t_side["t_base"] = t_side["t_buyers"] / t_side["conversion"]
    a_side = segments.rename(columns={n.AMOUNT: "a_amount", n.UNITS: "a_units",
                                      "buyers": "a_buyers"})
    seg = t_side.merge(a_side[keys + [n.SEGMENT, "a_amount", "a_units", "a_buyers"]],
                       on=keys + [n.SEGMENT], how="outer")
    seg = seg.merge(cells[keys], on=keys)  # cells of the comparison only
    if base_growth is not None and len(base_growth):
        seg = seg.merge(base_growth, on=[n.PRODUCT, n.SEGMENT, n.MONTH], how="left")
    else:
        seg["growth"] = 1.0
    seg = seg.fillna({"t_amount": 0.0, "t_buyers": 0.0, "t_base": 0.0, "a_amount": 0.0,
                      "a_units": 0.0, "a_buyers": 0.0, "growth": 1.0})
    seg["a_base"] = seg["t_base"] * seg["growth"]
    by_cell = seg.groupby(keys, sort=False)
    for col in ("t_buyers", "t_base", "a_buyers", "a_base", "a_amount"):
        seg[f"{col}_cell"] = by_cell[col].transform("sum")
    effects = np.zeros((len(seg), len(DRIVER_EFFECTS)))
    change = seg["a_amount"].to_numpy(float) - seg["t_amount"].to_numpy(float)
    t_cell_buyers, a_cell_buyers = seg["t_buyers_cell"].to_numpy(), seg["a_buyers_cell"].to_numpy()
    a_cell_base = seg["a_base_cell"].to_numpy()
    conversion, mix = DRIVER_EFFECTS.index("conversion"), DRIVER_EFFECTS.index("mix")
    no_buyers = a_cell_buyers <= 0
    no_target = t_cell_buyers <= 0
    t_amount, a_amount = seg["t_amount"].to_numpy(float), seg["a_amount"].to_numpy(float)
    a_units, a_buyers = seg["a_units"].to_numpy(float), seg["a_buyers"].to_numpy(float)
    usable = (~no_buyers & ~no_target & (t_amount > 0) & (a_amount > 0) & (a_units > 0)
              & (a_buyers > 0) & (a_cell_base > 0))
    effects[no_buyers & ~no_target, conversion] = change[no_buyers & ~no_target]
    rest = ~usable & ~(no_buyers & ~no_target)
    effects[rest, mix] = change[rest]
    if usable.any():
        u = seg.loc[usable]
        f_t = np.column_stack([
            u["t_base_cell"], u["t_buyers_cell"] / u["t_base_cell"],
            u["repurchase"], u["ticket"], u["t_buyers"] / u["t_buyers_cell"]])
        f_a = np.column_stack([
            u["a_base_cell"], u["a_buyers_cell"] / u["a_base_cell"],
            u["a_units"] / u["a_buyers"], u["a_amount"] / u["a_units"],
            u["a_buyers"] / u["a_buyers_cell"]])
        effects[usable] = lmdi(u["a_amount"].to_numpy(float), u["t_amount"].to_numpy(float),
                               f_a.astype(float), f_t.astype(float))
    frame = pd.DataFrame(effects, columns=list(DRIVER_EFFECTS))
    frame[keys] = seg[keys].to_numpy()
    summed = frame.groupby(keys, sort=False, as_index=False)[list(DRIVER_EFFECTS)].sum()
    out = cells.merge(summed, on=keys, how="left").fillna({e: 0.0 for e in DRIVER_EFFECTS})
    out[VARIANCE] = out[ACTUAL] - out[TARGET]
    # a product the driver model has no segments for: its whole variance is mix
    unplanned = ~out[n.PRODUCT].isin(set(plan[n.PRODUCT])).to_numpy()
    out.loc[unplanned, list(DRIVER_EFFECTS)] = 0.0
    out.loc[unplanned, "mix"] = out.loc[unplanned, VARIANCE]
    return _exact(out, DRIVER_EFFECTS)
