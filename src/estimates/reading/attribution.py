"""Who said a figure, through whom, and with what hedge: reading the words around a figure.

Sentences, speakers ("X said", "said X", "according to X", "X told Reuters", "X's ministry
said", "X wrote on Telegram"), relays ("told Reuters", "as reported by the BBC", "citing X"),
quotations and the attribution nearest to them, estimative hedges and the words of plans.
Every function here runs in time linear in the text it is given: patterns are matched once per
sentence and each figure looks up what is near it by bisection, never by rescanning.

>>> text = '"We lost 200 men. Another 300 are missing," the commander told Reuters.'
>>> [(s.name, s.via) for s in speakers_in(text, 0)]
[('commander', 'Reuters')]
>>> quotes_in(text)
[(0, 43)]
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from importlib import resources
from typing import NamedTuple

from estimates.reading.likelihood import get_yardstick

__all__ = [
    "UNATTRIBUTED",
    "Phrases",
    "Speaker",
    "hedge_marks",
    "hedges_in",
    "is_projection",
    "join_hedges",
    "nearest_speaker",
    "outlets",
    "projection_marks",
    "quotes_in",
    "relay_of",
    "sentences",
    "speakers_in",
]

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
_LAST_WORD = re.compile(r"([A-Za-z]+)$")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each sentence; abbreviations and initials do not end one.

    >>> [text[a:b] for text in ["Gen. Ryder said 10. Kyiv said 20."] for a, b in sentences(text)]
    ['Gen. Ryder said 10.', 'Kyiv said 20.']
    """
    start = 0
    for m in _END.finditer(text):
        # only the last word before the stop matters: look at a bounded window, not the sentence
        last = _LAST_WORD.search(text, max(start, m.start() - 12), m.start())
        if last is not None and (
            last.group(1).lower() in _ABBREVIATIONS
            or (len(last.group(1)) == 1 and last.group(1).isupper())
        ):
            continue
        yield start, m.start() + 1
        start = m.end()
    if text[start:].strip():
        yield start, len(text.rstrip())


# -- outlets ----------------------------------------------------------------------------------------


@functools.cache
def outlets() -> frozenset[str]:
    """News outlets and agencies known to relay figures (data: ``estimates/data/outlets.txt``).

    >>> "Reuters" in outlets()
    True
    """
    path = resources.files("estimates") / "data" / "outlets.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _outlet(name: str) -> str | None:
    """``name`` as an outlet ("the BBC" -> "BBC"), or ``None`` when it names none."""
    clean = re.sub(r"^(?:the)\s+", "", name.strip(), flags=re.IGNORECASE)
    known = outlets()
    for candidate in (name.strip(), clean):
        if candidate in known:
            return candidate
    # "the Yonhap news agency", "broadcaster NHK", "Kyodo News"
    words = re.sub(r"\b(?:news\s+agency|newspaper|broadcaster|news|agency|daily)\b", " ", clean)
    words = " ".join(words.split())
    return words if words in known else None


# -- speakers ---------------------------------------------------------------------------------------

_SAID = (
    r"(?:said|says|say|told|tells|estimated|estimates|reported|reports|stated|claimed|claims|"
    r"announced|added|noted|assessed|warned|confirmed|believes|wrote|posted|disclosed|"
    r"revealed|insisted|acknowledged|admitted|put\s+the\s+(?:figure|number|toll)\s+at)"
)
_PRONOUNS = frozenset(
    [
        "he",
        "she",
        "they",
        "it",
        "we",
        "i",
        "you",
        "officials",
        "official",
        "sources",
        "source",
        "someone",
        "one",
    ]
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
        "police",
        "authorities",
        "authority",
        "council",
        "committee",
        "staff",
        "headquarters",
        "spokesmen",
        "officer",
    ]
)
_ACCORDING = re.compile(
    r"\b(?:according\s+to|citing|(?:as\s+)?reported\s+by|in\s+figures\s+from|figures\s+from)"
    r"\s+(?P<who>[^,.;:!?()\"“”]{1,120})",
    re.IGNORECASE,
)
_SAID_RE = re.compile(r"\b" + _SAID + r"\b")
_CLAUSE_BREAK = re.compile(r"[,;:\"“”()]|\b(?:that|and|but|while|as|which|who)\b")
_TRIM = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
# What trails a speaker's name without being part of it ("the UN's estimates", "Kyiv's figures").
_POSSESSED = re.compile(
    r"(?:'s|’s)\s+(?:latest\s+|own\s+|new\s+)?(?:estimates?|figures?|data|count|tally|"
    r"assessment|statement)$",
    re.IGNORECASE,
)
_ADJECTIVE = re.compile(r"\b(?:an?|the)\s*$", re.IGNORECASE)
_AFTER_SAID = re.compile(r"\s+(?P<who>[^,.;:!?()\"“”]{1,120})")
_NOT_A_NAME_AFTER = re.compile(r"\s*(?:On|In|At|That|The\s+[a-z]|It|This|Last)\b")
_TOLD = re.compile(r"\s+(?P<who>(?:the\s+)?[A-Z][^,.;:!?()\"“”]{0,60})")
# "X said in a statement" and the like: where the words were said, not who said them
_VENUE = re.compile(r"\s+(?:in|on|at|during|to)\s+(?:a|an|the|his|her|their)\b", re.IGNORECASE)
_MAX_NAME = 160  # characters: a longer run before a verb is a clause, not a name


class Speaker(NamedTuple):
    """A speaker found in text: offsets of the attribution, the name, and the relay, if any."""

    start: int
    end: int
    name: str
    via: str | None = None


def _clean_name(raw: str) -> str | None:
    name = " ".join(raw.split()).strip(" ,.'\"“”‘’")
    name = _POSSESSED.sub("", name)
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


class _Breaks:
    """The clause breaks of one sentence, found once and looked up by bisection."""

    __slots__ = ("ends", "groups", "opens")

    def __init__(self, sentence: str) -> None:
        found = list(_CLAUSE_BREAK.finditer(sentence))
        self.ends = [m.end() for m in found]
        self.groups = [m.group() for m in found]
        self.opens = [i for i, ch in enumerate(sentence) if ch == "("]

    def before(self, at: int) -> int:
        """Index of the last break ending at or before ``at`` (-1 when none)."""
        return bisect.bisect_right(self.ends, at) - 1


def _name_before(sentence: str, at: int, breaks: _Breaks) -> str | None:
    """The speaker named just before a verb at ``at`` ("Seoul's spy agency said")."""
    k = breaks.before(at)
    start = breaks.ends[k] if k >= 0 else 0
    name = _clean_name(sentence[start:at]) if at - start <= _MAX_NAME else None
    before = sentence[max(0, at - _MAX_NAME) : at].rstrip()
    # "Kim Jong Un (NIS) said": a parenthetical name belongs to the speaker
    if name is None and before.endswith(")"):
        p = bisect.bisect_left(breaks.opens, at) - 1
        if p >= 0 and at - breaks.opens[p] <= _MAX_NAME:
            k = breaks.before(breaks.opens[p])
            start = breaks.ends[k] if k >= 0 else 0
            if at - start <= _MAX_NAME:
                name = _clean_name(sentence[start:at])
    # "The Pentagon's press secretary, Maj. Gen. Pat Ryder, said": the name in apposition
    if name is None and before.endswith(","):
        comma = sentence.rindex(",", 0, at)
        k = breaks.before(comma)
        if k >= 0 and breaks.groups[k] == "," and comma - breaks.ends[k] <= _MAX_NAME:
            name = _clean_name(sentence[breaks.ends[k] : comma])
    return name


def _relay_after(sentence: str, at: int) -> tuple[str | None, int]:
    """The outlet after "told" at ``at`` ("told Reuters", "told the BBC"), and where it ends."""
    m = _TOLD.match(sentence, at)
    if m is None:
        return None, at
    who = m.group("who")
    # "told Reuters on Monday", "told the BBC in an interview": the outlet is the leading words
    words = who.split()
    for n in range(min(len(words), 5), 0, -1):
        name = _outlet(" ".join(words[:n]))
        if name is not None:
            head = " ".join(words[:n])
            return name, at + who.index(head) + len(head) + (len(m.group()) - len(who))
    return None, at


def speakers_in(sentence: str, offset: int) -> list[Speaker]:
    """Speakers attributed in ``sentence``, with offsets shifted by ``offset``, in order.

    >>> [s.name for s in speakers_in("Around 500 were killed, according to the UN's figures.", 0)]
    ['UN']
    >>> [s.name for s in speakers_in("1,000 were sent, said Pentagon spokesperson Sabrina Singh.", 0)]
    ['Pentagon spokesperson Sabrina Singh']
    """
    found: list[Speaker] = []
    for m in _ACCORDING.finditer(sentence):
        who = m.group("who")
        cut = _VENUE.search(who)
        name = _clean_name(who[: cut.start()] if cut else who)
        if not name:
            continue
        verb = m.group().split()[0].lower()
        outlet = _outlet(name) if verb in ("reported", "as") else None
        if outlet is not None:  # "as reported by the BBC": a relay, not a speaker
            found.append(Speaker(offset + m.start(), offset + m.end(), UNATTRIBUTED, outlet))
        else:
            found.append(Speaker(offset + m.start(), offset + m.end(), name))
    breaks = _Breaks(sentence)
    for m in _SAID_RE.finditer(sentence):
        at = m.start()
        if _ADJECTIVE.search(sentence, max(0, at - 6), at):
            continue  # "an estimated 28,000": an adjective, not a speaker's verb
        if sentence[m.end() : m.end() + 3] == " by":
            continue  # "reported by": read above
        name = _name_before(sentence, at, breaks)
        end = m.end()
        if name is None:  # "..., said Pentagon spokesperson Sabrina Singh."
            after = _AFTER_SAID.match(sentence, m.end())
            who = after.group("who") if after is not None else ""
            if (
                after is not None
                and re.match(r"\s*(?:the\s+)?[A-Z]", who)
                and len(who.split()) <= 6
                and not _NOT_A_NAME_AFTER.match(who)
            ):
                name = _clean_name(who)
                end = after.end()
        if name is None:
            continue
        via = None
        if m.group() in ("told", "tells"):
            via, end = _relay_after(sentence, m.end())
        outlet = _outlet(name)
        if outlet is not None and m.group() in ("reported", "reports", "said", "says"):
            # "..., Reuters reported": the outlet relays; the speaker, if any, is named apart
            found.append(Speaker(offset + at, offset + end, UNATTRIBUTED, outlet))
            continue
        found.append(
            Speaker(offset + min(at, _start_of(sentence, name, at)), offset + end, name, via)
        )
    found.sort()
    return found


def _start_of(sentence: str, name: str, at: int) -> int:
    """Where ``name`` starts before ``at`` (its own offset, for distances to figures)."""
    where = sentence.rfind(name, max(0, at - _MAX_NAME), at)
    return where if where >= 0 else at


def nearest_speaker(speakers: list[Speaker], start: int, end: int) -> Speaker | None:
    """The named speaker nearest to the span ``start``-``end`` (speakers sorted by start).

    >>> s = [Speaker(0, 10, "A"), Speaker(50, 60, "B")]
    >>> nearest_speaker(s, 40, 45).name
    'B'
    """
    named = [s for s in speakers if s.name != UNATTRIBUTED]
    if not named:
        return None
    k = bisect.bisect_left(named, (start,))
    near = named[max(0, k - 2) : k + 2]
    return min(near, key=lambda s: (max(s.start - end, start - s.end, 0), s.start))


def relay_of(speakers: list[Speaker]) -> str | None:
    """The outlet a sentence names as relaying ("as reported by the BBC"), if any."""
    return next((s.via for s in speakers if s.name == UNATTRIBUTED and s.via), None)


# -- quotations -------------------------------------------------------------------------------------

_QUOTE_MARK = re.compile(r"[\"“”]")


def quotes_in(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each quotation ("..." or “...”), the marks included.

    >>> quotes_in('He said: “Ten.” Then "twenty".')
    [(9, 15), (21, 29)]
    """
    found: list[tuple[int, int]] = []
    open_at: int | None = None
    for m in _QUOTE_MARK.finditer(text):
        ch = m.group()
        if open_at is None:
            if ch != "”":
                open_at = m.start()
        elif ch != "“":
            found.append((open_at, m.end()))
            open_at = None
        else:
            open_at = m.start()  # an opening mark inside: the earlier one was never closed
    return found


# -- hedges and plans -------------------------------------------------------------------------------

_HEDGE_WORDS = (
    "estimated", "believed", "believed to", "it is assessed", "we assess",
    "we believe", "assessed", "reportedly", "presumed", "possibly", "could", "may", "might",
    "unconfirmed", "if verified", "if confirmed", "not independently verified", "it appears",
    "could not be independently verified", "could not be verified", "we think", "we estimate",
)  # fmt: skip


_WORD = re.compile(r"[A-Za-z]+")


class Phrases:
    """Finds fixed phrases of words in text, leftmost and longest first, never overlapping.

    One pass over the words of the text with a dictionary look-up per word: linear in the text
    however many phrases there are (a regular expression with hundreds of alternatives tries
    each at every position).

    >>> Phrases(["highly likely", "likely"]).find("It is highly likely, not just likely.")
    [(6, 19, 'highly likely'), (30, 36, 'likely')]
    """

    def __init__(self, phrases: list[str] | set[str] | tuple[str, ...]) -> None:
        index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(phrase.lower().split())
            index.setdefault(words[0], []).append(words)
        self.index = {k: sorted(v, key=len, reverse=True) for k, v in index.items()}

    def find(self, text: str) -> list[tuple[int, int, str]]:
        words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
        found: list[tuple[int, int, str]] = []
        i, n = 0, len(words)
        while i < n:
            options = self.index.get(words[i][2])
            if options is not None:
                for phrase in options:
                    k = len(phrase)
                    if i + k <= n and all(
                        words[i + j][2] == phrase[j]
                        and text[words[i + j - 1][1] : words[i + j][0]].isspace()
                        for j in range(1, k)
                    ):
                        found.append((words[i][0], words[i + k - 1][1], " ".join(phrase)))
                        i += k
                        break
                else:
                    i += 1
                continue
            i += 1
        return found


@functools.cache
def _hedge_phrases() -> Phrases:
    words = set(_HEDGE_WORDS)
    for name in ("icd203", "kent", "uk"):
        for term in get_yardstick(name).terms:
            words.add(term.term)
            words.update(term.synonyms)
    return Phrases(words)


def hedge_marks(text: str) -> list[tuple[int, int, str]]:
    """Every estimative phrase in ``text``: ``(start, end, words)``, in order."""
    return _hedge_phrases().find(text)


def join_hedges(marks: list[tuple[int, int, str]]) -> str | None:
    """The distinct hedge words of ``marks``, in order, ``"; "``-joined (``None`` for none)."""
    seen: list[str] = []
    for _, _, word in marks:
        if word not in seen and not any(word in s for s in seen):
            seen.append(word)
    return "; ".join(seen) if seen else None


def hedges_in(clause: str) -> str | None:
    """The estimative words of a clause, in order, ``"; "``-joined (``None`` when there are none).

    >>> hedges_in("It is highly likely that six officers were killed")
    'highly likely'
    """
    return join_hedges(hedge_marks(clause))


_PLANS = Phrases(
    [
        "plan", "plans", "planning", "planned", "will", "intend", "intends", "intending",
        "expected to", "set to", "to be sent", "preparing to", "prepared to", "projected",
        "forecast", "forecasts",
    ]
)  # fmt: skip
# Modal verbs speak of possibilities when written in lower case and not negated ("could exceed",
# not "could not be verified", not the month "May").
_MODALS = re.compile(r"\b(?:could|might|may|would)\b(?!\s+not\b)")


def projection_marks(text: str) -> list[int]:
    """Offsets in ``text`` of the words of plans and possibilities ("will", "could exceed")."""
    marks = [a for a, _, _ in _PLANS.find(text)]
    marks += [m.start() for m in _MODALS.finditer(text)]
    return sorted(marks)


def is_projection(clause: str) -> bool:
    """Whether a clause speaks of plans or possibilities ("will send", "could exceed").

    >>> is_projection("losses could exceed 10,000"), is_projection("losses exceeded 10,000")
    (True, False)
    """
    return bool(projection_marks(clause))
