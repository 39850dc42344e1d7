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


@pytest.mark.spark
@needs_java
def test_sample_plan_on_spark_equals_duckdb(sample_dir: Path, tmp_path: Path) -> None:
    """Baselines and the whole plan on the sample: Spark local[2] == DuckDB."""
    from planner import api

    levers = "[levers.customers]\ncap = 0.5\n[levers.productivity]\ncap = 2.0\n"
    path = scenario_file(tmp_path, sample_dir, 'engine = "spark"\n' + YEAR + levers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_spark = api.plan(api.load(path))
        on_duck = api.plan(with_engine(api.load(path), "duckdb"))
    assert on_spark.target == pytest.approx(on_duck.target, rel=1e-9)
    for name in ("plan", "drivers", "product_targets", "history_teams", "history_monthly"):
        left, right = getattr(on_duck, name), getattr(on_spark, name)
        assert list(left.columns) == list(right.columns), name
        pd.testing.assert_frame_equal(right, left, check_exact=False, rtol=1e-9, atol=0,
                                      obj=name)


@pytest.mark.spark
@needs_java
def test_sample_baselines_on_spark_equal_duckdb(sample_dir: Path) -> None:
    from planner.history.load import load_dataset

    duck, spark = both(load_dataset(sample_dir), window_end=date(2026, 9, 30))
    assert_same_tables(duck, spark)


@pytest.mark.spark
@needs_java
def test_online_retail_baselines_on_spark_equal_duckdb() -> None:
    from planner.history.load import load_dataset
    from planner.history.mapping import builtin_mapping

    if not (RETAIL / "online_retail.csv.gz").is_file():
        pytest.skip(f"real data not available: {RETAIL / 'online_retail.csv.gz'}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = load_dataset(RETAIL, builtin_mapping("online_retail"))
    duck, spark = both(dataset)
    assert_same_tables(duck, spark)
    assert len(spark.products) == 41 and spark.report.iloc[0, 1] == 541909
