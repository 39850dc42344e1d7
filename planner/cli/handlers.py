"""Handlers of the CLI subcommands: parse nothing, print little, call :mod:`planner.api`."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

from planner import api
from planner import names as n
from planner.cli.env import Env
from planner.errors import ScenarioError, TargetUnreachableError


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
    folder = api.sample_data(args.out_dir, seed=args.seed, fmt=args.fmt, force=args.force,
                             progress=env.progress)
    for path in api.sample_files(folder):
        print(path, file=env.stdout)
    return 0


def cmd_baselines(args: argparse.Namespace, env: Env) -> int:
    """``planner baselines [SCENARIO] --data DIR [--mapping M] --out OUT_DIR``."""
    if args.scenario is not None:
        scenario = api.load(args.scenario, engine=args.engine)
        sources = api.sources(scenario)
        api.check_output(args.out, sources, force=args.force)
        with _timed(env, "computing baselines"):
            baselines = api.baselines(scenario)
    else:
        if args.data is None:
            raise ScenarioError("baselines: give a scenario file or --data DIR")
        sources = api.sources(data_dir=args.data, mapping=args.mapping)
        api.check_output(args.out, sources, force=args.force)
        with _timed(env, f"computing baselines from {args.data}"):
            baselines = api.baselines(data_dir=args.data, mapping=args.mapping,
                                      window_end=args.window_end, engine=args.engine)
    baselines.write(args.out, force=args.force, csv_safe=args.csv_safe)
    out = env.stdout
    print(f"baselines {baselines.window_start:%Y-%m-%d}..{baselines.window_end:%Y-%m-%d}: "
          f"revenue {baselines.total_amount:,.0f}, {len(baselines.products)} products, "
          f"{len(baselines.teams)} teams -> {args.out}", file=out)
    print(baselines.report.to_string(index=False), file=out)
    return 0


def _save_diagnosis(args: argparse.Namespace, sources: tuple[api.Source, ...],
                    error: TargetUnreachableError, env: Env) -> None:
    """Write ``diagnosis.md`` as the output folder and print it."""
    api.write_diagnosis(error.diagnosis, args.out, command=args.command, sources=sources,
                        force=args.force)
    print(error.diagnosis, file=env.stdout)


def cmd_drivers(args: argparse.Namespace, env: Env) -> int:
    """``planner drivers SCENARIO --out DIR``: drivers.csv and product_targets.csv."""
    scenario = api.load(args.scenario)
    sources = api.sources(scenario)
    api.check_output(args.out, sources, force=args.force)
    try:
        result = api.drivers(scenario, progress=env.progress)
    except TargetUnreachableError as exc:
        _save_diagnosis(args, sources, exc, env)
        raise
    result.write(args.out, force=args.force, csv_safe=args.csv_safe)
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
    scenario = api.load(args.scenario, engine=args.engine)
    sources = api.sources(scenario)
    api.check_output(args.out, sources, force=args.force)
    start = time.perf_counter()
    try:
        result = api.plan(scenario, progress=env.progress)
    except TargetUnreachableError as exc:
        _save_diagnosis(args, sources, exc, env)
        raise
    with _timed(env, "writing outputs"):
        result.write(args.out, force=args.force, lang=args.lang, progress=env.progress,
                     csv_safe=args.csv_safe)
    out = env.stdout
    print(f"plan '{result.name}': target {result.target:,.0f} "
          f"({result.target / result.history_total:.2f}x last year), team targets "
          f"{result.plan[n.AMOUNT].sum():,.0f} with the {result.buffer:.0%} buffer, "
          f"{len(result.teams)} teams -> {args.out} ({time.perf_counter() - start:.1f} s)",
          file=out)
    return 0


def cmd_sweep(args: argparse.Namespace, env: Env) -> int:
    """``planner sweep SCENARIO --multiples A:B:STEP [--vary LEVER=A:B:STEP] --out DIR``."""
    scenario = api.load(args.scenario)
    sources = api.sources(scenario)
    api.check_output(args.out, sources, force=args.force)
    with _timed(env, "solving the driver model over the sweep"):
        result = api.sweep(scenario, args.multiples, args.vary or None,
                           labels=("--multiples", "--vary"))
    result.write(args.out, force=args.force, csv_safe=args.csv_safe)
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
