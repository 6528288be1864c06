"""Time (stages.time): kinds, base starts, flow windows, supersession, bounds, "at" too early."""

from __future__ import annotations

from typing import Any

import numpy as np

from estimates.reconciliation.stages.arrays import DAY, FAR, NO_DAY
from estimates.reconciliation.stages.roles import Role
from estimates.reconciliation.stages.time import (
    base_start,
    before_every_figure,
    flow_window,
    main_kind,
    pick,
    supersede,
)


def stand(
    days: list[int],
    *,
    at: int | None,
    hindsight: bool = False,
    cumulative: bool = False,
    sources: list[int] | None = None,
    best: list[float] | None = None,
    alone: bool = False,
    change: int | None = None,
) -> Any:
    """``supersede`` over one quantity's figures about the given days (one row each)."""
    n = len(days)
    src = np.asarray(sources if sources is not None else [0] * n, dtype=np.intp)
    moment = np.asarray(days, dtype=np.int64) * DAY
    order = np.lexsort((moment, src))  # the stage's rows come sorted by group, then moment
    b = np.asarray(best if best is not None else [1.0] * n, dtype=float)
    return order, supersede(
        group=src[order].astype(np.int64), q=np.zeros(n, np.intp), start=moment[order],
        moment=moment[order], alive=np.ones(n, bool), cumulative=np.full(n, cumulative),
        stock=np.full(n, not cumulative), alone=np.full(n, alone),
        at=np.array([FAR if at is None else at * DAY]), hindsight=np.array([hindsight]),
        role=np.zeros(n, np.int8), low=b[order], best=b[order], high=b[order],
        source=src[order], change=None if change is None else change * DAY,
    )  # fmt: skip


def roles(days: list[int], **kw: Any) -> list[str]:
    order, out = stand(days, **kw)
    result = [""] * len(days)
    for pos, row in enumerate(order.tolist()):
        result[row] = Role(int(out.role[pos])).name.lower()
    return result


def test_a_sources_latest_figure_at_or_before_at_supersedes_its_earlier_ones() -> None:
    assert roles([1, 5, 3], at=6) == ["superseded", "used", "superseded"]
    assert roles([1, 5, 3], at=4) == ["superseded", "out_of_window", "used"]
    # another source's figures stand on their own
    assert roles([1, 5], at=6, sources=[0, 1]) == ["used", "used"]
    # no "at": every figure is before it
    assert roles([1, 5], at=None) == ["superseded", "used"]


def test_hindsight_gives_a_source_with_nothing_before_at_its_earliest_later_figure() -> None:
    assert roles([8, 9], at=5) == ["out_of_window", "out_of_window"]
    assert roles([8, 9], at=5, hindsight=True) == ["future", "out_of_window"]
    # a figure at or before "at" is preferred to a later one, hindsight or not
    assert roles([3, 8], at=5, hindsight=True) == ["used", "out_of_window"]


def test_a_projection_alone_stands_whatever_at_says() -> None:
    # its latest stands (counted as a figure after "at"), even without hindsight
    assert roles([8, 9], at=5, alone=True) == ["superseded", "future"]
    assert roles([8, 9], at=5) == ["out_of_window", "out_of_window"]


def test_a_running_total_is_bounded_below_before_at_and_above_after_it() -> None:
    order, out = stand([2, 4, 7, 9], at=5, hindsight=True, cumulative=True)
    pos = np.argsort(order)
    assert [Role(int(r)).name for r in out.role[pos]] == [
        "SUPERSEDED", "BOUND", "BOUND", "SUPERSEDED",
    ]  # fmt: skip
    assert out.side[pos].tolist() == [0, -1, 1, 0]
    assert (out.lower.tolist(), out.upper.tolist()) == ([pos[1]], [pos[2]])
    # without hindsight there is no upper bound
    order, out = stand([2, 4, 7], at=5, cumulative=True)
    assert out.upper.tolist() == [-1] and out.side[np.argsort(order)].tolist() == [0, -1, 0]


def test_a_stock_figure_every_later_figure_contradicts_was_overtaken() -> None:
    rows: dict[str, Any] = {"at": 60, "sources": [0, 1, 2], "best": [3000.0, 11_000.0, 12_000.0]}
    assert roles([1, 40, 45], change=7, **rows) == ["overtaken", "used", "used"]
    assert roles([1, 40, 45], change=None, **rows) == ["used", "used", "used"]
    # figures about moments closer together than "change" are one situation: a dispute
    assert roles([38, 40, 45], change=7, **rows) == ["used", "used", "used"]


def test_at_before_every_figure_leaves_the_quantity_unknown() -> None:
    early, role = before_every_figure(
        q=np.array([0, 0, 1]), start=np.array([8, 9, 1]) * DAY, role=np.zeros(3, np.int8),
        used=np.array([True, False, True]), alone=np.zeros(3, bool), at=np.array([5, 5]) * DAY,
    )  # fmt: skip
    assert early.tolist() == [True, False]
    assert role.tolist() == [Role.OUT_OF_WINDOW, Role.USED, Role.USED]
    # a relay before "at" does not count as a figure before it
    early, _ = before_every_figure(
        q=np.array([0, 0]), start=np.array([1, 9]) * DAY,
        role=np.array([Role.RELAY, Role.USED], np.int8), used=np.array([False, True]),
        alone=np.zeros(2, bool), at=np.array([5]) * DAY,
    )  # fmt: skip
    assert early.tolist() == [True]


def picked(low: list[float], high: list[float], stated: list[int], factor: list[float]) -> Any:
    """One source's running total: a floor before ``at`` (day 5) and a ceiling after."""
    _, kept = stand([2, 7], at=5, hindsight=True, cumulative=True)
    return pick(
        kept=kept, q=np.zeros(2, np.intp), too_early=np.array([False]),
        stated=np.asarray(stated, np.int64) * DAY, low=np.asarray(low, float),
        best=np.full(2, np.nan), high=np.asarray(high, float), closed_left=np.ones(2, bool),
        closed_right=np.ones(2, bool), factor=np.asarray(factor, float), role=kept.role,
    )  # fmt: skip


def test_a_running_totals_bounds_make_one_interval_from_floor_to_ceiling() -> None:
    out = picked([100.0, 300.0], [120.0, 320.0], [2, 7], [0.4, 0.8])
    assert (out.low.tolist(), out.high.tolist()) == ([100.0], [320.0])
    assert np.isclose(out.factor[0], 0.6)  # the mean of the two bounds' weights
    assert out.interval.tolist() == [0, 0]


def test_a_running_total_that_falls_keeps_the_figure_stated_later() -> None:
    # the floor (500, stated on day 2) lies above the ceiling (300, stated on day 7): revised
    out = picked([500.0, 300.0], [520.0, 300.0], [2, 7], [1.0, 1.0])
    assert out.role.tolist() == [Role.SUPERSEDED, Role.BOUND]
    assert (out.lower.tolist(), out.upper.tolist()) == ([-1], [1])
    assert (out.low.tolist(), out.high.tolist()) == ([-np.inf], [300.0])
    # stated the other way round, the floor is kept
    out = picked([500.0, 300.0], [520.0, 300.0], [9, 7], [1.0, 1.0])
    assert out.role.tolist() == [Role.BOUND, Role.SUPERSEDED]


def test_one_kind_per_quantity_the_most_common_ties_to_the_lowest_code() -> None:
    out = main_kind(q=np.array([0, 0, 1, 1]), kind=np.array([2, 1, 0, 1], np.int8),
                    observation=np.ones(4, bool), n_quantities=2)  # fmt: skip
    assert out.kind.tolist() == [1, 0]
    assert out.other.tolist() == [True, False, False, True]


def test_the_base_start_is_the_most_common_and_far_starts_are_set_apart() -> None:
    since = np.array([0, 0, 30, 50, 50]) * DAY
    out = base_start(q=np.zeros(5, np.intp), since=since, cumulative=np.ones(5, bool),
                     n_quantities=1, window=45 * DAY)  # fmt: skip
    assert out.since.tolist() == [50 * DAY]  # a tie between day 0 and day 50: the latest
    assert out.far.tolist() == [True, True, False, False, False]
    assert out.n_far.tolist() == [2]
    # undated starts and other kinds take no part
    out = base_start(q=np.zeros(2, np.intp), since=np.array([NO_DAY, 0]),
                     cumulative=np.array([True, False]), n_quantities=1, window=DAY)  # fmt: skip
    assert out.since.tolist() == [NO_DAY] and not out.far.any()


def test_flows_are_compared_within_the_latest_window_ending_by_at() -> None:
    def outside(at: int, hindsight: bool, since: list[int] | None = None) -> list[bool]:
        s = np.asarray(since, np.int64) * DAY if since else np.full(3, NO_DAY)
        flags: list[bool] = flow_window(
            q=np.zeros(3, np.intp), moment=np.array([10, 10, 20]) * DAY,
            start=np.array([1, 1, 11]) * DAY, stated=np.array([10, 12, 20]) * DAY, since=s,
            flow=np.ones(3, bool), at=np.array([at * DAY]), hindsight=np.array([hindsight]),
            window=2 * DAY,
        ).tolist()  # fmt: skip
        return flags

    assert outside(5, False) == [False, False, True]
    assert outside(15, False) == [True, True, False]  # the second window began by then
    assert outside(0, False) == [True, True, True]
    assert outside(0, True) == [False, False, True]  # hindsight: the earliest window after
    # the window's start of count is the latest stated figure's (day 9): day 1 is too far
    assert outside(5, False, since=[1, 9, 1]) == [True, False, True]


def _random_rows(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """``n`` rows of 12 quantities, one row per group, with every kind of candidate."""
    q = np.sort(rng.integers(0, 12, n)).astype(np.intp)
    moment = rng.integers(0, 40, n).astype(np.int64) * DAY
    cumulative = rng.random(n) < 0.3
    b = rng.uniform(0, 100, n)
    return {
        "group": np.arange(n, dtype=np.int64), "q": q, "start": moment, "moment": moment,
        "alive": rng.random(n) < 0.9, "cumulative": cumulative, "stock": ~cumulative,
        "alone": rng.random(n) < 0.1, "at": rng.integers(0, 40, 12).astype(np.int64) * DAY,
        "hindsight": rng.random(12) < 0.5, "role": np.zeros(n, np.int8), "low": b - 1,
        "best": b, "high": b + 1, "source": rng.integers(0, 5, n).astype(np.intp),
        "change": 7 * DAY,
    }  # fmt: skip


def test_groups_of_one_row_stand_as_they_do_beside_rows_that_take_no_part() -> None:
    # each group of one row, and the same groups each given a second row that takes no part
    # (not alive): the rows that stand, their roles and sides are the same either way
    rng = np.random.default_rng(3)
    for _ in range(20):
        rows = _random_rows(rng, 60)
        alone = supersede(**rows)
        twice = {
            k: (np.repeat(v, 2) if isinstance(v, np.ndarray) and v.size == 60 else v)
            for k, v in rows.items()
        }
        twice["alive"] = np.repeat(rows["alive"], 2) & np.tile([True, False], 60)
        padded = supersede(**twice)
        assert padded.starts.size == alone.starts.size == 60
        assert np.array_equal(padded.role[::2], alone.role)
        assert np.array_equal(padded.side[::2], alone.side)
        assert np.array_equal(padded.used[::2], alone.used)
        assert np.array_equal(padded.cumulative, alone.cumulative)
        for got, own in ((padded.lower, alone.lower), (padded.upper, alone.upper)):
            assert np.array_equal(np.where(got >= 0, got // 2, -1), own)
            assert (got[got >= 0] % 2 == 0).all()


def test_picked_rows_are_read_through_take_as_by_indexing() -> None:
    rng = np.random.default_rng(4)
    rows = _random_rows(rng, 50)
    rows["cumulative"] = np.zeros(50, bool)
    rows["stock"] = np.ones(50, bool)
    for alive in (np.ones(50, bool), rng.random(50) < 0.5):
        rows["alive"] = alive
        rows["at"], rows["change"] = np.full(12, FAR), None
        kept = supersede(**rows)
        out = pick(
            kept=kept, q=rows["q"], too_early=np.zeros(12, bool), stated=rows["moment"],
            low=rows["low"], best=rows["best"], high=rows["high"],
            closed_left=np.ones(50, bool), closed_right=np.ones(50, bool),
            factor=rng.uniform(0.1, 1, 50), role=kept.role,
        )  # fmt: skip
        values = rng.random(50)
        assert np.array_equal(out.take(values), values[out.row])
        assert np.array_equal(out.low, rows["low"][out.row])
        # every row standing alone in its group is its own interval: nothing is gathered
        assert (out.take(values) is values) == bool(alive.all())


def test_without_hindsight_figures_stand_as_with_hindsight_on_a_quantity_without_rows() -> None:
    # no quantity with hindsight, and the same rows beside one more quantity, with hindsight but
    # no rows: the same rows stand (the first reads nothing about later figures)
    rng = np.random.default_rng(5)
    for _ in range(20):
        rows = _random_rows(rng, 60)
        rows["hindsight"] = np.zeros(12, bool)
        without = supersede(**rows)
        rows["hindsight"] = np.r_[np.zeros(12, bool), True]
        rows["at"] = np.r_[rows["at"], 0]
        beside = supersede(**rows)
        for name in ("role", "side", "used", "lower", "upper"):
            assert np.array_equal(getattr(without, name), getattr(beside, name))
