"""The fast path: plain phrases read without the tokenizer, exactly as the general reader reads them."""

from __future__ import annotations

import math
import re

from estimates.reading._grammar import _carry, _Reading
from estimates.reading._number_reader import _Num
from estimates.reading._numbers import _numeral
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

# -- the fast path: "[lead] number [multiplier] [noun]", the shape most figures have ----------

_FAST_LEADS = {
    " ".join(words): op
    for entries in _LEAD_INDEX.values()
    for words, op in entries
    if all(w.isalpha() for w in words)
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
_FAST_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FAST_MULTIPLIER = r"[A-Za-z]+| thousand| million| billion| trillion"
# "~", "≈", "c.", "ca." and "approx." all mean "about" (see _LEADS).
_FAST_LONGEST = 200  # characters; a longer text is not one plain phrase
_FAST_RE = re.compile(
    r"(?:(?P<lead>[A-Za-z]+(?: [A-Za-z]+){0,3}) |(?P<about>[~≈] ?|(?i:c|ca|approx)\. ))?"
    rf"(?P<cur>\$)?(?P<num>{_FAST_NUMBER})(?P<mult>{_FAST_MULTIPLIER})?"
    rf"(?:(?P<conn> to | and |\s?[-–]\s?)(?P<cur2>\$)?(?P<num2>{_FAST_NUMBER})"
    rf"(?P<mult2>{_FAST_MULTIPLIER})?)?"
    r"(?P<pct>%| percent)?"
    r"(?: (?P<noun>[A-Za-z]+)(?: (?P<noun2>[A-Za-z]+))?)?"
)


def _fast_noun(noun: str, noun2: str | None) -> tuple[str | None, str] | None:
    """The unit and noun the general reader finds in the last one or two words of a phrase,
    or ``None`` when it would read them otherwise (or stop before them)."""
    low = noun.lower()
    lex = _lexicon()
    if low in _FAST_NOT_NOUNS or noun in _LETTER_MULTIPLIERS or low in lex.per:
        return None
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


def _fast_number(
    raw: str, mult: str | None, cur: str | None, own: str | None, amb: list[str]
) -> _Num | None:
    value, u, note = _numeral(raw)
    if note:
        amb.append(note)
    scale = 1.0
    if mult is not None:
        found = (_FAST_CURRENCY_MULTIPLIERS if cur else _FAST_MULTIPLIERS).get(mult)
        if found is None:
            return None
        scale = found
        value *= scale
        u *= scale
    if not math.isfinite(value):
        return None
    unit = own if own is not None else ("USD" if cur else None)
    grouped = scale != 1.0 or not raw.replace(".", "", 1).isdigit()
    return _new_tok(_Num, (value, u, False, 0, unit, grouped, scale))


def _fast_reading(text: str) -> _Reading | None:
    """The reading of a plain phrase without the tokenizer, or ``None`` to take the long way.

    Plain phrases are "[lead] [$]number[multiplier] [noun]" and the ranges "between X and Y",
    "from X to Y", "X to Y", "X-Y". This accepts only what it reads exactly as the general
    reader does (a property test holds the two to the same answers); everything else goes to
    the general reader.
    """
    if len(text) > _FAST_LONGEST:
        return None  # not a phrase: the general reader reads a long text from its first figure
    m = _FAST_RE.fullmatch(text)
    if m is None:
        return None
    lead, about, cur, raw, mult, conn, cur2, raw2, mult2, pct, noun, noun2 = m.groups()
    op = "bare"
    opener = None
    if about is not None:
        op = "about"
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
    amb: list[str] = []
    a = _fast_number(raw, mult, cur, None, amb)
    if a is None:
        return None
    b = None
    if raw2 is not None:
        b = _fast_number(raw2, mult2, cur2, "percent" if pct is not None else None, amb)
        if b is None:
            return None
    elif pct is not None:
        a = a._replace(unit="percent")
    if pct is not None and (cur or cur2):
        return None
    unit = (b.unit if b is not None else None) or a.unit
    if noun is not None:
        if unit is not None or (about is not None and noun.lower() in _PERCENT_WORDS):
            return None
        found_noun = _fast_noun(noun, noun2)
        if found_noun is None:
            return None
        unit, noun = found_noun
    if b is not None:
        a, b = _carry(a, b, amb)
    return _new_tok(_Reading, (0, len(text), op, a, b, None, unit, noun, tuple(amb), None, ()))
