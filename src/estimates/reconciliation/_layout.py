"""The fixed layout of the claims that the learning methods read, and whether figures cluster.

What stays the same across the iterations of ``plurality`` (and the agreement step of ``crh``
and ``catd``): each claim's figure, the window of figures it supports, the sort orders of every
stage, and, per connected group of quantities and sources, whether identical figures are
evidence there (:func:`clustered`: where figures spread as rounded estimates do, two sources
agree by chance, and agreement counts for nothing).

>>> rounding_tolerance(np.array([12000.0, 0.25])).tolist()
[500.0, 0.005]
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np

from estimates._digits import places
from estimates.reconciliation._learning import (
    _components,
    _grade_codes,
    _without_grade,
    claim_ends,
    rounding_tolerance,
)
from estimates.reconciliation._segments import segment_ids, sort_segments
from estimates.reconciliation.copying import claim_points
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from estimates.reconciliation.methods import Evidence

__all__ = ["Layout", "clustered", "layout", "pair_counts", "rounding_tolerance"]

# identical figures are evidence on a group of quantities where they are at least this many
# times as common as figures one rounding step apart (see :func:`clustered`)
_CLUSTERED: Final = 2.0
# before its figures show otherwise a group counts as clustered, as if it had this many pairs of
# identical figures and one pair one step apart (the prior of :func:`clustered`)
_PRIOR_IDENTICAL: Final = 8.0
# distinct figures per block of :func:`pair_counts` (its memory, not its result)
_PAIR_BLOCK: Final = 1 << 17


class Layout(NamedTuple):
    """What stays fixed across iterations: each claim's figure, window and sort orders.

    Per claim (``n`` rows, grouped by quantity as in the evidence): ``seg`` its quantity,
    ``src`` its source, ``lo``/``hi`` its figure (equal for a point), ``point`` its candidate
    answer (its best, else the middle of its finite ends, else its one finite end),
    ``win_lo``/``win_hi`` the figures it supports (its range widened by its tolerance),
    ``prior`` its prior weight. ``starts`` gives each quantity's first claim. ``sweep``,
    ``sweep_sign`` and ``sweep_row`` order the windows' ends and the candidates by figure within
    each quantity, so that one running sum gives every candidate's support; ``point_order``
    sorts the claims by (quantity, point) for weighted medians; ``share`` is each claim's share
    of its source's claims on its quantity (so a source counts once per quantity); ``figure`` is
    1 for a claim that states one figure and 0 for a range or a bound; ``same`` numbers the
    distinct (quantity, point) pairs, where agreement is between identical figures (the default
    tolerance), else None; ``clustered`` says, per quantity, whether identical figures are
    evidence on its connected group of quantities and sources (see :func:`clustered`), from
    ``pair_counts``, per source its :func:`pair_counts` as two columns (None where the caller's
    tolerance says what agreement is); ``reach``, in ``point_order``, half each point's
    rounding step, where the line of the median runs (None where every group clusters).
    """

    seg: IntArray
    src: IntArray
    lo: FloatArray
    hi: FloatArray
    point: FloatArray
    win_lo: FloatArray
    win_hi: FloatArray
    prior: FloatArray
    starts: IntArray
    n_sources: int
    sweep: IntArray
    sweep_sign: FloatArray
    sweep_row: IntArray
    sweep_first: IntArray
    is_candidate: BoolArray
    point_order: IntArray
    share: FloatArray
    figure: FloatArray
    same: IntArray | None
    clustered: BoolArray
    pair_counts: FloatArray | None
    reach: FloatArray | None

    def clustered_as(self, flags: BoolArray) -> Layout:
        """The layout with ``clustered`` (per quantity) from ``flags``: groups judged over more
        claims than these, as on Dask, where a partition holds part of a group."""
        flags = np.asarray(flags, dtype=bool)
        return self._replace(clustered=flags, reach=_reach(self.point, self.point_order, flags))


def layout(
    ev: Evidence,
    tolerance: float | None,
    *,
    components: tuple[IntArray, IntArray, int] | None = None,
) -> Layout:
    """Read the evidence once: figures, windows of support and the sort orders of every stage.
    ``components``: the connected groups of quantities and sources
    (:func:`~estimates.reconciliation._learning._components`), where the caller has them."""
    n = int(np.asarray(ev.best).size)
    starts = np.asarray(ev.starts, dtype=np.intp)
    seg = segment_ids(starts, n)
    src = np.asarray(ev.source, dtype=np.intp)
    lo, hi, _ = claim_ends(ev, seg)
    point = claim_points(lo, hi)
    if tolerance is None:
        tol_lo, tol_hi = rounding_tolerance(lo), rounding_tolerance(hi)
    else:
        tol_lo = tol_hi = np.full(n, float(tolerance))
    win_lo = lo - tol_lo
    win_hi = hi + tol_hi
    grade = _grade_codes(ev.reliability)
    prior = _without_grade(np.asarray(ev.weight, dtype=np.float64), grade)
    # the sweep: window starts (+w), candidates (read), window ends (−w); at one figure a start
    # comes before a candidate and an end after it, so windows are closed
    rows = np.arange(n, dtype=np.intp)
    values = np.r_[win_lo, np.nan_to_num(point), win_hi]
    kind = np.r_[np.zeros(n), np.ones(n), np.full(n, 2.0)]
    eseg = np.r_[seg, seg, seg]
    # (kind follows the position: the stable order by (quantity, figure) keeps it)
    sweep = sort_segments(values, eseg, stable=True)
    sweep_row = np.r_[rows, rows, rows][sweep]
    sweep_sign = np.array([1.0, 0.0, -1.0])[kind[sweep].astype(np.intp)]
    del values, kind, eseg  # (the sort keys: the largest arrays here)
    counts = np.bincount(seg, minlength=starts.size) * 3
    sweep_first = (np.cumsum(counts) - counts).astype(np.intp)
    point_order = sort_segments(point, seg, stable=True)
    pair = seg.astype(np.int64) * max(len(ev.source_names), 1) + src
    _, inverse, per_pair = np.unique(pair, return_inverse=True, return_counts=True)
    share = 1.0 / per_pair[inverse].astype(np.float64)
    figure = (lo == hi).astype(np.float64)
    # identical figures: what agreement is under the default tolerance, and what the pairs of
    # figures that judge a group's clustering count (also under a tolerance of 0)
    same = _same_figures(seg, point, point_order) if not tolerance else None
    if same is not None:
        n_src = len(ev.source_names)
        comp_seg, comp_src, n_comp = (
            _components(seg, src, starts.size, n_src) if components is None else components
        )
        identical, apart = pair_counts(seg, src, point, same, share * figure, n_src)
        by_source: FloatArray | None = np.stack([identical, apart], axis=1)
        grouped = clustered(identical, apart, comp_src, n_comp)[comp_seg]
    else:
        # a tolerance the caller gives says what agreement is: figures within it agree
        by_source = None
        grouped = np.ones(starts.size, dtype=bool)
    return Layout(
        seg=seg,
        src=src,
        lo=lo,
        hi=hi,
        point=point,
        win_lo=win_lo,
        win_hi=win_hi,
        prior=prior,
        starts=starts,
        n_sources=len(ev.source_names),
        sweep=sweep,
        sweep_sign=sweep_sign,
        sweep_row=sweep_row,
        sweep_first=sweep_first,
        is_candidate=sweep_sign == 0.0,
        point_order=point_order,
        share=share,
        figure=figure,
        same=None if tolerance is not None else same,
        clustered=grouped,
        pair_counts=by_source,
        reach=_reach(point, point_order, grouped),
    )


def _reach(point: FloatArray, order: IntArray, clustered: BoolArray) -> FloatArray | None:
    """Half the rounding step of each point, in ``order`` (None where every group clusters)."""
    if clustered.all():
        return None
    return rounding_tolerance(point[order])


def _same_figures(seg: IntArray, point: FloatArray, order: IntArray) -> IntArray:
    """Per claim, a number shared by the claims of its quantity with the same point."""
    s, p = seg[order], point[order]
    new = np.r_[True, (s[1:] != s[:-1]) | (p[1:] != p[:-1])]
    out = np.empty(seg.size, dtype=np.intp)
    out[order] = np.cumsum(new) - 1
    return out


def pair_counts(
    seg: IntArray, src: IntArray, point: FloatArray, same: IntArray, voice: FloatArray, n_src: int
) -> tuple[FloatArray, FloatArray]:
    """Per source: how often its figures are identical to another source's figure on the same
    quantity, and how often they are one rounding step from one (the step is the lower figure's
    last significant digit, :func:`estimates._digits.places`), each figure weighted by
    ``voice`` (its share of its source's say). Sums over claims, so the counts of disjoint
    claims add up; :func:`clustered` reads them.

    >>> seg, src = np.zeros(3, dtype=np.intp), np.arange(3)
    >>> x = np.array([40.0, 50.0, 50.0])
    >>> [c.tolist() for c in pair_counts(seg, src, x, np.array([0, 1, 1]), np.ones(3), 3)]
    [[0.0, 1.0, 1.0], [2.0, 1.0, 1.0]]
    """
    n_ids = int(same.max()) + 1 if same.size else 0
    v = np.asarray(np.bincount(same, weights=voice, minlength=n_ids), dtype=np.float64)
    # any claim of each id gives its quantity and figure (ids follow the (quantity, figure) order)
    first = np.zeros(n_ids, dtype=np.intp)
    first[same] = np.arange(same.size)
    useg, ux = seg[first], point[first]
    del first
    # the search runs on blocks of whole quantities, so that its sort keys stay small
    near = np.zeros(n_ids)
    edges = np.unique(np.r_[np.searchsorted(useg, useg[np.arange(0, n_ids, _PAIR_BLOCK)]), n_ids])
    for a, b in itertools.pairwise(edges.tolist()):
        near[a:b] = _near(useg[a:b], ux[a:b], v[a:b])
    identical = np.bincount(src, weights=voice * (v[same] - voice), minlength=n_src)
    step_apart = np.bincount(src, weights=voice * near[same], minlength=n_src)
    return np.asarray(identical, np.float64), np.asarray(step_apart, np.float64)


def _near(useg: IntArray, ux: FloatArray, v: FloatArray) -> FloatArray:
    """Per distinct (quantity, figure), sorted so: the voice of the figures one rounding step
    above and below it on its quantity (:func:`pair_counts`)."""
    n = ux.size
    step = places(ux)
    up = ux + np.where(np.isfinite(step), step, np.nan)
    ids = np.flatnonzero(np.isfinite(up))
    # the figures and the neighbours sought, sorted together by (quantity, figure): a stated
    # neighbour comes right before the search for it
    key_q = np.r_[useg, useg[ids]]
    key_x = np.r_[ux, up[ids]]
    kind = np.r_[np.zeros(n, dtype=np.int8), np.ones(ids.size, dtype=np.int8)]
    order = sort_segments(key_x, key_q, stable=True)  # (kind follows the position)
    prev = order[np.maximum(np.arange(order.size) - 1, 0)]
    hit = (kind[order] == 1) & (kind[prev] == 0) & (key_q[prev] == key_q[order])
    with np.errstate(invalid="ignore"):  # (a bound's point is infinite: no neighbour)
        hit &= np.abs(key_x[prev] - key_x[order]) <= 1e-9 * np.abs(key_x[order])
    low_id, high_id = ids[order[hit] - n], prev[hit]
    out = np.bincount(low_id, weights=v[high_id], minlength=n)
    out += np.bincount(high_id, weights=v[low_id], minlength=n)
    return np.asarray(out, dtype=np.float64)


def clustered(
    identical: FloatArray, step_apart: FloatArray, comp_src: IntArray, n_comp: int
) -> BoolArray:
    """Per connected group of quantities and sources: whether identical figures are evidence.

    Where sources state the true figure or a mistake (times, exact counts copied from one
    record), figures pile up on a few exact values: two figures are far more often identical
    than one rounding step apart (12:35 and 12:35, rarely 12:35 and 12:36). Where every
    source's figure is the truth plus noise, rounded (ratings, estimates), figures spread
    smoothly and two are identical about as often as one step apart (50 and 50 against 50 and
    60): agreement there is chance, and a plurality would answer with a round figure rather
    than the middle of the figures. From the counts of :func:`pair_counts` added up over the
    group's sources, a group is clustered when identical pairs are at least
    :data:`_CLUSTERED` times as many as pairs one step apart, each count starting from a prior
    (:data:`_PRIOR_IDENTICAL` identical pairs, one pair apart), so that a small group, where
    three sources state 3 and one 4, keeps its plurality until many pairs say otherwise. The
    threshold and the prior are this library's choice: the flight days and generated long tails
    of the benchmarks give ratios of 9 to 11, generated smooth ratings and counts 0.8 to 0.9.

    >>> clustered(np.array([40.0, 30.0]), np.array([4.0, 3.0]), np.array([0, 0]), 1).tolist()
    [True]
    >>> clustered(np.array([40.0, 30.0]), np.array([40.0, 35.0]), np.array([0, 0]), 1).tolist()
    [False]
    >>> clustered(np.array([2.0, 2.0]), np.array([2.0, 2.0]), np.array([0, 0]), 1).tolist()
    [True]
    """
    # each pair is counted once from each side
    same = np.bincount(comp_src, weights=identical, minlength=n_comp) / 2
    near = np.bincount(comp_src, weights=step_apart, minlength=n_comp) / 2
    out: BoolArray = same + _PRIOR_IDENTICAL >= _CLUSTERED * (near + 1.0)
    return out
