"""The columnar reconciliation pipeline: every quantity at once, on numpy arrays.

This module knows nothing of pydantic. It takes what a ledger hands it, a frozen set of read-only
arrays (:class:`estimates.ledger.arrays.ClaimArrays`: one row per claim, text as integer codes,
numbers, dates as instants), and runs every step of DESIGN §3 on whole arrays: rows
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
6. **Prior weights** (documented numbers, see
   :data:`estimates.values.vocabulary.RELIABILITY_WEIGHT`):
   ``weight = confidence × reliability × recency`` where confidence is the claim's
   ``confidence``, else the probability of its ``hedge`` words on the yardstick (via
   ``estimates.reading.likelihood.hedge_confidence``, when that module is present), else 1, floored at
   :data:`MIN_CONFIDENCE`; reliability is the Admiralty letter's weight; recency is
   ``0.5 ** (age / half_life)`` with ``age`` the days between ``at`` and the moment the figure
   describes (1 without a half-life). A used figure whose recency fell below 1/4 (older than
   two half-lives) is marked ``stale``.
7. **Combine** with the method (:mod:`estimates.reconciliation.methods`), then mark used figures whose range
   does not meet the result as ``outlier``.

Each step is a stage, a pure function of arrays returning read-only arrays, under
:mod:`estimates.reconciliation.stages`: ``known`` (1), ``evidence`` (4), ``time`` (5, with
``running`` for running totals and ``change`` for stocks that change), ``weights`` (6), and the
roles as an ``IntEnum`` in ``roles``. The ledger's arrays become theirs, with the policies of
steps 2 and 3 (aliases, grades, unit factors, kinds, hedge probabilities) applied beforehand, in
:mod:`estimates.reconciliation._frame`. :func:`run` is their sequence; the method's answer, the
running totals' answer, the unknowns and the per-claim table are built here from their outputs.

>>> import pandas as pd
>>> frame = pd.DataFrame({"quantity": ["q", "q", "q"], "low": [10.0, 11.0, 900.0],
...                       "best": [float("nan")] * 3, "high": [10.0, 11.0, 900.0],
...                       "source": ["A", "B", "C"]})
>>> out = run(claim_arrays(frame), Settings(method="robust"))
>>> out.best.tolist(), out.n_sources.tolist()
([11.0], [3])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.ledger.arrays import ClaimArrays, claim_arrays
from estimates.reconciliation._answer import (
    Running,
    combine,
    hand_over,
    per_claim,
    running_answer,
    settle_unknowns,
)
from estimates.reconciliation._frame import (
    CUMULATIVE,
    FLOW,
    PROJECTION_KIND,
    STOCK,
    Columns,
    Figures,
    Resolved,
    Times,
    hedge_probabilities,
    instant_text,
    read_figures,
    read_sources,
    read_times,
    stated_ends,
    to_instant,
    write_number,
)
from estimates.reconciliation.methods import get_method, readings
from estimates.reconciliation.stages.arrays import (
    DAY,
    NO_DAY,
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    ObjectArray,
)
from estimates.reconciliation.stages.evidence import Merged, merge
from estimates.reconciliation.stages.known import Known, known_on
from estimates.reconciliation.stages.roles import ROLES, USED_ROLES, Role
from estimates.reconciliation.stages.running import running_totals
from estimates.reconciliation.stages.time import (
    Picked,
    base_start,
    before_every_figure,
    flow_window,
    main_kind,
    pick,
    supersede,
)
from estimates.reconciliation.stages.weights import confidence, recency, stale

if TYPE_CHECKING:
    from estimates.values.sources import Sources

__all__ = [
    "DAY",
    "MIN_CONFIDENCE",
    "NO_DAY",
    "ROLES",
    "USED_ROLES",
    "ClaimArrays",
    "CoreResult",
    "Settings",
    "claim_arrays",
    "instant_text",
    "run",
    "to_instant",
]

#: A claim's confidence below this still counts this much: weights must stay > 0.
MIN_CONFIDENCE = 0.05
# Times in the core are instants: seconds since 1970-01-01, a date without a time of day standing
# for the last second of its day (see :attr:`estimates.values.dates.Period.last_second`), so
# whole days differ by multiples of DAY and a count of 20:00 falls before "as of" that day;
# NO_DAY means "no date" (stages.arrays). Options given in days (``relay_days``, ``since_days``,
# ``change_days``, ``half_life``) are multiplied by DAY.


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

    Per known claim: ``row`` (position in the ledger), ``claim_q`` (quantity index),
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


def run(
    claims: ClaimArrays | pd.DataFrame,
    settings: Settings,
    *,
    only: str | None = None,
    detail: bool = False,
) -> CoreResult:
    """Reconcile every quantity of ``claims`` (a ledger's arrays, or a ledger frame, read into
    arrays first) with ``settings``.

    ``only`` restricts the work to one quantity (the rows of the others are dropped first),
    except for joint methods (truth discovery), which learn from every quantity. ``detail``
    also returns each evidence row as read (``ev_low``, ``ev_high``, ``ev_point``) and a claim
    it comes from (``ev_claim``), for the conflicts and spread of one quantity, and the per-claim ``weight``, ``resolved_source``,
    ``bound_side`` and ``merged``; without it those arrays are empty.

    >>> frame = pd.DataFrame({"quantity": ["a", "b"], "low": [1.0, 5.0], "high": [2.0, 6.0],
    ...                       "source": ["S", "S"]})
    >>> run(frame, Settings(method="envelope")).low.tolist()
    [1.0, 5.0]
    """
    fn = get_method(settings.method)
    arrays = claims if isinstance(claims, ClaimArrays) else claim_arrays(claims)
    arrays, base_rows = _only(arrays, only, settings.method)
    # 1. known on (stages.known)
    q_all, q_names = arrays.quantity.codes, arrays.quantity.names
    stated_all = arrays.stated_on_end
    nq = len(q_names)
    known = known_on(
        q=q_all, stated=stated_all, n_quantities=nq, known_on=settings.known_on, at=settings.at
    )
    cols = Columns(arrays, known.rows, known.everything)
    qc, stated = cols.take(q_all), cols.take(stated_all)
    del q_all, stated_all
    # 2.–3. the policies as arrays: sources and grades, units, kinds and times
    sources = read_sources(cols, settings.sources, detail=detail)
    figures = read_figures(cols, qc, q_names)
    times = read_times(cols, qc, nq, stated)
    # 4. one source, one day, one moment: one interval (stages.evidence)
    merged, low_stated, high_stated = _merge(cols, settings, qc, stated, sources, figures, times)
    kind, moment, has_obs = times.kind, times.moment, times.has_obs
    role = np.where(times.set_apart, Role.PROJECTION, Role.USED).astype(np.int8)
    role[merged.duplicate] = Role.DUPLICATE
    del times
    # 5. time: kinds, windows, running totals, supersession, bounds (stages.time, .running)
    stood = _stand(merged, known, has_obs, settings, low_stated, high_stated)
    del low_stated, high_stated
    # 6. weights (stages.weights) and the method's answer
    picked, running = stood.picked, stood.running
    take = picked.take
    ev_q = take(merged.q)
    ev_moment = np.asarray(take(merged.moment), dtype=np.int64)
    fresh = recency(known.at[ev_q], ev_moment, _half_life(settings))
    ev_weight = picked.factor * fresh
    e_role = stale(picked.role, picked.row, fresh).copy()
    e_side = picked.side.copy()
    del fresh
    handed = hand_over(
        merged, picked, ev_q, ev_moment, ev_weight, q_names, sources, figures.positive, cols,
        write_number,
    )  # fmt: skip
    # what the per-claim table reads of the stages' outputs; the rest of them is dropped
    # before the method runs
    ev_of, interval = merged.evidence_of, picked.interval
    # each evidence row's first claim, read by the running totals' answer alone
    first = merged.first if running is not None else np.zeros(0, dtype=np.intp)
    merged_count = merged.count[ev_of] if qc.size and detail else np.zeros(0, dtype=np.intp)
    ev_claim = take(merged.first) if detail else np.zeros(0, dtype=np.intp)
    too_early, base_since, main_kinds = stood.too_early, stood.base_since, stood.main_kind
    other_start, src_names = stood.other_start, sources.names
    resolved = sources.resolved if detail else np.zeros(0, dtype=object)
    del merged, picked, stood, take, sources, cols
    change = None if settings.change_days is None else settings.change_days * DAY
    answer = combine(fn, settings.method, settings.options, change, nq, handed)
    # an interval the answer misses: the rows of its ends are outliers
    ends = np.flatnonzero(interval >= 0)
    e_role[ends[answer.misses[interval[ends]]]] = Role.OUTLIER
    del ends
    falls: tuple[tuple[int, int, int, str, float], ...] = ()
    best_claim = np.full(nq, -1, dtype=np.intp)
    running_sources = None
    if running is not None:
        falls, best_claim, running_sources = running_answer(
            answer, running, e_role, e_side, first, other_start, base_since, known.at_or_far,
            src_names, write_number,
        )  # fmt: skip
    settle_unknowns(answer, qc, known.known_on, known.at, too_early)
    # per claim
    claim = per_claim(role, e_role, e_side, ev_of, interval, ev_weight, running, detail=detail)
    n_claims = np.bincount(qc[claim.used], minlength=nq).astype(np.intp)
    # evidence rows are one per (quantity, kind, source) and a quantity's evidence has one kind
    # of observation (or only projections), so each source appears once
    n_sources = np.bincount(ev_q, minlength=nq).astype(np.intp)
    if running_sources is not None:
        n_sources = np.where(running_sources > 0, running_sources, n_sources).astype(np.intp)
    ev_point = ev_low_r = ev_high_r = np.zeros(0)
    if answer.evidence is not None and detail:
        r = readings(answer.evidence)
        ev_point = np.where(np.isfinite(r.point), r.point, np.nan)
        ev_low_r, ev_high_r = r.low, r.high
    return CoreResult(
        quantities=q_names,
        at=known.at,
        known_on=known.known_on,
        unit=figures.unit,
        low=answer.low,
        best=answer.best,
        high=answer.high,
        closed_left=answer.closed_left,
        closed_right=answer.closed_right,
        n_claims=n_claims,
        n_sources=n_sources,
        conflict=answer.conflict,
        note=answer.note,
        sources=answer.table,
        row=known.rows if base_rows is None else base_rows[known.rows],
        claim_q=qc,
        role=claim.role,
        weight=claim.weight,
        evidence=claim.evidence,
        claim_low=figures.low,
        claim_best=figures.best,
        claim_high=figures.high,
        resolved_source=resolved,
        kind=kind,
        as_of=moment,
        stated=stated,
        bound_side=claim.side,
        merged=merged_count,
        base_since=base_since,
        hindsight=known.hindsight,
        main_kind=main_kinds,
        ev_q=ev_q.astype(np.intp),
        ev_low=ev_low_r,
        ev_high=ev_high_r,
        ev_point=ev_point,
        ev_source=(
            handed.evidence.source.astype(np.intp)
            if handed.evidence is not None
            else np.zeros(0, dtype=np.intp)
        ),
        ev_claim=ev_claim,
        falls=falls,
        best_claim=best_claim,
        level=np.where(np.isnan(answer.low) | np.isnan(answer.high), np.nan, answer.level),
    )


def _only(
    arrays: ClaimArrays, only: str | None, method: str
) -> tuple[ClaimArrays, IntArray | None]:
    """The rows of quantity ``only`` (all of them for a joint method) and their positions."""
    from estimates.reconciliation.methods import is_joint

    if only is None or is_joint(method):
        return arrays, None
    hit = np.flatnonzero(arrays.quantity.names == only)
    code = int(hit[0]) if hit.size else -2  # -2: no row has it
    base_rows = np.flatnonzero(arrays.quantity.codes == code).astype(np.intp)
    return arrays.take(base_rows), base_rows


def _merge(
    cols: Columns,
    settings: Settings,
    qc: IntArray,
    stated: Int64Array,
    sources: Resolved,
    figures: Figures,
    times: Times,
) -> tuple[Merged, BoolArray, BoolArray]:
    """The evidence rows (stages.evidence), with each claim's prior weight (confidence ×
    reliability, stages.weights) and, per evidence row, which ends of a running total's figure
    were stated (a convention's cap is not evidence)."""
    low, best, high = figures.low, figures.best, figures.high
    closed_codes, closed_names = cols.codes("closed")
    names_closed = [str(x) for x in closed_names] + ["both"]  # missing: closed on both sides
    left_ok = np.array([x in ("both", "left") for x in names_closed], dtype=bool)
    right_ok = np.array([x in ("both", "right") for x in names_closed], dtype=bool)
    hedge_codes, hedge_names = cols.codes("hedge")
    stated_confidence = cols.floats("confidence")
    hedge_probability = None  # looked up only when a claim has a hedge and no confidence
    if hedge_names.size and bool((np.isnan(stated_confidence) & (hedge_codes >= 0)).any()):
        hedge_probability = hedge_probabilities(hedge_names, settings.yardstick)
    factor = confidence(stated_confidence, hedge_codes, hedge_probability, floor=MIN_CONFIDENCE)
    cumulative = times.kind == CUMULATIVE
    merged = merge(
        q=qc, kind=times.kind, source=sources.code, n_sources=max(len(sources.names), 1),
        moment=times.moment, stated=stated, start=times.start, since=times.since,
        low=np.where(np.isnan(low), -np.inf, low), best=best,
        high=np.where(np.isnan(high), np.inf, high), closed_left=left_ok[closed_codes] & ~np.isnan(low),
        closed_right=right_ok[closed_codes] & ~np.isnan(high), factor=factor * sources.weight,
        cumulative=cumulative, set_apart=times.set_apart, relay_days=settings.relay_days * DAY,
    )  # fmt: skip
    lo_stated, hi_stated = stated_ends(cols, cumulative)
    if lo_stated.all() and hi_stated.all():  # every end stated (no figure read from words)
        every = np.ones(merged.first.size, dtype=bool)
        return merged, every, every.copy()
    return merged, lo_stated[merged.first], hi_stated[merged.first]


@dataclass(frozen=True)
class _Stood:
    """What stands at ``at``: the evidence intervals (``picked``), the quantities whose ``at``
    is before every figure (``too_early``), each quantity's kind of observation and base start
    (with the number of figures counted from another), and the running totals' answer."""

    picked: Picked
    too_early: BoolArray
    main_kind: npt.NDArray[np.int8]
    base_since: Int64Array
    other_start: IntArray
    running: Running | None


def _stand(
    ev: Merged,
    known: Known,
    has_obs: BoolArray,
    settings: Settings,
    low_stated: BoolArray,
    high_stated: BoolArray,
) -> _Stood:
    """The time stages over the evidence rows: one kind per quantity, one base start, one flow
    window, the running totals, supersession and bounds, "at" before every figure, one interval
    per source."""
    nq, at, hindsight = known.at.size, known.at_or_far, known.hindsight
    role = ev.role.copy()
    alive = role == Role.USED
    kinds = main_kind(
        q=ev.q, kind=ev.kind, observation=alive & (ev.kind != PROJECTION_KIND), n_quantities=nq
    )
    role[kinds.other] = Role.OUT_OF_WINDOW
    alive &= ~kinds.other
    base = base_start(
        q=ev.q, since=ev.since, cumulative=alive & (ev.kind == CUMULATIVE), n_quantities=nq,
        window=settings.since_days * DAY,
    )  # fmt: skip
    role[base.far] = Role.OUT_OF_WINDOW
    alive &= ~base.far
    outside = flow_window(
        q=ev.q, moment=ev.moment, start=ev.start, stated=ev.stated, since=ev.since,
        flow=alive & (ev.kind == FLOW), at=at, hindsight=hindsight,
        window=settings.since_days * DAY,
    )  # fmt: skip
    role[outside] = Role.OUT_OF_WINDOW
    alive &= ~outside
    # running totals: moments, floors forward, ceilings back (stages.running)
    running = None
    ce = np.flatnonzero(alive & (ev.kind == CUMULATIVE) & (kinds.kind[ev.q] == CUMULATIVE))
    if ce.size:
        result = running_totals(
            q=ev.q[ce], moment=ev.moment[ce], source=ev.source[ce], low=ev.low[ce],
            best=ev.best[ce], high=ev.high[ce], closed_left=ev.closed_left[ce],
            closed_right=ev.closed_right[ce], low_stated=low_stated[ce],
            high_stated=high_stated[ce], weight=ev.factor[ce], at=at, hindsight=hindsight,
            n_quantities=nq,
        )  # fmt: skip
        running = Running(
            result=result, rows=ce, weight=ev.factor[ce], source=ev.source[ce],
            moment=ev.moment[ce], q=ev.q[ce],
        )  # fmt: skip
    # supersession and bounds, per (quantity, kind, source); rows are sorted by group, then
    # the moment described, then the day stated
    alone = (ev.kind == PROJECTION_KIND) & ~has_obs[ev.q]
    kept = supersede(
        group=ev.group, q=ev.q, start=ev.start, moment=ev.moment, alive=alive,
        cumulative=ev.kind == CUMULATIVE, stock=ev.kind == STOCK, alone=alone, at=at,
        hindsight=hindsight, role=role, low=ev.low, best=ev.best, high=ev.high,
        source=ev.source,
        change=None if settings.change_days is None else settings.change_days * DAY,
    )  # fmt: skip
    too_early, early_role = before_every_figure(
        q=ev.q, start=ev.start, role=kept.role, used=kept.used, alone=alone, at=at
    )
    picked = pick(
        kept=kept, q=ev.q, too_early=too_early, stated=ev.stated, low=ev.low, best=ev.best,
        high=ev.high, closed_left=ev.closed_left, closed_right=ev.closed_right,
        factor=ev.factor, role=early_role,
    )  # fmt: skip
    return _Stood(
        picked=picked,
        too_early=too_early,
        main_kind=kinds.kind,
        base_since=base.since,
        other_start=base.n_far,
        running=running,
    )


def _half_life(settings: Settings) -> float | None:
    """The settings' half-life in seconds (None without one)."""
    return float(settings.half_life) * DAY if settings.half_life else None
