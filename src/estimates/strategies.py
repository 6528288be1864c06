"""Hypothesis strategies for ranges, claims and ledgers (extra ``strategies``).

They build valid values directly (no ``.filter()``), so property tests of your own pipeline
spend their examples on real cases. Importing this module registers them with
``st.from_type``; the ``hypothesis`` entry point does so on its own as well.

>>> from hypothesis import given
>>> from estimates.strategies import ranges
>>> @given(ranges(unit="person"))
... def test_width_is_never_negative(r):
...     assert r.width >= 0
>>> test_width_is_never_negative()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from estimates.errors import MissingExtraError

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise MissingExtraError("hypothesis", "strategies") from exc

from estimates.ledger.claims import KINDS, Claim, Kind
from estimates.ledger.table import Ledger
from estimates.values import units as _units
from estimates.values.dates import Period
from estimates.values.ranges import Range
from estimates.values.vocabulary import CLOSED

__all__ = ["claims", "ledgers", "periods", "ranges"]

_DEFAULT_UNITS: tuple[str | None, ...] = ("person", "container", "shell", "USD", None)
_DEFAULT_START = dt.date(2023, 1, 1)
_DEFAULT_END = dt.date(2025, 12, 31)


def _pinned(value: Any, default: Sequence[Any]) -> st.SearchStrategy[Any]:
    if isinstance(value, st.SearchStrategy):
        return value
    if value is None:
        return st.sampled_from(list(default))
    if isinstance(value, str):
        return st.just(value)
    return st.sampled_from(list(value))


@st.composite
def ranges(
    draw: st.DrawFn,
    *,
    unit: str | Sequence[str | None] | st.SearchStrategy[str | None] | None = (),
    bounded: bool | None = None,
    with_best: bool | None = None,
    min_value: float = -1e6,
    max_value: float = 1e6,
    convention: str | None = None,
) -> Range:
    """Valid :class:`Range` values.

    Args:
        unit: a unit, several to choose from, or a strategy; ``()`` (default) draws from
            person, container, shell, USD and no unit. ``None`` means a plain number.
        bounded: ``True`` for both sides finite, ``False`` for at least one side unbounded,
            ``None`` for either.
        with_best: whether a best value is drawn (``None``: either).
        min_value, max_value: the span figures are drawn from (count units start at 0).
        convention: recorded on every range.

    >>> from hypothesis import find
    >>> find(ranges(unit="person", bounded=True), lambda r: r.width > 10).bounded
    True
    """
    if isinstance(unit, st.SearchStrategy):
        u = draw(unit)
    elif unit is None or isinstance(unit, str):
        u = unit
    else:
        u = draw(st.sampled_from(list(unit) or list(_DEFAULT_UNITS)))
    lo_min = max(min_value, 0.0) if (u is not None and _units.is_count(u)) else min_value
    # subnormal figures (below 2.2e-308) are no one's claim and lose digits in any arithmetic
    numbers = st.floats(
        min_value=lo_min,
        max_value=max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )
    a, b = sorted((draw(numbers), draw(numbers)))
    shape = draw(st.sampled_from(["both", "left_open", "right_open"])) if bounded is None else None
    if bounded is True or shape == "both":
        low: float | None
        high: float | None
        low, high = a, b
    elif bounded is False:
        side = draw(st.sampled_from(["low", "high", "neither"]))
        low, high = (a, None) if side == "low" else (None, b) if side == "high" else (None, None)
    else:
        low, high = (a, None) if shape == "left_open" else (None, b)
    if low is not None and high is not None and low == high:
        closed = "both"
    else:
        closed = draw(st.sampled_from(CLOSED))
    r = Range(low=low, high=high, closed=closed, unit=u, convention=convention)
    want_best = draw(st.booleans()) if with_best is None else with_best
    if low is None and high is None:
        want_best = True  # a range with nothing stated is no figure
    if want_best:
        best = _draw_inside(draw, r, numbers)
        if best is not None:
            r = r.replace(best=best)
    return r


def _draw_inside(draw: st.DrawFn, r: Range, numbers: st.SearchStrategy[float]) -> float | None:
    lo, hi = r.low, r.high
    if lo is not None and hi is not None:
        if lo == hi:
            return lo
        x = draw(
            st.floats(
                min_value=lo,
                max_value=hi,
                allow_nan=False,
                allow_infinity=False,
                allow_subnormal=False,
            )
        )
    elif lo is not None:
        x = lo + abs(draw(numbers))
    elif hi is not None:
        x = hi - abs(draw(numbers))
        if r.unit is not None and _units.is_count(r.unit):
            x = max(x, 0.0)
    else:
        x = draw(numbers)
    return x if r.contains(x) else None


@st.composite
def periods(
    draw: st.DrawFn,
    *,
    start: dt.date = _DEFAULT_START,
    end: dt.date = _DEFAULT_END,
    days_only: bool = False,
) -> Period:
    """Valid :class:`Period` values within ``[start, end]``: days, moments of a day (a time of
    day), months and short intervals; ``days_only`` gives whole days.

    >>> from hypothesis import find
    >>> find(periods(days_only=True), lambda p: True).is_day
    True
    """
    day = draw(st.dates(min_value=start, max_value=end))
    forms = ["day", "day", "day", "moment", "month", "interval"]
    form = "day" if days_only else draw(st.sampled_from(forms))
    if form == "moment":
        time = draw(st.times().map(lambda t: t.replace(microsecond=0)))
        return Period(start=day, end=day, time=time)
    if form == "month":
        first = day.replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
        last = nxt - dt.timedelta(days=1)
        if first >= start and last <= end:
            return Period(start=first, end=last)
    if form == "interval":
        span = draw(st.integers(min_value=1, max_value=10))
        last = min(day + dt.timedelta(days=span), end)
        return Period(start=day, end=last)
    return Period.day(day)


@st.composite
def claims(
    draw: st.DrawFn,
    *,
    quantities: Sequence[str] | st.SearchStrategy[str] = ("q1", "q2", "q3"),
    kinds: Sequence[Kind] | st.SearchStrategy[Kind] = KINDS,
    units: str | Sequence[str | None] | st.SearchStrategy[str | None] | None = (),
    sources: Sequence[str] | st.SearchStrategy[str] = ("A", "B", "C", "D"),
    dates: tuple[dt.date, dt.date] = (_DEFAULT_START, _DEFAULT_END),
    value: st.SearchStrategy[Range] | None = None,
) -> Claim:
    """Valid :class:`Claim` values: a range, a source, dates in order, a kind.

    ``stated_on`` is always drawn; ``as_of`` (when drawn) is on or before it and ``since`` (for
    cumulative and flow claims, when drawn) before ``as_of``.

    >>> from hypothesis import find
    >>> find(claims(kinds=["flow"]), lambda c: True).kind
    'flow'
    """
    quantity = draw(_pinned(quantities, ()))
    kind = draw(_pinned(kinds, KINDS))
    source = draw(_pinned(sources, ()))
    r = draw(value if value is not None else ranges(unit=units if units != () else ()))
    start, end = dates
    stated = draw(periods(start=start, end=end))
    as_of = None
    if draw(st.booleans()):
        as_of = draw(periods(start=start, end=stated.end, days_only=True))
    since = None
    ref = as_of or stated
    if kind in ("cumulative", "flow") and draw(st.booleans()) and ref.start > start:
        since = draw(periods(start=start, end=ref.start, days_only=True))
    via = draw(
        st.lists(st.sampled_from(["AFP", "Reuters", "Yonhap", "AP"]), max_size=2, unique=True)
    )
    hedge = draw(st.sampled_from([None, None, "likely", "highly likely", "estimated"]))
    confidence = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1)))
    return Claim(
        quantity=quantity,
        value=r,
        source=source,
        via=tuple(via),
        stated_on=stated,
        as_of=as_of,
        since=since,
        kind=kind,
        hedge=hedge,
        confidence=confidence,
        text=draw(st.one_of(st.none(), st.text(max_size=20))) or None,
        reliability=draw(st.sampled_from([None, "A", "B", "C", "F"])),
        level=draw(st.sampled_from([None, None, 0.5, 0.9, 0.95])),
        note=draw(st.one_of(st.none(), st.text(max_size=15))) or None,
    )


@st.composite
def ledgers(
    draw: st.DrawFn,
    *,
    min_size: int = 0,
    max_size: int = 20,
    quantities: Sequence[str] = ("q1", "q2", "q3"),
    kinds: Sequence[Kind] | st.SearchStrategy[Kind] = KINDS,
    units: Sequence[str | None] = _DEFAULT_UNITS,
    sources: Sequence[str] = ("A", "B", "C", "D"),
    dates: tuple[dt.date, dt.date] = (_DEFAULT_START, _DEFAULT_END),
) -> Ledger:
    """Valid :class:`Ledger` values; each quantity keeps one unit, drawn once.

    >>> from hypothesis import find
    >>> from hypothesis import Phase, settings
    >>> quick = settings(phases=[Phase.generate], database=None)  # no shrinking: any ledger will do
    >>> len(find(ledgers(min_size=3), lambda ledger: True, settings=quick)) >= 1
    True
    """
    unit_of = {q: draw(st.sampled_from(list(units))) for q in quantities}
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    items = []
    for _ in range(n):
        q = draw(st.sampled_from(list(quantities)))
        items.append(
            draw(
                claims(quantities=[q], kinds=kinds, units=unit_of[q], sources=sources, dates=dates)
            )
        )
    return Ledger(items)


def _register() -> None:
    st.register_type_strategy(Range, ranges())
    st.register_type_strategy(Claim, claims())
    st.register_type_strategy(Ledger, ledgers())


def _hypothesis_setup_hook() -> None:
    """Entry point for hypothesis: registers the strategies for ``st.from_type``."""
    _register()


_register()
