"""``Range``: a figure as an interval with optional best value, unit and convention.

A side that is ``None`` is unbounded (and therefore open). ``closed`` uses pandas' Interval
words: ``"both"``, ``"left"``, ``"right"``, ``"neither"``.

>>> r = Range.more_than(13_000, unit="containers")
>>> str(r)
'more than 13,000 containers'
>>> r.low, r.high, r.closed
(13000.0, None, 'neither')
>>> Range.between(10_000, 12_000, unit="person").contains(11_000)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple

from pydantic import ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError

from estimates.errors import InvalidValueError, OptionError, UnitError
from estimates.values import units as _units
from estimates.values import words as _words
from estimates.values._model import Model
from estimates.values.vocabulary import CLOSED, Closed

__all__ = ["RANGE_RULES", "Closed", "Range", "RangeRule", "total"]


def side_flags(closed: object) -> tuple[bool, bool]:
    """Whether the low and the high side are closed, for a ``closed`` word (anything else: open).

    >>> side_flags("left"), side_flags(None)
    ((True, False), (False, False))
    """
    return closed in ("both", "left"), closed in ("both", "right")


def closed_from_flags(left: bool, right: bool) -> Closed:
    """The ``closed`` word for whether the low and the high side are closed.

    >>> closed_from_flags(True, False)
    'left'
    """
    if left and right:
        return "both"
    if left:
        return "left"
    if right:
        return "right"
    return "neither"


class RangeRule(NamedTuple):
    """One rule every :class:`Range` keeps, checked on one range (its ``__init__``) and on a
    whole claim table at once (:func:`estimates.ledger.validation.validate_claims`).

    ``broken(low, best, high, left, right, count)`` takes floats (NaN for a side not stated) or
    arrays of them, whether each side is closed and whether the unit is a count, and returns
    whether (or where) the rule is broken; it is written with operators that mean the same on
    numbers and on numpy arrays. ``message`` is formatted with the range's fields.
    """

    code: str
    field: str
    message: str
    broken: Callable[[Any, Any, Any, Any, Any, Any], Any]


#: The rules of a range, in the order they are checked (NaN compares false: an unstated side
#: breaks none of them; ``a > b`` on truth values is "a and not b").
RANGE_RULES: tuple[RangeRule, ...] = (
    RangeRule("low_above_high", "low", "low ({low}) must not exceed high ({high})",
              lambda lo, b, hi, left, right, count: lo > hi),
    RangeRule("empty_range", "closed",
              "low equals high ({low}) so both sides must be closed, got closed={closed!r}",
              lambda lo, b, hi, left, right, count: (lo == hi) > (left & right)),
    RangeRule("best_outside", "best", "best ({best}) must lie within the range {interval}",
              lambda lo, b, hi, left, right, count: (b < lo) | ((b == lo) > left) | (b > hi)
              | ((b == hi) > right)),
    RangeRule("negative_count", "low", "{field} is {value} but a count of {unit} cannot be negative",
              lambda lo, b, hi, left, right, count: count & (lo < 0)),
    RangeRule("negative_count", "best", "{field} is {value} but a count of {unit} cannot be negative",
              lambda lo, b, hi, left, right, count: count & (b < 0)),
    RangeRule("negative_count", "high", "{field} is {value} but a count of {unit} cannot be negative",
              lambda lo, b, hi, left, right, count: count & (hi < 0)),
)  # fmt: skip


class Range(Model):
    """An interval ``low .. high`` (``None`` = unbounded) with optional ``best``, unit, convention.

    Invariants, checked on every construction and on :meth:`replace`: numbers are finite;
    ``low <= best <= high``; ``low <= high``; a degenerate range (``low == high``) is closed on
    both sides; an unbounded side is open; count units (persons, containers ...) are never
    negative; the unit is known to the registry and stored in its canonical spelling.

    >>> Range(low=10, high=12, unit="troops")
    Range(low=10.0, best=None, high=12.0, closed='both', unit='person', convention=None)
    >>> Range(low=12, high=10)
    Traceback (most recent call last):
    ...
    estimates.errors.InvalidValueError: invalid Range: low (12.0) must not exceed high (10.0)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float | None = None
    best: float | None = None
    high: float | None = None
    closed: Closed = "both"
    unit: str | None = None
    convention: str | None = None

    # -- validation -------------------------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _open_unbounded_sides(cls, data: Any) -> Any:
        if isinstance(data, dict):
            closed = data.get("closed", "both")
            if closed in CLOSED:
                left, right = side_flags(closed)
                left = left and data.get("low") is not None
                right = right and data.get("high") is not None
                data = {**data, "closed": closed_from_flags(left, right)}
        return data

    @field_validator("low", "best", "high", mode="before")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(
                "not_a_number", "a figure must be a number, not {value}", {"value": value}
            )
        if isinstance(value, int | float) and not math.isfinite(value):
            raise PydanticCustomError(
                "not_finite",
                "a figure must be finite, got {value}; use None for an unbounded side",
                {"value": value},
            )
        return value

    @field_validator("unit", mode="before")
    @classmethod
    def _canonical_unit(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise PydanticCustomError(
                "unit_type", "a unit must be a string, got {value!r}", {"value": value}
            )
        try:
            return _units.canonical(value)
        except UnitError as exc:
            raise PydanticCustomError("unknown_unit", "{message}", {"message": str(exc)}) from exc

    @field_validator("convention", mode="before")
    @classmethod
    def _blank_convention(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _invariants(self) -> Range:
        nan = math.nan
        lo = nan if self.low is None else self.low
        best = nan if self.best is None else self.best
        hi = nan if self.high is None else self.high
        left, right = side_flags(self.closed)
        count = self.unit is not None and _units.is_count(self.unit)
        for rule in RANGE_RULES:
            if rule.broken(lo, best, hi, left, right, count):
                value = {"low": self.low, "best": self.best, "high": self.high}.get(rule.field)
                ctx = {
                    "low": self.low, "best": self.best, "high": self.high, "closed": self.closed,
                    "unit": self.unit, "field": rule.field, "value": value,
                    "interval": self._interval_text(),
                }  # fmt: skip
                raise PydanticCustomError(rule.code, rule.message, ctx)
        return self

    # -- factories --------------------------------------------------------------------------

    @classmethod
    def exactly(
        cls, value: float, *, unit: str | None = None, convention: str | None = None
    ) -> Range:
        """A single known value: ``[value, value]`` with best ``value``.

        >>> str(Range.exactly(1500, unit="soldier"))
        '1,500 people'
        """
        return cls(low=value, best=value, high=value, unit=unit, convention=convention)

    @classmethod
    def between(
        cls,
        low: float,
        high: float,
        *,
        best: float | None = None,
        closed: Closed = "both",
        unit: str | None = None,
        convention: str | None = None,
    ) -> Range:
        """``[low, high]`` (closed by default) with an optional best value.

        >>> Range.between(7000, 8000, unit="person").width
        1000.0
        """
        return cls(low=low, high=high, best=best, closed=closed, unit=unit, convention=convention)

    @classmethod
    def at_least(
        cls, value: float, *, unit: str | None = None, convention: str | None = None
    ) -> Range:
        """``[value, ∞)``.

        >>> str(Range.at_least(10_000))
        'at least 10,000'
        """
        return cls(low=value, closed="left", unit=unit, convention=convention)

    @classmethod
    def more_than(
        cls, value: float, *, unit: str | None = None, convention: str | None = None
    ) -> Range:
        """``(value, ∞)``: strictly more than ``value``.

        >>> Range.more_than(7000).contains(7000)
        False
        """
        return cls(low=value, closed="neither", unit=unit, convention=convention)

    @classmethod
    def at_most(
        cls, value: float, *, unit: str | None = None, convention: str | None = None
    ) -> Range:
        """``(-∞, value]``; for a count unit the low side is 0.

        >>> Range.at_most(8000, unit="person").low
        0.0
        """
        low = 0.0 if unit is not None and _units.is_count(unit) else None
        return cls(
            low=low,
            high=value,
            closed="both" if low is not None else "right",
            unit=unit,
            convention=convention,
        )

    @classmethod
    def fewer_than(
        cls, value: float, *, unit: str | None = None, convention: str | None = None
    ) -> Range:
        """``(-∞, value)``; for a count unit ``[0, value)``.

        >>> str(Range.fewer_than(100))
        'fewer than 100'
        """
        low = 0.0 if unit is not None and _units.is_count(unit) else None
        return cls(
            low=low,
            high=value,
            closed="left" if low is not None else "neither",
            unit=unit,
            convention=convention,
        )

    @classmethod
    def about(
        cls,
        value: float,
        *,
        rel: float = 0.1,
        unit: str | None = None,
        convention: str | None = None,
    ) -> Range:
        """``value ± rel·|value|`` with best ``value`` (10 % unless ``rel`` says otherwise).

        For words read under a named convention use :func:`estimates.parse`; this factory is the
        plain numeric form.

        >>> Range.about(12_000, unit="person")
        Range(low=10800.0, best=12000.0, high=13200.0, closed='both', unit='person', convention=None)
        """
        if not (math.isfinite(rel) and rel >= 0):
            raise OptionError("rel", message=f"rel must be a finite number >= 0, got {rel}")
        half = abs(value) * rel
        return cls(
            low=value - half, best=value, high=value + half, unit=unit, convention=convention
        )

    # -- queries ----------------------------------------------------------------------------

    @property
    def closed_left(self) -> bool:
        """Whether ``low`` itself belongs to the range.

        >>> Range.at_least(3).closed_left
        True
        """
        return side_flags(self.closed)[0]

    @property
    def closed_right(self) -> bool:
        """Whether ``high`` itself belongs to the range.

        >>> Range.more_than(3).closed_right
        False
        """
        return side_flags(self.closed)[1]

    @property
    def bounded(self) -> bool:
        """Whether both sides are finite.

        >>> Range.at_least(3).bounded
        False
        """
        return self.low is not None and self.high is not None

    @property
    def width(self) -> float:
        """``high - low``; ``inf`` when a side is unbounded.

        >>> Range.at_least(3).width
        inf
        """
        if self.low is None or self.high is None:
            return math.inf
        return self.high - self.low

    @property
    def midpoint(self) -> float | None:
        """The middle of a bounded range, else ``None``.

        >>> Range.between(10, 20).midpoint
        15.0
        """
        if self.low is None or self.high is None:
            return None
        return (self.low + self.high) / 2

    @property
    def center(self) -> float | None:
        """``best`` if stated, else the midpoint, else the one finite side, else ``None``.

        >>> Range.at_least(5).center
        5.0
        """
        if self.best is not None:
            return self.best
        if self.midpoint is not None:
            return self.midpoint
        return self.low if self.low is not None else self.high

    def _contains_value(self, x: float) -> bool:
        lo_ok = self.low is None or x > self.low or (x == self.low and self.closed_left)
        hi_ok = self.high is None or x < self.high or (x == self.high and self.closed_right)
        return lo_ok and hi_ok

    def contains(self, other: float | Range) -> bool:
        """Whether a number, or every number of another range, lies inside this one.

        >>> Range.between(1, 10).contains(Range.between(2, 3))
        True
        """
        if not isinstance(other, Range):
            return self._contains_value(float(other))
        other = other.to(self.unit)
        if other.low is None:
            low_ok = self.low is None
        elif self.low is None:
            low_ok = True
        else:
            low_ok = other.low > self.low or (
                other.low == self.low and (self.closed_left or not other.closed_left)
            )
        if other.high is None:
            high_ok = self.high is None
        elif self.high is None:
            high_ok = True
        else:
            high_ok = other.high < self.high or (
                other.high == self.high and (self.closed_right or not other.closed_right)
            )
        return low_ok and high_ok

    def overlaps(self, other: Range) -> bool:
        """Whether the two ranges share at least one number.

        >>> Range.more_than(7000).overlaps(Range.at_most(8000))
        True
        >>> Range.more_than(7000).overlaps(Range.at_most(7000))
        False
        """
        return self.intersection(other) is not None

    def intersection(self, other: Range) -> Range | None:
        """The numbers in both ranges, or ``None`` when they share none. ``best`` is dropped.

        >>> Range.more_than(7000, unit="person").intersection(Range.at_most(8000, unit="person"))
        Range(low=7000.0, best=None, high=8000.0, closed='right', unit='person', convention=None)
        """
        o = other.to(self.unit)
        low, left = _tighter_low(self.low, self.closed_left, o.low, o.closed_left)
        high, right = _tighter_high(self.high, self.closed_right, o.high, o.closed_right)
        if (
            low is not None
            and high is not None
            and (low > high or (low == high and not (left and right)))
        ):
            return None
        return Range(low=low, high=high, closed=closed_from_flags(left, right), unit=self.unit)

    def hull(self, other: Range) -> Range:
        """The smallest range holding both. ``best`` is dropped.

        >>> Range.between(1, 2).hull(Range.between(5, 6))
        Range(low=1.0, best=None, high=6.0, closed='both', unit=None, convention=None)
        """
        o = other.to(self.unit)
        low, left = _looser_low(self.low, self.closed_left, o.low, o.closed_left)
        high, right = _looser_high(self.high, self.closed_right, o.high, o.closed_right)
        return Range(low=low, high=high, closed=closed_from_flags(left, right), unit=self.unit)

    def to(self, unit: str | None) -> Range:
        """The same range in another unit of the same dimension.

        >>> Range.between(1, 2, unit="km").to("m").high
        2000.0
        """
        target = None if unit is None else _units.canonical(unit)
        if target == self.unit:
            return self
        f = _units.factor(self.unit, target)
        return self.replace(
            low=_times(self.low, f),
            best=_times(self.best, f),
            high=_times(self.high, f),
            unit=target,
        )

    def replace(self, **changes: Any) -> Range:
        """A copy with ``changes`` applied, validated again (unlike ``model_copy``).

        >>> Range.exactly(5).replace(high=4)
        Traceback (most recent call last):
        ...
        estimates.errors.InvalidValueError: invalid Range: low (5.0) must not exceed high (4.0)
        """
        data = self.model_dump()
        data.update(changes)
        return Range(**data)

    def scale(self, factor: float) -> Range:
        """Every number multiplied by ``factor`` (> 0), the unit unchanged.

        >>> Range.between(1, 2, best=1.5).scale(2).best
        3.0
        """
        if not (math.isfinite(factor) and factor > 0):
            raise OptionError("factor", message=f"factor must be a finite number > 0, got {factor}")
        return self.replace(
            low=_times(self.low, factor),
            best=_times(self.best, factor),
            high=_times(self.high, factor),
        )

    def __add__(self, other: object) -> Range:
        if not isinstance(other, Range):
            return NotImplemented
        return total([self, other], how="bounds")

    # -- text -------------------------------------------------------------------------------

    def _interval_text(self) -> str:
        # an error message shows the figures exactly as they are, not as words round them
        lo = "-inf" if self.low is None else _words.number(self.low, exact=True)
        hi = "inf" if self.high is None else _words.number(self.high, exact=True)
        return f"{'[' if self.closed_left else '('}{lo}, {hi}{']' if self.closed_right else ')'}"

    def __str__(self) -> str:
        """The range in words (:func:`estimates.values.words.range_words`).

        >>> str(Range.between(10_000, 12_000, best=11_000, unit="soldiers"))
        '11,000 (10,000–12,000) people'
        """
        return _words.range_words(self.low, self.best, self.high, self.closed, self.unit)

    def _repr_html_(self) -> str:
        from estimates.values._html import range_html  # the notebook face loads only in notebooks

        return range_html(self)

    def __repr__(self) -> str:
        return (
            f"Range(low={self.low!r}, best={self.best!r}, high={self.high!r}, "
            f"closed={self.closed!r}, unit={self.unit!r}, convention={self.convention!r})"
        )


def _times(x: float | None, f: float) -> float | None:
    return None if x is None else x * f


def _tighter_low(a: float | None, ca: bool, b: float | None, cb: bool) -> tuple[float | None, bool]:
    if a is None:
        return b, cb
    if b is None or a > b:
        return a, ca
    if b > a:
        return b, cb
    return a, ca and cb


def _tighter_high(
    a: float | None, ca: bool, b: float | None, cb: bool
) -> tuple[float | None, bool]:
    if a is None:
        return b, cb
    if b is None or a < b:
        return a, ca
    if b < a:
        return b, cb
    return a, ca and cb


def _looser_low(a: float | None, ca: bool, b: float | None, cb: bool) -> tuple[float | None, bool]:
    if a is None or b is None:
        return None, False
    if a < b:
        return a, ca
    if b < a:
        return b, cb
    return a, ca or cb


def _looser_high(a: float | None, ca: bool, b: float | None, cb: bool) -> tuple[float | None, bool]:
    if a is None or b is None:
        return None, False
    if a > b:
        return a, ca
    if b > a:
        return b, cb
    return a, ca or cb


def total(
    ranges: Iterable[Range], *, how: Literal["bounds", "independent", "best"] = "bounds"
) -> Range:
    """The sum of several ranges, by a stated rule.

    - ``"bounds"``: ``[Σ low, Σ high]``, hard bounds on the total (any side unbounded makes the
      total unbounded there); best is the sum of centres when every range has one.
    - ``"independent"``: centre Σ centres, half-width ``sqrt(Σ half-width²)``, treating each range
      as an independent error of that half-width (narrower than the hard bounds; needs bounded
      ranges).
    - ``"best"``: the sum of centres as an exact figure.

    Every range must share the first one's dimension; they are converted to its unit.

    >>> a = Range.between(1000, 2000, unit="person")
    >>> b = Range.between(3000, 4000, unit="person")
    >>> str(total([a, b]))
    '5,000 (4,000–6,000) people'
    >>> total([a, Range.exactly(1, unit="container")])
    Traceback (most recent call last):
    ...
    estimates.errors.DimensionError: cannot combine 'container' with 'person': ...
    """
    items = list(ranges)
    if not items:
        raise InvalidValueError("Range", message="total() needs at least one range")
    if how not in ("bounds", "independent", "best"):
        raise OptionError(
            "how", message=f"how must be 'bounds', 'independent' or 'best', got {how!r}"
        )
    unit = items[0].unit
    items = [r.to(unit) for r in items]
    centres = [r.center for r in items]
    best = (
        None if any(c is None for c in centres) else math.fsum(c for c in centres if c is not None)
    )
    if how == "best":
        if best is None:
            raise InvalidValueError(
                "Range",
                message="how='best' needs a centre (best, midpoint or bound) for every range",
            )
        return Range.exactly(best, unit=unit)
    if how == "independent":
        if any(not r.bounded for r in items) or best is None:
            raise InvalidValueError("Range", message="how='independent' needs bounded ranges")
        half = math.sqrt(math.fsum(((r.high - r.low) / 2) ** 2 for r in items))  # type: ignore[operator]
        mid = math.fsum(r.midpoint for r in items)  # type: ignore[misc]
        return Range(
            low=mid - half, best=min(max(best, mid - half), mid + half), high=mid + half, unit=unit
        )
    lows = [r.low for r in items]
    highs = [r.high for r in items]
    low = None if None in lows else math.fsum(x for x in lows if x is not None)
    high = None if None in highs else math.fsum(x for x in highs if x is not None)
    left = all(r.closed_left for r in items)
    right = all(r.closed_right for r in items)
    if best is not None and not Range(low=low, high=high, closed="both")._contains_value(best):
        best = None
    return Range(low=low, best=best, high=high, closed=closed_from_flags(left, right), unit=unit)
