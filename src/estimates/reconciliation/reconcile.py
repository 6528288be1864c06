"""Reconcile the claims about a quantity: one honest range, every claim's role, an explanation.

:func:`reconcile` answers for one quantity with the rich face (:class:`Reconciliation`: the
range, each claim's role and weight, the conflicts, the spread, :meth:`Reconciliation.explain`);
:func:`reconcile_all` answers for every quantity at once as a table. Both run the same columnar
pipeline (:mod:`estimates.reconciliation._core`, whose docstring lists every step and every number), so they
give the same numbers.

Dates (DESIGN §3): ``known_on`` keeps the claims stated on or before it (a month or an interval
counts from its end); ``at`` is the moment asked about and defaults to ``known_on``. Nothing
reads the clock: with neither given, each quantity is reconciled on everything known about it
(``known_on`` = its latest ``stated_on``, ``at`` = ``known_on``), and the result says so.

>>> from estimates.ledger.claims import Claim
>>> from estimates.ledger.table import Ledger
>>> from estimates.values.ranges import Range
>>> ledger = Ledger([
...     Claim(quantity="troops", value=Range(best=10_000, unit="person"), source="US DoD",
...           stated_on="2024-10-28"),
...     Claim(quantity="troops", value=Range(best=11_000, high=12_000, unit="person"),
...           source="Seoul", stated_on="2024-10-31"),
...     Claim(quantity="troops", value=Range.exactly(12_000, unit="person"), source="Kyiv",
...           stated_on="2024-10-24"),
... ])
>>> r = reconcile(ledger, "troops", known_on="2024-11-01")
>>> r.value.low, r.value.best, r.value.high
(10000.0, 11000.0, 12000.0)
>>> str(r)
'As known on 1 Nov 2024, troops: 11,000 (10,000–12,000) people, from 3 sources (robust).'
>>> reconcile_all(ledger, known_on="2024-11-01")[["quantity", "low", "best", "high"]].values.tolist()
[['troops', 10000.0, 11000.0, 12000.0]]
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from estimates.errors import ClaimTableTypeError, DimensionError, ReconcileError
from estimates.ledger.arrays import claim_arrays
from estimates.reconciliation import _core
from estimates.reconciliation._building import _build
from estimates.reconciliation._core import (
    CoreResult,
    Settings,
    instant_text,
    to_instant,
)
from estimates.reconciliation._result import _OUTPUT_COLUMNS, Conflict, Reconciliation
from estimates.reconciliation._result import CLAIM_ROLE_COLUMNS as CLAIM_ROLE_COLUMNS
from estimates.reconciliation.methods import (
    check_options,
    describe_method,
    get_method,
    is_predictive,
)
from estimates.values.ranges import Range, closed_from_flags

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources

__all__ = ["Conflict", "Reconciliation", "reconcile", "reconcile_all"]

# -- the calls --------------------------------------------------------------------------------------


def _ledger_of(ledger: Ledger | pd.DataFrame) -> Ledger:
    from estimates.ledger.table import Ledger

    if isinstance(ledger, pd.DataFrame):
        # a claim table enters as every other way in does: checked row by row (a bad row raises
        # ClaimFileError), words read, dates spelled out; the day columns of ``Ledger.frame``
        # are derived, so they are derived again
        from estimates.ledger.schema import CLAIM_COLUMNS
        from estimates.ledger.table import FRAME_COLUMNS

        derived = [c for c in ledger.columns if c in FRAME_COLUMNS and c not in CLAIM_COLUMNS]
        ledger = Ledger.from_frame(ledger.drop(columns=derived))
    if not isinstance(ledger, Ledger):
        raise ClaimTableTypeError(
            f"claims must be a Ledger, a pandas DataFrame or a Dask DataFrame (the 'dask' "
            f"extra), got {type(ledger).__module__}.{type(ledger).__qualname__}"
        )
    return ledger


def _quantity_names(frame: pd.DataFrame) -> set[str]:
    """The quantities with a row in ``frame`` (a categorical column: its used categories)."""
    series = frame["quantity"]
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.intp)
        names = np.asarray(series.cat.categories, dtype=object)
        used = np.bincount(codes + 1, minlength=names.size + 1)[1:] > 0
        return {str(x) for x in names[used]}
    return {x for x in series.to_numpy(dtype=object).tolist() if isinstance(x, str)}


def _settings(
    method: str,
    at: object,
    known_on: object,
    sources: Sources | None,
    half_life: float | None,
    yardstick: str,
    options: Mapping[str, Any],
) -> Settings:
    get_method(method)  # an unknown name fails first, listing the known ones
    check_options(method, options)
    if half_life is not None and (
        isinstance(half_life, bool) or not isinstance(half_life, int | float) or not half_life > 0
    ):
        raise ReconcileError(f"half_life must be a number of days > 0, got {half_life!r}")
    opts = dict(options)
    relay_days = opts.pop("relay_days", 7)
    since_days = opts.pop("since_days", 45)
    change_days = opts.pop("change_days", 7)
    for name, value in (
        ("relay_days", relay_days),
        ("since_days", since_days),
        ("change_days", 0 if change_days is None else change_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ReconcileError(f"{name} must be a whole number of days >= 0, got {value!r}")
    return Settings(
        method=method,
        at=to_instant(at),
        known_on=to_instant(known_on),
        options=opts,
        sources=sources,
        half_life=None if half_life is None else float(half_life),
        yardstick=yardstick,
        relay_days=int(relay_days),
        since_days=int(since_days),
        change_days=None if change_days is None else int(change_days),
    )


def _range_from(res: CoreResult, i: int) -> Range | None:
    lo, hi, best = float(res.low[i]), float(res.high[i]), float(res.best[i])
    if math.isnan(lo) or math.isnan(hi):
        return None
    cl, cr = bool(res.closed_left[i]), bool(res.closed_right[i])
    closed = closed_from_flags(cl, cr)
    if lo == hi:
        closed = "both"
    return Range(
        low=None if math.isinf(lo) else lo,
        best=None if math.isnan(best) else best,
        high=None if math.isinf(hi) else hi,
        closed=closed,
        unit=res.unit[i],
    )


def _apply_relations(
    res: CoreResult, relations: Iterable[Any] | None
) -> tuple[dict[str, Range | None], dict[str, list[str]]]:
    """Each quantity's range after narrowing by ``relations``, and per quantity what moved."""
    ranges = {str(q): _range_from(res, i) for i, q in enumerate(res.quantities)}
    notes: dict[str, list[str]] = {}
    rels = list(relations or ())
    if not rels:
        return ranges, notes
    from estimates.reconciliation.relations import narrow

    given = {
        q: (r if r is not None else Range(unit=res.unit[i]))
        for i, (q, r) in enumerate(ranges.items())
    }
    narrowed, messages = narrow(given, rels)
    for q, r in narrowed.items():
        if ranges[q] is not None or r != given[q]:
            ranges[q] = r
    for message in messages:
        q = message.split(":", 1)[0]
        notes.setdefault(q if q in ranges else "", []).append(message)
    return ranges, notes


def reconcile(
    ledger: Ledger | pd.DataFrame,
    quantity: str,
    *,
    at: object = None,
    known_on: object = None,
    method: str = "robust",
    sources: Sources | None = None,
    half_life: float | None = None,
    yardstick: str = "icd203",
    relations: Iterable[Any] | None = None,
    resolved: Mapping[str, object] | pd.Series | None = None,
    **options: Any,
) -> Reconciliation:
    """Reconcile the claims about ``quantity``: one range, each claim's role, an explanation.

    Args:
        ledger: the claims (a :class:`~estimates.ledger.table.Ledger` or its frame).
        quantity: the quantity to reconcile.
        at: the moment asked about (a day, month, year or interval: its last day); default
            ``known_on``.
        known_on: the knowledge cut-off: claims stated after it are ignored; default: the
            latest ``stated_on`` of the quantity's claims.
        method: a registered method (:func:`estimates.reconciliation.methods.methods`).
        sources: how raw source names resolve (aliases); default: trailing qualifiers stripped.
        half_life: days after which a figure's weight halves (None: no recency weighting).
        yardstick: the yardstick reading hedge words into confidence.
        relations: relations between quantities (``at_most``, ``sum_of``, ``monotone``) to
            narrow the answer with; the quantities they name are reconciled too.
        resolved: true values that became known, by quantity (a mapping or a Series; numbers
            in the quantity's unit, or :class:`Range` values with a unit): a predictive method
            (``pooled``) learns each source's calibration and information from them (Cooke's
            Classical Model), leave-one-out for the resolved quantities themselves.
        **options: method options (``q`` for robust, ``level`` for pooled ...) and
            ``relay_days`` (7), ``since_days`` (45), ``change_days`` (7: a stock figure that
            every figure about a moment this many days later contradicts was overtaken, not
            disputed; ``None`` turns that off).

    Raises:
        ReconcileError: the quantity has no claims at all, or an option is invalid.
        UnknownMethodError: the method is not registered.
        DimensionError: the quantity's claims are in units of two dimensions.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> led = Ledger([Claim(quantity="kursk", value=Range.more_than(7000, unit="person"),
    ...                     source="HUR", stated_on="2024-10-31"),
    ...               Claim(quantity="kursk", value=Range.at_most(8000, unit="person"),
    ...                     source="State", stated_on="2024-10-31")])
    >>> r = reconcile(led, "kursk", method="consensus")
    >>> r.value.low, r.value.high, r.value.closed
    (7000.0, 8000.0, 'right')
    """
    led = _ledger_of(ledger)
    present = set(led.quantities)
    if resolved is not None:
        options = {
            **options,
            "resolved": _resolved(resolved, led._copy_frame(), present, method),
        }
    settings = _settings(method, at, known_on, sources, half_life, yardstick, options)
    if quantity not in present:
        known = sorted(present)
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        raise ReconcileError(
            f"no claims about {quantity!r} in the ledger; its quantities: {shown or 'none'}",
            quantity=quantity,
        )
    rels = list(relations or ())
    from estimates.reconciliation.methods import is_joint

    if rels:
        from estimates.reconciliation.relations import validate

        wanted = {quantity}
        for rel in validate(rels, known=present):
            wanted.update(_relation_quantities(rel))
        led = led.select(sorted(wanted))
    elif resolved is None and not is_joint(method):
        # learning from resolved quantities, or across quantities, needs the others too
        led = led.select(quantity)
    # the claims table and the conflicts read rows of the claims the core ran on
    frame = led._copy_frame()
    res = _core.run(claim_arrays(frame), settings, detail=True)
    i = int(np.flatnonzero(res.quantities == quantity)[0])
    ranges, narrow_notes = _apply_relations(res, rels)
    return _build(
        res, i, settings, ranges[quantity], narrow_notes.get(quantity, []), frame, options
    )


def _resolved(
    resolved: Mapping[str, object] | pd.Series,
    frame: pd.DataFrame,
    present: set[str] | None,
    method: str,
) -> dict[str, float]:
    """Check ``resolved`` against the ledger and give each value in its quantity's unit."""
    get_method(method)  # an unknown method name is the first thing to say
    if not is_predictive(method):
        raise ReconcileError(
            f"resolved= teaches a predictive method (such as 'pooled') how far to trust each "
            f"source; method {method!r} does not use it"
        )
    if isinstance(resolved, pd.Series | Mapping):
        items = list(resolved.items())
    else:
        raise ReconcileError(
            f"resolved must map quantities to their true values (a dict or a Series), "
            f"got {type(resolved).__name__}"
        )
    names = present if present is not None else _quantity_names(frame)
    out: dict[str, float] = {}
    problems: list[str] = []
    for key, raw in items:
        q = str(key)
        if q not in names:
            close = difflib.get_close_matches(q, sorted(names), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{q!r} is not a quantity of the ledger{hint}")
            continue
        value, unit = _true_value(raw)
        if value is None:
            problems.append(
                f"the true value of {q!r} must be a number (or a Range with a single value), "
                f"got {raw!r}"
            )
            continue
        if unit is not None:
            target = _unit_of(frame, q)
            if target is None:
                problems.append(
                    f"the true value of {q!r} is in {unit!r}, but its claims state no unit"
                )
                continue
            if target != unit:
                from estimates.values import units as _units

                try:
                    value *= _units.factor(unit, target)
                except DimensionError:
                    problems.append(
                        f"the true value of {q!r} is in {unit!r}, which does not measure what "
                        f"its claims do ({target!r})"
                    )
                    continue
        out[q] = value
    if problems:
        raise ReconcileError("resolved: " + "; ".join(problems))
    return out


def _true_value(raw: object) -> tuple[float | None, str | None]:
    """A true value given as a number or a single-valued Range, and its unit (or None)."""
    if isinstance(raw, Range):
        single = raw.best if raw.best is not None else (raw.low if raw.low == raw.high else None)
        return (None if single is None else float(single)), raw.unit
    if isinstance(raw, bool) or not isinstance(raw, int | float | np.integer | np.floating):
        return None, None
    value = float(raw)
    return (value if math.isfinite(value) else None), None


def _unit_of(frame: pd.DataFrame, quantity: str) -> str | None:
    """The unit a quantity is reconciled in: its most common unit (ties: alphabetical), as the
    pipeline chooses it."""
    if "unit" not in frame.columns:
        return None
    names = frame["quantity"].astype(object).to_numpy()
    units = frame["unit"].astype(object).to_numpy()[names == quantity]
    counts: dict[str, int] = {}
    for u in units.tolist():
        if isinstance(u, str) and u:
            counts[u] = counts.get(u, 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _relation_quantities(rel: Any) -> list[str]:
    out: list[str] = []
    for name in ("part", "whole", "total", "quantity"):
        value = getattr(rel, name, None)
        if isinstance(value, str):
            out.append(value)
    out.extend(getattr(rel, "parts", ()) or ())
    return out


def reconcile_all(
    ledger: Ledger | pd.DataFrame | Any,
    *,
    at: object = None,
    known_on: object = None,
    method: str = "robust",
    relations: Iterable[Any] | None = None,
    sources: Sources | None = None,
    half_life: float | None = None,
    yardstick: str = "icd203",
    resolved: Mapping[str, object] | pd.Series | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Reconcile every quantity at once: one row per quantity, on the columnar core.

    Columns (DESIGN §4): ``quantity, at, known_on, method, low, best, high, closed, unit,
    level, n_claims, n_sources, conflict, note``; ``level`` is the probability that the true
    value lies in the range (a predictive method such as ``pooled``), NaN where the range is
    no probability statement. ``resolved`` is as in :func:`reconcile`. Dates are ISO text; ``low``/``high`` are NaN where
    unbounded, as in a claim table; an unknown answer has NaN ``low``, ``best`` and ``high``
    and a ``note`` starting with "unknown" that says why. The numbers are those of
    :func:`reconcile` for each quantity, with the same arguments.

    ``ledger`` may also be a ``dask.dataframe.DataFrame`` holding a claim table larger than
    memory (the ``dask`` extra): it is checked per partition and reconciled on the cluster with
    the same answers, see :func:`estimates.reconciliation.distributed.reconcile_all` for its
    extra keywords (``compute=False`` keeps the result lazy; ``errors="collect"``).

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> led = Ledger([Claim(quantity="a", value=Range.at_least(5), source="S", stated_on="2024-01-01"),
    ...               Claim(quantity="b", value=Range.exactly(2), source="S", stated_on="2024-02-01")])
    >>> reconcile_all(led)[["quantity", "known_on", "low", "high", "closed"]].values.tolist()
    [['a', '2024-01-01', 5.0, nan, 'left'], ['b', '2024-02-01', 2.0, 2.0, 'both']]
    """
    from estimates.reconciliation import distributed

    if distributed.is_dask_frame(ledger):
        extra = {k: options.pop(k) for k in distributed.KEYWORDS if k in options}
        settings = _settings(method, at, known_on, sources, half_life, yardstick, options)
        lazy: pd.DataFrame = distributed.reconcile_all(
            ledger,
            settings,
            table=_table,
            resolve=_resolved,
            relations=relations,
            resolved=resolved,
            **extra,
        )
        return lazy
    led = _ledger_of(ledger)
    if resolved is not None:
        options = {**options, "resolved": _resolved(resolved, led._copy_frame(), None, method)}
    settings = _settings(method, at, known_on, sources, half_life, yardstick, options)
    # the core reads the ledger's arrays (new read-only copies), never its frame
    return _table(_core.run(led._arrays(), settings), method, relations)


def _table(res: CoreResult, method: str, relations: Iterable[Any] | None) -> pd.DataFrame:
    """The table of :func:`reconcile_all` from the core's result (narrowed by ``relations``)."""
    rels = list(relations or ())
    level = res.level.copy() if res.level is not None else np.full(len(res.quantities), np.nan)
    note = res.note.copy()
    low, best, high = res.low.copy(), res.best.copy(), res.high.copy()
    cl, cr = res.closed_left.copy(), res.closed_right.copy()
    if rels:
        ranges, notes = _apply_relations(res, rels)
        for i, q in enumerate(res.quantities.tolist()):
            moved = notes.get(q)
            if not moved:
                continue
            r = ranges[q]
            if r is not None:
                low[i] = -np.inf if r.low is None else r.low
                high[i] = np.inf if r.high is None else r.high
                best[i] = np.nan if r.best is None else r.best
                cl[i], cr[i] = r.closed_left, r.closed_right
            level[i] = np.nan  # narrowed by a relation: no longer a range at its level
            note[i] = "; ".join([*([note[i]] if note[i] else []), *moved])
    closed = np.where(cl & cr, "both", np.where(cl, "left", np.where(cr, "right", "neither")))
    unknown = np.isnan(low) | np.isnan(high)
    closed = np.where(unknown, np.array(None, dtype=object), closed.astype(object))
    return pd.DataFrame(
        {
            "quantity": res.quantities.astype(object),
            "at": _iso(res.at),
            "known_on": _iso(res.known_on),
            "method": np.full(len(res.quantities), method, dtype=object),
            "low": np.where(np.isinf(low), np.nan, low),
            "best": best,
            "high": np.where(np.isinf(high), np.nan, high),
            "closed": closed.astype(object),
            "unit": res.unit.astype(object),
            "level": np.where(np.isnan(low) | np.isnan(high), np.nan, level),
            "n_claims": res.n_claims.astype(np.int64),
            "n_sources": res.n_sources.astype(np.int64),
            "conflict": res.conflict.astype(bool),
            "note": note.astype(object),
        },
        columns=list(_OUTPUT_COLUMNS),
    )


def _iso(days: np.ndarray) -> np.ndarray:
    """ISO text per instant (None for no date), computed once per distinct instant."""
    uniq, inverse = np.unique(days, return_inverse=True)
    text = np.array([instant_text(int(d)) for d in uniq.tolist()], dtype=object)
    return text[inverse] if days.size else np.zeros(0, dtype=object)


def describe(method: str) -> str:
    """The description of a method (for the command line and notebooks).

    >>> describe("robust")
    'weighted median and weighted quantiles; outliers cannot drag it'
    """
    return describe_method(method)
