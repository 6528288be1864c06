"""A figure's precision, defined once (estimates._digits.places), and every reader of it."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from estimates._digits import EDGE, SNAP, places
from estimates.reconciliation._layout import rounding_tolerance
from estimates.reconciliation._pooled import rounding_unit as pooled_unit
from estimates.reconciliation.stages.running import rounding_unit as running_unit
from estimates.values.words import steps

# a stated figure: up to eight significant digits, its last one not zero, at a power of ten
stated = st.tuples(st.integers(1, 99_999_999).filter(lambda d: d % 10 != 0), st.integers(-12, 12))


@given(stated)
def test_a_stated_figure_has_the_place_of_its_last_digit(figure: tuple[int, int]) -> None:
    digits, power = figure
    x = digits * 10.0**power
    assert math.isclose(places([x])[0], 10.0**power, rel_tol=1e-12)
    assert places([-x])[0] == places([x])[0]


@given(stated, st.integers(-200, 200))
def test_the_place_is_the_same_at_any_power_of_ten(figure: tuple[int, int], shift: int) -> None:
    digits, power = figure
    x = float(f"{digits}e{power}")
    moved = float(f"{digits}e{power + shift}")
    assert math.isclose(places([moved])[0], places([x])[0] * 10.0**shift, rel_tol=1e-9)


def test_float_noise_reads_as_the_figure_it_stands_for() -> None:
    assert places([12999.999999999998, 0.30000000000000004, 999.9999999999998]).tolist() == [
        1000.0,
        0.1,
        1000.0,
    ]
    assert places([1.609344 * 1000]).tolist() == [0.001]


def test_no_place_for_zero_missing_infinite_or_edge_figures() -> None:
    got = places([0.0, -0.0, math.nan, math.inf, -math.inf, EDGE * 10, 1 / EDGE / 10, 5e-324])
    assert np.isnan(got).all()


def test_more_digits_than_allowed_have_no_place() -> None:
    assert np.isnan(places([123456789.0], digits=8)).all()
    assert places([12345678.0], digits=8).tolist() == [1.0]
    # without a limit the snap stops at the tenth significant digit
    assert places([1 / 3]).tolist() == [1e-09]


figures = st.one_of(
    stated.map(lambda f: f[0] * 10.0 ** f[1]),
    st.floats(min_value=-1e20, max_value=1e20, allow_nan=False),
    st.sampled_from([0.0, math.inf, -math.inf, math.nan, 1e300, 5e-324]),
)


@given(st.lists(figures, min_size=1, max_size=20))
def test_every_precision_of_the_package_is_read_from_places(xs: list[float]) -> None:
    x = np.array(xs)
    p = places(x)
    told = ~np.isnan(p)
    # the words' step: the place, within the figures written in full and four decimals
    a = np.abs(x)
    shown = told & (a >= 1e-4) & (a < 1e15) & (p >= 1e-4 * (1 - 1e-9))
    np.testing.assert_array_equal(steps(x), np.where(shown, p, np.nan))
    # the pooled method's unit and plurality's tolerance: the place (1 and 0 where none)
    np.testing.assert_array_equal(pooled_unit(x), np.where(told, p, 1.0))
    np.testing.assert_array_equal(rounding_tolerance(x), np.where(told, p / 2, 0.0))
    # a running total's band: the place of a figure of at most eight digits (a zero: 1)
    np.testing.assert_array_equal(running_unit(x), np.where(x == 0, 1.0, places(x, digits=8)))


def _by_the_rule(values: np.ndarray, digits: int | None = None) -> np.ndarray:
    """The rule of the module's docstring, written out: every power of ten from the one above
    the first digit down to the tenth digit, over every figure, the coarsest that snaps."""
    given = np.abs(np.asarray(values, dtype=float))
    out = np.full(given.shape, np.nan)
    usable = np.isfinite(given) & (given >= 1.0 / EDGE) & (given <= EDGE)
    x = given[usable]
    lead = np.floor(np.log10(x))
    lead = np.where(10.0**lead > x, lead - 1, np.where(10.0 ** (lead + 1) <= x, lead + 1, lead))
    found = np.full(x.shape, np.nan)
    for k in range(-1, 10):
        step = 10.0 ** (lead - k)
        scaled = x / step
        whole = np.round(scaled)
        hit = np.isnan(found) & (whole >= 1) & (np.abs(scaled - whole) <= SNAP * scaled)
        found[hit] = step[hit]
    if digits is not None:
        found[found < 10.0 ** (lead - (digits - 1)) * (1 - SNAP)] = np.nan
    out[usable] = found
    return out


# figures next to the powers of ten and to the edge of the whole figures read by division
_EDGES = [10.0**p + d for p in range(-12, 13) for d in (-1.0, 0.0, 1.0)] + [
    99_999_999.0, 99_999_999.5, 1e8 - 1e-7, 1e8, 1e8 + 1, 999_999_999.0, 999.9999999999998,
    12_999.999999999998, 0.30000000000000004, 5e-324, 1e-290, 1e290, 1e300,
]  # fmt: skip
near_edges = st.sampled_from(_EDGES).flatmap(
    lambda e: st.sampled_from(
        [e, np.nextafter(e, np.inf), np.nextafter(e, -np.inf), e * (1 + SNAP)]
    )
)
any_figure = st.one_of(
    figures,
    st.integers(-(10**10), 10**10).map(float),
    near_edges,
    st.floats(allow_nan=True, allow_infinity=True),
)


@given(st.lists(any_figure, min_size=1, max_size=40), st.sampled_from([None, 1, 3, 8, 10]))
def test_places_follows_the_rule_bit_for_bit(xs: list[float], digits: int | None) -> None:
    # whole figures are read by their trailing zeros and the loop runs on the rest only: the
    # places are those of the rule run over every figure, to the last bit
    x = np.array(xs)
    np.testing.assert_array_equal(places(x, digits=digits), _by_the_rule(x, digits))
    np.testing.assert_array_equal(places(-x, digits=digits), _by_the_rule(x, digits))


def test_places_follows_the_rule_on_many_figures() -> None:
    rng = np.random.default_rng(11)
    x = np.concatenate(
        [
            rng.integers(-(2 * 10**8), 2 * 10**8, 200_000).astype(float),
            rng.integers(1, 10**6, 100_000) * 10.0 ** rng.integers(-12, 12, 100_000),
            rng.normal(size=100_000) * 10.0 ** rng.uniform(-300, 300, 100_000),
            np.round(rng.uniform(0, 1e9, 100_000), 3),
            _EDGES,
            [0.0, -0.0, math.nan, math.inf, -math.inf],
        ]
    )
    for digits in (None, 8):
        np.testing.assert_array_equal(places(x, digits=digits), _by_the_rule(x, digits))
