"""How a ledger stores its claims: categorical text columns inside, plain columns outside."""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimates.ledger.claims import Claim
from estimates.ledger.table import CATEGORY_COLUMNS, Ledger
from estimates.reconciliation._core import Settings, run
from estimates.reconciliation.reconcile import reconcile_all
from estimates.values.ranges import Range


def _claims() -> list[Claim]:
    return [
        Claim(quantity="troops", value=Range.between(10_000, 12_000, unit="person"),
              source="NIS", stated_on="2024-10-30", hedge="about"),
        Claim(quantity="troops", value=Range.exactly(3_000, unit="person"), source="DoD",
              stated_on="2024-10-23", reliability="B"),
        Claim(quantity="shells", value=Range.at_least(13_000), source="NIS",
              stated_on="2024-09", kind="cumulative"),
        Claim(quantity="tanks", value=Range.exactly(7, unit="vehicle"), source="OSINT",
              stated_on="2024-11-02", via=("Reuters",)),
    ]  # fmt: skip


def test_text_columns_are_categoricals_with_sorted_used_categories_inside() -> None:
    view = Ledger(_claims())._copy_frame()
    for name in CATEGORY_COLUMNS:
        assert isinstance(view[name].dtype, pd.CategoricalDtype), name
        names = list(view[name].cat.categories)
        assert names == sorted(names), name
        codes = view[name].cat.codes.to_numpy()
        assert set(codes[codes >= 0].tolist()) == set(range(len(names))), name
    assert list(view["quantity"].cat.categories) == ["shells", "tanks", "troops"]


def test_frame_and_to_frame_give_plain_text_with_none_for_blanks() -> None:
    ledger = Ledger(_claims())
    for frame in (ledger.frame, ledger.to_frame()):
        for name in CATEGORY_COLUMNS:
            assert frame[name].dtype == object, name
        assert frame["hedge"].tolist().count(None) == 3
        assert not any(isinstance(x, float) for x in frame["unit"].tolist())
    assert ledger.frame["stated_on_end"].dtype.kind == "M"


def test_input_order_never_changes_the_stored_frame() -> None:
    claims = _claims()
    a = Ledger(claims)._copy_frame()
    b = Ledger(claims[::-1])._copy_frame()
    pd.testing.assert_frame_equal(a, b)


def test_merge_of_ledgers_with_different_categories_equals_one_ledger_of_all() -> None:
    claims = _claims()
    left, right = Ledger(claims[:2]), Ledger(claims[2:])
    merged = left.merge(right)
    assert isinstance(merged._copy_frame()["source"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(merged._copy_frame(), Ledger(claims)._copy_frame())
    pd.testing.assert_frame_equal(right.merge(left)._copy_frame(), merged._copy_frame())


def test_select_and_known_on_keep_only_the_categories_their_rows_use() -> None:
    ledger = Ledger(_claims())
    picked = ledger.select("troops")
    assert list(picked._copy_frame()["quantity"].cat.categories) == ["troops"]
    assert list(picked._copy_frame()["source"].cat.categories) == ["DoD", "NIS"]
    early = ledger.known_on("2024-10-25")
    assert list(early._copy_frame()["quantity"].cat.categories) == ["shells", "troops"]
    assert reconcile_all(picked)["quantity"].tolist() == ["troops"]


def test_claims_read_back_from_categorical_rows_have_none_for_blanks() -> None:
    ledger = Ledger(_claims())
    for claim in ledger:
        assert claim in _claims()
    shells = next(c for c in ledger if c.quantity == "shells")
    assert shells.value.unit is None and shells.hedge is None and shells.via == ()


def test_summary_names_units_without_blanks() -> None:
    got = Ledger(_claims()).summary().set_index("quantity")["unit"]
    assert pd.isna(got["shells"]) and (got["tanks"], got["troops"]) == ("vehicle", "person")


def test_core_reads_categorical_codes_and_plain_text_alike() -> None:
    ledger = Ledger(_claims())
    a = run(ledger._arrays(), Settings(method="robust"))
    b = run(ledger.frame, Settings(method="robust"))
    assert a.quantities.tolist() == b.quantities.tolist() == ["shells", "tanks", "troops"]
    for name in ("low", "best", "high", "n_claims", "n_sources", "role", "row"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_core_ignores_categories_no_row_uses() -> None:
    view = Ledger(_claims())._copy_frame()
    cut = view.iloc[np.flatnonzero(view["quantity"].to_numpy(dtype=object) == "troops")]
    assert len(cut["quantity"].cat.categories) == 3  # a slice keeps every category
    res = run(cut, Settings(method="robust"))
    assert res.quantities.tolist() == ["troops"]
    only = run(view, Settings(method="robust"), only="tanks")
    assert only.quantities.tolist() == ["tanks"] and only.best.tolist() == [7.0]


def test_a_well_formed_csv_reads_numbers_exactly_and_still_reports_bad_figures() -> None:
    import io

    import pytest

    from estimates.errors import ClaimFileError

    header = "quantity,low,best,high,unit,source,stated_on\n"
    good = (
        "q,0.1,,0.30000000000000004,person,A,2024-01-01\n"
        'q,"12,000",, 13000 ,person,B,2024-01-02\n'
        "r,,7,,,A,\n"
    )
    ledger = Ledger.read_csv(io.StringIO(header + good))
    frame = ledger.to_frame().sort_values(["quantity", "source"])
    assert frame["low"].tolist()[:2] == [0.1, 12000.0]
    assert frame["high"].tolist()[:2] == [0.30000000000000004, 13000.0]
    assert frame["unit"].tolist() == ["person", "person", None]
    assert ledger == Ledger.from_frame(pd.read_csv(io.StringIO(header + good), dtype=str))
    for cell in ("nan", "inf", "1e999"):
        with pytest.raises(ClaimFileError) as info:
            Ledger.read_csv(io.StringIO(header + f"q,{cell},,,person,A,2024-01-01\n"))
        assert [(e.row, e.column) for e in info.value.errors] == [(1, "low")]
