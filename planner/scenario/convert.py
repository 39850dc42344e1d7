"""Turn a checked scenario document into a :class:`Scenario`, validating values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.names import MARGIN_TIERS
from planner.scenario import schema
from planner.scenario.model import (
    Event,
    Hire,
    LeverSpec,
    MixRule,
    Scenario,
    SolverOptions,
    SupplyRule,
)
from planner.scenario.source import Source, require, to_date


def _get(doc: dict[str, Any], section: str, key: str) -> Any:
    return doc.get(section, {}).get(key, schema.TABLES[section][key][1])


def _non_negative(src: Source, section: str, key: str, value: float,
                  index: int | None = None) -> float:
    require(src, value >= 0, section, key, f"{value!r} must be >= 0", index)
    return float(value)


def build_scenario(doc: dict[str, Any], src: Source) -> Scenario:
    """Validate values and build the scenario.

    Parameters
    ----------
    doc : dict
        The merged TOML document, already checked for unknown keys and types.
    src : Source
        The file, to name lines in errors.

    Returns
    -------
    Scenario
    """
    folder = src.path.parent
    data_dir = _get(doc, "data", "dir")
    year = _get(doc, "calendar", "year")
    require(src, year is not None, "calendar", "year",
            "missing; add [calendar] year = 2027 (the plan year)")
    require(src, 2000 <= year <= 2100, "calendar", "year",
            f"{year!r} must be between 2000 and 2100")
    multiple, amount = _get(doc, "target", "multiple"), _get(doc, "target", "amount")
    require(src, (multiple is None) != (amount is None), "target", "multiple",
            "give exactly one of [target] multiple (of the trailing 12 months) or amount")
    if multiple is not None:
        require(src, multiple > 0, "target", "multiple", f"{multiple!r} must be > 0")
    if amount is not None:
        require(src, amount > 0, "target", "amount", f"{amount!r} must be > 0")
    buffer = _non_negative(src, "target", "buffer", _get(doc, "target", "buffer"))
    require(src, buffer <= 1, "target", "buffer", f"{buffer!r} must be a fraction <= 1, e.g. 0.1")
    window_end = _get(doc, "data", "window_end")
    method = _get(doc, "solver", "method")
    require(src, method in schema.SOLVER_METHODS, "solver", "method",
            f"{method!r} must be one of {', '.join(schema.SOLVER_METHODS)}")
    basis = _get(doc, "allocation", "capacity_basis")
    require(src, basis in schema.CAPACITY_BASES, "allocation", "capacity_basis",
            f"{basis!r} must be one of {', '.join(schema.CAPACITY_BASES)}")
    kpis = {k: float(_get(doc, "kpis", k)) for k in schema.TABLES["kpis"]}
    total = sum(kpis.values())
    require(src, abs(total - 1) < 1e-6, "kpis", None,  # type: ignore[arg-type]
            f"weights sum to {total:g}; they must sum to 1")
    return Scenario(
        name=doc.get("name") or src.path.stem,
        path=src.path,
        description=doc.get("description", ""),
        data_dir=(folder / data_dir).resolve() if data_dir else None,
        mapping=_mapping(_get(doc, "data", "mapping"), folder),
        window_end=to_date(src, "data", "window_end", window_end) if window_end else None,
        trailing_months=_get(doc, "data", "trailing_months"),
        year=year,
        country=_get(doc, "calendar", "country"),
        extra_holidays=tuple(to_date(src, "calendar", "extra_holidays", d)
                             for d in _get(doc, "calendar", "extra_holidays")),
        extra_working_days=tuple(to_date(src, "calendar", "extra_working_days", d)
                                 for d in _get(doc, "calendar", "extra_working_days")),
        official_calendar=_get(doc, "calendar", "official"),
        target_multiple=None if multiple is None else float(multiple),
        target_amount=None if amount is None else float(amount),
        buffer=buffer,
        levers=tuple(_lever(src, n, t) for n, t in doc.get("levers", {}).items()),
        hires=tuple(_hire(src, i, h) for i, h in enumerate(doc.get("hires", []))),
        attrition_rate=_non_negative(src, "attrition", "monthly_rate",
                                     _get(doc, "attrition", "monthly_rate")),
        ramp_months=int(_non_negative(src, "allocation", "ramp_months",
                                      _get(doc, "allocation", "ramp_months"))),
        fairness_band=_non_negative(src, "allocation", "fairness_band",
                                    _get(doc, "allocation", "fairness_band")),
        capacity_headroom=_non_negative(src, "allocation", "capacity_headroom",
                                        _get(doc, "allocation", "capacity_headroom")),
        smoothness=_non_negative(src, "allocation", "smoothness",
                                 _get(doc, "allocation", "smoothness")),
        deviation_weight=_non_negative(src, "allocation", "deviation_weight",
                                       _get(doc, "allocation", "deviation_weight")),
        capacity_basis=basis,
        mix=tuple(_mix(src, i, m) for i, m in enumerate(doc.get("mix", []))),
        supply=tuple(_supply(src, i, s) for i, s in enumerate(doc.get("supply", []))),
        events=tuple(_event(src, i, e) for i, e in enumerate(doc.get("events", []))),
        kpis=kpis,
        solver=SolverOptions(
            time_limit=float(_get(doc, "solver", "time_limit")),
            method=method,
            threads=int(_get(doc, "solver", "threads")),
        ),
        raw=doc,
    )


def _mapping(value: str | None, folder: Path) -> str | None:
    if value is None:
        return None
    candidate = folder / value
    return str(candidate.resolve()) if candidate.suffix == ".toml" else value


def _lever(src: Source, name: str, t: dict[str, Any]) -> LeverSpec:
    section = f"levers.{name}"
    kind = t.get("kind", name if name in schema.LEVER_KINDS else None)
    require(src, kind in schema.LEVER_KINDS, section, "kind",
            f"{kind!r} must be one of {', '.join(schema.LEVER_KINDS)}")
    cap, low, fixed = t.get("cap"), float(t.get("min", 0.0)), t.get("fixed")
    require(src, low > -1, section, "min", f"{low!r} must be > -1 (a fall of less than 100%)")
    if cap is not None:
        require(src, cap >= low, section, "cap", f"{cap!r} must be >= min ({low:g})")
    if fixed is not None:
        require(src, fixed > -1, section, "fixed", f"{fixed!r} must be > -1")
    require(src, float(t.get("cost", 1.0)) > 0, section, "cost", "must be > 0")
    bps, slopes = t.get("breakpoints"), t.get("slopes")
    if bps is not None or slopes is not None:
        require(src, bps is not None and slopes is not None and len(slopes) == len(bps) + 1,
                section, "slopes", "give breakpoints and one more slope than breakpoints")
        require(src, all(b2 > b1 for b1, b2 in zip(bps, bps[1:], strict=False)), section,
                "breakpoints", "must be increasing")
        require(src, all(s2 >= s1 for s1, s2 in zip(slopes, slopes[1:], strict=False)), section,
                "slopes", "must not decrease (the stretch cost is convex)")
    return LeverSpec(
        name=name, kind=kind, products=tuple(t.get("products", ["*"])),
        segments=tuple(t.get("segments", ["*"])),
        cap=None if cap is None else float(cap), min=low,
        fixed=None if fixed is None else float(fixed), cost=float(t.get("cost", 1.0)),
        breakpoints=None if bps is None else tuple(float(b) for b in bps),
        slopes=None if slopes is None else tuple(float(s) for s in slopes),
    )


def _hire(src: Source, i: int, t: dict[str, Any]) -> Hire:
    for key in ("grade", "team", "month", "count"):
        require(src, key in t, "hires", key, "missing; each [[hires]] needs grade, team, month, "
                "count", i)
    require(src, 1 <= t["month"] <= 12, "hires", "month", f"{t['month']!r} must be 1..12", i)
    require(src, t["count"] >= 0, "hires", "count", f"{t['count']!r} must be >= 0", i)
    return Hire(grade=t["grade"], team=t["team"], month=t["month"], count=t["count"])


def _mix(src: Source, i: int, t: dict[str, Any]) -> MixRule:
    require(src, t.get("tier") in MARGIN_TIERS, "mix", "tier",
            f"{t.get('tier')!r} must be one of {', '.join(MARGIN_TIERS)}", i)
    bounds = {k: v for k, v in t.items() if k != "tier"}
    require(src, bool(bounds), "mix", "tier", "give at least one of min_share, max_share, "
            "min_amount, max_amount, min_units, max_units", i)
    for key in ("min_share", "max_share"):
        if key in t:
            require(src, 0 <= t[key] <= 1, "mix", key, f"{t[key]!r} must be a fraction 0..1", i)
    for key, value in bounds.items():
        _non_negative(src, "mix", key, value, i)
    return MixRule(tier=t["tier"], **{k: float(v) for k, v in bounds.items()})


def _supply(src: Source, i: int, t: dict[str, Any]) -> SupplyRule:
    require(src, "product" in t, "supply", "product", "missing; name the product", i)
    require(src, ("monthly_units" in t) != ("monthly_amount" in t), "supply", "monthly_units",
            "give exactly one of monthly_units or monthly_amount", i)
    months = t.get("months")
    if months is not None:
        require(src, all(isinstance(m, int) and 1 <= m <= 12 for m in months), "supply", "months",
                f"{months!r} must be month numbers 1..12", i)
    value = t.get("monthly_units", t.get("monthly_amount"))
    _non_negative(src, "supply", "monthly_units" if "monthly_units" in t else "monthly_amount",
                  value, i)
    return SupplyRule(
        product=t["product"], monthly_units=t.get("monthly_units"),
        monthly_amount=t.get("monthly_amount"),
        months=None if months is None else tuple(months),
    )


def _event(src: Source, i: int, t: dict[str, Any]) -> Event:
    for key in ("name", "start", "end", "multiplier"):
        require(src, key in t, "events", key, "missing; each [[events]] needs name, start, end, "
                "multiplier", i)
    start = to_date(src, "events", "start", t["start"], i)
    end = to_date(src, "events", "end", t["end"], i)
    require(src, end >= start, "events", "end", f"{t['end']!r} is before start {t['start']!r}", i)
    require(src, t["multiplier"] > 0, "events", "multiplier", f"{t['multiplier']!r} must be > 0", i)
    return Event(name=t["name"], start=start, end=end, multiplier=float(t["multiplier"]),
                 products=tuple(t.get("products", ["*"])))
