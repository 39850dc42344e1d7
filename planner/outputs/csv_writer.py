"""The one CSV writer of every output: UTF-8, LF line ends, optionally ``--csv-safe``.

By default text is written exactly as found, so programs (BI tools, pandas) read back
the names the user wrote. With ``csv_safe=True`` every text cell and header that
starts with ``= + - @``, a tab or a carriage return gets a leading apostrophe
(:func:`~planner.outputs.safety.csv_safe_text`), so a spreadsheet opening the file
shows it as text instead of running it as a formula.

Examples
--------
>>> import tempfile
>>> import pandas as pd
>>> frame = pd.DataFrame({"team": ["=cmd|' /C calc'!A0", "North"], "amount": [-1.5, 2.0]})
>>> path = Path(tempfile.mkdtemp()) / "t.csv"
>>> print(write_csv(frame, path, csv_safe=True).read_text(), end="")
team,amount
'=cmd|' /C calc'!A0,-1.5
North,2.0
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from planner.outputs.fast_csv import MIN_ROWS, supported, write_fast_csv
from planner.outputs.safety import csv_safe_text

CSV_ENCODING: Final = "utf-8"
LINE_END: Final = "\n"


def _is_text(values: pd.Series) -> bool:
    dtype = values.dtype
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers are escaped for spreadsheets.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    DataFrame
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if _is_text(column):
            out.isetitem(i, column.astype(object).map(csv_safe_text))
    out.columns = [csv_safe_text(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path, *, csv_safe: bool = False) -> Path:
    """Write ``frame`` (without its index) to ``path``.

    Big frames of numbers and text go through DuckDB (:mod:`planner.outputs.fast_csv`),
    byte for byte what pandas writes; the rest through pandas.

    Parameters
    ----------
    frame : DataFrame
    path : Path
    csv_safe : bool
        Escape text that a spreadsheet would run as a formula (see the module).

    Returns
    -------
    Path
        ``path``.
    """
    shown = csv_safe_frame(frame) if csv_safe else frame
    if len(shown) >= MIN_ROWS and supported(shown):  # the same bytes, several times faster
        return write_fast_csv(shown, Path(path))
    shown.to_csv(path, index=False, encoding=CSV_ENCODING, lineterminator=LINE_END)
    return Path(path)
