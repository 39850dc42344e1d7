"""A realistic large telesales history for the scale benchmarks, seeded and vectorised.

Shaped like the bundled sample (:mod:`planner.sample.generate`) but at organisation
scale: ``teams`` teams of about 8 seats each over five grades (with hires during the
history and leavers), ``products`` products (a quarter of them fixed-ticket, a tenth sold
only three months a year), five customer tags, a customer pool of 0.44 x ``rows``
customers and ``rows`` sales over 22 months (2025-01-01 .. 2026-10-31) on China's working
days, with the sample's seasonality. Sales go to Parquet (the loader reads it directly),
the small tables to CSV; :func:`write_scenario` writes the sample's 10x scenario scaled to
this history (hires for a tenth of the teams, a reachable 6x target by default).

Usage as a script: ``python benchmarks/large_history.py OUT_DIR --teams 400 --products 40
--rows 10000000 [--seed 11]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

START = np.datetime64("2025-01-01", "D")
END = np.datetime64("2026-10-31", "D")
GRADES = ("A", "B", "C", "D", "E")
GRADE_SHARE = (0.08, 0.17, 0.30, 0.28, 0.17)
GRADE_PRODUCTIVITY = (2.2, 1.6, 1.1, 0.8, 0.55)
SEGMENTS = ("S1_private", "S2_affluent", "S3_mass_affluent", "S4_mass", "S5_dormant")
SEGMENT_SHARE = (0.06, 0.17, 0.32, 0.30, 0.15)
SEGMENT_TICKET = (2.6, 1.5, 1.0, 0.6, 0.4)
SEATS_PER_TEAM = 8
FIXED_TICKETS = (1_000_000.0, 150_000.0, 60_000.0)
CUSTOMERS_PER_ROW = 0.44
HIGH_SHARE = 0.3  # of the amount, in the high-margin tier


def _working_days() -> tuple[np.ndarray, np.ndarray]:
    """China's working days of the history and each one's seasonal weight."""
    import holidays

    cn = holidays.country_holidays("CN", years=range(2025, 2027))
    off = np.array(sorted(cn), dtype="datetime64[D]")
    makeup = np.array(sorted(getattr(cn, "weekend_workdays", ())), dtype="datetime64[D]")
    days = np.arange(START, END + 1)
    weekday = (days.astype(np.int64) + 3) % 7
    working = ((weekday < 5) & ~np.isin(days, off)) | np.isin(days, makeup)
    days = days[working]
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    weight = np.ones(len(days))
    weight[np.isin(month, (12, 1))] *= 1.22
    weight[np.isin(month, (5, 10))] *= 0.8
    weight[month == 2] *= 0.7
    trend = 1.0 + 0.06 * (days - START).astype(np.int64) / 365.25
    return days, weight * trend


def _seats(rng: np.random.Generator, teams: int) -> pd.DataFrame:
    """About ``SEATS_PER_TEAM`` seats a team; 15% hired in the history, 10% leaving."""
    per_team = rng.integers(SEATS_PER_TEAM - 2, SEATS_PER_TEAM + 3, size=teams)
    team = np.repeat(np.arange(teams), per_team)
    count = len(team)
    grade = rng.choice(len(GRADES), size=count, p=GRADE_SHARE)
    span = int((END - START).astype(np.int64))
    start = START - rng.integers(60, 5 * 365, size=count)
    hired = rng.random(count) < 0.15
    start[hired] = START + rng.integers(20, span - 60, size=int(hired.sum()))
    end = np.full(count, np.datetime64("NaT"), dtype="datetime64[D]")
    leaves = rng.random(count) < 0.10
    first = np.maximum(start, START) + 60
    room = np.maximum((END - 5 - first).astype(np.int64), 1)
    end[leaves] = first[leaves] + (rng.random(int(leaves.sum())) * room[leaves]).astype(np.int64)
    end[leaves & (end > END - 5)] = np.datetime64("NaT")
    return pd.DataFrame({
        "seat": [f"S{i + 1:05d}" for i in range(count)],
        "team": [f"T{t + 1:03d}" for t in team],
        "grade": np.asarray(GRADES)[grade],
        "start_date": start,
        "end_date": end,
    })


def _products(rng: np.random.Generator, products: int) -> pd.DataFrame:
    """Fixed tickets for a quarter, 3-month sellers for a tenth, three margin tiers.

    Popularity is a Dirichlet draw, the high-margin tier's rescaled to about
    ``HIGH_SHARE`` of the amount.
    """
    index = np.arange(products)
    fixed = index % 4 == 0
    window = (index % 10 == 3) & ~fixed
    sell_from = np.where(window, rng.integers(1, 11, size=products), 0)
    tier = np.asarray(("high", "standard", "low"))[rng.choice(3, size=products,
                                                             p=(0.3, 0.5, 0.2))]
    base = np.where(fixed, np.asarray(FIXED_TICKETS)[index % len(FIXED_TICKETS)],
                    np.exp(rng.uniform(np.log(2_000.0), np.log(120_000.0), size=products)))
    popularity = rng.dirichlet(np.full(products, 0.8))
    # the high-margin tier carries about HIGH_SHARE of the amount, as in the sample (the
    # scenario's mix rule asks for at least 20%): a random catalogue would often not
    high = tier == "high"
    if high.any() and (~high).any():
        expected = popularity * base * np.where(fixed, 1.6, 1.0)
        share = expected[high].sum() / expected.sum()
        popularity[high] *= HIGH_SHARE * (1 - share) / ((1 - HIGH_SHARE) * share)
        popularity /= popularity.sum()
    return pd.DataFrame({
        "product": [f"P{p + 1:03d}" for p in index],
        "ticket_mode": np.where(fixed, "fixed", "variable"),
        "fixed_ticket": np.where(fixed, base, np.nan),
        "margin_tier": tier,
        "sell_from_month": pd.Series(sell_from, dtype="Int64").where(window),
        "sell_to_month": pd.Series(sell_from + 2, dtype="Int64").where(window),
        "_base": base,
        "_popularity": popularity,
    })


def generate(teams: int, products: int, rows: int, seed: int = 11
             ) -> dict[str, pd.DataFrame]:
    """The four history tables of a large organisation.

    Parameters
    ----------
    teams, products, rows : int
        Teams, products and sales rows.
    seed : int
        Random seed: the same arguments give the same tables.

    Returns
    -------
    dict of str to DataFrame
        ``sales``, ``seats``, ``products``, ``customers``.
    """
    rng = np.random.default_rng(seed)
    days, day_weight = _working_days()
    seats = _seats(rng, teams)
    catalogue = _products(rng, products)
    seat_start = seats["start_date"].to_numpy("datetime64[D]")
    seat_end = seats["end_date"].to_numpy("datetime64[D]")
    seat_end = np.where(np.isnat(seat_end), END, seat_end)
    grade_at = pd.Index(GRADES).get_indexer(seats["grade"])
    weight = np.asarray(GRADE_PRODUCTIVITY)[grade_at] * np.exp(rng.normal(0, 0.25, len(seats)))

    # each sale: a seat (by productivity x its weighted working days on board: a seat hired
    # late sells at its grade's rate, not a full-year seat's volume crammed into a few
    # months), then a working day while the seat is on board
    cum = np.concatenate([[0.0], np.cumsum(day_weight)])
    seat_lo = np.searchsorted(days, np.maximum(seat_start, START))
    seat_hi = np.searchsorted(days, seat_end, side="right")
    weight = weight * np.maximum(cum[seat_hi] - cum[np.minimum(seat_lo, seat_hi)], 0.0)
    seat = rng.choice(len(seats), size=rows, p=weight / weight.sum())
    lo, hi = seat_lo[seat], seat_hi[seat]
    valid = hi > lo
    seat, lo, hi = seat[valid], lo[valid], hi[valid]
    pick = cum[lo] + rng.random(len(seat)) * (cum[hi] - cum[lo])
    day = np.clip(np.searchsorted(cum, pick, side="right") - 1, lo, hi - 1)
    date = days[day]
    month = date.astype("datetime64[M]").astype(np.int64) % 12 + 1

    # product by popularity; a 3-month seller outside its months becomes a year-round one
    product = rng.choice(products, size=len(seat), p=catalogue["_popularity"].to_numpy())
    sell_from = catalogue["sell_from_month"].to_numpy(np.int64, na_value=0)
    sell_to = catalogue["sell_to_month"].to_numpy(np.int64, na_value=0)
    windowed = sell_from[product] > 0
    outside = windowed & ((month < sell_from[product]) | (month > sell_to[product]))
    year_round = np.flatnonzero(sell_from == 0)
    product[outside] = rng.choice(year_round, size=int(outside.sum()))

    segment = rng.choice(len(SEGMENTS), size=len(seat), p=SEGMENT_SHARE)
    fixed = (catalogue["ticket_mode"] == "fixed").to_numpy()[product]
    base = catalogue["_base"].to_numpy()[product]
    units = np.where(fixed, rng.choice((1, 1, 1, 2, 3), size=len(seat)), 1)
    ticket = np.where(fixed, base, base * np.asarray(SEGMENT_TICKET)[segment]
                      * np.exp(rng.normal(-0.125, 0.5, size=len(seat))))
    amount = np.round(ticket * units, 2)
    rate = pd.Series(catalogue["margin_tier"]).map({"high": 0.012, "standard": 0.006,
                                                    "low": 0.003}).to_numpy()[product]
    pool = max(int(rows * CUSTOMERS_PER_ROW), 1)
    customer = (rng.zipf(1.6, size=len(seat)) * 7919 + rng.integers(0, pool, len(seat))) % pool

    order = np.argsort(date, kind="stable")
    sales = pd.DataFrame({
        "date": date[order],
        "seat": seats["seat"].to_numpy()[seat][order],
        "product": catalogue["product"].to_numpy()[product][order],
        "segment": np.asarray(SEGMENTS)[segment][order],
        "amount": amount[order],
        "units": units[order].astype(np.int64),
        "customer_id": np.char.add("C", customer[order].astype(str)),
        "margin": np.round(amount * rate, 2)[order],
    })
    months = pd.date_range(str(START), str(END), freq="MS")
    stock = np.round(pool * 6.0 * np.asarray(SEGMENT_SHARE))
    customers = pd.DataFrame([
        {"month": m.date().isoformat(), "segment": s, "stock": int(stock[i]),
         "new": int(stock[i] * 0.008), "attrition": int(stock[i] * 0.006),
         "aum": float(stock[i] * 250_000.0)}
        for m in months for i, s in enumerate(SEGMENTS)])
    return {"sales": sales, "seats": seats,
            "products": catalogue.drop(columns=["_base", "_popularity"]),
            "customers": customers}


def write_history(tables: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write sales as Parquet and the small tables as CSV into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "sales.parquet"]
    tables["sales"].to_parquet(paths[0], index=False)
    for name in ("seats", "products", "customers"):
        path = folder / f"{name}.csv"
        tables[name].to_csv(path, index=False)
        paths.append(path)
    return paths


#: The bundled sample's 10x scenario (``scenarios/sample_10x.toml`` as of the layout
#: commit), frozen here so the benchmark measures the same model while the shipped
#: scenarios evolve; ``{data_dir}``, ``{multiple}`` and ``{hires}`` are filled in.
SCENARIO = """name = "large"
description = "The sample's 10x scenario on a large generated history"

[data]
dir = "{data_dir}"

[calendar]
year = 2027
country = "CN"
official = false

[target]
multiple = {multiple}
buffer = 0.10

[levers.customers]
cap = 2.0
[levers.conversion]
cap = 0.20
cost = 3.0
[levers.repurchase]
cap = 0.8
[levers.repurchase_best]
kind = "repurchase"
segments = ["S1_private", "S2_affluent"]
cap = 2.5
[levers.ticket]
cap = 0.4
cost = 2.0
[levers.productivity]
cap = 7.0
cost = 1.5

{hires}
[attrition]
monthly_rate = 0.01

[allocation]
ramp_months = 5
fairness_band = 0.20
capacity_headroom = 0.15

[[mix]]
tier = "high"
min_share = 0.20

[[events]]
name = "year-end bonus season"
start = "2027-01-04"
end = "2027-01-29"
multiplier = 1.3

[kpis]
revenue = 0.4
high_margin_mix = 0.2
new_customers = 0.2
active_customers = 0.2
"""


def write_scenario(folder: Path, data_dir: Path, seats: pd.DataFrame,
                   multiple: float = 6.0) -> Path:
    """The sample's 10x scenario on this history, with hires for a tenth of the teams.

    Its levers, caps, rules and events are the sample's (:data:`SCENARIO`); the target
    is ``multiple`` x last year (the generated customers buy less repeatedly than the
    sample's, so the levers reach about 7.6x here, not 10x).
    """
    teams = sorted(seats["team"].unique())
    hires = "".join(
        f'[[hires]]\ngrade = "{GRADES[2 + i % 3]}"\nteam = "{team}"\nmonth = {2 + i % 4}\n'
        f"count = 3\n" for i, team in enumerate(teams[:: 10]))
    path = folder / "large.toml"
    path.write_text(SCENARIO.format(data_dir=data_dir.resolve().as_posix(),
                                    multiple=float(multiple), hires=hires), encoding="utf-8")
    return path


def cached_scenario(cache: Path, teams: int, products: int, rows: int, seed: int) -> Path:
    """The scenario of one size's history under ``cache``, generated there when absent.

    Generated in a child process (this script), so the caller's memory stays its own;
    ``plan_large.py`` and ``baselines.py`` share the cache.
    """
    folder = cache / f"t{teams}_p{products}_r{rows}_s{seed}"
    scenario = folder / "large.toml"
    if not scenario.exists():
        subprocess.run([sys.executable, str(Path(__file__).resolve()), str(folder),
                        "--teams", str(teams), "--products", str(products), "--rows", str(rows),
                        "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    return scenario


def main(argv: list[str] | None = None) -> int:
    """Generate a large history into a folder and print its size as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--teams", type=int, default=400)
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--multiple", type=float, default=6.0,
                        help="the scenario's target multiple (default 6)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    tables = generate(args.teams, args.products, args.rows, args.seed)
    data = args.out_dir / "data"
    write_history(tables, data)
    scenario = write_scenario(args.out_dir, data, tables["seats"], args.multiple)
    print(json.dumps({"teams": args.teams, "products": args.products,
                      "rows": len(tables["sales"]), "seats": len(tables["seats"]),
                      "customers": int(tables["sales"]["customer_id"].nunique()),
                      "scenario": str(scenario),
                      "seconds": round(time.perf_counter() - start, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
