"""Laws of the predictive pool: calibrated under shared bias, scale-equivariant, robust to copies."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from estimates.reconciliation._pooled import pool_arrays

N_QUESTIONS = 300


def _pool(lo: np.ndarray, hi: np.ndarray, best: np.ndarray, k: int, n_q: int, **options: object):
    return pool_arrays(
        low=lo, high=hi, best=best, weight=np.ones(lo.size), starts=np.arange(n_q) * k,
        positive=np.ones(n_q, bool), options=options,
    )  # fmt: skip


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(2, 8),
    level=st.sampled_from([0.5, 0.8, 0.9]),
    shared=st.floats(0.2, 1.0),
)
def test_coverage_under_shared_bias_is_the_level_within_sampling_error(
    seed: int, k: int, level: float, shared: float
) -> None:
    # Every source sees the truth through one error they all share (the truth is not their
    # mean) plus a small one of its own, and states a 90 % range that is honest for that total
    # error. The pool's range at ``level`` then holds the truth at that rate.
    rng = np.random.default_rng(seed)
    log_t = rng.uniform(2, 10, N_QUESTIONS)
    own = 0.1 * shared
    bias = rng.normal(0, shared, N_QUESTIONS)
    centre = (log_t + bias)[:, None] + rng.normal(0, own, (N_QUESTIONS, k))
    sd = np.sqrt(shared**2 + own**2)
    z = stats.norm.ppf(0.95)
    lo, hi = np.exp(centre - z * sd).ravel(), np.exp(centre + z * sd).ravel()
    out = _pool(lo, hi, np.exp(centre).ravel(), k, N_QUESTIONS, level=level, widen=1.0)
    t = np.exp(log_t)
    coverage = np.mean((out.low <= t) & (t <= out.high))
    se = np.sqrt(level * (1 - level) / N_QUESTIONS)
    assert abs(coverage - level) <= 4 * se + 0.01, (coverage, level)


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.floats(1, 1e6), st.floats(0.01, 2.0), st.floats(0.0, 1.0)),
        min_size=1,
        max_size=6,
    ),
    c=st.sampled_from([1e-3, 0.5, 3.0, 1e4]),
    positive=st.booleans(),
)
def test_scaling_every_figure_scales_the_range(
    data: list[tuple[float, float, float]], c: float, positive: bool
) -> None:
    lo = np.array([a for a, _, _ in data]) * (1.0 if positive else -1.0)
    width = np.array([a * w for a, w, _ in data])
    hi = lo + width
    best = lo + width * np.array([f for _, _, f in data])
    one = _pool(lo, hi, best, len(data), 1)
    scaled = _pool(lo * c, hi * c, best * c, len(data), 1)
    for a, b in ((one.low, scaled.low), (one.best, scaled.best), (one.high, scaled.high)):
        assert np.allclose(a * c, b, rtol=1e-7, atol=0), (a * c, b)


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(10, 1e4), st.floats(0.05, 3.0)), min_size=2, max_size=6),
    copy=st.integers(0, 5),
    share=st.floats(0.001, 0.04),
)
def test_adding_a_copy_of_a_source_moves_the_pool_by_at_most_its_weight_share(
    data: list[tuple[float, float]], copy: int, share: float
) -> None:
    lo = np.array([a for a, _ in data])
    hi = lo * (1 + np.array([w for _, w in data]))
    best = np.sqrt(lo * hi)
    k = lo.size
    i = copy % k
    w_copy = share * k / (1 - share)  # its share of the new total weight is ``share``
    w = np.r_[np.ones(k), w_copy]

    def pool(l_, h_, b_, weight, level):
        return pool_arrays(low=l_, high=h_, best=b_, weight=weight, starts=np.array([0]),
                           positive=np.array([True]), options={"level": level})  # fmt: skip

    new = pool(np.r_[lo, lo[i]], np.r_[hi, hi[i]], np.r_[best, best[i]], w, 0.9)
    # the mixture's CDF moves by at most ``share`` everywhere, so each new quantile lies
    # between the old pool's quantiles ``share`` either side of it
    wider = pool(lo, hi, best, np.ones(k), 0.9 + 2 * share)
    narrower = pool(lo, hi, best, np.ones(k), 0.9 - 2 * share)
    tol = 1e-9
    assert wider.low[0] * (1 - tol) <= new.low[0] <= narrower.low[0] * (1 + tol)
    assert narrower.high[0] * (1 - tol) <= new.high[0] <= wider.high[0] * (1 + tol)
