"""PNG charts (matplotlib, Agg canvas, no pyplot): phasing, driver waterfall, capacity.

Figures are drawn on their own ``FigureCanvasAgg`` inside an ``rc_context``, so
nothing global (backend, rcParams) changes for the caller. Chinese text renders
through the bundled CJK font (:mod:`planner.outputs.fonts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planner import names as n
from planner.outputs import frames as fr
from planner.outputs.display import Display
from planner.outputs.fonts import font_families
from planner.outputs.hiring_sheet import draw_capacity_steps
from planner.outputs.labels import Labels
from planner.outputs.safety import chart_text
from planner.plan_result import PlanResult

PHASING_PNG: Final = "phasing.png"
WATERFALL_PNG: Final = "waterfall.png"
CAPACITY_PNG: Final = "capacity.png"
MAX_TEAMS_SHOWN: Final = 40
DPI: Final = 110
PLAN_COLOR, LAST_YEAR_COLOR = "#2F5597", "#A6A6A6"
UP_COLOR, DOWN_COLOR, TOTAL_COLOR = "#548235", "#C00000", "#2F5597"
_SCALES: Final = {"en": ((1e9, "bn"), (1e6, "m"), (1e3, "k")), "zh": ((1e8, "亿"), (1e4, "万"))}


@contextmanager
def chart_style() -> Iterator[None]:
    """Matplotlib settings of every chart: fonts with Chinese glyphs, no top/right spines."""
    with mpl.rc_context({"font.family": list(font_families()), "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False}):
        yield


def _scale(values: np.ndarray, labels: Labels) -> tuple[float, str]:
    """Return a divisor and unit label that keep axis numbers short."""
    largest = float(np.abs(np.nan_to_num(values)).max()) if values.size else 0.0
    for divisor, suffix in _SCALES[labels.lang]:
        if largest >= divisor:
            return divisor, f"{labels['amount']} ({suffix})"
    return 1.0, labels["amount"]


def _axis_formatter(divisor: float) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: f"{value / divisor:,.{0 if divisor == 1 else 1}f}")


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)
    return path


def phasing_chart(result: PlanResult, labels: Labels, path: Path) -> Path:
    """Company plan by month next to last year's months."""
    months = fr.months_of(result.year)
    by_month = result.plan.groupby(n.MONTH)[n.AMOUNT].sum()
    plan = np.array([float(by_month.get(m, 0.0)) for m in months])
    last_year = np.array(fr.history_by_month(result))
    with chart_style():
        fig = Figure(figsize=(10, 4.8), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(12)
        ax.bar(x - 0.2, last_year, 0.4, label=labels["last_year"], color=LAST_YEAR_COLOR)
        ax.bar(x + 0.2, plan, 0.4, label=labels["plan"], color=PLAN_COLOR)
        ax.set_xticks(x, [labels.month(m) for m in range(1, 13)])
        divisor, unit = _scale(np.concatenate([plan, last_year]), labels)
        ax.yaxis.set_major_formatter(_axis_formatter(divisor))
        ax.set_ylabel(unit)
        ax.set_title(f"{labels['chart_phasing']}: {chart_text(result.name)} {result.year}")
        ax.legend(frameon=False)
        return _save(fig, path)


def waterfall_steps(result: PlanResult) -> list[tuple[str, float, str]]:
    """Return the steps ``(label, value, kind)`` from last year to the target (and team targets).

    ``kind`` is ``"total"`` for bars from zero, ``"lever"`` for a lever's
    contribution (label = the lever's name) and ``"step"`` for the other changes
    (``"other"``, ``"buffer"``).
    Lever contributions come from the driver model (``drivers.contribution``: each
    product x segment cell's gain split over its levers by log share, so they add up
    exactly); capacity levers add no revenue. What remains (last year's one-off
    spikes normalised away) is one ``"other"`` step.
    """
    baseline, target = float(result.history_total), float(result.target)
    drivers = result.drivers
    steps: list[tuple[str, float, str]] = [("baseline", baseline, "total")]
    total = 0.0
    if len(drivers) and "contribution" in drivers.columns:
        for lever, value in zip(drivers["lever"], drivers["contribution"], strict=True):
            v = float(value)
            if math.isfinite(v) and abs(v) > 1e-9 * max(abs(target), 1.0):
                steps.append((str(lever), v, "lever"))
                total += v
    rest = target - baseline - total
    if abs(rest) > 1e-9 * max(abs(target), 1.0):
        steps.append(("other", rest, "step"))
    steps.append(("target", target, "total"))
    if result.buffer:
        steps.append(("buffer", target * float(result.buffer), "step"))
        steps.append(("team_targets", target * (1 + float(result.buffer)), "total"))
    return steps


def waterfall_chart(result: PlanResult, labels: Labels, path: Path) -> Path:
    """Last year -> each lever's contribution -> target -> buffer -> team targets."""
    steps = waterfall_steps(result)
    names = {"baseline": labels["last_year"], "target": labels["target"],
             "buffer": labels["buffer"], "team_targets": labels["team_targets_total"],
             "other": labels["change"]}
    hiring = result.hiring is not None  # capacity steps below: seats, productivity
    with chart_style():
        fig = Figure(figsize=(10, 9 if hiring else 5), layout="constrained")
        ax = fig.add_subplot(211) if hiring else fig.add_subplot()
        if hiring:
            draw_capacity_steps(fig.add_subplot(212), result, labels)
        bottoms, tops, level = [], [], 0.0
        for _key, value, kind in steps:
            bottom = 0.0 if kind == "total" else level
            level = value if kind == "total" else level + value
            bottoms.append(bottom)
            tops.append(max(bottom, bottom + value))
        divisor, unit = _scale(np.array(tops), labels)
        digits = 0 if divisor == 1 else 1
        for i, (_key, value, kind) in enumerate(steps):
            color = TOTAL_COLOR if kind == "total" else UP_COLOR if value >= 0 else DOWN_COLOR
            ax.bar(i, value, 0.6, bottom=bottoms[i], color=color)
            sign = "" if kind == "total" else "+"
            ax.annotate(f"{value / divisor:{sign},.{digits}f}", (i, tops[i]), ha="center",
                        va="bottom", fontsize=8)
        tick_names = [chart_text(key, 18) if kind == "lever" else names[key]
                      for key, _value, kind in steps]
        ax.set_xticks(range(len(steps)), tick_names, rotation=20, ha="right")
        ax.yaxis.set_major_formatter(_axis_formatter(divisor))
        ax.set_ylabel(unit)
        ax.set_title(labels["chart_waterfall"])
        return _save(fig, path)


def capacity_chart(result: PlanResult, labels: Labels, path: Path) -> Path:
    """Per team: capacity over the year next to the team's target."""
    target = result.plan.groupby(n.TEAM, sort=False)[n.AMOUNT].sum()
    cap = result.capacity
    capacity = (cap.groupby(n.TEAM, sort=False)["capacity"].sum() if len(cap)
                else target * np.nan)
    teams = [str(t) for t in result.teams]
    frame = target.to_frame("target").join(capacity.rename("capacity"), how="left")
    frame.index = frame.index.astype(str)
    frame = frame.reindex(teams)
    shown = frame.nlargest(MAX_TEAMS_SHOWN, "target") if len(frame) > MAX_TEAMS_SHOWN else frame
    with chart_style():
        height = max(3.0, 0.32 * len(shown) + 1.5)
        fig = Figure(figsize=(10, height), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        ax.barh(y - 0.2, shown["capacity"].fillna(0.0), 0.4, label=labels["capacity"],
                color=LAST_YEAR_COLOR)
        ax.barh(y + 0.2, shown["target"], 0.4, label=labels["target"], color=PLAN_COLOR)
        show = Display.of(result)
        ax.set_yticks(y, [chart_text(show.team(t), 30) for t in shown.index])
        ax.invert_yaxis()
        divisor, unit = _scale(shown.to_numpy(dtype=float), labels)
        ax.xaxis.set_major_formatter(_axis_formatter(divisor))
        ax.set_xlabel(unit)
        title = labels["chart_capacity"]
        if len(shown) < len(frame):
            title += " (" + labels["top_teams"].format(shown=len(shown), total=len(frame)) + ")"
        ax.set_title(title)
        ax.legend(frameon=False, loc="lower right")
        return _save(fig, path)


CHARTS: Final[tuple[tuple[str, Callable[[PlanResult, Labels, Path], Path]], ...]] = (
    (PHASING_PNG, phasing_chart),
    (WATERFALL_PNG, waterfall_chart),
    (CAPACITY_PNG, capacity_chart),
)


def chart_files(directory: Path) -> list[Path]:
    """Return the paths :func:`write_charts` writes into ``directory``."""
    return [directory / name for name, _ in CHARTS]


def write_charts(result: PlanResult, labels: Labels, directory: Path) -> list[Path]:
    """Write every chart into ``directory`` (created if needed); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    return [draw(result, labels, directory / name) for name, draw in CHARTS]
