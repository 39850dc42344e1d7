"""Spark SQL for a sales mapping: raw cells to typed canonical columns, with checks.

:mod:`planner.history.lake` reads the sales file with Spark and builds the canonical
``sales`` relation from these expressions, so the mapping applies on the engine:

- :func:`text`, :func:`number`, :func:`day` parse one raw column as the pandas loader
  does (:mod:`planner.history.checks`): text is stripped and blank means missing;
  numbers are decimal or scientific (``inf`` parses, and is refused as not finite);
  dates are ISO 8601 unless ``date_format`` gives a strptime format, which
  :func:`spark_pattern` writes as a Spark datetime pattern;
- :func:`mapped` and :func:`binned` are a mapping's value maps and numeric bins (a
  bins' ``per`` key sums over a window partitioned by the key);
- :class:`Check` is one kind of bad cell: the condition, the value shown and the
  pandas loader's message, counted by one aggregate query.

Examples
--------
>>> number("`Qty`", "integer")
'nanvl(CAST(`Qty` AS DOUBLE), NULL)'
>>> spark_pattern("%d/%m/%Y %H:%M")
'd/M/y H:m'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planner.errors import MappingError

#: A decimal or scientific number, as ``pandas.to_numeric`` reads one.
NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
INFINITE = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
#: strptime directives and the Spark datetime pattern letters that parse the same.
DIRECTIVES = {"Y": "y", "y": "yy", "m": "M", "d": "d", "H": "H", "I": "h", "M": "m",
              "S": "s", "f": "SSSSSS", "p": "a", "b": "MMM", "B": "MMMM", "j": "D",
              "%": "%"}
#: Raw column kinds (from the file's Spark schema).
STRING, INTEGER, FLOAT, DATE, OTHER = "string", "integer", "float", "date", "other"


def ident(name: str) -> str:
    """Return ``name`` as a Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def literal(text: object) -> str:
    r"""Return ``text`` as a Spark SQL string literal.

    Examples
    --------
    >>> literal("O'Brien")
    "'O\\'Brien'"
    """
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def present(col: str, kind: str) -> str:
    """Return the condition "the cell holds a value" (not missing, not blank, not NaN)."""
    if kind == STRING:  # a printable first character: not blank, no need to strip
        return f"({col} IS NOT NULL AND ({printable_first(col)} OR trim({col}) <> ''))"
    if kind == FLOAT:
        return f"({col} IS NOT NULL AND NOT isnan({col}))"
    return f"({col} IS NOT NULL)"


def text(col: str, kind: str) -> str:
    """Return the cell as stripped text, NULL when blank (whole floats without ``.0``)."""
    if kind == STRING:
        return f"nullif(trim({col}), '')"
    if kind == FLOAT:
        return (f"CASE WHEN isnan({col}) THEN NULL WHEN {col} = floor({col}) "
                f"THEN CAST(CAST({col} AS BIGINT) AS STRING) ELSE CAST({col} AS STRING) END")
    return f"CAST({col} AS STRING)"


def printable_first(col: str) -> str:
    """Return the condition "the text begins with printable ASCII but space" (``!`` to ``~``).

    Written as comparisons of the whole text (both engines compare text by its UTF-8
    bytes, and a first byte from ``!`` to ``~`` is such a character), which an engine may
    decide from a column's statistics without reading its rows (DuckDB does, from a
    Parquet file's or a table's minimum and maximum): the same rows as
    ``ascii(col) BETWEEN 33 AND 126``.

    Examples
    --------
    >>> printable_first("`seat`")
    "(`seat` >= '!' AND `seat` < chr(127))"
    """
    return f"({col} >= '!' AND {col} < chr(127))"


def printable_ends(col: str) -> str:
    """Return the condition "the text begins and ends with printable ASCII but space".

    Such a text is not blank and stripping leaves it as it is.

    Examples
    --------
    >>> printable_ends("`seat`")
    "(`seat` >= '!' AND `seat` < chr(127)) AND ascii(substring(`seat`, -1, 1)) BETWEEN 33 AND 126"
    """
    return f"{printable_first(col)} AND ascii(substring({col}, -1, 1)) BETWEEN 33 AND 126"


def number(col: str, kind: str) -> str:
    """Return the cell as DOUBLE: NULL when it is not a number (``inf`` is infinite)."""
    if kind in (INTEGER, FLOAT):
        return f"nanvl(CAST({col} AS DOUBLE), NULL)"
    cell = f"trim({col})"
    signs = ", ".join(literal(s) for s in INFINITE)
    return (f"CASE WHEN {cell} RLIKE {literal(NUMBER)} THEN try_cast({cell} AS DOUBLE) "
            f"WHEN lower({cell}) IN ({signs}) THEN CASE WHEN {cell} LIKE '-%' "
            "THEN CAST('-Infinity' AS DOUBLE) ELSE CAST('Infinity' AS DOUBLE) END END")


def infinite(value: str) -> str:
    """Return the condition "``value`` is +-infinity"."""
    return f"({value} IN (CAST('Infinity' AS DOUBLE), CAST('-Infinity' AS DOUBLE)))"


def spark_pattern(fmt: str, where: str = "[sales.options] date_format") -> str:
    """Return a strptime format as a Spark datetime pattern.

    Raises
    ------
    MappingError
        For a directive Spark cannot parse alike (naming the option and the fix).
    """
    out, literal_run, i = [], "", 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code not in DIRECTIVES:
                raise MappingError(
                    f"{where} {fmt!r}: %{code} cannot be read by Spark (it reads "
                    f"{', '.join('%' + k for k in DIRECTIVES)}); change the format, or use "
                    "engine = \"duckdb\"")
            if literal_run:
                out.append(_quoted(literal_run))
                literal_run = ""
            out.append(DIRECTIVES[code] if code != "%" else _quoted("%"))
            i += 2
            continue
        literal_run += fmt[i]
        i += 1
    if literal_run:
        out.append(_quoted(literal_run))
    return "".join(out)


def _quoted(run: str) -> str:
    """Quote literal text of a pattern (letters must be quoted; others may stay)."""
    if any(c.isalpha() or c == "'" for c in run):
        return "'" + run.replace("'", "''") + "'"
    return run


def day(col: str, kind: str, fmt: str | None) -> str:
    """Return the cell as DATE (the day of a timestamp), NULL when it is not a date."""
    if kind == DATE:
        return f"CAST({col} AS DATE)"
    cell = f"trim({col})" if kind == STRING else f"CAST({col} AS STRING)"
    if fmt is None:
        return f"CAST(try_cast({cell} AS TIMESTAMP) AS DATE)"
    return f"CAST(try_to_timestamp({cell}, {literal(spark_pattern(fmt))}) AS DATE)"


def mapped(value: str, mapping: Mapping[str, str], default: str | None) -> str:
    """Return a value map: listed values replaced, the rest kept (or the default)."""
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in mapping.items())
    other = value if default is None else literal(default)
    if not cases:
        return other if default is None else f"CASE WHEN TRUE THEN {other} END"
    return f"CASE {value} {cases} ELSE {other} END"


def binned(value: str, edges: Sequence[float], labels: Sequence[str],
           default: str | None) -> str:
    """Return the label of the range holding ``value`` (NULL or the default outside)."""
    closed = len(labels) == len(edges) - 1
    cases = []
    if closed:
        cases.append(f"WHEN {value} = {_float(edges[-1])} THEN {literal(labels[-1])}")
    for i in reversed(range(len(labels))):
        upper = f" AND {value} < {_float(edges[i + 1])}" if closed or i + 1 < len(labels) else ""
        cases.append(f"WHEN {value} >= {_float(edges[i])}{upper} THEN {literal(labels[i])}")
    other = "NULL" if default is None else literal(default)
    return f"CASE {' '.join(cases)} ELSE {other} END"


def _float(edge: float) -> str:
    if edge == float("inf"):
        return "CAST('Infinity' AS DOUBLE)"
    if edge == float("-inf"):
        return "CAST('-Infinity' AS DOUBLE)"
    return f"CAST({edge!r} AS DOUBLE)"


@dataclass(frozen=True)
class Check:
    """One kind of bad cell in the sales file, found by an aggregate query.

    Attributes
    ----------
    label : str
        The column as the user's file (or mapping) names it.
    bad : str
        The SQL condition of a bad row (earlier checks of the label already excluded).
    shown : str or None
        The SQL value shown in the message (None: no value).
    message : str
        The pandas loader's message (:mod:`planner.history.checks`).
    """

    label: str
    bad: str
    shown: str | None
    message: str


class Checks:
    """The checks of one file, in order; a cell is reported once per column label."""

    def __init__(self) -> None:
        self.items: list[Check] = []
        self._seen: dict[str, list[str]] = {}

    def add(self, label: str, bad: str, shown: str | None, message: str) -> None:
        """Add a check; rows an earlier check of ``label`` flagged are left out."""
        earlier = self._seen.setdefault(label, [])
        condition = f"coalesce({bad}, FALSE)"
        if earlier:
            condition = f"({condition} AND NOT ({' OR '.join(earlier)}))"
        earlier.append(f"coalesce({bad}, FALSE)")
        self.items.append(Check(label, condition, shown, message))
