"""Segment operations: grouping, sums, and the weighted quantile."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimates.errors import ReconcileError
from estimates.reconciliation._segments import (
    group,
    segment_ids,
    segment_max,
    segment_min,
    segment_sum,
    sort_segments,
    sorted_quantiles,
    stable_order,
    weighted_quantile,
)

NAN = np.nan


def wq(
    values: list[float], weights: list[float], q: float, starts: list[int] | None = None
) -> list[float]:
    return weighted_quantile(
        np.array(values, float),
        np.array(weights, float),
        np.array(starts if starts is not None else [0], np.intp),
        q,
    ).tolist()


def reference(values: list[float], weights: list[float], q: float) -> float:
    """The definition, one segment at a time, in plain Python with exact fractions of the total."""
    rows = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    if not rows:
        return NAN
    total = math.fsum(w for _, w in rows)
    target = q * total
    cum = 0.0
    for i, (v, w) in enumerate(rows):
        cum = math.fsum([cum, w])
        if cum >= target - 1e-9 * total:
            if abs(cum - target) <= 1e-9 * total and 0 < q < 1 and i + 1 < len(rows):
                return (v + rows[i + 1][0]) / 2
            return v
    return rows[-1][0]


# -- the weighted quantile ---------------------------------------------------------------------


def test_equal_weights_give_the_ordinary_median() -> None:
    assert wq([3.0, 1.0, 2.0], [1, 1, 1], 0.5) == [2.0]
    assert wq([4.0, 1.0, 3.0, 2.0], [1, 1, 1, 1], 0.5) == [2.5]


def test_a_zero_weight_row_is_never_the_neighbour_at_a_boundary() -> None:
    # 1 and 3 carry the weight; 2.9 (between them) and 100 (above) carry none
    assert wq([1.0, 2.9, 3.0], [1, 0, 1], 0.5) == [2.0]
    assert wq([1.0, 3.0, 100.0], [1, 1, 0], 0.5) == [2.0]
    # the boundary after the last weighted value: nothing weighted follows, so no mean
    assert wq([1.0, 3.0, 100.0], [1, 1, 0], 1.0) == [3.0]


def test_a_zero_weight_row_is_never_the_value() -> None:
    assert wq([-50.0, 1.0, 2.0], [0, 1, 1], 0.0) == [1.0]
    assert wq([1.0, 2.0, 50.0], [1, 1, 0], 1.0) == [2.0]
    assert wq([1.0, 2.0, 3.0], [0, 1, 0], 0.5) == [2.0]


def test_negative_and_nan_weights_count_as_none() -> None:
    assert wq([1.0, 2.0, 3.0, 4.0], [1, -5, NAN, 1], 0.5) == [2.5]


def test_a_segment_without_weight_is_nan_and_leaves_the_others_alone() -> None:
    got = wq([5.0, 6.0, 1.0, 3.0, 7.0], [0, 0, 1, 1, 0], 0.5, starts=[0, 2, 4])
    assert math.isnan(got[0])
    assert got[1] == 2.0
    assert math.isnan(got[2])


def test_a_single_row_is_its_own_quantile_at_every_level() -> None:
    for q in (0.0, 0.1, 0.5, 1.0):
        assert wq([42.0], [0.3], q) == [42.0]


def test_ties_give_the_tied_value() -> None:
    assert wq([2.0, 2.0, 2.0, 2.0], [1, 2, 3, 4], 0.5) == [2.0]
    # the boundary at the end of a run of ties: the mean with the next weighted value
    assert wq([5.0, 5.0, 7.0, 7.0], [1, 1, 1, 1], 0.5) == [6.0]
    # a boundary inside the run: the tied value itself
    assert wq([5.0, 5.0, 7.0, 9.0], [1, 1, 1, 1], 0.25) == [5.0]


def test_unequal_weights_move_the_quantile() -> None:
    assert wq([1.0, 2.0, 3.0, 1000.0], [1, 1, 1, 0.5], 0.5) == [2.0]
    assert wq([1.0, 2.0, 3.0], [1, 1, 10], 0.5) == [3.0]
    assert wq([1.0, 2.0, 3.0], [1, 1, 10], 0.05) == [1.0]


def test_the_mean_of_figures_near_the_float_limit_does_not_overflow() -> None:
    assert wq([1e308, 1.6e308], [1, 1], 0.5) == [pytest.approx(1.3e308)]


def test_no_segments_and_no_rows() -> None:
    assert weighted_quantile(np.zeros(0), np.zeros(0), np.zeros(0, np.intp), 0.5).size == 0
    assert math.isnan(wq([], [], 0.5)[0])


def test_weights_of_very_different_sizes_in_neighbouring_segments() -> None:
    # a tiny-weight segment after a huge-weight one keeps its own exact boundary
    got = wq([1.0, 2.0, 10.0, 20.0], [1e12, 1e12, 1e-12, 1e-12], 0.5, starts=[0, 2])
    assert got == [1.5, 15.0]


segment_rows = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from([1.0, 2.0, 2.0, 3.0, 5.0, -4.0, 1e6]),
        st.sampled_from([0.0, 0.0, 1.0, 1.0, 2.0, 0.5, 3.0]),
    ),
    min_size=1,
    max_size=30,
)


@given(segment_rows, st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]), st.randoms())
def test_matches_the_definition_in_every_segment_and_any_row_order(
    rows: list[tuple[int, float, float]], q: float, rnd: object
) -> None:
    rows = sorted(rows, key=lambda r: r[0])
    segs = sorted({r[0] for r in rows})
    # rows grouped by segment, shuffled inside each
    grouped: list[tuple[int, float, float]] = []
    for k in segs:
        part = [r for r in rows if r[0] == k]
        rnd.shuffle(part)  # type: ignore[attr-defined]
        grouped.extend(part)
    starts = [grouped.index(next(r for r in grouped if r[0] == k)) for k in segs]
    got = wq([r[1] for r in grouped], [r[2] for r in grouped], q, starts=starts)
    for k, value in zip(segs, got, strict=True):
        part = [r for r in grouped if r[0] == k]
        want = reference([r[1] for r in part], [r[2] for r in part], q)
        assert (math.isnan(want) and math.isnan(value)) or value == want, (k, part, q)


@given(segment_rows, st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]))
def test_agrees_with_the_methods_quantile(rows: list[tuple[int, float, float]], q: float) -> None:
    # estimates.reconciliation.methods.segment_quantiles documents the same definition ("mid")
    from estimates.reconciliation.methods import segment_quantiles

    rows = sorted(rows, key=lambda r: r[0])
    seg = np.array([r[0] for r in rows], np.intp)
    codes = np.unique(seg, return_inverse=True)[1].astype(np.intp)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]).astype(np.intp)
    values = np.array([r[1] for r in rows])
    weights = np.array([r[2] for r in rows])
    mine = weighted_quantile(values, weights, starts, q)
    (theirs,) = segment_quantiles(values, weights, codes, starts.size, [(q, "mid")])
    np.testing.assert_array_equal(mine, theirs)
    # and the learning methods' quantile of values sorted once (crh, catd, plurality)
    from estimates.reconciliation._learning import _sorted_quantile

    order = np.lexsort((values, codes))
    ends = np.r_[starts[1:], values.size].astype(np.intp)
    learned = _sorted_quantile(values[order], weights[order], starts, ends, q)
    np.testing.assert_array_equal(mine, learned)


def test_low_and_high_take_the_values_either_side_of_a_boundary() -> None:
    # 1, 2 | 4, 5 with a zero-weight 3 between: at q = 0.5 the boundary lies between 2 and 4
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    weights = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    got = sorted_quantiles(
        values, weights, np.array([0]), np.array([5]), [(0.5, "low"), (0.5, "mid"), (0.5, "high")]
    )
    assert [x.tolist() for x in got] == [[2.0], [3.0], [4.0]]
    # off a boundary all three rules give the value whose running sum passes q
    got = sorted_quantiles(
        values, weights, np.array([0]), np.array([5]), [(0.6, "low"), (0.6, "mid"), (0.6, "high")]
    )
    assert [x.tolist() for x in got] == [[4.0], [4.0], [4.0]]
    with pytest.raises(ReconcileError, match="unknown quantile rule"):
        sorted_quantiles(values, weights, np.array([0]), np.array([5]), [(0.5, "middle")])


# -- grouping and segment reductions -----------------------------------------------------------


def test_group_sorts_keys_and_keeps_row_order_inside_a_group() -> None:
    g = group(["b", "a", "b", "a"])
    assert g.keys.tolist() == ["a", "b"]
    assert g.order.tolist() == [1, 3, 0, 2]
    assert g.starts.tolist() == [0, 2]


def test_segment_reductions() -> None:
    starts = np.array([0, 2], np.intp)
    x = np.array([1.0, 5.0, -2.0, 4.0, 3.0])
    assert segment_ids(starts, 5).tolist() == [0, 0, 1, 1, 1]
    assert segment_sum(x, starts).tolist() == [6.0, 5.0]
    assert segment_min(x, starts).tolist() == [1.0, -2.0]
    assert segment_max(x, starts).tolist() == [5.0, 4.0]
    empty = np.zeros(0, np.intp)
    assert segment_sum(np.zeros(0), empty).size == 0


# -- the line through the values ("interpolate") -------------------------------------------------


def line(
    values: list[float], weights: list[float], reach: list[float] | None = None, q: float = 0.5
) -> float:
    order = np.argsort(values, kind="stable")
    v = np.array(values, float)[order]
    w = np.array(weights, float)[order]
    r = None if reach is None else np.array(reach, float)[order]
    return float(sorted_quantiles(v, w, [0], [len(v)], [(q, "interpolate")], reach=r)[0][0])


@given(
    st.lists(st.sampled_from([1.0, 2.0, 3.0, 5.0, 8.0, 40.0, -7.0]), min_size=1, max_size=12),
    st.randoms(),
)
def test_the_line_with_equal_weights_is_the_ordinary_median(values: list[float], rnd) -> None:  # type: ignore[no-untyped-def]
    rnd.shuffle(values)
    assert line(values, [1.0] * len(values)) == pytest.approx(float(np.median(values)))


@given(
    st.lists(
        st.tuples(st.sampled_from([10.0, 20.0, 25.0, 30.0, 400.0, 1e6, -5.0]), st.floats(0.1, 5.0)),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([0.1, 0.5, 0.9]),
)
def test_the_line_stays_within_its_neighbours_and_between_figures_of_one_size(
    rows: list[tuple[float, float]], q: float
) -> None:
    values = [v for v, _ in rows]
    weights = [w for _, w in rows]
    got = line(values, weights, [0.5] * len(rows), q)
    assert min(values) <= got <= max(values)
    if got not in values:
        # a value between two stated figures only where they are of one size (within a factor
        # of ten, one sign): never in the gap between 30 and 400, or 400 and a million
        below = max(v for v in values if v < got)
        above = min(v for v in values if v > got)
        # (or, at an even split, the middle of the two, as the ordinary median of two)
        even = got == pytest.approx((below + above) / 2)
        assert even or (below > 0 and above <= 10 * below)


def test_an_even_split_between_figures_of_different_sizes_is_their_middle() -> None:
    assert line([30.0, 400.0], [1.0, 1.0], [0.5, 0.5]) == 215.0
    assert line([30.0, 400.0], [1.0, 1.0 + 1e-6], [0.5, 0.5]) == 400.0


def test_the_line_moves_a_little_with_a_little_weight() -> None:
    base = line([40.0, 50.0, 60.0, 70.0], [1.0, 1.0, 1.0, 1.0])
    moved = line([40.0, 50.0, 60.0, 70.0], [1.0, 1.0, 1.1, 1.0])
    assert base == 55.0
    assert 55.0 < moved < 56.0
    # the boundary rules jump to a figure instead
    jump = sorted_quantiles(
        np.array([40.0, 50.0, 60.0, 70.0]), np.array([1.0, 1.0, 1.1, 1.0]), [0], [4], [(0.5, "mid")]
    )[0][0]
    assert jump == 60.0


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from([0.0, -0.0, 1.0, 2.5, math.nan, math.inf, -math.inf, 1e308, 5e-324])
            | st.floats(allow_nan=True),
        ),
        max_size=60,
    )
)
def test_the_stable_order_of_segments_is_lexsorts(rows: list[tuple[int, float]]) -> None:
    # rows of one segment and one value (NaNs, 0.0 and -0.0 alike) keep their order, as
    # np.lexsort keeps them: the sweeps and sorts of the layout rely on it, bit for bit
    seg = np.array([r[0] for r in rows], dtype=np.intp)
    values = np.array([r[1] for r in rows], dtype=float)
    np.testing.assert_array_equal(
        sort_segments(values, seg, stable=True), np.lexsort((values, seg))
    )


def test_the_stable_order_of_segments_is_lexsorts_on_many_ties() -> None:
    # (a quicksort leaves short runs in order: ties among many rows show the difference)
    rng = np.random.default_rng(5)
    figures = np.array([0.0, -0.0, 1.0, 2.5, math.nan, math.inf, -math.inf, 1e308])
    values = rng.choice(figures, 100_000)
    for seg in (np.sort(rng.integers(0, 50, values.size)), rng.integers(0, 50, values.size)):
        np.testing.assert_array_equal(
            sort_segments(values, seg, stable=True), np.lexsort((values, seg))
        )


@given(st.lists(st.integers(0, 2**20), max_size=80))
def test_the_stable_order_of_integers_is_argsorts(keys: list[int]) -> None:
    k = np.array(keys, dtype=np.int64)
    np.testing.assert_array_equal(stable_order(k), np.argsort(k, kind="stable"))
