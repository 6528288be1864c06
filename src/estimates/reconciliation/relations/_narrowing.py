"""Narrowing ranges by interval propagation over relations, to a fixed point."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from estimates.reconciliation.relations._model import AtMost, Monotone, SumOf, _sum_high, validate
from estimates.values import units as _units
from estimates.values.ranges import Range, closed_from_flags
from estimates.values.words import number as _number

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

    >>> from estimates.reconciliation.relations import sum_of
    >>> r = {
    ...     "a": Range.between(0, 10), "b": Range.between(0, 10), "total": Range.exactly(15),
    ... }
    >>> out, notes = narrow(r, [sum_of(["a", "b"], "total")])
    >>> str(out["a"]), str(out["b"])
    ('5–10', '5–10')
    """
    rels = validate(relations, known=ranges.keys())
    state = _Narrowing(ranges, rels)
    for _ in range(max_rounds):
        moved = False
        for i, rel in enumerate(rels):
            if isinstance(rel, AtMost):
                moved |= state.at_most(i, rel)
            elif isinstance(rel, SumOf):
                moved |= state.sum_of(i, rel)
        if not moved:
            break
    else:
        state.notes.append(f"narrowing stopped after {max_rounds} rounds before settling")
    return state.ranges(), state.notes


class _Narrowing:
    """The working bounds of every range while the relations narrow them, and the notes."""

    def __init__(
        self, ranges: Mapping[str, Range], rels: Sequence[AtMost | SumOf | Monotone]
    ) -> None:
        self.given = ranges
        self.rels = rels
        self.boxes = {q: _Box(r) for q, r in ranges.items()}
        # each relation works in the unit of its first quantity; factor converts into it
        self.conv: list[dict[str, float]] = []
        for rel in rels:
            ref = ranges[rel.quantities[0]].unit
            self.conv.append({q: _units.factor(ranges[q].unit, ref) for q in rel.quantities})
        self.notes: list[str] = []
        self.changed: set[str] = set()
        self.conflicts: set[tuple[int, str]] = set()

    def tighten(
        self, q: str, side: str, value: float, closed: bool, f: float, why: str, i: int
    ) -> bool:
        """Apply a bound ``value`` (in the relation's unit; ``f`` converts q into it)."""
        box = self.boxes[q]
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
            if (i, q) not in self.conflicts:
                self.conflicts.add((i, q))
                self.notes.append(
                    f"{q}: not narrowed by {self.rels[i]}: it would need {side} {_number(v)}, "
                    f"which leaves no value beside its other end {_number(other)} (the ranges "
                    f"conflict by {_number(gap)}); {why}"
                )
            return False
        old = box.lo if side == "low" else box.hi
        box.lo, box.cl, box.hi, box.cr = new_lo, new_cl, new_hi, new_cr
        self.changed.add(q)
        self.notes.append(f"{q}: {side} {_number(old)} → {_number(v)}, because {why}")
        return True

    def at_most(self, i: int, rel: AtMost) -> bool:
        """``part.high <= whole.high`` and ``whole.low >= part.low``: whether a bound moved."""
        f = self.conv[i]
        p, w = self.boxes[rel.part], self.boxes[rel.whole]
        fp, fw = f[rel.part], f[rel.whole]
        why_high = f"{rel} ({rel.whole} is at most {_number(w.hi)})"
        moved = self.tighten(rel.part, "high", w.hi * fw, w.cr, fp, why_high, i)
        why_low = f"{rel} ({rel.part} is at least {_number(p.lo)})"
        return self.tighten(rel.whole, "low", p.lo * fp, p.cl, fw, why_low, i) or moved

    def sum_of(self, i: int, rel: SumOf) -> bool:
        """The total within the parts' sums, each part within the total less the others."""
        f, boxes = self.conv[i], self.boxes
        t, ft = boxes[rel.total], f[rel.total]
        lows = [boxes[q].lo * f[q] for q in rel.parts]
        highs = [boxes[q].hi * f[q] for q in rel.parts]
        all_cl = all(boxes[q].cl for q in rel.parts)
        all_cr = all(boxes[q].cr for q in rel.parts)
        low_sum, high_sum = math.fsum(lows), _sum_high(highs)
        why = f"{rel} (the parts sum to at least {_number(low_sum)})"
        moved = self.tighten(rel.total, "low", low_sum, all_cl, ft, why, i)
        why = f"{rel} (the parts sum to at most {_number(high_sum)})"
        moved = self.tighten(rel.total, "high", high_sum, all_cr, ft, why, i) or moved
        for j, q in enumerate(rel.parts):
            others_hi = _sum_high(highs[:j] + highs[j + 1 :])
            others_lo = math.fsum(lows[:j] + lows[j + 1 :])
            others = [boxes[o] for o in rel.parts[:j] + rel.parts[j + 1 :]]
            lo_val = t.lo * ft - others_hi if math.isfinite(others_hi) else -math.inf
            hi_val = t.hi * ft - others_lo if math.isfinite(others_lo) else math.inf
            why = (
                f"{rel} (the total is at least {_number(t.lo)} and the other parts at "
                f"most {_number(others_hi)})"
            )
            closed = t.cl and all(o.cr for o in others)
            moved = self.tighten(q, "low", lo_val, closed, f[q], why, i) or moved
            why = (
                f"{rel} (the total is at most {_number(t.hi)} and the other parts at "
                f"least {_number(others_lo)})"
            )
            closed = t.cr and all(o.cl for o in others)
            moved = self.tighten(q, "high", hi_val, closed, f[q], why, i) or moved
        return moved

    def ranges(self) -> dict[str, Range]:
        """Every range as narrowed (a ``best`` outside it moved to the nearest end or dropped)."""
        out: dict[str, Range] = {}
        for q, r in self.given.items():
            if q not in self.changed:
                out[q] = r
                continue
            box = self.boxes[q]
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
                    self.notes.append(
                        f"{q}: best {_number(best)} lay outside the narrowed range; "
                        + (f"moved to {_number(end)}" if keep and end is not None else "dropped")
                    )
                    best = end if keep else None
            out[q] = Range(
                low=low, best=best, high=high, closed=closed, unit=r.unit, convention=r.convention
            )
        return out
