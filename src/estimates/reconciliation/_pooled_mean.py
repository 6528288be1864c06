"""The ``pooled_mean`` method: an interval for the *mean of the sources*, by random effects.

This is not a range for the true value. It was the ``pooled`` method until real expert panels
showed what it measures: the interval narrows like ``1/√k`` as sources are added, so with
sources that share their errors it covered about half of the true values at a 95 % level.
Use ``pooled`` (:mod:`estimates.reconciliation._pooled`) for where the true value lies; use this
for what a meta-analysis asks, the mean of what the sources say.

Each quantity is a small meta-analysis: every usable claim is a study with an estimate and a
within-claim variance, the sources are allowed to disagree beyond what they state (a
between-source variance ``tau²``), and the answer is an interval for the common mean.

What is done, segment by segment (all segments at once, on numpy arrays):

1. **Scale.** A quantity whose figures are all positive counts is pooled on the log scale (the
   errors of counts are multiplicative: "10,000 or 12,000" is a 20 % disagreement whatever the
   size); any other quantity on the linear scale. Results are transformed back, so the pooled
   best of a log-scale quantity is a geometric mean.
2. **Interval semantics.** A bounded claim ``[low, high]`` is read as a *central interval at
   level* ``interval_level`` (default 0.9) of a normal error on the working scale: its centre
   (its ``best`` when stated, else the midpoint) is the estimate and
   ``((high - low) / (2 z))²`` with ``z = Φ⁻¹((1 + interval_level) / 2)`` its variance. A figure
   with a best but no two-sided range ("about 12,000") is read as
   ``[best·(1 - default_error), best·(1 + default_error)]`` (default 10 %) under the same rule.
   Every variance is floored at ``(min_error·scale)²`` (1 % by default) so that an exact figure
   ("1,500") does not get an infinite weight. A claim's prior weight ``w`` (confidence,
   reliability, recency; largest in the segment = 1) divides its variance: a claim at half the
   prior weight counts as twice as noisy.
3. **Censored figures.** A one-sided figure ("more than 7,000", "up to 8,000" on a count) is a
   *censored observation*: the source's figure is known only to lie above (or below) the bound.
   Its error is the ``default_error`` spread at the bound. It enters the likelihood as
   ``P(y > c)`` (or ``P(y < c)``) under the random-effects model ``y ~ N(mu, v + tau²)``, the
   Tobit likelihood (Tobin 1958). The mean is found by the EM algorithm for censored normal data
   (Dempster, Laird & Rubin 1977, §4.1.6; Amemiya 1984): each censored figure is replaced by its
   conditional mean given the bound under the current fit,
   ``mu + s·φ(a)/(1 - Φ(a))`` with ``a = (c - mu)/s``, ``s² = v + tau²`` (mirrored for upper
   bounds), and ``mu`` is re-estimated by inverse-variance weights on the completed data,
   until it stops moving. At the fixed point the mean solves the censored likelihood's score equation for
   the current variances. A bound far below the pooled figure therefore changes almost nothing;
   a bound above it pulls the estimate up. ``tau²`` and the Hartung–Knapp spread ``q`` are
   measured on the point figures alone (a bound says where a figure is not, little about the
   spread). A censored figure adds to the precision of the mean its Fisher information, a share
   ``λ(λ - a)`` in (0, 1) of a point's (``λ`` the inverse Mills ratio at the fitted mean), and
   the same share of a degree of freedom: the interval uses ``t`` with
   ``k_points - 1 + Σ shares`` degrees of freedom, so a bound far from the estimate adds
   nothing and one at the estimate nearly a whole study. With no point figure at all the
   censored figures cannot locate a mean: the result is then the intersection of the bounds
   with no best, and the note says so.
4. **Pooling.** ``tau²`` by the method of moments of DerSimonian & Laird (1986); the mean by
   inverse-variance weights ``1/(v + tau²)``; the interval by Hartung & Knapp (2001) (the same
   as Sidik & Jonkman 2002): ``mu ± t_{k-1, (1+level)/2} · sqrt(q / Σw*)`` with
   ``q = Σ w*(y - mu)² / (k - 1)``.
5. **The variance floor (default).** Plain Hartung–Knapp holds its level well when the sources
   truly disagree (IntHout, Ioannidis & Borm 2014), but its multiplier ``q`` falls below 1 by
   chance when the few sources happen to agree, and the interval is then *narrower* than the
   fixed-effect one, which under-covers, most with 3 to 5 sources and unequal stated errors.
   The ad hoc correction of Knapp & Hartung (2003), studied by Röver, Knapp & Friede (2015),
   uses ``max(1, q)``: never narrower than the interval the stated errors alone support.
   ``hk="plain"`` gives the uncorrected interval for comparison. ``benchmarks/bench_pooled.py``
   measures both: on 4,000 simulated quantities with 3 to 10 sources disagreeing beyond their
   stated errors, 95 % intervals cover 95.5 % of true values with the floor and 93.0 % without,
   at 1.07 times plain Hartung–Knapp's mean width.

Small cases: one usable claim returns that claim's own range; no usable claim returns an
explicit unknown (``-inf``/``+inf``, best NaN) with a note. Figures that are all exactly zero
return exactly zero (they agree, and have no size to set an error by). A row with no prior
weight is not used.

Float arithmetic: the linear scale works in units of the segment's largest stated figure, so
that squares and inverse variances neither overflow nor underflow at any magnitude and scaling
every figure scales the answer; only the sides a figure states enter a midpoint or a width. An
end that lies beyond the largest float after the transform back is infinite (open), a best
there is NaN, and the note says so: nothing is a NaN or an infinity posing as a figure.

Options (all optional, read from the reconciliation's options):
``level`` (0.95), ``interval_level`` (0.9), ``default_error`` (0.1), ``min_error`` (0.01),
``hk`` (``"modified"`` or ``"plain"``), ``scale`` (``"auto"``, ``"log"`` or ``"linear"``).

References: DerSimonian R, Laird N (1986) Meta-analysis in clinical trials. Control Clin Trials
7:177-188. Hartung J, Knapp G (2001) A refined method for the meta-analysis of controlled
clinical trials with binary outcome. Stat Med 20:3875-3889. Sidik K, Jonkman JN (2002) A simple
confidence interval for meta-analysis. Stat Med 21:3153-3159. Knapp G, Hartung J (2003)
Improved tests for a random effects meta-regression with a single covariate. Stat Med
22:2693-2710. IntHout J, Ioannidis JPA, Borm GF (2014) The Hartung-Knapp-Sidik-Jonkman method
for random effects meta-analysis is straightforward and considerably outperforms the standard
DerSimonian-Laird method. BMC Med Res Methodol 14:25. Röver C, Knapp G, Friede T (2015)
Hartung-Knapp-Sidik-Jonkman approach and its modification for random-effects meta-analysis with
few studies. BMC Med Res Methodol 15:99. Tobin J (1958) Estimation of relationships for limited
dependent variables. Econometrica 26:24-36. Dempster AP, Laird NM, Rubin DB (1977) Maximum
likelihood from incomplete data via the EM algorithm. JRSS B 39:1-38. Amemiya T (1984) Tobit
models: a survey. J Econometrics 24:3-61.

>>> import numpy as np
>>> out = pool_arrays(
...     low=np.array([9000.0, 10000.0, 11000.0]),
...     high=np.array([11000.0, 12000.0, 13000.0]),
...     best=np.full(3, np.nan),
...     weight=np.ones(3),
...     starts=np.array([0]),
...     positive=np.array([True]),
... )
>>> round(out.best[0]), bool(out.low[0] < 10_000 < out.high[0])
(10969, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from scipy import special, stats

from estimates.errors import ReconcileError
from estimates.reconciliation._evidence import NumberWriter, plain_number
from estimates.reconciliation._segments import segment_ids, segment_max, segment_sum
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from estimates.reconciliation.methods import Combined, Evidence

__all__ = ["PoolOptions", "Pooled", "pool_arrays", "pool_options", "pooled_mean"]


_MAX_ITER = 500


@dataclass(frozen=True)
class PoolOptions:
    """The settings of :func:`pooled`, validated; see the module docstring for their meaning.

    >>> PoolOptions().level
    0.95
    """

    level: float = 0.95
    interval_level: float = 0.9
    default_error: float = 0.1
    min_error: float = 0.01
    hk: str = "modified"
    scale: str = "auto"


def _fraction(options: Mapping[str, object], name: str, default: float, *, upper: float) -> float:
    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReconcileError(f"option {name}={value!r} must be a number in (0, {upper})")
    x = float(value)
    if not (0 < x < upper):
        raise ReconcileError(f"option {name}={value!r} must be a number in (0, {upper})")
    return x


def _choice(
    options: Mapping[str, object], name: str, default: str, allowed: tuple[str, ...]
) -> str:
    value = options.get(name, default)
    if value not in allowed:
        raise ReconcileError(f"option {name}={value!r} must be one of {', '.join(allowed)}")
    return str(value)


def pool_options(options: Mapping[str, object]) -> PoolOptions:
    """Read and check the pooled method's options; other keys are left to other steps.

    Raises :class:`~estimates.errors.ReconcileError` naming the option, the value given and
    what is allowed.

    >>> pool_options({"level": 0.9, "hk": "plain"}).hk
    'plain'
    >>> pool_options({"level": 1.5})
    Traceback (most recent call last):
    ...
    estimates.errors.ReconcileError: option level=1.5 must be a number in (0, 1)
    """
    return PoolOptions(
        level=_fraction(options, "level", 0.95, upper=1),
        interval_level=_fraction(options, "interval_level", 0.9, upper=1),
        default_error=_fraction(options, "default_error", 0.1, upper=1),
        min_error=_fraction(options, "min_error", 0.01, upper=1),
        hk=_choice(options, "hk", "modified", ("modified", "plain")),
        scale=_choice(options, "scale", "auto", ("auto", "log", "linear")),
    )


@dataclass(frozen=True)
class Pooled:
    """Per-segment result of :func:`pool_arrays`: ``tau2`` is on the working scale (of logs,
    or in the figures' units squared on the linear one); ``k`` counts the usable claims.

    >>> Pooled.__dataclass_fields__.keys() >= {"low", "best", "high", "note"}
    True
    """

    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    note: tuple[str | None, ...]
    tau2: FloatArray
    k: IntArray
    log_scale: BoolArray


def _seg_count(mask: BoolArray, starts: IntArray) -> IntArray:
    return np.rint(segment_sum(mask.astype(float), starts)).astype(np.intp)


def _random_effects(
    y: FloatArray, v: FloatArray, use: BoolArray, starts: IntArray, seg: IntArray, k: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """DerSimonian–Laird ``tau²``, the random-effects mean, ``Σw*`` and the HK multiplier ``q``."""
    y0 = np.where(use, y, 0.0)
    w = np.where(use, 1.0 / v, 0.0)
    sw = segment_sum(w, starts)
    safe_sw = np.where(sw > 0, sw, 1.0)
    mu_fe = segment_sum(w * y0, starts) / safe_sw
    q_stat = segment_sum(w * (y0 - mu_fe[seg]) ** 2, starts)
    c = sw - segment_sum(w * w, starts) / safe_sw
    df = np.maximum(k - 1, 0).astype(float)
    # DerSimonian & Laird (1986), eq. 8: the moment estimator, truncated at zero
    tau2 = np.where(c > 0, np.maximum(0.0, (q_stat - df) / np.where(c > 0, c, 1.0)), 0.0)
    ws = np.where(use, 1.0 / (v + tau2[seg]), 0.0)
    sws = segment_sum(ws, starts)
    safe_sws = np.where(sws > 0, sws, 1.0)
    mu = segment_sum(ws * y0, starts) / safe_sws
    # Hartung & Knapp (2001): the weighted residual variance around the random-effects mean
    q = segment_sum(ws * (y0 - mu[seg]) ** 2, starts) / np.where(df > 0, df, 1.0)
    return mu, tau2, safe_sws, q


def _censored_mean(
    mu: FloatArray, s: FloatArray, bound: FloatArray, lower: BoolArray
) -> FloatArray:
    """``E[y | y > c]`` (``lower``) or ``E[y | y < c]`` for ``y ~ N(mu, s²)``: the inverse Mills
    ratio, computed in logs so that a bound far in the tail stays finite."""
    a = (bound - mu) / s
    # lower bound: mu + s·φ(a)/Φ(-a); upper bound: mu - s·φ(a)/Φ(a)
    log_phi = -0.5 * a * a - 0.5 * math.log(2 * math.pi)
    tail = np.where(lower, special.log_ndtr(-a), special.log_ndtr(a))
    mills = np.exp(log_phi - tail)
    out: FloatArray = np.where(lower, mu + s * mills, mu - s * mills)
    return out


_LOG_MAX = math.log(np.finfo(np.float64).max)


def _back(x: FloatArray, log_seg: BoolArray, unit: FloatArray) -> FloatArray:
    """Back from the working scale (``exp`` on log segments, times ``unit`` on linear ones);
    an end beyond the largest float is infinite: unbounded, not a figure."""
    # a unit below 1 cannot carry a finite working value past the float range
    limit = np.where(log_seg, _LOG_MAX, np.finfo(np.float64).max / np.maximum(unit, 1.0))
    over = x > limit
    below = ~log_seg & (x < -limit)
    safe = np.where(over | below, 0.0, x)
    out = np.where(log_seg, np.exp(safe, out=np.zeros(x.shape), where=log_seg), safe * unit)
    return np.where(over, np.inf, np.where(below, -np.inf, out))


def pool_arrays(
    *,
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    weight: FloatArray,
    starts: IntArray,
    positive: BoolArray,
    closed_left: BoolArray | None = None,
    closed_right: BoolArray | None = None,
    options: Mapping[str, object] | None = None,
    number: NumberWriter = plain_number,
) -> Pooled:
    """Pool grouped rows (segments start at ``starts``) by random effects; the array core.

    ``low``/``high`` are ``-inf``/``+inf`` where unbounded, ``best`` NaN where not stated;
    ``number`` writes the figures of the notes. See the module docstring for every rule.

    A "more than 14,000" beside three figures near 10,000 pulls the estimate up:

    >>> low, high = np.array([9000.0, 9500, 10000, 14000]), np.array([11000.0, 11500, 12000, np.inf])
    >>> out = pool_arrays(low=low, high=high, best=np.full(4, np.nan), weight=np.ones(4),
    ...                   starts=np.array([0]), positive=np.array([True]))
    >>> int(out.best[0]), out.note
    (11243, (None,))
    """
    opts = pool_options(options or {})
    # NaN and infinite bounds both mean "not stated" here; the contract uses infinities
    low = np.nan_to_num(np.asarray(low, dtype=float), nan=-np.inf, neginf=-np.inf, posinf=np.inf)
    high = np.nan_to_num(np.asarray(high, dtype=float), nan=np.inf, neginf=-np.inf, posinf=np.inf)
    best = np.asarray(best, dtype=float)
    weight = np.asarray(weight, dtype=float)
    starts = np.asarray(starts, dtype=np.intp)
    positive = np.asarray(positive, dtype=bool)
    n, m = low.size, starts.size
    cl = np.ones(n, bool) if closed_left is None else np.asarray(closed_left, dtype=bool)
    cr = np.ones(n, bool) if closed_right is None else np.asarray(closed_right, dtype=bool)
    if m == 0:
        empty = np.zeros(0)
        return Pooled(
            empty,
            empty,
            empty,
            np.zeros(0, bool),
            np.zeros(0, bool),
            (),
            empty,
            np.zeros(0, np.intp),
            np.zeros(0, bool),
        )
    seg = segment_ids(starts, n)
    # a canonical row order inside each segment: sums (and the EM iterations) then run in the
    # same order whatever order the rows came in, so the answer does not depend on it at all
    canon = np.lexsort((cr, cl, weight, best, high, low, seg))
    rows = _read_rows(
        low[canon], high[canon], best[canon], weight[canon], cl[canon], cr[canon], positive[seg]
    )
    scale = _working_scale(rows, positive, seg, starts, opts)
    n_point = _seg_count(rows.point, starts)
    k = n_point + _seg_count(rows.censored, starts)
    out = _Answer.empty(m)
    _answer_single(out, rows, starts, k == 1)
    _answer_one_sided(out, rows, starts, k, (k >= 2) & (n_point == 0), number)
    for i in np.flatnonzero(k == 0):
        out.notes[i] = "no usable figure: every claim lacks both a best value and a bound"
    pool = (k >= 2) & (n_point >= 1)
    tau2 = np.full(m, np.nan)
    if np.any(pool):
        studies = _studies(rows, scale, starts, seg, opts)
        tau2 = _answer_pooled(out, rows, scale, studies, positive, pool, n_point, starts, seg, opts)
    return Pooled(
        low=out.low,
        best=out.best,
        high=out.high,
        closed_left=out.cl,
        closed_right=out.cr,
        note=tuple(out.notes),
        tau2=tau2,
        k=k,
        log_scale=scale.log_seg,
    )


@dataclass(frozen=True)
class _Rows:
    """The rows in their canonical order and how each reads: a ``point`` (a best, or two
    sides), a censored figure (one side: ``lower_c`` above a bound, ``upper_c`` below one), or
    nothing usable (no weight, or no figure)."""

    low: FloatArray
    high: FloatArray
    best: FloatArray
    weight: FloatArray
    cl: BoolArray
    cr: BoolArray
    low_given: BoolArray
    high_given: BoolArray
    best_given: BoolArray
    point: BoolArray
    lower_c: BoolArray
    upper_c: BoolArray
    censored: BoolArray
    use: BoolArray


def _read_rows(
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    weight: FloatArray,
    cl: BoolArray,
    cr: BoolArray,
    pos_row: BoolArray,
) -> _Rows:
    """How each row reads (see :class:`_Rows`)."""
    # on a count, a low of 0 ("up to 8,000" read as [0, 8000]) is no information below
    low_given = np.isfinite(low) & ~(pos_row & (low <= 0))
    high_given = np.isfinite(high)
    best_given = np.isfinite(best)
    # a row without prior weight says nothing (the contract promises weights > 0; this keeps
    # a zero from being read as full weight below)
    weighted = np.isfinite(weight) & (weight > 0)
    point = (best_given | (low_given & high_given)) & weighted
    lower_c = ~point & low_given & ~high_given & weighted
    upper_c = ~point & high_given & ~low_given & weighted
    censored = lower_c | upper_c
    return _Rows(
        low=low, high=high, best=best, weight=weight, cl=cl, cr=cr, low_given=low_given,
        high_given=high_given, best_given=best_given, point=point, lower_c=lower_c,
        upper_c=upper_c, censored=censored, use=point | censored,
    )  # fmt: skip


@dataclass(frozen=True)
class _Scale:
    """The working scale: per segment whether it is the log scale (``log_seg``) and, on the
    linear one, the ``unit`` its figures are measured in (1 on the log scale), and whether its
    figures are all exactly zero (``all_zero``); per row the first two (``log_row``,
    ``unit_row``)."""

    log_seg: BoolArray
    unit: FloatArray
    all_zero: BoolArray
    log_row: BoolArray
    unit_row: FloatArray
    use: BoolArray

    def fwd(self, x: FloatArray) -> FloatArray:
        """Figures onto the working scale."""
        # the log only where it is defined; on a log row a figure at or below zero (only an
        # unstated side, -inf) becomes NaN, and such values are never read below
        logged = np.log(x, out=np.full(x.shape, np.nan), where=self.log_row & (x > 0))
        # a used row's figures are at most the unit in size; an unused row's are never read
        scaled = np.divide(x, self.unit_row, out=np.zeros(x.shape), where=self.use & ~self.log_row)
        out: FloatArray = np.where(self.log_row, logged, scaled)
        return out


def _working_scale(
    rows: _Rows, positive: BoolArray, seg: IntArray, starts: IntArray, opts: PoolOptions
) -> _Scale:
    """The log scale for positive counts whose figures are all above zero (unless the option
    ``scale`` says otherwise), else the linear scale in units of the segment's largest figure."""
    low, high, best = rows.low, rows.high, rows.best
    low_given, high_given, best_given = rows.low_given, rows.high_given, rows.best_given
    # every stated figure counts: a range [-5, 5] with a best of 1 cannot be read on a log scale
    nonpos = (best_given & (best <= 0)) | (low_given & (low <= 0)) | (high_given & (high <= 0))
    any_nonpos = segment_sum(nonpos.astype(float), starts) > 0
    m = starts.size
    if opts.scale == "log":
        if np.any(any_nonpos):
            bad = int(np.flatnonzero(any_nonpos)[0])
            raise ReconcileError(
                f"scale='log' needs figures above zero; segment {bad} has one at or below zero"
            )
        log_seg = np.ones(m, bool)
    elif opts.scale == "linear":
        log_seg = np.zeros(m, bool)
    else:
        log_seg = positive & ~any_nonpos
    # the size of each segment: its largest stated figure. The linear scale works in units of
    # it, so that the arithmetic (squares, inverse variances) stays far from float overflow and
    # underflow at any magnitude, and scaling every figure scales the answer exactly
    size = np.maximum(
        np.abs(np.where(best_given, best, 0.0)),
        np.maximum(np.abs(np.where(low_given, low, 0.0)), np.abs(np.where(high_given, high, 0.0))),
    )
    scale_lin = segment_max(np.where(rows.use, size, 0.0), starts)
    # every figure zero: there is no size to measure an error by; such a segment is answered
    # without it (the 1 here only keeps the arithmetic finite)
    unit = np.where(log_seg | (scale_lin == 0), 1.0, scale_lin)
    return _Scale(
        log_seg=log_seg, unit=unit, all_zero=(scale_lin == 0) & ~log_seg, log_row=log_seg[seg],
        unit_row=unit[seg], use=rows.use,
    )  # fmt: skip


class _Studies(NamedTuple):
    """Each row as a study on the working scale: its estimate ``y``, its variance ``v``, and
    for a censored figure its ``bound``."""

    y: FloatArray
    v: FloatArray
    bound: FloatArray


def _studies(
    rows: _Rows, scale: _Scale, starts: IntArray, seg: IntArray, opts: PoolOptions
) -> _Studies:
    """Each row as a study (interval semantics: the module docstring, 2); its variance is
    divided by its share of the segment's largest prior weight."""
    low, high, best = rows.low, rows.high, rows.best
    best_given, low_given, high_given = rows.best_given, rows.low_given, rows.high_given
    two_sided, use, fwd = low_given & high_given, rows.use, scale.fwd
    z = float(stats.norm.ppf((1 + opts.interval_level) / 2))
    g_low, g_high, g_best = fwd(low), fwd(high), fwd(best)
    # midpoints and widths only of two-sided ranges: elsewhere a side is infinite (or NaN on
    # the log scale), and -inf + inf would be a NaN; those rows never read these values
    mid = np.zeros(low.size)
    np.add(g_low, g_high, out=mid, where=two_sided)
    y = np.where(best_given, g_best, mid / 2)
    spread = np.zeros(low.size)
    np.subtract(g_high, g_low, out=spread, where=two_sided)
    sd_range = spread / (2 * z)
    # a figure without a two-sided range: best·(1 ± default_error) read as the same interval,
    # whose half-width is log((1 + e) / (1 - e)) / 2 on the log scale, |best|·e on the linear
    anchor = np.where(best_given, best, np.where(low_given, low, np.where(high_given, high, 0.0)))
    e = opts.default_error
    sd_default = np.where(
        scale.log_row, (math.log1p(e) - math.log1p(-e)) / (2 * z), np.abs(fwd(anchor)) * e / z
    )
    sd = np.where(rows.point & two_sided, sd_range, sd_default)
    # the floor: 1 % on the log scale, 1 % of the segment's largest figure on the linear one
    sd = np.maximum(np.where(use, sd, 1.0), opts.min_error)
    top_w = segment_max(np.where(use, rows.weight, 0.0), starts)
    rel_w = np.where(use, rows.weight / np.where(top_w > 0, top_w, 1.0)[seg], 1.0)
    v = np.where(use, sd * sd / rel_w, 1.0)
    return _Studies(y=y, v=v, bound=np.where(rows.lower_c, g_low, g_high))


@dataclass
class _Answer:
    """The per-segment answer as it is filled in, one kind of segment at a time."""

    low: FloatArray
    high: FloatArray
    best: FloatArray
    cl: BoolArray
    cr: BoolArray
    notes: list[str | None]

    @classmethod
    def empty(cls, m: int) -> _Answer:
        return cls(
            low=np.full(m, -np.inf), high=np.full(m, np.inf), best=np.full(m, np.nan),
            cl=np.zeros(m, bool), cr=np.zeros(m, bool), notes=[None] * m,
        )  # fmt: skip


def _answer_single(out: _Answer, rows: _Rows, starts: IntArray, single: BoolArray) -> None:
    """A segment with one usable claim: its own range."""
    if not np.any(single):
        return
    n = rows.low.size
    first_use = np.minimum.reduceat(np.where(rows.use, np.arange(n), n), starts)
    r = first_use[single]
    out.low[single] = rows.low[r]
    out.high[single] = rows.high[r]
    out.best[single] = rows.best[r]
    out.cl[single] = rows.cl[r] & np.isfinite(rows.low[r])
    out.cr[single] = rows.cr[r] & np.isfinite(rows.high[r])
    for i in np.flatnonzero(single & ~np.isfinite(out.best)):
        out.notes[i] = "one usable claim, with no central figure: its range is returned as stated"


def _answer_one_sided(
    out: _Answer,
    rows: _Rows,
    starts: IntArray,
    k: IntArray,
    only_c: BoolArray,
    number: NumberWriter,
) -> None:
    """A segment with only one-sided figures: the intersection of their bounds, no central
    value (bounds that cross give the gap between them)."""
    if not np.any(only_c):
        return
    lo_b = np.maximum.reduceat(np.where(rows.lower_c, rows.low, -np.inf), starts)
    hi_b = np.minimum.reduceat(np.where(rows.upper_c, rows.high, np.inf), starts)
    for i in np.flatnonzero(only_c):
        lo_i, hi_i = lo_b[i], hi_b[i]
        if lo_i > hi_i:
            out.low[i], out.high[i] = hi_i, lo_i
            out.cl[i] = out.cr[i] = True
            out.notes[i] = (
                f"only one-sided figures, and they conflict: above {number(lo_i)} yet below "
                f"{number(hi_i)}; the range spans the gap between them, with no central value"
            )
        else:
            out.low[i], out.high[i] = lo_i, hi_i
            out.cl[i] = bool(np.isfinite(lo_i))
            out.cr[i] = bool(np.isfinite(hi_i))
            out.notes[i] = (
                f"only one-sided figures ({k[i]}): their bounds are combined, "
                "but they cannot locate a central value"
            )


def _answer_pooled(
    out: _Answer,
    rows: _Rows,
    scale: _Scale,
    studies: _Studies,
    positive: BoolArray,
    pool: BoolArray,
    n_point: IntArray,
    starts: IntArray,
    seg: IntArray,
    opts: PoolOptions,
) -> FloatArray:
    """The segments of ``pool`` (two usable claims or more, a point among them): random
    effects with censored figures, the interval taken back to the figures' scale. Returns
    ``tau²`` per segment in the figures' units (NaN outside the pool)."""
    in_pool = pool[seg]
    pt = rows.point & in_pool
    cens = rows.censored & in_pool
    # tau² and the residual spread come from the point figures alone: a censored figure
    # says where the source's figure is not, which locates the mean but says little about
    # the spread, and counting it as a full study would shrink the interval it cannot support
    mu, tau2, _, q = _random_effects(studies.y, studies.v, pt, starts, seg, n_point)
    s = np.sqrt(studies.v + tau2[seg])
    sw_pt = segment_sum(np.where(pt, 1.0 / s**2, 0.0), starts)
    share_c = np.zeros(rows.low.size)
    if np.any(cens):
        mu, q, share_c = _censored(
            mu, s, studies, pt, cens, rows.lower_c, pool, n_point, starts, seg
        )
    sws = sw_pt + segment_sum(share_c / s**2, starts)
    sws = np.where(sws > 0, sws, 1.0)  # segments outside the pool: any positive number
    # with a single point figure there is no residual to measure the spread with
    q = np.where(n_point >= 2, q, 1.0)
    multiplier = np.maximum(q, 1.0) if opts.hk == "modified" else q
    # degrees of freedom: the point figures', plus each bound's share of a study's information
    df_eff = n_point - 1 + segment_sum(share_c, starts)
    t = stats.t.ppf((1 + opts.level) / 2, np.maximum(df_eff, 1.0))
    half = t * np.sqrt(multiplier / sws)
    log_seg, unit = scale.log_seg, scale.unit
    back_lo, back_mu, back_hi = (_back(x, log_seg, unit) for x in (mu - half, mu, mu + half))
    # figures that are all exactly zero agree exactly, and have no size to set an error by
    zero = pool & scale.all_zero
    back_lo, back_mu, back_hi = (np.where(zero, 0.0, x) for x in (back_lo, back_mu, back_hi))
    # a count cannot be negative: an interval for the mean of figures near zero ends at zero
    back_lo, back_mu, back_hi = (
        np.where(positive & (x < 0), 0.0, x) for x in (back_lo, back_mu, back_hi)
    )
    out.low = np.where(pool, back_lo, out.low)
    out.high = np.where(pool, back_hi, out.high)
    # a best past the largest float is no figure: NaN, with the note below
    out.best = np.where(pool, np.where(np.isfinite(back_mu), back_mu, np.nan), out.best)
    # an end past the largest float is unbounded, not a figure
    out.cl = np.where(pool, np.isfinite(back_lo), out.cl)
    out.cr = np.where(pool, np.isfinite(back_hi), out.cr)
    finite = np.isfinite(back_lo) & np.isfinite(back_mu) & np.isfinite(back_hi)
    for i in np.flatnonzero(pool & ~finite):
        out.notes[i] = (
            "the pooled figure or its interval lies beyond the largest number a float "
            "holds: that end is unbounded"
        )
    # tau² back in the figures' units (squared) on the linear scale; past the float range
    # it is infinite, as the interval is
    tau_lin = np.sqrt(tau2) * np.where(log_seg, 1.0, unit)
    big = tau_lin > 1e150
    tau2_lin = np.where(big, np.inf, np.where(big, 0.0, tau_lin) ** 2)
    result: FloatArray = np.where(pool, tau2_lin, np.nan)
    return result


def _censored(
    mu: FloatArray,
    s: FloatArray,
    studies: _Studies,
    pt: BoolArray,
    cens: BoolArray,
    lower_c: BoolArray,
    pool: BoolArray,
    n_point: IntArray,
    starts: IntArray,
    seg: IntArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The mean with the censored figures (the EM fixed point of the censored likelihood, with
    tau² held at the points' value), the points' residual spread around it, and each censored
    figure's share of a point's information about the mean."""
    c0 = np.where(cens, studies.bound, 0.0)
    y0 = np.where(pt, studies.y, 0.0)
    for _ in range(_MAX_ITER):
        imputed = _censored_mean(mu[seg], s, c0, lower_c)
        y_c = np.where(cens, imputed, y0)
        w_all = np.where(pt | cens, 1.0 / s**2, 0.0)
        sw_all = segment_sum(w_all, starts)
        new_mu = segment_sum(w_all * y_c, starts) / np.where(sw_all > 0, sw_all, 1.0)
        moved = np.abs(new_mu - mu)
        mu = np.where(pool, new_mu, mu)
        if not np.any((moved > 1e-12 * (1 + np.abs(mu))) & pool):
            break
    # the Fisher information about mu of a censored normal figure, a share
    # lambda·(lambda - a) in (0, 1) of a point's (Amemiya 1984, eq. 3.8 ff.)
    a = np.where(lower_c, (c0 - mu[seg]) / s, (mu[seg] - c0) / s)
    log_phi = -0.5 * a * a - 0.5 * math.log(2 * math.pi)
    lam = np.exp(log_phi - special.log_ndtr(-a))
    share_c = np.where(cens, np.clip(lam * (lam - a), 0.0, 1.0), 0.0)
    # the residual spread of the points around the censoring-aware mean
    df_pt = np.maximum(n_point - 1, 1).astype(float)
    w_pt = np.where(pt, 1.0 / s**2, 0.0)
    q = segment_sum(w_pt * (y0 - mu[seg]) ** 2, starts) / df_pt
    return mu, q, share_c


def pooled_mean(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """Random-effects interval for the mean of the sources (the ``pooled_mean`` method).

    DerSimonian–Laird ``tau²`` with a Hartung–Knapp–Sidik–Jonkman interval whose variance
    multiplier is floored at 1 (Knapp & Hartung 2003; Röver et al. 2015), on the log scale
    for positive counts; ranges read as central ``interval_level`` intervals; one-sided
    figures as censored observations. Every rule and reference is in the module docstring.

    >>> import numpy as np
    >>> from estimates.reconciliation.methods import Evidence
    >>> ev = Evidence(
    ...     low=np.array([9000.0, 10000.0, 11000.0]), high=np.array([11000.0, 12000.0, 13000.0]),
    ...     best=np.full(3, np.nan), closed_left=np.ones(3, bool), closed_right=np.ones(3, bool),
    ...     weight=np.ones(3), source=np.array([0, 1, 2]), source_names=("a", "b", "c"),
    ...     reliability=np.array([None] * 3, dtype=object), starts=np.array([0]),
    ...     quantities=("troops",), positive=np.array([True]))
    >>> out = pooled_mean(ev, {})
    >>> round(out.best[0])
    10969
    """
    from estimates.reconciliation.methods import Combined

    res = pool_arrays(
        low=ev.low,
        high=ev.high,
        best=ev.best,
        weight=ev.weight,
        starts=ev.starts,
        positive=ev.positive,
        closed_left=ev.closed_left,
        closed_right=ev.closed_right,
        options=options,
        number=ev.write,
    )
    return Combined(
        low=res.low,
        best=res.best,
        high=res.high,
        closed_left=res.closed_left,
        closed_right=res.closed_right,
        note=res.note,
    )
