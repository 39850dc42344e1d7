"""What a team's "How this target was set" sheet shows, as plain rows, made once per plan.

The sheet (:mod:`planner.outputs.explain_sheet`) shows a team's bridge, the rules that
bind for it, its bridge per product and its months. The frames of
:mod:`planner.explain.table`, :mod:`planner.explain.binding` and
:mod:`planner.explain.months` give the same numbers one team at a time; here every team's
pieces are read from the plan-wide tables made once per plan (and before the team
workbooks are forked, by :func:`prepare`), and a team's sheet is a few look-ups with no
frame made per team.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.explain.binding import binding_rows
from planner.explain.months import MonthRows, month_records, month_rows
from planner.explain.table import product_cents, step_rows
from planner.plan_result import PlanResult


@dataclass(frozen=True)
class TeamSheet:
    """One team's explanation as the sheet shows it.

    Attributes
    ----------
    steps : list of (str, int, str)
        The bridge: step, cents and sentence (:func:`planner.explain.table.team_steps`).
    rules : list of (str, float, str)
        The binding rules: rule, marginal value and note
        (:func:`planner.explain.binding.team_binding`).
    products : list of str
        The products of the per-product form, sorted.
    cents : ndarray of int64
        Per product: cents per :data:`~planner.explain.steps.FAMILIES`, then the target
        (:func:`planner.explain.table.product_steps`).
    months : MonthRows
        The months (:func:`planner.explain.months.month_steps`).
    """

    steps: list[tuple[str, int, str]]
    rules: list[tuple[str, float, str]]
    products: list[str]
    cents: np.ndarray
    months: MonthRows


def team_sheet(result: PlanResult, team: str, lang: str = "en") -> TeamSheet:
    """``team``'s :class:`TeamSheet` in ``lang``.

    Raises
    ------
    PlannerError
        ``team`` is not in the plan, or the plan carries no explanation inputs.
    """
    steps = step_rows(result, team, lang)
    products, cents = product_cents(result)[str(team)]
    return TeamSheet(steps=steps, rules=binding_rows(result, team, lang),
                     products=products, cents=cents, months=month_rows(result, team, lang))


def prepare(result: PlanResult, lang: str) -> None:
    """Make every plan-wide table a team's sheet reads (kept in the explanation's cache).

    Every team's months are made at once; the bridge, its sums per step and per
    product, the facts' and binding rules' splits on the first team's sheet.
    """
    teams = result.teams
    if teams:
        team_sheet(result, str(teams[0]), lang)
        month_records(result, lang)
