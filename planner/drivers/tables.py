"""Tables describing a driver solution: drivers.csv and product_targets.csv."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner import names as n
from planner.drivers.search import Point
from planner.drivers.tree import DriverTree
from planner.scenario.schema import DEMAND_KINDS
from planner.whole_units import round_targets

#: Columns of ``product_targets.csv`` after :data:`planner.names.PRODUCT_TARGETS_COLUMNS`.
PRODUCT_TARGETS_EXTRA = ("multiple", "exact_amount", "ticket")

_BASELINE_OF = {"conversion": "conversion", "repurchase": "repurchase", "ticket": "ticket"}


def lever_baseline(tree: DriverTree, name: str, capacity_baselines: dict[str, float]) -> float:
    """Last year's value of the driver a lever moves, over the lever's scope."""
    lever = tree.levers[name]
    if lever.kind in ("productivity", "seats"):
        return capacity_baselines.get(lever.kind, math.nan)
    mask = np.array([lever.covers(p, s) for p, s in zip(
        tree.cells[n.PRODUCT].to_numpy(object), tree.cells[n.SEGMENT].to_numpy(object),
        strict=True)], dtype=bool)
    if not mask.any():
        return math.nan
    if lever.kind == "customers":
        return float(tree.cells.loc[mask].drop_duplicates(n.SEGMENT)["customers"].sum())
    values = tree.cells[_BASELINE_OF[lever.kind]].to_numpy(float)[mask]
    return float(np.average(values, weights=tree.cells[n.AMOUNT].to_numpy(float)[mask]))


def drivers_table(tree: DriverTree, point: Point, capacity_baselines: dict[str, float],
                  capacity_value: float) -> pd.DataFrame:
    """One row per lever: baseline, uplift, planned value, cap, binding, marginal value.

    ``marginal_value`` is the revenue one more point of uplift (0.01) on the lever
    would add at the plan, other levers held; for the capacity levers it is the
    revenue-equivalent of relaxing the capacity constraints (from their duals).
    ``contribution`` is the revenue the lever adds over last year: each cell's gain
    split over its levers by their shares of its log multiple, so the contributions
    add up exactly to the target minus last year (normalised); capacity levers add
    none (they make room for the sales, they do not make them).
    """
    amount = tree.cells[n.AMOUNT].to_numpy()
    revenue = amount * np.exp(point.s)
    demand = tree.cell_levers(DEMAND_KINDS)
    contribution = _contributions(tree, point, amount, revenue, demand)
    rows = []
    for name, lever in tree.levers.items():
        x = point.x[name]
        uplift = math.expm1(x)
        if lever.kind in ("productivity", "seats"):
            marginal = capacity_value * 0.01 / (1 + uplift)
        else:
            touched = np.array([name in row for row in demand])
            marginal = float(revenue[touched].sum()) * 0.01 / (1 + uplift)
        base = lever_baseline(tree, name, capacity_baselines)
        at_cap = (not lever.fixed) and x >= lever.hi - 1e-7
        rows.append({
            "lever": name, "kind": lever.kind, "scope": lever.scope, "baseline": base,
            "uplift": uplift, "planned": base * (1 + uplift), "cap": lever.cap,
            "binding": "fixed" if lever.fixed else ("cap" if at_cap else ""),
            "marginal_value": marginal, "contribution": contribution.get(name, 0.0),
        })
    return pd.DataFrame(rows, columns=[*n.DRIVERS_COLUMNS, "kind", "contribution"])


def _contributions(tree: DriverTree, point: Point, amount: np.ndarray, revenue: np.ndarray,
                   demand: list[list[str]]) -> dict[str, float]:
    """Revenue each lever adds: every cell's gain split by its levers' log shares (exact)."""
    out: dict[str, float] = {}
    for k, names in enumerate(demand):
        s_k = point.s[k]
        if abs(s_k) < 1e-15:
            continue
        gain = revenue[k] - amount[k]
        for name in names:
            out[name] = out.get(name, 0.0) + gain * point.x[name] / s_k
    return out


def unit_prices(products: pd.DataFrame) -> pd.Series:
    """The unit price of each fixed-ticket product in the plan (NaN for variable tickets).

    A declared ticket (``fixed_ticket``, or the baselines' ``planned_ticket``) is the
    price: the story plans a trust's short tail of smaller tickets at the declared
    1,000,000. Without one, last year's average ticket.
    """
    frame = products.set_index(n.PRODUCT)
    fixed = frame.get(n.TICKET_MODE, pd.Series("variable", index=frame.index)) == "fixed"
    price = pd.Series(np.nan, index=frame.index, dtype=float)
    for col in ("planned_ticket", n.FIXED_TICKET):
        if col in frame:
            price = price.fillna(pd.to_numeric(frame[col], errors="coerce"))
    average = frame[n.AMOUNT] / frame[n.UNITS].where(frame[n.UNITS] > 0)
    price = price.where(price > 0).fillna(average)
    return price.where(fixed)


def product_targets_table(tree: DriverTree, point: Point, products: pd.DataFrame) -> pd.DataFrame:
    """Per product: last year's and the target amount and units, in whole units.

    A fixed-ticket product's target is a whole number of units at its unit price
    (:func:`unit_prices`); a variable-ticket product's is in cents. What rounding to
    whole units moves is taken from the variable-ticket products of the same margin tier
    (:func:`planner.whole_units.round_targets`), so the company total stays the target to
    the cent whenever there are variable-ticket products. ``exact_amount`` keeps the
    driver model's unrounded target, ``ticket`` the unit price (NaN: variable).
    """
    cells = tree.cells.assign(
        target_amount=tree.cells[n.AMOUNT].to_numpy() * np.exp(point.s),
        target_units=tree.cells[n.UNITS].to_numpy() * np.exp(point.o),
    )
    by_product = cells.groupby(n.PRODUCT, sort=False)[["target_amount", "target_units"]].sum()
    base = products.set_index(n.PRODUCT)[[n.AMOUNT, n.UNITS]].rename(
        columns={n.AMOUNT: "baseline_amount", n.UNITS: "baseline_units"})
    out = base.join(by_product, how="left").fillna({"target_amount": 0.0, "target_units": 0.0})
    out = out.reset_index()
    price = unit_prices(products).reindex(out[n.PRODUCT]).to_numpy(float)
    tier = (products.set_index(n.PRODUCT)[n.MARGIN_TIER].reindex(out[n.PRODUCT]).to_numpy()
            if n.MARGIN_TIER in products else None)
    exact = out["target_amount"].to_numpy(float)
    fixed = np.isfinite(price)
    counts, quantum = round_targets(exact, price, fixed, tier)
    rounded = counts * quantum
    implied = np.divide(out["target_units"].to_numpy(float), exact,
                        out=np.zeros(len(out)), where=exact > 0)
    out["target_units"] = np.where(fixed, counts.astype(float), rounded * implied)
    out["target_amount"] = rounded
    out["multiple"] = np.where(out["baseline_amount"] > 0,
                               out["target_amount"] / out["baseline_amount"], np.nan)
    out["exact_amount"] = exact
    out["ticket"] = price
    return out[[*n.PRODUCT_TARGETS_COLUMNS, *PRODUCT_TARGETS_EXTRA]]


def rounding_note(target: float, product_targets: pd.DataFrame) -> str:
    """One line on how whole units moved the targets, for the summary and the run's output.

    Examples
    --------
    >>> t = pd.DataFrame({"target_amount": [2e6, 1_400_000.0], "exact_amount": [2.4e6, 1e6],
    ...                   "ticket": [1e6, float("nan")]})
    >>> rounding_note(3.4e6, t)
    'fixed-ticket products in whole units (-400,000.00 from the exact targets, taken up by \
variable-ticket products); amounts in cents; company target exact'
    >>> rounding_note(2.4e6, t.iloc[:1])
    'fixed-ticket products in whole units (-400,000.00 from the exact targets); company \
target 2,000,000.00 is -400,000.00 (0.4 tickets) from the exact 2,400,000.00'
    """
    ticket = product_targets.get("ticket", pd.Series(np.nan, index=product_targets.index))
    fixed = ticket.notna().to_numpy()
    amount = product_targets["target_amount"].to_numpy(float)
    exact = product_targets.get("exact_amount", product_targets["target_amount"]).to_numpy(float)
    total = float(amount.sum())
    moved = total - float(target)
    if not fixed.any():
        return f"amounts in cents; company target {total:,.2f}"
    by_rounding = float((amount - exact)[fixed].sum())
    head = f"fixed-ticket products in whole units ({by_rounding:+,.2f} from the exact targets"
    if (~fixed).any() and abs(moved) < 0.005:
        return f"{head}, taken up by variable-ticket products); amounts in cents; " \
               "company target exact"
    tickets = moved / float(np.nanmean(ticket.to_numpy(float)[fixed]))
    return (f"{head}); company target {total:,.2f} is {moved:+,.2f} ({abs(tickets):.1f} "
            f"tickets) from the exact {float(target):,.2f}")


def customer_targets(tree: DriverTree, point: Point, segments: pd.DataFrame) -> dict[str, float]:
    """Company targets for active (buying) customers and new buyers, from the levers.

    Per segment, last year's distinct buyers grow as the cells' buyers do (customers x
    conversion levers, weighted by each cell's buyers); ``new_customers`` is the growth
    over last year's buyers.
    """
    levers = tree.cell_levers(("customers", "conversion"))
    growth = np.exp([sum(point.x[k] for k in row) for row in levers])
    cells = tree.cells.assign(planned=tree.cells["buyers"].to_numpy() * growth)
    by_segment = cells.groupby(n.SEGMENT)[["buyers", "planned"]].sum()
    ratio = (by_segment["planned"] / by_segment["buyers"]).replace([np.inf], np.nan).fillna(1.0)
    last = segments.set_index(n.SEGMENT)["buyers"].astype(float)
    active = float((last * ratio.reindex(last.index).fillna(1.0)).sum())
    return {"active_customers": active, "new_customers": max(active - float(last.sum()), 0.0)}
