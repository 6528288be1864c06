"""The rich answer for one quantity, built from the columnar core's result: the range, each
claim's role and weight (:attr:`Reconciliation.claims`), the conflicts."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimates.reconciliation._core import (
    DAY,
    NO_DAY,
    ROLES,
    USED_ROLES,
    CoreResult,
    Settings,
    instant_text,
)
from estimates.reconciliation.methods import (
    is_predictive,
    range_meaning,
)
from estimates.values.ranges import Range
from estimates.values.vocabulary import KindCode
from estimates.values.words import range_words

if TYPE_CHECKING:
    pass
from estimates.reconciliation._result import (
    _KIND_NAMES,
    CLAIM_ROLE_COLUMNS,
    Conflict,
    OptionValue,
    Reconciliation,
)


def _day_date(t: int) -> dt.date | None:
    """An instant as a date, or as a datetime when it has a time of day."""
    if t == NO_DAY:
        return None
    text = instant_text(t)
    assert text is not None
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


def _build(
    res: CoreResult,
    i: int,
    settings: Settings,
    value: Range | None,
    narrowed: list[str],
    frame: pd.DataFrame,
    options: Mapping[str, Any],
) -> Reconciliation:
    mask = res.claim_q == i
    claims = _claims_table(res, mask, frame, i, settings)
    conflicts, spread = _conflicts(res, i, frame, settings)
    note = res.note[i]
    if value is None and note is None:
        note = "unknown"
    opts: list[tuple[str, OptionValue]] = [
        ("half_life", settings.half_life),
        ("yardstick", settings.yardstick),
        ("relay_days", settings.relay_days),
        ("since_days", settings.since_days),
        ("change_days", settings.change_days),
    ]
    for k, v in sorted(settings.options.items()):
        if k == "resolved" and isinstance(v, Mapping):
            opts.append((k, f"{len(v)} quantities"))
            continue
        opts.append((k, v if isinstance(v, float | int | str | bool) or v is None else repr(v)))
    del options
    level = None
    if res.level is not None and value is not None and not narrowed:
        lv = float(res.level[i])
        level = lv if math.isfinite(lv) else None
    meaning = range_meaning(settings.method)
    if level is None and is_predictive(settings.method):
        meaning = "no probability statement here (see the note)"
        if narrowed:
            meaning = "the predictive range narrowed by relations between quantities, no longer at its level"
    out = Reconciliation(
        quantity=str(res.quantities[i]),
        at=_day_date(int(res.at[i])),
        known_on=_day_date(int(res.known_on[i])),
        dates_given=settings.at is not None or settings.known_on is not None,
        method=settings.method,
        options=tuple(opts),
        half_life=settings.half_life,
        yardstick=settings.yardstick,
        unit=res.unit[i],
        value=value,
        level=level,
        range_meaning=meaning,
        note=None if note is None else str(note),
        n_claims=int(res.n_claims[i]),
        n_sources=int(res.n_sources[i]),
        conflict=bool(res.conflict[i]),
        conflicts=conflicts,
        spread=spread,
        narrowed=tuple(narrowed),
        conventions=_conventions(res, mask, frame),
    )
    out._claims = claims
    if res.sources is not None:
        out._sources = res.sources
    return out


def _conventions(res: CoreResult, mask: np.ndarray, frame: pd.DataFrame) -> tuple[str, ...]:
    if "convention" not in frame.columns:
        return ()
    used = np.isin(res.role[mask], list(USED_ROLES)) & (res.evidence[mask] >= 0)
    values = frame["convention"].iloc[res.row[mask][used]].to_numpy(dtype=object)
    return tuple(sorted({str(v) for v in values if isinstance(v, str) and v}))


def _claims_table(
    res: CoreResult, mask: np.ndarray, frame: pd.DataFrame, i: int, settings: Settings
) -> pd.DataFrame:
    rows = res.row[mask]
    src = frame.iloc[rows]

    def col(name: str) -> list[Any]:
        if name not in src.columns:
            return [None] * len(rows)
        values = src[name].to_numpy(dtype=object)
        return [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values
        ]

    roles = [ROLES[int(c)] for c in res.role[mask]]
    sides = res.bound_side[mask]
    bound = ["lower" if s == -1 else "upper" if s == 1 else None for s in sides.tolist()]
    notes: list[str | None] = []
    base = instant_text(int(res.base_since[i]))
    main = _KIND_NAMES[int(res.main_kind[i])]
    kinds = [_KIND_NAMES[int(k)] for k in res.kind[mask]]
    since = col("since")
    merged = res.merged[mask]
    for role, kind, sn, mg, side in zip(roles, kinds, since, merged.tolist(), bound, strict=True):
        if role == "out of window":
            if kind != main and kind != "projection":
                notes.append(f"a {kind} figure in a quantity of {main} figures")
            elif kind == "cumulative" and sn is not None and base is not None:
                notes.append(f"counted from {sn}, not from {base[:7]}")
            elif kind == "flow":
                notes.append("a flow over another window")
            else:
                notes.append(f"describes a moment after {instant_text(int(res.at[i]))}")
        elif role == "bound":
            notes.append(f"{side} bound at {instant_text(int(res.at[i]))}")
        elif mg > 1 and role in ("used", "superseded", "outlier", "stale", "future", "bound"):
            notes.append(f"one interval with the source's other figures of that day ({mg})")
        else:
            notes.append(None)
    table = pd.DataFrame(
        {
            "claim_id": col("claim_id"),
            "source": col("source"),
            "resolved_source": res.resolved_source[mask].tolist(),
            "via": col("via"),
            "text": col("text"),
            "low": res.claim_low[mask],
            "best": res.claim_best[mask],
            "high": res.claim_high[mask],
            "unit": [res.unit[i]] * len(rows),
            "kind": kinds,
            "stated_on": col("stated_on"),
            "as_of": col("as_of"),
            "since": since,
            "role": roles,
            "used": [r in {ROLES[c] for c in USED_ROLES} for r in roles],
            "weight": res.weight[mask],
            "bound": bound,
            "evidence": res.evidence[mask],
            "note": notes,
        },
        columns=list(CLAIM_ROLE_COLUMNS),
    )
    # canonical order: by stated day, then claim id (input order never matters)
    order = np.lexsort((table["claim_id"].astype(str).to_numpy(), res.stated[mask]))
    return table.iloc[order].reset_index(drop=True)


def _conflicts(
    res: CoreResult, i: int, frame: pd.DataFrame, settings: Settings
) -> tuple[tuple[Conflict, ...], Range | None]:
    """Disjoint pairs among the evidence the method used (as read at ``at``), and the spread.

    A running total's conflicts are between moments (found by the running-total stage): figures
    about one moment that cannot all hold, and a total that falls; revisions are not conflicts.
    """
    sel = np.flatnonzero(res.ev_q == i)
    if sel.size == 0:
        return (), None
    if int(res.main_kind[i]) == _CUMULATIVE:
        return _running_conflicts(res, i, frame), None
    lo, hi, point = res.ev_low[sel], res.ev_high[sel], res.ev_point[sel]
    claim = res.ev_claim[sel]
    names = res.resolved_source[claim]
    ids = (
        frame["claim_id"].to_numpy(dtype=object)[res.row[claim]]
        if "claim_id" in frame.columns
        else np.array([str(c) for c in claim], dtype=object)
    )
    texts = [
        range_words(a, p if a != b else None, b)
        for a, p, b in zip(lo.tolist(), point.tolist(), hi.tolist(), strict=True)
    ]
    below, above = np.nonzero(hi[:, None] < lo[None, :])
    if settings.change_days is not None:
        # figures about moments change_days or more apart are change, not conflict
        when = res.as_of[claim]
        dated = (when[below] != NO_DAY) & (when[above] != NO_DAY)
        near = ~dated | (np.abs(when[below] - when[above]) < settings.change_days * DAY)
        below, above = below[near], above[near]
    out = [
        Conflict(
            low_claim=str(ids[a]),
            low_source=str(names[a]),
            low_text=texts[a],
            high_claim=str(ids[b]),
            high_source=str(names[b]),
            high_text=texts[b],
            gap=float(lo[b] - hi[a]),
        )
        for a, b in zip(below.tolist(), above.tolist(), strict=True)
    ]
    out.sort(key=lambda c: (-c.gap, c.low_claim, c.high_claim))
    # the spread is between figures, not bounds: one-sided figures stay out of it
    finite = point[np.isfinite(point) & np.isfinite(lo) & np.isfinite(hi)]
    spread = None
    if finite.size:
        spread = Range(low=float(finite.min()), high=float(finite.max()), unit=res.unit[i])
    return tuple(out), spread


_CUMULATIVE = KindCode.CUMULATIVE


def _running_conflicts(res: CoreResult, i: int, frame: pd.DataFrame) -> tuple[Conflict, ...]:
    """The conflicts the running-total stage named for quantity ``i``."""
    ids = frame["claim_id"].to_numpy(dtype=object) if "claim_id" in frame.columns else None
    out: list[Conflict] = []
    for q, hi_claim, lo_claim, kind, gap in res.falls:
        if q != i or kind == "revision":
            continue

        def text(c: int) -> str:
            figure = range_words(
                float(res.claim_low[c]), float(res.claim_best[c]), float(res.claim_high[c])
            )
            return f"{figure} as of {instant_text(int(res.as_of[c]))}"

        def name(c: int) -> str:
            return str(ids[res.row[c]]) if ids is not None else str(c)

        out.append(
            Conflict(
                low_claim=name(lo_claim),
                low_source=_source_of(res, lo_claim, frame),
                low_text=text(lo_claim),
                high_claim=name(hi_claim),
                high_source=_source_of(res, hi_claim, frame),
                high_text=text(hi_claim),
                gap=max(gap, 0.0) if np.isfinite(gap) else 0.0,
            )
        )
    out.sort(key=lambda c: (-c.gap, c.low_claim, c.high_claim))
    return tuple(out)


def _source_of(res: CoreResult, c: int, frame: pd.DataFrame) -> str:
    if res.resolved_source.size:
        return str(res.resolved_source[c])
    return str(frame["source"].iloc[int(res.row[c])])
