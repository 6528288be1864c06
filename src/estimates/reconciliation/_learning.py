"""What the learning methods (:mod:`~estimates.reconciliation.truth`,
:mod:`~estimates.reconciliation.plurality`) share: options read as numbers, Admiralty grades as
priors, the connected groups of sources and quantities, and weighted quantiles of values sorted
once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import ReconcileError
from estimates.reconciliation._segments import sorted_quantiles
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
    zero_floor = np.asarray(ev.positive, dtype=bool)[seg] & (low_in <= 0) & ~stated
    lo: FloatArray = np.where(stated, best, np.where(zero_floor, -np.inf, low_in))
    hi: FloatArray = np.where(stated, best, np.asarray(ev.high, dtype=np.float64))
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
