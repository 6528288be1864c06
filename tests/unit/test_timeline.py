"""Timelines: one reconciled row per date; cumulative series never fall."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimates.timeline import isotonic

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


# -- isotonic regression ----------------------------------------------------------------------


def reference_pava(y: list[float], w: list[float]) -> list[float]:
    """The textbook one-pass stack form, for comparison."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for yi, wi in zip(y, w, strict=True):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    out: list[float] = []
    for m, _, n in blocks:
        out += [m] * int(n)
    return out


def test_isotonic_pools_falling_neighbours() -> None:
    assert isotonic([1.0, 3.0, 2.0, 4.0]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert isotonic([3.0, 2.0, 1.0]).tolist() == [2.0, 2.0, 2.0]
    assert isotonic([1.0, 2.0, 3.0]).tolist() == [1.0, 2.0, 3.0]


def test_isotonic_respects_weights() -> None:
    assert isotonic([4.0, 1.0], [3.0, 1.0]).tolist() == [3.25, 3.25]


def test_isotonic_skips_nan_and_handles_empty() -> None:
    out = isotonic([5.0, np.nan, 1.0])
    assert math.isnan(out[1])
    assert out[0] == out[2] == 3.0
    assert isotonic([]).size == 0
    assert np.isnan(isotonic([np.nan, np.nan])).all()


def test_isotonic_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="weights"):
        isotonic([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="equal in length"):
        isotonic([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        isotonic([1.0, np.inf])


values = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=40
)


@given(values, st.data())
def test_isotonic_matches_the_textbook_algorithm(y: list[float], data: st.DataObject) -> None:
    w = data.draw(st.lists(st.floats(0.1, 10.0), min_size=len(y), max_size=len(y)))
    got = isotonic(y, w)
    np.testing.assert_allclose(got, reference_pava(y, w), rtol=1e-9, atol=1e-6)
    assert np.all(np.diff(got) >= -1e-6 * (1 + np.abs(got[:-1])))
    # the weighted total is kept
    assert float(np.dot(got, w)) == pytest.approx(float(np.dot(y, w)), rel=1e-9, abs=1e-3)
