"""planner track: actuals from workbooks and transactions, attainment, variance by driver."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from openpyxl import load_workbook
from tracking_fixture import AS_OF, Story, story  # noqa: F401 - the session fixture

from planner import api
from planner.errors import InputError
from planner.tracking.columns import ALL, DRIVER_EFFECTS, FULL_YEAR, TO_DATE, VOLUME_EFFECTS


def _sales(story: Story) -> pd.DataFrame:  # noqa: F811
    sales = pd.read_csv(story.actuals / "sales.csv")
    return sales.loc[sales["date"] <= AS_OF]


@pytest.fixture(scope="module")
def tracked(story: Story) -> api.Tracking:  # noqa: F811
    """The 2026 plan tracked to 2026-06-30 from its transactions, with its scenario."""
    return api.track(story.plan, story.actuals, AS_OF, story.scenario)


def test_transactions_attainment_matches_the_sales(story: Story,  # noqa: F811
                                                   tracked: api.Tracking) -> None:
    result = tracked
    sales = _sales(story)
    seats = pd.read_csv(story.actuals / "seats.csv").set_index("seat")["team"]
    keys = pd.DataFrame({"team": sales["seat"].map(seats), "product": sales["product"],
                         "month": sales["date"].str[:7]})
    expected = sales["amount"].groupby([keys["team"], keys["product"], keys["month"]]).sum()
    rows = result.attainment
    detail = rows.loc[(rows["team"] != ALL) & (rows["product"] != ALL)
                      & ~rows["month"].isin([TO_DATE, FULL_YEAR])]
    got = detail.set_index(["team", "product", "month"])["actual"]
    both = expected.to_frame("expected").join(got, how="outer").fillna(0.0)
    assert np.allclose(both["expected"], both["actual"], atol=1e-6)
    plan = pd.read_csv(story.plan / "plan.csv")
    company = rows.loc[(rows["team"] == ALL) & (rows["month"] == FULL_YEAR)].iloc[0]
    assert company["target"] == pytest.approx(plan["amount"].sum())
    assert company["actual"] == pytest.approx(sales["amount"].sum())
    to_date = rows.loc[(rows["team"] == ALL) & (rows["month"] == TO_DATE)].iloc[0]
    assert to_date["target"] == pytest.approx(plan.loc[plan["month"] <= "2026-06",
                                                       "amount"].sum())
    assert result.as_of.isoformat() == AS_OF


def test_variance_by_driver_sums_exactly(tracked: api.Tracking) -> None:
    result = tracked
    assert result.method == "drivers" and result.effects == DRIVER_EFFECTS
    v = result.variance
    assert list(v.columns) == ["team", "product", "month", "target", "actual", "variance",
                               *DRIVER_EFFECTS]
    assert np.allclose(v[list(DRIVER_EFFECTS)].sum(axis=1), v["variance"], rtol=0,
                       atol=1e-6 * np.maximum(v["actual"].abs(), 1.0))
    assert np.allclose(v["variance"], v["actual"] - v["target"])
    # conversion and ticket each explain a real share: not everything falls into mix
    share = v[list(DRIVER_EFFECTS)].abs().sum() / v["variance"].abs().sum()
    assert share["mix"] < 0.5 and share["conversion"] > 0.05


def test_without_scenario_volume_price_mix(story: Story) -> None:  # noqa: F811
    result = api.track(story.plan, story.actuals, "2026-03-31")
    assert result.method == "volume" and result.effects == VOLUME_EFFECTS
    v = result.variance
    assert set(v["month"]) == {"2026-01", "2026-02", "2026-03"}
    assert np.allclose(v[list(VOLUME_EFFECTS)].sum(axis=1), v["variance"], atol=1e-6)


def _returned(story: Story, folder: Path, team: str = "T01") -> tuple[Path, dict]:  # noqa: F811
    """A copy of a team workbook with numbers typed into its Actuals cells."""
    path = folder / f"{team}-returned.xlsx"
    shutil.copy(story.plan / "teams" / f"{team}.xlsx", path)
    book = load_workbook(path)
    sheet = book["Actuals"]
    typed = {}
    for i, row in enumerate(range(6, 12)):
        product = sheet.cell(row, 1).value
        for col, value in ((3, 1_000_000.0 + i), (4, 2_345_678.25 * (i + 1))):
            sheet.cell(row, col).value = value
            typed[(product, f"2026-{col - 2:02d}")] = value
    book.save(path)
    return path, typed


@pytest.fixture(scope="module")
def returned(story: Story,  # noqa: F811
             tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """T01's workbook as a line manager returns it, typed once (each test takes a copy)."""
    return _returned(story, tmp_path_factory.mktemp("returned"))


def _copy(returned: tuple[Path, dict], folder: Path) -> tuple[Path, dict]:
    """A copy of the returned workbook in ``folder``, and the numbers typed into it."""
    path = folder / returned[0].name
    shutil.copy(returned[0], path)
    return path, dict(returned[1])


def test_workbook_round_trip(story: Story, returned: tuple[Path, dict],  # noqa: F811
                             tmp_path: Path) -> None:
    path, typed = _copy(returned, tmp_path)
    before = path.read_bytes()
    result = api.track(story.plan, [path])
    assert path.read_bytes() == before  # never modified
    assert result.kind == "workbooks" and result.as_of.isoformat() == "2026-02-28"
    rows = result.attainment
    detail = rows.loc[(rows["team"] == "T01") & (rows["product"] != ALL)
                      & rows["month"].isin(["2026-01", "2026-02"])]
    got = {(r.product, r.month): r.actual for r in detail.itertuples()}
    assert got == typed
    monthly = rows.loc[~rows["month"].isin([TO_DATE, FULL_YEAR]) & (rows["team"] != ALL)]
    assert set(monthly["team"]) == {"T01"}


def test_tampered_workbook_is_refused(story: Story, returned: tuple[Path, dict],  # noqa: F811
                                      tmp_path: Path) -> None:
    path, _ = _copy(returned, tmp_path)
    book = load_workbook(path)
    sheet = book["Actuals"]
    first, second = sheet["A6"].value, sheet["A7"].value
    sheet["A6"].value, sheet["A7"].value = second, first  # a moved row
    sheet["E8"].value = "1,234"
    book.save(path)
    with pytest.raises(InputError) as caught:
        api.track(story.plan, [path])
    text = str(caught.value)
    assert (f"T01-returned.xlsx sheet 'Actuals' cell A6: text {second!r}, but planner wrote "
            f"{first!r} there (team T01)") in text
    assert "T01-returned.xlsx sheet 'Actuals' cell A7" in text
    # the numbers of a workbook whose layout is wrong are not read
    book = load_workbook(path)
    book["Actuals"]["A6"].value, book["Actuals"]["A7"].value = first, second
    book.save(path)
    with pytest.raises(InputError, match=r"T01-returned.xlsx sheet 'Actuals' cell E8: '1,234' "
                                         r"is text, not a number"):
        api.track(story.plan, [path])


def test_workbook_of_another_plan_is_refused(story: Story,  # noqa: F811
                                             returned: tuple[Path, dict],
                                             tmp_path: Path) -> None:
    path, _ = _copy(returned, tmp_path)
    book = load_workbook(path)
    book["Actuals"]["B3"].value = "other scenario"
    book["Actuals"]["B2"].value = "T99"
    book.save(path)
    with pytest.raises(InputError, match=r"cell B2: team 'T99' is not a team of the plan"):
        api.track(story.plan, [path])


def test_cli_writes_the_tracking_folder(story: Story, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "track"
    run = run_cli("track", story.plan, "--actuals", story.actuals, "--as-of", "2026-04-30",
                  "--out", out)
    assert run.status == 0, run.stderr
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [".planner-output.json", "attainment.csv", "charts/cumulative.png",
                     "charts/variance_waterfall.png", "tracking.xlsx", "variance.csv"]
    book = load_workbook(out / "tracking.xlsx", read_only=True)
    assert book.sheetnames == ["Attainment", "Variance bridge", "Cumulative", "Details",
                               "Variance", "Notes"]
    attainment = pd.read_csv(out / "attainment.csv")
    assert list(attainment.columns) == ["team", "product", "month", "target", "actual",
                                        "attainment"]
    assert "company" in run.stdout and "tracked 2026 to 2026-04-30" in run.stdout
    bad = run_cli("track", story.plan, "--actuals", story.actuals, "--as-of", "2027-01-05",
                  "--out", tmp_path / "bad")
    assert bad.status == 2
    assert "--as-of: '2027-01-05' is not in the plan year 2026" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_tracking_workbook_and_charts_in_chinese(tracked: api.Tracking, tmp_path: Path) -> None:
    from planner.cli.main import build_parser

    files = tracked.write(tmp_path / "zh", lang="zh")
    assert sorted(p.name for p in files) == ["attainment.csv", "cumulative.png", "tracking.xlsx",
                                             "variance.csv", "variance_waterfall.png"]
    book = load_workbook(tmp_path / "zh" / "tracking.xlsx", read_only=True)
    assert book.sheetnames == ["达成", "差异分解", "累计", "明细", "差异", "说明"]
    attainment = list(book["达成"].iter_rows(min_row=4, values_only=True))
    assert attainment[0][0] == "团队" and "年末预计（按当前达成率）" in attainment[0]
    assert "公司" in {row[0] for row in attainment[1:]}  # "company" in English
    assert "按驱动因素分解的各月差异（公司）" == book["差异分解"]["A1"].value
    bridge = next(book["差异分解"].iter_rows(min_row=4, max_row=4, values_only=True))
    assert list(bridge[:8]) == ["月份", "目标", "客户数", "转化率", "复购", "客单价", "结构", "实际"]
    details = [row for row in book["明细"].iter_rows(min_row=4, values_only=True)]
    assert details[0][:6] == ("团队", "产品", "月份", "目标", "实际", "达成率")
    assert {"截至目前", "全年"} <= {row[2] for row in details[1:]}
    assert book["说明"]["A4"].value.startswith("计划文件夹：")
    # the CSV files do not depend on the language
    english = tracked.write(tmp_path / "en")
    for name in ("attainment.csv", "variance.csv"):
        assert (tmp_path / "zh" / name).read_bytes() == (tmp_path / "en" / name).read_bytes()
    assert len(english) == len(files)
    args = build_parser().parse_args(["track", "p", "--actuals", "a", "--out", "o",
                                      "--lang", "zh"])
    assert args.lang == "zh"
