"""The columnar reconciliation pipeline: every quantity at once, on numpy arrays.

This module knows nothing of pydantic. It takes a ledger's frame (one row per claim, the columns
of :attr:`estimates.ledger.table.Ledger.frame`) and runs every step of DESIGN §3 on whole arrays: rows
are sorted once by (quantity, kind, resolved source, dates) and every step is a segment
operation, with no Python loop per quantity and no Python object per claim. ``reconcile`` (one
quantity, with roles and an explanation) and ``reconcile_all`` (one row per quantity) both call
:func:`run`, so they give the same numbers.

The steps:

1. **Known on.** Keep claims whose ``stated_on`` ends on or before ``known_on``; a claim with no
   ``stated_on`` is always known. With no ``known_on``, a quantity's ``known_on`` is the latest
   ``stated_on`` among its claims (everything), and ``at`` defaults to ``known_on``.
2. **Sources.** Raw names resolve through :class:`estimates.values.sources.Sources` (aliases, trailing
   qualifiers).
3. **Units.** Each quantity is reconciled in its most common unit (ties: the first in
   alphabetical order); other units of the same dimension are converted; a figure with no unit
   is taken to be in the quantity's unit; two dimensions in one quantity raise
   :class:`~estimates.errors.DimensionError` naming the quantity and both units.
4. **Same evidence once.** One source's figures of one kind stated on one day about one moment
   become one interval (their hull, reading a best-only figure as its best); identical rows are
   duplicates. A later report of the same figure from the same source within ``relay_days``
   (default 7) of the previous one is a relay of that statement and counts once.
5. **Time.** ``stock`` (and ``flow`` within its window): each source's latest figure describing
   a moment at or before ``at`` supersedes its earlier ones; a source with nothing at or before
   ``at`` contributes its earliest later figure when ``known_on`` is after ``at`` (hindsight,
   role ``future``), else none. ``cumulative``: per source, the latest figure at or before
   ``at`` is a lower bound and (hindsight) the earliest figure at or after ``at`` an upper bound;
   both make one interval. Cumulative figures counted from a start (``since``) more than
   ``since_days`` (default 45) away from the quantity's base start (its most common stated
   start; ties: the latest) are set apart. ``flow`` figures are compared only within one window
   (the latest window ending at or before ``at``). ``projection`` figures are set apart when a
   quantity has observations and reconciled on their own (each source's latest) when it has
   none. An ``at`` before every figure gives an unknown with the reason.
6. **Prior weights** (documented numbers, see :data:`RELIABILITY_WEIGHT`):
   ``weight = confidence × reliability × recency`` where confidence is the claim's
   ``confidence``, else the probability of its ``hedge`` words on the yardstick (via
   ``estimates.reading.likelihood.hedge_confidence``, when that module is present), else 1, floored at
   :data:`MIN_CONFIDENCE`; reliability is the Admiralty letter's weight; recency is
   ``0.5 ** (age / half_life)`` with ``age`` the days between ``at`` and the moment the figure
   describes (1 without a half-life). A used figure whose recency fell below 1/4 (older than
   two half-lives) is marked ``stale``.
7. **Combine** with the method (:mod:`estimates.reconciliation.methods`), then mark used figures whose range
   does not meet the result as ``outlier``.

>>> import pandas as pd
>>> frame = pd.DataFrame({"quantity": ["q", "q", "q"], "low": [10.0, 11.0, 900.0],
...                       "best": [float("nan")] * 3, "high": [10.0, 11.0, 900.0],
...                       "source": ["A", "B", "C"]})
>>> out = run(frame, Settings(method="robust"))
>>> out.best.tolist(), out.n_sources.tolist()
([11.0], [3])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import DimensionError, ReconcileError, UnknownMethodError
from estimates.reconciliation.methods import Combined, Evidence, get_method, readings
from estimates.reconciliation.stages.change import in_conflict, overtaken
from estimates.reconciliation.stages.running import CEILING, FLOOR, RunningResult, running_totals
from estimates.values import units as _units
from estimates.values.dates import DAY_SECONDS, to_period
from estimates.values.vocabulary import KINDS, NO_GRADE_WEIGHT, RELIABILITY_WEIGHT, KindCode
from estimates.values.words import number

if TYPE_CHECKING:
    from estimates.values.sources import Sources

__all__ = [
    "DAY",
    "MIN_CONFIDENCE",
    "NO_DAY",
    "RELIABILITY_WEIGHT",
    "ROLES",
    "USED_ROLES",
    "CoreResult",
    "Settings",
    "instant_text",
    "run",
    "to_instant",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
Int64Array = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]

#: The role of a claim in a reconciliation, by code.
ROLES: tuple[str, ...] = (
    "used",
    "superseded",
    "duplicate",
    "relay",
    "stale",
    "outlier",
    "bound",
    "projection",
    "out of window",
    "future",
    "revised",
    "overtaken",
)
(
    USED,
    SUPERSEDED,
    DUPLICATE,
    RELAY,
    STALE,
    OUTLIER,
    BOUND,
    PROJECTION,
    OUT_OF_WINDOW,
    FUTURE,
    REVISED,
    OVERTAKEN,
) = range(12)
#: Role codes of claims that carry weight in the answer.
USED_ROLES: frozenset[int] = frozenset({USED, STALE, OUTLIER, BOUND, FUTURE})

#: Prior weight of an Admiralty reliability grade: :data:`estimates.values.vocabulary.RELIABILITY_WEIGHT`.
_NO_GRADE_WEIGHT = NO_GRADE_WEIGHT
#: A claim's confidence below this still counts this much: weights must stay > 0.
MIN_CONFIDENCE = 0.05
#: A used figure whose recency factor is below this is marked ``stale`` (two half-lives).
STALE_BELOW = 0.25
#: The instant meaning "no date". Times in the core are instants: seconds since 1970-01-01, a
#: date without a time of day standing for the last second of its day (see
#: :attr:`estimates.values.dates.Period.last_second`), so whole days differ by multiples of
#: :data:`DAY` and a count of 20:00 falls before "as of" that day.
NO_DAY = int(np.iinfo(np.int64).min)
#: Seconds in a day: options given in days (``relay_days``, ``since_days``, ``change_days``,
#: ``half_life``) are multiplied by it.
DAY = DAY_SECONDS
_FAR = int(np.iinfo(np.int64).max) // 4

_KINDS: dict[str, int] = {name: int(KindCode[name.upper()]) for name in KINDS}
STOCK, CUMULATIVE, FLOW, PROJECTION_KIND = (int(k) for k in KindCode)


def to_instant(value: object) -> int | None:
    """A date given as text, ``date``, ``Period``, ``Timestamp`` or ``datetime64`` -> its last
    instant, in seconds since 1970 (a day without a time of day: its last second; a month, year
    or interval: the last second of its last day). ``None`` stays ``None``.

    >>> to_instant("1970-01-02") == 2 * DAY - 1, to_instant("1970-01-02T08:00"), to_instant(None)
    (True, 115200, None)
    """
    if value is None:
        return None
    if isinstance(value, np.datetime64 | pd.Timestamp) and pd.isna(value):
        return None
    period = to_period(value)
    if period is None:
        return None
    return period.last_second


def instant_text(t: int | None) -> str | None:
    """The ISO text of an instant: its day when it is a whole day's first or last second,
    else the day and time (None for no date).

    >>> instant_text(DAY - 1), instant_text(DAY + 20 * 3600), instant_text(NO_DAY)
    ('1970-01-01', '1970-01-02T20:00', None)
    """
    if t is None or t == NO_DAY:
        return None
    second = int(t) % DAY
    day = np.datetime64(int(t) // DAY, "D")
    if second in (0, DAY - 1):
        return str(day)
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}"
    return f"{day}T{clock}" + (f":{second % 60:02d}" if second % 60 else "")


@dataclass(frozen=True)
class Settings:
    """What a reconciliation was asked: dates (day numbers), method, options.

    >>> Settings(method="robust", half_life=30.0).half_life
    30.0
    """

    method: str = "robust"
    at: int | None = None
    known_on: int | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    sources: Sources | None = None
    half_life: float | None = None
    yardstick: str = "icd203"
    relay_days: int = 7
    #: A stock figure contradicted by every figure about a moment this many days or more later
    #: was overtaken (the level changed), not disputed; None turns the rule off.
    change_days: int | None = 7
    since_days: int = 45


@dataclass(frozen=True)
class CoreResult:
    """What :func:`run` returns: per-quantity arrays and, per known claim, its role.

    Per quantity (sorted by name): ``quantities``, ``at`` and ``known_on`` (day numbers,
    :data:`NO_DAY` when none), ``unit``, ``low``/``best``/``high`` (``±inf`` unbounded, NaN
    unknown), ``closed_left``/``closed_right``, ``n_claims``, ``n_sources``, ``conflict``,
    ``note``, and the method's per-source table ``sources``.

    Per known claim: ``row`` (position in the input frame), ``claim_q`` (quantity index),
    ``role`` (code into :data:`ROLES`), ``weight`` (prior weight of the evidence it went into,
    0 when unused), ``evidence`` (evidence row, -1 when unused), ``claim_low``/``claim_best``/
    ``claim_high`` (in the quantity's unit), ``resolved_source``, ``kind`` code, ``as_of`` day,
    ``stated`` day, ``bound_side`` (-1 lower, 1 upper, 0 none), ``merged`` (figures in the same
    one-day interval).

    Per evidence row (what the method saw, one per quantity, kind and source): ``ev_q``,
    ``ev_low``/``ev_high`` (as read by :func:`estimates.reconciliation.methods.readings`), ``ev_point``,
    ``ev_source`` (index into the resolved names) and ``ev_claim`` (a representative claim,
    as an index into the known claims).
    """

    quantities: ObjectArray
    at: Int64Array
    known_on: Int64Array
    unit: ObjectArray
    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    n_claims: IntArray
    n_sources: IntArray
    conflict: BoolArray
    note: ObjectArray
    sources: pd.DataFrame | None
    row: IntArray
    claim_q: IntArray
    role: npt.NDArray[np.int8]
    weight: FloatArray
    evidence: IntArray
    claim_low: FloatArray
    claim_best: FloatArray
    claim_high: FloatArray
    resolved_source: ObjectArray
    kind: npt.NDArray[np.int8]
    as_of: Int64Array
    stated: Int64Array
    bound_side: npt.NDArray[np.int8]
    merged: IntArray
    base_since: Int64Array
    hindsight: BoolArray
    main_kind: npt.NDArray[np.int8]
    ev_q: IntArray
    ev_low: FloatArray
    ev_high: FloatArray
    ev_point: FloatArray
    ev_source: IntArray
    ev_claim: IntArray
    #: Conflicts between moments of running totals: (quantity, claim, claim, kind), the claims
    #: as indices into the known claims, kind "moment", "fall" or "revision".
    falls: tuple[tuple[int, int, int, str, float], ...] = ()
    #: Per quantity, the known claim whose figure is the best of a running total (-1: none).
    best_claim: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    level: FloatArray | None = None


# -- helpers --------------------------------------------------------------------------------------


def _instants(frame: pd.DataFrame, column: str, n: int) -> Int64Array:
    """A date column as instants (seconds since 1970; :data:`NO_DAY` for none)."""
    if column not in frame.columns:
        return np.full(n, NO_DAY, dtype=np.int64)
    values = frame[column].to_numpy()
    if values.dtype.kind != "M":
        values = pd.to_datetime(pd.Series(values), errors="raise").to_numpy()
    if np.datetime_data(values.dtype) != ("s", 1):
        # floor to whole seconds (NaT stays NaT)
        values = values.astype("datetime64[s]")
    # NaT is the smallest int64, which is NO_DAY
    seconds: Int64Array = values.view(np.int64).copy()
    return seconds


def _day_start(start: Int64Array, end: Int64Array) -> Int64Array:
    """A period's start as the core compares it: a time of day as it is (start and end are
    then one instant), a whole day as its last second, like an end (so a one-day period is one
    instant and whole days stay whole days apart)."""
    shift = (start != end) & (start != NO_DAY)
    result: Int64Array = np.where(shift, start + (DAY - 1), start)
    return result


def _floats(frame: pd.DataFrame, column: str, n: int) -> FloatArray:
    if column not in frame.columns:
        return np.full(n, np.nan)
    series = frame[column]
    if series.dtype == np.float64:
        # the frame's own (read-only) array: nothing in the pipeline writes to it
        values: FloatArray = series.to_numpy()
        return values
    return np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _objects(frame: pd.DataFrame, column: str, n: int) -> ObjectArray:
    if column not in frame.columns:
        return np.full(n, None, dtype=object)
    values = frame[column].to_numpy(dtype=object)
    result: ObjectArray = np.where(pd.isna(values), np.array(None, dtype=object), values)
    return result


def _factorize(values: ObjectArray, *, sort: bool = False) -> tuple[IntArray, ObjectArray]:
    codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=True)
    return codes.astype(np.intp), np.asarray(uniques, dtype=object)


def _codes(
    frame: pd.DataFrame, column: str, n: int, *, sort: bool = False
) -> tuple[IntArray, ObjectArray]:
    """Integer codes of a text column (-1 where missing) and its distinct values.

    One hash pass over the column (none for a categorical column); sorting, when asked,
    sorts only the distinct values.
    """
    if column not in frame.columns:
        return np.full(n, -1, dtype=np.intp), np.zeros(0, dtype=object)
    series = frame[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        # a categorical column already holds its codes: no pass over the strings; categories
        # no row uses (a frame cut from a bigger one) are dropped, so every name is present
        codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
        names = np.asarray(series.cat.categories, dtype=object)
        if names.size:
            used = np.bincount(codes + 1, minlength=names.size + 1)[1:] > 0
            if not used.all():
                rank = np.cumsum(used) - 1
                codes = np.where(codes >= 0, rank[codes], -1)
                names = names[used]
    else:
        values = series.to_numpy(dtype=object)
        first = values[0] if n else None
        if isinstance(first, str) and bool((values == first).all()):
            # one value throughout (one unit, one kind): a comparison, no hashing
            return np.zeros(n, dtype=np.intp), np.array([first], dtype=object)
        raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
        names = np.asarray(uniques, dtype=object)
        codes = np.asarray(raw_codes, dtype=np.intp)
    if sort and names.size and not pd.Index(names, dtype=object).is_monotonic_increasing:
        perm = np.argsort(names.astype(str), kind="stable")
        rank = np.empty(perm.size, dtype=np.intp)
        rank[perm] = np.arange(perm.size, dtype=np.intp)
        codes = np.where(codes >= 0, rank[codes], -1)
        names = names[perm]
    return codes, names


def _equals(series: pd.Series[Any], value: str) -> BoolArray:
    """Rows of a text column equal to ``value`` (a categorical compares its codes)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.asarray(series.cat.categories, dtype=object)
        hit = np.flatnonzero(names == value)
        if not hit.size:
            return np.zeros(len(series), dtype=bool)
        found: BoolArray = series.cat.codes.to_numpy() == hit[0]
        return found
    result: BoolArray = series.to_numpy(dtype=object) == value
    return result


def _segment_bounds(keys: list[npt.NDArray[Any]]) -> BoolArray:
    """True where a row starts a new run of equal keys (rows already sorted by ``keys``)."""
    n = keys[0].size
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return new


def _relays(
    group_key: Int64Array,
    lo: FloatArray,
    hi: FloatArray,
    best: FloatArray,
    cl: BoolArray,
    cr: BoolArray,
    since: Int64Array,
    stated: Int64Array,
    relay_days: int,
) -> BoolArray:
    """Claims repeating, on a later day within ``relay_days`` (here in seconds), a figure their
    source gave.

    Same quantity, kind, resolved source, start and figure (bounds, best, open ends); the
    earliest report is the statement, each later one stated within ``relay_days`` after the
    statement is a relay of it (a report later than that is a new statement). Only figures given more than once are sorted (one hash pass finds
    them); equal hashes are checked field by field, so a hash collision never makes a relay.
    """
    n = group_key.size
    out = np.zeros(n, dtype=bool)
    if n < 2:
        return out
    fig = _hash_figures(
        lo, hi, np.where(np.isnan(best), -np.inf, best), cl.astype(float), cr.astype(float),
        group_key.astype(float), since.astype(float),
    )  # fmt: skip
    repeated = np.flatnonzero(pd.Series(fig).duplicated(keep=False).to_numpy())
    if repeated.size < 2:
        return out
    order = repeated[np.lexsort((stated[repeated], fig[repeated]))]
    later, earlier = order[1:], order[:-1]
    same = (
        (group_key[later] == group_key[earlier])
        & (lo[later] == lo[earlier])
        & (hi[later] == hi[earlier])
        & _same_float(best[later], best[earlier])
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
    relay &= (days > first_day) & (days - first_day <= relay_days)
    # longer runs (rare) are walked report by report: the statement moves on
    run_first = np.flatnonzero(run_start)
    for run in np.flatnonzero(run_len > 2).tolist():
        anchor = NO_DAY
        for j in range(int(run_first[run]), int(run_first[run] + run_len[run])):
            d = int(days[j])
            if d == NO_DAY:
                continue
            if anchor != NO_DAY and anchor < d <= anchor + relay_days:
                relay[j] = True
            elif anchor == NO_DAY or d > anchor + relay_days:
                anchor = d
    out[order[relay]] = True
    return out


def _lexsort_ints(keys: list[Int64Array]) -> tuple[IntArray, Int64Array | None]:
    """The stable order sorting rows by ``keys`` (most significant first), all integers.

    When the keys' ranges multiply to less than 2**62 they are packed into one integer and
    sorted once, and the packed keys come back in sorted order (equal rows, equal keys);
    otherwise a lexsort, and None.
    """
    n = keys[0].size
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    packed = np.zeros(n, dtype=np.int64)
    span = 1
    seen: list[Int64Array] = []
    for raw in keys:
        # a key equal to an earlier one orders nothing more (an as-of day that is the day
        # stated, as it is when no as-of was given)
        if any(raw is k or np.array_equal(raw, k) for k in seen):
            continue
        seen.append(raw)
        # "no date" sorts first, just below the earliest date
        valid = raw != NO_DAY
        k = raw if valid.all() or not valid.any() else np.where(valid, raw, raw[valid].min() - DAY)
        lo, hi = int(k.min()), int(k.max())
        offset = k - lo
        if hi - lo >= DAY:
            # instants of whole days lie whole days apart: pack the number of steps, not seconds
            step = int(np.gcd.reduce(offset))
            if step > 1:
                offset //= step
                hi = lo + int(offset.max())
        width = hi - lo + 1
        if span * width >= 2**62:
            order: IntArray = np.lexsort(tuple(reversed(keys))).astype(np.intp)
            return order, None
        if width > 1:
            packed = packed * width + offset
        span *= width
    if span * n < 2**62:
        # the row number as a last key makes every key unique: a quicksort is then stable
        order = np.argsort(packed * n + np.arange(n, dtype=np.int64)).astype(np.intp)
    else:
        order = np.argsort(packed, kind="stable").astype(np.intp)
    return order, packed[order]


def _hash_figures(*columns: FloatArray) -> npt.NDArray[np.uint64]:
    """A 64-bit key per row from float columns (NaN and -0.0 normalised); equal rows, equal keys."""
    h = np.zeros(columns[0].size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, c in enumerate(columns):
            clean = np.where(np.isnan(c), -7.25e300, c) + 0.0
            bits = clean.view(np.uint64)
            h = (h ^ bits) * np.uint64(0x9E3779B97F4A7C15 + 2 * i)
            h ^= h >> np.uint64(29)
    return h


def _same_float(a: FloatArray, b: FloatArray) -> BoolArray:
    both_nan = np.isnan(a) & np.isnan(b)
    result: BoolArray = (a == b) | both_nan
    return result


def _confidence_factor(
    confidence: FloatArray, hedge_codes: IntArray, hedge_names: ObjectArray, yardstick: str
) -> FloatArray:
    """Per claim: confidence, else the hedge's probability on the yardstick, else 1."""
    if hedge_names.size == 0 and bool(np.isnan(confidence).all()):
        return np.ones(confidence.size)  # nothing stated: every claim counts fully
    conf = confidence.copy()
    need = np.isnan(conf) & (hedge_codes >= 0)
    if need.any():
        fn = _hedge_function()
        if fn is not None:
            probs = np.array(
                [_hedge_probability(fn, str(u), yardstick) for u in hedge_names] + [math.nan],
                dtype=float,
            )
            conf[need] = probs[hedge_codes[need]]
    conf = np.where(np.isnan(conf), 1.0, conf)
    return np.clip(conf, MIN_CONFIDENCE, 1.0)


def _hedge_function() -> Any:
    """``estimates.reading.likelihood.hedge_confidence``."""
    # imported from the module itself: the package exports a function named ``likelihood``
    from estimates.reading.likelihood import hedge_confidence

    return hedge_confidence


def _hedge_probability(fn: Any, hedge: str, yardstick: str) -> float:
    """One number in [0, 1] for a hedge, or NaN when the yardstick has no reading of it."""
    try:
        value = fn(hedge, yardstick=yardstick)
    except UnknownMethodError:
        raise
    except (ValueError, LookupError, TypeError):
        return math.nan
    return _as_probability(value)


def _as_probability(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, tuple) and len(value) == 2:
        return (float(value[0]) + float(value[1])) / 2
    best = getattr(value, "best", None)
    if isinstance(best, int | float):
        return float(best)
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if isinstance(low, int | float) and isinstance(high, int | float):
        return (float(low) + float(high)) / 2
    return math.nan


def _grade_weight(letter: object) -> float:
    if not isinstance(letter, str):
        return _NO_GRADE_WEIGHT
    return RELIABILITY_WEIGHT.get(letter.strip().upper(), _NO_GRADE_WEIGHT)


# -- the pipeline ---------------------------------------------------------------------------------


def run(
    frame: pd.DataFrame, settings: Settings, *, only: str | None = None, detail: bool = False
) -> CoreResult:
    """Reconcile every quantity of ``frame`` (a ledger frame) with ``settings``.

    ``only`` restricts the work to one quantity (the rows of the others are dropped first),
    except for joint methods (truth discovery), which learn from every quantity. ``detail``
    also returns each evidence row as read (``ev_low``, ``ev_high``, ``ev_point``), for the
    conflicts and spread of one quantity, and the per-claim ``weight``, ``resolved_source``,
    ``bound_side`` and ``merged``; without it those arrays are empty.

    >>> frame = pd.DataFrame({"quantity": ["a", "b"], "low": [1.0, 5.0], "high": [2.0, 6.0],
    ...                       "source": ["S", "S"]})
    >>> run(frame, Settings(method="envelope")).low.tolist()
    [1.0, 5.0]
    """
    fn = get_method(settings.method)
    from estimates.reconciliation.methods import is_joint

    base_rows: IntArray | None = None
    if only is not None and not is_joint(settings.method):
        keep_rows = _equals(frame["quantity"], only)
        base_rows = np.flatnonzero(keep_rows).astype(np.intp)
        frame = frame.iloc[base_rows]

    n_all = len(frame)
    q_all, q_names = _codes(frame, "quantity", n_all, sort=True)
    nq = len(q_names)

    # -- 1. known on -------------------------------------------------------------------------
    stated_all = _instants(frame, "stated_on_end", n_all)
    if settings.known_on is None:
        known_on = np.full(nq, NO_DAY, dtype=np.int64)
        has = stated_all != NO_DAY
        np.maximum.at(known_on, q_all[has], stated_all[has])
    else:
        known_on = np.full(nq, settings.known_on, dtype=np.int64)
    at = known_on.copy() if settings.at is None else np.full(nq, settings.at, dtype=np.int64)
    at_cmp = np.where(at == NO_DAY, _FAR, at)  # no date anywhere: every figure is "before"
    hindsight = (known_on != NO_DAY) & (at != NO_DAY) & (known_on > at)
    known = (stated_all == NO_DAY) | (
        stated_all <= np.where(known_on == NO_DAY, _FAR, known_on)[q_all]
    )
    everything = bool(known.all())
    row = np.arange(n_all, dtype=np.intp) if everything else np.flatnonzero(known).astype(np.intp)
    n = row.size

    def take(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        # the columns are read once from the whole frame and then cut: no copy of the frame
        return values if everything else values[row]

    qc = take(q_all)
    stated = take(stated_all)

    # -- 2. sources ----------------------------------------------------------------------------
    from estimates.values.sources import Sources

    resolver = settings.sources if settings.sources is not None else Sources()
    raw_codes, raw_names = _codes(frame, "source", n_all)
    raw_codes = take(raw_codes)
    resolved_u = np.array([resolver.resolve(str(x)) for x in raw_names], dtype=object)
    rcodes, src_names = _factorize(resolved_u, sort=True)
    src = rcodes[raw_codes] if n else np.zeros(0, dtype=np.intp)
    ns = max(len(src_names), 1)
    resolved_source = src_names[src] if n and detail else np.zeros(0, dtype=object)
    letter_codes, letter_names = _codes(frame, "reliability", n_all)
    letter_codes = take(letter_codes)
    declared = np.full(len(src_names), None, dtype=object)
    # a Sources with no declared source has no grade to give (len() counts declared ones)
    declares = not isinstance(resolver, Sources) or len(resolver) > 0
    if declares and hasattr(resolver, "reliability_of") and len(src_names):
        declared = np.array([resolver.reliability_of(str(x)) for x in src_names], dtype=object)
    # a claim's own grade, else its source's declared grade; kept as codes (letters are
    # spelled out only for the evidence rows handed to the method)
    letter_table = np.r_[letter_names, np.array([None], dtype=object)]

    no_grades = letter_names.size == 0 and not any(x is not None for x in declared.tolist())

    def letters_of(rows: IntArray) -> ObjectArray:
        if no_grades:
            return np.full(rows.size, None, dtype=object)
        own = letter_codes[rows]
        result: ObjectArray = np.where(own >= 0, letter_table[own], declared[src[rows]])
        return result

    own_weight = np.array([_grade_weight(x) for x in letter_names] + [_NO_GRADE_WEIGHT])
    declared_weight = np.array([_grade_weight(x) for x in declared] + [_NO_GRADE_WEIGHT])
    grade_weight: FloatArray | float = _NO_GRADE_WEIGHT  # no grade anywhere: one weight
    if not no_grades:
        grade_weight = np.where(
            letter_codes >= 0,
            own_weight[letter_codes],
            declared_weight[src] if n else np.zeros(0),
        )

    # -- 3. units ------------------------------------------------------------------------------
    low = take(_floats(frame, "low", n_all))
    best = take(_floats(frame, "best", n_all))
    high = take(_floats(frame, "high", n_all))
    ucodes, unames = _codes(frame, "unit", n_all, sort=True)
    ucodes = take(ucodes)
    nu = len(unames)
    chosen = np.full(nq, -1, dtype=np.intp)
    if nu:
        has_unit = ucodes >= 0
        # per quantity the most common unit (ties: the first in alphabetical order)
        if nu == 1:
            chosen[qc[has_unit]] = 0
        else:
            unit_counts = np.bincount(
                qc[has_unit].astype(np.int64) * nu + ucodes[has_unit], minlength=nq * nu
            ).reshape(nq, nu)
            chosen = np.where(
                unit_counts.max(axis=1) > 0, np.argmax(unit_counts, axis=1), -1
            ).astype(np.intp)
        target = chosen[qc]
        convert = has_unit & (target >= 0) & (ucodes != target)
        factor = np.ones(n)
        if convert.any():
            combo = ucodes[convert].astype(np.int64) * nu + target[convert]
            combos, inverse = np.unique(combo, return_inverse=True)
            values = np.empty(combos.size)
            for i, c in enumerate(combos.tolist()):
                a, b = str(unames[c // nu]), str(unames[c % nu])
                try:
                    values[i] = _units.factor(a, b)
                except DimensionError as exc:
                    bad_q = q_names[qc[convert][inverse == i][0]]
                    raise DimensionError(
                        f"quantity {bad_q!r} mixes {a!r} and {b!r}, which measure different things "
                        f"({_units.dimension(a)} and {_units.dimension(b)}); give it one unit or "
                        "split it into two quantities",
                        left=b,
                        right=a,
                    ) from exc
            factor[convert] = values[inverse]
            low, best, high = low * factor, best * factor, high * factor
    unit_of_q = np.r_[unames, np.array([None], dtype=object)][chosen]

    closed_codes, closed_names = _codes(frame, "closed", n_all)
    closed_codes = take(closed_codes)
    names_closed = [str(x) for x in closed_names] + ["both"]  # missing: closed on both sides
    left_ok = np.array([x in ("both", "left") for x in names_closed], dtype=bool)
    right_ok = np.array([x in ("both", "right") for x in names_closed], dtype=bool)
    cl = left_ok[closed_codes] & ~np.isnan(low)
    cr = right_ok[closed_codes] & ~np.isnan(high)
    lo_raw = np.where(np.isnan(low), -np.inf, low)
    hi_raw = np.where(np.isnan(high), np.inf, high)
    has_best = ~np.isnan(best)
    # a count quantity: a unit registered as a count, or every figure >= 0
    smallest = np.fmin(np.fmin(np.where(np.isfinite(lo_raw), lo_raw, np.nan), best), high)
    seg_min = np.full(nq, np.inf)
    fin = ~np.isnan(smallest)
    np.minimum.at(seg_min, qc[fin], smallest[fin])
    count_unit = np.r_[np.array([_units.is_count(str(u)) for u in unames], dtype=bool), False][
        chosen
    ]
    positive = count_unit | (seg_min >= 0)

    # -- kinds, times -----------------------------------------------------------------------------
    kind_codes, kind_names = _codes(frame, "kind", n_all)
    kind_table = np.array([_KINDS.get(str(x), STOCK) for x in kind_names] + [STOCK], dtype=np.int8)
    kind = kind_table[take(kind_codes)]
    t_e = take(_instants(frame, "as_of_end", n_all))
    t_s = _day_start(take(_instants(frame, "as_of_start", n_all)), t_e)
    stated_start = _day_start(take(_instants(frame, "stated_on_start", n_all)), stated)
    no_as_of = t_e == NO_DAY
    t_s = np.where(no_as_of, np.where(stated_start == NO_DAY, stated, stated_start), t_s)
    t_e = np.where(no_as_of, stated, t_e)
    since = take(_instants(frame, "since_start", n_all))
    is_proj = kind == PROJECTION_KIND
    has_obs = np.zeros(nq, dtype=bool)
    has_obs[qc[~is_proj]] = True
    # a quantity with only projections: each source's latest projection, whatever ``at`` says
    proj_alone = is_proj & ~has_obs[qc]
    if proj_alone.any():
        t_s = np.where(proj_alone, stated, t_s)
        t_e = np.where(proj_alone, stated, t_e)
    # the common case, figures about the day they were stated: one array serves all three
    # (nothing below writes to them), so each is cut and sorted once
    if np.array_equal(t_e, stated):
        t_e = stated
    if np.array_equal(t_s, stated):
        t_s = stated
    no_since = bool((since == NO_DAY).all())

    # which ends of a running total's figures were stated (a convention's cap is not evidence)
    lo_stated, hi_stated = _stated_ends(frame, kind == CUMULATIVE, take, n_all)

    # -- weights per claim (confidence × reliability) ------------------------------------------
    hedge_codes, hedge_names = _codes(frame, "hedge", n_all)
    claim_factor = _confidence_factor(
        take(_floats(frame, "confidence", n_all)),
        take(hedge_codes),
        hedge_names,
        settings.yardstick,
    )
    claim_factor = claim_factor * grade_weight

    role = np.zeros(n, dtype=np.int8)
    role[is_proj & has_obs[qc]] = PROJECTION

    # -- 4. one source, one day, one moment: one interval ----------------------------------------
    group_key = (qc.astype(np.int64) * 4 + kind) * ns + src
    # relays first, claim by claim: a later report of a figure the same source gave within
    # relay_days counts once, whatever else the source said on the day of the relay
    merge_keys = [group_key, t_e, stated, t_s, since]
    order1, packed1 = _lexsort_ints(merge_keys)
    # only a source that said several things about a quantity can repeat itself
    sorted_gk = group_key[order1]
    in_big = np.zeros(n, dtype=bool)
    if n > 1:
        same_next = sorted_gk[1:] == sorted_gk[:-1]
        in_big[order1[1:][same_next]] = True
        in_big[order1[:-1][same_next]] = True
    is_relay = np.zeros(n, dtype=bool)
    several = np.flatnonzero(in_big)
    if several.size > 1:
        sv = several
        is_relay[sv] = _relays(
            group_key[sv], lo_raw[sv], hi_raw[sv], best[sv], cl[sv], cr[sv], since[sv],
            stated[sv], settings.relay_days * DAY,
        )  # fmt: skip
    relay_flag = is_relay.astype(np.int64)
    if is_relay.any():
        # a relay never joins the other figures of its day: sort again with it as a key
        order1, packed1 = _lexsort_ints([*merge_keys, relay_flag])
    if packed1 is not None:
        new_ev = _segment_bounds([packed1])
    else:
        new_ev = _segment_bounds(
            [k[order1] for k in (group_key, t_e, stated, t_s, since, relay_flag)]
        )
    ev_of_sorted = np.cumsum(new_ev) - 1
    ev_starts = np.flatnonzero(new_ev)
    m = ev_starts.size
    ev_of = np.empty(n, dtype=np.intp)
    ev_of[order1] = ev_of_sorted
    counts = np.diff(np.r_[ev_starts, n]) if n else np.zeros(0, dtype=np.intp)

    first_row = order1[ev_starts] if m else np.zeros(0, dtype=np.intp)
    e_lo = lo_raw[first_row]
    e_hi = hi_raw[first_row]
    e_best = best[first_row]
    e_cl = cl[first_row]
    e_cr = cr[first_row]
    e_factor = claim_factor[first_row]
    all_same = np.ones(m, dtype=bool)
    # most groups hold one claim; only the others need reducing
    multi = np.flatnonzero(counts > 1) if m else np.zeros(0, dtype=np.intp)
    if multi.size:
        pos = np.flatnonzero((counts > 1)[ev_of_sorted])
        rows_m = order1[pos]
        gid = ev_of_sorted[pos]
        starts_m = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])

        def red_min(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.minimum.reduceat(x[rows_m], starts_m)

        def red_max(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return np.maximum.reduceat(x[rows_m], starts_m)

        best_key = np.where(has_best, best, -np.inf)
        same_m = (
            (red_min(lo_raw) == red_max(lo_raw))
            & (red_min(hi_raw) == red_max(hi_raw))
            & (red_min(best_key) == red_max(best_key))
            & (red_min(cl) == red_max(cl))
            & (red_min(cr) == red_max(cr))
        )
        # a best stands for an unstated end (the reading of estimates.reconciliation.methods.readings)
        lo_m, hi_m, be_m = lo_raw[rows_m], hi_raw[rows_m], best[rows_m]
        eff_lo = np.where(np.isfinite(lo_m), lo_m, np.where(np.isnan(be_m), -np.inf, be_m))
        eff_hi = np.where(np.isfinite(hi_m), hi_m, np.where(np.isnan(be_m), np.inf, be_m))
        g_lo_eff = np.minimum.reduceat(eff_lo, starts_m)
        g_hi_eff = np.maximum.reduceat(eff_hi, starts_m)
        # a hull end is closed when some row reaching it is closed there (a best is closed)
        cl_eff = np.where(np.isfinite(lo_m), cl[rows_m], ~np.isnan(be_m))
        cr_eff = np.where(np.isfinite(hi_m), cr[rows_m], ~np.isnan(be_m))
        local = np.cumsum(np.r_[True, gid[1:] != gid[:-1]]) - 1
        g_cl = np.maximum.reduceat(((eff_lo == g_lo_eff[local]) & cl_eff), starts_m)
        g_cr = np.maximum.reduceat(((eff_hi == g_hi_eff[local]) & cr_eff), starts_m)
        all_same[multi] = same_m
        e_lo[multi] = np.where(same_m, e_lo[multi], g_lo_eff)
        e_hi[multi] = np.where(same_m, e_hi[multi], g_hi_eff)
        # the figures' own best, when they all state the same one (each lies within the hull)
        same_best = (red_min(best_key) == red_max(best_key)) & np.isfinite(red_min(best_key))
        e_best[multi] = np.where(same_m | same_best, e_best[multi], np.nan)
        e_cl[multi] = np.where(same_m, e_cl[multi], g_cl & np.isfinite(g_lo_eff))
        e_cr[multi] = np.where(same_m, e_cr[multi], g_cr & np.isfinite(g_hi_eff))
        # the interval weighs as its most confident figure: repeating a figure adds nothing
        e_factor[multi] = np.maximum.reduceat(claim_factor[rows_m], starts_m)
        # a running total's figures of one day that all hold together state their overlap
        # ("at least 400" and "499": 499); figures that cannot all hold stay one hull
        cum_m = kind[rows_m][starts_m] == CUMULATIVE
        if cum_m.any():
            i_lo = np.maximum.reduceat(eff_lo, starts_m)
            i_hi = np.minimum.reduceat(eff_hi, starts_m)
            inter = cum_m & ~same_m & (i_lo <= i_hi)
            if inter.any():
                inside = (be_m >= i_lo[local]) & (be_m <= i_hi[local])
                b_in = np.maximum.reduceat(np.where(inside, be_m, -np.inf), starts_m)
                i_cl = np.maximum.reduceat((eff_lo == i_lo[local]) & cl_eff, starts_m)
                i_cr = np.maximum.reduceat((eff_hi == i_hi[local]) & cr_eff, starts_m)
                tgt = multi[inter]
                e_lo[tgt] = i_lo[inter]
                e_hi[tgt] = i_hi[inter]
                e_best[tgt] = np.where(np.isfinite(b_in[inter]), b_in[inter], np.nan)
                e_cl[tgt] = i_cl[inter] & np.isfinite(i_lo[inter])
                e_cr[tgt] = i_cr[inter] & np.isfinite(i_hi[inter])
    e_q = qc[first_row]
    e_kind = kind[first_row]
    e_src = src[first_row]
    e_gk = group_key[first_row]
    e_sd = stated[first_row]
    e_te = e_sd if t_e is stated else t_e[first_row]
    e_ts = e_sd if t_s is stated else t_s[first_row]
    e_since = np.full(m, NO_DAY, dtype=np.int64) if no_since else since[first_row]
    if is_proj.any():
        e_role = np.where(is_proj[first_row] & has_obs[e_q], PROJECTION, USED).astype(np.int8)
    else:
        e_role = np.full(m, USED, dtype=np.int8)
    # a figure repeated by its source on the same day adds nothing: a duplicate
    if multi.size:
        same_fig = _hash_figures(
            lo_raw[rows_m], hi_raw[rows_m], np.where(has_best[rows_m], best[rows_m], -np.inf),
            cl[rows_m].astype(float), cr[rows_m].astype(float), gid.astype(float),
        )  # fmt: skip
        dup = pd.Series(same_fig).duplicated(keep="first").to_numpy()
        dup_rows = rows_m[dup]
        role[dup_rows[role[dup_rows] != PROJECTION]] = DUPLICATE

    e_role[is_relay[first_row] & (e_role == USED)] = RELAY
    # the per-claim working columns are done with: a million rows hold ~8 MB per column, and
    # freeing them here keeps the peak memory of a large run down
    del q_all, stated_all, known, raw_codes, grade_weight, ucodes, closed_codes, cl, cr
    del lo_raw, hi_raw, has_best, smallest, fin, kind_codes, t_s, stated_start, no_as_of, since
    del is_proj, proj_alone, hedge_codes, claim_factor, group_key, merge_keys, order1, packed1
    del sorted_gk, in_big, is_relay, several, relay_flag, new_ev, ev_of_sorted, ev_starts, multi

    alive = e_role == USED

    # -- one kind of observation per quantity: the most common (ties: stock, cumulative, flow);
    # a flow beside running totals, or a running total beside levels, measures something else
    # counted over the evidence, so that duplicates and relays do not tip the balance
    obs_ev = alive & (e_kind != PROJECTION_KIND)
    kind_counts = np.bincount(e_q[obs_ev] * 3 + e_kind[obs_ev], minlength=nq * 3).reshape(nq, 3)
    main_kind = np.argmax(kind_counts, axis=1).astype(np.int8)
    other_kind = alive & (e_kind != PROJECTION_KIND) & (e_kind != main_kind[e_q])
    e_role[other_kind] = OUT_OF_WINDOW
    alive &= ~other_kind

    # -- cumulative: one base start per quantity -----------------------------------------------
    base_since = np.full(nq, NO_DAY, dtype=np.int64)
    cum_known = alive & (e_kind == CUMULATIVE) & (e_since != NO_DAY)
    if cum_known.any():
        pair_q = e_q[cum_known].astype(np.int64)
        pair_s = e_since[cum_known]
        keys = np.stack([pair_q, pair_s])
        uniq, cnt = np.unique(keys, axis=1, return_counts=True)
        order = np.lexsort((-uniq[1], -cnt, uniq[0]))
        firsts = _segment_bounds([uniq[0][order]])
        base_since[uniq[0][order][firsts]] = uniq[1][order][firsts]
    far_base = (
        alive
        & (e_kind == CUMULATIVE)
        & (e_since != NO_DAY)
        & (base_since[e_q] != NO_DAY)
        & (np.abs(e_since - base_since[e_q]) > settings.since_days * DAY)
    )
    e_role[far_base] = OUT_OF_WINDOW
    alive &= ~far_base
    other_start = np.bincount(e_q[far_base], minlength=nq)

    # -- flow: one window per quantity -----------------------------------------------------------
    is_flow = alive & (e_kind == FLOW)
    win_end = np.full(nq, NO_DAY, dtype=np.int64)
    win_since = np.full(nq, NO_DAY, dtype=np.int64)
    if is_flow.any():
        before_f = is_flow & (e_ts <= at_cmp[e_q])
        after_f = is_flow & ~before_f & hindsight[e_q]
        # reference row: the latest window ending at or before ``at``; else the earliest after
        idx = np.flatnonzero(before_f)
        order = np.lexsort((e_sd[idx], e_te[idx], e_q[idx]))
        lasts = (
            np.r_[e_q[idx][order][1:] != e_q[idx][order][:-1], True]
            if idx.size
            else np.zeros(0, bool)
        )
        ref = idx[order][lasts]
        idx2 = np.flatnonzero(after_f & ~np.isin(e_q, e_q[ref]))
        order = np.lexsort((e_sd[idx2], e_te[idx2], e_q[idx2]))
        firsts = _segment_bounds([e_q[idx2][order]]) if idx2.size else np.zeros(0, bool)
        ref = np.r_[ref, idx2[order][firsts]].astype(np.intp)
        win_end[e_q[ref]] = e_te[ref]
        win_since[e_q[ref]] = e_since[ref]
        ws = win_since[e_q]
        in_window = (e_te == win_end[e_q]) & (
            (e_since == NO_DAY)
            | (ws == NO_DAY)
            | (np.abs(e_since - ws) <= settings.since_days * DAY)
        )
        outside = is_flow & ~in_window
        e_role[outside] = OUT_OF_WINDOW
        alive &= ~outside

    # -- running totals: moments, floors forward, ceilings back (stages.running) --------------
    cum_ev = alive & (e_kind == CUMULATIVE) & (main_kind[e_q] == CUMULATIVE)
    running = None
    if cum_ev.any():
        ce = np.flatnonzero(cum_ev)
        running = running_totals(
            q=e_q[ce], moment=e_te[ce], source=e_src[ce], low=e_lo[ce], best=e_best[ce],
            high=e_hi[ce], closed_left=e_cl[ce], closed_right=e_cr[ce],
            low_stated=lo_stated[first_row[ce]], high_stated=hi_stated[first_row[ce]],
            weight=e_factor[ce], at=at_cmp, hindsight=hindsight, n_quantities=nq,
        )  # fmt: skip
        running_ev = ce
        running_weight = e_factor[ce]
        running_src = e_src[ce]
        running_moment = e_te[ce]
        running_qs = e_q[ce]

    # -- 5. time: supersession and bounds, per (quantity, kind, source) ------------------------
    # evidence rows are in order1 order: by group, then the moment described, then stated day
    g_new = _segment_bounds([e_gk]) if m else np.zeros(0, bool)
    g_starts = np.flatnonzero(g_new)
    ng = g_starts.size
    pos = np.arange(m)
    at_e = at_cmp[e_q]
    is_cum = e_kind == CUMULATIVE
    lower_cand = alive & np.where(
        is_cum, e_ts <= at_e, (e_ts <= at_e) | _proj_alone(e_kind, has_obs, e_q)
    )
    upper_cand = alive & is_cum & (e_te >= at_e) & ((e_ts <= at_e) | hindsight[e_q])
    after_cand = alive & ~is_cum & ~lower_cand & hindsight[e_q]
    big = m + 1
    last_lower = (
        np.maximum.reduceat(np.where(lower_cand, pos, -1), g_starts) if ng else np.zeros(0, np.intp)
    )
    first_upper = (
        np.minimum.reduceat(np.where(upper_cand, pos, big), g_starts)
        if ng
        else np.zeros(0, np.intp)
    )
    first_after = (
        np.minimum.reduceat(np.where(after_cand, pos, big), g_starts)
        if ng
        else np.zeros(0, np.intp)
    )
    g_cum = is_cum[g_starts] if ng else np.zeros(0, bool)
    # stock-like: the latest at or before ``at``; failing that (hindsight) the earliest after
    g_rep = np.where(last_lower >= 0, last_lower, np.where(first_after < big, first_after, -1))
    g_rep = np.where(
        g_cum,
        np.where(last_lower >= 0, last_lower, np.where(first_upper < big, first_upper, -1)),
        g_rep,
    )
    g_has = g_rep >= 0
    e_used = np.zeros(m, dtype=bool)
    e_side = np.zeros(m, dtype=np.int8)
    stock_rep = g_rep[g_has & ~g_cum]
    e_used[stock_rep] = True
    future_rows = stock_rep[e_ts[stock_rep] > at_e[stock_rep]]
    cum_l = last_lower[g_cum & (last_lower >= 0)]
    cum_u = first_upper[g_cum & (first_upper < big)]
    e_used[cum_l] = True
    e_used[cum_u] = True
    e_side[cum_l] = -1
    e_side[cum_u] = np.where(e_side[cum_u] == -1, 0, 1).astype(np.int8)
    superseded = alive & ~e_used
    e_role[superseded & (is_cum | (e_ts <= at_e) | _proj_alone(e_kind, has_obs, e_q))] = SUPERSEDED
    e_role[superseded & ~is_cum & (e_ts > at_e) & ~_proj_alone(e_kind, has_obs, e_q)] = (
        OUT_OF_WINDOW
    )
    e_role[future_rows] = FUTURE
    e_role[e_used & is_cum & (e_side != 0)] = BOUND
    # a stock's figure that every later figure contradicts was overtaken (stages.change)
    stock_now = stock_rep[(e_kind[stock_rep] == STOCK) & (e_ts[stock_rep] <= at_e[stock_rep])]
    if stock_now.size > 1 and settings.change_days is not None:
        r_lo = np.where(
            np.isfinite(e_lo[stock_now]), e_lo[stock_now],
            np.where(np.isnan(e_best[stock_now]), -np.inf, e_best[stock_now]),
        )  # fmt: skip
        r_hi = np.where(
            np.isfinite(e_hi[stock_now]), e_hi[stock_now],
            np.where(np.isnan(e_best[stock_now]), np.inf, e_best[stock_now]),
        )  # fmt: skip
        gone = stock_now[
            overtaken(
                q=e_q[stock_now], moment=e_te[stock_now], source=e_src[stock_now], low=r_lo,
                high=r_hi, apart=settings.change_days * DAY,
            )
        ]  # fmt: skip
        e_role[gone] = OVERTAKEN
        e_used[gone] = False
        g_rep[np.isin(g_rep, gone)] = -1
        g_has = g_rep >= 0

    # -- "at" before every figure: an explicit unknown ------------------------------------------
    obs = (e_role != PROJECTION) & (e_role != RELAY) & (e_role != DUPLICATE)
    any_before = np.zeros(nq, dtype=bool)
    bef = obs & ((e_ts <= at_e) | _proj_alone(e_kind, has_obs, e_q))
    any_before[e_q[bef]] = True
    too_early = ~any_before & np.isin(np.arange(nq), e_q)
    drop = too_early[e_q] & e_used
    e_role[drop] = OUT_OF_WINDOW
    e_used &= ~drop

    # -- the evidence: one row per (quantity, kind, source) group with a used row --------------
    g_l = np.where(g_cum, last_lower, g_rep)
    g_u = np.where(g_cum, np.where(first_upper < big, first_upper, -1), g_rep)
    g_ok = g_has & ~too_early[e_q[g_starts]] if ng else np.zeros(0, bool)
    gl, gu = g_l[g_ok].copy(), g_u[g_ok].copy()
    gi = np.flatnonzero(g_ok)
    # a running total cannot fall: when a source's earlier figure is above its later one, the
    # two cannot both hold and the one stated later (its revision) is kept, as a bound
    pair = g_cum[gi] & (gl >= 0) & (gu >= 0) & (gl != gu)
    if pair.any():
        pl, pu = gl[pair], gu[pair]
        low_l = np.where(
            np.isfinite(e_lo[pl]), e_lo[pl], np.where(np.isnan(e_best[pl]), -np.inf, e_best[pl])
        )
        high_u = np.where(
            np.isfinite(e_hi[pu]), e_hi[pu], np.where(np.isnan(e_best[pu]), np.inf, e_best[pu])
        )
        fell = low_l > high_u
        if fell.any():
            idx = np.flatnonzero(pair)[fell]
            keep_upper = e_sd[gu[idx]] > e_sd[gl[idx]]
            dropped = np.where(keep_upper, gl[idx], gu[idx])
            e_role[dropped] = SUPERSEDED
            e_used[dropped] = False
            e_side[dropped] = 0
            # the one kept stays a bound on its own side
            gl[idx] = np.where(keep_upper, -1, gl[idx])
            gu[idx] = np.where(keep_upper, gu[idx], -1)
    one = np.where(gl >= 0, gl, gu)  # a representative row
    same_row = gl == gu
    has_l, has_u = gl >= 0, gu >= 0
    sl = np.where(has_l, gl, 0)
    su = np.where(has_u, gu, 0)
    cum_g = g_cum[gi]
    if cum_g.any():
        ev_low = np.where(
            cum_g & ~same_row,
            np.where(
                has_l,
                np.where(
                    np.isfinite(e_lo[sl]),
                    e_lo[sl],
                    np.where(np.isnan(e_best[sl]), -np.inf, e_best[sl]),
                ),
                -np.inf,
            ),
            e_lo[one],
        )
        ev_high = np.where(
            cum_g & ~same_row,
            np.where(
                has_u,
                np.where(
                    np.isfinite(e_hi[su]),
                    e_hi[su],
                    np.where(np.isnan(e_best[su]), np.inf, e_best[su]),
                ),
                np.inf,
            ),
            e_hi[one],
        )
        ev_best = np.where(cum_g & ~same_row, np.nan, e_best[one])
        ev_cl = np.where(
            cum_g & ~same_row,
            has_l & (e_cl[sl] | ~np.isfinite(e_lo[sl])) & np.isfinite(ev_low),
            e_cl[one],
        )
        ev_cr = np.where(
            cum_g & ~same_row,
            has_u & (e_cr[su] | ~np.isfinite(e_hi[su])) & np.isfinite(ev_high),
            e_cr[one],
        )
        factor_lu = np.where(
            cum_g & ~same_row & has_l & has_u, (e_factor[sl] + e_factor[su]) / 2, e_factor[one]
        )
    else:
        # no running totals: every evidence row is one figure as it was merged
        ev_low, ev_high, ev_best = e_lo[one], e_hi[one], e_best[one]
        ev_cl, ev_cr, factor_lu = e_cl[one], e_cr[one], e_factor[one]
    ev_q = e_q[one]
    ev_src = e_src[one]
    recency = np.ones(one.size)
    if settings.half_life:
        age = np.abs(at_e[one] - e_te[one]).astype(float)
        age = np.where((at[ev_q] == NO_DAY) | (e_te[one] == NO_DAY), 0.0, age)
        recency = 0.5 ** (age / (float(settings.half_life) * DAY))
    ev_weight = factor_lu * recency
    stale = recency < STALE_BELOW
    # evidence id of each evidence row (the row of the final Evidence), -1 when unused
    final_of_e = np.full(m, -1, dtype=np.intp)
    final_of_e[gl[has_l]] = np.flatnonzero(has_l)
    any_cum = bool(g_cum.any())  # else each group's lower and upper row are the same row
    if any_cum:
        final_of_e[gu[has_u]] = np.flatnonzero(has_u)
    if settings.half_life:
        stale_rows = one[stale]
        e_role[stale_rows] = np.where(e_role[stale_rows] == USED, STALE, e_role[stale_rows])

    # the working columns of the evidence rows are done with too (see above)
    del alive, obs_ev, other_kind, far_base, is_flow, g_new, g_starts, is_cum, lower_cand
    del upper_cand, after_cand, last_lower, first_upper, first_after, g_cum, g_rep, g_has, e_used
    del stock_rep, future_rows, cum_l, cum_u, superseded, obs, bef, drop, g_l, g_u, g_ok, gi, pair
    del same_row, sl, su, cum_g, recency, factor_lu, stale, at_e, pos, e_lo, e_hi, e_best
    del e_cl, e_cr, e_factor, e_kind, e_gk, e_ts, e_since, e_q, e_src

    # -- 6. combine --------------------------------------------------------------------------
    k = ev_q.size
    res_low = np.full(nq, np.nan)
    res_best = np.full(nq, np.nan)
    res_high = np.full(nq, np.nan)
    res_cl = np.zeros(nq, dtype=bool)
    res_cr = np.zeros(nq, dtype=bool)
    note = np.full(nq, None, dtype=object)
    res_level = np.full(nq, np.nan)
    table: pd.DataFrame | None = None
    seg_has = np.zeros(nq, dtype=bool)
    if k:
        ev_starts_q = np.flatnonzero(_segment_bounds([ev_q]))
        seg_q = ev_q[ev_starts_q]
        seg_has[seg_q] = True
        # (no copies: the arrays are already of these types and nothing else writes to them)
        evidence = Evidence(
            low=np.asarray(ev_low, dtype=float),
            high=np.asarray(ev_high, dtype=float),
            best=np.asarray(ev_best, dtype=float),
            closed_left=np.asarray(ev_cl, dtype=bool) & np.isfinite(ev_low),
            closed_right=np.asarray(ev_cr, dtype=bool) & np.isfinite(ev_high),
            weight=np.asarray(ev_weight, dtype=float),
            source=np.asarray(ev_src, dtype=np.intp),
            source_names=tuple(src_names.tolist()),
            reliability=letters_of(first_row[one]),
            starts=np.asarray(ev_starts_q, dtype=np.intp),
            quantities=tuple(q_names[seg_q].tolist()),
            positive=positive[seg_q],
            as_of_day=np.asarray(e_te[one], dtype=np.int64),
            stated_day=np.asarray(e_sd[one], dtype=np.int64),
            level=take(_claim_levels(frame, n_all))[first_row[one]],
        )
        del ev_low, ev_high, ev_best, ev_cl, ev_cr
        combined = fn(evidence, dict(settings.options))
        if not isinstance(combined, Combined) or combined.low.size != seg_q.size:
            raise ReconcileError(
                f"method {settings.method!r} did not return one result per quantity"
            )
        res_low[seg_q] = combined.low
        res_best[seg_q] = combined.best
        res_high[seg_q] = combined.high
        res_cl[seg_q] = combined.closed_left
        res_cr[seg_q] = combined.closed_right
        note[seg_q] = np.array(combined.note, dtype=object)
        if combined.level is not None:
            res_level[seg_q] = combined.level
        table = combined.sources
        # each used figure as read (a best stands for an unstated end)
        has_b = ~np.isnan(evidence.best)
        r_low = np.where(np.isinf(evidence.low) & has_b, evidence.best, evidence.low)
        r_high = np.where(np.isinf(evidence.high) & has_b, evidence.best, evidence.high)
        rq_lo = res_low[ev_q]
        rq_hi = res_high[ev_q]
        known_res = ~np.isnan(rq_lo) & ~np.isnan(rq_hi)
        misses = known_res & ((r_high < rq_lo) | (r_low > rq_hi))
        out_rows = gl[has_l & misses]
        if any_cum:
            out_rows = np.r_[out_rows, gu[has_u & misses]].astype(np.intp)
        e_role[out_rows] = OUTLIER
        # conflict: the used figures cannot all hold
        # figures about moments change_days or more apart are change, not conflict (a stock)
        conflict_seg = in_conflict(
            starts=ev_starts_q, moment=np.asarray(e_te[one], dtype=np.int64), low=r_low,
            high=r_high,
            apart=None if settings.change_days is None else settings.change_days * DAY,
        )  # fmt: skip
    conflict = np.zeros(nq, dtype=bool)
    if k:
        conflict[seg_q] = conflict_seg

    # -- running totals: their answer replaces the method's -----------------------------------
    falls: tuple[tuple[int, int, int, str, float], ...] = ()
    best_claim = np.full(nq, -1, dtype=np.intp)
    running_sources = None
    if running is not None:
        answered = np.zeros(nq, dtype=bool)
        e_q_running = running_qs
        answered[e_q_running] = True
        # a running total the stage cannot answer is unknown, never the method's other reading
        silent = answered & np.isnan(running.low)
        res_low[silent] = res_best[silent] = res_high[silent] = np.nan
        note[silent] = None
        seg_has[silent] = False  # explained with the other unknowns below
        answered &= ~np.isnan(running.low)
        rq = np.flatnonzero(answered)
        res_low[rq], res_best[rq], res_high[rq] = (
            running.low[rq],
            running.best[rq],
            running.high[rq],
        )
        res_cl[rq], res_cr[rq] = running.closed_left[rq], running.closed_right[rq]
        conflict[rq] = running.conflict[rq]
        seg_has[rq] = True
        code = np.array([USED, BOUND, BOUND, SUPERSEDED, REVISED, OUT_OF_WINDOW], dtype=np.int8)
        in_answer = answered[e_q_running]
        e_role[running_ev[in_answer]] = code[running.outcome[in_answer]]
        e_side[running_ev] = np.where(
            in_answer & (running.outcome == FLOOR),
            -1,
            np.where(in_answer & (running.outcome == CEILING), 1, 0),
        ).astype(np.int8)
        falls = tuple(
            (
                f.q,
                int(first_row[running_ev[f.low_row]]),
                int(first_row[running_ev[f.high_row]]),
                f.kind,
                float(f.gap),
            )
            for f in running.falls
            if answered[f.q]
        )
        has_best_row = running.best_row >= 0
        best_claim[has_best_row & answered] = first_row[
            running_ev[running.best_row[has_best_row & answered]]
        ]
        for i in rq.tolist():
            note[i] = _running_note(
                running, i, int(at_cmp[i]), running_src, running_moment, src_names
            )
            if other_start[i]:
                # the count restarts: say from when, so that a lower figure is read as a new count
                start = f"counted since {instant_text(int(base_since[i]))} ({other_start[i]} "
                start += f"figure{'s' if other_start[i] > 1 else ''} counted from another start "
                start += "set apart)"
                note[i] = f"{note[i]}; {start}" if note[i] else start
        used_e = np.isin(e_role[running_ev], list(USED_ROLES)) & in_answer
        running_sources = np.bincount(
            np.unique(e_q_running[used_e].astype(np.int64) * ns + running_src[used_e]) // ns,
            minlength=nq,
        )

    # -- unknowns, with their reasons ---------------------------------------------------------
    n_known_q = np.bincount(qc, minlength=nq)
    for i in np.flatnonzero(~seg_has).tolist():
        if n_known_q[i] == 0:
            note[i] = f"unknown: no claim was stated on or before {instant_text(int(known_on[i]))}"
        elif too_early[i]:
            note[i] = f"unknown: {instant_text(int(at[i]))} is before every figure"
        else:
            note[i] = "unknown: no usable figure (every claim was set apart)"
    # a method may say "unknown" as an unbounded range with no best and a note: make it NaN
    vacuous = np.isinf(res_low) & np.isinf(res_high) & np.isnan(res_best) & (note != None)  # noqa: E711
    res_low = np.where(vacuous, np.nan, res_low)
    res_high = np.where(vacuous, np.nan, res_high)
    unknown = np.isnan(res_low) | np.isnan(res_high)
    res_best = np.where(unknown, np.nan, res_best)
    res_cl &= ~unknown
    res_cr &= ~unknown
    # a single value is closed on both sides; a best on an open end or outside is no best
    single = ~unknown & (res_low == res_high)
    res_cl |= single
    res_cr |= single
    with np.errstate(invalid="ignore"):
        off = (res_best < res_low) | (res_best > res_high)
        off |= ((res_best == res_low) & ~res_cl) | ((res_best == res_high) & ~res_cr)
    res_best = np.where(off, np.nan, res_best)
    note = np.where(unknown & (note == None), "unknown", note)  # noqa: E711

    # -- per claim --------------------------------------------------------------------------------
    claim_ev_role = e_role[ev_of]
    role = np.where((role == DUPLICATE) | (role == PROJECTION), role, claim_ev_role).astype(np.int8)
    claim_evidence = final_of_e[ev_of]
    claim_used = np.isin(role, list(USED_ROLES)) & (claim_evidence >= 0)
    claim_evidence = np.where(claim_used, claim_evidence, -1)
    weight = (
        np.where(claim_used, ev_weight[np.maximum(claim_evidence, 0)] if k else 0.0, 0.0)
        if detail
        else np.zeros(0)
    )
    if running is not None:
        # a running total's claims are used as its stage says, whatever the method saw
        run_weight_e = np.full(m, np.nan)
        run_weight_e[running_ev] = running_weight
        of_running = ~np.isnan(run_weight_e[ev_of])
        run_used = of_running & np.isin(role, list(USED_ROLES))
        claim_used = np.where(of_running, run_used, claim_used)
        if detail:
            weight = np.where(of_running, np.where(run_used, run_weight_e[ev_of], 0.0), weight)
    n_claims = np.bincount(qc[claim_used], minlength=nq).astype(np.intp)
    # evidence rows are one per (quantity, kind, source) and a quantity's evidence has one kind
    # of observation (or only projections), so each source appears once
    n_sources = np.bincount(ev_q, minlength=nq).astype(np.intp) if k else np.zeros(nq, np.intp)
    if running_sources is not None:
        n_sources = np.where(running_sources > 0, running_sources, n_sources).astype(np.intp)
    e_side_claim = (
        np.where(role == BOUND, e_side[ev_of], 0).astype(np.int8)
        if detail
        else np.zeros(0, np.int8)
    )

    if base_rows is not None:
        row = base_rows[row]
    ev_point = np.zeros(0)
    ev_low_r = ev_high_r = np.zeros(0)
    if k and detail:
        r = readings(evidence)
        ev_point = np.where(np.isfinite(r.point), r.point, np.nan)
        ev_low_r, ev_high_r = r.low, r.high
    return CoreResult(
        quantities=q_names,
        at=at,
        known_on=known_on,
        unit=unit_of_q,
        low=res_low,
        best=res_best,
        high=res_high,
        closed_left=res_cl,
        closed_right=res_cr,
        n_claims=n_claims,
        n_sources=n_sources,
        conflict=conflict,
        note=note,
        sources=table,
        row=row,
        claim_q=qc,
        role=role,
        weight=weight,
        evidence=claim_evidence,
        claim_low=low,
        claim_best=best,
        claim_high=high,
        resolved_source=resolved_source if detail else np.zeros(0, dtype=object),
        kind=kind,
        as_of=t_e,
        stated=stated,
        bound_side=e_side_claim,
        merged=counts[ev_of] if n and detail else np.zeros(0, dtype=np.intp),
        base_since=base_since,
        hindsight=hindsight,
        main_kind=main_kind,
        ev_q=ev_q.astype(np.intp),
        ev_low=ev_low_r,
        ev_high=ev_high_r,
        ev_point=ev_point,
        ev_source=ev_src.astype(np.intp),
        ev_claim=first_row[one] if k else np.zeros(0, dtype=np.intp),
        falls=falls,
        best_claim=best_claim,
        level=np.where(unknown, np.nan, res_level),
    )


def _stated_ends(
    frame: pd.DataFrame, rows: BoolArray, take: Any, n_all: int
) -> tuple[BoolArray, BoolArray]:
    """Which ends of the ``rows`` figures their sources stated.

    A figure given as numbers states both ends. A figure read from words under a convention
    other than ``literal`` states only the ends the literal reading has: "over 31,000" states
    its floor, and the cap a convention adds is an assumption. Each distinct text is read once.
    """
    n = rows.size
    lo = np.ones(n, dtype=bool)
    hi = np.ones(n, dtype=bool)
    if not rows.any() or "text" not in frame.columns or "convention" not in frame.columns:
        return lo, hi
    text = take(_objects(frame, "text", n_all))
    conv = take(_objects(frame, "convention", n_all))
    read = rows & (text != None) & (conv != None) & (conv != "literal")  # noqa: E711
    idx = np.flatnonzero(read)
    if not idx.size:
        return lo, hi
    from estimates.errors import EstimatesError
    from estimates.reading.parsing import parse

    codes, uniq = pd.factorize(pd.Series(text[idx], dtype=object))
    lit_lo = np.ones(len(uniq), dtype=bool)
    lit_hi = np.ones(len(uniq), dtype=bool)
    for j, t in enumerate(uniq.tolist()):
        try:
            r = parse(str(t), convention="literal")
        except EstimatesError:
            continue
        lit_lo[j] = r.low is not None
        lit_hi[j] = r.high is not None
    lo[idx] = lit_lo[codes]
    hi[idx] = lit_hi[codes]
    return lo, hi


def _running_note(
    running: RunningResult,
    i: int,
    at: int,
    src: IntArray,
    moment: Int64Array,
    src_names: ObjectArray,
) -> str | None:
    """What a running total's answer rests on: where its best comes from, and its conflicts."""

    def who(r: int) -> str:
        return f"{src_names[src[r]]}'s figure of {instant_text(int(moment[r]))}"

    parts: list[str] = []
    b = int(running.best_row[i])
    if b >= 0 and not np.isnan(running.best[i]):
        # carried forward: from an earlier day, or from earlier on the day of a timed ``at``
        whole_day = at % DAY == DAY - 1
        earlier = int(moment[b]) // DAY < at // DAY if whole_day else int(moment[b]) < at
        carried = ", carried forward" if earlier else ""
        best = float(running.best[i])
        if running.best_is_row[i]:
            parts.append(f"running total: best {number(best)} from {who(b)}{carried}")
        elif running.best_from_floor[i]:
            parts.append(
                f"running total: best {number(best)}, the nearest value to the last best that "
                f"{who(b)} allows (a floor)"
            )
        else:
            parts.append(
                f"running total: best {number(best)}, the weighted median of the figures as of "
                f"{instant_text(int(moment[b]))}{carried}"
            )
    for f in running.falls:
        if f.q != i:
            continue
        hi_src, lo_src = src_names[src[f.low_row]], src_names[src[f.high_row]]
        hi_day, lo_day = instant_text(int(moment[f.low_row])), instant_text(int(moment[f.high_row]))
        if f.kind == "revision":
            parts.append(f"{lo_src} revised its figure as of {hi_day} down (as of {lo_day})")
        elif f.kind == "moment":
            parts.append(
                f"conflict: {hi_src} and {lo_src} give figures about {hi_day} that cannot both hold"
            )
        else:
            parts.append(
                f"conflict: {lo_src}'s figure as of {lo_day} is below {hi_src}'s as of {hi_day}: "
                "a running total cannot fall"
            )
    return "; ".join(parts) or None


def _proj_alone(kind: npt.NDArray[np.int8], has_obs: BoolArray, q: IntArray) -> BoolArray:
    """Evidence rows that are projections of a quantity with no observations."""
    result: BoolArray = (kind == PROJECTION_KIND) & ~has_obs[q]
    return result


def _claim_levels(frame: pd.DataFrame, n: int) -> FloatArray:
    """Per claim, the probability its range carries: its ``level``, else its convention's
    (:attr:`estimates.reading.conventions.Convention.level`), else NaN."""
    level = _floats(frame, "level", n)
    if "convention" not in frame.columns or not np.isnan(level).any():
        return level
    codes, names = _codes(frame, "convention", n)
    if names.size == 0:
        return level
    from estimates.reading.conventions import convention_level

    table = np.array([convention_level(str(x)) for x in names] + [math.nan], dtype=float)
    result: FloatArray = np.where(np.isnan(level), table[codes], level)
    return result
