"""The ledger's own frame: one row per claim, sorted by claim id, text held as categoricals.

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

from estimates.ledger._ids import claim_ids
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
    if name in NUMBER_COLUMNS:
        return pd.Series(np.asarray(values, dtype=float), dtype="float64")
    if name in INTERNAL_DATE_COLUMNS:
        return pd.Series(np.asarray(values, dtype="datetime64[s]"))
    if name in CATEGORY_COLUMNS:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
        return pd.Series(categorical(codes, np.asarray(uniques, dtype=object)))
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def categorical(codes: npt.NDArray[Any], names: ObjArray) -> pd.Categorical[Any]:
    """A categorical of ``codes`` (-1 = missing) into sorted, distinct text ``names``."""
    return pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(pd.Index(names, dtype=object))
    )


def objects(series: pd.Series[Any]) -> ObjArray:
    """A text column as an object array with None where missing (a categorical gives NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.asarray(series.cat.categories, dtype=object)
        table = np.r_[names, np.array([None], dtype=object)]
        result: ObjArray = table[series.cat.codes.to_numpy()]
        return result
    return series.to_numpy(dtype=object)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every categorical column as plain text (None where missing): a copy."""
    return pd.DataFrame(
        {
            name: (
                pd.Series(objects(frame[name]), dtype=object)
                if isinstance(frame[name].dtype, pd.CategoricalDtype)
                else frame[name].copy()
            )
            for name in frame.columns
        }
    )


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the categories no row uses, so equal claims always give equal frames."""
    for name in CATEGORY_COLUMNS:
        codes = frame[name].cat.codes.to_numpy()
        k = len(frame[name].cat.categories)
        used = np.bincount(codes[codes >= 0], minlength=k) > 0 if k else np.zeros(0, bool)
        if not used.all():
            rank = np.cumsum(used) - 1
            names = np.asarray(frame[name].cat.categories, dtype=object)[used]
            frame[name] = categorical(np.where(codes >= 0, rank[codes], -1), names)
    return frame


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
