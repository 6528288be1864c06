"""What a ledger hands the reconciliation core: its columns as a frozen set of read-only arrays.

The core reads no pandas frame. :func:`claim_arrays` turns a ledger frame (the ledger's own,
or a partition of a claim table checked by the ledger) into a :class:`ClaimArrays`: text
columns as integer codes into their sorted distinct names, numbers as floats, dates as
instants (seconds since 1970, :data:`NO_INSTANT` for none). Every array is a new copy, never a
view of the frame's storage, and is read-only for good (a read-only view of a read-only copy):
whatever the pandas version (with or without copy-on-write), a write into what was handed out
raises ``ValueError``, and so does switching writing back on. A column no row states (a number,
a date, a text, codes all -1) is one value seen at every row, shared with the other such
columns.

>>> from estimates.ledger.claims import Claim
>>> from estimates.ledger.table import Ledger
>>> from estimates.values.ranges import Range
>>> led = Ledger([Claim(quantity="q", value=Range.between(1, 2), source="S", kind="flow")])
>>> arrays = led._arrays()
>>> arrays.low.tolist(), arrays.source.names.tolist(), arrays.kind.codes.tolist()
([1.0], ['S'], [0])
>>> arrays.low[0] = 5.0
Traceback (most recent call last):
...
ValueError: assignment destination is read-only
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates._array_types import NO_INSTANT, FloatArray, Int64Array, IntArray, ObjectArray

__all__ = [
    "CODED_COLUMNS",
    "FLOAT_COLUMNS",
    "INSTANT_COLUMNS",
    "NO_INSTANT",
    "ClaimArrays",
    "Codes",
    "claim_arrays",
]

#: Text columns handed over as codes into their distinct names.
CODED_COLUMNS: tuple[str, ...] = (
    "quantity", "source", "reliability", "unit", "kind", "closed", "hedge", "convention",
)  # fmt: skip
#: Number columns handed over as floats (NaN: not stated).
FLOAT_COLUMNS: tuple[str, ...] = ("low", "best", "high", "confidence", "level")
#: Date columns handed over as instants (the first and last second of each date's period).
INSTANT_COLUMNS: tuple[str, ...] = (
    "stated_on_start", "stated_on_end", "as_of_start", "as_of_end", "since_start",
)  # fmt: skip


def _sealed(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array`` (the caller's own) read-only for good: a read-only view of it, marked
    read-only too, so that writing cannot be switched back on through what is handed out (numpy
    refuses that on a view of a read-only array).

    >>> a = _sealed(np.zeros(2))
    >>> a.flags.writeable = True
    Traceback (most recent call last):
    ...
    ValueError: cannot set WRITEABLE flag to True of this array
    """
    array.flags.writeable = False
    view = array.view()
    view.flags.writeable = False
    return view


class _Blanks:
    """One sealed array per blank value: a column no row states (a number, a date, a text)
    reads as the same array as every other such column, and that array is one value seen at
    every row (a read-only broadcast view), so that a million claims without confidence,
    level, hedge or grade hold no row of any blank.

    >>> b = _Blanks(3)
    >>> a = b.full(-1, np.intp)
    >>> a.tolist(), a is b.full(-1, np.intp), a.strides  # no step from one row to the next
    ([-1, -1, -1], True, (0,))
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._made: dict[tuple[str, object], npt.NDArray[Any]] = {}

    def full(self, value: Any, dtype: Any) -> npt.NDArray[Any]:
        key = (np.dtype(dtype).str, value if value == value else "nan")
        if key not in self._made:
            one = np.array(value, dtype=dtype)
            self._made[key] = _sealed(np.broadcast_to(one, (self.n,)))
        return self._made[key]

    def same(self, array: npt.NDArray[Any], value: Any) -> npt.NDArray[Any] | None:
        """The shared array for ``array`` when every element of it is ``value`` (None if not)."""
        if array.size and (np.isnan(array).all() if value != value else (array == value).all()):
            return self.full(value, array.dtype)
        return None


@dataclass(frozen=True)
class Codes:
    """A text column as ``codes`` (one per row, -1 where missing) into ``names`` (sorted,
    distinct, each used by some row); both read-only.

    >>> c = Codes.of(np.array(["b", None, "a", "b"], dtype=object))
    >>> c.codes.tolist(), c.names.tolist(), c.objects().tolist()
    ([1, -1, 0, 1], ['a', 'b'], ['b', None, 'a', 'b'])
    """

    codes: IntArray
    names: ObjectArray

    @classmethod
    def of(cls, values: npt.NDArray[Any] | pd.Series[Any], blanks: _Blanks | None = None) -> Codes:
        """The codes of a column of text (a categorical reads its codes, not its text); with
        ``blanks``, codes all -1 or all 0 are its shared array of them."""
        series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = np.array(series.cat.codes.to_numpy(), dtype=np.intp)
            names = np.array(series.cat.categories.to_numpy(dtype=object), dtype=object)
        else:
            raw, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
            codes = np.asarray(raw, dtype=np.intp)
            names = np.asarray(uniques, dtype=object)
        return cls._tidy(codes, names, blanks)

    @classmethod
    def _tidy(cls, codes: IntArray, names: ObjectArray, blanks: _Blanks | None = None) -> Codes:
        """Codes into the used names only, in sorted order (``codes`` and ``names`` are the
        caller's own arrays); with ``blanks``, codes all -1 or all 0 are its shared array."""
        if names.size:
            used = np.bincount(codes + 1, minlength=names.size + 1)[1:] > 0
            if not used.all():
                rank = np.cumsum(used) - 1
                codes = np.where(codes >= 0, rank[codes], -1).astype(np.intp)
                names = names[used]
        if names.size > 1 and not pd.Index(names, dtype=object).is_monotonic_increasing:
            perm = np.argsort(names.astype(str), kind="stable")
            rank = np.empty(perm.size, dtype=np.intp)
            rank[perm] = np.arange(perm.size, dtype=np.intp)
            codes = np.where(codes >= 0, rank[codes], -1).astype(np.intp)
            names = names[perm]
        if blanks is not None and names.size < 2:
            shared = blanks.same(codes, -1 if names.size == 0 else 0)
            if shared is not None:
                return cls(shared, _sealed(names))
        return cls(_sealed(codes), _sealed(names))

    def take(self, rows: IntArray) -> Codes:
        """The codes of ``rows`` (names no row of them uses dropped)."""
        return Codes._tidy(self.codes[rows], self.names.copy())

    def objects(self) -> ObjectArray:
        """The text of each row (None where missing)."""
        table = np.r_[self.names, np.array([None], dtype=object)]
        result: ObjectArray = table[self.codes]
        return result


@dataclass(frozen=True)
class ClaimArrays:
    """One row per claim, every array read-only and of length ``n``: the text columns of
    :data:`CODED_COLUMNS` as :class:`Codes`, ``text`` as objects (None where missing), the
    numbers of :data:`FLOAT_COLUMNS` and the dates of :data:`INSTANT_COLUMNS` as instants."""

    n: int
    quantity: Codes
    source: Codes
    reliability: Codes
    unit: Codes
    kind: Codes
    closed: Codes
    hedge: Codes
    convention: Codes
    text: ObjectArray
    low: FloatArray
    best: FloatArray
    high: FloatArray
    confidence: FloatArray
    level: FloatArray
    stated_on_start: Int64Array
    stated_on_end: Int64Array
    as_of_start: Int64Array
    as_of_end: Int64Array
    since_start: Int64Array

    def codes(self, column: str) -> Codes:
        """The codes of a column of :data:`CODED_COLUMNS` by name."""
        found: Codes = getattr(self, column)
        return found

    def floats(self, column: str) -> FloatArray:
        """A column of :data:`FLOAT_COLUMNS` by name."""
        found: FloatArray = getattr(self, column)
        return found

    def instants(self, column: str) -> Int64Array:
        """A column of :data:`INSTANT_COLUMNS` by name."""
        found: Int64Array = getattr(self, column)
        return found

    def take(self, rows: IntArray) -> ClaimArrays:
        """The claims of ``rows``, as arrays of their own (names no row uses dropped).

        >>> a = claim_arrays(pd.DataFrame({"quantity": ["a", "b"], "low": [1.0, 2.0],
        ...                                "source": ["S", "T"]}))
        >>> cut = a.take(np.array([1]))
        >>> cut.n, cut.quantity.names.tolist(), cut.low.tolist()
        (1, ['b'], [2.0])
        """
        fields: dict[str, Any] = {"n": int(rows.size)}
        for name in CODED_COLUMNS:
            fields[name] = self.codes(name).take(rows)
        for name in ("text", *FLOAT_COLUMNS, *INSTANT_COLUMNS):
            fields[name] = _sealed(getattr(self, name)[rows])
        return ClaimArrays(**fields)


def claim_arrays(frame: pd.DataFrame) -> ClaimArrays:
    """The columns of a ledger frame (:attr:`estimates.ledger.table.Ledger.frame`'s columns;
    a column it lacks reads as not stated) as a :class:`ClaimArrays` of new read-only arrays.

    >>> a = claim_arrays(pd.DataFrame({"quantity": ["q"], "source": ["S"], "low": [1]}))
    >>> a.high.tolist(), a.stated_on_end.tolist() == [NO_INSTANT], a.unit.codes.tolist()
    ([nan], True, [-1])
    """
    n = len(frame)
    fields: dict[str, Any] = {"n": n}
    blanks = _Blanks(n)
    for name in CODED_COLUMNS:
        if name in frame.columns:
            fields[name] = Codes.of(frame[name], blanks)
        else:
            fields[name] = Codes(blanks.full(-1, np.intp), _sealed(np.zeros(0, dtype=object)))
    fields["text"] = _shared(blanks, _objects(frame, "text", n), None)
    for name in FLOAT_COLUMNS:
        values = _floats(frame, name, n)
        fields[name] = _shared(blanks, values, np.nan)
    for name in INSTANT_COLUMNS:
        fields[name] = _shared(blanks, _instants(frame, name, n), NO_INSTANT)
    return ClaimArrays(**fields)


def _shared(blanks: _Blanks, values: npt.NDArray[Any], blank: Any) -> npt.NDArray[Any]:
    """``values`` sealed, or the shared blank array when no row states one."""
    shared = blanks.same(values, blank)
    return shared if shared is not None else _sealed(values)


def _floats(frame: pd.DataFrame, column: str, n: int) -> FloatArray:
    if column not in frame.columns:
        return np.full(n, np.nan)
    # a copy whatever the column holds (np.array copies; to_numpy may return the frame's own)
    return np.array(frame[column].to_numpy(dtype=float, na_value=np.nan), dtype=float, copy=True)


def _objects(frame: pd.DataFrame, column: str, n: int) -> ObjectArray:
    if column not in frame.columns:
        return np.full(n, None, dtype=object)
    values = frame[column].to_numpy(dtype=object)
    result: ObjectArray = np.where(pd.isna(values), np.array(None, dtype=object), values)
    return result


def _instants(frame: pd.DataFrame, column: str, n: int) -> Int64Array:
    """A date column as instants: whole seconds since 1970, :data:`NO_INSTANT` for none."""
    if column not in frame.columns:
        return np.full(n, NO_INSTANT, dtype=np.int64)
    values = frame[column].to_numpy()
    if values.dtype.kind != "M":
        values = pd.to_datetime(pd.Series(values), errors="raise").to_numpy()
    # floored to whole seconds (NaT stays NaT, which is NO_INSTANT as an int64), then copied
    seconds: Int64Array = values.astype("datetime64[s]").view(np.int64).copy()
    return seconds
