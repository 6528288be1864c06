"""Reading figures: every construction of the issue, under the three built-in conventions."""

from __future__ import annotations

import pickle

import pytest

from estimates.errors import (
    DimensionError,
    InvalidValueError,
    ParseError,
    UnitError,
    UnknownMethodError,
)
from estimates.reading.parsing import Figure, find_figures, format, parse, parse_figure
from estimates.values.ranges import Range

INF = None  # an unbounded side


def _triple(r: Range) -> tuple[float | None, float | None, float | None, str]:
    return r.low, r.best, r.high, r.closed


# -- literal: what the words strictly say -------------------------------------------------------

LITERAL = [
    # numerals
    ("1,500", (1500, 1500, 1500, "both"), None),
    ("1 500", (1500, 1500, 1500, "both"), None),
    ("1.5", (1.5, 1.5, 1.5, "both"), None),
    ("12k", (12000, 12000, 12000, "both"), None),
    ("10K", (10000, 10000, 10000, "both"), None),
    ("1.5 million", (1.5e6, 1.5e6, 1.5e6, "both"), None),
    ("2.3bn", (2.3e9, 2.3e9, 2.3e9, "both"), None),
    ("$3 billion", (3e9, 3e9, 3e9, "both"), "USD"),
    ("40%", (40, 40, 40, "both"), "percent"),
    ("40 percent", (40, 40, 40, "both"), "percent"),
    ("40 per cent", (40, 40, 40, "both"), "percent"),
    ("€10M", (1e7, 1e7, 1e7, "both"), "EUR"),
    ("£2,000", (2000, 2000, 2000, "both"), "GBP"),
    ("US$4.7 billion", (4.7e9, 4.7e9, 4.7e9, "both"), "USD"),
    ("-504", (-504, -504, -504, "both"), None),
    ("minus 1,200,000", (-1.2e6, -1.2e6, -1.2e6, "both"), None),
    ("2 1/2", (2.5, 2.5, 2.5, "both"), None),
    ("3/4", (0.75, 0.75, 0.75, "both"), None),
    # number words
    ("six", (6, 6, 6, "both"), None),
    ("twelve thousand", (12000, 12000, 12000, "both"), None),
    ("one and a half million", (1.5e6, 1.5e6, 1.5e6, "both"), None),
    ("a dozen", (12, 12, 12, "both"), None),
    ("two dozen", (24, 24, 24, "both"), None),
    ("a couple", (2, 2, 2, "both"), None),
    ("a couple thousand", (2000, 2000, 2000, "both"), None),
    ("half", (0.5, 0.5, 0.5, "both"), None),
    ("a hundred and two", (102, 102, 102, "both"), None),
    ("twenty-one thousand eleven", (21011, 21011, 21011, "both"), None),
    ("two point two million", (2.2e6, 2.2e6, 2.2e6, "both"), None),
    ("negative five hundred and four", (-504, -504, -504, "both"), None),
    # approximators: a best value, no bounds
    ("about 12,000", (INF, 12000, INF, "neither"), None),
    ("around 12,000 soldiers", (INF, 12000, INF, "neither"), "person"),
    ("approximately 11,000", (INF, 11000, INF, "neither"), None),
    ("roughly 500", (INF, 500, INF, "neither"), None),
    ("some 10,000", (INF, 10000, INF, "neither"), None),
    ("an estimated 28,000 containers", (INF, 28000, INF, "neither"), "container"),
    ("~1,500", (INF, 1500, INF, "neither"), None),
    ("c. 1,500", (INF, 1500, INF, "neither"), None),
    ("close to 8,000", (INF, 8000, INF, "neither"), None),
    ("3,000 or so", (INF, 3000, INF, "neither"), None),
    ("nearly 3,000", (INF, INF, 3000, "neither"), None),
    ("almost 11,000", (INF, INF, 11000, "neither"), None),
    # bounds
    ("more than 13,000 containers", (13000, INF, INF, "neither"), "container"),
    ("over 10,000", (10000, INF, INF, "neither"), None),
    ("upwards of 12,000", (12000, INF, INF, "neither"), None),
    ("in excess of 5,000", (5000, INF, INF, "neither"), None),
    ("exceeding 2", (2, INF, INF, "neither"), None),
    ("at least 3,000", (3000, INF, INF, "left"), None),
    ("no fewer than 100", (100, INF, INF, "left"), None),
    ("no less than 100", (100, INF, INF, "left"), None),
    ("3,000 or more", (3000, INF, INF, "left"), None),
    ("10,000+", (10000, INF, INF, "left"), None),
    ("up to 6,000", (INF, INF, 6000, "right"), None),
    ("as many as 8,000", (INF, INF, 8000, "right"), None),
    ("at most 7", (INF, INF, 7, "right"), None),
    ("no more than 6", (INF, INF, 6, "right"), None),
    ("fewer than 100", (INF, INF, 100, "neither"), None),
    ("less than 7", (INF, INF, 7, "neither"), None),
    ("under 3.5", (INF, INF, 3.5, "neither"), None),
    ("below 6.0", (INF, INF, 6.0, "neither"), None),
    # an upper bound on a count starts at zero
    ("up to 6,000 soldiers", (0, INF, 6000, "both"), "person"),
    ("fewer than 100 troops", (0, INF, 100, "left"), "person"),
    # ranges
    ("between 2,000 and 12,000", (2000, INF, 12000, "both"), None),
    ("between 20 and 30", (20, INF, 30, "both"), None),
    ("from 10 to 20 dollars", (10, INF, 20, "both"), "USD"),
    ("30,000 to 40,000", (30000, INF, 40000, "both"), None),
    ("1,000-3,000", (1000, INF, 3000, "both"), None),
    ("1,000–3,000", (1000, INF, 3000, "both"), None),
    ("5k-20k", (5000, INF, 20000, "both"), None),
    ("5-20k", (5000, INF, 20000, "both"), None),
    ("2 to 3 million", (2e6, INF, 3e6, "both"), None),
    ("11 to 12,000", (11000, INF, 12000, "both"), None),
    ("two or three", (2, INF, 3, "both"), None),
    ("44 mg to 50 mg", (44, INF, 50, "both"), "milligram"),
    # vague quantities: at least what the word requires
    ("a few", (2, INF, INF, "left"), None),
    ("several", (3, INF, INF, "left"), None),
    ("dozens", (24, INF, INF, "left"), None),
    ("scores", (40, INF, INF, "left"), None),
    ("hundreds", (200, INF, INF, "left"), None),
    ("several hundred", (300, INF, INF, "left"), None),
    ("thousands", (2000, INF, INF, "left"), None),
    ("tens of thousands", (20000, INF, INF, "left"), None),
    ("hundreds of thousands", (200000, INF, INF, "left"), None),
]


@pytest.mark.parametrize(("text", "expected", "unit"), LITERAL)
def test_literal_reading(
    text: str, expected: tuple[float | None, float | None, float | None, str], unit: str | None
) -> None:
    r = parse(text, convention="literal")
    assert _triple(r) == expected
    assert r.unit == unit
    assert r.convention == "literal"


# -- ferson: implied precision --------------------------------------------------------------


FERSON = [
    ("1,500", (1450, 1500, 1550, "both")),  # u = 100: N ± u/2
    ("12,000", (11500, 12000, 12500, "both")),
    ("10,000", (5000, 10000, 15000, "both")),
    ("1.5", (1.45, 1.5, 1.55, "both")),
    ("1.5 million", (1.45e6, 1.5e6, 1.55e6, "both")),
    ("six", (6, 6, 6, "both")),  # a whole number to its units digit is exact
    ("1,537", (1537, 1537, 1537, "both")),
    ("about 12,000", (10000, 12000, 14000, "both")),  # N ± 2u
    ("about 10,000", (5000, 10000, 15000, "both")),  # capped at N/2
    ("around 12,000", (9000, 12000, 15000, "both")),  # N ± 10u, capped at N/4
    ("around 1,500", (1125, 1500, 1875, "both")),
    ("around 10,000", (5000, 10000, 15000, "both")),  # cap never narrower than bare
    ("nearly 3,000", (2500, INF, 3000, "both")),  # [N - u/2, N]
    ("more than 13,000", (13000, INF, 13500, "right")),  # (N, N + u/2]
    ("at least 13,000", (13000, INF, INF, "left")),
    ("up to 6,000", (INF, INF, 6000, "right")),
    ("fewer than 100", (50, INF, 100, "left")),
    ("on the order of 1,000", (500, 1000, 5000, "both")),  # [N/2, 5N]
    ("exactly 1,500", (1500, 1500, 1500, "both")),
    ("between 2,000 and 12,000", (2000, INF, 12000, "both")),
    ("dozens", (24, 36, 100, "left")),
    ("tens of thousands", (20000, 30000, 100000, "left")),
    ("several hundred", (300, 500, 900, "both")),
]


@pytest.mark.parametrize(("text", "expected"), FERSON)
def test_ferson_reading(
    text: str, expected: tuple[float | None, float | None, float | None, str]
) -> None:
    r = parse(text)
    assert _triple(r) == pytest.approx(expected)
    assert r.closed == expected[3]
    assert r.convention == "ferson"


ACLED = [
    ("dozens", 12),
    ("hundreds", 100),
    ("tens of thousands", 10000),
    ("more than 1,000", 1000),
    ("about 12,000", 12000),
    ("1,000-3,000", 1000),
    ("several", 3),
]


@pytest.mark.parametrize(("text", "value"), ACLED)
def test_acled_gives_one_conservative_number(text: str, value: float) -> None:
    r = parse(text, convention="acled")
    assert (r.low, r.best, r.high) == (value, value, value)


def test_reading_again_under_another_convention_is_one_call() -> None:
    text = "more than 1,000"
    assert parse(text, convention="literal") != parse(text)
    assert parse(text, convention="literal").high is None
    assert parse(text).high == 1500


# -- nouns and units -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "noun"),
    [
        ("1,500 special forces already stationed", "person", "special forces"),
        ("12,000 troops", "person", "troops"),
        ("500 officers", "person", "officers"),
        ("six officers killed", "person", "officers"),
        ("10,000 people", "person", "people"),
        ("13,000 containers", "container", "containers"),
        ("1 million rounds", "shell", "rounds"),
        ("6 million 152mm shells", "shell", "shells"),
        ("24 North Korean ballistic missiles", "missile", "ballistic missiles"),
        ("3 km", "kilometer", "km"),
        ("four brigades of 12,000 soldiers", None, "brigades"),
        ("100 heavy artillery units", None, "heavy artillery units"),
        ("hundreds of troops", "person", "troops"),
    ],
)
def test_counted_noun_decides_the_unit_or_is_kept(
    text: str, unit: str | None, noun: str | None
) -> None:
    f = parse_figure(text)
    assert f.range.unit == unit
    assert f.noun == noun


def test_function_words_are_not_units() -> None:
    # pint reads "are" as 100 m² and "in" as an inch; after a figure they are plain words.
    assert parse("10,000 are being trained").unit is None
    assert parse("8,000 in Kursk").unit is None


def test_unit_argument_applies_when_the_text_names_none() -> None:
    assert parse("about 12,000", unit="soldiers").unit == "person"
    assert parse("3 km", unit="m").high == pytest.approx(3000)
    assert parse("2.5 km", unit="m").high == pytest.approx(2550)
    with pytest.raises(DimensionError):
        parse("3 km", unit="person")
    with pytest.raises(UnitError):
        parse("3", unit="parsec_of_goats")


OIL_BARREL_LITRES = 42 * 3.785411784  # 42 US gallons (NIST SP 811, B.8); pint's barrel is 31.5


@pytest.mark.parametrize(
    "text", ["1.5 million barrels a day", "1,500,000 bbl/d", "1.5 mn bpd", "1.5 mb/d"]
)
@pytest.mark.parametrize(
    "unit", ["barrel/day", "barrel / day", "bbl/d", "bpd", "barrels per day", "b/d"]
)
def test_a_barrel_in_the_unit_argument_is_the_oil_barrel_of_the_text(text: str, unit: str) -> None:
    # pint alone reads "barrel/day" as 31.5-gallon barrels: the figure would grow by 42/31.5
    r = parse(text, unit=unit, convention="literal")
    assert (r.best, r.unit) == (1.5e6, "oil_barrel / day")


def test_an_oil_barrel_is_42_us_gallons() -> None:
    r = parse("100 barrels", unit="liter", convention="literal")
    assert r.best == pytest.approx(100 * OIL_BARREL_LITRES)
    assert parse("2 bbl", unit="gallon", convention="literal").best == pytest.approx(84)


def test_the_unit_argument_is_read_with_the_words_of_the_text() -> None:
    assert parse("40", unit="pct").unit == "percent"  # pint: a picocarat
    assert parse("5 tons", unit="tons", convention="literal").best == 5.0  # both metric
    assert parse("700", unit="barrels a day").unit == "oil_barrel / day"  # pint: barrel·day·year
    with pytest.raises(UnitError, match="carries a multiplier"):
        parse("3", unit="mb/d")  # a million barrels a day is a figure, not a unit


# -- figure details ----------------------------------------------------------------------


def test_figure_carries_span_operator_and_ambiguity() -> None:
    text = "Seoul said 1,500 special forces were moved"
    f = parse_figure(text)
    assert isinstance(f, Figure)
    assert text[f.span[0] : f.span[1]] == f.text == "1,500 special forces"
    assert f.operator == "bare"
    assert any("1.500" in a for a in f.ambiguities)


def test_thousands_carry_is_reported_as_an_ambiguity() -> None:
    f = parse_figure("11 to 12,000")
    assert any("carry" in a for a in f.ambiguities)
    assert parse_figure("2 to 3 million").ambiguities == ()


def test_dot_with_three_decimals_is_reported() -> None:
    f = parse_figure("1.500")
    assert f.range.best == 1.5
    assert any("1500" in a for a in f.ambiguities)


def test_a_downward_range_is_read_upward_and_reported() -> None:
    f = parse_figure("12,000 to 10,000", convention="literal")
    assert (f.range.low, f.range.high) == (10000, 12000)
    assert any("downward" in a for a in f.ambiguities)


def test_plain_numbers_have_no_ambiguity() -> None:
    assert parse_figure("1500 troops").ambiguities == ()


def test_tail_overrides_an_approximator() -> None:
    f = parse_figure("some 3,000 or more", convention="literal")
    assert f.operator == "at_least"
    assert (f.range.low, f.range.high) == (3000, None)


def test_find_figures_reads_running_text() -> None:
    text = (
        "Nearly 3,000 were sent in a second batch of about 1,500, and thousands more will follow."
    )
    figures = find_figures(text)
    assert [f.text for f in figures] == ["Nearly 3,000", "about 1,500", "thousands"]
    assert [f.operator for f in figures] == ["nearly", "about", "vague:thousands"]
    assert find_figures("no numbers here") == ()


def test_model_designations_are_not_figures() -> None:
    assert [f.text for f in find_figures("over 100 KN-23 and KN-24 missiles")] == ["over 100"]
    assert [f.text for f in find_figures("F-16 jets, 12 of them")] == ["12"]
    assert [f.text for f in find_figures("a 5-10 km zone")] == ["5-10 km"]


def test_figure_is_frozen() -> None:
    f = parse_figure("12,000")
    with pytest.raises(ValueError, match="frozen"):
        f.noun = "x"  # type: ignore[misc]


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "lots of troops", "many", "the war"])
def test_text_without_a_figure_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.text == text
    assert info.value.span == (0, len(text))
    assert isinstance(info.value, ValueError)


def test_broken_between_names_its_span() -> None:
    text = "reports say between 5 and"
    with pytest.raises(ParseError, match="between") as info:
        parse(text)
    start, end = info.value.span  # type: ignore[misc]
    assert text[start:end] == "between 5 and"


def test_a_negative_count_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="negative"):
        parse("-5 soldiers")


@pytest.mark.parametrize(
    "text", ["1" + "0" * 400, "1" + ",000" * 150, "1" + ".000" * 150, "1" + ".000" * 150 + ",5"]
)
def test_a_number_too_large_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError, match="too large"):
        parse(text)


def test_non_text_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="expected text"):
        parse(12)  # type: ignore[arg-type]


def test_unknown_convention_names_the_known_ones() -> None:
    with pytest.raises(UnknownMethodError) as info:
        parse("12", convention="vibes")
    assert "ferson" in info.value.known


def test_parse_error_pickles() -> None:
    with pytest.raises(ParseError) as info:
        parse("nothing")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.span == info.value.span


# -- format --------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", ["ferson", "literal", "acled"])
@pytest.mark.parametrize(
    "text",
    [
        "1,500 soldiers",
        "about 12,000",
        "around 12,000 troops",
        "nearly 3,000",
        "more than 13,000 containers",
        "at least 10,000",
        "up to 8,000 people",
        "fewer than 100",
        "between 2,000 and 12,000",
        "exactly 6",
        "below 6.0",
        "$3 billion",
        "40%",
        "on the order of 1,000",
        # rates: a unit per a unit of time, written in words ("per year", not "/a")
        "$3 billion a year",
        "1.5 million barrels a day",
        "more than 40 refugees per day",
        "5 km per year",
        "about 3 tonnes a year",
    ],
)
def test_format_is_the_inverse_of_parse(text: str, convention: str) -> None:
    r = parse(text, convention=convention)
    assert parse(format(r), convention=convention) == r


def test_format_reads_like_the_source() -> None:
    assert format(parse("more than 13,000 containers", convention="literal")) == (
        "more than 13,000 containers"
    )
    assert format(Range.exactly(1500, unit="person")) == "1,500 people"


def test_format_falls_back_to_str_when_no_phrase_reads_back() -> None:
    r = Range.between(1, 2, best=1.9)
    assert format(r) == str(r)


_FAST_LEADS = ["", "about ", "~", "~ ", "≈", "c. ", "Ca. ", "approx. ", "more than ", "between "]
_FAST_NUMBERS = ["1,500", "12", "2.5k", "$3m", "40%", "5 to 10", "5-10", "2 and 3"]
_FAST_TAILS = [
    "", " soldiers", " Troops", " special forces", " Special Forces", " us dollars",
    " per cent", " km", " L", " M", " brigades", " sent", " training", " Brigades", " of",
    " plus", " or", " more", " thousand", " dozen", " hundred", " heavy troops",
    " special troops", " troops there", " a", " nearly", " x", " mbpd", " kbpd", " mmbbl",
]  # fmt: skip


@pytest.mark.parametrize("tail", _FAST_TAILS)
def test_the_fast_path_gives_the_general_reading(tail: str) -> None:
    from estimates.reading._fast import _fast_reading
    from estimates.reading._grammar import _iter_readings, _Reading

    def without_ends(r: _Reading) -> _Reading:
        # token indices mean nothing to the fast path, which reads no tokens
        return r._replace(
            a=None if r.a is None else r.a._replace(end=0),
            b=None if r.b is None else r.b._replace(end=0),
        )

    for lead in _FAST_LEADS:
        for number in _FAST_NUMBERS:
            text = f"{lead}{number}{tail}"
            fast = _fast_reading(text)
            if fast is None:
                continue
            assert without_ends(fast) == without_ends(next(iter(_iter_readings(text)))), text


@pytest.mark.parametrize(
    "text",
    ["~7,400 soldiers", "c. 404 special forces", "≈ 12k km", "6,600 to 11,300 brigades", "5 L"],
)
def test_the_fast_path_takes_plain_phrases(text: str) -> None:
    from estimates.reading._fast import _fast_reading

    assert _fast_reading(text) is not None


def test_a_unit_column_of_barrels_a_day_keeps_the_figure_of_oil() -> None:
    import pandas as pd

    from estimates.ledger.validation import validate_claims

    table = pd.DataFrame(
        {
            "quantity": ["oil output"],
            "source": ["ministry"],
            "text": ["1.5 million barrels a day"],
            "unit": ["barrel/day"],
            "as_of": ["2024-01-01"],
        }
    )
    out, bad = validate_claims(table, where="test", convention="literal")
    assert bad == []
    assert (out["best"][0], out["unit"][0]) == (1.5e6, "oil_barrel / day")


def test_a_range_read_from_text_shares_a_read_only_fields_set() -> None:
    """Ranges the reader builds share one fields set (all six fields, as validation sets them):
    it refuses changes in place, and a copy, a changed copy or an unpickled range has a set of
    its own."""
    import copy

    r, other = parse("about 12,000 soldiers"), parse("5-10 km")
    valid = Range(**r.model_dump())
    assert r.model_fields_set == valid.model_fields_set and repr(r.model_fields_set) == repr(
        set(valid.model_fields_set)
    )
    with pytest.raises(InvalidValueError, match="read-only"):
        r.model_fields_set.add("x")
    with pytest.raises(InvalidValueError, match="read-only"):
        r.model_fields_set |= {"x"}
    changed = r.model_copy(update={"best": 12_001.0})
    assert type(changed.model_fields_set) is set and changed.best == 12_001.0
    assert other.model_fields_set == valid.model_fields_set  # the shared set is untouched
    for again in (copy.deepcopy(r), pickle.loads(pickle.dumps(r))):
        assert again == r and type(again.model_fields_set) is set
        assert again.model_fields_set == valid.model_fields_set
