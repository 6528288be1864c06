"""Coverage and width of the combining methods on simulated claims with a known truth.

Two simulations, 4,000 quantities each, 3 to 10 sources per quantity, a true value ``T``
log-uniform between 100 and 100,000; every source states a central 90 % range on the log
scale with a stated error ``sd_i`` (uniform in 0.05-0.25), as a range with best, a bare
"about N" figure, or a one-sided "more than" (rounded to two significant digits, as people
write figures):

- **independent errors** (the simulation this benchmark first had): source ``i`` reports
  ``log T + b_i + e_i`` with its own bias ``b_i ~ N(0, tau²)`` (``tau`` 0.5-3 times the median
  stated error) and noise ``e_i ~ N(0, sd_i²)``. The sources' mean converges on the truth.
- **shared bias** (the normal case on real panels: sources read the same reports): the same,
  plus one bias ``B ~ N(0, s²)`` common to every source of the quantity, with ``s`` twice the
  median stated error. The truth is not the sources' mean, and no number of sources finds it.

Printed per method and simulation: coverage (share of quantities whose true value lies in the
result), the mean and median of ``(high - low) / T`` over results with both sides finite, and
the share of results with an open side. ``pooled`` answers at its default level 0.9;
``pooled_mean`` is the random-effects interval for the mean of the sources at 0.9 (it was
``pooled`` before the predictive pool): on independent errors it covers, with shared bias it
cannot, as the printout shows.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from estimates.reconciliation import _pooled, _pooled_mean
from estimates.reconciliation.methods import Evidence, get_method

SEED = 20241018
N_QUANTITIES = 4000
Z90 = 1.6448536269514722


def simulate(
    rng: np.random.Generator,
    n_quantities: int,
    *,
    shared: bool,
    share_best_only: float = 0.2,
    share_one_sided: float = 0.15,
) -> dict[str, Any]:
    """Claims about ``n_quantities`` quantities, grouped (segments start at ``starts``)."""
    k = rng.integers(3, 11, size=n_quantities)
    starts = np.r_[0, np.cumsum(k)[:-1]].astype(np.intp)
    n = int(k.sum())
    seg = np.repeat(np.arange(n_quantities), k)
    truth = 10 ** rng.uniform(2, 5, size=n_quantities)
    sd = rng.uniform(0.05, 0.25, size=n)
    med_sd = np.array([np.median(sd[s : s + c]) for s, c in zip(starts, k, strict=True)])
    tau = rng.uniform(0.5, 3.0, size=n_quantities) * med_sd
    bias = rng.normal(0.0, 1.0, size=n) * tau[seg]
    common = rng.normal(0.0, 1.0, size=n_quantities) * 2 * med_sd if shared else 0.0
    y = np.log(truth)[seg] + (common[seg] if shared else 0.0) + bias
    y = y + rng.normal(0.0, 1.0, size=n) * sd
    low = np.exp(y - Z90 * sd)
    high = np.exp(y + Z90 * sd)
    best = np.exp(y)
    form = rng.uniform(size=n)
    best_only = form < share_best_only
    one_sided = (form >= share_best_only) & (form < share_best_only + share_one_sided)
    low = np.where(best_only, -np.inf, low)
    high = np.where(best_only | one_sided, np.inf, high)
    best = np.where(one_sided, np.nan, best)

    def round2(x: np.ndarray) -> np.ndarray:
        ok = np.isfinite(x) & (x != 0)
        digits = np.log10(np.abs(x), out=np.zeros(x.shape), where=ok)
        mag = 10.0 ** (np.floor(digits) - 1)
        return np.where(ok, np.round(x / mag) * mag, x)

    return {
        "low": round2(low),
        "high": round2(high),
        "best": round2(best),
        "starts": starts,
        "truth": truth,
        "k": k,
        "stated_on": rng.permutation(n).astype(float),
    }


def _score(name: str, low: np.ndarray, high: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(low) & np.isfinite(high)
    covered = (low <= truth) & (truth <= high) & ~np.isnan(low) & ~np.isnan(high)
    width = np.where(finite, (high - low) / truth, np.nan)
    return {
        "method": name,
        "coverage": float(covered.mean()),
        "width": float(np.nanmean(width)) if finite.any() else float("nan"),
        "median": float(np.nanmedian(width)) if finite.any() else float("nan"),
        "unbounded": float((~finite).mean()),
    }


def _evidence(sim: dict[str, Any]) -> Evidence:
    n = sim["low"].size
    return Evidence(
        low=sim["low"],
        high=sim["high"],
        best=sim["best"],
        closed_left=np.isfinite(sim["low"]),
        closed_right=np.isfinite(sim["high"]),
        weight=np.ones(n),
        source=np.arange(n, dtype=np.intp),
        source_names=tuple(f"s{i}" for i in range(n)),
        reliability=np.array([None] * n, dtype=object),
        starts=sim["starts"],
        quantities=tuple(f"q{i:05d}" for i in range(sim["starts"].size)),
        positive=np.ones(sim["starts"].size, bool),
        as_of_day=sim["stated_on"].astype(np.int64),
    )


def _run(sim: dict[str, Any]) -> list[dict[str, Any]]:
    common = {
        "low": sim["low"],
        "high": sim["high"],
        "best": sim["best"],
        "weight": np.ones(sim["low"].size),
        "starts": sim["starts"],
        "positive": np.ones(sim["starts"].size, bool),
    }
    rows = []
    runs: list[tuple[str, Any]] = [
        ("pooled (predictive, 0.9)", lambda: _pooled.pool_arrays(**common)),
        (
            "pooled_mean (mean, 0.9)",
            lambda: _pooled_mean.pool_arrays(**common, options={"level": 0.9}),
        ),
    ]
    ev = _evidence(sim)
    for name, options in (("robust", {}), ("envelope", {}), ("consensus", {}), ("latest", {})):
        runs.append((name, lambda name=name, options=options: get_method(name)(ev, options)))
    for label, fn in runs:
        started = time.perf_counter()
        res = fn()
        row = _score(label, np.asarray(res.low, float), np.asarray(res.high, float), sim["truth"])
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
    return rows


def main() -> None:
    for shared in (False, True):
        rng = np.random.default_rng(SEED)
        sim = simulate(rng, N_QUANTITIES, shared=shared)
        what = "shared bias (the truth is not the sources' mean)" if shared else "independent"
        print(f"   {what}: {N_QUANTITIES} quantities, {sim['low'].size} claims (seed {SEED})")
        print(
            f"   {'method':<26} {'coverage':>9} {'width/T: mean':>14} {'median':>8} "
            f"{'unbounded':>10} {'time':>8}"
        )
        for row in _run(sim):
            print(
                f"   {row['method']:<26} {row['coverage']:>9.1%} {row['width']:>14.3f} "
                f"{row['median']:>8.3f} {row['unbounded']:>10.1%} {row['seconds']:>7.3f}s"
            )
    print("   (width over results with both sides finite; 'unbounded': results with an open side)")


if __name__ == "__main__":
    main()
