"""Time: which of a source's figures stand at ``at``, and which are set apart by kind or window.

Stages over the evidence rows (one per quantity, kind, source, moment and day stated; see
:mod:`.evidence`), each taking ``alive`` (the rows still in play) and returning what it sets
apart or picks:

- :func:`main_kind`: one kind of observation per quantity, the most common (ties: stock,
  cumulative, flow); figures of another kind measure something else.
- :func:`base_start`: a running total's base start, the most common stated start (ties: the
  latest); figures counted from a start more than ``since_window`` away are set apart.
- :func:`flow_window`: flows are compared within one window, the latest ending at or before
  ``at`` (with hindsight and none before: the earliest after).
- :func:`supersede`: per source, its latest figure describing a moment at or before ``at``
  supersedes its earlier ones; with hindsight (``known_on`` after ``at``) a source with nothing
  before contributes its earliest later figure (role ``future``). A running total's latest
  figure at or before ``at`` is a lower bound and (hindsight) its earliest at or after ``at`` an
  upper bound. A stock figure every later figure contradicts was overtaken (:mod:`.change`).
- :func:`before_every_figure`: an ``at`` before every figure of a quantity leaves it unknown.
- :func:`pick`: one evidence interval per source from what :func:`supersede` kept.

Times are instants (:mod:`.arrays`); windows are in seconds. This module imports nothing from
the rest of the package but its sibling stages.

>>> out = supersede(group=np.zeros(3, np.int64), q=np.zeros(3, np.intp),
...                 start=np.array([1, 2, 9]), moment=np.array([1, 2, 9]),
...                 alive=np.ones(3, bool), cumulative=np.zeros(3, bool),
...                 stock=np.ones(3, bool), alone=np.zeros(3, bool), at=np.array([5]),
...                 hindsight=np.array([True]), role=np.zeros(3, np.int8), low=np.ones(3),
...                 best=np.ones(3), high=np.ones(3), source=np.zeros(3, np.intp), change=None)
>>> [Role(r).name for r in out.role], out.lower.tolist()
(['SUPERSEDED', 'USED', 'OUT_OF_WINDOW'], [1])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from estimates.reconciliation.stages.arrays import (
    NO_DAY,
    BoolArray,
    FloatArray,
    Int8Array,
    Int64Array,
    IntArray,
    frozen,
    reading_high,
    reading_low,
    segment_starts,
)
from estimates.reconciliation.stages.change import overtaken
from estimates.reconciliation.stages.roles import Role

__all__ = [
    "BaseStart",
    "MainKind",
    "Picked",
    "Supersession",
    "base_start",
    "before_every_figure",
    "flow_window",
    "main_kind",
    "pick",
    "supersede",
]


@dataclass(frozen=True)
class MainKind:
    """Per quantity its kind of observation (``kind``, a code below ``n_kinds``); per row,
    whether it is of ``other`` kind (and so set apart)."""

    kind: Int8Array
    other: BoolArray


def main_kind(
    *, q: IntArray, kind: Int8Array, observation: BoolArray, n_quantities: int, n_kinds: int = 3
) -> MainKind:
    """The most common kind among each quantity's ``observation`` rows (kind codes below
    ``n_kinds``; ties: the lowest code), counted over evidence rows so that duplicates and
    relays do not tip the balance.

    >>> out = main_kind(q=np.array([0, 0, 0]), kind=np.array([1, 1, 0], np.int8),
    ...                 observation=np.ones(3, bool), n_quantities=1)
    >>> out.kind.tolist(), out.other.tolist()
    ([1], [False, False, True])
    """
    counts = np.bincount(
        q[observation] * n_kinds + kind[observation], minlength=n_quantities * n_kinds
    ).reshape(n_quantities, n_kinds)
    main = np.argmax(counts, axis=1).astype(np.int8)
    return MainKind(kind=frozen(main), other=frozen(observation & (kind != main[q])))


@dataclass(frozen=True)
class BaseStart:
    """Per quantity its base start (``since``, :data:`NO_DAY` for none) and how many figures
    counted from another start were set apart (``n_far``); per row, whether it is one (``far``)."""

    since: Int64Array
    far: BoolArray
    n_far: IntArray


def base_start(
    *, q: IntArray, since: Int64Array, cumulative: BoolArray, n_quantities: int, window: int
) -> BaseStart:
    """Each quantity's most common start among its ``cumulative`` rows' ``since`` (ties: the
    latest); a row counted from a start more than ``window`` seconds away is ``far``.

    >>> out = base_start(q=np.zeros(3, np.intp), since=np.array([0, 0, 100]),
    ...                  cumulative=np.ones(3, bool), n_quantities=1, window=10)
    >>> out.since.tolist(), out.far.tolist()
    ([0], [False, False, True])
    """
    base = np.full(n_quantities, NO_DAY, dtype=np.int64)
    counted = cumulative & (since != NO_DAY)
    if counted.any():
        keys = np.stack([q[counted].astype(np.int64), since[counted]])
        uniq, cnt = np.unique(keys, axis=1, return_counts=True)
        order = np.lexsort((-uniq[1], -cnt, uniq[0]))
        firsts = segment_starts([uniq[0][order]])
        base[uniq[0][order][firsts]] = uniq[1][order][firsts]
    far = counted & (base[q] != NO_DAY) & (np.abs(since - base[q]) > window)
    return BaseStart(
        since=frozen(base),
        far=frozen(far),
        n_far=frozen(np.bincount(q[far], minlength=n_quantities).astype(np.intp)),
    )


def flow_window(
    *,
    q: IntArray,
    moment: Int64Array,
    start: Int64Array,
    stated: Int64Array,
    since: Int64Array,
    flow: BoolArray,
    at: Int64Array,
    hindsight: BoolArray,
    window: int,
) -> BoolArray:
    """Per row, whether a ``flow`` row lies outside its quantity's window: the window (the
    ``moment`` it ends) of the latest flow ending at or before ``at`` (per quantity; latest by
    moment, then day stated), else with ``hindsight`` the earliest after; a row counted from a
    start (``since``) more than ``window`` seconds from the window's is outside too.

    >>> flow_window(q=np.zeros(3, np.intp), moment=np.array([5, 10, 20]),
    ...             start=np.array([0, 6, 13]), stated=np.array([5, 10, 20]),
    ...             since=np.full(3, NO_DAY), flow=np.ones(3, bool), at=np.array([12]),
    ...             hindsight=np.array([False]), window=0).tolist()
    [True, False, True]
    """
    outside = np.zeros(q.size, dtype=bool)
    if not flow.any():
        return frozen(outside)
    n_quantities = at.size
    before = flow & (start <= at[q])
    after = flow & ~before & hindsight[q]
    # reference row: the latest window ending at or before ``at``; else the earliest after
    idx = np.flatnonzero(before)
    order = np.lexsort((stated[idx], moment[idx], q[idx]))
    lasts = np.r_[q[idx][order][1:] != q[idx][order][:-1], True] if idx.size else np.zeros(0, bool)
    ref = idx[order][lasts]
    idx2 = np.flatnonzero(after & ~np.isin(q, q[ref]))
    order = np.lexsort((stated[idx2], moment[idx2], q[idx2]))
    firsts = segment_starts([q[idx2][order]]) if idx2.size else np.zeros(0, bool)
    ref = np.r_[ref, idx2[order][firsts]].astype(np.intp)
    win_end = np.full(n_quantities, NO_DAY, dtype=np.int64)
    win_since = np.full(n_quantities, NO_DAY, dtype=np.int64)
    win_end[q[ref]] = moment[ref]
    win_since[q[ref]] = since[ref]
    ws = win_since[q]
    in_window = (moment == win_end[q]) & (
        (since == NO_DAY) | (ws == NO_DAY) | (np.abs(since - ws) <= window)
    )
    outside = flow & ~in_window
    return frozen(outside)


@dataclass(frozen=True)
class Supersession:
    """What :func:`supersede` returns.

    Per row: ``role`` (the roles given, others as they came), ``side`` (-1 a lower bound, 1 an
    upper bound, 0 neither). Per group of rows (quantity, kind, source; ``starts`` its first
    row): ``lower`` and ``upper``, the rows that stand (-1: none; a stock's one row is both),
    ``cumulative`` (a running total's group).
    """

    role: Int8Array
    side: Int8Array
    used: BoolArray
    starts: IntArray
    lower: IntArray
    upper: IntArray
    cumulative: BoolArray


def supersede(
    *,
    group: Int64Array,
    q: IntArray,
    start: Int64Array,
    moment: Int64Array,
    alive: BoolArray,
    cumulative: BoolArray,
    stock: BoolArray,
    alone: BoolArray,
    at: Int64Array,
    hindsight: BoolArray,
    role: Int8Array,
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    source: IntArray,
    change: int | None,
) -> Supersession:
    """Per group (rows sorted by ``group``, then moment, then day stated) the figures that stand
    at ``at`` (per quantity; :data:`~.arrays.FAR` for none).

    ``alive`` rows take part; ``cumulative`` rows are running totals, ``stock`` rows levels;
    ``alone`` rows are projections of a quantity without observations (they stand whatever
    ``at`` says). A row that no longer stands is ``superseded`` (or, a stock-like figure about a
    moment after ``at``, ``out of window``); a figure after ``at`` used with hindsight is
    ``future``; a running total's bound is ``bound``. With ``change`` (seconds) and the figures
    (``low``/``best``/``high``, ``source``), a stock's figure at or before ``at`` that every
    figure about a moment ``change`` or more later contradicts is ``overtaken``.
    """
    m = group.size
    new = segment_starts([group]) if m else np.zeros(0, bool)
    # every group one row (each source said one thing about each quantity): each group's
    # latest and earliest row is that row, and nothing is reduced
    one_each = bool(new.all())
    starts = np.arange(m, dtype=np.intp) if one_each else np.flatnonzero(new)
    ng = starts.size
    pos = np.arange(m)
    at_e = at[q]
    before = start <= at_e
    lower_cand = alive & np.where(cumulative, before, before | alone)
    if hindsight.any():
        seen_after = hindsight[q]
        upper_cand = alive & cumulative & (moment >= at_e) & (before | seen_after)
        after_cand = alive & ~cumulative & ~lower_cand & seen_after
    else:  # no hindsight: nothing after ``at`` counts but a running total's figure at ``at``
        upper_cand = alive & cumulative & (moment >= at_e) & before
        after_cand = np.zeros(m, dtype=bool)
    none = m + 1
    last_lower = np.where(lower_cand, pos, -1)
    first_upper = np.where(upper_cand, pos, none)
    first_after = np.where(after_cand, pos, none)
    g_cum = cumulative
    if not one_each:
        last_lower = np.maximum.reduceat(last_lower, starts) if ng else starts
        first_upper = np.minimum.reduceat(first_upper, starts) if ng else starts
        first_after = np.minimum.reduceat(first_after, starts) if ng else starts
        g_cum = cumulative[starts] if ng else np.zeros(0, bool)
    first_upper = np.where(first_upper < none, first_upper, -1)
    # stock-like: the latest at or before ``at``; failing that (hindsight) the earliest after
    later = np.where(g_cum, first_upper, np.where(first_after < none, first_after, -1))
    rep = np.where(last_lower >= 0, last_lower, later)
    used = np.zeros(m, dtype=bool)
    side = np.zeros(m, dtype=np.int8)
    stock_rep = rep[(rep >= 0) & ~g_cum]
    used[stock_rep] = True
    future_rows = stock_rep[start[stock_rep] > at_e[stock_rep]]
    cum_l = last_lower[g_cum & (last_lower >= 0)]
    cum_u = first_upper[g_cum & (first_upper >= 0)]
    used[cum_l] = True
    used[cum_u] = True
    side[cum_l] = -1
    side[cum_u] = np.where(side[cum_u] == -1, 0, 1).astype(np.int8)
    out = role.copy()
    superseded = alive & ~used
    out[superseded & (cumulative | before | alone)] = Role.SUPERSEDED
    out[superseded & ~cumulative & ~before & ~alone] = Role.OUT_OF_WINDOW
    out[future_rows] = Role.FUTURE
    out[used & cumulative & (side != 0)] = Role.BOUND
    # a stock's figure that every later figure contradicts was overtaken (stages.change)
    stock_now = stock_rep[stock[stock_rep] & before[stock_rep]]
    # the rows ascend (one per group): as many as there are rows, they are every row in order
    every = stock_now.size == m

    def now(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if every else values[stock_now]

    # figures with no moment are never overtaken: without dates there is nothing to read
    if stock_now.size > 1 and change is not None and bool((now(moment) != NO_DAY).any()):
        gone = stock_now[
            overtaken(
                q=now(q), moment=now(moment), source=now(source),
                low=reading_low(now(low), now(best)), high=reading_high(now(high), now(best)),
                apart=change,
            )
        ]  # fmt: skip
        out[gone] = Role.OVERTAKEN
        used[gone] = False
        is_gone = np.zeros(m, dtype=bool)
        is_gone[gone] = True
        rep[(rep >= 0) & is_gone[np.maximum(rep, 0)]] = -1
    return Supersession(
        role=frozen(out),
        side=frozen(side),
        used=frozen(used),
        starts=frozen(starts),
        lower=frozen(np.where(g_cum, last_lower, rep)),
        upper=frozen(np.where(g_cum, first_upper, rep)),
        cumulative=frozen(g_cum),
    )


def before_every_figure(
    *,
    q: IntArray,
    start: Int64Array,
    role: Int8Array,
    used: BoolArray,
    alone: BoolArray,
    at: Int64Array,
) -> tuple[BoolArray, Int8Array]:
    """Per quantity, whether ``at`` falls before every figure about it (relays and projections
    aside; ``alone`` projections always count); and the roles with the figures of those
    quantities that were ``used`` set apart (``out of window``).

    >>> early, role = before_every_figure(q=np.array([0, 1]), start=np.array([9, 3]),
    ...     role=np.zeros(2, np.int8), used=np.ones(2, bool), alone=np.zeros(2, bool),
    ...     at=np.array([5, 5]))
    >>> early.tolist(), [Role(r).name for r in role]
    ([True, False], ['OUT_OF_WINDOW', 'USED'])
    """
    n_quantities = at.size
    observed = (role != Role.PROJECTION) & (role != Role.RELAY) & (role != Role.DUPLICATE)
    any_before = np.zeros(n_quantities, dtype=bool)
    any_before[q[observed & ((start <= at[q]) | alone)]] = True
    has_rows = np.zeros(n_quantities, dtype=bool)
    has_rows[q] = True
    too_early = ~any_before & has_rows
    out = role.copy()
    out[too_early[q] & used] = Role.OUT_OF_WINDOW
    return frozen(too_early), frozen(out)


@dataclass(frozen=True)
class Picked:
    """What :func:`pick` returns.

    Per evidence interval (one per group that stands, in group order): ``row`` (a row it
    comes from), ``lower``/``upper`` (the rows of its ends, -1 for none; one row for a stock),
    the interval ``low``/``best``/``high`` with ``closed_left``/``closed_right``, and ``factor``
    (prior weight). Per row: ``role``, ``side`` and ``interval`` (the interval it went into, -1
    for none).
    """

    row: IntArray
    lower: IntArray
    upper: IntArray
    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    factor: FloatArray
    role: Int8Array
    side: Int8Array
    interval: IntArray

    def take(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """``values`` (one per row) at each interval's ``row``: ``values`` themselves when every
        row is an interval of its own, in order.

        >>> p = pick(kept=supersede(group=np.arange(2), q=np.zeros(2, np.intp),
        ...     start=np.zeros(2, np.int64), moment=np.zeros(2, np.int64),
        ...     alive=np.ones(2, bool), cumulative=np.zeros(2, bool), stock=np.ones(2, bool),
        ...     alone=np.zeros(2, bool), at=np.array([5]), hindsight=np.array([False]),
        ...     role=np.zeros(2, np.int8), low=np.ones(2), best=np.ones(2), high=np.ones(2),
        ...     source=np.arange(2), change=None), q=np.zeros(2, np.intp),
        ...     too_early=np.array([False]), stated=np.zeros(2, np.int64), low=np.ones(2),
        ...     best=np.ones(2), high=np.ones(2), closed_left=np.ones(2, bool),
        ...     closed_right=np.ones(2, bool), factor=np.ones(2), role=np.zeros(2, np.int8))
        >>> values = np.array([7.0, 8.0])
        >>> p.take(values) is values
        True
        """
        if self.row.size == self.interval.size:
            return values
        result: npt.NDArray[Any] = values[self.row]
        return result


def pick(
    *,
    kept: Supersession,
    q: IntArray,
    too_early: BoolArray,
    stated: Int64Array,
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    closed_left: BoolArray,
    closed_right: BoolArray,
    factor: FloatArray,
    role: Int8Array,
) -> Picked:
    """One evidence interval per group that stands (its quantity not ``too_early``): a stock's
    figure as it is; a running total's lower and upper bound as one interval from the lower's
    floor to the upper's ceiling, weighing the mean of their weights.

    A running total cannot fall: when a source's lower bound lies above its upper bound the two
    cannot both hold, and the one ``stated`` later (its revision) is kept, on its own side; the
    other is ``superseded``. Rows are the evidence rows ``kept`` was computed on; ``role`` as
    :func:`supersede` left it.
    """
    cl, cr = closed_left, closed_right
    starts = kept.starts
    one_each = starts.size == q.size  # every group one row: group i is row i
    stands = ((kept.lower >= 0) | (kept.upper >= 0)) & ~too_early[q if one_each else q[starts]]
    if stands.all():
        gl, gu, cum_g = kept.lower.copy(), kept.upper.copy(), kept.cumulative
    else:
        gl, gu = kept.lower[stands].copy(), kept.upper[stands].copy()
        cum_g = kept.cumulative[stands]
    out_role, side = role.copy(), kept.side.copy()
    pair = cum_g & (gl >= 0) & (gu >= 0) & (gl != gu)
    if pair.any():
        pl, pu = gl[pair], gu[pair]
        fell = reading_low(low[pl], best[pl]) > reading_high(high[pu], best[pu])
        if fell.any():
            idx = np.flatnonzero(pair)[fell]
            keep_upper = stated[gu[idx]] > stated[gl[idx]]
            dropped = np.where(keep_upper, gl[idx], gu[idx])
            out_role[dropped] = Role.SUPERSEDED
            side[dropped] = 0
            gl[idx] = np.where(keep_upper, -1, gl[idx])
            gu[idx] = np.where(keep_upper, gu[idx], -1)
    one = np.where(gl >= 0, gl, gu)
    has_l, has_u = gl >= 0, gu >= 0
    if cum_g.any():
        span = cum_g & (gl != gu)
        sl, su = np.where(has_l, gl, 0), np.where(has_u, gu, 0)
        ev_low = np.where(span, np.where(has_l, reading_low(low[sl], best[sl]), -np.inf), low[one])
        ev_high = np.where(
            span, np.where(has_u, reading_high(high[su], best[su]), np.inf), high[one]
        )
        ev_best = np.where(span, np.nan, best[one])
        ev_cl = np.where(
            span, has_l & (cl[sl] | ~np.isfinite(low[sl])) & np.isfinite(ev_low), cl[one]
        )
        ev_cr = np.where(
            span, has_u & (cr[su] | ~np.isfinite(high[su])) & np.isfinite(ev_high), cr[one]
        )
        ev_factor = np.where(span & has_l & has_u, (factor[sl] + factor[su]) / 2, factor[one])
    elif one.size == q.size:
        # no running totals, and every row stands alone in its group: the intervals are the
        # rows, in order (``one`` is every row)
        ev_low, ev_high, ev_best, ev_cl, ev_cr, ev_factor = low, high, best, cl, cr, factor
    else:
        # no running totals: every interval is one figure as it was merged
        ev_low, ev_high, ev_best = low[one], high[one], best[one]
        ev_cl, ev_cr, ev_factor = cl[one], cr[one], factor[one]
    interval = np.full(q.size, -1, dtype=np.intp)
    interval[gl[has_l]] = np.flatnonzero(has_l)
    if cum_g.any():  # a stock's one row is its lower and its upper end: written once
        interval[gu[has_u]] = np.flatnonzero(has_u)
    return Picked(
        row=frozen(one.astype(np.intp)),
        lower=frozen(gl),
        upper=frozen(gu),
        low=frozen(ev_low),
        best=frozen(ev_best),
        high=frozen(ev_high),
        closed_left=frozen(ev_cl),
        closed_right=frozen(ev_cr),
        factor=frozen(ev_factor),
        role=frozen(out_role),
        side=frozen(side),
        interval=frozen(interval),
    )
