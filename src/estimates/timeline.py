"""A quantity's reconciled range over time: one row per date.

>>> from estimates.claims import Claim
>>> from estimates.ledger import Ledger
>>> from estimates.ranges import Range
>>> ledger = Ledger([
...     Claim(quantity="sent", value=Range.exactly(v, unit="person"), source=s, stated_on=d,
...           kind="cumulative")
...     for v, s, d in [(3000, "A", "2024-10-23"), (11000, "B", "2024-11-20"),
...                     (10000, "C", "2024-12-10"), (12000, "A", "2025-01-05")]
... ])
>>> tl = timeline(ledger, "sent", dates=["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"])
>>> tl["best"].tolist()
[3000.0, 10500.0, 10500.0, 12000.0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates._segments import segment_sum
from estimates.dates import to_period
from estimates.errors import DateError, ReconcileError
from estimates.schema import OUTPUT_COLUMNS

if TYPE_CHECKING:
    from estimates.ledger import Ledger

__all__ = ["isotonic", "timeline"]

FloatArray = npt.NDArray[np.float64]


def isotonic(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> FloatArray:
    """The non-decreasing sequence closest to ``values`` in weighted least squares.

    The pool-adjacent-violators algorithm (Ayer et al. 1955; Barlow, Bartholomew, Bremner &
    Brunk 1972, ch. 1): neighbouring values that fall are pooled into their weighted mean
    until nothing falls. Adjacent violators always end in the same level set of the solution,
    and pooling them in any order gives the same unique answer (Best & Chakravarti 1990), so
    each pass here pools *every* falling boundary at once, on whole arrays. NaN values are
    skipped and stay NaN.

    >>> isotonic([1.0, 3.0, 2.0, 4.0]).tolist()
    [1.0, 2.5, 2.5, 4.0]
    >>> isotonic([5.0, float("nan"), 1.0], [1.0, 1.0, 3.0]).tolist()
    [2.0, nan, 2.0]
    """
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if y.shape != w.shape or y.ndim != 1:
        raise ValueError(
            f"values and weights must be 1-d and equal in length, got {y.shape} and {w.shape}"
        )
    if np.any(w[~np.isnan(y)] <= 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and > 0")
    out = np.full(y.shape, np.nan)
    keep = np.flatnonzero(~np.isnan(y))
    if keep.size == 0:
        return out
    yk, wk = y[keep], w[keep]
    if np.any(np.isinf(yk)):
        raise ValueError("isotonic() needs finite values (or NaN to skip)")
    starts = np.arange(yk.size, dtype=np.intp)
    while True:
        sw = segment_sum(wk, starts)
        means = segment_sum(wk * yk, starts) / sw
        # a boundary between two blocks falls when the left block's mean exceeds the right's
        falls = means[:-1] > means[1:] + 1e-12 * np.maximum(np.abs(means[:-1]), 1.0)
        if not falls.any():
            break
        starts = np.r_[starts[:1], starts[1:][~falls]]
    lengths = np.diff(np.r_[starts, yk.size])
    out[keep] = np.repeat(means, lengths)
    return out


def _day(value: object, name: str) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    period = to_period(value)
    if period is None:
        raise DateError(f"{name} must be a date, got {value!r}", text=repr(value))
    return period.end


def _claim_days(ledger: Ledger, known_on: dt.date | None) -> list[dt.date]:
    frame = ledger.frame
    if known_on is not None:
        stated = frame["stated_on_end"]
        frame = frame.loc[stated.isna() | (stated <= pd.Timestamp(known_on))]
    moment = frame["as_of_end"].fillna(frame["stated_on_end"]).dropna()
    return sorted({ts.date() for ts in pd.to_datetime(moment)})


def _unknown_row(
    quantity: str, at: dt.date, known: dt.date, method: str, note: str
) -> dict[str, Any]:
    return {
        "quantity": quantity,
        "at": at.isoformat(),
        "known_on": known.isoformat(),
        "method": method,
        "low": np.nan,
        "best": np.nan,
        "high": np.nan,
        "closed": None,
        "unit": None,
        "n_claims": 0,
        "n_sources": 0,
        "conflict": False,
        "note": note,
    }


def _join(a: object, b: str) -> str:
    if a is None or (isinstance(a, float) and np.isnan(a)) or a == "":
        return b
    return f"{a}; {b}"


def timeline(
    ledger: Ledger,
    quantity: str,
    *,
    dates: Iterable[object] | None = None,
    freq: str | None = None,
    known_on: object = None,
    method: str = "robust",
    monotone: Literal["isotonic", "running", "none"] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """The reconciled range of ``quantity`` at each date: one row per date.

    Each row is ``reconcile_all`` of the quantity with ``at`` = the date and ``known_on`` = the
    date itself (what could be said on that day), unless ``known_on`` is given, in which case
    every row is as known on that one date (hindsight: a later figure can inform an earlier
    date). The dates are ``dates`` when given; else every ``freq`` step (a pandas frequency,
    ``"MS"``, ``"W"``, ``"D"`` ...) from the first to the last day a claim describes; else each
    distinct day a claim describes. A date on which nothing is known yet gives a row with no
    figures and a note saying so.

    A cumulative quantity (every observation of kind ``cumulative``) never falls, so by default
    (``monotone="isotonic"``) its series is made non-decreasing: ``best`` by isotonic
    regression (:func:`isotonic`, pool-adjacent-violators, every date weighing the same),
    ``low`` by a running maximum (an earlier lower bound still holds later) and ``high`` by a
    running minimum from the end (a later upper bound also held earlier); ``best`` is then kept
    within ``[low, high]``. This uses the whole series, so a row may reflect figures stated after
    its own ``known_on``; the note says so. ``monotone="running"`` uses only the past (running
    maximum of ``low`` and ``best``, ``high`` left alone); ``"none"`` leaves the series as
    reconciled. Where the adjusted bounds cross, the figures of that date conflict: the row
    keeps no figures, ``conflict`` is set and the note says why.

    Returns a DataFrame with the reconciliation columns (DESIGN §4): ``quantity, at, known_on,
    method, low, best, high, closed, unit, n_claims, n_sources, conflict, note``, one row per
    date in order. Raises :class:`~estimates.errors.ReconcileError` for a quantity with no
    claims and ``ValueError`` when both ``dates`` and ``freq`` are given.

    >>> from estimates.claims import Claim
    >>> from estimates.ledger import Ledger
    >>> from estimates.ranges import Range
    >>> ledger = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A",
    ...                        stated_on="2024-01-10")])
    >>> tl = timeline(ledger, "q", dates=["2024-01-01", "2024-01-31"])
    >>> tl[["at", "best", "note"]].values.tolist()[0][:2]
    ['2024-01-01', nan]
    """
    from estimates.reconcile import reconcile_all

    if dates is not None and freq is not None:
        raise ValueError("give dates or freq, not both")
    if monotone not in (None, "isotonic", "running", "none"):
        raise ValueError(f"monotone must be 'isotonic', 'running' or 'none', got {monotone!r}")
    own = ledger.select(quantity)
    if len(own) == 0:
        names = ", ".join(ledger.quantities[:20]) or "none"
        raise ReconcileError(
            f"no claims about {quantity!r}; quantities: {names}", quantity=quantity
        )
    fixed_known = None if known_on is None else _day(known_on, "known_on")
    if dates is not None:
        days = sorted({_day(d, "dates") for d in dates})
    else:
        claim_days = _claim_days(own, fixed_known)
        if not claim_days:
            claim_days = _claim_days(own, None)
        if freq is not None:
            stamps = pd.date_range(claim_days[0], claim_days[-1], freq=freq)
            days = sorted({ts.date() for ts in stamps})
        else:
            days = claim_days
    if not days:
        raise ValueError("no dates to put on the timeline")

    rows: list[dict[str, Any]] = []
    for day in days:
        known = fixed_known if fixed_known is not None else day
        try:
            frame = reconcile_all(own, at=day, known_on=known, method=method, **options)
        except ReconcileError as exc:
            rows.append(_unknown_row(quantity, day, known, method, str(exc)))
            continue
        frame = frame.loc[frame["quantity"] == quantity]
        if len(frame) == 0:
            rows.append(
                _unknown_row(
                    quantity, day, known, method, f"no claims known on {known.isoformat()}"
                )
            )
            continue
        row = frame.iloc[0].to_dict()
        rows.append({name: row.get(name) for name in OUTPUT_COLUMNS})
    out = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))
    for name in ("low", "best", "high"):
        out[name] = pd.to_numeric(out[name], errors="coerce").astype("float64")

    kinds = set(own.select(kind=["stock", "cumulative", "flow"]).frame["kind"].tolist())
    mode = monotone if monotone is not None else ("isotonic" if kinds == {"cumulative"} else "none")
    if mode != "none":
        out = _make_monotone(out, mode)
    return out.reset_index(drop=True)


def _make_monotone(out: pd.DataFrame, mode: str) -> pd.DataFrame:
    low = out["low"].to_numpy(dtype=float, copy=True)
    best = out["best"].to_numpy(dtype=float, copy=True)
    high = out["high"].to_numpy(dtype=float, copy=True)
    notes = out["note"].astype(object).to_numpy(copy=True)
    conflict = out["conflict"].fillna(False).astype(bool).to_numpy(copy=True)
    known = ~np.isnan(low) & ~np.isnan(high)

    # an unknown row (NaN) is skipped: fmax/fmin ignore NaN, and the running values carry over
    new_low = np.where(known, np.fmax.accumulate(np.where(known, low, -np.inf)), np.nan)
    if mode == "isotonic":
        rev = np.where(known, high, np.inf)[::-1]
        new_high = np.where(known, np.fmin.accumulate(rev)[::-1], np.nan)
        finite_best = np.where(np.isfinite(best), best, np.nan)
        new_best = isotonic(finite_best)
        words = "made non-decreasing by isotonic regression over the whole series"
    else:
        new_high = high.copy()
        new_best = np.where(
            np.isfinite(best),
            np.fmax.accumulate(np.where(np.isfinite(best), best, -np.inf)),
            np.nan,
        )
        words = "made non-decreasing with a running maximum of earlier dates"
    crossed = known & (new_low > new_high)
    with np.errstate(invalid="ignore"):
        clipped = np.minimum(np.maximum(new_best, new_low), new_high)
    new_best = np.where(np.isnan(new_best), np.nan, clipped)
    changed = (
        known
        & ~crossed
        & (
            (new_low != low)
            | (new_high != high)
            | ~((new_best == best) | (np.isnan(new_best) & np.isnan(best)))
        )
    )
    for i in np.flatnonzero(changed):
        parts = []
        if new_low[i] != low[i]:
            parts.append(f"low {low[i]:,.6g} → {new_low[i]:,.6g}")
        if new_best[i] != best[i] and not (np.isnan(new_best[i]) and np.isnan(best[i])):
            parts.append(f"best {best[i]:,.6g} → {new_best[i]:,.6g}")
        if new_high[i] != high[i]:
            parts.append(f"high {high[i]:,.6g} → {new_high[i]:,.6g}")
        hindsight = " (using figures from later dates)" if mode == "isotonic" else ""
        notes[i] = _join(notes[i], f"cumulative: {words}{hindsight}: {', '.join(parts)}")
    for i in np.flatnonzero(crossed):
        notes[i] = _join(
            notes[i],
            f"cumulative: conflict: figures of earlier dates put it at least {new_low[i]:,.6g} "
            f"but {'later figures put' if mode == 'isotonic' else 'the figures put'} it at most "
            f"{new_high[i]:,.6g}; no figure is given",
        )
    conflict |= crossed
    out = out.copy()
    out["low"] = np.where(crossed, np.nan, new_low)
    out["high"] = np.where(crossed, np.nan, new_high)
    out["best"] = np.where(crossed, np.nan, new_best)
    out["conflict"] = conflict
    out["note"] = notes
    return out
