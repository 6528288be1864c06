"""Reading one number over the token stream: digits and words, fractions, powers of ten,
signs, currencies, multipliers and percent (the grammar of a figure builds on it)."""

from __future__ import annotations

import math
from typing import NamedTuple

from estimates.reading._numbers import _is_decimal_comma, _numeral
from estimates.reading._tokens import _NUM, _SYM, _WORD, _new_tok, _Stream
from estimates.reading._vocabulary import (
    _BIG,
    _CASED_MULTIPLIERS,
    _CURRENCY_CODES,
    _CURRENCY_SYMBOLS,
    _DASHES,
    _DEGREES,
    _FRACTIONS,
    _HYPHENATED,
    _LETTER_MULTIPLIERS,
    _LETTER_NAMES,
    _MINUS,
    _MULTIPLIERS,
    _ONES,
    _PERCENT_WORDS,
    _TENS,
    _UNIT_NAMES,
    _VULGAR,
    _lexicon,
)


class _Num(NamedTuple):
    value: float
    u: float  # unit of the last significant digit
    exact: bool  # named exactly by words ("a dozen", "half")
    end: int  # next token index
    unit: str | None  # currency or percent attached to the number
    grouped: bool  # written with digit groups or a multiplier (for "11 to 12,000")
    scale: float  # multiplier applied (1 when none)


class _IncompleteError(Exception):
    """A construct that started a figure and broke off ("between 5 and")."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.span = span


# The words and symbols that may stand before a number as its currency or its sign (those
# ``currency_before`` and ``sign`` read): before any other, neither is looked for.
_TIMES = frozenset({"x", "X", "×", "*"})  # before "10^6" in "2.4 x 10^6"
_BEFORE_NUMBER = frozenset(
    {*_CURRENCY_SYMBOLS, *_CURRENCY_CODES, "us", "minus", "negative", *_MINUS}
)


class _NumberReader:
    """A hand-written reader of numbers over a token stream; every method returns ``None`` to say
    "no". :class:`estimates.reading._grammar._Reader` adds figures, nouns and units."""

    __slots__ = ("amb", "doubts", "flip", "lex", "modal", "s", "start")

    def __init__(self, stream: _Stream, flip: frozenset[int] = frozenset()) -> None:
        self.s = stream
        self.lex = _lexicon()  # the unit lexicon, read again for each figure (see _read_at)
        self.amb: list[str] = []
        # choice points met while reading (token index, what the other reading would be), and
        # the token indexes at which to take the other reading (to build the alternatives)
        self.doubts: list[tuple[int, str]] = []
        self.flip = flip
        self.modal: str | None = None
        # where the figure's words start, when not where the reading started ("could send
        # around 12,000": the modal is read, the verb is not part of the figure)
        self.start: int | None = None

    # -- small pieces ---------------------------------------------------------------------------

    def phrase(
        self, i: int, index: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    ) -> tuple[str, int] | None:
        word = self.s.word
        w = word(i)
        entries = None if w is None else index.get(w)
        if entries is None:
            return None
        for words, op in entries:  # longest first; a loop, not a generator (the hot path)
            n = len(words)
            k = 1
            while k < n and word(i + k) == words[k]:
                k += 1
            if k == n:
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
            if w == "rs":
                nt = self.s.get(i + 1)
                if nt is not None and nt.raw == "." and self.s.attached(i + 1):
                    return "INR", i + 2  # "Rs. 500 crore", "Rs.500" (see _TOKEN_RE)
            return _CURRENCY_CODES[w], i + 1
        return None

    def multiplier(self, i: int, after_currency: bool) -> tuple[float, int] | None:
        """A multiplier at ``i`` ("k", "mn", "bn", "million", "lakh", "M", "3mil"): factor, next.

        A letter that is also a unit symbol of the lexicon ("m" for metres, "t" for tonnes) is
        a multiplier after a currency or before a counted noun or a unit; standing alone it is
        still read as a multiplier (the convention's choice) and the unit reading is kept as a
        doubt, which :func:`~estimates.reading.parsing.parse` reports.
        """
        s = self.s
        t = s.get(i)
        if t is None or t.kind != _WORD:
            return None
        raw = t.raw
        if raw in _CASED_MULTIPLIERS and s.attached(i):
            return _CASED_MULTIPLIERS[raw], i + 1
        if raw in _LETTER_MULTIPLIERS:
            if after_currency or raw in {"k", "K"}:
                return _LETTER_MULTIPLIERS[raw], i + 1
            if not s.attached(i) and raw == "b":
                return None
            if raw not in self.lex.symbols:
                return _LETTER_MULTIPLIERS[raw], i + 1
            if i in self.flip:
                return None  # the other reading: the letter is the unit
            if not self.counted_after(i + 1):
                self.doubts.append(
                    (
                        i,
                        f"'{raw}' read as a multiplier ({_LETTER_NAMES[raw]}); it is also the "
                        f"symbol of {_UNIT_NAMES.get(raw, raw)}",
                    )
                )
            return _LETTER_MULTIPLIERS[raw], i + 1
        if t.low in _MULTIPLIERS:
            # "dozens"/"thousands" after a number multiply it ("200 dozens"), but "3 thousands
            # of" is rare; "hundreds"/"thousands of" after a figure are not a multiplier.
            if t.low.endswith("s") and s.word(i + 1) == "of":
                return None
            return _MULTIPLIERS[t.low], i + 1
        return None

    def counted_after(self, i: int) -> bool:
        """Whether a counted noun, a unit or a rate follows at ``i`` ("1.5m people")."""
        s = self.s
        t = s.get(i)
        if t is None:
            return False
        lex = self.lex
        if t.kind == _WORD and (t.low in lex.noun_first or t.raw in lex.symbols):
            return True
        return t.low == "of" and s.word(i + 1) in lex.noun_first

    def words_number(self, i: int) -> tuple[float, float, bool, int] | None:
        """Number words: "twelve thousand", "one and a half million", "a dozen", "half",
        "half a million", "three quarters of a million", "a dozen and a half", "two over five".

        ``last`` is the size of the last word read (1 for "one" to "ninety-nine", 12 for a
        dozen, 100 for hundred, ...): "and a half" adds half of it ("a dozen and a half" is 18).
        """
        s = self.s
        total = 0.0
        cur = 0.0
        last = 1.0
        seen = False
        exact = False
        j = i
        w = s.word(j)
        if w in {"a", "an"}:
            nxt = s.word(j + 1)
            if nxt in {"couple", "pair"}:
                cur, seen, exact, j = 2.0, True, True, j + 2
                if s.word(j) == "of" and s.get(j + 1) is not None and s.get(j + 1).kind == _NUM:  # type: ignore[union-attr]
                    return None
            elif nxt == "dozen":
                cur, seen, exact, j, last = 12.0, True, True, j + 2, 12.0
            elif nxt == "hundred":
                cur, seen, j, last = 100.0, True, j + 2, 100.0
            elif nxt in _BIG:
                total, seen, j, last = _BIG[nxt], True, j + 2, _BIG[nxt]
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
                exact, last = False, 100.0
            elif w in _BIG and (seen or j == i):
                if cur == 0 and total == 0 and seen:
                    break
                total += (cur or 1.0) * _BIG[w]
                cur = 0.0
                exact, last = False, _BIG[w]
            elif w in {"dozen", "dozens"} and seen:
                cur = (cur or 1.0) * 12
                last = 12.0
            elif (
                w in {"a", "an", "of"}
                and seen
                and 0 < cur < 1
                and total == 0
                and (big := self.scale_after(j)) is not None
            ):
                # "half a million", "three quarters of a million", "a third of a billion"
                total, cur, j, last, exact = cur * big[0], 0.0, big[1], big[0], False
                continue
            elif (
                w == "over"
                and seen
                and cur >= 1
                and (s.word(j + 1) in _ONES or s.word(j + 1) in _TENS)
            ):
                # "two over five": a fraction in words
                den = _ONES.get(s.word(j + 1) or "", 0) or _TENS.get(s.word(j + 1) or "", 0)
                if den == 0:
                    break
                cur, exact, j = cur / den, True, j + 2
                continue
            elif w in _FRACTIONS and (seen or w in {"half", "quarter"}):
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
                part = self.and_fraction(j)
                if part is not None:  # "a dozen and a half", "two and three quarters"
                    cur += part[0] * last
                    j = part[1]
                    continue
                # "one hundred and five", "two thousand and twelve"; not "five and twenty"
                if (nxt in _ONES or nxt in _TENS) and (total > 0 or cur >= 100):
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
        return value, _word_precision(value), exact, j

    def and_fraction(self, j: int) -> tuple[float, int] | None:
        """ "and a half", "and a quarter", "and three quarters", "and two thirds" at ``j``: the
        fraction (less than one) and the next index."""
        s = self.s
        if s.word(j) != "and":
            return None
        count_word, frac_word = s.word(j + 1), s.word(j + 2)
        if frac_word not in _FRACTIONS:
            return None
        if count_word in {"a", "an", "one"}:
            count = 1.0
        elif count_word in _ONES:
            count = float(_ONES[count_word])
        else:
            return None
        part = count * _FRACTIONS[frac_word]
        if not 0 < part < 1 or (count > 1) != frac_word.endswith("s"):
            return None  # "and five thirds", "and a halves": not a part of one
        return part, j + 3

    def scale_after(self, j: int) -> tuple[float, int] | None:
        """ "a million", "of a million", "of a dozen" at ``j``: the scale and the next index."""
        s = self.s
        k = j + 1 if s.word(j) == "of" else j
        if s.word(k) not in {"a", "an"}:
            return None
        w = s.word(k + 1)
        if w in _BIG:
            return _BIG[w], k + 2
        if w == "hundred":
            return 100.0, k + 2
        if w == "dozen":
            return 12.0, k + 2
        return None

    def sign(self, j: int) -> tuple[float, int]:
        """A minus sign at ``j`` ("-504", "minus five", "- 2 1/2" at the start): sign, next."""
        s = self.s
        w = s.word(j)
        if w in {"minus", "negative"}:
            return -1.0, j + 1
        if w not in _MINUS:
            return 1.0, j
        nt = s.get(j + 1)
        if nt is None or nt.kind != _NUM:
            return 1.0, j
        prev = s.get(j - 1) if j > 0 else None
        if s.attached(j + 1):
            if prev is None or prev.end != s.toks[j].start or prev.kind == _SYM:
                return -1.0, j + 1
            return 1.0, j
        # "- 20 k" with a space: a sign only where nothing before it could make it a dash
        if prev is None or (prev.kind == _SYM and prev.low not in _DASHES and prev.low != ","):
            return -1.0, j + 1
        return 1.0, j

    def digits(self, j: int) -> tuple[float, float, bool, bool, int]:
        """The numeral at ``j`` with its fraction or power of ten: value, u, exact, grouped, next."""
        s = self.s
        t = s.toks[j]
        value, u, amb = _numeral(t.raw)
        if amb:
            self.amb.append(amb)
        if "," in t.raw and _is_decimal_comma(t.raw):
            if j in self.flip:  # the other reading: a list, whose first number is this one
                whole = t.raw.partition(",")[0]
                value, u = float(whole), 1.0
            else:
                self.doubts.append(
                    (
                        j,
                        f"{t.raw!r} read with a decimal comma as {value:g}; as a list it "
                        f"would start at {t.raw.partition(',')[0]}",
                    )
                )
        # digit groups, not a decimal point, make a number "grouped" (for "11 to 12,000")
        grouped = not t.raw.replace(".", "", 1).isdigit()
        exact = False
        j += 1
        nt = s.get(j)
        if nt is None:
            return value, u, exact, grouped, j
        if nt.kind == _NUM or nt.low == "/":
            frac = self.slash_fraction(j)
            if frac is not None and t.raw.isdigit():
                if s.attached(j):  # "3/4"
                    return value / frac[1], 0.01, True, grouped, frac[2]
                return value + frac[0] / frac[1], 0.01, True, grouped, frac[2]  # "2 1/2"
        power = self.power_of_ten(j) if nt.raw in _TIMES else None
        if power is not None:
            return value * power[0], u * power[0], exact, True, power[1]
        return value, u, exact, grouped, j

    def power_of_ten(self, j: int) -> tuple[float, int] | None:
        """ "x10^6", "× 10^-3", "*10^9" at ``j``: the factor and the next index."""
        s = self.s
        t = s.get(j)
        if t is None or t.raw not in _TIMES:
            return None
        ten = s.get(j + 1)
        if ten is None or ten.raw != "10" or s.word(j + 2) != "^":
            return None
        k = j + 3
        sign = 1
        if s.word(k) in {"-", "−", "+"}:
            sign = -1 if s.word(k) != "+" else 1
            k += 1
        e = s.get(k)
        if e is None or e.kind != _NUM or not e.raw.isdigit() or len(e.raw) > 3:
            return None
        return float(f"1e{sign * int(e.raw)}"), k + 1

    def single(self, i: int) -> _Num | None:
        """One number with its currency, sign, multiplier and percent."""
        s = self.s
        unit: str | None = None
        sign = 1.0
        j = i
        t = s.get(j)
        # a currency or a sign before the number
        if t is not None and t.kind != _NUM and t.low in _BEFORE_NUMBER:
            cur = self.currency_before(j)
            if cur is not None:
                unit, j = cur
            sign, j = self.sign(j)
            if unit is None and (cur := self.currency_before(j)) is not None:
                unit, j = cur
            t = s.get(j)
        if t is None:
            return None
        exact = False
        grouped = False
        said = 1.0  # the scale the last number word says ("three thousand": a thousand)
        part = None
        if t.kind == _NUM:
            value, u, exact, grouped, j = self.digits(j)
            if (
                s.word(j) == "and"
                and t.raw.isdigit()
                and s.word(i - 1) != "between"  # "between 1 and a half": its "and" joins the ends
                and (part := self.and_fraction(j)) is not None
            ):
                value, j = value + part[0], part[1]  # "1 and a half million", "2 and a quarter"
        elif t.kind == _WORD:
            got = self.words_number(j)
            if got is None:
                return None
            value, u, exact, j = got
            last = s.word(j - 1)
            said = _BIG.get(last, 100.0 if last == "hundred" else 1.0)  # type: ignore[arg-type]
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
            if t.kind == _NUM and scale >= 100 and part is None:
                value, u, j = self.more_digits(value, u, scale, j)
        if part is not None:
            u = _word_precision(value)  # as "one and a half million" in words
        elif scale == 1.0 and said != 1.0:
            scale = said  # carried to the first number of a range: "two to three thousand"
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

    def more_digits(self, value: float, u: float, scale: float, j: int) -> tuple[float, float, int]:
        """Digits and words mixed: "7 thousand 2 hundred and 15", "5 hundred and 40", "2 million
        and a half". What follows a multiplier adds to the figure when it is smaller."""
        s = self.s
        while True:
            k = j + 1 if s.word(j) == "and" else j
            if s.word(k) in {"a", "an"} and s.word(k + 1) == "half" and s.word(j) == "and":
                return value + scale / 2, min(u, scale / 2), k + 2
            t = s.get(k)
            if t is None or t.kind != _NUM or not t.raw.isdigit() or s.attached(k + 1):
                return value, u, j
            n = float(t.raw)
            nxt = self.multiplier(k + 1, False)
            m = nxt[0] if nxt is not None else 1.0
            if n == 0 or n * m >= scale or (nxt is None and k == j):
                # "3 million 152mm shells"; "2 thousand 500" (no "and", no multiplier) is a list;
                # nothing adds a zero ("between 0k and 0 million" is two numbers)
                return value, u, j
            value += n * m
            u = min(u, m)
            scale = m
            j = nxt[1] if nxt is not None else k + 1
            if m == 1.0:
                return value, u, j

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


def _word_precision(value: float) -> float:
    """The unit of the last significant digit of a number said in words: its trailing zeros for
    a whole number ("one and a half million": 100,000), a hundredth otherwise."""
    if value == int(value) and value != 0:
        text = str(int(value))
        return 10.0 ** (len(text) - len(text.rstrip("0")))
    return 1.0 if value == 0 else 0.01
