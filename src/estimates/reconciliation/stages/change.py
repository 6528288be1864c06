"""Stocks change: a figure that every later figure contradicts was overtaken, not disputed.

A stock (troops deployed, people displaced) is a level at a moment, and levels move. When one
source's "nearly 3,000" of 23 October is contradicted by every figure about a moment at least
``change_days`` later (11,000, 12,000, "more than 10,000" in December), the deployment grew: the
old figure is **overtaken** (the core marks it ``superseded``), and it is not a conflict. Figures
about moments closer together than ``change_days`` are about the same situation: if they cannot
all hold, that is a conflict (:func:`in_conflict`); figures further apart are never a conflict.
Noise is not change: an older figure is overtaken only when the later figures come from at
least two sources, it lies outside their hull by more than that hull's own width (further from
all of them than they are from each other), and outside the 95 % prediction interval of one more
figure drawn as the later ones were (:data:`OVERTAKEN_LEVEL`; on the logarithms when the figure
and the later ones are positive). The hull alone is a poor judge when few figures follow: two
later figures lie close together by chance often enough that it would call a third of honest
figures overtaken, where the interval calls one in twenty at most (in theory, for figures with
one normal error).

A pure function of arrays; from the rest of the package it imports only the stages' shared helpers
(:mod:`estimates.reconciliation.stages.arrays`) and SciPy's Student t quantiles.

>>> import numpy as np
>>> overtaken(q=np.array([0, 0, 0]), moment=np.array([0, 40, 45]), source=np.array([0, 1, 2]),
...           low=np.array([2900.0, 11000.0, 12000.0]), high=np.array([3000.0, 11000.0, 12000.0]),
...           apart=7).tolist()
[True, False, False]
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

from estimates.reconciliation.stages.arrays import (
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    stable_order,
)

__all__ = ["in_conflict", "overtaken"]


#: The "no date" day number of the core (the smallest int64).
_NO_DAY = int(np.iinfo(np.int64).min)
_Numbers = TypeVar("_Numbers", FloatArray, Int64Array)


def overtaken(
    *,
    q: IntArray,
    moment: Int64Array,
    source: IntArray,
    low: FloatArray,
    high: FloatArray,
    apart: int,
) -> BoolArray:
    """Rows whose figure lies outside the figures about moments ``apart`` or more later (in the
    moments' unit; with ``apart`` 0, any later moment) by more than those figures' own spread
    and outside their prediction interval (:func:`_unlike_later`), those later figures coming
    from two sources or more.

    ``low``/``high`` are each figure as read (a best standing for an unstated end; ``±inf``
    unbounded); rows are one per source (its latest figure), any order. Rows with no moment
    never overtake and are never overtaken.
    """
    n = q.size
    out = np.zeros(n, dtype=bool)
    dated = moment != _NO_DAY
    if n < 2 or not dated.any():
        return out
    idx = np.flatnonzero(dated)
    # rows in (quantity, moment) order; the later figures of a row are then a suffix of its
    # quantity's rows, and their hull and sources are suffix minima and maxima (no loop)
    order, key, target = _by_quantity_and_moment(q[idx], moment[idx], apart)
    order = idx[order]
    lo, hi = low[order], high[order]
    # each figure as a point (the middle of its ends, or its one finite end), so that a
    # one-sided "more than 10,000" places the later figures without making them endless (the
    # halves added, not the sum halved: ends near 1.8e308 must not overflow)
    with np.errstate(invalid="ignore"):
        point = np.where(
            np.isfinite(lo) & np.isfinite(hi), lo / 2 + hi / 2, np.where(np.isfinite(lo), lo, hi)
        )
    finite = np.isfinite(point)
    # per row, among the rows from it to its quantity's last: the least and the greatest point
    # (none: inf and -inf)
    qs = q[order]
    new = np.r_[True, qs[1:] != qs[:-1]]
    seg = np.cumsum(new) - 1
    p_min, p_max = _suffix_min(
        [np.where(finite, point, np.inf), np.where(finite, -point, np.inf)], seg
    )
    # and whether they hold figures from two sources: the rows from a row on do when one of
    # them (with a point) comes from another source than its quantity's last row with a point
    # (with ``apart`` 0, the moments after a row's own: figures about one moment disagree, they
    # do not change, and a row is never among its own later figures, whatever the rows' order)
    k = _search_near(key, target, np.arange(1, key.size + 1), right=apart == 0)
    starts = np.flatnonzero(new)
    two = _two_sources_after(source[order], finite, seg, starts)
    del key, target, new
    # the first row of the same quantity describing a moment ``apart`` or more later
    has = k < order.size
    has[has] = qs[k[has]] == qs[has]
    kk = np.where(has, k, 0)
    h_lo, h_hi = p_min[kk], -p_max[kk]
    del p_min, p_max
    usable = has & np.isfinite(h_lo) & (kk <= two[seg])
    spread = np.where(usable, h_hi - h_lo, 0.0)
    with np.errstate(invalid="ignore"):
        outside = usable & ((hi < h_lo - spread) | (lo > h_hi + spread))
    rows = np.flatnonzero(outside)
    if rows.size:
        positive = (point[rows] > 0) & (h_lo[rows] > 0)
        outside[rows] = _unlike_later(
            point, finite, seg, starts, lo[rows], hi[rows], rows, kk[rows], positive
        )
    out[order] = outside
    return out


#: The level of the prediction interval a figure must fall outside to be overtaken.
OVERTAKEN_LEVEL = 0.95


def _unlike_later(
    point: FloatArray,
    finite: BoolArray,
    seg: IntArray,
    seg_starts: IntArray,
    lo: FloatArray,
    hi: FloatArray,
    rows: IntArray,
    first: IntArray,
    positive: BoolArray,
) -> BoolArray:
    """Per row of ``rows`` (figure ``lo``..``hi``): does it lie outside the
    :data:`OVERTAKEN_LEVEL` prediction interval of the ``finite`` points from ``first`` to the
    end of its segment (rows sorted by ``seg``, numbered from 0, which begin at
    ``seg_starts``)? On the logarithms where ``positive`` (the figure and those points are).

    The interval for one more draw from the later figures' distribution is ``mean ±
    t(k - 1) · sd · √(1 + 1/k)`` over their ``k`` points (Hahn and Meeker, *Statistical
    Intervals*, 1991, §4.4; ``sd`` with ``k - 1`` degrees of freedom). It is taken on the
    logarithms where the figure and the later points are positive (sources err by a share of
    the figure), on the points themselves otherwise: an earlier 0 ("none yet") or a figure of
    another sign, which is no later figure, does not decide the scale. Two later figures that
    happen to lie close together leave it wide: they say little about how far a third source
    may stray.

    >>> one, seg, at = np.ones(3, dtype=bool), np.zeros(3, dtype=np.intp), np.array([0])
    >>> [_unlike_later(np.array([x, 11000.0, 12000.0]), one, seg, at, np.array([x]),
    ...                np.array([x]), at, np.array([1]), np.array([True])).item()
    ...  for x in (3000.0, 9000.0)]
    [True, False]
    """
    from scipy import special

    n_seg = seg_starts.size
    # only the rows read are kept: per segment with rows to judge, from its first row's later
    # figures to its end (a row's later figures are in its own segment)
    earliest = np.full(n_seg, seg.size)
    np.minimum.at(earliest, seg[rows], first)
    kept = np.arange(seg.size) >= earliest[seg]
    first = np.cumsum(kept)[first] - 1
    row_seg = seg[rows]
    point, finite, seg = point[kept], finite[kept], seg[kept]
    n = seg.size
    new = np.r_[True, seg[1:] != seg[:-1]]
    starts = np.flatnonzero(new)
    renumbered = np.zeros(n_seg, dtype=np.intp)
    renumbered[seg[starts]] = np.arange(starts.size)
    seg = np.cumsum(new) - 1
    ends = np.r_[starts[1:], n]

    def log(x: FloatArray) -> FloatArray:
        # (a row read on logarithms has no figure at or below 0 among its own and later ones)
        with np.errstate(divide="ignore", invalid="ignore"):
            out: FloatArray = np.where(x > 0, np.log(x), np.where(x < 0, np.nan, -np.inf))
        return out

    # each segment's points less its last finite one, a figure of every row's later ones, and
    # sums taken over each row's later figures alone (from the row to its segment's end): the
    # sums hold no other segment's figures and no earlier figure, however far off they are;
    # on both scales, each row reading the one it needs
    anchor = point[np.maximum(np.maximum.reduceat(np.where(finite, np.arange(n), -1), starts), 0)]
    raw = np.where(finite, point - anchor[seg], 0.0)
    log_anchor = np.log(np.where(anchor > 0, anchor, 1.0))
    logs = np.where(finite & (point > 0), log(point) - log_anchor[seg], 0.0)
    s = renumbered[row_seg]
    # (squares of raw figures past 1e154 overflow: a row read on them is then never overtaken)
    with np.errstate(over="ignore"):
        columns = [finite.astype(np.float64), raw, raw * raw, logs, logs * logs]
    ranged = _range_reduce(columns, first, ends[s], np.add)
    if ranged is None:
        ranged = [c[first] for c in _suffix_sums(columns, seg)]
    k = ranged[0]
    sums = np.where(positive, ranged[3], ranged[1])
    squares = np.where(positive, ranged[4], ranged[2])
    mean = sums / k
    own = np.maximum(squares - k * mean * mean, 0.0)
    var = own / (k - 1)
    # one quantile per count of later figures (a handful of counts among many rows)
    counts, which = np.unique(k, return_inverse=True)
    t = special.stdtrit(counts - 1, (1 + OVERTAKEN_LEVEL) / 2)[which]
    margin = t * np.sqrt(var * (1 + 1 / k))
    own_hi = np.where(positive, log(hi) - log_anchor[s], hi - anchor[s])
    own_lo = np.where(positive, log(lo) - log_anchor[s], lo - anchor[s])
    with np.errstate(invalid="ignore"):
        result: BoolArray = (own_hi < mean - margin) | (own_lo > mean + margin)
    return result


def _two_sources_after(
    source: IntArray, finite: BoolArray, seg: IntArray, starts: IntArray
) -> IntArray:
    """Per segment (rows sorted by ``seg``, ``starts`` its first rows), the last row at or
    after which its ``finite`` rows come from two sources or more (-1: none): the last finite
    row whose source differs from the segment's last finite row's.

    >>> _two_sources_after(np.array([3, 4, 3, 3, 5]), np.array([True] * 4 + [False]),
    ...                    np.array([0, 0, 0, 0, 1]), np.array([0, 4])).tolist()
    [1, -1]
    """
    pos = np.arange(source.size)
    last_finite = np.maximum.reduceat(np.where(finite, pos, -1), starts)
    last_source = source[np.maximum(last_finite, 0)]
    other = finite & (source != last_source[seg])
    result: IntArray = np.maximum.reduceat(np.where(other, pos, -1), starts)
    return result


def _by_quantity_and_moment(
    q: IntArray, moment: Int64Array, apart: int
) -> tuple[IntArray, Int64Array, Int64Array]:
    """The order sorting rows by (quantity, moment), the sorted rows' keys, and per sorted row
    the key of (its quantity, its moment + ``apart``): keys that sort as those pairs do.

    The pair is packed into one integer; when the moments' span could overflow the packing, the
    moments are replaced by their ranks among the moments and the targets first.
    """
    qs, ts = q.astype(np.int64), moment.astype(np.int64)
    base = int(ts.min())
    width = int(ts.max()) + apart - base + 1
    if width * (int(qs.max()) + 1) < 2**62:
        key = qs * width + (ts - base)
        order = stable_order(key)
        key = key[order]
        return order, key, key + apart
    order = np.lexsort((ts, qs)).astype(np.intp)
    qs, ts = qs[order], ts[order]
    ranks = np.unique(np.r_[ts, ts + apart], return_inverse=True)[1].astype(np.int64)
    width = int(ranks.max()) + 1
    return order, qs * width + ranks[: ts.size], qs * width + ranks[ts.size :]


def _range_reduce(
    columns: list[_Numbers], first: IntArray, last: IntArray, ufunc: np.ufunc
) -> list[_Numbers] | None:
    """Per query, each column reduced by ``ufunc`` over ``columns[first:last]`` (each range
    non-empty; queries sorted by ``first`` with ``last`` not decreasing; ``ufunc`` is, say,
    ``np.fmin`` for the least value ignoring NaN, or ``np.add`` for the sum, added up over
    the range alone): one reduction over the ranges and the gaps between them, when the ranges
    hold few rows in all (at most :data:`_RANGE_ROWS` times the rows); else None (the ranges
    are too long to walk row by row).

    >>> _range_reduce([np.array([1e16, 1.0, 2.0, 4.0])], np.array([1, 2]), np.array([3, 4]),
    ...               np.add)[0].tolist()
    [3.0, 6.0]
    """
    n = columns[0].size if columns else 0
    if first.size == 0:
        return [c[:0].copy() for c in columns]
    if int((last - first).sum()) > _RANGE_ROWS * max(n, 1):
        return None
    # a range [first, last) and the gap after it, for each query; a padded end stands for n
    bounds = np.empty(2 * first.size, dtype=np.intp)
    bounds[0::2], bounds[1::2] = first, last
    out = []
    for c in columns:
        padded = np.r_[c, c[-1:]]
        out.append(ufunc.reduceat(padded, bounds)[0::2])
    return out


#: Rows the ranges of :func:`_range_reduce` may hold, per row of the columns.
_RANGE_ROWS = 8


def _suffix_min(columns: list[_Numbers], seg: IntArray) -> list[_Numbers]:
    """Per row of each column (no NaN; rows sorted by ``seg``), the least value among the rows
    from it to the last of its ``seg``: a running minimum per ``seg`` over the reversed rows."""
    return _suffix(columns, seg, "cummin")


def _suffix_sums(columns: list[FloatArray], seg: IntArray) -> list[FloatArray]:
    """Per row of each column (rows sorted by ``seg``), the sum of the rows from it to the last
    of its ``seg``, added up from that last row: a running sum per ``seg`` over the reversed
    rows, so that no other rows' values enter it (a difference of two running sums over all
    rows loses a small sum beside large ones).

    >>> _suffix_sums([np.array([1e16, 1.0, 2.0, 5.0])], np.array([0, 1, 1, 2]))[0].tolist()
    [1e+16, 3.0, 2.0, 5.0]
    """
    return _suffix(columns, seg, "cumsum")


def _suffix(columns: list[_Numbers], seg: IntArray, how: str) -> list[_Numbers]:
    if seg.size == 0:
        return [c.copy() for c in columns]
    frame = pd.DataFrame({i: c[::-1] for i, c in enumerate(columns)}, copy=False)
    done = getattr(frame.groupby(seg[::-1], sort=False), how)()
    return [done[i].to_numpy(dtype=c.dtype)[::-1].copy() for i, c in enumerate(columns)]


def in_conflict(
    *,
    starts: IntArray,
    moment: Int64Array,
    low: FloatArray,
    high: FloatArray,
    apart: int | None,
) -> BoolArray:
    """Per segment (rows grouped by quantity, ``starts`` as in the core): do two figures about
    moments less than ``apart`` apart (in the moments' unit) fail to overlap? Without ``apart``
    (or with no dates) every pair counts.

    >>> in_conflict(starts=np.array([0]), moment=np.array([0, 30]), low=np.array([1.0, 5.0]),
    ...             high=np.array([2.0, 6.0]), apart=7).tolist()
    [False]
    """
    n = low.size
    if starts.size == 0:
        return np.zeros(0, dtype=bool)
    top = np.maximum.reduceat(low, starts)
    bottom = np.minimum.reduceat(high, starts)
    out: BoolArray = top > bottom
    if apart is None or not out.any():
        return out
    # segments whose figures span ``apart`` or more (all dated) need the pairwise test: does a
    # figure lie wholly below another about a moment less than ``apart`` away? Per row, the
    # lowest ``high`` among the rows of its segment within ``apart`` of its moment (a windowed
    # minimum over rows sorted by moment) is compared with its ``low``.
    lengths = np.diff(np.r_[starts, n])
    seg = np.repeat(np.arange(starts.size), lengths)
    dated = moment != _NO_DAY
    t = np.where(dated, moment, 0)
    all_dated = np.minimum.reduceat(dated, starts)
    span = np.maximum.reduceat(t, starts) - np.minimum.reduceat(t, starts)
    refine = out & all_dated & (span >= apart)
    if not refine.any():
        return out
    rows = np.flatnonzero(refine[seg])
    s, tt = seg[rows].astype(np.int64), t[rows].astype(np.int64)
    del t, dated
    # (segment, moment) packed into one integer and sorted; when the moments' span could
    # overflow the packing, they are replaced by their ranks among the moments and the windows'
    # ends (the order of rows about one moment changes no window). A row with no other row of
    # its segment less than ``apart`` away, before or after it, is in no pair: only rows with a
    # close neighbour are kept (their windows hold the same rows as before)
    base = int(tt.min()) - apart
    width = int(tt.max()) + apart - base + 1
    if width * (int(s[-1]) + 1) < 2**62:
        key = s * width + (tt - base)
        del s, tt
        order = stable_order(key)
        rows, key = rows[order], key[order]
        del order
        # keys of two segments lie more than 2 * apart apart
        keep = _with_close_neighbour(np.diff(key) < apart)
        if not keep.any():
            out[refine] = False
            return out
        rows, key = rows[keep], key[keep]
        # a row's window, (its segment, its moment -/+ apart), is its key -/+ apart
        first = np.searchsorted(key, key - apart, side="right")
        last = np.searchsorted(key, key + apart, side="left")
        del key
        s = seg[rows]
    else:
        order = np.lexsort((tt, s))
        rows, s, tt = rows[order], s[order], tt[order]
        keep = _with_close_neighbour((s[1:] == s[:-1]) & (np.diff(tt) < apart))
        if not keep.any():
            out[refine] = False
            return out
        rows, s, tt = rows[keep], s[keep], tt[keep]
        m = tt.size
        ranks = np.unique(np.r_[tt, tt - apart, tt + apart], return_inverse=True)[1]
        width = int(ranks.max()) + 1
        ends, key = ranks[m:], s * width + ranks[:m]
        first = np.searchsorted(key, s * width + ends[:m], side="right")
        last = np.searchsorted(key, s * width + ends[m:], side="left")
    values = high[rows]
    ranged = _range_reduce([values], first, last, np.fmin)
    window_min = _window_min(values, first, last) if ranged is None else ranged[0]
    below = window_min < low[rows]
    hit = np.zeros(starts.size, dtype=bool)
    hit[s[below]] = True
    out[refine] = hit[refine]
    return out


def _search_near(key: Int64Array, target: Int64Array, start: IntArray, *, right: bool) -> IntArray:
    """``np.searchsorted(key, target, side)`` (``key`` sorted), for queries whose answer lies
    at or after ``start``: a few steps on from ``start`` answer most queries, where the rows
    before the target are few, and a bisection the rest.

    >>> key = np.array([1, 3, 3, 8, 9])
    >>> _search_near(key, key + 2, np.arange(1, 6), right=False).tolist()
    [1, 3, 3, 5, 5]
    """
    n = key.size
    k = start.astype(np.intp)
    todo = np.arange(k.size)
    for _ in range(_NEAR_STEPS):
        at = k[todo]
        seen = key[np.minimum(at, n - 1)]
        # step on while the key at k lies before the target
        go = (at < n) & ((seen <= target[todo]) if right else (seen < target[todo]))
        todo = todo[go]
        if todo.size == 0:
            return k
        k[todo] += 1
    k[todo] = np.searchsorted(key, target[todo], side="right" if right else "left")
    return k


#: Steps :func:`_search_near` takes before it bisects.
_NEAR_STEPS = 8


def _with_close_neighbour(close: BoolArray) -> BoolArray:
    """Per row, given whether each row and the next are close: is it close to either
    neighbour?

    >>> _with_close_neighbour(np.array([False, True, False])).tolist()
    [False, True, True, False]
    """
    keep: BoolArray = np.r_[False, close] | np.r_[close, False]
    return keep


def _window_min(values: FloatArray, first: IntArray, last: IntArray) -> FloatArray:
    """Per query, the minimum of ``values[first:last]`` (each window non-empty): a sparse table
    of minima over runs of 1, 2, 4, ... values up to the longest window, two lookups per query
    (NaN is ignored)."""
    length = last - first
    longest = int(length.max()) if length.size else 0
    levels = [values]
    size = 1
    while 2 * size <= longest:
        prev = levels[-1]
        levels.append(np.fmin(prev[:-size], prev[size:]))
        size *= 2
    k = (np.frexp(np.maximum(length, 1))[1] - 1).astype(np.intp)  # floor(log2(length))
    result = np.empty(first.size)
    for level in np.flatnonzero(np.bincount(k)).tolist():
        q = np.flatnonzero(k == level)
        table = levels[level]
        result[q] = np.fmin(table[first[q]], table[last[q] - (1 << level)])
    return result
