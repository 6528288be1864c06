"""Linear time at the front door: the work of reading, checking and writing claims grows in
proportion to their number.

The work is counted, not timed: every Python-level function call (and call into C) made while
the input doubles. A step that compares every row with every other, or rescans the table per
row, makes the count grow fourfold; linear work doubles it (plus what does not grow at all).
"""

from __future__ import annotations

import io
import itertools
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estimates as est
from estimates.reconciliation.relations import at_most, check, monotone

SIZES = (200, 400, 800)
#: Doubling the input may at most multiply the work by this (linear: 2, quadratic: 4).
RATIO = 2.6


def _calls(work: Callable[[], object]) -> int:
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def _frame(n: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quantity": [f"q{(i * 7 + seed) % 50}" for i in range(n)],
            "text": [None if i % 3 else f"about {i + 1:,} soldiers" for i in range(n)],
            "low": [None if i % 3 == 0 else str(1000 + i) for i in range(n)],
            "high": [None if i % 3 == 0 else str(2000 + i) for i in range(n)],
            "source": [f"source {i % 97}" for i in range(n)],
            "via": [f"AFP;Outlet {i % 13}" for i in range(n)],
            "stated_on": [
                str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=i % 300))[:10] for i in range(n)
            ],
            "note": [f"note {i}" for i in range(n)],
        }
    )


def _assert_linear(make: Callable[[int], Callable[[], object]]) -> None:
    counts = []
    for n in SIZES:
        work = make(n)
        work()  # warm: caches, lazy imports and registries are not the input's work
        counts.append(_calls(work))
    ratios = [b / a for a, b in itertools.pairwise(counts)]
    assert all(r <= RATIO for r in ratios), (SIZES, counts, ratios)


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 1000))
def test_validation_is_linear(seed: int) -> None:
    def make(n: int) -> Callable[[], object]:
        frame = _frame(n, seed)
        return lambda: est.Ledger.from_frame(frame)

    _assert_linear(make)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_reading_and_writing_are_linear(fmt: str) -> None:
    folder = Path(tempfile.mkdtemp())

    def make(n: int) -> Callable[[], object]:
        ledger = est.Ledger.from_frame(_frame(n, 1))
        path = folder / f"{n}.{fmt}"
        getattr(ledger, f"to_{fmt}")(path)
        text = path.read_text(encoding="utf-8")
        reader = est.Ledger.read_csv if fmt == "csv" else est.Ledger.read_jsonl
        return lambda: (reader(io.StringIO(text)), getattr(ledger, f"to_{fmt}")(path))

    _assert_linear(make)


def test_checking_relations_is_linear() -> None:
    def make(n: int) -> Callable[[], object]:
        claims = []
        for i in range(n):
            day = str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=i))[:10]
            # every claim in conflict: a falling running total, parts above their wholes
            claims.append(est.Claim(quantity="sent", value=est.Range.exactly(n - i),
                                    source=f"s{i}", stated_on=day, kind="cumulative"))  # fmt: skip
            claims.append(est.Claim(quantity="part", value=est.Range.at_least(10 + i),
                                    source=f"p{i}", stated_on=day))  # fmt: skip
            claims.append(est.Claim(quantity="whole", value=est.Range.at_most(5),
                                    source=f"w{i}", stated_on=day))  # fmt: skip
        ledger = est.Ledger(claims)
        rels = [monotone("sent"), at_most("part", "whole")]
        return lambda: check(ledger, rels, within_days=30, max_violations=None)

    _assert_linear(make)
