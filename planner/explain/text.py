"""One plain sentence per step of a team's bridge, in English or Simplified Chinese.

Each sentence is filled from the facts of the plan (:class:`Facts`); a new step adds
its template to both tables (the tables must keep the same keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from planner import names as n
from planner.explain import steps as st
from planner.explain.inputs import ExplainInputs
from planner.explain.shared import cached, key_slices, sums_by
from planner.plan_result import PlanResult
from planner.scenario.values import Hire

_EN: Final[dict[str, str]] = {
    st.LAST_YEAR: "What the team sold last year (the trailing window the plan is built on).",
    st.LEVERS: "The company's lever uplifts ({levers}) on the team's own product mix, with "
               "its capacity held at last year's: x{multiple:.2f} on last year.",
    st.NEW: "Products or a team with no sales last year: the company's target for them is "
            "shared by planned capacity.",
    st.SEATS: "Seats on board at the end of last year, for a full year: {now} ({now_grades}) "
              "against {last:.1f} seat-years last year ({last_grades}).",
    st.WORKING_DAYS: "{year} has {days:.0f} working days ({weeks:.1f} five-day weeks) against "
                     "the {full:.0f} weeks a full-year seat sold last year.",
    st.LEAVERS: "{leaving:.0f} seat(s) leave during {year} (known end dates).",
    st.ATTRITION: "Expected attrition: {rate:.1%} of seats a month.",
    st.RECENT_RAMP: "Seats that joined late last year are still ramping up ({ramp} months to "
                    "full productivity).",
    st.HIRES: "Hires: {hires}; each ramps up over {ramp} months, so it adds less than a full "
              "seat at first.",
    st.CAPACITY_RULE: "Weekly capacity (seats x productivity + headroom): {capacity}.",
    st.FAIRNESS: "Fairness band (each team's uplift within ±{band:.0%} of the company's): "
                 "{fairness}.",
    st.SUPPLY: "Partner supply caps ({supply}) move volume between teams and weeks.",
    st.MIX: "Margin-mix rules ({mix}) move volume between products.",
    st.BUFFER: "Over-assignment buffer: team targets add up to {buffer:.0%} above the "
               "company target, so the company reaches it when some teams fall short.",
    st.WHOLE_UNITS: "Fixed-ticket products are planned in whole units and other amounts in "
                    "cents.",
    "target": "The team's {year} target.",
    "cap_binds": "binds in {count} week(s) ({weeks}), so volume the seats cannot carry moves "
                 "to other weeks or teams",
    "cap_others": "other teams' capacity binds, and volume they cannot carry comes here",
    "cap_free": "does not bind for this team; other teams' capacity moves volume",
    "fair_binds": "binds at its {side} edge for this team",
    "fair_others": "other teams held within their bands move volume to or from this team",
    "lower": "lower",
    "upper": "upper",
    "none": "none",
    "from": "{count} grade {grade} from {month}",
}

_ZH: Final[dict[str, str]] = {
    st.LAST_YEAR: "团队去年的销售额（计划所依据的滚动区间）。",
    st.LEVERS: "公司各杠杆的提升（{levers}）作用于本团队自己的产品结构（产能按去年不变）：为去年的 "
               "{multiple:.2f} 倍。",
    st.NEW: "去年没有销售的产品或团队：公司对它们的目标按计划产能分摊。",
    st.SEATS: "去年末在岗的坐席按全年计：{now} 个（{now_grades}），去年为 {last:.1f} 个坐席年"
              "（{last_grades}）。",
    st.WORKING_DAYS: "{year} 年有 {days:.0f} 个工作日（{weeks:.1f} 个五天周），去年全年在岗的坐席"
                     "销售了 {full:.0f} 周。",
    st.LEAVERS: "{year} 年有 {leaving:.0f} 个坐席离开（已知离职日期）。",
    st.ATTRITION: "预计流失：每月 {rate:.1%} 的坐席。",
    st.RECENT_RAMP: "去年末新入职的坐席仍在爬坡（{ramp} 个月达到满产）。",
    st.HIRES: "招聘：{hires}；每个新坐席在 {ramp} 个月内爬坡，起初不足一个满产坐席。",
    st.CAPACITY_RULE: "每周产能（坐席 x 人效 + 余量）：{capacity}。",
    st.FAIRNESS: "公平区间（各团队的提升在公司提升的 ±{band:.0%} 内）：{fairness}。",
    st.SUPPLY: "合作方供给上限（{supply}）在团队和周之间调整了量。",
    st.MIX: "毛利结构规则（{mix}）在产品之间调整了量。",
    st.BUFFER: "超额分配缓冲：团队目标合计比公司目标高 {buffer:.0%}，"
               "部分团队未达成时公司仍能达成。",
    st.WHOLE_UNITS: "固定单价产品按整数份计划，其他金额按分计。",
    "target": "团队 {year} 年的目标。",
    "cap_binds": "本团队有 {count} 周产能已满（{weeks}），坐席承担不了的量移到其他周或团队",
    "cap_others": "其他团队产能已满，它们承担不了的量移到本团队",
    "cap_free": "本团队产能未满；其他团队的产能调整了量",
    "fair_binds": "本团队处在区间的{side}",
    "fair_others": "其他团队受区间限制，量在团队之间调整",
    "lower": "下限",
    "upper": "上限",
    "none": "无",
    "from": "{grade} 级 {count} 个，{month} 月起",
}

_TABLES: Final = {"en": _EN, "zh": _ZH}


@dataclass(frozen=True)
class Facts:
    """What the sentences of one team say besides amounts."""

    values: dict[str, object]


def _weeks_text(weeks: list[str]) -> str:
    if not weeks:
        return ""
    return weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"


def _all_binding_weeks(result: PlanResult) -> dict[str, list[str]]:
    rows = result.binding.loc[result.binding["family"] == "capacity", "label"].astype(str)
    out: dict[str, list[str]] = {}
    for parts in rows.str.rsplit(" ", n=1):
        if len(parts) == 2:
            out.setdefault(parts[0], []).append(parts[1])
    return {t: sorted(w) for t, w in out.items()}


def binding_weeks(result: PlanResult, team: str) -> list[str]:
    """The weeks whose capacity row binds for ``team`` (from the plan's binding rules).

    Every team's weeks are read from the binding rules once per plan (when the plan
    carries explanation inputs to cache them in).
    """
    if not isinstance(result.explanation, ExplainInputs):
        return list(_all_binding_weeks(result).get(str(team), []))
    weeks = cached(result.explanation, "binding_weeks", lambda: _all_binding_weeks(result))
    return list(weeks.get(str(team), []))


def _team_totals(ex: ExplainInputs) -> dict[str, float]:
    """Each team's total of the allocation's exact amounts (once per plan)."""
    return sums_by(ex.raw[n.TEAM], ex.raw[n.AMOUNT].to_numpy(float))


def _bands(ex: ExplainInputs) -> dict[str, tuple[float, float]]:
    """Each team's fairness band (its first row), once per plan."""
    band = ex.allocation.fairness
    first = band.drop_duplicates(n.TEAM)
    return {str(t): (float(lo), float(hi)) for t, lo, hi in
            zip(first[n.TEAM].astype(str), first["lower"], first["upper"], strict=True)}


def fairness_side(result: PlanResult, ex: ExplainInputs, team: str) -> str | None:
    """``"lower"`` or ``"upper"`` when the team's total sits at its band's edge."""
    found = cached(ex, "facts:bands", lambda: _bands(ex)).get(str(team))
    if found is None:
        return None
    total = cached(ex, "facts:team_totals", lambda: _team_totals(ex)).get(str(team), 0.0)
    lower, upper = found
    tol = 1e-6 * max(abs(upper), 1.0)
    if total <= lower + tol:
        return "lower"
    if total >= upper - tol:
        return "upper"
    return None


def _seat_text(grades: np.ndarray, values: np.ndarray, digits: int) -> str:
    return ", ".join(f"{g} {v:.{digits}f}" for g, v in zip(grades, values, strict=True) if v > 0)


def _seat_facts(ex: ExplainInputs) -> dict[str, dict[str, object]]:
    """Each team's seat facts: on board now, last year, leaving, by grade (once per plan).

    Each sum adds the team's rows in the order of ``ex.seats``, as a filter on the team
    and a sum would.
    """
    seats = ex.seats
    order, bounds, teams = key_slices(seats[n.TEAM].astype(str))
    grades = seats[n.GRADE].to_numpy()[order]
    now = seats["now"].to_numpy(float)[order]
    last = seats["last_year"].to_numpy(float)[order]
    leaving = seats["leaving"].to_numpy(float)[order]
    out: dict[str, dict[str, object]] = {}
    for i, team in enumerate(teams):
        part = slice(bounds[i], bounds[i + 1])
        out[team] = {"now": int(now[part].sum()),
                     "now_grades": _seat_text(grades[part], now[part], 0),
                     "last": float(last[part].sum()),
                     "last_grades": _seat_text(grades[part], last[part], 1),
                     "leaving": float(leaving[part].sum())}
    return out


_NO_SEATS: Final[dict[str, object]] = {"now": 0, "now_grades": "", "last": 0.0,
                                        "last_grades": "", "leaving": 0.0}


def _shared_facts(result: PlanResult, ex: ExplainInputs, lang: str) -> dict[str, str]:
    """The facts every team's sentences share: levers, supply and mix (once per plan)."""
    tb = _TABLES[lang]
    drivers = result.drivers
    moved = drivers.loc[(drivers["kind"].astype(str) != "seats")
                        & (pd.to_numeric(drivers["uplift"], errors="coerce").abs() > 1e-9)]
    levers = ", ".join(f"{lever} {u:+.0%}" for lever, u in
                       zip(moved["lever"], moved["uplift"], strict=True)) or tb["none"]
    a = ex.allocation
    supply = ", ".join(sorted(set(map(str, a.supply[n.PRODUCT])))) or tb["none"]
    mix = ", ".join(f"{r.tier} {r.sense} {r.kind} {r.value:g}" for r in a.mix.itertuples()
                    ) or tb["none"]
    return {"levers": levers, "supply": supply, "mix": mix}


def _hires_by_team(ex: ExplainInputs) -> dict[str, list[Hire]]:
    """The scenario's hires per team, in scenario order (once per plan)."""
    out: dict[str, list[Hire]] = {}
    for hire in ex.hires:
        out.setdefault(str(hire.team), []).append(hire)
    return out


def team_facts(result: PlanResult, ex: ExplainInputs, team: str, lang: str,
               multiple: float, rule_amounts: dict[str, float]) -> Facts:
    """The facts a team's sentences are filled from."""
    tb = _TABLES[lang]
    shared = cached(ex, f"facts:shared:{lang}", lambda: _shared_facts(result, ex, lang))
    seats = cached(ex, "facts:seats", lambda: _seat_facts(ex)).get(str(team), _NO_SEATS)
    hires = cached(ex, "facts:hires", lambda: _hires_by_team(ex)).get(str(team), [])
    hire_text = "; ".join(tb["from"].format(count=h.count, grade=h.grade,
                                            month=_month(h.month, lang)) for h in hires)
    weeks = binding_weeks(result, team)
    if weeks:
        capacity = tb["cap_binds"].format(count=len(weeks), weeks=_weeks_text(weeks))
    elif rule_amounts.get(st.CAPACITY_RULE, 0.0) > 0:
        capacity = tb["cap_others"]
    else:
        capacity = tb["cap_free"]
    side = fairness_side(result, ex, team)
    fairness = (tb["fair_binds"].format(side=tb[side]) if side else tb["fair_others"])
    return Facts({
        "levers": shared["levers"], "multiple": multiple,
        "now": seats["now"], "now_grades": seats["now_grades"],
        "last": seats["last"], "last_grades": seats["last_grades"],
        "year": result.year, "days": ex.working_days, "weeks": ex.working_days / 5.0,
        "full": ex.full_weeks, "leaving": seats["leaving"],
        "rate": ex.attrition_rate, "ramp": ex.ramp_months, "hires": hire_text or tb["none"],
        "capacity": capacity, "band": ex.fairness_band, "fairness": fairness,
        "supply": shared["supply"], "mix": shared["mix"], "buffer": ex.buffer,
    })


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                     "Nov", "Dec")


def _month(number: int, lang: str) -> str:
    return _MONTHS_EN[number - 1] if lang == "en" else str(number)


def sentence(step: str, facts: Facts, lang: str = "en") -> str:
    """The plain sentence of ``step`` (or ``"target"``) for a team."""
    return _TABLES[lang][step].format(**facts.values)


def keys_match() -> bool:
    """Both languages have a sentence for the same keys (checked by the tests)."""
    return set(_EN) == set(_ZH) and all(s in _EN for s in st.STEPS)


def finite(value: float) -> float:
    """``value``, or 1.0 when it is not a finite number."""
    return float(value) if np.isfinite(value) else 1.0
