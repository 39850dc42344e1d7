"""Fuzz the ``planner`` CLI with N generated bad or hostile inputs (issue 10, "Done when").

Usage: ``python benchmarks/fuzz.py [--cases 1000] [--seed 0] [--timeout 120] [--jobs 1]
[--report fuzz_report.txt] [--only MUTATION]``

The cases come from ``tests/fuzz_cases.py`` (the generator the test suite uses, here with
every command as often as its weight says). Each case is written into its own folder under
a temp root and run in a worker subprocess that imports planner once and runs the CLI
in-process; a case that takes longer than ``--timeout`` seconds is a hang: its worker is
killed and a new one started. Before and after each run every path under the case's folder
(and its parent) is hashed; every ``.xlsx`` the run wrote is opened with openpyxl.

Progress and one line per finding go to stderr; a reproduction of every finding (the
mutation, the seed, the command line, every input that differs from the base, the
output) goes to ``--report``. The last line on stdout is one JSON object:

``cases``
    cases run.
``crashes``
    cases with exit status 1 (or anything but 0, 2, 3) or a traceback.
``hangs``
    cases over the time limit.
``data_loss``
    cases where an input changed or disappeared.
``formula_cells``
    workbook cells holding a formula that contains one of the injected markers (the
    planner's own formulas, ``=SUM(...)``, are not counted).
``unnamed_refusals``
    exit 2 or 3 messages that do not name the file or flag (or, where one applies, the
    key or row); ``unnamed_by_exit`` splits them by exit status.
``seconds``
    wall time of the whole run.

and, for a fuller picture: ``stray_writes`` (cases that wrote outside ``--out``, or
anything on exit 2), ``accepted_bad`` (plainly invalid input that exited 0),
``exit_codes`` and ``by_mutation`` (findings per mutation).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))

import fuzz_cases as fc  # noqa: E402


def _serve(tasks: Any, results: Any) -> None:
    """Worker loop: run each setup it is sent, in-process, and send the result back."""
    sys.path.insert(0, str(TESTS))
    import fuzz_cases

    while True:
        setup = tasks.get()
        if setup is None:
            return
        results.put(fuzz_cases.run_case(setup, timeout=None))


class Worker:
    """A subprocess that runs cases; killed and replaced when a case hangs."""

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.tasks = self._ctx.Queue()
        self.results = self._ctx.Queue()
        self.proc = self._ctx.Process(target=_serve, args=(self.tasks, self.results),
                                      daemon=True)
        self.proc.start()

    def run(self, setup: fc.Setup, limit: float) -> fc.Result:
        """Run one case; a Result with status None when it took over ``limit`` seconds."""
        start = time.perf_counter()
        self.tasks.put(setup)
        while True:
            try:
                result: fc.Result = self.results.get(timeout=0.5)
                return result
            except queue.Empty:
                pass
            took = time.perf_counter() - start
            if not self.proc.is_alive():
                code = self.proc.exitcode
                self._start()
                return fc.Result(-1 if code is None else code, "",
                                 f"worker process died (exit code {code})", took)
            if took > limit:
                self.proc.kill()
                self.proc.join()
                self._start()
                return fc.Result(None, "", "", took)

    def close(self) -> None:
        """Stop the worker."""
        self.tasks.put(None)
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the cases and print the JSON line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds after which a case counts as a hang (default 120)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--report", type=Path, help="write a reproduction of every finding here")
    p.add_argument("--only", help="run only the cases of this mutation")
    p.add_argument("--keep", action="store_true", help="keep the case folders")
    args = p.parse_args(argv)

    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="planner-fuzz-"))
    base = fc.write_base(root / "base")
    cases = [c for c in fc.generate(args.cases, args.seed)
             if args.only is None or c.mutation == args.only]
    workers: list[Worker] = []
    free: queue.Queue[Worker] = queue.Queue()
    for _ in range(max(1, args.jobs)):
        worker = Worker()
        workers.append(worker)
        free.put(worker)
    report = args.report.open("w", encoding="utf-8") if args.report else None
    tally: Counter[str] = Counter()
    cells = 0
    exits: Counter[str] = Counter()
    unnamed_by_exit: Counter[str] = Counter()
    by_mutation: dict[str, Counter[str]] = {}
    done = crashes = 0

    def one(case: fc.Case) -> tuple[fc.Case, fc.Setup, fc.Result, list[fc.Finding]]:
        outer = root / case.id
        setup = fc.materialise(case, base, outer / "case")
        before = fc.snapshot(outer)
        worker = free.get()
        try:
            result = worker.run(setup, args.timeout)
        finally:
            free.put(worker)
        findings = fc.judge(setup, result, before, fc.snapshot(outer), outer=outer)
        return case, setup, result, findings

    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for case, setup, result, findings in pool.map(one, cases):
                done += 1
                exits[str(result.status)] += 1
                kinds = {f.kind for f in findings}
                crashes += bool(kinds & {"crash", "traceback"})
                for kind in kinds:
                    tally[kind] += 1
                    by_mutation.setdefault(case.mutation, Counter())[kind] += 1
                cells += sum(f.count for f in findings if f.kind == "formula")
                if kinds & {"unnamed_refusal", "unnamed_unreachable"}:
                    unnamed_by_exit[str(result.status)] += 1
                for f in findings:
                    print(f"fuzz: {case.id} {setup.label}: {f.kind}: {f.detail[:300]}",
                          file=sys.stderr, flush=True)
                if findings and report:
                    report.write(fc.reproduction(setup, base, result, findings))
                    report.write("\n\n" + "=" * 100 + "\n\n")
                    report.flush()
                if done % 50 == 0:
                    print(f"fuzz: {done}/{len(cases)} cases, {time.perf_counter() - start:.0f} s",
                          file=sys.stderr, flush=True)
                if not args.keep and result.status is not None:
                    _remove(root / case.id)
    finally:
        for worker in workers:
            worker.close()
        if report:
            report.close()
        if not args.keep:
            _remove(root)
    print(json.dumps({
        "cases": done,
        "crashes": crashes,
        "hangs": tally["hang"],
        "data_loss": tally["data_loss"],
        "formula_cells": cells,
        "unnamed_refusals": tally["unnamed_refusal"] + tally["unnamed_unreachable"],
        "seconds": round(time.perf_counter() - start, 1),
        "unnamed_by_exit": dict(unnamed_by_exit),
        "stray_writes": tally["stray_write"],
        "accepted_bad": tally["accepted_bad"],
        "exit_codes": dict(exits),
        "by_mutation": {m: dict(c) for m, c in sorted(by_mutation.items())},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
