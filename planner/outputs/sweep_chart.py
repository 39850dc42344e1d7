"""Chart of a driver sweep: the uplift each lever needs per target multiple."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.drivers.sweep import SweepResult
from planner.outputs.charts import chart_style
from planner.outputs.safety import chart_text

SWEEP_PNG = "sweep.png"


def sweep_chart(result: SweepResult, path: Path) -> Path:
    """Required uplift per lever against the target multiple, with the frontier.

    Parameters
    ----------
    result : SweepResult
    path : Path
        PNG file to write.

    Returns
    -------
    Path
    """
    table = result.table
    setting = next((c for c in table.columns if c.startswith("cap_")), None)
    groups = [(None, table)] if setting is None else list(table.groupby(setting, sort=True))
    levers = [c for c in table.columns if c.startswith("uplift_")
              and table[c].fillna(0).abs().max() > 1e-9 and c != "uplift_seats"]
    with chart_style():
        fig = Figure(figsize=(10, 5.5))
        ax = fig.add_subplot()
        styles = ["-", "--", ":", "-."]
        for g, (value, frame) in enumerate(groups):
            for i, col in enumerate(levers):
                label = chart_text(col.removeprefix("uplift_"))
                if value is not None and setting is not None:
                    label += f" ({setting.removeprefix('cap_')} cap {value:+.0%})"
                ax.plot(frame["multiple"], frame[col] * 100, styles[g % 4], color=f"C{i}",
                        label=label)
        for _, row in result.frontier.iterrows():
            top = float(row["max_multiple"])
            if np.isfinite(top) and top > 0:
                ax.axvline(top, color="#C00000", linewidth=0.8, linestyle="--")
        ax.set_xlabel("target multiple of last year")
        ax.set_ylabel("required uplift (%)")
        ax.set_title("Required uplift per lever; red: largest reachable multiple")
        ax.legend(frameon=False, fontsize=7, ncol=2)
        fig.tight_layout()
        FigureCanvasAgg(fig)
        fig.savefig(path, dpi=110)
    return path
