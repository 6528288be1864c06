"""The cells of a claim table checked and normalised column by column, each distinct value
once: text, names, outlets, choices, units and dates (figures: :mod:`estimates.ledger._figures`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates._array_types import FloatArray as FloatArray  # read from here by the checks
from estimates.errors import (
    BadRow,
    DateError,
    UnitError,
)
from estimates.ledger._frame import (
    ObjArray,
)
from estimates.values import units as _units
from estimates.values.dates import to_period

# -- cell normalisation ------------------------------------------------------------------------
#
# Each column is factorised once (a C-level hash of its values); the Python work of checking
# and normalising is done per distinct value, then spread back to the rows with one take. A
# column of a million rows with a few thousand distinct values costs a few thousand checks.


class _Bad:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Nested:
    """A list or mapping found in a cell (JSON), made hashable so that it can be reported."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        text = repr(self.value)
        return text if len(text) <= 80 else text[:77] + "..."


def _nested(x: object) -> bool:
    return isinstance(x, list | dict | set | tuple)


def _unicode_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as UTF-8 (a lone surrogate), or None when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        ch = ord(text[exc.start])
        if 0xDC80 <= ch <= 0xDCFF:  # a byte of the file that is not UTF-8, kept as a surrogate
            return f"not UTF-8 (byte 0x{ch - 0xDC00:02X}); save the file as UTF-8"
        return f"not valid Unicode: a lone surrogate (U+{ch:04X}) at character {exc.start}"
    return None


def _is_missing(x: object) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    if isinstance(x, float) and math.isnan(x):
        return True
    return isinstance(x, str) and x == ""


def _per_value(
    column: pd.Series[Any] | None,
    n: int,
    check: Callable[[object], object],
    name: str,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
    *,
    values: bool = True,
    unchanged: _Plain | None = None,
) -> tuple[ObjArray, npt.NDArray[np.intp], ObjArray]:
    """Apply ``check`` to each distinct value; return per-row results, codes and the table.

    With ``values=False`` the per-row results are not built (an empty array stands in): the
    caller reads them from the codes and the table when it needs them. ``unchanged`` tells, for
    all the distinct values at once, which ones ``check`` would give back as they are.
    """
    codes: npt.NDArray[np.intp]
    encoded = None
    if column is None:
        # every row missing: one code for all, no array of n codes
        codes = np.broadcast_to(np.intp(-1), (n,))
        uniques: list[object] = []
    elif (encoded := _dictionary(column)) is not None:
        # read by Arrow as codes into distinct texts (a CSV): the codes (8, 16 or 32 bits)
        # index the table as they are, and the texts are told plain in Arrow
        codes, names = encoded
        uniques = names.to_pylist()
    elif isinstance(column.dtype, pd.CategoricalDtype):
        # a categorical: its categories are the distinct values already
        codes = cast("npt.NDArray[np.intp]", column.cat.codes.to_numpy())
        uniques = list(column.cat.categories)
    else:
        # the column itself, not its objects: a categorical gives its codes and an Arrow-backed
        # text column is dictionary-encoded, with no Python string per row
        try:
            c, u = pd.factorize(column, use_na_sentinel=True)
        except TypeError:  # a cell holding a list or a mapping (JSON): not a value of any column
            c, u = pd.factorize(
                pd.Series([_Nested(x) if _nested(x) else x for x in column], dtype=object),
                use_na_sentinel=True,
            )
        codes = c.astype(np.intp, copy=False)
        uniques = list(u)
    table = np.empty(len(uniques) + 1, dtype=object)
    if unchanged is None:
        for k, value in enumerate(uniques):
            table[k] = check(value)
    else:
        plain = unchanged.mask(uniques, None if encoded is None else encoded[1])
        # every value as it is, then the ones the check changes (fromiter: no value is read
        # as a sequence to spread)
        table[:-1] = np.fromiter(uniques, dtype=object, count=len(uniques))
        for j in np.flatnonzero(~plain):
            table[j] = check(uniques[j])
    table[-1] = check(None)  # the missing cells (code -1)
    bad = np.zeros(len(table), dtype=bool)
    checked = np.arange(len(table)) if unchanged is None else np.flatnonzero(np.r_[~plain, True])
    for k in checked.tolist():
        bad[k] = isinstance(table[k], _Bad)
    if bad.any():
        for i in np.flatnonzero(bad[codes]):
            k = codes[i]
            given = None if k < 0 else uniques[k]
            errors.append(BadRow(int(rows[i]), name, given, table[k].reason))
        table[bad] = None
    return (table[codes] if values else np.zeros(0, dtype=object)), codes, table


def _dictionary(column: pd.Series[Any]) -> tuple[npt.NDArray[np.intp], Any] | None:
    """The codes (-1 = missing) and the distinct texts (an Arrow array) of a column held by
    Arrow as a dictionary of text; None for a column of another kind."""
    if not isinstance(column.dtype, pd.ArrowDtype):
        return None
    import pyarrow as pa

    kind = column.dtype.pyarrow_dtype
    if not (
        pa.types.is_dictionary(kind)
        and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type))
    ):
        return None
    chunks = pa.array(column.array)
    if isinstance(chunks, pa.ChunkedArray):
        if chunks.num_chunks != 1:
            return None
        chunks = chunks.chunk(0)
    if chunks.dictionary.null_count:
        return None
    indices = chunks.indices
    if indices.null_count:
        indices = indices.fill_null(-1)
    codes = indices.to_numpy(zero_copy_only=False)
    return cast("npt.NDArray[np.intp]", codes), chunks.dictionary


class _Columns(dict[str, Any]):
    """Per-row columns of a claim table being checked; a text column kept as codes into a table
    of values is spelled out (one reference per row) only when a row-by-row step reads it."""

    def __init__(self, coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]]) -> None:
        super().__init__()
        self._coded = coded
        #: columns of another kind (a date's first and last instants) kept as codes into a
        #: table of values the same way, until a step reads them row by row
        self.later: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]] = {}

    def __missing__(self, name: str) -> npt.NDArray[Any]:
        codes, table = self.later[name] if name in self.later else self._coded[name]
        values: npt.NDArray[Any]
        if name in self.later and codes.size and codes.strides[0] == 0:
            values = np.broadcast_to(table[codes[0]], codes.shape)  # one value for every row
        else:
            values = table[codes]
        self[name] = values
        return values


def _stated(x: object) -> bool:
    return not _is_missing(x)


class _Plain:
    """The values a check gives back as they are, told for many at once: by a pattern over an
    Arrow array when pyarrow is there and every value is text, else value by value."""

    def __init__(self, pattern: str | None, one: Callable[[object], bool]) -> None:
        self.pattern = pattern
        self.one = one

    def mask(self, values: list[object], texts: Any = None) -> npt.NDArray[np.bool_]:
        """Which of ``values`` the check gives back as they are; ``texts``, when given, is
        ``values`` as an Arrow array of text (not converted again)."""
        if len(values) > 64 and (texts is not None or set(map(type, values)) == {str}):
            try:
                import pyarrow as pa
                import pyarrow.compute as pc

                arr = pa.array(values, type=pa.string()) if texts is None else texts
                if self.pattern is None:
                    hit = pc.greater(pc.binary_length(arr), 0)
                else:
                    hit = pc.match_substring_regex(arr, self.pattern)
                return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
            except (ImportError, ValueError):
                pass  # no pyarrow, or a lone surrogate
        return np.array([self.one(x) for x in values], dtype=bool)


def _trimmed_ascii(x: object) -> bool:
    """Whether ``x`` is printable ASCII text, not blank, with no space at either end."""
    return (
        type(x) is str
        and x.isascii()
        and x.isprintable()
        and x != ""
        and x[0] != " "
        and x[-1] != " "
    )


def _plain_name(x: object) -> bool:
    """Whether ``x`` is printable ASCII text with no space at either end and no two together:
    what the check of a name column gives back as it is."""
    return _trimmed_ascii(x) and "  " not in str(x)


def _plain_outlet(x: object) -> bool:
    """Whether ``x`` is one outlet's name that the check of ``via`` gives back as it is."""
    return _trimmed_ascii(x) and ";" not in str(x) and "\\" not in str(x)


def _plain_text(x: object) -> bool:
    """Whether ``x`` is text kept as it is (not blank, UTF-8: no lone surrogate)."""
    return type(x) is str and x != "" and (x.isascii() or _unicode_problem(x) is None)


# printable ASCII: a name with single spaces inside; an outlet without ';' or '\'; any text
_NAME = _Plain("^[!-~]( ?[!-~])*$", _plain_name)
_OUTLET = _Plain("^[!-:<-\\[\\]-~]( *[!-:<-\\[\\]-~])*$", _plain_outlet)
_TEXT = _Plain(None, _plain_text)


def _text_check(strip: bool) -> Callable[[object], object]:
    def check(x: object) -> object:
        if _is_missing(x):
            return None
        if not isinstance(x, str):
            return _Bad("must be text")
        problem = _unicode_problem(x)
        if problem is not None:
            return _Bad(problem)
        s = " ".join(x.split()) if strip else x
        return s or None

    return check


def _choice_column(
    column: pd.Series[Any] | None,
    n: int,
    name: str,
    allowed: Sequence[str],
    default: str | None,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
) -> tuple[ObjArray, npt.NDArray[np.intp], ObjArray]:
    def check(x: object) -> object:
        if _is_missing(x):
            return default
        if isinstance(x, str) and x.strip() in allowed:
            return x.strip()
        return _Bad(f"must be one of {', '.join(allowed)}")

    _, codes, table = _per_value(column, n, check, name, rows, errors, values=False)
    if default is not None:
        table[pd.isna(table)] = default  # bad cells, already reported
    return np.zeros(0, dtype=object), codes, table


def _unit_check(x: object) -> object:
    if _is_missing(x):
        return None
    if not isinstance(x, str):
        return _Bad("must be text")
    text = " ".join(x.split())
    if not text:
        return None
    if _units.plain_count(text):
        return text
    try:
        return _units.canonical(text)
    except UnitError as exc:
        return _Bad(str(exc))


def _date_column(
    column: pd.Series[Any] | None,
    n: int,
    name: str,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
) -> tuple[Any, Any, npt.NDArray[np.intp], ObjArray]:
    """A date column's codes into its distinct periods: the first and the last instant of each
    (NaT for none, the last entry, code -1) and its text, each a table the codes index."""

    def check(x: object) -> object:
        try:
            return None if _is_missing(x) else to_period(x)
        except DateError as exc:
            return _Bad(str(exc))

    _, codes, table = _per_value(column, n, check, name, rows, errors, values=False)
    # seconds, not pandas' default nanoseconds: every day of the years 1 to 9999 fits
    nat = np.datetime64("NaT", "s")
    text = np.array([None if p is None else str(p) for p in table], dtype=object)
    # the period's first and last instants: a day spans 00:00:00 to 23:59:59, a time of day is one
    # instant (so a count of 20:00 comes after one of 08:00, and both are known by the day's end)
    start = np.array(
        [nat if p is None else np.datetime64(p.first_second, "s") for p in table],
        dtype="datetime64[s]",
    )
    end = np.array(
        [nat if p is None else np.datetime64(p.last_second, "s") for p in table],
        dtype="datetime64[s]",
    )
    return start, end, codes, text
