r"""Every label the outputs show, in English and Simplified Chinese.

One table per language with the same keys; :func:`get_labels` returns the one asked
for. Sheet names are kept within Excel's rules (at most 31 characters, none of
``[]:*?/\\``).

Examples
--------
>>> get_labels("zh")["sheet_targets"]
'目标'
>>> get_labels("en").month(3)
'Mar'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from planner.errors import OutputError

LANGS: Final = ("en", "zh")

_EN: Final[dict[str, str]] = {
    # team workbook sheets
    "sheet_targets": "Targets",
    "sheet_weekly": "Weekly",
    "sheet_seats": "Seats",
    "sheet_actuals": "Actuals",
    "sheet_scorecard": "Scorecard",
    # summary workbook sheets
    "sheet_settings": "Settings",
    "sheet_drivers": "Drivers",
    "sheet_product_targets": "Product targets",
    "sheet_matrix": "Team x product",
    "sheet_monthly": "Monthly phasing",
    "sheet_weekly_phasing": "Weekly phasing",
    "sheet_binding": "Binding constraints",
    "sheet_last_year": "Last year vs plan",
    "sheet_charts": "Charts",
    # titles
    "title_targets": "Targets by product and month",
    "title_weekly": "Targets by week and product",
    "title_seats": "Targets per seat",
    "title_actuals": "Actuals and attainment by product and month",
    "title_scorecard": "KPI scorecard",
    "title_settings": "Scenario settings",
    "title_drivers": "Drivers and uplifts",
    "title_product_targets": "Product targets",
    "title_matrix": "Team targets by product",
    "title_monthly": "Monthly phasing by product",
    "title_weekly_phasing": "Weekly phasing by product",
    "title_binding": "Binding constraints",
    "title_last_year": "Last year vs plan",
    "title_charts": "Charts",
    # common labels
    "team": "Team",
    "teams": "Teams",
    "scenario": "Scenario",
    "plan_year": "Plan year",
    "product": "Product",
    "margin_tier": "Margin tier",
    "month": "Month",
    "week": "Week",
    "week_start": "Week start",
    "working_days": "Working days",
    "total": "Total",
    "of_which_high": "of which high margin",
    "seat": "Seat",
    "grade": "Grade",
    "by_seat_product": "By seat and product (year)",
    "tier_high": "high",
    "tier_standard": "standard",
    "tier_low": "low",
    "page": "Page &P of &N",
    # actuals
    "actuals_entry": "Actuals (enter amounts in the yellow cells)",
    "has_actuals": "Month has actuals (1 = yes)",
    "attainment_block": "Attainment (actual / target)",
    "ytd_note": "Total column: attainment against the target of the months with actuals.",
    # scorecard
    "kpi": "KPI",
    "weight": "Weight",
    "full_year_target": "Full-year target",
    "target_to_date": "Target to date",
    "actual_to_date": "Actual to date",
    "attainment": "Attainment",
    "score": "Score (capped)",
    "weight_counted": "Weight counted",
    "cap": "Attainment cap",
    "share_to_date": "Plan share to date",
    "input_title": "Number expected",
    "input_message": "Enter an amount (a number), or leave the cell empty.",
    "no_seats": "No per-seat targets for this team.",
    "weighted_score": "Weighted score",
    "kpi_revenue": "Revenue",
    "kpi_high_margin_mix": "High-margin mix (share of revenue)",
    "kpi_new_customers": "New customers",
    "kpi_active_customers": "Active customers",
    "note_scorecard_1": "Yellow cells are inputs. Revenue and high-margin mix come from the "
    "Actuals sheet; targets to date cover the months with actuals.",
    "note_scorecard_2": "Customer KPI targets come from the driver model (the team's share "
    "of the plan) and may be overwritten; targets to date follow the plan's phasing.",
    "note_scorecard_3": "Weighted score = sum of weight x min(attainment, cap) over the KPIs "
    "with a target and an actual, divided by their weights.",
    # settings / summary
    "setting": "Setting",
    "value": "Value",
    "warnings": "Warnings",
    "no_warnings": "none",
    "company_target": "Company target",
    "buffer": "Over-assignment buffer",
    "team_targets_total": "Team targets total",
    "last_year_total": "Last year total",
    "lever": "Lever",
    "scope": "Scope",
    "baseline": "Baseline",
    "uplift": "Uplift",
    "uplift_cap": "Cap",
    "kind_customers": "customers",
    "kind_conversion": "conversion",
    "kind_repurchase": "repurchase",
    "kind_ticket": "ticket",
    "kind_productivity": "productivity",
    "kind_seats": "seats",
    "binding_cap": "at cap",
    "binding_fixed": "fixed",
    "planned": "Planned",
    "binding": "Binding",
    "marginal_value": "Marginal value",
    "kind": "Kind",
    "baseline_amount": "Last year amount",
    "target_amount": "Target amount",
    "baseline_units": "Last year units",
    "target_units": "Target units",
    "multiple": "Multiple",
    "in_plan": "In plan (with buffer)",
    "last_year": "Last year",
    "plan": "Plan",
    "change": "Change",
    "family": "Constraint",
    "label": "Where",
    "slack": "Slack",
    "meaning": "Meaning",
    "by_product": "By product",
    "by_month": "By month",
    "chart_phasing": "Monthly plan vs last year",
    "chart_teams": "Team targets",
    "chart_waterfall": "From last year to target: lever contributions",
    "chart_capacity": "Capacity vs target per team",
    "capacity": "Capacity",
    "target": "Target",
    "amount": "Amount",
    "top_teams": "largest {shown} of {total} teams",
}

_ZH: Final[dict[str, str]] = {
    "sheet_targets": "目标",
    "sheet_weekly": "周目标",
    "sheet_seats": "坐席",
    "sheet_actuals": "实际",
    "sheet_scorecard": "记分卡",
    "sheet_settings": "设置",
    "sheet_drivers": "驱动因素",
    "sheet_product_targets": "产品目标",
    "sheet_matrix": "团队×产品",
    "sheet_monthly": "月度分解",
    "sheet_weekly_phasing": "周度分解",
    "sheet_binding": "紧约束",
    "sheet_last_year": "去年与计划",
    "sheet_charts": "图表",
    "title_targets": "按产品和月份的目标",
    "title_weekly": "按周和产品的目标",
    "title_seats": "每个坐席的目标",
    "title_actuals": "按产品和月份的实际与达成",
    "title_scorecard": "KPI 记分卡",
    "title_settings": "情景设置",
    "title_drivers": "驱动因素与提升幅度",
    "title_product_targets": "产品目标",
    "title_matrix": "各团队按产品的目标",
    "title_monthly": "按产品的月度分解",
    "title_weekly_phasing": "按产品的周度分解",
    "title_binding": "紧约束",
    "title_last_year": "去年与计划对比",
    "title_charts": "图表",
    "team": "团队",
    "teams": "团队",
    "scenario": "情景",
    "plan_year": "计划年度",
    "product": "产品",
    "margin_tier": "毛利档次",
    "month": "月份",
    "week": "周",
    "week_start": "周起始日",
    "working_days": "工作日",
    "total": "合计",
    "of_which_high": "其中高毛利",
    "seat": "坐席",
    "grade": "职级",
    "by_seat_product": "按坐席和产品（全年）",
    "tier_high": "高毛利",
    "tier_standard": "标准",
    "tier_low": "低毛利",
    "page": "第 &P 页，共 &N 页",
    "actuals_entry": "实际（在黄色单元格中填写金额）",
    "has_actuals": "当月已有实际（1 = 是）",
    "attainment_block": "达成率（实际 / 目标）",
    "ytd_note": "合计列：相对于已有实际月份目标的达成率。",
    "kpi": "KPI",
    "weight": "权重",
    "full_year_target": "全年目标",
    "target_to_date": "截至目前目标",
    "actual_to_date": "截至目前实际",
    "attainment": "达成率",
    "score": "得分（封顶）",
    "weight_counted": "计入权重",
    "cap": "达成率封顶",
    "share_to_date": "截至目前计划占比",
    "input_title": "请输入数字",
    "input_message": "请输入金额（数字），或留空。",
    "no_seats": "该团队没有坐席目标。",
    "weighted_score": "加权得分",
    "kpi_revenue": "销售额",
    "kpi_high_margin_mix": "高毛利占比（占销售额）",
    "kpi_new_customers": "新客户数",
    "kpi_active_customers": "活跃客户数",
    "note_scorecard_1": "黄色单元格为填写项。销售额和高毛利占比取自实际表；"
    "截至目前目标只计已有实际的月份。",
    "note_scorecard_2": "客户类 KPI 目标来自驱动模型（按本组计划占比），可修改；"
    "截至目前目标按计划的分解比例折算。",
    "note_scorecard_3": "加权得分 = 有目标和实际的 KPI 上 权重 x min(达成率, 封顶) 之和，"
    "除以这些权重之和。",
    "setting": "设置项",
    "value": "值",
    "warnings": "警告",
    "no_warnings": "无",
    "company_target": "公司目标",
    "buffer": "超额分配比例",
    "team_targets_total": "团队目标合计",
    "last_year_total": "去年合计",
    "lever": "杠杆",
    "scope": "范围",
    "baseline": "基线",
    "uplift": "提升幅度",
    "uplift_cap": "上限",
    "kind_customers": "客户数",
    "kind_conversion": "转化率",
    "kind_repurchase": "复购",
    "kind_ticket": "客单价",
    "kind_productivity": "人均产能",
    "kind_seats": "坐席数",
    "binding_cap": "达到上限",
    "binding_fixed": "固定",
    "planned": "计划值",
    "binding": "是否受限",
    "marginal_value": "边际价值",
    "kind": "类型",
    "baseline_amount": "去年金额",
    "target_amount": "目标金额",
    "baseline_units": "去年数量",
    "target_units": "目标数量",
    "multiple": "倍数",
    "in_plan": "计划（含超额分配）",
    "last_year": "去年",
    "plan": "计划",
    "change": "变化",
    "family": "约束",
    "label": "位置",
    "slack": "松弛量",
    "meaning": "含义",
    "by_product": "按产品",
    "by_month": "按月份",
    "chart_phasing": "月度计划与去年对比",
    "chart_teams": "各团队目标",
    "chart_waterfall": "从去年到目标：各杠杆的贡献",
    "chart_capacity": "各团队产能与目标",
    "capacity": "产能",
    "target": "目标",
    "amount": "金额",
    "top_teams": "{total} 个团队中最大的 {shown} 个",
}

_MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "zh": tuple(f"{m}月" for m in range(1, 13)),
}


class Labels(Mapping[str, str]):
    """Labels of one language: a read-only mapping plus month and tier helpers.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"zh"``.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._table = _EN if lang == "en" else _ZH

    def __getitem__(self, key: str) -> str:
        return self._table[key]

    def __iter__(self):  # noqa: D105
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def month(self, number: int) -> str:
        """Short name of calendar month ``number`` (1..12)."""
        return _MONTHS[self.lang][number - 1]

    def tier(self, tier: object) -> str:
        """Label of a margin tier; unknown tiers are shown as given."""
        key = f"tier_{tier}"
        return self._table.get(key, "" if tier is None else str(tier))

    def kpi(self, name: str) -> str:
        """Label of a KPI; unknown KPIs are shown by their name."""
        return self._table.get(f"kpi_{name}", name)

    def code(self, prefix: str, value: object) -> object:
        """Label of a known code (``code("kind", "seats")``); anything else as given."""
        if isinstance(value, str):
            return self._table.get(f"{prefix}_{value}", value)
        return value


def get_labels(lang: str) -> Labels:
    """Return the labels of ``lang``.

    Parameters
    ----------
    lang : str
        ``"en"`` (English) or ``"zh"`` (Simplified Chinese).

    Returns
    -------
    Labels

    Raises
    ------
    OutputError
        Unknown language.
    """
    if lang not in LANGS:
        raise OutputError(
            f"output language {lang!r} is not supported: use one of {', '.join(LANGS)}"
        )
    return Labels(lang)
