"""Reconciling a Dask claim table: the same answers as in memory, bad input refused as in memory.

Skipped when the ``dask`` extra is absent. The equality law runs on a ``distributed.LocalCluster``
of two worker processes (one per module); the other tests use Dask's synchronous scheduler.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

import estimates as est  # noqa: E402
from estimates.errors import ClaimFileError, MissingExtraError, PartitionBadRow  # noqa: E402
from estimates.ledger.table import Ledger  # noqa: E402
from estimates.reconciliation import distributed as dist  # noqa: E402
from estimates.reconciliation import methods  # noqa: E402
from estimates.reconciliation.methods import Combined, register_method  # noqa: E402
from estimates.strategies import ledgers  # noqa: E402

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
METHODS = ["robust", "consensus", "envelope", "latest", "pooled", "pooled_mean"]
LEARNED = ["crh", "catd", "plurality"]
QUANTITIES = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")
#: options that change how learning proceeds and stops (each method takes those it knows)
LEARNED_OPTIONS = [
    {},
    {"loss": "squared", "max_iter": 3},
    {"max_iter": 1, "iterations": 1, "prior_strength": 0.5},
    {"tolerance": 0, "alpha": 0.2},
]


def same(mem: pd.DataFrame, got: pd.DataFrame) -> None:
    """The same table: same rows and columns, text equal, numbers to 1e-9 relative."""
    pd.testing.assert_frame_equal(got, mem, check_exact=False, rtol=1e-9, atol=0.0)


@pytest.fixture(autouse=True)
def _own_methods() -> Iterator[None]:
    """Methods a test registers are gone after it: other tests list every registered method."""
    before = dict(methods._registry)
    yield
    methods._registry.clear()
    methods._registry.update(before)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        memory_limit="2GiB",
    )  # fmt: skip
    # not the default client: the other tests run on Dask's local schedulers
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c
    cluster.close()


# -- the law: the same answers, whatever the partitions and workers ------------------------------


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ledger=ledgers(max_size=24, quantities=("q1", "q2", "q3", "q4", "q5"), dates=(START, END)),
    parts=st.integers(1, 3),
    shuffled=st.integers(1, 3),
    method=st.sampled_from(METHODS),
    known_on=st.one_of(st.none(), st.dates(START, END)),
    resolve=st.sets(st.sampled_from(("q1", "q2", "q3")), max_size=2),
)
def test_same_as_in_memory_on_a_cluster(
    client: Any,
    ledger: Ledger,
    parts: int,
    shuffled: int,
    method: str,
    known_on: Any,
    resolve: set[str],
) -> None:
    """Per-quantity methods; ``pooled`` also with ``resolved=`` (true values of some of the
    quantities, which teach every quantity's weights)."""
    frame = ledger.to_frame()
    present = set(frame["quantity"]) if len(frame) else set()
    extra: dict[str, Any] = {}
    if method == "pooled" and resolve & present:
        extra["resolved"] = {q: 100.0 + i for i, q in enumerate(sorted(resolve & present))}
    mem = est.reconcile_all(ledger, method=method, known_on=known_on, **extra)
    frame = frame.sample(frac=1.0, random_state=parts)  # rows in another order
    got = est.reconcile_all(
        dd.from_pandas(frame, npartitions=parts), method=method, known_on=known_on,
        npartitions=shuffled, scheduler=client, **extra,
    )  # fmt: skip
    same(mem, got)


@pytest.mark.parametrize("method", METHODS)
def test_bundled_example_every_method(method: str) -> None:
    ledger, sources = est.datasets.dprk(), est.datasets.dprk_sources()
    mem = est.reconcile_all(ledger, method=method, known_on="2025-01-15", sources=sources)
    for parts in (3,):
        claims = dd.from_pandas(ledger.to_frame(), npartitions=parts)
        got = est.reconcile_all(
            claims, method=method, known_on="2025-01-15", sources=sources, scheduler="sync"
        )
        same(mem, got)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    ledger=ledgers(
        max_size=40, quantities=QUANTITIES, sources=("A", "B", "C", "D", "E", "F"),
        dates=(START, END),
    ),
    parts=st.integers(1, 3),
    shuffled=st.integers(1, 4),
    method=st.sampled_from(LEARNED),
    options=st.sampled_from(LEARNED_OPTIONS),
)  # fmt: skip
def test_learned_methods_same_as_in_memory_on_a_cluster(
    client: Any, ledger: Ledger, parts: int, shuffled: int, method: str, options: dict[str, Any]
) -> None:
    """Sources shared across quantities and partitions: the per-source sums added up on the
    client, the groups joined across partitions and the stopping rule (max_iter, iterations)
    give the in-memory answers, notes and conflicts."""
    options = {k: v for k, v in options.items() if k in (methods.method_options(method) or ())}
    mem = est.reconcile_all(ledger, method=method, **options)
    frame = ledger.to_frame().sample(frac=1.0, random_state=parts)
    got = est.reconcile_all(
        dd.from_pandas(frame, npartitions=parts), method=method, npartitions=shuffled,
        scheduler=client, **options,
    )  # fmt: skip
    same(mem, got)


@pytest.mark.parametrize("method", LEARNED)
@pytest.mark.parametrize("npartitions", [1, 4])
def test_learned_methods_on_generated_sources_of_mixed_quality(
    method: str, npartitions: int
) -> None:
    """Many quantities, sources of several qualities, vandals, copies and grades: every
    partitioning gives the in-memory table (iterations run to convergence here)."""
    frame = _mixed_sources(claims=3000, quantities=400, sources=30, seed=npartitions)
    mem = est.reconcile_all(frame, method=method)
    got = est.reconcile_all(
        dd.from_pandas(frame, npartitions=3), method=method, npartitions=npartitions,
        scheduler="sync",
    )  # fmt: skip
    same(mem, got)


def _mixed_sources(*, claims: int, quantities: int, sources: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = rng.integers(0, quantities, claims)
    s = rng.integers(0, sources, claims)
    truth = rng.lognormal(6, 2, quantities)
    noise = rng.normal(0.0, 0.02 * (1 + s % 6), claims)
    best = np.round(truth[q] * (1 + noise), 0)
    best[rng.random(claims) < 0.02] *= 1000  # vandals and unit slips
    copier = s == sources - 1  # repeats source 0's figure where both state one
    frame = pd.DataFrame(
        {
            "quantity": [f"q{i:04d}" for i in q],
            "best": best,
            "source": [f"s{i:02d}" for i in s],
            "reliability": rng.choice(np.array([None, "A", "C", "E"], dtype=object), claims),
        }
    )
    first = frame.loc[s == 0].drop_duplicates("quantity").set_index("quantity")["best"]
    copied = copier & frame["quantity"].isin(first.index).to_numpy()
    frame.loc[copied, "best"] = frame.loc[copied, "quantity"].map(first).to_numpy()
    return frame


def test_learning_sends_per_source_tables_not_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the client receives is per source (and per pair of sources for plurality's copy
    counts), whatever the number of claims: no step gathers the claims. Before the first
    iteration each partition sends its own per-source table; each iteration's tables are added
    up on the workers, so the client receives one row per source, not one per partition."""
    from estimates.reconciliation import _distributed_learning as learning

    received: list[tuple[int, int]] = []
    compute = learning._compute

    def spy(dask: Any, objs: Any, scheduler: Any) -> list[Any]:
        out = compute(dask, objs, scheduler)
        received.append((len(out), max((_numbers(o) for o in out), default=0)))
        return out

    monkeypatch.setattr(learning, "_compute", spy)
    n_src = 12
    for method in LEARNED:
        received.clear()
        frame = _mixed_sources(claims=4000, quantities=800, sources=n_src, seed=3)
        got = est.reconcile_all(
            dd.from_pandas(frame, npartitions=2), method=method, npartitions=5, scheduler="sync"
        )
        same(est.reconcile_all(frame, method=method), got)
        names, first, *rounds = received
        assert names[0] == first[0] == 5  # one table per partition
        # per partition: per source a few numbers (claims, 6 grade counts, group, sums) and,
        # for plurality's copy counts, two sparse source-pair tables (row, column, count)
        assert first[1] <= 10 * n_src + 2 * 3 * n_src**2, (method, first)
        assert rounds, method  # at least one iteration
        for parts, numbers in rounds:
            # one table for all partitions: per source its code and one or two sums, and the
            # groups that moved (at most one per source)
            assert parts == 1 and numbers <= 4 * n_src, (method, rounds)


def _numbers(obj: Any) -> int:
    """How many numbers (or names) an object holds, nested."""
    if obj is None:
        return 0
    if isinstance(obj, np.ndarray):
        return int(obj.size)
    if isinstance(obj, tuple | list):
        return sum(_numbers(o) for o in obj)
    raise AssertionError(f"the client received {type(obj).__name__}")


@pytest.mark.parametrize("method", LEARNED)
def test_learned_methods_lazy_and_collecting_bad_rows(method: str) -> None:
    ledger = est.datasets.dprk()
    frame = ledger.to_frame()
    bad = frame.iloc[:1].copy()
    bad["source"] = None
    claims = dd.from_pandas(pd.concat([frame, bad], ignore_index=True), npartitions=2)
    got = est.reconcile_all(claims, method=method, errors="collect", scheduler="sync")
    assert [(e.column, e.partition) for e in got.errors] == [("source", 1)]
    same(est.reconcile_all(ledger, method=method), got.table)
    lazy = est.reconcile_all(
        dd.from_pandas(frame, npartitions=2), method=method, compute=False, scheduler="sync"
    )
    assert isinstance(lazy, dd.DataFrame)
    table = lazy.compute(scheduler="sync")
    same(est.reconcile_all(ledger, method=method), dist._finish_table(table, table.iloc[:0]))


def test_joint_method_of_ones_own_is_refused_with_the_reason() -> None:
    import dask

    def mine(ev: Any, options: Any) -> Combined:
        return est.get_method("robust")(ev, options)

    register_method("_test_joint", mine, description="learns across quantities", joint=True)
    meta = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("quantity", "source")})
    meta["best"] = pd.Series([], dtype=float)
    claims = dd.from_delayed([dask.delayed(_never)()], meta=meta)
    with pytest.raises(est.ReconcileError, match="cannot split into per-source sums"):
        est.reconcile_all(claims, method="_test_joint", scheduler="sync")


# -- resolved= and relations ------------------------------------------------------------------------


def test_resolved_teaches_pooled_on_dask_as_in_memory() -> None:
    ledger, sources = est.datasets.dprk(), est.datasets.dprk_sources()
    resolved = {"dprk_troops_in_kursk": 11000, "dprk_killed": 300.0, "dprk_troops_in_russia": 11500}
    mem = est.reconcile_all(ledger, method="pooled", resolved=resolved, sources=sources)
    assert mem["note"].str.contains("Cooke's Classical Model on 3 resolved").any()
    for parts in (1, 3):
        got = est.reconcile_all(
            dd.from_pandas(ledger.to_frame(), npartitions=parts), method="pooled",
            resolved=pd.Series(resolved), sources=sources, npartitions=parts + 1,
            scheduler="sync",
        )  # fmt: skip
        same(mem, got)


def test_resolved_refused_as_in_memory() -> None:
    ledger = est.datasets.dprk()
    claims = dd.from_pandas(ledger.to_frame(), npartitions=2)
    for bad in ({"dprk_troops_in_kursks": 1.0}, {"dprk_killed": "many"}):
        with pytest.raises(est.ReconcileError) as mem:
            est.reconcile_all(ledger, method="pooled", resolved=bad)
        with pytest.raises(est.ReconcileError) as got:
            est.reconcile_all(claims, method="pooled", resolved=bad, scheduler="sync")
        assert str(got.value) == str(mem.value)
    assert "did you mean 'dprk_troops_in_kursk'" in str(got.value) or "many" in str(got.value)
    with pytest.raises(est.ReconcileError, match="must map quantities"):
        est.reconcile_all(claims, method="pooled", resolved=[1.0], scheduler="sync")


def test_relations_narrow_on_dask_as_in_memory() -> None:
    frame = pd.DataFrame(
        {
            "quantity": ["part", "part", "whole", "whole", "other", "a", "b", "total"],
            "low": [10.0, 20.0, 5.0, 8.0, 1.0, 0.0, 0.0, 90.0],
            "high": [40.0, 50.0, 30.0, 35.0, 2.0, 80.0, 80.0, 100.0],
            "source": ["X", "Y", "X", "Z", "X", "X", "Y", "Z"],
        }
    )
    rels = [est.at_most("part", "whole"), est.sum_of(["a", "b"], "total")]
    mem = est.reconcile_all(frame, relations=rels)
    assert mem["note"].notna().sum() >= 3  # part, whole and the parts moved
    for method in ("robust", "crh"):
        mem = est.reconcile_all(frame, relations=rels, method=method)
        got = est.reconcile_all(
            dd.from_pandas(frame, npartitions=3), relations=rels, method=method, scheduler="sync"
        )
        same(mem, got)
        lazy = est.reconcile_all(
            dd.from_pandas(frame, npartitions=3), relations=rels, method=method,
            compute=False, scheduler="sync",
        )  # fmt: skip
        table = lazy.compute(scheduler="sync")
        same(mem, dist._finish_table(table, table.iloc[:0]))


def test_relations_naming_an_unknown_quantity_refused_as_in_memory() -> None:
    frame = pd.DataFrame({"quantity": ["a", "b"], "best": [1.0, 2.0], "source": ["X", "Y"]})
    rels = [est.at_most("a", "c")]
    with pytest.raises(est.RelationError) as mem:
        est.reconcile_all(frame, relations=rels)
    with pytest.raises(est.RelationError) as got:
        est.reconcile_all(dd.from_pandas(frame, npartitions=2), relations=rels, scheduler="sync")
    assert str(got.value) == str(mem.value)


def test_lazy_result_and_duplicates_across_partitions() -> None:
    ledger = est.datasets.dprk()
    frame = ledger.to_frame()
    doubled = pd.concat([frame, frame.iloc[:20]], ignore_index=True)  # 20 claims twice
    claims = dd.from_pandas(doubled, npartitions=3)
    lazy = est.reconcile_all(claims, compute=False, scheduler="sync")
    assert isinstance(lazy, dd.DataFrame)
    got = lazy.compute(scheduler="sync").sort_values("quantity").reset_index(drop=True)
    same(est.reconcile_all(ledger), dist._finish_table(got, got.iloc[:0]))


# -- bad input -------------------------------------------------------------------------------------


def _spy_method(calls: list[int]) -> str:
    def spy(ev: Any, options: Any) -> Combined:
        calls.append(len(ev.starts))
        return est.get_method("robust")(ev, options)

    register_method("_test_dask_spy", spy, description="counts its calls", replace=True)
    return "_test_dask_spy"


def test_bad_rows_of_every_partition_reported_together_and_nothing_reconciled() -> None:
    good = pd.DataFrame({"quantity": ["q"] * 4, "low": [1.0, 2.0, 3.0, 4.0],
                         "high": [2.0, 3.0, 4.0, 5.0], "source": list("ABCD")})  # fmt: skip
    bad_a = good.copy()
    bad_a.loc[1, "low"] = 9.0  # above its high
    bad_b = good.copy()
    bad_b.loc[2, "source"] = None  # a claim needs a source
    frame = pd.concat([good, bad_a, bad_b], ignore_index=True)
    calls: list[int] = []
    claims = dd.from_pandas(frame, npartitions=3, sort=False)
    with pytest.raises(ClaimFileError) as info:
        est.reconcile_all(claims, method=_spy_method(calls), scheduler="sync")
    errors = info.value.errors
    assert [(e.partition, e.row, e.column) for e in errors] == [  # type: ignore[attr-defined]
        (1, 2, "low"),
        (2, 3, "source"),
    ]
    assert "partition 1, row 2, column 'low'" in str(info.value)
    assert calls == []  # nothing was reconciled on the good rows alone

    got = est.reconcile_all(claims, errors="collect", scheduler="sync")
    assert isinstance(got, dist.CollectedTable)
    assert [e.partition for e in got.errors] == [1, 2]
    keep = np.ones(len(frame), bool)
    keep[[4 + 1, 8 + 2]] = False
    same(est.reconcile_all(Ledger.from_frame(frame[keep])), got.table)


def _never(*_: Any) -> pd.DataFrame:
    raise AssertionError("a partition was read")


def test_wrong_columns_refused_before_any_work() -> None:
    import dask

    meta = pd.DataFrame(
        {"quantity": pd.Series([], dtype=object), "low": pd.Series([], dtype=float)}
    )
    claims = dd.from_delayed([dask.delayed(_never)()], meta=meta)
    with pytest.raises(ClaimFileError, match="'source': required column is missing"):
        est.reconcile_all(claims, scheduler="sync")
    meta["sorce"] = pd.Series([], dtype=object)
    meta["source"] = pd.Series([], dtype=object)
    claims = dd.from_delayed([dask.delayed(_never)()], meta=meta)
    with pytest.raises(ClaimFileError, match="'sorce': unknown column"):
        est.reconcile_all(claims, scheduler="sync")


def test_bad_options_and_methods_refused_before_any_work() -> None:
    import dask

    meta = pd.DataFrame({c: pd.Series([], dtype=object) for c in ("quantity", "source")})
    meta["best"] = pd.Series([], dtype=float)
    claims = dd.from_delayed([dask.delayed(_never)()], meta=meta)
    with pytest.raises(est.UnknownMethodError):
        est.reconcile_all(claims, method="median", scheduler="sync")
    with pytest.raises(est.ReconcileError, match="resolved= teaches a predictive method"):
        est.reconcile_all(claims, method="robust", resolved={"q": 1.0}, scheduler="sync")
    with pytest.raises(est.ReconcileError, match="option loss must be"):
        est.reconcile_all(claims, method="crh", loss="cubic", scheduler="sync")
    with pytest.raises(est.ReconcileError, match="option iterations must be"):
        est.reconcile_all(claims, method="plurality", iterations=0, scheduler="sync")
    with pytest.raises(est.ReconcileError, match="errors must be"):
        est.reconcile_all(claims, errors="ignore", scheduler="sync")


@pytest.mark.parametrize("claims", [[{"quantity": "q"}], {"quantity": ["q"]}, "claims.csv", 3])
def test_not_a_claim_table_is_a_type_error_of_the_library(claims: object) -> None:
    with pytest.raises(est.ClaimTableTypeError, match="Ledger, a pandas DataFrame or a Dask"):
        est.reconcile_all(claims)  # type: ignore[arg-type]
    assert issubclass(est.ClaimTableTypeError, TypeError)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MissingExtraError, match=r'pip install "estimates\[dask\]"'):
        dist._dask()
    assert not dist.is_dask_frame(pd.DataFrame())  # a pandas frame never asks for dask


def test_partition_bad_row_pickles() -> None:
    import pickle

    err = ClaimFileError([PartitionBadRow(2, "low", "x", "not a number", partition=4)])
    back = pickle.loads(pickle.dumps(err))
    assert back.errors == err.errors and "partition 4, row 2" in str(back)


# -- from partitioned Parquet ------------------------------------------------------------------


# Dask's Parquet reader calls reset_index(inplace=True), which pandas 3.1 deprecates
READER_WARNING = "ignore:The inplace keyword in DataFrame.reset_index"


@pytest.mark.filterwarnings(READER_WARNING)
def test_read_parquet_lazy_of_a_directory(tmp_path: Path) -> None:
    ledger = est.datasets.dprk()
    frame = ledger.to_frame()
    folder = tmp_path / "claims"
    dd.from_pandas(frame, npartitions=3).to_parquet(folder, write_index=False)
    claims = Ledger.read_parquet(folder, lazy=True)
    assert isinstance(claims, dd.DataFrame) and claims.npartitions == 3
    for method in ("robust", "pooled"):
        same(
            est.reconcile_all(ledger, method=method),
            est.reconcile_all(claims, method=method, scheduler="sync"),
        )
    with pytest.raises(ValueError, match="errors='collect' to reconcile_all"):
        Ledger.read_parquet(folder, lazy=True, errors="collect")  # type: ignore[call-overload]


@pytest.mark.filterwarnings(READER_WARNING)
def test_read_parquet_lazy_refuses_wrong_columns_from_the_schema(tmp_path: Path) -> None:
    folder = tmp_path / "claims"
    frame = pd.DataFrame({"quantity": ["q"], "figure": [1.0], "source": ["s"]})
    dd.from_pandas(frame, npartitions=1).to_parquet(folder, write_index=False)
    with pytest.raises(ClaimFileError, match="'figure': unknown column"):
        Ledger.read_parquet(folder, lazy=True)
    with pytest.raises(FileNotFoundError):
        Ledger.read_parquet(tmp_path / "nowhere", lazy=True)
