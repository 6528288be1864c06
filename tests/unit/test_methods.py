"""Methods: the Evidence/Combined contract, the registry and the built-in methods."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from estimates.errors import ReconcileError, UnknownMethodError
from estimates.ledger.table import Ledger
from estimates.reconciliation import methods as methods_module
from estimates.reconciliation.methods import (
    Combined,
    Evidence,
    consensus,
    describe_method,
    envelope,
    get_method,
    is_joint,
    latest,
    methods,
    readings,
    register_method,
    robust,
    segment_quantiles,
    sort_segments,
)
from estimates.reconciliation.reconcile import reconcile_all


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    """Methods a test registers are gone after it, so other tests see only the built-in ones."""
    saved = dict(methods_module._registry)
    yield
    methods_module._registry.clear()
    methods_module._registry.update(saved)


def one(quantity: str = "q", **rows: object) -> Evidence:
    n = len(next(iter(rows.values())))  # type: ignore[arg-type]
    return Evidence.from_rows(quantity=[quantity] * n, **rows)  # type: ignore[arg-type]


# -- registry ---------------------------------------------------------------------------------


def test_unknown_method_lists_the_known_names() -> None:
    with pytest.raises(UnknownMethodError) as info:
        get_method("median")
    assert "robust" in info.value.known
    assert "consensus" in str(info.value)


def test_builtins_are_registered_and_described() -> None:
    assert {"consensus", "envelope", "robust", "latest", "pooled"} <= set(methods())
    assert methods() == tuple(sorted(methods()))
    assert "hull" in describe_method("envelope")
    assert is_joint("crh") and not is_joint("robust")


def test_register_a_user_method_and_refuse_silent_replacement() -> None:
    def lowest(ev: Evidence, options: object) -> Combined:
        r = readings(ev)
        lo = np.minimum.reduceat(r.low, ev.starts)
        no = np.zeros(lo.size, dtype=bool)
        return Combined(lo, lo.copy(), lo.copy(), ~no, ~no, (None,) * lo.size)

    register_method("test_lowest", lowest, description="the lowest low", replace=True)
    assert get_method("test_lowest") is lowest
    with pytest.raises(ReconcileError, match="already registered"):
        register_method("test_lowest", lowest, description="again")
    with pytest.raises(ReconcileError, match="function or a 'module:function'"):
        register_method("test_bad", 42, description="not callable")  # type: ignore[arg-type]


def test_lazy_path_is_loaded_on_first_use() -> None:
    register_method(
        "test_lazy",
        "estimates.reconciliation.methods:envelope",
        description="by path",
        replace=True,
    )
    assert get_method("test_lazy") is envelope


def test_a_path_that_cannot_load_is_an_unknown_method() -> None:
    register_method("test_missing", "estimates.nowhere:fn", description="missing", replace=True)
    with pytest.raises(UnknownMethodError, match="cannot be loaded"):
        get_method("test_missing")


def test_pooled_is_registered_lazily_from_its_module() -> None:
    fn = get_method("pooled")
    assert fn.__module__ == "estimates.reconciliation._pooled"


# -- the contract -------------------------------------------------------------------------------


def test_combined_refuses_a_nan_without_a_reason() -> None:
    nan = np.array([np.nan])
    no = np.array([False])
    with pytest.raises(ReconcileError, match="must say why"):
        Combined(nan, nan, nan, no, no, (None,))
    Combined(nan, nan, nan, no, no, ("no figures",))


def test_combined_refuses_mismatched_lengths() -> None:
    a = np.array([1.0, 2.0])
    with pytest.raises(ReconcileError, match="different lengths"):
        Combined(a, a, a[:1], np.ones(2, bool), np.ones(2, bool), (None, None))


def test_evidence_groups_rows_by_quantity_and_marks_counts() -> None:
    ev = Evidence.from_rows(quantity=["b", "a", "b"], low=[-1.0, 1.0, 2.0], high=[0.0, 2.0, 3.0])
    assert ev.quantities == ("a", "b")
    assert ev.starts.tolist() == [0, 1]
    assert ev.positive.tolist() == [True, False]
    assert ev.segment.tolist() == [0, 1, 1]
    # worked out once and read-only: every step of a method reads the same array
    assert ev.segment is ev.segment and not ev.segment.flags.writeable


def test_readings_of_best_only_one_sided_and_zero_floor() -> None:
    ev = one(
        low=[np.nan, 7000.0, 0.0, 2000.0],
        best=[11000.0, np.nan, np.nan, np.nan],
        high=[np.nan, np.nan, 8000.0, 12000.0],
    )
    r = readings(ev)
    assert r.low.tolist() == [11000.0, 7000.0, 0.0, 2000.0]
    assert r.high.tolist() == [11000.0, np.inf, 8000.0, 12000.0]
    assert r.point.tolist() == [11000.0, 7000.0, 8000.0, 7000.0]
    # "at most 8,000" stored as [0, 8,000] on a count is one-sided, not a range with midpoint
    assert r.lower_only.tolist() == [False, True, False, False]
    assert r.upper_only.tolist() == [False, False, True, False]


# -- consensus, envelope ------------------------------------------------------------------------


def test_consensus_is_the_intersection_with_open_ends_kept() -> None:
    ev = one(low=[7000.0, 0.0], high=[np.nan, 8000.0], closed_left=[False, True])
    c = consensus(ev, {})
    assert (c.low[0], c.high[0]) == (7000.0, 8000.0)
    assert not c.closed_left[0] and c.closed_right[0]
    assert c.note == (None,)


def test_consensus_conflict_is_unknown_with_a_note() -> None:
    c = consensus(one(best=[3000.0, 12000.0]), {})
    assert np.isnan(c.low[0]) and np.isnan(c.best[0])
    assert c.note[0] is not None and c.note[0].startswith("conflict")


def test_consensus_touching_open_and_closed_ends_is_empty() -> None:
    ev = one(low=[0.0, 5.0], high=[5.0, 9.0], closed_left=[True, False], closed_right=[True, True])
    assert consensus(ev, {}).note[0] is not None


def test_envelope_is_the_hull() -> None:
    ev = one(low=[2000.0, 11000.0], high=[12000.0, 13000.0])
    c = envelope(ev, {})
    assert (c.low[0], c.high[0]) == (2000.0, 13000.0)
    assert c.low[0] <= c.best[0] <= c.high[0]


def test_envelope_unbounded_when_a_claim_is() -> None:
    c = envelope(one(low=[10.0, 20.0], high=[15.0, np.nan]), {})
    assert c.high[0] == np.inf and not c.closed_right[0]


def test_envelope_end_is_closed_when_one_claim_allows_it() -> None:
    # "more than 10" and "10 to 20": the hull holds 10 (the second claim allows it), where the
    # intersection does not
    ev = one(low=[10.0, 10.0], high=[np.nan, 20.0], closed_left=[False, True])
    assert envelope(ev, {}).closed_left[0]
    assert not consensus(ev, {}).closed_left[0]


# -- robust ---------------------------------------------------------------------------------------


def test_robust_one_wild_figure_cannot_drag_it() -> None:
    calm = robust(one(best=[10_000.0, 11_000.0, 12_000.0, 11_000.0, 10_500.0]), {})
    wild = robust(one(best=[10_000.0, 11_000.0, 12_000.0, 11_000.0, 5e9]), {})
    assert wild.best[0] == calm.best[0] == 11_000.0
    assert wild.high[0] <= 12_000.0


def test_robust_single_range_survives() -> None:
    c = robust(one(low=[2000.0], high=[12000.0]), {})
    assert (c.low[0], c.best[0], c.high[0]) == (2000.0, 7000.0, 12000.0)


def test_robust_one_sided_figure_is_censored_not_a_point() -> None:
    # "at least 1,500" must not vote for 1,500: its weight goes to the figures above it
    points = robust(one(best=[10_000.0, 11_000.0, 12_000.0]), {})
    censored = robust(
        one(best=[10_000.0, 11_000.0, 12_000.0, np.nan], low=[np.nan] * 3 + [1500.0]), {}
    )
    assert censored.best[0] == points.best[0] == 11_000.0
    assert censored.low[0] == points.low[0] == 10_000.0


def test_robust_bare_range_shares_its_weight_with_figures_inside() -> None:
    # 9,000–12,000 allows 10,000, 11,000 and 12,000 but not 3,000: its weight goes to them,
    # which moves the median from 10,500 (the four points alone) to 11,000
    assert robust(one(best=[3000.0, 10_000.0, 11_000.0, 12_000.0]), {}).best[0] == 10_500.0
    ev = one(
        best=[3000.0, 10_000.0, 11_000.0, 12_000.0, np.nan],
        low=[np.nan] * 4 + [9000.0],
        high=[np.nan] * 4 + [12_000.0],
    )
    c = robust(ev, {})
    assert c.best[0] == 11_000.0
    assert (c.low[0], c.high[0]) == (10_000.0, 12_000.0)


def test_robust_at_most_on_a_count_allows_only_figures_below_its_bound() -> None:
    # "at most 100" on a count is stored with a low of 0: it allows 50, not 100, so the median
    # of 100 and 50 with its weight on 50 is 50
    ev = one(best=[np.nan, 100.0, 50.0], low=[0.0, np.nan, np.nan], high=[100.0, np.nan, np.nan])
    assert ev.positive[0]
    assert robust(ev, {}).best[0] == 50.0


def test_robust_reads_ends_that_meet_as_a_figure_as_the_truth_step_does() -> None:
    # 10 stored as low = high with no best is a figure: the two ranges share their weight with
    # it and with 20 alike, and the median lies between them, as crh answers
    from estimates.reconciliation.truth import crh

    ev = one(
        low=[10.0, np.nan, 5.0, 5.0], best=[np.nan, 20.0, np.nan, np.nan],
        high=[10.0, np.nan, 30.0, 30.0], source=["a", "b", "c", "d"],
    )  # fmt: skip
    assert robust(ev, {}).best[0] == crh(ev, {}).best[0] == 15.0


def test_robust_only_lower_bounds_gives_a_one_sided_answer() -> None:
    ev = one(low=[10_000.0, 10_000.0, 13_000.0], closed_left=[True, True, False])
    c = robust(ev, {})
    assert c.low[0] == 13_000.0 and c.high[0] == np.inf
    assert not c.closed_left[0] and np.isnan(c.best[0])


def test_robust_a_bound_at_the_median_figure_keeps_the_range_closed_and_its_best() -> None:
    # five sources say 16 and one "more than 16": the range starts at 16, a figure five sources
    # gave, and 16 stays the best value (an open end at 16 left no best)
    best = [15.0, 16.0, 16.0, 16.0, 16.0, 16.0, 17.0, 17.0, np.nan]
    low = [np.nan] * 8 + [16.0]
    ev = one(best=best, low=low, closed_left=[True] * 8 + [False])
    c = robust(ev, {})
    assert (c.low[0], c.best[0]) == (16.0, 16.0) and c.closed_left[0]
    led = Ledger.from_frame(
        pd.DataFrame(
            {
                "quantity": "officers killed",
                "best": best,
                "low": low,
                "closed": ["both"] * 8 + ["neither"],
                "unit": "person",
                "source": [f"s{i}" for i in range(9)],
            }
        )
    )
    row = reconcile_all(led, method="robust").iloc[0]
    assert (row["low"], row["best"], row["closed"]) == (16.0, 16.0, "both")


def test_robust_crossed_bounds_are_unknown_with_a_note() -> None:
    ev = one(low=[10.0, np.nan], high=[np.nan, 5.0])
    c = robust(ev, {})
    assert np.isnan(c.low[0])
    assert c.note[0] is not None and "conflict" in c.note[0]


def test_robust_figure_unbounded_everywhere_is_unknown() -> None:
    c = robust(one(low=[np.nan], high=[np.nan]), {})
    assert np.isnan(c.best[0]) and c.note[0] is not None


def test_robust_rejects_a_bad_q() -> None:
    with pytest.raises(ReconcileError, match="'q'"):
        robust(one(best=[1.0]), {"q": 0.9})


def test_robust_segments_are_independent() -> None:
    ev = Evidence.from_rows(quantity=["a", "b", "a", "b"], best=[1.0, 100.0, 3.0, 300.0])
    both = robust(ev, {})
    alone = robust(Evidence.from_rows(quantity=["b", "b"], best=[100.0, 300.0]), {})
    assert both.best[1] == alone.best[0] == 200.0
    assert both.best[0] == 2.0


def test_robust_weights_move_the_median() -> None:
    ev = one(best=[10.0, 20.0, 30.0], weight=[1.0, 1.0, 5.0])
    assert robust(ev, {}).best[0] == 30.0


def test_latest_takes_the_newest_moment() -> None:
    ev = one(best=[3000.0, 10000.0, 12000.0], as_of_day=[1, 3, 2])
    assert latest(ev, {}).best[0] == 10000.0


def test_latest_needs_dates() -> None:
    with pytest.raises(ReconcileError, match="as_of_day"):
        latest(one(best=[1.0]), {})


# -- the segment helpers --------------------------------------------------------------------------


def test_sort_segments_orders_by_segment_then_value() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=200)
    seg = rng.integers(0, 7, 200)
    order = sort_segments(values, seg)
    assert np.all(np.diff(seg[order]) >= 0)
    for s in range(7):
        v = values[order][seg[order] == s]
        assert np.all(np.diff(v) >= 0)


def test_segment_quantiles_match_a_plain_loop() -> None:
    rng = np.random.default_rng(4)
    values = rng.integers(0, 20, 300).astype(float)
    weights = rng.integers(0, 4, 300).astype(float)
    seg = rng.integers(0, 9, 300)
    mids, lows, highs = segment_quantiles(
        values, weights, seg, 10, [(0.5, "mid"), (0.25, "low"), (0.75, "high")]
    )
    assert np.isnan(mids[9])  # a segment with no rows
    for s in range(9):
        v, w = values[seg == s], weights[seg == s]
        keep = w > 0
        v, w = v[keep], w[keep]
        o = np.argsort(v, kind="stable")
        v, w = v[o], w[o]
        cum = np.cumsum(w) / w.sum()
        i = int(np.searchsorted(cum, 0.25 - 1e-12))
        assert lows[s] == v[i]
        j = int(np.searchsorted(cum, 0.75 + 1e-12, side="right"))
        assert highs[s] == v[min(j, v.size - 1)]
        k = int(np.searchsorted(cum, 0.5 - 1e-12))
        expected = (v[k] + v[k + 1]) / 2 if abs(cum[k] - 0.5) < 1e-12 and k + 1 < v.size else v[k]
        assert mids[s] == expected


def test_sorted_rows_and_others_merge_into_segment_and_value_order() -> None:
    from estimates.reconciliation._segments import merged_order, sort_segments

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        seg = np.sort(rng.integers(0, 5, n)).astype(np.intp)
        values = rng.integers(0, 6, n).astype(float)
        other = np.flatnonzero(rng.uniform(size=n) < 0.3)
        rest = np.setdiff1d(np.arange(n), other)
        rest = rest[sort_segments(values[rest], seg[rest])]
        got = merged_order(rest, other, values, seg, 5)
        assert sorted(got.tolist()) == list(range(n))
        key = list(zip(seg[got].tolist(), values[got].tolist(), strict=True))
        assert key == sorted(key)
        # among equal figures of one segment, the rows already sorted come first
        from_other = np.isin(got, other)
        for i in range(n - 1):
            if key[i] == key[i + 1]:
                assert not (from_other[i] and not from_other[i + 1])


def test_merged_orders_merge_each_column_as_merged_order_does() -> None:
    from estimates.reconciliation._segments import merged_order, merged_orders, sort_segments

    rng = np.random.default_rng(5)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        seg = np.sort(rng.integers(0, 5, n)).astype(np.intp)
        point = rng.integers(0, 6, n).astype(float)
        other = np.flatnonzero(rng.uniform(size=n) < 0.3)
        # the sorted rows hold one value in both columns (a plain figure's ends are its point)
        low, high = point.copy(), point.copy()
        low[other] -= rng.integers(0, 3, other.size)
        high[other] += rng.integers(0, 3, other.size)
        rest = np.setdiff1d(np.arange(n), other)
        rest = rest[sort_segments(point[rest], seg[rest])]
        by_low, by_high = merged_orders(rest, other, [low, high], seg, 5)
        assert by_low.tolist() == merged_order(rest, other, low, seg, 5).tolist()
        assert by_high.tolist() == merged_order(rest, other, high, seg, 5).tolist()


def test_robust_skips_only_stated_ranges_that_cannot_widen_its_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from estimates.reconciliation import _robust

    rng = np.random.default_rng(11)
    n = 4_000
    quantity = [f"q{i}" for i in rng.integers(0, 400, n)]
    point = rng.choice([8.0, 9.0, 10.0, 11.0, 12.0], n)
    width = rng.choice([0.0, 0.0, 0.0, 1.0, 3.0], n)
    best = np.where(rng.uniform(size=n) < 0.8, point, np.nan)
    weight = rng.choice([0.5, 1.0, 2.0], n)
    ev = Evidence.from_rows(
        quantity=quantity, low=point - width, high=point + width, best=best, weight=weight
    )
    fast = robust(ev, {})
    # with no segment clear, every segment's stated ranges are sorted and their medians read
    monkeypatch.setattr(_robust, "_CLEAR_SHARE", 0.0)
    slow = robust(ev, {})
    assert (fast.low < 8.0).any() and (fast.high > 12.0).any()  # stated ranges widen some
    for got, want in ((fast.low, slow.low), (fast.high, slow.high), (fast.best, slow.best)):
        assert got.tobytes() == want.tobytes()
