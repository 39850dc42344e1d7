"""The story behind the sample data set: products, customer segments, seat grades.

A Chinese telesales centre selling wealth-management products (DESIGN.md section 1):
about 5 billion of revenue in the trailing twelve months, two fixed-ticket products
bought in units of 1,000,000, a universal-life product sold only three months a year
with an incentive spike, and customer tags whose best tag buys the largest and most
variable tickets. :mod:`planner.sample.generate` turns these numbers into tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from planner import names as n

# --- period --------------------------------------------------------------------------
HISTORY_START: Final = np.datetime64("2025-01-01", "D")
HISTORY_END: Final = np.datetime64("2026-10-31", "D")
#: First day of the trailing twelve months the baselines use (Nov 2025 .. Oct 2026).
TRAILING_START: Final = np.datetime64("2025-11-01", "D")
#: Expected revenue of the trailing twelve months ("5 billion last year").
TRAILING_REVENUE: Final = 5.0e9
#: Yearly growth of the underlying business over the history.
YEARLY_TREND: Final = 0.06
#: Spread of the day-to-day common shock (lognormal sigma).
DAILY_NOISE: Final = 0.08

# --- segments (customer tags) ---------------------------------------------------------
SEGMENTS: Final = ("S1_private", "S2_affluent", "S3_mass_affluent", "S4_mass", "S5_dormant")


@dataclass(frozen=True)
class SegmentSpec:
    """How one customer tag buys.

    Attributes
    ----------
    ticket_mult : float
        Mean ticket of a variable-ticket product relative to the product's base ticket.
    ticket_sigma : float
        Lognormal sigma of the ticket around that mean (the best tag varies most).
    purchases_per_customer : float
        Transactions per customer of the tag's buying pool over the whole history
        (drives repurchase: higher means more customers buy more than once).
    stock_per_buyer : float
        Stock customers per customer of the buying pool (keeps conversion to a few %).
    new_rate, attrition_rate : float
        Monthly new customers from the partner and monthly attrition, as shares of stock.
    aum_per_customer : float
        Assets under management per stock customer.
    """

    ticket_mult: float
    ticket_sigma: float
    purchases_per_customer: float
    stock_per_buyer: float
    new_rate: float
    attrition_rate: float
    aum_per_customer: float


SEGMENT_SPECS: Final = {
    "S1_private": SegmentSpec(2.6, 0.95, 1.00, 6.0, 0.006, 0.004, 3_000_000.0),
    "S2_affluent": SegmentSpec(1.5, 0.70, 0.80, 6.0, 0.008, 0.006, 800_000.0),
    "S3_mass_affluent": SegmentSpec(1.0, 0.55, 0.60, 6.0, 0.010, 0.008, 250_000.0),
    "S4_mass": SegmentSpec(0.6, 0.45, 0.45, 7.0, 0.012, 0.010, 50_000.0),
    "S5_dormant": SegmentSpec(0.4, 0.40, 0.25, 9.0, 0.004, 0.015, 10_000.0),
}

# --- products ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSpec:
    """One product of the catalogue.

    Attributes
    ----------
    code : str
        Product id.
    ticket_mode : str
        ``"fixed"`` or ``"variable"``.
    fixed_ticket : float
        Nominal ticket of a fixed-ticket product (NaN for variable).
    margin_tier : str
        ``"high"``, ``"standard"`` or ``"low"``.
    margin_rate : float
        Margin as a share of amount.
    share : float
        Share of the trailing-twelve-month revenue.
    base_ticket : float
        Mean ticket of a variable-ticket product for a segment multiplier of 1.
    sell_from, sell_to : int or None
        Selling window in calendar months (None: all year).
    incentive : float
        Rate multiplier inside the window in the trailing year (the incentive spike).
    seasonal_strength : float
        Exponent on the common seasonal factor (0: flat, 1: full).
    segment_weights : tuple of float
        Share of the product's transactions per segment, in :data:`SEGMENTS` order.
    """

    code: str
    ticket_mode: str
    fixed_ticket: float
    margin_tier: str
    margin_rate: float
    share: float
    base_ticket: float
    sell_from: int | None
    sell_to: int | None
    incentive: float
    seasonal_strength: float
    segment_weights: tuple[float, float, float, float, float]


_NAN = float("nan")
PRODUCT_SPECS: Final = (
    ProductSpec("TRUST_A", "fixed", 1_000_000.0, "high", 0.030, 0.22, _NAN,
                None, None, 1.0, 1.0, (0.35, 0.40, 0.20, 0.05, 0.00)),
    ProductSpec("AM_B", "fixed", 1_000_000.0, "standard", 0.015, 0.16, _NAN,
                None, None, 1.0, 1.0, (0.25, 0.40, 0.25, 0.10, 0.00)),
    ProductSpec("BANK_WM", "variable", _NAN, "standard", 0.008, 0.27, 150_000.0,
                None, None, 1.0, 1.0, (0.15, 0.30, 0.30, 0.20, 0.05)),
    ProductSpec("UL_INS", "variable", _NAN, "high", 0.060, 0.15, 60_000.0,
                3, 5, 2.5, 0.5, (0.10, 0.25, 0.35, 0.25, 0.05)),
    ProductSpec("LOAN", "variable", _NAN, "low", 0.004, 0.08, 30_000.0,
                None, None, 1.0, 0.4, (0.00, 0.05, 0.20, 0.45, 0.30)),
    ProductSpec("B2C_FUND", "variable", _NAN, "low", 0.003, 0.12, 8_000.0,
                None, None, 1.0, 1.0, (0.02, 0.08, 0.25, 0.40, 0.25)),
)

#: Products whose expected ticket is at least this are drawn by systematic sampling per
#: seat (the centre hands their allocation out evenly), so a seat's big-ticket sales track
#: its capacity and grade productivity stays tight; smaller tickets are Poisson.
SMOOTH_MIN_TICKET: Final = 100_000.0
#: Smaller tickets of fixed-ticket products (share of that product's sales each).
FIXED_TAIL_TICKETS: Final = (300_000.0, 500_000.0)
FIXED_TAIL_SHARES: Final = (0.02, 0.03)

# --- seats ----------------------------------------------------------------------------
TEAMS: Final = tuple(f"T{i:02d}" for i in range(1, 13))
GRADES: Final = ("A", "B", "C", "D", "E")
#: Relative productivity of a fully ramped seat per grade (A about 2.5x E).
GRADE_PRODUCTIVITY: Final = (2.5, 1.95, 1.55, 1.25, 1.0)
GRADE_SHARE_INITIAL: Final = (0.10, 0.20, 0.30, 0.25, 0.15)
GRADE_SHARE_HIRES: Final = (0.0, 0.05, 0.20, 0.40, 0.35)
#: Spread of productivity between seats of one grade (lognormal sigma, CV about 10%).
SEAT_SPREAD: Final = 0.10
#: Seats at the start of the history (inclusive range for the seed to pick from).
INITIAL_SEATS: Final = (266, 274)
#: Hires over the history (inclusive range).
HIRES: Final = (52, 58)
#: Share of initial seats, and of hires, that leave during the history.
LEAVER_SHARE_INITIAL: Final = 0.14
LEAVER_SHARE_HIRES: Final = 0.08
#: Productivity of a new hire on the first day, before ramping to 1.
RAMP_FLOOR: Final = 0.2


def expected_tickets(specs: tuple[ProductSpec, ...]) -> np.ndarray:
    """Return each product's expected ticket given its segment mix."""
    seg_mult = np.array([SEGMENT_SPECS[s].ticket_mult for s in SEGMENTS])
    tail = float(np.dot(FIXED_TAIL_TICKETS, FIXED_TAIL_SHARES))
    out = []
    for p in specs:
        if p.ticket_mode == "fixed":
            out.append(p.fixed_ticket * (1 - sum(FIXED_TAIL_SHARES)) + tail)
        else:
            out.append(p.base_ticket * float(np.dot(p.segment_weights, seg_mult)))
    return np.asarray(out)


def products_frame() -> pd.DataFrame:
    """Return the tidy products table."""
    specs = PRODUCT_SPECS
    nan = float("nan")
    return pd.DataFrame({
        n.PRODUCT: [p.code for p in specs],
        n.TICKET_MODE: [p.ticket_mode for p in specs],
        n.FIXED_TICKET: [p.fixed_ticket for p in specs],
        n.MARGIN_TIER: [p.margin_tier for p in specs],
        n.SELL_FROM_MONTH: [nan if p.sell_from is None else float(p.sell_from) for p in specs],
        n.SELL_TO_MONTH: [nan if p.sell_to is None else float(p.sell_to) for p in specs],
    })
