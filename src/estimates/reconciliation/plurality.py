"""Plurality truth discovery: the figure most trusted, independent sources agree on.

The method ``plurality`` reconciles every quantity at once while learning how far to trust each
source. It is built for many sources of mixed quality: precise and sloppy sources, sources that
copy one another (mistakes included), a long tail of sources with one claim, and vandals.

Assumptions, and where they come from:

- **Agreement is evidence** (the plurality vote of truth discovery; Yin, Han & Yu, "Truth
  discovery with multiple conflicting information providers on the web", KDD 2007). Figures that
  agree within a tolerance support each other; a range supports every figure it contains. The
  answer is the figure with the most trusted weight behind it among the figures that two
  independent sources state (a range that merely holds a figure is no agreement: where figures
  never repeat, one wide range would make a plurality of whichever figure it holds), and that
  at least three in ten of the quantity's independent figures back: where sources round to
  whole numbers or to fives, two of ten agree by chance, and the chance figure would win. (The
  share is this library's choice, not a published figure; the README gives its effect on
  flight days and on generated ratings.) So when sources cluster on exact figures the answer is
  one of the clusters, never a midpoint between them, and a figure nobody else states never
  wins however its source is trusted. The tolerance is ``tolerance=`` in the claim's unit
  (figures within it support and agree with each other), or by default half the figure's own
  rounding unit, as a bare figure is read by the ``ferson`` convention: 12,000 supports
  11,500–12,500 and 12,345 supports 12,344.5–12,345.5, but only identical figures agree, since
  12,345 does not hold 12,000 (and raters who round alike to 50 would agree by chance with every
  47 and 53).
- **Agreement is evidence only where figures cluster.** Where sources state the truth or a
  mistake (times, counts copied from one record), figures pile up on a few exact values: two
  are far more often identical than one rounding step apart. Where every figure is the truth
  plus noise, rounded (ratings, estimates), two figures are identical about as often as one
  step apart, and a plurality would be a chance figure. Each connected group of quantities and
  sources is judged from its own pairs of figures
  (:func:`~estimates.reconciliation._layout.clustered`); where it does not cluster, no figure
  wins by agreement, the answer is the median read off a line through the
  figures (as :mod:`estimates.reconciliation.truth` reads it, with the prior weights), and a
  claim hits when it lies between the quartiles of the other claims' figures on its quantity
  (leave-one-out, where at least two others state it), so a vandal earns no trust there either.
- **A source is as good as its record, with a prior** (the accuracy model of Dong,
  Berti-Equille & Srivastava, "Integrating conflicting data: the role of source dependence",
  PVLDB 2(1), VLDB 2009). A source's accuracy ``A`` is the share of its scored claims that hit,
  shrunk toward a prior accuracy (``prior_accuracy``, default 0.8, or by Admiralty grade:
  A 0.95, B 0.9, C 0.8, D 0.7, E 0.6) with the strength of ``prior_strength`` claims (default
  2), so one lucky claim cannot make a source trusted. Its vote is ``−ln(1 − A)``: the paper's
  ``ln(n·A / (1 − A))`` with ``n`` = 1, plus one so that it stays positive (a source right half
  the time has 0.69, nine times in ten 2.3, 99 in 100 4.6).
- **No source confirms itself.** A claim is scored against the answer the *other* sources would
  give (leave-one-out, leaving out its copies too): it hits when it supports the answer and the answer's support without
  it still beats the strongest rival figure's (half a hit on a tie); it misses when it does not
  support the answer, or when its own weight decided the quantity. A claim on a quantity no
  other source states is not scored, nor are quantities where no two independent sources agree.
- **Copies count once** (Dong et al. 2009: copiers share values, mistakes included, far more
  often than independent sources can). For each pair of sources, the contested quantities both
  state (where some figures differ) give the probability that one copies the other (see
  :func:`independence`): sources that never differ where others do are copies, sources that
  differ now and then are not. On each quantity, a claim's vote is divided by ``1 + Σ c`` over
  the other sources that state that quantity (:func:`claim_independence`), so the members of a
  group of sources copying one another that are present weigh together about as one, whether
  the whole group states the quantity or only part of it. Relays stated as such (``via``)
  are merged before this method runs, as for every method.
- **Vandals and scale errors** (a figure ×1,000, off by orders of magnitude, digits swapped)
  agree with nobody: they never win a quantity that others state, and they earn no trust.
- **Quantities are coupled only through shared sources.** Every statistic is a sum over one
  source's claims or over one quantity's claims, and the priors are constants, so the answers
  for quantities whose sources share nothing with the rest do not depend on the rest.

Where no figure is backed by two independent sources, there is no plurality: the answer is the
weighted median of the figures (trusted weights), and the range their weighted quartiles.
Otherwise the range spans the figures that support the answer, and the best value is their
weighted median (the cluster's figure when it is one exact figure).

Each iteration is three pure stages on arrays, exposed for backends that partition the work:
:func:`truths` (per quantity, from source weights), :func:`source_statistics` (per source, sums
over claims) and :func:`source_weights` (per source, from the statistics). The result's note says
how sure each answer is (the share of trusted weight behind it), and its ``sources`` table has,
per source: ``claims``, ``weight`` (the largest is 1), ``prior``, ``error`` (share of its scored
claims that missed the leave-one-out answer), ``accuracy``, ``independence`` (the share of its
vote it keeps after the copy discount) and ``copies`` (the sources it shares mistakes with).

>>> from estimates.reconciliation.methods import Evidence
>>> ev = Evidence.from_rows(
...     quantity=["a"] * 5 + ["b"] * 5,
...     source=["p", "q", "r", "s", "v"] * 2,
...     best=[433.0, 433.0, 433.0, 440.0, 4.33e5, 20.0, 20.0, 21.0, 21.0, 99.0],
... )
>>> out = plurality(ev, {"tolerance": 0.5})
>>> out.best.tolist()
[433.0, 20.0]
>>> out.note[0]
'plurality: 3 of 5 sources agree; 75 % of the trusted weight stands behind it'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np
import pandas as pd

from estimates.errors import ReconcileError
from estimates.reconciliation._layout import Layout, layout
from estimates.reconciliation._learning import (
    _GRADES,
    _TIE_BREAK,
    _components,
    _grade_codes,
    _number,
    _sorted_quantile,
    _source_grades,
)
from estimates.reconciliation._segments import segment_max, segment_sum
from estimates.reconciliation.copying import (
    Copying,
    claim_independence,
    copy_statistics,
    independence,
)
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from estimates.reconciliation.methods import Combined, Evidence

__all__ = [
    "Copying",
    "SourceStatistics",
    "Truths",
    "claim_independence",
    "copy_statistics",
    "independence",
    "plurality",
    "source_statistics",
    "source_weights",
    "truths",
]


_DEFAULTS: Final[dict[str, object]] = {
    "tolerance": None,
    "prior_accuracy": 0.8,
    "prior_strength": 2.0,
    "iterations": 10,
}
# Prior accuracy by Admiralty reliability letter; F ("cannot be judged") is no prior.
_GRADE_ACCURACY: Final = {"A": 0.95, "B": 0.9, "C": 0.8, "D": 0.7, "E": 0.6}
# a pair copies with at least this probability (c) before the sources table names it
_COPY_SHOWN: Final = 0.5
_TIE: Final = 1e-9
# A plurality needs at least this share of the independent figures stated on its quantity (the
# library's choice; see the module docstring)
_PLURALITY_SHARE: Final = 0.3
# a note names the sources of a quantity that keep less than this share of their vote
_INDEPENDENCE_SHOWN: Final = 0.75


# -- stage (a): truths from source weights ------------------------------------------------------


class Truths(NamedTuple):
    """Per quantity: ``truth``, ``plurality`` (two independent sources agree), ``support`` (the
    trusted weight behind the answer), ``rival`` (the support of the strongest figure that
    disagrees), ``total`` (all trusted weight on it), ``agreeing`` (independent sources behind
    it). Per claim: ``supports`` (its window holds the answer) and ``weight`` (its trusted
    weight)."""

    truth: FloatArray
    plurality: BoolArray
    support: FloatArray
    rival: FloatArray
    total: FloatArray
    agreeing: FloatArray
    supports: BoolArray
    weight: FloatArray


def _support(lay: Layout, w: FloatArray) -> FloatArray:
    """Per claim: the weight of all claims (of its quantity) whose windows hold its point."""
    running = np.cumsum(lay.sweep_sign * w[lay.sweep_row])
    # each quantity's windows all close before the next begins: subtract the running sum's
    # value at the quantity's start so that rounding never carries across quantities
    base = np.where(lay.sweep_first > 0, running[np.maximum(lay.sweep_first - 1, 0)], 0.0)
    out = np.zeros(lay.seg.size)
    cand = lay.is_candidate
    out[lay.sweep_row[cand]] = running[cand] - base[lay.seg[lay.sweep_row[cand]]]
    return out


def _median(lay: Layout, w: FloatArray, q: float = 0.5) -> FloatArray:
    ends = np.r_[lay.starts[1:], lay.seg.size].astype(np.intp)
    return _sorted_quantile(lay.point[lay.point_order], w[lay.point_order], lay.starts, ends, q)


def _line(lay: Layout, w: FloatArray) -> FloatArray:
    """The weighted median read off a line through the points, where groups do not cluster
    (the ``"interpolate"`` rule; see :mod:`estimates.reconciliation.truth`), else :func:`_median`."""
    if lay.reach is None:
        return _median(lay, w)
    ends = np.r_[lay.starts[1:], lay.seg.size].astype(np.intp)
    v, wo = lay.point[lay.point_order], w[lay.point_order]
    line = _sorted_quantile(v, wo, lay.starts, ends, 0.5, "interpolate", lay.reach)
    if not lay.clustered.any():
        return line
    out: FloatArray = np.where(lay.clustered, _median(lay, w), line)
    return out


def truths(lay: Layout, source_weight: FloatArray, independence: FloatArray) -> Truths:
    """Stage (a): each quantity's answer given each source's weight and each claim's independence.

    Args:
        lay: the claims (see :func:`~estimates.reconciliation._layout.layout`).
        source_weight: per source, its learned vote (> 0).
        independence: per claim, the share of its vote kept after the copy discount (0, 1]
            (see :func:`claim_independence`).

    Returns:
        The answers and the support behind them (see :class:`Truths`).
    """
    w = lay.prior * source_weight[lay.src] * independence * lay.share
    return weighed(lay, w, independence)


def weighed(lay: Layout, w: FloatArray, independence: FloatArray) -> Truths:
    """Stage (a) given each claim's trusted weight ``w`` (its share of its source's say on the
    quantity included) rather than each source's: what :func:`truths` computes once it has
    them, and what learning methods with weights of their own use for their answers."""
    seg, starts = lay.seg, lay.starts
    support = _support(lay, w)
    # only a figure that two independent sources back can win: a figure nobody else states (a
    # vandal's, however trusted its source's record or prior) never outvotes an agreement.
    # Agreement is between figures: a range or a bound supports every figure it holds, but a
    # figure and a range that merely holds it are no agreement (on figures that never repeat,
    # one wide range would otherwise make a plurality of whichever figure it holds). Under the
    # default tolerance, the figures' own rounding, it is between identical figures: 12,000
    # supports 12,345 (it may be that figure rounded), but the two do not agree (12,345 does not
    # hold 12,000), and raters who round alike to 50 agree with every 47 or 53 by chance
    voice = independence * lay.share * lay.figure
    if lay.same is None:
        backing = _support(lay, voice)
    else:
        backing = np.asarray(np.bincount(lay.same, weights=voice), dtype=np.float64)[lay.same]
    eligible = (backing > 1.0 + 1e-6) & lay.clustered[seg]
    # and a plurality holds a material share of the figures: where figures are rounded (to whole
    # numbers, to fives), a few sources agree by chance, and the chance figure would win
    stating = segment_sum(independence * lay.share * lay.figure, starts)
    eligible &= backing >= _PLURALITY_SHARE * stating[seg] - 1e-9
    top = segment_max(np.where(eligible, support, 0.0), starts)
    tied = eligible & (support >= top[seg] - _TIE * np.maximum(top[seg], 1.0))
    # among tied figures, the one nearest the weighted median of the tied claims (then the
    # lower): claims that back none of them, a vandal's say, cannot break the tie
    centre = np.nan_to_num(_median(lay, np.where(tied, w, 0.0)))
    dist = np.where(tied, np.abs(lay.point - centre[seg]), np.inf)
    near = np.minimum.reduceat(dist, starts)
    pick = np.where(tied & (dist <= near[seg]), lay.point, np.inf)
    mode = np.minimum.reduceat(pick, starts)
    holds = (lay.win_lo <= mode[seg]) & (mode[seg] <= lay.win_hi)
    agreeing = segment_sum(np.where(holds, independence * lay.share * lay.figure, 0.0), starts)
    plural = agreeing > 1.0 + 1e-6
    # no plurality: nothing was learned from this quantity, so no learned trust decides it,
    # except an even split (two claims, one from a trusted source and one from a vandal),
    # which goes to the more trusted side rather than to the middle of two figures
    plain = np.nan_to_num(_line(lay, lay.prior * lay.share + _TIE_BREAK * w))
    truth = np.where(plural, mode, plain)
    supports = (lay.win_lo <= truth[seg]) & (truth[seg] <= lay.win_hi)
    rival = segment_max(np.where(supports, 0.0, support), starts)
    return Truths(
        truth=truth,
        plurality=plural,
        support=segment_sum(np.where(supports, w, 0.0), starts),
        rival=rival,
        total=segment_sum(w, starts),
        agreeing=np.where(plural, agreeing, 0.0),
        supports=supports,
        weight=w,
    )


# -- stage (b): per-source statistics, sums over claims -----------------------------------------


class SourceStatistics(NamedTuple):
    """Per source: ``scored`` (claims scored against a leave-one-out answer, a source counting
    once per quantity) and ``hits`` (their share of hits, summed). Sums over claims, so partial
    statistics of disjoint claims add up."""

    scored: FloatArray
    hits: FloatArray


def source_statistics(lay: Layout, t: Truths, independence: FloatArray) -> SourceStatistics:
    """Stage (b): score each claim against the leave-one-out answer, and sum per source.

    A claim counts when its quantity has a plurality and another source's weight on it. Leaving
    a claim out removes its copies too: its weight over its independence, about the weight of
    the group present on its quantity that never differs from it, so copies cannot confirm one
    another.
    """
    seg = lay.seg
    own = np.minimum(t.weight / independence, t.total[seg])
    others = t.total[seg] - own > _TIE * np.maximum(t.total[seg], 1.0)
    counted = t.plurality[seg] & others
    rest = np.maximum(t.support[seg] - own, 0.0)
    # the others alone would still give this answer (a hit), tie with the rival (half a hit),
    # or give the rival (a miss: the claim's own weight decided its quantity)
    margin = rest - t.rival[seg]
    tie = np.abs(margin) <= _TIE * np.maximum(t.support[seg], 1.0)
    credit = np.where(tie, 0.5, np.where(margin > 0, 1.0, 0.0))
    hit = np.where(t.supports, credit, 0.0)
    if not lay.clustered.all():
        # where figures spread, a claim hits when it lies among the middle half of the other
        # claims' figures (nothing is agreed there, and nothing learned moves an answer)
        spread = ~lay.clustered[seg]
        inside, scorable = _among_the_others(lay)
        counted = np.where(spread, scorable, counted)
        hit = np.where(spread, inside.astype(np.float64), hit)
    n_src = lay.n_sources
    scored = np.bincount(lay.src, weights=np.where(counted, lay.share, 0.0), minlength=n_src)
    hits = np.bincount(lay.src, weights=np.where(counted, hit * lay.share, 0.0), minlength=n_src)
    return SourceStatistics(
        scored=np.asarray(scored, dtype=np.float64), hits=np.asarray(hits, dtype=np.float64)
    )


def _among_the_others(lay: Layout) -> tuple[BoolArray, BoolArray]:
    """Per claim: whether its point lies between the quartiles of the other points of its
    quantity (linear between order statistics), and whether there are at least two others."""
    order = lay.point_order
    sv = lay.point[order]
    seg_sorted = lay.seg[order]
    n = np.diff(np.r_[lay.starts, lay.seg.size])[seg_sorted]
    start = lay.starts[seg_sorted]
    rank = np.arange(order.size) - start
    m = n - 1  # the others
    last = np.maximum(m - 1, 0)

    def quartile(q: float) -> FloatArray:
        p = q * last
        i = np.floor(p).astype(np.intp)
        j = np.minimum(i + 1, last)
        # the others' i-th figure skips the claim's own place
        a = sv[np.minimum(start + i + (i >= rank), sv.size - 1)]
        b = sv[np.minimum(start + j + (j >= rank), sv.size - 1)]
        f = p - i
        with np.errstate(invalid="ignore"):
            out: FloatArray = np.where(f > 0, a + f * (b - a), a)
        return out

    with np.errstate(invalid="ignore"):
        inside_sorted = (sv >= quartile(0.25)) & (sv <= quartile(0.75))
    inside = np.zeros(order.size, dtype=bool)
    scorable = np.zeros(order.size, dtype=bool)
    inside[order] = inside_sorted & (m >= 2)
    scorable[order] = (m >= 2) & np.isfinite(sv)
    return inside, scorable


# -- stage (c): weights from per-source statistics ----------------------------------------------


def source_weights(
    stats: SourceStatistics, prior_accuracy: FloatArray, prior_strength: float
) -> tuple[FloatArray, FloatArray]:
    """Stage (c): each source's accuracy (with its prior) and the vote it earns.

    >>> acc, vote = source_weights(SourceStatistics(np.array([0.0, 100.0]), np.array([0.0, 99.0])),
    ...                            np.array([0.8, 0.8]), 2.0)
    >>> acc.round(3).tolist(), vote.round(2).tolist()
    ([0.8, 0.986], [1.61, 4.29])
    """
    acc = (stats.hits + prior_strength * prior_accuracy) / (stats.scored + prior_strength)
    acc = np.clip(acc, 1e-6, 1.0 - 1e-6)
    return acc, -np.log1p(-acc)


# -- the method ---------------------------------------------------------------------------------


class _Settings:
    __slots__ = ("iterations", "prior_accuracy", "prior_strength", "tolerance")

    def __init__(self, options: Mapping[str, object]) -> None:
        unknown = sorted(set(options) - set(_DEFAULTS))
        if unknown:
            raise ReconcileError(
                f"unknown option(s) for method 'plurality': {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(_DEFAULTS))}"
            )
        merged = {**_DEFAULTS, **options}
        tol = merged["tolerance"]
        self.tolerance = (
            None if tol is None else _number(merged, "tolerance", low=0.0, low_open=False)
        )
        self.prior_accuracy = _number(merged, "prior_accuracy", low=0.0, high=1.0)
        self.prior_strength = _number(merged, "prior_strength", low=0.0)
        it = merged["iterations"]
        if isinstance(it, bool) or not isinstance(it, int | np.integer) or it < 1:
            raise ReconcileError(f"option iterations must be an integer >= 1; given {it!r}")
        self.iterations = int(it)


def plurality(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """Plurality truth discovery over all quantities of ``ev`` at once (see the module docstring).

    Args:
        ev: the evidence, one segment per quantity.
        options: ``tolerance`` (in the claims' unit; default: half each figure's rounding unit
            for support, and identical figures for agreement),
            ``prior_accuracy`` (default 0.8), ``prior_strength`` (claims' worth, default 2),
            ``iterations`` (default 10; a connected group of sources and quantities stops
            earlier once its answers stop moving).

    Returns:
        One combined range per quantity with a note on how sure it is, and the ``sources`` table.

    Raises:
        ReconcileError: an unknown option or an option out of its range.

    >>> from estimates.reconciliation.methods import Evidence
    >>> ev = Evidence.from_rows(
    ...     quantity=["q"] * 6, source=list("abcdef"),
    ...     best=[700.0, 700.0, 700.0, 760.0, 760.0, 735.0],
    ... )
    >>> out = plurality(ev, {})
    >>> out.best.tolist(), out.low.tolist(), out.high.tolist()
    ([700.0], [700.0], [700.0])

    By default "700" is read as rounded to the hundred (650–750): it supports 735, but the two do
    not agree (735 does not hold 700), so the plurality is the three sources stating 700. A
    tolerance says how far figures may differ and still agree:

    >>> out = plurality(ev, {"tolerance": 40})
    >>> out.best.tolist(), out.low.tolist(), out.high.tolist()
    ([735.0], [700.0], [760.0])
    """
    from estimates.reconciliation.methods import Combined

    cfg = _Settings(options)
    n_seg = int(np.asarray(ev.starts).size)
    if int(np.asarray(ev.best).size) == 0:
        return Combined.unknown(n_seg, "no claims")
    lay = layout(ev, cfg.tolerance)
    n_src = lay.n_sources
    grade = _source_grades(_grade_codes(ev.reliability), lay.src, n_src)
    by_grade = np.array([_GRADE_ACCURACY.get(g, cfg.prior_accuracy) for g in _GRADES])
    prior_acc = np.r_[by_grade, cfg.prior_accuracy][grade]
    _, copying = independence(copy_statistics(lay))
    keep = claim_independence(lay, copying)
    # a connected group of sources and quantities stops changing once its answers stop moving,
    # so that no group's answers depend on how long another group takes
    comp_seg, comp_src, n_comp = _components(lay.seg, lay.src, lay.starts.size, n_src)
    frozen = np.zeros(n_comp, dtype=bool)
    acc, vote = np.array(prior_acc, dtype=np.float64), np.ones(n_src)
    t = truths(lay, vote, keep)
    iterations = 0
    for iterations in range(1, cfg.iterations + 1):  # noqa: B007 - the count is reported
        acc_new, vote_new = source_weights(
            source_statistics(lay, t, keep), prior_acc, cfg.prior_strength
        )
        hold = frozen[comp_src]
        acc, vote = np.where(hold, acc, acc_new), np.where(hold, vote, vote_new)
        t_new = truths(lay, vote, keep)
        moved = t_new.truth != t.truth
        frozen |= np.bincount(comp_seg, weights=moved, minlength=n_comp) == 0
        t = t_new
        if frozen.all():
            break
    stats = source_statistics(lay, t, keep)
    w = _Weights(acc, vote, keep, copying)
    return _result(ev, lay, t, stats, w, grade, iterations)


class _Weights(NamedTuple):
    """Per source ``accuracy``, ``weight`` (vote) and ``copying`` (the pair matrix ``c``); per
    claim ``independence``."""

    accuracy: FloatArray
    weight: FloatArray
    independence: FloatArray
    copying: object


def _result(
    ev: Evidence,
    lay: Layout,
    t: Truths,
    stats: SourceStatistics,
    w: _Weights,
    grade: IntArray,
    iterations: int,
) -> Combined:
    from estimates.reconciliation.methods import Combined

    seg, starts = lay.seg, lay.starts
    # the figure of each supporting claim nearest the answer; the range spans them
    near = np.clip(t.truth[seg], lay.lo, lay.hi)
    inside = t.supports & t.plurality[seg]
    low = np.minimum.reduceat(np.where(inside, near, np.inf), starts)
    high = np.maximum.reduceat(np.where(inside, near, -np.inf), starts)
    best = _median(lay, np.where(inside, t.weight, 0.0))
    q1, q3 = _median(lay, t.weight, 0.25), _median(lay, t.weight, 0.75)
    plural = t.plurality
    best = np.where(plural, best, t.truth)
    low = np.where(plural, low, np.minimum(q1, t.truth))
    high = np.where(plural, high, np.maximum(q3, t.truth))
    known = np.isfinite(best)
    low = np.where(known, low, -np.inf)
    high = np.where(known, high, np.inf)
    closed = np.isfinite(low), np.isfinite(high)
    notes = _notes(ev, lay, t, w)
    table = _table(ev, lay, stats, w, grade)
    table.attrs["iterations"] = iterations
    table.attrs["support"] = pd.Series(
        np.where(t.total > 0, t.support / np.where(t.total > 0, t.total, 1.0), np.nan),
        index=list(ev.quantities),
        name="support",
    )
    return Combined(
        low=low,
        best=np.where(known, best, np.nan),
        high=high,
        closed_left=closed[0],
        closed_right=closed[1],
        note=notes,
        sources=table,
    )


def _notes(ev: Evidence, lay: Layout, t: Truths, w: _Weights) -> tuple[str | None, ...]:
    seg, starts = lay.seg, lay.starts
    share = np.where(t.total > 0, t.support / np.where(t.total > 0, t.total, 1.0), 0.0)
    n_sources = segment_sum(lay.share, starts)
    agreeing = segment_sum(np.where(t.supports, lay.share, 0.0), starts)
    discounted = w.independence < _INDEPENDENCE_SHOWN
    has_copies = segment_sum(discounted.astype(float), starts) > 0
    names = np.asarray(ev.source_names, dtype=object)
    notes: list[str | None] = []
    for i in range(starts.size):
        if not np.isfinite(t.truth[i]):
            notes.append("no claim states a figure: nothing to reconcile")
            continue
        total = int(np.rint(n_sources[i]))
        pct = f"{100 * share[i]:.0f} % of the trusted weight stands behind it"
        if t.plurality[i]:
            text = f"plurality: {int(np.rint(agreeing[i]))} of {total} sources agree; {pct}"
        elif total == 1:
            text = "one source: its figure, with nothing to weigh it against"
        elif not lay.clustered[i]:
            text = (
                "figures spread as rounded estimates do (one step apart as often as identical), "
                f"so agreement is no evidence: the median of the figures; {pct}"
            )
        else:
            text = f"no two independent sources agree: the median of the figures; {pct}"
        if has_copies[i]:
            rows = np.flatnonzero(
                discounted[starts[i] : (starts[i + 1] if i + 1 < starts.size else seg.size)]
            )
            who = sorted({str(names[lay.src[starts[i] + r]]) for r in rows})
            shown = ", ".join(who[:4]) + (f" and {len(who) - 4} more" if len(who) > 4 else "")
            text += (
                f"; {shown} repeat other sources' figures (mistakes included) and count as "
                "fewer votes"
            )
        notes.append(text)
    return tuple(notes)


def _table(
    ev: Evidence, lay: Layout, stats: SourceStatistics, w: _Weights, grade: IntArray
) -> pd.DataFrame:
    from scipy import sparse

    n_src = lay.n_sources
    claims = np.bincount(lay.src, minlength=n_src)
    active = claims > 0
    names = np.asarray(ev.source_names, dtype=object)
    copying = sparse.csr_matrix(w.copying)
    partners: list[str | None] = []
    for s in range(n_src):
        row = copying.getrow(s)
        strong = row.data >= _COPY_SHOWN
        if not strong.any():
            partners.append(None)
            continue
        order = np.lexsort((names[row.indices[strong]].astype(str), -row.data[strong]))
        partners.append("; ".join(str(names[j]) for j in row.indices[strong][order][:5]))
    # a source's independence: the share of its vote its claims keep, on average
    kept = np.bincount(lay.src, weights=w.independence, minlength=n_src)
    independent = kept / np.maximum(claims, 1)
    vote = w.weight * independent
    top = vote[active].max() if active.any() else 1.0
    scored = stats.scored
    error = np.where(scored > 0, 1.0 - stats.hits / np.where(scored > 0, scored, 1.0), np.nan)
    letters = np.array([*_GRADES, None], dtype=object)[grade]
    table = pd.DataFrame(
        {
            "source": pd.Series(names[active], dtype=object),
            "claims": claims[active].astype(np.int64),
            "weight": vote[active] / top,
            "prior": pd.Series(letters[active], dtype=object),
            "error": error[active],
            "accuracy": w.accuracy[active],
            "independence": independent[active],
            "copies": pd.Series(np.array(partners, dtype=object)[active], dtype=object),
        }
    )
    table = table.sort_values(["weight", "source"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)
