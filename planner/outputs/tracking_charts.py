"""Tracking charts: cumulative actual vs plan, and the variance waterfall of a month."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from planner import names as n
from planner.outputs.charts import (
    DOWN_COLOR,
    LAST_YEAR_COLOR,
    PLAN_COLOR,
    TOTAL_COLOR,
    UP_COLOR,
    _axis_formatter,
    _save,
    _scale,
    chart_style,
)
from planner.outputs.labels import Labels, get_labels
from planner.tracking.columns import ACTUAL, CUMULATIVE_PNG, TARGET, WATERFALL_PNG

if TYPE_CHECKING:
    from planner.tracking.track import TrackResult


def cumulative_chart(result: TrackResult, path: Path, lb: Labels) -> Path:
    """Cumulative target and actual by month, with the landing at the run rate."""
    frame = result.cumulative
    x = np.arange(len(frame))
    values = frame[["cumulative_target", "cumulative_actual", "landing"]].to_numpy(float)
    divisor, unit = _scale(values, lb)
    with chart_style():
        fig = Figure(figsize=(10, 4.8), layout="constrained")
        ax = fig.add_subplot()
        ax.plot(x, frame["cumulative_target"], color=LAST_YEAR_COLOR, marker="o",
                label=lb["track_chart_plan"])
        ax.plot(x, frame["cumulative_actual"], color=PLAN_COLOR, marker="o",
                label=lb["track_chart_actual"])
        ax.plot(x, frame["landing"], color=PLAN_COLOR, linestyle="--",
                label=lb["track_chart_landing"])
        ax.set_xticks(x, [lb.month(int(str(m)[5:7])) for m in frame[n.MONTH]])
        ax.yaxis.set_major_formatter(_axis_formatter(divisor))
        ax.set_ylabel(unit)
        ax.set_title(lb["track_chart_cumulative"].format(year=result.year,
                                                         as_of=f"{result.as_of:%Y-%m-%d}"))
        ax.legend(loc="upper left")
        return _save(fig, path)


def waterfall_chart(result: TrackResult, path: Path, lb: Labels) -> Path:
    """Target -> each effect -> actual for the latest month with actuals."""
    bridge = result.bridge()
    row = bridge.iloc[-1]
    labels = [lb["col_target"], *(str(lb.code("col", e)) for e in result.effects),
              lb["col_actual"]]
    steps = [float(row[e]) for e in result.effects]
    divisor, unit = _scale(np.array([row[TARGET], row[ACTUAL], *steps], float), lb)
    with chart_style():
        fig = Figure(figsize=(9, 4.8), layout="constrained")
        ax = fig.add_subplot()
        ax.bar(0, row[TARGET], color=TOTAL_COLOR)
        level = float(row[TARGET])
        for i, step in enumerate(steps, start=1):
            ax.bar(i, step, bottom=level, color=UP_COLOR if step >= 0 else DOWN_COLOR)
            level += step
        ax.bar(len(labels) - 1, row[ACTUAL], color=TOTAL_COLOR)
        ax.set_xticks(range(len(labels)), labels)
        ax.yaxis.set_major_formatter(_axis_formatter(divisor))
        ax.set_ylabel(unit)
        ax.set_title(lb["track_chart_waterfall"].format(month=row[n.MONTH]))
        return _save(fig, path)


def write_tracking_charts(result: TrackResult, directory: Path, lang: str = "en") -> list[Path]:
    """Write both charts into ``directory`` (created when missing), labelled in ``lang``."""
    lb = get_labels(lang)
    directory.mkdir(parents=True, exist_ok=True)
    return [cumulative_chart(result, directory / CUMULATIVE_PNG, lb),
            waterfall_chart(result, directory / WATERFALL_PNG, lb)]
