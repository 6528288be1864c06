"""Figures and ranges in words: the one place that writes a number for a person to read.

Every face writes numbers through this module: ``str(Range)``, explanations and notes,
the command line, the notebook HTML, plot labels. The rules, written once:

**Numbers** (:func:`number`).
- Thousands are separated by commas; the minus sign is a real minus (``−5,000``); there is
  never an exponent in ``e+`` form and never a trailing ``.0``.
- A figure is written to its *place*: the finer of two places, (a) the place of its
  :data:`SIGNIFICANT_DIGITS`-th significant digit and (b) the *step* of the figures it
  rests on, the finest last significant digit among them (:func:`step_of`; whole units when
  nothing is known). A stated figure is therefore written in full (``5,777``, ``1,234.5``)
  and a computed one at the precision its sources support: ``13,324.71`` from sources who
  said ``12,000`` and ``15,000`` is ``13,300``; from a source who said ``5,777`` it is
  ``13,325``; with no sources known it is ``13,325``.
- Magnitudes of :data:`FULL_BELOW` and more, or below :data:`SMALL_BELOW` (but not zero), are
  written as ``1.23 × 10¹⁵``, with :data:`SIGNIFICANT_DIGITS` significant digits.
- The ends of a range round outward (low down, high up), so the words never claim a narrower
  range than the numbers; a best value rounds to the nearest, halves away from zero.

**Ranges** (:func:`range_words`).
- Open and closed ends read from one table, :data:`END_WORDS`: at least, more than,
  up to, fewer than (``less than`` for measures, which are not counted).
- Shapes: ``11,000`` (one value), ``10,000–12,000`` (both ends closed; ``−5 to 3`` when an end
  is negative), ``more than 13,000``, ``more than 5 and at most 9``, ``about 12,000`` (a best
  with no bounds), ``unknown`` (nothing), and a best beside its range as
  ``12,000 (10,000–15,000)``; a best at a closed end is not repeated: ``10,000 (up to
  12,000)``, ``12,000 or more``. For counts, a closed low end at zero is no bound: a count
  cannot be smaller, so ``[0, 10)`` people is ``fewer than 10 people``.
- The unit follows the figure (:func:`unit_words`): counts as nouns (``1 person``,
  ``11,000 people``, ``13,000 containers``), percent and currencies by name or code
  (``percent``, ``USD``), other measures by their symbol (``km``, ``t``, ``m²``).

>>> number(13324.71), number(13324.71, step=1000), number(-5000.0), number(2.5e20)
('13,325', '13,300', '−5,000', '2.5 × 10²⁰')
>>> range_words(5777, 13324.71, 13604.2, unit="person", step=step_of([5777, 13600]))
'13,325 (5,777–13,605) people'
>>> range_words(13000, None, None, "neither", unit="container")
'more than 13,000 containers'

This module imports only :mod:`estimates.errors` at import time (units are looked up only when
a unit is written), so every layer, the columnar core included, can write its notes with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from estimates._digits import places
from estimates.errors import EstimatesError

__all__ = [
    "END_WORDS",
    "FULL_BELOW",
    "MINUS",
    "SIGNIFICANT_DIGITS",
    "SMALL_BELOW",
    "claims_step",
    "end_words",
    "number",
    "range_words",
    "step_of",
    "steps",
    "unit_words",
]

#: A computed figure keeps at least this many significant digits (``13,300``, ``0.457``).
SIGNIFICANT_DIGITS = 3
#: Magnitudes from here up are written as ``1.23 × 10¹⁵``: digits past this are noise in a float.
FULL_BELOW = 1e15
#: Non-zero magnitudes below this are written as ``1.23 × 10⁻⁵``.
SMALL_BELOW = 1e-4
#: The minus sign (U+2212), not a hyphen.
MINUS = "\u2212"
#: A stated figure has at most this many decimals; a figure with more was computed and says
#: nothing about the precision of what it rests on.
STATED_DECIMALS = 4

Rounding = Literal["nearest", "down", "up"]
Side = Literal["low", "high"]
_Num = Callable[[float, Rounding], str]

#: The words for a range's end, by side and whether the end is closed (counts; for measures
#: "fewer than" reads "less than").
END_WORDS: Mapping[tuple[Side, bool], str] = {
    ("low", True): "at least",
    ("low", False): "more than",
    ("high", True): "up to",
    ("high", False): "fewer than",
}
#: A best value at a closed end with nothing beyond it: "12,000 or more", "3,000 or fewer".
OR_BEYOND: Mapping[Side, str] = {"low": "or more", "high": "or fewer"}

#: Nouns (singular, plural) of the built-in count units.
NOUNS: Mapping[str, tuple[str, str]] = {
    "person": ("person", "people"),
    "container": ("container", "containers"),
    "shell": ("shell", "shells"),
    "missile": ("missile", "missiles"),
    "vehicle": ("vehicle", "vehicles"),
    "artillery_system": ("artillery system", "artillery systems"),
    "coffin": ("coffin", "coffins"),
}
#: Units written by their code after the figure (currencies have no symbol a reader agrees on).
_CODES = frozenset({"USD", "EUR", "GBP"})
# the units of time a rate is written per, by name ("per year", not pint's "/a")
_PER = frozenset({"second", "minute", "hour", "day", "week", "month", "year"})
_ROUNDING = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# a figure within this share of a rounding step of a multiple of it is that multiple: float
# noise (12,999.999999999998 from a unit conversion) must not round an end outward a whole step
_SNAP = 1e-9


def number(
    x: float, *, step: float | None = None, rounding: Rounding = "nearest", exact: bool = False
) -> str:
    """``x`` as a person writes it (the rules are in the module's docstring).

    Args:
        x: the figure; an infinite one is written ``unbounded`` and NaN ``unknown``.
        step: the finest last significant digit of the figures ``x`` rests on (see
            :func:`step_of`); ``None`` means whole units.
        rounding: ``"nearest"`` for a value, ``"down"`` for a low end, ``"up"`` for a high end.
        exact: every digit of the shortest form that reads back to ``x`` (for words that must
            read back to the same number), still with separators and no exponent below
            :data:`FULL_BELOW`.

    >>> number(1500), number(13324.71), number(0.123456), number(1234.5, step=0.1)
    ('1,500', '13,325', '0.123', '1,234.5')
    >>> number(6347.4, step=1000, rounding="down"), number(18720.6, step=1000, rounding="up")
    ('6,340', '18,800')
    >>> number(1.234567e-7), number(-0.0), number(float("inf")), number(1234.56789, exact=True)
    ('1.23 × 10⁻⁷', '0', 'unbounded', '1,234.56789')
    """
    if rounding not in _ROUNDING:
        raise EstimatesError(f"rounding must be one of {', '.join(_ROUNDING)}; given {rounding!r}")
    if math.isnan(x):
        return "unknown"
    if math.isinf(x):
        return "unbounded"
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude >= FULL_BELOW or magnitude < SMALL_BELOW:
        return _scientific(x, rounding)
    value = Decimal(repr(float(x)))
    if exact:
        return _digits(value, min(int(value.as_tuple().exponent), 0))
    place = _place(magnitude, step)
    rounded = _round(value, place, rounding)
    return _digits(rounded, place)


def _place(magnitude: float, step: float | None) -> int:
    """The power of ten a figure is written to: the finer of its 3rd significant digit and step."""
    significant = math.floor(math.log10(magnitude)) - (SIGNIFICANT_DIGITS - 1)
    if step is None:
        given = 0
    elif not (step > 0 and math.isfinite(step)):
        raise EstimatesError(f"step must be a positive finite number; given {step!r}")
    else:
        given = math.floor(math.log10(step) + _SNAP)
    return min(significant, given)


def _round(value: Decimal, place: int, rounding: Rounding) -> Decimal:
    quantum = Decimal(1).scaleb(place)
    if rounding != "nearest":
        nearest = value.quantize(quantum, rounding=ROUND_HALF_UP)
        if abs(nearest - value) <= abs(value) * Decimal(_SNAP):
            value = nearest
    mode = _ROUNDING[rounding]
    if rounding == "nearest" and value < 0:
        return -((-value).quantize(quantum, rounding=mode))
    return value.quantize(quantum, rounding=mode)


def _digits(value: Decimal, place: int) -> str:
    """A Decimal already rounded to ``10**place`` with separators, no trailing decimal zeros."""
    text = f"{abs(value):,.{max(-place, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "0":
        return "0"
    return MINUS + text if value < 0 else text


def _scientific(x: float, rounding: Rounding) -> str:
    exponent = math.floor(math.log10(abs(x)))
    mantissa = _round(Decimal(repr(float(x))).scaleb(-exponent), 1 - SIGNIFICANT_DIGITS, rounding)
    if abs(mantissa) >= 10:  # 9.999e15 rounded up to 10.0e15
        exponent += 1
        mantissa = _round(mantissa.scaleb(-1), 1 - SIGNIFICANT_DIGITS, rounding)
    head = _digits(mantissa, 1 - SIGNIFICANT_DIGITS)
    return f"{head} × 10{str(exponent).translate(_SUPERSCRIPT)}"


# -- the precision sources support ------------------------------------------------------------


def steps(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Each figure's last significant digit as a power of ten (NaN where it tells nothing).

    The place is :func:`estimates._digits.places` (the one definition of a figure's precision):
    whole numbers count their trailing zeros (``12,000`` → 1,000); decimals their decimals
    (``1.25`` → 0.01). Zero, missing and infinite figures, figures written in the scientific
    form (below :data:`SMALL_BELOW` or from :data:`FULL_BELOW` up) and figures with more than
    :data:`STATED_DECIMALS` decimals (computed, not stated) tell nothing.

    >>> steps([12000, 1500, 1.25, 0.0, float("nan"), 13324.713, 2.5e15, 0.123456]).tolist()
    [1000.0, 100.0, 0.01, nan, nan, 0.001, nan, nan]
    """
    given = np.abs(np.asarray(values, dtype=float))
    found = places(given)
    with np.errstate(invalid="ignore"):
        told = (
            (given >= SMALL_BELOW)
            & (given < FULL_BELOW)
            & (found >= 10.0**-STATED_DECIMALS * (1 - _SNAP))
        )
    out: npt.NDArray[np.float64] = np.where(told, found, np.nan)
    return out


def step_of(values: Iterable[float | None] | npt.NDArray[np.float64]) -> float | None:
    """The finest last significant digit among figures: the precision they support.

    ``None`` when no figure tells (see :func:`steps`).

    >>> step_of([12000, 15000]), step_of([12000, 1500, None]), step_of([]), step_of([3.14159265])
    (1000.0, 100.0, None, None)
    """
    if isinstance(values, np.ndarray):
        given = values.astype(float, copy=False).ravel()
    else:
        given = np.array([np.nan if v is None else v for v in values], dtype=float)
    if not given.size:
        return None
    found = steps(given)
    return None if np.isnan(found).all() else float(np.nanmin(found))


def claims_step(claims: Any) -> float | None:
    """The precision of a table of claims: :func:`step_of` their ``low``, ``best`` and ``high``.

    Every face that writes a reconciled answer takes its step from the claims behind it this
    way, so the explanation, the notebook and the command line write the answer alike.

    >>> import pandas as pd
    >>> claims_step(pd.DataFrame({"low": [10_000, None], "best": [None, 1_500], "high": [12_000, None]}))
    100.0
    >>> claims_step(pd.DataFrame()) is None
    True
    """
    columns = [c for c in ("low", "best", "high") if c in getattr(claims, "columns", ())]
    if not columns or not len(claims):
        return None
    return step_of(
        np.concatenate([claims[c].to_numpy(dtype=float, na_value=np.nan) for c in columns])
    )


# -- units and ends ------------------------------------------------------------------------------


def unit_words(unit: str | None, *, plural: bool = True) -> str:
    """How a unit follows a figure: a noun for counts, ``%``, a currency code, a symbol.

    >>> unit_words("person"), unit_words("person", plural=False), unit_words("kilometer")
    ('people', 'person', 'km')
    >>> unit_words("percent"), unit_words("USD"), unit_words(None)
    ('percent', 'USD', '')

    A rate is its figure's unit per a unit of time, in words, as reporting writes it (and as
    :func:`estimates.parse` reads it back):

    >>> unit_words("USD / year"), unit_words("oil_barrel / day"), unit_words("person / day")
    ('USD per year', 'bbl per day', 'people per day')
    """
    if unit is None:
        return ""
    if "/" in unit:
        top, _, per = (part.strip() for part in unit.partition("/"))
        if top and per and "/" not in per:
            return f"{unit_words(top, plural=plural)} per {per if per in _PER else unit_words(per)}"
    if unit in NOUNS:
        return NOUNS[unit][1 if plural else 0]
    if unit in _CODES or unit == "percent":
        return unit
    if unit == "metric_ton":  # pint's "t" reads back as a multiplier (3 t: three trillion?)
        return "tonnes" if plural else "tonne"
    from estimates.values import units as _units  # the registry is built only to write a unit

    if _units.is_count(unit):
        return unit.replace("_", " ")  # a count unit a user defined: its name, no guessed plural
    try:
        symbol = f"{_units.registry().Unit(unit):~P}"
    except Exception:  # a unit pint cannot print is written as given
        return unit.replace("_", " ")
    # pint writes a barrel of oil "oil_bbl"; reporting writes "bbl"
    return symbol.removeprefix("oil_") or unit


def end_words(side: Side, closed: bool, unit: str | None = None) -> str:
    """The words for one end of a range, from :data:`END_WORDS`.

    >>> end_words("low", False), end_words("high", False), end_words("high", False, "kilometer")
    ('more than', 'fewer than', 'less than')
    >>> end_words("high", True)
    'up to'

    """
    words = END_WORDS[(side, closed)]
    return words.replace("fewer", "less") if not _is_count(unit) else words


def _is_count(unit: str | None) -> bool:
    if unit is None or unit in NOUNS:
        return True
    if unit == "percent" or unit in _CODES:
        return False
    from estimates.values import units as _units

    try:
        return _units.is_count(unit)
    except Exception:  # a unit the registry no longer knows reads as a measure
        return False


def _finite(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def range_words(
    low: float | None,
    best: float | None,
    high: float | None,
    closed: str = "both",
    unit: str | None = None,
    *,
    step: float | None = None,
) -> str:
    """A range in words, with its unit (the rules are in the module's docstring).

    ``None``, NaN and infinite ends are unbounded. ``step`` is the precision of the figures the
    range rests on (:func:`step_of`); by default, that of the range's own figures.

    >>> range_words(10_000, None, 12_000, unit="person")
    '10,000–12,000 people'
    >>> range_words(10_000, 11_000, 12_000, "left", unit="person")
    '11,000 (at least 10,000 and fewer than 12,000) people'
    >>> range_words(None, 12_000, None, unit="person"), range_words(None, None, None)
    ('about 12,000 people', 'unknown')
    >>> range_words(0, None, 10, "left", unit="person"), range_words(-5, None, 3)
    ('fewer than 10 people', '−5 to 3')
    >>> range_words(1, None, 1, unit="person"), range_words(35, 40, 45, unit="percent")
    ('1 person', '40 (35–45) percent')
    >>> range_words(12_000, 12_000, None), range_words(10_000, 10_000, 12_000)
    ('12,000 or more', '10,000 (up to 12,000)')
    """
    lo, be, hi = _finite(low), _finite(best), _finite(high)
    left = closed in ("both", "left")
    right = closed in ("both", "right")
    if step is None:
        step = step_of((lo, be, hi))
    if lo is not None and lo == 0 and left and hi is not None and _is_count(unit) and unit:
        lo = None  # a count is never below zero: a closed zero is no bound, said as "fewer than"
    written: list[str] = []

    def num(x: float, rounding: Rounding) -> str:
        text = number(x, step=step, rounding=rounding)
        written.append(text)
        return text

    if lo is not None and hi is not None and lo == hi:
        text = num(lo, "nearest")
    elif be is not None and be in (lo, hi) and (lo is None or hi is None):
        # a best at the only end: "12,000 or more", "3,000 or fewer"
        side: Side = "low" if be == lo else "high"
        beyond = OR_BEYOND[side]
        text = (
            f"{num(be, 'nearest')} {beyond if _is_count(unit) else beyond.replace('fewer', 'less')}"
        )
    elif be is not None and lo is not None and hi is not None and be in (lo, hi) and left and right:
        # a best at one end of a closed range: the other end in words, "10,000 (up to 12,000)"
        other = end_words("high", True, unit) if be == lo else end_words("low", True, unit)
        far = num(hi, "up") if be == lo else num(lo, "down")
        text = f"{num(be, 'nearest')} ({other} {far})"
    else:
        ends = _ends(lo, hi, left, right, unit, num)
        if be is None:
            text = ends or "unknown"
        elif not ends:
            text = f"about {num(be, 'nearest')}"
        else:
            text = f"{num(be, 'nearest')} ({ends})"
    if text == "unknown" or unit is None:
        return text
    return f"{text} {unit_words(unit, plural=any(w != '1' for w in written))}"


def _ends(
    lo: float | None,
    hi: float | None,
    left: bool,
    right: bool,
    unit: str | None,
    num: _Num,
) -> str:
    if lo is not None and hi is not None:
        if left and right:
            a, b = num(lo, "down"), num(hi, "up")
            return f"{a} to {b}" if lo < 0 or hi < 0 else f"{a}–{b}"
        return (
            f"{end_words('low', left, unit)} {num(lo, 'down')} and "
            f"{end_words('high', right, unit)} {num(hi, 'up')}"
        )
    if lo is not None:
        return f"{end_words('low', left, unit)} {num(lo, 'down')}"
    if hi is not None:
        return f"{end_words('high', right, unit)} {num(hi, 'up')}"
    return ""
