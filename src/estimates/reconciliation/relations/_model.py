"""Relations as data: the three kinds (a part within a whole, parts summing to a total, a
running total that never falls), read from text or data and checked for unknown names and cycles."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from estimates.errors import RelationError
from estimates.values._model import Model

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


def _sum_high(highs: Sequence[float]) -> float:
    """The sum of upper bounds (infinite when one is), as narrowing and checking both add them."""
    return math.inf if any(math.isinf(h) for h in highs) else math.fsum(highs)
