"""A plan folder as ``planner plan`` (or ``planner replan``) wrote it.

Tracking reads the plan back from its files, so it needs no scenario: ``plan.csv``
gives the targets per team x product x week part, and ``teams/<team>.xlsx`` the
workbooks a returned workbook is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner import names as n
from planner.errors import InputError, Problem
from planner.output_guard import read_manifest
from planner.outputs.safety import safe_file_stem

#: Commands whose output folders are plans.
PLAN_COMMANDS = ("plan", "replan")


@dataclass
class PlanFolder:
    """The plan a folder holds.

    Attributes
    ----------
    path : Path
        The folder.
    plan : DataFrame
        ``plan.csv`` (``team, product, week, week_start, month, amount, units``).
    year : int
        The plan year.
    workbooks : dict of str to Path
        Each team's workbook as planner wrote it, by team code.
    """

    path: Path
    plan: pd.DataFrame
    year: int
    workbooks: dict[str, Path]

    @property
    def teams(self) -> list[str]:
        """Team codes in plan order."""
        return list(dict.fromkeys(self.plan[n.TEAM]))

    def team_products(self, team: str) -> list[str]:
        """The products a team has targets for (plan order)."""
        return list(dict.fromkeys(self.plan.loc[self.plan[n.TEAM] == team, n.PRODUCT]))

    def unit_prices(self) -> pd.Series:
        """Planned amount per unit of each product (NaN without units)."""
        sums = self.plan.groupby(n.PRODUCT)[[n.AMOUNT, n.UNITS]].sum()
        return sums[n.AMOUNT] / sums[n.UNITS].where(sums[n.UNITS] > 0)


def read_plan_folder(path: Path | str) -> PlanFolder:
    """Read a plan folder written by ``planner plan`` or ``planner replan``.

    Raises
    ------
    InputError
        The folder is missing, is not a complete plan folder, or its ``plan.csv``
        lacks a column or holds no rows.
    """
    folder = Path(path)
    shown = str(folder)
    if not folder.is_dir():
        raise InputError([Problem(shown, None, None, None,
                                  "is not a folder; give the --out folder of planner plan")])
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("command") not in PLAN_COMMANDS \
            or manifest.get("state") != "complete":
        found = "no planner manifest" if manifest is None else \
            f"a folder of 'planner {manifest.get('command')}' ({manifest.get('state')})"
        raise InputError([Problem(shown, None, None, None,
                                  f"is not a complete plan folder ({found}); give the --out "
                                  "folder of planner plan or planner replan")])
    csv = folder / n.PLAN_CSV
    try:
        plan = pd.read_csv(csv, dtype={n.TEAM: str, n.PRODUCT: str, n.WEEK: str, n.MONTH: str},
                           keep_default_na=False, na_values={n.AMOUNT: [""], n.UNITS: [""]})
    except (OSError, ValueError) as exc:
        raise InputError([Problem(str(csv), None, None, None,
                                  f"cannot be read ({exc}); re-run planner plan")]) from exc
    missing = [c for c in n.PLAN_COLUMNS if c not in plan.columns]
    if missing or plan.empty:
        what = f"has no column {', '.join(missing)}" if missing else "has no rows"
        raise InputError([Problem(str(csv), None, None, None,
                                  f"{what}; re-run planner plan")])
    plan[n.AMOUNT] = pd.to_numeric(plan[n.AMOUNT]).astype(float)
    plan[n.UNITS] = pd.to_numeric(plan[n.UNITS]).astype(float)
    year = int(str(plan[n.MONTH].iloc[0])[:4])
    taken: set[str] = set()
    workbooks = {team: folder / n.TEAMS_DIR / f"{safe_file_stem(team, taken)}.xlsx"
                 for team in dict.fromkeys(plan[n.TEAM])}
    return PlanFolder(folder, plan, year, workbooks)
