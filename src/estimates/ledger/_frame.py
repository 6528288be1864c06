"""The ledger's own frame: one row per claim, sorted by claim id, text held as categoricals and
the claim ids by Arrow (16 bytes each, no Python string per row) when pyarrow is there.

These helpers build, cut, join and sort such frames; :mod:`estimates.ledger.validation` fills
them from raw tables and :class:`~estimates.ledger.table.Ledger` holds one.

>>> list(empty_frame().columns) == list(FRAME_COLUMNS)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.ledger._ids import claim_ids, hex_keys, text_ids
from estimates.ledger.schema import CLAIM_COLUMNS, DATE_COLUMNS, NUMBER_COLUMNS

ObjArray = npt.NDArray[np.object_]

# The identity fields of a claim, in the order of Claim.key_values().
ID_ORDER = (
    "quantity", "low", "best", "high", "closed", "unit", "convention", "text", "source", "via",
    "stated_on", "as_of", "since", "kind", "hedge", "confidence", "reliability", "url", "quote",
    "note",
)  # fmt: skip
INTERNAL_DATE_COLUMNS = tuple(f"{c}_{end}" for c in DATE_COLUMNS for end in ("start", "end"))
#: Columns of :attr:`Ledger.frame`: the canonical ones plus the start and end day of each date.
FRAME_COLUMNS: tuple[str, ...] = CLAIM_COLUMNS + INTERNAL_DATE_COLUMNS
#: Text columns with few distinct values, held as pandas categoricals (sorted categories) in a
#: ledger's own frame: a million rows keep one small integer each, not a million references,
#: and the reconciliation core reads the integer codes instead of hashing the text.
CATEGORY_COLUMNS: tuple[str, ...] = (
    "quantity", "closed", "unit", "convention", "source", "via", "stated_on", "as_of", "since",
    "kind", "hedge", "reliability",
)  # fmt: skip


def as_column(values: Any, name: str) -> pd.Series[Any]:
    """A column of the ledger's frame from a new array of ``values`` (kept, not copied)."""
    if name in NUMBER_COLUMNS:
        return pd.Series(np.asarray(values, dtype=float), dtype="float64", copy=False)
    if name in INTERNAL_DATE_COLUMNS:
        return pd.Series(np.asarray(values, dtype="datetime64[s]"), copy=False)
    if name in CATEGORY_COLUMNS:
        codes, names = sorted_codes(np.asarray(values, dtype=object))
        return pd.Series(categorical(codes, names))
    if name == "claim_id":
        return text_ids(values)
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def categorical(codes: npt.NDArray[Any], names: ObjArray) -> pd.Categorical[Any]:
    """A categorical of ``codes`` (-1 = missing) into sorted, distinct text ``names``.

    The codes are not checked against the names again, row by row: every caller builds them
    as indices into ``names``.
    """
    return pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(pd.Index(names, dtype=object)), validate=False
    )


def sorted_codes(values: ObjArray) -> tuple[npt.NDArray[np.intp], ObjArray]:
    """Codes of ``values`` (text or None) into their distinct texts in sorted order (-1 for None).

    What ``pd.factorize(values, sort=True)`` gives, with the distinct texts sorted by Arrow (by
    their UTF-8 bytes, which is the order of their code points) instead of compared in Python.

    Values that are distinct and in sorted order already (the last one may be None: the
    distinct texts of a column read by Arrow, with the missing cell's entry after them) are
    told by one comparison of neighbours, without hashing or sorting them again.

    >>> codes, names = sorted_codes(np.array(["b", None, "a", "b"], dtype=object))
    >>> codes.tolist(), names.tolist()
    ([1, -1, 0, 1], ['a', 'b'])
    >>> codes, names = sorted_codes(np.array(["a", "b", None], dtype=object))
    >>> codes.tolist(), names.tolist()
    ([0, 1, -1], ['a', 'b'])
    """
    stated = values[:-1] if values.size and values[-1] is None else values
    if stated.size > 1:
        try:
            # a None or NaN among them is compared with a neighbour: TypeError, or False
            with np.errstate(invalid="ignore"):
                increasing = bool((stated[1:] > stated[:-1]).all())
        except (TypeError, ValueError):  # values that do not compare as one bool
            increasing = False
        if increasing:
            codes = np.arange(values.size, dtype=np.intp)
            codes[stated.size :] = -1
            return codes, stated.copy()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = np.asarray(uniques, dtype=object)
    order = text_order(names)
    if (order == np.arange(order.size)).all():
        return codes.astype(np.intp, copy=False), names
    rank = np.empty(order.size + 1, dtype=np.intp)
    rank[order] = np.arange(order.size)
    rank[-1] = -1  # code -1 stays -1
    return rank[codes], names[order]


def text_order(names: ObjArray) -> npt.NDArray[np.intp]:
    """The order sorting ``names`` (distinct texts) as Python sorts them."""
    if names.size > 64:
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            # UTF-8 bytes sort as their code points do; a lone surrogate is not UTF-8
            found = pc.array_sort_indices(pa.array(names, type=pa.string()))
            return np.asarray(found, dtype=np.intp)
        except (ImportError, TypeError, ValueError, UnicodeEncodeError):
            pass
    return np.argsort(names, kind="stable").astype(np.intp)


def objects(series: pd.Series[Any]) -> ObjArray:
    """A text column as an object array with None where missing (a categorical gives NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.asarray(series.cat.categories, dtype=object)
        table = np.r_[names, np.array([None], dtype=object)]
        result: ObjArray = table[series.cat.codes.to_numpy()]
        return result
    values: ObjArray = series.to_numpy(dtype=object)
    if isinstance(series.dtype, pd.ArrowDtype):  # Arrow's missing cells come back as pd.NA
        values = np.where(pd.isna(values), np.array(None, dtype=object), values)
    return values


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every categorical column as plain text (None where missing): a copy."""
    return pd.DataFrame(
        {
            name: (
                pd.Series(objects(frame[name]), dtype=object)
                if isinstance(frame[name].dtype, pd.CategoricalDtype) or name == "claim_id"
                else frame[name].copy()
            )
            for name in frame.columns
        }
    )


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the categories no row uses, so equal claims always give equal frames."""
    for name in CATEGORY_COLUMNS:
        codes = frame[name].cat.codes.to_numpy()
        names = np.asarray(frame[name].cat.categories, dtype=object)
        kept, used = used_only(codes, names)
        if used.size != names.size:
            frame[name] = categorical(kept, used)
    return frame


def used_only(codes: npt.NDArray[Any], names: ObjArray) -> tuple[npt.NDArray[Any], ObjArray]:
    """``codes`` (-1 = missing) and ``names`` without the names no code points to.

    >>> codes, names = used_only(np.array([2, -1, 2]), np.array(["a", "b", "c"], dtype=object))
    >>> codes.tolist(), names.tolist()
    ([0, -1, 0], ['c'])
    """
    seen = np.zeros(names.size + 1, dtype=bool)
    seen[codes] = True  # code -1 marks the last entry, which is not a name
    used = seen[:-1]
    if used.all():
        return codes, names
    rank = np.cumsum(used) - 1
    rank = np.r_[rank, -1].astype(codes.dtype if codes.dtype.kind == "i" else np.intp)
    return rank[codes], names[used]


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of ``frames`` one after another, each categorical over the union of categories.

    ``pd.concat`` turns categoricals with different categories into object columns; here every
    frame's codes are mapped into the sorted union first.
    """
    columns: dict[str, Any] = {}
    for name in frames[0].columns:
        if name not in CATEGORY_COLUMNS:
            columns[name] = pd.concat([f[name] for f in frames], ignore_index=True)
            continue
        parts = [np.asarray(f[name].cat.categories, dtype=object) for f in frames]
        names = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=object)
        codes = []
        for f, own in zip(frames, parts, strict=True):
            c = f[name].cat.codes.to_numpy()
            where = np.searchsorted(names, own).astype(np.int64)
            codes.append(np.where(c >= 0, where[c] if own.size else -1, -1))
        columns[name] = categorical(np.concatenate(codes), names.astype(object))
    return pd.DataFrame(columns)


def frame_claim_ids(frame: pd.DataFrame) -> list[str]:
    columns: list[npt.NDArray[Any]] = []
    for name in ID_ORDER:
        if name in NUMBER_COLUMNS:
            columns.append(frame[name].to_numpy(dtype=np.float64))
        elif isinstance(frame[name].dtype, pd.CategoricalDtype):
            # hashed per category (each text is digested once; a blank is the missing constant)
            columns.append(frame[name].array)
        else:
            columns.append(objects(frame[name]))
    # a level joins the id only where a claim states one: older ids stay as they were
    level = frame["level"].to_numpy(dtype=np.float64) if "level" in frame.columns else None
    return claim_ids(columns, [] if level is None else [level])


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by claim id, each id once (its first row), unused categories dropped."""
    ids = frame["claim_id"].to_numpy(dtype=object)
    order = id_order(ids)
    # equal ids are neighbours once sorted, the first row of each first (the sort is stable)
    sorted_ids = ids[order]
    repeat = np.zeros(order.size, dtype=bool)
    repeat[1:] = sorted_ids[1:] == sorted_ids[:-1]
    if repeat.any():
        order = order[~repeat]
    if order.size != len(frame) or not (order == np.arange(order.size)).all():
        frame = frame.take(order)
    return tidy(frame.reset_index(drop=True))


def id_order(ids: ObjArray) -> npt.NDArray[np.intp]:
    """The stable order sorting claim ids as text; fast for ids of 16 ASCII characters.

    Such ids (every derived id is 16 hex digits) sort as text exactly as their bytes read as
    two big-endian 64-bit integers: two integer keys instead of a million string comparisons.
    """
    keys = hex_keys(ids)
    if keys is not None:
        # 16 lower-case hex digits sort as text exactly as the numbers they write
        return np.argsort(keys, kind="stable").astype(np.intp)
    texts = ids.tolist()
    if texts and all(isinstance(x, str) for x in texts) and set(map(len, texts)) == {16}:
        try:
            raw = "".join(texts).encode("ascii")
        except UnicodeEncodeError:
            raw = b""
        if raw:
            keys = np.frombuffer(raw, dtype=">u8").reshape(-1, 2)
            return np.lexsort((keys[:, 1], keys[:, 0])).astype(np.intp)
    return np.argsort(ids, kind="stable").astype(np.intp)


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: as_column(
                np.zeros(0, dtype=object if name not in NUMBER_COLUMNS else float), name
            )
            for name in FRAME_COLUMNS
        }
    )
