"""The claim table's ``level`` column: the probability a stated range was meant to carry."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from estimates import Claim, ClaimFileError, Ledger, Range
from estimates.errors import InvalidValueError
from estimates.ledger._ids import claim_ids
from estimates.ledger.claims import claim_key
from estimates.ledger.schema import CLAIM_COLUMNS, NUMBER_COLUMNS, OUTPUT_COLUMNS

HEADER = "quantity,low,best,high,source,level\n"


def _claim(level: float | None) -> Claim:
    return Claim(quantity="q", value=Range(low=1, best=5, high=20), source="expert 1", level=level)


def test_level_is_a_number_column_of_the_claim_and_output_tables() -> None:
    assert "level" in CLAIM_COLUMNS and "level" in NUMBER_COLUMNS and "level" in OUTPUT_COLUMNS


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, float("nan")])
def test_a_claim_level_outside_the_open_unit_interval_is_refused(bad: float) -> None:
    with pytest.raises(InvalidValueError, match="level"):
        _claim(bad)


def test_bad_levels_are_reported_by_row_and_column_all_at_once() -> None:
    body = "q,1,5,20,a,0.9\nq,1,5,20,b,1\nq,1,5,20,c,0\nq,1,5,20,d,\n"
    with pytest.raises(ClaimFileError) as info:
        Ledger.read_csv(io.StringIO(HEADER + body))
    assert {(e.row, e.column) for e in info.value.errors} == {(2, "level"), (3, "level")}
    assert "strictly between 0 and 1" in str(info.value)
    got = Ledger.read_csv(io.StringIO(HEADER + body), errors="collect")
    assert sorted(c.source for c in got.ledger) == ["a", "d"]


def test_level_round_trips_through_every_file_format(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    ledger = Ledger([_claim(0.9), _claim(None), _claim(0.5).replace(source="expert 2")])
    for suffix, write, read in (
        ("csv", Ledger.to_csv, Ledger.read_csv),
        ("jsonl", Ledger.to_jsonl, Ledger.read_jsonl),
        ("parquet", Ledger.to_parquet, Ledger.read_parquet),
    ):
        path = tmp_path / f"claims.{suffix}"
        write(ledger, path)
        back = read(path)
        assert back == ledger, suffix
        assert sorted((c.source, c.level or 0.0) for c in back) == [
            ("expert 1", 0.0),
            ("expert 1", 0.9),
            ("expert 2", 0.5),
        ], suffix


def test_level_is_part_of_the_identity_only_when_stated() -> None:
    plain, stated = _claim(None), _claim(0.9)
    assert plain.claim_id != stated.claim_id
    # a claim without a level keeps the id it had before the column existed
    columns = [
        np.array([v], dtype=float if isinstance(v, float) else object) for v in plain.key_values()
    ]
    assert plain.claim_id == claim_ids(columns)[0] == claim_key(plain.key_values())
    # the ledger computes the same ids column-wise as the claim does alone
    assert set(Ledger([plain, stated]).claim_ids) == {plain.claim_id, stated.claim_id}
