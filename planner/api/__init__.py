"""The public Python API: the steps of ``planner`` and the objects they return.

The steps live in :mod:`planner.api.steps` (plan, drivers, baselines, compare, sweep),
:mod:`planner.api.tracking` (track, replan) and :mod:`planner.api.serve` (the what-if
page); their result objects in :mod:`planner.api.results`. All are re-exported here, so
``from planner import api`` is all a notebook or script needs.
"""

from planner.api.serve import serve, serve_token
from planner.api.steps import *  # noqa: F403
from planner.api.steps import __all__ as _steps_all

__all__ = [*_steps_all, "serve", "serve_token"]
