"""Fuzz the CLI with a few hundred generated bad or hostile inputs (issue 10, item 7).

Each case (see ``tests/fuzz_cases.py``) damages one input of a trimmed sample (a number,
a date, a header, a file, a scenario key, the mapping, an argument), runs one command
in-process and checks that:

- the exit status is 0, 2 or 3 (1 is an unexpected error) and nothing prints a traceback;
- a refusal (2 or 3) names the file (or the flag) and, where one applies, the key or row;
- plainly invalid input (``inf`` in a table, an unknown team in ``[[hires]]``, ...) is not
  accepted;
- every input is unchanged (every file under the case's folder hashed before and
  after), and nothing is written outside ``--out`` (nothing at all on exit 2);
- no workbook holds a formula made from user text.

A failing case prints a reproduction: the mutation, the seed, the command line and every
input that differs from the base. Known bugs, listed in :data:`KNOWN_BUGS`, turn their
cases into xfails naming the bug; remove an entry when the bug is fixed.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fuzz_cases import (
    MUTATIONS,
    Case,
    Finding,
    Result,
    Setup,
    generate,
    judge,
    materialise,
    reproduction,
    run_case,
    snapshot,
    write_base,
)

SEED = 0
COUNT = 200
#: A case over this many seconds counts as a hang (the whole trimmed plan takes ~3 s).
TIMEOUT = 60.0
CASES = generate(COUNT, SEED, fast=True)

#: Known bugs: (pattern on the case's label, finding kinds it explains, the bug). A case
#: whose every finding is explained here is an xfail; remove an entry once its bug is fixed.
KNOWN_BUGS: tuple[tuple[str, frozenset[str], str], ...] = ()


def known_bug(setup: Setup, findings: list[Finding]) -> str | None:
    """The known bugs that explain every finding of a case, or None."""
    reasons = []
    for finding in findings:
        match = next((reason for pattern, kinds, reason in KNOWN_BUGS
                      if re.search(pattern, setup.label) and finding.kind in kinds), None)
        if match is None:
            return None
        reasons.append(match)
    return "; ".join(dict.fromkeys(reasons))


@pytest.fixture(scope="module")
def fuzz_base(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trimmed sample (3 teams, 1 month) and its scenarios, written once."""
    return write_base(tmp_path_factory.mktemp("fuzz_base"), sample=sample_dir)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fuzz_case(case: Case, fuzz_base: Path, tmp_path: Path) -> None:
    setup = materialise(case, fuzz_base, tmp_path / "case")
    before = snapshot(tmp_path)
    result = run_case(setup, timeout=TIMEOUT)
    findings = judge(setup, result, before, snapshot(tmp_path), outer=tmp_path)
    if not findings:
        return
    repro = reproduction(setup, fuzz_base, result, findings)
    reason = known_bug(setup, findings)
    if reason is not None:
        pytest.xfail(f"known bug: {reason}\n{repro}")
    pytest.fail(repro, pytrace=False)


def test_every_mutation_is_drawn() -> None:
    assert sorted({c.mutation for c in CASES}) == sorted(MUTATIONS)
    assert generate(COUNT, SEED, fast=True) == CASES


def test_base_case_plans_cleanly(fuzz_base: Path, tmp_path: Path) -> None:
    """The trimmed sample plans (exit 0, no finding): the mutations start from a good case."""
    setup = Setup(Case(SEED, -1, "none"), tmp_path / "case", ("plan", "scenario.toml", "--out",
                  "out"), "out", ("scenario.toml",), (), False, "none", ())
    shutil.copytree(fuzz_base, setup.root)
    before = snapshot(tmp_path)
    result = run_case(setup, timeout=TIMEOUT)
    assert result.status == 0, result.stderr
    assert judge(setup, result, before, snapshot(tmp_path), outer=tmp_path) == []
    assert "WARNING" not in result.stderr
    assert sorted(p.name for p in (setup.root / "out" / "teams").iterdir()) == [
        "T01.xlsx", "T02.xlsx", "T03.xlsx"]


def _setup(root: Path, **changes: Any) -> Setup:
    """A setup of ``drivers s.toml --out out`` whose refusals must name s.toml and the key."""
    setup = Setup(Case(SEED, -1, "none"), root, ("drivers", "s.toml", "--out", "out"), "out",
                  ("s.toml",), ("target.multiple",), False, "none", ())
    return dataclasses.replace(setup, **changes)


def test_judge_sees_every_kind_of_finding(tmp_path: Path) -> None:
    """The checks bite: a crash, a traceback, an unnamed refusal, a lost input, a stray
    file and an accepted bad input are each reported."""
    root = tmp_path / "case"
    root.mkdir()
    (root / "s.toml").write_text("x = 1\n", encoding="utf-8")
    before = snapshot(tmp_path)
    (root / "s.toml").write_text("x = 2\n", encoding="utf-8")
    (root / "stray.csv").write_text("a\n", encoding="utf-8")
    (root / "out").mkdir()
    (root / "out" / "plan.csv").write_text("a\n", encoding="utf-8")
    after = snapshot(tmp_path)

    def kinds(result: Result, **changes: Any) -> list[str]:
        return sorted(f.kind for f in judge(_setup(root, **changes), result, before, after,
                                            outer=tmp_path))

    crash = Result(1, "", "planner: unexpected error: KeyError: 'x'\n"
                   "Traceback (most recent call last):\n", 0.1)
    assert kinds(crash) == ["crash", "data_loss", "stray_write", "traceback"]
    unnamed = Result(2, "", "planner: error: target.multiple: inf must be finite\n", 0.1)
    assert kinds(unnamed) == ["data_loss", "stray_write", "unnamed_refusal"]
    no_key = Result(2, "", "planner: error: s.toml line 3: bad\n", 0.1)
    assert "unnamed_refusal" in kinds(no_key)
    named = Result(2, "", "planner: error: s.toml line 3: target.multiple: inf is bad\n", 0.1)
    assert "unnamed_refusal" not in kinds(named)
    unreachable = Result(3, "", "planner: error: target 50x is out of reach\n", 0.1)
    assert "unnamed_unreachable" in kinds(unreachable)
    ok = Result(0, "done\n", "", 0.1)
    assert kinds(ok, refuse=True) == ["accepted_bad", "data_loss", "stray_write"]
    hang = Result(None, "", "", 60.0)
    assert kinds(hang) == ["data_loss", "hang"]


def test_judge_counts_formula_cells_from_user_text(tmp_path: Path) -> None:
    import openpyxl

    root = tmp_path / "case"
    (root / "out").mkdir(parents=True)
    before = snapshot(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "=SUM(B1:B2)"  # the planner's own formula: fine
    sheet["A2"] = '=HYPERLINK("http://x/?FZMARK","click")'  # user text as a formula
    sheet["A3"].value = "=FZMARK"
    sheet["A3"].data_type = "s"  # user text stored as text: fine
    book.save(root / "out" / "book.xlsx")
    findings = judge(_setup(root), Result(0, "", "", 0.1), before, snapshot(tmp_path),
                     outer=tmp_path)
    assert [(f.kind, f.count) for f in findings] == [("formula", 1)]
    assert "book.xlsx!Sheet!A2" in findings[0].detail
