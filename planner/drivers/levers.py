"""Levers of the driver tree: defaults from the story, scopes and stretch-cost curves.

A lever multiplies one driver (customers, conversion, repurchase, ticket or seat
productivity) by ``1 + u`` over a scope of products and customer segments. In log
space ``x = log(1 + u)``; the stretch cost is convex and piecewise linear in ``x``,
its slope rising at each breakpoint of ``u``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.scenario.values import LeverSpec

# Uplift breakpoints, and the cost slope (per unit of log-uplift) on each piece: the
# slope of ``x + 4 x^2`` at the piece's middle, so the cost is close to strictly convex and
# equally costly levers share the stretch instead of one taking it all.
DEFAULT_BREAKPOINTS: tuple[float, ...] = (
    0.02, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50, 0.60, 0.75, 1.00, 1.25, 1.50,
    2.00, 2.50, 3.00, 4.00, 5.00, 7.00, 10.0, 20.0, 50.0,
)


def _default_slopes() -> tuple[float, ...]:
    edges = [0.0] + [math.log1p(b) for b in DEFAULT_BREAKPOINTS]
    mids = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)]
    mids.append(edges[-1] + 0.5)
    return tuple(1.0 + 8.0 * m for m in mids)


DEFAULT_SLOPES: tuple[float, ...] = _default_slopes()

#: The story's defaults: conversion belongs to another team's targeting model, so it is
#: tightly capped and costly; a fixed ticket never moves (handled per product).
DEFAULT_LEVERS: tuple[LeverSpec, ...] = (
    LeverSpec(name="customers", kind="customers", cap=0.50, cost=1.0),
    LeverSpec(name="conversion", kind="conversion", cap=0.10, cost=3.0),
    LeverSpec(name="repurchase", kind="repurchase", cap=0.50, cost=1.0),
    LeverSpec(name="ticket", kind="ticket", cap=0.20, cost=2.0),
    LeverSpec(name="productivity", kind="productivity", cap=0.30, cost=1.5),
)
UNCAPPED = 100.0  # an uplift cap standing for "no cap" (x = log 101)


@dataclass(frozen=True)
class Lever:
    """A lever resolved for the model.

    Attributes
    ----------
    name, kind : str
        As configured.
    products, segments : tuple of str
        Scope (``"*"`` = all).
    lo, hi : float
        Bounds of ``x = log(1 + u)``.
    fixed : bool
        True when ``lo == hi`` by configuration.
    pieces : tuple of (float, float)
        ``(width, slope)`` of each cost piece from ``lo`` upward, covering ``[lo, hi]``.
    """

    name: str
    kind: str
    products: tuple[str, ...]
    segments: tuple[str, ...]
    lo: float
    hi: float
    fixed: bool
    pieces: tuple[tuple[float, float], ...]

    @property
    def cap(self) -> float:
        """Largest uplift as a fraction."""
        return math.expm1(self.hi)

    @property
    def scope(self) -> str:
        """Scope as text, e.g. ``products=*; segments=S1,S2``."""
        return f"products={','.join(self.products)}; segments={','.join(self.segments)}"

    def covers(self, product: str, segment: str) -> bool:
        """Return True when the cell is inside this lever's scope."""
        return (self.products == ("*",) or product in self.products) and (
            self.segments == ("*",) or segment in self.segments
        )


def merge_levers(configured: tuple[LeverSpec, ...]) -> tuple[LeverSpec, ...]:
    """Return the defaults overridden by name with the scenario's levers, then the rest."""
    by_name = {spec.name: spec for spec in DEFAULT_LEVERS}
    for spec in configured:
        by_name[spec.name] = spec
    return tuple(by_name.values())


#: A fall costs this fraction of a rise by the same step. Falls are priced (not free) so a
#: shrinking target spreads its fall over the levers allowed to fall, as a rising one
#: spreads its stretch; a fall lowers revenue, so a growing plan takes one only where a
#: rule (capacity, mix, supply) makes it worth its cost, never merely because it is allowed.
FALL_WEIGHT = 0.1


def resolve(spec: LeverSpec) -> Lever:
    """Turn a configured lever into bounds and cost pieces in log space.

    Rises are priced by the lever's breakpoints and slopes; a fall (``min < 0``) by the
    same curve mirrored below zero uplift, times :data:`FALL_WEIGHT`. No uplift costs
    nothing, and the cost is convex: its slope rises from one piece to the next.

    Examples
    --------
    >>> from planner.scenario.values import LeverSpec
    >>> lever = resolve(LeverSpec(name="r", kind="repurchase", cap=0.05, cost=1.0, min=-0.05))
    >>> [round(slope, 3) for _, slope in lever.pieces]
    [-0.158, -0.127, -0.108, 1.079, 1.274]
    """
    if spec.fixed is not None:
        x = math.log1p(spec.fixed)
        return Lever(spec.name, spec.kind, spec.products, spec.segments, x, x, True, ())
    lo = math.log1p(spec.min)
    hi = math.log1p(UNCAPPED if spec.cap is None else spec.cap)
    breaks = spec.breakpoints or DEFAULT_BREAKPOINTS
    slopes = spec.slopes or DEFAULT_SLOPES
    steps = [math.log1p(b) for b in breaks]  # rise breakpoints in log space
    inner = {0.0, *steps, *(-v for v in steps)}
    edges = [lo, *sorted(v for v in inner if lo < v < hi), hi]
    pieces = []
    for left, right in zip(edges, edges[1:], strict=False):
        if left >= 0:  # a rise: the slope in force at the piece's left edge
            slope = slopes[sum(1 for v in steps if left >= v - 1e-12)] * spec.cost
        else:  # a fall: the rise slope at the same distance from zero, mirrored and weighted
            slope = -FALL_WEIGHT * slopes[sum(1 for v in steps if -right >= v - 1e-12)] * spec.cost
        pieces.append((right - left, slope))
    return Lever(spec.name, spec.kind, spec.products, spec.segments, lo, hi, lo == hi,
                 tuple(pieces))
