"""Reconciling at scale: 1,000,000 claims about 100,000 quantities from 5,000 sources.

Prints, in the same run: ``reconcile_all`` with ``robust`` and with ``crh`` (the whole pipeline,
from the ledger) beside hand-written numpy baselines on the same claims (a weighted median: factorize,
sort once, segment cumsum; CRH with absolute loss, 10 iterations: ``_baselines.py``), with the
ratios and the share of answers within 5 % of the truth for both; a plain per-quantity Python
loop for scale; ``reconcile_all`` on the same claims without dates (no dates, relays or grades:
the stages that read them have nothing to do) beside the same baseline; the peak memory of the
process; and the speed of reading a 1,000,000-row claim CSV (in a child process, so that its peak
memory is its own).

While the library runs, the process holds only the ledger, the results and what the numpy
baselines read (the claims' quantity, figures and source): the generated frame and the evidence
arrays of the loop baselines are dropped and built again after it (from the same seed), so that
the peak memory is the library's, with its input and its results. ``--claims N`` runs it on
fewer claims (for development; the targets are for the million).

Targets (issue: the staged core): each ``reconcile_all`` within 2x of its numpy baseline (aim
1.5x), accuracy no worse, peak memory under 1 GiB, ``Ledger.read_csv`` at 1M rows/s or more.

Each ratio comes from runs of the baseline and the library taken in turn (three pairs for the
median, two for CRH), the least time of each: CPU time (of this process, so that other work on
a shared machine does not count) and, beside it, wall time.
"""

from __future__ import annotations

import functools
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _baselines import _weighted_median
from _baselines import crh as numpy_crh
from _generate import Generated, claim_table, evidence

from estimates.reconciliation.methods import Evidence, readings

N_CLAIMS = 1_000_000
N_QUANTITIES = 100_000
N_SOURCES = 5_000
LOOP_SAMPLE = 10_000  # quantities in the Python-loop baselines, extrapolated to all
RECONCILE_SAMPLE = 20  # quantities timed through reconcile(ledger, q) one at a time
T = TypeVar("T")


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def traced_peak_mib(fn: Callable[[], object]) -> float:
    """The most memory ``fn`` holds at once beyond what exists before it, in MiB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return (tracemalloc.get_traced_memory()[1] - before) / 2**20
    finally:
        tracemalloc.stop()


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - started


def in_turn(
    pairs: int, base: Callable[[], object], lib: Callable[[], object]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The least (CPU, wall) time of ``base`` and of ``lib`` over ``pairs`` runs taken in turn."""
    best = [[np.inf, np.inf], [np.inf, np.inf]]
    for _ in range(pairs):
        for k, fn in enumerate((base, lib)):
            cpu, wall = time.process_time(), time.perf_counter()
            fn()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best[k] = [min(best[k][0], cpu), min(best[k][1], wall)]
    return (best[0][0], best[0][1]), (best[1][0], best[1][1])


def _points(ev: Evidence) -> npt.NDArray[np.float64]:
    return readings(ev).point


def loop_robust(ev: Evidence, segments: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    """The plain loop: for each quantity, sort its points and read the weighted quartiles."""
    points = _points(ev)
    ends = np.r_[ev.starts[1:], ev.n_rows]
    out = np.empty((segments.size, 3))
    for k, i in enumerate(segments):
        p = points[ev.starts[i] : ends[i]]
        w = ev.weight[ev.starts[i] : ends[i]]
        o = np.argsort(p)
        c = np.cumsum(w[o])
        out[k] = p[o][np.searchsorted(c, c[-1] * np.array([0.25, 0.5, 0.75]))]
    return out


def loop_crh(
    ev: Evidence, segments: npt.NDArray[np.intp], iterations: int = 10
) -> dict[int, float]:
    """The plain loop for CRH: per quantity, a weighted median and the sources' losses."""
    points = _points(ev)
    ends = np.r_[ev.starts[1:], ev.n_rows]
    weight: dict[int, float] = {}
    for _ in range(iterations):
        loss: dict[int, float] = {}
        for i in segments:
            sl = slice(ev.starts[i], ends[i])
            p = points[sl]
            src = ev.source[sl]
            w = np.array([weight.get(int(s), 1.0) for s in src])
            o = np.argsort(p)
            c = np.cumsum(w[o])
            truth = p[o][np.searchsorted(c, c[-1] / 2)]
            scale = max(float(np.subtract(*np.percentile(p, [75, 25]))) / 1.349, 1e-12)
            for s, e in zip(src.tolist(), (np.abs(p - truth) / scale).tolist(), strict=True):
                loss[s] = loss.get(s, 0.0) + e + 1e-12
        total = sum(loss.values())
        weight = {s: -np.log(v / total) for s, v in loss.items()}
    return weight


def numpy_median(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The hand-written baseline: each quantity's weighted median of its claims' points."""
    item, _ = pd.factorize(frame["quantity"], sort=True)
    v = _claim_points(frame)
    return _weighted_median(item, v, np.ones(v.size), int(item.max()) + 1)


def _claim_points(frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Each claim as one number: its best, else the middle of its ends, else its one end."""
    lo = frame["low"].to_numpy(dtype=float)
    hi = frame["high"].to_numpy(dtype=float)
    best = frame["best"].to_numpy(dtype=float)
    mid = np.where(np.isnan(lo) | np.isnan(hi), np.fmax(lo, hi), (lo + hi) / 2)
    return np.where(np.isnan(best), mid, best)


class Baseline(NamedTuple):
    """What the numpy baselines read: the claims' quantity and figures (the median) and each
    claim as one number with its quantity and source (CRH)."""

    frame: pd.DataFrame  # quantity, low, best, high
    long: pd.DataFrame  # item, source, value

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Baseline:
        long = pd.DataFrame(
            {"item": frame["quantity"], "source": frame["source"], "value": _claim_points(frame)}
        )
        return cls(frame.loc[:, ["quantity", "low", "best", "high"]].copy(), long)


def baselines(
    inputs: Baseline,
    truth: pd.Series,
    results: dict[str, pd.DataFrame],
    runs: dict[str, Callable[[], object]],
) -> dict[str, float]:
    """The numpy baselines on the same claims, each timed in turn with the library's run; the
    ratio (CPU time) of each method to its baseline."""
    frame, long = inputs
    med = numpy_median(frame)
    crh_np = numpy_crh(long, iterations=10)
    names = np.sort(frame["quantity"].unique())
    t = truth.reindex(names).to_numpy()
    within = {
        "numpy median": float(np.nanmean(np.abs(med - t) / t < 0.05)),
        "numpy CRH": float(np.nanmean(np.abs(crh_np.reindex(names).to_numpy() - t) / t < 0.05)),
    }
    del med, crh_np
    for name, out in results.items():
        best = out.set_index("quantity")["best"].reindex(names).to_numpy()
        within[name] = float(np.nanmean(np.abs(best - t) / t < 0.05))
    ratios = {}
    for label, base, pairs, fn, name in (
        ("numpy weighted median", "numpy median", 3, lambda: numpy_median(frame), "robust"),
        (
            "numpy CRH (absolute loss, 10 iterations)",
            "numpy CRH",
            2,
            lambda: numpy_crh(long, iterations=10),
            "crh",
        ),
    ):
        (b_cpu, b_wall), (l_cpu, l_wall) = in_turn(pairs, fn, runs[name])
        ratios[name] = l_cpu / b_cpu
        print(
            f'reconcile_all(method="{name}"): {l_cpu:.2f} s CPU ({l_wall:.2f} s wall); {label}: '
            f"{b_cpu:.2f} s CPU ({b_wall:.2f} s wall); ratio {l_cpu / b_cpu:.2f}x CPU "
            f"({l_wall / b_wall:.2f}x wall; target <= 2x, aim 1.5x); within 5 % of the truth: "
            f"{within[name]:.1%} against {within[base]:.1%}"
        )
    return ratios


def main(n_claims: int = N_CLAIMS) -> None:
    """The whole run on ``n_claims`` generated claims (about a tenth as many quantities, and
    5,000 sources, fewer for a small run)."""
    n_quantities = max(n_claims * N_QUANTITIES // N_CLAIMS, 10)
    n_sources = min(N_SOURCES, max(n_claims // 200, 50))

    def generate() -> Generated:
        return claim_table(n_claims, n_quantities, n_sources, seed=0)

    gen, t_gen = timed(generate)
    frame = gen.frame
    print(
        f"generated {len(frame):,} claims, {frame['quantity'].nunique():,} quantities, "
        f"{frame['source'].nunique():,} sources ({len(gen.vandals)} vandals) in {t_gen:.1f} s"
    )
    sample, names, t_loop = robust_loop(frame)
    n_segments = len(names)
    share = n_segments / LOOP_SAMPLE

    # -- robust, through the whole pipeline when reconcile_all is there
    try:
        from estimates.reconciliation.reconcile import reconcile_all
    except ImportError:
        reconcile_all = None
    ratios: dict[str, float] = {}
    if reconcile_all is not None:
        from estimates.ledger.table import Ledger
        from estimates.reconciliation.reconcile import reconcile

        ledger, t_ledger = timed(functools.partial(Ledger.from_frame, frame))
        print(
            f"Ledger.from_frame: {t_ledger:.2f} s ({len(frame) / t_ledger:,.0f} rows/s); "
            f"peak memory so far {peak_mib():,.0f} MiB"
        )
        # the baselines keep the columns they read; the generated frame is dropped while the
        # library runs (generated again from its seed for the steps after it)
        inputs = Baseline.of(frame)
        truth = gen.truth
        del gen, frame
        out, t_robust = timed(lambda: reconcile_all(ledger, method="robust"))
        _, t_again = timed(lambda: reconcile_all(ledger, method="robust"))
        label = 'reconcile_all(method="robust")'
        print(
            f"{label}: first call {t_robust:.2f} s (fresh memory pages), "
            f"second call {t_again:.2f} s"
        )
        picked = [names[i] for i in sample[:: max(1, sample.size // RECONCILE_SAMPLE)]]
        _, t_each = timed(lambda: [reconcile(ledger, q) for q in picked])
        t_each *= n_segments / len(picked)
        print(
            f"{label}: {t_robust:.2f} s (target <= 1 s); a loop of reconcile(ledger, q) over "
            f"every quantity ({len(picked)} timed, extrapolated): {t_each:,.0f} s; "
            f"ratio {t_each / t_robust:,.0f}x"
        )
        crh_out, t_crh_all = timed(
            lambda: reconcile_all(ledger, method="crh", max_iter=10, tol=0.0)
        )
        print(f'reconcile_all(method="crh", max_iter=10): {t_crh_all:.2f} s (pipeline and method)')
        ratios = baselines(
            inputs,
            truth,
            {"robust": out, "crh": crh_out},
            {
                "robust": lambda: reconcile_all(ledger, method="robust"),
                "crh": lambda: reconcile_all(ledger, method="crh", max_iter=10, tol=0.0),
            },
        )
        del inputs
        for method in ("robust", "crh"):
            extra = traced_peak_mib(lambda m=method: reconcile_all(ledger, method=m))
            print(
                f'   reconcile_all(method="{method}") allocates at most {extra:,.0f} MiB '
                "beyond its input (tracemalloc, untimed run)"
            )
        del ledger
        print(
            f"   peak memory so far {peak_mib():,.0f} MiB (the generated frame dropped while the "
            "library ran; the baselines kept only the columns they read)"
        )
        gen = generate()
        frame = gen.frame
    else:
        from estimates.reconciliation.methods import robust

        out, t_robust = timed(functools.partial(robust, evidence(frame), {}))
        label = "robust on the evidence arrays (reconcile_all not available)"
    print(
        f"{label}: {t_robust:.2f} s; a numpy loop per quantity (weighted quartiles only, "
        f"no pipeline; {LOOP_SAMPLE:,} quantities timed, x {share:.0f}): {t_loop:.1f} s; "
        f"ratio {t_loop / t_robust:.1f}x"
    )

    if reconcile_all is not None:
        undated(frame, ratios.get("robust"))
    read_csv(frame)
    # truth discovery reads the evidence arrays: the frame is dropped once they are built
    ev, truth, vandals = evidence(frame), gen.truth, gen.vandals
    del gen, frame
    truth_discovery(ev, truth, vandals, sample, out)
    print(
        f"peak memory of the process: {peak_mib():,.0f} MiB (target < 1,024 MiB; the reading of "
        "the CSV in its own process)"
    )


def robust_loop(
    frame: pd.DataFrame,
) -> tuple[npt.NDArray[np.intp], tuple[str, ...], float]:
    """The quantities sampled for the loops, every quantity's name, and the time of the plain
    loop of weighted quartiles over all of them (extrapolated from the sample). The evidence
    arrays it reads are built again for truth discovery, after the pipeline's runs."""
    ev, t_ev = timed(lambda: evidence(frame))
    print(f"evidence arrays built in {t_ev:.2f} s; peak memory so far {peak_mib():,.0f} MiB")
    sample = np.linspace(0, ev.n_segments - 1, LOOP_SAMPLE).astype(np.intp)
    _, t_loop = timed(lambda: loop_robust(ev, sample))
    return sample, ev.quantities, t_loop * ev.n_segments / LOOP_SAMPLE


def truth_discovery(
    ev: Evidence,
    truth_of: pd.Series,
    vandals: tuple[str, ...],
    sample: npt.NDArray[np.intp],
    out: object,
) -> None:
    """crh and catd on the evidence arrays, 10 iterations, beside a per-quantity loop; the
    share of answers near the truth for them and for ``out`` (robust's answers)."""
    from estimates.reconciliation.truth import catd, crh

    share = ev.n_segments / LOOP_SAMPLE
    res, t_crh = timed(lambda: crh(ev, {"max_iter": 10, "tol": 0.0}))
    _, t_loop_crh = timed(lambda: loop_crh(ev, sample))
    t_loop_crh *= share
    print(
        f"crh, 10 iterations: {t_crh:.2f} s (target <= 3 s); per-quantity loop "
        f"({LOOP_SAMPLE:,} quantities x {share:.0f}): {t_loop_crh:.1f} s; "
        f"ratio {t_loop_crh / t_crh:.0f}x"
    )
    res_c, t_catd = timed(lambda: catd(ev, {"max_iter": 10, "tol": 0.0}))
    print(f"catd, 10 iterations: {t_catd:.2f} s")
    extra = traced_peak_mib(lambda: crh(ev, {"max_iter": 10, "tol": 0.0}))
    print(
        f"   crh allocates at most {extra:,.0f} MiB beyond its evidence (tracemalloc, untimed run)"
    )
    truth = truth_of.reindex(list(ev.quantities)).to_numpy()
    for name, r in (("crh", res), ("catd", res_c)):
        rel = np.abs(r.best - truth) / truth
        assert r.sources is not None
        w = r.sources.set_index("source")["weight"]
        print(
            f"   {name}: {np.nanmean(rel < 0.05):.1%} of answers within 5 % of the truth; "
            f"largest vandal weight {w.reindex(list(vandals)).max():.2g}"
        )
    if isinstance(out, pd.DataFrame):
        robust_best = out.set_index("quantity")["best"].reindex(list(ev.quantities)).to_numpy()
    else:
        robust_best = out.best
    rel = np.abs(robust_best - truth) / truth
    print(f"   robust: {np.nanmean(rel < 0.05):.1%} of answers within 5 % of the truth")


def undated(frame: pd.DataFrame, dated: float | None) -> None:
    """``reconcile_all`` robust on the same claims without their dates (so without dates,
    relays or grades), timed in turn with the numpy weighted median: the stages that read
    them should cost nothing, and the ratio should be at most the one with dates."""
    from estimates.ledger.table import Ledger
    from estimates.reconciliation.reconcile import reconcile_all

    ledger = Ledger.from_frame(frame.drop(columns=["stated_on"]))
    (b_cpu, _), (l_cpu, l_wall) = in_turn(
        3, lambda: numpy_median(frame), lambda: reconcile_all(ledger, method="robust")
    )
    beside = "" if dated is None else f" (with a date on every claim: {dated:.2f}x, above)"
    print(
        f'without dates, relays or grades: reconcile_all(method="robust") {l_cpu:.2f} s CPU '
        f"({l_wall:.2f} s wall), {l_cpu / b_cpu:.2f}x the numpy weighted median{beside}"
    )


# The child process that times the reading: the first call, then pd.read_csv and
# Ledger.read_csv taken in turn, the least wall and CPU time of each (as the ratios above).
_READ_CHILD = """
import sys, time
import pandas as pd
from estimates.ledger.table import Ledger
path, pairs = sys.argv[1], int(sys.argv[2])
def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c
ledger, first, first_cpu = timed(lambda: Ledger.read_csv(path))
n = len(ledger)
# VmHWM, not ru_maxrss: getrusage keeps the parent's peak across fork and exec
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]
peak = int(hwm[0].split()[1]) / 1024 if hwm else float('nan')
del ledger
best = [[float('inf')] * 2, [float('inf')] * 2]
for _ in range(pairs):
    for k, fn in enumerate((lambda: pd.read_csv(path), lambda: Ledger.read_csv(path))):
        out, wall, cpu = timed(fn)
        del out
        best[k] = [min(best[k][0], wall), min(best[k][1], cpu)]
print(n, first, first_cpu, *best[0], *best[1], peak)
"""


def read_csv(frame: pd.DataFrame, pairs: int = 3) -> None:
    """Write ``frame`` as a claim CSV and time ``Ledger.read_csv`` on it in a child process,
    beside ``pd.read_csv`` of the same file in the same process (the baseline: a plain read
    that checks nothing), the two taken in turn ``pairs`` times, the least time of each: wall
    time, and the CPU time beside it (of the process: the reader's threads included).

    The first ``Ledger.read_csv`` in a process also imports the readers it needs (a fixed cost,
    not one per row; the unit registry only for a unit other than the package's count units):
    its rate is given apart.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims.csv"
        frame.to_csv(path, index=False)
        size = path.stat().st_size
        done = subprocess.run(
            [sys.executable, "-c", _READ_CHILD, str(path), str(pairs)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"Ledger.read_csv failed: {done.stderr.strip().splitlines()[-1:]}")
            return
        rows, *times = done.stdout.split()
        n = int(rows)
        first, first_cpu, base, base_cpu, again, again_cpu, peak = map(float, times)
        print(
            f"Ledger.read_csv of a {n:,}-row claim file ({size / 2**20:.0f} MiB): {again:.2f} s "
            f"({again_cpu:.2f} s CPU), {n / again:,.0f} rows/s (target >= 1,000,000); "
            f"pd.read_csv of the same file: {base:.2f} s ({base_cpu:.2f} s CPU), "
            f"{n / base:,.0f} rows/s; ratio {again / base:.1f}x ({again_cpu / base_cpu:.1f}x CPU; "
            f"least of {pairs} taken in turn)"
        )
        print(
            f"   first call in a fresh process: {first:.2f} s ({first_cpu:.2f} s CPU), "
            f"{n / first:,.0f} rows/s; peak memory {peak:,.0f} MiB (its own process)"
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--claims", type=int, default=N_CLAIMS, help="claims to generate (default 1,000,000)"
    )
    main(parser.parse_args().claims)
