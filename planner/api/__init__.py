"""The public Python API: the steps of ``planner`` and the objects they return.

The steps live in :mod:`planner.api.steps`, their result objects in
:mod:`planner.api.results`; both are re-exported here so ``from planner import api``
is all a notebook or script needs.
"""

from planner.api.steps import *  # noqa: F403
from planner.api.steps import __all__ as _steps_all

__all__ = list(_steps_all)
