"""The evidence a method reads, the answer it returns, and how each row is read.

:class:`Evidence` holds the rows about many quantities, grouped by quantity (one contiguous
segment per quantity); :class:`Combined` holds one interval per segment. Both are re-exported by
:mod:`estimates.reconciliation.methods`, where methods are registered.

How a row is read (shared by every built-in method, see :func:`readings`):

- a figure with a best value but no stated bound on a side is read as reaching its best on that
  side ("about 11,000" given as best 11,000 alone is the figure 11,000; to widen such figures,
  read their text under a convention);
- a figure with no best and one bound is *one-sided* ("more than 13,000"): a censored
  observation, not a point; on a count (a quantity whose figures are all >= 0) a low of 0 with
  no best counts as unbounded below, so "at most 8,000" stored as [0, 8,000] is one-sided too;
- the *point* of a row is its best, else the midpoint of its two bounds, else (one-sided) its
  bound.

>>> ev = Evidence.from_rows(quantity=["q", "q"], low=[2.0, np.nan], best=[np.nan, 5.0])
>>> readings(ev).point.tolist()
[2.0, 5.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from estimates.errors import ReconcileError
from estimates.reconciliation._segments import segment_any, segment_ids, segment_min
from estimates.reconciliation.stages.arrays import (
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    ObjectArray,
)

__all__ = [
    "Combined",
    "Evidence",
    "NumberWriter",
    "Readings",
    "closed_at",
    "plain_number",
    "readings",
    "side_closed",
]

#: How a note writes a figure. The pipeline hands every method the library's words
#: (:func:`estimates.values.words.number`, read in :mod:`estimates.reconciliation._frame`) as
#: :attr:`Evidence.number`: the core imports nothing from ``values``.
NumberWriter = Callable[[float], str]


def plain_number(x: float) -> str:
    """A figure in a note of evidence that carries no writer: up to 15 significant digits,
    thousands separated, no trailing ``.0``.

    >>> plain_number(12000.0), plain_number(0.25), plain_number(-1234.5)
    ('12,000', '0.25', '-1,234.5')
    """
    return f"{x:,.15g}"


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
        number: optional, how notes write a figure (:data:`NumberWriter`); the pipeline
            gives the library's words, and without one notes use :func:`plain_number`.

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
    number: NumberWriter | None = field(default=None, repr=False, compare=False)

    def write(self, x: float) -> str:
        """``x`` as this evidence's notes write it (see ``number``).

        >>> Evidence.from_rows(quantity=["q"], best=[1.0]).write(13324.5)
        '13,324.5'
        """
        return (self.number or plain_number)(x)

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

    @functools.cached_property
    def segment(self) -> IntArray:
        """The segment number of each row (read-only; worked out once, as every step of a
        method reads it).

        >>> Evidence.from_rows(quantity=["a", "b", "b"], low=[1.0] * 3, high=[2.0] * 3).segment.tolist()
        [0, 1, 1]
        """
        seg = segment_ids(self.starts, self.n_rows)
        seg.flags.writeable = False
        return seg

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


def stores_at_most(
    low: FloatArray, high: FloatArray, has_best: BoolArray, count: BoolArray
) -> BoolArray:
    """Rows whose low of 0 is what "at most ``high``" stores on a count (``count``: the row's
    quantity counts things, so its figures cannot be negative): no best, a low of 0 or below,
    and a high above 0. Such a low is no bound. A figure of 0 (low = high = 0) is a figure.

    >>> stores_at_most(np.array([0.0, 0.0, 0.0]), np.array([8.0, 0.0, 8.0]),
    ...                np.array([False, False, True]), np.ones(3, dtype=bool)).tolist()
    [True, False, False]
    """
    with np.errstate(invalid="ignore"):
        out: BoolArray = (
            count & ~has_best & (low <= 0) & (low > -np.inf) & np.isfinite(high) & (high > 0)
        )
    return out


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
    # on a count a low of 0 with no best is what "at most" stores: unbounded below, for reading
    raw_low = ev.low
    zero_floor = stores_at_most(ev.low, ev.high, has_best, ev.positive[ev.segment])
    if zero_floor.any():
        raw_low = np.where(zero_floor, -np.inf, ev.low)
    fin_lo = np.isfinite(raw_low)
    fin_hi = np.isfinite(ev.high)
    low = np.where(~fin_lo & has_best, ev.best, ev.low)
    high = np.where(~fin_hi & has_best, ev.best, ev.high)
    one_end = ~has_best & (fin_lo ^ fin_hi)
    lower_only = one_end & fin_lo
    upper_only = one_end & fin_hi
    both = fin_lo & fin_hi
    # halves added, not the sum halved: figures near 1.8e308 must not overflow (an unbounded
    # end's half is no number, and is not read)
    with np.errstate(invalid="ignore"):
        mid = np.where(both, raw_low / 2 + ev.high / 2, np.nan)
    point = np.where(
        has_best, ev.best, np.where(lower_only, raw_low, np.where(upper_only, ev.high, mid))
    )
    return Readings(low, high, point, lower_only, upper_only)


def side_closed(
    value: FloatArray, ends: FloatArray, closed: BoolArray, ev: Evidence, *, every: BoolArray | bool
) -> BoolArray:
    """Whether each result end ``value`` is closed, from the rows of ``ev`` whose end
    (``ends``) is exactly that value (``closed``: whether each row's end is closed): see
    :func:`closed_at`.

    >>> ev = Evidence.from_rows(quantity=["q", "q"], low=[16.0, 16.0], high=[20.0, np.nan],
    ...                         closed_left=[True, False])
    >>> [side_closed(np.array([16.0]), ev.low, ev.closed_left, ev, every=e).item()
    ...  for e in (True, False)]
    [False, True]
    """
    return closed_at(value, ends, closed, ev.segment, ev.starts, every=every)


def closed_at(
    value: FloatArray,
    ends: FloatArray,
    closed: BoolArray,
    seg: IntArray,
    starts: IntArray,
    *,
    every: BoolArray | bool,
) -> BoolArray:
    """Whether each segment's result end ``value`` is closed, from its rows (``seg`` per row,
    ``starts`` the segments' first rows) whose end (``ends``) is exactly that value
    (``closed``: whether each row's end is closed there).

    Where ``every`` is true (an end every row must allow: an intersection, bounds that all hold
    at once), the end is closed unless some such row is open there; elsewhere (an end some row
    allows: a hull, a figure among the sources'), it is open only when every such row is. An
    end no row states is closed; an infinite end is open.

    >>> closed_at(np.array([16.0]), np.array([16.0, 16.0]), np.array([True, False]),
    ...           np.zeros(2, dtype=np.intp), np.array([0]), every=False).tolist()
    [True]
    """
    here = ends == value[seg]
    none_open = ~segment_any(here & ~closed, starts)
    some_closed = segment_any(here & closed, starts)
    result: BoolArray = np.where(every, none_open, some_closed | none_open) & np.isfinite(value)
    return result
