"""Issue 18, outputs at organisation scale: the fast paths write what the plain ones did.

The team workbooks' cells are stored and serialised by :mod:`planner.outputs.fast_cells`
and :mod:`planner.outputs.sheet_xml` (compared byte for byte with xlsxwriter's own), the
per-team grids are cut from one aggregation (:class:`planner.outputs.frames.TeamGrids`,
compared with filtering the plan per team), the explanation's tables are computed once
per plan (compared with the per-team computation), and the CSV checks read whole
columns at once.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import scenarios_with_sample
from plan_fixture import make_plan_result
from xlsxwriter.workbook import Workbook

from planner import names as n
from planner.explain import steps as st
from planner.explain.bridge import CENTS, bridge
from planner.explain.inputs import inputs_of
from planner.explain.table import NOTE, explain_table, product_steps, team_steps
from planner.explain.text import sentence, team_facts
from planner.outputs import write_outputs
from planner.outputs.cells import PlannerWorkbook
from planner.outputs.fast_csv import supported
from planner.outputs.frames import TeamGrids, iter_teams, months_of, product_order, tiers
from planner.pipeline import run_plan
from planner.plan_result import PlanResult
from planner.scenario import load_scenario


def _parts(book: bytes) -> dict[str, bytes]:
    """Every part of a workbook but its creation time."""
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}


def _book(workbook: type[Workbook], fill: Callable[[Workbook, Any], None]) -> dict[str, bytes]:
    out = io.BytesIO()
    wb = workbook(out, {"in_memory": True, "strings_to_formulas": False,
                        "strings_to_numbers": False, "strings_to_urls": False})
    fill(wb, wb.add_worksheet("Sheet"))
    wb.close()
    return _parts(out.getvalue())


def _every_kind_of_cell(wb: Workbook, sheet: Any) -> None:
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0"})
    sheet.set_column(3, 3, 20, money)  # a column format for cells written without one
    sheet.set_row(40, 30, bold)  # a row format, and a blank row with a height only
    sheet.set_row(41, 25)
    sheet.set_row(65, 20)  # a row with a height and no cells
    for row in range(60):
        sheet.write_number(row, 0, row * 1234.5678 - 1e-7, money)
        sheet.write_number(row, 1, row, bold)  # an int
        sheet.write_string(row, 2, f"text <&> \"{row % 7}\"\n", bold)
        sheet.write_number(row, 3, 0.1 * row)  # no format: the column's
        sheet.write_formula(row, 4, f"=SUM(A{row + 1}:B{row + 1})", money, row * 2.5)
        sheet.write_formula(row, 5, f'=IF(A{row + 1}<0,"a&b","")', bold, "" if row % 2 else "x")
        sheet.write_formula(row, 6, "=1/0", bold, "#DIV/0!")
        sheet.write_formula(row, 7, "=A1>0", bold, row % 2 == 0)
        sheet.write_blank(row, 8, None, bold)
        sheet.write_blank(row, 9, None)  # not stored
    sheet.write_number(40, 12, 7.0)  # no format: the row's
    sheet.write("A70", 3.5, money)  # A1 notation
    sheet.write_formula(71, 0, "=XLOOKUP(1,A1:A3,B1:B3)", money, 0)  # rewritten by xlsxwriter
    sheet.write_formula(72, 0, "{=SUM(A1:A3*B1:B3)}", money, 0)  # an array formula
    sheet.write_string(73, 0, "x" * 20_000, bold)  # long text: xlsxwriter's checks
    sheet.write_rich_string(74, 0, "a ", bold, "rich", " string")
    sheet.write_boolean(75, 0, True, bold)
    sheet.write_number(80, 20_000, 1.0, money)  # far right
    sheet.write_number(-1, 0, 1.0, money)  # out of bounds: not stored


def test_fast_cells_write_what_xlsxwriter_writes_byte_for_byte() -> None:
    plain = _book(Workbook, _every_kind_of_cell)
    fast = _book(PlannerWorkbook, _every_kind_of_cell)
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name


def test_fast_cells_return_what_xlsxwriter_returns() -> None:
    wb = PlannerWorkbook(io.BytesIO(), {"in_memory": True})
    sheet = wb.add_worksheet()
    assert sheet.write_number(0, 0, 1.5) == 0
    assert sheet.write_number(2_000_000, 0, 1.5) == -1
    assert sheet.write_string(0, 20_000, "x") == -1
    assert sheet.write_formula(-1, 0, "=SUM(A1:A2)") == -1
    assert sheet.write_blank(5, 5, None) == 0 and 5 not in sheet.table
    with pytest.raises(TypeError, match="NAN/INF not supported"):
        sheet.write_number(0, 1, float("inf"))
    wb.close()


def _old_team_grids(result: PlanResult, team: str) -> tuple[pd.DataFrame, pd.DataFrame,
                                                            list[str]]:
    """One team's product x month and week x product grids, reshaped team by team."""
    months = months_of(result.year)
    plan = result.plan
    monthly = plan.groupby([n.TEAM, n.PRODUCT, n.MONTH], sort=False)[n.AMOUNT].sum()
    monthly = monthly.loc[team].unstack(n.MONTH)
    weekly = plan.groupby([n.TEAM, n.WEEK, n.PRODUCT], sort=False)[n.AMOUNT].sum()
    weekly = weekly.loc[team].unstack(n.PRODUCT)
    present = set(monthly.index.astype(str))
    products = [p for p in product_order(result) if p in present]
    return (monthly.reindex(index=products, columns=months).fillna(0.0),
            weekly.reindex(columns=products).fillna(0.0), products)


def test_team_grids_hold_each_teams_filtered_plan() -> None:
    result = make_plan_result(n_products=5, seats_per_team=2)
    result.plan = result.plan.iloc[::-1].reset_index(drop=True)  # teams interleaved
    grids = TeamGrids(result)
    assert grids.teams == result.teams and len(grids) == len(result.teams)
    for i, team in enumerate(result.teams):
        data = grids.team(i)
        monthly, weekly, products = _old_team_grids(result, team)
        assert data.team == team and data.products == products
        assert data.tiers == [tiers(result).get(p, "") for p in products]
        np.testing.assert_array_equal(data.monthly.to_numpy(), monthly.to_numpy())
        assert data.monthly.to_numpy().flags["C_CONTIGUOUS"]  # sums add in the same order
        weekly = weekly.reindex(data.weekly.index).fillna(0.0)
        np.testing.assert_array_equal(data.weekly.to_numpy(), weekly.to_numpy())
        seats = result.plan_seats.loc[result.plan_seats[n.TEAM] == team]
        assert sorted(data.seats[n.SEAT]) == sorted(seats[n.SEAT].unique())
        assert data.seats.iloc[:, 2:].to_numpy().sum() == pytest.approx(seats[n.AMOUNT].sum())
        assert list(data.seat_products.columns) == [n.SEAT, n.GRADE, *products]
    assert [d.team for d in iter_teams(result)] == result.teams


def test_a_team_without_seats_gets_empty_seat_grids() -> None:
    result = make_plan_result(n_products=3, seats_per_team=2)
    first = result.teams[0]
    result.plan_seats = result.plan_seats.loc[result.plan_seats[n.TEAM] != first]
    data = TeamGrids(result).team(0)
    assert data.seats.empty and data.seat_products.empty
    assert list(data.seats.columns) == [n.SEAT, n.GRADE, *months_of(result.year)]


def test_plan_result_teams_keep_the_order_they_first_appear_in() -> None:
    result = make_plan_result(["b", "a", "c"], n_products=2)
    assert result.teams == ["b", "a", "c"]
    result.plan = result.plan.assign(team=result.plan[n.TEAM].astype(object))
    assert result.teams == ["b", "a", "c"]


def test_csv_text_checks_read_whole_columns() -> None:
    def frame(team: object) -> pd.DataFrame:
        return pd.DataFrame({"amount": [1.0, 2.0, 3.0], "team": team})

    def objects(*values: object) -> pd.Series:
        return pd.Series(values, dtype=object)

    assert supported(frame(objects("a", None, np.nan)))
    assert supported(frame(pd.array(["a", None, "b"], "string")))
    assert not supported(frame(objects("a", 1, "b")))
    assert not supported(frame(pd.array(["a", "b\r", "c"], "string")))
    assert not supported(frame(objects("a", "b\rc", None)))
    assert not supported(frame(["a"] * 3).assign(Team=["b"] * 3))


@pytest.fixture(scope="module")
def planned(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> PlanResult:
    scenarios = scenarios_with_sample(tmp_path_factory, sample_dir, "speed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_plan(load_scenario(scenarios / "sample_conservative.toml"))


def _old_explain(result: PlanResult, team: str, lang: str) -> pd.DataFrame:
    """``explain.csv``'s rows of one team, computed from the team's bridge rows alone."""
    whole = bridge(result)
    rows = whole.loc[whole[n.TEAM].astype(str) == team]
    by_step = rows.groupby("step")[CENTS].sum()
    last = float(by_step.get(st.LAST_YEAR, 0)) / 100.0
    multiple = (last + float(by_step.get(st.LEVERS, 0)) / 100.0) / last if last > 0 else 0.0
    rules = {s: float(by_step.get(s, 0)) / 100.0 for s in st.RULE_STEPS}
    facts = team_facts(result, inputs_of(result), team, lang, multiple, rules)
    note = rows["step"].map({s: sentence(s, facts, lang) for s in st.STEPS})
    base = rows.loc[rows["step"] == st.LEVERS, n.PRODUCT].map(
        rows.loc[rows["step"] == st.LAST_YEAR].set_index(n.PRODUCT)[CENTS]).astype(float)
    mult = (base + rows.loc[rows["step"] == st.LEVERS, CENTS]) / base.where(base > 0)
    suffix = " on last year" if lang == "en" else " 倍于去年"
    note.loc[rows["step"] == st.LEVERS] = [f"x{m:.2f}{suffix}" for m in mult.fillna(0.0)]
    return rows.assign(**{NOTE: note.to_numpy()})[[n.TEAM, "step", n.PRODUCT, n.AMOUNT, NOTE]]


def test_explain_tables_equal_the_per_team_computation(planned: PlanResult) -> None:
    for lang in ("en", "zh"):
        table = explain_table(planned, lang=lang)
        expected = pd.concat([_old_explain(planned, str(t), lang) for t in planned.teams])
        pd.testing.assert_frame_equal(table, expected.reset_index(drop=True),
                                      check_dtype=False)
    for team in planned.teams:
        rows = bridge(planned)
        rows = rows.loc[rows[n.TEAM] == team]
        grid = rows.assign(family=rows["step"].map(st.family_of)).pivot_table(
            index=n.PRODUCT, columns="family", values=CENTS, aggfunc="sum", fill_value=0)
        grid = grid.reindex(columns=list(st.FAMILIES), fill_value=0).astype("int64")
        grid["target"] = grid.sum(axis=1)
        pd.testing.assert_frame_equal(product_steps(planned, team), grid)
        steps = team_steps(planned, team)
        assert steps[CENTS].sum() == grid["target"].sum()
        assert steps["step"].iloc[0] == st.LAST_YEAR


def test_parallel_outputs_equal_serial_ones(planned: PlanResult, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fast").mkdir()
    (tmp_path / "slow").mkdir()
    write_outputs(planned, tmp_path / "fast")
    monkeypatch.setenv("PLANNER_WORKERS", "1")
    write_outputs(planned, tmp_path / "slow")
    books = sorted(p.relative_to(tmp_path / "fast") for p in (tmp_path / "fast").rglob("*.xlsx"))
    assert len(books) == len(planned.teams) + 1
    for book in books:
        assert _parts((tmp_path / "fast" / book).read_bytes()) == _parts(
            (tmp_path / "slow" / book).read_bytes()), book
    for csv in (tmp_path / "fast").glob("*.csv"):
        assert csv.read_bytes() == (tmp_path / "slow" / csv.name).read_bytes()


def test_plan_csvs_are_written_beside_the_preparation_and_done_before_the_fork(
        planned: PlanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from planner.outputs import write as wr

    threads: list[list[str]] = []
    real_jobs, real_run = wr.team_jobs, wr.run_jobs

    def jobs(*args: object, **kwargs: object) -> object:
        threads.append([t.name for t in threading.enumerate()])  # preparing: CSVs beside
        return real_jobs(*args, **kwargs)  # type: ignore[arg-type]

    def run(*args: object, **kwargs: object) -> None:
        threads.append([t.name for t in threading.enumerate()])  # forking: nothing beside
        assert (tmp_path / n.PLAN_CSV).exists() and (tmp_path / n.PLAN_SEATS_CSV).exists()
        real_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(wr, "team_jobs", jobs)
    monkeypatch.setattr(wr, "run_jobs", run)
    files = write_outputs(planned, tmp_path)
    assert threads[1] == [threading.main_thread().name]
    names = [p.name for p in files]
    assert names[:5] == [n.PLAN_CSV, n.PLAN_SEATS_CSV, n.DRIVERS_CSV, n.PRODUCT_TARGETS_CSV,
                         n.EXPLAIN_CSV]


def test_a_failed_preparation_waits_for_the_csv_thread(
        planned: PlanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from planner.errors import OutputError
    from planner.outputs import write as wr

    def broken(*args: object, **kwargs: object) -> object:
        raise OutputError("no room for the team workbooks")

    monkeypatch.setattr(wr, "team_jobs", broken)
    with pytest.raises(OutputError, match="no room for the team workbooks"):
        write_outputs(planned, tmp_path)
    assert [t.name for t in threading.enumerate()] == [threading.main_thread().name]
    assert (tmp_path / n.PLAN_CSV).exists()  # finished, not cut off mid-file
