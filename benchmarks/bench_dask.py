"""Reconciling a claim table larger than one worker's memory, on a local Dask cluster.

Generated claims (10 per quantity, 200 per source on average, the shape of ``_generate``) are
written as partitioned Parquet, read lazily (``Ledger.read_parquet(path, lazy=True)``) and
reconciled with ``robust`` (a per-quantity method: a shuffle, then the pipeline per partition)
and ``crh`` (learns each source's weight: iterations of per-source sums reduced on the client)
on a ``distributed.LocalCluster`` of two worker processes, each limited to 2 GiB. Printed: wall
time, time per claim, peak memory of each worker, the ratio to the in-memory run
(``Ledger.from_frame`` + ``reconcile_all``) on ``BENCH_DASK_IN_MEMORY`` claims (default
1,000,000) of the same shape, measured in the same run, and for a learning method the number
of iterations and the bytes the client received per iteration.

Size and skipping (environment): ``BENCH_DASK_CLAIMS`` (default 2,000,000; the issue's figure
is 10,000,000 claims about 1,000,000 quantities from 50,000 sources), ``BENCH_DASK_METHODS``
(default ``robust,crh``), ``BENCH_DASK=0`` skips
this benchmark (it needs the ``dask`` extra and takes minutes), and
``benchmarks/run.py --skip dask`` does the same.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

N_CLAIMS = int(os.environ.get("BENCH_DASK_CLAIMS", "2000000"))
IN_MEMORY = int(os.environ.get("BENCH_DASK_IN_MEMORY", "1000000"))  # the in-memory baseline
METHODS = tuple(os.environ.get("BENCH_DASK_METHODS", "robust,crh").split(","))
PART = 250_000  # claims per Parquet file (one partition each)
WORKER_MEMORY = "2GiB"


def _names(prefix: str, codes: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(codes.astype(str), width)).astype(object)


def write_claims(folder: Path, n_claims: int, *, seed: int = 0) -> list[Path]:
    """Write ``n_claims`` generated claims as Parquet files of :data:`PART` rows each.

    One truth per quantity and one relative error per source for the whole table; each file
    draws its own (quantity, source) pairs, so no file needs the others in memory.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_q = max(n_claims // 10, 1)
    n_s = max(n_claims // 200, 2)
    rng = np.random.default_rng(seed)
    truth = 10.0 ** rng.uniform(1, 6, n_q)
    rel_error = np.exp(rng.normal(np.log(0.05), 0.8, n_s))
    vandal = rng.uniform(size=n_s) < 0.002
    activity = 1.0 / (np.arange(n_s) + 20.0)
    activity = rng.permutation(activity / activity.sum())
    files = []
    for i, start in enumerate(range(0, n_claims, PART)):
        m = min(PART, n_claims - start)
        q = rng.integers(0, n_q, m)
        s = rng.choice(n_s, m, p=activity)
        t = truth[q]
        value = t * (1.0 + rel_error[s] * rng.standard_normal(m))
        value = np.where(vandal[s], t * 10.0 ** rng.uniform(2, 4, m), value)
        value = np.round(np.maximum(value, 0.0))
        kind = rng.uniform(size=m)
        is_range = kind < 0.1
        nan = np.full(m, np.nan)
        day = np.datetime64("2024-01-01") + rng.integers(0, 366, m).astype("timedelta64[D]")
        table = pa.table(
            {
                "quantity": _names("q", q, 7),
                "low": np.where(is_range, np.round(value * 0.9), nan),
                "best": np.where(is_range, nan, value),
                "high": np.where(is_range, np.round(value * 1.1), nan),
                "unit": np.full(m, "person", dtype=object),
                "source": _names("source ", s, 5),
                "stated_on": np.datetime_as_string(day, unit="D").astype(object),
            }
        )
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(table, path)
        files.append(path)
    return files


def in_memory(files: list[Path], method: str) -> dict[str, float]:
    """Check and reconcile the claims of ``files`` in this process; the seconds of each step."""
    import pyarrow.parquet as pq

    import estimates as est

    frame = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    frame = frame.astype(dict.fromkeys(("quantity", "unit", "source", "stated_on"), object))
    started = time.perf_counter()
    ledger = est.Ledger.from_frame(frame)
    checked = time.perf_counter()
    est.reconcile_all(ledger, method=method)
    done = time.perf_counter()
    return {"claims": float(len(frame)), "check": checked - started, "reconcile": done - checked}


def worker_peaks_mib(client: Any) -> list[float]:
    """The peak resident memory of each worker process so far, in MiB."""

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return sorted(client.run(peak).values())


def main() -> None:
    if os.environ.get("BENCH_DASK", "1") == "0":
        print("skipped (BENCH_DASK=0)")
        return
    try:
        import distributed
    except ImportError:
        print('skipped: needs the dask extra (pip install "estimates[dask]")')
        return
    import estimates as est

    n = N_CLAIMS
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "claims"
        folder.mkdir()
        started = time.perf_counter()
        files = write_claims(folder, n)
        print(
            f"{n:,} claims about {n // 10:,} quantities from {n // 200:,} sources: "
            f"{len(files)} Parquet files, {sum(f.stat().st_size for f in files) / 2**20:,.0f} MiB, "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        base_files = files[: max(IN_MEMORY // PART, 1)]
        for method in METHODS:
            base = in_memory(base_files, method)
            base_total = base["check"] + base["reconcile"]
            per_base = base_total / base["claims"]
            print(
                f"  {method:6s} in memory, {base['claims']:,.0f} claims: check "
                f"{base['check']:.1f} s + reconcile {base['reconcile']:.1f} s = "
                f"{per_base * 1e6:.2f} µs per claim",
                flush=True,
            )
            # a fresh cluster per method: the workers' peak memory is this run's own
            with (
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True,
                    memory_limit=WORKER_MEMORY, dashboard_address=":0",
                ) as cluster,
                distributed.Client(cluster) as client,
            ):  # fmt: skip
                claims = est.Ledger.read_parquet(folder, lazy=True)
                t0 = time.perf_counter()
                with _received() as sizes:
                    table = est.reconcile_all(claims, method=method)
                wall = time.perf_counter() - t0
                peaks = worker_peaks_mib(client)
            per = wall / n
            print(
                f"  {method:6s} on Dask, {n:,} claims, 2 workers x {WORKER_MEMORY}: "
                f"{wall:.1f} s, {per * 1e6:.2f} µs per claim ({per / per_base:.1f}x in "
                f"memory per claim), {len(table):,} quantities, peak worker memory "
                f"{', '.join(f'{p:,.0f}' for p in peaks)} MiB",
                flush=True,
            )
            if len(sizes) > 3:  # names, first sums, then one report per iteration
                rounds = sizes[3:] if method == "plurality" else sizes[2:]
                print(
                    f"  {method:6s} learning: {len(rounds)} iterations, the client received "
                    f"{max(rounds) / 2**20:.2f} MiB per iteration at most (first sums "
                    f"{sizes[1] / 2**20:.2f} MiB, source names {sizes[0] / 2**20:.2f} MiB)",
                    flush=True,
                )


@contextlib.contextmanager
def _received() -> Iterator[list[int]]:
    """The bytes the client receives at each step of a learning method (pickled sizes)."""
    from estimates.reconciliation import _distributed_learning as learning

    sizes: list[int] = []
    compute = learning._compute

    def counting(dask: Any, objs: Any, scheduler: Any) -> list[Any]:
        out = compute(dask, objs, scheduler)
        sizes.append(len(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)))
        return out

    learning._compute = counting  # type: ignore[assignment]
    try:
        yield sizes
    finally:
        learning._compute = compute  # type: ignore[assignment]


if __name__ == "__main__":
    main()
