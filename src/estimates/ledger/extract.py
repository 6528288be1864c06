"""Claims found in running text: candidates for a person to confirm, never invented certainty.

:func:`extract` reads a news paragraph sentence by sentence. For every figure it finds (with
:func:`estimates.reading.parsing.find_figures`) it builds a candidate :class:`~estimates.ledger.claims.Claim`:

- ``text``: the figure as written; ``note`` starts with its character span (``"span 12-40"``)
  and lists any ambiguity the parser or the date reader reported;
- ``source``: the speaker the same sentence attributes it to ("..., Seoul's spy agency said",
  "according to the Pentagon", "Zelensky said Thursday"), or ``"unattributed"``: a figure is
  never given a speaker from another sentence, and pronouns ("he said") are not speakers;
- ``via``: the outlet that published the text, when given as ``source=``;
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

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from typing import NamedTuple

from estimates.errors import ParseError
from estimates.ledger.claims import Claim, Kind
from estimates.reading.likelihood import get_yardstick, hedge_confidence
from estimates.reading.parsing import Figure, find_figures
from estimates.values.dates import Period, to_period

__all__ = ["extract"]

UNATTRIBUTED = "unattributed"

# -- sentences ------------------------------------------------------------------------------------

# A period after these is not the end of a sentence ("Oct. 3", "Maj. Gen. Ryder", "U.S. officials").
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "lt",
        "col",
        "maj",
        "sgt",
        "capt",
        "adm",
        "gov",
        "sen",
        "rep",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "c",
        "ca",
        "approx",
        "e",
        "g",
        "i",
        "u",
        "s",
        "k",
        "n",
    ]
)
_END = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence; abbreviations and initials do not end one."""
    start = 0
    for m in _END.finditer(text):
        before = text[start : m.start()]
        last = re.search(r"([A-Za-z]+)$", before)
        if last is not None and (
            last.group(1).lower() in _ABBREVIATIONS
            or (len(last.group(1)) == 1 and last.group(1).isupper())
        ):
            continue
        yield start, m.start() + 1
        start = m.end()
    if text[start:].strip():
        yield start, len(text.rstrip())


# -- dates ----------------------------------------------------------------------------------------

_MONTHS = (
    {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_ORD = r"(?:st|nd|rd|th)?"
_SAID = r"(?:said|says|say|told|tells|estimated|estimates|reported|stated|claimed|claims|announced|added|noted|assessed|warned|confirmed|believes)"  # fmt: skip

_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (role, re.compile(pattern, re.IGNORECASE))
    for role, pattern in (
        # "from the 8th to the 13th", "between the 8th and the 13th"
        (
            "days",
            r"\b(?:from|between)\s+the\s+(?P<d1>\d{1,2})" + _ORD + r"\s+(?:to|and|until|through)"
            r"\s+the\s+(?P<d2>\d{1,2})" + _ORD + r"\b",
        ),
        # "8-13 Oct", "8 to 13 October"
        (
            "days",
            r"\b(?P<d1>\d{1,2})\s*(?:-|–|to)\s*(?P<d2>\d{1,2})\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?",
        ),
        # "since last August", "since August last year", "since September 2023"
        (
            "since",
            r"\bsince\s+(?:(?P<last>last)\s+)?" + _MONTH
            + r"(?:\s+(?P<lastyear>last\s+year)|,?\s+(?P<year>\d{4}))?\b",
        ),
        ("since_year", r"\bsince\s+(?P<year>(?:19|20)\d{2})\b"),
        # "on Oct. 3", "October 3, 2024", "3 October"
        (
            "day",
            r"\b(?:on\s+)?" + _MONTH + r"\s+(?P<day>\d{1,2})" + _ORD + r"(?:,?\s+(?P<year>\d{4}))?\b",
        ),
        (
            "day",
            r"\b(?:on\s+)?(?P<day>\d{1,2})" + _ORD + r"\s+(?:of\s+)?" + _MONTH
            + r"(?:,?\s+(?P<year>\d{4}))?",
        ),
        # "by December", "in October 2024"
        ("month", r"\b(?P<prep>in|by|until|during)\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?\b"),
        # "said Thursday", "on Friday"
        ("weekday", r"\b(?:on\s+)?(?P<weekday>" + "|".join(_WEEKDAYS) + r")\b"),
        # "this year", "last month", "since last year"
        ("relative", r"\b(?P<since>since\s+)?(?P<which>this|last)\s+(?P<span>year|month|week)\b"),
        ("year", r"\b(?P<prep>in\s+)?(?P<year>(?:19|20)\d{2})\b"),
    )
)  # fmt: skip


class _Date(NamedTuple):
    start: int  # offsets in the text
    end: int
    role: str  # as_of, since, stated, by
    period: Period | None
    note: str | None


def _month_start_before(month: int, ref: dt.date, *, strictly: bool = False) -> dt.date:
    """The first day of the most recent ``month`` at or before ``ref`` (before, if strictly)."""
    year = (
        ref.year if (month < ref.month or (month == ref.month and not strictly)) else ref.year - 1
    )
    return dt.date(year, month, 1)


def _month_period(start: dt.date) -> Period:
    last = calendar.monthrange(start.year, start.month)[1]
    return Period(start=start, end=start.replace(day=last))


def _relative(which: str, span: str, since: bool, ref: dt.date) -> tuple[str, Period, None]:
    """ "this year" (since its start), "last month" (that month), "since last week", ..."""
    if span == "year":
        this = Period.parse(f"{ref.year:04d}")
        last = Period.parse(f"{ref.year - 1:04d}")
    elif span == "month":
        this = _month_period(ref.replace(day=1))
        prev = (ref.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        last = _month_period(prev)
    else:  # weeks run Monday to Sunday
        monday = ref - dt.timedelta(days=ref.weekday())
        this = Period(start=monday, end=monday + dt.timedelta(days=6))
        last = Period(start=monday - dt.timedelta(days=7), end=monday - dt.timedelta(days=1))
    if which == "this":
        return "since", this, None
    return ("since" if since else "as_of"), last, None


def _read_date(
    role: str, m: re.Match[str], ref: dt.date | None
) -> tuple[str, Period | None, str | None]:
    g = m.groupdict()
    text = m.group()
    month = _MONTHS.get((g.get("month") or "").lower().rstrip("."))
    year = int(g["year"]) if g.get("year") else None
    need_ref = f"{text!r} needs a publication date (stated_on) to be resolved"
    try:
        if role == "days":
            d1, d2 = int(g["d1"]), int(g["d2"])
            if month is None:
                if ref is None:
                    return "as_of", None, need_ref
                y, mo = ref.year, ref.month
                if d2 > ref.day:  # "from the 28th to the 30th" read early next month
                    y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
            else:
                if year is None and ref is None:
                    return "as_of", None, need_ref
                y = year or _month_start_before(month, ref).year  # type: ignore[arg-type]
                mo = month
            return "as_of", Period(start=dt.date(y, mo, d1), end=dt.date(y, mo, d2)), None
        if role == "since":
            assert month is not None
            if year is not None:
                return "since", _month_period(dt.date(year, month, 1)), None
            if ref is None:
                return "since", None, need_ref
            if g.get("lastyear"):
                return "since", _month_period(dt.date(ref.year - 1, month, 1)), None
            start = _month_start_before(month, ref, strictly=bool(g.get("last")))
            note = None
            if g.get("last"):
                other = start.replace(year=start.year - 1)
                note = (
                    f"{text!r} read as {start:%Y-%m}; it could also mean {other:%Y-%m}"
                    if start.year == ref.year
                    else None
                )
            return "since", _month_period(start), note
        if role == "since_year":
            return "since", Period.parse(g["year"]), None
        if role == "day":
            assert month is not None
            day = int(g["day"])
            if year is None:
                if ref is None:
                    return "as_of", None, need_ref
                year = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
            return "as_of", Period.day(dt.date(year, month, day)), None
        if role == "month":
            assert month is not None
            prep = g["prep"].lower()
            if year is None:
                if ref is None:
                    return "as_of", None, need_ref
                if prep == "by":  # "by December": ahead of the publication date
                    year = ref.year if month >= ref.month else ref.year + 1
                else:
                    year = _month_start_before(month, ref).year
            return ("by" if prep == "by" else "as_of"), _month_period(dt.date(year, month, 1)), None
        if role == "weekday":
            if ref is None:
                return "weekday", None, need_ref
            back = (ref.weekday() - _WEEKDAYS[g["weekday"].lower()]) % 7
            return "weekday", Period.day(ref - dt.timedelta(days=back)), None
        if role == "relative":
            if ref is None:
                return "as_of", None, need_ref
            return _relative(g["which"].lower(), g["span"].lower(), bool(g["since"]), ref)
        if role == "year":
            # "in 2024" is the moment a figure describes; a bare year is only kept from being
            # read as a figure
            return ("as_of" if g.get("prep") else "year"), Period.parse(g["year"]), None
    except ValueError as exc:  # an impossible day ("the 31st" of a 30-day month)
        return role, None, f"{text!r} is not a date: {exc}"
    raise AssertionError(role)  # pragma: no cover - every role is handled above


def _dates(sentence: str, offset: int, ref: dt.date | None) -> list[_Date]:
    found: list[_Date] = []
    taken: list[tuple[int, int]] = []
    for role, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            kind, period, note = _read_date(role, m, ref)
            found.append(_Date(offset + a, offset + b, kind, period, note))
    return sorted(found)


# -- speakers and hedges ----------------------------------------------------------------------------

_PRONOUNS = frozenset(
    ["he", "she", "they", "it", "we", "i", "you", "officials", "official", "sources", "source"]
)
# Role words that make a lower-case phrase a speaker ("the defence minister", "the agency").
_ROLES = frozenset(
    [
        "minister",
        "ministry",
        "agency",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "president",
        "secretary",
        "intelligence",
        "service",
        "military",
        "army",
        "navy",
        "command",
        "office",
        "department",
        "government",
        "lawmaker",
        "lawmakers",
        "ambassador",
        "pentagon",
        "commander",
        "chief",
        "general",
        "governor",
        "mayor",
    ]
)
_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<who>[^,.;:!?()]+)", re.IGNORECASE)
_SAID_RE = re.compile(r"\b" + _SAID + r"\b")
_CLAUSE_BREAK = re.compile(r"[,;:\"“”()]|\b(?:that|and|but|while|as|which|who)\b")
_TRIM = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


class _Speaker(NamedTuple):
    start: int
    end: int
    name: str


def _clean_name(raw: str) -> str | None:
    name = " ".join(raw.split()).strip(" ,.'\"“”‘’")
    name = _TRIM.sub("", name)
    if name.lower() in ("a", "an", "the"):
        return None
    if not name or re.search(r"\d", name) or len(name.split()) > 9:
        return None
    if name.lower() in _PRONOUNS:
        return None
    if not any(ch.isupper() for ch in name) and not (set(name.lower().split()) & _ROLES):
        return None  # "observers" is too vague to be a source; "the defence minister" is not
    return name


def _speakers(sentence: str, offset: int) -> list[_Speaker]:
    found: list[_Speaker] = []
    for m in _ACCORDING.finditer(sentence):
        name = _clean_name(m.group("who"))
        if name:
            found.append(_Speaker(offset + m.start(), offset + m.end(), name))
    for m in _SAID_RE.finditer(sentence):
        before = sentence[: m.start()]
        if re.search(r"\b(?:an?|the)\s*$", before, re.IGNORECASE):
            continue  # "an estimated 28,000": an adjective, not a speaker's verb
        breaks = list(_CLAUSE_BREAK.finditer(before))
        start = breaks[-1].end() if breaks else 0
        name = _clean_name(before[start:])
        # "Kim Jong Un (NIS) said": a parenthetical name belongs to the speaker
        if name is None and before.rstrip().endswith(")"):
            open_at = before.rfind("(")
            prior = list(_CLAUSE_BREAK.finditer(before[:open_at]))
            start = prior[-1].end() if prior else 0
            name = _clean_name(before[start:])
        # "The Pentagon's press secretary, Maj. Gen. Pat Ryder, said": the name in apposition
        if name is None and before.rstrip().endswith(","):
            inner = before.rstrip()[:-1]
            prior = list(_CLAUSE_BREAK.finditer(inner))
            if prior and prior[-1].group() == ",":
                start = prior[-1].end()
                name = _clean_name(inner[start:])
        if name is None:  # "..., said Pentagon spokesperson Sabrina Singh."
            after = re.match(r"\s+(?P<who>[^,.;:!?()]+)", sentence[m.end() :])
            who = after.group("who") if after is not None else ""
            if (
                after is not None
                and re.match(r"\s*(?:the\s+)?[A-Z]", who)
                and len(who.split()) <= 6
                and not re.match(r"\s*(?:On|In|At|That|The\s+[a-z]|It|This|Last)\b", who)
            ):
                name = _clean_name(after.group("who"))
                if name:
                    end = m.end() + after.end()
                    found.append(_Speaker(offset + m.start(), offset + end, name))
            continue
        found.append(_Speaker(offset + start, offset + m.end(), name))
    return found


_HEDGE_WORDS = (
    "estimated", "believed", "believed to", "it is assessed", "we assess",
    "we believe", "assessed", "reportedly", "presumed", "possibly", "could", "may", "might",
    "unconfirmed", "if verified", "if confirmed", "not independently verified", "it appears",
    "could not be independently verified", "could not be verified", "we think", "we estimate",
)  # fmt: skip


def _hedge_pattern() -> re.Pattern[str]:
    words = set(_HEDGE_WORDS)
    for name in ("icd203", "kent", "uk"):
        for term in get_yardstick(name).terms:
            words.add(term.term)
            words.update(term.synonyms)
    alternation = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(r"\b(?:" + alternation + r")\b", re.IGNORECASE)


_HEDGE_RE: re.Pattern[str] | None = None


def _hedges(sentence: str) -> str | None:
    global _HEDGE_RE
    if _HEDGE_RE is None:
        _HEDGE_RE = _hedge_pattern()
    seen: list[str] = []
    for m in _HEDGE_RE.finditer(sentence):
        word = m.group().lower()
        if word not in seen and not any(word in s for s in seen):
            seen.append(word)
    return "; ".join(seen) if seen else None


_PROJECTION = re.compile(
    r"\b(?:plans?|planning|planned|will|intends?|intending|expected\s+to|set\s+to|could\s+send|"
    r"would\s+send|to\s+be\s+sent|preparing\s+to|prepared\s+to|could\s+bring)\b",
    re.IGNORECASE,
)


def _slug(noun: str | None, unit: str | None) -> str:
    base = noun or unit or "figure"
    slug = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    return slug or "figure"


# -- the claims ------------------------------------------------------------------------------------


def _mask(sentence: str, dates: list[_Date], offset: int) -> str:
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


def _clause(sentence: str, at: int) -> tuple[int, int]:
    lo, hi = 0, len(sentence)
    for m in _CLAUSE_END.finditer(sentence):
        if m.end() <= at:
            lo = m.end()
        elif m.start() >= at:
            hi = m.start()
            break
    return lo, hi


def _nearest(items: list[_Date], start: int, end: int) -> _Date | None:
    usable = [d for d in items if d.period is not None]
    if not usable:
        return None
    return min(usable, key=lambda d: min(abs(d.start - end), abs(start - d.end)))


def _claim(
    figure: Figure,
    start: int,
    clause: str,
    dates: list[_Date],
    sentence_dates: list[_Date],
    speakers: list[_Speaker],
    stated_on: Period | None,
    outlet: str | None,
) -> Claim:
    end = start + (figure.span[1] - figure.span[0])
    notes = [f"span {start}-{end}", *figure.ambiguities]
    notes += [d.note for d in dates if d.note]
    speaker = min(
        speakers,
        key=lambda s: min(abs(s.start - end), abs(start - s.end)),
        default=None,
    )
    said_on = stated_on
    said_date = None
    if speaker is not None:
        # "said on Monday", "told lawmakers on Nov. 20": a date right after the speaker's verb
        # is when it was said, not the moment the figure describes
        said_date = min(
            (
                d
                for d in sentence_dates
                if d.role in ("weekday", "as_of")
                and d.period is not None
                and d.period.is_day
                and 0 <= d.start - speaker.end <= 30
            ),
            key=lambda d: d.start,
            default=None,
        )
        if said_date is not None:
            said_on = said_date.period
    as_of = _nearest([d for d in dates if d.role in ("as_of", "by") and d != said_date], start, end)
    since = _nearest([d for d in dates if d.role == "since"], start, end)
    kind: Kind = "stock"
    if _PROJECTION.search(clause) or any(d.role == "by" for d in dates):
        kind = "projection"
    elif since is not None:
        kind = "cumulative"
    since_p = since.period if since else None
    as_of_p = as_of.period if as_of else None
    limit = as_of_p or said_on
    if since_p is not None and limit is not None and since_p.start > limit.end:
        notes.append(f"since {since_p} is after {limit}; left out")
        since_p = None
    hedge = _hedges(clause)
    return Claim(
        quantity=_slug(figure.noun, figure.range.unit),
        value=figure.range,
        text=figure.text,
        source=speaker.name if speaker else UNATTRIBUTED,
        via=(outlet,) if outlet else (),
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
    ``"unattributed"``. Figures are read under ``convention``.

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
    claims: list[Claim] = []
    for a, b in _sentences(text):
        sentence = text[a:b]
        dates = _dates(sentence, a, ref)
        speakers = _speakers(sentence, a)
        masked = _mask(sentence, dates, a)
        try:
            figures = find_figures(masked, convention=convention)
        except ParseError:
            continue  # a broken construct ("between 5 and") is not a candidate
        for figure in figures:
            start = a + figure.span[0]
            lo, hi = _clause(sentence, figure.span[0])
            clause = sentence[lo:hi]
            near = [d for d in dates if a + lo <= d.start < a + hi]
            claims.append(_claim(figure, start, clause, near, dates, speakers, said, source))
    return claims
