from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import ScenarioError
from planner.scenario import load_scenario

MINIMAL = '[data]\ndir = "data"\n[calendar]\nyear = 2027\n[target]\nmultiple = 10\n'


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_scenario_defaults(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, MINIMAL))
    assert s.name == "s"
    assert s.data_dir == (tmp_path / "data").resolve()
    assert s.target_multiple == 10.0 and s.buffer == 0.10
    assert s.fairness_band == 0.20 and s.ramp_months == 5
    assert s.kpis == {"revenue": 0.4, "high_margin_mix": 0.2, "new_customers": 0.2,
                      "active_customers": 0.2}


@pytest.mark.parametrize("text, message", [
    (MINIMAL + "[target2]\nx = 1\n", "s.toml line 7: target2: unknown key; did you mean 'target'?"),
    (MINIMAL.replace("multiple = 10", "multple = 10"),
     "s.toml line 6: target.multple: unknown key; did you mean 'multiple'?"),
    (MINIMAL.replace("multiple = 10", 'multiple = "ten"'),
     "s.toml line 6: target.multiple: 'ten' must be integer or number"),
    (MINIMAL.replace("multiple = 10", "multiple = 10\namount = 5"),
     "s.toml line 6: target.multiple: give exactly one of [target] multiple"),
    (MINIMAL.replace("year = 2027", "year = 1999"),
     "s.toml line 4: calendar.year: 1999 must be between 2000 and 2100"),
    (MINIMAL + "[levers.repurchase]\ncap = -2\n",
     "s.toml line 8: levers.repurchase.cap: -2 must be >= min (0)"),
    (MINIMAL + "[levers.vip]\nkind = \"loyalty\"\n",
     "s.toml line 8: levers.vip.kind: 'loyalty' must be one of customers, conversion"),
    (MINIMAL + "[[hires]]\ngrade = \"A\"\nteam = \"T1\"\nmonth = 13\ncount = 2\n",
     "s.toml line 10: hires[0].month: 13 must be 1..12"),
    (MINIMAL + "[[mix]]\ntier = \"premium\"\nmin_share = 0.2\n",
     "s.toml line 8: mix[0].tier: 'premium' must be one of high, standard, low"),
    (MINIMAL + "[kpis]\nrevenue = 0.9\n", "s.toml line 7: kpis: weights sum to 1.5; they must sum to 1"),
    (MINIMAL + "[[events]]\nname = \"x\"\nstart = \"2027-02-30\"\nend = \"2027-03-01\"\nmultiplier = 2\n",
     "s.toml line 9: events[0].start: '2027-02-30' is not a date; write it as YYYY-MM-DD"),
    ("name = 'x'\nbase = 'missing.toml'\n",
     "s.toml line 2: base: base file 'missing.toml' not found next to s.toml"),
    ("[calendar\nyear = 2027\n", "s.toml: not valid TOML"),
])
def test_schema_errors_name_key_line_and_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    assert str(info.value).startswith(message)


def test_base_scenario_is_extended(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL + "[levers.customers]\ncap = 0.5\n", "base.toml")
    child = write(tmp_path, 'base = "base.toml"\n[target]\nmultiple = 3\n', "child.toml")
    s = load_scenario(child)
    assert s.target_multiple == 3.0
    assert s.year == 2027
    assert [lv.name for lv in s.levers] == ["customers"]
    assert s.data_dir == (tmp_path / "data").resolve()


def test_base_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path, 'base = "b.toml"\n', "a.toml")
    write(tmp_path, 'base = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError, match=r"base files form a cycle \(a.toml -> b.toml -> a.toml\)"):
        load_scenario(tmp_path / "a.toml")


def test_shipped_scenarios_parse() -> None:
    folder = Path(__file__).resolve().parents[1] / "scenarios"
    for path in sorted(folder.glob("*.toml")):
        assert load_scenario(path).year >= 2000
