"""Weekly productivity per seat, by grade and by team, from one pass over the seat-weeks.

``queries/seat_week_productivity.sql`` computes both tables at once (grouping sets over
the seat-week x product cells with a sale; the cells without one are counted, not made:
see the statement); :func:`split_productivity` cuts its result into the baselines'
``productivity_grade`` and ``productivity_team``.
"""

from __future__ import annotations

import pandas as pd

from planner import names as n

#: The level of each table's rows in the statement's result
#: (``2 * grouping(grade) + grouping(team)``) and the table's key.
LEVELS = {"productivity_grade": (1, n.GRADE), "productivity_team": (2, n.TEAM)}


def split_productivity(both: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return ``productivity_grade`` and ``productivity_team`` from the statement's rows.

    Parameters
    ----------
    both : DataFrame
        ``level, grade, team, product, ...``: rows of level 1 are by grade, of level 2
        by team, each already in its table's order.

    Returns
    -------
    dict of str to DataFrame
        Each table with its key column first and without ``level`` or the other key.

    Examples
    --------
    >>> both = pd.DataFrame({"level": [1, 2], "grade": ["A", None], "team": [None, "T1"],
    ...                      "product": ["*", "*"], "seat_weeks": [3, 3]})
    >>> split_productivity(both)["productivity_team"]
      team product  seat_weeks
    0   T1       *           3
    """
    out = {}
    for name, (level, key) in LEVELS.items():
        other = n.TEAM if key == n.GRADE else n.GRADE
        rows = both.loc[both["level"] == level].drop(columns=["level", other])
        out[name] = rows.reset_index(drop=True)
    return out
