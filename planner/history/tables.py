"""Canonical tables: defaults for absent columns, tables derived from sales, tidy order.

Without a seats file, each seat value of sales is a seat (team = the seat unless the
mapping derives it, grade ``all``, no start or end date). Without a products file, each
product of sales is a product with a variable ticket and a margin tier from the terciles
of its margin rate (``standard`` without margins). Every product has a display ``name``
(the file's, else the most frequent value of the mapping's ``[products] derive name``
sales column, else its code) and every team one (``team_name`` of seats, else its code).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names
from planner.history import checks as v
from planner.history.dataset import LoadReport
from planner.history.mapping import TABLE_COLUMNS, TEXT_COLUMNS, KeepTop

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
                frame[column] = np.nan if default is None else float(str(default))
        elif default is not None and column != names.GRADE:
            frame[column] = frame[column].fillna(default)
    return frame


def derive_seats(sales: pd.DataFrame, report: LoadReport) -> pd.DataFrame:
    """Return one seat per seat value of sales (see the module docstring)."""
    if names.TEAM not in sales:
        sales[names.TEAM] = sales[names.SEAT]
    if names.GRADE not in sales:
        sales[names.GRADE] = names.DEFAULT_GRADE
    extra = {names.TEAM_NAME: (names.TEAM_NAME, "first")} if names.TEAM_NAME in sales else {}
    seats = sales.groupby(names.SEAT, sort=True).agg(
        team=(names.TEAM, "first"), grade=(names.GRADE, "first"), **extra).reset_index()
    seats[names.GRADE] = seats[names.GRADE].fillna(names.DEFAULT_GRADE)
    # A derived seat is a shop, country or region, not a hire: no start (no ramp), no end.
    seats[names.START_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    seats[names.END_DATE] = pd.Series(pd.NaT, index=seats.index, dtype=v.DATE_UNIT)
    report.notes.append(f"seats derived from sales: {len(seats):,} seats (no start or end "
                        "dates, so no ramp)")
    return seats


def products_table(frame: pd.DataFrame | None, sales: pd.DataFrame,
                   keep_top: KeepTop | None, grouped: list[str],
                   report: LoadReport, label: str = "the products file") -> pd.DataFrame:
    """Return the products table: the file's (``frame``) or derived from sales.

    With ``keep_top`` on products, the file's rows of grouped products are left out,
    its ``other`` product is added when rows were grouped and the file does not
    describe it, and kept
    products the file does not list are added as if derived (noted in ``report``).
    Margin tiers left empty come from :func:`margin_tiers`; variable tickets have no
    fixed ticket; names left empty come from :func:`product_names`, else the code.
    """
    tiers = margin_tiers(sales)
    on_products = keep_top is not None and keep_top.column == names.PRODUCT
    if frame is None:
        products = pd.DataFrame({names.PRODUCT: tiers.index.astype("str")})
        report.notes.append(f"products derived from sales: {len(products):,} products, "
                            f"variable tickets, margin tiers from margin-rate terciles")
    else:
        products = with_defaults(frame, "products")
        if on_products and keep_top is not None:
            products = products[~products[names.PRODUCT].isin(grouped)]
            listed = set(products[names.PRODUCT].dropna())
            other = keep_top.other
            kept = [str(p) for p in tiers.index if p not in listed and p != other]
            added = kept + ([other] if grouped and other not in listed else [])
            products = pd.concat([products, pd.DataFrame({names.PRODUCT: added})],
                                 ignore_index=True)
            if kept:
                n_kept = len([p for p in tiers.index if p != other])
                more = f", ... ({len(kept) - 10:,} more)" if len(kept) > 10 else ""
                report.notes.append(
                    f"{label} describes {n_kept - len(kept):,} of the {n_kept:,} kept products; "
                    f"{', '.join(kept[:10])}{more} described as derived from sales (variable "
                    "ticket, margin tier from margin-rate terciles)")
    products = with_defaults(products.copy(), "products")
    derived = products[names.PRODUCT].map(tiers).fillna("standard")
    products[names.MARGIN_TIER] = products[names.MARGIN_TIER].fillna(derived)
    variable = products[names.TICKET_MODE].ne("fixed")
    products.loc[variable, names.FIXED_TICKET] = np.nan
    from_sales = product_names(sales, keep_top.other if on_products and keep_top else None)
    name = products[names.NAME].fillna(products[names.PRODUCT].map(from_sales))
    products[names.NAME] = name.fillna(products[names.PRODUCT]).astype("str")
    return products


def product_names(sales: pd.DataFrame, other: str | None = None) -> pd.Series:
    """Return each product's most frequent ``name`` in sales (ties: the first by text).

    ``sales[name]`` is the mapping's ``[products] derive name`` column; without it the
    result is empty. The catch-all ``other`` gets no name from its grouped rows.

    Examples
    --------
    >>> sales = pd.DataFrame({"product": ["A", "A", "A", "B"],
    ...                       "name": ["Red mug", "red mug?", "Red mug", None]})
    >>> product_names(sales).to_dict()
    {'A': 'Red mug'}
    """
    if names.NAME not in sales:
        return pd.Series(dtype="str")
    pairs = sales[[names.PRODUCT, names.NAME]].dropna()
    if other is not None:
        pairs = pairs[pairs[names.PRODUCT] != other]
    counts = pairs.groupby([names.PRODUCT, names.NAME], sort=False).size().rename("n")
    best = (counts.reset_index().sort_values([names.PRODUCT, "n", names.NAME],
                                             ascending=[True, False, True])
            .drop_duplicates(names.PRODUCT))
    return pd.Series(best[names.NAME].to_numpy(), index=best[names.PRODUCT].to_numpy(),
                     dtype="str")


def teams_table(seats: pd.DataFrame) -> pd.DataFrame:
    """Return ``team, name``: each team's first ``team_name`` in seats, else its code.

    Examples
    --------
    >>> seats = pd.DataFrame({"team": ["EU", "UK", "EU"],
    ...                       "team_name": [None, "United Kingdom", "Europe"]})
    >>> teams_table(seats).values.tolist()
    [['EU', 'Europe'], ['UK', 'United Kingdom']]
    """
    teams = pd.Series(sorted(seats[names.TEAM].dropna().astype("str").unique()), dtype="str")
    given = pd.Series(dtype="str")
    if names.TEAM_NAME in seats:
        named = seats.dropna(subset=[names.TEAM, names.TEAM_NAME]).drop_duplicates(names.TEAM)
        given = pd.Series(named[names.TEAM_NAME].astype("str").to_numpy(),
                          index=named[names.TEAM].astype("str").to_numpy(), dtype="str")
    name = teams.map(given).fillna(teams)
    return pd.DataFrame({names.TEAM: teams, names.NAME: name.astype("str")})


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
