"""The LP toolkit both models use: a labelled program and the one HiGHS status map.

:mod:`~planner.lp.program` is the container (variable blocks and constraint families
indexed by data labels); :mod:`~planner.lp.highs` builds HiGHS models and maps every
solver outcome to :class:`~planner.lp.highs.SolveStatus` before any value is read.
"""
