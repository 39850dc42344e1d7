"""Names of the tracking outputs: files, columns and the labels of summary rows."""

from __future__ import annotations

from typing import Final

from planner import names as n

ATTAINMENT_CSV: Final = "attainment.csv"
VARIANCE_CSV: Final = "variance.csv"
TRACKING_XLSX: Final = "tracking.xlsx"
REPLAN_DIFF_CSV: Final = "replan_diff.csv"
CUMULATIVE_PNG: Final = "cumulative.png"
WATERFALL_PNG: Final = "variance_waterfall.png"

TARGET: Final = "target"
ACTUAL: Final = "actual"
ATTAINMENT: Final = "attainment"
VARIANCE: Final = "variance"
ORIGINAL: Final = "original"
REVISED: Final = "revised"
CHANGE: Final = "change"

#: ``month`` of the summary rows of attainment.csv.
TO_DATE: Final = "to date"
FULL_YEAR: Final = "full year"
#: ``product`` of a team's all-products rows.
ALL: Final = "*"

ATTAINMENT_COLUMNS: Final = (n.TEAM, n.PRODUCT, n.MONTH, TARGET, ACTUAL, ATTAINMENT)
DRIVER_EFFECTS: Final = ("customers", "conversion", "repurchase", "ticket", "mix")
VOLUME_EFFECTS: Final = ("volume", "price", "mix")
VARIANCE_KEYS: Final = (n.TEAM, n.PRODUCT, n.MONTH, TARGET, ACTUAL, VARIANCE)
REPLAN_DIFF_COLUMNS: Final = (n.TEAM, n.PRODUCT, n.MONTH, ORIGINAL, REVISED, CHANGE)

#: Scenario values of ``[replan] leavers``.
SPREAD: Final = "spread"
RELIEVE: Final = "relieve"
LEAVER_POLICIES: Final = (SPREAD, RELIEVE)
