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

from collections.abc import Sequence
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from estimates.errors import ReconcileError
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

__all__ = [
    "Groups",
    "group",
    "merged_order",
    "merged_orders",
    "midpoint",
    "search_sorted_segments",
    "segment_any",
    "segment_ids",
    "segment_max",
    "segment_min",
    "segment_quantiles",
    "segment_sum",
    "sort_segments",
    "sorted_quantiles",
    "stable_order",
    "weighted_quantile",
]


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


def segment_any(mask: BoolArray, starts: IntArray) -> BoolArray:
    """Whether any row of each segment is True (a byte per row read, no sum of floats).

    >>> segment_any(np.array([False, True, False]), np.array([0, 2])).tolist()
    [True, False]
    """
    if len(starts) == 0:
        return np.zeros(0, dtype=bool)
    result: BoolArray = np.logical_or.reduceat(np.asarray(mask, dtype=bool), starts)
    return result


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
    """Weighted ``q``-quantile of each segment (rows already grouped, any order inside), by the
    rule of :func:`sorted_quantiles` (at a boundary, the mean of the two values).

    With equal weights, ``q=0.5`` is the ordinary median; ``q=0`` is the smallest value with
    weight, ``q=1`` the largest. Segments with no positive weight give NaN; callers must treat
    that as "no evidence", never as a number.

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
    counts = np.bincount(seg, minlength=m)
    ends = np.cumsum(counts)
    return sorted_quantiles(
        values[keep][order], weights[keep][order], ends - counts, ends, [(q, "mid")]
    )[0]


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


def sort_segments(values: FloatArray, seg: IntArray, *, stable: bool = False) -> IntArray:
    """The order that sorts rows by (segment, value): two cheap sorts instead of a lexsort.

    Rows are ranked by value in one global sort, then put in the stable order of their
    segments (:func:`stable_order`, a sort of integers). With ``stable``, rows of one segment
    and one value keep their order (the order of ``np.lexsort((values, seg))``, NaNs last):
    the runs of equal values are numbered, and the ranks put in the stable order of their
    runs first.

    >>> sort_segments(np.array([3.0, 1.0, 2.0]), np.array([1, 0, 0])).tolist()
    [1, 2, 0]
    >>> sort_segments(np.array([2.0, 1.0, 2.0, 1.0]), np.zeros(4, np.intp), stable=True).tolist()
    [1, 3, 0, 2]
    """
    n = values.size
    by_value = np.argsort(values, kind="quicksort")
    if stable and n:
        v = values[by_value]
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(v[1:], v[:-1], out=new[1:])
        new[1:] &= ~(np.isnan(v[1:]) & np.isnan(v[:-1]))  # (NaNs sort as one value)
        # (the run shifted above the row: rows of a run in their order, as stable_order does)
        shift = max(n - 1, 1).bit_length()
        run = np.cumsum(new, dtype=np.int64)
        run <<= shift
        run |= by_value
        run.sort()
        run &= (1 << shift) - 1
        by_value = run
    order: IntArray = by_value[stable_order(seg[by_value])]
    return order


def stable_order(keys: IntArray) -> IntArray:
    """The stable order of non-negative integer ``keys`` (``np.argsort(keys, kind="stable")``):
    each key shifted above its position is unique, and a plain sort of integers (several times
    faster than an indirect one) gives back the positions in order. Built, sorted and masked
    in place: no pass over the rows makes a copy.

    >>> stable_order(np.array([2, 0, 2, 1, 0])).tolist()
    [1, 4, 3, 0, 2]
    """
    n = keys.size
    shift = max(n - 1, 1).bit_length()  # positions below 2**shift
    key = keys.astype(np.int64)
    key <<= shift
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    key &= (1 << shift) - 1
    return key.astype(np.intp, copy=False)


def segment_quantiles(
    values: FloatArray,
    weights: FloatArray,
    seg: IntArray,
    n_segments: int,
    specs: Sequence[tuple[float, str]],
    *,
    order: IntArray | None = None,
) -> list[FloatArray]:
    """Weighted quantiles of each segment, several at once (:func:`sorted_quantiles`); ``seg``
    is the segment of each row (rows in any order), ``order`` the order sorting them by
    (segment, value) when the caller has it.

    >>> v = np.array([1.0, 2.0, 3.0, 4.0])
    >>> [x.tolist() for x in segment_quantiles(v, np.ones(4), np.zeros(4, np.intp), 1,
    ...                                        [(0.5, "mid"), (0.5, "low"), (0.5, "high")])]
    [[2.5], [2.0], [3.0]]
    """
    if order is None:
        order = sort_segments(values, seg)
    counts = np.bincount(seg, minlength=n_segments)  # ``order`` holds every row once
    ends = np.cumsum(counts)
    return sorted_quantiles(values[order], weights[order], ends - counts, ends, specs)


def sorted_quantiles(
    values: FloatArray,
    weights: FloatArray,
    starts: IntArray,
    ends: IntArray,
    specs: Sequence[tuple[float, str]],
    *,
    reach: FloatArray | None = None,
) -> list[FloatArray]:
    """Weighted quantiles of segments ``[starts, ends)`` whose rows are sorted by value: the
    package's one weighted quantile, each ``(q, rule)`` of ``specs`` a binary search in one
    running sum (no pass over the rows per quantile).

    The rule. Rows whose weight is not above zero (NaN included) never count, neither as a
    value nor as the neighbour at a boundary. Each segment's weights are scaled to sum to 1 and
    added up in value order; the ``q``-quantile is the first value whose running sum reaches
    ``q``. A running sum equal to ``q`` (within the rounding of the sum: 1e-9, widened by the
    segment's length and the sum's size) is a *boundary* between that value and the next value
    with weight, where the rule decides: ``"mid"`` their mean (so ``q=0.5`` of an even count of
    equal weights is the ordinary median; at ``q`` of 0 or 1, the value itself), ``"low"`` the
    lower and ``"high"`` the higher of the two. A segment with no weight gives NaN. The rule
    ``"interpolate"`` instead draws a line through the values, each placed at the middle of its
    weight (its running sum less half its weight: the plotting position (i − 0.5)/n of Hazen,
    1914, with weights), and reads it at ``q`` (below the first middle, the first value; above
    the last, the last): equal weights give the ordinary median at 0.5, and weights that differ
    a little move the answer a little, where the other rules jump from one value to the next.
    With ``reach`` (per row, how far its value may stand from the truth, such as half its
    rounding step), the line is drawn only between neighbours whose reaches meet: between two
    values farther apart the answer is the one whose middle is nearer (their mean when both are
    as near), unless the two are of one sign and within a factor of ten (zero is of one size
    with a figure within ten of its reach's steps): so that the answer never lands in a gap
    between a figure and another of a different size.

    The median of 1, 2, 4 and 5 is 3, whatever zero-weight row lies between 2 and 4:

    >>> v = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 10.0])
    >>> w = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    >>> [x.tolist() for x in sorted_quantiles(v, w, np.array([0, 5]), np.array([5, 6]),
    ...                                       [(0.5, "mid"), (0.5, "low"), (0.5, "high")])]
    [[3.0, 10.0], [2.0, 10.0], [4.0, 10.0]]
    >>> w[3] = 1.2
    >>> [round(x, 3) for x in sorted_quantiles(v, w, np.array([0, 5]), np.array([5, 6]),
    ...                                        [(0.5, "interpolate")])[0].tolist()]
    [3.091, 10.0]

    Between 2 and 400 no line is drawn when their reaches (here half a unit) do not meet:

    >>> v, w, one = np.array([1.0, 2.0, 400.0, 500.0]), np.array([1.0, 1.0, 1.2, 1.0]), [0]
    >>> [round(float(sorted_quantiles(v, w, one, [4], [(0.5, "interpolate")], reach=r)[0][0]), 1)
    ...  for r in (None, np.full(4, 0.5))]
    [219.1, 400.0]
    """
    v = np.asarray(values, dtype=float)
    starts = np.asarray(starts, dtype=np.intp)
    ends = np.asarray(ends, dtype=np.intp)
    m, n = starts.size, v.size
    if n == 0:
        return [np.full(m, np.nan) for _ in specs]
    w_raw = np.asarray(weights, dtype=float)
    w = np.where(w_raw > 0, w_raw, 0.0)  # NaN too
    seg = np.repeat(np.arange(m, dtype=np.intp), ends - starts)
    total = np.bincount(seg, weights=w, minlength=m)
    has = total > 0
    # each segment's weights sum to 1, so the running sum grows by 1 per segment; its rounding
    # within a segment grows with the segment's length and the sum's size (a segment without
    # weight keeps its zeros)
    seg_total = total[seg]
    np.divide(w, seg_total, out=w, where=seg_total > 0)
    del seg_total
    if any(rule != "interpolate" for _, rule in specs):  # ("interpolate" draws its own line)
        cum = np.cumsum(w)
        before = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
        tol = 1e-9 + (ends - starts + 2) * np.finfo(float).eps * (before + 1.0)
        last = np.maximum(ends - 1, 0)
        # the last row with weight in each segment: the first whose running sum reaches the total
        last_pos = np.searchsorted(cum, before + 1.0 - tol, side="left")
        last_pos = np.clip(np.minimum(last_pos, last), 0, n - 1)
    out: list[FloatArray] = []
    for q, rule in specs:
        if rule == "interpolate":
            line = _interpolated(v, w, seg, starts.size, q, reach)
            out.append(np.where(has, line, np.nan))
            continue
        if rule not in ("low", "high", "mid"):
            raise ReconcileError(
                f"unknown quantile rule {rule!r}; known: mid, low, high, interpolate"
            )
        target = before + q
        if rule == "high":
            j = np.searchsorted(cum, target + tol, side="right")
        else:
            j = np.searchsorted(cum, target - tol, side="left")
        j = np.clip(np.minimum(j, last_pos), np.minimum(starts, n - 1), last)
        result = v[j]
        if rule == "mid" and 0 < q < 1:
            # on a boundary: the mean with the next value with weight, if the segment has one
            at = np.flatnonzero(np.abs(cum[j] - target) <= tol)
            jb = j[at]
            nxt = np.searchsorted(cum, cum[jb] + tol[at], side="right")
            ok = (nxt < ends[at]) & (nxt <= last_pos[at])
            result[at[ok]] = midpoint(result[at[ok]], v[nxt[ok]])
        out.append(np.where(has, result, np.nan))
    return out


# the "interpolate" rule draws its line between neighbours of one sign within this factor of
# each other (one order of magnitude): a line from 1 to 1,000 would answer with a figure no
# rounding or error of either explains
_LINE_RATIO: Final = 10.0


def _interpolated(
    v: FloatArray, w: FloatArray, seg: IntArray, m: int, q: float, reach: FloatArray | None
) -> FloatArray:
    """The ``"interpolate"`` rule of :func:`sorted_quantiles` (``w`` sums to 1 per segment)."""
    keep = w > 0
    if not keep.all():  # (no copies where every row has weight, as is usual)
        v, w, seg = v[keep], w[keep], seg[keep]
        if reach is not None:
            reach = reach[keep]
    counts = np.bincount(seg, minlength=m)
    ends = np.cumsum(counts)
    starts = ends - counts
    # each value at the middle of its weight; segments laid end to end, one unit each
    middle = np.cumsum(w)
    before = np.r_[0.0, middle][starts]
    middle -= w / 2
    middle -= before[seg]
    np.clip(middle, 0.0, 1.0, out=middle)
    middle += seg
    del before
    j = np.searchsorted(middle, np.arange(m) + q, side="right") - 1
    out = np.full(m, np.nan)
    has = counts > 0
    first = has & (j < starts)
    final = has & (j >= ends - 1)
    inner = np.flatnonzero(has & ~first & ~final)
    out[first] = v[starts[first]]
    out[final] = v[ends[final] - 1]
    a = j[inner]
    gap = middle[a + 1] - middle[a]
    frac = np.divide(np.arange(m)[inner] + q - middle[a], gap, out=np.zeros(a.size), where=gap > 0)
    line = v[a] + frac * (v[a + 1] - v[a])
    if reach is not None:
        r = np.asarray(reach, dtype=float)
        r_lo, r_hi = np.nan_to_num(r[a]), np.nan_to_num(r[a + 1])
        lo, hi = v[a], v[a + 1]
        apart = hi - lo > (r_lo + r_hi) * (1 + 1e-9)
        # figures of one sign within a factor of _LINE_RATIO are of one size
        apart &= ~((lo > 0) & (hi <= _LINE_RATIO * lo)) & ~((hi < 0) & (lo >= _LINE_RATIO * hi))
        # and zero is of one size with a figure within ten of its rounding steps (0 and 5,
        # 0 and 50; not 0 and 55, whose step is 1)
        apart &= ~((lo == 0) & (hi <= _LINE_RATIO * 2 * r_hi))
        apart &= ~((hi == 0) & (-lo <= _LINE_RATIO * 2 * r_lo))
        even = np.abs(frac - 0.5) <= 1e-9
        nearer = np.where(even, (lo + hi) / 2, np.where(frac < 0.5, lo, hi))
        line = np.where(apart, nearer, line)
    out[inner] = line
    return out


def search_sorted_segments(
    sorted_values: FloatArray, lo: IntArray, hi: IntArray, x: FloatArray, *, right: BoolArray
) -> IntArray:
    """Per query, ``searchsorted`` of ``x`` in ``sorted_values[lo:hi]`` (vectorised bisection).

    Where ``right`` is False: the first position whose value is ``>= x``; where True: ``> x``.
    The loop runs once per halving of the longest segment, over all queries at once.
    """
    lo = lo.astype(np.intp).copy()
    hi = hi.astype(np.intp).copy()
    if lo.size == 0:
        return lo
    steps = int(np.ceil(np.log2(int(np.max(hi - lo, initial=0)) + 1))) + 1
    for _ in range(steps):
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        val = sorted_values[np.minimum(mid, sorted_values.size - 1)]
        go_right = np.where(right, val <= x, val < x) & active
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)
    return lo


def merged_order(
    sorted_rows: IntArray, other: IntArray, values: FloatArray, seg: IntArray, n_segments: int
) -> IntArray:
    """The rows ``sorted_rows`` (already in (segment, value) order) and ``other`` (any order)
    together in (segment, value) order, an ``other`` row after the sorted rows of its value:
    only ``other`` is sorted, then each finds its place among the sorted rows by bisection.

    >>> merged_order(np.array([0, 1]), np.array([2]), np.array([1.0, 3.0, 2.0]),
    ...              np.zeros(3, np.intp), 1).tolist()
    [0, 2, 1]
    """
    return merged_orders(sorted_rows, other, [values], seg, n_segments)[0]


def merged_orders(
    sorted_rows: IntArray,
    other: IntArray,
    columns: Sequence[FloatArray],
    seg: IntArray,
    n_segments: int,
) -> list[IntArray]:
    """:func:`merged_order` by each of ``columns`` at once, for rows ``sorted_rows`` that hold
    one value in every column (a plain figure, whose ends are its point, among ranges sorted by
    their low ends and by their high ends): the sorted rows' segments are read once and every
    ``other`` row of every column finds its place in one bisection.

    >>> low, high = np.array([1.0, 3.0, 0.0]), np.array([1.0, 3.0, 5.0])
    >>> [o.tolist() for o in merged_orders(np.array([0, 1]), np.array([2]), [low, high],
    ...                                    np.zeros(3, np.intp), 1)]
    [[2, 0, 1], [0, 1, 2]]
    """
    sorted_values = columns[0][sorted_rows]
    bounds = np.searchsorted(seg[sorted_rows], np.arange(n_segments + 1), side="left")
    others = [other[sort_segments(values[other], seg[other])] for values in columns]
    b_all = np.concatenate(others)
    s_b = seg[b_all]
    value_b = np.concatenate([values[b] for values, b in zip(columns, others, strict=True)])
    before = search_sorted_segments(
        sorted_values, bounds[s_b], bounds[s_b + 1], value_b, right=np.ones(b_all.size, dtype=bool)
    )
    out = []
    for k, b in enumerate(others):
        at = before[k * other.size : (k + 1) * other.size] + np.arange(b.size)
        merged = np.empty(sorted_rows.size + b.size, dtype=np.intp)
        is_b = np.zeros(merged.size, dtype=bool)
        is_b[at] = True
        merged[at] = b
        merged[~is_b] = sorted_rows
        out.append(merged)
    return out
