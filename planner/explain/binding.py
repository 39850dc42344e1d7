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
from typing import Final

import pandas as pd

from planner import names as n
from planner.explain.inputs import ExplainInputs, inputs_of
from planner.explain.shared import cached, rows_of, split
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


def _by_label_team(rows: pd.DataFrame, team_of: Callable[[str], str | None]
                   ) -> dict[str, pd.DataFrame]:
    """``rows`` per the team its label names (rows naming no team left out)."""
    keys = pd.Series([team_of(text) for text in rows["label"].astype(str)], index=rows.index)
    named = keys.notna()
    return split(rows.loc[named], keys.loc[named])


def _capacity_team(label: str) -> str | None:
    team, _, week = label.rpartition(" ")
    return team if week and team else None


def _seat_team(label: str) -> str | None:
    _, found, team = label.rpartition(" seat in team ")
    return team if found else None


def _split_binding(binding: pd.DataFrame) -> dict[str, object]:
    """The binding rules per family, the team rows per team (once per plan)."""
    family = binding["family"]
    supply = binding.loc[family == "supply"]
    mix = binding.loc[family == "mix"]
    return {
        "capacity": _by_label_team(binding.loc[family == "capacity"], _capacity_team),
        "seat": _by_label_team(binding.loc[family == "seat"], _seat_team),
        "fairness": split(binding.loc[family == "fairness"],
                          binding.loc[family == "fairness", "label"]),
        "supply": supply, "supply_labels": supply["label"].astype(str), "products": {},
        "mix": list(zip(mix["marginal_value"], mix["label"], strict=True)),
    }


def _supply_of(parts: dict[str, object], product: str) -> pd.DataFrame:
    """The supply rows of ``product`` (found once per product, not once per team)."""
    memo = parts["products"]
    assert isinstance(memo, dict)
    if product not in memo:
        supply, labels = parts["supply"], parts["supply_labels"]
        assert isinstance(supply, pd.DataFrame) and isinstance(labels, pd.Series)
        memo[product] = supply.loc[labels.str.startswith(f"{product} ")]
    found: pd.DataFrame = memo[product]
    return found


def _frames(parts: dict[str, object], family: str) -> dict[str, pd.DataFrame]:
    found = parts[family]
    assert isinstance(found, dict)
    return found


def _sold(result: PlanResult) -> dict[str, list[str]]:
    """The products each team has plan rows for, sorted (once per plan)."""
    pairs = pd.DataFrame({n.TEAM: result.plan[n.TEAM].astype(str),
                          n.PRODUCT: result.plan[n.PRODUCT].astype(str)}).drop_duplicates()
    return {str(team): sorted(set(part)) for team, part in
            pairs.groupby(n.TEAM, sort=False)[n.PRODUCT]}


def _grade_capacity(ex: ExplainInputs, grade: str, weeks: list[str]) -> float:
    """One seat of ``grade``'s capacity summed over ``weeks``.

    The seat weeks are split by grade once per plan; the rows of a grade keep their order,
    so the sum is the one a filter on grade and weeks gives.
    """
    frame = ex.seat_week
    grades = cached(ex, "binding:seat_week", lambda: split(frame, frame[n.GRADE]))
    rows = grades.get(grade, frame.iloc[0:0])
    return float(rows.loc[rows[n.WEEK].isin(weeks), "capacity"].sum())


def team_binding(result: PlanResult, team: str, lang: str = "en") -> pd.DataFrame:
    """The binding rules that concern ``team``: ``rule, marginal_value, note``.

    The plan's binding rules are split by team once per plan (cached with the
    explanation's inputs), so explaining every team costs linear time in teams.
    """
    words = _WORDS[lang]
    ex = inputs_of(result)
    binding = result.binding
    parts = cached(ex, "binding", lambda: _split_binding(binding))
    empty = binding.iloc[0:0]
    rows: list[dict[str, object]] = []
    weeks = binding_weeks(result, team)
    if weeks:
        cap = rows_of(_frames(parts, "capacity"), empty, team)
        span = weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"
        rows.append({"rule": words["capacity"].format(count=len(weeks), weeks=span),
                     "marginal_value": float(cap["marginal_value"].sum()),
                     "note": words["capacity_note"]})
        seats = rows_of(_frames(parts, "seat"), empty, team)
        first = pd.Timestamp.fromisocalendar(int(weeks[0][:4]), int(weeks[0][-2:]), 1)
        month = first.strftime("%b") if lang == "en" else f"{first.month} 月"
        for value, text in zip(seats["marginal_value"], seats["label"].astype(str),
                               strict=True):
            grade = text.split(" grade ", 1)[1].split(" seat", 1)[0]
            per = _grade_capacity(ex, grade, weeks)
            rows.append({"rule": words["seat"].format(grade=grade),
                         "marginal_value": float(value),
                         "note": words["seat_note"].format(month=month, amount=float(per))})
    fair = rows_of(_frames(parts, "fairness"), empty, team)
    if len(fair):
        rows.append({"rule": words["fairness"],
                     "marginal_value": float(fair["marginal_value"].sum()),
                     "note": words["fairness_note"]})
    sold = cached(ex, "binding:sold", lambda: _sold(result)).get(str(team), [])
    for product in sold:
        mine = _supply_of(parts, product)
        if len(mine):
            rows.append({"rule": words["supply"].format(product=product, count=len(mine)),
                         "marginal_value": float(mine["marginal_value"].sum()),
                         "note": words["supply_note"]})
    mix = parts["mix"]
    assert isinstance(mix, list)
    for value, text in mix:
        rows.append({"rule": words["mix"].format(rule=text), "marginal_value": float(value),
                     "note": words["mix_note"]})
    return pd.DataFrame(rows, columns=list(COLUMNS))
