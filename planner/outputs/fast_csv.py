"""A fast CSV writer for the big tables, byte-identical to pandas' ``to_csv``.

``plan.csv`` of 400 teams x 40 products holds about a million rows; pandas writes it
row by row through Python's csv module. DuckDB's ``COPY ... TO`` writes the same text
(shortest round-trip floats such as ``1234.0`` and ``1e-05``, ``inf``, minimal
quoting, LF line ends, UTF-8) from the frame in place, several times faster and in
parallel. The two differ on a few things this module avoids instead of emulating:

- a carriage return in a text: DuckDB quotes the value, pandas does not;
- an empty string: DuckDB quotes it (``""``) to tell it from a missing value, pandas
  writes nothing; empty strings are written as missing values (nothing), as pandas does;
- booleans (``true`` vs ``True``), dates and times, categoricals, float32, mixed-type
  columns, a one-column frame (whose empty rows the csv module quotes) and header names
  that need quoting: such frames are written by pandas.

:func:`supported` says which frames go through DuckDB; the test suite compares both
writers byte for byte on every kind of value the plan tables hold.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from planner.engine.duck import quiet

#: Frames with fewer rows are written by pandas (a DuckDB connection costs more).
MIN_ROWS: Final = 20_000
_PLAIN_HEADER = re.compile(r'^[^,"\r\n]+$')


def _text_ok(values: pd.Series) -> bool:
    """Every value is a str or missing, and none holds a carriage return.

    Numbers or other objects mixed in are written differently; DuckDB quotes a value
    with a carriage return, pandas does not. A pandas string column holds only text
    and missing values, and its carriage returns are found by the string kernel; an
    object column is read once in C-speed loops (no per-element pandas calls).
    """
    if isinstance(values.dtype, pd.StringDtype):  # str or missing by construction
        return not bool(values.str.contains("\r", regex=False).fillna(False).any())
    objects = values.to_numpy(dtype=object)
    if set(map(type, objects)) - {str}:
        other = np.fromiter((type(v) is not str for v in objects), bool, len(objects))
        if not bool(pd.isna(objects[other]).all()):
            return False
        objects = objects[~other]
    return not any("\r" in text for text in pd.unique(objects))


def supported(frame: pd.DataFrame) -> bool:
    """Whether DuckDB writes ``frame`` exactly as pandas would.

    Examples
    --------
    >>> supported(pd.DataFrame({"team": ["a"], "amount": [1.5]}))
    True
    >>> supported(pd.DataFrame({"flag": [True], "amount": [1.5]}))
    False
    """
    if frame.shape[1] < 2:
        return False
    for name in frame.columns:
        if not isinstance(name, str) or not _PLAIN_HEADER.match(name):
            return False
    seen: set[str] = set()
    for i in range(frame.shape[1]):
        if frame.columns[i].casefold() in seen:  # SQL names are case-insensitive
            return False
        seen.add(frame.columns[i].casefold())
        column = frame.iloc[:, i]
        dtype = column.dtype
        if dtype == np.float64 or dtype == np.int64:
            continue
        if (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)) \
                and not isinstance(dtype, pd.CategoricalDtype) and _text_ok(column):
            continue
        return False
    return True


def write_fast_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` (a :func:`supported` one) to ``path`` with DuckDB, as pandas would.

    Parameters
    ----------
    frame : DataFrame
    path : Path

    Returns
    -------
    Path
        ``path``.
    """
    import duckdb

    out = frame.reset_index(drop=True)
    # pandas writes an empty string and a missing value alike: as nothing
    columns = ", ".join(
        _quoted(name) if pd.api.types.is_numeric_dtype(out[name].dtype)
        else f"NULLIF({_quoted(name)}, '') AS {_quoted(name)}" for name in out.columns)
    target = str(path).replace("'", "''")
    with duckdb.connect() as con:
        quiet(con)
        con.register("frame", out)
        con.execute(f"COPY (SELECT {columns} FROM frame) TO '{target}' (FORMAT CSV, HEADER, "
                    "DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n', NULLSTR '')")
    return Path(path)


def _quoted(name: str) -> str:
    """``name`` as an SQL identifier (a :func:`supported` header holds no double quote)."""
    return f'"{name}"'
