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
from typing import Any, cast

import sqlglot
from sqlglot import expressions as exp

READ = "duckdb"
WRITE = "spark"


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
