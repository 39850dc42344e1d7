"""Driver model: which uplift per lever multiplies out to the stretch target."""

from planner.drivers.solve import DriverResult, solve_drivers
from planner.drivers.tree import DriverTree, build_tree

__all__ = ["DriverResult", "DriverTree", "build_tree", "solve_drivers"]
