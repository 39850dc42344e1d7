"""The page's plan runs and saved scenarios.

A plan runs :func:`planner.pipeline.plan_from_baselines` (what ``planner plan`` runs, on
the baselines the server already holds) and writes the same outputs, zipped for
"Download workbooks". "Save as scenario" writes a new TOML file into the save folder:
``base =`` the opened scenario plus only what changed, never over an existing file.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from planner import names as n
from planner.api.results import Plan
from planner.errors import OutputError, ScenarioError
from planner.output_guard import scenario_sources
from planner.pipeline import plan_from_baselines
from planner.scenario import load_scenario
from planner.scenario.values import Scenario
from planner.serve.changes import Changes, child_toml, minimal
from planner.serve.model import WhatIfModel, number
from planner.serve.sessions import PlanJob

#: A saved scenario's name: letters, digits, ``_``, ``-`` and ``.``; it names the file.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Names Windows keeps for its devices (with any extension): never a file's name.
RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$",
                      *(f"{d}{i}" for d in ("com", "lpt") for i in "0123456789¹²³")})
#: Binding constraints shown on the page (the workbook has them all).
BINDING_ROWS = 8


def plan_work(model: WhatIfModel, scenario: Scenario, lang: str
              ) -> Callable[[PlanJob, Path], dict[str, Any]]:
    """The background work of one plan run: plan, write the outputs, summarise for the page."""
    opened = model.opened

    def work(job: PlanJob, out_dir: Path) -> dict[str, Any]:
        result = plan_from_baselines(scenario, opened.baselines, job.say, opened.dataset)
        plan = Plan.of(result, scenario_sources(scenario))
        job.say("writing the workbooks")
        plan.write(out_dir, force=True, lang=lang)
        return plan_json(plan)

    return work


def plan_json(plan: Plan) -> dict[str, Any]:
    """What the page shows of a plan: team targets, months, capacity, binding rules."""
    teams = plan.team_targets()
    capacity = plan.capacity.groupby(n.TEAM)[["capacity", "load"]].sum()
    risk = _team_risk(plan)
    rows = []
    for row in teams.itertuples(index=False):
        team = str(row.team)
        rows.append({
            "team": team, "name": plan.team_names.get(team, team),
            "target": float(row.amount), "last_year": float(row.last_year),
            "capacity": number(capacity["capacity"].get(team)),
            "load": number(capacity["load"].get(team)),
            "p_attain": risk.get(team),
        })
    last = plan.history_monthly.groupby(n.MONTH)[n.AMOUNT].sum()
    months = []
    for row in plan.monthly().itertuples(index=False):
        label = str(row.month)
        calendar_month = int(label[-2:])
        months.append({"month": label, "amount": float(row.amount),
                       "last_year": float(last.get(calendar_month, 0.0))})
    binding = plan.binding.head(BINDING_ROWS)
    return {
        "name": plan.name, "target": plan.target, "multiple": plan.multiple,
        "buffer": plan.buffer, "team_total": float(plan.plan[n.AMOUNT].sum()),
        "history_total": plan.history_total, "teams": rows, "months": months,
        "binding": [{k: (number(v) if isinstance(v, float) else str(v))
                     for k, v in r.items()} for r in binding.to_dict("records")],
        "warnings": [str(w) for w in plan.warnings],
        "risk": bool(risk),
    }


def _team_risk(plan: Plan) -> dict[str, float]:
    """Each team's probability of reaching its yearly target, when the plan has a risk table.

    Shown when the plan measured its attainment risk (``plan.risk``: ``level, team,
    period, p_attain`` rows, :mod:`planner.risk`).
    """
    table = plan.risk
    if not isinstance(table, pd.DataFrame) or not {"level", "team", "period",
                                                   "p_attain"} <= set(table.columns):
        return {}
    rows = table.loc[(table["level"] == "team") & (table["period"] == "year")]
    return {str(t): float(p) for t, p in zip(rows["team"], rows["p_attain"], strict=True)}


def check_name(name: str) -> str:
    """A saved scenario's name, checked: a plain file name on every system.

    Parameters
    ----------
    name : str
        As the page sends it (a trailing ``.toml`` is dropped).

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        Not :data:`NAME`, ending in ``.``, or a name Windows keeps for a device.

    Examples
    --------
    >>> check_name("meeting-8x.toml")
    'meeting-8x'
    >>> check_name("../escape")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.ScenarioError: name '../escape': use letters, digits, '_', '-' and '.' ...
    >>> check_name("con")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.ScenarioError: name 'con': Windows keeps this name for a device; ...
    """
    name = name.removesuffix(".toml")
    if not NAME.match(name) or name.endswith("."):
        raise ScenarioError(f"name {name!r}: use letters, digits, '_', '-' and '.' (at most "
                            "64, starting with a letter or digit, not ending with '.'); it "
                            "names the file")
    if name.split(".", 1)[0].lower() in RESERVED:
        raise ScenarioError(f"name {name!r}: Windows keeps this name for a device; choose "
                            "another")
    return name


def save_scenario(model: WhatIfModel, changes: Changes, name: str,
                  save_dir: Path) -> dict[str, Any]:
    """Write ``SAVE_DIR/NAME.toml``: ``base =`` the opened scenario plus what changed.

    The file is written beside its final name and linked into place, so an existing
    file is never overwritten and no half-written file is ever seen; it is then read
    back as ``planner plan`` would read it.

    Parameters
    ----------
    model : WhatIfModel
        The opened scenario.
    changes : Changes
        The page's what-if.
    name : str
        The new scenario's name (the file's name without ``.toml``).
    save_dir : Path
        The one folder the page may write to.

    Returns
    -------
    dict
        ``name``, ``file`` (the file name), ``path`` and ``toml`` (its text).

    Raises
    ------
    ScenarioError
        A name that is not a plain file name, or a what-if the schema refuses.
    OutputError
        A file of that name exists.
    """
    name = check_name(name)
    base = model.base
    assert base.path is not None
    target = save_dir / f"{name}.toml"
    exists = OutputError(f"{target.name} exists in {save_dir}; choose another name (a saved "
                         "scenario is never overwritten)")
    if target.exists():
        raise exists
    relative = Path(os.path.relpath(base.path.resolve(), save_dir.resolve())).as_posix()
    text = child_toml(minimal(changes, base), relative, name,
                      f"saved from planner serve over {base.path.name}")
    try:
        _write_new(target, text)
    except FileExistsError:
        raise exists from None
    except OSError as exc:
        raise OutputError(f"cannot write {target.name} into {save_dir}: {exc.strerror or exc}"
                          ) from None
    try:
        load_scenario(target)
    except ScenarioError:
        target.unlink(missing_ok=True)
        raise
    return {"name": name, "file": target.name, "path": str(target), "toml": text}


def _write_new(target: Path, text: str) -> None:
    """Write a file that does not exist yet, whole or not at all, never over another.

    Written beside its name and hard-linked into place (the link fails if the name
    exists); where the file system has no hard links, created exclusively instead.

    Raises
    ------
    FileExistsError
        ``target`` exists.
    OSError
        The folder cannot be written.
    """
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp")
    temp.write_text(text, encoding="utf-8")
    try:
        os.link(temp, target)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (FAT, some network shares): an exclusive create
    finally:
        temp.unlink(missing_ok=True)
    with target.open("x", encoding="utf-8") as out:
        out.write(text)


__all__ = ["check_name", "plan_json", "plan_work", "save_scenario"]
