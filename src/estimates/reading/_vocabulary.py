"""Which words may appear where in a figure: leads, tails, number words, multipliers, vague
quantities, counted nouns and the words that are never a noun."""

from __future__ import annotations

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
    "nearly": ("nearly", "almost", "just under", "not quite", "just shy of"),
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
    ),
    "at_least": (
        "at least",
        "no fewer than",
        "no less than",
        "not less than",
        "not fewer than",
        "a minimum of",
        "≥",
        "> =",
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
    ),
    "fewer_than": ("fewer than", "less than", "under", "below", "lower than", "short of", "<"),
    "order_of": ("on the order of", "of the order of", "in the order of", "order of"),
    "exactly": ("exactly", "precisely"),
}
_TAILS: dict[str, tuple[str, ...]] = {
    "at_least": ("or more", "or over", "or above", "plus", "+", "at least", "and up"),
    "up_to": ("or fewer", "or less", "at most", "or under"),
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
_BIG = {
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "lakh": 1e5,
    "lakhs": 1e5, "lac": 1e5, "crore": 1e7, "crores": 1e7,
}  # fmt: skip
_VULGAR = {"½": 0.5, "⅓": 1 / 3, "⅔": 2 / 3, "¼": 0.25, "¾": 0.75, "⅕": 0.2, "⅛": 0.125}
_FRACTIONS = {
    "half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
    "quarters": 0.25, "fourth": 0.25, "fourths": 0.25, "fifth": 0.2, "fifths": 0.2,
    "sixth": 1 / 6, "sixths": 1 / 6, "tenth": 0.1, "tenths": 0.1,
}  # fmt: skip
# Multipliers after a numeral ("12k", "1.5 million", "2.3bn", "200 dozens"). Case matters for
# single letters: "3M" is three million, "3m" three metres (unless after a currency: "$3m").
_MULTIPLIERS = {
    "thousand": 1e3, "thousands": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6,
    "mln": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12, "tn": 1e12,
    "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "crore": 1e7, "crores": 1e7, "hundred": 1e2,
    "dozen": 12.0, "dozens": 12.0,
}  # fmt: skip
_CASED_MULTIPLIERS = {"M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_CURRENCY_MULTIPLIERS = {"m": 1e6, "b": 1e9, "t": 1e12}
_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP"}
_DEGREES = {"c": "degree_Celsius", "f": "degree_Fahrenheit"}
_CURRENCY_CODES = {"usd": "USD", "eur": "EUR", "gbp": "GBP"}
_PERCENT_WORDS = {"percent": "percent", "pct": "percent"}

# Vague words and how they combine with a scale ("several hundred", "tens of thousands").
_VAGUE = {
    "few": "a few", "several": "several", "many": "many", "tens": "tens", "dozens": "dozens",
    "scores": "scores", "hundreds": "hundreds", "thousands": "thousands",
    "millions": "millions", "billions": "billions",
}  # fmt: skip
_SCALE_SINGULAR = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "dozen": 12.0}
_SCALE_PLURAL = {"hundreds": 1e2, "thousands": 1e3, "millions": 1e6, "billions": 1e9}

# Counted nouns the registry knows under another name. One or two words; checked up to four
# words after the figure, so "24 North Korean ballistic missiles" finds its noun.
_NOUNS: dict[tuple[str, ...], str] = {}
for _unit, _words in {
    "person": (
        "soldier soldiers troop troops people persons person officer officers forces "
        "servicemen personnel infantry fighters civilians men women children generals "
        "engineers sappers builders workers refugees casualties recruits conscripts "
        "special_forces service_members military_engineers combat_engineers "
        "construction_troops military_builders"
    ),
    "container": "container containers",
    "shell": "shell shells round rounds artillery_shells artillery_rounds",
    "missile": "missile missiles ballistic_missiles",
    "vehicle": "vehicle vehicles",
    "percent": "percent pct per_cent percentage",
    "USD": "dollar dollars usd us_dollars",
    "EUR": "euro euros eur",
    "GBP": "gbp",
    "degree_Celsius": "degrees_celsius degree_celsius celsius degrees_c",
    "degree_Fahrenheit": "degrees_fahrenheit degree_fahrenheit fahrenheit degrees_f",
}.items():
    for _w in _words.split():
        _NOUNS[tuple(_w.split("_"))] = _unit
_NOUN_FIRST = {k[0] for k in _NOUNS}

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
) - {">", "<"}
_VERB_ENDINGS = ("ed", "ing")
# Single letters read as units only in these spellings ("3 to 4 L"); "5 s" or "a" are not.
_LONE_LETTER_UNITS = frozenset({"L", "l", "g", "m"})
# Words pint reads as units that in running text almost never are.
_NOT_UNITS = frozenset({"point", "line", "hand", "stone", "grain", "mil", "pi", "year", "years"})
_HYPHENATED = frozenset(_ONES) | frozenset(_FRACTIONS)
_DASHES = frozenset("-–—‐‑")
_MINUS = frozenset("-−")
