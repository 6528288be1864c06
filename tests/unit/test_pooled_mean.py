"""The pooled method: DerSimonian–Laird with a (floored) Hartung–Knapp interval."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from estimates.errors import ReconcileError
from estimates.reconciliation._pooled_mean import pool_arrays, pool_options

INF = np.inf
NAN = np.nan


def run(
    low: list[float],
    high: list[float],
    best: list[float] | None = None,
    *,
    starts: list[int] | None = None,
    positive: list[bool] | None = None,
    weight: list[float] | None = None,
    **options: Any,
) -> Any:
    n = len(low)
    starts_a = np.array(starts if starts is not None else [0], dtype=np.intp)
    return pool_arrays(
        low=np.array(low, float),
        high=np.array(high, float),
        best=np.array(best if best is not None else [NAN] * n, float),
        weight=np.array(weight if weight is not None else [1.0] * n, float),
        starts=starts_a,
        positive=np.array(positive if positive is not None else [True] * starts_a.size),
        options=options,
    )


def test_matches_a_hand_computed_dl_and_hk_on_the_linear_scale() -> None:
    low = [8.0, 9.0, 13.0, 10.0]
    high = [12.0, 11.0, 17.0, 14.0]
    out = run(low, high, positive=[False], hk="plain")
    z = stats.norm.ppf(0.95)
    y = (np.array(low) + high) / 2
    v = ((np.array(high) - low) / (2 * z)) ** 2
    w = 1 / v
    mu_fe = (w * y).sum() / w.sum()
    q_stat = (w * (y - mu_fe) ** 2).sum()
    tau2 = max(0.0, (q_stat - 3) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (v + tau2)
    mu = (ws * y).sum() / ws.sum()
    q = (ws * (y - mu) ** 2).sum() / 3
    half = stats.t.ppf(0.975, 3) * math.sqrt(q / ws.sum())
    assert tau2 > 0  # the sources disagree beyond their stated errors
    assert out.tau2[0] == pytest.approx(tau2)
    assert out.best[0] == pytest.approx(mu)
    assert out.low[0] == pytest.approx(mu - half)
    assert out.high[0] == pytest.approx(mu + half)
    assert not out.log_scale[0]


def test_counts_are_pooled_on_the_log_scale() -> None:
    # two ranges of the same relative width: equal variances on the log scale
    out = run([9000.0, 10800.0], [11000.0, 13200.0])
    assert out.log_scale[0]
    # the geometric mean of the two geometric midpoints
    mids = np.sqrt(np.array([9000 * 11000, 10800 * 13200.0]))
    assert out.best[0] == pytest.approx(math.sqrt(mids[0] * mids[1]))


def test_the_floor_never_gives_a_narrower_interval_than_plain_hk() -> None:
    # nearly identical figures: q < 1, where plain HK is narrower than the stated errors allow
    low, high = [9900.0, 9950.0, 9980.0], [10100.0, 10150.0, 10180.0]
    plain = run(low, high, hk="plain")
    floored = run(low, high)
    assert floored.best[0] == pytest.approx(plain.best[0])
    assert floored.high[0] - floored.low[0] > plain.high[0] - plain.low[0]


def test_one_usable_claim_returns_its_own_range() -> None:
    out = run([7000.0, -INF], [8000.0, INF], [7500.0, NAN])
    assert (out.low[0], out.best[0], out.high[0]) == (7000.0, 7500.0, 8000.0)
    assert out.note[0] is None


def test_no_usable_claim_is_an_explicit_unknown() -> None:
    out = run([-INF], [INF])
    assert out.low[0] == -INF
    assert out.high[0] == INF
    assert math.isnan(out.best[0])
    assert out.note[0] is not None
    assert "no usable figure" in out.note[0]


def test_only_one_sided_figures_give_the_intersection_without_a_best() -> None:
    out = run([7000.0, 9000.0, -INF], [INF, INF, 12000.0])
    assert (out.low[0], out.high[0]) == (9000.0, 12000.0)
    assert math.isnan(out.best[0])
    assert out.note[0] is not None
    assert "one-sided" in out.note[0]


def test_conflicting_one_sided_figures_say_so() -> None:
    out = run([9000.0, -INF], [INF, 5000.0])
    assert (out.low[0], out.high[0]) == (5000.0, 9000.0)
    assert out.note[0] is not None
    assert "conflict" in out.note[0]


def test_a_censored_bound_above_the_points_pulls_the_estimate_up() -> None:
    points_low, points_high = [9000.0, 9500.0, 10000.0], [11000.0, 11500.0, 12000.0]
    base = run(points_low, points_high)
    pulled = run([*points_low, 14000.0], [*points_high, INF])
    ignored = run([*points_low, 2000.0], [*points_high, INF])
    assert pulled.best[0] > base.best[0] * 1.02
    # a bound far below the figures says almost nothing
    assert ignored.best[0] == pytest.approx(base.best[0], rel=1e-3)


def test_an_upper_bound_below_the_points_pulls_the_estimate_down() -> None:
    base = run([9000.0, 10000.0], [11000.0, 12000.0])
    pulled = run([9000.0, 10000.0, -INF], [11000.0, 12000.0, 8000.0])
    assert pulled.best[0] < base.best[0]


def test_a_zero_low_on_a_count_is_no_bound() -> None:
    # "up to 8,000" on a count arrives as [0, 8000]: an upper bound, not a point at 4,000
    with_zero = run([9000.0, 10000.0, 0.0], [11000.0, 12000.0, 8000.0])
    with_inf = run([9000.0, 10000.0, -INF], [11000.0, 12000.0, 8000.0])
    assert with_zero.best[0] == pytest.approx(with_inf.best[0])


def test_exact_figures_get_a_finite_result() -> None:
    out = run([1500.0, 3000.0], [1500.0, 3000.0], [1500.0, 3000.0])
    assert np.isfinite([out.low[0], out.best[0], out.high[0]]).all()
    assert out.low[0] < out.best[0] < out.high[0]


def test_a_lower_prior_weight_counts_as_a_noisier_claim() -> None:
    low, high = [9000.0, 19000.0], [11000.0, 21000.0]
    even = run(low, high)
    doubted = run(low, high, weight=[1.0, 0.1])
    assert doubted.best[0] < even.best[0]


def test_scaling_every_figure_scales_the_result() -> None:
    low = [9000.0, 10000.0, 7000.0, -INF, 10.0, 30.0]
    high = [11000.0, 12000.0, INF, 13000.0, 20.0, 35.0]
    best = [NAN, 11000.0, NAN, NAN, NAN, NAN]
    a = run(low, high, best, starts=[0, 4], positive=[True, False])
    c = 3.7
    b = run(
        [x * c for x in low],
        [x * c for x in high],
        [x * c for x in best],
        starts=[0, 4],
        positive=[True, False],
    )
    np.testing.assert_allclose(b.best, a.best * c, rtol=1e-9)
    np.testing.assert_allclose(b.low, a.low * c, rtol=1e-9)
    np.testing.assert_allclose(b.high, a.high * c, rtol=1e-9)


def test_row_order_inside_a_segment_does_not_matter() -> None:
    low = [9000.0, 10000.0, 7000.0, -INF, 12500.0]
    high = [11000.0, 12000.0, INF, 13000.0, 14000.0]
    best = [NAN, 11000.0, NAN, NAN, 13000.0]
    a = run(low, high, best)
    perm = [3, 0, 4, 2, 1]
    b = run([low[i] for i in perm], [high[i] for i in perm], [best[i] for i in perm])
    np.testing.assert_allclose([b.low[0], b.best[0], b.high[0]], [a.low[0], a.best[0], a.high[0]])


def test_segments_are_pooled_independently() -> None:
    one = run([9000.0, 10000.0], [11000.0, 12000.0])
    two = run([10.0, 20.0], [30.0, 25.0], positive=[False])
    both = run(
        [9000.0, 10000.0, 10.0, 20.0],
        [11000.0, 12000.0, 30.0, 25.0],
        starts=[0, 2],
        positive=[True, False],
    )
    np.testing.assert_allclose(both.best, [one.best[0], two.best[0]])
    np.testing.assert_allclose(both.high, [one.high[0], two.high[0]])


def test_no_segments_give_empty_results() -> None:
    out = pool_arrays(
        low=np.zeros(0),
        high=np.zeros(0),
        best=np.zeros(0),
        weight=np.zeros(0),
        starts=np.zeros(0, np.intp),
        positive=np.zeros(0, bool),
    )
    assert out.best.size == 0
    assert out.note == ()


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"level": 0}, "level"),
        ({"interval_level": 1.0}, "interval_level"),
        ({"default_error": "ten"}, "default_error"),
        ({"hk": "sidik"}, "modified, plain"),
        ({"scale": "sqrt"}, "auto, log, linear"),
    ],
)
def test_bad_options_are_named(options: dict[str, object], word: str) -> None:
    with pytest.raises(ReconcileError, match=word):
        pool_options(options)


def test_forcing_the_log_scale_on_negative_figures_is_an_error() -> None:
    with pytest.raises(ReconcileError, match="above zero"):
        run([-5.0, 1.0], [5.0, 2.0], positive=[False], scale="log")


def test_a_wider_reading_of_ranges_gives_a_narrower_result() -> None:
    low, high = [9000.0, 10000.0, 9500.0], [11000.0, 12000.0, 11500.0]
    narrow_reading = run(low, high, interval_level=0.5)
    wide_reading = run(low, high, interval_level=0.99)
    # [low, high] read as a 99 % interval means smaller errors than read as a 50 % one
    assert (
        wide_reading.high[0] - wide_reading.low[0] < narrow_reading.high[0] - narrow_reading.low[0]
    )


def test_the_registered_pooled_method_reads_evidence() -> None:
    from estimates.reconciliation.methods import Evidence, get_method

    ev = Evidence.from_rows(
        quantity=["troops", "troops", "troops", "boxes", "empty"],
        low=[9000.0, 10000.0, 7000.0, 13000.0, NAN],
        high=[11000.0, 12000.0, NAN, NAN, NAN],
        source=["A", "B", "C", "D", "E"],
    )
    out = get_method("pooled_mean")(ev, {})
    assert ev.quantities == ("boxes", "empty", "troops")
    # one usable claim: its own range; none: an explicit unknown with a note; else pooled
    assert (out.low[0], out.high[0]) == (13000.0, INF)
    assert out.closed_left[0]
    assert out.note[1] is not None
    assert math.isnan(out.best[1])
    assert out.low[2] < 9000 < out.best[2] < 12000 < out.high[2]
    assert out.note[2] is None


# -- float arithmetic: no warning, no NaN posing as a number ---------------------------------


def test_best_only_figures_on_the_linear_scale_pool_without_warnings() -> None:
    # "about 4" and "about -4": no range at all, so no -inf + inf midpoint may be formed
    out = run([-INF, -INF], [INF, INF], [4.0, -4.0], positive=[False])
    assert out.low[0] < -4.0 and out.high[0] > 4.0
    assert out.best[0] == pytest.approx(0.0, abs=1e-12)


def test_a_bound_at_zero_beside_a_large_count_gives_no_overflow() -> None:
    # "4,584" and "up to 0" on a count: the linear scale, where nothing is exponentiated
    out = run([0.0, 0.0], [INF, 0.0], [4584.0, NAN])
    assert not out.log_scale[0]
    assert np.isfinite([out.low[0], out.best[0], out.high[0]]).all()
    assert out.note[0] is None


@pytest.mark.parametrize("size", [1e-200, 1e-3, 1e200])
def test_tiny_and_huge_linear_figures_pool_like_ordinary_ones(size: float) -> None:
    # the floor and the inverse variances must neither underflow to zero nor overflow
    low, high = [-1.0, 2.0, 0.5], [3.0, 4.0, 6.0]
    ref = run(low, high, positive=[False])
    out = run([x * size for x in low], [x * size for x in high], positive=[False])
    for name in ("low", "best", "high"):
        assert getattr(out, name)[0] == pytest.approx(getattr(ref, name)[0] * size, rel=1e-9)
    if 1e-100 < size < 1e100:  # tau² itself, a square, is representable
        assert out.tau2[0] == pytest.approx(ref.tau2[0] * size * size, rel=1e-9)


def test_figures_that_are_all_zero_pool_to_exactly_zero() -> None:
    # no size to set an error by: the answer must not invent a width that scaling cannot scale
    out = run([0.0, 0.0, -INF], [0.0, 0.0, INF], [0.0, NAN, 0.0], positive=[False])
    assert (out.low[0], out.best[0], out.high[0]) == (0.0, 0.0, 0.0)
    assert out.closed_left[0] and out.closed_right[0]


def test_negative_figures_get_the_default_error_like_positive_ones() -> None:
    pos = run([-INF, -INF], [INF, INF], [1000.0, 1100.0], positive=[False])
    neg = run([-INF, -INF], [INF, INF], [-1000.0, -1100.0], positive=[False])
    assert neg.best[0] == pytest.approx(-pos.best[0])
    assert neg.low[0] == pytest.approx(-pos.high[0])
    assert neg.high[0] == pytest.approx(-pos.low[0])


def test_forcing_the_log_scale_checks_every_stated_side() -> None:
    # a best above zero with a low below it: no log of the range exists
    with pytest.raises(ReconcileError, match="above zero"):
        run([-5.0, 1.0], [5.0, 2.0], [1.0, 1.5], positive=[False], scale="log")


def test_an_interval_past_the_largest_float_is_unbounded_with_a_note() -> None:
    out = run([1e300, 1e306], [1e302, 1.7e308])
    assert out.high[0] == INF
    assert not out.closed_right[0]
    assert np.isfinite(out.low[0])
    assert out.note[0] is not None
    assert "largest number" in out.note[0]


def test_a_row_without_weight_does_not_count() -> None:
    out = run([9000.0, 19000.0], [11000.0, 21000.0], weight=[1.0, 0.0])
    assert (out.low[0], out.high[0]) == (9000.0, 11000.0)
    assert out.k[0] == 1


def test_a_row_without_weight_sets_no_scale() -> None:
    # an unused figure 1e300 times larger than the used ones must neither overflow nor matter
    kept_low, kept_high = [1e-300, 2e-300], [3e-300, 4e-300]
    alone = run(kept_low, kept_high, positive=[False])
    beside = run([5.0, *kept_low], [5.0, *kept_high], weight=[0.0, 1.0, 1.0], positive=[False])
    for name in ("low", "best", "high"):
        assert getattr(beside, name)[0] == getattr(alone, name)[0]


# -- laws, on random evidence -----------------------------------------------------------------

figure = st.floats(1.0, 1e6)
magnitude = st.sampled_from([1e-3, 1.0, 1e3, 1e-150, 1e150])


@st.composite
def rows(draw: st.DrawFn) -> list[tuple[str, float, float, float]]:
    """(quantity, low, high, best) rows: ranges, bare figures, one-sided and exact figures."""
    out = []
    # one magnitude per example, tiny to huge: the arithmetic must not overflow or underflow
    size = draw(magnitude)
    for _ in range(draw(st.integers(1, 12))):
        q = draw(st.sampled_from(["a", "b", "c"]))
        sign = draw(st.sampled_from([1.0, 1.0, -1.0]))
        x, y = sorted((draw(figure) * size * sign, draw(figure) * size))
        form = draw(st.sampled_from(["range", "best", "more", "less", "exact", "none", "zero"]))
        low, high, best = {
            "range": (x, y, NAN),
            "best": (NAN, NAN, x),
            "more": (x, NAN, NAN),
            "less": (NAN, y, NAN),
            "exact": (x, x, x),
            "none": (NAN, NAN, NAN),
            "zero": (0.0, 0.0, 0.0),
        }[form]
        out.append((q, low, high, best))
    return out


def pooled_of(data: list[tuple[str, float, float, float]], scale: float = 1.0) -> Any:
    from estimates.reconciliation.methods import Evidence, get_method

    ev = Evidence.from_rows(
        quantity=[r[0] for r in data],
        low=[r[1] * scale for r in data],
        high=[r[2] * scale for r in data],
        best=[r[3] * scale for r in data],
    )
    return ev, get_method("pooled_mean")(ev, {})


@given(rows(), st.floats(0.001, 1000.0))
def test_scaling_every_figure_scales_the_answer(
    data: list[tuple[str, float, float, float]], c: float
) -> None:
    _, a = pooled_of(data)
    _, b = pooled_of(data, c)
    for name in ("low", "best", "high"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name) * c, rtol=1e-6)
    assert a.note == b.note or all(
        (x is None) == (y is None) for x, y in zip(a.note, b.note, strict=True)
    )


@given(rows(), st.randoms())
def test_row_order_never_changes_the_answer(
    data: list[tuple[str, float, float, float]], rnd: Any
) -> None:
    _, a = pooled_of(data)
    shuffled = list(data)
    rnd.shuffle(shuffled)
    _, b = pooled_of(shuffled)
    for name in ("low", "best", "high"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=1e-9)


@given(rows())
def test_answers_are_ordered_and_never_a_silent_nan(
    data: list[tuple[str, float, float, float]],
) -> None:
    ev, out = pooled_of(data)
    for i in range(len(ev.quantities)):
        lo, best, hi = out.low[i], out.best[i], out.high[i]
        assert not (np.isnan(lo) or np.isnan(hi))
        assert lo <= hi
        if np.isnan(best):
            assert out.note[i] is not None
        else:
            assert lo <= best <= hi
