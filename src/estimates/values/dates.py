"""Dates with their precision: a moment of a day, a day, a month, a year, or an interval of days.

Sources often give only a month ("in February 2024") or a window ("the last week of October").
A :class:`Period` keeps that precision instead of inventing a day; knowledge cut-offs use its
end, so a figure published "some time in October" counts as known from 31 October. A day may
carry a time of day ("2023-02-06T20:00"): two counts of one day are then two moments, in order.

As instants (seconds since 1970, :attr:`Period.first_second` and :attr:`Period.last_second`), a
period without a time of day spans whole days, from the first second of its first day to the
last second of its last day; a time of day is one instant. So "as of 6 Feb" is after the count
of 6 Feb at 20:00, and a figure stated "on 6 Feb" is known by the end of that day.

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

__all__ = ["DAY_SECONDS", "Period", "to_period"]

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIMED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$")
_ZONED = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$"
)
#: Seconds in a day: a period without a time of day ends at the last second of its last day.
DAY_SECONDS = 86_400
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_ALLOWED = (
    "a day (2024-10-18), a moment of a day (2024-10-18T20:00), a month (2024-10), a year (2024) "
    "or an interval of days (2024-10-25/2024-10-31)"
)


class Period(Model):
    """A closed span of days ``[start, end]``; a single day has ``start == end`` and may carry a
    ``time`` of day (to the second, read as written: no time zone).

    Build one with :meth:`parse`, :meth:`day` or the constructor; ``str`` gives the shortest
    ISO form (day, moment, month, year or ``start/end``).

    >>> Period.day(dt.date(2024, 10, 18))
    Period('2024-10-18')
    >>> Period.parse("2024").end
    datetime.date(2024, 12, 31)
    >>> evening = Period.parse("2023-02-06T20:00")
    >>> evening.time, evening < Period.parse("2023-02-06T21:30")
    (datetime.time(20, 0), True)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    end: dt.date
    time: dt.time | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            start, end, time = _parse_bounds(data)
            return {"start": start, "end": end, "time": time}
        if isinstance(data, dt.datetime):
            return {"start": data.date(), "end": data.date(), "time": _time_of(data)}
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
        if self.time is not None:
            if self.start != self.end:
                raise PydanticCustomError(
                    "period_time",
                    "a time of day belongs to a single day, not to {start}/{end}",
                    {"start": str(self.start), "end": str(self.end)},
                )
            if self.time.tzinfo is not None or self.time.microsecond:
                raise PydanticCustomError(
                    "period_time",
                    "a time of day is whole seconds without a time zone, got {time}",
                    {"time": str(self.time)},
                )
        return self

    @model_serializer(mode="plain")
    def _as_text(self) -> str:
        # in JSON and in dumps a period is its ISO text, as in a claim table
        return str(self)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read ``text`` as a day, a moment of a day, a month, a year or an ``a/b`` interval of
        days; raise :class:`DateError`.

            >>> Period.parse("2024-13-01")
            Traceback (most recent call last):
            ...
            estimates.errors.DateError: impossible date '2024-13-01': month must be in 1..12
        """
        start, end, time = _parse_bounds(text)
        return cls(start=start, end=end, time=time)

    @classmethod
    def day(cls, day: dt.date) -> Period:
        """A period of one day.

        >>> Period.day(dt.date(2025, 1, 15)).is_day
        True
        """
        return cls(start=day, end=day)

    @property
    def is_day(self) -> bool:
        """Whether the period is a single day (with or without a time of day).

        >>> Period.parse("2024-02").is_day, Period.parse("2024-02-03T08:15").is_day
        (False, True)
        """
        return self.start == self.end

    @property
    def first_second(self) -> int:
        """The period's first instant, in seconds since 1970-01-01 (its time, else the first
        second of its first day).

        >>> Period.parse("1970-01-02").first_second, Period.parse("1970-01-02T00:01").first_second
        (86400, 86460)
        """
        return _seconds(self.start, self.time or dt.time(0))

    @property
    def last_second(self) -> int:
        """The period's last instant, in seconds since 1970-01-01 (its time, else the last
        second of its last day): when a figure stated in it is known by.

        >>> Period.parse("1970-01").last_second == 31 * DAY_SECONDS - 1
        True
        """
        if self.time is not None:
            return _seconds(self.end, self.time)
        return _seconds(self.end, dt.time(0)) + DAY_SECONDS - 1

    def __str__(self) -> str:
        s, e = self.start, self.end
        if self.time is not None:
            t = self.time
            clock = f"{t.hour:02d}:{t.minute:02d}" + (f":{t.second:02d}" if t.second else "")
            return f"{s.isoformat()}T{clock}"
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
        return (self.first_second, self.last_second) < (other.first_second, other.last_second)


def _seconds(day: dt.date, time: dt.time) -> int:
    days = day.toordinal() - _EPOCH_ORDINAL
    return days * DAY_SECONDS + time.hour * 3600 + time.minute * 60 + time.second


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _time_of(moment: dt.datetime) -> dt.time | None:
    """The time of day of a datetime, or None at midnight (a date read by a table reader)."""
    if moment.tzinfo is not None:
        raise DateError(
            f"{moment.isoformat()} has a time zone; a time of day is read as written, without "
            "a zone: give every claim's time in one zone, without an offset",
            text=moment.isoformat(),
        )
    t = moment.time()
    if t.microsecond:
        raise DateError(
            f"{moment.isoformat()} has fractions of a second; a time of day is whole seconds",
            text=moment.isoformat(),
        )
    return None if t == dt.time(0) else t


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _make_date(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible date {text!r}: {exc}", text=text) from exc


def _parse_single(text: str, whole: str) -> tuple[dt.date, dt.date]:
    if _TIMED.match(text) or _ZONED.match(text):
        raise DateError(
            f"{whole!r}: a time of day is given on a single day, not in an interval", text=whole
        )
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


def _parse_bounds(text: str) -> tuple[dt.date, dt.date, dt.time | None]:
    raw = text.strip()
    if "/" in raw:
        left, _, right = raw.partition("/")
        start, _ = _parse_single(left.strip(), raw)
        _, end = _parse_single(right.strip(), raw)
        if end < start:
            raise DateError(f"interval {raw!r} ends before it starts", text=raw)
        return start, end, None
    if _ZONED.match(raw):
        raise DateError(
            f"{raw!r} has a time zone; a time of day is read as written, without a zone: give "
            "every claim's time in one zone, without an offset",
            text=raw,
        )
    if m := _TIMED.match(raw):
        day = _make_date(raw, int(m[1]), int(m[2]), int(m[3]))
        try:
            time = dt.time(int(m[4]), int(m[5]), int(m[6] or 0))
        except ValueError as exc:
            raise DateError(f"impossible time of day {raw!r}: {exc}", text=raw) from exc
        return day, day, time
    start, end = _parse_single(raw, raw)
    return start, end, None


def to_period(value: object) -> Period | None:
    """Coerce ``None``, a blank string, a date or datetime (pandas' ``Timestamp`` too), a numpy
    ``datetime64``, a string or a :class:`Period` to a Period: the one date coercion of the
    package. A datetime keeps its time of day, except midnight, which is how table readers write
    a plain date; a time zone is refused (times are compared as written).

    >>> to_period("2024-10-18") == Period.day(dt.date(2024, 10, 18))
    True
    >>> to_period("") is None
    True
    >>> str(to_period(np.datetime64("2023-02-06T20:00:00"))), str(to_period(dt.datetime(2023, 2, 6)))
    ('2023-02-06T20:00', '2023-02-06')
    """
    if value is None or isinstance(value, Period):
        return value
    if isinstance(value, dict):
        return Period.model_validate(value)
    if isinstance(value, str):
        return None if not value.strip() else Period.parse(value)
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
        return Period(start=value.date(), end=value.date(), time=_time_of(value))
    if isinstance(value, dt.date):
        return Period.day(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        day = value.astype("datetime64[D]")
        if not np.datetime64("0001-01-01") <= day <= np.datetime64("9999-12-31"):
            raise DateError(f"{value} is outside the years 1 to 9999", text=str(value))
        moment = value.astype("datetime64[us]").item()
        if isinstance(moment, dt.datetime):
            return Period(start=day.item(), end=day.item(), time=_time_of(moment))
        return Period.day(day.item())
    raise DateError(f"cannot read {value!r} as a date; allowed: {_ALLOWED}", text=repr(value))
