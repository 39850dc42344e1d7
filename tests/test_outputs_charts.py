"""PNG charts: written, Chinese text renders (no missing glyphs), waterfall adds up."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib as mpl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from plan_fixture import make_plan_result

from planner.outputs.charts import waterfall_steps, write_charts
from planner.outputs.fonts import cjk_font_path, font_families
from planner.outputs.labels import get_labels

PNG = b"\x89PNG\r\n\x1a\n"


def glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def render(text: str, families: list[str], path: Path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mpl.rc_context({"font.family": families}):
            fig = Figure(figsize=(3, 1))
            FigureCanvasAgg(fig)
            fig.text(0.1, 0.5, text)
            fig.savefig(path)
    return glyph_warnings(caught)


def test_font_package_is_installed() -> None:
    path = cjk_font_path()
    assert path is not None and path.suffix == ".otf" and path.stat().st_size > 1_000_000
    assert font_families() == ("DejaVu Sans", "Noto Sans SC")


def test_chinese_text_renders_without_missing_glyphs(tmp_path: Path) -> None:
    text = "销售一组 目标与产能 1月 合计"
    # the check works: without the CJK fallback matplotlib reports missing glyphs
    assert render(text, ["DejaVu Sans"], tmp_path / "bare.png")
    assert render(text, list(font_families()), tmp_path / "cjk.png") == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_written_without_missing_glyphs(tmp_path: Path, lang: str) -> None:
    result = make_plan_result()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = write_charts(result, get_labels(lang), tmp_path / "charts")
    assert [p.name for p in paths] == ["phasing.png", "waterfall.png", "capacity.png"]
    for path in paths:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 10_000
    assert glyph_warnings(caught) == []


def test_waterfall_contributions_add_up_to_the_target() -> None:
    result = make_plan_result()
    steps = waterfall_steps(result)
    assert steps[0] == ("baseline", result.history_total, "total")
    levers = [s for s in steps if s[2] == "lever"]
    assert [s[0] for s in levers] == ["customers", "conversion"]  # capacity levers add none
    assert result.history_total + sum(s[1] for s in levers) == pytest.approx(result.target)
    assert steps[-2][0] == "buffer" and steps[-1][0] == "team_targets"
    assert steps[-1][1] == pytest.approx(result.target * (1 + result.buffer))
    # log shares: customers (+25%) contributes log(1.25)/log(1.10) times conversion (+10%)
    ratio = levers[0][1] / levers[1][1]
    assert ratio == pytest.approx(2.3412, rel=1e-4)


def test_capacity_chart_labels_teams_with_code_and_name(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.outputs.charts as charts

    result = make_plan_result()
    result.team_names = {"销售一组": "East region"}
    shown: list[str] = []
    original = charts.chart_text

    def record(value: object, limit: int = 40) -> str:
        shown.append(str(value))
        return original(value, limit)

    monkeypatch.setattr(charts, "chart_text", record)
    charts.capacity_chart(result, get_labels("en"), tmp_path / "capacity.png")
    assert "销售一组 East region" in shown and "@SUM(A1)" in shown
