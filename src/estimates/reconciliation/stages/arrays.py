"""What every stage of the core shares: array types, the time constants, keys over sorted rows.

Times in the core are **instants**: seconds since 1970-01-01, a date without a time of day
standing for the last second of its day, so that whole days lie whole multiples of :data:`DAY`
apart and a count of 20:00 falls before "as of" that day. :data:`NO_DAY` (the smallest int64)
means "no date". A stage takes arrays and returns a frozen dataclass of read-only arrays
(:func:`frozen`): nothing a stage hands on can be changed by the next one.

This module imports nothing from the rest of the package but the array types
(:mod:`estimates._array_types`, shared with the ledger).

>>> segment_starts([np.array([0, 0, 1, 1, 1, 2])]).tolist()
[True, False, True, False, False, True]
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from estimates._array_types import (
    NO_INSTANT,
    BoolArray,
    FloatArray,
    Int8Array,
    Int64Array,
    IntArray,
    ObjectArray,
)

__all__ = [
    "DAY",
    "FAR",
    "NO_DAY",
    "BoolArray",
    "FloatArray",
    "Int8Array",
    "Int64Array",
    "IntArray",
    "ObjectArray",
    "frozen",
    "hash_rows",
    "reading_high",
    "reading_low",
    "same_array",
    "same_float",
    "segment_starts",
    "sort_ints",
    "stable_order",
]

#: The instant meaning "no date" (the smallest int64; NaT read as int64 is this number).
NO_DAY = NO_INSTANT
#: Seconds in a day: options given in days are multiplied by it.
DAY = 86_400
#: An instant later than any date: "no ``at``" compares as after every figure.
FAR = int(np.iinfo(np.int64).max) // 4

_A = TypeVar("_A", bound="np.ndarray[Any, Any]")


def frozen(array: _A) -> _A:
    """``array``, made read-only (in place: the array itself is handed on, not a copy).

    >>> a = frozen(np.zeros(2))
    >>> a.flags.writeable
    False
    """
    array.flags.writeable = False
    return array


def segment_starts(keys: list[npt.NDArray[Any]]) -> BoolArray:
    """True where a row starts a new run of equal keys (rows already sorted by ``keys``)."""
    n = keys[0].size
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return new


def sort_ints(keys: list[Int64Array]) -> tuple[IntArray, Int64Array | None]:
    """The stable order sorting rows by ``keys`` (most significant first), all integers.

    When the keys' ranges multiply to less than 2**62 they are packed into one integer and
    sorted once, and the packed keys come back in sorted order (equal rows, equal keys);
    otherwise a lexsort, and None. :data:`NO_DAY` sorts first, just below the earliest date.

    >>> order, packed = sort_ints([np.array([1, 0, 1]), np.array([5, 9, 2])])
    >>> order.tolist()
    [1, 2, 0]
    """
    n = keys[0].size
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    packed = np.zeros(n, dtype=np.int64)
    span = 1
    seen: list[Int64Array] = []
    for raw in keys:
        # a key equal to an earlier one orders nothing more (an as-of day that is the day
        # stated, as it is when no as-of was given)
        if any(same_array(raw, k) for k in seen):
            continue
        seen.append(raw)
        lo, hi = int(raw.min()), int(raw.max())
        k = raw
        if lo == NO_DAY and hi != NO_DAY:
            valid = raw != NO_DAY
            lo = int(raw[valid].min()) - DAY
            k = np.where(valid, raw, lo)
        if hi == lo:
            continue  # one value: it orders nothing
        offset = k - lo
        if hi - lo >= DAY:
            # instants of whole days lie whole days apart: pack the number of steps, not seconds
            # (a first few keys with no common step spare the pass over them all)
            step = int(np.gcd.reduce(offset[:64]))
            if step != 1:
                step = int(np.gcd.reduce(offset))
            if step > 1:
                offset //= step
                hi = lo + int(offset.max())
        width = hi - lo + 1
        if span * width >= 2**62:
            order: IntArray = np.lexsort(tuple(reversed(keys))).astype(np.intp)
            return order, None
        if width > 1:
            packed *= width
            packed += offset
        span *= width
    shift = max(n - 1, 1).bit_length()  # row numbers below 2**shift
    if span << shift < 2**62:
        # the row number as a last key makes every key unique: the sorted keys are then the
        # stable order and the packed keys at once (a plain sort of integers is several times
        # faster than an indirect one); built, sorted and split in place
        packed <<= shift
        packed |= np.arange(n, dtype=np.int64)
        packed.sort()
        order = (packed & ((1 << shift) - 1)).astype(np.intp)
        packed >>= shift
        return order, packed
    order = np.argsort(packed, kind="stable").astype(np.intp)
    return order, packed[order]


def stable_order(key: Int64Array) -> IntArray:
    """The stable order sorting ``key`` (integers): when the keys' range times their number is
    under 2**62, the row number is packed below each key and the packed keys sorted by value (a
    plain sort of integers is several times faster than an indirect one); else a stable
    argsort.

    >>> stable_order(np.array([5, 2, 5, 1])).tolist()
    [3, 1, 0, 2]
    """
    n = key.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    lo = int(key.min())
    if (int(key.max()) - lo + 1) * n < 2**62:
        keyed = np.sort((key - lo) * n + np.arange(n, dtype=np.int64))
        return (keyed % n).astype(np.intp)
    return np.argsort(key, kind="stable").astype(np.intp)


def hash_rows(*columns: FloatArray) -> npt.NDArray[np.uint64]:
    """A 64-bit key per row from float columns (NaN and -0.0 normalised); equal rows, equal keys.

    >>> h = hash_rows(np.array([1.0, 1.0, 2.0]), np.array([np.nan, np.nan, 0.0]))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    h = np.zeros(columns[0].size, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, c in enumerate(columns):
            clean = np.where(np.isnan(c), -7.25e300, c) + 0.0
            bits = clean.view(np.uint64)
            h = (h ^ bits) * np.uint64(0x9E3779B97F4A7C15 + 2 * i)
            h ^= h >> np.uint64(29)
    return h


def same_array(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    """Whether ``a`` and ``b`` hold the same values (one array, or equal ones; arrays whose
    first values differ are told apart without a pass over them).

    >>> same_array(np.array([1, 2]), np.array([1, 2])), same_array(np.array([0, 2]), np.array([1, 2]))
    (True, False)
    """
    if a is b:
        return True
    if a.shape != b.shape or (a.size and a.flat[0] != b.flat[0]):
        return False
    return bool(np.array_equal(a, b))


def same_float(a: FloatArray, b: FloatArray) -> BoolArray:
    """Equal, or both NaN."""
    result: BoolArray = (a == b) | (np.isnan(a) & np.isnan(b))
    return result


def reading_low(low: FloatArray, best: FloatArray) -> FloatArray:
    """A figure's low end as read: a best stands for an unstated (infinite) low end."""
    result: FloatArray = np.where(np.isfinite(low), low, np.where(np.isnan(best), -np.inf, best))
    return result


def reading_high(high: FloatArray, best: FloatArray) -> FloatArray:
    """A figure's high end as read: a best stands for an unstated (infinite) high end."""
    result: FloatArray = np.where(np.isfinite(high), high, np.where(np.isnan(best), np.inf, best))
    return result
