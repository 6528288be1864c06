"""Same evidence once: one source's figures of one day about one moment become one interval,
and a later report of a figure its source gave is a relay of that statement.

Two stages of arrays:

- :func:`relays`: among figures of one quantity, kind and source, a later report of the same
  figure (bounds, best, open ends, start) stated within ``relay_days`` after the statement it
  repeats is a **relay** and counts once; a report later than that is a new statement.
- :func:`merge`: the figures of one quantity, kind and source stated on one day about one moment
  (and one start) become one evidence row: their hull, a best standing for an unstated end
  (identical figures: a **duplicate**, each after the first); a running total's figures that all
  hold together state their overlap. A relay never joins the figures of its day.

Times are instants (:mod:`.arrays`). This module imports nothing from the rest of the package
but its sibling stages.

>>> out = merge(q=np.array([0, 0]), kind=np.array([0, 0], np.int8), source=np.array([0, 0]),
...             n_sources=1, moment=np.array([5, 5]), stated=np.array([5, 5]),
...             start=np.array([5, 5]), since=np.full(2, NO_DAY), low=np.array([10.0, 12.0]),
...             high=np.array([11.0, 15.0]), best=np.full(2, np.nan),
...             closed_left=np.ones(2, bool), closed_right=np.ones(2, bool), factor=np.ones(2),
...             cumulative=np.zeros(2, bool), set_apart=np.zeros(2, bool), relay_days=7 * 86_400)
>>> out.low.tolist(), out.high.tolist(), out.count.tolist()
([10.0], [15.0], [2])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.reconciliation.stages.arrays import (
    DAY,
    NO_DAY,
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    frozen,
    hash_rows,
    same_array,
    same_float,
    segment_starts,
    sort_ints,
)
from estimates.reconciliation.stages.roles import Role

__all__ = ["Merged", "merge", "relays"]


def relays(
    group: Int64Array,
    low: FloatArray,
    high: FloatArray,
    best: FloatArray,
    closed_left: BoolArray,
    closed_right: BoolArray,
    since: Int64Array,
    stated: Int64Array,
    relay_days: int,
) -> BoolArray:
    """Per row: does it repeat, later and within ``relay_days`` (seconds, counted in calendar
    days when a whole number of days), a figure of its ``group`` (quantity, kind and source)?

    Same group, start (``since``) and figure (``low``/``high`` with ``±inf`` for no end, ``best``,
    open ends); the earliest report is the statement, each later one stated within
    ``relay_days`` after the statement is a relay of it (a report later than that is a new
    statement, which later reports may relay in turn). Undated reports are neither. Only figures
    given more than once are sorted (one hash pass finds them); equal hashes are checked field by
    field, so a hash collision never makes a relay. A report of a whole day is as late as that
    day's last second, so the window counts calendar days: a statement made on the morning of
    1 March is relayed by a report dated 8 March with a 7-day window, as one made any time on
    1 March is.

    >>> relays(np.zeros(3, np.int64), np.ones(3), np.ones(3), np.full(3, np.nan),
    ...        np.ones(3, bool), np.ones(3, bool), np.full(3, NO_DAY),
    ...        np.array([0, 3, 20]) * 86_400, 7 * 86_400).tolist()
    [False, True, False]
    """
    n = group.size
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    cl, cr = closed_left, closed_right
    fig = hash_rows(
        low, high, np.where(np.isnan(best), -np.inf, best), cl.astype(float), cr.astype(float),
        group.astype(float), since.astype(float),
    )  # fmt: skip
    repeated = np.flatnonzero(pd.Series(fig).duplicated(keep=False).to_numpy())
    if repeated.size < 2:
        return out
    order = repeated[np.lexsort((stated[repeated], fig[repeated]))]
    later, earlier = order[1:], order[:-1]
    same = (
        (group[later] == group[earlier])
        & (low[later] == low[earlier])
        & (high[later] == high[earlier])
        & same_float(best[later], best[earlier])
        & (cl[later] == cl[earlier])
        & (cr[later] == cr[earlier])
        & (since[later] == since[earlier])
    )
    # runs of one figure, in order of the day stated; each run's first report is a statement,
    # and so is every report more than relay_days after the statement it would relay
    run_start = np.r_[True, ~same]
    run_id = np.cumsum(run_start) - 1
    run_len = np.bincount(run_id)
    days = stated[order]
    dated = days != NO_DAY
    first_day = days[np.flatnonzero(run_start)][run_id]
    short = run_len[run_id] <= 2
    # a run of two: the second relays the first when stated on a later day within the window
    relay = short & ~run_start & dated & dated[np.maximum(np.arange(order.size) - 1, 0)]
    relay &= (days > first_day) & _within(days, first_day, relay_days)
    # longer runs (rare) are walked report by report: the statement moves on
    run_first = np.flatnonzero(run_start)
    for run in np.flatnonzero(run_len > 2).tolist():
        anchor = NO_DAY
        for j in range(int(run_first[run]), int(run_first[run] + run_len[run])):
            d = int(days[j])
            if d == NO_DAY:
                continue
            if anchor != NO_DAY and anchor < d and bool(_within(d, anchor, relay_days)):
                relay[j] = True
            elif anchor == NO_DAY or not bool(_within(d, anchor, relay_days)):
                anchor = d
    out[order[relay]] = True
    return out


def _within(later: Any, earlier: Any, window: int) -> Any:
    """Whether ``later`` is at most ``window`` seconds after ``earlier``: in calendar days when
    the window is a whole number of days (both instants read by the day they fall on)."""
    if window % DAY == 0:
        return later // DAY - earlier // DAY <= window // DAY
    return later - earlier <= window


@dataclass(frozen=True)
class Merged:
    """What :func:`merge` returns (read-only arrays).

    Per claim (``n``): ``evidence_of``, the evidence row it went into; ``duplicate``, whether it
    repeats a figure its source gave on the same day (the first of them is not a duplicate).

    Per evidence row (``m``, sorted by quantity, kind, source, moment, day stated, start, start
    of count, relay): ``first`` (its first claim), ``count`` (claims merged), ``q``, ``kind``,
    ``source``, ``group`` (one number per quantity, kind and source), ``stated``, ``moment``,
    ``start``, ``since``, the interval ``low``/``best``/``high`` (``±inf`` for no end) with
    ``closed_left``/``closed_right``, ``factor`` (its most confident figure's prior weight) and
    ``role`` (``used``, ``projection`` or ``relay``).
    """

    evidence_of: IntArray
    duplicate: BoolArray
    first: IntArray
    count: IntArray
    q: IntArray
    kind: npt.NDArray[np.int8]
    source: IntArray
    group: Int64Array
    stated: Int64Array
    moment: Int64Array
    start: Int64Array
    since: Int64Array
    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    factor: FloatArray
    role: npt.NDArray[np.int8]


def merge(
    *,
    q: IntArray,
    kind: npt.NDArray[np.int8],
    source: IntArray,
    n_sources: int,
    moment: Int64Array,
    stated: Int64Array,
    start: Int64Array,
    since: Int64Array,
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    closed_left: BoolArray,
    closed_right: BoolArray,
    factor: FloatArray,
    cumulative: BoolArray,
    set_apart: BoolArray,
    relay_days: int,
) -> Merged:
    """One evidence row per (quantity, kind, source, moment, day stated, start, start of count),
    relays apart.

    Per claim: ``q`` (quantity), ``kind`` (code, 0–3), ``source`` (code, below ``n_sources``),
    the instants ``moment`` (the end of the moment described), ``stated``, ``start`` (the
    start of the moment described) and ``since`` (a running total's start, :data:`NO_DAY` for
    none), the figure ``low``/``best``/``high`` (``±inf``: no end; ``best`` NaN: none) with its
    closed ends, ``factor`` (prior weight), ``cumulative`` (a running total), ``set_apart`` (a
    projection of a quantity with observations) and ``relay_days`` in seconds.
    """
    n = q.size
    cl, cr = closed_left, closed_right
    group = (q.astype(np.int64) * 4 + kind) * n_sources + source
    # relays first, claim by claim: a later report of a figure the same source gave within
    # relay_days counts once, whatever else the source said on the day of the relay
    keys = [group, moment, stated, start, since]
    order, packed = sort_ints(keys)
    # only a source that said several things about a quantity can repeat itself
    sorted_group = group[order]
    several = np.zeros(n, dtype=bool)
    if n > 1:
        same_next = sorted_group[1:] == sorted_group[:-1]
        several[order[1:][same_next]] = True
        several[order[:-1][same_next]] = True
    is_relay = np.zeros(n, dtype=bool)
    sv = np.flatnonzero(several)
    if sv.size > 1:
        is_relay[sv] = relays(
            group[sv], low[sv], high[sv], best[sv], cl[sv], cr[sv], since[sv], stated[sv],
            relay_days,
        )  # fmt: skip
    if is_relay.any():
        # a relay never joins the other figures of its day: sort again with it as a key
        keys.append(is_relay.astype(np.int64))
        order, packed = sort_ints(keys)
    if packed is not None:
        new = segment_starts([packed])
    else:
        new = segment_starts([k[order] for k in keys])
    if n and new.all():
        # every claim an evidence row of its own (nothing to merge): rows in sorted order
        ev_sorted = starts = np.arange(n, dtype=np.intp)
        count, first = np.ones(n, dtype=np.intp), order
    else:
        ev_sorted = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        count = np.diff(np.r_[starts, n]).astype(np.intp) if n else np.zeros(0, dtype=np.intp)
        first = order[starts] if starts.size else np.zeros(0, dtype=np.intp)
    m = starts.size
    evidence_of = np.empty(n, dtype=np.intp)
    evidence_of[order] = ev_sorted

    e_lo, e_hi, e_best = low[first], high[first], best[first]
    e_cl, e_cr, e_factor = _taken(cl, first), _taken(cr, first), _taken(factor, first)
    duplicate = np.zeros(n, dtype=bool)
    # most evidence rows hold one claim; only the others need reducing
    if m and bool((count > 1).any()):
        pos = np.flatnonzero((count > 1)[ev_sorted])
        rows = order[pos]
        gid = ev_sorted[pos]
        _hull(
            rows, gid, np.flatnonzero(count > 1), low, best, high, cl, cr, factor,
            cumulative[rows], e_lo, e_best, e_hi, e_cl, e_cr, e_factor,
        )  # fmt: skip
        # a figure repeated by its source on the same day adds nothing: a duplicate
        same_fig = hash_rows(
            low[rows], high[rows], np.where(np.isnan(best[rows]), -np.inf, best[rows]),
            cl[rows].astype(float), cr[rows].astype(float), gid.astype(float),
        )  # fmt: skip
        dup = pd.Series(same_fig).duplicated(keep="first").to_numpy()
        duplicate[rows[dup]] = True
        duplicate &= ~set_apart
    role = np.full(m, Role.USED, dtype=np.int8)
    if set_apart.any():
        role[set_apart[first]] = Role.PROJECTION
    if is_relay.any():
        role[is_relay[first] & (role == Role.USED)] = Role.RELAY
    # every order above sorts by group first, so the rows' groups in sorted order are the same
    # whichever order was kept: each evidence row's group, quantity, kind and source are read
    # from them (the group holds the three when they lie within their ranges)
    e_group = sorted_group[starts]
    if n and int(source.min()) >= 0 and int(source.max()) < n_sources and _kinds_fit(kind):
        e_source = (e_group % n_sources).astype(source.dtype)
        e_kind = (e_group // n_sources % 4).astype(kind.dtype)
        e_q = (e_group // n_sources // 4).astype(q.dtype)
    else:
        e_source, e_kind, e_q = source[first], kind[first], q[first]
    e_stated, e_moment, e_start, e_since = _gathered([stated, moment, start, since], first)
    return Merged(
        evidence_of=frozen(evidence_of),
        duplicate=frozen(duplicate),
        first=frozen(first),
        count=frozen(count),
        q=frozen(e_q),
        kind=frozen(e_kind),
        source=frozen(e_source),
        group=frozen(e_group),
        stated=e_stated,
        moment=e_moment,
        start=e_start,
        since=e_since,
        low=frozen(e_lo),
        best=frozen(e_best),
        high=frozen(e_hi),
        closed_left=frozen(e_cl),
        closed_right=frozen(e_cr),
        factor=frozen(e_factor),
        role=frozen(role),
    )


def _gathered(columns: list[Int64Array], rows: IntArray) -> list[Int64Array]:
    """Each column at ``rows``, read-only; columns equal to an earlier one (a moment that is the
    day stated, as it is without "as of"; no dates at all) share its gathered array, and a
    column of one value (no start of count) is that value repeated, not gathered.

    >>> a, b, c = _gathered([np.array([5, 6]), np.array([5, 6]), np.array([0, 0])], np.array([1]))
    >>> a is b, a.tolist(), c.tolist()
    (True, [6], [0])
    """
    out: list[Int64Array] = []
    for i, column in enumerate(columns):
        same = next((j for j in range(i) if same_array(columns[j], column)), None)
        out.append(out[same] if same is not None else frozen(_taken(column, rows)))
    return out


def _taken(column: npt.NDArray[Any], rows: IntArray) -> npt.NDArray[Any]:
    """``column`` at ``rows``, a new array; a column of one value (bit for bit) is that value
    repeated, not gathered (a gather reads rows far apart: no start of count, every figure of
    one weight).

    >>> _taken(np.array([0.5, 0.5, 0.5]), np.array([2, 0])).tolist()
    [0.5, 0.5]
    """
    bits = column.view(np.dtype(f"u{column.dtype.itemsize}"))
    if column.size and bool((bits == bits[0]).all()):
        return np.full(rows.size, column[0], dtype=column.dtype)
    result: npt.NDArray[Any] = column[rows]
    return result


def _kinds_fit(kind: npt.NDArray[np.int8]) -> bool:
    """Whether every kind code lies in 0–3 (as the group number packs it)."""
    return bool(kind.size == 0 or (int(kind.min()) >= 0 and int(kind.max()) < 4))


def _hull(
    rows: IntArray,
    gid: IntArray,
    multi: IntArray,
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    cl: BoolArray,
    cr: BoolArray,
    factor: FloatArray,
    cumulative: BoolArray,
    e_lo: FloatArray,
    e_best: FloatArray,
    e_hi: FloatArray,
    e_cl: BoolArray,
    e_cr: BoolArray,
    e_factor: FloatArray,
) -> None:
    """Write into the ``e_*`` rows ``multi`` (evidence rows of several claims) their interval.

    ``rows`` are those claims grouped by evidence row (``gid``, ascending). Identical figures
    stay as they are; others become their hull, a best standing for an unstated end, with the
    figures' own best when they all state one; the weight is the most confident figure's. A
    running total's figures (``cumulative``, per row of ``rows``) that all hold together state
    their overlap ("at least 400" and "499": 499).
    """
    group_new = np.r_[True, gid[1:] != gid[:-1]]
    starts = np.flatnonzero(group_new)
    local = np.cumsum(group_new) - 1

    def spread(x: npt.NDArray[Any]) -> BoolArray:
        taken = x[rows]
        same: BoolArray = np.minimum.reduceat(taken, starts) == np.maximum.reduceat(taken, starts)
        return same

    best_key = np.where(np.isnan(best), -np.inf, best)
    same_best = spread(best_key)
    same = spread(low) & spread(high) & same_best & spread(cl) & spread(cr)
    lo_m, hi_m, be_m = low[rows], high[rows], best[rows]
    eff_lo = np.where(np.isfinite(lo_m), lo_m, np.where(np.isnan(be_m), -np.inf, be_m))
    eff_hi = np.where(np.isfinite(hi_m), hi_m, np.where(np.isnan(be_m), np.inf, be_m))
    g_lo = np.minimum.reduceat(eff_lo, starts)
    g_hi = np.maximum.reduceat(eff_hi, starts)
    # a hull end is closed when some row reaching it is closed there (a best is closed)
    cl_eff = np.where(np.isfinite(lo_m), cl[rows], ~np.isnan(be_m))
    cr_eff = np.where(np.isfinite(hi_m), cr[rows], ~np.isnan(be_m))
    g_cl = np.maximum.reduceat((eff_lo == g_lo[local]) & cl_eff, starts)
    g_cr = np.maximum.reduceat((eff_hi == g_hi[local]) & cr_eff, starts)
    e_lo[multi] = np.where(same, e_lo[multi], g_lo)
    e_hi[multi] = np.where(same, e_hi[multi], g_hi)
    # the figures' own best, when they all state the same one (each lies within the hull)
    one_best = same_best & np.isfinite(np.minimum.reduceat(best_key[rows], starts))
    e_best[multi] = np.where(same | one_best, e_best[multi], np.nan)
    e_cl[multi] = np.where(same, e_cl[multi], g_cl & np.isfinite(g_lo))
    e_cr[multi] = np.where(same, e_cr[multi], g_cr & np.isfinite(g_hi))
    # the interval weighs as its most confident figure: repeating a figure adds nothing
    e_factor[multi] = np.maximum.reduceat(factor[rows], starts)
    # a running total's figures of one day that all hold together state their overlap;
    # figures that cannot all hold stay one hull
    cum = cumulative[starts]
    if not cum.any():
        return
    i_lo = np.maximum.reduceat(eff_lo, starts)
    i_hi = np.minimum.reduceat(eff_hi, starts)
    inter = cum & ~same & (i_lo <= i_hi)
    if not inter.any():
        return
    inside = (be_m >= i_lo[local]) & (be_m <= i_hi[local])
    b_in = np.maximum.reduceat(np.where(inside, be_m, -np.inf), starts)
    i_cl = np.maximum.reduceat((eff_lo == i_lo[local]) & cl_eff, starts)
    i_cr = np.maximum.reduceat((eff_hi == i_hi[local]) & cr_eff, starts)
    target = multi[inter]
    e_lo[target] = i_lo[inter]
    e_hi[target] = i_hi[inter]
    e_best[target] = np.where(np.isfinite(b_in[inter]), b_in[inter], np.nan)
    e_cl[target] = i_cl[inter] & np.isfinite(i_lo[inter])
    e_cr[target] = i_cr[inter] & np.isfinite(i_hi[inter])
