"""Checking the claims of a ledger (or a reconciliation table) against relations: each violation
with the smallest set of claims that cannot all be true."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import DateError, OptionError, RelationError
from estimates.reconciliation.relations._model import AtMost, Monotone, SumOf, _sum_high, validate
from estimates.reconciliation.relations._report import ObjArray, Report, Violation
from estimates.reconciliation.stages.arrays import BoolArray, FloatArray, Int64Array
from estimates.values import units as _units
from estimates.values.dates import to_period
from estimates.values.ranges import closed_from_flags
from estimates.values.words import number as _number
from estimates.values.words import range_words, unit_words

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources


def _day_text(start: np.datetime64, end: np.datetime64) -> str:
    s = str(start)[:10]
    e = str(end)[:10]
    return s if s == e else f"{s}/{e}"


def _figure(lo: float, hi: float, cl: bool, cr: bool, count: bool) -> str:
    # a count is never below zero: a closed zero is no bound ("fewer than 10")
    no_low = math.isinf(lo) or (count and lo == 0 and cl and lo != hi)
    if no_low and math.isinf(hi):
        return "unbounded"
    return range_words(None if no_low else lo, None, hi, closed_from_flags(cl, cr))


class _Claims:
    """The ledger's claims as arrays, read for checking (see :func:`check`)."""

    def __init__(self, frame: pd.DataFrame, sources: Sources | None) -> None:
        f = frame
        self.n = len(f)
        low = f["low"].to_numpy(dtype=float)
        best = f["best"].to_numpy(dtype=float)
        high = f["high"].to_numpy(dtype=float)
        closed = f["closed"].to_numpy(dtype=object)
        units = f["unit"].to_numpy(dtype=object)
        count = np.array([_units.is_count(u) for u in units], dtype=bool)
        # a bare figure ("about 11,000") is read as the figure itself
        point = np.isnan(low) & np.isnan(high) & ~np.isnan(best)
        self.lo = np.where(point, best, np.where(np.isnan(low), np.where(count, 0.0, -np.inf), low))
        self.hi = np.where(point, best, np.where(np.isnan(high), np.inf, high))
        self.cl = point | np.isin(closed, ["both", "left"]) | (np.isnan(low) & count)
        self.cr = point | np.isin(closed, ["both", "right"])
        self.count = count
        self.units = units
        self.quantity = f["quantity"].to_numpy(dtype=object)
        self.kind = f["kind"].to_numpy(dtype=object)
        as0, as1 = f["as_of_start"].to_numpy(), f["as_of_end"].to_numpy()
        st0, st1 = f["stated_on_start"].to_numpy(), f["stated_on_end"].to_numpy()
        self.d0 = np.where(pd.isna(as0), st0, as0).astype("datetime64[s]")
        self.d1 = np.where(pd.isna(as1), st1, as1).astype("datetime64[s]")
        # the same as day numbers (days since 1970; unusable rows are left out of every check)
        self.day0 = self.d0.astype("datetime64[D]").astype(np.int64)
        self.day1 = self.d1.astype("datetime64[D]").astype(np.int64)
        since = f["since"].to_numpy(dtype=object)
        self.since = np.array(["" if x is None or x != x else str(x) for x in since], dtype=object)
        self.ids = f["claim_id"].to_numpy(dtype=object)
        raw = f["source"].to_numpy(dtype=object)
        self.source = raw if sources is None else sources.resolve_many(raw)
        self.usable = ~pd.isna(self.d0) & (self.kind != "projection")

    def rows(self, quantity: str) -> npt.NDArray[np.intp]:
        return np.flatnonzero((self.quantity == quantity) & self.usable).astype(np.intp)

    def scale(self, rows: npt.NDArray[np.intp], unit: str | None) -> FloatArray:
        return np.array([_units.factor(self.units[i], unit) for i in rows], dtype=float)

    def describe(self, i: int, f: float = 1.0) -> tuple[str, str, str]:
        return (
            str(self.source[i]),
            _day_text(self.d0[i], self.d1[i]),
            _figure(
                self.lo[i] * f,
                self.hi[i] * f,
                bool(self.cl[i]),
                bool(self.cr[i]),
                bool(self.count[i]),
            ),
        )


def _comparable(
    c: _Claims, a: npt.NDArray[np.intp], b: npt.NDArray[np.intp], within: int
) -> BoolArray:
    """Pairs (a_i, b_j) about the same moment (periods within ``within`` days), of the same
    kind, and counted from the same start (``since``) when cumulative or a flow."""
    slack = np.timedelta64(within, "D")
    overlap = (c.d0[a][:, None] - slack <= c.d1[b][None, :]) & (
        c.d0[b][None, :] - slack <= c.d1[a][:, None]
    )
    same_kind = c.kind[a][:, None] == c.kind[b][None, :]
    same_since = (c.since[a][:, None] == c.since[b][None, :]) | (c.kind[a][:, None] == "stock")
    out: BoolArray = overlap & same_kind & same_since
    return out


def _above(lo: FloatArray, cl: BoolArray, hi: FloatArray, cr: BoolArray) -> BoolArray:
    """Whether a lower bound ``lo`` lies above an upper bound ``hi`` (no value satisfies both)."""
    out: BoolArray = (lo > hi) | ((lo == hi) & ~(cl & cr))
    return out


def _ref_unit(c: _Claims, rel: AtMost | SumOf | Monotone) -> str | None:
    for q in rel.quantities:
        rows = c.rows(q)
        if rows.size:
            return str(c.units[rows[0]]) if c.units[rows[0]] is not None else None
    return None


class _Found(NamedTuple):
    """A violation found, not yet written: its place in the report and how to write it (the
    words of a violation cost far more than finding it, and only the first ``max_violations``
    are written)."""

    key: tuple[str, tuple[str, ...], tuple[str, ...]]  # relation, dates, claim ids
    write: Callable[[], Violation]


def _violation(
    c: _Claims,
    rel: AtMost | SumOf | Monotone,
    label: str,
    rows: Sequence[int],
    factors: Sequence[float],
    gap: float,
    unit: str | None,
    why: str,
) -> _Found:
    at = [int(i) for i in rows]
    key = (
        label,
        tuple(_day_text(c.d0[i], c.d1[i]) for i in at),
        tuple(str(c.ids[i]) for i in at),
    )
    write = functools.partial(_write_violation, c, rel, label, at, list(factors), gap, unit, why)
    return _Found(key, write)


def _write_violation(
    c: _Claims,
    rel: AtMost | SumOf | Monotone,
    label: str,
    rows: Sequence[int],
    factors: Sequence[float],
    gap: float,
    unit: str | None,
    why: str,
) -> Violation:
    described = [c.describe(int(i), f) for i, f in zip(rows, factors, strict=True)]
    parts = [
        f"{src} said {c.quantity[i]} was {fig}{_unit_text(unit, fig)} ({day})"
        for i, (src, day, fig) in zip(rows, described, strict=True)
    ]
    return Violation(
        relation=label,
        kind=rel.kind,
        quantities=tuple(str(c.quantity[i]) for i in rows),
        claim_ids=tuple(str(c.ids[i]) for i in rows),
        sources=tuple(d[0] for d in described),
        dates=tuple(d[1] for d in described),
        figures=tuple(d[2] for d in described),
        gap=float(gap),
        unit=unit,
        message=f"{label} fails: "
        + "; ".join(parts)
        + f" — {why} ({_number(gap)}{_unit_text(unit, _number(gap))} apart)",
    )


def _unit_text(unit: str | None, figure: str) -> str:
    return f" {unit_words(unit, plural=figure != '1')}" if unit else ""


def _groups(c: _Claims, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """A code per row: rows are comparable only within a code (same kind, and for cumulative
    and flow figures the same start)."""
    kind = c.kind[rows].astype(str)
    since = np.where(kind == "stock", "", c.since[rows].astype(str))
    kind_codes, _ = pd.factorize(np.asarray(kind, dtype=object))
    since_codes, since_names = pd.factorize(np.asarray(since, dtype=object))
    return np.asarray(kind_codes * (len(since_names) + 1) + since_codes, dtype=np.intp)


def _strength(values: FloatArray, open_side: BoolArray, ids: ObjArray) -> npt.NDArray[np.intp]:
    """Distinct ranks, larger for a claim harder to reconcile with others: a larger ``values``
    first, then an open side, then the smaller claim id (so answers do not depend on order)."""
    id_rank = np.argsort(np.argsort(ids.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((-id_rank, open_side, values))
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    return rank


def _strongest_overlapping(
    a0: Int64Array, a1: Int64Array, b0: Int64Array, b1: Int64Array, strength: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """For each ``a`` period ``[a0, a1]``, the ``b`` of largest ``strength`` whose period
    ``[b0, b1]`` overlaps it (-1 for none): a sweep over ``a1`` with a Fenwick tree of maxima
    keyed by ``b1``, so time and memory grow as (a + b) log b, never a x b."""
    nb = b0.size
    best = np.full(a0.size, -1, dtype=np.intp)
    if nb == 0 or a0.size == 0:
        return best
    by_end = np.argsort(-b1, kind="stable")  # tree position: later ends first
    position = np.empty(nb, dtype=np.intp)
    position[by_end] = np.arange(nb)
    ends_desc = -b1[by_end]
    tree = [-1] * (nb + 1)  # the largest strength in each Fenwick range (-1: empty)
    who = {int(r): i for i, r in enumerate(strength.tolist())}
    b_order = np.argsort(b0, kind="stable").tolist()
    b_start = b0.tolist()
    pos_list = position.tolist()
    str_list = strength.tolist()
    k = 0
    for i in np.argsort(a1, kind="stable").tolist():
        limit = int(a1[i])
        while k < nb and b_start[b_order[k]] <= limit:
            j = b_order[k]
            x, v = pos_list[j] + 1, str_list[j]
            while x <= nb:
                if tree[x] < v:
                    tree[x] = v
                x += x & -x
            k += 1
        # the b already in the tree with b1 >= a0[i]: a prefix of the later-ends-first order
        x = int(np.searchsorted(ends_desc, -int(a0[i]), side="right"))
        top = -1
        while x > 0:
            top = max(top, tree[x])
            x -= x & -x
        best[i] = who[top] if top >= 0 else -1
    return best


def _pairs(
    a: npt.NDArray[np.intp], partners: npt.NDArray[np.intp], b: npt.NDArray[np.intp]
) -> list[tuple[int, int]]:
    keep = partners >= 0
    return list(zip(a[keep].tolist(), b[partners[keep]].tolist(), strict=True))


def _check_at_most(c: _Claims, rel: AtMost, within: int) -> list[_Found]:
    """Each claim with the claim of the other side hardest to reconcile with it (the part with
    the largest low, the whole with the smallest high), when that pair cannot both hold."""
    unit = _ref_unit(c, rel)
    p, w = c.rows(rel.part), c.rows(rel.whole)
    if not (p.size and w.size):
        return []
    fp, fw = c.scale(p, unit), c.scale(w, unit)
    factor = dict(zip(p.tolist(), fp.tolist(), strict=True))
    factor.update(zip(w.tolist(), fw.tolist(), strict=True))
    gp, gw = _groups(c, np.r_[p, w])[: p.size], _groups(c, np.r_[p, w])[p.size :]
    found: set[tuple[int, int]] = set()
    for g in np.unique(np.r_[gp, gw]).tolist():
        pg, wg = p[gp == g], w[gw == g]
        if not (pg.size and wg.size):
            continue
        lo_p = c.lo[pg] * fp[gp == g]
        hi_w = c.hi[wg] * fw[gw == g]
        up = _strength(lo_p, ~c.cl[pg], c.ids[pg])
        down = _strength(-hi_w, ~c.cr[wg], c.ids[wg])
        d0p, d1p, d0w, d1w = c.day0[pg], c.day1[pg], c.day0[wg], c.day1[wg]
        # periods within ``within`` days: widen the wholes' periods on both sides
        part_of = _strongest_overlapping(d0w - within, d1w + within, d0p, d1p, up)
        whole_of = _strongest_overlapping(d0p, d1p, d0w - within, d1w + within, down)
        found.update((i, j) for j, i in _pairs(wg, part_of, pg))
        found.update(_pairs(pg, whole_of, wg))
    out = []
    for i, j in sorted(found):
        lo, hi = c.lo[i] * factor[i], c.hi[j] * factor[j]
        if _above(np.array(lo), np.array(c.cl[i]), np.array(hi), np.array(c.cr[j])):
            out.append(
                _violation(
                    c,
                    rel,
                    str(rel),
                    [i, j],
                    [factor[i], factor[j]],
                    float(lo - hi),
                    unit,
                    "the part is larger than the whole",
                )
            )
    return out


def _check_monotone(c: _Claims, rel: Monotone, within: int, implied: bool) -> list[_Found]:
    """Each claim with the claim hardest to reconcile with it on the other side in time (the
    earlier claim with the largest low, the later one with the smallest high)."""
    unit = _ref_unit(c, rel)
    rows = c.rows(rel.quantity)
    if implied:
        rows = rows[c.kind[rows] == "cumulative"]
    if rows.size < 2:
        return []
    f = c.scale(rows, unit)
    factor = dict(zip(rows.tolist(), f.tolist(), strict=True))
    groups = _groups(c, rows)
    found: set[tuple[int, int]] = set()
    for g in np.unique(groups).tolist():
        r = rows[groups == g]
        lo, hi = c.lo[r] * f[groups == g], c.hi[r] * f[groups == g]
        d0, d1 = c.day0[r], c.day1[r]
        # per later claim, the earlier one (ended before it starts) with the strongest low
        up = _strength(lo, ~c.cl[r], c.ids[r])
        by_end = np.argsort(d1, kind="stable")
        top = np.maximum.accumulate(up[by_end])
        k = np.searchsorted(d1[by_end], d0, side="left")
        who = np.empty(r.size, dtype=np.intp)
        who[up] = np.arange(r.size)
        earlier = np.where(k > 0, who[top[np.maximum(k - 1, 0)]], -1)
        found.update((int(r[i]), int(r[j])) for j, i in enumerate(earlier.tolist()) if i >= 0)
        # per earlier claim, the later one (starting after it ends) with the weakest high
        down = _strength(-hi, ~c.cr[r], c.ids[r])
        by_start = np.argsort(d0, kind="stable")
        low_top = np.maximum.accumulate(down[by_start][::-1])[::-1]
        k = np.searchsorted(d0[by_start], d1, side="right")
        who_down = np.empty(r.size, dtype=np.intp)
        who_down[down] = np.arange(r.size)
        later = np.where(k < r.size, who_down[low_top[np.minimum(k, r.size - 1)]], -1)
        found.update((int(r[i]), int(r[j])) for i, j in enumerate(later.tolist()) if j >= 0)
    label = f"{rel} (implied by kind=cumulative)" if implied else str(rel)
    out = []
    for i, j in sorted(found):
        lo_i, hi_j = c.lo[i] * factor[i], c.hi[j] * factor[j]
        if _above(np.array(lo_i), np.array(c.cl[i]), np.array(hi_j), np.array(c.cr[j])):
            out.append(
                _violation(
                    c,
                    rel,
                    label,
                    [i, j],
                    [factor[i], factor[j]],
                    float(lo_i - hi_j),
                    unit,
                    "a later figure is below an earlier one",
                )
            )
    return out


def _with_total(
    c: _Claims,
    rel: SumOf,
    unit: str | None,
    parts: list[tuple[float, int, float, bool]],
    total: tuple[int, float],
    gap: float,
    why: str,
) -> _Found:
    """The violation of a sum: the part claims (figure, row, factor, closed) and the total's
    claim (row, factor)."""
    rows = [x[1] for x in parts] + [total[0]]
    factors = [x[2] for x in parts] + [total[1]]
    return _violation(c, rel, str(rel), rows, factors, gap, unit, why)


def _check_sum_of(c: _Claims, rel: SumOf, within: int) -> list[_Found]:
    unit = _ref_unit(c, rel)
    t_rows = c.rows(rel.total)
    part_rows = [c.rows(q) for q in rel.parts]
    if not t_rows.size:
        return []
    ft = c.scale(t_rows, unit)
    fparts = [c.scale(r, unit) for r in part_rows]
    out: list[_Found] = []
    nonneg = all(bool(c.count[r].all()) for r in part_rows if r.size)
    for ti, t in enumerate(t_rows):
        t_lo, t_hi = c.lo[t] * ft[ti], c.hi[t] * ft[ti]
        # per part, the comparable claim with the largest low and the one with the smallest high
        top: list[tuple[float, int, float, bool]] = []  # (low, row, factor, closed)
        bottom: list[tuple[float, int, float, bool]] = []
        complete = True
        for rows, f in zip(part_rows, fparts, strict=True):
            ok = _comparable(c, np.array([t], np.intp), rows, within)[0] if rows.size else rows
            if not rows.size or not ok.any():
                complete = False
                continue
            cand = np.flatnonzero(ok)
            lows = c.lo[rows[cand]] * f[cand]
            highs = c.hi[rows[cand]] * f[cand]
            # ties broken by claim id, so the answer does not depend on row order
            ids = c.ids[rows[cand]].astype(str)
            a = np.lexsort((ids, -lows))[0]
            b = np.lexsort((ids, highs))[0]
            top.append(
                (float(lows[a]), int(rows[cand[a]]), float(f[cand[a]]), bool(c.cl[rows[cand[a]]]))
            )
            bottom.append(
                (float(highs[b]), int(rows[cand[b]]), float(f[cand[b]]), bool(c.cr[rows[cand[b]]]))
            )
        # too much: the largest lows already exceed the total's high (fewest parts first; parts
        # without a claim add at least 0 when they are counts, anything when they are not)
        if math.isfinite(t_hi) and (complete or nonneg):
            chosen: list[tuple[float, int, float, bool]] = []
            running = 0.0
            for item in sorted(top, key=lambda x: (-x[0], str(c.ids[x[1]]))):
                if not math.isfinite(item[0]):
                    break
                chosen.append(item)
                running += item[0]
                if not nonneg and len(chosen) < len(rel.parts):
                    continue  # parts that may be negative: only all of them together bound it
                all_closed = all(x[3] for x in chosen)
                if _above(
                    np.array(running), np.array(all_closed), np.array(t_hi), np.array(bool(c.cr[t]))
                ):
                    why = "the parts add up to more than the total"
                    out.append(
                        _with_total(
                            c, rel, unit, chosen, (int(t), float(ft[ti])), running - t_hi, why
                        )
                    )
                    break
        # too little: every part has a claim and their highs add up to less than the total's low
        if complete and math.isfinite(t_lo):
            highs_sum = _sum_high([x[0] for x in bottom])
            if math.isfinite(highs_sum) and _above(
                np.array(t_lo),
                np.array(bool(c.cl[t])),
                np.array(highs_sum),
                np.array(all(x[3] for x in bottom)),
            ):
                why = "the parts add up to less than the total"
                out.append(
                    _with_total(
                        c, rel, unit, bottom, (int(t), float(ft[ti])), t_lo - highs_sum, why
                    )
                )
    return out


def _date_text(value: object, name: str) -> tuple[str, np.datetime64]:
    period = to_period(value)
    if period is None:
        raise DateError(f"{name} must be a date, got {value!r}", text=repr(value))
    # the last instant of the date: a figure of that day, at any time of it, is on or before it
    return str(period), np.datetime64(period.last_second, "s")


def _results_as_claims(results: pd.DataFrame, *, at: object, known_on: object) -> pd.DataFrame:
    """Reconciliation rows (``reconcile_all``/``timeline`` output) read as one claim each: the
    reconciled range of a quantity at its ``at``, from the source "reconciled (method)"."""
    needed = {"quantity", "at", "known_on", "method", "low", "best", "high", "closed", "unit"}
    missing = sorted(needed - set(results.columns))
    if missing:
        raise RelationError(
            "check() takes a Ledger or a reconciliation table (reconcile_all, timeline); "
            f"the table lacks the columns {missing}"
        )
    f = results.loc[results["closed"].notna()].reset_index(drop=True)
    day = pd.to_datetime(f["at"].astype(object), errors="coerce")
    known_day = pd.to_datetime(f["known_on"].astype(object), errors="coerce")
    keep = day.notna().to_numpy(copy=True)
    if at is not None:
        keep &= (day <= np.datetime64(_date_text(at, "at")[1])).to_numpy()
    if known_on is not None:
        keep &= (
            known_day.isna() | (known_day <= np.datetime64(_date_text(known_on, "known_on")[1]))
        ).to_numpy()
    f, day = f.loc[keep].reset_index(drop=True), day.loc[keep].reset_index(drop=True)
    quantity = f["quantity"].astype(str)
    at_text = day.dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            # an unbounded side of a result is infinite here, never read as a bare figure
            "low": f["low"].astype(float).fillna(-np.inf),
            "best": f["best"].astype(float),
            "high": f["high"].astype(float).fillna(np.inf),
            "closed": f["closed"].astype(object),
            "unit": f["unit"].astype(object).where(f["unit"].notna(), None),
            "quantity": quantity.astype(object),
            "kind": "stock",
            "as_of_start": day.astype("datetime64[s]"),
            "as_of_end": day.astype("datetime64[s]"),
            "stated_on_start": day.astype("datetime64[s]"),
            "stated_on_end": day.astype("datetime64[s]"),
            "since": None,
            "claim_id": ("reconciled " + quantity + " at " + at_text).astype(object),
            "source": ("reconciled (" + f["method"].astype(str) + ")").astype(object),
        }
    )


def check(
    ledger: Ledger | pd.DataFrame,
    relations: Iterable[AtMost | SumOf | Monotone],
    *,
    at: object = None,
    known_on: object = None,
    sources: Sources | None = None,
    within_days: int = 0,
    max_violations: int | None = 1000,
) -> Report:
    """Find the claims in ``ledger`` that break ``relations``.

    Which claims are compared: those stated on or before ``known_on`` (when given), about
    moments (``as_of``, else ``stated_on``) up to ``at`` (when given), with a date, and not
    projections (a plan is never held against an observation). Two claims are *about the same
    moment* when their periods overlap, widened by ``within_days`` on each side; they must also
    be of the same kind, and cumulative or flow figures must count from the same start
    (``since``). A bare figure ("about 11,000") is read as the figure itself; an unstated low
    of a count is 0.

    What is a violation, each reported with the smallest set of claims that cannot all hold
    (for ``at_most`` and ``monotone``, each claim in a conflict is reported beside the claim of
    the other side hardest to reconcile with it, not beside every claim it conflicts with, so
    the report grows with the claims, never with their pairs; ``max_violations`` keeps the
    first so many, in the order of the report, and ``Report.omitted`` counts the rest):

    - ``at_most(part, whole)``: a part claim whose low is above a whole claim's high about the
      same moment (two claims).
    - ``monotone(q)``, and implied for every quantity's ``cumulative`` claims: an earlier claim
      whose low is above a later claim's high (two claims).
    - ``sum_of(parts, total)``: for a total claim, part claims about the same moment whose lows
      add up to more than its high, taking the largest lows first so the set is as small as
      possible (for counts, a part without a claim adds at least 0); or one claim per part
      whose highs add up to less than its low (every part is then needed).

    ``ledger`` may also be a reconciliation table (what ``reconcile_all`` or
    :func:`estimates.reconciliation.timeline.timeline` return): each row with an answer is then read as one
    claim, the reconciled range of its quantity at its ``at``, from the source
    "reconciled (method)"; ``at`` and ``known_on`` filter the rows by their own columns. So
    ``check(timeline(...), [monotone(q)])`` asks whether the reconciled series ever falls,
    and ``check(reconcile_all(...), [at_most(a, b)])`` whether the answers fit together.

    ``sources`` resolves source names in the report (aliases, qualifiers). Raises
    :class:`~estimates.errors.RelationError` for relations naming quantities not in the ledger
    or forming a cycle.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> from estimates.reconciliation.relations import at_most
    >>> from estimates.values.ranges import Range
    >>> ledger = Ledger([
    ...     Claim(quantity="kursk", value=Range.at_least(7000, unit="person"), source="HUR",
    ...           stated_on="2024-10-31"),
    ...     Claim(quantity="russia", value=Range.at_most(3000, unit="person"), source="NIS",
    ...           stated_on="2024-10-31"),
    ... ])
    >>> report = check(ledger, [at_most("kursk", "russia")])
    >>> report.ok, report.violations[0].gap
    (False, 4000.0)
    >>> print(report)
    1 violation(s) among 2 claims:
    - kursk ≤ russia fails: HUR said kursk was at least 7,000 people (2024-10-31); NIS said russia was up to 3,000 people (2024-10-31) — the part is larger than the whole (4,000 people apart)
    """
    if max_violations is not None and (
        isinstance(max_violations, bool)
        or not isinstance(max_violations, int)
        or max_violations < 0
    ):
        raise OptionError(
            "max_violations",
            message=f"max_violations must be a whole number >= 0 or None, got {max_violations!r}",
        )
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise OptionError(
            "within_days",
            message=f"within_days must be a whole number of days >= 0, got {within_days!r}",
        )
    known_text = None if known_on is None else _date_text(known_on, "known_on")[0]
    at_text = None if at is None else _date_text(at, "at")[0]
    if isinstance(ledger, pd.DataFrame):
        rels = validate(relations, known=set(ledger["quantity"].astype(str)))
        frame = _results_as_claims(ledger, at=at, known_on=known_on)
    else:
        rels = validate(relations, known=ledger.quantities)
        picked = ledger if known_on is None else ledger.known_on(known_on)
        frame = picked.frame
        if at is not None:
            at_end = _date_text(at, "at")[1]
            as0 = frame["as_of_start"].to_numpy()
            st0 = frame["stated_on_start"].to_numpy()
            d0 = np.where(pd.isna(as0), st0, as0).astype("datetime64[s]")
            frame = frame.loc[~pd.isna(d0) & (d0 <= at_end)].reset_index(drop=True)
    c = _Claims(frame, sources)
    found: list[_Found] = []
    explicit_monotone = {r.quantity for r in rels if isinstance(r, Monotone)}
    for rel in rels:
        if isinstance(rel, AtMost):
            found += _check_at_most(c, rel, within_days)
        elif isinstance(rel, SumOf):
            found += _check_sum_of(c, rel, within_days)
        else:
            found += _check_monotone(c, rel, within_days, implied=False)
    labels = [str(r) for r in rels]
    cumulative = sorted({str(q) for q in c.quantity[c.kind == "cumulative"]} - explicit_monotone)
    for q in cumulative:
        found += _check_monotone(c, Monotone(quantity=q), within_days, implied=True)
        labels.append(f"{q} never falls (implied by kind=cumulative)")
    # every violation is counted; only those the report keeps are written
    found.sort(key=lambda v: v.key)
    omitted = 0
    if max_violations is not None and len(found) > max_violations:
        omitted = len(found) - max_violations
        found = found[:max_violations]
    return Report(
        omitted=omitted,
        relations=tuple(labels),
        violations=tuple(v.write() for v in found),
        at=at_text,
        known_on=known_text,
        n_claims=int(c.usable.sum()),
    )
