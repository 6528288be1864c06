"""The one validation path for claims, however they enter: a table of raw cells in, the
ledger's canonical frame and every bad row out.

``Ledger(claims)``, ``Ledger.from_frame``, the file readers, the pandas accessor, the command line
and a DataFrame given to ``reconcile`` all call :func:`validate_claims`; a reader of another
kind (a Dask partition, a database cursor) should call it too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import BadRow, ClaimFileError, DateError, OptionError, ParseError, UnitError
from estimates.ledger._frame import (
    FRAME_COLUMNS,
    ObjArray,
    as_column,
    canonical,
    categorical,
    frame_claim_ids,
)
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
from estimates.values.vocabulary import CLOSED, GRADES

FloatArray = npt.NDArray[np.float64]
Errors = Literal["raise", "collect"]

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


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


def validate_claims(
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
    out["closed"] = _choice_column(col("closed"), n, "closed", CLOSED, "both", rows, errors)[0]
    keep("kind", _choice_column(col("kind"), n, "kind", KINDS, "stock", rows, errors))
    keep(
        "reliability",
        _choice_column(col("reliability"), n, "reliability", GRADES, None, rows, errors),
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
    lvl = out["level"]
    for i in np.flatnonzero(~np.isnan(lvl) & ((lvl <= 0) | (lvl >= 1))):
        errors.append(
            BadRow(
                int(rows[i]),
                "level",
                lvl[i],
                "must be a probability strictly between 0 and 1 (an expert's 5-95 % range is 0.9)",
            )
        )

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
    closed_names = np.array(sorted(CLOSED), dtype=object)  # both, left, neither, right
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
            return pd.Series(categorical(row_codes, np.asarray(names, dtype=object)))
        return as_column(out[name] if everyone else out[name][good], name)

    frame = pd.DataFrame({name: column(name) for name in FRAME_COLUMNS if name != "claim_id"})
    # the per-row working arrays are done with: a million rows hold ~8 MB per column
    out.clear()
    coded.clear()
    frame["claim_id"] = pd.Series(frame_claim_ids(frame), dtype=object)
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
    return canonical(frame), errors


def claim_row(c: Claim) -> dict[str, Any]:
    v = c.value
    return {
        "quantity": c.quantity, "text": c.text, "low": v.low, "best": v.best, "high": v.high,
        "closed": v.closed, "unit": v.unit, "convention": v.convention, "source": c.source,
        "via": ";".join(c.via) or None, "stated_on": _s(c.stated_on), "as_of": _s(c.as_of),
        "since": _s(c.since), "kind": c.kind, "hedge": c.hedge, "confidence": c.confidence,
        "reliability": c.reliability, "level": c.level, "url": c.url, "quote": c.quote, "note": c.note, "claim_id": None,
    }  # fmt: skip


def _s(p: Period | None) -> str | None:
    return None if p is None else str(p)


def check_errors(errors: object) -> None:
    """Refuse an ``errors=`` word other than ``"raise"`` and ``"collect"``.

    >>> check_errors("collect")
    """
    if errors not in ("raise", "collect"):
        raise OptionError("errors", message=f"errors must be 'raise' or 'collect', got {errors!r}")
