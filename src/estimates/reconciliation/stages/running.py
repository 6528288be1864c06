"""Running totals (kind ``cumulative``): floors forward, ceilings back, a best that never falls.

A running total never falls. Every figure is first evidence about its own **moment** (the day it
describes); the figures about one moment are reconciled across sources, and that moment's value
then bounds every other moment: a floor for every later one and, when ``known_on`` allows
hindsight, a ceiling for every earlier one. The answer at ``at`` is the tightest range these
imply, with a best **carried forward** from the latest moment at or before ``at``.

How a figure is read here (its *tolerance*): a stated end is evidence; an end that only a
convention adds (the cap that ``ferson`` puts on "over 31,000") is an assumption and is dropped,
so it can neither bound nor conflict; a best without stated ends ("about 2,000") stands for the
values that round to it (``best ± u/2``, ``u`` its last significant digit: 2,000 → 1,500–2,500).

Conflicts are about moments:

- figures about one moment that cannot all hold (a survey's 40,000–60,000 against a ministry's
  150,000–200,000 stated for the same day);
- a running total that falls: a moment's value entirely below an earlier moment's floor ("1,200
  as of 30 Apr is below about 2,000 as of mid-January");
- a source that lowers its own earlier figure is a **revision**: the earlier figure is set apart
  (role ``revised``), not counted as a conflict.

While figures conflict, the range spans their disagreement instead of siding with the highest
floor.

This module is a pure function of arrays (:func:`running_totals`); it imports nothing from the
rest of the package.

>>> import numpy as np
>>> rows = dict(
...     q=np.array([0, 0, 0]), moment=np.array([10, 11, 12]), source=np.array([0, 0, 1]),
...     low=np.array([912.0, 2921.0, 14000.0]), best=np.array([912.0, 2921.0, np.nan]),
...     high=np.array([912.0, 2921.0, 14500.0]),
...     closed_left=np.array([True, True, False]), closed_right=np.array([True, True, True]),
...     low_stated=np.array([True, True, True]), high_stated=np.array([True, True, False]),
...     weight=np.ones(3),
... )
>>> out = running_totals(**rows, at=np.array([12]), hindsight=np.array([False]), n_quantities=1)
>>> float(out.low[0]), float(out.best[0]), float(out.high[0]), bool(out.closed_left[0])
(14000.0, 14250.0, inf, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from estimates._digits import places
from estimates.reconciliation._segments import weighted_quantile
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, Int64Array, IntArray

__all__ = ["Fall", "RunningResult", "rounding_unit", "running_totals"]


#: Per-row outcome codes (the core maps them to its roles).
USED, FLOOR, CEILING, LOOSER, REVISED, LATER = 0, 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Fall:
    """A conflict between rows ``low_row`` (the higher, earlier or same moment) and ``high_row``.

    ``kind`` is ``"moment"`` (figures about one moment that cannot all hold), ``"fall"`` (a
    running total that falls between two moments) or ``"revision"`` (a source lowering its own
    earlier figure; not a conflict).
    """

    q: int
    low_row: int
    high_row: int
    kind: str
    gap: float = 0.0


@dataclass(frozen=True)
class RunningResult:
    """Per quantity: the range, its closed ends, the best, a conflict flag and notes (parts of
    sentences, with ``{row}`` placeholders filled by the caller). Per row: an outcome code
    (:data:`USED`, :data:`FLOOR`, ...). ``falls`` lists the conflicts and revisions found."""

    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    conflict: BoolArray
    best_row: IntArray
    outcome: npt.NDArray[np.int8]
    falls: list[Fall] = field(default_factory=list)
    #: Per quantity: the best is the figure of ``best_row`` itself (not a median of several).
    best_is_row: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: Per quantity: the best was raised to the floor that ``best_row`` sets.
    best_from_floor: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))


#: A running total's figure with more significant digits than this was computed (a unit
#: conversion, an average): it has no rounding band.
STATED_DIGITS = 8


def rounding_unit(values: FloatArray) -> FloatArray:
    """The last significant digit's place of each value: 2,000 → 1,000; 912 → 1; 2.5 → 0.1.

    The place is :func:`estimates._digits.places` (the one definition of a figure's precision,
    the same at any power of ten), NaN for a figure of more than :data:`STATED_DIGITS`
    significant digits; a zero, which has no last significant digit, counts in whole units.

    >>> rounding_unit(np.array([2000.0, 912.0, 31643.0, 2.5, 0.0, np.nan])).tolist()
    [1000.0, 1.0, 1.0, 0.1, 1.0, nan]
    >>> rounding_unit(np.array([1.75, 0.00175, 1.75e12, 123456789.0])).tolist()
    [0.01, 1e-05, 10000000000.0, nan]
    >>> np.isnan(rounding_unit(np.array([5e-324, 1.7e308]))).tolist()
    [True, True]
    """
    v = np.asarray(values, dtype=float)
    unit: FloatArray = np.where(v == 0, 1.0, places(v, digits=STATED_DIGITS))
    return unit


def _tolerance(
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    low_stated: BoolArray,
    high_stated: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """Each figure as evidence: stated ends, else ``best ± u/2``, else unbounded."""
    # a zero has no last significant digit: its band is itself (and so scale-free)
    # (a figure whose precision tells nothing, huge, tiny or computed, has no band either)
    half = np.where(best == 0, 0.0, np.nan_to_num(rounding_unit(best) / 2, nan=0.0))
    s_lo = low_stated & np.isfinite(low)
    s_hi = high_stated & np.isfinite(high)
    # the rounding band stands in for ends only when the figure states neither: "at least 0,
    # best 0" keeps its open top
    band = ~np.isnan(best) & ~s_lo & ~s_hi
    lo = np.where(s_lo, low, np.where(band, best - half, -np.inf))
    hi = np.where(s_hi, high, np.where(band, best + half, np.inf))
    # a stated end that the rounding band would loosen stays as stated
    lo = np.where(low_stated & np.isfinite(low), np.maximum(lo, low), lo)
    hi = np.where(high_stated & np.isfinite(high), np.minimum(hi, high), hi)
    return lo, hi


def _candidate_best(low: FloatArray, best: FloatArray, high: FloatArray) -> FloatArray:
    """A figure's best: its own, else the middle of its (convention's) closed range."""
    both = np.isfinite(low) & np.isfinite(high)
    mid = np.full(low.shape, np.nan)
    mid[both] = (low[both] + high[both]) / 2
    # a one-sided figure ("at least 13,000") names no best: its end is a bound, not an estimate
    return np.where(~np.isnan(best), best, mid)


def running_totals(
    *,
    q: IntArray,
    moment: Int64Array,
    source: IntArray,
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    closed_left: BoolArray,
    closed_right: BoolArray,
    low_stated: BoolArray,
    high_stated: BoolArray,
    weight: FloatArray,
    at: Int64Array,
    hindsight: BoolArray,
    n_quantities: int,
) -> RunningResult:
    """Reconcile the running totals of every quantity at ``at[q]`` (see the module's doc).

    Rows are figures already known (stated on or before ``known_on``), one per source, moment
    and stated day; ``moment`` and ``at`` are day numbers. A row's ``low``/``high`` are its ends
    as read (a convention's implied ends included), ``low_stated``/``high_stated`` say which
    ends the source stated. Rows about moments after ``at`` count only where ``hindsight``.
    """
    n = q.size
    nq = n_quantities
    out_low = np.full(nq, np.nan)
    out_best = np.full(nq, np.nan)
    out_high = np.full(nq, np.nan)
    out_cl = np.zeros(nq, dtype=bool)
    out_cr = np.zeros(nq, dtype=bool)
    conflict = np.zeros(nq, dtype=bool)
    best_row = np.full(nq, -1, dtype=np.intp)
    from_floor = np.zeros(nq, dtype=bool)
    outcome = np.full(n, LATER, dtype=np.int8)
    falls: list[Fall] = []
    if n == 0:
        return RunningResult(
            out_low, out_best, out_high, out_cl, out_cr, conflict, best_row, outcome, falls
        )
    t_lo, t_hi = _tolerance(low, best, high, low_stated, high_stated)
    cand = _candidate_best(low, best, high)
    # one pass per quantity, rows in time order (ties: source, then row) for determinism
    order = np.lexsort((np.arange(n), source, moment, q))
    qs = q[order]
    starts = np.flatnonzero(np.r_[True, qs[1:] != qs[:-1]])
    ends = np.r_[starts[1:], n]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        rows = order[s:e]
        qi = int(q[rows[0]])
        res = _one_quantity(
            rows, moment, source, t_lo, t_hi, best, cand, closed_left, closed_right, low_stated,
            high_stated, weight, int(at[qi]), bool(hindsight[qi]), qi,
        )  # fmt: skip
        (out_low[qi], out_best[qi], out_high[qi], out_cl[qi], out_cr[qi]) = res.range_
        conflict[qi] = res.conflict
        best_row[qi] = res.best_row
        from_floor[qi] = res.from_floor
        outcome[rows] = res.outcome
        falls.extend(res.falls)
    has = best_row >= 0
    is_row = np.zeros(nq, dtype=bool)
    is_row[has] = out_best[has] == cand[best_row[has]]
    return RunningResult(
        out_low, out_best, out_high, out_cl, out_cr, conflict, best_row, outcome, falls,
        best_is_row=is_row, best_from_floor=from_floor,
    )  # fmt: skip


@dataclass
class _One:
    range_: tuple[float, float, float, bool, bool]
    conflict: bool
    best_row: int
    outcome: npt.NDArray[np.int8]
    falls: list[Fall]
    from_floor: bool = False


def _one_quantity(
    rows: IntArray,
    moment: Int64Array,
    source: IntArray,
    t_lo: FloatArray,
    t_hi: FloatArray,
    best: FloatArray,
    cand: FloatArray,
    closed_left: BoolArray,
    closed_right: BoolArray,
    low_stated: BoolArray,
    high_stated: BoolArray,
    weight: FloatArray,
    at: int,
    hindsight: bool,
    qi: int,
) -> _One:
    k = rows.size
    outcome = np.full(k, LATER, dtype=np.int8)
    falls: list[Fall] = []
    mom = moment[rows]
    lo, hi = t_lo[rows], t_hi[rows]
    considered = (mom <= at) | hindsight
    # -- revisions: a source lowering its own earlier figure; the earlier one is set apart
    alive = _revisions(rows, source[rows], mom, lo, hi, best, considered, outcome, falls, qi)
    # -- moments: the figures about each moment, reconciled across sources
    live = np.flatnonzero(alive)
    if live.size == 0:
        return _One((np.nan, np.nan, np.nan, False, False), False, -1, outcome, falls)
    if not bool((mom[live] <= at).any()):
        # every figure at or before ``at`` was revised away: in hindsight the later figures
        # still bound it from above; otherwise nothing is known
        later = live[mom[live] > at]
        if not (hindsight and later.size and considered[later].all()):
            return _One((np.nan, np.nan, np.nan, False, False), False, -1, outcome, falls)
        top = later[np.argmin(hi[later])]
        outcome[later] = CEILING
        cr = bool(np.isfinite(hi[top])) and (
            bool(closed_right[rows[top]]) or not bool(high_stated[rows[top]])
        )
        return _One((-np.inf, np.nan, float(hi[top]), False, cr), False, -1, outcome, falls)
    moments = np.unique(mom[live])
    table = _moment_table(rows, moments, live, mom, lo, hi, best, cand, weight, falls, qi)
    m_lo, m_hi, m_lo_row, m_hi_row = table.low, table.high, table.low_row, table.high_row
    m_best, m_best_row, m_conflict, m_stated = (
        table.best, table.best_row, table.conflict, table.stated
    )  # fmt: skip
    before = moments <= at
    after = moments >= at
    # -- falls between moments: a moment entirely below an earlier moment's floor
    running = -np.inf
    running_t = -1
    fell_at = np.zeros(moments.size, dtype=bool)
    for t in range(moments.size):
        if running_t >= 0 and m_hi[t] < running:
            fell_at[t] = True
            falls.append(
                Fall(
                    qi,
                    int(rows[m_lo_row[running_t]]),
                    int(rows[m_hi_row[t]]),
                    "fall",
                    running - float(m_hi[t]),
                )
            )
        if m_lo[t] > running:
            running, running_t = float(m_lo[t]), t
    # conflicts are named whenever found, but widen the answer only while they hold at ``at``:
    # the latest moment at or before ``at`` is itself in conflict, or lies below the floor
    latest = int(np.flatnonzero(before)[-1])
    # -- the floor: the highest moment floor at or before ``at``
    tb = np.flatnonzero(before)
    f_t = int(tb[np.argmax(m_lo[tb])])
    floor = float(m_lo[f_t])
    floor_row = int(m_lo_row[f_t])
    # -- the ceiling: the lowest moment ceiling at or after ``at`` (hindsight or ``at`` itself)
    ta = np.flatnonzero(after & ((moments == at) | hindsight))
    ceiling, ceil_row, c_t = np.inf, -1, -1
    if ta.size:
        c_t = int(ta[np.argmin(m_hi[ta])])
        ceiling, ceil_row = float(m_hi[c_t]), int(m_hi_row[c_t])
    low_v, high_v = floor, ceiling
    cl = bool(closed_left[rows[floor_row]]) if np.isfinite(floor) else False
    if np.isfinite(floor) and not low_stated[rows[floor_row]]:
        cl = True  # a rounding band's end is closed
    cr = False
    if np.isfinite(ceiling):
        cr = bool(closed_right[rows[ceil_row]]) or not bool(high_stated[rows[ceil_row]])
    span = bool(m_conflict[latest]) or bool(m_hi[latest] < floor) or floor > ceiling
    if span:
        # figures conflict: the range spans the disagreement (the latest moment, the floor
        # and, in hindsight, the ceiling), not the side of the highest floor
        cons = [latest, f_t] + ([c_t] if ta.size else [])
        low_v = float(np.min(m_lo[cons]))
        high_v = float(np.max(m_hi[cons]))
        high_v = max(high_v, float(np.max(m_lo[cons])))
        cl, cr = bool(np.isfinite(low_v)), bool(np.isfinite(high_v))
    # -- the best: carried forward from the latest moment at or before ``at`` with one
    # the latest stated best at or before ``at``; failing that, the latest middle of a range
    tbb = np.flatnonzero(before & ~np.isnan(m_best) & m_stated)
    if not tbb.size:
        tbb = np.flatnonzero(before & ~np.isnan(m_best))
    best_v, b_row = np.nan, -1
    raised = False
    if tbb.size:
        b_t = int(tbb[-1])
        best_v, b_row = float(m_best[b_t]), int(m_best_row[b_t])
        if not span:
            if best_v < low_v or (best_v == low_v and not cl):
                # never below a floor: the floor figure's own best; else the floor itself when
                # it is closed ("at least 457": 457, the nearest value to the older best that
                # still holds); else, above an open floor, half its last digit above it
                # ("more than 14,000": 14,500)
                fb = float(cand[rows[floor_row]])
                if not (fb > low_v or (fb == low_v and cl)):
                    fb = low_v if cl else low_v + float(rounding_unit(np.array([low_v]))[0]) / 2
                    raised = True
                best_v, b_row = fb, floor_row
            if best_v > high_v or (best_v == high_v and not cr):
                best_v = high_v if cr else np.nan
    # -- outcomes per row
    _outcomes(outcome, considered, live, mom, moments, at, cons if span else None,
              floor_row, ceil_row, b_row)  # fmt: skip
    bound_lo = low_v if np.isfinite(low_v) else -np.inf
    return _One(
        (bound_lo, best_v, high_v, cl and np.isfinite(low_v), cr and np.isfinite(high_v)),
        span,
        int(rows[b_row]) if b_row >= 0 else -1,
        outcome,
        falls,
        raised,
    )


def _revisions(
    rows: IntArray,
    src: IntArray,
    mom: Int64Array,
    lo: FloatArray,
    hi: FloatArray,
    best: FloatArray,
    considered: BoolArray,
    outcome: npt.NDArray[np.int8],
    falls: list[Fall],
    qi: int,
) -> BoolArray:
    """The rows still alive after revisions: a source lowering its own earlier figure (below
    its floor, or below the best it stated) sets the earlier one apart (``outcome`` REVISED,
    a "revision" fall; both written in place)."""
    k = rows.size
    alive = considered.copy()
    for j in range(k):
        if not alive[j]:
            continue
        earlier = np.flatnonzero(alive[:j] & (src[:j] == src[j]) & (mom[:j] < mom[j]))
        for i in earlier.tolist():
            # below the earlier figure's floor, or below the best it stated: the source lowered it
            said = lo[i] if np.isnan(best[rows[i]]) else max(lo[i], float(best[rows[i]]))
            if hi[j] < said:
                alive[i] = False
                outcome[i] = REVISED
                falls.append(Fall(qi, int(rows[i]), int(rows[j]), "revision", said - hi[j]))
    return alive


@dataclass(frozen=True)
class _Moments:
    """Per moment (ascending) the interval its figures allow (``low``/``high`` and the rows of
    those ends; their span when they cannot all hold, ``conflict``), and its best (``best``,
    ``best_row``; ``stated`` when a source stated one)."""

    low: FloatArray
    high: FloatArray
    low_row: IntArray
    high_row: IntArray
    best: FloatArray
    best_row: IntArray
    conflict: BoolArray
    stated: BoolArray


def _moment_table(
    rows: IntArray,
    moments: Int64Array,
    live: IntArray,
    mom: Int64Array,
    lo: FloatArray,
    hi: FloatArray,
    best: FloatArray,
    cand: FloatArray,
    weight: FloatArray,
    falls: list[Fall],
    qi: int,
) -> _Moments:
    """The figures about each moment, reconciled across sources (a "moment" fall, appended to
    ``falls``, where they cannot all hold)."""
    m_lo = np.empty(moments.size)
    m_hi = np.empty(moments.size)
    m_lo_row = np.empty(moments.size, dtype=np.intp)
    m_hi_row = np.empty(moments.size, dtype=np.intp)
    m_best = np.full(moments.size, np.nan)
    m_best_row = np.full(moments.size, -1, dtype=np.intp)
    m_conflict = np.zeros(moments.size, dtype=bool)
    m_stated = np.zeros(moments.size, dtype=bool)
    for t, when in enumerate(moments.tolist()):
        here = live[mom[live] == when]
        top, bottom = here[np.argmax(lo[here])], here[np.argmin(hi[here])]
        if lo[top] <= hi[bottom]:
            m_lo[t], m_hi[t] = lo[top], hi[bottom]
            m_lo_row[t], m_hi_row[t] = top, bottom
        else:
            # the moment's figures cannot all hold: span them
            m_conflict[t] = True
            falls.append(
                Fall(qi, int(rows[top]), int(rows[bottom]), "moment", lo[top] - hi[bottom])
            )
            low_i, high_i = here[np.argmin(lo[here])], here[np.argmax(hi[here])]
            m_lo[t], m_hi[t] = lo[low_i], hi[high_i]
            m_lo_row[t], m_hi_row[t] = low_i, high_i
        # a best the sources stated comes first; the middle of a range only when none did
        stated_here = here[~np.isnan(best[rows[here]])]
        m_stated[t] = stated_here.size > 0
        with_best = stated_here if stated_here.size else here[~np.isnan(cand[rows[here]])]
        if with_best.size:
            c = cand[rows[with_best]]
            w = np.maximum(weight[rows[with_best]], 1e-12)
            srt = np.argsort(c, kind="stable")
            med = weighted_quantile(c[srt], w[srt], np.zeros(1, np.intp), 0.5)[0]
            m_best[t] = med
            m_best_row[t] = with_best[srt][int(np.argmin(np.abs(c[srt] - med)))]
    return _Moments(m_lo, m_hi, m_lo_row, m_hi_row, m_best, m_best_row, m_conflict, m_stated)


def _outcomes(
    outcome: npt.NDArray[np.int8],
    considered: BoolArray,
    live: IntArray,
    mom: Int64Array,
    moments: Int64Array,
    at: int,
    spanned: list[int] | None,
    floor_row: int,
    ceil_row: int,
    b_row: int,
) -> None:
    """Each row's outcome (in place): the rows of the ``spanned`` moments when the figures
    conflict, else the floor, the ceiling and the figures about ``at``; the best's row."""
    k = outcome.size
    for j in range(k):
        if outcome[j] == REVISED or not considered[j]:
            continue
        outcome[j] = LOOSER
    if spanned is not None:
        for t in spanned:
            for j in live[mom[live] == moments[t]].tolist():
                outcome[j] = USED
    else:
        # every later figure bounds this moment from above (hindsight), the tightest or not
        outcome[considered & (mom > at) & (outcome == LOOSER)] = CEILING
        outcome[floor_row] = FLOOR
        if ceil_row >= 0:
            outcome[ceil_row] = USED if mom[ceil_row] == at else CEILING
        at_rows = live[mom[live] == at]
        outcome[at_rows] = USED
    if b_row >= 0:
        outcome[b_row] = USED if outcome[b_row] in (LOOSER, LATER) else outcome[b_row]
