"""Meaning: a reading becomes a Range under a convention's rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import NoReturn

from pydantic import ValidationError

from estimates.errors import InvalidValueError, ParseError, UnitError
from estimates.reading._grammar import _Reading
from estimates.reading._number_reader import _Num
from estimates.reading.conventions import Convention, Rule, VagueEntry
from estimates.values import units as _units
from estimates.values.ranges import Closed, Range, closed_from_flags
from estimates.values.vocabulary import CLOSED

# -- meaning: apply a convention ---------------------------------------------------------------


def _side(n: float, u: float, offset: float | None, ratio: float | None) -> float | None:
    if offset is not None:
        return n + offset * u
    if ratio is not None:
        return n * ratio
    return None


def _apply(rule: Rule, n: _Num) -> tuple[float | None, float | None, float | None, Closed]:
    return _apply_to(rule, n.value, n.u, n.exact)


def _apply_to(
    rule: Rule, value: float, u: float, exact: bool
) -> tuple[float | None, float | None, float | None, Closed]:
    """The rule applied to a number ``value`` whose last significant digit is ``u``."""
    if rule.exact_whole and (exact or (u <= 1 and value == int(value))):
        return value, value, value, "both"
    low = _side(value, u, rule.low, rule.low_ratio)
    high = _side(value, u, rule.high, rule.high_ratio)
    if low is not None and high is not None and low > high:
        low, high = high, low  # ratios of a negative number
    if rule.cap is not None:
        half = max(rule.cap * abs(value), u / 2)
        if low is not None:
            low = max(low, value - half)
        if high is not None:
            high = min(high, value + half)
    return low, (value if rule.best else None), high, rule.closed


# Each convention's rules by operator and vague entries by word, read here rather than through
# ``Convention.rule`` and ``Convention.vague_entry``: the model keeps its indexes in private
# attributes, and pydantic's lookup of those costs a microsecond a call on the hot path. Keyed by
# identity, holding the convention so its id is not reused; emptied when a convention is
# registered.
_RULE_TABLES: dict[int, tuple[Convention, dict[str, Rule], dict[str, VagueEntry]]] = {}


def _tables(convention: Convention) -> tuple[Convention, dict[str, Rule], dict[str, VagueEntry]]:
    entry = _RULE_TABLES.get(id(convention))
    if entry is None or entry[0] is not convention:
        if len(_RULE_TABLES) >= 64:  # conventions built on the fly: keep the table small
            _RULE_TABLES.clear()
        entry = _RULE_TABLES[id(convention)] = (
            convention,
            {r.operator: r for r in convention.rules},
            {v.word: v for v in convention.vague},
        )
    return entry


def _rule(convention: Convention, op: str) -> Rule:
    found = _tables(convention)[1].get(op)
    # an operator the convention lacks: its own lookup raises the error that names the known ones
    return found if found is not None else convention.rule(op)


def _vague_entry(convention: Convention, word: str) -> VagueEntry:
    found = _tables(convention)[2].get(word)
    return found if found is not None else convention.vague_entry(word)


def _bounded(
    convention: Convention, op: str, a: _Num, b: _Num
) -> tuple[float | None, float | None, Closed]:
    """ "greater than 40 and smaller than 90": the low end and its side from the first bound's
    rule, the high end and its side from the second's; what either rule would add on the far
    side (the cap of "over N") gives way to the other bound, which is stated."""
    _, lop, hop = op.split(":")
    low, _, _, lclosed = _apply(_rule(convention, lop), a)
    _, _, high, hclosed = _apply(_rule(convention, hop), b)
    left = lclosed in {"both", "left"}
    right = hclosed in {"both", "right"}
    if low is None:  # a convention whose lower rule states no end: the bound itself, open
        low, left = a.value, False
    if high is None:
        high, right = b.value, False
    if low > high:
        low, high = a.value, b.value
    closed: Closed = (
        "both" if left and right else "left" if left else "right" if right else "neither"
    )
    return low, high, closed


def _to_range(reading: _Reading, convention: Convention, unit: str | None, text: str) -> Range:
    op = reading.op
    a, b = reading.a, reading.b
    low: float | None
    high: float | None
    best: float | None
    closed: Closed
    if b is None and a is not None and reading.vague is None:  # one number: most figures
        low, best, high, closed = _apply_to(_rule(convention, op), a.value, a.u, a.exact)
    elif reading.vague is not None:
        word, factor = reading.vague
        entry = _vague_entry(convention, word)
        low = None if entry.low is None else entry.low * factor
        best = None if entry.best is None else entry.best * factor
        high = None if entry.high is None else entry.high * factor
        closed = entry.closed
        if op not in {"bare", "about", "around"}:
            # "more than hundreds" and the like: the bound word applies to the vague low end.
            n = _Num(low or 0.0, (low or 1.0) / 2, False, 0, None, False, 1.0)
            low, best, high, closed = _apply(_rule(convention, op), n)
    elif op.startswith("bounded:") and a is not None and b is not None:
        low, high, closed = _bounded(convention, op, a, b)
        best = None
    elif b is not None and a is not None:
        rule = _rule(convention, "range")
        lo_n, hi_n = (a, b) if a.value <= b.value else (b, a)
        if op in {"more_than", "at_least", "up_to", "fewer_than", "nearly", "exactly", "order_of"}:
            # "up to 5-6 thousand": the bound applies to the far end of the stated range.
            target = hi_n if op in {"up_to", "fewer_than", "nearly"} else lo_n
            low, best, high, closed = _apply(_rule(convention, op), target)
        elif rule.point is not None:
            p = lo_n if rule.point == "low" else hi_n
            low = best = high = p.value
            closed = "both"
        else:
            low = _side(lo_n.value, lo_n.u, rule.low, rule.low_ratio)
            high = _side(hi_n.value, hi_n.u, rule.high, rule.high_ratio)
            if low is None and rule.low is None and rule.low_ratio is None:
                low = None
            best = (lo_n.value + hi_n.value) / 2 if rule.best else None
            closed = rule.closed
    else:
        assert a is not None
        low, best, high, closed = _apply(_rule(convention, op), a)
    target_unit = reading.unit
    if unit is not None:
        target_unit = unit if target_unit is None else target_unit
    count = target_unit is not None and _units.is_count(target_unit)
    low, closed = _floored(low, best, high, closed, count)
    r = _checked_range(low, best, high, closed, target_unit, count, convention.name)
    if r is None:
        try:
            r = Range.__pydantic_validator__.validate_python(
                {
                    "low": low,
                    "best": best,
                    "high": high,
                    "closed": closed,
                    "unit": target_unit,
                    "convention": convention.name,
                }
            )
        except ValidationError as exc:
            reason = "; ".join(e["msg"] for e in exc.errors())
            raise ParseError(
                f"{text[reading.start : reading.end]!r} does not make a valid range: {reason}",
                text=text,
                span=(reading.start, reading.end),
            ) from None
    if unit is not None and r.unit != _units.canonical(unit):
        r = r.to(unit)
    return r


# -- building the Range -----------------------------------------------------------------------

_FIELDS = ("low", "best", "high", "closed", "unit", "convention")


class _AllFieldsSet(set[str]):
    """The fields set that every Range the reader builds shares: its six fields, all set, as
    validation gives them. One set, not one a range (a set is a quarter of a Range's memory, and
    one more object for the garbage collector to walk), so it refuses changes in place: a change
    would be every such range's (a Range is frozen, so pydantic makes none). A copy of it (as
    ``model_copy`` makes) is a plain set, and so is what unpickling it gives."""

    __slots__ = ()

    def _refuse(self) -> NoReturn:
        # as a Range refuses any change (it is frozen)
        raise InvalidValueError(
            "Range",
            (
                {
                    "loc": ("model_fields_set",),
                    "type": "frozen_instance",
                    "msg": "the fields set of a Range read from text is shared and read-only; "
                    "change a copy (set(r.model_fields_set))",
                    "input": None,
                },
            ),
        )

    def add(self, element: str) -> NoReturn:
        self._refuse()

    def discard(self, element: object) -> NoReturn:
        self._refuse()

    def remove(self, element: str) -> NoReturn:
        self._refuse()

    def pop(self) -> NoReturn:
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def update(self, *s: Iterable[str]) -> NoReturn:
        self._refuse()

    def difference_update(self, *s: Iterable[object]) -> NoReturn:
        self._refuse()

    def intersection_update(self, *s: Iterable[object]) -> NoReturn:
        self._refuse()

    def symmetric_difference_update(self, s: Iterable[str]) -> NoReturn:
        self._refuse()

    def __ior__(self, value: AbstractSet[object]) -> NoReturn:
        self._refuse()

    def __iand__(self, value: AbstractSet[object]) -> NoReturn:
        self._refuse()

    def __isub__(self, value: AbstractSet[object]) -> NoReturn:
        self._refuse()

    def __ixor__(self, value: AbstractSet[object]) -> NoReturn:
        self._refuse()

    def __repr__(self) -> str:
        return repr(set(self))

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: object) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[type[set[str]], tuple[list[str]]]:
        return set, (sorted(self),)


_FIELDS_SET = _AllFieldsSet(_FIELDS)
_CLOSED_WORDS = {
    (left, right): closed_from_flags(left, right)
    for left in (True, False)
    for right in (True, False)
}
_CLOSED_NAMES = frozenset(CLOSED)


def _floored(
    low: float | None, best: float | None, high: float | None, closed: Closed, count: bool
) -> tuple[float | None, Closed]:
    """The low end and closed ends once a count's floor is applied: a count with only an upper
    bound starts at 0 (closed there), a count whose low end is negative and whose best is not
    starts at 0; a range whose ends meet is closed at both."""
    if count:
        if low is None and high is not None:
            low, closed = 0.0, ("both" if closed in {"both", "right"} else "left")
        elif low is not None and low < 0 and (best is None or best >= 0):
            low, closed = 0.0, ("both" if closed in {"both", "left"} else "left")
    if low is not None and high is not None and low == high:
        closed = "both"
    return low, closed


def _slot_setter(name: str) -> Callable[[object, object], None]:
    """The setter of the attribute ``name`` that every pydantic model keeps in a slot (or, for
    ``__dict__``, a descriptor) of a class of their line: called directly, it skips the model's
    ``__setattr__`` (frozen) and the attribute look-up that ``object.__setattr__`` makes."""
    found = next(vars(klass)[name] for klass in Range.__mro__ if name in vars(klass))
    setter: Callable[[object, object], None] = found.__set__
    return setter


_set_dict = _slot_setter("__dict__")
_set_fields_set = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")
_new_object = object.__new__  # BaseModel has no __new__ of its own: object's


def _checked_range(
    low: float | None,
    best: float | None,
    high: float | None,
    closed: Closed,
    unit: str | None,
    count: bool,
    convention: str,
    canonical_unit: bool = False,
) -> Range | None:
    """The :class:`Range` these fields make, built without pydantic's validator when they
    plainly keep every rule it checks; ``None`` when they might not (the caller then runs the
    validator, which raises the error that names the broken rule). ``count`` is whether
    ``unit`` counts things; ``canonical_unit`` that the caller has checked that ``unit`` is in
    its canonical spelling.

    The checks are the validator's, taken conservatively: numbers that are floats and finite, a
    unit already in its canonical spelling, the sides of an unbounded end open, ``low <= best
    <= high`` with an end equal to ``best`` closed, a range of one point closed on both sides,
    no negative count. The object is the one validation gives: the same field values, all six
    fields set, no extra and no private attributes (a property test holds the two equal).
    """
    # floats and finite (NaN and inf fail x - x == 0)
    if low is not None and (type(low) is not float or low - low != 0.0):
        return None
    if best is not None and (type(best) is not float or best - best != 0.0):
        return None
    if high is not None and (type(high) is not float or high - high != 0.0):
        return None
    if closed not in _CLOSED_NAMES or not convention or convention.isspace():
        return None
    if unit is not None and not canonical_unit:
        try:
            if _units.canonical(unit) != unit:
                return None
        except UnitError:
            return None
    left = low is not None and closed in {"both", "left"}
    right = high is not None and closed in {"both", "right"}
    if low is not None:
        if count and low < 0:
            return None
        if high is not None and (low > high or (low == high and not (left and right))):
            return None
        if best is not None and (best < low or (best == low and not left)):
            return None
    if high is not None and best is not None and (best > high or (best == high and not right)):
        return None
    if count and ((best is not None and best < 0) or (high is not None and high < 0)):
        return None
    r = _new_object(Range)
    _set_dict(
        r,
        {
            "low": low,
            "best": best,
            "high": high,
            "closed": _CLOSED_WORDS[left, right],
            "unit": unit,
            "convention": convention,
        },
    )
    _set_fields_set(r, _FIELDS_SET)
    _set_extra(r, None)
    _set_private(r, None)
    return r
