"""reconcile() and reconcile_all(): the result's fields, its explanation, and bad input."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from estimates.errors import (
    DimensionError,
    InvalidValueError,
    ReconcileError,
    UnknownMethodError,
)
from estimates.ledger.claims import Claim
from estimates.ledger.schema import OUTPUT_COLUMNS
from estimates.ledger.table import Ledger
from estimates.reconciliation.reconcile import (
    CLAIM_ROLE_COLUMNS,
    Reconciliation,
    reconcile,
    reconcile_all,
)
from estimates.reconciliation.relations import at_most
from estimates.values.ranges import Range


def claim(value: Range, source: str, stated: str, quantity: str = "troops", **kw: Any) -> Claim:
    return Claim(quantity=quantity, value=value, source=source, stated_on=stated, **kw)


def P(n: float, **kw: Any) -> Range:  # noqa: N802 - reads like a figure
    return Range(best=n, unit="person", **kw)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(
        [
            claim(P(1500, low=1500, high=1500), "NIS", "2024-10-18"),
            claim(P(3000, high=3000), "NIS", "2024-10-23"),
            claim(P(12_000), "HUR", "2024-10-24"),
            claim(P(12_000, high=12_000), "Zelensky", "2024-10-22"),
            claim(P(10_000), "US DoD", "2024-10-28"),
            claim(P(11_000, high=12_000), "Seoul", "2024-10-31"),
            claim(Range.at_least(1500, unit="person"), "Dutch MoD", "2024-10-25"),
            claim(P(11_000, high=11_000), "NIS", "2024-11-20"),
            claim(Range.more_than(7000, unit="person"), "HUR", "2024-10-31", quantity="kursk"),
            claim(Range.at_most(8000, unit="person"), "State", "2024-10-31", quantity="kursk"),
        ]
    )


def test_reconcile_answers_with_dates_method_and_options(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", known_on="2024-11-01")
    assert isinstance(r, Reconciliation)
    assert (r.at, r.known_on, r.dates_given) == (dt.date(2024, 11, 1), dt.date(2024, 11, 1), True)
    assert r.method == "robust" and r.unit == "person"
    assert r.value is not None
    assert (r.value.low, r.value.best, r.value.high) == (10_000.0, 11_000.0, 12_000.0)
    assert dict(r.options)["relay_days"] == 7 and r.half_life is None
    assert r.n_sources == 6 and r.n_claims == 6
    assert r.known


def test_defaults_use_everything_and_say_so(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops")
    assert r.known_on == r.at == dt.date(2024, 11, 20)
    assert not r.dates_given
    assert "(everything known)" in r.explain()


def test_claims_table_gives_each_claim_a_role_and_weight(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", known_on="2024-11-01")
    table = r.claims
    assert tuple(table.columns) == CLAIM_ROLE_COLUMNS
    assert len(table) == 7  # the claim of 20 Nov is not known on 1 Nov
    keys = list(zip(table["source"], table["stated_on"], strict=True))
    role = dict(zip(keys, table["role"], strict=True))
    assert role[("NIS", "2024-10-18")] == "superseded"
    assert role[("NIS", "2024-10-23")] == "outlier"
    assert role[("HUR", "2024-10-24")] == "used"
    assert (table.loc[~table["used"], "weight"] == 0).all()
    assert (table.loc[table["used"], "weight"] > 0).all()
    # a copy: changing it changes nothing in the result
    table.loc[0, "role"] = "changed"
    assert "changed" not in set(r.claims["role"])


def test_explain_reads_like_sentences(ledger: Ledger) -> None:
    text = reconcile(ledger, "troops", known_on="2024-11-01").explain()
    first = text.split("\n")[0]
    assert first == (
        "As known on 1 Nov 2024, troops: 11,000 (10,000–12,000) people, from 6 sources (robust)."
    )
    assert "NIS's 1,500 of 18 Oct 2024 is superseded by a later figure." in text
    assert "NIS's 3,000 (up to 3,000)" not in text  # a figure is said once, plainly
    assert "lies outside the answer" in text
    assert "Conflicts: NIS's 3,000 and " in text
    assert "NIS's 3,000 and HUR's 12,000 cannot both hold: a gap of 9,000" in text


def test_conflicts_and_spread(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", known_on="2024-11-01")
    assert r.conflict
    assert r.conflicts[0].gap == 9000.0
    assert {(c.low_source, c.high_source) for c in r.conflicts[:2]} == {
        ("NIS", "HUR"),
        ("NIS", "Zelensky"),
    }
    assert r.spread is not None and (r.spread.low, r.spread.high) == (3000.0, 12_000.0)


def test_consensus_of_open_and_closed_bounds(ledger: Ledger) -> None:
    r = reconcile(ledger, "kursk", method="consensus")
    assert r.value is not None
    assert (r.value.low, r.value.high, r.value.closed) == (7000.0, 8000.0, "right")
    assert not r.conflict


def test_consensus_conflict_is_an_explicit_unknown(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", known_on="2024-11-01", method="consensus")
    assert r.value is None and not r.known
    assert r.note is not None and r.note.startswith("conflict")
    assert "unknown (conflict" in r.explain()


def test_relations_narrow_and_say_why(ledger: Ledger) -> None:
    plain = reconcile(ledger, "kursk", method="consensus", known_on="2024-11-01")
    assert plain.value is not None and plain.value.high == 8000.0
    ranges = Ledger(
        [
            *ledger,
            claim(Range.between(7500, 7600, unit="person"), "X", "2024-10-30", quantity="total"),
        ]
    )
    r = reconcile(
        ranges,
        "kursk",
        method="consensus",
        known_on="2024-11-01",
        relations=[at_most("kursk", "total")],
    )
    assert r.value is not None and r.value.high == 7600.0
    assert r.narrowed and "kursk" in r.narrowed[0]
    table = reconcile_all(
        ranges, method="consensus", known_on="2024-11-01", relations=[at_most("kursk", "total")]
    )
    row = table.set_index("quantity").loc["kursk"]
    assert row["high"] == 7600.0 and "kursk" in row["note"]


# -- bad input -----------------------------------------------------------------------------------


def test_a_quantity_with_no_claims_is_an_error_naming_the_known_ones(ledger: Ledger) -> None:
    with pytest.raises(ReconcileError, match=r"no claims about 'ships'.*kursk, troops"):
        reconcile(ledger, "ships")


def test_all_claims_filtered_out_is_unknown_with_the_reason(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", known_on="2020-01-01")
    assert r.value is None
    assert r.note == "unknown: no claim was stated on or before 2020-01-01"


def test_at_before_every_claim_is_unknown(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", at="2024-01-01")
    assert r.value is None and r.note is not None and "before every figure" in r.note
    assert set(r.claims["role"]) == {"out of window"}
    assert not r.claims["used"].any()


def test_unknown_method_lists_the_known_ones(ledger: Ledger) -> None:
    with pytest.raises(UnknownMethodError, match="robust"):
        reconcile(ledger, "troops", method="median")
    with pytest.raises(UnknownMethodError):
        reconcile_all(ledger, method="median")


def test_two_dimensions_are_an_error(ledger: Ledger) -> None:
    mixed = ledger.merge(Ledger([claim(Range.exactly(5, unit="container"), "X", "2024-10-30")]))
    with pytest.raises(DimensionError, match="'troops' mixes"):
        reconcile(mixed, "troops")


@pytest.mark.parametrize("half_life", [0, -3, "ten", True])
def test_bad_half_life(ledger: Ledger, half_life: Any) -> None:
    with pytest.raises(ReconcileError, match="half_life"):
        reconcile(ledger, "troops", half_life=half_life)


def test_bad_relay_days(ledger: Ledger) -> None:
    with pytest.raises(ReconcileError, match="relay_days"):
        reconcile(ledger, "troops", relay_days=-1)


def test_the_result_is_frozen(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops")
    with pytest.raises(InvalidValueError):
        r.method = "envelope"  # type: ignore[misc]
    assert r == reconcile(ledger, "troops")
    assert r != reconcile(ledger, "troops", method="envelope")


# -- reconcile_all -------------------------------------------------------------------------------


def test_reconcile_all_columns_and_types(ledger: Ledger) -> None:
    table = reconcile_all(ledger, known_on="2024-11-01")
    assert tuple(table.columns) == OUTPUT_COLUMNS
    assert table["quantity"].tolist() == ["kursk", "troops"]
    assert table["at"].tolist() == ["2024-11-01", "2024-11-01"]
    assert table["method"].tolist() == ["robust", "robust"]
    assert table["n_sources"].dtype == np.int64 and table["conflict"].dtype == bool


def test_reconcile_all_gives_the_numbers_of_reconcile(ledger: Ledger) -> None:
    for method in ("robust", "consensus", "envelope", "latest"):
        table = reconcile_all(ledger, known_on="2024-11-01", method=method).set_index("quantity")
        for q in ("kursk", "troops"):
            r = reconcile(ledger, q, known_on="2024-11-01", method=method)
            row = table.loc[q]
            if r.value is None:
                assert math.isnan(row["low"]) and str(row["note"]).startswith(
                    ("unknown", "conflict")
                )
                continue
            for side in ("low", "best", "high"):
                mine = getattr(r.value, side)
                assert (math.isnan(row[side]) and mine is None) or row[side] == mine
            assert row["closed"] == r.value.closed
            assert row["n_sources"] == r.n_sources


def test_reconcile_all_unknown_and_unbounded_rows() -> None:
    led = Ledger(
        [
            claim(
                Range.at_least(13_000, unit="container"),
                "NIS",
                "2024-10-18",
                quantity="c",
                kind="cumulative",
            ),
            claim(P(5), "A", "2025-01-01", quantity="later"),
        ]
    )
    table = reconcile_all(led, known_on="2024-11-01").set_index("quantity")
    assert table.loc["c", "low"] == 13_000.0 and math.isnan(table.loc["c", "high"])
    assert table.loc["c", "closed"] == "left"
    assert math.isnan(table.loc["later", "best"]) and pd.isna(table.loc["later", "closed"])
    assert str(table.loc["later", "note"]).startswith("unknown")


def test_reconcile_all_of_an_empty_ledger_is_an_empty_table() -> None:
    table = reconcile_all(Ledger())
    assert len(table) == 0 and tuple(table.columns) == OUTPUT_COLUMNS


def test_a_joint_method_learns_from_every_quantity(ledger: Ledger) -> None:
    r = reconcile(ledger, "troops", method="crh", known_on="2024-11-01")
    assert r.value is not None and r.sources is not None
    assert (
        r.value.best
        == reconcile_all(ledger, method="crh", known_on="2024-11-01")
        .set_index("quantity")
        .loc["troops", "best"]
    )


def test_relations_naming_unknown_quantities_are_an_error(ledger: Ledger) -> None:
    from estimates.errors import RelationError

    with pytest.raises(RelationError):
        reconcile(ledger, "kursk", relations=[at_most("kursk", "nowhere")])


def test_conventions_of_the_figures_used_are_recorded() -> None:
    led = Ledger(
        [Claim(quantity="q", text="about 12,000 soldiers", source="A", stated_on="2024-01-01")]
    )
    r = reconcile(led, "q")
    assert r.value is not None and r.conventions == ("ferson",)
    plain = reconcile(Ledger([claim(P(5), "A", "2024-01-01")]), "troops")
    assert plain.conventions == ()


def test_relations_keep_each_claims_own_details() -> None:
    """With relations, the claims table must describe the claims the core actually used."""
    from estimates import datasets
    from estimates.reconciliation.relations import at_most

    ledger = datasets.dprk()
    r = reconcile(
        ledger,
        "dprk_troops_in_kursk",
        known_on="2024-11-01",
        relations=[at_most("dprk_troops_in_kursk", "dprk_troops_in_russia")],
    )
    truth = ledger.to_frame().set_index("claim_id")
    for row in r.claims.itertuples():
        assert truth.loc[row.claim_id, "quantity"] == "dprk_troops_in_kursk"
        assert truth.loc[row.claim_id, "stated_on"] == row.stated_on
    assert "2025" not in r.explain()
