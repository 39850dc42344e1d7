"""Handlers of the CLI subcommands: parse nothing, print little, call the library."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from planner import names as n
from planner.atomic import atomic_directory, atomic_write
from planner.errors import (
    InputError,
    Problem,
    ScenarioError,
    TargetUnreachableError,
)
from planner.output_guard import Source, check_output_dir, data_sources, scenario_sources
from planner.scenario.values import Scenario

if TYPE_CHECKING:
    from planner.cli.main import Env


@contextlib.contextmanager
def _timed(env: Env, message: str) -> Iterator[None]:
    """Print ``message`` on stderr, then its duration when the step took over a second."""
    env.progress(message)
    start = time.perf_counter()
    yield
    took = time.perf_counter() - start
    if took > 1.0:
        env.progress(f"{message}: done in {took:.1f} s")


def cmd_sample_data(args: argparse.Namespace, env: Env) -> int:
    """``planner sample-data OUT_DIR [--seed N] [--format csv|parquet] [--force]``."""
    from planner.sample.generate import SAMPLE_OPTION, save_sample

    check_output_dir(args.out_dir, force=args.force, option=SAMPLE_OPTION)
    with _timed(env, f"writing sample data to {args.out_dir}"):
        paths = save_sample(args.out_dir, seed=args.seed, fmt=args.fmt, force=args.force)
    for path in paths:
        print(path, file=env.stdout)
    return 0


def _check_out(args: argparse.Namespace, sources: tuple[Source, ...]) -> None:
    """Fail before any work when ``--out`` may not be written (checked again on writing)."""
    check_output_dir(args.out, sources=sources, force=args.force)


def _load_scenario(path: Path) -> Scenario:
    from planner.scenario import load_scenario

    return load_scenario(path)


def cmd_baselines(args: argparse.Namespace, env: Env) -> int:
    """``planner baselines [SCENARIO] --data DIR [--mapping M] --out OUT_DIR``."""
    from planner.api.results import BaselineTables
    from planner.baselines.compute import compute_baselines
    from planner.history.load import load_dataset
    from planner.pipeline import load_history, scenario_baselines

    if args.scenario is not None:
        scenario = _load_scenario(args.scenario)
        sources = scenario_sources(scenario)
        _check_out(args, sources)
        with _timed(env, "loading history"):
            dataset = load_history(scenario)
        with _timed(env, "computing baselines"):
            baselines = scenario_baselines(scenario, dataset)
    else:
        if args.data is None:
            raise ScenarioError("baselines: give a scenario file or --data DIR")
        window_end = _date_arg(args.window_end)
        sources = data_sources(args.data, args.mapping)
        _check_out(args, sources)
        with _timed(env, f"loading history from {args.data}"):
            dataset = load_dataset(args.data, args.mapping, window_end=window_end)
        with _timed(env, "computing baselines"):
            baselines = compute_baselines(dataset, window_end=window_end)
    BaselineTables.of(baselines, sources).write(args.out, force=args.force,
                                                csv_safe=args.csv_safe)
    out = env.stdout
    print(f"baselines {baselines.window_start:%Y-%m-%d}..{baselines.window_end:%Y-%m-%d}: "
          f"revenue {baselines.total_amount:,.0f}, {len(baselines.products)} products, "
          f"{len(baselines.teams)} teams -> {args.out}", file=out)
    print(baselines.report.to_string(index=False), file=out)
    return 0


def _date_arg(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        when = date.fromisoformat(value)
    except ValueError:
        raise InputError([Problem("--window-end", None, None, value,
                                  "is not a date; write it as YYYY-MM-DD")]) from None
    if not date(1990, 1, 31) <= when <= date(2100, 12, 31):
        raise InputError([Problem("--window-end", None, None, value,
                                  "is outside 1990-01-31..2100-12-31; give the last day of "
                                  "the history's trailing window")])
    return when


def _write_diagnosis(args: argparse.Namespace, sources: tuple[Source, ...],
                     error: TargetUnreachableError) -> None:
    with atomic_directory(args.out, force=args.force, sources=sources,
                          command=args.command) as tmp:
        atomic_write(tmp / n.DIAGNOSIS_MD, lambda p: p.write_text(error.diagnosis, "utf-8"))


def cmd_drivers(args: argparse.Namespace, env: Env) -> int:
    """``planner drivers SCENARIO --out DIR``: drivers.csv and product_targets.csv."""
    from planner.outputs.write import write_driver_tables
    from planner.pipeline import (
        load_history,
        run_drivers,
        scenario_baselines,
        scenario_calendar,
    )

    scenario = _load_scenario(args.scenario)
    sources = scenario_sources(scenario)
    _check_out(args, sources)
    with _timed(env, "loading history"):
        dataset = load_history(scenario)
    with _timed(env, "computing baselines"):
        baselines = scenario_baselines(scenario, dataset)
    calendar = scenario_calendar(scenario)
    try:
        with _timed(env, "solving the driver model"):
            result = run_drivers(scenario, baselines, calendar)
    except TargetUnreachableError as exc:
        _write_diagnosis(args, sources, exc)
        print(exc.diagnosis, file=env.stdout)
        raise
    with atomic_directory(args.out, force=args.force, sources=sources,
                          command="drivers") as tmp:
        write_driver_tables(result.drivers, result.product_targets, tmp,
                            csv_safe=args.csv_safe)
    table = result.drivers[["lever", "scope", "baseline", "uplift", "planned", "cap", "binding"]]
    out = env.stdout
    print(f"target {result.target:,.0f} = {result.target / result.history_total:.2f}x last year; "
          f"levers multiply out to {result.achieved:,.0f} "
          f"({result.achieved / result.target - 1:+.4%})", file=out)
    print(table.to_string(index=False, formatters={"uplift": "{:+.1%}".format,
                                                   "cap": "{:+.1%}".format}), file=out)
    return 0


def cmd_plan(args: argparse.Namespace, env: Env) -> int:
    """``planner plan SCENARIO --out DIR``: the whole plan, all or nothing."""
    from planner.api.results import Plan
    from planner.pipeline import run_plan

    scenario = _load_scenario(args.scenario)
    sources = scenario_sources(scenario)
    _check_out(args, sources)
    start = time.perf_counter()
    try:
        result = run_plan(scenario, progress=env.progress)
    except TargetUnreachableError as exc:
        _write_diagnosis(args, sources, exc)
        print(exc.diagnosis, file=env.stdout)
        raise
    with _timed(env, "writing outputs"):
        Plan.of(result, sources).write(args.out, force=args.force, lang=args.lang,
                                       progress=env.progress, csv_safe=args.csv_safe)
    out = env.stdout
    print(f"plan '{result.name}': target {result.target:,.0f} "
          f"({result.target / result.history_total:.2f}x last year), team targets "
          f"{result.plan[n.AMOUNT].sum():,.0f} with the {result.buffer:.0%} buffer, "
          f"{len(result.teams)} teams -> {args.out} ({time.perf_counter() - start:.1f} s)",
          file=out)
    return 0


def cmd_sweep(args: argparse.Namespace, env: Env) -> int:
    """``planner sweep SCENARIO --multiples A:B:STEP [--vary LEVER=A:B:STEP] --out DIR``."""
    from planner.api.results import Sweep
    from planner.drivers.sweep import parse_range
    from planner.pipeline import sweep_scenario

    scenario = _load_scenario(args.scenario)
    sources = scenario_sources(scenario)
    _check_out(args, sources)
    multiples = parse_range(args.multiples, "--multiples")
    vary = None
    if args.vary:
        lever, _, spec = args.vary.partition("=")
        vary = (lever.removeprefix("levers.").removesuffix(".cap"), parse_range(spec, "--vary"))
    with _timed(env, "solving the driver model over the sweep"):
        result = sweep_scenario(scenario, multiples, vary)
    Sweep(result.table, result.frontier, result.seconds, name=scenario.name,
          sources=sources).write(args.out, force=args.force, csv_safe=args.csv_safe)
    out = env.stdout
    shown = result.table.copy()
    for col in [c for c in shown.columns if c.startswith("uplift_")]:
        shown[col] = shown[col].map(lambda v: "" if v != v else f"{v:+.1%}")
    print(shown.to_string(index=False), file=out)
    print(f"largest reachable multiple: {result.frontier.to_string(index=False)}", file=out)
    print(f"{result.what_ifs} what-ifs in {result.seconds:.2f} s "
          f"({result.seconds / max(result.what_ifs, 1) * 1000:.1f} ms each) -> {args.out}",
          file=out)
    return 0
