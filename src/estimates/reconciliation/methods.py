"""Methods: ways of combining the evidence about many quantities at once.

A method is a function ``fn(ev: Evidence, options: Mapping[str, object]) -> Combined``. The
evidence arrives as rows grouped by quantity (one contiguous segment per quantity, described by
``ev.starts``); the method returns one interval per segment. Methods never see pydantic objects
or dates: the reconciling pipeline (:mod:`estimates.reconciliation._core`) has already applied known-on, merged
one source's figures of one day, dropped relays, applied supersession, converted units and set
the prior weights.

Built-in methods: ``consensus`` (the intersection), ``envelope`` (the hull), ``robust`` (the
default: weighted median and weighted quantiles), ``latest`` (the newest figure wins). ``pooled``
(random effects), ``crh``, ``catd`` and ``plurality`` (truth discovery) are registered by import path and load
only when used. Add your own with :func:`register_method`.

How a row is read (shared by every built-in method, see :func:`readings`):

- a figure with a best value but no stated bound on a side is read as reaching its best on that
  side ("about 11,000" given as best 11,000 alone is the figure 11,000; to widen such figures,
  read their text under a convention);
- a figure with no best and one bound is *one-sided* ("more than 13,000"): a censored
  observation, not a point; on a count (a quantity whose figures are all >= 0) a low of 0 with
  no best counts as unbounded below, so "at most 8,000" stored as [0, 8,000] is one-sided too;
- the *point* of a row is its best, else the midpoint of its two bounds, else (one-sided) its
  bound.

>>> import numpy as np
>>> ev = Evidence.from_rows(
...     quantity=["q", "q", "q"], low=[10.0, 11.0, 12.0], high=[10.0, 11.0, 12.0]
... )
>>> get_method("robust")(ev, {}).best.tolist()
[11.0]
>>> "robust" in methods()
True
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import OptionError, ReconcileError, UnknownMethodError
from estimates.reconciliation._segments import (
    midpoint,
    segment_ids,
    segment_max,
    segment_min,
    segment_sum,
)
from estimates.values.words import number

__all__ = [
    "COMMON_OPTIONS",
    "DEFAULT_LEVEL",
    "Combined",
    "Evidence",
    "Method",
    "Readings",
    "check_options",
    "consensus",
    "describe_method",
    "envelope",
    "get_method",
    "is_joint",
    "is_predictive",
    "latest",
    "method_level",
    "method_options",
    "methods",
    "range_meaning",
    "readings",
    "register_method",
    "robust",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
Int64Array = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Evidence:
    """The evidence about many quantities: rows grouped by quantity, one segment per quantity.

    Every per-row array has one entry per row; ``starts`` gives the first row of each segment
    (ascending, ``starts[0] == 0``); ``quantities`` and ``positive`` have one entry per segment.
    All figures of a segment are in one unit. Segments are never empty.

    Attributes:
        low: low end; ``-inf`` where unbounded below.
        high: high end; ``+inf`` where unbounded above.
        best: best value; NaN where not stated.
        closed_left: whether ``low`` itself belongs to the row's range.
        closed_right: whether ``high`` itself belongs to the row's range.
        weight: prior weight, > 0: confidence × reliability × recency (see :mod:`estimates.reconciliation._core`).
        source: resolved source code per row (an index into ``source_names``).
        source_names: the resolved source names.
        reliability: Admiralty letter per row, or None.
        starts: first row of each segment.
        quantities: the quantity of each segment.
        positive: per segment, whether every figure is >= 0 (a count).
        as_of_day: optional, the day each figure describes (days since 1970-01-01), for methods
            that look at time (``latest``); ``None`` when unknown.
        stated_day: optional, the day each figure was stated (days since 1970-01-01).
        level: optional, the probability each row's range was meant to carry (NaN where
            neither the claim nor its convention states one); ``None`` when no row has one.

    >>> ev = Evidence.from_rows(quantity=["a", "b", "a"], low=[1.0, 5.0, 2.0], high=[3.0, 6.0, 4.0])
    >>> ev.quantities, ev.starts.tolist(), ev.low.tolist()
    (('a', 'b'), [0, 2], [1.0, 2.0, 5.0])
    """

    low: FloatArray
    high: FloatArray
    best: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    weight: FloatArray
    source: IntArray
    source_names: tuple[str, ...]
    reliability: ObjectArray
    starts: IntArray
    quantities: tuple[str, ...]
    positive: BoolArray
    as_of_day: Int64Array | None = field(default=None)
    stated_day: Int64Array | None = field(default=None)
    level: FloatArray | None = field(default=None)

    @property
    def n_rows(self) -> int:
        """The number of rows.

        >>> Evidence.from_rows(quantity=["a"], low=[1.0], high=[2.0]).n_rows
        1
        """
        return int(self.low.size)

    @property
    def n_segments(self) -> int:
        """The number of segments (quantities).

        >>> Evidence.from_rows(quantity=["a", "b"], low=[1.0, 1.0], high=[2.0, 2.0]).n_segments
        2
        """
        return int(self.starts.size)

    @property
    def segment(self) -> IntArray:
        """The segment number of each row.

        >>> Evidence.from_rows(quantity=["a", "b", "b"], low=[1.0] * 3, high=[2.0] * 3).segment.tolist()
        [0, 1, 1]
        """
        return segment_ids(self.starts, self.n_rows)

    @classmethod
    def from_rows(
        cls,
        *,
        quantity: Sequence[str],
        low: Sequence[float] | None = None,
        high: Sequence[float] | None = None,
        best: Sequence[float] | None = None,
        weight: Sequence[float] | None = None,
        source: Sequence[str] | None = None,
        closed_left: Sequence[bool] | None = None,
        closed_right: Sequence[bool] | None = None,
        reliability: Sequence[str | None] | None = None,
        as_of_day: Sequence[int] | None = None,
        level: Sequence[float] | None = None,
    ) -> Evidence:
        """Build evidence from plain per-row sequences (for tests and small examples).

        Rows are grouped by quantity (stable). Missing ``low``/``high`` are unbounded, missing
        ``best`` is not stated, weights default to 1, sources to one per row, sides to closed
        where bounded.

        >>> ev = Evidence.from_rows(quantity=["q", "q"], best=[3.0, 5.0], source=["A", "B"])
        >>> ev.source_names, ev.low.tolist()
        (('A', 'B'), [-inf, -inf])
        """
        q = np.asarray(quantity, dtype=object)
        n = q.size
        if n == 0:
            raise ReconcileError("evidence needs at least one row")

        def floats(values: Sequence[float] | None, fill: float) -> FloatArray:
            if values is None:
                return np.full(n, fill)
            arr = np.asarray(values, dtype=float)
            return np.where(np.isnan(arr), fill, arr)

        lo = floats(low, -np.inf)
        hi = floats(high, np.inf)
        be = np.full(n, np.nan) if best is None else np.asarray(best, dtype=float)
        w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
        src_names = [f"source {i + 1}" for i in range(n)] if source is None else list(source)
        src, names = pd.factorize(np.asarray(src_names, dtype=str), sort=True)
        cl = (
            np.isfinite(lo)
            if closed_left is None
            else np.asarray(closed_left, bool) & np.isfinite(lo)
        )
        cr = (
            np.isfinite(hi)
            if closed_right is None
            else np.asarray(closed_right, bool) & np.isfinite(hi)
        )
        rel = (
            np.full(n, None, dtype=object)
            if reliability is None
            else np.asarray(reliability, dtype=object)
        )
        codes, keys = pd.factorize(q.astype(str), sort=True)
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]).astype(np.intp)
        vals = np.where(np.isnan(be), np.where(np.isfinite(lo), lo, hi), be)
        finite = np.where(np.isfinite(vals), vals, 0.0)
        positive = (
            segment_min(np.minimum(finite, np.where(np.isfinite(lo), lo, 0.0))[order], starts) >= 0
        )
        return cls(
            low=lo[order],
            high=hi[order],
            best=be[order],
            closed_left=cl[order],
            closed_right=cr[order],
            weight=w[order],
            source=src.astype(np.intp)[order],
            source_names=tuple(str(s) for s in names),
            reliability=rel[order],
            starts=starts,
            quantities=tuple(str(k) for k in keys),
            positive=np.asarray(positive, dtype=bool),
            as_of_day=None if as_of_day is None else np.asarray(as_of_day, dtype=np.int64)[order],
            level=None if level is None else np.asarray(level, dtype=float)[order],
        )


@dataclass(frozen=True)
class Combined:
    """One combined interval per segment, as returned by a method.

    ``low``/``high`` are ``-inf``/``+inf`` where unbounded; ``best`` is NaN where the method has
    no central value. A NaN in ``low`` or ``high`` means "unknown" and must come with a ``note``
    saying why (an empty intersection, no usable figure). ``sources`` is the per-source table of
    truth-discovery methods (source, claims, weight, prior, error), or None. ``level`` is, per
    segment, the probability that the range holds the true value (NaN where it is no such
    statement); None for a method whose ranges never are (see :func:`range_meaning`).

    >>> c = Combined.unknown(2, "no figures")
    >>> c.note, np.isnan(c.low).all()
    (('no figures', 'no figures'), np.True_)
    """

    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    note: tuple[str | None, ...]
    sources: pd.DataFrame | None = None
    level: FloatArray | None = None

    def __post_init__(self) -> None:
        n = self.low.size
        sizes = {
            self.best.size,
            self.high.size,
            self.closed_left.size,
            self.closed_right.size,
            len(self.note),
        }
        if sizes != {n}:
            raise ReconcileError(
                f"a method returned arrays of different lengths: {sorted(sizes | {n})}"
            )
        unknown = np.isnan(self.low) | np.isnan(self.high)
        missing = [i for i in np.flatnonzero(unknown).tolist() if not self.note[i]]
        if missing:
            raise ReconcileError(
                f"a method returned NaN bounds without a note for {len(missing)} segment(s); "
                "an unknown result must say why"
            )

    @classmethod
    def unknown(cls, n: int, note: str) -> Combined:
        """``n`` unknown segments, each with the same ``note``.

        >>> Combined.unknown(1, "why").best.tolist()
        [nan]
        """
        nan = np.full(n, np.nan)
        no = np.zeros(n, dtype=bool)
        return cls(nan, nan.copy(), nan.copy(), no, no.copy(), (note,) * n)


Method = Callable[[Evidence, Mapping[str, object]], Combined]


class Readings(NamedTuple):
    """How each row is read: effective bounds, point and one-sidedness (see the module doc)."""

    low: FloatArray
    high: FloatArray
    point: FloatArray
    lower_only: BoolArray
    upper_only: BoolArray


def readings(ev: Evidence) -> Readings:
    """Read every row of ``ev``: effective bounds, point, and whether it is one-sided.

    >>> ev = Evidence.from_rows(quantity=["q"] * 3, low=[13.0, 2.0, np.nan], best=[np.nan, np.nan, 11.0],
    ...                         high=[np.nan, 4.0, np.nan])
    >>> r = readings(ev)
    >>> r.point.tolist(), r.lower_only.tolist(), r.low.tolist(), r.high.tolist()
    ([13.0, 3.0, 11.0], [True, False, False], [13.0, 2.0, 11.0], [inf, 4.0, 11.0])
    """
    has_best = np.isfinite(ev.best)
    seg = ev.segment
    # on a count a low of 0 with no best is what "at most" stores: unbounded below, for reading
    zero_floor = ev.positive[seg] & (ev.low <= 0) & ~has_best & np.isfinite(ev.high) & (ev.high > 0)
    raw_low = np.where(zero_floor, -np.inf, ev.low)
    fin_lo = np.isfinite(raw_low)
    fin_hi = np.isfinite(ev.high)
    low = np.where(fin_lo, ev.low, np.where(has_best, ev.best, ev.low))
    high = np.where(fin_hi, ev.high, np.where(has_best, ev.best, ev.high))
    lower_only = ~has_best & fin_lo & ~fin_hi
    upper_only = ~has_best & ~fin_lo & fin_hi
    both = fin_lo & fin_hi
    # halves added, not the sum halved: figures near 1.8e308 must not overflow
    mid = np.where(
        both, np.where(both, raw_low, 0.0) / 2 + np.where(both, ev.high, 0.0) / 2, np.nan
    )
    point = np.where(
        has_best, ev.best, np.where(lower_only, raw_low, np.where(upper_only, ev.high, mid))
    )
    return Readings(low, high, point, lower_only, upper_only)


# -- built-in methods ---------------------------------------------------------------------------


def _side_closed(value: FloatArray, ends: FloatArray, closed: BoolArray, ev: Evidence) -> BoolArray:
    """A result end is closed unless some row with exactly that end value is open there."""
    seg = ev.segment
    open_here = (ends == value[seg]) & ~closed
    result: BoolArray = (segment_sum(open_here.astype(float), ev.starts) == 0) & np.isfinite(value)
    return result


def _median_points(ev: Evidence, r: Readings, low: FloatArray, high: FloatArray) -> FloatArray:
    """Weighted median of the points, clipped into ``[low, high]`` (NaN when no point)."""
    has = np.isfinite(r.point)
    w = np.where(has, ev.weight, 0.0)
    med = segment_quantiles(
        np.where(has, r.point, 0.0), w, ev.segment, ev.n_segments, [(0.5, "mid")]
    )[0]
    with np.errstate(invalid="ignore"):
        return np.clip(med, low, high)


def consensus(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The intersection of every row's range; an empty intersection is a conflict (NaN + note).

    The range is the values every claim allows, not a probability about the true value.

    The best value is the weighted median of the rows' points, moved into the intersection.

    >>> ev = Evidence.from_rows(quantity=["q", "q"], low=[7000.0, 0.0], high=[np.nan, 8000.0],
    ...                         closed_left=[False, True])
    >>> c = consensus(ev, {})
    >>> c.low.tolist(), c.high.tolist(), c.closed_left.tolist()
    ([7000.0], [8000.0], [False])
    >>> c = consensus(Evidence.from_rows(quantity=["q", "q"], best=[3.0, 5.0]), {})
    >>> c.note
    ('conflict: the figures cannot all hold (highest low 5 above lowest high 3)',)
    """
    r = readings(ev)
    lo = segment_max(r.low, ev.starts)
    hi = segment_min(r.high, ev.starts)
    cl = _side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev)
    cr = _side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev)
    empty = (lo > hi) | ((lo == hi) & ~(cl & cr))
    best = _median_points(ev, r, lo, hi)
    note = tuple(
        f"conflict: the figures cannot all hold (highest low {number(a)} above lowest high {number(b)})"
        if e
        else None
        for e, a, b in zip(empty.tolist(), lo.tolist(), hi.tolist(), strict=True)
    )
    nan = np.full(lo.size, np.nan)
    return Combined(
        low=np.where(empty, nan, lo),
        best=np.where(empty, nan, best),
        high=np.where(empty, nan, hi),
        closed_left=cl & ~empty,
        closed_right=cr & ~empty,
        note=note,
    )


def envelope(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The hull: from the lowest low to the highest high; best is the weighted median point.

    The range is the values at least one claim allows, not a probability about the true value.

    >>> ev = Evidence.from_rows(quantity=["q", "q"], low=[2000.0, 11000.0], high=[12000.0, 12000.0])
    >>> c = envelope(ev, {})
    >>> c.low.tolist(), c.best.tolist(), c.high.tolist()
    ([2000.0], [9250.0], [12000.0])
    """
    r = readings(ev)
    lo = segment_min(r.low, ev.starts)
    hi = segment_max(r.high, ev.starts)
    cl = _side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev)
    cr = _side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev)
    best = _median_points(ev, r, lo, hi)
    return Combined(lo, best, hi, cl, cr, (None,) * lo.size)


def sort_segments(values: FloatArray, seg: IntArray) -> IntArray:
    """The order that sorts rows by (segment, value): two cheap sorts instead of a lexsort.

    Rows are ranked by value in one global sort; ``segment × n + rank`` is then a unique
    integer key per row, and its values (not their positions: a plain sort of integers is
    several times faster than an indirect one) give back the ranks, hence the rows, in order.

    >>> sort_segments(np.array([3.0, 1.0, 2.0]), np.array([1, 0, 0])).tolist()
    [1, 2, 0]
    """
    n = values.size
    by_value = np.argsort(values, kind="quicksort")
    width = max(n, 1)
    key = seg[by_value].astype(np.int64) * width + np.arange(n, dtype=np.int64)
    order: IntArray = by_value[np.sort(key) % width].astype(np.intp)
    return order


def segment_quantiles(
    values: FloatArray,
    weights: FloatArray,
    seg: IntArray,
    n_segments: int,
    specs: Sequence[tuple[float, str]],
    *,
    order: IntArray | None = None,
) -> list[FloatArray]:
    """Weighted quantiles of each segment, several at once; NaN for a segment with no weight.

    ``seg`` is the segment of each row (rows in any order); ``specs`` lists ``(q, rule)``:

    - ``"mid"``: the first value whose cumulative weight reaches ``q`` of the segment's total;
      exactly on a boundary, the mean of it and the next value with weight (the ordinary
      median for ``q=0.5`` and equal weights);
    - ``"low"``: at a boundary the lower of the two values; ``"high"``: the higher one.

    Rows with zero weight never count, not even as the neighbour at a boundary. Each quantile
    is a binary search in one cumulative sum: no pass over the rows per quantile.

    >>> v = np.array([1.0, 2.0, 3.0, 4.0])
    >>> [x.tolist() for x in segment_quantiles(v, np.ones(4), np.zeros(4, np.intp), 1,
    ...                                        [(0.5, "mid"), (0.5, "low"), (0.5, "high")])]
    [[2.5], [2.0], [3.0]]
    """
    if order is None:
        order = sort_segments(values, seg)
    v = values[order]
    s = seg[order]
    counts = np.bincount(s, minlength=n_segments)
    ends = np.cumsum(counts)
    starts = ends - counts
    w_raw = np.maximum(weights[order], 0.0)
    total = np.bincount(s, weights=w_raw, minlength=n_segments)
    # each segment's weights sum to 1, so the running sum grows by 1 per segment and a fixed
    # tolerance is meaningful everywhere
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(total[s] > 0, w_raw / total[s], 0.0)
    cum = np.cumsum(w)
    cum0 = np.r_[0.0, cum]
    before = cum0[starts]
    has = total > 0
    tol = 1e-9
    last = np.maximum(ends - 1, 0)
    # the last row with weight in each segment: the first reaching the segment's full total
    last_pos = np.searchsorted(cum, before + 1.0 - tol, side="left")
    last_pos = np.clip(np.minimum(last_pos, last), 0, max(v.size - 1, 0))
    out: list[FloatArray] = []
    for q, rule in specs:
        target = before + q
        if rule == "high":
            j = np.searchsorted(cum, target + tol, side="right")
        else:
            j = np.searchsorted(cum, target - tol, side="left")
        j = np.clip(np.minimum(j, last_pos), starts, last) if v.size else j
        result = v[j] if v.size else np.full(n_segments, np.nan)
        if rule == "mid" and v.size and 0 < q < 1:
            on_boundary = np.abs(cum[j] - target) <= tol
            nxt = np.searchsorted(cum, cum[j] + tol, side="right")
            valid = on_boundary & (nxt < ends) & (nxt <= last_pos)
            result = np.where(valid, midpoint(result, v[np.minimum(nxt, v.size - 1)]), result)
        elif rule not in ("low", "high", "mid"):
            raise ReconcileError(f"unknown quantile rule {rule!r}; known: mid, low, high")
        out.append(np.where(has, result, np.nan))
    return out


def _search_sorted_segments(
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


def _merged(
    sorted_rows: IntArray, other: IntArray, values: FloatArray, seg: IntArray, n_segments: int
) -> IntArray:
    """The rows ``sorted_rows`` (already in (segment, value) order) and ``other`` (any order)
    together in (segment, value) order, an ``other`` row after the sorted rows of its value:
    only ``other`` is sorted, then each finds its place among the sorted rows by bisection."""
    b = other[sort_segments(values[other], seg[other])]
    a_seg = seg[sorted_rows]
    bounds = np.searchsorted(a_seg, np.arange(n_segments + 1), side="left")
    s_b = seg[b]
    before = _search_sorted_segments(
        values[sorted_rows], bounds[s_b], bounds[s_b + 1], values[b],
        right=np.ones(b.size, dtype=bool),
    )  # fmt: skip
    at = before + np.arange(b.size)
    merged = np.empty(sorted_rows.size + b.size, dtype=np.intp)
    is_b = np.zeros(merged.size, dtype=bool)
    is_b[at] = True
    merged[at] = b
    merged[~is_b] = sorted_rows
    return merged


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
    n = ev.n_rows
    starts = ev.starts
    w = ev.weight
    has_point = np.isfinite(r.point)
    uncensored = np.isfinite(ev.best)
    one_sided = r.lower_only | r.upper_only
    bare_range = has_point & ~uncensored & ~one_sided
    censored = one_sided | bare_range

    # -- share each censored row's weight among the uncensored rows it allows. The uncensored
    # points are sorted once by (segment, value); a censored row finds the weight it allows by
    # a binary search for each of its two ends inside its own segment.
    # one order serves everything: rows by (segment, point); rows without a point go last
    pts = np.where(has_point, r.point, np.inf)
    order = sort_segments(pts, seg)
    sorted_pts = pts[order]
    cum = np.r_[0.0, np.cumsum(np.where(uncensored, w, 0.0)[order])]
    seg_lo = starts
    seg_hi = np.r_[starts[1:], n]
    gives = np.zeros(n, dtype=bool)
    factor = np.ones(n)
    if censored.any() and uncensored.any():
        rows = np.flatnonzero(censored)
        s_rows = seg[rows]
        lo_b, hi_b = seg_lo[s_rows], seg_hi[s_rows]
        lower_only = r.lower_only[rows]
        upper_only = r.upper_only[rows]
        # one-sided: strictly beyond the bound; bare range: both ends included. Censored rows
        # sit among the sorted points but carry no weight in ``cum``, so positions still count
        # only the weight of the figures with a best value.
        start = np.where(
            upper_only,
            lo_b,
            _search_sorted_segments(sorted_pts, lo_b, hi_b, r.low[rows], right=lower_only),
        )
        stop = np.where(
            lower_only,
            hi_b,
            _search_sorted_segments(sorted_pts, lo_b, hi_b, r.high[rows], right=~upper_only),
        )
        stop = np.maximum(stop, start)
        allowed = cum[stop] - cum[start]
        ok = allowed > 0
        gives[rows[ok]] = True
        # a receiving row at sorted position j gets w_i / W_i of its own weight from each giver
        # i that allows it: a difference array along the sorted order, one running sum
        share = np.zeros(n + 1)
        per = w[rows[ok]] / allowed[ok]
        np.add.at(share, start[ok], per)
        np.add.at(share, stop[ok], -per)
        factor[order] = 1.0 + np.cumsum(share)[:n]
    w_eff = np.where(uncensored, w * factor, np.where(gives, 0.0, w))
    w_eff = np.where(has_point, w_eff, 0.0)

    nseg = starts.size
    any_point = segment_sum((has_point & ~one_sided).astype(float), starts) > 0
    # range ends: at an exact boundary the inner figure ("high" rule at q, "low" at 1 - q)
    best, lo_q, hi_q = segment_quantiles(
        pts, w_eff, seg, nseg, [(0.5, "mid"), (q, "high"), (1 - q, "low")], order=order
    )
    pts = np.where(has_point, r.point, 0.0)
    # the stated ranges themselves, each with its own prior weight (a bare range keeps it here
    # even when it shared it out above): the weighted median of their low ends and of their
    # high ends, the wider figure at a boundary. One-sided figures state no range and stay out.
    stated = has_point & ~one_sided
    ranged = stated & ((r.low != pts) | (r.high != pts))
    med_lo, med_hi = lo_q, hi_q  # segments of plain figures: their median is inside already
    if ranged.any():
        # only segments holding a stated range are sorted again
        in_sel = (segment_sum(ranged.astype(float), starts) > 0)[seg] & stated
        sel = np.flatnonzero(in_sel)
        # a plain figure's ends are its point: the plain rows keep their place in ``order``
        # and only the stated ranges are sorted and put among them
        local = np.cumsum(in_sel) - 1
        plain = order[(in_sel & ~ranged)[order]]
        lo_m, hi_m = (
            segment_quantiles(
                r.low[sel], w[sel], seg[sel], nseg, [(0.5, "low")],
                order=local[_merged(plain, np.flatnonzero(ranged), r.low, seg, nseg)],
            )[0],
            segment_quantiles(
                r.high[sel], w[sel], seg[sel], nseg, [(0.5, "high")],
                order=local[_merged(plain, np.flatnonzero(ranged), r.high, seg, nseg)],
            )[0],
        )  # fmt: skip
        med_lo = np.where(np.isnan(lo_m), lo_q, lo_m)
        med_hi = np.where(np.isnan(hi_m), hi_q, hi_m)
    lo = np.fmin(lo_q, med_lo)
    hi = np.fmax(hi_q, med_hi)

    # -- segments with only one-sided rows: a one-sided answer
    only_bounds = ~any_point
    lb = np.full(nseg, np.nan)
    ub = np.full(nseg, np.nan)
    in_only = only_bounds[seg]
    if in_only.any():
        sel_l = np.flatnonzero(in_only & r.lower_only)
        sel_u = np.flatnonzero(in_only & r.upper_only)
        if sel_l.size:
            lb = segment_quantiles(
                r.point[sel_l], w[sel_l], seg[sel_l], nseg, [(1 - q / 2, "high")]
            )[0]
        if sel_u.size:
            ub = segment_quantiles(r.point[sel_u], w[sel_u], seg[sel_u], nseg, [(q / 2, "low")])[0]
    has_l = ~np.isnan(lb)
    has_u = ~np.isnan(ub)
    lo = np.where(only_bounds, np.where(has_l, lb, -np.inf), lo)
    hi = np.where(only_bounds, np.where(has_u, ub, np.inf), hi)
    mid_bounds = np.where(has_l & has_u, np.nan_to_num(lb) / 2 + np.nan_to_num(ub) / 2, np.nan)
    best = np.where(only_bounds, mid_bounds, best)
    crossed = only_bounds & has_l & has_u & (np.nan_to_num(lb) > np.nan_to_num(ub))
    no_figure = segment_sum(has_point.astype(float), starts) == 0

    cl = _side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev)
    cr = _side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev)
    with np.errstate(invalid="ignore"):
        best = np.where(np.isnan(best), best, np.clip(best, lo, hi))
    bad = crossed | no_figure
    nan = np.full(lo.size, np.nan)
    notes: list[str | None] = [None] * nseg
    for i in np.flatnonzero(no_figure).tolist():
        notes[i] = "no usable figure: every figure is unbounded on both sides"
    for i in np.flatnonzero(crossed & ~no_figure).tolist():
        notes[i] = (
            f"conflict: lower bounds (about {number(lb[i])}) above upper bounds (about {number(ub[i])})"
        )
    note = tuple(notes)
    return Combined(
        low=np.where(bad, nan, lo),
        best=np.where(bad, nan, best),
        high=np.where(bad, nan, hi),
        closed_left=cl & ~bad,
        closed_right=cr & ~bad,
        note=note,
    )


def latest(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The newest figure wins (by the day it describes, then the day it was stated).

    The range is the newest figure's own range, not a probability about the true value.

    Rows describing the same newest day are combined by their hull. Needs ``ev.as_of_day``.
    This is what a bot that keeps only the last reported figure does; it is here for comparison.

    >>> ev = Evidence.from_rows(quantity=["q"] * 3, best=[3000.0, 10000.0, 12000.0], as_of_day=[1, 3, 2])
    >>> latest(ev, {}).best.tolist()
    [10000.0]
    """
    if ev.as_of_day is None:
        raise ReconcileError(
            "method 'latest' needs the day each figure describes (Evidence.as_of_day)"
        )
    day = ev.as_of_day.astype(np.int64)
    stated = ev.stated_day if ev.stated_day is not None else np.zeros_like(day)
    # one sortable key per row: newest as_of first, then newest stated
    key = day.astype(np.float64) * 1e6 + stated.astype(np.float64) - float(stated.min(initial=0))
    newest = segment_max(key, ev.starts)
    keep = key == newest[ev.segment]
    sub = _mask_weights(ev, keep)
    return envelope(sub, options)


def _mask_weights(ev: Evidence, keep: BoolArray) -> Evidence:
    """The same evidence restricted to ``keep`` rows (each segment keeps at least one)."""
    seg = ev.segment[keep]
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]]).astype(np.intp)
    return Evidence(
        low=ev.low[keep],
        high=ev.high[keep],
        best=ev.best[keep],
        closed_left=ev.closed_left[keep],
        closed_right=ev.closed_right[keep],
        weight=ev.weight[keep],
        source=ev.source[keep],
        source_names=ev.source_names,
        reliability=ev.reliability[keep],
        starts=starts,
        quantities=ev.quantities,
        positive=ev.positive,
        as_of_day=None if ev.as_of_day is None else ev.as_of_day[keep],
        stated_day=None if ev.stated_day is None else ev.stated_day[keep],
        level=None if ev.level is None else ev.level[keep],
    )


# -- the registry -------------------------------------------------------------------------------


#: The default probability of a predictive range (a method whose range is a probability
#: statement about the true value reads its ``level`` option, else this).
DEFAULT_LEVEL = 0.9


@dataclass(frozen=True)
class _Entry:
    target: Method | str
    description: str
    joint: bool
    meaning: str
    predictive: bool


#: Options every method takes: the reconciliation's own steps read them.
COMMON_OPTIONS: tuple[str, ...] = ("change_days", "relay_days", "since_days")
_TRUTH_OPTIONS = ("coverage", "loss", "max_iter", "prior_strength", "tol")
#: The options each method reads; a method left out declares none, and any option is passed
#: to it unchecked.
_options: dict[str, tuple[str, ...]] = {
    "consensus": (),
    "envelope": (),
    "robust": ("q",),
    "latest": (),
    "pooled": ("claim_level", "cutoff", "level", "prior_share", "resolved", "scale", "widen"),
    "pooled_mean": ("default_error", "hk", "interval_level", "level", "min_error", "scale"),
    "crh": _TRUTH_OPTIONS,
    "catd": ("alpha", *_TRUTH_OPTIONS),
    "plurality": ("iterations", "prior_accuracy", "prior_strength", "tolerance"),
}

_SPREAD = "a spread of the sources' figures, not a probability about the true value"
_lock = threading.Lock()
_registry: dict[str, _Entry] = {
    "consensus": _Entry(
        consensus,
        "the intersection of the claims; empty means a conflict",
        False,
        "the intersection of the claims: the values every one of them allows, not a probability",
        False,
    ),
    "envelope": _Entry(
        envelope,
        "the hull of the claims",
        False,
        "the hull of the claims: the values at least one of them allows, not a probability",
        False,
    ),
    "robust": _Entry(
        robust,
        "weighted median and weighted quantiles; outliers cannot drag it",
        False,
        "the middle of the sources' figures (weighted quartiles, widened to the stated ranges): "
        + _SPREAD,
        False,
    ),
    "latest": _Entry(
        latest,
        "the newest figure wins (for comparison)",
        False,
        "the newest figure's own range, not a probability",
        False,
    ),
    "pooled": _Entry(
        "estimates.reconciliation._pooled:pooled",
        "predictive pool: the claims as distributions, mixed by weight (Cooke's model with "
        "resolved=)",
        False,
        "a predictive range: the true value lies in it with probability level",
        True,
    ),
    "pooled_mean": _Entry(
        "estimates.reconciliation._pooled_mean:pooled_mean",
        "random effects (DerSimonian–Laird, Hartung–Knapp): an interval for the sources' mean",
        False,
        "an interval for the mean of the sources (random effects at level), not for the true "
        "value: it narrows as sources are added, even when they share their errors",
        False,
    ),
    "crh": _Entry(
        "estimates.reconciliation.truth:crh",
        "truth discovery (CRH): learns each source's reliability",
        True,
        "the middle half of the learned weight over the claims' ends: " + _SPREAD,
        False,
    ),
    "catd": _Entry(
        "estimates.reconciliation.truth:catd",
        "truth discovery (CATD): confidence-aware source weights",
        True,
        "the middle half of the learned weight over the claims' ends: " + _SPREAD,
        False,
    ),
    "plurality": _Entry(
        "estimates.reconciliation.plurality:plurality",
        "truth discovery for many sources of mixed quality: the figure trusted, independent "
        "sources agree on (copies count once)",
        True,
        "the span of the figures that agree with the answer (else the weighted quartiles of "
        "the figures): " + _SPREAD,
        False,
    ),
}


def register_method(
    name: str,
    fn: Method | str,
    *,
    description: str,
    joint: bool = False,
    replace: bool = False,
    meaning: str | None = None,
    predictive: bool = False,
    options: Iterable[str] | None = None,
) -> None:
    """Register a method under ``name``.

    ``fn`` is a function ``fn(ev, options) -> Combined`` or an import path ``"module:function"``
    loaded on first use. ``joint=True`` declares a method that learns across quantities (truth
    discovery): reconciling one quantity then runs it on the whole ledger. ``meaning`` says in
    words what the method's range is (default: "the range the method returns, not a
    probability"); ``predictive=True`` declares that it is a probability statement about the
    true value at the option ``level`` (default :data:`DEFAULT_LEVEL`). Registering a name that
    exists raises unless ``replace=True``. ``options`` names the options the method reads: any
    other is then refused with a "did you mean" (left out, options are passed through
    unchecked).

    >>> def midpoint(ev, options):
    ...     r = readings(ev)
    ...     lo = np.minimum.reduceat(r.low, ev.starts)
    ...     hi = np.maximum.reduceat(r.high, ev.starts)
    ...     return Combined(lo, (lo + hi) / 2, hi, np.isfinite(lo), np.isfinite(hi), (None,) * lo.size)
    >>> register_method("midpoint", midpoint, description="middle of the hull", replace=True)
    >>> get_method("midpoint") is midpoint
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise ReconcileError(f"a method name must be a non-blank string, got {name!r}")
    if not (callable(fn) or (isinstance(fn, str) and ":" in fn)):
        raise ReconcileError(f"a method must be a function or a 'module:function' path, got {fn!r}")
    with _lock:
        if name in _registry and not replace:
            raise ReconcileError(
                f"method {name!r} is already registered; pass replace=True to replace it"
            )
        if options is None:
            _options.pop(name, None)
        else:
            _options[name] = tuple(sorted(str(o) for o in options))
        _registry[name] = _Entry(
            fn,
            description,
            joint,
            meaning or "the range the method returns, not a probability",
            bool(predictive),
        )


def method_options(name: str) -> tuple[str, ...] | None:
    """The options a method declares (beyond :data:`COMMON_OPTIONS`); None if undeclared.

    >>> method_options("robust"), method_options("consensus")
    (('q',), ())
    """
    if not isinstance(name, str) or name not in _registry:
        raise UnknownMethodError(str(name), known=methods())
    return _options.get(name)


def check_options(name: str, options: Iterable[str]) -> None:
    """Refuse an option that method ``name`` does not declare, with a "did you mean".

    >>> check_options("robust", ["q", "relay_days"])
    >>> check_options("robust", ["levle"])
    Traceback (most recent call last):
    ...
    estimates.errors.OptionError: unknown option 'levle' for method 'robust'; allowed: change_days, q, relay_days, since_days
    >>> check_options("pooled", ["levle"])
    Traceback (most recent call last):
    ...
    estimates.errors.OptionError: unknown option 'levle' for method 'pooled'; did you mean 'level'? ...
    """
    declared = method_options(name)
    if declared is None:
        return
    allowed = (*declared, *COMMON_OPTIONS)
    for option in options:
        if option not in allowed:
            raise OptionError(str(option), allowed=allowed, where=f"method {name!r}")


def get_method(name: str) -> Method:
    """The method registered under ``name``; raise :class:`UnknownMethodError` listing the names.

    >>> get_method("median")
    Traceback (most recent call last):
    ...
    estimates.errors.UnknownMethodError: unknown name 'median'; known: catd, consensus, ...
    """
    entry = _registry.get(name) if isinstance(name, str) else None
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    if isinstance(entry.target, str):
        module_name, _, attr = entry.target.partition(":")
        try:
            module = importlib.import_module(module_name)
            fn: Method = getattr(module, attr)
        except (ImportError, AttributeError) as exc:
            raise UnknownMethodError(
                f"{name} (registered as {entry.target}, which cannot be loaded: {exc})",
                known=methods(),
            ) from exc
        with _lock:
            _registry[name] = _Entry(
                fn, entry.description, entry.joint, entry.meaning, entry.predictive
            )
        return fn
    return entry.target


def describe_method(name: str) -> str:
    """The one-line description of a registered method.

    >>> describe_method("envelope")
    'the hull of the claims'
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.description


def range_meaning(name: str) -> str:
    """What the range of a registered method is, in words.

    >>> range_meaning("consensus")
    'the intersection of the claims: the values every one of them allows, not a probability'
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.meaning


def is_predictive(name: str) -> bool:
    """Whether the method's range is a probability statement about the true value (at ``level``).

    >>> is_predictive("pooled"), is_predictive("robust")
    (True, False)
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.predictive


def method_level(name: str, options: Mapping[str, object]) -> float | None:
    """The probability a method's range carries with ``options``; None when it carries none.

    The option ``level`` of a predictive method must be a number strictly between 0 and 1.

    >>> method_level("pooled", {}), method_level("pooled", {"level": 0.5}), method_level("envelope", {})
    (0.9, 0.5, None)
    """
    if not is_predictive(name):
        return None
    value = options.get("level", DEFAULT_LEVEL)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ReconcileError(
            f"option level={value!r} must be a probability strictly between 0 and 1"
        )
    return float(value)


def is_joint(name: str) -> bool:
    """Whether the method learns across quantities (truth discovery).

    >>> is_joint("crh"), is_joint("robust")
    (True, False)
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.joint


def methods() -> tuple[str, ...]:
    """The registered method names, sorted.

    >>> {"consensus", "envelope", "latest", "pooled", "robust"} <= set(methods())
    True
    """
    return tuple(sorted(_registry))
