"""Known on: which claims a reconciliation may use, and the moment ``at`` it answers for.

A claim is known on ``known_on`` when it was stated on or before it (a claim with no day stated
is always known). Without a ``known_on``, a quantity's is the latest day any of its claims was
stated (everything is known), and ``at`` defaults to ``known_on``. When ``known_on`` is after
``at``, the reconciliation has **hindsight**: figures about later moments may bound the answer.

Times are instants (:mod:`.arrays`). This module imports nothing from the rest of the package
but its sibling stages.

>>> out = known_on(q=np.array([0, 0, 1]), stated=np.array([5, 9, 7]), n_quantities=2,
...                known_on=None, at=None)
>>> out.known_on.tolist(), out.rows.tolist(), out.hindsight.tolist()
([9, 7], [0, 1, 2], [False, False])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimates.reconciliation.stages.arrays import (
    FAR,
    NO_DAY,
    BoolArray,
    Int64Array,
    IntArray,
    frozen,
)

__all__ = ["Known", "known_on"]


@dataclass(frozen=True)
class Known:
    """What :func:`known_on` returns.

    Per quantity: ``known_on`` and ``at`` (:data:`NO_DAY` for none), ``at_or_far`` (``at``, with
    no date read as after every figure: :data:`FAR`), ``hindsight`` (``known_on`` after ``at``).
    The known claims: ``rows`` (positions among the claims given, ascending) and ``everything``
    (every claim is known: ``rows`` is all of them).
    """

    known_on: Int64Array
    at: Int64Array
    at_or_far: Int64Array
    hindsight: BoolArray
    rows: IntArray
    everything: bool


def known_on(
    *,
    q: IntArray,
    stated: Int64Array,
    n_quantities: int,
    known_on: int | None,
    at: int | None,
) -> Known:
    """The known claims among those of quantity ``q`` stated on ``stated`` (the end of the
    day or moment stated; :data:`NO_DAY` for none), for a ``known_on`` and an ``at`` (instants,
    or None for the defaults).

    >>> out = known_on(q=np.array([0, 0]), stated=np.array([5, 9]), n_quantities=1,
    ...                known_on=6, at=3)
    >>> out.rows.tolist(), out.at.tolist(), out.hindsight.tolist()
    ([0], [3], [True])
    """
    has = stated != NO_DAY
    dated = bool(has.any())
    if known_on is None:
        known = np.full(n_quantities, NO_DAY, dtype=np.int64)
        if dated:
            every_dated = bool(has.all())  # (no copies of the rows when each has a day)
            np.maximum.at(
                known, q if every_dated else q[has], stated if every_dated else stated[has]
            )
    else:
        known = np.full(n_quantities, known_on, dtype=np.int64)
    at_q = known.copy() if at is None else np.full(n_quantities, at, dtype=np.int64)
    hindsight = (known != NO_DAY) & (at_q != NO_DAY) & (known > at_q)
    if dated and known_on is not None:
        keep = ~has | (stated <= np.where(known == NO_DAY, FAR, known)[q])
        everything = bool(keep.all())
    else:
        # a claim with no day stated is always known, and without a cut-off each quantity is
        # known on its latest day stated: every claim is known
        everything = True
    rows = np.arange(q.size, dtype=np.intp) if everything else np.flatnonzero(keep)
    return Known(
        known_on=frozen(known),
        at=frozen(at_q),
        at_or_far=frozen(np.where(at_q == NO_DAY, FAR, at_q)),
        hindsight=frozen(hindsight),
        rows=frozen(rows.astype(np.intp, copy=False)),
        everything=everything,
    )
