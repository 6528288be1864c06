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

import importlib
import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, NamedTuple, overload

import numpy as np
import pandas as pd

from estimates.errors import BadRow, ClaimFileError, DateError, MissingExtraError, OptionError
from estimates.ledger import formats
from estimates.ledger._frame import (
    CATEGORY_COLUMNS,
    FRAME_COLUMNS,
    canonical,
    concat,
    empty_frame,
    plain,
    tidy,
)
from estimates.ledger.arrays import ClaimArrays, claim_arrays
from estimates.ledger.claims import KINDS, Claim
from estimates.ledger.formats import PathOrBuffer
from estimates.ledger.schema import CLAIM_COLUMNS, NUMBER_COLUMNS
from estimates.ledger.validation import Errors, check_errors, claim_row, validate_claims
from estimates.values.dates import to_period
from estimates.values.ranges import Range
from estimates.values.sources import Sources

__all__ = ["CATEGORY_COLUMNS", "FRAME_COLUMNS", "Collected", "Ledger"]


class Collected(NamedTuple):
    """What a read with ``errors="collect"`` returns: the good rows and every bad one."""

    ledger: Ledger
    errors: tuple[BadRow, ...]


def _frozen(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the arrays holding its columns marked read-only: nothing that reads the
    ledger's own frame may write to it (what the ledger hands out is a copy,
    :meth:`Ledger._arrays`, :meth:`Ledger._copy_frame`)."""
    for arr in frame._mgr.arrays:
        # a numpy block, or the numpy array inside an extension array (a categorical's codes,
        # a datetime array's values)
        target = getattr(arr, "_ndarray", arr)
        if isinstance(target, np.ndarray):
            target.flags.writeable = False
    return frame


def _cutoff(date: object) -> np.datetime64:
    period = to_period(date)
    if period is None:
        raise DateError("a knowledge cut-off date is required", text=repr(date))
    return np.datetime64(period.last_second, "s")


# -- the ledger --------------------------------------------------------------------------------


class Ledger:
    """An immutable, columnar set of claims.

    Build one from :class:`Claim` objects, from a DataFrame (:meth:`from_frame`) or from a file
    (:meth:`read_csv`, :meth:`read_jsonl`, :meth:`read_parquet`). Unknown columns are refused
    (with the list of allowed ones) rather than dropped, so nothing is lost on a round trip.

    >>> Ledger().quantities
    ()
    """

    # ``_cached``: the ledger's frame and the arrays read from it (:meth:`_arrays`), kept while
    # that frame is the ledger's; a ledger's frame is set once, when it is made
    __slots__ = ("_cached", "_frame")

    def __init__(self, claims: Iterable[Claim] = ()) -> None:
        rows = [claim_row(c) for c in claims]
        if rows:
            # text as plain objects: pandas may not infer a string type that refuses some text
            table = pd.DataFrame(
                {
                    name: pd.Series(
                        [r[name] for r in rows],
                        dtype=float if name in NUMBER_COLUMNS else object,
                    )
                    for name in CLAIM_COLUMNS
                }
            )
            frame, errors = validate_claims(table, where="claims")
            if errors:  # a claim the table cannot hold (a lone surrogate in its text, ...)
                raise ClaimFileError(errors, where="claims")
            self._frame = _frozen(frame)
        else:
            self._frame = empty_frame()

    @classmethod
    def _wrap(cls, frame: pd.DataFrame) -> Ledger:
        ledger = cls.__new__(cls)
        ledger._frame = _frozen(frame)
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
        cls,
        frame: pd.DataFrame,
        *,
        errors: Literal["raise"] = ...,
        where: str = ...,
        convention: str | None = ...,
    ) -> Ledger: ...
    @overload
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        errors: Literal["collect"],
        where: str = ...,
        convention: str | None = ...,
    ) -> Collected: ...

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        errors: Errors = "raise",
        where: str = "DataFrame",
        convention: str | None = None,
    ) -> Ledger | Collected:
        """A ledger from a DataFrame with the canonical columns (see :mod:`estimates.ledger.schema`).

        With ``errors="raise"`` (default) any bad row raises :class:`ClaimFileError` listing every
        bad row; with ``errors="collect"`` the good rows come back with the list of bad ones.
        ``convention`` reads the rows given only in words whose own ``convention`` is blank.

        >>> import pandas as pd
        >>> df = pd.DataFrame({"quantity": ["q", "q"], "low": [1, 5], "high": [2, 4], "source": ["a", "b"]})
        >>> got = Ledger.from_frame(df, errors="collect")
        >>> len(got.ledger), [str(e) for e in got.errors]
        (1, ["row 2, column 'low': low (5.0) must not exceed high (4.0) (given 5.0)"])
        """
        check_errors(errors)
        good, bad = validate_claims(frame, where=where, convention=convention)
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
        return plain(self._frame.loc[:, list(CLAIM_COLUMNS)])

    @property
    def frame(self) -> pd.DataFrame:
        """The internal columns (canonical ones plus ``<date>_start``/``<date>_end`` as datetimes).

        A copy, with text as plain object columns (None where missing): changing it does not
        change the ledger.

        >>> "stated_on_end" in Ledger().frame.columns
        True
        """
        return plain(self._frame)

    def _arrays(self) -> ClaimArrays:
        """What the ledger hands the reconciliation core: its columns as a frozen set of
        read-only numpy arrays (:mod:`estimates.ledger.arrays`), sorted by claim id. Nothing in
        it shares the ledger's storage, and a write into it raises, on any pandas version. The
        arrays are read once and kept with the ledger (which cannot change): every call hands
        out the same ones, and a ledger made from this one (:meth:`select`, :meth:`add`, ...)
        reads its own.

        >>> led = Ledger([Claim(quantity="q", value=Range.between(1, 2), source="s")])
        >>> arrays = led._arrays()
        >>> arrays.source.codes.tolist(), arrays.high.tolist()
        ([0], [2.0])
        >>> arrays.high[0] = 0.5
        Traceback (most recent call last):
        ...
        ValueError: assignment destination is read-only
        >>> led[0].value.high
        2.0
        """
        cached = getattr(self, "_cached", None)
        if cached is not None and cached[0] is self._frame:
            arrays: ClaimArrays = cached[1]
            return arrays
        arrays = claim_arrays(self._frame)
        self._cached = (self._frame, arrays)
        return arrays

    def __getstate__(self) -> pd.DataFrame:
        """A ledger pickles as its frame (the arrays read from it are read again when needed)."""
        return self._frame

    def __setstate__(self, frame: pd.DataFrame) -> None:
        self._frame = _frozen(frame)

    def _copy_frame(self) -> pd.DataFrame:
        """A deep copy of the ledger's own frame (the columns of :attr:`frame`, the
        :data:`CATEGORY_COLUMNS` as pandas categoricals), for code that shows rows of it or
        hands a checked partition on: nothing in it shares the ledger's storage.

        >>> led = Ledger([Claim(quantity="q", value=Range.exactly(1), source="s")])
        >>> copy = led._copy_frame()
        >>> copy.loc[0, "low"] = 5.0
        >>> copy["source"].cat.codes.tolist(), led[0].value.low
        ([0], 1.0)
        """
        return self._frame.copy(deep=True)

    # -- reading and writing --------------------------------------------------------------------

    @overload
    @classmethod
    def read_csv(
        cls, path: PathOrBuffer, *, errors: Literal["raise"] = ..., convention: str | None = ...
    ) -> Ledger: ...
    @overload
    @classmethod
    def read_csv(
        cls, path: PathOrBuffer, *, errors: Literal["collect"], convention: str | None = ...
    ) -> Collected: ...

    @classmethod
    def read_csv(
        cls, path: PathOrBuffer, *, errors: Errors = "raise", convention: str | None = None
    ) -> Ledger | Collected:
        """Read a UTF-8 claim CSV; rows are numbered from 1 after the header.

        Every cell is read as text first, so nothing is guessed or rounded by the CSV reader.
        A row given only in words is read under its ``convention`` cell, else ``convention``.
        A text cell that starts with ``'`` followed by ``=``, ``+``, ``-``, ``@``, a tab, a
        carriage return or another ``'`` loses that first ``'``: :meth:`to_csv` adds it so
        that a spreadsheet shows such a cell as text instead of running it as a formula.

        >>> import io
        >>> Ledger.read_csv(io.StringIO("quantity,text,low,source\\nq,about 5,5,s\\n")).quantities
        ('q',)
        """
        check_errors(errors)
        return cls._finish(formats.read_csv_table(path), errors=errors, convention=convention)

    @classmethod
    def _finish(
        cls, raw: formats.RawTable, *, errors: Errors, convention: str | None
    ) -> Ledger | Collected:
        good, more = validate_claims(
            raw.table.reset_index(drop=True), where=raw.where, convention=convention
        )
        # validate_claims numbers rows 1..n in table order; map them back to the file's row numbers
        numbers = raw.numbers
        bad = list(raw.bad) + [
            BadRow(
                numbers[e.row - 1] if e.row is not None and 0 < e.row <= len(numbers) else e.row,
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
            raise ClaimFileError(bad, where=raw.where)
        return cls._wrap(good)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the claims as CSV (atomically: a temporary file renamed into place).

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.csv"
        >>> Ledger().to_csv(p)
        >>> p.read_text().splitlines()[0].split(",")[:3]
        ['quantity', 'text', 'low']
        """
        formats.write_csv(self.to_frame(), path)

    @overload
    @classmethod
    def read_jsonl(
        cls, path: PathOrBuffer, *, errors: Literal["raise"] = ..., convention: str | None = ...
    ) -> Ledger: ...
    @overload
    @classmethod
    def read_jsonl(
        cls, path: PathOrBuffer, *, errors: Literal["collect"], convention: str | None = ...
    ) -> Collected: ...

    @classmethod
    def read_jsonl(
        cls, path: PathOrBuffer, *, errors: Errors = "raise", convention: str | None = None
    ) -> Ledger | Collected:
        """Read JSON Lines, one claim object per line (``null`` = not stated).

        >>> import io
        >>> Ledger.read_jsonl(io.StringIO('{"quantity": "q", "low": 1, "high": null, "source": "s"}\\n'))[0].value
        Range(low=1.0, best=None, high=None, closed='left', unit=None, convention=None)
        """
        check_errors(errors)
        return cls._finish(formats.read_jsonl_table(path), errors=errors, convention=convention)

    def to_jsonl(self, path: str | os.PathLike[str]) -> None:
        """Write JSON Lines (atomically), ``null`` for what is not stated.

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.jsonl"
        >>> Ledger([Claim(quantity="q", value=Range.at_least(2), source="s")]).to_jsonl(p)
        >>> '"high": null' in p.read_text()
        True
        """
        formats.write_jsonl(self.to_frame(), path)

    @overload
    @classmethod
    def read_parquet(
        cls,
        path: str | os.PathLike[str],
        *,
        errors: Literal["raise"] = ...,
        convention: str | None = ...,
        lazy: Literal[False] = ...,
    ) -> Ledger: ...
    @overload
    @classmethod
    def read_parquet(
        cls,
        path: str | os.PathLike[str],
        *,
        errors: Literal["collect"],
        convention: str | None = ...,
        lazy: Literal[False] = ...,
    ) -> Collected: ...
    @overload
    @classmethod
    def read_parquet(
        cls, path: str | os.PathLike[str], *, errors: Literal["raise"] = ..., lazy: Literal[True]
    ) -> Any: ...

    @classmethod
    def read_parquet(
        cls,
        path: str | os.PathLike[str],
        *,
        errors: Errors = "raise",
        convention: str | None = None,
        lazy: bool = False,
    ) -> Ledger | Collected | Any:
        """Read a Parquet claim table (needs the ``parquet`` extra).

        With ``lazy=True`` (the ``dask`` extra) ``path`` may be a directory of Parquet files (a
        partitioned dataset) and nothing is read but the schema: the result is a
        ``dask.dataframe.DataFrame`` of the claim table, one partition per file or row group,
        for :func:`estimates.reconcile_all`, which checks every partition's rows. A missing
        required column or an unknown one is refused here, from the schema alone.

        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.parquet"
        >>> Ledger().to_parquet(p); len(Ledger.read_parquet(p))
        0
        >>> list(Ledger.read_parquet(p, lazy=True).columns)[:3]
        ['quantity', 'text', 'low']
        """
        check_errors(errors)
        if lazy:
            if errors != "raise":
                raise OptionError(
                    "errors",
                    message="with lazy=True rows are checked when the frame is reconciled: pass "
                    "errors='collect' to reconcile_all instead",
                )
            return _lazy_parquet(path)
        return cls._finish(formats.read_parquet_table(path), errors=errors, convention=convention)

    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write a Parquet claim table (atomically; needs the ``parquet`` extra).

        >>> import tempfile, pathlib
        >>> Ledger().to_parquet(pathlib.Path(tempfile.mkdtemp()) / "x.parquet")
        """
        formats.write_parquet(self.to_frame(), path)

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
        return Ledger._wrap(tidy(self._frame.loc[keep].reset_index(drop=True)))

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
                    raise OptionError(
                        "kind", message=f"unknown kind(s) {unknown}; allowed: {', '.join(KINDS)}"
                    )
            keep &= self._frame[column].isin(names).to_numpy()
        return Ledger._wrap(tidy(self._frame.loc[keep].reset_index(drop=True)))

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
            return Ledger._wrap(empty_frame())
        if len(frames) == 1:
            return Ledger._wrap(frames[0])
        return Ledger._wrap(canonical(concat(frames)))

    def add(self, *claims: Claim) -> Ledger:
        """A new ledger with ``claims`` added.

        >>> len(Ledger().add(Claim(quantity="q", value=Range.exactly(1), source="s")))
        1
        """
        return self.merge(Ledger(claims))

    def summary(self, *, sources: Sources | None = None) -> pd.DataFrame:
        """One row per quantity: claims, sources, first and last stated_on, envelope, unit.

        ``sources`` counts the sources as reconciliation does, each spelling resolved to its
        source (aliases; by default trailing qualifiers such as "(via Yonhap)" dropped).

        The envelope runs from the lowest stated figure (low, else best) to the highest (high,
        else best); a claim unbounded on a side (no bound and no best) makes it ``-inf``/``inf``.

        >>> c = Claim(quantity="q", value=Range.between(1, 2), source="s", stated_on="2024-01-02")
        >>> print(Ledger([c]).summary()[["quantity", "claims", "low", "high"]].to_string(index=False))
        quantity  claims  low  high
               q       1  1.0   2.0
        """
        f = plain(self._frame)
        lo = f["low"].fillna(f["best"]).fillna(-np.inf)
        hi = f["high"].fillna(f["best"]).fillna(np.inf)
        resolver = sources if sources is not None else Sources()
        resolved = resolver.resolve_many(f["source"].tolist())
        g = f.assign(_lo=lo, _hi=hi, _source=resolved).groupby("quantity", sort=True)
        return pd.DataFrame(
            {
                "claims": g.size(),
                "sources": g["_source"].nunique(),
                "first_stated_on": g["stated_on_start"].min().dt.date,
                "last_stated_on": g["stated_on_end"].max().dt.date,
                "low": g["_lo"].min(),
                "high": g["_hi"].max(),
                "unit": g["unit"].agg(_join_names),
                "kinds": g["kind"].agg(lambda s: ", ".join(sorted(set(s)))),
            }
        ).reset_index()


def _names(series: pd.Series[Any]) -> tuple[str, ...]:
    """The distinct names of a text column, sorted (a categorical's used categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        used = np.unique(codes[codes >= 0])
        return tuple(str(x) for x in np.asarray(series.cat.categories, dtype=object)[used])
    return tuple(sorted({str(x) for x in series.tolist() if isinstance(x, str)}))


def _join_names(values: pd.Series[Any]) -> str | None:
    return ", ".join(sorted({str(u) for u in values if u is not None})) or None


def _lazy_parquet(path: str | os.PathLike[str]) -> Any:
    """A Dask frame of the Parquet claim table at ``path`` (a file or a directory of files)."""
    formats._pyarrow_parquet()
    try:
        dd = importlib.import_module("dask.dataframe")
    except ImportError as exc:
        raise MissingExtraError("dask", "dask") from exc
    if not os.path.exists(path):
        raise FileNotFoundError(f"no Parquet file or directory at {os.fspath(path)!r}")
    with warnings.catch_warnings():
        # Dask's reader calls pandas' set_index/reset_index with inplace=True, which pandas 3.1
        # deprecates: a warning about Dask's code that a caller can do nothing about
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame")
        frame = dd.read_parquet(os.fspath(path))
    # the columns are checked from the schema, before any row is read
    header = pd.DataFrame({str(c): pd.Series([], dtype=object) for c in frame.columns})
    validate_claims(header, where=os.fspath(path))
    return frame


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
        reliability=row["reliability"], level=num(row.get("level")), url=row["url"], quote=row["quote"], note=row["note"],
    )  # fmt: skip
