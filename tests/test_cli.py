from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import calls_once, run_cli, scenario_file

import planner.api
from planner import names as n
from planner.cli.main import build_parser

BASIC = """
[calendar]
year = 2027
official = true
[target]
multiple = {multiple}
[levers.customers]
cap = 0.5
[levers.productivity]
cap = 2.0
"""


@pytest.fixture(scope="module", autouse=True)
def baselines_once() -> Iterator[dict[object, Any]]:
    """Each distinct ``planner baselines`` computation runs once in this module.

    The baselines tests run the command over the same sample folder several times to
    check how it treats the output folder (new, existing, ``--force``); the baselines
    themselves are computed once and written by every run.
    """
    with calls_once(planner.api, "baselines") as kept:
        yield kept


def test_sample_data_writes_four_files(sample_generated_once: None, tmp_path: Path) -> None:
    run = run_cli("sample-data", tmp_path / "s", "--seed", "3")
    assert run.status == 0
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        n.OUTPUT_MANIFEST, "customers.csv", "products.csv", "sales.csv", "seats.csv"]


def test_sample_data_parquet_flag(sample_generated_once: None, tmp_path: Path) -> None:
    assert run_cli("sample-data", tmp_path / "p", "--parquet").status == 0
    assert (tmp_path / "p" / "sales.parquet").is_file()


def test_baselines_from_data_dir(tmp_path: Path, sample_dir: Path) -> None:
    run = run_cli("baselines", "--data", sample_dir, "--out", tmp_path / "b")
    assert run.status == 0, run.stderr
    assert (tmp_path / "b" / "baselines.xlsx").is_file()
    products = pd.read_csv(tmp_path / "b" / "baselines_products.csv")
    assert len(products) == 6
    assert "baselines 2025-11-01..2026-10-31" in run.stdout


def test_existing_output_needs_force(tmp_path: Path, sample_dir: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "keep.txt").write_text("mine")
    for force in ((), ("--force",)):
        run = run_cli("baselines", "--data", sample_dir, "--out", tmp_path / "b", *force)
        assert run.status == 2
        assert run.stderr == (f"planner: error: output directory {tmp_path / 'b'} already "
                              "exists and was not written by planner; remove it yourself or "
                              "choose another --out\n")
    assert (tmp_path / "b" / "keep.txt").read_text() == "mine"
    assert run_cli("baselines", "--data", sample_dir, "--out", tmp_path / "o").status == 0
    again = run_cli("baselines", "--data", sample_dir, "--out", tmp_path / "o")
    assert again.status == 2
    assert again.stderr == (f"planner: error: output directory {tmp_path / 'o'} already exists; "
                            "pass --force to replace it or choose another --out\n")
    assert run_cli("baselines", "--data", sample_dir, "--out", tmp_path / "o",
                   "--force").status == 0


@pytest.mark.parametrize("command", ["plan", "drivers", "sweep", "compare", "baselines"])
def test_every_output_command_offers_csv_safe(command: str) -> None:
    parser = build_parser()
    args = parser.parse_args([command, "s.toml", "--out", "o"])
    assert args.csv_safe is False  # literal CSV text by default
    assert parser.parse_args([command, "s.toml", "--out", "o", "--csv-safe"]).csv_safe is True


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "sales.csv").write_text("date,seat,product,amount\n2026-01-05,S1,P1,abc\n"
                                    "2026-13-01,S1,P1,5\n")
    run = run_cli("baselines", "--data", data, "--out", tmp_path / "o")
    assert run.status == 2
    assert "Traceback" not in run.stderr
    assert "sales.csv row 2 column 'amount': 'abc'" in run.stderr
    assert "sales.csv row 3 column 'date': '2026-13-01'" in run.stderr
    assert not (tmp_path / "o").exists()


def test_debug_shows_traceback(tmp_path: Path) -> None:
    run = run_cli("--debug", "baselines", "--data", tmp_path / "missing", "--out", tmp_path / "o")
    assert run.status == 2
    assert "Traceback" in run.stderr


def test_drivers_writes_tables_and_prints_levers(tmp_path: Path, sample_dir: Path) -> None:
    scenario = scenario_file(tmp_path, sample_dir, BASIC.format(multiple=1.3))
    run = run_cli("drivers", scenario, "--out", tmp_path / "d")
    assert run.status == 0, run.stderr
    drivers = pd.read_csv(tmp_path / "d" / "drivers.csv")
    assert list(drivers.columns[:8]) == ["lever", "scope", "baseline", "uplift", "planned",
                                         "cap", "binding", "marginal_value"]
    targets = pd.read_csv(tmp_path / "d" / "product_targets.csv")
    assert list(targets.columns[:5]) == ["product", "baseline_amount", "target_amount",
                                         "baseline_units", "target_units"]
    assert "customers" in run.stdout


def test_unreachable_target_exits_3_and_writes_diagnosis(tmp_path: Path,
                                                         sample_dir: Path) -> None:
    scenario = scenario_file(tmp_path, sample_dir, BASIC.format(multiple=50))
    run = run_cli("drivers", scenario, "--out", tmp_path / "d")
    assert run.status == 3
    assert "Traceback" not in run.stderr
    # the message names the scenario file it is about
    assert f"planner: error: {scenario}: target 50.00x" in run.stderr
    diagnosis = (tmp_path / "d" / "diagnosis.md").read_text()
    assert diagnosis.startswith("# Target unreachable")
    assert "## Binding caps" in diagnosis


def test_estimated_calendar_is_announced(tmp_path: Path, sample_dir: Path) -> None:
    body = BASIC.format(multiple=1.2).replace("official = true", "official = false")
    scenario = scenario_file(tmp_path, sample_dir, body)
    run = run_cli("drivers", scenario, "--out", tmp_path / "d")
    assert run.status == 0, run.stderr
    assert "planner: WARNING: calendar CN 2027 is ESTIMATED" in run.stderr


def test_unknown_command_is_usage_error() -> None:
    assert run_cli("frobnicate").status == 2


def test_our_warnings_are_printed_once_and_others_not(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import warnings

    from planner import api
    from planner.calendar import CalendarWarning

    def sample_data(*args: object, **kwargs: object) -> Path:
        warnings.warn("calendar guessed", CalendarWarning, stacklevel=1)
        warnings.warn("calendar guessed", CalendarWarning, stacklevel=1)
        warnings.warn("from a library", UserWarning, stacklevel=1)
        return tmp_path

    monkeypatch.setattr(api, "sample_data", sample_data)
    run = run_cli("sample-data", tmp_path / "s")
    assert run.status == 0
    assert run.stderr == "planner: WARNING: calendar guessed\n"


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import planner.sample.generate as sample_data

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sample_data, "generate_sample", interrupted)
    run = run_cli("sample-data", tmp_path / "s")
    assert run.status == 130
    assert run.stderr.splitlines()[-1] == (
        "planner: interrupted (Ctrl-C); nothing half-written was left behind")
    assert list(tmp_path.iterdir()) == []
