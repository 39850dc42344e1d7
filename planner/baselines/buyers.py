"""How the window's distinct customer ids by cell, product and segment are counted.

Both ways make the same ``ids`` temp table (``product, segment, level, ids,
ticket_std``: level 0 a product x segment cell, 1 a product, 2 a segment; see
``queries/buyer_ids.sql``), with the same counts:

``buyer_masks``
    One aggregation by customer id: each customer gets a bit mask of the product x
    segment cells it bought in (``queries/cell_bits.sql`` numbers them, in
    :data:`MASK_WORDS` BIGINT words of :data:`MASK_BITS` bits), then the customers are
    counted by mask. Used while the window has at most :data:`MAX_CELLS` cells.
``buyer_ids``
    Otherwise: the distinct product x segment x customer triples, then the distinct
    product x customer and segment x customer pairs among them (about a third slower on
    400 teams x 40 products x 5 segments).
"""

from __future__ import annotations

from planner.baselines import sql
from planner.engine.base import Engine

#: Bits of one BIGINT word of a mask: 0..61, clear of the sign bit.
MASK_BITS = 62
#: The words of a customer's mask of cells (``w0``..``w3`` in ``queries/buyer_masks.sql``).
MASK_WORDS = 4
#: The product x segment cells a mask holds.
MAX_CELLS = MASK_BITS * MASK_WORDS


def buyer_statements(cells: int) -> tuple[str, ...]:
    """Return the statements that make ``ids`` for a window of so many cells.

    Examples
    --------
    >>> buyer_statements(200)
    ('cell_bits', 'buyer_masks')
    >>> buyer_statements(249)
    ('buyer_ids',)
    """
    if cells <= MAX_CELLS:
        return ("cell_bits", "buyer_masks")
    return ("buyer_ids",)


def count_buyers(engine: Engine, params: dict[str, object]) -> None:
    """Make the ``ids`` temp table from ``sales`` and ``cust`` (customer_sales.sql).

    The tickets' spread by product and by segment (``spread``, ticket_spread.sql) is
    made first; either way of counting the customer ids adds them to it.
    """
    engine.run(sql.statement("ticket_spread"), params)
    cells = int(engine.query(sql.statement("id_counts")).iloc[0]["cells"])
    for name in buyer_statements(cells):
        engine.run(sql.statement(name), params)
