"""A seeded generator of claim tables with known truths, for benchmarks.

Each quantity has a true value (magnitudes from 10 to 1,000,000); each source has a reliability
(a relative error drawn once, from very precise to sloppy), and a few sources are vandals whose
figures are off by factors of 100 to 10,000. Sources are not equally active (a long tail, as in
real reporting), and each source states each of its quantities once. Some figures are ranges
("between") and some are one-sided ("more than"), the rest points.

>>> g = claim_table(2_000, 100, 40, seed=1)
>>> len(g.frame), g.frame["quantity"].nunique() <= 100, sorted(g.frame.columns)[:3]
(2000, True, ['best', 'closed', 'high'])
>>> bool((g.frame["low"].fillna(0) <= g.frame["high"].fillna(float("inf"))).all())
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from estimates.reconciliation.methods import Evidence

__all__ = ["Generated", "claim_table", "evidence"]


class Generated(NamedTuple):
    """A generated claim table and what is true about it."""

    frame: pd.DataFrame  # canonical claim-table columns, one row per claim
    truth: pd.Series  # the true value per quantity
    source_error: pd.Series  # each source's relative error (its reliability)
    vandals: tuple[str, ...]  # the names of the vandal sources


def claim_table(
    n_claims: int = 1_000_000,
    n_quantities: int = 100_000,
    n_sources: int = 5_000,
    *,
    seed: int = 0,
    vandal_share: float = 0.002,
    range_share: float = 0.1,
    one_sided_share: float = 0.05,
) -> Generated:
    """Generate ``n_claims`` claims about up to ``n_quantities`` quantities from ``n_sources``.

    >>> g = claim_table(500, 50, 20, seed=3)
    >>> g.frame.equals(claim_table(500, 50, 20, seed=3).frame)
    True
    """
    rng = np.random.default_rng(seed)
    truth = 10.0 ** rng.uniform(1, 6, n_quantities)
    # relative error per source: median 5 %, from well under 1 % to over 30 %
    rel_error = np.exp(rng.normal(np.log(0.05), 0.8, n_sources))
    n_vandals = max(1, round(vandal_share * n_sources))
    vandal = np.zeros(n_sources, dtype=bool)
    vandal[rng.choice(n_sources, n_vandals, replace=False)] = True
    # activity: a long tail (the busiest source states far more than the quietest)
    activity = 1.0 / (np.arange(n_sources) + 20.0)
    activity = rng.permutation(activity / activity.sum())

    # draw (quantity, source) pairs, keep each pair once, and take n_claims of them
    pairs = np.zeros(0, dtype=np.int64)
    extra = 1.15
    while pairs.size < n_claims:
        m = int(n_claims * extra)
        q = rng.integers(0, n_quantities, m)
        s = rng.choice(n_sources, m, p=activity)
        pairs = np.unique(q.astype(np.int64) * n_sources + s)
        extra *= 1.2
    pairs = rng.permutation(pairs)[:n_claims]
    q = (pairs // n_sources).astype(np.intp)
    s = (pairs % n_sources).astype(np.intp)

    t = truth[q]
    value = t * (1.0 + rel_error[s] * rng.standard_normal(n_claims))
    wild = vandal[s]
    value = np.where(wild, t * 10.0 ** rng.uniform(2, 4, n_claims), value)
    value = np.round(np.maximum(value, 0.0))
    kind = rng.uniform(size=n_claims)
    is_range = kind < range_share
    is_one_sided = (kind >= range_share) & (kind < range_share + one_sided_share)
    nan = np.full(n_claims, np.nan)
    low = np.where(
        is_range, np.round(value * 0.9), np.where(is_one_sided, np.round(value * 0.95), nan)
    )
    high = np.where(is_range, np.round(value * 1.1), nan)
    best = np.where(is_range | is_one_sided, nan, value)
    # each claim stated on one day of 2024
    day = np.datetime64("2024-01-01") + rng.integers(0, 366, n_claims).astype("timedelta64[D]")

    q_names = np.char.add("q", np.char.zfill(np.arange(n_quantities).astype(str), 6))
    s_names = np.char.add("source ", np.char.zfill(np.arange(n_sources).astype(str), 4))
    days, day_of = np.unique(day, return_inverse=True)
    # each distinct text one Python object (as pandas' C reader holds text it reads into object
    # columns), not one per row: the same values in a tenth of the memory
    frame = pd.DataFrame(
        {
            "quantity": pd.Series(q_names.astype(object)[q], dtype=object),
            "low": low,
            "best": best,
            "high": high,
            "closed": np.array(["both", "neither"], dtype=object)[is_one_sided.astype(np.intp)],
            "unit": "person",
            "source": pd.Series(s_names.astype(object)[s], dtype=object),
            "stated_on": pd.Series(
                np.datetime_as_string(days, unit="D").astype(object)[day_of], dtype=object
            ),
            "kind": "stock",
        }
    )
    return Generated(
        frame=frame,
        truth=pd.Series(truth, index=q_names),
        source_error=pd.Series(np.where(vandal, np.inf, rel_error), index=s_names),
        vandals=tuple(str(x) for x in s_names[vandal]),
    )


def evidence(frame: pd.DataFrame) -> Evidence:
    """Evidence for the methods straight from a generated table (all weights 1), no pipeline.

    >>> ev = evidence(claim_table(300, 30, 10, seed=2).frame)
    >>> ev.n_rows, ev.n_segments <= 30
    (300, True)
    """
    q_names, q = np.unique(frame["quantity"].to_numpy(dtype=str), return_inverse=True)
    s_names, s = np.unique(frame["source"].to_numpy(dtype=str), return_inverse=True)
    order = np.argsort(q, kind="stable")
    qs = q[order]
    starts = np.flatnonzero(np.r_[True, qs[1:] != qs[:-1]]).astype(np.intp)
    low = frame["low"].to_numpy(dtype=float)[order]
    high = frame["high"].to_numpy(dtype=float)[order]
    best = frame["best"].to_numpy(dtype=float)[order]
    low_f: npt.NDArray[np.float64] = np.where(
        np.isnan(low), np.where(np.isnan(best), -np.inf, best), low
    )
    high_f: npt.NDArray[np.float64] = np.where(
        np.isnan(high), np.where(np.isnan(best), np.inf, best), high
    )
    one_sided = (frame["closed"].to_numpy(dtype=str) == "neither")[order]
    n = len(frame)
    return Evidence(
        low=low_f,
        high=high_f,
        best=best,
        closed_left=~one_sided & np.isfinite(low_f),
        closed_right=np.isfinite(high_f),
        weight=np.ones(n),
        source=s[order].astype(np.intp),
        source_names=tuple(str(x) for x in s_names),
        reliability=np.full(n, None, dtype=object),
        starts=starts,
        quantities=tuple(str(x) for x in q_names),
        positive=np.ones(starts.size, dtype=bool),
    )
