"""The answer, built once from the stages' outputs: the method's answer per quantity, the
running totals' answer in its place where they answer, the unknowns with their reasons, and each
claim's role, weight and evidence.

>>> import numpy as np
>>> answer = Answer.empty(2)
>>> answer.low[0] = answer.high[0] = 5.0
>>> answer.answered[0] = True
>>> day = np.full(2, 86_399)  # 1970-01-01, as its last second
>>> settle_unknowns(answer, np.array([0]), day, day, np.zeros(2, bool))
>>> answer.closed_left.tolist(), answer.note.tolist()
([True, False], [None, 'unknown: no claim was stated on or before 1970-01-01'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import ReconcileError
from estimates.reconciliation._frame import Columns, Resolved, claim_levels, instant_text
from estimates.reconciliation.methods import Combined, Evidence, NumberWriter
from estimates.reconciliation.stages.arrays import (
    DAY,
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    ObjectArray,
    segment_starts,
)
from estimates.reconciliation.stages.change import in_conflict
from estimates.reconciliation.stages.evidence import Merged
from estimates.reconciliation.stages.roles import Role, used
from estimates.reconciliation.stages.running import CEILING, FLOOR, RunningResult
from estimates.reconciliation.stages.time import Picked

__all__ = [
    "Answer",
    "Handed",
    "PerClaim",
    "Running",
    "combine",
    "hand_over",
    "per_claim",
    "running_answer",
    "settle_unknowns",
]


@dataclass(frozen=True)
class Running:
    """The running-total stage's answer and the evidence rows it was given (``rows``), with
    their weights, sources, moments and quantities."""

    result: RunningResult
    rows: IntArray
    weight: FloatArray
    source: IntArray
    moment: Int64Array
    q: IntArray


@dataclass
class Answer:
    """Per quantity, the answer as it is built: the method's, then the running totals', then
    the unknowns'. ``misses`` (per evidence interval: its range does not meet the answer) and
    ``evidence`` (what the method saw) come from the method."""

    low: FloatArray
    best: FloatArray
    high: FloatArray
    closed_left: BoolArray
    closed_right: BoolArray
    note: ObjectArray
    level: FloatArray
    conflict: BoolArray
    answered: BoolArray
    table: pd.DataFrame | None = None
    misses: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    evidence: Evidence | None = None

    @classmethod
    def empty(cls, n: int) -> Answer:
        """``n`` quantities, none answered yet."""
        return cls(
            low=np.full(n, np.nan), best=np.full(n, np.nan), high=np.full(n, np.nan),
            closed_left=np.zeros(n, dtype=bool), closed_right=np.zeros(n, dtype=bool),
            note=np.full(n, None, dtype=object), level=np.full(n, np.nan),
            conflict=np.zeros(n, dtype=bool), answered=np.zeros(n, dtype=bool),
        )  # fmt: skip


@dataclass(frozen=True)
class Handed:
    """What the method is handed: the ``evidence`` (one row per evidence interval, None when no
    interval stands) and, per interval, its quantity ``q`` and the ``moment`` it describes."""

    evidence: Evidence | None
    q: IntArray
    moment: Int64Array


def hand_over(
    ev: Merged,
    picked: Picked,
    q: IntArray,
    moment: Int64Array,
    weight: FloatArray,
    q_names: ObjectArray,
    sources: Resolved,
    positive: BoolArray,
    cols: Columns,
    number: NumberWriter,
) -> Handed:
    """The evidence intervals as the method reads them, grouped by quantity: ``q``, ``moment``
    and ``weight`` per interval (what the pipeline already took of ``ev``), the rest read here.
    The levels are None when no claim has one (every method reads None as all unknown)."""
    if not picked.row.size:
        return Handed(None, q, moment)
    take = picked.take
    claim = take(ev.first)
    starts = np.flatnonzero(segment_starts([q]))
    seg_q = q[starts]
    levels = claim_levels(cols.arrays)
    # figures about the day they were stated (no "as of"): the moments are the days stated
    same_day = ev.stated is ev.moment or np.array_equal(ev.stated, ev.moment)
    stated = moment if same_day else np.asarray(take(ev.stated), dtype=np.int64)
    evidence = Evidence(
        low=np.asarray(picked.low, dtype=float),
        high=np.asarray(picked.high, dtype=float),
        best=np.asarray(picked.best, dtype=float),
        closed_left=np.asarray(picked.closed_left, dtype=bool) & np.isfinite(picked.low),
        closed_right=np.asarray(picked.closed_right, dtype=bool) & np.isfinite(picked.high),
        weight=np.asarray(weight, dtype=float),
        source=np.asarray(take(ev.source), dtype=np.intp),
        source_names=tuple(sources.names.tolist()),
        reliability=sources.letters(claim),
        starts=np.asarray(starts, dtype=np.intp),
        quantities=tuple(q_names[seg_q].tolist()),
        positive=positive[seg_q],
        as_of_day=moment,
        stated_day=stated,
        level=None if bool(np.isnan(levels).all()) else cols.take(levels)[claim],
        number=number,
    )
    return Handed(evidence, q, moment)


def combine(
    fn: Any,
    method: str,
    options: Mapping[str, object],
    change: int | None,
    n_quantities: int,
    handed: Handed,
) -> Answer:
    """The method's answer for each of ``n_quantities`` from the evidence it is ``handed``, the
    intervals it misses, and whether the used figures conflict (figures about moments
    ``change`` seconds or more apart are change, not conflict)."""
    answer = Answer.empty(n_quantities)
    evidence = handed.evidence
    if evidence is None:
        return answer
    ev_q, moment, starts = handed.q, handed.moment, evidence.starts
    seg_q = ev_q[starts]
    answer.answered[seg_q] = True
    combined = fn(evidence, dict(options))
    if not isinstance(combined, Combined) or combined.low.size != seg_q.size:
        raise ReconcileError(f"method {method!r} did not return one result per quantity")
    answer.low[seg_q] = combined.low
    answer.best[seg_q] = combined.best
    answer.high[seg_q] = combined.high
    answer.closed_left[seg_q] = combined.closed_left
    answer.closed_right[seg_q] = combined.closed_right
    answer.note[seg_q] = np.fromiter(combined.note, dtype=object, count=len(combined.note))
    if combined.level is not None:
        answer.level[seg_q] = combined.level
    answer.table = combined.sources
    answer.evidence = evidence
    # each used figure as read (a best stands for an unstated end)
    has_b = ~np.isnan(evidence.best)
    r_low = np.where(np.isinf(evidence.low) & has_b, evidence.best, evidence.low)
    r_high = np.where(np.isinf(evidence.high) & has_b, evidence.best, evidence.high)
    rq_lo, rq_hi = answer.low[ev_q], answer.high[ev_q]
    known_res = ~np.isnan(rq_lo) & ~np.isnan(rq_hi)
    answer.misses = known_res & ((r_high < rq_lo) | (r_low > rq_hi))
    answer.conflict[seg_q] = in_conflict(
        starts=starts, moment=moment, low=r_low, high=r_high,
        apart=change,
    )  # fmt: skip
    return answer


def running_answer(
    answer: Answer,
    running: Running,
    e_role: npt.NDArray[np.int8],
    e_side: npt.NDArray[np.int8],
    first: IntArray,
    other_start: IntArray,
    base_since: Int64Array,
    at: Int64Array,
    src_names: ObjectArray,
    number: NumberWriter,
) -> tuple[tuple[tuple[int, int, int, str, float], ...], IntArray, IntArray]:
    """Running totals: the stage's answer replaces the method's (a running total the stage
    cannot answer is unknown), its outcomes become the roles and bound sides of its evidence
    rows (``e_role``, ``e_side``, written in place), and its note says what the answer rests
    on. Returns the falls (claims as indices into the known claims), the claim of each
    quantity's best (-1: none) and each quantity's number of sources used."""
    res, rows, nq = running.result, running.rows, answer.low.size
    answered = np.zeros(nq, dtype=bool)
    answered[running.q] = True
    silent = answered & np.isnan(res.low)
    answer.low[silent] = answer.best[silent] = answer.high[silent] = np.nan
    answer.note[silent] = None
    answer.answered[silent] = False  # explained with the other unknowns
    answered &= ~np.isnan(res.low)
    rq = np.flatnonzero(answered)
    answer.low[rq], answer.best[rq], answer.high[rq] = res.low[rq], res.best[rq], res.high[rq]
    answer.closed_left[rq], answer.closed_right[rq] = res.closed_left[rq], res.closed_right[rq]
    answer.conflict[rq] = res.conflict[rq]
    answer.answered[rq] = True
    code = np.array(
        [Role.USED, Role.BOUND, Role.BOUND, Role.SUPERSEDED, Role.REVISED, Role.OUT_OF_WINDOW],
        dtype=np.int8,
    )
    in_answer = answered[running.q]
    e_role[rows[in_answer]] = code[res.outcome[in_answer]]
    e_side[rows] = np.where(
        in_answer & (res.outcome == FLOOR), -1, np.where(in_answer & (res.outcome == CEILING), 1, 0)
    ).astype(np.int8)
    falls = tuple(
        (f.q, int(first[rows[f.low_row]]), int(first[rows[f.high_row]]), f.kind, float(f.gap))
        for f in res.falls
        if answered[f.q]
    )
    best_claim = np.full(nq, -1, dtype=np.intp)
    has_best_row = (res.best_row >= 0) & answered
    best_claim[has_best_row] = first[rows[res.best_row[has_best_row]]]
    for i in rq.tolist():
        note = _running_note(res, i, int(at[i]), running.source, running.moment, src_names, number)
        if other_start[i]:
            # the count restarts: say from when, so that a lower figure is read as a new count
            start = f"counted since {instant_text(int(base_since[i]))} ({other_start[i]} "
            start += f"figure{'s' if other_start[i] > 1 else ''} counted from another start "
            start += "set apart)"
            note = f"{note}; {start}" if note else start
        answer.note[i] = note
    used_e = used(e_role[rows]) & in_answer
    ns = max(len(src_names), 1)
    n_sources = np.bincount(
        np.unique(running.q[used_e].astype(np.int64) * ns + running.source[used_e]) // ns,
        minlength=nq,
    )
    return falls, best_claim, n_sources


def settle_unknowns(
    answer: Answer, qc: IntArray, known_on: Int64Array, at: Int64Array, too_early: BoolArray
) -> None:
    """Unknowns with their reasons, and the answer made consistent (in place): a vacuous range
    with a note is unknown; an unknown has no best and no closed end; a single value is closed
    on both sides; a best on an open end or outside the range is no best."""
    n_known_q = np.bincount(qc, minlength=answer.low.size)
    for i in np.flatnonzero(~answer.answered).tolist():
        if n_known_q[i] == 0:
            day = instant_text(int(known_on[i]))
            answer.note[i] = f"unknown: no claim was stated on or before {day}"
        elif too_early[i]:
            answer.note[i] = f"unknown: {instant_text(int(at[i]))} is before every figure"
        else:
            answer.note[i] = "unknown: no usable figure (every claim was set apart)"
    low, best, high, note = answer.low, answer.best, answer.high, answer.note
    vacuous = np.isinf(low) & np.isinf(high) & np.isnan(best) & (note != None)  # noqa: E711
    low = np.where(vacuous, np.nan, low)
    high = np.where(vacuous, np.nan, high)
    unknown = np.isnan(low) | np.isnan(high)
    best = np.where(unknown, np.nan, best)
    single = ~unknown & (low == high)
    cl = (answer.closed_left & ~unknown) | single
    cr = (answer.closed_right & ~unknown) | single
    with np.errstate(invalid="ignore"):
        off = (best < low) | (best > high)
        off |= ((best == low) & ~cl) | ((best == high) & ~cr)
    answer.low, answer.high, answer.best = low, high, np.where(off, np.nan, best)
    answer.closed_left, answer.closed_right = cl, cr
    # an unknown's note says so first: what else the note says (a count that restarts) follows
    noted = note != None  # noqa: E711
    note = note.copy()
    for i in np.flatnonzero(unknown & noted).tolist():
        x = note[i]
        if not (isinstance(x, str) and x.startswith(("unknown", "conflict"))):
            note[i] = f"unknown: no figure bounds it; {x}"
    note[unknown & ~noted] = "unknown"
    answer.note = note


@dataclass(frozen=True)
class PerClaim:
    """Per known claim: its ``role``, whether it is ``used``, the ``evidence`` interval it went
    into (-1: none) and, with detail, its ``weight`` and bound ``side``."""

    role: npt.NDArray[np.int8]
    used: BoolArray
    evidence: IntArray
    weight: FloatArray
    side: npt.NDArray[np.int8]


def per_claim(
    role: npt.NDArray[np.int8],
    e_role: npt.NDArray[np.int8],
    e_side: npt.NDArray[np.int8],
    ev_of: IntArray,
    interval: IntArray,
    weight: FloatArray,
    running: Running | None,
    *,
    detail: bool,
) -> PerClaim:
    """Each claim takes its evidence row's role (a duplicate or a projection set apart keeps
    its own); a running total's claims are used as its stage says, whatever the method saw.
    ``ev_of`` is each claim's evidence row (:attr:`Merged.evidence_of`), ``interval`` each
    evidence row's interval (:attr:`Picked.interval`)."""
    role = np.where(
        (role == Role.DUPLICATE) | (role == Role.PROJECTION), role, e_role[ev_of]
    ).astype(np.int8)
    evidence = interval[ev_of]
    role_used = used(role)
    counted = role_used & (evidence >= 0)
    evidence = np.where(counted, evidence, -1)
    claim_weight = np.zeros(0)
    if detail:
        w = weight[np.maximum(evidence, 0)] if weight.size else 0.0
        claim_weight = np.where(counted, w, 0.0)
    if running is not None:
        run_weight_e = np.full(interval.size, np.nan)
        run_weight_e[running.rows] = running.weight
        of_running = ~np.isnan(run_weight_e[ev_of])
        run_used = of_running & role_used
        counted = np.where(of_running, run_used, counted)
        if detail:
            claim_weight = np.where(
                of_running, np.where(run_used, run_weight_e[ev_of], 0.0), claim_weight
            )
    side = np.zeros(0, np.int8)
    if detail:
        side = np.where(role == Role.BOUND, e_side[ev_of], 0).astype(np.int8)
    return PerClaim(role=role, used=counted, evidence=evidence, weight=claim_weight, side=side)


def _running_note(
    running: RunningResult,
    i: int,
    at: int,
    src: IntArray,
    moment: Int64Array,
    src_names: ObjectArray,
    number: NumberWriter,
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
