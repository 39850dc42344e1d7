"""The bridge as tables: per team and step (the sheet), per product (``explain.csv``)."""

from __future__ import annotations

import pandas as pd

from planner import names as n
from planner.errors import PlannerError
from planner.explain import steps as st
from planner.explain.bridge import CENTS, bridge
from planner.explain.inputs import inputs_of
from planner.explain.shared import team_split
from planner.explain.text import Facts, sentence, team_facts
from planner.plan_result import PlanResult

NOTE = "note"


def _facts(result: PlanResult, team: str, rows: pd.DataFrame, lang: str) -> Facts:
    by_step = rows.groupby("step")[CENTS].sum()
    last = float(by_step.get(st.LAST_YEAR, 0)) / 100.0
    levers = float(by_step.get(st.LEVERS, 0)) / 100.0
    multiple = (last + levers) / last if last > 0 else 0.0
    rules = {s: float(by_step.get(s, 0)) / 100.0 for s in st.RULE_STEPS}
    return team_facts(result, inputs_of(result), team, lang, multiple, rules)


def _team_rows(result: PlanResult, team: str) -> pd.DataFrame:
    parts = team_split(inputs_of(result), "bridge", bridge(result), n.TEAM)
    rows = parts.get(str(team))
    if rows is None or rows.empty:
        known = ", ".join(map(str, result.teams[:10]))
        raise PlannerError(f"team {team!r} is not in plan {result.name!r} (teams: {known}"
                           f"{', ...' if len(result.teams) > 10 else ''}); use one of them")
    return rows


def team_steps(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """One team's bridge: one row per step that moved it, with its sentence.

    Returns
    -------
    DataFrame
        ``step, cents, amount, note`` in bridge order: ``last_year`` always, then every
        step whose amount is not zero; the amounts add up to the team's target exactly.
    """
    rows = _team_rows(result, team)
    facts = _facts(result, team, rows, lang)
    steps = rows.groupby("step", sort=False)[CENTS].sum()
    steps = steps.loc[(steps != 0) | (steps.index == st.LAST_YEAR)]
    steps = steps.reindex([s for s in st.STEPS if s in steps.index])
    return pd.DataFrame({"step": steps.index, CENTS: steps.to_numpy(),
                         n.AMOUNT: steps.to_numpy() / 100.0,
                         NOTE: [sentence(s, facts, lang) for s in steps.index]})


def product_steps(result: PlanResult, team: str) -> pd.DataFrame:
    """One team's bridge per product in the compact form.

    Returns
    -------
    DataFrame
        Indexed by product, one column per :data:`~planner.explain.steps.FAMILIES` plus
        ``target``; in cents (each row adds up to the product's target exactly).
    """
    rows = _team_rows(result, team)
    grid = rows.assign(family=rows["step"].map(st.family_of)).pivot_table(
        index=n.PRODUCT, columns="family", values=CENTS, aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=list(st.FAMILIES), fill_value=0).astype("int64")
    grid["target"] = grid.sum(axis=1)
    return grid


def explain_table(result: PlanResult, team: str | None = None,
                  lang: str = "en") -> pd.DataFrame:
    """``explain.csv``: ``team, step, product, amount, note`` for one team or all.

    The rows of a team add up to its target exactly (in cents); the note is the step's
    sentence for the team (for ``levers``, the product's own multiple).
    """
    teams = [team] if team is not None else list(result.teams)
    frames = []
    for name in teams:
        rows = _team_rows(result, name)
        facts = _facts(result, name, rows, lang)
        notes = {s: sentence(s, facts, lang) for s in st.STEPS}
        last = rows.loc[rows["step"] == st.LAST_YEAR].set_index(n.PRODUCT)[CENTS]
        note = rows["step"].map(notes)
        levers = rows["step"] == st.LEVERS
        base = rows.loc[levers, n.PRODUCT].map(last).astype(float)
        mult = (base + rows.loc[levers, CENTS]) / base.where(base > 0)
        note.loc[levers] = [
            f"x{m:.2f}" + (" on last year" if lang == "en" else " 倍于去年")
            for m in mult.fillna(0.0)]
        frames.append(rows.assign(**{NOTE: note.to_numpy()}))
    out = pd.concat(frames, ignore_index=True)
    return out[[n.TEAM, "step", n.PRODUCT, n.AMOUNT, NOTE]].reset_index(drop=True)
