"""Coverage and width of the combining methods on simulated claims with a known truth.

Each simulated quantity has a true value ``T`` (log-uniform between 100 and 100,000) and 3 to 10
sources. Source ``i`` states an error ``sd_i`` (on the log scale, uniform in 0.05-0.25) and
reports its figure ``y_i = log T + b_i + e_i`` with ``e_i ~ N(0, sd_i²)``; the sources disagree
*beyond* what they state through a per-source bias ``b_i ~ N(0, tau²)``, with ``tau`` between
0.5 and 3 times the median stated error (the heterogeneity of a random-effects model). What a
source says takes one of three forms: a range ``[exp(y - z sd), exp(y + z sd)]`` with best
``exp(y)`` (a central 90 % interval, the reading ``pooled`` declares), a bare "about N" figure,
or a one-sided "more than" ``exp(y - z sd)``.

Printed per method: coverage of the 95 % interval (share of quantities whose true value lies in
the result), mean relative width (``(high - low) / T``, over results with finite bounds), the
share of results with an infinite side or none at all, and the width ratio to plain
Hartung–Knapp. The issue's target for ``pooled``: coverage >= 93 % at <= 1.2 x plain HK's width.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from estimates.reconciliation._pooled_mean import pool_arrays

SEED = 20241018
N_QUANTITIES = 4000
Z90 = 1.6448536269514722


def simulate(
    rng: np.random.Generator,
    n_quantities: int,
    *,
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
    y = np.log(truth)[seg] + bias + rng.normal(0.0, 1.0, size=n) * sd
    low = np.exp(y - Z90 * sd)
    high = np.exp(y + Z90 * sd)
    best = np.exp(y)
    form = rng.uniform(size=n)
    best_only = form < share_best_only
    one_sided = (form >= share_best_only) & (form < share_best_only + share_one_sided)
    low = np.where(best_only, -np.inf, low)
    high = np.where(best_only | one_sided, np.inf, high)
    best = np.where(one_sided, np.nan, best)

    # round like people do: to two significant digits
    def round2(x: np.ndarray) -> np.ndarray:
        # only finite figures other than zero have a leading digit; the rest stay as they are
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
        "stated_on": rng.permutation(n).astype(float),  # an order in time, for `latest`
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


def _methods_from_registry(
    sim: dict[str, Any],
) -> dict[str, tuple[Callable[[Mapping[str, object]], Any], Mapping[str, object]]]:
    """The other registered methods, run on the same evidence, as far as they exist yet."""
    try:
        from estimates.reconciliation.methods import Evidence, get_method
    except ImportError:
        return {}
    n = sim["low"].size
    ev_kwargs: dict[str, Any] = {
        "low": sim["low"],
        "high": sim["high"],
        "best": sim["best"],
        "closed_left": np.isfinite(sim["low"]),
        "closed_right": np.isfinite(sim["high"]),
        "weight": np.ones(n),
        "source": np.arange(n, dtype=np.intp),
        "source_names": tuple(f"s{i}" for i in range(n)),
        "reliability": np.array([None] * n, dtype=object),
        "starts": sim["starts"],
        "quantities": tuple(f"q{i:05d}" for i in range(sim["starts"].size)),
        "positive": np.ones(sim["starts"].size, bool),
        "as_of_day": sim["stated_on"].astype(np.int64),
    }
    try:
        ev = Evidence(**ev_kwargs)
    except TypeError:
        # the evidence may carry fields added after this benchmark was written
        return {}
    out: dict[str, tuple[Callable[[Mapping[str, object]], Any], Mapping[str, object]]] = {}
    # robust's default range is its weighted quartiles; q=0.025 asks for a 95 % range
    runs = [
        ("robust", "robust", {}),
        ("robust (q=0.025)", "robust", {"q": 0.025}),
        ("envelope", "envelope", {}),
        ("consensus", "consensus", {}),
        ("latest", "latest", {}),
    ]
    for label, name, options in runs:
        try:
            fn = get_method(name)
        except Exception:  # a method not written yet is simply not measured
            continue
        out[label] = ((lambda opts, fn=fn: fn(ev, opts)), options)
    return out


def main() -> None:
    rng = np.random.default_rng(SEED)
    sim = simulate(rng, N_QUANTITIES)
    print(
        f"   {N_QUANTITIES} quantities, {sim['low'].size} claims, 3-10 sources each, "
        f"sources disagreeing beyond their stated error (seed {SEED})"
    )
    rows = []
    common = {
        "low": sim["low"],
        "high": sim["high"],
        "best": sim["best"],
        "weight": np.ones(sim["low"].size),
        "starts": sim["starts"],
        "positive": np.ones(sim["starts"].size, bool),
    }
    for label, opts in (
        ("pooled (HK, floor q>=1; default)", {}),
        ("pooled (plain HK)", {"hk": "plain"}),
    ):
        started = time.perf_counter()
        res = pool_arrays(**common, options=opts)
        elapsed = time.perf_counter() - started
        row = _score(label, res.low, res.high, sim["truth"])
        row["seconds"] = elapsed
        rows.append(row)
    for name, (run, options) in _methods_from_registry(sim).items():
        started = time.perf_counter()
        try:
            res = run(options)
        except Exception as exc:  # report, do not hide, a method that fails here
            print(f"   {name}: failed on the simulated evidence: {exc}")
            continue
        row = _score(name, np.asarray(res.low, float), np.asarray(res.high, float), sim["truth"])
        row["seconds"] = time.perf_counter() - started
        rows.append(row)
    plain_width, plain_median = rows[1]["width"], rows[1]["median"]
    print(
        f"   {'method':<34} {'coverage':>9} {'width/T: mean':>14} {'median':>8} "
        f"{'x plain HK: mean':>17} {'median':>7} {'unbounded':>10} {'time':>8}"
    )
    for row in rows:
        print(
            f"   {row['method']:<34} {row['coverage']:>9.1%} {row['width']:>14.3f} "
            f"{row['median']:>8.3f} {row['width'] / plain_width:>17.2f} "
            f"{row['median'] / plain_median:>7.2f} {row['unbounded']:>10.1%} "
            f"{row['seconds']:>7.3f}s"
        )
    print("   (width over results with both sides finite; 'unbounded': results with an open side)")
    # coverage by number of sources, where the small-k behaviour shows
    res_m = pool_arrays(**common, options={})
    res_p = pool_arrays(**common, options={"hk": "plain"})
    print("   pooled coverage by number of sources (default / plain HK):")
    for kk in range(3, 11):
        sel = sim["k"] == kk
        cov_m = _score("", res_m.low[sel], res_m.high[sel], sim["truth"][sel])["coverage"]
        cov_p = _score("", res_p.low[sel], res_p.high[sel], sim["truth"][sel])["coverage"]
        print(f"     k={kk:>2}: {cov_m:6.1%} / {cov_p:6.1%}")


if __name__ == "__main__":
    main()
