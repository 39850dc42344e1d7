"""Turn a checked scenario document into a :class:`Scenario`, checking rules across keys.

Types, ranges and choices of single keys were checked file by file
(:mod:`planner.scenario.parse`); here come the rules that involve several keys or the
plan year: exactly one of ``multiple`` and ``amount``, ``cap >= min``, KPI weights
summing to 1, dates inside the plan year, one productivity lever, ... Every problem is
recorded in :class:`~planner.scenario.source.Problems`; none stops the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import holidays

from planner.calendar import calendar_region, subdivision_problem
from planner.engine.settings import EngineSettings
from planner.names import MARGIN_TIERS
from planner.scenario import schema
from planner.scenario.source import Origin, Problems, not_a_date, to_date
from planner.scenario.values import (
    Event,
    Hire,
    HiringSpec,
    LeverSpec,
    MixRule,
    Scenario,
    SolverOptions,
    SupplyRule,
)

MIX_BOUNDS = ("min_share", "max_share", "min_amount", "max_amount", "min_units", "max_units")


def _get(doc: dict[str, Any], section: str, key: str) -> Any:
    return doc.get(section, {}).get(key, schema.TABLES[section][key].default)


class _Rules:
    """The merged document, where its keys came from, and the problems found so far."""

    def __init__(self, doc: dict[str, Any], origin: Origin, problems: Problems) -> None:
        self.doc = doc
        self.origin = origin
        self.problems = problems

    def require(self, cond: bool, section: str, key: str | None, message: str,
                index: int | None = None) -> bool:
        return self.problems.require(self.origin, cond, section, key, message, index)

    def known(self, section: str, key: str, index: int | None = None) -> bool:
        """True when the key has no problem so far (its value can be used)."""
        return not self.problems.has(section, key, index)

    def missing(self, table: dict[str, Any], section: str, keys: Sequence[str], message: str,
                index: int | None = None) -> bool:
        """Record one problem naming the required keys absent from ``table``.

        Stays quiet when the table has an unknown key or is not a table: the key may be
        the misspelt one, already reported.
        """
        absent = [k for k in keys if k not in table and self.known(section, k, index)]
        if absent and not self.problems.unclear(section, index):
            also = f" (and {', '.join(absent[1:])})" if len(absent) > 1 else ""
            self.require(False, section, absent[0],
                         message.replace("missing", f"missing{also}", 1), index)
        return bool(absent)

    def date_of(self, section: str, key: str, value: Any, index: int | None = None,
                year: int | None = None) -> date | None:
        """The value as a date, or None after recording why not (not a date, wrong year)."""
        day = to_date(value)
        if day is None:
            self.require(False, section, key, not_a_date(value), index)
            return None
        if year is not None and day.year != year:
            self.require(False, section, key, f"{day} is outside the plan year {year}: use a "
                         f"date in {year}-01-01..{year}-12-31", index)
            return None
        return day


def build_scenario(doc: dict[str, Any], origin: Origin, problems: Problems) -> Scenario | None:
    """Check the rules across keys and build the scenario.

    Parameters
    ----------
    doc : dict
        The merged document (the file over its bases), keys with a problem left out.
    origin : Origin
        The files it came from, to name the file and line of each problem.
    problems : Problems
        Problems found so far; every new one is added.

    Returns
    -------
    Scenario or None
        None when there is any problem (the caller raises them all).
    """
    r = _Rules(doc, origin, problems)
    year = _year(r)
    multiple, amount = _target(r)
    window_end = _window_end(r, year)
    holidays, working = _overrides(r, year)
    _country(r)
    kpis = _kpis(r)
    levers = _levers(r)
    hires = [_hire(r, i, t) for i, t in enumerate(doc.get("hires", []))]
    hiring = _hiring(r)
    mix = _mixes(r)
    supply = [_supply(r, i, t) for i, t in enumerate(doc.get("supply", []))]
    events = [_event(r, i, t, year) for i, t in enumerate(doc.get("events", []))]
    if problems or year is None:
        return None
    data_dir = _get(doc, "data", "dir")
    return Scenario(
        name=doc.get("name") or origin.sources[0].path.stem,
        path=origin.sources[0].path,
        description=doc.get("description", ""),
        data_dir=(data_dir if "://" in str(data_dir)  # a URI (s3a://, file://): engine spark
                  else (origin.folder_of("data", "dir") / data_dir).resolve()) if data_dir
        else None,
        mapping=_mapping(_get(doc, "data", "mapping"), origin.folder_of("data", "mapping")),
        window_end=window_end,
        trailing_months=_get(doc, "data", "trailing_months"),
        engine=EngineSettings(_get(doc, "data", "engine"), _get(doc, "data", "spark_master"),
                              dict(_get(doc, "data", "spark_conf"))),
        year=year,
        country=_calendar_region(doc),
        subdivision=_get(doc, "calendar", "subdivision"),
        extra_holidays=holidays,
        extra_working_days=working,
        official_calendar=_get(doc, "calendar", "official"),
        target_multiple=None if multiple is None else float(multiple),
        target_amount=None if amount is None else float(amount),
        buffer=float(_get(doc, "target", "buffer")),
        confidence=_optional_float(_get(doc, "target", "confidence")),
        levers=tuple(lv for lv in levers if lv is not None),
        hires=tuple(h for h in hires if h is not None),
        hiring=hiring,
        attrition_rate=float(_get(doc, "attrition", "monthly_rate")),
        ramp_months=int(_get(doc, "allocation", "ramp_months")),
        fairness_band=float(_get(doc, "allocation", "fairness_band")),
        capacity_headroom=float(_get(doc, "allocation", "capacity_headroom")),
        smoothness=float(_get(doc, "allocation", "smoothness")),
        deviation_weight=float(_get(doc, "allocation", "deviation_weight")),
        capacity_basis=_get(doc, "allocation", "capacity_basis"),
        max_stretch_sigma=_optional_float(_get(doc, "allocation", "max_stretch_sigma")),
        spikes=_get(doc, "baselines", "spikes"),
        spike_overrides=dict(_get(doc, "baselines", "spike_overrides")),
        leavers=_get(doc, "replan", "leavers"),
        mix=tuple(m for m in mix if m is not None),
        supply=tuple(s for s in supply if s is not None),
        events=tuple(e for e in events if e is not None),
        kpis=kpis,
        solver=SolverOptions(
            time_limit=float(_get(doc, "solver", "time_limit")),
            method=_get(doc, "solver", "method"),
            threads=int(_get(doc, "solver", "threads")),
        ),
        raw=doc,
        origin=origin,
    )


def _optional_float(value: Any) -> float | None:
    """A number as float, None kept (an optional key not given)."""
    return None if value is None else float(value)


def _mapping(value: str | None, folder: Path) -> str | None:
    if value is None:
        return None
    candidate = folder / value
    return str(candidate.resolve()) if candidate.suffix == ".toml" else value


def _year(r: _Rules) -> int | None:
    year = _get(r.doc, "calendar", "year")
    if year is None:
        r.missing(r.doc.get("calendar", {}), "calendar", ["year"],
                  "missing; add [calendar] year = 2027 (the plan year)")
    return year


def _target(r: _Rules) -> tuple[float | None, float | None]:
    multiple, amount = _get(r.doc, "target", "multiple"), _get(r.doc, "target", "amount")
    quiet = (r.problems.unclear("target") or not r.known("target", "multiple")
             or not r.known("target", "amount"))
    if not quiet:
        r.require((multiple is None) != (amount is None), "target", "multiple",
                  "give exactly one of [target] multiple (of the trailing 12 months) or amount")
    return multiple, amount


def _window_end(r: _Rules, year: int | None) -> date | None:
    value = _get(r.doc, "data", "window_end")
    if value is None:
        return None
    day = r.date_of("data", "window_end", value)
    if day is not None and year is not None:
        r.require(day < date(year, 1, 1), "data", "window_end",
                  f"{day} is not before the plan year {year}: the trailing window must end "
                  f"by {year - 1}-12-31")
    return day


def _overrides(r: _Rules, year: int | None) -> tuple[tuple[date, ...], tuple[date, ...]]:
    out: dict[str, tuple[date, ...]] = {}
    for key in ("extra_holidays", "extra_working_days"):
        days = [r.date_of("calendar", key, v, year=year) for v in _get(r.doc, "calendar", key)]
        out[key] = tuple(d for d in days if d is not None)
    both = sorted(set(out["extra_holidays"]) & set(out["extra_working_days"]))
    r.require(not both, "calendar", "extra_working_days",
              f"date {both[0] if both else ''} is in both extra_holidays and "
              "extra_working_days: keep it in only one of them")
    return out["extra_holidays"], out["extra_working_days"]


def _country(r: _Rules) -> None:
    country = _get(r.doc, "calendar", "country")
    if not r.known("calendar", "country"):
        return
    known = r.require(country.strip().upper() in holidays.list_supported_countries(),
                      "calendar", "country", f"{country!r} is not a country of the holidays "
                      "package: use an ISO 3166 code such as CN, US, GB, DE")
    subdivision = _get(r.doc, "calendar", "subdivision")
    if subdivision is None or not known or not r.known("calendar", "subdivision"):
        return
    problem = subdivision_problem(country, subdivision)
    r.require(problem is None, "calendar", "subdivision", problem or "")


def _calendar_region(doc: dict[str, Any]) -> str:
    """The calendar code: the country, or ``country-subdivision`` (``GB-ENG``)."""
    return calendar_region(_get(doc, "calendar", "country"),
                           _get(doc, "calendar", "subdivision"))


def _kpis(r: _Rules) -> dict[str, float]:
    kpis = {k: float(_get(r.doc, "kpis", k)) for k in schema.TABLES["kpis"]}
    total = sum(kpis.values())
    if not r.problems.in_table("kpis"):
        r.require(abs(total - 1) < 1e-6, "kpis", None,
                  f"weights sum to {total:g}; they must sum to 1")
    return kpis


def _levers(r: _Rules) -> list[LeverSpec | None]:
    tables = r.doc.get("levers", {})
    levers = [_lever(r, name, t) for name, t in tables.items()]
    _one_productivity(r, tables)
    return levers


def _lever(r: _Rules, name: str, t: dict[str, Any]) -> LeverSpec | None:
    section = f"levers.{name}"
    kind = t.get("kind", name if name in schema.LEVER_KINDS else None)
    if kind is None and r.known(section, "kind"):
        r.require(False, section, "kind", f"missing; a lever named '{name}' needs kind = one "
                  f"of {', '.join(schema.LEVER_KINDS)}")
    cap, low, fixed = t.get("cap"), t.get("min", 0.0), t.get("fixed")
    if cap is not None and r.known(section, "min"):
        r.require(cap >= low, section, "cap", f"{cap!r} must be >= min ({low:g})")
    for key in ("products", "segments"):
        r.require(t.get(key) != [], section, key,
                  f"[] names no {key}; list at least one, or \"*\" for all")
    bps, slopes = t.get("breakpoints"), t.get("slopes")
    if (bps is not None or slopes is not None) and r.known(section, "breakpoints") and r.known(
            section, "slopes"):
        paired = bps is not None and slopes is not None and len(slopes) == len(bps) + 1
        if r.require(paired, section, "slopes",
                     "give breakpoints and one more slope than breakpoints") and (
                bps is not None and slopes is not None):
            r.require(all(b2 > b1 for b1, b2 in zip(bps, bps[1:], strict=False)), section,
                      "breakpoints", "must be increasing")
            r.require(all(s2 >= s1 for s1, s2 in zip(slopes, slopes[1:], strict=False)),
                      section, "slopes", "must not decrease (the stretch cost is convex)")
    if kind is None or r.problems.in_table(section):
        return None
    return LeverSpec(
        name=name, kind=kind, products=tuple(t.get("products", ["*"])),
        segments=tuple(t.get("segments", ["*"])),
        cap=None if cap is None else float(cap), min=float(low),
        fixed=None if fixed is None else float(fixed), cost=float(t.get("cost", 1.0)),
        breakpoints=None if bps is None else tuple(float(b) for b in bps),
        slopes=None if slopes is None else tuple(float(s) for s in slopes),
    )


def _one_productivity(r: _Rules, tables: dict[str, dict[str, Any]]) -> None:
    """Exactly one productivity lever, over every product and segment.

    A scenario's lever named ``productivity`` replaces the default one.
    """
    kinds = {name: t.get("kind", name if name in schema.LEVER_KINDS else None)
             for name, t in tables.items()}
    names = [name for name, kind in kinds.items() if kind == "productivity"]
    for name in names:
        for key in ("products", "segments"):
            scope = tables[name].get(key, ["*"])
            r.require(scope == ["*"], f"levers.{name}", key,
                      f"{scope!r}: the productivity lever acts on every product and segment "
                      "(seat productivity is shared across products); leave it out")
    if "productivity" not in kinds:
        names.insert(0, "productivity")  # the default lever stays
    if len(names) > 1:
        extra = next(n for n in names if n != "productivity")
        others = ", ".join(repr(n) for n in names if n != extra)
        r.require(False, f"levers.{extra}", "kind",
                  f"'productivity' makes a second productivity lever (with {others}); give "
                  "exactly one: seat productivity is shared across products")
    if not names and r.known("levers.productivity", "kind"):
        r.require(False, "levers.productivity", "kind",
                  "the lever named 'productivity' replaces the default productivity lever, "
                  "so there is none; give it kind = \"productivity\" or rename it")


def _hire(r: _Rules, i: int, t: dict[str, Any]) -> Hire | None:
    keys = ("grade", "team", "month", "count")
    if r.missing(t, "hires", keys, "missing; each [[hires]] needs grade, team, month, count",
                 i) or r.problems.in_table("hires", i):
        return None
    return Hire(grade=t["grade"], team=t["team"], month=t["month"], count=t["count"],
                new_team=t.get("new_team", False))


def _hiring(r: _Rules) -> HiringSpec | None:
    """``[hiring]`` as a :class:`HiringSpec`, or None when the scenario has no such table."""
    if "hiring" not in r.doc:
        return None
    months = list(_get(r.doc, "hiring", "months"))
    twice = sorted({m for m in months if months.count(m) > 1})
    r.require(bool(months), "hiring", "months",
              "[] lists no month; list the months 1..12 a hire may start in")
    r.require(not twice, "hiring", "months",
              f"{months!r} lists month {twice[0] if twice else ''} more than once; list "
              "each month once")
    for key in ("grades", "teams"):
        r.require(bool(_get(r.doc, "hiring", key)), "hiring", key,
                  f"[] lists no {key}; list at least one, or \"*\" for all")
    if _get(r.doc, "hiring", "max_total") == 0:  # a child of a hiring scenario turns it off
        return None
    limit = _get(r.doc, "hiring", "max_per_month")
    return HiringSpec(
        grades=tuple(_get(r.doc, "hiring", "grades")),
        teams=tuple(_get(r.doc, "hiring", "teams")),
        months=tuple(sorted(set(months))),
        max_per_month=limit if isinstance(limit, int) else None,
        max_per_grade=dict(limit) if isinstance(limit, dict) else {},
        max_total=_get(r.doc, "hiring", "max_total"),
        cost=float(_get(r.doc, "hiring", "cost")),
    )


def _mixes(r: _Rules) -> list[MixRule | None]:
    rules = [_mix(r, i, t) for i, t in enumerate(r.doc.get("mix", []))]
    if any(r.problems.in_table("mix", i) for i in range(len(rules))):
        return rules
    floor: dict[str, float] = {}
    for i, rule in enumerate(rules):
        if rule is None or rule.min_share is None:
            continue
        floor[rule.tier] = max(floor.get(rule.tier, 0.0), rule.min_share)
        total = sum(floor.values())
        if not r.require(total <= 1 + 1e-9, "mix", "min_share",
                         f"min_share over all [[mix]] rules adds up to {total:g}; shares of "
                         "revenue add up to at most 1", i):
            break
    return rules


def _mix(r: _Rules, i: int, t: dict[str, Any]) -> MixRule | None:
    if r.missing(t, "mix", ["tier"], "missing; each [[mix]] needs tier = one of "
                 f"{', '.join(MARGIN_TIERS)}", i):
        return None
    bounds = {k: v for k, v in t.items() if k in MIX_BOUNDS}
    r.require(bool(bounds) or r.problems.in_table("mix", i), "mix", "tier",
              "give at least one of min_share, max_share, min_amount, max_amount, min_units, "
              "max_units", i)
    for what in ("share", "amount", "units"):
        low, high = t.get(f"min_{what}"), t.get(f"max_{what}")
        if low is not None and high is not None:
            r.require(low <= high, "mix", f"min_{what}",
                      f"{low!r} must be <= max_{what} ({high:g})", i)
    if r.problems.in_table("mix", i):
        return None
    return MixRule(tier=t["tier"], **{k: float(v) for k, v in bounds.items()})


def _supply(r: _Rules, i: int, t: dict[str, Any]) -> SupplyRule | None:
    r.missing(t, "supply", ["product"], "missing; name the product", i)
    if r.known("supply", "monthly_units", i) and r.known("supply", "monthly_amount", i):
        r.require(("monthly_units" in t) != ("monthly_amount" in t), "supply", "monthly_units",
                  "give exactly one of monthly_units or monthly_amount", i)
    months = t.get("months")
    if months is not None:
        twice = sorted({m for m in months if months.count(m) > 1})
        r.require(bool(months), "supply", "months",
                  "[] lists no month; list months 1..12, or leave months out for every month",
                  i)
        r.require(not twice, "supply", "months",
                  f"{months!r} lists month {twice[0] if twice else ''} more than once; list "
                  "each month once", i)
    if r.problems.in_table("supply", i):
        return None
    return SupplyRule(
        product=t["product"], monthly_units=t.get("monthly_units"),
        monthly_amount=t.get("monthly_amount"),
        months=None if months is None else tuple(months),
    )


def _event(r: _Rules, i: int, t: dict[str, Any], year: int | None) -> Event | None:
    r.missing(t, "events", ("name", "start", "end", "multiplier"),
              "missing; each [[events]] needs name, start, end, multiplier", i)
    start = r.date_of("events", "start", t["start"], i, year) if "start" in t else None
    end = r.date_of("events", "end", t["end"], i, year) if "end" in t else None
    if start is not None and end is not None:
        r.require(end >= start, "events", "end",
                  f"{t['end']!r} is before start {t['start']!r}", i)
    r.require(t.get("products") != [], "events", "products",
              "[] names no products; list at least one, or \"*\" for all", i)
    if r.problems.in_table("events", i) or start is None or end is None:
        return None
    return Event(name=t["name"], start=start, end=end, multiplier=float(t["multiplier"]),
                 products=tuple(t.get("products", ["*"])))
