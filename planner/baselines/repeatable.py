"""Rounding that makes floating-point aggregates repeat exactly from run to run."""

from __future__ import annotations

import numpy as np
import pandas as pd


def steady_values(values: np.ndarray, digits: int = 12) -> np.ndarray:
    """Round to ``digits`` significant digits.

    DuckDB sums floats in parallel, in no fixed order, so the last bits of a sum can
    differ from run to run; rounding far below any figure a plan shows makes the same
    input give the same baselines, and so the same plan.
    """
    out = np.asarray(values, dtype=float).copy()
    ok = np.isfinite(out) & (out != 0)
    exponent = np.floor(np.log10(np.abs(out[ok])))
    scale = 10.0 ** (digits - 1 - exponent)
    out[ok] = np.round(out[ok] * scale) / scale
    return out


def steady(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its float columns rounded by :func:`steady_values`."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = steady_values(out[col].to_numpy())
    return out


def steady_value(value: float) -> float:
    """One number rounded by :func:`steady_values`."""
    return float(steady_values(np.array([float(value)]))[0])
