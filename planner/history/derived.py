"""Text columns built by a mapping: a column, a constant, a value map or numeric bins.

The mapping (:mod:`planner.history.mapping`) declares how a text column is obtained; this module
computes it over a table's rows. A map or bins reads one column, found by a ``lookup``
the caller provides (a canonical column of the table, an earlier derived key, or a
column of the file). Values bins cannot place are problems in the data, collected in a
:class:`~planner.history.checks.Collector` with the file's row numbers.

Examples
--------
>>> from planner.history.mapping import ColumnSpec
>>> from planner.history.checks import Collector
>>> country = pd.Series(["United Kingdom", "France", "Japan"])
>>> spec = ColumnSpec("map", ("Country",), mapping={"United Kingdom": "UK", "France": "EU"},
...                   default="ROW")
>>> build_column(spec, "team", {"Country": country}.get, country.index,
...              Collector("sales.csv")).tolist()
['UK', 'EU', 'ROW']
>>> spend = pd.Series([20.0, 50.0, 400.0, 5000.0])
>>> who = pd.Series(["c1", "c1", "c2", "c3"])
>>> spec = ColumnSpec("bins", ("amount",), bins=(0.0, 100.0, 1000.0),
...                   labels=("S", "M", "L"), per="customer_id")
>>> lookup = {"amount": spend, "customer_id": who}.get
>>> build_column(spec, "segment", lookup, spend.index, Collector("sales.csv")).tolist()
['S', 'S', 'M', 'L']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.history.checks import Collector, to_numbers, to_text
from planner.history.mapping import BINS, COLUMN, MAP, VALUE, ColumnSpec

#: Finds a column by name (canonical, derived or the file's); None when there is none.
Lookup = Callable[[str], "pd.Series | None"]

BELOW_FIRST = ("is below {edge:g}, the first bins edge of {name} in the mapping; add a "
               "lower edge (bins may start at -inf) or a default")
ABOVE_LAST = ("is above {edge:g}, the last bins edge of {name} in the mapping; give one "
              "label per edge so the last range is open, or add a default")
NO_VALUE = ("value is missing, so the bins of {name} in the mapping cannot place the row; "
            "fill it in, or give the bins a default")
TOTAL_OF = "(the total of {column} over {per} {key!r}) "


class MissingColumn(LookupError):
    """A map or bins names a column that neither the table nor the file has."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def build_column(spec: ColumnSpec, name: str, lookup: Lookup, index: pd.Index,
                 col: Collector) -> pd.Series:
    """Compute the text column ``name`` as ``spec`` says.

    Parameters
    ----------
    spec : ColumnSpec
        A column, constant, map or bins spec.
    name : str
        The canonical column being built (for messages).
    lookup : callable
        Returns the named column (a Series aligned to the table's rows) or None.
    index : Index
        The table's rows (for a constant).
    col : Collector
        Receives problems with values bins cannot place.

    Returns
    -------
    Series
        Text (``str`` dtype), missing where there is no value.

    Raises
    ------
    MissingColumn
        When the column the spec reads (or its ``per`` key) cannot be found.
    """
    if spec.kind == VALUE:
        return pd.Series(str(spec.value), index=index, dtype="str")
    source = _find(lookup, spec.sources[0])
    if spec.kind == COLUMN:
        return to_text(source)
    if spec.kind == MAP:
        return mapped(to_text(source), spec)
    if spec.kind == BINS:
        keys = to_text(_find(lookup, spec.per)) if spec.per else None
        return binned(source, keys, spec, name, col)
    raise ValueError(f"column spec of kind {spec.kind!r} gives no text")  # pragma: no cover


def mapped(values: pd.Series, spec: ColumnSpec) -> pd.Series:
    """Apply a map: listed values are replaced; the rest become the default (if any)."""
    listed = values.isin(list(spec.mapping))
    new = values.map(spec.mapping)
    if spec.default is None:
        return values.where(~listed, new).astype("str").where(values.notna() | listed)
    return new.where(listed, spec.default).astype("str")


def binned(source: pd.Series, keys: pd.Series | None, spec: ColumnSpec, name: str,
           col: Collector) -> pd.Series:
    """Place each row's value (or its key's total) in a range; flag what falls outside."""
    label = spec.sources[0]
    numbers = (source.astype("float64") if pd.api.types.is_numeric_dtype(source.dtype)
               else to_numbers(source, col, label, label=label))
    if keys is not None:
        total = numbers.groupby(keys, dropna=True).transform("sum")
        numbers = total.where(keys.notna())
    edges = np.asarray(spec.bins, dtype=float)
    closed = len(spec.labels) == len(edges) - 1
    position = np.searchsorted(edges, numbers.to_numpy(float), side="right") - 1
    if closed:
        position = np.where(numbers.to_numpy(float) == edges[-1], len(edges) - 2, position)
    known = numbers.notna().to_numpy()
    below = known & (position < 0)
    above = known & (position >= len(spec.labels))
    inside = known & ~below & ~above
    labels = np.asarray(spec.labels, dtype=object)
    out = pd.Series(np.where(inside, labels[np.clip(position, 0, len(labels) - 1)], None),
                    index=source.index, dtype="str")
    if spec.default is not None:
        return out.fillna(spec.default)
    first = _first_rows(keys) if keys is not None else pd.Series(True, index=source.index)
    shown = numbers if keys is None else numbers.round(2)
    for mask, text in ((below, BELOW_FIRST.format(edge=edges[0], name=name)),
                       (above, ABOVE_LAST.format(edge=edges[-1], name=name))):
        hit = pd.Series(mask, index=source.index) & first
        col.flag(name, hit, shown, _per_text(text, keys, label, spec.per),
                 label=col.label(label))
    missing = pd.Series(~known, index=source.index)
    col.flag(name, missing, None, NO_VALUE.format(name=name),
             label=col.label(spec.per or label))
    return out


def _per_text(text: str, keys: pd.Series | None, column: str,
              per: str | None) -> str | Callable[[object], str]:
    if keys is None:
        return text
    return lambda i: TOTAL_OF.format(column=column, per=per, key=keys.loc[i]) + text


def _first_rows(keys: pd.Series) -> pd.Series:
    """True on the first row of each key (a key's total is reported once)."""
    return ~keys.duplicated() & keys.notna()


def _find(lookup: Lookup, column: str | None) -> pd.Series:
    found = lookup(column) if column else None
    if found is None:
        raise MissingColumn(str(column))
    return found
