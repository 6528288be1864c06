"""The precision of a figure, defined once: the place of its last significant digit.

A figure's **place** is the power of ten of its last significant digit: 12,000 → 1,000;
1,500 → 100; 2.5 → 0.1; 31,643 → 1. The rule: the coarsest power of ten of which the figure
is a whole multiple, to within a billionth of the figure (:data:`SNAP`), so that float noise
from arithmetic or a unit conversion (12,999.999999999998, 0.30000000000000004) reads as the
figure it stands for. The snap makes ten significant digits the most a figure can have. A
figure has no place (NaN) when it is zero, NaN or infinite, or lies beyond :data:`EDGE` (or
within its inverse of zero), where half a place added to it leaves the floats or loses every
digit. With ``digits``, a figure with more significant digits than that has no place either:
it was computed, and says nothing of the precision of what it rests on.

Every precision the package uses is read here: the step to which the words write a computed
figure (:func:`estimates.values.words.steps`, which also leaves out figures written in the
scientific form and figures with more decimals than a person states), the rounding band of a
running total, the pooled method's reading of a point, the tolerance within which plurality
counts two figures as one.

This module imports nothing from the package: the values and the reconciliation core read it.

>>> places([12000, 1500, 2.5, 31643, 0.0, -0.25, 999.9999999999998]).tolist()
[1000.0, 100.0, 0.1, 1.0, nan, 0.01, 1000.0]
>>> places([1.75e12, 1.75e-12, 1 / 3, float("inf"), 5e-324]).tolist()
[10000000000.0, 1e-14, 1e-09, nan, nan]
>>> places([123456789.0, 1234.5], digits=8).tolist()
[nan, 0.1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["EDGE", "SNAP", "places"]

#: A figure within this share of itself of a whole multiple of a power of ten is that multiple.
SNAP = 1e-9
#: Figures larger than this, or smaller (but not zero) than its inverse, have no place.
EDGE = 1e290
# ten significant digits: from the place above the first digit (999.9999999999998 is 1,000)
# down to the tenth digit, where the snap always holds
_MOST_DIGITS = 10
# whole figures below this are read by their trailing zeros (see places())
_WHOLE = 1e8
# the powers of ten from below 1 / EDGE to above EDGE: each figure's first digit is found
# among them by bisection
_LOWEST_POWER = -292


def _trailing_zeros(n: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """How many times ten divides each positive integer (the loop runs on those it divides).

    >>> _trailing_zeros(np.array([7, 120, 3000, 10_000_000])).tolist()
    [0, 1, 3, 7]
    """
    zeros = np.zeros(n.shape, dtype=np.intp)
    rows = np.arange(n.size)
    while rows.size:
        divides = n % 10 == 0
        rows, n = rows[divides], n[divides] // 10
        zeros[rows] += 1
    return zeros


def _lead(x: npt.NDArray[np.float64], powers: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The power of ten of each figure's first digit, ``10.0**lead <= x < 10.0**(lead + 1)``,
    by bisection among ``powers`` (those from :data:`_LOWEST_POWER` up).

    >>> _lead(np.array([1.0, 999.0, 1000.0, 0.05]), 10.0 ** np.arange(-292, 292.0)).tolist()
    [0.0, 2.0, 3.0, -2.0]
    """
    first = np.searchsorted(powers, x, side="right") + (_LOWEST_POWER - 1)
    return np.asarray(first, dtype=np.float64)


def places(values: npt.ArrayLike, *, digits: int | None = None) -> npt.NDArray[np.float64]:
    """The place of each figure's last significant digit (NaN where it has none; see the
    module's docstring); with ``digits``, NaN for a figure with more significant digits."""
    given = np.abs(np.asarray(values, dtype=float))
    out = np.full(given.shape, np.nan)
    usable = np.isfinite(given) & (given >= 1.0 / EDGE) & (given <= EDGE)
    x = given[usable]
    powers = 10.0 ** np.arange(_LOWEST_POWER, -_LOWEST_POWER, dtype=np.float64)
    found = np.full(x.shape, np.nan)
    # a whole figure below _WHOLE is within its snap (under 0.1) of a multiple of a power of
    # ten only when it is one (any other whole figure is at least 1 away), so the loop below
    # would find the largest power of ten dividing it: found by division instead
    whole = (x < _WHOLE) & (x == np.floor(x))
    found[whole] = powers[_trailing_zeros(x[whole].astype(np.int64)) - _LOWEST_POWER]
    # the loop runs on the figures still without a place, each found at its coarsest power
    rest = np.flatnonzero(~whole)
    first = _lead(x[rest], powers)
    for k in range(-1, _MOST_DIGITS):
        step = 10.0 ** (first - k)
        scaled = x[rest] / step
        nearest = np.round(scaled)
        hit = (nearest >= 1) & (np.abs(scaled - nearest) <= SNAP * scaled)
        found[rest[hit]] = step[hit]
        rest, first = rest[~hit], first[~hit]
    if digits is not None:
        found[found < 10.0 ** (_lead(x, powers) - (digits - 1)) * (1 - SNAP)] = np.nan
    out[usable] = found
    return out
