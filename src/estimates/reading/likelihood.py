"""Estimative language and source grading, as data.

Probability words ("highly likely", "probably", "remote chance") resolve to an interval of
probability on a named *yardstick*:

- ``icd203``: ODNI Intelligence Community Directive 203, Analytic Standards (2015);
- ``kent``: Sherman Kent, "Words of Estimative Probability", Studies in Intelligence (1964);
- ``uk``: the UK PHIA probability yardstick (2018).

Each yardstick is a TOML file in ``estimates/data/yardsticks`` with its source in a header,
read on first use. The Admiralty code (NATO AJP-2.1 / STANAG 2511: source reliability A-F,
information credibility 1-6) is data too; F and 6 mean "cannot be judged", not "poor".

>>> likelihood("highly likely")
(0.8, 0.95)
>>> likelihood("probable", yardstick="uk")
(0.55, 0.75)
>>> hedge_confidence("'It is likely'")
0.675
>>> admiralty("B2").names
('Usually reliable', 'Probably true')
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from estimates.errors import ParseError, UnknownMethodError

__all__ = [
    "AdmiraltyGrade",
    "Term",
    "Yardstick",
    "admiralty",
    "credibility_grades",
    "get_yardstick",
    "hedge_confidence",
    "likelihood",
    "reliability_grades",
    "yardsticks",
]

_YARDSTICKS = ("icd203", "kent", "uk")


class Term(BaseModel):
    """One row of a yardstick: a phrase, its probability interval and its synonyms.

    >>> Term(term="likely", low=0.55, high=0.8).midpoint
    0.675
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    low: float
    high: float
    synonyms: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _probability(self) -> Term:
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise PydanticCustomError(
                "bad_probability",
                "{term!r} needs 0 <= low <= high <= 1, got {low}, {high}",
                {"term": self.term, "low": self.low, "high": self.high},
            )
        return self

    @property
    def midpoint(self) -> float:
        """The middle of the interval, a point probability for the term.

        >>> Term(term="remote", low=0.0, high=0.05).midpoint
        0.025
        """
        return round((self.low + self.high) / 2, 10)


class Yardstick(BaseModel):
    """A named table of probability words with its published source.

    >>> y = get_yardstick("kent")
    >>> y.interval("probable"), y.source.startswith("Kent")
    ((0.63, 0.87), True)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    source: str
    terms: tuple[Term, ...]

    def lookup(self, phrase: str) -> Term:
        """The term (or synonym) ``phrase`` names; :class:`ParseError` lists the known words.

        >>> get_yardstick("icd203").lookup("Highly  likely.").term
        'very likely'
        """
        key = _normalise(phrase)
        term = _index(self.name).get(key)
        if term is None:
            known = ", ".join(t.term for t in self.terms)
            raise ParseError(
                f"{phrase!r} is not an expression of likelihood on the {self.name} yardstick; "
                f"known: {known} (and their synonyms)",
                text=phrase,
                span=(0, len(phrase)),
            )
        return term

    def interval(self, phrase: str) -> tuple[float, float]:
        """The ``(low, high)`` probability of ``phrase``.

        >>> get_yardstick("uk").interval("realistic possibility")
        (0.4, 0.5)
        """
        term = self.lookup(phrase)
        return term.low, term.high


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(text.split())


@functools.cache
def get_yardstick(name: str) -> Yardstick:
    """The yardstick called ``name`` (read from its data file on first use).

    >>> get_yardstick("icd203").title
    'ICD 203 expressions of likelihood'
    >>> get_yardstick("nato")
    Traceback (most recent call last):
    ...
    estimates.errors.UnknownMethodError: unknown name 'nato'; known: icd203, kent, uk
    """
    if name not in _YARDSTICKS:
        raise UnknownMethodError(name, known=_YARDSTICKS)
    data = _read(f"{name}.toml")
    terms = tuple(
        Term(
            term=t["term"],
            low=t["low"],
            high=t["high"],
            synonyms=tuple(t.get("synonyms", ())),
        )
        for t in data["terms"]
    )
    return Yardstick(name=data["name"], title=data["title"], source=data["source"], terms=terms)


def yardsticks() -> tuple[Yardstick, ...]:
    """Every built-in yardstick, sorted by name.

    >>> [y.name for y in yardsticks()]
    ['icd203', 'kent', 'uk']
    """
    return tuple(get_yardstick(n) for n in _YARDSTICKS)


def _read(filename: str) -> dict[str, Any]:
    path = resources.files("estimates") / "data" / "yardsticks" / filename
    with path.open("rb") as fh:
        return tomllib.load(fh)


@functools.cache
def _index(name: str) -> dict[str, Term]:
    index: dict[str, Term] = {}
    for term in get_yardstick(name).terms:
        for phrase in (term.term, *term.synonyms):
            index.setdefault(_normalise(phrase), term)
    return index


@functools.cache
def _search_pattern(name: str) -> re.Pattern[str]:
    # Longest phrases first, so "highly likely" wins over "likely" and "probably not" over
    # "probably"; word boundaries keep "likely" out of "unlikely".
    phrases = sorted(_index(name), key=lambda p: (-len(p), p))
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def likelihood(phrase: str, yardstick: str = "icd203") -> tuple[float, float]:
    """The probability interval of an estimative ``phrase`` on ``yardstick``.

    Synonyms resolve to their row ("highly likely" is "very likely" in ICD 203; "probable" is
    "likely"). Case, quotes and punctuation are ignored.

    >>> likelihood("highly likely", yardstick="icd203")
    (0.8, 0.95)
    >>> likelihood("almost certain", yardstick="kent")
    (0.87, 0.99)
    >>> likelihood("a safe bet")
    Traceback (most recent call last):
    ...
    estimates.errors.ParseError: 'a safe bet' is not an expression of likelihood on the icd203 ...
    """
    return get_yardstick(yardstick).interval(phrase)


def hedge_confidence(hedge: str | None, yardstick: str = "icd203") -> float | None:
    """The midpoint probability of the first estimative phrase in a hedge text, else ``None``.

    A hedge such as ``"'We assess'; 'highly likely'"`` yields the midpoint of "highly likely";
    a hedge with no probability word (``"'We assess'"``, ``None``) yields ``None``: no
    confidence is invented.

    >>> hedge_confidence("casualties 'highly likely'")
    0.875
    >>> hedge_confidence("'We assess'") is None
    True
    >>> hedge_confidence("probably towards the lower number", yardstick="kent")
    0.75
    """
    if hedge is None:
        return None
    pattern = _search_pattern(get_yardstick(yardstick).name)
    m = pattern.search(_normalise(hedge))
    if m is None:
        return None
    return _index(yardstick)[m.group()].midpoint


# -- the Admiralty code --------------------------------------------------------------------------


@functools.cache
def _admiralty() -> tuple[dict[str, str], dict[str, str], str]:
    data = _read("admiralty.toml")
    return dict(data["reliability"]), dict(data["credibility"]), str(data["source"])


class AdmiraltyGrade(BaseModel):
    """A grade of the Admiralty code: source reliability (A-F) and information credibility (1-6).

    Either part may be missing ("B" alone grades the source). F and 6 mean the grade cannot be
    judged: use them as "no prior", not as "poor".

    >>> g = admiralty("F6")
    >>> g.names, g.judged
    (('Reliability cannot be judged', 'Truth cannot be judged'), False)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reliability: str | None = None
    credibility: int | None = None

    @model_validator(mode="after")
    def _known(self) -> AdmiraltyGrade:
        rel, cred, _ = _admiralty()
        if self.reliability is not None and self.reliability not in rel:
            raise PydanticCustomError(
                "unknown_reliability",
                "reliability must be one of A-F, got {value!r}",
                {"value": self.reliability},
            )
        if self.credibility is not None and str(self.credibility) not in cred:
            raise PydanticCustomError(
                "unknown_credibility",
                "credibility must be one of 1-6, got {value!r}",
                {"value": self.credibility},
            )
        return self

    @property
    def names(self) -> tuple[str | None, str | None]:
        """The names of the two parts ("Usually reliable", "Probably true").

        >>> admiralty("C").names
        ('Fairly reliable', None)
        """
        rel, cred, _ = _admiralty()
        return (
            None if self.reliability is None else rel[self.reliability],
            None if self.credibility is None else cred[str(self.credibility)],
        )

    @property
    def judged(self) -> bool:
        """Whether both given parts carry a judgement (neither is F nor 6).

        >>> admiralty("A1").judged
        True
        """
        return self.reliability != "F" and self.credibility != 6


def admiralty(grade: str) -> AdmiraltyGrade:
    """Read an Admiralty grade such as ``"B2"``, ``"b-2"``, ``"C"`` or ``"3"``.

    >>> admiralty("B2").reliability, admiralty("B2").credibility
    ('B', 2)
    >>> admiralty("G7")
    Traceback (most recent call last):
    ...
    estimates.errors.ParseError: cannot read 'G7' as an Admiralty grade: ...
    """
    m = re.fullmatch(r"\s*([A-Fa-f])?\s*[-/ ]?\s*([1-6])?\s*", grade)
    if m is None or (m.group(1) is None and m.group(2) is None):
        raise ParseError(
            f"cannot read {grade!r} as an Admiralty grade: expected a reliability letter A-F "
            "and/or a credibility digit 1-6, such as 'B2', 'C' or '3'",
            text=grade,
            span=(0, len(grade)),
        )
    letter = m.group(1).upper() if m.group(1) else None
    digit = int(m.group(2)) if m.group(2) else None
    return AdmiraltyGrade(reliability=letter, credibility=digit)


def reliability_grades() -> tuple[tuple[str, str], ...]:
    """The source-reliability scale: ``(letter, name)`` from A to F.

    >>> reliability_grades()[0]
    ('A', 'Completely reliable')
    """
    rel, _, _ = _admiralty()
    return tuple(sorted(rel.items()))


def credibility_grades() -> tuple[tuple[int, str], ...]:
    """The information-credibility scale: ``(digit, name)`` from 1 to 6.

    >>> credibility_grades()[-1]
    (6, 'Truth cannot be judged')
    """
    _, cred, _ = _admiralty()
    return tuple(sorted((int(k), v) for k, v in cred.items()))
