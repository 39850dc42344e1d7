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
from planner.explain.shared import cached, positions, team_split
from planner.explain.text import Facts, sentence, team_facts
from planner.plan_result import PlanResult

NOTE = "note"
FAMILY = "family"
_LEVER_SUFFIX = {"en": " on last year", "zh": " 倍于去年"}


def _step_sums(result: PlanResult) -> dict[str, dict[str, int]]:
    """Each team's cents per step (the steps its bridge rows have), once per plan."""
    def make() -> dict[str, dict[str, int]]:
        frame = bridge(result)
        sums = frame.groupby([frame[n.TEAM].astype(str).to_numpy(), frame["step"].to_numpy()],
                             sort=False)[CENTS].sum()
        out: dict[str, dict[str, int]] = {}
        for (team, step), cents in zip(sums.index, sums.to_numpy(np.int64).tolist(),
                                       strict=True):
            out.setdefault(str(team), {})[str(step)] = cents
        return out
    return cached(inputs_of(result), "table:step_sums", make)


def _family_grid(result: PlanResult) -> pd.DataFrame:
    """Cents per team and product (rows, sorted) and family (columns), once per plan."""
    def make() -> pd.DataFrame:
        frame = bridge(result)
        names = np.array([st.family_of(s) for s in st.STEPS] + [""], dtype=object)
        family = pd.Series(names[positions(frame["step"], st.STEPS)], index=frame.index,
                           name=FAMILY)
        grid = frame.groupby([frame[n.TEAM].astype(str).rename(n.TEAM), frame[n.PRODUCT],
                              family])[CENTS].sum().unstack(FAMILY, fill_value=0)
        grid = grid.reindex(columns=pd.Index(list(st.FAMILIES), name=FAMILY), fill_value=0)
        return grid.astype("int64")
    return cached(inputs_of(result), "table:family_grid", make)


def _product_grids(result: PlanResult) -> dict[str, pd.DataFrame]:
    """Each team's cents per product (rows, sorted) and family (columns), once per plan."""
    def make() -> dict[str, pd.DataFrame]:
        grid = _family_grid(result)
        return {str(team): part.droplevel(0) for team, part in grid.groupby(level=0, sort=False)}
    return cached(inputs_of(result), "table:product_grids", make)


def product_cents(result: PlanResult) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each team's products and their cents per family then ``target`` (once per plan).

    The plain form of :func:`product_steps` (the same numbers, without a frame per team):
    ``(products, cents)`` with one row of ``cents`` per product.
    """
    def make() -> dict[str, tuple[list[str], np.ndarray]]:
        grid = _family_grid(result)
        values = grid.to_numpy(np.int64)
        values = np.column_stack([values, values.sum(axis=1)])
        teams = grid.index.get_level_values(0).astype(str).to_numpy()
        products = [str(p) for p in grid.index.get_level_values(1)]
        bounds = np.flatnonzero(np.r_[True, teams[1:] != teams[:-1], True])
        return {str(teams[lo]): (products[lo:hi], values[lo:hi])
                for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)}
    return cached(inputs_of(result), "table:product_cents", make)


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


def _missing(result: PlanResult, team: str) -> PlannerError:
    known = ", ".join(map(str, result.teams[:10]))
    return PlannerError(f"team {team!r} is not in plan {result.name!r} (teams: {known}"
                        f"{', ...' if len(result.teams) > 10 else ''}); use one of them")


def _team_rows(result: PlanResult, team: str) -> pd.DataFrame:
    parts = team_split(inputs_of(result), "bridge", bridge(result), n.TEAM)
    rows = parts.get(str(team))
    if rows is None or rows.empty:
        raise _missing(result, team)
    return rows


def _all_rows(result: PlanResult, teams: list[str]) -> pd.DataFrame:
    """Every team's bridge rows, team after team: the bridge itself (it is in team order).

    Raises for the first team with no rows, as looking each team up would.
    """
    rows = bridge(result)
    have = set(rows[n.TEAM].astype(str).unique())
    for team in teams:
        if team not in have:
            raise _missing(result, team)
    return rows


def step_rows(result: PlanResult, team: str, lang: str = "en") -> list[tuple[str, int, str]]:
    """:func:`team_steps`'s rows as ``(step, cents, note)`` tuples."""
    sums = _step_sums(result).get(str(team))
    if not sums:  # the team has no bridge rows
        raise _missing(result, team)
    facts = _facts(result, team, lang)
    return [(s, sums[s], sentence(s, facts, lang)) for s in st.STEPS
            if s in sums and (sums[s] != 0 or s == st.LAST_YEAR)]


def team_steps(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """One team's bridge: one row per step that moved it, with its sentence.

    Returns
    -------
    DataFrame
        ``step, cents, amount, note`` in bridge order: ``last_year`` always, then every
        step whose amount is not zero; the amounts add up to the team's target exactly.
    """
    rows = step_rows(result, team, lang)
    cents = np.array([row[1] for row in rows], dtype=np.int64)
    return pd.DataFrame({"step": [row[0] for row in rows], CENTS: cents, n.AMOUNT: cents / 100.0,
                         NOTE: [row[2] for row in rows]})


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
    sentences = np.array([[sentence(s, _facts(result, team, lang), lang) for s in st.STEPS]
                          for team in teams], dtype=object).reshape(len(teams), len(st.STEPS))
    team_text = rows[n.TEAM].astype(str)
    which = positions(team_text, teams)
    step = positions(rows["step"], st.STEPS)
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
    if team is not None:
        teams = [team]
        rows = _team_rows(result, team)
    else:
        teams = list(result.teams)
        rows = _all_rows(result, [str(t) for t in teams])
    out = rows.assign(**{NOTE: _notes(result, rows, [str(t) for t in teams], lang)})
    return out[[n.TEAM, "step", n.PRODUCT, n.AMOUNT, NOTE]].reset_index(drop=True)
