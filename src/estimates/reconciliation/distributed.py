"""Reconciliation of claim tables larger than memory, on Dask (the ``dask`` extra).

:func:`estimates.reconcile_all` hands a ``dask.dataframe.DataFrame`` here. The answers are those
of the in-memory run on the same claims; only where the work happens changes:

1. **Columns** are checked on the frame's metadata before any work: a missing required column
   or an unknown one is refused at once.
2. **Validation** runs on each partition with the ledger's own checks (:func:`check_partition`,
   one function, so that one validation serves every way claims enter); every bad row is
   reported together, with its partition and its row in that partition
   (:class:`~estimates.errors.PartitionBadRow`). Nothing is reconciled while a bad row is
   known, unless ``errors="collect"``, which reconciles the good rows and returns the bad ones.
3. **Per-quantity methods** (robust, consensus, envelope, latest, pooled, and every time rule
   of the pipeline) only ever look at one quantity's claims: the validated claims are shuffled
   by quantity, so that each quantity's claims meet in one partition, and the in-memory
   pipeline (:mod:`estimates.reconciliation._core`) runs on each partition. There is no
   second implementation.
4. **Methods that learn each source's reliability across quantities** (crh, catd, plurality)
   are refused for now with the reason: their per-source steps would reduce per-source sums
   across partitions, but they now couple quantities per connected group of sources and
   quantities, which needs those groups found across partitions first.

Identical claims in different partitions are one claim, as in a ledger (a set): after the
shuffle they share a partition and the repeats (same claim id) are dropped.

>>> import pandas as pd
>>> import dask.dataframe as dd
>>> frame = pd.DataFrame({"quantity": ["a", "a", "b"], "best": [10, 12, 5],
...                       "source": ["X", "Y", "X"]})
>>> claims = dd.from_pandas(frame, npartitions=2)
>>> from estimates import reconcile_all as reconcile_any
>>> table = reconcile_any(claims, method="robust", scheduler="sync")
>>> table[["quantity", "best", "n_sources"]].values.tolist()
[['a', 11.0, 2], ['b', 5.0, 1]]
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import (
    BadRow,
    ClaimFileError,
    ClaimTableTypeError,
    MissingExtraError,
    PartitionBadRow,
    ReconcileError,
)

if TYPE_CHECKING:
    from estimates.reconciliation._core import Settings

__all__ = [
    "CollectedTable",
    "check_partition",
    "is_dask_frame",
    "reconcile_all",
]

Errors = Literal["raise", "collect"]
#: Where a Dask frame's partitions are named in errors.
WHERE = "Dask DataFrame"


class CollectedTable(NamedTuple):
    """What ``reconcile_all(dask_frame, errors="collect")`` returns: the table reconciled from
    the good rows, and every bad row (with its partition). With ``compute=False`` the table is a
    Dask DataFrame and ``errors`` a ``dask.delayed`` object."""

    table: Any
    errors: Any


def _dask() -> Any:
    """``dask.dataframe``, or an error naming the extra to install."""
    try:
        return importlib.import_module("dask.dataframe")
    except ImportError as exc:
        raise MissingExtraError("dask", "dask") from exc


def dask_core() -> Any:
    """The ``dask`` module (its ``delayed``, ``persist`` and ``compute``), untyped on purpose:
    only this module and its helpers touch it."""
    try:
        return importlib.import_module("dask")
    except ImportError as exc:
        raise MissingExtraError("dask", "dask") from exc


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a ``dask.dataframe.DataFrame`` (without importing dask when it was not).

    >>> import pandas as pd
    >>> is_dask_frame(pd.DataFrame())
    False
    """
    module = sys.modules.get("dask.dataframe")
    if module is None:
        return False  # no Dask frame can exist before dask.dataframe is imported
    return isinstance(obj, module.DataFrame)


# -- validation ----------------------------------------------------------------------------------


def check_partition(
    frame: pd.DataFrame, partition: int
) -> tuple[pd.DataFrame, tuple[PartitionBadRow, ...]]:
    """Validate one partition of a claim table with the ledger's own checks.

    Returns the good rows as a ledger frame (the columns the reconciliation core reads) and
    every bad row, numbered within the partition (from 1) and naming the partition.

    >>> import pandas as pd
    >>> good, bad = check_partition(pd.DataFrame({"quantity": ["q", "q"], "low": [1, 5],
    ...                                           "high": [2, 4], "source": ["a", "b"]}), 3)
    >>> len(good), [str(e) for e in bad]
    (1, ["partition 3, row 2, column 'low': low (5.0) must not exceed high (4.0) (given 5.0)"])
    """
    from estimates.ledger.schema import NUMBER_COLUMNS
    from estimates.ledger.table import Ledger

    # text as Python objects, as the in-memory readers hand it over (Dask may hold Arrow strings)
    frame = frame.reset_index(drop=True)
    text = {
        c: object for c in frame.columns if c not in NUMBER_COLUMNS and frame[c].dtype != object
    }
    if text:
        frame = frame.astype(text)
    got = Ledger.from_frame(frame, errors="collect", where=WHERE)
    bad = tuple(
        PartitionBadRow(e.row, e.column, e.value, e.reason, partition=partition) for e in got.errors
    )
    return _text_categories(got.ledger._view()), bad


def _text_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Every categorical column with categories of one dtype (pandas' text dtype), so that
    partitions concatenated after the shuffle can unite their categories."""
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            names = pd.Index(np.asarray(series.cat.categories, dtype=object), dtype=str)
            if names.dtype != series.cat.categories.dtype:
                codes = series.cat.codes.to_numpy()
                frame[name] = pd.Categorical.from_codes(codes, categories=names)
    return frame


def _check_columns(claims: Any) -> pd.DataFrame:
    """Refuse a frame whose columns are wrong (from its metadata alone); the empty ledger frame."""
    from estimates.ledger.table import Ledger

    empty = pd.DataFrame({str(c): pd.Series([], dtype=object) for c in claims.columns})
    return _text_categories(Ledger.from_frame(empty, where=WHERE)._view())


def _gate(*found: tuple[PartitionBadRow, ...], errors: Errors) -> tuple[PartitionBadRow, ...]:
    """Every bad row of every partition; raise them together unless collecting."""
    bad = tuple(e for part in found for e in part)
    if bad and errors == "raise":
        raise ClaimFileError(bad, where=WHERE)
    return bad


# -- the calls -----------------------------------------------------------------------------------


#: Keywords of :func:`estimates.reconcile_all` that only a Dask frame takes.
KEYWORDS: tuple[str, ...] = ("compute", "errors", "npartitions", "scheduler")
#: How the in-memory table is built from the core's result: ``table(result, method, relations)``
#: (:func:`estimates.reconciliation.reconcile._table`, handed in by the caller).
TableFn = Callable[[Any, str, Any], pd.DataFrame]


def reconcile_all(
    claims: Any,
    settings: Settings,
    *,
    table: TableFn,
    relations: Iterable[Any] | None = None,
    resolved: Mapping[str, object] | pd.Series[Any] | None = None,
    compute: bool = True,
    errors: Errors = "raise",
    npartitions: int | None = None,
    scheduler: Any = None,
) -> Any:
    """Reconcile every quantity of a Dask claim table: the table of the in-memory run.

    :func:`estimates.reconcile_all` calls this with its arguments checked (``settings``) and
    its table builder (``table``); these keywords of it apply to a Dask frame only:

    Args:
        claims: a ``dask.dataframe.DataFrame`` with the columns of a claim table.
        compute: return a pandas DataFrame sorted by quantity (default); ``False`` returns a
            Dask DataFrame of the same rows, in no particular order across its partitions.
        errors: ``"raise"`` (default) raises one :class:`~estimates.errors.ClaimFileError`
            listing every bad row of every partition and reconciles nothing; ``"collect"``
            reconciles the good rows and returns a :class:`CollectedTable`.
        npartitions: partitions after the shuffle by quantity (default: as many as the input).
        scheduler: a Dask scheduler (``"sync"``, ``"threads"``, ``"processes"`` or a
            ``distributed.Client``); default the current one (the default client when one is
            running, whose shuffle then runs peer to peer).

    Raises:
        ClaimFileError: a required column is missing or a column is unknown (before any work),
            or (with ``errors="raise"``) rows are bad.
        ClaimTableTypeError: ``claims`` is not a Dask DataFrame.
        ReconcileError: an option the method does not know, a method that learns across
            quantities (not distributed yet), ``resolved=`` or ``relations=``.

    >>> import pandas as pd, dask.dataframe as dd
    >>> frame = pd.DataFrame({"quantity": ["q", "q"], "low": [1, 5], "high": [2, 4],
    ...                       "source": ["a", "b"]})
    >>> from estimates import reconcile_all as reconcile_any
    >>> got = reconcile_any(dd.from_pandas(frame, npartitions=1), errors="collect",
    ...                     scheduler="sync")
    >>> got.table["best"].tolist(), [str(e) for e in got.errors]
    ([1.5], ["partition 0, row 2, column 'low': low (5.0) must not exceed high (4.0) (given 5.0)"])
    """
    dd = _dask()
    if not isinstance(claims, dd.DataFrame):
        raise ClaimTableTypeError(
            "claims must be a Dask DataFrame here, got "
            f"{type(claims).__module__}.{type(claims).__qualname__}"
        )
    if errors not in ("raise", "collect"):
        raise ReconcileError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if npartitions is not None and (
        isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
    ):
        raise ReconcileError(f"npartitions must be a whole number >= 1, got {npartitions!r}")
    from estimates.reconciliation.methods import is_joint

    method = settings.method
    if resolved is not None:
        raise ReconcileError(
            "resolved= teaches pooled each source's weight from every resolved quantity at "
            "once, which is not distributed yet: reconcile a Ledger in memory, or leave "
            "resolved= out"
        )
    rels = tuple(relations or ())
    if rels:
        raise ReconcileError(
            "relations are not applied to a Dask DataFrame: reconcile it, then narrow the "
            "related quantities' rows with est.narrow"
        )
    empty = _check_columns(claims)  # before any work
    if is_joint(method):
        raise ReconcileError(
            f"method {method!r} learns each source's reliability across quantities (per "
            "connected group of sources and quantities), which is not distributed yet: on a "
            "Dask DataFrame use a per-quantity method (robust, consensus, envelope, latest, "
            "pooled), or reconcile a Ledger in memory"
        )
    # an unknown or bad option fails here, on the empty table, not on the workers
    _partition_table(empty, (), settings=settings, table=table)

    dask = dask_core()

    parts = claims.to_delayed()
    checked = [dask.delayed(check_partition, nout=2, pure=True)(p, i) for i, p in enumerate(parts)]
    gate = dask.delayed(_gate, pure=True)(*[c[1] for c in checked], errors=errors)
    frames = dd.from_delayed([c[0] for c in checked], meta=empty, verify_meta=False)
    n_out = npartitions or max(len(parts), 1)
    # a named local scheduler cannot run the cluster's peer-to-peer shuffle: shuffle by tasks
    how = None if scheduler is None else "tasks"
    shuffled = frames.shuffle(on="quantity", npartitions=n_out, shuffle_method=how)
    out_meta = _partition_table(empty, (), settings=settings, table=table)
    lazy = shuffled.map_partitions(
        _partition_table,
        gate,
        settings=settings,
        table=table,
        meta=out_meta,
        align_dataframes=False,
    )
    if not compute:
        return CollectedTable(lazy, gate) if errors == "collect" else lazy
    if errors == "collect":
        # one computation for both (the frame as delayed parts: one kind of graph)
        *pieces, bad = dask.compute(*lazy.to_delayed(), gate, scheduler=scheduler)
        result = pd.concat(pieces, ignore_index=True) if pieces else out_meta
    else:
        result, bad = dask.compute(lazy, scheduler=scheduler)[0], ()
    result = _finish_table(result, out_meta, rels)
    return CollectedTable(result, tuple(bad)) if errors == "collect" else result


def _partition_table(
    frame: pd.DataFrame, gate: Sequence[BadRow], *, settings: Settings, table: TableFn
) -> pd.DataFrame:
    """The in-memory pipeline on one partition's claims (all claims of its quantities)."""
    from estimates.reconciliation import _core

    del gate  # a dependency only: nothing runs before every partition was checked
    return table(_core.run(_distinct(frame), settings), settings.method, None)


def _distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per claim id (a ledger is a set), the categories' unused names dropped."""
    frame = frame.reset_index(drop=True)
    if len(frame) > 1:
        repeat = frame["claim_id"].duplicated(keep="first").to_numpy()
        if repeat.any():
            frame = frame.loc[~repeat].reset_index(drop=True)
    return frame


def _finish_table(
    result: pd.DataFrame, meta: pd.DataFrame, relations: Sequence[Any]
) -> pd.DataFrame:
    """The partitions' rows as the in-memory table: sorted by quantity, narrowed by relations."""
    if not len(result):
        result = meta
    result = result.sort_values("quantity", kind="stable").reset_index(drop=True)
    # built as in memory, from one array per column, so that pandas infers the same dtypes
    # (partitions concatenated may hold text as objects or as strings)
    result = pd.DataFrame(
        {
            c: (_objects(result[c]) if _is_text(result[c]) else result[c].to_numpy())
            for c in result.columns
        }
    )
    del relations  # refused before any work (see reconcile_all)
    return result


def _objects(series: pd.Series[Any]) -> npt.NDArray[np.object_]:
    """Text as Python objects, None where missing (as the in-memory table holds it)."""
    values = np.array(series.to_numpy(dtype=object), dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _is_text(series: pd.Series[Any]) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)
