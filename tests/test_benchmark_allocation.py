import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "allocation.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_allocation", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_allocation"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("bench_allocation", None)


def test_generator_is_consistent(bench):
    inputs = bench.generate(5, 9, seed=3)
    assert len(inputs.teams) == 5 and len(inputs.products) == 9
    assert np.allclose(inputs.paths.groupby("product")["share"].sum(), 1.0)
    assert np.allclose(inputs.team_share.groupby("product")["share"].sum(), 1.0)
    # one product sold in a 3-month window, two supply rules over 12 months, one mix rule
    months = inputs.paths.merge(inputs.slots, on="slot").groupby("product")["month"].nunique()
    assert sorted(months.unique()) == [3, 12]
    assert inputs.supply["product"].nunique() == 2 and len(inputs.supply) == 24
    assert list(inputs.mix["value"]) == [0.2]
    high = inputs.products.loc[inputs.products["margin_tier"] == "high", "target"].sum()
    assert high / inputs.products["target"].sum() >= 0.2
    again = bench.generate(5, 9, seed=3)
    assert again.capacity.equals(inputs.capacity)


def test_run_tiny_reports_keys_and_meets_targets(bench):
    record, plan = bench.run(3, 2, seed=1)
    assert list(record)[:9] == ["teams", "products", "columns", "rows", "build_s", "solve_s",
                                "total_s", "highs_only_s", "peak_mb"]
    assert record["teams"] == 3 and record["products"] == 2 and record["feasible"] is True
    assert record["columns"] > 2 * len(plan) - 1 and record["rows"] > 0
    assert all(record[k] >= 0 for k in ("build_s", "solve_s", "total_s", "highs_only_s"))
    assert record["peak_mb"] > 0
    inputs = bench.generate(3, 2, seed=1)
    got = plan.groupby("product")["amount"].sum()
    want = inputs.products.set_index("product")["target"]
    assert np.allclose(got.loc[want.index], want, rtol=1e-6)
    teams = plan.groupby("team")["amount"].sum()
    fair = inputs.fairness.set_index("team")
    assert (teams >= fair["lower"] * (1 - 1e-6)).all() and (teams <= fair["upper"] * (1 + 1e-6)).all()


def test_main_prints_one_json_line(bench, capsys):
    assert bench.main(["--teams", "3", "--products", "2", "--method", "simplex"]) == 0
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert {"teams", "products", "columns", "rows", "build_s", "solve_s", "total_s",
            "highs_only_s", "peak_mb"} <= set(record)
    assert record["method"] == "simplex"
    assert "3 teams x 2 products" in out.err


def test_main_needs_both_sizes(bench, capsys):
    with pytest.raises(SystemExit) as info:
        bench.main(["--teams", "3"])
    assert info.value.code == 2
    assert "give both --teams and --products, or neither" in capsys.readouterr().err
