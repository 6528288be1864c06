"""Sources of claims, and the aliases that make several spellings one source.

The same agency reaches print under many names: "South Korea NIS", "South Korea NIS (via
lawmaker Lee Seong-kweun)", "South Korea's National Intelligence Service". Evidence is counted
per *resolved* source, so those must be one.

>>> nis = Source(name="South Korea NIS", kind="intelligence", affiliation="South Korea", reliability="B")
>>> sources = Sources([nis]).alias("South Korea NIS", "NIS", "South Korea's National Intelligence Service")
>>> sources.resolve("NIS")
'South Korea NIS'
>>> sources.resolve("South Korea NIS (via lawmaker Lee Seong-kweun)")
'South Korea NIS'
>>> sources.resolve("Pentagon")
'Pentagon'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from estimates.errors import InvalidValueError
from estimates.values._model import Model
from estimates.values.vocabulary import Reliability

__all__ = ["Reliability", "Source", "SourceKind", "Sources", "normalize_source_name"]

SourceKind = Literal[
    "government", "military", "intelligence", "media", "ngo", "individual", "other"
]

# A trailing parenthetical qualifier says how the figure reached print, not who said it:
# "NIS (via lawmaker Lee)", "NIS (per Yonhap)", "NIS (parliamentary briefing)".
_TRAILING_PARENS = re.compile(r"\s*\([^()]*\)\s*$")
# "Name (role) to Outlet", "Name (role) via Outlet", "Name (role), occasion": the name is the source.
_QUALIFIED = re.compile(r"^(?P<name>[^()]+?)\s*\([^()]*\)\s*(?:(?:to|via)\s.*|,.*)$")
_SPACES = re.compile(r"\s+")


def _clean(name: str) -> str:
    """``name`` in NFC (one spelling for letters that Unicode can compose two ways), with white
    space folded: "Kyiv Independent" typed on two keyboards is one source."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()


def normalize_source_name(name: str) -> str:
    """The default resolution: drop qualifiers of how the figure reached print; fold white space.

    A trailing parenthetical goes, and so does a parenthetical followed by "to <outlet>",
    "via <outlet>" or ", <occasion>".

    >>> normalize_source_name("South Korea NIS (via lawmaker Park Sun-won)")
    'South Korea NIS'
    >>> normalize_source_name("Kyrylo Budanov (Ukraine HUR) to Bloomberg")
    'Kyrylo Budanov'
    >>> normalize_source_name("Kim Yong-hyun (defence minister), parliamentary hearing")
    'Kim Yong-hyun'
    >>> normalize_source_name("  Ukraine   HUR ")
    'Ukraine HUR'
    """
    text = _clean(name)
    if m := _QUALIFIED.match(text):
        text = m["name"]
    while True:
        stripped = _TRAILING_PARENS.sub("", text).strip()
        if stripped == text or not stripped:
            return text
        text = stripped


class Source(Model):
    """Who originates figures: a name, a kind, an affiliation and an optional Admiralty grade.

    ``reliability`` is the Admiralty source-reliability letter (A completely reliable ...
    E unreliable, F cannot be judged). F means "no prior", not "low".

    >>> Source(name="Ukraine HUR", kind="intelligence", affiliation="Ukraine").reliability is None
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: SourceKind = "other"
    affiliation: str | None = None
    reliability: Reliability | None = None

    @field_validator("name")
    @classmethod
    def _non_blank(cls, value: str) -> str:
        value = _clean(value)
        if not value:
            raise PydanticCustomError("blank", "a source name cannot be blank", {})
        return value


class Sources:
    """A set of known sources with aliases; resolves raw names to one canonical name each.

    Resolution order: an exact declared alias (case-insensitive); else the name with trailing
    parenthetical qualifiers removed, if that is a declared name or alias; else that stripped
    name itself (pass ``strip_qualifiers=False`` to keep raw names apart).

    >>> Sources().resolve("Zelensky (Lex Fridman podcast)")
    'Zelensky'
    >>> Sources(strip_qualifiers=False).resolve("Zelensky (Lex Fridman podcast)")
    'Zelensky (Lex Fridman podcast)'
    """

    def __init__(self, sources: Iterable[Source] = (), *, strip_qualifiers: bool = True) -> None:
        self._sources: dict[str, Source] = {}
        self._aliases: dict[str, str] = {}
        self.strip_qualifiers = strip_qualifiers
        for source in sources:
            self.add(source)

    def add(self, source: Source, *aliases: str) -> Sources:
        """Declare a source (and aliases for it); returns ``self`` for chaining.

        >>> Sources().add(Source(name="US DoD", kind="military"), "Pentagon").resolve("pentagon")
        'US DoD'
        """
        self._sources[source.name] = source
        self._aliases[source.name.casefold()] = source.name
        return self.alias(source.name, *aliases)

    def alias(self, name: str, *aliases: str) -> Sources:
        """Declare that each of ``aliases`` means the source ``name``; returns ``self``.

        >>> Sources().alias("US DoD", "Pentagon").resolve("Pentagon")
        'US DoD'
        """
        canonical = _clean(name)
        self._aliases.setdefault(canonical.casefold(), canonical)
        for alias in aliases:
            key = _clean(alias).casefold()
            known = self._aliases.get(key)
            if known is not None and known != canonical:
                raise InvalidValueError(
                    "Sources",
                    message=f"alias {alias!r} already means {known!r}, cannot also mean {canonical!r}",
                )
            self._aliases[key] = canonical
        return self

    def get(self, name: str) -> Source | None:
        """The declared :class:`Source` a raw name resolves to, if any.

        >>> Sources([Source(name="NIS", reliability="B")]).get("NIS (per Yonhap)").reliability
        'B'
        """
        return self._sources.get(self.resolve(name))

    def resolve(self, name: str) -> str:
        """The canonical name for a raw source name.

        >>> Sources().alias("South Korea NIS", "NIS").resolve("NIS (parliamentary briefing)")
        'South Korea NIS'
        """
        folded = _clean(name)
        hit = self._aliases.get(folded.casefold())
        if hit is not None:
            return hit
        if not self.strip_qualifiers:
            return folded
        stripped = normalize_source_name(folded)
        return self._aliases.get(stripped.casefold(), stripped)

    def resolve_many(self, names: Iterable[str]) -> npt.NDArray[np.object_]:
        """Resolve an array of raw names, once per distinct name.

        >>> Sources().resolve_many(["A (x)", "A", "B"]).tolist()
        ['A', 'A', 'B']
        """
        arr: npt.NDArray[np.object_] = np.asarray(list(names), dtype=np.object_)
        if arr.size == 0:
            return arr
        # keyed by hashing, not sorting: a million rows of a few thousand names cost one pass
        inverse, uniques = pd.factorize(arr.astype(str))
        mapped = np.array([self.resolve(str(u)) for u in uniques], dtype=object)
        return mapped[inverse]

    def reliability_of(self, name: str) -> Reliability | None:
        """The declared Admiralty letter of the source a raw name resolves to.

        >>> Sources([Source(name="NIS", reliability="B")]).reliability_of("NIS")
        'B'
        """
        source = self.get(name)
        return None if source is None else source.reliability

    def __iter__(self) -> Iterator[Source]:
        return iter(sorted(self._sources.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._sources)

    def __repr__(self) -> str:
        return f"Sources({len(self._sources)} declared, {len(self._aliases)} names)"
