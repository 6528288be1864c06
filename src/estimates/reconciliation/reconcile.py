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

import datetime as dt
import difflib
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ConfigDict, PrivateAttr

from estimates.errors import ClaimTableTypeError, DimensionError, ReconcileError
from estimates.reconciliation import _core
from estimates.reconciliation._core import (
    DAY,
    NO_DAY,
    ROLES,
    USED_ROLES,
    CoreResult,
    Settings,
    instant_text,
    to_instant,
)
from estimates.reconciliation.methods import (
    check_options,
    describe_method,
    get_method,
    is_predictive,
    range_meaning,
)
from estimates.values._model import Model
from estimates.values.ranges import Range, closed_from_flags
from estimates.values.vocabulary import KINDS, KindCode
from estimates.values.words import claims_step, number, range_words

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources

__all__ = ["Conflict", "Reconciliation", "reconcile", "reconcile_all"]

#: Columns of :attr:`Reconciliation.claims`.
CLAIM_ROLE_COLUMNS: tuple[str, ...] = (
    "claim_id", "source", "resolved_source", "via", "text", "low", "best", "high", "unit", "kind",
    "stated_on", "as_of", "since", "role", "used", "weight", "bound", "evidence", "note",
)  # fmt: skip
_OUTPUT_COLUMNS: tuple[str, ...] = (
    "quantity", "at", "known_on", "method", "low", "best", "high", "closed", "unit",
    "level", "n_claims", "n_sources", "conflict", "note",
)  # fmt: skip
_KIND_NAMES = KINDS
OptionValue = float | int | str | bool | None


class Conflict(Model):
    """Two used figures that cannot both hold: one lies wholly below the other.

    In one dimension a set of ranges has no common value exactly when two of them are disjoint
    (Helly's theorem on the line), so pairs are the smallest conflicting sets.

    >>> c = Conflict(low_claim="a", low_source="NIS", low_text="3,000", high_claim="b",
    ...              high_source="HUR", high_text="12,000", gap=9000.0)
    >>> str(c)
    "NIS's 3,000 and HUR's 12,000 cannot both hold: a gap of 9,000"
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    low_claim: str
    low_source: str
    low_text: str
    high_claim: str
    high_source: str
    high_text: str
    gap: float

    def __str__(self) -> str:
        return (
            f"{_owner(self.low_source)} {self.low_text} and {_owner(self.high_source)} "
            f"{self.high_text} cannot both hold: a gap of {number(self.gap)}"
        )


class Reconciliation(Model):
    """The reconciled answer for one quantity, with everything that went into it.

    Attributes:
        quantity: what was reconciled.
        at: the moment asked about (None when no claim has a date).
        known_on: the knowledge cut-off (None when no claim has a date).
        dates_given: whether ``at``/``known_on`` were given (False: defaults, "everything known").
        method: the method's name; ``options``: every option in force, as (name, value) pairs.
        half_life: days, or None (no recency weighting); ``yardstick``: the hedge yardstick.
        unit: the unit of the answer (the quantity's most common unit).
        value: the answer as a :class:`Range` with best, or None when unknown.
        level: the probability that the true value lies in ``value`` (a predictive method
            such as ``pooled``), or None when the range is no probability statement.
        range_meaning: what the range is, in words (a predictive range, an intersection, a
            hull, a spread of the sources ...).
        note: why the answer is unknown, or what the method noted; None otherwise.
        n_claims: claims that carry weight; ``n_sources``: distinct sources among them.
        conflict: whether the used figures cannot all hold.
        conflicts: the pairs of used figures that cannot both hold, largest gap first.
        spread: the range of the used figures' points (lowest to highest), or None.
        narrowed: what relations between quantities narrowed, and why.
        conventions: the conventions that read the used figures from words (``ferson`` ...).
        claims: (property) one row per known claim: its role, weight and reading.
        sources: (property) the method's per-source table (truth discovery), or None.

    >>> from estimates.ledger.table import Ledger
    >>> from estimates.ledger.claims import Claim
    >>> ledger = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A", stated_on="2024-01-02")])
    >>> r = reconcile(ledger, "q")
    >>> r.value.best, r.known_on, r.dates_given
    (5.0, datetime.date(2024, 1, 2), False)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    quantity: str
    #: a date, or a datetime when ``at``/``known_on`` was given with a time of day
    at: dt.datetime | dt.date | None
    known_on: dt.datetime | dt.date | None
    dates_given: bool
    method: str
    options: tuple[tuple[str, OptionValue], ...] = ()
    half_life: float | None = None
    yardstick: str = "icd203"
    unit: str | None = None
    value: Range | None = None
    level: float | None = None
    range_meaning: str = ""
    note: str | None = None
    n_claims: int = 0
    n_sources: int = 0
    conflict: bool = False
    conflicts: tuple[Conflict, ...] = ()
    spread: Range | None = None
    narrowed: tuple[str, ...] = ()
    conventions: tuple[str, ...] = ()
    _claims: pd.DataFrame = PrivateAttr(default_factory=pd.DataFrame)
    _sources: pd.DataFrame | None = PrivateAttr(default=None)

    @property
    def known(self) -> bool:
        """Whether there is an answer (``value`` is not None).

        >>> from estimates.ledger.table import Ledger
        >>> from estimates.ledger.claims import Claim
        >>> led = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A", stated_on="2024-01-02")])
        >>> reconcile(led, "q", at="2020-01-01").known
        False
        """
        return self.value is not None

    @property
    def claims(self) -> pd.DataFrame:
        """One row per claim known on ``known_on``: role, whether used, weight, reading, note.

        Roles: used, superseded, duplicate, relay, stale, outlier, bound, projection,
        out of window, future (hindsight). A copy: changing it changes nothing here.

        >>> from estimates.ledger.table import Ledger
        >>> from estimates.ledger.claims import Claim
        >>> led = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A", stated_on="2024-01-02")])
        >>> reconcile(led, "q").claims[["source", "role", "weight"]].values.tolist()
        [['A', 'used', 0.6]]
        """
        return self._claims.copy()

    @property
    def sources(self) -> pd.DataFrame | None:
        """The method's per-source table (truth discovery methods), else None.

        >>> from estimates.ledger.table import Ledger
        >>> from estimates.ledger.claims import Claim
        >>> led = Ledger([Claim(quantity="q", value=Range.exactly(5), source="A", stated_on="2024-01-02")])
        >>> reconcile(led, "q").sources is None
        True
        """
        return None if self._sources is None else self._sources.copy()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Reconciliation):
            return NotImplemented
        return self.model_dump() == other.model_dump() and self._claims.equals(other._claims)

    def __hash__(self) -> int:
        return hash((self.quantity, self.at, self.known_on, self.method, self.value))

    def __str__(self) -> str:
        return self.explain().split("\n", 1)[0]

    def _repr_html_(self) -> str:
        from estimates.values._html import (
            reconciliation_html,  # the notebook face loads only in notebooks
        )

        return reconciliation_html(self)

    def explain(self) -> str:
        """Plain sentences a journalist could paste: the answer, then how it was reached.

        >>> from estimates.ledger.table import Ledger
        >>> from estimates.ledger.claims import Claim
        >>> led = Ledger([
        ...     Claim(quantity="troops", value=Range.exactly(3000, unit="person"), source="NIS",
        ...           stated_on="2024-10-23"),
        ...     Claim(quantity="troops", value=Range.exactly(11000, unit="person"), source="NIS",
        ...           stated_on="2024-10-31"),
        ... ])
        >>> print(reconcile(led, "troops").explain())
        As known on 31 Oct 2024 (everything known), troops: 11,000 people, from 1 source (robust).
        NIS's 3,000 of 23 Oct 2024 is superseded by a later figure.
        The range is the middle of the sources' figures (weighted quartiles, widened to the stated ranges): a spread of the sources' figures, not a probability about the true value.
        """
        return _explain(self)


# -- formatting -----------------------------------------------------------------------------------


def _date(d: dt.date | None) -> str:
    if d is None:
        return "an undated moment"
    text = f"{d.day} {d.strftime('%b %Y')}"
    if isinstance(d, dt.datetime):
        text += d.strftime(" %H:%M:%S" if d.second else " %H:%M")
    return text


def _value_text(value: Range, step: float | None) -> str:
    return range_words(value.low, value.best, value.high, value.closed, value.unit, step=step)


def _explain(r: Reconciliation) -> str:
    if r.known_on is None:
        when = "With no claim dated"
    else:
        when = f"As known on {_date(r.known_on)}"
        if r.at != r.known_on:
            when += f", at {_date(r.at)}"
    if not r.dates_given:
        when += " (everything known)"
    lines: list[str] = []
    # the answer is written at the precision of the figures it rests on
    step = claims_step(r._claims)
    if r.value is None:
        lines.append(f"{when}, {r.quantity}: unknown ({r.note or 'no answer'}).")
    else:
        plural = "source" if r.n_sources == 1 else "sources"
        lines.append(
            f"{when}, {r.quantity}: {_value_text(r.value, step)}, from {r.n_sources} {plural} ({r.method})."
        )
        if r.note:
            lines.append(f"Note: {r.note}.")
    claims = r._claims
    if len(claims):
        lines.extend(_role_sentences(claims, r))
    if r.conflicts:
        shown = "; ".join(str(c) for c in r.conflicts[:3])
        extra = len(r.conflicts) - 3
        more = f" (and {extra} more pair{'s' if extra > 1 else ''})" if extra > 0 else ""
        lines.append(f"Conflicts: {shown}{more}.")
    if r.spread is not None and r.spread.low != r.spread.high:
        lines.append(
            f"The figures used range from {number(r.spread.low or 0.0, step=step, rounding='down')} "
            f"to {number(r.spread.high or 0.0, step=step, rounding='up')}."
        )
    lines.extend(f"Narrowed: {n}." for n in r.narrowed)
    if r.value is not None and r.range_meaning:
        lines.append(_meaning_sentence(r))
    return "\n".join(lines)


def _meaning_sentence(r: Reconciliation) -> str:
    """What the range is: a probability statement with its level, or what it is instead."""
    if r.level is not None:
        return (
            f"The range is a predictive range: the true value lies in it with probability "
            f"{number(r.level, exact=True)}."
        )
    return f"The range is {r.range_meaning}."


def _who(row: Mapping[str, Any]) -> str:
    stated = row["stated_on"]
    day: dt.date | None = None
    if isinstance(stated, str) and len(stated) > 10 and stated[10] == "T":
        day = dt.datetime.fromisoformat(stated)
    elif isinstance(stated, str) and len(stated) >= 10:
        day = dt.date.fromisoformat(stated[:10])
    when = f" of {_date(day)}" if day is not None else (f" of {stated}" if stated else "")
    return f"{_owner(str(row['resolved_source']))} {row['figure']}{when}"


def _owner(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _role_sentences(claims: pd.DataFrame, r: Reconciliation) -> list[str]:
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in rec.items()} for rec in claims.to_dict("records")
    ]
    for row in rows:
        row["figure"] = range_words(row["low"], row["best"], row["high"])
    out: list[str] = []
    by_role: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_role.setdefault(row["role"], []).append(row)
    phrases = {
        "superseded": (
            "is superseded by a later figure",
            "are superseded by later figures",
        ),
        "overtaken": (
            "was overtaken: every figure about a later moment contradicts it (the level changed)",
            "were overtaken: every figure about a later moment contradicts them (the level changed)",
        ),
        "revised": (
            "was revised down by its source (a revision, not a conflict)",
            "were revised down by their sources (revisions, not conflicts)",
        ),
        "outlier": ("lies outside the answer (an outlier)", "lie outside the answer (outliers)"),
        "relay": (
            "is a relay of a statement already counted",
            "are relays of statements already counted",
        ),
        "duplicate": ("duplicates a figure already counted", "duplicate figures already counted"),
        "stale": ("is old and weighs less (half-life)", "are old and weigh less (half-life)"),
        "projection": (
            "is a projection, set apart from observations",
            "are projections, set apart from observations",
        ),
        "future": (
            "describes a later moment and is used with hindsight",
            "describe later moments and are used with hindsight",
        ),
    }
    for role in (
        "superseded", "overtaken", "revised", "outlier", "stale", "future", "relay", "duplicate",
        "projection",
    ):  # fmt: skip
        items = by_role.get(role, [])
        if not items:
            continue
        names = _join([_who(x) for x in items[:4]]) + (
            f" and {len(items) - 4} more" if len(items) > 4 else ""
        )
        singular, plural = phrases[role]
        out.append(f"{names} {singular if len(items) == 1 else plural}.")
    bounds = by_role.get("bound", [])
    if bounds:
        lower = [x for x in bounds if x["bound"] == "lower"]
        upper = [x for x in bounds if x["bound"] == "upper"]
        if lower:
            out.append(
                f"Running totals stated before {_date(r.at)} are lower bounds: {_join([_who(x) for x in lower[:5]])}."
            )
        if upper:
            out.append(
                f"Running totals stated for later moments are upper bounds (hindsight): {_join([_who(x) for x in upper[:5]])}."
            )
    apart = by_role.get("out of window", [])
    if apart:
        reasons: dict[str, list[str]] = {}
        for x in apart:
            reasons.setdefault(x["note"] or "set apart", []).append(_who(x))
        for reason, who in reasons.items():
            out.append(
                f"Set apart ({reason}): {_join(who[:5])}"
                + (f" and {len(who) - 5} more." if len(who) > 5 else ".")
            )
    out.extend(_implied_ends(rows))
    merged = [x for x in rows if x["note"] and str(x["note"]).startswith("one interval")]
    if merged:
        groups: dict[tuple[str, str], list[str]] = {}
        for x in merged:
            groups.setdefault((x["resolved_source"], x["stated_on"]), []).append(x["figure"])
        for (src, stated), figs in groups.items():
            out.append(f"{src}'s figures of {stated} ({_join(figs)}) count as one interval.")
    return out


def _implied_ends(rows: list[dict[str, Any]]) -> list[str]:
    """For running totals: the ends that only a convention added to a used figure ("over
    31,000" capped at 31,500), which the reconciliation dropped as assumptions."""
    from estimates.errors import EstimatesError
    from estimates.reading.parsing import parse

    out: list[str] = []
    for x in rows:
        text = x.get("text")
        if x["kind"] != "cumulative" or x["role"] not in ("used", "bound") or not text:
            continue
        try:
            literal = parse(str(text), convention="literal")
        except EstimatesError:
            continue
        dropped = [
            f"{side} {number(float(x[side]))}"
            for side, stated in (("low", literal.low), ("high", literal.high))
            if stated is None and x[side] is not None and math.isfinite(float(x[side]))
        ]
        if dropped:
            ends = " and ".join(d.replace("low", "floor").replace("high", "cap") for d in dropped)
            one = len(dropped) == 1
            out.append(
                f'The {ends} of {_owner(str(x["resolved_source"]))} "{text}" '
                f"{'comes' if one else 'come'} from the reading convention, not from the source: "
                "an assumption, dropped ("
                + ("it bounds nothing and conflicts" if one else "they bound nothing and conflict")
                + " with nothing)."
            )
    return out


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- the calls --------------------------------------------------------------------------------------


def _frame_of(ledger: Ledger | pd.DataFrame) -> pd.DataFrame:
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
    # the ledger's own frame, without a copy (its text columns are categoricals, read by their
    # codes); the pipeline never writes to it
    return ledger._view()


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
    frame = _frame_of(ledger)
    present = _quantity_names(frame)
    if resolved is not None:
        options = {**options, "resolved": _resolved(resolved, frame, present, method)}
    settings = _settings(method, at, known_on, sources, half_life, yardstick, options)
    if quantity not in present:
        known = sorted(present)
        shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
        raise ReconcileError(
            f"no claims about {quantity!r} in the ledger; its quantities: {shown or 'none'}",
            quantity=quantity,
        )
    rels = list(relations or ())
    if rels:
        names = frame["quantity"].to_numpy(dtype=object)
        from estimates.reconciliation.relations import validate

        wanted = {quantity}
        for rel in validate(rels, known=set(names.tolist())):
            wanted.update(_relation_quantities(rel))
        # the claims table and the conflicts read rows of the frame the core ran on
        frame = frame.loc[np.isin(names, sorted(wanted))].reset_index(drop=True)
        res = _core.run(frame, settings, detail=True)
    else:
        # learning from resolved quantities needs the others too
        res = _core.run(
            frame, settings, only=None if resolved is not None else quantity, detail=True
        )
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


def _day_date(t: int) -> dt.date | None:
    """An instant as a date, or as a datetime when it has a time of day."""
    if t == NO_DAY:
        return None
    text = instant_text(t)
    assert text is not None
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


def _build(
    res: CoreResult,
    i: int,
    settings: Settings,
    value: Range | None,
    narrowed: list[str],
    frame: pd.DataFrame,
    options: Mapping[str, Any],
) -> Reconciliation:
    mask = res.claim_q == i
    claims = _claims_table(res, mask, frame, i, settings)
    conflicts, spread = _conflicts(res, i, frame, settings)
    note = res.note[i]
    if value is None and note is None:
        note = "unknown"
    opts: list[tuple[str, OptionValue]] = [
        ("half_life", settings.half_life),
        ("yardstick", settings.yardstick),
        ("relay_days", settings.relay_days),
        ("since_days", settings.since_days),
        ("change_days", settings.change_days),
    ]
    for k, v in sorted(settings.options.items()):
        if k == "resolved" and isinstance(v, Mapping):
            opts.append((k, f"{len(v)} quantities"))
            continue
        opts.append((k, v if isinstance(v, float | int | str | bool) or v is None else repr(v)))
    del options
    level = None
    if res.level is not None and value is not None and not narrowed:
        lv = float(res.level[i])
        level = lv if math.isfinite(lv) else None
    meaning = range_meaning(settings.method)
    if level is None and is_predictive(settings.method):
        meaning = "no probability statement here (see the note)"
        if narrowed:
            meaning = "the predictive range narrowed by relations between quantities, no longer at its level"
    out = Reconciliation(
        quantity=str(res.quantities[i]),
        at=_day_date(int(res.at[i])),
        known_on=_day_date(int(res.known_on[i])),
        dates_given=settings.at is not None or settings.known_on is not None,
        method=settings.method,
        options=tuple(opts),
        half_life=settings.half_life,
        yardstick=settings.yardstick,
        unit=res.unit[i],
        value=value,
        level=level,
        range_meaning=meaning,
        note=None if note is None else str(note),
        n_claims=int(res.n_claims[i]),
        n_sources=int(res.n_sources[i]),
        conflict=bool(res.conflict[i]),
        conflicts=conflicts,
        spread=spread,
        narrowed=tuple(narrowed),
        conventions=_conventions(res, mask, frame),
    )
    out._claims = claims
    if res.sources is not None:
        out._sources = res.sources
    return out


def _conventions(res: CoreResult, mask: np.ndarray, frame: pd.DataFrame) -> tuple[str, ...]:
    if "convention" not in frame.columns:
        return ()
    used = np.isin(res.role[mask], list(USED_ROLES)) & (res.evidence[mask] >= 0)
    values = frame["convention"].iloc[res.row[mask][used]].to_numpy(dtype=object)
    return tuple(sorted({str(v) for v in values if isinstance(v, str) and v}))


def _claims_table(
    res: CoreResult, mask: np.ndarray, frame: pd.DataFrame, i: int, settings: Settings
) -> pd.DataFrame:
    rows = res.row[mask]
    src = frame.iloc[rows]

    def col(name: str) -> list[Any]:
        if name not in src.columns:
            return [None] * len(rows)
        values = src[name].to_numpy(dtype=object)
        return [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values
        ]

    roles = [ROLES[int(c)] for c in res.role[mask]]
    sides = res.bound_side[mask]
    bound = ["lower" if s == -1 else "upper" if s == 1 else None for s in sides.tolist()]
    notes: list[str | None] = []
    base = instant_text(int(res.base_since[i]))
    main = _KIND_NAMES[int(res.main_kind[i])]
    kinds = [_KIND_NAMES[int(k)] for k in res.kind[mask]]
    since = col("since")
    merged = res.merged[mask]
    for role, kind, sn, mg, side in zip(roles, kinds, since, merged.tolist(), bound, strict=True):
        if role == "out of window":
            if kind != main and kind != "projection":
                notes.append(f"a {kind} figure in a quantity of {main} figures")
            elif kind == "cumulative" and sn is not None and base is not None:
                notes.append(f"counted from {sn}, not from {base[:7]}")
            elif kind == "flow":
                notes.append("a flow over another window")
            else:
                notes.append(f"describes a moment after {instant_text(int(res.at[i]))}")
        elif role == "bound":
            notes.append(f"{side} bound at {instant_text(int(res.at[i]))}")
        elif mg > 1 and role in ("used", "superseded", "outlier", "stale", "future", "bound"):
            notes.append(f"one interval with the source's other figures of that day ({mg})")
        else:
            notes.append(None)
    table = pd.DataFrame(
        {
            "claim_id": col("claim_id"),
            "source": col("source"),
            "resolved_source": res.resolved_source[mask].tolist(),
            "via": col("via"),
            "text": col("text"),
            "low": res.claim_low[mask],
            "best": res.claim_best[mask],
            "high": res.claim_high[mask],
            "unit": [res.unit[i]] * len(rows),
            "kind": kinds,
            "stated_on": col("stated_on"),
            "as_of": col("as_of"),
            "since": since,
            "role": roles,
            "used": [r in {ROLES[c] for c in USED_ROLES} for r in roles],
            "weight": res.weight[mask],
            "bound": bound,
            "evidence": res.evidence[mask],
            "note": notes,
        },
        columns=list(CLAIM_ROLE_COLUMNS),
    )
    # canonical order: by stated day, then claim id (input order never matters)
    order = np.lexsort((table["claim_id"].astype(str).to_numpy(), res.stated[mask]))
    return table.iloc[order].reset_index(drop=True)


def _conflicts(
    res: CoreResult, i: int, frame: pd.DataFrame, settings: Settings
) -> tuple[tuple[Conflict, ...], Range | None]:
    """Disjoint pairs among the evidence the method used (as read at ``at``), and the spread.

    A running total's conflicts are between moments (found by the running-total stage): figures
    about one moment that cannot all hold, and a total that falls; revisions are not conflicts.
    """
    sel = np.flatnonzero(res.ev_q == i)
    if sel.size == 0:
        return (), None
    if int(res.main_kind[i]) == _CUMULATIVE:
        return _running_conflicts(res, i, frame), None
    lo, hi, point = res.ev_low[sel], res.ev_high[sel], res.ev_point[sel]
    claim = res.ev_claim[sel]
    names = res.resolved_source[claim]
    ids = (
        frame["claim_id"].to_numpy(dtype=object)[res.row[claim]]
        if "claim_id" in frame.columns
        else np.array([str(c) for c in claim], dtype=object)
    )
    texts = [
        range_words(a, p if a != b else None, b)
        for a, p, b in zip(lo.tolist(), point.tolist(), hi.tolist(), strict=True)
    ]
    below, above = np.nonzero(hi[:, None] < lo[None, :])
    if settings.change_days is not None:
        # figures about moments change_days or more apart are change, not conflict
        when = res.as_of[claim]
        dated = (when[below] != NO_DAY) & (when[above] != NO_DAY)
        near = ~dated | (np.abs(when[below] - when[above]) < settings.change_days * DAY)
        below, above = below[near], above[near]
    out = [
        Conflict(
            low_claim=str(ids[a]),
            low_source=str(names[a]),
            low_text=texts[a],
            high_claim=str(ids[b]),
            high_source=str(names[b]),
            high_text=texts[b],
            gap=float(lo[b] - hi[a]),
        )
        for a, b in zip(below.tolist(), above.tolist(), strict=True)
    ]
    out.sort(key=lambda c: (-c.gap, c.low_claim, c.high_claim))
    # the spread is between figures, not bounds: one-sided figures stay out of it
    finite = point[np.isfinite(point) & np.isfinite(lo) & np.isfinite(hi)]
    spread = None
    if finite.size:
        spread = Range(low=float(finite.min()), high=float(finite.max()), unit=res.unit[i])
    return tuple(out), spread


_CUMULATIVE = KindCode.CUMULATIVE


def _running_conflicts(res: CoreResult, i: int, frame: pd.DataFrame) -> tuple[Conflict, ...]:
    """The conflicts the running-total stage named for quantity ``i``."""
    ids = frame["claim_id"].to_numpy(dtype=object) if "claim_id" in frame.columns else None
    out: list[Conflict] = []
    for q, hi_claim, lo_claim, kind, gap in res.falls:
        if q != i or kind == "revision":
            continue

        def text(c: int) -> str:
            figure = range_words(
                float(res.claim_low[c]), float(res.claim_best[c]), float(res.claim_high[c])
            )
            return f"{figure} as of {instant_text(int(res.as_of[c]))}"

        def name(c: int) -> str:
            return str(ids[res.row[c]]) if ids is not None else str(c)

        out.append(
            Conflict(
                low_claim=name(lo_claim),
                low_source=_source_of(res, lo_claim, frame),
                low_text=text(lo_claim),
                high_claim=name(hi_claim),
                high_source=_source_of(res, hi_claim, frame),
                high_text=text(hi_claim),
                gap=max(gap, 0.0) if np.isfinite(gap) else 0.0,
            )
        )
    out.sort(key=lambda c: (-c.gap, c.low_claim, c.high_claim))
    return tuple(out)


def _source_of(res: CoreResult, c: int, frame: pd.DataFrame) -> str:
    if res.resolved_source.size:
        return str(res.resolved_source[c])
    return str(frame["source"].iloc[int(res.row[c])])


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
    frame = _frame_of(ledger)
    if resolved is not None:
        options = {**options, "resolved": _resolved(resolved, frame, None, method)}
    settings = _settings(method, at, known_on, sources, half_life, yardstick, options)
    return _table(_core.run(frame, settings), method, relations)


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
