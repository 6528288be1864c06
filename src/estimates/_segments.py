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

    The definition: sort the segment's values, accumulate weights; the quantile is the first value
    whose cumulative weight reaches ``q`` of the segment total; when it lands exactly on the
    boundary between two values (as the median of an even count of equal weights does), the
    mean of the two. With equal weights, ``q=0.5`` is the ordinary median. Segments whose
    weights sum to 0 give NaN; callers must treat that as "no evidence", never as a number.

    >>> v = np.array([1.0, 2.0, 3.0, 1000.0])
    >>> weighted_quantile(v, np.array([1.0, 1.0, 1.0, 0.5]), np.array([0]), 0.5).tolist()
    [2.0]
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    n = values.size
    if len(starts) == 0:
        return np.zeros(0)
    seg = segment_ids(starts, n)
    # sort by (segment, value): lexsort keeps the segments contiguous and in order
    order = np.lexsort((values, seg))
    v = values[order]
    w = weights[order]
    cum = np.cumsum(w)
    seg_total = segment_sum(w, starts)
    before = np.r_[0.0, cum][starts]  # cumulative weight before each segment
    within = cum - before[seg]  # cumulative weight inside the segment, per row
    target = q * seg_total
    # relative tolerance so that float rounding of the cumulative sum does not move a boundary
    tol = 1e-9 * np.maximum(seg_total, 1e-300)
    reached = within >= target[seg] - tol[seg]
    # first row of each segment that reaches the target: rows not reaching get a large index
    idx = np.where(reached, np.arange(n), n)
    first = np.minimum.reduceat(idx, starts)
    ends = np.r_[starts[1:], n]
    first = np.minimum(first, ends - 1)
    result = v[first]
    # exactly on a boundary, and a next value exists within the segment: average the two
    on_boundary = np.abs(within[first] - target) <= tol
    has_next = first + 1 < ends
    both = on_boundary & has_next & (q > 0) & (q < 1)
    result = np.where(both, (v[first] + v[np.minimum(first + 1, n - 1)]) / 2, result)
    return np.where(seg_total > 0, result, np.nan)
