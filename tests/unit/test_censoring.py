"""Censored sharing (``_censoring.Censored``): a bound or a bare range votes for the figures it
allows, each quantity on its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import estimates as est
from estimates.reconciliation._censoring import Censored


def _two_quantities(tiny: float) -> tuple[Censored, np.ndarray]:
    # quantity 0: figures 10 (weight ``tiny``) and 20, a range 5-15 allowing only 10, a range
    # 5-25 allowing both; quantity 1: figures 1, 2, 3 and a range 1.5-3.5 allowing 2 and 3
    values = np.array([10.0, 20.0, np.inf, np.inf, 1.0, 2.0, 3.0, np.inf])
    figure = np.isfinite(values)
    c = Censored.of(
        values=values, order=np.arange(8), uncensored=figure, censored=~figure,
        low=np.array([10, 20, 5, 5, 1, 2, 3, 1.5]), high=np.array([10, 20, 15, 25, 1, 2, 3, 3.5]),
        seg=np.array([0, 0, 0, 0, 1, 1, 1, 1]), starts=np.array([0, 4]),
    )  # fmt: skip
    return c, np.array([tiny, 1, 1, 1, 1, 1, 1, 1.0])


@pytest.mark.parametrize("tiny", [1.0, 1e-3, 1e-17, 1e-300])
def test_a_quantity_shares_alike_whatever_the_weights_of_another(tiny: float) -> None:
    # the range of quantity 1 gives 2 and 3 half its weight each, however far the weights of
    # quantity 0 span (a running sum over both rounded quantity 0's gifts into quantity 1's)
    c, w = _two_quantities(tiny)
    got = c.weights(w)
    np.testing.assert_allclose(got[4:], [1.0, 1.5, 1.5, 0.0], rtol=1e-12)
    assert (got >= 0).all()
    if tiny >= 1e-3:
        # quantity 0's figures get the weight of its ranges, nothing lost or made (with weights
        # 1e16 times apart within one quantity, rounding loses the smaller gifts: see Censored)
        assert got[:4].sum() == pytest.approx(tiny + 3.0, rel=1e-12)


def test_stale_figures_of_one_quantity_do_not_move_another() -> None:
    # with a half-life of 10 days a figure two years old weighs about 1e-22: quantity a's range
    # that allows only it hands it a weight 1e22 times its own, and quantity b's answer must
    # not change for it
    rows = [
        ("b", np.nan, 10.0, np.nan, "X", "2022-01-01"),
        ("b", 5.0, np.nan, 25.0, "Y", "2022-01-01"),
        ("a", np.nan, 1.0, np.nan, "Z", "2024-01-01"),
        ("a", np.nan, 10.0, np.nan, "P", "2022-01-01"),
        ("a", 5.0, np.nan, 15.0, "R", "2024-01-01"),
    ]
    frame = pd.DataFrame(rows, columns=["quantity", "low", "best", "high", "source", "stated_on"])
    for method in ("robust", "crh", "catd"):
        both = est.reconcile_all(frame, half_life=10, at="2024-01-01", method=method)
        alone = est.reconcile_all(
            frame[frame["quantity"] == "b"], half_life=10, at="2024-01-01", method=method
        )
        got = both.set_index("quantity").loc["b", ["low", "best", "high"]].tolist()
        assert got == alone.set_index("quantity").loc["b", ["low", "best", "high"]].tolist()
