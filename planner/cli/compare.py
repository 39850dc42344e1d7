"""Handler of ``planner compare``: run scenarios, write them side by side, print a summary."""

from __future__ import annotations

import argparse
import time

from planner import api
from planner.cli.env import Env


def _percent(value: float) -> str:
    return "" if value != value else f"{value:+.1%}"


def _amount(value: float) -> str:
    return "" if value != value else f"{value:,.0f}"


def cmd_compare(args: argparse.Namespace, env: Env) -> int:
    """``planner compare A.toml B.toml ... --out DIR [--force] [--csv-safe]``.

    Exit 0 when the comparison is written, even when some scenarios are out of reach
    (they are marked infeasible in the outputs, with the reason).
    """
    scenarios = [api.load(path, engine=args.engine) for path in args.scenarios]
    api.check_output(args.out, api.sources(*scenarios), force=args.force)
    start = time.perf_counter()
    comparison = api.compare(scenarios, progress=env.progress)
    env.progress("writing compare.xlsx and compare.png")
    comparison.write(args.out, force=args.force, csv_safe=args.csv_safe)
    out = env.stdout
    summary = comparison.summary[["scenario", "feasible", "target", "multiple", "max_multiple",
                                  "team_targets", "high_margin_share"]]
    print(summary.to_string(index=False, na_rep="", formatters={
        "target": _amount, "team_targets": _amount,
        "multiple": "{:.2f}x".format, "max_multiple": "{:.2f}x".format,
        "high_margin_share": lambda v: "" if v != v else f"{v:.1%}",
    }), file=out)
    levers = comparison.levers
    if len(levers):
        shown = {column: _percent for column in levers.columns[1:]}
        print(levers.to_string(index=False, na_rep="", formatters=shown), file=out)
    for run in comparison.runs:
        if not run.feasible:
            print(f"{run.label}: {run.reason}", file=out)
    feasible = sum(run.feasible for run in comparison.runs)
    print(f"{len(comparison.runs)} scenarios ({feasible} feasible) compared in "
          f"{time.perf_counter() - start:.1f} s -> {args.out}", file=out)
    return 0
