"""Censored figures share their weight: a bound or a bare range votes for the figures it allows.

A figure with no best value ("more than 7,000", "between 2,000 and 12,000") does not say where
in its interval the value lies. As a point of the weighted median it would vote for an end
nobody stated; instead its weight is shared among the figures with a best value that it
allows, in proportion to their weights (the redistribute-to-the-right idea of the
Kaplan–Meier estimator: Efron 1967, "The two sample problem with censored data", Proc. 5th
Berkeley Symposium 4, 831–853). When it allows none of them, it keeps its weight where it is.

>>> c = Censored.of(np.array([10.0, 12.0, 11.0]), np.array([10.0, 12.0, np.inf]),
...                 np.zeros(3, dtype=np.intp), np.array([0]))
>>> c.weights(np.ones(3)).tolist()
[1.0, 2.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimates.reconciliation._segments import search_sorted_segments, sort_segments
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

__all__ = ["Censored"]


@dataclass(frozen=True, slots=True)
class Censored:
    """Which rows are points and which share their weight, and where each sharer's allowed
    figures lie among the points sorted by (segment, value); built once, applied to any
    weights."""

    point: BoolArray  # rows whose figure is one value (low == high)
    order: IntArray  # rows by (segment, point value), rows that are no point last
    rows: IntArray  # the censored rows: one finite end, or two different ones
    start: IntArray  # per censored row, its allowed points: order[start:stop]
    stop: IntArray

    @classmethod
    def of(cls, lo: FloatArray, hi: FloatArray, seg: IntArray, starts: IntArray) -> Censored:
        """Rows with ends ``lo``/``hi`` (equal for a point; ``±inf`` unbounded), grouped by
        ``seg`` (``starts``: each segment's first row). A one-sided row allows the points
        strictly beyond its bound, a bare range those inside it, its ends included."""
        n = lo.size
        point = (lo == hi) & np.isfinite(lo)
        lower_only = np.isfinite(lo) & (hi == np.inf)
        upper_only = (lo == -np.inf) & np.isfinite(hi)
        bare = np.isfinite(lo) & np.isfinite(hi) & (lo < hi)
        censored = lower_only | upper_only | bare
        pts = np.where(point, lo, np.inf)
        order = sort_segments(pts, seg)
        rows = np.flatnonzero(censored)
        if rows.size == 0 or not point.any():
            empty = np.zeros(0, dtype=np.intp)
            return cls(point, order, empty, empty, empty)
        sorted_pts = pts[order]
        s = seg[rows]
        seg_lo = starts[s]
        seg_hi = np.r_[starts[1:], n][s]
        lower, upper = lower_only[rows], upper_only[rows]
        start = np.where(
            upper, seg_lo, search_sorted_segments(sorted_pts, seg_lo, seg_hi, lo[rows], right=lower)
        )
        stop = np.where(
            lower,
            seg_hi,
            search_sorted_segments(sorted_pts, seg_lo, seg_hi, hi[rows], right=~upper),
        )
        return cls(point, order, rows, start, np.maximum(stop, start))

    def weights(self, w: FloatArray) -> FloatArray:
        """Each row's weight once the censored rows have shared theirs: a point gains ``w_i /
        W_i`` of its own weight from each censored row ``i`` that allows it (``W_i``: the weight
        of the points ``i`` allows); a row that shared keeps none; others keep their own.
        """
        if self.rows.size == 0:
            return w
        n = w.size
        cum = np.r_[0.0, np.cumsum(np.where(self.point, w, 0.0)[self.order])]
        allowed = cum[self.stop] - cum[self.start]
        ok = allowed > 0
        per = w[self.rows[ok]] / allowed[ok]
        share = np.bincount(self.start[ok], weights=per, minlength=n + 1)
        np.add.at(share, self.stop[ok], -per)
        factor = np.ones(n)
        factor[self.order] = 1.0 + np.cumsum(share)[:n]
        gives = np.zeros(n, dtype=bool)
        gives[self.rows[ok]] = True
        out: FloatArray = np.where(self.point, w * factor, np.where(gives, 0.0, w))
        return out
