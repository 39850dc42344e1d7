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
    (MINIMAL + "[levers.repurchase]\ncap = -0.5\n",
     "s.toml line 8: levers.repurchase.cap: -0.5 must be >= min (0)"),
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


# --- every problem at once, each naming its file, line and key --------------------------

def problems_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("multiple = 10", "multiple = 10\nbuffer = 2") + (
        "[levers.ticket]\ncap = inf\ncost = -1\n"
        "[solver]\nthreads = 1000000\ntime_limit = -5\n"
        "[kpis]\nrevenue = 1.4\nnew_customers = -0.8\n"
    )
    assert problems_of(write(tmp_path, text)) == (
        "7 problems in scenario s.toml:\n"
        "  s.toml line 7: target.buffer: 2 must be a finite number between 0 and 1\n"
        "  s.toml line 9: levers.ticket.cap: inf must be a finite number between -0.99 and 100\n"
        "  s.toml line 10: levers.ticket.cost: -1 must be a finite number > 0 and <= 1000\n"
        "  s.toml line 12: solver.threads: 1000000 must be between 0 and 64\n"
        "  s.toml line 13: solver.time_limit: -5 must be a finite number > 0 and <= 86400\n"
        "  s.toml line 15: kpis.revenue: 1.4 must be a finite number between 0 and 1\n"
        "  s.toml line 16: kpis.new_customers: -0.8 must be a finite number between 0 and 1"
    )


def test_problems_name_the_base_file_the_key_came_from(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL + "[levers.ticket]\ncap = 0.2\n[attrition]\nmonthly_rate = 1.5\n"
          "[[hires]]\ngrade = \"A\"\nteam = \"T1\"\nmonth = 2\ncount = 10000000\n", "base.toml")
    child = write(tmp_path, 'base = "base.toml"\n[levers.ticket]\nmin = 0.5\n'
                  "[target]\nmultiple = 3\namount = 5\n", "child.toml")
    assert problems_of(child) == (
        "4 problems in scenario child.toml:\n"
        "  base.toml line 10: attrition.monthly_rate: 1.5 must be a finite number >= 0 and < 1\n"
        "  base.toml line 15: hires[0].count: 10000000 must be between 0 and 100000\n"
        "  child.toml line 5: target.multiple: give exactly one of [target] multiple (of the "
        "trailing 12 months) or amount\n"
        # cap comes from the base, min from the child: the cap's file is named
        "  base.toml line 8: levers.ticket.cap: 0.2 must be >= min (0.5)"
    )


def test_a_base_value_the_child_replaces_is_still_reported(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL + "[allocation]\nramp_months = -1\n", "base.toml")
    child = write(tmp_path, 'base = "base.toml"\n[allocation]\nramp_months = 3\n', "child.toml")
    assert problems_of(child) == (
        "base.toml line 8: allocation.ramp_months: -1 must be between 0 and 36")


def test_unknown_key_does_not_also_report_the_key_it_misspells(tmp_path: Path) -> None:
    text = MINIMAL.replace("multiple = 10", "multple = 10") + (
        "[[hires]]\ngrade = \"A\"\nteem = \"T1\"\nmonth = 2\ncount = 1\n"
        "[[hires]]\ngrade = \"A\"\nmonth = 2\ncount = -1\n")
    message = problems_of(write(tmp_path, text))
    assert message.splitlines() == [
        "4 problems in scenario s.toml:",
        "  s.toml line 6: target.multple: unknown key; did you mean 'multiple'? (known: amount, "
        "buffer, confidence, multiple)",
        "  s.toml line 9: hires[0].teem: unknown key; did you mean 'team'? (known: count, grade, "
        "month, new_team, team)",
        "  s.toml line 15: hires[1].count: -1 must be between 0 and 100000",
        "  s.toml line 12: hires[1].team: missing; each [[hires]] needs grade, team, month, count",
    ]


def test_not_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(MINIMAL.encode() + b'[[events]]\nname = "caf\xe9"\n')
    assert problems_of(path) == "s.toml line 8: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_not_utf8_base_names_the_base(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_bytes(b"name = '\xff'\n")
    child = write(tmp_path, 'base = "base.toml"\n', "child.toml")
    assert problems_of(child) == (
        "base.toml line 1: not UTF-8 text (byte 0xff); save the file as UTF-8")


def test_utf8_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).year == 2027


def test_invalid_toml_in_a_base_names_the_base(tmp_path: Path) -> None:
    write(tmp_path, "[calendar\n", "base.toml")
    child = write(tmp_path, 'base = "base.toml"\n', "child.toml")
    assert problems_of(child).startswith("base.toml: not valid TOML: ")


def test_missing_scenario_file_and_folder(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope.toml") == (
        f"scenario file not found: {tmp_path / 'nope.toml'}; check the path")
    assert problems_of(tmp_path) == f"scenario file is a folder: {tmp_path}; check the path"


# One key at a time: the value and the range it must be in (0-based line within the body).
RANGES = [
    ("[levers.ticket]\ncap = inf", "levers.ticket.cap: inf must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\ncap = 101", "levers.ticket.cap: 101 must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\nfixed = inf", "levers.ticket.fixed: inf must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\nmin = -1", "levers.ticket.min: -1 must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\nmin = nan", "levers.ticket.min: nan must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\ncost = inf", "levers.ticket.cost: inf must be a finite number > 0 and <= 1000"),
    ("[levers.ticket]\ncost = 0", "levers.ticket.cost: 0 must be a finite number > 0 and <= 1000"),
    ("[levers.ticket]\nbreakpoints = [0.1, inf]\nslopes = [1, 2, 3]",
     "levers.ticket.breakpoints: inf in [0.1, inf] must be a finite number between -0.99 and 100"),
    ("[levers.ticket]\nbreakpoints = [0.1]\nslopes = [-1, 2]",
     "levers.ticket.slopes: -1 in [-1, 2] must be a finite number between 0 and 1000"),
    ("[levers.ticket]\nbreakpoints = [0.1]\nslopes = ['a', 2]",
     "levers.ticket.slopes: 'a' in ['a', 2] must be integer or number"),
    ("[levers.ticket]\nproducts = [1]", "levers.ticket.products: 1 in [1] must be text"),
    ("[attrition]\nmonthly_rate = inf", "attrition.monthly_rate: inf must be a finite number >= 0 and < 1"),
    ("[attrition]\nmonthly_rate = 1", "attrition.monthly_rate: 1 must be a finite number >= 0 and < 1"),
    ("[allocation]\ndeviation_weight = inf",
     "allocation.deviation_weight: inf must be a finite number between 0 and 1000"),
    ("[allocation]\nsmoothness = -1", "allocation.smoothness: -1 must be a finite number between 0 and 1000"),
    ("[allocation]\nfairness_band = 11", "allocation.fairness_band: 11 must be a finite number between 0 and 10"),
    ("[allocation]\ncapacity_headroom = -0.1",
     "allocation.capacity_headroom: -0.1 must be a finite number between 0 and 10"),
    ("[allocation]\nramp_months = 37", "allocation.ramp_months: 37 must be between 0 and 36"),
    ("[allocation]\nramp_months = 1e30", "allocation.ramp_months: 1e+30 must be integer"),
    ("[allocation]\ncapacity_basis = \"team\"", "allocation.capacity_basis: 'team' must be one of grade, seat"),
    ("[solver]\nthreads = 65", "solver.threads: 65 must be between 0 and 64"),
    ("[solver]\nthreads = -1", "solver.threads: -1 must be between 0 and 64"),
    ("[solver]\ntime_limit = 0", "solver.time_limit: 0 must be a finite number > 0 and <= 86400"),
    ("[solver]\ntime_limit = inf", "solver.time_limit: inf must be a finite number > 0 and <= 86400"),
    ("[solver]\nmethod = \"fast\"", "solver.method: 'fast' must be one of ipm, simplex, choose"),
    ("[kpis]\nrevenue = -0.8", "kpis.revenue: -0.8 must be a finite number between 0 and 1"),
    ("[data]\ntrailing_months = 0", "data.trailing_months: 0 must be between 1 and 36"),
    ("[data]\ntrailing_months = 37", "data.trailing_months: 37 must be between 1 and 36"),
    ("[[hires]]\ngrade = \"A\"\nteam = \"T1\"\nmonth = 2\ncount = 100001",
     "hires[0].count: 100001 must be between 0 and 100000"),
    ("[[hires]]\ngrade = \"A\"\nteam = \"T1\"\nmonth = 2\ncount = 2.5",
     "hires[0].count: 2.5 must be integer"),
    ("[[events]]\nname = \"x\"\nstart = \"2027-01-04\"\nend = \"2027-01-10\"\nmultiplier = inf",
     "events[0].multiplier: inf must be a finite number > 0 and <= 100"),
    ("[[events]]\nname = \"x\"\nstart = \"2027-01-04\"\nend = \"2027-01-10\"\nmultiplier = 0",
     "events[0].multiplier: 0 must be a finite number > 0 and <= 100"),
    ("[[supply]]\nproduct = \"P\"\nmonthly_units = 5\nmonths = [0, 13]",
     "supply[0].months: 0 in [0, 13] must be 1..12"),
    ("[[supply]]\nproduct = \"P\"\nmonthly_units = inf",
     "supply[0].monthly_units: inf must be a finite number between 0 and 1e+18"),
    ("[[mix]]\ntier = \"high\"\nmin_share = 1.2", "mix[0].min_share: 1.2 must be a finite number between 0 and 1"),
    ("[[mix]]\ntier = \"high\"\nmax_amount = -5", "mix[0].max_amount: -5 must be a finite number between 0 and 1e+18"),
]


def line_of_key(text: str, message: str) -> int:
    """The line of the key a message names (the last part of ``table.key: ...``)."""
    key = message.split(":")[0].split(".")[-1]
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(key + " "))


@pytest.mark.parametrize("body, message", RANGES)
def test_each_number_has_a_range(tmp_path: Path, body: str, message: str) -> None:
    text = MINIMAL + body + "\n"
    if body.startswith("[data]\n"):  # a key of a table MINIMAL already has
        text = MINIMAL.replace('dir = "data"', 'dir = "data"\n' + body.split("\n", 1)[1])
    line = line_of_key(text, message)
    assert problems_of(write(tmp_path, text)) == f"s.toml line {line}: {message}"


@pytest.mark.parametrize("target, message", [
    ("multiple = 0", "target.multiple: 0 must be a finite number > 0 and <= 1000"),
    ("multiple = inf", "target.multiple: inf must be a finite number > 0 and <= 1000"),
    ("amount = -1.0", "target.amount: -1.0 must be a finite number > 0 and <= 1e+18"),
    ("amount = 1e300", "target.amount: 1e+300 must be a finite number > 0 and <= 1e+18"),
    ("multiple = 2\nbuffer = -0.1", "target.buffer: -0.1 must be a finite number between 0 and 1"),
])
def test_target_ranges(tmp_path: Path, target: str, message: str) -> None:
    text = MINIMAL.replace("multiple = 10", target)
    line = 6 + target.count("\n")
    assert problems_of(write(tmp_path, text)) == f"s.toml line {line}: {message}"


@pytest.mark.parametrize("table, keys, message", [
    ("data", 'window_end = "2027-03-01"',
     "s.toml line 2: data.window_end: 2027-03-01 is not before the plan year 2027: the trailing "
     "window must end by 2026-12-31"),
    ("calendar", 'extra_holidays = ["2027-10-01", "2026-10-01"]',
     "s.toml line 4: calendar.extra_holidays: 2026-10-01 is outside the plan year 2027: use a "
     "date in 2027-01-01..2027-12-31"),
    ("calendar", 'extra_holidays = ["2027-02-30"]',
     "s.toml line 4: calendar.extra_holidays: '2027-02-30' is not a date; write it as YYYY-MM-DD"),
    ("calendar", 'extra_holidays = ["2027-10-08"]\nextra_working_days = [2027-10-08]',
     "s.toml line 5: calendar.extra_working_days: date 2027-10-08 is in both extra_holidays and "
     "extra_working_days: keep it in only one of them"),
    ("calendar", 'country = "XX"',
     "s.toml line 4: calendar.country: 'XX' is not a country of the holidays package: use an "
     "ISO 3166 code such as CN, US, GB, DE"),
])
def test_rules_in_data_and_calendar(tmp_path: Path, table: str, keys: str, message: str) -> None:
    text = MINIMAL.replace(f"[{table}]\n", f"[{table}]\n{keys}\n")
    assert problems_of(write(tmp_path, text)) == message


@pytest.mark.parametrize("body, message", [
    ("[[events]]\nname = \"x\"\nstart = \"2026-12-20\"\nend = \"2027-01-10\"\nmultiplier = 2",
     "s.toml line 9: events[0].start: 2026-12-20 is outside the plan year 2027: use a date in "
     "2027-01-01..2027-12-31"),
    ("[[events]]\nname = \"x\"\nstart = 2027-03-01\nend = 2027-02-01\nmultiplier = 2",
     "s.toml line 10: events[0].end: datetime.date(2027, 2, 1) is before start "
     "datetime.date(2027, 3, 1)"),
    ("[levers.ticket]\nbreakpoints = [0.5, 0.1]\nslopes = [1, 2, 3]",
     "s.toml line 8: levers.ticket.breakpoints: must be increasing"),
    ("[levers.ticket]\nbreakpoints = [0.1]\nslopes = [3, 2]",
     "s.toml line 9: levers.ticket.slopes: must not decrease (the stretch cost is convex)"),
    ("[levers.ticket]\nbreakpoints = [0.1]",
     "s.toml line 7: levers.ticket.slopes: give breakpoints and one more slope than breakpoints"),
    ("[levers.ticket]\nsegments = []",
     "s.toml line 8: levers.ticket.segments: [] names no segments; list at least one, or \"*\" "
     "for all"),
    ("[levers.seat]\nkind = \"productivity\"",
     "s.toml line 8: levers.seat.kind: 'productivity' makes a second productivity lever (with "
     "'productivity'); give exactly one: seat productivity is shared across products"),
    ("[levers.productivity]\nproducts = [\"A\"]",
     "s.toml line 8: levers.productivity.products: ['A']: the productivity lever acts on every "
     "product and segment (seat productivity is shared across products); leave it out"),
    ("[[mix]]\ntier = \"high\"\nmin_share = 0.5\nmax_share = 0.3",
     "s.toml line 9: mix[0].min_share: 0.5 must be <= max_share (0.3)"),
    ("[[mix]]\ntier = \"high\"\nmin_share = 0.6\n[[mix]]\ntier = \"low\"\nmin_share = 0.6",
     "s.toml line 12: mix[1].min_share: min_share over all [[mix]] rules adds up to 1.2; shares "
     "of revenue add up to at most 1"),
    ("[[supply]]\nproduct = \"P\"\nmonthly_units = 5\nmonths = [1, 1, 1]",
     "s.toml line 10: supply[0].months: [1, 1, 1] lists month 1 more than once; list each "
     "month once"),
    ("[[supply]]\nproduct = \"P\"\nmonthly_units = 5\nmonthly_amount = 5",
     "s.toml line 9: supply[0].monthly_units: give exactly one of monthly_units or "
     "monthly_amount"),
])
def test_rules_across_keys(tmp_path: Path, body: str, message: str) -> None:
    assert problems_of(write(tmp_path, MINIMAL + body + "\n")) == message


def test_toml_dates_are_accepted(tmp_path: Path) -> None:
    text = MINIMAL + "[[events]]\nname = \"x\"\nstart = 2027-01-04\nend = 2027-01-10\nmultiplier = 2\n"
    event = load_scenario(write(tmp_path, text)).events[0]
    assert (event.start.isoformat(), event.end.isoformat()) == ("2027-01-04", "2027-01-10")


def test_base_data_dir_and_mapping_stay_relative_to_the_base(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    write(tmp_path / "common", MINIMAL.replace('dir = "data"', 'dir = "data"\nmapping = "m.toml"'),
          "base.toml")
    child = write(tmp_path, 'base = "common/base.toml"\n', "child.toml")
    s = load_scenario(child)
    assert s.data_dir == (tmp_path / "common" / "data").resolve()
    assert s.mapping == str((tmp_path / "common" / "m.toml").resolve())


def test_ranges_are_documented_in_the_readme() -> None:
    from planner.scenario.schema import ranges_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert ranges_markdown() in readme


# --- checks against the data, before anything is solved ---------------------------------

@pytest.fixture(scope="module")
def sample_dataset(sample_dir: Path):
    from planner.history.load import load_dataset

    return load_dataset(sample_dir)


@pytest.fixture(scope="module")
def sample_baselines(sample_dataset):
    from planner.baselines.compute import compute_baselines

    return compute_baselines(sample_dataset)


HIRE = '[[hires]]\ngrade = "{grade}"\nteam = "{team}"\nmonth = 2\ncount = 3\n'


def test_data_problems_are_listed_together(tmp_path: Path, sample_baselines) -> None:
    from planner.scenario.checks import check_scenario

    text = MINIMAL + (
        '[levers.ticket]\nproducts = ["bank_wm"]\n'
        '[levers.repurchase_best]\nkind = "repurchase"\nsegments = ["S9"]\n'
        + HIRE.format(grade="C", team="t03") + HIRE.format(grade="Z", team="T99")
        + '[[supply]]\nproduct = "NOPE"\nmonthly_units = 5\n'
        '[[events]]\nname = "x"\nstart = "2027-01-04"\nend = "2027-01-10"\nmultiplier = 2\n'
        'products = ["TRUST_A", "TRUST_B"]\n'
    )
    scenario = load_scenario(write(tmp_path, text))
    teams = "T01, T02, T03, T04, T05, T06, T07, T08, T09, T10, T11, T12"
    products = "AM_B, B2C_FUND, BANK_WM, LOAN, TRUST_A, UL_INS"
    assert check_scenario(scenario, sample_baselines) == [
        f"s.toml line 8: levers.ticket.products: 'bank_wm' not in the data; did you mean "
        f"'BANK_WM'? (known: {products}); fix the scope or use \"*\"",
        "s.toml line 11: levers.repurchase_best.segments: 'S9' not in the data (known: "
        "S1_private, S2_affluent, S3_mass_affluent, S4_mass, S5_dormant); fix the scope or use "
        "\"*\"",
        f"s.toml line 14: hires[0].team: 't03' is not a team in the data; did you mean 'T03'? "
        f"(known: {teams}); fix the name, or add new_team = true to start a new team",
        f"s.toml line 19: hires[1].team: 'T99' is not a team in the data; did you mean 'T09'? "
        f"(known: {teams}); fix the name, or add new_team = true to start a new team",
        "s.toml line 18: hires[1].grade: 'Z' has no productivity in the history (known grades: "
        "A, B, C, D, E); use one of them",
        f"s.toml line 23: supply[0].product: 'NOPE' has no sales in the trailing window (known: "
        f"{products}); fix the name",
        f"s.toml line 30: events[0].products: 'TRUST_B' has no sales in the trailing window; did "
        f"you mean 'TRUST_A'? (known: {products}); fix the name or use \"*\"",
    ]


def test_data_problem_from_a_base_names_the_base(tmp_path: Path, sample_baselines) -> None:
    from planner.scenario.checks import check_scenario

    write(tmp_path, MINIMAL + HIRE.format(grade="c", team="T03"), "base.toml")
    child = write(tmp_path, 'base = "base.toml"\n[target]\nmultiple = 3\n', "child.toml")
    assert check_scenario(load_scenario(child), sample_baselines) == [
        "base.toml line 8: hires[0].grade: 'c' has no productivity in the history (known grades: "
        "A, B, C, D, E); did you mean 'C'?; use one of them"]


def test_new_team_must_be_said(tmp_path: Path, sample_baselines) -> None:
    from planner.scenario.checks import check_scenario

    text = (MINIMAL + HIRE.format(grade="C", team="T13") + "new_team = true\n"
            + HIRE.format(grade="C", team="T03") + "new_team = true\n")
    assert check_scenario(load_scenario(write(tmp_path, text)), sample_baselines) == [
        "s.toml line 18: hires[1].new_team: team 'T03' is already in the data; remove new_team"]


def test_mix_floor_on_a_tier_with_no_products(tmp_path: Path, sample_baselines) -> None:
    from dataclasses import replace

    from planner.scenario.checks import check_scenario

    products = sample_baselines.products.assign(margin_tier="standard")
    baselines = replace(sample_baselines, products=products)
    text = MINIMAL + '[[mix]]\ntier = "high"\nmax_share = 0.5\n[[mix]]\ntier = "low"\nmin_share = 0.1\n'
    assert check_scenario(load_scenario(write(tmp_path, text)), baselines) == [
        "s.toml line 12: mix[1].min_share: 0.1 asks for low-margin sales, but no product with "
        "sales in the trailing window is in tier 'low' (tiers: standard); remove the rule or fix "
        "the tiers in products.csv"]


def test_scenario_built_in_code_is_named(sample_baselines) -> None:
    from planner.scenario import Hire, Scenario
    from planner.scenario.checks import check_scenario

    scenario = Scenario(name="what-if", hires=(Hire("C", "T3", 2, 1),))
    assert check_scenario(scenario, sample_baselines) == [
        "scenario 'what-if': hires[0].team: 'T3' is not a team in the data; did you mean 'T03'? "
        "(known: T01, T02, T03, T04, T05, T06, T07, T08, T09, T10, T11, T12); fix the name, or "
        "add new_team = true to start a new team"]


def test_shipped_scenarios_fit_the_sample(sample_baselines) -> None:
    from planner.scenario.checks import check_scenario

    folder = Path(__file__).resolve().parents[1] / "scenarios"
    for name in ("sample_10x", "sample_conservative", "sample_high_margin"):
        assert check_scenario(load_scenario(folder / f"{name}.toml"), sample_baselines) == []


def test_phantom_team_is_refused_before_solving(tmp_path: Path, sample_dir: Path) -> None:
    from conftest import run_cli, scenario_file

    body = ("[calendar]\nyear = 2027\nofficial = true\n[target]\nmultiple = 1.5\n"
            + HIRE.format(grade="C", team="t03"))
    path = scenario_file(tmp_path, sample_dir, body, "phantom.toml")
    run = run_cli("plan", path, "--out", tmp_path / "out")
    assert run.status == 2
    assert run.stderr.splitlines()[-1].startswith(
        "planner: error: phantom.toml line 11: hires[0].team: 't03' is not a team in the data; "
        "did you mean 'T03'?")
    assert "solving" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_every_solve_checks_the_scenario_first(tmp_path: Path, sample_dataset,
                                               sample_baselines) -> None:
    import numpy as np

    from planner.pipeline import plan_from_baselines, run_drivers, scenario_calendar, sweep_scenario

    text = (MINIMAL.replace("multiple = 10", "multiple = 1.5").replace(
        "year = 2027", "year = 2027\nofficial = true") + HIRE.format(grade="C", team="T99"))
    scenario = load_scenario(write(tmp_path, text))
    message = r"^s.toml line 10: hires\[0\].team: 'T99' is not a team in the data"
    with pytest.raises(ScenarioError, match=message):
        plan_from_baselines(scenario, sample_baselines)
    with pytest.raises(ScenarioError, match=message):
        run_drivers(scenario, sample_baselines, scenario_calendar(scenario))
    with pytest.raises(ScenarioError, match=message):
        sweep_scenario(scenario, np.array([1.0]), dataset=sample_dataset)
