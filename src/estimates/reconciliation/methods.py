"""Methods: ways of combining the evidence about many quantities at once.

A method is a function ``fn(ev: Evidence, options: Mapping[str, object]) -> Combined``. The
evidence arrives as rows grouped by quantity (one contiguous segment per quantity, described by
``ev.starts``); the method returns one interval per segment. Methods never see pydantic objects
or dates: the reconciling pipeline (:mod:`estimates.reconciliation._core`) has already applied known-on, merged
one source's figures of one day, dropped relays, applied supersession, converted units and set
the prior weights.

Built-in methods: ``consensus`` (the intersection), ``envelope`` (the hull), ``robust`` (the
default: weighted median and weighted quantiles), ``latest`` (the newest figure wins). ``pooled``
(random effects), ``crh``, ``catd`` and ``plurality`` (truth discovery) are registered by import path and load
only when used. Add your own with :func:`register_method`.

How a row is read (shared by every built-in method): :func:`~estimates.reconciliation._evidence.readings`.

>>> import numpy as np
>>> ev = Evidence.from_rows(
...     quantity=["q", "q", "q"], low=[10.0, 11.0, 12.0], high=[10.0, 11.0, 12.0]
... )
>>> get_method("robust")(ev, {}).best.tolist()
[11.0]
>>> "robust" in methods()
True
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from estimates.errors import OptionError, ReconcileError, UnknownMethodError
from estimates.reconciliation._evidence import (
    Combined,
    Evidence,
    NumberWriter,
    Readings,
    plain_number,
    readings,
    side_closed,
)
from estimates.reconciliation._robust import robust
from estimates.reconciliation._segments import (
    segment_max,
    segment_min,
    segment_quantiles,
    sort_segments,
)
from estimates.reconciliation.stages.arrays import (
    BoolArray,
    FloatArray,
)

__all__ = [
    "COMMON_OPTIONS",
    "DEFAULT_LEVEL",
    "Combined",
    "Evidence",
    "Method",
    "NumberWriter",
    "Readings",
    "check_options",
    "consensus",
    "describe_method",
    "envelope",
    "get_method",
    "is_joint",
    "is_predictive",
    "latest",
    "method_level",
    "method_options",
    "methods",
    "plain_number",
    "range_meaning",
    "readings",
    "register_method",
    "robust",
    "segment_quantiles",
    "sort_segments",
]


Method = Callable[[Evidence, Mapping[str, object]], Combined]


# -- built-in methods ---------------------------------------------------------------------------


def _median_points(ev: Evidence, r: Readings, low: FloatArray, high: FloatArray) -> FloatArray:
    """Weighted median of the points, clipped into ``[low, high]`` (NaN when no point)."""
    has = np.isfinite(r.point)
    w = np.where(has, ev.weight, 0.0)
    med = segment_quantiles(
        np.where(has, r.point, 0.0), w, ev.segment, ev.n_segments, [(0.5, "mid")]
    )[0]
    with np.errstate(invalid="ignore"):
        return np.clip(med, low, high)


def consensus(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The intersection of every row's range; an empty intersection is a conflict (NaN + note).

    The range is the values every claim allows, not a probability about the true value.

    The best value is the weighted median of the rows' points, moved into the intersection.

    >>> ev = Evidence.from_rows(quantity=["q", "q"], low=[7000.0, 0.0], high=[np.nan, 8000.0],
    ...                         closed_left=[False, True])
    >>> c = consensus(ev, {})
    >>> c.low.tolist(), c.high.tolist(), c.closed_left.tolist()
    ([7000.0], [8000.0], [False])
    >>> c = consensus(Evidence.from_rows(quantity=["q", "q"], best=[3.0, 5.0]), {})
    >>> c.note
    ('conflict: the figures cannot all hold (highest low 5 above lowest high 3)',)
    """
    r = readings(ev)
    lo = segment_max(r.low, ev.starts)
    hi = segment_min(r.high, ev.starts)
    cl = side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev, every=True)
    cr = side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev, every=True)
    empty = (lo > hi) | ((lo == hi) & ~(cl & cr))
    best = _median_points(ev, r, lo, hi)
    note = tuple(
        f"conflict: the figures cannot all hold (highest low {ev.write(a)} above lowest high {ev.write(b)})"
        if e
        else None
        for e, a, b in zip(empty.tolist(), lo.tolist(), hi.tolist(), strict=True)
    )
    nan = np.full(lo.size, np.nan)
    return Combined(
        low=np.where(empty, nan, lo),
        best=np.where(empty, nan, best),
        high=np.where(empty, nan, hi),
        closed_left=cl & ~empty,
        closed_right=cr & ~empty,
        note=note,
    )


def envelope(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The hull: from the lowest low to the highest high; best is the weighted median point.

    The range is the values at least one claim allows, not a probability about the true value.

    >>> ev = Evidence.from_rows(quantity=["q", "q"], low=[2000.0, 11000.0], high=[12000.0, 12000.0])
    >>> c = envelope(ev, {})
    >>> c.low.tolist(), c.best.tolist(), c.high.tolist()
    ([2000.0], [9250.0], [12000.0])
    """
    r = readings(ev)
    lo = segment_min(r.low, ev.starts)
    hi = segment_max(r.high, ev.starts)
    cl = side_closed(lo, r.low, ev.closed_left | ~np.isfinite(ev.low), ev, every=False)
    cr = side_closed(hi, r.high, ev.closed_right | ~np.isfinite(ev.high), ev, every=False)
    best = _median_points(ev, r, lo, hi)
    return Combined(lo, best, hi, cl, cr, (None,) * lo.size)


def latest(ev: Evidence, options: Mapping[str, object]) -> Combined:
    """The newest figure wins (by the day it describes, then the day it was stated).

    The range is the newest figure's own range, not a probability about the true value.

    Rows describing the same newest day are combined by their hull. Needs ``ev.as_of_day``.
    This is what a bot that keeps only the last reported figure does; it is here for comparison.

    >>> ev = Evidence.from_rows(quantity=["q"] * 3, best=[3000.0, 10000.0, 12000.0], as_of_day=[1, 3, 2])
    >>> latest(ev, {}).best.tolist()
    [10000.0]
    """
    if ev.as_of_day is None:
        raise ReconcileError(
            "method 'latest' needs the day each figure describes (Evidence.as_of_day)"
        )
    day = ev.as_of_day.astype(np.int64)
    stated = ev.stated_day if ev.stated_day is not None else np.zeros_like(day)
    # one sortable key per row: newest as_of first, then newest stated
    key = day.astype(np.float64) * 1e6 + stated.astype(np.float64) - float(stated.min(initial=0))
    newest = segment_max(key, ev.starts)
    keep = key == newest[ev.segment]
    sub = _mask_weights(ev, keep)
    return envelope(sub, options)


def _mask_weights(ev: Evidence, keep: BoolArray) -> Evidence:
    """The same evidence restricted to ``keep`` rows (each segment keeps at least one)."""
    seg = ev.segment[keep]
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]]).astype(np.intp)
    return Evidence(
        low=ev.low[keep],
        high=ev.high[keep],
        best=ev.best[keep],
        closed_left=ev.closed_left[keep],
        closed_right=ev.closed_right[keep],
        weight=ev.weight[keep],
        source=ev.source[keep],
        source_names=ev.source_names,
        reliability=ev.reliability[keep],
        starts=starts,
        quantities=ev.quantities,
        positive=ev.positive,
        as_of_day=None if ev.as_of_day is None else ev.as_of_day[keep],
        stated_day=None if ev.stated_day is None else ev.stated_day[keep],
        level=None if ev.level is None else ev.level[keep],
        number=ev.number,
    )


# -- the registry -------------------------------------------------------------------------------


#: The default probability of a predictive range (a method whose range is a probability
#: statement about the true value reads its ``level`` option, else this).
DEFAULT_LEVEL = 0.9


@dataclass(frozen=True)
class _Entry:
    target: Method | str
    description: str
    joint: bool
    meaning: str
    predictive: bool


#: Options every method takes: the reconciliation's own steps read them.
COMMON_OPTIONS: tuple[str, ...] = ("change_days", "relay_days", "since_days")
_TRUTH_OPTIONS = ("coverage", "loss", "max_iter", "prior_strength", "tol")
#: The options each method reads; a method left out declares none, and any option is passed
#: to it unchecked.
_options: dict[str, tuple[str, ...]] = {
    "consensus": (),
    "envelope": (),
    "robust": ("q",),
    "latest": (),
    "pooled": ("claim_level", "cutoff", "level", "prior_share", "resolved", "scale", "widen"),
    "pooled_mean": ("default_error", "hk", "interval_level", "level", "min_error", "scale"),
    "crh": _TRUTH_OPTIONS,
    "catd": ("alpha", *_TRUTH_OPTIONS),
    "plurality": ("iterations", "prior_accuracy", "prior_strength", "tolerance"),
}

_SPREAD = "a spread of the sources' figures, not a probability about the true value"
_lock = threading.Lock()
_registry: dict[str, _Entry] = {
    "consensus": _Entry(
        consensus,
        "the intersection of the claims; empty means a conflict",
        False,
        "the intersection of the claims: the values every one of them allows, not a probability",
        False,
    ),
    "envelope": _Entry(
        envelope,
        "the hull of the claims",
        False,
        "the hull of the claims: the values at least one of them allows, not a probability",
        False,
    ),
    "robust": _Entry(
        robust,
        "weighted median and weighted quantiles; outliers cannot drag it",
        False,
        "the middle of the sources' figures (weighted quartiles, widened to the stated ranges): "
        + _SPREAD,
        False,
    ),
    "latest": _Entry(
        latest,
        "the newest figure wins (for comparison)",
        False,
        "the newest figure's own range, not a probability",
        False,
    ),
    "pooled": _Entry(
        "estimates.reconciliation._pooled:pooled",
        "predictive pool: the claims as distributions, mixed by weight (Cooke's model with "
        "resolved=)",
        False,
        "a predictive range: the true value lies in it with probability level",
        True,
    ),
    "pooled_mean": _Entry(
        "estimates.reconciliation._pooled_mean:pooled_mean",
        "random effects (DerSimonian–Laird, Hartung–Knapp): an interval for the sources' mean",
        False,
        "an interval for the mean of the sources (random effects at level), not for the true "
        "value: it narrows as sources are added, even when they share their errors",
        False,
    ),
    "crh": _Entry(
        "estimates.reconciliation.truth:crh",
        "truth discovery (CRH): learns each source's reliability",
        True,
        "the middle half of the learned weight over the claims' ends: " + _SPREAD,
        False,
    ),
    "catd": _Entry(
        "estimates.reconciliation.truth:catd",
        "truth discovery (CATD): confidence-aware source weights",
        True,
        "the middle half of the learned weight over the claims' ends: " + _SPREAD,
        False,
    ),
    "plurality": _Entry(
        "estimates.reconciliation.plurality:plurality",
        "truth discovery for many sources of mixed quality: the figure trusted, independent "
        "sources agree on (copies count once)",
        True,
        "the span of the figures that agree with the answer (else the weighted quartiles of "
        "the figures): " + _SPREAD,
        False,
    ),
}


def register_method(
    name: str,
    fn: Method | str,
    *,
    description: str,
    joint: bool = False,
    replace: bool = False,
    meaning: str | None = None,
    predictive: bool = False,
    options: Iterable[str] | None = None,
) -> None:
    """Register a method under ``name``.

    ``fn`` is a function ``fn(ev, options) -> Combined`` or an import path ``"module:function"``
    loaded on first use. ``joint=True`` declares a method that learns across quantities (truth
    discovery): reconciling one quantity then runs it on the whole ledger. ``meaning`` says in
    words what the method's range is (default: "the range the method returns, not a
    probability"); ``predictive=True`` declares that it is a probability statement about the
    true value at the option ``level`` (default :data:`DEFAULT_LEVEL`). Registering a name that
    exists raises unless ``replace=True``. ``options`` names the options the method reads: any
    other is then refused with a "did you mean" (left out, options are passed through
    unchecked).

    >>> def midpoint(ev, options):
    ...     r = readings(ev)
    ...     lo = np.minimum.reduceat(r.low, ev.starts)
    ...     hi = np.maximum.reduceat(r.high, ev.starts)
    ...     return Combined(lo, (lo + hi) / 2, hi, np.isfinite(lo), np.isfinite(hi), (None,) * lo.size)
    >>> register_method("midpoint", midpoint, description="middle of the hull", replace=True)
    >>> get_method("midpoint") is midpoint
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise ReconcileError(f"a method name must be a non-blank string, got {name!r}")
    if not (callable(fn) or (isinstance(fn, str) and ":" in fn)):
        raise ReconcileError(f"a method must be a function or a 'module:function' path, got {fn!r}")
    with _lock:
        if name in _registry and not replace:
            raise ReconcileError(
                f"method {name!r} is already registered; pass replace=True to replace it"
            )
        if options is None:
            _options.pop(name, None)
        else:
            _options[name] = tuple(sorted(str(o) for o in options))
        _registry[name] = _Entry(
            fn,
            description,
            joint,
            meaning or "the range the method returns, not a probability",
            bool(predictive),
        )


def method_options(name: str) -> tuple[str, ...] | None:
    """The options a method declares (beyond :data:`COMMON_OPTIONS`); None if undeclared.

    >>> method_options("robust"), method_options("consensus")
    (('q',), ())
    """
    if not isinstance(name, str) or name not in _registry:
        raise UnknownMethodError(str(name), known=methods())
    return _options.get(name)


def check_options(name: str, options: Iterable[str]) -> None:
    """Refuse an option that method ``name`` does not declare, with a "did you mean".

    >>> check_options("robust", ["q", "relay_days"])
    >>> check_options("robust", ["levle"])
    Traceback (most recent call last):
    ...
    estimates.errors.OptionError: unknown option 'levle' for method 'robust'; allowed: change_days, q, relay_days, since_days
    >>> check_options("pooled", ["levle"])
    Traceback (most recent call last):
    ...
    estimates.errors.OptionError: unknown option 'levle' for method 'pooled'; did you mean 'level'? ...
    """
    declared = method_options(name)
    if declared is None:
        return
    allowed = (*declared, *COMMON_OPTIONS)
    for option in options:
        if option not in allowed:
            raise OptionError(str(option), allowed=allowed, where=f"method {name!r}")


def get_method(name: str) -> Method:
    """The method registered under ``name``; raise :class:`UnknownMethodError` listing the names.

    >>> get_method("median")
    Traceback (most recent call last):
    ...
    estimates.errors.UnknownMethodError: unknown name 'median'; known: catd, consensus, ...
    """
    entry = _registry.get(name) if isinstance(name, str) else None
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    if isinstance(entry.target, str):
        module_name, _, attr = entry.target.partition(":")
        try:
            module = importlib.import_module(module_name)
            fn: Method = getattr(module, attr)
        except (ImportError, AttributeError) as exc:
            raise UnknownMethodError(
                f"{name} (registered as {entry.target}, which cannot be loaded: {exc})",
                known=methods(),
            ) from exc
        with _lock:
            _registry[name] = _Entry(
                fn, entry.description, entry.joint, entry.meaning, entry.predictive
            )
        return fn
    return entry.target


def describe_method(name: str) -> str:
    """The one-line description of a registered method.

    >>> describe_method("envelope")
    'the hull of the claims'
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.description


def range_meaning(name: str) -> str:
    """What the range of a registered method is, in words.

    >>> range_meaning("consensus")
    'the intersection of the claims: the values every one of them allows, not a probability'
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.meaning


def is_predictive(name: str) -> bool:
    """Whether the method's range is a probability statement about the true value (at ``level``).

    >>> is_predictive("pooled"), is_predictive("robust")
    (True, False)
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.predictive


def method_level(name: str, options: Mapping[str, object]) -> float | None:
    """The probability a method's range carries with ``options``; None when it carries none.

    The option ``level`` of a predictive method must be a number strictly between 0 and 1.

    >>> method_level("pooled", {}), method_level("pooled", {"level": 0.5}), method_level("envelope", {})
    (0.9, 0.5, None)
    """
    if not is_predictive(name):
        return None
    value = options.get("level", DEFAULT_LEVEL)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ReconcileError(
            f"option level={value!r} must be a probability strictly between 0 and 1"
        )
    return float(value)


def is_joint(name: str) -> bool:
    """Whether the method learns across quantities (truth discovery).

    >>> is_joint("crh"), is_joint("robust")
    (True, False)
    """
    entry = _registry.get(name)
    if entry is None:
        raise UnknownMethodError(str(name), known=methods())
    return entry.joint


def methods() -> tuple[str, ...]:
    """The registered method names, sorted.

    >>> {"consensus", "envelope", "latest", "pooled", "robust"} <= set(methods())
    True
    """
    return tuple(sorted(_registry))
