"""The one validation path for claims, however they enter: a table of raw cells in, the
ledger's canonical frame and every bad row out.

``Ledger(claims)``, ``Ledger.from_frame``, the file readers, the pandas accessor, the command line
and a DataFrame given to ``reconcile`` all call :func:`validate_claims`; a reader of another
kind (a Dask partition, a database cursor) should call it too.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import (
    BadRow,
    ClaimFileError,
    OptionError,
    did_you_mean,
)
from estimates.ledger._cells import (
    _NAME,
    _OUTLET,
    _TEXT,
    FloatArray,
    _choice_column,
    _Columns,
    _date_column,
    _per_value,
    _stated,
    _text_check,
    _unit_check,
)
from estimates.ledger._figures import _fast_numbers
from estimates.ledger._frame import (
    FRAME_COLUMNS,
    ID_ORDER,
    ObjArray,
    as_column,
    categorical,
    sorted_codes,
    used_only,
)
from estimates.ledger._ids import (
    Field,
    digests,
    fold,
    id_column,
    id_texts,
    key_order,
    number_hashes,
    text_hashes,
)
from estimates.ledger._words import read_words
from estimates.ledger.claims import KINDS, Claim, join_via, split_via
from estimates.ledger.schema import (
    CLAIM_COLUMNS,
    DATE_COLUMNS,
    NUMBER_COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
)
from estimates.values import units as _units
from estimates.values import words as _words
from estimates.values.dates import Period
from estimates.values.ranges import RANGE_RULES
from estimates.values.vocabulary import CLOSED, GRADES

Errors = Literal["raise", "collect"]


# -- the validation engine ---------------------------------------------------------------------


def validate_claims(
    table: pd.DataFrame, *, where: str, first_row: int = 1, convention: str | None = None
) -> tuple[pd.DataFrame, list[BadRow]]:
    """Check and normalise a raw claim table; return the good rows (canonical frame) and the bad.

    This is the one way claims enter a ledger: ``Ledger(claims)``, ``Ledger.from_frame``, the
    file readers, the pandas accessor, the command line and a DataFrame given to ``reconcile``
    all call it, and so should any other reader (a Dask partition: pass ``first_row`` so that
    rows are numbered as in the whole table). Raises :class:`ClaimFileError` for a header that
    cannot be read (missing, unknown or repeated columns); reports every bad row otherwise.

    A row with ``text`` and no figure (no low, best or high, and no ``closed``) is read from its
    words, under the row's ``convention`` or else ``convention`` (default: the parser's).

    >>> import pandas as pd
    >>> good, bad = validate_claims(pd.DataFrame({"quantity": ["q", "q"], "text": ["about 5", "x"],
    ...                                           "source": ["s", "s"]}), where="demo")
    >>> len(good), [str(e) for e in bad]
    (1, ["row 2, column 'text': cannot read the figure: ..."])
    """
    _check_header([str(c) for c in table.columns], where)

    n = len(table)
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    errors: list[BadRow] = []

    coded, out, closed, ids = _check_cells(table, rows, errors)
    _check_rows(table, coded, out, closed, rows, errors, convention)

    bad_rows = {e.row for e in errors}
    keep_rows = np.flatnonzero([int(r) not in bad_rows for r in rows]) if bad_rows else np.arange(n)
    keys = _claim_keys(coded, out, None if keep_rows.size == n else keep_rows)
    keep_rows, keys = _check_given_ids(ids.codes, ids.table, keep_rows, keys, rows, errors)
    frame = _canonical_frame(coded, out, keep_rows, keys)
    # the per-row working arrays are done with: a million rows hold ~8 MB per column
    out.clear()
    coded.clear()
    errors.sort(
        key=lambda e: (
            e.row or 0,
            CLAIM_COLUMNS.index(e.column) if e.column in CLAIM_COLUMNS else -1,
        )
    )
    return frame, errors


class _Coded(NamedTuple):
    """A text column as codes (-1 = missing) into a table of its normalised values."""

    codes: npt.NDArray[np.intp]
    table: ObjArray


def _check_cells(
    table: pd.DataFrame, rows: npt.NDArray[np.int64], errors: list[BadRow]
) -> tuple[dict[str, tuple[npt.NDArray[np.intp], ObjArray]], _Columns, _Coded, _Coded]:
    """Every cell checked and normalised, column by column (each distinct value once).

    Returns the text columns as codes into their values (``coded``), the per-row columns
    (``out``: figures, day bounds, and a coded column spelled out when a step reads it), and
    the ``closed`` and ``claim_id`` cells as given (codes into their checked values); each bad
    cell is added to ``errors``.
    """
    n = len(table)

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
        got = _per_value(
            col(name), n, _text_check(True), name, rows, errors, values=False,
            unchanged=_NAME,
        )  # fmt: skip
        keep(name, got)
        codes, normalised = coded[name]
        blank = np.asarray(pd.isna(normalised), dtype=bool)
        if not blank[:-1].any() and (not codes.size or codes.min() >= 0):
            continue  # every row names one (code -1, the last entry, is a missing cell)
        reported = {e.row for e in errors if e.column == name}
        for i in np.flatnonzero(blank[codes]):
            if int(rows[i]) not in reported:
                errors.append(BadRow(int(rows[i]), name, None, "required: must not be blank"))
    for name in TEXT_COLUMNS:
        check = _text_check(False)
        got = _per_value(col(name), n, check, name, rows, errors, values=False, unchanged=_TEXT)
        keep(name, got)

    def via_check(x: object) -> object:
        got = _text_check(False)(x)
        if not isinstance(got, str):
            return got
        return join_via(split_via(got))

    got = _per_value(col("via"), n, via_check, "via", rows, errors, values=False, unchanged=_OUTLET)
    keep("via", got)
    for name in NUMBER_COLUMNS:
        out[name] = _fast_numbers(col(name), n, name, rows, errors)
    _, closed_codes, closed_table = _choice_column(
        col("closed"), n, "closed", CLOSED, "both", rows, errors
    )
    keep("kind", _choice_column(col("kind"), n, "kind", KINDS, "stock", rows, errors))
    keep(
        "reliability",
        _choice_column(col("reliability"), n, "reliability", GRADES, None, rows, errors),
    )
    check = _text_check(True)
    keep(
        "convention",
        _per_value(
            col("convention"), n, check, "convention", rows, errors, values=False, unchanged=_NAME
        ),
    )
    keep("unit", _per_value(col("unit"), n, _unit_check, "unit", rows, errors, values=False))
    for name in DATE_COLUMNS:
        start, end, codes, text = _date_column(col(name), n, name, rows, errors)
        coded[name] = (codes, text)
        # the instants of each row read from the tables only when a step needs them
        out.later[f"{name}_start"] = (codes, start)
        out.later[f"{name}_end"] = (codes, end)
    _, id_codes, id_table = _per_value(
        col("claim_id"), n, _text_check(True), "claim_id", rows, errors, values=False,
        unchanged=_NAME,
    )  # fmt: skip

    return coded, out, _Coded(closed_codes, closed_table), _Coded(id_codes, id_table)


def _check_rows(
    table: pd.DataFrame,
    coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]],
    out: _Columns,
    closed: _Coded,
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
    convention: str | None,
) -> None:
    """The rules across the cells of a row: confidence and level in range, figures read from
    words where a row gives none, ``closed`` normalised, the range rules and ``since``."""
    n = len(table)

    def col(name: str) -> pd.Series[Any] | None:
        return table[name] if name in table.columns else None

    closed_codes, closed_table = closed
    low, best, high = out["low"], out["best"], out["high"]
    conf = out["confidence"]
    for i in np.flatnonzero((conf < 0) | (conf > 1)):  # NaN (not stated) compares False
        errors.append(BadRow(int(rows[i]), "confidence", conf[i], "must be a number in [0, 1]"))
    lvl = out["level"]
    for i in np.flatnonzero((lvl <= 0) | (lvl >= 1)):
        errors.append(
            BadRow(
                int(rows[i]),
                "level",
                lvl[i],
                "must be a probability strictly between 0 and 1 (an expert's 5-95 % range is 0.9)",
            )
        )

    # Rows stated only in words: read them with the parser (numbers, when given, win).
    _, stated_codes, stated = _per_value(
        col("closed"), n, _stated, "closed", rows, [], values=False
    )
    words = np.isnan(low) & np.isnan(best) & np.isnan(high) & ~stated.astype(bool)[stated_codes]
    left, right = _closed_sides(
        closed_codes, closed_table, words, coded, out, rows, errors, convention
    )
    # An unbounded side is open: normalise ``closed`` as Range does.
    left &= ~np.isnan(low)
    right &= ~np.isnan(high)
    closed_names = np.array(sorted(CLOSED), dtype=object)  # both, left, neither, right
    # 0 both, 1 left, 2 neither, 3 right: 2 - left + right - 2 * left * right, in bytes
    sides = left.view(np.int8), right.view(np.int8)
    closed_codes = 2 - sides[0] + sides[1] - 2 * (sides[0] & sides[1])
    coded["closed"] = (closed_codes.astype(np.int8, copy=False), closed_names)
    out.pop("closed", None)  # spelled out again from the codes when a step reads it

    unit_codes, unit_table = coded.get("unit") or pd.factorize(out["unit"], use_na_sentinel=True)
    unit_names = list(unit_table)
    counted = np.array(
        [isinstance(u, str) and _units.is_count(u) for u in unit_names] + [False], dtype=bool
    )
    _check_range_rules(low, best, high, left, right, counted[unit_codes], out, rows, errors)
    since = out["since_start"]
    if since.size and pd.isna(since[:1]).all() and pd.isna(since).all():
        return  # no row states since
    ref_end = np.where(pd.isna(out["as_of_end"]), out["stated_on_end"], out["as_of_end"])
    late = ~pd.isna(since) & ~pd.isna(ref_end) & (since > ref_end)
    for i in np.flatnonzero(late):
        errors.append(
            BadRow(
                int(rows[i]),
                "since",
                out["since"][i],
                f"since is after the moment the figure describes ({out['as_of'][i] or out['stated_on'][i]})",
            )
        )


def _check_given_ids(
    id_codes: npt.NDArray[np.intp],
    id_table: ObjArray,
    keep_rows: npt.NDArray[np.intp],
    keys: npt.NDArray[np.uint64],
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint64]]:
    """Report each claim id given that is not the claim's own; the rows and keys without them."""
    if pd.isna(id_table).all():  # no claim id given (or none readable: already reported)
        return keep_rows, keys
    given = id_table[id_codes[keep_rows]]
    has_id = np.flatnonzero(~pd.isna(given))
    if not has_id.size:
        return keep_rows, keys
    derived = id_texts(keys[has_id])
    wrong = given[has_id] != derived
    for i, own in zip(has_id[wrong], derived[wrong], strict=True):
        errors.append(
            BadRow(
                int(rows[keep_rows[i]]),
                "claim_id",
                given[i],
                f"does not match the claim's content (its id is {own}); leave it blank to derive it",
            )
        )
    right = np.ones(keep_rows.size, dtype=bool)
    right[has_id[wrong]] = False
    return keep_rows[right], keys[right]


def _canonical_frame(
    coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]],
    out: _Columns,
    keep_rows: npt.NDArray[np.intp],
    keys: npt.NDArray[np.uint64],
) -> pd.DataFrame:
    """The ledger's frame of the rows ``keep_rows`` (in increasing order; their claim keys
    ``keys``), built once in the ledger's order: by claim id (16 hex digits sort as their keys
    do), each id once.

    The result is what :func:`~estimates.ledger._frame.canonical` gives for the same rows.
    """
    # rows with equal keys are equal in every field: which one of them is kept does not matter
    order = key_order(keys)
    keys = keys[order]
    first = np.ones(keys.size, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    if not first.all():
        order, keys = order[first], keys[first]
    # every row kept (rows 0 to n - 1): the order is the rows to take
    every = not keep_rows.size or keep_rows[-1] == keep_rows.size - 1
    take = order if every else keep_rows[order]
    # a column no row states is one array of NaN (or NaT) shared by every such column, and a
    # text column of one value in every row has the codes of every such column (the frame's
    # arrays are read-only)
    blanks: dict[np.dtype[Any], pd.Series[Any]] = {}
    same: dict[int, npt.NDArray[np.int8]] = {}
    # the codes of the kept rows, gathered once per column of codes (a date's text and its
    # instants share theirs)
    gathered: dict[int, npt.NDArray[Any]] = {}

    def kept(codes: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if id(codes) not in gathered:
            gathered[id(codes)] = codes[take]
        return gathered[id(codes)]

    def column(name: str) -> pd.Series[Any]:
        if name in coded:
            codes, table = coded[name]
            if _constant(codes):  # one value for every row (a column not given): no gather
                value = table[codes[0]] if codes.size else None
                names = np.array([] if pd.isna(value) or not take.size else [value], dtype=object)
                if names.size not in same:  # code -1 (no value) or 0 (the one value)
                    same[names.size] = np.full(take.size, names.size - 1, dtype=np.int8)
                row_codes = same[names.size]
            else:
                table_codes, names = sorted_codes(table)
                small = table_codes.astype(np.min_scalar_type(-max(names.size, 1)), copy=False)
                if (
                    small.size == names.size + 1
                    and small[-1] == -1
                    and (small[:-1] == np.arange(names.size)).all()
                ):
                    # the table is its sorted names and the missing entry: the codes are theirs
                    row_codes = kept(codes).astype(small.dtype, copy=False)
                else:
                    row_codes = small[kept(codes)]
                row_codes, names = used_only(row_codes, names)
            return pd.Series(categorical(row_codes, names), copy=False)
        if name in out.later and name not in out:  # instants no step spelled out, by code
            codes, instants = out.later[name]
            if _constant(codes):
                values = np.broadcast_to(instants[codes[0] if codes.size else -1], take.shape)
            else:
                values = instants[kept(codes)]
            if pd.isna(values[:1]).all() and pd.isna(values).all():
                return blank(values, name)
            return as_column(values if values.flags.writeable else values.copy(), name)
        values = out[name]
        if values.dtype.kind in "fM" and pd.isna(values[:1]).all() and pd.isna(values).all():
            return blank(values, name)
        return as_column(values[take], name)

    def blank(values: npt.NDArray[Any], name: str) -> pd.Series[Any]:
        if values.dtype not in blanks:
            blanks[values.dtype] = as_column(
                np.full(take.size, values[0] if values.size else np.nan), name
            )
        return pd.Series(blanks[values.dtype].array, copy=False)

    columns = {name: column(name) for name in FRAME_COLUMNS if name != "claim_id"}
    columns["claim_id"] = id_column(keys)
    # the columns are new arrays: kept as they are, not copied into blocks of one dtype
    return pd.DataFrame(columns, copy=False)


def _constant(codes: npt.NDArray[Any]) -> bool:
    """Whether every row has the same code (a broadcast code, or all equal)."""
    return codes.size == 0 or codes.strides[0] == 0 or bool((codes == codes[0]).all())


def _claim_keys(
    coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]],
    out: dict[str, Any],
    take: npt.NDArray[np.intp] | None,
) -> npt.NDArray[np.uint64]:
    """The claim key of each row in ``take`` (None: every row), from the checked columns: the
    fields of :data:`~estimates.ledger._frame.ID_ORDER` hashed as
    :func:`~estimates.ledger._frame.frame_claim_ids` hashes the frame they make, a text column
    kept as codes digesting each of its distinct texts once."""

    def rows(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if take is None else values[take]

    hashes: list[Field] = []
    n = 0
    for name in ID_ORDER:
        if name in NUMBER_COLUMNS:
            values = rows(out[name])
            n = values.size
            hashes.append(number_hashes(values))
        elif name in coded:
            codes, table = coded[name]
            per_value = digests(list(table))
            if codes.size and _constant(codes):
                hashes.append(per_value[codes[0]])
            else:
                # code -1 (missing) reads the table's last entry, the digest of None
                hashes.append((per_value, rows(codes)))
        else:
            hashes.append(text_hashes(rows(np.asarray(out[name], dtype=object))))
    return fold(hashes, [rows(out["level"])], n=n)


def claim_row(c: Claim) -> dict[str, Any]:
    v = c.value
    return {
        "quantity": c.quantity, "text": c.text, "low": v.low, "best": v.best, "high": v.high,
        "closed": v.closed, "unit": v.unit, "convention": v.convention, "source": c.source,
        "via": join_via(c.via), "stated_on": _s(c.stated_on), "as_of": _s(c.as_of),
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


def _check_header(columns: list[str], where: str) -> None:
    """Refuse a header without the required columns, with unknown or repeated ones; each
    problem with a hint (a column in other case, a near miss, a file split by ``;``)."""
    header: list[BadRow] = []
    found = ", ".join(columns) or "none"
    hint = ""
    if len(columns) == 1 and ";" in columns[0]:
        hint = "; the header is one column holding ';': separate the columns with ',' instead"
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            reason = f"required column is missing (columns found: {found}){hint}"
            header.append(BadRow(None, name, None, reason))
    if not any(c in columns for c in ("text", "low", "best", "high")):
        reason = "a claim table needs a text column or at least one of low, best, high"
        header.append(BadRow(None, "text", None, reason))
    if not hint:
        for name in (c for c in columns if c not in CLAIM_COLUMNS):
            near = did_you_mean(name, CLAIM_COLUMNS)
            if near is not None and near.lower() == name.lower():
                advice = f"did you mean {near!r}? column names are lower case"
            elif near is not None:
                advice = f"did you mean {near!r}?"
            else:
                advice = "put other facts in 'note'"
            reason = f"unknown column; {advice} (allowed: {', '.join(CLAIM_COLUMNS)})"
            header.append(BadRow(None, name, None, reason))
    if len(set(columns)) != len(columns):
        header.append(BadRow(None, None, None, "a column name appears twice"))
    if header:
        raise ClaimFileError(header, where=where)


def _closed_sides(
    closed_codes: npt.NDArray[np.intp],
    closed_table: ObjArray,
    words: npt.NDArray[np.bool_],
    coded: dict[str, tuple[npt.NDArray[np.intp], ObjArray]],
    out: dict[str, Any],
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
    convention: str | None,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which ends each row's ``closed`` closes, after reading the rows given in ``words`` (their
    figure, closed, unit, convention and note set in ``out``)."""
    # per distinct value of ``closed``, then per row
    closes_left = np.array([c in ("both", "left") for c in closed_table], dtype=bool)
    closes_right = np.array([c in ("both", "right") for c in closed_table], dtype=bool)
    left, right = closes_left[closed_codes], closes_right[closed_codes]
    if not words.any():
        return left, right
    out["closed"] = closed_table[closed_codes]
    for name in ("unit", "convention"):
        # changed row by row: spelled out, and stored from the values instead
        out[name] = out[name]
        coded.pop(name, None)
    out["note"] = out["note"]  # a note may say how a text with two readings was read
    which = np.flatnonzero(words)
    read_words(which, out, rows, errors, convention)
    coded["note"] = _recoded(out.pop("note"))
    read = out["closed"][which]
    left[which] = np.isin(read, ("both", "left"))
    right[which] = np.isin(read, ("both", "right"))
    return left, right


def _recoded(values: ObjArray) -> tuple[npt.NDArray[np.intp], ObjArray]:
    """A text column as codes into a table of its values (the last entry, None, for code -1)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = list(uniques)
    return codes.astype(np.intp, copy=False), table


def _check_range_rules(
    low: FloatArray,
    best: FloatArray,
    high: FloatArray,
    left: npt.NDArray[np.bool_],
    right: npt.NDArray[np.bool_],
    count: npt.NDArray[np.bool_],
    out: dict[str, Any],
    rows: npt.NDArray[np.int64],
    errors: list[BadRow],
) -> None:
    """Every rule of :data:`~estimates.values.ranges.RANGE_RULES` on every row at once (the
    rules a :class:`Range` checks on itself), each broken one reported with its row."""
    figures = {"low": low, "best": best, "high": high}
    for rule in RANGE_RULES:
        for i in np.flatnonzero(rule.broken(low, best, high, left, right, count)):
            lo, b, hi = (None if np.isnan(x[i]) else float(x[i]) for x in (low, best, high))
            closed = out["closed"][i]
            interval = (
                f"{'[' if left[i] else '('}{'-inf' if lo is None else _words.number(lo, exact=True)}"
                f", {'inf' if hi is None else _words.number(hi, exact=True)}"
                f"{']' if right[i] else ')'}"
            )
            field = figures.get(rule.field)
            value = closed if field is None else float(field[i])
            ctx = {"low": lo, "best": b, "high": hi, "closed": closed, "unit": out["unit"][i],
                   "field": rule.field, "value": value, "interval": interval}  # fmt: skip
            errors.append(BadRow(int(rows[i]), rule.field, value, rule.message.format(**ctx)))
