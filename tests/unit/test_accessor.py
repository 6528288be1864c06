"""The DataFrame accessor: ledgers from claim tables, group-wise reconciliation, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

import estimates.faces.accessor  # noqa: F401  (registers df.estimates)
from estimates import datasets
from estimates.errors import ClaimFileError, OptionError, ReconcileError
from estimates.reconciliation.reconcile import reconcile_all
from estimates.reconciliation.relations import at_most


def _regions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quantity": ["troops"] * 4 + ["tanks"] * 2,
            "region": ["north", "north", "south", "south", "north", "south"],
            "low": [1000, 1200, 300, 400, 10, 20],
            "high": [1500, 1400, 500, 450, 12, 20],
            "source": ["A", "B", "A", "C", "A", "B"],
            "stated_on": "2024-10-30",
        }
    )


def test_to_ledger_round_trips_the_bundled_table() -> None:
    frame = datasets.dprk().to_frame()
    assert frame.estimates.to_ledger() == datasets.dprk()


def test_missing_and_unknown_columns_are_named() -> None:
    df = pd.DataFrame({"quantity": ["q"], "low": [1.0], "sorce": ["S"]})
    with pytest.raises(ClaimFileError) as info:
        df.estimates.to_ledger()
    problems = {(e.column, e.reason.split(";")[0]) for e in info.value.errors}
    assert (
        "source",
        "required column is missing (columns found: quantity, low, sorce)",
    ) in problems
    assert ("sorce", "not a claim column") in problems


def test_extra_columns_may_be_ignored_on_request() -> None:
    df = _regions()
    with pytest.raises(ClaimFileError, match="region"):
        df.estimates.to_ledger()
    assert len(df.estimates.to_ledger(extra="ignore")) == 6


def test_reconcile_by_group_equals_reconciling_each_group() -> None:
    df = _regions()
    got = df.estimates.reconcile(by="region", method="consensus")
    assert list(got.columns[:2]) == ["region", "quantity"]
    for region, part in df.groupby("region"):
        want = reconcile_all(
            part.drop(columns=["region"]).estimates.to_ledger(), method="consensus"
        )
        mine = got[got["region"] == region].drop(columns=["region"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, want, check_dtype=False)


def test_reconcile_by_group_is_independent_of_row_order() -> None:
    df = _regions()
    a = df.estimates.reconcile(by="region")
    b = df.sample(frac=1.0, random_state=3).estimates.reconcile(by="region")
    pd.testing.assert_frame_equal(a, b)


def test_reconcile_by_two_columns_and_one_quantity() -> None:
    df = _regions().assign(dataset="x")
    got = df.estimates.reconcile("troops", by=["dataset", "region"])
    assert got[["dataset", "region", "quantity"]].values.tolist() == [
        ["x", "north", "troops"],
        ["x", "south", "troops"],
    ]


def test_group_errors() -> None:
    df = _regions()
    with pytest.raises(OptionError, match="'province'"):
        df.estimates.reconcile(by="province")
    with pytest.raises(ValueError, match="cannot group by claim column"):
        df.estimates.reconcile(by="source", extra="ignore")
    with pytest.raises(ReconcileError, match="no claims about 'navy'"):
        df.estimates.reconcile("navy", by="region")
    blank = df.astype({"region": object})
    blank.loc[2, "region"] = None
    with pytest.raises(ClaimFileError, match="row 3"):
        blank.estimates.reconcile(by="region")


def test_reconcile_one_quantity_without_groups() -> None:
    frame = datasets.dprk().to_frame()
    got = frame.estimates.reconcile("dprk_troops_in_kursk", known_on="2025-01-15")
    want = reconcile_all(datasets.dprk(), known_on="2025-01-15")
    want = want[want["quantity"] == "dprk_troops_in_kursk"].reset_index(drop=True)
    # notes are compared apart: pandas may hold "no note" as None or as NaN
    pd.testing.assert_frame_equal(got.drop(columns="note"), want.drop(columns="note"))
    assert got["note"].isna().tolist() == want["note"].isna().tolist()
    with pytest.raises(ReconcileError):
        frame.estimates.reconcile("navy")


def test_explain_check_and_timeline() -> None:
    frame = datasets.dprk().to_frame()
    r = frame.estimates.explain("dprk_troops_in_russia", known_on="2025-01-15")
    assert r.value is not None and "dprk_troops_in_russia" in r.explain()
    report = frame.estimates.check([at_most("dprk_troops_in_kursk", "dprk_troops_in_russia")])
    assert "dprk_troops_in_kursk ≤ dprk_troops_in_russia" in report.relations
    tl = frame.estimates.timeline("containers_shipped")
    assert (tl["quantity"] == "containers_shipped").all()
