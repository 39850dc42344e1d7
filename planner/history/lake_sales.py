"""A sales mapping as Spark SQL: the canonical columns and the checks of their cells.

:class:`SalesSql` turns the mapping's column specs (a column, a constant, a product of
columns, a value map, numeric bins) and the seats' and products' ``derive`` keys into
one SQL expression per canonical column over the raw (filtered) rows, and records the
checks the pandas loader makes of each cell (:mod:`planner.history.checks`), in the
same order and with the same messages, as :class:`~planner.history.lake_sql.Check`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from planner import names
from planner.history import checks as v
from planner.history import lake_sql as q
from planner.history.derived import ABOVE_LAST, BELOW_FIRST, NO_VALUE
from planner.history.mapping import BINS, COLUMN, MAP, MULTIPLY, VALUE, ColumnSpec, TableMapping

#: Columns holding dates and numbers among the sales and derived columns.
DATES = (names.DATE,)
NUMBERS = (names.AMOUNT, names.UNITS, names.MARGIN)
FIRST, LAST = f"{v.FIRST_DATE:%Y-%m-%d}", f"{v.LAST_DATE:%Y-%m-%d}"


class MissingSource(LookupError):
    """A map, bins or derive key names a column neither the table nor the file has."""


class SalesSql:
    """Build the canonical sales expressions and their checks (see the module docstring).

    Parameters
    ----------
    kinds : mapping of str to str
        The raw columns and their kinds (:data:`planner.history.lake_sql.STRING`, ...).
    tm : TableMapping
        The sales mapping.
    labels : mapping of str to str
        Canonical column -> the user's name for it (from the pandas loader's header
        checks).
    bounds : mapping of str to (float, float), optional
        Raw number column (integer or float) -> the lowest and highest of its numbers
        (NaN left out) over rows that include every row checked: a check these prove
        flags no row is left out (:meth:`within`), and with finite bounds the column's
        value is not guarded against infinity.

    Attributes
    ----------
    texts : set of str
        The raw columns read as text (a text column, a map's or a derive key's source).
    summed : set of str
        The columns binned by a total over a key (``per``): a sum in the engine's order.
    plain_values : dict of str to str
        Canonical column -> its raw column read plainly (cast to the canonical type),
        for a column read from one raw column of that type without a value map. It
        equals the parsed value of :attr:`values` on every row once the checks pass
        (they refuse infinite numbers and dates out of range), and, for text, when no
        row meets the column's :attr:`doubts`.
    doubts : dict of str to str
        Text column -> the condition of a row whose raw text may be blank or padded
        (it does not begin and end with a printable ASCII character other than space).
    ranges : dict of str to (float, float)
        Canonical number column read from one raw number column of :attr:`bounds` ->
        those bounds: every value of the column lies within them (or is missing).
    """

    def __init__(self, kinds: Mapping[str, str], tm: TableMapping,
                 labels: Mapping[str, str],
                 bounds: Mapping[str, tuple[float, float]] | None = None) -> None:
        self.kinds, self.tm, self.labels = dict(kinds), tm, dict(labels)
        self.bounds = dict(bounds or {})
        self.ranges: dict[str, tuple[float, float]] = {}
        self.values: dict[str, str] = {}
        self.present: dict[str, str] = {}
        self.shown: dict[str, str] = {}
        self.windows: dict[str, str] = {}
        self.texts: set[str] = set()
        self.summed: set[str] = set()
        self.plain_values: dict[str, str] = {}
        self.doubts: dict[str, str] = {}
        self.checks = q.Checks()
        self._numbers: dict[str, str] = {}

    def label(self, column: str) -> str:
        """Return the user's name of canonical ``column``."""
        return self.labels.get(column, column)

    def within(self, column: str, low: float = -math.inf, high: float = math.inf) -> bool:
        """True when every value of canonical ``column`` is proven within ``low``-``high``.

        Proven by :attr:`ranges`; a check of values outside those limits then flags no
        row (it is left out of the query).

        Examples
        --------
        >>> sql = SalesSql({"amount": "float"}, TableMapping("sales"), {},
        ...                {"amount": (0.0, 9.5)})
        >>> sql.plain("amount", ColumnSpec(COLUMN, ("amount",)))
        >>> sql.within("amount", low=0), sql.within("amount", high=5), sql.within("units")
        (True, False, False)
        """
        found = self.ranges.get(column)
        return found is not None and found[0] >= low and found[1] <= high

    # --- raw columns -----------------------------------------------------------------

    def raw_number(self, source: str) -> str:
        """Return a raw column as DOUBLE, checking it once (not a number, not finite)."""
        if source not in self._numbers:
            col, kind = q.ident(source), self.kinds[source]
            parsed = q.number(col, kind)
            if kind == q.STRING:
                self.checks.add(source, f"{q.present(col, kind)} AND ({parsed}) IS NULL", col,
                                v.NOT_A_NUMBER)
            low, high = self.bounds.get(source, (math.nan, math.nan))
            if math.isfinite(low) and math.isfinite(high):  # no infinity to check or guard
                self._numbers[source] = f"({parsed})"
            else:
                self.checks.add(source, q.infinite(parsed), col, v.NOT_FINITE)
                self._numbers[source] = (f"(CASE WHEN {q.infinite(parsed)} THEN NULL "
                                         f"ELSE {parsed} END)")
        return self._numbers[source]

    def plain(self, column: str, spec: ColumnSpec) -> None:
        """Build a column, constant or product column and check its cells."""
        label = self.label(column)
        if spec.kind == MULTIPLY:
            factors = [self.raw_number(s) for s in spec.sources]
            self.values[column] = "(" + " * ".join(factors) + ")"
            self.present[column] = " AND ".join(q.present(q.ident(s), self.kinds[s])
                                                for s in spec.sources)
            self.shown[column] = self.values[column]
            return
        if spec.kind == COLUMN:
            col, kind = q.ident(spec.sources[0]), self.kinds[spec.sources[0]]
            self.present[column] = q.present(col, kind)
            self.shown[column] = col
        else:  # a constant
            col, kind = q.literal(spec.value), q.STRING
            self.present[column] = "TRUE" if str(spec.value).strip() else "FALSE"
            self.shown[column] = col
        if column in NUMBERS:
            if spec.kind == COLUMN:
                self.values[column] = self.raw_number(spec.sources[0])
                if kind in (q.INTEGER, q.FLOAT):
                    self.plain_values[column] = q.number(col, kind)
                    if spec.sources[0] in self.bounds:
                        self.ranges[column] = self.bounds[spec.sources[0]]
            else:
                parsed = q.number(col, kind)
                self.checks.add(label, f"({parsed}) IS NULL", col, v.NOT_A_NUMBER)
                self.values[column] = f"({parsed})"
        elif column in DATES:
            parsed = q.day(col, kind, self.tm.options.date_format)
            message = v.date_message("sales", self.tm.options.date_format)
            if kind != q.DATE:
                self.checks.add(label, f"{q.present(col, kind)} AND ({parsed}) IS NULL", col,
                                message)
            outside = (f"(({parsed}) < DATE'{FIRST}' OR ({parsed}) > DATE'{LAST}')")
            self.checks.add(label, outside, col, v.DATE_RANGE.format(first=FIRST, last=LAST))
            self.values[column] = f"(CASE WHEN {outside} THEN NULL ELSE {parsed} END)"
            if spec.kind == COLUMN and kind == q.DATE:
                self.plain_values[column] = f"CAST({col} AS DATE)"
        else:
            if spec.kind == COLUMN:
                self.texts.add(spec.sources[0])
                if kind == q.STRING and not self.tm.values.get(column):
                    self.plain_values[column] = col
                    self.doubts[column] = f"{col} IS NOT NULL AND NOT ({q.printable_ends(col)})"
            self.values[column] = self.text_values(q.text(col, kind), column)

    def text_values(self, value: str, column: str) -> str:
        """Apply the mapping's ``[sales.values.<column>]`` map to a text expression."""
        mapping = self.tm.values.get(column)
        return q.mapped(value, mapping, None) if mapping else value

    # --- maps, bins and derive keys ---------------------------------------------------

    def lookup_text(self, name: str, canonical: Mapping[str, str]) -> str:
        """Return the text of a canonical column (``canonical``) or else a raw column.

        Raises
        ------
        MissingSource
            When neither has ``name``.
        """
        if name in canonical:
            value = canonical[name]
            if name in NUMBERS:
                return q.text(value, q.FLOAT)
            return f"CAST({value} AS STRING)" if name in DATES else value
        if name in self.kinds:
            self.texts.add(name)
            return q.text(q.ident(name), self.kinds[name])
        raise MissingSource(name)

    def lookup_number(self, name: str, canonical: Mapping[str, str]) -> str:
        """Return a canonical number column or a raw column as DOUBLE (checked)."""
        if name in canonical and name in NUMBERS:
            return canonical[name]
        if name in canonical:
            return q.number(canonical[name], q.STRING)
        if name in self.kinds:
            return self.raw_number(name)
        raise MissingSource(name)

    def derived(self, column: str, spec: ColumnSpec, canonical: Mapping[str, str]) -> str:
        """Return the text expression of a constant, column, map or bins spec.

        Bins read a window column (``__bins_<column>``: the value, or its total per
        key) that :meth:`window_columns` lists for the view below.

        Raises
        ------
        MissingSource
            When the spec reads a column neither the table nor the file has.
        """
        if spec.kind == VALUE:
            return q.literal(spec.value)
        if spec.kind == COLUMN:
            return self.lookup_text(spec.sources[0], canonical)
        if spec.kind == MAP:
            return q.mapped(self.lookup_text(spec.sources[0], canonical), spec.mapping,
                            spec.default)
        if spec.kind != BINS:  # pragma: no cover - the mapping allows no other kind
            raise ValueError(f"column spec of kind {spec.kind!r} gives no text")
        source = spec.sources[0]
        value = self.lookup_number(source, canonical)
        window = f"__bins_{column}"
        if spec.per:
            self.summed.add(column)
            key = self.lookup_text(spec.per, canonical)
            self.windows[window] = (f"CASE WHEN ({key}) IS NULL THEN NULL ELSE sum({value}) "
                                    f"OVER (PARTITION BY {key}) END")
        else:
            self.windows[window] = value
        ref = q.ident(window)
        out = q.binned(ref, spec.bins, spec.labels, spec.default)
        if spec.default is None:
            edges = spec.bins
            per = (f"(the total of {source} over {spec.per}) " if spec.per else "")
            label = self.label(source)
            self.checks.add(label, f"{ref} < {q._float(edges[0])}", f"round({ref}, 2)"
                            if spec.per else ref,
                            per + BELOW_FIRST.format(edge=edges[0], name=column))
            if len(spec.labels) == len(edges) - 1:
                self.checks.add(label, f"{ref} > {q._float(edges[-1])}", f"round({ref}, 2)"
                                if spec.per else ref,
                                per + ABOVE_LAST.format(edge=edges[-1], name=column))
            self.checks.add(self.label(spec.per or source), f"{ref} IS NULL", None,
                            NO_VALUE.format(name=column))
        return out


def window_select(windows: Mapping[str, str]) -> str:
    """Return ``SELECT *, <window> AS name, ...`` items for the bins' values."""
    items = ", ".join(f"{expr} AS {q.ident(name)}" for name, expr in windows.items())
    return "*" + (f", {items}" if items else "")
