"""Content-derived claim ids, computed the same way for one claim and for a million.

Each identity field becomes a 64-bit value: text by an 8-byte BLAKE2b digest of its UTF-8
bytes, numbers by their IEEE-754 bits (``-0.0`` as ``0.0``), a missing field by a fixed
constant of its kind. The fields are folded in their fixed order with the SplitMix64 finaliser
(Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), and the
id is the result in 16 hex digits. Everything is explicit integer arithmetic modulo 2**64, so an
id is the same in every process, on every machine and in every file format.

>>> import numpy as np
>>> one = claim_ids([np.array(["q"], dtype=object), np.array([1.0])])
>>> many = claim_ids([np.array(["q", "r"], dtype=object), np.array([1.0, 2.0])])
>>> one[0] == many[0], one[0] != many[1]
(True, True)
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["claim_ids"]

_MASK = (1 << 64) - 1
_SEED = np.uint64(0x9E3779B97F4A7C15)
_MISSING_TEXT = np.uint64(0x6A09E667F3BCC908)
_MISSING_NUMBER = np.uint64(0xBB67AE8584CAA73B)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def digests(names: Sequence[object]) -> npt.NDArray[np.uint64]:
    """The 64-bit digest of each text in ``names`` (a missing one, None or NaN, gets the
    missing-text constant): each text once, however many rows hold it.

    >>> digests(["q", None]).tolist() == [digests(["q"])[0], digests([float("nan")])[0]]
    True
    """
    blake = hashlib.blake2b
    missing = bytes(np.array([_MISSING_TEXT], dtype="<u8").data)
    try:  # text and None only (a checked table): no test of each value's type
        raw = b"".join(
            [
                missing if x is None else blake(x.encode("utf-8"), digest_size=8).digest()  # type: ignore[attr-defined]
                for x in names
            ]
        )
    except AttributeError:
        raw = b"".join(
            [
                missing
                if x is None or (isinstance(x, float) and x != x)
                else blake(str(x).encode("utf-8"), digest_size=8).digest()
                for x in names
            ]
        )
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64)


def text_hashes(values: Any) -> npt.NDArray[np.uint64]:
    """The digest of each row of a text column (an object array or a pandas categorical)."""
    if isinstance(values, pd.Categorical):
        codes = values.codes
        uniques: Sequence[object] = list(values.categories)
    else:
        codes, found = pd.factorize(values, use_na_sentinel=True)
        uniques = list(found)
    table = np.empty(len(uniques) + 1, dtype=np.uint64)
    table[:-1] = digests(uniques)
    table[-1] = _MISSING_TEXT
    hashes: npt.NDArray[np.uint64] = table[codes]
    return hashes


def number_hashes(values: npt.NDArray[Any]) -> npt.NDArray[np.uint64]:
    """The bits of each number of a column (``-0.0`` as ``0.0``; NaN = the missing constant)."""
    arr = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0
    if arr.size and np.isnan(arr[0]) and np.isnan(arr).all():
        return np.broadcast_to(_MISSING_NUMBER, arr.shape)
    bits = arr.view(np.uint64)  # the new array of the sum, written in place
    np.copyto(bits, _MISSING_NUMBER, where=np.isnan(arr))
    return bits


def _mix(
    h: npt.NDArray[np.uint64], tmp: npt.NDArray[np.uint64] | None = None
) -> npt.NDArray[np.uint64]:
    """The SplitMix64 finaliser of each value, in place (``h`` is the caller's own array;
    ``tmp``, of the same size, holds the shifted values)."""
    if tmp is None:
        tmp = np.empty_like(h)
    with np.errstate(over="ignore"):
        h ^= np.right_shift(h, np.uint64(30), out=tmp)
        np.multiply(h, _M1, out=h)
        h ^= np.right_shift(h, np.uint64(27), out=tmp)
        np.multiply(h, _M2, out=h)
        h ^= np.right_shift(h, np.uint64(31), out=tmp)
        return h


# rows folded at a time: a block of keys and one scratch array stay in the processor's cache
# while every field is mixed in (instead of one pass over all the rows per field and step)
_BLOCK = 1 << 16


#: A field's hashes for :func:`fold`: one per row, one for every row, or a table of hashes with
#: each row's code into it (-1: the last entry), gathered a block of rows at a time.
Field = npt.NDArray[np.uint64] | np.uint64 | tuple[npt.NDArray[np.uint64], npt.NDArray[Any]]


def fold(
    hashes: Sequence[Field],
    optional: Sequence[npt.NDArray[np.float64]] = (),
    n: int | None = None,
) -> npt.NDArray[np.uint64]:
    """The 64-bit key of each row from its fields' hashes, in their fixed order (a field the
    same in every row may be one hash; a field of few distinct values a table and codes);
    ``optional`` number columns are folded in only where a row states them."""
    size = n if n is not None else (np.size(hashes[0]) if hashes else 0)
    h = np.full(size, _SEED, dtype=np.uint64)
    scratch = np.empty(min(size, _BLOCK), dtype=np.uint64)
    for start in range(0, size, _BLOCK):
        block = h[start : start + _BLOCK]
        tmp = scratch[: block.size]
        for field in hashes:
            if isinstance(field, tuple):
                table, codes = field
                np.take(table, codes[start : start + _BLOCK], out=tmp)
                block ^= tmp
            elif isinstance(field, np.ndarray):
                block ^= field[start : start + _BLOCK]
            else:
                block ^= field
            _mix(block, tmp)
    for extra in optional:
        arr = np.asarray(extra, dtype=np.float64)
        stated = ~np.isnan(arr)
        if stated.any():
            h = np.where(stated, _mix(h ^ number_hashes(arr)), h)
    return h


def claim_keys(
    columns: Sequence[npt.NDArray[Any]], optional: Sequence[npt.NDArray[np.float64]] = ()
) -> npt.NDArray[np.uint64]:
    """The 64-bit key of each row given as identity columns; :func:`claim_ids` writes them."""
    hashes = [
        number_hashes(column) if column.dtype == np.float64 else text_hashes(column)
        for column in columns
    ]
    return fold(hashes, optional, n=len(columns[0]) if columns else 0)


def key_order(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """An order sorting ``keys`` (equal keys in any order among themselves).

    Each key's high bits with its row number packed below them make keys that differ, sorted
    by a plain sort (several times faster than an indirect one); when two keys share those
    high bits (rare: the low bits decide between them) the keys are sorted indirectly instead.

    >>> key_order(np.array([3, 1, 2**64 - 1, 2], dtype=np.uint64)).tolist()
    [1, 3, 0, 2]
    """
    n = keys.size
    bits = max(int(n - 1).bit_length(), 1)
    if n < 2 or bits > 32:
        return np.argsort(keys, kind="stable").astype(np.intp)
    low = np.uint64((1 << bits) - 1)
    packed = np.sort((keys & ~low) | np.arange(n, dtype=np.uint64))
    high = packed & ~low
    if (high[1:] == high[:-1]).any():
        return np.argsort(keys, kind="stable").astype(np.intp)
    return (packed & low).astype(np.intp)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@functools.cache
def _hex_quads() -> npt.NDArray[np.uint32]:
    """The four hex digits of each 16-bit value, as the four bytes of one 32-bit value in
    memory order (a table of 256 KiB, made when ids are first written)."""
    value = np.arange(1 << 16)
    digits = np.stack([_HEX[(value >> shift) & 15] for shift in (12, 8, 4, 0)], axis=1)
    return np.ascontiguousarray(digits).view(np.uint32)[:, 0]


def _hex_digits(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """The ASCII digits of every key in hex, 16 bytes each, side by side (one row per key):
    the four digits of each two bytes looked up at once.

    >>> bytes(_hex_digits(np.array([0x0123456789ABCDEF], dtype=np.uint64))[0])
    b'0123456789abcdef'
    """
    # each key's four 16-bit parts, most significant first, as indices into the table
    parts = np.ascontiguousarray(keys, dtype=">u8").view(">u2").astype(np.intp)
    return np.take(_hex_quads(), parts).view(np.uint8).reshape(-1, 16)


def id_texts(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.object_]:
    """Each key in 16 hex digits (as ``f"{key:016x}"``), without a Python format per row.

    >>> id_texts(np.array([255, 2**64 - 1], dtype=np.uint64)).tolist()
    ['00000000000000ff', 'ffffffffffffffff']
    """
    digits = _hex_digits(keys)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        # the code points of the digits, four bytes each: a row of 16 is one numpy "<U16" text
        wide = digits.astype("<u4").reshape(-1).view("<U16")
        return wide.astype(object)
    # read as one Arrow string array (fixed offsets into the digits): Arrow makes each Python
    # text straight from its ASCII bytes
    n = digits.shape[0]
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(digits)]
    )
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def id_column(keys: npt.NDArray[np.uint64]) -> pd.Series[Any]:
    """The ids of ``keys`` as a column of text (what :func:`id_texts` writes): held by Arrow,
    16 bytes an id and no Python string per row, when pyarrow is there; else as objects.

    >>> id_column(np.array([255], dtype=np.uint64)).tolist()
    ['00000000000000ff']
    """
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return pd.Series(id_texts(keys), dtype=object)
    n = keys.size
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(_hex_digits(keys))]
    )
    return pd.Series(pd.arrays.ArrowExtensionArray(array), copy=False)


def text_ids(values: Any) -> pd.Series[Any]:
    """A column of claim ids (text, or None) held as :func:`id_column` holds them.

    >>> text_ids(np.array(["00000000000000ff"], dtype=object)).tolist()
    ['00000000000000ff']
    """
    try:
        import pyarrow as pa

        array = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return pd.Series(np.asarray(values, dtype=object), dtype=object)
    return pd.Series(pd.arrays.ArrowExtensionArray(array), copy=False)


# the value of each lower-case hex digit by its byte (255: not one)
_NIBBLE = np.full(256, 255, dtype=np.uint8)
_NIBBLE[_HEX] = np.arange(16, dtype=np.uint8)


def hex_keys(ids: npt.NDArray[np.object_]) -> npt.NDArray[np.uint64] | None:
    """The keys that :func:`id_texts` wrote as ``ids``, read back at once; None when some id is
    not 16 lower-case hex digits (or pyarrow is not there).

    >>> keys = np.array([255, 2**64 - 1], dtype=np.uint64)
    >>> hex_keys(id_texts(keys)).tolist() == keys.tolist(), hex_keys(np.array(["x"], dtype=object))
    (True, None)
    """
    try:
        import pyarrow as pa

        texts = pa.array(ids, type=pa.string())
    except (ImportError, TypeError, ValueError, UnicodeEncodeError):
        return None  # not text, or no pyarrow
    n = len(texts)
    if texts.null_count or not n:
        return None
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + n + 1]
    if not (np.diff(offsets) == 16).all():
        return None
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    digits = _NIBBLE[data.reshape(n, 16)]
    if (digits == 255).any():
        return None
    raw = (digits[:, 0::2] << 4) | digits[:, 1::2]
    return np.ascontiguousarray(raw).view(">u8").reshape(n).astype(np.uint64)


def claim_ids(
    columns: Sequence[npt.NDArray[Any]], optional: Sequence[npt.NDArray[np.float64]] = ()
) -> list[str]:
    """Ids for rows given as identity columns (object arrays of text/None, or float arrays).

    ``optional`` number columns are folded in only where a row states them, so a column added
    to the claim table later leaves the id of every claim that does not use it unchanged.

    >>> claim_ids([np.array([None], dtype=object)]) == claim_ids([np.array([None], dtype=object)])
    True
    >>> base = claim_ids([np.array(["q", "q"], dtype=object)])
    >>> with_level = claim_ids([np.array(["q", "q"], dtype=object)], [np.array([np.nan, 0.9])])
    >>> with_level[0] == base[0], with_level[1] == base[1]
    (True, False)
    """
    ids: list[str] = id_texts(claim_keys(columns, optional)).tolist()
    return ids
