"""The baselines as computed: one DataFrame per topic (written by planner.outputs.folders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: The frames of :class:`Baselines`, in the order :meth:`Baselines.tables` gives them.
TABLES = ("products", "product_months", "spikes", "segments", "product_segments",
          "productivity_grade", "productivity_team", "seats", "teams", "report")


@dataclass
class Baselines:
    """Last year's empirical values, one DataFrame per topic.

    Attributes
    ----------
    window_start, window_end : Timestamp
        The trailing window (both days inclusive).
    total_amount, total_units : float
        Net sales in the window.
    products, product_months, segments, product_segments : DataFrame
        Per product, per product x calendar month, per customer segment and per
        product x segment (``customers * conversion * repurchase * ticket == amount``).
        ``products.normalised_amount`` and ``product_months.seasonality`` are the
        normal year's (:mod:`planner.baselines.spikes`).
    productivity_grade, productivity_team : DataFrame
        Weekly figures per seat by grade (or team) and product (``"*"``: all).
    seats, teams : DataFrame
        Per seat and per team.
    team_products : DataFrame
        Window sales per team and product (``team, product, amount, units``).
    report : DataFrame
        Data-quality report (``item``, ``value``).
    settings : dict
        Window, ramp months, country, the spikes policy and the thresholds used.
    spikes : DataFrame
        Seasonal peaks kept, one-offs normalised or kept, launches annualised
        (:data:`planner.baselines.spikes.SPIKE_COLUMNS`).
    warnings : list of (str, str)
        ``(kind, text)`` of every normalisation (``"spike"``) and the launches
        (``"launch"``), as also emitted.
    """

    window_start: pd.Timestamp
    window_end: pd.Timestamp
    total_amount: float
    total_units: float
    products: pd.DataFrame
    product_months: pd.DataFrame
    segments: pd.DataFrame
    product_segments: pd.DataFrame
    productivity_grade: pd.DataFrame
    productivity_team: pd.DataFrame
    seats: pd.DataFrame
    teams: pd.DataFrame
    team_products: pd.DataFrame
    report: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    spikes: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return every table by name, settings and totals first, report last."""
        rows = list(self.settings.items())
        rows += [("total_amount", self.total_amount), ("total_units", self.total_units)]
        settings = pd.DataFrame(rows, columns=["item", "value"])
        return {"settings": settings, **{name: getattr(self, name) for name in TABLES}}
