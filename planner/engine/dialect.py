"""One SQL, two engines: the baselines' DuckDB statements as Spark SQL.

The statements of :mod:`planner.baselines.sql` are written once, in DuckDB's dialect,
and kept to what both engines compute alike. :func:`to_spark` parses one with sqlglot,
binds its ``$name`` parameters as literals and writes it in Spark's dialect. sqlglot
translates the functions both have under other names (``string_agg ... ORDER BY`` to
``listagg ... WITHIN GROUP``, 1-based list indexes to 0-based ones, ``NULLS LAST`` made
explicit); two DuckDB forms it leaves alone are rewritten here:

- ``date + to_months(n)`` becomes ``add_months(date, n)``;
- ``quantile_cont(x, [p, ...])`` becomes Spark's exact ``percentile(x, array(p, ...))``
  (both interpolate linearly between the closest ranks).

The history loader (:mod:`planner.history.lake`) writes its statements once, in Spark's
dialect; :func:`to_duckdb` carries them to DuckDB, where three Spark forms read
otherwise: ``nanvl`` (DuckDB has none), ``trim`` (pandas strips every white space, Spark
and DuckDB only spaces: the DuckDB statement strips what :meth:`str.strip` strips) and
text cast to ``TIMESTAMP`` (DuckDB reads an offset and converts it; only a plain ISO 8601
day, with an optional time, is read, anything else is NULL).

Examples
--------
>>> from datetime import date
>>> to_spark("SELECT sum(amount) FROM sales WHERE date >= $ws GROUP BY ALL",
...          {"ws": date(2025, 1, 1)})
"SELECT SUM(amount) FROM sales WHERE date >= CAST('2025-01-01' AS DATE) GROUP BY ALL"
>>> to_spark("SELECT d < s + to_months($n), quantile_cont(x, [0.1, 0.9]) FROM t", {"n": 5})
'SELECT d < ADD_MONTHS(s, 5), PERCENTILE(x, ARRAY(0.1, 0.9)) FROM t'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

import sqlglot
from sqlglot import expressions as exp

READ = "duckdb"
WRITE = "spark"
#: What :meth:`str.strip` strips (pandas' ``.str.strip()``), as a regular expression class.
WHITESPACE = ("[\\x{9}-\\x{D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
              "\\x{2028}-\\x{2029}\\x{202F}\\x{205F}\\x{3000}]")
#: The text DuckDB casts to TIMESTAMP: a day, then an optional time without offset.
ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?$"


def parse(statement: str) -> exp.Expression:
    """Parse one DuckDB statement."""
    return cast(exp.Expression, sqlglot.parse_one(statement, read=READ))


def literal(value: Any) -> exp.Expression:
    """Return a parameter's value as a SQL literal (dates typed as DATE).

    Raises
    ------
    TypeError
        For a value of another type.
    """
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"cannot bind a parameter of type {type(value).__name__}")


def bind(tree: exp.Expression, params: Mapping[str, Any] | None) -> exp.Expression:
    """Replace each ``$name`` by its value as a literal.

    Raises
    ------
    KeyError
        When the statement names a parameter that ``params`` lacks.
    """
    values = params or {}

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            name = node.name
            if name not in values:
                raise KeyError(f"SQL parameter ${name} has no value")
            return literal(values[name])
        return node

    return tree.transform(replace)


def portable(tree: exp.Expression) -> exp.Expression:
    """Rewrite the DuckDB forms sqlglot does not carry to Spark (see the module docstring)."""

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Add) and _is_call(node.expression, "to_months"):
            months = node.expression.expressions[0]
            return exp.Anonymous(this="add_months", expressions=[node.this, months])
        if isinstance(node, exp.PercentileCont) and isinstance(node.expression, exp.Array):
            return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
        return node

    return tree.transform(replace)


def _is_call(node: exp.Expression | None, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == name


def spark_sql(tree: exp.Expression) -> str:
    """Write a parsed (bound, portable) statement in Spark's dialect."""
    return tree.sql(dialect=WRITE)


def to_spark(statement: str, params: Mapping[str, Any] | None = None) -> str:
    """Return a DuckDB statement as Spark SQL, its parameters bound as literals."""
    return spark_sql(portable(bind(parse(statement), params)))


@lru_cache(maxsize=512)
def to_duckdb(statement: str) -> str:
    """Return a Spark SQL statement as DuckDB SQL (see the module docstring).

    Kept per statement text: parsing and writing it again costs up to a tenth of a
    second, and loading the same files again (the what-if page, the API, the tests) sends
    the same statements.

    Examples
    --------
    >>> to_duckdb("SELECT nanvl(`a`, NULL), count_if(b) FROM t")
    'SELECT CASE WHEN ISNAN("a") THEN NULL ELSE "a" END, COUNT_IF(b) FROM t'
    """
    tree = cast(exp.Expression, sqlglot.parse_one(statement, read=WRITE))

    def timestamps(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Cast) and node.to.this in (exp.DataType.Type.TIMESTAMPTZ,
                                                            exp.DataType.Type.TIMESTAMP):
            inner = node.this
            read = exp.TryCast(this=inner.copy(), to=exp.DataType.build("TIMESTAMP"))
            if _is_text(inner):
                match = exp.RegexpLike(this=inner.copy(), expression=exp.Literal.string(ISO_DAY))
                return exp.Case(ifs=[exp.If(this=match, true=read)])
            return read
        return node

    def functions(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Nanvl):
            return exp.Case(ifs=[exp.If(this=exp.Anonymous(this="isnan", expressions=[
                node.this.copy()]), true=node.expression.copy())], default=node.this.copy())
        if isinstance(node, exp.Trim) and node.args.get("expression") is None:
            return _strip(node.this)
        return node

    return tree.transform(timestamps).transform(functions).sql(dialect=READ)


def _strip(value: exp.Expression) -> exp.Expression:
    """Strip what :meth:`str.strip` strips, by a regular expression where an end may need it.

    A cell that begins and ends with a printable ASCII character other than a space is
    kept as it is (the first and last characters are cheap to read; a regular
    expression is not).
    """
    runs = exp.Literal.string(f"^{WHITESPACE}+|{WHITESPACE}+$")
    stripped = exp.Anonymous(this="regexp_replace", expressions=[
        value.copy(), runs, exp.Literal.string(""), exp.Literal.string("g")])
    ends = [exp.Anonymous(this="ord", expressions=[value.copy()]),
            exp.Anonymous(this="ord", expressions=[exp.Anonymous(
                this="array_extract", expressions=[value.copy(), exp.Literal.number(-1)])])]
    printable = exp.and_(*[exp.Between(this=end, low=exp.Literal.number(33),
                                       high=exp.Literal.number(126)) for end in ends])
    return exp.Case(ifs=[exp.If(this=printable, true=value.copy())], default=stripped)


def _is_text(node: exp.Expression) -> bool:
    """True when ``node`` is text: a trimmed or text-cast cell (what the loader casts)."""
    if isinstance(node, exp.Trim):
        return True
    return isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES)
