"""Relations between quantities, as data: parts within wholes, parts summing to totals, running
totals that never fall.

- :func:`narrow` tightens a set of ranges by interval propagation until nothing changes, and
  says what it narrowed and why.
- :func:`check` finds the claims in a ledger that break a relation, each violation with the
  smallest set of claims that cannot all be true.

>>> from estimates.values.ranges import Range
>>> ranges = {
...     "in_kursk": Range.at_least(7000, unit="person"),
...     "in_russia": Range.between(10_000, 12_000, unit="person"),
... }
>>> narrowed, notes = narrow(ranges, [at_most("in_kursk", "in_russia")])
>>> str(narrowed["in_kursk"])
'7,000–12,000 people'
>>> notes
['in_kursk: high unbounded → 12,000, because in_kursk ≤ in_russia (in_russia is at most 12,000)']
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from estimates.errors import DateError, OptionError, RelationError
from estimates.values import units as _units
from estimates.values._model import Model
from estimates.values.dates import to_period
from estimates.values.ranges import Range, closed_from_flags
from estimates.values.words import number as _number
from estimates.values.words import range_words, unit_words

if TYPE_CHECKING:
    from estimates.ledger.table import Ledger
    from estimates.values.sources import Sources

__all__ = [
    "AtMost",
    "Monotone",
    "Relation",
    "Report",
    "SumOf",
    "Violation",
    "at_most",
    "check",
    "monotone",
    "narrow",
    "parse_relations",
    "relations_from_data",
    "sum_of",
    "validate",
]

_CONFIG = ConfigDict(frozen=True, extra="forbid")


def _name(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError(
            "blank_name",
            "a quantity name must be a non-empty string, got {value!r}",
            {"value": repr(value)},
        )
    return value


class AtMost(Model):
    """``part <= whole`` at any one moment (troops in Kursk are among the troops in Russia).

    >>> str(AtMost(part="in_kursk", whole="in_russia"))
    'in_kursk ≤ in_russia'
    """

    model_config = _CONFIG

    kind: Literal["at_most"] = "at_most"
    part: str
    whole: str

    _names = field_validator("part", "whole")(_name)

    @property
    def quantities(self) -> tuple[str, ...]:
        """The quantities named, in order.

        >>> AtMost(part="a", whole="b").quantities
        ('a', 'b')
        """
        return (self.part, self.whole)

    def __str__(self) -> str:
        return f"{self.part} ≤ {self.whole}"


class SumOf(Model):
    """``total = Σ parts`` at any one moment (parts that do not overlap and leave nothing out).

    >>> str(SumOf(parts=("in_kursk", "elsewhere"), total="in_russia"))
    'in_kursk + elsewhere = in_russia'
    """

    model_config = _CONFIG

    kind: Literal["sum_of"] = "sum_of"
    parts: tuple[str, ...] = Field(min_length=1)
    total: str

    _total = field_validator("total")(_name)

    @field_validator("parts", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise PydanticCustomError(
                "parts_string",
                "parts must be a sequence of quantity names, got the string {value}",
                {"value": repr(value)},
            )
        items = tuple(value)
        for item in items:
            _name(item)
        return items

    @property
    def quantities(self) -> tuple[str, ...]:
        """The quantities named: the parts, then the total.

        >>> SumOf(parts=("a", "b"), total="c").quantities
        ('a', 'b', 'c')
        """
        return (*self.parts, self.total)

    def __str__(self) -> str:
        return f"{' + '.join(self.parts)} = {self.total}"


class Monotone(Model):
    """A quantity that never falls over time (a running total; implied by ``kind="cumulative"``).

    >>> str(Monotone(quantity="containers_shipped"))
    'containers_shipped never falls'
    """

    model_config = _CONFIG

    kind: Literal["monotone"] = "monotone"
    quantity: str

    _q = field_validator("quantity")(_name)

    @property
    def quantities(self) -> tuple[str, ...]:
        """The one quantity named.

        >>> Monotone(quantity="a").quantities
        ('a',)
        """
        return (self.quantity,)

    def __str__(self) -> str:
        return f"{self.quantity} never falls"


#: A relation between quantities: one of :class:`AtMost`, :class:`SumOf`, :class:`Monotone`.
Relation = Annotated[AtMost | SumOf | Monotone, Field(discriminator="kind")]


@functools.cache
def _adapter() -> TypeAdapter[AtMost | SumOf | Monotone]:
    # built on first use: importing the package stays cheap
    return TypeAdapter(Relation)


def at_most(part: str, whole: str) -> AtMost:
    """``part <= whole``: the part can never exceed the whole at the same moment.

    >>> at_most("dprk_troops_in_kursk", "dprk_troops_in_russia").whole
    'dprk_troops_in_russia'
    >>> at_most("a", "a")
    Traceback (most recent call last):
    ...
    estimates.errors.RelationError: a quantity cannot be a part of itself: a ≤ a
    """
    if part == whole:
        raise RelationError(
            f"a quantity cannot be a part of itself: {part} ≤ {whole}", quantities=(part,)
        )
    return AtMost(part=part, whole=whole)


def sum_of(parts: Iterable[str], total: str) -> SumOf:
    """``total = Σ parts``: the parts add up to the total at the same moment.

    >>> str(sum_of(["in_kursk", "in_far_east"], "in_russia"))
    'in_kursk + in_far_east = in_russia'
    """
    if isinstance(parts, str):
        raise RelationError(
            f"parts must be several quantity names, got the string {parts!r}", quantities=(parts,)
        )
    items = tuple(parts)
    if total in items:
        raise RelationError(
            f"a quantity cannot be a part of itself: {total} among the parts of {total}",
            quantities=(total,),
        )
    return SumOf(parts=items, total=total)


def monotone(quantity: str) -> Monotone:
    """``quantity`` never falls: a later figure cannot be below an earlier one.

    >>> monotone("containers_shipped").quantity
    'containers_shipped'
    """
    return Monotone(quantity=quantity)


_NAME = r"[A-Za-z_][\w.\-]*"
_AT_MOST = re.compile(rf"^({_NAME})\s*(?:<=|≤)\s*({_NAME})$")
_SUM = re.compile(rf"^({_NAME}(?:\s*\+\s*{_NAME})*)\s*=\s*({_NAME})$")
_MONO = re.compile(rf"^(?:monotone\s+({_NAME})|({_NAME})\s+never\s+falls)$")


def parse_relations(text: str) -> tuple[AtMost | SumOf | Monotone, ...]:
    """Relations written one per line, as :func:`str` prints them: ``part <= whole`` (or
    ``≤``), ``a + b = total``, ``q never falls`` (or ``monotone q``). Blank lines and ``#``
    comments are skipped. Every unreadable line is reported in one
    :class:`~estimates.errors.RelationError`.

    >>> parse_relations('''
    ... # DPRK deployment
    ... dprk_troops_in_kursk <= dprk_troops_in_russia
    ... containers_shipped never falls
    ... ''')
    (AtMost(kind='at_most', part='dprk_troops_in_kursk', whole='dprk_troops_in_russia'), Monotone(kind='monotone', quantity='containers_shipped'))
    >>> parse_relations("a < b")
    Traceback (most recent call last):
    ...
    estimates.errors.RelationError: cannot read 1 relation line(s):
      - line 1: 'a < b'; write 'part <= whole', 'a + b = total' or 'q never falls'
    """
    out: list[AtMost | SumOf | Monotone] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if m := _AT_MOST.match(line):
            out.append(AtMost(part=m[1], whole=m[2]))
        elif m := _SUM.match(line):
            out.append(SumOf(parts=tuple(p.strip() for p in m[1].split("+")), total=m[2]))
        elif m := _MONO.match(line):
            out.append(Monotone(quantity=m[1] or m[2]))
        else:
            problems.append(
                f"line {number}: {line!r}; write 'part <= whole', 'a + b = total' or "
                "'q never falls'"
            )
    if problems:
        raise RelationError(
            f"cannot read {len(problems)} relation line(s):\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    return tuple(out)


def relations_from_data(
    items: Iterable[Mapping[str, Any]],
) -> tuple[AtMost | SumOf | Monotone, ...]:
    """Relations from plain data (JSON, TOML, YAML), each a mapping with a ``kind``:
    ``{"kind": "at_most", "part": ..., "whole": ...}``, ``{"kind": "sum_of", "parts": [...],
    "total": ...}``, ``{"kind": "monotone", "quantity": ...}`` (what ``model_dump`` gives).

    >>> relations_from_data([{"kind": "sum_of", "parts": ["a", "b"], "total": "t"}])
    (SumOf(kind='sum_of', parts=('a', 'b'), total='t'),)
    >>> relations_from_data([{"kind": "at_least", "part": "a"}])
    Traceback (most recent call last):
    ...
    estimates.errors.RelationError: cannot read relation 1: ...
    """
    out: list[AtMost | SumOf | Monotone] = []
    problems: list[str] = []
    for i, item in enumerate(items, start=1):
        try:
            out.append(_adapter().validate_python(item))
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            problems.append(f"cannot read relation {i}: {reasons} (given {item!r})")
    if problems:
        raise RelationError("\n".join(problems))
    return tuple(out)


# -- validation -------------------------------------------------------------------------------


def _edges(relations: Sequence[AtMost | SumOf | Monotone]) -> dict[str, set[str]]:
    """part -> the wholes and totals it belongs to."""
    graph: dict[str, set[str]] = {}
    for r in relations:
        if isinstance(r, AtMost):
            graph.setdefault(r.part, set()).add(r.whole)
        elif isinstance(r, SumOf):
            for p in r.parts:
                graph.setdefault(p, set()).add(r.total)
    return graph


def _cycles(graph: Mapping[str, set[str]]) -> list[tuple[str, ...]]:
    """Every cycle found by one depth-first pass (deterministic: names visited sorted)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    found: list[tuple[str, ...]] = []
    for root in sorted(graph):
        if state.get(root):
            continue
        path: list[str] = [root]
        stack: list[Iterator[str]] = [iter(sorted(graph.get(root, ())))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                found.append((*path[path.index(nxt) :], nxt))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return found


def validate(
    relations: Iterable[AtMost | SumOf | Monotone], known: Iterable[str] | None = None
) -> tuple[AtMost | SumOf | Monotone, ...]:
    """Check ``relations``: every name known (when ``known`` is given), no quantity a part of
    itself directly or through others, no part listed twice. Every problem is reported in one
    :class:`~estimates.errors.RelationError`.

    >>> validate([at_most("a", "b"), at_most("b", "c"), at_most("c", "a")])
    Traceback (most recent call last):
    ...
    estimates.errors.RelationError: relations cannot hold as given:
      - a quantity is a part of itself through others: a ≤ b ≤ c ≤ a
    >>> validate([at_most("a", "b")], known=["a"])
    Traceback (most recent call last):
    ...
    estimates.errors.RelationError: relations cannot hold as given:
      - a ≤ b names a quantity that is not there: 'b' (known: 'a')
    """
    rels = tuple(relations)
    problems: list[str] = []
    bad: set[str] = set()
    for r in rels:
        if not isinstance(r, AtMost | SumOf | Monotone):
            raise RelationError(
                f"a relation must be made with at_most, sum_of or monotone, got {r!r}"
            )
    known_set = None if known is None else set(known)
    if known_set is not None:
        shown = ", ".join(repr(k) for k in sorted(known_set)[:20])
        more = " ..." if len(known_set) > 20 else ""
        for r in rels:
            missing = [q for q in r.quantities if q not in known_set]
            if missing:
                bad.update(missing)
                problems.append(
                    f"{r} names a quantity that is not there: "
                    f"{', '.join(repr(q) for q in missing)} (known: {shown or 'none'}{more})"
                )
    for r in rels:
        if isinstance(r, SumOf):
            dupes = sorted({p for p in r.parts if r.parts.count(p) > 1})
            if dupes:
                bad.update(dupes)
                problems.append(f"{r} counts a part twice: {', '.join(dupes)}")
    for cycle in _cycles(_edges(rels)):
        bad.update(cycle)
        if len(cycle) == 2:
            problems.append(f"a quantity is a part of itself: {cycle[0]} ≤ {cycle[1]}")
        else:
            problems.append(f"a quantity is a part of itself through others: {' ≤ '.join(cycle)}")
    if problems:
        raise RelationError(
            "relations cannot hold as given:\n" + "\n".join(f"  - {p}" for p in problems),
            quantities=tuple(sorted(bad)),
        )
    return rels


# -- narrowing --------------------------------------------------------------------------------


class _Box:
    """A mutable working copy of one range's bounds in its own unit."""

    __slots__ = ("cl", "cr", "hi", "lo")

    def __init__(self, r: Range) -> None:
        count = _units.is_count(r.unit)
        self.lo = r.low if r.low is not None else (0.0 if count else -math.inf)
        self.cl = r.closed_left if r.low is not None else count
        self.hi = r.high if r.high is not None else math.inf
        self.cr = r.closed_right


def _tol(x: float) -> float:
    return 1e-12 * max(1.0, abs(x)) if math.isfinite(x) else 0.0


def narrow(
    ranges: Mapping[str, Range],
    relations: Iterable[AtMost | SumOf | Monotone],
    *,
    max_rounds: int = 100,
) -> tuple[dict[str, Range], list[str]]:
    """Narrow ``ranges`` by interval propagation over ``relations``, to a fixed point.

    The rules (DESIGN §3): for ``at_most(part, whole)``, ``part.high <= whole.high`` and
    ``whole.low >= part.low``; for ``sum_of(parts, total)``, ``total`` within
    ``[Σ lows, Σ highs]`` and each part within
    ``[total.low - Σ other highs, total.high - Σ other lows]``. A count is never negative, so an
    unbounded low of a count is 0 here. ``monotone`` says nothing about ranges at one moment and
    narrows nothing. Rules are applied in turn until no bound moves (at most ``max_rounds``
    rounds). A rule that would leave no value at all is not applied: the ranges conflict, and
    the note says which relation and by how much. A ``best`` outside its narrowed range moves to
    the nearest end (or is dropped when that end is open).

    Returns the ranges (every key of ``ranges``, each in its own unit) and the notes, one per
    change, saying what moved and why. Raises :class:`~estimates.errors.RelationError` for
    relations naming quantities not in ``ranges`` or forming a cycle, and
    :class:`~estimates.errors.DimensionError` for a relation between different dimensions.

    >>> r = {
    ...     "a": Range.between(0, 10), "b": Range.between(0, 10), "total": Range.exactly(15),
    ... }
    >>> out, notes = narrow(r, [sum_of(["a", "b"], "total")])
    >>> str(out["a"]), str(out["b"])
    ('5–10', '5–10')
    """
    rels = validate(relations, known=ranges.keys())
    boxes = {q: _Box(r) for q, r in ranges.items()}
    # each relation works in the unit of its first quantity; factor converts into it
    conv: list[dict[str, float]] = []
    for rel in rels:
        ref = ranges[rel.quantities[0]].unit
        conv.append({q: _units.factor(ranges[q].unit, ref) for q in rel.quantities})
    notes: list[str] = []
    changed: set[str] = set()
    conflicts: set[tuple[int, str]] = set()

    def tighten(q: str, side: str, value: float, closed: bool, f: float, why: str, i: int) -> bool:
        """Apply a bound ``value`` (in the relation's unit; ``f`` converts q into it)."""
        box = boxes[q]
        v = value / f
        if side == "low":
            tighter = v > box.lo + _tol(box.lo) or (v == box.lo and box.cl and not closed)
            new_lo, new_cl, new_hi, new_cr = v, closed, box.hi, box.cr
            gap, other = v - box.hi, box.hi
        else:
            tighter = v < box.hi - _tol(box.hi) or (v == box.hi and box.cr and not closed)
            new_lo, new_cl, new_hi, new_cr = box.lo, box.cl, v, closed
            gap, other = box.lo - v, box.lo
        if not tighter or math.isinf(v):
            return False
        if new_lo > new_hi or (new_lo == new_hi and not (new_cl and new_cr)):
            if (i, q) not in conflicts:
                conflicts.add((i, q))
                notes.append(
                    f"{q}: not narrowed by {rels[i]}: it would need {side} {_number(v)}, which "
                    f"leaves no value beside its other end {_number(other)} (the ranges conflict "
                    f"by {_number(gap)}); {why}"
                )
            return False
        old = box.lo if side == "low" else box.hi
        box.lo, box.cl, box.hi, box.cr = new_lo, new_cl, new_hi, new_cr
        changed.add(q)
        notes.append(f"{q}: {side} {_number(old)} → {_number(v)}, because {why}")
        return True

    for _ in range(max_rounds):
        moved = False
        for i, rel in enumerate(rels):
            f = conv[i]
            if isinstance(rel, AtMost):
                p, w = boxes[rel.part], boxes[rel.whole]
                fp, fw = f[rel.part], f[rel.whole]
                moved |= tighten(
                    rel.part,
                    "high",
                    w.hi * fw,
                    w.cr,
                    fp,
                    f"{rel} ({rel.whole} is at most {_number(w.hi)})",
                    i,
                )
                moved |= tighten(
                    rel.whole,
                    "low",
                    p.lo * fp,
                    p.cl,
                    fw,
                    f"{rel} ({rel.part} is at least {_number(p.lo)})",
                    i,
                )
            elif isinstance(rel, SumOf):
                t, ft = boxes[rel.total], f[rel.total]
                lows = [boxes[q].lo * f[q] for q in rel.parts]
                highs = [boxes[q].hi * f[q] for q in rel.parts]
                all_cl = all(boxes[q].cl for q in rel.parts)
                all_cr = all(boxes[q].cr for q in rel.parts)
                moved |= tighten(
                    rel.total,
                    "low",
                    math.fsum(lows),
                    all_cl,
                    ft,
                    f"{rel} (the parts sum to at least {_number(math.fsum(lows))})",
                    i,
                )
                moved |= tighten(
                    rel.total,
                    "high",
                    _sum_high(highs),
                    all_cr,
                    ft,
                    f"{rel} (the parts sum to at most {_number(_sum_high(highs))})",
                    i,
                )
                for j, q in enumerate(rel.parts):
                    others_hi = _sum_high(highs[:j] + highs[j + 1 :])
                    others_lo = math.fsum(lows[:j] + lows[j + 1 :])
                    others = [boxes[o] for o in rel.parts[:j] + rel.parts[j + 1 :]]
                    lo_val = t.lo * ft - others_hi if math.isfinite(others_hi) else -math.inf
                    hi_val = t.hi * ft - others_lo if math.isfinite(others_lo) else math.inf
                    moved |= tighten(
                        q,
                        "low",
                        lo_val,
                        t.cl and all(o.cr for o in others),
                        f[q],
                        f"{rel} (the total is at least {_number(t.lo)} and the other parts at "
                        f"most {_number(others_hi)})",
                        i,
                    )
                    moved |= tighten(
                        q,
                        "high",
                        hi_val,
                        t.cr and all(o.cl for o in others),
                        f[q],
                        f"{rel} (the total is at most {_number(t.hi)} and the other parts at "
                        f"least {_number(others_lo)})",
                        i,
                    )
        if not moved:
            break
    else:
        notes.append(f"narrowing stopped after {max_rounds} rounds before settling")

    out: dict[str, Range] = {}
    for q, r in ranges.items():
        if q not in changed:
            out[q] = r
            continue
        box = boxes[q]
        low = None if math.isinf(box.lo) else box.lo
        high = None if math.isinf(box.hi) else box.hi
        closed = closed_from_flags(box.cl and low is not None, box.cr and high is not None)
        if low is not None and high is not None and low == high:
            closed = "both"
        best = r.best
        if best is not None:
            shell = Range(low=low, high=high, closed=closed, unit=r.unit)
            if not shell.contains(best):
                end = low if low is not None and best < low else high
                keep = end is not None and shell.contains(end)
                notes.append(
                    f"{q}: best {_number(best)} lay outside the narrowed range; "
                    + (f"moved to {_number(end)}" if keep and end is not None else "dropped")
                )
                best = end if keep else None
        out[q] = Range(
            low=low, best=best, high=high, closed=closed, unit=r.unit, convention=r.convention
        )
    return out, notes


def _sum_high(highs: Sequence[float]) -> float:
    return math.inf if any(math.isinf(h) for h in highs) else math.fsum(highs)


# -- checking claims --------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Int64Array = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
_DAY = np.timedelta64(1, "D")


class Violation(Model):
    """One way a relation fails: the smallest set of claims that cannot all be true.

    ``gap`` is how far apart the figures are (in ``unit``): how much one of them would have to
    move for the set to become possible.

    >>> v = Violation(relation="a ≤ b", kind="at_most", quantities=("a", "b"),
    ...               claim_ids=("x1", "x2"), sources=("S", "T"), dates=("2024-10-31",) * 2,
    ...               figures=("at least 7,000", "at most 3,000"), gap=4000.0, unit="person",
    ...               message="...")
    >>> v.gap
    4000.0
    """

    model_config = _CONFIG

    relation: str
    kind: Literal["at_most", "sum_of", "monotone"]
    quantities: tuple[str, ...]
    claim_ids: tuple[str, ...]
    sources: tuple[str, ...]
    dates: tuple[str, ...]
    figures: tuple[str, ...]
    gap: float
    unit: str | None
    message: str

    def __str__(self) -> str:
        return self.message


_REPORT_COLUMNS = (
    "relation",
    "kind",
    "quantities",
    "claim_ids",
    "sources",
    "dates",
    "figures",
    "gap",
    "unit",
    "message",
)


class Report(Model):
    """The result of :func:`check`: every violation found, and what was checked.

    >>> r = Report(relations=("a ≤ b",), violations=(), at=None, known_on="2024-11-01",
    ...            n_claims=3)
    >>> r.ok, str(r)
    (True, 'As known on 2024-11-01, 3 claims satisfy every relation checked: a ≤ b.')
    """

    model_config = _CONFIG

    relations: tuple[str, ...]
    violations: tuple[Violation, ...]
    at: str | None = None
    known_on: str | None = None
    n_claims: int = 0
    #: violations found beyond ``max_violations`` and left out of ``violations``
    omitted: int = 0

    @property
    def ok(self) -> bool:
        """Whether no relation is violated.

        >>> Report(relations=(), violations=()).ok
        True
        """
        return not self.violations and not self.omitted

    def to_frame(self) -> pd.DataFrame:
        """One row per violation; tuple fields joined with ``"; "``.

        >>> list(Report(relations=(), violations=()).to_frame().columns)[:3]
        ['relation', 'kind', 'quantities']
        """
        rows = [
            {
                name: "; ".join(value) if isinstance(value, tuple) else value
                for name, value in v.model_dump().items()
            }
            for v in self.violations
        ]
        frame = pd.DataFrame(rows, columns=list(_REPORT_COLUMNS))
        return frame.astype({"gap": "float64"})

    def __str__(self) -> str:
        when = []
        if self.known_on is not None:
            when.append(f"as known on {self.known_on}")
        if self.at is not None:
            when.append(f"about moments up to {self.at}")
        head = (", ".join(when) + ", ") if when else ""
        head = head[:1].upper() + head[1:]
        if self.ok:
            checked = "; ".join(self.relations) if self.relations else "none"
            return f"{head}{self.n_claims} claims satisfy every relation checked: {checked}."
        count = len(self.violations) + self.omitted
        lines = [f"{head}{count} violation(s) among {self.n_claims} claims:"]
        lines += [f"- {v.message}" for v in self.violations]
        if self.omitted:
            lines.append(f"... and {self.omitted} more (raise max_violations to see them)")
        return "\n".join(lines)


def _day_text(start: np.datetime64, end: np.datetime64) -> str:
    s = str(start)[:10]
    e = str(end)[:10]
    return s if s == e else f"{s}/{e}"


def _figure(lo: float, hi: float, cl: bool, cr: bool, count: bool) -> str:
    # a count is never below zero: a closed zero is no bound ("fewer than 10")
    no_low = math.isinf(lo) or (count and lo == 0 and cl and lo != hi)
    if no_low and math.isinf(hi):
        return "unbounded"
    return range_words(None if no_low else lo, None, hi, closed_from_flags(cl, cr))


class _Claims:
    """The ledger's claims as arrays, read for checking (see :func:`check`)."""

    def __init__(self, frame: pd.DataFrame, sources: Sources | None) -> None:
        f = frame
        self.n = len(f)
        low = f["low"].to_numpy(dtype=float)
        best = f["best"].to_numpy(dtype=float)
        high = f["high"].to_numpy(dtype=float)
        closed = f["closed"].to_numpy(dtype=object)
        units = f["unit"].to_numpy(dtype=object)
        count = np.array([_units.is_count(u) for u in units], dtype=bool)
        # a bare figure ("about 11,000") is read as the figure itself
        point = np.isnan(low) & np.isnan(high) & ~np.isnan(best)
        self.lo = np.where(point, best, np.where(np.isnan(low), np.where(count, 0.0, -np.inf), low))
        self.hi = np.where(point, best, np.where(np.isnan(high), np.inf, high))
        self.cl = point | np.isin(closed, ["both", "left"]) | (np.isnan(low) & count)
        self.cr = point | np.isin(closed, ["both", "right"])
        self.count = count
        self.units = units
        self.quantity = f["quantity"].to_numpy(dtype=object)
        self.kind = f["kind"].to_numpy(dtype=object)
        as0, as1 = f["as_of_start"].to_numpy(), f["as_of_end"].to_numpy()
        st0, st1 = f["stated_on_start"].to_numpy(), f["stated_on_end"].to_numpy()
        self.d0 = np.where(pd.isna(as0), st0, as0).astype("datetime64[s]")
        self.d1 = np.where(pd.isna(as1), st1, as1).astype("datetime64[s]")
        # the same as day numbers (days since 1970; unusable rows are left out of every check)
        self.day0 = self.d0.astype("datetime64[D]").astype(np.int64)
        self.day1 = self.d1.astype("datetime64[D]").astype(np.int64)
        since = f["since"].to_numpy(dtype=object)
        self.since = np.array(["" if x is None or x != x else str(x) for x in since], dtype=object)
        self.ids = f["claim_id"].to_numpy(dtype=object)
        raw = f["source"].to_numpy(dtype=object)
        self.source = raw if sources is None else sources.resolve_many(raw)
        self.usable = ~pd.isna(self.d0) & (self.kind != "projection")

    def rows(self, quantity: str) -> npt.NDArray[np.intp]:
        return np.flatnonzero((self.quantity == quantity) & self.usable).astype(np.intp)

    def scale(self, rows: npt.NDArray[np.intp], unit: str | None) -> FloatArray:
        return np.array([_units.factor(self.units[i], unit) for i in rows], dtype=float)

    def describe(self, i: int, f: float = 1.0) -> tuple[str, str, str]:
        return (
            str(self.source[i]),
            _day_text(self.d0[i], self.d1[i]),
            _figure(
                self.lo[i] * f,
                self.hi[i] * f,
                bool(self.cl[i]),
                bool(self.cr[i]),
                bool(self.count[i]),
            ),
        )


def _comparable(
    c: _Claims, a: npt.NDArray[np.intp], b: npt.NDArray[np.intp], within: int
) -> BoolArray:
    """Pairs (a_i, b_j) about the same moment (periods within ``within`` days), of the same
    kind, and counted from the same start (``since``) when cumulative or a flow."""
    slack = np.timedelta64(within, "D")
    overlap = (c.d0[a][:, None] - slack <= c.d1[b][None, :]) & (
        c.d0[b][None, :] - slack <= c.d1[a][:, None]
    )
    same_kind = c.kind[a][:, None] == c.kind[b][None, :]
    same_since = (c.since[a][:, None] == c.since[b][None, :]) | (c.kind[a][:, None] == "stock")
    out: BoolArray = overlap & same_kind & same_since
    return out


def _above(lo: FloatArray, cl: BoolArray, hi: FloatArray, cr: BoolArray) -> BoolArray:
    """Whether a lower bound ``lo`` lies above an upper bound ``hi`` (no value satisfies both)."""
    out: BoolArray = (lo > hi) | ((lo == hi) & ~(cl & cr))
    return out


def _ref_unit(c: _Claims, rel: AtMost | SumOf | Monotone) -> str | None:
    for q in rel.quantities:
        rows = c.rows(q)
        if rows.size:
            return str(c.units[rows[0]]) if c.units[rows[0]] is not None else None
    return None


class _Found(NamedTuple):
    """A violation found, not yet written: its place in the report and how to write it (the
    words of a violation cost far more than finding it, and only the first ``max_violations``
    are written)."""

    key: tuple[str, tuple[str, ...], tuple[str, ...]]  # relation, dates, claim ids
    write: Callable[[], Violation]


def _violation(
    c: _Claims,
    rel: AtMost | SumOf | Monotone,
    label: str,
    rows: Sequence[int],
    factors: Sequence[float],
    gap: float,
    unit: str | None,
    why: str,
) -> _Found:
    at = [int(i) for i in rows]
    key = (
        label,
        tuple(_day_text(c.d0[i], c.d1[i]) for i in at),
        tuple(str(c.ids[i]) for i in at),
    )
    write = functools.partial(_write_violation, c, rel, label, at, list(factors), gap, unit, why)
    return _Found(key, write)


def _write_violation(
    c: _Claims,
    rel: AtMost | SumOf | Monotone,
    label: str,
    rows: Sequence[int],
    factors: Sequence[float],
    gap: float,
    unit: str | None,
    why: str,
) -> Violation:
    described = [c.describe(int(i), f) for i, f in zip(rows, factors, strict=True)]
    parts = [
        f"{src} said {c.quantity[i]} was {fig}{_unit_text(unit, fig)} ({day})"
        for i, (src, day, fig) in zip(rows, described, strict=True)
    ]
    return Violation(
        relation=label,
        kind=rel.kind,
        quantities=tuple(str(c.quantity[i]) for i in rows),
        claim_ids=tuple(str(c.ids[i]) for i in rows),
        sources=tuple(d[0] for d in described),
        dates=tuple(d[1] for d in described),
        figures=tuple(d[2] for d in described),
        gap=float(gap),
        unit=unit,
        message=f"{label} fails: "
        + "; ".join(parts)
        + f" — {why} ({_number(gap)}{_unit_text(unit, _number(gap))} apart)",
    )


def _unit_text(unit: str | None, figure: str) -> str:
    return f" {unit_words(unit, plural=figure != '1')}" if unit else ""


def _groups(c: _Claims, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """A code per row: rows are comparable only within a code (same kind, and for cumulative
    and flow figures the same start)."""
    kind = c.kind[rows].astype(str)
    since = np.where(kind == "stock", "", c.since[rows].astype(str))
    kind_codes, _ = pd.factorize(np.asarray(kind, dtype=object))
    since_codes, since_names = pd.factorize(np.asarray(since, dtype=object))
    return np.asarray(kind_codes * (len(since_names) + 1) + since_codes, dtype=np.intp)


def _strength(values: FloatArray, open_side: BoolArray, ids: ObjArray) -> npt.NDArray[np.intp]:
    """Distinct ranks, larger for a claim harder to reconcile with others: a larger ``values``
    first, then an open side, then the smaller claim id (so answers do not depend on order)."""
    id_rank = np.argsort(np.argsort(ids.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((-id_rank, open_side, values))
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    return rank


def _strongest_overlapping(
    a0: Int64Array, a1: Int64Array, b0: Int64Array, b1: Int64Array, strength: npt.NDArray[np.intp]
) -> npt.NDArray[np.intp]:
    """For each ``a`` period ``[a0, a1]``, the ``b`` of largest ``strength`` whose period
    ``[b0, b1]`` overlaps it (-1 for none): a sweep over ``a1`` with a Fenwick tree of maxima
    keyed by ``b1``, so time and memory grow as (a + b) log b, never a x b."""
    nb = b0.size
    best = np.full(a0.size, -1, dtype=np.intp)
    if nb == 0 or a0.size == 0:
        return best
    by_end = np.argsort(-b1, kind="stable")  # tree position: later ends first
    position = np.empty(nb, dtype=np.intp)
    position[by_end] = np.arange(nb)
    ends_desc = -b1[by_end]
    tree = [-1] * (nb + 1)  # the largest strength in each Fenwick range (-1: empty)
    who = {int(r): i for i, r in enumerate(strength.tolist())}
    b_order = np.argsort(b0, kind="stable").tolist()
    b_start = b0.tolist()
    pos_list = position.tolist()
    str_list = strength.tolist()
    k = 0
    for i in np.argsort(a1, kind="stable").tolist():
        limit = int(a1[i])
        while k < nb and b_start[b_order[k]] <= limit:
            j = b_order[k]
            x, v = pos_list[j] + 1, str_list[j]
            while x <= nb:
                if tree[x] < v:
                    tree[x] = v
                x += x & -x
            k += 1
        # the b already in the tree with b1 >= a0[i]: a prefix of the later-ends-first order
        x = int(np.searchsorted(ends_desc, -int(a0[i]), side="right"))
        top = -1
        while x > 0:
            top = max(top, tree[x])
            x -= x & -x
        best[i] = who[top] if top >= 0 else -1
    return best


def _pairs(
    a: npt.NDArray[np.intp], partners: npt.NDArray[np.intp], b: npt.NDArray[np.intp]
) -> list[tuple[int, int]]:
    keep = partners >= 0
    return list(zip(a[keep].tolist(), b[partners[keep]].tolist(), strict=True))


def _check_at_most(c: _Claims, rel: AtMost, within: int) -> list[_Found]:
    """Each claim with the claim of the other side hardest to reconcile with it (the part with
    the largest low, the whole with the smallest high), when that pair cannot both hold."""
    unit = _ref_unit(c, rel)
    p, w = c.rows(rel.part), c.rows(rel.whole)
    if not (p.size and w.size):
        return []
    fp, fw = c.scale(p, unit), c.scale(w, unit)
    factor = dict(zip(p.tolist(), fp.tolist(), strict=True))
    factor.update(zip(w.tolist(), fw.tolist(), strict=True))
    gp, gw = _groups(c, np.r_[p, w])[: p.size], _groups(c, np.r_[p, w])[p.size :]
    found: set[tuple[int, int]] = set()
    for g in np.unique(np.r_[gp, gw]).tolist():
        pg, wg = p[gp == g], w[gw == g]
        if not (pg.size and wg.size):
            continue
        lo_p = c.lo[pg] * fp[gp == g]
        hi_w = c.hi[wg] * fw[gw == g]
        up = _strength(lo_p, ~c.cl[pg], c.ids[pg])
        down = _strength(-hi_w, ~c.cr[wg], c.ids[wg])
        d0p, d1p, d0w, d1w = c.day0[pg], c.day1[pg], c.day0[wg], c.day1[wg]
        # periods within ``within`` days: widen the wholes' periods on both sides
        part_of = _strongest_overlapping(d0w - within, d1w + within, d0p, d1p, up)
        whole_of = _strongest_overlapping(d0p, d1p, d0w - within, d1w + within, down)
        found.update((i, j) for j, i in _pairs(wg, part_of, pg))
        found.update(_pairs(pg, whole_of, wg))
    out = []
    for i, j in sorted(found):
        lo, hi = c.lo[i] * factor[i], c.hi[j] * factor[j]
        if _above(np.array(lo), np.array(c.cl[i]), np.array(hi), np.array(c.cr[j])):
            out.append(
                _violation(
                    c,
                    rel,
                    str(rel),
                    [i, j],
                    [factor[i], factor[j]],
                    float(lo - hi),
                    unit,
                    "the part is larger than the whole",
                )
            )
    return out


def _check_monotone(c: _Claims, rel: Monotone, within: int, implied: bool) -> list[_Found]:
    """Each claim with the claim hardest to reconcile with it on the other side in time (the
    earlier claim with the largest low, the later one with the smallest high)."""
    unit = _ref_unit(c, rel)
    rows = c.rows(rel.quantity)
    if implied:
        rows = rows[c.kind[rows] == "cumulative"]
    if rows.size < 2:
        return []
    f = c.scale(rows, unit)
    factor = dict(zip(rows.tolist(), f.tolist(), strict=True))
    groups = _groups(c, rows)
    found: set[tuple[int, int]] = set()
    for g in np.unique(groups).tolist():
        r = rows[groups == g]
        lo, hi = c.lo[r] * f[groups == g], c.hi[r] * f[groups == g]
        d0, d1 = c.day0[r], c.day1[r]
        # per later claim, the earlier one (ended before it starts) with the strongest low
        up = _strength(lo, ~c.cl[r], c.ids[r])
        by_end = np.argsort(d1, kind="stable")
        top = np.maximum.accumulate(up[by_end])
        k = np.searchsorted(d1[by_end], d0, side="left")
        who = np.empty(r.size, dtype=np.intp)
        who[up] = np.arange(r.size)
        earlier = np.where(k > 0, who[top[np.maximum(k - 1, 0)]], -1)
        found.update((int(r[i]), int(r[j])) for j, i in enumerate(earlier.tolist()) if i >= 0)
        # per earlier claim, the later one (starting after it ends) with the weakest high
        down = _strength(-hi, ~c.cr[r], c.ids[r])
        by_start = np.argsort(d0, kind="stable")
        low_top = np.maximum.accumulate(down[by_start][::-1])[::-1]
        k = np.searchsorted(d0[by_start], d1, side="right")
        who_down = np.empty(r.size, dtype=np.intp)
        who_down[down] = np.arange(r.size)
        later = np.where(k < r.size, who_down[low_top[np.minimum(k, r.size - 1)]], -1)
        found.update((int(r[i]), int(r[j])) for i, j in enumerate(later.tolist()) if j >= 0)
    label = f"{rel} (implied by kind=cumulative)" if implied else str(rel)
    out = []
    for i, j in sorted(found):
        lo_i, hi_j = c.lo[i] * factor[i], c.hi[j] * factor[j]
        if _above(np.array(lo_i), np.array(c.cl[i]), np.array(hi_j), np.array(c.cr[j])):
            out.append(
                _violation(
                    c,
                    rel,
                    label,
                    [i, j],
                    [factor[i], factor[j]],
                    float(lo_i - hi_j),
                    unit,
                    "a later figure is below an earlier one",
                )
            )
    return out


def _check_sum_of(c: _Claims, rel: SumOf, within: int) -> list[_Found]:
    unit = _ref_unit(c, rel)
    t_rows = c.rows(rel.total)
    part_rows = [c.rows(q) for q in rel.parts]
    if not t_rows.size:
        return []
    ft = c.scale(t_rows, unit)
    fparts = [c.scale(r, unit) for r in part_rows]
    out: list[_Found] = []
    nonneg = all(bool(c.count[r].all()) for r in part_rows if r.size)
    for ti, t in enumerate(t_rows):
        t_lo, t_hi = c.lo[t] * ft[ti], c.hi[t] * ft[ti]
        # per part, the comparable claim with the largest low and the one with the smallest high
        top: list[tuple[float, int, float, bool]] = []  # (low, row, factor, closed)
        bottom: list[tuple[float, int, float, bool]] = []
        complete = True
        for rows, f in zip(part_rows, fparts, strict=True):
            ok = _comparable(c, np.array([t], np.intp), rows, within)[0] if rows.size else rows
            if not rows.size or not ok.any():
                complete = False
                continue
            cand = np.flatnonzero(ok)
            lows = c.lo[rows[cand]] * f[cand]
            highs = c.hi[rows[cand]] * f[cand]
            # ties broken by claim id, so the answer does not depend on row order
            ids = c.ids[rows[cand]].astype(str)
            a = np.lexsort((ids, -lows))[0]
            b = np.lexsort((ids, highs))[0]
            top.append(
                (float(lows[a]), int(rows[cand[a]]), float(f[cand[a]]), bool(c.cl[rows[cand[a]]]))
            )
            bottom.append(
                (float(highs[b]), int(rows[cand[b]]), float(f[cand[b]]), bool(c.cr[rows[cand[b]]]))
            )
        # too much: the largest lows already exceed the total's high (fewest parts first; parts
        # without a claim add at least 0 when they are counts, anything when they are not)
        if math.isfinite(t_hi) and (complete or nonneg):
            chosen: list[tuple[float, int, float, bool]] = []
            running = 0.0
            for item in sorted(top, key=lambda x: (-x[0], str(c.ids[x[1]]))):
                if not math.isfinite(item[0]):
                    break
                chosen.append(item)
                running += item[0]
                if not nonneg and len(chosen) < len(rel.parts):
                    continue  # parts that may be negative: only all of them together bound it
                all_closed = all(x[3] for x in chosen)
                if _above(
                    np.array(running), np.array(all_closed), np.array(t_hi), np.array(bool(c.cr[t]))
                ):
                    rows_v = [x[1] for x in chosen] + [int(t)]
                    facs = [x[2] for x in chosen] + [float(ft[ti])]
                    out.append(
                        _violation(
                            c,
                            rel,
                            str(rel),
                            rows_v,
                            facs,
                            running - t_hi,
                            unit,
                            "the parts add up to more than the total",
                        )
                    )
                    break
        # too little: every part has a claim and their highs add up to less than the total's low
        if complete and math.isfinite(t_lo):
            highs_sum = _sum_high([x[0] for x in bottom])
            if math.isfinite(highs_sum) and _above(
                np.array(t_lo),
                np.array(bool(c.cl[t])),
                np.array(highs_sum),
                np.array(all(x[3] for x in bottom)),
            ):
                rows_v = [x[1] for x in bottom] + [int(t)]
                facs = [x[2] for x in bottom] + [float(ft[ti])]
                out.append(
                    _violation(
                        c,
                        rel,
                        str(rel),
                        rows_v,
                        facs,
                        t_lo - highs_sum,
                        unit,
                        "the parts add up to less than the total",
                    )
                )
    return out


def _date_text(value: object, name: str) -> tuple[str, np.datetime64]:
    period = to_period(value)
    if period is None:
        raise DateError(f"{name} must be a date, got {value!r}", text=repr(value))
    # the last instant of the date: a figure of that day, at any time of it, is on or before it
    return str(period), np.datetime64(period.last_second, "s")


def _results_as_claims(results: pd.DataFrame, *, at: object, known_on: object) -> pd.DataFrame:
    """Reconciliation rows (``reconcile_all``/``timeline`` output) read as one claim each: the
    reconciled range of a quantity at its ``at``, from the source "reconciled (method)"."""
    needed = {"quantity", "at", "known_on", "method", "low", "best", "high", "closed", "unit"}
    missing = sorted(needed - set(results.columns))
    if missing:
        raise RelationError(
            "check() takes a Ledger or a reconciliation table (reconcile_all, timeline); "
            f"the table lacks the columns {missing}"
        )
    f = results.loc[results["closed"].notna()].reset_index(drop=True)
    day = pd.to_datetime(f["at"].astype(object), errors="coerce")
    known_day = pd.to_datetime(f["known_on"].astype(object), errors="coerce")
    keep = day.notna().to_numpy(copy=True)
    if at is not None:
        keep &= (day <= np.datetime64(_date_text(at, "at")[1])).to_numpy()
    if known_on is not None:
        keep &= (
            known_day.isna() | (known_day <= np.datetime64(_date_text(known_on, "known_on")[1]))
        ).to_numpy()
    f, day = f.loc[keep].reset_index(drop=True), day.loc[keep].reset_index(drop=True)
    quantity = f["quantity"].astype(str)
    at_text = day.dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            # an unbounded side of a result is infinite here, never read as a bare figure
            "low": f["low"].astype(float).fillna(-np.inf),
            "best": f["best"].astype(float),
            "high": f["high"].astype(float).fillna(np.inf),
            "closed": f["closed"].astype(object),
            "unit": f["unit"].astype(object).where(f["unit"].notna(), None),
            "quantity": quantity.astype(object),
            "kind": "stock",
            "as_of_start": day.astype("datetime64[s]"),
            "as_of_end": day.astype("datetime64[s]"),
            "stated_on_start": day.astype("datetime64[s]"),
            "stated_on_end": day.astype("datetime64[s]"),
            "since": None,
            "claim_id": ("reconciled " + quantity + " at " + at_text).astype(object),
            "source": ("reconciled (" + f["method"].astype(str) + ")").astype(object),
        }
    )


def check(
    ledger: Ledger | pd.DataFrame,
    relations: Iterable[AtMost | SumOf | Monotone],
    *,
    at: object = None,
    known_on: object = None,
    sources: Sources | None = None,
    within_days: int = 0,
    max_violations: int | None = 1000,
) -> Report:
    """Find the claims in ``ledger`` that break ``relations``.

    Which claims are compared: those stated on or before ``known_on`` (when given), about
    moments (``as_of``, else ``stated_on``) up to ``at`` (when given), with a date, and not
    projections (a plan is never held against an observation). Two claims are *about the same
    moment* when their periods overlap, widened by ``within_days`` on each side; they must also
    be of the same kind, and cumulative or flow figures must count from the same start
    (``since``). A bare figure ("about 11,000") is read as the figure itself; an unstated low
    of a count is 0.

    What is a violation, each reported with the smallest set of claims that cannot all hold
    (for ``at_most`` and ``monotone``, each claim in a conflict is reported beside the claim of
    the other side hardest to reconcile with it, not beside every claim it conflicts with, so
    the report grows with the claims, never with their pairs; ``max_violations`` keeps the
    first so many, in the order of the report, and ``Report.omitted`` counts the rest):

    - ``at_most(part, whole)``: a part claim whose low is above a whole claim's high about the
      same moment (two claims).
    - ``monotone(q)``, and implied for every quantity's ``cumulative`` claims: an earlier claim
      whose low is above a later claim's high (two claims).
    - ``sum_of(parts, total)``: for a total claim, part claims about the same moment whose lows
      add up to more than its high, taking the largest lows first so the set is as small as
      possible (for counts, a part without a claim adds at least 0); or one claim per part
      whose highs add up to less than its low (every part is then needed).

    ``ledger`` may also be a reconciliation table (what ``reconcile_all`` or
    :func:`estimates.reconciliation.timeline.timeline` return): each row with an answer is then read as one
    claim, the reconciled range of its quantity at its ``at``, from the source
    "reconciled (method)"; ``at`` and ``known_on`` filter the rows by their own columns. So
    ``check(timeline(...), [monotone(q)])`` asks whether the reconciled series ever falls,
    and ``check(reconcile_all(...), [at_most(a, b)])`` whether the answers fit together.

    ``sources`` resolves source names in the report (aliases, qualifiers). Raises
    :class:`~estimates.errors.RelationError` for relations naming quantities not in the ledger
    or forming a cycle.

    >>> from estimates.ledger.claims import Claim
    >>> from estimates.ledger.table import Ledger
    >>> ledger = Ledger([
    ...     Claim(quantity="kursk", value=Range.at_least(7000, unit="person"), source="HUR",
    ...           stated_on="2024-10-31"),
    ...     Claim(quantity="russia", value=Range.at_most(3000, unit="person"), source="NIS",
    ...           stated_on="2024-10-31"),
    ... ])
    >>> report = check(ledger, [at_most("kursk", "russia")])
    >>> report.ok, report.violations[0].gap
    (False, 4000.0)
    >>> print(report)
    1 violation(s) among 2 claims:
    - kursk ≤ russia fails: HUR said kursk was at least 7,000 people (2024-10-31); NIS said russia was up to 3,000 people (2024-10-31) — the part is larger than the whole (4,000 people apart)
    """
    if max_violations is not None and (
        isinstance(max_violations, bool)
        or not isinstance(max_violations, int)
        or max_violations < 0
    ):
        raise OptionError(
            "max_violations",
            message=f"max_violations must be a whole number >= 0 or None, got {max_violations!r}",
        )
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise OptionError(
            "within_days",
            message=f"within_days must be a whole number of days >= 0, got {within_days!r}",
        )
    known_text = None if known_on is None else _date_text(known_on, "known_on")[0]
    at_text = None if at is None else _date_text(at, "at")[0]
    if isinstance(ledger, pd.DataFrame):
        rels = validate(relations, known=set(ledger["quantity"].astype(str)))
        frame = _results_as_claims(ledger, at=at, known_on=known_on)
    else:
        rels = validate(relations, known=ledger.quantities)
        picked = ledger if known_on is None else ledger.known_on(known_on)
        frame = picked.frame
        if at is not None:
            at_end = _date_text(at, "at")[1]
            as0 = frame["as_of_start"].to_numpy()
            st0 = frame["stated_on_start"].to_numpy()
            d0 = np.where(pd.isna(as0), st0, as0).astype("datetime64[s]")
            frame = frame.loc[~pd.isna(d0) & (d0 <= at_end)].reset_index(drop=True)
    c = _Claims(frame, sources)
    found: list[_Found] = []
    explicit_monotone = {r.quantity for r in rels if isinstance(r, Monotone)}
    for rel in rels:
        if isinstance(rel, AtMost):
            found += _check_at_most(c, rel, within_days)
        elif isinstance(rel, SumOf):
            found += _check_sum_of(c, rel, within_days)
        else:
            found += _check_monotone(c, rel, within_days, implied=False)
    labels = [str(r) for r in rels]
    cumulative = sorted({str(q) for q in c.quantity[c.kind == "cumulative"]} - explicit_monotone)
    for q in cumulative:
        found += _check_monotone(c, Monotone(quantity=q), within_days, implied=True)
        labels.append(f"{q} never falls (implied by kind=cumulative)")
    # every violation is counted; only those the report keeps are written
    found.sort(key=lambda v: v.key)
    omitted = 0
    if max_violations is not None and len(found) > max_violations:
        omitted = len(found) - max_violations
        found = found[:max_violations]
    return Report(
        omitted=omitted,
        relations=tuple(labels),
        violations=tuple(v.write() for v in found),
        at=at_text,
        known_on=known_text,
        n_claims=int(c.usable.sum()),
    )
