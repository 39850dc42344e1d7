"""Benchmark compute_baselines on N synthetic transaction rows read from Parquet.

Usage: ``python benchmarks/baselines.py --rows 10000000 [--seed 7] [--engine spark]``

Generates the rows (vectorised numpy, written in 1,000,000-row chunks so the generator
stays small) into a temp directory, then times ``compute_baselines`` with
``sales=<parquet path>`` so DuckDB scans the file directly, sampling the process RSS
in a thread. The last line printed is one JSON object:
``{"rows": N, "seconds": s, "peak_mb": m, "engine": e}`` (``peak_mb``: the process's
peak RSS during the baselines step; ``base_mb`` in the progress lines is the RSS before
it). With ``--engine spark`` the Spark session (``--spark-master``, default
``local[2]``) is started before the clock starts (``startup_seconds``), Spark reads the
same Parquet file, and ``peak_mb`` is the Python process only (Spark's JVM is another
process).

With ``--load`` the small tables are written as CSV beside ``sales.parquet`` and the
folder is loaded as a scenario would load it before the baselines run on the result:
by the pandas loader for DuckDB, by Spark (:func:`planner.history.lake.load_lake`: the
mapping and every check as SQL on the engine) for Spark; the JSON then also has
``load_seconds``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from planner import names as n
from planner.baselines.compute import compute_baselines
from planner.engine.settings import DEFAULT_MASTER, ENGINES, EngineSettings
from planner.history.dataset import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for peak_rss
from peak_rss import PeakRss  # noqa: E402

SEATS, TEAMS, GRADES, CUSTOMERS = 300, 12, ("A", "B", "C", "D", "E"), 200_000
PRODUCTS = ("TRUST_A", "AM_B", "BANK_WM", "UL_INS", "LOAN", "B2C_FUND")
PRODUCT_P = np.array([0.02, 0.02, 0.10, 0.06, 0.25, 0.55])
FIXED = {"TRUST_A": 1_000_000.0, "AM_B": 1_000_000.0}
TICKET = np.array([1e6, 1e6, 150_000.0, 60_000.0, 30_000.0, 8_000.0])
SEGMENTS = ("S1", "S2", "S3", "S4", "S5")
START, END = np.datetime64("2025-01-01"), np.datetime64("2026-10-31")  # 22 months
CHUNK = 1_000_000


def small_tables(rng: np.random.Generator) -> Dataset:
    """Seats (some hires in the window, some leavers), products and customers."""
    seat = [f"S{i:04d}" for i in range(SEATS)]
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 2400, SEATS), "D")
    end = pd.Series(pd.NaT, index=range(SEATS), dtype="datetime64[us]")
    leavers = rng.choice(SEATS, 30, replace=False)
    end.iloc[leavers] = pd.Timestamp("2025-03-01") + pd.to_timedelta(
        rng.integers(0, 550, 30), "D")
    seats = pd.DataFrame({n.SEAT: seat, n.TEAM: [f"T{i % TEAMS + 1:02d}" for i in range(SEATS)],
                          n.GRADE: [GRADES[i] for i in rng.integers(0, 5, SEATS)],
                          n.START_DATE: start, n.END_DATE: end})
    products = pd.DataFrame({
        n.PRODUCT: PRODUCTS, n.TICKET_MODE: [("fixed" if p in FIXED else "variable")
                                              for p in PRODUCTS],
        n.FIXED_TICKET: [FIXED.get(p, np.nan) for p in PRODUCTS],
        n.MARGIN_TIER: ["high", "standard", "standard", "high", "low", "low"],
        n.SELL_FROM_MONTH: np.nan, n.SELL_TO_MONTH: np.nan})
    months = pd.date_range("2025-01-01", "2026-10-01", freq="MS")
    customers = pd.DataFrame([(m, s, 40_000.0 * (k + 1), 500.0, 400.0, 1e10)
                              for m in months for k, s in enumerate(SEGMENTS)],
                             columns=list(n.CUSTOMERS_COLUMNS))
    return Dataset(sales=pd.DataFrame(), seats=seats, products=products, customers=customers,
                   source="benchmark")


def _dict(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(labels))


def write_sales(path: Path, rows: int, seed: int, seats: pd.DataFrame) -> None:
    """Write ``rows`` transactions to ``path`` in chunks."""
    days = np.arange(START, END + 1)
    days = days[((days.astype(np.int64) + 3) % 7) < 5]  # Monday..Friday
    team_of_seat = seats[n.TEAM].to_numpy()
    seat_labels, team_labels = seats[n.SEAT].tolist(), sorted(set(team_of_seat))
    team_code = np.searchsorted(team_labels, team_of_seat)
    cust_labels = [f"C{i:07d}" for i in range(CUSTOMERS)]
    # A customer's segment (tag) is fixed; bigger tags for the mass market.
    segment_of_customer = np.random.default_rng(seed).choice(
        len(SEGMENTS), CUSTOMERS, p=[0.05, 0.15, 0.25, 0.30, 0.25])
    writer = None
    try:
        for k, lo in enumerate(range(0, rows, CHUNK)):
            m = min(CHUNK, rows - lo)
            rng = np.random.default_rng([seed, k])
            seat = rng.integers(0, SEATS, m)
            prod = rng.choice(len(PRODUCTS), m, p=PRODUCT_P)
            customer = rng.integers(0, CUSTOMERS, m)
            units = np.where(rng.random(m) < 0.01, -1.0, 1.0)
            variable = TICKET[prod] * rng.lognormal(-0.2, 0.6, m)
            amount = np.where(prod < 2, TICKET[prod], np.round(variable, 2)) * units
            table = pa.table({
                n.DATE: pa.array(rng.choice(days, m)),
                n.SEAT: _dict(seat, seat_labels),
                n.TEAM: _dict(team_code[seat], team_labels),
                n.PRODUCT: _dict(prod, list(PRODUCTS)),
                n.SEGMENT: _dict(segment_of_customer[customer], list(SEGMENTS)),
                n.AMOUNT: amount, n.UNITS: units,
                n.CUSTOMER_ID: _dict(customer, cust_labels),
                n.MARGIN: np.round(amount * 0.01, 2),
            })
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="transaction rows")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--engine", choices=ENGINES, default="duckdb", help="SQL engine")
    parser.add_argument("--spark-master", default=DEFAULT_MASTER, help="Spark master URL")
    parser.add_argument("--load", action="store_true",
                        help="load the folder as a scenario does (on the engine) first")
    args = parser.parse_args(argv)
    engine = EngineSettings(args.engine, args.spark_master)
    extra = {}
    if engine.is_spark:
        from planner.engine.spark import session

        t0 = time.perf_counter()
        session(engine)
        extra["startup_seconds"] = round(time.perf_counter() - t0, 3)
    rng = np.random.default_rng(args.seed)
    dataset = small_tables(rng)
    with tempfile.TemporaryDirectory(prefix="bench-baselines-") as tmp:
        path = Path(tmp) / "sales.parquet"
        t0 = time.perf_counter()
        write_sales(path, args.rows, args.seed, dataset.seats)
        mb = path.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows ({mb:.0f} MB parquet) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        base = psutil.Process().memory_info().rss / 2**20
        print(f"computing baselines (base_mb={base:.0f})", flush=True)
        with PeakRss() as peak:
            loaded = None
            if args.load:
                loaded, extra["load_seconds"] = load_folder(dataset, Path(tmp), engine)
            t0 = time.perf_counter()
            if loaded is not None:
                result = compute_baselines(loaded, engine=engine)
            else:
                result = compute_baselines(dataset, sales=path, engine=engine)
            seconds = time.perf_counter() - t0
        print(f"window {result.settings['window']}: {result.total_amount:,.0f} amount, "
              f"{len(result.products)} products, {len(result.seats)} seats", flush=True)
    print(json.dumps({"rows": args.rows, "seconds": round(seconds, 3),
                      "peak_mb": round(peak.peak / 2**20, 1), "engine": args.engine, **extra}))
    return 0


def load_folder(dataset: Dataset, folder: Path, engine: EngineSettings
                ) -> tuple[Dataset, float]:
    """Write the small tables beside the sales; load the folder; return it and the seconds."""
    import warnings

    seats = dataset.seats.copy()  # a generated leaver may end before it starts: active
    seats.loc[seats[n.END_DATE] < seats[n.START_DATE], n.END_DATE] = pd.NaT
    seats.to_csv(folder / "seats.csv", index=False)
    dataset.products.to_csv(folder / "products.csv", index=False)
    assert dataset.customers is not None
    dataset.customers.to_csv(folder / "customers.csv", index=False)
    mapping = folder / "mapping.toml"  # the rows hold returns (negative units)
    mapping.write_text("[sales.options]\nreturns = true\n", encoding="utf-8")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if engine.is_spark:
            from planner.history.lake import load_lake

            loaded = load_lake(folder, mapping, settings=engine)
        else:
            from planner.history.load import load_dataset

            loaded = load_dataset(folder, mapping)
    seconds = time.perf_counter() - t0
    print(f"loaded the folder in {seconds:.1f} s", flush=True)
    return loaded, round(seconds, 3)


if __name__ == "__main__":
    sys.exit(main())
