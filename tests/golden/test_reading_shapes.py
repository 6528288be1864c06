"""Shapes of figures as reporting writes them, each read as a careful reader would.

Every row was worked out by hand: the text, then what its words strictly say under the ``literal``
convention (``low``, ``best``, ``high``, ``closed``, ``unit``; ``None`` is "not stated"). Many
rows are figures as they appear in news copy and official statements ("losses exceeded
700,000", "2 mn bpd", "half a million"); the rest are the same shapes in other spellings.
"""

from __future__ import annotations

import warnings

import pytest

from estimates.errors import AmbiguousFigureError, ParseError
from estimates.reading.doubts import AmbiguousFigureWarning
from estimates.reading.parsing import find_figures, parse, parse_figure

N = None
BPD = "oil_barrel / day"

# text -> (low, best, high, closed, unit) under the literal convention
COMPARISONS = {
    ">25": (25, N, N, "neither", N),
    "> 25 soldiers": (25, N, N, "neither", "person"),
    "<= 250": (N, N, 250, "right", N),
    # the low end, as "as many as" is the high one (read as the vague "a few" before: 2-5)
    "as few as 20": (20, N, N, "left", N),
    "as few as 20 and as many as 50 people": (20, N, 50, "both", "person"),
    "as little as $5 million": (5e6, N, N, "left", "USD"),
    "≤ 250": (N, N, 250, "right", N),
    ">= 60": (60, N, N, "left", N),
    "≥60%": (60, N, N, "left", "percent"),
    "< 5 km": (N, N, 5, "neither", "kilometer"),
    "less than or equal to 75": (N, N, 75, "right", N),
    "equal to or more than 60": (60, N, N, "left", N),
    "greater than or equal to 100": (100, N, N, "left", N),
    "equal to or less than 40": (N, N, 40, "right", N),
    "300 or greater": (300, N, N, "left", N),
    "300 or higher": (300, N, N, "left", N),
    "40 or lower": (N, N, 40, "right", N),
    "two hundred and more": (200, N, N, "left", N),
    "losses exceeded 450": (450, N, N, "neither", N),
    "the toll topped 2,000": (2000, N, N, "neither", N),
    "Russian losses surpassed 700,000": (700_000, N, N, "neither", N),
    "fewer than 30 people": (0, N, 30, "left", "person"),
    "smaller than 90": (N, N, 90, "neither", N),
    "no more than 70": (N, N, 70, "right", N),
    "not more than 70": (N, N, 70, "right", N),
    "at least 5": (5, N, N, "left", N),
    "no fewer than 10,000 troops": (10_000, N, N, "left", "person"),
    "as many as 8,000 soldiers": (0, N, 8000, "both", "person"),
    "nearly 11,000 troops": (0, N, 11_000, "left", "person"),
    "approaching 1,000": (N, N, 1000, "neither", N),
    "well over 2,000": (2000, N, N, "neither", N),
    "the top 10": (10, 10, 10, "both", N),  # a rank, not a bound
}
COMPOUNDS = {
    "greater than 40 and smaller than 90": (40, N, 90, "neither", N),
    "more than 40 but less than 90": (40, N, 90, "neither", N),
    "at most 500 and at least 100": (100, N, 500, "both", N),
    "no more than 70 and no less than 30": (30, N, 70, "both", N),
    "at least 100 and fewer than 200 troops": (100, N, 200, "left", "person"),
    "above 5, below 10": (5, N, 10, "neither", N),
    "more than 1,000 but fewer than 5,000 people": (1000, N, 5000, "neither", "person"),
}
RANGES = {
    "30 through 60": (30, N, 60, "both", N),
    "30 thru 60": (30, N, 60, "both", N),
    "5~15": (5, N, 15, "both", N),
    "between minus five and twenty": (-5, N, 20, "both", N),
    "between 2,000 and 12,000 troops": (2000, N, 12_000, "both", "person"),
    "$5-10 billion": (5e9, N, 1e10, "both", "USD"),
    "2 to 3 million": (2e6, N, 3e6, "both", N),
    "between 5 and 10 km": (5, N, 10, "both", "kilometer"),
    "from 10 to 20 per cent": (10, N, 20, "both", "percent"),
    "1.5-2 million barrels a day": (1.5e6, N, 2e6, "both", BPD),
}
NOTATION = {
    "2.4e6": (2.4e6, 2.4e6, 2.4e6, "both", N),
    "3.1E+9": (3.1e9, 3.1e9, 3.1e9, "both", N),
    "2.1x10^6": (2.1e6, 2.1e6, 2.1e6, "both", N),
    "4.5x10^-3": (4.5e-3, 4.5e-3, 4.5e-3, "both", N),
    "1.2 × 10^6 people": (1.2e6, 1.2e6, 1.2e6, "both", "person"),
    "2.5b": (2.5e9, 2.5e9, 2.5e9, "both", N),
    "3mil": (3e6, 3e6, 3e6, "both", N),
    "4 bln": (4e9, 4e9, 4e9, "both", N),
    "2 tln": (2e12, 2e12, 2e12, "both", N),
    "7.5 k": (7500, 7500, 7500, "both", N),
    "- 20 k": (-20_000, -20_000, -20_000, "both", N),
    "3 mn": (3e6, 3e6, 3e6, "both", N),
    "$3m": (3e6, 3e6, 3e6, "both", "USD"),
    "£2.3bn": (2.3e9, 2.3e9, 2.3e9, "both", "GBP"),
    "more than 1.5m people displaced": (1.5e6, N, N, "neither", "person"),
    "100s of troops": (200, N, N, "left", "person"),
    "1000s of refugees": (2000, N, N, "left", "person"),
    "10s of thousands": (20_000, N, N, "left", N),
}
GROUPING = {
    "45,67,890": (4_567_890, 4_567_890, 4_567_890, "both", N),
    "1,00,000 rupees": (100_000, 100_000, 100_000, "both", "INR"),
    "2\u202f345\u202f678.5": (2_345_678.5, 2_345_678.5, 2_345_678.5, "both", N),
    "2 345 678.5": (2_345_678.5, 2_345_678.5, 2_345_678.5, "both", N),
    "1\u00a0500 soldiers": (1500, 1500, 1500, "both", "person"),
    # two or more dots can only group thousands (a decimal point is written once), and a comma
    # after them is the decimal mark
    "1.000.000": (1e6, 1e6, 1e6, "both", N),
    "2.500.000 refugees": (2.5e6, 2.5e6, 2.5e6, "both", "person"),
    "1.234.567,89": (1_234_567.89, 1_234_567.89, 1_234_567.89, "both", N),
    "between 1.000.000 and 1.200.000": (1e6, N, 1.2e6, "both", N),
}
WORDS = {
    "half a million": (5e5, 5e5, 5e5, "both", N),
    "a dozen and a half": (18, 18, 18, "both", N),
    "three quarters of a million": (7.5e5, 7.5e5, 7.5e5, "both", N),
    "a quarter of a million refugees": (2.5e5, 2.5e5, 2.5e5, "both", "person"),
    "2 million and a half": (2.5e6, 2.5e6, 2.5e6, "both", N),
    "two and a half million": (2.5e6, 2.5e6, 2.5e6, "both", N),
    "two over five": (0.4, 0.4, 0.4, "both", N),
    "three eighths": (0.375, 0.375, 0.375, "both", N),
    "7 thousand 2 hundred and 15": (7215, 7215, 7215, "both", N),
    "5 hundred and 40": (540, 540, 540, "both", N),
    "thirty-two thousand five hundred": (32_500, 32_500, 32_500, "both", N),
    "one hundred and five": (105, 105, 105, "both", N),
}
SIGNS = {
    "- 2 1/2": (-2.5, -2.5, -2.5, "both", N),
    "minus 40": (-40, -40, -40, "both", N),
    "−3.5": (-3.5, -3.5, -3.5, "both", N),
    "negative 12": (-12, -12, -12, "both", N),
}
RATES = {
    "1.5 million barrels a day": (1.5e6, 1.5e6, 1.5e6, "both", BPD),
    "2 mn bpd": (2e6, 2e6, 2e6, "both", BPD),
    "1,500,000 bbl/d": (1.5e6, 1.5e6, 1.5e6, "both", BPD),
    "4.5 mb/d": (4.5e6, 4.5e6, 4.5e6, "both", BPD),
    "about 9 million barrels per day": (N, 9e6, N, "neither", BPD),
    "$3 billion a year": (3e9, 3e9, 3e9, "both", "USD / year"),
    "$61 billion per year": (61e9, 61e9, 61e9, "both", "USD / year"),
    "200 troops a day": (200, 200, 200, "both", "person / day"),
    "1,200 shells per day": (1200, 1200, 1200, "both", "shell / day"),
    "300 km/h": (300, 300, 300, "both", "kilometer / hour"),
    "5 million tonnes a year": (5e6, 5e6, 5e6, "both", "metric_ton / year"),
}
UNITS = {
    "5 min": (5, 5, 5, "both", N),  # pint's minute; not in the lexicon, so no unit
    "25 are": (25, 25, 25, "both", N),
    "3 in total": (3, 3, 3, "both", N),
    "12 drones": (12, 12, 12, "both", "drone"),
    "40 km": (40, 40, 40, "both", "kilometer"),
    "80 sq km": (80, 80, 80, "both", "kilometer ** 2"),  # the unit was dropped before
    "12 sq. mi": (12, 12, 12, "both", "mile ** 2"),
    "6 million 152mm shells": (6e6, 6e6, 6e6, "both", "shell"),
    "20 cases": (20, 20, 20, "both", "case"),
}
TABLES = {
    "comparison": COMPARISONS,
    "compound": COMPOUNDS,
    "range": RANGES,
    "notation": NOTATION,
    "grouping": GROUPING,
    "words": WORDS,
    "sign": SIGNS,
    "rate": RATES,
    "unit": UNITS,
}
CASES = [
    pytest.param(text, expected, id=f"{shape}: {text}")
    for shape, table in TABLES.items()
    for text, expected in table.items()
]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_shape_reads_as_a_careful_reader_would(
    text: str, expected: tuple[float | None, float | None, float | None, str, str | None]
) -> None:
    low, best, high, closed, unit = expected
    r = parse(text, convention="literal")
    got = (r.low, r.best, r.high, r.closed, r.unit)
    assert all(_close(x, y) for x, y in zip(got[:3], (low, best, high), strict=True)), got
    assert (r.closed, r.unit) == (closed, unit), got


def test_a_letter_that_is_a_multiplier_and_a_unit_is_said_to_be_ambiguous() -> None:
    with pytest.warns(AmbiguousFigureWarning, match="metre"):
        r = parse("1.5m")
    assert (r.best, r.unit) == (1.5e6, None)  # the convention's choice: the multiplier
    f = parse_figure("1.5m")
    assert [a.unit for a in f.alternatives] == ["meter"]
    assert f.alternatives[0].best == 1.5
    with pytest.raises(AmbiguousFigureError) as info:
        parse("1.5m", strict=True)
    assert isinstance(info.value, ParseError) and info.value.span == (0, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse("1.5m people")  # a counted noun decides: a million
        parse("$1.5m")  # so does a currency
        parse("1,500 troops")  # English grouping is the locale, not a doubt


def test_a_decimal_comma_is_said_to_be_ambiguous() -> None:
    with pytest.warns(AmbiguousFigureWarning, match="list"):
        r = parse("roughly 1,5 million", convention="literal")
    assert r.best == 1.5e6
    with pytest.warns(AmbiguousFigureWarning):
        assert parse("2,7", convention="literal").best == 2.7
    assert [a.best for a in parse_figure("2,7", convention="literal").alternatives] == [2.0]
    with pytest.raises(AmbiguousFigureError):
        parse("2,7", strict=True)


def test_a_modal_verb_makes_a_projection_with_a_floor() -> None:
    f = parse_figure("could exceed 10,000", convention="literal")
    assert (f.range.low, f.range.high, f.range.closed) == (10_000, None, "neither")
    assert f.modal == "could"
    assert parse_figure("exceeded 10,000").modal is None


def test_shapes_are_found_in_running_text_with_their_sides() -> None:
    text = (
        "Losses exceeded 200 on Monday; the toll is approaching 1,000, and several hundred "
        "more are missing. As many as 8,000 troops and nearly 3,000 vehicles were sent."
    )
    got = {f.text: f.operator for f in find_figures(text, convention="literal")}
    assert got == {
        "exceeded 200": "more_than",
        "approaching 1,000": "nearly",
        "several hundred": "vague:several",
        "As many as 8,000 troops": "up_to",
        "nearly 3,000 vehicles": "nearly",
    }
