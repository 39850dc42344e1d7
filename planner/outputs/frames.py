"""Pure reshaping of a PlanResult into the grids the workbooks and charts show.

Everything is aggregated once for all teams (one groupby per grid), then split by
team, so writing 400 team workbooks does not filter the plan 400 times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from planner import names as n
from planner.outputs.display import Display
from planner.plan_result import PlanResult

TIER_ORDER = {tier: i for i, tier in enumerate(n.MARGIN_TIERS)}
HIGH = n.MARGIN_TIERS[0]


def months_of(year: int) -> list[str]:
    """Return the twelve ``YYYY-MM`` labels of ``year``.

    Examples
    --------
    >>> months_of(2027)[:2]
    ['2027-01', '2027-02']
    """
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def tiers(result: PlanResult) -> dict[str, str]:
    """Margin tier per product (``""`` when unknown)."""
    products = result.products
    if n.MARGIN_TIER not in products.columns:
        return {}
    return {str(p): ("" if pd.isna(t) else str(t))
            for p, t in zip(products[n.PRODUCT], products[n.MARGIN_TIER], strict=True)}


def product_order(result: PlanResult) -> list[str]:
    """Products grouped by margin tier (high, standard, low, other), then as listed.

    Products of the plan missing from ``result.products`` come last, in plan order.
    """
    listed = [str(p) for p in result.products[n.PRODUCT]] if len(result.products) else []
    listed += [str(p) for p in dict.fromkeys(result.plan[n.PRODUCT]) if str(p) not in listed]
    tier = tiers(result)
    position = {p: i for i, p in enumerate(listed)}
    return sorted(listed, key=lambda p: (TIER_ORDER.get(tier.get(p, ""), len(TIER_ORDER)),
                                         position[p]))


def week_table(result: PlanResult) -> pd.DataFrame:
    """``week, week_start, working_days`` for every week of the calendar or the plan."""
    weeks = result.calendar_weeks.loc[:, [n.WEEK, n.WEEK_START, n.WORKING_DAYS]].copy()
    extra = result.plan.loc[~result.plan[n.WEEK].isin(weeks[n.WEEK]), [n.WEEK, n.WEEK_START]]
    extra = extra.drop_duplicates(n.WEEK).assign(**{n.WORKING_DAYS: float("nan")})
    weeks = pd.concat([weeks, extra], ignore_index=True) if len(extra) else weeks
    return weeks.sort_values([n.WEEK_START, n.WEEK], kind="stable").reset_index(drop=True)


def product_month(plan: pd.DataFrame, products: list[str], months: list[str]) -> pd.DataFrame:
    """Amount by product (rows, in ``products`` order) and month (columns)."""
    grid = plan.groupby([n.PRODUCT, n.MONTH], sort=False)[n.AMOUNT].sum().unstack(n.MONTH)
    return grid.reindex(index=products, columns=months).fillna(0.0)


def week_product(plan: pd.DataFrame, weeks: list[str], products: list[str]) -> pd.DataFrame:
    """Amount by week (rows) and product (columns); straddling weeks summed."""
    grid = plan.groupby([n.WEEK, n.PRODUCT], sort=False)[n.AMOUNT].sum().unstack(n.PRODUCT)
    return grid.reindex(index=weeks, columns=products).fillna(0.0)


def team_product(plan: pd.DataFrame, teams: list[str], products: list[str]) -> pd.DataFrame:
    """Amount by team (rows) and product (columns)."""
    grid = plan.groupby([n.TEAM, n.PRODUCT], sort=False)[n.AMOUNT].sum().unstack(n.PRODUCT)
    return grid.reindex(index=teams, columns=products).fillna(0.0)


def history_by_month(result: PlanResult) -> list[float]:
    """Last year's company amount per calendar month 1..12."""
    hist = result.history_monthly
    if hist.empty:
        return [0.0] * 12
    by_month = hist.groupby(hist[n.MONTH].astype(int))[n.AMOUNT].sum()
    return [float(by_month.get(m, 0.0)) for m in range(1, 13)]


def history_by_product(result: PlanResult) -> dict[str, float]:
    """Last year's amount per product."""
    hist = result.history_monthly
    if hist.empty:
        return {}
    return {str(k): float(v) for k, v in hist.groupby(n.PRODUCT)[n.AMOUNT].sum().items()}


@dataclass
class TeamData:
    """One team's grids, ready to write.

    Attributes
    ----------
    team : str
        Team name as the user wrote it.
    products : list of str
        The team's products, high-margin first.
    tiers : list of str
        Margin tier of each product.
    monthly : DataFrame
        Amount, products x the twelve months.
    weekly : DataFrame
        Amount, weeks (all of the year, in order) x products.
    weeks : DataFrame
        ``week, week_start, working_days``.
    seats : DataFrame
        Per seat (sorted): ``seat, grade`` and the twelve months.
    seat_products : DataFrame
        Per seat (sorted): ``seat, grade`` and the year's amount per product, in
        ``products`` order.
    kpi_targets : dict of str to float
        Full-year targets of the customer KPIs (``new_customers``,
        ``active_customers``) when the plan has them.
    team_label : str
        The team as shown: ``"code name"`` (:mod:`planner.outputs.display`).
    product_labels : list of str
        Each product as shown, in ``products`` order.
    """

    team: str
    products: list[str]
    tiers: list[str]
    monthly: pd.DataFrame
    weekly: pd.DataFrame
    weeks: pd.DataFrame
    seats: pd.DataFrame
    seat_products: pd.DataFrame
    kpi_targets: dict[str, float] = field(default_factory=dict)
    team_label: str = ""
    product_labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.team_label:
            self.team_label = str(self.team)
        if len(self.product_labels) != len(self.products):
            self.product_labels = [str(p) for p in self.products]


def _seat_grids(plan_seats: pd.DataFrame, months: list[str]
                ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Per team: seats x months and seats x products (year), amounts summed.

    Both frames have ``seat, grade`` columns first, seats sorted by name.
    """
    if plan_seats.empty:
        return {}, {}
    keys = [n.TEAM, n.SEAT, n.GRADE]
    frame = plan_seats.assign(**{k: plan_seats[k].astype(str) for k in (*keys, n.PRODUCT)})
    by_month = frame.groupby([*keys, n.MONTH])[n.AMOUNT].sum().unstack(n.MONTH)
    by_month = by_month.reindex(columns=months).fillna(0.0).reset_index()
    by_product = frame.groupby([*keys, n.PRODUCT])[n.AMOUNT].sum().unstack(n.PRODUCT)
    by_product = by_product.fillna(0.0).reset_index()
    split = [{str(team): sub.drop(columns=n.TEAM).reset_index(drop=True)
              for team, sub in grid.groupby(n.TEAM, sort=False)}
             for grid in (by_month, by_product)]
    return split[0], split[1]


def iter_teams(result: PlanResult) -> Iterator[TeamData]:
    """Yield each team's grids, in plan order."""
    months = months_of(result.year)
    order = product_order(result)
    tier = tiers(result)
    weeks = week_table(result)
    week_labels = weeks[n.WEEK].tolist()
    plan = result.plan
    monthly = plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], sort=False)[n.AMOUNT].sum()
    monthly_by_team = {t: g.droplevel(0).unstack(n.MONTH)
                       for t, g in monthly.groupby(level=0, sort=False)}
    weekly = plan.groupby([n.TEAM, n.WEEK, n.PRODUCT], sort=False)[n.AMOUNT].sum()
    weekly_by_team = {t: g.droplevel(0).unstack(n.PRODUCT)
                      for t, g in weekly.groupby(level=0, sort=False)}
    seat_months, seat_products = _seat_grids(result.plan_seats, months)
    display = Display.of(result)
    customers = result.customer_targets
    kpis = ({} if customers.empty else
            {str(r[n.TEAM]): {k: float(v) for k, v in r.items() if k != n.TEAM}
             for r in customers.to_dict("records")})
    for team in result.teams:
        present = set(monthly_by_team[team].index.astype(str))
        products = [p for p in order if p in present]
        seat_grid = seat_products.get(str(team), pd.DataFrame(columns=[n.SEAT, n.GRADE]))
        yield TeamData(
            team=team,
            products=products,
            tiers=[tier.get(p, "") for p in products],
            monthly=monthly_by_team[team].reindex(index=products, columns=months).fillna(0.0),
            weekly=weekly_by_team[team].reindex(index=week_labels, columns=products).fillna(0.0),
            weeks=weeks,
            seats=seat_months.get(str(team), pd.DataFrame(columns=[n.SEAT, n.GRADE, *months])),
            seat_products=seat_grid.reindex(columns=[n.SEAT, n.GRADE, *products]).fillna(0.0),
            kpi_targets=kpis.get(str(team), {}),
            team_label=display.team(team),
            product_labels=display.product_labels(products),
        )
