"""When the history happened: the plan year, stray sale dates and the trailing window."""

from __future__ import annotations

import re
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.errors import DataWarning, InputError
from planner.history.dates import find_strays
from planner.history.load import load_dataset
from planner.pipeline import load_history
from planner.scenario.values import Scenario

PLAN_2027 = ("is on or after 2027-01-01, the start of the plan year 2027; history must end "
             "before the plan starts; fix the date, remove the row, or plan a later year "
             "([calendar] year in the scenario)")


def sales(folder: Path, days: list[str], header: str = "date,seat,product,amount") -> Path:
    rows = "".join(f"{d},S1,P1,10\n" for d in days)
    (folder / "sales.csv").write_text(f"{header}\n{rows}")
    return folder


def year_of_days(start: str = "2026-01-01", end: str = "2026-12-31") -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in pd.date_range(start, end)]


def problems(folder: Path, **kwargs: object) -> list[str]:
    with pytest.raises(InputError) as info:
        load_dataset(folder, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in info.value.problems]


def quiet_load(folder: Path, **kwargs: object) -> list[str]:
    """Load and return the messages of the data warnings emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_dataset(folder, **kwargs)  # type: ignore[arg-type]
    return [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_history_on_or_after_the_plan_start_is_refused(tmp_path: Path) -> None:
    sales(tmp_path, ["2026-12-30", "2026-12-31", "2027-01-01", "2027-03-01"])
    (tmp_path / "customers.csv").write_text("month,segment,stock\n2026-12,all,1\n"
                                            "2027-01,all,1\n")
    assert problems(tmp_path, plan_start=date(2027, 1, 1)) == [
        f"customers.csv row 3 column 'month': '2027-01' {PLAN_2027}",
        f"sales.csv row 4 column 'date': '2027-01-01' {PLAN_2027}",
        f"sales.csv row 5 column 'date': '2027-03-01' {PLAN_2027}",
    ]
    with pytest.warns(DataWarning, match="covers only 62 days"):
        assert len(load_dataset(tmp_path).sales) == 4  # without a plan year: not checked


def test_load_history_passes_the_plan_year(tmp_path: Path) -> None:
    sales(tmp_path, year_of_days("2025-01-01", "2025-12-31") + ["2026-02-01"])
    scenario = Scenario(name="s", data_dir=tmp_path, year=2026, window_end=date(2025, 12, 31))
    with pytest.raises(InputError) as info:
        load_history(scenario)
    assert [str(p) for p in info.value.problems] == [
        "sales.csv row 367 column 'date': '2026-02-01' is on or after 2026-01-01, the start of "
        "the plan year 2026; history must end before the plan starts; fix the date, remove "
        "the row, or plan a later year ([calendar] year in the scenario)",
    ]


def test_a_stray_late_date_that_would_move_the_window_is_refused(tmp_path: Path) -> None:
    sales(tmp_path, year_of_days() + ["2027-03-01"])
    assert problems(tmp_path) == [
        "sales.csv row 367 column 'date': '2027-03-01' is 60 days after every other sale (the "
        "rest end 2026-12-31), likely a typo: as the last sale it would move the trailing "
        "window to 2026-04-01 to 2027-03-31 and leave out the sales before 2026-04-01; fix "
        "the date, remove the row, or set [data] window_end in the scenario to keep the "
        "window in place",
    ]


def test_a_stray_late_date_is_a_warning_when_window_end_is_set(tmp_path: Path) -> None:
    sales(tmp_path, year_of_days() + ["2027-03-01", "2027-03-02"])
    assert quiet_load(tmp_path, window_end=date(2026, 12, 31)) == [
        "sales.csv: 2 sales dated 2027-03-01 to 2027-03-02 (rows 367, 368) lie at least 60 "
        "days after every other sale (the rest end 2026-12-31), likely a typo; window_end "
        "2026-12-31 keeps the trailing window in place; check the dates",
    ]


def test_a_stray_early_date_is_a_warning(tmp_path: Path) -> None:
    days = year_of_days()
    days[10] = "2016-05-05"
    sales(tmp_path, days)
    message = ("sales.csv: 1 sale dated 2016-05-05 (row 12) lies at least 3,528 days before "
               "every other sale (the rest start 2026-01-01), likely a typo; check the date")
    with pytest.warns(DataWarning, match=re.escape(message)):
        ds = load_dataset(tmp_path)
    assert ds.report.warnings == [message]
    assert ds.report.to_frame().iloc[-1].tolist() == ["warning", message]


def test_a_history_shorter_than_the_window_warns_with_the_days_covered(tmp_path: Path) -> None:
    sales(tmp_path, year_of_days("2026-03-02", "2026-03-08"))
    message = ("sales.csv: the history covers only 7 days (2026-03-02 to 2026-03-08) of the "
               "12-month trailing window 2025-04-01 to 2026-03-31; last year's baselines, and "
               "every target built on them, count only those days; add the missing history, "
               "or set [data] trailing_months (and window_end) to the months the history "
               "covers")
    assert quiet_load(tmp_path) == [message]
    assert quiet_load(tmp_path, trailing_months=1) == []  # whole months: March is covered
    assert quiet_load(tmp_path, window_end=date(2026, 4, 30), trailing_months=2) == [
        "sales.csv: the history covers only 7 days (2026-03-02 to 2026-03-08) of the 2-month "
        "trailing window 2026-03-01 to 2026-04-30; last year's baselines, and every target "
        "built on them, count only those days; add the missing history, or set [data] "
        "trailing_months (and window_end) to the months the history covers",
    ]


def test_a_full_year_of_history_does_not_warn(tmp_path: Path) -> None:
    sales(tmp_path, year_of_days("2025-01-02", "2026-10-30"))
    assert quiet_load(tmp_path, plan_start=date(2027, 1, 1)) == []


def test_strays_need_a_gap_a_small_share_and_enough_rows() -> None:
    year = pd.Series(pd.to_datetime(year_of_days()))

    def found(extra: list[str], base: pd.Series = year) -> tuple[int, int]:
        dates = pd.concat([base, pd.Series(pd.to_datetime(extra))], ignore_index=True)
        strays = find_strays(dates)
        return int(strays.early.sum()), int(strays.late.sum())

    assert found(["2027-02-14"]) == (0, 0)  # 45 days: a quiet spell, not a stray
    assert found(["2027-02-15"]) == (0, 1)
    assert found(["2027-02-15"] * 3) == (0, 3)  # 3 of 368 rows: under 1%
    assert found(["2027-02-15"] * 4) == (0, 0)  # 4 rows: over 1%, a real later period
    assert found(["2025-01-01"]) == (1, 0)
    assert found(["2027-03-01"], year[:19]) == (0, 1)  # 20 rows: enough to tell
    assert found(["2027-03-01"], year[:18]) == (0, 0)  # 19 rows: too few
    with_blank = pd.concat([year[:18], pd.Series([pd.NaT])], ignore_index=True)
    assert found(["2027-03-01"], with_blank) == (0, 0)  # blanks do not count
