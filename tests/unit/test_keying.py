"""Rows are keyed by hashing (pd.factorize), not by sorting every row (np.unique)."""

from __future__ import annotations

import numpy as np
import pytest

from estimates.reconciliation.methods import Evidence
from estimates.values.sources import Sources


@pytest.fixture
def no_sorting_unique(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("rows keyed with np.unique; use pd.factorize")

    monkeypatch.setattr(np, "unique", refuse)


@pytest.mark.usefixtures("no_sorting_unique")
def test_sources_resolve_many_keys_rows_by_hashing() -> None:
    got = Sources().resolve_many(["NIS (via Yonhap)", "HUR", "NIS", None])
    assert got.tolist() == ["NIS", "HUR", "NIS", "None"]


@pytest.mark.usefixtures("no_sorting_unique")
def test_evidence_keys_quantities_and_sources_in_sorted_order() -> None:
    ev = Evidence.from_rows(quantity=["b", "a", "b"], best=[1.0, 2.0, 3.0], source=["Y", "X", "X"])
    assert list(ev.quantities) == ["a", "b"]
    assert list(ev.source_names) == ["X", "Y"]
    assert ev.best.tolist() == [2.0, 1.0, 3.0]
