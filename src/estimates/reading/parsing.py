"""Reading figures: text to :class:`~estimates.values.ranges.Range` under a named convention.

The parser decides which words may appear where (the grammar below); a *convention*
(:mod:`estimates.reading.conventions`) decides what they mean. ``parse`` reads the first figure in a
text and returns its range; ``parse_figure`` returns the richer :class:`Figure` (span, counted
noun, operator, ambiguities); ``find_figures`` returns every figure in running text; ``format``
writes a range back as words that ``parse`` reads to the same range.

Grammar (one figure; the modules: ``_tokens``, ``_numbers``, ``_number_reader``, ``_grammar``,
``_vocabulary``, ``_meaning``, ``_fast``)::

    figure   := [modal] [lead] core [tail] [["of"] noun [rate]] | bound ("and"|"but"|",") bound
    modal    := could | may | might | would | will | can   (then "well", "be", ...)
    lead     := about | around | nearly | more than | at least | up to | fewer than | order of
                | exactly, each with its synonyms and symbols ("in excess of", "exceeded",
                  "approaching", ">", "<=", "less than or equal to", "equal to or more than")
    core     := "between" single ("and" | "to" | "-") single
              | "from" single [("to" | "-") single]
              | single [("to" | "through" | "-" | "–" | "~" | "or") single]
              | vague
    single   := [currency] [sign] (numeral [power of ten] | number words) [multiplier]
                [mixed digits and words] ["%" | "percent"]
    vague    := "a few" | "several" | "many" | "tens" | "dozens" | "scores" | "hundreds"
              | "thousands" | "millions" | "billions" | "100s", optionally times a scale
                ("several hundred", "tens of thousands", "hundreds of thousands")
    tail     := "or more" | "or greater" | "or so" | "or fewer" | "or less" | "plus" | "+" | ...
    noun     := a word or symbol of the unit lexicon, or up to three unknown lower-case words
    rate     := "a day" | "per year" | "/yr" | ...

Default locale: English. A comma groups thousands and a dot marks decimals ("1,500" is one
thousand five hundred; "1.5" is one and a half). Readings a comma-decimal locale would make
differently are reported in :attr:`Figure.ambiguities`, never resolved silently. A thin space
or no-break space (and a plain space between groups of three digits, "1 500") also groups
thousands.

Numbers are read with their implied precision: ``u`` is the unit of the last significant
digit ("12,000" -> 1,000; "1.5 million" -> 100,000), which conventions such as ``ferson`` use.

The parser runs in time linear in the text: one compiled tokenizer, no backtracking between
tokens, and ``parse`` stops after the first figure.

>>> parse("more than 13,000 containers", convention="literal")
Range(low=13000.0, best=None, high=None, closed='neither', unit='container', convention='literal')
>>> r = parse("around 12,000 soldiers")
>>> r.low, r.best, r.high, r.unit
(9000.0, 12000.0, 15000.0, 'person')
>>> str(parse("between 2,000 and 12,000 troops"))
'2,000–12,000 people'
>>> format(parse("at least 1,500 special forces"))
'at least 1,500 people'
"""

from __future__ import annotations

import functools
import warnings

from pydantic import BaseModel, ConfigDict

from estimates.errors import (
    AmbiguousFigureError,
    EstimatesError,
    ParseError,
    UnitError,
)
from estimates.reading._fast import (
    _FAST_LONGEST,
    _FAST_RE,
    _fast_range,
    _fast_reading,
    _fast_reading_of,
    _forget_plans,
)
from estimates.reading._grammar import (
    _exact,
    _first_figure_reading,
    _first_start,
    _iter_readings,
    _Reader,
    _Reading,
)
from estimates.reading._meaning import (
    _RULE_TABLES,
    _new_object,
    _set_dict,
    _set_extra,
    _set_fields_set,
    _set_private,
    _to_range,
)
from estimates.reading._tokens import _Stream

# By module path, not as an attribute of the package: ``estimates.reading.conventions`` is also the
# name of the public listing function.
from estimates.reading.conventions import Convention, get_convention
from estimates.reading.conventions import _listeners as _convention_listeners
from estimates.reading.doubts import AmbiguousFigureWarning
from estimates.values import units as _units
from estimates.values.ranges import Range
from estimates.values.words import MINUS, unit_words

__all__ = ["Figure", "find_figures", "format", "parse", "parse_figure"]

# -- public API ---------------------------------------------------------------------------------


class Figure(BaseModel):
    """One figure read from text: its range, where it was, its counted noun and doubts.

    ``span`` is the ``(start, end)`` characters of the figure in the text it came from; ``noun``
    the counted noun as written (kept even when no unit is known for it, e.g. "brigades");
    ``operator`` the convention rule used (``bare``, ``about``, ``more_than``, ``range``, ...);
    ``ambiguities`` the readings another locale or a literal reading would give;
    ``alternatives`` the ranges of the other readings the text allows where the grammar had to
    choose ("1.5m": a million, or metres; "2,7": a decimal comma, or a list), the convention's
    choice being ``range``; ``modal`` the modal verb that makes the figure a possibility, not an
    observation ("could" in "could exceed 10,000").

    >>> f = parse_figure("Seoul says 1,500 special forces are in Russia")
    >>> f.text, f.span, f.noun, f.range.unit
    ('1,500 special forces', (11, 31), 'special forces', 'person')
    >>> f.ambiguities[0]
    "'1,500' read with ',' grouping thousands (English); in a comma-decimal locale it would be 1.500"
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    range: Range
    text: str
    span: tuple[int, int]
    operator: str
    noun: str | None = None
    ambiguities: tuple[str, ...] = ()
    alternatives: tuple[Range, ...] = ()
    modal: str | None = None


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise ParseError(f"expected text to read, got {type(text).__name__}: {text!r}", text=None)
    return text


def _no_figure(text: str) -> ParseError:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return ParseError(
        f"no figure found in {shown!r}: expected a number ('1,500', '12k', 'twelve thousand', "
        "'$3 billion', '40%'), a vague quantity ('dozens', 'tens of thousands') or a phrase "
        "such as 'more than 13,000' or 'between 2,000 and 12,000'",
        text=text,
        span=(0, len(text)),
    )


def _first_reading(text: str) -> _Reading:
    return _fast_reading(text) or _general_reading(text)


def _general_reading(text: str) -> _Reading:
    start = 0
    if len(text) > 2000:  # a long text: start near its first digit or number word, if any
        found = _first_start(text)
        if found is None:
            raise _no_figure(text)
        start = found
    reading = _first_figure_reading(text, start)
    if reading is None:
        raise _no_figure(text)
    return reading


# The caller's units as read, for the lexicon they were read with (a unit defined later may
# change the reading).
_CALLER_UNITS: dict[str, tuple[object, str]] = {}


def _canonical_unit(unit: str | None) -> str | None:
    """The unit a caller passes (``unit=``, a unit column), read as the same words are read after
    a figure: "barrels a day", "bpd", "bbl/d" and "barrel/day" are oil barrels a day and "pct" is
    percent, as in the text, where the registry alone would read "barrels a day" as barrels
    times a year times a day and "pct" as a picocarat. A unit the lexicon does not write is read
    by the registry."""
    if unit is None:
        return None
    lexicon = _units.lexicon()
    known = _CALLER_UNITS.get(unit)
    if known is not None and known[0] is lexicon:
        return known[1]
    words = " ".join(unit.split())
    found = None
    if words and len(words) <= 80:
        stream = _Stream(words)
        read, _, end, scale = _Reader(stream).noun(0)
        if read is not None and stream.get(end) is None:
            if scale != 1.0:
                raise UnitError(
                    f"the unit {unit!r} carries a multiplier (it is {scale:g} {read}); pass the "
                    f"unit alone ({read!r}) and write the multiplier in the figure",
                    unit=unit,
                )
            found = _units.canonical(read)
    if found is None:
        found = _units.canonical(unit)
    if len(_CALLER_UNITS) >= 1024:
        _CALLER_UNITS.clear()
    _CALLER_UNITS[unit] = (lexicon, found)
    return found


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str, convention: str, unit: str | None) -> Range | tuple[Range, _Reading]:
    """The range of a short text, paired with its reading only when that has other readings to
    report (the cache keeps no more: fewer live objects for the garbage collector to walk)."""
    conv = _CONVENTIONS.get(convention) if type(convention) is str else None
    if conv is None:
        conv = get_convention(convention)
        if type(convention) is str:
            _CONVENTIONS[convention] = conv
    m = _FAST_RE.fullmatch(text) if len(text) <= _FAST_LONGEST else None
    reading = None
    if m is not None:  # a plain phrase
        r = _fast_range(m, conv, unit)  # one number or a range of two: no reading to build
        if r is not None:
            return r
        reading = _fast_reading_of(m, text)
    if reading is None:
        reading = _general_reading(text)
    r = _to_range(reading, conv, unit, text)
    return (r, reading) if reading.alternatives else r


# Conventions by name, as get_convention gives them, for the hot path (emptied when one is
# registered or removed).
_CONVENTIONS: dict[str, Convention] = {}


def _doubt(reading: _Reading, text: str, strict: bool) -> None:
    """Say that ``reading`` was one of several the text allows: a warning, or with ``strict``
    an :class:`AmbiguousFigureError`."""
    if not reading.alternatives:
        return
    others = [d for d in reading.ambiguities if "read as a multiplier" in d or "decimal comma" in d]
    message = (
        f"{text[reading.start : reading.end]!r} has more than one reading: "
        + "; ".join(others)
        + " (Figure.alternatives holds the other readings; pass strict=True to refuse)"
    )
    if strict:
        raise AmbiguousFigureError(message, text=text, span=(reading.start, reading.end))
    warnings.warn(message, AmbiguousFigureWarning, stacklevel=3)


_convention_listeners.append(_parse_cached.cache_clear)
_convention_listeners.append(_CONVENTIONS.clear)
_convention_listeners.append(_RULE_TABLES.clear)
_convention_listeners.append(_forget_plans)


def parse(
    text: str, *, convention: str = "ferson", unit: str | None = None, strict: bool = False
) -> Range:
    """Read the first figure in ``text`` as a :class:`Range` under ``convention``.

    Every string gives either a Range or a :class:`~estimates.errors.ParseError` that carries
    the text and the span that failed. ``unit`` is used when the text names none; when the text
    names one of the same dimension the range is converted to ``unit``.

    Where the text allows more than one reading ("1.5m" alone: a million, or metres? "2,7": a
    decimal comma, or a list?) the convention's choice is returned and an
    :class:`~estimates.reading.doubts.AmbiguousFigureWarning` names the others; with ``strict=True`` an
    :class:`~estimates.errors.AmbiguousFigureError` is raised instead.

    >>> parse("more than 13,000 containers", convention="literal").low
    13000.0
    >>> parse("1,500 special forces").unit
    'person'
    >>> r = parse("11 to 12,000 troops")
    >>> r.low, r.high
    (11000.0, 12000.0)
    >>> parse("$3 billion").unit, parse("40%").unit
    ('USD', 'percent')
    >>> parse("dozens", convention="acled").best
    12.0
    >>> parse("lots of troops")
    Traceback (most recent call last):
    ...
    estimates.errors.ParseError: no figure found in 'lots of troops': ...
    """
    if not isinstance(text, str):
        _check_text(text)
    if unit is not None:
        unit = _canonical_unit(unit)
    if len(text) <= 256:
        got = _parse_cached(text, convention, unit)
        if not isinstance(got, tuple):
            return got  # a reading with nothing to report
        r, reading = got
    else:
        reading = _first_reading(text)
        r = _to_range(reading, get_convention(convention), unit, text)
    if reading.alternatives:
        _doubt(reading, text, strict)
    return r


_FIGURE_FIELDS = set(Figure.model_fields)


def _figure(reading: _Reading, text: str, convention: Convention, unit: str | None) -> Figure:
    """The :class:`Figure` of a reading. Every field is already of its type (a Range built and
    checked by ``_to_range``, ints, strings, tuples of strings and of Ranges), so the object is
    made as validation would make it (its fields, all set, no extra, no private attributes)
    without validating again the Ranges inside it: a figure of running text costs a quarter."""
    f = _new_object(Figure)
    _set_dict(
        f,
        {
            "range": _to_range(reading, convention, unit, text),
            "text": text[reading.start : reading.end],
            "span": (reading.start, reading.end),
            "operator": reading.op if reading.vague is None else f"vague:{reading.vague[0]}",
            "noun": reading.noun,
            "ambiguities": reading.ambiguities,
            "alternatives": tuple(
                _alternative(alt, convention, unit, text) for alt in reading.alternatives
            ),
            "modal": reading.modal,
        },
    )
    _set_fields_set(f, _FIGURE_FIELDS.copy())
    _set_extra(f, None)
    _set_private(f, None)
    return f


def _alternative(reading: _Reading, convention: Convention, unit: str | None, text: str) -> Range:
    try:
        return _to_range(reading, convention, unit, text)
    except EstimatesError:  # the other reading's unit does not fit the caller's: show it as read
        return _to_range(reading, convention, None, text)


def parse_figure(text: str, *, convention: str = "ferson", unit: str | None = None) -> Figure:
    """Read the first figure in ``text`` with its span, noun, operator and ambiguities.

    >>> f = parse_figure("four brigades of 12,000 soldiers")
    >>> f.noun, f.range.unit, f.range.best
    ('brigades', None, 4.0)
    >>> parse_figure("some 3,000 or more troops").operator
    'at_least'
    """
    text = _check_text(text)
    conv = get_convention(convention)
    return _figure(_first_reading(text), text, conv, _canonical_unit(unit))


def find_figures(
    text: str, *, convention: str = "ferson", unit: str | None = None
) -> tuple[Figure, ...]:
    """Every figure in running ``text``, left to right (an empty tuple when there is none).

    >>> [f.text for f in find_figures("Nearly 3,000 were sent, and thousands more will follow.")]
    ['Nearly 3,000', 'thousands']
    """
    text = _check_text(text)
    conv = get_convention(convention)
    target = _canonical_unit(unit)
    return tuple(_figure(r, text, conv, target) for r in _iter_readings(text, whole=True))


# -- writing ------------------------------------------------------------------------------------

_FORMS = (
    ("bare", "{n}"),
    ("exactly", "exactly {n}"),
    ("about", "about {n}"),
    ("around", "around {n}"),
    ("nearly", "nearly {n}"),
    ("more_than", "more than {n}"),
    ("at_least", "at least {n}"),
    ("up_to", "up to {n}"),
    ("fewer_than", "fewer than {n}"),
    ("order_of", "on the order of {n}"),
)


def _number_text(x: float) -> str:
    # words that must read back to the same number: every digit, with separators
    return _exact(x).replace(MINUS, "-")


def format(range: Range) -> str:
    """Words that :func:`parse` reads back to ``range`` under its own convention.

    Tries the convention's phrases ("1,500", "about 12,000", "more than 13,000", "between 2,000
    and 12,000", ...) and returns the first that reads back to exactly this range. A range
    with no convention (numbers given directly) is written in words the ``literal`` convention
    reads back to the same numbers. When no phrase does, the range's own ``str`` is returned
    (it describes the range but does not round-trip).

    >>> format(parse("more than 13,000 containers", convention="literal"))
    'more than 13,000 containers'
    >>> r = parse("around 12,000 soldiers")
    >>> format(r), parse(format(r)) == r
    ('around 12,000 people', True)
    """
    convention = range.convention or "literal"
    unit = range.unit
    noun = ""
    if unit is not None:
        noun = " " + unit_words(unit)
    candidates: list[float] = []
    for x in (range.best, range.low, range.high):
        if x is not None and x not in candidates:
            candidates.append(x)
    texts: list[str] = []
    if unit == "USD":
        texts += [f"${_number_text(x)}" for x in candidates]
        noun = ""
    for _op, form in _FORMS:
        texts += [form.format(n=_number_text(x)) + noun for x in candidates]
    if range.low is not None and range.high is not None:
        lo, hi = _number_text(range.low), _number_text(range.high)
        texts.append(f"between {lo} and {hi}{noun}")
        # a range open at one end or both: two bounds joined ("at least 5 and fewer than 10")
        for left in ("more than", "at least"):
            for right in ("fewer than", "at most"):
                texts.append(f"{left} {lo} and {right} {hi}{noun}")
    for candidate in texts:
        if _reads_back(candidate, convention, range):
            return candidate
    # Precision is part of the meaning under ferson: "6.0" is not "6". Try written decimals.
    for decimals in (1, 2, 3):
        for _op, form in _FORMS:
            for x in candidates:
                candidate = form.format(n=f"{x:,.{decimals}f}") + noun
                if _reads_back(candidate, convention, range):
                    return candidate
    return str(range)


def _reads_back(candidate: str, convention: str, expected: Range) -> bool:
    try:
        got = parse(candidate, convention=convention)
    except (ParseError, UnitError, ValueError):
        return False
    if expected.convention is None:
        # numbers given directly: the literal words for them, whatever convention reads them
        return (got.low, got.best, got.high, got.closed, got.unit) == (
            expected.low,
            expected.best,
            expected.high,
            expected.closed,
            expected.unit,
        )
    return got == expected
