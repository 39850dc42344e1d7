"""The team's target per month in compact form: why some months carry more.

A month's target is split into three parts that add up to it exactly (in cents):

- ``even``: the year spread by working days (holidays and make-up days included);
- ``season``: what each product's phasing (its seasonality last year, the scenario's
  events, its selling window) moves, on the team's own product mix;
- ``capacity_rules``: what the allocation moved (weeks where capacity binds, hires
  ramping, the other rules).

Each month also gets short reasons: events, products outside their selling window,
hires starting or ramping, and the working days against the year's average month.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.explain.inputs import ExplainInputs, inputs_of
from planner.explain.shared import cached, rows_of, team_split
from planner.plan_result import PlanResult

COLUMNS: Final = ("month", "working_days", "even", "season", "capacity_rules", "target")

_REASONS: Final = {
    "en": {"event": "{name} (x{mult:g})", "window": "not selling {products}",
           "hire": "{count} hire(s) start", "ramp": "hires ramping",
           "days": "{days:g} working days (average {avg:.1f})",
           "season": "season x{ratio:.2f}"},
    "zh": {"event": "{name}（x{mult:g}）", "window": "不销售 {products}",
           "hire": "{count} 个新坐席入职", "ramp": "新坐席爬坡中",
           "days": "{days:g} 个工作日（平均 {avg:.1f}）",
           "season": "季节系数 {ratio:.2f}"},
}


def _cents(values: np.ndarray) -> np.ndarray:
    return np.rint(values * 100.0).astype(np.int64)


def month_steps(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """One team's months: working days, the three parts (cents), target and reasons.

    Returns
    -------
    DataFrame
        ``month, working_days, even, season, capacity_rules, target, note``; ``even +
        season + capacity_rules == target`` in cents, and the targets add up to the
        team's year target.
    """
    ex = inputs_of(result)
    a = ex.allocation
    months = [f"{result.year:04d}-{m:02d}" for m in range(1, 13)]
    plan = rows_of(team_split(ex, "plan", result.plan, n.TEAM), result.plan, team)
    target_pm = plan.groupby([n.PRODUCT, n.MONTH])[n.AMOUNT].sum().unstack(n.MONTH)
    target_pm = target_pm.reindex(columns=months).fillna(0.0)
    target_p = target_pm.sum(axis=1)
    slots = a.slots
    days = slots.groupby(n.MONTH)[n.WORKING_DAYS].sum().reindex(months).fillna(0.0)
    share_days = days / days.sum() if days.sum() > 0 else days
    path = cached(ex, "month_paths", lambda: _paths(ex))
    path = path.reindex(index=target_p.index, columns=months).fillna(0.0)
    missing = path.sum(axis=1) <= 0  # no path: spread by working days
    path.loc[missing] = np.tile(share_days.to_numpy(), (int(missing.sum()), 1))
    target = _cents(target_pm.sum(axis=0).to_numpy(float))
    even = _cents(float(target_p.sum()) * share_days.to_numpy(float))
    shaped = _cents((path.mul(target_p, axis=0)).sum(axis=0).to_numpy(float))
    season = shaped - even
    rules = target - shaped
    notes = _reasons(result, ex, team, months, days, path, target_p, lang)
    return pd.DataFrame({"month": months, "working_days": days.to_numpy(float),
                         "even": even, "season": season, "capacity_rules": rules,
                         "target": target, "note": notes})


def _paths(ex: ExplainInputs) -> pd.DataFrame:
    """Each product's phasing share per month (once per plan: every team shares it)."""
    a = ex.allocation
    path = a.paths.merge(a.slots[["slot", n.MONTH]], on="slot")
    return path.groupby([n.PRODUCT, n.MONTH])["share"].sum().unstack(n.MONTH)


def _windows(ex: ExplainInputs) -> dict[str, tuple[int, int]]:
    """Each product's selling window (first and last calendar month)."""
    products = ex.allocation.products.set_index(n.PRODUCT)
    if n.SELL_FROM_MONTH not in products.columns:
        return {}
    out: dict[str, tuple[int, int]] = {}
    for product, lo, hi in zip(products.index, products[n.SELL_FROM_MONTH],
                               products[n.SELL_TO_MONTH], strict=True):
        out[product] = (1 if pd.isna(lo) else int(lo), 12 if pd.isna(hi) else int(hi))
    return out


def _reasons(result: PlanResult, ex: ExplainInputs, team: str, months: list[str],
             days: pd.Series, path: pd.DataFrame, target_p: pd.Series,
             lang: str) -> list[str]:
    words = _REASONS[lang]
    avg = float(days.mean()) if len(days) else 0.0
    sold = [p for p, v in target_p.items() if v > 0]
    windows = cached(ex, "selling_windows", lambda: _windows(ex))
    weights = target_p / target_p.sum() if target_p.sum() > 0 else target_p
    share_days = days / days.sum() if days.sum() > 0 else days
    seasonal = path.mul(weights, axis=0).sum(axis=0)
    out = []
    for i, month in enumerate(months):
        number = i + 1
        reasons = []
        start = pd.Timestamp(f"{month}-01")
        end = start + pd.offsets.MonthEnd(0)
        for event in ex.events:
            if pd.Timestamp(event.start) <= end and pd.Timestamp(event.end) >= start:
                reasons.append(words["event"].format(name=event.name, mult=event.multiplier))
        closed = [p for p in sold if not _selling(windows, p, number)]
        if closed:
            reasons.append(words["window"].format(products=", ".join(map(str, closed[:3]))))
        starting = sum(h.count for h in ex.hires if str(h.team) == str(team)
                       and h.month == number)
        if starting:
            reasons.append(words["hire"].format(count=starting))
        elif any(str(h.team) == str(team) and h.month < number < h.month + ex.ramp_months
                 for h in ex.hires):
            reasons.append(words["ramp"])
        if share_days.iloc[i] > 0:
            ratio = float(seasonal.iloc[i] / share_days.iloc[i])
            if abs(ratio - 1.0) >= 0.05:
                reasons.append(words["season"].format(ratio=ratio))
        if avg > 0 and abs(float(days.iloc[i]) - avg) >= 1.5:
            reasons.append(words["days"].format(days=float(days.iloc[i]), avg=avg))
        out.append("; ".join(reasons))
    return out


def _selling(windows: dict[str, tuple[int, int]], product: str, month: int) -> bool:
    """Whether ``product`` is inside its selling window in calendar ``month``."""
    if product not in windows:
        return True
    lo, hi = windows[product]
    return lo <= month <= hi if lo <= hi else (month >= lo or month <= hi)
