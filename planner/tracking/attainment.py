"""Targets and actuals side by side: per month, to date, for the year, and the landing.

Targets to date are the plan's amounts of the closed week parts of the months each
team has actuals for. The year-end landing at the current run rate is the actual to
date plus the remaining target times the attainment to date (the plan's own phasing
carries the rate through the rest of the year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.tracking.actuals import Actuals
from planner.tracking.columns import (
    ACTUAL,
    ALL,
    ATTAINMENT,
    ATTAINMENT_COLUMNS,
    FULL_YEAR,
    TARGET,
    TO_DATE,
)

KEYS = [n.TEAM, n.PRODUCT, n.MONTH]


def ratio(actual: pd.Series | np.ndarray, target: pd.Series | np.ndarray) -> np.ndarray:
    """``actual / target``, NaN where the target is 0.

    Examples
    --------
    >>> ratio(np.array([5.0, 1.0]), np.array([4.0, 0.0])).tolist()
    [1.25, nan]
    """
    a, t = np.asarray(actual, float), np.asarray(target, float)
    return np.divide(a, t, out=np.full(len(a), np.nan), where=t != 0)


def compared_cells(plan: pd.DataFrame, closed: pd.DataFrame, actuals: Actuals) -> pd.DataFrame:
    """``team, product, month, target, actual, units`` of every month with actuals.

    ``closed``: the closed week parts (``week, month``).
    """
    rows = plan.merge(closed[[n.WEEK, n.MONTH]], on=[n.WEEK, n.MONTH])
    target = rows.groupby(KEYS, as_index=False)[n.AMOUNT].sum().rename(
        columns={n.AMOUNT: TARGET})
    target = target.merge(actuals.reported, on=[n.TEAM, n.MONTH])
    actual = actuals.monthly.rename(columns={n.AMOUNT: ACTUAL})
    actual = actual.merge(actuals.reported, on=[n.TEAM, n.MONTH])
    cells = target.merge(actual, on=KEYS, how="outer").fillna({TARGET: 0.0, ACTUAL: 0.0})
    order = {t: i for i, t in enumerate(dict.fromkeys(plan[n.TEAM]))}
    products = {p: i for i, p in enumerate(dict.fromkeys(plan[n.PRODUCT]))}
    cells = cells.assign(_t=cells[n.TEAM].map(order).fillna(len(order)),
                         _p=cells[n.PRODUCT].map(products).fillna(len(products)))
    cells = cells.sort_values(["_t", n.TEAM, "_p", n.PRODUCT, n.MONTH], kind="stable")
    return cells.drop(columns=["_t", "_p"]).reset_index(drop=True)


def attainment_table(plan: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """``attainment.csv``: per team x product x month, to date and full year.

    Each team also has all-products rows (product ``*``), and the company has rows
    with team and product ``*``.
    """
    year = plan.groupby([n.TEAM, n.PRODUCT], as_index=False, sort=False)[n.AMOUNT].sum()
    year = year.rename(columns={n.AMOUNT: TARGET})
    detail = cells[KEYS + [TARGET, ACTUAL]]
    frames = []
    for level in ([n.TEAM, n.PRODUCT], [n.TEAM], []):
        star = {c: ALL for c in (n.TEAM, n.PRODUCT) if c not in level}
        monthly = detail.groupby(level + [n.MONTH], as_index=False, sort=False)[
            [TARGET, ACTUAL]].sum() if level else detail.groupby(
            n.MONTH, as_index=False)[[TARGET, ACTUAL]].sum()
        to_date = detail.groupby(level, as_index=False, sort=False)[[TARGET, ACTUAL]].sum() \
            if level else detail[[TARGET, ACTUAL]].sum().to_frame().T
        full = year.groupby(level, as_index=False, sort=False)[TARGET].sum() if level \
            else year[[TARGET]].sum().to_frame().T
        full = full.merge(to_date.drop(columns=TARGET), on=level, how="left") if level \
            else full.assign(**{ACTUAL: float(to_date[ACTUAL].iloc[0])})
        full = full.fillna({ACTUAL: 0.0})
        for frame, month in ((monthly, None), (to_date, TO_DATE), (full, FULL_YEAR)):
            part = frame.assign(**star)
            if month is not None:
                part[n.MONTH] = month
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out[ATTAINMENT] = ratio(out[ACTUAL], out[TARGET])
    rank = {TO_DATE: "2", FULL_YEAR: "3"}
    teams = {t: i for i, t in enumerate(dict.fromkeys(plan[n.TEAM]))}
    products = {p: i for i, p in enumerate(dict.fromkeys(plan[n.PRODUCT]))}
    out = out.assign(
        _t=out[n.TEAM].map(teams).fillna(len(teams)).where(out[n.TEAM] != ALL, len(teams) + 1),
        _p=out[n.PRODUCT].map(products).fillna(len(products)).where(out[n.PRODUCT] != ALL,
                                                                    len(products) + 1),
        _m=[rank.get(m, "1" + m) for m in out[n.MONTH]])
    out = out.sort_values(["_t", n.TEAM, "_p", n.PRODUCT, "_m"], kind="stable")
    return out[list(ATTAINMENT_COLUMNS)].reset_index(drop=True)


def landing_table(plan: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Per team (and ``*``, the company): year target, to date, and the landing.

    ``team, target, target_to_date, actual_to_date, attainment_to_date, landing,
    landing_attainment``.
    """
    year = plan.groupby(n.TEAM, sort=False)[n.AMOUNT].sum()
    to_date = cells.groupby(n.TEAM, sort=False)[[TARGET, ACTUAL]].sum()
    out = pd.DataFrame({n.TEAM: year.index, TARGET: year.to_numpy()})
    out = out.merge(to_date.rename(columns={TARGET: "target_to_date",
                                            ACTUAL: "actual_to_date"}).reset_index(),
                    on=n.TEAM, how="left").fillna(0.0)
    company = pd.DataFrame([{n.TEAM: ALL, **out.drop(columns=n.TEAM).sum().to_dict()}])
    out = pd.concat([out, company], ignore_index=True)
    rate = ratio(out["actual_to_date"], out["target_to_date"])
    out["attainment_to_date"] = rate
    remaining = out[TARGET] - out["target_to_date"]
    out["landing"] = out["actual_to_date"] + remaining * np.nan_to_num(rate, nan=1.0)
    out["landing_attainment"] = ratio(out["landing"], out[TARGET])
    return out


def cumulative_table(plan: pd.DataFrame, cells: pd.DataFrame,
                     landing: pd.DataFrame) -> pd.DataFrame:
    """Company per month, with the landing path.

    ``month, target, actual, cumulative_target, cumulative_actual, landing`` (the
    run-rate path from the last month with actuals to the year end).
    """
    months = sorted(set(plan[n.MONTH]))
    target = plan.groupby(n.MONTH)[n.AMOUNT].sum().reindex(months).fillna(0.0)
    actual = cells.groupby(n.MONTH)[ACTUAL].sum().reindex(months)
    out = pd.DataFrame({n.MONTH: months, TARGET: target.to_numpy(),
                        ACTUAL: actual.to_numpy()})
    out["cumulative_target"] = out[TARGET].cumsum()
    out["cumulative_actual"] = out[ACTUAL].cumsum().where(out[ACTUAL].notna())
    company = landing.loc[landing[n.TEAM] == ALL].iloc[0]
    rate = company["attainment_to_date"]
    rate = 1.0 if rate != rate else float(rate)
    last = out[ACTUAL].last_valid_index()
    path = np.full(len(out), np.nan)
    if last is not None:
        start = float(out.loc[last, "cumulative_actual"])
        later = out.index > last
        path[last] = start
        path[later] = start + np.cumsum(out.loc[later, TARGET].to_numpy() * rate)
    out["landing"] = path
    return out
