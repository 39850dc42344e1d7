"""planner: turn a stretch sales target into team x product x week targets.

The command line is ``planner`` (:mod:`planner.cli.main`); the same steps from Python are in
:mod:`planner.api`.
"""

__version__ = "0.1.0"
