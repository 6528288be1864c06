"""Dates written in running text, resolved against the day the text was published.

"on Oct. 3", "from the 8th to the 13th", "8-13 Oct", "since last August", "by December",
"said Thursday", "last month", "in 2024": each becomes a :class:`~estimates.values.dates.Period`
with a role (``as_of``, ``since``, ``by``, ``weekday``, ``year``). A date that needs a year and
has no publication day to take it from is named in a note, never guessed; a date that cannot be
(the 31st of a 30-day month, a month before year 1) is named too.

>>> import datetime as dt
>>> [(d.role, str(d.period)) for d in dates_in("since last August", 0, dt.date(2024, 10, 18))]
[('since', '2024-08')]
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

from estimates.values.dates import Period

__all__ = ["TextDate", "dates_in"]

# -- dates ----------------------------------------------------------------------------------------

_MONTHS = (
    {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
    | {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
    | {"sept": 9}
)
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_ORD = r"(?:st|nd|rd|th)?"

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


class TextDate(NamedTuple):
    """A date found in text: its offsets, its role and its period (``None`` with a note when
    it cannot be resolved)."""

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
    except (ValueError, OverflowError) as exc:
        # an impossible day ("the 31st" of a 30-day month), or a month before year 1 or after
        # 9999 ("last month" said in January of year 1)
        return role, None, f"{text!r} is not a date: {exc}"
    raise AssertionError(role)  # pragma: no cover - every role is handled above


def dates_in(sentence: str, offset: int, ref: dt.date | None) -> list[TextDate]:
    """The dates in ``sentence`` (offsets shifted by ``offset``), in order of position.

    Patterns are tried from the most specific down; a span taken by one is not read again
    by a later one. Time is linear in the sentence: each character is marked taken once.
    """
    found: list[TextDate] = []
    taken = bytearray(len(sentence))
    for role, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            a, b = m.span()
            if taken.find(1, a, b) != -1:
                continue
            taken[a:b] = b"\x01" * (b - a)
            kind, period, note = _read_date(role, m, ref)
            found.append(TextDate(offset + a, offset + b, kind, period, note))
    return sorted(found)
