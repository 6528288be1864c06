"""Cooke's Classical Model: how far to trust each source, learned from questions already resolved.

A source answers a question with quantiles: values below which it puts the true value with
stated probabilities (an expert's 5 %, 50 % and 95 %). When the true values of some questions
become known, two scores per source follow (Cooke 1991, *Experts in Uncertainty*, ch. 12):

- **Calibration** — where the truths fall among the source's quantiles. With quantiles at
  cumulative probabilities ``P_1 < ... < P_K`` there are ``K + 1`` bins of probabilities
  ``p = (P_1, P_2 - P_1, ..., 1 - P_K)``; a source whose truths land in the bins with
  frequencies ``s`` over ``N`` questions has ``2 N I(s, p)`` (``I`` the relative information
  ``Σ s log(s / p)``) asymptotically chi-square with ``K`` degrees of freedom if it is well
  calibrated, and its calibration is the p-value ``C = 1 - χ²_K(2 N I(s, p))``: near 1 for a
  source whose 90 % ranges hold nine times in ten, near 0 for one whose ranges are too narrow
  (or too wide).
- **Information** — how concentrated the source's answers are relative to a background measure:
  uniform (or log-uniform on a log scale) over the question's *intrinsic range*, the span of
  every source's quantiles and the truth, widened by an overshoot of 10 % on each side. Each
  answer is read as piecewise uniform between its quantiles and the ends of the intrinsic
  range; its information is ``Σ p log(p / r)`` with ``r`` the background's share of each bin,
  and a source's information is the mean over its resolved questions.

A source's **global weight** is ``C × I``, set to zero when ``C`` falls below a cut-off ``α``
and normalised over the sources. Cooke's optimised decision maker picks ``α`` so that the
mixture of the sources' answers under these weights scores best itself
(:func:`optimise_cutoff`).

When the sources' quantiles are not at the same probabilities on every question (claims at
different levels), each answer's own bin probabilities are averaged over the source's
questions to give the ``p`` of its test: the expected frequencies of the bins it was scored in.

This module works on arrays: one row per answer (a source's quantiles for one question), with
the row's ``source`` and ``question`` codes; values are already on the working scale (logs for
a log scale). Rows whose question has no known truth are ignored by the scores.

References: Cooke RM (1991) Experts in Uncertainty: Opinion and Subjective Probability in
Science. Oxford University Press. Cooke RM, Goossens LHJ (2008) TU Delft expert judgment data
base. Reliability Engineering & System Safety 93:657-674.

>>> import numpy as np
>>> points = np.array([[1.0, 5.0, 9.0], [4.0, 5.0, 6.0]] * 3)
>>> probs = np.tile([0.05, 0.5, 0.95], (6, 1))
>>> source = np.array([0, 1] * 3)
>>> question = np.repeat([0, 1, 2], 2)
>>> truth = np.array([5.5, 8.0, 2.0])
>>> s = scores(points, probs, source, question, truth, n_sources=2)
>>> bool(s.calibration[0] > s.calibration[1]), bool(s.information[1] > s.information[0])
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from estimates.errors import ReconcileError
from estimates.reconciliation.stages.arrays import FloatArray, IntArray

__all__ = [
    "OVERSHOOT",
    "Scores",
    "bin_of",
    "global_weights",
    "intrinsic_range",
    "mixture_quantiles",
    "optimise_cutoff",
    "scores",
]


#: The share of the question's span added on each side of the intrinsic range (Cooke's k = 10 %).
OVERSHOOT = 0.1


@dataclass(frozen=True)
class Scores:
    """Per source: ``calibration`` (a p-value in [0, 1]), ``information`` (>= 0, mean over its
    resolved questions) and ``n_questions`` (its resolved answers); NaN scores where it answered
    no resolved question.

    >>> Scores(np.array([0.5]), np.array([1.2]), np.array([10])).n_questions.tolist()
    [10]
    """

    calibration: FloatArray
    information: FloatArray
    n_questions: IntArray


def _bin_probs(probs: FloatArray) -> FloatArray:
    """Per row, the probabilities of the ``K + 1`` bins that ``K`` cumulative probabilities cut."""
    n = probs.shape[0]
    edges = np.concatenate([np.zeros((n, 1)), probs, np.ones((n, 1))], axis=1)
    out: FloatArray = np.diff(edges, axis=1)
    return out


def bin_of(points: FloatArray, truth: FloatArray) -> IntArray:
    """Per row, the bin of the truth among the row's quantiles (0 below the first, ``K`` above
    the last); a truth equal to a quantile falls in the bin above it.

    >>> bin_of(np.array([[1.0, 5.0, 9.0]] * 3), np.array([0.0, 5.0, 10.0])).tolist()
    [0, 2, 3]
    """
    result: IntArray = (points <= truth[:, None]).sum(axis=1).astype(np.intp)
    return result


def intrinsic_range(
    points: FloatArray,
    question: IntArray,
    truth: FloatArray,
    n_questions: int,
    *,
    overshoot: float = OVERSHOOT,
) -> tuple[FloatArray, FloatArray]:
    """Per question, the intrinsic range: the span of all answers' quantiles and the truth
    (where known), widened by ``overshoot`` times that span on each side.

    A question whose answers and truth all coincide gets a span of 1 % of its size (or 1).

    >>> lo, hi = intrinsic_range(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 11.0]]),
    ...                          np.array([0, 0]), np.array([np.nan]), 1)
    >>> lo.tolist(), hi.tolist()
    ([0.0], [12.0])
    """
    lo = np.full(n_questions, np.inf)
    hi = np.full(n_questions, -np.inf)
    np.minimum.at(lo, question, points.min(axis=1))
    np.maximum.at(hi, question, points.max(axis=1))
    known = np.isfinite(truth)
    lo = np.where(known, np.fmin(lo, truth), lo)
    hi = np.where(known, np.fmax(hi, truth), hi)
    span = hi - lo
    tiny = np.where(np.isfinite(lo), 0.01 * np.maximum(np.abs(lo), np.abs(hi)), 1.0)
    span = np.where(span > 0, span, np.where(tiny > 0, tiny, 1.0))
    return lo - overshoot * span, hi + overshoot * span


def scores(
    points: FloatArray,
    probs: FloatArray,
    source: IntArray,
    question: IntArray,
    truth: FloatArray,
    *,
    n_sources: int,
    overshoot: float = OVERSHOOT,
    ranges: tuple[FloatArray, FloatArray] | None = None,
) -> Scores:
    """Calibration and information of every source on the questions whose ``truth`` is known.

    ``points`` (rows × K, ascending along a row) are the quantiles of each answer at the
    cumulative ``probs`` (rows × K); ``truth`` has one entry per question (NaN: unresolved).
    Intrinsic ranges are taken over every answer of a question, resolved or not, unless given
    as ``ranges`` (per question low and high ends, as :func:`intrinsic_range` returns them).

    >>> pts = np.array([[0.0, 1.0, 2.0]] * 4)
    >>> s = scores(pts, np.tile([0.05, 0.5, 0.95], (4, 1)), np.array([0, 0, 0, 0]),
    ...            np.array([0, 1, 2, 3]), np.array([1.5, 0.5, 1.2, 0.8]), n_sources=1)
    >>> round(float(s.calibration[0]), 3), s.n_questions.tolist()
    (0.839, [4])
    """
    points = np.asarray(points, dtype=float)
    probs = np.asarray(probs, dtype=float)
    if points.ndim != 2 or points.shape != probs.shape:
        raise ReconcileError("quantiles and their probabilities must be rows of the same length")
    n_q = truth.size
    if ranges is None:
        lo, hi = intrinsic_range(points, question, truth, n_q, overshoot=overshoot)
    else:
        lo, hi = ranges
    t = truth[question]
    use = np.isfinite(t)
    p = _bin_probs(probs)
    k = points.shape[1]
    # observed bin counts and expected bin probabilities per source
    b = bin_of(points, np.where(use, t, 0.0))
    counts = np.zeros((n_sources, k + 1))
    np.add.at(counts, (source[use], b[use]), 1.0)
    expected = np.zeros((n_sources, k + 1))
    np.add.at(expected, source[use], p[use])
    n = counts.sum(axis=1)
    has = n > 0
    safe_n = np.where(has, n, 1.0)
    s_freq = counts / safe_n[:, None]
    p_mean = expected / safe_n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s_freq > 0, s_freq * np.log(s_freq / p_mean), 0.0)
    rel_info = terms.sum(axis=1)
    calibration = np.where(has, stats.chi2.sf(2.0 * n * rel_info, k), np.nan)
    # information: the answer as piecewise uniform between its quantiles and the range's ends
    edges = np.concatenate([lo[question][:, None], points, hi[question][:, None]], axis=1)
    widths = np.diff(edges, axis=1)
    span = (hi - lo)[question][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.maximum(widths, 0.0) / span
        info_terms = np.where(p > 0, p * np.log(p / np.maximum(r, 1e-300)), 0.0)
    info_row = info_terms.sum(axis=1)
    info_sum = np.bincount(source[use], weights=info_row[use], minlength=n_sources)
    information = np.where(has, info_sum / safe_n, np.nan)
    return Scores(
        calibration=calibration,
        information=information,
        n_questions=n.astype(np.intp),
    )


def global_weights(s: Scores, *, cutoff: float = 0.0) -> FloatArray:
    """Normalised global weights ``C × I`` (zero below the calibration ``cutoff``, and for a
    source with no resolved answer); all zero when no source passes.

    >>> global_weights(Scores(np.array([0.5, 0.01]), np.array([1.0, 3.0]), np.array([5, 5])),
    ...                cutoff=0.05).tolist()
    [1.0, 0.0]
    """
    c = np.nan_to_num(s.calibration, nan=0.0)
    i = np.nan_to_num(s.information, nan=0.0)
    raw = np.where(c >= cutoff, c * i, 0.0)
    raw = np.where(s.n_questions > 0, raw, 0.0)
    total = raw.sum()
    out: FloatArray = raw / total if total > 0 else np.zeros_like(raw)
    return out


def mixture_quantiles(
    points: FloatArray,
    probs: FloatArray,
    weight: FloatArray,
    question: IntArray,
    lo: FloatArray,
    hi: FloatArray,
    targets: FloatArray,
    n_questions: int,
) -> FloatArray:
    """Quantiles (questions × targets) of each question's weighted mixture of piecewise-uniform
    answers (the decision maker of the Classical Model), found exactly on the breakpoints.

    ``weight`` is per row and normalised inside each question here; ``lo``/``hi`` are per
    question. A question whose rows all weigh zero gets NaN.

    >>> q = mixture_quantiles(np.array([[2.0, 5.0, 8.0]]), np.array([[0.05, 0.5, 0.95]]),
    ...                       np.array([1.0]), np.array([0]), np.array([0.0]), np.array([10.0]),
    ...                       np.array([0.05, 0.5]), 1)
    >>> q.tolist()
    [[2.0, 5.0]]
    """
    out = np.full((n_questions, targets.size), np.nan)
    for qn in range(n_questions):
        rows = np.flatnonzero((question == qn) & (weight > 0))
        if rows.size == 0:
            continue
        w = weight[rows] / weight[rows].sum()
        edges = np.concatenate(
            [np.full((rows.size, 1), lo[qn]), points[rows], np.full((rows.size, 1), hi[qn])],
            axis=1,
        )
        cum = np.concatenate(
            [np.zeros((rows.size, 1)), probs[rows], np.ones((rows.size, 1))], axis=1
        )
        grid = np.unique(edges)
        mix = np.zeros(grid.size)
        for j in range(rows.size):
            mix += w[j] * np.interp(grid, edges[j], cum[j])
        # the mixture is piecewise linear between the breakpoints: invert it there
        mix = np.maximum.accumulate(mix)
        out[qn] = np.interp(targets, mix, grid)
    return out


def optimise_cutoff(
    points: FloatArray,
    probs: FloatArray,
    source: IntArray,
    question: IntArray,
    truth: FloatArray,
    *,
    n_sources: int,
    overshoot: float = OVERSHOOT,
) -> tuple[float, FloatArray]:
    """Cooke's optimised decision maker: the calibration cut-off ``α`` (among 0 and the sources'
    own calibrations) whose weighted mixture scores best on the resolved questions, by the same
    unnormalised weight ``C × I`` a source gets; returns ``α`` and the global weights under it.

    Every row must use the same probabilities (the decision maker states its quantiles at them).

    >>> pts = np.array([[1.0, 5.0, 9.0], [4.0, 5.0, 6.0]] * 3)
    >>> probs = np.tile([0.05, 0.5, 0.95], (6, 1))
    >>> a, w = optimise_cutoff(pts, probs, np.array([0, 1] * 3), np.repeat([0, 1, 2], 2),
    ...                        np.array([5.5, 8.0, 2.0]), n_sources=2)
    >>> a, w.round(3).tolist()  # the narrow source is poorly calibrated, yet it helps the mixture
    (0.0, [0.155, 0.845])
    """
    s = scores(points, probs, source, question, truth, n_sources=n_sources, overshoot=overshoot)
    resolved = np.isfinite(truth)
    n_q = truth.size
    lo, hi = intrinsic_range(points, question, truth, n_q, overshoot=overshoot)
    target = probs[0]
    candidates = np.unique(np.r_[0.0, np.nan_to_num(s.calibration, nan=0.0)])
    best_alpha, best_score, best_w = 0.0, -np.inf, global_weights(s)
    dm_rows = np.flatnonzero(resolved)
    for alpha in candidates.tolist():
        w = global_weights(s, cutoff=alpha)
        if not np.any(w > 0):
            continue
        q = mixture_quantiles(points, probs, w[source], question, lo, hi, target, n_q)
        ok = dm_rows[np.all(np.isfinite(q[dm_rows]), axis=1)]
        if ok.size == 0:
            continue
        dm = scores(
            q[ok],
            np.tile(target, (ok.size, 1)),
            np.zeros(ok.size, dtype=np.intp),
            np.arange(ok.size, dtype=np.intp),
            truth[ok],
            n_sources=1,
            ranges=(lo[ok], hi[ok]),
        )
        score = float(dm.calibration[0] * dm.information[0])
        if score > best_score + 1e-12:
            best_alpha, best_score, best_w = alpha, score, w
    return best_alpha, best_w
