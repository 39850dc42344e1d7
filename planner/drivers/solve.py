"""Solve the driver model, or explain why the target is out of reach."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from planner.drivers.backend import DriverEngine
from planner.drivers.rows import revenue_of
from planner.drivers.rules import CellRule, cell_rules
from planner.drivers.search import (
    NoFeasiblePoint,
    Point,
    floor_point,
    is_falling,
    least_cost,
    reach,
)
from planner.drivers.tables import drivers_table, product_targets_table
from planner.drivers.tree import FIXED_TICKET_LEVER, DriverTree
from planner.errors import ModelError, TargetUnreachableError
from planner.scenario.values import MixRule, SupplyRule


@dataclass
class DriverResult:
    """The solved uplifts and what they mean per product.

    Attributes
    ----------
    target : float
        Company revenue target.
    history_total : float
        Last year's revenue (trailing window).
    reach_multiple : float
        Largest multiple of ``history_total`` the levers can reach.
    drivers : DataFrame
        ``drivers.csv`` rows.
    products : DataFrame
        Baseline products (``product, amount, units``), for :attr:`product_targets`.
    productivity_multiple : float
        Planned ``1 + u`` of seat productivity.
    """

    tree: DriverTree
    point: Point
    target: float
    history_total: float
    reach_multiple: float
    drivers: pd.DataFrame
    products: pd.DataFrame
    productivity_multiple: float

    @cached_property
    def product_targets(self) -> pd.DataFrame:
        """``product_targets.csv`` rows, in whole units (made when first read).

        A what-if of ``planner serve`` never reads them; a plan always does.
        """
        return product_targets_table(self.tree, self.point, self.products)

    @property
    def achieved(self) -> float:
        """Revenue the uplifts give, multiplied out through the tree."""
        return self.point.revenue(self.tree)


def solve_drivers(
    tree: DriverTree,
    target: float,
    history_total: float,
    products: pd.DataFrame,
    *,
    buffer: float = 0.10,
    capacity_baselines: dict[str, float] | None = None,
    mix: tuple[MixRule, ...] = (),
    supply: tuple[SupplyRule, ...] = (),
    time_limit: float = 60.0,
    backend: DriverEngine | None = None,
) -> DriverResult:
    """Find the least-stretch uplifts whose product reaches ``target``.

    Parameters
    ----------
    tree : DriverTree
        Cells, levers and capacity (:func:`planner.drivers.tree.build_tree`).
    target : float
        Company revenue target.
    history_total : float
        Last year's revenue, for multiples.
    products : DataFrame
        Baseline products (``product, amount, units``).
    buffer : float
        Over-assignment buffer that seat capacity must also cover.
    capacity_baselines : dict, optional
        Last year's ``productivity`` (weekly amount per seat) and ``seats``, for the table.
    mix : tuple of MixRule
        Margin-tier rules the product targets must meet.
    supply : tuple of SupplyRule
        Partner supply: a product's target stays within its yearly supply.
    time_limit : float
        Seconds per LP solve.
    backend : DriverEngine, optional
        A warm engine over ``tree`` (:func:`~planner.drivers.backend.engine_for`): it
        answers LPs it has solved before, and keeps the reach point per buffer and rules.

    Returns
    -------
    DriverResult

    Raises
    ------
    TargetUnreachableError
        With the largest reachable multiple, the binding caps and how far each would
        have to move.
    """
    caps = capacity_baselines or {}
    rules = cell_rules(mix, supply)
    engine = backend or DriverEngine(tree, time_limit)
    falling = is_falling(tree, engine.alg, target)
    if falling:
        floor = revenue_of(engine.alg, floor_point(tree))
        if target < floor * (1 - 1e-9):
            raise _cannot_fall(tree, target, floor, history_total)
    reach_key = ("reach", buffer, repr(rules))  # the reach point does not depend on target
    if reach_key not in engine.memo:
        engine.memo[reach_key] = reach(tree, buffer, time_limit, rules, backend=engine)
    best, cuts = engine.memo[reach_key]
    if best is None:
        raise _capacity_short(tree, buffer, rules)
    reachable = best.revenue(tree)
    if reachable < target * (1 - 1e-9):
        raise _unreachable(tree, best, target, history_total, buffer, caps, rules, engine)
    try:
        point, duals = least_cost(tree, target, best, cuts, buffer, time_limit, rules,
                                  backend=engine)
    except NoFeasiblePoint:
        if falling:  # no point gives the lower target within the rules and capacity
            raise _capacity_short(tree, buffer, rules) from None
        raise
    if rules and point.revenue(tree) > target * (1 + 1e-6):
        raise _rules_overshoot(tree, target, point.revenue(tree), history_total, rules)
    if abs(point.revenue(tree) / target - 1) > 1e-6:
        raise ModelError(f"driver model: the uplifts give {point.revenue(tree):,.0f} instead of "
                         f"the target {target:,.0f} (the iterations did not settle); "
                         "run with --debug and report the scenario")
    capacity_value = capacity_value_of(duals, target)
    return DriverResult(
        tree=tree, point=point, target=target, history_total=history_total,
        reach_multiple=reachable / history_total,
        drivers=drivers_table(tree, point, caps, capacity_value),
        products=products,
        productivity_multiple=math.exp(point.x[tree.productivity]),
    )


def capacity_value_of(duals: dict[str, float], target: float) -> float:
    """Revenue-equivalent of one unit of log capacity, from the duals.

    The target's duals (its lower row, and on a falling target its upper row) give the
    stretch cost of one more unit of revenue; the capacity cuts' duals the cost saved by
    one more unit of log capacity.
    """
    lam = duals.get("target", 0.0) + duals.get("target_max", 0.0)
    mu = sum(v for name, v in duals.items() if name.startswith("capacity_"))
    return float(mu / lam) if lam > 1e-12 else 0.0


def _cannot_fall(tree: DriverTree, target: float, floor: float,
                 history_total: float) -> TargetUnreachableError:
    """The target lies below what the levers give even at their lowest allowed uplifts."""
    demand = [lv for lv in tree.levers.values()
              if lv.kind not in ("productivity", "seats") and lv.name != FIXED_TICKET_LEVER]
    stuck = [lv.name for lv in demand if not lv.fixed and lv.lo >= 0]
    fixed = [lv.name for lv in demand if lv.fixed]
    falls = [f"{lv.name} (min {math.expm1(lv.lo):+.0%})" for lv in demand
             if not lv.fixed and lv.lo < 0]
    head = (f"target {target / history_total:.2f}x ({target:,.0f}) is below what the levers can "
            f"fall to: at their lowest allowed uplifts they give {floor / history_total:.2f}x "
            f"({floor:,.0f})")
    fix = (f"let a lever fall with a negative min, e.g. [levers.{stuck[0]}] min = -0.3"
           if stuck else "lower the min of the levers that may fall, or free a fixed lever")
    lines = [f"# Target unreachable\n\n{head}.\n",
             f"- levers that may fall: {', '.join(falls) or 'none'}",
             f"- levers that may not fall (min 0): {', '.join(stuck) or 'none'}",
             f"- fixed levers: {', '.join(fixed) or 'none'}",
             f"\nTo plan a smaller year, {fix}.\n"]
    return TargetUnreachableError(
        f"{head}; levers that may fall: {', '.join(falls) or 'none'}; {fix}",
        "\n".join(lines))


def _rules_overshoot(tree: DriverTree, target: float, revenue: float, history_total: float,
                     rules: tuple[CellRule, ...]) -> TargetUnreachableError:
    """The mix or supply rules need more revenue than the target, and no lever may fall.

    A minimum share or amount of a group (e.g. high-margin products) can only be met by
    selling more of the group; when the target leaves no room for that and the other
    products may not fall, every point within the rules lies above the target.
    """
    names = ", ".join(f"{_scenario_key(r.name)}: {r.key.replace('_', ' ')} {r.group}"
                      for r in rules)
    stuck = [lv.name for lv in tree.levers.values()
             if lv.kind not in ("productivity", "seats") and lv.name != FIXED_TICKET_LEVER
             and not lv.fixed and lv.lo >= 0]
    fall = (f"let other products fall with a negative min, e.g. [levers.{stuck[0]}] "
            "min = -0.2" if stuck else "lower the min of the levers that may fall")
    head = (f"target {target / history_total:.2f}x ({target:,.0f}) is below what the rules "
            f"allow: within {names}, the least the levers give is about "
            f"{revenue / history_total:.2f}x ({revenue:,.0f})")
    fix = (f"loosen the rule, {fall}, or raise the target to at least "
           f"{revenue / history_total:.2f}x")
    diagnosis = (f"# Target unreachable\n\n{head}.\n\n"
                 f"- rules: {names}\n- levers that may not fall (min 0): "
                 f"{', '.join(stuck) or 'none'}\n\nTo plan this year, {fix}.\n")
    return TargetUnreachableError(f"{head}; {fix}", diagnosis)


def _capacity_short(tree: DriverTree, buffer: float,
                    rules: tuple[CellRule, ...]) -> TargetUnreachableError:
    prod = tree.levers[tree.productivity]
    most = tree.seat_multiple * math.exp(prod.hi)
    if most >= 1 + buffer and rules:
        names = ", ".join(f"{_scenario_key(r.name)}: {r.key.replace('_', ' ')} {r.group}"
                          for r in rules)
        text = (f"the mix and supply rules ({names}) cannot all be met within the lever caps")
        fix = ("Loosen the rules, or add levers scoped to the products they need "
               "(e.g. [levers.customers_high] with products = [...]).")
    else:
        text = (f"seat capacity cannot cover even last year's number of sales plus the "
                f"{buffer:.0%} buffer: seats give {tree.seat_multiple:.2f}x and productivity "
                f"at most {math.exp(prod.hi):.2f}x, together {most:.2f}x < {1 + buffer:.2f}x")
        fix = (f"Add hires ([[hires]]), lower attrition, or raise the cap of lever "
               f"'{prod.name}'.")
    md = f"# Target unreachable\n\n{text}.\n\n{fix}\n"
    return TargetUnreachableError(f"target unreachable: {text}", md)


def _scenario_key(rule: str) -> str:
    """The scenario key a cell rule came from: ``mix_0`` -> ``mix[0]``."""
    family, _, index = rule.rpartition("_")
    return f"{family}[{index}]" if index.isdigit() else rule


def _unreachable(tree: DriverTree, best: Point, target: float, history_total: float,
                 buffer: float, caps: dict[str, float], mix: tuple[CellRule, ...],
                 backend: DriverEngine) -> TargetUnreachableError:
    reachable = best.revenue(tree)
    table = drivers_table(tree, best, caps, 0.0)
    binding = table.loc[table["binding"] == "cap"]
    rows = []
    for name in binding["lever"]:
        needed = _needed(tree, {name: tree.levers[name].hi}, target, buffer, mix, backend)
        rows.append((name, tree.levers[name].cap,
                     None if needed is None else math.expm1(needed[name])))
    together = _needed(tree, {name: tree.levers[name].hi for name in binding["lever"]},
                       target, buffer, mix, backend)
    short = target - reachable
    head = (f"target {target / history_total:.2f}x ({target:,.0f}) is out of reach: the levers "
            f"at their caps give at most {reachable / history_total:.2f}x ({reachable:,.0f}), "
            f"short by {short:,.0f} ({short / target:.1%})")
    lines = [f"# Target unreachable\n\n{head}.\n", "## Binding caps\n",
             "| lever | cap | uplift needed with this cap alone raised |", "|---|---|---|"]
    for name, cap, alone in rows:
        text = (f"+{alone:.1%}" if alone is not None
                else "not enough alone (capacity or other caps bind)")
        lines.append(f"| {name} | +{cap:.1%} | {text} |")
    if together and len(together) > 1:
        caps_text = ", ".join(f"{k} +{math.expm1(v):.1%}" for k, v in together.items())
        lines.append(f"\nRaising the binding caps together (each by the same factor in log "
                     f"terms), the target needs: {caps_text}.")
    elif not together and len(rows) > 1:
        lines.append("\nEven raising every binding cap together does not reach the target: "
                     "capacity, fixed levers or the mix and supply rules limit it.")
    lines.append("\n## Levers at the largest reachable point\n")
    lines += _markdown(table)
    names = ", ".join(f"{name} (cap +{cap:.0%}"
                      + (f", needs +{alone:.0%} alone)" if alone is not None else ")")
                      for name, cap, alone in rows)
    return TargetUnreachableError(f"{head}; binding caps: {names or 'none'}",
                                  "\n".join(lines) + "\n")


def _markdown(table: pd.DataFrame) -> list[str]:
    """The lever table as Markdown rows (uplifts and caps as percentages)."""
    cols = ["lever", "scope", "baseline", "uplift", "planned", "cap", "binding"]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table[cols].itertuples(index=False):
        lever, scope, base, uplift, planned, cap, binding = row
        out.append(f"| {lever} | {scope} | {base:,.4g} | {uplift:+.1%} | {planned:,.4g} | "
                   f"{cap:+.1%} | {binding} |")
    return out


def _needed(tree: DriverTree, caps: dict[str, float], target: float, buffer: float,
            rules: tuple[CellRule, ...], backend: DriverEngine) -> dict[str, float] | None:
    """Smallest common factor on the given log caps that reaches the target (bisection).

    Returns the raised log caps by lever, or None when even a 1000x uplift on each
    does not reach the target.
    """
    ceiling = math.log1p(1000.0)
    base = {k: v for k, v in caps.items() if v > 0}
    if not base:
        return None

    def reaches(factor: float) -> bool:
        raised = {k: min(v * factor, max(ceiling, v)) for k, v in base.items()}
        point, _ = reach(tree, buffer, backend.time_limit, rules, raise_cap=raised,
                         backend=backend)
        return point is not None and point.revenue(tree) >= target

    high = ceiling / min(base.values())
    if not reaches(high):
        return None
    low = 1.0
    for _ in range(40):
        mid = (low + high) / 2
        if reaches(mid):
            high = mid
        else:
            low = mid
        if high - low < 1e-4 * high:
            break
    return {k: min(v * high, max(ceiling, v)) for k, v in base.items()}


__all__ = ["DriverResult", "solve_drivers"]
