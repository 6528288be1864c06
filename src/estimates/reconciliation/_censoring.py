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
    the rows by (segment, value); built once, applied to any weights."""

    uncensored: BoolArray  # rows that are figures with a best value: they receive
    order: IntArray  # rows by (segment, value); the uncensored rows among them in value order
    rows: IntArray  # the censored rows: they give
    start: IntArray  # per censored row, the rows it allows: order[start:stop]
    stop: IntArray

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
            return cls(uncensored, order, rows, rows, rows)
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
        return cls(uncensored, order, rows, start, np.maximum(stop, start))

    def weights(self, w: FloatArray) -> FloatArray:
        """Each row's weight once the censored rows have shared theirs: an uncensored row gains
        ``w_i / W_i`` of its own weight from each censored row ``i`` that allows it (``W_i``:
        the weight of the uncensored rows ``i`` allows); a censored row that allows some keeps
        none; every other row keeps its own."""
        if self.rows.size == 0:
            return w
        n = w.size
        cum = np.empty(n + 1)
        cum[0] = 0.0
        np.cumsum(np.where(self.uncensored, w, 0.0)[self.order], out=cum[1:])
        allowed = cum[self.stop] - cum[self.start]
        ok = allowed > 0
        per = w[self.rows[ok]] / allowed[ok]
        # a receiving row at sorted position j gets w_i / W_i of its own weight from each giver
        # i that allows it: a difference array along the sorted order, one running sum (the
        # gifts summed in row order, as adding them one by one would, then the ends taken)
        share = np.bincount(self.start[ok], weights=per, minlength=n + 1)
        np.add.at(share, self.stop[ok], -per)
        received: FloatArray = np.cumsum(share[:n], dtype=float)
        received += 1.0
        factor = np.ones(n)
        factor[self.order] = received
        out: FloatArray = np.where(self.uncensored, w * factor, w)
        out[self.rows[ok]] = 0.0
        return out
