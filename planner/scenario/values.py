"""Scenario value objects: what a validated scenario file says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.engine.settings import EngineSettings
from planner.scenario.schema import default

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
class HiringSpec:
    """``[hiring]``: where, when and how many seats the plan may hire (a lever).

    Attributes
    ----------
    grades, teams : tuple of str
        Grades that can be hired and teams that can take hires (``"*"``: all).
    months : tuple of int
        Plan months a hire may start in.
    max_per_month : int or None
        Most seats one team may take in one month, all grades together (None: no limit).
    max_per_grade : dict of str to int
        Most seats of a grade one team may take in one month (a table per grade).
    max_total : int or None
        Most seats over the year, all teams (None: no limit).
    cost : float
        Stretch cost of one seat-year, per seat of last year's average roster.
    """

    grades: tuple[str, ...] = tuple(default("hiring", "grades"))
    teams: tuple[str, ...] = tuple(default("hiring", "teams"))
    months: tuple[int, ...] = tuple(default("hiring", "months"))
    max_per_month: int | None = default("hiring", "max_per_month")
    max_per_grade: dict[str, int] = field(default_factory=dict)
    max_total: int | None = default("hiring", "max_total")
    cost: float = default("hiring", "cost")


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

    time_limit: float = default("solver", "time_limit")
    method: str = default("solver", "method")
    threads: int = default("solver", "threads")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: everything a plan run needs besides the history."""

    name: str
    path: Path | None = None
    description: str = ""
    data_dir: Path | str | None = None  # a str is a URI (s3a://, file://): engine spark
    mapping: str | None = None
    window_end: date | None = None
    trailing_months: int = default("data", "trailing_months")
    #: ``[data] engine``, ``spark_master`` and ``spark_conf``: where the history's SQL runs.
    engine: EngineSettings = field(default_factory=EngineSettings)
    year: int = 2027
    #: The calendar code for :mod:`planner.calendar`: ``[calendar] country``, with the
    #: subdivision appended ISO 3166-2 style (``"GB-ENG"``) when one is set.
    country: str = default("calendar", "country")
    #: ``[calendar] subdivision`` as written (``"ENG"``), None for the whole country.
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()
    official_calendar: bool = default("calendar", "official")
    target_multiple: float | None = 10.0
    target_amount: float | None = None
    buffer: float = default("target", "buffer")
    #: ``[target] confidence``: the buffer is sized so the company reaches its target
    #: with this probability (:mod:`planner.risk.buffer`); None keeps ``buffer``.
    confidence: float | None = None
    levers: tuple[LeverSpec, ...] = ()
    hires: tuple[Hire, ...] = ()
    #: ``[hiring]``: hiring as a lever (:mod:`planner.drivers.hiring`); None: off.
    hiring: HiringSpec | None = None
    attrition_rate: float = default("attrition", "monthly_rate")
    ramp_months: int = default("allocation", "ramp_months")
    fairness_band: float = default("allocation", "fairness_band")
    capacity_headroom: float = default("allocation", "capacity_headroom")
    smoothness: float = default("allocation", "smoothness")
    deviation_weight: float = default("allocation", "deviation_weight")
    capacity_basis: str = default("allocation", "capacity_basis")
    #: ``[allocation] max_stretch_sigma``: each team's target within its expected outcome
    #: + this many standard deviations (:mod:`planner.allocation.stretch`); None: off.
    max_stretch_sigma: float | None = None
    #: What becomes of a one-off spike in the baselines (``"normalise"`` or ``"keep"``),
    #: and per product (:mod:`planner.baselines.spikes`).
    spikes: str = default("baselines", "spikes")
    spike_overrides: dict[str, str] = field(default_factory=dict)
    #: ``[replan] leavers``: a leaver's remaining target is spread over the team
    #: (``"spread"``) or taken off the plan (``"relieve"``) by ``planner replan``.
    leavers: str = default("replan", "leavers")
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
            *([] if self.hiring is None else [("hiring", _hiring_text(self.hiring))]),
            ("one-off spikes", self.spikes),
        ]
        rows += [(f"one-off spikes: {p}", v) for p, v in sorted(self.spike_overrides.items())]
        rows += [(label, f"{value:g}") for label, value in (
            ("confidence (buffer sized for it)", self.confidence),
            ("max stretch (standard deviations)", self.max_stretch_sigma)) if value is not None]
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


def _hiring_text(spec: HiringSpec) -> str:
    """``[hiring]`` in one line, for the settings sheet."""
    limit = ", ".join(f"{g} {v}" for g, v in sorted(spec.max_per_grade.items()))
    per_month = (f"at most {spec.max_per_month} a team a month" if spec.max_per_month is not None
                 else f"at most {limit} a team a month" if limit else "no monthly limit")
    total = f"at most {spec.max_total} in all" if spec.max_total is not None else "no total limit"
    return (f"grades {', '.join(spec.grades)}; teams {', '.join(spec.teams)}; months "
            f"{', '.join(map(str, spec.months))}; {per_month}; {total}; cost {spec.cost:g}")
