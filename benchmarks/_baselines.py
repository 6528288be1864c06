"""Baselines for truth discovery, written from their definitions in plain numpy and pandas.

Each takes a long table of claims (``item``, ``source``, ``value``) and returns one value per
item (a Series indexed by item). They stand beside the library's methods in every benchmark, so
that a method is compared with what a user could write in ten lines.

>>> claims = pd.DataFrame({"item": ["a"] * 4, "source": list("wxyz"), "value": [1.0, 1.0, 2.0, 9.0]})
>>> median(claims).tolist(), vote(claims).tolist(), crh(claims).tolist()
([1.5], [1.0], [1.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["crh", "median", "vote"]


def median(claims: pd.DataFrame) -> pd.Series:
    """The plain median of each item's figures."""
    return claims.groupby("item")["value"].median()


def vote(claims: pd.DataFrame) -> pd.Series:
    """The most frequent exact figure per item (ties: the smaller figure)."""
    counts = claims.groupby(["item", "value"]).size().rename("n").reset_index()
    counts = counts.sort_values(["item", "n", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("item").set_index("item")["value"]


def _weighted_median(item: np.ndarray, value: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    order = np.lexsort((value, item))
    it, v, w = item[order], value[order], weight[order]
    total = np.bincount(it, weights=w, minlength=n)
    cum = np.cumsum(w)
    start = np.r_[0, np.cumsum(np.bincount(it, minlength=n))[:-1]]
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    # the first figure whose running weight within its item reaches half the item's weight
    past = cum - before[it] >= total[it] / 2 - 1e-12
    first = np.full(n, -1)
    idx = np.flatnonzero(past)
    first_idx = idx[np.r_[True, it[idx][1:] != it[idx][:-1]]]
    first[it[first_idx]] = first_idx
    return np.asarray(v[first], dtype=float)


def crh(claims: pd.DataFrame, iterations: int = 10) -> pd.Series:
    """CRH (Li et al., SIGMOD 2014) with absolute loss, as the paper states it.

    Truths start at the median; each iteration a claim's loss is its distance to the truth over
    the standard deviation of its item's figures, a source's weight is ``-log(L_s / Σ L)`` of its
    summed loss, and each truth is the weighted median.
    """
    items, item = np.unique(claims["item"].to_numpy(), return_inverse=True)
    _, src = np.unique(claims["source"].to_numpy(), return_inverse=True)
    v = claims["value"].to_numpy(dtype=float)
    n = items.size
    sd = claims.groupby(item)["value"].std(ddof=0).reindex(range(n)).to_numpy()
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
    truth = _weighted_median(item, v, np.ones(v.size), n)
    for _ in range(iterations):
        loss = np.abs(v - truth[item]) / sd[item]
        per_source = np.bincount(src, weights=loss) + 1e-12
        w = -np.log(per_source / per_source.sum())
        truth = _weighted_median(item, v, w[src], n)
    return pd.Series(truth, index=items)
