"""The ``robust`` method: weighted median and weighted quantiles of the sources' figures.

>>> from estimates.reconciliation._evidence import Evidence
>>> robust(Evidence.from_rows(quantity=["q"] * 3, best=[10.0, 11.0, 900.0]), {}).best.tolist()
[11.0]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from estimates.errors import ReconcileError
from estimates.reconciliation._censoring import Censored
from estimates.reconciliation._evidence import Combined, Evidence, Readings, readings, side_closed
from estimates.reconciliation._segments import (
    merged_orders,
    segment_any,
    segment_quantiles,
    segment_sum,
    sort_segments,
    sorted_quantiles,
)
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

__all__ = ["robust"]


def _float_option(options: Mapping[str, object], name: str, default: float) -> float:
    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReconcileError(f"option {name!r} must be a number, got {value!r}")
    return float(value)


def robust(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """Weighted median and weighted quantiles: one wild figure cannot drag the answer.

    The range is a spread of the sources' figures, not a probability about the true value: on
    real expert panels its quartile range held 0.72 of the true values (``bench_panels``).

    - best: the weighted median of the rows' points;
    - range: from the ``q``-quantile (default 0.25) to the ``1 - q``-quantile of the points,
      widened to the weighted median of the stated ranges' low ends and of their high ends (by
      prior weight), so that a stated range survives (one source saying 2,000–12,000 gives
      2,000–12,000, and one source's 10,000–12,000 beside another's 10,000 gives
      10,000–12,000);
      range ends are figures somebody gave, never averages; exactly at a boundary the inner
      figure is taken, so with four equal sources the range spans the middle two and one wild
      figure among four moves neither the best value nor the range;
    - figures with no best value are *censored*, not points: a one-sided figure ("more than
      7,000") allows any value on its open side, a bare range ("between 2,000 and 12,000")
      any value inside it. Each one's weight is shared among the figures with a best value
      that it allows, in proportion to their weights (the redistribute-to-the-right idea of
      the Kaplan–Meier estimator: Efron 1967, "The two sample problem with censored data",
      Proc. 5th Berkeley Symposium 4, 831–853). When it allows none of them, it stays as a
      point: its bound, or its midpoint;
    - a segment with only one-sided rows gives a one-sided answer. Bounds all hold at once when
      true, so the tightest counts, except that the top ``q / 2`` share of the weight is set
      aside: the ``1 - q/2``-quantile of the lower bounds (with 4 or fewer equal sources, the
      largest; with more, one vandal bound cannot set it), and likewise the ``q/2``-quantile
      of the upper bounds; bounds that cross give an unknown with a note.

    Options: ``q`` (float in (0, 0.5], default 0.25).

    >>> ev = Evidence.from_rows(quantity=["q"] * 5, best=[10_000.0, 11_000.0, 12_000.0, 11_000.0, 5e8])
    >>> c = robust(ev, {})
    >>> c.low.tolist(), c.best.tolist(), c.high.tolist()
    ([11000.0], [11000.0], [12000.0])
    >>> ev = Evidence.from_rows(quantity=["c"] * 3, low=[10_000.0, 10_000.0, 13_000.0],
    ...                         closed_left=[True, True, False])
    >>> c = robust(ev, {})
    >>> c.low.tolist(), c.high.tolist(), c.closed_left.tolist(), c.best.tolist()
    ([13000.0], [inf], [False], [nan])
    >>> c = robust(Evidence.from_rows(quantity=["r"], low=[2000.0], high=[12000.0]), {})
    >>> c.low.tolist(), c.best.tolist(), c.high.tolist()
    ([2000.0], [7000.0], [12000.0])
    """
    q = _float_option(options, "q", 0.25)
    if not 0 < q <= 0.5:
        raise ReconcileError(f"option 'q' must be in (0, 0.5], got {q}")
    r = readings(ev)
    seg = ev.segment
    starts = ev.starts
    nseg = starts.size
    has_point = np.isfinite(r.point)
    one_sided = r.lower_only | r.upper_only
    # one order serves everything: rows by (segment, point); rows without a point go last
    pts = np.where(has_point, r.point, np.inf)
    order = sort_segments(pts, seg)
    w_eff = _shared_weights(ev, r, pts, order)
    # range ends: at an exact boundary the inner figure ("high" rule at q, "low" at 1 - q)
    best, lo_q, hi_q = segment_quantiles(
        pts, w_eff, seg, nseg, [(0.5, "mid"), (q, "high"), (1 - q, "low")], order=order
    )
    med_lo, med_hi = _stated_ranges(ev, r, order, lo_q, hi_q)
    lo = np.fmin(lo_q, med_lo)
    hi = np.fmax(hi_q, med_hi)

    # -- segments with only one-sided rows: a one-sided answer
    only_bounds = ~segment_any(has_point & ~one_sided, starts)
    lb, ub = _bounds_only(ev, r, only_bounds, q)
    has_l = ~np.isnan(lb)
    has_u = ~np.isnan(ub)
    lo = np.where(only_bounds, np.where(has_l, lb, -np.inf), lo)
    hi = np.where(only_bounds, np.where(has_u, ub, np.inf), hi)
    mid_bounds = np.where(has_l & has_u, np.nan_to_num(lb) / 2 + np.nan_to_num(ub) / 2, np.nan)
    best = np.where(only_bounds, mid_bounds, best)
    crossed = only_bounds & has_l & has_u & (np.nan_to_num(lb) > np.nan_to_num(ub))
    no_figure = ~segment_any(has_point, starts)

    # an end read off the figures is open only when every row stating it is open there (five
    # sources' 16 beside one "more than 16" is a range from 16); bounds alone hold all at once
    cl = side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev, every=only_bounds)
    cr = side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev, every=only_bounds)
    with np.errstate(invalid="ignore"):
        best = np.where(np.isnan(best), best, np.clip(best, lo, hi))
    bad = crossed | no_figure
    nan = np.full(lo.size, np.nan)
    notes: list[str | None] = [None] * nseg
    for i in np.flatnonzero(no_figure).tolist():
        notes[i] = "no usable figure: every figure is unbounded on both sides"
    for i in np.flatnonzero(crossed & ~no_figure).tolist():
        notes[i] = (
            f"conflict: lower bounds (about {ev.write(lb[i])}) above upper bounds (about {ev.write(ub[i])})"
        )
    return Combined(
        low=np.where(bad, nan, lo),
        best=np.where(bad, nan, best),
        high=np.where(bad, nan, hi),
        closed_left=cl & ~bad,
        closed_right=cr & ~bad,
        note=tuple(notes),
    )


def _shared_weights(ev: Evidence, r: Readings, pts: FloatArray, order: IntArray) -> FloatArray:
    """Each row's weight as a point: a censored row's weight shared among the figures with a
    best value it allows, in proportion to their weights (:class:`Censored`); 0 for a row
    without a point, or one that gave its weight away. ``order`` sorts the rows by (segment,
    ``pts``)."""
    has_point = np.isfinite(r.point)
    # a figure is a row with a best value, or whose ends meet (as the truth step reads it)
    uncensored = np.isfinite(ev.best) | ((r.low == r.high) & np.isfinite(r.low))
    shared = Censored.of(
        values=pts,
        order=order,
        uncensored=uncensored,
        # one-sided (its point is its bound) or a bare range: a point, but no best value
        censored=has_point & ~uncensored,
        # a one-sided row's other end is open, whatever it stores ("at most" on a count: 0)
        low=np.where(r.upper_only, -np.inf, r.low),
        high=np.where(r.lower_only, np.inf, r.high),
        seg=ev.segment,
        starts=ev.starts,
    ).weights(ev.weight)
    result: FloatArray = np.where(has_point, shared, 0.0)
    return result


def _stated_ranges(
    ev: Evidence, r: Readings, order: IntArray, lo_q: FloatArray, hi_q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per segment, the weighted median of the stated ranges' low ends and of their high ends,
    where it can widen the range from ``lo_q`` to ``hi_q`` (elsewhere ``lo_q``/``hi_q``).

    Each range keeps its own prior weight (a bare range keeps it here even when it shared it
    out as a point); the wider figure at a boundary. One-sided figures state no range and stay
    out; a plain figure's ends are its point.

    A median low end below ``lo_q`` needs half the stated weight below it: a segment with
    less than :data:`_CLEAR_SHARE` of its stated weight below ``lo_q`` and above ``hi_q``
    (far from any rounding of the running sums) keeps ``lo_q`` and ``hi_q``, and only the
    other segments' ranges are sorted.
    """
    seg = ev.segment
    starts = ev.starts
    nseg = starts.size
    w = ev.weight
    has_point = np.isfinite(r.point)
    pts = np.where(has_point, r.point, 0.0)
    stated = has_point & ~(r.lower_only | r.upper_only)
    ranged = stated & ((r.low != pts) | (r.high != pts))
    if not ranged.any():
        return lo_q, hi_q  # segments of plain figures: their median is inside already
    w_stated = np.where(stated, w, 0.0)
    limit = _CLEAR_SHARE * segment_sum(w_stated, starts)
    below = segment_sum(np.where(r.low < lo_q[seg], w_stated, 0.0), starts)
    above = segment_sum(np.where(r.high > hi_q[seg], w_stated, 0.0), starts)
    clear = (below < limit) & (above < limit) & np.isfinite(lo_q) & np.isfinite(hi_q)
    widens = segment_any(ranged, starts) & ~clear
    if not widens.any():
        return lo_q, hi_q
    # only the segments where a stated range may widen count; their plain rows keep their
    # place in ``order`` and only the stated ranges are sorted and put among them
    in_sel = widens[seg] & stated
    plain = order[(in_sel & ~ranged)[order]]
    by_low, by_high = merged_orders(
        plain, np.flatnonzero(in_sel & ranged), [r.low, r.high], seg, nseg
    )
    ends = np.cumsum(np.bincount(seg[in_sel], minlength=nseg))
    begins = np.r_[0, ends[:-1]]
    lo_m = sorted_quantiles(r.low[by_low], w[by_low], begins, ends, [(0.5, "low")])[0]
    hi_m = sorted_quantiles(r.high[by_high], w[by_high], begins, ends, [(0.5, "high")])[0]
    return np.where(np.isnan(lo_m), lo_q, lo_m), np.where(np.isnan(hi_m), hi_q, hi_m)


#: The share of a segment's stated weight below ``lo_q`` (and above ``hi_q``) under which the
#: median of the stated ends cannot widen the range (a half, less a margin far wider than the
#: rounding of a running sum).
_CLEAR_SHARE = 0.49


def _bounds_only(
    ev: Evidence, r: Readings, only_bounds: BoolArray, q: float
) -> tuple[FloatArray, FloatArray]:
    """Per segment of ``only_bounds`` (one-sided rows only), its lower bound and its upper
    bound (NaN: none): the ``1 - q/2``-quantile of the lower bounds and the ``q/2``-quantile
    of the upper ones, so that the top ``q/2`` share of the weight is set aside."""
    seg = ev.segment
    nseg = ev.starts.size
    w = ev.weight
    lb = np.full(nseg, np.nan)
    ub = np.full(nseg, np.nan)
    if only_bounds.any():
        in_only = only_bounds[seg]
        sel_l = np.flatnonzero(in_only & r.lower_only)
        sel_u = np.flatnonzero(in_only & r.upper_only)
        if sel_l.size:
            lb = segment_quantiles(
                r.point[sel_l], w[sel_l], seg[sel_l], nseg, [(1 - q / 2, "high")]
            )[0]
        if sel_u.size:
            ub = segment_quantiles(r.point[sel_u], w[sel_u], seg[sel_u], nseg, [(q / 2, "low")])[0]
    return lb, ub
