"""Cleaning sales as the mapping's ``[sales.options]`` say, before anything is checked.

Exact duplicate rows, excluded rows (by value or prefix) and rows missing the columns of
``drop_missing`` are dropped and counted in the :class:`~planner.history.dataset.LoadReport`.
"""

from __future__ import annotations

import pandas as pd

from planner.history.checks import present, to_text
from planner.history.dataset import LoadReport
from planner.history.mapping import COLUMN, ColumnSpec, TableMapping, problems_error

DUPLICATES_DROPPED = "duplicates_dropped"
EXCLUDED_ROWS = "excluded_rows"
DROPPED_MISSING = "dropped_missing"


def filter_sales(raw: pd.DataFrame, specs: dict[str, ColumnSpec], tm: TableMapping,
                 label: str, source: str, report: LoadReport,
                 problems: list[str] | None = None) -> pd.DataFrame:
    """Drop duplicate rows, excluded rows and rows missing values, counting each.

    Parameters
    ----------
    raw : DataFrame
        The sales file's raw frame.
    specs : dict of str to ColumnSpec
        The canonical columns found in the file.
    tm : TableMapping
        The sales mapping (its options say what to drop).
    label : str
        The file's name in messages.
    source : str
        The mapping's name in messages.
    report : LoadReport
        Receives the counts and notes.
    problems : list of str, optional
        Receives every option that names a column the file does not have (the option
        is skipped); None raises them instead.

    Returns
    -------
    DataFrame
        The rows kept, with their original index (row numbers stay the file's).

    Raises
    ------
    MappingError
        When an option names a column the file does not have and ``problems`` is None
        (every such option in one error).
    """
    found: list[str] = [] if problems is None else problems
    start = len(found)
    opts = tm.options
    if opts.drop_duplicates:
        keep = ~raw.duplicated()
        report.add(DUPLICATES_DROPPED, (~keep).sum())
        raw = raw[keep]
    rules = [(k, vals, False) for k, vals in opts.exclude.items()]
    rules += [(k, vals, True) for k, vals in opts.exclude_prefix.items()]
    drop = pd.Series(False, index=raw.index)
    for key, values, prefix in rules:
        spec = specs.get(key)
        column = spec.sources[0] if spec is not None and spec.kind == COLUMN else key
        if column not in raw.columns:
            option = "exclude_prefix" if prefix else "exclude"
            found.append(f"{source}: [sales.options] {option} key {key!r} is neither a "
                         f"mapped canonical column nor a column of {label} (found: "
                         f"{', '.join(raw.columns)}); fix the key")
            continue
        text = to_text(raw[column])
        hit = (text.str.startswith(values) if prefix else text.isin(values)).fillna(False)
        drop |= hit.astype(bool)
        report.notes.append(f"sales: excluded {int(hit.sum()):,} rows where {column} "
                            f"{'starts with' if prefix else 'is'} {' or '.join(values)}")
    if rules:
        report.add(EXCLUDED_ROWS, drop.sum())
    for column in opts.drop_missing:
        if column not in specs or not specs[column].sources:
            found.append(f"{source}: [sales.options] drop_missing names {column!r}, which "
                         f"is not a column of {label}; map it in [sales.columns] or remove it")
            continue
        sources = [s for s in specs[column].reads if s in raw.columns]
        if not sources:  # built from canonical columns only: checked once built
            continue
        missing = ~pd.concat([present(raw[s]) for s in sources], axis=1).all(axis=1)
        new = missing & ~drop
        drop |= missing
        report.add(DROPPED_MISSING, new.sum())
        report.notes.append(f"sales: dropped {new.sum():,} rows without {column}")
    if problems is None and len(found) > start:
        raise problems_error(source, found)
    return raw[~drop]
