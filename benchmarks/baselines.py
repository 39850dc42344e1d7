"""Benchmark ``compute_baselines`` on a realistic large organisation (issue 18).

Usage: ``python benchmarks/baselines.py [--teams 400] [--products 40] [--rows 10000000]
[--seed 11] [--repeat 1] [--cache DIR] [--engine duckdb|spark] [--code DIR]
[--against DIR]``.

The history is :mod:`large_history`'s (the one ``plan_large.py`` plans: ~8 seats a team
with grades, hires and leavers, fixed-ticket and seasonal products, 0.44 customers a
row, 22 months), generated once and cached under ``--cache`` (shared with
``plan_large.py``). Each measurement runs **in a fresh process**: it loads the history as
``planner plan`` does, then times the baselines step alone (wall and CPU seconds of the
process, all threads) and samples its RSS in a thread. One JSON line per size::

    {"teams": 400, "products": 40, "rows": 10000000, "engine": "duckdb",
     "seconds": ..., "cpu_seconds": ..., "peak_mb": ..., "base_mb": ..., "products_out":
     40, "seats": ...}

``peak_mb`` is the process's peak RSS during the baselines, ``base_mb`` its RSS before
them (the loaded history). ``--teams 100,400`` runs each size (rows scale with teams:
``--rows`` is the largest's). With ``--repeat R`` the medians of R runs are printed.

``--against DIR`` also runs the same measurement with the ``planner`` package of another
source tree (e.g. an unpacked older commit), alternating the two runs, and adds
``against`` (its figures) and ``ratio`` (this tree over that one: seconds, cpu_seconds,
peak_mb, and ``delta_mb``, the growth of RSS during the step) to each line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # for peak_rss and large_history

from large_history import cached_scenario as history  # noqa: E402

#: The figures of one run that are medians over repeats (and compared with --against).
FIGURES = ("seconds", "cpu_seconds", "peak_mb", "base_mb")


def run_one(scenario_path: Path, engine: str) -> dict[str, Any]:
    """Load the scenario's history, then time its baselines (in this process).

    Returns
    -------
    dict
        ``seconds``, ``cpu_seconds``, ``peak_mb``, ``base_mb``, ``products_out``,
        ``seats`` and ``planner`` (the package's folder, to show which tree ran).
    """
    from peak_rss import PeakRss

    import planner
    from planner.engine.settings import with_engine
    from planner.pipeline import load_history, scenario_baselines
    from planner.scenario.parse import load_scenario

    scenario = with_engine(load_scenario(scenario_path), engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = load_history(scenario)
        if scenario.engine.is_spark:  # start the session before the clock
            from planner.engine.spark import session

            session(scenario.engine)
        with PeakRss() as rss:
            base = rss.peak
            start, cpu = time.perf_counter(), time.process_time()
            baselines = scenario_baselines(scenario, dataset)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
            "peak_mb": round(rss.peak / 2**20, 1), "base_mb": round(base / 2**20, 1),
            "products_out": len(baselines.products), "seats": len(baselines.seats),
            "planner": str(Path(planner.__file__).parent)}


def measure(scenario: Path, engine: str, code: Path) -> dict[str, Any]:
    """One run in a fresh process importing ``planner`` from ``code``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(code)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    done = subprocess.run([sys.executable, __file__, "--run-one", str(scenario),
                           "--engine", engine], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise SystemExit(f"baselines of {scenario} with {code} failed: {tail[0]}")
    line: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return line


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The last run with the median of each of :data:`FIGURES`."""
    out = dict(runs[-1])
    for key in FIGURES:
        out[key] = round(statistics.median(r[key] for r in runs), 3)
    if len(runs) > 1:
        out["seconds_all"] = [r["seconds"] for r in runs]
        out["cpu_seconds_all"] = [r["cpu_seconds"] for r in runs]
    return out


def ratios(new: dict[str, Any], old: dict[str, Any]) -> dict[str, float]:
    """This tree's figures over the other's (below 1: this tree is faster or leaner)."""
    out = {key: round(new[key] / max(old[key], 1e-9), 3)
           for key in ("seconds", "cpu_seconds", "peak_mb")}
    grew_new, grew_old = new["peak_mb"] - new["base_mb"], old["peak_mb"] - old["base_mb"]
    out["delta_mb"] = round(grew_new / max(grew_old, 1e-9), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate (once), measure and print one JSON line per size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", default="400",
                        help="team count, or a comma list (e.g. 100,400)")
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="sales rows of the largest size (others scale with teams)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "plan_large",
                        help="folder of the generated histories (shared with plan_large.py)")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the source tree whose planner package to measure (default: this)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another source tree whose planner package to compare with")
    parser.add_argument("--run-one", type=Path, metavar="SCENARIO", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(args.run_one, args.engine)), flush=True)
        return 0
    sizes = [int(t) for t in str(args.teams).split(",")]
    largest = max(sizes)
    for teams in sizes:
        rows = int(round(args.rows * teams / largest))
        scenario = history(args.cache, teams, args.products, rows, args.seed)
        runs: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for _ in range(args.repeat):
            runs.append(measure(scenario, args.engine, args.code))
            if args.against is not None:
                others.append(measure(scenario, args.engine, args.against))
        line = {"teams": teams, "products": args.products, "rows": rows,
                "engine": args.engine, **median(runs)}
        if others:
            line["against"] = median(others)
            line["ratio"] = ratios(line, line["against"])
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
