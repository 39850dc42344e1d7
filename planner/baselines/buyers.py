"""How the window's distinct customer ids by product and by segment are counted.

Both ways make the same ``ids`` temp table (``product, segment, level, ids,
ticket_std``; see ``queries/buyer_ids.sql``), with the same counts:

``buyer_masks``
    One aggregation by customer id: each customer gets a bit mask of the products and
    one of the segments it bought (``queries/id_bits.sql`` numbers them), then the
    customers are counted by pair of masks. It needs a bit per product and per segment
    in one BIGINT, so it is used while the window has at most :data:`MASK_BITS` of each.
``buyer_ids``
    Otherwise: one aggregation for the distinct product x customer pairs and one for the
    segment x customer pairs (about a third slower on 400 teams x 40 products).
"""

from __future__ import annotations

from planner.baselines import sql
from planner.engine.base import Engine

#: Products (and segments) one BIGINT mask holds: bits 0..61, clear of the sign bit.
MASK_BITS = 62


def buyer_statements(products: int, segments: int) -> tuple[str, ...]:
    """Return the statements that make ``ids`` for a window of so many products and segments.

    Examples
    --------
    >>> buyer_statements(40, 5)
    ('id_bits', 'buyer_masks')
    >>> buyer_statements(63, 5)
    ('buyer_ids',)
    """
    if products <= MASK_BITS and segments <= MASK_BITS:
        return ("id_bits", "buyer_masks")
    return ("buyer_ids",)


def count_buyers(engine: Engine, params: dict[str, object]) -> None:
    """Make the ``ids`` temp table from ``sales`` and ``cust`` (customer_sales.sql).

    The tickets' spread by product and by segment (``spread``, ticket_spread.sql) is
    made first; either way of counting the customer ids adds them to it.
    """
    engine.run(sql.statement("ticket_spread"), params)
    counts = engine.query(sql.statement("id_counts")).iloc[0]
    for name in buyer_statements(int(counts["products"]), int(counts["segments"])):
        engine.run(sql.statement(name), params)
