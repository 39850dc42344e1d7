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

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.explain.inputs import ExplainInputs, inputs_of
from planner.explain.shared import cached
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


@dataclass(frozen=True)
class MonthRows:
    """One team's twelve months as plain arrays (the rows of :func:`month_steps`).

    Attributes
    ----------
    month : list of str
        ``YYYY-MM``.
    working_days : ndarray
    even, season, capacity_rules, target : ndarray of int64
        Cents; ``even + season + capacity_rules == target``.
    note : list of str
        The month's reasons.
    """

    month: list[str]
    working_days: np.ndarray
    even: np.ndarray
    season: np.ndarray
    capacity_rules: np.ndarray
    target: np.ndarray
    note: list[str]

    def frame(self) -> pd.DataFrame:
        """The rows as :func:`month_steps` gives them."""
        return pd.DataFrame({"month": self.month, "working_days": self.working_days,
                             "even": self.even, "season": self.season,
                             "capacity_rules": self.capacity_rules, "target": self.target,
                             "note": self.note})


def month_rows(result: PlanResult, team: str, lang: str = "en") -> MonthRows:
    """One team's :class:`MonthRows` (a look-up in every team's, made once per plan)."""
    found = month_records(result, lang).get(str(team))
    if found is None:  # a team with no plan rows: nothing sold, spread by working days
        common = _common(result)
        found = _team_months(common, str(team), np.zeros((0, 12)), np.zeros((0, 12)), [],
                             inputs_of(result), lang)
    return found


def month_steps(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """One team's months: working days, the three parts (cents), target and reasons.

    Every team's months are computed once per plan and language (:func:`month_records`);
    this is a look-up in them.

    Returns
    -------
    DataFrame
        ``month, working_days, even, season, capacity_rules, target, note``; ``even +
        season + capacity_rules == target`` in cents, and the targets add up to the
        team's year target.
    """
    return month_rows(result, team, lang).frame()


def month_records(result: PlanResult, lang: str = "en") -> dict[str, MonthRows]:
    """Every team's :class:`MonthRows` (once per plan and language, kept in the cache).

    The plan is summed per team, product and month in one ``groupby``; what every team
    shares (working days, the products' phasing, selling windows, events) is read once.
    """
    ex = inputs_of(result)
    return cached(ex, f"months:{lang}", lambda: _all_months(result, ex, lang))


def month_tables(result: PlanResult, lang: str = "en") -> dict[str, pd.DataFrame]:
    """Every team's :func:`month_steps`, as frames (from :func:`month_records`)."""
    return {team: rows.frame() for team, rows in month_records(result, lang).items()}


class _Common:
    """What every team's months share (once per plan)."""

    def __init__(self, result: PlanResult, ex: ExplainInputs) -> None:
        self.months = [f"{result.year:04d}-{m:02d}" for m in range(1, 13)]
        days = ex.allocation.slots.groupby(n.MONTH)[n.WORKING_DAYS].sum()
        self.days = days.reindex(self.months).fillna(0.0)
        total = self.days.sum()
        self.share_days = self.days / total if total > 0 else self.days
        self.path = cached(ex, "month_paths", lambda: _paths(ex))
        self.windows = cached(ex, "selling_windows", lambda: _windows(ex))
        self.events = [_events(ex, month) for month in self.months]
        self.day_values = self.days.to_numpy(float)
        self.avg = float(self.days.mean()) if len(self.days) else 0.0
        #: the calendar months each product with a selling window does not sell in
        self.closed = {product: frozenset(m for m in range(1, 13)
                                          if not _selling(self.windows, product, m))
                       for product in self.windows}
        self.closed = {product: months for product, months in self.closed.items() if months}


def _common(result: PlanResult) -> _Common:
    ex = inputs_of(result)
    return cached(ex, "months:common", lambda: _Common(result, ex))


def _events(ex: ExplainInputs, month: str) -> list[tuple[str, float]]:
    """The events overlapping ``month``: name and multiplier."""
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthEnd(0)
    return [(event.name, event.multiplier) for event in ex.events
            if pd.Timestamp(event.start) <= end and pd.Timestamp(event.end) >= start]


def plan_months(result: PlanResult) -> pd.DataFrame:
    """The plan summed per team and product (rows, sorted) and month of the year (columns).

    Once per plan (both languages' months read it): a row for every team and product
    the plan has rows for.
    """
    def make() -> pd.DataFrame:
        common = _common(result)
        plan = result.plan
        teams = plan[n.TEAM].astype(str).rename(n.TEAM)
        grid = plan.groupby([teams, plan[n.PRODUCT], plan[n.MONTH]])[n.AMOUNT].sum()
        return grid.unstack(n.MONTH).reindex(columns=common.months).fillna(0.0)
    return cached(inputs_of(result), "months:grid", make)


def _all_months(result: PlanResult, ex: ExplainInputs, lang: str) -> dict[str, MonthRows]:
    common = _common(result)
    grid = plan_months(result)
    values = np.ascontiguousarray(grid.to_numpy(float))
    products = grid.index.get_level_values(1)
    path = common.path.reindex(index=products, columns=common.months).fillna(0.0)
    paths = np.ascontiguousarray(path.to_numpy(float))
    codes = grid.index.get_level_values(0)
    out: dict[str, MonthRows] = {}
    bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        team = str(codes[lo])
        out[team] = _team_months(common, team, values[lo:hi], paths[lo:hi],
                                 list(products[lo:hi]), ex, lang)
    return out


def _team_months(common: _Common, team: str, target_pm: np.ndarray, path: np.ndarray,
                 products: list[str], ex: ExplainInputs, lang: str) -> MonthRows:
    """One team's months from its rows of the plan-wide grids (products x months)."""
    share = common.share_days.to_numpy(float)
    path = path.copy()
    missing = path.sum(axis=1) <= 0  # no path: spread by working days
    path[missing] = share
    target_p = target_pm.sum(axis=1)
    target = _cents(target_pm.sum(axis=0))
    even = _cents(float(target_p.sum()) * share)
    shaped = _cents((path * target_p[:, None]).sum(axis=0))
    season = shaped - even
    rules = target - shaped
    notes = _reasons(common, ex, team, path, target_p, products, lang)
    return MonthRows(list(common.months), common.days.to_numpy(float), even, season, rules,
                     target, notes)


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


def _reasons(common: _Common, ex: ExplainInputs, team: str, path: np.ndarray,
             target_p: np.ndarray, products: list[str], lang: str) -> list[str]:
    words = _REASONS[lang]
    days, avg = common.day_values, common.avg
    sold = [p for p, v in zip(products, target_p, strict=True) if v > 0]
    limited = [p for p in sold if p in common.closed]  # the others sell every month
    total = target_p.sum()
    weights = target_p / total if total > 0 else target_p
    share_days = common.share_days.to_numpy(float)
    seasonal = (path * weights[:, None]).sum(axis=0)
    hires = [h for h in ex.hires if str(h.team) == str(team)]
    out = []
    for i, _month in enumerate(common.months):
        number = i + 1
        reasons = [words["event"].format(name=name, mult=mult)
                   for name, mult in common.events[i]]
        closed = [p for p in limited if number in common.closed[p]]
        if closed:
            reasons.append(words["window"].format(products=", ".join(map(str, closed[:3]))))
        starting = sum(h.count for h in hires if h.month == number)
        if starting:
            reasons.append(words["hire"].format(count=starting))
        elif any(h.month < number < h.month + ex.ramp_months for h in hires):
            reasons.append(words["ramp"])
        if share_days[i] > 0:
            ratio = float(seasonal[i] / share_days[i])
            if abs(ratio - 1.0) >= 0.05:
                reasons.append(words["season"].format(ratio=ratio))
        if avg > 0 and abs(float(days[i]) - avg) >= 1.5:
            reasons.append(words["days"].format(days=float(days[i]), avg=avg))
        out.append("; ".join(reasons))
    return out


def _selling(windows: dict[str, tuple[int, int]], product: str, month: int) -> bool:
    """Whether ``product`` is inside its selling window in calendar ``month``."""
    if product not in windows:
        return True
    lo, hi = windows[product]
    return lo <= month <= hi if lo <= hi else (month >= lo or month <= hi)
