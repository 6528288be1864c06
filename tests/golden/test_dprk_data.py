"""The shared DPRK scenario loads whole and round-trips through every format unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from estimates import Ledger, datasets


def test_shared_scenario_loads_and_round_trips(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "scenario" / "dprk_claims.csv"
    ledger = Ledger.read_csv(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(ledger) == len(raw) == 85
    for suffix in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"dprk.{suffix}"
        getattr(ledger, f"to_{suffix}")(out)
        assert getattr(Ledger, f"read_{suffix}")(out) == ledger
    # nothing silently altered: every figure and date of the file is in the ledger
    frame = ledger.to_frame().sort_values(
        ["quantity", "source", "stated_on", "low", "best", "high"]
    )
    for column in ("low", "best", "high"):
        given = pd.to_numeric(raw[column].replace("", None)).sort_values().dropna().tolist()
        assert sorted(frame[column].dropna().tolist()) == given
    assert sorted(frame["stated_on"].tolist()) == sorted(raw["stated_on"].tolist())


def test_bundled_example_matches_the_shared_scenario(shared_data: Path) -> None:
    assert datasets.dprk() == Ledger.read_csv(shared_data / "scenario" / "dprk_claims.csv")


def test_bundled_example_needs_no_shared_data() -> None:
    ledger = datasets.dprk()
    assert "containers_shipped" in ledger.quantities
    nis = {
        datasets.dprk_sources().resolve(s)
        for s in ledger.sources
        if s.startswith("South Korea NIS")
    }
    assert nis == {"South Korea NIS"}, nis


@pytest.mark.parametrize("quantity", ["dprk_troops_in_russia", "containers_shipped"])
def test_summary_envelope_spans_the_figures(quantity: str) -> None:
    ledger = datasets.dprk().select(quantity)
    row = ledger.summary().iloc[0]
    frame = ledger.to_frame()
    assert row["low"] == frame[["low", "best"]].min().min()
