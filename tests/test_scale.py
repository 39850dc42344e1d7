"""Issue 18: parallel team workbooks, and the realistic large-history generator."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from plan_fixture import make_plan_result

from planner.background import InThread
from planner.outputs import parallel
from planner.outputs.write import write_team_workbooks

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _write_marker(folder: Path, i: int) -> None:
    (folder / f"{i:03d}.txt").write_text(f"job {i}\n", encoding="utf-8")


def test_run_jobs_writes_every_file_once_and_reports_progress(tmp_path: Path) -> None:
    seen: list[int] = []
    parallel.run_jobs(lambda i: _write_marker(tmp_path, i), 23, seen.append, chunk=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:03d}.txt" for i in range(23)]
    assert (tmp_path / "017.txt").read_text(encoding="utf-8") == "job 17\n"
    assert seen == sorted(seen) and seen[-1] == 23


def test_run_jobs_raises_a_jobs_error(tmp_path: Path) -> None:
    def write(i: int) -> None:
        if i == 11:
            raise ValueError("job 11 is broken")
        _write_marker(tmp_path, i)

    with pytest.raises(ValueError, match="job 11 is broken"):
        parallel.run_jobs(write, 20)


def test_run_jobs_works_beside_the_workers_in_this_process(tmp_path: Path) -> None:
    import os

    parent = os.getpid()
    beside: list[int] = []

    def write(i: int) -> None:
        (tmp_path / f"{i:03d}.pid").write_text(str(os.getpid()), encoding="utf-8")

    parallel.run_jobs(write, 12, beside=lambda: beside.append(os.getpid()))
    assert beside == [parent]
    pids = {int(p.read_text(encoding="utf-8")) for p in tmp_path.iterdir()}
    assert len(list(tmp_path.iterdir())) == 12
    if parallel.worker_count(12) > 1:  # forked workers wrote the files
        assert parent not in pids


def test_run_jobs_error_beside_the_workers_cancels_the_jobs(tmp_path: Path) -> None:
    def fail() -> None:
        raise OSError("disk full writing plan.csv")

    with pytest.raises(OSError, match="disk full writing plan.csv"):
        parallel.run_jobs(lambda i: _write_marker(tmp_path, i), 400, beside=fail, chunk=1)
    if parallel.worker_count(400) > 1:  # the jobs not yet started never ran
        assert len(list(tmp_path.iterdir())) < 400


def test_in_thread_returns_the_value_and_raises_the_error_in_the_caller() -> None:
    import threading

    ran_in: list[str] = []

    def work() -> int:
        ran_in.append(threading.current_thread().name)
        return 42

    assert InThread(work).result() == 42
    assert ran_in == ["planner-beside"]

    def fail() -> int:
        raise OSError("disk full writing plan.csv")

    broken = InThread(fail)
    broken.wait()  # waiting keeps the error for result()
    with pytest.raises(OSError, match="disk full writing plan.csv"):
        broken.result()


def test_worker_count_is_one_while_a_thread_runs_beside() -> None:
    import threading

    alone = parallel.worker_count(400)
    release = threading.Event()
    beside = InThread(lambda: release.wait(10))
    try:
        assert parallel.worker_count(400) == 1  # forking now could copy a held lock
    finally:
        release.set()
    beside.result()
    assert parallel.worker_count(400) == alone  # joined: the thread counts no more


def test_worker_count_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parallel.worker_count(parallel.MIN_PARALLEL - 1) == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.worker_count(400) == 1
    monkeypatch.delenv(parallel.WORKERS_ENV)
    assert 1 <= parallel.worker_count(400) <= 400


def _contents(path: Path) -> dict[str, bytes]:
    """Every part of a workbook but its creation time (docProps/core.xml)."""
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def test_parallel_team_workbooks_equal_serial_ones(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    teams = [f"Team {i:02d}" for i in range(parallel.MIN_PARALLEL + 2)]
    result = make_plan_result(teams, n_products=4, seats_per_team=2)
    messages: list[str] = []
    fast = write_team_workbooks(result, tmp_path / "fast", progress=messages.append)
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    slow = write_team_workbooks(result, tmp_path / "slow")
    assert [p.name for p in fast] == [p.name for p in slow] == [f"{t}.xlsx" for t in teams]
    for a, b in zip(fast, slow, strict=True):
        assert _contents(a) == _contents(b)
    assert messages[-1] == f"writing team workbooks {len(teams)}/{len(teams)}"


def test_large_history_is_seeded_and_hires_sell_at_their_grades_rate() -> None:
    large = _module("large_history")
    tables = large.generate(6, 8, 40_000, seed=5)
    again = large.generate(6, 8, 40_000, seed=5)
    assert tables["sales"].equals(again["sales"]) and tables["seats"].equals(again["seats"])
    sales, seats = tables["sales"], tables["seats"].set_index("seat")
    # rows per working day on board follow the grade, whatever the start date: a seat
    # hired late is not given a full-year seat's volume in a few months
    days = sales.groupby("seat")["date"].agg(["min", "max", "size"])
    rate = days["size"] / ((days["max"] - days["min"]).dt.days + 1)
    grade = seats.loc[rate.index, "grade"]
    late = seats.loc[rate.index, "start_date"] > np.datetime64("2025-06-01")
    by_grade = rate.groupby(grade).median()
    assert (rate[late] < 3 * by_grade.reindex(grade[late]).to_numpy()).all()
    # the high-margin tier carries about 30% of the amount (the scenario asks >= 20%)
    products = tables["products"].set_index("product")
    tier = sales["product"].map(products["margin_tier"])
    share = sales.loc[tier == "high", "amount"].sum() / sales["amount"].sum()
    assert 0.2 < share < 0.45


def test_parquet_tables_hold_what_the_csv_files_hold(tmp_path: Path) -> None:
    from planner.outputs.write import write_csvs

    result = make_plan_result(n_products=3)
    paths = write_csvs(result, tmp_path, parquet=True)
    assert {"plan.parquet", "plan_seats.parquet"} <= {p.name for p in paths}
    for stem in ("plan", "plan_seats"):
        csv = pd.read_csv(tmp_path / f"{stem}.csv")
        back = pd.read_parquet(tmp_path / f"{stem}.parquet")
        assert list(back.columns) == list(csv.columns)
        assert back["amount"].tolist() == csv["amount"].tolist()
        assert back["team"].astype(str).tolist() == csv["team"].astype(str).tolist()
    plain = write_csvs(result, tmp_path / ".")
    assert [p.name for p in plain] == [p.name for p in paths if p.suffix == ".csv"]


def _plan_like(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    names = np.array(["T001", 'a,"b"', "x\ny", "", "销售一组", " lead ", "=SUM(A1)", "NULL",
                      "q'uote"], dtype=object)
    team = names[rng.integers(0, len(names), rows)]
    team[1], team[2] = None, np.nan
    amount = np.round(rng.lognormal(10, 2, rows), 2) * rng.choice(
        [1.0, 1e-9, 1e17, 0.0, -1e-5, 123456789012.345], rows, p=[0.95, 0.01, 0.01, 0.01,
                                                                   0.01, 0.01])
    amount[3:9] = [np.nan, -0.0, np.inf, -np.inf, 5e-324, 0.1 + 0.2]
    return pd.DataFrame({"team": team, "week_start": "2027-01-04", "amount": amount,
                         "units": rng.integers(0, 50, rows).astype(float),
                         "count": rng.integers(-5, 10**12, rows)})


def test_fast_csv_writes_what_pandas_writes_byte_for_byte(tmp_path: Path) -> None:
    from planner.outputs.fast_csv import supported, write_fast_csv

    frame = _plan_like(30_000)
    assert supported(frame)
    write_fast_csv(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8", lineterminator="\n")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_fast_csv_leaves_frames_it_would_write_differently_to_pandas(tmp_path: Path) -> None:
    from planner.outputs.csv_writer import write_csv
    from planner.outputs.fast_csv import MIN_ROWS, supported

    frame = _plan_like(MIN_ROWS)
    assert not supported(frame.assign(flag=True))
    assert not supported(frame.assign(team="carriage\rreturn"))
    assert not supported(frame.assign(mixed=[1, "a"] * (MIN_ROWS // 2)))
    assert not supported(frame[["team"]])
    assert not supported(frame.rename(columns={"team": "te,am"}))
    odd = frame.assign(team="carriage\rreturn")
    write_csv(odd, tmp_path / "odd.csv", csv_safe=True)
    assert b'\ncarriage\rreturn,' in (tmp_path / "odd.csv").read_bytes()  # pandas: unquoted
