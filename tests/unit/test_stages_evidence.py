"""Same evidence once (stages.evidence): relays, one interval per source, day and moment."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from estimates.reconciliation.stages.arrays import DAY, NO_DAY
from estimates.reconciliation.stages.evidence import merge, relays
from estimates.reconciliation.stages.roles import Role

INF = np.inf
CUMULATIVE = 1  # a kind code: only the cumulative flag matters to the stage


def relay_of(days: list[int], *, relay_days: int = 7, **figure: Any) -> list[bool]:
    """Reports of one figure (or of the given figures) by one source, on the given days."""
    n = len(days)
    low = np.asarray(figure.get("low", [10.0] * n), dtype=float)
    stated = np.array([NO_DAY if d is None else d * DAY for d in days], dtype=np.int64)
    flags: list[bool] = relays(
        np.asarray(figure.get("group", [0] * n), dtype=np.int64), low, low.copy(),
        np.full(n, np.nan), np.ones(n, bool), np.ones(n, bool), np.full(n, NO_DAY),
        stated, relay_days * DAY,
    ).tolist()  # fmt: skip
    return flags


def test_a_repeat_within_relay_days_is_a_relay_and_one_beyond_is_a_new_statement() -> None:
    assert relay_of([0, 3]) == [False, True]
    assert relay_of([0, 7]) == [False, True]  # the window's last day still relays
    assert relay_of([0, 8]) == [False, False]
    assert relay_of([0, 8], relay_days=10) == [False, True]


def test_the_window_counts_calendar_days_from_a_moment_to_a_whole_day() -> None:
    # stated at 05:00 on day 0; reports of whole days are as late as their last second
    def flags(*stated: int) -> list[bool]:
        n = len(stated)
        low = np.full(n, 10.0)
        out: list[bool] = relays(
            np.zeros(n, np.int64), low, low.copy(), np.full(n, np.nan), np.ones(n, bool),
            np.ones(n, bool), np.full(n, NO_DAY), np.array(stated, dtype=np.int64), 7 * DAY,
        ).tolist()  # fmt: skip
        return out

    morning, whole = 5 * 3_600, DAY - 1
    assert flags(morning, 7 * DAY + whole) == [False, True]
    assert flags(morning, 8 * DAY + whole) == [False, False]
    # the same in a run of three, walked report by report
    assert flags(morning, 3 * DAY + whole, 7 * DAY + whole) == [False, True, True]


def test_the_statement_moves_on_when_a_report_comes_after_the_window() -> None:
    # day 9 is past day 0's window: a new statement, which day 12 then relays
    assert relay_of([0, 3, 9, 12]) == [False, True, False, True]
    # row order does not matter
    assert relay_of([12, 9, 3, 0]) == [True, False, True, False]


def test_only_the_same_figure_of_the_same_source_relays() -> None:
    assert relay_of([0, 3], low=[10.0, 11.0]) == [False, False]
    assert relay_of([0, 3], group=[0, 1]) == [False, False]
    # the same day, or no day, is not a later report
    assert relay_of([0, 0]) == [False, False]
    assert relay_of([None, 3]) == [False, False]


def merged(rows: list[dict[str, Any]], *, relay_days: int = 7) -> Any:
    """``merge`` over rows of one quantity: day (stated and described), figure, source, kind."""

    def col(name: str, default: Any, dtype: Any) -> Any:
        return np.array([r.get(name, default) for r in rows], dtype=dtype)

    day = col("day", 0, np.int64) * DAY
    best = col("best", np.nan, float)
    low = col("low", np.nan, float)
    high = col("high", np.nan, float)
    return merge(
        q=np.zeros(len(rows), np.intp), kind=col("kind", 0, np.int8),
        source=col("source", 0, np.intp), n_sources=3, moment=day, stated=day, start=day,
        since=np.full(len(rows), NO_DAY), low=np.where(np.isnan(low), -INF, low), best=best,
        high=np.where(np.isnan(high), INF, high), closed_left=~np.isnan(low),
        closed_right=~np.isnan(high), factor=col("factor", 1.0, float),
        cumulative=col("kind", 0, np.int8) == CUMULATIVE,
        set_apart=col("apart", False, bool), relay_days=relay_days * DAY,
    )  # fmt: skip


def test_figures_of_one_source_and_day_become_their_hull() -> None:
    out = merged([{"low": 10, "high": 12, "factor": 0.5}, {"best": 15, "factor": 0.8}])
    assert out.count.tolist() == [2]
    assert (out.low[0], out.high[0]) == (10.0, 15.0)
    assert np.isnan(out.best[0])  # the figures state different bests: none
    assert bool(out.closed_left[0]) and bool(out.closed_right[0])
    assert out.factor.tolist() == [0.8]  # the most confident figure's weight
    assert out.evidence_of.tolist() == [0, 0]


def test_other_days_and_other_sources_stay_apart() -> None:
    out = merged([{"best": 10}, {"best": 11, "day": 1}, {"best": 12, "source": 1}])
    assert out.count.tolist() == [1, 1, 1]
    assert sorted(out.best.tolist()) == [10.0, 11.0, 12.0]


def test_a_figure_repeated_on_its_day_is_a_duplicate_after_the_first() -> None:
    out = merged([{"best": 10}, {"best": 10}, {"best": 10, "source": 1}])
    assert out.duplicate.tolist() == [False, True, False]
    # a projection set apart keeps that role, not duplicate
    out = merged([{"best": 10, "apart": True}, {"best": 10, "apart": True}])
    assert out.duplicate.tolist() == [False, False]
    assert out.role.tolist() == [Role.PROJECTION]


def test_a_relay_is_its_own_evidence_row_and_never_joins_its_day() -> None:
    # the source repeats 10 on day 3 and also says 20 that day: the 20 is evidence, the 10 a relay
    out = merged([{"best": 10}, {"best": 10, "day": 3}, {"best": 20, "day": 3}])
    assert out.count.tolist() == [1, 1, 1]
    assert sorted(out.role.tolist()) == [Role.USED, Role.USED, Role.RELAY]
    relay_row = out.evidence_of[1]
    assert out.role[relay_row] == Role.RELAY and out.count[relay_row] == 1


def test_running_totals_of_one_day_that_all_hold_state_their_overlap() -> None:
    rows = [{"low": 400, "kind": CUMULATIVE}, {"best": 499, "kind": CUMULATIVE}]
    out = merged(rows)
    assert (out.low[0], out.best[0], out.high[0]) == (499.0, 499.0, 499.0)
    # levels (stocks) keep the hull: "at least 400" reaches up without end
    out = merged([{"low": 400}, {"best": 499}])
    assert (out.low[0], out.high[0]) == (400.0, INF)
    # running totals that cannot all hold keep the hull too
    out = merged([{"high": 300, "kind": CUMULATIVE}, {"best": 499, "kind": CUMULATIVE}])
    assert (out.low[0], out.high[0]) == (-INF, 499.0)


def test_what_the_stage_hands_on_is_read_only() -> None:
    out = merged([{"best": 10}, {"best": 12}])
    with pytest.raises(ValueError, match="read-only"):
        out.low[0] = 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_evidence_row_names_the_quantity_kind_and_source_of_its_first_claim(
    seed: int,
) -> None:
    # quantities, kinds and sources in any order, with relays (one figure repeated on later
    # days) so that the rows are sorted twice; the quantity code may be -1 (no quantity)
    rng = np.random.default_rng(seed)
    n, n_sources = 300, 7
    q = rng.integers(-1, 12, n).astype(np.intp)
    kind = rng.integers(0, 4, n).astype(np.int8)
    source = rng.integers(0, n_sources, n).astype(np.intp)
    day = rng.integers(0, 20, n).astype(np.int64) * DAY
    low = rng.integers(0, 3, n).astype(float)
    out = merge(
        q=q, kind=kind, source=source, n_sources=n_sources, moment=day, stated=day, start=day,
        since=np.full(n, NO_DAY), low=low, best=np.full(n, np.nan), high=low + 1,
        closed_left=np.ones(n, bool), closed_right=np.ones(n, bool), factor=np.ones(n),
        cumulative=kind == CUMULATIVE, set_apart=np.zeros(n, bool), relay_days=7 * DAY,
    )  # fmt: skip
    assert (out.role == Role.RELAY).any()
    first = out.first
    assert out.q.tolist() == q[first].tolist() and out.q.dtype == q.dtype
    assert out.kind.tolist() == kind[first].tolist() and out.kind.dtype == kind.dtype
    assert out.source.tolist() == source[first].tolist() and out.source.dtype == source.dtype
    group = (q[first].astype(np.int64) * 4 + kind[first]) * n_sources + source[first]
    assert out.group.tolist() == group.tolist()


def test_claims_of_their_own_are_each_one_evidence_row() -> None:
    # every claim its own quantity, kind and source: one evidence row each, in group order
    rng = np.random.default_rng(2)
    n = 40
    q = rng.permutation(n).astype(np.intp)
    low = rng.uniform(0, 10, n)
    out = merge(
        q=q, kind=np.zeros(n, np.int8), source=np.zeros(n, np.intp), n_sources=1,
        moment=np.full(n, NO_DAY), stated=np.full(n, NO_DAY), start=np.full(n, NO_DAY),
        since=np.full(n, NO_DAY), low=low, best=np.full(n, np.nan), high=low + 1,
        closed_left=np.ones(n, bool), closed_right=np.ones(n, bool), factor=np.ones(n),
        cumulative=np.zeros(n, bool), set_apart=np.zeros(n, bool), relay_days=7 * 86_400,
    )  # fmt: skip
    assert out.count.tolist() == [1] * n and out.q.tolist() == list(range(n))
    assert np.array_equal(out.first[out.evidence_of], np.arange(n))
    assert np.array_equal(out.low, low[out.first]) and not out.duplicate.any()
