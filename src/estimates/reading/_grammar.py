"""The grammar of one figure, read by hand over the token stream (see :mod:`.parsing`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from estimates.errors import ParseError
from estimates.reading._number_reader import _IncompleteError, _Num, _NumberReader
from estimates.reading._tokens import _NUM, _SYM, _WORD, _new_tok, _Stream
from estimates.reading._vocabulary import (
    _BIG,
    _CURRENCIES,
    _CURRENCY_SYMBOLS,
    _DASHES,
    _FRACTIONS,
    _LEAD_INDEX,
    _LETTER_MULTIPLIERS,
    _MINUS,
    _MODAL_FILLERS,
    _MODAL_VERBS,
    _MODALS,
    _ONES,
    _ROUND_PLURALS,
    _SCALE_PLURAL,
    _SCALE_SINGULAR,
    _START_WORDS,
    _STOP,
    _TAIL_INDEX,
    _TENS,
    _VAGUE,
    _VERB_ENDINGS,
    _lexicon,
)
from estimates.values.words import number

# -- reading ------------------------------------------------------------------------------------


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


# The first words of the leads that say "about" or "around" ("about", "~", "some", ...).
_APPROXIMATE_FIRST = frozenset(
    first
    for first, entries in _LEAD_INDEX.items()
    if any(op in ("about", "around") for _, op in entries)
)


class _Reader(_NumberReader):
    """The grammar of one figure over a token stream: leads, ranges, vague words, nouns, units."""

    __slots__ = ()

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
        if word in {"a few", "several", "many"} and nxt in _SCALE_SINGULAR:
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
            while s.word(k) in _MODAL_FILLERS and k < j + 4:
                k += 1
            verb = s.get(k)
            if (
                verb is not None
                and verb.kind == _WORD
                and verb.low not in _STOP
                and s.toks[j].raw.islower()  # "May" may be the month
                and not self.starts_figure(k)
                and self.starts_figure(k + 1)
            ):
                # one verb between the modal and the figure: "may top 5,000" (a bound), "could
                # send more than 5,000 troops", "would cost $3 billion"
                op = _MODAL_VERBS.get(verb.low, op)
                k += 1
                if op == "bare":
                    self.start = k  # "could send around 12,000": the figure is what follows
            elif self.phrase(k, _LEAD_INDEX) is None and not self.starts_figure(k):
                return None
            self.modal, j = s.word(j), k
        lead = self.phrase(j, _LEAD_INDEX)
        if lead is not None:
            op, j = lead
            if op not in {"about", "around"} and s.word(j) in _APPROXIMATE_FIRST:
                # "up to ~3 million", "more than about 500": the bound is what the words assert
                again = self.phrase(j, _LEAD_INDEX)
                if again is not None and again[0] in {"about", "around"}:
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
            if conn not in {"and", "to"} and conn not in _DASHES:
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
            and conn not in {"to", "or", "through", "thru", "~"}
        ):
            uw = self.unit_word(k)
            if uw is not None:
                k += uw[1]
                conn = s.word(k)
        is_dash = conn in _DASHES or (conn == "~" and s.attached(k) and s.attached(k + 1))
        if is_dash and s.word(k + 1) == "to":
            k, conn, is_dash = k + 1, "to", False  # "8- to 16-meter"
        if conn in {"through", "thru"}:
            conn = "to"
        if (conn == "to" or is_dash) or (conn == "or" and self.phrase(k, _TAIL_INDEX) is None):
            b = self.second(k + 1)
            if b is not None:
                if op == "bare" or op == "about" or op == "around":
                    op = "range"
                return op, self.with_unit(a, uw), b, None, b.end
        return op, a, None, None, a.end

    def starts_figure(self, k: int) -> bool:
        """Whether a figure may start at ``k``: a number, a number word, a lead, a currency."""
        t = self.s.get(k)
        if t is None:
            return False
        if t.kind == _NUM:
            return True
        return (
            (t.low in _START_WORDS and t.low not in _MODALS)
            or t.low in _CURRENCY_SYMBOLS
            or (t.low in _MINUS and (nt := self.s.get(k + 1)) is not None and nt.kind == _NUM)
        )

    def per_unit(self, k: int) -> tuple[str, int] | None:
        """A price's unit after a sum ("$100 a barrel", "€30 per tonne", "$5/gallon"): a unit of
        the lexicon after "a", "an", "per" or "/", and the next index."""
        s = self.s
        w = s.word(k)
        if w not in {"a", "an", "per"} and not (w == "/" and s.attached(k)):
            return None
        got = self.lex_unit(k + 1, w == "/")
        if got is None or got[1] != 1.0 or " " in got[0]:
            return None
        return got[0], got[2]

    def second(self, i: int) -> _Num | None:
        """The second number of a range, which may repeat an approximator ("2 - ~7 g")."""
        lead = self.phrase(i, _LEAD_INDEX)
        j = lead[1] if lead is not None and lead[0] in {"about", "around"} else i
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
        lex = self.lex
        if first:
            get = s.get
            for parts, unit, scale in lex.sequences.get(t.raw, ()):
                n = len(parts)
                m = 1
                while m < n:  # each part as written, against the one before
                    tk = get(k + m)
                    if tk is None or tk.raw != parts[m] or get(k + m - 1).end != tk.start:  # type: ignore[union-attr]
                        break
                    m += 1
                if m == n:
                    return unit, scale, k + n
            if t.raw in lex.symbols and (t.raw not in _LETTER_MULTIPLIERS or k in self.flip):
                return lex.symbols[t.raw], 1.0, k + 1
        w0 = t.low
        lengths = lex.noun_first.get(w0)
        if lengths is not None:
            nouns = lex.nouns
            for n in lengths:  # the longest noun first, of the lengths the nouns of w0 have
                if n == 1:
                    words: tuple[str, ...] = (w0,)
                elif n == 2:
                    words = (w0, s.word(k + 1) or "")
                else:
                    words = (w0, s.word(k + 1) or "", s.word(k + 2) or "")
                noun = nouns.get(words)
                if noun is not None:
                    return noun, 1.0, k + n
        return None

    def per_after(self, k: int) -> tuple[str, int] | None:
        """A rate after a figure or its unit ("a day", "per year", "/yr"): the time unit, next."""
        s = self.s
        w = s.word(k)
        if w is None:
            return None
        options = self.lex.per.get(w)
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
        word = s.word
        k = i + 1
        end = k + self.lex.reach
        while k < end:  # a unit is followed by its connector: none within reach, no unit
            w = word(k)
            if w == "to" or w == "and" or w in _DASHES:
                break
            k += 1
        else:
            return None
        got = self.lex_unit(i, True)
        if got is None or got[1] != 1.0:
            return None
        nxt = s.word(got[2])
        if nxt not in {"to", "and"} and nxt not in _DASHES:
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


_HYPHENS = frozenset({"-", "‐", "‑"})


def _second_bound(reader: _Reader, op: str, a: _Num) -> tuple[str, _Num, _Num] | None:
    """ "greater than 40 and smaller than 90", "at most 500 and at least 100", "above 5, below
    10": a bound on the other side joined by "and", "but" or a comma. Returns the compound
    operator ``bounded:LOWER:UPPER`` and the low-side and high-side numbers."""
    s = reader.s
    k = a.end
    if s.word(k) == ",":
        k += 1
    if s.word(k) in {"and", "but"}:
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
    reader.lex = _lexicon()  # a unit defined since the last figure counts from this one
    reader.amb = []
    reader.doubts = []
    reader.modal = None
    reader.start = None
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
    # "10,000-plus": the number, a hyphen and "plus" written as one word
    plus_word = s.word(j) in _HYPHENS and s.word(j + 1) == "plus"
    if tail is None and plus_word and s.attached(j) and s.attached(j + 1):
        tail = ("at_least", j + 2)
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
    if unit in _CURRENCIES and noun is None and n_unit is None:
        per = reader.per_unit(j)  # "$100 a barrel": a price
        if per is not None:
            unit, j = f"{unit} / {per[0]}", per[1]
    if a is not None and b is not None:
        a, b = _carry(a, b, reader.amb)
    first = s.get(i if reader.start is None else reader.start)
    last = s.toks[j - 1]
    doubts = reader.doubts
    ambiguities = tuple(reader.amb)
    alternatives: tuple[_Reading, ...] = ()
    if doubts:
        ambiguities += tuple([d for _, d in doubts])
        if not reader.flip:
            # each choice the reader made, taken the other way, is an alternative reading
            others = []
            for idx, _ in doubts:
                alt = _read_at(_Reader(s, frozenset({idx})), i)
                if alt is not None:
                    others.append(alt._replace(ambiguities=()))
            alternatives = tuple(others)
    fields = (first.start if first else 0, last.end, op, a, b, vague, unit, noun, ambiguities)
    return _new_tok(_Reading, (*fields, reader.modal, alternatives))


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


def _iter_readings(text: str, start: int = 0, whole: bool = False) -> Iterator[_Reading]:
    """The readings of the figures in ``text`` from ``start``, left to right; ``whole`` when the
    caller reads them all (the text is then tokenized at once)."""
    reader = _Reader(_Stream(text, start, whole))
    stream = reader.s
    i = 0
    while (found := _next_reading(reader, i)) is not None:
        got, i = found
        yield got
        # continue after the figure
        end = got.end
        while (nt := stream.get(i)) is not None and nt.start < end:
            i += 1


def _first_figure_reading(text: str, start: int = 0) -> _Reading | None:
    """The first reading :func:`_iter_readings` gives, without a generator to start and close."""
    found = _next_reading(_Reader(_Stream(text, start)), 0)
    return None if found is None else found[0]


def _next_reading(reader: _Reader, i: int) -> tuple[_Reading, int] | None:
    """The reading of the first figure at or after token ``i`` and the token it starts at."""
    stream = reader.s
    while True:
        t = stream.get(i)
        if t is None:
            return None
        if (t.kind == _NUM and not _designation(stream, i)) or (
            (t.low in _START_WORDS or t.low in _CURRENCY_SYMBOLS or t.low in _MINUS)
            and _may_start(stream, i, t.low)
        ):
            try:
                got = _read_at(reader, i)
            except _IncompleteError as exc:
                text = stream.text
                raise ParseError(
                    f"{exc} (in {text[exc.span[0] : exc.span[1]]!r})", text=text, span=exc.span
                ) from None
            if got is not None:
                return got, i
        i += 1


# Words without which no figure can be written (digits aside): a long text none of whose words is
# one of these holds no figure, which a set of its words tells in C time.
_FIGURE_WORDS = frozenset(
    set(_ONES) | set(_TENS) | set(_BIG) | set(_VAGUE) | set(_FRACTIONS)
    | {"hundred", "dozen", "couple", "pair", "few", "minus", "negative"}
)  # fmt: skip
_DIGIT_RE = re.compile(r"\d|[½⅓⅔¼¾⅕⅛]")
_LEAD_ROOM = 80  # characters before a figure's number that its leading words may take
# Every byte that is not an ASCII letter becomes a blank and every capital its small letter: the
# words of a text are then its blank-separated runs, split and compared in C. A letter outside
# ASCII becomes a blank too, so a word written against one ("sixé") is found as well as "six":
# finding too many only starts the reading earlier.
_LETTER_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))
_FIGURE_BYTES = {w.encode("ascii"): w for w in _FIGURE_WORDS}


def _first_start(text: str) -> int | None:
    """Where reading a long text for its first figure may start: a little before the first
    digit or number word (room for "greater than or equal to"), or ``None`` when there is none.
    Costs a few passes in C over the text, never a step of Python per word: the words before
    the first digit are split and looked up as bytes, and only the number words among them are
    then found, each with one search."""
    limit = len(text)
    if text.isascii():  # one memchr per digit, bounded by the first found
        for d in "0123456789":
            at = text.find(d, 0, limit)
            if at >= 0:
                limit = at
    elif (m := _DIGIT_RE.search(text)) is not None:
        limit = m.start()
    has_digit = limit < len(text)
    head = text[:limit]  # only words before the first digit matter
    if "\u212a" in head:  # the Kelvin sign, whose small letter is "k" ("lakh")
        head = head.replace("\u212a", "k")
    raw = head.encode("utf-8", "surrogatepass")
    data = raw.translate(_LETTER_BYTES)
    first = limit
    present = set(data.split()).intersection(_FIGURE_BYTES)
    if present:
        padded = b" " + data + b" "
        at_byte = len(raw)
        for word in present:
            at = padded.find(b" " + word + b" ", 0, at_byte + len(word) + 2)
            if 0 <= at < at_byte:
                at_byte = at
        # a byte offset; in characters, what the bytes before it decode to
        first = (
            at_byte
            if len(raw) == len(head)
            else len(raw[:at_byte].decode("utf-8", "surrogatepass"))
        )
    if not has_digit and first == len(text):
        return None
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
    if low in {"a", "an"}:
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
