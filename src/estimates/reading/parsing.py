"""Reading figures: text to :class:`~estimates.values.ranges.Range` under a named convention.

The parser decides which words may appear where (the grammar below); a *convention*
(:mod:`estimates.reading.conventions`) decides what they mean. ``parse`` reads the first figure in a
text and returns its range; ``parse_figure`` returns the richer :class:`Figure` (span, counted
noun, operator, ambiguities); ``find_figures`` returns every figure in running text; ``format``
writes a range back as words that ``parse`` reads to the same range.

Grammar (one figure)::

    figure   := [lead] core [tail] [["of"] noun]
    lead     := about | around | nearly | more than | at least | up to | fewer than
                | order of | exactly       (each with its synonyms, e.g. "in excess of")
    core     := "between" single ("and" | "to" | "-") single
              | "from" single [("to" | "-") single]
              | single [("to" | "-" | "–" | "or") single]
              | vague
    single   := [currency] [sign] (numeral | number words) [multiplier] ["%" | "percent"]
    vague    := "a few" | "several" | "many" | "tens" | "dozens" | "scores" | "hundreds"
              | "thousands" | "millions" | "billions", optionally times a scale
                ("several hundred", "tens of thousands", "hundreds of thousands")
    tail     := "or more" | "or so" | "or fewer" | "or less" | "plus" | "+" | "at least"

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
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from estimates.errors import ParseError, UnitError

# By module path, not as an attribute of the package: ``estimates.reading.conventions`` is also the
# name of the public listing function.
from estimates.reading.conventions import Convention, Rule, get_convention
from estimates.reading.conventions import _listeners as _convention_listeners
from estimates.values import units as _units
from estimates.values.ranges import Closed, Range
from estimates.values.words import MINUS, number, unit_words

__all__ = ["Figure", "find_figures", "format", "parse", "parse_figure"]

# -- tokens ----------------------------------------------------------------------------------

# One pass, left to right, over the text. Each alternative is bounded by what it can match at a
# given start: digit groups check "not followed by a digit" per group, so a failed grouping
# gives up after the group it stopped at and the next token starts where this one ended. The
# leading blanks are taken possessively and the end of the text is a match of its own, so no
# position is scanned twice. Punctuation the grammar never looks at is one token per run.
_SPECIAL = r"$€£~≈<>=≥≤+%/°.\-–—‐‑−"
_TOKEN_RE = re.compile(
    r"(\s*+)(?:(\d{1,3}(?:,\d{3}(?!\d))+(?:\.\d+)?"
    r"|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3}(?![\d,.]))+"
    r"|\d+(?:\.\d+)?|\.\d+)"
    r"|([^\W\d_]+)"
    rf"|([{_SPECIAL}]|[^\w\s{_SPECIAL}]++(?:\s++[^\w\s{_SPECIAL}]++)*+|_+)"
    r"|$)"
)
_NUM, _WORD, _SYM = 0, 1, 2


class _Tok(NamedTuple):
    kind: int
    low: str  # lower-cased text (words); the text itself otherwise
    start: int
    end: int
    raw: str


_new_tok = tuple.__new__  # builds a _Tok without a Python-level __new__ call (hot path)


def _tokens(parts: Iterable[tuple[str, str, str, str]], toks: list[_Tok], pos: int) -> int:
    """Append the tokens of ``(blank, number, word, symbol)`` parts; return the end offset."""
    append = toks.append
    for blank, num, word, sym in parts:
        pos += len(blank)
        if num:
            end = pos + len(num)
            append(_new_tok(_Tok, (_NUM, num, pos, end, num)))
        elif word:
            end = pos + len(word)
            append(_new_tok(_Tok, (_WORD, word.lower(), pos, end, word)))
        elif sym:
            end = pos + len(sym)
            append(_new_tok(_Tok, (_SYM, sym, pos, end, sym)))
        else:
            continue
        pos = end
    return pos


# Texts up to this length are tokenized in one go (the common case: a phrase); longer ones in
# chunks of matches, so reading the first figure of a long text never tokenizes all of it.
_EAGER = 2000
_CHUNK = 256


# Lookahead past the end reads None from this many padding slots (the grammar looks at most a
# dozen tokens ahead of what it has read), so the hot path indexes lists without bounds checks.
_PAD = 32


class _Stream:
    """Tokens pulled on demand, so reading the first figure never tokenizes the whole text.

    ``get(i)`` is the token at ``i`` and ``word(i)`` its lower-cased text (``None`` for numbers);
    both give ``None`` past the end. A short text is tokenized at once and both are plain list
    look-ups; a long one is tokenized in chunks as the reader asks for more.
    """

    __slots__ = ("_done", "_it", "_pos", "get", "text", "toks", "word")

    get: Callable[[int], _Tok | None]
    word: Callable[[int], str | None]

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[_Tok] = []
        if len(text) <= _EAGER:
            toks = self.toks
            self._pos = _tokens(_TOKEN_RE.findall(text), toks, 0)
            self._done = True
            self._it: Iterator[re.Match[str]] = iter(())
            pad: list[None] = [None] * _PAD
            self.get = [*toks, *pad].__getitem__
            self.word = [*(None if t.kind == _NUM else t.low for t in toks), *pad].__getitem__
        else:
            self._pos = 0
            self._done = False
            self._it = _TOKEN_RE.finditer(text)
            self.get = self._get
            self.word = self._word

    def _get(self, i: int) -> _Tok | None:
        try:
            return self.toks[i]
        except IndexError:
            return self._fill(i)

    def _fill(self, i: int) -> _Tok | None:
        toks = self.toks
        while len(toks) <= i:
            if self._done:
                return None
            chunk = [m.groups() for m in itertools.islice(self._it, _CHUNK)]
            if not chunk:
                self._done = True
                return None
            self._pos = _tokens(chunk, toks, self._pos)  # type: ignore[arg-type]
        return toks[i]

    def _word(self, i: int) -> str | None:
        t = self._get(i)
        return None if t is None or t.kind == _NUM else t.low

    def attached(self, i: int) -> bool:
        """Whether token ``i`` follows token ``i - 1`` with no space between."""
        t = self.get(i)
        return t is not None and i > 0 and self.toks[i - 1].end == t.start


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


# -- reading ------------------------------------------------------------------------------------


class _Num(NamedTuple):
    value: float
    u: float  # unit of the last significant digit
    exact: bool  # named exactly by words ("a dozen", "half")
    end: int  # next token index
    unit: str | None  # currency or percent attached to the number
    grouped: bool  # written with digit groups or a multiplier (for "11 to 12,000")
    scale: float  # multiplier applied (1 when none)


class _Reading(NamedTuple):
    start: int  # char offsets
    end: int
    op: str
    a: _Num | None
    b: _Num | None
    vague: tuple[str, float] | None
    unit: str | None
    noun: str | None
    ambiguities: tuple[str, ...]


class _IncompleteError(Exception):
    """A construct that started a figure and broke off ("between 5 and")."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.span = span


# float(f"1e{k}") and float(f"1e-{k}") for the digit counts numerals have, read once.
_POWERS = tuple(float(f"1e{k}") for k in range(400))
_INVERSE_POWERS = tuple(float(f"1e-{k}") for k in range(400))


def _numeral(raw: str) -> tuple[float, float, str | None]:
    """Value, precision unit and ambiguity note of a digit token."""
    if raw.isdigit():  # the common case: digits and nothing else
        zeros = len(raw) - len(raw.rstrip("0"))
        if zeros == len(raw):
            return float(raw), 1.0, None
        return float(raw), (_POWERS[zeros] if zeros < 400 else float(f"1e{zeros}")), None
    ambiguity = None
    if "," in raw:
        if raw.count(",") == 1 and "." not in raw:
            ambiguity = (
                f"{raw!r} read with ',' grouping thousands (English); in a comma-decimal "
                f"locale it would be {raw.replace(',', '.')}"
            )
        clean = raw.replace(",", "")
    elif " " in raw or "\u00a0" in raw or "\u202f" in raw or "\u2009" in raw:
        clean = re.sub(r"\D", "", raw)
    else:
        clean = raw
    if "." in clean:
        whole, _, frac = clean.partition(".")
        if len(frac) == 3 and whole and "," not in raw:
            ambiguity = (
                f"{raw!r} read with '.' as the decimal mark (English); in a dot-grouping "
                f"locale it would be {whole}{frac}"
            )
        value = float(clean)
        u = _INVERSE_POWERS[len(frac)] if len(frac) < 400 else float(f"1e-{len(frac)}")
    else:
        value = float(clean)
        stripped = clean.rstrip("0")
        # float("1e400") is inf where 10.0 ** 400 raises: a huge numeral fails cleanly later
        u = float(f"1e{len(clean) - len(stripped)}") if stripped else 1.0
    return value, u, ambiguity


class _Reader:
    """A hand-written reader over a token stream; every method returns ``None`` to say "no"."""

    __slots__ = ("amb", "s")

    def __init__(self, stream: _Stream) -> None:
        self.s = stream
        self.amb: list[str] = []

    # -- small pieces ---------------------------------------------------------------------------

    def phrase(
        self, i: int, index: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    ) -> tuple[str, int] | None:
        w = self.s.word(i)
        if w is None or w not in index:
            return None
        for words, op in index[w]:
            n = len(words)
            if all(self.s.word(i + k) == words[k] for k in range(1, n)):
                return op, i + n
        return None

    def currency_before(self, i: int) -> tuple[str, int] | None:
        w = self.s.word(i)
        if w is None:
            return None
        if w in _CURRENCY_SYMBOLS:
            return _CURRENCY_SYMBOLS[w], i + 1
        if w == "us" and self.s.word(i + 1) == "$":
            return "USD", i + 2
        if w in _CURRENCY_CODES:
            return _CURRENCY_CODES[w], i + 1
        return None

    def multiplier(self, i: int, after_currency: bool) -> tuple[float, int] | None:
        t = self.s.get(i)
        if t is None or t.kind != _WORD:
            return None
        if t.raw in _CASED_MULTIPLIERS and self.s.attached(i):
            return _CASED_MULTIPLIERS[t.raw], i + 1
        if after_currency and t.low in _CURRENCY_MULTIPLIERS and self.s.attached(i):
            return _CURRENCY_MULTIPLIERS[t.low], i + 1
        if t.low in _MULTIPLIERS:
            if t.low == "k" and not self.s.attached(i):
                return None
            # "dozens"/"thousands" after a number multiply it ("200 dozens"), but "3 thousands
            # of" is rare; "hundreds"/"thousands of" after a figure are not a multiplier.
            if t.low.endswith("s") and self.s.word(i + 1) == "of":
                return None
            return _MULTIPLIERS[t.low], i + 1
        return None

    def words_number(self, i: int) -> tuple[float, float, bool, int] | None:
        """Number words: "twelve thousand", "one and a half million", "a dozen", "half"."""
        s = self.s
        total = 0.0
        cur = 0.0
        seen = False
        exact = False
        j = i
        w = s.word(j)
        if w in ("a", "an"):
            nxt = s.word(j + 1)
            if nxt in ("couple", "pair"):
                cur, seen, exact, j = 2.0, True, True, j + 2
                if s.word(j) == "of" and s.get(j + 1) is not None and s.get(j + 1).kind == _NUM:  # type: ignore[union-attr]
                    return None
            elif nxt == "dozen":
                cur, seen, exact, j = 12.0, True, True, j + 2
            elif nxt == "hundred":
                cur, seen, j = 100.0, True, j + 2
            elif nxt in _BIG:
                total, seen, j = _BIG[nxt], True, j + 2
            elif nxt in _FRACTIONS and not nxt.endswith("s"):
                cur, seen, exact, j = _FRACTIONS[nxt], True, True, j + 2
            else:
                return None
        while True:
            w = s.word(j)
            if w is None:
                break
            if w in _ONES:
                v = _ONES[w]
                if seen and (cur % 10 != 0 or (v >= 10 and cur % 100 != 0)):
                    break
                cur += v
            elif w in _TENS:
                if seen and cur % 100 != 0:
                    break
                cur += _TENS[w]
            elif w == "hundred" and (seen or j == i):
                cur = (cur or 1.0) * 100
                exact = False
            elif w in _BIG and (seen or j == i):
                if cur == 0 and total == 0 and seen:
                    break
                total += (cur or 1.0) * _BIG[w]
                cur = 0.0
                exact = False
            elif w in ("dozen", "dozens") and seen:
                cur = (cur or 1.0) * 12
            elif w in _FRACTIONS and (seen or w in ("half", "quarter")):
                if not seen:
                    cur, exact = _FRACTIONS[w], True
                elif w.endswith("s") or (cur and cur < 20):
                    cur = cur * _FRACTIONS[w]  # "two thirds", "three halves", "one half"
                    exact = True
                else:
                    break
            elif w in _DASHES and seen and s.attached(j) and s.word(j + 1) in _HYPHENATED:
                pass  # "twenty-one", "one-half"
            elif w in _VULGAR and (not seen or cur == int(cur)):
                cur += _VULGAR[w]  # "½", "2 ½"
                exact = True
            elif w == "and" and seen:
                nxt = s.word(j + 1)
                if nxt in ("a", "an") and s.word(j + 2) in ("half", "quarter", "third"):
                    cur += _FRACTIONS[s.word(j + 2)]  # type: ignore[index]
                    j += 3
                    continue
                if nxt in _ONES or nxt in _TENS:
                    pass
                else:
                    break
            elif w == "point" and seen:
                digits = []
                k = j + 1
                while s.word(k) in _ONES and _ONES[s.word(k)] < 10:  # type: ignore[index]
                    digits.append(str(_ONES[s.word(k)]))  # type: ignore[index]
                    k += 1
                if not digits:
                    break
                cur += float("0." + "".join(digits))
                j = k
                continue
            else:
                break
            seen = True
            j += 1
        if not seen or j == i:
            return None
        value = total + cur
        if value == int(value) and value != 0:
            text = str(int(value))
            u = 10.0 ** (len(text) - len(text.rstrip("0")))
        else:
            u = 1.0 if value == 0 else 0.01
        return value, u, exact, j

    def single(self, i: int) -> _Num | None:
        """One number with its currency, sign, multiplier and percent."""
        s = self.s
        unit: str | None = None
        sign = 1.0
        j = i
        t = s.get(j)
        if t is not None and t.kind != _NUM:  # a currency or a sign before the number
            cur = self.currency_before(j)
            if cur is not None:
                unit, j = cur
            w = s.word(j)
            nt = s.get(j + 1)
            if w in _MINUS and nt is not None and nt.kind == _NUM and s.attached(j + 1):
                prev = s.get(j - 1) if j > 0 else None
                if prev is None or prev.end != s.toks[j].start or prev.kind == _SYM:
                    sign, j = -1.0, j + 1
            elif w in ("minus", "negative"):
                sign, j = -1.0, j + 1
            if unit is None and (cur := self.currency_before(j)) is not None:
                unit, j = cur
            t = s.get(j)
        if t is None:
            return None
        exact = False
        grouped = False
        if t.kind == _NUM:
            value, u, amb = _numeral(t.raw)
            if amb:
                self.amb.append(amb)
            grouped = not t.raw.isdigit()
            j += 1
            nt = s.get(j)
            frac = None
            if nt is not None and (nt.kind == _NUM or nt.low == "/"):
                frac = self.slash_fraction(j)
            if frac is not None and t.raw.isdigit():
                if s.attached(j):  # "3/4"
                    value, u, exact, j = value / frac[1], 0.01, True, frac[2]
                else:  # "2 1/2"
                    value, u, exact, j = value + frac[0] / frac[1], 0.01, True, frac[2]
        elif t.kind == _WORD:
            got = self.words_number(j)
            if got is None:
                return None
            value, u, exact, j = got
        else:
            return None
        scale = 1.0
        while (m := self.multiplier(j, unit is not None)) is not None:
            scale *= m[0]
            j = m[1]
            exact = exact and m[0] == 12.0
        if scale != 1.0:
            value *= scale
            u *= scale
            grouped = True
        w = s.word(j)
        if w == "%" or w in _PERCENT_WORDS:
            unit, j = "percent", j + 1
        elif w == "per" and s.word(j + 1) == "cent":
            unit, j = "percent", j + 2
        elif w in _CURRENCY_SYMBOLS and s.attached(j) and unit is None:
            unit, j = _CURRENCY_SYMBOLS[w], j + 1  # "10$", "20€"
        elif w == "°":
            scale_word = s.word(j + 1)
            if scale_word in _DEGREES and s.attached(j + 1):
                unit, j = _DEGREES[scale_word], j + 2
            else:
                unit, j = "degree", j + 1
        if not math.isfinite(value):
            tok = s.get(i)
            raise _IncompleteError(
                "the number is too large to represent",
                (tok.start if tok else 0, s.toks[j - 1].end),
            )
        return _new_tok(_Num, (sign * value, u, exact, j, unit, grouped, scale))

    def slash_fraction(self, j: int) -> tuple[float, float, int] | None:
        """``1/2`` at ``j`` (numerator, denominator, next index), or the ``/d`` of ``3/4``."""
        s = self.s
        t = s.get(j)
        if t is None:
            return None
        if t.kind == _SYM and t.low == "/" and s.attached(j):
            d = s.get(j + 1)
            if d is not None and d.kind == _NUM and d.raw.isdigit() and s.attached(j + 1):
                den = float(d.raw)
                if den > 0:
                    return 1.0, den, j + 2
            return None
        if t.kind == _NUM and t.raw.isdigit() and s.word(j + 1) == "/" and s.attached(j + 1):
            d = s.get(j + 2)
            if d is not None and d.kind == _NUM and d.raw.isdigit() and s.attached(j + 2):
                num, den = float(t.raw), float(d.raw)
                if 0 < num < den:
                    return num, den, j + 3
        return None

    def vague(self, i: int) -> tuple[str, float, int] | None:
        s = self.s
        j = i
        w = s.word(j)
        if w == "a" and s.word(j + 1) == "few":
            j += 1
            w = "few"
        if w not in _VAGUE:
            return None
        word = _VAGUE[w]
        j += 1
        factor = 1.0
        nxt = s.word(j)
        if word in ("a few", "several", "many") and nxt in _SCALE_SINGULAR:
            factor, j = _SCALE_SINGULAR[nxt], j + 1
        elif nxt == "of" and s.word(j + 1) in _SCALE_PLURAL:
            factor, j = _SCALE_PLURAL[s.word(j + 1)], j + 2  # type: ignore[index]
            if s.word(j) == "of" and s.word(j + 1) in _SCALE_PLURAL:
                factor *= _SCALE_PLURAL[s.word(j + 1)]  # type: ignore[index]
                j += 2
        if word == "many" and factor == 1.0:
            return None  # "many" alone is not a figure; "many thousands" is
        return word, factor, j

    # -- a figure -------------------------------------------------------------------------------

    def figure(
        self, i: int
    ) -> tuple[str, _Num | None, _Num | None, tuple[str, float] | None, int] | None:
        s = self.s
        op = "bare"
        j = i
        lead = self.phrase(j, _LEAD_INDEX)
        if lead is not None:
            op, j = lead
            if op not in ("about", "around"):
                # "up to ~3 million", "more than about 500": the bound is what the words assert
                again = self.phrase(j, _LEAD_INDEX)
                if again is not None and again[0] in ("about", "around"):
                    j = again[1]
        w = s.word(j)
        a: _Num | None
        b: _Num | None = None
        if w == "between":
            a = self.single(j + 1)
            if a is None:
                return None
            k = a.end
            if (uw := self.unit_word(k)) is not None:
                k += uw[1]
            conn = s.word(k)
            if conn not in ("and", "to") and conn not in _DASHES:
                start = s.get(j)
                raise _IncompleteError(
                    "'between' needs two numbers: 'between X and Y'",
                    (start.start if start else 0, s.toks[a.end - 1].end),
                )
            b = self.second(k + 1)
            if b is None:
                start = s.get(j)
                last = s.get(k)
                raise _IncompleteError(
                    "'between' needs two numbers: 'between X and Y'",
                    (start.start if start else 0, last.end if last else len(s.text)),
                )
            a = self.with_unit(a, uw)
            return ("range" if op == "bare" else op), a, b, None, b.end
        if w == "from":
            a = self.single(j + 1)
            if a is None:
                return None
            k = a.end
            if (uw := self.unit_word(k)) is not None:
                k += uw[1]
            if s.word(k) == "to" or s.word(k) in _DASHES:
                b = self.second(k + 1)
                if b is not None:
                    return ("range" if op == "bare" else op), self.with_unit(a, uw), b, None, b.end
            return op, a, None, None, a.end
        vague = self.vague(j)
        if vague is not None:
            word, factor, j = vague
            return op, None, None, (word, factor), j
        a = self.single(j)
        if a is None:
            return None
        k = a.end
        conn = s.word(k)
        uw = None
        if conn is not None and conn not in _DASHES and conn not in ("to", "or"):
            uw = self.unit_word(k)
            if uw is not None:
                k += uw[1]
                conn = s.word(k)
        is_dash = conn in _DASHES
        if is_dash and s.word(k + 1) == "to":
            k, conn, is_dash = k + 1, "to", False  # "8- to 16-meter"
        if (conn == "to" or is_dash) or (conn == "or" and self.phrase(k, _TAIL_INDEX) is None):
            b = self.second(k + 1)
            if b is not None:
                if op == "bare" or op == "about" or op == "around":
                    op = "range"
                return op, self.with_unit(a, uw), b, None, b.end
        return op, a, None, None, a.end

    def second(self, i: int) -> _Num | None:
        """The second number of a range, which may repeat an approximator ("2 - ~7 g")."""
        lead = self.phrase(i, _LEAD_INDEX)
        j = lead[1] if lead is not None and lead[0] in ("about", "around") else i
        return self.single(j)

    def with_unit(self, a: _Num, unit: tuple[str, int] | None) -> _Num:
        return a if unit is None or a.unit is not None else a._replace(unit=unit[0])

    def unit_word(self, i: int) -> tuple[str, int] | None:
        """A unit written between the two numbers of a range ("from 10 dollars to 20"):
        the unit and the number of words it takes."""
        s = self.s
        t = s.get(i)
        if t is None or t.kind != _WORD or t.low in _STOP:
            return None
        two = (t.low, s.word(i + 1) or "")
        if two in _NOUNS and (s.word(i + 2) in ("to", "and") or s.word(i + 2) in _DASHES):
            return _NOUNS[two], 2
        nxt = s.word(i + 1)
        if nxt not in ("to", "and") and nxt not in _DASHES:
            return None
        unit = _unit_of((t.low,), t.raw, s.attached(i))
        return None if unit is None else (unit, 1)

    def noun(self, i: int) -> tuple[str | None, str | None, int]:
        """The counted noun after a figure: (unit, noun words, next index).

        A noun the registry knows gives the unit; an unknown one ("brigades", "heavy artillery
        units") is kept as written, up to three lower-case words, with no unit guessed.
        """
        s = self.s
        j = i
        if s.word(j) == "of":
            j += 1
        first_idx: int | None = None
        k = j
        for _ in range(5):
            t = s.get(k)
            if t is None:
                break
            if t.kind == _NUM:
                nt = s.get(k + 1)
                if nt is not None and nt.kind == _WORD and s.attached(k + 1):
                    k += 2  # "6 million 152mm shells": a calibre, not a second figure
                    continue
                break
            if t.kind == _SYM:
                if t.low in _DASHES and s.attached(k) and s.attached(k + 1) and first_idx is None:
                    k += 1  # "27-kilometer"
                    continue
                break
            if t.low in _STOP:
                break
            if first_idx is None:
                first_idx = k
            if t.low in _NOUN_FIRST:
                two = (t.low, s.word(k + 1) or "")
                if two in _NOUNS:
                    end = s.get(k + 1)
                    return _NOUNS[two], s.text[t.start : end.end if end else t.end], k + 2
                if (t.low,) in _NOUNS:
                    return _NOUNS[(t.low,)], t.raw, k + 1
            k += 1
        if first_idx is None:
            return None, None, i
        first = s.toks[first_idx]
        unit = _unit_of((first.low,), first.raw, s.attached(first_idx))
        if unit is not None:
            return unit, first.raw, first_idx + 1
        if not first.raw.islower() or len(first.raw) < 2 or first.low.endswith(_VERB_ENDINGS):
            return None, None, i  # "3,000 sent", "10,000 being trained": verbs, not nouns
        stop = first_idx + 1
        while stop < first_idx + 3:
            t = s.get(stop)
            if t is None or t.kind != _WORD or t.low in _STOP or not t.raw.islower():
                break
            stop += 1
        return None, s.text[first.start : s.toks[stop - 1].end], stop


@functools.lru_cache(maxsize=4096)
def _registry_unit(word: str) -> str | None:
    try:
        return _units.canonical(word)
    except UnitError:
        return None


def _unit_of(words: tuple[str, ...], raw: str, attached: bool) -> str | None:
    if words in _NOUNS:
        return _NOUNS[words]
    if raw.lower() in _STOP or not raw.isascii() or raw in _NOT_UNITS:
        return None
    if len(raw) < 2 and not attached and raw not in _LONE_LETTER_UNITS:
        return None
    # The registry is case-sensitive ("K" is kelvin, "k" is not a unit); "Cups" at the start of
    # a title-cased phrase is still cups.
    unit = _registry_unit(raw)
    if unit is None and len(raw) > 2 and raw[0].isupper() and raw[1:].islower():
        unit = _registry_unit(raw.lower())
    return unit


def _read_at(reader: _Reader, i: int) -> _Reading | None:
    s = reader.s
    reader.amb = []
    got = reader.figure(i)
    if got is None:
        return None
    op, a, b, vague, j = got
    tail = reader.phrase(j, _TAIL_INDEX)
    # a tail "+" counts only written against the number ("10,000+")
    if tail is not None and a is not None and b is None and (s.word(j) != "+" or s.attached(j)):
        op, j = tail[0], tail[1]
    unit = (b.unit if b is not None else None) or (a.unit if a is not None else None)
    n_unit, noun, j2 = reader.noun(j)
    if a is not None and b is None and a.exact and abs(a.value) < 1 and s.word(j) == "of":
        n_unit = None  # "half of artillery shells" is a share of the shells, not shells
    if unit is None or n_unit is None or n_unit == unit:
        # a noun naming another unit after a currency ("$3 billion in shells") stays unread
        j = j2 if (n_unit is not None or noun is not None) else j
        unit = unit or n_unit
    else:
        noun = None
    if a is not None and b is not None:
        a, b = _carry(a, b, reader.amb)
    first = s.get(i)
    last = s.toks[j - 1]
    return _Reading(
        first.start if first else 0,
        last.end,
        op,
        a,
        b,
        vague,
        unit,
        noun,
        tuple(reader.amb),
    )


def _carry(a: _Num, b: _Num, amb: list[str]) -> tuple[_Num, _Num]:
    """ "11 to 12,000" and "2 to 3 million": the second number's scale carries to the first."""
    if b.value < a.value:
        amb.append(
            f"the range runs downward ({_exact(a.value)} to {_exact(b.value)}); read as "
            f"{_exact(b.value)} to {_exact(a.value)}"
        )
        return a, b
    if a.grouped or a.exact or b.value == a.value:
        return a, b
    if b.scale != 1.0:
        scale = b.scale
    elif b.grouped:
        whole = f"{b.value:.0f}" if b.value == int(b.value) else ""
        zeros = len(whole) - len(whole.rstrip("0"))
        scale = 1000.0 ** (zeros // 3)
        if scale == 1.0 or a.value * scale > b.value or a.value * scale < b.value / 10:
            return a, b
        amb.append(
            f"read '{_exact(a.value)} to {_exact(b.value)}' as {_exact(a.value * scale)} to "
            f"{_exact(b.value)} (the thousands carry); literally it would start at "
            f"{_exact(a.value)}"
        )
    else:
        return a, b
    if a.value * scale > b.value:
        return a, b
    return a._replace(value=a.value * scale, u=a.u * scale, scale=scale), b


# -- meaning: apply a convention ---------------------------------------------------------------


def _side(n: float, u: float, offset: float | None, ratio: float | None) -> float | None:
    if offset is not None:
        return n + offset * u
    if ratio is not None:
        return n * ratio
    return None


def _apply(rule: Rule, n: _Num) -> tuple[float | None, float | None, float | None, Closed]:
    value, u = n.value, n.u
    if rule.exact_whole and (n.exact or (u <= 1 and value == int(value))):
        return value, value, value, "both"
    low = _side(value, u, rule.low, rule.low_ratio)
    high = _side(value, u, rule.high, rule.high_ratio)
    if low is not None and high is not None and low > high:
        low, high = high, low  # ratios of a negative number
    if rule.cap is not None:
        half = max(rule.cap * abs(value), u / 2)
        if low is not None:
            low = max(low, value - half)
        if high is not None:
            high = min(high, value + half)
    return low, (value if rule.best else None), high, rule.closed


# Each convention's rules by operator, read here rather than through ``Convention.rule``: the
# model keeps its index in a private attribute, and pydantic's lookup of those costs a
# microsecond a call on the hot path. Keyed by identity, holding the convention so its id is
# not reused; emptied when a convention is registered.
_RULE_TABLES: dict[int, tuple[Convention, dict[str, Rule]]] = {}


def _rule(convention: Convention, op: str) -> Rule:
    entry = _RULE_TABLES.get(id(convention))
    if entry is None or entry[0] is not convention:
        if len(_RULE_TABLES) >= 64:  # conventions built on the fly: keep the table small
            _RULE_TABLES.clear()
        entry = _RULE_TABLES[id(convention)] = (
            convention,
            {r.operator: r for r in convention.rules},
        )
    found = entry[1].get(op)
    # an operator the convention lacks: its own lookup raises the error that names the known ones
    return found if found is not None else convention.rule(op)


def _to_range(reading: _Reading, convention: Convention, unit: str | None, text: str) -> Range:
    op = reading.op
    a, b = reading.a, reading.b
    low: float | None
    high: float | None
    best: float | None
    closed: Closed
    if reading.vague is not None:
        word, factor = reading.vague
        entry = convention.vague_entry(word)
        low = None if entry.low is None else entry.low * factor
        best = None if entry.best is None else entry.best * factor
        high = None if entry.high is None else entry.high * factor
        closed = entry.closed
        if op not in ("bare", "about", "around"):
            # "more than hundreds" and the like: the bound word applies to the vague low end.
            n = _Num(low or 0.0, (low or 1.0) / 2, False, 0, None, False, 1.0)
            low, best, high, closed = _apply(_rule(convention, op), n)
    elif b is not None and a is not None:
        rule = _rule(convention, "range")
        lo_n, hi_n = (a, b) if a.value <= b.value else (b, a)
        if op in ("more_than", "at_least", "up_to", "fewer_than", "nearly", "exactly", "order_of"):
            # "up to 5-6 thousand": the bound applies to the far end of the stated range.
            target = hi_n if op in ("up_to", "fewer_than", "nearly") else lo_n
            low, best, high, closed = _apply(_rule(convention, op), target)
        elif rule.point is not None:
            p = lo_n if rule.point == "low" else hi_n
            low = best = high = p.value
            closed = "both"
        else:
            low = _side(lo_n.value, lo_n.u, rule.low, rule.low_ratio)
            high = _side(hi_n.value, hi_n.u, rule.high, rule.high_ratio)
            if low is None and rule.low is None and rule.low_ratio is None:
                low = None
            best = (lo_n.value + hi_n.value) / 2 if rule.best else None
            closed = rule.closed
    else:
        assert a is not None
        low, best, high, closed = _apply(_rule(convention, op), a)
    target_unit = reading.unit
    if unit is not None:
        target_unit = unit if target_unit is None else target_unit
    if target_unit is not None and _units.is_count(target_unit):
        if low is None and high is not None:
            low, closed = 0.0, ("both" if closed in ("both", "right") else "left")
        elif low is not None and low < 0 and (best is None or best >= 0):
            low, closed = 0.0, ("both" if closed in ("both", "left") else "left")
    if low is not None and high is not None and low == high:
        closed = "both"
    try:
        # Range's own validator on a dict: every check ``Range(...)`` makes, without the
        # Python-level ``__init__`` frame around it.
        r: Range = Range.__pydantic_validator__.validate_python(
            {
                "low": low,
                "best": best,
                "high": high,
                "closed": closed,
                "unit": target_unit,
                "convention": convention.name,
            }
        )
    except ValidationError as exc:
        reason = "; ".join(e["msg"] for e in exc.errors())
        raise ParseError(
            f"{text[reading.start : reading.end]!r} does not make a valid range: {reason}",
            text=text,
            span=(reading.start, reading.end),
        ) from None
    if unit is not None and r.unit != _units.canonical(unit):
        r = r.to(unit)
    return r


# -- public API ---------------------------------------------------------------------------------


class Figure(BaseModel):
    """One figure read from text: its range, where it was, its counted noun and doubts.

    ``span`` is the ``(start, end)`` characters of the figure in the text it came from; ``noun``
    the counted noun as written (kept even when no unit is known for it, e.g. "brigades");
    ``operator`` the convention rule used (``bare``, ``about``, ``more_than``, ``range``, ...);
    ``ambiguities`` the readings another locale or a literal reading would give.

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


def _iter_readings(text: str) -> Iterator[_Reading]:
    stream = _Stream(text)
    reader = _Reader(stream)
    i = 0
    while True:
        t = stream.get(i)
        if t is None:
            return
        if (t.kind == _NUM and not _designation(stream, i)) or (
            (t.low in _START_WORDS or t.low in _CURRENCY_SYMBOLS or t.low in _MINUS)
            and _may_start(stream, i, t.low)
        ):
            try:
                got = _read_at(reader, i)
            except _IncompleteError as exc:
                raise ParseError(
                    f"{exc} (in {text[exc.span[0] : exc.span[1]]!r})", text=text, span=exc.span
                ) from None
            if got is not None:
                yield got
                # continue after the figure
                end = got.end
                while (nt := stream.get(i)) is not None and nt.start < end:
                    i += 1
                continue
        i += 1


# What may follow the few start words that are mostly something else ("a", "-").
_AFTER_A = frozenset(
    {"few", "couple", "pair", "dozen", "hundred", "third", "quarter"}
    | set(_BIG)
    | set(_FRACTIONS)
    | {words[1] for first in ("a", "an") for words, _ in _LEAD_INDEX.get(first, ())}
)


def _may_start(stream: _Stream, i: int, low: str) -> bool:
    """A cheap look one token ahead, so runs of "a a a" or "- - -" cost little each."""
    if low in ("a", "an"):
        return stream.word(i + 1) in _AFTER_A
    if low in _MINUS:
        nt = stream.get(i + 1)
        return nt is not None and nt.kind == _NUM and stream.attached(i + 1)
    return True


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
_FAST_NOUNS = {words[0]: unit for words, unit in _NOUNS.items() if len(words) == 1}
_FAST_NOUN_PAIRS = {" ".join(words): unit for words, unit in _NOUNS.items() if len(words) == 2}
# Words the general reader takes as something other than a counted noun right after a number
# (a multiplier, a tail such as "plus", a connector, a stop word): a phrase ending in one goes
# the long way. "pct" is the exception kept as it was: "5 pct" is read here with "pct" as its
# noun, where the general reader takes it as a percent sign and keeps no noun (the range is
# the same); phrases this path did not take before ("~5 pct") still go the long way.
_FAST_NOT_NOUNS = frozenset(_MULTIPLIERS) | set(_TAIL_INDEX) | _STOP
_FAST_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FAST_MULTIPLIER = r"[A-Za-z]+| thousand| million| billion| trillion"
# "~", "≈", "c.", "ca." and "approx." all mean "about" (see _LEADS).
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
    if noun2 is not None:
        words = f"{noun} {noun2}"
        unit = _FAST_NOUN_PAIRS.get(words.lower())
        # a known pair whose first word nothing else claims; any other pair goes the long way
        return None if unit is None or low in _FAST_NOT_NOUNS else (unit, words)
    unit = _FAST_NOUNS.get(low)
    if unit is not None:
        return None if low in _FAST_NOT_NOUNS else (unit, noun)
    if low in _FAST_NOT_NOUNS:
        return None
    unit = _unit_of((low,), noun, False)
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
    grouped = scale != 1.0 or not raw.isdigit()
    return _new_tok(_Num, (value, u, False, 0, unit, grouped, scale))


def _fast_reading(text: str) -> _Reading | None:
    """The reading of a plain phrase without the tokenizer, or ``None`` to take the long way.

    Plain phrases are "[lead] [$]number[multiplier] [noun]" and the ranges "between X and Y",
    "from X to Y", "X to Y", "X-Y". This accepts only what it reads exactly as the general
    reader does (a property test holds the two to the same answers); everything else goes to
    the general reader.
    """
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
    return _new_tok(_Reading, (0, len(text), op, a, b, None, unit, noun, tuple(amb)))


def _designation(stream: _Stream, i: int) -> bool:
    """Whether the number at ``i`` names a model, not a count: "KN-23", "F-16", "Su-27"."""
    if i < 2 or not stream.attached(i):
        return False
    dash, word = stream.toks[i - 1], stream.toks[i - 2]
    return (
        dash.low in _DASHES
        and word.kind == _WORD
        and word.raw[:1].isupper()
        and stream.attached(i - 1)
    )


def _first_reading(text: str) -> _Reading:
    return _fast_reading(text) or _general_reading(text)


def _general_reading(text: str) -> _Reading:
    for reading in _iter_readings(text):
        return reading
    raise _no_figure(text)


def _canonical_unit(unit: str | None) -> str | None:
    return None if unit is None else _units.canonical(unit)


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str, convention: str, unit: str | None) -> Range:
    reading = _fast_reading(text) or _general_reading(text)
    return _to_range(reading, get_convention(convention), unit, text)


_convention_listeners.append(_parse_cached.cache_clear)
_convention_listeners.append(_RULE_TABLES.clear)


def parse(text: str, *, convention: str = "ferson", unit: str | None = None) -> Range:
    """Read the first figure in ``text`` as a :class:`Range` under ``convention``.

    Every string gives either a Range or a :class:`~estimates.errors.ParseError` that carries
    the text and the span that failed. ``unit`` is used when the text names none; when the text
    names one of the same dimension the range is converted to ``unit``.

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
        return _parse_cached(text, convention, unit)
    return _to_range(_first_reading(text), get_convention(convention), unit, text)


def _figure(reading: _Reading, text: str, convention: Convention, unit: str | None) -> Figure:
    return Figure(
        range=_to_range(reading, convention, unit, text),
        text=text[reading.start : reading.end],
        span=(reading.start, reading.end),
        operator=reading.op if reading.vague is None else f"vague:{reading.vague[0]}",
        noun=reading.noun,
        ambiguities=reading.ambiguities,
    )


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
    return tuple(_figure(r, text, conv, target) for r in _iter_readings(text))


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


def _exact(x: float) -> str:
    return number(x, exact=True)


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
