"""Last year made a normal year: seasonal peaks kept, one-off spikes decided, launches filled.

Each product's months of the trailing window go through three steps, in this order;
every step is one row of the baselines' ``spikes`` table, and every change is also a
warning (:class:`~planner.errors.SpikeWarning`, :class:`~planner.errors.LaunchWarning`).

1. **Peaks** (:mod:`planner.baselines.seasons`): a peak that recurs in an earlier year, or falls in
   a peak month of the rest of the company or of the rest of its margin tier, is
   seasonality and kept as it is. A peak without such support is a *one-off*: with the
   policy ``normalise`` its spike months are cut to the product's usual (median) month.
2. **Jump**: a product whose rate over the months it sold in is above
   :data:`SPIKE_YOY_RATIO` x its rate in the same calendar months a year earlier, beyond
   what the rest of the company grew in those months (a fall of the rest counts as
   flat), is a *one-off jump* (an incentive, a campaign): with ``normalise`` its months
   are divided by that relative jump, back to last year's level grown as the company.
3. **Launch** (:mod:`planner.baselines.launches`): a product first sold inside the window gets
   its months before launch filled, so its baseline is a full year.

The policy is the scenario's ``[baselines] spikes`` (``"normalise"`` by default: the
story's incentive spike must not count as normal), per product overridden by
``[baselines.spike_overrides]``. The normal year gives each product's
``normalised_amount`` (what the levers grow) and the ``seasonality`` of its months (what
the phasing follows), so a kept peak is kept in both and a cut one in neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import names as n
from planner.baselines.launches import find_launches
from planner.baselines.seasons import (
    PEAK_RATIO,
    SPIKE_MONTH_RATIO,
    MonthGrid,
    earlier_peaks,
    find_peaks,
    month_list,
    months_before,
    usual_month,
)

SPIKE_YOY_RATIO = 2.0
POLICIES = ("normalise", "keep")
DEFAULT_POLICY = "normalise"
#: Columns of the baselines' ``spikes`` table.
SPIKE_COLUMNS = (n.PRODUCT, "kind", "months", "detail", "action", "amount_before",
                 "amount_after", "factor", "amount_removed")
_MAX_LISTED = 10
#: The rules' thresholds, for the baselines' settings.
THRESHOLDS = {"spike_month_ratio": SPIKE_MONTH_RATIO, "season_peak_ratio": PEAK_RATIO,
              "spike_yoy_ratio": SPIKE_YOY_RATIO}


@dataclass
class NormalYear:
    """The normal year of every product.

    Attributes
    ----------
    products : DataFrame
        The products table with ``active_months``, ``sell_from_month``,
        ``sell_to_month`` (declared, else the months sold in unless launched),
        ``is_spike`` (a one-off found), ``spike_reason``, ``spike_action``,
        ``seasonal_months``, ``launched`` and ``normalised_amount``.
    months : DataFrame
        ``product_months`` with ``normal_amount`` and ``seasonality`` (rate per working
        day over the product's average month, from the normal amounts; 0 in a month
        without sales, NaN for a product without any).
    spikes : DataFrame
        :data:`SPIKE_COLUMNS`: one row per peak, jump and launch.
    warnings : list of (str, str)
        ``(kind, text)``: ``"spike"`` per one-off normalised, ``"launch"`` for the
        launched products.
    """

    products: pd.DataFrame
    months: pd.DataFrame
    spikes: pd.DataFrame
    warnings: list[tuple[str, str]]


def toml_key(product: str) -> str:
    """The product as a TOML key: bare when it can be, quoted otherwise.

    Examples
    --------
    >>> toml_key("UL_INS"), toml_key("85099B"), toml_key("A.B")
    ('UL_INS', '85099B', '"A.B"')
    """
    if re.fullmatch(r"[A-Za-z0-9_-]+", product):
        return product
    return '"' + product.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _action(product: str, policy: str, overrides: Mapping[str, str]) -> tuple[bool, str]:
    """Whether a one-off of ``product`` is normalised, and the action in words."""
    if product in overrides:
        chosen = overrides[product]
        return chosen == "normalise", (
            "normalised" if chosen == "normalise" else "kept: spike_overrides")
    return policy == "normalise", "normalised" if policy == "normalise" else "kept: spikes = keep"


def prior_year(history: pd.DataFrame, grid: MonthGrid,
               window_start: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Each product's amounts in the 12 months before the window, and their working days.

    Aligned with the grid's products and calendar months (zeros where there is none).
    """
    old = history.loc[~history["in_window"].astype(bool)]
    back = months_before(old["month_start"], window_start)
    old = old.loc[(back >= 1) & (back <= 12)]
    month = pd.to_datetime(old["month_start"]).dt.month
    amount = old.pivot_table(index=n.PRODUCT, columns=month, values=n.AMOUNT, aggfunc="sum")
    amount = amount.reindex(index=grid.products, columns=grid.months).fillna(0.0)
    days = old.assign(m=month).drop_duplicates("month_start").groupby("m")[
        n.WORKING_DAYS].sum()
    return amount.to_numpy(float), days.reindex(grid.months).fillna(0.0).to_numpy(float)


def _grown(rest: float) -> float:
    """The rest of the company's growth a jump is measured against (a fall counts as 1)."""
    return max(rest, 1.0) if np.isfinite(rest) else 1.0


def find_jumps(grid: MonthGrid, amount: np.ndarray, prior: np.ndarray,
               prior_days: np.ndarray) -> list[tuple[int, tuple[int, ...], float, float]]:
    """Products above :data:`SPIKE_YOY_RATIO` x the same months a year earlier.

    Returns ``(row, months, product ratio, rest of the company's ratio)`` per jump; the
    jump is the product's ratio over the rest's (:func:`_grown`). The rest's ratio is
    NaN when the rest of the company sold nothing in those months.
    """
    out = []
    rest_now = grid.amount.sum(axis=0) - grid.amount
    rest_then = prior.sum(axis=0) - prior
    both = (amount > 0) & (prior > 0) & (grid.working_days > 0) & (prior_days > 0)
    for i in np.flatnonzero(both.any(axis=1)):
        cols = both[i]
        now_days, then_days = grid.working_days[cols].sum(), prior_days[cols].sum()
        ratio = (amount[i, cols].sum() / now_days) / (prior[i, cols].sum() / then_days)
        rest_before = rest_then[i, cols].sum()
        rest = ((rest_now[i, cols].sum() / now_days) / (rest_before / then_days)
                if rest_before > 0 and rest_now[i, cols].sum() > 0 else np.nan)
        if ratio / _grown(rest) > SPIKE_YOY_RATIO:
            out.append((int(i), tuple(int(m) for m in grid.months[cols]), float(ratio),
                        float(rest)))
    return out


def normal_year(product_months: pd.DataFrame, products: pd.DataFrame, history: pd.DataFrame,
                days: pd.DataFrame, *, window_start: pd.Timestamp, window_months: int,
                policy: str = DEFAULT_POLICY,
                overrides: Mapping[str, str] | None = None) -> NormalYear:
    """Apply the three steps of the module docstring to every product.

    Parameters
    ----------
    product_months : DataFrame
        ``queries/product_months_table.sql``.
    products : DataFrame
        ``product, margin_tier, amount, first_sale`` and the declared
        ``sell_from_month, sell_to_month``.
    history : DataFrame
        ``queries/product_history.sql``.
    days : DataFrame
        ``date, is_working`` over the history.
    window_start : Timestamp
        First day of the trailing window.
    window_months : int
        Months the window spans.
    policy : str
        ``"normalise"`` or ``"keep"``: what becomes of a one-off.
    overrides : mapping, optional
        Product -> policy, over ``policy``.

    Returns
    -------
    NormalYear
    """
    if policy not in POLICIES:
        raise ValueError(f"spikes policy must be one of {', '.join(POLICIES)}, not {policy!r}")
    overrides = dict(overrides or {})
    indexed = products.set_index(n.PRODUCT)
    grid = MonthGrid.of(product_months, indexed[n.MARGIN_TIER])
    normal = grid.amount.copy()
    usual = usual_month(grid.rates())
    row = {p: i for i, p in enumerate(grid.products)}
    steps: list[tuple] = []

    def step(i: int, kind: str, months: tuple[int, ...], detail: str, action: str,
             before: float) -> None:
        after = float(normal[i].sum())
        steps.append((grid.products[i], kind, month_list(months), detail, action, before,
                      after, after / before if before else np.nan, before - after))

    peaks = find_peaks(grid, earlier_peaks(history, window_start))
    for peak in peaks.itertuples(index=False):
        i = row[peak.product]
        before = float(normal[i].sum())
        height = f"up to {peak.ratio:.1f}x the median month"
        if peak.seasonal:
            step(i, "seasonal peak", peak.run, f"{height}; {peak.support}", "kept: seasonal",
                 before)
            continue
        cut, action = _action(peak.product, policy, overrides)
        if cut:
            cols = np.isin(grid.months, peak.months)
            normal[i, cols] = np.minimum(normal[i, cols], usual[i] * grid.working_days[cols])
        step(i, "one-off peak", peak.months, f"{height}; not seen in an earlier year, nor a "
             "peak month of the rest of the company or of its tier", action, before)
    prior, prior_days = prior_year(history, grid, window_start)
    for i, months, ratio, rest in find_jumps(grid, normal, prior, prior_days):
        before = float(normal[i].sum())
        cut, action = _action(grid.products[i], policy, overrides)
        if cut:
            normal[i] /= ratio / _grown(rest)
        others = (f"the rest of the company {rest:.2f}x" if np.isfinite(rest)
                  else "the rest of the company had no sales then")
        step(i, "jump", months, f"{ratio:.1f}x the same months a year earlier, {others}",
             action, before)
    launches = find_launches(grid, normal, history, indexed, days, window_months)
    for launch in launches:
        before = float(normal[launch.row].sum())
        normal[launch.row] += launch.filled
        step(launch.row, "launch", launch.months(grid), f"first sale "
             f"{launch.first_sale:%Y-%m-%d}; the months before it filled at the product's "
             "level on the rest of the company's months", "annualised", before)
    spikes = pd.DataFrame(steps, columns=list(SPIKE_COLUMNS))
    spikes = spikes.sort_values(n.PRODUCT, kind="stable").reset_index(drop=True)
    launched = {grid.products[x.row] for x in launches}
    return NormalYear(_products(products, grid, normal, spikes, launched),
                      _months(product_months, grid, normal), spikes, spike_warnings(spikes))


def _products(products: pd.DataFrame, grid: MonthGrid, normal: np.ndarray,
              spikes: pd.DataFrame, launched: set[str]) -> pd.DataFrame:
    """The products table with the normal year's columns."""
    out = products.copy()
    at = out[n.PRODUCT].map({p: i for i, p in enumerate(grid.products)}).to_numpy(int)
    sold = grid.amount > 0
    out["active_months"] = sold[at].sum(axis=1)
    out["launched"] = out[n.PRODUCT].isin(launched)
    declared = out[n.SELL_FROM_MONTH].notna() & out[n.SELL_TO_MONTH].notna()
    gaps = ~declared & ~out["launched"] & out["active_months"].between(1, len(grid.months) - 1)
    for column, pick in ((n.SELL_FROM_MONTH, 0), (n.SELL_TO_MONTH, -1)):
        observed = [int(grid.months[np.flatnonzero(sold[i])[pick]]) if g else None
                    for i, g in zip(at, gaps, strict=True)]
        out[column] = out[column].astype("Int64").where(~gaps, pd.array(observed, "Int64"))
    one_off = spikes.loc[spikes["kind"].isin(["one-off peak", "jump"])]
    reasons = one_off.assign(text=one_off["kind"] + " in " + one_off["months"] + ": "
                             + one_off["detail"]).groupby(n.PRODUCT)["text"].agg("; ".join)
    seasonal = spikes.loc[spikes["kind"] == "seasonal peak"].groupby(n.PRODUCT)["months"].agg(
        "; ".join)
    actions = one_off.groupby(n.PRODUCT)["action"].first()
    out["is_spike"] = out[n.PRODUCT].isin(reasons.index)
    for column, texts in (("spike_reason", reasons), ("spike_action", actions),
                          ("seasonal_months", seasonal)):
        out[column] = pd.Series([texts.get(p, "") for p in out[n.PRODUCT]], index=out.index,
                                dtype="str")
    out["normalised_amount"] = normal.sum(axis=1)[at]
    return out


def _months(product_months: pd.DataFrame, grid: MonthGrid, normal: np.ndarray) -> pd.DataFrame:
    """``product_months`` with the normal amounts and their seasonality index."""
    rate = grid.rates(normal)
    sold = (normal > 0) & np.isfinite(rate)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(sold, rate, 0.0).sum(axis=1) / sold.sum(axis=1)
        index = np.where(sold, rate / mean[:, None], 0.0)
    index[~np.isfinite(mean)] = np.nan
    long = pd.DataFrame({
        n.PRODUCT: np.repeat(grid.products, len(grid.months)),
        n.MONTH: np.tile(grid.months, len(grid.products)),
        "normal_amount": normal.ravel(), "seasonality": index.ravel()})
    return product_months.merge(long, on=[n.PRODUCT, n.MONTH], how="left")


def _money(value: float) -> str:
    return f"{value:,.0f}"


def spike_warnings(spikes: pd.DataFrame) -> list[tuple[str, str]]:
    """The warnings of a spikes table: each one-off normalised, and the launches.

    Returns
    -------
    list of (str, str)
        ``("spike", text)`` per normalisation, then one ``("launch", text)``.
    """
    out = []
    for r in spikes.loc[spikes["action"] == "normalised"].itertuples(index=False):
        what = "spike" if r.kind == "one-off peak" else "jump"
        cut = ("capped at the median month" if r.kind == "one-off peak"
               else "divided by the jump")
        out.append(("spike", (
            f"baselines: {r.product}: one-off {what} in {r.months} normalised ({r.detail}); "
            f"{cut}: baseline x{r.factor:.2f} ({_money(r.amount_before)} -> "
            f"{_money(r.amount_after)}, {_money(r.amount_removed)} removed); to keep it, set "
            f"[baselines.spike_overrides] {toml_key(str(r.product))} = \"keep\"")))
    launches = spikes.loc[spikes["kind"] == "launch"]
    if len(launches):
        listed = [f"{r.product} ({r.detail.split(';')[0]}, x{r.factor:.2f}: "
                  f"{_money(r.amount_before)} -> {_money(r.amount_after)})"
                  for r in launches.head(_MAX_LISTED).itertuples(index=False)]
        more = f", ... ({len(launches) - _MAX_LISTED} more)" if len(
            launches) > _MAX_LISTED else ""
        count = f"{len(launches)} product{'s' if len(launches) > 1 else ''}"
        out.append(("launch", (
            f"baselines: {count} launched inside the trailing window, planned on a full "
            "year (the months before the first sale filled at the product's level on the "
            f"rest of the company's months): {', '.join(listed)}{more}; declare a selling "
            "window in the products file to plan a product only in its months")))
    return out
