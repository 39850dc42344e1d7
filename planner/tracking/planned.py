"""The plan's drivers per product x segment, for the driver split of the variance.

The driver model plans each cell's customers, conversion, repurchase and ticket as
last year's value times ``(1 + uplift)`` of the lever acting on it
(:class:`~planner.drivers.tree.DriverTree`); the planned revenue of a cell is its
baseline times the product of those factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.compute import Baselines
from planner.drivers.solve import DriverResult

KINDS = ("customers", "conversion", "repurchase", "ticket")


def planned_drivers(drivers: DriverResult, baselines: Baselines) -> pd.DataFrame:
    """``product, segment, amount, base, customers_factor, conversion, repurchase, ticket``.

    ``amount`` is the planned revenue of the cell, ``base`` last year's reachable base of
    its segment and ``customers_factor`` the planned growth of that base for the cell.
    """
    cells = drivers.tree.cells
    x = drivers.point.x
    out = cells[[n.PRODUCT, n.SEGMENT]].copy()
    factor = {}
    for kind in KINDS:
        levers = cells[f"lever_{kind}"].astype(str)
        factor[kind] = np.exp([x.get(name, 0.0) if name else 0.0 for name in levers])
    out[n.AMOUNT] = cells[n.AMOUNT].to_numpy(float) * np.exp(drivers.point.s)
    base = baselines.segments.set_index(n.SEGMENT)["customers"].astype(float)
    out["base"] = out[n.SEGMENT].map(base).to_numpy(float)
    out["customers_factor"] = factor["customers"]
    for kind in ("conversion", "repurchase", "ticket"):
        out[kind] = cells[kind].to_numpy(float) * factor[kind]
    return out.reset_index(drop=True)


def base_growth(planned: pd.DataFrame, customers: pd.DataFrame | None,
                months: list[str]) -> pd.DataFrame | None:
    """Actual reachable base over the planned one per ``product, segment, month``.

    From the actuals' customers table (``stock`` of the segment in the month) over last
    year's base grown as the plan says; None without a customers table.
    """
    if customers is None or customers.empty or n.STOCK not in customers:
        return None
    stock = customers.assign(**{n.MONTH: pd.to_datetime(customers[n.MONTH]).dt.strftime("%Y-%m")})
    stock = stock.loc[stock[n.MONTH].isin(months), [n.SEGMENT, n.MONTH, n.STOCK]]
    stock = stock.groupby([n.SEGMENT, n.MONTH], as_index=False)[n.STOCK].sum()
    out = planned[[n.PRODUCT, n.SEGMENT, "base", "customers_factor"]].merge(stock, on=n.SEGMENT)
    planned_base = out["base"] * out["customers_factor"]
    out["growth"] = (out[n.STOCK] / planned_base.where(planned_base > 0)).replace(
        [np.inf, -np.inf], np.nan)
    out = out.dropna(subset=["growth"])
    out = out.loc[out["growth"] > 0]
    return out[[n.PRODUCT, n.SEGMENT, n.MONTH, "growth"]].reset_index(drop=True)
