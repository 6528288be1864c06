"""``Claim``: one figure, who said it, via whom, when, and about what moment.

>>> from estimates import Claim, Range
>>> c = Claim(
...     quantity="dprk_troops_in_russia",
...     value=Range.exactly(1500, unit="soldiers"),
...     text="1,500 special forces already stationed",
...     source="South Korea NIS",
...     via="The Moscow Times; AFP",
...     stated_on="2024-10-18",
...     as_of="2024-10-13",
... )
>>> c.via
('The Moscow Times', 'AFP')
>>> c.claim_id == c.replace(note=None).claim_id
True
>>> len(c.claim_id)
16
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from estimates.errors import DateError
from estimates.ledger._ids import claim_ids
from estimates.values._model import Model
from estimates.values.dates import Period, to_period
from estimates.values.ranges import Range
from estimates.values.vocabulary import KINDS, Kind, Reliability

__all__ = ["KINDS", "Claim", "Kind", "claim_key", "join_via", "split_via"]


def join_via(outlets: Sequence[str]) -> str | None:
    """The relaying outlets as one ``;``-separated cell (None for none).

    A ``;`` or ``\\`` inside an outlet's name is escaped with ``\\``, so that
    :func:`split_via` gives back exactly the outlets given.

    >>> join_via(("AFP;Reuters", "Yonhap"))
    'AFP\\\\;Reuters;Yonhap'
    >>> split_via(join_via(("AFP;Reuters", "Yonhap")))
    ('AFP;Reuters', 'Yonhap')
    """
    return ";".join(o.replace("\\", "\\\\").replace(";", "\\;") for o in outlets) or None


def split_via(text: str) -> tuple[str, ...]:
    """The outlets of a ``;``-separated cell, each stripped, blank ones left out; ``\\;`` is a
    ``;`` inside a name and ``\\\\`` a backslash (any other backslash is itself).

    >>> split_via("The Moscow Times; AFP;;")
    ('The Moscow Times', 'AFP')
    """
    if "\\" not in text:
        return tuple(p.strip() for p in text.split(";") if p.strip())
    out: list[str] = []
    part: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text[i + 1 : i + 2] in (";", "\\"):
            part.append(text[i + 1])  # an escaped ';' or '\\'; any other '\\' is itself
            i += 1
        elif ch == ";":
            out.append("".join(part))
            part = []
        else:
            part.append(ch)
        i += 1
    out.append("".join(part))
    return tuple(p.strip() for p in out if p.strip())


def claim_key(values: Sequence[str | float | None], level: float | None = None) -> str:
    """The claim id for the identity fields' values, in the order of ``Claim.key_values()``.

    Text fields are given as ``str`` or ``None``, number fields as ``float`` or ``None``; see
    :mod:`estimates.ledger._ids` for the hashing, which the ledger applies to whole columns at once.
    ``level`` joins the id only when stated (ids of claims without one never changed).

    >>> claim_key(["a", 1.0, None]) == claim_key(["a", 1.0, None])
    True
    >>> claim_key(["a"]) == claim_key(["a"], level=0.9)
    False
    """
    columns: list[npt.NDArray[Any]] = []
    for v in values:
        if isinstance(v, float):
            columns.append(np.array([v], dtype=np.float64))
        else:
            columns.append(np.array([v], dtype=object))
    extra = np.array([math.nan if level is None else float(level)], dtype=np.float64)
    return claim_ids(columns, [extra])[0]


class Claim(Model):
    """One sourced figure about one quantity.

    Give ``value`` as a :class:`Range`; or give only ``text`` and it is read with
    :func:`estimates.parse`. When both are given, the numbers win and the text is kept as said.
    Dates accept a day, a month (``2024-02``), a year or an interval (``2024-10-25/2024-10-31``).
    ``as_of`` left out means "as of when it was stated". ``via`` takes a tuple or a
    ``;``-separated string of relaying outlets.

    >>> Claim(quantity="q", value=Range.exactly(3), source="s", since="2024-05", as_of="2024-04")
    Traceback (most recent call last):
    ...
    estimates.errors.InvalidValueError: invalid Claim: since (2024-05) is after the moment the figure describes (2024-04)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    quantity: str
    value: Range
    text: str | None = None
    source: str
    via: tuple[str, ...] = ()
    stated_on: Period | None = None
    as_of: Period | None = None
    since: Period | None = None
    kind: Kind = "stock"
    hedge: str | None = None
    confidence: float | None = None
    reliability: Reliability | None = None
    level: float | None = None
    url: str | None = None
    quote: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _value_from_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("value") is None and data.get("text"):
            from estimates.reading.parsing import (
                parse,  # the parser is loaded only when text must be read
            )

            data = {**data, "value": parse(str(data["text"]))}
        return data

    @field_validator("quantity", "source", mode="before")
    @classmethod
    def _required_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = " ".join(value.split())
            if not value:
                raise PydanticCustomError("blank", "must not be blank", {})
        return value

    @field_validator("text", "hedge", "url", "quote", "note", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value == "" else value

    @field_validator("via", mode="before")
    @classmethod
    def _split_via(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return split_via(value)
        if isinstance(value, list | tuple):
            return tuple(v.strip() for v in value if isinstance(v, str) and v.strip()) + tuple(
                v for v in value if not isinstance(v, str)
            )
        return value

    @field_validator("stated_on", "as_of", "since", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        try:
            return to_period(value)
        except DateError as exc:
            raise PydanticCustomError("bad_date", "{message}", {"message": str(exc)}) from exc

    @field_validator("confidence", mode="before")
    @classmethod
    def _probability(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if not (math.isfinite(value) and 0 <= value <= 1):
            raise PydanticCustomError(
                "not_probability",
                "confidence must be a number in [0, 1], got {value}",
                {"value": value},
            )
        return value

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        if not (math.isfinite(value) and 0 < value < 1):
            raise PydanticCustomError(
                "not_level",
                "level must be a probability strictly between 0 and 1 (an expert's 5-95 % range "
                "is 0.9), got {value}",
                {"value": value},
            )
        return value

    @model_validator(mode="after")
    def _window(self) -> Claim:
        end = self.as_of or self.stated_on
        if self.since is not None and end is not None and self.since.start > end.end:
            raise PydanticCustomError(
                "since_after_as_of",
                "since ({since}) is after the moment the figure describes ({as_of})",
                {"since": str(self.since), "as_of": str(end)},
            )
        return self

    @property
    def effective_as_of(self) -> Period | None:
        """``as_of``, or ``stated_on`` when the claim does not say what moment it describes.

        >>> Claim(quantity="q", value=Range.exactly(1), source="s", stated_on="2024-10").effective_as_of
        Period('2024-10')
        """
        return self.as_of or self.stated_on

    def key_values(self) -> tuple[str | float | None, ...]:
        """The identity fields, in the order of the id: text as ``str``/``None``, numbers as float.

        >>> Claim(quantity="q", value=Range.exactly(1), source="s").key_values()[:3]
        ('q', 1.0, 1.0)
        """
        v = self.value

        def opt(x: object) -> str | None:
            return None if x is None else str(x)

        def num(x: float | None) -> float:
            return math.nan if x is None else float(x)

        return (
            self.quantity, num(v.low), num(v.best), num(v.high), v.closed, opt(v.unit),
            opt(v.convention), self.text, self.source, join_via(self.via),
            opt(self.stated_on), opt(self.as_of), opt(self.since), self.kind, self.hedge,
            num(self.confidence), self.reliability, self.url, self.quote, self.note,
        )  # fmt: skip

    @functools.cached_property
    def claim_id(self) -> str:
        """A stable id derived from the claim's content (16 hex digits).

        >>> Claim(quantity="q", value=Range.exactly(1), source="s").claim_id
        '...'
        """
        return claim_key(self.key_values(), self.level)

    def confidence_from(self, yardstick: str = "icd203") -> float | None:
        """``confidence`` if given, else the probability that ``hedge`` carries on a yardstick.

        >>> Claim(quantity="q", value=Range.exactly(1), source="s", confidence=0.7).confidence_from()
        0.7
        """
        if self.confidence is not None:
            return self.confidence
        if self.hedge is None:
            return None
        from estimates.reading.likelihood import hedge_confidence

        found: float | None = hedge_confidence(self.hedge, yardstick)
        return found

    def replace(self, **changes: Any) -> Claim:
        """A copy with ``changes`` applied, validated again.

        >>> Claim(quantity="q", value=Range.exactly(1), source="s").replace(kind="flow").kind
        'flow'
        """
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return Claim(**data)

    def _repr_html_(self) -> str:
        from estimates.values._html import claim_html  # the notebook face loads only in notebooks

        return claim_html(self)

    def __str__(self) -> str:
        when = f" on {self.stated_on}" if self.stated_on else ""
        return f"{self.quantity}: {self.value} ({self.source}{when})"
