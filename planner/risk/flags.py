"""Teams whose yearly target is too easy (p > 0.95) or not credible (p < 0.2)."""

from __future__ import annotations

import pandas as pd

from planner.risk.result import FLAG_COLUMNS, NOT_CREDIBLE, TEAM_LEVEL, TOO_EASY

TOO_EASY_FLAG = "too easy"
NOT_CREDIBLE_FLAG = "not credible"


def flag_teams(table: pd.DataFrame) -> pd.DataFrame:
    """The flagged teams with the reason, in words.

    Parameters
    ----------
    table : DataFrame
        The risk table (:data:`planner.risk.result.RISK_COLUMNS`).

    Returns
    -------
    DataFrame
        :data:`planner.risk.result.FLAG_COLUMNS`.

    Examples
    --------
    >>> t = pd.DataFrame({"level": ["team"], "team": ["T1"], "period": ["year"],
    ...                   "target": [130.0], "expected": [100.0], "p_attain": [0.01],
    ...                   "sd": [10.0]})
    >>> flag_teams(t).iloc[0]["reason"]
    'target 130 is 30.0% above the expected outcome 100 (3.0 sd of the outcome)'
    """
    rows = table.loc[(table["level"] == TEAM_LEVEL) & (table["period"] == "year")]
    out = []
    for r in rows.itertuples():
        if r.p_attain > TOO_EASY:
            flag = TOO_EASY_FLAG
        elif r.p_attain < NOT_CREDIBLE:
            flag = NOT_CREDIBLE_FLAG
        else:
            continue
        gap = r.target / r.expected - 1.0 if r.expected > 0 else float("inf")
        side = "above" if gap >= 0 else "below"
        sds = (r.target - r.expected) / r.sd if r.sd > 0 else float("inf")
        out.append((r.team, r.p_attain, flag,
                    f"target {r.target:,.0f} is {abs(gap):.1%} {side} the expected outcome "
                    f"{r.expected:,.0f} ({abs(sds):.1f} sd of the outcome)"))
    return pd.DataFrame(out, columns=list(FLAG_COLUMNS))
