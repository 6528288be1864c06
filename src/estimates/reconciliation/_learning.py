"""What the learning methods (:mod:`~estimates.reconciliation.truth`,
:mod:`~estimates.reconciliation.plurality`) share: options read as numbers, Admiralty grades as
priors, the connected groups of sources and quantities, and weighted quantiles of values sorted
once (each claim's endpoints, :class:`_Endpoints`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates._digits import places
from estimates.errors import ReconcileError
from estimates.reconciliation._evidence import stores_at_most
from estimates.reconciliation._segments import sort_segments, sorted_quantiles, stable_order
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray
from estimates.values.vocabulary import GRADES, NO_GRADE_WEIGHT, RELIABILITY_WEIGHT

if TYPE_CHECKING:
    from estimates.reconciliation._evidence import Evidence

_GRADES: Final = GRADES
# the share of a claim's own learned weight that decides an even split of a weighted median
# (two claims, one from a trusted source and one from a vandal): far too small to move a
# median otherwise, enough that the trusted side is the answer rather than the middle of two
# figures (crh/catd add it after their cap on one claim's say; plurality to the prior weights)
_TIE_BREAK: Final = 1e-6


def _number(
    merged: Mapping[str, object],
    name: str,
    *,
    low: float,
    high: float = np.inf,
    low_open: bool = True,
) -> float:
    value = merged[name]
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    x = float(value) if ok else np.nan  # type: ignore[arg-type]
    inside = (x > low if low_open else x >= low) and (x < high if np.isfinite(high) else x < np.inf)
    if not (ok and inside):
        left = "(" if low_open else "["
        raise ReconcileError(
            f"option {name} must be a number in {left}{low:g}, {high:g}); given {value!r}"
        )
    return x


def _sorted_quantile(
    v: FloatArray,
    w: FloatArray,
    starts: IntArray,
    ends: IntArray,
    q: float,
    rule: str = "mid",
    reach: FloatArray | None = None,
) -> FloatArray:
    """Weighted ``q``-quantile per segment of values already sorted inside each segment: the
    package's one weighted quantile (:func:`estimates.reconciliation._segments.sorted_quantiles`,
    where its rules are written)."""
    return sorted_quantiles(v, w, starts, ends, [(q, rule)], reach=reach)[0]


def claim_ends(ev: Evidence, seg: IntArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Each claim's ends as the learning methods read them, and whether it states a best value:
    a stated best is the point ``best``; otherwise its ``low`` and ``high`` (``±inf``
    unbounded), where on a count a low of 0 with no best is what "at most" stores, so no bound
    (as :func:`estimates.reconciliation.methods.readings` reads it). ``seg`` is each row's
    quantity.

    >>> from estimates.reconciliation._evidence import Evidence
    >>> ev = Evidence.from_rows(quantity=["q"] * 2, best=[5.0, np.nan], low=[np.nan, 0.0],
    ...                         high=[np.nan, 9.0])
    >>> lo, hi, stated = claim_ends(ev, np.zeros(2, dtype=np.intp))
    >>> lo.tolist(), hi.tolist(), stated.tolist()
    ([5.0, -inf], [5.0, 9.0], [True, False])
    """
    best = np.asarray(ev.best, dtype=np.float64)
    stated: BoolArray = np.isfinite(best)
    low_in = np.asarray(ev.low, dtype=np.float64)
    high_in = np.asarray(ev.high, dtype=np.float64)
    count = np.asarray(ev.positive, dtype=bool)[seg]
    zero_floor = stores_at_most(low_in, high_in, stated, count)
    lo: FloatArray = np.where(stated, best, np.where(zero_floor, -np.inf, low_in))
    hi: FloatArray = np.where(stated, best, high_in)
    return lo, hi, stated


def _grade_codes(reliability: npt.ArrayLike) -> IntArray:
    """Each row's Admiralty letter as 0 (A) to 5 (F), or -1 where none is given."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(reliability, dtype=object), dtype=object))
    words = [str(u).strip().upper() for u in uniques]
    table = np.array(
        [_GRADES.index(w) if len(w) == 1 and w in _GRADES else -1 for w in words] + [-1]
    )
    return np.asarray(table[np.where(codes < 0, len(uniques), codes)], dtype=np.intp)


def _source_grades(grade: IntArray, src: IntArray, n_src: int) -> IntArray:
    """The most frequent grade code per source (the better one on a tie), or -1."""
    given = grade >= 0
    counts = np.bincount(
        src[given] * len(_GRADES) + grade[given], minlength=n_src * len(_GRADES)
    ).reshape(n_src, len(_GRADES))
    return np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1).astype(np.intp)


def _without_grade(weight: FloatArray, grade: IntArray) -> FloatArray:
    """The row weights with the pipeline's grade factor divided out (see the module docstring)."""
    factor = np.array([RELIABILITY_WEIGHT[g] for g in _GRADES] + [NO_GRADE_WEIGHT])
    out: FloatArray = np.asarray(weight, dtype=np.float64) / factor[grade]
    return out


def _components(
    seg: IntArray, src: IntArray, n_seg: int, n_src: int
) -> tuple[IntArray, IntArray, int]:
    """The connected groups of quantities and sources (linked by claims): labels per quantity
    and per source, and their number. A source without claims is a group of its own."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    graph = sparse.coo_matrix(
        (np.ones(seg.size), (seg, n_seg + src)), shape=(n_seg + n_src, n_seg + n_src)
    )
    n_comp, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.intp)
    return labels[:n_seg], labels[n_seg:], int(n_comp)


def rounding_tolerance(x: FloatArray) -> FloatArray:
    """Half the rounding unit of each figure: its last significant digit's place
    (:func:`estimates._digits.places`), halved; 0 where it has none.

    >>> rounding_tolerance(np.array([12000.0, 12345.0, 0.25, 0.0, np.inf])).tolist()
    [500.0, 0.5, 0.005, 0.0, 0.0]
    """
    half = places(x) / 2
    out: FloatArray = np.where(np.isnan(half), 0.0, half)
    return out


class _Endpoints:
    """Each claim's endpoints, sorted once by (quantity, value).

    A point claim contributes one endpoint carrying twice its weight; an interval claim two
    endpoints carrying its weight each. ``value`` has infinite ends replaced by the quantity's
    extreme finite endpoint, which keeps the order and gives a finite truth; ``raw`` keeps them.
    """

    __slots__ = (
        "_reach", "_weighed", "ends", "factor", "highest", "lowest", "raw", "row", "starts", "value",
    )  # fmt: skip

    def __init__(self, lo: FloatArray, hi: FloatArray, seg: IntArray, src: IntArray) -> None:
        # each claim's low end, then its high end where the two differ
        interval = lo != hi
        per_claim = np.where(interval, 2, 1)
        row = np.repeat(np.arange(lo.size, dtype=np.intp), per_claim)
        high_end = np.zeros(row.size, dtype=bool)
        high_end[np.cumsum(per_claim)[interval] - 1] = True
        raw = np.where(high_end, hi[row], lo[row])
        factor = np.where(interval[row], 1.0, 2.0)
        eseg = seg[row]
        # equal values sort by source, then row (a low end first): only a source's repeated
        # equal figures can swap places with the input order, and they give the same quantiles
        # either way. The ends are put in the order of their sources, then in the stable order
        # by (quantity, value), which keeps it (two sorts of integers and one of the values)
        by_source = stable_order(src[row])
        order = by_source[sort_segments(raw[by_source], eseg[by_source], stable=True)]
        self.row = row[order]
        self.raw = raw[order]
        self.factor = factor[order]
        n_seg = int(seg.max()) + 1 if seg.size else 0
        counts = np.bincount(eseg, minlength=n_seg)
        self.ends = np.cumsum(counts).astype(np.intp)
        self.starts = (self.ends - counts).astype(np.intp)
        finite = np.isfinite(self.raw)
        eseg_sorted = eseg[order]
        # the extreme finite endpoints per quantity (NaN where it has none)
        masked = np.where(finite, self.raw, np.nan)
        with np.errstate(invalid="ignore"):
            self.lowest = np.fmin.reduceat(masked, self.starts)
            self.highest = np.fmax.reduceat(masked, self.starts)
        self.value = np.where(
            self.raw == -np.inf,
            self.lowest[eseg_sorted],
            np.where(self.raw == np.inf, self.highest[eseg_sorted], self.raw),
        )
        self._reach: FloatArray | None = None
        # the endpoints with weight at the last call of between(), and what they keep there
        self._weighed: tuple[BoolArray, FloatArray, FloatArray, IntArray, IntArray] | None = None

    def quantile(self, row_weight: FloatArray, q: float, *, raw: bool = False) -> FloatArray:
        return self.quantiles(row_weight, [q], raw=raw)[0]

    def quantiles(
        self, row_weight: FloatArray, qs: Sequence[float], *, raw: bool = False
    ) -> list[FloatArray]:
        """The weighted ``q``-quantiles of each quantity's endpoints for every ``q`` of ``qs``,
        from one running sum (each as :meth:`quantile` gives it alone)."""
        return sorted_quantiles(
            self.raw if raw else self.value,
            row_weight[self.row] * self.factor,
            self.starts,
            self.ends,
            [(q, "mid") for q in qs],
        )

    def between(self, row_weight: FloatArray) -> FloatArray:
        """The weighted median read off a line through the endpoints (the ``"interpolate"``
        rule of :func:`~estimates.reconciliation._segments.sorted_quantiles`), drawn only
        between neighbours whose rounding meets: half a step of each one's last significant
        digit (:func:`estimates._digits.places`) either side.

        That rule drops the endpoints without weight (their value, reach and place), so they
        are dropped here, and again only when the endpoints without weight change: the line
        and the sums it is drawn from are the same, one pass over the endpoints shorter."""
        if self._reach is None:
            self._reach = rounding_tolerance(self.value)
        weight = row_weight[self.row] * self.factor
        weighed = weight > 0
        if self._weighed is None or not np.array_equal(self._weighed[0], weighed):
            counts = np.bincount(
                np.repeat(np.arange(self.starts.size), self.ends - self.starts)[weighed],
                minlength=self.starts.size,
            )
            ends = np.cumsum(counts).astype(np.intp)
            self._weighed = (
                weighed, self.value[weighed], self._reach[weighed], ends - counts, ends
            )  # fmt: skip
        _, value, reach, starts, ends = self._weighed
        return _sorted_quantile(value, weight[weighed], starts, ends, 0.5, "interpolate", reach)
