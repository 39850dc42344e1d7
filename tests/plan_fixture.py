"""A small synthetic PlanResult for the output tests (and the output benchmark).

Three teams with hostile or Chinese names, three products (one per margin tier,
one of them with a formula-like name), the 53 ISO weeks of 2027 split per
(week, month) by working days as the calendar does.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner import names as n
from planner.calendar import build_calendar
from planner.plan_result import PlanResult

HOSTILE_TEAM = '=HYPERLINK("http://x","y")'
AT_TEAM = "@SUM(A1)"
CHINESE_TEAM = "销售一组"
TEAMS = (HOSTILE_TEAM, AT_TEAM, CHINESE_TEAM)
# product, margin tier, ticket mode, ticket, last year's amount
PRODUCTS = (
    ("Trust A", "high", "fixed", 1_000_000.0, 48_000_000.0),
    ("Fund B", "standard", "variable", 35_000.0, 30_000_000.0),
    ("+Loan C", "low", "variable", 8_000.0, 12_000_000.0),
)
YEAR = 2027
BUFFER = 0.10
MULTIPLE = 1.6
KPI_WEIGHTS = {"revenue": 0.4, "high_margin_mix": 0.2, "new_customers": 0.2,
               "active_customers": 0.2}


def _products(count: int | None) -> list[tuple[str, str, str, float, float]]:
    if count is None:
        return list(PRODUCTS)
    tiers = ("high", "standard", "low")
    return [(f"Product {i:02d}", tiers[i % 3], "variable", 10_000.0 + 137.0 * i,
             1_000_000.0 + 91_234.567 * i) for i in range(count)]


def make_plan_result(teams: tuple[str, ...] | list[str] = TEAMS, n_products: int | None = None,
                     seats_per_team: int = 3) -> PlanResult:
    """Build a consistent PlanResult: plan rows sum to target x (1 + buffer)."""
    cal = build_calendar(YEAR, official=True)
    products = _products(n_products)
    pairs = cal.week_months
    wd_share = pairs[n.WORKING_DAYS].to_numpy(dtype=float) / float(pairs[n.WORKING_DAYS].sum())
    rng = np.random.default_rng(7)
    team_weights = rng.uniform(0.6, 1.4, size=len(teams))
    team_weights /= team_weights.sum()
    frames = []
    for t, team in enumerate(teams):
        for p, (product, _tier, _mode, ticket, last_year) in enumerate(products):
            annual = last_year * MULTIPLE * (1 + BUFFER) * team_weights[t]
            annual *= 1 + 0.05 * ((t + p) % 3 - 1) / 3  # not proportional everywhere
            amount = annual * wd_share * (1 + 0.01 * p)
            frames.append(pd.DataFrame({
                n.TEAM: team, n.PRODUCT: product, n.WEEK: pairs[n.WEEK],
                n.WEEK_START: pairs[n.WEEK_START], n.MONTH: pairs[n.MONTH],
                n.AMOUNT: amount, n.UNITS: amount / ticket,
            }))
    plan = pd.concat(frames, ignore_index=True).loc[:, list(n.PLAN_COLUMNS)]
    tickets = {p[0]: p[3] for p in products}

    seat_rows, seats = [], []
    monthly = plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], sort=False)[n.AMOUNT].sum()
    for t, team in enumerate(teams):
        shares = np.arange(1, seats_per_team + 1, dtype=float)
        shares /= shares.sum()
        for s in range(seats_per_team):
            seat = f"S{t + 1:03d}-{s + 1}"
            grade = "A" if s == 0 else "B"
            seats.append((seat, team, grade, pd.Timestamp("2024-03-01"), pd.NaT, s == 2))
            sub = monthly.loc[team] * shares[s]
            for (product, month), amount in sub.items():
                seat_rows.append((seat, team, grade, product, month, float(amount),
                                  float(amount) / tickets[product]))
    plan_seats = pd.DataFrame(seat_rows, columns=list(n.PLAN_SEATS_COLUMNS))
    seats_frame = pd.DataFrame(seats, columns=[n.SEAT, n.TEAM, n.GRADE, n.START_DATE,
                                               n.END_DATE, "hired"])

    by_product = plan.groupby(n.PRODUCT, sort=False)[[n.AMOUNT, n.UNITS]].sum()
    history = pd.DataFrame([
        (product, m, last_year / 12 * (0.7 + 0.05 * m), last_year / 12 / ticket)
        for product, _t, _m, ticket, last_year in products for m in range(1, 13)
    ], columns=[n.PRODUCT, n.MONTH, n.AMOUNT, n.UNITS])
    hist_p = history.groupby(n.PRODUCT, sort=False)[[n.AMOUNT, n.UNITS]].sum()
    product_targets = pd.DataFrame({
        n.PRODUCT: [p[0] for p in products],
        "baseline_amount": [hist_p.loc[p[0], n.AMOUNT] for p in products],
        "target_amount": [by_product.loc[p[0], n.AMOUNT] / (1 + BUFFER) for p in products],
        "baseline_units": [hist_p.loc[p[0], n.UNITS] for p in products],
        "target_units": [by_product.loc[p[0], n.UNITS] / (1 + BUFFER) for p in products],
    })
    product_targets["multiple"] = (product_targets["target_amount"]
                                   / product_targets["baseline_amount"])
    drivers = pd.DataFrame([
        ("customers", "*", 12000.0, 0.25, 15000.0, 0.5, "", 1.2e6, "customers"),
        ("conversion", "*", 0.05, 0.10, 0.055, 0.10, "cap", 3.4e6, "conversion"),
        ("ticket", "Trust A", 1e6, 0.0, 1e6, 0.0, "fixed", 0.0, "ticket"),
        ("productivity", "*", 2.5e5, 0.12, 2.8e5, 0.3, "", 8.0e5, "productivity"),
        ("seats", "*", 9.0, 0.05, 9.45, 0.2, "", 5.0e5, "seats"),
    ], columns=[*n.DRIVERS_COLUMNS, "kind"])
    # revenue levers split the growth by log share; capacity levers add none
    logs = {"customers": math.log(1.25), "conversion": math.log(1.10)}
    growth = float(product_targets["target_amount"].sum() - product_targets["baseline_amount"].sum())
    drivers["contribution"] = [growth * logs.get(lever, 0.0) / sum(logs.values())
                               for lever in drivers["lever"]]
    binding = pd.DataFrame([
        ("capacity", f"capacity[{CHINESE_TEAM}, 2027-W05]", 0.0, 1234.5,
         "one more unit of capacity is worth 1,234.5 of revenue"),
        ("supply", "supply[Trust A, 2027-02]", 0.0, 0.8, "=one more unit of supply"),
    ], columns=["family", "label", "slack", "marginal_value", "meaning"])
    load = plan.groupby([n.TEAM, n.WEEK], sort=False)[n.AMOUNT].sum().reset_index()
    capacity = load.rename(columns={n.AMOUNT: "load"})
    capacity["capacity"] = capacity["load"] * 1.15 + 1000.0
    history_teams = (plan.groupby([n.TEAM, n.PRODUCT], sort=False)[[n.AMOUNT, n.UNITS]].sum()
                     / (MULTIPLE * (1 + BUFFER))).reset_index()
    total = float(plan[n.AMOUNT].sum())
    return PlanResult(
        name="demo & test",
        settings=[("scenario", "demo & test"), ("calendar", "CN 2027 (official)"),
                  ("over-assignment buffer", f"{BUFFER:.0%}"), ("note", "=1+1")],
        plan=plan,
        plan_seats=plan_seats,
        drivers=drivers,
        product_targets=product_targets,
        products=pd.DataFrame([(p[0], p[1], p[2]) for p in products],
                              columns=[n.PRODUCT, n.MARGIN_TIER, n.TICKET_MODE]),
        binding=binding,
        capacity=capacity.loc[:, [n.TEAM, n.WEEK, "capacity", "load"]],
        history_monthly=history,
        history_teams=history_teams,
        seats=seats_frame,
        calendar_weeks=cal.weeks.loc[:, [n.WEEK, n.WEEK_START, n.WORKING_DAYS]],
        target=total / (1 + BUFFER),
        buffer=BUFFER,
        history_total=float(history[n.AMOUNT].sum()),
        kpi_weights=dict(KPI_WEIGHTS),
        year=YEAR,
        warnings=["calendar is official; this is a test warning with & and =1+1"],
    )
