"""Check a scenario against the history it plans from, before anything is solved.

A scenario file can be valid on its own and still name things the data does not
have: a hire for team ``t03`` when the data says ``T03`` (which would otherwise
become a phantom team with its share of the target), a grade with no productivity, a
lever, supply rule, event or spike override on a product or segment with no sales in
the trailing window, a mix floor on a margin tier with no products.
:func:`check_scenario` lists every such problem, each naming the scenario file (or the
base file the key came from), the line and the key.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner import names as n
from planner.baselines.compute import Baselines
from planner.capacity import grade_productivity
from planner.scenario.source import (
    Named,
    Problems,
    Where,
    did_you_mean,
    known_list,
    scenario_error,
)
from planner.scenario.values import Scenario


def _where(scenario: Scenario) -> Where:
    return scenario.origin if scenario.origin is not None else Named(scenario.name)


def _label(scenario: Scenario) -> str:
    return scenario.path.name if scenario.path is not None else f"'{scenario.name}'"


def _unknown(value: str, known: Iterable[str], what: str, fix: str) -> str:
    known = list(known)
    return (f"{value!r} {what}{did_you_mean(value, known)} (known: {known_list(known)}); "
            f"{fix}")


def check_scenario(scenario: Scenario, baselines: Baselines) -> list[str]:
    """Every problem of the scenario against the data, in the order of the file.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    baselines : Baselines
        Its history's baselines (teams, grades, and the products and segments with
        sales in the trailing window).

    Returns
    -------
    list of str
        One message per problem: ``file line N: key: what is wrong; the fix``.
        Empty when the scenario fits the data.
    """
    where = _where(scenario)
    problems = Problems(_label(scenario))
    cells = baselines.product_segments.loc[baselines.product_segments[n.AMOUNT] > 0]
    products, segments = set(cells[n.PRODUCT]), set(cells[n.SEGMENT])
    _check_levers(scenario, problems, where, products, segments)
    _check_hires(scenario, baselines, problems, where)
    _check_hiring(scenario, baselines, problems, where)
    _check_mix(scenario, baselines, problems, where, products)
    for i, rule in enumerate(scenario.supply):
        if rule.product not in products:
            problems.add(where, "supply", "product", _unknown(
                rule.product, products, "has no sales in the trailing window",
                "fix the name"), i)
    for product in scenario.spike_overrides:
        if product not in products:
            problems.add(where, "baselines.spike_overrides", product, _unknown(
                product, products, "has no sales in the trailing window",
                "fix the name or remove the line"))
    for i, event in enumerate(scenario.events):
        bad = [p for p in event.products if p != "*" and p not in products]
        if bad:
            problems.add(where, "events", "products", _unknown(
                bad[0], products, "has no sales in the trailing window",
                "fix the name or use \"*\""), i)
    return problems.messages


def _check_levers(scenario: Scenario, problems: Problems, where: Where, products: set[str],
                  segments: set[str]) -> None:
    for lever in scenario.levers:
        for key, values, known in (("products", lever.products, products),
                                   ("segments", lever.segments, segments)):
            bad = [v for v in values if v != "*" and v not in known]
            if bad:
                problems.add(where, f"levers.{lever.name}", key, _unknown(
                    bad[0], known, "not in the data", "fix the scope or use \"*\""))


def _check_hires(scenario: Scenario, baselines: Baselines, problems: Problems,
                 where: Where) -> None:
    teams = set(baselines.seats[n.TEAM].astype(str))
    grades = sorted(grade_productivity(baselines))
    for i, hire in enumerate(scenario.hires):
        if hire.new_team and hire.team in teams:
            problems.add(where, "hires", "new_team",
                         f"team {hire.team!r} is already in the data; remove new_team", i)
        elif not hire.new_team and hire.team not in teams:
            problems.add(where, "hires", "team", _unknown(
                hire.team, teams, "is not a team in the data",
                "fix the name, or add new_team = true to start a new team"), i)
        if hire.grade not in grades:
            problems.add(where, "hires", "grade",
                         f"{hire.grade!r} has no productivity in the history (known grades: "
                         f"{', '.join(grades)}){did_you_mean(hire.grade, grades)}; use one "
                         "of them", i)


def _check_hiring(scenario: Scenario, baselines: Baselines, problems: Problems,
                  where: Where) -> None:
    """``[hiring]`` grades and teams (and a per-grade limit's grades) must be in the data."""
    spec = scenario.hiring
    if spec is None:
        return
    teams = sorted(set(baselines.seats[n.TEAM].astype(str)))
    grades = sorted(grade_productivity(baselines))
    for key, values, known, what, fix in (
            ("teams", spec.teams, teams, "is not a team in the data", "fix the name or use \"*\""),
            ("grades", spec.grades, grades, "has no productivity in the history",
             "use one of them or \"*\"")):
        bad = [v for v in values if v != "*" and v not in known]
        if bad:
            problems.add(where, "hiring", key, _unknown(bad[0], known, what, fix))
    bad = [g for g in spec.max_per_grade if g not in grades]
    if bad:
        problems.add(where, "hiring", "max_per_month", _unknown(
            bad[0], grades, "has no productivity in the history", "fix the grade"))


def _check_mix(scenario: Scenario, baselines: Baselines, problems: Problems, where: Where,
               products: set[str]) -> None:
    table = baselines.products
    tiers = set(table.loc[table[n.PRODUCT].isin(products), n.MARGIN_TIER].astype(str))
    for i, rule in enumerate(scenario.mix):
        floors = {k: v for k, v in (("min_share", rule.min_share),
                                    ("min_amount", rule.min_amount),
                                    ("min_units", rule.min_units)) if v}
        if floors and rule.tier not in tiers:
            key = next(iter(floors))
            problems.add(where, "mix", key,
                         f"{floors[key]:g} asks for {rule.tier}-margin sales, but no product "
                         f"with sales in the trailing window is in tier {rule.tier!r} "
                         f"(tiers: {', '.join(sorted(tiers))}); remove the rule or fix the "
                         "tiers in products.csv", i)


def raise_for_data(scenario: Scenario, baselines: Baselines) -> None:
    """Raise every problem of the scenario against the data at once.

    Raises
    ------
    ScenarioError
        When :func:`check_scenario` finds any problem.
    """
    messages = check_scenario(scenario, baselines)
    if messages:
        raise scenario_error(_label(scenario), messages)
