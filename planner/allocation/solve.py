"""Solve the allocation LP; read the plan, the binding rules and their marginal values.

When a slack column is used the targets cannot all be met: the rules that give
are named in the user's words (``capacity of team T07 in 2027-W05..W08 short by
1.2m``) and :class:`planner.errors.TargetUnreachableError` is raised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.allocation import families as f
from planner.allocation.model import AllocationInputs, build_allocation
from planner.allocation.moving import likely_moving
from planner.errors import ModelError, TargetUnreachableError
from planner.lp.highs import SolveStatus, require_solved
from planner.lp.program import LinearProgram, Solution
from planner.lp.restricted import PricingLog, solve_restricted
from planner.scenario.values import SolverOptions


def money(value: float) -> str:
    """Short amount text: 1.2m, 3.4bn, 950k."""
    v = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if v >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def solve_allocation(inputs: AllocationInputs, options: SolverOptions | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame, LinearProgram, Solution]:
    """Build and solve the allocation.

    Parameters
    ----------
    inputs : AllocationInputs
    options : SolverOptions, optional

    Returns
    -------
    (plan, binding, lp, solution)
        ``plan``: ``team, product, slot, week, month, amount``; ``binding``: ``family, label,
        slack, marginal_value, meaning``.

    Raises
    ------
    TargetUnreachableError
        When a rule must give; the message and diagnosis name each one.
    """
    options = options or SolverOptions()
    lp, cells = build_allocation(inputs)
    solution = solve_model(lp, cells, inputs, options)
    require_solved(solution.status, "allocation model", options.time_limit)
    if solution.status is not SolveStatus.OPTIMAL:  # every slack is bounded: never expected
        raise ModelError(f"allocation model: HiGHS found the model {solution.status.value}; "
                         "run with --debug and report the scenario")
    s = inputs.scale
    up = solution.x[lp.blocks[f.UP].cols()]
    down = solution.x[lp.blocks[f.DOWN].cols()]
    amount = np.maximum(cells["reference"].to_numpy() + (up - down) * s, 0.0)
    plan = cells.drop(columns="reference").assign(amount=amount)
    problems = shortfalls(lp, solution, s, inputs)
    if problems:
        head = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5
                                          else "")
        md = "# Allocation infeasible\n\nThe targets cannot all be met. What must give:\n\n"
        md += "\n".join(f"- {p}" for p in problems) + "\n"
        raise TargetUnreachableError(f"allocation infeasible: {head}", md)
    return plan, binding_rows(lp, solution, s), lp, solution


def solve_model(lp: LinearProgram, cells: pd.DataFrame, inputs: AllocationInputs,
                options: SolverOptions, log: PricingLog | None = None) -> Solution:
    """Solve an allocation LP exactly: the one solve path of every allocation model.

    The LP is solved by pricing from the cells likely to move
    (:func:`planner.allocation.moving.likely_moving`,
    :func:`planner.lp.restricted.solve_restricted`): the same optimal objective as
    solving the whole model, at a fraction of its size.

    Parameters
    ----------
    lp : LinearProgram
        Built by :func:`planner.allocation.model.build_allocation` (bounds may since have
        been changed: frozen cells, hard rules).
    cells : DataFrame
        Its cells.
    inputs : AllocationInputs
        What it was built from.
    options : SolverOptions
    log : PricingLog, optional
        Filled with the rounds' sizes.

    Returns
    -------
    Solution
        Check ``status`` before reading values.
    """
    return solve_restricted(lp, likely_moving(lp, cells, inputs), method=options.method,
                            time_limit=options.time_limit, threads=options.threads, log=log)


def shortfalls(lp: LinearProgram, solution: Solution, s: float,
               inputs: AllocationInputs) -> list[str]:
    """Describe every slack in use, in the user's words."""
    tol = 1e-6 * max(float(inputs.products["target"].sum()) / s, 1.0)
    out: list[str] = []
    for block in f.SLACK_FAMILY:
        if block not in lp.blocks:
            continue
        used = solution.values(lp, block)
        used = used.loc[used["value"] > tol]
        if used.empty:
            continue
        if block == f.CAPACITY_OVER:
            out += _capacity_text(used, s)
        elif block == f.PRODUCT_SHORT:
            out += [f"product {r.product} target short by {money(r.value * s)}"
                    for r in used.itertuples()]
        elif block in (f.FAIRNESS_UNDER, f.FAIRNESS_OVER):
            side = "below" if block == f.FAIRNESS_UNDER else "above"
            out += [f"team {r.team} {side} the fairness band by {money(r.value * s)}"
                    for r in used.itertuples()]
        elif block == f.STRETCH_OVER:
            out += [f"team {r.team} above its stretch limit (max_stretch_sigma) by "
                    f"{money(r.value * s)}" for r in used.itertuples()]
        elif block == f.HIRE_SHORT:
            out += [text.replace("capacity of", "hired capacity of", 1)
                    for text in _capacity_text(used, s)]
        elif block == f.SUPPLY_OVER:
            out += [f"supply of product {r.product} in {r.month} exceeded by {money(r.value * s)}"
                    for r in used.itertuples()]
        else:
            out += _mix_text(used, inputs, s)
    return out


def _capacity_text(used: pd.DataFrame, s: float) -> list[str]:
    out = []
    for team, group in used.groupby(n.TEAM, sort=False):
        weeks = sorted(group[n.WEEK])
        runs: list[list[str]] = []
        for week in weeks:
            if runs and _next_week(runs[-1][-1]) == week:
                runs[-1].append(week)
            else:
                runs.append([week])
        for run in runs:
            total = group.loc[group[n.WEEK].isin(run), "value"].sum() * s
            last = run[-1][-3:] if run[-1][:4] == run[0][:4] else run[-1]
            span = run[0] if len(run) == 1 else f"{run[0]}..{last}"
            out.append(f"capacity of team {team} in {span} short by {money(total)}")
    return out


def _next_week(week: str) -> str:
    start = pd.Timestamp.fromisocalendar(int(week[:4]), int(week[-2:]), 1) + pd.Timedelta(days=7)
    iso = start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _mix_text(used: pd.DataFrame, inputs: AllocationInputs, s: float) -> list[str]:
    out = []
    total = float(inputs.products["target"].sum())
    for r in used.itertuples():
        rule = inputs.mix.loc[inputs.mix["rule"] == r.rule].iloc[0]
        label = f"{rule['tier']}-margin {'minimum' if rule['sense'] == 'min' else 'maximum'}"
        if rule["kind"] == "share":
            out.append(f"{label} short by {r.value * s / total * 100:.1f} points")
        elif rule["kind"] == "units":
            out.append(f"{label} short by {r.value:,.0f} units")
        else:
            out.append(f"{label} short by {money(r.value * s)}")
    return out


def binding_rows(lp: LinearProgram, solution: Solution, s: float) -> pd.DataFrame:
    """Binding rows of the rule families with their duals as marginal values.

    ``marginal_value`` is the change in the plan's objective (weighted deviation from its
    history-shaped targets) per extra unit (of amount) of the rule's bound: negative on a
    binding ``<=`` row means more room would let the plan follow history more closely.
    """
    frames = []
    for family in lp.families:
        if family not in f.MEANING:
            continue
        meaning = f.MEANING[family]
        rows = solution.rows(lp, family)
        scale = np.abs(rows[["lower", "upper"]].replace([np.inf, -np.inf], np.nan)).max(axis=1)
        tight = np.minimum(np.abs(rows["activity"] - rows["lower"]),
                           np.abs(rows["upper"] - rows["activity"]))
        binding = rows.loc[(np.abs(rows["dual"]) > 1e-9)
                           & (tight <= 1e-6 * np.maximum(scale.fillna(1.0), 1.0))]
        if binding.empty:
            continue
        keys = [c for c in binding.columns if c not in ("activity", "lower", "upper", "dual")]
        text = binding[keys].astype(str)
        label = text[keys[0]]
        for key in keys[1:]:  # as " ".join over each row, column by column
            label = label + " " + text[key]
        frames.append(pd.DataFrame({
            "family": family, "label": label.to_numpy(),
            "slack": 0.0, "marginal_value": binding["dual"].to_numpy() / s, "meaning": meaning,
        }))
    if not frames:
        return pd.DataFrame(columns=["family", "label", "slack", "marginal_value", "meaning"])
    return pd.concat(frames, ignore_index=True)
