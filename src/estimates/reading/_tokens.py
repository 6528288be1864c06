"""Tokens of a figure: one compiled pattern, read left to right, pulled on demand."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

# -- tokens ----------------------------------------------------------------------------------

# One pass, left to right, over the text. Each alternative is bounded by what it can match at a
# given start: digit groups check "not followed by a digit" per group, so a failed grouping
# gives up after the group it stopped at and the next token starts where this one ended. The
# leading blanks are taken possessively and the end of the text is a match of its own, so no
# position is scanned twice. Punctuation the grammar never looks at is one token per run.
#
# A word is tried first: it starts with a letter, where no numeral starts (a digit or a decimal
# point), so trying it first changes no token. A word, the commonest token, is then found without
# each numeral form failing on it first, and on any other token the engine leaves the word's
# branch at its first character (a branch that starts with a class of characters).
#
# Numerals, in the order tried: Indian grouping ("45,67,890": pairs, then a final three), English
# grouping ("1,234,567.5"), groups set off by a space, a no-break or a (narrow) thin space ("2 345
# 678.5"), groups set off by dots, two or more of them ("1.000.000", "1.234.567,89": no decimal
# point is written twice, so the dots group thousands and a comma after them is the decimal
# mark), scientific notation ("2.4e6", "3.1E+9"), a decimal comma ("2,7", "1,5 million": one or
# two digits after the comma, not part of a longer run of commas, read with its other reading
# noted), and plain digits. The Indian and decimal-comma forms never start right after a digit or
# a comma, so a run of commas that fails them is scanned once, not once per group. The repeated
# groups are possessive: nothing after them can fail, so giving none back changes no match, and
# the engine keeps no backtracking state per group (a number of 750,000 digits is one pass).
# A number written from its decimal point (".5") does not start right after the word "Rs": in
# "Rs.500" the dot ends the abbreviation of rupees, as in "Rs. 500".
_SPECIAL = r"$€£~≈<>=≥≤+%/°.\-–—‐‑−^×"
_TOKEN_RE = re.compile(
    r"(\s*+)(?:([^\W\d_]+)"
    r"|((?<![\d,])\d{1,2}(?:,\d\d(?=,\d))++,\d{3}(?![\d,])(?:\.\d+)?"
    r"|\d{1,3}(?:,\d{3}(?!\d))++(?:\.\d+)?"
    r"|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3}(?![\d,]))++(?:\.\d+)?"
    r"|\d{1,3}(?:\.\d{3}(?!\d)){2,}+(?:,\d+)?"
    r"|\d+(?:\.\d+)?[eE][-+]?\d{1,3}(?![\w])"
    r"|(?<![\d,])\d+,\d{1,2}(?![\d]|,\d)"
    r"|\d+(?:\.\d+)?|(?<!\b[Rr][Ss])\.\d+)"
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
    """Append the tokens of ``(blank, word, number, symbol)`` parts; return the end offset."""
    append = toks.append
    for blank, word, num, sym in parts:
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


def _plain_tokens(text: str) -> tuple[list[_Tok], list[str | None], int] | None:
    """:func:`_pattern_tokens` of an ASCII ``text`` of words and numbers set off by single
    spaces ("fewer than half a million officers 4"), without the pattern: a run of letters is a
    word, a run of digits a number. ``None`` for any other text: one with other characters,
    with blanks that are not one space, or with two numbers in a row, which the pattern may
    read as one ("1 500").

    >>> toks, words, end = _plain_tokens("Over 12 troops")
    >>> words, toks[1], end
    (['over', None, 'troops'], _Tok(kind=0, low='12', start=5, end=7, raw='12'), 14)
    >>> _plain_tokens("1 500 troops"), _plain_tokens("12,000"), _plain_tokens("")
    (None, None, None)
    """
    toks: list[_Tok] = []
    words: list[str | None] = []
    append, append_word = toks.append, words.append
    pos = 0
    number_before = False
    for part in text.split(" "):
        end = pos + len(part)
        if part.isalpha():
            low = part.lower()
            append(_new_tok(_Tok, (_WORD, low, pos, end, part)))
            append_word(low)
            number_before = False
        elif part.isdigit() and not number_before:
            append(_new_tok(_Tok, (_NUM, part, pos, end, part)))
            append_word(None)
            number_before = True
        else:
            return None
        pos = end + 1
    return toks, words, len(text)


def _pattern_tokens(text: str) -> tuple[list[_Tok], list[str | None], int]:
    """The tokens of ``text``, their words (the lower-cased text of a word, a symbol as written,
    ``None`` for a number) and the offset after the last one, read with ``_TOKEN_RE``.

    >>> toks, words, end = _pattern_tokens("about 1 500 troops, ")
    >>> words, toks[1].raw, end
    (['about', None, 'troops', ','], '1 500', 20)
    """
    toks: list[_Tok] = []
    words: list[str | None] = []
    append, append_word = toks.append, words.append
    pos = 0
    for blank, word, num, sym in _TOKEN_RE.findall(text):  # _tokens, with the words
        pos += len(blank)
        if word:  # words first: most tokens of a phrase are words
            end = pos + len(word)
            low = word.lower()
            append(_new_tok(_Tok, (_WORD, low, pos, end, word)))
            append_word(low)
        elif num:
            end = pos + len(num)
            append(_new_tok(_Tok, (_NUM, num, pos, end, num)))
            append_word(None)
        elif sym:
            end = pos + len(sym)
            append(_new_tok(_Tok, (_SYM, sym, pos, end, sym)))
            append_word(sym)
        else:
            continue
        pos = end
    return toks, words, pos


# Texts up to this length are tokenized in one go (the common case: a phrase); longer ones in
# chunks of matches, so reading the first figure of a long text never tokenizes all of it.
_EAGER = 2000
_CHUNK = 256


# Lookahead past the end reads None from this many padding slots (the grammar looks at most a
# dozen tokens ahead of what it has read), so the hot path indexes lists without bounds checks.
_PAD = 32
_PADDING: tuple[None, ...] = (None,) * _PAD


class _Stream:
    """Tokens pulled on demand, so reading the first figure never tokenizes the whole text.

    ``get(i)`` is the token at ``i`` and ``word(i)`` its lower-cased text (``None`` for numbers);
    both give ``None`` past the end. A short text, or a long one that will be read to its end
    (``whole``: every figure in it), is tokenized at once and both are plain list look-ups; a
    long one is otherwise tokenized in chunks as the reader asks for more.
    """

    __slots__ = ("_done", "_it", "_pos", "get", "text", "toks", "word")

    get: Callable[[int], _Tok | None]
    word: Callable[[int], str | None]

    def __init__(self, text: str, start: int = 0, whole: bool = False) -> None:
        self.text = text
        self.toks: list[_Tok]
        if (len(text) <= _EAGER or whole) and start == 0:
            plain = _plain_tokens(text) if len(text) <= _EAGER and text.isascii() else None
            # words and numbers alone need no pattern
            toks, words, self._pos = _pattern_tokens(text) if plain is None else plain
            self.toks = toks
            self._done = True
            self._it: Iterator[re.Match[str]] = iter(())
            self.get = [*toks, *_PADDING].__getitem__
            words += _PADDING
            self.word = words.__getitem__
        else:
            self.toks = []
            self._pos = start  # a long text may be read from where its first figure can be
            self._done = False
            self._it = _TOKEN_RE.finditer(text, start)
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
