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
from estimates.reconciliation.stages.arrays import segment_starts
from estimates.reconciliation.stages.change import in_conflict
from estimates.reconciliation.stages.evidence import merge
from estimates.reconciliation.stages.roles import ROLES, USED_ROLES, Role
from estimates.reconciliation.stages.running import CEILING, FLOOR, RunningResult, running_totals
from estimates.reconciliation.stages.time import (
    base_start,
    before_every_figure,
    flow_window,
    main_kind,
    pick,
    supersede,
)
from estimates.reconciliation.stages.weights import confidence, recency, reliability, stale
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


def _hedge_probabilities(names: ObjectArray, yardstick: str) -> FloatArray:
    """Per distinct hedge, its probability on the yardstick (NaN when it has no reading)."""
    fn = _hedge_function()
    return np.array([_hedge_probability(fn, str(u), yardstick) for u in names], dtype=float)


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
        grade_weight = reliability(letter_codes, own_weight, src, declared_weight)

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

    # which ends of a running total's figures were stated (a convention's cap is not evidence)
    lo_stated, hi_stated = _stated_ends(frame, kind == CUMULATIVE, take, n_all)

    # -- weights per claim (confidence × reliability) ------------------------------------------
    hedge_codes, hedge_names = _codes(frame, "hedge", n_all)
    hedge_codes = take(hedge_codes)
    stated_confidence = take(_floats(frame, "confidence", n_all))
    hedge_probability = None  # looked up only when a claim has a hedge and no confidence
    if hedge_names.size and bool((np.isnan(stated_confidence) & (hedge_codes >= 0)).any()):
        hedge_probability = _hedge_probabilities(hedge_names, settings.yardstick)
    claim_factor = (
        confidence(stated_confidence, hedge_codes, hedge_probability, floor=MIN_CONFIDENCE)
        * grade_weight
    )

    role = np.zeros(n, dtype=np.int8)
    role[is_proj & has_obs[qc]] = Role.PROJECTION

    # -- 4. one source, one day, one moment: one interval (stages.evidence) -------------------
    merged = merge(
        q=qc, kind=kind, source=src, n_sources=ns, moment=t_e, stated=stated, start=t_s,
        since=since, low=lo_raw, best=best, high=hi_raw, closed_left=cl, closed_right=cr,
        factor=claim_factor, cumulative=kind == CUMULATIVE, set_apart=is_proj & has_obs[qc], relay_days=settings.relay_days * DAY,
    )  # fmt: skip
    role[merged.duplicate] = Role.DUPLICATE
    ev_of, counts, first_row = merged.evidence_of, merged.count, merged.first
    m = first_row.size
    e_q, e_kind, e_src, e_gk = merged.q, merged.kind, merged.source, merged.group
    e_sd, e_te, e_ts, e_since = merged.stated, merged.moment, merged.start, merged.since
    e_lo, e_best, e_hi = merged.low, merged.best, merged.high
    e_cl, e_cr, e_factor = merged.closed_left, merged.closed_right, merged.factor
    e_role = merged.role.copy()
    del merged
    # the per-claim working columns are done with: a million rows hold ~8 MB per column, and
    # freeing them here keeps the peak memory of a large run down
    del q_all, stated_all, known, raw_codes, grade_weight, ucodes, closed_codes, cl, cr
    del lo_raw, hi_raw, has_best, smallest, fin, kind_codes, t_s, stated_start, no_as_of, since
    del is_proj, proj_alone, hedge_codes, stated_confidence, claim_factor

    alive = e_role == Role.USED
    # -- one kind of observation per quantity (stages.time) -----------------------------------
    kinds = main_kind(
        q=e_q, kind=e_kind, observation=alive & (e_kind != PROJECTION_KIND), n_quantities=nq
    )
    main = kinds.kind
    e_role[kinds.other] = Role.OUT_OF_WINDOW
    alive &= ~kinds.other
    # -- cumulative: one base start per quantity ----------------------------------------------
    base = base_start(
        q=e_q, since=e_since, cumulative=alive & (e_kind == CUMULATIVE), n_quantities=nq,
        window=settings.since_days * DAY,
    )  # fmt: skip
    e_role[base.far] = Role.OUT_OF_WINDOW
    alive &= ~base.far
    base_since, other_start = base.since, base.n_far
    # -- flow: one window per quantity ---------------------------------------------------------
    outside = flow_window(
        q=e_q, moment=e_te, start=e_ts, stated=e_sd, since=e_since, flow=alive & (e_kind == FLOW),
        at=at_cmp, hindsight=hindsight, window=settings.since_days * DAY,
    )  # fmt: skip
    e_role[outside] = Role.OUT_OF_WINDOW
    alive &= ~outside

    # -- running totals: moments, floors forward, ceilings back (stages.running) --------------
    cum_ev = alive & (e_kind == CUMULATIVE) & (main[e_q] == CUMULATIVE)
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
    # evidence rows are sorted by group, then the moment described, then the day stated
    alone = (e_kind == PROJECTION_KIND) & ~has_obs[e_q]
    kept = supersede(
        group=e_gk, q=e_q, start=e_ts, moment=e_te, alive=alive, cumulative=e_kind == CUMULATIVE,
        stock=e_kind == STOCK, alone=alone, at=at_cmp, hindsight=hindsight, role=e_role,
        low=e_lo, best=e_best, high=e_hi, source=e_src,
        change=None if settings.change_days is None else settings.change_days * DAY,
    )  # fmt: skip
    # -- "at" before every figure: an explicit unknown ------------------------------------------
    too_early, early_role = before_every_figure(
        q=e_q, start=e_ts, role=kept.role, used=kept.used, alone=alone, at=at_cmp
    )
    # -- the evidence: one interval per (quantity, kind, source) that stands ------------------
    picked = pick(
        kept=kept, q=e_q, too_early=too_early, stated=e_sd, low=e_lo, best=e_best, high=e_hi,
        closed_left=e_cl, closed_right=e_cr, factor=e_factor, role=early_role,
    )  # fmt: skip
    one, gl, gu = picked.row, picked.lower, picked.upper
    has_l, has_u = gl >= 0, gu >= 0
    ev_low, ev_high, ev_best = picked.low, picked.high, picked.best
    ev_cl, ev_cr = picked.closed_left, picked.closed_right
    ev_q = e_q[one]
    ev_src = e_src[one]
    # -- weights: confidence × reliability (above) × recency (stages.weights) -----------------
    half_life = None if not settings.half_life else float(settings.half_life) * DAY
    fresh = recency(at[ev_q], e_te[one], half_life)
    ev_weight = picked.factor * fresh
    final_of_e = picked.interval
    e_role = stale(picked.role, one, fresh).copy()
    e_side = picked.side.copy()
    del alive, kinds, base, outside, alone, kept, early_role, fresh, e_lo, e_hi, e_best
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
        ev_starts_q = np.flatnonzero(segment_starts([ev_q]))
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
        e_role[gl[has_l & misses]] = Role.OUTLIER
        e_role[gu[has_u & misses]] = Role.OUTLIER
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
        code = np.array(
            [Role.USED, Role.BOUND, Role.BOUND, Role.SUPERSEDED, Role.REVISED, Role.OUT_OF_WINDOW],
            dtype=np.int8,
        )
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
    role = np.where(
        (role == Role.DUPLICATE) | (role == Role.PROJECTION), role, claim_ev_role
    ).astype(np.int8)
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
        np.where(role == Role.BOUND, e_side[ev_of], 0).astype(np.int8)
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
        main_kind=main,
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
