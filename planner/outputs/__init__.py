"""Outputs of a plan run: CSV files, the summary workbook, team workbooks and charts.

The one entry point is :func:`write_outputs`; :func:`safe_file_stem` turns team
names into safe, unique file names.
"""

from __future__ import annotations

from planner.outputs.labels import LANGS, get_labels
from planner.outputs.safety import safe_file_stem
from planner.outputs.write import write_outputs

__all__ = ["LANGS", "get_labels", "safe_file_stem", "write_outputs"]
