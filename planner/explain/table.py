"""The bridge as tables: per team and step (the sheet), per product (``explain.csv``).

The plan-wide sums these tables read (each team's cents per step, per product and
family) and each team's facts are computed once per plan and kept in the explanation's
cache (:func:`planner.explain.shared.cached`), so a team's sheet is a look-up and
``explain.csv`` of 400 teams is a few vectorised passes over the bridge, not 400
filters of it. Forked workers writing the team workbooks inherit what the parent
computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import names as n
from planner.errors import PlannerError
from planner.explain import steps as st
from planner.explain.bridge import CENTS, bridge
from planner.explain.inputs import inputs_of
from planner.explain.shared import cached, team_split
from planner.explain.text import Facts, sentence, team_facts
from planner.plan_result import PlanResult

NOTE = "note"
FAMILY = "family"
_LEVER_SUFFIX = {"en": " on last year", "zh": " 倍于去年"}


def _step_sums(result: PlanResult) -> dict[str, pd.Series]:
    """Each team's cents per step (indexed by step), once per plan."""
    def make() -> dict[str, pd.Series]:
        frame = bridge(result)
        sums = frame.groupby([frame[n.TEAM].astype(str).to_numpy(), frame["step"].to_numpy()],
                             sort=False)[CENTS].sum()
        return {str(team): part.droplevel(0) for team, part in sums.groupby(level=0, sort=False)}
    return cached(inputs_of(result), "table:step_sums", make)


def _product_grids(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Each team's cents per product (rows, sorted) and family (columns), once per plan."""
    def make() -> dict[str, pd.DataFrame]:
        frame = bridge(result)
        family = frame["step"].map(st.family_of).rename(FAMILY)
        grid = frame.groupby([frame[n.TEAM].astype(str).rename(n.TEAM), frame[n.PRODUCT],
                              family])[CENTS].sum().unstack(FAMILY, fill_value=0)
        grid = grid.reindex(columns=pd.Index(list(st.FAMILIES), name=FAMILY), fill_value=0)
        grid = grid.astype("int64")
        return {str(team): part.droplevel(0) for team, part in grid.groupby(level=0, sort=False)}
    return cached(inputs_of(result), "table:product_grids", make)


def _facts(result: PlanResult, team: str, lang: str) -> Facts:
    """The facts of ``team``'s sentences (once per plan, team and language)."""
    memo: dict[tuple[str, str], Facts] = cached(inputs_of(result), "table:facts", dict)
    key = (str(team), lang)
    if key not in memo:
        by_step = _step_sums(result)[str(team)]
        last = float(by_step.get(st.LAST_YEAR, 0)) / 100.0
        levers = float(by_step.get(st.LEVERS, 0)) / 100.0
        multiple = (last + levers) / last if last > 0 else 0.0
        rules = {s: float(by_step.get(s, 0)) / 100.0 for s in st.RULE_STEPS}
        memo[key] = team_facts(result, inputs_of(result), team, lang, multiple, rules)
    return memo[key]


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
    _team_rows(result, team)
    facts = _facts(result, team, lang)
    steps = _step_sums(result)[str(team)]
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
    _team_rows(result, team)
    grid = _product_grids(result)[str(team)].copy()
    grid["target"] = grid.sum(axis=1)
    return grid


def _notes(result: PlanResult, rows: pd.DataFrame, teams: list[str], lang: str) -> np.ndarray:
    """The note of each bridge row: its step's sentence, for levers the product's multiple."""
    position = {team: i for i, team in enumerate(teams)}
    sentences = np.array([[sentence(s, _facts(result, team, lang), lang) for s in st.STEPS]
                          for team in teams], dtype=object).reshape(len(teams), len(st.STEPS))
    team_text = rows[n.TEAM].astype(str)
    which = team_text.map(position).to_numpy(np.int64)
    step = rows["step"].map({s: i for i, s in enumerate(st.STEPS)}).to_numpy(np.int64)
    notes = sentences[which, step]
    levers = (rows["step"] == st.LEVERS).to_numpy(bool)
    if levers.any():
        last_rows = (rows["step"] == st.LAST_YEAR).to_numpy(bool)
        last = pd.Series(rows[CENTS].to_numpy()[last_rows],
                         index=pd.MultiIndex.from_arrays([team_text.to_numpy()[last_rows],
                                                          rows[n.PRODUCT].to_numpy()[last_rows]]))
        keys = pd.MultiIndex.from_arrays([team_text.to_numpy()[levers],
                                          rows[n.PRODUCT].to_numpy()[levers]])
        base = pd.Series(last.reindex(keys).to_numpy(), dtype=float)
        cents = pd.Series(rows[CENTS].to_numpy()[levers], dtype=float)
        mult = (base + cents) / base.where(base > 0)
        suffix = _LEVER_SUFFIX["en" if lang == "en" else "zh"]
        notes[levers] = [f"x{m:.2f}{suffix}" for m in mult.fillna(0.0)]
    return notes


def explain_table(result: PlanResult, team: str | None = None,
                  lang: str = "en") -> pd.DataFrame:
    """``explain.csv``: ``team, step, product, amount, note`` for one team or all.

    The rows of a team add up to its target exactly (in cents); the note is the step's
    sentence for the team (for ``levers``, the product's own multiple).
    """
    teams = [team] if team is not None else list(result.teams)
    frames = [_team_rows(result, name) for name in teams]
    rows = frames[0] if len(frames) == 1 else pd.concat(frames)
    out = rows.assign(**{NOTE: _notes(result, rows, [str(t) for t in teams], lang)})
    return out[[n.TEAM, "step", n.PRODUCT, n.AMOUNT, NOTE]].reset_index(drop=True)
