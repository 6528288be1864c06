"""The ledger's arrays as the stages read them: cut to the known claims, with the policies
applied before the stages run.

The core reads no frame: the ledger hands it a :class:`~estimates.ledger.arrays.ClaimArrays`
(read-only arrays; text columns as integer codes into their sorted names). The stages
(:mod:`estimates.reconciliation.stages`) take arrays and know nothing of names, units or
words; here each policy becomes an array: source names resolved through :class:`~estimates.values.sources.Sources` (aliases,
trailing qualifiers), grade letters their weights, units their conversion factors, kinds their
codes, hedge words their probabilities, conventions their levels.

>>> frame = pd.DataFrame({"quantity": ["q", "q"], "low": [1.0, 2.0], "unit": ["km", "m"],
...                       "source": ["A", "B"]})
>>> cols = Columns(claim_arrays(frame), np.arange(2), True)
>>> read_figures(cols, np.zeros(2, np.intp), np.array(["q"], dtype=object)).low.tolist()
[1.0, 0.002]
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.errors import DimensionError, UnknownMethodError
from estimates.ledger.arrays import ClaimArrays, claim_arrays
from estimates.reconciliation.stages.arrays import (
    DAY,
    NO_DAY,
    BoolArray,
    FloatArray,
    Int64Array,
    IntArray,
    ObjectArray,
)
from estimates.reconciliation.stages.weights import reliability
from estimates.values import units as _units
from estimates.values.dates import to_period
from estimates.values.vocabulary import KINDS, NO_GRADE_WEIGHT, RELIABILITY_WEIGHT, KindCode
from estimates.values.words import number as _number

if TYPE_CHECKING:
    from estimates.values.sources import Sources

__all__ = [
    "CUMULATIVE",
    "FLOW",
    "PROJECTION_KIND",
    "STOCK",
    "Columns",
    "Figures",
    "Resolved",
    "Times",
    "claim_arrays",
    "claim_levels",
    "hedge_probabilities",
    "instant_text",
    "read_figures",
    "read_sources",
    "read_times",
    "stated_ends",
    "to_instant",
    "write_number",
]

_KINDS: dict[str, int] = {name: int(KindCode[name.upper()]) for name in KINDS}
#: The kinds as the stages read them (the codes of :class:`estimates.values.vocabulary.KindCode`),
#: so that the stages and the core import nothing from ``values``.
STOCK, CUMULATIVE, FLOW, PROJECTION_KIND = (int(k) for k in KindCode)
#: How the notes of the answers write a figure: the library's words
#: (:func:`estimates.values.words.number`), handed to the core and through it to every method.
write_number = _number
#: The prior weight of a claim with no grade (:data:`estimates.values.vocabulary.NO_GRADE_WEIGHT`).
_NO_GRADE_WEIGHT = NO_GRADE_WEIGHT


def to_instant(value: object) -> int | None:
    """A date given as text, ``date``, ``Period``, ``Timestamp`` or ``datetime64`` -> its last
    instant, in seconds since 1970 (a day without a time of day: its last second; a month, year
    or interval: the last second of its last day). ``None`` stays ``None``.

    >>> to_instant("1970-01-02") == 2 * DAY - 1, to_instant("1970-01-02T08:00"), to_instant(None)
    (True, 115200, None)
    """
    if value is None:
        return None
    if isinstance(value, np.datetime64 | pd.Timestamp) and pd.isna(value):
        return None
    period = to_period(value)
    if period is None:
        return None
    return period.last_second


def instant_text(t: int | None) -> str | None:
    """The ISO text of an instant: its day when it is a whole day's first or last second,
    else the day and time (None for no date).

    >>> instant_text(DAY - 1), instant_text(DAY + 20 * 3600), instant_text(NO_DAY)
    ('1970-01-01', '1970-01-02T20:00', None)
    """
    if t is None or t == NO_DAY:
        return None
    second = int(t) % DAY
    day = np.datetime64(int(t) // DAY, "D")
    if second in (0, DAY - 1):
        return str(day)
    clock = f"{second // 3600:02d}:{second // 60 % 60:02d}"
    return f"{day}T{clock}" + (f":{second % 60:02d}" if second % 60 else "")


def _day_start(start: Int64Array, end: Int64Array) -> Int64Array:
    """A period's start as the core compares it: a time of day as it is (start and end are
    then one instant), a whole day as its last second, like an end (so a one-day period is one
    instant and whole days stay whole days apart)."""
    shift = (start != end) & (start != NO_DAY)
    result: Int64Array = np.where(shift, start + (DAY - 1), start)
    return result


def _factorize(values: ObjectArray, *, sort: bool = False) -> tuple[IntArray, ObjectArray]:
    codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=True)
    return codes.astype(np.intp), np.asarray(uniques, dtype=object)


def hedge_probabilities(names: ObjectArray, yardstick: str) -> FloatArray:
    """Per distinct hedge, its probability on the yardstick (NaN when it has no reading)."""
    fn = _hedge_function()
    return np.array([_hedge_probability(fn, str(u), yardstick) for u in names], dtype=float)


def _hedge_function() -> Any:
    """``estimates.reading.likelihood.hedge_confidence``."""
    # imported from the module itself: the package exports a function named ``likelihood``
    from estimates.reading.likelihood import hedge_confidence

    return hedge_confidence


def _hedge_probability(fn: Any, hedge: str, yardstick: str) -> float:
    """One number in [0, 1] for a hedge, or NaN when the yardstick has no reading of it."""
    try:
        value = fn(hedge, yardstick=yardstick)
    except UnknownMethodError:
        raise
    except (ValueError, LookupError, TypeError):
        return math.nan
    return _as_probability(value)


def _as_probability(value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, tuple) and len(value) == 2:
        return (float(value[0]) + float(value[1])) / 2
    best = getattr(value, "best", None)
    if isinstance(best, int | float):
        return float(best)
    low, high = getattr(value, "low", None), getattr(value, "high", None)
    if isinstance(low, int | float) and isinstance(high, int | float):
        return (float(low) + float(high)) / 2
    return math.nan


def _grade_weight(letter: object) -> float:
    if not isinstance(letter, str):
        return _NO_GRADE_WEIGHT
    return RELIABILITY_WEIGHT.get(letter.strip().upper(), _NO_GRADE_WEIGHT)


# -- the pipeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """The ledger's arrays, each cut to the known claims (``rows``; all of them when
    ``everything``) when read."""

    arrays: ClaimArrays
    rows: IntArray
    everything: bool

    def take(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if self.everything else values[self.rows]

    def floats(self, column: str) -> FloatArray:
        result: FloatArray = self.take(self.arrays.floats(column))
        return result

    def instants(self, column: str) -> Int64Array:
        result: Int64Array = self.take(self.arrays.instants(column))
        return result

    def codes(self, column: str) -> tuple[IntArray, ObjectArray]:
        """Per known claim the code of its text (-1: none) into the column's sorted names."""
        found = self.arrays.codes(column)
        return self.take(found.codes), found.names


@dataclass(frozen=True)
class Resolved:
    """Per known claim its resolved source (``code`` into ``names``; ``resolved``, the names,
    with detail only) and the prior weight of its grade (``weight``; one number when no claim
    has a grade); the letters of the grades for the rows handed to the method (``letters``)."""

    code: IntArray
    names: ObjectArray
    resolved: ObjectArray
    weight: FloatArray | float
    letter_code: IntArray
    letter_table: ObjectArray
    declared: ObjectArray
    no_grades: bool

    def letters(self, rows: IntArray) -> ObjectArray:
        """The grade letter of each claim of ``rows``: its own, else its source's declared."""
        if self.no_grades:
            # one None read at every row (a read-only view), not an array of as many Nones
            none: ObjectArray = np.broadcast_to(np.array(None, dtype=object), rows.size)
            return none
        own = self.letter_code[rows]
        result: ObjectArray = np.where(
            own >= 0, self.letter_table[own], self.declared[self.code[rows]]
        )
        return result


def read_sources(cols: Columns, sources: Sources | None, *, detail: bool) -> Resolved:
    """Raw names resolved through ``sources`` (a :class:`~estimates.values.sources.Sources`
    (aliases, trailing qualifiers), and each claim's own grade, else its source's declared."""
    from estimates.values.sources import Sources

    resolver = sources if sources is not None else Sources()
    raw_codes, raw_names = cols.codes("source")
    n = raw_codes.size
    resolve = resolver.resolve if sources is not None else _resolved_alone
    resolved_u = np.array([resolve(str(x)) for x in raw_names], dtype=object)
    rcodes, names = _factorize(resolved_u, sort=True)
    src = rcodes[raw_codes] if n else np.zeros(0, dtype=np.intp)
    letter_codes, letter_names = cols.codes("reliability")
    declared = np.full(len(names), None, dtype=object)
    # a Sources with no declared source has no grade to give (len() counts declared ones)
    declares = not isinstance(resolver, Sources) or len(resolver) > 0
    if declares and hasattr(resolver, "reliability_of") and len(names):
        declared = np.array([resolver.reliability_of(str(x)) for x in names], dtype=object)
    no_grades = letter_names.size == 0 and not any(x is not None for x in declared.tolist())
    weight: FloatArray | float = _NO_GRADE_WEIGHT  # no grade anywhere: one weight
    if not no_grades:
        own_weight = np.array([_grade_weight(x) for x in letter_names] + [_NO_GRADE_WEIGHT])
        declared_weight = np.array([_grade_weight(x) for x in declared] + [_NO_GRADE_WEIGHT])
        weight = reliability(letter_codes, own_weight, src, declared_weight)
    return Resolved(
        code=src,
        names=names,
        resolved=names[src] if n and detail else np.zeros(0, dtype=object),
        weight=weight,
        letter_code=letter_codes,
        # kept as codes: letters are spelled out only for the evidence rows handed to the method
        letter_table=np.r_[letter_names, np.array([None], dtype=object)],
        declared=declared,
        no_grades=no_grades,
    )


@functools.lru_cache(maxsize=1 << 16)
def _resolved_alone(name: str) -> str:
    """A raw source name resolved with no source declared (``Sources().resolve``), kept: a
    ledger's thousands of names are the same at every reconciliation of it.

    >>> _resolved_alone("Zelensky (Lex Fridman podcast)")
    'Zelensky'
    """
    from estimates.values.sources import Sources

    return Sources().resolve(name)


@dataclass(frozen=True)
class Figures:
    """Per known claim its figure in its quantity's unit; per quantity the ``unit`` and whether
    it is ``positive`` (a count: a unit registered as one, or every figure >= 0)."""

    low: FloatArray
    best: FloatArray
    high: FloatArray
    unit: ObjectArray
    positive: BoolArray


def read_figures(cols: Columns, qc: IntArray, q_names: ObjectArray) -> Figures:
    """Each quantity in its most common unit (ties: the first in alphabetical order); other
    units of the same dimension converted; two dimensions in one quantity raise."""
    nq = q_names.size
    low, best, high = cols.floats("low"), cols.floats("best"), cols.floats("high")
    ucodes, unames = cols.codes("unit")
    nu = len(unames)
    chosen = np.full(nq, -1, dtype=np.intp)
    if nu:
        has_unit = ucodes >= 0
        if nu == 1:
            chosen[qc if has_unit.all() else qc[has_unit]] = 0
        else:
            unit_counts = np.bincount(
                qc[has_unit].astype(np.int64) * nu + ucodes[has_unit], minlength=nq * nu
            ).reshape(nq, nu)
            chosen = np.where(
                unit_counts.max(axis=1) > 0, np.argmax(unit_counts, axis=1), -1
            ).astype(np.intp)
        target = chosen[qc]
        convert = has_unit & (target >= 0) & (ucodes != target)
        if convert.any():
            factor = np.ones(qc.size)
            factor[convert] = _unit_factors(ucodes, target, convert, unames, qc, q_names)
            low, best, high = low * factor, best * factor, high * factor
    # a count quantity: a unit registered as a count, or every figure >= 0 (no figure of it
    # below 0: its least finite low, best or high)
    smallest = np.fmin(np.fmin(np.where(np.isfinite(low), low, np.nan), best), high)
    below = np.zeros(nq, dtype=bool)
    below[qc[smallest < 0]] = True
    count_unit = np.r_[np.array([_units.is_count(str(u)) for u in unames], dtype=bool), False]
    return Figures(
        low=low,
        best=best,
        high=high,
        unit=np.r_[unames, np.array([None], dtype=object)][chosen],
        positive=count_unit[chosen] | ~below,
    )


def _unit_factors(
    ucodes: IntArray,
    target: IntArray,
    convert: BoolArray,
    unames: ObjectArray,
    qc: IntArray,
    q_names: ObjectArray,
) -> FloatArray:
    """The factor of each ``convert`` row from its unit to its quantity's (one lookup per
    pair of units)."""
    nu = len(unames)
    combo = ucodes[convert].astype(np.int64) * nu + target[convert]
    combos, inverse = np.unique(combo, return_inverse=True)
    values = np.empty(combos.size)
    for i, c in enumerate(combos.tolist()):
        a, b = str(unames[c // nu]), str(unames[c % nu])
        try:
            values[i] = _units.factor(a, b)
        except DimensionError as exc:
            bad_q = q_names[qc[convert][inverse == i][0]]
            raise DimensionError(
                f"quantity {bad_q!r} mixes {a!r} and {b!r}, which measure different things "
                f"({_units.dimension(a)} and {_units.dimension(b)}); give it one unit or "
                "split it into two quantities",
                left=b,
                right=a,
            ) from exc
    result: FloatArray = values[inverse]
    return result


@dataclass(frozen=True)
class Times:
    """Per known claim its ``kind`` code and the moment it describes (``start`` to ``moment``),
    its running total's start (``since``), whether it is a projection ``set_apart``; per
    quantity whether it ``has_obs`` (observations, not only projections)."""

    kind: npt.NDArray[np.int8]
    moment: Int64Array
    start: Int64Array
    since: Int64Array
    has_obs: BoolArray
    set_apart: BoolArray


def read_times(cols: Columns, qc: IntArray, nq: int, stated: Int64Array) -> Times:
    """Kinds and moments: a figure without "as of" describes the day it was stated; a quantity
    with only projections takes each source's latest, whatever ``at`` says."""
    kind_codes, kind_names = cols.codes("kind")
    kind_table = np.array([_KINDS.get(str(x), STOCK) for x in kind_names] + [STOCK], dtype=np.int8)
    kind = kind_table[kind_codes]
    t_e = cols.instants("as_of_end")
    stated_start = _day_start(cols.instants("stated_on_start"), stated)
    no_as_of = t_e == NO_DAY
    if no_as_of.all():
        # no "as of" at all: every figure describes the day it was stated
        t_s = np.where(stated_start == NO_DAY, stated, stated_start)
        t_e = stated
    else:
        t_s = _day_start(cols.instants("as_of_start"), t_e)
        t_s = np.where(no_as_of, np.where(stated_start == NO_DAY, stated, stated_start), t_s)
        t_e = np.where(no_as_of, stated, t_e)
    is_proj = kind == PROJECTION_KIND
    has_obs = np.zeros(nq, dtype=bool)
    any_proj = bool(is_proj.any())
    has_obs[qc[~is_proj] if any_proj else qc] = True
    if any_proj:
        proj_alone = is_proj & ~has_obs[qc]
        if proj_alone.any():
            t_s = np.where(proj_alone, stated, t_s)
            t_e = np.where(proj_alone, stated, t_e)
    # the common case, figures about the day they were stated: one array serves all three
    if np.array_equal(t_e, stated):
        t_e = stated
    if np.array_equal(t_s, stated):
        t_s = stated
    return Times(
        kind=kind,
        moment=t_e,
        start=t_s,
        since=cols.instants("since_start"),
        has_obs=has_obs,
        set_apart=is_proj & has_obs[qc] if any_proj else is_proj,
    )


def stated_ends(cols: Columns, rows: BoolArray) -> tuple[BoolArray, BoolArray]:
    """Which ends of the ``rows`` figures (a mask over the known claims) their sources stated.

    A figure given as numbers states both ends. A figure read from words under a convention
    other than ``literal`` states only the ends the literal reading has: "over 31,000" states
    its floor, and the cap a convention adds is an assumption. Each distinct text is read once.
    """
    n = rows.size
    lo = np.ones(n, dtype=bool)
    hi = np.ones(n, dtype=bool)
    conventions = cols.arrays.convention
    if not rows.any() or not conventions.names.size:
        return lo, hi
    text = cols.take(cols.arrays.text)
    conv = cols.take(conventions.objects())
    read = rows & (text != None) & (conv != None) & (conv != "literal")  # noqa: E711
    idx = np.flatnonzero(read)
    if not idx.size:
        return lo, hi
    from estimates.errors import EstimatesError
    from estimates.reading.parsing import parse

    codes, uniq = pd.factorize(pd.Series(text[idx], dtype=object))
    lit_lo = np.ones(len(uniq), dtype=bool)
    lit_hi = np.ones(len(uniq), dtype=bool)
    for j, t in enumerate(uniq.tolist()):
        try:
            r = parse(str(t), convention="literal")
        except EstimatesError:
            continue
        lit_lo[j] = r.low is not None
        lit_hi[j] = r.high is not None
    lo[idx] = lit_lo[codes]
    hi[idx] = lit_hi[codes]
    return lo, hi


def claim_levels(arrays: ClaimArrays) -> FloatArray:
    """Per claim, the probability its range carries: its ``level``, else its convention's
    (:attr:`estimates.reading.conventions.Convention.level`), else NaN."""
    level = arrays.level
    names = arrays.convention.names
    if names.size == 0 or not np.isnan(level).any():
        return level
    from estimates.reading.conventions import convention_level

    table = np.array([convention_level(str(x)) for x in names] + [math.nan], dtype=float)
    result: FloatArray = np.where(np.isnan(level), table[arrays.convention.codes], level)
    return result
