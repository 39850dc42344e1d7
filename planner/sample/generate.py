"""A deterministic sample data set that mirrors the story in DESIGN.md section 1.

Daily transactions of a telesales centre from 2025-01-01 to 2026-10-31 on China's
working days (make-up working days included), about 300 seats in 12 teams and 5
grades, 6 wealth-management products and 5 customer tags. The numbers behind it live
in :mod:`planner.sample.catalog`.

Examples
--------
>>> ds = generate_sample(seed=7)
>>> sorted(ds.products["product"])[:2]
['AM_B', 'B2C_FUND']
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from planner import names as n
from planner.atomic import atomic_directory
from planner.errors import OutputError
from planner.history.dataset import Dataset, LoadReport
from planner.sample import catalog as cat
from planner.scenario.schema import default

SAMPLE_FORMATS = ("csv", "parquet")


def _china_calendar(start: np.datetime64, end: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Return China's working days and public holidays between two dates (inclusive).

    A day is working if it is a weekday and not a holiday, or a make-up working day.
    """
    first, last = start.astype(dt.date), end.astype(dt.date)
    cn = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    hol = np.array(sorted(d for d in cn if first <= d <= last), dtype="datetime64[D]")
    makeup = np.array(
        sorted(d for d in getattr(cn, "weekend_workdays", ()) if first <= d <= last),
        dtype="datetime64[D]",
    )
    days = np.arange(start, end + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    working = ((weekday < 5) & ~np.isin(days, hol)) | np.isin(days, makeup)
    return days[working], hol


def _window(days: np.ndarray, cluster: np.ndarray, before: int, after: int) -> np.ndarray:
    """Return a mask of days within ``before``/``after`` days of a holiday cluster."""
    if cluster.size == 0:
        return np.zeros(days.shape, dtype=bool)
    return (days >= cluster.min() - before) & (days <= cluster.max() + after)


def _seasonality(days: np.ndarray, hol: np.ndarray) -> np.ndarray:
    """Return the common seasonal factor of each working day.

    Year-end bonus season (Dec-Jan and the weeks before Spring Festival) is high, the
    weeks around Spring Festival low, May Day and National Day low (customers withdraw
    money to travel), quarter ends and the end of June mildly high.
    """
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    f = np.ones(days.shape)
    f[month == 12] *= 1.20
    f[month == 1] *= 1.25
    quarter_end = np.isin(month, (3, 6, 9, 12)) & (dom >= 24)
    f[quarter_end] *= 1.12
    f[(month == 6) & (dom >= 15)] *= 1.10
    hol_year = hol.astype("datetime64[Y]").astype(np.int64) + 1970
    hol_month = hol.astype("datetime64[M]").astype(np.int64) % 12 + 1
    hol_dom = (hol - hol.astype("datetime64[M]")).astype(np.int64) + 1
    for year in np.unique(hol_year):
        in_year = hol_year == year
        spring = hol[in_year & np.isin(hol_month, (1, 2)) & ~((hol_month == 1) & (hol_dom <= 3))]
        if spring.size:
            f[(days >= spring.min() - 31) & (days < spring.min() - 10)] *= 1.15
        f[_window(days, spring, 10, 10)] *= 0.55
        f[_window(days, hol[in_year & (hol_month == 5) & (hol_dom <= 5)], 5, 3)] *= 0.70
        f[_window(days, hol[in_year & (hol_month == 10) & (hol_dom <= 8)], 5, 3)] *= 0.65
    return f


def _make_seats(rng: np.random.Generator, days: np.ndarray) -> pd.DataFrame:
    """Return the seats table (start and end dates as ``datetime64[D]`` arrays)."""
    n_init = int(rng.integers(cat.INITIAL_SEATS[0], cat.INITIAL_SEATS[1] + 1))
    n_hire = int(rng.integers(cat.HIRES[0], cat.HIRES[1] + 1))
    total = n_init + n_hire
    grade_init = rng.choice(len(cat.GRADES), size=n_init, p=cat.GRADE_SHARE_INITIAL)
    grade_hire = rng.choice(len(cat.GRADES), size=n_hire, p=cat.GRADE_SHARE_HIRES)
    teams = np.concatenate([
        rng.permutation(np.arange(n_init) % len(cat.TEAMS)),
        rng.integers(0, len(cat.TEAMS), size=n_hire),
    ])
    # initial seats started some time in 2019-2024; hires on a working day of the history
    init_start = cat.HISTORY_START - rng.integers(30, 6 * 365, size=n_init)
    hire_pool = days[(days > cat.HISTORY_START + 20) & (days < cat.HISTORY_END - 20)]
    hire_start = np.sort(rng.choice(hire_pool, size=n_hire, replace=False))
    start = np.concatenate([init_start, hire_start]).astype("datetime64[D]")
    end = np.full(total, np.datetime64("NaT"), dtype="datetime64[D]")
    leave_init = rng.choice(n_init, size=round(cat.LEAVER_SHARE_INITIAL * n_init), replace=False)
    end[leave_init] = rng.choice(days[days < cat.HISTORY_END - 5], size=leave_init.size)
    leave_hire = n_init + rng.choice(
        n_hire, size=round(cat.LEAVER_SHARE_HIRES * n_hire), replace=False
    )
    for i in leave_hire:  # a handful of seats, not transactions
        later = days[(days > start[i] + 60) & (days < cat.HISTORY_END - 5)]
        if later.size:
            end[i] = rng.choice(later)
    grades = np.concatenate([grade_init, grade_hire])
    return pd.DataFrame({
        n.SEAT: [f"S{i + 1:04d}" for i in range(total)],
        n.TEAM: np.asarray(cat.TEAMS)[teams],
        n.GRADE: np.asarray(cat.GRADES)[grades],
        n.START_DATE: start,
        n.END_DATE: end,
    })


def _seat_capacity(rng: np.random.Generator, seats: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    """Return seat x day relative capacity: grade x seat spread x ramp x presence."""
    grade_idx = pd.Index(cat.GRADES).get_indexer(seats[n.GRADE])
    mult = np.asarray(cat.GRADE_PRODUCTIVITY)[grade_idx] * np.exp(
        rng.normal(0.0, cat.SEAT_SPREAD, size=len(seats))
    )
    start = seats[n.START_DATE].to_numpy()[:, None]
    end = seats[n.END_DATE].to_numpy()[:, None]
    tenure = (days[None, :] - start).astype(np.int64)
    ramp_days = default("allocation", "ramp_months") * 365.25 / 12
    ramp = np.clip(cat.RAMP_FLOOR + (1 - cat.RAMP_FLOOR) * tenure / ramp_days, 0.0, 1.0)
    present = (tenure >= 0) & (np.isnat(end) | (days[None, :] <= end))
    return mult[:, None] * ramp * present


def _product_day_factor(
    rng: np.random.Generator, days: np.ndarray, hol: np.ndarray
) -> np.ndarray:
    """Return product x day rate factors: seasonality, trend, noise, selling window."""
    specs = cat.PRODUCT_SPECS
    season = _seasonality(days, hol)
    years = (days - cat.HISTORY_START).astype(np.int64) / 365.25
    common = (1 + cat.YEARLY_TREND) ** years * np.exp(
        rng.normal(-cat.DAILY_NOISE**2 / 2, cat.DAILY_NOISE, size=days.size)
    )
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    trailing = days >= cat.TRAILING_START
    rows = []
    for p in specs:
        f = season ** p.seasonal_strength * common
        if p.sell_from is not None and p.sell_to is not None:
            f = f * ((month >= p.sell_from) & (month <= p.sell_to))
            f = f * np.where(trailing, p.incentive, 1.0)
        rows.append(f)
    return np.vstack(rows)


def _draw_counts(
    rng: np.random.Generator, capacity: np.ndarray, factor: np.ndarray, days: np.ndarray
) -> np.ndarray:
    """Return seat x day x product transaction counts, calibrated to the trailing revenue.

    Rates are scaled so each product's expected trailing-twelve-month revenue is its
    share of :data:`~planner.sample.catalog.TRAILING_REVENUE`. Big-ticket products use
    systematic sampling (a seat's count stays within 1 of its expectation over any
    period), the others Poisson.
    """
    specs = cat.PRODUCT_SPECS
    trailing = days >= cat.TRAILING_START
    exposure = (factor[:, trailing] * capacity.sum(axis=0)[trailing]).sum(axis=1)
    tickets = cat.expected_tickets(specs)
    rate = np.array([p.share for p in specs]) * cat.TRAILING_REVENUE / (tickets * exposure)
    lam = capacity[:, :, None] * (factor.T * rate)[None, :, :]
    smooth = tickets >= cat.SMOOTH_MIN_TICKET
    counts = np.empty(lam.shape, dtype=np.int64)
    counts[:, :, ~smooth] = rng.poisson(lam[:, :, ~smooth])
    offset = rng.random((lam.shape[0], 1, int(smooth.sum())))
    cum = np.floor(np.cumsum(lam[:, :, smooth], axis=1) + offset)
    counts[:, :, smooth] = np.diff(cum, axis=1, prepend=0.0).astype(np.int64)
    return counts


def _draw_tickets(
    rng: np.random.Generator, p_idx: np.ndarray, seg: np.ndarray
) -> np.ndarray:
    """Return the amount of each transaction (product and segment indices given).

    Fixed-ticket products sell at their ticket except a small tail of smaller tickets;
    variable ones are lognormal around base ticket x segment multiplier.
    """
    specs = cat.PRODUCT_SPECS
    seg_specs = [cat.SEGMENT_SPECS[s] for s in cat.SEGMENTS]
    mult = np.array([s.ticket_mult for s in seg_specs])[seg]
    sigma = np.array([s.ticket_sigma for s in seg_specs])[seg]
    base = np.array([p.base_ticket for p in specs])[p_idx]
    variable = base * mult * np.exp(sigma * rng.standard_normal(p_idx.size) - sigma**2 / 2)
    tails = np.asarray(cat.FIXED_TAIL_TICKETS)
    k = np.searchsorted(np.cumsum(cat.FIXED_TAIL_SHARES), rng.random(p_idx.size), side="right")
    nominal = np.array([p.fixed_ticket for p in specs])[p_idx]
    fixed = np.where(k < tails.size, tails[np.minimum(k, tails.size - 1)], nominal)
    is_fixed = np.array([p.ticket_mode == "fixed" for p in specs])[p_idx]
    return np.maximum(np.round(np.where(is_fixed, fixed, variable), 2), 0.01)


def _make_sales(
    rng: np.random.Generator, capacity: np.ndarray, factor: np.ndarray, days: np.ndarray
) -> dict[str, np.ndarray]:
    """Draw transactions; return column arrays (indices into seats, days, products)."""
    counts = _draw_counts(rng, capacity, factor, days)
    s_idx, d_idx, p_idx = np.nonzero(counts)
    reps = counts[s_idx, d_idx, p_idx]
    s_idx, d_idx, p_idx = (np.repeat(a, reps) for a in (s_idx, d_idx, p_idx))
    size = s_idx.size
    specs = cat.PRODUCT_SPECS
    cum = np.cumsum([p.segment_weights for p in specs], axis=1)
    cum[:, -1] = 1.0
    seg = (rng.random(size)[:, None] > cum[p_idx]).sum(axis=1)
    amount = _draw_tickets(rng, p_idx, seg)
    margin = np.round(amount * np.array([p.margin_rate for p in specs])[p_idx], 2)
    # customers: a per-segment buying pool sized for the segment's repurchase
    per_customer = np.array([cat.SEGMENT_SPECS[s].purchases_per_customer for s in cat.SEGMENTS])
    n_seg = np.bincount(seg, minlength=len(cat.SEGMENTS))
    pool = np.maximum(np.ceil(n_seg / per_customer), 1).astype(np.int64)
    cust = np.floor(rng.random(size) * pool[seg]).astype(np.int64)
    order = np.lexsort((p_idx, s_idx, d_idx))
    return {
        "seat": s_idx[order], "day": d_idx[order], "product": p_idx[order],
        "segment": seg[order], "amount": amount[order], "margin": margin[order],
        "customer": cust[order], "pool": pool,
    }


def _make_customers(rng: np.random.Generator, pool: np.ndarray) -> pd.DataFrame:
    """Return monthly stock, new, attrition and AUM per segment."""
    specs = [cat.SEGMENT_SPECS[s] for s in cat.SEGMENTS]
    months = np.arange(
        cat.HISTORY_START.astype("datetime64[M]"), cat.HISTORY_END.astype("datetime64[M]") + 1
    )
    stock = np.round(pool * np.array([s.stock_per_buyer for s in specs]))
    new_rate = np.array([s.new_rate for s in specs])
    attr_rate = np.array([s.attrition_rate for s in specs])
    aum_per = np.array([s.aum_per_customer for s in specs])
    market = 1.0
    rows = []
    for m in months:  # 22 months, vectorised over segments
        supply = np.exp(rng.normal(0.0, 0.15))  # the partner's supply this month
        new = np.round(stock * new_rate * supply * np.exp(rng.normal(0.0, 0.05, len(specs))))
        attrition = np.round(stock * attr_rate * np.exp(rng.normal(0.0, 0.10, len(specs))))
        market *= np.exp(rng.normal(0.004, 0.02))
        aum = np.round(stock * aum_per * market, 2)
        for j, seg in enumerate(cat.SEGMENTS):
            rows.append((m, seg, stock[j], new[j], attrition[j], aum[j]))
        stock = stock + new - attrition
    out = pd.DataFrame(rows, columns=list(n.CUSTOMERS_COLUMNS))
    out[n.MONTH] = _to_datetime(out[n.MONTH].to_numpy().astype("datetime64[D]"))
    for col in (n.STOCK, n.NEW, n.ATTRITION):
        out[col] = out[col].astype("int64")
    return out


def _to_datetime(values: np.ndarray) -> pd.Series:
    """Return dates as pandas would parse them from ISO text (same dtype as loading)."""
    iso = pd.Series(np.datetime_as_string(values, unit="D"))
    return pd.to_datetime(iso.where(~np.isnat(values)), format="%Y-%m-%d")


def generate_sample(seed: int = 7) -> Dataset:
    """Generate the demo data set in memory, in canonical columns.

    Parameters
    ----------
    seed : int, default 7
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same data.

    Returns
    -------
    Dataset
        ``sales`` (one row per transaction, with ``team`` filled from seats),
        ``seats``, ``products`` and monthly ``customers`` per segment.
    """
    rng = np.random.default_rng(seed)
    days, hol = _china_calendar(cat.HISTORY_START, cat.HISTORY_END)
    seats_raw = _make_seats(rng, days)
    capacity = _seat_capacity(rng, seats_raw, days)
    factor = _product_day_factor(rng, days, hol)
    tx = _make_sales(rng, capacity, factor, days)
    customers = _make_customers(rng, tx["pool"])

    seats = seats_raw.copy()
    seats[n.START_DATE] = _to_datetime(seats_raw[n.START_DATE].to_numpy())
    seats[n.END_DATE] = _to_datetime(seats_raw[n.END_DATE].to_numpy())
    seg_prefix = np.array([f"C{j + 1}-" for j in range(len(cat.SEGMENTS))])
    cust_id = pd.Series(seg_prefix[tx["segment"]]) + pd.Series(tx["customer"]).astype(
        str
    ).str.zfill(7)
    sales = pd.DataFrame({
        n.DATE: _to_datetime(days).to_numpy()[tx["day"]],
        n.SEAT: seats[n.SEAT].to_numpy()[tx["seat"]],
        n.TEAM: seats[n.TEAM].to_numpy()[tx["seat"]],
        n.PRODUCT: np.array([p.code for p in cat.PRODUCT_SPECS])[tx["product"]],
        n.SEGMENT: np.asarray(cat.SEGMENTS)[tx["segment"]],
        n.AMOUNT: tx["amount"],
        n.UNITS: np.ones(tx["amount"].size),
        n.CUSTOMER_ID: cust_id.to_numpy(),
        n.MARGIN: tx["margin"],
    })
    for col in (n.SEAT, n.TEAM, n.PRODUCT, n.SEGMENT, n.CUSTOMER_ID):
        sales[col] = sales[col].astype("str")
    report = LoadReport(rows_read={
        "sales": len(sales), "seats": len(seats), "products": len(cat.PRODUCT_SPECS),
        "customers": len(customers),
    })
    report.notes.append(f"generated sample data (seed={seed})")
    return Dataset(sales, seats, cat.products_frame(), customers, report, f"sample (seed={seed})")


def _iso(values: pd.Series) -> pd.Series:
    """Return dates as ``YYYY-MM-DD`` text (missing stays missing)."""
    return values.dt.strftime("%Y-%m-%d")


def _file_frames(ds: Dataset) -> dict[str, pd.DataFrame]:
    """Return the four tables as written to files (ISO dates, no team in sales)."""
    sales = ds.sales.loc[:, list(n.SALES_COLUMNS)].copy()
    uniq = pd.Series(sales[n.DATE].unique())
    sales[n.DATE] = sales[n.DATE].map(dict(zip(uniq, _iso(uniq), strict=True)))
    sales[n.UNITS] = sales[n.UNITS].astype("int64")
    seats = ds.seats.loc[:, list(n.SEATS_COLUMNS)].copy()
    seats[n.START_DATE] = _iso(seats[n.START_DATE])
    seats[n.END_DATE] = _iso(seats[n.END_DATE])
    products = ds.products.loc[:, list(n.PRODUCTS_COLUMNS)].copy()
    for col in (n.FIXED_TICKET, n.SELL_FROM_MONTH, n.SELL_TO_MONTH):
        products[col] = products[col].astype("Int64")
    out = {"sales": sales, "seats": seats, "products": products}
    if ds.customers is not None:
        customers = ds.customers.loc[:, list(n.CUSTOMERS_COLUMNS)].copy()
        customers[n.MONTH] = _iso(customers[n.MONTH])
        out["customers"] = customers
    return out


#: How messages name the folder of ``planner sample-data`` ("choose another folder").
SAMPLE_OPTION = "folder"


def save_sample(out_dir: Path | str, *, seed: int = 7, fmt: str = "csv",
                force: bool = False) -> list[Path]:
    """Write the sample data set as a new folder, all or nothing (``planner sample-data``).

    The folder is built beside ``out_dir`` and moved into place when complete, with
    planner's manifest in it; an existing non-empty ``out_dir`` is replaced only with
    ``force`` and only when planner wrote it (:mod:`planner.output_guard`).

    Parameters
    ----------
    out_dir : Path or str
        The folder to create.
    seed : int, default 7
        Seed passed to :func:`generate_sample`.
    fmt : {"csv", "parquet"}
        File format.
    force : bool
        Replace an existing folder that planner wrote.

    Returns
    -------
    list of Path
        The files written: sales, seats, products, customers (in that order).

    Raises
    ------
    OutputRefusedError
        ``out_dir`` is a file, or a non-empty folder without ``force`` or not written
        by planner.
    OutputError
        If ``fmt`` is unknown or a file cannot be written.
    """
    _check_format(fmt)
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, force=force, command="sample-data",
                          option=SAMPLE_OPTION) as tmp:
        written = write_sample(tmp, seed=seed, fmt=fmt)
    return [out_dir / p.name for p in written]


def _check_format(fmt: str) -> None:
    if fmt not in SAMPLE_FORMATS:
        raise OutputError(
            f"unknown sample format {fmt!r}: expected one of {', '.join(SAMPLE_FORMATS)}"
        )


def write_sample(out_dir: Path, *, seed: int = 7, fmt: str = "csv") -> list[Path]:
    """Generate the sample data set and write it as four files into a folder.

    The low-level writer: files of the same names in ``out_dir`` are replaced.
    :func:`save_sample` (the command and the API) writes a new folder atomically
    and never over one the user owns.

    Parameters
    ----------
    out_dir : Path
        Directory to write into; created if missing. Existing files are replaced.
    seed : int, default 7
        Seed passed to :func:`generate_sample`.
    fmt : {"csv", "parquet"}
        File format.

    Returns
    -------
    list of Path
        The files written: sales, seats, products, customers (in that order).

    Raises
    ------
    OutputError
        If ``fmt`` is unknown or a file cannot be written.
    """
    _check_format(fmt)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {out_dir}: {exc}") from exc
    frames = _file_frames(generate_sample(seed))
    paths = []
    for table in n.TABLES:
        final = out_dir / f"{table}.{fmt}"
        tmp = out_dir / f".{table}.{fmt}.{os.getpid()}.tmp"
        try:
            if fmt == "csv":
                frames[table].to_csv(tmp, index=False)
            else:
                frames[table].to_parquet(tmp, index=False)
            os.replace(tmp, final)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write {final}: {exc}") from exc
        paths.append(final)
    return paths


def sample_files(folder: Path) -> list[Path]:
    """The data files of a sample folder, in table order (sales, seats, products, customers).

    Parameters
    ----------
    folder : Path
        A folder written by :func:`save_sample`.

    Returns
    -------
    list of Path
        Each table's file that exists, in whichever format it was written.
    """
    return [folder / f"{table}.{fmt}" for table in n.TABLES for fmt in SAMPLE_FORMATS
            if (folder / f"{table}.{fmt}").is_file()]
