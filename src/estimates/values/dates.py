"""Dates with their precision: a day, a month, a year, or an interval of days.

Sources often give only a month ("in February 2024") or a window ("the last week of October").
A :class:`Period` keeps that precision instead of inventing a day; knowledge cut-offs use its
end, so a figure published "some time in October" counts as known from 31 October.

>>> p = Period.parse("2024-10-25/2024-10-31")
>>> p.start, p.end
(datetime.date(2024, 10, 25), datetime.date(2024, 10, 31))
>>> str(Period.parse("2024-02"))
'2024-02'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import numpy as np
from pydantic import ConfigDict, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from estimates.errors import DateError
from estimates.values._model import Model

__all__ = ["Period", "to_period"]

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_ALLOWED = (
    "a day (2024-10-18), a month (2024-10), a year (2024) or an interval (2024-10-25/2024-10-31)"
)


class Period(Model):
    """A closed span of days ``[start, end]``; a single day has ``start == end``.

    Build one with :meth:`parse`, :meth:`day` or the constructor; ``str`` gives the shortest
    ISO form (day, month, year or ``start/end``).

    >>> Period.day(dt.date(2024, 10, 18))
    Period('2024-10-18')
    >>> Period.parse("2024").end
    datetime.date(2024, 12, 31)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    end: dt.date

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            start, end = _parse_bounds(data)
            return {"start": start, "end": end}
        if isinstance(data, dt.datetime):
            return {"start": data.date(), "end": data.date()}
        if isinstance(data, dt.date):
            return {"start": data, "end": data}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise PydanticCustomError(
                "period_reversed",
                "a period must not end ({end}) before it starts ({start})",
                {"start": str(self.start), "end": str(self.end)},
            )
        return self

    @model_serializer(mode="plain")
    def _as_text(self) -> str:
        # in JSON and in dumps a period is its ISO text, as in a claim table
        return str(self)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``text`` as a day, month, year or ``a/b`` interval; raise :class:`DateError`.

        >>> Period.parse("2024-13-01")
        Traceback (most recent call last):
        ...
        estimates.errors.DateError: impossible date '2024-13-01': month must be in 1..12
        """
        start, end = _parse_bounds(text)
        return cls(start=start, end=end)

    @classmethod
    def day(cls, day: dt.date) -> Period:
        """A period of one day.

        >>> Period.day(dt.date(2025, 1, 15)).is_day
        True
        """
        return cls(start=day, end=day)

    @property
    def is_day(self) -> bool:
        """Whether the period is a single day.

        >>> Period.parse("2024-02").is_day
        False
        """
        return self.start == self.end

    def __str__(self) -> str:
        s, e = self.start, self.end
        if s == e:
            return s.isoformat()
        if s.day == 1 and e == _month_end(s.year, s.month):
            return f"{s.year:04d}-{s.month:02d}"
        if (s.month, s.day) == (1, 1) and (e.year, e.month, e.day) == (s.year, 12, 31):
            return f"{s.year:04d}"
        return f"{s.isoformat()}/{e.isoformat()}"

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    def __lt__(self, other: Period) -> bool:
        return (self.start, self.end) < (other.start, other.end)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _make_date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible date {text!r}: {exc}", text=text) from exc


def _parse_single(text: str, whole: str) -> tuple[dt.date, dt.date]:
    if m := _DAY.match(text):
        d = _make_date(whole, int(m[1]), int(m[2]), int(m[3]))
        return d, d
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        start = _make_date(whole, year, month, 1)
        return start, _month_end(year, month)
    if m := _YEAR.match(text):
        year = int(m[1])
        return _make_date(whole, year, 1, 1), _make_date(whole, year, 12, 31)
    raise DateError(f"cannot read {whole!r} as a date; allowed: {_ALLOWED}", text=whole)


def _parse_bounds(text: str) -> tuple[dt.date, dt.date]:
    raw = text.strip()
    if "/" in raw:
        left, _, right = raw.partition("/")
        start, _ = _parse_single(left.strip(), raw)
        _, end = _parse_single(right.strip(), raw)
        if end < start:
            raise DateError(f"interval {raw!r} ends before it starts", text=raw)
        return start, end
    return _parse_single(raw, raw)


def to_period(value: object) -> Period | None:
    """Coerce ``None``, a blank string, a date or datetime (pandas' ``Timestamp`` too), a numpy
    ``datetime64``, a string or a :class:`Period` to a Period: the one date coercion of the
    package (a time of day is dropped: periods are days).

    >>> to_period("2024-10-18") == Period.day(dt.date(2024, 10, 18))
    True
    >>> to_period("") is None
    True
    """
    if value is None or isinstance(value, Period):
        return value
    if isinstance(value, dict):
        return Period.model_validate(value)
    if isinstance(value, str):
        return None if not value.strip() else Period.parse(value)
    if isinstance(value, dt.datetime):  # pandas' Timestamp too; the time of day is dropped
        return Period.day(value.date())
    if isinstance(value, dt.date):
        return Period.day(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]")
        if not np.datetime64("0001-01-01") <= day <= np.datetime64("9999-12-31"):
            raise DateError(f"{value} is outside the years 1 to 9999", text=str(value))
        return Period.day(day.item())
    raise DateError(f"cannot read {value!r} as a date; allowed: {_ALLOWED}", text=repr(value))
