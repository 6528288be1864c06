"""The ``pooled`` method: a predictive pool, the range where the true value lies at ``level``.

Each claim is read as a probability distribution for the true value, the distributions are
mixed with the pipeline's weights (a *linear opinion pool*), and the answer is the central
``level`` range of the mixture (default 0.9), with its median as the best value. Mixing never
narrows because more sources agree loosely: the pool of ten copies of one claim is that claim,
so sources that share their errors (the normal case: experts read the same reports) cannot
manufacture confidence. This is the equal-weight decision maker of structured expert judgement
(Cooke 1991, ch. 11), with two readings of its own and, given resolved questions, Cooke's
performance weights.

How a claim becomes a distribution (on the working scale: logs for a quantity of positive
figures, where errors are multiplicative; the figures themselves otherwise):

- **A range with a level.** ``low`` and ``high`` are the ``(1 - L)/2`` and ``(1 + L)/2``
  quantiles and ``best`` (else the midpoint) the median, with ``L`` the claim's ``level``,
  else its convention's, else the option ``claim_level`` (0.9). The distribution is a split
  normal through those three points (a normal on each side of the median with its own spread),
  each spread multiplied by ``widen`` (default 1.15; 1 with resolved questions): stated ranges
  are on average too narrow, so a stated 90 % range is read as holding the truth about 85 % of
  the time, unless the sources' own record says how far to trust each.
- **An exact figure** ("1,500", ``Range.exactly``) is a point with the spread its rounding
  implies: the unit of its last significant digit ``u`` (1,500 -> 100; 12,000 -> 1,000; 7 -> 1;
  a zero takes the finest unit of the figures beside it, else 1) makes it ``best ± u/2``, read
  as uniform there, so its 5 % and 95 % points are ``best ± 0.9 · u/2``. Digits are decimal:
  scaling every figure by a power of ten scales the answer, scaling by 3 changes what the
  figures' digits say.
- **A one-sided figure** ("more than 13,000") is censored, not a point: it puts probability
  ``L`` above its bound and ``1 - L`` below, shaped inside each side like the mixture of the
  quantity's other claims there (plus a small share, 5 %, of a half-normal at the bound with the
  mean spread of those claims, so that a bound beyond every other claim still has a shape).
  With only one-sided figures there is nothing to shape them by: the answer is the tightest
  bounds, with no best and no probability, and the note says so.

**Weights.** A claim weighs its pipeline weight (confidence, grade, recency; relays and
duplicates already count once). With ``resolved={quantity: true value}`` each source's weight
is also multiplied by its global weight in Cooke's Classical Model
(:mod:`estimates.reconciliation.cooke`): calibration × information on the resolved quantities,
scored on the claims' stated quantiles and the working scale, with information relative to a
uniform (log-uniform) background over each question's intrinsic range. A resolved quantity is
answered with weights learned from the *other* resolved quantities only (leave-one-out), so
its answer can be checked against its truth honestly. A share ``prior_share`` (default 0.1) of
each quantity's weight stays with the pipeline's weights: a dozen questions is little evidence,
and a source that answered none of them keeps a voice.

**How the defaults were set.** ``widen`` and ``prior_share`` were chosen on seven of the
fourteen studies of the TU Delft expert-judgement database (the studies at even positions in
alphabetical order; the other seven were held out and never used to choose). Without resolved
questions, ``widen`` is the smallest of 1, 1.15 and 1.3 whose equal-weight pool covered at
least 0.9 + one standard error of the development questions: 1.15. With resolved questions the
performance weights already discount the sources whose ranges were too narrow, and the claims
are read as stated (``widen`` 1); ``prior_share`` 0.1 is the one of 0, 0.1 and 0.3 that met the
issue's target on the development studies (coverage >= 0.85 at <= 0.85 times the equal-weight
mixture's width) with the higher coverage. ``benchmarks/bench_panels.py`` prints both sets of
figures.

Small cases: figures all exactly zero give exactly zero; a positive quantity on the linear
scale (one figure at zero) never gets a range below zero; no usable figure gives an explicit
unknown with a note.

Options: ``level`` (0.9), ``claim_level`` (0.9), ``widen`` (1.15, or 1 with ``resolved``),
``scale`` (``"auto"``,
``"log"``, ``"linear"``), ``resolved`` (a mapping of quantity to true value, already in the
quantity's unit: :func:`estimates.reconcile_all` checks and converts it), ``prior_share``
(0.1), ``cutoff`` (0: Cooke's calibration cut-off; a source below it gets no performance
weight).

Reference: Cooke RM (1991) Experts in Uncertainty. Oxford University Press. Stone M (1961) The
opinion pool. Ann Math Stat 32:1339-1342.

>>> import numpy as np
>>> out = pool_arrays(
...     low=np.array([9000.0, 10000.0, 11000.0]),
...     high=np.array([11000.0, 12000.0, 13000.0]),
...     best=np.full(3, np.nan),
...     weight=np.ones(3),
...     starts=np.array([0]),
...     positive=np.array([True]),
... )
>>> [round(float(x), -2) for x in (out.low[0], out.best[0], out.high[0])]
[9200.0, 11000.0, 12700.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special, stats

from estimates._digits import places
from estimates.errors import ReconcileError
from estimates.reconciliation import cooke
from estimates.reconciliation._segments import (
    segment_ids,
    segment_max,
    segment_min,
    segment_sum,
)
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from estimates.reconciliation.methods import Combined, Evidence

__all__ = ["PoolOptions", "Pooled", "pool_arrays", "pool_options", "pooled", "rounding_unit"]


#: Share of a censored figure's mass shaped as a half-normal at its bound (see the module doc).
_CENSORED_OWN = 0.05
#: Steps of the bisection that inverts each mixture (each halves the bracket).
_STEPS = 64


@dataclass(frozen=True)
class PoolOptions:
    """The settings of :func:`pooled`, validated; see the module docstring for their meaning.

    >>> PoolOptions().level, PoolOptions().widen
    (0.9, 1.15)
    """

    level: float = 0.9
    claim_level: float = 0.9
    widen: float = 1.15
    scale: str = "auto"
    resolved: Mapping[str, float] | None = None
    prior_share: float = 0.1
    cutoff: float = 0.0


def _number(
    options: Mapping[str, object], name: str, default: float, low: float, high: float, what: str
) -> float:
    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ReconcileError(f"option {name}={value!r} must be {what}")
    return float(value)


def pool_options(options: Mapping[str, object]) -> PoolOptions:
    """Read and check the pooled method's options; other keys are left to other steps.

    >>> pool_options({"level": 0.5}).level
    0.5
    >>> pool_options({"level": 1.5})
    Traceback (most recent call last):
    ...
    estimates.errors.ReconcileError: option level=1.5 must be a probability strictly between 0 and 1
    """
    prob = "a probability strictly between 0 and 1"
    level = _number(options, "level", 0.9, 0.0, 1.0, prob)
    claim_level = _number(options, "claim_level", 0.9, 0.0, 1.0, prob)
    if level in (0.0, 1.0) or claim_level in (0.0, 1.0):
        bad = "level" if level in (0.0, 1.0) else "claim_level"
        raise ReconcileError(f"option {bad}={options.get(bad)!r} must be {prob}")
    scale = options.get("scale", "auto")
    if scale not in ("auto", "log", "linear"):
        raise ReconcileError(f"option scale={scale!r} must be one of auto, log, linear")
    resolved = options.get("resolved")
    if resolved is not None and not isinstance(resolved, Mapping):
        raise ReconcileError("option resolved must map quantities to their true values")
    return PoolOptions(
        level=level,
        claim_level=claim_level,
        widen=_number(options, "widen", 1.15 if not resolved else 1.0, 1e-9, 1e9, "a number > 0"),
        scale=str(scale),
        resolved=None if resolved is None else {str(k): float(v) for k, v in resolved.items()},
        prior_share=_number(options, "prior_share", 0.1, 0.0, 1.0, "a number in [0, 1]"),
        cutoff=_number(options, "cutoff", 0.0, 0.0, 1.0, "a number in [0, 1]"),
    )


@dataclass(frozen=True)
class Pooled:
    """Per-segment result of :func:`pool_arrays`. ``level`` is the probability the range
    carries (NaN where it is no probability statement: only bounds, or unknown); ``sources``
    is the Cooke table when questions were resolved.

    >>> sorted(Pooled.__dataclass_fields__)[:4]
    ['best', 'closed_left', 'closed_right', 'high']
    """

    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    note: tuple[str | None, ...]
    level: FloatArray
    log_scale: BoolArray
    sources: pd.DataFrame | None = None


def rounding_unit(x: FloatArray) -> FloatArray:
    """The unit of each figure's last significant digit (:func:`estimates._digits.places`);
    1 where it has none (zero, infinite).

    >>> rounding_unit(np.array([1500.0, 12000.0, 7.0, 0.25, 0.0, -30.0])).tolist()
    [100.0, 1000.0, 1.0, 0.01, 1.0, 10.0]
    """
    unit = places(x)
    out: FloatArray = np.where(np.isnan(unit), 1.0, unit)
    return out


class _Parts:
    """The rows as split normals on the working scale (see the module docstring)."""

    def __init__(
        self, median: FloatArray, left: FloatArray, right: FloatArray, weight: FloatArray
    ) -> None:
        self.median, self.left, self.right, self.weight = median, left, right, weight


def _cdf_at(
    x: FloatArray, x_seg: IntArray, parts: _Parts, rows: IntArray, seg: IntArray, n_seg: int
) -> FloatArray:
    """Per query (value ``x`` in segment ``x_seg``), the weighted sum of the CDFs of ``rows``
    of that segment (not normalised): every query paired with every row of its segment."""
    row_seg = seg[rows]
    order = np.argsort(row_seg, kind="stable")
    rows = rows[order]
    counts = np.bincount(row_seg, minlength=n_seg)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    n_pairs = counts[x_seg]
    q_idx = np.repeat(np.arange(x.size), n_pairs)
    offset = np.arange(q_idx.size) - np.repeat(np.cumsum(n_pairs) - n_pairs, n_pairs)
    r = rows[first[x_seg][q_idx] + offset]
    vals = parts.weight[r] * special.ndtr(
        np.where(
            x[q_idx] < parts.median[r],
            (x[q_idx] - parts.median[r]) / parts.left[r],
            (x[q_idx] - parts.median[r]) / parts.right[r],
        )
    )
    out: FloatArray = np.bincount(q_idx, weights=vals, minlength=x.size).astype(float)
    return out


def pool_arrays(
    *,
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    weight: FloatArray,
    starts: IntArray,
    positive: BoolArray,
    level: FloatArray | None = None,
    source: IntArray | None = None,
    source_names: tuple[str, ...] = (),
    quantities: tuple[str, ...] = (),
    options: Mapping[str, object] | None = None,
) -> Pooled:
    """Pool grouped rows (segments start at ``starts``) into predictive ranges; the array core.

    ``low``/``high`` are ``-inf``/``+inf`` (or NaN) where unbounded, ``best`` NaN where not
    stated, ``level`` NaN where the claim states none. ``source``, ``source_names`` and
    ``quantities`` are needed only with the option ``resolved``.

    A "more than 14,000" beside three ranges near 10,000 pulls the answer up:

    >>> low, high = np.array([9000.0, 9500, 10000, 14000]), np.array([11000.0, 11500, 12000, np.inf])
    >>> kw = dict(best=np.full(4, np.nan), weight=np.ones(4), starts=np.array([0]),
    ...           positive=np.array([True]))
    >>> with_bound = pool_arrays(low=low, high=high, **kw)
    >>> without = pool_arrays(low=low[:3], high=high[:3], **{**kw, "best": np.full(3, np.nan),
    ...                       "weight": np.ones(3)})
    >>> bool(with_bound.best[0] > without.best[0]), with_bound.level.tolist()
    (True, [0.9])
    """
    # infinite and NaN ends pass through the arithmetic below on purpose (an unstated side);
    # every such value is masked before it is read
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _pool(
            low=low, high=high, best=best, weight=weight, starts=starts, positive=positive,
            level=level, source=source, source_names=source_names, quantities=quantities,
            opts=pool_options(options or {}),
        )  # fmt: skip


def _pool(
    *,
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    weight: FloatArray,
    starts: IntArray,
    positive: BoolArray,
    level: FloatArray | None,
    source: IntArray | None,
    source_names: tuple[str, ...],
    quantities: tuple[str, ...],
    opts: PoolOptions,
) -> Pooled:
    low = np.nan_to_num(np.asarray(low, float), nan=-np.inf, neginf=-np.inf, posinf=np.inf)
    high = np.nan_to_num(np.asarray(high, float), nan=np.inf, neginf=-np.inf, posinf=np.inf)
    best = np.asarray(best, float)
    weight = np.asarray(weight, float)
    starts = np.asarray(starts, np.intp)
    positive = np.asarray(positive, bool)
    n, m = low.size, starts.size
    lvl = np.full(n, np.nan) if level is None else np.asarray(level, float)
    lvl = np.where(np.isfinite(lvl) & (lvl > 0) & (lvl < 1), lvl, opts.claim_level)
    if m == 0:
        e = np.zeros(0)
        return Pooled(e, e, e, np.zeros(0, bool), np.zeros(0, bool), (), e, np.zeros(0, bool))
    seg = segment_ids(starts, n)
    # one row order inside each segment whatever order the rows came in: every sum below then
    # runs in the same order, and the answer does not depend on the input's order at all
    src_key = np.zeros(n, np.intp) if source is None else np.asarray(source, np.intp)
    canon = np.lexsort((src_key, lvl, weight, best, high, low, seg))
    low, high, best, weight, lvl = (x[canon] for x in (low, high, best, weight, lvl))
    if source is not None:
        source = src_key[canon]
    rows = _read_rows(low, high, best, weight, lvl, positive[seg], starts, seg)
    truth = np.full(m, np.nan)
    if opts.resolved:
        index = {q: i for i, q in enumerate(quantities)}
        for q, t in opts.resolved.items():
            if q in index:
                truth[index[q]] = t
    log_seg, unit, all_zero = _working_scale(rows, positive, truth, starts, quantities, opts)
    log_row, unit_row = log_seg[seg], unit[seg]

    def fwd(x: FloatArray) -> FloatArray:
        logged = np.log(x, out=np.full(x.shape, np.nan), where=log_row & (x > 0))
        return np.where(log_row, logged, x / unit_row)

    full, lower_c, upper_c = rows.full, rows.lower_c, rows.upper_c
    g_lo, g_hi = fwd(rows.q_lo), fwd(rows.q_hi)
    q_mid = rows.q_mid
    g_mid = np.where(
        np.isfinite(q_mid), fwd(np.where(np.isfinite(q_mid), q_mid, 1.0)), (g_lo + g_hi) / 2
    )
    z = stats.norm.ppf((1 + rows.q_lvl) / 2)
    floor = 0.01
    left = np.where(full, np.maximum((g_mid - g_lo) / z, floor) * opts.widen, 1.0)
    right = np.where(full, np.maximum((g_hi - g_mid) / z, floor) * opts.widen, 1.0)
    bound = np.where(lower_c, fwd(np.where(lower_c, low, 1.0)), fwd(np.where(upper_c, high, 1.0)))

    # -- weights: the pipeline's, and Cooke's with resolved quantities ---------------------------
    w = np.where(rows.use, weight, 0.0)
    table = None
    notes: list[str | None] = [None] * m
    if opts.resolved and source is not None:
        w, table, n_used = _cooke_weights(
            w, full, g_lo, g_mid, g_hi, rows.q_lvl, np.asarray(source, np.intp), seg, starts,
            truth, fwd_truth=_forward_truth(truth, log_seg, unit), n_sources=len(source_names),
            source_names=source_names, opts=opts,
        )  # fmt: skip
        for i in range(m):
            k = n_used - (1 if np.isfinite(truth[i]) else 0)
            own = " (this one left out)" if np.isfinite(truth[i]) else ""
            plural = "question" if k == 1 else "questions"
            notes[i] = f"weights from Cooke's Classical Model on {k} resolved {plural}{own}"
    total = segment_sum(w, starts)
    w = w / np.where(total > 0, total, 1.0)[seg]
    parts = _Parts(np.where(full, g_mid, 0.0), left, right, np.where(full, w, 0.0))

    n_full = segment_sum(full.astype(float), starts)
    n_cens = segment_sum(rows.censored.astype(float), starts)
    pool = (n_full > 0) & (total > 0)
    out_low, out_best, out_high = np.full(m, np.nan), np.full(m, np.nan), np.full(m, np.nan)
    out_lvl = np.full(m, np.nan)
    cl, cr = np.zeros(m, bool), np.zeros(m, bool)
    _only_bounds(rows, starts, (n_full == 0) & (n_cens > 0), out_low, out_high, cl, cr, notes)
    for i in np.flatnonzero((n_full == 0) & (n_cens == 0)).tolist():
        notes[i] = "no usable figure: every claim lacks both a best value and a bound"

    if np.any(pool):
        x = _invert(
            parts, full, rows.censored, lower_c, bound, lvl, w, seg, starts, pool, opts.level
        )
        back = np.where(log_seg[:, None], np.exp(np.minimum(x, 709.0)), x * unit[:, None])
        back = np.where(all_zero[:, None], 0.0, back)
        back = np.where(positive[:, None] & ~log_seg[:, None], np.maximum(back, 0.0), back)
        out_low = np.where(pool, back[:, 0], out_low)
        out_best = np.where(pool, back[:, 1], out_best)
        out_high = np.where(pool, back[:, 2], out_high)
        cl |= pool
        cr |= pool
        out_lvl = np.where(pool, opts.level, out_lvl)
    return Pooled(
        low=out_low,
        best=out_best,
        high=out_high,
        closed_left=cl,
        closed_right=cr,
        note=tuple(notes),
        level=out_lvl,
        log_scale=log_seg,
        sources=table,
    )


@dataclass(frozen=True)
class _Rows:
    """How each row reads: a range (``ranged``, two distinct stated ends), a ``point`` (a best,
    or two equal ends: uniform over its rounding unit), whole distributions both (``full``),
    or a censored figure (one end: ``lower_c`` above it, ``upper_c`` below it); each full
    row's quantiles ``q_lo``/``q_hi`` at level ``q_lvl`` and its middle ``q_mid`` (NaN for a
    bare range)."""

    low: FloatArray
    high: FloatArray
    best: FloatArray
    low_given: BoolArray
    high_given: BoolArray
    best_given: BoolArray
    full: BoolArray
    lower_c: BoolArray
    upper_c: BoolArray
    censored: BoolArray
    use: BoolArray
    q_lo: FloatArray
    q_hi: FloatArray
    q_lvl: FloatArray
    q_mid: FloatArray
    centre: FloatArray


def _read_rows(
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    weight: FloatArray,
    lvl: FloatArray,
    pos_row: BoolArray,
    starts: IntArray,
    seg: IntArray,
) -> _Rows:
    """How each row reads (see :class:`_Rows`)."""
    low_given = np.isfinite(low) & ~(
        pos_row & (low <= 0) & ~np.isfinite(best) & np.isfinite(high) & (high > 0)
    )
    high_given = np.isfinite(high)
    best_given = np.isfinite(best)
    weighted = np.isfinite(weight) & (weight > 0)
    ranged = low_given & high_given & (high > low) & weighted
    point = weighted & ~ranged & (best_given | (low_given & high_given))
    lower_c = weighted & ~ranged & ~point & low_given & ~high_given
    upper_c = weighted & ~ranged & ~point & high_given & ~low_given
    censored = lower_c | upper_c
    full = ranged | point  # rows that are whole distributions

    centre = np.where(best_given, best, np.where(low_given & high_given, (low + high) / 2, np.nan))
    units = rounding_unit(np.where(point, centre, 0.0))
    # a zero has no digits of its own: it is as precise as the finest figure beside it
    nonzero = point & (centre != 0)
    finest = segment_min(np.where(nonzero, units, np.inf), starts)
    zero_unit = np.where(np.isfinite(finest), finest, 1.0)[seg]
    half_round = np.where(point, np.where(centre == 0, zero_unit, units) / 2, 0.0)
    # a point: uniform over best ± u/2, whose 5 % and 95 % points are best ± 0.9 u/2
    return _Rows(
        low=low, high=high, best=best, low_given=low_given, high_given=high_given, best_given=best_given,
        full=full, lower_c=lower_c, upper_c=upper_c, censored=censored, use=full | censored,
        q_lo=np.where(point, centre - 0.9 * half_round, np.where(ranged, low, np.nan)),
        q_hi=np.where(point, centre + 0.9 * half_round, np.where(ranged, high, np.nan)),
        q_lvl=np.where(point, 0.9, lvl),
        q_mid=np.where(ranged & ~best_given, np.nan, centre),  # a bare range: its middle below
        centre=centre,
    )  # fmt: skip


def _working_scale(
    rows: _Rows,
    positive: BoolArray,
    truth: FloatArray,
    starts: IntArray,
    quantities: tuple[str, ...],
    opts: PoolOptions,
) -> tuple[BoolArray, FloatArray, BoolArray]:
    """Per segment: whether it is pooled on the log scale (positive counts whose figures, and
    true value when resolved, are all above zero, unless the option ``scale`` says otherwise),
    the unit of the linear scale (the segment's largest stated figure; 1 on the log scale),
    and whether its figures are all exactly zero (no size to set a spread by)."""
    full, censored, low, high = rows.full, rows.censored, rows.low, rows.high
    figures = np.where(full, np.fmin(rows.q_lo, rows.centre), np.where(rows.lower_c, low, high))
    nonpos = (full | censored) & (figures <= 0)
    any_nonpos = segment_sum(nonpos.astype(float), starts) > 0
    m = starts.size
    if opts.scale == "log":
        if np.any(any_nonpos):
            bad = quantities[int(np.flatnonzero(any_nonpos)[0])] if quantities else "a quantity"
            raise ReconcileError(f"scale='log' needs figures above zero; {bad} has one at or below")
        log_seg = np.ones(m, bool)
    elif opts.scale == "linear":
        log_seg = np.zeros(m, bool)
    else:
        log_seg = positive & ~any_nonpos & ~(truth <= 0)
    # the size of a segment: its largest stated figure (the linear scale works in units of it);
    # figures all exactly zero agree exactly and have no size to set a spread by
    stated = np.fmax(
        np.fmax(
            np.abs(np.where(rows.low_given, low, np.nan)),
            np.abs(np.where(rows.high_given, high, np.nan)),
        ),
        np.abs(np.where(rows.best_given, rows.best, np.nan)),
    )
    size = segment_max(np.where(rows.use & np.isfinite(stated), stated, 0.0), starts)
    unit = np.where(log_seg | (size == 0), 1.0, size)
    return log_seg, unit, (size == 0) & ~log_seg


def _only_bounds(
    rows: _Rows,
    starts: IntArray,
    only_c: BoolArray,
    out_low: FloatArray,
    out_high: FloatArray,
    cl: BoolArray,
    cr: BoolArray,
    notes: list[str | None],
) -> None:
    """Segments with only bounds have no shape to pool them by: their tightest bounds (the gap
    between them when they cross), no central value and no probability (written in place)."""
    if not np.any(only_c):
        return
    lo_b = np.maximum.reduceat(np.where(rows.lower_c, rows.low, -np.inf), starts)
    hi_b = np.minimum.reduceat(np.where(rows.upper_c, rows.high, np.inf), starts)
    for i in np.flatnonzero(only_c).tolist():
        a, b = float(min(lo_b[i], hi_b[i])), float(max(lo_b[i], hi_b[i]))
        out_low[i], out_high[i] = a, b
        cl[i], cr[i] = math.isfinite(a), math.isfinite(b)
        crossed = lo_b[i] > hi_b[i]
        notes[i] = (
            "only one-sided figures, and they conflict: the range spans the gap between them"
            if crossed
            else "only one-sided figures: their tightest bounds, with no central value and "
            "no probability"
        )


def _forward_truth(truth: FloatArray, log_seg: BoolArray, unit: FloatArray) -> FloatArray:
    logged = np.log(truth, out=np.full(truth.shape, np.nan), where=log_seg & (truth > 0))
    out: FloatArray = np.where(log_seg, logged, truth / unit)
    return out


def _invert(
    parts: _Parts,
    full: BoolArray,
    censored: BoolArray,
    lower_c: BoolArray,
    bound: FloatArray,
    lvl: FloatArray,
    w: FloatArray,
    seg: IntArray,
    starts: IntArray,
    pool: BoolArray,
    level: float,
) -> FloatArray:
    """The ``(1 - level)/2``, 0.5 and ``(1 + level)/2`` quantiles of each pooled segment's
    mixture (segments × 3, working scale), by bisection on all segments at once."""
    m = starts.size
    full_rows = np.flatnonzero(full)
    w_full = segment_sum(np.where(full, w, 0.0), starts)  # share of the whole distributions
    # brackets: far beyond every part (Φ(-40) is 0 in doubles) and every bound
    spread = np.maximum(parts.left, parts.right)
    lo_b = np.minimum.reduceat(
        np.where(full, parts.median - 40 * spread, np.where(censored, bound, np.inf)), starts
    )
    hi_b = np.maximum.reduceat(
        np.where(full, parts.median + 40 * spread, np.where(censored, bound, -np.inf)), starts
    )
    # the typical spread of a segment's whole distributions (their mean), for censored shapes
    n_full_seg = segment_sum(full.astype(float), starts)
    typical = np.where(
        n_full_seg > 0,
        segment_sum(np.where(full, spread, 0.0), starts) / np.maximum(n_full_seg, 1.0),
        1.0,
    )
    cens_rows = np.flatnonzero(censored & pool[seg])
    lo_b = np.minimum(
        lo_b, np.minimum.reduceat(np.where(censored, bound, np.inf), starts) - 40 * typical
    )
    hi_b = np.maximum(
        hi_b, np.maximum.reduceat(np.where(censored, bound, -np.inf), starts) + 40 * typical
    )
    # the other claims' mixture at each bound, normalised (G(c) in the module docstring)
    g_at_c = np.zeros(cens_rows.size)
    if cens_rows.size:
        g_at_c = _cdf_at(bound[cens_rows], seg[cens_rows], parts, full_rows, seg, m)
        g_at_c = g_at_c / np.where(w_full > 0, w_full, 1.0)[seg[cens_rows]]
    targets = np.array([(1 - level) / 2, 0.5, (1 + level) / 2])
    a = np.repeat(lo_b[:, None], 3, axis=1)
    b = np.repeat(hi_b[:, None], 3, axis=1)
    # each whole distribution paired once with the three queries of its segment
    rep = np.repeat(full_rows, 3)
    q_idx = seg[rep] * 3 + np.tile(np.arange(3), full_rows.size)
    med, left, right, wt = parts.median[rep], parts.left[rep], parts.right[rep], parts.weight[rep]
    norm = np.repeat(np.where(w_full > 0, w_full, 1.0), 3)
    for _ in range(_STEPS):
        mid = ((a + b) / 2).ravel()
        xq = mid[q_idx]
        dev = xq - med
        vals = wt * special.ndtr(dev / np.where(dev < 0, left, right))
        total = np.bincount(q_idx, weights=vals, minlength=mid.size).astype(float)
        if cens_rows.size:
            total += _censored_cdf(
                mid, total / norm, cens_rows, lower_c, bound, lvl, w, g_at_c, typical, seg
            )
        below = total.reshape(m, 3) < targets[None, :]
        a = np.where(below, (a + b) / 2, a)
        b = np.where(below, b, (a + b) / 2)
    result: FloatArray = (a + b) / 2
    return result


def _censored_cdf(
    x: FloatArray,
    g_x: FloatArray,
    cens_rows: IntArray,
    lower_c: BoolArray,
    bound: FloatArray,
    lvl: FloatArray,
    w: FloatArray,
    g_at_c: FloatArray,
    typical: FloatArray,
    seg: IntArray,
) -> FloatArray:
    """The weighted CDFs of the censored rows at each query ``x`` (one per segment and target),
    given ``g_x``, the other claims' normalised mixture at each query."""
    # pair each censored row with the three queries of its segment
    s = seg[cens_rows]
    q_idx = (s[:, None] * 3 + np.arange(3)[None, :]).ravel()
    r = np.repeat(np.arange(cens_rows.size), 3)
    rows = cens_rows[r]
    xq, gq, gc = x[q_idx], g_x[q_idx], g_at_c[r]
    c = bound[rows]
    sc = typical[seg[rows]]
    eps = _CENSORED_OWN
    lower = lower_c[rows]
    # probability on the bound's stated side: the claim's level
    p_side = lvl[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        half_below = np.where(xq < c, 2 * special.ndtr((xq - c) / sc), 1.0)
        half_above = np.where(xq > c, 2 * special.ndtr((xq - c) / sc) - 1, 0.0)
        below = np.minimum(1.0, (np.minimum(gq, gc) + eps * half_below) / (gc + eps))
        above = np.clip((np.maximum(gq - gc, 0.0) + eps * half_above) / (1 - gc + eps), 0.0, 1.0)
    # a lower bound: 1 - L below c, L above; an upper bound: L below c, 1 - L above
    p_below = np.where(lower, 1 - p_side, p_side)
    cdf = np.where(xq <= c, p_below * below, p_below + (1 - p_below) * above)
    out: FloatArray = np.bincount(q_idx, weights=w[rows] * cdf, minlength=x.size).astype(float)
    return out


def _cooke_weights(
    w: FloatArray,
    full: BoolArray,
    g_lo: FloatArray,
    g_mid: FloatArray,
    g_hi: FloatArray,
    q_lvl: FloatArray,
    source: IntArray,
    seg: IntArray,
    starts: IntArray,
    truth: FloatArray,
    *,
    fwd_truth: FloatArray,
    n_sources: int,
    source_names: tuple[str, ...],
    opts: PoolOptions,
) -> tuple[FloatArray, pd.DataFrame, int]:
    """Row weights times Cooke's global weights, leave-one-out for resolved segments; the
    sources table; the number of resolved questions scored."""
    m = starts.size
    rows = np.flatnonzero(full)
    pts = np.stack([g_lo[rows], g_mid[rows], g_hi[rows]], axis=1)
    probs = np.stack([(1 - q_lvl[rows]) / 2, np.full(rows.size, 0.5), (1 + q_lvl[rows]) / 2], 1)
    q = seg[rows]
    src = source[rows]
    resolved = np.isfinite(fwd_truth)
    all_scores = cooke.scores(pts, probs, src, q, fwd_truth, n_sources=n_sources)
    w_all = cooke.global_weights(all_scores, cutoff=opts.cutoff)
    # per resolved question, the scores without it (its rows' contributions taken out)
    src_w = np.repeat(w_all[None, :], m, axis=0)
    for i in np.flatnonzero(resolved).tolist():
        held = fwd_truth.copy()
        held[i] = np.nan
        s = cooke.scores(pts, probs, src, q, held, n_sources=n_sources)
        src_w[i] = cooke.global_weights(s, cutoff=opts.cutoff)
    perf = src_w[seg, source]
    base = w / np.where(segment_sum(w, starts) > 0, segment_sum(w, starts), 1.0)[seg]
    cw = base * perf
    cw_total = segment_sum(cw, starts)
    perf_part = np.where(cw_total[seg] > 0, cw / np.where(cw_total > 0, cw_total, 1.0)[seg], base)
    out: FloatArray = opts.prior_share * base + (1 - opts.prior_share) * perf_part
    active = all_scores.n_questions > 0
    table = pd.DataFrame(
        {
            "source": pd.Series(np.array(source_names, dtype=object)[active], dtype=object),
            "resolved": all_scores.n_questions[active].astype(np.int64),
            "calibration": all_scores.calibration[active],
            "information": all_scores.information[active],
            "weight": w_all[active],
        }
    )
    table = table.sort_values(["weight", "source"], ascending=[False, True], kind="stable")
    return out, table.reset_index(drop=True), int(resolved.sum())


def pooled(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """A predictive pool per quantity: the range where the true value lies with probability
    ``level`` (the ``pooled`` method). Every rule and number is in the module docstring.

    >>> import numpy as np
    >>> from estimates.reconciliation.methods import Evidence
    >>> ev = Evidence.from_rows(quantity=["q"] * 3, low=[9000.0, 10000.0, 11000.0],
    ...                         high=[11000.0, 12000.0, 13000.0])
    >>> out = pooled(ev, {})
    >>> bool(9000 < out.low[0] < 11000 < out.high[0] < 13000), out.level.tolist()
    (True, [0.9])
    """
    from estimates.reconciliation.methods import Combined

    res = pool_arrays(
        low=ev.low,
        high=ev.high,
        best=ev.best,
        weight=ev.weight,
        starts=ev.starts,
        positive=ev.positive,
        level=ev.level,
        source=ev.source,
        source_names=ev.source_names,
        quantities=ev.quantities,
        options=options,
    )
    return Combined(
        low=res.low,
        best=res.best,
        high=res.high,
        closed_left=res.closed_left,
        closed_right=res.closed_right,
        note=res.note,
        sources=res.sources,
        level=res.level,
    )
