"""Cooke's Classical Model: calibration, information and global weights from resolved questions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from estimates.reconciliation import cooke

PROBS = np.array([0.05, 0.5, 0.95])


def _answers(points: list[list[float]], truths: list[float]) -> cooke.Scores:
    pts = np.array(points, float)
    n = len(points)
    return cooke.scores(
        pts, np.tile(PROBS, (n, 1)), np.zeros(n, np.intp), np.arange(n, dtype=np.intp),
        np.array(truths, float), n_sources=1,
    )  # fmt: skip


def test_truths_in_the_expected_proportions_give_full_calibration() -> None:
    # 20 questions: 1 truth below the 5 % quantile, 9 and 9 on either side of the median, 1 above
    truths = [-1.0] + [0.5] * 9 + [1.5] * 9 + [3.0]
    s = _answers([[0.0, 1.0, 2.0]] * 20, truths)
    assert s.calibration[0] == pytest.approx(1.0)
    assert s.n_questions.tolist() == [20]


def test_calibration_is_the_chi_square_p_value_of_the_relative_information() -> None:
    truths = [3.0, 3.0, 0.5, 1.5, 1.5]  # two of five outside the 90 % range, above it
    s = _answers([[0.0, 1.0, 2.0]] * 5, truths)
    freq = np.array([0, 1, 2, 2]) / 5
    p = np.array([0.05, 0.45, 0.45, 0.05])
    rel = sum(f * np.log(f / q) for f, q in zip(freq, p, strict=True) if f > 0)
    assert s.calibration[0] == pytest.approx(stats.chi2.sf(2 * 5 * rel, 3))
    assert s.calibration[0] < 0.5


def test_narrower_answers_carry_more_information() -> None:
    pts = np.array([[0.0, 5.0, 10.0], [4.0, 5.0, 6.0]])
    s = cooke.scores(pts, np.tile(PROBS, (2, 1)), np.array([0, 1]), np.array([0, 0]),
                     np.array([5.0]), n_sources=2)  # fmt: skip
    assert s.information[1] > s.information[0] > 0


def test_global_weights_are_normalised_and_cut_below_the_cutoff() -> None:
    s = cooke.Scores(np.array([0.5, 0.01, 0.2]), np.array([1.0, 5.0, 2.0]), np.array([4, 4, 4]))
    w = cooke.global_weights(s)
    assert w.sum() == pytest.approx(1.0) and w.tolist() == pytest.approx(
        [0.5, 0.05, 0.4] / np.sum([0.5, 0.05, 0.4])
    )
    cut = cooke.global_weights(s, cutoff=0.1)
    assert cut[1] == 0 and cut.sum() == pytest.approx(1.0)
    assert cooke.global_weights(s, cutoff=0.9).tolist() == [0.0, 0.0, 0.0]


def test_the_mixture_of_one_answer_is_that_answer() -> None:
    q = cooke.mixture_quantiles(
        np.array([[2.0, 5.0, 8.0]]), np.array([PROBS]), np.array([1.0]), np.array([0]),
        np.array([0.0]), np.array([10.0]), PROBS, 1,
    )  # fmt: skip
    assert q[0].tolist() == pytest.approx([2.0, 5.0, 8.0])


def test_optimised_cutoff_drops_a_source_that_only_hurts() -> None:
    rng = np.random.default_rng(1)
    truths = rng.normal(size=12)
    good = np.stack([truths - 1.7, truths + rng.normal(scale=0.3, size=12), truths + 1.7], 1)
    bad = np.stack([truths + 5.0, truths + 5.5, truths + 6.0], 1)  # sharp and always wrong
    pts = np.concatenate([good, bad])
    src = np.r_[np.zeros(12), np.ones(12)].astype(np.intp)
    qs = np.r_[np.arange(12), np.arange(12)].astype(np.intp)
    alpha, w = cooke.optimise_cutoff(pts, np.tile(PROBS, (24, 1)), src, qs, truths, n_sources=2)
    assert w[1] < 1e-9 and w[0] == pytest.approx(1.0) and alpha >= 0
