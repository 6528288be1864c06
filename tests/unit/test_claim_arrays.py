"""What a ledger hands the reconciliation core: read-only arrays that share nothing with it."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest

import estimates as est
from estimates.ledger.arrays import NO_INSTANT, ClaimArrays, Codes, claim_arrays
from estimates.ledger.table import Ledger
from estimates.reconciliation.stages.arrays import NO_DAY


def _ledger() -> Ledger:
    return Ledger(
        [
            est.Claim(quantity="q", value=est.Range.between(1, 2, unit="km"), source="A",
                      stated_on="2024-01-02", as_of="2024-01-01", hedge="likely",
                      reliability="B", confidence=0.8, level=0.9),
            est.Claim(quantity="q", value=est.Range.exactly(3, unit="m"), source="B (via C)",
                      stated_on="2024-01-03", text="3 metres", kind="cumulative",
                      since="2023-12"),
            est.Claim(quantity="r", value=est.Range.at_least(5), source="A"),
        ]
    )  # fmt: skip


def _arrays_of(handed: ClaimArrays) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for f in dataclasses.fields(handed):
        value = getattr(handed, f.name)
        if isinstance(value, Codes):
            out += [value.codes, value.names]
        elif isinstance(value, np.ndarray):
            out.append(value)
    return out


def _storage(ledger: Ledger) -> list[np.ndarray]:
    """Every numpy array holding the ledger's own frame (blocks, categorical codes, dates)."""
    found = []
    for arr in ledger._frame._mgr.arrays:
        target = getattr(arr, "_ndarray", getattr(arr, "codes", arr))
        if isinstance(target, np.ndarray):
            found.append(target)
    return found


def test_every_array_handed_to_the_core_is_read_only_and_a_write_raises() -> None:
    led = _ledger()
    claims = list(led)
    handed = led._arrays()
    arrays = _arrays_of(handed)
    assert len(arrays) == 2 * 8 + 1 + 5 + 5
    for arr in arrays:
        assert arr.size == 0 or not arr.flags.writeable
        if arr.size:
            with pytest.raises(ValueError, match="read-only"):
                arr[0] = arr[-1]
    # the write that once broke a ledger: a low above its high
    with pytest.raises(ValueError, match="read-only"):
        handed.low[np.flatnonzero(handed.high == 2.0)[0]] = 99.0
    assert list(led) == claims


def test_nothing_handed_out_shares_the_ledgers_storage() -> None:
    led = _ledger()
    before, claims = led.to_frame(), list(led)
    storage = _storage(led)
    handed = led._arrays()
    for arr in _arrays_of(handed):
        assert not any(np.shares_memory(arr, own) for own in storage)
    # writing cannot be switched back on (each array is a read-only view of a read-only copy),
    # so the arrays the ledger keeps for its next reconciliation stay as they were read
    for arr in (handed.low, handed.high, handed.best, handed.source.codes):
        with pytest.raises(ValueError, match="WRITEABLE"):
            arr.flags.writeable = True
    copy = led._copy_frame()
    copy.loc[0, "low"] = 99.0
    copy.loc[0, "source"] = "B (via C)"
    pd.testing.assert_frame_equal(led.to_frame(), before)
    assert list(led) == claims
    pd.testing.assert_frame_equal(est.reconcile_all(led), est.reconcile_all(_ledger()))


def test_the_arrays_hold_the_ledgers_columns() -> None:
    led = _ledger()
    handed = led._arrays()
    frame = led.frame
    assert handed.n == len(led) == 3
    assert handed.quantity.objects().tolist() == frame["quantity"].tolist()
    assert handed.source.names.tolist() == sorted(set(frame["source"]))
    np.testing.assert_array_equal(handed.low, frame["low"].to_numpy())
    assert handed.text.tolist() == frame["text"].tolist()
    stated = frame["stated_on_end"].to_numpy().astype("datetime64[s]").view(np.int64)
    np.testing.assert_array_equal(handed.stated_on_end, stated)
    assert NO_INSTANT == NO_DAY and (handed.as_of_end == NO_INSTANT).sum() == 2


def test_a_plain_frame_and_the_ledgers_own_give_the_same_arrays() -> None:
    led = _ledger()
    own, plain = led._arrays(), claim_arrays(led.frame)
    for a, b in zip(_arrays_of(own), _arrays_of(plain), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_cut_keeps_only_the_names_its_rows_use() -> None:
    handed = _ledger()._arrays()
    cut = handed.take(np.flatnonzero(handed.quantity.objects() == "r"))
    assert cut.n == 1 and cut.quantity.names.tolist() == ["r"]
    assert cut.source.names.tolist() == ["A"] and cut.unit.names.tolist() == []
    assert not cut.low.flags.writeable and not cut.source.codes.flags.writeable


def test_the_arrays_are_read_once_and_kept_with_the_ledger() -> None:
    led = _ledger()
    handed = led._arrays()
    assert led._arrays() is handed
    # a ledger made from it reads its own frame's arrays
    cut = led.select("r")
    assert cut._arrays() is not handed and cut._arrays().n == 1
    # a pickled ledger carries its frame only, and reads the same arrays again
    back = pickle.loads(pickle.dumps(led))
    for a, b in zip(_arrays_of(back._arrays()), _arrays_of(handed), strict=True):
        np.testing.assert_array_equal(a, b)
    assert back == led and not back._frame["low"].to_numpy().flags.writeable


def test_a_column_no_row_states_is_one_shared_blank() -> None:
    led = Ledger(
        [
            est.Claim(quantity=q, value=est.Range.exactly(v), source="A")
            for q, v in (("q", 1), ("r", 2))
        ]
    )
    handed = led._arrays()
    assert handed.confidence is handed.level and np.isnan(handed.level).all()
    assert handed.as_of_end is handed.stated_on_end is handed.since_start
    assert (handed.since_start == NO_INSTANT).all()
    assert handed.hedge.codes is handed.reliability.codes and (handed.hedge.codes == -1).all()
    # a column every row states the same text reads as codes all 0, one array too
    assert handed.source.codes is handed.kind.codes and handed.source.names.tolist() == ["A"]
    pairs = zip(handed.quantity.codes.tolist(), handed.low.tolist(), strict=True)
    assert sorted(pairs) == [(0, 1.0), (1, 2.0)]
