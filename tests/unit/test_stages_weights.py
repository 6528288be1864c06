"""Prior weights (stages.weights): confidence × reliability × recency, and stale figures."""

from __future__ import annotations

import numpy as np

from estimates.reconciliation.stages.arrays import DAY, NO_DAY
from estimates.reconciliation.stages.roles import Role
from estimates.reconciliation.stages.weights import (
    STALE_BELOW,
    confidence,
    recency,
    reliability,
    stale,
)

NAN = np.nan


def test_confidence_is_stated_else_the_hedges_probability_else_one_and_floored() -> None:
    stated = np.array([0.9, NAN, NAN, NAN, 0.0])
    hedge = np.array([0, 0, 1, -1, -1])
    probability = np.array([0.3, NAN])  # the second hedge has no reading on the yardstick
    assert confidence(stated, hedge, probability, floor=0.05).tolist() == [
        0.9, 0.3, 1.0, 1.0, 0.05,
    ]  # fmt: skip
    # no table (no claim needs one): stated confidences only
    assert confidence(stated, hedge, None, floor=0.05).tolist() == [0.9, 1.0, 1.0, 1.0, 0.05]


def test_reliability_is_the_claims_own_grade_else_its_sources_declared_one() -> None:
    own_weight = np.array([1.0, 0.2])  # grades as codes: A, E
    declared_weight = np.array([0.8, 0.6])  # per source: B, none
    got = reliability(np.array([1, -1, -1]), own_weight, np.array([0, 0, 1]), declared_weight)
    assert got.tolist() == [0.2, 0.8, 0.6]


def test_recency_halves_with_each_half_life_and_ignores_missing_dates() -> None:
    at = np.array([30, 30, 30, NO_DAY]) * np.array([DAY, DAY, DAY, 1])
    moment = np.array([30 * DAY, 20 * DAY, NO_DAY, 20 * DAY])
    assert recency(at, moment, 10.0 * DAY).tolist() == [1.0, 0.5, 1.0, 1.0]
    # a figure after "at" ages as much as one before it
    assert recency(np.array([20 * DAY]), np.array([30 * DAY]), 10.0 * DAY).tolist() == [0.5]
    assert recency(at, moment, None).tolist() == [1.0] * 4


def test_a_used_figure_below_a_quarter_recency_is_stale() -> None:
    role = np.array([Role.USED, Role.USED, Role.BOUND, Role.USED], np.int8)
    factor = np.array([STALE_BELOW / 2, STALE_BELOW, STALE_BELOW / 2, 0.9])
    got = stale(role, np.array([0, 1, 2, 3]), factor)
    assert got.tolist() == [Role.STALE, Role.USED, Role.BOUND, Role.USED]
    # two half-lives and a day is stale; two half-lives exactly is not
    ages = recency(np.array([21 * DAY, 20 * DAY]), np.zeros(2, np.int64), 10.0 * DAY)
    assert stale(np.zeros(2, np.int8), np.array([0, 1]), ages).tolist() == [Role.STALE, Role.USED]
