"""Names used across the project: tidy column names, tables, files, constants.

Every module refers to these instead of spelling string literals, so a rename
happens in one place.
"""

from __future__ import annotations

from typing import Final

# --- tidy tables produced by loading (canonical column names) -----------------
# sales: one row per transaction or per seat x product x segment x day.
DATE: Final = "date"
SEAT: Final = "seat"
TEAM: Final = "team"
GRADE: Final = "grade"
PRODUCT: Final = "product"
SEGMENT: Final = "segment"
AMOUNT: Final = "amount"
UNITS: Final = "units"
CUSTOMER_ID: Final = "customer_id"
MARGIN: Final = "margin"
# seats
START_DATE: Final = "start_date"
END_DATE: Final = "end_date"
# products
TICKET_MODE: Final = "ticket_mode"  # "fixed" | "variable"
FIXED_TICKET: Final = "fixed_ticket"
MARGIN_TIER: Final = "margin_tier"  # "high" | "standard" | "low"
SELL_FROM_MONTH: Final = "sell_from_month"  # 1..12, empty = all year
SELL_TO_MONTH: Final = "sell_to_month"
NAME: Final = "name"  # display name of a product (default: its code)
# seats: a team's display name (default: the team's code); Dataset.teams has team, name
TEAM_NAME: Final = "team_name"
# customers (monthly, per segment)
MONTH: Final = "month"  # first day of month (datetime64) in tidy customers
STOCK: Final = "stock"
NEW: Final = "new"
ATTRITION: Final = "attrition"
AUM: Final = "aum"

SALES_COLUMNS: Final = (DATE, SEAT, PRODUCT, SEGMENT, AMOUNT, UNITS, CUSTOMER_ID, MARGIN)
SALES_REQUIRED: Final = (DATE, SEAT, PRODUCT, AMOUNT)
SEATS_COLUMNS: Final = (SEAT, TEAM, GRADE, START_DATE, END_DATE)
SEATS_REQUIRED: Final = (SEAT, TEAM, GRADE)
PRODUCTS_COLUMNS: Final = (
    PRODUCT, TICKET_MODE, FIXED_TICKET, MARGIN_TIER, SELL_FROM_MONTH, SELL_TO_MONTH, NAME,
)
PRODUCTS_REQUIRED: Final = (PRODUCT,)
CUSTOMERS_COLUMNS: Final = (MONTH, SEGMENT, STOCK, NEW, ATTRITION, AUM)
CUSTOMERS_REQUIRED: Final = (MONTH, SEGMENT, STOCK)

TICKET_MODES: Final = ("fixed", "variable")
MARGIN_TIERS: Final = ("high", "standard", "low")
DEFAULT_SEGMENT: Final = "all"
DEFAULT_GRADE: Final = "all"

# --- dataset files -------------------------------------------------------------
TABLES: Final = ("sales", "seats", "products", "customers")
DATA_SUFFIXES: Final = (".csv", ".parquet", ".xlsx", ".csv.gz")

# --- plan outputs ----------------------------------------------------------------
WEEK: Final = "week"  # ISO week label, e.g. "2027-W05"
WEEK_START: Final = "week_start"
WORKING_DAYS: Final = "working_days"
PLAN_CSV: Final = "plan.csv"
PLAN_SEATS_CSV: Final = "plan_seats.csv"
DRIVERS_CSV: Final = "drivers.csv"
PRODUCT_TARGETS_CSV: Final = "product_targets.csv"
EXPLAIN_CSV: Final = "explain.csv"  # planner.explain: each team's bridge
DIAGNOSIS_MD: Final = "diagnosis.md"
SUMMARY_XLSX: Final = "summary.xlsx"
BASELINES_XLSX: Final = "baselines.xlsx"
BASELINES_CSV_PREFIX: Final = "baselines_"
SWEEP_CSV: Final = "sweep.csv"
FRONTIER_CSV: Final = "frontier.csv"
TEAMS_DIR: Final = "teams"
CHARTS_DIR: Final = "charts"
#: Written into every output folder; ``--force`` replaces only folders that hold it.
OUTPUT_MANIFEST: Final = ".planner-output.json"

PLAN_COLUMNS: Final = (TEAM, PRODUCT, WEEK, WEEK_START, MONTH, AMOUNT, UNITS)
PLAN_SEATS_COLUMNS: Final = (SEAT, TEAM, GRADE, PRODUCT, MONTH, AMOUNT, UNITS)
DRIVERS_COLUMNS: Final = (
    "lever", "scope", "baseline", "uplift", "planned", "cap", "binding", "marginal_value",
)
PRODUCT_TARGETS_COLUMNS: Final = (
    PRODUCT, "baseline_amount", "target_amount", "baseline_units", "target_units",
)

