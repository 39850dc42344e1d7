"""File-name sanitising and text escaping for the outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.outputs.safety import (
    MAX_STEM,
    cell_text,
    chart_text,
    csv_safe_text,
    header_text,
    looks_like_formula,
    safe_file_stem,
)

CASES = [
    # (name, expected stem)
    ("Team A", "Team A"),
    ("销售一组", "销售一组"),
    ('=HYPERLINK("http://x","y")', "=HYPERLINK(_http___x_,_y_)"),
    ("@SUM(A1)", "@SUM(A1)"),
    ("../etc/passwd", "_etc_passwd"),
    ("..\\..\\windows\\system32", "_._windows_system32"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
    ("..", "team"),
    ("...hidden", "hidden"),
    ("team..name", "team.name"),
    ("  padded  ", "padded"),
    ("ends with dots...", "ends with dots"),
    ("tab\tand\nnewline", "tab and newline"),
    ("nul\x00byte\x1f", "nulbyte"),
    ("bidi\u202egnp.exe", "bidignp.exe"),
    ("", "team"),
    ("   ", "team"),
    ("CON", "CON_"),
    ("con", "con_"),
    ("Nul.txt", "Nul_.txt"),
    ("COM1", "COM1_"),
    ("lpt9", "lpt9_"),
    ("COM10", "COM10"),
    ("CONSOLE", "CONSOLE"),
    ("x" * 200, "x" * MAX_STEM),
    ("长" * 100, "长" * MAX_STEM),
]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_safe_file_stem(name: str, expected: str) -> None:
    taken: set[str] = set()
    assert safe_file_stem(name, taken) == expected
    assert taken == {expected}


def test_stems_are_unique_case_insensitively() -> None:
    taken: set[str] = set()
    stems = [safe_file_stem(name, taken)
             for name in ("Sales", "sales", "SALES", "a/b", "a_b", "Sales-2")]
    assert stems == ["Sales", "sales-2", "SALES-3", "a_b", "a_b-2", "Sales-2-2"]
    assert len({s.casefold() for s in stems}) == len(stems)


def test_suffix_keeps_long_stems_within_the_limit() -> None:
    taken: set[str] = set()
    first = safe_file_stem("y" * 300, taken)
    second = safe_file_stem("Y" * 300, taken)
    assert len(first) == MAX_STEM and len(second) == MAX_STEM
    assert second.endswith("-2")


@pytest.mark.parametrize(("text", "expected"), [
    ("R&D", "R&&D"),
    ("&P&N", "&&P&&N"),
    ("line\nbreak", "line break"),
    ("=1+1", "=1+1"),
])
def test_header_text_escapes_control_codes(text: str, expected: str) -> None:
    assert header_text(text) == expected


def test_header_text_is_cut() -> None:
    assert header_text("a" * 500, limit=60) == "a" * 60


def test_chart_text_escapes_mathtext_and_cuts() -> None:
    assert chart_text("$1 and $2") == r"\$1 and \$2"
    assert chart_text("z" * 100, limit=10) == "z" * 9 + "…"


def test_cell_text() -> None:
    assert cell_text(None) == "" and cell_text(float("nan")) == ""
    assert len(cell_text("q" * 40_000)) == 32_767
    assert cell_text("=SUM(A1)") == "=SUM(A1)"


@pytest.mark.parametrize(("text", "expected"), [
    ("=A1", True), ("+1", True), ("-x", True), ("@SUM(A1)", True), ("a=b", False),
    ("销售", False),
])
def test_looks_like_formula(text: str, expected: bool) -> None:
    assert looks_like_formula(text) is expected


@pytest.mark.parametrize("text", [
    "=SUM(C6:N6)",
    '=IF(\'目标\'!C6=0,"",IF(C6="","",C6/\'目标\'!C6))',
    '=IF(SUM(H7:H10)=0,"",SUMPRODUCT(B7:B10,G7:G10)/SUM(H7:H10))',
    "=SUMIF(A1:A3,\">0\")",
    "=XLOOKUP(A1,B1:B3,C1:C3)",
    "{=SUM(A1:A3*B1:B3)}",
])
def test_fast_formula_preparation_matches_xlsxwriter(text: str) -> None:
    from xlsxwriter.worksheet import Worksheet

    from planner.outputs.cells import PlainFormulaWorksheet

    assert PlainFormulaWorksheet()._prepare_formula(text) == Worksheet()._prepare_formula(text)


@pytest.mark.parametrize(("value", "expected"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ('=HYPERLINK("http://x/?"&A1,"click")', '\'=HYPERLINK("http://x/?"&A1,"click")'),
    ("+1", "'+1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"),
    ("a=b", "a=b"), ("销售一组", "销售一组"), ("", ""), ("'=x", "'=x"),
    (-5.0, -5.0), (-3, -3), (None, None),
])
def test_csv_safe_text(value: object, expected: object) -> None:
    assert csv_safe_text(value) == expected


def test_csv_writer_escapes_only_text_when_asked(tmp_path: Path) -> None:
    import pandas as pd

    from planner.outputs.csv_writer import write_csv

    frame = pd.DataFrame({"team": ["=1+1", "North", None], "amount": [-1.5, 2.0, 3.0],
                          "units": [-1, 2, 3],
                          "tier": pd.Categorical(["@x", "high", "low"]),
                          "=header": ["-y", "z", "w"]})
    literal = write_csv(frame, tmp_path / "a.csv").read_text(encoding="utf-8")
    assert literal.splitlines() == ["team,amount,units,tier,=header", "=1+1,-1.5,-1,@x,-y",
                                    "North,2.0,2,high,z", ",3.0,3,low,w"]
    safe = write_csv(frame, tmp_path / "b.csv", csv_safe=True).read_text(encoding="utf-8")
    assert safe.splitlines() == ["team,amount,units,tier,'=header", "'=1+1,-1.5,-1,'@x,'-y",
                                 "North,2.0,2,high,z", ",3.0,3,low,w"]
    assert frame.loc[0, "team"] == "=1+1"  # the frame itself is not changed
