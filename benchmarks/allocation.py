"""Benchmark the allocation LP on a synthetic T teams x P products plan of one calendar year.

Usage: ``python benchmarks/allocation.py [--teams T --products P] [--weeks-year 2027] [--seed S]
[--method ipm|simplex|choose|pdlp] [--history SCENARIO]`` (the method defaults to the
scenario default). ``--history`` measures the real LP of a scenario instead, e.g. the
``large.toml`` that ``benchmarks/large_history.py`` writes (realistic: the synthetic
inputs below need about a quarter of its simplex iterations).

With no ``--teams/--products`` it runs 20x10, 100x20 and 400x40 in that order. Per size it
builds a realistic :class:`AllocationInputs` (varied product targets with seasonal paths,
a few products sold in a 3-month window, Dirichlet team shares, weekly capacity with
10-15% headroom and some tighter teams, a +-20% fairness band, two monthly supply rules
and a high-margin minimum share of 20%), then measures in one process:

- ``build_s``: :func:`build_allocation`;
- ``solve_s``: :func:`solve_highs` on the whole model at once (passing the model to HiGHS,
  the solve, reading it back);
- ``total_s``: :func:`solve_allocation` end to end (build, solve by pricing from the cells
  likely to move (:mod:`planner.lp.restricted`), plan and binding rows): the planner's path;
- ``highs_only_s``: ``Highs.run()`` alone on the same model, passed beforehand;
- ``peak_mb``: the process's peak RSS while measuring that size.

Progress goes to stderr; each size prints one JSON line on stdout. ``feasible`` is false
(and the rules that must give are printed) when the generated plan needs a slack.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation.model import AllocationInputs, build_allocation
from planner.allocation.phasing import product_paths, slots_of
from planner.allocation.solve import solve_allocation
from planner.calendar import build_calendar
from planner.errors import TargetUnreachableError
from planner.lp.highs import highs_for, solve_highs
from planner.scenario.values import SolverOptions

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for peak_rss
from peak_rss import PeakRss  # noqa: E402

DEFAULT_SIZES = ((20, 10), (100, 20), (400, 40))
TEAM_YEAR_AMOUNT = 5e7  # a typical team's yearly amount
TICKETS = (1e6, 1.5e5, 6e4, 3e4, 8e3)
HIGH_SHARE_MIN, HIGH_SHARE_REF = 0.20, 0.25
BAND = 0.20
KEYS = ("teams", "products", "columns", "rows", "build_s", "solve_s", "total_s",
        "highs_only_s", "peak_mb")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _products(rng: np.random.Generator, teams: int, count: int) -> pd.DataFrame:
    """Products with varied targets, tiers, tickets; a few sold in a 3-month window."""
    names = [f"P{i + 1:03d}" for i in range(count)]
    weight = rng.lognormal(0.0, 1.0, count)
    tier = rng.choice(np.array(n.MARGIN_TIERS), count, p=[0.3, 0.45, 0.25])
    if not (tier == "high").any():
        tier[0] = "high"
    if count > 1 and (tier == "high").all():
        tier[-1] = "standard"
    target = weight / weight.sum() * TEAM_YEAR_AMOUNT * teams
    high = tier == "high"
    share = target[high].sum() / target.sum()
    if share < HIGH_SHARE_REF:  # keep the mix rule attainable with room to spare
        target[high] *= HIGH_SHARE_REF * target[~high].sum() / (
            (1 - HIGH_SHARE_REF) * target[high].sum())
    sell_from = np.full(count, np.nan)
    sell_to = np.full(count, np.nan)
    windowed = max(1, count // 8) if count >= 3 else 0
    for i in rng.choice(np.arange(2, count), windowed, replace=False) if windowed else ():
        sell_from[i] = start = int(rng.integers(1, 11))
        sell_to[i] = start + 2
    return pd.DataFrame({n.PRODUCT: names, n.MARGIN_TIER: tier,
                         "ticket": rng.choice(np.array(TICKETS), count), "target": target,
                         n.SELL_FROM_MONTH: sell_from, n.SELL_TO_MONTH: sell_to,
                         "is_spike": False})


def _seasonality(rng: np.random.Generator, products: pd.DataFrame) -> pd.DataFrame:
    """Per product a monthly index per working day: a wave plus a year-end push."""
    month = np.arange(1, 13)
    rows = []
    for product in products[n.PRODUCT]:
        amp, phase = rng.uniform(0.1, 0.4), rng.uniform(0, 12)
        index = 1 + amp * np.sin(2 * np.pi * (month - phase) / 12) + rng.normal(0, 0.05, 12)
        index[11] *= rng.uniform(1.0, 1.4)
        rows.append(pd.DataFrame({n.PRODUCT: product, n.MONTH: month,
                                  "seasonality": np.clip(index, 0.2, None)}))
    return pd.concat(rows, ignore_index=True)


def generate(teams: int, products: int, year: int = 2027, seed: int = 7) -> AllocationInputs:
    """A synthetic, feasible allocation problem of ``teams`` x ``products`` over ``year``.

    Parameters
    ----------
    teams, products : int
        Sizes.
    year : int
        Calendar year (official schedule assumed).
    seed : int
        Random seed.

    Returns
    -------
    AllocationInputs
    """
    rng = np.random.default_rng(seed)
    slots = slots_of(build_calendar(year, official=True).week_months)
    prods = _products(rng, teams, products)
    paths = product_paths(slots, prods, _seasonality(rng, prods),
                          np.ones((products, len(slots))))
    team_names = [f"T{i + 1:04d}" for i in range(teams)]
    size = rng.lognormal(0.0, 0.5, teams)
    alpha = 5.0 * teams * size / size.sum()
    share = rng.dirichlet(alpha, size=products).T  # teams x products, columns sum to 1
    team_share = pd.DataFrame({n.TEAM: np.repeat(team_names, products),
                               n.PRODUCT: np.tile(prods[n.PRODUCT].to_numpy(), teams),
                               "share": share.ravel()})
    # reference load per team x slot, then per team x week
    path = np.zeros((products, len(slots)))
    code = pd.Index(prods[n.PRODUCT]).get_indexer(paths[n.PRODUCT])
    path[code, paths["slot"].to_numpy()] = paths["share"].to_numpy()
    target = prods["target"].to_numpy()
    load = (share * target) @ path
    week_codes, weeks = pd.factorize(slots[n.WEEK])
    weekly = np.zeros((teams, len(weeks)))
    np.add.at(weekly.T, week_codes, load.T)
    headroom = rng.uniform(0.10, 0.15, teams)
    tight = rng.random(teams) < 0.12
    headroom[tight] = rng.uniform(0.0, 0.04, int(tight.sum()))
    factor = np.repeat((1 + headroom)[:, None], len(weeks), axis=1)
    peak = weekly >= np.quantile(weekly, 0.8, axis=1, keepdims=True)
    factor[tight[:, None] & peak] = 0.93  # tight teams fall short of their peak weeks
    capacity = pd.DataFrame({n.TEAM: np.repeat(team_names, len(weeks)),
                             n.WEEK: np.tile(np.asarray(weeks), teams),
                             "capacity": (weekly * factor).ravel()})
    reference = share @ target
    fairness = pd.DataFrame({n.TEAM: team_names, "lower": reference * (1 - BAND),
                             "upper": reference * (1 + BAND)})
    year_round = prods.loc[prods[n.SELL_FROM_MONTH].isna()]
    ruled = year_round.nlargest(2, "target")
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    supply = pd.DataFrame({n.PRODUCT: np.repeat(ruled[n.PRODUCT].to_numpy(), 12),
                           n.MONTH: months * len(ruled),
                           "cap": np.repeat(ruled["target"].to_numpy() * 1.08 / 12, 12)})
    mix = pd.DataFrame({"rule": ["mix[0].min_share"], "tier": ["high"], "kind": ["share"],
                        "sense": ["min"], "value": [HIGH_SHARE_MIN]})
    return AllocationInputs(
        teams=team_names, products=prods[[n.PRODUCT, n.MARGIN_TIER, "ticket", "target"]],
        slots=slots, paths=paths, team_share=team_share, capacity=capacity,
        fairness=fairness, supply=supply, mix=mix)


def measure(inputs: AllocationInputs, options: SolverOptions | None = None
            ) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Time build, solve, end to end and HiGHS alone; return the figures and the plan.

    The plan is None when the problem needed a slack (``feasible`` false).
    """
    options = options or SolverOptions()
    t0 = time.perf_counter()
    lp, _ = build_allocation(inputs)
    build_s = time.perf_counter() - t0
    shape = (lp.n_cols, lp.n_rows, lp.blocks["up"].size)
    _log(f"  built {lp.n_cols:,} columns x {lp.n_rows:,} rows in {build_s:.2f} s")
    t0 = time.perf_counter()
    solution = solve_highs(lp, method=options.method, time_limit=options.time_limit,
                           threads=options.threads)
    solve_s = time.perf_counter() - t0
    _log(f"  solve_highs: {solution.status} in {solve_s:.2f} s")
    highs = highs_for(lp, method=options.method, time_limit=options.time_limit,
                      threads=options.threads)
    t0 = time.perf_counter()
    highs.run()
    highs_only_s = time.perf_counter() - t0
    info = highs.getInfo()
    _log(f"  Highs.run(): {highs_only_s:.2f} s, {info.ipm_iteration_count} IPM iterations, "
         f"{info.simplex_iteration_count} simplex iterations, {info.pdlp_iteration_count} "
         "PDLP iterations")
    del highs, lp, solution
    plan: pd.DataFrame | None = None
    t0 = time.perf_counter()
    try:
        plan, *_ = solve_allocation(inputs, options)
        feasible = True
    except TargetUnreachableError as error:
        feasible = False
        _log(f"  NOT FEASIBLE: {error}")
    total_s = time.perf_counter() - t0
    _log(f"  solve_allocation: {total_s:.2f} s (total / HiGHS alone = "
         f"{total_s / max(highs_only_s, 1e-9):.2f})")
    figures = {"build_s": build_s, "solve_s": solve_s, "total_s": total_s,
               "highs_only_s": highs_only_s}
    out: dict[str, Any] = {"teams": len(inputs.teams), "products": len(inputs.products),
                           "columns": shape[0], "rows": shape[1]}
    out.update({k: round(v, 3) for k, v in figures.items()})
    out["feasible"] = feasible
    out["method"] = options.method
    out["cells"] = shape[2]
    return out, plan


def from_history(scenario_path: Path) -> AllocationInputs:
    """The real allocation inputs of a scenario (e.g. one by ``large_history.py``).

    Runs the plan's steps up to the allocation (load, baselines, risk sizing, capacity,
    drivers, unit prices, stretch) exactly as :func:`planner.pipeline.plan_from_baselines`
    does, so the LP measured is the one ``planner plan`` solves: the synthetic generator
    above needs about a quarter of its simplex iterations (issue 18).
    """
    from planner import pipeline as pl
    from planner.allocation.inputs import prepare_allocation
    from planner.capacity import capacity_of
    from planner.risk.step import prepare_risk, sized_scenario, stretch_table
    from planner.scenario.parse import load_scenario

    scenario = load_scenario(scenario_path)
    dataset = pl.load_history(scenario)
    baselines = pl.scenario_baselines(scenario, dataset)
    calendar = pl.scenario_calendar(scenario)
    risk = prepare_risk(scenario, baselines, dataset, calendar)
    scenario = sized_scenario(scenario, risk)
    capacity = capacity_of(scenario, baselines, calendar)
    drivers = pl.run_drivers(scenario, baselines, calendar, capacity)
    prepared = prepare_allocation(baselines, drivers.product_targets, scenario, calendar,
                                  capacity)
    inputs = prepared.inputs
    prices = pl.unit_prices_of(drivers.product_targets, inputs.products)
    inputs.products = pl.buffered_targets(inputs.products, prices, scenario.buffer)
    inputs.stretch = stretch_table(scenario, risk, float(inputs.products["target"].sum()))
    return inputs


def run(teams: int, products: int, year: int = 2027, seed: int = 7,
        options: SolverOptions | None = None) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Generate one size and measure it; the JSON record and the plan."""
    _log(f"{teams} teams x {products} products, {year}, seed {seed}")
    t0 = time.perf_counter()
    inputs = generate(teams, products, year, seed)
    _log(f"  generated in {time.perf_counter() - t0:.2f} s")
    with PeakRss() as peak:
        record, plan = measure(inputs, options)
    record["peak_mb"] = round(peak.peak / 2**20, 1)
    ordered = {k: record[k] for k in KEYS}
    ordered.update({k: v for k, v in record.items() if k not in ordered})
    return ordered, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, help="teams (with --products)")
    parser.add_argument("--products", type=int, help="products (with --teams)")
    parser.add_argument("--weeks-year", type=int, default=2027, help="calendar year")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--method", choices=("ipm", "simplex", "choose", "pdlp"),
                        default=SolverOptions().method,
                        help="HiGHS solver (default: the scenario default, %(default)s)")
    parser.add_argument("--history", type=Path, default=None,
                        help="measure the real LP of this scenario instead (e.g. the "
                             "large.toml that benchmarks/large_history.py writes)")
    args = parser.parse_args(argv)
    if args.history is not None:
        _log(f"allocation inputs of {args.history}")
        inputs = from_history(args.history)
        with PeakRss() as peak:
            record, _ = measure(inputs, SolverOptions(method=args.method))
        record["peak_mb"] = round(peak.peak / 2**20, 1)
        print(json.dumps(record), flush=True)
        return 0
    if (args.teams is None) != (args.products is None):
        parser.error("give both --teams and --products, or neither")
    sizes = DEFAULT_SIZES if args.teams is None else ((args.teams, args.products),)
    for teams, products in sizes:
        record, _ = run(teams, products, args.weeks_year, args.seed,
                        SolverOptions(method=args.method))
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
