"""Handlers of ``planner track`` and ``planner replan``: thin shells over the API."""

from __future__ import annotations

import argparse
import time

from planner import api
from planner.api.tracking import ALL, replan_sources
from planner.cli.env import Env
from planner.errors import TargetUnreachableError


def _pct(value: float) -> str:
    return "" if value != value else f"{value:.1%}"


def cmd_track(args: argparse.Namespace, env: Env) -> int:
    """``planner track PLAN_DIR --actuals PATH... [--as-of D] [--scenario S] --out DIR``."""
    start = time.perf_counter()
    scenario = None if args.scenario is None else api.load(args.scenario)
    env.progress("reading the plan and its actuals")
    result = api.track(args.plan_dir, args.actuals, args.as_of, scenario)
    env.progress("writing attainment.csv, variance.csv, tracking.xlsx and charts")
    result.write(args.out, force=args.force, csv_safe=args.csv_safe, lang=args.lang)
    out = env.stdout
    landing = result.landing.copy()
    landing["team"] = landing["team"].replace({ALL: "company"})
    print(landing.to_string(index=False, formatters={
        "target": "{:,.0f}".format, "target_to_date": "{:,.0f}".format,
        "actual_to_date": "{:,.0f}".format, "landing": "{:,.0f}".format,
        "attainment_to_date": _pct, "landing_attainment": _pct}), file=out)
    for note in result.notes:
        print(f"note: {note}", file=out)
    print(f"tracked {result.year} to {result.as_of:%Y-%m-%d} from {result.kind} "
          f"(variance by {', '.join(result.effects)}) -> {args.out} "
          f"({time.perf_counter() - start:.1f} s)", file=out)
    return 0


def cmd_replan(args: argparse.Namespace, env: Env) -> int:
    """``planner replan SCENARIO --plan DIR --actuals PATH... --as-of D --out DIR``.

    Exit 0 with the best plan and the shortfall stated when the year cannot be met;
    exit 3 then only with ``--strict``, the output folder holding ``diagnosis.md`` alone
    (what is recoverable, the shortfall per product, the rules that bind).
    """
    start = time.perf_counter()
    scenario = api.load(args.scenario)
    sources = replan_sources(scenario, args.plan, args.actuals, args.seats)
    api.check_output(args.out, sources, force=args.force)
    try:
        result = api.replan(scenario, args.plan, args.actuals, args.as_of, seats=args.seats,
                            strict=args.strict, progress=env.progress)
    except TargetUnreachableError as exc:
        api.write_diagnosis(exc.diagnosis, args.out, command=args.command, sources=sources,
                            force=args.force)
        print(exc.diagnosis, file=env.stdout)
        raise
    env.progress("writing outputs")
    result.write(args.out, force=args.force, lang=args.lang, progress=env.progress,
                 csv_safe=args.csv_safe)
    revision = result.revision
    assert revision is not None
    out = env.stdout
    by_month = revision.diff.groupby("month")[["original", "revised", "change"]].sum()
    print(by_month.to_string(float_format="{:,.0f}".format), file=out)
    if revision.feasible:
        print(f"re-plan as of {revision.as_of:%Y-%m-%d}: the open weeks carry "
              f"{revision.recovered:,.0f} and the year meets its targets", file=out)
    else:
        print(revision.diagnosis(scenario.name), file=out)
    print(f"re-plan '{scenario.name}' -> {args.out} ({time.perf_counter() - start:.1f} s)",
          file=out)
    return 0


