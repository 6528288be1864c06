"""Known on (stages.known): which claims a reconciliation may use, and its ``at``."""

from __future__ import annotations

import numpy as np

from estimates.reconciliation.stages.arrays import FAR, NO_DAY
from estimates.reconciliation.stages.known import known_on

Q = np.array([0, 0, 0, 1])
STATED = np.array([5, 9, NO_DAY, 7])


def test_without_known_on_everything_is_known_as_of_each_quantitys_latest_day() -> None:
    out = known_on(q=Q, stated=STATED, n_quantities=2, known_on=None, at=None)
    assert out.everything and out.rows.tolist() == [0, 1, 2, 3]
    assert out.known_on.tolist() == [9, 7] and out.at.tolist() == [9, 7]
    assert not out.hindsight.any()


def test_a_claim_stated_after_known_on_is_unknown_and_an_undated_one_always_known() -> None:
    out = known_on(q=Q, stated=STATED, n_quantities=2, known_on=6, at=None)
    assert not out.everything and out.rows.tolist() == [0, 2]
    assert out.at.tolist() == [6, 6]  # "at" defaults to known_on
    # a claim stated exactly on known_on is known
    assert known_on(q=Q, stated=STATED, n_quantities=2, known_on=9, at=None).rows.tolist() == [
        0, 1, 2, 3,
    ]  # fmt: skip


def test_known_on_after_at_gives_hindsight() -> None:
    out = known_on(q=Q, stated=STATED, n_quantities=2, known_on=9, at=6)
    assert out.hindsight.tolist() == [True, True]
    out = known_on(q=Q, stated=STATED, n_quantities=2, known_on=None, at=8)
    assert out.hindsight.tolist() == [True, False]  # quantity 1's latest day is 7


def test_no_date_anywhere_reads_at_as_after_every_figure() -> None:
    undated = np.full(2, NO_DAY)
    out = known_on(q=np.zeros(2, np.intp), stated=undated, n_quantities=1, known_on=None, at=None)
    assert out.at.tolist() == [NO_DAY] and out.at_or_far.tolist() == [FAR]
    assert out.rows.tolist() == [0, 1] and not out.hindsight.any()
    # a claim with no day stated is known whatever the cut-off
    out = known_on(q=np.zeros(2, np.intp), stated=undated, n_quantities=1, known_on=5, at=None)
    assert out.everything and out.rows.tolist() == [0, 1] and out.known_on.tolist() == [5]


def test_the_stages_day_is_the_dates_day() -> None:
    from estimates.reconciliation.stages.arrays import DAY
    from estimates.values.dates import DAY_SECONDS

    assert DAY == DAY_SECONDS
