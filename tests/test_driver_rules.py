"""A rule that needs more revenue than the target says so, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scenario_file

from planner import api
from planner.errors import TargetUnreachableError

MIX_AT_ONE = """
[calendar]
year = 2027
[target]
multiple = 1.0
buffer = 0.0
[levers.customers]
cap = 1.0
[levers.customers_high]
kind = "customers"
products = ["TRUST_A", "UL_INS"]
cap = 2.5
[levers.productivity]
cap = 3.0
[[mix]]
tier = "high"
min_share = 0.45
"""


def test_a_mix_minimum_above_the_target_is_explained(tmp_path: Path, sample_dir: Path) -> None:
    path = scenario_file(tmp_path, sample_dir, MIX_AT_ONE)
    with pytest.raises(TargetUnreachableError) as info:
        api.drivers(path)
    message = str(info.value)
    assert message.startswith("target 1.00x (")
    assert "is below what the rules allow: within mix[0]: margin tier high" in message
    assert message.endswith("loosen the rule, let other products fall with a negative min, "
                            "e.g. [levers.customers] min = -0.2, or raise the target to at "
                            f"least {message.split('about ')[1][:5]}")
    assert info.value.diagnosis.startswith("# Target unreachable\n")


def test_the_same_rule_with_room_to_fall_reaches_the_target(tmp_path: Path,
                                                             sample_dir: Path) -> None:
    body = MIX_AT_ONE.replace("cap = 1.0\n", "cap = 1.0\nmin = -0.5\n", 1)
    result = api.drivers(scenario_file(tmp_path, sample_dir, body))
    assert result.achieved == pytest.approx(result.target, rel=1e-6)
    assert result.target == pytest.approx(result.history_total, rel=1e-9)
