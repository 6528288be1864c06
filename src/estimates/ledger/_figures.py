"""The figure cells of a claim table read as numbers: a column of plain decimal numbers at once,
only the other cells one by one (each distinct text once), every cell that is no figure reported."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import (
    BadRow,
)
from estimates.ledger._cells import FloatArray, _Bad, _is_missing, _per_value

_THOUSANDS = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
# a plain decimal number in ASCII digits: no '_' separators, no other scripts' digits
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
# a mantissa with a digit other than 0 (so a value of 0 means the exponent underflowed)
_NONZERO = re.compile(r"^[+-]?[0-9.]*[1-9]")
_NOT_A_NUMBER = (
    "not a number; write ASCII digits like 12000, 12,000 or 1.5e3, blank when not stated"
)


def _number_cell(x: object) -> float | _Bad:
    if _is_missing(x):
        return math.nan
    if isinstance(x, bool):
        return _Bad("must be a number")
    if isinstance(x, int | float | np.integer | np.floating):
        try:
            v = float(x)
        except OverflowError:
            return _Bad("too large for a figure (beyond 1.8e308)")
    elif isinstance(x, str):
        s = x.strip()
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        if not _NUMBER.match(s):
            return _Bad(_NOT_A_NUMBER)
        v = float(s)
        if v == 0 and _NONZERO.match(s):
            return _Bad("too small for a figure: it would round to 0")
    else:
        return _Bad("must be a number")
    if not math.isfinite(v):
        return _Bad("NaN and infinity are not figures; leave the cell blank for an unbounded side")
    return v


def _fast_numbers(
    series: pd.Series[Any] | None,
    n: int,
    name: str,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
) -> FloatArray:
    """Numbers from a column: one vectorised conversion when it is clean, per value otherwise."""
    if series is None:
        return np.full(n, np.nan)
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        arr = series.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(arr)
        for i in np.flatnonzero(bad):
            errors.append(
                BadRow(
                    int(rows[i]),
                    name,
                    arr[i],
                    "infinity is not a figure; leave the cell blank for an unbounded side",
                )
            )
        return np.where(bad, np.nan, arr)
    cells = _arrow_text(series)
    if cells is not None:
        return _text_numbers(cells, n, name, rows, errors)
    values = series.to_numpy(dtype=object)
    try:
        blank = np.asarray(pd.isna(values) | (values == ""), dtype=bool)
        # the common case, plain decimal strings: numpy parses them exactly as float() does
        text = values[~blank].astype(str)
        if _plain_numbers(text):
            arr = np.full(n, np.nan)
            arr[~blank] = text.astype(float)
            if np.isfinite(arr[~blank]).all() and not _underflow(arr[~blank], text):
                return arr
    except (ValueError, TypeError, OverflowError):
        pass
    out, _, _ = _per_value(series, n, _number_cell, name, rows, errors)
    return np.array([math.nan if x is None else x for x in out], dtype=float)


def _arrow_text(series: pd.Series[Any]) -> Any:
    """A column of text (or blanks) as one Arrow string array, or None when it holds anything
    else or pyarrow is not there."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return None
    try:
        if isinstance(series.dtype, pd.ArrowDtype | pd.StringDtype):
            cells = pa.array(series.array)
        elif series.dtype == object:
            cells = pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        else:
            return None
    except (TypeError, ValueError):  # a cell that is not text (a number, a lone surrogate)
        return None
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    return cells if pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type) else None


def _text_numbers(
    cells: Any, n: int, name: str, rows: npt.NDArray[np.int64], errors: list[BadRow]
) -> FloatArray:
    """Numbers from a column of text in Arrow: the cells that are plain decimal numbers (or
    thousands grouped by ',') converted at once (Arrow's conversion rounds as ``float()``
    does); only the other cells are read one by one (each distinct text once), and reported
    when they are not figures."""
    import pyarrow as pa

    blank, stated = _blank_cells(cells)
    # cells of digits, '.', 'e', '+' and '-' only: Arrow reads such a text as a number exactly
    # when the pattern of a plain number matches it, so the pattern need not run; the blank
    # cells (no bytes) are read as missing where they are, the others not copied
    whole = _floats(stated) if _number_bytes_only(cells) else None
    if whole is not None:
        out = whole if whole.flags.writeable else whole.copy()
        careful = _out_of_range(out, cells, ~blank)
    else:
        out, careful = _pattern_numbers(cells, n, blank)
    if careful.any():
        out[careful] = np.nan
        seen: dict[str, float | _Bad] = {}
        texts = cells.filter(pa.array(careful)).to_pylist()
        for i, x in zip(np.flatnonzero(careful).tolist(), texts, strict=True):
            v = seen[x] if x in seen else seen.setdefault(x, _number_cell(x))
            if isinstance(v, _Bad):
                errors.append(BadRow(int(rows[i]), name, x, v.reason))
            else:
                out[i] = v
    return out


def _pattern_numbers(
    cells: Any, n: int, blank: npt.NDArray[np.bool_]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The cells that match the pattern of a plain number (or of thousands grouped by ',')
    read at once; the others (not blank) to be read one by one."""
    import pyarrow.compute as pc

    out = np.full(n, np.nan)
    plain = pc.fill_null(pc.match_substring_regex(cells, _NUMBER.pattern), False)
    fast_cells = plain
    grouped = None
    if not np.asarray(plain, dtype=bool)[~blank].all():  # some cell is not plain: 12,000?
        grouped = pc.fill_null(pc.match_substring_regex(cells, _THOUSANDS.pattern), False)
        fast_cells = pc.or_(plain, grouped)
    text = cells.filter(fast_cells)
    if grouped is not None and pc.any(grouped).as_py():
        text = pc.if_else(grouped.filter(fast_cells), pc.replace_substring(text, ",", ""), text)
    got = _floats(text)
    fast = np.asarray(fast_cells, dtype=bool)
    if got is None:
        fast[:] = False
    elif got.size:
        at = np.flatnonzero(fast)
        odd = _out_of_range(got, text, np.ones(got.size, dtype=bool))
        out[at[~odd]] = got[~odd]
        fast[at[odd]] = False
    return out, ~fast & ~blank


def _out_of_range(
    values: FloatArray, text: Any, stated: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Which stated cells read beyond a float's range (1e400, or 1e-400 read as 0): the
    careful reading refuses them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    odd = stated & ~np.isfinite(values)
    zero = stated & (values == 0)
    if zero.any():
        tiny = pc.match_substring_regex(text.filter(pa.array(zero)), _NONZERO.pattern)
        odd[np.flatnonzero(zero)[np.asarray(tiny, dtype=bool)]] = True
    return odd


def _blank_cells(cells: Any) -> tuple[npt.NDArray[np.bool_], Any]:
    """Which cells of an Arrow text array are blank (empty or missing), and the array with
    those cells missing (the same text buffers: nothing copied)."""
    import pyarrow as pa

    offsets = _offsets(cells)
    blank = offsets[1:] == offsets[:-1]
    if cells.null_count:
        blank |= np.asarray(cells.is_null(), dtype=bool)
    valid = np.packbits(np.r_[np.zeros(cells.offset, dtype=bool), ~blank], bitorder="little")
    buffers = cells.buffers()
    stated = pa.Array.from_buffers(
        cells.type, len(cells), [pa.py_buffer(valid), buffers[1], buffers[2]], offset=cells.offset
    )
    return blank, stated


def _offsets(cells: Any) -> npt.NDArray[np.int64]:
    """The ``len(cells) + 1`` offsets of an Arrow text array into its bytes."""
    import pyarrow as pa

    width = np.int64 if pa.types.is_large_string(cells.type) else np.int32
    offsets: npt.NDArray[np.int64] = np.frombuffer(cells.buffers()[1], dtype=width)
    return offsets[cells.offset : cells.offset + len(cells) + 1]


def _floats(text: Any) -> FloatArray | None:
    """Arrow text read as numbers (rounded as ``float()`` rounds), or None when some cell is
    not one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return np.asarray(pc.cast(text, pa.float64()), dtype=float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


# the bytes of a plain decimal number: ASCII digits, '.', 'e', 'E', '+' and '-'
_NUMBER_BYTES = b"0123456789.eE+-"


def _number_bytes_only(text: Any) -> bool:
    """Whether every byte of an Arrow text array is one of :data:`_NUMBER_BYTES`."""
    import pyarrow as pa

    if len(text) == 0:
        return False
    if pa.types.is_string(text.type):
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    elif pa.types.is_large_string(text.type):
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
    else:
        return False
    first, last = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
    data = text.buffers()[2]
    if data is None or first == last:
        return False
    # nothing is left of the bytes once those bytes are deleted (one pass in C, no lookup per
    # byte into an index array)
    return not memoryview(data)[first:last].tobytes().translate(None, _NUMBER_BYTES)


def _plain_numbers(text: npt.NDArray[np.str_]) -> bool:
    """Whether every cell is a plain ASCII decimal number (what numpy and float() agree on)."""
    if text.size == 0:
        return True
    # one pass over the distinct cells: few in a real table
    return all(_NUMBER.match(s.strip()) for s in np.unique(text).tolist())


def _underflow(values: FloatArray, text: npt.NDArray[np.str_]) -> bool:
    """Whether some cell reads as 0 though it states a figure other than 0 (1e-400)."""
    zero = values == 0
    return bool(zero.any()) and any(_NONZERO.match(s.strip()) for s in text[zero].tolist())
