"""Censored figures share their weight: a bound or a bare range votes for the figures it allows.

A figure with no best value ("more than 7,000", "between 2,000 and 12,000") does not say where
in its interval the value lies. Its weight is shared among the figures with a best value that
it allows, in proportion to their weights (the redistribute-to-the-right idea of the
Kaplan–Meier estimator: Efron 1967, "The two sample problem with censored data", Proc. 5th
Berkeley Symposium 4, 831–853). When it allows none of them, it keeps its weight. ``robust``
and the truth-discovery methods (``crh``, ``catd``) share weights this one way.

>>> values = np.array([10.0, 12.0, np.inf])
>>> c = Censored.of(values=values, order=np.arange(3), uncensored=np.array([True, True, False]),
...                 censored=np.array([False, False, True]), low=np.array([10.0, 12.0, 11.0]),
...                 high=np.array([10.0, 12.0, np.inf]), seg=np.zeros(3, dtype=np.intp),
...                 starts=np.array([0]))
>>> c.weights(np.ones(3)).tolist()
[1.0, 2.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimates.reconciliation._segments import search_sorted_segments
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

__all__ = ["Censored"]


@dataclass(frozen=True, slots=True)
class Censored:
    """Which rows share their weight, and where the figures each one allows lie in an order of
    the rows by (segment, value); built once, applied to any weights.

    The sums are running sums in floating point, each segment's its own: weights of one
    segment never change another's shares, however far apart they lie. Within one segment,
    a gift under about 1e-16 of a larger one covering the same rows is lost to rounding (as
    with weights 1e16 times apart, such as a half-life's weight of a two-year-old figure)."""

    uncensored: BoolArray  # rows that are figures (a best value, ends that meet): they receive
    order: IntArray  # rows by (segment, value); the uncensored rows among them in value order
    rows: IntArray  # the censored rows: they give
    start: IntArray  # per censored row, the rows it allows: order[start:stop]
    stop: IntArray
    segment: IntArray  # the segment of each row in ``order``

    @classmethod
    def of(
        cls,
        *,
        values: FloatArray,
        order: IntArray,
        uncensored: BoolArray,
        censored: BoolArray,
        low: FloatArray,
        high: FloatArray,
        seg: IntArray,
        starts: IntArray,
    ) -> Censored:
        """Rows sorted by ``order`` (by ``seg``, then ``values``: each uncensored row's value is
        its figure), the ``censored`` rows each the interval ``low``..``high`` (``±inf``
        unbounded). A one-sided row allows the figures strictly beyond its bound, a bare range
        those inside it, its ends included. Each end is one bisection inside the segment, the
        two ends of every row in one search."""
        rows = np.flatnonzero(censored)
        if rows.size == 0 or not uncensored.any():
            rows = rows[:0]
            return cls(uncensored, order, rows, rows, rows, rows)
        sorted_values = values[order]
        s = seg[rows]
        lo_b = starts[s]
        hi_b = np.r_[starts[1:], seg.size][s]
        lo, hi = low[rows], high[rows]
        lower_only = np.isfinite(lo) & ~np.isfinite(hi)
        upper_only = ~np.isfinite(lo) & np.isfinite(hi)
        has_low, has_high = np.flatnonzero(~upper_only), np.flatnonzero(~lower_only)
        found = search_sorted_segments(
            sorted_values,
            np.concatenate([lo_b[has_low], lo_b[has_high]]),
            np.concatenate([hi_b[has_low], hi_b[has_high]]),
            np.concatenate([lo[has_low], hi[has_high]]),
            right=np.concatenate([lower_only[has_low], ~upper_only[has_high]]),
        )
        start, stop = lo_b, hi_b.copy()
        start[has_low] = found[: has_low.size]
        stop[has_high] = found[has_low.size :]
        return cls(uncensored, order, rows, start, np.maximum(stop, start), seg[order])

    def weights(self, w: FloatArray) -> FloatArray:
        """Each row's weight once the censored rows have shared theirs: an uncensored row gains
        ``w_i / W_i`` of its own weight from each censored row ``i`` that allows it (``W_i``:
        the weight of the uncensored rows ``i`` allows); a censored row that allows some keeps
        none; every other row keeps its own."""
        if self.rows.size == 0:
            return w
        n = w.size
        given = np.where(self.uncensored, w, 0.0)[self.order]
        local = _spans_magnitudes(given)
        running = self._running(given, local)
        start, stop = self.start, self.stop
        # the weight each giver allows: the running sum at its last allowed row less the one
        # just before its first (none before a segment's first row when summed by segment)
        prev = np.maximum(start - 1, 0)
        before = np.where(start > 0, running[prev], 0.0)
        if local:
            before[self.segment[prev] != self.segment[np.minimum(start, n - 1)]] = 0.0
        allowed = np.where(stop > start, running[np.maximum(stop - 1, 0)] - before, 0.0)
        ok = allowed > 0
        per = w[self.rows[ok]] / allowed[ok]
        start, stop = start[ok], stop[ok]
        # a receiving row at sorted position j gets w_i / W_i of its own weight from each giver
        # i that allows it: a difference array along the sorted order, one running sum (the
        # gifts summed in row order, as adding them one by one would, then the ends taken)
        local = local or _spans_magnitudes(per)
        if local:
            # summed by segment, a giver allowing up to its segment's end has nothing to close
            closes = (stop < n) & (self.segment[np.minimum(stop, n - 1)] == self.segment[start])
            stop, closing = stop[closes], per[closes]
        else:
            closing = per
        share: FloatArray = np.bincount(start, weights=per, minlength=n + 1).astype(
            np.float64, copy=False
        )
        np.add.at(share, stop, -closing)
        # (no sum of gifts is below 0: rounding can leave one a hair under, never more)
        received: FloatArray = np.maximum(self._running(share[:n], local), 0.0)
        received += 1.0
        factor = np.ones(n)
        factor[self.order] = received
        out: FloatArray = np.where(self.uncensored, w * factor, w)
        out[self.rows[ok]] = 0.0
        return out

    def _running(self, values: FloatArray, by_segment: bool) -> FloatArray:
        """Running sums of ``values`` (in sorted order): over all rows at once, or restarting
        at each segment. One running sum is exact enough where the values are of one magnitude;
        where they span many (a weight of 1e-22 beside ones) it is taken segment by segment, so
        that what rounding loses in one segment cannot carry into the next."""
        if not by_segment:
            out: FloatArray = np.cumsum(values)
            return out
        import pandas as pd

        summed = pd.Series(values).groupby(self.segment, sort=False).cumsum()
        return np.asarray(summed, dtype=np.float64)


#: Values spanning more than this factor (largest over smallest nonzero) are summed segment by
#: segment: one running sum over them all would round the small ones away.
_ONE_MAGNITUDE = 1e6


def _spans_magnitudes(values: FloatArray) -> bool:
    nonzero = np.abs(values[values != 0])
    return bool(nonzero.size) and bool(nonzero.max() > _ONE_MAGNITUDE * nonzero.min())
