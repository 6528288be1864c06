"""Prior weights: ``weight = confidence × reliability × recency`` (DESIGN §3, step 6).

- :func:`confidence`: a claim's ``confidence``, else the probability of its hedge words (a
  table per distinct hedge, computed before the core runs), else 1; floored at ``floor`` so that
  every weight stays above 0.
- :func:`reliability`: the weight of a claim's own Admiralty grade, else of its source's
  declared grade (tables per distinct grade, computed before the core runs).
- :func:`recency`: ``0.5 ** (age / half_life)``, ``age`` the time between ``at`` and the moment
  a figure describes (1 when either is missing); :func:`stale` marks a used figure whose
  recency fell below :data:`STALE_BELOW` (older than two half-lives).

This module imports nothing from the rest of the package but its sibling stages.

>>> confidence(np.array([0.9, np.nan, np.nan]), np.array([-1, 0, -1]), np.array([0.3]),
...            floor=0.05).tolist()
[0.9, 0.3, 1.0]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from estimates.reconciliation.stages.arrays import (
    NO_DAY,
    FloatArray,
    Int64Array,
    IntArray,
    frozen,
)
from estimates.reconciliation.stages.roles import Role

__all__ = ["STALE_BELOW", "confidence", "recency", "reliability", "stale"]

#: A used figure whose recency factor is below this is marked ``stale`` (two half-lives).
STALE_BELOW = 0.25


def confidence(
    stated: FloatArray, hedge: IntArray, hedge_probability: FloatArray | None, *, floor: float
) -> FloatArray:
    """Per claim: its ``stated`` confidence (NaN: none), else the probability of its ``hedge``
    (a code into ``hedge_probability``, -1 for none; NaN where a hedge has no reading; None when
    no claim needs one), else 1; clipped to [``floor``, 1]."""
    if hedge_probability is None and bool(np.isnan(stated).all()):
        return frozen(np.ones(stated.size))  # nothing stated: every claim counts fully
    conf = stated.copy()
    if hedge_probability is not None:
        need = np.isnan(conf) & (hedge >= 0)
        conf[need] = hedge_probability[hedge[need]]
    conf = np.where(np.isnan(conf), 1.0, conf)
    return frozen(np.clip(conf, floor, 1.0))


def reliability(
    own: IntArray,
    own_weight: FloatArray,
    source: IntArray,
    declared_weight: FloatArray,
) -> FloatArray:
    """Per claim: ``own_weight`` of its own grade (``own``, a code; -1 for none), else
    ``declared_weight`` of its ``source``'s declared grade.

    >>> reliability(np.array([0, -1]), np.array([1.0]), np.array([0, 1]),
    ...             np.array([0.6, 0.8])).tolist()
    [1.0, 0.8]
    """
    if own.size == 0:
        return frozen(np.zeros(0))
    result: FloatArray = np.where(own >= 0, own_weight[own], declared_weight[source])
    return frozen(result)


def recency(at: Int64Array, moment: Int64Array, half_life: float | None) -> FloatArray:
    """Per figure: ``0.5 ** (|at - moment| / half_life)`` (instants and a half-life in seconds);
    1 without a half-life, or when ``at`` or ``moment`` is :data:`NO_DAY`.

    >>> recency(np.array([20, 20]), np.array([10, NO_DAY]), 10.0).tolist()
    [0.5, 1.0]
    """
    if not half_life:
        return frozen(np.ones(at.size))
    missing = (at == NO_DAY) | (moment == NO_DAY)
    age = np.abs(np.where(missing, 0, at) - np.where(missing, 0, moment)).astype(float)
    return frozen(0.5 ** (age / float(half_life)))


def stale(role: npt.NDArray[np.int8], rows: IntArray, factor: FloatArray) -> npt.NDArray[np.int8]:
    """``role`` with each used figure of ``rows`` whose recency ``factor`` (per row of ``rows``)
    is below :data:`STALE_BELOW` marked ``stale``.

    >>> stale(np.zeros(2, np.int8), np.array([0, 1]), np.array([0.5, 0.2])).tolist()
    [0, 4]
    """
    out = role.copy()
    old: IntArray = rows[factor < STALE_BELOW]
    out[old] = np.where(out[old] == Role.USED, Role.STALE, out[old])
    return frozen(out)
