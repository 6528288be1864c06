"""The grammar of one figure, read by hand over the token stream (see :mod:`.parsing`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import NamedTuple

from estimates.errors import ParseError
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
    _LEAD_INDEX,
    _LETTER_MULTIPLIERS,
    _LETTER_NAMES,
    _MINUS,
    _MODAL_FILLERS,
    _MODALS,
    _MULTIPLIERS,
    _ONES,
    _PERCENT_WORDS,
    _ROUND_PLURALS,
    _SCALE_PLURAL,
    _SCALE_SINGULAR,
    _START_WORDS,
    _STOP,
    _TAIL_INDEX,
    _TENS,
    _UNIT_NAMES,
    _VAGUE,
    _VERB_ENDINGS,
    _VULGAR,
    _lexicon,
)
from estimates.values.words import number

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
    modal: str | None = None  # "could" in "could exceed 10,000": a projection
    alternatives: tuple[_Reading, ...] = ()  # the other readings the text allows


class _IncompleteError(Exception):
    """A construct that started a figure and broke off ("between 5 and")."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.span = span


# float(f"1e{k}") and float(f"1e-{k}") for the digit counts numerals have, read once.


class _Reader:
    """A hand-written reader over a token stream; every method returns ``None`` to say "no"."""

    __slots__ = ("amb", "doubts", "flip", "modal", "s")

    def __init__(self, stream: _Stream, flip: frozenset[int] = frozenset()) -> None:
        self.s = stream
        self.amb: list[str] = []
        # choice points met while reading (token index, what the other reading would be), and
        # the token indexes at which to take the other reading (to build the alternatives)
        self.doubts: list[tuple[int, str]] = []
        self.flip = flip
        self.modal: str | None = None

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
            if after_currency or raw in ("k", "K"):
                return _LETTER_MULTIPLIERS[raw], i + 1
            if not s.attached(i) and raw == "b":
                return None
            if raw not in _lexicon().symbols:
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
        lex = _lexicon()
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
        if w in ("a", "an"):
            nxt = s.word(j + 1)
            if nxt in ("couple", "pair"):
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
            elif w in ("dozen", "dozens") and seen:
                cur = (cur or 1.0) * 12
                last = 12.0
            elif (
                w in ("a", "an", "of")
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
                    cur += _FRACTIONS[s.word(j + 2)] * last  # type: ignore[index]
                    j += 3
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
        if value == int(value) and value != 0:
            text = str(int(value))
            u = 10.0 ** (len(text) - len(text.rstrip("0")))
        else:
            u = 1.0 if value == 0 else 0.01
        return value, u, exact, j

    def scale_after(self, j: int) -> tuple[float, int] | None:
        """ "a million", "of a million", "of a dozen" at ``j``: the scale and the next index."""
        s = self.s
        k = j + 1 if s.word(j) == "of" else j
        if s.word(k) not in ("a", "an"):
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
        if w in ("minus", "negative"):
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
        if _is_decimal_comma(t.raw):
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
        power = self.power_of_ten(j)
        if power is not None:
            return value * power[0], u * power[0], exact, True, power[1]
        return value, u, exact, grouped, j

    def power_of_ten(self, j: int) -> tuple[float, int] | None:
        """ "x10^6", "× 10^-3", "*10^9" at ``j``: the factor and the next index."""
        s = self.s
        t = s.get(j)
        if t is None or t.raw not in ("x", "X", "×", "*"):
            return None
        ten = s.get(j + 1)
        if ten is None or ten.raw != "10" or s.word(j + 2) != "^":
            return None
        k = j + 3
        sign = 1
        if s.word(k) in ("-", "−", "+"):
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
        if t is not None and t.kind != _NUM:  # a currency or a sign before the number
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
        if t.kind == _NUM:
            value, u, exact, grouped, j = self.digits(j)
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
            if t.kind == _NUM and scale >= 100:
                value, u, j = self.more_digits(value, u, scale, j)
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
            if s.word(k) in ("a", "an") and s.word(k + 1) == "half" and s.word(j) == "and":
                return value + scale / 2, min(u, scale / 2), k + 2
            t = s.get(k)
            if t is None or t.kind != _NUM or not t.raw.isdigit() or s.attached(k + 1):
                return value, u, j
            n = float(t.raw)
            nxt = self.multiplier(k + 1, False)
            m = nxt[0] if nxt is not None else 1.0
            if n * m >= scale or (nxt is None and k == j):
                # "3 million 152mm shells"; "2 thousand 500" (no "and", no multiplier) is a list
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

    def vague(self, i: int) -> tuple[str, float, int] | None:
        s = self.s
        j = i
        w = s.word(j)
        if w == "a" and s.word(j + 1) == "few":
            j += 1
            w = "few"
        t = s.get(j)
        # "100s of troops", "10s of thousands"
        if (
            t is not None
            and t.kind == _NUM
            and t.raw in _ROUND_PLURALS
            and s.word(j + 1) == "s"
            and s.attached(j + 1)
        ):
            j += 1
            w = _ROUND_PLURALS[t.raw]
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
        if s.word(j) in _MODALS:  # "could exceed 10,000", "may well top 5,000"
            k = j + 1
            while s.word(k) in _MODAL_FILLERS and k < j + 3:
                k += 1
            if (
                self.phrase(k, _LEAD_INDEX) is None
                and (t := s.get(k)) is not None
                and (t.kind != _NUM)
            ):
                return None
            self.modal, j = s.word(j), k
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
        if (
            conn is not None
            and conn not in _DASHES
            and conn not in ("to", "or", "through", "thru", "~")
        ):
            uw = self.unit_word(k)
            if uw is not None:
                k += uw[1]
                conn = s.word(k)
        is_dash = conn in _DASHES or (conn == "~" and s.attached(k) and s.attached(k + 1))
        if is_dash and s.word(k + 1) == "to":
            k, conn, is_dash = k + 1, "to", False  # "8- to 16-meter"
        if conn in ("through", "thru"):
            conn = "to"
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

    def lex_unit(self, k: int, first: bool) -> tuple[str, float, int] | None:
        """A unit of the lexicon at ``k``: (unit, scale, next index).

        Symbols ("km", "bbl/d", "mb/d") count only right after the figure (``first``) and
        written as the lexicon writes them; words ("troops", "special forces", "barrels per
        day") anywhere in the few words that may follow it ("24 North Korean ballistic missiles").
        """
        s = self.s
        t = s.get(k)
        if t is None or t.kind == _NUM:
            return None
        lex = _lexicon()
        if first:
            for parts, unit, scale in lex.sequences.get(t.raw, ()):
                n = len(parts)
                if all(
                    (tk := s.get(k + m)) is not None and tk.raw == parts[m] and s.attached(k + m)
                    for m in range(1, n)
                ):
                    return unit, scale, k + n
            if t.raw in lex.symbols and (t.raw not in _LETTER_MULTIPLIERS or k in self.flip):
                return lex.symbols[t.raw], 1.0, k + 1
        if t.low in lex.noun_first:
            for n in (3, 2, 1):
                words = tuple(s.word(k + m) or "" for m in range(n))
                if words in lex.nouns:
                    return lex.nouns[words], 1.0, k + n
        return None

    def per_after(self, k: int) -> tuple[str, int] | None:
        """A rate after a figure or its unit ("a day", "per year", "/yr"): the time unit, next."""
        s = self.s
        w = s.word(k)
        if w is None:
            return None
        options = _lexicon().per.get(w)
        if options is None:
            return None
        for parts, unit in options:
            if all(s.word(k + m) == parts[m] for m in range(1, len(parts))):
                return unit, k + len(parts)
        return None

    def unit_word(self, i: int) -> tuple[str, int] | None:
        """A unit written between the two numbers of a range ("from 10 dollars to 20"):
        the unit and the number of words it takes."""
        s = self.s
        t = s.get(i)
        if t is None or t.kind != _WORD or t.low in _STOP:
            return None
        got = self.lex_unit(i, True)
        if got is None or got[1] != 1.0:
            return None
        nxt = s.word(got[2])
        if nxt not in ("to", "and") and nxt not in _DASHES:
            return None
        return got[0], got[2] - i

    def noun(self, i: int) -> tuple[str | None, str | None, int, float]:
        """The counted noun after a figure: (unit, noun words, next index, scale).

        A noun of the lexicon gives the unit (and a rate after it, "barrels a day", divides it
        by time); an unknown one ("brigades", "heavy artillery units") is kept as written, up to
        three lower-case words, with no unit guessed. ``scale`` is the multiplier a unit symbol
        carries ("mb/d" is a million barrels a day).
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
            got = self.lex_unit(k, k == i)
            if got is not None:
                end = s.toks[got[2] - 1]
                return self.rate(got[0], s.text[t.start : end.end], got[2], got[1])
            if t.low in _STOP:
                break
            if first_idx is None:
                first_idx = k
            k += 1
        if self.per_after(i) is not None:  # "500 a day": a rate of a plain number
            return self.rate(None, None, i, 1.0)
        if first_idx is None:
            return None, None, i, 1.0
        first = s.toks[first_idx]
        if not first.raw.islower() or len(first.raw) < 2 or first.low.endswith(_VERB_ENDINGS):
            return None, None, i, 1.0  # "3,000 sent", "10,000 being trained": verbs, not nouns
        stop = first_idx + 1
        while stop < first_idx + 3:
            t = s.get(stop)
            if t is None or t.kind != _WORD or t.low in _STOP or not t.raw.islower():
                break
            stop += 1
        return None, s.text[first.start : s.toks[stop - 1].end], stop, 1.0

    def rate(
        self, unit: str | None, noun: str | None, k: int, scale: float
    ) -> tuple[str | None, str | None, int, float]:
        """A unit with the rate that may follow it ("barrels a day"), as ``noun`` returns it."""
        per = self.per_after(k)
        if per is None:
            return unit, noun, k, scale
        rate = f"{unit} / {per[0]}" if unit is not None else f"1 / {per[0]}"
        return rate, noun, per[1], scale


_LOWER = frozenset({"more_than", "at_least"})
_UPPER = frozenset({"up_to", "fewer_than"})


def _second_bound(reader: _Reader, op: str, a: _Num) -> tuple[str, _Num, _Num] | None:
    """ "greater than 40 and smaller than 90", "at most 500 and at least 100", "above 5, below
    10": a bound on the other side joined by "and", "but" or a comma. Returns the compound
    operator ``bounded:LOWER:UPPER`` and the low-side and high-side numbers."""
    s = reader.s
    k = a.end
    if s.word(k) == ",":
        k += 1
    if s.word(k) in ("and", "but"):
        k += 1
    if k == a.end:
        return None
    second = reader.phrase(k, _LEAD_INDEX)
    if second is None:
        return None
    other, k = second
    if not ((op in _LOWER and other in _UPPER) or (op in _UPPER and other in _LOWER)):
        return None
    b = reader.single(k)
    if b is None:
        return None
    if b.unit is None and a.unit is not None:
        b = b._replace(unit=a.unit)
    low, high = (a, b) if op in _LOWER else (b, a)
    lop, hop = (op, other) if op in _LOWER else (other, op)
    if low.value > high.value:
        return None  # "more than 90 and less than 40" bounds nothing: read the first alone
    return f"bounded:{lop}:{hop}", low, high


def _read_at(reader: _Reader, i: int) -> _Reading | None:
    s = reader.s
    reader.amb = []
    reader.doubts = []
    reader.modal = None
    got = reader.figure(i)
    if got is None:
        return None
    op, a, b, vague, j = got
    compound = None
    if a is not None and b is None and (op in _LOWER or op in _UPPER):
        compound = _second_bound(reader, op, a)
        if compound is not None:
            op, a, b = compound
            j = max(a.end, b.end)
    tail = reader.phrase(j, _TAIL_INDEX)
    # a tail "+" counts only written against the number ("10,000+")
    if (
        tail is not None
        and compound is None
        and a is not None
        and b is None
        and (s.word(j) != "+" or s.attached(j))
    ):
        op, j = tail[0], tail[1]
    unit = (b.unit if b is not None else None) or (a.unit if a is not None else None)
    n_unit, noun, j2, scale = reader.noun(j)
    if a is not None and b is None and a.exact and abs(a.value) < 1 and s.word(j) == "of":
        n_unit = None  # "half of artillery shells" is a share of the shells, not shells
    if unit is not None and n_unit is not None and n_unit.startswith("1 / "):
        n_unit = f"{unit} / {n_unit[4:]}"  # "$3 billion a year"
    if unit is None or n_unit is None or n_unit == unit or n_unit.startswith(f"{unit} / "):
        # a noun naming another unit after a currency ("$3 billion in shells") stays unread
        j = j2 if (n_unit is not None or noun is not None) else j
        unit = n_unit or unit
        if scale != 1.0:
            a = None if a is None else _scaled(a, scale)
            b = None if b is None else _scaled(b, scale)
    else:
        noun = None
    if a is not None and b is not None:
        a, b = _carry(a, b, reader.amb)
    first = s.get(i)
    last = s.toks[j - 1]
    doubts = reader.doubts
    alternatives: list[_Reading] = []
    if doubts and not reader.flip:
        # each choice the reader made, taken the other way, is an alternative reading
        for idx, _ in doubts:
            alt = _read_at(_Reader(s, frozenset({idx})), i)
            if alt is not None:
                alternatives.append(alt._replace(ambiguities=()))
    return _Reading(
        first.start if first else 0,
        last.end,
        op,
        a,
        b,
        vague,
        unit,
        noun,
        tuple(reader.amb) + tuple(d for _, d in doubts),
        reader.modal,
        tuple(alternatives),
    )


def _exact(x: float) -> str:
    return number(x, exact=True)


def _scaled(n: _Num, scale: float) -> _Num:
    return n._replace(value=n.value * scale, u=n.u * scale, scale=n.scale * scale, grouped=True)


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
    elif b.grouped and a.value == int(a.value):
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


def _iter_readings(text: str, start: int = 0) -> Iterator[_Reading]:
    stream = _Stream(text, start)
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


# Words without which no figure can be written (digits aside): a long text none of whose words is
# one of these holds no figure, which a set of its words tells in C time.
_FIGURE_WORDS = frozenset(
    set(_ONES) | set(_TENS) | set(_BIG) | set(_VAGUE) | set(_FRACTIONS)
    | {"hundred", "dozen", "couple", "pair", "few", "minus", "negative"}
)  # fmt: skip
_WORDS_RE = re.compile(r"[^\W\d_]+")
_DIGIT_RE = re.compile(r"\d|[½⅓⅔¼¾⅕⅛]")
_LEAD_ROOM = 80  # characters before a figure's number that its leading words may take


def _first_start(text: str) -> int | None:
    """Where reading a long text for its first figure may start: a little before the first
    digit or number word (room for "greater than or equal to"), or ``None`` when there is none.
    Costs a few passes in C over the text, never a token per word."""
    found = []
    m = _DIGIT_RE.search(text)
    if m is not None:
        found.append(m.start())
    head = text if m is None else text[: m.start()]  # only words before the first digit matter
    for word in {w.lower() for w in set(_WORDS_RE.findall(head))} & _FIGURE_WORDS:
        w = re.search(rf"(?i)(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text)
        if w is not None:
            found.append(w.start())
    if not found:
        return None
    first = min(found)
    if first <= _LEAD_ROOM:
        return 0
    cut = text.rfind(" ", 0, first - _LEAD_ROOM)
    return cut + 1 if cut >= 0 else 0


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
        if nt is None or nt.kind != _NUM:
            return False
        if stream.attached(i + 1):
            return True
        prev = stream.get(i - 1) if i > 0 else None  # "- 20 k" at the start of a phrase
        return prev is None or (prev.kind == _SYM and prev.low not in _DASHES and prev.low != ",")
    return True


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
