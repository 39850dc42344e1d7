"""The driver tree: revenue per product x segment cell, and which lever moves each driver.

``amount = customers x conversion x repurchase x ticket`` per cell (product, segment),
and on the capacity side ``capacity = seats x productivity``. Each cell takes, for
each driver kind, the most specific lever whose scope covers it; the ticket of a
fixed-ticket product never moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner import names as n
from planner.drivers.levers import Lever, merge_levers, resolve
from planner.errors import ScenarioError
from planner.scenario.schema import DEMAND_KINDS
from planner.scenario.values import LeverSpec

FIXED_TICKET_LEVER = "ticket (fixed-ticket products)"
SEATS_LEVER = "seats"


@dataclass(frozen=True)
class DriverTree:
    """Cells with their baseline drivers, and the levers acting on them.

    Attributes
    ----------
    cells : DataFrame
        ``product, segment, amount, units, buyers, customers, conversion, repurchase,
        ticket`` plus ``lever_<kind>`` per demand kind: the lever acting on it.
    levers : dict of str to Lever
        Every lever by name, including the fixed seats lever.
    productivity : str
        Name of the productivity lever.
    baseline_amount : float
        Sum of cell amounts (history, spike products normalised).
    seat_multiple : float
        Planned capacity at last year's productivity over last year's capacity.
    """

    cells: pd.DataFrame
    levers: dict[str, Lever]
    productivity: str
    baseline_amount: float
    seat_multiple: float

    def cell_levers(self, kinds: tuple[str, ...] = DEMAND_KINDS) -> list[list[str]]:
        """Return, per cell, the names of the levers of ``kinds`` acting on it.

        Worked out once per tree and kinds (a fresh list each call).
        """
        kept: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = self.__dict__.setdefault(
            "_cell_levers", {})
        if kinds not in kept:
            cols = [self.cells[f"lever_{k}"].to_numpy(object) for k in kinds]
            kept[kinds] = tuple(tuple(name for name in row if name)
                                for row in zip(*cols, strict=True))
        return [list(row) for row in kept[kinds]]


def build_tree(
    product_segments: pd.DataFrame,
    products: pd.DataFrame,
    specs: tuple[LeverSpec, ...],
    seat_multiple: float,
) -> DriverTree:
    """Build the driver tree from baselines and the scenario's levers.

    Parameters
    ----------
    product_segments : DataFrame
        ``product, segment, amount, units, buyers, customers, conversion, repurchase,
        ticket`` (baselines).
    products : DataFrame
        ``product, ticket_mode, amount, normalised_amount`` (baselines); a spike
        product's cells are scaled to its normalised amount.
    specs : tuple of LeverSpec
        The scenario's levers (merged with the defaults by name).
    seat_multiple : float
        Planned over last year's capacity at last year's productivity (> 0).

    Returns
    -------
    DriverTree

    Raises
    ------
    ScenarioError
        When a lever's scope names an unknown product or segment.
    """
    cells = product_segments.loc[product_segments[n.AMOUNT] > 0].copy().reset_index(drop=True)
    scale = _normalisation(products)
    factor = cells[n.PRODUCT].map(scale).fillna(1.0)
    for col in (n.AMOUNT, n.UNITS, "buyers"):
        cells[col] = cells[col] * factor
    cells["customers"] = cells["customers"] * factor  # keeps amount = product of drivers
    if n.MARGIN_TIER in products:
        tiers = dict(zip(products[n.PRODUCT], products[n.MARGIN_TIER], strict=True))
        cells[n.MARGIN_TIER] = cells[n.PRODUCT].map(tiers).fillna("standard")
    else:
        cells[n.MARGIN_TIER] = "standard"
    merged = merge_levers(specs)
    _check_scopes(merged, set(cells[n.PRODUCT]), set(cells[n.SEGMENT]))
    levers = {spec.name: resolve(spec) for spec in merged}
    fixed_products = set(products.loc[products[n.TICKET_MODE] == "fixed", n.PRODUCT])
    pairs = list(zip(cells[n.PRODUCT], cells[n.SEGMENT], strict=True))
    sizes = {name: sum(lv.covers(p, s) for p, s in pairs) for name, lv in levers.items()}
    for kind in DEMAND_KINDS:
        cells[f"lever_{kind}"] = [
            "" if kind == "ticket" and p in fixed_products else _pick(levers, sizes, kind, p, s)
            for p, s in pairs
        ]
    if fixed_products & set(cells[n.PRODUCT]):
        levers[FIXED_TICKET_LEVER] = Lever(
            FIXED_TICKET_LEVER, "ticket", tuple(sorted(fixed_products)), ("*",), 0.0, 0.0, True, ()
        )
    prod = [lv for lv in levers.values() if lv.kind == "productivity"]
    if len(prod) != 1 or prod[0].products != ("*",) or prod[0].segments != ("*",):
        raise ScenarioError("levers: give exactly one productivity lever, scoped to all products "
                            "and segments (seat productivity is shared across products)")
    x_seats = math.log(seat_multiple)
    levers[SEATS_LEVER] = Lever(SEATS_LEVER, "seats", ("*",), ("*",), x_seats, x_seats, True, ())
    return DriverTree(cells, levers, prod[0].name, float(cells[n.AMOUNT].sum()), seat_multiple)


def _normalisation(products: pd.DataFrame) -> dict[str, float]:
    if "normalised_amount" not in products:
        return {}
    ok = products[n.AMOUNT] > 0
    ratio = products.loc[ok, "normalised_amount"] / products.loc[ok, n.AMOUNT]
    return dict(zip(products.loc[ok, n.PRODUCT], ratio.fillna(1.0), strict=True))


def _pick(levers: dict[str, Lever], sizes: dict[str, int], kind: str, product: str,
          segment: str) -> str:
    """Most specific lever of ``kind`` covering the cell (smallest scope; later wins ties).

    ``sizes`` holds the number of cells each lever's scope covers.
    """
    best, best_size = "", math.inf
    for lever in levers.values():
        if lever.kind != kind or not lever.covers(product, segment):
            continue
        size = sizes[lever.name]
        if size <= best_size:
            best, best_size = lever.name, size
    return best


def _check_scopes(specs: tuple[LeverSpec, ...], products: set[str], segments: set[str]) -> None:
    for spec in specs:
        for label, values, known in (("products", spec.products, products),
                                     ("segments", spec.segments, segments)):
            bad = [v for v in values if v != "*" and v not in known]
            if bad:
                raise ScenarioError(
                    f"levers.{spec.name}.{label}: {', '.join(map(repr, bad))} not in the data "
                    f"(known: {', '.join(sorted(known))}); fix the scope or use \"*\""
                )
