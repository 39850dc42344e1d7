"""Driver model timing on the sample: one JSON line per measurement.

Every driver solve (single runs, sweeps, compare, diagnosis) goes through
``DriverEngine``; this prints the median wall time of a full least-cost solve
(``solve_drivers``) and of one sweep what-if, and how many LPs each took.

    python benchmarks/drivers.py [--scenario scenarios/sample_10x.toml] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.drivers.backend import DriverEngine
from planner.pipeline import (
    capacity_of,
    load_history,
    run_drivers,
    scenario_baselines,
    scenario_calendar,
    sweep_scenario,
)
from planner.sample.generate import write_sample
from planner.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]


def counting() -> list[int]:
    """Count DriverEngine.solve calls."""
    calls = [0]
    original = DriverEngine.solve

    def solve(self: DriverEngine, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    DriverEngine.solve = solve  # type: ignore[method-assign]
    return calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "sample_10x.toml")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    scenario = load_scenario(args.scenario)
    if scenario.data_dir is not None and not scenario.data_dir.is_dir():
        folder = Path(tempfile.mkdtemp()) / "sample"
        write_sample(folder, seed=7)
        scenario = scenario.__class__(**{**scenario.__dict__, "data_dir": folder})
    baselines = scenario_baselines(scenario, load_history(scenario))
    calendar = scenario_calendar(scenario)
    capacity_of(scenario, baselines, calendar)
    calls = counting()

    times, lps = [], []
    for _ in range(args.repeat):
        calls[0] = 0
        start = time.perf_counter()
        run_drivers(scenario, baselines, calendar)
        times.append(time.perf_counter() - start)
        lps.append(calls[0])
    print(json.dumps({"measure": "solve_drivers", "scenario": scenario.name,
                      "median_ms": round(1000 * statistics.median(times), 1),
                      "lps": int(statistics.median(lps))}))

    multiples = np.round(np.arange(1.0, 12.01, 0.5), 10)
    calls[0] = 0
    start = time.perf_counter()
    result = sweep_scenario(scenario, multiples, None)
    took = time.perf_counter() - start
    print(json.dumps({"measure": "sweep", "scenario": scenario.name,
                      "what_ifs": result.what_ifs,
                      "ms_per_what_if": round(1000 * took / result.what_ifs, 1),
                      "lps": calls[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
