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
   iterate between the partitions and the client (:mod:`._distributed_learning`): the
   in-memory per-quantity stages run on the partitions with the current source weights and
   hand back small per-source sums, which the client adds up and turns into the next weights
   with the in-memory per-source stage; the connected groups of sources and quantities, the
   copy counts of plurality and the stopping rule are the in-memory ones. No step gathers the
   claims. A joint method registered by a user is refused (its steps are unknown here).
5. **resolved=** (a predictive method learning each source's weight from quantities whose true
   value became known): the claims of the resolved quantities, and only those, are computed
   and handed to every partition, which learns the weights from them as the in-memory run does.
6. **relations=** narrow the rows of the quantities they name, with the in-memory code, once
   the table is computed; every other row is untouched.

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

A method that learns which sources to trust, on two partitions (a vandal's figures lose):

>>> frame = pd.DataFrame({"quantity": ["a"] * 3 + ["b"] * 3,
...                       "best": [100, 101, 9e9, 7, 7, -5e6],
...                       "source": ["good", "fair", "vandal"] * 2})
>>> table = reconcile_any(dd.from_pandas(frame, npartitions=2), method="crh", scheduler="sync")
>>> table[["quantity", "best"]].values.tolist()
[['a', 101.0], ['b', 7.0]]
"""

from __future__ import annotations

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
    PartitionBadRow,
    ReconcileError,
)
from estimates.reconciliation._distributed_learning import LEARNED, reconcile_learned
from estimates.reconciliation._partitions import dask_core, dask_frames, distinct

_dask = dask_frames
_distinct = distinct

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
    return _text_categories(got.ledger._copy_frame()), bad


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
    return _text_categories(Ledger.from_frame(empty, where=WHERE)._copy_frame())


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
#: the in-memory check of ``resolved=``: (resolved, claims, quantity names or None, method)
ResolveFn = Callable[..., dict[str, float]]


def reconcile_all(
    claims: Any,
    settings: Settings,
    *,
    table: TableFn,
    resolve: ResolveFn | None = None,
    relations: Iterable[Any] | None = None,
    resolved: Mapping[str, object] | pd.Series[Any] | None = None,
    compute: bool = True,
    errors: Errors = "raise",
    npartitions: int | None = None,
    scheduler: Any = None,
) -> Any:
    """Reconcile every quantity of a Dask claim table: the table of the in-memory run.

    :func:`estimates.reconcile_all` calls this with its arguments checked (``settings``), its
    table builder (``table``) and its check of ``resolved=`` (``resolve``: names, numbers and
    units, so that a Dask frame is refused with the in-memory messages; needed with
    ``resolved``); these keywords of it apply to a Dask frame only:

    Args:
        claims: a ``dask.dataframe.DataFrame`` with the columns of a claim table.
        compute: return a pandas DataFrame sorted by quantity (default); ``False`` returns a
            Dask DataFrame of the same rows, in no particular order across its partitions (a
            method that learns across quantities learns now: each iteration needs the sums of
            the one before; the table built from what it learned stays lazy).
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
        ReconcileError: an option the method does not know or a bad value of one, a joint
            method registered by a user, ``resolved=`` with a method that does not use it or
            naming quantities that are not there (as in memory).
        RelationError: relations naming quantities that are not there (as in memory).

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
    rels = tuple(relations or ())
    empty = _check_columns(claims)  # before any work
    learned = method in LEARNED
    if is_joint(method) and not learned:
        raise ReconcileError(
            f"method {method!r} learns across quantities in a way this library cannot split "
            "into per-source sums: on a Dask DataFrame use a bundled method, or reconcile a "
            "Ledger in memory"
        )
    if resolved is not None:
        _check_resolved_method(method)
    if learned:
        _learning_settings(settings)  # an unknown or bad option fails here, not on the workers
    else:
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
    if resolved is not None:
        if resolve is None:
            raise ReconcileError("resolved= needs the check of true values (resolve=)")
        settings, extra = _resolving(resolved, shuffled, gate, settings, scheduler, resolve)
    else:
        extra = None
    if learned:
        lazy = reconcile_learned(
            shuffled.to_delayed(), gate, settings, table=table, meta=out_meta, scheduler=scheduler
        )
    else:
        lazy = shuffled.map_partitions(
            _partition_table,
            gate,
            settings=settings,
            table=table,
            extra=extra,
            meta=out_meta,
            align_dataframes=False,
        )
    if rels:
        lazy = _narrowed(lazy, rels, settings.method, table)
    if not compute:
        return CollectedTable(lazy, gate) if errors == "collect" else lazy
    if errors == "collect":
        # one computation for both (the frame as delayed parts: one kind of graph)
        *pieces, bad = dask.compute(*lazy.to_delayed(), gate, scheduler=scheduler)
        result = pd.concat(pieces, ignore_index=True) if pieces else out_meta
    else:
        result, bad = dask.compute(lazy, scheduler=scheduler)[0], ()
    result = _finish_table(result, out_meta)
    return CollectedTable(result, tuple(bad)) if errors == "collect" else result


def _partition_table(
    frame: pd.DataFrame,
    gate: Sequence[BadRow],
    *,
    settings: Settings,
    table: TableFn,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The in-memory pipeline on one partition's claims (all claims of its quantities).

    ``extra`` are claims of other quantities that every partition learns from (the resolved
    quantities of ``resolved=``): they join the partition's claims for the run, and their rows
    are left out of its table (the partition holding them gives those).
    """
    from estimates.reconciliation import _core

    del gate  # a dependency only: nothing runs before every partition was checked
    own = _distinct(frame)
    if extra is None or not len(extra):
        return table(_core.run(own, settings), settings.method, None)
    mine = pd.unique(own["quantity"].to_numpy(dtype=object))
    theirs = extra.loc[~np.isin(extra["quantity"].to_numpy(dtype=object), mine)]
    both = pd.concat([own, theirs], ignore_index=True) if len(theirs) else own
    out = table(_core.run(_distinct(both), settings), settings.method, None)
    keep = np.isin(out["quantity"].to_numpy(dtype=object), mine)
    return out.loc[keep].reset_index(drop=True)


def _check_resolved_method(method: str) -> None:
    """``resolved=`` with a method that does not use it: the in-memory refusal, at once."""
    from estimates.reconciliation.methods import get_method, is_predictive

    get_method(method)
    if not is_predictive(method):
        raise ReconcileError(
            f"resolved= teaches a predictive method (such as 'pooled') how far to trust each "
            f"source; method {method!r} does not use it"
        )


def _learning_settings(settings: Settings) -> None:
    """Check a learning method's options as the method itself does (before any work)."""
    if settings.method == "plurality":
        from estimates.reconciliation.plurality import _Settings as PluralitySettings

        PluralitySettings(settings.options)
    else:
        from estimates.reconciliation.truth import _Settings as TruthSettings

        TruthSettings(settings.options, settings.method)


def _resolving(
    resolved: Mapping[str, object] | pd.Series[Any],
    shuffled: Any,
    gate: Any,
    settings: Settings,
    scheduler: Any,
    _resolved: ResolveFn,
) -> tuple[Settings, Any]:
    """The settings with the checked true values, and the resolved quantities' claims.

    A predictive method learns each source's weight from the resolved quantities, and every
    quantity's answer uses those weights: the claims of the resolved quantities (only those)
    are computed here and handed to every partition, which learns the same weights from them
    as the in-memory run does from the whole ledger (the others' claims do not enter them).
    """
    import dataclasses

    if not isinstance(resolved, pd.Series | Mapping):
        _resolved(resolved, pd.DataFrame({"quantity": []}), set(), settings.method)
    keys = list(resolved.index) if isinstance(resolved, pd.Series) else list(resolved)
    wanted = sorted({str(k) for k in keys})
    dask = dask_core()

    def pick(frame: pd.DataFrame, gate: object) -> pd.DataFrame:
        del gate
        names = frame["quantity"].to_numpy(dtype=object)
        return frame.loc[np.isin(names, wanted)]

    pieces = [dask.delayed(pick)(p, gate) for p in shuffled.to_delayed()]
    found = dask.compute(*pieces, scheduler=scheduler)
    subset = pd.concat([f.astype(object) for f in found], ignore_index=True)
    present = set(pd.unique(subset["quantity"].to_numpy(dtype=object)).tolist())
    names: set[str] | None = None
    if set(wanted) - present:
        # a name is not in the ledger: the message offers the closest of all its quantities
        names = set(
            shuffled["quantity"].astype(object).unique().compute(scheduler=scheduler).tolist()
        )
    values = _resolved(resolved, subset, names, settings.method)
    subset = _distinct(subset)
    options = {**settings.options, "resolved": values}
    return dataclasses.replace(settings, options=options), dask.delayed(subset, pure=True)


def _finish_table(result: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """The partitions' rows as the in-memory table: sorted by quantity."""
    if not len(result):
        result = meta
    result = result.sort_values("quantity", kind="stable").reset_index(drop=True)
    # built as in memory, from one array per column, so that pandas infers the same dtypes
    # (partitions concatenated may hold text as objects or as strings)
    return pd.DataFrame(
        {
            c: (_objects(result[c]) if _is_text(result[c]) else result[c].to_numpy())
            for c in result.columns
        }
    )


# -- relations ---------------------------------------------------------------------------------


def _narrowed(lazy: Any, relations: Sequence[Any], method: str, table: TableFn) -> Any:
    """The table with the related quantities' rows narrowed by ``relations``, as in memory.

    The relations name a few quantities: their rows (one each) are taken from the table,
    narrowed by the in-memory code (:func:`estimates.reconciliation.reconcile._table` on
    them) and put back; every other row is untouched. Unknown names are refused as in memory,
    against all the table's quantities.
    """
    from estimates.reconciliation.relations import validate

    rels = validate(relations)  # the shape of each relation, before any work
    wanted = sorted({q for r in rels for q in r.quantities})
    dask = dask_core()
    rows = lazy.loc[lazy["quantity"].isin(wanted)]
    names = lazy["quantity"].astype(object)
    narrowed = dask.delayed(_narrow_rows, pure=True)(rows, names.to_delayed(), rels, method, table)
    return lazy.map_partitions(_put_back, narrowed, meta=lazy._meta, align_dataframes=False)


def _narrow_rows(
    rows: pd.DataFrame,
    names: Sequence[pd.Series[Any]],
    relations: Sequence[Any],
    method: str,
    table: TableFn,
) -> pd.DataFrame:
    from estimates.reconciliation.relations import validate

    known = set()
    for part in names:
        known.update(part.tolist())
    validate(relations, known=known)
    rows = _finish_table(rows, rows.iloc[:0])
    return table(_as_result(rows), method, relations)


def _put_back(part: pd.DataFrame, narrowed: pd.DataFrame) -> pd.DataFrame:
    if not len(part) or not len(narrowed):
        return part
    at = {q: i for i, q in enumerate(narrowed["quantity"].tolist())}
    hit = [at.get(q, -1) for q in part["quantity"].tolist()]
    if all(h < 0 for h in hit):
        return part
    out = part.copy()
    for i, h in enumerate(hit):
        if h >= 0:
            out.iloc[i] = narrowed.iloc[h]
    return out


def _as_result(rows: pd.DataFrame) -> Any:
    """The table's rows read back as the core's per-quantity result (what the table builder
    reads), so that relations narrow them with the in-memory code."""
    from types import SimpleNamespace

    from estimates.reconciliation._core import NO_DAY, to_instant

    closed = _objects(rows["closed"])
    known = np.array([c is not None for c in closed], dtype=bool)
    low = rows["low"].to_numpy(dtype=float)
    high = rows["high"].to_numpy(dtype=float)

    def instants(column: str) -> npt.NDArray[np.int64]:
        out = [to_instant(v) for v in _objects(rows[column]).tolist()]
        return np.array([NO_DAY if d is None else d for d in out], dtype=np.int64)

    return SimpleNamespace(
        quantities=_objects(rows["quantity"]),
        at=instants("at"),
        known_on=instants("known_on"),
        unit=_objects(rows["unit"]),
        low=np.where(known & np.isnan(low), -np.inf, low),
        best=rows["best"].to_numpy(dtype=float),
        high=np.where(known & np.isnan(high), np.inf, high),
        closed_left=np.isin(closed, ["both", "left"]),
        closed_right=np.isin(closed, ["both", "right"]),
        level=rows["level"].to_numpy(dtype=float),
        note=_objects(rows["note"]),
        n_claims=rows["n_claims"].to_numpy(),
        n_sources=rows["n_sources"].to_numpy(),
        conflict=rows["conflict"].to_numpy(dtype=bool),
    )


def _objects(series: pd.Series[Any]) -> npt.NDArray[np.object_]:
    """Text as Python objects, None where missing (as the in-memory table holds it)."""
    values = np.array(series.to_numpy(dtype=object), dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _is_text(series: pd.Series[Any]) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)
