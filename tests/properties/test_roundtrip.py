"""Every format gives back the ledger it was given, claim for claim and digit for digit."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import given, settings

from estimates import Claim, Ledger, Range
from estimates.strategies import claims, ledgers, ranges

#: each example reads, writes or reconciles a whole generated ledger: a fixed budget under every
#: profile keeps the suite within its time (the cheap laws of parsing and values run the
#: profile's count)
whole_ledger = settings(max_examples=35)


def _roundtrip(ledger: Ledger, suffix: str) -> Ledger:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"claims.{suffix}"
        getattr(ledger, f"to_{suffix}")(path)
        back: Ledger = getattr(Ledger, f"read_{suffix}")(path)
        return back


@whole_ledger
@given(ledgers(max_size=12))
def test_csv_jsonl_parquet_and_frame_are_lossless(ledger: Ledger) -> None:
    expected = ledger.to_frame()
    for suffix in ("csv", "jsonl", "parquet"):
        back = _roundtrip(ledger, suffix)
        assert back == ledger, suffix
        pd.testing.assert_frame_equal(back.to_frame(), expected, check_dtype=False, obj=suffix)
    assert Ledger.from_frame(expected) == ledger


@whole_ledger
@given(ledgers(max_size=8))
def test_claims_survive_the_ledger(ledger: Ledger) -> None:
    assert Ledger(list(ledger)) == ledger
    for claim in ledger:
        assert claim.claim_id in ledger.claim_ids


@whole_ledger
@given(ledgers(max_size=8), ledgers(max_size=8))
def test_merge_is_commutative_and_idempotent(a: Ledger, b: Ledger) -> None:
    assert a.merge(b) == b.merge(a)
    assert a.merge(a) == a
    assert a.merge(b).merge(b) == a.merge(b)


@given(claims())
def test_claim_json_round_trip(claim: Claim) -> None:
    back = Claim.model_validate_json(claim.model_dump_json())
    assert back == claim and back.claim_id == claim.claim_id


@given(ranges())
def test_range_invariants_hold_for_generated_values(r: Range) -> None:
    if r.low is not None and r.high is not None:
        assert r.low <= r.high
    if r.best is not None:
        assert r.contains(r.best)
    assert Range.model_validate_json(r.model_dump_json()) == r
