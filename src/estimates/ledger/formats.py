"""The claim file formats: CSV, JSON Lines and Parquet, read into raw tables and written from
a ledger's frame (atomically).

Readers return the raw table with the file's row number of each row and the rows that could not
be read at all; :func:`estimates.ledger.validation.validate_claims` checks the rest.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import contextlib
import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import BadRow, ClaimFileError, InvalidValueError, MissingExtraError
from estimates.ledger._io import atomic_write
from estimates.ledger.schema import CLAIM_COLUMNS, NUMBER_COLUMNS

PathOrBuffer = str | os.PathLike[str] | IO[str]

__all__ = [
    "RawTable",
    "read_csv_table",
    "read_jsonl_table",
    "read_parquet_table",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]


class RawTable(NamedTuple):
    """A claim table as read from a file, before any cell is checked.

    ``numbers`` gives the file's row number (from 1, after the header) of each row of ``table``;
    ``bad`` the rows that could not be read into the table at all.
    """

    table: pd.DataFrame
    numbers: Sequence[int]
    bad: list[BadRow]
    where: str


# -- CSV ------------------------------------------------------------------------------------------


def read_csv_table(path: PathOrBuffer) -> RawTable:
    """The cells of a UTF-8 claim CSV, every one as text.

    The file is read as bytes by pyarrow's CSV reader when it can read it exactly (the text
    columns dictionary-encoded: each distinct text once), else by the csv module, which reports
    each row it cannot read.

    >>> import io
    >>> read_csv_table(io.StringIO("quantity,low,source\\nq,12,s\\n")).table["low"].tolist()
    ['12']
    """
    where, data, given = _read_bytes(path)
    if not data:
        raise ClaimFileError(
            [BadRow(None, None, None, "the file is empty; a header row is required")],
            where=where,
        )
    header = _header(data)
    unreadable = [h for h in header if not _utf8(h)]
    if unreadable:
        reason = "the header is not UTF-8; save the file as UTF-8"
        raise ClaimFileError([BadRow(None, None, unreadable[0], reason)], where=where)
    table = _fast_csv(data, header)
    if table is not None:
        del data, given  # the file is not needed past this point
        return RawTable(table, range(1, len(table) + 1), [], where)
    text = given if given is not None else _decode(data, where)
    del data
    return _careful_csv(text, header, where)


def _careful_csv(text: str, header: list[str], where: str) -> RawTable:
    """The table through the csv module, row by row: every row whose field count differs from
    the header's is reported (blank lines are skipped but counted)."""
    bad: list[BadRow] = []
    width = len(header)
    with _no_field_limit():
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
                name: pd.Series(np.array(col, dtype=object), dtype=object)
                for name, col in zip(header, columns, strict=True)
            }
        )
    else:
        table = pd.DataFrame(columns=header)  # refused by the header check
    return RawTable(_unguarded(table), numbers, bad, where)


# A cell a spreadsheet would run as a formula starts with one of these; written with a leading
# "'" (which a spreadsheet shows as text), and a cell that itself starts with "'" gets one more,
# so that reading drops exactly one "'" from every cell that starts with "'" and one of these.
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "'")
_GUARDED = re.compile("^'[=+\\-@\t\r']")


def _guarded(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would execute led by a ``'``."""
    out = frame.copy()
    for name in frame.columns:
        if name in NUMBER_COLUMNS:
            continue
        values = frame[name].to_numpy(dtype=object)
        lead = np.array(
            [isinstance(v, str) and v.startswith(_FORMULA_LEADS) for v in values], dtype=bool
        )
        if lead.any():
            values = values.copy()
            values[lead] = ["'" + v for v in values[lead]]
            out[name] = pd.Series(values, dtype=object, index=frame.index)
    return out


def _unguarded(table: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`_guarded`: drop the ``'`` before a spreadsheet's formula lead."""
    if not table.columns.is_unique:
        return table  # refused by the header check
    for name in table.columns:
        if name in NUMBER_COLUMNS:
            continue
        column = table[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            names = [str(x) for x in column.cat.categories]
            if any(_GUARDED.match(x) for x in names):
                fixed = [x[1:] if _GUARDED.match(x) else x for x in names]
                # "'=x" and "=x" in one column are one text once unguarded
                renumber, distinct = pd.factorize(np.array(fixed, dtype=object))
                codes = column.cat.codes.to_numpy()
                table[name] = pd.Categorical.from_codes(
                    np.where(codes >= 0, renumber[codes], -1),
                    dtype=pd.CategoricalDtype(pd.Index(distinct, dtype=object)),
                )
            continue
        values = column.to_numpy(dtype=object)
        hit = [i for i, v in enumerate(values) if isinstance(v, str) and _GUARDED.match(v)]
        if hit:
            values = values.copy()
            values[hit] = [values[i][1:] for i in hit]
            # kept as objects: a string dtype would refuse a lone surrogate (a byte that is
            # not UTF-8, which the validation reports with its row)
            table[name] = pd.Series(values, dtype=object, index=table.index)
    return table


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a claim table as CSV, atomically; a text cell that a spreadsheet would run
    (``=HYPERLINK(...)``, ``+cmd``, ``@SUM(...)``, a leading tab) is led by ``'``, which
    :func:`read_csv_table` drops again.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> write_csv(pd.DataFrame({"quantity": ["q"]}), p); p.read_text().split()
    ['quantity', 'q']
    """
    guarded = _guarded(frame)
    atomic_write(
        path,
        lambda tmp: guarded.to_csv(
            tmp, index=False, na_rep="", lineterminator="\r\n", encoding="utf-8"
        ),
    )


# -- JSON Lines -----------------------------------------------------------------------------------


def read_jsonl_table(path: PathOrBuffer) -> RawTable:
    """The objects of a JSON Lines claim file, one per line (``null`` = not stated).

    >>> import io
    >>> read_jsonl_table(io.StringIO('{"quantity": "q"}\\n[1]\\n')).bad[0].reason
    'each line must be one JSON object'
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
        except RecursionError:
            bad.append(BadRow(i, None, line[:80], "not a claim: JSON nested too deeply"))
            continue
        if not isinstance(obj, dict):
            bad.append(BadRow(i, None, line[:80], "each line must be one JSON object"))
            continue
        if not all(_utf8(k) for k in obj):
            reason = "a field name is not UTF-8 (or holds a lone surrogate)"
            bad.append(BadRow(i, None, line[:80], reason))
            continue
        records.append(obj)
        numbers.append(i)
    columns: list[str] = []
    for rec in records:
        columns.extend(k for k in rec if k not in columns)
    table = pd.DataFrame(
        {c: pd.Series([r.get(c) for r in records], dtype=object) for c in columns or CLAIM_COLUMNS}
    )
    return RawTable(table, numbers, bad, where)


def write_jsonl(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a claim table as JSON Lines, atomically, ``null`` for what is not stated.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> write_jsonl(pd.DataFrame({"low": [float("nan")]}), p); p.read_text()
    '{"low": null}\\n'
    """
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


# -- Parquet --------------------------------------------------------------------------------------


def read_parquet_table(path: str | os.PathLike[str]) -> RawTable:
    """The columns of a Parquet claim table (needs the ``parquet`` extra).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.parquet"
    >>> write_parquet(pd.DataFrame({"quantity": ["q"], "low": [1.0]}), p)
    >>> read_parquet_table(p).table["low"].tolist()
    [1.0]
    """
    pq = _pyarrow_parquet()
    import pyarrow as pa

    try:
        table = pq.read_table(path).to_pandas()
        # (text that is not UTF-8 may only fail here, when pandas holds it as Arrow strings)
        table = table.astype({c: object for c in table.columns if c not in NUMBER_COLUMNS})
    except (pa.ArrowException, ValueError, OSError) as exc:  # truncated, not Parquet, ...
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # the file system's own error (no such file, permission denied)
        reason = f"cannot read the file as Parquet: {exc}"
        raise ClaimFileError([BadRow(None, None, None, reason)], where=str(path)) from exc
    return RawTable(table, list(range(1, len(table) + 1)), [], str(path))


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a claim table as Parquet, atomically: numbers as float64, the rest as text.

    >>> import tempfile, pathlib
    >>> write_parquet(pd.DataFrame({"quantity": ["q"]}), pathlib.Path(tempfile.mkdtemp()) / "x.parquet")
    """
    pq = _pyarrow_parquet()
    import pyarrow as pa

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


# -- helpers --------------------------------------------------------------------------------------


def _header(data: bytes) -> list[str]:
    """The header row of a CSV file, read from its start only (the first line, or the first
    few when a quoted name spans lines); a byte that is not UTF-8 is kept as a surrogate."""
    size = 1 << 16
    while True:
        chunk = data[:size].decode("utf-8", "surrogateescape")
        head = io.StringIO(chunk, newline="")
        with _no_field_limit():
            header = next(csv.reader(head), [])
        if head.tell() < len(chunk) or size >= len(data):
            return header
        size *= 4


def _fast_csv(data: bytes, header: list[str]) -> pd.DataFrame | None:
    """The whole table through pyarrow's CSV reader, when it can read it exactly; else None.

    pyarrow refuses any row whose field count differs from the header's and any byte that is
    not UTF-8, and reads every cell as text; the caller then falls back to the csv module, which
    reports each such row. Files with a blank line (or a row of blank cells, which Arrow reads
    the same way) also take that path, where a blank line is skipped but counted. Text columns
    come back dictionary-encoded (:func:`_arrow_codes`: each distinct text once, the rows as
    integer codes, no Python string per cell).
    """
    if len(set(header)) != len(header):
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is an optional extra
        return None
    # a file of ASCII bytes only is UTF-8: its cells are read as bytes, not checked again
    ascii = data.isascii()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=True),
            parse_options=pacsv.ParseOptions(
                # a line break inside a cell needs quotes: without any, none is looked for
                newlines_in_values=b'"' in data,
                # a blank line is a row of blank cells here, numbered as the csv module does
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.binary() if ascii else pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column_names != header or _blank_row(table):
        return None

    def column(name: str) -> Any:
        cells = table.column(name).combine_chunks()
        if ascii:  # bytes of ASCII text: the same buffers read as text
            cells = cells.view(pa.string())
        if name not in NUMBER_COLUMNS:
            return pd.Series(pd.arrays.ArrowExtensionArray(_arrow_codes(cells)), copy=False)
        # the text of each cell, kept in Arrow: the validation converts the plain numbers at
        # once and reads only the others one by one
        return pd.Series(pd.arrays.ArrowExtensionArray(cells), copy=False)

    # Arrow's kernels release the GIL: the columns are encoded side by side
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        columns = dict(zip(header, pool.map(column, header), strict=True))
    return pd.DataFrame(columns, copy=False)


def _blank_row(table: Any) -> bool:
    """Whether some row of an Arrow table has every cell blank."""
    import pyarrow.compute as pc

    blank = pc.equal(table.column(0), "")
    if not pc.any(blank).as_py():
        return False
    for k in range(1, table.num_columns):
        blank = pc.and_(blank, pc.equal(table.column(k), ""))
    return bool(pc.any(blank).as_py())


def _arrow_codes(cells: Any) -> Any:
    """A text column read by Arrow, dictionary-encoded: each distinct text once, in sorted order
    (by UTF-8 bytes, which is the order of code points), the rows as codes into them; the
    ``'`` that :func:`_guarded` put before a formula lead dropped from the distinct texts (as
    :func:`_unguarded` drops it from cells).

    A column with one text in every row (a unit, a kind) is told by one comparison, without
    hashing its rows.

    >>> import pyarrow as pa
    >>> got = _arrow_codes(pa.array(["b", "'=a", "b", "=a"]))
    >>> got.dictionary.to_pylist(), got.indices.to_pylist()
    (['=a', 'b'], [1, 0, 1, 0])
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    codes: npt.NDArray[Any]
    if _constant_text(cells):
        names = pa.array([cells[0].as_py()], type=cells.type)  # not a slice holding every row
        codes = np.zeros(len(cells), dtype=np.int8)
    else:
        encoded = cells.dictionary_encode()
        names = encoded.dictionary
        codes = encoded.indices.to_numpy(zero_copy_only=False)
    if pc.any(pc.starts_with(names, "'")).as_py():
        texts = names.to_pylist()
        fixed = [x[1:] if _GUARDED.match(x) else x for x in texts]
        # "'=x" and "=x" in one column are one text once unguarded
        renumber, distinct = pd.factorize(np.array(fixed, dtype=object))
        codes, names = renumber[codes], pa.array(distinct, type=names.type)
    order = np.asarray(pc.array_sort_indices(names), dtype=np.intp)
    if (order[1:] < order[:-1]).any():
        rank = np.empty(order.size, dtype=codes.dtype)
        rank[order] = np.arange(order.size)
        codes, names = rank[codes], names.take(pa.array(order))
    return pa.DictionaryArray.from_arrays(pa.array(codes), names)


def _constant_text(cells: Any) -> bool:
    """Whether an Arrow text array holds one text in every row (and no missing cell): the first
    and last cells compared before all of them."""
    import pyarrow.compute as pc

    if not len(cells) or cells.null_count or not cells[0].equals(cells[-1]):
        return False
    return bool(pc.all(pc.equal(cells, cells[0])).as_py())


def _reject_constant(name: str) -> float:
    raise InvalidValueError(
        "JSON", message=f"{name} is not a figure; use null for an unbounded side"
    )


def _read_bytes(path: PathOrBuffer) -> tuple[str, bytes, str | None]:
    """Where the claims come from, their bytes (UTF-8, without a byte-order mark) and, for a
    buffer of text, that text (kept as given, for the careful reader)."""
    if hasattr(path, "read"):
        got = path.read()
        where = str(getattr(path, "name", ""))
        if not isinstance(got, bytes):
            text = str(got)
            # a lone surrogate stays in the bytes (not UTF-8: the careful reader reports it)
            return where, text.encode("utf-8", "surrogatepass"), text
        data = got
    else:
        where = str(path)
        data = Path(path).read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return where, data, None


def _read_text(path: PathOrBuffer) -> tuple[str, str]:
    where, data, given = _read_bytes(path)
    return where, given if given is not None else _decode(data, where)


@contextlib.contextmanager
def _no_field_limit() -> Iterator[None]:
    """No limit on the length of a cell while the csv module reads (a quote of 4 MB is a cell
    to_csv writes, so read_csv reads it back)."""
    limit = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _decode(data: bytes, where: str) -> str:
    """The text of a file read as UTF-8; a byte that is not UTF-8 is kept as a surrogate, so
    that the row holding it is reported (with the byte) and every other row is read."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("pyarrow", "parquet") from exc
    return pq
