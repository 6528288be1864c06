"""Truth discovery: reconcile every quantity at once while learning how far to trust each source.

Two methods follow the method contract of :mod:`estimates.reconciliation.methods` (a function of an
:class:`~estimates.reconciliation.methods.Evidence` and a mapping of options, returning a
:class:`~estimates.reconciliation.methods.Combined`):

- :func:`crh` — CRH (Q. Li et al., "Resolving conflicts in heterogeneous data by truth discovery
  and source reliability estimation", SIGMOD 2014). A source's weight is
  ``w_s = -log(L_s / Σ_s' L_s')``, where ``L_s`` is the source's summed loss and the loss of a
  continuous claim is its distance to the truth over a per-quantity scale.
- :func:`catd` — CATD (Q. Li et al., "A confidence-aware approach for truth discovery on long-tail
  data", PVLDB 8(4), VLDB 2015). A source's weight is ``w_s = χ²(α/2, n_s) / Σ e²``: the lower
  end of a ``1 - α`` confidence interval on its precision, given its ``n_s`` normalised errors
  ``e``. A source with one lucky claim is not trusted blindly: ``χ²(0.025, 1) ≈ 0.001`` while
  ``χ²(0.025, 100) ≈ 74``.

Both alternate two steps until the truths stop moving: given the truths, each claim's error is
its distance to the truth over the quantity's scale, and each source's weight follows from its
errors; given the weights, each truth is found from the claims. With absolute loss (the
default) the library departs from the papers in four ways, each for a failure the papers'
steps show on real data (``published=True`` gives the papers' steps):

- **Clusters.** Where sources repeat exact figures, the weighted median lands between clusters
  (a figure nobody else states, between two groups that each agree). Where two independent
  sources agree on a figure (within ``tolerance``, default 0: exactly; a range agrees with every
  figure it holds), the answer is the agreed figure with the most learned weight behind it, as
  :mod:`estimates.reconciliation.plurality` chooses it; elsewhere it is the weighted median. The
  default tolerance is exact agreement, not the figures' rounding: these methods score a
  claim against an answer its own weight helped choose, and a round figure's wide window would
  let the most trusted source gather the support of every figure near its own.
- **Spread figures, a median between them.** Agreement is evidence only where a group of
  quantities and sources clusters on exact figures (:func:`~estimates.reconciliation._layout.clustered`:
  identical pairs of figures at least twice as common as pairs one rounding step apart). Where
  figures spread as rounded estimates do (ratings, guesses rounded to tens or fives), two
  sources agree by chance and the truth lies between rounded figures as often as on one: no
  figure wins by agreement, and the weighted median is read off a line through the figures
  (each at the middle of its weight, the plotting position of Hazen, "Storage to be provided in
  impounding reservoirs for municipal water supply", Trans. ASCE 77, 1914), drawn only between
  neighbours of one sign within a factor of ten, or whose rounding meets. A weighted median that
  jumps from one rounded figure to the next loses to the plain median, which averages the two
  middle figures; the line moves with the learned weights a little at a time.
- **No claim decides alone.** In the weighted median no claim weighs more than the strongest
  other claim of its quantity: the learned weights rank the sources, but one source, however
  trusted, cannot set a quantity against every other source (a precise source's one gross
  mistake stays a mistake, instead of becoming the answer and confirming the source). The cap
  is on a claim's own weight: the support a figure receives from claims without a best value
  that allow it (see "How claims enter") is theirs, and stays.
- **Gross misses are misses.** In the weight step a claim is near its truth, and scored by how
  near, or wrong, and a wrong claim costs its source the same however far off it is (the
  truncated loss of the gross-error model, Huber 1964). Without the cap, one wrong field (a time
  two hours off) among hundreds of right ones writes a careful source off, and sources with a
  handful of claims collect the weight. Where the line lies follows from how each method turns
  losses into weights. ``crh`` takes the log of a source's share of the loss, which already
  damps one large loss, so a claim counts as wrong only beyond two scales (where a figure
  drawn from a normal spread lands one time in twenty): a loose source stays above a vandal.
  ``catd`` divides by the summed squared errors, where one miss counts as the square of its
  error, so a claim counts as wrong beyond half a scale (with a cap of two scales, ``catd``
  answered 4 points fewer of the 100-flight subset correctly).

``loss="squared"`` gives the weighted mean (the papers' original choice), without these four.

How claims enter:

- A claim with a stated ``best`` is the point ``best``; a claim without one is its interval
  ``[low, high]`` (on a count, a low of 0 with no best is no bound, as
  :func:`estimates.reconciliation.methods.readings` reads it), and its error is the distance from the truth to
  the interval (zero inside it). In the truth step, a claim without a best value votes for the
  figures it allows: its weight is shared among the claims with a best inside its interval, in
  proportion to their weights, as ``robust`` shares it (:mod:`estimates.reconciliation._censoring`);
  an interval's ends are figures nobody stated, and a bare ±10 % range voting for its two ends
  pulls the median away from the figures it supports. A claim that allows no figure with a best
  keeps its weight on its ends: under absolute loss the truth that minimises
  ``Σ w·dist(t, [low, high])`` is the weighted median of all the endpoints, each claim putting its
  weight on both of its ends (a point puts it twice on itself), so the median step needs one
  sort per call, not one per step.
- A claim that is only a wide interval is rarely wrong, so it earns weight, and its ends weigh
  in the combined range and best value accordingly: vague but true beats precise but wrong.
- The per-quantity scale is robust and never zero: the interquartile range of the endpoints over
  1.349 (the standard deviation of a normal sample); where at least half the claims agree
  exactly it falls back to the mean absolute deviation from the median, and where all agree, to
  1 (every error there is 0 anyway). A spread below a billionth of the quantity's largest figure
  counts as none. Normalising per quantity makes a quantity of 10 and one of 10 million count
  alike.
- Admiralty grades (``ev.reliability``) are priors that evidence overrides: each source starts
  with ``prior_strength`` pseudo-claims whose error is a multiple of the typical error of a claim
  (the median over sources of their mean error, so that one vandal source cannot inflate it):
  A 0.5, B 0.7, C 1, D 1.4, E 2; F and no grade 1 ("cannot be judged" is no prior, not a bad
  one). These multiples are this library's choice, not published figures. The pseudo-claims
  also keep a source whose few claims match exactly from an infinite weight; where no claim
  differs from its truth at all, the weights are the priors' alone.
- The row weights of the evidence multiply the learned source weight, without their grade
  factor: the pipeline sets ``weight = confidence × reliability × recency`` with the factors of
  :data:`estimates.values.vocabulary.RELIABILITY_WEIGHT`, and these methods divide that factor out again, so
  that a grade acts only as a prior that evidence overrides, never as a fixed multiplier.
  Evidence built by hand with grades should carry the same factor in its weights.

- Copies count about once (``discount_copies=True``, the default): sources that never differ
  where others do are copies (:mod:`estimates.reconciliation.copying`, after Dong,
  Berti-Equille & Srivastava, VLDB 2009), and each claim's row weight is multiplied by its
  independence on its quantity, so a group of copies present there weighs about as one source
  in the truth step. Without the discount, a family of five sites relaying one feed outvotes
  four careful independent sources, and the weighted median follows it.
  ``discount_copies=False`` with ``published=True`` gives the methods as published.

Quantities are coupled only through shared sources: the sources and quantities linked by claims
form connected groups, and every sum or median over sources (CRH's share of the total loss, the
typical loss of the prior pseudo-claims, the largest weight) is taken within a group; a group
stops changing once its own truths stop moving. Adding quantities whose sources share nothing
with a study's sources leaves the study's answers as they were.

Options (all optional): ``loss`` (``"absolute"`` or ``"squared"``), ``tol`` (stop when no truth
moves by more than ``tol`` times its quantity's scale; default ``1e-6``), ``max_iter`` (default
100), ``coverage`` (share of the learned weight inside ``[low, high]``: the combined range runs
from the weighted ``(1 - coverage) / 2`` to the ``(1 + coverage) / 2`` quantile of the
endpoints, widened to hold the best value; default 0.5, the quartiles: where one source holds
more than three quarters of a quantity's learned weight, the range is that source's figure),
``prior_strength`` (default 1.0), ``discount_copies`` (default True), ``tolerance`` (default 0,
in the claims' unit; ``None`` reads each figure's rounding as :mod:`~estimates.reconciliation.plurality`
does), ``published`` (default False) and, for :func:`catd`, ``alpha`` (default 0.05). The result's ``sources`` table has one row per source that made a
claim: ``source, claims, weight`` (learned, the largest is 1), ``prior`` (the Admiralty letter or
None), ``error`` (mean normalised absolute error), ``independence`` (the share of its vote its
claims keep after the copy discount, on average), sorted by weight. Its ``attrs`` hold ``iterations`` and ``converged``. Runs are deterministic.

>>> from estimates.reconciliation.methods import Evidence
>>> ev = Evidence.from_rows(
...     quantity=["a", "a", "a", "b", "b", "b"],
...     source=["good", "fair", "vandal", "good", "fair", "vandal"],
...     best=[100.0, 101.0, 9e9, 7.0, 7.0, -5e6],
... )
>>> out = crh(ev, {})
>>> out.best.tolist()
[101.0, 7.0]
>>> out.sources["source"].tolist()
['fair', 'good', 'vandal']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from estimates.errors import ReconcileError
from estimates.reconciliation._censoring import Censored
from estimates.reconciliation._evidence import closed_at
from estimates.reconciliation._learning import (
    _GRADES,
    _TIE_BREAK,
    _components,
    _Endpoints,
    _grade_codes,
    _number,
    _source_grades,
    _without_grade,
    claim_ends,
)
from estimates.reconciliation._segments import (
    segment_ids,
    segment_max,
    segment_sum,
    sort_segments,
)
from estimates.reconciliation.copying import copy_discount
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from estimates.reconciliation._layout import Layout
    from estimates.reconciliation.methods import Combined, Evidence

__all__ = ["catd", "copy_discount", "crh"]


# Expected error of a graded source, as a multiple of the typical error of a claim. The grades are
# the Admiralty (NATO STANAG 2511) reliability letters; F ("cannot be judged") and no grade are
# "no prior", so they expect the mean.
_GRADE_ERROR: Final = {"A": 0.5, "B": 0.7, "C": 1.0, "D": 1.4, "E": 2.0, "F": 1.0}

_DEFAULTS: Final[dict[str, object]] = {
    "loss": "absolute",
    "tol": 1e-6,
    "max_iter": 100,
    "coverage": 0.5,
    "prior_strength": 1.0,
    "discount_copies": True,
    "tolerance": 0.0,
    "published": False,
}
_CATD_DEFAULTS: Final[dict[str, object]] = {**_DEFAULTS, "alpha": 0.05}

# 1.349 is the interquartile range of a standard normal distribution.
_IQR_TO_SD: Final = 1.349
# A claim's error, in units of its quantity's scale, counts at most this much in the weight
# step: a claim is near its truth (scored by how near) or wrong, and a wrong claim costs its source
# the same however far off it is (the truncated loss of the gross-error model). See "Gross misses
# are misses" in the module docstring for why the two methods draw the line in different places.
_ERROR_CAP: Final = MappingProxyType({"crh": 2.0, "catd": 0.5})
# Weights below this share of the largest are raised to it, so that a quantity claimed only by
# distrusted sources still has an answer (theirs) instead of none.
_WEIGHT_FLOOR: Final = 1e-9


def crh(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """CRH truth discovery (Li et al., SIGMOD 2014) over all quantities of ``ev`` at once.

    The range is the middle ``coverage`` share of the learned weight over the claims' ends: a
    spread of the sources, not a probability about the true value.

    Source weights are ``w_s = -log(L_s / Σ L)`` (Li et al., SIGMOD 2014) where ``L_s`` sums the
    source's normalised losses plus its prior pseudo-losses (see the module docstring).

    Args:
        ev: the evidence, one segment per quantity.
        options: ``loss``, ``tol``, ``max_iter``, ``coverage``, ``prior_strength``,
            ``discount_copies``, ``tolerance``, ``published``.

    Returns:
        One combined range per quantity, and the learned ``sources`` table.

    Raises:
        ReconcileError: an unknown option or an option out of its range.

    >>> from estimates.reconciliation.methods import Evidence
    >>> ev = Evidence.from_rows(
    ...     quantity=["q", "q", "q", "r", "r", "r"],
    ...     source=["x", "y", "z"] * 2,
    ...     best=[10.0, 10.0, 50.0, 3.0, 3.1, 9.0],
    ... )
    >>> out = crh(ev, {})
    >>> out.best.tolist()
    [10.0, 3.1]
    >>> out.sources[["source", "claims"]].values.tolist()
    [['y', 2], ['x', 2], ['z', 2]]
    """
    return _discover(ev, options, "crh")


def catd(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """CATD truth discovery (Li et al., PVLDB 2015) over all quantities of ``ev`` at once.

    The range is the middle ``coverage`` share of the learned weight over the claims' ends: a
    spread of the sources, not a probability about the true value.

    Source weights are ``w_s = chi2.ppf(alpha / 2, n_s) / Σ e²`` (Li et al., PVLDB 2015): the
    lower end of a ``1 - alpha`` confidence interval on the source's precision, where ``n_s``
    counts the source's claims plus its prior pseudo-claims and ``e`` are its normalised errors.
    The weights always use squared errors, as the chi-square interval requires; ``loss`` chooses
    only the truth step (weighted median, or weighted mean as in the paper).

    Args:
        ev: the evidence, one segment per quantity.
        options: ``loss``, ``tol``, ``max_iter``, ``coverage``, ``prior_strength``,
            ``discount_copies``, ``tolerance``, ``published``, ``alpha``.

    Returns:
        One combined range per quantity, and the learned ``sources`` table.

    Raises:
        ReconcileError: an unknown option or an option out of its range.

    >>> from estimates.reconciliation.methods import Evidence
    >>> ev = Evidence.from_rows(quantity=["q"] * 3, source=["x", "y", "z"], best=[10.0, 12.0, 5e2])
    >>> catd(ev, {}).best.tolist()
    [12.0]
    """
    return _discover(ev, options, "catd")


# -- options ---------------------------------------------------------------------------------


class _Settings:
    __slots__ = (
        "alpha",
        "coverage",
        "discount_copies",
        "error_cap",
        "loss",
        "max_iter",
        "papers_steps",
        "prior_strength",
        "published",
        "tol",
        "tolerance",
    )

    def __init__(self, options: Mapping[str, object], method: str) -> None:
        defaults = _CATD_DEFAULTS if method == "catd" else _DEFAULTS
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            raise ReconcileError(
                f"unknown option(s) for method {method!r}: {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(sorted(defaults))}"
            )
        merged = {**defaults, **options}
        loss = merged["loss"]
        if loss not in ("absolute", "squared"):
            raise ReconcileError(f"option loss must be 'absolute' or 'squared'; given {loss!r}")
        self.loss = str(loss)
        self.tol = _number(merged, "tol", low=0.0, low_open=False)
        max_iter = merged["max_iter"]
        if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
            raise ReconcileError(f"option max_iter must be an integer >= 1; given {max_iter!r}")
        self.max_iter = int(max_iter)
        self.coverage = _number(merged, "coverage", low=0.0, high=1.0, low_open=False)
        self.prior_strength = _number(merged, "prior_strength", low=0.0, low_open=False)
        self.alpha = _number(merged, "alpha", low=0.0, high=1.0) if method == "catd" else 0.05
        discount = merged["discount_copies"]
        if not isinstance(discount, bool | np.bool_):
            raise ReconcileError(
                f"option discount_copies must be True or False; given {discount!r}"
            )
        self.discount_copies = bool(discount)
        published = merged["published"]
        if not isinstance(published, bool | np.bool_):
            raise ReconcileError(f"option published must be True or False; given {published!r}")
        self.published = bool(published)
        tolerance = merged["tolerance"]
        self.tolerance = (
            None if tolerance is None else _number(merged, "tolerance", low=0.0, low_open=False)
        )
        # the papers' steps (and squared loss, the papers' original): no clusters, no cap on one
        # claim's say or on an error
        self.papers_steps = self.published or self.loss != "absolute"
        self.error_cap = np.inf if self.papers_steps else _ERROR_CAP[method]


# -- the engine ------------------------------------------------------------------------------


def _discover(ev: Evidence, options: Mapping[str, object], method: str) -> Combined:
    from estimates.reconciliation.methods import Combined

    cfg = _Settings(options, method)
    n = int(np.asarray(ev.best).size)
    starts = np.asarray(ev.starts, dtype=np.intp)
    n_seg = starts.size
    n_src = len(ev.source_names)
    src = np.asarray(ev.source, dtype=np.intp)
    seg = segment_ids(starts, n)
    lo, hi, stated = claim_ends(ev, seg)
    grade = _grade_codes(ev.reliability)
    if not n:
        return _empty(Combined, n_seg, ev)
    # quantities are coupled only through shared sources: every sum and median over sources is
    # taken within a connected group of sources and quantities, and a group stops changing
    # once its own truths stop moving, so one group's answers never depend on another's
    comp_seg, comp_src, n_comp = _components(seg, src, n_seg, n_src)
    clusters = _clusters(ev, cfg, (comp_seg, comp_src, n_comp))
    keep = (
        copy_discount(lo, hi, seg, src, n_seg, n_src, claims=clusters)
        if cfg.discount_copies
        else np.ones(n)
    )
    prior_w = _without_grade(np.asarray(ev.weight, dtype=np.float64), grade) * keep
    ends_ = _Endpoints(lo, hi, seg, src)
    step = _Step(ends_, lo, hi, seg, starts, cfg, clusters, keep)

    # quantities with no finite figure at all (every claim unbounded both ways) have no truth
    unit_w = np.ones(n)
    med = ends_.quantile(unit_w, 0.5)
    known = np.isfinite(med)
    med = np.nan_to_num(med)
    scale = _scale(ends_, unit_w, med)
    valid_row = known[seg]

    claims = np.bincount(src, minlength=n_src)
    active = claims > 0
    src_grade = _source_grades(grade, src, n_src)
    grade_error = np.array([_GRADE_ERROR[g] for g in _GRADES] + [1.0])[src_grade]
    letters = np.array([*_GRADES, None], dtype=object)[src_grade]

    # first truths: the weighted median (or mean) under the prior weights alone
    row_w = prior_w.copy()
    truth = step.answer(row_w, med)
    src_w = np.ones(n_src)
    frozen = np.zeros(n_comp, dtype=bool)
    iterations = 0
    converged = False
    for iterations in range(1, cfg.max_iter + 1):  # noqa: B007 - the count is reported
        err = _errors(truth, lo, hi, seg, scale, valid_row, cfg.error_cap)
        new_w = _source_weights(
            err, src, n_src, claims, active, grade_error, cfg, method, comp_src, n_comp
        )
        src_w = np.where(frozen[comp_src], src_w, new_w)
        row_w = prior_w * src_w[src]
        new = step.answer(row_w, truth)
        new = np.where(frozen[comp_seg], truth, new)
        moved = np.where(known, np.abs(new - truth) / scale, 0.0)
        truth = new
        frozen |= np.bincount(comp_seg, weights=(moved > cfg.tol), minlength=n_comp) == 0
        if frozen.all():
            converged = True
            break

    err = _errors(truth, lo, hi, seg, scale, valid_row)
    raw_mid, low, high = ends_.quantiles(
        row_w, [0.5, (1.0 - cfg.coverage) / 2, (1.0 + cfg.coverage) / 2], raw=True
    )
    central = known & np.isfinite(raw_mid)
    best_out = np.where(central, truth, np.nan)
    # the weighted mean (squared loss) can lie outside the quartiles of a skewed segment
    low = np.where(central, np.minimum(low, best_out), low)
    high = np.where(central, np.maximum(high, best_out), high)
    low = np.where(known, low, -np.inf)
    high = np.where(known, high, np.inf)
    notes = np.full(n_seg, None, dtype=object)
    notes[~known] = "no claim states a bound: nothing to reconcile"
    notes[known & ~np.isfinite(raw_mid)] = (
        "the claims only bound it from one side: no central value"
    )

    error_mean = np.bincount(src, weights=err, minlength=n_src) / np.maximum(claims, 1)
    kept = np.bincount(src, weights=keep, minlength=n_src) / np.maximum(claims, 1)
    top = src_w[active].max() if active.any() else 1.0
    # (the table's weights are shown relative to the largest; the answers used them per group)
    table = pd.DataFrame(
        {
            "source": pd.Series(np.array(ev.source_names, dtype=object)[active], dtype=object),
            "claims": claims[active].astype(np.int64),
            "weight": src_w[active] / top,
            "prior": pd.Series(letters[active], dtype=object),
            "error": error_mean[active],
            "independence": kept[active],
        }
    )
    table = table.sort_values(["weight", "source"], ascending=[False, True], kind="stable")
    table = table.reset_index(drop=True)
    table.attrs["iterations"] = iterations
    table.attrs["converged"] = converged
    return Combined(
        low=low,
        best=best_out,
        high=high,
        # the ends are figures among the claims': closed where any claim ending there is
        closed_left=closed_at(
            low, lo, stated | np.asarray(ev.closed_left, bool), seg, starts, every=False
        ),
        closed_right=closed_at(
            high, hi, stated | np.asarray(ev.closed_right, bool), seg, starts, every=False
        ),
        note=tuple(notes.tolist()),
        sources=table,
    )


def _errors(
    truth: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    seg: IntArray,
    scale: FloatArray,
    valid_row: BoolArray,
    cap: float = np.inf,
) -> FloatArray:
    """Each claim's distance from its quantity's truth to its interval, over the quantity's
    scale, at most ``cap`` (0 where the quantity has no truth)."""
    t = truth[seg]
    err = np.where(valid_row, np.abs(t - np.clip(t, lo, hi)) / scale[seg], 0.0)
    return np.minimum(err, cap)


def _scale(ends_: _Endpoints, w: FloatArray, med: FloatArray) -> FloatArray:
    """A robust, strictly positive spread per quantity (see the module docstring)."""
    q1, q3 = ends_.quantiles(w, [0.25, 0.75])
    scale = np.nan_to_num((q3 - q1) / _IQR_TO_SD)
    ew = w[ends_.row] * ends_.factor
    dev = np.abs(ends_.value - med[np.repeat(np.arange(med.size), ends_.ends - ends_.starts)])
    mad = np.nan_to_num(np.add.reduceat(ew * dev, ends_.starts) / np.add.reduceat(ew, ends_.starts))
    # a spread below a billionth of the quantity's largest figure is rounding, not disagreement:
    # dividing by it would make one digit's difference count like a vandal's
    magnitude = np.nan_to_num(np.fmax(np.abs(ends_.lowest), np.abs(ends_.highest)))
    tiny = 1e-9 * magnitude
    scale = np.where((scale > tiny) & (scale > 0), scale, mad)
    return np.where((scale > tiny) & (scale > 0), scale, np.maximum(tiny, 1.0))


class _Step:
    """The truth step: each quantity's answer given each claim's trusted weight.

    Under absolute loss (unless ``published``): where two independent sources agree on a figure
    (within the tolerance), the answer is the agreed figure with the most trusted weight behind it,
    as :mod:`estimates.reconciliation.plurality` chooses it; elsewhere it is the weighted median,
    in which no claim weighs more than the strongest other claim of its quantity, so that however
    far a source is trusted, it cannot decide a quantity alone against every other source.
    Otherwise the papers' weighted median or mean (:func:`_update`).
    """

    __slots__ = ("censored", "cfg", "clusters", "ends", "hi", "keep", "lo", "seg", "starts")

    def __init__(
        self,
        ends_: _Endpoints,
        lo: FloatArray,
        hi: FloatArray,
        seg: IntArray,
        starts: IntArray,
        cfg: _Settings,
        clusters: Layout | None,
        keep: FloatArray,
        censored: Censored | None = None,
    ) -> None:
        self.ends, self.lo, self.hi, self.seg, self.starts = ends_, lo, hi, seg, starts
        self.cfg, self.clusters, self.keep = cfg, clusters, keep
        # how claims without a best value share their weight: read once, kept by the copies
        self.censored = _censored(lo, hi, seg, starts) if censored is None else censored

    def keeping(self, keep: FloatArray) -> _Step:
        """The same step once the copy discount ``keep`` is known."""
        return _Step(
            self.ends, self.lo, self.hi, self.seg, self.starts, self.cfg, self.clusters, keep,
            self.censored,
        )  # fmt: skip

    def clustered_as(self, flags: BoolArray) -> _Step:
        """The same step with each quantity's ``clustered`` from ``flags`` (see
        :meth:`~estimates.reconciliation._layout.Layout.clustered_as`)."""
        clusters = None if self.clusters is None else self.clusters.clustered_as(flags)
        return _Step(
            self.ends, self.lo, self.hi, self.seg, self.starts, self.cfg, clusters, self.keep,
            self.censored,
        )  # fmt: skip

    def answer(self, row_w: FloatArray, truth: FloatArray) -> FloatArray:
        cfg = self.cfg
        if cfg.papers_steps:
            return _update(
                self.ends, row_w, self.lo, self.hi, self.seg, self.starts, truth, cfg.loss
            )
        # a claim's own weight is capped; the support that claims without a best value share
        # among the figures they allow is not (it is other claims' weight)
        capped = self.censored.weights(_no_claim_alone(row_w, self.seg, self.starts))
        clusters = self.clusters
        if clusters is None:
            return np.nan_to_num(self.ends.quantile(capped, 0.5))
        # where figures spread smoothly, the truth lies between two rounded figures as often as
        # on one: the median read off a line, which learned weights move smoothly; no figure
        # wins by agreement there
        if not clusters.clustered.any():
            return np.nan_to_num(self.ends.between(capped))
        median = np.nan_to_num(self.ends.quantile(capped, 0.5))
        if not clusters.clustered.all():
            smooth = np.nan_to_num(self.ends.between(capped))
            median = np.where(clusters.clustered, median, smooth)
        from estimates.reconciliation.plurality import weighed

        agreed = weighed(clusters, row_w * clusters.share, self.keep)
        return np.where(agreed.plurality, agreed.truth, median)


def _clusters(
    ev: Evidence, cfg: _Settings, components: tuple[IntArray, IntArray, int] | None = None
) -> Layout | None:
    """The windows of agreement of the claims, where the truth step looks for clusters (with
    the connected groups of quantities and sources, where the caller has them)."""
    if cfg.papers_steps:
        return None
    from estimates.reconciliation._layout import layout

    return layout(ev, cfg.tolerance, components=components)


def _censored(lo: FloatArray, hi: FloatArray, seg: IntArray, starts: IntArray) -> Censored:
    """How the claims without a best value share their weight in the truth step: a claim is a
    figure when its ends meet, and one with one finite end or two different ones shares."""
    point = (lo == hi) & np.isfinite(lo)
    values = np.where(point, lo, np.inf)
    return Censored.of(
        values=values,
        order=sort_segments(values, seg),
        uncensored=point,
        censored=~point & (np.isfinite(lo) | np.isfinite(hi)),
        low=lo,
        high=hi,
        seg=seg,
        starts=starts,
    )


def _no_claim_alone(row_w: FloatArray, seg: IntArray, starts: IntArray) -> FloatArray:
    """Each claim's weight, at most that of the strongest other claim of its quantity, plus
    :data:`_TIE_BREAK` times its own: where the cap leaves two sides of a median even (two
    claims, one from a trusted source and one from a vandal), the trusted side is the answer,
    not the middle of the two figures."""
    top = segment_max(row_w, starts)
    is_top = row_w >= top[seg]
    n_top = segment_sum(is_top.astype(np.float64), starts)
    second = np.where(n_top > 1, top, segment_max(np.where(is_top, 0.0, row_w), starts))
    cap = second[seg]
    capped = np.where(cap > 0, np.minimum(row_w, cap), row_w)
    # an even split goes to the more trusted side, never to the middle of two figures
    out: FloatArray = capped + _TIE_BREAK * row_w
    return out


def _update(
    ends_: _Endpoints,
    row_w: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    seg: IntArray,
    starts: IntArray,
    truth: FloatArray,
    loss: str,
) -> FloatArray:
    if loss == "absolute":
        return np.nan_to_num(ends_.quantile(row_w, 0.5))
    # squared loss: the mean of each claim's point nearest the current truth (a fixed-point step
    # of the least-squares truth when some claims are intervals)
    point = np.clip(truth[seg], lo, hi)
    num = segment_sum(row_w * point, starts)
    den = segment_sum(row_w, starts)
    mean = np.where(den > 0, num / np.where(den > 0, den, 1.0), truth)
    # rounding must not carry a mean outside the figures it averages
    return np.clip(mean, np.nan_to_num(ends_.lowest), np.nan_to_num(ends_.highest))


def _source_weights(
    err: FloatArray,
    src: IntArray,
    n_src: int,
    claims: IntArray,
    active: BoolArray,
    grade_error: FloatArray,
    cfg: _Settings,
    method: str,
    comp: IntArray | None = None,
    n_comp: int = 1,
) -> FloatArray:
    m0 = cfg.prior_strength
    comp = np.zeros(n_src, dtype=np.intp) if comp is None else comp
    if method == "crh":
        per_claim = err if cfg.loss == "absolute" else err**2
        factor = grade_error if cfg.loss == "absolute" else grade_error**2
        mean = _typical(per_claim, src, n_src, claims, active, comp, n_comp)
        loss = np.bincount(src, weights=per_claim, minlength=n_src) + m0 * factor * mean[comp]
        loss = np.maximum(loss, 1e-12 * mean[comp])
        total = np.bincount(comp, weights=np.where(active, loss, 0.0), minlength=n_comp)
        share = np.where(active, loss / np.where(total[comp] > 0, total[comp], 1.0), 1.0)
        weights = np.where(active, -np.log(share), 0.0)
    else:
        from scipy.stats import chi2

        sq = err**2
        mean = _typical(sq, src, n_src, claims, active, comp, n_comp)
        loss = np.bincount(src, weights=sq, minlength=n_src) + m0 * grade_error**2 * mean[comp]
        loss = np.maximum(loss, 1e-12 * mean[comp])
        dof = np.maximum(claims + m0, 1e-9)
        weights = np.where(active, chi2.ppf(cfg.alpha / 2, dof) / loss, 0.0)
    top = np.zeros(n_comp)
    np.maximum.at(top, comp, np.where(active & np.isfinite(weights), weights, 0.0))
    top_s = top[comp]
    # one source only in its group, or no information: every source there counts alike
    ok = np.isfinite(top_s) & (top_s > 0.0)
    scaled = np.where(ok, weights / np.where(ok, top_s, 1.0), 1.0)
    return np.where(ok, np.maximum(scaled, _WEIGHT_FLOOR), 1.0)


def _typical(
    per_claim: FloatArray,
    src: IntArray,
    n_src: int,
    claims: IntArray,
    active: BoolArray,
    comp: IntArray,
    n_comp: int,
) -> FloatArray:
    """The typical loss of a claim per group, for the prior pseudo-claims: the median over the
    group's sources of each source's mean loss, so that one vandal source cannot inflate it
    (their mean where that median is 0, as when most sources are exact; 1 where that is 0 too:
    no claim differs from its truth, and the weights are the priors' alone)."""
    per_source = np.bincount(src, weights=per_claim, minlength=n_src) / np.maximum(claims, 1)
    idx = np.flatnonzero(active)
    order = idx[np.lexsort((per_source[idx], comp[idx]))]
    g = comp[order]
    counts = np.bincount(g, minlength=n_comp)
    first = np.cumsum(counts) - counts
    has = counts > 0
    lo_i = first + (counts - 1) // 2
    hi_i = first + counts // 2
    vals = per_source[order]
    median = np.zeros(n_comp)
    median[has] = (vals[lo_i[has]] + vals[hi_i[has]]) / 2
    mean = np.bincount(g, weights=vals, minlength=n_comp) / np.maximum(counts, 1)
    typical = np.where(median > 0.0, median, mean)
    return np.where(typical > 0.0, typical, 1.0)


def _empty(combined: type[Combined], n_seg: int, ev: Evidence) -> Combined:
    return combined(
        low=np.full(n_seg, -np.inf),
        best=np.full(n_seg, np.nan),
        high=np.full(n_seg, np.inf),
        closed_left=np.zeros(n_seg, dtype=bool),
        closed_right=np.zeros(n_seg, dtype=bool),
        note=("no claims",) * n_seg,
        sources=pd.DataFrame(
            {
                "source": pd.Series([], dtype=object),
                "claims": pd.Series([], dtype=np.int64),
                "weight": pd.Series([], dtype=float),
                "prior": pd.Series([], dtype=object),
                "error": pd.Series([], dtype=float),
                "independence": pd.Series([], dtype=float),
            }
        ),
    )
