"""Which words may appear where in a figure: leads, tails, number words, multipliers, vague
quantities, counted nouns and the words that are never a noun."""

from __future__ import annotations

from typing import NamedTuple

from estimates.reading._tokens import _TOKEN_RE
from estimates.values import units as _units

# -- vocabulary: which words may appear where ---------------------------------------------------

_LEADS: dict[str, tuple[str, ...]] = {
    "about": (
        "about",
        "approximately",
        "approx",
        "approx .",
        "roughly",
        "some",
        "an estimated",
        "estimated",
        "an approximate",
        "circa",
        "c .",
        "ca .",
        "~",
        "≈",
        "close to",
        "in the region of",
        "something like",
    ),
    "around": ("around", "somewhere around", "round about"),
    "nearly": (
        "nearly",
        "almost",
        "just under",
        "not quite",
        "just shy of",
        "approaching",
        "approached",
        "approaches",
        "nearing",
        "neared",
        "close on",
    ),
    "more_than": (
        "more than",
        "over",
        "upwards of",
        "upward of",
        "in excess of",
        "exceeding",
        "above",
        "greater than",
        "just over",
        "well over",
        "north of",
        ">",
        "exceeded",
        "exceeds",
        "exceed",
        "topped",
        "tops",
        "topping",
        "surpassed",
        "surpasses",
        "surpassing",
        "surpass",
        "passed",
        "higher than",
        "larger than",
        "bigger than",
        "beyond",
    ),
    "at_least": (
        "at least",
        # "as few as 20 and as many as 50": the low end, as "as many as" is the high one
        "as few as",
        "as little as",
        "as low as",
        "no fewer than",
        "no less than",
        "not less than",
        "not fewer than",
        "a minimum of",
        "≥",
        "> =",
        "= >",
        "greater than or equal to",
        "more than or equal to",
        "higher than or equal to",
        "equal to or more than",
        "equal to or greater than",
        "equal to or higher than",
        "equal or greater than",
        "not below",
        "no lower than",
        "at minimum",
        "at a minimum",
        "at the minimum",
        "at the very least",
        "at or above",
        "at or over",
        "at or more than",
        "at or higher than",
        "at or greater than",
    ),
    "up_to": (
        "up to",
        "as many as",
        "as much as",
        "at most",
        "no more than",
        "not more than",
        "a maximum of",
        "≤",
        "< =",
        "= <",
        "less than or equal to",
        "fewer than or equal to",
        "lower than or equal to",
        "equal to or less than",
        "equal to or fewer than",
        "equal to or lower than",
        "equal or less than",
        "not above",
        "not exceeding",
        "no higher than",
        "no greater than",
        "no bigger than",
        "no larger than",
        "at maximum",
        "at the most",
        "maximum of",
        "at a maximum",
        "at the maximum",
        "at the very most",
        "at or below",
        "at or under",
        "at or less than",
        "at or lower than",
        "at or fewer than",
    ),
    "fewer_than": (
        "fewer than",
        "less than",
        "under",
        "below",
        "lower than",
        "short of",
        "<",
        "smaller than",
        "beneath",
        "just below",
    ),
    "order_of": ("on the order of", "of the order of", "in the order of", "order of"),
    "exactly": ("exactly", "precisely"),
}
_TAILS: dict[str, tuple[str, ...]] = {
    "at_least": (
        "or more",
        "or over",
        "or above",
        "plus",
        "+",
        "at least",
        "and up",
        "or greater",
        "or higher",
        "or larger",
        "or bigger",
        "and more",
        "and above",
        "and over",
        "and upwards",
        "or upwards",
        "at minimum",
        "minimum",
    ),
    "up_to": (
        "or fewer",
        "or less",
        "at most",
        "or under",
        "or lower",
        "or below",
        "and less",
        "and fewer",
        "and under",
        "and below",
        "at maximum",
        "maximum",
    ),
    "about": ("or so",),
}


def _phrase_index(
    table: dict[str, tuple[str, ...]],
) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """First word -> (words, operator) pairs, longest first, for greedy matching."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for op, phrases in table.items():
        for phrase in phrases:
            words = tuple(phrase.split())
            index.setdefault(words[0], []).append((words, op))
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in index.items()}


_LEAD_INDEX = _phrase_index(_LEADS)
_TAIL_INDEX = _phrase_index(_TAILS)

_ONES = {
    "zero": 0, "nil": 0, "nought": 0, "naught": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
# A lakh is one hundred thousand and a crore ten million (the Indian numbering system;
# Merriam-Webster's Collegiate Dictionary, "lakh" and "crore"): "Rs 500 crore" is five billion
# rupees.
_BIG = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "lakh": 1e5,
    "lakhs": 1e5, "lac": 1e5, "crore": 1e7, "crores": 1e7,
}  # fmt: skip
_VULGAR = {"½": 0.5, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 0.25, "¾": 0.75, "⅕": 0.2, "⅛": 0.125}
_FRACTIONS = {
    "half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
    "quarters": 0.25, "fourth": 0.25, "fourths": 0.25, "fifth": 0.2, "fifths": 0.2,
    "sixth": 1 / 6, "sixths": 1 / 6, "tenth": 0.1, "tenths": 0.1, "seventh": 1 / 7,
    "sevenths": 1 / 7, "eighth": 0.125, "eighths": 0.125, "ninth": 1 / 9, "ninths": 1 / 9,
    "twelfth": 1 / 12, "twelfths": 1 / 12, "twentieth": 0.05, "twentieths": 0.05,
    "hundredth": 0.01, "hundredths": 0.01, "thousandth": 0.001, "thousandths": 0.001,
}  # fmt: skip
# Multipliers after a numeral ("12k", "1.5 million", "2.3bn", "200 dozens"). Case matters for
# single letters: "3M" is three million, "3m" three metres (unless after a currency: "$3m").
_MULTIPLIERS = {
    "thousand": 1e3, "thousands": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6,
    "mln": 1e6, "mil": 1e6, "mill": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9,
    "bln": 1e9, "bil": 1e9, "trillion": 1e12, "tn": 1e12, "tln": 1e12, "trn": 1e12,
    "tril": 1e12,
    "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "crore": 1e7, "crores": 1e7, "hundred": 1e2,
    "dozen": 12.0, "dozens": 12.0,
}  # fmt: skip
_CASED_MULTIPLIERS = {"M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
# Single letters after a number: multipliers, where one of them is also a unit symbol of the
# lexicon ("m" metres, "t" tonnes) the grammar says which reading it took.
_LETTER_MULTIPLIERS = {"k": 1e3, "K": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_LETTER_NAMES = {"k": "thousand", "K": "thousand", "m": "million", "b": "billion", "t": "trillion"}
_UNIT_NAMES = {"m": "metres", "t": "tonnes"}
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "₹": "INR"}
_DEGREES = {"c": "degree_Celsius", "f": "degree_Fahrenheit"}
# Written before a number ("USD 5 million", "Rs 500 crore", "Rs. 2.5 lakh").
_CURRENCY_CODES = {"usd": "USD", "eur": "EUR", "gbp": "GBP", "inr": "INR", "rs": "INR"}
_PERCENT_WORDS = {"percent": "percent", "pct": "percent"}

# Vague words and how they combine with a scale ("several hundred", "tens of thousands").
_VAGUE = {
    "few": "a few", "several": "several", "many": "many", "tens": "tens", "dozens": "dozens",
    "scores": "scores", "hundreds": "hundreds", "thousands": "thousands",
    "millions": "millions", "billions": "billions",
}  # fmt: skip
_SCALE_SINGULAR = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "dozen": 12.0}
_ROUND_PLURALS = {"10": "tens", "100": "hundreds", "1000": "thousands", "1,000": "thousands"}
_SCALE_PLURAL = {"hundreds": 1e2, "thousands": 1e3, "millions": 1e6, "billions": 1e9}

# Words that are never a counted noun, though pint would read some of them as units
# ("are" is 100 m², "a" a year, "in" an inch, "at" an atmosphere).
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "as",
        "by",
        "for",
        "from",
        "with",
        "without",
        "into",
        "onto",
        "per",
        "than",
        "that",
        "this",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "will",
        "would",
        "could",
        "should",
        "may",
        "might",
        "must",
        "can",
        "shall",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "not",
        "no",
        "nor",
        "but",
        "so",
        "if",
        "then",
        "also",
        "more",
        "most",
        "less",
        "least",
        "fewer",
        "some",
        "any",
        "each",
        "every",
        "all",
        "both",
        "either",
        "neither",
        "such",
        "only",
        "just",
        "about",
        "around",
        "over",
        "under",
        "up",
        "down",
        "out",
        "off",
        "since",
        "until",
        "till",
        "while",
        "when",
        "where",
        "who",
        "whom",
        "which",
        "what",
        "why",
        "how",
        "already",
        "now",
        "still",
        "yet",
        "again",
        "ago",
        "last",
        "next",
        "this",
        "week",
        "said",
        "says",
        "say",
        "told",
        "according",
        "reported",
    ]
)
_START_WORDS = (
    set(_LEAD_INDEX)
    | set(_ONES)
    | set(_TENS)
    | set(_VAGUE)
    | set(_FRACTIONS)
    | set(_VULGAR)
    | set(_CURRENCY_CODES)
    | {"a", "an", "between", "from", "minus", "negative", "us", "hundred", "thousand", "dozen"}
    | {"could", "may", "might", "would", "will", "can", "half"}
)
# Modal verbs before a figure ("could exceed 10,000"): the figure is a projection.
_MODALS = frozenset({"could", "may", "might", "would", "will", "can"})
_MODAL_FILLERS = frozenset(
    {
        "well", "easily", "even", "potentially", "soon", "eventually", "be", "likely",
        "probably", "possibly", "still", "ultimately", "quickly", "further", "also",
    }
)  # fmt: skip
# Verbs of comparison in their plain form, which reads as a bound only after a modal verb ("may
# top 5,000", "could pass 1,000"; "the top 10" is a rank): the operator each states.
_MODAL_VERBS = {"top": "more_than", "pass": "more_than", "outnumber": "more_than"}
_CURRENCIES = frozenset(_CURRENCY_SYMBOLS.values()) | frozenset(_CURRENCY_CODES.values())
_VERB_ENDINGS = ("ed", "ing")
_HYPHENATED = frozenset(_ONES) | frozenset(_FRACTIONS)
_DASHES = frozenset("-–—‐‑")
_MINUS = frozenset("-−")


# -- the unit lexicon, as the grammar reads it ----------------------------------------------------


class _Lexicon(NamedTuple):
    nouns: dict[tuple[str, ...], str]  # lower-case word tuples -> unit
    # first word -> the lengths of the nouns it starts that the reader reads (up to three
    # words), longest first
    noun_first: dict[str, tuple[int, ...]]
    symbols: dict[str, str]  # one token, as written -> unit
    sequences: dict[str, tuple[tuple[tuple[str, ...], str, float], ...]]  # first raw -> options
    per: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first low -> (words, unit)
    reach: int  # the most tokens a unit the reader reads takes (a noun, symbol or sequence)


def _split(text: str) -> tuple[str, ...]:
    return tuple(m[1] or m[2] or m[3] for m in _TOKEN_RE.findall(text) if any(m[1:]))


_LEXICON: list[tuple[object, _Lexicon]] = []


def _lexicon() -> _Lexicon:
    """The package's unit lexicon (:func:`estimates.values.units.lexicon`) indexed by token,
    built on first use and again whenever a unit is defined."""
    data = _units.lexicon()
    if _LEXICON and _LEXICON[0][0] is data:
        return _LEXICON[0][1]
    nouns = {tuple(w.lower() for w in _split(word)): unit for word, unit in data.words.items()}
    symbols: dict[str, str] = {}
    sequences: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
    entries = [(k, v, 1.0) for k, v in data.symbols.items()]
    entries += [(k, v[0], v[1]) for k, v in data.scaled.items()]
    for text, unit, scale in entries:
        parts = _split(text)
        if len(parts) == 1 and scale == 1.0:
            symbols[parts[0]] = unit
        else:
            sequences.setdefault(parts[0], []).append((parts, unit, scale))
    per: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for text, unit in data.per.items():
        parts = tuple(p.lower() for p in _split(text))
        per.setdefault(parts[0], []).append((parts, unit))
    lengths: dict[str, set[int]] = {}
    for words in nouns:
        lengths.setdefault(words[0], set()).add(len(words))
    built = _Lexicon(
        nouns,
        {k: tuple(sorted((n for n in v if n <= 3), reverse=True)) for k, v in lengths.items()},
        symbols,
        {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in sequences.items()},
        {k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in per.items()},
        max([3, *(len(parts) for options in sequences.values() for parts, _, _ in options)]),
    )
    _LEXICON[:] = [(data, built)]
    return built
