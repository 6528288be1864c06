"""The grammar of one figure, read by hand over the token stream (see :mod:`.parsing`)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import NamedTuple

from estimates.errors import ParseError, UnitError
from estimates.reading._numbers import _numeral
from estimates.reading._tokens import _NUM, _SYM, _WORD, _new_tok, _Stream
from estimates.reading._vocabulary import (
    _BIG,
    _CASED_MULTIPLIERS,
    _CURRENCY_CODES,
    _CURRENCY_MULTIPLIERS,
    _CURRENCY_SYMBOLS,
    _DASHES,
    _DEGREES,
    _FRACTIONS,
    _HYPHENATED,
    _LEAD_INDEX,
    _LONE_LETTER_UNITS,
    _MINUS,
    _MULTIPLIERS,
    _NOT_UNITS,
    _NOUN_FIRST,
    _NOUNS,
    _ONES,
    _PERCENT_WORDS,
    _SCALE_PLURAL,
    _SCALE_SINGULAR,
    _START_WORDS,
    _STOP,
    _TAIL_INDEX,
    _TENS,
    _VAGUE,
    _VERB_ENDINGS,
    _VULGAR,
)
from estimates.values import units as _units
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


class _IncompleteError(Exception):
    """A construct that started a figure and broke off ("between 5 and")."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.span = span


# float(f"1e{k}") and float(f"1e-{k}") for the digit counts numerals have, read once.


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


def _exact(x: float) -> str:
    return number(x, exact=True)


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
