"""A quantity's reconciled range over time: one row per date.

>>> from estimates.ledger.claims import Claim
>>> from estimates.ledger.table import Ledger
>>> from estimates.values.ranges import Range
>>> ledger = Ledger([
...     Claim(quantity="sent", value=Range.exactly(v, unit="person"), source=s, stated_on=d,
...           kind="cumulative")
...     for v, s, d in [(3000, "A", "2024-10-23"), (11000, "B", "2024-11-20"),
...                     (10000, "C", "2024-12-10"), (12000, "A", "2025-01-05")]
... ])
>>> tl = timeline(ledger, "sent", dates=["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"])
>>> print(tl[["at", "low", "best", "high", "conflict"]].to_string(index=False))
        at     low    best    high  conflict
2024-11-01  3000.0  3000.0     NaN     False
2024-12-01 11000.0 11000.0     NaN     False
2025-01-01 10000.0 10000.0 11000.0      True
2025-02-01 12000.0 12000.0     NaN     False

As known on each date, the running total is at least its latest figure, with that figure as the
best. C's 10,000 of 10 December lies below B's 11,000 of 20 November: a running total cannot
fall, so on 1 January the range spans the two and the row names the conflict; A's 12,000 of
5 January lifts the floor above both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import DateError, OptionError, ReconcileError
from estimates.ledger.schema import OUTPUT_COLUMNS
from estimates.reconciliation.stages.arrays import FloatArray
from estimates.values.dates import to_period
from estimates.values.ranges import closed_from_flags, side_flags
from estimates.values.vocabulary import CLOSED
from estimates.values.words import number

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger

__all__ = ["isotonic", "timeline"]


def isotonic(values: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> FloatArray:
    """The non-decreasing sequence closest to ``values`` in weighted least squares.

    The pool-adjacent-violators algorithm (Ayer et al. 1955; Barlow, Bartholomew, Bremner &
    Brunk 1972, ch. 1), as SciPy implements it (:func:`scipy.optimize.isotonic_regression`):
    neighbouring values that fall are pooled into their weighted mean until nothing falls. NaN
    values are skipped and stay NaN.

    >>> isotonic([1.0, 3.0, 2.0, 4.0]).tolist()
    [1.0, 2.5, 2.5, 4.0]
    >>> isotonic([5.0, float("nan"), 1.0], [1.0, 1.0, 3.0]).tolist()
    [2.0, nan, 2.0]
    """
    y = np.asarray(values, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if y.shape != w.shape or y.ndim != 1:
        raise OptionError(
            "weights",
            message=f"values and weights must be 1-d and equal in length, got {y.shape} and {w.shape}",
        )
    if np.any(w[~np.isnan(y)] <= 0) or not np.all(np.isfinite(w)):
        raise OptionError("weights", message="weights must be finite and > 0")
    out = np.full(y.shape, np.nan)
    keep = np.flatnonzero(~np.isnan(y))
    if keep.size == 0:
        return out
    yk, wk = y[keep], w[keep]
    if np.any(np.isinf(yk)):
        raise OptionError("values", message="isotonic() needs finite values (or NaN to skip)")
    from scipy.optimize import isotonic_regression  # scipy loads on first use, not on import

    out[keep] = isotonic_regression(yk, weights=wk, increasing=True).x
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
        # stated by the end of that day (a time of day included)
        frame = frame.loc[stated.isna() | (stated < pd.Timestamp(known_on + dt.timedelta(days=1)))]
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

    A running total (kind ``cumulative``) is read by the reconciliation itself as never
    falling (DESIGN §3): each day's row takes floors from every earlier moment and, as known on a
    later ``known_on``, ceilings from every later one, with a best carried forward; a total that
    falls between two moments is a conflict named in the row's note. As known on each day the
    series therefore never falls while the figures agree, and every row is exactly what
    ``reconcile_all`` gives for that ``at`` and ``known_on``.

    ``monotone`` smooths a series after the fact, for a quantity whose figures were not
    recorded as running totals: ``"isotonic"`` (``best`` by isotonic regression, every date
    weighing the same; ``low`` by a running maximum, ``high`` by a running minimum from the
    end: hindsight) or ``"running"`` (``low`` and ``best`` by a running maximum of earlier
    dates only). ``best`` is then kept within ``[low, high]`` and each adjusted row's note says
    what moved; where the adjusted bounds cross, the row keeps no figures and says why. The
    default, ``None`` (or ``"none"``), leaves every row as reconciled.

    Returns a DataFrame with the reconciliation columns (DESIGN §4): ``quantity, at, known_on,
    method, low, best, high, closed, unit, n_claims, n_sources, conflict, note``, one row per
    date in order. Raises :class:`~estimates.errors.ReconcileError` for a quantity with no
    claims and ``ValueError`` when both ``dates`` and ``freq`` are given.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> from estimates.values.ranges import Range
    >>> ledger = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A",
    ...                        stated_on="2024-01-10")])
    >>> tl = timeline(ledger, "q", dates=["2024-01-01", "2024-01-31"])
    >>> tl[["at", "best"]].values.tolist()
    [['2024-01-01', nan], ['2024-01-31', 5.0]]
    >>> tl.loc[0, "note"]
    'unknown: ...'

    """
    from estimates.reconciliation.reconcile import reconcile_all

    if dates is not None and freq is not None:
        raise OptionError("freq", message="give dates or freq, not both")
    if monotone not in (None, "isotonic", "running", "none"):
        raise OptionError(
            "monotone",
            message=f"monotone must be 'isotonic', 'running' or 'none', got {monotone!r}",
        )
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
        if not claim_days:
            raise ReconcileError(
                f"no claim about {quantity!r} has a date; give the dates to use", quantity=quantity
            )
        if freq is not None:
            stamps = pd.date_range(claim_days[0], claim_days[-1], freq=freq)
            days = sorted({ts.date() for ts in stamps})
            if not days:
                raise OptionError(
                    "freq",
                    message=f"freq={freq!r} gives no date between {claim_days[0]} and {claim_days[-1]}, "
                    "the first and last days the claims describe; give dates instead",
                )
        else:
            days = claim_days
    if not days:
        raise OptionError("dates", message="dates is empty: give at least one date")

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
    out = _frame(rows)

    mode = monotone or "none"
    if mode != "none":
        out = _make_monotone(out, mode)
    return out.reset_index(drop=True)


_NUMBERS = ("low", "best", "high")
_COUNTS = ("n_claims", "n_sources")


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a frame with the dtypes of ``reconcile_all``: floats, ints, bool, and
    object text columns holding ``None`` (not NaN) where empty."""
    data: dict[str, Any] = {}
    for name in OUTPUT_COLUMNS:
        values: list[Any] = [r.get(name) for r in rows]
        if name in _NUMBERS:
            floats = [np.nan if _missing(v) else float(v) for v in values]
            data[name] = pd.Series(floats, dtype="float64")
        elif name in _COUNTS:
            ints = [0 if _missing(v) else int(v) for v in values]
            data[name] = pd.Series(ints, dtype="int64")
        elif name == "conflict":
            data[name] = pd.Series(
                [bool(v) if not _missing(v) else False for v in values], dtype=bool
            )
        else:
            data[name] = pd.Series([None if _missing(v) else v for v in values], dtype=object)
    return pd.DataFrame(data, columns=list(OUTPUT_COLUMNS))


def _make_monotone(out: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Make a cumulative series non-decreasing (see :func:`timeline`); rows in date order."""
    n = len(out)
    closed = out["closed"].astype(object).to_numpy(copy=True)
    # an unknown row has no closed side at all; a NaN bound of a known row is unbounded
    known = np.array([c in CLOSED for c in closed], dtype=bool)
    low = np.where(known & out["low"].isna().to_numpy(), -np.inf, out["low"].to_numpy(dtype=float))
    high = np.where(
        known & out["high"].isna().to_numpy(), np.inf, out["high"].to_numpy(dtype=float)
    )
    best = out["best"].to_numpy(dtype=float, copy=True)
    notes = out["note"].astype(object).to_numpy(copy=True)
    conflict = out["conflict"].fillna(False).astype(bool).to_numpy(copy=True)
    left = np.array([side_flags(c)[0] for c in closed], dtype=bool)
    right = np.array([side_flags(c)[1] for c in closed], dtype=bool)

    # a lower bound of an earlier date still holds later: a running maximum, skipping unknown
    # rows; where two bounds meet at one value the end is closed only if both are
    new_low, new_left = _running_bound(np.where(known, low, -np.inf), left, known, upper=False)
    if mode == "isotonic":
        # an upper bound of a later date also held earlier: a running minimum from the end
        rev_high, rev_right = _running_bound(
            np.where(known, high, np.inf)[::-1], right[::-1], known[::-1], upper=True
        )
        new_high, new_right = rev_high[::-1], rev_right[::-1]
        new_best = isotonic(np.where(known & np.isfinite(best), best, np.nan))
        words = "made non-decreasing by isotonic regression over the whole series"
        hindsight = " (as known on one date for every row)"
    else:
        new_high = np.where(known, high, np.nan)
        new_right = right & known
        finite = known & np.isfinite(best)
        run_best = np.maximum.accumulate(np.where(finite, best, -np.inf)) if n else best
        new_best = np.where(finite, run_best, np.nan)
        words = "made non-decreasing with a running maximum of earlier dates"
        hindsight = ""
    crossed = known & ((new_low > new_high) | ((new_low == new_high) & ~(new_left & new_right)))
    # As known on each date the upper bound is that date's own, so an earlier best can lie above
    # it (a source revised its total down). Clipping would make the best fall; it is unknown.
    above = known & ~crossed & ~np.isnan(new_best) & (new_best > new_high)
    with np.errstate(invalid="ignore"):
        clipped = np.minimum(np.maximum(new_best, new_low), new_high)
    new_best = np.where(np.isnan(new_best) | above, np.nan, clipped)

    def run_best_at(i: int) -> float:
        earlier = best[: i + 1][known[: i + 1] & np.isfinite(best[: i + 1])]
        return float(earlier.max()) if earlier.size else float("nan")

    def differs(a: FloatArray, b: FloatArray) -> npt.NDArray[np.bool_]:
        same: npt.NDArray[np.bool_] = (a == b) | (np.isnan(a) & np.isnan(b))
        return ~same

    changed = (
        known
        & ~crossed
        & (differs(new_low, low) | differs(new_high, high) | differs(new_best, best))
    )
    for i in np.flatnonzero(above):
        notes[i] = _join(
            notes[i],
            f"cumulative: best unknown: an earlier date's best ({number(run_best_at(int(i)))}) is above "
            f"this date's upper bound ({number(new_high[i])}), so the running total was revised down",
        )
    changed &= ~above
    for i in np.flatnonzero(changed):
        parts = [
            f"{name} {number(old)} → {number(new)}"
            for name, old, new in (
                ("low", low[i], new_low[i]),
                ("best", best[i], new_best[i]),
                ("high", high[i], new_high[i]),
            )
            if differs(np.array([old]), np.array([new]))[0]
        ]
        notes[i] = _join(notes[i], f"cumulative: {words}{hindsight}: {', '.join(parts)}")
    for i in np.flatnonzero(crossed):
        notes[i] = _join(
            notes[i],
            f"unknown: cumulative figures conflict: earlier dates put it at least "
            f"{number(new_low[i])} but {'later dates put' if mode == 'isotonic' else 'this date puts'} "
            f"it at most {number(new_high[i])}",
        )
    conflict |= crossed
    ok = known & ~crossed
    new_closed = np.array(
        [
            closed_from_flags(bool(a), bool(b)) if ok[i] else None
            for i, (a, b) in enumerate(
                zip(new_left & np.isfinite(new_low), new_right & np.isfinite(new_high), strict=True)
            )
        ],
        dtype=object,
    )
    out = out.copy()
    out["low"] = np.where(ok & np.isfinite(new_low), new_low, np.nan)
    out["high"] = np.where(ok & np.isfinite(new_high), new_high, np.nan)
    out["best"] = np.where(ok, new_best, np.nan)
    out["closed"] = pd.Series(new_closed, index=out.index, dtype=object)
    out["conflict"] = conflict
    out["note"] = pd.Series(notes, index=out.index, dtype=object)
    return out


def _running_bound(
    values: FloatArray, closed: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_], *, upper: bool
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Running maximum (``upper=False``) or minimum of ``values`` over known rows, with the
    closed flag of the bound in force (NaN and open for unknown rows)."""
    run = (
        (np.minimum.accumulate(values) if upper else np.maximum.accumulate(values))
        if values.size
        else values
    )
    flags = np.zeros(values.size, dtype=bool)
    current, flag = (np.inf if upper else -np.inf), False
    for i in range(values.size):
        if not known[i]:
            continue
        v = values[i]
        tighter = v < current if upper else v > current
        if tighter:
            current, flag = v, bool(closed[i])
        elif v == current:
            flag = flag and bool(closed[i])
        flags[i] = flag and bool(np.isfinite(current))
    return np.where(known, run, np.nan), flags
