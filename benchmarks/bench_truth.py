"""Truth discovery on real and generated data: every method beside the baselines, in one run.

Data sets: the two whole flight days of ../shared/data/truth/flight_days (2011-12-02 is the
development day, 2011-12-03 is held out of all tuning), the 100-flight subset of
../shared/data/truth/flights, a generated long tail (``_longtail.py``) and generated ratings
rounded to tens, fives and units (``_ratings.py``, where agreement is chance). Scores: the share of
items within one minute of the airlines' times (flights), the share exactly right (long tail).
Baselines (``_baselines.py``): the plain median, the vote on exact figures, and CRH with
absolute loss and ten iterations, in plain numpy. ``plurality`` is also run through
``reconcile_all`` (the whole pipeline), which reads one source's figures for one quantity as one
claim.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import _baselines
import _flight_days
import _longtail
import _ratings

RUNS: dict[str, tuple[str, dict[str, object]]] = {
    "plurality": ("plurality", {}),
    "plurality, tolerance=0": ("plurality", {"tolerance": 0.0}),
    "crh": ("crh", {}),
    "catd": ("catd", {}),
    "robust": ("robust", {}),
}


def score_table(claims: pd.DataFrame, score) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    from estimates.reconciliation.methods import Evidence, get_method

    rows = []
    for name, fn in (
        ("median", _baselines.median),
        ("vote", _baselines.vote),
        ("numpy CRH", _baselines.crh),
    ):
        t0 = time.perf_counter()
        rows.append((name, score(fn(claims)), time.perf_counter() - t0))
    ev = Evidence.from_rows(
        quantity=claims["item"].tolist(),
        best=claims["value"].to_numpy(float),
        source=claims["source"].tolist(),
    )
    for label, (name, options) in RUNS.items():
        t0 = time.perf_counter()
        out = get_method(name)(ev, options)
        rows.append(
            (label, score(pd.Series(out.best, index=list(ev.quantities))), time.perf_counter() - t0)
        )
    # the same method through the whole pipeline, as a user calls it: the ledger's reading
    # merges one source's figures for one quantity (two different figures become the range
    # between them), so the figure can differ from the method's on the raw claims
    import estimates as est

    frame = pd.DataFrame(
        {
            "quantity": claims["item"].to_numpy(dtype=object),
            "best": claims["value"].to_numpy(float),
            "source": claims["source"].to_numpy(dtype=object),
        }
    )
    t0 = time.perf_counter()
    table = est.reconcile_all(frame, method="plurality")
    rows.append(
        (
            "plurality, reconcile_all",
            score(table.set_index("quantity")["best"].astype(float)),
            time.perf_counter() - t0,
        )
    )
    return rows


def main() -> None:
    tables: dict[str, list[tuple[str, float, float]]] = {}
    if _flight_days.DATA.exists():
        for day, role in zip(_flight_days.DAYS, ("development", "held out"), strict=True):
            claims, true = _flight_days.load_day(day)
            claims = claims.dropna(subset=["minutes"]).rename(columns={"minutes": "value"})
            tables[f"flights {day} ({role})"] = score_table(
                claims, lambda est, true=true: _flight_days.within_minute(est, true)
            )
    else:
        print("flight days not found; skipped")
    subset = _flight_days.DATA.parent / "flights"
    if subset.exists():
        from bench_flights import load

        claims, true = load(subset)
        claims = claims.dropna(subset=["minutes"]).rename(columns={"minutes": "value"})
        tables["flights, 100-flight subset"] = score_table(
            claims, lambda est: _flight_days.within_minute(est, true)
        )
    claims, truth = _longtail.long_tail()
    tables["generated long tail"] = score_table(
        claims, lambda est: float(np.mean(est.reindex(truth.index).to_numpy() == truth.to_numpy()))
    )
    for title, rows in tables.items():
        print(f"-- {title}")
        for name, share, seconds in rows:
            print(f"   {name:<24} {share:.3f}   ({seconds:.1f} s)")
    # mean absolute error (lower is better) over three generated rating sets
    errors: dict[str, list[float]] = {}
    for seed in range(3):
        claims, truth = _ratings.ratings(seed=seed)
        rows = score_table(claims, lambda est, truth=truth: -_mean_error(est, truth))
        for name, score, _ in rows:
            errors.setdefault(name, []).append(-score)
    print("-- generated ratings rounded to tens, fives and units: mean absolute error")
    for name, values in errors.items():
        print(f"   {name:<24} {np.mean(values):.2f}")


def _mean_error(est: pd.Series, truth: pd.Series) -> float:
    return float(np.mean(np.abs(est.reindex(truth.index).to_numpy() - truth.to_numpy())))


if __name__ == "__main__":
    main()
