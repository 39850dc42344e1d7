"""Tests for planner.calendar: holidays, make-up days, ISO weeks, month splits."""

from __future__ import annotations

import re
import time
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from planner.calendar import (
    DAY_COLUMNS,
    MONTH_COLUMNS,
    WEEK_COLUMNS,
    WEEK_MONTH_COLUMNS,
    Calendar,
    CalendarWarning,
    build_calendar,
    day_table,
    schedule_is_known,
)
from planner.errors import CalendarError

EST_2027 = (
    "calendar CN 2027 is ESTIMATED: the holidays package has no official 2027 schedule "
    "for CN (no make-up working days, holiday days guessed). Set [calendar] extra_holidays "
    "and extra_working_days in the scenario from the official notice, then official = true."
)


@pytest.fixture(scope="module")
def cal2026() -> Calendar:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return build_calendar(2026, "CN")


def day(cal_days: pd.DataFrame, iso: str) -> pd.Series:
    row = cal_days.loc[cal_days["date"] == pd.Timestamp(iso)]
    assert len(row) == 1
    return row.iloc[0]


def week(cal: Calendar, label: str) -> pd.Series:
    row = cal.weeks.loc[cal.weeks["week"] == label]
    assert len(row) == 1
    return row.iloc[0]


# --- 2026: the official schedule ------------------------------------------------


def test_2026_is_known_and_quiet(cal2026: Calendar) -> None:
    assert cal2026.year == 2026
    assert cal2026.country == "CN"
    assert cal2026.estimated is False
    assert cal2026.warnings == []


def test_2026_day_table_shape(cal2026: Calendar) -> None:
    d = cal2026.days
    assert tuple(d.columns) == DAY_COLUMNS
    assert len(d) == 365
    assert str(d["date"].dtype) == "datetime64[ns]"
    assert str(d["week_start"].dtype) == "datetime64[ns]"
    assert d["weekday"].dtype == "int64"
    for col in ("is_working", "is_holiday", "is_makeup"):
        assert d[col].dtype == bool
    assert d["date"].iloc[0] == pd.Timestamp("2026-01-01")
    assert d["date"].iloc[-1] == pd.Timestamp("2026-12-31")


def test_2026_makeup_days_are_working(cal2026: Calendar) -> None:
    for iso in ("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"):
        r = day(cal2026.days, iso)
        assert r["weekday"] >= 5
        assert r["is_working"] and r["is_makeup"] and not r["is_holiday"]
        assert r["name"] == "make-up working day"


def test_2026_spring_festival_and_national_day_off(cal2026: Calendar) -> None:
    off = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
    off += [f"2026-10-0{i}" for i in range(1, 8)]
    for iso in off:
        assert not day(cal2026.days, iso)["is_working"], iso
    assert day(cal2026.days, "2026-02-17")["name"] == "Chinese New Year (Spring Festival)"
    # substituted days off are holidays
    r = day(cal2026.days, "2026-02-20")
    assert r["is_holiday"] and r["name"] == "Day off (substituted from 02/14/2026)"
    # the working days right after the holidays
    assert day(cal2026.days, "2026-02-24")["is_working"]
    assert day(cal2026.days, "2026-10-08")["is_working"]


def test_2026_new_year(cal2026: Calendar) -> None:
    r = day(cal2026.days, "2026-01-01")
    assert r["is_holiday"] and not r["is_working"] and r["name"] == "New Year's Day"
    assert day(cal2026.days, "2026-01-05")["name"] == ""


def test_2026_totals(cal2026: Calendar) -> None:
    # 261 weekdays - 19 weekday holidays + 6 make-up days
    assert int(cal2026.days["is_working"].sum()) == 248
    expected = [21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23]
    assert cal2026.months["working_days"].tolist() == expected


def test_schedule_is_known() -> None:
    assert schedule_is_known(2025) is True
    assert schedule_is_known(2026, "CN") is True
    assert schedule_is_known(2027, "CN") is False
    assert schedule_is_known(2027, "US") is True


# --- estimated years ------------------------------------------------------------


def test_2027_is_estimated_with_loud_warning() -> None:
    with pytest.warns(CalendarWarning, match=re.escape(EST_2027)):
        cal = build_calendar(2027, "CN")
    assert cal.estimated is True
    assert cal.warnings == [EST_2027]


def test_official_true_removes_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = build_calendar(
            2027,
            "CN",
            official=True,
            extra_holidays=["2027-02-11"],
            extra_working_days=["2027-02-20"],
        )
    assert cal.estimated is False
    assert cal.warnings == []


def test_official_false_on_unknown_year_still_estimated() -> None:
    with pytest.warns(CalendarWarning):
        cal = build_calendar(2027, official=False)
    assert cal.estimated is True


def test_other_country_is_rule_based() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = build_calendar(2027, "us")
    assert cal.country == "US"
    assert cal.estimated is False
    r = day(cal.days, "2027-07-05")  # Independence Day (observed), a Monday
    assert r["is_holiday"] and not r["is_working"]
    assert not cal.days["is_makeup"].any()


# --- overrides ------------------------------------------------------------------


def test_overrides_apply() -> None:
    cal = build_calendar(
        2026,
        extra_holidays=["2026-03-02", date(2026, 3, 3)],
        extra_working_days=["2026-03-07", "2026-10-07"],
    )
    for iso in ("2026-03-02", "2026-03-03"):
        r = day(cal.days, iso)
        assert not r["is_working"] and r["is_holiday"] and not r["is_makeup"]
        assert r["name"] == "holiday (scenario)"
    sat = day(cal.days, "2026-03-07")
    assert sat["is_working"] and sat["is_makeup"] and not sat["is_holiday"]
    assert sat["name"] == "working day (scenario)"
    wed = day(cal.days, "2026-10-07")  # was a day off, a Wednesday
    assert wed["is_working"] and not wed["is_makeup"] and not wed["is_holiday"]
    assert wed["name"] == "working day (scenario)"
    months = dict(zip(cal.months["month"], cal.months["working_days"], strict=True))
    assert months["2026-03"] == 22 - 2 + 1
    assert months["2026-10"] == 18 + 1
    assert week(cal, "2026-W10")["working_days"] == 4  # Mar 2-8: -2 +1


def test_override_outside_year() -> None:
    msg = (
        "extra_holidays date 2027-01-01 is outside the plan year 2026: remove it or use a "
        "date in 2026-01-01..2026-12-31"
    )
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2026, extra_holidays=["2027-01-01"])


def test_override_in_both_lists() -> None:
    msg = (
        "date 2026-03-02 is in both extra_holidays and extra_working_days: keep it in only "
        "one of them"
    )
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2026, extra_holidays=["2026-03-02"], extra_working_days=[date(2026, 3, 2)])


def test_override_not_a_date() -> None:
    msg = (
        "extra_working_days: '2026-13-01' is not a date: write it as YYYY-MM-DD, e.g. '2027-10-08'"
    )
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2026, extra_working_days=["2026-13-01"])


def test_several_override_problems_reported_together() -> None:
    with pytest.raises(CalendarError) as info:
        build_calendar(
            2026, extra_holidays=["2025-12-31", "2026-03-02"], extra_working_days=["2026-03-02"]
        )
    assert str(info.value) == (
        "2 problems in calendar overrides:\n"
        "  extra_holidays date 2025-12-31 is outside the plan year 2026: remove it or use a "
        "date in 2026-01-01..2026-12-31\n"
        "  date 2026-03-02 is in both extra_holidays and extra_working_days: keep it in only "
        "one of them"
    )


# --- weeks and months -----------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_weeks_split_exactly_into_months(year: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)
        cal = build_calendar(year)
    assert tuple(cal.weeks.columns) == WEEK_COLUMNS
    assert tuple(cal.week_months.columns) == WEEK_MONTH_COLUMNS
    assert tuple(cal.months.columns) == MONTH_COLUMNS
    total = int(cal.days["is_working"].sum())
    assert int(cal.weeks["working_days"].sum()) == total
    assert int(cal.months["working_days"].sum()) == total
    assert int(cal.week_months["working_days"].sum()) == total
    assert int(cal.weeks["days_in_year"].sum()) == len(cal.days)
    assert len(cal.months) == 12
    # weeks are in order, unique, start on Mondays
    assert cal.weeks["week_start"].is_monotonic_increasing
    assert cal.weeks["week"].is_unique
    assert (cal.weeks["week_start"].dt.day_of_week == 0).all()
    # each week's pairs add up to the week, shares sum to 1 (or are all 0)
    wm = cal.week_months.groupby("week", sort=False)
    per_week = cal.weeks.set_index("week")
    assert (wm["working_days"].sum() == per_week["working_days"]).all()
    share = wm["share"].sum()
    has_work = per_week["working_days"] > 0
    assert share[has_work].round(12).eq(1.0).all()
    assert share[~has_work].eq(0.0).all()
    # month totals from week x month pairs equal the months table
    by_month = cal.week_months.groupby("month")["working_days"].sum()
    assert by_month.tolist() == cal.months["working_days"].tolist()


def test_first_week_of_2027_is_2026_w53() -> None:
    with pytest.warns(CalendarWarning):
        cal = build_calendar(2027)
    first = cal.weeks.iloc[0]
    assert first["week"] == "2026-W53"
    assert first["week_start"] == pd.Timestamp("2026-12-28")
    assert first["days_in_year"] == 3
    assert first["working_days"] == 0  # Jan 1 holiday, Jan 2-3 weekend
    assert cal.weeks.iloc[1]["week"] == "2027-W01"
    assert day(cal.days, "2027-01-02")["week"] == "2026-W53"


def test_last_week_of_2026_is_cut_at_year_end(cal2026: Calendar) -> None:
    last = cal2026.weeks.iloc[-1]
    assert (last["week"], last["days_in_year"], last["working_days"]) == ("2026-W53", 4, 4)
    first = cal2026.weeks.iloc[0]
    assert (first["week"], first["days_in_year"], first["working_days"]) == ("2026-W01", 4, 1)


def test_holiday_weeks_have_few_working_days(cal2026: Calendar) -> None:
    assert week(cal2026, "2026-W08")["working_days"] == 0  # Feb 16-22, Spring Festival
    assert week(cal2026, "2026-W07")["working_days"] == 6  # with make-up Sat Feb 14
    assert week(cal2026, "2026-W40")["working_days"] == 3  # Sep 28-30 only
    assert week(cal2026, "2026-W41")["working_days"] == 3  # Oct 8, 9 and make-up Sat Oct 10
    w08 = cal2026.week_months.loc[cal2026.week_months["week"] == "2026-W08"]
    assert w08["share"].tolist() == [0.0]


def test_week_straddling_months_is_split_by_working_days(cal2026: Calendar) -> None:
    wm = cal2026.week_months.loc[cal2026.week_months["week"] == "2026-W14"]
    assert wm["month"].tolist() == ["2026-03", "2026-04"]
    assert wm["working_days"].tolist() == [2, 3]  # Mar 30-31 | Apr 1-3 (Apr 5 Sun holiday)
    assert wm["share"].tolist() == pytest.approx([0.4, 0.6])
    w40 = cal2026.week_months.loc[cal2026.week_months["week"] == "2026-W40"]
    assert w40["working_days"].tolist() == [3, 0]
    assert w40["share"].tolist() == [1.0, 0.0]


# --- day_table ------------------------------------------------------------------


def test_day_table_over_history() -> None:
    d = day_table("2025-01-01", date(2026, 10, 31))
    assert tuple(d.columns) == DAY_COLUMNS
    assert len(d) == 669
    assert d["date"].is_monotonic_increasing and d["date"].is_unique
    weekend = d["weekday"] >= 5
    assert (d["is_working"] == ((~weekend & ~d["is_holiday"]) | d["is_makeup"])).all()
    assert not (d["is_makeup"] & (~weekend | d["is_holiday"])).any()
    assert ((d["name"] != "") == (d["is_holiday"] | d["is_makeup"])).all()
    assert (d["weekday"] == d["date"].dt.day_of_week).all()
    assert (d["week_start"] == d["date"] - pd.to_timedelta(d["weekday"], unit="D")).all()
    assert (d["month"] == d["date"].dt.strftime("%Y-%m")).all()
    iso = d["date"].dt.isocalendar()
    label = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    assert (d["week"] == label).all()
    assert day(d, "2025-01-26")["is_makeup"]
    assert not day(d, "2025-10-08")["is_working"]
    assert day(d, "2026-02-14")["is_working"]
    # the same days as the plan-year calendar
    cal = build_calendar(2025)
    pd.testing.assert_frame_equal(d.loc[d["date"].dt.year == 2025].reset_index(drop=True), cal.days)


def test_day_table_is_fast() -> None:
    day_table("2025-01-01", "2026-12-31")
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        day_table("2025-01-01", "2026-12-31")
        best = min(best, time.perf_counter() - t0)
    assert best < 0.1


def test_day_table_end_before_start() -> None:
    msg = "day_table: end 2025-01-01 is before start 2025-02-01: swap them"
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        day_table("2025-02-01", "2025-01-01")


# --- bad inputs -----------------------------------------------------------------


def test_unknown_country() -> None:
    msg = (
        "unknown calendar country 'XX': use an ISO 3166 code supported by the holidays "
        "package, e.g. CN, US, GB, DE (full list: holidays.list_supported_countries())"
    )
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2026, "XX")
    with pytest.raises(CalendarError, match=re.escape("unknown calendar country 'XX'")):
        day_table("2026-01-01", "2026-01-31", "XX")
    with pytest.raises(CalendarError, match=re.escape("unknown calendar country 'XX'")):
        schedule_is_known(2026, "XX")


def test_bad_year() -> None:
    msg = "calendar year '2026' is not valid: use a whole year between 1900 and 2200, e.g. 2027"
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar("2026")  # type: ignore[arg-type]


# --- subdivisions and what the package can vouch for ----------------------------


def test_england_2013_has_its_bank_holidays() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = build_calendar(2013, "GB", subdivision="ENG")
        whole = build_calendar(2013, "GB")
    assert int(cal.days["is_working"].sum()) == 253
    assert int(whole.days["is_working"].sum()) == 255
    assert (cal.country, cal.subdivision, cal.region) == ("GB", "ENG", "GB-ENG")
    assert (cal.estimated, cal.status) == (False, "official")
    assert cal.basis == "official: the holidays package's data for GB-ENG 2013"
    assert day(cal.days, "2013-04-01")["name"] == "Easter Monday"
    assert day(cal.days, "2013-08-26")["name"] == "Late Summer Bank Holiday"
    assert not day(cal.days, "2013-08-26")["is_working"]
    assert day(whole.days, "2013-08-26")["is_working"]


def test_subdivision_by_name_any_case_or_iso_3166_2_code() -> None:
    expected = build_calendar(2013, "GB", subdivision="ENG").days
    for country, sub in (("GB", "England"), ("gb", "eng"), ("GB-ENG", None)):
        cal = build_calendar(2013, country, subdivision=sub)
        assert cal.region == "GB-ENG"
        pd.testing.assert_frame_equal(cal.days, expected)
    history = day_table("2013-01-01", "2013-12-31", "GB", subdivision="ENG")
    pd.testing.assert_frame_equal(history, expected)
    assert schedule_is_known(2013, "GB-ENG") is True


def test_unknown_subdivision_lists_the_valid_ones() -> None:
    msg = ("unknown calendar subdivision: 'XYZ' is not a subdivision of GB in the holidays "
           "package: use one of ENG, NIR, SCT, WLS")
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2013, "GB", subdivision="XYZ")
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        day_table("2013-01-01", "2013-01-31", "GB-XYZ")
    msg = ("unknown calendar subdivision: 'X' is not a subdivision of CN: the holidays "
           "package has none for CN; remove the subdivision")
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2026, "CN", subdivision="X")
    msg = ("unknown calendar country 'ZZ-ENG': use an ISO 3166 code supported by the holidays "
           "package, e.g. CN, US, GB, DE (full list: holidays.list_supported_countries())")
    with pytest.raises(CalendarError, match=f"^{re.escape(msg)}$"):
        build_calendar(2013, "ZZ-ENG")


def test_decree_countries_are_official_only_within_their_published_years() -> None:
    import holidays

    from planner.calendar import decree_years

    first, last = decree_years(holidays.country_holidays("CN"))
    assert first == 2001 and last >= 2026
    assert decree_years(holidays.country_holidays("GB", subdiv="ENG")) is None
    assert schedule_is_known(2000, "CN") is False  # before the first published notice
    with pytest.warns(CalendarWarning):
        cal = build_calendar(2027, "CN")
    assert cal.status == "ESTIMATED"
    assert cal.basis == ("ESTIMATED: the holidays package has no official 2027 schedule for "
                         "CN (no make-up working days, holiday days guessed)")


def test_dates_the_package_estimates_are_not_official() -> None:
    with pytest.warns(CalendarWarning) as caught:
        cal = build_calendar(2090, "EG")
    assert cal.estimated is True
    text = str(caught[0].message)
    assert re.fullmatch(
        r"calendar EG 2090 is ESTIMATED: the holidays package estimates \d+ holiday names of "
        r"2090 for EG \('[^']+ \(estimated\)', .*\), pending the official dates\. Set "
        r"\[calendar\] extra_holidays and extra_working_days in the scenario from the "
        r"official notice, then official = true\.", text), text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vouched = build_calendar(2090, "EG", official=True)
    assert vouched.estimated is False
    assert vouched.basis.startswith("official: vouched for by the scenario (official = true); "
                                    "the holidays package estimates ")


def test_what_the_package_warns_about_a_year_is_not_official() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cal = build_calendar(2090, "IN")
    assert cal.warnings == [
        "calendar IN 2090 is ESTIMATED: the holidays package warns for IN 2090: Requested "
        "Holidays are available only from 2001 to 2035. Set [calendar] extra_holidays and "
        "extra_working_days in the scenario from the official notice, then official = true."]
    # the package's own warning is taken into the calendar's, not passed on
    assert [type(w.message) for w in caught] == [CalendarWarning]


def test_years_the_package_does_not_cover_are_estimated() -> None:
    with pytest.warns(CalendarWarning) as caught:
        cal = build_calendar(2150, "US")
    assert cal.estimated is True
    assert str(caught[0].message) == (
        "calendar US 2150 is ESTIMATED: the holidays package covers US only for 1777..2100, "
        "so no 2150 holidays are known. Set [calendar] extra_holidays and extra_working_days "
        "in the scenario from the official notice, then official = true.")


# --- the scenario key -------------------------------------------------------------


def _scenario(tmp_path: Path, calendar: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text('[data]\ndir = "x"\n[target]\nmultiple = 1.5\n[calendar]\nyear = 2013\n'
                    + calendar, encoding="utf-8")
    return path


def test_scenario_subdivision_reaches_the_calendar(tmp_path: Path) -> None:
    from planner.pipeline import scenario_calendar
    from planner.scenario import load_scenario

    scenario = load_scenario(_scenario(tmp_path, 'country = "GB"\nsubdivision = "england"\n'))
    assert (scenario.country, scenario.subdivision) == ("GB-ENG", "england")
    assert ("calendar country", "GB-ENG") in scenario.settings_rows()
    cal = scenario_calendar(scenario)
    assert (cal.region, int(cal.days["is_working"].sum())) == ("GB-ENG", 253)
    plain = load_scenario(_scenario(tmp_path, 'country = "GB"\n'))
    assert (plain.country, plain.subdivision) == ("GB", None)


def test_scenario_unknown_subdivision_names_the_file_key_and_valid_ones(tmp_path: Path) -> None:
    from planner.errors import ScenarioError
    from planner.scenario import load_scenario

    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario(tmp_path, 'country = "GB"\nsubdivision = "XYZ"\n'))
    assert str(info.value) == ("s.toml line 8: calendar.subdivision: 'XYZ' is not a "
                               "subdivision of GB in the holidays package: use one of ENG, "
                               "NIR, SCT, WLS")
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario(tmp_path, 'country = "XX"\nsubdivision = "ENG"\n'))
    assert str(info.value) == ("s.toml line 7: calendar.country: 'XX' is not a country of the "
                               "holidays package: use an ISO 3166 code such as CN, US, GB, DE")
