"""Command-line interface: a thin shell over the library.

Each subcommand is declared as data (name, help, arguments) and implemented by a
small handler that calls the library. Library errors become a one-line message
and an exit code; a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from planner.cli import compare, handlers, serve, tracking
from planner.cli.env import Env
from planner.errors import (
    CalendarError,
    InputError,
    MappingError,
    OutputError,
    PlannerError,
    ScenarioError,
    SolverLimitError,
    TargetUnreachableError,
)


def _seed(text: str) -> int:
    """``--seed``: a whole number from 0 to 2**32 - 1 (argparse reports a bad one)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..4294967295")
    return value


class ExitStatus(IntEnum):
    """Exit codes of the ``planner`` command."""

    OK = 0
    ERROR = 1
    BAD_INPUT = 2
    UNREACHABLE = 3
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


Handler = Callable[[argparse.Namespace, Env], int]


@dataclass(frozen=True)
class Arg:
    """One command-line argument declared as data."""

    flags: tuple[str, ...]
    options: dict[str, Any]


@dataclass(frozen=True)
class Command:
    """One subcommand declared as data."""

    name: str
    help: str
    args: tuple[Arg, ...]
    handler: Handler


def _arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


_DATA = _arg("--data", type=Path, help="directory holding sales, seats, products, customers files")
_MAPPING = _arg("--mapping", help="column mapping TOML (a path, or a builtin name: online_retail, "
                "superstore)")
_OUT = _arg("--out", type=Path, required=True, help="output directory")
_FORCE = _arg("--force", action="store_true",
               help="replace an existing output directory that planner wrote")
_CSV_SAFE = _arg("--csv-safe", action="store_true",
                 help="in CSV files, prefix text starting with = + - @ (or a tab) with ' so "
                      "spreadsheets show it as text (default: text exactly as found)")
_SCENARIO = _arg("scenario", type=Path, help="scenario TOML file")
_ENGINE = _arg("--engine", choices=("duckdb", "spark"),
               help="where the history's SQL runs (default: the scenario's [data] engine, "
                    "else duckdb)")

COMMANDS: tuple[Command, ...] = (
    Command(
        "sample-data",
        "write the realistic telesales sample data set",
        (
            _arg("out_dir", type=Path, help="directory to write sales, seats, products, customers"),
            _arg("--seed", type=_seed, default=7, help="random seed, 0 or more (default 7)"),
            _arg("--format", dest="fmt", choices=("csv", "parquet"), default="csv",
                 help="file format (default csv)"),
            _arg("--parquet", dest="fmt", action="store_const", const="parquet",
                 help="same as --format parquet"),
            _arg("--force", action="store_true",
                 help="replace an existing folder that planner wrote"),
        ),
        handlers.cmd_sample_data,
    ),
    Command(
        "baselines",
        "compute last year's empirical values (CSVs and baselines.xlsx)",
        (
            _arg("scenario", type=Path, nargs="?", help="scenario TOML (instead of --data)"),
            _DATA,
            _MAPPING,
            _OUT,
            _FORCE,
            _CSV_SAFE,
            _arg("--window-end", help="last day of the trailing 12-month window (YYYY-MM-DD)"),
            _ENGINE,
        ),
        handlers.cmd_baselines,
    ),
    Command(
        "drivers",
        "solve the uplift per lever that reaches the target (drivers.csv, product_targets.csv)",
        (_SCENARIO, _OUT, _FORCE, _CSV_SAFE),
        handlers.cmd_drivers,
    ),
    Command(
        "plan",
        "run the whole plan: drivers, allocation, workbooks, plan.csv, charts",
        (
            _SCENARIO,
            _OUT,
            _FORCE,
            _CSV_SAFE,
            _arg("--lang", choices=("en", "zh"), default="en", help="workbook labels"),
            _ENGINE,
        ),
        handlers.cmd_plan,
    ),
    Command(
        "sweep",
        "re-solve the driver model over target multiples: uplift per lever and the frontier",
        (
            _SCENARIO,
            _arg("--multiples", default="1:12:0.5",
                 help="target multiples start:stop:step (default 1:12:0.5)"),
            _arg("--vary", help="also vary one lever's cap, e.g. productivity=0.5:3:0.5"),
            _OUT,
            _FORCE,
            _CSV_SAFE,
        ),
        handlers.cmd_sweep,
    ),
    Command(
        "compare",
        "run several scenarios and put them side by side (compare.xlsx, compare.png)",
        (
            _arg("scenarios", type=Path, nargs="+", metavar="SCENARIO",
                 help="scenario TOML files; the differences are taken from the first"),
            _OUT,
            _FORCE,
            _CSV_SAFE,
            _ENGINE,
        ),
        compare.cmd_compare,
    ),
    Command(
        "serve",
        "start the what-if page: move levers, see uplifts and binding caps, plan, save",
        (
            _SCENARIO,
            _arg("--host", default="127.0.0.1",
                 help="address to listen on (default 127.0.0.1; any other needs a token)"),
            _arg("--port", type=int, default=8750, help="port (default 8750)"),
            _arg("--lang", choices=("en", "zh"), default="en", help="page and workbook labels"),
            _arg("--token", help="token every request must carry (generated and printed "
                 "when --host is not 127.0.0.1 and none is given)"),
            _arg("--save-dir", type=Path,
                 help="folder 'Save as scenario' writes to (default: the scenario's folder)"),
        ),
        serve.cmd_serve,
    ),
    Command(
        "track",
        "attainment to date and the variance by driver (attainment.csv, variance.csv, "
        "tracking.xlsx)",
        (
            _arg("plan_dir", type=Path, help="the --out folder of planner plan"),
            _arg("--actuals", type=Path, nargs="+", required=True,
                 help="returned team workbooks (.xlsx), or a folder of plan-year transactions"),
            _arg("--as-of", dest="as_of", help="as-of date YYYY-MM-DD (default: the last sale, "
                 "or the end of the last month the workbooks report)"),
            _arg("--scenario", type=Path, help="the plan's scenario: its mapping reads the "
                 "transactions, its drivers split the variance"),
            _OUT, _FORCE, _CSV_SAFE,
            _arg("--lang", choices=("en", "zh"), default="en",
                 help="tracking.xlsx and chart labels"),
        ),
        tracking.cmd_track,
    ),
    Command(
        "replan",
        "freeze the weeks up to --as-of to actuals and re-solve the rest of the year",
        (
            _SCENARIO,
            _arg("--plan", type=Path, required=True, help="the plan folder to re-plan"),
            _arg("--actuals", type=Path, nargs="+", required=True,
                 help="returned team workbooks (.xlsx), or a folder of plan-year transactions"),
            _arg("--as-of", dest="as_of", required=True,
                 help="week parts ending on or before this date (YYYY-MM-DD) are frozen"),
            _arg("--seats", type=Path, help="updated seats file (leavers, moves, joiners)"),
            _arg("--strict", action="store_true",
                 help="exit 3 when the year cannot be met (default: write the best plan and "
                      "state the shortfall)"),
            _OUT, _FORCE, _CSV_SAFE,
            _arg("--lang", choices=("en", "zh"), default="en", help="workbook labels"),
        ),
        tracking.cmd_replan,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser from :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="planner", description="Sales-target decomposition planner and optimizer."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show tracebacks on errors")
        for arg in command.args:
            p.add_argument(*arg.flags, **arg.options)
        p.set_defaults(handler=command.handler)
    return parser


def _status_for(error: PlannerError) -> ExitStatus:
    if isinstance(error, TargetUnreachableError):
        return ExitStatus.UNREACHABLE
    if isinstance(error, InputError | MappingError | ScenarioError | CalendarError | OutputError
                  | SolverLimitError):
        return ExitStatus.BAD_INPUT
    return ExitStatus.ERROR


def main(argv: Sequence[str] | None = None, env: Env | None = None) -> int:
    """Run the CLI and return its exit status (never raises, never exits).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.
    env : Env, optional
        Streams to write to.

    Returns
    -------
    int
        An :class:`ExitStatus` value.
    """
    env = env or Env()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return int(exc.code or 0) if exc.code in (0, None) else int(ExitStatus.BAD_INPUT)
    debug = bool(getattr(args, "debug", False))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            try:
                return int(args.handler(args, env))
            finally:
                _print_warnings(caught, env)
    except PlannerError as exc:
        if debug:
            traceback.print_exc(file=env.stderr)
        status = _status_for(exc)
        scenario = getattr(args, "scenario", None)
        about_scenario = isinstance(exc, TargetUnreachableError | SolverLimitError)
        where = f"{scenario}: " if (about_scenario and scenario is not None
                                    and str(scenario) not in str(exc)) else ""
        print(f"planner: error: {where}{exc}", file=env.stderr)
        return int(status)
    except KeyboardInterrupt:
        print("planner: interrupted (Ctrl-C); nothing half-written was left behind",
              file=env.stderr)
        return int(ExitStatus.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc(file=env.stderr)
        print(f"planner: unexpected error: {type(exc).__name__}: {exc} "
              "(run with --debug for the traceback)", file=env.stderr)
        return int(ExitStatus.ERROR)


def _ours(category: type[Warning]) -> bool:
    """Whether a warning class is planner's own (CalendarWarning, DataWarning, ...)."""
    return category.__module__.split(".")[0] == "planner"


def _print_warnings(caught: list[warnings.WarningMessage], env: Env) -> None:
    """Print our own warnings (an estimated calendar, odd history) loudly, once each."""
    seen: set[str] = set()
    for item in caught:
        text = str(item.message)
        if _ours(item.category) and text not in seen:
            seen.add(text)
            print(f"planner: WARNING: {text}", file=env.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
