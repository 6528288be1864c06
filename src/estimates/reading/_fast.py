"""The fast path: plain phrases read without the tokenizer, exactly as the general reader reads them."""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from estimates.errors import EstimatesError
from estimates.reading._grammar import _carry, _Reading
from estimates.reading._meaning import _apply_to, _checked_range, _floored, _rule
from estimates.reading._number_reader import _Num
from estimates.reading._numbers import _numeral, _numeral_value
from estimates.reading._tokens import _new_tok
from estimates.reading._vocabulary import (
    _LEAD_INDEX,
    _LETTER_MULTIPLIERS,
    _MULTIPLIERS,
    _PERCENT_WORDS,
    _STOP,
    _TAIL_INDEX,
    _VERB_ENDINGS,
    _lexicon,
)
from estimates.reading.conventions import Convention, Rule
from estimates.values import units as _units
from estimates.values.ranges import Closed, Range

# -- the fast path: "[lead] number [multiplier] [tail] [noun]", the shape most figures have ----

_FAST_LEADS = {
    " ".join(words): op
    for entries in _LEAD_INDEX.values()
    for words, op in entries
    if all(w.isalpha() for w in words)
}
# Comparison signs ("> 25", "<=250", "≥ 5"), as the general reader reads them.
_FAST_SIGNS = {
    "".join(words): op
    for entries in _LEAD_INDEX.values()
    for words, op in entries
    if all(not w.isalnum() for w in words) and words[0] not in ("~", "≈")
}
# Tails after one number ("or more", "or so", "plus", "+"). Those that start with "and" go the
# long way: "at least 5 and under six" joins a second bound, which the general reader reads.
_FAST_TAILS = {
    " ".join(words): op
    for entries in _TAIL_INDEX.values()
    for words, op in entries
    if words[0] in ("or", "plus", "+")
}
_FAST_MULTIPLIERS = {
    "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "bn": 1e9, "mn": 1e6,
    " thousand": 1e3, " million": 1e6, " billion": 1e9, " trillion": 1e12,
}  # fmt: skip
_FAST_CURRENCY_MULTIPLIERS = {**_FAST_MULTIPLIERS, "m": 1e6, "b": 1e9, "t": 1e12}
# Words the general reader takes as something other than a counted noun right after a number
# (a multiplier, a tail such as "plus", a connector, a stop word): a phrase ending in one goes
# the long way. "pct" is the exception kept as it was: "5 pct" is read here with "pct" as its
# noun, where the general reader takes it as a percent sign and keeps no noun (the range is
# the same); phrases this path did not take before ("~5 pct") still go the long way.
_FAST_NOT_NOUNS = frozenset(_MULTIPLIERS) | set(_TAIL_INDEX) | _STOP
# Every run and every optional part is possessive: nothing the pattern gives back could let the
# rest match. What may follow a run of letters or digits (a space, a sign, a connector, the end)
# starts with neither; a word that ends the multiplier, the percent or the tail ("thousand",
# "percent", "plus", "or more") must end there ("5 thousandths": a noun, as it was); where an optional
# part matches, the rest could not match without it: the text left would start with what no later
# part starts with ("$", a digit, a sign, a dash) or name a noun that the part had already read
# and would still read. So the first way the pattern finds is its only one, and a phrase that is
# not plain fails without the engine trying the others (a law holds it to the same pattern
# written without possessive parts).
_FAST_NUMBER = r"\d{1,3}(?:,\d{3})++(?:\.\d++)?+|\d++(?:\.\d++)?+"
_FAST_MULTIPLIER = r"[A-Za-z]++|(?: thousand| million| billion| trillion)(?![A-Za-z])"
# "~", "≈", "c.", "ca." and "approx." all mean "about" (see _LEADS).
_FAST_LONGEST = 200  # characters; a longer text is not one plain phrase
_FAST_RE = re.compile(
    r"(?:(?P<lead>[A-Za-z]++(?: [A-Za-z]++){0,3}+) |(?P<about>[~≈] ?|(?i:c|ca|approx)\. )"
    r"|(?P<sign>[<>]=?|=[<>]|[≥≤]) ?)?+"
    rf"(?P<cur>\$)?+(?P<num>{_FAST_NUMBER})(?P<mult>{_FAST_MULTIPLIER})?+"
    rf"(?:(?P<conn> to | and | through | thru |\s?[-–]\s?)(?P<cur2>\$)?+(?P<num2>{_FAST_NUMBER})"
    rf"(?P<mult2>{_FAST_MULTIPLIER})?+)?+"
    r"(?P<pct>%| percent(?![A-Za-z]))?+"
    r"(?P<tail>\+|(?: or [a-z]++| plus)(?![A-Za-z]))?+"
    r"(?: (?P<noun>[A-Za-z]++)(?: (?P<noun2>[A-Za-z]++))?+)?+"
)


def _fast_noun(noun: str, noun2: str | None) -> tuple[str | None, str] | None:
    """The unit and noun the general reader finds in the last one or two words of a phrase,
    or ``None`` when it would read them otherwise (or stop before them)."""
    low = noun.lower()
    lex = _lexicon()
    if low in _FAST_NOT_NOUNS or noun in _LETTER_MULTIPLIERS or low in lex.per:
        return None
    if any(len(parts) == 1 for parts, _, _ in lex.sequences.get(noun, ())):
        return None  # a symbol with a multiplier ("mbpd", a million barrels a day)
    if noun2 is not None:
        # a known pair; any other pair goes the long way
        unit = lex.nouns.get((low, noun2.lower()))
        return None if unit is None else (unit, f"{noun} {noun2}")
    unit = lex.nouns.get((low,)) or lex.symbols.get(noun)
    if unit is not None:
        return unit, noun
    if not noun.islower() or len(noun) < 2 or low.endswith(_VERB_ENDINGS):
        return None  # not a noun: the figure ends before it
    return None, noun


def _fast_shape(
    lead: str | None,
    about: str | None,
    sign: str | None,
    cur: str | None,
    mult: str | None,
    conn: str | None,
    cur2: str | None,
    mult2: str | None,
    pct: str | None,
    tail: str | None,
    noun: str | None,
    noun2: str | None,
) -> _Shape | None:
    """What the words of a plain phrase decide, whatever its numbers: the operator, each
    number's multiplier and attached unit, the figure's unit and noun; ``None`` to take the
    long way."""
    op = "bare"
    opener = None
    if about is not None:
        op = "about"
    elif sign is not None:
        found_sign = _FAST_SIGNS.get(sign)
        if found_sign is None:
            return None
        op = found_sign
    elif lead is not None:
        low = lead.lower()
        if low in ("between", "from"):
            opener = low
        else:
            found = _FAST_LEADS.get(low)
            if found is None:
                return None
            op = found
    if conn is not None:
        joiner = conn.strip()
        if joiner in ("through", "thru"):
            if opener is not None:
                return None  # "between 5 through 10", "from 5 through 10": the long way
            joiner = "to"
        if tail is not None:
            return None  # a tail after a range: the long way
        if joiner == "and" and opener != "between":
            return None
        if joiner == "and" and mult is not None and mult2 is None:
            return None  # "between 1k and 2": the general reader reads "1k and 2" as one number
        if opener is None and op not in ("bare", "about", "around"):
            pass  # "more than 5-10": the bound applies to the range
        else:
            op = "range"
    elif opener is not None:
        return None
    elif tail is not None:
        found_tail = _FAST_TAILS.get(tail.strip())
        if found_tail is None:
            return None
        op = found_tail  # "about 3,000 or more": the tail says the bound
    scale = _fast_scale(mult, cur)
    scale2 = _fast_scale(mult2, cur2)
    if scale is None or scale2 is None:
        return None
    unit_a = "USD" if cur else None
    unit_b = None
    if conn is not None:
        unit_b = "percent" if pct is not None else ("USD" if cur2 else None)
    elif pct is not None:
        unit_a = "percent"
    if pct is not None and (cur or cur2):
        return None
    unit = unit_b or unit_a
    if noun is not None:
        sign_or_about = about is not None or sign is not None
        if unit is not None or (sign_or_about and noun.lower() in _PERCENT_WORDS):
            return None
        found_noun = _fast_noun(noun, noun2)
        if found_noun is None:
            return None
        unit, noun = found_noun
    return _Shape(op, scale, unit_a, scale2, unit_b, unit, noun)


def _fast_scale(mult: str | None, cur: str | None) -> float | None:
    if mult is None:
        return 1.0
    return (_FAST_CURRENCY_MULTIPLIERS if cur else _FAST_MULTIPLIERS).get(mult)


class _Shape(NamedTuple):
    op: str
    scale: float  # the first number's multiplier (1 when none)
    unit_a: str | None  # the unit attached to the first number ("$", "%")
    scale2: float
    unit_b: str | None
    unit: str | None  # the figure's unit
    noun: str | None


# Shapes by the words of a phrase, for the lexicon they were read with (a unit defined later
# may change a noun's reading). Phrases repeat their words far more than their numbers.
_SHAPES: dict[tuple[str | None, ...], _Shape | None] = {}
_SHAPES_LEXICON: list[object] = [None]


def _check_lexicon() -> None:
    """Forget shapes and plans read with another lexicon than the package's current one."""
    lex = _units.lexicon()
    if _SHAPES_LEXICON[0] is not lex:
        _SHAPES.clear()
        _forget_plans()
        _SHAPES_LEXICON[0] = lex


def _shape_of(key: tuple[str | None, ...]) -> _Shape | None:
    _check_lexicon()
    try:
        return _SHAPES[key]
    except KeyError:
        pass
    if len(_SHAPES) >= 4096:
        _SHAPES.clear()
    shape = _SHAPES[key] = _fast_shape(*key)
    return shape


def _fast_number(raw: str, scale: float, unit: str | None, amb: list[str]) -> _Num | None:
    value, u, note = _numeral(raw)
    if note:
        amb.append(note)
    if scale != 1.0:
        value *= scale
        u *= scale
    if not math.isfinite(value):
        return None
    grouped = scale != 1.0 or not raw.replace(".", "", 1).isdigit()
    return _new_tok(_Num, (value, u, False, 0, unit, grouped, scale))


def _fast_reading(text: str) -> _Reading | None:
    """The reading of a plain phrase without the tokenizer, or ``None`` to take the long way.

    Plain phrases are "[lead] [$]number[multiplier] [tail] [noun]" (a lead in words, "~" or a
    comparison sign: "> 25", "<= 250"; a tail "or more", "or so", "plus", "+") and the ranges
    "between X and Y", "from X to Y", "X to Y", "X through Y", "X-Y". This accepts only what it
    reads exactly as the general reader does (a property test holds the two to the same
    answers); everything else goes to the general reader.
    """
    if len(text) > _FAST_LONGEST:
        return None  # not a phrase: the general reader reads a long text from its first figure
    m = _FAST_RE.fullmatch(text)
    return None if m is None else _fast_reading_of(m, text)


def _fast_reading_of(m: re.Match[str], text: str) -> _Reading | None:
    """:func:`_fast_reading` of the plain phrase ``text`` that ``m`` matched."""
    lead, about, sign, cur, raw, mult, conn, cur2, raw2, mult2, pct, tail, noun, noun2 = m.groups()
    shape = _shape_of((lead, about, sign, cur, mult, conn, cur2, mult2, pct, tail, noun, noun2))
    if shape is None:
        return None
    amb: list[str] = []
    a = _fast_number(raw, shape.scale, shape.unit_a, amb)
    if a is None:
        return None
    b = None
    if raw2 is not None:
        b = _fast_number(raw2, shape.scale2, shape.unit_b, amb)
        if b is None:
            return None
        a, b = _carry(a, b, amb)
    return _new_tok(
        _Reading, (0, len(text), shape.op, a, b, None, shape.unit, shape.noun, tuple(amb), None, ())
    )


# -- the fastest path: one plain number, or two as a range, straight to its Range -------------

# What a convention and a caller's unit make of a shape: the rule's fields (as _apply_to reads
# them: exact_whole, low, low_ratio, high, high_ratio, cap, best, closed), the multiplier, the
# unit of the range, whether it counts things and the convention's name; ``None`` where the
# general path must decide (a unit to convert to, a unit not in its canonical spelling, an
# operator the convention lacks).
_Plan = tuple[
    bool,
    float | None,
    float | None,
    float | None,
    float | None,
    float | None,
    bool,
    Closed,
    float,
    str | None,
    bool,
    str,
]
_PLANS: dict[tuple[object, ...], _Plan | None] = {}


def _plan(shape: _Shape, convention: Convention, unit: str | None) -> _Plan | None:
    target = shape.unit
    if unit is not None:
        if target is None:
            target = unit
        elif target != unit:
            return None  # converted to the caller's unit: the general path
    try:
        if target is not None and _units.canonical(target) != target:
            return None
        count = target is not None and _units.is_count(target)
        rule = _rule(convention, shape.op)
    except EstimatesError:
        return None
    return (
        rule.exact_whole,
        rule.low,
        rule.low_ratio,
        rule.high,
        rule.high_ratio,
        rule.cap,
        rule.best,
        rule.closed,
        shape.scale,
        target,
        count,
        convention.name,
    )


def _fast_range(m: re.Match[str], convention: Convention, unit: str | None) -> Range | None:
    """The range of a phrase ``m`` matched (with ``_FAST_RE``): one plain number ("[lead]
    [$]number[multiplier] [tail] [noun]") or two as a range (:func:`_pair_range`), as
    :func:`estimates.reading._meaning._to_range` makes it from the reading, without building the
    reading; ``None`` to build it (property tests hold the two to the same ranges)."""
    if _SHAPES_LEXICON[0] is not _units.lexicon():
        _check_lexicon()
    lead, about, sign, cur, raw, mult, conn, cur2, raw2, mult2, pct, tail, noun, noun2 = m.groups()
    if conn is not None:
        key2 = (lead, about, sign, cur, mult, conn, cur2, mult2, pct, tail, noun, noun2)
        return _pair_range(key2, raw, raw2, convention, unit)
    key = (lead, about, sign, cur, mult, pct, tail, noun, noun2, id(convention), unit)
    try:
        plan = _PLANS[key]
    except KeyError:
        shape = _shape_of((lead, about, sign, cur, mult, None, None, None, pct, tail, noun, noun2))
        plan = None if shape is None else _plan(shape, convention, unit)
        if len(_PLANS) >= 4096:
            _forget_plans()
        _PLANS[key] = plan
        _PLAN_CONVENTIONS[id(convention)] = convention  # its id is not reused while planned
    if plan is None:
        return None
    exact_whole, lo_k, lo_r, hi_k, hi_r, cap, keep_best, closed, scale, target, count, name = plan
    value, u = _numeral_value(raw)
    if scale != 1.0:
        value *= scale
        u *= scale
    if value - value != 0.0:
        return None  # not finite: the general path says why
    # _apply_to(rule, value, u, False), its steps written out (this runs for most phrases)
    low: float | None
    high: float | None
    best: float | None
    if exact_whole and u <= 1 and value == int(value):
        low = best = high = value
        closed = "both"
    else:
        low = value + lo_k * u if lo_k is not None else None if lo_r is None else value * lo_r
        high = value + hi_k * u if hi_k is not None else None if hi_r is None else value * hi_r
        if low is not None and high is not None and low > high:
            low, high = high, low  # ratios of a negative number
        if cap is not None:
            half = max(cap * abs(value), u / 2)
            if low is not None:
                low = max(low, value - half)
            if high is not None:
                high = min(high, value + half)
        best = value if keep_best else None
    low, closed = _floored(low, best, high, closed, count)
    return _checked_range(low, best, high, closed, target, count, name, True)


_PLAN_CONVENTIONS: dict[int, Convention] = {}


def _forget_plans() -> None:
    """Empty the plans (a convention was registered or removed)."""
    _PLANS.clear()
    _PAIR_PLANS.clear()
    _PLAN_CONVENTIONS.clear()


# -- two numbers straight to their Range -------------------------------------------------------

# What a convention and a caller's unit make of the words of a range "X to Y": how its ends are
# read (_pair_plan's kinds), the rule that reads them, the rule's fields for the stated ends
# (low, low_ratio, high, high_ratio, best, closed), each number's multiplier, the unit of the
# range, whether it counts things and the convention's name; ``None`` where the reading must
# decide (as for _Plan).
_PairPlan = tuple[
    int,
    Rule,
    float | None,
    float | None,
    float | None,
    float | None,
    bool,
    Closed,
    float,
    float,
    str | None,
    bool,
    str,
]
_PAIR_PLANS: dict[tuple[object, ...], _PairPlan | None] = {}
# How _to_range reads the ends of a stated range (see its branch for two numbers): a bound word
# before it applies to its low or its high end ("more than 5-10", "up to 5-6 thousand"); a
# convention whose range rule keeps one end; else each end widened on its side.
_BOUND_LOW, _BOUND_HIGH, _POINT_LOW, _POINT_HIGH, _ENDS = range(5)
_BOUND_OPS = frozenset(
    ("more_than", "at_least", "up_to", "fewer_than", "nearly", "exactly", "order_of")
)


def _pair_plan(shape: _Shape, convention: Convention, unit: str | None) -> _PairPlan | None:
    target = shape.unit
    if unit is not None:
        if target is None:
            target = unit
        elif target != unit:
            return None  # converted to the caller's unit: the general path
    try:
        if target is not None and _units.canonical(target) != target:
            return None
        count = target is not None and _units.is_count(target)
        rule = _rule(convention, "range")
        op = shape.op
        if op in _BOUND_OPS:
            kind = _BOUND_HIGH if op in ("up_to", "fewer_than", "nearly") else _BOUND_LOW
            rule = _rule(convention, op)
        elif rule.point is not None:
            kind = _POINT_LOW if rule.point == "low" else _POINT_HIGH
        else:
            kind = _ENDS
    except EstimatesError:
        return None
    return (
        kind,
        rule,
        rule.low,
        rule.low_ratio,
        rule.high,
        rule.high_ratio,
        rule.best,
        rule.closed,
        shape.scale,
        shape.scale2,
        target,
        count,
        convention.name,
    )


def _pair_range(
    key: tuple[str | None, ...], raw: str, raw2: str, convention: Convention, unit: str | None
) -> Range | None:
    """The range of a plain phrase of two numbers ("X to Y", "between X and Y", "X-Y", ...)
    whose words are ``key`` (the groups of ``_FAST_RE`` but the numbers), as
    :func:`estimates.reading._meaning._to_range` makes it from the reading
    :func:`_fast_reading_of` gives, without building the reading; ``None`` to take that way
    (a property test holds the two to the same ranges)."""
    plan_key = (*key, id(convention), unit)
    try:
        plan = _PAIR_PLANS[plan_key]
    except KeyError:
        shape = _shape_of(key)
        plan = None if shape is None else _pair_plan(shape, convention, unit)
        if len(_PAIR_PLANS) >= 4096:
            _forget_plans()
        _PAIR_PLANS[plan_key] = plan
        _PLAN_CONVENTIONS[id(convention)] = convention  # its id is not reused while planned
    if plan is None:
        return None
    kind, rule, lo_k, lo_r, hi_k, hi_r, keep_best, closed, scale, scale2, target, count, name = plan
    # each number as _fast_number reads it
    a, au = _numeral_value(raw)
    b, bu = _numeral_value(raw2)
    if scale != 1.0:
        a *= scale
        au *= scale
    if scale2 != 1.0:
        b *= scale2
        bu *= scale2
    if a - a != 0.0 or b - b != 0.0:
        return None  # not finite: the reading says why
    # _carry: "11 to 12,000" and "2 to 3 million", the second number's scale carries to the first
    if b > a and scale == 1.0 and raw.replace(".", "", 1).isdigit():
        carry = 1.0
        if scale2 != 1.0:
            carry = scale2
        elif a == int(a) and not raw2.replace(".", "", 1).isdigit():  # b is grouped
            whole = f"{b:.0f}" if b == int(b) else ""
            carry = 1000.0 ** ((len(whole) - len(whole.rstrip("0"))) // 3)
            if a * carry < b / 10:
                carry = 1.0
        if carry != 1.0 and a * carry <= b:
            a *= carry
            au *= carry
    # _to_range's reading of two numbers
    if b < a:
        a, au, b, bu = b, bu, a, au
    low: float | None
    high: float | None
    best: float | None
    if kind == _ENDS:
        low = a + lo_k * au if lo_k is not None else None if lo_r is None else a * lo_r
        high = b + hi_k * bu if hi_k is not None else None if hi_r is None else b * hi_r
        best = (a + b) / 2 if keep_best else None
    elif kind == _POINT_LOW:
        low = best = high = a
        closed = "both"
    elif kind == _POINT_HIGH:
        low = best = high = b
        closed = "both"
    elif kind == _BOUND_LOW:
        low, best, high, closed = _apply_to(rule, a, au, False)
    else:
        low, best, high, closed = _apply_to(rule, b, bu, False)
    low, closed = _floored(low, best, high, closed, count)
    return _checked_range(low, best, high, closed, target, count, name, True)
