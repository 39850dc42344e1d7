"""``diagnosis.md`` of a re-plan whose year cannot be met.

What the open weeks must sell and what they can (the recoverable part), the shortfall
of each product, and the rules that bind (what gave way, then each binding rule family
with the teams, weeks or months where it binds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from planner.tracking.replan import Revision

#: Labels shown per binding rule family before the rest are counted.
SHOWN = 8


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _shortfall_table(shortfall: pd.DataFrame) -> list[str]:
    rows = shortfall.loc[shortfall["short"] > 0.005] if len(shortfall) else shortfall
    if rows.empty:
        return []
    lines = ["## Shortfall per product", "", "| product | year target | re-plan | short |",
             "| --- | ---: | ---: | ---: |"]
    lines += [f"| {r.product} | {_money(r.target)} | {_money(r.planned)} | {_money(r.short)} |"
              for r in rows.itertuples()]
    return [*lines, ""]


def _binding(binding: pd.DataFrame) -> list[str]:
    if binding.empty:
        return []
    lines = []
    for family, group in binding.groupby("family", sort=False):
        labels = list(dict.fromkeys(group["label"].astype(str)))
        heads = [label.split(" ", 1)[0] for label in labels]
        if len(set(heads)) < len(labels):  # e.g. team x week: count per team
            counts = pd.Series(heads).value_counts(sort=False)
            labels = [f"{head} ({count})" for head, count in counts.items()]
        shown = ", ".join(labels[:SHOWN]) + (f" and {len(labels) - SHOWN} more"
                                              if len(labels) > SHOWN else "")
        lines.append(f"- {family} binds in {len(group)} place(s): {shown} "
                     f"({group['meaning'].iloc[0]})")
    return lines


def replan_diagnosis(revision: Revision, name: str) -> str:
    """The markdown of ``diagnosis.md`` for a re-plan that falls short.

    Parameters
    ----------
    revision : Revision
    name : str
        The scenario's name.

    Returns
    -------
    str
    """
    share = revision.recovered / revision.needed if revision.needed > 0 else 1.0
    lines = [f"# Re-plan of {name} as of {revision.as_of:%Y-%m-%d}: the year cannot be met",
             "",
             f"The open weeks must sell {_money(revision.needed)} to meet the year's targets; "
             f"under the rules they can sell {_money(revision.recovered)} "
             f"({share:.1%} is recoverable, {_money(revision.short)} short).", ""]
    lines += _shortfall_table(revision.shortfall)
    lines += ["## What binds", "", *[f"- {p}" for p in revision.problems],
              *_binding(revision.binding), ""]
    lines += ["## What would meet the year", "",
              "- more capacity in the open weeks: joiners in the seats file (`--seats`), "
              "or a higher `[allocation] capacity_headroom`;",
              "- less to sell: relieve leavers' targets (`[replan] leavers = \"relieve\"`) "
              "or lower the targets;",
              "- or accept the best plan with the shortfall stated: run without `--strict`.",
              ""]
    return "\n".join(lines)


__all__ = ["replan_diagnosis"]
