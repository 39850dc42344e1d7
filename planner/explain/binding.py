"""The allocation's binding rules that concern one team, with their marginal values.

Read from the plan's binding rules (:func:`planner.allocation.solve.binding_rows`) and
seat and supply values (:mod:`planner.allocation.duals`): the team's weekly capacity
rows, its fairness row, the value of one more seat of each grade in the team, supply of
the products it sells and the company's mix rules. Marginal values are the duals, in the
plan's objective (weighted deviation from the history-shaped targets); for a seat, the
note also says how much capacity it adds in the weeks where the team is full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.explain.inputs import ExplainInputs, inputs_of
from planner.explain.months import plan_months
from planner.explain.shared import cached, split, sums_by
from planner.explain.text import binding_weeks
from planner.plan_result import PlanResult

COLUMNS: Final = ("rule", "marginal_value", "note")

_WORDS: Final = {
    "en": {"capacity": "Weekly capacity, {count} week(s) {weeks}",
           "capacity_note": "the team is full in these weeks: more capacity there would let "
                            "the plan follow its history-shaped targets more closely",
           "seat": "One more grade {grade} seat",
           "seat_note": "from {month}, adds {amount:,.0f} of capacity in the weeks where the "
                        "team is full",
           "fairness": "Fairness band",
           "fairness_note": "the team's year total sits at the band's edge",
           "supply": "Partner supply of {product}, {count} month(s)",
           "supply_note": "the partner's supply caps this product",
           "mix": "Margin mix: {rule}",
           "mix_note": "a company rule that moves volume between products"},
    "zh": {"capacity": "每周产能，{count} 周 {weeks}",
           "capacity_note": "本团队在这些周产能已满：增加产能可使计划更贴近按历史形成的目标",
           "seat": "增加一个 {grade} 级坐席",
           "seat_note": "自 {month} 起，在产能已满的周增加 {amount:,.0f} 的产能",
           "fairness": "公平区间",
           "fairness_note": "本团队全年合计处在区间边缘",
           "supply": "{product} 的合作方供给，{count} 个月",
           "supply_note": "合作方供给限制了该产品",
           "mix": "毛利结构：{rule}",
           "mix_note": "公司规则，在产品之间调整量"},
}


def _label_teams(rows: pd.DataFrame, team_of: Callable[[str], str | None]
                 ) -> tuple[np.ndarray, pd.DataFrame]:
    """The team each row's label names, and the rows that name one."""
    keys = [team_of(text) for text in rows["label"].astype(str)]
    named = np.array([k is not None for k in keys], bool)
    return np.array([k for k in keys if k is not None], dtype=object), rows.loc[named]


def _capacity_team(label: str) -> str | None:
    team, _, week = label.rpartition(" ")
    return team if week and team else None


def _seat_team(label: str) -> str | None:
    _, found, team = label.rpartition(" seat in team ")
    return team if found else None


@dataclass
class _Parts:
    """The plan's binding rules, per team and product, as plain values (once per plan).

    Each sum adds a team's (or product's) marginal values in the binding table's order,
    as a filter on its rows and a ``.sum()`` would.
    """

    capacity: dict[str, float]
    seats: dict[str, list[tuple[float, str]]]
    fairness: dict[str, float]
    supply_labels: list[str]
    supply_values: np.ndarray
    mix: list[tuple[float, str]]
    supply: dict[str, tuple[int, float]] = field(default_factory=dict)

    def supply_of(self, product: str) -> tuple[int, float]:
        """How many supply rows of ``product`` bind, and their marginal values' sum."""
        if product not in self.supply:
            start = f"{product} "
            inside = np.array([text.startswith(start) for text in self.supply_labels], bool)
            self.supply[product] = (int(inside.sum()),
                                    float(self.supply_values[inside].sum()))
        return self.supply[product]


def _split_binding(binding: pd.DataFrame) -> _Parts:
    """The binding rules per family, the team rows per team (once per plan)."""
    family = binding["family"]
    cap_teams, cap = _label_teams(binding.loc[family == "capacity"], _capacity_team)
    seat_teams, seat = _label_teams(binding.loc[family == "seat"], _seat_team)
    seats: dict[str, list[tuple[float, str]]] = {}
    for team, value, text in zip(seat_teams, seat["marginal_value"].to_numpy(float),
                                 seat["label"].astype(str), strict=True):
        seats.setdefault(str(team), []).append((value, text))
    fair = binding.loc[family == "fairness"]
    supply = binding.loc[family == "supply"]
    mix = binding.loc[family == "mix"]
    return _Parts(
        capacity=sums_by(cap_teams, cap["marginal_value"].to_numpy(float)),
        seats=seats,
        fairness=sums_by(fair["label"].to_numpy(), fair["marginal_value"].to_numpy(float)),
        supply_labels=list(supply["label"].astype(str)),
        supply_values=supply["marginal_value"].to_numpy(float),
        mix=list(zip(mix["marginal_value"], mix["label"], strict=True)),
    )


def _sold(result: PlanResult) -> dict[str, list[str]]:
    """The products each team has plan rows for, sorted (once per plan)."""
    pairs = plan_months(result).index
    teams = pairs.get_level_values(0).astype(str)
    products = pairs.get_level_values(1).astype(str)
    out: dict[str, set[str]] = {}
    for team, product in zip(teams, products, strict=True):
        out.setdefault(str(team), set()).add(str(product))
    return {team: sorted(found) for team, found in out.items()}


def _grade_weeks(frame: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each grade's weeks and capacities, in ``frame``'s order (once per plan)."""
    return {grade: (part[n.WEEK].to_numpy(), part["capacity"].to_numpy(float))
            for grade, part in split(frame, frame[n.GRADE]).items()}


def _grade_capacity(ex: ExplainInputs, grade: str, weeks: list[str]) -> float:
    """One seat of ``grade``'s capacity summed over ``weeks``.

    The seat weeks are split by grade once per plan; the rows of a grade keep their order,
    so the sum is the one a filter on grade and weeks gives (the same floats added in the
    same order). Teams whose capacity binds in the same weeks share the sum.
    """
    memo: dict[tuple[str, tuple[str, ...]], float] = cached(ex, "binding:grade_sums", dict)
    key = (grade, tuple(weeks))
    if key not in memo:
        grades = cached(ex, "binding:seat_week", lambda: _grade_weeks(ex.seat_week))
        found = grades.get(grade)
        if found is None:
            memo[key] = 0.0
        else:
            wanted = set(weeks)
            inside = np.fromiter((w in wanted for w in found[0]), bool, len(found[0]))
            memo[key] = float(found[1][inside].sum())
    return memo[key]


def binding_rows(result: PlanResult, team: str, lang: str = "en"
                 ) -> list[tuple[str, float, str]]:
    """:func:`team_binding`'s rows as ``(rule, marginal_value, note)`` tuples."""
    words = _WORDS[lang]
    ex = inputs_of(result)
    binding = result.binding
    parts: _Parts = cached(ex, "binding", lambda: _split_binding(binding))
    rows: list[tuple[str, float, str]] = []
    weeks = binding_weeks(result, team)
    if weeks:
        span = weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"
        rows.append((words["capacity"].format(count=len(weeks), weeks=span),
                     parts.capacity.get(str(team), 0.0), words["capacity_note"]))
        first = pd.Timestamp.fromisocalendar(int(weeks[0][:4]), int(weeks[0][-2:]), 1)
        month = first.strftime("%b") if lang == "en" else f"{first.month} 月"
        for value, text in parts.seats.get(str(team), []):
            grade = text.split(" grade ", 1)[1].split(" seat", 1)[0]
            per = _grade_capacity(ex, grade, weeks)
            rows.append((words["seat"].format(grade=grade), float(value),
                         words["seat_note"].format(month=month, amount=float(per))))
    if str(team) in parts.fairness:
        rows.append((words["fairness"], parts.fairness[str(team)], words["fairness_note"]))
    sold = cached(ex, "binding:sold", lambda: _sold(result)).get(str(team), [])
    for product in sold:
        count, value = parts.supply_of(product)
        if count:
            rows.append((words["supply"].format(product=product, count=count), value,
                         words["supply_note"]))
    for value, text in parts.mix:
        rows.append((words["mix"].format(rule=text), float(value), words["mix_note"]))
    return rows


def team_binding(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """The binding rules that concern ``team``: ``rule, marginal_value, note``.

    The plan's binding rules are split by team once per plan (cached with the
    explanation's inputs), so explaining every team costs linear time in teams.
    """
    rows = binding_rows(result, team, lang)
    return pd.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows],
                        columns=list(COLUMNS))
