"""One SQL, two engines: Spark (local[2]) gives DuckDB's baselines and plan.

The dialect tests run everywhere. The Spark tests need Java (Spark runs on the JVM) and
are skipped, saying so, only when no ``java`` is found; CI installs a JDK (.ci/run).
"""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_file

from planner.baselines import sql
from planner.baselines.compute import Baselines, compute_baselines
from planner.engine import dialect
from planner.engine.settings import EngineSettings, with_engine
from planner.engine.spark import java_available
from planner.errors import EngineError

RETAIL = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail"
QUERIES = sorted(p.stem for p in (Path(sql.__file__).parent / sql.QUERIES).glob("*.sql"))
SPARK = EngineSettings("spark", "local[2]")
needs_java = pytest.mark.skipif(not java_available(),
                                reason="no Java: Spark needs a JDK 17+ (apt-get install "
                                       "default-jdk-headless); .ci/run installs one")
YEAR = "[calendar]\nyear = 2027\nofficial = true\n[target]\nmultiple = 1.3\n"
PARAMS = {"ws": date(2025, 1, 1), "we": date(2025, 12, 31), "ramp": 5,
          "unknown": sql.UNKNOWN_TEAM, "all": sql.ALL_PRODUCTS}


# --- the dialect: every statement written once, carried to Spark -------------------------

@pytest.mark.parametrize("name", QUERIES)
def test_every_statement_transpiles_to_spark(name: str) -> None:
    text = sql.statement(name)
    if name == "productivity":
        text = sql.productivity("grade")
    spark = dialect.to_spark(text, PARAMS)
    assert "$" not in spark and "TO_MONTHS" not in spark.upper()
    assert "PERCENTILE_CONT" not in spark.upper()


def test_to_spark_binds_parameters_and_rewrites_duckdb_forms() -> None:
    out = dialect.to_spark("SELECT d < s + to_months($ramp), quantile_cont(x, [0.1, 0.9]), "
                           "string_agg(g, ' ' ORDER BY g) FROM t WHERE day = $ws", PARAMS)
    assert out == ("SELECT d < ADD_MONTHS(s, 5), PERCENTILE(x, ARRAY(0.1, 0.9)), "
                   "LISTAGG(g, ' ') WITHIN GROUP (ORDER BY g NULLS LAST) FROM t "
                   "WHERE day = CAST('2025-01-01' AS DATE)")


def test_to_spark_refuses_a_parameter_without_value() -> None:
    with pytest.raises(KeyError, match=r"SQL parameter \$we has no value"):
        dialect.to_spark("SELECT 1 WHERE d <= $we", {"ws": date(2025, 1, 1)})


def test_list_index_is_one_based_in_duckdb_and_zero_based_in_spark() -> None:
    assert dialect.to_spark("SELECT q[2] FROM t") == "SELECT q[1] FROM t"


# --- settings: [data] engine, spark_master, spark_conf, --engine ---------------------------

def test_unknown_engine_is_refused() -> None:
    with pytest.raises(EngineError, match=r"engine 'impala' is not one of duckdb, spark"):
        EngineSettings("impala")


def test_scenario_engine_keys(sample_dir: Path, tmp_path: Path) -> None:
    from planner import api

    path = scenario_file(tmp_path, sample_dir, 'engine = "spark"\n'
                         'spark_master = "spark://lake:7077"\n'
                         '[data.spark_conf]\n"spark.executor.memory" = "8g"\n' + YEAR)
    scenario = api.load(path)
    assert scenario.engine == EngineSettings("spark", "spark://lake:7077",
                                             {"spark.executor.memory": "8g"})
    assert with_engine(scenario, "duckdb").engine.name == "duckdb"
    assert with_engine(scenario, None).engine.spark_master == "spark://lake:7077"
    default = api.load(scenario_file(tmp_path, sample_dir, YEAR, "d.toml"))
    assert default.engine == EngineSettings()


def test_scenario_data_dir_may_be_a_uri(tmp_path: Path) -> None:
    from planner import api

    path = tmp_path / "s.toml"
    path.write_text('name = "lake"\n[data]\ndir = "s3a://bucket/history"\nengine = "spark"\n'
                    + YEAR, encoding="utf-8")
    assert api.load(path).data_dir == "s3a://bucket/history"


def test_a_uri_needs_spark_but_a_local_file_uri_is_read_by_duckdb(sample_dir: Path,
                                                                  tmp_path: Path) -> None:
    from planner import api
    from planner.errors import ScenarioError
    from planner.pipeline import load_history

    path = tmp_path / "s.toml"
    path.write_text('name = "lake"\n[data]\ndir = "s3a://bucket/history"\n' + YEAR,
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load_history(api.load(path))
    assert str(raised.value) == (
        "s.toml: data.dir: 's3a://bucket/history' is a URI, which only engine \"spark\" "
        "reads; set [data] engine = \"spark\" (or --engine spark), or give a local folder")
    local = tmp_path / "f.toml"
    local.write_text(f'name = "lake"\n[data]\ndir = "{sample_dir.resolve().as_uri()}"\n'
                     + YEAR, encoding="utf-8")
    by_uri = load_history(api.load(local))
    by_path = load_history(api.load(scenario_file(tmp_path, sample_dir, YEAR, "p.toml")))
    pd.testing.assert_frame_equal(by_uri.sales, by_path.sales)


@pytest.mark.parametrize("extra", [[], ["2026-09-01"], ["2025-06-01"], ["2025-06-01", "2026-09-01"],
                                   ["2026-02-14"]])
def test_spark_strays_from_rows_per_day_are_the_pandas_loaders(extra: list[str]) -> None:
    from planner.history import lake
    from planner.history.dates import find_strays

    dates = pd.Series(pd.date_range("2026-01-01", periods=30).repeat(3).append(
        pd.DatetimeIndex(extra)))
    strays = find_strays(dates)
    on_spark, late, early = lake.find_strays(dates.value_counts().sort_index())
    assert (on_spark.first, on_spark.last) == (strays.first, strays.last)
    assert late == (dates[strays.late].min() if strays.late.any() else None)
    assert early == (dates[strays.early].max() if strays.early.any() else None)


def test_scenario_engine_choices(sample_dir: Path, tmp_path: Path) -> None:
    from planner import api
    from planner.errors import ScenarioError

    path = scenario_file(tmp_path, sample_dir, 'engine = "hive"\n' + YEAR)
    with pytest.raises(ScenarioError, match=r"engine.*hive"):
        api.load(path)


# --- equal results on Spark local[2] -------------------------------------------------------

def assert_same_tables(a: Baselines, b: Baselines) -> None:
    """Every table equal: text exactly, numbers to 1e-9 relative, same dtypes."""
    assert a.settings == b.settings
    assert (a.total_amount, a.total_units) == pytest.approx((b.total_amount, b.total_units),
                                                            rel=1e-9)
    for name, left in a.tables().items():
        right = b.tables()[name]
        assert list(left.columns) == list(right.columns), name
        assert len(left) == len(right), name
        for column in left.columns:
            x, y = left[column], right[column]
            assert x.dtype == y.dtype, (name, column, x.dtype, y.dtype)
            numeric = pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x)
            if numeric:
                np.testing.assert_allclose(y.to_numpy(float), x.to_numpy(float), rtol=1e-9,
                                           atol=0, err_msg=f"{name}.{column}")
            elif name in ("report", "settings") and column == "value":
                for u, v in zip(x, y, strict=True):
                    if isinstance(u, float):
                        assert v == pytest.approx(u, rel=1e-9), (name, u, v)
                    else:
                        assert str(u) == str(v), (name, u, v)
            else:
                assert x.astype(str).tolist() == y.astype(str).tolist(), (name, column)


def both(dataset, **options) -> tuple[Baselines, Baselines]:  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (compute_baselines(dataset, **options),
                compute_baselines(dataset, engine=SPARK, **options))


def plan_and_baselines(scenario):  # type: ignore[no-untyped-def]
    """Load the history (on the scenario's engine), its baselines and the plan."""
    from planner import pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pipeline.load_history(scenario)
        baselines = pipeline.scenario_baselines(scenario, dataset)
        return dataset, baselines, pipeline.plan_from_baselines(scenario, baselines,
                                                                dataset=dataset)


def assert_same_plan(left, right) -> None:  # type: ignore[no-untyped-def]
    """The plan's tables equal to 1e-9 relative (after the outputs' rounding)."""
    assert right.target == pytest.approx(left.target, rel=1e-9)
    for name in ("plan", "drivers", "product_targets", "history_teams", "history_monthly",
                 "risk"):
        a, b = getattr(left, name), getattr(right, name)
        assert list(a.columns) == list(b.columns), name
        pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-9, atol=0, obj=name)


@pytest.fixture(scope="module")
def sample_on_duckdb(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The sample scenario (Spark engine) and its plan on DuckDB with the pandas loader."""
    from planner import api

    folder = tmp_path_factory.mktemp("scenario")
    levers = "[levers.customers]\ncap = 0.5\n[levers.productivity]\ncap = 2.0\n"
    path = scenario_file(folder, sample_dir, 'engine = "spark"\n' + YEAR + levers)
    scenario = api.load(path)
    return scenario, plan_and_baselines(with_engine(scenario, "duckdb"))


def pandas_loaded(scenario):  # type: ignore[no-untyped-def]
    """The scenario's history read by the pandas loader (DuckDB's plans read it on DuckDB)."""
    from datetime import date

    from planner.history.load import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_dataset(scenario.data_dir, scenario.mapping,
                            plan_start=date(scenario.year, 1, 1),
                            window_end=scenario.window_end,
                            trailing_months=scenario.trailing_months)


def assert_same_rows(lake_dataset, pandas_dataset) -> None:  # type: ignore[no-untyped-def]
    """The canonical rows on Spark are the pandas loader's; the small tables too."""
    from planner.engine.spark import to_pandas
    from planner.history.lake import Lake

    assert isinstance(lake_dataset.lake, Lake) and pandas_dataset.lake is None
    for name in ("seats", "products", "teams", "customers"):
        left, right = getattr(lake_dataset, name), getattr(pandas_dataset, name)
        assert (left is None) == (right is None), name
        if left is not None:
            pd.testing.assert_frame_equal(left, right, obj=name)
    assert lake_dataset.report.to_frame().astype(str).values.tolist() == \
        pandas_dataset.report.to_frame().astype(str).values.tolist()

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.astype({c: object for c in frame.columns if frame[c].dtype == "str"})
        out = out.where(out.notna(), None)
        return out.sort_values(list(out.columns), na_position="last").reset_index(drop=True)

    pd.testing.assert_frame_equal(rows(to_pandas(lake_dataset.lake.frame)),
                                  rows(pandas_dataset.sales), check_dtype=False,
                                  check_exact=False, rtol=1e-12, obj="sales")


@pytest.mark.spark
@needs_java
def test_sample_plan_read_on_spark_equals_duckdb(sample_on_duckdb) -> None:  # type: ignore[no-untyped-def]
    """The history read, mapped and checked by Spark: the same rows, baselines and plan."""
    scenario, (duck_data, duck, duck_plan) = sample_on_duckdb
    dataset, baselines, result = plan_and_baselines(scenario)
    assert_same_rows(dataset, pandas_loaded(scenario))
    assert_same_tables(duck, baselines)
    assert_same_plan(duck_plan, result)


@pytest.mark.spark
@needs_java
@pytest.mark.parametrize("where", ["file-uri", "parquet"])
def test_sample_read_on_spark_from_uri_and_parquet(where: str, sample_on_duckdb,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    """The sample folder as a file:// URI, and written as Parquet: the pandas loader's rows.

    The baselines and the plan are functions of the loaded Dataset (rows, small tables,
    report), so equal Datasets give the plan the test above checks (not run again: each
    Spark baselines run takes minutes on local[2]).
    """
    from dataclasses import replace

    from planner import pipeline
    from planner.sample.generate import write_sample

    scenario, _ = sample_on_duckdb
    if where == "file-uri":
        expected = pandas_loaded(scenario)
        scenario = replace(scenario, data_dir=f"file://{scenario.data_dir}")
    else:
        write_sample(tmp_path, seed=7, fmt="parquet")
        scenario = replace(scenario, data_dir=tmp_path)
        expected = pandas_loaded(scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pipeline.load_history(scenario)
    assert_same_rows(dataset, expected)
    assert dataset.source == str(scenario.data_dir)
    small = dataset.sales.groupby(dataset.sales["date"].dt.to_period("M"))["amount"].sum()
    full = expected.sales.groupby(expected.sales["date"].dt.to_period("M"))["amount"].sum()
    pd.testing.assert_series_equal(small, full, check_exact=False, rtol=1e-12)


@pytest.mark.spark
@needs_java
def test_online_retail_read_on_spark_equals_duckdb() -> None:
    """Online Retail with its builtin mapping (duplicates, exclusions, returns, keep_top,
    derived seats and product names) loaded on Spark: DuckDB's baselines."""
    from planner.history.lake import load_lake
    from planner.history.load import load_dataset
    from planner.history.mapping import builtin_mapping

    if not (RETAIL / "online_retail.csv.gz").is_file():
        pytest.skip(f"real data not available: {RETAIL / 'online_retail.csv.gz'}")
    mapping = builtin_mapping("online_retail")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_pandas = load_dataset(RETAIL, mapping)
        on_spark = load_lake(RETAIL, mapping, settings=SPARK)
        duck, spark = compute_baselines(on_pandas), compute_baselines(on_spark)
    assert_same_rows(on_spark, on_pandas)
    assert_same_tables(duck, spark)
    assert len(spark.products) == 41 and spark.report.iloc[0, 1] == 541909


BAD_SALES = """date,seat,product,amount,units
2025-01-05,S1,P1,100,1
2025-13-01,S1,P1,100,1
2025-02-30,S1,P1,100,1
2025-01-07,S1,P1,abc,1
2025-01-08,S1,P9,50,1
2025-01-09,S1,P9,60,2
2025-01-09,S1,P1,-5,1
"""


@pytest.mark.spark
@needs_java
def test_bad_sales_on_spark_list_every_problem(tmp_path: Path) -> None:
    from planner.errors import InputError
    from planner.history.lake import load_lake

    (tmp_path / "sales.csv").write_text(BAD_SALES, encoding="utf-8")
    (tmp_path / "products.csv").write_text("product\nP1\n", encoding="utf-8")
    (tmp_path / "seats.csv").write_text("seat,team,grade\nS1,T1,A\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_lake(f"file://{tmp_path}", settings=SPARK)
    assert [str(p) for p in caught.value.problems] == [
        "sales.csv column 'date': '2025-02-30' is not a date; expected a date like "
        "2026-03-31, or set date_format in the mapping's [sales.options]",
        "sales.csv column 'date': '2025-13-01' is not a date; expected a date like "
        "2026-03-31, or set date_format in the mapping's [sales.options]",
        "sales.csv column 'amount': 'abc' is not a number; expected a number like 1234.5",
        "sales.csv column 'amount': '-5' is negative; mark returns in the mapping "
        "([sales.options] returns = true) or fix the row",
        "sales.csv column 'product': 'P9' is not a product in products.csv; add it to "
        "products.csv or fix the row",
        "sales.csv column 'product': and 1 more row with the same problem",
    ]


def test_strptime_formats_become_spark_patterns() -> None:
    from planner.errors import MappingError
    from planner.history.lake_sql import spark_pattern

    assert spark_pattern("%d/%m/%Y %H:%M:%S") == "d/M/y H:m:s"
    assert spark_pattern("%Y%m%dT%H") == "yMd'T'H"
    with pytest.raises(MappingError, match=r"date_format '%d %Z': %Z cannot be read by Spark"):
        spark_pattern("%d %Z")
