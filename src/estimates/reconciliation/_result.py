"""The reconciled answer for one quantity (:class:`Reconciliation`, :class:`Conflict`) and its
words: the sentences of :meth:`Reconciliation.explain`."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ConfigDict, PrivateAttr

from estimates.values._model import Model
from estimates.values.ranges import Range
from estimates.values.vocabulary import KINDS
from estimates.values.words import claims_step, number, range_words

if TYPE_CHECKING:
    pass

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

    >>> from estimates.reconciliation.reconcile import reconcile
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

        >>> from estimates.reconciliation.reconcile import reconcile
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

        >>> from estimates.reconciliation.reconcile import reconcile
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

        >>> from estimates.reconciliation.reconcile import reconcile
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

        >>> from estimates.reconciliation.reconcile import reconcile
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
