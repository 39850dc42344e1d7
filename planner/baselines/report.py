"""The data-quality report: what loading did, then what computing the baselines found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from planner import names as n
from planner.baselines.spikes import NormalYear
from planner.history.dataset import Dataset

#: At most this many names are listed in one report line.
_MAX_NAMES = 20


def _names(values: Any) -> str:
    """Return up to :data:`_MAX_NAMES` names, comma-separated, and how many more."""
    items = [str(v) for v in values]
    more = f", ... ({len(items) - _MAX_NAMES} more)" if len(items) > _MAX_NAMES else ""
    return ", ".join(items[:_MAX_NAMES]) + more


def baselines_report(dataset: Dataset, settings: Mapping[str, Any], totals: Mapping[str, Any],
                     quality: Mapping[str, Any], year: NormalYear,
                     segments: pd.DataFrame) -> pd.DataFrame:
    """Return the load report followed by what computing the baselines found.

    Parameters
    ----------
    dataset : Dataset
        The history (its load report comes first).
    settings : mapping
        The baselines' settings (``window``).
    totals : mapping
        The window's totals (``totals.sql``).
    quality : mapping
        The data-quality counts (``quality.sql``), ``unknown_seats`` and
        ``seats_without_sales`` (lists of seats).
    year : NormalYear
        The normal year (spikes, launches, undeclared products).
    segments : DataFrame
        The segments table (where each customer base came from).
    """
    p = year.products
    kept = p["is_spike"] & p["spike_action"].str.startswith("kept")
    rows: list[tuple[str, object]] = [
        ("baselines window", settings["window"]),
        ("sales rows in the window", int(totals["n_rows"])),
        ("sales rows outside the window (ignored)", int(quality["outside_rows"])),
        ("sales amount outside the window (ignored)", round(float(quality["outside_amount"]), 2)),
        ("return rows in the window (negative amounts, netted)", int(totals["return_rows"])),
        ("sales rows before the seat's start date", int(quality["before_start"])),
        ("sales rows after the seat's end date", int(quality["after_end"])),
        ("sales rows of seats missing from the seats table",
         int(quality["unknown_seat_rows"])),
        ("seats active in the window without sales", len(quality["seats_without_sales"])),
    ]
    optional: list[tuple[str, object]] = [
        ("sales rows in the window without customer id (buyers estimated from units)",
         int(totals["rows_without_id"])),
        ("seats missing from the seats table (excluded from productivity)",
         _names(quality["unknown_seats"])),
        ("seats without sales in the window", _names(quality["seats_without_sales"])),
        ("products sold but missing from the products table (planned as variable ticket)",
         _names(p.loc[p["undeclared"], n.PRODUCT])),
        ("products without sales in the window",
         _names(p.loc[p["units"].eq(0) & p["amount"].eq(0), n.PRODUCT])),
        ("one-off spikes normalised (see the spikes table)",
         _names(p.loc[p["spike_action"] == "normalised", n.PRODUCT])),
        ("one-off spikes kept (spikes policy or override)", _names(p.loc[kept, n.PRODUCT])),
        ("seasonal peaks kept (see the spikes table)",
         _names(p.loc[p["seasonal_months"] != "", n.PRODUCT])),
        ("products launched inside the window (history annualised)",
         _names(p.loc[p["launched"], n.PRODUCT])),
        ("segments whose customer base is not from the customers table",
         _names(segments.loc[segments["base_source"] != "customers table", n.SEGMENT])),
        ("amount in product x segment cells with no units (ticket undefined)",
         float(quality["amount_without_units"])),
    ]
    rows += [(k, v) for k, v in optional if v not in ("", 0, 0.0)]
    frames = [dataset.report.to_frame(), pd.DataFrame(rows, columns=["item", "value"])]
    both = pd.concat([f.astype({"value": object}) for f in frames if not f.empty])
    return both.reset_index(drop=True)
