"""Laws of running totals on figures that agree (DESIGN §3, "cumulative").

The generator draws a true running total that never falls and claims that each hold it at the
moment they describe (an exact count, a range around it, a floor below it, a ceiling above it),
from a few sources on a few days. Such figures never conflict, so the laws are exact: the range
as known on any day holds that day's true value, its floor never falls, its best never falls where
the sources state bests and is never missing after the first figure that states one, and nothing
stated later changes an earlier answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import estimates as est

DAY0 = dt.date(2024, 1, 1)

#: Each example reconciles a whole timeline: a bounded number keeps the suite's time in hand
#: under every profile (the laws are exact, so a failure shows within few examples).
laws = settings(max_examples=40)


@st.composite
def running_totals(draw: st.DrawFn) -> tuple[est.Ledger, dict[dt.date, float]]:
    n_days = draw(st.integers(2, 12))
    steps = draw(st.lists(st.integers(0, 500), min_size=n_days, max_size=n_days))
    truth = np.cumsum(steps).astype(float) + draw(st.integers(0, 1000))
    days = [DAY0 + dt.timedelta(days=3 * k) for k in range(n_days)]
    claims = []
    for _ in range(draw(st.integers(1, 10))):
        k = draw(st.integers(0, n_days - 1))
        v = float(truth[k])
        shape = draw(st.sampled_from(["exact", "range", "floor", "ceiling"]))
        pad_lo = draw(st.integers(0, 300))
        pad_hi = draw(st.integers(0, 300))
        if shape == "exact":
            value = est.Range.exactly(v, unit="person")
        elif shape == "range":
            value = est.Range.between(max(v - pad_lo, 0), v + pad_hi, best=v, unit="person")
        elif shape == "floor":
            value = est.Range.at_least(max(v - pad_lo, 0), unit="person")
        else:
            value = est.Range.at_most(v + pad_hi, unit="person")
        claims.append(
            est.Claim(
                quantity="q", value=value, source=draw(st.sampled_from("ABCD")),
                stated_on=days[k], kind="cumulative",
            )
        )  # fmt: skip
    return est.Ledger(claims), dict(zip(days, truth.tolist(), strict=True))


def _holds(row: Any, v: float) -> bool:
    lo = -np.inf if np.isnan(row["low"]) else row["low"]
    hi = np.inf if np.isnan(row["high"]) else row["high"]
    return bool(lo <= v <= hi)


@laws
@given(running_totals())
def test_figures_that_agree_never_conflict_and_hold_the_truth(
    case: tuple[est.Ledger, dict[dt.date, float]],
) -> None:
    ledger, truth = case
    days = sorted(truth)
    tl = est.timeline(ledger, "q", dates=days)
    known = tl["closed"].notna().to_numpy()
    assert not tl["conflict"].any(), tl
    for k, day in enumerate(days):
        if known[k]:
            assert _holds(tl.iloc[k], truth[day]), (day, truth[day], tl)
    # as known on each day: the floor never falls, nor the best where the sources state bests
    # (a middle of a range no source called its best is a guess and may move either way)
    stated = bool(ledger.frame["best"].notna().all())
    for name in ("low", "best") if stated else ("low",):
        x = tl[name].to_numpy(dtype=float)[known]
        x = x[~np.isnan(x)]
        assert (np.diff(x) >= 0).all(), (name, tl)
    # in hindsight every day's range still holds that day's truth
    last = days[-1]
    back = est.timeline(ledger, "q", dates=days, known_on=last)
    for k, day in enumerate(days):
        if back["closed"].notna().iloc[k]:
            assert _holds(back.iloc[k], truth[day]), (day, truth[day], back)


@laws
@given(running_totals())
def test_the_best_is_never_missing_after_the_first_figure_that_states_one(
    case: tuple[est.Ledger, dict[dt.date, float]],
) -> None:
    ledger, truth = case
    frame = ledger.frame
    has_best = frame["best"].notna()
    if not has_best.any():
        return
    first = pd.to_datetime(frame.loc[has_best, "stated_on"]).min().date()
    days = [d for d in sorted(truth) if d >= first]
    tl = est.timeline(ledger, "q", dates=days)
    assert tl["best"].notna().all(), tl


@laws
@given(running_totals(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing(
    case: tuple[est.Ledger, dict[dt.date, float]], rnd: Any
) -> None:
    ledger, truth = case
    frame = ledger.to_frame()
    rows = list(range(len(frame)))
    rnd.shuffle(rows)
    shuffled = est.Ledger.from_frame(frame.iloc[rows].reset_index(drop=True))
    for day in sorted(truth)[:: max(1, len(truth) // 3)]:
        a = est.reconcile_all(ledger, known_on=day)
        b = est.reconcile_all(shuffled, known_on=day)
        pd.testing.assert_frame_equal(a, b)


@laws
@given(running_totals())
def test_a_figure_consistent_with_every_other_never_creates_a_conflict(
    case: tuple[est.Ledger, dict[dt.date, float]],
) -> None:
    ledger, truth = case
    last = sorted(truth)[-1]
    extra = est.Claim(
        quantity="q", value=est.Range.exactly(truth[last], unit="person"), source="E",
        stated_on=last, kind="cumulative",
    )  # fmt: skip
    r = est.reconcile(ledger.add(extra), "q")
    assert not r.conflict, r.explain()


@laws
@given(running_totals(), st.data())
def test_a_floor_moved_to_a_later_moment_only_raises_later_floors(
    case: tuple[est.Ledger, dict[dt.date, float]], data: st.DataObject
) -> None:
    # a floor true at its moment stays true later (the total never falls): moved later, it can
    # only lift the floors of the moments at or after its new one, as known on every such day
    ledger, truth = case
    claims = list(ledger)
    floors = [i for i, c in enumerate(claims) if c.value.high is None]
    if not floors:
        return
    i = data.draw(st.sampled_from(floors))
    days = sorted(truth)
    old = claims[i].stated_on
    assert old is not None
    later = data.draw(st.sampled_from([d for d in days if d >= old.start]))
    moved = est.Ledger(
        [c if k != i else est.Claim.model_validate({**c.model_dump(), "stated_on": later})
         for k, c in enumerate(claims)]
    )  # fmt: skip
    after = [d for d in days if d >= later]
    a = est.timeline(ledger, "q", dates=after)
    b = est.timeline(moved, "q", dates=after)
    assert not b["conflict"].any(), b
    lo_a = a["low"].to_numpy(dtype=float)
    lo_b = b["low"].to_numpy(dtype=float)
    assert (np.nan_to_num(lo_b, nan=-np.inf) >= np.nan_to_num(lo_a, nan=-np.inf)).all(), (a, b)
