"""The result of a plan run: every table the outputs are written from."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from planner.risk.result import RiskReport, empty_risk

if TYPE_CHECKING:
    from planner.allocation.hiring import HiringPlan
    from planner.explain.inputs import ExplainInputs


class PlanWarning(str):
    """A warning's text that also says what it is about.

    A ``str`` (shown, written and compared as its text) with a ``kind``: ``"data"`` (the
    history), ``"spike"`` and ``"launch"`` (the baselines' normal year), ``"calendar"``,
    or ``"plan"`` (anything else, the default).

    Examples
    --------
    >>> w = PlanWarning("calendar CN 2027 is ESTIMATED", "calendar")
    >>> w == "calendar CN 2027 is ESTIMATED", w.kind, warning_kind("plain text")
    (True, 'calendar', 'plan')
    """

    kind: str

    def __new__(cls, text: str, kind: str = "plan") -> PlanWarning:
        """A warning ``text`` of ``kind``."""
        self = super().__new__(cls, text)
        self.kind = kind
        return self


def warning_kind(warning: str) -> str:
    """The kind of a warning (``"plan"`` for a plain string)."""
    return getattr(warning, "kind", "plan")


def gather_warnings(report: pd.DataFrame, baselines: Iterable[tuple[str, str]],
                    calendar: Iterable[str]) -> list[PlanWarning]:
    """Every warning of a run, in the order its steps ran.

    Parameters
    ----------
    report : DataFrame
        The baselines' report (``item, value``): its ``warning`` rows are the history's.
    baselines : iterable of (str, str)
        ``(kind, text)`` of the baselines (one-off spikes normalised, launches).
    calendar : iterable of str
        The plan year's calendar warnings.

    Returns
    -------
    list of PlanWarning
    """
    data = report.loc[report["item"] == "warning", "value"] if len(report) else []
    return ([PlanWarning(str(text), "data") for text in data]
            + [PlanWarning(text, kind) for kind, text in baselines]
            + [PlanWarning(text, "calendar") for text in calendar])


@dataclass
class PlanResult:
    """Everything a plan run produced, as plain DataFrames.

    Attributes
    ----------
    name : str
        Scenario name.
    settings : list of (str, str)
        Scenario settings as text pairs (for the settings sheet).
    plan : DataFrame
        ``plan.csv``: ``team, product, week, week_start, month, amount, units``
        (week ``"2027-W05"``, week_start datetime64, month ``"2027-02"``); one row per
        team x product x (week, month) part: a week straddling two months has two rows,
        split by working days. Units of fixed-ticket products are whole and amount =
        units x ticket; other amounts are in cents; every level sums exactly.
    plan_seats : DataFrame
        ``plan_seats.csv``: ``seat, team, grade, product, month, amount, units`` (whole
        units and cents, summing exactly to the team's month).
    drivers : DataFrame
        ``drivers.csv``: ``lever, scope, baseline, uplift, planned, cap, binding,
        marginal_value, kind``.
    product_targets : DataFrame
        ``product_targets.csv``: ``product, baseline_amount, target_amount,
        baseline_units, target_units, multiple``.
    products : DataFrame
        ``product, margin_tier, ticket_mode`` for labels and the mix KPI, and ``name``
        (the display name; the code when the products file has none) when known.
    binding : DataFrame
        Binding constraints in the user's words: ``family, label, slack, marginal_value,
        meaning`` (``meaning`` says what one more unit is worth, in words).
    capacity : DataFrame
        ``team, week, capacity, load`` (amount).
    history_monthly : DataFrame
        Last year by product and calendar month: ``product, month (1..12), amount, units``.
    history_teams : DataFrame
        Last year by team and product: ``team, product, amount, units``.
    seats : DataFrame
        Planned roster: ``seat, team, grade, start_date, end_date, hired``.
    calendar_weeks : DataFrame
        ``week, week_start, working_days`` for the plan year.
    target : float
        Company target (before the buffer): the sum of the product targets, whole units
        of fixed-ticket products and cents of the others.
    buffer : float
        Over-assignment buffer: team targets sum to ``target * (1 + buffer)``.
    history_total : float
        Last year's revenue.
    kpi_weights : dict of str to float
        Scorecard weights, e.g. ``{"revenue": 0.4, "high_margin_mix": 0.2, ...}``.
    year : int
        Plan year.
    warnings : list of str
        Every warning of the run, one line each: the history's, the baselines' (one-off
        spikes normalised, launches annualised) and the calendar's; each a
        :class:`PlanWarning` saying its kind (a plain string counts as ``"plan"``).
    fairness : DataFrame
        Each team's fairness band: ``team, lower, upper`` (amount, with the buffer).
    supply : DataFrame
        Supply rules per product and month: ``product, month, cap`` (amount).
    customer_targets : DataFrame
        Per team: the customer KPIs' targets (``team`` and one column per KPI).
    reach_multiple : float
        The largest multiple of last year the levers can reach (NaN when not solved).
    explanation : ExplainInputs or None
        What each team's "How this target was set" bridge is computed from
        (:mod:`planner.explain`); None for a result not made by a plan run.
    team_names : dict of str to str
        Display name per team code, when the data gives one.
    risk : DataFrame
        ``attainment_risk.csv``: ``level, team, period, target, expected, p_attain,
        outcome_p50, outcome_p90, sd`` (:mod:`planner.risk`); empty when not measured.
    risk_report : RiskReport or None
        The company's simulated outcomes, the flagged teams and the method's notes.
    hiring : HiringPlan or None
        With ``[hiring]``: the whole seats placed by team, grade and month
        (``hiring.hires``, ``hiring_plan.csv``) and the capacity they give by month
        (:class:`planner.allocation.hiring.HiringPlan`); None without.
    """

    name: str
    settings: list[tuple[str, str]]
    plan: pd.DataFrame
    plan_seats: pd.DataFrame
    drivers: pd.DataFrame
    product_targets: pd.DataFrame
    products: pd.DataFrame
    binding: pd.DataFrame
    capacity: pd.DataFrame
    history_monthly: pd.DataFrame
    history_teams: pd.DataFrame
    seats: pd.DataFrame
    calendar_weeks: pd.DataFrame
    target: float
    buffer: float
    history_total: float
    kpi_weights: dict[str, float]
    year: int
    warnings: list[str] = field(default_factory=list)
    fairness: pd.DataFrame = field(default_factory=pd.DataFrame)
    supply: pd.DataFrame = field(default_factory=pd.DataFrame)
    customer_targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    reach_multiple: float = math.nan
    explanation: ExplainInputs | None = None
    team_names: dict[str, str] = field(default_factory=dict)
    risk: pd.DataFrame = field(default_factory=empty_risk)
    risk_report: RiskReport | None = None
    hiring: HiringPlan | None = None

    @property
    def teams(self) -> list[str]:
        """Team names in plan order (each once, in the order they first appear).

        One hash pass over the plan's team column (``Series.unique`` keeps the order of
        appearance), not a Python loop over its elements: at 400 teams the plan has
        nearly a million rows.

        Examples
        --------
        >>> result = PlanResult.__new__(PlanResult)
        >>> result.plan = pd.DataFrame({"team": ["B", "A", "B", "C"]})
        >>> result.teams
        ['B', 'A', 'C']
        """
        return list(self.plan["team"].unique().tolist())
