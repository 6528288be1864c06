"""``Ledger``: an immutable, columnar set of claims with lossless CSV, JSON Lines and Parquet IO.

A ledger holds one row per claim in numpy-backed columns (never a list of objects), sorted by
``claim_id`` so that the order of the input never matters. A ledger is a *set*: two rows identical
in every field are one claim, so merging is idempotent and commutative.

>>> from estimates import Claim, Ledger, Range
>>> a = Claim(quantity="troops", value=Range.exactly(3000, unit="person"), source="US DoD",
...           stated_on="2024-10-23")
>>> b = Claim(quantity="troops", value=Range.between(10000, 12000, unit="person"), source="NIS",
...           stated_on="2024-10-30")
>>> ledger = Ledger([a, b])
>>> len(ledger), len(ledger.known_on("2024-10-25"))
(2, 1)
>>> ledger.merge(ledger) == ledger
True

Reading a file checks every row and reports every bad one at once:

>>> import io
>>> bad = io.StringIO("quantity,low,source,kind\\nq,12,s,stock\\nq,12,00O,s,stock\\nq,5,s,guess\\n")
>>> Ledger.read_csv(bad)
Traceback (most recent call last):
...
estimates.errors.ClaimFileError: 2 bad row(s):
  row 2: has 5 fields but the header has 4 ...
  row 3, column 'kind': must be one of stock, cumulative, flow, projection (given 'guess')
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import (
    BadRow,
    ClaimFileError,
    DateError,
    MissingExtraError,
    ParseError,
    UnitError,
)
from estimates.ledger._ids import claim_ids
from estimates.ledger._io import atomic_write
from estimates.ledger.claims import KINDS, Claim
from estimates.ledger.schema import (
    CLAIM_COLUMNS,
    DATE_COLUMNS,
    NUMBER_COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
)
from estimates.values import units as _units
from estimates.values.dates import Period, to_period
from estimates.values.ranges import Range

__all__ = ["Collected", "Ledger"]

ObjArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]

_CLOSED = ("both", "left", "right", "neither")
_RELIABILITY = ("A", "B", "C", "D", "E", "F")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# The identity fields of a claim, in the order of Claim.key_values().
_ID_ORDER = (
    "quantity", "low", "best", "high", "closed", "unit", "convention", "text", "source", "via",
    "stated_on", "as_of", "since", "kind", "hedge", "confidence", "reliability", "url", "quote",
    "note",
)  # fmt: skip
_INTERNAL_DATE_COLUMNS = tuple(f"{c}_{end}" for c in DATE_COLUMNS for end in ("start", "end"))
#: Columns of :attr:`Ledger.frame`: the canonical ones plus the start and end day of each date.
FRAME_COLUMNS: tuple[str, ...] = CLAIM_COLUMNS + _INTERNAL_DATE_COLUMNS
#: Text columns with few distinct values, held as pandas categoricals (sorted categories) in a
#: ledger's own frame: a million rows keep one small integer each, not a million references,
#: and the reconciliation core reads the integer codes instead of hashing the text.
CATEGORY_COLUMNS: tuple[str, ...] = (
    "quantity", "closed", "unit", "convention", "source", "via", "stated_on", "as_of", "since",
    "kind", "hedge", "reliability",
)  # fmt: skip

Errors = Literal["raise", "collect"]
PathOrBuffer = str | os.PathLike[str] | IO[str]


class Collected(NamedTuple):
    """What a read with ``errors="collect"`` returns: the good rows and every bad one."""

    ledger: Ledger
    errors: tuple[BadRow, ...]


# -- cell normalisation ------------------------------------------------------------------------
#
# Each column is factorised once (a C-level hash of its values); the Python work of checking
# and normalising is done per distinct value, then spread back to the rows with one take. A
# column of a million rows with a few thousand distinct values costs a few thousand checks.


class _Bad:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


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
) -> tuple[ObjArray, npt.NDArray[np.intp], ObjArray]:
    """Apply ``check`` to each distinct value; return per-row results, codes and the table.

    With ``values=False`` the per-row results are not built (an empty array stands in): the
    caller reads them from the codes and the table when it needs them.
    """
    if column is None:
        codes = np.full(n, -1, dtype=np.intp)
        uniques: list[object] = []
    else:
        # the column itself, not its objects: a categorical gives its codes and an Arrow-backed
        # text column is dictionary-encoded, with no Python string per row
        c, u = pd.factorize(column, use_na_sentinel=True)
        codes = c.astype(np.intp, copy=False)
        uniques = list(u)
    table = np.empty(len(uniques) + 1, dtype=object)
    for k, value in enumerate(uniques):
        table[k] = check(value)
    table[-1] = check(None)  # the missing cells (code -1)
    bad = np.array([isinstance(t, _Bad) for t in table], dtype=bool)
    if bad.any():
        for i in np.flatnonzero(bad[codes]):
            k = codes[i]
            given = None if k < 0 else uniques[k]
            errors.append(BadRow(int(rows[i]), name, given, table[k].reason))
        table[bad] = None
    return (table[codes] if values else np.zeros(0, dtype=object)), codes, table


class _Columns(dict[str, Any]):
    """Per-row columns of a claim table being checked; a text column kept as codes into a table
    of values is spelled out (one reference per row) only when a row-by-row step reads it."""

    def __init__(self, coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]]) -> None:
        super().__init__()
        self._coded = coded

    def __missing__(self, name: str) -> ObjArray:
        codes, table = self._coded[name]
        values: ObjArray = table[codes]
        self[name] = values
        return values


def _text_check(strip: bool) -> Callable[[object], object]:
    def check(x: object) -> object:
        if _is_missing(x):
            return None
        if not isinstance(x, str):
            return _Bad("must be text")
        s = " ".join(x.split()) if strip else x
        return s or None

    return check


def _text_column(
    column: pd.Series[Any] | None,
    n: int,
    name: str,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
    *,
    strip: bool,
) -> ObjArray:
    return _per_value(column, n, _text_check(strip), name, rows, errors)[0]


def _number_cell(x: object) -> float | _Bad:
    if _is_missing(x):
        return math.nan
    if isinstance(x, bool):
        return _Bad("must be a number")
    if isinstance(x, int | float | np.integer | np.floating):
        v = float(x)
    elif isinstance(x, str):
        s = x.strip()
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        try:
            v = float(s)
        except ValueError:
            return _Bad(
                "not a number; write digits like 12000, 12,000 or 1.5e3, blank when not stated"
            )
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
    values = series.to_numpy(dtype=object)
    blank = pd.isna(values) | (values == "")
    try:  # the common case, plain decimal strings: numpy parses them exactly as float() does
        arr = np.full(n, np.nan)
        arr[~blank] = values[~blank].astype(str).astype(float)
        if np.isfinite(arr[~blank]).all():
            return arr
    except (ValueError, TypeError):
        pass
    out, _, _ = _per_value(series, n, _number_cell, name, rows, errors)
    return np.array([math.nan if x is None else x for x in out], dtype=float)


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

    _, codes, table = _per_value(column, n, check, name, rows, errors)
    if default is not None:
        table[pd.isna(table)] = default  # bad cells, already reported
    return table[codes], codes, table


def _unit_check(x: object) -> object:
    if _is_missing(x):
        return None
    if not isinstance(x, str):
        return _Bad("must be text")
    text = " ".join(x.split())
    if not text:
        return None
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
    def check(x: object) -> object:
        try:
            return None if _is_missing(x) else to_period(x)
        except DateError as exc:
            return _Bad(str(exc))

    _, codes, table = _per_value(column, n, check, name, rows, errors, values=False)
    nat = np.datetime64("NaT", "ns")
    text = np.array([None if p is None else str(p) for p in table], dtype=object)
    start = np.array(
        [nat if p is None else np.datetime64(p.start, "ns") for p in table], dtype="datetime64[ns]"
    )
    end = np.array(
        [nat if p is None else np.datetime64(p.end, "ns") for p in table], dtype="datetime64[ns]"
    )
    return start[codes], end[codes], codes, text


# -- the validation engine ---------------------------------------------------------------------


def _validate(
    table: pd.DataFrame, *, where: str, first_row: int = 1
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Check and normalise a raw claim table; return the good rows (canonical frame) and the bad."""
    columns = [str(c) for c in table.columns]
    header: list[BadRow] = []
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            header.append(
                BadRow(
                    None,
                    name,
                    None,
                    f"required column is missing (columns found: {', '.join(columns) or 'none'})",
                )
            )
    if not any(c in columns for c in ("text", "low", "best", "high")):
        header.append(
            BadRow(
                None,
                "text",
                None,
                "a claim table needs a text column or at least one of low, best, high",
            )
        )
    unknown = [c for c in columns if c not in CLAIM_COLUMNS]
    for name in unknown:
        header.append(
            BadRow(
                None,
                name,
                None,
                f"unknown column; allowed: {', '.join(CLAIM_COLUMNS)} (put other facts in 'note')",
            )
        )
    if len(set(columns)) != len(columns):
        header.append(BadRow(None, None, None, "a column name appears twice"))
    if header:
        raise ClaimFileError(header, where=where)

    n = len(table)
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    errors: list[BadRow] = []

    def col(name: str) -> pd.Series[Any] | None:
        return table[name] if name in table.columns else None

    # per text column, the codes of its rows into a table of normalised values: the stored
    # categoricals are built from these, without hashing a million cells again, and the
    # per-row values are spelled out only for the columns read row by row below
    coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]] = {}
    out = _Columns(coded)

    def keep(name: str, got: tuple[ObjArray, npt.NDArray[np.intp], ObjArray]) -> None:
        coded[name] = (got[1], got[2])

    for name in ("quantity", "source"):
        keep(name, _per_value(col(name), n, _text_check(True), name, rows, errors, values=False))
        codes, normalised = coded[name]
        for i in np.flatnonzero(np.asarray(pd.isna(normalised), dtype=bool)[codes]):
            errors.append(BadRow(int(rows[i]), name, None, "required: must not be blank"))
    for name in TEXT_COLUMNS:
        check = _text_check(False)
        keep(name, _per_value(col(name), n, check, name, rows, errors, values=False))

    def via_check(x: object) -> object:
        got = _text_check(False)(x)
        if not isinstance(got, str):
            return got
        return ";".join(p.strip() for p in got.split(";") if p.strip()) or None

    keep("via", _per_value(col("via"), n, via_check, "via", rows, errors, values=False))
    for name in NUMBER_COLUMNS:
        out[name] = _fast_numbers(col(name), n, name, rows, errors)
    out["closed"] = _choice_column(col("closed"), n, "closed", _CLOSED, "both", rows, errors)[0]
    keep("kind", _choice_column(col("kind"), n, "kind", KINDS, "stock", rows, errors))
    keep(
        "reliability",
        _choice_column(col("reliability"), n, "reliability", _RELIABILITY, None, rows, errors),
    )
    check = _text_check(True)
    keep("convention", _per_value(col("convention"), n, check, "convention", rows, errors))
    keep("unit", _per_value(col("unit"), n, _unit_check, "unit", rows, errors, values=False))
    for name in DATE_COLUMNS:
        out[f"{name}_start"], out[f"{name}_end"], codes, text = _date_column(
            col(name), n, name, rows, errors
        )
        coded[name] = (codes, text)
    given_ids = _per_value(col("claim_id"), n, _text_check(True), "claim_id", rows, errors)[0]

    low, best, high = out["low"], out["best"], out["high"]
    conf = out["confidence"]
    for i in np.flatnonzero(~np.isnan(conf) & ((conf < 0) | (conf > 1))):
        errors.append(BadRow(int(rows[i]), "confidence", conf[i], "must be a number in [0, 1]"))

    # Rows stated only in words: read them with the parser (numbers, when given, win).
    no_numbers = np.isnan(low) & np.isnan(best) & np.isnan(high)
    unreadable = {e.row for e in errors if e.column in ("low", "best", "high")}
    for i in np.flatnonzero(no_numbers):
        text = out["text"][i]
        if text is None:
            if int(rows[i]) in unreadable:
                continue  # already reported: the figure given could not be read
            errors.append(
                BadRow(
                    int(rows[i]),
                    None,
                    None,
                    "a claim needs a figure: text, or at least one of low, best, high",
                )
            )
            continue
        try:
            from estimates.reading.parsing import parse

            r = parse(text, unit=out["unit"][i]) if out["unit"][i] else parse(text)
        except ParseError as exc:
            errors.append(BadRow(int(rows[i]), "text", text, f"cannot read the figure: {exc}"))
            continue
        except ImportError:  # pragma: no cover - the parser ships with the package
            errors.append(
                BadRow(int(rows[i]), "text", text, "reading text needs estimates.reading.parsing")
            )
            continue
        for name in ("unit", "convention"):
            # changed row by row below: spelled out, and stored from the values instead
            out[name] = out[name]
            coded.pop(name, None)
        low[i] = np.nan if r.low is None else r.low
        best[i] = np.nan if r.best is None else r.best
        high[i] = np.nan if r.high is None else r.high
        out["closed"][i] = r.closed
        out["unit"][i] = r.unit
        out["convention"][i] = r.convention

    # An unbounded side is open: normalise ``closed`` as Range does.
    closed = out["closed"]
    left = np.isin(closed, ("both", "left")) & ~np.isnan(low)
    right = np.isin(closed, ("both", "right")) & ~np.isnan(high)
    closed_names = np.array(["both", "left", "neither", "right"], dtype=object)
    closed_codes = np.where(left & right, 0, np.where(left, 1, np.where(right, 3, 2)))
    coded["closed"] = (closed_codes.astype(np.intp), closed_names)
    closed = closed_names[closed_codes]
    out["closed"] = closed

    both = ~np.isnan(low) & ~np.isnan(high)
    for i in np.flatnonzero(both & (low > high)):
        errors.append(
            BadRow(int(rows[i]), "low", low[i], f"low must not exceed high ({float(high[i])!r})")
        )
    for i in np.flatnonzero(both & (low == high) & (closed != "both")):
        errors.append(
            BadRow(
                int(rows[i]),
                "closed",
                closed[i],
                "low equals high, so the range must be closed on both sides",
            )
        )
    has_best = ~np.isnan(best)
    below = has_best & ~np.isnan(low) & ((best < low) | ((best == low) & ~left))
    above = has_best & ~np.isnan(high) & ((best > high) | ((best == high) & ~right))
    for i in np.flatnonzero(below | above):
        errors.append(
            BadRow(
                int(rows[i]),
                "best",
                best[i],
                f"best must lie within [{low[i]}, {high[i]}] (blank = unbounded)",
            )
        )
    unit_codes, unit_table = coded.get("unit") or pd.factorize(out["unit"], use_na_sentinel=True)
    unit_names = list(unit_table)
    count_units = {u for u in unit_names if isinstance(u, str) and _units.is_count(u)}
    if count_units:
        counted = np.array([u in count_units for u in unit_names] + [False], dtype=bool)
        is_count = counted[unit_codes]
        for name, arr in (("low", low), ("best", best), ("high", high)):
            for i in np.flatnonzero(is_count & (arr < 0)):
                errors.append(
                    BadRow(
                        int(rows[i]),
                        name,
                        arr[i],
                        f"a count of {out['unit'][i]} cannot be negative",
                    )
                )
    ref_end = np.where(pd.isna(out["as_of_end"]), out["stated_on_end"], out["as_of_end"])
    late = ~pd.isna(out["since_start"]) & ~pd.isna(ref_end) & (out["since_start"] > ref_end)
    for i in np.flatnonzero(late):
        errors.append(
            BadRow(
                int(rows[i]),
                "since",
                out["since"][i],
                f"since is after the moment the figure describes ({out['as_of'][i] or out['stated_on'][i]})",
            )
        )

    bad_rows = {e.row for e in errors}
    good = (
        np.array([int(r) not in bad_rows for r in rows], dtype=bool)
        if bad_rows
        else np.ones(n, dtype=bool)
    )
    everyone = bool(good.all())

    def column(name: str) -> pd.Series[Any]:
        if name in coded:
            codes, table = coded[name]
            table_codes, names = pd.factorize(table, sort=True, use_na_sentinel=True)
            row_codes = table_codes[codes] if everyone else table_codes[codes[good]]
            return pd.Series(_categorical(row_codes, np.asarray(names, dtype=object)))
        return _as_column(out[name] if everyone else out[name][good], name)

    frame = pd.DataFrame({name: column(name) for name in FRAME_COLUMNS if name != "claim_id"})
    # the per-row working arrays are done with: a million rows hold ~8 MB per column
    out.clear()
    coded.clear()
    frame["claim_id"] = pd.Series(_claim_ids(frame), dtype=object)
    given = given_ids[good]
    derived = frame["claim_id"].to_numpy(dtype=object)
    has_id = ~pd.isna(given)
    mismatch = np.zeros(len(given), dtype=bool)
    if has_id.any():
        mismatch[has_id] = given[has_id] != derived[has_id]
    if mismatch.any():
        good_rows = rows[good]
        for i in np.flatnonzero(mismatch):
            errors.append(
                BadRow(
                    int(good_rows[i]),
                    "claim_id",
                    given[i],
                    f"does not match the claim's content (its id is {derived[i]}); leave it blank to derive it",
                )
            )
        frame = frame.loc[~mismatch]
    errors.sort(
        key=lambda e: (
            e.row or 0,
            CLAIM_COLUMNS.index(e.column) if e.column in CLAIM_COLUMNS else -1,
        )
    )
    return _canonical(frame), errors


def _as_column(values: Any, name: str) -> pd.Series[Any]:
    if name in NUMBER_COLUMNS:
        return pd.Series(np.asarray(values, dtype=float), dtype="float64")
    if name in _INTERNAL_DATE_COLUMNS:
        return pd.Series(np.asarray(values, dtype="datetime64[ns]"))
    if name in CATEGORY_COLUMNS:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
        return pd.Series(_categorical(codes, np.asarray(uniques, dtype=object)))
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _categorical(codes: npt.NDArray[Any], names: ObjArray) -> pd.Categorical[Any]:
    """A categorical of ``codes`` (-1 = missing) into sorted, distinct text ``names``."""
    return pd.Categorical.from_codes(
        codes, dtype=pd.CategoricalDtype(pd.Index(names, dtype=object))
    )


def _objects(series: pd.Series[Any]) -> ObjArray:
    """A text column as an object array with None where missing (a categorical gives NaN)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = np.asarray(series.cat.categories, dtype=object)
        table = np.r_[names, np.array([None], dtype=object)]
        result: ObjArray = table[series.cat.codes.to_numpy()]
        return result
    return series.to_numpy(dtype=object)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every categorical column as plain text (None where missing): a copy."""
    return pd.DataFrame(
        {
            name: (
                pd.Series(_objects(frame[name]), dtype=object)
                if isinstance(frame[name].dtype, pd.CategoricalDtype)
                else frame[name].copy()
            )
            for name in frame.columns
        }
    )


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the categories no row uses, so equal claims always give equal frames."""
    for name in CATEGORY_COLUMNS:
        codes = frame[name].cat.codes.to_numpy()
        k = len(frame[name].cat.categories)
        used = np.bincount(codes[codes >= 0], minlength=k) > 0 if k else np.zeros(0, bool)
        if not used.all():
            rank = np.cumsum(used) - 1
            names = np.asarray(frame[name].cat.categories, dtype=object)[used]
            frame[name] = _categorical(np.where(codes >= 0, rank[codes], -1), names)
    return frame


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
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
        columns[name] = _categorical(np.concatenate(codes), names.astype(object))
    return pd.DataFrame(columns)


def _claim_ids(frame: pd.DataFrame) -> list[str]:
    columns: list[npt.NDArray[Any]] = []
    for name in _ID_ORDER:
        if name in NUMBER_COLUMNS:
            columns.append(frame[name].to_numpy(dtype=np.float64))
        elif isinstance(frame[name].dtype, pd.CategoricalDtype):
            # hashed per category (each text is digested once; a blank is the missing constant)
            columns.append(frame[name].array)
        else:
            columns.append(_objects(frame[name]))
    return claim_ids(columns)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by claim id, each id once (its first row), unused categories dropped."""
    ids = frame["claim_id"].to_numpy(dtype=object)
    order = _id_order(ids)
    # equal ids are neighbours once sorted, the first row of each first (the sort is stable)
    sorted_ids = ids[order]
    repeat = np.zeros(order.size, dtype=bool)
    repeat[1:] = sorted_ids[1:] == sorted_ids[:-1]
    if repeat.any():
        order = order[~repeat]
    if order.size != len(frame) or not (order == np.arange(order.size)).all():
        frame = frame.take(order)
    return _tidy(frame.reset_index(drop=True))


def _id_order(ids: ObjArray) -> npt.NDArray[np.intp]:
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


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: _as_column(
                np.zeros(0, dtype=object if name not in NUMBER_COLUMNS else float), name
            )
            for name in FRAME_COLUMNS
        }
    )


def _cutoff(date: object) -> np.datetime64:
    if isinstance(date, np.datetime64 | pd.Timestamp):
        return np.datetime64(pd.Timestamp(date).date(), "ns")
    period = to_period(date)
    if period is None:
        raise DateError("a knowledge cut-off date is required", text=repr(date))
    return np.datetime64(period.end, "ns")


# -- the ledger --------------------------------------------------------------------------------


class Ledger:
    """An immutable, columnar set of claims.

    Build one from :class:`Claim` objects, from a DataFrame (:meth:`from_frame`) or from a file
    (:meth:`read_csv`, :meth:`read_jsonl`, :meth:`read_parquet`). Unknown columns are refused
    (with the list of allowed ones) rather than dropped, so nothing is lost on a round trip.

    >>> Ledger().quantities
    ()
    """

    __slots__ = ("_frame",)

    def __init__(self, claims: Iterable[Claim] = ()) -> None:
        rows = [_claim_row(c) for c in claims]
        if rows:
            frame, errors = _validate(
                pd.DataFrame(rows, columns=list(CLAIM_COLUMNS)), where="claims"
            )
            assert not errors, errors  # Claim objects are already valid
            self._frame = frame
        else:
            self._frame = _empty_frame()

    @classmethod
    def _wrap(cls, frame: pd.DataFrame) -> Ledger:
        ledger = cls.__new__(cls)
        ledger._frame = frame
        return ledger

    @classmethod
    def from_claims(cls, claims: Iterable[Claim]) -> Ledger:
        """A ledger of ``claims`` (the same as ``Ledger(claims)``).

        >>> c = Claim(quantity="q", value=Range.exactly(1), source="s")
        >>> len(Ledger.from_claims([c, c]))
        1
        """
        return cls(claims)

    # -- pandas ---------------------------------------------------------------------------------

    @overload
    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, errors: Literal["raise"] = ..., where: str = ...
    ) -> Ledger: ...
    @overload
    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, errors: Literal["collect"], where: str = ...
    ) -> Collected: ...

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, errors: Errors = "raise", where: str = "DataFrame"
    ) -> Ledger | Collected:
        """A ledger from a DataFrame with the canonical columns (see :mod:`estimates.ledger.schema`).

        With ``errors="raise"`` (default) any bad row raises :class:`ClaimFileError` listing every
        bad row; with ``errors="collect"`` the good rows come back with the list of bad ones.

        >>> import pandas as pd
        >>> df = pd.DataFrame({"quantity": ["q", "q"], "low": [1, 5], "high": [2, 4], "source": ["a", "b"]})
        >>> got = Ledger.from_frame(df, errors="collect")
        >>> len(got.ledger), [str(e) for e in got.errors]
        (1, ["row 2, column 'low': low must not exceed high (4.0) (given 5.0)"])
        """
        if errors not in ("raise", "collect"):
            raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
        good, bad = _validate(frame, where=where)
        if errors == "raise":
            if bad:
                raise ClaimFileError(bad, where=where)
            return cls._wrap(good)
        return Collected(cls._wrap(good), tuple(bad))

    def to_frame(self) -> pd.DataFrame:
        """The claims as a DataFrame with the canonical columns (numbers NaN when not stated).

        >>> list(Ledger().to_frame().columns)[:4]
        ['quantity', 'text', 'low', 'best']
        """
        return _plain(self._frame.loc[:, list(CLAIM_COLUMNS)])

    @property
    def frame(self) -> pd.DataFrame:
        """The internal columns (canonical ones plus ``<date>_start``/``<date>_end`` as datetimes).

        A copy, with text as plain object columns (None where missing): changing it does not
        change the ledger.

        >>> "stated_on_end" in Ledger().frame.columns
        True
        """
        return _plain(self._frame)

    def _view(self) -> pd.DataFrame:
        """The ledger's own frame, without a copy: for the reconciliation core only.

        Sanctioned private access (``estimates.reconciliation.reconcile`` and ``estimates.reconciliation._core`` use it): the
        columns of :attr:`frame`, sorted by claim id, with the :data:`CATEGORY_COLUMNS` held as
        pandas categoricals (sorted categories, each one used by some row; missing = code -1).
        It shares the ledger's arrays (a shallow copy: pandas' copy-on-write copies a column
        only if the caller writes to it, so the ledger never changes).

        >>> led = Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")])
        >>> view = led._view()
        >>> view["source"].cat.codes.tolist()
        [0]
        >>> view.loc[0, "low"] = 5.0
        >>> led[0].value.low
        1.0
        """
        return self._frame.copy(deep=False)

    # -- reading and writing --------------------------------------------------------------------

    @overload
    @classmethod
    def read_csv(cls, path: PathOrBuffer, *, errors: Literal["raise"] = ...) -> Ledger: ...
    @overload
    @classmethod
    def read_csv(cls, path: PathOrBuffer, *, errors: Literal["collect"]) -> Collected: ...

    @classmethod
    def read_csv(cls, path: PathOrBuffer, *, errors: Errors = "raise") -> Ledger | Collected:
        """Read a UTF-8 claim CSV; rows are numbered from 1 after the header.

        Every cell is read as text first, so nothing is guessed or rounded by the CSV reader.

        >>> import io
        >>> Ledger.read_csv(io.StringIO("quantity,text,low,source\\nq,about 5,5,s\\n")).quantities
        ('q',)
        """
        where, text = _read_text(path)
        bad: list[BadRow] = []
        if not text:
            raise ClaimFileError(
                [BadRow(None, None, None, "the file is empty; a header row is required")],
                where=where,
            )
        header = _header(text)
        width = len(header)
        table = _fast_csv(text, header)
        if table is not None:
            del text  # the whole file as text is not needed past this point
            numbers = list(range(1, len(table) + 1))
            return cls._finish(table, numbers, bad, where=where, errors=errors)
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
        records = list(reader)
        numbers = [i for i, rec in enumerate(records, start=1) if len(rec) == width]
        if len(numbers) != len(records):
            for i, rec in enumerate(records, start=1):
                if rec and len(rec) != width:
                    reason = f"has {len(rec)} fields but the header has {width}"
                    bad.append(BadRow(i, None, ",".join(rec), reason))
            records = [rec for rec in records if len(rec) == width]
        columns = list(zip(*records, strict=True)) if records else [() for _ in header]
        if len(set(header)) == width:
            table = pd.DataFrame(
                {
                    name: np.array(col, dtype=object)
                    for name, col in zip(header, columns, strict=True)
                }
            )
        else:
            table = pd.DataFrame(columns=header)  # refused by the header check
        return cls._finish(table, numbers, bad, where=where, errors=errors)

    @classmethod
    def _finish(
        cls,
        table: pd.DataFrame,
        numbers: list[int],
        bad: list[BadRow],
        *,
        where: str,
        errors: Errors,
    ) -> Ledger | Collected:
        good, more = _validate(table.reset_index(drop=True), where=where)
        # _validate numbers rows 1..n in table order; map them back to the file's row numbers
        mapping = dict(enumerate(numbers, start=1))
        bad += [
            BadRow(
                mapping.get(e.row, e.row) if e.row is not None else None,
                e.column,
                e.value,
                e.reason,
            )
            for e in more
        ]
        bad.sort(key=lambda e: e.row or 0)
        if errors == "collect":
            return Collected(cls._wrap(good), tuple(bad))
        if bad:
            raise ClaimFileError(bad, where=where)
        return cls._wrap(good)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the claims as CSV (atomically: a temporary file renamed into place).

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.csv"
        >>> Ledger().to_csv(p)
        >>> p.read_text().splitlines()[0].split(",")[:3]
        ['quantity', 'text', 'low']
        """
        frame = self.to_frame()
        atomic_write(
            path,
            lambda tmp: frame.to_csv(
                tmp, index=False, na_rep="", lineterminator="\r\n", encoding="utf-8"
            ),
        )

    @overload
    @classmethod
    def read_jsonl(cls, path: PathOrBuffer, *, errors: Literal["raise"] = ...) -> Ledger: ...
    @overload
    @classmethod
    def read_jsonl(cls, path: PathOrBuffer, *, errors: Literal["collect"]) -> Collected: ...

    @classmethod
    def read_jsonl(cls, path: PathOrBuffer, *, errors: Errors = "raise") -> Ledger | Collected:
        """Read JSON Lines, one claim object per line (``null`` = not stated).

        >>> import io
        >>> Ledger.read_jsonl(io.StringIO('{"quantity": "q", "low": 1, "high": null, "source": "s"}\\n'))[0].value
        Range(low=1.0, best=None, high=None, closed='left', unit=None, convention=None)
        """
        where, text = _read_text(path)
        bad: list[BadRow] = []
        records: list[dict[str, Any]] = []
        numbers: list[int] = []
        for i, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_constant=_reject_constant)
            except ValueError as exc:
                bad.append(BadRow(i, None, line[:80], f"not a JSON object: {exc}"))
                continue
            if not isinstance(obj, dict):
                bad.append(BadRow(i, None, line[:80], "each line must be one JSON object"))
                continue
            records.append(obj)
            numbers.append(i)
        columns: list[str] = []
        for rec in records:
            columns.extend(k for k in rec if k not in columns)
        table = pd.DataFrame(
            {
                c: pd.Series([r.get(c) for r in records], dtype=object)
                for c in columns or CLAIM_COLUMNS
            }
        )
        return cls._finish(table, numbers, bad, where=where, errors=errors)

    def to_jsonl(self, path: str | os.PathLike[str]) -> None:
        """Write JSON Lines (atomically), ``null`` for what is not stated.

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.jsonl"
        >>> Ledger([Claim(quantity="q", value=Range.at_least(2), source="s")]).to_jsonl(p)
        >>> '"high": null' in p.read_text()
        True
        """
        frame = self.to_frame()
        names = list(frame.columns)
        columns = [frame[c].to_numpy(dtype=object) for c in names]

        def write(tmp: Path) -> None:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                for values in zip(*columns, strict=True):
                    rec = {
                        k: (None if (isinstance(v, float) and math.isnan(v)) else v)
                        for k, v in zip(names, values, strict=True)
                    }
                    fh.write(json.dumps(rec, ensure_ascii=False, allow_nan=False))
                    fh.write("\n")

        atomic_write(path, write)

    @overload
    @classmethod
    def read_parquet(
        cls, path: str | os.PathLike[str], *, errors: Literal["raise"] = ...
    ) -> Ledger: ...
    @overload
    @classmethod
    def read_parquet(
        cls, path: str | os.PathLike[str], *, errors: Literal["collect"]
    ) -> Collected: ...

    @classmethod
    def read_parquet(
        cls, path: str | os.PathLike[str], *, errors: Errors = "raise"
    ) -> Ledger | Collected:
        """Read a Parquet claim table (needs the ``parquet`` extra).

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.parquet"
        >>> Ledger().to_parquet(p); len(Ledger.read_parquet(p))
        0
        """
        pq = _pyarrow_parquet()
        table = pq.read_table(path).to_pandas()
        table = table.astype({c: object for c in table.columns if c not in NUMBER_COLUMNS})
        return cls._finish(
            table, list(range(1, len(table) + 1)), [], where=str(path), errors=errors
        )

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write a Parquet claim table (atomically; needs the ``parquet`` extra).

        >>> import tempfile, pathlib
        >>> Ledger().to_parquet(pathlib.Path(tempfile.mkdtemp()) / "x.parquet")
        """
        pq = _pyarrow_parquet()
        import pyarrow as pa

        frame = self.to_frame()
        schema = pa.schema(
            [(c, pa.float64() if c in NUMBER_COLUMNS else pa.string()) for c in frame.columns]
        )
        arrays = {
            c: (
                frame[c].to_numpy(dtype=float)
                if c in NUMBER_COLUMNS
                else frame[c].to_numpy(dtype=object)
            )
            for c in frame.columns
        }
        table = pa.table(
            {
                c: pa.array(arrays[c], type=schema.field(c).type, from_pandas=True)
                for c in frame.columns
            },
            schema=schema,
        )
        atomic_write(path, lambda tmp: pq.write_table(table, tmp))

    # -- queries --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._frame)

    def __iter__(self) -> Iterator[Claim]:
        for i in range(len(self._frame)):
            yield self[i]

    def __getitem__(self, i: int) -> Claim:
        """The ``i``-th claim (in canonical order, by claim id).

        >>> Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")])[0].source
        's'
        """
        return _row_claim(self._frame.iloc[i].to_dict())  # categorical blanks are NaN there

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return bool(self._frame["claim_id"].tolist() == other._frame["claim_id"].tolist())

    __hash__ = None  # type: ignore[assignment]

    def _repr_html_(self) -> str:
        from estimates.values._html import ledger_html  # the notebook face loads only in notebooks

        return ledger_html(self)

    def __repr__(self) -> str:
        return f"<Ledger: {len(self)} claims about {len(self.quantities)} quantities from {len(self.sources)} sources>"

    @property
    def quantities(self) -> tuple[str, ...]:
        """The quantities, sorted.

        >>> Ledger([Claim(quantity="b", value=Range.exactly(1), source="s"),
        ...         Claim(quantity="a", value=Range.exactly(1), source="s")]).quantities
        ('a', 'b')
        """
        return _names(self._frame["quantity"])

    @property
    def sources(self) -> tuple[str, ...]:
        """The raw source names, sorted.

        >>> Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")]).sources
        ('s',)
        """
        return _names(self._frame["source"])

    @property
    def claim_ids(self) -> tuple[str, ...]:
        """The claim ids, in canonical order.

        >>> Ledger().claim_ids
        ()
        """
        return tuple(self._frame["claim_id"].tolist())

    def known_on(self, date: object) -> Ledger:
        """The claims stated on or before ``date`` (a month or interval counts from its end).

        Claims without a ``stated_on`` are left out: nobody can say they were known by then.

        >>> c = Claim(quantity="q", value=Range.exactly(1), source="s", stated_on="2024-10")
        >>> len(Ledger([c]).known_on("2024-10-15")), len(Ledger([c]).known_on("2024-10-31"))
        (0, 1)
        """
        cut = _cutoff(date)
        end = self._frame["stated_on_end"].to_numpy()
        keep = ~pd.isna(end) & (end <= cut)
        return Ledger._wrap(_tidy(self._frame.loc[keep].reset_index(drop=True)))

    def select(
        self,
        quantity: str | Iterable[str] | None = None,
        *,
        source: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
    ) -> Ledger:
        """The claims matching every given filter (each a name or several).

        >>> c = Claim(quantity="q", value=Range.exactly(1), source="s", kind="flow")
        >>> len(Ledger([c]).select("q", kind="stock"))
        0
        """
        keep = np.ones(len(self._frame), dtype=bool)
        for column, wanted in (("quantity", quantity), ("source", source), ("kind", kind)):
            if wanted is None:
                continue
            names = [wanted] if isinstance(wanted, str) else list(wanted)
            if column == "kind":
                unknown = [k for k in names if k not in KINDS]
                if unknown:
                    raise ValueError(f"unknown kind(s) {unknown}; allowed: {', '.join(KINDS)}")
            keep &= self._frame[column].isin(names).to_numpy()
        return Ledger._wrap(_tidy(self._frame.loc[keep].reset_index(drop=True)))

    def merge(self, *others: Ledger) -> Ledger:
        """The union of this ledger and ``others`` (idempotent and commutative).

        >>> a = Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")])
        >>> b = Ledger([Claim(quantity="q", value=Range.exactly(2), source="s")])
        >>> a.merge(b) == b.merge(a) and len(a.merge(b, a)) == 2
        True
        """
        frames = [self._frame, *(o._frame for o in others)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return Ledger._wrap(_empty_frame())
        if len(frames) == 1:
            return Ledger._wrap(frames[0])
        return Ledger._wrap(_canonical(_concat(frames)))

    def add(self, *claims: Claim) -> Ledger:
        """A new ledger with ``claims`` added.

        >>> len(Ledger().add(Claim(quantity="q", value=Range.exactly(1), source="s")))
        1
        """
        return self.merge(Ledger(claims))

    def summary(self) -> pd.DataFrame:
        """One row per quantity: claims, sources, first and last stated_on, envelope, unit.

        The envelope runs from the lowest stated figure (low, else best) to the highest (high,
        else best); a claim unbounded on a side (no bound and no best) makes it ``-inf``/``inf``.

        >>> c = Claim(quantity="q", value=Range.between(1, 2), source="s", stated_on="2024-01-02")
        >>> print(Ledger([c]).summary()[["quantity", "claims", "low", "high"]].to_string(index=False))
        quantity  claims  low  high
               q       1  1.0   2.0
        """
        f = _plain(self._frame)
        lo = f["low"].fillna(f["best"]).fillna(-np.inf)
        hi = f["high"].fillna(f["best"]).fillna(np.inf)
        g = f.assign(_lo=lo, _hi=hi).groupby("quantity", sort=True)
        return pd.DataFrame(
            {
                "claims": g.size(),
                "sources": g["source"].nunique(),
                "first_stated_on": g["stated_on_start"].min().dt.date,
                "last_stated_on": g["stated_on_end"].max().dt.date,
                "low": g["_lo"].min(),
                "high": g["_hi"].max(),
                "unit": g["unit"].agg(_join_names),
                "kinds": g["kind"].agg(lambda s: ", ".join(sorted(set(s)))),
            }
        ).reset_index()


# -- helpers -----------------------------------------------------------------------------------


def _header(text: str) -> list[str]:
    """The header row of a CSV text, read from its start only.

    A text buffer over the whole file would hold four bytes per character; the header needs
    only the first line (or the first few, when a quoted name spans lines).
    """
    size = 1 << 16
    while True:
        head = io.StringIO(text[:size], newline="")
        header = next(csv.reader(head), [])
        if head.tell() < min(size, len(text)) or size >= len(text):
            return header
        size *= 4


def _fast_csv(text: str, header: list[str]) -> pd.DataFrame | None:
    """The whole table through pyarrow's CSV reader, when it can read it exactly; else None.

    pyarrow refuses any row whose field count differs from the header's, and reads every cell as
    text; the caller then falls back to the csv module, which reports each such row. Files with
    blank lines also take that path, so row numbers count the same way in both.
    """
    if len(set(header)) != len(header) or "\n\n" in text or "\n\r\n" in text:
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return None
    data = text.encode("utf-8")
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column_names != header:
        return None
    del data
    columns: dict[str, Any] = {}
    for name in header:
        cells = table.column(name).combine_chunks()
        numbers = _arrow_numbers(cells) if name in NUMBER_COLUMNS else None
        if numbers is not None:
            columns[name] = numbers
        elif name in NUMBER_COLUMNS:
            columns[name] = cells.to_numpy(zero_copy_only=False)  # read cell by cell
        else:
            # each distinct text once (a dictionary), the rows as integer codes: no Python
            # string per cell
            encoded = cells.dictionary_encode()
            names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            columns[name] = pd.Categorical.from_codes(
                codes, dtype=pd.CategoricalDtype(pd.Index(names, dtype=object))
            )
    return pd.DataFrame(columns)


def _arrow_numbers(cells: Any) -> FloatArray | None:
    """A text column of plain decimal numbers as floats (blank = NaN), or None when some cell
    needs the careful reading (thousands separators, spaces, NaN or infinity, not a number).

    Arrow's text-to-number conversion rounds correctly, as ``float()`` does.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = pc.equal(cells, "")
    try:
        values = pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), cells), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    arr = np.asarray(values.to_numpy(zero_copy_only=False), dtype=float)
    stated = ~np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    if not np.isfinite(arr[stated]).all():
        return None
    return arr


def _names(series: pd.Series[Any]) -> tuple[str, ...]:
    """The distinct names of a text column, sorted (a categorical's used categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = np.unique(codes[codes >= 0])
        return tuple(str(x) for x in np.asarray(series.cat.categories, dtype=object)[used])
    return tuple(sorted({str(x) for x in series.tolist() if isinstance(x, str)}))


def _join_names(values: pd.Series[Any]) -> str | None:
    return ", ".join(sorted({str(u) for u in values if u is not None})) or None


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a figure; use null for an unbounded side")


def _read_text(path: PathOrBuffer) -> tuple[str, str]:
    if hasattr(path, "read"):
        data = path.read()
        where = str(getattr(path, "name", ""))
        if isinstance(data, bytes):
            return where, _decode(data, where)
        return where, str(data)
    where = str(path)
    return where, _decode(Path(path).read_bytes(), where)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    bad: list[BadRow] = []
    for i, line in enumerate(data.split(b"\n")):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad.append(
                BadRow(
                    i if i else None,
                    None,
                    line[max(0, exc.start - 10) : exc.end + 10],
                    f"not UTF-8 (byte {exc.start}); save the file as UTF-8",
                )
            )
    raise ClaimFileError(bad, where=where)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("pyarrow", "parquet") from exc
    return pq


def _claim_row(c: Claim) -> dict[str, Any]:
    v = c.value
    return {
        "quantity": c.quantity, "text": c.text, "low": v.low, "best": v.best, "high": v.high,
        "closed": v.closed, "unit": v.unit, "convention": v.convention, "source": c.source,
        "via": ";".join(c.via) or None, "stated_on": _s(c.stated_on), "as_of": _s(c.as_of),
        "since": _s(c.since), "kind": c.kind, "hedge": c.hedge, "confidence": c.confidence,
        "reliability": c.reliability, "url": c.url, "quote": c.quote, "note": c.note, "claim_id": None,
    }  # fmt: skip


def _s(p: Period | None) -> str | None:
    return None if p is None else str(p)


def _row_claim(cells: Mapping[Any, Any]) -> Claim:
    def num(x: Any) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    # a blank cell of a categorical column reads as NaN: text fields take None
    row = {
        k: (None if k not in NUMBER_COLUMNS and isinstance(v, float) and math.isnan(v) else v)
        for k, v in cells.items()
    }

    value = Range(
        low=num(row["low"]), best=num(row["best"]), high=num(row["high"]), closed=row["closed"],
        unit=row["unit"], convention=row["convention"],
    )  # fmt: skip
    return Claim(
        quantity=row["quantity"], value=value, text=row["text"], source=row["source"],
        via=row["via"], stated_on=row["stated_on"], as_of=row["as_of"], since=row["since"],
        kind=row["kind"], hedge=row["hedge"], confidence=num(row["confidence"]),
        reliability=row["reliability"], url=row["url"], quote=row["quote"], note=row["note"],
    )  # fmt: skip
