"""Figures and ranges in words: one way to write them, the same on every face."""

from __future__ import annotations

import contextlib
import io
import re
from decimal import Decimal
from html import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

import estimates as est
from estimates import datasets
from estimates.faces.cli import main
from estimates.values import units as _units
from estimates.values._html import range_html, reconciliation_html
from estimates.values.ranges import Range
from estimates.values.words import (
    END_WORDS,
    FULL_BELOW,
    MINUS,
    NOUNS,
    SIGNIFICANT_DIGITS,
    SMALL_BELOW,
    claims_step,
    number,
    range_words,
    step_of,
    unit_words,
)

#: How a person writes a number in full: separators, a real minus, no exponent, no trailing 0.
WRITTEN = re.compile(r"^−?(0|[1-9]\d{0,2}(,\d{3})*)(\.\d*[1-9])?$")
#: An exponent as a program prints it.
EXPONENT = re.compile(r"\de[+-]?\d", re.IGNORECASE)

magnitudes = st.floats(min_value=SMALL_BELOW, max_value=FULL_BELOW, exclude_max=True)
figures = st.builds(lambda m, neg: -m if neg else m, magnitudes, st.booleans())
step_values = st.none() | st.integers(-4, 12).map(lambda k: 10.0**k)
roundings = st.sampled_from(["nearest", "down", "up"])


def value_of(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace(MINUS, "-"))


@given(figures, step_values, roundings)
def test_a_figure_a_person_writes_in_full_has_no_exponent(
    x: float, step: float | None, rounding: str
) -> None:
    text = number(x, step=step, rounding=rounding)  # type: ignore[arg-type]
    assert WRITTEN.match(text), text
    assert not EXPONENT.search(text)


@given(figures, step_values)
def test_rounding_stays_within_the_place_and_ends_round_outward(
    x: float, step: float | None
) -> None:
    exact = Decimal(repr(x))
    near = value_of(number(x, step=step))
    down = value_of(number(x, step=step, rounding="down"))
    up = value_of(number(x, step=step, rounding="up"))
    assert down <= exact * (1 + Decimal("1e-9") * (1 if exact > 0 else -1)) + Decimal("1e-12")
    assert up >= exact * (1 - Decimal("1e-9") * (1 if exact > 0 else -1)) - Decimal("1e-12")
    # the place is never coarser than the third significant digit
    place = Decimal(10) ** (len(str(int(abs(x)))) - SIGNIFICANT_DIGITS if abs(x) >= 1 else 0)
    assert abs(near - exact) <= place / 2 + abs(exact) * Decimal("1e-9")


@given(st.integers(-(10**14), 10**14))
def test_a_whole_figure_is_written_in_full(n: int) -> None:
    assert value_of(number(float(n))) == n


@pytest.mark.parametrize(
    ("x", "step", "written"),
    [
        (13324.71, None, "13,325"),
        (13324.71, 1000.0, "13,300"),
        (13324.71, 0.1, "13,324.7"),
        (979.5, None, "980"),
        (0.123456, None, "0.123"),
        (2.50, None, "2.5"),
        (-5000.0, None, "−5,000"),
        (1_500_000.0, 100_000.0, "1,500,000"),
    ],
)
def test_the_precision_rule(x: float, step: float | None, written: str) -> None:
    assert number(x, step=step) == written


@given(
    st.one_of(
        st.floats(min_value=FULL_BELOW, max_value=1e300),
        st.floats(min_value=1e-300, max_value=SMALL_BELOW, exclude_max=True),
    ),
    st.booleans(),
)
def test_huge_and_tiny_magnitudes_use_a_power_of_ten(x: float, negative: bool) -> None:
    text = number(-x if negative else x)
    assert re.fullmatch(r"−?\d(\.\d{1,2})? × 10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", text), text


def test_the_issue_s_figures_read_as_a_person_writes_them() -> None:
    # issue 14 item 17: "about 1.332e+04" and "5,777–1.36e+04"
    computed = 13324.713842  # a weighted median, say: its decimals say nothing of precision
    assert range_words(5777, computed, 13600.4, step=step_of([5777, 13600])) == (
        "13,325 (5,777–13,601)"
    )
    assert range_words(None, computed, None) == "about 13,325"
    assert range_words(12_000, computed, 15_000) == "13,300 (12,000–15,000)"


@given(
    st.floats(-1e9, 1e9),
    st.floats(0, 1e9).filter(lambda w: w > 0),
    st.sampled_from(["both", "left", "right", "neither"]),
    step_values,
)
def test_the_written_range_contains_the_range(
    low: float, width: float, closed: str, step: float | None
) -> None:
    high = low + width
    if high == low or any(0 < abs(x) < SMALL_BELOW for x in (low, high)):
        return  # one value is written to the nearest; tiny ends as powers of ten
    text = range_words(low, None, high, closed, step=step)
    found = [value_of(n) for n in re.findall(r"−?[\d,]+(?:\.\d+)?", text)]
    assert not EXPONENT.search(text)
    assert found[0] <= Decimal(repr(low)) + abs(Decimal(repr(low))) * Decimal("1e-9")
    assert found[-1] >= Decimal(repr(high)) - abs(Decimal(repr(high))) * Decimal("1e-9")


def test_open_and_closed_ends_come_from_one_table() -> None:
    assert str(Range.at_least(5)).startswith(END_WORDS[("low", True)])
    assert str(Range.more_than(5)).startswith(END_WORDS[("low", False)])
    assert str(Range.at_most(5)).startswith(END_WORDS[("high", True)])
    assert str(Range(high=5, closed="neither")).startswith(END_WORDS[("high", False)])
    # measures are not counted: "less than", not "fewer than"
    assert str(Range(high=5, closed="neither", unit="km")) == "less than 5 km"
    assert str(Range.fewer_than(10, unit="person")) == "fewer than 10 people"


def test_every_built_in_count_unit_has_its_nouns() -> None:
    _units.registry()
    for name in ("person", "container", "shell", "missile", "vehicle", "artillery_system"):
        assert _units.is_count(name)
        assert name in NOUNS
    assert unit_words("person", plural=False) == "person"
    assert str(Range.exactly(1, unit="person")) == "1 person"
    assert str(Range.exactly(2, unit="soldiers")) == "2 people"


@given(st.from_type(Range))
def test_str_html_and_words_write_a_range_alike(r: Range) -> None:
    words = range_words(r.low, r.best, r.high, r.closed, r.unit)
    assert str(r) == words
    assert f"<strong>{escape(words)}</strong>" in range_html(r)
    assert not EXPONENT.search(words)


@pytest.mark.parametrize("method", ["robust", "pooled", "envelope"])
def test_every_face_writes_a_reconciled_answer_alike(
    method: str, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    q, known_on = "dprk_troops_in_russia", "2025-01-15"
    r = est.reconcile(datasets.dprk(), q, known_on=known_on, method=method)
    v = r.value
    assert v is not None
    words = range_words(v.low, v.best, v.high, v.closed, v.unit, step=claims_step(r.claims))
    assert f": {words}, from " in r.explain().split("\n")[0]
    assert escape(words) in reconciliation_html(r)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["reconcile", datasets.dprk_path(), "--quantity", q, "--known-on", known_on,
             "--method", method, "--format", "table"]
        )  # fmt: skip
    assert code == 0
    table_row = next(line for line in out.getvalue().splitlines() if line.startswith(q))
    assert words in table_row


def test_no_explanation_prints_an_exponent() -> None:
    led = datasets.dprk()
    for method in ("robust", "pooled", "consensus", "envelope", "latest"):
        for q in led.quantities:
            text = est.reconcile(led, q, method=method, sources=datasets.dprk_sources()).explain()
            assert not EXPONENT.search(text), text
            assert not re.search(r"\d\.\d{4,}", text), text  # no spurious decimals
