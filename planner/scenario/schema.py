"""Scenario schema: every key a scenario file may hold, with its type and default.

Declared once as data; :mod:`planner.scenario.parse` checks files against it.
"""

from __future__ import annotations

from typing import Any, Final

# A field is (python types accepted, default). ``None`` default = optional.
Field = tuple[tuple[type, ...], Any]

NUM: Final = (int, float)
STR: Final = (str,)
LIST: Final = (list,)
BOOL: Final = (bool,)

TOP: Final[dict[str, Field]] = {
    "name": (STR, None),
    "description": (STR, ""),
    "base": (STR, None),
}

TABLES: Final[dict[str, dict[str, Field]]] = {
    "data": {
        "dir": (STR, None),
        "mapping": (STR, None),
        "window_end": (STR, None),
        "trailing_months": ((int,), 12),
    },
    "calendar": {
        "year": ((int,), None),
        "country": (STR, "CN"),
        "extra_holidays": (LIST, []),
        "extra_working_days": (LIST, []),
        "official": (BOOL, False),
    },
    "target": {
        "multiple": (NUM, None),
        "amount": (NUM, None),
        "buffer": (NUM, 0.10),
    },
    "attrition": {
        "monthly_rate": (NUM, 0.0),
    },
    "allocation": {
        "ramp_months": ((int,), 5),
        "fairness_band": (NUM, 0.20),
        "capacity_headroom": (NUM, 0.10),
        "smoothness": (NUM, 0.0),
        "deviation_weight": (NUM, 1.0),
        "capacity_basis": (STR, "grade"),
    },
    "kpis": {
        "revenue": (NUM, 0.4),
        "high_margin_mix": (NUM, 0.2),
        "new_customers": (NUM, 0.2),
        "active_customers": (NUM, 0.2),
    },
    "solver": {
        "time_limit": (NUM, 600.0),
        "method": (STR, "simplex"),
        "threads": ((int,), 0),
    },
}

# Arrays of tables / named tables: item schema.
LEVER: Final[dict[str, Field]] = {
    "kind": (STR, None),
    "products": (LIST, ["*"]),
    "segments": (LIST, ["*"]),
    "cap": (NUM, None),
    "min": (NUM, 0.0),
    "fixed": (NUM, None),
    "cost": (NUM, 1.0),
    "breakpoints": (LIST, None),
    "slopes": (LIST, None),
}
HIRE: Final[dict[str, Field]] = {
    "grade": (STR, None),
    "team": (STR, None),
    "month": ((int,), None),
    "count": ((int,), None),
}
MIX: Final[dict[str, Field]] = {
    "tier": (STR, None),
    "min_share": (NUM, None),
    "max_share": (NUM, None),
    "min_amount": (NUM, None),
    "max_amount": (NUM, None),
    "min_units": (NUM, None),
    "max_units": (NUM, None),
}
SUPPLY: Final[dict[str, Field]] = {
    "product": (STR, None),
    "monthly_units": (NUM, None),
    "monthly_amount": (NUM, None),
    "months": (LIST, None),
}
EVENT: Final[dict[str, Field]] = {
    "name": (STR, None),
    "start": (STR, None),
    "end": (STR, None),
    "multiplier": (NUM, None),
    "products": (LIST, ["*"]),
}
ARRAYS: Final[dict[str, dict[str, Field]]] = {
    "hires": HIRE,
    "mix": MIX,
    "supply": SUPPLY,
    "events": EVENT,
}

LEVER_KINDS: Final = ("customers", "conversion", "repurchase", "ticket", "productivity")
DEMAND_KINDS: Final = ("customers", "conversion", "repurchase", "ticket")
ORDER_KINDS: Final = ("customers", "conversion", "repurchase")
CAPACITY_KINDS: Final = ("productivity",)
SOLVER_METHODS: Final = ("ipm", "simplex", "choose")
CAPACITY_BASES: Final = ("grade", "seat")
