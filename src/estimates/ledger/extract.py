"""Claims found in running text: candidates for a person to confirm, never invented certainty.

:func:`extract` reads a news paragraph sentence by sentence. For every figure it finds (with
:func:`estimates.reading.parsing.find_figures`) it builds a candidate :class:`~estimates.ledger.claims.Claim`:

- ``text``: the figure as written; ``note`` starts with its character span (``"span 12-40"``)
  and lists any ambiguity the parser or the date reader reported;
- ``source``: the speaker the same sentence attributes it to ("..., Seoul's spy agency said",
  "according to the Pentagon", "Zelensky said Thursday", "X told Reuters"), or, inside a
  quotation, the attribution next to the quotation; else ``"unattributed"``: a figure is never
  given a speaker from an unrelated sentence, and pronouns ("he said") are not speakers;
- ``via``: the outlet that relayed it ("told Reuters", "as reported by the BBC"), then the outlet
  that published the text, when given as ``source=``;
- ``hedge``: estimative words in the same sentence ("highly likely", "estimated", "we
  believe"), and ``confidence`` from them on the ICD 203 yardstick when they carry a
  probability (:func:`estimates.reading.likelihood.hedge_confidence`);
- dates resolved against ``stated_on`` (the publication day): "on Oct. 3" and "from the 8th
  to the 13th" give ``as_of``; "since last August" gives ``since``; "said Thursday" moves
  ``stated_on`` to that Thursday. Without ``stated_on`` a date that needs a year is left out
  and named in ``note``;
- ``kind``: ``projection`` when the sentence speaks of plans ("plans to send", "will", "by
  December"), ``cumulative`` when it counts "since" a date, else ``stock``. This is a guess for
  the person confirming; ``quantity`` is likewise a placeholder from the counted noun.

>>> claims = extract(
...     "North Korea has sent 1,500 special forces to Russia, Seoul's spy agency said on "
...     "Friday. The troops were moved from the 8th to the 13th.",
...     stated_on="2024-10-18", source="AFP")
>>> c = claims[0]
>>> c.text, c.source, c.via, str(c.stated_on), c.value.unit
('1,500 special forces', "Seoul's spy agency", ('AFP',), '2024-10-18', 'person')
>>> c.note.split("; ")[0]
'span 21-41'
"""

from __future__ import annotations

import bisect
import datetime as dt
import re

from estimates.errors import ParseError
from estimates.ledger.claims import Claim, Kind
from estimates.reading.attribution import (
    UNATTRIBUTED,
    Speaker,
    hedge_marks,
    join_hedges,
    nearest_speaker,
    projection_marks,
    quotes_in,
    relay_of,
    sentences,
    speakers_in,
)
from estimates.reading.likelihood import hedge_confidence
from estimates.reading.parsing import Figure, find_figures
from estimates.reading.textdates import TextDate, dates_in
from estimates.values.dates import Period, to_period

__all__ = ["extract"]


def _slug(noun: str | None, unit: str | None) -> str:
    base = noun or unit or "figure"
    slug = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    return slug or "figure"


def _mask(sentence: str, dates: list[TextDate], offset: int) -> str:
    """The sentence with its dates masked, so "Oct. 3" is not read as a figure of 3 and no
    figure is read across a date."""
    chars = list(sentence)
    for d in dates:
        for k in range(d.start - offset, d.end - offset):
            if not chars[k].isspace():
                chars[k] = "#"  # a separator the reader never reads through
    return "".join(chars)


# Where one clause of a sentence ends and another begins: dates, hedges and plans belong to the
# clause of the figure; a speaker ("..., the agency said") governs the whole sentence.
_CLAUSE_END = re.compile(r";|,\s+(?:and|but|while|whereas)\b|\s+but\s+")
# A clause is cut to this many characters either side of its figure: the quote kept with a claim
# stays readable, and a run-on text of any length costs the same per figure.
_WINDOW = 300


class _Sentence:
    """One sentence read once: its clause ends, dates and speakers, looked up by bisection."""

    def __init__(self, text: str, a: int, b: int, ref: dt.date | None) -> None:
        self.a = a
        self.text = text[a:b]
        ends = list(_CLAUSE_END.finditer(self.text))
        self.clause_starts = [m.end() for m in ends]
        self.clause_ends = [m.start() for m in ends]
        self.dates = dates_in(self.text, a, ref)
        self.date_starts = [d.start for d in self.dates]
        self.speakers = speakers_in(self.text, a)
        self.hedge_marks = hedge_marks(self.text)
        self.hedge_starts = [m[0] for m in self.hedge_marks]
        self.plans = projection_marks(self.text)

    def clause(self, at: int) -> tuple[int, int]:
        """The clause around offset ``at`` of the sentence, cut to the window around it."""
        k = bisect.bisect_right(self.clause_starts, at) - 1
        lo = self.clause_starts[k] if k >= 0 else 0
        j = bisect.bisect_left(self.clause_ends, at)
        hi = self.clause_ends[j] if j < len(self.clause_ends) else len(self.text)
        if at - lo > _WINDOW:
            lo = self.text.find(" ", at - _WINDOW, at) + 1 or at - _WINDOW
        if hi - at > 2 * _WINDOW:
            cut = self.text.rfind(" ", at, at + 2 * _WINDOW)
            hi = cut if cut > at else at + 2 * _WINDOW
        return lo, hi

    def dates_between(self, lo: int, hi: int) -> list[TextDate]:
        """Dates starting within ``lo``-``hi`` (absolute offsets)."""
        i = bisect.bisect_left(self.date_starts, lo)
        j = bisect.bisect_left(self.date_starts, hi)
        return self.dates[i:j]

    def hedge(self, lo: int, hi: int) -> str | None:
        """The hedge words within ``lo``-``hi`` of the sentence."""
        i = bisect.bisect_left(self.hedge_starts, lo)
        j = bisect.bisect_left(self.hedge_starts, hi)
        return join_hedges([m for m in self.hedge_marks[i:j] if m[1] <= hi])

    def plans_between(self, lo: int, hi: int) -> bool:
        """Whether words of plans or possibilities lie within ``lo``-``hi``."""
        i = bisect.bisect_left(self.plans, lo)
        return i < len(self.plans) and self.plans[i] < hi


def _nearest(items: list[TextDate], start: int, end: int) -> TextDate | None:
    usable = [d for d in items if d.period is not None]
    if not usable:
        return None
    return min(usable, key=lambda d: min(abs(d.start - end), abs(start - d.end)))


def _said_date(sentence: _Sentence, speaker: Speaker) -> TextDate | None:
    """A date right after the speaker's verb ("said on Monday", "told lawmakers on Nov. 20"):
    when it was said, not the moment the figure describes."""
    for d in sentence.dates_between(speaker.end, speaker.end + 31):
        if d.role in ("weekday", "as_of") and d.period is not None and d.period.is_day:
            return d
    return None


class _Quotes:
    """Quotations of the whole text and the attribution next to each."""

    def __init__(self, text: str, spoken: list[Speaker]) -> None:
        self.spans = quotes_in(text)
        self.starts = [a for a, _ in self.spans]
        named = [s for s in spoken if s.name != UNATTRIBUTED]
        starts = [s.start for s in named]
        self.who: list[Speaker | None] = []
        for a, b in self.spans:
            # '"...," the commander said' (after the closing mark) or 'X said: "..."' (before)
            k = bisect.bisect_left(starts, b)
            after = named[k] if k < len(named) and named[k].start - b <= 40 else None
            before = next(
                (s for s in reversed(named[max(0, k - 3) : k]) if 0 <= a - s.end <= 4), None
            )
            self.who.append(after or before)

    def speaker_at(self, at: int) -> Speaker | None:
        k = bisect.bisect_right(self.starts, at) - 1
        if k >= 0 and self.spans[k][0] <= at < self.spans[k][1]:
            return self.who[k]
        return None


def _claim(
    figure: Figure,
    sentence: _Sentence,
    quotes: _Quotes,
    stated_on: Period | None,
    outlet: str | None,
) -> Claim:
    a = sentence.a
    start, end = a + figure.span[0], a + figure.span[1]
    lo, hi = sentence.clause(figure.span[0])
    clause = sentence.text[lo:hi]
    dates = sentence.dates_between(a + lo, a + hi)
    notes = [f"span {start}-{end}", *figure.ambiguities]
    notes += [d.note for d in dates if d.note]
    speaker = quotes.speaker_at(start) or nearest_speaker(sentence.speakers, start, end)
    said_on = stated_on
    said_date = None
    if speaker is not None and speaker.start >= a:
        said_date = _said_date(sentence, speaker)
        if said_date is not None:
            said_on = said_date.period
    as_of = _nearest([d for d in dates if d.role in ("as_of", "by") and d != said_date], start, end)
    since = _nearest([d for d in dates if d.role == "since"], start, end)
    kind: Kind = "stock"
    if sentence.plans_between(lo, hi) or any(d.role == "by" for d in dates):
        kind = "projection"
    elif since is not None:
        kind = "cumulative"
    since_p = since.period if since else None
    as_of_p = as_of.period if as_of else None
    limit = as_of_p or said_on
    if since_p is not None and limit is not None and since_p.start > limit.end:
        notes.append(f"since {since_p} is after {limit}; left out")
        since_p = None
    hedge = sentence.hedge(lo, hi)
    relays = [speaker.via if speaker is not None else None, relay_of(sentence.speakers), outlet]
    return Claim(
        quantity=_slug(figure.noun, figure.range.unit),
        value=figure.range,
        text=figure.text,
        source=speaker.name if speaker else UNATTRIBUTED,
        via=tuple(dict.fromkeys(r for r in relays if r)),
        stated_on=said_on,
        as_of=as_of_p,
        since=since_p,
        kind=kind,
        hedge=hedge,
        confidence=hedge_confidence(hedge),
        quote=" ".join(clause.split()),
        note="; ".join(notes),
    )


def extract(
    text: str,
    *,
    stated_on: str | dt.date | Period | None = None,
    source: str | None = None,
    convention: str = "ferson",
) -> list[Claim]:
    """Candidate claims for every figure in a news paragraph, left to right.

    ``stated_on`` is when the text was published (it resolves "Thursday", "on Oct. 3", "since
    last August"); ``source`` is the outlet that published it and goes to each claim's ``via``.
    Speakers come only from the text; a figure nobody is said to have stated gets the source
    ``"unattributed"``. Figures are read under ``convention``. Time is linear in the length of
    the text.

    >>> [c.source for c in extract("Around 12,000 soldiers could be sent, according to the "
    ...                            "Pentagon. Another 500 may follow.")]
    ['Pentagon', 'unattributed']
    >>> extract("No figures here.")
    []
    """
    if not isinstance(text, str):
        raise ParseError(f"expected text to read, got {type(text).__name__}", text=None)
    said = to_period(stated_on)
    ref = said.end if said is not None else None
    read = [_Sentence(text, a, b, ref) for a, b in sentences(text)]
    quotes = _Quotes(text, [s for sentence in read for s in sentence.speakers])
    claims: list[Claim] = []
    for sentence in read:
        masked = _mask(sentence.text, sentence.dates, sentence.a)
        try:
            figures = find_figures(masked, convention=convention)
        except ParseError:
            continue  # a broken construct ("between 5 and") is not a candidate
        for figure in figures:
            claims.append(_claim(figure, sentence, quotes, said, source))
    return claims
