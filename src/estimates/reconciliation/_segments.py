"""Segment operations on numpy arrays: the columnar core's building blocks.

Rows are grouped once (a stable sort by key); a group is then a contiguous segment described by
``starts`` (the first row of each segment, ascending, ``starts[0] == 0``). Every function here
works on all segments at once, with no Python loop per group.

>>> import numpy as np
>>> keys = np.array(["b", "a", "b", "a", "b"])
>>> g = group(keys)
>>> g.keys.tolist(), g.starts.tolist()
(['a', 'b'], [0, 2])
>>> values = np.array([5.0, 1.0, 7.0, 3.0, 100.0])[g.order]
>>> weighted_quantile(values, np.ones(5), g.starts, 0.5).tolist()
[2.0, 7.0]
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "Groups",
    "group",
    "midpoint",
    "segment_ids",
    "segment_max",
    "segment_min",
    "segment_sum",
    "weighted_quantile",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class Groups(NamedTuple):
    """The result of :func:`group`: ``order`` sorts rows by key; segments start at ``starts``."""

    order: IntArray
    starts: IntArray
    keys: npt.NDArray[np.object_]


def group(keys: npt.ArrayLike) -> Groups:
    """Group rows by key with one stable sort.

    >>> group(["x", "y", "x"]).order.tolist()
    [0, 2, 1]
    """
    arr = np.asarray(keys, dtype=object)
    if arr.size == 0:
        return Groups(np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, dtype=object))
    uniques, codes = np.unique(arr.astype(str), return_inverse=True)
    order = np.argsort(codes, kind="stable").astype(np.intp)
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]).astype(np.intp)
    return Groups(order, starts, uniques.astype(object))


def segment_ids(starts: IntArray, n: int) -> IntArray:
    """The segment number of each of ``n`` rows.

    >>> segment_ids(np.array([0, 2]), 5).tolist()
    [0, 0, 1, 1, 1]
    """
    ids = np.zeros(n, dtype=np.intp)
    if len(starts) > 1:
        ids[starts[1:]] = 1
    return np.cumsum(ids, dtype=np.intp)


def segment_sum(values: FloatArray, starts: IntArray) -> FloatArray:
    """Sum of each segment.

    >>> segment_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 1])).tolist()
    [1.0, 5.0]
    """
    if len(starts) == 0:
        return np.zeros(0)
    return np.add.reduceat(np.asarray(values, dtype=float), starts)


def segment_min(values: FloatArray, starts: IntArray) -> FloatArray:
    """Minimum of each segment (NaN-free input).

    >>> segment_min(np.array([4.0, 2.0, 3.0]), np.array([0, 2])).tolist()
    [2.0, 3.0]
    """
    if len(starts) == 0:
        return np.zeros(0)
    return np.minimum.reduceat(np.asarray(values, dtype=float), starts)


def segment_max(values: FloatArray, starts: IntArray) -> FloatArray:
    """Maximum of each segment (NaN-free input).

    >>> segment_max(np.array([4.0, 2.0, 3.0]), np.array([0, 2])).tolist()
    [4.0, 3.0]
    """
    if len(starts) == 0:
        return np.zeros(0)
    return np.maximum.reduceat(np.asarray(values, dtype=float), starts)


def weighted_quantile(
    values: FloatArray, weights: FloatArray, starts: IntArray, q: float
) -> FloatArray:
    """Weighted ``q``-quantile of each segment (rows already grouped, any order inside).

    The definition: rows with a weight of zero (or below, or NaN) never count, neither as a
    value nor as a neighbour. Sort the segment's other values and accumulate their weights; the
    quantile is the first value whose cumulative weight reaches ``q`` of the segment total; when
    it lands exactly on the boundary between two values (as the median of an even count of equal
    weights does), the mean of it and the next value with weight. With equal weights, ``q=0.5``
    is the ordinary median; ``q=0`` is the smallest value with weight, ``q=1`` the largest.
    Segments with no positive weight give NaN; callers must treat that as "no evidence", never
    as a number.

    >>> v = np.array([1.0, 2.0, 3.0, 1000.0])
    >>> weighted_quantile(v, np.array([1.0, 1.0, 1.0, 0.5]), np.array([0]), 0.5).tolist()
    [2.0]

    A row without weight is not the neighbour at a boundary: the median of 1 and 3 is 2,
    whatever zero-weight row lies between them.

    >>> weighted_quantile(np.array([1.0, 1.5, 3.0]), np.array([1.0, 0.0, 1.0]),
    ...                   np.array([0]), 0.5).tolist()
    [2.0]
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    starts = np.asarray(starts, dtype=np.intp)
    m = starts.size
    if m == 0:
        return np.zeros(0)
    seg_all = segment_ids(starts, values.size)
    # only rows with weight take part at all, so none can be a boundary's neighbour
    keep = weights > 0  # False for NaN too
    seg = seg_all[keep]
    # sort by (segment, value, weight): segments stay contiguous and in order, and the running
    # sum is added up in the same order whatever order the rows came in
    order = np.lexsort((weights[keep], values[keep], seg))
    v = values[keep][order]
    s = seg[order]
    w_raw = weights[keep][order]
    counts = np.bincount(s, minlength=m)
    ends = np.cumsum(counts)
    first_row = ends - counts
    has = counts > 0
    total = np.bincount(s, weights=w_raw, minlength=m)
    if v.size == 0:
        return np.full(m, np.nan)
    # each segment's weights sum to 1, so the running sum grows by at most 1 per segment and
    # one absolute tolerance absorbs its rounding in every segment, whatever the weights' size
    w = w_raw / total[s]
    cum = np.cumsum(w)
    before = np.r_[0.0, cum][first_row]  # the running sum before each segment
    target = before + q
    tol = 1e-9
    last = np.maximum(ends - 1, 0)
    # the first row of each segment whose running sum reaches the target (never past its end)
    j = np.searchsorted(cum, target - tol, side="left")
    j = np.clip(j, first_row, last)
    result = v[np.minimum(j, v.size - 1)]
    # exactly on a boundary, with a next row in the segment (it has weight): the mean of the two
    on_boundary = np.abs(cum[np.minimum(j, v.size - 1)] - target) <= tol
    both = has & on_boundary & (j + 1 < ends) & (0 < q < 1)
    nxt = np.minimum(j + 1, v.size - 1)
    result = np.where(both, midpoint(result, v[nxt]), result)
    return np.where(has, result, np.nan)


def midpoint(a: FloatArray, b: FloatArray) -> FloatArray:
    """The mean of two figures, between them even at the ends of the floats: halves added (no
    overflow near 1.8e308), held between the two (half the smallest subnormal rounds to 0).

    >>> midpoint(np.array([1.0, 5e-324, 1.7e308]), np.array([2.0, 5e-324, 1.7e308])).tolist()
    [1.5, 5e-324, 1.7e+308]
    """
    with np.errstate(invalid="ignore"):
        middle = np.clip(a / 2 + b / 2, np.fmin(a, b), np.fmax(a, b))
    out: FloatArray = np.where(a == b, a, middle)
    return out
