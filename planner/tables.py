"""Canonical tables: defaults for absent columns, tables derived from sales, tidy order.

Without a seats file, each seat value of sales is a seat (team = the seat unless the
mapping derives it, grade ``all``, no start or end date). Without a products file, each
product of sales is a product with a variable ticket and a margin tier from the terciles
of its margin rate (``standard`` without margins).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names
from planner import validation as v
from planner.dataset import LoadReport
from planner.mapping import TABLE_COLUMNS, TEXT_COLUMNS, KeepTop

DEFAULTS = {
    names.SEGMENT: names.DEFAULT_SEGMENT, names.UNITS: 1.0, names.GRADE: names.DEFAULT_GRADE,
    names.TICKET_MODE: "variable",
}


def with_defaults(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Add absent optional columns with their defaults and fill blanks where defaults exist."""
    for column in TABLE_COLUMNS[table]:
        default = DEFAULTS.get(column)
        if column not in frame:
            if column in v.DATE_COLUMNS or column in v.MONTH_COLUMNS:
                frame[column] = pd.Series(pd.NaT, index=frame.index, dtype=v.DATE_UNIT)
            elif column in TEXT_COLUMNS:
                frame[column] = pd.Series(default, index=frame.index, dtype="str")
            else:
                frame[column] = np.nan if default is None else float(default)
        elif default is not None and column != names.GRADE:
            frame[column] = frame[column].fillna(default)
    return frame


def derive_seats(sales: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Return one seat per seat value of sales (see the module docstring)."""
    if names.TEAM not in sales:
        sales[names.TEAM] = sales[names.SEAT]
    if names.GRADE not in sales:
        sales[names.GRADE] = names.DEFAULT_GRADE
    seats = sales.groupby(names.SEAT, sort=True).agg(
        team=(names.TEAM, "first"), grade=(names.GRADE, "first")).reset_index()
    seats[names.GRADE] = seats[names.GRADE].fillna(names.DEFAULT_GRADE)
    # A derived seat is a shop, country or region, not a hire: no start (no ramp), no end.
    seats[names.START_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    seats[names.END_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    report.notes.append(f"seats derived from sales: {len(seats):,} seats (no start or end "
                        "dates, so no ramp)")
    return seats


def products_table(frame: pd.DataFrame | None, sales: pd.DataFrame,
                   keep_top: KeepTop | None, grouped: list[str],
                   report: LoadReport) -> pd.DataFrame:
    """Return the products table: the file's (``frame``) or derived from sales.

    Products grouped by ``keep_top`` are replaced by its ``other`` product; margin tiers
    left empty come from :func:`margin_tiers`; variable tickets have no fixed ticket.
    """
    tiers = margin_tiers(sales)
    if frame is None:
        products = pd.DataFrame({names.PRODUCT: tiers.index.astype("str")})
        report.notes.append(f"products derived from sales: {len(products):,} products, "
                            f"variable tickets, margin tiers from margin-rate terciles")
    else:
        products = with_defaults(frame, "products")
        if grouped and keep_top is not None and keep_top.column == names.PRODUCT:
            products = products[~products[names.PRODUCT].isin(grouped)]
            other = keep_top.other
            if not products[names.PRODUCT].eq(other).any():
                products = pd.concat([products, pd.DataFrame({names.PRODUCT: [other]})],
                                     ignore_index=True)
    products = with_defaults(products.copy(), "products")
    derived = products[names.PRODUCT].map(tiers).fillna("standard")
    products[names.MARGIN_TIER] = products[names.MARGIN_TIER].fillna(derived)
    variable = products[names.TICKET_MODE].ne("fixed")
    products.loc[variable, names.FIXED_TICKET] = np.nan
    return products


def margin_tiers(sales: pd.DataFrame) -> pd.Series:
    """Return each product's margin tier from the terciles of its margin rate.

    The top third of products by ``sum(margin) / sum(amount)`` are "high", the bottom
    third "low"; products without a known margin (or fewer than three with one) are
    "standard".
    """
    by = sales.groupby(names.PRODUCT)
    amount, margin = by[names.AMOUNT].sum(), by[names.MARGIN].sum(min_count=1)
    rate = (margin / amount.where(amount > 0)).dropna()
    tiers = pd.Series("standard", index=amount.index, dtype="str")
    if len(rate) >= len(names.MARGIN_TIERS):
        ranks = rate.rank(method="first")
        cut = pd.qcut(ranks, 3, labels=list(reversed(names.MARGIN_TIERS)))
        tiers.loc[rate.index] = cut.astype("str")
    return tiers


def tidy(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Select canonical columns in order, with str dtype for text, and a fresh index."""
    out = frame.loc[:, list(columns)].reset_index(drop=True)
    for column in columns:
        if column in TEXT_COLUMNS:
            out[column] = out[column].astype("str")
    return out
