"""The whole ``planner plan`` on a realistic large organisation, per stage (issue 18).

Usage: ``python benchmarks/plan_large.py [--teams 400] [--products 40] [--rows 10000000]
[--seed 11] [--repeat 1] [--cache DIR] [--keep-output]``.

For each team count it generates (once, cached under ``--cache``) a seeded history with
:mod:`large_history` and its scenario, then runs the plan **in a fresh process** (so each
size's peak memory is its own): load, baselines, drivers, allocation, the CSV files, the
summary and team workbooks, the charts, exactly as ``planner plan`` does, timing each
stage through the pipeline's progress messages. The outputs are one stage after their
preparation (``outputs_prepare``: the team grids, explanation and risk shared by every
workbook): worker processes write the summary, the charts and the team workbooks while
the plan's process writes the CSV files. Each run prints one JSON line::

    {"teams": 400, "products": 40, "rows": 10000000, "seconds": ..., "stages": {"load": ...,
     "baselines": ..., "drivers": ..., "allocation": ..., "assemble": ...,
     "outputs_prepare": ..., "outputs": ...}, "peak_mb": ..., "highs_iterations":
     ..., "highs_solves": ..., "lp_columns": ..., "lp_rows": ..., "output_mb": ..., "files": ...,
     "plan_csv_sha256": ..., "repeatable": ...}

``--teams 25,50,100,200,400`` runs every size (rows scale with teams: ``--rows`` is the
row count of the largest) and ends with a ``scaling`` line: each size's seconds and the
ratio of each doubling. With ``--repeat R`` every size runs R times and the median
seconds (per stage too) are reported; ``repeatable`` says whether every run wrote the
same ``plan.csv`` (its SHA-256 is ``plan_csv_sha256``: identical input, identical plan).
The targets of issue 18 (<= 30 s, <= 1.5 GB, <= 2.2x per doubling) are printed with
``met`` flags.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for peak_rss and large_history

from large_history import cached_scenario  # noqa: E402

#: Progress messages (their start) that begin each stage, in pipeline order.
STAGE_STARTS = (
    ("loading history", "load"),
    ("computing baselines", "baselines"),
    ("solving the driver model", "drivers"),
    ("preparing the allocation", "allocation"),
    ("splitting team targets", "assemble"),
    ("preparing the team workbooks", "outputs_prepare"),
    ("writing summary.xlsx", "outputs"),
)
TARGET_SECONDS, TARGET_MB, TARGET_RATIO = 30.0, 1536.0, 2.2


def _stage_of(message: str) -> str | None:
    for start, stage in STAGE_STARTS:
        if message.startswith(start):
            return stage
    return None


class _Stages:
    """Seconds per stage from the pipeline's progress messages."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.current: str | None = None
        self.since = time.perf_counter()

    def __call__(self, message: str) -> None:
        stage = _stage_of(message)
        if stage is None:
            return
        self.close()
        self.current = stage

    def close(self) -> None:
        now = time.perf_counter()
        if self.current is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.since
        self.since = now


def _count_iterations() -> dict[str, int]:
    """Record the simplex iterations of every HiGHS run (driver and allocation models)."""
    import planner.lp.highs as highs

    counts = {"iterations": 0, "solves": 0, "columns": 0, "rows": 0}
    original = highs.highs_for_matrix  # every solve passes its model through it

    def recording(a: Any, arrays: Any, **kwargs: Any) -> Any:
        h = original(a, arrays, **kwargs)
        run = h.run

        def run_and_count() -> Any:
            status = run()
            info = h.getInfo()
            counts["solves"] += 1
            counts["iterations"] += int(info.simplex_iteration_count) + int(
                info.ipm_iteration_count)
            if a.shape[1] > counts["columns"]:
                counts["rows"], counts["columns"] = int(a.shape[0]), int(a.shape[1])
            return status

        h.run = run_and_count  # type: ignore[method-assign]
        return h

    highs.highs_for_matrix = recording
    return counts


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _own_peak_bytes() -> int:
    """This process's high-water resident memory, as the kernel counted it (Linux: KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_one(scenario_path: Path, out_dir: Path) -> dict[str, Any]:
    """Run the plan of ``scenario_path`` in this process and write its outputs to ``out_dir``.

    Parameters
    ----------
    scenario_path : Path
        A scenario written by :func:`large_history.write_scenario`.
    out_dir : Path
        An empty directory for the outputs.

    Returns
    -------
    dict
        ``seconds``, ``cpu_seconds`` (this process and its workers: steadier than the
        wall clock on a busy machine), ``stages``, ``highs_iterations``,
        ``lp_columns``, ``lp_rows`` (the largest model handed to HiGHS: the allocation is
        solved on its likely moving cells, :mod:`planner.lp.restricted`), ``output_mb``,
        ``files``.
    """
    from planner.outputs.write import write_outputs
    from planner.pipeline import run_plan
    from planner.scenario.parse import load_scenario

    counts = _count_iterations()
    scenario = load_scenario(scenario_path)
    cpu = _cpu_seconds()
    stages = _Stages()
    start = time.perf_counter()  # memory is sampled from outside (see _measure)
    result = run_plan(scenario, stages)
    files = write_outputs(result, out_dir, progress=stages)
    stages.close()
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    size = sum(p.stat().st_size for p in files)
    plan_csv = hashlib.sha256((Path(out_dir) / "plan.csv").read_bytes()).hexdigest()
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
            "own_peak_mb": round(_own_peak_bytes() / 2**20),
            "stages": {k: round(v, 2) for k, v in stages.seconds.items()},
            "highs_iterations": counts["iterations"],
            "highs_solves": counts["solves"],
            "lp_columns": counts["columns"], "lp_rows": counts["rows"],
            "output_mb": round(size / 2**20, 1), "files": len(files),
            "plan_csv_sha256": plan_csv}


def _measure(scenario: Path, keep: Path | None) -> dict[str, Any]:
    """One plan run in a fresh process, its memory sampled from this one.

    ``peak_mb`` is the largest memory the run held at once: the plan's process and its
    workbook workers, each counted by its proportional set size, so pages a worker
    shares with the parent count once. It is sampled from outside: a sampling thread in
    the plan's process would make it write the workbooks in one process. The samples
    are paced so that reading the memory maps takes at most a tenth of a core
    (:class:`peak_rss.PeakRss`), and the plan's process reports its own high-water mark
    (``ru_maxrss``), the floor of ``peak_mb``.
    """
    from peak_rss import PeakRss

    with tempfile.TemporaryDirectory(prefix="plan_large_") as tmp:
        out = keep if keep is not None else Path(tmp) / "out"
        out.mkdir(parents=True, exist_ok=True)
        child = subprocess.Popen([sys.executable, __file__, "--run-one", str(scenario),
                                  str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        with PeakRss(interval=0.02, children=True, pid=child.pid) as rss:
            stdout, stderr = child.communicate()
        if child.returncode != 0:
            tail = stderr.strip().splitlines()[-1:] or ["(no message)"]
            raise SystemExit(f"plan of {scenario} failed: {tail[0]}")
        line: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
        line["peak_mb"] = max(round(rss.peak / 2**20), line.pop("own_peak_mb"))
        return line


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(runs[-1])
    out["seconds"] = round(statistics.median(r["seconds"] for r in runs), 2)
    out["seconds_all"] = [r["seconds"] for r in runs]
    out["repeatable"] = len({r["plan_csv_sha256"] for r in runs}) == 1
    out["peak_mb"] = round(statistics.median(r["peak_mb"] for r in runs))
    out["cpu_seconds"] = round(statistics.median(r["cpu_seconds"] for r in runs), 2)
    out["stages"] = {k: round(statistics.median(r["stages"].get(k, 0.0) for r in runs), 2)
                     for k in runs[-1]["stages"]}
    return out


def main(argv: list[str] | None = None) -> int:
    """Generate, run and print one JSON line per size (and the scaling)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", default="400",
                        help="team count, or a comma list (e.g. 25,50,100,200,400)")
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--rows", type=int, default=10_000_000,
                        help="sales rows of the largest size (others scale with teams)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "plan_large",
                        help="folder of the generated histories (reused across runs)")
    parser.add_argument("--keep-output", type=Path, default=None,
                        help="write the (last) run's outputs here instead of a temp folder")
    parser.add_argument("--run-one", nargs=2, type=Path, metavar=("SCENARIO", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(*args.run_one)), flush=True)
        return 0
    sizes = [int(t) for t in str(args.teams).split(",")]
    largest = max(sizes)
    results = []
    for teams in sizes:
        rows = int(round(args.rows * teams / largest))
        scenario = cached_scenario(args.cache, teams, args.products, rows, args.seed)
        runs = [_measure(scenario, args.keep_output) for _ in range(args.repeat)]
        line = {"teams": teams, "products": args.products, "rows": rows, **_median(runs)}
        line["met"] = {"seconds": line["seconds"] <= TARGET_SECONDS,
                       "peak_mb": line["peak_mb"] <= TARGET_MB}
        print(json.dumps(line), flush=True)
        results.append(line)
    if len(results) > 1:
        pairs = list(zip(results, results[1:], strict=False))

        def ratio(key: str, stage: str | None = None) -> list[float]:
            def value(r: dict[str, Any]) -> float:
                return float(r["stages"].get(stage, 0.0) if stage else r[key])
            return [round(value(b) / max(value(a), 1e-9), 2) for a, b in pairs]

        ratios = ratio("seconds")
        print(json.dumps({"scaling": {str(r["teams"]): r["seconds"] for r in results},
                          "ratio_per_doubling": ratios, "cpu_ratio": ratio("cpu_seconds"),
                          "allocation_ratio": ratio("", "allocation"),
                          "met": {"ratio": all(r <= TARGET_RATIO for r in ratios)}}),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
