"""The history loaded on DuckDB (planner.history.lake_duck): the pandas loader's Dataset.

The SQL path must give what :func:`planner.history.load.load_dataset` gives (small
tables, load report, baselines) and give way to it for every problem (its messages, with
row numbers) and for the files it does not read.
"""

from __future__ import annotations

import shutil
import tomllib
import warnings
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from planner.baselines.compute import compute_baselines
from planner.baselines.result import TABLES
from planner.engine.dialect import to_duckdb
from planner.engine.duck import DuckTable
from planner.errors import DataWarning, InputError
from planner.history.dataset import Dataset
from planner.history.lake import Lake
from planner.history.lake_duck import load_duck
from planner.history.load import load_dataset
from planner.history.mapping import parse_mapping

START = date(2027, 1, 1)


def both(folder: Path, mapping: object = None, **kwargs: object) -> tuple[Dataset, Dataset]:
    """The history loaded on DuckDB and by pandas."""
    options = {"plan_start": START, **kwargs}
    return (load_duck(folder, mapping, **options),  # type: ignore[arg-type]
            load_dataset(folder, mapping, **options))  # type: ignore[arg-type]


def assert_same(duck: Dataset, pandas_: Dataset) -> None:
    """Same small tables and load report; the lake's rows are the pandas loader's."""
    assert isinstance(duck.lake, Lake) and isinstance(duck.lake.frame, DuckTable)
    for name in ("seats", "products", "teams", "customers"):
        left, right = getattr(duck, name), getattr(pandas_, name)
        assert (left is None) == (right is None), name
        if left is not None:
            pd.testing.assert_frame_equal(left, right, obj=name)
    assert duck.report.to_frame().astype(str).values.tolist() == \
        pandas_.report.to_frame().astype(str).values.tolist()
    table = duck.lake.frame
    rows = table.con.execute(f"SELECT * FROM {table.name}").df()
    assert rows_of(rows).equals(rows_of(pandas_.sales))


SALES_COLUMNS = ["date", "seat", "team", "product", "segment", "amount", "units", "customer_id",
                 "margin"]


def rows_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as plain objects in one order, to compare two loaders' sales.

    Every value an object (None where missing, the date a ``datetime.date``), the rows
    sorted as the tuples of the values' ``str()`` sort (stable: equal rows keep their
    order).
    """
    others = frame[SALES_COLUMNS[1:]]
    out = others.astype(object).where(others.notna(), None)
    out.insert(0, "date", dates_of(frame["date"]))
    out = out.reset_index(drop=True)
    keys = pd.DataFrame({c: list(map(str, out[c].to_numpy())) for c in SALES_COLUMNS})
    return out.loc[keys.sort_values(SALES_COLUMNS, kind="stable").index].reset_index(drop=True)


def dates_of(column: pd.Series) -> list[date | None]:
    """Each value's day, ``pd.Timestamp(value).date()``; None where missing.

    A tz-naive datetime column is read with ``.dt.date`` (the same days, without making
    a Timestamp of every row: the sample has 240,000).
    """
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":
        return [None if d is pd.NaT else d for d in column.dt.date.to_numpy()]
    values = column.astype(object).where(column.notna(), None)
    return [None if d is None else pd.Timestamp(d).date() for d in values]


def assert_same_baselines(duck: Dataset, pandas_: Dataset, **kwargs: object) -> None:
    """Every baselines table equal, exactly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        left = compute_baselines(duck, **kwargs)  # type: ignore[arg-type]
        right = compute_baselines(pandas_, **kwargs)  # type: ignore[arg-type]
    assert (left.total_amount, left.total_units) == (right.total_amount, right.total_units)
    for name in TABLES:
        a, b = getattr(left, name), getattr(right, name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=name)


def write(folder: Path, sales: str, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sales.csv").write_text(sales, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


SALES = ("date,seat,product,segment,amount,units,customer_id\n"
         "2026-01-05,S1,P1,A,100.5,1,C1\n"
         "2026-02-05, S2 ,P2,B,20,2,\n"
         "2026-03-05,S1,P1,\u00a0A\t,30,1,C2\n"
         "2026-04-05T10:30:00,S2,P2,B,40.25,,C3\n")


@pytest.fixture(scope="module")
def sample_both(sample_dir: Path) -> tuple[Dataset, Dataset]:
    """The sample loaded on DuckDB and by pandas, once in this module (only read)."""
    return both(sample_dir)


def test_sample_loads_on_duckdb_as_pandas_loads_it(sample_both: tuple[Dataset, Dataset]) -> None:
    duck, pandas_ = sample_both
    assert_same(duck, pandas_)
    assert_same_baselines(duck, pandas_)


def test_parquet_sales_load_on_duckdb(sample_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(sample_dir, folder)
    sales = pd.read_csv(folder / "sales.csv", dtype={"customer_id": str})
    sales["date"] = pd.to_datetime(sales["date"])
    sales.to_parquet(folder / "sales.parquet", index=False)
    (folder / "sales.csv").unlink()
    duck, pandas_ = both(folder)
    assert_same(duck, pandas_)
    assert_same_baselines(duck, pandas_)


def test_white_space_and_blanks_read_as_pandas_reads_them(tmp_path: Path) -> None:
    duck, pandas_ = both(write(tmp_path / "d", SALES))
    assert_same(duck, pandas_)
    assert sorted(duck.teams["team"]) == ["S1", "S2"]


def test_clean_columns_are_read_as_they_are(tmp_path: Path) -> None:
    """Text without padding and numbers from numeric columns skip the parsing in the view."""
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({
        "date": pd.to_datetime(["2026-01-05 00:00", "2026-02-05 10:30", "2026-03-05 00:00",
                               "2026-04-05 00:00"]),
        "seat": ["S1", " S2 ", "S1", "S2"],
        "product": ["P1", "P2", "P1", "P2"],
        "segment": ["A", "B", "", "B"],
        "amount": [100.5, 20.0, 30.0, 40.25],
        "units": [1.0, float("nan"), 1.0, 2.0],
        "customer_id": ["C1", None, "C2", "C3"],
    }).to_parquet(folder / "sales.parquet", index=False)
    duck, pandas_ = both(folder)
    assert_same(duck, pandas_)
    assert_same_baselines(duck, pandas_)
    view = duck.lake.frame.con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = 'lake_sales'").fetchone()[0]
    assert "product AS product" in view and "customer_id AS customer_id" in view
    assert "regexp_replace(seat" in view.lower() and "regexp_replace(segment" in view.lower()


def test_baselines_twice_on_one_history(tmp_path: Path) -> None:
    duck, pandas_ = both(write(tmp_path / "d", SALES))
    assert_same_baselines(duck, pandas_)
    assert_same_baselines(duck, pandas_, trailing_months=3)


def test_a_mapping_on_duckdb_as_on_pandas(tmp_path: Path) -> None:
    text = ("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
            "1,A1,Lamp,2,2026-01-03T08:00:00,2.5,10,UK\n"
            "1,A1,Lamp,2,2026-01-03T08:00:00,2.5,10,UK\n"
            "2,A1,lamp,1,2026-02-03T08:00:00,2.5,11,UK\n"
            "3,B2,Cup,3,2026-02-04T08:00:00,1.25,,France\n"
            "C4,B2,Cup,-1,2026-03-04T08:00:00,1.25,12,France\n"
            "5,POST,Postage,1,2026-03-05T08:00:00,18,12,France\n"
            "A6,C3,Fee,1,2026-03-05T08:00:00,5,12,France\n"
            "7,D4,Dish,4,2026-04-05T08:00:00,3,13,UK\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "retail.csv").write_text(text, encoding="utf-8")
    mapping = parse_mapping(tomllib.loads(
        '[sales]\nfile = "retail.csv"\n[sales.columns]\ndate = "InvoiceDate"\n'
        'seat = "Country"\nproduct = "StockCode"\nunits = "Quantity"\n'
        'amount = { multiply = ["Quantity", "UnitPrice"] }\ncustomer_id = "CustomerID"\n'
        'segment = { value = "all" }\n[sales.options]\nreturns = true\n'
        'drop_duplicates = true\nexclude = { product = ["POST"] }\n'
        'exclude_prefix = { InvoiceNo = ["A"] }\nkeep_top = { product = 2, other = "OTHER" }\n'
        '[seats]\nderive = { team = "Country", grade = { value = "all" } }\n'
        '[products]\nderive = { name = "Description" }\n'), "retail")
    duck, pandas_ = both(tmp_path / "d", mapping)
    assert_same(duck, pandas_)
    assert_same_baselines(duck, pandas_)


def test_problems_are_the_pandas_loaders_with_row_numbers(tmp_path: Path) -> None:
    folder = write(tmp_path / "d", SALES.replace("100.5", "lots").replace("2026-03-05", "2026-13-05"))
    with pytest.raises(InputError) as on_duck:
        load_duck(folder, plan_start=START)
    with pytest.raises(InputError) as on_pandas:
        load_dataset(folder, plan_start=START)
    assert str(on_duck.value) == str(on_pandas.value)
    assert "row 2" in str(on_duck.value) and "row 4" in str(on_duck.value)


def test_stray_dates_give_way_to_the_pandas_loader(tmp_path: Path) -> None:
    rows = "".join(f"2026-01-{d:02d},S1,P1,A,10,1,C1\n" for d in range(1, 29))
    folder = write(tmp_path / "d", SALES.split("\n")[0] + "\n" + rows + "2020-01-01,S1,P1,A,1,1,C\n")
    with pytest.warns(DataWarning) as caught:
        duck = load_duck(folder, plan_start=START)
    pandas_ = load_dataset(folder, plan_start=START)
    assert duck.lake is None
    assert duck.report.warnings == pandas_.report.warnings
    assert [str(w.message) for w in caught if w.category is DataWarning] == \
        pandas_.report.warnings


@pytest.mark.parametrize("change", ["excel", "date_format", "latin-1", "offset"])
def test_what_duckdb_does_not_read_is_left_to_pandas(tmp_path: Path, change: str) -> None:
    folder = write(tmp_path / "d", SALES)
    mapping = None
    if change == "excel":
        frame = pd.read_csv(folder / "sales.csv", dtype=str)
        (folder / "sales.csv").unlink()
        frame.to_excel(folder / "sales.xlsx", index=False)
    elif change == "date_format":
        (folder / "sales.csv").write_text(SALES.replace("2026-01-05", "2026-01-05 00:00"))
        mapping = parse_mapping(tomllib.loads('[sales.options]\ndate_format = "%Y-%m-%d"\n'), "m")
    elif change == "latin-1":
        (folder / "sales.csv").write_bytes(SALES.replace("C1", "C\u00e9").encode("latin-1"))
    else:
        (folder / "sales.csv").write_text(SALES.replace("2026-01-05", "2026-01-05T10:00+05:00"))
    try:
        duck = load_duck(folder, mapping, plan_start=START)
    except InputError as exc:
        with pytest.raises(InputError) as on_pandas:
            load_dataset(folder, mapping, plan_start=START)
        assert str(exc) == str(on_pandas.value)
        return
    pandas_ = load_dataset(folder, mapping, plan_start=START)
    assert duck.lake is None
    pd.testing.assert_frame_equal(duck.sales, pandas_.sales)
    assert duck.report == pandas_.report


def test_monthly_sales_keep_the_totals(sample_both: tuple[Dataset, Dataset]) -> None:
    duck, pandas_ = sample_both
    month = pandas_.sales["date"].dt.to_period("M")
    by_rows = pandas_.sales.groupby([month, "team"])["amount"].sum()
    small = duck.sales.groupby([duck.sales["date"].dt.to_period("M"), "team"])["amount"].sum()
    pd.testing.assert_series_equal(small, by_rows, check_exact=False, rtol=1e-12)


def test_spark_sql_reads_on_duckdb_as_pandas_strips_and_parses() -> None:
    query = to_duckdb("SELECT nullif(trim(x), '') AS t, CAST(try_cast(trim(x) AS TIMESTAMP) AS DATE)"
                      " AS d FROM v")
    values = ["\u00a0 2026-01-05\t", "2026-01-05T10:00:00", "2026-01-05+05", " ", "x\u3000"]
    con = duckdb.connect()
    con.execute("CREATE TABLE v AS SELECT unnest($1::VARCHAR[]) AS x", [values])
    got = con.execute(query).fetchall()
    assert [t for t, _ in got] == ["2026-01-05", "2026-01-05T10:00:00", "2026-01-05+05", None,
                                   "x"]
    assert [d for _, d in got] == [date(2026, 1, 5), date(2026, 1, 5), None, None, None]


def test_a_statement_is_translated_once() -> None:
    statement = "SELECT nanvl(`a`, NULL) AS n, trim(b) AS t FROM once_table"
    before = to_duckdb.cache_info()
    first = to_duckdb(statement)
    assert to_duckdb(statement) is first  # the kept text, not parsed again
    after = to_duckdb.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


@pytest.mark.parametrize("per", ["", ', per = "customer_id"'])
def test_bins_on_duckdb_as_on_pandas(tmp_path: Path, per: str) -> None:
    mapping = parse_mapping(tomllib.loads(
        '[sales.columns]\nsegment = { column = "amount", bins = [0, 50, 1000], '
        f'labels = ["small", "big"]{per} }}\n'), "m")
    folder = write(tmp_path / "d", SALES.replace(",segment", ",kind").replace(",2,\n", ",2,C9\n"))
    duck, pandas_ = both(folder, mapping)
    if per:  # a total per key: summed by pandas, in its order
        assert duck.lake is None
        pd.testing.assert_frame_equal(duck.sales, pandas_.sales)
    else:
        assert_same(duck, pandas_)
        assert_same_baselines(duck, pandas_)


def test_a_plan_gives_back_duckdbs_memory_after_the_baselines(
        sample_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import REPO

    import planner.pipeline as pipeline
    from planner.scenario import load_scenario

    loaded: list[Dataset] = []
    original = pipeline.load_history
    monkeypatch.setattr(pipeline, "load_history",
                        lambda scenario: loaded.append(original(scenario)) or loaded[-1])
    text = (REPO / "scenarios" / "sample_10x.toml").read_text(encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text(text.replace('dir = "../data/sample"', f'dir = "{sample_dir}"'),
                        encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pipeline.run_plan(load_scenario(scenario))
    assert result.plan["amount"].sum() > 0 and loaded[0].lake is not None
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        loaded[0].lake.frame.con.execute("SELECT 1")
