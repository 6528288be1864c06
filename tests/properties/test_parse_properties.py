"""Laws of reading figures: total on any text, ordered ends, format as the inverse of parse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimates.errors import ParseError
from estimates.reading.parsing import find_figures, format, parse, parse_figure
from estimates.values.ranges import Range

VALID = (
    "1,500 special forces",
    "around 12,000 soldiers",
    "more than 13,000 containers",
    "between 2,000 and 12,000",
    "11 to 12,000",
    "5k-20k",
    "$3 billion",
    "40%",
    "one and a half million",
    "tens of thousands",
    "a third of",
    "up to 6,000",
    "3,000 or more",
    "nearly 3,000",
    "c. 1,500",
    "-504",
    "2 1/2",
)
# These laws are about every string; a figure with two readings warns, which is not a failure here
# (tests/golden/test_reading_shapes.py holds the warnings to what they should say).
pytestmark = pytest.mark.filterwarnings("ignore::estimates.reading.doubts.AmbiguousFigureWarning")
CONVENTIONS = st.sampled_from(["ferson", "literal", "acled"])


def _read(text: str, convention: str) -> Range | ParseError:
    try:
        return parse(text, convention=convention)
    except ParseError as exc:
        return exc


def _check(text: str, convention: str) -> None:
    r = _read(text, convention)
    if isinstance(r, ParseError):
        assert r.text == text
        assert r.span is not None
        start, end = r.span
        assert 0 <= start <= end <= len(text)
        return
    assert isinstance(r, Range)
    if r.low is not None and r.high is not None:
        assert r.low <= r.high
    assert r.convention == convention


@given(st.text(max_size=80), CONVENTIONS)
def test_any_text_reads_to_a_range_or_a_parse_error(text: str, convention: str) -> None:
    _check(text, convention)


@given(st.from_regex(r"[0-9, .\-–]{0,60}", fullmatch=True), CONVENTIONS)
def test_digits_commas_and_dashes_read_or_fail_cleanly(text: str, convention: str) -> None:
    _check(text, convention)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid phrase with characters deleted, inserted or replaced."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["delete", "insert", "replace"]))
        ch = draw(st.sampled_from([*"0123456789,.- kKmM$%~abt", "to", "and", "or"]))
        if how == "delete":
            text = text[:i] + text[i + 1 :]
        elif how == "insert":
            text = text[:i] + ch + text[i:]
        else:
            text = text[:i] + ch + text[i + 1 :]
    return text


@given(mutated(), CONVENTIONS)
def test_mutated_phrases_read_to_a_range_or_a_parse_error(text: str, convention: str) -> None:
    _check(text, convention)


@given(mutated())
def test_find_figures_spans_lie_in_the_text_in_order(text: str) -> None:
    try:
        figures = find_figures(text)
    except ParseError:
        return
    ends = 0
    for f in figures:
        assert ends <= f.span[0] < f.span[1] <= len(text)
        assert text[f.span[0] : f.span[1]] == f.text
        ends = f.span[1]


@given(st.integers(0, 10**12), st.booleans())
def test_a_written_whole_number_reads_to_itself(n: int, grouped: bool) -> None:
    text = f"{n:,}" if grouped else str(n)
    r = parse(text, convention="literal")
    assert (r.low, r.best, r.high) == (n, n, n)
    # under ferson the stated number is the best value and lies inside the range
    f = parse(text)
    assert f.best == n
    assert f.contains(n)


LEADS = st.sampled_from(
    ["", "about ", "around ", "nearly ", "more than ", "at least ", "up to ", "fewer than ",
     "exactly ", "some ", "over ", "as many as ", "on the order of "]
)  # fmt: skip
NOUNS = st.sampled_from(["", " soldiers", " containers", " shells", " missiles", "%", " km"])


@st.composite
def phrases(draw: st.DrawFn) -> str:
    lead = draw(LEADS)
    digits = draw(st.integers(1, 999))
    zeros = draw(st.integers(0, 6))
    n = digits * 10**zeros
    if draw(st.booleans()):
        return f"{lead}{n:,}{draw(NOUNS)}"
    m = n + draw(st.integers(1, 10**6))
    return f"between {n:,} and {m:,}{draw(NOUNS)}"


@given(phrases(), CONVENTIONS)
def test_format_is_the_inverse_of_parse(text: str, convention: str) -> None:
    r = parse(text, convention=convention)
    again = format(r)
    assert parse(again, convention=convention) == r, again


@given(phrases())
def test_the_figure_covers_the_whole_phrase(text: str) -> None:
    f = parse_figure(text)
    assert f.span == (0, len(text))


@given(st.integers(1, 10**9))
def test_bounds_keep_their_side(n: int) -> None:
    assert parse(f"more than {n:,}", convention="literal").low == n
    assert parse(f"at least {n:,}").low == n
    assert parse(f"up to {n:,}").high == n
    assert parse(f"fewer than {n:,}").contains(n) is False


@st.composite
def plain_phrases(draw: st.DrawFn) -> str:
    """Phrases of the shape the fast path reads: [lead] [$]number[multiplier][%] [tail] [noun],
    and ranges; with words and signs around them that it must leave to the general reader."""
    lead = draw(
        st.sampled_from(
            ["", "About ", "some ", "more than ", "up to ", "an estimated ", "~", "> ", ">", "<= ",
             "<=", ">=", "=> ", "=<", "≥ ", "≤", "< ", "at least ", "at most "]
        )
    )  # fmt: skip
    cur = draw(st.sampled_from(["", "$"]))
    n = draw(st.integers(0, 10**9))
    number = draw(st.sampled_from([f"{n:,}", str(n), f"{n / 100:g}"]))
    mult = draw(st.sampled_from(["", "k", "K", "M", "m", "bn", " million", " thousand", "x"]))
    pct = draw(st.sampled_from(["", "%", " percent"]))
    after = draw(
        st.sampled_from(
            ["", "", "", " or more", " or greater", " or so", " or fewer", " or six", " plus",
             "+", " and more", " and under", " or"]
        )
    )  # fmt: skip
    noun = draw(
        st.sampled_from(
            ["", " soldiers", " Troops", " km", " brigades", " six", " percent",
             " per day", " a day"]
        )
    )  # fmt: skip
    if draw(st.booleans()):
        return f"{lead}{cur}{number}{mult}{pct}{after}{noun}"
    tail = pct + noun
    opener = draw(st.sampled_from(["", "between ", "from ", "about ", "up to ", "> ", "<="]))
    conn = draw(st.sampled_from([" to ", " and ", "-", "–", " - ", " through ", " thru "]))
    m = draw(st.integers(0, 10**9))
    second = draw(st.sampled_from([f"{m:,}", str(m), f"{m / 10:g}"]))
    mult2 = draw(st.sampled_from(["", "k", " million", "bn"]))
    cur2 = draw(st.sampled_from(["", "$"]))
    return f"{opener}{cur}{number}{mult}{conn}{cur2}{second}{mult2}{tail}"


# Parts of texts read without the tokenizer's pattern (words and numbers set off by single
# spaces), and parts that must send a text to the pattern: numbers the pattern joins or splits
# otherwise ("1 500", "2.4e6", "12,000", "5k"), other blanks, symbols, letters outside ASCII.
PLAIN_PARTS = st.one_of(
    st.text(alphabet="abcdefkmxzAEKMZ", min_size=1, max_size=6),
    st.integers(0, 10**7).map(str),
    st.sampled_from(["1", "12", "500", "000", "2024"]),
    st.sampled_from(
        ["", "e6", "2.4e6", "12,000", "5k", "k5", "1.5", "-", "$", "%", "É", "\t", "_"]
    ),
)


@settings(max_examples=300)
@given(
    st.lists(PLAIN_PARTS, max_size=10),
    st.lists(st.sampled_from([" ", " ", " ", "", "  ", "\u00a0", "\u2009"]), max_size=10),
)
def test_words_and_numbers_are_tokenized_as_the_pattern_tokenizes_them(
    parts: list[str], blanks: list[str]
) -> None:
    """A text of words and numbers set off by single spaces is tokenized without the pattern,
    to the tokens, words and end the pattern gives; any other text goes to the pattern."""
    from estimates.reading._tokens import _pattern_tokens, _plain_tokens

    blanks += [" "] * (len(parts) - len(blanks))
    text = "".join(part + blank for part, blank in zip(parts, blanks, strict=False))[:-1]
    got = _plain_tokens(text) if text.isascii() else None
    if got is not None:
        assert got == _pattern_tokens(text)


@st.composite
def near_plain_phrases(draw: st.DrawFn) -> str:
    """Plain phrases, part by part, each part perhaps left out and one perhaps run on into
    letters ("5 thousandths", "2 percentage", "3 pluses") or other characters: where an
    optional part could be taken or left ("5 to", "$", "- 6")."""
    slots = (
        ["", "about ", "up to ", "a b c d ", "c. ", "ca. ", "approx. ", "~", "≈ ", ">= ", "<="],
        ["", "$"],
        ["5", "12", "1,500", "2.5", ".5", "12,34", "1,2345"],
        ["", "k", "bn", "M", " thousand", " million", " to"],
        ["", " to 6", " and 7", " through 8", "-9", " - 10", "–$11", " to 2 million"],
        ["", "%", " percent"],
        ["", " or more", " or", " plus", "+"],
        ["", " troops", " special forces", " a", " a b", " a b c"],
    )
    parts = [draw(st.sampled_from(options)) for options in slots]
    k = draw(st.sampled_from([3, 4, 5, 6, *range(len(parts))]))  # most often what may end in a word
    parts[k] += draw(st.sampled_from(["", "s", "ths", "age", "X", " ", "5", "$", ","]))
    return "".join(parts)


@settings(max_examples=500)
@given(near_plain_phrases())
def test_the_plain_pattern_matches_as_it_would_with_backtracking(text: str) -> None:
    """The plain phrase pattern's possessive parts change no match: it matches what the same
    pattern with every part free to give back matches, with the same groups."""
    import re

    from estimates.reading._fast import _FAST_RE

    free = re.compile(_FAST_RE.pattern.replace("++", "+").replace("?+", "?").replace("}+", "}"))
    assert free.pattern.count("+") < _FAST_RE.pattern.count("+")
    got, expected = _FAST_RE.fullmatch(text), free.fullmatch(text)
    assert (got and got.groups()) == (expected and expected.groups())


@given(plain_phrases())
def test_the_fast_path_reads_as_the_general_reader_does(text: str) -> None:
    from estimates.reading._fast import _fast_reading
    from estimates.reading._grammar import _iter_readings

    fast = _fast_reading(text)
    if fast is None:
        return
    slow = next(iter(_iter_readings(text)))

    def _without_ends(r: Any) -> Any:
        return r._replace(
            a=None if r.a is None else r.a._replace(end=0),
            b=None if r.b is None else r.b._replace(end=0),
        )

    assert _without_ends(slow) == _without_ends(fast)


@given(
    plain_phrases(),
    CONVENTIONS,
    st.sampled_from([None, "person", "percent", "USD", "kilometer", "soldiers"]),
)
def test_a_plain_number_goes_straight_to_the_range_the_reading_gives(
    text: str, convention: str, unit: str | None
) -> None:
    """The direct path from a plain phrase to its range builds what the reading would: the same
    object field for field, or nothing (then the reading is taken)."""
    from estimates.errors import EstimatesError
    from estimates.reading._fast import _FAST_RE, _fast_range
    from estimates.reading._grammar import _iter_readings
    from estimates.reading._meaning import _to_range
    from estimates.reading.conventions import get_convention

    m = _FAST_RE.fullmatch(text)
    conv = get_convention(convention)
    direct = None if m is None else _fast_range(m, conv, unit)
    if direct is None:
        return
    try:
        reading = next(iter(_iter_readings(text)))
        expected: Range | str = _to_range(reading, conv, unit, text)
    except EstimatesError as exc:
        expected = repr(exc)
    assert isinstance(expected, Range), (text, expected)
    assert direct.__dict__ == expected.__dict__
    assert [type(v) for v in direct.__dict__.values()] == [
        type(v) for v in expected.__dict__.values()
    ]
    assert direct.model_fields_set == expected.model_fields_set


def _range_number(n: int, form: int) -> str:
    return (f"{n:,}", str(n), f"{n / 100:g}", f"{n / 10:,.1f}", f"0{n}")[form]


# The parts of range_phrases, built once (a strategy built inside a draw is validated anew).
_RANGE_OPENERS = st.sampled_from(
    ["", "", "between ", "Between ", "from ", "From ", "about ", "around ", "~", "some ", "up to ",
     "more than ", "at least ", "nearly ", "exactly ", "> ", "<=", "≥ "]
)  # fmt: skip
_RANGE_NUMBERS = st.builds(
    _range_number,
    st.one_of(  # any size, and round figures as news copy writes them ("11 to 12,000")
        st.integers(0, 10**12),
        st.builds(lambda m, e: m * 10**e, st.integers(0, 999), st.integers(0, 9)),
    ),
    st.integers(0, 4),
)
_RANGE_MULTIPLIERS = st.sampled_from(
    ["", "", "k", "K", "M", "m", "b", "B", "bn", "mn", "t", " thousand", " million", " billion",
     " trillion", " hundred", "x"]
)  # fmt: skip
_RANGE_CURRENCIES = st.sampled_from(["", "", "$"])
_RANGE_JOINS = st.sampled_from(
    [" to ", " and ", "-", "–", " - ", " – ", " through ", " thru ", " or ", "~", "—"]
)
_RANGE_ENDS = st.sampled_from(
    ["", "", "%", " percent", " soldiers", " troops", " Troops", " special forces", " people",
     " km", " brigades", " barrels", " per day", " a day", " six", " or more", " kg", " dollars",
     " m", " pct", " of them"]
)  # fmt: skip


@st.composite
def range_phrases(draw: st.DrawFn) -> str:
    """Two numbers as a range ("X to Y", "X-Y", "between X and Y", "from X to Y", ...), each
    with or without a currency and a multiplier in digits or words, then a percent sign or a
    noun; and words around them that the direct path must leave to the grammar."""
    cur = draw(_RANGE_CURRENCIES)
    cur2 = cur if draw(st.booleans()) else draw(_RANGE_CURRENCIES)
    # the first number often bare, so that the second's scale may carry to it ("2 to 3 million")
    first = f"{cur}{draw(_RANGE_NUMBERS)}{draw(_RANGE_MULTIPLIERS) if draw(st.booleans()) else ''}"
    second = f"{cur2}{draw(_RANGE_NUMBERS)}{draw(_RANGE_MULTIPLIERS)}"
    return f"{draw(_RANGE_OPENERS)}{first}{draw(_RANGE_JOINS)}{second}{draw(_RANGE_ENDS)}"


@settings(max_examples=200, deadline=None)
@given(
    range_phrases(),
    CONVENTIONS,
    st.sampled_from([None, "person", "percent", "USD", "kilometer", "soldiers"]),
)
def test_a_range_of_two_numbers_goes_straight_to_the_range_the_grammar_gives(
    text: str, convention: str, unit: str | None
) -> None:
    """The direct path from a range "X to Y" to its Range builds what the full grammar's reading
    of the text gives: the same object field for field, and a reading with nothing more to say
    (no other readings to warn of); or nothing (then the reading is taken)."""
    from estimates.errors import EstimatesError
    from estimates.reading._fast import _FAST_RE, _fast_range
    from estimates.reading._grammar import _iter_readings
    from estimates.reading._meaning import _to_range
    from estimates.reading.conventions import get_convention

    m = _FAST_RE.fullmatch(text)
    conv = get_convention(convention)
    direct = None if m is None else _fast_range(m, conv, unit)
    if direct is None:
        return
    try:
        reading = next(iter(_iter_readings(text)))
        expected: Range | str = _to_range(reading, conv, unit, text)
    except EstimatesError as exc:
        expected = repr(exc)
    assert isinstance(expected, Range), (text, expected)
    assert reading.alternatives == ()  # parse warns of nothing the direct path leaves out
    assert direct.__dict__ == expected.__dict__, text
    assert [type(v) for v in direct.__dict__.values()] == [
        type(v) for v in expected.__dict__.values()
    ]
    assert direct.model_fields_set == expected.model_fields_set
    assert (direct.__pydantic_extra__, direct.__pydantic_private__) == (None, None)


@pytest.mark.parametrize(
    "text",
    ["between 2,000 and 12,000 troops", "11 to 12,000", "5k-20k", "from $3 to $4 billion",
     "2.5–3.5 million people", "40 to 45%", "more than 5-10 soldiers"],
)  # fmt: skip
@pytest.mark.parametrize("convention", ["ferson", "literal", "acled"])
def test_common_ranges_take_the_direct_path(text: str, convention: str) -> None:
    """The law above holds the direct path to the grammar where it answers; these common ranges
    are answered by it (and read as the grammar reads them)."""
    from estimates.reading._fast import _FAST_RE, _fast_range
    from estimates.reading._grammar import _iter_readings
    from estimates.reading._meaning import _to_range
    from estimates.reading.conventions import get_convention

    m = _FAST_RE.fullmatch(text)
    assert m is not None
    conv = get_convention(convention)
    direct = _fast_range(m, conv, None)
    assert direct is not None
    assert direct == _to_range(next(iter(_iter_readings(text))), conv, None, text)


@given(
    st.one_of(
        st.text(alphabet="0123456789.,", min_size=1, max_size=14),
        st.integers(0, 10**15).map(lambda n: f"{n:,}"),
        st.floats(0, 1e9, allow_nan=False).map(lambda x: f"{x:.{len(str(x)) % 5}f}"),
    )
)
def test_a_numeral_value_is_the_numeral_without_its_note(raw: str) -> None:
    """The fast paths read a numeral's value and precision without its note; both are those
    of the full reading of the numeral (or both refuse it)."""
    from estimates.reading._numbers import _numeral, _numeral_value

    try:
        expected: object = _numeral(raw)[:2]
    except ValueError:
        expected = ValueError
    try:
        got: object = _numeral_value(raw)
    except ValueError:
        got = ValueError
    assert got == expected
    if isinstance(got, tuple) and isinstance(expected, tuple):
        assert [type(x) for x in got] == [type(x) for x in expected]


def test_a_unit_defined_later_changes_the_plain_reading() -> None:
    """The direct path forgets what it learnt of a phrase's words when the lexicon changes."""
    from estimates.values import units

    assert parse("12 zorbles").unit is None  # an unknown noun: no unit
    units.define("zorble = [zorble]")  # stays defined for the process, as definitions do
    assert parse("13 zorbles").unit == "zorble"


NEWS_WORDS = [
    "North Korea", "sent", "1,500", "troops", "said", "on", "Oct.", "3", "the 8th", "to",
    "from", "since", "last", "August", "2024", "Thursday", ",", ".", "according to",
    "the Pentagon", "highly likely", "between", "and", "about", "12,000", "Feb. 30", "by",
    "December", "he", "Zelensky", "(NIS)", "more than", "dozens", "of", "soldiers", "31",
    "the 30th", "told", "up to", "$3 billion", "40%", ";", "officials",
]  # fmt: skip


@given(
    st.lists(st.sampled_from(NEWS_WORDS), max_size=30).map(" ".join),
    st.sampled_from([None, "2024-10-18", "2024-03-01"]),
)
def test_extract_gives_claims_whose_spans_point_at_their_figures(
    text: str, stated_on: str | None
) -> None:
    from estimates.ledger.extract import extract

    for claim in extract(text, stated_on=stated_on):
        assert claim.note is not None
        start, end = (int(x) for x in claim.note.split(";")[0].removeprefix("span ").split("-"))
        assert text[start:end] == claim.text
        assert claim.source


@given(
    st.sampled_from(["", "exactly ", "more than ", "at least ", "up to ", "fewer than "]),
    st.integers(1, 10**9),
    st.sampled_from(["", " soldiers", " km"]),
)
def test_ferson_never_contradicts_the_words(lead: str, n: int, noun: str) -> None:
    """Implied precision narrows what bound words allow; it never reads outside them, and a
    stated number stays inside its reading."""
    text = f"{lead}{n:,}{noun}"
    words = parse(text, convention="literal")
    ferson = parse(text)
    if lead:  # a bare number's literal reading is exact; precision widens it
        assert words.contains(ferson)
    if words.best is not None:
        assert ferson.contains(words.best)


@given(
    st.integers(-(10**6), 10**6),
    st.integers(1, 10**6),
    st.sampled_from(["both", "left", "right", "neither"]),
    st.sampled_from([None, "person", "container", "percent", "USD"]),
)
def test_format_then_parse_gives_back_every_generated_range(
    low: int, width: int, closed: str, unit: str | None
) -> None:
    if unit not in (None, "USD") and low < 0:
        low = -low  # counts and shares are not negative
    r = Range(low=low, high=low + width, closed=closed, unit=unit)  # type: ignore[arg-type]
    back = parse(format(r), convention="literal")
    assert (back.low, back.best, back.high, back.closed, back.unit) == (
        r.low, r.best, r.high, r.closed, r.unit
    )  # fmt: skip


_SIDE = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 5.0]),
    st.integers(-5, 5),
)


@given(
    _SIDE,
    _SIDE,
    _SIDE,
    st.sampled_from(["both", "left", "right", "neither", "open"]),
    st.sampled_from([None, "person", "meter", "USD", "percent", "soldiers", "km", "no_such_unit"]),
    st.sampled_from(["ferson", "literal", " ", ""]),
)
def test_a_range_built_without_the_validator_is_the_validated_range(
    low: Any, best: Any, high: Any, closed: str, unit: str | None, convention: str
) -> None:
    """The reader builds a Range without pydantic's validator only when the fields plainly keep
    its rules; whatever it builds is the object validation gives, field for field."""
    from pydantic import ValidationError

    from estimates.errors import EstimatesError
    from estimates.reading._meaning import _checked_range
    from estimates.values import units

    try:
        count = unit is not None and units.is_count(unit)
    except EstimatesError:
        count = False
    built = _checked_range(low, best, high, closed, unit, count, convention)  # type: ignore[arg-type]
    if built is None:
        return
    fields = {"low": low, "best": best, "high": high, "closed": closed, "unit": unit}
    try:
        valid = Range.__pydantic_validator__.validate_python({**fields, "convention": convention})
    except ValidationError:
        raise AssertionError(f"built a range the validator refuses: {fields}") from None
    assert built == valid
    assert built.__dict__ == valid.__dict__
    assert [type(v) for v in built.__dict__.values()] == [type(v) for v in valid.__dict__.values()]
    assert built.model_fields_set == valid.model_fields_set
    assert (built.__pydantic_extra__, built.__pydantic_private__) == (None, None)
    assert hash(built) == hash(valid) and repr(built) == repr(valid)


def test_a_zero_after_a_multiplier_and_and_starts_the_second_number() -> None:
    r = parse("between 0k and 0 million", convention="literal")  # found by the law above
    assert (r.low, r.high) == (0, 0)
    assert parse("5 thousand and 40", convention="literal").best == 5040  # a part still adds


@pytest.mark.parametrize("text", ["between 0k and 0", "between 1k and 2", "between 2k and 3,000"])
def test_the_fast_path_leaves_a_multiplier_before_and_to_the_general_reader(text: str) -> None:
    from estimates.reading._fast import _fast_reading

    assert _fast_reading(text) is None  # "1k and 2" may be one number ("5 hundred and 40")


@given(mutated(), CONVENTIONS)
def test_a_figure_is_the_object_validation_gives(text: str, convention: str) -> None:
    """Figures are built without validating again the ranges the reader built; each is the
    object that validating its fields gives, field for field."""
    from estimates.reading.parsing import Figure

    try:
        figures = find_figures(text, convention=convention)
    except ParseError:
        return
    for f in figures:
        valid = Figure(**dict(f))
        assert f == valid and repr(f) == repr(valid) and hash(f.range) == hash(valid.range)
        assert f.__dict__ == valid.__dict__
        assert [type(v) for v in f.__dict__.values()] == [type(v) for v in valid.__dict__.values()]
        assert f.model_fields_set == valid.model_fields_set
        assert (f.__pydantic_extra__, f.__pydantic_private__) == (None, None)
