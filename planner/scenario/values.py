"""Scenario value objects: what a validated scenario file says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.scenario.source import Origin


@dataclass(frozen=True)
class LeverSpec:
    """One driver lever as configured (see :mod:`planner.drivers.levers`)."""

    name: str
    kind: str
    products: tuple[str, ...] = ("*",)
    segments: tuple[str, ...] = ("*",)
    cap: float | None = None
    min: float = 0.0
    fixed: float | None = None
    cost: float = 1.0
    breakpoints: tuple[float, ...] | None = None
    slopes: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Hire:
    """New seats of one grade joining one team at the start of a plan month.

    ``new_team`` says the team is new (not in the history) on purpose.
    """

    grade: str
    team: str
    month: int
    count: int
    new_team: bool = False


@dataclass(frozen=True)
class MixRule:
    """A product-mix rule on one margin tier (share of revenue, amount or units)."""

    tier: str
    min_share: float | None = None
    max_share: float | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    min_units: float | None = None
    max_units: float | None = None


@dataclass(frozen=True)
class SupplyRule:
    """A monthly supply cap on one product (partner supply is an input, not a lever)."""

    product: str
    monthly_units: float | None = None
    monthly_amount: float | None = None
    months: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Event:
    """A known event that scales the phasing of some products between two dates."""

    name: str
    start: date
    end: date
    multiplier: float
    products: tuple[str, ...] = ("*",)


@dataclass(frozen=True)
class SolverOptions:
    """Options passed to HiGHS."""

    time_limit: float = 600.0
    method: str = "simplex"
    threads: int = 0


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: everything a plan run needs besides the history."""

    name: str
    path: Path | None = None
    description: str = ""
    data_dir: Path | None = None
    mapping: str | None = None
    window_end: date | None = None
    trailing_months: int = 12
    year: int = 2027
    #: The calendar code for :mod:`planner.calendar`: ``[calendar] country``, with the
    #: subdivision appended ISO 3166-2 style (``"GB-ENG"``) when one is set.
    country: str = "CN"
    #: ``[calendar] subdivision`` as written (``"ENG"``), None for the whole country.
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    official_calendar: bool = False
    target_multiple: float | None = 10.0
    target_amount: float | None = None
    buffer: float = 0.10
    levers: tuple[LeverSpec, ...] = ()
    hires: tuple[Hire, ...] = ()
    attrition_rate: float = 0.0
    ramp_months: int = 5
    fairness_band: float = 0.20
    capacity_headroom: float = 0.10
    smoothness: float = 0.0
    deviation_weight: float = 1.0
    capacity_basis: str = "grade"
    #: What becomes of a one-off spike in the baselines (``"normalise"`` or ``"keep"``),
    #: and per product (:mod:`planner.baselines.spikes`).
    spikes: str = "normalise"
    spike_overrides: dict[str, str] = field(default_factory=dict)
    mix: tuple[MixRule, ...] = ()
    supply: tuple[SupplyRule, ...] = ()
    events: tuple[Event, ...] = ()
    kpis: dict[str, float] = field(default_factory=dict)
    solver: SolverOptions = field(default_factory=SolverOptions)
    raw: dict[str, Any] = field(default_factory=dict)
    #: The files the scenario was read from, to name the file and line of a key.
    origin: Origin | None = field(default=None, compare=False, repr=False)

    def settings_rows(self) -> list[tuple[str, str]]:
        """Return the scenario's settings as (key, value) text pairs for reports."""
        rows: list[tuple[str, str]] = [
            ("scenario", self.name),
            ("file", str(self.path) if self.path else ""),
            ("data", str(self.data_dir) if self.data_dir else ""),
            ("mapping", self.mapping or ""),
            ("plan year", str(self.year)),
            ("calendar country", self.country),
            ("target multiple",
             "" if self.target_multiple is None else f"{self.target_multiple:g}"),
            ("target amount", "" if self.target_amount is None else f"{self.target_amount:,.0f}"),
            ("over-assignment buffer", f"{self.buffer:.0%}"),
            ("fairness band", f"±{self.fairness_band:.0%}"),
            ("capacity headroom", f"{self.capacity_headroom:.0%}"),
            ("ramp months", str(self.ramp_months)),
            ("attrition per month", f"{self.attrition_rate:.1%}"),
            ("hires", str(sum(h.count for h in self.hires))),
            ("one-off spikes", self.spikes),
        ]
        rows += [(f"one-off spikes: {p}", v) for p, v in sorted(self.spike_overrides.items())]
        rows += [(f"mix {m.tier}", _mix_text(m)) for m in self.mix]
        rows += [(f"KPI weight {k}", f"{v:.0%}") for k, v in self.kpis.items()]
        return rows


def _mix_text(rule: MixRule) -> str:
    parts = []
    for label, value in (
        ("share >=", rule.min_share), ("share <=", rule.max_share),
        ("amount >=", rule.min_amount), ("amount <=", rule.max_amount),
        ("units >=", rule.min_units), ("units <=", rule.max_units),
    ):
        if value is not None:
            parts.append(f"{label} {value:g}")
    return ", ".join(parts)
